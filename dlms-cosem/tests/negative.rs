//! Negative tests: truncation at every byte, lengths beyond the frame,
//! nesting past the limit, unknown tags and bad values, each a specific
//! error with its offset, never a panic.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::data::CompactArray;
use dual_protocol_dlms_cosem::{
    Apdu, Data, Decode, DecodeError, DecodeErrorKind as K, Encode, EncodeError, NESTING_LIMIT,
};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn err(kind: K, offset: usize) -> DecodeError {
    DecodeError { offset, kind }
}

/// APDUs from the public vectors (tests/vectors/dlms.jsonl lines 28, 34, 36, 37, 47, 52, 82, 95).
const APDUS: &[&str] = &[
    "c003c102000100002a0000ff020000080000010000ff0200",
    "c403c10200091049534b3130333037373737363433363600090c07e50603040e091700ffc400",
    "c001c100070100630100ff0201010204020412000809060000010000ff0f02120000090c07e20601ff000300ffff8880090c07e50106ff000300ffffc4000100",
    "c101c100080000010000ff0200090c07e50118ff0e303950ffc400",
    "db082f192291991641033b30000001e5025ce9d2271fd78be8c204211a916a9d7f587e0a7a814cadea89e9593f01f92ea8c087b5bdfdefeab6becf282dfe49c08f5be6dc8400",
    "0f000055390c07e0090804130d1900ffc4800207090c07e0090804130d190000008009060100010800ff060000000002020f00161e09060100030800ff060000000002020f001620",
    "0f40000000000101020309060100010700ff060000011802020f00161b",
    "df090200000000000003ef0800db1234567890a00890b3d51f300100000c07df0101ff000000008000ff02001948da200003ef000015000000000000000000000000000000000000000000150200020002000200020002000200020002000200020002000200020002000200020002000200020002004012934946869128c98a6df5929aee6ac8e1fcadbd3d476bfbfedaf16f4b99b1df122cebff010be4d2352c18d3700bc3f812ddf7b3526d11be78d63bab463c44b8",
];

#[test]
fn truncation_at_every_byte_is_a_specific_error_within_the_frame() {
    for h in APDUS {
        let b = hex(h);
        Apdu::decode(&b).unwrap();
        for cut in 0..b.len() {
            let e = Apdu::decode(&b[..cut]).unwrap_err();
            assert!(
                matches!(e.kind, K::Truncated { .. } | K::LengthBeyondFrame { .. }),
                "{h} cut at {cut}: {e}"
            );
            assert!(e.offset <= cut, "{h} cut at {cut}: offset {}", e.offset);
        }
    }
}

#[test]
fn truncated_field_reports_where_it_starts_and_what_is_missing() {
    // get-request-normal cut inside the OBIS code (at offset 5: 6 bytes, 3 present).
    let b = hex("c001c10001000000");
    assert_eq!(
        Apdu::decode(&b).unwrap_err(),
        err(K::Truncated { needed: 3 }, 5)
    );
    assert_eq!(
        Apdu::decode(&[]).unwrap_err(),
        err(K::Truncated { needed: 1 }, 0)
    );
}

#[test]
fn lengths_beyond_the_frame() {
    // octet-string of 16 bytes with 3 present: the error is at the length byte.
    assert_eq!(
        Data::decode(&hex("0910aabbcc")).unwrap_err(),
        err(
            K::LengthBeyondFrame {
                length: 16,
                available: 3
            },
            1
        )
    );
    // Multi-byte length 0x0100 inside a GBT block.
    assert_eq!(
        Apdu::decode(&hex("e0800001000082010000")).unwrap_err(),
        err(
            K::LengthBeyondFrame {
                length: 256,
                available: 1
            },
            6
        )
    );
    // bit-string of 17 bits needs 3 bytes.
    assert_eq!(
        Data::decode(&hex("041180ff")).unwrap_err(),
        err(
            K::LengthBeyondFrame {
                length: 3,
                available: 2
            },
            1
        )
    );
    // A huge array count fails at the end of the input, quickly.
    assert_eq!(
        Data::decode(&hex("0184ffffffff11")).unwrap_err(),
        err(K::Truncated { needed: 1 }, 7)
    );
}

#[test]
fn length_forms() {
    assert_eq!(
        Data::decode(&hex("098105")).unwrap_err(),
        err(K::NonMinimalLength, 1)
    );
    assert_eq!(
        Data::decode(&hex("0985000000000001")).unwrap_err(),
        err(K::LengthForm { first: 0x85 }, 1)
    );
    assert_eq!(
        Data::decode(&hex("0980")).unwrap_err(),
        err(K::LengthForm { first: 0x80 }, 1)
    );
    let long = [&[0x09, 0x81, 0x80][..], &[0u8; 128]].concat();
    assert_eq!(Data::decode(&long).unwrap().encoded_len(), long.len());
}

fn nested(depth: usize) -> Vec<u8> {
    let mut b = Vec::new();
    for _ in 0..depth {
        b.extend([0x01, 0x01]);
    }
    b.push(0x00);
    b
}

