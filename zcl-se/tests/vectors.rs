//! Public vectors, each citing its source.
//!
//! * `vectors/zcl.jsonl`: the ZCL frames in the shared ZigBee vector file
//!   (scapy `test/scapy/layers/dot15d4.uts`, psila, zigbee-on-host
//!   `test/data.ts`, and the survey's SE frames checked with Wireshark
//!   4.0.17); see `vectors/README.md`.
//! * zigpy/zigpy `tests/test_zcl_foundation.py` (commit 028534de): byte
//!   strings of ZCL headers, records and a structure, quoted below.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::cluster::time::TimeStatus;
use dual_protocol_zcl_se::global::{
    AttributeStatusRecord, ReportDirection, StatusList, WriteAttributeStatus,
};
use dual_protocol_zcl_se::{
    CollectionKind, Context, DataType, Direction, Frame, FrameType, GlobalCommand, Payload, Status,
    Value,
};
use serde_json::Value as Json;

const VECTORS: &str = include_str!("vectors/zcl.jsonl");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn num(j: &Json) -> u64 {
    match j {
        Json::Number(n) => n.as_u64().unwrap(),
        Json::String(s) => u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap(),
        other => panic!("not a number: {other}"),
    }
}

fn enc(f: &Frame<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; f.encoded_len()];
    let n = f.encode(&mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}

fn enc_value(v: &Value<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; v.encoded_len()];
    let n = v.encode(&mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}

struct Vector {
    derived: String,
    cluster: u16,
    profile: u16,
    bytes: Vec<u8>,
    expect: Json,
}

fn vectors() -> Vec<Vector> {
    VECTORS
        .lines()
        .map(|l| {
            let j: Json = serde_json::from_str(l).unwrap();
            assert!(j["source"].as_str().is_some_and(|s| !s.is_empty()));
            Vector {
                derived: j["derived"].as_str().unwrap().to_owned(),
                cluster: u16::try_from(j["cluster"].as_u64().unwrap()).unwrap(),
                profile: u16::try_from(j["profile"].as_u64().unwrap()).unwrap(),
                bytes: hex(j["zcl_hex"].as_str().unwrap()),
                expect: j["expect"].clone(),
            }
        })
        .collect()
}

fn find(line: u32) -> Vector {
    let tag = format!("line {line} ");
    vectors()
        .into_iter()
        .find(|v| v.derived.contains(&tag))
        .unwrap()
}

fn decode(v: &Vector) -> Frame<'_> {
    let ctx = Context::new(v.cluster).with_profile(v.profile);
    Frame::decode_with(&v.bytes, &ctx).unwrap_or_else(|e| panic!("{}: {e}", v.derived))
}

#[test]
fn every_vector_decodes_and_reencodes_byte_for_byte() {
    let all = vectors();
    assert_eq!(all.len(), 19);
    for v in &all {
        let f = decode(v);
        let mut buf = [0u8; 256];
        let n = f.encode(&mut buf).unwrap();
        assert_eq!(&buf[..n], &v.bytes[..], "{}", v.derived);
        assert_eq!(f.encoded_len(), v.bytes.len());
        // Header fields as the upstream expectation states them.
        if let Some(fc) = v.expect.get("fc") {
            assert_eq!(
                u64::from(f.header.frame_control()),
                num(fc),
                "{}",
                v.derived
            );
        }
        if let Some(seq) = v.expect.get("seq") {
            assert_eq!(u64::from(f.header.tsn), num(seq), "{}", v.derived);
        }
        if let Some(cmd) = v.expect.get("cmd") {
            assert_eq!(u64::from(f.header.command_id), num(cmd), "{}", v.derived);
        }
    }
}

/// scapy dot15d4.uts: Read Attributes of attribute 0x0000 on the Time cluster.
#[test]
fn scapy_read_attributes_time() {
    let v = find(64);
    let f = decode(&v);
    assert_eq!(f.header.frame_type, FrameType::Global);
    assert_eq!(f.header.direction, Direction::ClientToServer);
    let Payload::Global(GlobalCommand::ReadAttributes(ids)) = f.payload else {
        panic!("{:?}", f.payload)
    };
    assert_eq!(ids.iter().map(|a| a.0).collect::<Vec<_>>(), vec![0x0000]);
}

/// scapy dot15d4.uts: Read Attributes Response on Basic, ZCLVersion uint8 1 and
/// ManufacturerName "sengled".
#[test]
fn scapy_read_attributes_response_basic() {
    let v = find(65);
    let f = decode(&v);
    let Payload::Global(GlobalCommand::ReadAttributesResponse(recs)) = f.payload else {
        panic!()
    };
    let recs: Vec<_> = recs.iter().collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].id, 0x0000);
    assert_eq!(recs[0].status, Status::Success);
    assert_eq!(recs[0].value, Some(Value::Uint { width: 1, value: 1 }));
    assert_eq!(recs[1].id, 0x0004);
    assert_eq!(recs[1].value.unwrap().as_str(), Some("sengled"));
    let ctx = Context::new(0x0000);
    assert_eq!(ctx.cluster_name(), Some("Basic"));
    assert_eq!(
        ctx.attribute(None, 0x0004).unwrap().name,
        "ManufacturerName"
    );
    assert_eq!(
        ctx.attribute(None, 0x0004).unwrap().data_type,
        DataType::CHAR_STRING
    );
}

