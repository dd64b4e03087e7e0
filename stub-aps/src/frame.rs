//! The Inter-PAN frame: an IEEE 802.15.4 MAC data frame with Inter-PAN
//! addressing, the stub NWK frame control and the stub APS header (ZigBee
//! Smart Energy 1.1b Annex B.3 and B.4; ZigBee R22 §2.2.5 for the APS
//! frame control bits), followed by the ZCL frame kept as bytes.
//!
//! ```text
//!  MAC header (17 or 23 octets)          stub NWK   stub APS (5 or 7)           payload
//!  FC(2) seq(1) dPAN(2) dst(2|8)          FC(2)      FC(1) [group(2)]            ZCL frame, or, with the
//!        sPAN(2) src(8, extended)         0x000b     cluster(2) profile(2)       security bit, a secured
//!                                                                                payload (see `published`
//!                                                                                and `secure`)
//! ```
//!
//! Rules enforced when decoding: a MAC data frame without MAC security or
//! IEs, with a sequence number, an extended source address, both PAN ids
//! present (no PAN id compression), and a destination that is either the
//! broadcast short address 0xffff or an extended address; a stub NWK frame
//! control with frame type 0b11; a stub APS frame control with frame type
//! 0b11. Every other bit is kept so `encode(decode(b)) == b`.
//!
//! The MAC header is decoded and encoded by `zigbee-nwk`'s MAC codec; the
//! stub headers with this crate's hand cursor (no nom).

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::fcs::crc16_kermit;
use dual_protocol_zigbee_nwk::mac::{
    AddressingMode, FrameControl, FrameType, FrameVersion, HeaderIes, MacAddress, MacBody,
    MacContext, MacFrame, PayloadIes,
};
use dual_protocol_zigbee_nwk::types::{PanId, ShortAddr};

/// The largest IEEE 802.15.4 PHY payload (aMaxPhyPacketSize), FCS included.
pub const MAX_PHY_PAYLOAD: usize = 127;

/// The Smart Energy profile id (0x0109).
pub const PROFILE_SMART_ENERGY: u16 = 0x0109;

/// The Key Establishment cluster (0x0800), the one cluster SE 1.4a sends
/// unsecured over Enhanced Inter-PAN.
pub const CLUSTER_KEY_ESTABLISHMENT: u16 = 0x0800;

/// Where an Inter-PAN frame goes (SE 1.1b Annex B.4: broadcast to 0xffff
/// or unicast to an extended address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Destination {
    /// Short destination 0xffff.
    Broadcast,
    /// An extended destination address.
    Extended(Eui64),
}

/// The MAC part of an Inter-PAN frame (IEEE 802.15.4-2015 §7.2, SE 1.1b
/// Annex B.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InterPanMac {
    /// The MAC frame control, kept whole (version, ack request, frame
    /// pending and the reserved bit survive a round trip).
    pub frame_control: FrameControl,
    /// The MAC sequence number.
    pub sequence: u8,
    /// Destination PAN id (0xffff or the target PAN).
    pub dst_pan: PanId,
    /// Destination.
    pub dst: Destination,
    /// Source PAN id (the sender's own PAN).
    pub src_pan: PanId,
    /// Source extended address.
    pub src: Eui64,
}

impl InterPanMac {
    /// The usual header: frame control 0xc801 for a broadcast, 0xcc21
    /// (extended destination, acknowledgment requested) for a unicast, as
    /// the Ember Inter-PAN plugin sends them.
    #[must_use]
    pub fn new(sequence: u8, dst_pan: PanId, dst: Destination, src_pan: PanId, src: Eui64) -> Self {
        let unicast = matches!(dst, Destination::Extended(_));
        let frame_control = FrameControl {
            frame_type: FrameType::Data,
            security_enabled: false,
            frame_pending: false,
            ack_request: unicast,
            pan_id_compression: false,
            reserved: false,
            sequence_number_suppression: false,
            ie_present: false,
            dst_mode: if unicast {
                AddressingMode::Extended
            } else {
                AddressingMode::Short
            },
            version: FrameVersion::Ieee2003,
            src_mode: AddressingMode::Extended,
        };
        InterPanMac {
            frame_control,
            sequence,
            dst_pan,
            dst,
            src_pan,
            src,
        }
    }

