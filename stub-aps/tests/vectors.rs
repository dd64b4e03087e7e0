//! Public vectors (copied into `tests/vectors/interpan.jsonl`, each with its
//! `source`): the Inter-PAN frames constructed from SE 1.1b Annex B and
//! dissected by Wireshark 4.0.17, and psila's stub APS frames. Then the
//! regression vectors this crate generated (`tests/vectors/generated.jsonl`,
//! also listed in `docs/stub-aps-security.md` §10), rebuilt and reopened.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::*;
use dual_protocol_stub_aps::frame::{DeliveryMode, Destination, InterPanFrame, StubApsHeader};
use dual_protocol_zigbee_nwk::mac::MacContext;

const INTERPAN: &str = include_str!("vectors/interpan.jsonl");
const FCS: MacContext = MacContext { fcs: true };

#[test]
fn interpan_stub_frames_decode_and_reencode() {
    let recs = records(INTERPAN, "interpan_stub_frame");
    assert_eq!(recs.len(), 3);
    for r in recs {
        let bytes = hex(r["hex"].as_str().unwrap());
        let e = &r["expect"];
        let f = InterPanFrame::decode_with(&bytes, &FCS).unwrap();
        assert_eq!(
            u64::from(f.mac.frame_control.to_bits()),
            num(&e["mac"]["fc"])
        );
        assert_eq!(u64::from(f.mac.sequence), num(&e["mac"]["seq"]));
        assert_eq!(u64::from(f.mac.dst_pan.0), num(&e["mac"]["dpan"]));
        assert_eq!(u64::from(f.mac.src_pan.0), num(&e["mac"]["span"]));
        assert_eq!(
            f.mac.src.to_string().replace(':', ""),
            e["mac"]["src"].as_str().unwrap()
        );
        match f.mac.dst {
            Destination::Broadcast => assert_eq!(e["mac"]["dst"], "0xffff"),
            Destination::Extended(d) => {
                assert_eq!(
                    d.to_string().replace(':', ""),
                    e["mac"]["dst"].as_str().unwrap()
                );
            }
        }
        assert_eq!(u64::from(f.nwk.to_bits()), num(&e["stub_nwk_fc"]));
        let aps = &e["stub_aps"];
        assert_eq!(u64::from(f.aps.frame_control.to_bits()), num(&aps["fc"]));
        assert_eq!(u64::from(f.aps.cluster), num(&aps["cluster"]));
        assert_eq!(u64::from(f.aps.profile), num(&aps["profile"]));
        let delivery = match f.aps.frame_control.delivery {
            DeliveryMode::Unicast => "unicast",
            DeliveryMode::Broadcast => "broadcast",
            DeliveryMode::Group => "group",
            DeliveryMode::Reserved => "reserved",
        };
        assert_eq!(aps["delivery"], delivery);
        if let Some(g) = aps.get("group") {
            assert_eq!(f.aps.group.map(u64::from), Some(num(g)));
        }
        assert!(!f.aps.frame_control.security);
        // ZCL: frame control, sequence, command.
        assert_eq!(u64::from(f.payload[2]), num(&e["zcl"]["cmd"]));
        if let Some(seq) = e["zcl"].get("seq") {
            assert_eq!(u64::from(f.payload[1]), num(seq));
        }
        let n = bytes.len();
        assert_eq!(
            u64::from(u16::from_le_bytes([bytes[n - 2], bytes[n - 1]])),
            num(&e["fcs"])
        );
        let mut out = [0u8; 127];
        let n = f.encode_with(&mut out, &FCS).unwrap();
        assert_eq!(&out[..n], &bytes[..]);
    }
}

#[test]
fn psila_stub_aps_frames() {
    let recs = records(INTERPAN, "stub_aps_frame");
    assert_eq!(recs.len(), 2);
    for r in recs {
        let bytes = hex(r["hex"].as_str().unwrap());
        let e = &r["expect"];
        let (h, n) = StubApsHeader::decode(&bytes).unwrap();
        assert_eq!(n as u64, num(&e["aps_header_len"]));
        assert_eq!(u64::from(h.frame_control.to_bits()), num(&e["aps_fc"]));
        assert_eq!(h.frame_control.delivery, DeliveryMode::Broadcast);
        assert_eq!(u64::from(h.cluster), num(&e["cluster"]));
        assert_eq!(u64::from(h.profile), num(&e["profile"]));
        assert_eq!(u64::from(bytes[n]), num(&e["zcl"]["fc"]));
        assert_eq!(u64::from(bytes[n + 1]), num(&e["zcl"]["seq"]));
        let mut out = [0u8; 7];
        assert_eq!(h.encode(&mut out).unwrap(), n);
        assert_eq!(&out[..n], &bytes[..n]);
    }
}
