//! CCM* as ZigBee uses it (ZigBee specification R22 §4.5.2.2 and Annex
//! A/B): AES-128, 13-byte nonce, 2-byte length field, MIC of 0, 4, 8 or 16
//! bytes, with or without encryption (security levels 0-7, Table 4-22).
//!
//! * Levels 1-3 (MIC-32/64/128): the whole frame up to the MIC is a-data,
//!   nothing is encrypted: CCM over an empty message.
//! * Levels 5-7 (ENC-MIC-32/64/128): CCM with the header and auxiliary
//!   header as a-data and the payload as message.
//! * Level 4 (ENC, no MIC): CCM* with M = 0, which is CTR mode with the
//!   counter blocks `A_i = 0x01 || nonce || i` from `i = 1`; the `ccm`
//!   crate has no M = 0, so this level uses `ctr` directly.
//!
//! [`ZigbeeKey`] holds the keyed CCM objects for the three MIC lengths,
//! built once per key (never per frame) through a
//! [`CryptoProvider`], plus the expanded AES key for level 4.

use super::{AuxHeader, SecuredLayout, mic_len};
use aes::Aes128;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipher, StreamCipherCoreWrapper};
use dual_protocol_primitives::crypto::rustcrypto::{RcCcm, RustCrypto};
use dual_protocol_primitives::crypto::{Aead, CryptoError, CryptoProvider};
use dual_protocol_primitives::eui64::Eui64;

/// The CCM* nonce (ZigBee R22 §4.5.2.2, Figure 4-21): the source address
/// little-endian as on air, the frame counter little-endian, and the
/// security control byte with the security level actually used.
#[must_use]
pub fn nonce(source: Eui64, frame_counter: u32, security_control: u8) -> [u8; 13] {
    let mut n = [0u8; 13];
    let (addr, rest) = n.split_at_mut(8);
    addr.copy_from_slice(&source.to_le_bytes());
    let (fc, sc) = rest.split_at_mut(4);
    fc.copy_from_slice(&frame_counter.to_le_bytes());
    if let Some(b) = sc.first_mut() {
        *b = security_control;
    }
    n
}

/// A ZigBee key (network key, link key or a key derived from one), with
/// its CCM objects keyed once. Zeroized on drop (by the provider's objects
/// and by `aes`'s key schedule); `Debug` prints nothing secret.
pub struct ZigbeeKey<A: Aead = RcCcm> {
    mic4: A,
    mic8: A,
    mic16: A,
    ctr: Aes128,
}

impl<A: Aead> core::fmt::Debug for ZigbeeKey<A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ZigbeeKey(..)")
    }
}

impl ZigbeeKey<RcCcm> {
    /// Keys the RustCrypto provider's CCM for the three MIC lengths.
    ///
    /// # Errors
    /// [`CryptoError`] from the provider (never for a 16-byte key).
    pub fn new(key: &[u8; 16]) -> Result<Self, CryptoError> {
        Self::with_provider(&RustCrypto, key)
    }
}

impl<A: Aead> ZigbeeKey<A> {
    /// Keys `provider`'s AES-128-CCM (13-byte nonce) for MICs of 4, 8 and
    /// 16 bytes.
    ///
    /// # Errors
    /// [`CryptoError`] from the provider.
    pub fn with_provider<P: CryptoProvider<Ccm = A>>(
        provider: &P,
        key: &[u8; 16],
    ) -> Result<Self, CryptoError> {
        Ok(ZigbeeKey {
            mic4: provider.aes128_ccm(key, 4, 13)?,
            mic8: provider.aes128_ccm(key, 8, 13)?,
            mic16: provider.aes128_ccm(key, 16, 13)?,
            ctr: Aes128::new(&(*key).into()),
        })
    }

    fn ccm(&self, level: u8) -> Option<&A> {
        match mic_len(level) {
            4 => Some(&self.mic4),
            8 => Some(&self.mic8),
            16 => Some(&self.mic16),
            _ => None,
        }
    }

    /// CCM* with M = 0 (level 4): XORs `buf` with `S_1, S_2, ...`.
    fn ctr_in_place(&self, nonce: &[u8; 13], buf: &mut [u8]) {
        let mut iv = [0u8; 16];
        iv[0] = 0x01; // flags: L - 1 = 1
        if let Some(dst) = iv.get_mut(1..14) {
            dst.copy_from_slice(nonce);
        }
        iv[15] = 1;
        let core = ctr::CtrCore::<Aes128, ctr::flavors::Ctr128BE>::inner_iv_init(
            self.ctr.clone(),
            &iv.into(),
        );
        let mut c = StreamCipherCoreWrapper::from_core(core);
        c.apply_keystream(buf);
    }
}

/// Why CCM* failed on a well-formed secured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CcmFailure {
    /// The MIC did not verify (the payload was zeroed).
    Mic,
    /// The layout does not fit the buffer or the provider refused a length.
    Length,
}

impl From<CryptoError> for CcmFailure {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::TagMismatch => CcmFailure::Mic,
            _ => CcmFailure::Length,
        }
    }
}

/// The pieces of a secured frame buffer, borrowed disjointly.
struct Parts<'b> {
    aad: &'b [u8],
    payload: &'b mut [u8],
    mic: &'b mut [u8],
}

