//! The hub and device endpoints end to end: pairing, requests and
//! encrypted answers, TESLA broadcasts released by their disclosure, and
//! the same under loss, duplication and reordering (seeded RNG) and across
//! restarts (counters resumed from the persisted mark).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_stub_aps::endpoint::device::DeviceEvent;
use dual_protocol_stub_aps::endpoint::hub::HubEvent;
use dual_protocol_stub_aps::frame::{
    DeliveryMode, Destination, InterPanFrame, InterPanMac, StubApsFrameControl, StubApsHeader,
};
use rand_chacha::rand_core::Rng;

const GET_CURRENT_PRICE: [u8; 4] = [0x01, 0x20, 0x00, 0x00];

fn deliver_to_hub(h: &mut TestHub, d: &mut TestDevice, now: Instant) {
    for f in drain_device(d, now) {
        h.handle_input(now, &f).unwrap();
    }
}

fn deliver_to_device(h: &mut TestHub, d: &mut TestDevice, now: Instant) {
    for f in drain_hub(h, now) {
        d.handle_input(now, &f);
    }
}

#[test]
fn request_and_encrypted_answer() {
    let (mut h, mut d, now) = paired(1);
    d.request(0x0700, &GET_CURRENT_PRICE).unwrap();
    deliver_to_hub(&mut h, &mut d, now);
    let ev = hub_events(&mut h);
    let [
        HubEvent::Request {
            device,
            cluster: 0x0700,
            profile: 0x0109,
            zcl,
        },
    ] = ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(device, DEVICE);
    assert_eq!(zcl.as_bytes(), GET_CURRENT_PRICE);
    h.send_unicast(DEVICE, PAN, 0x0700, b"\x09\x20\x00price")
        .unwrap();
    deliver_to_device(&mut h, &mut d, now);
    let ev = device_events(&mut d);
    let [
        DeviceEvent::Data {
            broadcast: false,
            zcl,
            ..
        },
    ] = ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(zcl.as_bytes(), b"\x09\x20\x00price");
    assert_eq!(d.rejections().total(), 0);
    assert_eq!(h.rejections().total(), 0);
}

#[test]
fn broadcast_released_by_disclosure() {
    let (mut h, mut d, t0) = paired(2);
    let t = t0 + Duration::from_millis(1_500);
    h.send_broadcast(t, 0x0700, b"\x09\x21\x00publish").unwrap();
    deliver_to_device(&mut h, &mut d, t);
    assert!(device_events(&mut d).is_empty(), "nothing before the key");
    let due = h.poll_timeout().unwrap();
    assert!(due > t);
    h.handle_timeout(due);
    deliver_to_device(&mut h, &mut d, due);
    let ev = device_events(&mut d);
    let [
        DeviceEvent::Data {
            broadcast: true,
            cluster: 0x0700,
            zcl,
            ..
        },
    ] = ev[..]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(zcl.as_bytes(), b"\x09\x21\x00publish");
    assert_eq!(h.poll_timeout(), None);
    assert_eq!(d.chain().unwrap().last_index(), 2);
}

#[test]
fn unpaired_standard_client_gets_plain_request_through() {
    let (mut h, _) = new_hub(0, 0);
    let mac = InterPanMac::new(1, PAN, Destination::Broadcast, PAN, DEVICE);
    let aps = StubApsHeader {
        frame_control: StubApsFrameControl::new(DeliveryMode::Broadcast),
        group: None,
        cluster: 0x0700,
        profile: 0x0109,
    };
    let f = InterPanFrame::new(mac, aps, &GET_CURRENT_PRICE);
    let mut buf = [0u8; 127];
    let n = f.encode(&mut buf).unwrap();
    h.handle_input(Instant::from_millis(1), &buf[..n]).unwrap();
    assert!(matches!(
        hub_events(&mut h)[..],
        [HubEvent::PlainRequest {
            cluster: 0x0700,
            ..
        }]
    ));
    // Not on the allow-list: refused.
    let aps = StubApsHeader {
        cluster: 0x0703,
        ..aps
    };
    let n = InterPanFrame::new(mac, aps, &GET_CURRENT_PRICE)
        .encode(&mut buf)
        .unwrap();
    h.handle_input(Instant::from_millis(1), &buf[..n]).unwrap();
    assert_eq!(h.rejections().unsecured, 1);
}

#[test]
fn pairing_times_out() {
    let (mut d, _) = new_device(0);
    let t = Instant::from_millis(5);
    d.pair(t, &mut rng(3)).unwrap();
    let due = d.poll_timeout().unwrap();
    d.handle_timeout(due);
    assert!(matches!(
        device_events(&mut d)[..],
        [DeviceEvent::PairingTimedOut]
    ));
}

