//! Arbitrary APDUs into the DLMS association server (`association::Server`),
//! before any association and after a valid one (plain, LLS, and suite-0
//! ciphered with HLS-GMAC): nothing panics, every output fits the buffer.
#![no_main]

use dual_protocol_primitives::time::{Duration, Instant};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mode = Mode::from(sel);
    let keys = Keys::new();
    let mut rng = Counter(u64::from(sel));
    let mut buf = vec![0u8; N];
    // 1. A fresh server, no association.
    // 2. A server with an association established by our client.
    for associated in [false, true] {
        let (mut c, mut s) = pair(&keys, mode);
        let mut now = Instant::from_millis(1);
        if associated {
            associate(&mut c, &mut s, &mut rng);
            // A GET whose answer needs blocks: the server holds a transfer.
            if c.get(now, CLOCK, None).is_ok() {
                while let Some(n) = c.poll_transmit(now, &mut buf) {
                    s.handle_input(now, &mut rng, &buf[..n]);
                }
                while s.poll_transmit(now, &mut buf).is_some() {}
            }
        }
        for apdu in chunks(rest) {
            now += Duration::from_millis(7);
            s.handle_input(now, &mut rng, apdu);
            while let Some(n) = s.poll_transmit(now, &mut buf) {
                assert!(n <= buf.len());
                // The server's answers go to our client too.
                c.handle_input(now, &buf[..n]);
            }
            while s.poll_event().is_some() {}
            while c.poll_event().is_some() {}
            while c.poll_transmit(now, &mut buf).is_some() {}
            if s.poll_timeout().is_some_and(|t| t <= now) {
                s.handle_timeout(now);
            }
        }
    }
});

#[path = "../common/dlms_association.rs"]
mod setup;
use setup::*;
