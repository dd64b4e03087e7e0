//! The parent's indirect transmission queue (IEEE 802.15.4-2015 §6.7.3,
//! ZigBee R22 §3.6.2.2 and §3.6.10): frames for a child whose receiver is
//! off when idle are held until the child polls with a MAC data request;
//! the frame pending bit of the acknowledgement tells the child more is
//! waiting. A frame not collected before its expiry (the child's end device
//! timeout, or macTransactionPersistenceTime, whichever the caller gives)
//! is dropped with an [`IndirectEvent::Expired`].
//!
//! `N` frames of at most `MTU` bytes are held; a full queue refuses with
//! [`IndirectError::Full`].
//!
//! A frame may be held *before* NWK security ([`IndirectQueue::push_unsecured`]):
//! it is laid out as it will go on air (auxiliary header, room for the MIC)
//! but its payload is plaintext and its frame counter a placeholder, and
//! [`Collected::secure_at`] tells the caller to take a fresh outgoing frame
//! counter and secure it when the child polls (ZigBee R22 §4.3.1.1: the
//! counter is taken at transmission), so a frame the child hears from its
//! parent meanwhile cannot make it a replay. No extra RAM: the held bytes
//! are the same length either way.

use crate::mac::MacAddress;
use dual_protocol_primitives::time::Instant;
use heapless::{Deque, Vec};

/// macTransactionPersistenceTime with the 2.4 GHz defaults (0x01f4 unit
/// periods of 15.36 ms = 7.68 s).
pub const TRANSACTION_PERSISTENCE: core::time::Duration = core::time::Duration::from_millis(7680);

/// Identifies a held frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct IndirectHandle(pub u16);

/// Why a frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum IndirectError {
    /// `N` frames are held already (MAC status TRANSACTION_OVERFLOW).
    #[error("indirect queue full")]
    Full,
    /// Longer than `MTU`.
    #[error("frame of {len} bytes exceeds {max}")]
    TooLarge {
        /// Frame length.
        len: usize,
        /// MTU.
        max: usize,
    },
}

/// What the queue reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum IndirectEvent {
    /// Not collected in time (MAC status TRANSACTION_EXPIRED).
    Expired {
        /// The child.
        dst: MacAddress,
        /// The frame.
        handle: IndirectHandle,
    },
}

/// A frame handed to a polling child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collected {
    /// Bytes written.
    pub len: usize,
    /// The frame.
    pub handle: IndirectHandle,
    /// More frames wait for the same child (set the frame pending bit).
    pub more: bool,
    /// Held before NWK security: the NWK frame starts at this offset and
    /// must be given a fresh frame counter and secured before transmission.
    pub secure_at: Option<usize>,
}

#[derive(Debug, Clone)]
struct Held<const MTU: usize> {
    dst: MacAddress,
    expires: Instant,
    handle: IndirectHandle,
    secure_at: Option<u8>,
    frame: Vec<u8, MTU>,
}

/// The indirect queue; see the module documentation.
#[derive(Debug, Clone, Default)]
pub struct IndirectQueue<const N: usize, const MTU: usize> {
    held: Vec<Held<MTU>, N>,
    next: u16,
    events: Deque<IndirectEvent, N>,
    events_lost: u32,
}

impl<const N: usize, const MTU: usize> IndirectQueue<N, MTU> {
    /// An empty queue.
    #[must_use]
    pub const fn new() -> Self {
        IndirectQueue {
            held: Vec::new(),
            next: 0,
            events: Deque::new(),
            events_lost: 0,
        }
    }

    /// Holds `frame` for `dst` until `now + persistence`.
    ///
    /// # Errors
    /// [`IndirectError`].
    pub fn push(
        &mut self,
        now: Instant,
        dst: MacAddress,
        frame: &[u8],
        persistence: core::time::Duration,
    ) -> Result<IndirectHandle, IndirectError> {
        self.hold(now, dst, frame, None, persistence)
    }

    /// Holds `frame` for `dst` like [`push`](Self::push), its NWK frame
    /// (from byte `nwk_at`) still to be secured when collected; see the
    /// module documentation.
    ///
    /// # Errors
    /// [`IndirectError`]; `TooLarge` also when `nwk_at` is past the frame.
    pub fn push_unsecured(
        &mut self,
        now: Instant,
        dst: MacAddress,
        frame: &[u8],
        nwk_at: usize,
        persistence: core::time::Duration,
    ) -> Result<IndirectHandle, IndirectError> {
        let at = u8::try_from(nwk_at)
            .ok()
            .filter(|&a| usize::from(a) < frame.len())
            .ok_or(IndirectError::TooLarge {
                len: nwk_at,
                max: frame.len(),
            })?;
        self.hold(now, dst, frame, Some(at), persistence)
    }

    fn hold(
        &mut self,
        now: Instant,
        dst: MacAddress,
        frame: &[u8],
        secure_at: Option<u8>,
        persistence: core::time::Duration,
    ) -> Result<IndirectHandle, IndirectError> {
        let frame = Vec::from_slice(frame).map_err(|_| IndirectError::TooLarge {
            len: frame.len(),
            max: MTU,
        })?;
        let handle = IndirectHandle(self.next);
        self.held
            .push(Held {
                dst,
                expires: now + persistence,
                handle,
                secure_at,
                frame,
            })
            .map_err(|_| IndirectError::Full)?;
        self.next = self.next.wrapping_add(1);
        Ok(handle)
    }

    /// Whether a frame waits for a child known by any of `addrs` (the frame
    /// pending bit of the acknowledgement to its data request).
    #[must_use]
    pub fn has_pending(&self, addrs: &[MacAddress]) -> bool {
        self.held.iter().any(|h| addrs.contains(&h.dst))
    }

    /// The child known by `addrs` polled: the oldest unexpired frame for it
    /// is written to `buf` and released. `None` when nothing waits, or
    /// `buf` is too small (the frame stays).
    pub fn collect(
        &mut self,
        now: Instant,
        addrs: &[MacAddress],
        buf: &mut [u8],
    ) -> Option<Collected> {
        self.expire(now);
        let i = self.held.iter().position(|h| addrs.contains(&h.dst))?;
        let h = self.held.get(i)?;
        let out = buf.get_mut(..h.frame.len())?;
        out.copy_from_slice(&h.frame);
        let (len, handle, secure_at) = (h.frame.len(), h.handle, h.secure_at);
        self.held.retain(|h| h.handle != handle);
        Some(Collected {
            len,
            handle,
            more: self.has_pending(addrs),
            secure_at: secure_at.map(usize::from),
        })
    }

    /// Drops every frame for a child (it left or was aged out).
    pub fn remove_child(&mut self, addrs: &[MacAddress]) {
        self.held.retain(|h| !addrs.contains(&h.dst));
    }

    fn expire(&mut self, now: Instant) {
        let (events, lost) = (&mut self.events, &mut self.events_lost);
        self.held.retain(|h| {
            let keep = h.expires > now;
            if !keep {
                let e = IndirectEvent::Expired {
                    dst: h.dst,
                    handle: h.handle,
                };
                if events.push_back(e).is_err() {
                    *lost = lost.saturating_add(1);
                }
            }
            keep
        });
    }

    /// Drops expired frames (reported as events).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire(now);
    }

    /// The earliest expiry.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.held.iter().map(|h| h.expires).min()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<IndirectEvent> {
        self.events.pop_front()
    }

    /// Events lost because `N` were waiting unread.
    #[must_use]
    pub const fn events_lost(&self) -> u32 {
        self.events_lost
    }

    /// Frames held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}
