//! Prepayment cluster, 0x0705 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.7; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets. Attributes are not tabled yet.

use super::{ClusterDef, CommandDef, attributes, command};

/// Cluster identifier.
pub const ID: u16 = 0x0705;

/// Attributes (none tabled yet).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![];

/// Commands, both directions.
pub static COMMANDS: &[CommandDef<'static>] = &[
    command!(0x00, ClientToServer, "select_available_emergency_credit",
        "command_issue_date_time": UTC, "originating_device": ENUM8),
    command!(0x02, ClientToServer, "change_debt",
        "issuer_event_id": UINT32, "debt_label": OCTET_STRING, "debt_amount": INT32,
        "debt_recovery_method": ENUM8, "debt_amount_type": ENUM8,
        "debt_recovery_start_time": UTC, "debt_recovery_collection_time": UINT16,
        "debt_recovery_frequency": ENUM8, "debt_recovery_amount": INT32,
        "debt_recovery_balance_percentage": UINT16),
    command!(0x03, ClientToServer, "emergency_credit_setup",
        "issuer_event_id": UINT32, "start_time": UTC, "emergency_credit_limit": UINT32,
        "emergency_credit_threshold": UINT32),
    command!(0x04, ClientToServer, "consumer_top_up",
        "originating_device": ENUM8, "top_up_code": OCTET_STRING),
    command!(0x05, ClientToServer, "credit_adjustment",
        "issuer_event_id": UINT32, "start_time": UTC, "credit_adjustment_type": ENUM8,
        "credit_adjustment_value": INT32),
    command!(0x06, ClientToServer, "change_payment_mode",
        "provider_id": UINT32, "issuer_event_id": UINT32, "implementation_date_time": UTC,
        "proposed_payment_control_configuration": BITMAP16, "cut_off_value": INT32),
    command!(0x07, ClientToServer, "get_prepay_snapshot",
        "earliest_start_time": UTC, "latest_end_time": UTC, "snapshot_offset": UINT8,
        "snapshot_cause": BITMAP32),
    command!(0x08, ClientToServer, "get_top_up_log",
        "latest_end_time": UTC, "number_of_records": UINT8),
    command!(0x09, ClientToServer, "set_low_credit_warning_level",
        "low_credit_warning_level": UINT32),
    command!(0x0a, ClientToServer, "get_debt_repayment_log",
        "latest_end_time": UTC, "number_of_debts": UINT8, "debt_type": ENUM8),
    command!(0x0b, ClientToServer, "set_maximum_credit_limit",
        "provider_id": UINT32, "issuer_event_id": UINT32, "implementation_date_time": UTC,
        "maximum_credit_level": UINT32, "maximum_credit_per_top_up": UINT32),
    command!(0x0c, ClientToServer, "set_overall_debt_cap",
        "provider_id": UINT32, "issuer_event_id": UINT32, "implementation_date_time": UTC,
        "overall_debt_cap": INT32),
    command!(0x01, ServerToClient, "publish_prepay_snapshot",
        "snapshot_id": UINT32, "snapshot_time": UTC, "total_snapshots_found": UINT8,
        "command_index": UINT8, "total_number_of_commands": UINT8,
        "snapshot_cause": BITMAP32, "snapshot_payload_type": ENUM8, "snapshot_payload" ..),
    command!(0x02, ServerToClient, "change_payment_mode_response",
        "friendly_credit": BITMAP8, "friendly_credit_calendar_id": UINT32,
        "emergency_credit_limit": UINT32, "emergency_credit_threshold": UINT32),
    command!(0x03, ServerToClient, "consumer_top_up_response",
        "result_type": ENUM8, "top_up_value": INT32, "source_of_top_up": ENUM8,
        "credit_remaining": INT32),
    command!(0x05, ServerToClient, "publish_top_up_log",
        "command_index": UINT8, "total_number_of_commands": UINT8, "top_up_payload" ..),
    command!(0x06, ServerToClient, "publish_debt_log",
        "command_index": UINT8, "total_number_of_commands": UINT8, "debt_payload" ..),
];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Prepayment",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
