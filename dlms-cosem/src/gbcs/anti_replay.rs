//! The GBCS anti-replay rule (GBCS "Protection against replay"): a device
//! accepts a command only if its originator counter (the last 8 bytes of
//! the transaction-id) is strictly greater than the last counter it
//! accepted from that originator, and records the new counter only after
//! the message has been authenticated (MAC and, for critical commands,
//! signature). The counters live in a caller [`OriginatorCounterStore`]
//! (persistent memory on a device); [`CounterTable`] is a fixed-size
//! in-memory one.

use crate::gbcs::GbcsError;

/// Where the last accepted counter of each originator is kept.
pub trait OriginatorCounterStore {
    /// Why storing failed.
    type Error;
    /// The last counter accepted from `originator`, if any.
    fn last(&self, originator: &[u8; 8]) -> Option<u64>;
    /// Records `counter` as the last accepted from `originator`.
    ///
    /// # Errors
    /// The store's own (full, or persistent memory failed).
    fn record(&mut self, originator: &[u8; 8], counter: u64) -> Result<(), Self::Error>;
}

/// Up to `N` originators in memory (no heap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CounterTable<const N: usize> {
    entries: [Option<([u8; 8], u64)>; N],
}

impl<const N: usize> Default for CounterTable<N> {
    fn default() -> Self {
        Self { entries: [None; N] }
    }
}

/// [`CounterTable`] has no room for another originator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableFull;

impl<const N: usize> OriginatorCounterStore for CounterTable<N> {
    type Error = TableFull;

    fn last(&self, originator: &[u8; 8]) -> Option<u64> {
        self.entries
            .iter()
            .flatten()
            .find(|(o, _)| o == originator)
            .map(|(_, c)| *c)
    }

    fn record(&mut self, originator: &[u8; 8], counter: u64) -> Result<(), TableFull> {
        if let Some((_, c)) = self
            .entries
            .iter_mut()
            .flatten()
            .find(|(o, _)| o == originator)
        {
            *c = counter;
            return Ok(());
        }
        let slot = self
            .entries
            .iter_mut()
            .find(|e| e.is_none())
            .ok_or(TableFull)?;
        *slot = Some((*originator, counter));
        Ok(())
    }
}

/// The checker: [`AntiReplay::check`] before authenticating a message,
/// [`AntiReplay::accept`] after; every refusal is counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AntiReplay<S> {
    store: S,
    rejected: u32,
}

impl<S: OriginatorCounterStore> AntiReplay<S> {
    /// A checker over `store`.
    pub const fn new(store: S) -> Self {
        Self { store, rejected: 0 }
    }

    /// Refuses a counter not above the last accepted from `originator`.
    ///
    /// # Errors
    /// [`GbcsError::Replay`].
    pub fn check(&mut self, originator: &[u8; 8], counter: u64) -> Result<(), GbcsError> {
        match self.store.last(originator) {
            Some(last) if counter <= last => {
                self.rejected = self.rejected.saturating_add(1);
                Err(GbcsError::Replay {
                    last,
                    received: counter,
                })
            }
            _ => Ok(()),
        }
    }

    /// Checks again and records `counter` (call once the message is
    /// authenticated).
    ///
    /// # Errors
    /// [`GbcsError::Replay`], [`GbcsError::Store`].
    pub fn accept(&mut self, originator: &[u8; 8], counter: u64) -> Result<(), GbcsError> {
        self.check(originator, counter)?;
        self.store
            .record(originator, counter)
            .map_err(|_| GbcsError::Store)
    }

    /// Messages refused so far.
    #[must_use]
    pub const fn rejected(&self) -> u32 {
        self.rejected
    }

    /// The store.
    #[must_use]
    pub const fn store(&self) -> &S {
        &self.store
    }
}
