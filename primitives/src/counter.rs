//! Counter reservation: outgoing frame and invocation counters that can never
//! repeat, whatever the caller's crash timing.
//!
//! AES-CCM and AES-GCM nonces in every layer (ZigBee frame counters, DLMS
//! invocation counters, envelope and Inter-PAN sequence numbers) are built
//! from an outgoing counter. Reusing one under the same key breaks the
//! cipher, and a device that loses power must not restart its counter from
//! a stale value. The rule, written once here:
//!
//! 1. The persisted value is a **high-water mark** `M`: every counter below
//!    `M` may have been used; no counter at or above `M` has been.
//! 2. Before handing out any counter of a new block, the reservation asks the
//!    caller to persist a new mark `M' = next + block`; only after the store
//!    confirms the write are counters `next..M'` handed out.
//! 3. **Recovery after power loss**: resume with the last persisted mark
//!    ([`CounterReservation::resume`]). Counters between the last one used
//!    and the mark are skipped (at most `block` of them), never reused.
//! 4. At `max` the counter is exhausted ([`CounterError::Exhausted`]): the
//!    caller must re-key. It never wraps.
//!
//! A crash between persisting `M'` and confirming it only skips counters; a
//! crash before the write completes leaves the old mark, above which nothing
//! was used. Either way no counter is handed out twice. The block size
//! trades flash/EEPROM wear (one write per `block` frames) against counters
//! skipped per restart.
//!
//! The synchronous path is [`CounterReservation::next`] with a
//! [`CounterStore`]; storage that completes later (a flash driver with a
//! queue, a database on a head end) uses the two-phase path
//! [`try_next`](CounterReservation::try_next),
//! [`begin_reservation`](CounterReservation::begin_reservation) and
//! [`confirm_reservation`](CounterReservation::confirm_reservation), and can
//! reserve ahead when [`wants_reservation`](CounterReservation::wants_reservation)
//! says the block is running low, so sending never stalls.
//!
//! The reservation deliberately does not implement `serde`: restoring its
//! whole state from a snapshot would restore a stale `next`. Persist the mark
//! only.

use core::convert::Infallible;

/// Where high-water marks are written before use.
pub trait CounterStore {
    /// Why a write failed.
    type Error;
    /// Durably stores `mark`; returns only once the value would survive a
    /// power loss.
    fn persist(&mut self, mark: u64) -> Result<(), Self::Error>;
}

/// A store that remembers the last mark in RAM: for tests and for counters
/// whose key does not outlive the process (for example a per-session key).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VolatileStore {
    /// The last mark persisted.
    pub mark: u64,
}

impl CounterStore for VolatileStore {
    type Error = Infallible;
    fn persist(&mut self, mark: u64) -> Result<(), Infallible> {
        self.mark = mark;
        Ok(())
    }
}

/// Why no counter was handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CounterError<E = Infallible> {
    /// Every counter up to the maximum has been used: re-key.
    #[error("counter exhausted: re-key before sending again")]
    Exhausted,
    /// The current block is used up: persist a new mark first.
    #[error("counter block used up: a new high-water mark must be persisted first")]
    ReservationNeeded,
    /// `confirm_reservation` was given a mark that was not the one begun.
    #[error("confirmed mark {got} is not the pending reservation")]
    UnexpectedMark {
        /// The mark passed in.
        got: u64,
    },
    /// The store failed to persist the mark; no counter was handed out.
    #[error("persisting the counter mark failed")]
    Store(E),
}

/// An outgoing counter that is persisted before use. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterReservation {
    next: u64,
    reserved_end: u64,
    block: u64,
    max: u64,
    pending: Option<u64>,
}

impl CounterReservation {
    /// Resumes after a (re)start from the last persisted mark (0 on first
    /// use). Counters are handed out from `persisted_mark` up to and
    /// including `min(max, u64::MAX - 1)`, reserving `block` at a time
    /// (a `block` of 0 is treated as 1).
    #[must_use]
    pub const fn resume(persisted_mark: u64, block: u64, max: u64) -> Self {
        let max = if max == u64::MAX { u64::MAX - 1 } else { max };
        CounterReservation {
            next: persisted_mark,
            reserved_end: persisted_mark,
            block: if block == 0 { 1 } else { block },
            max,
            pending: None,
        }
    }

