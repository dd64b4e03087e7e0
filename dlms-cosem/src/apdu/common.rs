//! Fields shared by the xDLMS services (IEC 62056-5-3, clause 9.5: the
//! `Invoke-Id-And-Priority`, `Long-Invoke-Id-And-Priority`,
//! `Data-Access-Result`, `Action-Result`, `Get-Data-Result` and data-block types).

use crate::axdr::{choice, sequence, u8_enum};
use crate::data::Data;

/// `Invoke-Id-And-Priority` (Unsigned8): invoke id in bits 0-3, bits 4-5
/// reserved (kept), service class in bit 6 (1 = confirmed), priority in
/// bit 7 (1 = high).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct InvokeIdAndPriority(pub u8);

impl InvokeIdAndPriority {
    /// From its fields (`invoke_id` is masked to 4 bits).
    #[must_use]
    pub const fn new(invoke_id: u8, confirmed: bool, high_priority: bool) -> Self {
        Self(
            (invoke_id & 0x0f)
                | if confirmed { 0x40 } else { 0 }
                | if high_priority { 0x80 } else { 0 },
        )
    }
    /// Invoke id 0..=15.
    #[must_use]
    pub const fn invoke_id(self) -> u8 {
        self.0 & 0x0f
    }
    /// Service class: confirmed.
    #[must_use]
    pub const fn confirmed(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Priority: high.
    #[must_use]
    pub const fn high_priority(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// Reserved bits 4-5.
    #[must_use]
    pub const fn reserved(self) -> u8 {
        (self.0 >> 4) & 0x03
    }
}

/// `Long-Invoke-Id-And-Priority` (Unsigned32): invoke id in bits 0-23,
/// bits 24-27 reserved, self-descriptive bit 28, processing option bit 29
/// (1 = break on error), service class bit 30 (1 = confirmed), priority bit 31.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LongInvokeIdAndPriority(pub u32);

impl LongInvokeIdAndPriority {
    /// Invoke id (24 bits).
    #[must_use]
    pub const fn invoke_id(self) -> u32 {
        self.0 & 0x00ff_ffff
    }
    /// Self-descriptive.
    #[must_use]
    pub const fn self_descriptive(self) -> bool {
        self.0 & (1 << 28) != 0
    }
    /// Processing option: break on error.
    #[must_use]
    pub const fn break_on_error(self) -> bool {
        self.0 & (1 << 29) != 0
    }
    /// Service class: confirmed.
    #[must_use]
    pub const fn confirmed(self) -> bool {
        self.0 & (1 << 30) != 0
    }
    /// Priority: high.
    #[must_use]
    pub const fn high_priority(self) -> bool {
        self.0 & (1 << 31) != 0
    }
}

macro_rules! newtype_codec {
    ($t:ident, $inner:ty) => {
        impl<'a> $crate::axdr::Decode<'a> for $t {
            fn read(r: &mut $crate::axdr::Reader<'a>) -> Result<Self, $crate::error::DecodeError> {
                <$inner as $crate::axdr::Decode<'a>>::read(r).map(Self)
            }
        }
        impl $crate::axdr::Encode for $t {
            fn encoded_len(&self) -> usize {
                core::mem::size_of::<$inner>()
            }
            fn write(
                &self,
                w: &mut $crate::axdr::Writer<'_>,
            ) -> Result<(), $crate::error::EncodeError> {
                $crate::axdr::Encode::write(&self.0, w)
            }
        }
    };
}
pub(crate) use newtype_codec;
newtype_codec!(InvokeIdAndPriority, u8);
newtype_codec!(LongInvokeIdAndPriority, u32);

u8_enum! {
    /// `Data-Access-Result`.
    pub enum DataAccessResult {
        /// success (0)
        Success = 0 => "success",
        /// hardware-fault (1)
        HardwareFault = 1 => "hardware_fault",
        /// temporary-failure (2)
        TemporaryFailure = 2 => "temporary_failure",
        /// read-write-denied (3)
        ReadWriteDenied = 3 => "read_write_denied",
        /// object-undefined (4)
        ObjectUndefined = 4 => "object_undefined",
        /// object-class-inconsistent (9)
        ObjectClassInconsistent = 9 => "object_class_inconsistent",
        /// object-unavailable (11)
        ObjectUnavailable = 11 => "object_unavailable",
        /// type-unmatched (12)
        TypeUnmatched = 12 => "type_unmatched",
        /// scope-of-access-violated (13)
        ScopeOfAccessViolated = 13 => "scope_of_access_violated",
        /// data-block-unavailable (14)
        DataBlockUnavailable = 14 => "data_block_unavailable",
        /// long-get-aborted (15)
        LongGetAborted = 15 => "long_get_aborted",
        /// no-long-get-in-progress (16)
        NoLongGetInProgress = 16 => "no_long_get_in_progress",
        /// long-set-aborted (17)
        LongSetAborted = 17 => "long_set_aborted",
        /// no-long-set-in-progress (18)
        NoLongSetInProgress = 18 => "no_long_set_in_progress",
        /// data-block-number-invalid (19)
        DataBlockNumberInvalid = 19 => "data_block_number_invalid",
        /// other-reason (250)
        OtherReason = 250 => "other_reason",
    }
}

u8_enum! {
    /// `Action-Result`.
    pub enum ActionResult {
        /// success (0)
        Success = 0 => "success",
        /// hardware-fault (1)
        HardwareFault = 1 => "hardware_fault",
        /// temporary-failure (2)
        TemporaryFailure = 2 => "temporary_failure",
        /// read-write-denied (3)
        ReadWriteDenied = 3 => "read_write_denied",
        /// object-undefined (4)
        ObjectUndefined = 4 => "object_undefined",
        /// object-class-inconsistent (9)
        ObjectClassInconsistent = 9 => "object_class_inconsistent",
        /// object-unavailable (11)
        ObjectUnavailable = 11 => "object_unavailable",
        /// type-unmatched (12)
        TypeUnmatched = 12 => "type_unmatched",
        /// scope-of-access-violated (13)
        ScopeOfAccessViolated = 13 => "scope_of_access_violated",
        /// data-block-unavailable (14)
        DataBlockUnavailable = 14 => "data_block_unavailable",
        /// long-action-aborted (15)
        LongActionAborted = 15 => "long_action_aborted",
        /// no-long-action-in-progress (16)
        NoLongActionInProgress = 16 => "no_long_action_in_progress",
        /// other-reason (250)
        OtherReason = 250 => "other_reason",
    }
}

choice! {
    /// `Get-Data-Result ::= CHOICE { data [0] Data, data-access-result [1] Data-Access-Result }`.
    pub enum GetDataResult<'a>: "Get-Data-Result" {
        /// The value.
        Data = 0 {
            /// The value.
            data: Data<'a>,
        },
        /// Why there is no value.
        DataAccessResult = 1 {
            /// The error.
            result: DataAccessResult,
        },
    }
}

choice! {
    /// The `result` CHOICE of `DataBlock-G`.
    pub enum DataBlockGResult<'a>: "DataBlock-G result" {
        /// A block of the encoded value.
        RawData = 0 {
            /// The block.
            raw_data: &'a [u8],
        },
        /// Why the transfer stopped.
        DataAccessResult = 1 {
            /// The error.
            result: DataAccessResult,
        },
    }
}

sequence! {
    /// `DataBlock-G` (Get-Response-With-Datablock).
    pub struct DataBlockG<'a> {
        /// Whether this is the last block.
        pub last_block: bool,
        /// Block number (from 1).
        pub block_number: u32,
        /// The block or an error.
        pub result: DataBlockGResult<'a>,
    }
}

sequence! {
    /// `DataBlock-SA` (Set and Action with blocks).
    pub struct DataBlockSa<'a> {
        /// Whether this is the last block.
        pub last_block: bool,
        /// Block number (from 1).
        pub block_number: u32,
        /// A block of the encoded value.
        pub raw_data: &'a [u8],
    }
}
