//! ZigBee NWK frames (ZigBee specification R22 §3.3): the frame control
//! (frame type including Inter-PAN, protocol version, discover route,
//! multicast, security, source route, destination/source IEEE present, end
//! device initiator), addresses, radius, sequence number, IEEE addresses,
//! multicast control and the source route subframe; the payload as data, a
//! command ([`NwkCommandFrame`]) or, when secured, a [`SecuredPayload`]
//! (auxiliary header parsed, ciphertext and MIC kept).
//!
//! Contract: decoders never panic and name the byte offset of every error;
//! `encode` writes exactly `encoded_len()` bytes or returns
//! [`EncodeError::BufferTooSmall`], and refuses a frame control that
//! disagrees with the fields ([`EncodeError::Inconsistent`]). Hand cursor,
//! no nom.

pub mod address_map;
mod beacon;
pub mod broadcast;
mod build;
mod command;
pub mod commissioning;
pub mod indirect;
pub mod neighbour;
pub mod node;
pub mod routing;

pub use beacon::BeaconPayload;
pub use command::{
    EndDeviceTimeoutStatus, LinkStatusEntry, NetworkInfo, NetworkStatusCode, NwkCommand,
    NwkCommandFrame, PowerDeltaEntry,
};

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::macros::{code_enum, encode_to_vec};
use crate::security::{SecuredLayout, SecuredPayload, SecurityContext};
use crate::types::{ShortAddr, U16List, read_list};
use dual_protocol_primitives::eui64::Eui64;

code_enum! {
    /// NWK frame type, bits 0-1 (ZigBee R22 Table 3-5).
    pub enum NwkFrameType {
        /// Data.
        Data = 0,
        /// NWK command.
        Command = 1,
        /// Inter-PAN (the stub NWK header of SE Annex B / ZLL; see the `stub-aps` crate).
        InterPan = 3,
    }
}

code_enum! {
    /// Discover route, bits 6-7 (ZigBee R22 Table 3-6).
    pub enum DiscoverRoute {
        /// Suppress route discovery.
        Suppress = 0,
        /// Enable route discovery.
        Enable = 1,
    }
}

/// The 16-bit NWK frame control (ZigBee R22 §3.3.1.1, Figure 3-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NwkFrameControl {
    /// Bits 0-1.
    pub frame_type: NwkFrameType,
    /// Bits 2-5 (2 = ZigBee 2006 and later, 3 = Green Power).
    pub protocol_version: u8,
    /// Bits 6-7.
    pub discover_route: DiscoverRoute,
    /// Bit 8: multicast control present.
    pub multicast: bool,
    /// Bit 9: auxiliary header present.
    pub security: bool,
    /// Bit 10: source route subframe present.
    pub source_route: bool,
    /// Bit 11: destination IEEE address present.
    pub dst_ieee: bool,
    /// Bit 12: source IEEE address present.
    pub src_ieee: bool,
    /// Bit 13: end device initiator.
    pub end_device_initiator: bool,
    /// Bits 14-15 (reserved), shifted down.
    pub reserved: u8,
}

impl NwkFrameControl {
    /// From the 16-bit value.
    #[inline]
    #[must_use]
    pub fn from_bits(fc: u16) -> Self {
        NwkFrameControl {
            frame_type: NwkFrameType::from((fc & 3) as u8),
            protocol_version: ((fc >> 2) & 0xf) as u8,
            discover_route: DiscoverRoute::from(((fc >> 6) & 3) as u8),
            multicast: fc & (1 << 8) != 0,
            security: fc & (1 << 9) != 0,
            source_route: fc & (1 << 10) != 0,
            dst_ieee: fc & (1 << 11) != 0,
            src_ieee: fc & (1 << 12) != 0,
            end_device_initiator: fc & (1 << 13) != 0,
            reserved: (fc >> 14) as u8,
        }
    }

