//! Public vectors, each with its source, from `tests/vectors/dlms.jsonl`
//! (copied from the project's shared vector set; `line` is the line in
//! that set, `source` the repository and file the bytes come from).
//!
//! Sources: u9n/dlms-cosem tests (GET/SET/ACTION, data-notification,
//! general-glo-ciphering, A-XDR, date-time), xdom/jdlms `CipheringTest`
//! (the Green Book glo-get-request and Kaifa HLS exchange),
//! reitermarkus/dlms-cosem-rs (Austrian Kaifa push), toreamun/amshan
//! (Norwegian and Swedish HAN-port pushes, which start with the LLC header
//! `E6 E7 00` that we strip here), SmartDCCInnovation/gbcs-parser (GBCS
//! RTDS 4.5.0 general-ciphering / general-signing).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::apdu::*;
use dual_protocol_dlms_cosem::descriptor::RangeDescriptor;
use dual_protocol_dlms_cosem::{
    Apdu, CosemDate, CosemDateTime, CosemTime, Data, Decode, Encode, Obis,
};
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/dlms.jsonl");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn all() -> Vec<Value> {
    VECTORS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The vector at `line` of the shared set, as bytes (LLC header stripped).
fn vector(line: u64) -> (Vec<u8>, Value) {
    let v = all()
        .into_iter()
        .find(|v| v["line"] == line)
        .unwrap_or_else(|| panic!("no vector at line {line}"));
    let mut b = hex(v["hex"].as_str().unwrap());
    if v["kind"].as_str().unwrap().starts_with("han-llc") {
        assert_eq!(&b[..3], &[0xe6, 0xe7, 0x00]);
        b.drain(..3);
    }
    (b, v)
}

fn apdu(bytes: &[u8]) -> Apdu<'_> {
    let a = Apdu::decode(bytes).unwrap();
    assert_eq!(enc(&a), bytes, "re-encode differs");
    assert_eq!(a.encoded_len(), bytes.len());
    a
}

/// Encodes through the no-heap API (the test itself may allocate).
fn enc<T: Encode>(v: &T) -> Vec<u8> {
    let mut b = vec![0; v.encoded_len()];
    let n = v.encode(&mut b).unwrap();
    b.truncate(n);
    b
}

fn dt(bytes: [u8; 12]) -> CosemDateTime {
    CosemDateTime::from_bytes(bytes)
}

#[test]
fn every_vector_decodes_and_reencodes_byte_exactly() {
    let mut n = 0;
    for v in all() {
        let line = v["line"].as_u64().unwrap();
        let (b, v) = vector(line);
        let kind = v["kind"].as_str().unwrap();
        let source = v["source"].as_str().unwrap();
        assert!(!source.is_empty());
        match kind {
            "axdr-datetime" => {
                let d = CosemDateTime::decode(&b).unwrap();
                assert_eq!(enc(&d), b);
            }
            k if k.starts_with("axdr") => {
                let d = Data::decode(&b).unwrap_or_else(|e| panic!("line {line} ({source}): {e}"));
                assert_eq!(enc(&d), b, "line {line}");
                #[cfg(feature = "alloc")]
                assert_eq!(
                    d.to_owned().encode_to_vec().unwrap(),
                    b,
                    "line {line} (owned)"
                );
            }
            _ => {
                let a = Apdu::decode(&b).unwrap_or_else(|e| panic!("line {line} ({source}): {e}"));
                assert_eq!(enc(&a), b, "line {line}");
            }
        }
        n += 1;
    }
    assert_eq!(n, 50);
}

// --- u9n/dlms-cosem tests/test_xdlms/test_get.py (lines 26-35) ---

