//! ZCL decode cost (zcl-se), beside the memcpy floor measured in the same run.
//!
//! * a Report Attributes frame with 10 attributes (goal: < 100 ns);
//! * a Read Attributes Response (the Time-cluster vector: Time and TimeStatus);
//! * the 18-byte Metering Report Attributes vector of the shared ZigBee
//!   vectors (CurrentSummationDelivered uint48 + InstantaneousDemand int24);
//! * Price PublishPrice as an SE 1.1b device sends it (shared vector);
//! * a Metering GetProfileResponse with 24 uint24 intervals (the intervals
//!   are one octet run; "decode+walk" reads every field).
//!
//! "typed" decodes the same payloads (after the ZCL header) into the
//! generated command structs (`PublishPrice`, `GetProfileResponse`, whose
//! walk reads the 24 uint24 intervals).
//!
//! "decode" validates the whole frame (every record and value) and returns
//! borrowed views; "decode+walk" also iterates every record and value.
//! Decoding allocates nothing: the same API links in the heap-free
//! `footprint` probe (no global allocator).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dual_protocol_benches as floors;
use dual_protocol_zcl_se::cluster::metering::GetProfileResponse;
use dual_protocol_zcl_se::cluster::price::PublishPrice;
use dual_protocol_zcl_se::global::{AttributeValue, List};
use dual_protocol_zcl_se::{Context, Direction, Frame, GlobalCommand, Payload, Value};
use std::hint::black_box;

fn report_10() -> Vec<u8> {
    let recs = [
        AttributeValue {
            id: 0x0000,
            value: Value::Uint {
                width: 6,
                value: 123_456,
            },
        },
        AttributeValue {
            id: 0x0400,
            value: Value::Int {
                width: 3,
                value: 500,
            },
        },
        AttributeValue {
            id: 0x0200,
            value: Value::Bitmap { width: 1, bits: 0 },
        },
        AttributeValue {
            id: 0x0300,
            value: Value::Enum8(0),
        },
        AttributeValue {
            id: 0x0301,
            value: Value::Uint { width: 3, value: 1 },
        },
        AttributeValue {
            id: 0x0302,
            value: Value::Uint {
                width: 3,
                value: 1000,
            },
        },
        AttributeValue {
            id: 0x0303,
            value: Value::Bitmap {
                width: 1,
                bits: 0x34,
            },
        },
        AttributeValue {
            id: 0x0306,
            value: Value::Bitmap { width: 1, bits: 0 },
        },
        AttributeValue {
            id: 0x0001,
            value: Value::Uint {
                width: 6,
                value: 42,
            },
        },
        AttributeValue {
            id: 0x0307,
            value: Value::CharString(Some(b"ELEC")),
        },
    ];
    Frame::global(
        Direction::ServerToClient,
        1,
        true,
        GlobalCommand::ReportAttributes(List::Slice(&recs)),
    )
    .encode_to_vec()
    .expect("encodes")
}

fn walk(f: &Frame<'_>) -> u64 {
    let mut acc = 0u64;
    if let Payload::Cluster(c) = f.payload {
        for fl in c.fields() {
            acc = acc.wrapping_add(fl.def.name.len() as u64);
            if let dual_protocol_zcl_se::FieldValue::Value(v) = fl.value {
                acc ^= v.as_u64().unwrap_or(1);
            }
        }
    }
    if let Payload::Global(g) = f.payload {
        match g {
            GlobalCommand::ReportAttributes(l) => {
                for r in l.iter() {
                    acc = acc.wrapping_add(u64::from(r.id)) ^ r.value.as_u64().unwrap_or(1);
                }
            }
            GlobalCommand::ReadAttributesResponse(l) => {
                for r in l.iter() {
                    acc = acc.wrapping_add(u64::from(r.id))
                        ^ r.value.and_then(|v| v.as_u64()).unwrap_or(1);
                }
            }
            _ => {}
        }
    }
    acc
}

