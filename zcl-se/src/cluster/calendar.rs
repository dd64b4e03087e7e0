//! Calendar cluster, 0x0707 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.9; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets. Attributes are not tabled yet.

use super::{ClusterDef, CommandDef, attributes, command};

/// Cluster identifier.
pub const ID: u16 = 0x0707;

/// Attributes (none tabled yet).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![];

/// Commands, both directions.
pub static COMMANDS: &[CommandDef<'static>] = &[
    command!(0x00, ServerToClient, "publish_calendar",
        "provider_id": UINT32, "issuer_event_id": UINT32, "issuer_calendar_id": UINT32,
        "start_time": UTC, "calendar_type": ENUM8, "calendar_time_reference": ENUM8,
        "calendar_name": OCTET_STRING, "number_of_seasons": UINT8,
        "number_of_week_profiles": UINT8, "number_of_day_profiles": UINT8),
    command!(0x01, ServerToClient, "publish_day_profile",
        "provider_id": UINT32, "issuer_event_id": UINT32, "issuer_calendar_id": UINT32,
        "day_id": UINT8, "total_number_of_schedule_entries": UINT8, "command_index": UINT8,
        "total_number_of_commands": UINT8, "calendar_type": ENUM8,
        "day_schedule_entries" ..),
    command!(0x02, ServerToClient, "publish_week_profile",
        "provider_id": UINT32, "issuer_event_id": UINT32, "issuer_calendar_id": UINT32,
        "week_id": UINT8, "day_id_ref_monday": UINT8, "day_id_ref_tuesday": UINT8,
        "day_id_ref_wednesday": UINT8, "day_id_ref_thursday": UINT8,
        "day_id_ref_friday": UINT8, "day_id_ref_saturday": UINT8, "day_id_ref_sunday": UINT8),
    command!(0x03, ServerToClient, "publish_seasons",
        "provider_id": UINT32, "issuer_event_id": UINT32, "issuer_calendar_id": UINT32,
        "command_index": UINT8, "total_number_of_commands": UINT8, "season_entries" ..),
    command!(0x04, ServerToClient, "publish_special_days",
        "provider_id": UINT32, "issuer_event_id": UINT32, "issuer_calendar_id": UINT32,
        "start_time": UTC, "calendar_type": ENUM8, "total_number_of_special_days": UINT8,
        "command_index": UINT8, "total_number_of_commands": UINT8,
        "special_day_entries" ..),
    command!(0x05, ServerToClient, "cancel_calendar",
        "provider_id": UINT32, "issuer_calendar_id": UINT32, "calendar_type": ENUM8),
    command!(0x00, ClientToServer, "get_calendar",
        "earliest_start_time": UTC, "min_issuer_event_id": UINT32,
        "number_of_calendars": UINT8, "calendar_type": ENUM8, "provider_id": UINT32),
    command!(0x01, ClientToServer, "get_day_profiles",
        "provider_id": UINT32, "issuer_calendar_id": UINT32, "start_day_id": UINT8,
        "number_of_days": UINT8),
    command!(0x02, ClientToServer, "get_week_profiles",
        "provider_id": UINT32, "issuer_calendar_id": UINT32, "start_week_id": UINT8,
        "number_of_weeks": UINT8),
    command!(0x03, ClientToServer, "get_seasons",
        "provider_id": UINT32, "issuer_calendar_id": UINT32),
    command!(0x04, ClientToServer, "get_special_days",
        "start_time": UTC, "number_of_events": UINT8, "calendar_type": ENUM8,
        "provider_id": UINT32, "issuer_calendar_id": UINT32),
    command!(0x05, ClientToServer, "get_calendar_cancellation"),
];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Calendar",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
