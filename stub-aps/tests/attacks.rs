//! Attacks on the authenticated forms (issue #13): spoofed price
//! broadcasts (no announcement, wrong key, stale epoch, late delivery,
//! forged disclosure), replays, a bit flip in every authenticated byte with
//! the FCS recomputed (so the MIC/MAC/signature is what rejects it), and
//! truncation at every byte.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_stub_aps::endpoint::device::DeviceEvent;
use dual_protocol_stub_aps::frame::{Destination, InterPanFrame, InterPanMac};
use dual_protocol_stub_aps::published::{self, PublishedOptions};
use dual_protocol_stub_aps::secure::keys::pairwise_key;
use dual_protocol_stub_aps::secure::{self, secured_aps};
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::mac::MacContext;
use dual_protocol_zigbee_nwk::security::ZigbeeKey;

const GENERATED: &str = include_str!("vectors/generated.jsonl");
const FCS: MacContext = MacContext { fcs: true };

fn stored(kind: &str) -> Vec<u8> {
    hex(records(GENERATED, kind)[0]["hex"].as_str().unwrap())
}

fn data_events(d: &mut TestDevice) -> usize {
    device_events(d)
        .iter()
        .filter(|e| matches!(e, DeviceEvent::Data { .. }))
        .count()
}

fn forged_broadcast(seq: u8, counter: u32, epoch: u16, interval: u16, key: &[u8; 16]) -> Vec<u8> {
    let mac = InterPanMac::new(seq, PanId::BROADCAST, Destination::Broadcast, PAN, HUB);
    let aps = secured_aps(mac.dst, 0x0700, 0x0109);
    let mut buf = [0u8; 127];
    let n = secure::seal_broadcast(
        mac,
        aps,
        counter,
        epoch,
        interval,
        b"\x09\x00\x00fake",
        key,
        &mut buf,
    )
    .unwrap();
    buf[..n].to_vec()
}

#[test]
fn spoofed_broadcast_without_announcement_is_rejected() {
    // Paired but no chain announced yet: nothing to authenticate against.
    let (mut h, _) = new_hub(0, 0);
    let (mut d, _) = new_device(0);
    let t = Instant::from_millis(10_000);
    d.pair(t, &mut rng(9)).unwrap();
    for f in drain_device(&mut d, t) {
        h.handle_input(t, &f).unwrap();
    }
    for f in drain_hub(&mut h, t) {
        d.handle_input(t, &f);
    }
    d.handle_input(t, &forged_broadcast(1, 1000, 1, 1, &[7; 16]));
    assert_eq!(d.rejections().stale_epoch, 1);
    // An unpaired device trusts no hub at all.
    let (mut lonely, _) = new_device(0);
    lonely.handle_input(t, &forged_broadcast(1, 1000, 1, 1, &[7; 16]));
    assert_eq!(lonely.rejections().unexpected, 1);
    assert_eq!(data_events(&mut d) + data_events(&mut lonely), 0);
}

#[test]
fn broadcast_under_a_wrong_key_and_forged_disclosure_are_rejected() {
    let (mut h, mut d, t0) = paired(20);
    let t = t0 + Duration::from_millis(1_200); // interval 2
    // An attacker who knows the format but not the chain sends a price in interval 2.
    d.handle_input(t, &forged_broadcast(9, 500, 1, 2, &[0x42; 16]));
    // ...and a disclosure of its own key: not on the chain.
    let mac = InterPanMac::new(9, PanId::BROADCAST, Destination::Broadcast, PAN, HUB);
    let mut buf = [0u8; 127];
    let n = secure::encode_disclosure(mac, 501, 1, 2, &[0x42; 16], &mut buf).unwrap();
    d.handle_input(t, &buf[..n]);
    assert_eq!(d.rejections().bad_chain_key, 1);
    // The hub's real disclosure of K_2 arrives: the forged frame fails its MAC.
    h.send_broadcast(t, 0x0700, b"real").unwrap();
    let frames = drain_hub(&mut h, t);
    let due = h.poll_timeout().unwrap();
    h.handle_timeout(due);
    for f in frames.iter().chain(drain_hub(&mut h, due).iter()) {
        d.handle_input(due.min(t), f);
    }
    let ev = device_events(&mut d);
    let data: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::Data { zcl, .. } => Some(zcl.as_bytes().to_vec()),
            _ => None,
        })
        .collect();
    assert_eq!(data, vec![b"real".to_vec()]);
    assert_eq!(d.rejections().authentication, 1);
}

