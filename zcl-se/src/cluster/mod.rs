//! Cluster, attribute and command tables.
//!
//! A cluster is described by a [`ClusterDef`]: its attributes (identifier,
//! name, type, access) and its cluster-specific commands (identifier, name,
//! direction, fields). The general clusters of this crate are such tables,
//! listed in [`STANDARD_TABLES`]; the Smart Energy clusters slot in as more
//! tables, and an application registers manufacturer-specific or
//! profile-extension definitions the same way, through
//! [`crate::Context::with_extensions`] (a caller slice, no heap).

pub mod alarms;
pub mod basic;
pub mod calendar;
pub mod device_management;
pub mod drlc;
pub mod energy_management;
pub mod events;
pub mod identify;
pub mod key_establishment;
pub mod key_establishment_commands;
pub mod mdu_pairing;
pub mod messaging;
pub mod metering;
pub mod ota_upgrade;
pub mod prepayment;
pub mod price;
pub mod se;
pub mod time;
pub mod tunneling;
pub mod typed;

/// One command field: `"name": TYPE` (mandatory), `"name" ? TYPE` (may be
/// absent at the end of the payload: a later revision's trailing field, or a
/// success-only field), `"name" ..` (the remaining octets).
macro_rules! field {
    ($n:literal : $t:ident) => {
        $crate::cluster::FieldDef::new($n, $crate::data_type::DataType::$t)
    };
    ($n:literal ? $t:ident) => {
        $crate::cluster::FieldDef::optional($n, $crate::data_type::DataType::$t)
    };
    ($n:literal ..) => {
        $crate::cluster::FieldDef::rest($n)
    };
}
pub(crate) use field;

/// A [`CommandDef`] from its identifier, direction, name and `field!` specs.
macro_rules! command {
    ($id:literal, $dir:ident, $name:literal $(, $n:literal $k:tt $($t:ident)?)* $(,)?) => {
        $crate::cluster::CommandDef::new(
            $id,
            $name,
            $crate::frame::Direction::$dir,
            &[$($crate::cluster::field!($n $k $($t)?)),*],
        )
    };
}
pub(crate) use command;

/// An [`AttributeDef`] table from `id "Name" TYPE ACCESS` rows.
macro_rules! attributes {
    ($($id:literal $n:literal $t:ident $a:ident),* $(,)?) => {
        &[$($crate::cluster::AttributeDef::new(
            $id,
            $n,
            $crate::data_type::DataType::$t,
            $crate::cluster::Access::$a,
        )),*]
    };
}
pub(crate) use attributes;

use crate::data_type::DataType;
use crate::frame::Direction;

/// Attribute access (ZCL rev 6 §2.3.3, the "Access" column of attribute
/// tables): a bit set of read, write, report and scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Access(pub u8);

impl Access {
    /// Readable.
    pub const READ: Access = Access(0x01);
    /// Writable.
    pub const WRITE: Access = Access(0x02);
    /// Reportable.
    pub const REPORT: Access = Access(0x04);
    /// Part of a scene.
    pub const SCENE: Access = Access(0x08);
    /// Read only ("R").
    pub const R: Access = Access(0x01);
    /// Read and write ("RW").
    pub const RW: Access = Access(0x03);
    /// Read and report ("RP").
    pub const RP: Access = Access(0x05);
    /// Read, write and report ("RWP").
    pub const RWP: Access = Access(0x07);

    /// Whether every bit of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Access) -> bool {
        self.0 & other.0 == other.0
    }

    /// The table form: `R`, `W`, `RW`, `RP`, `RWP`, with `S` for scenes.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        const NAMES: [&str; 16] = [
            "", "R", "W", "RW", "P", "RP", "WP", "RWP", "S", "RS", "WS", "RWS", "PS", "RPS", "WPS",
            "RWPS",
        ];
        NAMES.get(usize::from(self.0 & 0x0f)).copied().unwrap_or("")
    }
}

/// An attribute definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeDef<'a> {
    /// Attribute identifier.
    pub id: u16,
    /// Name, as the standard spells it.
    pub name: &'a str,
    /// Data type.
    pub data_type: DataType,
    /// Access.
    pub access: Access,
}

impl<'a> AttributeDef<'a> {
    /// A definition.
    #[must_use]
    pub const fn new(id: u16, name: &'a str, data_type: DataType, access: Access) -> Self {
        AttributeDef {
            id,
            name,
            data_type,
            access,
        }
    }
}

