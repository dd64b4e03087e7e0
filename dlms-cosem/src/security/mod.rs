//! DLMS/COSEM security (IEC 62056-5-3 ed. 3 clause 5.7, and the Green Book,
//! DLMS UA 1000-2 ed. 9, clause 9.2): security suites, the security control
//! byte's policy, AES-GCM ciphering of the protected APDUs with the
//! initialization vector `system title ‖ invocation counter`, invocation
//! counters on send (through [`primitives`' counter
//! reservation](dual_protocol_primitives::counter::CounterReservation)) and
//! a replay window on receive, and HLS mechanism 5 (GMAC) authentication.
//!
//! All cryptography goes through
//! [`CryptoProvider`](dual_protocol_primitives::crypto::CryptoProvider), so a
//! head end can run it on another provider without changing this crate.
//!
//! - [`key`]: suites and keys (zeroized, never printed).
//! - [`policy`]: the protection an association requires; less is refused.
//! - [`gcm`]: the ciphering itself (authenticated, encrypted, both), the
//!   separately named decryption without tag verification, HLS-GMAC.
//! - [`context`]: one peer's security state (keys, titles, counters,
//!   replay windows) that protects and unprotects whole APDUs.
//! - [`signing`]: general-signing with ECDSA P-256 (suite 1) or P-384 (suite 2).
//! - [`general`]: general-ciphering with key-info (identified, wrapped and
//!   agreed keys: C(1e,1s) and C(0e,2s) ECDH).
//! - [`kdf`]: the NIST SP 800-56A single-step KDF.

pub mod context;
pub mod gcm;
pub mod general;
pub mod kdf;
pub mod key;
pub mod policy;
pub mod signing;

pub use context::{Received, SecurityContext};
pub use gcm::{TAG_LEN, hls_gmac, hls_gmac_verify, iv};
pub use key::{SecurityKey, SecuritySuite};
pub use policy::SecurityPolicy;

use crate::apdu::SecurityControl;
use crate::error::DecodeError;
use dual_protocol_primitives::crypto::CryptoError;
use dual_protocol_primitives::replay::ReplayError;

/// Why protecting or unprotecting an APDU failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// The APDU does not decode.
    #[error("protected APDU: {0}")]
    Decode(#[from] DecodeError),
    /// The APDU is not a protected container this context handles.
    #[error("APDU tag 0x{tag:02x} is not a glo-, ded- or general-glo/ded-ciphering APDU")]
    NotProtected {
        /// The first byte.
        tag: u8,
    },
    /// The security control byte gives less protection than the policy
    /// requires (a downgrade), or sets a bit this crate does not support.
    #[error("security control 0x{received:02x} is below the policy (requires 0x{required:02x})")]
    Downgrade {
        /// The security control received.
        received: u8,
        /// The least protection the policy accepts (authentication bit 4,
        /// encryption bit 5).
        required: u8,
    },
    /// The security suite in the security control byte is not the
    /// association's.
    #[error("security suite {received} (the association uses suite {expected})")]
    SuiteMismatch {
        /// The association's suite.
        expected: u8,
        /// The suite in the APDU.
        received: u8,
    },
    /// The security control names a suite other than 0, 1 or 2.
    #[error("unknown security suite {id}")]
    UnknownSuite {
        /// The suite id.
        id: u8,
    },
    /// A glo-/ded- service APDU whose plaintext is another service.
    #[error("ciphered APDU announces plain tag 0x{expected:02x} but holds 0x{found:02x}")]
    ServiceMismatch {
        /// The plain tag the ciphered tag implies.
        expected: u8,
        /// The plaintext's first byte.
        found: u8,
    },
    /// Compression (bit 7) is not supported.
    #[error("compressed APDUs are not supported")]
    Compressed,
    /// The invocation counter was already seen or is too old.
    #[error("invocation counter replay: {0}")]
    Replay(ReplayError),
    /// The authentication tag does not verify (tampering or a wrong key).
    #[error("authentication tag does not verify")]
    TagMismatch,
    /// A ded- APDU arrived but no dedicated key is set.
    #[error("no dedicated key in this association")]
    NoDedicatedKey,
    /// The sender's system title is unknown or not 8 bytes.
    #[error("system title missing or not 8 bytes (got {len})")]
    SystemTitle {
        /// The length found.
        len: usize,
    },
    /// The output buffer is too small.
    #[error("buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// The invocation counter space is exhausted: re-key.
    #[error("invocation counter exhausted")]
    CounterExhausted,
    /// The counter store failed to persist a reservation.
    #[error("invocation counter reservation could not be persisted")]
    CounterPersist,
    /// A general-signing signature does not verify (or has the wrong length).
    #[error("signature does not verify")]
    BadSignature,
    /// A key general-ciphering needs is not configured.
    #[error("no {what} configured")]
    MissingKey {
        /// Which key.
        what: &'static str,
    },
    /// A general-ciphering key-info this crate cannot use (unknown choice,
    /// key-id or key parameters, malformed key-ciphered-data).
    #[error("key-info: {what}")]
    KeyInfo {
        /// What is wrong.
        what: &'static str,
    },
    /// The crypto provider refused (key or length).
    #[error("crypto: {0}")]
    Crypto(CryptoError),
}

impl From<CryptoError> for SecurityError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::TagMismatch => Self::TagMismatch,
            e => Self::Crypto(e),
        }
    }
}

impl From<ReplayError> for SecurityError {
    fn from(e: ReplayError) -> Self {
        Self::Replay(e)
    }
}

/// Builds a security control byte.
#[must_use]
pub const fn security_control(
    suite: SecuritySuite,
    authenticated: bool,
    encrypted: bool,
) -> SecurityControl {
    SecurityControl(
        suite.id() | if authenticated { 0x10 } else { 0 } | if encrypted { 0x20 } else { 0 },
    )
}