    /// The 16-bit value (fields wider than their bits are masked).
    #[must_use]
    pub fn to_bits(&self) -> u16 {
        u16::from(u8::from(self.frame_type) & 3)
            | u16::from(self.protocol_version & 0xf) << 2
            | u16::from(u8::from(self.discover_route) & 3) << 6
            | u16::from(self.multicast) << 8
            | u16::from(self.security) << 9
            | u16::from(self.source_route) << 10
            | u16::from(self.dst_ieee) << 11
            | u16::from(self.src_ieee) << 12
            | u16::from(self.end_device_initiator) << 13
            | u16::from(self.reserved & 3) << 14
    }

    fn fits(&self) -> bool {
        u8::from(self.frame_type) <= 3
            && self.protocol_version <= 0xf
            && u8::from(self.discover_route) <= 3
            && self.reserved <= 3
    }
}

/// The source route subframe (ZigBee R22 §3.3.1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SourceRoute<'a> {
    /// Relay index.
    pub relay_index: u8,
    /// Relay list.
    pub relays: U16List<'a>,
}

/// The NWK header of a data or command frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NwkHeader<'a> {
    /// Frame control.
    pub frame_control: NwkFrameControl,
    /// Destination address.
    pub dst: ShortAddr,
    /// Source address.
    pub src: ShortAddr,
    /// Radius.
    pub radius: u8,
    /// Sequence number.
    pub sequence: u8,
    /// Destination IEEE address (frame control bit 11).
    pub dst_ieee: Option<Eui64>,
    /// Source IEEE address (bit 12).
    pub src_ieee: Option<Eui64>,
    /// Multicast control (bit 8): bits 0-1 mode, 2-4 non-member radius, 5-7 max non-member radius.
    pub multicast_control: Option<u8>,
    /// Source route subframe (bit 10).
    pub source_route: Option<SourceRoute<'a>>,
}

impl<'a> NwkHeader<'a> {
    /// Decodes the header of a data or command frame; returns it and its length.
    ///
    /// # Errors
    /// Truncation; [`DecodeError::NotHandled`] for Inter-PAN and Green Power frames.
    #[inline]
    pub fn decode(bytes: &'a [u8]) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes);
        let h = Self::read(&mut r)?;
        Ok((h, r.offset()))
    }

    #[inline]
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let fc = NwkFrameControl::from_bits(r.u16("NWK frame control")?);
        if fc.frame_type == NwkFrameType::InterPan {
            return Err(DecodeError::NotHandled {
                offset: 0,
                what: "Inter-PAN NWK frame (see NwkPdu)",
            });
        }
        if fc.protocol_version == 3 {
            return Err(DecodeError::NotHandled {
                offset: 0,
                what: "Green Power NWK frame (see NwkPdu)",
            });
        }
        let dst = ShortAddr(r.u16("destination address")?);
        let src = ShortAddr(r.u16("source address")?);
        let radius = r.u8("radius")?;
        let sequence = r.u8("sequence number")?;
        let dst_ieee = if fc.dst_ieee {
            Some(r.eui64("destination IEEE address")?)
        } else {
            None
        };
        let src_ieee = if fc.src_ieee {
            Some(r.eui64("source IEEE address")?)
        } else {
            None
        };
        let multicast_control = if fc.multicast {
            Some(r.u8("multicast control")?)
        } else {
            None
        };
        let source_route = if fc.source_route {
            let n = r.u8("relay count")?;
            let relay_index = r.u8("relay index")?;
            Some(SourceRoute {
                relay_index,
                relays: read_list(r, usize::from(n), "relay list")?,
            })
        } else {
            None
        };
        Ok(NwkHeader {
            frame_control: fc,
            dst,
            src,
            radius,
            sequence,
            dst_ieee,
            src_ieee,
            multicast_control,
            source_route,
        })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        8 + if self.dst_ieee.is_some() { 8 } else { 0 }
            + if self.src_ieee.is_some() { 8 } else { 0 }
            + if self.multicast_control.is_some() {
                1
            } else {
                0
            }
            + match &self.source_route {
                Some(s) => 2 + s.relays.as_bytes().len(),
                None => 0,
            }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let fc = &self.frame_control;
        if !fc.fits() {
            return Err(EncodeError::TooLarge {
                what: "NWK frame control field",
            });
        }
        let inc = |what| Err(EncodeError::Inconsistent { what });
        if fc.dst_ieee != self.dst_ieee.is_some() {
            return inc("destination IEEE bit vs address");
        }
        if fc.src_ieee != self.src_ieee.is_some() {
            return inc("source IEEE bit vs address");
        }
        if fc.multicast != self.multicast_control.is_some() {
            return inc("multicast bit vs multicast control");
        }
        if fc.source_route != self.source_route.is_some() {
            return inc("source route bit vs source route subframe");
        }
        if fc.frame_type == NwkFrameType::InterPan || fc.protocol_version == 3 {
            return inc("Inter-PAN or Green Power frame control in a NWK header");
        }
        w.u16(fc.to_bits())?;
        w.u16(self.dst.0)?;
        w.u16(self.src.0)?;
        w.u8(self.radius)?;
        w.u8(self.sequence)?;
        if let Some(e) = self.dst_ieee {
            w.eui64(e)?;
        }
        if let Some(e) = self.src_ieee {
            w.eui64(e)?;
        }
        if let Some(m) = self.multicast_control {
            w.u8(m)?;
        }
        if let Some(s) = &self.source_route {
            let n = u8::try_from(s.relays.len())
                .map_err(|_| EncodeError::TooLarge { what: "relay list" })?;
            w.u8(n)?;
            w.u8(s.relay_index)?;
            w.bytes(s.relays.as_bytes())?;
        }
        Ok(())
    }

    /// Encodes the header alone.
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = Writer::new(buf, self.encoded_len())?;
        self.write(&mut w)?;
        Ok(w.done())
    }
}

