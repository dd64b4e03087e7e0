//! OTA Upgrade image file format (ZCL rev 6 §11.4): header with and
//! without its optional fields, sub-elements, round trips, and every
//! malformed form (truncation at every byte, wrong identifier, header length
//! shorter than the fields, tags past the total image size).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::Eui64;
use dual_protocol_zcl_se::DecodeError;
use dual_protocol_zcl_se::ota::{
    HeaderFieldControl, ImageHeader, MIN_HEADER_LEN, TagHeader, TagId, Tags,
};
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A file built field by field from the §11.4.2 layout: identifier
/// 0x0beef11e, header version 0x0100, header length 0x0038 (56), field
/// control 0, manufacturer 0x1234, image type 0x5678, file version
/// 0x01020304, stack version 0x0002 (ZigBee PRO), header string "DualP test
/// image" padded with NULs, total size 56 + 6 + 4 + 6 + 16 = 88; then an
/// upgrade image tag of 4 octets and an image integrity code tag of 16.
fn built_file() -> Vec<u8> {
    let mut f = hex("1ef1ee0b00013800000034127856040302010200");
    let mut s = *b"DualP test image\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    s[31] = 0;
    f.extend(s);
    f.extend(88u32.to_le_bytes());
    f.extend(hex("000004000000deadbeef"));
    f.extend(hex("030010000000"));
    f.extend(0u8..16);
    f
}

