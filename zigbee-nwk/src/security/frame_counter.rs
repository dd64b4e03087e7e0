//! Frame counters (ZigBee R22 §4.3.1.1 step 1, §4.3.1.2 step 4-7, §4.4.1).
//!
//! * Outgoing: [`OutgoingFrameCounter`], one per key, over
//!   `primitives`' [`CounterReservation`]: a counter is handed out only once
//!   a high-water mark covering it has been persisted, so no counter (hence
//!   no nonce) repeats across a power loss; at `u32::MAX` it is exhausted
//!   and the key must change, never wrap.
//! * Incoming: [`IncomingCounters`], a bounded table of the last accepted
//!   counter per (source, key). A frame whose counter is not greater than
//!   the stored one is a replay. The check happens before any cryptography
//!   ([`IncomingCounters::check`]) and the table changes only after the MIC
//!   has verified ([`IncomingCounters::accept`]), so a rejected frame leaves
//!   the table as it was.
//!
//! **When the table is full**, a frame from a (source, key) pair not in it
//! is rejected with [`ReplayError::TableFull`] before any cryptography:
//! evicting an entry would let the evicted sender's old frames be replayed.
//! Free entries with [`IncomingCounters::remove_source`] (a device left) or
//! [`IncomingCounters::remove_key`] (the key was switched).

use super::KeyIdentifier;
use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};
use dual_protocol_primitives::eui64::Eui64;

/// An outgoing frame counter for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingFrameCounter(CounterReservation);

impl OutgoingFrameCounter {
    /// Resumes from the persisted mark (0 for a new key), reserving `block`
    /// counters per persisted write.
    #[must_use]
    pub const fn resume(persisted_mark: u32, block: u32) -> Self {
        OutgoingFrameCounter(CounterReservation::resume(
            persisted_mark as u64,
            block as u64,
            u32::MAX as u64,
        ))
    }

    /// The next frame counter, persisting a new mark through `store` first
    /// when the reserved block is used up.
    ///
    /// # Errors
    /// [`CounterError::Exhausted`] after `u32::MAX`, or the store's error.
    pub fn next<S: CounterStore>(&mut self, store: &mut S) -> Result<u32, CounterError<S::Error>> {
        let n = self.0.next(store)?;
        u32::try_from(n).map_err(|_| CounterError::Exhausted)
    }

    /// The reservation itself, for the two-phase (asynchronous storage) API.
    pub fn reservation(&mut self) -> &mut CounterReservation {
        &mut self.0
    }
}

/// Why an incoming frame counter was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ReplayError {
    /// The counter is not greater than the last one accepted from this source with this key.
    #[error("replayed frame counter {received}: last accepted {last}")]
    Replayed {
        /// The frame's counter.
        received: u32,
        /// The last accepted counter.
        last: u32,
    },
    /// A new (source, key) pair and no free entry (see the module docs).
    #[error("incoming frame counter table full")]
    TableFull,
}

/// Which key a counter belongs to: the key identifier, with the key
/// sequence number for a network key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CounterKey {
    /// The frame's sender (the auxiliary header's or the nonce's source).
    pub source: Eui64,
    /// The key used.
    pub key: KeyIdentifier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
struct Entry {
    id: CounterKey,
    last: u32,
}

/// A place in the table for a frame that passed [`IncomingCounters::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct CounterSlot {
    index: usize,
    id: CounterKey,
    counter: u32,
}

/// The last accepted frame counter per (source, key), at most `N` pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct IncomingCounters<const N: usize> {
    #[cfg_attr(feature = "serde", serde(skip))]
    entries: [Option<Entry>; N],
}

impl<const N: usize> Default for IncomingCounters<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> IncomingCounters<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        IncomingCounters { entries: [None; N] }
    }

    /// Number of (source, key) pairs held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.iter().flatten().count()
    }

    /// True when no pair is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The last accepted counter from `source` with `key`.
    #[must_use]
    pub fn last(&self, source: Eui64, key: KeyIdentifier) -> Option<u32> {
        let id = CounterKey { source, key };
        self.entries
            .iter()
            .flatten()
            .find(|e| e.id == id)
            .map(|e| e.last)
    }

    /// Checks a frame counter before authentication; changes nothing.
    ///
    /// # Errors
    /// [`ReplayError`].
    pub fn check(
        &self,
        source: Eui64,
        key: KeyIdentifier,
        counter: u32,
    ) -> Result<CounterSlot, ReplayError> {
        let id = CounterKey { source, key };
        let mut free = None;
        for (index, e) in self.entries.iter().enumerate() {
            match e {
                Some(e) if e.id == id => {
                    return if counter > e.last {
                        Ok(CounterSlot { index, id, counter })
                    } else {
                        Err(ReplayError::Replayed {
                            received: counter,
                            last: e.last,
                        })
                    };
                }
                None if free.is_none() => free = Some(index),
                _ => {}
            }
        }
        free.map(|index| CounterSlot { index, id, counter })
            .ok_or(ReplayError::TableFull)
    }

    /// Records the counter of a frame whose MIC verified.
    ///
    /// # Errors
    /// [`ReplayError::TableFull`] if the free entry found by `check` was
    /// taken meanwhile and none is left (the frame should then be dropped).
    pub fn accept(&mut self, slot: CounterSlot) -> Result<(), ReplayError> {
        if let Some(cur) = self.entries.iter_mut().flatten().find(|e| e.id == slot.id) {
            cur.last = cur.last.max(slot.counter);
            return Ok(());
        }
        let free = match self.entries.get(slot.index) {
            Some(None) => Some(slot.index),
            _ => self.entries.iter().position(Option::is_none),
        };
        let e = free
            .and_then(|i| self.entries.get_mut(i))
            .ok_or(ReplayError::TableFull)?;
        *e = Some(Entry {
            id: slot.id,
            last: slot.counter,
        });
        Ok(())
    }

    /// Forgets every counter of `source` (for example after it left).
    pub fn remove_source(&mut self, source: Eui64) {
        for e in &mut self.entries {
            if e.is_some_and(|x| x.id.source == source) {
                *e = None;
            }
        }
    }

    /// Forgets every counter kept for `key` (after a key switch).
    pub fn remove_key(&mut self, key: KeyIdentifier) {
        for e in &mut self.entries {
            if e.is_some_and(|x| x.id.key == key) {
                *e = None;
            }
        }
    }
}