/// Broadcasts every 700 ms for a while; the channel loses, duplicates and
/// reorders frames (seeded). Every payload the device accepts was sent by
/// the hub, none twice, and nothing unauthenticated gets through.
#[test]
fn broadcasts_under_loss_duplication_reordering() {
    for seed in 0..8u64 {
        let (mut h, mut d, t0) = paired(100 + seed);
        let mut r = rng(seed);
        let mut store = dual_protocol_primitives::counter::VolatileStore::default();
        let mut in_flight: Vec<(Instant, Vec<u8>)> = Vec::new();
        let mut sent = Vec::new();
        let mut received = Vec::new();
        let mut now = t0 + Duration::from_millis(1_000);
        for k in 0..40u32 {
            let payload = k.to_le_bytes();
            h.reserve_counters(&mut store).unwrap();
            h.send_broadcast(now, 0x0700, &payload).unwrap();
            sent.push(payload);
            if let Some(t) = h.poll_timeout()
                && t <= now
            {
                h.handle_timeout(now);
            }
            for f in drain_hub(&mut h, now) {
                let roll = r.next_u32() % 10;
                if roll == 0 {
                    continue; // lost
                }
                let delay = Duration::from_millis(u64::from(r.next_u32() % 300));
                in_flight.push((now + delay, f.clone()));
                if roll == 1 {
                    in_flight.push((now + delay + Duration::from_millis(50), f)); // duplicate
                }
            }
            now += Duration::from_millis(700);
            in_flight.sort_by_key(|(t, _)| *t);
            let (due, later): (Vec<_>, Vec<_>) =
                in_flight.into_iter().partition(|(t, _)| *t <= now);
            in_flight = later;
            for (t, f) in due {
                d.handle_input(t, &f);
            }
            if let Some(t) = d.poll_timeout()
                && t <= now
            {
                d.handle_timeout(now);
            }
            for e in device_events(&mut d) {
                if let DeviceEvent::Data {
                    broadcast: true,
                    zcl,
                    ..
                } = e
                {
                    received.push(<[u8; 4]>::try_from(zcl.as_bytes()).unwrap());
                }
            }
        }
        let mut uniq = received.clone();
        uniq.sort_unstable();
        uniq.dedup();
        assert_eq!(
            uniq.len(),
            received.len(),
            "seed {seed}: duplicate delivered"
        );
        assert!(
            received.iter().all(|p| sent.contains(p)),
            "seed {seed}: forged payload"
        );
        assert!(
            received.len() > sent.len() / 3,
            "seed {seed}: only {} of {}: {:?}",
            received.len(),
            sent.len(),
            d.rejections()
        );
        assert_eq!(d.rejections().authentication, 0);
    }
}

#[test]
fn restart_resumes_counters_above_the_persisted_mark() {
    let (mut h, mut d, now) = paired(4);
    for _ in 0..3 {
        d.request(0x0700, &GET_CURRENT_PRICE).unwrap();
    }
    deliver_to_hub(&mut h, &mut d, now);
    assert_eq!(hub_events(&mut h).len(), 3);
    // The device loses power: it restarts from its persisted mark, with the
    // pairing lost; it pairs again, and the hub accepts its new counters.
    let mark = d.counter().persisted_mark();
    let (mut d2, _) = new_device(mark);
    d2.pair(now, &mut rng(5)).unwrap();
    deliver_to_hub(&mut h, &mut d2, now);
    assert!(matches!(hub_events(&mut h)[..], [HubEvent::Paired { .. }]));
    deliver_to_device(&mut h, &mut d2, now);
    d2.request(0x0700, &GET_CURRENT_PRICE).unwrap();
    deliver_to_hub(&mut h, &mut d2, now);
    assert!(matches!(hub_events(&mut h)[..], [HubEvent::Request { .. }]));
    assert_eq!(h.rejections().replay, 0);
    // A device restarted without its mark would reuse counters: the hub
    // rejects those frames as replays.
    let (mut d3, _) = new_device(0);
    d3.pair(now, &mut rng(6)).unwrap();
    deliver_to_hub(&mut h, &mut d3, now);
    assert_eq!(h.rejections().replay, 1);
    // The hub restarts from its mark and a new epoch: the device accepts its frames.
    let hub_mark = h.counter().persisted_mark();
    let (mut h2, _) = new_hub(hub_mark, h.epoch());
    let mut d = d2;
    device_events(&mut d);
    d.pair(now, &mut rng(7)).unwrap();
    deliver_to_hub(&mut h2, &mut d, now);
    h2.start_epoch(now, &mut rng(8)).unwrap();
    deliver_to_device(&mut h2, &mut d, now);
    let ev = device_events(&mut d);
    assert!(ev.contains(&DeviceEvent::Paired { hub: HUB }), "{ev:?}");
    assert!(ev.contains(&DeviceEvent::Announced { epoch: 2 }), "{ev:?}");
}
