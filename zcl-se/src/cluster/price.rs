//! Price cluster, 0x0700 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.4;
//! SE 1.1b 07-5356-16 annex D.4 for the older layouts).
//!
//! Revisions. Every command exists since SE 1.1b unless its doc line says
//! otherwise. Fields a later revision appended are optional (`FieldDef::optional`):
//! a frame from an older device that stops before them decodes, and
//! re-encodes byte for byte.
//!
//! * PublishPrice: `provider_id` .. `price` since SE 1.0; `price_ratio` ..
//!   `alternate_cost_trailing_digit` are the SE 1.0/1.1 optional tail;
//!   `number_of_block_thresholds` and `price_control` SE 1.1 (the 1.1b frame
//!   ends there); `number_of_generation_tiers`,
//!   `generation_tier`, `extended_number_of_price_tiers`,
//!   `extended_price_tier`, `extended_register_tier` SE 1.2.
//! * PublishBlockPeriod: SE 1.2+ layout. SE 1.1b sent
//!   `number_of_price_tiers_and_block_thresholds` then `block_period_control`
//!   in the two octets the 1.2 layout names `block_period_control` and
//!   `block_period_duration_type`; such a frame decodes (same length) and
//!   re-encodes byte for byte, under the 1.2 names.
//! * GetBlockPeriods `tariff_type`: SE 1.2.
//! * Commands 0x02..0x0e (server) and 0x04..0x10 (client): SE 1.2, except
//!   PublishCurrencyConversion, GetCurrencyConversion and CancelTariff /
//!   GetTariffCancellation (SE 1.2a).
//! * Sub-payloads (price matrix, block thresholds, tier labels) are kept as
//!   the remaining octets.

use super::metering::UnitOfMeasure;
use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0700;

/// Attributes (D.4.2.2): tier labels, block thresholds, block period,
/// commodity.
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0000 "Tier1PriceLabel" OCTET_STRING RW,
    0x0001 "Tier2PriceLabel" OCTET_STRING RW,
    0x0002 "Tier3PriceLabel" OCTET_STRING RW,
    0x0003 "Tier4PriceLabel" OCTET_STRING RW,
    0x0004 "Tier5PriceLabel" OCTET_STRING RW,
    0x0005 "Tier6PriceLabel" OCTET_STRING RW,
    0x0100 "Block1Threshold" UINT48 R,
    0x0101 "Block2Threshold" UINT48 R,
    0x0102 "Block3Threshold" UINT48 R,
    0x0103 "Block4Threshold" UINT48 R,
    0x0104 "Block5Threshold" UINT48 R,
    0x0105 "Block6Threshold" UINT48 R,
    0x0200 "StartOfBlockPeriod" UTC R,
    0x0201 "BlockPeriodDuration" UINT24 R,
    0x0202 "ThresholdMultiplier" UINT24 R,
    0x0203 "ThresholdDivisor" UINT24 R,
    0x0300 "CommodityType" ENUM8 R,
    0x0301 "StandingCharge" UINT32 R,
    0x0302 "ConversionFactor" UINT32 R,
    0x0303 "ConversionFactorTrailingDigit" BITMAP8 R,
    0x0304 "CalorificValue" UINT32 R,
    0x0305 "CalorificValueUnit" ENUM8 R,
    0x0306 "CalorificValueTrailingDigit" BITMAP8 R,
];

