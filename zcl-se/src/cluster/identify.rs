//! Identify cluster, 0x0003 (ZCL rev 6 §3.5).

use super::{Access, AttributeDef, ClusterDef, CommandDef, FieldDef};
use crate::data_type::DataType as T;
use crate::frame::Direction::{ClientToServer, ServerToClient};

/// Cluster identifier.
pub const ID: u16 = 0x0003;

/// Attributes (§3.5.2.2).
pub static ATTRIBUTES: &[AttributeDef<'static>] = &[AttributeDef::new(
    0x0000,
    "IdentifyTime",
    T::UINT16,
    Access::RW,
)];

/// Commands received (§3.5.2.3) and generated (§3.5.2.4).
pub static COMMANDS: &[CommandDef<'static>] = &[
    CommandDef::new(
        0x00,
        "identify",
        ClientToServer,
        &[FieldDef::new("identify_time", T::UINT16)],
    ),
    CommandDef::new(0x01, "identify_query", ClientToServer, &[]),
    CommandDef::new(
        0x40,
        "trigger_effect",
        ClientToServer,
        &[
            FieldDef::new("effect_identifier", T::ENUM8),
            FieldDef::new("effect_variant", T::ENUM8),
        ],
    ),
    CommandDef::new(
        0x00,
        "identify_query_response",
        ServerToClient,
        &[FieldDef::new("timeout", T::UINT16)],
    ),
];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Identify",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
