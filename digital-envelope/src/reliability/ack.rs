//! ACK bodies (docs 10.2) and the receiver's cache of recent
//! acknowledgements (docs 10.3).
//!
//! Codec: fixed 16 bytes at fixed offsets, bounds-checked, no panics;
//! trailing bytes are an error so that `encode(decode(b)) == b`.
//!
//! ```text
//!  0  8  largest   counter (epoch u24 ‖ sequence u40) of the newest datagram acknowledged
//!  8  8  bitmap    u64; bit i (LSB = bit 0) set acknowledges counter largest - 1 - i
//! ```

use crate::error::{DecodeError, EncodeError};

/// Length of an ACK body.
pub const ACK_LEN: usize = 16;
/// Entries in an [`AckCache`].
pub const ACK_CACHE_LEN: usize = 16;

/// An ACK body (docs 10.2): one counter and a bitmap of the 64 below it,
/// so that one datagram acknowledges a whole bulk push.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ack {
    /// The newest counter acknowledged.
    pub largest: u64,
    /// Bit `i` acknowledges `largest - 1 - i`.
    pub bitmap: u64,
}

impl Ack {
    /// An ACK of one counter.
    #[must_use]
    pub const fn of(counter: u64) -> Self {
        Ack {
            largest: counter,
            bitmap: 0,
        }
    }

    /// Adds `counter` if it is `largest` or one of the 64 below it; returns
    /// whether it fits.
    pub fn add(&mut self, counter: u64) -> bool {
        if counter == self.largest {
            return true;
        }
        match self.largest.checked_sub(counter) {
            Some(d @ 1..=64) => {
                self.bitmap |= 1 << (d - 1);
                true
            }
            _ => false,
        }
    }

    /// True when `counter` is acknowledged.
    #[must_use]
    pub fn acknowledges(&self, counter: u64) -> bool {
        match self.largest.checked_sub(counter) {
            Some(0) => true,
            Some(d @ 1..=64) => self.bitmap & (1 << (d - 1)) != 0,
            _ => false,
        }
    }

    /// Every counter acknowledged, newest first.
    pub fn counters(&self) -> impl Iterator<Item = u64> + '_ {
        core::iter::once(self.largest).chain(
            (0..64u64)
                .filter(|i| self.bitmap & (1 << i) != 0)
                .filter_map(|i| self.largest.checked_sub(i + 1)),
        )
    }

    /// Decodes a body of exactly 16 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let body = bytes.get(..ACK_LEN).ok_or(DecodeError::Truncated {
            offset: bytes.len(),
            needed: ACK_LEN,
        })?;
        if bytes.len() > ACK_LEN {
            return Err(DecodeError::TrailingBytes {
                offset: ACK_LEN,
                extra: bytes.len() - ACK_LEN,
            });
        }
        let (l, b) = body.split_at(8);
        Ok(Ack {
            largest: super::be(l),
            bitmap: super::be(b),
        })
    }

    /// Bytes [`Self::encode`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        ACK_LEN
    }

    /// Encodes into the start of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let out = out
            .get_mut(..ACK_LEN)
            .ok_or(EncodeError::BufferTooSmall { needed: ACK_LEN })?;
        let (l, b) = out.split_at_mut(8);
        l.copy_from_slice(&self.largest.to_be_bytes());
        b.copy_from_slice(&self.bitmap.to_be_bytes());
        Ok(ACK_LEN)
    }
}

/// One acknowledged datagram: its counter and its last 8 bytes (the CCM
/// tag, or the end of the signature in SIGNED mode).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AckedDatagram {
    /// Counter `epoch << 40 | sequence`.
    pub counter: u64,
    /// The datagram's last 8 bytes.
    pub tail: [u8; 8],
}

/// The last [`ACK_CACHE_LEN`] confirmable datagrams delivered (docs 10.3).
///
/// A duplicate is rejected by the replay window before any cryptography;
/// it is acknowledged again only when its counter and its last 8 bytes
/// match an entry here, so a forged "duplicate" cannot make the receiver
/// send anything. (The tail is public, sent in clear: comparing it needs no
/// constant time.)
#[derive(Clone, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AckCache {
    entries: [Option<AckedDatagram>; ACK_CACHE_LEN],
    next: u8,
}

impl AckCache {
    /// An empty cache.
    #[must_use]
    pub const fn new() -> Self {
        AckCache {
            entries: [None; ACK_CACHE_LEN],
            next: 0,
        }
    }

    /// Remembers a delivered datagram, replacing the oldest entry.
    pub fn insert(&mut self, counter: u64, tail: [u8; 8]) {
        let i = usize::from(self.next) % ACK_CACHE_LEN;
        if let Some(e) = self.entries.get_mut(i) {
            *e = Some(AckedDatagram { counter, tail });
        }
        self.next = ((i + 1) % ACK_CACHE_LEN) as u8;
    }

    /// True when this exact datagram was delivered and acknowledged.
    #[must_use]
    pub fn contains(&self, counter: u64, tail: &[u8; 8]) -> bool {
        self.entries
            .iter()
            .flatten()
            .any(|e| e.counter == counter && &e.tail == tail)
    }

    /// True when a datagram with this counter was acknowledged.
    #[must_use]
    pub fn contains_counter(&self, counter: u64) -> bool {
        self.entries.iter().flatten().any(|e| e.counter == counter)
    }

    /// The counters cached.
    pub fn counters(&self) -> impl Iterator<Item = u64> + '_ {
        self.entries.iter().flatten().map(|e| e.counter)
    }
}

/// The last 8 bytes of a datagram (zero-padded if shorter).
pub(crate) fn tail_of(datagram: &[u8]) -> [u8; 8] {
    let mut t = [0u8; 8];
    let from = datagram.len().saturating_sub(8);
    for (d, s) in t.iter_mut().zip(datagram.get(from..).unwrap_or_default()) {
        *d = *s;
    }
    t
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bitmap_counts_down_from_largest() {
        let mut a = Ack::of(100);
        assert!(a.add(99) && a.add(36) && a.add(100));
        assert!(!a.add(35) && !a.add(101));
        assert_eq!(a.bitmap, 1 | 1 << 63);
        let got: [u64; 3] = {
            let mut it = a.counters();
            [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
        };
        assert_eq!(got, [100, 99, 36]);
        assert!(a.acknowledges(36) && !a.acknowledges(37) && !a.acknowledges(101));
        let mut b = [0u8; 16];
        assert_eq!(a.encode(&mut b), Ok(16));
        assert_eq!(Ack::decode(&b), Ok(a));
    }

    #[test]
    fn cache_evicts_the_oldest() {
        let mut c = AckCache::new();
        for i in 0..=ACK_CACHE_LEN as u64 {
            c.insert(i, [i as u8; 8]);
        }
        assert!(!c.contains_counter(0));
        assert!(c.contains(1, &[1; 8]));
        assert!(!c.contains(1, &[2; 8]));
    }
}
