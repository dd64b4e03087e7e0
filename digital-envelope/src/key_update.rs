//! Bodies of KEY_UPDATE and KEY_UPDATE_ACK (docs 6.3), and helpers that
//! make them with fresh randomness from a caller-supplied RNG.
//!
//! Codec: fixed offsets, bounds-checked, no panics; trailing bytes are an
//! error so that `encode(decode(b)) == b`.

use dual_protocol_primitives::crypto::{CryptoProvider, P256_PUBLIC_LEN, SecretBytes};

use crate::error::{DecodeError, EncodeError};

/// The KEY_UPDATE body (docs 6.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct KeyUpdate {
    /// First epoch of the new generation (`u24`).
    pub first_epoch: u32,
    /// `R_i`.
    pub random: [u8; 16],
    /// `E_i`, SEC1 uncompressed, when forward secrecy is wanted.
    pub ephemeral: Option<[u8; P256_PUBLIC_LEN]>,
}

/// The KEY_UPDATE_ACK body (docs 6.3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct KeyUpdateAck {
    /// The first epoch, echoed.
    pub first_epoch: u32,
    /// `R_i`, echoed.
    pub initiator_random: [u8; 16],
    /// `R_r`.
    pub responder_random: [u8; 16],
    /// `E_r`, present exactly when the update carried `E_i`.
    pub ephemeral: Option<[u8; P256_PUBLIC_LEN]>,
}

fn take<'a>(
    bytes: &'a [u8],
    at: &mut usize,
    n: usize,
    total: usize,
) -> Result<&'a [u8], DecodeError> {
    let s = bytes.get(*at..*at + n).ok_or(DecodeError::Truncated {
        offset: bytes.len(),
        needed: total,
    })?;
    *at += n;
    Ok(s)
}

fn arr<const N: usize>(s: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    for (d, b) in a.iter_mut().zip(s) {
        *d = *b;
    }
    a
}

fn u24(s: &[u8]) -> u32 {
    s.iter().fold(0, |a, b| (a << 8) | u32::from(*b))
}

/// Reads the ephemeral flag and key at `at`.
fn ephemeral(
    bytes: &[u8],
    at: &mut usize,
    fixed: usize,
) -> Result<Option<[u8; P256_PUBLIC_LEN]>, DecodeError> {
    let flag_at = *at;
    let flag = take(bytes, at, 1, fixed)?.first().copied().unwrap_or(0);
    let e = match flag {
        0 => None,
        1 => Some(arr(take(
            bytes,
            at,
            P256_PUBLIC_LEN,
            fixed + P256_PUBLIC_LEN,
        )?)),
        value => {
            return Err(DecodeError::InvalidValue {
                offset: flag_at,
                value,
            });
        }
    };
    if bytes.len() > *at {
        return Err(DecodeError::TrailingBytes {
            offset: *at,
            extra: bytes.len() - *at,
        });
    }
    Ok(e)
}

fn write(out: &mut [u8], parts: &[&[u8]], needed: usize) -> Result<usize, EncodeError> {
    let out = out
        .get_mut(..needed)
        .ok_or(EncodeError::BufferTooSmall { needed })?;
    let mut at = 0;
    for p in parts {
        out.get_mut(at..at + p.len())
            .ok_or(EncodeError::BufferTooSmall { needed })?
            .copy_from_slice(p);
        at += p.len();
    }
    Ok(needed)
}

impl KeyUpdate {
    /// A key update with fresh `R_i` and, if `ephemeral` is given, its
    /// public key.
    pub fn new<P: CryptoProvider, R: rand_core::CryptoRng + ?Sized>(
        provider: &P,
        rng: &mut R,
        first_epoch: u32,
        ephemeral: Option<&P::P256SigningKey>,
    ) -> Self {
        let mut random = [0u8; 16];
        rng.fill_bytes(&mut random);
        KeyUpdate {
            first_epoch,
            random,
            ephemeral: ephemeral.map(|k| provider.p256_public_key(k)),
        }
    }

    /// Bytes [`Self::encode`] writes: 20 or 85.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        20 + if self.ephemeral.is_some() {
            P256_PUBLIC_LEN
        } else {
            0
        }
    }

    /// Decodes a KEY_UPDATE body.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut at = 0;
        let first_epoch = u24(take(bytes, &mut at, 3, 20)?);
        let random = arr(take(bytes, &mut at, 16, 20)?);
        let ephemeral = ephemeral(bytes, &mut at, 20)?;
        Ok(KeyUpdate {
            first_epoch,
            random,
            ephemeral,
        })
    }

    /// Encodes a KEY_UPDATE body.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if self.first_epoch > crate::header::MAX_EPOCH {
            return Err(EncodeError::OutOfRange {
                field: "first_epoch",
            });
        }
        let e = self.first_epoch.to_be_bytes();
        let (flag, key): (&[u8], &[u8]) = match &self.ephemeral {
            Some(k) => (&[1], k),
            None => (&[0], &[]),
        };
        write(out, &[&e[1..], &self.random, flag, key], self.encoded_len())
    }
}

impl KeyUpdateAck {
    /// The answer to `update` with fresh `R_r` and, if `ephemeral` is given,
    /// its public key.
    pub fn answer<P: CryptoProvider, R: rand_core::CryptoRng + ?Sized>(
        provider: &P,
        rng: &mut R,
        update: &KeyUpdate,
        ephemeral: Option<&P::P256SigningKey>,
    ) -> Self {
        let mut responder_random = [0u8; 16];
        rng.fill_bytes(&mut responder_random);
        KeyUpdateAck {
            first_epoch: update.first_epoch,
            initiator_random: update.random,
            responder_random,
            ephemeral: ephemeral.map(|k| provider.p256_public_key(k)),
        }
    }

    /// Bytes [`Self::encode`] writes: 36 or 101.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        36 + if self.ephemeral.is_some() {
            P256_PUBLIC_LEN
        } else {
            0
        }
    }

    /// Decodes a KEY_UPDATE_ACK body.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut at = 0;
        let first_epoch = u24(take(bytes, &mut at, 3, 36)?);
        let initiator_random = arr(take(bytes, &mut at, 16, 36)?);
        let responder_random = arr(take(bytes, &mut at, 16, 36)?);
        let ephemeral = ephemeral(bytes, &mut at, 36)?;
        Ok(KeyUpdateAck {
            first_epoch,
            initiator_random,
            responder_random,
            ephemeral,
        })
    }

    /// Encodes a KEY_UPDATE_ACK body.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if self.first_epoch > crate::header::MAX_EPOCH {
            return Err(EncodeError::OutOfRange {
                field: "first_epoch",
            });
        }
        let e = self.first_epoch.to_be_bytes();
        let (flag, key): (&[u8], &[u8]) = match &self.ephemeral {
            Some(k) => (&[1], k),
            None => (&[0], &[]),
        };
        write(
            out,
            &[
                &e[1..],
                &self.initiator_random,
                &self.responder_random,
                flag,
                key,
            ],
            self.encoded_len(),
        )
    }
}

/// The ephemeral secret `Z_eph` of a key update (docs 6.3): ECDH of the own
/// ephemeral private key with the peer's ephemeral public key.
pub fn ephemeral_secret<P: CryptoProvider>(
    provider: &P,
    own_ephemeral: &P::P256SigningKey,
    peer_ephemeral: &[u8; P256_PUBLIC_LEN],
) -> Result<SecretBytes<32>, dual_protocol_primitives::crypto::CryptoError> {
    let peer = provider.p256_verifying_key(peer_ephemeral)?;
    Ok(provider.p256_ecdh(own_ephemeral, &peer))
}
