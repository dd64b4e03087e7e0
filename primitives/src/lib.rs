#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod counter;
pub mod crypto;
pub mod datetime;
pub mod eui64;
pub mod payload;
pub mod replay;
pub mod time;

pub use counter::{CounterError, CounterReservation, CounterStore};
pub use datetime::UtcDateTime;
pub use eui64::Eui64;
pub use payload::{HanDevice, PayloadDescriptor, PayloadKind, ZclAddressing};
pub use replay::{ReplayError, ReplayWindow};
pub use time::{Duration, Instant};