    /// Header length: 17 (broadcast) or 23 (unicast).
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        match self.dst {
            Destination::Broadcast => 17,
            Destination::Extended(_) => 23,
        }
    }

    fn mac_frame(&self) -> MacFrame<'static> {
        MacFrame {
            frame_control: self.frame_control,
            sequence: Some(self.sequence),
            dst_pan: Some(self.dst_pan),
            dst: Some(match self.dst {
                Destination::Broadcast => MacAddress::Short(ShortAddr::BROADCAST),
                Destination::Extended(e) => MacAddress::Extended(e),
            }),
            src_pan: Some(self.src_pan),
            src: Some(MacAddress::Extended(self.src)),
            security: None,
            header_ies: HeaderIes::default(),
            payload_ies: PayloadIes::default(),
            body: MacBody::Data(&[]),
        }
    }

    fn from_mac(m: &MacFrame<'_>) -> Result<Self, DecodeError> {
        let fc = m.frame_control;
        let not = |what, value| {
            Err(DecodeError::NotInterPan {
                offset: 0,
                what,
                value,
            })
        };
        if fc.frame_type != FrameType::Data {
            return not("MAC frame type", u32::from(u8::from(fc.frame_type)));
        }
        if fc.security_enabled || fc.ie_present {
            return not(
                "MAC frame control (security or IEs)",
                u32::from(fc.to_bits()),
            );
        }
        let (Some(sequence), Some(dst_pan), Some(dst), Some(src_pan), Some(src)) =
            (m.sequence, m.dst_pan, m.dst, m.src_pan, m.src)
        else {
            return not("MAC addressing fields", u32::from(fc.to_bits()));
        };
        let MacAddress::Extended(src) = src else {
            return not("MAC source addressing mode", u32::from(fc.to_bits()));
        };
        let dst = match dst {
            MacAddress::Short(ShortAddr::BROADCAST) => Destination::Broadcast,
            MacAddress::Extended(e) => Destination::Extended(e),
            MacAddress::Short(s) => {
                return Err(DecodeError::NotInterPan {
                    offset: 5,
                    what: "short destination (only 0xffff)",
                    value: u32::from(s.0),
                });
            }
        };
        Ok(InterPanMac {
            frame_control: fc,
            sequence,
            dst_pan,
            dst,
            src_pan,
            src,
        })
    }
}

/// The stub NWK frame control (SE 1.1b Annex B.3: frame type 0b11
/// "Inter-PAN", protocol version; every other bit kept as sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StubNwkFrameControl {
    /// Protocol version, bits 2-5 (2 for ZigBee 2007 and PRO).
    pub protocol_version: u8,
    /// Bits 6-15, shifted down (0 in every Inter-PAN frame seen).
    pub other: u16,
}

impl StubNwkFrameControl {
    /// The only value seen on air: 0x000b (Inter-PAN, protocol version 2).
    pub const INTER_PAN: Self = StubNwkFrameControl {
        protocol_version: 2,
        other: 0,
    };

    /// Decodes the two octets (little-endian already applied).
    ///
    /// # Errors
    /// [`DecodeError::NotInterPan`] when the frame type is not 0b11.
    pub const fn from_bits(v: u16, offset: usize) -> Result<Self, DecodeError> {
        if v & 3 != 3 {
            return Err(DecodeError::NotInterPan {
                offset,
                what: "stub NWK frame type",
                value: (v & 3) as u32,
            });
        }
        Ok(StubNwkFrameControl {
            protocol_version: ((v >> 2) & 0xf) as u8,
            other: v >> 6,
        })
    }

    /// The 16-bit value.
    #[must_use]
    pub const fn to_bits(&self) -> u16 {
        3 | ((self.protocol_version as u16 & 0xf) << 2) | (self.other << 6)
    }
}

/// APS delivery mode, frame control bits 2-3 (ZigBee R22 Table 2-21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DeliveryMode {
    /// 0b00: unicast.
    Unicast,
    /// 0b01: reserved (indirect in ZigBee 2006), kept.
    Reserved,
    /// 0b10: broadcast.
    Broadcast,
    /// 0b11: group addressing; a group address follows the frame control.
    Group,
}

impl DeliveryMode {
    const fn from_bits(v: u8) -> Self {
        match v & 3 {
            0 => DeliveryMode::Unicast,
            1 => DeliveryMode::Reserved,
            2 => DeliveryMode::Broadcast,
            _ => DeliveryMode::Group,
        }
    }

    const fn bits(self) -> u8 {
        match self {
            DeliveryMode::Unicast => 0,
            DeliveryMode::Reserved => 1,
            DeliveryMode::Broadcast => 2,
            DeliveryMode::Group => 3,
        }
    }
}

