//! Negative tests: every decode error, with its byte offset, and encode errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::global::{List, ReadAttributeStatus};
use dual_protocol_zcl_se::{
    Context, DataType, DecodeError, Direction, EncodeError, Frame, GlobalCommand, Status, Value,
};

fn decode(bytes: &[u8]) -> Result<Frame<'_>, DecodeError> {
    Frame::decode_with(bytes, &Context::new(0x0702))
}

#[test]
fn attribute_value_beyond_the_frame() {
    // Report Attributes: attribute 0x0000 uint48 with only 3 of 6 octets.
    let b = [0x18, 0x01, 0x0a, 0x00, 0x00, 0x25, 0x40, 0xe2, 0x01];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::Truncated {
            offset: 6,
            what: "unsigned integer value",
            needed: 6,
            available: 3
        }
    );
}

#[test]
fn string_longer_than_its_data() {
    // Report Attributes: character string declaring 10 octets, 3 present.
    let b = [0x18, 0x01, 0x0a, 0x04, 0x00, 0x42, 0x0a, b'a', b'b', b'c'];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::StringTooLong {
            offset: 6,
            what: "character string",
            declared: 10,
            available: 3
        }
    );
    // Long octet string: 0x0100 declared, 1 present.
    let b = [0x18, 0x01, 0x0a, 0x04, 0x00, 0x43, 0x00, 0x01, 0xaa];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::StringTooLong {
            offset: 6,
            what: "long octet string",
            declared: 256,
            available: 1
        }
    );
}

#[test]
fn unknown_data_type_in_a_report() {
    // 0x05 is reserved in table 2-10: the value's length cannot be known.
    let b = [0x18, 0x01, 0x0a, 0x00, 0x00, 0x05, 0x01, 0x02];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::UnknownDataType {
            offset: 5,
            data_type: 0x05
        }
    );
    // Also as an array's element type.
    let b = [0x18, 0x01, 0x0a, 0x00, 0x00, 0x48, 0x07, 0x01, 0x00, 0x00];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::UnknownDataType {
            offset: 6,
            data_type: 0x07
        }
    );
}

/// A report whose one value is `depth` structures, each holding the next.
fn nested(depth: usize) -> Vec<u8> {
    let mut b = vec![0x18, 0x01, 0x0a, 0x00, 0x00, 0x4c];
    for _ in 0..depth - 1 {
        b.extend_from_slice(&[0x01, 0x00, 0x4c]);
    }
    b.extend_from_slice(&[0x00, 0x00]);
    b
}

#[test]
fn structure_nested_past_the_limit() {
    // Eight levels decode with the default limit (8) ...
    let ok = nested(8);
    assert!(decode(&ok).is_ok());
    // ... nine do not; the error points at the ninth structure's count.
    let deep = nested(9);
    assert_eq!(
        decode(&deep).unwrap_err(),
        DecodeError::NestingTooDeep {
            offset: 6 + 8 * 3,
            limit: 8
        }
    );
    // A tighter limit from the context.
    let ctx = Context::new(0x0702).with_max_nesting(2);
    assert_eq!(
        Frame::decode_with(&nested(3), &ctx).unwrap_err(),
        DecodeError::NestingTooDeep {
            offset: 12,
            limit: 2
        }
    );
}

#[test]
fn header_truncations() {
    assert_eq!(
        decode(&[]).unwrap_err(),
        DecodeError::Truncated {
            offset: 0,
            what: "frame control",
            needed: 1,
            available: 0
        }
    );
    assert_eq!(
        decode(&[0x04, 0x34]).unwrap_err(),
        DecodeError::Truncated {
            offset: 1,
            what: "manufacturer code",
            needed: 2,
            available: 1
        }
    );
    assert_eq!(
        decode(&[0x00, 0x01]).unwrap_err(),
        DecodeError::Truncated {
            offset: 2,
            what: "command identifier",
            needed: 1,
            available: 0
        }
    );
}

