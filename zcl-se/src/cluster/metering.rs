//! Metering cluster, 0x0702 (ZigBee Smart Energy 1.4, 07-5356-21, annex
//! D.3).
//!
//! Revisions: GetProfile / GetProfileResponse, RequestMirror /
//! RequestMirrorResponse, RemoveMirror / MirrorRemoved since SE 1.0;
//! RequestFastPollMode and its response since SE 1.1; every other command
//! (snapshots, sampling, mirror configuration, notification flags, supply
//! control) since SE 1.2. Repeated parts (profile intervals as uint24s,
//! snapshot and sample payloads, command lists) are the remaining octets.
//!
//! Attributes: the reading information set (0x00xx), TOU information
//! (0x01xx, tiers 1 to 6), meter status (0x02xx), formatting (0x03xx),
//! historical consumption (0x04xx), load profile configuration (0x05xx),
//! supply limit (0x06xx), block information (0x07xx, no-tier blocks 1 to 4)
//! and alarms (0x08xx).

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0702;

/// Attributes (D.3.2.2).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0000 "CurrentSummationDelivered" UINT48 RP,
    0x0001 "CurrentSummationReceived" UINT48 R,
    0x0002 "CurrentMaxDemandDelivered" UINT48 R,
    0x0003 "CurrentMaxDemandReceived" UINT48 R,
    0x0004 "DFTSummation" UINT48 R,
    0x0005 "DailyFreezeTime" UINT16 R,
    0x0006 "PowerFactor" INT8 R,
    0x0007 "ReadingSnapShotTime" UTC R,
    0x0008 "CurrentMaxDemandDeliveredTime" UTC R,
    0x0009 "CurrentMaxDemandReceivedTime" UTC R,
    0x000a "DefaultUpdatePeriod" UINT8 R,
    0x000b "FastPollUpdatePeriod" UINT8 R,
    0x000c "CurrentBlockPeriodConsumptionDelivered" UINT48 R,
    0x000d "DailyConsumptionTarget" UINT24 R,
    0x000e "CurrentBlock" ENUM8 R,
    0x000f "ProfileIntervalPeriod" ENUM8 R,
    0x0010 "IntervalReadReportingPeriod" UINT16 R,
    0x0011 "PresetReadingTime" UINT16 R,
    0x0012 "VolumePerReport" UINT16 R,
    0x0013 "FlowRestriction" UINT8 R,
    0x0014 "SupplyStatus" ENUM8 R,
    0x0015 "CurrentInletEnergyCarrierSummation" UINT48 R,
    0x0016 "CurrentOutletEnergyCarrierSummation" UINT48 R,
    0x0017 "InletTemperature" INT24 R,
    0x0018 "OutletTemperature" INT24 R,
    0x0019 "ControlTemperature" INT24 R,
    0x001a "CurrentInletEnergyCarrierDemand" INT24 R,
    0x001b "CurrentOutletEnergyCarrierDemand" INT24 R,
    0x0100 "CurrentTier1SummationDelivered" UINT48 R,
    0x0101 "CurrentTier1SummationReceived" UINT48 R,
    0x0102 "CurrentTier2SummationDelivered" UINT48 R,
    0x0103 "CurrentTier2SummationReceived" UINT48 R,
    0x0104 "CurrentTier3SummationDelivered" UINT48 R,
    0x0105 "CurrentTier3SummationReceived" UINT48 R,
    0x0106 "CurrentTier4SummationDelivered" UINT48 R,
    0x0107 "CurrentTier4SummationReceived" UINT48 R,
    0x0108 "CurrentTier5SummationDelivered" UINT48 R,
    0x0109 "CurrentTier5SummationReceived" UINT48 R,
    0x010a "CurrentTier6SummationDelivered" UINT48 R,
    0x010b "CurrentTier6SummationReceived" UINT48 R,
    0x0200 "Status" BITMAP8 R,
    0x0201 "RemainingBatteryLife" UINT8 R,
    0x0202 "HoursInOperation" UINT24 R,
    0x0203 "HoursInFault" UINT24 R,
    0x0204 "ExtendedStatus" BITMAP64 R,
    0x0300 "UnitOfMeasure" ENUM8 R,
    0x0301 "Multiplier" UINT24 R,
    0x0302 "Divisor" UINT24 R,
    0x0303 "SummationFormatting" BITMAP8 R,
    0x0304 "DemandFormatting" BITMAP8 R,
    0x0305 "HistoricalConsumptionFormatting" BITMAP8 R,
    0x0306 "MeteringDeviceType" BITMAP8 R,
    0x0307 "SiteID" OCTET_STRING R,
    0x0308 "MeterSerialNumber" OCTET_STRING R,
    0x0309 "EnergyCarrierUnitOfMeasure" ENUM8 R,
    0x030a "EnergyCarrierSummationFormatting" BITMAP8 R,
    0x030b "EnergyCarrierDemandFormatting" BITMAP8 R,
    0x030c "TemperatureUnitOfMeasure" ENUM8 R,
    0x030d "TemperatureFormatting" BITMAP8 R,
    0x030e "ModuleSerialNumber" OCTET_STRING R,
    0x030f "OperatingTariffLabelDelivered" OCTET_STRING R,
    0x0310 "OperatingTariffLabelReceived" OCTET_STRING R,
    0x0311 "CustomerIDNumber" OCTET_STRING R,
    0x0312 "AlternativeUnitOfMeasure" ENUM8 R,
    0x0313 "AlternativeDemandFormatting" BITMAP8 R,
    0x0314 "AlternativeConsumptionFormatting" BITMAP8 R,
    0x0400 "InstantaneousDemand" INT24 RP,
    0x0401 "CurrentDayConsumptionDelivered" UINT24 R,
    0x0402 "CurrentDayConsumptionReceived" UINT24 R,
    0x0403 "PreviousDayConsumptionDelivered" UINT24 R,
    0x0404 "PreviousDayConsumptionReceived" UINT24 R,
    0x0405 "CurrentPartialProfileIntervalStartTimeDelivered" UTC R,
    0x0406 "CurrentPartialProfileIntervalStartTimeReceived" UTC R,
    0x0407 "CurrentPartialProfileIntervalValueDelivered" UINT24 R,
    0x0408 "CurrentPartialProfileIntervalValueReceived" UINT24 R,
    0x0409 "CurrentDayMaxPressure" UINT48 R,
    0x040a "CurrentDayMinPressure" UINT48 R,
    0x040b "PreviousDayMaxPressure" UINT48 R,
    0x040c "PreviousDayMinPressure" UINT48 R,
    0x040d "CurrentDayMaxDemand" INT24 R,
    0x040e "PreviousDayMaxDemand" INT24 R,
    0x040f "CurrentMonthMaxDemand" INT24 R,
    0x0410 "CurrentYearMaxDemand" INT24 R,
    0x0500 "MaxNumberOfPeriodsDelivered" UINT8 R,
    0x0600 "CurrentDemandDelivered" UINT24 R,
    0x0601 "DemandLimit" UINT24 R,
    0x0602 "DemandIntegrationPeriod" UINT8 R,
    0x0603 "NumberOfDemandSubintervals" UINT8 R,
    0x0604 "DemandLimitArmDuration" UINT16 R,
    0x0700 "CurrentNoTierBlock1SummationDelivered" UINT48 R,
    0x0701 "CurrentNoTierBlock2SummationDelivered" UINT48 R,
    0x0702 "CurrentNoTierBlock3SummationDelivered" UINT48 R,
    0x0703 "CurrentNoTierBlock4SummationDelivered" UINT48 R,
    0x0800 "GenericAlarmMask" BITMAP16 RW,
    0x0801 "ElectricityAlarmMask" BITMAP32 RW,
    0x0802 "GenericFlowPressureAlarmMask" BITMAP16 RW,
    0x0803 "WaterSpecificAlarmMask" BITMAP16 RW,
    0x0804 "HeatAndCoolingSpecificAlarmMask" BITMAP16 RW,
    0x0805 "GasSpecificAlarmMask" BITMAP16 RW,
    0x0806 "ExtendedGenericAlarmMask" BITMAP48 RW,
    0x0807 "ManufacturerAlarmMask" BITMAP16 RW,
];

