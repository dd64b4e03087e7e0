//! SNRM/UA parameter negotiation (IEC 62056-46, clause 6.4.4.4.3.2, after
//! ISO/IEC 13239): the information field `81 80 <group length>` followed by
//! parameters `05` maximum information field length transmit, `06` receive,
//! `07` window size transmit, `08` receive, each `id, length, big-endian
//! value`. Each value keeps its width so a UA re-encodes byte for byte.

use crate::axdr::{Decode, Encode, Reader, Writer};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// One negotiated value and the number of bytes (1..=4) it was sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Parameter {
    /// The value.
    pub value: u32,
    /// Bytes on the wire.
    pub width: u8,
}

impl Parameter {
    /// A value in the fewest bytes that hold it.
    #[must_use]
    pub const fn new(value: u32) -> Self {
        let width = if value < 0x100 {
            1
        } else if value < 0x1_0000 {
            2
        } else {
            4
        };
        Self { value, width }
    }
}

/// The HDLC parameters of an SNRM or UA. Absent values take the defaults
/// of [`LinkLimits::DEFAULT`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HdlcParameters {
    /// `05`: maximum information field length, transmit.
    pub max_info_transmit: Option<Parameter>,
    /// `06`: maximum information field length, receive.
    pub max_info_receive: Option<Parameter>,
    /// `07`: window size, transmit.
    pub window_transmit: Option<Parameter>,
    /// `08`: window size, receive.
    pub window_receive: Option<Parameter>,
}

/// Effective link limits after negotiation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LinkLimits {
    /// Maximum information field this side transmits.
    pub max_info_transmit: u32,
    /// Maximum information field this side receives.
    pub max_info_receive: u32,
    /// Window size for transmitting.
    pub window_transmit: u32,
    /// Window size for receiving.
    pub window_receive: u32,
}

impl LinkLimits {
    /// The defaults of IEC 62056-46 (128-byte information fields, window 1).
    pub const DEFAULT: Self = Self {
        max_info_transmit: 128,
        max_info_receive: 128,
        window_transmit: 1,
        window_receive: 1,
    };

    /// The same limits seen from the peer (transmit and receive swapped).
    #[must_use]
    pub const fn swapped(self) -> Self {
        Self {
            max_info_transmit: self.max_info_receive,
            max_info_receive: self.max_info_transmit,
            window_transmit: self.window_receive,
            window_receive: self.window_transmit,
        }
    }
}

const IDS: [u8; 4] = [0x05, 0x06, 0x07, 0x08];

impl HdlcParameters {
    /// Parameters stating `limits` as the sender's own.
    #[must_use]
    pub const fn from_limits(l: LinkLimits) -> Self {
        Self {
            max_info_transmit: Some(Parameter::new(l.max_info_transmit)),
            max_info_receive: Some(Parameter::new(l.max_info_receive)),
            window_transmit: Some(Parameter::new(l.window_transmit)),
            window_receive: Some(Parameter::new(l.window_receive)),
        }
    }

    /// The sender's limits, defaults filled in.
    #[must_use]
    pub fn limits(&self) -> LinkLimits {
        let d = LinkLimits::DEFAULT;
        let v = |p: Option<Parameter>, d: u32| p.map_or(d, |p| p.value);
        LinkLimits {
            max_info_transmit: v(self.max_info_transmit, d.max_info_transmit),
            max_info_receive: v(self.max_info_receive, d.max_info_receive),
            window_transmit: v(self.window_transmit, d.window_transmit),
            window_receive: v(self.window_receive, d.window_receive),
        }
    }

    /// The server's answer to a client's SNRM: each value the smaller of
    /// what the client proposes (seen from the server) and what the server
    /// supports, as the UA states them (server's view).
    #[must_use]
    pub fn negotiate(proposed_by_client: &Self, server: LinkLimits) -> LinkLimits {
        let c = proposed_by_client.limits().swapped();
        LinkLimits {
            max_info_transmit: c.max_info_transmit.min(server.max_info_transmit),
            max_info_receive: c.max_info_receive.min(server.max_info_receive),
            window_transmit: c.window_transmit.min(server.window_transmit),
            window_receive: c.window_receive.min(server.window_receive),
        }
    }

    fn slots(&self) -> [Option<Parameter>; 4] {
        [
            self.max_info_transmit,
            self.max_info_receive,
            self.window_transmit,
            self.window_receive,
        ]
    }

    fn group_len(&self) -> usize {
        self.slots()
            .iter()
            .flatten()
            .map(|p| 2 + usize::from(p.width))
            .sum()
    }
}

impl<'a> Decode<'a> for HdlcParameters {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let at = r.offset();
        let [format, group] = r.array::<2>()?;
        if [format, group] != [0x81, 0x80] {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "HDLC parameter format/group identifier (81 80)",
                    value: u32::from(u16::from_be_bytes([format, group])),
                },
            ));
        }
        let group_len = usize::from(r.u8()?);
        let body_at = r.offset();
        let body = r.bytes(group_len)?;
        let mut g = Reader::with_base(body, body_at);
        let mut out = [None; 4];
        let mut next = 0;
        while g.remaining() > 0 {
            let id_at = g.offset();
            let id = g.u8()?;
            let width = g.u8()?;
            let slot = IDS
                .iter()
                .position(|i| *i == id)
                .filter(|p| *p >= next)
                .ok_or(DecodeError::new(
                    id_at,
                    DecodeErrorKind::InvalidValue {
                        what: "HDLC parameter id (05..08, in order, once each)",
                        value: id.into(),
                    },
                ))?;
            if !(1..=4).contains(&width) {
                return Err(DecodeError::new(
                    id_at + 1,
                    DecodeErrorKind::InvalidValue {
                        what: "HDLC parameter length (1..4)",
                        value: width.into(),
                    },
                ));
            }
            let value = g
                .bytes(usize::from(width))?
                .iter()
                .fold(0u32, |a, b| (a << 8) | u32::from(*b));
            if let Some(s) = out.get_mut(slot) {
                *s = Some(Parameter { value, width });
            }
            next = slot + 1;
        }
        let [
            max_info_transmit,
            max_info_receive,
            window_transmit,
            window_receive,
        ] = out;
        Ok(Self {
            max_info_transmit,
            max_info_receive,
            window_transmit,
            window_receive,
        })
    }
}

impl Encode for HdlcParameters {
    fn encoded_len(&self) -> usize {
        3 + self.group_len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let group_len = u8::try_from(self.group_len()).map_err(|_| EncodeError::InvalidValue {
            what: "HDLC parameter group",
        })?;
        w.put(&[0x81, 0x80, group_len])?;
        for (id, p) in IDS.iter().zip(self.slots()) {
            if let Some(p) = p {
                let width = usize::from(p.width);
                if !(1..=4).contains(&width) || (width < 4 && p.value >> (8 * width) != 0) {
                    return Err(EncodeError::InvalidValue {
                        what: "HDLC parameter value (does not fit its width)",
                    });
                }
                w.put(&[*id, p.width])?;
                w.put(p.value.to_be_bytes().get(4 - width..).unwrap_or(&[]))?;
            }
        }
        Ok(())
    }
}
