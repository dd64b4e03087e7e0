#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! A simulated HAN: a coordinator (the hub, a concentrator), two routers, two
//! sleepy end devices (one the coordinator's child, one the router's, two
//! hops from the hub) and an always-on end device, exchanging real encoded,
//! NWK-secured MAC frames through an in-memory radio with seeded loss,
//! duplication and reordering. APS data services run on top.

use core::time::Duration;
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use dual_protocol_zigbee_nwk::aps::{
    ApsConfig, ApsDataService, ApsError, ApsEvent, DataRequest, Destination, GroupTable, Received,
    RequestHandle,
};
use dual_protocol_zigbee_nwk::mac::{AssociationStatus, CapabilityInformation, MacAddress};
use dual_protocol_zigbee_nwk::nwk::node::{Node, NodeConfig, NodeError, NodeEvent, Role};
use dual_protocol_zigbee_nwk::security::{Keys, OutgoingFrameCounter, SecurityError, ZigbeeKey};
use dual_protocol_zigbee_nwk::zdo::{ZdoFrame, ZdoMessage};
use dual_protocol_zigbee_nwk::{PanId, ShortAddr};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
struct Mem(u64);
impl CounterStore for Mem {
    type Error = ();
    fn persist(&mut self, mark: u64) -> Result<(), ()> {
        self.0 = mark;
        Ok(())
    }
}

type N = Node<Mem, 8, 8, 16, 16>;
type Aps = ApsDataService<4, 2, 16, 1100>;

const NWK_KEY: [u8; 16] = [
    0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0d,
];
const XPAN: Eui64 = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);
const HUB: usize = 0;
const ROUTER: usize = 1;
const SLEEPY: usize = 2; // the hub's child
const FAR: usize = 3; // the router's sleepy child: two hops from the hub
const AWAKE: usize = 4; // the hub's rx-on child
const ROUTER2: usize = 5; // a second router, in range of the hub and the first router

struct Dev {
    node: N,
    aps: Aps,
    groups: GroupTable<2>,
    events: Vec<NodeEvent>,
    aps_events: Vec<ApsEvent>,
    /// (source, payload)
    delivered: Vec<(ShortAddr, Vec<u8>)>,
    /// APS-secured frames (trust-centre commands), for the key machines.
    secured: Vec<Vec<u8>>,
}

fn keys() -> Keys {
    Keys {
        network: Some((0, ZigbeeKey::new(&NWK_KEY).unwrap())),
        link: None,
    }
}

fn dev(role: Role, n: u8, rng: &mut ChaCha8Rng) -> Dev {
    let mut cfg = NodeConfig::new(
        role,
        Eui64([0, 0x0d, 0x6f, 0, 0, 0, 1, n]),
        PanId(0x1a62),
        XPAN,
    );
    cfg.poll_interval = Duration::from_millis(500);
    cfg.link_status_period = Duration::from_secs(4);
    if role == Role::Coordinator {
        cfg.concentrator_interval = Some(Duration::from_secs(5));
    }
    let aps_cfg = ApsConfig {
        ack_wait: Duration::from_secs(3),
        max_retries: 5,
        fragment_size: 48,
        // Longer than every retry of a frame held for a sleepy device.
        duplicate_timeout: Duration::from_secs(40),
        ..ApsConfig::default()
    };
    Dev {
        node: N::new(
            cfg,
            keys(),
            OutgoingFrameCounter::resume(0, 64),
            Mem(0),
            rng,
        ),
        aps: Aps::new(aps_cfg, rng.next_u32() as u8),
        groups: GroupTable::new(),
        events: Vec::new(),
        aps_events: Vec::new(),
        delivered: Vec::new(),
        secured: Vec::new(),
    }
}

struct Radio {
    rng: ChaCha8Rng,
    loss: u32,
    dup: u32,
    links: BTreeSet<(usize, usize)>,
    /// (at ms, order, to, frame)
    air: Vec<(u64, u64, usize, Vec<u8>)>,
    order: u64,
    sent: usize,
    /// Last arrival time per (from, to): one link keeps its order (an
    /// 802.15.4 MAC sends one frame at a time), frames from different
    /// senders interleave freely.
    last: BTreeMap<(usize, usize), u64>,
    /// Devices whose receiver is off between polls: they hear no MAC
    /// broadcast (only the frame answering their data request).
    sleepers: BTreeSet<usize>,
}

/// A MAC frame to the broadcast short address 0xffff.
fn mac_broadcast(frame: &[u8]) -> bool {
    let fc = u16::from_le_bytes([frame[0], frame[1]]);
    (fc >> 10) & 3 == 2 && frame.get(5..7) == Some(&[0xff, 0xff][..])
}

impl Radio {
    fn hears(&self, a: usize, b: usize) -> bool {
        self.links.contains(&(a.min(b), a.max(b)))
    }

    fn send(&mut self, now: u64, from: usize, n: usize, frame: &[u8]) {
        self.sent += 1;
        for to in 0..n {
            if to == from
                || !self.hears(from, to)
                || (self.sleepers.contains(&to) && mac_broadcast(frame))
                || self.rng.next_u32() % 100 < self.loss
            {
                continue;
            }
            let copies = if self.rng.next_u32() % 100 < self.dup {
                2
            } else {
                1
            };
            for _ in 0..copies {
                self.order += 1;
                let mut at = now + 1 + u64::from(self.rng.next_u32() % 15);
                let last = self.last.entry((from, to)).or_default();
                at = at.max(*last);
                *last = at;
                self.air.push((at, self.order, to, frame.to_vec()));
            }
        }
    }
}

