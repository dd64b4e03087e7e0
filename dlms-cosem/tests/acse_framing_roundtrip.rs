//! Property tests for ACSE, the wrapper and HDLC: `decode(encode(x)) == x`
//! for generated values of every PDU, frame and parameter set, and
//! `encode(decode(b)) == b` on what we encode; streams cut at random points.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::acse::*;
use dual_protocol_dlms_cosem::apdu::ConfirmedServiceError;
use dual_protocol_dlms_cosem::hdlc::*;
use dual_protocol_dlms_cosem::wrapper::{WrapperFrame, WrapperStream};
use dual_protocol_dlms_cosem::{Apdu, Decode, Encode};
use proptest::prelude::*;

fn enc<T: Encode>(v: &T) -> Vec<u8> {
    let mut b = vec![0; v.encoded_len()];
    let n = v.encode(&mut b).unwrap();
    assert_eq!(n, b.len());
    b
}

fn leak(v: Vec<u8>) -> &'static [u8] {
    Box::leak(v.into_boxed_slice())
}

fn bytes(max: usize) -> impl Strategy<Value = &'static [u8]> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(leak)
}

fn ber_value() -> impl Strategy<Value = BerValue<'static>> {
    (
        prop_oneof![Just(0x04u8), Just(0x02), Just(0x80)],
        bytes(140),
    )
        .prop_map(|(tag, content)| BerValue { tag, content })
}

fn bit_string() -> impl Strategy<Value = BitString<'static>> {
    (0u8..8, bytes(3)).prop_map(|(unused_bits, bits)| BitString { unused_bits, bits })
}

fn context() -> impl Strategy<Value = ApplicationContextName<'static>> {
    prop_oneof![
        any::<u8>().prop_map(ApplicationContextName::from_id),
        // Another OID whose content is not 7 bytes of the DLMS UA arc.
        bytes(6).prop_map(ApplicationContextName::Other),
    ]
}

fn mechanism() -> impl Strategy<Value = MechanismName<'static>> {
    prop_oneof![
        any::<u8>().prop_map(|m| MechanismName::Dlms(AuthenticationMechanism::from_u8(m))),
        bytes(6).prop_map(MechanismName::Other),
    ]
}

fn auth_value() -> impl Strategy<Value = AuthenticationValue<'static>> {
    prop_oneof![
        bytes(64).prop_map(AuthenticationValue::CharString),
        bytes(64).prop_map(AuthenticationValue::BitString),
        bytes(10).prop_map(|c| AuthenticationValue::Other(BerValue {
            tag: 0xa2,
            content: c
        })),
    ]
}

fn conformance() -> impl Strategy<Value = Conformance> {
    (any::<u8>(), 0u32..0x0100_0000)
        .prop_map(|(unused_bits, bits)| Conformance { unused_bits, bits })
}

fn user_information() -> impl Strategy<Value = UserInformation<'static>> {
    prop_oneof![
        (
            prop::option::of(bytes(32)),
            any::<Option<bool>>(),
            any::<Option<i8>>(),
            any::<u8>(),
            conformance(),
            any::<u16>()
        )
            .prop_map(|(k, r, q, v, c, m)| UserInformation::InitiateRequest(
                InitiateRequest {
                    dedicated_key: k,
                    response_allowed: r,
                    proposed_quality_of_service: q,
                    proposed_dlms_version_number: v,
                    proposed_conformance: c,
                    client_max_receive_pdu_size: m,
                }
            )),
        (
            any::<Option<i8>>(),
            any::<u8>(),
            conformance(),
            any::<u16>(),
            any::<u16>()
        )
            .prop_map(|(q, v, c, m, n)| UserInformation::InitiateResponse(
                InitiateResponse {
                    negotiated_quality_of_service: q,
                    negotiated_dlms_version_number: v,
                    negotiated_conformance: c,
                    server_max_receive_pdu_size: m,
                    vaa_name: n,
                }
            )),
        (any::<u8>(), 0u8..11, any::<u8>()).prop_map(|(s, k, v)| {
            let b = leak(vec![14, s, k, v]);
            let e = ConfirmedServiceError::decode(&b[1..]).unwrap();
            UserInformation::Apdu(Apdu::ConfirmedServiceError(e))
        }),
        (
            prop_oneof![Just(33u8), Just(40), Just(65), Just(72)],
            bytes(200)
        )
            .prop_map(|(tag, ct)| {
                let mut b = vec![tag];
                let len = 5 + ct.len();
                if len < 128 {
                    b.push(len as u8);
                } else {
                    b.extend([0x81, len as u8]);
                }
                b.extend([0x30, 0, 0, 0, 1]);
                b.extend_from_slice(ct);
                UserInformation::Apdu(Apdu::decode(leak(b)).unwrap())
            }),
    ]
}

