//! Deterministic simulation of the reliability layer (docs 10): 10,000
//! reports from 100 hubs to one head end over a datagram medium with 30%
//! loss, 10% duplication and reordering (random delays), an attacker who
//! replays recorded datagrams to the head end, hubs restarted from
//! persisted state at random points and a head end restarted from persisted
//! state three times. Seeded ChaCha RNG; asserts exactly-once delivery, no
//! counter (nonce) reused by any party, no datagram accepted twice by the
//! head end, bounded retries, and that every hub re-synchronised.
//!
//! Run with `--nocapture` to see the retry and latency figures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr,
    clippy::type_complexity
)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

use dual_protocol_digital_envelope::reliability::{
    Received, Receiver, ReceiverConfig, ReceiverEvent, ReceiverState, SendOptions, Sender,
    SenderConfig, SenderEvent, counter_of,
};
use dual_protocol_digital_envelope::{Envelope, PeerConfig, PeerContext};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::time::{Duration, Instant};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

type P = RustCrypto;
type HubSender = Sender<P, 8, 128, 2>;
type HeadEndReceiver = Receiver<P, 4>;

const HUBS: usize = 100;
const REPORTS_PER_HUB: u32 = 100;
const LOSS_PERCENT: u32 = 30;
const DUPLICATE_PERCENT: u32 = 10;
const REPLAY_PERCENT: u32 = 5;
const MAX_RETRANSMIT: u8 = 12;
const HEAD_END: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0, 0, 0, 0, 1]);
const BLOCK: u64 = 16;

fn hub_id(i: usize) -> Eui64 {
    Eui64([0x00, 0x0d, 0x6f, 0, 0, 0, (i >> 8) as u8, i as u8])
}

fn z(i: usize) -> SecretBytes<32> {
    let mut b = [0x5a; 32];
    b[0] = i as u8;
    b[1] = (i >> 8) as u8;
    SecretBytes::new(b)
}

fn config(mark: u64) -> PeerConfig {
    PeerConfig {
        tx_mark: mark,
        counter_block: BLOCK,
        ..PeerConfig::default()
    }
}

fn sender_config() -> SenderConfig {
    SenderConfig {
        max_retransmit: MAX_RETRANSMIT,
        window: 8,
        ..SenderConfig::default()
    }
}

fn new_sender(i: usize, mark: u64) -> HubSender {
    let ctx = PeerContext::new(&RustCrypto, hub_id(i), HEAD_END, &z(i), config(mark)).unwrap();
    Sender::new(ctx, sender_config())
}

