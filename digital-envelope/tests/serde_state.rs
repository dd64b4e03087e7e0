//! The head end's per-hub receiver state is bounded and serde-serialisable
//! (docs 10.4): a JSON round trip gives the same state, and a receiver
//! restored from it refuses what the original had received.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_digital_envelope::reliability::{
    Received, Receiver, ReceiverConfig, ReceiverState, SendOptions, Sender, SenderConfig,
};
use dual_protocol_digital_envelope::{PeerConfig, PeerContext};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::time::Instant;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

const HUB: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0xab, 0xcd, 0xef]);
const HEAD_END: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01]);

fn ctx<const W: usize>(local: Eui64, peer: Eui64) -> PeerContext<RustCrypto, W> {
    let z = SecretBytes::new([0x42; 32]);
    PeerContext::new(&RustCrypto, local, peer, &z, PeerConfig::default()).unwrap()
}

#[test]
fn receiver_state_round_trips_through_json_and_restores() {
    let p = RustCrypto;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut hub: Sender<RustCrypto> = Sender::new(ctx(HUB, HEAD_END), SenderConfig::default());
    let mut he: Receiver<RustCrypto, 8> =
        Receiver::new(ctx(HEAD_END, HUB), ReceiverConfig::default());
    let mut store = VolatileStore::default();
    let opts = SendOptions::confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu));
    let mut sent = Vec::new();
    let mut buf = [0u8; 1232];
    for i in 0..8u8 {
        hub.send(&p, &mut store, &mut rng, &opts, &[i; 20], None)
            .unwrap();
    }
    while let Some(n) = hub
        .poll_transmit(Instant::ZERO, &p, &mut store, &mut buf)
        .unwrap()
    {
        sent.push(buf[..n].to_vec());
    }
    // Deliver all but the third.
    for (k, d) in sent.iter().enumerate() {
        if k != 2 {
            let mut copy = d.clone();
            let r = he.handle_input(Instant::ZERO, &p, &mut copy).unwrap();
            assert!(matches!(r, Received::Delivered(_)));
        }
    }
    let state = he.state();
    let json = serde_json::to_string(&state).unwrap();
    let back: ReceiverState<8> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, state);
    // Bounded: a fixed number of windows, words and cache entries, so the
    // JSON of a full state stays small.
    assert!(json.len() < 1500, "{} bytes", json.len());

    let mut restored = Receiver::restore(
        &p,
        ctx(HEAD_END, HUB),
        Some(&back),
        ReceiverConfig::default(),
        &mut rng,
    )
    .unwrap();
    assert_eq!(restored.state(), state);
    // What was delivered is a duplicate (and acknowledged again).
    assert_eq!(
        restored
            .handle_input(Instant::ZERO, &p, &mut sent[0].clone())
            .unwrap(),
        Received::Duplicate {
            counter: 0,
            reacknowledged: true
        }
    );
    // What was not is only challenged until the sender answers.
    assert!(matches!(
        restored
            .handle_input(Instant::ZERO, &p, &mut sent[2].clone())
            .unwrap(),
        Received::Challenged { counter: 2 }
    ));
}
