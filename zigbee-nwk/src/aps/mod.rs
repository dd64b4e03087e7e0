//! ZigBee APS frames (ZigBee specification R22 §2.2.5): data, command and
//! acknowledgement frames and the Inter-PAN stub APS header (SE Annex B),
//! all delivery modes (unicast, indirect, broadcast, group), the extended
//! header with fragmentation (first/subsequent block, block number, ack
//! bitfield), and secured payloads kept as [`SecuredPayload`].
//!
//! Contract: decoders never panic and name the byte offset of every error;
//! `encode` writes exactly `encoded_len()` bytes or returns
//! [`EncodeError::BufferTooSmall`], and refuses a frame control that
//! disagrees with the fields ([`EncodeError::Inconsistent`]). Hand cursor,
//! no nom.

pub mod binding;
mod command;
pub mod data_service;
pub mod duplicate;
pub mod fragmentation;
pub mod group;

pub use binding::{Binding, BindingDestination, BindingTable};
pub use command::{
    ApsCommand, ApsCommandFrame, ApsStatus, KeyBytes, KeyDescriptor, KeyType, UpdateDeviceStatus,
};
pub use data_service::{
    ApsConfig, ApsDataService, ApsError, ApsEvent, ApsLinkKeys, ApsSecurity, DataIndication,
    DataRequest, Destination, FailReason, Received, RequestHandle, SendError, Transmit,
};
pub use duplicate::DuplicateTable;
pub use group::{GroupTable, TableFull};

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::macros::{code_enum, encode_to_vec};
use crate::security::{SecuredLayout, SecuredPayload, SecurityContext};

code_enum! {
    /// APS frame type, bits 0-1 (ZigBee R22 Table 2-20).
    pub enum ApsFrameType {
        /// Data.
        Data = 0,
        /// Command.
        Command = 1,
        /// Acknowledgement.
        Ack = 2,
        /// Inter-PAN (stub APS, SE Annex B).
        InterPan = 3,
    }
}

code_enum! {
    /// Delivery mode, bits 2-3 (ZigBee R22 Table 2-21).
    pub enum DeliveryMode {
        /// Normal unicast.
        Unicast = 0,
        /// Indirect (retired in ZigBee 2007).
        Indirect = 1,
        /// Broadcast.
        Broadcast = 2,
        /// Group addressing.
        Group = 3,
    }
}

code_enum! {
    /// Fragmentation, bits 0-1 of the extended frame control (ZigBee R22 Table 2-22).
    pub enum Fragmentation {
        /// Not fragmented.
        NotFragmented = 0,
        /// First block.
        First = 1,
        /// A subsequent block.
        Subsequent = 2,
    }
}

/// The 8-bit APS frame control (ZigBee R22 §2.2.5.1.1, Figure 2-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ApsFrameControl {
    /// Bits 0-1.
    pub frame_type: ApsFrameType,
    /// Bits 2-3.
    pub delivery: DeliveryMode,
    /// Bit 4: acknowledgement format (an ack of a command: no addressing fields).
    pub ack_format: bool,
    /// Bit 5: security.
    pub security: bool,
    /// Bit 6: acknowledgement request.
    pub ack_request: bool,
    /// Bit 7: extended header present.
    pub extended_header: bool,
}

impl ApsFrameControl {
    /// From the byte.
    #[must_use]
    pub fn from_bits(fc: u8) -> Self {
        ApsFrameControl {
            frame_type: ApsFrameType::from(fc & 3),
            delivery: DeliveryMode::from((fc >> 2) & 3),
            ack_format: fc & 0x10 != 0,
            security: fc & 0x20 != 0,
            ack_request: fc & 0x40 != 0,
            extended_header: fc & 0x80 != 0,
        }
    }

    /// The byte.
    #[must_use]
    pub fn to_bits(&self) -> u8 {
        (u8::from(self.frame_type) & 3)
            | (u8::from(self.delivery) & 3) << 2
            | u8::from(self.ack_format) << 4
            | u8::from(self.security) << 5
            | u8::from(self.ack_request) << 6
            | u8::from(self.extended_header) << 7
    }

    /// Which addressing fields the frame control implies (§2.2.5.1.2-2.2.5.1.6):
    /// destination endpoint, group address, cluster and profile, source endpoint, APS counter.
    #[must_use]
    pub fn presence(&self) -> Presence {
        let addressed = match self.frame_type {
            ApsFrameType::Data => true,
            ApsFrameType::Ack => !self.ack_format,
            _ => false,
        };
        let inter_pan = self.frame_type == ApsFrameType::InterPan;
        Presence {
            dst_endpoint: addressed
                && matches!(
                    self.delivery,
                    DeliveryMode::Unicast | DeliveryMode::Broadcast
                ),
            group: (addressed || inter_pan) && self.delivery == DeliveryMode::Group,
            cluster_profile: addressed || inter_pan,
            src_endpoint: addressed,
            counter: !inter_pan,
        }
    }
}

