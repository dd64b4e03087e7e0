//! Mesh routing tables (ZigBee R22 §3.6.3): the routing table (next hop
//! per destination, §3.6.3.2), the route discovery table that a route
//! request builds while it floods (§3.6.3.2, Table 3-68), and the
//! concentrator's source route table filled from route records (§3.6.3.5.2)
//! and used to put a source route subframe on outgoing frames (§3.6.3.3.2).
//! Every table has a caller-set capacity and refuses with [`TableFull`].

use crate::aps::TableFull;
use crate::types::ShortAddr;
use dual_protocol_primitives::time::Instant;
use heapless::Vec;

/// nwkcRouteDiscoveryTime (10 s): a discovery not answered by then fails.
pub const ROUTE_DISCOVERY_TIME: core::time::Duration = core::time::Duration::from_secs(10);

/// Route status (Table 3-67).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RouteStatus {
    /// 0x0 active.
    Active,
    /// 0x1 discovery underway.
    DiscoveryUnderway,
    /// 0x2 discovery failed.
    DiscoveryFailed,
    /// 0x3 inactive.
    Inactive,
}

/// A routing table entry (Table 3-66).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Route {
    /// Destination.
    pub dst: ShortAddr,
    /// Next hop.
    pub next_hop: ShortAddr,
    /// Status.
    pub status: RouteStatus,
    /// A many-to-one route to a concentrator.
    pub many_to_one: bool,
    /// Send a route record before the next data frame (to a concentrator).
    pub route_record_required: bool,
}

/// The routing table.
#[derive(Debug, Clone, Default)]
pub struct RoutingTable<const N: usize> {
    routes: Vec<Route, N>,
}

impl<const N: usize> RoutingTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        RoutingTable { routes: Vec::new() }
    }

    /// Adds or replaces the route to `r.dst`.
    ///
    /// # Errors
    /// [`TableFull`].
    pub fn upsert(&mut self, r: Route) -> Result<(), TableFull> {
        if let Some(e) = self.routes.iter_mut().find(|e| e.dst == r.dst) {
            *e = r;
            return Ok(());
        }
        self.routes.push(r).map_err(|_| TableFull {
            table: "routing table",
            capacity: N,
        })
    }

    /// The active route to `dst`.
    #[must_use]
    pub fn next_hop(&self, dst: ShortAddr) -> Option<ShortAddr> {
        self.routes
            .iter()
            .find(|r| r.dst == dst && r.status == RouteStatus::Active)
            .map(|r| r.next_hop)
    }

    /// The entry for `dst`.
    #[must_use]
    pub fn get(&self, dst: ShortAddr) -> Option<&Route> {
        self.routes.iter().find(|r| r.dst == dst)
    }

    /// The entry for `dst`, mutable.
    pub fn get_mut(&mut self, dst: ShortAddr) -> Option<&mut Route> {
        self.routes.iter_mut().find(|r| r.dst == dst)
    }

    /// Removes the route to `dst` (a network status "no route" or link failure).
    pub fn remove(&mut self, dst: ShortAddr) -> bool {
        let n = self.routes.len();
        self.routes.retain(|r| r.dst != dst);
        n != self.routes.len()
    }

    /// All routes.
    pub fn iter(&self) -> impl Iterator<Item = &Route> + '_ {
        self.routes.iter()
    }

    /// Entries held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}

/// A route discovery table entry (Table 3-68).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Discovery {
    /// Route request identifier.
    pub id: u8,
    /// Originator of the request.
    pub originator: ShortAddr,
    /// The neighbour the best request came from (the reverse path).
    pub sender: ShortAddr,
    /// Destination sought.
    pub dst: ShortAddr,
    /// Path cost from the originator to here.
    pub forward_cost: u8,
    /// Path cost from here to the destination (from the reply).
    pub residual_cost: u8,
    /// Forgotten after this.
    pub expires: Instant,
}

/// What a route request did to the discovery table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DiscoveryUpdate {
    /// First copy of this request: relay (or answer) it.
    New,
    /// A cheaper path for a known request: relay again with the lower cost.
    Better,
    /// Not cheaper: drop.
    Worse,
}

/// The route discovery table.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryTable<const N: usize> {
    entries: Vec<Discovery, N>,
}

