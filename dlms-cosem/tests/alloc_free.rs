//! Decoding, iterating and encoding allocate nothing: a counting global
//! allocator (`stats_alloc`; this file holds one test so nothing else
//! allocates meanwhile) checks the no-heap API on a 20-register push
//! and a 100-row load profile.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::System;

use dual_protocol_dlms_cosem::apdu::{GetDataResult, GetResponse};
use dual_protocol_dlms_cosem::{Apdu, Data, Decode, Encode};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn profile() -> Vec<u8> {
    let mut b = vec![0xc4, 0x01, 0xc1, 0x00, 0x01, 0x64];
    for i in 0..100u32 {
        b.extend([
            0x02,
            0x05,
            0x09,
            0x0c,
            0x07,
            0xea,
            0x01,
            0x01,
            0x04,
            (i / 4) as u8,
            (i % 4 * 15) as u8,
            0,
            0,
            0xff,
            0xc4,
            0x00,
        ]);
        for c in 0..4u32 {
            b.push(0x06);
            b.extend((i * 10 + c).to_be_bytes());
        }
    }
    b
}

fn push() -> Vec<u8> {
    let mut b = vec![0x0f, 0x40, 0, 0, 1, 0x00, 0x01, 20];
    for i in 0..20u8 {
        b.extend([
            0x02, 0x03, 0x09, 0x06, 1, 0, i, 7, 0, 255, 0x06, 0, 0, 1, i, 0x02, 0x02, 0x0f, 0xff,
            0x16, 0x1b,
        ]);
    }
    b
}

#[test]
fn decode_iterate_encode_allocate_nothing() {
    let profile = profile();
    let push = push();
    let mut out = [0u8; 8192];
    let region = Region::new(GLOBAL);
    let mut sum = 0u64;
    for bytes in [&profile[..], &push[..]] {
        let a = Apdu::decode(bytes).unwrap();
        let body = match a {
            Apdu::GetResponse(GetResponse::Normal {
                result: GetDataResult::Data { data },
                ..
            }) => data,
            Apdu::DataNotification(n) => n.body,
            _ => panic!(),
        };
        for row in body.as_sequence().unwrap() {
            for v in row.as_sequence().unwrap() {
                sum += v.as_integer().map_or(1, |i| i as u64);
                if let Some(dt) = v.as_date_time() {
                    sum += dt.to_unix_seconds().unwrap_or(0) as u64;
                }
            }
        }
        let n = a.encode(&mut out).unwrap();
        assert_eq!(&out[..n], bytes);
        let d = Data::decode(&bytes[4..]).ok();
        sum += d.map_or(0, |d| d.encoded_len() as u64);
    }
    let change = region.change();
    assert!(sum > 0);
    assert_eq!(
        change.allocations, 0,
        "allocations during decode/iterate/encode"
    );
    assert_eq!(change.reallocations, 0);
}