/// The NWK payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum NwkBody<'a> {
    /// Unsecured data frame payload (an APS frame).
    Data(&'a [u8]),
    /// Unsecured command.
    Command(NwkCommandFrame<'a>),
    /// Unsecured payload of the reserved frame type 2.
    Reserved(&'a [u8]),
    /// Secured payload (frame control bit 9), not yet unsecured.
    Secured(SecuredPayload<'a>),
}

/// A NWK data or command frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NwkFrame<'a> {
    /// Header.
    pub header: NwkHeader<'a>,
    /// Payload.
    pub body: NwkBody<'a>,
}

impl<'a> NwkFrame<'a> {
    /// Decodes with nwkSecurityLevel 5 (MIC-32) for secured frames.
    ///
    /// # Errors
    /// See [`DecodeError`].
    #[inline]
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, &SecurityContext::default())
    }

    /// Decodes; `ctx` gives the MIC length of secured frames sent with level 0.
    ///
    /// # Errors
    /// See [`DecodeError`].
    pub fn decode_with(bytes: &'a [u8], ctx: &SecurityContext) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let header = NwkHeader::read(&mut r)?;
        let body = if header.frame_control.security {
            NwkBody::Secured(SecuredPayload::read(&mut r, ctx)?)
        } else {
            match header.frame_control.frame_type {
                NwkFrameType::Data => NwkBody::Data(r.rest()),
                NwkFrameType::Command => {
                    let base = r.offset();
                    NwkBody::Command(
                        NwkCommandFrame::decode(r.rest()).map_err(|e| e.shifted(base))?,
                    )
                }
                _ => NwkBody::Reserved(r.rest()),
            }
        };
        Ok(NwkFrame { header, body })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        self.header.encoded_len()
            + match &self.body {
                NwkBody::Data(p) | NwkBody::Reserved(p) => p.len(),
                NwkBody::Command(c) => c.encoded_len(),
                NwkBody::Secured(s) => s.encoded_len(),
            }
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let fc = &self.header.frame_control;
        let ok = match &self.body {
            NwkBody::Secured(_) => fc.security,
            NwkBody::Data(_) => !fc.security && fc.frame_type == NwkFrameType::Data,
            NwkBody::Command(_) => !fc.security && fc.frame_type == NwkFrameType::Command,
            NwkBody::Reserved(_) => {
                !fc.security && matches!(fc.frame_type, NwkFrameType::Unknown(2))
            }
        };
        if !ok {
            return Err(EncodeError::Inconsistent {
                what: "NWK frame type/security bit vs body",
            });
        }
        let mut w = Writer::new(buf, self.encoded_len())?;
        self.header.write(&mut w)?;
        match &self.body {
            NwkBody::Data(p) | NwkBody::Reserved(p) => w.bytes(p)?,
            NwkBody::Command(c) => c.write(&mut w)?,
            NwkBody::Secured(s) => s.write(&mut w)?,
        }
        Ok(w.done())
    }

    /// For a secured frame, where the a-data, payload and MIC sit in the
    /// buffer this frame was decoded from (for in-place unsecuring).
    #[must_use]
    pub const fn secured_layout(&self) -> Option<SecuredLayout> {
        match &self.body {
            NwkBody::Secured(s) => Some(s.layout(self.header.encoded_len())),
            _ => None,
        }
    }

    /// The unsecured data payload (an APS frame), if any.
    #[must_use]
    pub const fn data_payload(&self) -> Option<&'a [u8]> {
        match self.body {
            NwkBody::Data(p) => Some(p),
            _ => None,
        }
    }
}

