//! The image integrity code (OTA Upgrade cluster spec 095264r23 §6.3.10.4,
//! ZCL rev 6 §11.4.3, tag 0x0003): a 16-octet AES-MMO hash (ZigBee R22
//! annex B.6) over the file from the first octet of the OTA header up to
//! and including the tag identifier and length of the integrity code
//! sub-element itself.
//!
//! The image is read block by block through [`ImageStorage`], so a device
//! never holds it in RAM: [`verify_integrity`] walks the sub-element
//! headers to find the code, then hashes the covered octets in
//! [`READ_BLOCK`]-octet reads and compares in constant time.

use dual_protocol_zigbee_nwk::security::mmo::AesMmo;
use subtle::ConstantTimeEq;

use super::{FILE_IDENTIFIER, MIN_HEADER_LEN, TAG_HEADER_LEN, TagHeader, TagId};
use crate::error::DecodeError;

/// Octets read from storage at a time while hashing.
pub const READ_BLOCK: usize = 64;

/// Length of the integrity code.
pub const CODE_LEN: usize = 16;

/// Random-access read of an OTA image held in flash, a file or RAM.
pub trait ImageStorage {
    /// Storage error.
    type Error;
    /// Fills `buf` from octet `offset` of the image; fewer octets than
    /// `buf.len()` only at the end of the image.
    fn read_at(&mut self, offset: u32, buf: &mut [u8]) -> Result<usize, Self::Error>;
}

/// An image held in memory.
impl ImageStorage for &[u8] {
    type Error = core::convert::Infallible;
    fn read_at(&mut self, offset: u32, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let src = usize::try_from(offset)
            .ok()
            .and_then(|o| self.get(o..))
            .unwrap_or_default();
        let n = src.len().min(buf.len());
        if let (Some(d), Some(s)) = (buf.get_mut(..n), src.get(..n)) {
            d.copy_from_slice(s);
        }
        Ok(n)
    }
}

/// Why an image's integrity could not be confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError<E> {
    /// The storage failed.
    #[error("image storage error")]
    Storage(E),
    /// The header or a sub-element header is malformed.
    #[error("OTA image: {0}")]
    Decode(DecodeError),
    /// No image integrity code sub-element before the total image size.
    #[error("no image integrity code sub-element")]
    Missing,
    /// The code is not 16 octets long.
    #[error("image integrity code of {0} octet(s), not 16")]
    BadLength(u32),
    /// The hash does not match: the image is corrupt.
    #[error("image integrity code mismatch")]
    Mismatch,
}

fn read_exact<S: ImageStorage>(
    s: &mut S,
    offset: u32,
    buf: &mut [u8],
    what: &'static str,
) -> Result<(), IntegrityError<S::Error>> {
    let n = s.read_at(offset, buf).map_err(IntegrityError::Storage)?;
    if n < buf.len() {
        return Err(IntegrityError::Decode(DecodeError::Truncated {
            offset: offset as usize,
            what,
            needed: buf.len(),
            available: n,
        }));
    }
    Ok(())
}

/// Where the integrity code sub-element starts, found by walking the
/// sub-element headers (read from storage, 6 octets each).
pub fn find_integrity_code<S: ImageStorage>(
    s: &mut S,
) -> Result<(u32, [u8; CODE_LEN]), IntegrityError<S::Error>> {
    let mut fixed = [0u8; MIN_HEADER_LEN];
    read_exact(s, 0, &mut fixed, "OTA header")?;
    let word = |at: usize| {
        fixed
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_le_bytes)
    };
    if word(0) != FILE_IDENTIFIER {
        return Err(IntegrityError::Decode(DecodeError::InvalidValue {
            offset: 0,
            what: "OTA file identifier",
        }));
    }
    let header_len = u32::from(u16::from_le_bytes([
        fixed.get(6).copied().unwrap_or(0),
        fixed.get(7).copied().unwrap_or(0),
    ]));
    let total = word(52);
    let mut at = header_len;
    while at < total {
        if total - at < TAG_HEADER_LEN as u32 {
            return Err(IntegrityError::Decode(DecodeError::InvalidValue {
                offset: at as usize,
                what: "OTA tag header past the total image size",
            }));
        }
        let mut th = [0u8; TAG_HEADER_LEN];
        read_exact(s, at, &mut th, "OTA tag header")?;
        let h = TagHeader::decode(&th, at as usize).map_err(IntegrityError::Decode)?;
        let data_at = at + TAG_HEADER_LEN as u32;
        if h.length > total - data_at {
            return Err(IntegrityError::Decode(DecodeError::InvalidValue {
                offset: at as usize + 2,
                what: "OTA tag length past the total image size",
            }));
        }
        if h.id == TagId::ImageIntegrityCode {
            if h.length as usize != CODE_LEN {
                return Err(IntegrityError::BadLength(h.length));
            }
            let mut code = [0u8; CODE_LEN];
            read_exact(s, data_at, &mut code, "image integrity code")?;
            return Ok((at, code));
        }
        at = data_at + h.length;
    }
    Err(IntegrityError::Missing)
}

/// Checks the image's integrity code; `Ok(())` when it matches.
pub fn verify_integrity<S: ImageStorage>(s: &mut S) -> Result<(), IntegrityError<S::Error>> {
    let (tag_at, code) = find_integrity_code(s)?;
    let computed = hash_prefix(s, tag_at + TAG_HEADER_LEN as u32)?;
    if bool::from(computed.ct_eq(&code)) {
        Ok(())
    } else {
        Err(IntegrityError::Mismatch)
    }
}

/// AES-MMO of the first `len` octets of the image, read in [`READ_BLOCK`] reads.
pub fn hash_prefix<S: ImageStorage>(
    s: &mut S,
    len: u32,
) -> Result<[u8; CODE_LEN], IntegrityError<S::Error>> {
    let mut mmo = AesMmo::new();
    let mut block = [0u8; READ_BLOCK];
    let mut at = 0u32;
    while at < len {
        let n = (len - at).min(READ_BLOCK as u32) as usize;
        let chunk = block.get_mut(..n).unwrap_or_default();
        read_exact(s, at, chunk, "OTA image")?;
        mmo.update(chunk);
        at += n as u32;
    }
    Ok(mmo.finalize())
}

/// Appends an integrity code sub-element to an image being built in
/// `file` (the header's total image size must already count its 22
/// octets); for tools and tests.
#[cfg(feature = "alloc")]
pub fn append_integrity_code(file: &mut alloc::vec::Vec<u8>) {
    file.extend_from_slice(
        &TagHeader {
            id: TagId::ImageIntegrityCode,
            length: CODE_LEN as u32,
        }
        .to_bytes(),
    );
    let code = AesMmo::digest(&[file.as_slice()]);
    file.extend_from_slice(&code);
}
