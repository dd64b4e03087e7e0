#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The APS data service under loss, duplication, reordering and restart
//! (seeded ChaCha), and one negative test per rejection.

use core::time::Duration;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use dual_protocol_zigbee_nwk::ShortAddr;
use dual_protocol_zigbee_nwk::aps::{
    ApsConfig, ApsDataService, ApsError, ApsEvent, ApsFrame, Binding, BindingDestination,
    BindingTable, DataRequest, Destination, FailReason, GroupTable, Received, RequestHandle,
    SendError,
};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};

type Svc = ApsDataService<4, 2, 16, 1100>;

const A: ShortAddr = ShortAddr(0x0000);
const B: ShortAddr = ShortAddr(0x1234);

fn req(to: ShortAddr) -> DataRequest {
    DataRequest {
        dst: Destination::Unicast {
            nwk: to,
            endpoint: 1,
        },
        profile: 0x0109,
        cluster: 0x0702,
        src_endpoint: 1,
        ack: true,
    }
}

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

struct Medium {
    rng: ChaCha8Rng,
    loss: u32,
    dup: u32,
    /// (deliver at ms, order, to, from, frame)
    queue: Vec<(u64, u64, ShortAddr, ShortAddr, Vec<u8>)>,
    order: u64,
}

impl Medium {
    fn new(seed: u64, loss: u32, dup: u32) -> Self {
        Medium {
            rng: ChaCha8Rng::seed_from_u64(seed),
            loss,
            dup,
            queue: Vec::new(),
            order: 0,
        }
    }

    fn send(&mut self, now: u64, to: ShortAddr, from: ShortAddr, frame: &[u8]) {
        if self.rng.next_u32() % 100 < self.loss {
            return;
        }
        let copies = if self.rng.next_u32() % 100 < self.dup {
            2
        } else {
            1
        };
        for _ in 0..copies {
            // Up to 40 ms of jitter: frames overtake each other.
            let at = now + u64::from(self.rng.next_u32() % 40);
            self.order += 1;
            self.queue.push((at, self.order, to, from, frame.to_vec()));
        }
    }

    fn due(&mut self, now: u64) -> Vec<(ShortAddr, ShortAddr, Vec<u8>)> {
        self.queue.sort_by_key(|e| (e.0, e.1));
        let n = self.queue.iter().take_while(|e| e.0 <= now).count();
        self.queue.drain(..n).map(|e| (e.2, e.3, e.4)).collect()
    }
}

#[derive(Default)]
struct Outcome {
    confirmed: BTreeSet<RequestHandle>,
    failed: BTreeSet<RequestHandle>,
    /// message id -> times delivered
    delivered: BTreeMap<u16, u32>,
}

/// Runs `a` sending `msgs` to `b` over the medium until quiet.
fn run(
    a: &mut Svc,
    b: &mut Svc,
    medium: &mut Medium,
    msgs: &[Vec<u8>],
    restart_b_at: Option<u64>,
) -> (Outcome, BTreeMap<RequestHandle, u16>) {
    let groups = GroupTable::<1>::new();
    let mut out = Outcome::default();
    let mut handles = BTreeMap::new();
    let mut next = 0;
    let mut buf = [0u8; 200];
    let mut now = 0u64;
    while now < 120_000 {
        while next < msgs.len() {
            match a.send(req(B), &msgs[next]) {
                Ok(h) => {
                    handles.insert(h, u16::from_le_bytes([msgs[next][0], msgs[next][1]]));
                    next += 1;
                }
                Err(SendError::QueueFull) => break,
                Err(e) => panic!("{e}"),
            }
        }
        if restart_b_at == Some(now) {
            b.reset();
        }
        for (to, from, frame) in medium.due(now) {
            let (svc, other) = if to == B {
                (&mut *b, "b")
            } else {
                (&mut *a, "a")
            };
            let _ = other;
            if let Ok(Received::Data(d)) = svc.handle_input(t(now), from, &frame, &groups) {
                assert_eq!(to, B);
                let id = u16::from_le_bytes([d.payload[0], d.payload[1]]);
                let want = msgs.iter().find(|m| m[..2] == d.payload[..2]).unwrap();
                assert_eq!(d.payload, &want[..], "payload of message {id} intact");
                *out.delivered.entry(id).or_default() += 1;
            }
        }
        for (svc, me, peer) in [(&mut *a, A, B), (&mut *b, B, A)] {
            if svc.poll_timeout().is_some_and(|d| d <= t(now)) {
                svc.handle_timeout(t(now));
            }
            while let Some(tx) = svc.poll_transmit(t(now), &mut buf) {
                assert_eq!(tx.dst, peer);
                medium.send(now, peer, me, &buf[..tx.len]);
            }
        }
        while let Some(e) = a.poll_event() {
            match e {
                ApsEvent::Confirmed(h) => assert!(out.confirmed.insert(h)),
                ApsEvent::Failed(h, FailReason::NoAck) => assert!(out.failed.insert(h)),
                _ => {}
            }
        }
        while b.poll_event().is_some() {}
        if next == msgs.len() && a.in_flight() == 0 && medium.queue.is_empty() {
            break;
        }
        now += 5;
    }
    (out, handles)
}