struct Han {
    devs: Vec<Dev>,
    radio: Radio,
    now: u64,
}

impl Han {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let devs = vec![
            dev(Role::Coordinator, 0, &mut rng),
            dev(Role::Router, 1, &mut rng),
            dev(
                Role::EndDevice {
                    rx_on_when_idle: false,
                },
                2,
                &mut rng,
            ),
            dev(
                Role::EndDevice {
                    rx_on_when_idle: false,
                },
                3,
                &mut rng,
            ),
            dev(
                Role::EndDevice {
                    rx_on_when_idle: true,
                },
                4,
                &mut rng,
            ),
            dev(Role::Router, 5, &mut rng),
        ];
        let links = [
            (HUB, ROUTER),
            (HUB, SLEEPY),
            (HUB, AWAKE),
            (ROUTER, FAR),
            (HUB, ROUTER2),
            (ROUTER, ROUTER2),
        ]
        .into_iter()
        .collect();
        Han {
            devs,
            radio: Radio {
                rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed),
                loss: 0,
                dup: 0,
                links,
                air: Vec::new(),
                order: 0,
                sent: 0,
                last: BTreeMap::new(),
                sleepers: BTreeSet::new(),
            },
            now: 0,
        }
    }

    fn t(&self) -> Instant {
        Instant::from_millis(self.now)
    }

    fn short(&self, i: usize) -> ShortAddr {
        self.devs[i].node.short()
    }

    fn step(&mut self) {
        let now = self.t();
        self.radio.air.sort_by_key(|e| (e.0, e.1));
        let n = self
            .radio
            .air
            .iter()
            .take_while(|e| e.0 <= self.now)
            .count();
        let due: Vec<_> = self.radio.air.drain(..n).collect();
        for (_, _, to, frame) in due {
            let d = &mut self.devs[to];
            let ind = match d.node.handle_input(now, &frame, 200) {
                Ok(Some(ind)) => Some((ind.src, ind.payload.to_vec())),
                _ => None,
            };
            if let Some((src, aps)) = ind {
                match d.aps.handle_input(now, src, &aps, &d.groups) {
                    Ok(Received::Data(x)) => d.delivered.push((src, x.payload.to_vec())),
                    Err(ApsError::Secured) => d.secured.push(aps),
                    _ => {}
                }
            }
        }
        let count = self.devs.len();
        let mut buf = [0u8; 127];
        for i in 0..count {
            let d = &mut self.devs[i];
            if d.node.poll_timeout().is_some_and(|t| t <= now) {
                d.node.handle_timeout(now);
            }
            if d.aps.poll_timeout().is_some_and(|t| t <= now) {
                d.aps.handle_timeout(now);
            }
            let mut aps_buf = [0u8; 127];
            while let Some(tx) = d.aps.poll_transmit(now, &mut aps_buf) {
                // The far end device sends a route record with its data to
                // the concentrator (its parent relays it, adding itself).
                if d.node.route_record_required(tx.dst) || (i == FAR && tx.dst == ShortAddr(0)) {
                    let _ = d.node.send_route_record(now, tx.dst);
                }
                match d.node.send_data(now, tx.dst, &aps_buf[..tx.len]) {
                    // Lost like a frame on the air: the APS retry covers it.
                    Ok(()) | Err(NodeError::NoRoute { .. } | NodeError::Indirect(_)) => {}
                    Err(e) => panic!("device {i}: {e}"),
                }
                while let Some(n) = d.node.poll_transmit(now, &mut buf) {
                    self.radio.send(self.now, i, count, &buf[..n]);
                }
            }
            while let Some(n) = d.node.poll_transmit(now, &mut buf) {
                self.radio.send(self.now, i, count, &buf[..n]);
            }
            while let Some(e) = d.node.poll_event() {
                d.events.push(e);
            }
            while let Some(e) = d.aps.poll_event() {
                d.aps_events.push(e);
            }
        }
        self.now += 5;
    }

    fn run_until(&mut self, ms: u64, mut done: impl FnMut(&Han) -> bool) -> bool {
        let end = self.now + ms;
        while self.now < end {
            self.step();
            if done(self) {
                return true;
            }
        }
        false
    }

    /// Forms the network: router and end devices join (lossless air).
    fn form(&mut self) {
        self.join_all();
        let shorts: BTreeSet<_> = (0..6).map(|i| self.short(i)).collect();
        assert_eq!(shorts.len(), 6, "unique short addresses");
    }

    /// Every device joins: the routers and the hub's children at the hub,
    /// the far device at the router.
    fn join_all(&mut self) {
        let now = self.t();
        self.devs[HUB].node.permit_joining(now, 60);
        self.devs[HUB].node.start(now);
        for i in [ROUTER, ROUTER2, SLEEPY, AWAKE] {
            self.devs[i].node.start(now);
            assert!(
                self.run_until(5_000, |h| h.devs[i].node.is_joined()),
                "device {i} joins the hub"
            );
        }
        let now = self.t();
        self.devs[ROUTER].node.permit_joining(now, 60);
        self.devs[FAR].node.start(now);
        assert!(self.run_until(5_000, |h| h.devs[FAR].node.is_joined()));
        assert_eq!(self.devs[FAR].node.parent(), Some(self.short(ROUTER)));
        assert_eq!(self.devs[SLEEPY].node.parent(), Some(ShortAddr(0)));
    }
}

