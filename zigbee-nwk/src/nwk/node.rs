//! The NWK roles as one sans-IO state machine over MAC frames: the
//! coordinator (the hub), a router, and an end device (ZigBee R22 §3.6).
//!
//! | role | does |
//! | --- | --- |
//! | all | NWK security on every frame (§4.3: network key, outgoing frame counter persisted through a [`CounterStore`] before use, incoming counters per sender); address map with conflict detection; neighbour table |
//! | coordinator, router | beacons on beacon request (§3.6.7); association with stochastic short-address allocation (§3.6.1.4.2), the permit-join window (§3.6.1.4.1); the indirect queue for children whose receiver is off (§3.6.2.2) with the child's end device timeout (§3.6.10); forwarding unicast by neighbour, source route or routing table, and broadcast once per the broadcast transaction table (§3.6.5), a broadcast to all devices also held for each sleepy child until it polls (§3.6.5); address conflicts resolved (§3.6.1.9.3: a network status broadcast, a router redraws its own address, a parent gives its end device child a new one in an unsolicited Rejoin Response, [`NodeEvent::AddressChanged`] tells the application to send a Device_annce); link status every nwkLinkStatusPeriod (§3.6.3.4); route discovery (§3.6.3.5) |
//! | coordinator as concentrator | many-to-one route requests on a timer, route records into the source route table, source routes on outgoing frames (§3.6.3.5.2, §3.6.3.3.2) |
//! | end device | joining by beacon request and MAC association (§3.6.1.4.1), polling its parent with MAC data requests; everything is sent to the parent |
//!
//! **Network key switch** (ZigBee R22 §4.3.1, §4.4.1, §4.6.3.4): the NWK
//! auxiliary header carries the key sequence number of the network key
//! that secured the frame. [`Node::switch_network_key`] (called when the
//! trust centre's Switch Key arrives) makes the new key active and resets
//! the outgoing NWK frame counter to 0. Incoming frame counters are kept
//! per (sender, key sequence number), so frames under the new key with
//! small counters are accepted while frames still arriving under the
//! previous key are checked against the previous key's own counters. The
//! rule for the previous key: it is accepted for input only, for
//! [`NodeConfig::key_switch_grace`] after the switch; then it is dropped
//! with its incoming counters and frames under it are refused
//! ([`SecurityError::UnknownKeySequence`]). Frames are always sent under the active key,
//! including frames queued for a sleepy child before the switch (they are
//! secured when the child polls).
//!
//! **Frame counter persistence across a switch**: the reset counter is
//! handed out like every other, only after a mark covering it has been
//! persisted through the [`CounterStore`] (the first frame under the new
//! key persists the mark `block`). The store's mark therefore belongs to
//! the *active* key: the caller must make the switch itself durable (the
//! joiner's record of the active key) *before* calling
//! [`Node::switch_network_key`], and on restart resume the active key's
//! counter from the store's mark. A power loss between the two can then
//! only resume the new key from the old, higher mark, never reuse a counter.
//!
//! Input is a MAC frame without FCS ([`Node::handle_input`]); output MAC
//! frames come from [`Node::poll_transmit`]. The MAC's own acknowledgements
//! and retries, CSMA and channel selection are the radio's. Limits: frames
//! of [`MAX_FRAME`] bytes, [`TX_QUEUE`] frames waiting, [`EVENT_QUEUE`]
//! events waiting, [`MAX_RELAYS`] relays in a source route; tables sized
//! by the const generics `NB` (neighbours and incoming frame counters), `RT`
//! (routes, discoveries, broadcast records), `IQ` (indirect frames) and `D`
//! (address map and source routes).

use super::address_map::{AddressConflict, AddressMap, AddressMapError};
use super::broadcast::{BROADCAST_DELIVERY_TIME, BroadcastTable};
use super::build;
use super::commissioning::{
    Commissioning, CommissioningEvent, CommissioningFrame, FrameDst, JoinKind, TrustCentreRole,
};
use super::indirect::{IndirectError, IndirectEvent, IndirectQueue, TRANSACTION_PERSISTENCE};
use super::neighbour::{DeviceType, Neighbour, NeighbourTable, Relationship, end_device_timeout};
use super::routing::{
    DiscoveryTable, DiscoveryUpdate, Route, RouteStatus, RoutingTable, SourceRouteTable,
};
use super::{
    BeaconPayload, DiscoverRoute, EndDeviceTimeoutStatus, NetworkStatusCode, NwkBody, NwkCommand,
    NwkCommandFrame, NwkFrame, NwkFrameControl, NwkFrameType, NwkHeader, SourceRoute,
};
use crate::aps::{
    ApsBody, ApsCommand, ApsFrame, ApsFrameControl, ApsFrameType, ApsHeader, BindingTable,
    DeliveryMode, TableFull,
};
use crate::error::{DecodeError, EncodeError};
use crate::mac::{
    AssociationStatus, CapabilityInformation, FrameType, MacAddress, MacBody, MacCommand, MacFrame,
};
use crate::security::trust_centre::{TcError, TrustCentre};
use crate::security::{
    AuxHeader, IncomingCounters, KeyIdentifier, Keys, OutgoingFrameCounter, SecuredPayload,
    SecurityContext, SecurityError, ZigbeeKey, frame::KeyLookup, secure_nwk, unsecure_nwk,
};
use crate::types::{List, PanId, ShortAddr};
use crate::zdo::responder::{LocalDevice, ZdoAction, ZdoError};
use core::time::Duration;
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use heapless::{Deque, Vec};
use zeroize::Zeroize;

/// aMaxPhyPacketSize less the FCS: the largest MAC frame handled.
pub const MAX_FRAME: usize = 125;
/// MAC frames waiting for [`Node::poll_transmit`].
pub const TX_QUEUE: usize = 8;
/// Events waiting for [`Node::poll_event`].
pub const EVENT_QUEUE: usize = 16;
/// Relays in a source route (nwkMaxSourceRoute, 0x0c).
pub const MAX_RELAYS: usize = 12;
/// Times a joining device asks again for a unique link key when the update
/// does not complete within [`NodeConfig::security_timeout`].
pub const LINK_KEY_RETRIES: u8 = 3;

const BROADCAST_MIN: u16 = 0xfff8;

/// The role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Role {
    /// The ZigBee coordinator (forms the network, short address 0x0000).
    Coordinator,
    /// A router.
    Router,
    /// An end device; `rx_on_when_idle: false` is a sleepy end device that polls.
    EndDevice {
        /// Receiver on when idle.
        rx_on_when_idle: bool,
    },
}

/// Configuration and timer defaults (ZigBee R22 Table 3-58 where it names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeConfig {
    /// Role.
    pub role: Role,
    /// This device's IEEE address.
    pub ieee: Eui64,
    /// PAN id (the coordinator's; others learn it when joining).
    pub pan_id: PanId,
    /// Extended PAN id (the coordinator's; others join only this one, or any if zero).
    pub extended_pan_id: Eui64,
    /// Radius of frames originated here (2 × nwkMaxDepth = 30).
    pub radius: u8,
    /// nwkLinkStatusPeriod (15 s).
    pub link_status_period: Duration,
    /// Many-to-one route request interval of a concentrator (`None`: not a concentrator).
    pub concentrator_interval: Option<Duration>,
    /// nwkConcentratorRadius (10).
    pub concentrator_radius: u8,
    /// Data poll interval of a sleepy end device (5 s).
    pub poll_interval: Duration,
    /// Timeout given to children until they send an End Device Timeout
    /// Request (enumeration 8, 256 minutes, the R22 default).
    pub child_timeout: Duration,
    /// How long indirect frames wait for a poll (macTransactionPersistenceTime, 7.68 s).
    pub indirect_persistence: Duration,
    /// nwkSecurityLevel (5).
    pub security: SecurityContext,
    /// How long after [`Node::switch_network_key`] frames under the
    /// previous network key are still accepted (60 s; ZigBee names no
    /// value, see the module documentation).
    pub key_switch_grace: Duration,
    /// How long a rejoin attempt, or the wait for the network key after
    /// joining or a trust-centre rejoin, may take before it is given up
    /// (10 s; like apsSecurityTimeOutPeriod, ZigBee leaves it to the stack).
    pub security_timeout: Duration,
    /// Poll interval while waiting for a rejoin response or the network
    /// key (250 ms).
    pub key_poll_interval: Duration,
}

impl NodeConfig {
    /// Defaults for `role`.
    #[must_use]
    pub fn new(role: Role, ieee: Eui64, pan_id: PanId, extended_pan_id: Eui64) -> Self {
        NodeConfig {
            role,
            ieee,
            pan_id,
            extended_pan_id,
            radius: 30,
            link_status_period: Duration::from_secs(15),
            concentrator_interval: None,
            concentrator_radius: 10,
            poll_interval: Duration::from_secs(5),
            child_timeout: Duration::from_secs(256 * 60),
            indirect_persistence: TRANSACTION_PERSISTENCE,
            security: SecurityContext::default(),
            key_switch_grace: Duration::from_secs(60),
            security_timeout: Duration::from_secs(10),
            key_poll_interval: Duration::from_millis(250),
        }
    }
}