fn he_context(i: usize, mark: u64) -> PeerContext<P, 4> {
    PeerContext::new(&RustCrypto, HEAD_END, hub_id(i), &z(i), config(mark)).unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum To {
    HeadEnd(usize),
    Hub(usize),
}

struct Medium {
    queue: BinaryHeap<Reverse<(Instant, u64, To, Vec<u8>)>>,
    seq: u64,
    sent: u64,
    lost: u64,
}

impl Medium {
    fn send(&mut self, rng: &mut ChaCha8Rng, now: Instant, to: To, bytes: &[u8]) {
        self.sent += 1;
        let copies = if rng.next_u32() % 100 < DUPLICATE_PERCENT {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if rng.next_u32() % 100 < LOSS_PERCENT {
                self.lost += 1;
                continue;
            }
            // 20 ms .. 3 s: reorders freely.
            let delay = Duration::from_millis(20 + u64::from(rng.next_u32() % 2980));
            self.seq += 1;
            self.queue
                .push(Reverse((now + delay, self.seq, to, bytes.to_vec())));
        }
    }
}

struct Hub {
    sender: HubSender,
    store: VolatileStore,
    /// What the hub keeps in flash: its in-flight datagrams.
    flash: Vec<Vec<u8>>,
    next_report: u32,
    next_time: Instant,
    report_of: HashMap<u64, u32>,
    restarts: u32,
}

#[derive(Default)]
struct Figures {
    transmissions: Vec<u8>,
    latencies_ms: Vec<u64>,
}

/// Every datagram any party sent, by (direction, hub, counter): a counter
/// used for two different datagrams would be a nonce reuse.
#[derive(Default)]
struct NonceLedger(HashMap<(bool, usize, u64), Vec<u8>>);

impl NonceLedger {
    fn record(&mut self, from_hub: bool, hub: usize, datagram: &[u8]) {
        let c = counter_of(&Envelope::decode(datagram).unwrap().header);
        match self.0.get(&(from_hub, hub, c)) {
            Some(old) => assert_eq!(
                old, datagram,
                "counter {c:#x} reused for a different datagram (hub {hub}, from hub: {from_hub})"
            ),
            None => {
                self.0.insert((from_hub, hub, c), datagram.to_vec());
            }
        }
    }
}

fn report(i: usize, n: u32) -> [u8; 40] {
    let mut r = [0xa5; 40];
    r[..2].copy_from_slice(&(i as u16).to_be_bytes());
    r[2..6].copy_from_slice(&n.to_be_bytes());
    r
}

#[test]
fn ten_thousand_reports_exactly_once_under_loss_duplication_reordering_and_restarts() {
    let p = RustCrypto;
    let mut rng = ChaCha8Rng::seed_from_u64(0x00d0_0e1e);
    let mut medium = Medium {
        queue: BinaryHeap::new(),
        seq: 0,
        sent: 0,
        lost: 0,
    };
    let mut hubs: Vec<Hub> = (0..HUBS)
        .map(|i| Hub {
            sender: new_sender(i, 0),
            store: VolatileStore::default(),
            flash: Vec::new(),
            next_report: 0,
            next_time: Instant::from_millis(u64::from(rng.next_u32() % 60_000)),
            report_of: HashMap::new(),
            restarts: 0,
        })
        .collect();
    let mut he_stores = vec![VolatileStore::default(); HUBS];
    let mut receivers: Vec<HeadEndReceiver> = (0..HUBS)
        .map(|i| Receiver::new(he_context(i, 0), ReceiverConfig::default()))
        .collect();
    let mut persisted: Vec<Option<ReceiverState<4>>> = vec![None; HUBS];
    let mut delivered: HashSet<(usize, u32)> = HashSet::new();
    let mut accepted: HashSet<(usize, u64)> = HashSet::new();
    let mut ledger = NonceLedger::default();
    let mut recorded: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut figures = Figures::default();
    let mut acked = 0u32;
    let mut gave_up = 0u32;
    let mut replays_injected = 0u64;
    let mut he_restarts = 0u32;
    // Head-end restarts at three random points in the first half of the run.
    let mut he_restart_at: Vec<u32> = (0..3).map(|_| 500 + rng.next_u32() % 4000).collect();
    he_restart_at.sort_unstable();
    let mut resynced_since_restart: HashSet<usize> = HashSet::new();
    let mut buf = [0u8; 1232];
    let mut now = Instant::ZERO;
    let report_interval = Duration::from_secs(30);
    let mut steps = 0u64;

    loop {
        steps += 1;
        assert!(steps < 5_000_000, "simulation does not converge");
        // Applications submit reports.
        for (i, hub) in hubs.iter_mut().enumerate() {
            while hub.next_report < REPORTS_PER_HUB && hub.next_time <= now && hub.sender.can_send()
            {
                let r = report(i, hub.next_report);
                let id = hub
                    .sender
                    .send(
                        &p,
                        &mut hub.store,
                        &mut rng,
                        &SendOptions::confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu)),
                        &r,
                        None,
                    )
                    .unwrap();
                hub.report_of.insert(id.0, hub.next_report);
                hub.next_report += 1;
                // Bulk pushes: a burst of 8 every 30 s.
                if hub.next_report % 8 == 0 {
                    hub.next_time = now + report_interval;
                }
            }
        }
        // Timers.
        for hub in &mut hubs {
            if hub.sender.poll_timeout().is_some_and(|t| t <= now) {
                hub.sender.handle_timeout(now, &mut rng);
            }
        }
        // Transmit.
        for (i, hub) in hubs.iter_mut().enumerate() {
            while let Some(n) = hub
                .sender
                .poll_transmit(now, &p, &mut hub.store, &mut buf)
                .unwrap()
            {
                ledger.record(true, i, &buf[..n]);
                if recorded.len() < 20_000 {
                    recorded.push((i, buf[..n].to_vec()));
                } else {
                    let k = (rng.next_u32() as usize) % recorded.len();
                    recorded[k] = (i, buf[..n].to_vec());
                }
                medium.send(&mut rng, now, To::HeadEnd(i), &buf[..n]);
            }
            while let Some(e) = hub.sender.poll_event() {
                match e {
                    SenderEvent::Acknowledged {
                        id,
                        transmissions,
                        latency,
                    } => {
                        assert!(hub.report_of.remove(&id.0).is_some(), "unknown ack {id:?}");
                        acked += 1;
                        figures.transmissions.push(transmissions);
                        figures.latencies_ms.push(latency.as_millis() as u64);
                    }
                    SenderEvent::GaveUp { id } => {
                        gave_up += 1;
                        let n = hub.report_of[&id.0];
                        eprintln!(
                            "hub {i} gave up on {id:?} (report {n}, delivered: {}, accepted: {}, \
                             head end synchronised: {}, cached: {}, restarts {}, window {:?})",
                            delivered.contains(&(i, n)),
                            accepted.contains(&(i, id.0)),
                            receivers[i].is_synchronised(),
                            receivers[i].state().acks.contains_counter(id.0),
                            hub.restarts,
                            receivers[i].state().replay
                        );
                    }
                    other => panic!("unexpected event {other:?}"),
                }
            }
            // The hub persists its in-flight datagrams after every step.
            hub.flash = hub.sender.in_flight().map(|(_, d)| d.to_vec()).collect();
        }
        for (i, r) in receivers.iter_mut().enumerate() {
            while let Some(n) = r
                .poll_transmit(now, &p, &mut he_stores[i], &mut buf)
                .unwrap()
            {
                ledger.record(false, i, &buf[..n]);
                medium.send(&mut rng, now, To::Hub(i), &buf[..n]);
            }
        }

        // Done?
        let all_sent = hubs
            .iter()
            .all(|h| h.next_report == REPORTS_PER_HUB && h.sender.in_flight_count() == 0);
        if all_sent && acked + gave_up == HUBS as u32 * REPORTS_PER_HUB {
            break;
        }

        // Advance time to the next thing that happens.
        let next_medium = medium.queue.peek().map(|Reverse((t, ..))| *t);
        let next_timer = hubs.iter().filter_map(|h| h.sender.poll_timeout()).min();
        let next_app = hubs
            .iter()
            .filter(|h| h.next_report < REPORTS_PER_HUB && h.sender.can_send())
            .map(|h| h.next_time.max(now))
            .min();
        let Some(next) = [next_medium, next_timer, next_app]
            .into_iter()
            .flatten()
            .min()
        else {
            panic!("stalled with {acked} acknowledged");
        };
        now = next.max(now);

        // Deliver everything due now.
        while let Some(Reverse((t, ..))) = medium.queue.peek() {
            if *t > now {
                break;
            }
            let Reverse((_, _, to, mut d)) = medium.queue.pop().unwrap();
            match to {
                To::Hub(i) => {
                    let _ = hubs[i].sender.handle_input(now, &p, &mut d);
                }
                To::HeadEnd(i) => {
                    let mut inputs = vec![(i, d)];
                    if rng.next_u32() % 100 < REPLAY_PERCENT && !recorded.is_empty() {
                        let k = (rng.next_u32() as usize) % recorded.len();
                        inputs.push(recorded[k].clone());
                        replays_injected += 1;
                    }
                    for (i, mut d) in inputs {
                        let r = &mut receivers[i];
                        match r.handle_input(now, &p, &mut d) {
                            Ok(Received::Delivered(del)) => {
                                let hub = u16::from_be_bytes([del.payload[0], del.payload[1]]);
                                let n = u32::from_be_bytes(del.payload[2..6].try_into().unwrap());
                                assert_eq!(hub as usize, i);
                                assert!(
                                    delivered.insert((i, n)),
                                    "report {n} of hub {i} delivered twice"
                                );
                                assert!(accepted.insert((i, del.counter)), "replay accepted");
                                // Commit: the report and the state together.
                                persisted[i] = Some(r.state());
                            }
                            Ok(Received::Resynchronised { counter }) => {
                                assert!(accepted.insert((i, counter)), "replay accepted");
                                resynced_since_restart.insert(i);
                            }
                            Ok(Received::Control { counter, .. }) => {
                                assert!(accepted.insert((i, counter)), "replay accepted");
                            }
                            Ok(_) | Err(_) => {}
                        }
                        while let Some(e) = r.poll_event() {
                            if e == ReceiverEvent::Resynchronised {
                                persisted[i] = Some(r.state());
                            }
                        }
                    }
                }
            }
        }

        // A hub loses power now and then (about 1 in 3,000 steps each).
        for (i, hub) in hubs.iter_mut().enumerate() {
            if rng.next_u32() % 300_000 < 100 {
                hub.restarts += 1;
                hub.sender = new_sender(i, hub.store.mark);
                for d in &hub.flash {
                    hub.sender.resume_in_flight(&mut rng, d).unwrap();
                }
            }
        }
        // The head end restarts from its persisted states.
        if he_restart_at
            .first()
            .is_some_and(|&k| delivered.len() as u32 >= k)
        {
            he_restart_at.remove(0);
            he_restarts += 1;
            resynced_since_restart.clear();
            for i in 0..HUBS {
                receivers[i] = Receiver::restore(
                    &p,
                    he_context(i, he_stores[i].mark),
                    persisted[i].as_ref(),
                    ReceiverConfig::default(),
                    &mut rng,
                )
                .unwrap();
            }
        }
    }

    assert_eq!(delivered.len(), HUBS * REPORTS_PER_HUB as usize);
    assert_eq!(gave_up, 0);
    assert_eq!(he_restarts, 3);
    assert!(
        receivers.iter().all(HeadEndReceiver::is_synchronised),
        "every hub re-synchronised after the last head-end restart"
    );
    assert_eq!(resynced_since_restart.len(), HUBS);
    let hub_restarts: u32 = hubs.iter().map(|h| h.restarts).sum();
    assert!(hub_restarts > 0, "the run restarted some hubs");
    let max_tx = *figures.transmissions.iter().max().unwrap();
    // A message is sent at most 1 + MAX_RETRANSMIT times per timer run,
    // plus once per echo challenge answered and once per hub restart.
    assert!(
        u32::from(max_tx) <= 1 + u32::from(MAX_RETRANSMIT) + 3 + 2,
        "max transmissions {max_tx}"
    );

    let mut hist: BTreeMap<u8, u32> = BTreeMap::new();
    for t in &figures.transmissions {
        *hist.entry(*t).or_default() += 1;
    }
    let mut lat = figures.latencies_ms.clone();
    lat.sort_unstable();
    let pct = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize];
    let mean_tx = figures
        .transmissions
        .iter()
        .map(|&t| f64::from(t))
        .sum::<f64>()
        / figures.transmissions.len() as f64;
    eprintln!(
        "simulation: {} reports, {} hubs, loss {LOSS_PERCENT}%, duplication {DUPLICATE_PERCENT}%, \
         {} datagrams offered to the medium ({} lost), {replays_injected} replays injected, \
         {hub_restarts} hub restarts, {he_restarts} head-end restarts, simulated time {} s",
        delivered.len(),
        HUBS,
        medium.sent,
        medium.lost,
        now.as_millis() / 1000
    );
    eprintln!(
        "transmissions per report: mean {mean_tx:.2}, max {max_tx}, histogram {hist:?}; \
         latency to acknowledgement ms: median {}, p90 {}, p99 {}, max {}",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        lat[lat.len() - 1]
    );
}