fn payload(rng: &mut ChaCha8Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v
}

fn req(dst: ShortAddr) -> DataRequest {
    DataRequest {
        dst: Destination::Unicast {
            nwk: dst,
            endpoint: 1,
        },
        profile: 0x0109,
        cluster: 0x0702,
        src_endpoint: 1,
        ack: true,
    }
}

#[test]
fn network_forms_and_tables_fill() {
    let mut han = Han::new(1);
    han.form();
    let hub = &han.devs[HUB];
    assert!(
        hub.events
            .iter()
            .filter(|e| matches!(e, NodeEvent::ChildJoined { .. }))
            .count()
            == 4
    );
    assert_eq!(hub.node.address_map().len(), 4, "four children");
    assert!(
        han.devs[FAR]
            .events
            .iter()
            .any(|e| matches!(e, NodeEvent::Joined { .. }))
    );
    // Link status: the hub and the router learn each other's link costs.
    han.run_until(9_000, |_| false);
    let r = han.short(ROUTER);
    let n = han.devs[HUB].node.neighbours().get(r).copied().unwrap();
    assert!(
        n.outgoing_cost > 0,
        "outgoing cost from the router's link status"
    );
    // Many-to-one: the router has a route to the concentrator.
    let route = han.devs[ROUTER]
        .node
        .routes()
        .get(ShortAddr(0))
        .copied()
        .unwrap();
    assert!(route.many_to_one);
}

/// Sends from `from` to `to` and returns the handle.
fn send(han: &mut Han, from: usize, to: usize, data: &[u8]) -> RequestHandle {
    let dst = han.short(to);
    han.devs[from].aps.send(req(dst), data).unwrap()
}

fn outcome(han: &Han, from: usize, h: RequestHandle) -> Option<bool> {
    han.devs[from].aps_events.iter().find_map(|e| match e {
        ApsEvent::Confirmed(x) if *x == h => Some(true),
        ApsEvent::Failed(x, _) if *x == h => Some(false),
        _ => None,
    })
}

fn exchange(seed: u64, loss: u32, dup: u32) -> (usize, usize) {
    let mut han = Han::new(seed);
    han.form();
    han.radio.loss = loss;
    han.radio.dup = dup;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // The far device speaks first: its route record teaches the hub the way.
    let up = payload(&mut rng, 30);
    let h_up = send(&mut han, FAR, HUB, &up);
    assert!(han.run_until(30_000, |h| outcome(h, FAR, h_up).is_some()));
    let mut plan = vec![
        (HUB, SLEEPY, payload(&mut rng, 40)),
        (HUB, FAR, payload(&mut rng, 1024)),
        (HUB, AWAKE, payload(&mut rng, 200)),
        (SLEEPY, HUB, payload(&mut rng, 20)),
        (HUB, SLEEPY, payload(&mut rng, 300)),
    ];
    plan.push((FAR, HUB, up));
    let mut handles = Vec::new();
    for (from, to, data) in plan.iter().take(5) {
        handles.push((*from, *to, send(&mut han, *from, *to, data), data.clone()));
        han.run_until(50, |_| false);
    }
    han.run_until(120_000, |h| {
        handles
            .iter()
            .all(|(f, _, x, _)| outcome(h, *f, *x).is_some())
    });
    let mut ok = 0;
    for (from, to, h, data) in &handles {
        let src = han.short(*from);
        let times = han.devs[*to]
            .delivered
            .iter()
            .filter(|(s, p)| *s == src && p == data)
            .count();
        let confirmed = outcome(&han, *from, *h).expect("every request is confirmed or failed");
        assert!(times <= 1, "delivered at most once");
        if confirmed {
            assert_eq!(
                times, 1,
                "a confirmed request was delivered ({from} -> {to})"
            );
            ok += 1;
        }
    }
    if loss == 0 {
        // The hub reached the far device through a source route via the router.
        let relays = han.devs[HUB]
            .node
            .source_routes()
            .relays(han.short(FAR))
            .unwrap();
        assert_eq!(relays, &[han.short(ROUTER)]);
        assert!(
            han.devs[HUB]
                .events
                .iter()
                .any(|e| matches!(e, NodeEvent::RouteRecord { relays: 1, .. }))
        );
    }
    (ok, handles.len())
}

#[test]
fn lossless_han_delivers_everything_including_1k_fragmented_two_hops() {
    let (ok, n) = exchange(7, 0, 0);
    assert_eq!(ok, n);
}

#[test]
fn lossy_han_delivers_exactly_once_or_reports() {
    let mut ok_total = 0;
    let mut total = 0;
    for seed in 20..24 {
        let (ok, n) = exchange(seed, 5, 5);
        ok_total += ok;
        total += n;
    }
    assert!(ok_total * 10 >= total * 8, "{ok_total}/{total} confirmed");
}