#[test]
fn get_request_normal_line_26() {
    let (b, _) = vector(26);
    let Apdu::GetRequest(GetRequest::Normal {
        invoke_id,
        attribute,
        access,
    }) = apdu(&b)
    else {
        panic!()
    };
    assert_eq!(
        (
            invoke_id.invoke_id(),
            invoke_id.confirmed(),
            invoke_id.high_priority()
        ),
        (1, true, true)
    );
    assert_eq!(attribute.class_id, 1);
    assert_eq!(attribute.instance_id.to_string(), "0-0:43.1.0.255");
    assert_eq!(attribute.attribute_id, 2);
    assert!(access.is_none());
}

#[test]
fn get_request_next_line_27() {
    let (b, _) = vector(27);
    assert!(matches!(
        apdu(&b),
        Apdu::GetRequest(GetRequest::Next {
            block_number: 1,
            ..
        })
    ));
}

#[test]
fn get_request_with_list_line_28() {
    let (b, _) = vector(28);
    let Apdu::GetRequest(GetRequest::WithList { attributes, .. }) = apdu(&b) else {
        panic!()
    };
    let v: Vec<_> = attributes
        .iter()
        .map(|a| {
            (
                a.attribute.class_id,
                a.attribute.instance_id,
                a.attribute.attribute_id,
            )
        })
        .collect();
    assert_eq!(v, [(1, Obis::LOGICAL_DEVICE_NAME, 2), (8, Obis::CLOCK, 2)]);
}

#[test]
fn get_response_normal_line_29_and_error_line_30() {
    let (b, _) = vector(29);
    let Apdu::GetResponse(GetResponse::Normal {
        result: GetDataResult::Data { data },
        ..
    }) = apdu(&b)
    else {
        panic!()
    };
    assert_eq!(data, Data::DoubleLongUnsigned(5009));
    let (b, _) = vector(30);
    let Apdu::GetResponse(GetResponse::Normal {
        result: GetDataResult::DataAccessResult { result },
        ..
    }) = apdu(&b)
    else {
        panic!()
    };
    assert_eq!(result, DataAccessResult::HardwareFault);
}

#[test]
fn get_response_with_blocks_lines_31_to_33() {
    let (b, _) = vector(31);
    let Apdu::GetResponse(GetResponse::WithDataBlock { result, .. }) = apdu(&b) else {
        panic!()
    };
    assert!(!result.last_block);
    assert_eq!(result.block_number, 1);
    let DataBlockGResult::RawData { raw_data } = result.result else {
        panic!()
    };
    assert_eq!(raw_data.len(), 0x049e);

    let (b, _) = vector(32);
    let Apdu::GetResponse(GetResponse::WithDataBlock { result, .. }) = apdu(&b) else {
        panic!()
    };
    assert!(result.last_block);
    assert_eq!(result.block_number, 19);
    assert!(
        matches!(result.result, DataBlockGResult::RawData { raw_data } if raw_data.len() == 0x017c)
    );

    let (b, _) = vector(33);
    let Apdu::GetResponse(GetResponse::WithDataBlock { result, .. }) = apdu(&b) else {
        panic!()
    };
    assert!(result.last_block);
    assert_eq!(
        result.result,
        DataBlockGResult::DataAccessResult {
            result: DataAccessResult::HardwareFault
        }
    );
}

#[test]
fn get_response_with_list_lines_34_35() {
    let (b, _) = vector(34);
    let Apdu::GetResponse(GetResponse::WithList { results, .. }) = apdu(&b) else {
        panic!()
    };
    let r: Vec<_> = results.iter().collect();
    assert_eq!(
        r[0],
        GetDataResult::Data {
            data: Data::OctetString(b"ISK1030777764366")
        }
    );
    let GetDataResult::Data { data } = r[1] else {
        panic!()
    };
    let d = data.as_date_time().unwrap();
    assert_eq!(
        (d.date.year, d.date.month, d.date.day_of_month),
        (2021, 6, 3)
    );
    assert_eq!(d.deviation(), Some(-60));

    let (b, _) = vector(35);
    let Apdu::GetResponse(GetResponse::WithList { results, .. }) = apdu(&b) else {
        panic!()
    };
    assert_eq!(results.len(), 9);
}