fn messages(rng: &mut ChaCha8Rng, n: u16) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            // Every third message is 1 KiB (16 fragments), the others short.
            let len = if i % 3 == 0 {
                1024
            } else {
                2 + (rng.next_u32() % 60) as usize
            };
            let mut m = vec![0u8; len];
            rng.fill_bytes(&mut m);
            m[..2].copy_from_slice(&i.to_le_bytes());
            m
        })
        .collect()
}

fn check(out: &Outcome, handles: &BTreeMap<RequestHandle, u16>, n: usize) {
    assert_eq!(handles.len(), n);
    for (h, id) in handles {
        let c = out.confirmed.contains(h);
        let f = out.failed.contains(h);
        assert!(c ^ f, "message {id}: exactly one of confirmed/failed");
        let times = out.delivered.get(id).copied().unwrap_or(0);
        assert!(times <= 1, "message {id} delivered {times} times");
        if c {
            assert_eq!(times, 1, "confirmed message {id} was delivered");
        }
    }
}

#[test]
fn lossless_everything_delivered_once() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let msgs = messages(&mut rng, 12);
    let (mut a, mut b) = (
        Svc::new(ApsConfig::default(), 0),
        Svc::new(ApsConfig::default(), 0),
    );
    let mut m = Medium::new(2, 0, 0);
    let (out, handles) = run(&mut a, &mut b, &mut m, &msgs, None);
    check(&out, &handles, msgs.len());
    assert_eq!(out.confirmed.len(), msgs.len());
    assert!(out.failed.is_empty());
}

#[test]
fn loss_duplication_reordering_many_seeds() {
    let mut total_confirmed = 0;
    for seed in 0..12u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
        let msgs = messages(&mut rng, 9);
        let cfg = ApsConfig {
            ack_wait: Duration::from_millis(300),
            max_retries: 6,
            ..ApsConfig::default()
        };
        let (mut a, mut b) = (Svc::new(cfg, 7), Svc::new(cfg, 200));
        let mut m = Medium::new(seed, 10, 10);
        let (out, handles) = run(&mut a, &mut b, &mut m, &msgs, None);
        check(&out, &handles, msgs.len());
        total_confirmed += out.confirmed.len();
    }
    // With 10 % loss and 6 retries nearly everything gets through.
    assert!(total_confirmed >= 12 * 9 * 9 / 10, "{total_confirmed}");
}

#[test]
fn heavy_loss_reports_failures() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let msgs = messages(&mut rng, 6);
    let cfg = ApsConfig {
        ack_wait: Duration::from_millis(200),
        ..ApsConfig::default()
    };
    let (mut a, mut b) = (Svc::new(cfg, 0), Svc::new(cfg, 0));
    let mut m = Medium::new(3, 60, 5);
    let (out, handles) = run(&mut a, &mut b, &mut m, &msgs, None);
    check(&out, &handles, msgs.len());
    assert!(
        !out.failed.is_empty(),
        "60 % loss must give up on something"
    );
}

#[test]
fn receiver_restart_mid_transfer() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let msgs = messages(&mut rng, 6);
    let cfg = ApsConfig {
        ack_wait: Duration::from_millis(300),
        ..ApsConfig::default()
    };
    let (mut a, mut b) = (Svc::new(cfg, 0), Svc::new(cfg, 0));
    let mut m = Medium::new(5, 5, 0);
    // The receiver loses its reassembly and duplicate tables at 20 ms.
    let (out, handles) = run(&mut a, &mut b, &mut m, &msgs, Some(20));
    assert_eq!(handles.len(), msgs.len());
    for h in handles.keys() {
        assert!(out.confirmed.contains(h) ^ out.failed.contains(h));
    }
    assert!(!out.confirmed.is_empty());
}