/// zigbee-on-host NETDEF_ZCL_FRAME_DEF_RSP_TO_COORD (decrypted): Default
/// Response to command 0x25, success.
#[test]
fn zigbee_on_host_default_response() {
    let v = find(19);
    let f = decode(&v);
    assert_eq!(
        f.payload,
        Payload::Global(GlobalCommand::DefaultResponse {
            command_id: 0x25,
            status: Status::Success
        })
    );
    assert!(!f.header.disable_default_response);
    assert_eq!(f.header.direction, Direction::ServerToClient);
    // NETDEF_ZCL_FRAME_CMD_TO_COORD: a cluster-specific command on the
    // manufacturer cluster 0xef00, which no table defines: kept raw.
    let v = find(18);
    let f = decode(&v);
    assert_eq!(f.header.frame_type, FrameType::ClusterSpecific);
    assert_eq!(f.header.command_id, 0x25);
    assert_eq!(f.payload, Payload::Raw(&[0xaf, 0x00]));
}

/// Survey SE frame (Wireshark-checked): Report Attributes on Metering,
/// CurrentSummationDelivered uint48 = 123456, InstantaneousDemand int24 = 500.
#[test]
fn metering_report_attributes() {
    let v = find(82);
    let f = decode(&v);
    let Payload::Global(GlobalCommand::ReportAttributes(recs)) = f.payload else {
        panic!()
    };
    let recs: Vec<_> = recs.iter().collect();
    let expect = v.expect["records"].as_array().unwrap();
    assert_eq!(recs.len(), expect.len());
    for (r, e) in recs.iter().zip(expect) {
        assert_eq!(u64::from(r.id), num(&e["id"]));
        assert_eq!(u64::from(r.value.data_type().0), num(&e["type"]));
    }
    assert_eq!(
        recs[0].value,
        Value::Uint {
            width: 6,
            value: 123_456
        }
    );
    assert_eq!(
        recs[1].value,
        Value::Int {
            width: 3,
            value: 500
        }
    );
}

/// Survey Time-cluster frame (Wireshark-checked): Time = 0x2e1b4c80 and
/// TimeStatus = 0x03 (master, synchronized).
#[test]
fn time_read_attributes_response() {
    let v = find(87);
    let f = decode(&v);
    let Payload::Global(GlobalCommand::ReadAttributesResponse(recs)) = f.payload else {
        panic!()
    };
    let recs: Vec<_> = recs.iter().collect();
    assert_eq!(recs[0].value, Some(Value::Utc(0x2e1b_4c80)));
    let dt = dual_protocol_zcl_se::cluster::time::utc_to_datetime(0x2e1b_4c80).unwrap();
    // The survey states 2024-07-06T00:29:52Z for the same UTCTime.
    assert_eq!(format!("{dt}"), "2024-07-06T00:29:52Z");
    let Some(Value::Bitmap { width: 1, bits }) = recs[1].value else {
        panic!()
    };
    let status = TimeStatus(u8::try_from(bits).unwrap());
    assert!(status.master() && status.synchronized());
    assert!(!status.master_zone_dst() && !status.superseding());
    let ctx = Context::new(0x000a);
    assert_eq!(ctx.attribute(None, 0x0001).unwrap().name, "TimeStatus");
}

/// Smart Energy cluster commands (Price, Messaging, Tunneling, Key
/// Establishment) decode through their tables (issue 11); values as the
/// vectors' notes state them (tests/smart_energy.rs checks the fields).
#[test]
fn smart_energy_commands_decode_by_table() {
    for (line, name) in [
        (80, "publish_price"),
        (81, "display_message"),
        (83, "request_tunnel"),
        (84, "request_tunnel_response"),
        (85, "transfer_data"),
        (86, "initiate_key_establishment_request"),
        (88, "publish_price"),
        (89, "get_current_price"),
        (90, "publish_price"),
        (91, "display_message"),
    ] {
        let v = find(line);
        let f = decode(&v);
        assert_eq!(f.header.frame_type, FrameType::ClusterSpecific);
        let Payload::Cluster(c) = f.payload else {
            panic!("{} not typed", v.derived)
        };
        assert_eq!(c.def().name, name, "{}", v.derived);
        assert!(c.trailing().is_empty(), "{}", v.derived);
    }
}

/// ziggurat aps/frame.rs: ASDU 01 5a 00 on On/Off = cluster-specific Off,
/// TSN 0x5a (On/Off has no table here: raw, empty payload).
#[test]
fn ziggurat_on_off() {
    let v = find(73);
    let f = decode(&v);
    assert_eq!(f.header.tsn, 0x5a);
    assert_eq!(f.header.command_id, 0x00);
    assert_eq!(f.payload, Payload::Raw(&[]));
}

