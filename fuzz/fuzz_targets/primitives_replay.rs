//! Arbitrary counters and authentication outcomes into the replay window,
//! checked against a plain model: never a panic, never a counter accepted
//! twice, never one left of the window.
#![no_main]

use dual_protocol_primitives::replay::ReplayWindow;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;

fuzz_target!(|data: &[u8]| {
    let mut w = ReplayWindow::<3>::new();
    let mut accepted = BTreeSet::new();
    for chunk in data.chunks_exact(9) {
        let seq = u64::from_le_bytes(chunk[1..9].try_into().unwrap());
        let authentic = chunk[0] & 1 == 1;
        let ok = w.check(seq).is_ok();
        if ok && authentic {
            w.update(seq).unwrap();
            assert!(accepted.insert(seq), "counter {seq} accepted twice");
        }
        if let Some(h) = w.highest() {
            assert!(h >= seq || ok);
        }
    }
    for s in accepted {
        assert!(w.check(s).is_err());
    }
});
