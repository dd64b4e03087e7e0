//! The Dual Protocol's own Inter-PAN security (no public specification;
//! designed in `docs/stub-aps-security.md`, which this module follows):
//!
//! * [`wire`]: the secured payload format (marker, kinds, fields);
//! * [`keys`]: the key hierarchy (pairwise key from the install code,
//!   TESLA chain functions, broadcast MAC, announcement digest);
//! * [`tesla`]: the hub's key chain, the device's chain verifier, loose
//!   time synchronisation and the safety condition (RFC 4082);
//! * [`frames`]: sealing and opening whole frames of each kind.

pub mod frames;
pub mod keys;
pub mod tesla;
pub mod wire;

pub use frames::{
    OpenedPairwise, PendingBroadcast, SecureError, SigningKey, VerifyingKey, encode_disclosure,
    open_pairwise, seal_broadcast, seal_pairwise, secured_aps, sign_announcement,
    verify_announcement, verify_broadcast,
};
pub use tesla::{ChainParams, ChainVerifier, KeyChain, TimeSync};
pub use wire::{Announcement, Body, DpPayload, Kind};

/// The manufacturer-specific cluster id (SE profile) that carries the
/// extension's own frames: announcements, disclosures, pairing.
pub const CLUSTER_DP_SECURITY: u16 = 0xfc50;