fn decode(c: &mut Criterion) {
    let mut profile = hex("0901000000804c1b2e000318");
    profile.extend((0u8..72).map(|i| i.wrapping_mul(7)));
    let frames: [(&str, u16, Vec<u8>); 5] = [
        (
            "price-publish-price-se11b",
            0x0700,
            hex(
                "09100001000000044241534510000000804c1b2e003a03211100000000ffffdc050000ffffffffffffffffffffffff0000",
            ),
        ),
        ("metering-get-profile-response-24", 0x0702, profile),
        ("report-10-attributes", 0x0702, report_10()),
        (
            "read-attributes-response-time",
            0x000a,
            hex("181601000000e2804c1b2e0100001803"),
        ),
        (
            "metering-report-18b",
            0x0702,
            hex("18120a00002540e20100000000042af40100"),
        ),
    ];
    let mut g = c.benchmark_group("zcl_se");
    for (name, cluster, bytes) in &frames {
        let ctx = Context::new(*cluster);
        assert!(Frame::decode_with(bytes, &ctx).is_ok());
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("decode/{name}/{}B", bytes.len()), |b| {
            b.iter(|| Frame::decode_with(black_box(bytes), &ctx).map(|f| f.encoded_len()))
        });
        g.bench_function(format!("decode+walk/{name}/{}B", bytes.len()), |b| {
            b.iter(|| Frame::decode_with(black_box(bytes), &ctx).map(|f| walk(&f)))
        });
        let f = Frame::decode_with(bytes, &ctx).expect("decodes");
        let mut out = [0u8; 128];
        g.bench_function(format!("encode/{name}/{}B", bytes.len()), |b| {
            b.iter(|| black_box(&f).encode(&mut out))
        });
    }
    let price = &frames[0].2;
    g.bench_function("typed/price-publish-price-se11b", |b| {
        b.iter(|| PublishPrice::decode(black_box(&price[3..])).map(|p| p.price))
    });
    let profile = &frames[1].2;
    g.bench_function("typed+walk/metering-get-profile-response-24", |b| {
        b.iter(|| {
            GetProfileResponse::decode(black_box(&profile[3..])).map(|p| {
                p.intervals
                    .chunks_exact(3)
                    .map(|c| match *c {
                        [a, b, d] => u32::from_le_bytes([a, b, d, 0]),
                        _ => 0,
                    })
                    .fold(0u32, u32::wrapping_add)
            })
        })
    });
    floors::memcpy(&mut g, 64);
    g.finish();
}

/// A 3 KiB transfer client to server through the Tunneling machines (flow
/// control on, 64-octet segments, a lossless in-memory link), beside memcpy
/// of the same octets.
fn tunnel(c: &mut Criterion) {
    use dual_protocol_primitives::time::Instant;
    use dual_protocol_zcl_se::cluster::tunneling::ProtocolId;
    use dual_protocol_zcl_se::tunnel::{Client, Config, Event, Server};
    const PROTOCOLS: &[(u16, u8)] = &[(0xffff, 0)];
    let data = floors::data(3072);
    let mut g = c.benchmark_group("zcl_se_tunnel");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("transfer/3072B/seg64/flow-control", |b| {
        b.iter(|| {
            let now = Instant::from_millis(1);
            let cfg = Config::default();
            let mut s: Server<'_, 1, 4096> = Server::new(cfg, PROTOCOLS, true, 0);
            let mut cl: Client<1, 4096> = Client::new(cfg, 0);
            cl.request_tunnel(now, 0, ProtocolId::DlmsCosem, 0xffff, true)
                .expect("request");
            let mut buf = [0u8; 96];
            let mut got = 0usize;
            let mut sent = false;
            while got < data.len() {
                while let Some(t) = cl.poll_transmit(now, &mut buf) {
                    if let Ok(Some(r)) = s.handle_input(now, 1, &buf[..t.len]) {
                        got += r.data.len();
                        let _ = s.release(r.tunnel_id, r.data.len() as u16);
                    }
                }
                while let Some(t) = s.poll_transmit(now, &mut buf) {
                    let _ = cl.handle_input(now, 0, &buf[..t.len]);
                }
                while let Some(e) = cl.poll_event() {
                    if let (Event::Opened { tunnel_id, .. }, false) = (e, sent) {
                        cl.send(tunnel_id, black_box(&data)).expect("send");
                        sent = true;
                    }
                }
                while s.poll_event().is_some() {}
            }
            got
        })
    });
    floors::memcpy(&mut g, 3072);
    g.finish();
}

