//! `digital-envelope`: the Digital Envelope's no-heap API with the RustCrypto
//! provider: decode a datagram, build a pairwise context (KDF, CCM key),
//! unprotect a copy of the input in place, protect a 40-byte report into a
//! stack buffer with a persisted counter, and decode a compact certificate.
//! `unprotect` also links the signed modes' SHA-256 and P-256 verification.

use dual_protocol_digital_envelope::certificate::Certificate;
use dual_protocol_digital_envelope::{Envelope, Outgoing, PeerConfig, PeerContext, Protection};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    if let Ok(e) = Envelope::decode(input) {
        acc ^= e.body.len() as u32 ^ e.header.epoch;
    }
    if let Ok(c) = Certificate::decode(input.get(..164).unwrap_or_default()) {
        acc ^= c.tbs.not_after;
    }
    let p = RustCrypto;
    let mut z = [0u8; 32];
    for (d, s) in z.iter_mut().zip(input) {
        *d = *s;
    }
    let hub = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);
    let head_end = Eui64([0x90, 0xb1, 0x1c, 0, 0, 0, 0, 1]);
    let z = SecretBytes::new(z);
    let Ok(mut ctx) = PeerContext::<RustCrypto>::new(&p, hub, head_end, &z, PeerConfig::default())
    else {
        return acc;
    };
    let mut buf = [0u8; 256];
    let n = input.len().min(buf.len());
    if let (Some(dst), Some(src)) = (buf.get_mut(..n), input.get(..n)) {
        dst.copy_from_slice(src);
        if let Ok(o) = ctx.unprotect(&p, dst) {
            acc ^= o.payload.len() as u32;
        }
    }
    let report = input.get(..40).unwrap_or_default();
    let msg = Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        report,
    );
    let mut store = VolatileStore::default();
    if let Ok(n) = ctx.protect(&p, &mut store, &msg, None, &mut buf) {
        acc ^= n as u32 ^ u32::from(buf.get(n.saturating_sub(1)).copied().unwrap_or(0));
    }
    acc
}
