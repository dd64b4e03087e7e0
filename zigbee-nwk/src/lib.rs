#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod cursor;
mod macros;

pub mod aps;
pub mod error;
pub mod fcs;
pub mod mac;
pub mod nwk;
pub mod security;
pub mod types;
pub mod zdo;

pub use error::{DecodeError, EncodeError};
/// The RNG traits the trust centre takes (`rand_core` 0.10), re-exported so
/// callers use the same version.
pub use rand_core;
pub use types::{PanId, ShortAddr};
