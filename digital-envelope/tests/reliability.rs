//! The reliability machines step by step (docs 10): selective ACKs for a
//! bulk push, duplicates delivered once and acknowledged again, forged
//! duplicates ignored, exponential back-off with jitter and give-up,
//! non-confirmable messages, re-synchronisation after a restart of either
//! side, and one negative test per error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_digital_envelope::reliability::{ACK, ECHO_CHALLENGE, ECHO_RESPONSE};
use dual_protocol_digital_envelope::reliability::{
    Ack, EchoChallenge, MessageId, Received, Receiver, ReceiverConfig, ReceiverEvent, SendOptions,
    Sender, SenderConfig, SenderEvent, TimeRequest, counter_of,
};
use dual_protocol_digital_envelope::{
    DecodeError, Envelope, InputError, MessageType, Outgoing, PeerConfig, PeerContext, Protection,
    SendError, UnprotectError,
};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::replay::ReplayError;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

type P = RustCrypto;
const HUB: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0xab, 0xcd, 0xef]);
const HEAD_END: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01]);

fn z() -> SecretBytes<32> {
    SecretBytes::new([0x42; 32])
}

fn hub_ctx(mark: u64) -> PeerContext<P> {
    let c = PeerConfig {
        tx_mark: mark,
        ..PeerConfig::default()
    };
    PeerContext::new(&RustCrypto, HUB, HEAD_END, &z(), c).unwrap()
}

fn he_ctx(mark: u64) -> PeerContext<P> {
    let c = PeerConfig {
        tx_mark: mark,
        ..PeerConfig::default()
    };
    PeerContext::new(&RustCrypto, HEAD_END, HUB, &z(), c).unwrap()
}

struct Pair {
    hub: Sender<P>,
    he: Receiver<P>,
    hub_store: VolatileStore,
    he_store: VolatileStore,
    rng: ChaCha8Rng,
}

fn pair(config: SenderConfig) -> Pair {
    Pair {
        hub: Sender::new(hub_ctx(0), config),
        he: Receiver::new(he_ctx(0), ReceiverConfig::default()),
        hub_store: VolatileStore::default(),
        he_store: VolatileStore::default(),
        rng: ChaCha8Rng::seed_from_u64(7),
    }
}

fn report() -> SendOptions {
    SendOptions::confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu))
}

impl Pair {
    fn send(&mut self, payload: &[u8]) -> MessageId {
        self.hub
            .send(
                &RustCrypto,
                &mut self.hub_store,
                &mut self.rng,
                &report(),
                payload,
                None,
            )
            .unwrap()
    }

    fn hub_out(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 1232];
        while let Some(n) = self
            .hub
            .poll_transmit(now, &RustCrypto, &mut self.hub_store, &mut buf)
            .unwrap()
        {
            out.push(buf[..n].to_vec());
        }
        out
    }

    fn he_out(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 1232];
        while let Some(n) = self
            .he
            .poll_transmit(now, &RustCrypto, &mut self.he_store, &mut buf)
            .unwrap()
        {
            out.push(buf[..n].to_vec());
        }
        out
    }

    fn hub_events(&mut self) -> Vec<SenderEvent> {
        std::iter::from_fn(|| self.hub.poll_event()).collect()
    }
}

fn kind(d: &[u8]) -> MessageType {
    Envelope::decode(d).unwrap().header.message_type
}

#[test]
fn one_ack_acknowledges_a_whole_bulk_push() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    let ids: Vec<_> = (0..8u8).map(|i| p.send(&[i; 40])).collect();
    assert!(!p.hub.can_send(), "window of 8 full");
    let out = p.hub_out(now);
    assert_eq!(out.len(), 8);
    // Delivered out of order, each once.
    for mut d in out.into_iter().rev() {
        let r = p.he.handle_input(now, &RustCrypto, &mut d).unwrap();
        assert!(matches!(r, Received::Delivered(_)));
    }
    let acks = p.he_out(now);
    assert_eq!(acks.len(), 1, "one ACK datagram for the push");
    let mut a = acks[0].clone();
    p.hub.handle_input(now, &RustCrypto, &mut a).unwrap();
    let events = p.hub_events();
    assert_eq!(events.len(), 8);
    for (e, id) in events.iter().zip(&ids) {
        assert!(
            matches!(e, SenderEvent::Acknowledged { id: got, transmissions: 1, .. } if got == id)
        );
    }
    assert_eq!(p.hub.in_flight_count(), 0);
    assert_eq!(p.hub.poll_timeout(), None);
}

