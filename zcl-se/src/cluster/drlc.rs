//! Demand Response and Load Control cluster, 0x0701 (ZigBee Smart Energy
//! 1.4, 07-5356-21, annex D.2).
//!
//! Revisions: every command since SE 1.0; GetScheduledEvents gained
//! `issuer_event_id` in SE 1.2 (optional trailing field here). The
//! ReportEventStatus signature (42 octets for ECDSA, signature type 0x01) is
//! kept as the remaining octets.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0701;

/// Client attributes (D.2.3.2).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0000 "UtilityEnrollmentGroup" UINT8 RW,
    0x0001 "StartRandomizationMinutes" UINT8 RW,
    0x0002 "DurationRandomizationMinutes" UINT8 RW,
    0x0003 "DeviceClassValue" UINT16 RW,
];

super::typed::se_commands! {
    /// Since SE 1.0.
    0x00 ServerToClient "load_control_event" LoadControlEvent {
        issuer_event_id: [UINT32],
        device_class: [BITMAP16 => DeviceClass],
        utility_enrollment_group: [UINT8],
        start_time: [UTC],
        duration_in_minutes: [UINT16],
        criticality_level: [UINT8 => CriticalityLevel],
        cooling_temperature_offset: [UINT8],
        heating_temperature_offset: [UINT8],
        cooling_temperature_set_point: [INT16],
        heating_temperature_set_point: [INT16],
        average_load_adjustment_percentage: [INT8],
        duty_cycle: [UINT8],
        event_control: [BITMAP8],
    }
    /// Since SE 1.0.
    0x01 ServerToClient "cancel_load_control_event" CancelLoadControlEvent {
        issuer_event_id: [UINT32],
        device_class: [BITMAP16 => DeviceClass],
        utility_enrollment_group: [UINT8],
        cancel_control: [BITMAP8],
        effective_time: [UTC],
    }
    /// Since SE 1.0.
    0x02 ServerToClient "cancel_all_load_control_events" CancelAllLoadControlEvents {
        cancel_control: [BITMAP8],
    }
    /// Since SE 1.0.
    0x00 ClientToServer "report_event_status" ReportEventStatus {
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
    /// Since SE 1.0.
    0x01 ClientToServer "get_scheduled_events" GetScheduledEvents {
        start_time: [UTC],
        number_of_events: [UINT8],
        /// Since SE 1.2; `None` when the frame ends before it.
        issuer_event_id: [opt UINT32],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Demand Response and Load Control",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::bitmap! {
    /// Device class (D.2.2.3.1, LoadControlEvent and CancelLoadControlEvent;
    /// also the DeviceClassValue attribute).
    pub struct DeviceClass: u16 {
        /// HVAC compressor or furnace.
        const HVAC_COMPRESSOR_OR_FURNACE = 0x0001 => "hvac_compressor_or_furnace";
        /// Strip heaters / baseboard heaters.
        const STRIP_HEATERS = 0x0002 => "strip_heaters_baseboard_heaters";
        /// Water heater.
        const WATER_HEATER = 0x0004 => "water_heater";
        /// Pool pump / spa / jacuzzi.
        const POOL_PUMP = 0x0008 => "pool_pump_spa_jacuzzi";
        /// Smart appliances.
        const SMART_APPLIANCES = 0x0010 => "smart_appliances";
        /// Irrigation pump.
        const IRRIGATION_PUMP = 0x0020 => "irrigation_pump";
        /// Managed commercial and industrial loads.
        const MANAGED_C_AND_I_LOADS = 0x0040 => "managed_c_and_i_loads";
        /// Simple miscellaneous (residential on/off) loads.
        const SIMPLE_MISC_LOADS = 0x0080 => "simple_misc_loads";
        /// Exterior lighting.
        const EXTERIOR_LIGHTING = 0x0100 => "exterior_lighting";
        /// Interior lighting.
        const INTERIOR_LIGHTING = 0x0200 => "interior_lighting";
        /// Electric vehicle.
        const ELECTRIC_VEHICLE = 0x0400 => "electric_vehicle";
        /// Generation systems.
        const GENERATION_SYSTEMS = 0x0800 => "generation_systems";
    }
}

crate::macros::code_enum! {
    /// Criticality level (D.2.2.3.1): 0x0a-0x0f are utility defined.
    pub enum CriticalityLevel: u8 {
        /// Green.
        Green = 0x01 => "green",
        /// Level 1.
        Level1 = 0x02 => "level_1",
        /// Level 2.
        Level2 = 0x03 => "level_2",
        /// Level 3.
        Level3 = 0x04 => "level_3",
        /// Level 4.
        Level4 = 0x05 => "level_4",
        /// Level 5.
        Level5 = 0x06 => "level_5",
        /// Emergency.
        Emergency = 0x07 => "emergency",
        /// Planned outage.
        PlannedOutage = 0x08 => "planned_outage",
        /// Service disconnect.
        ServiceDisconnect = 0x09 => "service_disconnect",
    }
}

crate::macros::code_enum! {
    /// ReportEventStatus event status (D.2.3.3.1).
    pub enum EventStatus: u8 {
        /// Load control event command received.
        CommandReceived = 0x01 => "load_control_event_command_received",
        /// Event started.
        Started = 0x02 => "event_started",
        /// Event completed.
        Completed = 0x03 => "event_completed",
        /// User has chosen to opt out.
        UserOptedOut = 0x04 => "user_opted_out",
        /// User has chosen to opt in.
        UserOptedIn = 0x05 => "user_opted_in",
        /// The event has been cancelled.
        Cancelled = 0x06 => "event_cancelled",
        /// The event has been superseded.
        Superseded = 0x07 => "event_superseded",
        /// Event partially completed with user opt-out.
        PartiallyCompletedOptOut = 0x08 => "event_partially_completed_with_user_opt_out",
        /// Event partially completed due to user opt-in.
        PartiallyCompletedOptIn = 0x09 => "event_partially_completed_due_to_user_opt_in",
        /// Event completed, no user participation (previous opt-out).
        CompletedNoParticipation = 0x0a => "event_completed_no_user_participation",
        /// Rejected: invalid cancel command (default).
        RejectedInvalidCancelDefault = 0xf8 => "rejected_invalid_cancel_command_default",
        /// Rejected: invalid cancel command (invalid effective time).
        RejectedInvalidEffectiveTime = 0xf9 => "rejected_invalid_cancel_command_invalid_effective_time",
        /// Rejected: event received after it had expired.
        RejectedExpired = 0xfb => "rejected_event_expired",
        /// Rejected: invalid cancel command (undefined event).
        RejectedUndefinedEvent = 0xfd => "rejected_invalid_cancel_command_undefined_event",
        /// Load control event command rejected.
        Rejected = 0xfe => "load_control_event_command_rejected",
    }
}

crate::macros::code_enum! {
    /// ReportEventStatus signature type (D.2.3.3.1).
    pub enum SignatureType: u8 {
        /// No signature.
        None = 0x00 => "no_signature",
        /// ECDSA (42 octets).
        Ecdsa = 0x01 => "ecdsa",
    }
}

crate::macros::bitmap! {
    /// LoadControlEvent event control (D.2.2.3.1).
    pub struct EventControl: u8 {
        /// Randomize the start time.
        const RANDOMIZE_START = 0x01 => "randomize_start_time";
        /// Randomize the end time.
        const RANDOMIZE_END = 0x02 => "randomize_end_time";
    }
}