/// How a command field is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A value of this ZCL data type (strings with their length prefix).
    Value(DataType),
    /// All remaining octets of the payload, without a length prefix.
    Rest,
}

/// A field of a cluster-specific command payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef<'a> {
    /// Field name.
    pub name: &'a str,
    /// Encoding.
    pub kind: FieldKind,
    /// Whether the payload may end before this field (it and every field
    /// after it are then absent: later revisions append fields, and some
    /// responses carry fields only on success).
    pub optional: bool,
}

impl<'a> FieldDef<'a> {
    /// A mandatory field of type `data_type`.
    #[must_use]
    pub const fn new(name: &'a str, data_type: DataType) -> Self {
        FieldDef {
            name,
            kind: FieldKind::Value(data_type),
            optional: false,
        }
    }

    /// A field that may be absent at the end of the payload.
    #[must_use]
    pub const fn optional(name: &'a str, data_type: DataType) -> Self {
        FieldDef {
            name,
            kind: FieldKind::Value(data_type),
            optional: true,
        }
    }

    /// The remaining octets of the payload.
    #[must_use]
    pub const fn rest(name: &'a str) -> Self {
        FieldDef {
            name,
            kind: FieldKind::Rest,
            optional: true,
        }
    }
}

/// A cluster-specific command definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandDef<'a> {
    /// Command identifier.
    pub id: u8,
    /// Name, snake_case.
    pub name: &'a str,
    /// Direction the command travels.
    pub direction: Direction,
    /// Payload fields, in order.
    pub fields: &'a [FieldDef<'a>],
}

impl<'a> CommandDef<'a> {
    /// A definition.
    #[must_use]
    pub const fn new(
        id: u8,
        name: &'a str,
        direction: Direction,
        fields: &'a [FieldDef<'a>],
    ) -> Self {
        CommandDef {
            id,
            name,
            direction,
            fields,
        }
    }
}

/// A cluster (or a manufacturer's / profile extension's additions to one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClusterDef<'a> {
    /// Cluster identifier.
    pub id: u16,
    /// Name, as the standard spells it.
    pub name: &'a str,
    /// `Some(code)` for manufacturer-specific definitions, which apply only to
    /// frames with the manufacturer-specific bit and this manufacturer code
    /// (ZCL rev 6 §2.4.1.1.2); `None` for the standard's definitions and
    /// profile extensions.
    pub manufacturer: Option<u16>,
    /// Attributes.
    pub attributes: &'a [AttributeDef<'a>],
    /// Cluster-specific commands, both directions.
    pub commands: &'a [CommandDef<'a>],
}

impl<'a> ClusterDef<'a> {
    /// The attribute with identifier `id`.
    #[must_use]
    pub fn attribute(&self, id: u16) -> Option<&'a AttributeDef<'a>> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// The command `id` travelling in `direction`.
    #[must_use]
    pub fn command(&self, direction: Direction, id: u8) -> Option<&'a CommandDef<'a>> {
        self.commands
            .iter()
            .find(|c| c.id == id && c.direction == direction)
    }
}

/// The general clusters of ZCL rev 6 chapter 3 that this crate defines, and
/// the OTA Upgrade cluster (ZCL rev 7 chapter 11).
pub static GENERAL: &[ClusterDef<'static>] = &[
    basic::CLUSTER,
    identify::CLUSTER,
    alarms::CLUSTER,
    time::CLUSTER,
    ota_upgrade::CLUSTER,
];

/// Every built-in table, searched after the application's extensions. The
/// Smart Energy tables join this list.
pub static STANDARD_TABLES: &[&[ClusterDef<'static>]] = &[GENERAL, SMART_ENERGY];

/// The Smart Energy clusters of ZigBee Smart Energy (SE 1.1b to 1.4,
/// document 07-5356) that this crate defines.
pub static SMART_ENERGY: &[ClusterDef<'static>] = &[
    price::CLUSTER,
    drlc::CLUSTER,
    metering::CLUSTER,
    messaging::CLUSTER,
    tunneling::CLUSTER,
    prepayment::CLUSTER,
    energy_management::CLUSTER,
    calendar::CLUSTER,
    device_management::CLUSTER,
    events::CLUSTER,
    mdu_pairing::CLUSTER,
    key_establishment::CLUSTER,
];

/// The built-in definition of cluster `id`.
#[must_use]
pub fn standard_cluster(id: u16) -> Option<&'static ClusterDef<'static>> {
    STANDARD_TABLES
        .iter()
        .flat_map(|t| t.iter())
        .find(|c| c.id == id)
}
