//! Deterministic simulation (docs/grip.md §6–§8): a head end and a hub
//! exchange thousands of messages for many HAN devices over an in-memory
//! byte stream split at random points and cut at random moments; after
//! each cut both reconnect and resume. Every message must arrive exactly
//! once, in order per device and priority; a slow device must not stall
//! the others; a 256 KiB image must arrive byte-identical.
#![allow(
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::{BTreeMap, VecDeque};

use common::*;
use dual_protocol_grip::Priority;
use dual_protocol_grip::session::{CallerError, Outgoing, SessionError};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor, PayloadKind};
use rand_chacha::rand_core::Rng;

fn device(i: u8) -> Eui64 {
    Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0x00, 0x00, i])
}

fn dev_index(d: &HanDevice) -> u8 {
    match d {
        HanDevice::Device(e) => e.0[7],
        HanDevice::Hub => 0xff,
    }
}

/// Moves a random prefix of `wire` into a side; returns false on error.
macro_rules! deliver {
    ($p:expr, $wire:ident, $side:ident, $events:ident) => {{
        let len = $p.$wire.len();
        if len > 0 {
            let n = match pick(&mut $p.rng, 8) {
                0 | 1 => 1 + pick(&mut $p.rng, 7) as usize,
                2 => len,
                _ => 1 + pick(&mut $p.rng, 700) as usize,
            }
            .min(len);
            let chunk: Vec<u8> = $p.$wire.drain(..n).collect();
            let r = feed(&mut *$p.$side, $p.now, &chunk, &mut $p.$events);
            if let Err(e) = r {
                panic!("{} error: {e:?}", stringify!($side));
            }
        }
    }};
}

struct Stream {
    /// Next sequence number to submit per (device, priority).
    next: BTreeMap<(u8, u8), u32>,
    /// Next expected per (device, priority) at the receiver.
    expect: BTreeMap<(u8, u8), u32>,
    submitted: u32,
    received: u32,
}

impl Stream {
    fn new() -> Self {
        Stream {
            next: BTreeMap::new(),
            expect: BTreeMap::new(),
            submitted: 0,
            received: 0,
        }
    }

    fn payload(&mut self, dev: u8, prio: u8, pad: usize) -> Vec<u8> {
        let seq = self.next.entry((dev, prio)).or_insert(0);
        let mut p = vec![dev, prio];
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend(std::iter::repeat_n(dev ^ 0x5a, pad));
        *seq += 1;
        p
    }

    fn check(&mut self, device: &HanDevice, prio: u8, payload: &[u8]) {
        let dev = dev_index(device);
        assert_eq!(payload[0], dev);
        assert_eq!(payload[1], prio);
        let seq = u32::from_be_bytes(payload[2..6].try_into().unwrap());
        let e = self.expect.entry((dev, prio)).or_insert(0);
        assert_eq!(
            seq, *e,
            "device {dev} prio {prio}: duplicate or out of order"
        );
        *e += 1;
        self.received += 1;
    }
}

#[test]
fn thousands_of_messages_many_devices_random_cuts() {
    for seed in 0..3u64 {
        run(seed);
    }
}