#[test]
fn nesting_past_the_limit() {
    assert!(Data::decode(&nested(NESTING_LIMIT)).is_ok());
    // The 17th array is at byte 32.
    assert_eq!(
        Data::decode(&nested(NESTING_LIMIT + 1)).unwrap_err(),
        err(
            K::NestingTooDeep {
                limit: NESTING_LIMIT
            },
            2 * NESTING_LIMIT
        )
    );
    // Deep nesting is refused inside APDUs too (get-response-normal with data).
    let mut b = hex("c401c100");
    b.extend(nested(1000));
    assert_eq!(
        Apdu::decode(&b).unwrap_err(),
        err(
            K::NestingTooDeep {
                limit: NESTING_LIMIT
            },
            4 + 2 * NESTING_LIMIT
        )
    );
    // And in compact-array type descriptions: 16 structure levels under the array.
    let mut td = Vec::new();
    for _ in 0..NESTING_LIMIT {
        td.extend([0x02, 0x01]);
    }
    td.push(0x11);
    let mut b = vec![0x13];
    b.extend(&td);
    b.extend([0x01, 0x05]);
    assert_eq!(
        Data::decode(&b).unwrap_err(),
        err(
            K::NestingTooDeep {
                limit: NESTING_LIMIT
            },
            1 + 2 * (NESTING_LIMIT - 1)
        )
    );
}

#[test]
fn unknown_tags() {
    assert_eq!(
        Data::decode(&[0x07]).unwrap_err(),
        err(
            K::UnknownTag {
                what: "Data",
                tag: 7
            },
            0
        )
    );
    assert_eq!(
        Data::decode(&hex("020211000e")).unwrap_err(),
        err(
            K::UnknownTag {
                what: "Data",
                tag: 0x0e
            },
            4
        )
    );
    assert_eq!(
        Apdu::decode(&hex("6000")).unwrap_err(),
        err(
            K::UnknownTag {
                what: "xDLMS APDU",
                tag: 0x60
            },
            0
        )
    );
    assert_eq!(
        Apdu::decode(&hex("c004c1")).unwrap_err(),
        err(
            K::UnknownTag {
                what: "Get-Request",
                tag: 4
            },
            1
        )
    );
    assert_eq!(
        Apdu::decode(&hex("c402c1000000000102ff")).unwrap_err(),
        err(
            K::UnknownTag {
                what: "DataBlock-G result",
                tag: 2
            },
            8
        )
    );
    assert_eq!(
        Apdu::decode(&hex("d80107")).unwrap_err(),
        err(
            K::UnknownTag {
                what: "ExceptionResponse service-error",
                tag: 7
            },
            2
        )
    );
    assert_eq!(
        Apdu::decode(&hex("05010300")).unwrap_err(),
        err(
            K::UnknownTag {
                what: "Variable-Access-Specification",
                tag: 3
            },
            2
        )
    );
    // A compact-array type description may not hold a compact array.
    assert_eq!(
        Data::decode(&hex("13130100")).unwrap_err(),
        err(
            K::UnknownTag {
                what: "compact-array type description",
                tag: 0x13
            },
            1
        )
    );
}

#[test]
fn invalid_values() {
    // last-block boolean must be 0 or 1.
    assert_eq!(
        Apdu::decode(&hex("c402c1020000000100 00".replace(' ', "").as_str())).unwrap_err(),
        err(
            K::InvalidValue {
                what: "boolean",
                value: 2
            },
            3
        )
    );
    // OPTIONAL flag must be 0 or 1 (access-selection of get-request-normal).
    assert_eq!(
        Apdu::decode(&hex("c001c1000100002b0100ff0202")).unwrap_err(),
        err(
            K::InvalidValue {
                what: "OPTIONAL flag",
                value: 2
            },
            12
        )
    );
    // Ciphered content shorter than its security header.
    assert_eq!(
        Apdu::decode(&hex("c803300102")).unwrap_err(),
        err(
            K::InvalidValue {
                what: "ciphered content length (under 5)",
                value: 3
            },
            1
        )
    );
    assert_eq!(
        Data::decode(&hex("110100")).unwrap_err(),
        err(K::TrailingBytes { count: 1 }, 2)
    );
}

#[test]
fn compact_array_rows_must_fill_the_contents() {
    // Rows of double-long-unsigned (4 bytes), 5 content bytes.
    assert_eq!(
        Data::decode(&hex("1306050102030405")).unwrap_err(),
        err(K::CompactArrayRows, 7)
    );
    // Rows of null-data have no size.
    assert_eq!(
        Data::decode(&hex("13000100")).unwrap_err(),
        err(K::CompactArrayRows, 3)
    );
    // A variable-size row cut short.
    assert_eq!(
        Data::decode(&hex("130903056162")).unwrap_err(),
        err(
            K::LengthBeyondFrame {
                length: 5,
                available: 2
            },
            3
        )
    );
    // A huge fixed-size array type description just fails against the frame.
    assert!(Data::decode(&hex("130101ffff0101ffff0601aa")).is_err());
    assert!(CompactArray::new(&[0x06], &[1, 2, 3]).is_err());
    // Rows that take no bytes although their type has a variable size:
    // structure {array(0, octet-string)} and array(0, visible-string).
    assert_eq!(
        Data::decode(&hex("130201010000090101")).unwrap_err(),
        err(K::CompactArrayRows, 8)
    );
    assert_eq!(
        Data::decode(&hex("130100000a0101")).unwrap_err(),
        err(K::CompactArrayRows, 6)
    );
}

#[test]
fn encode_reports_the_size_needed() {
    let b = hex(APDUS[1]);
    let a = Apdu::decode(&b).unwrap();
    for n in 0..b.len() {
        let mut buf = vec![0u8; n];
        assert_eq!(
            a.encode(&mut buf),
            Err(EncodeError::BufferTooSmall { needed: b.len() })
        );
    }
}
