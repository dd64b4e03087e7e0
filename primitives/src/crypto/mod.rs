//! The crypto-provider seam: every layer that encrypts, signs, verifies or
//! agrees keys does it through [`CryptoProvider`], so a head end can plug in
//! another implementation (for example one backed by aws-lc-rs, several
//! times faster for ECDSA and ECDH) without changing any layer crate.
//!
//! Keys are pre-parsed objects (associated types), so hot paths pay for key
//! expansion and point validation once per key, not once per message:
//! build an [`Aead`] once per key, a verifying key once per certificate.
//!
//! The default implementation is [`rustcrypto::RustCrypto`] (feature
//! `rustcrypto`, no_std, no heap).
//!
//! Conventions: signatures are the plain `r || s` form (64 bytes for P-256,
//! 96 for P-384), as DLMS general-signing and GBCS use; public keys are SEC1
//! (uncompressed `04 || x || y`, or compressed, on input; uncompressed on
//! output); ECDH returns the x-coordinate of the shared point (the raw
//! secret `Z` of NIST SP 800-56A), which callers feed into a KDF.

#[cfg(feature = "rustcrypto")]
pub mod rustcrypto;

use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Why a cryptographic operation failed. Deliberately coarse: a failed
/// check says nothing about where it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CryptoError {
    /// The AEAD tag did not verify; the buffer was zeroed.
    #[error("authentication tag mismatch")]
    TagMismatch,
    /// A key of the wrong length or an invalid private scalar.
    #[error("invalid key")]
    InvalidKey,
    /// A public key that is not a valid point on the curve.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// A signature that does not verify or is malformed.
    #[error("invalid signature")]
    InvalidSignature,
    /// A nonce, tag or input length the algorithm does not accept.
    #[error("invalid length for this algorithm")]
    InvalidLength,
}

/// Secret bytes (a shared secret, a derived key) that are zeroized on drop
/// and never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes<const N: usize>([u8; N]);

impl<const N: usize> SecretBytes<N> {
    /// Wraps `bytes` (the caller should zeroize its own copy).
    #[must_use]
    pub const fn new(bytes: [u8; N]) -> Self {
        SecretBytes(bytes)
    }

    /// The secret bytes.
    #[must_use]
    pub const fn expose(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for SecretBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes<{N}>(..)")
    }
}

/// An AEAD keyed once, used in place with a detached tag (the tag sits
/// wherever the frame puts it: the MIC at the end of a ZigBee frame, the
/// GCM tag after a DLMS ciphertext).
pub trait Aead {
    /// Tag length in bytes this instance produces and checks.
    fn tag_len(&self) -> usize;

    /// Encrypts `buf` in place and writes the tag into `tag`
    /// (`tag.len() == self.tag_len()`).
    fn seal_in_place_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), CryptoError>;

    /// Checks `tag` (in constant time) and decrypts `buf` in place. On
    /// failure `buf` is zeroed and no plaintext is released.
    fn open_in_place_detached(
        &self,
        nonce: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8],
    ) -> Result<(), CryptoError>;
}

/// Uncompressed SEC1 P-256 public key length.
pub const P256_PUBLIC_LEN: usize = 65;
/// Uncompressed SEC1 P-384 public key length.
pub const P384_PUBLIC_LEN: usize = 97;

/// The cryptography the stack needs, behind one seam. See the module docs.
///
/// Random keys come from a caller-supplied [`rand_core::CryptoRng`]; the
/// provider never reads a global RNG.
pub trait CryptoProvider {
    /// AES-128-CCM keyed object.
    type Ccm: Aead;
    /// AES-GCM (128 or 256) keyed object, 12-byte nonce.
    type Gcm: Aead;
    /// A P-256 private key (zeroized on drop).
    type P256SigningKey;
    /// A validated P-256 public key.
    type P256VerifyingKey: Clone;
    /// A P-384 private key (zeroized on drop).
    type P384SigningKey;
    /// A validated P-384 public key.
    type P384VerifyingKey: Clone;

    /// AES-128-CCM with a `tag_len`-byte tag (4, 6, 8, 10, 12, 14 or 16) and
    /// a `nonce_len`-byte nonce (7..=13) (NIST SP 800-38C).
    fn aes128_ccm(
        &self,
        key: &[u8; 16],
        tag_len: usize,
        nonce_len: usize,
    ) -> Result<Self::Ccm, CryptoError>;

    /// AES-GCM with a 16- or 32-byte key, a 12-byte nonce and a `tag_len`
    /// tag of 12 or 16 bytes (NIST SP 800-38D).
    fn aes_gcm(&self, key: &[u8], tag_len: usize) -> Result<Self::Gcm, CryptoError>;

    /// AES-128-CMAC over the concatenation of `parts` (NIST SP 800-38B).
    fn aes128_cmac(&self, key: &[u8; 16], parts: &[&[u8]]) -> [u8; 16];

    /// AES key wrap (RFC 3394, NIST SP 800-38F KW) of `key` (a multiple of 8
    /// bytes, at least 16) under a 16- or 32-byte `kek`, written to
    /// `out[..key.len() + 8]`; returns that length. DLMS wrapped keys
    /// (Green Book 9.2.3.4, key-info wrapped-key) use it.
    fn aes_key_wrap(&self, kek: &[u8], key: &[u8], out: &mut [u8]) -> Result<usize, CryptoError>;

