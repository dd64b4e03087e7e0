//! Public ACSE, wrapper and HDLC vectors, each with its source, from
//! `tests/vectors/acse_framing.jsonl` (copied from the project's shared
//! vector set; `line` is the line in that set, `source` the repository and
//! file the bytes come from): u9n/dlms-cosem tests (AARQ/AARE/RLRQ/RLRE,
//! InitiateRequest/Response, conformance, UDP wrapper, HDLC frames) and
//! xdom/jdlms `FcsCalcTest` / `HdlcFrameTest` (FCS cases, Landis+Gyr E650,
//! Kamstrup and Iskra frames).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::acse::*;
use dual_protocol_dlms_cosem::apdu::{
    ConfirmedService, KeyScope, ProtectedService, ServiceErrorKind,
};
use dual_protocol_dlms_cosem::hdlc::*;
use dual_protocol_dlms_cosem::wrapper::{WrapperFrame, WrapperStream};
use dual_protocol_dlms_cosem::{Apdu, Decode, Encode};
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/acse_framing.jsonl");

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

fn vector(line: u64) -> (Vec<u8>, Value) {
    let v = all()
        .into_iter()
        .find(|v| v["line"] == line)
        .unwrap_or_else(|| panic!("no vector at line {line}"));
    assert!(!v["source"].as_str().unwrap().is_empty());
    (hex(v["hex"].as_str().unwrap()), v)
}

fn enc<T: Encode>(v: &T) -> Vec<u8> {
    let mut b = vec![0; v.encoded_len()];
    let n = v.encode(&mut b).unwrap();
    b.truncate(n);
    b
}

fn acse(b: &[u8]) -> AcseApdu<'_> {
    let a = AcseApdu::decode(b).unwrap();
    assert_eq!(enc(&a), b);
    a
}

fn aarq(line: u64) -> (Vec<u8>, Value) {
    vector(line)
}

#[test]
fn every_vector_decodes_and_reencodes() {
    let mut n = 0;
    for v in all() {
        let b = hex(v["hex"].as_str().unwrap());
        let kind = v["kind"].as_str().unwrap();
        let line = v["line"].as_u64().unwrap();
        match kind {
            k if k.starts_with("aar") || k.starts_with("rlr") => {
                let a = AcseApdu::decode(&b).unwrap_or_else(|e| panic!("line {line}: {e}"));
                assert_eq!(enc(&a), b, "line {line}");
            }
            k if k.starts_with("initiate-request") => {
                assert_eq!(b[0], 1);
                let i = InitiateRequest::decode(&b[1..]).unwrap();
                assert_eq!(enc(&i), &b[1..], "line {line}");
            }
            "initiate-response" => {
                assert_eq!(b[0], 8);
                let i = InitiateResponse::decode(&b[1..]).unwrap();
                assert_eq!(enc(&i), &b[1..], "line {line}");
            }
            "conformance-block" => {
                let c = Conformance::decode(&b).unwrap();
                assert_eq!(enc(&c), b);
            }
            "wrapper-udp" => {
                let w = WrapperFrame::decode(&b).unwrap();
                assert_eq!(enc(&w), b);
            }
            _ if line == 74 => {
                // Deviation not accepted: the length field says 11 where 10
                // bytes stand between the flags (see `hdlc_snrm_lines_53_74`).
                assert!(HdlcFrame::decode(&b).is_err());
            }
            k if k.starts_with("hdlc") => {
                let f = HdlcFrame::decode(&b).unwrap_or_else(|e| panic!("line {line}: {e}"));
                assert_eq!(enc(&f), b, "line {line}");
                // The header note: "control 0x.. NAME".
                let header = v["expect"]["header"].as_str().unwrap();
                let ctrl = format!("control 0x{:02x}", f.control.to_u8());
                assert!(header.contains(&ctrl), "line {line}: {header} vs {ctrl}");
                assert!(
                    header.contains(&format!("length {},", f.frame_len())),
                    "line {line}"
                );
                assert!(header.contains(&format!("segmentation={}", u8::from(f.segmented))));
                if let Some(fcs) = v["expect"]["fcs"].as_str() {
                    let got = &b[b.len() - 3..b.len() - 1];
                    assert_eq!(fcs, format!("{:02x}{:02x}", got[0], got[1]));
                }
            }
            other => panic!("unhandled kind {other}"),
        }
        n += 1;
    }
    assert_eq!(n, 42);
}