#[test]
fn sender_restart_with_fresh_counter_is_not_a_duplicate() {
    let groups = GroupTable::<1>::new();
    let mut buf = [0u8; 128];
    let mut a = Svc::new(ApsConfig::default(), 0);
    let mut b = Svc::new(ApsConfig::default(), 0);
    a.send(req(B), b"one").unwrap();
    let tx = a.poll_transmit(t(0), &mut buf).unwrap();
    assert!(matches!(
        b.handle_input(t(1), A, &buf[..tx.len], &groups),
        Ok(Received::Data(_))
    ));
    // Restart: RAM lost, APS counter restarts from a random value.
    let mut a = Svc::new(ApsConfig::default(), 0x5a);
    a.send(req(B), b"two").unwrap();
    let tx = a.poll_transmit(t(2), &mut buf).unwrap();
    let r = b.handle_input(t(3), A, &buf[..tx.len], &groups).unwrap();
    assert!(matches!(r, Received::Data(d) if d.payload == b"two"));
    // A restart that reused counter 0 within the rejection period is refused.
    let mut a = Svc::new(ApsConfig::default(), 0);
    a.send(req(B), b"three").unwrap();
    let tx = a.poll_transmit(t(4), &mut buf).unwrap();
    assert!(matches!(
        b.handle_input(t(5), A, &buf[..tx.len], &groups),
        Err(ApsError::Duplicate { counter: 0, .. })
    ));
}

fn deliver(b: &mut Svc, now: u64, frame: &[u8]) -> Result<Vec<u8>, ApsError> {
    let groups = GroupTable::<1>::new();
    b.handle_input(t(now), A, frame, &groups).map(|r| match r {
        Received::Data(d) => d.payload.to_vec(),
        _ => Vec::new(),
    })
}

#[test]
fn duplicate_counter_rejected_reacked_and_evented() {
    let mut buf = [0u8; 128];
    let mut ack = [0u8; 32];
    let mut a = Svc::new(ApsConfig::default(), 3);
    let mut b = Svc::new(ApsConfig::default(), 0);
    a.send(req(B), b"hello").unwrap();
    let n = a.poll_transmit(t(0), &mut buf).unwrap().len;
    assert_eq!(deliver(&mut b, 0, &buf[..n]).unwrap(), b"hello");
    let ack1 = b.poll_transmit(t(0), &mut ack).unwrap();
    assert_eq!(ack1.dst, A);
    let err = deliver(&mut b, 100, &buf[..n]).unwrap_err();
    assert_eq!(err, ApsError::Duplicate { src: A, counter: 3 });
    assert_eq!(b.poll_event(), Some(ApsEvent::Rejected(err)));
    // The duplicate is acknowledged again (the first ack may have been lost).
    assert!(b.poll_transmit(t(100), &mut ack).is_some());
    // After apsDuplicateRejectionTimeoutPeriod the counter is fresh again.
    assert!(deliver(&mut b, 3_100, &buf[..n]).is_ok());
}

#[test]
fn no_ack_gives_up_after_retries() {
    let mut buf = [0u8; 128];
    let cfg = ApsConfig::default();
    let mut a = Svc::new(cfg, 0);
    let h = a.send(req(B), b"x").unwrap();
    let mut sent = 0;
    let mut now = t(0);
    loop {
        while a.poll_transmit(now, &mut buf).is_some() {
            sent += 1;
        }
        let Some(d) = a.poll_timeout() else { break };
        now = d;
        a.handle_timeout(now);
    }
    assert_eq!(sent, 1 + usize::from(cfg.max_retries));
    assert_eq!(a.poll_event(), Some(ApsEvent::Failed(h, FailReason::NoAck)));
    assert_eq!(a.in_flight(), 0);
}

#[test]
fn unacknowledged_send_confirms_on_transmit() {
    let mut buf = [0u8; 128];
    let mut a = Svc::new(ApsConfig::default(), 0);
    let h = a
        .send(
            DataRequest {
                ack: false,
                ..req(B)
            },
            b"x",
        )
        .unwrap();
    assert!(a.poll_transmit(t(0), &mut buf).is_some());
    assert_eq!(a.poll_event(), Some(ApsEvent::Confirmed(h)));
    assert_eq!(a.poll_timeout(), None);
}

