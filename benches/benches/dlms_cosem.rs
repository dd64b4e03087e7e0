//! DLMS/COSEM decode and encode cost (dlms-cosem), beside the memcpy floor
//! measured in the same run:
//!
//! * a Data-Notification with 20 registers (structure {OBIS, double-long-unsigned,
//!   scaler-unit}), about 430 bytes;
//! * a Get-Response carrying a 100-row profile buffer (array of structures
//!   of a date-time and four double-long-unsigned), about 3.6 KB;
//! * the 566-byte Aidon (Sweden) HAN push of the shared vectors (LLC header stripped).
//!
//! "decode" validates the whole APDU (every tag, length and the nesting
//! limit) and returns borrowed views; "decode+walk" also iterates every
//! row and value. Decoding allocates nothing (`dlms-cosem/tests/alloc_free.rs`
//! checks that with a counting allocator; the `footprint` probe links it
//! with no allocator at all).

#![allow(clippy::expect_used, clippy::indexing_slicing)] // fixed benchmark inputs

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dual_protocol_benches as floors;
use dual_protocol_dlms_cosem::apdu::{
    DataNotification, GetDataResult, GetResponse, InvokeIdAndPriority, LongInvokeIdAndPriority,
    NotificationDateTime,
};
use dual_protocol_dlms_cosem::{Apdu, CosemDateTime, Data, Decode, Encode, Sequence};
use std::hint::black_box;

fn profile_100() -> Vec<u8> {
    let mut rows = Vec::new();
    let mut cells = Vec::new();
    let dts: Vec<[u8; 12]> = (0..100i64)
        .map(|i| {
            CosemDateTime::from_unix_seconds(1_767_225_600 + i * 900, -60, 0)
                .expect("in range")
                .to_bytes()
        })
        .collect();
    for (i, dt) in dts.iter().enumerate() {
        let i = i as u32;
        cells.push([
            Data::OctetString(dt),
            Data::DoubleLongUnsigned(1_000 + i),
            Data::DoubleLongUnsigned(2_000 + i),
            Data::DoubleLongUnsigned(3_000 + i),
            Data::DoubleLongUnsigned(4_000 + i),
        ]);
    }
    for c in &cells {
        rows.push(Data::Structure(Sequence::from_items(c)));
    }
    let apdu = Apdu::GetResponse(GetResponse::Normal {
        invoke_id: InvokeIdAndPriority(0xc1),
        result: GetDataResult::Data {
            data: Data::Array(Sequence::from_items(&rows)),
        },
    });
    apdu.encode_to_vec().expect("encodes")
}

fn push_20() -> Vec<u8> {
    let obis: Vec<[u8; 6]> = (0..20u8)
        .map(|i| [1, 0, 1 + i % 4, 7 + i / 4, 0, 255])
        .collect();
    let su = [Data::Integer(-1), Data::Enum(27)];
    let regs: Vec<[Data<'_>; 3]> = obis
        .iter()
        .enumerate()
        .map(|(i, o)| {
            [
                Data::OctetString(o),
                Data::DoubleLongUnsigned(230_000 + i as u32),
                Data::Structure(Sequence::from_items(&su)),
            ]
        })
        .collect();
    let items: Vec<Data<'_>> = regs
        .iter()
        .map(|r| Data::Structure(Sequence::from_items(r)))
        .collect();
    let apdu = Apdu::DataNotification(DataNotification {
        invoke_id: LongInvokeIdAndPriority(0x4000_0001),
        date_time: NotificationDateTime::ABSENT,
        body: Data::Array(Sequence::from_items(&items)),
    });
    apdu.encode_to_vec().expect("encodes")
}

fn aidon_se() -> Vec<u8> {
    // toreamun/amshan tests/test_aidon.py (Sweden list), shared vectors line 85, LLC stripped.
    let line = include_str!("../../dlms-cosem/tests/vectors/dlms.jsonl")
        .lines()
        .find(|l| l.contains("\"line\": 85"))
        .expect("vector 85");
    let start = line.find("\"hex\": \"").expect("hex") + 8;
    let hex = &line[start..start + line[start..].find('"').expect("end")];
    (6..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn walk(d: &Data<'_>) -> u64 {
    match d {
        Data::Array(s) | Data::Structure(s) => s.iter().fold(0u64, |a, e| a.wrapping_add(walk(&e))),
        Data::OctetString(b) => b.len() as u64,
        other => other.as_integer().map_or(1, |v| v as u64),
    }
}

fn body<'a>(a: &Apdu<'a>) -> Data<'a> {
    match a {
        Apdu::GetResponse(GetResponse::Normal {
            result: GetDataResult::Data { data },
            ..
        }) => *data,
        Apdu::DataNotification(n) => n.body,
        _ => Data::NullData,
    }
}

fn bench(c: &mut Criterion) {
    let frames = [
        ("get-response-profile-100-rows", profile_100()),
        ("data-notification-20-registers", push_20()),
        ("aidon-se-push", aidon_se()),
    ];
    let mut g = c.benchmark_group("dlms_cosem");
    for (name, bytes) in &frames {
        assert_eq!(
            Apdu::decode(bytes)
                .expect("decodes")
                .encode_to_vec()
                .expect("encodes"),
            *bytes
        );
        let n = bytes.len();
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_function(format!("decode/{name}/{n}B"), |b| {
            b.iter(|| Apdu::decode(black_box(bytes)).map(|a| a.tag()))
        });
        g.bench_function(format!("decode+walk/{name}/{n}B"), |b| {
            b.iter(|| Apdu::decode(black_box(bytes)).map(|a| walk(&body(&a))))
        });
        let a = Apdu::decode(bytes).expect("decodes");
        let mut out = vec![0u8; n];
        g.bench_function(format!("encode/{name}/{n}B"), |b| {
            b.iter(|| black_box(&a).encode(&mut out))
        });
        floors::memcpy(&mut g, n);
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = floors::config();
    targets = bench
}
criterion_main!(benches);
