//! IEEE 802.15.4 MAC frames (2003, 2006 and 2015 frame versions), IEEE
//! 802.15.4-2015 §7.2: frame control, sequence number (with 2015
//! suppression), addressing fields under each version's PAN id compression
//! rules, the auxiliary security header (kept, content left as borrowed
//! bytes), header and payload IEs (parsed generically), and the bodies of
//! beacon, data, acknowledgment and command frames. The FCS
//! (CRC-16/KERMIT, little-endian) is checked and appended when the caller
//! says it is present ([`MacContext::fcs`]).
//!
//! Contract: [`MacFrame::decode`] never panics; every error names the byte
//! offset. [`MacFrame::encode`] writes exactly [`MacFrame::encoded_len`]
//! bytes (plus 2 with an FCS) or returns [`EncodeError::BufferTooSmall`];
//! it refuses a frame whose frame control disagrees with its fields
//! ([`EncodeError::Inconsistent`]). For every frame `b` this crate decodes,
//! `encode(decode(b)) == b`. Hand cursor, no nom.

mod beacon;
mod command;
mod frame_control;
mod ie;
mod security;

pub use beacon::{Beacon, SuperframeSpec};
pub use command::{AssociationStatus, CapabilityInformation, DisassociationReason, MacCommand};
pub use frame_control::{AddressingMode, FrameControl, FrameType, FrameVersion};
pub use ie::{HeaderIe, HeaderIes, PayloadIe, PayloadIes};
pub use security::{MacAuxHeader, MacKeyIdentifier};

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::fcs::crc16_kermit;
use crate::macros::encode_to_vec;
use crate::types::{PanId, ShortAddr};
use core::fmt;
use dual_protocol_primitives::eui64::Eui64;

/// A MAC address: short or extended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MacAddress {
    /// A 16-bit short address.
    Short(ShortAddr),
    /// A 64-bit extended address.
    Extended(Eui64),
}

impl MacAddress {
    /// The addressing mode of this address.
    #[must_use]
    pub const fn mode(&self) -> AddressingMode {
        match self {
            MacAddress::Short(_) => AddressingMode::Short,
            MacAddress::Extended(_) => AddressingMode::Extended,
        }
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MacAddress::Short(s) => write!(f, "{s}"),
            MacAddress::Extended(e) => write!(f, "{e}"),
        }
    }
}

/// What the caller knows about the frame boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MacContext {
    /// The frame ends with its 2-byte FCS: decode checks and strips it,
    /// encode appends it.
    pub fcs: bool,
}