/// The addressing fields a frame control implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // one flag per optional field of the standard
pub struct Presence {
    /// Destination endpoint.
    pub dst_endpoint: bool,
    /// Group address.
    pub group: bool,
    /// Cluster id and profile id.
    pub cluster_profile: bool,
    /// Source endpoint.
    pub src_endpoint: bool,
    /// APS counter.
    pub counter: bool,
}

/// The extended header (ZigBee R22 §2.2.5.1.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ExtendedHeader {
    /// Fragmentation (bits 0-1 of the extended frame control).
    pub fragmentation: Fragmentation,
    /// Reserved bits 2-7, shifted down.
    pub reserved: u8,
    /// Block number (present when fragmented; in a first block, the number of blocks).
    pub block_number: Option<u8>,
    /// Ack bitfield (present in fragmented acknowledgements).
    pub ack_bitfield: Option<u8>,
}

impl ExtendedHeader {
    const fn encoded_len(&self) -> usize {
        1 + if self.block_number.is_some() { 1 } else { 0 }
            + if self.ack_bitfield.is_some() { 1 } else { 0 }
    }
}

/// The APS header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ApsHeader {
    /// Frame control.
    pub frame_control: ApsFrameControl,
    /// Destination endpoint.
    pub dst_endpoint: Option<u8>,
    /// Group address.
    pub group: Option<u16>,
    /// Cluster id.
    pub cluster: Option<u16>,
    /// Profile id.
    pub profile: Option<u16>,
    /// Source endpoint.
    pub src_endpoint: Option<u8>,
    /// APS counter (absent in Inter-PAN frames).
    pub counter: Option<u8>,
    /// Extended header.
    pub extended: Option<ExtendedHeader>,
}

impl ApsHeader {
    /// Decodes the header; returns it and its length.
    ///
    /// # Errors
    /// Truncation.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes);
        let h = Self::read(&mut r)?;
        Ok((h, r.offset()))
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let fc = ApsFrameControl::from_bits(r.u8("APS frame control")?);
        let p = fc.presence();
        let dst_endpoint = if p.dst_endpoint {
            Some(r.u8("destination endpoint")?)
        } else {
            None
        };
        let group = if p.group {
            Some(r.u16("group address")?)
        } else {
            None
        };
        let (cluster, profile) = if p.cluster_profile {
            (Some(r.u16("cluster id")?), Some(r.u16("profile id")?))
        } else {
            (None, None)
        };
        let src_endpoint = if p.src_endpoint {
            Some(r.u8("source endpoint")?)
        } else {
            None
        };
        let counter = if p.counter {
            Some(r.u8("APS counter")?)
        } else {
            None
        };
        let extended = if fc.extended_header {
            let efc = r.u8("extended frame control")?;
            let fragmentation = Fragmentation::from(efc & 3);
            let fragmented = fragmentation != Fragmentation::NotFragmented;
            let block_number = if fragmented {
                Some(r.u8("block number")?)
            } else {
                None
            };
            let ack_bitfield = if fragmented && fc.frame_type == ApsFrameType::Ack {
                Some(r.u8("ack bitfield")?)
            } else {
                None
            };
            Some(ExtendedHeader {
                fragmentation,
                reserved: efc >> 2,
                block_number,
                ack_bitfield,
            })
        } else {
            None
        };
        Ok(ApsHeader {
            frame_control: fc,
            dst_endpoint,
            group,
            cluster,
            profile,
            src_endpoint,
            counter,
            extended,
        })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        1 + if self.dst_endpoint.is_some() { 1 } else { 0 }
            + if self.group.is_some() { 2 } else { 0 }
            + if self.cluster.is_some() { 2 } else { 0 }
            + if self.profile.is_some() { 2 } else { 0 }
            + if self.src_endpoint.is_some() { 1 } else { 0 }
            + if self.counter.is_some() { 1 } else { 0 }
            + match &self.extended {
                Some(e) => e.encoded_len(),
                None => 0,
            }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let fc = &self.frame_control;
        let p = fc.presence();
        let inc = |what| Err(EncodeError::Inconsistent { what });
        if u8::from(fc.frame_type) > 3 || u8::from(fc.delivery) > 3 {
            return Err(EncodeError::TooLarge {
                what: "APS frame control field",
            });
        }
        if p.dst_endpoint != self.dst_endpoint.is_some()
            || p.group != self.group.is_some()
            || p.cluster_profile != self.cluster.is_some()
            || p.cluster_profile != self.profile.is_some()
            || p.src_endpoint != self.src_endpoint.is_some()
            || p.counter != self.counter.is_some()
        {
            return inc("APS frame type/delivery mode vs addressing fields");
        }
        if fc.extended_header != self.extended.is_some() {
            return inc("extended header bit vs extended header");
        }
        w.u8(fc.to_bits())?;
        if let Some(e) = self.dst_endpoint {
            w.u8(e)?;
        }
        if let Some(g) = self.group {
            w.u16(g)?;
        }
        if let (Some(c), Some(p)) = (self.cluster, self.profile) {
            w.u16(c)?;
            w.u16(p)?;
        }
        if let Some(e) = self.src_endpoint {
            w.u8(e)?;
        }
        if let Some(c) = self.counter {
            w.u8(c)?;
        }
        if let Some(e) = &self.extended {
            let fragmented = e.fragmentation != Fragmentation::NotFragmented;
            if u8::from(e.fragmentation) > 3 || e.reserved > 0x3f {
                return Err(EncodeError::TooLarge {
                    what: "extended frame control",
                });
            }
            if e.block_number.is_some() != fragmented
                || e.ack_bitfield.is_some() != (fragmented && fc.frame_type == ApsFrameType::Ack)
            {
                return inc("fragmentation vs block number/ack bitfield");
            }
            w.u8(u8::from(e.fragmentation) | e.reserved << 2)?;
            if let Some(b) = e.block_number {
                w.u8(b)?;
            }
            if let Some(b) = e.ack_bitfield {
                w.u8(b)?;
            }
        }
        Ok(())
    }
}

