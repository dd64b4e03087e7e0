//! Basic cluster, 0x0000 (ZCL rev 6 §3.2).

use super::{Access, AttributeDef, ClusterDef, CommandDef};
use crate::data_type::DataType as T;
use crate::frame::Direction::ClientToServer;

/// Cluster identifier.
pub const ID: u16 = 0x0000;

/// Attributes (§3.2.2.2, table 3-7), with the ZCL rev 6 additions.
pub static ATTRIBUTES: &[AttributeDef<'static>] = &[
    AttributeDef::new(0x0000, "ZCLVersion", T::UINT8, Access::R),
    AttributeDef::new(0x0001, "ApplicationVersion", T::UINT8, Access::R),
    AttributeDef::new(0x0002, "StackVersion", T::UINT8, Access::R),
    AttributeDef::new(0x0003, "HWVersion", T::UINT8, Access::R),
    AttributeDef::new(0x0004, "ManufacturerName", T::CHAR_STRING, Access::R),
    AttributeDef::new(0x0005, "ModelIdentifier", T::CHAR_STRING, Access::R),
    AttributeDef::new(0x0006, "DateCode", T::CHAR_STRING, Access::R),
    AttributeDef::new(0x0007, "PowerSource", T::ENUM8, Access::R),
    AttributeDef::new(0x0010, "LocationDescription", T::CHAR_STRING, Access::RW),
    AttributeDef::new(0x0011, "PhysicalEnvironment", T::ENUM8, Access::RW),
    AttributeDef::new(0x0012, "DeviceEnabled", T::BOOL, Access::RW),
    AttributeDef::new(0x0013, "AlarmMask", T::BITMAP8, Access::RW),
    AttributeDef::new(0x0014, "DisableLocalConfig", T::BITMAP8, Access::RW),
    AttributeDef::new(0x4000, "SWBuildID", T::CHAR_STRING, Access::R),
];

/// Commands (§3.2.2.3): Reset to Factory Defaults, no payload.
pub static COMMANDS: &[CommandDef<'static>] = &[CommandDef::new(
    0x00,
    "reset_to_factory_defaults",
    ClientToServer,
    &[],
)];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Basic",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
