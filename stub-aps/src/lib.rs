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

pub use error::{DecodeError, EncodeError};
pub use frame::{
    DeliveryMode, Destination, InterPanFrame, InterPanMac, Layout, StubApsFrameControl,
    StubApsHeader, StubNwkFrameControl,
};
