//! The ZigBee beacon payload carried in a MAC beacon (ZigBee R22 §3.6.7,
//! Table 3-62).

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::macros::encode_to_vec;
use dual_protocol_primitives::eui64::Eui64;

/// The ZigBee beacon payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BeaconPayload<'a> {
    /// Protocol id (0 for ZigBee).
    pub protocol_id: u8,
    /// Stack profile (bits 0-3 of octet 1; 2 = ZigBee PRO).
    pub stack_profile: u8,
    /// nwkcProtocolVersion (bits 4-7 of octet 1).
    pub protocol_version: u8,
    /// Reserved bits 0-1 of octet 2.
    pub reserved: u8,
    /// Router capacity (bit 2).
    pub router_capacity: bool,
    /// Device depth (bits 3-6).
    pub device_depth: u8,
    /// End device capacity (bit 7).
    pub end_device_capacity: bool,
    /// nwkExtendedPANId.
    pub extended_pan_id: Eui64,
    /// TxOffset (24 bits; 0xffffff in beaconless networks).
    pub tx_offset: u32,
    /// nwkUpdateId (absent in ZigBee 2006 beacons).
    pub update_id: Option<u8>,
    /// Bytes after the payload (R23 beacon appendix TLVs), kept raw.
    pub trailing: &'a [u8],
}

impl<'a> BeaconPayload<'a> {
    /// Decodes the payload of a MAC beacon.
    ///
    /// # Errors
    /// Truncation.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let protocol_id = r.u8("protocol id")?;
        let b1 = r.u8("stack profile")?;
        let b2 = r.u8("beacon capacity flags")?;
        let extended_pan_id = r.eui64("extended PAN id")?;
        let tx_offset = r.u24("tx offset")?;
        let update_id = if r.is_empty() {
            None
        } else {
            Some(r.u8("nwk update id")?)
        };
        Ok(BeaconPayload {
            protocol_id,
            stack_profile: b1 & 0xf,
            protocol_version: b1 >> 4,
            reserved: b2 & 3,
            router_capacity: b2 & 4 != 0,
            device_depth: (b2 >> 3) & 0xf,
            end_device_capacity: b2 & 0x80 != 0,
            extended_pan_id,
            tx_offset,
            update_id,
            trailing: r.rest(),
        })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        14 + if self.update_id.is_some() { 1 } else { 0 } + self.trailing.len()
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`], [`EncodeError::TooLarge`] for a field wider than its bits.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        if self.stack_profile > 0xf
            || self.protocol_version > 0xf
            || self.reserved > 3
            || self.device_depth > 0xf
        {
            return Err(EncodeError::TooLarge {
                what: "beacon payload bit field",
            });
        }
        if self.tx_offset > 0xff_ffff {
            return Err(EncodeError::TooLarge { what: "tx offset" });
        }
        if self.update_id.is_none() && !self.trailing.is_empty() {
            return Err(EncodeError::Inconsistent {
                what: "trailing bytes without nwk update id",
            });
        }
        let mut w = Writer::new(buf, self.encoded_len())?;
        w.u8(self.protocol_id)?;
        w.u8(self.stack_profile | self.protocol_version << 4)?;
        w.u8(self.reserved
            | u8::from(self.router_capacity) << 2
            | self.device_depth << 3
            | u8::from(self.end_device_capacity) << 7)?;
        w.eui64(self.extended_pan_id)?;
        w.u24(self.tx_offset)?;
        if let Some(u) = self.update_id {
            w.u8(u)?;
        }
        w.bytes(self.trailing)?;
        Ok(w.done())
    }
}

encode_to_vec!(BeaconPayload<'_>);
