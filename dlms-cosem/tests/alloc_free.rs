//! Decoding, iterating and encoding allocate nothing: a counting global
//! allocator (`stats_alloc`; this file holds one test so nothing else
//! allocates meanwhile) checks the no-heap API on a 20-register push
//! and a 100-row load profile, and on ACSE decode/encode, HDLC deframing,
//! frame encoding and a link station step.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::System;

use dual_protocol_dlms_cosem::acse::AcseApdu;
use dual_protocol_dlms_cosem::apdu::{GetDataResult, GetResponse};
use dual_protocol_dlms_cosem::hdlc::{
    HdlcAddress, HdlcDeframer, HdlcFrame, HdlcLink, LinkConfig, LinkLimits, Role,
};
use dual_protocol_dlms_cosem::{Apdu, Data, Decode, Encode};
use dual_protocol_primitives::time::{Duration, Instant};
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
    // ACSE and HDLC (u9n/dlms-cosem test_hdlc.py: SNRM, then an I frame
    // with an AARQ, back to back).
    let aarq_frame = [
        0x7e, 0xa0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xbd, 0x64, 0x7e, 0xa0, 0x2c, 0x02, 0x23, 0x21,
        0x10, 0xaf, 0x9f, 0xe6, 0xe6, 0x00, 0x60, 0x1d, 0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74,
        0x05, 0x08, 0x01, 0x01, 0xbe, 0x10, 0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f,
        0x04, 0x00, 0x00, 0x1e, 0x1d, 0xff, 0xff, 0xc5, 0xe4, 0x7e,
    ];
    let mut deframer = HdlcDeframer::<2050>::new();
    let mut link = HdlcLink::<1024, 2050>::new(LinkConfig {
        role: Role::Server,
        local: HdlcAddress::Two {
            upper: 1,
            lower: 17,
        },
        remote: HdlcAddress::One(0x10),
        limits: LinkLimits::DEFAULT,
        response_timeout: Duration::from_millis(500),
        max_retries: 3,
    });
    let region2 = Region::new(GLOBAL);
    assert_eq!(deframer.feed(&aarq_frame), aarq_frame.len());
    let mut frames = 0;
    while let Some(f) = deframer.poll_frame() {
        frames += 1;
        let n = f.encode(&mut out).unwrap();
        assert_eq!(HdlcFrame::decode(&out[..n]).unwrap(), f);
        if let Some(apdu) = f.information.get(3..) {
            let a = AcseApdu::decode(apdu).unwrap();
            let n = a.encode(&mut out).unwrap();
            assert_eq!(&out[..n], apdu);
        }
    }
    assert_eq!(frames, 2);
    let now = Instant::from_millis(1);
    link.handle_input(now, &aarq_frame);
    while link.poll_event().is_some() {}
    assert_eq!(link.received_apdu().first(), Some(&0x60));
    link.send(&[0x61, 0x00]).unwrap();
    while link.poll_transmit(now, &mut out).is_some() {}
    let change2 = region2.change();
    assert_eq!(change2.allocations, 0, "allocations in ACSE/HDLC");
    let change = region.change();
    assert!(sum > 0);
    assert_eq!(
        change.allocations, 0,
        "allocations during decode/iterate/encode"
    );
    assert_eq!(change.reallocations, 0);
}
