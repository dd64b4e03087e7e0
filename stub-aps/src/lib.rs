#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod cursor;

pub mod endpoint;
pub mod error;
pub mod frame;
pub mod published;
pub mod secure;

/// `zigbee-nwk`, whose MAC context, keys and identifiers this crate's API uses.
pub use dual_protocol_zigbee_nwk as zigbee_nwk;
/// The `rand_core` version the endpoints take an RNG from.
pub use rand_core;

pub use error::{DecodeError, EncodeError};
pub use frame::{
    DeliveryMode, Destination, InterPanFrame, InterPanMac, Layout, StubApsFrameControl,
    StubApsHeader, StubNwkFrameControl,
};
