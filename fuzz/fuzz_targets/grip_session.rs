//! Structured GRIP session sequences: the input bytes are read as a
//! program of operations on a connected hub/head-end pair (submit, transmit,
//! deliver a number of bytes, cut and reconnect, advance time, release,
//! change a window, go away, corrupt a byte). Invariants checked: nothing
//! panics; while no byte was corrupted, every message arrives at most once
//! and in order per (device, priority) (gaps only where a
//! session reset or GOAWAY reported messages lost or not processed).
#![no_main]

use core::convert::Infallible;
use std::collections::{BTreeMap, VecDeque};

use dual_protocol_grip::Priority;
use dual_protocol_grip::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_grip::session::{Config, Event, Outgoing, Role, Session};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::time::{Duration, Instant};
use libfuzzer_sys::fuzz_target;

/// A counter, not a random generator: fuzzing only.
struct Counter(u64);

impl TryRng for Counter {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for b in dst {
            *b = self.try_next_u64()? as u8;
        }
        Ok(())
    }
}
impl TryCryptoRng for Counter {}

type Small = Session<1024, 4096, 16, 8, 16>;

const HUB: Eui64 = Eui64([1; 8]);
const HES: Eui64 = Eui64([2; 8]);

#[derive(Default)]
struct Checker {
    next: BTreeMap<(u8, u8, u8), u32>,
    seen: BTreeMap<(u8, u8, u8), u32>,
}

fn drain(s: &mut Small, side: u8, check: &mut Checker, corrupted: bool) {
    while let Some(e) = s.poll_event() {
        if let Event::Message(m) = e {
            if corrupted || m.payload.len() < 5 {
                continue;
            }
            let dev = match m.descriptor.device {
                HanDevice::Device(e) => e.0[7],
                HanDevice::Hub => 0xff,
            };
            let seq = u32::from_be_bytes([m.payload[1], m.payload[2], m.payload[3], m.payload[4]]);
            let key = (side, dev, m.priority.code());
            let want = check.seen.entry(key).or_insert(0);
            // Lost or not-processed messages leave gaps; duplicates and
            // reordering never happen.
            assert!(seq >= *want, "duplicate or reordered message");
            *want = seq + 1;
        }
    }
}

fn feed(
    s: &mut Small,
    now: Instant,
    wire: &mut VecDeque<u8>,
    n: usize,
    side: u8,
    check: &mut Checker,
    corrupted: bool,
) {
    let take = n.min(wire.len());
    let bytes: Vec<u8> = wire.drain(..take).collect();
    let mut rest = &bytes[..];
    for _ in 0..1000 {
        match s.handle_input(now, rest) {
            Ok(k) => rest = &rest[k..],
            Err(_) => break,
        }
        drain(s, side, check, corrupted);
        if rest.is_empty() {
            break;
        }
    }
    drain(s, side, check, corrupted);
}

fn transmit(
    s: &mut Small,
    now: Instant,
    wire: &mut VecDeque<u8>,
    side: u8,
    check: &mut Checker,
    corrupted: bool,
) {
    let mut buf = [0u8; 1024];
    while let Some(n) = s.poll_transmit(now, &mut buf) {
        wire.extend(&buf[..n]);
    }
    drain(s, side, check, corrupted);
}

fuzz_target!(|data: &[u8]| {
    let mut rng = Counter(7);
    let mut hub_cfg = Config::new(Role::Hub);
    hub_cfg.max_frame = 1024;
    let mut hes_cfg = Config::new(Role::HeadEnd);
    hes_cfg.max_frame = 1024;
    let mut hub = Small::new(hub_cfg);
    let mut hes = Small::new(hes_cfg);
    let mut now = Instant::ZERO;
    let _ = hub.connect(now, HES, &mut rng);
    let _ = hes.connect(now, HUB, &mut rng);
    let (mut up, mut down) = (VecDeque::new(), VecDeque::new());
    let mut check = Checker::default();
    let mut corrupted = false;
    let mut it = data.iter().copied();
    while let Some(op) = it.next() {
        let arg = it.next().unwrap_or(0);
        match op % 12 {
            0 | 1 => {
                // Submit from the head end (0) or the hub (1).
                let side = op % 2;
                let dev = arg % 4;
                let prio = (arg >> 2) % 4;
                let key = (side, dev, prio);
                let seq = *check.next.get(&key).unwrap_or(&0);
                let mut payload = vec![dev];
                payload.extend_from_slice(&seq.to_be_bytes());
                payload.extend(std::iter::repeat_n(0xa5, usize::from(arg >> 4) * 8));
                let d = PayloadDescriptor::device(
                    PayloadKind::DlmsApdu,
                    Eui64([0, 0, 0, 0, 0, 0, 0, dev]),
                );
                let msg = Outgoing {
                    descriptor: d,
                    priority: Priority::from_bits(prio),
                    reply_to: None,
                    payload: &payload,
                };
                let s = if side == 0 { &mut hes } else { &mut hub };
                if s.send(now, msg).is_ok() {
                    check.next.insert(key, seq + 1);
                }
            }
            2 => transmit(&mut hub, now, &mut up, 0, &mut check, corrupted),
            3 => transmit(&mut hes, now, &mut down, 1, &mut check, corrupted),
            4 => feed(
                &mut hes,
                now,
                &mut up,
                usize::from(arg) * 4 + 1,
                1,
                &mut check,
                corrupted,
            ),
            5 => feed(
                &mut hub,
                now,
                &mut down,
                usize::from(arg) * 4 + 1,
                0,
                &mut check,
                corrupted,
            ),
            6 => {
                up.clear();
                down.clear();
                hub.disconnected(now);
                hes.disconnected(now);
                let _ = hub.connect(now, HES, &mut rng);
                let _ = hes.connect(now, HUB, &mut rng);
                drain(&mut hub, 0, &mut check, corrupted);
                drain(&mut hes, 1, &mut check, corrupted);
            }
            7 => {
                now = now + Duration::from_millis(u64::from(arg) * 500);
                hub.handle_timeout(now);
                hes.handle_timeout(now);
            }
            8 => {
                let dev = HanDevice::Device(Eui64([0, 0, 0, 0, 0, 0, 0, arg % 4]));
                let (s, n) = if arg & 0x80 == 0 {
                    (&mut hub, 1)
                } else {
                    (&mut hes, 2)
                };
                let _ = s.release(dev, n);
            }
            9 => {
                let dev = HanDevice::Device(Eui64([0, 0, 0, 0, 0, 0, 0, arg % 4]));
                let _ = hub.set_window(dev, u16::from(arg >> 2));
            }
            10 => {
                let _ = if arg & 1 == 0 {
                    hub.go_away(now)
                } else {
                    hes.go_away(now)
                };
            }
            _ => {
                let wire = if arg & 1 == 0 { &mut up } else { &mut down };
                if !wire.is_empty() {
                    let i = usize::from(arg) % wire.len();
                    wire[i] ^= 0x5a;
                    corrupted = true;
                }
            }
        }
    }
});