#[test]
fn duplicate_is_delivered_once_and_acknowledged_again() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    p.send(b"meter read");
    let d = p.hub_out(now).remove(0);
    let mut first = d.clone();
    match p.he.handle_input(now, &RustCrypto, &mut first).unwrap() {
        Received::Delivered(del) => assert_eq!(del.payload, b"meter read"),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.he_out(now).len(), 1);
    // The ACK was lost; the retransmission is the identical datagram.
    let mut again = d.clone();
    let r = p.he.handle_input(now, &RustCrypto, &mut again).unwrap();
    assert_eq!(
        r,
        Received::Duplicate {
            counter: 0,
            reacknowledged: true
        }
    );
    let acks = p.he_out(now);
    assert_eq!(acks.len(), 1);
    assert_eq!(kind(&acks[0]), ACK);
    assert_eq!(p.he.stats().delivered, 1);
}

#[test]
fn forged_duplicate_gets_no_answer() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    p.send(b"meter read");
    let d = p.hub_out(now).remove(0);
    p.he.handle_input(now, &RustCrypto, &mut d.clone()).unwrap();
    let _ = p.he_out(now);
    // Same header (so the window calls it a duplicate), another tag.
    let mut forged = d.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let r = p.he.handle_input(now, &RustCrypto, &mut forged).unwrap();
    assert_eq!(
        r,
        Received::Duplicate {
            counter: 0,
            reacknowledged: false
        }
    );
    assert!(p.he_out(now).is_empty());
}

#[test]
fn back_off_doubles_with_jitter_then_gives_up() {
    let config = SenderConfig::default();
    let mut p = pair(config);
    let t0 = Instant::from_secs(10);
    let id = p.send(b"alarm");
    assert_eq!(p.hub_out(t0).len(), 1);
    let first = p.hub.poll_timeout().unwrap();
    let initial = first - t0;
    assert!(initial >= Duration::from_secs(4) && initial <= Duration::from_secs(6));
    let mut now = first;
    let mut sends = vec![t0];
    for _ in 0..config.max_retransmit {
        p.hub.handle_timeout(now, &mut p.rng);
        assert_eq!(p.hub_out(now).len(), 1, "retransmission at {now:?}");
        sends.push(now);
        now = p.hub.poll_timeout().unwrap();
    }
    p.hub.handle_timeout(now, &mut p.rng);
    assert!(p.hub_out(now).is_empty());
    assert_eq!(p.hub_events(), vec![SenderEvent::GaveUp { id }]);
    // Gaps: T, 2T, 4T, 8T, then 16T before giving up (CoAP's schedule).
    let gaps: Vec<Duration> = sends.windows(2).map(|w| w[1] - w[0]).collect();
    for (k, g) in gaps.iter().enumerate() {
        assert_eq!(*g, initial * (1 << k));
    }
    assert_eq!(now - sends[4], initial * 16);
    assert_eq!(p.hub.stats().retransmissions, 4);
    assert_eq!(p.hub.poll_timeout(), None);
}

#[test]
fn jitter_comes_from_the_callers_rng() {
    let timeouts = |seed: u64| {
        let mut p = pair(SenderConfig::default());
        p.rng = ChaCha8Rng::seed_from_u64(seed);
        p.send(b"x");
        let _ = p.hub_out(Instant::ZERO);
        p.hub.poll_timeout().unwrap()
    };
    assert_eq!(timeouts(1), timeouts(1));
    assert_ne!(timeouts(1), timeouts(2));
}

