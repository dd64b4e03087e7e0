//! The retention store (docs/grip.md §6.3): queued and transmitted-but-
//! unacknowledged sequenced frames, their payloads packed in one fixed
//! arena of `ARENA` octets, at most `MSGS` entries.
//!
//! Entries stay in submission order, which is also arena order; removing
//! one leaves a hole that is squeezed out (one pass over the live bytes)
//! only when an allocation does not fit at the end.

use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor};
use heapless::Vec;

use crate::frame::Priority;

/// A caller's handle for a submitted message or chunk, reported back in
/// [`super::Event::Delivered`], [`super::Event::Lost`] and
/// [`super::Event::NotProcessed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ticket(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum State {
    /// Waiting for credit or its turn; no id yet.
    Queued,
    /// Transmitted with this id, not acknowledged.
    Sent(u32),
    /// Acknowledged; to be reported as delivered.
    Acked(u32),
    /// Session lost while unacknowledged; to be reported.
    Lost,
    /// Not processed by the peer (GOAWAY, session end, too large).
    NotProcessed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum Kind {
    Message {
        reply_to: Option<u32>,
    },
    Chunk {
        transfer: u32,
        total: u32,
        offset: u32,
    },
    Credit {
        device: HanDevice,
        released: u32,
        window_change: i16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Entry {
    pub(crate) ticket: u64,
    pub(crate) state: State,
    pub(crate) kind: Kind,
    pub(crate) descriptor: PayloadDescriptor,
    pub(crate) priority: Priority,
    pub(crate) off: u32,
    pub(crate) len: u32,
}

impl Entry {
    pub(crate) fn is_reportable(&self) -> bool {
        matches!(
            self.state,
            State::Acked(_) | State::Lost | State::NotProcessed
        )
    }
}

#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Outbox<const ARENA: usize, const MSGS: usize> {
    bytes: Vec<u8, ARENA>,
    pub(crate) entries: Vec<Entry, MSGS>,
    /// Entries in a reportable state.
    pub(crate) reportable: usize,
}

impl<const ARENA: usize, const MSGS: usize> Outbox<ARENA, MSGS> {
    pub(crate) const fn new() -> Self {
        Outbox {
            bytes: Vec::new(),
            entries: Vec::new(),
            reportable: 0,
        }
    }

    /// Whether an entry of `len` payload octets would fit.
    pub(crate) fn fits(&self, len: usize) -> bool {
        let live: usize = self.entries.iter().map(|e| e.len as usize).sum();
        !self.entries.is_full() && ARENA - live >= len
    }

    /// Appends an entry with its payload; `Err` if full (nothing changes).
    pub(crate) fn push(&mut self, mut entry: Entry, payload: &[u8]) -> Result<(), ()> {
        if self.entries.is_full() {
            return Err(());
        }
        if ARENA - self.bytes.len() < payload.len() {
            self.compact();
            if ARENA - self.bytes.len() < payload.len() {
                return Err(());
            }
        }
        entry.off = self.bytes.len() as u32;
        entry.len = payload.len() as u32;
        self.bytes.extend_from_slice(payload).map_err(|_| ())?;
        if entry.is_reportable() {
            self.reportable += 1;
        }
        self.entries.push(entry).map_err(|_| ())
    }

    fn compact(&mut self) {
        let mut w = 0usize;
        let buf = self.bytes.as_mut_slice();
        for e in self.entries.iter_mut() {
            let (off, len) = (e.off as usize, e.len as usize);
            if off != w {
                buf.copy_within(off..off + len, w);
            }
            e.off = w as u32;
            w += len;
        }
        self.bytes.truncate(w);
    }

    pub(crate) fn payload(&self, e: &Entry) -> &[u8] {
        self.bytes
            .get(e.off as usize..(e.off + e.len) as usize)
            .unwrap_or_default()
    }

    pub(crate) fn set_state(&mut self, i: usize, state: State) {
        if let Some(e) = self.entries.get_mut(i) {
            let was = e.is_reportable();
            e.state = state;
            match (was, e.is_reportable()) {
                (false, true) => self.reportable += 1,
                (true, false) => self.reportable -= 1,
                _ => {}
            }
        }
    }

    pub(crate) fn remove(&mut self, i: usize) -> Option<Entry> {
        if i >= self.entries.len() {
            return None;
        }
        let e = self.entries.remove(i);
        if e.is_reportable() {
            self.reportable -= 1;
        }
        if self.entries.is_empty() {
            self.bytes.clear();
        } else if (e.off + e.len) as usize == self.bytes.len() {
            self.bytes.truncate(e.off as usize);
        }
        Some(e)
    }

    /// Index of the transmitted entry with this id.
    pub(crate) fn find_sent(&self, id: u32) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| matches!(e.state, State::Sent(x) if x == id))
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn used_bytes(&self) -> usize {
        self.entries.iter().map(|e| e.len as usize).sum()
    }
}