super::typed::se_commands! {
    /// Since SE 1.0.
    0x00 ServerToClient "publish_price" PublishPrice {
        provider_id: [UINT32],
        rate_label: [OCTET_STRING],
        issuer_event_id: [UINT32],
        current_time: [UTC],
        unit_of_measure: [ENUM8 => UnitOfMeasure],
        currency: [UINT16],
        price_trailing_digit_and_price_tier: [BITMAP8 => PriceTrailingDigitAndTier],
        number_of_price_tiers_and_register_tier: [BITMAP8 => PriceTiersAndRegisterTier],
        start_time: [UTC],
        duration_in_minutes: [UINT16],
        price: [UINT32],
        /// Since SE 1.0/1.1 optional tail; `None` when the frame ends before it.
        price_ratio: [opt UINT8],
        /// Since SE 1.0/1.1 optional tail; `None` when the frame ends before it.
        generation_price: [opt UINT32],
        /// Since SE 1.0/1.1 optional tail; `None` when the frame ends before it.
        generation_price_ratio: [opt UINT8],
        /// Since SE 1.0/1.1 optional tail; `None` when the frame ends before it.
        alternate_cost_delivered: [opt UINT32],
        /// Since SE 1.0/1.1 optional tail; `None` when the frame ends before it.
        alternate_cost_unit: [opt ENUM8 => AlternateCostUnit],
        /// Since SE 1.0/1.1 optional tail; `None` when the frame ends before it.
        alternate_cost_trailing_digit: [opt BITMAP8],
        /// Since SE 1.1; `None` when the frame ends before it.
        number_of_block_thresholds: [opt UINT8],
        /// Since SE 1.1 (an SE 1.1b frame ends here); `None` when the frame ends before it.
        price_control: [opt BITMAP8 => PriceControl],
        /// Since SE 1.2; `None` when the frame ends before it.
        number_of_generation_tiers: [opt UINT8],
        /// Since SE 1.2; `None` when the frame ends before it.
        generation_tier: [opt ENUM8],
        /// Since SE 1.2; `None` when the frame ends before it.
        extended_number_of_price_tiers: [opt UINT8],
        /// Since SE 1.2; `None` when the frame ends before it.
        extended_price_tier: [opt UINT8],
        /// Since SE 1.2; `None` when the frame ends before it.
        extended_register_tier: [opt UINT8],
    }
    /// Since SE 1.1.
    0x01 ServerToClient "publish_block_period" PublishBlockPeriod {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        block_period_start_time: [UTC],
        block_period_duration: [UINT24],
        block_period_control: [BITMAP8],
        /// Since SE 1.2; `None` when the frame ends before it.
        block_period_duration_type: [opt BITMAP8],
        /// Since SE 1.2; `None` when the frame ends before it.
        tariff_type: [opt BITMAP8],
        /// Since SE 1.2; `None` when the frame ends before it.
        tariff_resolution_period: [opt ENUM8],
    }
    /// Since SE 1.2.
    0x02 ServerToClient "publish_conversion_factor" PublishConversionFactor {
        issuer_event_id: [UINT32],
        start_time: [UTC],
        conversion_factor: [UINT32],
        conversion_factor_trailing_digit: [BITMAP8],
    }
    /// Since SE 1.2.
    0x03 ServerToClient "publish_calorific_value" PublishCalorificValue {
        issuer_event_id: [UINT32],
        start_time: [UTC],
        calorific_value: [UINT32],
        calorific_value_unit: [ENUM8],
        calorific_value_trailing_digit: [BITMAP8],
    }
    /// Since SE 1.2.
    0x04 ServerToClient "publish_tariff_information" PublishTariffInformation {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        issuer_tariff_id: [UINT32],
        start_time: [UTC],
        tariff_type_charging_scheme: [BITMAP8],
        tariff_label: [OCTET_STRING],
        number_of_price_tiers_in_use: [UINT8],
        number_of_block_thresholds_in_use: [UINT8],
        unit_of_measure: [ENUM8 => UnitOfMeasure],
        currency: [UINT16],
        price_trailing_digit: [BITMAP8],
        standing_charge: [UINT32],
        tier_block_mode: [ENUM8],
        block_threshold_multiplier: [UINT24],
        block_threshold_divisor: [UINT24],
    }
    /// Since SE 1.2.
    0x05 ServerToClient "publish_price_matrix" PublishPriceMatrix {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        start_time: [UTC],
        issuer_tariff_id: [UINT32],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        sub_payload_control: [BITMAP8],
        price_matrix_sub_payload: [rest],
    }
    /// Since SE 1.2.
    0x06 ServerToClient "publish_block_thresholds" PublishBlockThresholds {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        start_time: [UTC],
        issuer_tariff_id: [UINT32],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        sub_payload_control: [BITMAP8],
        block_thresholds_sub_payload: [rest],
    }
    /// Since SE 1.2.
    0x07 ServerToClient "publish_co2_value" PublishCo2Value {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        start_time: [UTC],
        tariff_type: [ENUM8],
        co2_value: [UINT32],
        co2_value_unit: [ENUM8],
        co2_value_trailing_digit: [BITMAP8],
    }
    /// Since SE 1.2.
    0x08 ServerToClient "publish_tier_labels" PublishTierLabels {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        issuer_tariff_id: [UINT32],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        number_of_labels: [UINT8],
        tier_labels: [rest],
    }
    /// Since SE 1.2.
    0x09 ServerToClient "publish_billing_period" PublishBillingPeriod {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        billing_period_start_time: [UTC],
        billing_period_duration: [UINT24],
        billing_period_duration_type: [BITMAP8],
        tariff_type: [ENUM8],
    }
    /// Since SE 1.2.
    0x0a ServerToClient "publish_consolidated_bill" PublishConsolidatedBill {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        billing_period_start_time: [UTC],
        billing_period_duration: [UINT24],
        billing_period_duration_type: [BITMAP8],
        tariff_type: [ENUM8],
        consolidated_bill: [UINT32],
        currency: [UINT16],
        bill_trailing_digit: [BITMAP8],
    }
    /// Since SE 1.2.
    0x0b ServerToClient "publish_cpp_event" PublishCppEvent {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        start_time: [UTC],
        duration_in_minutes: [UINT16],
        tariff_type: [ENUM8],
        cpp_price_tier: [UINT8],
        cpp_auth: [ENUM8],
    }
    /// Since SE 1.2.
    0x0c ServerToClient "publish_credit_payment" PublishCreditPayment {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        credit_payment_due_date: [UTC],
        credit_payment_overdue_amount: [UINT32],
        credit_payment_status: [ENUM8],
        credit_payment: [UINT32],
        credit_payment_date: [UTC],
        credit_payment_ref: [OCTET_STRING],
    }
    /// Since SE 1.2a.
    0x0d ServerToClient "publish_currency_conversion" PublishCurrencyConversion {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        start_time: [UTC],
        old_currency: [UINT16],
        new_currency: [UINT16],
        conversion_factor: [UINT32],
        conversion_factor_trailing_digit: [BITMAP8],
        currency_change_control_flags: [BITMAP32],
    }
    /// Since SE 1.2a.
    0x0e ServerToClient "cancel_tariff" CancelTariff {
        provider_id: [UINT32],
        issuer_tariff_id: [UINT32],
        tariff_type: [BITMAP8],
    }
    /// Since SE 1.0.
    0x00 ClientToServer "get_current_price" GetCurrentPrice {
        command_options: [BITMAP8],
    }
    /// Since SE 1.0.
    0x01 ClientToServer "get_scheduled_prices" GetScheduledPrices {
        start_time: [UTC],
        number_of_events: [UINT8],
    }
    /// Since SE 1.1.
    0x02 ClientToServer "price_acknowledgement" PriceAcknowledgement {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        price_ack_time: [UTC],
        control: [BITMAP8],
    }
    /// Since SE 1.1.
    0x03 ClientToServer "get_block_periods" GetBlockPeriods {
        start_time: [UTC],
        number_of_events: [UINT8],
        /// Since SE 1.2; `None` when the frame ends before it.
        tariff_type: [opt BITMAP8],
    }
    /// Since SE 1.2.
    0x04 ClientToServer "get_conversion_factor" GetConversionFactor {
        earliest_start_time: [UTC],
        min_issuer_event_id: [UINT32],
        number_of_commands: [UINT8],
    }
    /// Since SE 1.2.
    0x05 ClientToServer "get_calorific_value" GetCalorificValue {
        earliest_start_time: [UTC],
        min_issuer_event_id: [UINT32],
        number_of_commands: [UINT8],
    }
    /// Since SE 1.2.
    0x06 ClientToServer "get_tariff_information" GetTariffInformation {
        earliest_start_time: [UTC],
        min_issuer_event_id: [UINT32],
        number_of_commands: [UINT8],
        tariff_type: [BITMAP8],
    }
    /// Since SE 1.2.
    0x07 ClientToServer "get_price_matrix" GetPriceMatrix {
        issuer_tariff_id: [UINT32],
    }
    /// Since SE 1.2.
    0x08 ClientToServer "get_block_thresholds" GetBlockThresholds {
        issuer_tariff_id: [UINT32],
    }
    /// Since SE 1.2.
    0x09 ClientToServer "get_co2_value" GetCo2Value {
        earliest_start_time: [UTC],
        min_issuer_event_id: [UINT32],
        number_of_commands: [UINT8],
        tariff_type: [BITMAP8],
    }
    /// Since SE 1.2.
    0x0a ClientToServer "get_tier_labels" GetTierLabels {
        issuer_tariff_id: [UINT32],
    }
    /// Since SE 1.2.
    0x0b ClientToServer "get_billing_period" GetBillingPeriod {
        earliest_start_time: [UTC],
        min_issuer_event_id: [UINT32],
        number_of_commands: [UINT8],
        tariff_type: [BITMAP8],
    }
    /// Since SE 1.2.
    0x0c ClientToServer "get_consolidated_bill" GetConsolidatedBill {
        earliest_start_time: [UTC],
        min_issuer_event_id: [UINT32],
        number_of_commands: [UINT8],
        tariff_type: [BITMAP8],
    }
    /// Since SE 1.2.
    0x0d ClientToServer "cpp_event_response" CppEventResponse {
        issuer_event_id: [UINT32],
        cpp_auth: [ENUM8],
    }
    /// Since SE 1.2.
    0x0e ClientToServer "get_credit_payment" GetCreditPayment {
        latest_end_time: [UTC],
        number_of_records: [UINT8],
    }
    /// Since SE 1.2a.
    0x0f ClientToServer "get_currency_conversion" GetCurrencyConversion {
    }
    /// Since SE 1.2a.
    0x10 ClientToServer "get_tariff_cancellation" GetTariffCancellation {
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Price",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::code_enum! {
    /// Alternate cost unit of PublishPrice (D.4.2.4.1).
    pub enum AlternateCostUnit: u8 {
        /// kg of CO2 per unit of measure.
        KgCo2PerUnit = 0x02 => "kg_co2_per_unit_of_measure",
    }
}

crate::macros::bitmap! {
    /// PublishPrice "price trailing digit and price tier" (D.4.2.4.1): the
    /// high nibble is the number of digits right of the decimal point in the
    /// price, the low nibble the current price tier (0 = no tier, 1-15 tier
    /// 1-15; 0x0f means "see extended_price_tier" since SE 1.2).
    pub struct PriceTrailingDigitAndTier: u8 {
        /// Trailing digits (high nibble).
        const TRAILING_DIGIT = 0xf0 => "price_trailing_digit";
        /// Price tier (low nibble).
        const PRICE_TIER = 0x0f => "price_tier";
    }
}

impl PriceTrailingDigitAndTier {
    /// Digits right of the decimal point in the price.
    #[must_use]
    pub const fn trailing_digit(self) -> u8 {
        self.0 >> 4
    }

    /// The price tier.
    #[must_use]
    pub const fn price_tier(self) -> u8 {
        self.0 & 0x0f
    }

    /// Builds the octet.
    #[must_use]
    pub const fn new(trailing_digit: u8, price_tier: u8) -> Self {
        PriceTrailingDigitAndTier((trailing_digit << 4) | (price_tier & 0x0f))
    }
}

crate::macros::bitmap! {
    /// PublishPrice "number of price tiers and register tier" (D.4.2.4.1):
    /// high nibble the number of price tiers, low nibble the register tier
    /// (the CurrentTierNSummationDelivered attribute that accumulates).
    pub struct PriceTiersAndRegisterTier: u8 {
        /// Number of price tiers (high nibble).
        const NUMBER_OF_PRICE_TIERS = 0xf0 => "number_of_price_tiers";
        /// Register tier (low nibble).
        const REGISTER_TIER = 0x0f => "register_tier";
    }
}

impl PriceTiersAndRegisterTier {
    /// The number of price tiers.
    #[must_use]
    pub const fn number_of_price_tiers(self) -> u8 {
        self.0 >> 4
    }

    /// The register tier.
    #[must_use]
    pub const fn register_tier(self) -> u8 {
        self.0 & 0x0f
    }

    /// Builds the octet.
    #[must_use]
    pub const fn new(number_of_price_tiers: u8, register_tier: u8) -> Self {
        PriceTiersAndRegisterTier((number_of_price_tiers << 4) | (register_tier & 0x0f))
    }
}

crate::macros::bitmap! {
    /// PublishPrice price control (D.4.2.4.1, SE 1.1).
    pub struct PriceControl: u8 {
        /// The client must send PriceAcknowledgement.
        const PRICE_ACKNOWLEDGEMENT_REQUIRED = 0x01 => "price_acknowledgement_required";
        /// The total number of tiers exceeds 15 (SE 1.2: see the extended
        /// fields).
        const TOTAL_TIERS_EXCEEDS_15 = 0x02 => "total_tiers_exceeds_15";
    }
}
