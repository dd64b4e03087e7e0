//! Arbitrary bytes into the GRIP frame decoder, the streaming deframer and
//! a head-end and a hub session (split at positions taken from the input).
//! Nothing may panic; every decoded frame must re-encode to its bytes.
#![no_main]

use core::convert::Infallible;

use dual_protocol_grip::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_grip::session::{Config, Role, Session};
use dual_protocol_grip::{Deframer, Frame};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
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

type Small = Session<2048, 4096, 16, 8, 16>;

fn drive(s: &mut Small, data: &[u8]) {
    let mut rng = Counter(1);
    let _ = s.connect(Instant::ZERO, Eui64([1; 8]), &mut rng);
    let mut out = [0u8; 2048];
    let mut rest = data;
    let mut now = Instant::ZERO;
    let mut guard = 0;
    while guard < 10_000 {
        guard += 1;
        let step = 1 + usize::from(rest.first().copied().unwrap_or(0) % 64);
        let take = step.min(rest.len());
        let (piece, tail) = rest.split_at(take);
        match s.handle_input(now, piece) {
            Ok(n) => rest = &rest[n.min(piece.len())..],
            Err(_) => break,
        }
        while let Some(_e) = s.poll_event() {}
        while s.poll_transmit(now, &mut out).is_some() {}
        now = now + core::time::Duration::from_millis(10);
        s.handle_timeout(now);
        if rest.is_empty() || (take == 0 && tail.is_empty()) {
            break;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Codec: every frame that decodes re-encodes byte for byte.
    let mut at = 0;
    while let Ok(Some((f, used))) = Frame::decode_prefix(&data[at..], 1 << 20) {
        let mut buf = vec![0u8; f.encoded_len()];
        let n = f.encode(&mut buf).expect("re-encode");
        assert_eq!(&buf[..n], &data[at..at + used]);
        at += used;
    }
    // Deframer with a small maximum.
    let mut d: Deframer<512> = Deframer::new(300);
    let mut rest = data;
    'deframe: loop {
        let n = d.push(rest);
        rest = &rest[n..];
        let mut any = false;
        while let Some(r) = d.next_frame() {
            any = true;
            if r.is_err() {
                break 'deframe;
            }
        }
        if n == 0 && !any {
            break;
        }
    }
    // Both session roles.
    let mut hes = Small::new(Config::new(Role::HeadEnd));
    drive(&mut hes, data);
    let mut hub = Small::new(Config::new(Role::Hub));
    drive(&mut hub, data);
});