#[test]
fn permit_join_closed_refuses_association() {
    let mut han = Han::new(3);
    let now = han.t();
    han.devs[HUB].node.start(now);
    // Permit joining closed: the hub's beacon says so and nobody associates.
    han.devs[SLEEPY].node.start(now);
    assert!(!han.run_until(3_000, |h| h.devs[SLEEPY].node.is_joined()));
    // Open for 2 s; the window closes with an event.
    let now = han.t();
    han.devs[HUB].node.permit_joining(now, 2);
    assert!(han.devs[HUB].node.permit_joining_open(now));
    han.run_until(2_100, |_| false);
    assert!(han.devs[HUB].events.contains(&NodeEvent::PermitJoinClosed));
    assert!(!han.devs[HUB].node.permit_joining_open(han.t()));
}

#[test]
fn association_during_closed_window_is_refused_with_events() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut han = Han::new(4);
    let now = han.t();
    let hub = &mut han.devs[HUB].node;
    hub.permit_joining(now, 60);
    hub.start(now);
    let mut d = dev(
        Role::EndDevice {
            rx_on_when_idle: false,
        },
        7,
        &mut rng,
    );
    d.node.start(now);
    let mut buf = [0u8; 127];
    let k = d.node.poll_transmit(now, &mut buf).unwrap();
    hub.handle_input(now, &buf[..k], 255).unwrap();
    let k = hub.poll_transmit(now, &mut buf).unwrap();
    d.node.handle_input(now, &buf[..k], 255).unwrap();
    // The window closes between the beacon and the association request.
    hub.permit_joining(now, 0);
    let k = d.node.poll_transmit(now, &mut buf).unwrap();
    hub.handle_input(now, &buf[..k], 255).unwrap();
    assert!(matches!(
        hub.poll_event(),
        Some(NodeEvent::JoinRefused {
            status: AssociationStatus::PanAccessDenied,
            ..
        })
    ));
    // The response waits at the hub until the device polls for it.
    assert_eq!(hub.indirect().len(), 1);
    d.node.send_data_request().unwrap();
    let k = d.node.poll_transmit(now, &mut buf).unwrap();
    hub.handle_input(now, &buf[..k], 255).unwrap();
    let k = hub.poll_transmit(now, &mut buf).unwrap();
    d.node.handle_input(now, &buf[..k], 255).unwrap();
    assert_eq!(
        d.node.poll_event(),
        Some(NodeEvent::JoinFailed(AssociationStatus::PanAccessDenied))
    );
    assert!(!d.node.is_joined());
}

#[test]
fn indirect_frame_expires_when_child_does_not_poll() {
    let mut han = Han::new(5);
    han.form();
    // The sleepy child stops polling (its radio is off the air).
    han.radio.links.remove(&(HUB, SLEEPY));
    let dst = han.short(SLEEPY);
    let now = han.t();
    han.devs[HUB]
        .node
        .send_data(now, dst, b"\x00\x01\x06\x01\x09\x01\x01\x00held")
        .unwrap();
    assert_eq!(han.devs[HUB].node.indirect().len(), 1);
    han.run_until(8_000, |_| false);
    assert!(han.devs[HUB].events.iter().any(|e| matches!(
        e,
        NodeEvent::IndirectExpired { dst: MacAddress::Short(s) } if *s == dst
    )));
    assert!(han.devs[HUB].node.indirect().is_empty());
}

#[test]
fn replayed_frame_is_dropped_with_an_event() {
    let mut han = Han::new(6);
    han.form();
    // Capture one frame the awake child sends to the hub, then replay it.
    let dst = ShortAddr(0);
    let now = han.t();
    han.devs[AWAKE]
        .node
        .send_data(now, dst, b"\x00\x01\x06\x01\x09\x01\x01\x00")
        .unwrap();
    let mut buf = [0u8; 127];
    let n = han.devs[AWAKE].node.poll_transmit(now, &mut buf).unwrap();
    let frame = buf[..n].to_vec();
    assert!(
        han.devs[HUB]
            .node
            .handle_input(now, &frame, 200)
            .unwrap()
            .is_some()
    );
    let e = han.devs[HUB]
        .node
        .handle_input(now, &frame, 200)
        .unwrap_err();
    assert!(matches!(e, NodeError::Security(_)), "{e:?}");
    let mut ev = Vec::new();
    while let Some(e) = han.devs[HUB].node.poll_event() {
        ev.push(e);
    }
    assert!(
        ev.iter()
            .any(|x| matches!(x, NodeEvent::Dropped(NodeError::Security(_))))
    );
    // A tampered frame fails its MIC.
    let mut bad = frame.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert!(matches!(
        han.devs[HUB].node.handle_input(now, &bad, 200),
        Err(NodeError::Security(_))
    ));
}

