//! Arbitrary bytes as an Inter-PAN frame (with and without FCS), as the
//! secured payloads of the published forms and of the Dual Protocol
//! extension, and opened in place under fixed keys: never a panic; every
//! frame that decodes re-encodes to the input bytes; a failed open leaves
//! the replay window unchanged.
#![no_main]

use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_stub_aps::frame::InterPanFrame;
use dual_protocol_stub_aps::published::{self, PublishedOptions, SecuredPayload};
use dual_protocol_stub_aps::secure::{self, wire::DpPayload};
use dual_protocol_zigbee_nwk::mac::MacContext;
use dual_protocol_zigbee_nwk::security::ZigbeeKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for fcs in [false, true] {
        let ctx = MacContext { fcs };
        if let Ok(f) = InterPanFrame::decode_with(data, &ctx) {
            let mut out = vec![0u8; data.len()];
            if let Ok(n) = f.encode_with(&mut out, &ctx) {
                assert_eq!(&out[..n], data);
            }
            let base = f.layout().payload;
            let _ = SecuredPayload::decode(f.payload, &PublishedOptions::EMBER, base);
            if let Ok(p) = DpPayload::decode(f.payload, base) {
                let mut out = vec![0u8; f.payload.len()];
                let n = p.encode(&mut out).expect("re-encodes");
                assert_eq!(&out[..n], f.payload);
            }
        }
    }
    let key = ZigbeeKey::new(&[0x5a; 16]).expect("16-byte key");
    for opts in [PublishedOptions::EMBER, PublishedOptions::SE_1_4A] {
        let mut buf = data.to_vec();
        let mut w = ReplayWindow::<2>::new();
        if published::open(&mut buf, &key, &opts, &mut w).is_err() {
            assert_eq!(w.highest(), None);
        }
    }
    let mut buf = data.to_vec();
    let mut w = ReplayWindow::<2>::new();
    if secure::open_pairwise(&mut buf, &key, 0, &mut w).is_err() {
        assert_eq!(w.highest(), None);
    }
    let _ = secure::verify_broadcast(data, &[0x5a; 16]);
});