    /// The next counter that would be handed out.
    #[must_use]
    pub const fn peek(&self) -> u64 {
        self.next
    }

    /// The mark covered by persisted reservations: after a restart, resume here.
    #[must_use]
    pub const fn persisted_mark(&self) -> u64 {
        self.reserved_end
    }

    /// Counters usable without another reservation.
    #[must_use]
    pub const fn remaining_in_block(&self) -> u64 {
        self.reserved_end.saturating_sub(self.next)
    }

    /// True when less than a quarter of a block is left and no reservation
    /// is pending: a good time to reserve ahead with the two-phase API.
    #[must_use]
    pub const fn wants_reservation(&self) -> bool {
        self.pending.is_none()
            && self.remaining_in_block() <= self.block / 4
            && self.next <= self.max
    }

    /// Hands out the next counter if it is covered by a persisted mark.
    pub fn try_next(&mut self) -> Result<u64, CounterError> {
        if self.next > self.max {
            return Err(CounterError::Exhausted);
        }
        if self.next >= self.reserved_end {
            return Err(CounterError::ReservationNeeded);
        }
        let n = self.next;
        self.next += 1;
        Ok(n)
    }

    /// Starts a reservation: returns the mark the caller must persist before
    /// calling [`confirm_reservation`](Self::confirm_reservation). Calling it
    /// again before confirming returns the same mark.
    pub fn begin_reservation(&mut self) -> Result<u64, CounterError> {
        if let Some(m) = self.pending {
            return Ok(m);
        }
        let from = self.reserved_end.max(self.next);
        if from > self.max {
            return Err(CounterError::Exhausted);
        }
        let mark = from.saturating_add(self.block).min(self.max + 1);
        self.pending = Some(mark);
        Ok(mark)
    }

    /// Confirms that `mark` (from [`begin_reservation`](Self::begin_reservation))
    /// is durably stored; counters below it become usable.
    pub fn confirm_reservation(&mut self, mark: u64) -> Result<(), CounterError> {
        match self.pending {
            Some(m) if m == mark => {
                self.pending = None;
                self.reserved_end = self.reserved_end.max(mark);
                Ok(())
            }
            _ => Err(CounterError::UnexpectedMark { got: mark }),
        }
    }

    /// Abandons a pending reservation whose write failed.
    pub fn abort_reservation(&mut self) {
        self.pending = None;
    }

    /// Skips forward so that no counter below `floor` is handed out: for a
    /// peer that reports it has already seen counters up to `floor - 1` (a
    /// receiver re-synchronising after its own restart, or a DLMS server
    /// returning its invocation counter). Counters are never moved back; a
    /// `floor` beyond the persisted mark makes the next counter wait for a new
    /// reservation, which then starts at `floor`.
    pub fn advance_to(&mut self, floor: u64) {
        self.next = self.next.max(floor);
    }

    /// Hands out the next counter, persisting a new mark through `store`
    /// first when the block is used up.
    pub fn next<S: CounterStore>(&mut self, store: &mut S) -> Result<u64, CounterError<S::Error>> {
        match self.try_next() {
            Ok(n) => return Ok(n),
            Err(CounterError::ReservationNeeded) => {}
            Err(e) => return Err(widen(e)),
        }
        let mark = self.begin_reservation().map_err(widen)?;
        if let Err(e) = store.persist(mark) {
            self.abort_reservation();
            return Err(CounterError::Store(e));
        }
        self.confirm_reservation(mark).map_err(widen)?;
        self.try_next().map_err(widen)
    }
}