#[test]
fn child_table_full_refuses_with_capacity() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    // A hub whose neighbour table holds one device.
    let cfg = NodeConfig::new(Role::Coordinator, Eui64([9; 8]), PanId(0x1a62), XPAN);
    let mut hub: Node<Mem, 1, 4, 4, 4> = Node::new(
        cfg,
        keys(),
        OutgoingFrameCounter::resume(0, 64),
        Mem(0),
        &mut rng,
    );
    let now = Instant::from_millis(0);
    hub.permit_joining(now, 0xff);
    hub.start(now);
    let mut frames = Vec::new();
    for n in 1..=2u8 {
        let mut d = dev(
            Role::EndDevice {
                rx_on_when_idle: true,
            },
            n,
            &mut rng,
        );
        d.node.start(now);
        let mut buf = [0u8; 127];
        let k = d.node.poll_transmit(now, &mut buf).unwrap();
        let _ = hub.handle_input(now, &buf[..k], 255);
        let k = hub.poll_transmit(now, &mut buf).unwrap();
        let _ = d.node.handle_input(now, &buf[..k], 255);
        let k = d.node.poll_transmit(now, &mut buf).unwrap();
        frames.push(buf[..k].to_vec());
    }
    for f in &frames {
        hub.handle_input(now, f, 255).unwrap();
    }
    let mut ev = Vec::new();
    while let Some(e) = hub.poll_event() {
        ev.push(e);
    }
    assert!(matches!(ev[0], NodeEvent::ChildJoined { .. }));
    assert!(matches!(
        ev[1],
        NodeEvent::JoinRefused {
            status: AssociationStatus::PanAtCapacity,
            ..
        }
    ));
}

#[test]
fn route_discovery_finds_the_far_device_through_the_router() {
    let mut han = Han::new(11);
    han.form();
    let far = han.short(FAR);
    let now = han.t();
    // No route record yet: the hub starts a discovery.
    let aps = b"\x00\x01\x06\x01\x09\x01\x01\x00";
    assert_eq!(
        han.devs[HUB].node.send_data(now, far, aps),
        Err(NodeError::NoRoute { dst: far })
    );
    // The router answers for its end device child.
    assert!(han.run_until(2_000, |h| h.devs[HUB].events.contains(
        &NodeEvent::RouteDiscovered {
            dst: far,
            next_hop: h.short(ROUTER)
        }
    )));
    let now = han.t();
    han.devs[HUB].node.send_data(now, far, aps).unwrap();
    // Routed via the router, held there until the sleepy device polls.
    assert!(han.run_until(3_000, |h| {
        h.devs[FAR]
            .delivered
            .iter()
            .any(|(s, p)| *s == ShortAddr(0) && p.is_empty())
    }));
}

#[test]
fn a_sleepy_child_leaves_and_its_parent_forgets_it() {
    let mut han = Han::new(12);
    han.form();
    let short = han.short(SLEEPY);
    let now = han.t();
    han.devs[SLEEPY].node.leave(now, false, false).unwrap();
    assert!(!han.devs[SLEEPY].node.is_joined());
    han.run_until(200, |_| false);
    assert!(
        han.devs[HUB]
            .events
            .contains(&NodeEvent::ChildLeft { short })
    );
    assert!(han.devs[HUB].node.neighbours().get(short).is_none());
    assert_eq!(
        han.devs[SLEEPY].node.leave(now, false, false),
        Err(NodeError::NotJoined)
    );
}

