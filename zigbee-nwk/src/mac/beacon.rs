//! The beacon frame body, IEEE 802.15.4-2015 §7.3.1 (superframe
//! specification, GTS fields, pending address fields, beacon payload).
//! The ZigBee beacon payload is decoded by [`crate::nwk::BeaconPayload`].

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::types::{List, U16List};

/// Superframe specification, §7.3.1.3 (Figure 7-7), kept as its 16 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SuperframeSpec(pub u16);

impl SuperframeSpec {
    /// Beacon order, bits 0-3.
    #[must_use]
    pub const fn beacon_order(self) -> u8 {
        (self.0 & 0xf) as u8
    }
    /// Superframe order, bits 4-7.
    #[must_use]
    pub const fn superframe_order(self) -> u8 {
        ((self.0 >> 4) & 0xf) as u8
    }
    /// Final CAP slot, bits 8-11.
    #[must_use]
    pub const fn final_cap_slot(self) -> u8 {
        ((self.0 >> 8) & 0xf) as u8
    }
    /// Battery life extension, bit 12.
    #[must_use]
    pub const fn battery_life_extension(self) -> bool {
        self.0 & (1 << 12) != 0
    }
    /// PAN coordinator, bit 14.
    #[must_use]
    pub const fn pan_coordinator(self) -> bool {
        self.0 & (1 << 14) != 0
    }
    /// Association permit, bit 15.
    #[must_use]
    pub const fn association_permit(self) -> bool {
        self.0 & (1 << 15) != 0
    }
}

/// A beacon body (2003/2006 beacons; 2015 enhanced beacons carry IEs and are
/// kept as a raw payload by [`crate::mac::MacBody::EnhancedBeacon`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Beacon<'a> {
    /// Superframe specification.
    pub superframe: SuperframeSpec,
    /// GTS permit, bit 7 of the GTS specification.
    pub gts_permit: bool,
    /// Reserved bits 3-6 of the GTS specification (shifted down).
    pub gts_reserved: u8,
    /// GTS directions mask (only on the wire when descriptors are present).
    pub gts_directions: u8,
    /// GTS descriptors, 3 bytes each (short address, starting slot/length).
    pub gts_descriptors: List<'a, 3>,
    /// Reserved bits 3 and 7 of the pending address specification.
    pub pending_reserved: u8,
    /// Pending short addresses.
    pub pending_short: U16List<'a>,
    /// Pending extended addresses.
    pub pending_extended: List<'a, 8>,
    /// The beacon payload (for ZigBee, the beacon payload of ZigBee §3.6.7).
    pub payload: &'a [u8],
}

impl<'a> Beacon<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let superframe = SuperframeSpec(r.u16("superframe specification")?);
        let gts = r.u8("GTS specification")?;
        let count = usize::from(gts & 7);
        let (gts_directions, gts_descriptors) = if count > 0 {
            let d = r.u8("GTS directions")?;
            (d, crate::types::read_list::<3>(r, count, "GTS list")?)
        } else {
            (0, List::empty())
        };
        let pend = r.u8("pending address specification")?;
        let pending_short =
            crate::types::read_list::<2>(r, usize::from(pend & 7), "pending short addresses")?;
        let pending_extended = crate::types::read_list::<8>(
            r,
            usize::from((pend >> 4) & 7),
            "pending extended addresses",
        )?;
        Ok(Beacon {
            superframe,
            gts_permit: gts & 0x80 != 0,
            gts_reserved: (gts >> 3) & 0xf,
            gts_directions,
            gts_descriptors,
            pending_reserved: pend & 0x88,
            pending_short,
            pending_extended,
            payload: r.rest(),
        })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        2 + 1
            + if self.gts_descriptors.is_empty() {
                0
            } else {
                1 + self.gts_descriptors.as_bytes().len()
            }
            + 1
            + self.pending_short.as_bytes().len()
            + self.pending_extended.as_bytes().len()
            + self.payload.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let n = self.gts_descriptors.len();
        if n > 7 || self.gts_reserved > 0xf {
            return Err(EncodeError::TooLarge {
                what: "GTS specification",
            });
        }
        if n == 0 && self.gts_directions != 0 {
            return Err(EncodeError::Inconsistent {
                what: "GTS directions without descriptors",
            });
        }
        let (ns, ne) = (self.pending_short.len(), self.pending_extended.len());
        if ns > 7 || ne > 7 || self.pending_reserved & !0x88 != 0 {
            return Err(EncodeError::TooLarge {
                what: "pending address specification",
            });
        }
        w.u16(self.superframe.0)?;
        w.u8(n as u8 | self.gts_reserved << 3 | u8::from(self.gts_permit) << 7)?;
        if n > 0 {
            w.u8(self.gts_directions)?;
            w.bytes(self.gts_descriptors.as_bytes())?;
        }
        w.u8(ns as u8 | (ne as u8) << 4 | self.pending_reserved)?;
        w.bytes(self.pending_short.as_bytes())?;
        w.bytes(self.pending_extended.as_bytes())?;
        w.bytes(self.payload)
    }
}
