//! GBCS: the reference messages decode into their parts, and the MAC,
//! signature, key agreement and anti-replay rules hold with keys these
//! tests make (the reference messages carry no keys).
//!
//! The messages are from the DCC Reference Test Data Set (RTDS 4.5.0) as
//! bundled with SmartDCCInnovation/gbcs-parser (test/rtds/…; its terms
//! are noted in the shared vectors file): the ECS01a command (MAC header
//! around a signed grouping header) and its response, in
//! `tests/vectors/dlms.jsonl`, and the GCS01a gas (GBZ) response in
//! `tests/vectors/gbcs.jsonl`. Only these three are copied.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::apdu::GeneralSigning;
use dual_protocol_dlms_cosem::gbcs::crypto::{
    ALGORITHM_ID, agree_key, derive_key, seal_mac_header, sign_grouping, verify_mac,
    verify_signature,
};
use dual_protocol_dlms_cosem::gbcs::{
    AntiReplay, ContentKind, CounterTable, CraFlag, GbcsError, GbcsMessage, OriginatorCounterStore,
    TransactionId,
};
use dual_protocol_dlms_cosem::{Apdu, Decode};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use serde_json::Value;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn find(file: &str, source_end: &str) -> Vec<u8> {
    let v: Value = file
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["source"].as_str().unwrap().ends_with(source_end))
        .unwrap();
    hex(v["hex"].as_str().unwrap())
}

fn ecs01a_command() -> Vec<u8> {
    find(
        include_str!("vectors/dlms.jsonl"),
        "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_COMMAND_GBCS.HEX",
    )
}

fn ecs01a_response() -> Vec<u8> {
    find(
        include_str!("vectors/dlms.jsonl"),
        "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_RESPONSE_GBCS.HEX",
    )
}

fn gcs01a_response() -> Vec<u8> {
    find(
        include_str!("vectors/gbcs.jsonl"),
        "GCS01a_1.1.1_CANCELLATION_BLOCK_SUCCESS_RESPONSE_GBCS.HEX",
    )
}

const DCC: [u8; 8] = [0x90, 0xb3, 0xd5, 0x1f, 0x30, 0x01, 0x00, 0x00];
const ESME: [u8; 8] = [0x00, 0xdb, 0x12, 0x34, 0x56, 0x78, 0x90, 0xa0];

#[test]
fn ecs01a_command_decodes_into_its_parts() {
    let b = ecs01a_command();
    let m = GbcsMessage::decode(&b).unwrap();
    let mac = m.mac_header.expect("MAC header");
    assert_eq!(mac.security_control.0, 0x11);
    assert_eq!(mac.invocation_counter, 0);
    assert_eq!(mac.mac, hex("a0446d747fd168a160cc8944"));
    // The MAC header: DD, five empty octet strings, no key-info, length.
    assert_eq!(&b[..10], hex("dd0000000000008204ed"));
    assert_eq!(mac.authenticated.len(), 0x04ed - 5 - 12);
    let g = m.grouping;
    assert_eq!(
        g.transaction_id,
        TransactionId {
            cra: CraFlag::Command,
            originator_counter: 0x03ef
        }
    );
    assert_eq!(g.transaction_id.to_bytes().to_vec(), g.apdu.transaction_id);
    assert_eq!(g.originator, DCC);
    assert_eq!(g.recipient, ESME);
    assert!(g.apdu.date_time.is_empty());
    assert_eq!(g.message_code, Some(0x0019));
    assert_eq!(g.apdu.content.len(), 1143);
    assert_eq!(g.content_kind(), ContentKind::Dlms(0xd9), "ACCESS request");
    assert!(matches!(
        Apdu::decode(g.apdu.content).unwrap(),
        Apdu::AccessRequest(_)
    ));
    assert_eq!(g.apdu.signature.len(), 64);
    // The signed part runs from the transaction-id through the content.
    assert_eq!(g.signed.first(), Some(&0x09));
    assert_eq!(
        g.signed.len(),
        mac.authenticated.len() - 1 - 1 - 64,
        "all but the tag and the signature"
    );
}

