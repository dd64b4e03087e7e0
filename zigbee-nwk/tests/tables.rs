#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The NWK and APS tables: capacity limits, expiry, conflicts.

use core::time::Duration;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use dual_protocol_zigbee_nwk::ShortAddr;
use dual_protocol_zigbee_nwk::aps::DuplicateTable;
use dual_protocol_zigbee_nwk::mac::MacAddress;
use dual_protocol_zigbee_nwk::nwk::LinkStatusEntry;
use dual_protocol_zigbee_nwk::nwk::address_map::{AddressMap, AddressMapError, AddressUpdate};
use dual_protocol_zigbee_nwk::nwk::broadcast::BroadcastTable;
use dual_protocol_zigbee_nwk::nwk::indirect::{IndirectError, IndirectEvent, IndirectQueue};
use dual_protocol_zigbee_nwk::nwk::neighbour::{
    DeviceType, Neighbour, NeighbourTable, ROUTER_AGE_LIMIT, Relationship, end_device_timeout,
};
use dual_protocol_zigbee_nwk::nwk::routing::{
    DiscoveryTable, DiscoveryUpdate, Route, RouteStatus, RoutingTable, SourceRouteTable,
};

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn e(n: u8) -> Eui64 {
    Eui64([n; 8])
}

#[test]
fn address_map_conflict_and_capacity() {
    let mut m = AddressMap::<2>::new();
    assert_eq!(m.update(ShortAddr(1), e(1)), Ok(AddressUpdate::Added));
    assert_eq!(m.update(ShortAddr(1), e(1)), Ok(AddressUpdate::Unchanged));
    let c = m.update(ShortAddr(1), e(2)).unwrap_err();
    assert!(matches!(c, AddressMapError::Conflict(x) if x.existing == e(1) && x.claimed == e(2)));
    assert!(m.conflict(ShortAddr(1), e(2)).is_some());
    assert_eq!(m.update(ShortAddr(2), e(2)), Ok(AddressUpdate::Added));
    assert!(matches!(
        m.update(ShortAddr(3), e(3)),
        Err(AddressMapError::Full(_))
    ));
    assert_eq!(
        m.update(ShortAddr(4), e(2)),
        Ok(AddressUpdate::Moved { old: ShortAddr(2) })
    );
    assert_eq!(m.short(e(2)), Some(ShortAddr(4)));
    assert!(m.remove(e(2)));
    assert_eq!(m.len(), 1);
}

#[test]
fn broadcast_table_duplicates_expiry_and_full() {
    let mut b = BroadcastTable::<2>::new();
    let d = Duration::from_secs(9);
    assert_eq!(b.record(t(0), ShortAddr(1), 7, d), Ok(true));
    assert_eq!(b.record(t(10), ShortAddr(1), 7, d), Ok(false));
    assert_eq!(b.record(t(10), ShortAddr(2), 7, d), Ok(true));
    assert!(
        b.record(t(20), ShortAddr(3), 1, d).is_err(),
        "full of live records: refused"
    );
    // After nwkBroadcastDeliveryTime the records are free again.
    assert_eq!(b.record(t(9_011), ShortAddr(3), 1, d), Ok(true));
    assert_eq!(b.record(t(9_012), ShortAddr(1), 7, d), Ok(true));
}

#[test]
fn indirect_queue_capacity_collect_and_expiry() {
    let mut q = IndirectQueue::<2, 8>::new();
    let a = MacAddress::Short(ShortAddr(5));
    let b = MacAddress::Extended(e(9));
    let p = Duration::from_secs(7);
    assert_eq!(
        q.push(t(0), a, &[0; 9], p),
        Err(IndirectError::TooLarge { len: 9, max: 8 })
    );
    q.push(t(0), a, &[1], p).unwrap();
    q.push(t(0), a, &[2], p).unwrap();
    assert_eq!(q.push(t(0), b, &[3], p), Err(IndirectError::Full));
    assert!(q.has_pending(&[a]));
    assert!(!q.has_pending(&[b]));
    let mut buf = [0u8; 8];
    let c = q.collect(t(1), &[a], &mut buf).unwrap();
    assert_eq!(
        (buf[0], c.len, c.more),
        (1, 1, true),
        "oldest first, more pending"
    );
    q.push(t(1), b, &[3], Duration::from_secs(1)).unwrap();
    assert_eq!(q.poll_timeout(), Some(t(1_001)));
    q.handle_timeout(t(1_001));
    assert!(matches!(q.poll_event(), Some(IndirectEvent::Expired { dst, .. }) if dst == b));
    let c = q.collect(t(2), &[a], &mut buf).unwrap();
    assert_eq!((buf[0], c.more), (2, false));
    assert!(q.collect(t(2), &[a], &mut buf).is_none());
    // Too small a buffer leaves the frame queued.
    q.push(t(3), a, &[1, 2, 3], p).unwrap();
    assert!(q.collect(t(3), &[a], &mut [0u8; 2]).is_none());
    assert_eq!(q.len(), 1);
    q.remove_child(&[a]);
    assert!(q.is_empty());
}

fn router(short: u16) -> Neighbour {
    Neighbour {
        short: ShortAddr(short),
        ieee: None,
        device_type: DeviceType::Router,
        relationship: Relationship::Sibling,
        rx_on_when_idle: true,
        lqi: 255,
        incoming_cost: 1,
        outgoing_cost: 0,
        age: 0,
        last_heard: t(0),
        timeout: None,
    }
}