prop_compose! {
    fn aarq()(
        protocol_version in prop::option::of(bit_string()),
        application_context_name in context(),
        titles in prop::collection::vec(prop::option::of(ber_value()), 8),
        sender_acse_requirements in prop::option::of(bit_string()),
        mechanism_name in prop::option::of(mechanism()),
        calling_authentication_value in prop::option::of(auth_value()),
        implementation_information in prop::option::of(bytes(20)),
        user_information in prop::option::of(user_information()),
    ) -> Aarq<'static> {
        Aarq {
            protocol_version,
            application_context_name,
            called_ap_title: titles[0],
            called_ae_qualifier: titles[1],
            called_ap_invocation_id: titles[2],
            called_ae_invocation_id: titles[3],
            calling_ap_title: titles[4],
            calling_ae_qualifier: titles[5],
            calling_ap_invocation_id: titles[6],
            calling_ae_invocation_id: titles[7],
            sender_acse_requirements,
            mechanism_name,
            calling_authentication_value,
            implementation_information,
            user_information,
        }
    }
}

prop_compose! {
    fn aare()(
        protocol_version in prop::option::of(bit_string()),
        application_context_name in context(),
        result in any::<u8>(),
        diag in (any::<bool>(), any::<u8>()),
        titles in prop::collection::vec(prop::option::of(ber_value()), 4),
        responder_acse_requirements in prop::option::of(bit_string()),
        mechanism_name in prop::option::of(mechanism()),
        responding_authentication_value in prop::option::of(auth_value()),
        implementation_information in prop::option::of(bytes(20)),
        user_information in prop::option::of(user_information()),
    ) -> Aare<'static> {
        Aare {
            protocol_version,
            application_context_name,
            result: AssociationResult::from_u8(result),
            result_source_diagnostic: if diag.0 {
                ResultSourceDiagnostic::ServiceUser(AcseServiceUser::from_u8(diag.1))
            } else {
                ResultSourceDiagnostic::ServiceProvider(AcseServiceProvider::from_u8(diag.1))
            },
            responding_ap_title: titles[0],
            responding_ae_qualifier: titles[1],
            responding_ap_invocation_id: titles[2],
            responding_ae_invocation_id: titles[3],
            responder_acse_requirements,
            mechanism_name,
            responding_authentication_value,
            implementation_information,
            user_information,
        }
    }
}

fn acse() -> impl Strategy<Value = AcseApdu<'static>> {
    prop_oneof![
        aarq().prop_map(AcseApdu::Aarq),
        aare().prop_map(AcseApdu::Aare),
        (
            prop::option::of(any::<u8>()),
            prop::option::of(user_information())
        )
            .prop_map(|(r, u)| AcseApdu::Rlrq(Rlrq {
                reason: r.map(ReleaseRequestReason::from_u8),
                user_information: u
            })),
        (
            prop::option::of(any::<u8>()),
            prop::option::of(user_information())
        )
            .prop_map(|(r, u)| AcseApdu::Rlre(Rlre {
                reason: r.map(ReleaseResponseReason::from_u8),
                user_information: u
            })),
    ]
}

fn address(client: bool) -> BoxedStrategy<HdlcAddress> {
    if client {
        (0u8..0x80).prop_map(HdlcAddress::One).boxed()
    } else {
        prop_oneof![
            (0u8..0x80).prop_map(HdlcAddress::One),
            (0u8..0x80, 0u8..0x80).prop_map(|(upper, lower)| HdlcAddress::Two { upper, lower }),
            (0u16..0x4000, 0u16..0x4000)
                .prop_map(|(upper, lower)| HdlcAddress::Four { upper, lower }),
        ]
        .boxed()
    }
}

fn control() -> impl Strategy<Value = Control> {
    any::<u8>().prop_map(Control::from_u8)
}

prop_compose! {
    fn frame()(
        segmented in any::<bool>(),
        destination in address(false),
        source in address(true),
        control in control(),
        information in bytes(300),
    ) -> HdlcFrame<'static> {
        HdlcFrame { segmented, destination, source, control, information }
    }
}