#[test]
fn built_file_parses() {
    let f = built_file();
    assert_eq!(f.len(), 88);
    let (h, len) = ImageHeader::decode(&f).unwrap();
    assert_eq!(len, MIN_HEADER_LEN);
    assert_eq!(h.header_version, 0x0100);
    assert_eq!(h.field_control, HeaderFieldControl(0));
    assert_eq!(h.manufacturer_code, 0x1234);
    assert_eq!(h.image_type, 0x5678);
    assert_eq!(h.file_version, 0x0102_0304);
    assert_eq!(h.stack_version, 2);
    assert_eq!(h.header_str(), Some("DualP test image"));
    assert_eq!(h.total_image_size, 88);
    assert_eq!(h.security_credential_version, None);
    assert!(h.extra.is_empty());
    // The header alone (as read from storage) decodes the same.
    assert_eq!(ImageHeader::decode(&f[..len]).unwrap().0, h);
    let tags: Vec<_> = Tags::new(&f, &h, len).map(Result::unwrap).collect();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0].id, TagId::UpgradeImage);
    assert_eq!(tags[0].offset, 56);
    assert_eq!(tags[0].data, [0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(tags[1].id, TagId::ImageIntegrityCode);
    assert_eq!(tags[1].data.len(), 16);
    let th = TagHeader::decode(&f[66..72], 66).unwrap();
    assert_eq!(
        th,
        TagHeader {
            id: TagId::ImageIntegrityCode,
            length: 16
        }
    );
    assert_eq!(th.to_bytes(), f[66..72]);
    assert_eq!(tags[1].offset, 66);
    let mut out = vec![0u8; h.encoded_len()];
    assert_eq!(h.encode(&mut out).unwrap(), 56);
    assert_eq!(out, f[..56]);
    assert!(TagId::from(0xf001).is_manufacturer_specific());
    assert!(!TagId::UpgradeImage.is_manufacturer_specific());
}

#[test]
fn optional_fields() {
    let s = [0x41u8; 32];
    let h = ImageHeader {
        header_version: 0x0100,
        field_control: HeaderFieldControl(0x0007),
        manufacturer_code: 0x1002,
        image_type: 0xffc0,
        file_version: 7,
        stack_version: 2,
        header_string: &s,
        total_image_size: 69,
        security_credential_version: Some(1),
        upgrade_file_destination: Some(Eui64([0, 0x0d, 0x6f, 0, 0, 1, 2, 3])),
        hardware_versions: Some((1, 3)),
        extra: &[],
    };
    let mut buf = [0u8; 69];
    assert_eq!(h.encode(&mut buf).unwrap(), 69);
    assert_eq!(&buf[6..8], &69u16.to_le_bytes());
    // The destination is stored least significant octet first.
    assert_eq!(&buf[57..65], &[3, 2, 1, 0, 0, 0x6f, 0x0d, 0]);
    let (d, len) = ImageHeader::decode(&buf).unwrap();
    assert_eq!((d, len), (h, 69));
    // Field control and fields must agree.
    let bad = ImageHeader {
        hardware_versions: None,
        ..h
    };
    assert!(bad.encode(&mut buf).is_err());
    assert!(matches!(
        h.encode(&mut [0u8; 68]),
        Err(dual_protocol_zcl_se::EncodeError::BufferTooSmall { needed: 69 })
    ));
}

#[test]
fn malformed() {
    let f = built_file();
    // Truncation at every byte of the header is a typed error.
    for cut in 0..MIN_HEADER_LEN {
        let e = ImageHeader::decode(&f[..cut]).unwrap_err();
        assert!(matches!(e, DecodeError::Truncated { .. }), "{cut}: {e}");
        assert!(e.offset() <= cut);
    }
    let mut g = f.clone();
    g[0] ^= 1;
    assert_eq!(
        ImageHeader::decode(&g),
        Err(DecodeError::InvalidValue {
            offset: 0,
            what: "OTA file identifier"
        })
    );
    // Header length shorter than the fields.
    let mut g = f.clone();
    g[6] = 55;
    assert!(matches!(
        ImageHeader::decode(&g),
        Err(DecodeError::InvalidValue { offset: 6, .. })
    ));
    // Total size smaller than the header.
    let mut g = f.clone();
    g[52..56].copy_from_slice(&10u32.to_le_bytes());
    assert!(ImageHeader::decode(&g).is_err());
    // A tag that runs past the total image size.
    let mut g = f.clone();
    g[58] = 100;
    let (h, len) = ImageHeader::decode(&g).unwrap();
    let r: Vec<_> = Tags::new(&g, &h, len).collect();
    assert_eq!(r.len(), 1);
    assert!(matches!(
        r[0],
        Err(DecodeError::InvalidValue { offset: 58, .. })
    ));
    // The file ends before its total size: the last tag is truncated.
    let (h, len) = ImageHeader::decode(&f).unwrap();
    for cut in 57..f.len() {
        let errs = Tags::new(&f[..cut], &h, len).filter(Result::is_err).count();
        assert_eq!(errs, 1, "{cut}");
    }
    // A tag header that does not fit before the total size.
    let mut g = f.clone();
    g[52..56].copy_from_slice(&(56u32 + 10 + 3).to_le_bytes());
    let (h, len) = ImageHeader::decode(&g).unwrap();
    let r: Vec<_> = Tags::new(&g, &h, len).collect();
    assert!(matches!(
        r.last(),
        Some(Err(DecodeError::InvalidValue { .. }))
    ));
}

proptest! {
    /// Any header (with or without each optional field, with extra octets)
    /// encodes and decodes back; any input never panics.
    #[test]
    fn header_round_trip(
        fc in 0u16..8,
        mfr in any::<u16>(),
        ty in any::<u16>(),
        ver in any::<u32>(),
        s in any::<[u8; 32]>(),
        extra in prop::collection::vec(any::<u8>(), 0..8),
        scv in any::<u8>(),
        dest in any::<[u8; 8]>(),
        hw in any::<(u16, u16)>(),
        body in 0u32..1000,
    ) {
        let mut h = ImageHeader {
            header_version: 0x0100,
            field_control: HeaderFieldControl(fc),
            manufacturer_code: mfr,
            image_type: ty,
            file_version: ver,
            stack_version: 2,
            header_string: &s,
            total_image_size: 0,
            security_credential_version: (fc & 1 != 0).then_some(scv),
            upgrade_file_destination: (fc & 2 != 0).then_some(Eui64(dest)),
            hardware_versions: (fc & 4 != 0).then_some(hw),
            extra: &extra,
        };
        h.total_image_size = h.encoded_len() as u32 + body;
        let mut buf = vec![0u8; h.encoded_len()];
        h.encode(&mut buf).unwrap();
        let (d, len) = ImageHeader::decode(&buf).unwrap();
        prop_assert_eq!(d, h);
        prop_assert_eq!(len, buf.len());
    }

    #[test]
    fn arbitrary_input(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        let mut b = bytes.clone();
        if b.len() >= 4 {
            b[..4].copy_from_slice(&0x0bee_f11eu32.to_le_bytes());
        }
        if let Ok((h, len)) = ImageHeader::decode(&b) {
            let mut out = vec![0u8; h.encoded_len()];
            h.encode(&mut out).unwrap();
            prop_assert_eq!(&out[..], &b[..len]);
            for t in Tags::new(&b, &h, len) {
                let _ = t;
            }
        }
    }
}
