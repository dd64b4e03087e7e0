#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod cursor;
mod macros;

/// The RNG traits the machines take (`CryptoRng`), re-exported so callers
/// name the same version.
pub use rand_core;

pub mod cbke;
pub mod cluster;
pub mod command;
pub mod context;
pub mod data_type;
pub mod error;
pub mod frame;
pub mod global;
pub mod ota;
#[cfg(feature = "alloc")]
pub mod owned;
pub mod status;
pub mod tunnel;
pub mod value;

pub use cluster::{Access, AttributeDef, ClusterDef, CommandDef, FieldDef, FieldKind};
pub use command::{CommandFields, Field, FieldValue};
pub use context::{Context, PROFILE_HOME_AUTOMATION, PROFILE_SMART_ENERGY};
pub use data_type::{DataType, TypeKind};
pub use error::{DecodeError, EncodeError};
pub use frame::{Direction, Frame, FrameType, Header, Payload};
pub use global::GlobalCommand;
pub use status::Status;
pub use value::{Collection, CollectionKind, Date, TimeOfDay, Value};
