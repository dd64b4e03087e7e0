//! ZCL frames on a fuzzer-chosen cluster and direction: decode never panics,
//! whatever decodes re-encodes byte for byte, and walking every record and
//! nested value of a decoded frame never fails.
//!
//! Input: cluster id (2 octets, little-endian), a control octet (bit 0: flip
//! the direction bit of the frame control; bits 1-4: nesting limit), then
//! the ZCL frame.
#![no_main]

use dual_protocol_zcl_se::global::GlobalCommand;
use dual_protocol_zcl_se::{Context, Frame, Payload, Value};
use libfuzzer_sys::fuzz_target;

fn walk(v: &Value<'_>, depth: usize) -> usize {
    let mut n = v.encoded_len();
    let _ = v.is_invalid();
    if let Value::Collection(c) = v {
        assert!(depth < 64);
        for e in c.elements() {
            n += walk(&e, depth + 1);
        }
    }
    n
}

fuzz_target!(|data: &[u8]| {
    let (Some(cl), Some(&ctl)) = (data.get(..2), data.get(2)) else {
        return;
    };
    let cluster = u16::from_le_bytes([cl[0], cl[1]]);
    let mut frame = data[3..].to_vec();
    if let Some(fc) = frame.first_mut() {
        *fc ^= (ctl & 1) << 3;
    }
    let ctx = Context::new(cluster).with_max_nesting((ctl >> 1) & 0x0f);
    let Ok(f) = Frame::decode_with(&frame, &ctx) else {
        return;
    };
    let mut out = vec![0u8; f.encoded_len()];
    let n = f.encode(&mut out).expect("a decoded frame encodes");
    assert_eq!(&out[..n], &frame[..]);
    match f.payload {
        Payload::Global(GlobalCommand::ReportAttributes(l))
        | Payload::Global(GlobalCommand::WriteAttributes(l)) => {
            for r in l.iter() {
                walk(&r.value, 0);
            }
        }
        Payload::Global(GlobalCommand::ReadAttributesResponse(l)) => {
            for r in l.iter() {
                if let Some(v) = r.value {
                    walk(&v, 0);
                }
            }
        }
        Payload::Cluster(c) => {
            for field in c.fields() {
                let _ = field.def.name;
            }
        }
        _ => {}
    }
});
