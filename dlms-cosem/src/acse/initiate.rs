//! xDLMS `InitiateRequest` and `InitiateResponse` (IEC 62056-5-3, clause
//! 9.5, A-XDR encoded, carried in the ACSE user-information) and the
//! `Conformance` block (clause 9.4.6.1), a BER `[APPLICATION 31] IMPLICIT
//! BIT STRING (SIZE(24))` embedded in the A-XDR.

use core::fmt;

use crate::axdr::{Decode, Encode, Reader, Writer, sequence};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

macro_rules! conformance_bits {
    ($( $(#[$m:meta])* $name:ident = $bit:literal => $text:literal ),* $(,)?) => {
        impl Conformance {
            $( $(#[$m])* pub const $name: Self = Self { unused_bits: 0, bits: 1 << (23 - $bit) }; )*

            /// Every named bit: (bit number as the standard counts it, name, value).
            pub const NAMED: &'static [(u8, &'static str, Conformance)] = &[
                $( ($bit, $text, Self::$name), )*
            ];
        }
    };
}

/// The conformance block: 24 named bits, bit 0 being the most significant
/// bit of the first content byte (clause 9.4.6.1, Table 59 of the Green
/// Book). The unused-bits octet is kept as received (0 in every valid PDU).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Conformance {
    /// The BIT STRING's unused-bits octet (0).
    pub unused_bits: u8,
    /// The 24 bits, bit 0 at `1 << 23`.
    pub bits: u32,
}

conformance_bits! {
    /// reserved-zero (0)
    RESERVED_ZERO = 0 => "reserved_zero",
    /// general-protection (1)
    GENERAL_PROTECTION = 1 => "general_protection",
    /// general-block-transfer (2)
    GENERAL_BLOCK_TRANSFER = 2 => "general_block_transfer",
    /// read (3)
    READ = 3 => "read",
    /// write (4)
    WRITE = 4 => "write",
    /// unconfirmed-write (5)
    UNCONFIRMED_WRITE = 5 => "unconfirmed_write",
    /// delta-value-encoding (6)
    DELTA_VALUE_ENCODING = 6 => "delta_value_encoding",
    /// reserved-seven (7)
    RESERVED_SEVEN = 7 => "reserved_seven",
    /// attribute0-supported-with-set (8)
    ATTRIBUTE0_SUPPORTED_WITH_SET = 8 => "attribute0_supported_with_set",
    /// priority-mgmt-supported (9)
    PRIORITY_MGMT_SUPPORTED = 9 => "priority_mgmt_supported",
    /// attribute0-supported-with-get (10)
    ATTRIBUTE0_SUPPORTED_WITH_GET = 10 => "attribute0_supported_with_get",
    /// block-transfer-with-get-or-read (11)
    BLOCK_TRANSFER_WITH_GET_OR_READ = 11 => "block_transfer_with_get_or_read",
    /// block-transfer-with-set-or-write (12)
    BLOCK_TRANSFER_WITH_SET_OR_WRITE = 12 => "block_transfer_with_set_or_write",
    /// block-transfer-with-action (13)
    BLOCK_TRANSFER_WITH_ACTION = 13 => "block_transfer_with_action",
    /// multiple-references (14)
    MULTIPLE_REFERENCES = 14 => "multiple_references",
    /// information-report (15)
    INFORMATION_REPORT = 15 => "information_report",
    /// data-notification (16)
    DATA_NOTIFICATION = 16 => "data_notification",
    /// access (17)
    ACCESS = 17 => "access",
    /// parameterized-access (18)
    PARAMETERIZED_ACCESS = 18 => "parameterized_access",
    /// get (19)
    GET = 19 => "get",
    /// set (20)
    SET = 20 => "set",
    /// selective-access (21)
    SELECTIVE_ACCESS = 21 => "selective_access",
    /// event-notification (22)
    EVENT_NOTIFICATION = 22 => "event_notification",
    /// action (23)
    ACTION = 23 => "action",
}

impl Conformance {
    /// A block with these 24 bits (bit 0 at `1 << 23`; higher bits dropped).
    #[must_use]
    pub const fn from_bits(bits: u32) -> Self {
        Self {
            unused_bits: 0,
            bits: bits & 0x00ff_ffff,
        }
    }

    /// Whether every bit of `other` is set.
    #[must_use]
    pub const fn contains(self, other: Self) -> bool {
        self.bits & other.bits == other.bits
    }

    /// The union of two blocks.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self {
            unused_bits: self.unused_bits,
            bits: self.bits | other.bits,
        }
    }

    /// The bits both blocks set (what a server grants).
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self {
            unused_bits: self.unused_bits,
            bits: self.bits & other.bits,
        }
    }

    /// The names of the bits set, in bit order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMED
            .iter()
            .filter(move |(_, _, c)| self.contains(*c))
            .map(|(_, n, _)| *n)
    }

    /// The bit named `name` (as [`Self::names`] gives it).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMED
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(_, _, c)| *c)
    }
}

