//! Negative tests: every decode error (with its offset), every encode
//! error, the SE 1.4a security policy, and the extension's wire checks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use dual_protocol_stub_aps::frame::{
    DeliveryMode, Destination, InterPanFrame, InterPanMac, StubApsFrameControl, StubApsHeader,
};
use dual_protocol_stub_aps::published::{self, SecurityError};
use dual_protocol_stub_aps::secure::wire::DpPayload;
use dual_protocol_stub_aps::{DecodeError, EncodeError};
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::mac::MacContext;

const INTERPAN: &str = include_str!("vectors/interpan.jsonl");
const FCS: MacContext = MacContext { fcs: true };

fn broadcast() -> Vec<u8> {
    let v = records(INTERPAN, "interpan_stub_frame");
    hex(v[0]["hex"].as_str().unwrap())
}

fn tampered(f: impl FnOnce(&mut Vec<u8>)) -> Result<(), DecodeError> {
    let mut b = broadcast();
    f(&mut b);
    refcs(&mut b);
    InterPanFrame::decode_with(&b, &FCS).map(|_| ())
}

#[test]
fn fcs_mismatch() {
    let mut b = broadcast();
    b[20] ^= 1;
    assert!(matches!(
        InterPanFrame::decode_with(&b, &FCS),
        Err(DecodeError::Mac(
            dual_protocol_zigbee_nwk::DecodeError::FcsMismatch { .. }
        ))
    ));
}

#[test]
fn not_inter_pan() {
    // Stub NWK frame type 0 (a data NWK frame) at byte 17.
    assert!(matches!(
        tampered(|b| b[17] = 0x08),
        Err(DecodeError::NotInterPan { offset: 17, .. })
    ));
    // Stub APS frame type 0 at byte 19.
    assert!(matches!(
        tampered(|b| b[19] = 0x08),
        Err(DecodeError::NotInterPan { offset: 19, .. })
    ));
    // Short destination other than 0xffff.
    assert!(matches!(
        tampered(|b| b[5] = 0x12),
        Err(DecodeError::NotInterPan { offset: 5, .. })
    ));
    // MAC frame type beacon... becomes a beacon decode or NotInterPan; never Ok.
    assert!(tampered(|b| b[0] = 0x00).is_err());
    // MAC security enabled.
    assert!(tampered(|b| b[0] |= 0x08).is_err());
    // PAN id compression: the source PAN disappears.
    assert!(matches!(
        tampered(|b| b[0] |= 0x40),
        Err(DecodeError::NotInterPan { .. })
    ));
    // Short source address.
    assert!(matches!(
        tampered(|b| b[1] = 0x88),
        Err(DecodeError::NotInterPan { .. })
    ));
}

#[test]
fn truncation_names_the_field() {
    let b = broadcast();
    let n = b.len() - 2;
    for cut in 0..n {
        let e = InterPanFrame::decode(&b[..cut]);
        if cut < 21 + 2 {
            assert!(e.is_err(), "cut {cut}");
        }
    }
    assert!(matches!(
        InterPanFrame::decode(&b[..18]),
        Err(DecodeError::Truncated {
            offset: 17,
            what: "stub NWK frame control",
            ..
        })
    ));
    assert!(matches!(
        InterPanFrame::decode(&b[..21]),
        Err(DecodeError::Truncated {
            offset: 20,
            what: "cluster id",
            ..
        })
    ));
}

#[test]
fn encode_errors() {
    let b = broadcast();
    let f = InterPanFrame::decode_with(&b, &FCS).unwrap();
    for size in 0..b.len() {
        let mut buf = vec![0u8; size];
        assert_eq!(
            f.encode_with(&mut buf, &FCS),
            Err(EncodeError::BufferTooSmall { needed: b.len() })
        );
    }
    let big = [0u8; 120];
    let g = InterPanFrame { payload: &big, ..f };
    assert!(matches!(
        g.encode(&mut [0u8; 200]),
        Err(EncodeError::TooLong { .. })
    ));
    let mut bad = f;
    bad.aps.group = Some(1);
    assert!(matches!(
        bad.encode(&mut [0u8; 127]),
        Err(EncodeError::Inconsistent { .. })
    ));
}

#[test]
fn enhanced_interpan_policy() {
    let mac = InterPanMac::new(1, PanId::BROADCAST, Destination::Broadcast, PAN, DEVICE);
    let mut aps = StubApsHeader {
        frame_control: StubApsFrameControl::new(DeliveryMode::Broadcast),
        group: None,
        cluster: 0x0700,
        profile: 0x0109,
    };
    let f = InterPanFrame::new(mac, aps, &[1, 2, 3]);
    assert_eq!(
        published::check_enhanced_policy(&f),
        Err(SecurityError::SecurityRequired { cluster: 0x0700 })
    );
    aps.cluster = 0x0800;
    assert_eq!(
        published::check_enhanced_policy(&InterPanFrame::new(mac, aps, &[1])),
        Ok(())
    );
    // open() on a clear frame.
    let mut buf = [0u8; 127];
    let n = f.encode(&mut buf).unwrap();
    let key = dual_protocol_zigbee_nwk::security::ZigbeeKey::new(&[0; 16]).unwrap();
    let mut w = dual_protocol_primitives::replay::ReplayWindow::<2>::new();
    assert_eq!(
        published::open(
            &mut buf[..n],
            &key,
            &published::PublishedOptions::EMBER,
            &mut w
        )
        .err(),
        Some(SecurityError::NotSecured)
    );
}

#[test]
fn extension_wire_checks() {
    // Marker missing (a ZigBee security control byte).
    assert!(matches!(
        DpPayload::decode(&[0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 30),
        Err(DecodeError::NotInterPan { offset: 30, .. })
    ));
    // Unknown kind 9.
    assert!(matches!(
        DpPayload::decode(&[0x80, 0x09, 0, 0, 0, 0], 0),
        Err(DecodeError::NotInterPan { offset: 1, .. })
    ));
    // A Data frame at level 2 (MIC only, no encryption): a downgrade, refused.
    assert!(matches!(
        DpPayload::decode(&[0x82, 0x00, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8], 0),
        Err(DecodeError::NotInterPan { offset: 0, .. })
    ));
    // A broadcast at level 0 (no MAC), refused.
    assert!(
        DpPayload::decode(
            &[0x80, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
            0
        )
        .is_err()
    );
    // Disclosure with a trailing byte.
    let mut d = vec![0x80, 0x02, 0, 0, 0, 0, 1, 0, 5, 0];
    d.extend([7u8; 16]);
    assert!(DpPayload::decode(&d, 0).is_ok());
    d.push(0);
    assert!(DpPayload::decode(&d, 0).is_err());
    // Too short for the MIC.
    assert!(matches!(
        DpPayload::decode(&[0x86, 0x00, 0, 0, 0, 0, 1, 2], 0),
        Err(DecodeError::Truncated { what: "MIC", .. })
    ));
}
