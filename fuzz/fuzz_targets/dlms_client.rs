//! Arbitrary APDUs into the DLMS association client (`association::Client`),
//! before any association, while associating, and after a valid association
//! with a request outstanding (plain, LLS, suite-0 ciphered with HLS-GMAC):
//! nothing panics.
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
    for stage in 0..3 {
        let (mut c, mut s) = pair(&keys, mode);
        let mut now = Instant::from_millis(1);
        match stage {
            0 => {}
            1 => {
                let _ = c.associate(now, &mut rng);
                while c.poll_transmit(now, &mut buf).is_some() {}
            }
            _ => {
                associate(&mut c, &mut s, &mut rng);
                let _ = c.get(now, CLOCK, None);
                while c.poll_transmit(now, &mut buf).is_some() {}
            }
        }
        for apdu in chunks(rest) {
            now += Duration::from_millis(700);
            c.handle_input(now, apdu);
            while c.poll_event().is_some() {}
            while c.poll_transmit(now, &mut buf).is_some() {}
            if c.poll_timeout().is_some_and(|t| t <= now) {
                c.handle_timeout(now);
            }
            let _ = c.response_data();
            let _ = c.notification();
        }
    }
});

#[path = "../common/dlms_association.rs"]
mod setup;
use setup::*;