/// The APS payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ApsBody<'a> {
    /// Unsecured payload of a data, acknowledgement or Inter-PAN frame
    /// (for data frames, a ZDO message with profile 0, else ZCL).
    Payload(&'a [u8]),
    /// Unsecured command.
    Command(ApsCommandFrame<'a>),
    /// Secured payload, not yet unsecured.
    Secured(SecuredPayload<'a>),
}

/// An APS frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ApsFrame<'a> {
    /// Header.
    pub header: ApsHeader,
    /// Payload.
    pub body: ApsBody<'a>,
}

impl<'a> ApsFrame<'a> {
    /// Decodes with nwkSecurityLevel 5 (MIC-32) for secured frames.
    ///
    /// # Errors
    /// See [`DecodeError`].
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, &SecurityContext::default())
    }

    /// Decodes; `ctx` gives the MIC length of secured frames sent with level 0.
    ///
    /// # Errors
    /// See [`DecodeError`].
    pub fn decode_with(bytes: &'a [u8], ctx: &SecurityContext) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let header = ApsHeader::read(&mut r)?;
        let body = if header.frame_control.security {
            ApsBody::Secured(SecuredPayload::read(&mut r, ctx)?)
        } else if header.frame_control.frame_type == ApsFrameType::Command {
            let base = r.offset();
            ApsBody::Command(ApsCommandFrame::decode(r.rest()).map_err(|e| e.shifted(base))?)
        } else {
            ApsBody::Payload(r.rest())
        };
        Ok(ApsFrame { header, body })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        self.header.encoded_len()
            + match &self.body {
                ApsBody::Payload(p) => p.len(),
                ApsBody::Command(c) => c.encoded_len(),
                ApsBody::Secured(s) => s.encoded_len(),
            }
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let fc = &self.header.frame_control;
        let ok = match &self.body {
            ApsBody::Secured(_) => fc.security,
            ApsBody::Command(_) => !fc.security && fc.frame_type == ApsFrameType::Command,
            ApsBody::Payload(_) => !fc.security && fc.frame_type != ApsFrameType::Command,
        };
        if !ok {
            return Err(EncodeError::Inconsistent {
                what: "APS frame type/security bit vs body",
            });
        }
        let mut w = Writer::new(buf, self.encoded_len())?;
        self.header.write(&mut w)?;
        match &self.body {
            ApsBody::Payload(p) => w.bytes(p)?,
            ApsBody::Command(c) => c.write(&mut w)?,
            ApsBody::Secured(s) => s.write(&mut w)?,
        }
        Ok(w.done())
    }

    /// For a secured frame, where the a-data, payload and MIC sit in the
    /// buffer this frame was decoded from (for in-place unsecuring).
    #[must_use]
    pub const fn secured_layout(&self) -> Option<SecuredLayout> {
        match &self.body {
            ApsBody::Secured(s) => Some(s.layout(self.header.encoded_len())),
            _ => None,
        }
    }

    /// Whether the payload is a ZDO message (data frame, profile 0x0000).
    #[must_use]
    pub fn is_zdo(&self) -> bool {
        self.header.frame_control.frame_type == ApsFrameType::Data && self.header.profile == Some(0)
    }
}

encode_to_vec!(ApsFrame<'_>);