#[test]
fn transmit_queue_full() {
    let mut a = Svc::new(ApsConfig::default(), 0);
    for _ in 0..4 {
        a.send(req(B), b"x").unwrap();
    }
    assert_eq!(a.send(req(B), b"x"), Err(SendError::QueueFull));
}

#[test]
fn send_refusals() {
    let mut a = Svc::new(ApsConfig::default(), 0);
    assert!(matches!(
        a.send(req(B), &[0; 1101]),
        Err(SendError::TooLarge { .. })
    ));
    assert_eq!(
        a.send(
            DataRequest {
                dst: Destination::Group(5),
                ..req(B)
            },
            &[0; 100]
        ),
        Err(SendError::FragmentationNeedsUnicast)
    );
    assert_eq!(a.in_flight(), 0);
}

/// The frames of a fragmented transmission of `len` bytes, in order.
fn fragments(len: usize) -> Vec<Vec<u8>> {
    let mut a = Svc::new(ApsConfig::default(), 9);
    a.send(req(B), &vec![0xab; len]).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 128];
    while let Some(tx) = a.poll_transmit(t(0), &mut buf) {
        out.push(buf[..tx.len].to_vec());
    }
    out
}

#[test]
fn fragment_out_of_window() {
    // 16 blocks; window 8: block 9 cannot come before the first window is acknowledged.
    let f = fragments(64 * 16);
    assert_eq!(f.len(), 8, "one window is sent before an ack");
    let mut b = Svc::new(ApsConfig::default(), 0);
    deliver(&mut b, 0, &f[0]).unwrap();
    // Forge block 9 from block 1 (block number byte is the last header byte).
    let mut late = f[1].clone();
    let h = ApsFrame::decode(&late).unwrap().header.encoded_len();
    late[h - 1] = 9;
    let e = deliver(&mut b, 1, &late).unwrap_err();
    assert_eq!(e, ApsError::OutOfWindow { src: A, block: 9 });
    assert_eq!(b.poll_event(), Some(ApsEvent::Rejected(e)));
}

#[test]
fn fragment_before_first_block() {
    let f = fragments(200);
    let mut b = Svc::new(ApsConfig::default(), 0);
    assert_eq!(
        deliver(&mut b, 0, &f[1]),
        Err(ApsError::NoFirstBlock { src: A, block: 1 })
    );
}

#[test]
fn reassembly_size_limit() {
    let f = fragments(1000);
    let cfg = ApsConfig {
        max_reassembly: 500,
        ..ApsConfig::default()
    };
    let mut b = Svc::new(cfg, 0);
    assert_eq!(
        deliver(&mut b, 0, &f[0]),
        Err(ApsError::TooLarge { src: A, limit: 500 })
    );
}

#[test]
fn reassembly_table_full_and_timeout() {
    let mut b: ApsDataService<1, 1, 4, 1100> = ApsDataService::new(ApsConfig::default(), 0);
    let groups = GroupTable::<1>::new();
    let f = fragments(200);
    assert!(matches!(
        b.handle_input(t(0), A, &f[0], &groups),
        Ok(Received::Fragment)
    ));
    // Another source starts a transmission: no slot.
    assert_eq!(
        b.handle_input(t(1), ShortAddr(7), &f[0], &groups)
            .map(|_| ()),
        Err(ApsError::ReassemblyFull)
    );
    let _ = b.poll_event();
    let d = b.poll_timeout().unwrap();
    assert_eq!(d, t(10_000));
    b.handle_timeout(d);
    assert_eq!(
        b.poll_event(),
        Some(ApsEvent::ReassemblyTimeout { src: A, counter: 9 })
    );
    assert!(matches!(
        b.handle_input(t(10_001), ShortAddr(7), &f[0], &groups),
        Ok(Received::Fragment)
    ));
}

#[test]
fn reordered_blocks_within_window_reassemble() {
    let f = fragments(64 * 5 + 10);
    assert_eq!(f.len(), 6);
    let mut b = Svc::new(ApsConfig::default(), 0);
    deliver(&mut b, 0, &f[0]).unwrap();
    for i in [4, 2, 5, 1] {
        assert!(deliver(&mut b, 1, &f[i]).unwrap().is_empty());
    }
    let p = deliver(&mut b, 2, &f[3]).unwrap();
    assert_eq!(p, vec![0xab; 64 * 5 + 10]);
}

