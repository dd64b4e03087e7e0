//! HDLC addresses (IEC 62056-46, clause 6.4.2): each byte carries seven
//! address bits and, in bit 0, 1 on the last byte. The client address is one
//! byte; the server address is one, two or four bytes holding the upper
//! (logical device) and lower (physical device) HDLC address.

use crate::axdr::{Reader, Writer};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// An HDLC address in one of its three lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum HdlcAddress {
    /// One byte: a client SAP, or a server upper address alone (0..=0x7F).
    One(u8),
    /// Two bytes: upper and lower address, 7 bits each.
    Two {
        /// Upper (logical device) address.
        upper: u8,
        /// Lower (physical device) address.
        lower: u8,
    },
    /// Four bytes: upper and lower address, 14 bits each.
    Four {
        /// Upper (logical device) address.
        upper: u16,
        /// Lower (physical device) address.
        lower: u16,
    },
}

impl HdlcAddress {
    /// The public client SAP (16).
    pub const PUBLIC_CLIENT: Self = Self::One(0x10);

    /// A server address in the shortest form that holds `upper` and `lower`.
    #[must_use]
    pub const fn server(upper: u16, lower: u16) -> Self {
        if upper < 0x80 && lower < 0x80 {
            Self::Two {
                upper: upper as u8,
                lower: lower as u8,
            }
        } else {
            Self::Four { upper, lower }
        }
    }

    /// The upper address.
    #[must_use]
    pub const fn upper(self) -> u16 {
        match self {
            Self::One(u) | Self::Two { upper: u, .. } => u as u16,
            Self::Four { upper, .. } => upper,
        }
    }

    /// The lower address, if the form has one.
    #[must_use]
    pub const fn lower(self) -> Option<u16> {
        match self {
            Self::One(_) => None,
            Self::Two { lower, .. } => Some(lower as u16),
            Self::Four { lower, .. } => Some(lower),
        }
    }

    /// Bytes on the wire (1, 2 or 4).
    #[must_use]
    pub const fn encoded_len(self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Two { .. } => 2,
            Self::Four { .. } => 4,
        }
    }

    /// Reads an address (up to four bytes, ending at a byte with bit 0 set).
    pub fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let at = r.offset();
        let mut b = [0u8; 4];
        let mut n = 0;
        loop {
            let byte = r.u8()?;
            if let Some(slot) = b.get_mut(n) {
                *slot = byte >> 1;
            }
            n += 1;
            if byte & 1 == 1 {
                break;
            }
            if n == 4 {
                return Err(DecodeError::new(
                    at,
                    DecodeErrorKind::InvalidValue {
                        what: "HDLC address (no end bit within 4 bytes)",
                        value: 5,
                    },
                ));
            }
        }
        let [b0, b1, b2, b3] = b;
        match n {
            1 => Ok(Self::One(b0)),
            2 => Ok(Self::Two {
                upper: b0,
                lower: b1,
            }),
            4 => Ok(Self::Four {
                upper: (u16::from(b0) << 7) | u16::from(b1),
                lower: (u16::from(b2) << 7) | u16::from(b3),
            }),
            n => Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "HDLC address length (1, 2 or 4)",
                    value: n as u32,
                },
            )),
        }
    }

    /// Writes the address; fails if a part does not fit its bits.
    pub fn write(self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let bad = EncodeError::InvalidValue {
            what: "HDLC address part (7 bits, or 14 in the 4-byte form)",
        };
        match self {
            Self::One(u) if u < 0x80 => w.u8((u << 1) | 1),
            Self::Two { upper, lower } if upper < 0x80 && lower < 0x80 => {
                w.put(&[upper << 1, (lower << 1) | 1])
            }
            Self::Four { upper, lower } if upper < 0x4000 && lower < 0x4000 => w.put(&[
                ((upper >> 7) as u8) << 1,
                ((upper & 0x7f) as u8) << 1,
                ((lower >> 7) as u8) << 1,
                (((lower & 0x7f) as u8) << 1) | 1,
            ]),
            _ => Err(bad),
        }
    }
}
