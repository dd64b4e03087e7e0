//! Arbitrary bytes into the envelope decoder (docs 8.1 steps 1 to 3) and
//! the key-update body decoders: never a panic, and whatever decodes
//! re-encodes to the same bytes.
#![no_main]

use dual_protocol_digital_envelope::{Envelope, KeyUpdate, KeyUpdateAck};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Envelope::decode(data) {
        let mut out = vec![0u8; e.encoded_len()];
        let n = e.encode(&mut out).expect("re-encode");
        assert_eq!(&out[..n], data);
    }
    let mut out = [0u8; 101];
    if let Ok(u) = KeyUpdate::decode(data) {
        let n = u.encode(&mut out).expect("re-encode");
        assert_eq!(&out[..n], data);
    }
    if let Ok(a) = KeyUpdateAck::decode(data) {
        let n = a.encode(&mut out).expect("re-encode");
        assert_eq!(&out[..n], data);
    }
});