/// OTA integrity check (AES-MMO) of a 64 KiB image read through the storage
/// trait, beside memcpy of the image.
fn ota_integrity(c: &mut Criterion) {
    use dual_protocol_zcl_se::ota::integrity::{append_integrity_code, verify_integrity};
    let body = 65536usize;
    let total = 56 + 6 + body + 22;
    let mut f = hex("1ef1ee0b00013800000034127856040302010200");
    f.extend([0u8; 32]);
    f.extend((total as u32).to_le_bytes());
    f.extend([0, 0]);
    f.extend((body as u32).to_le_bytes());
    f.extend(floors::data(body));
    append_integrity_code(&mut f);
    assert!(verify_integrity(&mut f.as_slice()).is_ok());
    let mut g = c.benchmark_group("zcl_se_ota");
    g.throughput(Throughput::Bytes(f.len() as u64));
    g.bench_function("integrity/64KiB", |b| {
        b.iter(|| verify_integrity(&mut black_box(f.as_slice())).is_ok())
    });
    floors::memcpy(&mut g, f.len());
    g.finish();
}

/// OTA server bookkeeping per Image Block Request served: decode the
/// request, find the image and the client's download, rate-limit check,
/// queue, then encode the Image Block Response with its 64 octets read from
/// the in-memory image, beside memcpy of a 64-octet block.
fn ota_server_block(c: &mut Criterion) {
    use dual_protocol_primitives::time::{Duration, Instant};
    use dual_protocol_zcl_se::cluster::ota_upgrade::{
        BlockFieldControl, ImageBlockRequest, ImageId,
    };
    use dual_protocol_zcl_se::ota::integrity::append_integrity_code;
    use dual_protocol_zcl_se::ota::server::{Server, ServerConfig};
    let body = 65536usize - 84;
    let total = 56 + 6 + body + 22;
    let mut f = hex("1ef1ee0b00013800000034127856020000000200");
    f.extend([0u8; 32]);
    f.extend((total as u32).to_le_bytes());
    f.extend([0, 0]);
    f.extend((body as u32).to_le_bytes());
    f.extend(floors::data(body));
    append_integrity_code(&mut f);
    let id = ImageId {
        manufacturer_code: 0x1234,
        image_type: 0x5678,
        file_version: 2,
    };
    let requests: Vec<Vec<u8>> = (0..1024u32)
        .map(|i| {
            let r = ImageBlockRequest {
                field_control: BlockFieldControl(0),
                image: id,
                file_offset: i * 64,
                maximum_data_size: 64,
                request_node_address: None,
                minimum_block_period: None,
                trailing: &[],
            };
            let mut b = vec![0u8; 3 + r.encoded_len()];
            r.encode_frame(i as u8, true, &mut b).expect("encode");
            b
        })
        .collect();
    let mut server: Server<&[u8], 4, 8, 16> = Server::new(ServerConfig::default(), 0);
    server.add_image(f.as_slice()).expect("image");
    let mut g = c.benchmark_group("zcl_se_ota_server");
    g.throughput(Throughput::Bytes(64));
    let mut i = 0usize;
    let mut now = Instant::from_secs(1);
    let mut buf = [0u8; 96];
    g.bench_function("image_block_request/64B", |b| {
        b.iter(|| {
            now += Duration::from_millis(1);
            let req = &requests[i % requests.len()];
            i += 1;
            server
                .handle_input(now, 0x1001, black_box(req))
                .expect("request");
            let t = server.poll_transmit(now, &mut buf).expect("response");
            while server.poll_event().is_some() {}
            black_box(t.len)
        })
    });
    floors::memcpy(&mut g, 64);
    g.finish();
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).expect("even"), 16).expect("hex"))
        .collect()
}

criterion_group! {
    name = benches;
    config = floors::config();
    targets = decode, tunnel, ota_integrity, ota_server_block
}
criterion_main!(benches);
