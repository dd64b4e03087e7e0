//! A whole datagram (docs section 3): the header, then the body, whose
//! shape depends on the protection mode (docs 3.4).
//!
//! [`Envelope::decode`] is the cheap, crypto-free first phase of receiving
//! (docs 8.1 steps 1 to 3): it checks the length bounds, the version, the
//! protection bits and the descriptor, and splits the bytes into header,
//! body and trailer without copying. Nothing panics on any input.

use crate::error::{DecodeError, EncodeError};
use crate::header::{FIXED_HEADER_LEN, Header, MAX_DATAGRAM, Protection};

/// A decoded datagram, borrowing the input.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Envelope<'a> {
    /// The decoded header.
    pub header: Header,
    /// The header exactly as received: the AEAD's associated data and part
    /// of the signed bytes.
    pub header_bytes: &'a [u8],
    /// AEAD and SIGNED_AEAD: the ciphertext (for SIGNED_AEAD, of payload and
    /// signature). SIGNED: the payload in clear.
    pub body: &'a [u8],
    /// AEAD and SIGNED_AEAD: the 8-byte tag. SIGNED: the 64-byte signature.
    pub trailer: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Splits a datagram (docs 8.1 steps 1 to 3).
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() > MAX_DATAGRAM {
            return Err(DecodeError::TooLong { len: bytes.len() });
        }
        let (header, hlen) = Header::decode(bytes)?;
        let p = header.protection;
        let needed = hlen + p.overhead();
        if bytes.len() < needed {
            return Err(DecodeError::Truncated {
                offset: bytes.len(),
                needed,
            });
        }
        let trailer_len = match p {
            Protection::Signed => crate::SIGNATURE_LEN,
            Protection::Aead | Protection::SignedAead => crate::TAG_LEN,
        };
        let (header_bytes, rest) = bytes.split_at_checked(hlen).ok_or(DecodeError::Truncated {
            offset: bytes.len(),
            needed,
        })?;
        let (body, trailer) = rest
            .split_at_checked(rest.len().saturating_sub(trailer_len))
            .ok_or(DecodeError::Truncated {
                offset: bytes.len(),
                needed,
            })?;
        Ok(Envelope {
            header,
            header_bytes,
            body,
            trailer,
        })
    }

    /// Bytes [`Self::encode`] writes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.header.encoded_len() + self.body.len() + self.trailer.len()
    }

    /// Re-encodes the datagram from its decoded header and the borrowed body
    /// and trailer: `encode(decode(b)) == b`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let needed = self.encoded_len();
        if needed > MAX_DATAGRAM {
            return Err(EncodeError::TooLong { len: needed });
        }
        let out = out
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        let h = self.header.encode(out)?;
        let rest = out
            .get_mut(h..)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        let (b, t) = rest.split_at_mut(self.body.len().min(rest.len()));
        b.copy_from_slice(self.body);
        t.get_mut(..self.trailer.len())
            .ok_or(EncodeError::BufferTooSmall { needed })?
            .copy_from_slice(self.trailer);
        Ok(needed)
    }

    /// Encodes into a new vector.
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len()];
        self.encode(&mut v)?;
        Ok(v)
    }
}

/// Smallest datagram that can be valid: a header without descriptor plus
/// the AEAD tag.
pub const MIN_DATAGRAM: usize = FIXED_HEADER_LEN + crate::TAG_LEN;
