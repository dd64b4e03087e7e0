//! Events cluster, 0x0709 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.11; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0709;

/// The Events cluster defines no attributes (SE 1.4 D.11.2.2; Wireshark's dissector lists none either).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![];

super::typed::se_commands! {
    /// Since SE 1.2.
    0x00 ClientToServer "get_event_log" GetEventLog {
        event_control_log_id: [BITMAP8],
        event_id: [UINT16],
        start_time: [UTC],
        end_time: [UTC],
        number_of_events: [UINT8],
        event_offset: [UINT16],
    }
    /// Since SE 1.2.
    0x01 ClientToServer "clear_event_log_request" ClearEventLogRequest {
        log_id: [BITMAP8],
    }
    /// Since SE 1.2.
    0x00 ServerToClient "publish_event" PublishEvent {
        log_id: [ENUM8],
        event_id: [UINT16],
        event_time: [UTC],
        event_control: [BITMAP8],
        event_data: [OCTET_STRING],
    }
    /// Since SE 1.2.
    0x01 ServerToClient "publish_event_log" PublishEventLog {
        total_number_of_matching_events: [UINT16],
        command_index: [UINT8],
        total_commands: [UINT8],
        number_of_events_log_payload_control: [BITMAP8],
        log_payload: [rest],
    }
    /// Since SE 1.2.
    0x02 ServerToClient "clear_event_log_response" ClearEventLogResponse {
        cleared_events_logs: [BITMAP8],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Events",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
