//! Arbitrary bytes into the ZigBee APS decoder (data, command, ack and
//! Inter-PAN frames, every command, tunnelled frames): never a panic and
//! exact re-encoding.
#![no_main]

use dual_protocol_zigbee_nwk::aps::{ApsBody, ApsCommandFrame, ApsFrame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = ApsFrame::decode(data) {
        let mut out = vec![0u8; data.len()];
        let n = f.encode(&mut out).expect("a decoded frame re-encodes");
        assert_eq!(&out[..n], data);
        if let ApsBody::Command(c) = f.body {
            let _ = c.command.tunneled_frame();
        }
    }
    if let Ok(c) = ApsCommandFrame::decode(data) {
        let mut out = vec![0u8; data.len()];
        let n = c.encode(&mut out).expect("a decoded command re-encodes");
        assert_eq!(&out[..n], data);
    }
});
