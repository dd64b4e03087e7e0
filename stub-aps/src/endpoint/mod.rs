//! Sans-IO Inter-PAN endpoints of the extension
//! (`docs/stub-aps-security.md` §6): the [`hub::Hub`] answers pairing,
//! receives requests and sends secured unicasts, TESLA broadcasts, key
//! disclosures and announcements; the [`device::Device`] pairs, sends
//! requests and accepts only authentic frames. The ZCL content is the
//! caller's: the endpoints carry it as bytes.
//!
//! Both follow the crate-wide state-machine shape: `handle_input(now,
//! frame)` (a MAC frame without FCS, as a radio driver delivers it),
//! `poll_transmit(now, buf)`, `poll_event()`, `poll_timeout()`,
//! `handle_timeout(now)`. Queues and tables are const-generic and bounded;
//! overflow is an error or a counted rejection, never a panic. Outgoing
//! frame counters come from a [`CounterReservation`]: call
//! `reserve_counters` with the caller's store before sending when the
//! reservation asks for it.

pub mod device;
pub mod hub;

use crate::frame::MAX_PHY_PAYLOAD;
use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};

/// Largest ZCL payload an endpoint carries (a 127-byte PHY payload minus the
/// smallest headers).
pub const MAX_ZCL: usize = 104;

/// A ZCL frame copied out of a received frame.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Zcl {
    len: u8,
    bytes: [u8; MAX_ZCL],
}

impl core::fmt::Debug for Zcl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Zcl({} bytes)", self.len)
    }
}

impl Zcl {
    /// Copies `b`; `None` if longer than [`MAX_ZCL`].
    #[must_use]
    pub fn new(b: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; MAX_ZCL];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(Zcl {
            len: u8::try_from(b.len()).ok()?,
            bytes,
        })
    }

    /// The bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// Why a received frame was dropped; each has a counter in [`Rejections`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Reject {
    /// Not a decodable Inter-PAN frame.
    Malformed,
    /// A clear frame where security is required (downgrade).
    Unsecured,
    /// A secured frame of another form (Ember/SE 1.4a) or unknown key version.
    UnknownForm,
    /// The sender is not known (no key, not the paired hub).
    UnknownSource,
    /// MIC, broadcast MAC or signature did not verify.
    Authentication,
    /// Replayed or too old frame counter.
    Replay,
    /// An announcement or broadcast of an old or unknown epoch.
    StaleEpoch,
    /// A broadcast that fails the TESLA safety condition (its key may
    /// already be public).
    UnsafeInterval,
    /// A disclosed key not on the chain, or an interval beyond it.
    BadChainKey,
    /// A buffered broadcast whose key never came in time.
    Expired,
    /// A frame that does not belong in this state (wrong kind or direction,
    /// not paired, no pairing pending).
    Unexpected,
    /// A bounded table or queue was full.
    QueueFull,
}

/// Counters of rejected frames, one per [`Reject`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[allow(missing_docs)]
pub struct Rejections {
    pub malformed: u32,
    pub unsecured: u32,
    pub unknown_form: u32,
    pub unknown_source: u32,
    pub authentication: u32,
    pub replay: u32,
    pub stale_epoch: u32,
    pub unsafe_interval: u32,
    pub bad_chain_key: u32,
    pub expired: u32,
    pub unexpected: u32,
    pub queue_full: u32,
}

impl Rejections {
    fn count(&mut self, r: Reject) {
        let c = match r {
            Reject::Malformed => &mut self.malformed,
            Reject::Unsecured => &mut self.unsecured,
            Reject::UnknownForm => &mut self.unknown_form,
            Reject::UnknownSource => &mut self.unknown_source,
            Reject::Authentication => &mut self.authentication,
            Reject::Replay => &mut self.replay,
            Reject::StaleEpoch => &mut self.stale_epoch,
            Reject::UnsafeInterval => &mut self.unsafe_interval,
            Reject::BadChainKey => &mut self.bad_chain_key,
            Reject::Expired => &mut self.expired,
            Reject::Unexpected => &mut self.unexpected,
            Reject::QueueFull => &mut self.queue_full,
        };
        *c = c.saturating_add(1);
    }

    /// Total rejections.
    #[must_use]
    pub const fn total(&self) -> u32 {
        self.malformed
            .saturating_add(self.unsecured)
            .saturating_add(self.unknown_form)
            .saturating_add(self.unknown_source)
            .saturating_add(self.authentication)
            .saturating_add(self.replay)
            .saturating_add(self.stale_epoch)
            .saturating_add(self.unsafe_interval)
            .saturating_add(self.bad_chain_key)
            .saturating_add(self.expired)
            .saturating_add(self.unexpected)
            .saturating_add(self.queue_full)
    }
}