/// The trust centre on the hub commissions every device over the simulated
/// HAN (Transport Key under each device's own key-transport key, carried
/// NWK-secured, through the router and the sleepy parents' indirect
/// queues) and then rotates the network key: every device, the sleepy one
/// two hops away included, takes the new key and switches on Switch Key.
#[test]
fn trust_centre_commissions_and_rotates_the_key_across_the_han() {
    use dual_protocol_zigbee_nwk::security::joiner::{Joiner, JoinerEvent};
    use dual_protocol_zigbee_nwk::security::trust_centre::TrustCentre;
    let mut han = Han::new(31);
    han.form();
    let members = [ROUTER, SLEEPY, FAR, AWAKE, ROUTER2];
    let eui = |i: usize| Eui64([0, 0x0d, 0x6f, 0, 0, 0, 1, i as u8]);
    let mut flash = Mem(0);
    let mut tc = TrustCentre::<8, 16>::new(eui(HUB), NWK_KEY);
    let mut joiners: Vec<Joiner> = members
        .iter()
        .map(|&i| {
            tc.authorise(eui(i), [i as u8; 16]).unwrap();
            Joiner::new(eui(i), [i as u8; 16])
        })
        .collect();
    // FAR announces itself to the concentrator first (route record).
    let now = han.t();
    let _ = han.devs[FAR].node.send_route_record(now, ShortAddr(0));
    han.run_until(2_000, |_| false);
    for &i in &members {
        assert!(tc.device_joined(eui(i), han.short(i), &mut flash).unwrap());
    }
    // Each trust-centre frame is sent once: the sleepy parents secure it
    // when the child polls, so frames heard meanwhile do not make it a replay.
    let run = |han: &mut Han,
               tc: &mut TrustCentre<8, 16>,
               joiners: &mut [Joiner],
               done: &dyn Fn(&Joiner) -> bool| {
        let now = han.t();
        while let Some(o) = tc.poll_transmit() {
            let k = members.iter().position(|&m| eui(m) == o.dst).unwrap();
            let dst = han.short(members[k]);
            han.devs[HUB].node.send_data(now, dst, &o.frame).unwrap();
        }
        for _ in 0..2_000 {
            han.step();
            for (k, &i) in members.iter().enumerate() {
                for f in std::mem::take(&mut han.devs[i].secured) {
                    joiners[k].handle_aps(&f).unwrap();
                }
            }
            if joiners.iter().all(done) {
                return true;
            }
        }
        false
    };
    assert!(
        run(&mut han, &mut tc, &mut joiners, &|j| j.network_key()
            == Some((&NWK_KEY, 0))),
        "every device got the network key"
    );
    let new_key = [0x77; 16];
    tc.rotate_network_key(new_key, &mut flash).unwrap();
    assert!(
        run(&mut han, &mut tc, &mut joiners, &|j| j
            .record()
            .pending_network
            .is_some()),
        "every device got the new key"
    );
    tc.switch_network_key(&mut flash).unwrap();
    assert!(
        run(&mut han, &mut tc, &mut joiners, &|j| j.network_key()
            == Some((&new_key, 1))),
        "every device switched"
    );
    for j in &mut joiners {
        let ev: Vec<_> = std::iter::from_fn(|| j.poll_event()).collect();
        assert!(
            ev.contains(&JoinerEvent::KeySwitched { sequence: 1 }),
            "{ev:?}"
        );
    }
    // The NWK layer switches too (the joiners' records hold the switch
    // durably first). AWAKE switches late, to exercise the grace rule.
    let now = han.t();
    for i in [HUB, ROUTER, SLEEPY, FAR, ROUTER2] {
        let node = &mut han.devs[i].node;
        node.switch_network_key(now, 1, ZigbeeKey::new(&new_key).unwrap(), 64)
            .unwrap();
        assert_eq!(node.network_key_sequence(), Some(1));
        assert_eq!(node.previous_key_sequence(), Some(0));
    }
    assert_eq!(
        han.devs[HUB]
            .node
            .switch_network_key(now, 1, ZigbeeKey::new(&new_key).unwrap(), 64),
        Err(NodeError::KeySwitch { sequence: 1 })
    );
    let mut buf = [0u8; 127];
    let aps = b"\x00\x01\x06\x01\x09\x01\x01\x00";
    let mut old_key_frame = |han: &mut Han| {
        let now = han.t();
        han.devs[AWAKE]
            .node
            .send_data(now, ShortAddr(0), aps)
            .unwrap();
        let n = han.devs[AWAKE].node.poll_transmit(now, &mut buf).unwrap();
        assert_eq!(han.devs[AWAKE].node.network_key_sequence(), Some(0));
        han.devs[HUB]
            .node
            .handle_input(now, &buf[..n], 200)
            .map(|i| i.is_some())
    };
    // Within the grace period a frame under the previous key is accepted,
    // checked against that key's own counters.
    assert_eq!(old_key_frame(&mut han), Ok(true));
    // Traffic under the new key, counters restarted at 0: every device,
    // the two-hop sleepy one included, both ways.
    let exchange_all = |han: &mut Han, tag: u8| {
        let mut handles = Vec::new();
        for (k, &i) in [ROUTER, SLEEPY, FAR, ROUTER2].iter().enumerate() {
            handles.push((HUB, send(han, HUB, i, &[tag, k as u8, 1])));
            handles.push((i, send(han, i, HUB, &[tag, k as u8, 2])));
        }
        assert!(han.run_until(20_000, |h| {
            handles.iter().all(|(f, x)| outcome(h, *f, *x).is_some())
        }));
        for (f, x) in &handles {
            assert_eq!(outcome(han, *f, *x), Some(true), "from {f}");
        }
        for &i in &[ROUTER, SLEEPY, FAR, ROUTER2] {
            assert!(
                han.devs[i]
                    .delivered
                    .iter()
                    .any(|(s, p)| *s == ShortAddr(0) && p.first() == Some(&tag)),
                "device {i} got the hub's frame under key {tag}"
            );
        }
    };
    exchange_all(&mut han, 0xa1);
    // After the grace period the previous key is gone: only key 1 works,
    // so the same exchange proves every frame is under the new key.
    han.run_until(61_000, |_| false);
    assert_eq!(han.devs[HUB].node.previous_key_sequence(), None);
    exchange_all(&mut han, 0xa2);
    let refused = old_key_frame(&mut han);
    assert!(
        matches!(
            refused,
            Err(NodeError::Security(SecurityError::UnknownKeySequence {
                sequence: 0
            }))
        ),
        "{refused:?}"
    );
    // The late device switches and is heard again.
    let now = han.t();
    han.devs[AWAKE]
        .node
        .switch_network_key(now, 1, ZigbeeKey::new(&new_key).unwrap(), 64)
        .unwrap();
    let h = send(&mut han, AWAKE, HUB, b"late");
    assert!(han.run_until(5_000, |h2| outcome(h2, AWAKE, h).is_some()));
    assert_eq!(outcome(&han, AWAKE, h), Some(true));
    assert!(han.devs[HUB].delivered.iter().any(|(_, p)| p == b"late"));
}