/// Why an input or a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// A frame did not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A frame could not be encoded (too long for [`MAX_FRAME`]).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// NWK unsecuring failed (replay, MIC, unknown key...).
    #[error(transparent)]
    Security(#[from] SecurityError),
    /// An unsecured NWK frame on a network with a key.
    #[error("unsecured NWK frame refused")]
    Unsecured,
    /// The outgoing frame counter is exhausted or could not be persisted.
    #[error("outgoing frame counter unavailable")]
    FrameCounter,
    /// A key switch to the key sequence number already active, or on a
    /// node without a network key.
    #[error("cannot switch to network key sequence {sequence}")]
    KeySwitch {
        /// The requested key sequence number.
        sequence: u8,
    },
    /// Not addressed to this device.
    #[error("not addressed to this device")]
    NotForUs,
    /// Not joined to a network.
    #[error("not joined")]
    NotJoined,
    /// No route to `dst`: a route discovery has been started; send again later.
    #[error("no route to {dst}; route discovery started")]
    NoRoute {
        /// Destination.
        dst: ShortAddr,
    },
    /// A table is full.
    #[error(transparent)]
    Table(#[from] TableFull),
    /// The indirect queue refused the frame.
    #[error(transparent)]
    Indirect(#[from] IndirectError),
    /// [`TX_QUEUE`] frames wait already.
    #[error("transmit queue full")]
    TxQueueFull,
    /// The frame's radius is used up; not relayed.
    #[error("radius exhausted")]
    RadiusExhausted,
    /// A broadcast already relayed.
    #[error("duplicate broadcast")]
    DuplicateBroadcast,
}

/// What the application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeEvent {
    /// This end device or router joined.
    Joined {
        /// Its short address.
        short: ShortAddr,
        /// Its parent.
        parent: ShortAddr,
        /// The PAN.
        pan: PanId,
    },
    /// The parent refused the association.
    JoinFailed(AssociationStatus),
    /// A device associated with this parent.
    ChildJoined {
        /// IEEE address.
        ieee: Eui64,
        /// Allocated short address.
        short: ShortAddr,
        /// Capability.
        capability: CapabilityInformation,
    },
    /// An association was refused.
    JoinRefused {
        /// IEEE address.
        ieee: Eui64,
        /// Status sent.
        status: AssociationStatus,
    },
    /// The permit-join window closed.
    PermitJoinClosed,
    /// A child was silent beyond its end device timeout and was removed.
    ChildTimedOut {
        /// Its short address.
        short: ShortAddr,
    },
    /// A child sent a NWK leave.
    ChildLeft {
        /// Its short address.
        short: ShortAddr,
    },
    /// An indirect frame expired before its child polled.
    IndirectExpired {
        /// The child.
        dst: MacAddress,
    },
    /// Two devices claim one short address (a coordinator or router that
    /// sees it resolves it, see [`NodeEvent::AddressChanged`], and
    /// broadcasts a network status "address conflict", ZigBee R22 §3.6.1.9.3).
    AddressConflict(AddressConflict),
    /// This device's short address changed after an address conflict
    /// (ZigBee R22 §3.6.1.9.3): a router drew a new one on a network status
    /// "address conflict" naming its own address; an end device took the one
    /// its parent gave in an unsolicited Rejoin Response. The node does not
    /// announce it itself: the application must broadcast a ZDO
    /// Device_annce (ZigBee R22 §2.4.3.1.11) with `new` so that others
    /// update their address maps.
    AddressChanged {
        /// The conflicting address given up.
        old: ShortAddr,
        /// The new address.
        new: ShortAddr,
    },
    /// This parent gave its end device child a new short address after an
    /// address conflict, sent in an unsolicited Rejoin Response (ZigBee
    /// R22 §3.6.1.9.3).
    ChildAddressChanged {
        /// The child.
        ieee: Eui64,
        /// The conflicting address.
        old: ShortAddr,
        /// Its new address.
        new: ShortAddr,
    },
    /// A route reply arrived for a discovery this node started.
    RouteDiscovered {
        /// Destination.
        dst: ShortAddr,
        /// Next hop.
        next_hop: ShortAddr,
    },
    /// A discovery this node started was not answered.
    RouteDiscoveryFailed {
        /// Destination.
        dst: ShortAddr,
    },
    /// A route record was stored (concentrator).
    RouteRecord {
        /// The device.
        src: ShortAddr,
        /// Relays on its path.
        relays: u8,
    },
    /// A NWK network status command for this node.
    NetworkStatus {
        /// Status.
        status: NetworkStatusCode,
        /// Address concerned.
        dst: ShortAddr,
    },
    /// The parent asked this device to leave.
    LeaveRequested,
    /// This device rejoined (§3.6.1.4.2) with this address and parent.
    Rejoined {
        /// Its short address (kept, or a new one from the parent).
        short: ShortAddr,
        /// Its parent.
        parent: ShortAddr,
        /// A secured rejoin (else a trust-centre rejoin: the network key follows).
        secured: bool,
    },
    /// A rejoin attempt, an association without response, or the wait for
    /// the network key failed ([`NodeConfig::security_timeout`]): the
    /// device is not joined. `status` is the parent's refusal, `None` when
    /// nothing came in time.
    RejoinFailed {
        /// The parent's rejoin status.
        status: Option<AssociationStatus>,
    },
    /// A device rejoined at this parent.
    ChildRejoined {
        /// IEEE address.
        ieee: Eui64,
        /// Its short address (kept, or newly allocated on a conflict).
        short: ShortAddr,
        /// Secured rejoin (else trust-centre rejoin).
        secured: bool,
    },
    /// The network key from the trust centre is in use at the NWK layer.
    NetworkKeyInstalled {
        /// Its key sequence number.
        sequence: u8,
    },
    /// An event of the commissioning role (trust centre or joining device).
    Commissioning(CommissioningEvent),
    /// A received frame was dropped.
    Dropped(NodeError),
}

/// An NLDE-DATA.indication: an APS frame for this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NwkIndication<'a> {
    /// NWK source.
    pub src: ShortAddr,
    /// NWK source IEEE address when the header carries it.
    pub src_ieee: Option<Eui64>,
    /// NWK destination (this node or a broadcast address).
    pub dst: ShortAddr,
    /// Link quality of the last hop.
    pub lqi: u8,
    /// NWK security was applied.
    pub secured: bool,
    /// The APS frame.
    pub payload: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JoinState {
    Idle,
    Scanning,
    Associating {
        parent: ShortAddr,
    },
    Joined,
    /// Rejoining: scanning (`parent: None`), then waiting for the Rejoin Response.
    Rejoining {
        secured: bool,
        parent: Option<ShortAddr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PermitJoin {
    Closed,
    Until(Instant),
    Forever,
}

/// How an outgoing NWK frame leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hop {
    /// Direct to this MAC short address.
    Direct(ShortAddr),
    /// Held for a sleepy child.
    Indirect(ShortAddr),
    /// MAC broadcast.
    Broadcast,
}

/// A NWK role; see the module documentation.
pub struct Node<
    S: CounterStore,
    const NB: usize,
    const RT: usize,
    const IQ: usize,
    const D: usize,
    C: Commissioning = (),
> {
    cfg: NodeConfig,
    /// The commissioning role (trust centre, joining device or none).
    sec: C,
    /// Waiting for the network key from the trust centre (after joining
    /// without it, or a trust-centre rejoin): polling the parent.
    awaiting_key: bool,
    /// When a rejoin attempt or the wait for the network key gives up, or
    /// an unfinished link key update is asked again.
    deadline: Option<Instant>,
    /// Link key requests left to retry.
    key_retries: u8,
    /// APS counter of the ZDO responses this node sends.
    zdo_counter: u8,
    short: ShortAddr,
    pan: PanId,
    parent: Option<ShortAddr>,
    state: JoinState,
    keys: Keys,
    /// The previous network key, accepted for input until the instant.
    previous_key: Option<(u8, ZigbeeKey, Instant)>,
    counter: OutgoingFrameCounter,
    store: S,
    incoming: IncomingCounters<NB>,
    neighbours: NeighbourTable<NB>,
    address_map: AddressMap<D>,
    routes: RoutingTable<RT>,
    discovery: DiscoveryTable<RT>,
    btt: BroadcastTable<RT>,
    source_routes: SourceRouteTable<D, MAX_RELAYS>,
    indirect: IndirectQueue<IQ, MAX_FRAME>,
    tx: Deque<Vec<u8, MAX_FRAME>, TX_QUEUE>,
    events: Deque<NodeEvent, EVENT_QUEUE>,
    events_lost: u32,
    rx: [u8; MAX_FRAME],
    mac_seq: u8,
    nwk_seq: u8,
    route_request_id: u8,
    permit: PermitJoin,
    next_link_status: Option<Instant>,
    next_concentrator: Option<Instant>,
    next_poll: Option<Instant>,
    alloc_state: u64,
}

impl<
    S: CounterStore,
    const NB: usize,
    const RT: usize,
    const IQ: usize,
    const D: usize,
    C: Commissioning,
> core::fmt::Debug for Node<S, NB, RT, IQ, D, C>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Node")
            .field("role", &self.cfg.role)
            .field("short", &self.short)
            .field("pan", &self.pan)
            .field("state", &self.state)
            .field("neighbours", &self.neighbours.len())
            .field("routes", &self.routes.len())
            .field("indirect", &self.indirect.len())
            .finish_non_exhaustive()
    }
}

/// splitmix64: spreads the caller's random seed over short-address draws
/// (addresses need to be unpredictable to avoid collisions, not secret).
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn is_broadcast(a: ShortAddr) -> bool {
    a.0 >= BROADCAST_MIN
}

impl<S: CounterStore, const NB: usize, const RT: usize, const IQ: usize, const D: usize>
    Node<S, NB, RT, IQ, D, ()>
{
    /// A node. `keys.network` secures every NWK frame (none: unsecured
    /// network); `counter` is the network key's outgoing frame counter,
    /// resumed from `store`'s persisted mark. `rng` seeds the short-address
    /// draws and the first sequence numbers.
    pub fn new<R: rand_core::CryptoRng + ?Sized>(
        cfg: NodeConfig,
        keys: Keys,
        counter: OutgoingFrameCounter,
        store: S,
        rng: &mut R,
    ) -> Self {
        Self::with_seed(cfg, keys, counter, store, rng.next_u64())
    }

    /// As [`new`](Self::new) with the 64-bit seed drawn by the caller (from a
    /// CSPRNG in a product; fixed in fuzzing and simulation).
    pub fn with_seed(
        cfg: NodeConfig,
        keys: Keys,
        counter: OutgoingFrameCounter,
        store: S,
        seed: u64,
    ) -> Self {
        Node::with_commissioning(cfg, keys, counter, store, seed, ())
    }
}

impl<
    S: CounterStore,
    const NB: usize,
    const RT: usize,
    const IQ: usize,
    const D: usize,
    C: Commissioning,