fn reject_of(e: &crate::secure::SecureError) -> Reject {
    use crate::secure::SecureError as E;
    match e {
        E::Decode(_) | E::Encode(_) | E::Layout => Reject::Malformed,
        E::NotExtension | E::KeyVersion { .. } => Reject::UnknownForm,
        E::UnexpectedKind { .. } => Reject::Unexpected,
        E::Replay(_) => Reject::Replay,
        E::MicMismatch { .. } | E::BadSignature => Reject::Authentication,
        E::Chain(_) => Reject::BadChainKey,
    }
}

/// A bounded FIFO.
#[derive(Debug)]
pub(crate) struct Queue<T, const Q: usize> {
    items: [Option<T>; Q],
    head: usize,
    len: usize,
}

impl<T, const Q: usize> Queue<T, Q> {
    pub(crate) fn new() -> Self {
        Queue {
            items: core::array::from_fn(|_| None),
            head: 0,
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, t: T) -> Result<(), T> {
        if self.len >= Q {
            return Err(t);
        }
        let i = (self.head + self.len) % Q;
        match self.items.get_mut(i) {
            Some(slot) => {
                *slot = Some(t);
                self.len += 1;
                Ok(())
            }
            None => Err(t),
        }
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let t = self.items.get_mut(self.head)?.take();
        self.head = (self.head + 1) % Q;
        self.len -= 1;
        t
    }

    pub(crate) const fn len(&self) -> usize {
        self.len
    }
}

/// An encoded frame waiting in a transmit queue.
#[derive(Clone, Copy)]
pub(crate) struct TxFrame {
    len: usize,
    bytes: [u8; MAX_PHY_PAYLOAD],
}

impl core::fmt::Debug for TxFrame {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TxFrame({} bytes)", self.len)
    }
}

impl TxFrame {
    pub(crate) const fn empty() -> Self {
        TxFrame {
            len: 0,
            bytes: [0; MAX_PHY_PAYLOAD],
        }
    }

    pub(crate) fn buf(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }

    pub(crate) fn copy_out(&self, out: &mut [u8]) -> Option<usize> {
        let b = self.as_bytes();
        out.get_mut(..b.len())?.copy_from_slice(b);
        Some(b.len())
    }
}

/// Why an endpoint could not do what it was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    /// The outgoing counter needs a new reservation persisted first
    /// (`reserve_counters`), or is exhausted (re-key).
    #[error(transparent)]
    Counter(#[from] CounterError),
    /// A frame could not be built.
    #[error(transparent)]
    Secure(#[from] crate::secure::SecureError),
    /// The transmit queue is full.
    #[error("transmit queue full")]
    QueueFull,
    /// A table is full.
    #[error("table full")]
    TableFull,
    /// The device or hub is not known / not paired.
    #[error("peer not known or not paired")]
    NotPaired,
    /// No key chain (hub: no epoch started; chain used up or not started yet).
    #[error("no usable key chain for the current time")]
    NoChain,
    /// The install code is invalid.
    #[error("invalid install code")]
    InstallCode,
    /// A payload larger than [`MAX_ZCL`] bytes.
    #[error("payload too long")]
    TooLong,
    /// Bad key material (the hub's private scalar).
    #[error("invalid key")]
    Key,
}

/// Reserves a new counter block through `store` when the reservation asks
/// for one (a quarter of a block or less left).
pub(crate) fn reserve<S: CounterStore>(
    c: &mut CounterReservation,
    store: &mut S,
) -> Result<(), CounterError<S::Error>> {
    if c.wants_reservation() {
        let mark = c.begin_reservation().map_err(widen)?;
        if let Err(e) = store.persist(mark) {
            c.abort_reservation();
            return Err(CounterError::Store(e));
        }
        c.confirm_reservation(mark).map_err(widen)?;
    }
    Ok(())
}

fn widen<E>(e: CounterError) -> CounterError<E> {
    match e {
        CounterError::Exhausted => CounterError::Exhausted,
        CounterError::UnexpectedMark { got } => CounterError::UnexpectedMark { got },
        _ => CounterError::ReservationNeeded,
    }
}

/// The next 32-bit frame counter.
pub(crate) fn next_counter(c: &mut CounterReservation) -> Result<u32, EndpointError> {
    let n = c.try_next()?;
    u32::try_from(n).map_err(|_| EndpointError::Counter(CounterError::Exhausted))
}
