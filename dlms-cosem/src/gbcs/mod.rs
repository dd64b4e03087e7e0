//! GBCS, the Great Britain Companion Specification (the public SMETS2
//! DLMS/ZigBee profile, v4.x, Open Government Licence): how the UK wraps
//! DLMS general-ciphering and general-signing around every message between
//! a remote party (the DCC, a supplier) and a device.
//!
//! - [`message`]: a GBCS message decoded into its parts: the optional MAC
//!   header (a general-ciphering APDU, tag `0xDD`, whose five octet
//!   strings are empty, key-info absent, security control `0x11`
//!   authenticated-only suite 1, and a 12-byte MAC at the end), the
//!   grouping header (a general-signing APDU, tag `0xDF`: transaction-id =
//!   CRA flag ‖ 8-byte originator counter, originator and recipient IDs,
//!   date-time, other-information starting with the message code), the
//!   content (DLMS APDUs for electricity, GBZ for gas) and the signature.
//! - [`anti_replay`]: the originator-counter rule (strictly increasing per
//!   originator), with the last counter kept in a caller store.
//! - [`crypto`]: the per-message key (static-unified C(0e,2s) ECDH, the
//!   single-step SHA-256 KDF with the GBCS OtherInfo), the MAC of the MAC
//!   header (GMAC under that key) and signed critical commands
//!   (general-signing, ECDSA P-256).
//!
//! Decoding is a hand cursor over the crate's A-XDR reader; nothing is
//! allocated. Cryptography goes through the
//! [`CryptoProvider`](dual_protocol_primitives::crypto::CryptoProvider).

pub mod anti_replay;
pub mod crypto;
pub mod message;

pub use anti_replay::{AntiReplay, CounterTable, OriginatorCounterStore};
pub use message::{ContentKind, CraFlag, GbcsMessage, GroupingHeader, MacHeader, TransactionId};

use crate::error::DecodeError;
use crate::security::SecurityError;

/// Why a GBCS message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GbcsError {
    /// The bytes do not decode as DLMS.
    #[error("GBCS message: {0}")]
    Decode(#[from] DecodeError),
    /// Neither a MAC header (0xDD) around a grouping header nor a grouping
    /// header (0xDF).
    #[error("APDU tag 0x{tag:02x} is not a GBCS MAC header or grouping header")]
    NotGbcs {
        /// The first byte (of the MAC header's payload, when inside one).
        tag: u8,
    },
    /// The MAC header is not the GBCS form.
    #[error("MAC header: {what}")]
    MacHeader {
        /// What is wrong.
        what: &'static str,
    },
    /// The transaction-id is not 9 bytes.
    #[error("transaction-id of {len} bytes (GBCS: 9)")]
    TransactionId {
        /// Its length.
        len: usize,
    },
    /// An originator or recipient ID is not 8 bytes.
    #[error("{which} ID of {len} bytes (GBCS: 8)")]
    EntityId {
        /// "originator" or "recipient".
        which: &'static str,
        /// Its length.
        len: usize,
    },
    /// The originator counter is not above the last one accepted from that
    /// originator (a replay, or an old message).
    #[error("originator counter {received} is not above the last accepted {last}")]
    Replay {
        /// The last counter accepted.
        last: u64,
        /// The counter received.
        received: u64,
    },
    /// The caller's counter store failed (or is full).
    #[error("originator counter store failed")]
    Store,
    /// The MAC does not verify.
    #[error("MAC does not verify")]
    BadMac,
    /// The signature does not verify (or is absent).
    #[error("signature does not verify")]
    BadSignature,
    /// A security error (buffer, key, crypto).
    #[error("security: {0}")]
    Security(SecurityError),
}

impl From<dual_protocol_primitives::crypto::CryptoError> for GbcsError {
    fn from(e: dual_protocol_primitives::crypto::CryptoError) -> Self {
        SecurityError::from(e).into()
    }
}

impl From<SecurityError> for GbcsError {
    fn from(e: SecurityError) -> Self {
        match e {
            SecurityError::Decode(d) => Self::Decode(d),
            SecurityError::TagMismatch => Self::BadMac,
            SecurityError::BadSignature => Self::BadSignature,
            e => Self::Security(e),
        }
    }
}