#[test]
fn non_confirmable_is_sent_once_and_never_acknowledged() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    let opts = SendOptions::non_confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu));
    p.hub
        .send(
            &RustCrypto,
            &mut p.hub_store,
            &mut p.rng,
            &opts,
            b"status",
            None,
        )
        .unwrap();
    let mut out = p.hub_out(now);
    assert_eq!(out.len(), 1);
    assert_eq!(p.hub.poll_timeout(), None);
    assert_eq!(p.hub.poll_event(), None);
    let r = p.he.handle_input(now, &RustCrypto, &mut out[0]).unwrap();
    assert!(matches!(r, Received::Delivered(d) if !d.header.ack_requested));
    assert!(
        p.he_out(now).is_empty(),
        "no ACK for a non-confirmable message"
    );
}

#[test]
fn send_errors() {
    let mut p = pair(SenderConfig {
        window: 2,
        ..SenderConfig::default()
    });
    p.send(b"a");
    p.send(b"b");
    let err = p.hub.send(
        &RustCrypto,
        &mut p.hub_store,
        &mut p.rng,
        &report(),
        b"c",
        None,
    );
    assert_eq!(err, Err(SendError::WindowFull { in_flight: 2 }));
    let big = [0u8; 300];
    let nc = SendOptions::non_confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu));
    let err = p
        .hub
        .send(&RustCrypto, &mut p.hub_store, &mut p.rng, &nc, &big, None);
    assert_eq!(
        err,
        Err(SendError::TooLarge {
            len: 300 + 28,
            capacity: 256
        })
    );
    // Eight slots: fill the rest with non-confirmable messages.
    for _ in 0..6 {
        p.hub
            .send(&RustCrypto, &mut p.hub_store, &mut p.rng, &nc, b"n", None)
            .unwrap();
    }
    let err = p
        .hub
        .send(&RustCrypto, &mut p.hub_store, &mut p.rng, &nc, b"n", None);
    assert_eq!(err, Err(SendError::QueueFull));
    // A signed mode without a key is the protection layer's error.
    let mut q = pair(SenderConfig::default());
    let signed = SendOptions {
        protection: Protection::Signed,
        ..report()
    };
    let err = q.hub.send(
        &RustCrypto,
        &mut q.hub_store,
        &mut q.rng,
        &signed,
        b"x",
        None,
    );
    assert!(matches!(err, Err(SendError::Protect(_))));
    // Time requests: one at a time.
    q.hub.request_time(&mut q.rng).unwrap();
    assert_eq!(
        q.hub.request_time(&mut q.rng),
        Err(SendError::TimeRequestPending)
    );
    // A datagram of another sender is not taken back after a restart.
    let mut he_side = Sender::<P>::new(he_ctx(0), SenderConfig::default());
    let mut other = pair(SenderConfig::default());
    other.send(b"x");
    let d = other.hub_out(Instant::ZERO).remove(0);
    assert!(matches!(
        he_side.resume_in_flight(&mut q.rng, &d),
        Err(SendError::NotOurs(_))
    ));
    assert!(matches!(
        he_side.resume_in_flight(&mut q.rng, &d[..5]),
        Err(SendError::NotOurs(DecodeError::Truncated { .. }))
    ));
}

/// A control datagram protected by `ctx` (for negative tests).
fn control(ctx: &mut PeerContext<P>, t: MessageType, body: &[u8]) -> Vec<u8> {
    let mut buf = [0u8; 1232];
    let msg = Outgoing {
        message_type: t,
        protection: Protection::Aead,
        descriptor: None,
        ack_requested: false,
        payload: body,
    };
    let n = ctx
        .protect(
            &RustCrypto,
            &mut VolatileStore { mark: 500 },
            &msg,
            None,
            &mut buf,
        )
        .unwrap();
    buf[..n].to_vec()
}