// --- u9n/dlms-cosem tests/test_xdlms/test_selective_access.py (line 36) ---

#[test]
fn get_request_with_range_descriptor_line_36() {
    let (b, _) = vector(36);
    let Apdu::GetRequest(GetRequest::Normal {
        attribute,
        access: Some(access),
        ..
    }) = apdu(&b)
    else {
        panic!()
    };
    assert_eq!(
        (attribute.class_id, attribute.instance_id.to_string()),
        (7, "1-0:99.1.0.255".into())
    );
    assert_eq!(access.selector, 1);
    let range = RangeDescriptor::from_data(&access.parameters).unwrap();
    assert_eq!(range.restricting_object.class_id, 8);
    assert_eq!(range.restricting_object.logical_name, Obis::CLOCK);
    assert_eq!(range.restricting_object.attribute_index, 2);
    let from = range.from_value.as_date_time().unwrap();
    assert_eq!(
        (from.date.year, from.date.month, from.date.day_of_month),
        (2018, 6, 1)
    );
    assert_eq!(range.selected_values.len(), 0);
    assert_eq!(enc(&range), enc(&access.parameters));
}

// --- u9n/dlms-cosem tests/test_xdlms/test_set.py, test_action.py (lines 37-43) ---

#[test]
fn set_request_and_response_lines_37_38() {
    let (b, _) = vector(37);
    let Apdu::SetRequest(SetRequest::Normal {
        attribute, value, ..
    }) = apdu(&b)
    else {
        panic!()
    };
    assert_eq!(
        (
            attribute.class_id,
            attribute.instance_id,
            attribute.attribute_id
        ),
        (8, Obis::CLOCK, 2)
    );
    let d = value.as_date_time().unwrap();
    assert_eq!(
        d.time,
        CosemTime {
            hour: 14,
            minute: 48,
            second: 57,
            hundredths: 80
        }
    );
    assert_eq!(
        (
            d.date.year,
            d.date.month,
            d.date.day_of_month,
            d.deviation()
        ),
        (2021, 1, 24, Some(-60))
    );
    assert_eq!(
        d.iso8601().unwrap().to_string(),
        "2021-01-24T14:48:57.80+01:00"
    );

    let (b, _) = vector(38);
    assert!(matches!(
        apdu(&b),
        Apdu::SetResponse(SetResponse::Normal {
            result: DataAccessResult::Success,
            ..
        })
    ));
}

#[test]
fn action_requests_and_responses_lines_39_to_45() {
    let (b, _) = vector(39);
    let Apdu::ActionRequest(ActionRequest::Normal {
        method,
        parameters: Some(Data::OctetString(p)),
        ..
    }) = apdu(&b)
    else {
        panic!()
    };
    assert_eq!(
        (method.class_id, method.instance_id, method.method_id),
        (15, Obis::CURRENT_ASSOCIATION, 1)
    );
    assert_eq!((p.len(), p[0]), (17, 0x10));

    let (b, _) = vector(40);
    assert!(matches!(
        apdu(&b),
        Apdu::ActionRequest(ActionRequest::Normal {
            parameters: None,
            ..
        })
    ));

    let (b, _) = vector(41);
    let Apdu::ActionResponse(ActionResponse::Normal { response, .. }) = apdu(&b) else {
        panic!()
    };
    assert_eq!(
        response,
        ActionResponseWithOptionalData {
            result: ActionResult::Success,
            return_parameters: None
        }
    );

    let (b, _) = vector(42);
    let Apdu::ActionResponse(ActionResponse::Normal { response, .. }) = apdu(&b) else {
        panic!()
    };
    assert!(
        matches!(response.return_parameters, Some(GetDataResult::Data { data: Data::OctetString(s) }) if s.len() == 17)
    );

    let (b, _) = vector(43);
    let Apdu::ActionResponse(ActionResponse::Normal { response, .. }) = apdu(&b) else {
        panic!()
    };
    assert_eq!(
        response.return_parameters,
        Some(GetDataResult::DataAccessResult {
            result: DataAccessResult::OtherReason
        })
    );

    // xdom/jdlms CipheringTest: Kaifa HLS-GMAC exchange.
    let (b, _) = vector(44);
    assert!(matches!(
        apdu(&b),
        Apdu::ActionRequest(ActionRequest::Normal { .. })
    ));
    let (b, _) = vector(45);
    let Apdu::ActionResponse(ActionResponse::Normal { response, .. }) = apdu(&b) else {
        panic!()
    };
    let Some(GetDataResult::Data {
        data: Data::OctetString(s),
    }) = response.return_parameters
    else {
        panic!()
    };
    assert_eq!(&s[..5], &[0x10, 0x1a, 0x91, 0x90, 0xbc]);
}

