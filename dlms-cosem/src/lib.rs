#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod acse;
pub mod apdu;
pub mod association;
pub mod axdr;
pub mod block;
pub mod data;
pub mod datetime;
pub mod descriptor;
pub mod error;
pub mod gbcs;
pub mod hdlc;
pub mod obis;
pub mod security;
pub mod wrapper;

pub use apdu::Apdu;
pub use axdr::{Decode, Encode, List, NESTING_LIMIT};
#[cfg(feature = "alloc")]
pub use data::DataOwned;
pub use data::{Data, DataType, Sequence};
pub use datetime::{CosemDate, CosemDateTime, CosemTime};
pub use descriptor::{AttributeDescriptor, MethodDescriptor, SelectiveAccess};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use obis::Obis;
/// The `rand_core` the association machines take their randomness through.
pub use rand_core;