/// Device identity as a sortable key.
pub(crate) fn device_key(d: &HanDevice) -> (u8, u64) {
    match d {
        HanDevice::Hub => (0, 0),
        HanDevice::Device(e) => (1, e.to_u64()),
    }
}

/// Per-device flow-control state (docs/grip.md §7), both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Device {
    pub(crate) device: HanDevice,
    /// Our frames for it the peer has not released.
    pub(crate) tx_in_flight: u32,
    /// Window change the peer granted us.
    pub(crate) tx_adjust: i32,
    /// Its frames we accepted and the application has not released.
    pub(crate) rx_outstanding: u32,
    /// Window change in force for policing the peer.
    pub(crate) rx_adjust: i32,
    /// Window change the application asked for (announced or not).
    pub(crate) rx_target: i32,
    /// Releases not yet sent in a CREDIT.
    pub(crate) rx_release_pending: u32,
    /// Window change not yet sent in a CREDIT.
    pub(crate) rx_window_pending: i32,
}

impl Device {
    pub(crate) const fn new(device: HanDevice) -> Self {
        Device {
            device,
            tx_in_flight: 0,
            tx_adjust: 0,
            rx_outstanding: 0,
            rx_adjust: 0,
            rx_target: 0,
            rx_release_pending: 0,
            rx_window_pending: 0,
        }
    }

    pub(crate) fn is_idle(&self) -> bool {
        self.tx_in_flight == 0
            && self.tx_adjust == 0
            && self.rx_outstanding == 0
            && self.rx_adjust == 0
            && self.rx_target == 0
            && self.rx_release_pending == 0
            && self.rx_window_pending == 0
    }

    pub(crate) fn tx_active(&self) -> bool {
        self.tx_in_flight > 0 || self.tx_adjust != 0
    }

    pub(crate) fn credit_pending(&self) -> bool {
        self.rx_release_pending > 0 || self.rx_window_pending != 0
    }
}

/// The device table: sorted by [`device_key`], at most `N` entries.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct Devices<const N: usize> {
    pub(crate) list: Vec<Device, N>,
}

impl<const N: usize> Devices<N> {
    pub(crate) const fn new() -> Self {
        Devices { list: Vec::new() }
    }

    pub(crate) fn find(&self, d: &HanDevice) -> Result<usize, usize> {
        let k = device_key(d);
        self.list
            .binary_search_by_key(&k, |x| device_key(&x.device))
    }

    pub(crate) fn get(&self, d: &HanDevice) -> Option<&Device> {
        self.find(d).ok().and_then(|i| self.list.get(i))
    }

    /// The entry for `d`, created if missing; `None` if the table is full.
    pub(crate) fn entry(&mut self, d: &HanDevice) -> Option<&mut Device> {
        let i = match self.find(d) {
            Ok(i) => i,
            Err(i) => {
                self.list.insert(i, Device::new(*d)).ok()?;
                i
            }
        };
        self.list.get_mut(i)
    }

    /// Drops the entry for `d` if it holds nothing but defaults.
    pub(crate) fn gc(&mut self, d: &HanDevice) {
        if let Ok(i) = self.find(d)
            && self.list.get(i).is_some_and(Device::is_idle)
        {
            self.list.remove(i);
        }
    }

    pub(crate) fn is_full(&self) -> bool {
        self.list.is_full()
    }
}
