//! HDLC frame format type 3 (IEC 62056-46, clause 6.4):
//!
//! ```text
//! 7E | format (2) | dest addr (1,2,4) | src addr (1,2,4) | control | [HCS (2) | information] | FCS (2) | 7E
//! format = 1010 S LLL LLLLLLLL   (type 3, segmentation bit S, 11-bit frame length)
//! ```
//!
//! The length counts the bytes between the flags. A frame without an
//! information field has no HCS (its FCS covers the header). There is no
//! byte stuffing: the length field delimits the frame.

use super::address::HdlcAddress;
use super::control::Control;
use super::fcs::fcs16;
use crate::axdr::{Decode, Encode, Reader, Writer};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// The opening and closing flag.
pub const FLAG: u8 = 0x7e;

/// Longest frame (between the flags) the 11-bit length field allows.
pub const MAX_FRAME_LEN: usize = 0x7ff;

/// One HDLC frame with its information field borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HdlcFrame<'a> {
    /// The segmentation bit: more segments of the same APDU follow.
    pub segmented: bool,
    /// Destination address.
    pub destination: HdlcAddress,
    /// Source address.
    pub source: HdlcAddress,
    /// Control field.
    pub control: Control,
    /// Information field (with its LLC header where the link uses one).
    pub information: &'a [u8],
}

impl HdlcFrame<'_> {
    /// Bytes between the flags.
    #[must_use]
    pub fn frame_len(&self) -> usize {
        let header = 2 + self.destination.encoded_len() + self.source.encoded_len() + 1;
        if self.information.is_empty() {
            header + 2
        } else {
            header + 2 + self.information.len() + 2
        }
    }
}

fn check(
    what: &'static str,
    at: usize,
    computed: u16,
    received: [u8; 2],
) -> Result<(), DecodeError> {
    let received = u16::from_le_bytes(received);
    if computed == received {
        Ok(())
    } else {
        Err(DecodeError::new(
            at,
            DecodeErrorKind::Checksum {
                what,
                computed,
                received,
            },
        ))
    }
}

impl<'a> HdlcFrame<'a> {
    /// Decodes the bytes between the flags (format field to FCS); offsets
    /// in errors count from `base`.
    pub fn decode_unflagged(body: &'a [u8], base: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::with_base(body, base);
        let at = r.offset();
        let format = r.u16()?;
        if format >> 12 != 0xa {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "HDLC frame format type (3, 0xA)",
                    value: u32::from(format >> 12),
                },
            ));
        }
        let length = usize::from(format & 0x7ff);
        if length != body.len() {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "HDLC frame length (bytes between the flags)",
                    value: length as u32,
                },
            ));
        }
        let destination = HdlcAddress::read(&mut r)?;
        let source = HdlcAddress::read(&mut r)?;
        let control = Control::from_u8(r.u8()?);
        let header_end = r.position();
        let rest = r.remaining();
        let information = match rest {
            2 => &[][..],
            0 | 1 => {
                return Err(r.error(DecodeErrorKind::Truncated { needed: 2 - rest }));
            }
            3 | 4 => {
                return Err(r.error(DecodeErrorKind::InvalidValue {
                    what: "HDLC HCS without an information field",
                    value: rest as u32,
                }));
            }
            _ => {
                let hcs_at = r.offset();
                let hcs = r.array::<2>()?;
                check(
                    "HCS",
                    hcs_at,
                    fcs16(body.get(..header_end).unwrap_or(&[])),
                    hcs,
                )?;
                r.bytes(rest - 4)?
            }
        };
        let fcs_at = r.offset();
        let fcs_end = body.len() - 2;
        let fcs = r.array::<2>()?;
        check(
            "FCS",
            fcs_at,
            fcs16(body.get(..fcs_end).unwrap_or(&[])),
            fcs,
        )?;
        Ok(Self {
            segmented: format & 0x0800 != 0,
            destination,
            source,
            control,
            information,
        })
    }
}

impl<'a> Decode<'a> for HdlcFrame<'a> {
    /// Reads a flagged frame: `7E`, the frame its length field announces, `7E`.
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let at = r.offset();
        let flag = r.u8()?;
        if flag != FLAG {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "HDLC opening flag",
                    value: flag.into(),
                },
            ));
        }
        let base = r.offset();
        let mut peek = r.clone();
        let length = usize::from(peek.u16()? & 0x7ff);
        if r.remaining() < length + 1 {
            return Err(DecodeError::new(
                base,
                DecodeErrorKind::LengthBeyondFrame {
                    length,
                    available: r.remaining().saturating_sub(1),
                },
            ));
        }
        let body = r.bytes(length)?;
        let frame = Self::decode_unflagged(body, base)?;
        let at = r.offset();
        let flag = r.u8()?;
        if flag != FLAG {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "HDLC closing flag",
                    value: flag.into(),
                },
            ));
        }
        Ok(frame)
    }
}

impl Encode for HdlcFrame<'_> {
    /// With both flags.
    fn encoded_len(&self) -> usize {
        self.frame_len() + 2
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let length = self.frame_len();
        if length > MAX_FRAME_LEN {
            return Err(EncodeError::InvalidValue {
                what: "HDLC frame (over 2047 bytes)",
            });
        }
        w.u8(FLAG)?;
        let start = w.written();
        let format = 0xa000 | if self.segmented { 0x0800 } else { 0 } | length as u16;
        w.put(&format.to_be_bytes())?;
        self.destination.write(w)?;
        self.source.write(w)?;
        w.u8(self.control.to_u8())?;
        if !self.information.is_empty() {
            let hcs = fcs16(w.written_since(start));
            w.put(&hcs.to_le_bytes())?;
            w.put(self.information)?;
        }
        let fcs = fcs16(w.written_since(start));
        w.put(&fcs.to_le_bytes())?;
        w.u8(FLAG)
    }
}