encode_to_vec!(NwkFrame<'_>);

/// Anything in the payload of a ZigBee MAC data frame: a NWK data or
/// command frame, an Inter-PAN frame (stub NWK header, decoded further by
/// the `stub-aps` crate) or a Green Power frame (protocol version 3, kept raw).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum NwkPdu<'a> {
    /// Data or command frame.
    Frame(NwkFrame<'a>),
    /// Inter-PAN: the 2-byte stub NWK frame control, then the stub APS frame.
    InterPan {
        /// Frame control (frame type 3).
        frame_control: NwkFrameControl,
        /// The stub APS frame.
        payload: &'a [u8],
    },
    /// Green Power (protocol version 3): not decoded here; the whole frame raw.
    GreenPower(&'a [u8]),
}

impl<'a> NwkPdu<'a> {
    /// Decodes with the default [`SecurityContext`].
    ///
    /// # Errors
    /// See [`DecodeError`].
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, &SecurityContext::default())
    }

    /// Decodes.
    ///
    /// # Errors
    /// See [`DecodeError`].
    pub fn decode_with(bytes: &'a [u8], ctx: &SecurityContext) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let fc = NwkFrameControl::from_bits(r.u16("NWK frame control")?);
        if fc.protocol_version == 3 {
            return Ok(NwkPdu::GreenPower(bytes));
        }
        if fc.frame_type == NwkFrameType::InterPan {
            return Ok(NwkPdu::InterPan {
                frame_control: fc,
                payload: r.rest(),
            });
        }
        NwkFrame::decode_with(bytes, ctx).map(NwkPdu::Frame)
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        match self {
            NwkPdu::Frame(f) => f.encoded_len(),
            NwkPdu::InterPan { payload, .. } => 2 + payload.len(),
            NwkPdu::GreenPower(b) => b.len(),
        }
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        match self {
            NwkPdu::Frame(f) => f.encode(buf),
            NwkPdu::InterPan {
                frame_control,
                payload,
            } => {
                if frame_control.frame_type != NwkFrameType::InterPan || !frame_control.fits() {
                    return Err(EncodeError::Inconsistent {
                        what: "Inter-PAN frame type",
                    });
                }
                let mut w = Writer::new(buf, self.encoded_len())?;
                w.u16(frame_control.to_bits())?;
                w.bytes(payload)?;
                Ok(w.done())
            }
            NwkPdu::GreenPower(b) => {
                let mut w = Writer::new(buf, b.len())?;
                w.bytes(b)?;
                Ok(w.done())
            }
        }
    }
}

encode_to_vec!(NwkPdu<'_>);
