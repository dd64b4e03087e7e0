//! Time synchronisation under a delaying attacker (docs 10.5): whatever
//! the attacker delays, an accepted response moves the hub's clock to
//! within half the round-trip bound of the head end's; a response after the
//! bound, for another request, or unsolicited is refused.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_digital_envelope::reliability::{
    Receiver, ReceiverConfig, ReceiverEvent, Sender, SenderConfig, SenderEvent, TIME_RESPONSE,
    TimeResponse,
};
use dual_protocol_digital_envelope::{InputError, Outgoing, PeerConfig, PeerContext, Protection};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

type P = RustCrypto;
const HUB: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0xab, 0xcd, 0xef]);
const HEAD_END: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01]);
/// UTC (ms) at the simulation's `Instant::ZERO`: 2026-01-01T00:00:00Z.
const UTC0: u64 = 1_767_225_600_000;
const BOUND: Duration = Duration::from_secs(10);

fn utc(at: Instant) -> u64 {
    UTC0 + at.as_millis()
}

fn ctx(local: Eui64, peer: Eui64) -> PeerContext<P> {
    let z = SecretBytes::new([0x42; 32]);
    PeerContext::new(&RustCrypto, local, peer, &z, PeerConfig::default()).unwrap()
}

struct World {
    hub: Sender<P>,
    he: Receiver<P>,
    hub_store: VolatileStore,
    he_store: VolatileStore,
    rng: ChaCha8Rng,
}

fn world() -> World {
    World {
        hub: Sender::new(
            ctx(HUB, HEAD_END),
            SenderConfig {
                time_round_trip_bound: BOUND,
                ..SenderConfig::default()
            },
        ),
        he: Receiver::new(ctx(HEAD_END, HUB), ReceiverConfig::default()),
        hub_store: VolatileStore::default(),
        he_store: VolatileStore::default(),
        rng: ChaCha8Rng::seed_from_u64(42),
    }
}

impl World {
    fn hub_out(&mut self, now: Instant) -> Vec<u8> {
        let mut buf = [0u8; 1232];
        let n = self
            .hub
            .poll_transmit(now, &RustCrypto, &mut self.hub_store, &mut buf)
            .unwrap()
            .unwrap();
        buf[..n].to_vec()
    }

    /// The head end receives the request at `at`, answers with its true
    /// UTC at once.
    fn head_end_answers(&mut self, at: Instant, mut request: Vec<u8>) -> Vec<u8> {
        self.he.handle_input(at, &RustCrypto, &mut request).unwrap();
        let Some(ReceiverEvent::TimeRequested(req)) = self.he.poll_event() else {
            panic!("no time request");
        };
        self.he.respond_time(&req, utc(at)).unwrap();
        let mut buf = [0u8; 1232];
        let n = self
            .he
            .poll_transmit(at, &RustCrypto, &mut self.he_store, &mut buf)
            .unwrap()
            .unwrap();
        buf[..n].to_vec()
    }
}

/// The attacker delays the request by `d1` and the response by `d2`.
/// Returns the hub's error from its clock, or the rejection.
fn attack(w: &mut World, start: Instant, d1: Duration, d2: Duration) -> Result<i64, InputError> {
    w.hub.request_time(&mut w.rng).unwrap();
    let req = w.hub_out(start);
    let resp = w.head_end_answers(start + d1, req);
    let at = start + d1 + d2;
    let mut resp = resp;
    w.hub.handle_input(at, &RustCrypto, &mut resp)?;
    let Some(SenderEvent::TimeSynchronised(est)) = w.hub.poll_event() else {
        panic!("no estimate");
    };
    assert_eq!(est.at, at);
    assert_eq!(est.round_trip, d1 + d2);
    Ok(est.utc_millis as i64 - utc(at) as i64)
}

