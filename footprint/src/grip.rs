//! `grip`: frame decode/encode and one hub-session step, heap-free.

use core::convert::Infallible;

use dual_protocol_grip::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_grip::session::{Config, Event, Outgoing, Role, Session};
use dual_protocol_grip::{Frame, Priority};
use dual_protocol_primitives::time::Instant;
use dual_protocol_primitives::{Eui64, PayloadDescriptor, PayloadKind};

/// Session ids come from the head end; a hub only needs a stand-in.
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

/// A small hub session: 512-octet frames, 1 KiB retained, 8 frames, 4 devices.
type Hub = Session<512, 1024, 8, 4, 8>;

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    let mut out = [0u8; 512];
    if let Ok(f) = Frame::decode(input) {
        acc ^= f.encode(&mut out).unwrap_or(0) as u32;
    }
    let mut hub = Hub::new(Config::new(Role::Hub));
    let mut rng = Counter(u64::from(acc));
    let now = Instant::from_millis(u64::from(acc));
    if hub.connect(now, Eui64([1; 8]), &mut rng).is_ok() {
        let d = PayloadDescriptor::device(PayloadKind::DlmsApdu, Eui64([2; 8]));
        let _ = hub.send(
            now,
            Outgoing {
                descriptor: d,
                priority: Priority::High,
                reply_to: None,
                payload: input.get(..8).unwrap_or_default(),
            },
        );
        while let Some(n) = hub.poll_transmit(now, &mut out) {
            acc = acc.wrapping_add(n as u32);
        }
        if let Ok(n) = hub.handle_input(now, input) {
            acc ^= n as u32;
        }
        while let Some(e) = hub.poll_event() {
            if let Event::Message(m) = e {
                acc ^= m.id;
            }
        }
        hub.handle_timeout(now);
        acc ^= hub.poll_timeout().map_or(0, |t| t.as_millis() as u32);
    }
    acc
}