/// The frame body, by frame type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum MacBody<'a> {
    /// Beacon (2003/2006 frame versions).
    Beacon(Beacon<'a>),
    /// Enhanced beacon (2015 frame version): its content is in the IEs and this payload.
    EnhancedBeacon(&'a [u8]),
    /// Data frame payload (for ZigBee, an NWK frame).
    Data(&'a [u8]),
    /// Acknowledgment payload (empty except for 2015 enhanced acks).
    Ack(&'a [u8]),
    /// MAC command.
    Command(MacCommand<'a>),
    /// The secured content of a frame with MAC security (payload IEs and
    /// payload, encrypted or not depending on the level) and its MIC.
    Secured {
        /// Content between the header IEs and the MIC.
        private: &'a [u8],
        /// The MIC (length from the security level).
        mic: &'a [u8],
    },
}

/// An IEEE 802.15.4 MAC frame (without its FCS, see [`MacContext`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MacFrame<'a> {
    /// Frame control.
    pub frame_control: FrameControl,
    /// Sequence number; `None` when suppressed.
    pub sequence: Option<u8>,
    /// Destination PAN id (presence follows [`FrameControl::pan_id_presence`]).
    pub dst_pan: Option<PanId>,
    /// Destination address.
    pub dst: Option<MacAddress>,
    /// Source PAN id.
    pub src_pan: Option<PanId>,
    /// Source address.
    pub src: Option<MacAddress>,
    /// Auxiliary security header.
    pub security: Option<MacAuxHeader>,
    /// Header IEs (empty unless the IE-present bit is set).
    pub header_ies: HeaderIes<'a>,
    /// Payload IEs (empty unless the header IEs end with Header Termination 1).
    pub payload_ies: PayloadIes<'a>,
    /// The body.
    pub body: MacBody<'a>,
}

fn read_addr(
    r: &mut Reader<'_>,
    mode: AddressingMode,
    what: &'static str,
) -> Result<Option<MacAddress>, DecodeError> {
    Ok(match mode {
        AddressingMode::None => None,
        AddressingMode::Short => Some(MacAddress::Short(ShortAddr(r.u16(what)?))),
        AddressingMode::Extended => Some(MacAddress::Extended(r.eui64(what)?)),
    })
}

fn write_addr(w: &mut Writer<'_>, a: Option<MacAddress>) -> Result<(), EncodeError> {
    match a {
        None => Ok(()),
        Some(MacAddress::Short(s)) => w.u16(s.0),
        Some(MacAddress::Extended(e)) => w.eui64(e),
    }
}

impl<'a> MacFrame<'a> {
    /// Decodes a frame without FCS.
    ///
    /// # Errors
    /// See [`DecodeError`]; reserved addressing modes and frame types 4-7
    /// (multipurpose, fragment, extended, reserved) are rejected.
    #[inline]
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, &MacContext::default())
    }

    /// Decodes a frame; with `ctx.fcs` the last two bytes are the FCS,
    /// which is checked.
    ///
    /// # Errors
    /// See [`DecodeError`], including [`DecodeError::FcsMismatch`].
    pub fn decode_with(bytes: &'a [u8], ctx: &MacContext) -> Result<Self, DecodeError> {
        let frame = if ctx.fcs {
            let n = bytes
                .len()
                .checked_sub(2)
                .ok_or_else(|| DecodeError::Truncated {
                    offset: 0,
                    what: "FCS",
                    needed: 2usize.saturating_sub(bytes.len()),
                })?;
            let (frame, fcs) = bytes.split_at(n);
            let received = u16::from_le_bytes([
                fcs.first().copied().unwrap_or(0),
                fcs.get(1).copied().unwrap_or(0),
            ]);
            let computed = crc16_kermit(frame);
            if received != computed {
                return Err(DecodeError::FcsMismatch {
                    offset: n,
                    received,
                    computed,
                });
            }
            frame
        } else {
            bytes
        };
        Self::read(frame)
    }

    fn read(frame: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(frame);
        let fc = FrameControl::from_bits(r.u16("frame control")?)?;
        if matches!(u8::from(fc.frame_type), 4..=7) {
            return Err(DecodeError::NotHandled {
                offset: 0,
                what: "IEEE 802.15.4 frame type 4-7 (reserved, multipurpose, fragment, extended)",
            });
        }
        let sequence = if fc.sequence_number_suppression {
            None
        } else {
            Some(r.u8("sequence number")?)
        };
        let (dp, sp) = fc.pan_id_presence();
        let dst_pan = if dp {
            Some(PanId(r.u16("destination PAN id")?))
        } else {
            None
        };
        let dst = read_addr(&mut r, fc.dst_mode, "destination address")?;
        let src_pan = if sp {
            Some(PanId(r.u16("source PAN id")?))
        } else {
            None
        };
        let src = read_addr(&mut r, fc.src_mode, "source address")?;
        let security = if fc.security_enabled {
            Some(MacAuxHeader::read(&mut r)?)
        } else {
            None
        };
        let mic_len = security.map_or(0, |s| s.mic_len());
        let limit = match frame.len().checked_sub(mic_len) {
            Some(l) if l >= r.offset() => l,
            _ => {
                return Err(DecodeError::Truncated {
                    offset: r.offset(),
                    what: "MIC",
                    needed: mic_len.saturating_sub(r.remaining()),
                });
            }
        };
        let (header_ies, more) = if fc.ie_present {
            ie::read_header_ies(&mut r, frame, limit)?
        } else {
            (HeaderIes::default(), false)
        };
        let mut payload_ies = PayloadIes::default();
        let body = if security.is_some() {
            let private = frame.get(r.offset()..limit).unwrap_or(&[]);
            let mic = frame.get(limit..).unwrap_or(&[]);
            MacBody::Secured { private, mic }
        } else {
            if more {
                payload_ies = ie::read_payload_ies(&mut r, frame, limit)?;
            }
            match fc.frame_type {
                FrameType::Beacon if fc.version == FrameVersion::Ieee2015 => {
                    MacBody::EnhancedBeacon(r.rest())
                }
                FrameType::Beacon => MacBody::Beacon(Beacon::read(&mut r)?),
                FrameType::Data => MacBody::Data(r.rest()),
                FrameType::Ack => MacBody::Ack(r.rest()),
                _ => {
                    let base = r.offset();
                    let rest = r.rest();
                    MacBody::Command(MacCommand::decode(rest).map_err(|e| e.shifted(base))?)
                }
            }
        };
        Ok(MacFrame {
            frame_control: fc,
            sequence,
            dst_pan,
            dst,
            src_pan,
            src,
            security,
            header_ies,
            payload_ies,
            body,
        })
    }

    /// The MAC header length (frame control to the end of the header IEs),
    /// i.e. the offset of the payload IEs or body.
    #[must_use]
    pub fn header_len(&self) -> usize {
        2 + usize::from(self.sequence.is_some())
            + self.dst_pan.map_or(0, |_| 2)
            + self.frame_control.dst_mode.len()
            + self.src_pan.map_or(0, |_| 2)
            + self.frame_control.src_mode.len()
            + self.security.map_or(0, |s| s.encoded_len())
            + self.header_ies.0.len()
    }

    /// Encoded length without FCS.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.header_len()
            + self.payload_ies.0.len()
            + match &self.body {
                MacBody::Beacon(b) => b.encoded_len(),
                MacBody::EnhancedBeacon(p) | MacBody::Data(p) | MacBody::Ack(p) => p.len(),
                MacBody::Command(c) => c.encoded_len(),
                MacBody::Secured { private, mic } => private.len() + mic.len(),
            }
    }

    fn check(&self) -> Result<(), EncodeError> {
        let fc = &self.frame_control;
        let inc = |what| Err(EncodeError::Inconsistent { what });
        if fc.security_enabled != self.security.is_some() {
            return inc("security enabled bit vs auxiliary security header");
        }
        if fc.sequence_number_suppression != self.sequence.is_none() {
            return inc("sequence number suppression bit vs sequence number");
        }
        if fc.pan_id_presence() != (self.dst_pan.is_some(), self.src_pan.is_some()) {
            return inc("PAN id compression rules vs PAN ids present");
        }
        if fc.dst_mode != self.dst.map_or(AddressingMode::None, |a| a.mode()) {
            return inc("destination addressing mode vs destination address");
        }
        if fc.src_mode != self.src.map_or(AddressingMode::None, |a| a.mode()) {
            return inc("source addressing mode vs source address");
        }
        if !(fc.ie_present || self.header_ies.0.is_empty() && self.payload_ies.0.is_empty()) {
            return inc("IE present bit vs information elements");
        }
        let body_ok = match (&self.body, fc.frame_type) {
            (MacBody::Secured { .. }, _) => self.security.is_some(),
            (_, _) if self.security.is_some() => false,
            (MacBody::Beacon(_), FrameType::Beacon) => fc.version != FrameVersion::Ieee2015,
            (MacBody::EnhancedBeacon(_), FrameType::Beacon) => fc.version == FrameVersion::Ieee2015,
            (MacBody::Data(_), FrameType::Data)
            | (MacBody::Ack(_), FrameType::Ack)
            | (MacBody::Command(_), FrameType::Command) => true,
            _ => false,
        };
        if !body_ok {
            return inc("frame type vs body");
        }
        Ok(())
    }

    /// Encodes without FCS.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`], [`EncodeError::Inconsistent`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_with(buf, &MacContext::default())
    }

    /// Encodes, appending the FCS when `ctx.fcs`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`], [`EncodeError::Inconsistent`].
    pub fn encode_with(&self, buf: &mut [u8], ctx: &MacContext) -> Result<usize, EncodeError> {
        self.check()?;
        let len = self.encoded_len();
        let total = len + if ctx.fcs { 2 } else { 0 };
        let mut w = Writer::new(buf, total)?;
        w.u16(self.frame_control.to_bits())?;
        if let Some(s) = self.sequence {
            w.u8(s)?;
        }
        if let Some(p) = self.dst_pan {
            w.u16(p.0)?;
        }
        write_addr(&mut w, self.dst)?;
        if let Some(p) = self.src_pan {
            w.u16(p.0)?;
        }
        write_addr(&mut w, self.src)?;
        if let Some(s) = &self.security {
            s.write(&mut w)?;
        }
        w.bytes(self.header_ies.0)?;
        w.bytes(self.payload_ies.0)?;
        match &self.body {
            MacBody::Beacon(b) => b.write(&mut w)?,
            MacBody::EnhancedBeacon(p) | MacBody::Data(p) | MacBody::Ack(p) => w.bytes(p)?,
            MacBody::Command(c) => c.write(&mut w)?,
            MacBody::Secured { private, mic } => {
                w.bytes(private)?;
                w.bytes(mic)?;
            }
        }
        let n = w.done();
        if ctx.fcs {
            let crc = crc16_kermit(buf.get(..n).unwrap_or(&[]));
            let dst = buf
                .get_mut(n..n + 2)
                .ok_or(EncodeError::BufferTooSmall { needed: total })?;
            dst.copy_from_slice(&crc.to_le_bytes());
            return Ok(n + 2);
        }
        Ok(n)
    }

    /// The data payload (an NWK frame for ZigBee), if this is an unsecured data frame.
    #[must_use]
    pub const fn data_payload(&self) -> Option<&'a [u8]> {
        match self.body {
            MacBody::Data(p) => Some(p),
            _ => None,
        }
    }
}

#[cfg(feature = "alloc")]
impl MacFrame<'_> {
    /// Encodes into a new `Vec`, with the FCS when `ctx.fcs` (feature `alloc`).
    ///
    /// # Errors
    /// [`EncodeError::Inconsistent`].
    pub fn encode_to_vec_with(&self, ctx: &MacContext) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len() + 2];
        let n = self.encode_with(&mut v, ctx)?;
        v.truncate(n);
        Ok(v)
    }
}

encode_to_vec!(MacFrame<'_>);
