//! The key-derivation function of DLMS key agreement and of GBCS: the
//! single-step ("concatenation") KDF of NIST SP 800-56A rev. 2 clause
//! 5.8.1.1, `K = H(0x00000001 ‖ Z ‖ OtherInfo) ‖ H(0x00000002 ‖ Z ‖
//! OtherInfo) ‖ …` truncated to the key length, with `OtherInfo` in the
//! concatenation format of clause 5.8.1.2.1 (fixed-length fields laid end
//! to end, no lengths added by the KDF itself).
//!
//! The hash is SHA-256 for security suite 1 and SHA-384 for suite 2 (Green
//! Book, DLMS UA 1000-2, the key agreement clause of 9.2.3.4 and its table
//! of security suites); GBCS uses SHA-256 (GBCS "KDF" section). The hash
//! runs through the [`CryptoProvider`].

use crate::security::{SecurityError, SecuritySuite};
use dual_protocol_primitives::crypto::{CryptoError, CryptoProvider};

/// The hash inside the KDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KdfHash {
    /// SHA-256 (suite 1, GBCS).
    Sha256,
    /// SHA-384 (suite 2).
    Sha384,
}

impl KdfHash {
    /// The suite's KDF hash: SHA-384 for suite 2, SHA-256 otherwise.
    #[must_use]
    pub const fn for_suite(suite: SecuritySuite) -> Self {
        match suite {
            SecuritySuite::Suite2 => Self::Sha384,
            SecuritySuite::Suite0 | SecuritySuite::Suite1 => Self::Sha256,
        }
    }
}

/// Most `OtherInfo` fields [`concat_kdf`] takes.
pub const MAX_OTHER_INFO_PARTS: usize = 6;

/// Derives `out.len()` bytes from the shared secret `z` and the `OtherInfo`
/// fields `other_info` (concatenated in order) with the single-step KDF.
///
/// # Errors
/// [`SecurityError::Crypto`] with `InvalidLength` for more than
/// [`MAX_OTHER_INFO_PARTS`] fields.
pub fn concat_kdf<P: CryptoProvider>(
    provider: &P,
    hash: KdfHash,
    z: &[u8],
    other_info: &[&[u8]],
    out: &mut [u8],
) -> Result<(), SecurityError> {
    if other_info.len() > MAX_OTHER_INFO_PARTS {
        return Err(SecurityError::Crypto(CryptoError::InvalidLength));
    }
    let mut counter = 1u32;
    for chunk in out.chunks_mut(match hash {
        KdfHash::Sha256 => 32,
        KdfHash::Sha384 => 48,
    }) {
        let c = counter.to_be_bytes();
        let mut parts: [&[u8]; MAX_OTHER_INFO_PARTS + 2] = [&[]; MAX_OTHER_INFO_PARTS + 2];
        for (slot, part) in parts
            .iter_mut()
            .zip([&c[..], z].into_iter().chain(other_info.iter().copied()))
        {
            *slot = part;
        }
        match hash {
            KdfHash::Sha256 => {
                let mut h = provider.sha256(&parts);
                copy_prefix(chunk, &h);
                h.fill(0);
            }
            KdfHash::Sha384 => {
                let mut h = provider.sha384(&parts);
                copy_prefix(chunk, &h);
                h.fill(0);
            }
        }
        counter = counter.wrapping_add(1);
    }
    Ok(())
}

fn copy_prefix(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}
