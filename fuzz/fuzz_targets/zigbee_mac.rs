//! Arbitrary bytes into the IEEE 802.15.4 MAC decoder (with and without an
//! FCS, chosen by the first byte), then down the stack as `dualp` does:
//! never a panic, and every frame that decodes re-encodes to the same bytes.
#![no_main]

use dual_protocol_zigbee_nwk::mac::{MacBody, MacContext, MacFrame};
use dual_protocol_zigbee_nwk::nwk::{BeaconPayload, NwkPdu};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let ctx = MacContext { fcs: sel & 1 == 1 };
    if let Ok(f) = MacFrame::decode_with(bytes, &ctx) {
        let mut out = vec![0u8; bytes.len()];
        let n = f
            .encode_with(&mut out, &ctx)
            .expect("a decoded frame re-encodes");
        assert_eq!(&out[..n], bytes);
        if let MacBody::Beacon(b) = f.body {
            let _ = BeaconPayload::decode(b.payload);
        }
        if let Some(p) = f.data_payload() {
            let _ = NwkPdu::decode(p);
        }
    }
});
