//! Property tests: `decode(encode(x)) == x` for every message type,
//! `encode(decode(b)) == b` for every byte string that decodes, no panic on
//! any input, and protect/unprotect round trips in every mode.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_digital_envelope::certificate::{Certificate, KeyUsage, Role, TbsCertificate};
use dual_protocol_digital_envelope::{
    Envelope, Header, KeyUpdate, KeyUpdateAck, MessageType, Outgoing, Protection,
};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor, PayloadKind, ZclAddressing};
use proptest::prelude::*;

/// `Envelope::encode` into a vector (without needing the `alloc` feature).
fn reencode(e: &Envelope<'_>) -> Vec<u8> {
    let mut v = vec![0u8; e.encoded_len()];
    let n = e.encode(&mut v).unwrap();
    assert_eq!(n, v.len());
    v
}

fn arb_descriptor() -> impl Strategy<Value = PayloadDescriptor> {
    let kind = prop_oneof![
        Just(PayloadKind::DlmsApdu),
        Just(PayloadKind::HubManagement),
        Just(PayloadKind::EndToEndProtected),
        any::<(u16, u16, u8, u8)>().prop_map(|(profile, cluster, s, d)| {
            PayloadKind::ZclFrame(ZclAddressing {
                profile,
                cluster,
                src_endpoint: s,
                dst_endpoint: d,
            })
        }),
        prop_oneof![Just(0u8), 5u8..=63].prop_map(PayloadKind::Unknown),
    ];
    let device = prop_oneof![
        Just(HanDevice::Hub),
        any::<[u8; 8]>().prop_map(|b| HanDevice::Device(Eui64(b)))
    ];
    (kind, device).prop_map(|(kind, device)| PayloadDescriptor { kind, device })
}

fn arb_protection() -> impl Strategy<Value = Protection> {
    prop_oneof![
        Just(Protection::Aead),
        Just(Protection::Signed),
        Just(Protection::SignedAead)
    ]
}

fn arb_header() -> impl Strategy<Value = Header> {
    (
        any::<u8>(),
        arb_protection(),
        any::<bool>(),
        0u8..16,
        any::<[u8; 8]>(),
        0u32..=0xff_ffff,
        0u64..=0xff_ffff_ffff,
        proptest::option::of(arb_descriptor()),
    )
        .prop_map(
            |(t, protection, ack, r, s, epoch, sequence, descriptor)| Header {
                message_type: MessageType::from_code(t),
                protection,
                ack_requested: ack,
                reserved_flags: r,
                sender: Eui64(s),
                epoch,
                sequence,
                descriptor,
            },
        )
}