/// The stub APS frame control (ZigBee R22 §2.2.5.1.1 with frame type 0b11,
/// SE 1.1b Annex B.3). All eight bits are represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StubApsFrameControl {
    /// Bits 2-3.
    pub delivery: DeliveryMode,
    /// Bit 4 (ack format; 0 in Inter-PAN).
    pub ack_format: bool,
    /// Bit 5: the payload is secured (Ember Inter-PAN security, SE 1.4a
    /// Enhanced Inter-PAN, or this crate's extension).
    pub security: bool,
    /// Bit 6: acknowledgment request (SE 1.4a Enhanced Inter-PAN only).
    pub ack_request: bool,
    /// Bit 7: extended header present (SE 1.4a fragmentation; not
    /// decoded further, the bytes stay in the payload).
    pub extended_header: bool,
}

impl StubApsFrameControl {
    /// A frame control with only the delivery mode set.
    #[must_use]
    pub const fn new(delivery: DeliveryMode) -> Self {
        StubApsFrameControl {
            delivery,
            ack_format: false,
            security: false,
            ack_request: false,
            extended_header: false,
        }
    }

    /// Decodes the octet.
    ///
    /// # Errors
    /// [`DecodeError::NotInterPan`] when the frame type is not 0b11.
    pub const fn from_bits(v: u8, offset: usize) -> Result<Self, DecodeError> {
        if v & 3 != 3 {
            return Err(DecodeError::NotInterPan {
                offset,
                what: "stub APS frame type",
                value: (v & 3) as u32,
            });
        }
        Ok(StubApsFrameControl {
            delivery: DeliveryMode::from_bits(v >> 2),
            ack_format: v & 0x10 != 0,
            security: v & 0x20 != 0,
            ack_request: v & 0x40 != 0,
            extended_header: v & 0x80 != 0,
        })
    }

    /// The octet.
    #[must_use]
    pub const fn to_bits(&self) -> u8 {
        3 | self.delivery.bits() << 2
            | (self.ack_format as u8) << 4
            | (self.security as u8) << 5
            | (self.ack_request as u8) << 6
            | (self.extended_header as u8) << 7
    }
}

/// The stub APS header (SE 1.1b Annex B.3): frame control, the group
/// address for group delivery, cluster id, profile id. No endpoints, no
/// APS counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StubApsHeader {
    /// Frame control.
    pub frame_control: StubApsFrameControl,
    /// Group address: present exactly when the delivery mode is group.
    pub group: Option<u16>,
    /// Cluster id.
    pub cluster: u16,
    /// Profile id (0x0109 for Smart Energy).
    pub profile: u16,
}

impl StubApsHeader {
    /// Header length: 5, or 7 with a group address.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        if self.group.is_some() { 7 } else { 5 }
    }

    /// Decodes a stub APS header from the start of `bytes` (an APS frame
    /// alone, as in psila's tests); returns it and its length.
    ///
    /// # Errors
    /// [`DecodeError`].
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes, 0);
        let h = Self::read(&mut r)?;
        Ok((h, r.offset()))
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = Writer::new(buf, 0, self.encoded_len())?;
        self.write(&mut w)?;
        Ok(w.done())
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let off = r.offset();
        let frame_control = StubApsFrameControl::from_bits(r.u8("stub APS frame control")?, off)?;
        let group = if frame_control.delivery == DeliveryMode::Group {
            Some(r.u16("group address")?)
        } else {
            None
        };
        Ok(StubApsHeader {
            frame_control,
            group,
            cluster: r.u16("cluster id")?,
            profile: r.u16("profile id")?,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if (self.frame_control.delivery == DeliveryMode::Group) != self.group.is_some() {
            return Err(EncodeError::Inconsistent {
                what: "group delivery mode vs group address",
            });
        }
        w.u8(self.frame_control.to_bits())?;
        if let Some(g) = self.group {
            w.u16(g)?;
        }
        w.u16(self.cluster)?;
        w.u16(self.profile)
    }
}

/// A decoded Inter-PAN frame (without FCS). The payload is the ZCL frame
/// when the APS security bit is clear, else the secured payload (auxiliary
/// header, ciphertext, MIC) as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct InterPanFrame<'a> {
    /// MAC header.
    pub mac: InterPanMac,
    /// Stub NWK frame control.
    pub nwk: StubNwkFrameControl,
    /// Stub APS header.
    pub aps: StubApsHeader,
    /// The payload.
    pub payload: &'a [u8],
}

