//! `digital-envelope`: the Digital Envelope's no-heap API with the RustCrypto
//! provider: decode a datagram, build a pairwise context (KDF, CCM key),
//! unprotect a copy of the input in place, protect a 40-byte report into a
//! stack buffer with a persisted counter, and decode a compact certificate.
//! `unprotect` also links the signed modes' SHA-256 and P-256 verification.
//! A step of the reliability layer's sender (docs 10): send a confirmable
//! report, transmit it, take the input as a datagram from the head end
//! (an ACK, say), report events, run the timer.

use dual_protocol_digital_envelope::certificate::Certificate;
use dual_protocol_digital_envelope::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_digital_envelope::reliability::{SendOptions, Sender, SenderConfig};
use dual_protocol_digital_envelope::{Envelope, Outgoing, PeerConfig, PeerContext, Protection};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::SecretBytes;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};
use dual_protocol_primitives::time::{Duration, Instant};

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
    acc ^ probe_sender(input)
}

/// A stand-in RNG (a counter; a size probe, not a secure RNG): a hub passes
/// its hardware TRNG here.
struct ProbeRng(u64);

impl TryRng for ProbeRng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.try_next_u64()? as u8;
        }
        Ok(())
    }
}

impl TryCryptoRng for ProbeRng {}

/// One step of the reliability layer's sender on a hub.
pub fn probe_sender(input: &[u8]) -> u32 {
    let p = RustCrypto;
    let hub = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);
    let head_end = Eui64([0x90, 0xb1, 0x1c, 0, 0, 0, 0, 1]);
    let mut z = [0u8; 32];
    for (d, s) in z.iter_mut().zip(input) {
        *d = *s;
    }
    let Ok(ctx) = PeerContext::<RustCrypto>::new(
        &p,
        hub,
        head_end,
        &SecretBytes::new(z),
        PeerConfig::default(),
    ) else {
        return 0;
    };
    let mut sender: Sender<RustCrypto, 4, 128> = Sender::new(ctx, SenderConfig::default());
    let mut rng = ProbeRng(u64::from(input.first().copied().unwrap_or(0)));
    let mut store = VolatileStore::default();
    let opts = SendOptions::confirmable(PayloadDescriptor::hub(PayloadKind::DlmsApdu));
    let mut acc = 0u32;
    if let Ok(id) = sender.send(
        &p,
        &mut store,
        &mut rng,
        &opts,
        input.get(..40).unwrap_or_default(),
        None,
    ) {
        acc ^= id.0 as u32;
    }
    let now = Instant::from_secs(1);
    let mut buf = [0u8; 128];
    while let Ok(Some(n)) = sender.poll_transmit(now, &p, &mut store, &mut buf) {
        acc ^= n as u32;
    }
    let mut datagram = [0u8; 128];
    let n = input.len().min(datagram.len());
    if let (Some(dst), Some(src)) = (datagram.get_mut(..n), input.get(..n)) {
        dst.copy_from_slice(src);
        if sender.handle_input(now, &p, dst).is_ok() {
            acc ^= 1;
        }
    }
    while sender.poll_event().is_some() {
        acc = acc.rotate_left(1);
    }
    let later = sender.poll_timeout().unwrap_or(now) + Duration::from_secs(1);
    sender.handle_timeout(later, &mut rng);
    while let Ok(Some(n)) = sender.poll_transmit(later, &p, &mut store, &mut buf) {
        acc ^= n as u32;
    }
    acc ^ sender.in_flight_count() as u32
}