// --- data-notification: u9n (line 46), reitermarkus/dlms-cosem-rs (lines 51, 52) ---

#[test]
fn data_notification_without_date_time_line_46() {
    let (b, _) = vector(46);
    let Apdu::DataNotification(n) = apdu(&b) else {
        panic!()
    };
    assert_eq!(n.invoke_id.invoke_id(), 475);
    assert!(n.date_time.bytes.is_empty());
    assert!(matches!(n.body, Data::OctetString(s) if s.len() == 34));
}

#[test]
fn kaifa_austria_push_line_51() {
    let (b, _) = vector(51);
    let Apdu::DataNotification(n) = apdu(&b) else {
        panic!()
    };
    assert_eq!(n.invoke_id.0, 0x0002_b5e4);
    let d = n.date_time().unwrap();
    assert_eq!(
        d,
        dt([0x07, 0xe5, 9, 11, 6, 9, 13, 20, 0, 0xff, 0x88, 0x80])
    );
    assert_eq!(d.deviation(), Some(-120));
    let Data::Structure(s) = n.body else { panic!() };
    assert_eq!(s.len(), 16);
    assert_eq!(s.get(0).unwrap().as_obis(), Some(Obis::CLOCK));
    assert_eq!(s.get(1).unwrap().as_date_time(), Some(d));
}

#[test]
fn data_notification_with_date_time_line_52() {
    let (b, _) = vector(52);
    let Apdu::DataNotification(n) = apdu(&b) else {
        panic!()
    };
    assert_eq!(n.invoke_id.invoke_id(), 21817);
    let d = n.date_time().unwrap();
    assert_eq!(
        d.iso8601().unwrap().to_string(),
        "2016-09-08T19:13:25.00+01:00"
    );
    assert_eq!((d.date.day_of_week, d.clock_status), (4, 0x80));
    let Data::Structure(s) = n.body else { panic!() };
    assert_eq!(s.len(), 7);
    assert_eq!(
        s.get(1).unwrap().as_obis().unwrap().to_string(),
        "1-0:1.8.0.255"
    );
    assert_eq!(s.get(2), Some(Data::DoubleLongUnsigned(0)));
    let unit: Vec<_> = s.get(3).unwrap().as_sequence().unwrap().iter().collect();
    assert_eq!(unit, [Data::Integer(0), Data::Enum(30)]);
}

// --- protected containers: jdlms (lines 2-4), u9n (47, 48), reitermarkus (50), GBCS (94, 95) ---

#[test]
fn glo_get_request_green_book_lines_2_3() {
    let (b, v) = vector(2);
    let Apdu::Ciphered(c) = apdu(&b) else {
        panic!()
    };
    assert_eq!(
        (c.scope, c.service),
        (KeyScope::Global, ProtectedService::GetRequest)
    );
    assert_eq!(c.content.security_control, SecurityControl(0x30));
    assert!(c.content.security_control.authenticated() && c.content.security_control.encrypted());
    assert_eq!(c.content.invocation_counter, 0x0123_4567);
    assert_eq!(c.content.payload.len(), 13 + 12);
    // The plaintext the vector gives decodes as the get-request it names.
    let plain = hex(v["expect"]["plaintext"].as_str().unwrap());
    let Apdu::GetRequest(GetRequest::Normal { attribute, .. }) = apdu(&plain) else {
        panic!()
    };
    assert_eq!(attribute.instance_id, Obis::CLOCK);

    let (b, _) = vector(3);
    let Apdu::Ciphered(c) = apdu(&b) else {
        panic!()
    };
    assert_eq!(c.content.security_control.0, 0x20);
    assert_eq!(c.content.payload.len(), 13);
}