fn run(seed: u64) {
    const DEVICES: u8 = 24;
    const SLOW: u8 = 0;
    const HES_TOTAL: u32 = 3000;
    const SLOW_TOTAL: u32 = 60;
    const HUB_TOTAL: u32 = 1000;
    let mut p = Pair::new(seed, hub_config(), hes_config());
    p.connect();
    // The hub makes device 0 a sleepy meter with one message in flight.
    p.hub
        .set_window(HanDevice::Device(device(SLOW)), 1)
        .unwrap();
    p.settle();

    let mut down = Stream::new();
    let mut up = Stream::new();
    let mut slow_sent = 0u32;
    let mut cuts = 0u32;
    let mut others_done_at_slow: Option<u32> = None;
    let mut hub_unreleased: BTreeMap<u8, u32> = BTreeMap::new();
    let mut step = 0u64;
    let mut hub_seen = 0usize;
    let mut hes_seen = 0usize;
    let mut delivered_hes = 0u32;
    let mut delivered_hub = 0u32;
    loop {
        step += 1;
        assert!(step < 2_000_000, "seed {seed}: no progress");
        // Head end submits.
        for _ in 0..pick(&mut p.rng, 6) {
            if down.submitted >= HES_TOTAL + SLOW_TOTAL {
                break;
            }
            let dev = if slow_sent < SLOW_TOTAL && pick(&mut p.rng, 20) == 0 {
                SLOW
            } else if down.submitted - slow_sent < HES_TOTAL {
                1 + pick(&mut p.rng, u32::from(DEVICES - 1)) as u8
            } else {
                SLOW
            };
            let prio = if dev == SLOW {
                2
            } else {
                pick(&mut p.rng, 4) as u8
            };
            let pad = pick(&mut p.rng, 120) as usize;
            if !p.hes.can_queue(pad + 6) {
                break;
            }
            let payload = down.payload(dev, prio, pad);
            let d = PayloadDescriptor::device(PayloadKind::DlmsApdu, device(dev));
            let r = p.hes.send(
                p.now,
                Outgoing {
                    descriptor: d,
                    priority: Priority::from_bits(prio),
                    reply_to: None,
                    payload: &payload,
                },
            );
            r.unwrap();
            down.submitted += 1;
            if dev == SLOW {
                slow_sent += 1;
            }
        }
        // Hub submits reports.
        for _ in 0..pick(&mut p.rng, 3) {
            if up.submitted >= HUB_TOTAL {
                break;
            }
            let dev = pick(&mut p.rng, u32::from(DEVICES)) as u8;
            let prio = pick(&mut p.rng, 4) as u8;
            let payload = up.payload(dev, prio, pick(&mut p.rng, 60) as usize);
            let d = PayloadDescriptor::device(
                PayloadKind::ZclFrame(dual_protocol_primitives::payload::ZclAddressing {
                    profile: 0x0109,
                    cluster: 0x0702,
                    src_endpoint: 1,
                    dst_endpoint: 1,
                }),
                device(dev),
            );
            match p.hub.send(
                p.now,
                Outgoing {
                    descriptor: d,
                    priority: Priority::from_bits(prio),
                    reply_to: None,
                    payload: &payload,
                },
            ) {
                Ok(_) => up.submitted += 1,
                Err(SessionError::Caller(CallerError::QueueFull)) => {
                    // Undo the sequence number: resubmit later.
                    *up.next.get_mut(&(dev, prio)).unwrap() -= 1;
                    break;
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        // Transmit and deliver random prefixes.
        transmit(&mut *p.hub, p.now, &mut p.to_hes, &mut p.hub_events);
        transmit(&mut *p.hes, p.now, &mut p.to_hub, &mut p.hes_events);
        // A cut right after transmitting loses whatever is in flight.
        if pick(&mut p.rng, 150) == 0 {
            deliver!(p, to_hes, hes, hes_events);
            cuts += 1;
            p.cut();
            p.hub.connect(p.now, HES_ID, &mut p.rng).unwrap();
            p.hes.connect(p.now, HUB_ID, &mut p.rng).unwrap();
        }
        deliver!(p, to_hes, hes, hes_events);
        deliver!(p, to_hub, hub, hub_events);
        // Applications consume events.
        for e in &p.hub_events[hub_seen..] {
            match e {
                Ev::Message {
                    device,
                    prio,
                    payload,
                    ..
                } => {
                    down.check(device, *prio, payload);
                    *hub_unreleased.entry(dev_index(device)).or_insert(0) += 1;
                }
                Ev::Delivered { .. } => delivered_hub += 1,
                Ev::Lost { .. } | Ev::Reset | Ev::NotProcessed { .. } => {
                    panic!("seed {seed}: {e:?}")
                }
                Ev::Closed {
                    by_peer: false,
                    reason,
                    ..
                } => panic!("hub closed: {reason}"),
                _ => {}
            }
        }
        hub_seen = p.hub_events.len();
        for e in &p.hes_events[hes_seen..] {
            match e {
                Ev::Message {
                    device,
                    prio,
                    payload,
                    ..
                } => up.check(device, *prio, payload),
                Ev::Delivered { .. } => delivered_hes += 1,
                Ev::Lost { .. } | Ev::Reset | Ev::NotProcessed { .. } => {
                    panic!("seed {seed}: {e:?}")
                }
                Ev::Closed {
                    by_peer: false,
                    reason,
                    ..
                } => panic!("hes closed: {reason}"),
                _ => {}
            }
        }
        hes_seen = p.hes_events.len();
        // The hub forwards to the HAN: fast devices at once, the slow one rarely.
        for (dev, n) in hub_unreleased.iter_mut() {
            let go = if *dev == SLOW {
                pick(&mut p.rng, 400) == 0
            } else {
                pick(&mut p.rng, 3) == 0
            };
            if *n > 0 && go {
                let k = if *dev == SLOW { 1 } else { *n };
                p.hub.release(HanDevice::Device(device(*dev)), k).unwrap();
                *n -= k;
            }
        }
        // The fast devices finish long before the slow one.
        let others: u32 = down
            .expect
            .iter()
            .filter(|((d, _), _)| *d != SLOW)
            .map(|(_, v)| v)
            .sum();
        if others == HES_TOTAL && others_done_at_slow.is_none() {
            others_done_at_slow = Some(down.expect.get(&(SLOW, 2)).copied().unwrap_or(0));
        }
        // Random cuts, then reconnect and resume.
        if pick(&mut p.rng, 150) == 0 {
            cuts += 1;
            p.cut();
            p.hub.connect(p.now, HES_ID, &mut p.rng).unwrap();
            p.hes.connect(p.now, HUB_ID, &mut p.rng).unwrap();
        }
        p.now += dur_ms(u64::from(pick(&mut p.rng, 40)));
        p.hub.handle_timeout(p.now);
        p.hes.handle_timeout(p.now);
        if down.received == HES_TOTAL + SLOW_TOTAL
            && up.received == HUB_TOTAL
            && delivered_hes == HES_TOTAL + SLOW_TOTAL
            && delivered_hub == HUB_TOTAL
        {
            break;
        }
    }
    assert!(cuts >= 5, "seed {seed}: only {cuts} cuts");
    // Let the last acknowledgements and credits cross.
    for _ in 0..3 {
        p.settle();
        p.now += dur_ms(200);
        p.hub.handle_timeout(p.now);
        p.hes.handle_timeout(p.now);
    }
    p.settle();
    let slow_at = others_done_at_slow.unwrap();
    assert!(
        slow_at < SLOW_TOTAL / 2,
        "seed {seed}: slow device had {slow_at} of {SLOW_TOTAL} when the others finished"
    );
    let resumed = p
        .hub_events
        .iter()
        .filter(|e| **e == Ev::Connected { resumed: true })
        .count();
    assert!(resumed >= 3, "seed {seed}: {resumed} resumptions");
    assert_eq!(p.hub.retained(), (0, 0));
    assert_eq!(p.hes.retained(), (0, 0));
    eprintln!(
        "seed {seed}: {step} steps, {cuts} cuts, {resumed} resumptions, duplicates dropped hub {} hes {}, resent hub {} hes {}, slow device at {slow_at}/{SLOW_TOTAL} when others done",
        p.hub.stats().duplicates,
        p.hes.stats().duplicates,
        p.hub.stats().resent,
        p.hes.stats().resent
    );
}

#[test]
fn image_256k_arrives_identical_after_disconnects() {
    let mut p = Pair::new(77, hub_config(), hes_config());
    p.connect();
    let image: Vec<u8> = (0..256 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let target = device(9);
    let d = PayloadDescriptor::device(PayloadKind::EndToEndProtected, target);
    let tid = p
        .hes
        .start_transfer(d, Priority::Bulk, image.len() as u32, 0)
        .unwrap();
    let chunk = p.hes.max_chunk(&d);
    assert!(chunk > 1000 && chunk < 4096, "{chunk}");
    let mut offset = 0usize;
    let mut received = vec![0u8; image.len()];
    let mut got = 0usize;
    let mut next_expected = 0u32;
    let mut cuts = 0;
    let mut seen = 0;
    let mut step = 0u32;
    // A prepayment credit submitted mid-transfer must overtake queued chunks.
    let mut credit_ticket = None;
    let mut credit_seen_at = None;
    while got < image.len() {
        step += 1;
        assert!(step < 200_000);
        while offset < image.len() && p.hes.can_queue(chunk) {
            let end = (offset + chunk).min(image.len());
            p.hes.send_chunk(p.now, tid, &image[offset..end]).unwrap();
            offset = end;
        }
        if step == 40 {
            let c = PayloadDescriptor::device(PayloadKind::DlmsApdu, device(3));
            credit_ticket = Some(
                p.hes
                    .send(
                        p.now,
                        Outgoing {
                            descriptor: c,
                            priority: Priority::Critical,
                            reply_to: None,
                            payload: b"credit",
                        },
                    )
                    .unwrap(),
            );
        }
        transmit(&mut *p.hes, p.now, &mut p.to_hub, &mut p.hes_events);
        transmit(&mut *p.hub, p.now, &mut p.to_hes, &mut p.hub_events);
        deliver!(p, to_hub, hub, hub_events);
        deliver!(p, to_hes, hes, hes_events);
        for e in &p.hub_events[seen..] {
            match e {
                Ev::Chunk {
                    transfer,
                    total,
                    offset,
                    data,
                    ..
                } => {
                    assert_eq!(*transfer, tid);
                    assert_eq!(*total as usize, image.len());
                    assert_eq!(*offset, next_expected, "chunks in order, once");
                    received[*offset as usize..*offset as usize + data.len()].copy_from_slice(data);
                    next_expected += data.len() as u32;
                    got += data.len();
                }
                Ev::Message { payload, .. } => {
                    assert_eq!(payload, b"credit");
                    credit_seen_at = Some(got);
                }
                Ev::Lost { .. } | Ev::Reset => panic!("{e:?}"),
                _ => {}
            }
        }
        seen = p.hub_events.len();
        // The hub writes each chunk to flash and releases it.
        let out = p.hub.outstanding(HanDevice::Device(target));
        if out > 0 {
            p.hub.release(HanDevice::Device(target), out).unwrap();
        }
        let out = p.hub.outstanding(HanDevice::Device(device(3)));
        if out > 0 {
            p.hub.release(HanDevice::Device(device(3)), out).unwrap();
        }
        if step.is_multiple_of(17) && cuts < 8 {
            cuts += 1;
            p.cut();
            p.hub.connect(p.now, HES_ID, &mut p.rng).unwrap();
            p.hes.connect(p.now, HUB_ID, &mut p.rng).unwrap();
        }
        p.now += dur_ms(20);
        p.hub.handle_timeout(p.now);
        p.hes.handle_timeout(p.now);
    }
    assert!(cuts >= 3);
    assert_eq!(received, image, "image differs");
    assert!(credit_ticket.is_some());
    let at = credit_seen_at.expect("credit message delivered");
    assert!(
        at < image.len() / 2,
        "credit arrived after {at} image octets"
    );
    let _ = VecDeque::<u8>::new();
    let _ = p.rng.next_u32();
}