proptest! {
    #[test]
    fn header_round_trip(h in arb_header()) {
        let mut b = [0u8; 40];
        let n = h.encode(&mut b).unwrap();
        prop_assert_eq!(n, h.encoded_len());
        prop_assert_eq!(Header::decode(&b[..n]), Ok((h, n)));
    }

    #[test]
    fn envelope_round_trip(h in arb_header(), body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut b = vec![0u8; h.encoded_len()];
        h.encode(&mut b).unwrap();
        b.extend_from_slice(&body);
        b.extend_from_slice(&vec![0xee; h.protection.overhead()]);
        let e = Envelope::decode(&b).unwrap();
        prop_assert_eq!(e.header, h);
        prop_assert_eq!(reencode(&e), b);
    }

    #[test]
    fn envelope_decode_never_panics_and_reencodes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(e) = Envelope::decode(&b) {
            prop_assert_eq!(reencode(&e), b);
        }
    }

    #[test]
    fn envelope_decode_of_mutated_valid_headers(h in arb_header(), cut in 0usize..60, flip in any::<(usize, u8)>()) {
        let mut b = vec![0u8; h.encoded_len()];
        h.encode(&mut b).unwrap();
        b.extend_from_slice(&[0x5a; 72]);
        let i = flip.0 % b.len();
        b[i] ^= flip.1;
        b.truncate(b.len().saturating_sub(cut));
        if let Ok(e) = Envelope::decode(&b) {
            prop_assert_eq!(reencode(&e), b);
        }
    }

    #[test]
    fn certificate_round_trip(
        serial in any::<u64>(), issuer in any::<[u8; 8]>(), subject in any::<[u8; 8]>(),
        role in any::<u8>(), usage in any::<u8>(), nb in any::<u32>(), na in any::<u32>(),
        key in any::<[u8; 64]>(), sig in any::<[u8; 64]>(),
    ) {
        let mut public_key = [4u8; 65];
        public_key[1..].copy_from_slice(&key);
        let c = Certificate {
            tbs: TbsCertificate {
                serial,
                issuer: Eui64(issuer),
                subject: Eui64(subject),
                role: Role::from_code(role),
                key_usage: KeyUsage::from_code(usage),
                not_before: nb,
                not_after: na,
                public_key,
            },
            signature: sig,
        };
        let b = c.to_bytes();
        prop_assert_eq!(Certificate::decode(&b), Ok(c));
    }

    #[test]
    fn certificate_decode_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(c) = Certificate::decode(&b) {
            prop_assert_eq!(c.to_bytes().to_vec(), b);
        }
    }

    #[test]
    fn key_update_round_trip(epoch in 0u32..=0xff_ffff, r in any::<[u8; 16]>(), r2 in any::<[u8; 16]>(), e in proptest::option::of(any::<[u8; 64]>())) {
        let eph = e.map(|k| { let mut a = [4u8; 65]; a[1..].copy_from_slice(&k); a });
        let u = KeyUpdate { first_epoch: epoch, random: r, ephemeral: eph };
        let mut b = [0u8; 101];
        let n = u.encode(&mut b).unwrap();
        prop_assert_eq!(KeyUpdate::decode(&b[..n]), Ok(u));
        let a = KeyUpdateAck { first_epoch: epoch, initiator_random: r, responder_random: r2, ephemeral: eph };
        let n = a.encode(&mut b).unwrap();
        prop_assert_eq!(KeyUpdateAck::decode(&b[..n]), Ok(a));
    }

    #[test]
    fn key_update_decode_never_panics(b in proptest::collection::vec(any::<u8>(), 0..120)) {
        if let Ok(u) = KeyUpdate::decode(&b) {
            let mut o = [0u8; 101];
            let n = u.encode(&mut o).unwrap();
            prop_assert_eq!(&o[..n], &b[..]);
        }
        if let Ok(a) = KeyUpdateAck::decode(&b) {
            let mut o = [0u8; 101];
            let n = a.encode(&mut o).unwrap();
            prop_assert_eq!(&o[..n], &b[..]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Protect then unprotect in both directions, AEAD mode, any payload
    /// and descriptor that fit a datagram.
    #[test]
    fn protect_unprotect_aead(d in arb_descriptor(), payload in proptest::collection::vec(any::<u8>(), 0..1100), ack in any::<bool>()) {
        let p = RustCrypto;
        let pki = pki();
        let (mut hub, mut he) = pki.contexts();
        let mut store = VolatileStore::default();
        let msg = Outgoing { ack_requested: ack, ..Outgoing::data(Protection::Aead, d, &payload) };
        let mut buf = [0u8; 1232];
        let n = hub.protect(&p, &mut store, &msg, None, &mut buf).unwrap();
        prop_assert_eq!(n, msg.datagram_len());
        let o = he.unprotect(&p, &mut buf[..n]).unwrap();
        prop_assert_eq!(o.payload, &payload[..]);
        prop_assert_eq!(o.header.descriptor, Some(d));
        prop_assert_eq!(o.header.ack_requested, ack);
        let n = he.protect(&p, &mut store, &msg, None, &mut buf).unwrap();
        prop_assert_eq!(hub.unprotect(&p, &mut buf[..n]).unwrap().payload, &payload[..]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]
    /// The signed modes (ECDSA is slow in debug builds: few cases).
    #[test]
    fn protect_unprotect_signed(mode in prop_oneof![Just(Protection::Signed), Just(Protection::SignedAead)], payload in proptest::collection::vec(any::<u8>(), 0..300)) {
        let p = RustCrypto;
        let pki = pki();
        let (mut hub, mut he) = pki.contexts();
        let mut store = VolatileStore::default();
        let msg = Outgoing::data(mode, PayloadDescriptor::hub(PayloadKind::DlmsApdu), &payload);
        let mut buf = [0u8; 1232];
        let n = he.protect(&p, &mut store, &msg, Some(&pki.head_end.ds), &mut buf).unwrap();
        let o = hub.unprotect(&p, &mut buf[..n]).unwrap();
        prop_assert_eq!(o.payload, &payload[..]);
        prop_assert!(o.signature.is_some());
    }
}

/// Datagrams larger than the maximum are refused before a counter is used.
#[test]
fn too_long_is_refused() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, _) = pki.contexts();
    let mut store = VolatileStore::default();
    let payload = [0u8; 1205];
    let msg = Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        &payload,
    );
    let mut buf = [0u8; 1300];
    assert!(hub.protect(&p, &mut store, &msg, None, &mut buf).is_err());
    let msg = Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        &payload[..1204],
    );
    assert_eq!(hub.protect(&p, &mut store, &msg, None, &mut buf), Ok(1232));
    assert!(
        hub.protect(&p, &mut store, &msg, None, &mut buf[..1231])
            .is_err()
    );
}

// The reliability layer's bodies (docs 10): `decode(encode(x)) == x`,
// `encode(decode(b)) == b`, no panic on any input, and truncation at every
// byte is refused with the offset.
mod reliability_bodies {
    use dual_protocol_digital_envelope::DecodeError;
    use dual_protocol_digital_envelope::reliability::{
        Ack, EchoChallenge, EchoResponse, TimeRequest, TimeResponse,
    };
    use proptest::prelude::*;