#[test]
fn a_delaying_attacker_moves_the_clock_only_within_the_bound() {
    let mut w = world();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut start = Instant::from_secs(100);
    let mut accepted = 0;
    let mut refused = 0;
    let mut worst = 0i64;
    for k in 0..400 {
        // Systematic worst cases first, then random splits up to 2x the bound.
        let (d1, d2) = match k {
            0 => (Duration::ZERO, Duration::ZERO),
            1 => (BOUND, Duration::ZERO),
            2 => (Duration::ZERO, BOUND),
            3 => (BOUND + Duration::from_millis(1), Duration::ZERO),
            _ => (
                Duration::from_millis(u64::from(rng.next_u32() % 20_000)),
                Duration::from_millis(u64::from(rng.next_u32() % 20_000)),
            ),
        };
        match attack(&mut w, start, d1, d2) {
            Ok(err_ms) => {
                accepted += 1;
                assert!(d1 + d2 <= BOUND);
                let half = (BOUND.as_millis() / 2) as i64;
                assert!(
                    err_ms.abs() <= half,
                    "error {err_ms} ms for {d1:?} + {d2:?}"
                );
                worst = worst.max(err_ms.abs());
            }
            Err(InputError::RoundTripTooLong { round_trip_ms }) => {
                refused += 1;
                assert!(d1 + d2 > BOUND);
                assert_eq!(round_trip_ms, (d1 + d2).as_millis() as u64);
                // The hub gives up on this request at the bound and asks
                // again with a fresh nonce; abandon it for the next round.
                let deadline = w.hub.poll_timeout().unwrap();
                let mut n = 0;
                let mut now = deadline;
                loop {
                    w.hub.handle_timeout(now, &mut w.rng);
                    if let Some(SenderEvent::TimeSyncFailed) = w.hub.poll_event() {
                        break;
                    }
                    let _lost = w.hub_out(now);
                    n += 1;
                    now = w.hub.poll_timeout().unwrap();
                }
                assert_eq!(n, 2, "two more attempts, then failure");
                start = now;
            }
            Err(e) => panic!("{e:?}"),
        }
        start += Duration::from_secs(60);
    }
    assert!(accepted > 50 && refused > 50, "{accepted} / {refused}");
    // The extreme split (all delay on one leg) reaches the bound's half.
    assert_eq!(worst, (BOUND.as_millis() / 2) as i64);
}

#[test]
fn responses_for_another_request_or_unsolicited_are_refused() {
    let mut w = world();
    let t = Instant::from_secs(5);
    // Unsolicited (made with the head end's own context, so only the
    // binding to a request can refuse it).
    let forge = |w: &mut World, body: &TimeResponse| {
        let mut b = [0u8; 24];
        body.encode(&mut b).unwrap();
        let mut buf = [0u8; 1232];
        let n =
            w.he.context_mut()
                .protect(
                    &RustCrypto,
                    &mut w.he_store,
                    &Outgoing {
                        message_type: TIME_RESPONSE,
                        protection: Protection::Aead,
                        descriptor: None,
                        ack_requested: false,
                        payload: &b,
                    },
                    None,
                    &mut buf,
                )
                .unwrap();
        buf[..n].to_vec()
    };
    let body = TimeResponse {
        request: 0,
        nonce: [0; 8],
        utc_millis: 0,
    };
    let mut d = forge(&mut w, &body);
    assert_eq!(
        w.hub.handle_input(t, &RustCrypto, &mut d),
        Err(InputError::TimeResponseMismatch)
    );
    // First request; its response is withheld by the attacker.
    w.hub.request_time(&mut w.rng).unwrap();
    let req1 = w.hub_out(t);
    let old_resp = w.head_end_answers(t, req1);
    // The hub times out and asks again with a fresh nonce.
    let deadline = w.hub.poll_timeout().unwrap();
    w.hub.handle_timeout(deadline, &mut w.rng);
    let req2 = w.hub_out(deadline);
    // The withheld response, delivered now, answers the old request.
    let mut d = old_resp;
    assert_eq!(
        w.hub.handle_input(deadline, &RustCrypto, &mut d),
        Err(InputError::TimeResponseMismatch)
    );
    // A response echoing the right counter but a wrong nonce.
    let req2_counter = dual_protocol_digital_envelope::reliability::counter_of(
        &dual_protocol_digital_envelope::Envelope::decode(&req2)
            .unwrap()
            .header,
    );
    let mut d = forge(
        &mut w,
        &TimeResponse {
            request: req2_counter,
            nonce: [0xee; 8],
            utc_millis: 0,
        },
    );
    assert_eq!(
        w.hub.handle_input(deadline, &RustCrypto, &mut d),
        Err(InputError::TimeResponseMismatch)
    );
    // The genuine answer is accepted.
    let mut good = w.head_end_answers(deadline, req2);
    w.hub
        .handle_input(
            deadline + Duration::from_millis(800),
            &RustCrypto,
            &mut good,
        )
        .unwrap();
    assert!(matches!(
        w.hub.poll_event(),
        Some(SenderEvent::TimeSynchronised(e)) if e.uncertainty == Duration::from_millis(400)
    ));
    assert_eq!(w.hub.poll_timeout(), None);
}
