//! APS duplicate rejection (ZigBee R22 §2.2.8.4.2): the APS counter of
//! every data frame accepted from a source is remembered for
//! apsDuplicateRejectionTimeoutPeriod; a frame from the same source with a
//! remembered counter is a duplicate (re-acknowledged, not delivered).
//!
//! The table is bounded (`N` entries). When it is full, an expired entry is
//! reused first; if none has expired, the entry closest to expiry is evicted
//! and [`DuplicateTable::evictions`] counts it (the cost is that a late
//! duplicate of the evicted frame could be delivered again; a table sized
//! for the traffic never evicts).

use crate::types::ShortAddr;
use dual_protocol_primitives::time::Instant;
use heapless::Vec;

/// Default apsDuplicateRejectionTimeoutPeriod (ZigBee R22 Table 2-24 gives
/// 3 s as the suggested value for PRO stacks).
pub const DEFAULT_DUPLICATE_TIMEOUT: core::time::Duration = core::time::Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    src: ShortAddr,
    counter: u8,
    expires: Instant,
}

/// The bounded duplicate rejection table: `(source, APS counter)` pairs.
#[derive(Debug, Clone, Default)]
pub struct DuplicateTable<const N: usize> {
    entries: Vec<Entry, N>,
    evictions: u32,
}

impl<const N: usize> DuplicateTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        DuplicateTable {
            entries: Vec::new(),
            evictions: 0,
        }
    }

    /// Whether `(src, counter)` was accepted and has not yet expired at `now`.
    #[must_use]
    pub fn is_duplicate(&self, now: Instant, src: ShortAddr, counter: u8) -> bool {
        self.entries
            .iter()
            .any(|e| e.src == src && e.counter == counter && e.expires > now)
    }

    /// Records an accepted frame until `now + timeout`.
    pub fn record(
        &mut self,
        now: Instant,
        src: ShortAddr,
        counter: u8,
        timeout: core::time::Duration,
    ) {
        let expires = now + timeout;
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.src == src && e.counter == counter)
        {
            e.expires = expires;
            return;
        }
        self.entries.retain(|e| e.expires > now);
        let entry = Entry {
            src,
            counter,
            expires,
        };
        if let Err(entry) = self.entries.push(entry) {
            // Full of live entries: replace the one closest to expiry.
            if let Some(oldest) = self.entries.iter_mut().min_by_key(|e| e.expires) {
                *oldest = entry;
                self.evictions = self.evictions.saturating_add(1);
            }
        }
    }

    /// Live entries evicted because the table was full.
    #[must_use]
    pub const fn evictions(&self) -> u32 {
        self.evictions
    }

    /// Entries held (live or not yet purged).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Forgets everything (a restart loses the table: ZigBee keeps it in RAM).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
