//! Alarms cluster, 0x0009 (ZCL rev 6 §3.11).

use super::{Access, AttributeDef, ClusterDef, CommandDef, FieldDef};
use crate::data_type::DataType as T;
use crate::frame::Direction::{ClientToServer, ServerToClient};

/// Cluster identifier.
pub const ID: u16 = 0x0009;

/// Attributes (§3.11.2.2).
pub static ATTRIBUTES: &[AttributeDef<'static>] = &[AttributeDef::new(
    0x0000,
    "AlarmCount",
    T::UINT16,
    Access::R,
)];

/// Commands received (§3.11.2.4) and generated (§3.11.2.5). Get Alarm
/// Response carries the alarm fields only when its status is SUCCESS.
pub static COMMANDS: &[CommandDef<'static>] = &[
    CommandDef::new(
        0x00,
        "reset_alarm",
        ClientToServer,
        &[
            FieldDef::new("alarm_code", T::ENUM8),
            FieldDef::new("cluster_identifier", T::CLUSTER_ID),
        ],
    ),
    CommandDef::new(0x01, "reset_all_alarms", ClientToServer, &[]),
    CommandDef::new(0x02, "get_alarm", ClientToServer, &[]),
    CommandDef::new(0x03, "reset_alarm_log", ClientToServer, &[]),
    CommandDef::new(
        0x00,
        "alarm",
        ServerToClient,
        &[
            FieldDef::new("alarm_code", T::ENUM8),
            FieldDef::new("cluster_identifier", T::CLUSTER_ID),
        ],
    ),
    CommandDef::new(
        0x01,
        "get_alarm_response",
        ServerToClient,
        &[
            FieldDef::new("status", T::ENUM8),
            FieldDef::optional("alarm_code", T::ENUM8),
            FieldDef::optional("cluster_identifier", T::CLUSTER_ID),
            FieldDef::optional("timestamp", T::UINT32),
        ],
    ),
];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Alarms",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
