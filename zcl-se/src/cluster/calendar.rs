//! Calendar cluster, 0x0707 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.9; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0707;

/// Attributes (D.9.2.2): auxiliary switch labels. Identifiers and names checked against the attribute name table of
/// Wireshark 4.0.17's Smart Energy dissector (`tshark -G values`); the
/// dissector takes types from the frame, so the types here are the SE 1.4
/// table's as we know them, not machine-checked.
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0000 "AuxSwitch1Label" OCTET_STRING RW,
    0x0001 "AuxSwitch2Label" OCTET_STRING RW,
    0x0002 "AuxSwitch3Label" OCTET_STRING RW,
    0x0003 "AuxSwitch4Label" OCTET_STRING RW,
    0x0004 "AuxSwitch5Label" OCTET_STRING RW,
    0x0005 "AuxSwitch6Label" OCTET_STRING RW,
    0x0006 "AuxSwitch7Label" OCTET_STRING RW,
    0x0007 "AuxSwitch8Label" OCTET_STRING RW,
];

super::typed::se_commands! {
    /// Since SE 1.2.
    0x00 ServerToClient "publish_calendar" PublishCalendar {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        issuer_calendar_id: [UINT32],
        start_time: [UTC],
        calendar_type: [ENUM8 => CalendarType],
        calendar_time_reference: [ENUM8 => CalendarTimeReference],
        calendar_name: [OCTET_STRING],
        number_of_seasons: [UINT8],
        number_of_week_profiles: [UINT8],
        number_of_day_profiles: [UINT8],
    }
    /// Since SE 1.2.
    0x01 ServerToClient "publish_day_profile" PublishDayProfile {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        issuer_calendar_id: [UINT32],
        day_id: [UINT8],
        total_number_of_schedule_entries: [UINT8],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        calendar_type: [ENUM8 => CalendarType],
        day_schedule_entries: [rest],
    }
    /// Since SE 1.2.
    0x02 ServerToClient "publish_week_profile" PublishWeekProfile {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        issuer_calendar_id: [UINT32],
        week_id: [UINT8],
        day_id_ref_monday: [UINT8],
        day_id_ref_tuesday: [UINT8],
        day_id_ref_wednesday: [UINT8],
        day_id_ref_thursday: [UINT8],
        day_id_ref_friday: [UINT8],
        day_id_ref_saturday: [UINT8],
        day_id_ref_sunday: [UINT8],
    }
    /// Since SE 1.2.
    0x03 ServerToClient "publish_seasons" PublishSeasons {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        issuer_calendar_id: [UINT32],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        season_entries: [rest],
    }
    /// Since SE 1.2.
    0x04 ServerToClient "publish_special_days" PublishSpecialDays {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        issuer_calendar_id: [UINT32],
        start_time: [UTC],
        calendar_type: [ENUM8 => CalendarType],
        total_number_of_special_days: [UINT8],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        special_day_entries: [rest],
    }
    /// Since SE 1.2.
    0x05 ServerToClient "cancel_calendar" CancelCalendar {
        provider_id: [UINT32],
        issuer_calendar_id: [UINT32],
        calendar_type: [ENUM8 => CalendarType],
    }
    /// Since SE 1.2.
    0x00 ClientToServer "get_calendar" GetCalendar {
        earliest_start_time: [UTC],
        min_issuer_event_id: [UINT32],
        number_of_calendars: [UINT8],
        calendar_type: [ENUM8 => CalendarType],
        provider_id: [UINT32],
    }
    /// Since SE 1.2.
    0x01 ClientToServer "get_day_profiles" GetDayProfiles {
        provider_id: [UINT32],
        issuer_calendar_id: [UINT32],
        start_day_id: [UINT8],
        number_of_days: [UINT8],
    }
    /// Since SE 1.2.
    0x02 ClientToServer "get_week_profiles" GetWeekProfiles {
        provider_id: [UINT32],
        issuer_calendar_id: [UINT32],
        start_week_id: [UINT8],
        number_of_weeks: [UINT8],
    }
    /// Since SE 1.2.
    0x03 ClientToServer "get_seasons" GetSeasons {
        provider_id: [UINT32],
        issuer_calendar_id: [UINT32],
    }
    /// Since SE 1.2.
    0x04 ClientToServer "get_special_days" GetSpecialDays {
        start_time: [UTC],
        number_of_events: [UINT8],
        calendar_type: [ENUM8 => CalendarType],
        provider_id: [UINT32],
        issuer_calendar_id: [UINT32],
    }
    /// Since SE 1.2.
    0x05 ClientToServer "get_calendar_cancellation" GetCalendarCancellation {
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Calendar",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::code_enum! {
    /// Calendar type (D.9.2.3.1, PublishCalendar and the get/cancel commands).
    pub enum CalendarType: u8 {
        /// Delivered calendar.
        Delivered = 0x00 => "delivered",
        /// Received calendar.
        Received = 0x01 => "received",
        /// Delivered and received calendar.
        DeliveredAndReceived = 0x02 => "delivered_and_received",
        /// Friendly credit calendar.
        FriendlyCredit = 0x03 => "friendly_credit",
        /// Auxiliary load switch calendar.
        AuxiliaryLoadSwitch = 0x04 => "auxiliary_load_switch",
    }
}

crate::macros::code_enum! {
    /// Calendar time reference (D.9.2.3.1).
    pub enum CalendarTimeReference: u8 {
        /// UTC time.
        Utc = 0x00 => "utc",
        /// Standard time.
        Standard = 0x01 => "standard",
        /// Local time.
        Local = 0x02 => "local",
    }
}