#[test]
fn glo_initiate_request_line_4() {
    let (b, _) = vector(4);
    let Apdu::Ciphered(c) = apdu(&b) else {
        panic!()
    };
    assert_eq!(
        (c.scope, c.service),
        (KeyScope::Global, ProtectedService::InitiateRequest)
    );
    assert_eq!(c.content.invocation_counter, 0x0123_4567);
}

#[test]
fn general_glo_ciphering_lines_47_48_50() {
    let (b, v) = vector(47);
    let Apdu::GeneralGloCiphering(g) = apdu(&b) else {
        panic!()
    };
    assert_eq!(g.system_title, hex("2f19229199164103"));
    assert_eq!(g.content.invocation_counter, 485);
    let plain = hex(v["expect"]["plaintext"].as_str().unwrap());
    assert!(matches!(apdu(&plain), Apdu::DataNotification(_)));

    let (b, _) = vector(48);
    let Apdu::GeneralGloCiphering(g) = apdu(&b) else {
        panic!()
    };
    assert!(g.system_title.is_empty());
    assert_eq!(g.content.invocation_counter, 2_147_483_857);

    let (b, v) = vector(50);
    let Apdu::GeneralGloCiphering(g) = apdu(&b) else {
        panic!()
    };
    assert_eq!(g.system_title, b"KFM\x10\x20\x01\x12\xa9");
    assert_eq!(g.content.security_control.suite_id(), 1);
    assert!(!g.content.security_control.authenticated());
    assert_eq!(g.content.invocation_counter, 179_302);
    let plain = hex(v["expect"]["plaintext"].as_str().unwrap());
    assert_eq!(plain.len(), g.content.payload.len());
    assert_eq!(plain, vector(51).0);
}

#[test]
fn gbcs_general_ciphering_around_general_signing_line_94() {
    let (b, _) = vector(94);
    let Apdu::GeneralCiphering(g) = apdu(&b) else {
        panic!()
    };
    assert!(
        g.transaction_id.is_empty() && g.originator_system_title.is_empty() && g.key_info.is_none()
    );
    assert_eq!(g.content.security_control.0, 0x11);
    assert_eq!(g.content.invocation_counter, 0);
    // Authenticated only: the payload is the plaintext APDU then a 12-byte tag.
    let (inner, tag) = g.content.payload.split_at(g.content.payload.len() - 12);
    assert_eq!(tag.len(), 12);
    let Apdu::GeneralSigning(s) = apdu(inner) else {
        panic!()
    };
    assert_eq!(s.transaction_id[0], 0x01, "CRA flag: command");
    assert_eq!(s.transaction_id.len(), 9);
    assert_eq!(s.originator_system_title, hex("90b3d51f30010000"));
    assert_eq!(s.recipient_system_title, hex("00db1234567890a0"));
    assert!(s.date_time.is_empty());
    assert_eq!(s.signature.len(), 64);
    let Apdu::AccessRequest(a) = apdu(s.content) else {
        panic!()
    };
    assert_eq!(a.specification.len(), a.data.len());
}

#[test]
fn gbcs_general_signing_response_line_95() {
    let (b, _) = vector(95);
    let Apdu::GeneralSigning(s) = apdu(&b) else {
        panic!()
    };
    assert_eq!(s.transaction_id[0], 0x02, "CRA flag: response");
    assert_eq!(s.originator_system_title, hex("00db1234567890a0"));
    let d = CosemDateTime::from_slice(s.date_time).unwrap();
    assert_eq!(d.date.year, 2015);
    let Apdu::AccessResponse(r) = apdu(s.content) else {
        panic!()
    };
    assert_eq!(r.data.len(), r.results.len());
}