#[test]
fn input_errors_at_the_sender() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    let mut he = he_ctx(1000);
    // Not authentic.
    let mut junk = vec![0u8; 40];
    assert!(matches!(
        p.hub.handle_input(now, &RustCrypto, &mut junk),
        Err(InputError::Unprotect(UnprotectError::Decode(_)))
    ));
    // Malformed ACK body.
    let mut d = control(&mut he, ACK, &[0u8; 15]);
    assert_eq!(
        p.hub.handle_input(now, &RustCrypto, &mut d),
        Err(InputError::Body {
            message_type: 0x10,
            error: DecodeError::Truncated {
                offset: 15,
                needed: 16
            }
        })
    );
    // DATA is not for the sender machine.
    let mut d = control(&mut he, MessageType::Unknown(0x40), b"");
    assert_eq!(
        p.hub.handle_input(now, &RustCrypto, &mut d),
        Err(InputError::UnexpectedType(0x40))
    );
    // A replayed ACK is refused by the window.
    let mut ack = [0u8; 16];
    Ack::of(0).encode(&mut ack).unwrap();
    let d = control(&mut he, ACK, &ack);
    p.hub
        .handle_input(now, &RustCrypto, &mut d.clone())
        .unwrap();
    assert!(matches!(
        p.hub.handle_input(now, &RustCrypto, &mut d.clone()),
        Err(InputError::Unprotect(UnprotectError::Replay(
            ReplayError::Duplicate { .. }
        )))
    ));
    assert_eq!(p.hub.stats().rejected, 4);
}

#[test]
fn input_errors_at_the_receiver() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    let mut hub = hub_ctx(1000);
    let mut d = control(&mut hub, ACK, &[0u8; 16]);
    assert_eq!(
        p.he.handle_input(now, &RustCrypto, &mut d),
        Err(InputError::UnexpectedType(0x10))
    );
    let mut d = control(&mut hub, ECHO_RESPONSE, &[0u8; 9]);
    assert_eq!(
        p.he.handle_input(now, &RustCrypto, &mut d),
        Err(InputError::StaleEcho),
        "no challenge outstanding"
    );
    let mut d = control(
        &mut hub,
        dual_protocol_digital_envelope::reliability::TIME_REQUEST,
        &[0u8; 7],
    );
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut d),
        Err(InputError::Body {
            message_type: 0x13,
            ..
        })
    ));
    // Time requests beyond the queue (4) are refused, not stored.
    for k in 0..5u8 {
        let mut d = control(
            &mut hub,
            dual_protocol_digital_envelope::reliability::TIME_REQUEST,
            &[k; 8],
        );
        let r = p.he.handle_input(now, &RustCrypto, &mut d);
        if k < 4 {
            assert!(matches!(r, Ok(Received::Control { .. })));
        } else {
            assert_eq!(r, Err(InputError::QueueFull));
        }
    }
    let mut n = 0;
    while let Some(ReceiverEvent::TimeRequested(req)) = p.he.poll_event() {
        p.he.respond_time(&req, 1_700_000_000_000).unwrap();
        n += 1;
    }
    assert_eq!(n, 4);
    let extra = dual_protocol_digital_envelope::reliability::receiver::TimeRequestEvent {
        request: 0,
        nonce: [0; 8],
    };
    assert_eq!(
        p.he.respond_time(&extra, 0),
        Err(InputError::QueueFull),
        "four responses already queued"
    );
    assert_eq!(p.he_out(now).len(), 4);
    assert_eq!(p.he.poll_timeout(), None);
}

#[test]
fn echo_challenge_floor_moves_the_senders_counter_up() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    let mut he = he_ctx(0);
    let mut body = [0u8; 16];
    EchoChallenge {
        echo: [9; 8],
        floor: 5000,
    }
    .encode(&mut body)
    .unwrap();
    let mut d = control(&mut he, ECHO_CHALLENGE, &body);
    p.hub.handle_input(now, &RustCrypto, &mut d).unwrap();
    let out = p.hub_out(now);
    assert_eq!(out.len(), 1);
    assert_eq!(kind(&out[0]), ECHO_RESPONSE);
    assert_eq!(counter_of(&Envelope::decode(&out[0]).unwrap().header), 5000);
    assert_eq!(p.hub.stats().challenges, 1);
}

