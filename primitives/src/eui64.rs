//! `Eui64`: the 8-byte identifier of every party (hub, HAN device, head end,
//! other operators).
//!
//! IEEE 802.15.4 extended addresses, DLMS system titles and GBCS entity
//! identifiers are all EUI-64-format identifiers. [`Eui64`] holds the value
//! **most significant byte first, as printed**; each codec converts at its
//! wire boundary: ZigBee sends it little-endian on air
//! ([`Eui64::from_le_bytes`], [`Eui64::to_le_bytes`]), DLMS and GBCS send it
//! big-endian ([`Eui64::from_be_bytes`], [`Eui64::to_be_bytes`]).

use core::fmt;
use core::str::FromStr;

/// An EUI-64-format identifier, most significant byte first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Eui64(pub [u8; 8]);

impl Eui64 {
    /// The all-ones identifier, used by ZigBee as "no address".
    pub const BROADCAST: Eui64 = Eui64([0xff; 8]);

    /// From bytes in printed (big-endian) order.
    #[must_use]
    pub const fn from_be_bytes(bytes: [u8; 8]) -> Self {
        Eui64(bytes)
    }

    /// To bytes in printed (big-endian) order, as DLMS system titles and GBCS carry them.
    #[must_use]
    pub const fn to_be_bytes(self) -> [u8; 8] {
        self.0
    }

    /// From bytes in on-air ZigBee order (least significant byte first).
    #[must_use]
    pub const fn from_le_bytes(bytes: [u8; 8]) -> Self {
        let [a, b, c, d, e, f, g, h] = bytes;
        Eui64([h, g, f, e, d, c, b, a])
    }

    /// To bytes in on-air ZigBee order (least significant byte first).
    #[must_use]
    pub const fn to_le_bytes(self) -> [u8; 8] {
        Eui64::from_le_bytes(self.0).0
    }

    /// The bytes in printed order.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    /// The value as an integer (printed order is big-endian).
    #[must_use]
    pub const fn to_u64(self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    /// From an integer.
    #[must_use]
    pub const fn from_u64(v: u64) -> Self {
        Eui64(v.to_be_bytes())
    }

    /// Reads 8 bytes in printed order from the start of `bytes`, if there are 8.
    #[must_use]
    pub fn from_be_slice(bytes: &[u8]) -> Option<Self> {
        bytes
            .get(..8)
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
            .map(Eui64)
    }

    /// Reads 8 bytes in on-air order from the start of `bytes`, if there are 8.
    #[must_use]
    pub fn from_le_slice(bytes: &[u8]) -> Option<Self> {
        bytes
            .get(..8)
            .and_then(|s| <[u8; 8]>::try_from(s).ok())
            .map(Eui64::from_le_bytes)
    }
}

impl fmt::Display for Eui64 {
    /// `00:11:22:33:44:55:66:77`. The 16-hex-digit form is `{:X}` / `{:x}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Eui64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Eui64({self})")
    }
}

impl fmt::UpperHex for Eui64 {
    /// 16 hex digits, no separators (`0011223344556677` as `{:X}` gives upper case).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02X}"))
    }
}

impl fmt::LowerHex for Eui64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// Why a string is not an EUI-64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ParseEui64Error {
    /// Neither `xx:xx:xx:xx:xx:xx:xx:xx` nor 16 hex digits.
    #[error("expected 8 colon-separated byte pairs or 16 hex digits, got {len} characters")]
    BadLength {
        /// Length of the input in bytes.
        len: usize,
    },
    /// A character that is not a hex digit (or a misplaced separator).
    #[error("invalid character at offset {offset}")]
    BadChar {
        /// Byte offset of the character.
        offset: usize,
    },
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl FromStr for Eui64 {
    type Err = ParseEui64Error;

    /// Accepts `00:11:22:33:44:55:66:77` (also with `-`) and `0011223344556677`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let (stride, sep) = match b.len() {
            16 => (2, false),
            23 => (3, true),
            len => return Err(ParseEui64Error::BadLength { len }),
        };
        let mut out = [0u8; 8];
        for (i, o) in out.iter_mut().enumerate() {
            let at = i * stride;
            if sep && i > 0 {
                match b.get(at - 1) {
                    Some(b':') | Some(b'-') => {}
                    _ => return Err(ParseEui64Error::BadChar { offset: at - 1 }),
                }
            }
            let hi = b
                .get(at)
                .copied()
                .and_then(hex_val)
                .ok_or(ParseEui64Error::BadChar { offset: at })?;
            let lo = b
                .get(at + 1)
                .copied()
                .and_then(hex_val)
                .ok_or(ParseEui64Error::BadChar { offset: at + 1 })?;
            *o = hi << 4 | lo;
        }
        Ok(Eui64(out))
    }
}

impl From<[u8; 8]> for Eui64 {
    fn from(b: [u8; 8]) -> Self {
        Eui64(b)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn display_and_parse() {
        let e = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x0a, 0x90, 0x11, 0x22]);
        assert_eq!(format!("{e}"), "00:0d:6f:00:0a:90:11:22");
        assert_eq!(format!("{e:X}"), "000D6F000A901122");
        assert_eq!("00:0d:6f:00:0a:90:11:22".parse::<Eui64>(), Ok(e));
        assert_eq!("000D6F000A901122".parse::<Eui64>(), Ok(e));
        assert_eq!("00-0D-6F-00-0A-90-11-22".parse::<Eui64>(), Ok(e));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            "0011".parse::<Eui64>(),
            Err(ParseEui64Error::BadLength { len: 4 })
        );
        assert_eq!(
            "00x1223344556677".parse::<Eui64>(),
            Err(ParseEui64Error::BadChar { offset: 2 })
        );
        assert_eq!(
            "00:11;22:33:44:55:66:77".parse::<Eui64>(),
            Err(ParseEui64Error::BadChar { offset: 5 })
        );
    }

    #[test]
    fn on_air_order_is_reversed() {
        let e = Eui64([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(e.to_le_bytes(), [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(Eui64::from_le_bytes([8, 7, 6, 5, 4, 3, 2, 1]), e);
        assert_eq!(Eui64::from_le_slice(&[8, 7, 6, 5, 4, 3, 2, 1, 0]), Some(e));
        assert_eq!(Eui64::from_le_slice(&[8, 7]), None);
        assert_eq!(e.to_u64(), 0x0102030405060708);
    }
}