#[test]
fn stale_epoch_and_late_broadcasts_are_rejected() {
    let (mut h, mut d, t0) = paired(21);
    let t = t0 + Duration::from_millis(1_200);
    h.send_broadcast(t, 0x0700, b"epoch1").unwrap();
    let old = drain_hub(&mut h, t);
    // Delivered after its key became public (two intervals later): unsafe.
    d.handle_input(t + Duration::from_millis(2_000), &old[0]);
    assert_eq!(d.rejections().unsafe_interval, 1);
    // A new epoch; the old announcement and old-epoch broadcasts are stale.
    let t2 = t + Duration::from_millis(3_000);
    let mut store = dual_protocol_primitives::counter::VolatileStore::default();
    h.reserve_counters(&mut store).unwrap();
    h.start_epoch(t2, &mut rng(22)).unwrap();
    for f in drain_hub(&mut h, t2) {
        d.handle_input(t2, &f);
    }
    assert!(device_events(&mut d).contains(&DeviceEvent::Announced { epoch: 2 }));
    // Replaying epoch 1's announcement: stale (or replayed counter).
    let mut again = paired(21).0;
    again
        .announce(Destination::Broadcast, PanId::BROADCAST)
        .unwrap();
    let ann1 = drain_hub(&mut again, t2).pop().unwrap();
    d.handle_input(t2, &ann1);
    let r = d.rejections();
    assert_eq!(r.stale_epoch + r.replay, 1, "{r:?}");
    d.handle_input(t2, &forged_broadcast(3, 9_999, 1, 14, &[1; 16]));
    assert_eq!(d.rejections().stale_epoch + d.rejections().replay, 2);
    assert_eq!(data_events(&mut d), 0);
}

#[test]
fn replayed_frames_are_rejected() {
    let (mut h, mut d, t0) = paired(23);
    h.send_unicast(DEVICE, PAN, 0x0700, b"once").unwrap();
    let f = drain_hub(&mut h, t0).pop().unwrap();
    d.handle_input(t0, &f);
    d.handle_input(t0, &f);
    assert_eq!(data_events(&mut d), 1);
    assert_eq!(d.rejections().replay, 1);
    // Device to hub.
    d.request(0x0700, b"req").unwrap();
    let f = drain_device(&mut d, t0).pop().unwrap();
    h.handle_input(t0, &f).unwrap();
    h.handle_input(t0, &f).unwrap();
    assert_eq!(h.rejections().replay, 1);
    // Published form: the window rejects a second open.
    let b = stored("published_ember");
    let key = ZigbeeKey::new(&key16(LINK_KEY)).unwrap();
    let mut w = ReplayWindow::<2>::new();
    let mut buf = b[..b.len() - 2].to_vec();
    published::open(&mut buf, &key, &PublishedOptions::EMBER, &mut w).unwrap();
    let mut buf = b[..b.len() - 2].to_vec();
    assert!(matches!(
        published::open(&mut buf, &key, &PublishedOptions::EMBER, &mut w),
        Err(published::SecurityError::Replay(_))
    ));
}

/// Flips each bit position's byte of `frame` (with FCS) in the range, then
/// recomputes the FCS so the frame passes the MAC layer; `check` must fail.
fn flip_every_byte(frame: &[u8], range: std::ops::Range<usize>, check: impl Fn(&[u8]) -> bool) {
    for i in range {
        for bit in [0x01u8, 0x80] {
            let mut f = frame.to_vec();
            f[i] ^= bit;
            refcs(&mut f);
            assert!(InterPanFrame::decode_with(&f, &FCS).is_ok() || !check(&f[..f.len() - 2]));
            assert!(
                !check(&f[..f.len() - 2]),
                "flip of byte {i} bit {bit:#x} accepted"
            );
        }
    }
}

