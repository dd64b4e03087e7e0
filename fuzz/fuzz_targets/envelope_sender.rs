//! Arbitrary ACKs, echo challenges, time responses, raw datagrams and timer
//! events into the reliability layer's sender (docs 10): never a panic;
//! the window is never exceeded; every acknowledged or given-up message is
//! one that was sent, reported once; no counter is ever used for two
//! different datagrams.
#![no_main]

use std::collections::{HashMap, HashSet};

use dual_protocol_digital_envelope::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_digital_envelope::reliability::{
    ACK, ECHO_CHALLENGE, SendOptions, Sender, SenderConfig, SenderEvent, TIME_RESPONSE, counter_of,
};
use dual_protocol_digital_envelope::{
    Envelope, MessageType, Outgoing, PeerConfig, PeerContext, Protection,
};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::time::{Duration, Instant};
use libfuzzer_sys::fuzz_target;

const HUB: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0xab, 0xcd, 0xef]);
const HEAD_END: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01]);

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

fuzz_target!(|data: &[u8]| {
    let p = RustCrypto;
    let mut rng = Rng(7);
    let config = SenderConfig {
        window: 4,
        ..SenderConfig::default()
    };
    let mut hub: Sender<RustCrypto, 6, 128> = Sender::new(ctx(HUB, HEAD_END), config);
    let mut head_end = ctx(HEAD_END, HUB);
    let mut hub_store = VolatileStore::default();
    let mut he_store = VolatileStore::default();
    let opts = SendOptions::confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu));
    let mut now = Instant::ZERO;
    let mut sent: HashSet<u64> = HashSet::new();
    let mut finished: HashSet<u64> = HashSet::new();
    let mut used: HashMap<u64, Vec<u8>> = HashMap::new();
    let mut buf = [0u8; 1232];
    let mut ops = data;
    while let Some((&op, rest)) = ops.split_first() {
        let take = usize::from(op >> 3);
        let (arg, next) = rest.split_at(take.min(rest.len()));
        ops = next;
        let genuine =
            |he: &mut PeerContext<RustCrypto>, store: &mut VolatileStore, t: MessageType| {
                let mut out = [0u8; 1232];
                let n = he
                    .protect(
                        &RustCrypto,
                        store,
                        &Outgoing {
                            message_type: t,
                            protection: Protection::Aead,
                            descriptor: None,
                            ack_requested: false,
                            payload: arg,
                        },
                        None,
                        &mut out,
                    )
                    .unwrap();
                out[..n].to_vec()
            };
        match op & 7 {
            0 => {
                if let Ok(id) = hub.send(&p, &mut hub_store, &mut rng, &opts, arg, None) {
                    assert!(sent.insert(id.0));
                }
            }
            1 => {
                let ms = arg.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b)) % 200_000;
                now += Duration::from_millis(ms);
                hub.handle_timeout(now, &mut rng);
            }
            2 => {
                let mut d = genuine(&mut head_end, &mut he_store, ACK);
                let _ = hub.handle_input(now, &p, &mut d);
            }
            3 => {
                let mut d = genuine(&mut head_end, &mut he_store, ECHO_CHALLENGE);
                let _ = hub.handle_input(now, &p, &mut d);
            }
            4 => {
                let mut d = genuine(&mut head_end, &mut he_store, TIME_RESPONSE);
                let _ = hub.handle_input(now, &p, &mut d);
            }
            5 => {
                let _ = hub.request_time(&mut rng);
            }
            6 => {
                let mut d = arg.to_vec();
                let _ = hub.handle_input(now, &p, &mut d);
            }
            _ => {
                if let Some(t) = hub.poll_timeout() {
                    now = now.max(t);
                    hub.handle_timeout(now, &mut rng);
                }
            }
        }
        while let Ok(Some(n)) = hub.poll_transmit(now, &p, &mut hub_store, &mut buf) {
            let c = counter_of(&Envelope::decode(&buf[..n]).unwrap().header);
            if let Some(old) = used.insert(c, buf[..n].to_vec()) {
                assert_eq!(old, buf[..n], "counter {c} used for two datagrams");
            }
        }
        while let Some(e) = hub.poll_event() {
            match e {
                SenderEvent::Acknowledged { id, .. } | SenderEvent::GaveUp { id } => {
                    assert!(sent.contains(&id.0), "unknown message {id:?}");
                    assert!(finished.insert(id.0), "reported twice {id:?}");
                }
                _ => {}
            }
        }
        assert!(hub.in_flight_count() <= 4);
    }
});
