//! The neighbour table (ZigBee R22 §3.6.1.5, Table 3-63): devices in radio
//! range, with their relationship, link costs from link status commands
//! (§3.6.3.4) and, for children, the end device timeout after which a
//! silent child is removed (§3.6.10). `N` entries; a full table refuses
//! new neighbours with [`TableFull`].

use super::LinkStatusEntry;
use crate::aps::TableFull;
use crate::types::ShortAddr;
use core::time::Duration;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use heapless::Vec;

/// nwkRouterAgeLimit (3): link status periods without a link status
/// before a router's outgoing cost is considered stale (set to 0).
pub const ROUTER_AGE_LIMIT: u8 = 3;

/// Device type (Table 3-63).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DeviceType {
    /// 0x00 ZigBee coordinator.
    Coordinator,
    /// 0x01 ZigBee router.
    Router,
    /// 0x02 ZigBee end device.
    EndDevice,
}

/// Relationship (Table 3-63).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Relationship {
    /// 0x00 parent.
    Parent,
    /// 0x01 child.
    Child,
    /// 0x02 sibling.
    Sibling,
    /// 0x03 none of the above.
    None,
    /// 0x04 previous child.
    PreviousChild,
}

/// One neighbour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Neighbour {
    /// Network address.
    pub short: ShortAddr,
    /// IEEE address when known.
    pub ieee: Option<Eui64>,
    /// Device type.
    pub device_type: DeviceType,
    /// Relationship.
    pub relationship: Relationship,
    /// Receiver on when idle (false: a sleepy end device, served indirectly).
    pub rx_on_when_idle: bool,
    /// Link quality of the last frame heard.
    pub lqi: u8,
    /// Incoming cost (from LQI), 1-7.
    pub incoming_cost: u8,
    /// Outgoing cost, as the neighbour reported it in its link status (0: unknown).
    pub outgoing_cost: u8,
    /// Link status periods since the last link status from it.
    pub age: u8,
    /// When anything was last heard from it.
    pub last_heard: Instant,
    /// End device timeout (children only).
    pub timeout: Option<Duration>,
}

/// Link cost from LQI (§3.6.3.1 leaves the mapping to the implementer;
/// this is the usual 7-step scale).
#[must_use]
pub const fn cost_from_lqi(lqi: u8) -> u8 {
    match lqi {
        0..=49 => 7,
        50..=99 => 5,
        100..=149 => 3,
        150..=199 => 2,
        _ => 1,
    }
}

/// The End Device Timeout Request enumeration (§3.4.11.3.1): 0 = 10 s, n = 2^n minutes (n ≤ 14).
#[must_use]
pub const fn end_device_timeout(code: u8) -> Option<Duration> {
    match code {
        0 => Some(Duration::from_secs(10)),
        1..=14 => Some(Duration::from_secs(60 << code)),
        _ => None,
    }
}

/// The neighbour table.
#[derive(Debug, Clone, Default)]
pub struct NeighbourTable<const N: usize> {
    entries: Vec<Neighbour, N>,
}

