#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod certificate;
pub mod context;
pub mod envelope;
pub mod error;
pub mod header;
pub mod kdf;
pub mod key_update;
pub mod reliability;

/// The RNG traits the machines take (`rand_core` 0.10), re-exported so
/// callers name the same version.
pub use rand_core;

pub use certificate::{
    Certificate, KeyUsage, NoRevocation, Revocation, Role, TbsCertificate, TrustAnchor,
    VerifiedKey, verify_chain,
};
pub use context::{EpochWindow, Opened, Outgoing, PeerConfig, PeerContext, ReplayState};
pub use envelope::Envelope;
pub use error::{
    CertificateError, DecodeError, EncodeError, InputError, KeyError, ProtectError, SendError,
    UnprotectError,
};
pub use header::{Header, MessageType, Protection};
pub use key_update::{KeyUpdate, KeyUpdateAck};

/// AES-128-CCM tag length (docs 2).
pub const TAG_LEN: usize = 8;
/// ECDSA P-256 `r || s` signature length (docs 2).
pub const SIGNATURE_LEN: usize = 64;
/// Context string in front of the signed bytes of an envelope (docs 6.2).
pub const SIGNATURE_CONTEXT: &[u8; 16] = b"DPDE/1 signature";