    /// Reverses [`aes_key_wrap`](Self::aes_key_wrap): writes the key to
    /// `out[..wrapped.len() - 8]` and returns its length. An integrity-check
    /// failure (wrong KEK or altered input) is [`CryptoError::TagMismatch`]
    /// and leaves `out` zeroed.
    fn aes_key_unwrap(
        &self,
        kek: &[u8],
        wrapped: &[u8],
        out: &mut [u8],
    ) -> Result<usize, CryptoError>;

    /// SHA-256 over the concatenation of `parts`.
    fn sha256(&self, parts: &[&[u8]]) -> [u8; 32];

    /// SHA-384 over the concatenation of `parts`.
    fn sha384(&self, parts: &[&[u8]]) -> [u8; 48];

    /// A P-256 private key from its 32-byte big-endian scalar.
    fn p256_signing_key(&self, scalar: &[u8; 32]) -> Result<Self::P256SigningKey, CryptoError>;
    /// A fresh random P-256 private key.
    fn p256_generate<R: rand_core::CryptoRng + ?Sized>(&self, rng: &mut R) -> Self::P256SigningKey;
    /// The private scalar (for persistence; handle with care).
    fn p256_private_scalar(&self, key: &Self::P256SigningKey) -> SecretBytes<32>;
    /// The uncompressed SEC1 public key of a private key.
    fn p256_public_key(&self, key: &Self::P256SigningKey) -> [u8; P256_PUBLIC_LEN];
    /// Parses and validates a SEC1 public key (compressed or uncompressed).
    fn p256_verifying_key(&self, sec1: &[u8]) -> Result<Self::P256VerifyingKey, CryptoError>;
    /// ECDSA signature `r || s` over a SHA-256 digest (deterministic, RFC 6979).
    fn p256_sign_prehash(
        &self,
        key: &Self::P256SigningKey,
        digest: &[u8; 32],
    ) -> Result<[u8; 64], CryptoError>;
    /// Verifies `r || s` over a SHA-256 digest.
    fn p256_verify_prehash(
        &self,
        key: &Self::P256VerifyingKey,
        digest: &[u8; 32],
        signature: &[u8; 64],
    ) -> Result<(), CryptoError>;
    /// ECDH: the x-coordinate of `key * peer`.
    fn p256_ecdh(
        &self,
        key: &Self::P256SigningKey,
        peer: &Self::P256VerifyingKey,
    ) -> SecretBytes<32>;

    /// ECDSA-with-SHA-256 signature over `message`.
    fn p256_sign(
        &self,
        key: &Self::P256SigningKey,
        message: &[u8],
    ) -> Result<[u8; 64], CryptoError> {
        self.p256_sign_prehash(key, &self.sha256(&[message]))
    }
    /// Verifies an ECDSA-with-SHA-256 signature over `message`.
    fn p256_verify(
        &self,
        key: &Self::P256VerifyingKey,
        message: &[u8],
        signature: &[u8; 64],
    ) -> Result<(), CryptoError> {
        self.p256_verify_prehash(key, &self.sha256(&[message]), signature)
    }

    /// A P-384 private key from its 48-byte big-endian scalar.
    fn p384_signing_key(&self, scalar: &[u8; 48]) -> Result<Self::P384SigningKey, CryptoError>;
    /// A fresh random P-384 private key.
    fn p384_generate<R: rand_core::CryptoRng + ?Sized>(&self, rng: &mut R) -> Self::P384SigningKey;
    /// The private scalar (for persistence; handle with care).
    fn p384_private_scalar(&self, key: &Self::P384SigningKey) -> SecretBytes<48>;
    /// The uncompressed SEC1 public key of a private key.
    fn p384_public_key(&self, key: &Self::P384SigningKey) -> [u8; P384_PUBLIC_LEN];
    /// Parses and validates a SEC1 public key (compressed or uncompressed).
    fn p384_verifying_key(&self, sec1: &[u8]) -> Result<Self::P384VerifyingKey, CryptoError>;
    /// ECDSA signature `r || s` over a SHA-384 digest (deterministic, RFC 6979).
    fn p384_sign_prehash(
        &self,
        key: &Self::P384SigningKey,
        digest: &[u8; 48],
    ) -> Result<[u8; 96], CryptoError>;
    /// Verifies `r || s` over a SHA-384 digest.
    fn p384_verify_prehash(
        &self,
        key: &Self::P384VerifyingKey,
        digest: &[u8; 48],
        signature: &[u8; 96],
    ) -> Result<(), CryptoError>;
    /// ECDH: the x-coordinate of `key * peer`.
    fn p384_ecdh(
        &self,
        key: &Self::P384SigningKey,
        peer: &Self::P384VerifyingKey,
    ) -> SecretBytes<48>;

    /// ECDSA-with-SHA-384 signature over `message`.
    fn p384_sign(
        &self,
        key: &Self::P384SigningKey,
        message: &[u8],
    ) -> Result<[u8; 96], CryptoError> {
        self.p384_sign_prehash(key, &self.sha384(&[message]))
    }
    /// Verifies an ECDSA-with-SHA-384 signature over `message`.
    fn p384_verify(
        &self,
        key: &Self::P384VerifyingKey,
        message: &[u8],
        signature: &[u8; 96],
    ) -> Result<(), CryptoError> {
        self.p384_verify_prehash(key, &self.sha384(&[message]), signature)
    }
}