impl fmt::Display for Conformance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for n in self.names() {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            f.write_str(n)?;
        }
        Ok(())
    }
}

impl<'a> Decode<'a> for Conformance {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let at = r.offset();
        let [t0, t1, len, unused_bits, b0, b1, b2] = r.array::<7>()?;
        if [t0, t1] != [0x5f, 0x1f] {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::UnknownTag {
                    what: "Conformance (expected 5F 1F)",
                    tag: if t0 == 0x5f { t1 } else { t0 },
                },
            ));
        }
        if len != 4 {
            return Err(DecodeError::new(
                at + 2,
                DecodeErrorKind::InvalidValue {
                    what: "Conformance length (expected 4)",
                    value: len.into(),
                },
            ));
        }
        Ok(Self {
            unused_bits,
            bits: u32::from_be_bytes([0, b0, b1, b2]),
        })
    }
}

impl Encode for Conformance {
    fn encoded_len(&self) -> usize {
        7
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let [_, b0, b1, b2] = self.bits.to_be_bytes();
        w.put(&[0x5f, 0x1f, 0x04, self.unused_bits, b0, b1, b2])
    }
}

sequence! {
    /// `InitiateRequest` (xDLMS tag 1), the content after the tag. The
    /// `response-allowed` field is `BOOLEAN DEFAULT TRUE`: `None` is the
    /// default (encoded `00`), `Some(v)` an explicit value.
    pub struct InitiateRequest<'a> {
        /// `dedicated-key`, when the client proposes one (sent ciphered only).
        pub dedicated_key: Option<&'a [u8]>,
        /// `response-allowed` (`None`: DEFAULT TRUE).
        pub response_allowed: Option<bool>,
        /// `proposed-quality-of-service`.
        pub proposed_quality_of_service: Option<i8>,
        /// `proposed-dlms-version-number` (6).
        pub proposed_dlms_version_number: u8,
        /// `proposed-conformance`.
        pub proposed_conformance: Conformance,
        /// `client-max-receive-pdu-size` (0: no limit).
        pub client_max_receive_pdu_size: u16,
    }
}

impl InitiateRequest<'_> {
    /// The xDLMS tag.
    pub const TAG: u8 = 1;

    /// `response-allowed` with its default applied.
    #[must_use]
    pub fn response_allowed(&self) -> bool {
        self.response_allowed.unwrap_or(true)
    }
}

sequence! {
    /// `InitiateResponse` (xDLMS tag 8), the content after the tag.
    pub struct InitiateResponse {
        /// `negotiated-quality-of-service`.
        pub negotiated_quality_of_service: Option<i8>,
        /// `negotiated-dlms-version-number` (6).
        pub negotiated_dlms_version_number: u8,
        /// `negotiated-conformance`.
        pub negotiated_conformance: Conformance,
        /// `server-max-receive-pdu-size`.
        pub server_max_receive_pdu_size: u16,
        /// `vaa-name`: 0x0007 for LN referencing, the base name of the
        /// association object for SN (0xFA00).
        pub vaa_name: u16,
    }
}

impl InitiateResponse {
    /// The xDLMS tag.
    pub const TAG: u8 = 8;
}