// --- A-XDR: u9n tests/test_dlms_data.py, test_parsers.py, test_a_xdr.py, test_time.py (lines 75-81) ---

#[test]
fn kamstrup_structure_line_75() {
    let (b, _) = vector(75);
    let Data::Structure(s) = Data::decode(&b).unwrap() else {
        panic!()
    };
    assert_eq!(s.len(), 25);
    assert_eq!(s.get(0), Some(Data::VisibleString(b"Kamstrup_V0001")));
    assert_eq!(
        s.get(1).unwrap().as_obis().unwrap().to_string(),
        "1-1:0.0.5.255"
    );
}

#[test]
fn profile_buffer_with_null_timestamps_line_76() {
    let (b, _) = vector(76);
    let Data::Array(rows) = Data::decode(&b).unwrap() else {
        panic!()
    };
    assert_eq!(rows.len(), 4);
    let first: Vec<_> = rows.get(0).unwrap().as_sequence().unwrap().iter().collect();
    assert!(first[0].as_date_time().is_some());
    assert_eq!(first[3], Data::DoubleLongUnsigned(0x0654));
    let second: Vec<_> = rows.get(1).unwrap().as_sequence().unwrap().iter().collect();
    assert_eq!(second[0], Data::NullData);
}

#[test]
fn integer_structure_line_77() {
    let (b, _) = vector(77);
    let Data::Structure(s) = Data::decode(&b).unwrap() else {
        panic!()
    };
    let v: Vec<_> = s.iter().collect();
    assert_eq!(v[0], Data::LongUnsigned(0x02d0));
    assert_eq!(v[2], Data::Unsigned(0x12));
}

#[test]
fn date_times_lines_78_79() {
    let (b, _) = vector(78);
    let d = CosemDateTime::decode(&b).unwrap();
    assert_eq!(
        d.date,
        CosemDate {
            year: 2020,
            month: 1,
            day_of_month: 1,
            day_of_week: 0xff
        }
    );
    assert_eq!(
        d.time,
        CosemTime {
            hour: 0,
            minute: 3,
            second: 0,
            hundredths: 0
        }
    );
    assert_eq!((d.deviation(), d.clock_status), (Some(-120), 0));
    // 2020-01-01T00:03:00 local at UTC+2 is 2019-12-31T22:03:00Z.
    assert_eq!(d.to_unix_seconds(), Some(1_577_836_980 - 7200));

    let (b, _) = vector(79);
    let d = CosemDateTime::decode(&b).unwrap();
    assert_eq!(d.deviation(), None);
    assert_eq!(d.iso8601().unwrap().to_string(), "2018-02-12T00:00:00.00");
    assert_eq!(d.to_unix_seconds(), None);
}

#[test]
fn date_and_time_types_lines_80_81() {
    let (b, _) = vector(80);
    assert_eq!(
        Data::decode(&b).unwrap(),
        Data::Date(CosemDate {
            year: 2024,
            month: 11,
            day_of_month: 21,
            day_of_week: 0xff
        })
    );
    let (b, _) = vector(81);
    assert_eq!(
        Data::decode(&b).unwrap(),
        Data::Time(CosemTime {
            hour: 8,
            minute: 30,
            second: 15,
            hundredths: 23
        })
    );
}

// --- toreamun/amshan HAN pushes (lines 82-93) ---

fn push(line: u64) -> DataNotification<'static> {
    let (b, _) = vector(line);
    let b: &'static [u8] = Box::leak(b.into_boxed_slice());
    let Apdu::DataNotification(n) = apdu(b) else {
        panic!("line {line}")
    };
    n
}