super::typed::se_commands! {
    /// Since SE 1.0.
    0x00 ServerToClient "get_profile_response" GetProfileResponse {
        end_time: [UTC],
        status: [ENUM8 => ProfileStatus],
        profile_interval_period: [ENUM8 => ProfileIntervalPeriod],
        number_of_periods_delivered: [UINT8],
        intervals: [rest],
    }
    /// Since SE 1.0.
    0x01 ServerToClient "request_mirror" RequestMirror {
    }
    /// Since SE 1.0.
    0x02 ServerToClient "remove_mirror" RemoveMirror {
    }
    /// Since SE 1.1.
    0x03 ServerToClient "request_fast_poll_mode_response" RequestFastPollModeResponse {
        applied_update_period: [UINT8],
        fast_poll_mode_end_time: [UTC],
    }
    /// Since SE 1.2.
    0x04 ServerToClient "schedule_snapshot_response" ScheduleSnapshotResponse {
        issuer_event_id: [UINT32],
        snapshot_response_payload: [rest],
    }
    /// Since SE 1.2.
    0x05 ServerToClient "take_snapshot_response" TakeSnapshotResponse {
        snapshot_id: [UINT32],
        snapshot_confirmation: [ENUM8 => SnapshotConfirmation],
    }
    /// Since SE 1.2.
    0x06 ServerToClient "publish_snapshot" PublishSnapshot {
        snapshot_id: [UINT32],
        snapshot_time: [UTC],
        total_snapshots_found: [UINT8],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        snapshot_cause: [BITMAP32],
        snapshot_payload_type: [ENUM8],
        snapshot_payload: [rest],
    }
    /// Since SE 1.2.
    0x07 ServerToClient "get_sampled_data_response" GetSampledDataResponse {
        sample_id: [UINT16],
        sample_start_time: [UTC],
        sample_type: [ENUM8],
        sample_request_interval: [UINT16],
        number_of_samples: [UINT16],
        samples: [rest],
    }
    /// Since SE 1.2.
    0x08 ServerToClient "configure_mirror" ConfigureMirror {
        issuer_event_id: [UINT32],
        reporting_interval: [UINT24],
        mirror_notification_reporting: [BOOL],
        notification_scheme: [UINT8],
    }
    /// Since SE 1.2.
    0x09 ServerToClient "configure_notification_scheme" ConfigureNotificationScheme {
        issuer_event_id: [UINT32],
        notification_scheme: [UINT8],
        notification_flag_order: [BITMAP32],
    }
    /// Since SE 1.2.
    0x0a ServerToClient "configure_notification_flags" ConfigureNotificationFlags {
        issuer_event_id: [UINT32],
        notification_scheme: [UINT8],
        notification_flag_attribute_id: [UINT16],
        cluster_id: [UINT16],
        manufacturer_code: [UINT16],
        number_of_commands: [UINT8],
        command_ids: [rest],
    }
    /// Since SE 1.2.
    0x0b ServerToClient "get_notified_message" GetNotifiedMessage {
        notification_scheme: [UINT8],
        notification_flag_attribute_id: [UINT16],
        notification_flags: [BITMAP32],
    }
    /// Since SE 1.2.
    0x0c ServerToClient "supply_status_response" SupplyStatusResponse {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        implementation_date_time: [UTC],
        supply_status: [ENUM8 => SupplyStatus],
    }
    /// Since SE 1.2.
    0x0d ServerToClient "start_sampling_response" StartSamplingResponse {
        sample_id: [UINT16],
    }
    /// Since SE 1.0.
    0x00 ClientToServer "get_profile" GetProfile {
        interval_channel: [ENUM8 => IntervalChannel],
        end_time: [UTC],
        number_of_periods: [UINT8],
    }
    /// Since SE 1.0.
    0x01 ClientToServer "request_mirror_response" RequestMirrorResponse {
        endpoint_id: [UINT16],
    }
    /// Since SE 1.0.
    0x02 ClientToServer "mirror_removed" MirrorRemoved {
        removed_endpoint_id: [UINT16],
    }
    /// Since SE 1.1.
    0x03 ClientToServer "request_fast_poll_mode" RequestFastPollMode {
        fast_poll_update_period: [UINT8],
        duration: [UINT8],
    }
    /// Since SE 1.2.
    0x04 ClientToServer "schedule_snapshot" ScheduleSnapshot {
        issuer_event_id: [UINT32],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        snapshot_schedule_payload: [rest],
    }
    /// Since SE 1.2.
    0x05 ClientToServer "take_snapshot" TakeSnapshot {
        snapshot_cause: [BITMAP32],
    }
    /// Since SE 1.2.
    0x06 ClientToServer "get_snapshot" GetSnapshot {
        earliest_start_time: [UTC],
        latest_end_time: [UTC],
        snapshot_offset: [UINT8],
        snapshot_cause: [BITMAP32],
    }
    /// Since SE 1.2.
    0x07 ClientToServer "start_sampling" StartSampling {
        issuer_event_id: [UINT32],
        start_sampling_time: [UTC],
        sample_type: [ENUM8],
        sample_request_interval: [UINT16],
        max_number_of_samples: [UINT16],
    }
    /// Since SE 1.2.
    0x08 ClientToServer "get_sampled_data" GetSampledData {
        sample_id: [UINT16],
        earliest_sample_time: [UTC],
        sample_type: [ENUM8],
        number_of_samples: [UINT16],
    }
    /// Since SE 1.2.
    0x09 ClientToServer "mirror_report_attribute_response" MirrorReportAttributeResponse {
        notification_scheme: [UINT8],
        notification_flags: [rest],
    }
    /// Since SE 1.2.
    0x0a ClientToServer "reset_load_limit_counter" ResetLoadLimitCounter {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
    }
    /// Since SE 1.2.
    0x0b ClientToServer "change_supply" ChangeSupply {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        request_date_time: [UTC],
        implementation_date_time: [UTC],
        proposed_supply_status: [ENUM8 => SupplyStatus],
        supply_control_bits: [BITMAP8],
    }
    /// Since SE 1.2.
    0x0c ClientToServer "local_change_supply" LocalChangeSupply {
        proposed_supply_status: [ENUM8 => SupplyStatus],
    }
    /// Since SE 1.2.
    0x0d ClientToServer "set_supply_status" SetSupplyStatus {
        issuer_event_id: [UINT32],
        supply_tamper_state: [ENUM8],
        supply_depletion_state: [ENUM8],
        supply_uncontrolled_flow_state: [ENUM8],
        load_limit_supply_state: [ENUM8],
    }
    /// Since SE 1.2.
    0x0e ClientToServer "set_uncontrolled_flow_threshold" SetUncontrolledFlowThreshold {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        uncontrolled_flow_threshold: [UINT16],
        unit_of_measure: [ENUM8 => UnitOfMeasure],
        multiplier: [UINT16],
        divisor: [UINT16],
        stabilisation_period: [UINT8],
        measurement_period: [UINT16],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Metering",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::code_enum! {
    /// Unit of measure (D.3.2.2.4.1, the UnitofMeasure attribute 0x0300, also
    /// used by Price): 0x00-0x0d binary, 0x80-0x8d the same units with BCD
    /// formatted readings.
    pub enum UnitOfMeasure: u8 {
        /// kW (demand) and kWh (summation).
        KwKwh = 0x00 => "kw_kwh",
        /// m³/h and m³.
        CubicMeters = 0x01 => "cubic_meters",
        /// ft³/h and ft³.
        CubicFeet = 0x02 => "cubic_feet",
        /// ccf/h and ccf.
        Ccf = 0x03 => "ccf",
        /// US gallons per hour and US gallons.
        UsGallons = 0x04 => "us_gallons",
        /// Imperial gallons per hour and imperial gallons.
        ImperialGallons = 0x05 => "imperial_gallons",
        /// BTU/h and BTU.
        Btu = 0x06 => "btu",
        /// Litres per hour and litres.
        Liters = 0x07 => "liters",
        /// kPa (gauge).
        KpaGauge = 0x08 => "kpa_gauge",
        /// kPa (absolute).
        KpaAbsolute = 0x09 => "kpa_absolute",
        /// mcf/h and mcf.
        Mcf = 0x0a => "mcf",
        /// Unitless.
        Unitless = 0x0b => "unitless",
        /// MJ/s and MJ.
        Megajoules = 0x0c => "megajoules",
        /// kVAr and kVArh.
        KvarKvarh = 0x0d => "kvar_kvarh",
        /// kW / kWh, BCD.
        KwKwhBcd = 0x80 => "kw_kwh_bcd",
        /// m³, BCD.
        CubicMetersBcd = 0x81 => "cubic_meters_bcd",
        /// ft³, BCD.
        CubicFeetBcd = 0x82 => "cubic_feet_bcd",
        /// ccf, BCD.
        CcfBcd = 0x83 => "ccf_bcd",
        /// US gallons, BCD.
        UsGallonsBcd = 0x84 => "us_gallons_bcd",
        /// Imperial gallons, BCD.
        ImperialGallonsBcd = 0x85 => "imperial_gallons_bcd",
        /// BTU, BCD.
        BtuBcd = 0x86 => "btu_bcd",
        /// Litres, BCD.
        LitersBcd = 0x87 => "liters_bcd",
        /// kPa (gauge), BCD.
        KpaGaugeBcd = 0x88 => "kpa_gauge_bcd",
        /// kPa (absolute), BCD.
        KpaAbsoluteBcd = 0x89 => "kpa_absolute_bcd",
        /// mcf, BCD.
        McfBcd = 0x8a => "mcf_bcd",
        /// Unitless, BCD.
        UnitlessBcd = 0x8b => "unitless_bcd",
        /// MJ, BCD.
        MegajoulesBcd = 0x8c => "megajoules_bcd",
        /// kVAr / kVArh, BCD.
        KvarKvarhBcd = 0x8d => "kvar_kvarh_bcd",
    }
}

crate::macros::code_enum! {
    /// Metering device type (D.3.2.2.4.7, the MeteringDeviceType attribute
    /// 0x0306; 8-bit, kept as a raw code point).
    pub enum MeteringDeviceType: u8 {
        /// Electric metering.
        Electric = 0 => "electric",
        /// Gas metering.
        Gas = 1 => "gas",
        /// Water metering.
        Water = 2 => "water",
        /// Thermal metering (deprecated by SE 1.2).
        Thermal = 3 => "thermal",
        /// Pressure metering.
        Pressure = 4 => "pressure",
        /// Heat metering.
        Heat = 5 => "heat",
        /// Cooling metering.
        Cooling = 6 => "cooling",
    }
}

crate::macros::code_enum! {
    /// Supply status (D.3.2.2.1, the SupplyStatus attribute 0x0014; also the
    /// proposed supply status of ChangeSupply and LocalChangeSupply and the
    /// status of SupplyStatusResponse).
    pub enum SupplyStatus: u8 {
        /// Supply off.
        Off = 0 => "off",
        /// Supply off, armed (may be turned on locally).
        OffArmed = 1 => "off_armed",
        /// Supply on.
        On = 2 => "on",
    }
}

crate::macros::code_enum! {
    /// GetProfileResponse status (D.3.2.3.1).
    pub enum ProfileStatus: u8 {
        /// Success.
        Success = 0 => "success",
        /// Undefined interval channel requested.
        UndefinedIntervalChannel = 1 => "undefined_interval_channel_requested",
        /// Interval channel not supported.
        IntervalChannelNotSupported = 2 => "interval_channel_not_supported",
        /// Invalid end time.
        InvalidEndTime = 3 => "invalid_end_time",
        /// More periods requested than can be returned.
        MorePeriodsRequested = 4 => "more_periods_requested_than_can_be_returned",
        /// No intervals available for the requested time.
        NoIntervalsAvailable = 5 => "no_intervals_available_for_the_requested_time",
    }
}

crate::macros::code_enum! {
    /// Profile interval period (D.3.2.2.1, ProfileIntervalPeriod, and the
    /// GetProfileResponse field).
    pub enum ProfileIntervalPeriod: u8 {
        /// Daily.
        Daily = 0 => "daily",
        /// 60 minutes.
        Minutes60 = 1 => "60_minutes",
        /// 30 minutes.
        Minutes30 = 2 => "30_minutes",
        /// 15 minutes.
        Minutes15 = 3 => "15_minutes",
        /// 10 minutes.
        Minutes10 = 4 => "10_minutes",
        /// 7.5 minutes.
        Minutes7p5 = 5 => "7.5_minutes",
        /// 5 minutes.
        Minutes5 = 6 => "5_minutes",
        /// 2.5 minutes.
        Minutes2p5 = 7 => "2.5_minutes",
    }
}

crate::macros::code_enum! {
    /// GetProfile interval channel (D.3.2.4.1).
    pub enum IntervalChannel: u8 {
        /// Consumption delivered.
        ConsumptionDelivered = 0 => "consumption_delivered",
        /// Consumption received.
        ConsumptionReceived = 1 => "consumption_received",
    }
}

crate::macros::code_enum! {
    /// TakeSnapshotResponse confirmation (D.3.2.3.6, SE 1.2).
    pub enum SnapshotConfirmation: u8 {
        /// Accepted.
        Accepted = 0 => "accepted",
        /// Snapshot cause not supported.
        CauseNotSupported = 1 => "snapshot_cause_not_supported",
    }
}

crate::macros::bitmap! {
    /// Meter status (D.3.2.2.2, the Status attribute 0x0200, as the
    /// electricity meter defines its bits; other device types reuse bits 0-3
    /// with the same meaning).
    pub struct MeterStatus: u8 {
        /// Check meter.
        const CHECK_METER = 0x01 => "check_meter";
        /// Low battery.
        const LOW_BATTERY = 0x02 => "low_battery";
        /// Tamper detect.
        const TAMPER_DETECT = 0x04 => "tamper_detect";
        /// Power failure (electricity) / low pressure (gas).
        const POWER_FAILURE = 0x08 => "power_failure";
        /// Power quality (electricity) / service disconnect (gas, water).
        const POWER_QUALITY = 0x10 => "power_quality";
        /// Leak detect.
        const LEAK_DETECT = 0x20 => "leak_detect";
        /// Service disconnect open (electricity).
        const SERVICE_DISCONNECT_OPEN = 0x40 => "service_disconnect_open";
    }
}

crate::macros::bitmap! {
    /// Summation, demand and historical consumption formatting (D.3.2.2.4.4-6):
    /// bits 0-2 digits right of the decimal point, bits 3-6 digits left of it,
    /// bit 7 suppress leading zeros.
    pub struct Formatting: u8 {
        /// Digits right of the decimal point (bits 0-2).
        const DIGITS_RIGHT = 0x07 => "digits_right";
        /// Digits left of the decimal point (bits 3-6).
        const DIGITS_LEFT = 0x78 => "digits_left";
        /// Suppress leading zeros.
        const SUPPRESS_LEADING_ZEROS = 0x80 => "suppress_leading_zeros";
    }
}

impl Formatting {
    /// Digits to the right of the decimal point.
    #[must_use]
    pub const fn digits_right(self) -> u8 {
        self.0 & 0x07
    }

    /// Digits to the left of the decimal point.
    #[must_use]
    pub const fn digits_left(self) -> u8 {
        (self.0 >> 3) & 0x0f
    }
}

crate::macros::bitmap! {
    /// Functional notification flags (the Metering client attribute 0x0000 of the notification attribute set, SE 1.2). Bit names as Wireshark 4.0.17 dissects them.
    pub struct FunctionalNotificationFlags: u32 {
        /// New OTA Firmware.
        const NEW_OTA_FIRMWARE = 0x00000001 => "new_ota_firmware";
        /// CBKE Update Request.
        const CBKE_UPDATE_REQUEST = 0x00000002 => "cbke_update_request";
        /// Time Sync.
        const TIME_SYNC = 0x00000004 => "time_sync";
        /// Stay Awake Request HAN.
        const STAY_AWAKE_REQUEST_HAN = 0x00000010 => "stay_awake_request_han";
        /// Stay Awake Request WAN.
        const STAY_AWAKE_REQUEST_WAN = 0x00000020 => "stay_awake_request_wan";
        /// Push Historical Metering Data Attribute Set.
        const PUSH_HISTORICAL_METERING_DATA_ATTRIBUTE_SET = 0x000001c0 => "push_historical_metering_data_attribute_set";
        /// Push Historical Prepayment Data Attribute Set.
        const PUSH_HISTORICAL_PREPAYMENT_DATA_ATTRIBUTE_SET = 0x00000e00 => "push_historical_prepayment_data_attribute_set";
        /// Push All Static Data - Basic Cluster.
        const PUSH_ALL_STATIC_DATA_BASIC_CLUSTER = 0x00001000 => "push_all_static_data_basic_cluster";
        /// Push All Static Data - Metering Cluster.
        const PUSH_ALL_STATIC_DATA_METERING_CLUSTER = 0x00002000 => "push_all_static_data_metering_cluster";
        /// Push All Static Data - Prepayment Cluster.
        const PUSH_ALL_STATIC_DATA_PREPAYMENT_CLUSTER = 0x00004000 => "push_all_static_data_prepayment_cluster";
        /// Network Key Active.
        const NETWORK_KEY_ACTIVE = 0x00008000 => "network_key_active";
        /// Display Message.
        const DISPLAY_MESSAGE = 0x00010000 => "display_message";
        /// Cancel All Messages.
        const CANCEL_ALL_MESSAGES = 0x00020000 => "cancel_all_messages";
        /// Change Supply.
        const CHANGE_SUPPLY = 0x00040000 => "change_supply";
        /// Local Change Supply.
        const LOCAL_CHANGE_SUPPLY = 0x00080000 => "local_change_supply";
        /// Set Uncontrolled Flow Threshold.
        const SET_UNCONTROLLED_FLOW_THRESHOLD = 0x00100000 => "set_uncontrolled_flow_threshold";
        /// Tunnel Message Pending.
        const TUNNEL_MESSAGE_PENDING = 0x00200000 => "tunnel_message_pending";
        /// Get Snapshot.
        const GET_SNAPSHOT = 0x00400000 => "get_snapshot";
        /// Get Sampled Data.
        const GET_SAMPLED_DATA = 0x00800000 => "get_sampled_data";
        /// New Sub-GHz Channel Masks Available.
        const NEW_SUB_GHZ_CHANNEL_MASKS_AVAILABLE = 0x01000000 => "new_sub_ghz_channel_masks_available";
        /// Energy Scan Pending.
        const ENERGY_SCAN_PENDING = 0x02000000 => "energy_scan_pending";
        /// Channel Change Pending.
        const CHANNEL_CHANGE_PENDING = 0x04000000 => "channel_change_pending";
    }
}

crate::macros::bitmap! {
    /// Notification flags 2 (0x0001): Price cluster commands waiting for the client. Bit names as Wireshark 4.0.17 dissects them.
    pub struct NotificationFlags2: u32 {
        /// Publish Price.
        const PUBLISH_PRICE = 0x00000001 => "publish_price";
        /// Publish Block Period.
        const PUBLISH_BLOCK_PERIOD = 0x00000002 => "publish_block_period";
        /// Publish Tariff Information.
        const PUBLISH_TARIFF_INFO = 0x00000004 => "publish_tariff_info";
        /// Publish Conversion Factor.
        const PUBLISH_CONVERSION_FACTOR = 0x00000008 => "publish_conversion_factor";
        /// Publish Calorific Value.
        const PUBLISH_CALORIFIC_VALUE = 0x00000010 => "publish_calorific_value";
        /// Publish CO2 Value.
        const PUBLISH_CO2_VALUE = 0x00000020 => "publish_co2_value";
        /// Publish Billing Period.
        const PUBLISH_BILLING_PERIOD = 0x00000040 => "publish_billing_period";
        /// Publish Consolidated Bill.
        const PUBLISH_CONSOLIDATED_BILL = 0x00000080 => "publish_consolidated_bill";
        /// Publish Price Matrix.
        const PUBLISH_PRICE_MATRIX = 0x00000100 => "publish_price_matrix";
        /// Publish Block Thresholds.
        const PUBLISH_BLOCK_THRESHOLDS = 0x00000200 => "publish_block_thresholds";
        /// Publish Currency Conversion.
        const PUBLISH_CURRENCY_CONVERSION = 0x00000400 => "publish_currency_conversion";
        /// Publish Credit Payment Info.
        const PUBLISH_CREDIT_PAYMENT_INFO = 0x00001000 => "publish_credit_payment_info";
        /// Publish CPP Event.
        const PUBLISH_CPP_EVENT = 0x00002000 => "publish_cpp_event";
        /// Publish Tier Labels.
        const PUBLISH_TIER_LABELS = 0x00004000 => "publish_tier_labels";
        /// Cancel Tariff.
        const CANCEL_TARIFF = 0x00008000 => "cancel_tariff";
    }
}

crate::macros::bitmap! {
    /// Notification flags 3 (0x0002): Calendar cluster commands waiting for the client. Bit names as Wireshark 4.0.17 dissects them.
    pub struct NotificationFlags3: u32 {
        /// Publish Calendar.
        const PUBLISH_CALENDAR = 0x00000001 => "publish_calendar";
        /// Publish Special Days.
        const PUBLISH_SPECIAL_DAYS = 0x00000002 => "publish_special_days";
        /// Publish Seasons.
        const PUBLISH_SEASONS = 0x00000004 => "publish_seasons";
        /// Publish Week.
        const PUBLISH_WEEK = 0x00000008 => "publish_week";
        /// Publish Day.
        const PUBLISH_DAY = 0x00000010 => "publish_day";
        /// Cancel Calendar.
        const CANCEL_CALENDAR = 0x00000020 => "cancel_calendar";
    }
}

crate::macros::bitmap! {
    /// Notification flags 4 (0x0003): Prepayment cluster commands waiting for the client. Bit names as Wireshark 4.0.17 dissects them.
    pub struct NotificationFlags4: u32 {
        /// Select Available Emergency Credit.
        const SELECT_AVAILABLE_EMERGENCY_CREDIT = 0x00000001 => "select_available_emergency_credit";
        /// Change Debt.
        const CHANGE_DEBT = 0x00000002 => "change_debt";
        /// Emergency Credit Setup.
        const EMERGENCY_CREDIT_SETUP = 0x00000004 => "emergency_credit_setup";
        /// Consumer Top Up.
        const CONSUMER_TOP_UP = 0x00000008 => "consumer_top_up";
        /// Credit Adjustment.
        const CREDIT_ADJUSTMENT = 0x00000010 => "credit_adjustment";
        /// Change Payment Mode.
        const CHANGE_PAYMENT_MODE = 0x00000020 => "change_payment_mode";
        /// Get Prepay Snapshot.
        const GET_PREPAY_SNAPSHOT = 0x00000040 => "get_prepay_snapshot";
        /// Get Top Up Log.
        const GET_TOP_UP_LOG = 0x00000080 => "get_top_up_log";
        /// Set Low Credit Warning Level.
        const SET_LOW_CREDIT_WARNING_LEVEL = 0x00000100 => "set_low_credit_warning_level";
        /// Get Debt Repayment Log.
        const GET_DEBT_REPAYMENT_LOG = 0x00000200 => "get_debt_repayment_log";
        /// Set Maximum Credit Limit.
        const SET_MAXIMUM_CREDIT_LIMIT = 0x00000400 => "set_maximum_credit_limit";
        /// Set Overall Debt Cap.
        const SET_OVERALL_DEBT_CAP = 0x00000800 => "set_overall_debt_cap";
    }
}

crate::macros::bitmap! {
    /// Notification flags 5 (0x0004): Device Management cluster commands waiting for the client. Bit names as Wireshark 4.0.17 dissects them.
    pub struct NotificationFlags5: u32 {
        /// Publish Change of Tenancy.
        const PUBLISH_CHANGE_OF_TENANCY = 0x00000001 => "publish_change_of_tenancy";
        /// Publish Change of Supplier.
        const PUBLISH_CHANGE_OF_SUPPLIER = 0x00000002 => "publish_change_of_supplier";
        /// Request New Password 1 Response.
        const REQUEST_NEW_PASSWORD_1_RESPONSE = 0x00000004 => "request_new_password_1_response";
        /// Request New Password 2 Response.
        const REQUEST_NEW_PASSWORD_2_RESPONSE = 0x00000008 => "request_new_password_2_response";
        /// Request New Password 3 Response.
        const REQUEST_NEW_PASSWORD_3_RESPONSE = 0x00000010 => "request_new_password_3_response";
        /// Request New Password 4 Response.
        const REQUEST_NEW_PASSWORD_4_RESPONSE = 0x00000020 => "request_new_password_4_response";
        /// Update Site ID.
        const UPDATE_SITE_ID = 0x00000040 => "update_site_id";
        /// Reset Battery Counter.
        const RESET_BATTERY_COUNTER = 0x00000080 => "reset_battery_counter";
        /// Update CIN.
        const UPDATE_CIN = 0x00000100 => "update_cin";
    }
}
/// The names of the flags set in `flags`, a value of notification flag
/// attribute `attribute_id` (0x0000 functional, 0x0001-0x0004 notification
/// flags 2-5), as GetNotifiedMessage and MirrorReportAttributeResponse
/// carry them; `None` for another attribute.
pub fn notification_flag_names(
    attribute_id: u16,
    flags: u32,
) -> Option<impl Iterator<Item = &'static str>> {
    let named: &'static [(u32, &'static str)] = match attribute_id {
        0x0000 => FunctionalNotificationFlags::NAMED,
        0x0001 => NotificationFlags2::NAMED,
        0x0002 => NotificationFlags3::NAMED,
        0x0003 => NotificationFlags4::NAMED,
        0x0004 => NotificationFlags5::NAMED,
        _ => return None,
    };
    Some(
        named
            .iter()
            .filter(move |(m, _)| flags & m != 0)
            .map(|&(_, n)| n),
    )
}
