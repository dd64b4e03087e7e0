//! Energy Management cluster, 0x0706 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.8; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets.

use super::drlc::CriticalityLevel;
use super::drlc::DeviceClass;
use super::drlc::EventStatus;
use super::drlc::SignatureType;
use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0706;

/// Attributes (D.8.2.2). Identifiers and names checked against the attribute name table of
/// Wireshark 4.0.17's Smart Energy dissector (`tshark -G values`); the
/// dissector takes types from the frame, so the types here are the SE 1.4
/// table's as we know them, not machine-checked.
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0000 "LoadControlState" BITMAP8 R,
    0x0001 "CurrentEventID" UINT32 R,
    0x0002 "CurrentEventStatus" BITMAP8 R,
    0x0003 "ConformanceLevel" UINT8 R,
    0x0004 "MinimumOffTime" UINT16 R,
    0x0005 "MinimumOnTime" UINT16 R,
    0x0006 "MinimumCyclePeriod" UINT16 R,
];

super::typed::se_commands! {
    /// Since SE 1.2.
    0x00 ClientToServer "manage_event" ManageEvent {
        issuer_event_id: [UINT32],
        device_class: [BITMAP16 => DeviceClass],
        utility_enrollment_group: [UINT8],
        action_required: [BITMAP8],
    }
    /// Since SE 1.2.
    0x00 ServerToClient "report_event_status" ReportEventStatus {
        issuer_event_id: [UINT32],
        event_status: [ENUM8 => EventStatus],
        event_status_time: [UTC],
        criticality_level_applied: [UINT8 => CriticalityLevel],
        cooling_temperature_set_point_applied: [UINT16],
        heating_temperature_set_point_applied: [UINT16],
        average_load_adjustment_percentage_applied: [INT8],
        duty_cycle_applied: [UINT8],
        event_control: [BITMAP8],
        signature_type: [ENUM8 => SignatureType],
        signature: [rest],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Energy Management",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
