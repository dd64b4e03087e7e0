//! Arbitrary MAC frames into a coordinator (the hub) with NWK security,
//! permit joining open and a concentrator timer, interleaved with timer
//! runs: never a panic, every frame it transmits decodes, its tables stay
//! within their capacities, and afterwards it still answers a beacon
//! request and still accepts an association.
#![no_main]

use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::mac::{MacBody, MacFrame};
use dual_protocol_zigbee_nwk::nwk::node::{Node, NodeConfig, NodeEvent, Role};
use dual_protocol_zigbee_nwk::security::{Keys, OutgoingFrameCounter, ZigbeeKey};
use libfuzzer_sys::fuzz_target;

struct Mem;
impl CounterStore for Mem {
    type Error = ();
    fn persist(&mut self, _: u64) -> Result<(), ()> {
        Ok(())
    }
}

const KEY: [u8; 16] = [
    0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0d,
];
/// Beacon request (broadcast).
const BEACON_REQUEST: [u8; 8] = [0x03, 0x08, 0x01, 0xff, 0xff, 0xff, 0xff, 0x07];
/// Association request from 00:0d:6f:00:00:00:09:09 (allocate address, rx on).
const ASSOCIATION: [u8; 19] = [
    0x23, 0xc8, 0x02, 0x62, 0x1a, 0x00, 0x00, 0xff, 0xff, 0x09, 0x09, 0x00, 0x00, 0x00, 0x6f, 0x0d,
    0x00, 0x01, 0x88,
];

fn drain(hub: &mut Node<Mem, 4, 4, 4, 4>, now: Instant) -> usize {
    let mut buf = [0u8; 127];
    let mut beacons = 0;
    while let Some(n) = hub.poll_transmit(now, &mut buf) {
        let f = MacFrame::decode(&buf[..n]).expect("the hub's frames decode");
        if matches!(f.body, MacBody::Beacon(_)) {
            beacons += 1;
        }
    }
    while hub.poll_event().is_some() {}
    beacons
}

fuzz_target!(|data: &[u8]| {
    let mut cfg = NodeConfig::new(
        Role::Coordinator,
        Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]),
        PanId(0x1a62),
        Eui64([1; 8]),
    );
    cfg.concentrator_interval = Some(Duration::from_secs(1));
    let keys = Keys {
        network: Some((0, ZigbeeKey::new(&KEY).expect("key"))),
        link: None,
    };
    let mut hub: Node<Mem, 4, 4, 4, 4> =
        Node::with_seed(cfg, keys, OutgoingFrameCounter::resume(0, 16), Mem, 7);
    let mut now = Instant::from_millis(0);
    hub.permit_joining(now, 0xff);
    hub.start(now);
    let mut rest = data;
    while let [len, dt, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (frame, next) = tail.split_at(n);
        rest = next;
        now = now + Duration::from_millis(u64::from(*dt) * 50);
        let _ = hub.handle_input(now, frame, 200);
        if hub.poll_timeout().is_some_and(|t| t <= now) {
            hub.handle_timeout(now);
        }
        drain(&mut hub, now);
        assert!(hub.neighbours().len() <= 4);
        assert!(hub.indirect().len() <= 4);
        assert!(hub.address_map().len() <= 4);
    }
    hub.handle_input(now, &BEACON_REQUEST, 200)
        .expect("a beacon request is still handled");
    assert_eq!(drain(&mut hub, now), 1, "still answers with a beacon");
    let _ = hub.handle_input(now, &ASSOCIATION, 200);
    let mut joined = false;
    while let Some(e) = hub.poll_event() {
        joined |= matches!(
            e,
            NodeEvent::ChildJoined { .. } | NodeEvent::JoinRefused { .. }
        );
    }
    assert!(joined, "still handles an association request");
});
