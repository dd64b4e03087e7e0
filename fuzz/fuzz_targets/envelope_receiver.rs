//! Arbitrary datagrams into the reliability layer's receiver (docs 10), in
//! both of its states (synchronised, and restored after a restart): never a
//! panic, never a delivery or an accepted control message from bytes that
//! were not protected with the pair's key, and whatever it queues protects
//! into a datagram. Then a genuine report carrying the input is delivered
//! exactly once, and its duplicate is acknowledged again, not delivered.
#![no_main]

use dual_protocol_digital_envelope::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_digital_envelope::reliability::{
    Received, Receiver, ReceiverConfig, SendOptions, Sender, SenderConfig,
};
use dual_protocol_digital_envelope::{PeerConfig, PeerContext};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::time::Instant;
use libfuzzer_sys::fuzz_target;

const HUB: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0xab, 0xcd, 0xef]);
const HEAD_END: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01]);

/// A deterministic RNG (splitmix64): fuzzing needs reproducible runs.
struct Rng(u64);
impl TryRng for Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
impl TryCryptoRng for Rng {}

fn ctx(local: Eui64, peer: Eui64) -> PeerContext<RustCrypto> {
    let z = SecretBytes::new([0x42; 32]);
    PeerContext::new(&RustCrypto, local, peer, &z, PeerConfig::default()).unwrap()
}

fn drain(r: &mut Receiver<RustCrypto>, store: &mut VolatileStore) {
    let mut buf = [0u8; 1232];
    while let Ok(Some(n)) = r.poll_transmit(Instant::ZERO, &RustCrypto, store, &mut buf) {
        assert!(n <= buf.len());
    }
    while r.poll_event().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    let p = RustCrypto;
    let mut rng = Rng(u64::from(data.first().copied().unwrap_or(0)));
    let mut store = VolatileStore::default();
    let mut fresh = Receiver::new(ctx(HEAD_END, HUB), ReceiverConfig::default());
    let mut restored = Receiver::restore(
        &p,
        ctx(HEAD_END, HUB),
        None,
        ReceiverConfig::default(),
        &mut rng,
    )
    .unwrap();
    for r in [&mut fresh, &mut restored] {
        // The input as one datagram, and as a sequence of length-prefixed ones.
        let mut whole = data.to_vec();
        let got = r.handle_input(Instant::ZERO, &p, &mut whole);
        assert!(!matches!(
            got,
            Ok(Received::Delivered(_) | Received::Control { .. } | Received::Resynchronised { .. })
        ));
        let mut rest = data;
        while let Some((&len, tail)) = rest.split_first() {
            let (d, next) = tail.split_at(usize::from(len).min(tail.len()));
            let mut d = d.to_vec();
            let got = r.handle_input(Instant::from_millis(u64::from(len)), &p, &mut d);
            assert!(!matches!(
                got,
                Ok(Received::Delivered(_)
                    | Received::Control { .. }
                    | Received::Resynchronised { .. })
            ));
            rest = next;
        }
        drain(r, &mut store);
    }

    // A genuine report carrying the input: delivered once.
    let mut hub: Sender<RustCrypto> = Sender::new(ctx(HUB, HEAD_END), SenderConfig::default());
    let mut hub_store = VolatileStore::default();
    let payload = data.get(..data.len().min(200)).unwrap_or_default();
    let opts = SendOptions::confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu));
    hub.send(&p, &mut hub_store, &mut rng, &opts, payload, None)
        .unwrap();
    let mut buf = [0u8; 1232];
    let n = hub
        .poll_transmit(Instant::ZERO, &p, &mut hub_store, &mut buf)
        .unwrap()
        .unwrap();
    let datagram = buf[..n].to_vec();
    let mut d = datagram.clone();
    match fresh.handle_input(Instant::ZERO, &p, &mut d) {
        Ok(Received::Delivered(del)) => assert_eq!(del.payload, payload),
        other => panic!("{other:?}"),
    }
    let mut d = datagram.clone();
    assert!(matches!(
        fresh.handle_input(Instant::ZERO, &p, &mut d),
        Ok(Received::Duplicate {
            reacknowledged: true,
            ..
        })
    ));
    let mut d = datagram;
    assert!(matches!(
        restored.handle_input(Instant::ZERO, &p, &mut d),
        Ok(Received::Challenged { .. })
    ));
});