/// The head end restarts from its persisted state: it challenges, the hub
/// answers, and it accepts no replay of anything before the restart while
/// the hub's pending reports still arrive exactly once.
#[test]
fn head_end_restart_resynchronises_and_accepts_no_replay() {
    let mut p = pair(SenderConfig::default());
    let mut now = Instant::from_secs(1);
    p.send(b"report 0");
    let d0 = p.hub_out(now).remove(0);
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut d0.clone())
            .unwrap(),
        Received::Delivered(_)
    ));
    let persisted = p.he.state();
    let acks_lost = p.he_out(now);
    assert_eq!(acks_lost.len(), 1);
    // After the snapshot: a time request is accepted (not persisted), and
    // report 1 is sent but lost.
    p.hub.request_time(&mut p.rng).unwrap();
    p.send(b"report 1");
    let out = p.hub_out(now);
    let time_req = out
        .iter()
        .find(|d| kind(d) == dual_protocol_digital_envelope::reliability::TIME_REQUEST)
        .unwrap()
        .clone();
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut time_req.clone()),
        Ok(Received::Control { .. })
    ));

    // Restart.
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    p.he = Receiver::restore(
        &RustCrypto,
        he_ctx(p.he_store.mark),
        Some(&persisted),
        ReceiverConfig::default(),
        &mut rng,
    )
    .unwrap();
    assert!(!p.he.is_synchronised());
    // Replays: the delivered report is a duplicate (acknowledged again, not
    // delivered); the time request, accepted after the snapshot, only
    // draws a challenge.
    assert_eq!(
        p.he.handle_input(now, &RustCrypto, &mut d0.clone())
            .unwrap(),
        Received::Duplicate {
            counter: 0,
            reacknowledged: true
        }
    );
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut time_req.clone()),
        Ok(Received::Challenged { .. })
    ));
    assert!(
        p.he.poll_event().is_none(),
        "the replayed request is not used"
    );
    let out = p.he_out(now);
    assert_eq!(out.len(), 2, "challenge and the re-sent ACK");
    assert_eq!(kind(&out[0]), ECHO_CHALLENGE);
    for mut d in out {
        p.hub.handle_input(now, &RustCrypto, &mut d).unwrap();
    }
    assert!(matches!(
        p.hub_events()[..],
        [SenderEvent::Acknowledged { .. }]
    ));
    // The hub answers and re-sends report 1 at once.
    now += Duration::from_millis(300);
    let out = p.hub_out(now);
    assert_eq!(kind(&out[0]), ECHO_RESPONSE);
    let mut got = Vec::new();
    for mut d in out {
        got.push(format!(
            "{:?}",
            p.he.handle_input(now, &RustCrypto, &mut d)
                .map(|r| match r {
                    Received::Delivered(d) => String::from_utf8_lossy(d.payload).into_owned(),
                    other => format!("{other:?}"),
                })
        ));
    }
    assert!(got[0].contains("Resynchronised"), "{got:?}");
    assert_eq!(got[1], "Ok(\"report 1\")");
    assert!(p.he.is_synchronised());
    assert_eq!(p.he.poll_event(), Some(ReceiverEvent::Resynchronised));
    // Every replay of what came before is now refused.
    for d in [&d0, &time_req] {
        let mut copy = d.clone();
        let r = p.he.handle_input(now, &RustCrypto, &mut copy);
        assert!(
            matches!(
                r,
                Ok(Received::Duplicate { .. })
                    | Err(InputError::Unprotect(UnprotectError::Replay(_)))
            ),
            "{r:?}"
        );
    }
}