/// Splits `buf` per `layout`; for MIC-only levels the payload joins the a-data.
fn split<'b>(
    buf: &'b mut [u8],
    layout: &SecuredLayout,
    encrypt: bool,
) -> Result<Parts<'b>, CcmFailure> {
    let buf = buf.get_mut(..layout.mic.end).ok_or(CcmFailure::Length)?;
    let (head, mic) = buf
        .split_at_mut_checked(layout.mic.start)
        .ok_or(CcmFailure::Length)?;
    let aad_end = if encrypt {
        layout.aad_end
    } else {
        layout.payload.end
    };
    let (aad, payload) = head
        .split_at_mut_checked(aad_end)
        .ok_or(CcmFailure::Length)?;
    Ok(Parts { aad, payload, mic })
}

/// Writes `level` into the security control byte, returning the byte as it was.
fn patch_level(buf: &mut [u8], layout: &SecuredLayout, level: u8) -> Result<u8, CcmFailure> {
    let sc = buf
        .get_mut(layout.security_control)
        .ok_or(CcmFailure::Length)?;
    let on_air = *sc;
    *sc = (on_air & !7) | (level & 7);
    Ok(on_air)
}

fn restore(buf: &mut [u8], layout: &SecuredLayout, on_air: u8) {
    if let Some(sc) = buf.get_mut(layout.security_control) {
        *sc = on_air;
    }
}

/// Unsecures a frame in place (ZigBee R22 §4.3.1.2 / §4.4.1.2 step 5-6):
/// patches the security level to `level` in the buffer, checks the MIC and
/// decrypts the payload, then puts the on-air security control byte back.
pub(crate) fn open_in_place<A: Aead>(
    key: &ZigbeeKey<A>,
    buf: &mut [u8],
    layout: &SecuredLayout,
    aux: &AuxHeader,
    level: u8,
    source: Eui64,
) -> Result<(), CcmFailure> {
    let on_air = patch_level(buf, layout, level)?;
    let sc = (on_air & !7) | (level & 7);
    let n = nonce(source, aux.frame_counter, sc);
    let result = run(key, buf, layout, level, &n, false);
    restore(buf, layout, on_air);
    result
}

/// Secures a frame in place (ZigBee R22 §4.3.1.1 / §4.4.1.1): the buffer
/// holds the header, the auxiliary header, the plaintext and room for the
/// MIC; the level is patched to `level` for the computation, then the
/// security control byte is put back as the caller encoded it (ZigBee PRO
/// sends level 0 on air).
pub(crate) fn seal_in_place<A: Aead>(
    key: &ZigbeeKey<A>,
    buf: &mut [u8],
    layout: &SecuredLayout,
    aux: &AuxHeader,
    level: u8,
    source: Eui64,
) -> Result<(), CcmFailure> {
    let on_air = patch_level(buf, layout, level)?;
    let sc = (on_air & !7) | (level & 7);
    let n = nonce(source, aux.frame_counter, sc);
    let result = run(key, buf, layout, level, &n, true);
    restore(buf, layout, on_air);
    result
}

fn run<A: Aead>(
    key: &ZigbeeKey<A>,
    buf: &mut [u8],
    layout: &SecuredLayout,
    level: u8,
    nonce: &[u8; 13],
    seal: bool,
) -> Result<(), CcmFailure> {
    let parts = split(buf, layout, level & 4 != 0)?;
    if seal {
        key.seal(level, nonce, parts.aad, parts.payload, parts.mic)?;
    } else {
        key.open(level, nonce, parts.aad, parts.payload, parts.mic)?;
    }
    Ok(())
}

impl<A: Aead> ZigbeeKey<A> {
    /// CCM* forward transformation at security `level` (0-7): encrypts
    /// `payload` in place when the level encrypts (4-7) and writes the MIC
    /// (`mic.len()` must be [`mic_len`]`(level)`). At levels 1-3 pass the
    /// whole authenticated data as `aad` and an empty `payload`.
    ///
    /// # Errors
    /// [`CryptoError::InvalidLength`] for a wrong MIC length.
    pub fn seal(
        &self,
        level: u8,
        nonce: &[u8; 13],
        aad: &[u8],
        payload: &mut [u8],
        mic: &mut [u8],
    ) -> Result<(), CryptoError> {
        if mic.len() != mic_len(level) {
            return Err(CryptoError::InvalidLength);
        }
        match self.ccm(level) {
            Some(ccm) => ccm.seal_in_place_detached(nonce, aad, payload, mic),
            None if level & 4 != 0 => {
                self.ctr_in_place(nonce, payload);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// CCM* inverse transformation at security `level`: checks the MIC in
    /// constant time and decrypts `payload` in place (see [`Self::seal`]).
    ///
    /// # Errors
    /// [`CryptoError::TagMismatch`] (the payload is then zeroed),
    /// [`CryptoError::InvalidLength`].
    pub fn open(
        &self,
        level: u8,
        nonce: &[u8; 13],
        aad: &[u8],
        payload: &mut [u8],
        mic: &[u8],
    ) -> Result<(), CryptoError> {
        if mic.len() != mic_len(level) {
            return Err(CryptoError::InvalidLength);
        }
        match self.ccm(level) {
            Some(ccm) => ccm.open_in_place_detached(nonce, aad, payload, mic),
            None if level & 4 != 0 => {
                self.ctr_in_place(nonce, payload);
                Ok(())
            }
            None => Ok(()),
        }
    }
}
