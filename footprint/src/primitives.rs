//! `primitives`: EUI-64, payload descriptor, counter reservation, replay window.

use dual_protocol_primitives::counter::{CounterReservation, CounterStore};
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_primitives::{Eui64, PayloadDescriptor, UtcDateTime};

/// A flash record standing in for EEPROM.
struct Flash(u64);

impl CounterStore for Flash {
    type Error = ();
    fn persist(&mut self, mark: u64) -> Result<(), ()> {
        self.0 = core::hint::black_box(mark);
        Ok(())
    }
}

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    if let Some(e) = Eui64::from_le_slice(input) {
        acc ^= e.to_u64() as u32;
    }
    if let Ok((d, n)) = PayloadDescriptor::decode(input) {
        let mut out = [0u8; 16];
        acc ^= d.encode(&mut out).unwrap_or(0) as u32 ^ n as u32;
    }
    let mut flash = Flash(0);
    let mut counter = CounterReservation::resume(flash.0, 256, u64::from(u32::MAX));
    let mut window = ReplayWindow::<4>::new();
    for &b in input.iter().take(16) {
        if let Ok(c) = counter.next(&mut flash) {
            acc = acc.wrapping_add(c as u32);
        }
        if window.check(u64::from(b)).is_ok() {
            let _ = window.update(u64::from(b));
            acc ^= 1;
        }
    }
    if let Ok(t) = UtcDateTime::from_unix_seconds(i64::from(acc)) {
        acc ^= u32::from(t.day());
    }
    acc
}
