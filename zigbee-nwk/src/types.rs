//! Identifier newtypes shared by the MAC, NWK, APS and ZDO layers, and the
//! borrowed list views used wherever a frame carries a counted list.

use core::fmt;

/// A 16-bit short (network) address, IEEE 802.15.4-2015 §7.2.2.5 / ZigBee §3.3.1.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ShortAddr(pub u16);

impl ShortAddr {
    /// The MAC broadcast address 0xffff.
    pub const BROADCAST: ShortAddr = ShortAddr(0xffff);
    /// NWK broadcast to all routers and the coordinator (0xfffc).
    pub const ROUTERS: ShortAddr = ShortAddr(0xfffc);
    /// NWK broadcast to all devices with receivers on when idle (0xfffd).
    pub const RX_ON_WHEN_IDLE: ShortAddr = ShortAddr(0xfffd);
}

impl fmt::Debug for ShortAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#06x}", self.0)
    }
}

impl fmt::Display for ShortAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#06x}", self.0)
    }
}

/// A 16-bit PAN identifier, IEEE 802.15.4-2015 §7.2.2.4.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PanId(pub u16);

impl PanId {
    /// The broadcast PAN identifier 0xffff.
    pub const BROADCAST: PanId = PanId(0xffff);
}

impl fmt::Debug for PanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#06x}", self.0)
    }
}

impl fmt::Display for PanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#06x}", self.0)
    }
}

/// A validated view of a list of fixed-size little-endian records, borrowed
/// from the frame: `N` bytes per element. Construct with [`List::new`]
/// (checks the length is a multiple of `N`). Iterate to read the elements.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct List<'a, const N: usize> {
    bytes: &'a [u8],
}

impl<'a, const N: usize> List<'a, N> {
    /// The list over `bytes`, or `None` if the length is not a multiple of `N`.
    #[must_use]
    pub const fn new(bytes: &'a [u8]) -> Option<Self> {
        if N == 0 || !bytes.len().is_multiple_of(N) {
            None
        } else {
            Some(List { bytes })
        }
    }

    /// The empty list.
    #[must_use]
    pub const fn empty() -> Self {
        List { bytes: &[] }
    }

    /// The raw bytes, as on the wire.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Number of elements.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.bytes.len().checked_div(N) {
            Some(n) => n,
            None => 0,
        }
    }

    /// Whether the list is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw elements.
    pub fn chunks(self) -> impl Iterator<Item = &'a [u8; N]> + 'a {
        self.bytes
            .chunks_exact(N)
            .filter_map(|c| <&[u8; N]>::try_from(c).ok())
    }
}

impl<const N: usize> fmt::Debug for List<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.chunks()).finish()
    }
}

/// A list of 16-bit little-endian values (short addresses, PAN ids, cluster ids).
pub type U16List<'a> = List<'a, 2>;

/// A list of EUI-64s in on-air order.
pub type Eui64List<'a> = List<'a, 8>;

impl<'a> List<'a, 2> {
    /// The values.
    pub fn iter(self) -> impl Iterator<Item = u16> + 'a {
        self.chunks().map(|c| u16::from_le_bytes(*c))
    }
}

impl<'a> List<'a, 8> {
    /// The EUI-64s.
    pub fn iter(self) -> impl Iterator<Item = dual_protocol_primitives::eui64::Eui64> + 'a {
        self.chunks()
            .map(|c| dual_protocol_primitives::eui64::Eui64::from_le_bytes(*c))
    }
}

/// Reads a list of `count` elements of `N` bytes.
pub(crate) fn read_list<'a, const N: usize>(
    r: &mut crate::cursor::Reader<'a>,
    count: usize,
    what: &'static str,
) -> Result<List<'a, N>, crate::DecodeError> {
    let bytes = r.take(count.saturating_mul(N), what)?;
    Ok(List { bytes })
}