#[test]
fn bit_flips_in_authenticated_bytes_are_rejected() {
    let pw = pairwise_key(&key16(LINK_KEY), DEVICE, 0);
    let pwk = ZigbeeKey::new(pw.expose()).unwrap();
    let link = ZigbeeKey::new(&key16(LINK_KEY)).unwrap();
    // Authenticated: the MAC source (bytes 15..23 of a unicast header, 9..17
    // of a broadcast one: the nonce / MAC input) and everything from the
    // stub NWK frame control to the end.
    for kind in ["dp_data", "dp_pair_request", "dp_pair_response"] {
        let f = stored(kind);
        let fr = InterPanFrame::decode_with(&f, &FCS).unwrap();
        let l = fr.layout();
        let src = l.nwk - 8..l.nwk;
        let open = |b: &[u8]| {
            let mut b = b.to_vec();
            secure::open_pairwise(&mut b, &pwk, 0, &mut ReplayWindow::<2>::new()).is_ok()
        };
        assert!(open(&f[..f.len() - 2]));
        flip_every_byte(&f, src, open);
        flip_every_byte(&f, l.nwk..l.end, open);
    }
    for (kind, opts) in [
        ("published_ember", PublishedOptions::EMBER),
        ("published_se14a", PublishedOptions::SE_1_4A),
    ] {
        let f = stored(kind);
        let l = InterPanFrame::decode_with(&f, &FCS).unwrap().layout();
        let open = |b: &[u8]| {
            let mut b = b.to_vec();
            published::open(&mut b, &link, &opts, &mut ReplayWindow::<2>::new()).is_ok()
        };
        assert!(open(&f[..f.len() - 2]));
        flip_every_byte(&f, l.nwk - 8..l.nwk, open);
        // The stub NWK octets are outside the a-data in these options: the
        // APS header onwards is authenticated.
        flip_every_byte(&f, l.aps..l.end, open);
    }
    let (_, d, _) = paired(24);
    let chain_key = key16(
        records(GENERATED, "dp_broadcast")[0]["chain_key"]
            .as_str()
            .unwrap(),
    );
    let f = stored("dp_broadcast");
    let l = InterPanFrame::decode_with(&f, &FCS).unwrap().layout();
    let verify = |b: &[u8]| secure::verify_broadcast(b, &chain_key).is_ok();
    assert!(verify(&f[..f.len() - 2]));
    flip_every_byte(&f, l.nwk - 8..l.nwk, verify);
    flip_every_byte(&f, l.nwk..l.end, verify);
    drop(d);
    // Announcement: signature over the same span.
    use dual_protocol_primitives::crypto::CryptoProvider;
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    let sk = RustCrypto.p256_signing_key(&HUB_SCALAR).unwrap();
    let vk = RustCrypto
        .p256_verifying_key(&RustCrypto.p256_public_key(&sk))
        .unwrap();
    let f = stored("dp_announcement");
    let l = InterPanFrame::decode_with(&f, &FCS).unwrap().layout();
    let verify = |b: &[u8]| secure::verify_announcement(b, &vk).is_ok();
    assert!(verify(&f[..f.len() - 2]));
    // Every byte but a sample of the signature (ECDSA verify is slow in debug builds).
    flip_every_byte(&f, l.nwk - 8..l.nwk, verify);
    flip_every_byte(&f, l.nwk..l.end - 60, verify);
}

#[test]
fn truncation_at_every_byte_fails_cleanly() {
    let (mut h, mut d, t0) = paired(25);
    h.send_unicast(DEVICE, PAN, 0x0700, b"whole").unwrap();
    let f = drain_hub(&mut h, t0).pop().unwrap();
    let mut data = 0;
    for n in 0..f.len() {
        d.handle_input(t0, &f[..n]);
        data += data_events(&mut d);
    }
    assert_eq!(data, 0);
    assert_eq!(d.rejections().total() as usize, f.len());
    d.handle_input(t0, &f);
    assert_eq!(data_events(&mut d), 1);
    for kind in [
        "published_ember",
        "published_se14a",
        "dp_data",
        "dp_broadcast",
        "dp_announcement",
        "dp_disclosure",
    ] {
        let f = stored(kind);
        for n in 0..f.len() {
            let _ = InterPanFrame::decode_with(&f[..n], &FCS);
            let mut b = f[..n].to_vec();
            let key = ZigbeeKey::new(&key16(LINK_KEY)).unwrap();
            assert!(
                published::open(
                    &mut b,
                    &key,
                    &PublishedOptions::EMBER,
                    &mut ReplayWindow::<2>::new()
                )
                .is_err()
                    || n + 2 == f.len()
            );
            let _ = secure::frames::decode(&f[..n]);
        }
    }
}