#[test]
fn responses_decode_into_their_parts() {
    let b = ecs01a_response();
    let m = GbcsMessage::decode(&b).unwrap();
    assert!(m.mac_header.is_none());
    let g = m.grouping;
    assert_eq!(g.transaction_id.cra, CraFlag::Response);
    assert_eq!(g.transaction_id.originator_counter, 0x03ef);
    assert_eq!(g.originator, ESME);
    assert_eq!(g.recipient, DCC);
    assert_eq!(g.apdu.date_time.len(), 12);
    assert_eq!(g.message_code, Some(0x0019));
    assert_eq!(g.content_kind(), ContentKind::Dlms(0xda), "ACCESS response");

    let b = gcs01a_response();
    let m = GbcsMessage::decode(&b).unwrap();
    let g = m.grouping;
    assert_eq!(g.transaction_id.cra, CraFlag::Response);
    assert_eq!(g.transaction_id.originator_counter, 0x03ee);
    assert_eq!(g.message_code, Some(0x006b));
    assert_eq!(g.content_kind(), ContentKind::Gbz);
    assert_eq!(g.apdu.content.len(), 0x53);
}

#[test]
fn malformed_messages_are_named_errors() {
    let b = ecs01a_command();
    // Truncation at every byte: an error, never a panic.
    for n in 0..b.len() {
        assert!(GbcsMessage::decode(&b[..n]).is_err(), "prefix {n}");
    }
    // A MAC header whose transaction-id is not empty.
    let mut bad = b.clone();
    bad.splice(1..2, [1, 0xaa]);
    assert!(matches!(
        GbcsMessage::decode(&bad),
        Err(GbcsError::MacHeader { .. })
    ));
    // A grouping header with an 8-byte transaction-id.
    let r = ecs01a_response();
    let mut bad = vec![0xdf, 0x08];
    bad.extend_from_slice(&r[3..]);
    assert!(matches!(
        GbcsMessage::decode(&bad),
        Err(GbcsError::TransactionId { len: 8 })
    ));
    // Not a GBCS message at all.
    assert!(matches!(
        GbcsMessage::decode(&hex("c001c100080000010000ff0200")),
        Err(GbcsError::NotGbcs { tag: 0xc0 })
    ));
}

#[test]
fn kdf_follows_the_gbcs_other_info() {
    let p = RustCrypto;
    let z = [0x5a; 32];
    let tid = [1, 0, 0, 0, 0, 0, 0, 3, 0xef];
    let k = derive_key(&p, &z, &DCC, &tid, &ESME).unwrap();
    // SHA-256(00000001 ‖ Z ‖ 60857406080300 ‖ orig ‖ 09 ‖ tid ‖ recip), first 16.
    let want = p.sha256(&[&[0, 0, 0, 1], &z, &ALGORITHM_ID, &DCC, &[9], &tid, &ESME]);
    assert_eq!(k.expose(), &want[..16]);
    assert_eq!(ALGORITHM_ID, [0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00]);
}

struct Keys {
    dcc_ka: <RustCrypto as CryptoProvider>::P256SigningKey,
    esme_ka: <RustCrypto as CryptoProvider>::P256SigningKey,
    dcc_ds: <RustCrypto as CryptoProvider>::P256SigningKey,
}

fn keys() -> Keys {
    let p = RustCrypto;
    Keys {
        dcc_ka: p.p256_signing_key(&[0x31; 32]).unwrap(),
        esme_ka: p.p256_signing_key(&[0x32; 32]).unwrap(),
        dcc_ds: p.p256_signing_key(&[0x33; 32]).unwrap(),
    }
}

/// Re-signs the reference command's grouping header with a generated DCC
/// signing key and wraps it in a MAC header under the agreed key.
fn signed_and_maced(k: &Keys) -> Vec<u8> {
    let p = RustCrypto;
    let reference = ecs01a_command();
    let m = GbcsMessage::decode(&reference).unwrap();
    let fields = GeneralSigning {
        signature: &[],
        ..m.grouping.apdu
    };
    let mut grouping = vec![0u8; 1400];
    let n = sign_grouping(&p, &k.dcc_ds, &fields, &mut grouping).unwrap();
    grouping.truncate(n);
    let tid = m.grouping.transaction_id.to_bytes();
    let esme_pub = p
        .p256_verifying_key(&p.p256_public_key(&k.esme_ka))
        .unwrap();
    let key = agree_key(&p, &k.dcc_ka, &esme_pub, &DCC, &tid, &ESME).unwrap();
    let mut out = vec![0u8; 1500];
    let n = seal_mac_header(&p, &key, &grouping, &mut out).unwrap();
    out.truncate(n);
    out
}