impl<const N: usize> NeighbourTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        NeighbourTable {
            entries: Vec::new(),
        }
    }

    /// Adds or replaces the entry for `n.short`.
    ///
    /// # Errors
    /// [`TableFull`].
    pub fn upsert(&mut self, n: Neighbour) -> Result<(), TableFull> {
        if let Some(e) = self.entries.iter_mut().find(|e| e.short == n.short) {
            *e = n;
            return Ok(());
        }
        self.entries.push(n).map_err(|_| TableFull {
            table: "neighbour table",
            capacity: N,
        })
    }

    /// The entry for `short`.
    #[must_use]
    pub fn get(&self, short: ShortAddr) -> Option<&Neighbour> {
        self.entries.iter().find(|e| e.short == short)
    }

    /// The entry for `short`, mutable.
    pub fn get_mut(&mut self, short: ShortAddr) -> Option<&mut Neighbour> {
        self.entries.iter_mut().find(|e| e.short == short)
    }

    /// The entry for `ieee`.
    #[must_use]
    pub fn by_ieee(&self, ieee: Eui64) -> Option<&Neighbour> {
        self.entries.iter().find(|e| e.ieee == Some(ieee))
    }

    /// Removes `short`; returns the entry.
    pub fn remove(&mut self, short: ShortAddr) -> Option<Neighbour> {
        let i = self.entries.iter().position(|e| e.short == short)?;
        Some(self.entries.swap_remove(i))
    }

    /// All entries.
    pub fn iter(&self) -> impl Iterator<Item = &Neighbour> + '_ {
        self.entries.iter()
    }

    /// Children (relationship child).
    pub fn children(&self) -> impl Iterator<Item = &Neighbour> + '_ {
        self.entries
            .iter()
            .filter(|e| e.relationship == Relationship::Child)
    }

    /// A frame was heard from `short` with `lqi`.
    pub fn heard(&mut self, now: Instant, short: ShortAddr, lqi: u8) {
        if let Some(e) = self.get_mut(short) {
            e.lqi = lqi;
            e.incoming_cost = cost_from_lqi(lqi);
            e.last_heard = now;
        }
    }

    /// A link status command from router `src` (§3.6.3.4.2): its entry for
    /// `me` gives our outgoing cost; an unknown router is added as a sibling.
    ///
    /// # Errors
    /// [`TableFull`] for a new router with no room.
    pub fn on_link_status(
        &mut self,
        now: Instant,
        src: ShortAddr,
        me: ShortAddr,
        lqi: u8,
        entries: impl Iterator<Item = LinkStatusEntry>,
    ) -> Result<(), TableFull> {
        let mut outgoing = 0;
        for e in entries {
            if e.address == me {
                outgoing = e.incoming_cost;
            }
        }
        if self.get(src).is_none() {
            self.upsert(Neighbour {
                short: src,
                ieee: None,
                device_type: DeviceType::Router,
                relationship: Relationship::Sibling,
                rx_on_when_idle: true,
                lqi,
                incoming_cost: cost_from_lqi(lqi),
                outgoing_cost: outgoing,
                age: 0,
                last_heard: now,
                timeout: None,
            })?;
        }
        if let Some(n) = self.get_mut(src) {
            n.outgoing_cost = outgoing;
            n.age = 0;
            n.lqi = lqi;
            n.incoming_cost = cost_from_lqi(lqi);
            n.last_heard = now;
        }
        Ok(())
    }

    /// One link status period passed (§3.6.3.4.1): routers age, and a
    /// router silent for more than nwkRouterAgeLimit periods has its
    /// outgoing cost reset to 0 (unusable).
    pub fn age_routers(&mut self) {
        for e in self
            .entries
            .iter_mut()
            .filter(|e| matches!(e.device_type, DeviceType::Router | DeviceType::Coordinator))
        {
            e.age = e.age.saturating_add(1);
            if e.age > ROUTER_AGE_LIMIT {
                e.outgoing_cost = 0;
            }
        }
    }

    /// Removes children silent for longer than their end device timeout
    /// (§3.6.10.2); returns them, at most `N`.
    pub fn expire_children(&mut self, now: Instant) -> Vec<Neighbour, N> {
        let mut gone = Vec::new();
        self.entries.retain(|e| {
            let expired = e.relationship == Relationship::Child
                && e.timeout
                    .is_some_and(|t| now.saturating_duration_since(e.last_heard) > t);
            if expired {
                let _ = gone.push(*e);
            }
            !expired
        });
        gone
    }

    /// When the next child may time out.
    #[must_use]
    pub fn next_child_expiry(&self) -> Option<Instant> {
        self.children()
            .filter_map(|e| e.timeout.and_then(|t| e.last_heard.checked_add(t)))
            .min()
    }

    /// The link status entries this router sends (§3.4.8): every router
    /// neighbour with its incoming and outgoing cost, sorted by address.
    pub fn link_status(&self) -> Vec<LinkStatusEntry, N> {
        let mut v: Vec<LinkStatusEntry, N> = self
            .entries
            .iter()
            .filter(|e| matches!(e.device_type, DeviceType::Router | DeviceType::Coordinator))
            .map(|e| LinkStatusEntry {
                address: e.short,
                incoming_cost: e.incoming_cost & 7,
                outgoing_cost: e.outgoing_cost & 7,
                reserved: 0,
            })
            .collect();
        v.sort_unstable_by_key(|e| e.address);
        v
    }

    /// Entries held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