> Node<S, NB, RT, IQ, D, C>
{
    /// As [`Node::with_seed`] with a commissioning role: a coordinator with
    /// a [`TrustCentreRole`], a
    /// router or end device with a
    /// [`JoinerRole`](super::commissioning::JoinerRole) (give it no network
    /// key: it takes the key from the trust centre). See
    /// [`commissioning`](super::commissioning).
    pub fn with_commissioning(
        cfg: NodeConfig,
        keys: Keys,
        counter: OutgoingFrameCounter,
        store: S,
        seed: u64,
        sec: C,
    ) -> Self {
        let coordinator = cfg.role == Role::Coordinator;
        Node {
            short: if coordinator {
                ShortAddr(0)
            } else {
                ShortAddr(0xfffe)
            },
            pan: cfg.pan_id,
            parent: None,
            state: if coordinator {
                JoinState::Joined
            } else {
                JoinState::Idle
            },
            keys,
            previous_key: None,
            counter,
            store,
            incoming: IncomingCounters::new(),
            neighbours: NeighbourTable::new(),
            address_map: AddressMap::new(),
            routes: RoutingTable::new(),
            discovery: DiscoveryTable::new(),
            btt: BroadcastTable::new(),
            source_routes: SourceRouteTable::new(),
            indirect: IndirectQueue::new(),
            tx: Deque::new(),
            events: Deque::new(),
            events_lost: 0,
            rx: [0; MAX_FRAME],
            mac_seq: (seed >> 8) as u8,
            nwk_seq: (seed >> 16) as u8,
            route_request_id: (seed >> 24) as u8,
            permit: PermitJoin::Closed,
            next_link_status: None,
            next_concentrator: None,
            next_poll: None,
            alloc_state: seed,
            cfg,
            sec,
            awaiting_key: false,
            deadline: None,
            key_retries: 0,
            zdo_counter: (seed >> 32) as u8,
        }
    }

    /// The counter store (its mark belongs to the active key's outgoing
    /// NWK frame counter).
    #[must_use]
    pub const fn store(&self) -> &S {
        &self.store
    }

    /// The active network key sequence number (`None`: unsecured network).
    #[must_use]
    pub fn network_key_sequence(&self) -> Option<u8> {
        self.keys.network.as_ref().map(|(s, _)| *s)
    }

    /// The previous network key sequence number while it is still accepted.
    #[must_use]
    pub fn previous_key_sequence(&self) -> Option<u8> {
        self.previous_key.as_ref().map(|(s, _, _)| *s)
    }

    /// Switch Key (ZigBee R22 §4.4.1, §4.6.3.4): `key` under `sequence`
    /// becomes the active network key and the outgoing NWK frame counter
    /// restarts at 0, reserving `block` counters per persisted mark; the
    /// key that was active is accepted for input for
    /// [`NodeConfig::key_switch_grace`]. Make the switch durable first; see
    /// the module documentation for the persistence rule.
    ///
    /// # Errors
    /// [`NodeError::KeySwitch`] when `sequence` is already active or the
    /// node has no network key.
    pub fn switch_network_key(
        &mut self,
        now: Instant,
        sequence: u8,
        key: ZigbeeKey,
        block: u32,
    ) -> Result<(), NodeError> {
        match &self.keys.network {
            Some((s, _)) if *s != sequence => {}
            _ => return Err(NodeError::KeySwitch { sequence }),
        }
        self.install_key(now, sequence, key, Some(block));
        Ok(())
    }

    /// Makes `key` the active network key; the one active becomes the
    /// previous key for the grace period. The outgoing counter restarts
    /// at 0 with `reset` (see the module documentation), else runs on
    /// (the commissioning path: a counter that only grows never repeats a
    /// nonce under any key, and needs no ordering of stores).
    fn install_key(&mut self, now: Instant, sequence: u8, key: ZigbeeKey, reset: Option<u32>) {
        if let Some((s, k)) = self.keys.network.as_mut()
            && *s == sequence
        {
            // The same key sequence again (a trust-centre rejoin): new key
            // material, counters kept.
            *k = key;
            return;
        }
        if let Some((old, _, _)) = self.previous_key.take() {
            self.incoming
                .remove_key(KeyIdentifier::Network { sequence: old });
        }
        // Counters left from an earlier key with this sequence number.
        self.incoming
            .remove_key(KeyIdentifier::Network { sequence });
        if let Some((s, k)) = self.keys.network.replace((sequence, key))
            && s != sequence
        {
            self.previous_key = Some((s, k, now + self.cfg.key_switch_grace));
        }
        if let Some(block) = reset {
            self.counter = OutgoingFrameCounter::resume(0, block);
        }
    }

    fn expire_previous_key(&mut self, now: Instant) {
        if let Some((s, _, until)) = &self.previous_key
            && *until <= now
        {
            let sequence = *s;
            self.previous_key = None;
            self.incoming
                .remove_key(KeyIdentifier::Network { sequence });
        }
    }

    /// Starts the timers: a coordinator's link status and concentrator
    /// timers; a router or end device that has not joined sends a beacon
    /// request to find a parent.
    pub fn start(&mut self, now: Instant) {
        match self.state {
            JoinState::Joined => self.schedule_joined(now),
            _ => {
                self.state = JoinState::Scanning;
                self.deadline = Some(now + self.cfg.security_timeout);
                let mut f = [0u8; MAX_FRAME];
                let seq = self.next_mac_seq();
                if let Ok(n) = build::command(
                    &mut f,
                    seq,
                    Some(PanId::BROADCAST),
                    Some(MacAddress::Short(ShortAddr::BROADCAST)),
                    None,
                    None,
                    MacCommand::BeaconRequest,
                ) {
                    self.queue_tx(f.get(..n).unwrap_or(&[]));
                }
            }
        }
    }

    fn schedule_joined(&mut self, now: Instant) {
        match self.cfg.role {
            Role::EndDevice { rx_on_when_idle } => {
                if !rx_on_when_idle {
                    self.next_poll = Some(now + self.cfg.poll_interval);
                }
            }
            _ => {
                self.next_link_status = Some(now + self.cfg.link_status_period);
                self.next_concentrator = self.cfg.concentrator_interval.map(|_| now);
            }
        }
    }

    /// This node's short address (0xfffe until joined).
    #[must_use]
    pub const fn short(&self) -> ShortAddr {
        self.short
    }

    /// The PAN id.
    #[must_use]
    pub const fn pan_id(&self) -> PanId {
        self.pan
    }

    /// The IEEE address.
    #[must_use]
    pub const fn ieee(&self) -> Eui64 {
        self.cfg.ieee
    }

    /// The configuration.
    #[must_use]
    pub const fn config(&self) -> &NodeConfig {
        &self.cfg
    }

    /// Whether joined (always for a coordinator).
    #[must_use]
    pub fn is_joined(&self) -> bool {
        self.state == JoinState::Joined
    }

    /// The parent (end devices and routers once joined).
    #[must_use]
    pub const fn parent(&self) -> Option<ShortAddr> {
        self.parent
    }

    /// The neighbour table.
    #[must_use]
    pub const fn neighbours(&self) -> &NeighbourTable<NB> {
        &self.neighbours
    }

    /// The address map.
    #[must_use]
    pub const fn address_map(&self) -> &AddressMap<D> {
        &self.address_map
    }

    /// The routing table.
    #[must_use]
    pub const fn routes(&self) -> &RoutingTable<RT> {
        &self.routes
    }

    /// The source route table (concentrator).
    #[must_use]
    pub const fn source_routes(&self) -> &SourceRouteTable<D, MAX_RELAYS> {
        &self.source_routes
    }

    /// The indirect queue.
    #[must_use]
    pub const fn indirect(&self) -> &IndirectQueue<IQ, MAX_FRAME> {
        &self.indirect
    }

    /// Events lost because [`EVENT_QUEUE`] were waiting.
    #[must_use]
    pub const fn events_lost(&self) -> u32 {
        self.events_lost
    }

    /// Whether joining is permitted at `now`.
    #[must_use]
    pub fn permit_joining_open(&self, now: Instant) -> bool {
        match self.permit {
            PermitJoin::Closed => false,
            PermitJoin::Until(t) => now < t,
            PermitJoin::Forever => true,
        }
    }

    /// NLME-PERMIT-JOINING.request (§3.2.2.5): `seconds` 0 closes, 0xff opens
    /// until closed, else opens for that long.
    pub fn permit_joining(&mut self, now: Instant, seconds: u8) {
        self.permit = match seconds {
            0 => PermitJoin::Closed,
            0xff => PermitJoin::Forever,
            s => PermitJoin::Until(now + Duration::from_secs(u64::from(s))),
        };
    }

    fn push_event(&mut self, e: NodeEvent) {
        if self.events.push_back(e).is_err() {
            self.events_lost = self.events_lost.saturating_add(1);
        }
    }

    fn drop_with(&mut self, e: NodeError) -> NodeError {
        self.push_event(NodeEvent::Dropped(e));
        e
    }

    fn next_mac_seq(&mut self) -> u8 {
        self.mac_seq = self.mac_seq.wrapping_add(1);
        self.mac_seq
    }

    fn next_nwk_seq(&mut self) -> u8 {
        self.nwk_seq = self.nwk_seq.wrapping_add(1);
        self.nwk_seq
    }

    fn queue_tx(&mut self, frame: &[u8]) -> bool {
        match Vec::from_slice(frame) {
            Ok(v) => self.tx.push_back(v).is_ok(),
            Err(_) => false,
        }
    }

    /// The next MAC frame to send (without FCS), written to `buf`.
    /// `None` when nothing waits or `buf` is too small (the frame stays).
    pub fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<usize> {
        let f = self.tx.front()?;
        let out = buf.get_mut(..f.len())?;
        out.copy_from_slice(f);
        let n = f.len();
        self.tx.pop_front();
        Some(n)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<NodeEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let permit = match self.permit {
            PermitJoin::Until(t) => Some(t),
            _ => None,
        };
        [
            permit,
            self.next_link_status,
            self.next_concentrator,
            self.next_poll,
            self.indirect.poll_timeout(),
            self.discovery.poll_timeout(),
            self.neighbours.next_child_expiry(),
            self.previous_key.as_ref().map(|(_, _, t)| *t),
            self.deadline,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.expire_previous_key(now);
        if self.deadline.is_some_and(|t| t <= now) {
            self.deadline = None;
            self.security_deadline(now);
        }
        if let PermitJoin::Until(t) = self.permit
            && t <= now
        {
            self.permit = PermitJoin::Closed;
            self.push_event(NodeEvent::PermitJoinClosed);
        }
        if self.next_link_status.is_some_and(|t| t <= now) {
            self.next_link_status = Some(now + self.cfg.link_status_period);
            let _ = self.send_link_status(now);
            self.neighbours.age_routers();
        }
        if let Some(interval) = self.cfg.concentrator_interval
            && self.next_concentrator.is_some_and(|t| t <= now)
        {
            self.next_concentrator = Some(now + interval);
            let _ = self.send_many_to_one(now);
        }
        if self.next_poll.is_some_and(|t| t <= now) {
            let joined = self.is_joined();
            let waiting = self.awaiting_key
                || matches!(
                    self.state,
                    JoinState::Rejoining {
                        parent: Some(_),
                        ..
                    }
                );
            let sleepy = matches!(
                self.cfg.role,
                Role::EndDevice {
                    rx_on_when_idle: false
                }
            );
            self.next_poll = if waiting {
                Some(now + self.cfg.key_poll_interval)
            } else if joined && sleepy {
                Some(now + self.cfg.poll_interval)
            } else {
                None
            };
            let _ = self.send_data_request();
        }
        for child in self.neighbours.expire_children(now) {
            let addrs = child_addrs(&child);
            self.indirect.remove_child(&addrs);
            self.push_event(NodeEvent::ChildTimedOut { short: child.short });
        }
        self.indirect.handle_timeout(now);
        while let Some(IndirectEvent::Expired { dst, .. }) = self.indirect.poll_event() {
            self.push_event(NodeEvent::IndirectExpired { dst });
        }
        for dst in self.discovery.expire(now) {
            if self
                .routes
                .get(dst)
                .is_some_and(|r| r.status == RouteStatus::DiscoveryUnderway)
            {
                self.routes.remove(dst);
                self.push_event(NodeEvent::RouteDiscoveryFailed { dst });
            }
        }
        self.drain_commissioning(now);
    }

    /// Sends a MAC data request to the parent now (a sleepy end device's poll).
    ///
    /// # Errors
    /// [`NodeError::NotJoined`], [`NodeError::TxQueueFull`].
    pub fn send_data_request(&mut self) -> Result<(), NodeError> {
        let (parent, src) = match self.state {
            JoinState::Associating { parent }
            | JoinState::Rejoining {
                parent: Some(parent),
                ..
            } => (parent, MacAddress::Extended(self.cfg.ieee)),
            JoinState::Joined => (
                self.parent.ok_or(NodeError::NotJoined)?,
                MacAddress::Short(self.short),
            ),
            _ => return Err(NodeError::NotJoined),
        };
        let mut f = [0u8; MAX_FRAME];
        let seq = self.next_mac_seq();
        let n = build::command(
            &mut f,
            seq,
            Some(self.pan),
            Some(MacAddress::Short(parent)),
            None,
            Some(src),
            MacCommand::DataRequest,
        )?;
        if self.queue_tx(f.get(..n).unwrap_or(&[])) {
            Ok(())
        } else {
            Err(NodeError::TxQueueFull)
        }
    }

    /// NLDE-DATA.request: sends an APS frame to `dst` (unicast or a
    /// broadcast address), secured with the network key.
    ///
    /// # Errors
    /// [`NodeError::NoRoute`] (a discovery was started), [`NodeError::NotJoined`],
    /// queue and table errors, [`NodeError::FrameCounter`].
    pub fn send_data(&mut self, now: Instant, dst: ShortAddr, aps: &[u8]) -> Result<(), NodeError> {
        if !self.is_joined() {
            return Err(NodeError::NotJoined);
        }
        let seq = self.next_nwk_seq();
        let header = self.header(NwkFrameType::Data, dst, self.cfg.radius, seq);
        self.originate(now, header, aps)
    }

    fn header(
        &self,
        frame_type: NwkFrameType,
        dst: ShortAddr,
        radius: u8,
        sequence: u8,
    ) -> NwkHeader<'static> {
        NwkHeader {
            frame_control: NwkFrameControl {
                frame_type,
                protocol_version: 2,
                discover_route: DiscoverRoute::Enable,
                multicast: false,
                security: false,
                source_route: false,
                dst_ieee: false,
                src_ieee: true,
                end_device_initiator: false,
                reserved: 0,
            },
            dst,
            src: self.short,
            radius,
            sequence,
            dst_ieee: None,
            src_ieee: Some(self.cfg.ieee),
            multicast_control: None,
            source_route: None,
        }
    }

    /// Routes and sends a frame originated here.
    fn originate(
        &mut self,
        now: Instant,
        header: NwkHeader<'_>,
        payload: &[u8],
    ) -> Result<(), NodeError> {
        let dst = header.dst;
        if is_broadcast(dst) {
            let _ = self
                .btt
                .record(now, self.short, header.sequence, BROADCAST_DELIVERY_TIME);
            return self.broadcast(now, header, payload);
        }
        // Concentrator: a source route from a route record.
        if let Some(relays) = self.source_routes.relays(dst)
            && let Some(&first) = relays.last()
            && self.neighbours.get(dst).is_none()
        {
            let mut list = [0u8; 2 * MAX_RELAYS];
            let n = relays.len();
            for (chunk, r) in list.chunks_exact_mut(2).zip(relays) {
                chunk.copy_from_slice(&r.0.to_le_bytes());
            }
            let relays = List::new(list.get(..2 * n).unwrap_or(&[])).unwrap_or(List::empty());
            let mut h = header;
            h.frame_control.source_route = true;
            h.source_route = Some(SourceRoute {
                relay_index: u8::try_from(n - 1).unwrap_or(0),
                relays,
            });
            return self.emit(now, h, payload, Hop::Direct(first));
        }
        let hop = self.next_hop(dst);
        match hop {
            Some(hop) => self.emit(now, header, payload, hop),
            None => {
                self.discover(now, dst)?;
                Err(NodeError::NoRoute { dst })
            }
        }
    }

    /// The next hop to `dst`, if known.
    fn next_hop(&self, dst: ShortAddr) -> Option<Hop> {
        if let Role::EndDevice { .. } = self.cfg.role {
            return self.parent.map(Hop::Direct);
        }
        if let Some(n) = self.neighbours.get(dst) {
            return Some(
                if n.relationship == Relationship::Child && !n.rx_on_when_idle {
                    Hop::Indirect(dst)
                } else {
                    Hop::Direct(dst)
                },
            );
        }
        self.routes.next_hop(dst).map(Hop::Direct)
    }

    /// Starts a route discovery for `dst` (§3.6.3.5.1).
    fn discover(&mut self, now: Instant, dst: ShortAddr) -> Result<(), NodeError> {
        if self
            .routes
            .get(dst)
            .is_some_and(|r| r.status == RouteStatus::DiscoveryUnderway)
        {
            return Ok(());
        }
        self.route_request_id = self.route_request_id.wrapping_add(1);
        let id = self.route_request_id;
        self.discovery
            .on_request(now, self.short, id, dst, self.short, 0)?;
        self.routes.upsert(Route {
            dst,
            next_hop: ShortAddr::BROADCAST,
            status: RouteStatus::DiscoveryUnderway,
            many_to_one: false,
            route_record_required: false,
        })?;
        let cmd = NwkCommand::RouteRequest {
            options: 0,
            id,
            dst,
            path_cost: 0,
            dst_ieee: None,
        };
        let seq = self.next_nwk_seq();
        let h = self.header(
            NwkFrameType::Command,
            ShortAddr::ROUTERS,
            self.cfg.radius,
            seq,
        );
        self.send_command(now, h, cmd, None)
    }

    fn send_command(
        &mut self,
        now: Instant,
        header: NwkHeader<'_>,
        cmd: NwkCommand<'_>,
        hop: Option<Hop>,
    ) -> Result<(), NodeError> {
        let mut body = [0u8; MAX_FRAME];
        let n = NwkCommandFrame {
            command: cmd,
            tlvs: &[],
        }
        .encode(&mut body)?;
        let body = body.get(..n).unwrap_or(&[]);
        match hop {
            Some(h) => self.emit(now, header, body, h),
            None => self.originate(now, header, body),
        }
    }

    /// Sends a broadcast (originated or relayed) as a MAC broadcast; a
    /// router or coordinator also holds a copy of a broadcast to all
    /// devices (0xffff) for each child whose receiver is off when idle
    /// (ZigBee R22 §3.6.5), collected when the child polls or dropped with
    /// [`NodeEvent::IndirectExpired`] like any indirect frame.
    fn broadcast(
        &mut self,
        now: Instant,
        header: NwkHeader<'_>,
        payload: &[u8],
    ) -> Result<(), NodeError> {
        let sent = self.emit(now, header, payload, Hop::Broadcast);
        if header.dst == ShortAddr::BROADCAST && !matches!(self.cfg.role, Role::EndDevice { .. }) {
            let sleepy: Vec<ShortAddr, NB> = self
                .neighbours
                .children()
                .filter(|c| !c.rx_on_when_idle)
                .map(|c| c.short)
                .collect();
            for child in sleepy {
                if let Err(e) = self.emit(now, header, payload, Hop::Indirect(child)) {
                    self.push_event(NodeEvent::Dropped(e));
                }
            }
        }
        sent
    }

    /// Encodes (and secures) a NWK frame and queues its MAC frame.
    fn emit(
        &mut self,
        now: Instant,
        header: NwkHeader<'_>,
        payload: &[u8],
        hop: Hop,
    ) -> Result<(), NodeError> {
        // A frame held for a sleepy child is secured when it is collected,
        // so its frame counter is taken when it goes on air (§4.3.1.1).
        let mode = if matches!(hop, Hop::Indirect(_)) {
            Protect::Later
        } else {
            Protect::Now
        };
        self.emit_with(now, header, payload, hop, mode)
    }

    fn emit_with(
        &mut self,
        now: Instant,
        header: NwkHeader<'_>,
        payload: &[u8],
        hop: Hop,
        mode: Protect,
    ) -> Result<(), NodeError> {
        let mut nwk = [0u8; MAX_FRAME];
        let n = self.encode_nwk(&mut nwk, header, payload, mode)?;
        let nwk = nwk.get(..n).unwrap_or(&[]);
        let mut mac = [0u8; MAX_FRAME];
        let seq = self.next_mac_seq();
        let dst = match hop {
            Hop::Direct(a) | Hop::Indirect(a) => a,
            Hop::Broadcast => ShortAddr::BROADCAST,
        };
        let m = build::mac_frame(
            &mut mac,
            FrameType::Data,
            seq,
            Some(self.pan),
            Some(MacAddress::Short(dst)),
            None,
            Some(MacAddress::Short(self.short)),
            false,
            MacBody::Data(nwk),
        )?;
        let mac = mac.get(..m).unwrap_or(&[]);
        if let Hop::Indirect(child) = hop {
            let persistence = self
                .neighbours
                .get(child)
                .and_then(|c| c.timeout)
                .map_or(self.cfg.indirect_persistence, |t| {
                    t.min(self.cfg.indirect_persistence)
                });
            let nwk_at = m.saturating_sub(n);
            if self.keys.network.is_some() && mode == Protect::Later {
                self.indirect.push_unsecured(
                    now,
                    MacAddress::Short(child),
                    mac,
                    nwk_at,
                    persistence,
                )?;
            } else {
                self.indirect
                    .push(now, MacAddress::Short(child), mac, persistence)?;
            }
            return Ok(());
        }
        if self.queue_tx(mac) {
            Ok(())
        } else {
            Err(NodeError::TxQueueFull)
        }
    }

    /// Encodes a NWK frame; with a network key, secured ([`Protect::Now`]),
    /// laid out for [`Self::secure_held`] (plaintext, placeholder counter,
    /// [`Protect::Later`]) or sent without NWK security ([`Protect::Plain`]).
    fn encode_nwk(
        &mut self,
        buf: &mut [u8],
        header: NwkHeader<'_>,
        payload: &[u8],
        mode: Protect,
    ) -> Result<usize, NodeError> {
        let mut header = header;
        let secure = mode == Protect::Now;
        let Some((sequence, key)) = self
            .keys
            .network
            .as_ref()
            .filter(|_| mode != Protect::Plain)
        else {
            header.frame_control.security = false;
            let body = if header.frame_control.frame_type == NwkFrameType::Command {
                NwkBody::Command(NwkCommandFrame::decode(payload)?)
            } else {
                NwkBody::Data(payload)
            };
            return Ok(NwkFrame { header, body }.encode(buf)?);
        };
        let frame_counter = if secure {
            self.counter
                .next(&mut self.store)
                .map_err(|_| NodeError::FrameCounter)?
        } else {
            0
        };
        header.frame_control.security = true;
        let aux = AuxHeader {
            level: 0,
            key_id: KeyIdentifier::Network {
                sequence: *sequence,
            },
            reserved: 0,
            frame_counter,
            source: Some(self.cfg.ieee),
        };
        let mic = [0u8; 16];
        let mic = mic
            .get(..crate::security::mic_len(self.cfg.security.level))
            .unwrap_or(&[]);
        let n = NwkFrame {
            header,
            body: NwkBody::Secured(SecuredPayload {
                aux,
                ciphertext: payload,
                mic,
            }),
        }
        .encode(buf)?;
        if secure {
            let frame = buf
                .get_mut(..n)
                .ok_or(NodeError::Encode(EncodeError::BufferTooSmall { needed: n }))?;
            secure_nwk(frame, &self.cfg.security, key)?;
        }
        Ok(n)
    }

    /// Secures a NWK frame held in the indirect queue as it is collected:
    /// a fresh outgoing frame counter (persisted through the store before
    /// use) and the active key sequence number go into its auxiliary
    /// header, then the payload is encrypted in place (§4.3.1.1).
    fn secure_held(&mut self, nwk: &mut [u8]) -> Result<(), NodeError> {
        let Some((sequence, key)) = &self.keys.network else {
            return Ok(());
        };
        let (_, h) = NwkHeader::decode(nwk)?;
        let frame_counter = self
            .counter
            .next(&mut self.store)
            .map_err(|_| NodeError::FrameCounter)?;
        let aux = AuxHeader {
            level: 0,
            key_id: KeyIdentifier::Network {
                sequence: *sequence,
            },
            reserved: 0,
            frame_counter,
            source: Some(self.cfg.ieee),
        };
        let at = nwk
            .get_mut(h..)
            .ok_or(NodeError::Encode(EncodeError::BufferTooSmall { needed: h }))?;
        aux.encode(at)?;
        secure_nwk(nwk, &self.cfg.security, key)?;
        Ok(())
    }

    /// Feeds a received MAC frame (without FCS) with the radio's LQI.
    /// Returns the APS frame when one is for this node.
    ///
    /// # Errors
    /// [`NodeError`]; drops that matter to the network (security, tables)
    /// are also given as [`NodeEvent::Dropped`].
    pub fn handle_input(
        &mut self,
        now: Instant,
        frame: &[u8],
        lqi: u8,
    ) -> Result<Option<NwkIndication<'_>>, NodeError> {
        let r = self.input(now, frame, lqi);
        self.drain_commissioning(now);
        Ok(r?.map(|d| NwkIndication {
            src: d.src,
            src_ieee: d.src_ieee,
            dst: d.dst,
            lqi: d.lqi,
            secured: d.secured,
            payload: self.rx.get(..d.len).unwrap_or(&[]),
        }))
    }

    fn input(
        &mut self,
        now: Instant,
        frame: &[u8],
        lqi: u8,
    ) -> Result<Option<Delivered>, NodeError> {
        let mac = MacFrame::decode(frame)?;
        if let Some(p) = mac.dst_pan
            && p != self.pan
            && p != PanId::BROADCAST
        {
            return Err(NodeError::NotForUs);
        }
        match mac.dst {
            None => {}
            Some(MacAddress::Short(s)) if s == self.short || s == ShortAddr::BROADCAST => {}
            Some(MacAddress::Extended(e)) if e == self.cfg.ieee => {}
            _ => return Err(NodeError::NotForUs),
        }
        match mac.body {
            MacBody::Beacon(b) => {
                self.on_beacon(now, &mac, b.superframe.association_permit(), b.payload);
                Ok(None)
            }
            MacBody::Command(c) => {
                self.on_mac_command(now, &mac, c)?;
                Ok(None)
            }
            MacBody::Data(p) => {
                let Some(MacAddress::Short(from)) = mac.src else {
                    return Err(NodeError::NotForUs);
                };
                if mac.frame_control.frame_pending && self.parent == Some(from) {
                    // More is waiting at the parent: poll again at once.
                    self.next_poll = Some(now);
                }
                self.on_nwk(now, from, p, lqi)
            }
            _ => Ok(None),
        }
    }

    fn on_beacon(&mut self, now: Instant, mac: &MacFrame<'_>, permit: bool, payload: &[u8]) {
        if let JoinState::Rejoining {
            secured,
            parent: None,
        } = self.state
        {
            self.rejoin_at(now, mac, secured, payload);
            return;
        }
        if self.state != JoinState::Scanning || !permit {
            return;
        }
        let (Some(MacAddress::Short(parent)), Some(pan)) = (mac.src, mac.src_pan) else {
            return;
        };
        let Ok(b) = BeaconPayload::decode(payload) else {
            return;
        };
        let any = self.cfg.extended_pan_id == Eui64([0; 8]);
        let capacity = match self.cfg.role {
            Role::Router => b.router_capacity,
            _ => b.end_device_capacity,
        };
        if b.protocol_id != 0
            || !capacity
            || !(any || b.extended_pan_id == self.cfg.extended_pan_id)
        {
            return;
        }
        self.pan = pan;
        self.state = JoinState::Associating { parent };
        let mut f = [0u8; MAX_FRAME];
        let seq = self.next_mac_seq();
        if let Ok(n) = build::command(
            &mut f,
            seq,
            Some(pan),
            Some(MacAddress::Short(parent)),
            Some(PanId::BROADCAST),
            Some(MacAddress::Extended(self.cfg.ieee)),
            MacCommand::AssociationRequest(self.capability()),
        ) {
            self.queue_tx(f.get(..n).unwrap_or(&[]));
        }
        // macResponseWaitTime: poll for the association response; give up
        // (and report it) if none comes.
        self.next_poll = Some(now + Duration::from_millis(500));
        self.deadline = Some(now + self.cfg.security_timeout);
    }

    /// A beacon while rejoining: its sender, if of this network, is sent
    /// the Rejoin Request (§3.4.6), NWK-secured or not.
    fn rejoin_at(&mut self, now: Instant, mac: &MacFrame<'_>, secured: bool, payload: &[u8]) {
        let (Some(MacAddress::Short(parent)), Some(pan)) = (mac.src, mac.src_pan) else {
            return;
        };
        let Ok(b) = BeaconPayload::decode(payload) else {
            return;
        };
        let any = self.cfg.extended_pan_id == Eui64([0; 8]);
        if b.protocol_id != 0 || !(any || b.extended_pan_id == self.cfg.extended_pan_id) {
            return;
        }
        self.pan = pan;
        self.state = JoinState::Rejoining {
            secured,
            parent: Some(parent),
        };
        let mut body = [0u8; 4];
        let Ok(n) = (NwkCommandFrame {
            command: NwkCommand::RejoinRequest(self.capability()),
            tlvs: &[],
        })
        .encode(&mut body) else {
            return;
        };
        let seq = self.next_nwk_seq();
        let mut h = self.header(NwkFrameType::Command, parent, 1, seq);
        h.frame_control.discover_route = DiscoverRoute::Suppress;
        let mode = if secured {
            Protect::Now
        } else {
            Protect::Plain
        };
        if let Err(e) = self.emit_with(
            now,
            h,
            body.get(..n).unwrap_or(&[]),
            Hop::Direct(parent),
            mode,
        ) {
            self.push_event(NodeEvent::Dropped(e));
        }
        self.next_poll = Some(now + self.cfg.key_poll_interval);
    }

    fn capability(&self) -> CapabilityInformation {
        let mut c = 0x80; // allocate address
        match self.cfg.role {
            Role::EndDevice { rx_on_when_idle } => {
                if rx_on_when_idle {
                    c |= 0x08;
                }
            }
            _ => c |= 0x02 | 0x04 | 0x08,
        }
        CapabilityInformation(c)
    }

    fn on_mac_command(
        &mut self,
        now: Instant,
        mac: &MacFrame<'_>,
        c: MacCommand<'_>,
    ) -> Result<(), NodeError> {
        let router = !matches!(self.cfg.role, Role::EndDevice { .. });
        match c {
            MacCommand::BeaconRequest if router && self.is_joined() => self.send_beacon(now),
            MacCommand::AssociationRequest(cap) if router && self.is_joined() => {
                let Some(MacAddress::Extended(ieee)) = mac.src else {
                    return Err(NodeError::NotForUs);
                };
                self.on_association(now, ieee, cap)
            }
            MacCommand::DataRequest if router => {
                let addrs = match mac.src {
                    Some(MacAddress::Short(s)) => {
                        self.neighbours.heard(now, s, u8::MAX);
                        let ieee = self.address_map.ieee(s);
                        [Some(MacAddress::Short(s)), ieee.map(MacAddress::Extended)]
                    }
                    Some(a) => [Some(a), None],
                    None => return Err(NodeError::NotForUs),
                };
                let mut list: Vec<MacAddress, 2> = addrs.into_iter().flatten().collect();
                list.sort_unstable_by_key(|a| matches!(a, MacAddress::Extended(_)));
                let mut f = [0u8; MAX_FRAME];
                if let Some(c) = self.indirect.collect(now, &list, &mut f) {
                    if let Some(at) = c.secure_at {
                        let nwk = f.get_mut(at..c.len).unwrap_or(&mut []);
                        if let Err(e) = self.secure_held(nwk) {
                            return Err(self.drop_with(e));
                        }
                    }
                    if let Some(b) = f.first_mut() {
                        // Frame pending bit (frame control bit 4).
                        if c.more {
                            *b |= 0x10;
                        } else {
                            *b &= !0x10;
                        }
                    }
                    if !self.queue_tx(f.get(..c.len).unwrap_or(&[])) {
                        return Err(self.drop_with(NodeError::TxQueueFull));
                    }
                }
                while let Some(IndirectEvent::Expired { dst, .. }) = self.indirect.poll_event() {
                    self.push_event(NodeEvent::IndirectExpired { dst });
                }
                Ok(())
            }
            MacCommand::AssociationResponse {
                short_address,
                status,
            } => {
                let JoinState::Associating { parent } = self.state else {
                    return Ok(());
                };
                self.deadline = None;
                if status != AssociationStatus::Success {
                    self.state = JoinState::Idle;
                    self.next_poll = None;
                    self.push_event(NodeEvent::JoinFailed(status));
                    return Ok(());
                }
                self.short = short_address;
                self.parent = Some(parent);
                self.state = JoinState::Joined;
                self.next_poll = None;
                self.neighbours.upsert(Neighbour {
                    short: parent,
                    ieee: None,
                    device_type: if parent.0 == 0 {
                        DeviceType::Coordinator
                    } else {
                        DeviceType::Router
                    },
                    relationship: Relationship::Parent,
                    rx_on_when_idle: true,
                    lqi: u8::MAX,
                    incoming_cost: 1,
                    outgoing_cost: 0,
                    age: 0,
                    last_heard: now,
                    timeout: None,
                })?;
                self.schedule_joined(now);
                if self.sec.joins() && self.keys.network.is_none() {
                    // The trust centre's Transport Key is held at the parent.
                    self.awaiting_key = true;
                    self.deadline = Some(now + self.cfg.security_timeout);
                    self.next_poll = Some(now + self.cfg.key_poll_interval);
                }
                self.push_event(NodeEvent::Joined {
                    short: short_address,
                    parent,
                    pan: self.pan,
                });
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn send_beacon(&mut self, now: Instant) -> Result<(), NodeError> {
        let permit = self.permit_joining_open(now);
        let payload = BeaconPayload {
            protocol_id: 0,
            stack_profile: 2,
            protocol_version: 2,
            reserved: 0,
            router_capacity: permit,
            device_depth: if self.cfg.role == Role::Coordinator {
                0
            } else {
                1
            },
            end_device_capacity: permit,
            extended_pan_id: self.cfg.extended_pan_id,
            tx_offset: 0x00ff_ffff,
            update_id: Some(0),
            trailing: &[],
        };
        let mut p = [0u8; 16];
        let n = payload.encode(&mut p)?;
        let mut f = [0u8; MAX_FRAME];
        let seq = self.next_mac_seq();
        let m = build::beacon(
            &mut f,
            seq,
            self.pan,
            MacAddress::Short(self.short),
            permit,
            self.cfg.role == Role::Coordinator,
            p.get(..n).unwrap_or(&[]),
        )?;
        if self.queue_tx(f.get(..m).unwrap_or(&[])) {
            Ok(())
        } else {
            Err(NodeError::TxQueueFull)
        }
    }

    /// Draws a short address not in use (§3.6.1.4.2, stochastic addressing).
    fn allocate(&mut self) -> Option<ShortAddr> {
        for _ in 0..16 {
            let a = ShortAddr((splitmix(&mut self.alloc_state) % 0xfff7) as u16 + 1);
            if a != self.short
                && !self.address_map.contains_short(a)
                && self.neighbours.get(a).is_none()
            {
                return Some(a);
            }
        }
        None
    }

    /// Draws a new address for `ieee` after a conflict: the device's IEEE
    /// address is mixed into the draw state first, so two nodes whose
    /// draws coincided (the cause of the conflict) part ways.
    fn reallocate(&mut self, ieee: Eui64) -> Option<ShortAddr> {
        self.alloc_state ^= u64::from_be_bytes(ieee.0);
        self.allocate()
    }

    fn on_association(
        &mut self,
        now: Instant,
        ieee: Eui64,
        cap: CapabilityInformation,
    ) -> Result<(), NodeError> {
        let existing = self.address_map.short(ieee);
        let (short, status) = if !self.permit_joining_open(now) {
            (ShortAddr(0xffff), AssociationStatus::PanAccessDenied)
        } else {
            match existing.or_else(|| self.allocate()) {
                None => (ShortAddr(0xffff), AssociationStatus::PanAtCapacity),
                Some(short) => {
                    let child = Neighbour {
                        short,
                        ieee: Some(ieee),
                        device_type: if cap.device_type_ffd() {
                            DeviceType::Router
                        } else {
                            DeviceType::EndDevice
                        },
                        relationship: Relationship::Child,
                        rx_on_when_idle: cap.rx_on_when_idle(),
                        lqi: u8::MAX,
                        incoming_cost: 1,
                        outgoing_cost: 0,
                        age: 0,
                        last_heard: now,
                        timeout: (!cap.device_type_ffd()).then_some(self.cfg.child_timeout),
                    };
                    if self.neighbours.upsert(child).is_err() {
                        (ShortAddr(0xffff), AssociationStatus::PanAtCapacity)
                    } else if let Err(e) = self.address_map.update(short, ieee) {
                        self.neighbours.remove(short);
                        if let AddressMapError::Conflict(c) = e {
                            self.push_event(NodeEvent::AddressConflict(c));
                        }
                        (ShortAddr(0xffff), AssociationStatus::PanAtCapacity)
                    } else if !self.sec.child_joined(ieee, short, JoinKind::Association) {
                        // The trust centre refused it (its event says why).
                        self.neighbours.remove(short);
                        self.address_map.remove(ieee);
                        (ShortAddr(0xffff), AssociationStatus::PanAccessDenied)
                    } else {
                        (short, AssociationStatus::Success)
                    }
                }
            }
        };
        let mut f = [0u8; MAX_FRAME];
        let seq = self.next_mac_seq();
        let n = build::command(
            &mut f,
            seq,
            Some(self.pan),
            Some(MacAddress::Extended(ieee)),
            None,
            Some(MacAddress::Extended(self.cfg.ieee)),
            MacCommand::AssociationResponse {
                short_address: short,
                status,
            },
        )?;
        // The response is sent indirectly: the device polls for it.
        self.indirect.push(
            now,
            MacAddress::Extended(ieee),
            f.get(..n).unwrap_or(&[]),
            self.cfg.indirect_persistence,
        )?;
        self.push_event(if status == AssociationStatus::Success {
            NodeEvent::ChildJoined {
                ieee,
                short,
                capability: cap,
            }
        } else {
            NodeEvent::JoinRefused { ieee, status }
        });
        Ok(())
    }

    fn on_nwk(
        &mut self,
        now: Instant,
        from: ShortAddr,
        bytes: &[u8],
        lqi: u8,
    ) -> Result<Option<Delivered>, NodeError> {
        let mut local = [0u8; MAX_FRAME];
        let n = bytes.len();
        local
            .get_mut(..n)
            .ok_or(NodeError::Encode(EncodeError::BufferTooSmall { needed: n }))?
            .copy_from_slice(bytes);
        let local = local.get_mut(..n).unwrap_or(&mut []);
        let frame = NwkFrame::decode_with(local, &self.cfg.security)?;
        let secured = frame.header.frame_control.security;
        let unsecured_ok = !secured && self.unsecured_allowed(&frame);
        let payload_range = if secured {
            if self.keys.network.is_none() {
                return Err(self.drop_with(NodeError::Security(SecurityError::NoKey {
                    key: KeyIdentifier::Network { sequence: 0 },
                })));
            }
            if self
                .previous_key
                .as_ref()
                .is_some_and(|(_, _, t)| *t <= now)
            {
                self.expire_previous_key(now);
            }
            let lookup = NetworkKeys {
                active: self.keys.network.as_ref(),
                previous: self.previous_key.as_ref(),
            };
            match unsecure_nwk(local, &self.cfg.security, &lookup, &mut self.incoming) {
                Ok(u) => u.payload,
                Err(SecurityError::UnknownKeySequence { sequence })
                    if self.implicit_switch(now, sequence) =>
                {
                    let lookup = NetworkKeys {
                        active: self.keys.network.as_ref(),
                        previous: self.previous_key.as_ref(),
                    };
                    match unsecure_nwk(local, &self.cfg.security, &lookup, &mut self.incoming) {
                        Ok(u) => u.payload,
                        Err(e) => return Err(self.drop_with(NodeError::Security(e))),
                    }
                }
                Err(e) => return Err(self.drop_with(NodeError::Security(e))),
            }
        } else {
            // With a network key, or while waiting for one from the trust
            // centre, only what rejoining and key transport need may come
            // unsecured (§4.3.1.2, §4.6.3.3).
            if (self.keys.network.is_some() || self.awaiting_key) && !unsecured_ok {
                return Err(self.drop_with(NodeError::Unsecured));
            }
            let (_, h) = NwkHeader::decode(local)?;
            h..n
        };
        let local: &[u8] = local;
        let (header, _) = NwkHeader::decode(local)?;
        let payload = local.get(payload_range).unwrap_or(&[]);
        self.neighbours.heard(now, from, lqi);
        if let Some(ieee) = header.src_ieee
            && header.src != self.short
        {
            match self.address_map.update(header.src, ieee) {
                Err(AddressMapError::Conflict(c)) => self.on_conflict(now, c),
                Err(AddressMapError::Full(_)) | Ok(_) => {}
            }
        } else if let Some(ieee) = header.src_ieee
            && header.src == self.short
            && ieee != self.cfg.ieee
        {
            // Another device uses this node's own address.
            self.on_conflict(
                now,
                AddressConflict {
                    short: self.short,
                    existing: self.cfg.ieee,
                    claimed: ieee,
                },
            );
        }
        let router = !matches!(self.cfg.role, Role::EndDevice { .. });
        let dst = header.dst;
        let mut local_delivery = dst == self.short;
        if is_broadcast(dst) {
            match self
                .btt
                .record(now, header.src, header.sequence, BROADCAST_DELIVERY_TIME)
            {
                Ok(true) => {}
                Ok(false) => return Err(NodeError::DuplicateBroadcast),
                Err(e) => return Err(self.drop_with(NodeError::Table(e))),
            }
            if router && header.radius > 1 && header.src != self.short {
                let mut h = header;
                h.radius -= 1;
                let _ = self.broadcast(now, h, payload);
            }
            local_delivery = match dst.0 {
                0xffff => true,
                0xfffd => {
                    router
                        || matches!(
                            self.cfg.role,
                            Role::EndDevice {
                                rx_on_when_idle: true
                            }
                        )
                }
                0xfffc => router,
                _ => false,
            };
        } else if !local_delivery {
            if !router {
                return Err(NodeError::NotForUs);
            }
            return self.forward(now, header, payload).map(|()| None);
        }
        if !local_delivery {
            return Ok(None);
        }
        if header.frame_control.frame_type == NwkFrameType::Command {
            let cmd = NwkCommandFrame::decode(payload)?;
            self.on_nwk_command(now, from, lqi, &header, cmd.command, secured)?;
            return Ok(None);
        }
        let src_ieee = header
            .src_ieee
            .or_else(|| self.address_map.ieee(header.src));
        if is_aps_command(payload) && self.commissioning_input(now, src_ieee, secured, payload) {
            return Ok(None);
        }
        let out = self
            .rx
            .get_mut(..payload.len())
            .ok_or(NodeError::NotForUs)?;
        out.copy_from_slice(payload);
        Ok(Some(Delivered {
            src: header.src,
            src_ieee: header.src_ieee,
            dst,
            lqi,
            secured,
            len: payload.len(),
        }))
    }

    /// Relays a unicast frame for another device (§3.6.3.3).
    fn forward(
        &mut self,
        now: Instant,
        header: NwkHeader<'_>,
        payload: &[u8],
    ) -> Result<(), NodeError> {
        if header.radius <= 1 {
            return Err(self.drop_with(NodeError::RadiusExhausted));
        }
        let mut h = header;
        h.radius -= 1;
        if let Some(sr) = header.source_route {
            let relays: Vec<u16, MAX_RELAYS> = sr.relays.iter().take(MAX_RELAYS).collect();
            let idx = usize::from(sr.relay_index);
            let hop = if idx == 0 {
                header.dst
            } else {
                h.source_route = Some(SourceRoute {
                    relay_index: sr.relay_index - 1,
                    relays: sr.relays,
                });
                ShortAddr(relays.get(idx - 1).copied().unwrap_or(header.dst.0))
            };
            let hop = match self.neighbours.get(hop) {
                Some(n) if n.relationship == Relationship::Child && !n.rx_on_when_idle => {
                    Hop::Indirect(hop)
                }
                _ => Hop::Direct(hop),
            };
            return self.emit(now, h, payload, hop);
        }
        // A route record gains this relay's address on its way (§3.4.5).
        let mut record = [0u8; MAX_FRAME];
        let mut body = payload;
        if h.frame_control.frame_type == NwkFrameType::Command
            && let Ok(NwkCommandFrame {
                command: NwkCommand::RouteRecord { relays },
                ..
            }) = NwkCommandFrame::decode(payload)
        {
            let mut list = [0u8; 2 * (MAX_RELAYS + 1)];
            let old = relays.as_bytes();
            let n = old.len().min(2 * MAX_RELAYS);
            if let (Some(a), Some(b)) = (list.get_mut(..n), old.get(..n)) {
                a.copy_from_slice(b);
            }
            if let Some(s) = list.get_mut(n..n + 2) {
                s.copy_from_slice(&self.short.0.to_le_bytes());
            }
            let relays = List::new(list.get(..n + 2).unwrap_or(&[])).unwrap_or(List::empty());
            let len = NwkCommandFrame {
                command: NwkCommand::RouteRecord { relays },
                tlvs: &[],
            }
            .encode(&mut record)?;
            body = record.get(..len).unwrap_or(&[]);
        }
        match self.next_hop(header.dst) {
            Some(hop) => self.emit(now, h, body, hop),
            None => {
                let _ =
                    self.send_network_status(now, NetworkStatusCode::NoRouteAvailable, header.dst);
                Err(self.drop_with(NodeError::NoRoute { dst: header.dst }))
            }
        }
    }

    /// An address conflict seen here (ZigBee R22 §3.6.1.9.3): reported,
    /// resolved when it is this node's own address or an end device
    /// child's, and broadcast by a coordinator or router as a network status
    /// "address conflict" to every rx-on device so the other party's
    /// parent (or the router itself) resolves it too.
    fn on_conflict(&mut self, now: Instant, c: AddressConflict) {
        self.push_event(NodeEvent::AddressConflict(c));
        if matches!(self.cfg.role, Role::EndDevice { .. }) {
            return;
        }
        // Sent under the conflicting address before a router leaves it.
        let _ = self.send_network_status(now, NetworkStatusCode::AddressConflict, c.short);
        self.resolve_conflict(now, c.short);
    }

    /// Gives up `short` where this node owns it (ZigBee R22 §3.6.1.9.3): a
    /// router draws a new address of its own (the coordinator keeps
    /// 0x0000); a parent draws one for its end device child and tells it in
    /// an unsolicited Rejoin Response (§3.4.7), held for a sleepy child. An
    /// end device leaves it to its parent.
    fn resolve_conflict(&mut self, now: Instant, short: ShortAddr) {
        if matches!(self.cfg.role, Role::EndDevice { .. }) || !self.is_joined() {
            return;
        }
        if short == self.short {
            if self.cfg.role == Role::Router
                && let Some(new) = self.reallocate(self.cfg.ieee)
            {
                self.short = new;
                self.push_event(NodeEvent::AddressChanged { old: short, new });
            }
            return;
        }
        let Some(child) = self.neighbours.get(short).copied() else {
            return;
        };
        let Some(ieee) = child.ieee else {
            return;
        };
        if child.relationship != Relationship::Child || child.device_type != DeviceType::EndDevice {
            return;
        }
        let Some(new) = self.reallocate(ieee) else {
            return;
        };
        let mut moved = child;
        moved.short = new;
        self.neighbours.remove(short);
        self.address_map.remove(ieee);
        if self.neighbours.upsert(moved).is_err() || self.address_map.update(new, ieee).is_err() {
            return;
        }
        self.routes.remove(short);
        self.source_routes.remove(short);
        let seq = self.next_nwk_seq();
        let mut h = self.header(NwkFrameType::Command, short, 1, seq);
        h.frame_control.discover_route = DiscoverRoute::Suppress;
        // The child still answers to (and polls with) its old address.
        let hop = if child.rx_on_when_idle {
            Hop::Direct(short)
        } else {
            Hop::Indirect(short)
        };
        let rsp = NwkCommand::RejoinResponse {
            address: new,
            status: AssociationStatus::Success,
        };
        if let Err(e) = self.send_command(now, h, rsp, Some(hop)) {
            self.push_event(NodeEvent::Dropped(e));
        }
        self.push_event(NodeEvent::ChildAddressChanged {
            ieee,
            old: short,
            new,
        });
    }

    fn send_network_status(
        &mut self,
        now: Instant,
        status: NetworkStatusCode,
        about: ShortAddr,
    ) -> Result<(), NodeError> {
        let seq = self.next_nwk_seq();
        let h = self.header(
            NwkFrameType::Command,
            ShortAddr::RX_ON_WHEN_IDLE,
            self.cfg.radius,
            seq,
        );
        self.send_command(
            now,
            h,
            NwkCommand::NetworkStatus { status, dst: about },
            None,
        )
    }

    fn link_cost(&self, from: ShortAddr) -> u8 {
        self.neighbours
            .get(from)
            .map_or(7, |n| n.incoming_cost.max(1))
    }

    fn on_nwk_command(
        &mut self,
        now: Instant,
        from: ShortAddr,
        lqi: u8,
        header: &NwkHeader<'_>,
        cmd: NwkCommand<'_>,
        secured: bool,
    ) -> Result<(), NodeError> {
        let router = !matches!(self.cfg.role, Role::EndDevice { .. });
        match cmd {
            NwkCommand::RejoinRequest(cap) if router && self.is_joined() => {
                self.on_rejoin_request(now, header, cap, secured)
            }
            NwkCommand::RejoinResponse { address, status } => {
                self.on_rejoin_response(now, from, address, status, secured);
                Ok(())
            }
            NwkCommand::RouteRequest {
                options,
                id,
                dst,
                path_cost,
                ..
            } if router && header.src != self.short => {
                let cost = path_cost.saturating_add(self.link_cost(from));
                let update = self
                    .discovery
                    .on_request(now, header.src, id, dst, from, cost)?;
                let many_to_one = (options >> 3) & 3;
                if many_to_one != 0 {
                    self.routes.upsert(Route {
                        dst: header.src,
                        next_hop: from,
                        status: RouteStatus::Active,
                        many_to_one: true,
                        route_record_required: many_to_one == 1,
                    })?;
                } else {
                    self.routes.upsert(Route {
                        dst: header.src,
                        next_hop: from,
                        status: RouteStatus::Active,
                        many_to_one: false,
                        route_record_required: false,
                    })?;
                    let ours = dst == self.short
                        || self.neighbours.get(dst).is_some_and(|n| {
                            n.device_type == DeviceType::EndDevice
                                && n.relationship == Relationship::Child
                        });
                    if ours {
                        if update == DiscoveryUpdate::Worse {
                            return Ok(());
                        }
                        let seq = self.next_nwk_seq();
                        let h =
                            self.header(NwkFrameType::Command, header.src, self.cfg.radius, seq);
                        let reply = NwkCommand::RouteReply {
                            options: 0,
                            id,
                            originator: header.src,
                            responder: dst,
                            path_cost: 0,
                            originator_ieee: None,
                            responder_ieee: None,
                        };
                        return self.send_command(now, h, reply, Some(Hop::Direct(from)));
                    }
                }
                if update != DiscoveryUpdate::Worse && header.radius > 1 {
                    let mut h = *header;
                    h.radius -= 1;
                    let relay = NwkCommand::RouteRequest {
                        options,
                        id,
                        dst,
                        path_cost: cost,
                        dst_ieee: None,
                    };
                    self.send_command(now, h, relay, Some(Hop::Broadcast))?;
                }
                Ok(())
            }
            NwkCommand::RouteReply {
                options,
                id,
                originator,
                responder,
                path_cost,
                ..
            } => {
                let cost = path_cost.saturating_add(self.link_cost(from));
                self.routes.upsert(Route {
                    dst: responder,
                    next_hop: from,
                    status: RouteStatus::Active,
                    many_to_one: false,
                    route_record_required: false,
                })?;
                if originator == self.short {
                    self.push_event(NodeEvent::RouteDiscovered {
                        dst: responder,
                        next_hop: from,
                    });
                    return Ok(());
                }
                if let Some(back) = self.discovery.on_reply(originator, id, cost) {
                    let mut h = *header;
                    h.radius = h.radius.saturating_sub(1).max(1);
                    let relay = NwkCommand::RouteReply {
                        options,
                        id,
                        originator,
                        responder,
                        path_cost: cost,
                        originator_ieee: None,
                        responder_ieee: None,
                    };
                    self.send_command(now, h, relay, Some(Hop::Direct(back)))?;
                }
                Ok(())
            }
            NwkCommand::RouteRecord { relays } => {
                let n = u8::try_from(relays.len()).unwrap_or(u8::MAX);
                match self
                    .source_routes
                    .on_route_record(header.src, relays.iter())
                {
                    Ok(()) => {
                        self.push_event(NodeEvent::RouteRecord {
                            src: header.src,
                            relays: n,
                        });
                        Ok(())
                    }
                    Err(e) => Err(self.drop_with(NodeError::Table(e))),
                }
            }
            NwkCommand::LinkStatus { .. } if router => {
                let entries = cmd.link_status_entries();
                if let Err(e) = self
                    .neighbours
                    .on_link_status(now, header.src, self.short, lqi, entries)
                {
                    return Err(self.drop_with(NodeError::Table(e)));
                }
                Ok(())
            }
            NwkCommand::NetworkStatus { status, dst } => {
                if matches!(
                    status,
                    NetworkStatusCode::NoRouteAvailable
                        | NetworkStatusCode::TreeLinkFailure
                        | NetworkStatusCode::NonTreeLinkFailure
                        | NetworkStatusCode::AddressConflict
                ) {
                    self.routes.remove(dst);
                    self.source_routes.remove(dst);
                }
                self.push_event(NodeEvent::NetworkStatus { status, dst });
                if status == NetworkStatusCode::AddressConflict {
                    self.resolve_conflict(now, dst);
                }
                Ok(())
            }
            NwkCommand::EndDeviceTimeoutRequest { timeout, .. } if router => {
                let status = match (
                    end_device_timeout(timeout),
                    self.neighbours.get_mut(header.src),
                ) {
                    (Some(t), Some(child)) if child.relationship == Relationship::Child => {
                        child.timeout = Some(t);
                        child.last_heard = now;
                        EndDeviceTimeoutStatus::Success
                    }
                    _ => EndDeviceTimeoutStatus::IncorrectValue,
                };
                let seq = self.next_nwk_seq();
                let h = self.header(NwkFrameType::Command, header.src, 1, seq);
                let rsp = NwkCommand::EndDeviceTimeoutResponse {
                    status,
                    parent_info: 0x01,
                };
                self.send_command(now, h, rsp, None)
            }
            NwkCommand::Leave { options } => {
                if self.parent == Some(header.src) && options & 0x40 != 0 {
                    self.push_event(NodeEvent::LeaveRequested);
                } else if let Some(child) = self
                    .neighbours
                    .get(header.src)
                    .filter(|n| n.relationship == Relationship::Child)
                    .copied()
                {
                    self.neighbours.remove(child.short);
                    self.indirect.remove_child(&child_addrs(&child));
                    self.push_event(NodeEvent::ChildLeft { short: child.short });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Rejoins the network (NLME-JOIN.request with RejoinNetwork = 0x02,
    /// ZigBee R22 §3.6.1.4.2): a beacon request finds a parent of this
    /// network (permit joining is not needed), which is sent a Rejoin
    /// Request keeping this device's short address; the device polls the
    /// parent for the Rejoin Response. `secured`: the request is
    /// NWK-secured with the current network key (secured rejoin, for a
    /// device that lost its parent); otherwise it goes unsecured and the
    /// trust centre decides (trust-centre rejoin, §4.6.3.3, for a device
    /// that missed a key switch): it then sends the current network key
    /// under this device's own link key. A node with a joining role falls
    /// back from a secured rejoin to a trust-centre rejoin when nothing
    /// answers within [`NodeConfig::security_timeout`]; then
    /// [`NodeEvent::Rejoined`] or [`NodeEvent::RejoinFailed`].
    ///
    /// # Errors
    /// [`NodeError::NotJoined`] for a coordinator, a device that never
    /// joined, or a secured rejoin without a network key.
    pub fn rejoin(&mut self, now: Instant, secured: bool) -> Result<(), NodeError> {
        if self.cfg.role == Role::Coordinator
            || self.short.0 >= 0xfff8
            || (secured && self.keys.network.is_none())
        {
            return Err(NodeError::NotJoined);
        }
        self.state = JoinState::Rejoining {
            secured,
            parent: None,
        };
        self.parent = None;
        self.awaiting_key = false;
        self.next_poll = None;
        self.deadline = Some(now + self.cfg.security_timeout);
        let mut f = [0u8; MAX_FRAME];
        let seq = self.next_mac_seq();
        let n = build::command(
            &mut f,
            seq,
            Some(PanId::BROADCAST),
            Some(MacAddress::Short(ShortAddr::BROADCAST)),
            None,
            None,
            MacCommand::BeaconRequest,
        )?;
        if self.queue_tx(f.get(..n).unwrap_or(&[])) {
            Ok(())
        } else {
            Err(NodeError::TxQueueFull)
        }
    }

    /// Restores a child from stored state after a restart (a parent must
    /// keep its children, ZigBee R22 §3.6.1.10: the neighbour table's
    /// children, read from [`Node::neighbours`], are what to store): the
    /// entry is heard `now` and its address mapped.
    ///
    /// # Errors
    /// [`NodeError::Table`] when a table is full (an address conflict is
    /// given as [`NodeEvent::AddressConflict`]).
    pub fn restore_child(&mut self, now: Instant, child: Neighbour) -> Result<(), NodeError> {
        let mut c = child;
        c.relationship = Relationship::Child;
        c.last_heard = now;
        self.neighbours.upsert(c)?;
        if let Some(ieee) = c.ieee {
            match self.address_map.update(c.short, ieee) {
                Ok(_) => {}
                Err(AddressMapError::Full(t)) => return Err(NodeError::Table(t)),
                Err(AddressMapError::Conflict(c)) => {
                    self.push_event(NodeEvent::AddressConflict(c));
                }
            }
        }
        Ok(())
    }

    /// Whether this device is rejoining.
    #[must_use]
    pub fn is_rejoining(&self) -> bool {
        matches!(self.state, JoinState::Rejoining { .. })
    }

    /// Whether this device waits for the network key from the trust centre.
    #[must_use]
    pub const fn awaiting_network_key(&self) -> bool {
        self.awaiting_key
    }

    /// The commissioning role.
    #[must_use]
    pub const fn commissioning(&self) -> &C {
        &self.sec
    }

    /// The commissioning role, to configure it (allow-list, install codes)
    /// or start an exchange; call [`Node::flush_commissioning`] afterwards
    /// so that the frames it queued are sent.
    pub fn commissioning_mut(&mut self) -> &mut C {
        &mut self.sec
    }

    /// Sends what the commissioning role queued and takes its events
    /// (done by [`Node::handle_input`] and [`Node::handle_timeout`] too).
    pub fn flush_commissioning(&mut self, now: Instant) {
        self.drain_commissioning(now);
    }

    fn security_deadline(&mut self, now: Instant) {
        if self.is_joined() && !self.awaiting_key {
            // The link key update did not complete: ask again (a lost
            // frame, or a trust centre that restarted meanwhile).
            if self.sec.joins() && !self.sec.link_key_verified() && self.key_retries > 0 {
                self.key_retries -= 1;
                self.sec.network_key_installed();
                self.deadline = Some(now + self.cfg.security_timeout);
            }
            return;
        }
        match self.state {
            JoinState::Rejoining { secured: true, .. } if self.sec.joins() => {
                if self.rejoin(now, false).is_ok() {
                    return;
                }
            }
            JoinState::Rejoining { .. } | JoinState::Associating { .. } | JoinState::Scanning => {}
            _ if self.awaiting_key => {}
            _ => return,
        }
        self.state = JoinState::Idle;
        self.awaiting_key = false;
        self.parent = None;
        self.next_poll = None;
        self.push_event(NodeEvent::RejoinFailed { status: None });
    }

    /// What may come NWK-unsecured on a secured network.
    fn unsecured_allowed(&self, f: &NwkFrame<'_>) -> bool {
        match &f.body {
            NwkBody::Command(c) => match c.command {
                NwkCommand::RejoinRequest(_) => {
                    !matches!(self.cfg.role, Role::EndDevice { .. }) && self.is_joined()
                }
                NwkCommand::RejoinResponse { .. } => matches!(
                    self.state,
                    JoinState::Rejoining {
                        secured: false,
                        parent: Some(_)
                    }
                ),
                _ => false,
            },
            // APS-secured key transport (the joiner checks its key and counter).
            NwkBody::Data(p) => self.awaiting_key && is_aps_command(p),
            _ => false,
        }
    }

    /// A frame under a key sequence number this node does not use: the
    /// network key the trust centre sent for it becomes active (§4.3.1.2).
    fn implicit_switch(&mut self, now: Instant, sequence: u8) -> bool {
        let Some(mut key) = self.sec.switch_to_pending(sequence) else {
            return false;
        };
        let k = ZigbeeKey::new(&key);
        key.zeroize();
        let Ok(k) = k else {
            return false;
        };
        self.install_key(now, sequence, k, None);
        self.push_event(NodeEvent::NetworkKeyInstalled { sequence });
        true
    }

    /// An APS command frame for this node: a Tunnel from the trust centre
    /// is relayed to the child it names (§4.4.10.6); everything else goes
    /// to the commissioning role. Returns whether it was taken.
    fn commissioning_input(
        &mut self,
        now: Instant,
        src: Option<Eui64>,
        secured: bool,
        aps: &[u8],
    ) -> bool {
        if self.sec.joins()
            && let Ok(ApsFrame {
                body: ApsBody::Command(c),
                ..
            }) = ApsFrame::decode(aps)
            && let ApsCommand::Tunnel { dst, frame } = c.command
        {
            let router = !matches!(self.cfg.role, Role::EndDevice { .. });
            if router && secured && src.is_some() && src == self.sec.trust_centre() {
                let relayed = self
                    .address_map
                    .short(dst)
                    .ok_or(NodeError::NotForUs)
                    .and_then(|short| {
                        self.send_to_joiner(now, dst, short, NwkFrameType::Data, frame, false)
                    });
                if let Err(e) = relayed {
                    self.push_event(NodeEvent::Dropped(e));
                }
            } else {
                self.push_event(NodeEvent::Dropped(NodeError::Unsecured));
            }
            return true;
        }
        self.sec.handle_aps(src, secured, aps)
    }

    /// A NWK frame for a device that is joining or rejoining at this
    /// parent: held until it polls, for its IEEE address (it may not know
    /// its short address yet, and polls by IEEE address while rejoining),
    /// NWK-secured when it is collected or (`secure` false) sent unsecured.
    fn send_to_joiner(
        &mut self,
        now: Instant,
        ieee: Eui64,
        short: ShortAddr,
        frame_type: NwkFrameType,
        payload: &[u8],
        secure: bool,
    ) -> Result<(), NodeError> {
        let seq = self.next_nwk_seq();
        let mut h = self.header(frame_type, short, 1, seq);
        h.frame_control.discover_route = DiscoverRoute::Suppress;
        let mode = if secure {
            Protect::Later
        } else {
            Protect::Plain
        };
        let mut nwk = [0u8; MAX_FRAME];
        let n = self.encode_nwk(&mut nwk, h, payload, mode)?;
        let nwk = nwk.get(..n).unwrap_or(&[]);
        let mut mac = [0u8; MAX_FRAME];
        let mseq = self.next_mac_seq();
        let m = build::mac_frame(
            &mut mac,
            FrameType::Data,
            mseq,
            Some(self.pan),
            Some(MacAddress::Extended(ieee)),
            None,
            Some(MacAddress::Short(self.short)),
            false,
            MacBody::Data(nwk),
        )?;
        let mac = mac.get(..m).unwrap_or(&[]);
        let dst = MacAddress::Extended(ieee);
        let persistence = self.cfg.indirect_persistence;
        if secure && self.keys.network.is_some() {
            self.indirect
                .push_unsecured(now, dst, mac, m.saturating_sub(n), persistence)?;
        } else {
            self.indirect.push(now, dst, mac, persistence)?;
        }
        Ok(())
    }

    fn child_entry(
        now: Instant,
        short: ShortAddr,
        ieee: Eui64,
        cap: CapabilityInformation,
        timeout: Duration,
    ) -> Neighbour {
        Neighbour {
            short,
            ieee: Some(ieee),
            device_type: if cap.device_type_ffd() {
                DeviceType::Router
            } else {
                DeviceType::EndDevice
            },
            relationship: Relationship::Child,
            rx_on_when_idle: cap.rx_on_when_idle(),
            lqi: u8::MAX,
            incoming_cost: 1,
            outgoing_cost: 0,
            age: 0,
            last_heard: now,
            timeout: (!cap.device_type_ffd()).then_some(timeout),
        }
    }

    fn parent_entry(now: Instant, parent: ShortAddr) -> Neighbour {
        Neighbour {
            short: parent,
            ieee: None,
            device_type: if parent.0 == 0 {
                DeviceType::Coordinator
            } else {
                DeviceType::Router
            },
            relationship: Relationship::Parent,
            rx_on_when_idle: true,
            lqi: u8::MAX,
            incoming_cost: 1,
            outgoing_cost: 0,
            age: 0,
            last_heard: now,
            timeout: None,
        }
    }

    /// A Rejoin Request at this parent (§3.6.1.4.2, §3.4.6): the device
    /// keeps its short address unless another device holds it; a secured
    /// request is admitted as a secured rejoin, an unsecured one only if
    /// the commissioning role (the trust centre, or through Update Device)
    /// agrees. The Rejoin Response (§3.4.7) is held for the device's IEEE
    /// address, NWK-secured like the request.
    fn on_rejoin_request(
        &mut self,
        now: Instant,
        header: &NwkHeader<'_>,
        cap: CapabilityInformation,
        secured: bool,
    ) -> Result<(), NodeError> {
        let Some(ieee) = header.src_ieee else {
            return Err(self.drop_with(NodeError::NotForUs));
        };
        let keep = header.src.0 < 0xfff8
            && header.src != self.short
            && self.address_map.ieee(header.src).is_none_or(|e| e == ieee)
            && self
                .neighbours
                .get(header.src)
                .is_none_or(|n| n.ieee.is_none_or(|e| e == ieee));
        let short = if keep {
            Some(header.src)
        } else {
            self.allocate()
        };
        let kind = if secured {
            JoinKind::SecuredRejoin
        } else {
            JoinKind::TrustCentreRejoin
        };
        let status = match short {
            None => AssociationStatus::PanAtCapacity,
            Some(short) => {
                // A device that moved: its old entry under another address goes.
                if let Some(old) = self.address_map.short(ieee)
                    && old != short
                {
                    self.neighbours.remove(old);
                }
                let child = Self::child_entry(now, short, ieee, cap, self.cfg.child_timeout);
                if self.neighbours.upsert(child).is_err()
                    || self.address_map.update(short, ieee).is_err()
                {
                    self.neighbours.remove(short);
                    AssociationStatus::PanAtCapacity
                } else if self.keys.network.is_none() || self.sec.child_joined(ieee, short, kind) {
                    AssociationStatus::Success
                } else {
                    self.neighbours.remove(short);
                    AssociationStatus::PanAccessDenied
                }
            }
        };
        let address = match (status, short) {
            (AssociationStatus::Success, Some(s)) => s,
            _ => ShortAddr(0xffff),
        };
        let mut body = [0u8; 8];
        let n = NwkCommandFrame {
            command: NwkCommand::RejoinResponse { address, status },
            tlvs: &[],
        }
        .encode(&mut body)?;
        self.send_to_joiner(
            now,
            ieee,
            header.src,
            NwkFrameType::Command,
            body.get(..n).unwrap_or(&[]),
            secured,
        )?;
        self.push_event(if status == AssociationStatus::Success {
            NodeEvent::ChildRejoined {
                ieee,
                short: address,
                secured,
            }
        } else {
            NodeEvent::JoinRefused { ieee, status }
        });
        Ok(())
    }

    /// The parent's Rejoin Response (§3.4.7) to this rejoining device.
    fn on_rejoin_response(
        &mut self,
        now: Instant,
        from: ShortAddr,
        address: ShortAddr,
        status: AssociationStatus,
        secured: bool,
    ) {
        // An unsolicited Rejoin Response from the parent: a new address
        // after an address conflict (§3.6.1.9.3).
        if self.state == JoinState::Joined
            && self.parent == Some(from)
            && secured
            && status == AssociationStatus::Success
            && address != self.short
            && address.0 < 0xfff8
        {
            let old = self.short;
            self.short = address;
            self.push_event(NodeEvent::AddressChanged { old, new: address });
            return;
        }
        let JoinState::Rejoining {
            secured: asked_secured,
            parent: Some(_),
        } = self.state
        else {
            return;
        };
        if asked_secured && !secured {
            return;
        }
        self.next_poll = None;
        if status != AssociationStatus::Success {
            self.state = JoinState::Idle;
            self.deadline = None;
            self.push_event(NodeEvent::RejoinFailed {
                status: Some(status),
            });
            return;
        }
        self.short = address;
        self.parent = Some(from);
        self.state = JoinState::Joined;
        self.neighbours = NeighbourTable::new();
        let _ = self.neighbours.upsert(Self::parent_entry(now, from));
        self.schedule_joined(now);
        if !asked_secured && self.sec.joins() {
            self.awaiting_key = true;
            self.sec.begin_rejoin();
            self.deadline = Some(now + self.cfg.security_timeout);
            self.next_poll = Some(now + self.cfg.key_poll_interval);
        } else {
            self.deadline = None;
        }
        self.push_event(NodeEvent::Rejoined {
            short: address,
            parent: from,
            secured: asked_secured,
        });
    }

    /// Tells a child to leave (NWK Leave with the request bit, §3.4.4) and
    /// forgets it: the trust centre's Remove Device, or a decommissioning.
    fn remove_child(&mut self, now: Instant, ieee: Eui64) {
        let Some(short) = self.address_map.short(ieee) else {
            return;
        };
        if self
            .neighbours
            .get(short)
            .is_none_or(|n| n.relationship != Relationship::Child)
        {
            return;
        }
        let hop = self.next_hop(short).unwrap_or(Hop::Direct(short));
        let seq = self.next_nwk_seq();
        let mut h = self.header(NwkFrameType::Command, short, 1, seq);
        h.frame_control.discover_route = DiscoverRoute::Suppress;
        if let Err(e) = self.send_command(now, h, NwkCommand::Leave { options: 0x40 }, Some(hop)) {
            self.push_event(NodeEvent::Dropped(e));
        }
        self.neighbours.remove(short);
        self.address_map.remove(ieee);
        self.push_event(NodeEvent::ChildLeft { short });
    }

    /// Takes the role's events (reacting to the joiner's: keys into the NWK
    /// layer, children removed) and sends the frames it queued.
    fn drain_commissioning(&mut self, now: Instant) {
        // Bounded: each event is handled once; reactions may queue frames.
        for _ in 0..EVENT_QUEUE {
            let Some(e) = self.sec.poll_event() else {
                break;
            };
            self.on_commissioning_event(now, e);
            self.push_event(NodeEvent::Commissioning(e));
        }
        for _ in 0..TX_QUEUE * 4 {
            let Some(f) = self.sec.poll_transmit() else {
                break;
            };
            if let Err(e) = self.send_commissioning(now, &f) {
                self.push_event(NodeEvent::Dropped(e));
                self.push_event(NodeEvent::Commissioning(CommissioningEvent::FrameLost {
                    dst: f.dst,
                }));
            }
        }
    }

    fn on_commissioning_event(&mut self, now: Instant, e: CommissioningEvent) {
        use crate::security::joiner::JoinerEvent;
        match e {
            CommissioningEvent::Joiner(
                JoinerEvent::NetworkKey { active: true, .. } | JoinerEvent::KeySwitched { .. },
            ) => {
                let Some((mut key, sequence)) = self.sec.network_key() else {
                    return;
                };
                let k = ZigbeeKey::new(&key);
                key.zeroize();
                if self
                    .keys
                    .network
                    .as_ref()
                    .is_some_and(|(s, _)| *s == sequence)
                    && !self.awaiting_key
                {
                    return;
                }
                let Ok(k) = k else {
                    return;
                };
                self.install_key(now, sequence, k, None);
                let first = self.awaiting_key;
                self.awaiting_key = false;
                self.deadline = None;
                self.push_event(NodeEvent::NetworkKeyInstalled { sequence });
                if first {
                    self.sec.network_key_installed();
                    if !self.sec.link_key_verified() {
                        self.key_retries = LINK_KEY_RETRIES;
                        self.deadline = Some(now + self.cfg.security_timeout);
                    }
                }
            }
            CommissioningEvent::Joiner(JoinerEvent::RemoveChild { target }) => {
                self.remove_child(now, target);
            }
            _ => {}
        }
    }

    fn send_commissioning(
        &mut self,
        now: Instant,
        f: &CommissioningFrame,
    ) -> Result<(), NodeError> {
        match f.dst {
            FrameDst::TrustCentre => {
                let tc = ShortAddr(0);
                // The hub is a concentrator: a route record first lets it answer.
                if matches!(self.cfg.role, Role::EndDevice { .. }) || self.route_record_required(tc)
                {
                    let _ = self.send_route_record(now, tc);
                }
                self.send_data(now, tc, &f.frame)
            }
            FrameDst::Device { eui, nwk_secured } => {
                let short = self.address_map.short(eui).ok_or(NodeError::NotForUs)?;
                if nwk_secured {
                    self.send_data(now, short, &f.frame)
                } else {
                    self.send_to_joiner(now, eui, short, NwkFrameType::Data, &f.frame, false)
                }
            }
        }
    }

    fn send_link_status(&mut self, now: Instant) -> Result<(), NodeError> {
        let entries = self.neighbours.link_status();
        let mut list = [0u8; 3 * 40];
        let mut n = 0;
        for (chunk, e) in list.chunks_exact_mut(3).zip(entries.iter()) {
            let [a, b] = e.address.0.to_le_bytes();
            chunk.copy_from_slice(&[a, b, (e.incoming_cost & 7) | (e.outgoing_cost & 7) << 4]);
            n += 3;
        }
        let entries = List::new(list.get(..n).unwrap_or(&[])).unwrap_or(List::empty());
        let seq = self.next_nwk_seq();
        let mut h = self.header(NwkFrameType::Command, ShortAddr::ROUTERS, 1, seq);
        h.frame_control.discover_route = DiscoverRoute::Suppress;
        let cmd = NwkCommand::LinkStatus {
            first_frame: true,
            last_frame: true,
            reserved: false,
            entries,
        };
        self.send_command(now, h, cmd, Some(Hop::Broadcast))
    }

    fn send_many_to_one(&mut self, now: Instant) -> Result<(), NodeError> {
        self.route_request_id = self.route_request_id.wrapping_add(1);
        let seq = self.next_nwk_seq();
        let mut h = self.header(
            NwkFrameType::Command,
            ShortAddr::ROUTERS,
            self.cfg.concentrator_radius,
            seq,
        );
        h.frame_control.discover_route = DiscoverRoute::Suppress;
        let _ = self
            .btt
            .record(now, self.short, seq, BROADCAST_DELIVERY_TIME);
        let cmd = NwkCommand::RouteRequest {
            options: 0x08,
            id: self.route_request_id,
            dst: ShortAddr::ROUTERS,
            path_cost: 0,
            dst_ieee: None,
        };
        self.send_command(now, h, cmd, Some(Hop::Broadcast))
    }

    /// Sends a route record to the concentrator `dst` (§3.6.3.5.2: before
    /// data when the many-to-one route says so).
    ///
    /// # Errors
    /// As [`send_data`](Self::send_data).
    pub fn send_route_record(&mut self, now: Instant, dst: ShortAddr) -> Result<(), NodeError> {
        let seq = self.next_nwk_seq();
        let h = self.header(NwkFrameType::Command, dst, self.cfg.radius, seq);
        self.send_command(
            now,
            h,
            NwkCommand::RouteRecord {
                relays: List::empty(),
            },
            None,
        )?;
        if let Some(r) = self.routes.get_mut(dst) {
            r.route_record_required = false;
        }
        Ok(())
    }

    /// NLME-LEAVE.request for this device (§3.6.1.10.1, also what a ZDO
    /// Mgmt_Leave_req asks): a NWK leave command (rejoin and remove-children
    /// flags as given) goes to the neighbours (an end device sends it to its
    /// parent), then the node forgets its network: short address, parent,
    /// tables, indirect frames. The leave frame stays queued for
    /// [`poll_transmit`](Self::poll_transmit).
    ///
    /// # Errors
    /// [`NodeError::NotJoined`], or the leave frame could not be sent (the
    /// node is left anyway).
    pub fn leave(
        &mut self,
        now: Instant,
        rejoin: bool,
        remove_children: bool,
    ) -> Result<(), NodeError> {
        if !self.is_joined() {
            return Err(NodeError::NotJoined);
        }
        let options = u8::from(rejoin) << 5 | u8::from(remove_children) << 7;
        let seq = self.next_nwk_seq();
        let mut h = self.header(NwkFrameType::Command, ShortAddr::RX_ON_WHEN_IDLE, 1, seq);
        h.frame_control.discover_route = DiscoverRoute::Suppress;
        let hop = match self.parent {
            Some(p) if matches!(self.cfg.role, Role::EndDevice { .. }) => Hop::Direct(p),
            _ => Hop::Broadcast,
        };
        let sent = self.send_command(now, h, NwkCommand::Leave { options }, Some(hop));
        if self.cfg.role != Role::Coordinator {
            self.state = JoinState::Idle;
            self.short = ShortAddr(0xfffe);
            self.parent = None;
            self.next_poll = None;
            self.next_link_status = None;
        }
        self.neighbours = NeighbourTable::new();
        self.routes = RoutingTable::new();
        self.source_routes = SourceRouteTable::new();
        self.indirect = IndirectQueue::new();
        sent
    }

    /// Answers a ZDO request on endpoint 0 (ZigBee R22 §2.4) with this
    /// node's own tables: `aps` is the APS frame of an indication from
    /// `src` to `dst` (this node or a broadcast address). A request is
    /// handled by `local`'s responder
    /// ([`LocalDevice::handle_with_bindings`], with this node's neighbour
    /// table, address map, short address and permit-join state, and the
    /// caller's binding table), the response sent back to `src` as an
    /// unacknowledged APS data frame on endpoint 0, and the action applied
    /// (Mgmt_Leave_req: [`Node::leave`] after the response is queued;
    /// Mgmt_Permit_Joining_req: [`Node::permit_joining`]). Returns `None`
    /// when `aps` is not a ZDO request (another endpoint or profile, not a
    /// data frame), else the action taken.
    ///
    /// # Errors
    /// [`NodeError::Decode`] for a request that does not decode, and the
    /// errors of [`Node::send_data`] for the response.
    pub fn handle_zdo<const B: usize>(
        &mut self,
        now: Instant,
        src: ShortAddr,
        dst: ShortAddr,
        aps: &[u8],
        local: &LocalDevice<'_>,
        bindings: &mut BindingTable<B>,
    ) -> Result<Option<ZdoAction>, NodeError> {
        let Ok(frame) = ApsFrame::decode(aps) else {
            return Ok(None);
        };
        let (ApsBody::Payload(payload), Some(0), Some(0), Some(cluster)) = (
            frame.body,
            frame.header.dst_endpoint,
            frame.header.profile,
            frame.header.cluster,
        ) else {
            return Ok(None);
        };
        if frame.header.frame_control.frame_type != ApsFrameType::Data
            || cluster & crate::zdo::cluster::RESPONSE != 0
        {
            return Ok(None);
        }
        let mut dev = *local;
        dev.short = self.short;
        dev.permit_joining = self.permit_joining_open(now);
        let mut out = [0u8; MAX_FRAME];
        let outcome = dev
            .handle_with_bindings(
                cluster,
                payload,
                !is_broadcast(dst),
                &self.neighbours,
                &mut self.address_map,
                bindings,
                &mut out,
            )
            .map_err(|e| match e {
                ZdoError::Decode(d) => NodeError::Decode(d),
                ZdoError::Encode(e) => NodeError::Encode(e),
            })?;
        if let Some((rsp_cluster, n)) = outcome.response {
            self.zdo_counter = self.zdo_counter.wrapping_add(1);
            let rsp = ApsFrame {
                header: ApsHeader {
                    frame_control: ApsFrameControl {
                        frame_type: ApsFrameType::Data,
                        delivery: DeliveryMode::Unicast,
                        ack_format: false,
                        security: false,
                        ack_request: false,
                        extended_header: false,
                    },
                    dst_endpoint: Some(0),
                    group: None,
                    cluster: Some(rsp_cluster),
                    profile: Some(0),
                    src_endpoint: Some(0),
                    counter: Some(self.zdo_counter),
                    extended: None,
                },
                body: ApsBody::Payload(out.get(..n).unwrap_or(&[])),
            };
            let mut buf = [0u8; MAX_FRAME];
            let m = rsp.encode(&mut buf)?;
            self.send_data(now, src, buf.get(..m).unwrap_or(&[]))?;
        }
        match outcome.action {
            ZdoAction::Leave {
                rejoin,
                remove_children,
            } => {
                let _ = self.leave(now, rejoin, remove_children);
            }
            ZdoAction::PermitJoining { duration } => self.permit_joining(now, duration),
            _ => {}
        }
        Ok(Some(outcome.action))
    }

    /// Whether a route record must precede data to `dst` (a many-to-one route asks for it).
    #[must_use]
    pub fn route_record_required(&self, dst: ShortAddr) -> bool {
        self.routes
            .get(dst)
            .is_some_and(|r| r.many_to_one && r.route_record_required)
    }
}

/// How [`Node::encode_nwk`] protects a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protect {
    /// Secured now.
    Now,
    /// Laid out for securing when collected from the indirect queue.
    Later,
    /// Without NWK security (rejoin and key transport to a device without the key).
    Plain,
}

/// An indication before it borrows the node's receive buffer.
struct Delivered {
    src: ShortAddr,
    src_ieee: Option<Eui64>,
    dst: ShortAddr,
    lqi: u8,
    secured: bool,
    len: usize,
}

/// Whether an APS frame is a command frame (frame type 0b01, §2.2.5.1.1.1).
fn is_aps_command(aps: &[u8]) -> bool {
    aps.first().is_some_and(|fc| fc & 0x03 == 0x01)
}

/// The network keys accepted for input: the active one and, during the
/// grace period after a switch, the previous one.
struct NetworkKeys<'a> {
    active: Option<&'a (u8, ZigbeeKey)>,
    previous: Option<&'a (u8, ZigbeeKey, Instant)>,
}

impl KeyLookup for NetworkKeys<'_> {
    fn key(&self, key: KeyIdentifier, _source: Eui64) -> Option<&ZigbeeKey> {
        let KeyIdentifier::Network { sequence } = key else {
            return None;
        };
        self.active
            .filter(|(s, _)| *s == sequence)
            .map(|(_, k)| k)
            .or_else(|| {
                self.previous
                    .filter(|(s, _, _)| *s == sequence)
                    .map(|(_, k, _)| k)
            })
    }
}

fn child_addrs(n: &Neighbour) -> [MacAddress; 2] {
    let short = MacAddress::Short(n.short);
    [short, n.ieee.map_or(short, MacAddress::Extended)]
}

/// The hub as trust centre: the operations that involve both the
/// [`TrustCentre`] and the NWK layer.
impl<
    S: CounterStore,
    const NB: usize,
    const RT: usize,
    const IQ: usize,
    const D: usize,
    S2: CounterStore,
    R: rand_core::CryptoRng,
    const N: usize,
    const Q: usize,
> Node<S, NB, RT, IQ, D, TrustCentreRole<S2, R, N, Q>>
{
    /// The trust centre.
    #[must_use]
    pub const fn trust_centre(&self) -> &TrustCentre<N, Q> {
        &self.sec.tc
    }

    /// Starts a network key rotation (ZigBee R22 §4.6.3.4): the new key is
    /// transported to every joined device, NWK-secured under the current key.
    ///
    /// # Errors
    /// [`TcError`].
    pub fn rotate_network_key(&mut self, now: Instant, new_key: [u8; 16]) -> Result<(), TcError> {
        let role = &mut self.sec;
        role.tc.rotate_network_key(new_key, &mut role.store)?;
        self.drain_commissioning(now);
        Ok(())
    }

    /// Switches the network to the key being rotated: Switch Key goes to
    /// every joined device (frames sent directly go under the current key;
    /// frames held for sleepy children are secured under the new one when
    /// they poll, and a device holding the new key switches on the first
    /// frame under it), then the hub's NWK layer uses the new key, its
    /// outgoing counter running on (no reset, so no store ordering is
    /// needed). A device that missed the new key rejoins with a
    /// trust-centre rejoin.
    ///
    /// # Errors
    /// [`TcError`].
    pub fn switch_to_new_network_key(&mut self, now: Instant) -> Result<(), TcError> {
        let role = &mut self.sec;
        role.tc.switch_network_key(&mut role.store)?;
        self.drain_commissioning(now);
        let net = self.sec.tc.network();
        let sequence = net.sequence;
        let key = ZigbeeKey::new(&net.key.0).map_err(|_| TcError::NoPendingKey)?;
        self.install_key(now, sequence, key, None);
        Ok(())
    }

    /// Decommissions a device (ZigBee R22 §4.6.3.5): a child of this hub is
    /// told to leave and forgotten; a router's child is removed by an APS
    /// Remove Device to that router; the device's entry and keys are
    /// deleted, so its frames and a later trust-centre rejoin are refused.
    ///
    /// # Errors
    /// [`TcError::UnknownDevice`], counter or queue errors.
    pub fn decommission(&mut self, now: Instant, eui: Eui64) -> Result<(), TcError> {
        let parent = self
            .sec
            .tc
            .device(eui)
            .ok_or(TcError::UnknownDevice)?
            .parent;
        let role = &mut self.sec;
        role.tc.decommission(eui, parent, &mut role.store)?;
        if parent.is_none() {
            self.remove_child(now, eui);
        }
        self.drain_commissioning(now);
        Ok(())
    }
}