// ---- zigpy/zigpy tests/test_zcl_foundation.py (commit 028534de) ----

/// `test_frame_header`: 1c 5f 11 c0 0a = manufacturer-specific, server to
/// client, default response disabled, manufacturer 0x115f, TSN 0xc0, Report
/// Attributes.
#[test]
fn zigpy_frame_header() {
    let bytes = [0x1c, 0x5f, 0x11, 0xc0, 0x0a];
    let f = Frame::decode_with(&bytes, &Context::new(0x0000)).unwrap();
    assert_eq!(f.header.manufacturer_code, Some(0x115f));
    assert_eq!(f.header.tsn, 0xc0);
    assert_eq!(f.header.command_id, 0x0a);
    assert_eq!(f.header.direction, Direction::ServerToClient);
    assert!(f.header.disable_default_response);
    assert_eq!(enc(&f), bytes);
}

/// `test_ptype_to_datatype_lvlist`: a structure of six typed elements.
#[test]
fn zigpy_structure() {
    let data = b"L\x06\x00\x10\x00!\xce\x0b!\xa8\x01$\x00\x00\x00\x00\x00!\xbdJ ]";
    let ty = DataType(data[0]);
    let (v, used) = Value::decode(ty, &data[1..]).unwrap();
    assert_eq!(used, data.len() - 1);
    let Value::Collection(c) = v else { panic!() };
    assert_eq!(c.kind(), CollectionKind::Structure);
    let elems: Vec<_> = c.elements().collect();
    assert_eq!(
        elems,
        vec![
            Value::Bool(0),
            Value::Uint {
                width: 2,
                value: 0x0bce
            },
            Value::Uint {
                width: 2,
                value: 0x01a8
            },
            Value::Uint { width: 5, value: 0 },
            Value::Uint {
                width: 2,
                value: 0x4abd
            },
            Value::Uint {
                width: 1,
                value: 0x5d
            },
        ]
    );
    assert_eq!(enc_value(&v), &data[1..]);
}

/// `test_write_attrs_response_deserialize` / `_serialize`: the one-octet
/// all-success form and failure records.
#[test]
fn zigpy_write_attributes_response() {
    let frame = |payload: &[u8]| {
        let mut b = vec![0x18, 0x01, 0x04];
        b.extend_from_slice(payload);
        b
    };
    let b = frame(&[0x00]);
    let f = Frame::decode_with(&b, &Context::new(0x0000)).unwrap();
    assert_eq!(
        f.payload,
        Payload::Global(GlobalCommand::WriteAttributesResponse(
            StatusList::AllSuccess
        ))
    );
    let b = frame(&[0x86, 0x34, 0x12, 0x87, 0x35, 0x12]);
    let f = Frame::decode_with(&b, &Context::new(0x0000)).unwrap();
    let Payload::Global(GlobalCommand::WriteAttributesResponse(StatusList::Records(recs))) =
        f.payload
    else {
        panic!()
    };
    assert_eq!(
        recs.iter().collect::<Vec<_>>(),
        vec![
            WriteAttributeStatus {
                status: Status::UnsupportedAttribute,
                id: 0x1234
            },
            WriteAttributeStatus {
                status: Status::InvalidValue,
                id: 0x1235
            },
        ]
    );
    assert_eq!(enc(&f), b);
}

/// `test_configure_reporting_response_serialization`: the one-octet success
/// form and a failure record 8c 00 01 10 (UNREPORTABLE_ATTRIBUTE, reported,
/// attribute 0x1001).
#[test]
fn zigpy_configure_reporting_response() {
    let b = [0x18, 0x02, 0x07, 0x00];
    let f = Frame::decode_with(&b, &Context::new(0x0000)).unwrap();
    assert_eq!(
        f.payload,
        Payload::Global(GlobalCommand::ConfigureReportingResponse(
            StatusList::AllSuccess
        ))
    );
    let b = [0x18, 0x02, 0x07, 0x8c, 0x00, 0x01, 0x10];
    let f = Frame::decode_with(&b, &Context::new(0x0000)).unwrap();
    let Payload::Global(GlobalCommand::ConfigureReportingResponse(StatusList::Records(recs))) =
        f.payload
    else {
        panic!()
    };
    assert_eq!(
        recs.iter().next(),
        Some(AttributeStatusRecord {
            status: Status::UnreportableAttribute,
            direction: ReportDirection::Send,
            id: 0x1001
        })
    );
    assert_eq!(enc(&f), b);
}

/// `test_read_attribute_record`: 00 00 00 20 99 = attribute 0, success, uint8 0x99.
#[test]
fn zigpy_read_attribute_record() {
    let b = [0x18, 0x03, 0x01, 0x00, 0x00, 0x00, 0x20, 0x99];
    let f = Frame::decode_with(&b, &Context::new(0x0000)).unwrap();
    let Payload::Global(GlobalCommand::ReadAttributesResponse(recs)) = f.payload else {
        panic!()
    };
    assert_eq!(
        recs.iter().next().unwrap().value,
        Some(Value::Uint {
            width: 1,
            value: 0x99
        })
    );
}