#[test]
fn aidon_norway_list_1_line_82() {
    let n = push(82);
    assert!(n.date_time.bytes.is_empty());
    let Data::Array(a) = n.body else { panic!() };
    let reg: Vec<_> = a.get(0).unwrap().as_sequence().unwrap().iter().collect();
    assert_eq!(reg[0].as_obis().unwrap().to_string(), "1-0:1.7.0.255");
    assert_eq!(reg[1], Data::DoubleLongUnsigned(280));
    assert_eq!(
        reg[2].as_sequence().unwrap().iter().collect::<Vec<_>>(),
        [Data::Integer(0), Data::Enum(27)]
    );
}

#[test]
fn aidon_lists_lines_83_to_85() {
    let Data::Array(a) = push(83).body else {
        panic!()
    };
    assert_eq!(a.len(), 12);
    let found = a.iter().any(|r| {
        let r: Vec<_> = r.as_sequence().unwrap().iter().collect();
        r[0].as_obis() == Some(Obis::new(1, 1, 0, 2, 129, 255))
            && r[1] == Data::VisibleString(b"AIDON_V0001")
    });
    assert!(found);
    assert!(matches!(push(84).body, Data::Array(_)));
    let Data::Array(a) = push(85).body else {
        panic!()
    };
    assert_eq!(a.len(), 27);
    let clock = a
        .iter()
        .find_map(|r| {
            let r: Vec<_> = r.as_sequence().unwrap().iter().collect();
            (r[0].as_obis() == Some(Obis::CLOCK)).then(|| r[1].as_date_time().unwrap())
        })
        .unwrap();
    assert_eq!(
        (clock.date.year, clock.date.month, clock.date.day_of_month),
        (2019, 12, 16)
    );
    assert_eq!(
        (clock.time.hour, clock.time.minute, clock.time.second),
        (7, 59, 40)
    );
}

#[test]
fn kaifa_lists_lines_86_to_89() {
    // Kaifa sends the date-time as a tagged octet-string (09 0C ..).
    let n = push(86);
    assert_eq!(n.date_time.form, DateTimeForm::TaggedOctetString);
    let d = n.date_time().unwrap();
    assert_eq!(
        (d.date.year, d.date.month, d.date.day_of_month),
        (2019, 2, 4)
    );
    assert_eq!((d.time.hour, d.time.minute, d.time.second), (23, 52, 22));
    let Data::Structure(s) = n.body else { panic!() };
    assert_eq!(
        s.iter().collect::<Vec<_>>(),
        [Data::DoubleLongUnsigned(5852)]
    );

    let Data::Structure(s) = push(87).body else {
        panic!()
    };
    assert_eq!(s.len(), 13);
    assert_eq!(s.get(0), Some(Data::OctetString(b"KFM_001")));
    assert_eq!(s.get(1), Some(Data::OctetString(b"6970631402614476")));
    assert_eq!(s.get(2), Some(Data::OctetString(b"MA304H3E")));
    let Data::Structure(s) = push(88).body else {
        panic!()
    };
    assert_eq!(s.len(), 18);
    // Kaifa Sweden: a flat structure(36) of OBIS / value pairs.
    let Data::Structure(s) = push(89).body else {
        panic!()
    };
    assert_eq!(s.len(), 36);
    assert_eq!(
        s.get(0).unwrap().as_obis().unwrap().to_string(),
        "1-0:0.2.129.255"
    );
}

#[test]
fn kamstrup_lists_lines_90_to_93() {
    let n = push(90);
    assert_eq!(n.date_time.bytes.len(), 12);
    assert_eq!(n.date_time.form, DateTimeForm::OctetString);
    let Data::Structure(s) = n.body else { panic!() };
    assert_eq!(s.len(), 25);
    assert_eq!(s.get(0), Some(Data::VisibleString(b"Kamstrup_V0001")));
    for line in [91, 92, 93] {
        assert!(matches!(push(line).body, Data::Structure(_)), "line {line}");
    }
}
