//! OTA image integrity code (AES-MMO, tag 0x0003) checked through the
//! storage trait: a 64 KiB image built here, every corruption detected.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::ota::integrity::{
    IntegrityError, append_integrity_code, find_integrity_code, verify_integrity,
};

/// A 64 KiB upgrade image with a 56-octet header (§11.4.2 layout) and the
/// integrity code last.
fn image(body_len: usize) -> Vec<u8> {
    let total = 56 + 6 + body_len + 6 + 16;
    let mut f = vec![
        0x1e, 0xf1, 0xee, 0x0b, 0x00, 0x01, 0x38, 0x00, 0x00, 0x00, 0x34, 0x12, 0x78, 0x56, 0x04,
        0x03, 0x02, 0x01, 0x02, 0x00,
    ];
    f.extend(*b"DualP integrity test\0\0\0\0\0\0\0\0\0\0\0\0");
    f.extend(u32::try_from(total).unwrap().to_le_bytes());
    f.extend([0, 0]);
    f.extend(u32::try_from(body_len).unwrap().to_le_bytes());
    f.extend((0..body_len).map(|i| (i * 7 % 251) as u8));
    append_integrity_code(&mut f);
    assert_eq!(f.len(), total);
    f
}

#[test]
fn built_image_verifies() {
    let f = image(65536);
    let (at, _) = find_integrity_code(&mut f.as_slice()).unwrap();
    assert_eq!(at as usize, f.len() - 22);
    verify_integrity(&mut f.as_slice()).unwrap();
}

#[test]
fn every_covered_octet_is_checked() {
    let f = image(300);
    for i in 0..f.len() {
        let mut g = f.clone();
        g[i] ^= 0x01;
        let r = verify_integrity(&mut g.as_slice());
        assert!(r.is_err(), "flip at {i} undetected");
    }
}

#[test]
fn missing_bad_length_and_truncated() {
    let f = image(100);
    // Drop the code: fix the total size so the walk ends cleanly.
    let mut g = f[..f.len() - 22].to_vec();
    let total = u32::try_from(g.len()).unwrap().to_le_bytes();
    g[52..56].copy_from_slice(&total);
    assert_eq!(
        verify_integrity(&mut g.as_slice()),
        Err(IntegrityError::Missing)
    );
    // A 15-octet code.
    let mut h = f.clone();
    let n = h.len();
    h[n - 20..n - 16].copy_from_slice(&15u32.to_le_bytes());
    h.pop();
    let total = u32::try_from(h.len()).unwrap().to_le_bytes();
    h[52..56].copy_from_slice(&total);
    assert_eq!(
        verify_integrity(&mut h.as_slice()),
        Err(IntegrityError::BadLength(15))
    );
    // Every truncation is an error, never a panic.
    for cut in 0..f.len() {
        assert!(verify_integrity(&mut &f[..cut]).is_err(), "cut {cut}");
    }
}