/// Regression: a frame queued for a sleepy child is NWK-secured when the
/// child polls, not when it is queued, so a frame the child hears from its
/// parent in between (here a broadcast and the parent's link status) does
/// not make the queued frame a replay; it is delivered on the first poll.
#[test]
fn queued_frame_survives_frames_heard_before_the_poll() {
    let mut han = Han::new(41);
    han.form();
    let sleepy = han.short(SLEEPY);
    let now = han.t();
    let mut buf = [0u8; 127];
    han.devs[HUB]
        .node
        .send_data(now, sleepy, b"queued")
        .unwrap();
    assert_eq!(han.devs[HUB].node.indirect().len(), 1);
    // The hub sends a broadcast to rx-on devices and, later, its link status.
    han.devs[HUB]
        .node
        .send_data(now, ShortAddr(0xfffd), b"bcast")
        .unwrap();
    let later = Instant::from_millis(han.now + 5_000);
    han.devs[HUB].node.handle_timeout(later);
    let mut heard = 0;
    while let Some(n) = han.devs[HUB].node.poll_transmit(later, &mut buf) {
        let r = han.devs[SLEEPY].node.handle_input(later, &buf[..n], 200);
        assert!(
            r.is_ok(),
            "the child authenticates the parent's frame: {r:?}"
        );
        heard += 1;
    }
    assert!(heard >= 2, "broadcast and link status heard ({heard})");
    // Now the child polls: the queued frame comes, secured with a counter
    // above everything heard, and is accepted at once.
    han.devs[SLEEPY].node.send_data_request().unwrap();
    let n = han.devs[SLEEPY]
        .node
        .poll_transmit(later, &mut buf)
        .unwrap();
    let _ = han.devs[HUB]
        .node
        .handle_input(later, &buf[..n], 200)
        .unwrap();
    let n = han.devs[HUB].node.poll_transmit(later, &mut buf).unwrap();
    let ind = han.devs[SLEEPY]
        .node
        .handle_input(later, &buf[..n], 200)
        .unwrap()
        .expect("delivered on the first poll");
    assert_eq!(ind.payload, b"queued");
    assert_eq!(ind.src, ShortAddr(0));
    assert!(han.devs[HUB].node.indirect().is_empty());
}

/// Switch Key resets the outgoing NWK frame counter to 0, but counter 0 is
/// used only after the new key's first mark has been persisted; the
/// receiver takes the small counter under the new key although it holds a
/// larger one from the same sender under the old key.
#[test]
fn key_switch_restarts_the_counter_after_persisting_its_mark() {
    let mut han = Han::new(42);
    han.form();
    let awake = han.short(AWAKE);
    let mut buf = [0u8; 127];
    let now = han.t();
    for _ in 0..70 {
        han.devs[HUB].node.send_data(now, awake, b"old").unwrap();
        while let Some(n) = han.devs[HUB].node.poll_transmit(now, &mut buf) {
            let _ = han.devs[AWAKE].node.handle_input(now, &buf[..n], 200);
        }
    }
    let old_mark = han.devs[HUB].node.store().0;
    assert!(
        old_mark > 64,
        "the hub used more than one block: {old_mark}"
    );
    let now = han.t();
    for i in [HUB, AWAKE] {
        han.devs[i]
            .node
            .switch_network_key(now, 7, ZigbeeKey::new(&[0x42; 16]).unwrap(), 64)
            .unwrap();
    }
    // Nothing sent yet: the store still holds the old, higher mark.
    assert_eq!(han.devs[HUB].node.store().0, old_mark);
    han.devs[HUB].node.send_data(now, awake, b"new").unwrap();
    let mut got = None;
    while let Some(n) = han.devs[HUB].node.poll_transmit(now, &mut buf) {
        if let Ok(Some(ind)) = han.devs[AWAKE].node.handle_input(now, &buf[..n], 200) {
            got = Some(ind.payload.to_vec());
        }
    }
    assert_eq!(got.as_deref(), Some(&b"new"[..]));
    // The first block of the new key was persisted before counter 0 went out.
    assert_eq!(han.devs[HUB].node.store().0, 64);
}

/// Device `i`'s application announces a new short address: a ZDO
/// Device_annce (ZigBee R22 §2.4.3.1.11) broadcast to the rx-on devices.
fn announce(han: &mut Han, i: usize) {
    let short = han.short(i);
    let ieee = han.devs[i].node.ieee();
    let frame = ZdoFrame {
        sequence: 1,
        message: ZdoMessage::DeviceAnnce {
            nwk_addr: short,
            ieee,
            capability: CapabilityInformation(0x80),
        },
        trailing: &[],
    };
    let mut buf = [0u8; 16];
    let n = frame.encode(&mut buf).unwrap();
    let req = DataRequest {
        dst: Destination::Broadcast {
            nwk: ShortAddr::RX_ON_WHEN_IDLE,
            endpoint: 0,
        },
        profile: 0,
        cluster: 0x0013,
        src_endpoint: 0,
        ack: false,
    };
    han.devs[i].aps.send(req, &buf[..n]).unwrap();
}

