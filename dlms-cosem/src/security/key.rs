//! Security suites and keys (IEC 62056-5-3 ed. 3 clause 5.7.2, Green Book
//! ed. 9 clause 9.2.3.7).

use crate::security::SecurityError;
use dual_protocol_primitives::crypto::SecretBytes;

/// A security suite (Green Book table 37).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SecuritySuite {
    /// Suite 0: AES-GCM-128, AES-128 key wrap.
    Suite0,
    /// Suite 1: ECDH-ECDSA-AES-GCM-128-SHA-256 (P-256).
    Suite1,
    /// Suite 2: ECDH-ECDSA-AES-GCM-256-SHA-384 (P-384).
    Suite2,
}

impl SecuritySuite {
    /// The suite id carried in bits 0-3 of the security control byte.
    #[must_use]
    pub const fn id(self) -> u8 {
        match self {
            Self::Suite0 => 0,
            Self::Suite1 => 1,
            Self::Suite2 => 2,
        }
    }

    /// The suite for an id.
    #[must_use]
    pub const fn from_id(id: u8) -> Option<Self> {
        match id {
            0 => Some(Self::Suite0),
            1 => Some(Self::Suite1),
            2 => Some(Self::Suite2),
            _ => None,
        }
    }

    /// The AES key length in bytes: 16 for suites 0 and 1, 32 for suite 2.
    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Self::Suite0 | Self::Suite1 => 16,
            Self::Suite2 => 32,
        }
    }
}

/// A block cipher key (encryption, authentication or dedicated key) of 16
/// or 32 bytes; zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SecurityKey {
    bytes: SecretBytes<32>,
    len: usize,
}

impl SecurityKey {
    /// Takes a 16-byte (AES-128) or 32-byte (AES-256) key.
    ///
    /// # Errors
    /// [`SecurityError::Crypto`] with `InvalidKey` for any other length.
    pub fn new(key: &[u8]) -> Result<Self, SecurityError> {
        let mut bytes = [0u8; 32];
        match key.len() {
            16 | 32 => {
                for (d, s) in bytes.iter_mut().zip(key) {
                    *d = *s;
                }
                let k = Self {
                    bytes: SecretBytes::new(bytes),
                    len: key.len(),
                };
                zeroize_array(&mut bytes);
                Ok(k)
            }
            _ => Err(SecurityError::Crypto(
                dual_protocol_primitives::crypto::CryptoError::InvalidKey,
            )),
        }
    }

    /// The key bytes.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        self.bytes.expose().get(..self.len).unwrap_or(&[])
    }

    /// Key length in bytes (16 or 32).
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Always false (a key is 16 or 32 bytes); present for clippy's sake.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

fn zeroize_array(b: &mut [u8; 32]) {
    // The stack copy: overwrite it (best effort; SecretBytes owns the real one).
    for x in b.iter_mut() {
        *x = 0;
    }
    core::hint::black_box(b);
}
