//! Certificate-Based Key Establishment (CBKE) for Smart Energy: the Key
//! Establishment cluster (0x0800) of SE 07-5356 Annex C, crypto suites 1
//! (sect163k1, 48-octet ECQV certificates, SE 1.1b) and 2 (sect283k1,
//! 74-octet certificates, SE 1.2 and later).
//!
//! Layers, bottom up:
//! * [`gf2m`]: GF(2^163) and GF(2^283) arithmetic, constant time;
//! * [`scalar`]: integers modulo the group order, constant time;
//! * [`curve`]: Koblitz points, compressed encoding, Montgomery ladder;
//! * [`ecqv`]: the SE implicit certificates and public-key reconstruction;
//! * [`ecmqv`]: the ECMQV shared secret (SEC 1 §3.4, with cofactor);
//! * [`kdf`]: the AES-MMO KDF and the MACU/MACV key-confirmation tags;
//! * [`machine`]: sans-IO initiator and responder over the cluster's
//!   four commands.
//!
//! This is elliptic-curve code written by hand (no maintained Rust crate
//! implements binary-field curves). Secret scalars only meet constant-time
//! code (masked selection, fixed loop counts, no secret-indexed tables) and
//! are zeroized on drop ([`Scalar`], [`kdf::DerivedKeys`], the machine's
//! MACs); field-element temporaries of the ladder (`Copy` values on the
//! stack) are not wiped. Timing on real hardware is not audited: see
//! `docs/cbke.md` and `tests/cbke_timing.rs` for what was measured.

pub mod curve;
pub mod ecmqv;
pub mod ecqv;
pub mod gf2m;
pub mod kdf;
pub mod machine;
pub mod scalar;

pub use curve::{Point, PointError};
pub use ecqv::{Certificate, CertificateError, SuiteParams};
pub use gf2m::{Fe, FieldParams, Params};
pub use scalar::{CurveParams, Scalar};

/// Limb count of crypto suite 1 (sect163k1).
pub const SUITE1: usize = 3;
/// Limb count of crypto suite 2 (sect283k1).
pub const SUITE2: usize = 5;

/// Crypto suite 1 certificate (48 octets).
pub type Suite1Certificate = Certificate<SUITE1>;
/// Crypto suite 2 certificate (74 octets).
pub type Suite2Certificate = Certificate<SUITE2>;
