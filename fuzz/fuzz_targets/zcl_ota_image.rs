//! OTA Upgrade image files (zcl-se `ota`): the header parser never panics,
//! a decoded header re-encodes to the octets it was read from, and walking
//! the sub-elements never panics and stays inside the total image size.
#![no_main]

use dual_protocol_zcl_se::ota::{ImageHeader, TAG_HEADER_LEN, Tags};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((h, len)) = ImageHeader::decode(data) else {
        return;
    };
    let mut out = vec![0u8; h.encoded_len()];
    let n = h.encode(&mut out).expect("a decoded header encodes");
    assert_eq!(&out[..n], &data[..len]);
    let total = h.total_image_size as usize;
    for tag in Tags::new(data, &h, len) {
        let Ok(t) = tag else { break };
        assert!(t.offset + TAG_HEADER_LEN + t.data.len() <= total);
    }
});