#[test]
fn trailing_bytes_after_a_fixed_payload() {
    let b = [0x08, 0x01, 0x0b, 0x02, 0x00, 0xff];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::TrailingBytes {
            offset: 5,
            what: "default_response",
            count: 1
        }
    );
}

#[test]
fn reporting_direction_out_of_range() {
    // Configure Reporting with direction 0x02.
    let b = [0x00, 0x01, 0x06, 0x02, 0x00, 0x00, 0x10, 0x00];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::InvalidValue {
            offset: 3,
            what: "reporting direction"
        }
    );
}

#[test]
fn one_octet_response_that_is_not_success() {
    let b = [0x18, 0x01, 0x04, 0x86];
    assert_eq!(
        decode(&b).unwrap_err(),
        DecodeError::Truncated {
            offset: 4,
            what: "status record",
            needed: 2,
            available: 0
        }
    );
}

#[test]
fn cluster_command_field_truncated() {
    // Identify (client to server 0x00) needs a uint16 identify time.
    let b = [0x01, 0x01, 0x00, 0x05];
    assert_eq!(
        Frame::decode_with(&b, &Context::new(0x0003)).unwrap_err(),
        DecodeError::Truncated {
            offset: 3,
            what: "unsigned integer value",
            needed: 2,
            available: 1
        }
    );
}

const VECTORS: &str = include_str!("vectors/zcl.jsonl");

#[test]
fn truncation_at_every_byte_of_every_vector_never_panics() {
    for line in VECTORS.lines() {
        let j: serde_json::Value = serde_json::from_str(line).unwrap();
        let h = j["zcl_hex"].as_str().unwrap();
        let bytes: Vec<u8> = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect();
        let cluster = u16::try_from(j["cluster"].as_u64().unwrap()).unwrap();
        let ctx = Context::new(cluster);
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            match Frame::decode_with(prefix, &ctx) {
                Ok(f) => {
                    // Whatever decodes re-encodes to the same bytes.
                    let mut buf = vec![0u8; f.encoded_len()];
                    f.encode(&mut buf).unwrap();
                    assert_eq!(buf, prefix);
                }
                Err(e) => assert!(e.offset() <= cut, "{e} beyond {cut}"),
            }
        }
    }
}

#[test]
fn encode_errors() {
    // Buffer too small reports the full length.
    let f = Frame::global(
        Direction::ClientToServer,
        1,
        false,
        GlobalCommand::DefaultResponse {
            command_id: 1,
            status: Status::Success,
        },
    );
    let mut small = [0u8; 4];
    assert_eq!(
        f.encode(&mut small),
        Err(EncodeError::BufferTooSmall { needed: 5 })
    );
    // An integer wider than its type.
    let v = Value::Uint {
        width: 1,
        value: 0x100,
    };
    assert!(matches!(
        v.encode(&mut [0u8; 8]),
        Err(EncodeError::InvalidValue { .. })
    ));
    let v = Value::Int {
        width: 3,
        value: 1 << 23,
    };
    assert!(matches!(
        v.encode(&mut [0u8; 8]),
        Err(EncodeError::InvalidValue { .. })
    ));
    // A success record without a value.
    let recs = [ReadAttributeStatus {
        id: 0,
        status: Status::Success,
        value: None,
    }];
    let f = Frame::global(
        Direction::ServerToClient,
        1,
        false,
        GlobalCommand::ReadAttributesResponse(List::Slice(&recs)),
    );
    assert!(matches!(
        f.encode(&mut [0u8; 16]),
        Err(EncodeError::InvalidValue { .. })
    ));
    // A string that does not fit its length prefix.
    let long = [0u8; 255];
    assert!(matches!(
        Value::CharString(Some(&long)).encode(&mut [0u8; 300]),
        Err(EncodeError::InvalidValue { .. })
    ));
    // Standalone value decode of a reserved type.
    assert_eq!(
        Value::decode(DataType(0x01), &[0]).unwrap_err(),
        DecodeError::UnknownDataType {
            offset: 0,
            data_type: 1
        }
    );
}