#[test]
fn group_membership() {
    let mut a = Svc::new(ApsConfig::default(), 0);
    let mut b = Svc::new(ApsConfig::default(), 0);
    let mut groups = GroupTable::<2>::new();
    groups.add(0x0042, 1).unwrap();
    groups.add(0x0042, 2).unwrap();
    assert!(groups.add(0x0043, 1).is_err(), "group table full");
    let mut buf = [0u8; 64];
    a.send(
        DataRequest {
            dst: Destination::Group(0x0042),
            ..req(B)
        },
        b"g",
    )
    .unwrap();
    let tx = a.poll_transmit(t(0), &mut buf).unwrap();
    assert_eq!(tx.dst, ShortAddr::RX_ON_WHEN_IDLE);
    match b.handle_input(t(0), A, &buf[..tx.len], &groups).unwrap() {
        Received::Data(d) => {
            assert_eq!(d.group, Some(0x42));
            assert_eq!(groups.endpoints(0x42).collect::<Vec<_>>(), [1, 2]);
        }
        r => panic!("{r:?}"),
    }
    a.send(
        DataRequest {
            dst: Destination::Group(0x0099),
            ..req(B)
        },
        b"g",
    )
    .unwrap();
    let tx = a.poll_transmit(t(0), &mut buf).unwrap();
    assert_eq!(
        b.handle_input(t(0), A, &buf[..tx.len], &groups).map(|_| ()),
        Err(ApsError::NotMember { group: 0x99 })
    );
}

#[test]
fn binding_table_indirect_send() {
    let dev = Eui64([1, 2, 3, 4, 5, 6, 7, 8]);
    let mut bindings = BindingTable::<2>::new();
    let bind = |dst| Binding {
        src_endpoint: 1,
        cluster: 0x0702,
        dst,
    };
    bindings
        .bind(bind(BindingDestination::Device {
            ieee: dev,
            endpoint: 9,
        }))
        .unwrap();
    bindings
        .bind(bind(BindingDestination::Group(0x10)))
        .unwrap();
    assert!(
        bindings
            .bind(bind(BindingDestination::Group(0x11)))
            .is_err()
    );
    let mut a = Svc::new(ApsConfig::default(), 0);
    assert_eq!(
        a.send_bound(req(B), b"m", &bindings, |_| None),
        Err(SendError::UnknownAddress(dev))
    );
    assert_eq!(a.in_flight(), 0);
    assert_eq!(
        a.send_bound(req(B), b"m", &bindings, |e| (e == dev).then_some(B)),
        Ok(2)
    );
    let mut buf = [0u8; 64];
    let dsts: Vec<_> =
        std::iter::from_fn(|| a.poll_transmit(t(0), &mut buf).map(|t| t.dst)).collect();
    assert_eq!(dsts, [B, ShortAddr::RX_ON_WHEN_IDLE]);
    assert_eq!(
        a.send_bound(
            DataRequest {
                cluster: 6,
                ..req(B)
            },
            b"m",
            &bindings,
            |_| None
        ),
        Err(SendError::NoBinding)
    );
    assert!(bindings.unbind(&bind(BindingDestination::Group(0x10))));
}

#[test]
fn unexpected_ack() {
    let mut a = Svc::new(ApsConfig::default(), 0);
    let mut b = Svc::new(ApsConfig::default(), 0);
    let mut buf = [0u8; 64];
    let mut ack = [0u8; 64];
    a.send(req(B), b"x").unwrap();
    let n = a.poll_transmit(t(0), &mut buf).unwrap().len;
    deliver(&mut b, 0, &buf[..n]).unwrap();
    let k = b.poll_transmit(t(0), &mut ack).unwrap().len;
    let groups = GroupTable::<1>::new();
    // From the wrong source.
    assert_eq!(
        a.handle_input(t(1), ShortAddr(9), &ack[..k], &groups)
            .map(|_| ()),
        Err(ApsError::UnexpectedAck {
            src: ShortAddr(9),
            counter: 0
        })
    );
    assert_eq!(
        a.handle_input(t(1), B, &ack[..k], &groups).map(|_| ()),
        Ok(())
    );
    assert!(matches!(a.poll_event(), Some(ApsEvent::Confirmed(_))));
    // Twice: nothing is waiting for it any more.
    assert!(a.handle_input(t(1), B, &ack[..k], &groups).is_err());
}