#[test]
fn neighbour_link_status_ageing_and_children() {
    let mut n = NeighbourTable::<2>::new();
    let me = ShortAddr(0);
    let entries = [LinkStatusEntry {
        address: me,
        incoming_cost: 3,
        outgoing_cost: 1,
        reserved: 0,
    }];
    n.on_link_status(t(0), ShortAddr(7), me, 200, entries.into_iter())
        .unwrap();
    assert_eq!(n.get(ShortAddr(7)).unwrap().outgoing_cost, 3);
    for _ in 0..=ROUTER_AGE_LIMIT {
        n.age_routers();
    }
    assert_eq!(
        n.get(ShortAddr(7)).unwrap().outgoing_cost,
        0,
        "stale after nwkRouterAgeLimit"
    );
    let child = Neighbour {
        device_type: DeviceType::EndDevice,
        relationship: Relationship::Child,
        timeout: end_device_timeout(0),
        ..router(9)
    };
    n.upsert(child).unwrap();
    assert!(n.upsert(router(10)).is_err(), "full");
    assert!(
        n.on_link_status(t(0), ShortAddr(11), me, 200, [].into_iter())
            .is_err()
    );
    assert_eq!(n.next_child_expiry(), Some(t(10_000)));
    assert!(n.expire_children(t(10_000)).is_empty());
    let gone = n.expire_children(t(10_001));
    assert_eq!(gone.len(), 1);
    assert_eq!(n.link_status().len(), 1);
    assert_eq!(end_device_timeout(8), Some(Duration::from_secs(256 * 60)));
    assert_eq!(end_device_timeout(15), None);
}

#[test]
fn routing_discovery_and_source_routes() {
    let mut r = RoutingTable::<1>::new();
    let route = Route {
        dst: ShortAddr(5),
        next_hop: ShortAddr(2),
        status: RouteStatus::Active,
        many_to_one: false,
        route_record_required: false,
    };
    r.upsert(route).unwrap();
    assert_eq!(r.next_hop(ShortAddr(5)), Some(ShortAddr(2)));
    assert!(
        r.upsert(Route {
            dst: ShortAddr(6),
            ..route
        })
        .is_err()
    );
    assert!(r.remove(ShortAddr(5)));

    let mut d = DiscoveryTable::<1>::new();
    let (o, s) = (ShortAddr(1), ShortAddr(9));
    assert_eq!(
        d.on_request(t(0), o, 3, s, ShortAddr(2), 5),
        Ok(DiscoveryUpdate::New)
    );
    assert_eq!(
        d.on_request(t(0), o, 3, s, ShortAddr(4), 7),
        Ok(DiscoveryUpdate::Worse)
    );
    assert_eq!(
        d.on_request(t(0), o, 3, s, ShortAddr(4), 2),
        Ok(DiscoveryUpdate::Better)
    );
    assert!(
        d.on_request(t(0), o, 4, s, ShortAddr(4), 2).is_err(),
        "full"
    );
    assert_eq!(
        d.on_reply(o, 3, 4),
        Some(ShortAddr(4)),
        "reverse path is the cheaper sender"
    );
    assert_eq!(d.on_reply(o, 3, 6), None);
    assert_eq!(d.expire(t(10_000)).as_slice(), &[s]);

    let mut sr = SourceRouteTable::<1, 2>::new();
    sr.on_route_record(ShortAddr(9), [3u16, 4].into_iter())
        .unwrap();
    assert_eq!(
        sr.relays(ShortAddr(9)),
        Some(&[ShortAddr(3), ShortAddr(4)][..])
    );
    assert!(
        sr.on_route_record(ShortAddr(9), [1u16, 2, 3].into_iter())
            .is_err(),
        "too many relays"
    );
    assert!(
        sr.on_route_record(ShortAddr(8), [].into_iter()).is_err(),
        "table full"
    );
    sr.on_route_record(ShortAddr(9), [].into_iter()).unwrap();
    assert_eq!(sr.relays(ShortAddr(9)), Some(&[][..]));
}

#[test]
fn duplicate_table_bounded_with_evictions() {
    let mut d = DuplicateTable::<2>::new();
    let to = Duration::from_secs(3);
    d.record(t(0), ShortAddr(1), 1, to);
    d.record(t(1), ShortAddr(1), 2, to);
    assert!(d.is_duplicate(t(2), ShortAddr(1), 1));
    d.record(t(2), ShortAddr(1), 3, to);
    assert_eq!(d.evictions(), 1);
    assert!(
        !d.is_duplicate(t(2), ShortAddr(1), 1),
        "the oldest was evicted"
    );
    assert!(!d.is_duplicate(t(3_001), ShortAddr(1), 2), "expired");
}

#[test]
fn indirect_frame_held_before_security_reports_where_to_secure() {
    let mut q: IndirectQueue<2, 16> = IndirectQueue::new();
    let child = MacAddress::Short(ShortAddr(0x1234));
    let t = Instant::from_millis(0);
    let d = Duration::from_secs(1);
    assert_eq!(
        q.push_unsecured(t, child, &[1, 2, 3], 3, d),
        Err(IndirectError::TooLarge { len: 3, max: 3 })
    );
    q.push(t, child, &[9], d).unwrap();
    q.push_unsecured(t, child, &[1, 2, 3, 4], 2, d).unwrap();
    let mut buf = [0u8; 16];
    let c = q.collect(t, &[child], &mut buf).unwrap();
    assert_eq!((c.len, c.secure_at, c.more), (1, None, true));
    let c = q.collect(t, &[child], &mut buf).unwrap();
    assert_eq!((c.len, c.secure_at, c.more), (4, Some(2), false));
    assert_eq!(&buf[..4], &[1, 2, 3, 4]);
}
