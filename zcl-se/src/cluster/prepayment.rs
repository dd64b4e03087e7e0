//! Prepayment cluster, 0x0705 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.7; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0705;

/// Attributes (D.7.2.2): credit, emergency credit, top-up and debt logs, alarms, historical cost consumption. Identifiers and names checked against the attribute name table of
/// Wireshark 4.0.17's Smart Energy dissector (`tshark -G values`); the
/// dissector takes types from the frame, so the types here are the SE 1.4
/// table's as we know them, not machine-checked.
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0000 "PaymentControlConfiguration" BITMAP16 R,
    0x0001 "CreditRemaining" INT32 RP,
    0x0002 "EmergencyCreditRemaining" INT32 R,
    0x0003 "CreditStatus" BITMAP8 R,
    0x0004 "CreditRemainingTimeStamp" UTC R,
    0x0005 "AccumulatedDebt" INT32 R,
    0x0006 "OverallDebtCap" INT32 R,
    0x0010 "EmergencyCreditLimitAllowance" UINT32 R,
    0x0011 "EmergencyCreditThreshold" UINT32 R,
    0x0020 "TotalCreditAdded" UINT48 R,
    0x0021 "MaxCreditLimit" UINT32 R,
    0x0022 "MaxCreditPerTopUp" UINT32 R,
    0x0030 "FriendlyCreditWarning" UINT8 R,
    0x0031 "LowCreditWarningLevel" UINT32 R,
    0x0032 "IHDLowCreditWarningLevel" UINT32 RW,
    0x0033 "InterruptSuspendTime" UINT8 R,
    0x0034 "RemainingFriendlyCreditTime" UINT16 R,
    0x0035 "NextFriendlyCreditPeriod" UTC R,
    0x0040 "CutOffValue" INT32 R,
    0x0080 "TokenCarrierID" OCTET_STRING RW,
    0x0100 "TopUpDateTime1" UTC R,
    0x0101 "TopUpAmount1" INT32 R,
    0x0102 "OriginatingDevice1" ENUM8 R,
    0x0103 "TopUpCode1" OCTET_STRING R,
    0x0110 "TopUpDateTime2" UTC R,
    0x0111 "TopUpAmount2" INT32 R,
    0x0112 "OriginatingDevice2" ENUM8 R,
    0x0113 "TopUpCode2" OCTET_STRING R,
    0x0120 "TopUpDateTime3" UTC R,
    0x0121 "TopUpAmount3" INT32 R,
    0x0122 "OriginatingDevice3" ENUM8 R,
    0x0123 "TopUpCode3" OCTET_STRING R,
    0x0130 "TopUpDateTime4" UTC R,
    0x0131 "TopUpAmount4" INT32 R,
    0x0132 "OriginatingDevice4" ENUM8 R,
    0x0133 "TopUpCode4" OCTET_STRING R,
    0x0140 "TopUpDateTime5" UTC R,
    0x0141 "TopUpAmount5" INT32 R,
    0x0142 "OriginatingDevice5" ENUM8 R,
    0x0143 "TopUpCode5" OCTET_STRING R,
    0x0210 "DebtLabel1" OCTET_STRING R,
    0x0211 "DebtAmount1" UINT32 R,
    0x0212 "DebtRecoveryMethod1" ENUM8 R,
    0x0213 "DebtRecoveryStartTime1" UTC R,
    0x0214 "DebtRecoveryCollectionTime1" UINT16 R,
    0x0216 "DebtRecoveryFrequency1" ENUM8 R,
    0x0217 "DebtRecoveryAmount1" UINT32 R,
    0x0219 "DebtRecoveryTopUpPercentage1" UINT16 R,
    0x0220 "DebtLabel2" OCTET_STRING R,
    0x0221 "DebtAmount2" UINT32 R,
    0x0222 "DebtRecoveryMethod2" ENUM8 R,
    0x0223 "DebtRecoveryStartTime2" UTC R,
    0x0224 "DebtRecoveryCollectionTime2" UINT16 R,
    0x0226 "DebtRecoveryFrequency2" ENUM8 R,
    0x0227 "DebtRecoveryAmount2" UINT32 R,
    0x0229 "DebtRecoveryTopUpPercentage2" UINT16 R,
    0x0230 "DebtLabel3" OCTET_STRING R,
    0x0231 "DebtAmount3" UINT32 R,
    0x0232 "DebtRecoveryMethod3" ENUM8 R,
    0x0233 "DebtRecoveryStartTime3" UTC R,
    0x0234 "DebtRecoveryCollectionTime3" UINT16 R,
    0x0236 "DebtRecoveryFrequency3" ENUM8 R,
    0x0237 "DebtRecoveryAmount3" UINT32 R,
    0x0239 "DebtRecoveryTopUpPercentage3" UINT16 R,
    0x0400 "PrepaymentAlarmStatus" BITMAP16 R,
    0x0401 "PrepayGenericAlarmMask" BITMAP16 RW,
    0x0402 "PrepaySwitchAlarmMask" BITMAP16 RW,
    0x0403 "PrepayEventAlarmMask" BITMAP16 RW,
    0x0500 "HistoricalCostConsumptionFormatting" BITMAP8 R,
    0x0501 "ConsumptionUnitOfMeasurement" ENUM8 R,
    0x0502 "CurrencyScalingFactor" ENUM8 R,
    0x0503 "Currency" UINT16 R,
    0x051c "CurrentDayCostConsumptionDelivered" UINT48 R,
    0x051d "CurrentDayCostConsumptionReceived" UINT48 R,
    0x051e "PreviousDayCostConsumptionDelivered" UINT48 R,
    0x051f "PreviousDayCostConsumptionReceived" UINT48 R,
    0x0520 "PreviousDay2CostConsumptionDelivered" UINT48 R,
    0x0521 "PreviousDay2CostConsumptionReceived" UINT48 R,
    0x0522 "PreviousDay3CostConsumptionDelivered" UINT48 R,
    0x0523 "PreviousDay3CostConsumptionReceived" UINT48 R,
    0x0524 "PreviousDay4CostConsumptionDelivered" UINT48 R,
    0x0525 "PreviousDay4CostConsumptionReceived" UINT48 R,
    0x0526 "PreviousDay5CostConsumptionDelivered" UINT48 R,
    0x0527 "PreviousDay5CostConsumptionReceived" UINT48 R,
    0x0528 "PreviousDay6CostConsumptionDelivered" UINT48 R,
    0x0529 "PreviousDay6CostConsumptionReceived" UINT48 R,
    0x052a "PreviousDay7CostConsumptionDelivered" UINT48 R,
    0x052b "PreviousDay7CostConsumptionReceived" UINT48 R,
    0x052c "PreviousDay8CostConsumptionDelivered" UINT48 R,
    0x052d "PreviousDay8CostConsumptionReceived" UINT48 R,
    0x0530 "CurrentWeekCostConsumptionDelivered" UINT48 R,
    0x0531 "CurrentWeekCostConsumptionReceived" UINT48 R,
    0x0532 "PreviousWeekCostConsumptionDelivered" UINT48 R,
    0x0533 "PreviousWeekCostConsumptionReceived" UINT48 R,
    0x0534 "PreviousWeek2CostConsumptionDelivered" UINT48 R,
    0x0535 "PreviousWeek2CostConsumptionReceived" UINT48 R,
    0x0536 "PreviousWeek3CostConsumptionDelivered" UINT48 R,
    0x0537 "PreviousWeek3CostConsumptionReceived" UINT48 R,
    0x0538 "PreviousWeek4CostConsumptionDelivered" UINT48 R,
    0x0539 "PreviousWeek4CostConsumptionReceived" UINT48 R,
    0x053a "PreviousWeek5CostConsumptionDelivered" UINT48 R,
    0x053b "PreviousWeek5CostConsumptionReceived" UINT48 R,
    0x0540 "CurrentMonthCostConsumptionDelivered" UINT48 R,
    0x0541 "CurrentMonthCostConsumptionReceived" UINT48 R,
    0x0542 "PreviousMonthCostConsumptionDelivered" UINT48 R,
    0x0543 "PreviousMonthCostConsumptionReceived" UINT48 R,
    0x0544 "PreviousMonth2CostConsumptionDelivered" UINT48 R,
    0x0545 "PreviousMonth2CostConsumptionReceived" UINT48 R,
    0x0546 "PreviousMonth3CostConsumptionDelivered" UINT48 R,
    0x0547 "PreviousMonth3CostConsumptionReceived" UINT48 R,
    0x0548 "PreviousMonth4CostConsumptionDelivered" UINT48 R,
    0x0549 "PreviousMonth4CostConsumptionReceived" UINT48 R,
    0x054a "PreviousMonth5CostConsumptionDelivered" UINT48 R,
    0x054b "PreviousMonth5CostConsumptionReceived" UINT48 R,
    0x054c "PreviousMonth6CostConsumptionDelivered" UINT48 R,
    0x054d "PreviousMonth6CostConsumptionReceived" UINT48 R,
    0x054e "PreviousMonth7CostConsumptionDelivered" UINT48 R,
    0x054f "PreviousMonth7CostConsumptionReceived" UINT48 R,
    0x0550 "PreviousMonth8CostConsumptionDelivered" UINT48 R,
    0x0551 "PreviousMonth8CostConsumptionReceived" UINT48 R,
    0x0552 "PreviousMonth9CostConsumptionDelivered" UINT48 R,
    0x0553 "PreviousMonth9CostConsumptionReceived" UINT48 R,
    0x0554 "PreviousMonth10CostConsumptionDelivered" UINT48 R,
    0x0555 "PreviousMonth10CostConsumptionReceived" UINT48 R,
    0x0556 "PreviousMonth11CostConsumptionDelivered" UINT48 R,
    0x0557 "PreviousMonth11CostConsumptionReceived" UINT48 R,
    0x0558 "PreviousMonth12CostConsumptionDelivered" UINT48 R,
    0x0559 "PreviousMonth12CostConsumptionReceived" UINT48 R,
    0x055a "PreviousMonth13CostConsumptionDelivered" UINT48 R,
    0x055b "PreviousMonth13CostConsumptionReceived" UINT48 R,
    0x055c "HistoricalFreezeTime" UINT16 R,
];