    fn every_truncation_refused(bytes: &[u8], decode: impl Fn(&[u8]) -> Result<(), DecodeError>) {
        for cut in 0..bytes.len() {
            match decode(&bytes[..cut]) {
                Err(DecodeError::Truncated { offset, .. }) => assert_eq!(offset, cut),
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        let mut long = bytes.to_vec();
        long.push(0);
        assert_eq!(
            decode(&long),
            Err(DecodeError::TrailingBytes {
                offset: bytes.len(),
                extra: 1
            })
        );
    }

    proptest! {
        #[test]
        fn ack(largest in any::<u64>(), bitmap in any::<u64>()) {
            let a = Ack { largest, bitmap };
            let mut b = [0u8; 16];
            prop_assert_eq!(a.encode(&mut b), Ok(16));
            prop_assert_eq!(Ack::decode(&b), Ok(a));
            every_truncation_refused(&b, |x| Ack::decode(x).map(|_| ()));
            prop_assert!(a.encode(&mut [0u8; 15]).is_err());
            for c in a.counters() {
                prop_assert!(a.acknowledges(c));
            }
        }

        #[test]
        fn echo_challenge(echo in any::<[u8; 8]>(), floor in any::<u64>()) {
            let c = EchoChallenge { echo, floor };
            let mut b = [0u8; 16];
            prop_assert_eq!(c.encode(&mut b), Ok(16));
            prop_assert_eq!(EchoChallenge::decode(&b), Ok(c));
            every_truncation_refused(&b, |x| EchoChallenge::decode(x).map(|_| ()));
        }

        #[test]
        fn echo_response(echo in any::<[u8; 8]>(), list in proptest::collection::vec(any::<u64>(), 0..=64)) {
            let raw: Vec<u8> = list.iter().flat_map(|c| c.to_be_bytes()).collect();
            let r = EchoResponse { echo, in_flight: &raw };
            let mut b = vec![0u8; r.encoded_len()];
            prop_assert_eq!(r.encode(&mut b), Ok(9 + 8 * list.len()));
            let back = EchoResponse::decode(&b).unwrap();
            prop_assert_eq!(back, r);
            prop_assert_eq!(back.counters().collect::<Vec<_>>(), list);
            every_truncation_refused(&b, |x| EchoResponse::decode(x).map(|_| ()));
        }

        #[test]
        fn time_request(nonce in any::<[u8; 8]>()) {
            let t = TimeRequest { nonce };
            let mut b = [0u8; 8];
            prop_assert_eq!(t.encode(&mut b), Ok(8));
            prop_assert_eq!(TimeRequest::decode(&b), Ok(t));
            every_truncation_refused(&b, |x| TimeRequest::decode(x).map(|_| ()));
        }

        #[test]
        fn time_response(request in any::<u64>(), nonce in any::<[u8; 8]>(), utc_millis in any::<u64>()) {
            let t = TimeResponse { request, nonce, utc_millis };
            let mut b = [0u8; 24];
            prop_assert_eq!(t.encode(&mut b), Ok(24));
            prop_assert_eq!(TimeResponse::decode(&b), Ok(t));
            every_truncation_refused(&b, |x| TimeResponse::decode(x).map(|_| ()));
        }

        #[test]
        fn any_bytes_decode_or_error_and_reencode(b in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut out = vec![0u8; 600];
            if let Ok(x) = Ack::decode(&b) {
                let n = x.encode(&mut out).unwrap();
                prop_assert_eq!(&out[..n], &b[..]);
            }
            if let Ok(x) = EchoChallenge::decode(&b) {
                let n = x.encode(&mut out).unwrap();
                prop_assert_eq!(&out[..n], &b[..]);
            }
            if let Ok(x) = EchoResponse::decode(&b) {
                let n = x.encode(&mut out).unwrap();
                prop_assert_eq!(&out[..n], &b[..]);
            }
            if let Ok(x) = TimeRequest::decode(&b) {
                let n = x.encode(&mut out).unwrap();
                prop_assert_eq!(&out[..n], &b[..]);
            }
            if let Ok(x) = TimeResponse::decode(&b) {
                let n = x.encode(&mut out).unwrap();
                prop_assert_eq!(&out[..n], &b[..]);
            }
        }
    }

    #[test]
    fn echo_response_count_above_64_is_refused() {
        let mut b = vec![0u8; 9 + 8 * 65];
        b[8] = 65;
        assert_eq!(
            EchoResponse::decode(&b),
            Err(DecodeError::InvalidValue {
                offset: 8,
                value: 65
            })
        );
        let raw = [0u8; 8 * 65];
        let r = EchoResponse {
            echo: [0; 8],
            in_flight: &raw,
        };
        assert!(r.encode(&mut vec![0u8; 600]).is_err());
        let r = EchoResponse {
            echo: [0; 8],
            in_flight: &raw[..7],
        };
        assert!(r.encode(&mut vec![0u8; 600]).is_err());
    }
}