/// Offsets of the parts of an encoded Inter-PAN frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Start of the stub NWK frame control (= MAC header length).
    pub nwk: usize,
    /// Start of the stub APS header.
    pub aps: usize,
    /// Start of the payload.
    pub payload: usize,
    /// End of the frame (without FCS).
    pub end: usize,
}

impl<'a> InterPanFrame<'a> {
    /// A frame with the usual MAC header ([`InterPanMac::new`]), stub NWK
    /// 0x000b, and a stub APS header for `delivery` (group address given
    /// for group delivery).
    #[must_use]
    pub fn new(mac: InterPanMac, aps: StubApsHeader, payload: &'a [u8]) -> Self {
        InterPanFrame {
            mac,
            nwk: StubNwkFrameControl::INTER_PAN,
            aps,
            payload,
        }
    }

    /// Decodes a frame without FCS.
    ///
    /// # Errors
    /// See [`DecodeError`].
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_with(bytes, &MacContext::default())
    }

    /// Decodes a frame; with `ctx.fcs` the last two bytes are the FCS, checked.
    ///
    /// # Errors
    /// See [`DecodeError`].
    pub fn decode_with(bytes: &'a [u8], ctx: &MacContext) -> Result<Self, DecodeError> {
        let m = MacFrame::decode_with(bytes, ctx)?;
        let mac = InterPanMac::from_mac(&m)?;
        let Some(body) = m.data_payload() else {
            return Err(DecodeError::NotInterPan {
                offset: 0,
                what: "MAC body",
                value: 0,
            });
        };
        let base = m.header_len();
        let mut r = Reader::new(body, base);
        let off = r.offset();
        let nwk = StubNwkFrameControl::from_bits(r.u16("stub NWK frame control")?, off)?;
        let aps = StubApsHeader::read(&mut r)?;
        let payload = r.rest();
        Ok(InterPanFrame {
            mac,
            nwk,
            aps,
            payload,
        })
    }

    /// Where the parts sit in the encoded frame.
    #[must_use]
    pub const fn layout(&self) -> Layout {
        let nwk = self.mac.encoded_len();
        let aps = nwk + 2;
        let payload = aps + self.aps.encoded_len();
        Layout {
            nwk,
            aps,
            payload,
            end: payload + self.payload.len(),
        }
    }

    /// Encoded length without FCS.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        self.layout().end
    }

    /// Encodes without FCS.
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_with(buf, &MacContext::default())
    }

    /// Encodes, appending the FCS when `ctx.fcs`. The frame must fit the
    /// 127-byte PHY payload with its FCS ([`EncodeError::TooLong`]).
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode_with(&self, buf: &mut [u8], ctx: &MacContext) -> Result<usize, EncodeError> {
        let end = self.encoded_len();
        if end + 2 > MAX_PHY_PAYLOAD {
            return Err(EncodeError::TooLong { len: end + 2 });
        }
        let total = end + if ctx.fcs { 2 } else { 0 };
        if buf.len() < total {
            return Err(EncodeError::BufferTooSmall { needed: total });
        }
        let hdr = self.mac.mac_frame().encode(buf)?;
        if hdr != self.mac.encoded_len() {
            return Err(EncodeError::Inconsistent {
                what: "MAC frame control vs Inter-PAN addressing",
            });
        }
        let mut w = Writer::new(buf, hdr, total)?;
        w.u16(self.nwk.to_bits())?;
        self.aps.write(&mut w)?;
        w.bytes(self.payload)?;
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

    /// Encodes into a new `Vec` (feature `alloc`).
    ///
    /// # Errors
    /// [`EncodeError`].
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec_with(&self, ctx: &MacContext) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len() + 2];
        let n = self.encode_with(&mut v, ctx)?;
        v.truncate(n);
        Ok(v)
    }
}

/// Appends (or rewrites) the FCS after `len` bytes of `buf`; returns `len + 2`.
///
/// # Errors
/// [`EncodeError::BufferTooSmall`].
pub fn append_fcs(buf: &mut [u8], len: usize) -> Result<usize, EncodeError> {
    let crc = crc16_kermit(
        buf.get(..len)
            .ok_or(EncodeError::BufferTooSmall { needed: len })?,
    );
    buf.get_mut(len..len + 2)
        .ok_or(EncodeError::BufferTooSmall { needed: len + 2 })?
        .copy_from_slice(&crc.to_le_bytes());
    Ok(len + 2)
}
