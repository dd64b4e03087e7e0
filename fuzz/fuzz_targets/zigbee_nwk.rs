//! Arbitrary bytes into the ZigBee NWK decoder (every frame type, every
//! command): never a panic, exact re-encoding, and a secured layout that
//! stays inside the frame.
#![no_main]

use dual_protocol_zigbee_nwk::nwk::{NwkCommandFrame, NwkPdu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = NwkPdu::decode(data) {
        let mut out = vec![0u8; data.len()];
        let n = p.encode(&mut out).expect("a decoded frame re-encodes");
        assert_eq!(&out[..n], data);
        if let NwkPdu::Frame(f) = p {
            if let Some(l) = f.secured_layout() {
                assert!(l.aad_end <= l.payload.start && l.mic.end == data.len());
            }
        }
    }
    if let Ok(c) = NwkCommandFrame::decode(data) {
        let mut out = vec![0u8; data.len()];
        let n = c.encode(&mut out).expect("a decoded command re-encodes");
        assert_eq!(&out[..n], data);
    }
});
