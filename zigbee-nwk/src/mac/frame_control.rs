//! The MAC frame control field, IEEE 802.15.4-2015 §7.2.2 (Figure 7-2), and
//! the PAN identifier presence rules of each frame version.

use crate::macros::code_enum;

code_enum! {
    /// Frame type, bits 0-2 (IEEE 802.15.4-2015 Table 7-1).
    pub enum FrameType {
        /// Beacon.
        Beacon = 0,
        /// Data.
        Data = 1,
        /// Acknowledgment.
        Ack = 2,
        /// MAC command.
        Command = 3,
        /// Reserved (0b100).
        Reserved = 4,
        /// Multipurpose (2015): its short frame control is not decoded here.
        Multipurpose = 5,
        /// Fragment / Frak (2015).
        Fragment = 6,
        /// Extended (2015).
        Extended = 7,
    }
}

code_enum! {
    /// Frame version, bits 12-13 (IEEE 802.15.4-2015 §7.2.2.10).
    pub enum FrameVersion {
        /// IEEE 802.15.4-2003.
        Ieee2003 = 0,
        /// IEEE 802.15.4-2006.
        Ieee2006 = 1,
        /// IEEE 802.15.4-2015 (and 2011e).
        Ieee2015 = 2,
    }
}

/// Addressing mode, bits 10-11 and 14-15 (IEEE 802.15.4-2015 Table 7-3).
/// The reserved value 0b01 is rejected when decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AddressingMode {
    /// No address (and, in most cases, no PAN id) present.
    None,
    /// A 16-bit short address.
    Short,
    /// A 64-bit extended address.
    Extended,
}

impl AddressingMode {
    const fn bits(self) -> u16 {
        match self {
            AddressingMode::None => 0,
            AddressingMode::Short => 2,
            AddressingMode::Extended => 3,
        }
    }

    /// Address field length.
    #[allow(clippy::len_without_is_empty)] // `is_none` is the emptiness test
    #[must_use]
    pub const fn len(self) -> usize {
        match self {
            AddressingMode::None => 0,
            AddressingMode::Short => 2,
            AddressingMode::Extended => 8,
        }
    }

    /// Whether no address is present.
    #[must_use]
    pub const fn is_none(self) -> bool {
        matches!(self, AddressingMode::None)
    }
}

/// The decoded 16-bit MAC frame control. Every bit is kept, including the
/// reserved bit 7, so re-encoding is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FrameControl {
    /// Bits 0-2.
    pub frame_type: FrameType,
    /// Bit 3: an auxiliary security header follows the addressing fields.
    pub security_enabled: bool,
    /// Bit 4.
    pub frame_pending: bool,
    /// Bit 5.
    pub ack_request: bool,
    /// Bit 6.
    pub pan_id_compression: bool,
    /// Bit 7 (reserved).
    pub reserved: bool,
    /// Bit 8: sequence number suppression (2015; honoured for every version).
    pub sequence_number_suppression: bool,
    /// Bit 9: information elements present (2015; honoured for every version).
    pub ie_present: bool,
    /// Bits 10-11.
    pub dst_mode: AddressingMode,
    /// Bits 12-13.
    pub version: FrameVersion,
    /// Bits 14-15.
    pub src_mode: AddressingMode,
}

impl FrameControl {
    /// Decodes the two frame-control bytes (already read as little-endian).
    ///
    /// # Errors
    /// [`crate::DecodeError::ReservedAddressingMode`] for mode 0b01.
    pub fn from_bits(fc: u16) -> Result<Self, crate::DecodeError> {
        let mode = |v: u16, which| match v & 3 {
            0 => Ok(AddressingMode::None),
            2 => Ok(AddressingMode::Short),
            3 => Ok(AddressingMode::Extended),
            m => Err(crate::DecodeError::ReservedAddressingMode {
                offset: 0,
                which,
                mode: m as u8,
            }),
        };
        Ok(FrameControl {
            frame_type: FrameType::from((fc & 7) as u8),
            security_enabled: fc & (1 << 3) != 0,
            frame_pending: fc & (1 << 4) != 0,
            ack_request: fc & (1 << 5) != 0,
            pan_id_compression: fc & (1 << 6) != 0,
            reserved: fc & (1 << 7) != 0,
            sequence_number_suppression: fc & (1 << 8) != 0,
            ie_present: fc & (1 << 9) != 0,
            dst_mode: mode(fc >> 10, "destination")?,
            version: FrameVersion::from(((fc >> 12) & 3) as u8),
            src_mode: mode(fc >> 14, "source")?,
        })
    }

    /// The 16-bit value.
    #[must_use]
    pub fn to_bits(&self) -> u16 {
        u16::from(u8::from(self.frame_type) & 7)
            | u16::from(self.security_enabled) << 3
            | u16::from(self.frame_pending) << 4
            | u16::from(self.ack_request) << 5
            | u16::from(self.pan_id_compression) << 6
            | u16::from(self.reserved) << 7
            | u16::from(self.sequence_number_suppression) << 8
            | u16::from(self.ie_present) << 9
            | self.dst_mode.bits() << 10
            | u16::from(u8::from(self.version) & 3) << 12
            | self.src_mode.bits() << 14
    }

    /// Which PAN identifiers are present: `(destination, source)`.
    ///
    /// 2003/2006 (IEEE 802.15.4-2006 §7.2.1.1.5): the destination PAN id is
    /// present with a destination address; the source PAN id is present with
    /// a source address unless PAN id compression is set and a destination
    /// address is present too.
    ///
    /// 2015 (IEEE 802.15.4-2015 Table 7-2): the table keyed by both modes and
    /// the compression bit.
    #[must_use]
    pub const fn pan_id_presence(&self) -> (bool, bool) {
        use AddressingMode::{Extended as E, None as N};
        let comp = self.pan_id_compression;
        match self.version {
            FrameVersion::Ieee2015 => match (self.dst_mode, self.src_mode, comp) {
                (N, N, c) => (c, false),
                (_, N, c) => (!c, false),
                (N, _, c) => (false, !c),
                (E, E, c) => (!c, false),
                (_, _, false) => (true, true),
                (_, _, true) => (true, false),
            },
            _ => {
                let dst = !self.dst_mode.is_none();
                let src = !(self.src_mode.is_none() || comp && dst);
                (dst, src)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip() {
        for fc in [
            0x8861u16, 0x8841, 0xc823, 0xcc63, 0x8000, 0x0801, 0xc801, 0xcc21,
        ] {
            assert_eq!(FrameControl::from_bits(fc).map(|f| f.to_bits()), Ok(fc));
        }
    }

    #[test]
    fn reserved_mode_rejected() {
        assert!(matches!(
            FrameControl::from_bits(0x0400 | 0x0001),
            Err(crate::DecodeError::ReservedAddressingMode {
                which: "destination",
                mode: 1,
                ..
            })
        ));
    }
}