fn widen<E>(e: CounterError) -> CounterError<E> {
    match e {
        CounterError::Exhausted => CounterError::Exhausted,
        CounterError::ReservationNeeded => CounterError::ReservationNeeded,
        CounterError::UnexpectedMark { got } => CounterError::UnexpectedMark { got },
        CounterError::Store(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_before_use_and_resumes_above_mark() {
        let mut store = VolatileStore::default();
        let mut c = CounterReservation::resume(0, 10, u64::from(u32::MAX));
        assert_eq!(c.next(&mut store), Ok(0));
        assert_eq!(store.mark, 10);
        for i in 1..10 {
            assert_eq!(c.next(&mut store), Ok(i));
        }
        assert_eq!(store.mark, 10);
        assert_eq!(c.next(&mut store), Ok(10));
        assert_eq!(store.mark, 20);
        // Power loss: resume at the mark, skipping 11..20.
        let mut c = CounterReservation::resume(store.mark, 10, u64::from(u32::MAX));
        assert_eq!(c.next(&mut store), Ok(20));
        assert_eq!(store.mark, 30);
    }

    #[test]
    fn advance_to_skips_forward_and_never_back() {
        let mut store = VolatileStore::default();
        let mut c = CounterReservation::resume(0, 10, 1000);
        assert_eq!(c.next(&mut store), Ok(0));
        c.advance_to(5);
        assert_eq!(c.next(&mut store), Ok(5));
        assert_eq!(store.mark, 10, "inside the block: no new write");
        c.advance_to(2);
        assert_eq!(c.next(&mut store), Ok(6), "never moves back");
        c.advance_to(500);
        assert_eq!(c.try_next(), Err(CounterError::ReservationNeeded));
        assert_eq!(c.next(&mut store), Ok(500));
        assert_eq!(store.mark, 510, "the new block starts at the floor");
        c.advance_to(2000);
        assert_eq!(c.next(&mut store), Err(CounterError::Exhausted));
    }

    #[test]
    fn exhaustion_is_an_error_not_a_wrap() {
        let mut store = VolatileStore::default();
        let mut c = CounterReservation::resume(0xffff_fffd, 8, 0xffff_ffff);
        assert_eq!(c.next(&mut store), Ok(0xffff_fffd));
        assert_eq!(store.mark, 0x1_0000_0000);
        assert_eq!(c.next(&mut store), Ok(0xffff_fffe));
        assert_eq!(c.next(&mut store), Ok(0xffff_ffff));
        assert_eq!(c.next(&mut store), Err(CounterError::Exhausted));
        assert_eq!(c.next(&mut store), Err(CounterError::Exhausted));
        let mut c = CounterReservation::resume(u64::MAX, 8, u64::MAX);
        assert_eq!(c.next(&mut store), Err(CounterError::Exhausted));
    }

    #[test]
    fn store_failure_hands_out_nothing() {
        struct Failing;
        impl CounterStore for Failing {
            type Error = &'static str;
            fn persist(&mut self, _: u64) -> Result<(), &'static str> {
                Err("flash write failed")
            }
        }
        let mut c = CounterReservation::resume(5, 4, 100);
        assert_eq!(
            c.next(&mut Failing),
            Err(CounterError::Store("flash write failed"))
        );
        assert_eq!(c.peek(), 5);
        assert_eq!(c.try_next(), Err(CounterError::ReservationNeeded));
    }

    #[test]
    fn two_phase_reserve_ahead() {
        let mut c = CounterReservation::resume(0, 8, 1000);
        assert_eq!(c.try_next(), Err(CounterError::ReservationNeeded));
        assert!(c.wants_reservation());
        let m = c.begin_reservation().unwrap();
        assert_eq!(m, 8);
        assert_eq!(c.begin_reservation(), Ok(8));
        assert_eq!(
            c.confirm_reservation(9),
            Err(CounterError::UnexpectedMark { got: 9 })
        );
        c.confirm_reservation(8).unwrap();
        for i in 0..6 {
            assert_eq!(c.try_next(), Ok(i));
        }
        assert!(c.wants_reservation());
        // Reserve the next block while the current one is still in use.
        let m = c.begin_reservation().unwrap();
        assert_eq!(m, 16);
        assert_eq!(c.try_next(), Ok(6));
        c.confirm_reservation(m).unwrap();
        assert_eq!(c.try_next(), Ok(7));
        assert_eq!(c.try_next(), Ok(8));
        assert_eq!(c.persisted_mark(), 16);
    }
}
