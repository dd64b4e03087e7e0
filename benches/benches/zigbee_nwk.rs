//! ZigBee wire codecs (zigbee-nwk), beside the memcpy floor measured in the
//! same run, on the 39-byte NWK frame of the zigbee-on-host capture
//! NETDEF_ZCL_FRAME_CMD_TO_COORD (48 bytes with its MAC header, radio
//! metadata stripped; NWK-secured) and on the 27 zigbee-on-host MAC frames (Green Power frames excluded).
//!
//! Goals (issue 6): NWK header decode < 11 ns; MAC+NWK decode < 30 ns.
//! "decode" parses every header field (and, for a secured frame, the
//! auxiliary header) and borrows the payload; nothing is allocated (the same
//! API links in the heap-free `footprint` probe, which has no allocator).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dual_protocol_benches as floors;
use dual_protocol_zigbee_nwk::mac::MacFrame;
use dual_protocol_zigbee_nwk::nwk::{NwkFrame, NwkHeader};
use std::hint::black_box;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// NETDEF_ZCL_FRAME_CMD_TO_COORD without the 2 bytes of radio metadata.
const MAC_FRAME: &str = "6188e6621a000038aa4802000038aa1e80282e2f9a02584ad0feff08ac7000515287015210a74fb734f1d9c888ef5e6d";

/// The zigbee-on-host MAC frames of the shared vectors (metadata stripped).
fn corpus() -> Vec<Vec<u8>> {
    include_str!("../../zigbee-nwk/tests/vectors/zigbee.jsonl")
        .lines()
        .filter(|l| l.contains("zigbee-on-host") && l.contains("\"layer\": \"mac\""))
        .filter_map(|l| {
            let start = l.find("\"hex\": \"")? + 8;
            let end = start + l.get(start..)?.find('"')?;
            let mut b = hex(l.get(start..end)?);
            b.truncate(b.len().saturating_sub(2));
            Some(b)
        })
        .collect()
}

fn zigbee(c: &mut Criterion) {
    let mac = hex(MAC_FRAME);
    let frame = MacFrame::decode(&mac).expect("vector decodes");
    let nwk = frame.data_payload().expect("data frame").to_vec();
    assert_eq!(nwk.len(), 39);
    let corpus = corpus();
    assert_eq!(corpus.len(), 27);

    let mut g = c.benchmark_group("zigbee-nwk");
    floors::memcpy(&mut g, 39);
    floors::memcpy(&mut g, 48);

    g.throughput(Throughput::Elements(1));
    g.bench_function("nwk-header-decode/39", |b| {
        b.iter(|| NwkHeader::decode(black_box(&nwk)).expect("decodes"))
    });
    g.bench_function("nwk-frame-decode/39", |b| {
        b.iter(|| NwkFrame::decode(black_box(&nwk)).expect("decodes"))
    });
    g.bench_function("mac+nwk-decode/48", |b| {
        b.iter(|| {
            let m = MacFrame::decode(black_box(&mac)).expect("decodes");
            NwkFrame::decode(m.data_payload().unwrap_or_default()).expect("decodes")
        })
    });
    let n = NwkFrame::decode(&nwk).expect("decodes");
    let mut out = [0u8; 127];
    g.bench_function("mac+nwk-encode/48", |b| {
        b.iter(|| {
            let k = black_box(&frame).encode(&mut out).expect("encodes");
            let j = black_box(&n).encode(&mut out[9..]).expect("encodes");
            black_box(k + j)
        })
    });
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.bench_function("mac+nwk-decode/zoh-corpus-27", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for f in &corpus {
                if let Ok(m) = MacFrame::decode(black_box(f)) {
                    if let Some(p) = m.data_payload() {
                        acc += NwkFrame::decode(p).map(|n| n.encoded_len()).unwrap_or(0);
                    }
                }
            }
            acc
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = floors::config();
    targets = zigbee
}
criterion_main!(benches);