impl<const N: usize> DiscoveryTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        DiscoveryTable {
            entries: Vec::new(),
        }
    }

    /// A route request `(originator, id)` for `dst` arrived from `sender`
    /// with `cost` so far (§3.6.3.5.2).
    ///
    /// # Errors
    /// [`TableFull`] for a new request with no free entry (drop the request).
    pub fn on_request(
        &mut self,
        now: Instant,
        originator: ShortAddr,
        id: u8,
        dst: ShortAddr,
        sender: ShortAddr,
        cost: u8,
    ) -> Result<DiscoveryUpdate, TableFull> {
        self.entries.retain(|e| e.expires > now);
        if let Some(e) = self
            .entries
            .iter_mut()
            .find(|e| e.originator == originator && e.id == id)
        {
            if cost < e.forward_cost {
                e.forward_cost = cost;
                e.sender = sender;
                return Ok(DiscoveryUpdate::Better);
            }
            return Ok(DiscoveryUpdate::Worse);
        }
        self.entries
            .push(Discovery {
                id,
                originator,
                sender,
                dst,
                forward_cost: cost,
                residual_cost: u8::MAX,
                expires: now + ROUTE_DISCOVERY_TIME,
            })
            .map_err(|_| TableFull {
                table: "route discovery table",
                capacity: N,
            })?;
        Ok(DiscoveryUpdate::New)
    }

    /// The entry for `(originator, id)`.
    #[must_use]
    pub fn get(&self, originator: ShortAddr, id: u8) -> Option<&Discovery> {
        self.entries
            .iter()
            .find(|e| e.originator == originator && e.id == id)
    }

    /// A route reply for `(originator, id)` with `residual` cost: returns
    /// the reverse-path neighbour to relay it to, if the reply improves the route.
    pub fn on_reply(&mut self, originator: ShortAddr, id: u8, residual: u8) -> Option<ShortAddr> {
        let e = self
            .entries
            .iter_mut()
            .find(|e| e.originator == originator && e.id == id)?;
        if residual < e.residual_cost {
            e.residual_cost = residual;
            Some(e.sender)
        } else {
            None
        }
    }

    /// Drops expired entries; returns the destinations whose discoveries expired.
    pub fn expire(&mut self, now: Instant) -> Vec<ShortAddr, N> {
        let mut out = Vec::new();
        self.entries.retain(|e| {
            let keep = e.expires > now;
            if !keep {
                let _ = out.push(e.dst);
            }
            keep
        });
        out
    }

    /// The earliest expiry.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.entries.iter().map(|e| e.expires).min()
    }
}

/// A source route: the relays from the destination's side (index 0, the
/// relay next to the destination) to the concentrator's side, as a route
/// record lists them (§3.4.5) and a source route subframe carries them.
pub type Relays<const HOPS: usize> = Vec<ShortAddr, HOPS>;

/// The concentrator's source route table (the route record table of
/// §3.6.3.5.2): up to `N` destinations with up to `HOPS` relays each.
#[derive(Debug, Clone, Default)]
pub struct SourceRouteTable<const N: usize, const HOPS: usize> {
    entries: Vec<(ShortAddr, Relays<HOPS>), N>,
}

impl<const N: usize, const HOPS: usize> SourceRouteTable<N, HOPS> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        SourceRouteTable {
            entries: Vec::new(),
        }
    }

    /// A route record from `originator` with its relay list.
    ///
    /// # Errors
    /// [`TableFull`] when the table or the relay list is full.
    pub fn on_route_record(
        &mut self,
        originator: ShortAddr,
        relays: impl Iterator<Item = u16>,
    ) -> Result<(), TableFull> {
        let mut path: Relays<HOPS> = Vec::new();
        for r in relays {
            path.push(ShortAddr(r)).map_err(|_| TableFull {
                table: "source route relay list",
                capacity: HOPS,
            })?;
        }
        if let Some(e) = self.entries.iter_mut().find(|e| e.0 == originator) {
            e.1 = path;
            return Ok(());
        }
        self.entries
            .push((originator, path))
            .map_err(|_| TableFull {
                table: "source route table",
                capacity: N,
            })
    }

    /// The relays to `dst` (empty for a neighbour), if a route record came from it.
    #[must_use]
    pub fn relays(&self, dst: ShortAddr) -> Option<&[ShortAddr]> {
        self.entries
            .iter()
            .find(|e| e.0 == dst)
            .map(|e| e.1.as_slice())
    }

    /// Forgets `dst` (it left, or a route error came back).
    pub fn remove(&mut self, dst: ShortAddr) -> bool {
        let n = self.entries.len();
        self.entries.retain(|e| e.0 != dst);
        n != self.entries.len()
    }

    /// Entries held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
