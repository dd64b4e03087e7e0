//! The receive path (docs 8.1): arbitrary datagrams into a head end's
//! context for one hub must never panic nor authenticate; a payload the hub
//! protects must come out unchanged exactly once; bit flips of it must be
//! refused.
#![no_main]

use dual_protocol_digital_envelope::{Outgoing, PeerConfig, PeerContext, Protection};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use libfuzzer_sys::fuzz_target;

const HUB: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0xab, 0xcd, 0xef]);
const HEAD_END: Eui64 = Eui64([0x90, 0xb1, 0x1c, 0x00, 0x00, 0x00, 0x00, 0x01]);

fuzz_target!(|data: &[u8]| {
    let p = RustCrypto;
    let z = SecretBytes::new([0x42; 32]);
    let config = PeerConfig {
        integrity_limit: 8,
        ..PeerConfig::default()
    };
    let mut he = PeerContext::<RustCrypto>::new(&p, HEAD_END, HUB, &z, config).unwrap();
    let mut hub = PeerContext::<RustCrypto>::new(&p, HUB, HEAD_END, &z, config).unwrap();

    // Raw bytes: never authentic.
    let mut raw = data.to_vec();
    assert!(he.unprotect(&p, &mut raw).is_err());

    // A genuine datagram carrying the input as payload.
    let payload = data.get(..data.len().min(1200)).unwrap_or_default();
    let msg = Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        payload,
    );
    let mut store = VolatileStore::default();
    let mut buf = [0u8; 1232];
    let n = hub.protect(&p, &mut store, &msg, None, &mut buf).unwrap();
    let datagram = buf[..n].to_vec();
    if let Some(&b) = data.first() {
        let mut flipped = datagram.clone();
        let i = usize::from(b) % flipped.len();
        flipped[i] ^= 1 << (b % 8);
        assert!(he.unprotect(&p, &mut flipped).is_err());
    }
    let mut d = datagram.clone();
    let o = he.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.payload, payload);
    let mut again = datagram;
    assert!(he.unprotect(&p, &mut again).is_err());
});