super::typed::se_commands! {
    /// Since SE 1.2.
    0x00 ClientToServer "select_available_emergency_credit" SelectAvailableEmergencyCredit {
        command_issue_date_time: [UTC],
        originating_device: [ENUM8 => OriginatingDevice],
    }
    /// Since SE 1.2.
    0x02 ClientToServer "change_debt" ChangeDebt {
        issuer_event_id: [UINT32],
        debt_label: [OCTET_STRING],
        debt_amount: [INT32],
        debt_recovery_method: [ENUM8 => DebtRecoveryMethod],
        debt_amount_type: [ENUM8 => DebtAmountType],
        debt_recovery_start_time: [UTC],
        debt_recovery_collection_time: [UINT16],
        debt_recovery_frequency: [ENUM8 => DebtRecoveryFrequency],
        debt_recovery_amount: [INT32],
        debt_recovery_balance_percentage: [UINT16],
    }
    /// Since SE 1.2.
    0x03 ClientToServer "emergency_credit_setup" EmergencyCreditSetup {
        issuer_event_id: [UINT32],
        start_time: [UTC],
        emergency_credit_limit: [UINT32],
        emergency_credit_threshold: [UINT32],
    }
    /// Since SE 1.2.
    0x04 ClientToServer "consumer_top_up" ConsumerTopUp {
        originating_device: [ENUM8 => OriginatingDevice],
        top_up_code: [OCTET_STRING],
    }
    /// Since SE 1.2.
    0x05 ClientToServer "credit_adjustment" CreditAdjustment {
        issuer_event_id: [UINT32],
        start_time: [UTC],
        credit_adjustment_type: [ENUM8 => CreditAdjustmentType],
        credit_adjustment_value: [INT32],
    }
    /// Since SE 1.2.
    0x06 ClientToServer "change_payment_mode" ChangePaymentMode {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        implementation_date_time: [UTC],
        proposed_payment_control_configuration: [BITMAP16],
        cut_off_value: [INT32],
    }
    /// Since SE 1.2.
    0x07 ClientToServer "get_prepay_snapshot" GetPrepaySnapshot {
        earliest_start_time: [UTC],
        latest_end_time: [UTC],
        snapshot_offset: [UINT8],
        snapshot_cause: [BITMAP32],
    }
    /// Since SE 1.2.
    0x08 ClientToServer "get_top_up_log" GetTopUpLog {
        latest_end_time: [UTC],
        number_of_records: [UINT8],
    }
    /// Since SE 1.2.
    0x09 ClientToServer "set_low_credit_warning_level" SetLowCreditWarningLevel {
        low_credit_warning_level: [UINT32],
    }
    /// Since SE 1.2.
    0x0a ClientToServer "get_debt_repayment_log" GetDebtRepaymentLog {
        latest_end_time: [UTC],
        number_of_debts: [UINT8],
        debt_type: [ENUM8],
    }
    /// Since SE 1.2.
    0x0b ClientToServer "set_maximum_credit_limit" SetMaximumCreditLimit {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        implementation_date_time: [UTC],
        maximum_credit_level: [UINT32],
        maximum_credit_per_top_up: [UINT32],
    }
    /// Since SE 1.2.
    0x0c ClientToServer "set_overall_debt_cap" SetOverallDebtCap {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        implementation_date_time: [UTC],
        overall_debt_cap: [INT32],
    }
    /// Since SE 1.2.
    0x01 ServerToClient "publish_prepay_snapshot" PublishPrepaySnapshot {
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
    0x02 ServerToClient "change_payment_mode_response" ChangePaymentModeResponse {
        friendly_credit: [BITMAP8],
        friendly_credit_calendar_id: [UINT32],
        emergency_credit_limit: [UINT32],
        emergency_credit_threshold: [UINT32],
    }
    /// Since SE 1.2.
    0x03 ServerToClient "consumer_top_up_response" ConsumerTopUpResponse {
        result_type: [ENUM8 => TopUpResultType],
        top_up_value: [INT32],
        source_of_top_up: [ENUM8],
        credit_remaining: [INT32],
    }
    /// Since SE 1.2.
    0x05 ServerToClient "publish_top_up_log" PublishTopUpLog {
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        top_up_payload: [rest],
    }
    /// Since SE 1.2.
    0x06 ServerToClient "publish_debt_log" PublishDebtLog {
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        debt_payload: [rest],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Prepayment",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::code_enum! {
    /// Originating device of SelectAvailableEmergencyCredit and
    /// ConsumerTopUp (D.7.2.4.1).
    pub enum OriginatingDevice: u8 {
        /// Energy service interface.
        EnergyServiceInterface = 0 => "energy_service_interface",
        /// Meter.
        Meter = 1 => "meter",
        /// In-home display device.
        InHomeDisplay = 2 => "in_home_display_device",
    }
}

crate::macros::code_enum! {
    /// CreditAdjustment type (D.7.2.4.5).
    pub enum CreditAdjustmentType: u8 {
        /// Incremental.
        Incremental = 0 => "credit_incremental",
        /// Absolute.
        Absolute = 1 => "credit_absolute",
    }
}

crate::macros::code_enum! {
    /// ChangeDebt debt amount type (D.7.2.4.3).
    pub enum DebtAmountType: u8 {
        /// Debt 1, absolute.
        Type1Absolute = 0 => "type_1_absolute",
        /// Debt 1, incremental.
        Type1Incremental = 1 => "type_1_incremental",
        /// Debt 2, absolute.
        Type2Absolute = 2 => "type_2_absolute",
        /// Debt 2, incremental.
        Type2Incremental = 3 => "type_2_incremental",
        /// Debt 3, absolute.
        Type3Absolute = 4 => "type_3_absolute",
        /// Debt 3, incremental.
        Type3Incremental = 5 => "type_3_incremental",
    }
}

crate::macros::code_enum! {
    /// ChangeDebt debt recovery method (D.7.2.4.3).
    pub enum DebtRecoveryMethod: u8 {
        /// Time based.
        TimeBased = 0 => "time_based",
        /// Percentage based.
        PercentageBased = 1 => "percentage_based",
        /// Catch-up based.
        CatchUpBased = 2 => "catch_up_based",
    }
}

crate::macros::code_enum! {
    /// ChangeDebt debt recovery frequency (D.7.2.4.3).
    pub enum DebtRecoveryFrequency: u8 {
        /// Per hour.
        PerHour = 0 => "per_hour",
        /// Per day.
        PerDay = 1 => "per_day",
        /// Per week.
        PerWeek = 2 => "per_week",
        /// Per month.
        PerMonth = 3 => "per_month",
        /// Per quarter.
        PerQuarter = 4 => "per_quarter",
    }
}

crate::macros::code_enum! {
    /// ConsumerTopUpResponse result type (D.7.2.5.3).
    pub enum TopUpResultType: u8 {
        /// Accepted.
        Accepted = 0x00 => "accepted",
        /// Rejected: invalid top up.
        RejectedInvalid = 0x01 => "rejected_invalid_top_up",
        /// Rejected: duplicate top up.
        RejectedDuplicate = 0x02 => "rejected_duplicate_top_up",
        /// Rejected: error.
        RejectedError = 0x03 => "rejected_error",
        /// Rejected: maximum credit reached.
        RejectedMaxCredit = 0x04 => "rejected_max_credit_reached",
        /// Rejected: keypad lock.
        RejectedKeypadLock = 0x05 => "rejected_keypad_lock",
        /// Rejected: top up value too large.
        RejectedTooLarge = 0x06 => "rejected_top_up_value_too_large",
        /// Accepted, supply enabled.
        AcceptedSupplyEnabled = 0x10 => "accepted_supply_enabled",
        /// Accepted, supply disabled.
        AcceptedSupplyDisabled = 0x11 => "accepted_supply_disabled",
        /// Accepted, supply armed.
        AcceptedSupplyArmed = 0x12 => "accepted_supply_armed",
    }
}
