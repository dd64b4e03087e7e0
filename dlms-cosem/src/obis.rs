//! OBIS codes (IEC 62056-6-1): the six-byte logical name `A-B:C.D.E.F`.

use core::fmt;
use core::str::FromStr;

use crate::axdr::{Decode, Encode, Reader, Writer};
use crate::error::{DecodeError, EncodeError};

/// An OBIS code, the logical name of a COSEM object. On the wire it is the
/// six bytes `A B C D E F` (the `instance-id`, or an `octet-string(6)`).
///
/// `Display` prints the display form `1-0:1.8.0.255`; `FromStr` accepts it,
/// the same with `*F` or without `.F` (F = 255), and the dotted
/// `1.0.1.8.0.255` form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Obis(pub [u8; 6]);

impl Obis {
    /// Clock `0-0:1.0.0.255`.
    pub const CLOCK: Self = Self([0, 0, 1, 0, 0, 255]);
    /// Current association (LN) `0-0:40.0.0.255`.
    pub const CURRENT_ASSOCIATION: Self = Self([0, 0, 40, 0, 0, 255]);
    /// Logical device name `0-0:42.0.0.255`.
    pub const LOGICAL_DEVICE_NAME: Self = Self([0, 0, 42, 0, 0, 255]);

    /// From the six groups.
    #[must_use]
    pub const fn new(a: u8, b: u8, c: u8, d: u8, e: u8, f: u8) -> Self {
        Self([a, b, c, d, e, f])
    }

    /// From a six-byte slice; `None` for another length.
    #[must_use]
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        <[u8; 6]>::try_from(b).ok().map(Self)
    }

    /// The six bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 6] {
        &self.0
    }
}

impl fmt::Display for Obis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a}-{b}:{c}.{d}.{e}.{g}")
    }
}

/// Why a string is not an OBIS code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an OBIS code (expected A-B:C.D.E.F or A.B.C.D.E.F, each 0..=255)")]
pub struct ParseObisError;

impl FromStr for Obis {
    type Err = ParseObisError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [255u8; 6];
        let mut n = 0;
        let mut seps = [0u8; 5];
        let mut cur: Option<u16> = None;
        for ch in s.trim().bytes() {
            match ch {
                b'0'..=b'9' => {
                    let v = cur.unwrap_or(0) * 10 + u16::from(ch - b'0');
                    if v > 255 {
                        return Err(ParseObisError);
                    }
                    cur = Some(v);
                }
                b'-' | b':' | b'.' | b'*' | b'&' => {
                    let v = cur.take().ok_or(ParseObisError)?;
                    *out.get_mut(n).ok_or(ParseObisError)? = v as u8;
                    *seps.get_mut(n).ok_or(ParseObisError)? = ch;
                    n += 1;
                }
                _ => return Err(ParseObisError),
            }
        }
        let v = cur.ok_or(ParseObisError)?;
        *out.get_mut(n).ok_or(ParseObisError)? = v as u8;
        n += 1;
        let display = seps.first() == Some(&b'-') && seps.get(1) == Some(&b':');
        let ok = match n {
            6 if display => {
                seps.get(2..4) == Some(b"..") && matches!(seps.get(4), Some(b'.' | b'*' | b'&'))
            }
            6 => seps == *b".....",
            5 => display && seps.get(2..4) == Some(b".."),
            _ => false,
        };
        if ok {
            Ok(Self(out))
        } else {
            Err(ParseObisError)
        }
    }
}

impl<'a> Decode<'a> for Obis {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        r.array().map(Self)
    }
}

impl Encode for Obis {
    fn encoded_len(&self) -> usize {
        6
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_forms() {
        let want = Obis::new(1, 0, 1, 8, 0, 255);
        for s in [
            "1-0:1.8.0.255",
            "1-0:1.8.0*255",
            "1-0:1.8.0",
            "1.0.1.8.0.255",
            " 1-0:1.8.0.255 ",
        ] {
            assert_eq!(s.parse::<Obis>(), Ok(want), "{s}");
        }
        for s in [
            "",
            "1-0:1.8",
            "1-0:1.8.0.256",
            "1-0:1.8.0.255.1",
            "1:0-1.8.0.255",
            "a-0:1.8.0.255",
            "1-0:1..0.255",
        ] {
            assert_eq!(s.parse::<Obis>(), Err(ParseObisError), "{s}");
        }
    }

    #[test]
    fn prints_display_form() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Obis::CLOCK.to_string(), "0-0:1.0.0.255");
    }
}
