//! Arbitrary bytes into the ZDO decoder; the first two bytes pick the
//! cluster (requests and responses alike): never a panic and exact
//! re-encoding.
#![no_main]

use dual_protocol_zigbee_nwk::zdo::ZdoFrame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else { return };
    // Fold the cluster onto the ids the decoder knows, with the response bit.
    let cluster = u16::from(*a & 0x3f) | (u16::from(*b & 0x80) << 8);
    if let Ok(z) = ZdoFrame::decode_with(rest, cluster) {
        let mut out = vec![0u8; rest.len()];
        let n = z.encode(&mut out).expect("a decoded message re-encodes");
        assert_eq!(&out[..n], rest);
    }
});