fn parameter() -> impl Strategy<Value = Parameter> {
    (1u8..=4).prop_flat_map(|width| {
        let max = if width == 4 {
            u32::MAX
        } else {
            (1u32 << (8 * width)) - 1
        };
        (0..=max).prop_map(move |value| Parameter { value, width })
    })
}

proptest! {
    #[test]
    fn acse_round_trips(a in acse()) {
        let b = enc(&a);
        let d = AcseApdu::decode(&b).unwrap();
        prop_assert_eq!(d, a);
        prop_assert_eq!(enc(&d), b);
    }

    #[test]
    fn hdlc_frames_round_trip(f in frame()) {
        let b = enc(&f);
        let d = HdlcFrame::decode(&b).unwrap();
        prop_assert_eq!(d, f);
        prop_assert_eq!(d.control.to_u8(), f.control.to_u8());
    }

    #[test]
    fn control_bytes_round_trip(b in any::<u8>()) {
        prop_assert_eq!(Control::from_u8(b).to_u8(), b);
    }

    #[test]
    fn any_single_bit_flip_is_caught(f in frame(), bit in any::<prop::sample::Index>()) {
        let mut b = enc(&f);
        // Flip one bit between the flags (the length field included): the
        // HCS/FCS or the length check must catch it.
        let i = bit.index((b.len() - 2) * 8);
        b[1 + i / 8] ^= 1 << (i % 8);
        prop_assert!(HdlcFrame::decode(&b).map(|d| d != f).unwrap_or(true));
    }

    #[test]
    fn hdlc_parameters_round_trip(p in prop::collection::vec(prop::option::of(parameter()), 4)) {
        let p = HdlcParameters {
            max_info_transmit: p[0],
            max_info_receive: p[1],
            window_transmit: p[2],
            window_receive: p[3],
        };
        let b = enc(&p);
        prop_assert_eq!(HdlcParameters::decode(&b).unwrap(), p);
    }

    #[test]
    fn wrapper_stream_cut_anywhere(
        apdus in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 1..6),
        cuts in prop::collection::vec(1usize..50, 1..40),
    ) {
        let frames: Vec<Vec<u8>> = apdus.iter().enumerate().map(|(i, a)| enc(&WrapperFrame {
            version: 1, source_wport: i as u16, destination_wport: 1, apdu: a,
        })).collect();
        let stream: Vec<u8> = frames.concat();
        let mut s = WrapperStream::<256>::new(200);
        let mut got = vec![];
        let mut rest = &stream[..];
        let mut k = 0;
        while !rest.is_empty() {
            let take = cuts[k % cuts.len()].min(rest.len());
            k += 1;
            let mut part = &rest[..take];
            rest = &rest[take..];
            while !part.is_empty() {
                let n = s.feed(part);
                part = &part[n..];
                while let Some(f) = s.poll_frame().unwrap() {
                    got.push(enc(&f));
                }
            }
        }
        prop_assert_eq!(got, frames);
    }

    #[test]
    fn deframer_finds_every_frame_in_noise(
        frames in prop::collection::vec(frame(), 1..5),
        noise in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 5),
        chunk in 1usize..100,
    ) {
        let encoded: Vec<Vec<u8>> = frames.iter().map(enc).collect();
        let mut stream = vec![];
        for (i, f) in encoded.iter().enumerate() {
            // Noise without flags, so it cannot hide a frame start.
            stream.extend(noise[i % 5].iter().map(|b| if *b == 0x7e { 0 } else { *b }));
            stream.extend_from_slice(f);
        }
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
        prop_assert_eq!(got, encoded);
    }

    #[test]
    fn reassembly_joins_segments(apdu in prop::collection::vec(any::<u8>(), 1..600), seg in 1usize..128) {
        let mut r = Reassembler::<1024>::new();
        let chunks: Vec<&[u8]> = apdu.chunks(seg).collect();
        let mut out = None;
        for (i, c) in chunks.iter().enumerate() {
            let last = i + 1 == chunks.len();
            let f = HdlcFrame {
                segmented: !last,
                destination: HdlcAddress::One(1),
                source: HdlcAddress::One(0x10),
                control: Control::Ui { poll_final: false },
                information: c,
            };
            match r.push(&f).unwrap() {
                Some(done) => out = Some(done.to_vec()),
                None => prop_assert!(!last),
            }
        }
        prop_assert_eq!(out.unwrap(), apdu);
    }
}