#[test]
fn sign_mac_verify_and_tamper() {
    let p = RustCrypto;
    let k = keys();
    let msg = signed_and_maced(&k);
    // The rebuilt message has the reference's shape: same MAC header bytes.
    assert_eq!(&msg[..10], &ecs01a_command()[..10]);
    let m = GbcsMessage::decode(&msg).unwrap();
    // The ESME derives the same key from its side and checks the MAC.
    let dcc_pub = p.p256_verifying_key(&p.p256_public_key(&k.dcc_ka)).unwrap();
    let tid = m.grouping.transaction_id.to_bytes();
    let key = agree_key(&p, &k.esme_ka, &dcc_pub, &DCC, &tid, &ESME).unwrap();
    let mut work = vec![0u8; 1400];
    verify_mac(&p, &key, &m, &mut work).unwrap();
    let ds_pub = p.p256_verifying_key(&p.p256_public_key(&k.dcc_ds)).unwrap();
    verify_signature(&p, &ds_pub, &m).unwrap();
    // A different transaction-id gives a different key: the MAC fails.
    let mut other_tid = tid;
    other_tid[8] ^= 1;
    let other = agree_key(&p, &k.esme_ka, &dcc_pub, &DCC, &other_tid, &ESME).unwrap();
    assert_eq!(
        verify_mac(&p, &other, &m, &mut work),
        Err(GbcsError::BadMac)
    );
    // Tampering: a bit flipped in the content, the MAC, or the signature.
    let content_at = msg.len() - 12 - 65 - 10;
    for at in [content_at, msg.len() - 1, msg.len() - 12 - 5] {
        let mut bad = msg.clone();
        bad[at] ^= 0x10;
        let m = GbcsMessage::decode(&bad).unwrap();
        let mac = verify_mac(&p, &key, &m, &mut work);
        assert_eq!(mac, Err(GbcsError::BadMac), "byte {at}");
        if at != msg.len() - 1 {
            assert_eq!(
                verify_signature(&p, &ds_pub, &m),
                Err(GbcsError::BadSignature),
                "byte {at}"
            );
        }
    }
    // The wrong signer is refused; so is the reference message's signature
    // under our generated key (it was made with the DCC's real key).
    let esme_pub = p
        .p256_verifying_key(&p.p256_public_key(&k.esme_ka))
        .unwrap();
    assert_eq!(
        verify_signature(&p, &esme_pub, &m),
        Err(GbcsError::BadSignature)
    );
    let reference = ecs01a_command();
    assert_eq!(
        verify_signature(&p, &ds_pub, &GbcsMessage::decode(&reference).unwrap()),
        Err(GbcsError::BadSignature)
    );
    // Too small a work buffer is named.
    assert!(matches!(
        verify_mac(&p, &key, &m, &mut [0u8; 10]),
        Err(GbcsError::Security(_))
    ));
    // A grouping header without a MAC header has no MAC to check.
    assert!(matches!(
        verify_mac(
            &p,
            &key,
            &GbcsMessage::decode(&ecs01a_response()).unwrap(),
            &mut work
        ),
        Err(GbcsError::MacHeader { .. })
    ));
}

#[test]
fn anti_replay_needs_strictly_increasing_counters_per_originator() {
    let mut ar = AntiReplay::new(CounterTable::<2>::default());
    let other = [7u8; 8];
    ar.check(&DCC, 0x3ef).unwrap();
    ar.accept(&DCC, 0x3ef).unwrap();
    assert_eq!(
        ar.check(&DCC, 0x3ef),
        Err(GbcsError::Replay {
            last: 0x3ef,
            received: 0x3ef
        })
    );
    assert!(ar.accept(&DCC, 0x3ee).is_err());
    ar.accept(&other, 1).unwrap(); // another originator's own sequence
    ar.accept(&DCC, 0x3f0).unwrap();
    assert_eq!(ar.store().last(&DCC), Some(0x3f0));
    assert_eq!(ar.rejected(), 2);
    // The table holds two originators; a third is a store error.
    assert_eq!(ar.accept(&[9u8; 8], 5), Err(GbcsError::Store));
    // The reference command's counter, through a decoded message.
    let b = ecs01a_command();
    let m = GbcsMessage::decode(&b).unwrap();
    let mut ar = AntiReplay::new(CounterTable::<4>::default());
    let g = m.grouping;
    ar.accept(&g.originator, g.transaction_id.originator_counter)
        .unwrap();
    assert!(
        ar.check(&g.originator, g.transaction_id.originator_counter)
            .is_err()
    );
}
