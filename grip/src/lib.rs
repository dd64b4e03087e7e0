#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod cursor;
pub mod deframer;
pub mod error;
pub mod frame;
pub mod session;

/// The `rand_core` version [`session::Session::connect`] takes an RNG from.
pub use rand_core;

pub use deframer::Deframer;
pub use error::{DecodeError, EncodeError};
pub use frame::{
    Capabilities, Chunk, Close, CloseReason, Credit, Features, Frame, FrameType, GoAway,
    GoAwayCode, Hello, Message, Priority, Resume, SessionId, Welcome,
};