/// The header note's address tuples, e.g. "dest addr (1, 17), src addr (16,)".
fn note_addr(header: &str, which: &str) -> Vec<u16> {
    let s = header.split(&format!("{which} addr (")).nth(1).unwrap();
    let s = &s[..s.find(')').unwrap()];
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| x.parse().unwrap())
        .collect()
}

fn addr_parts(a: HdlcAddress) -> Vec<u16> {
    match a.lower() {
        Some(l) => vec![a.upper(), l],
        None => vec![a.upper()],
    }
}

#[test]
fn hdlc_addresses_match_the_notes() {
    for v in all() {
        if !v["kind"].as_str().unwrap().starts_with("hdlc") {
            continue;
        }
        let b = hex(v["hex"].as_str().unwrap());
        if v["line"] == 74 {
            continue;
        }
        let f = HdlcFrame::decode(&b).unwrap();
        let header = v["expect"]["header"].as_str().unwrap();
        assert_eq!(
            addr_parts(f.destination),
            note_addr(header, "dest"),
            "{header}"
        );
        assert_eq!(addr_parts(f.source), note_addr(header, "src"), "{header}");
    }
}

// --- u9n/dlms-cosem tests/test_asce/test_aarq.py ---

#[test]
fn aarq_no_security_line_8() {
    let (b, _) = aarq(8);
    let AcseApdu::Aarq(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(
        a.application_context_name,
        ApplicationContextName::LogicalName
    );
    assert!(a.mechanism_name.is_none() && a.calling_authentication_value.is_none());
    let Some(UserInformation::InitiateRequest(ir)) = a.user_information else {
        panic!()
    };
    assert_eq!(ir.dedicated_key, None);
    assert!(ir.response_allowed());
    assert_eq!(ir.proposed_dlms_version_number, 6);
    assert_eq!(ir.proposed_conformance.bits, 0x007e1f);
    assert_eq!(ir.client_max_receive_pdu_size, 0x04b0);
    let names: Vec<_> = ir.proposed_conformance.names().collect();
    assert_eq!(
        names,
        [
            "priority_mgmt_supported",
            "attribute0_supported_with_get",
            "block_transfer_with_get_or_read",
            "block_transfer_with_set_or_write",
            "block_transfer_with_action",
            "multiple_references",
            "get",
            "set",
            "selective_access",
            "event_notification",
            "action"
        ]
    );
}

#[test]
fn aarq_line_13_conformance_and_max_pdu() {
    let (b, _) = aarq(13);
    let AcseApdu::Aarq(a) = acse(&b) else {
        panic!()
    };
    let Some(UserInformation::InitiateRequest(ir)) = a.user_information else {
        panic!()
    };
    assert_eq!(ir.proposed_conformance.bits, 0x001e1d);
    assert_eq!(ir.client_max_receive_pdu_size, 0xffff);
}

#[test]
fn aarq_lls_line_9() {
    let (b, v) = aarq(9);
    let AcseApdu::Aarq(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(a.mechanism(), Some(AuthenticationMechanism::Low));
    assert_eq!(v["expect"]["mechanism"], 1);
    assert!(a.sender_acse_requirements.unwrap().bit(0));
    assert_eq!(
        a.calling_authentication_value,
        Some(AuthenticationValue::CharString(b"12345678"))
    );
}

#[test]
fn aarq_hls_gmac_line_10_and_mech2_line_11() {
    let (b, _) = aarq(10);
    let AcseApdu::Aarq(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(a.mechanism(), Some(AuthenticationMechanism::HighGmac));
    assert_eq!(
        a.calling_authentication_value.unwrap().as_bytes(),
        hex("4b35366956616759")
    );
    let (b, _) = aarq(11);
    let AcseApdu::Aarq(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(a.mechanism(), Some(AuthenticationMechanism::High));
}

#[test]
fn aarq_ciphered_lls_line_12() {
    let (b, _) = aarq(12);
    let AcseApdu::Aarq(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(
        a.application_context_name,
        ApplicationContextName::LogicalNameCiphered
    );
    assert!(a.application_context_name.ciphered());
    assert_eq!(
        a.calling_ap_title.unwrap().as_octets().unwrap(),
        hex("4d4d4d0000bc614e")
    );
    let Some(UserInformation::Apdu(Apdu::Ciphered(c))) = a.user_information else {
        panic!()
    };
    assert_eq!(c.scope, KeyScope::Global);
    assert_eq!(c.service, ProtectedService::InitiateRequest);
    assert_eq!(c.content.invocation_counter, 0x0123_4567);
    assert_eq!(c.content.security_control.0, 0x30);
}

// --- u9n/dlms-cosem tests/test_asce/test_aare.py ---

#[test]
fn aare_accepted_line_14() {
    let (b, _) = vector(14);
    let AcseApdu::Aare(a) = acse(&b) else {
        panic!()
    };
    assert!(a.accepted());
    assert_eq!(
        a.result_source_diagnostic,
        ResultSourceDiagnostic::ServiceUser(AcseServiceUser::Null)
    );
    let Some(UserInformation::InitiateResponse(ir)) = a.user_information else {
        panic!()
    };
    assert_eq!(ir.negotiated_dlms_version_number, 6);
    assert_eq!(ir.negotiated_conformance.bits, 0x00501f);
    assert_eq!(ir.server_max_receive_pdu_size, 0x01f4);
    assert_eq!(ir.vaa_name, 7);
}

#[test]
fn aare_rejected_line_15() {
    let (b, _) = vector(15);
    let AcseApdu::Aare(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(a.result, AssociationResult::RejectedPermanent);
    assert_eq!(
        a.result_source_diagnostic,
        ResultSourceDiagnostic::ServiceUser(AcseServiceUser::ApplicationContextNameNotSupported)
    );
}

#[test]
fn aare_rejected_with_confirmed_service_error_line_16() {
    let (b, _) = vector(16);
    let AcseApdu::Aare(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(a.result, AssociationResult::RejectedPermanent);
    let e = a
        .user_information
        .unwrap()
        .confirmed_service_error()
        .unwrap();
    assert_eq!(e.service, ConfirmedService::Initiate);
    assert_eq!(e.kind, ServiceErrorKind::Initiate);
    assert_eq!(e.value, 1); // dlms-version-too-low
}

#[test]
fn aare_hls_line_17() {
    let (b, _) = vector(17);
    let AcseApdu::Aare(a) = acse(&b) else {
        panic!()
    };
    assert_eq!(
        a.result_source_diagnostic,
        ResultSourceDiagnostic::ServiceUser(AcseServiceUser::AuthenticationRequired)
    );
    assert_eq!(
        a.mechanism_name,
        Some(MechanismName::Dlms(AuthenticationMechanism::HighGmac))
    );
    assert_eq!(
        a.responding_authentication_value.unwrap().as_bytes(),
        hex("503677524a323146")
    );
    assert!(a.responder_acse_requirements.unwrap().bit(0));
}

#[test]
fn aare_without_user_information_decodes() {
    // Landis+Gyr ZCXi/ZMXi reject without user-information (gurux.dlms.java
    // PR #23): line 15 with the user-information removed.
    let (b, _) = vector(15);
    let mut short = b[..b.len() - 18].to_vec();
    short[1] -= 18;
    let AcseApdu::Aare(a) = acse(&short) else {
        panic!()
    };
    assert_eq!(a.result, AssociationResult::RejectedPermanent);
    assert!(a.user_information.is_none());
}

// --- u9n/dlms-cosem tests/test_asce/test_rlrq.py, test_rlre.py ---

#[test]
fn release_pdus_lines_18_to_22() {
    let (b, _) = vector(18);
    let AcseApdu::Rlrq(r) = acse(&b) else {
        panic!()
    };
    assert_eq!(r.reason, Some(ReleaseRequestReason::Normal));
    assert!(r.user_information.is_none());
    let (b, _) = vector(19);
    let AcseApdu::Rlrq(r) = acse(&b) else {
        panic!()
    };
    assert!(
        matches!(r.user_information, Some(UserInformation::Apdu(Apdu::Ciphered(c))) if c.service == ProtectedService::InitiateRequest)
    );
    let (b, _) = vector(20);
    let AcseApdu::Rlre(r) = acse(&b) else {
        panic!()
    };
    assert_eq!(r.reason, Some(ReleaseResponseReason::Normal));
    let (b, _) = vector(21);
    let AcseApdu::Rlre(r) = acse(&b) else {
        panic!()
    };
    let Some(UserInformation::InitiateResponse(ir)) = r.user_information else {
        panic!()
    };
    assert_eq!(ir.negotiated_quality_of_service, Some(0));
    assert_eq!(ir.server_max_receive_pdu_size, 0x04c8);
    let (b, _) = vector(22);
    let AcseApdu::Rlre(r) = acse(&b) else {
        panic!()
    };
    assert!(
        matches!(r.user_information, Some(UserInformation::Apdu(Apdu::Ciphered(c))) if c.service == ProtectedService::InitiateResponse)
    );
}

// --- u9n/dlms-cosem tests/test_xdlms/test_initiate.py, test_conformance.py ---

#[test]
fn initiate_request_with_dedicated_key_line_5() {
    let (b, v) = vector(5);
    let ir = InitiateRequest::decode(&b[1..]).unwrap();
    assert_eq!(
        ir.dedicated_key.unwrap(),
        hex(v["expect"]["dedicated_key"].as_str().unwrap())
    );
    assert_eq!(ir.proposed_dlms_version_number, 6);
    assert_eq!(ir.proposed_conformance.bits, 0x007e1f);
    assert_eq!(ir.client_max_receive_pdu_size, 1200);
}

#[test]
fn initiate_responses_lines_23_24() {
    let (b, _) = vector(23);
    let ir = InitiateResponse::decode(&b[1..]).unwrap();
    assert_eq!(ir.negotiated_quality_of_service, None);
    assert_eq!(ir.negotiated_conformance.bits, 0x00501f);
    let (b, _) = vector(24);
    let ir = InitiateResponse::decode(&b[1..]).unwrap();
    assert_eq!(ir.negotiated_quality_of_service, Some(0));
    assert_eq!(ir.negotiated_conformance.bits, 0x001e1d);
}

#[test]
fn conformance_block_line_25() {
    let (b, _) = vector(25);
    let c = Conformance::decode(&b).unwrap();
    assert_eq!(c.bits, 0x007e1f);
    assert!(
        c.contains(
            Conformance::GET
                .union(Conformance::SET)
                .union(Conformance::ACTION)
        )
    );
    assert!(!c.contains(Conformance::GENERAL_PROTECTION));
    assert_eq!(
        Conformance::from_name("selective_access"),
        Some(Conformance::SELECTIVE_ACCESS)
    );
    assert_eq!(Conformance::NAMED.len(), 24);
}

// --- u9n/dlms-cosem tests/test_udp_message.py ---

#[test]
fn wrapper_udp_line_49() {
    let (b, _) = vector(49);
    let w = WrapperFrame::decode(&b).unwrap();
    assert_eq!((w.version, w.source_wport, w.destination_wport), (1, 1, 1));
    assert_eq!(w.apdu.len(), 70);
    assert!(matches!(
        Apdu::decode(w.apdu).unwrap(),
        Apdu::GeneralGloCiphering(_)
    ));
    // The same frame through the TCP stream decoder, one byte at a time.
    let mut s = WrapperStream::<128>::new(100);
    let mut frames = 0;
    for byte in &b {
        assert_eq!(s.feed(std::slice::from_ref(byte)), 1);
        while let Some(f) = s.poll_frame().unwrap() {
            assert_eq!(f, w);
            frames += 1;
        }
    }
    assert_eq!(frames, 1);
}

// --- HDLC: u9n/dlms-cosem tests/test_hdlc/test_hdlc.py, jDLMS FcsCalcTest / HdlcFrameTest ---

#[test]
fn hdlc_ua_parameters_lines_54_70_71_72() {
    for (line, tx, rx, wt, wr, width) in [
        (54, 0x9a, 0x9a, 1, 1, 1),
        (70, 0x80, 0x3e, 1, 1, 1),
        (71, 0x74, 0x74, 1, 1, 2),
        (72, 0x7e, 0x7e, 1, 1, 1),
        (56, 0x80, 0x80, 1, 1, 2),
    ] {
        let (b, _) = vector(line);
        let f = HdlcFrame::decode(&b).unwrap();
        assert!(matches!(f.control, Control::Ua { poll_final: true }));
        let p = HdlcParameters::decode(f.information).unwrap();
        assert_eq!(enc(&p), f.information);
        let l = p.limits();
        assert_eq!(
            (
                l.max_info_transmit,
                l.max_info_receive,
                l.window_transmit,
                l.window_receive
            ),
            (tx, rx, wt, wr),
            "line {line}"
        );
        assert_eq!(p.max_info_transmit.unwrap().width, width);
        assert_eq!(p.window_transmit.unwrap().width, 4);
    }
}

#[test]
fn hdlc_i_frames_carry_acse_lines_57_58_73() {
    let (b, _) = vector(57);
    let f = HdlcFrame::decode(&b).unwrap();
    assert_eq!(
        f.control,
        Control::I {
            ns: 0,
            nr: 0,
            poll_final: true
        }
    );
    let (llc, apdu) = Llc::split(f.information).unwrap();
    assert_eq!(llc, Llc::Command);
    assert!(matches!(acse(apdu), AcseApdu::Aarq(_)));
    let (b, _) = vector(58);
    let f = HdlcFrame::decode(&b).unwrap();
    let (llc, apdu) = Llc::split(f.information).unwrap();
    assert_eq!(llc, Llc::Response);
    assert!(matches!(acse(apdu), AcseApdu::Aare(a) if a.accepted()));
    // jDLMS: an AARE from a short-name meter (context ...8.1.2, vaa-name 0xFA00).
    // The meter's user-information says 13 bytes where the InitiateResponse
    // takes 14 (the low byte of vaa-name 0xFA00 falls outside the AARE).
    // Not accepted: the error names the offset; with the two lengths fixed
    // the AARE decodes to the values of the note.
    let (b, _) = vector(73);
    let f = HdlcFrame::decode(&b).unwrap();
    let (_, apdu) = Llc::split(f.information).unwrap();
    let e = AcseApdu::decode(apdu).unwrap_err();
    assert_eq!(e.offset, 41);
    let mut fixed = apdu.to_vec();
    fixed[1] += 1; // AARE length
    fixed[26] += 1; // [30] length
    fixed[28] += 1; // OCTET STRING length
    let AcseApdu::Aare(a) = acse(&fixed) else {
        panic!()
    };
    assert_eq!(
        a.application_context_name,
        ApplicationContextName::ShortName
    );
    let Some(UserInformation::InitiateResponse(ir)) = a.user_information else {
        panic!()
    };
    assert_eq!(ir.vaa_name, 0xfa00);
    assert!(ir.negotiated_conformance.contains(Conformance::READ));
}

#[test]
fn hdlc_jdlms_i_frames_carry_xdlms_lines_64_to_69() {
    for line in [64, 65] {
        let (b, _) = vector(line);
        let f = HdlcFrame::decode(&b).unwrap();
        let (_, apdu) = Llc::split(f.information).unwrap();
        acse(apdu);
    }
    for line in [66, 67, 68, 69] {
        let (b, _) = vector(line);
        let f = HdlcFrame::decode(&b).unwrap();
        let (_, apdu) = Llc::split(f.information).unwrap();
        let a = Apdu::decode(apdu).unwrap();
        assert_eq!(enc(&a), apdu);
    }
}

#[test]
fn hdlc_ui_push_line_60() {
    let (b, _) = vector(60);
    let f = HdlcFrame::decode(&b).unwrap();
    assert!(matches!(f.control, Control::Ui { poll_final: true }));
    assert!(!f.segmented);
    assert_eq!(f.destination, HdlcAddress::One(0x20));
    let (_, apdu) = Llc::split(f.information).unwrap();
    assert!(matches!(
        Apdu::decode(apdu).unwrap(),
        Apdu::DataNotification(_)
    ));
}

#[test]
fn hdlc_snrm_lines_53_74() {
    // jDLMS's SNRM to a Landis+Gyr E650: its FCS is right, but its length
    // field says 11 where 10 bytes stand between the flags. Rejected, with
    // the offset of the length field; the frame with the length corrected
    // decodes to the addresses of the note.
    let (b, _) = vector(74);
    let e = HdlcFrame::decode(&b).unwrap_err();
    assert_eq!(e.offset, 1);
    assert!(matches!(
        e.kind,
        dual_protocol_dlms_cosem::DecodeErrorKind::LengthBeyondFrame {
            length: 11,
            available: 10
        }
    ));
    let mut fixed = b.clone();
    fixed[2] = 10;
    let fcs = fcs16(&fixed[1..fixed.len() - 3]).to_le_bytes();
    let n = fixed.len();
    fixed[n - 3..n - 1].copy_from_slice(&fcs);
    let f = HdlcFrame::decode(&fixed).unwrap();
    assert_eq!(
        f.destination,
        HdlcAddress::Four {
            upper: 17,
            lower: 5481
        }
    );
    assert_eq!(f.source, HdlcAddress::One(48));
    assert!(f.information.is_empty());
    let (b, _) = vector(53);
    let f = HdlcFrame::decode(&b).unwrap();
    assert_eq!(f.control, Control::Snrm { poll_final: true });
}

#[test]
fn every_hdlc_vector_through_the_deframer_with_noise() {
    let mut stream = vec![0x68, 0x04, 0x04, 0x68, 0x7e, 0x7e, 0x00, 0xa0]; // M-Bus-like prefix and noise
    let mut expect = vec![];
    for v in all() {
        if v["kind"].as_str().unwrap().starts_with("hdlc") && v["line"] != 74 {
            let b = hex(v["hex"].as_str().unwrap());
            stream.extend_from_slice(&b);
            stream.extend_from_slice(&[0x7e, 0x12, 0x7e, 0xa0]);
            expect.push(b);
        }
    }
    for chunk in [1usize, 7, 64, 4096] {
        let mut d = HdlcDeframer::<2050>::new();
        let mut got = vec![];
        for part in stream.chunks(chunk) {
            let mut part = part;
            while !part.is_empty() {
                let n = d.feed(part);
                part = &part[n..];
                while let Some(f) = d.poll_frame() {
                    got.push(enc(&f));
                }
            }
        }
        assert_eq!(got, expect, "chunk {chunk}");
        assert_eq!(d.stats().frames, expect.len() as u64);
        assert!(d.stats().skipped_bytes > 0);
    }
}

// --- Negative tests: every error the new decoders raise ---

mod negative {
    use super::*;
    use dual_protocol_dlms_cosem::DecodeErrorKind as K;
    use dual_protocol_dlms_cosem::EncodeError;
    use dual_protocol_dlms_cosem::wrapper::WrapperStreamError;

    fn kind(b: &[u8]) -> K {
        AcseApdu::decode(b).unwrap_err().kind
    }

    #[test]
    fn truncation_at_every_byte_of_every_vector() {
        for v in all() {
            let b = hex(v["hex"].as_str().unwrap());
            let kind = v["kind"].as_str().unwrap();
            for cut in 0..b.len() {
                let t = &b[..cut];
                let failed = if kind.starts_with("aar") || kind.starts_with("rlr") {
                    AcseApdu::decode(t).map(|_| ()).map_err(|e| e.offset)
                } else if kind.starts_with("hdlc") {
                    HdlcFrame::decode(t).map(|_| ()).map_err(|e| e.offset)
                } else if kind == "wrapper-udp" {
                    WrapperFrame::decode(t).map(|_| ()).map_err(|e| e.offset)
                } else {
                    continue;
                };
                let offset = failed.expect_err("a truncated frame decoded");
                assert!(offset <= cut, "{kind} cut {cut}: offset {offset}");
            }
        }
    }

    #[test]
    fn acse_errors() {
        let (b, _) = vector(14);
        // Unknown application tag.
        let mut x = b.clone();
        x[0] = 0x64;
        assert!(matches!(kind(&x), K::UnknownTag { tag: 0x64, .. }));
        // Missing application-context-name: an AARE of only a result.
        assert!(matches!(
            kind(&[0x61, 0x05, 0xa2, 0x03, 0x02, 0x01, 0x00]),
            K::MissingField {
                what: "application_context_name"
            }
        ));
        // Fields out of order: result before the context name.
        let mut x = vec![0x61, 0x10, 0xa2, 0x03, 0x02, 0x01, 0x00];
        x.extend_from_slice(&b[2..13]);
        assert!(matches!(kind(&x), K::InvalidValue { .. }));
        // Indefinite and non-minimal BER lengths.
        assert!(matches!(
            kind(&[0x62, 0x80, 0x00, 0x00]),
            K::BerLength { first: 0x80 }
        ));
        assert!(matches!(
            kind(&[0x62, 0x81, 0x03, 0x80, 0x01, 0x00]),
            K::BerLength { first: 0x81 }
        ));
        // A length beyond the PDU.
        assert!(matches!(
            kind(&[0x62, 0x05, 0x80, 0x01, 0x00]),
            K::LengthBeyondFrame { .. }
        ));
        // A multi-byte tag.
        assert!(matches!(
            kind(&[0x62, 0x02, 0x9f, 0x00]),
            K::UnknownTag { .. }
        ));
        // User-information not an OCTET STRING.
        assert!(matches!(
            kind(&[0x62, 0x04, 0xbe, 0x02, 0x05, 0x00]),
            K::UnknownTag { .. }
        ));
        // Result INTEGER of two bytes.
        let mut x = b[..13].to_vec();
        x.extend([0xa2, 0x04, 0x02, 0x02, 0x00, 0x00]);
        x[1] = (x.len() - 2) as u8;
        assert!(matches!(kind(&x), K::InvalidValue { .. }));
        // Bad conformance tag inside an InitiateResponse.
        let mut x = b.clone();
        let at = x.len() - 11;
        assert_eq!(x[at], 0x5f);
        x[at] = 0x5e;
        assert!(matches!(kind(&x), K::UnknownTag { .. }));
        // Trailing bytes after the PDU.
        let mut x = b.clone();
        x.push(0);
        assert!(matches!(kind(&x), K::TrailingBytes { count: 1 }));
    }

    #[test]
    fn hdlc_errors() {
        let (b, _) = vector(57);
        let e = |b: &[u8]| HdlcFrame::decode(b).unwrap_err();
        // Bad HCS and bad FCS, each at its offset.
        let mut x = b.clone();
        x[7] ^= 1;
        assert_eq!(e(&x).offset, 7);
        assert!(matches!(e(&x).kind, K::Checksum { what: "HCS", .. }));
        let mut x = b.clone();
        x[20] ^= 1;
        assert!(matches!(e(&x).kind, K::Checksum { what: "FCS", .. }));
        assert_eq!(e(&x).offset, b.len() - 3);
        // Flags.
        let mut x = b.clone();
        x[0] = 0;
        assert!(matches!(
            e(&x).kind,
            K::InvalidValue {
                what: "HDLC opening flag",
                ..
            }
        ));
        let mut x = b.clone();
        *x.last_mut().unwrap() = 0;
        assert!(matches!(
            e(&x).kind,
            K::InvalidValue {
                what: "HDLC closing flag",
                ..
            }
        ));
        // Frame type other than 3.
        let mut x = b.clone();
        x[1] = 0x90 | (x[1] & 0x0f);
        assert!(matches!(e(&x).kind, K::InvalidValue { .. }));
        // A three-byte address (no end bit on the first two) and five bytes.
        let bad3 =
            HdlcFrame::decode_unflagged(&[0xa0, 0x0a, 0x02, 0x02, 0x03, 0x21, 0x93, 0, 0, 0], 0);
        assert!(matches!(
            bad3.unwrap_err().kind,
            K::InvalidValue { value: 3, .. }
        ));
        let bad5 = HdlcFrame::decode_unflagged(&[0xa0, 0x0b, 2, 2, 2, 2, 3, 0x21, 0x93, 0, 0], 0);
        assert!(matches!(
            bad5.unwrap_err().kind,
            K::InvalidValue { value: 5, .. }
        ));
        // An HCS with no information field after it.
        let mut f = vec![0xa0, 0x0a, 0x03, 0x21, 0x93];
        let h = fcs16(&f).to_le_bytes();
        f.extend(h);
        let c = fcs16(&f).to_le_bytes();
        f.extend(c);
        f[1] = f.len() as u8;
        assert!(HdlcFrame::decode_unflagged(&f, 0).is_err());
        // Encoding: an address part out of range, a buffer too small.
        let big = HdlcFrame {
            segmented: false,
            destination: HdlcAddress::One(0x80),
            source: HdlcAddress::One(1),
            control: Control::Snrm { poll_final: true },
            information: &[],
        };
        assert!(matches!(
            big.encode(&mut [0; 32]),
            Err(EncodeError::InvalidValue { .. })
        ));
        let f = HdlcFrame::decode(&b).unwrap();
        assert_eq!(
            f.encode(&mut [0; 10]),
            Err(EncodeError::BufferTooSmall { needed: b.len() })
        );
    }

    #[test]
    fn parameter_errors() {
        let ok = HdlcParameters::decode(&[0x81, 0x80, 0x03, 0x05, 0x01, 0x80]).unwrap();
        assert_eq!(ok.limits().max_info_transmit, 0x80);
        assert_eq!(ok.limits().window_receive, 1);
        for bad in [
            &[0x81, 0x81, 0x00][..],                           // group id
            &[0x81, 0x80, 0x03, 0x09, 0x01, 0x80],             // unknown parameter
            &[0x81, 0x80, 0x06, 0x06, 0x01, 1, 0x05, 0x01, 1], // out of order
            &[0x81, 0x80, 0x03, 0x05, 0x05, 0x80],             // width 5
            &[0x81, 0x80, 0x04, 0x05, 0x01, 0x80],             // group beyond the field
        ] {
            assert!(HdlcParameters::decode(bad).is_err(), "{bad:02x?}");
        }
        let p = HdlcParameters {
            max_info_transmit: Some(Parameter {
                value: 0x100,
                width: 1,
            }),
            ..Default::default()
        };
        assert!(p.encode(&mut [0; 16]).is_err());
        // Negotiation: the smaller of each.
        let client = HdlcParameters::from_limits(LinkLimits {
            max_info_transmit: 1024,
            max_info_receive: 256,
            window_transmit: 7,
            window_receive: 1,
        });
        let got = HdlcParameters::negotiate(&client, LinkLimits::DEFAULT);
        assert_eq!(
            got,
            LinkLimits {
                max_info_transmit: 128,
                max_info_receive: 128,
                window_transmit: 1,
                window_receive: 1
            }
        );
    }

    #[test]
    fn wrapper_and_reassembly_limits() {
        let mut s = WrapperStream::<64>::new(1000);
        assert_eq!(s.max_apdu(), 56);
        s.feed(&[0, 1, 0, 1, 0, 1, 0, 57]);
        assert_eq!(
            s.poll_frame(),
            Err(WrapperStreamError::FrameTooLong {
                length: 57,
                max: 56
            })
        );
        assert_eq!(s.buffered(), 0);
        let mut r = Reassembler::<8>::new();
        assert_eq!(r.push_segment(&[1; 6], true), Ok(None));
        assert!(r.in_progress());
        assert_eq!(
            r.push_segment(&[1; 6], false),
            Err(ReassemblyError::Overflow { limit: 8 })
        );
        assert!(!r.in_progress());
        let rr = HdlcFrame {
            segmented: false,
            destination: HdlcAddress::One(1),
            source: HdlcAddress::One(1),
            control: Control::Rr {
                nr: 1,
                poll_final: true,
            },
            information: &[],
        };
        assert_eq!(r.push(&rr), Err(ReassemblyError::NotInformation("rr")));
        let mut w = [0u8; 4];
        let f = WrapperFrame {
            version: 1,
            source_wport: 1,
            destination_wport: 1,
            apdu: &[1],
        };
        assert_eq!(
            f.encode(&mut w),
            Err(EncodeError::BufferTooSmall { needed: 9 })
        );
    }
}
