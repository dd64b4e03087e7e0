//! Arbitrary bytes into the payload descriptor decoder: never a panic, and
//! whatever decodes re-encodes to the same bytes.
#![no_main]

use dual_protocol_primitives::PayloadDescriptor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((d, n)) = PayloadDescriptor::decode(data) {
        let mut out = [0u8; 16];
        let m = d.encode(&mut out).expect("a decoded descriptor encodes");
        assert_eq!(&out[..m], &data[..n]);
    }
});