/// Short-address conflict resolution (ZigBee R22 §3.6.1.9.3): the router
/// draws addresses from the hub's seed, so the far device gets an address
/// the hub already gave. When the far device speaks, the hub sees one
/// address with two IEEE addresses, broadcasts a network status "address
/// conflict"; the parents of the two end devices (or a router itself)
/// give them new addresses; they announce them, and both are reachable.
#[test]
fn short_address_conflict_is_resolved_and_both_devices_stay_reachable() {
    use dual_protocol_zigbee_nwk::nwk::NetworkStatusCode;
    let mut han = Han::new(21);
    for i in [HUB, ROUTER] {
        let cfg = *han.devs[i].node.config();
        han.devs[i].node = N::with_seed(
            cfg,
            keys(),
            OutgoingFrameCounter::resume(0, 64),
            Mem(0),
            0x00c0_ffee,
        );
    }
    han.join_all();
    let clash = han.short(FAR);
    let twin = (0..6)
        .find(|&i| i != FAR && han.short(i) == clash)
        .expect("the far device's address is already in use");
    let far_ieee = han.devs[FAR].node.ieee();
    let twin_ieee = han.devs[twin].node.ieee();

    // The far device speaks: the hub sees the conflict.
    let first = send(&mut han, FAR, HUB, b"reading");
    let changed = |h: &Han, i: usize| {
        h.devs[i]
            .events
            .iter()
            .any(|e| matches!(e, NodeEvent::AddressChanged { old, .. } if *old == clash))
    };
    assert!(han.run_until(20_000, |h| changed(h, FAR) && changed(h, twin)));
    assert!(han.devs[HUB].events.iter().any(|e| matches!(
        e,
        NodeEvent::AddressConflict(c) if c.short == clash && c.claimed == far_ieee
    )));
    assert!(han.devs[ROUTER].events.iter().any(|e| matches!(
        e,
        NodeEvent::NetworkStatus { status: NetworkStatusCode::AddressConflict, dst } if *dst == clash
    )));
    assert!(han.devs[ROUTER].events.iter().any(|e| matches!(
        e,
        NodeEvent::ChildAddressChanged { ieee, old, .. } if *ieee == far_ieee && *old == clash
    )));
    let (far_new, twin_new) = (han.short(FAR), han.short(twin));
    assert_ne!(far_new, clash);
    assert_ne!(twin_new, clash);
    assert_ne!(far_new, twin_new);
    assert!(han.run_until(30_000, |h| outcome(h, FAR, first).is_some()));

    // Both announce their new addresses; the hub's address map follows.
    announce(&mut han, FAR);
    announce(&mut han, twin);
    assert!(han.run_until(5_000, |h| {
        let m = h.devs[HUB].node.address_map();
        m.short(far_ieee) == Some(far_new) && m.short(twin_ieee) == Some(twin_new)
    }));
    assert!(!han.devs[HUB].node.address_map().contains_short(clash));

    // The far device's route record teaches the hub the way to its new address.
    let up = send(&mut han, FAR, HUB, b"again");
    assert!(han.run_until(30_000, |h| outcome(h, FAR, up) == Some(true)));
    let to_far = send(&mut han, HUB, FAR, b"to far");
    let to_twin = send(&mut han, HUB, twin, b"to twin");
    assert!(han.run_until(60_000, |h| {
        outcome(h, HUB, to_far).is_some() && outcome(h, HUB, to_twin).is_some()
    }));
    assert_eq!(outcome(&han, HUB, to_far), Some(true));
    assert_eq!(outcome(&han, HUB, to_twin), Some(true));
    // Resolved once: no address drawn again.
    for i in 0..6 {
        let moves = han.devs[i]
            .events
            .iter()
            .filter(|e| matches!(e, NodeEvent::AddressChanged { .. }))
            .count();
        assert_eq!(moves, usize::from(i == FAR || i == twin), "device {i}");
    }
    for (i, data) in [(FAR, &b"to far"[..]), (twin, &b"to twin"[..])] {
        assert_eq!(
            han.devs[i]
                .delivered
                .iter()
                .filter(|(s, p)| *s == ShortAddr(0) && p == data)
                .count(),
            1,
            "device {i} reached at its new address"
        );
    }
}

/// A broadcast to all devices sent while the sleepy devices' receivers are
/// off (ZigBee R22 §3.6.5): each parent holds a copy in its indirect queue
/// and the sleepy child collects it with its next poll, exactly once, the
/// far one through the router.
#[test]
fn sleepy_children_receive_a_broadcast_sent_while_they_slept() {
    let mut han = Han::new(31);
    han.form();
    han.radio.sleepers = [SLEEPY, FAR].into_iter().collect();
    let data = b"price update".to_vec();
    let req = DataRequest {
        dst: Destination::Broadcast {
            nwk: ShortAddr::BROADCAST,
            endpoint: 0xff,
        },
        profile: 0x0109,
        cluster: 0x0700,
        src_endpoint: 1,
        ack: false,
    };
    han.devs[HUB].aps.send(req, &data).unwrap();
    let got = |h: &Han, i: usize| {
        h.devs[i]
            .delivered
            .iter()
            .filter(|(s, p)| *s == ShortAddr(0) && *p == data)
            .count()
    };
    assert!(han.run_until(5_000, |h| got(h, SLEEPY) > 0 && got(h, FAR) > 0));
    // Held copies are collected once, and nothing is left waiting.
    han.run_until(3_000, |_| false);
    for i in [ROUTER, ROUTER2, SLEEPY, FAR, AWAKE] {
        assert_eq!(got(&han, i), 1, "device {i} got the broadcast once");
    }
    assert!(han.devs[HUB].node.indirect().is_empty());
    assert!(han.devs[ROUTER].node.indirect().is_empty());
}