/// The hub restarts: its counter resumes above the persisted mark, its
/// in-flight reports are re-sent unchanged and delivered once.
#[test]
fn hub_restart_never_reuses_a_counter_and_keeps_its_reports() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    p.send(b"kept");
    let first = p.hub_out(now).remove(0);
    let mut delivered = first.clone();
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut delivered).unwrap(),
        Received::Delivered(_)
    ));
    let flash: Vec<Vec<u8>> = p.hub.in_flight().map(|(_, d)| d.to_vec()).collect();
    assert_eq!(flash, vec![first.clone()]);
    // Power loss; the ACK is lost too.
    let _ = p.he_out(now);
    p.hub = Sender::new(hub_ctx(p.hub_store.mark), SenderConfig::default());
    let id = p.hub.resume_in_flight(&mut p.rng, &flash[0]).unwrap();
    let again = p.hub_out(now).remove(0);
    assert_eq!(again, first, "re-sent unchanged");
    assert_eq!(
        p.he.handle_input(now, &RustCrypto, &mut again.clone())
            .unwrap(),
        Received::Duplicate {
            counter: id.0,
            reacknowledged: true
        }
    );
    let next = p.send(b"new");
    assert!(next.0 >= 1024, "resumed at the persisted mark: {next:?}");
    for mut d in p.he_out(now) {
        p.hub.handle_input(now, &RustCrypto, &mut d).unwrap();
    }
    assert!(matches!(
        p.hub_events()[..],
        [SenderEvent::Acknowledged { id: got, .. }] if got == id
    ));
}

/// A receiver that lost its state entirely (`None`) accepts no datagram
/// of before, and gets the sender's pending reports once.
#[test]
fn receiver_without_state_resynchronises() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    p.send(b"old");
    let old = p.hub_out(now).remove(0);
    p.he.handle_input(now, &RustCrypto, &mut old.clone())
        .unwrap();
    for mut d in p.he_out(now) {
        p.hub.handle_input(now, &RustCrypto, &mut d).unwrap();
    }
    assert_eq!(p.hub_events().len(), 1, "old acknowledged");
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    p.he = Receiver::restore(
        &RustCrypto,
        he_ctx(p.he_store.mark),
        None,
        ReceiverConfig::default(),
        &mut rng,
    )
    .unwrap();
    p.send(b"pending");
    let pending = p.hub_out(now).remove(0);
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut old.clone()),
        Ok(Received::Challenged { .. })
    ));
    // Within the challenge interval: no second challenge.
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut pending.clone()),
        Ok(Received::Challenged { .. })
    ));
    let out = p.he_out(now);
    assert_eq!(out.len(), 1);
    for mut d in out {
        p.hub.handle_input(now, &RustCrypto, &mut d).unwrap();
    }
    let mut delivered = Vec::new();
    for mut d in p.hub_out(now) {
        if let Ok(Received::Delivered(del)) = p.he.handle_input(now, &RustCrypto, &mut d) {
            delivered.push(del.payload.to_vec());
        }
    }
    assert_eq!(delivered, vec![b"pending".to_vec()]);
    assert!(p.he.is_synchronised());
    // The old report is below the new window: refused, never delivered.
    assert!(!matches!(
        p.he.handle_input(now, &RustCrypto, &mut old.clone()),
        Ok(Received::Delivered(_))
    ));
    assert!(!matches!(
        p.he.handle_input(now, &RustCrypto, &mut pending.clone()),
        Ok(Received::Delivered(_))
    ));
}

#[test]
fn time_request_draws_no_answer_before_resync() {
    let mut p = pair(SenderConfig::default());
    let now = Instant::from_secs(1);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    p.he = Receiver::restore(
        &RustCrypto,
        he_ctx(0),
        None,
        ReceiverConfig::default(),
        &mut rng,
    )
    .unwrap();
    let mut hub = hub_ctx(100);
    let mut body = [0u8; 8];
    TimeRequest { nonce: [1; 8] }.encode(&mut body).unwrap();
    let mut d = control(
        &mut hub,
        dual_protocol_digital_envelope::reliability::TIME_REQUEST,
        &body,
    );
    assert!(matches!(
        p.he.handle_input(now, &RustCrypto, &mut d),
        Ok(Received::Challenged { .. })
    ));
    assert_eq!(p.he.poll_event(), None);
    // A wrong echo does not synchronise.
    let mut d = control(&mut hub, ECHO_RESPONSE, &[0u8; 9]);
    assert_eq!(
        p.he.handle_input(now, &RustCrypto, &mut d),
        Err(InputError::StaleEcho)
    );
    assert!(!p.he.is_synchronised());
}
