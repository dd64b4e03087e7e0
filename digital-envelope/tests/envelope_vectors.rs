//! The Digital Envelope's own vectors (docs section 12), produced by this
//! implementation with the fixed test keys of `common`. The test checks
//! that the code still produces exactly the checked-in
//! `tests/vectors/envelope.txt`, and that the document prints the same
//! lines. `DPDE_WRITE_VECTORS=1 cargo test --test envelope_vectors`
//! rewrites both after an intended change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_digital_envelope::kdf;
use dual_protocol_digital_envelope::reliability::{
    ACK, Ack, ECHO_CHALLENGE, ECHO_RESPONSE, EchoChallenge, EchoResponse, TIME_REQUEST,
    TIME_RESPONSE, TimeRequest, TimeResponse,
};
use dual_protocol_digital_envelope::{KeyUpdate, KeyUpdateAck, MessageType, Outgoing, Protection};
use dual_protocol_primitives::counter::VolatileStore;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};

const VECTORS: &str = include_str!("vectors/envelope.txt");
const METER_ID: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0x00, 0x01, 0x02, 0x03, 0x04]);
/// A DLMS set-request the head end sends to a meter (opaque bytes here).
const COMMAND: [u8; 24] = [
    0xc1, 0x01, 0xc1, 0x00, 0x46, 0x00, 0x00, 0x60, 0x03, 0x0a, 0xff, 0x02, 0x00, 0x02, 0x02, 0x11,
    0x01, 0x09, 0x06, 0x00, 0x00, 0x60, 0x03, 0x0a,
];

fn generate() -> Vec<(String, String)> {
    let p = RustCrypto;
    let pki = pki();
    let mut v = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| v.push((name.to_string(), hex(bytes)));

    put("ca_certificate", &pki.ca_cert.to_bytes());
    put("hub_key_agreement_certificate", &pki.hub.ka_cert.to_bytes());
    put("hub_signing_certificate", &pki.hub.ds_cert.to_bytes());
    put(
        "head_end_key_agreement_certificate",
        &pki.head_end.ka_cert.to_bytes(),
    );
    put(
        "head_end_signing_certificate",
        &pki.head_end.ds_cert.to_bytes(),
    );
    put(
        "hub_key_agreement_private_scalar",
        p.p256_private_scalar(&pki.hub.ka).expose(),
    );
    put(
        "head_end_key_agreement_private_scalar",
        p.p256_private_scalar(&pki.head_end.ka).expose(),
    );

    let he_ka = p
        .p256_verifying_key(&pki.head_end.ka_cert.tbs.public_key)
        .unwrap();
    let z = p.p256_ecdh(&pki.hub.ka, &he_ka);
    put("z", z.expose());
    let dk = kdf::extract(&p, &[0; 16], &[z.expose()]);
    put("k_dk_generation_0", dk.expose());
    let (k, iv) = kdf::expand_traffic(&p, &dk, HUB_ID, HEAD_END_ID, 0, &[0; 16]);
    put("key_hub_to_head_end_epoch_0", k.expose());
    put("iv_hub_to_head_end_epoch_0", &iv);
    put(
        "nonce_hub_to_head_end_epoch_0_seq_0",
        &kdf::nonce(&iv, HUB_ID, 0),
    );
    let (k, iv) = kdf::expand_traffic(&p, &dk, HEAD_END_ID, HUB_ID, 0, &[0; 16]);
    put("key_head_end_to_hub_epoch_0", k.expose());
    put("iv_head_end_to_hub_epoch_0", &iv);
    let (k, iv) = kdf::expand_traffic(&p, &dk, HUB_ID, HEAD_END_ID, 1, &[0; 16]);
    put("key_hub_to_head_end_epoch_1", k.expose());
    put("iv_hub_to_head_end_epoch_1", &iv);

    let (mut hub, mut he) = pki.contexts();
    let mut store = VolatileStore::default();
    let mut buf = [0u8; 1232];
    put("meter_read_payload", &METER_READ_40);
    let report = Outgoing::data(
        Protection::Aead,
        PayloadDescriptor::hub(PayloadKind::DlmsApdu),
        &METER_READ_40,
    );
    let n = hub
        .protect(&p, &mut store, &report, None, &mut buf)
        .unwrap();
    put("aead_hub_report_epoch_0_seq_0", &buf[..n]);

    put("command_payload", &COMMAND);
    let desc = PayloadDescriptor::device(PayloadKind::DlmsApdu, METER_ID);
    for (name, mode) in [
        ("signed_command_seq_0", Protection::Signed),
        ("signed_aead_command_seq_1", Protection::SignedAead),
    ] {
        let msg = Outgoing::data(mode, desc, &COMMAND);
        let n = he
            .protect(&p, &mut store, &msg, Some(&pki.head_end.ds), &mut buf)
            .unwrap();
        put(name, &buf[..n]);
    }

    let update = KeyUpdate {
        first_epoch: 1,
        random: [0x11; 16],
        ephemeral: None,
    };
    let ack = KeyUpdateAck {
        first_epoch: 1,
        initiator_random: [0x11; 16],
        responder_random: [0x22; 16],
        ephemeral: None,
    };
    let mut body = [0u8; 101];
    let n = update.encode(&mut body).unwrap();
    put("key_update_body", &body[..n]);
    let msg = Outgoing {
        message_type: MessageType::KeyUpdate,
        protection: Protection::SignedAead,
        descriptor: None,
        ack_requested: true,
        payload: &body[..n],
    };
    let n = he
        .protect(&p, &mut store, &msg, Some(&pki.head_end.ds), &mut buf)
        .unwrap();
    put("key_update_signed_aead_seq_2", &buf[..n]);
    let n = ack.encode(&mut body).unwrap();
    put("key_update_ack_body", &body[..n]);
    let dk1 = kdf::extract(&p, &update.random, &[z.expose()]);
    put("k_dk_generation_1", dk1.expose());
    let (k, iv) = kdf::expand_traffic(&p, &dk1, HUB_ID, HEAD_END_ID, 1, &ack.responder_random);
    put("key_hub_to_head_end_generation_1_epoch_1", k.expose());
    put("iv_hub_to_head_end_generation_1_epoch_1", &iv);
    hub.install_generation(&p, &z, None, &update, &ack).unwrap();
    let n = hub
        .protect(&p, &mut store, &report, None, &mut buf)
        .unwrap();
    put("aead_hub_report_generation_1_epoch_1_seq_0", &buf[..n]);

    // The reliability layer (docs 10): each body, then its datagram (AEAD,
    // no descriptor, flag A clear). The head end continues at sequence 3 of
    // epoch 0, the hub at sequence 1 of epoch 1 (generation 1).
    fn control(t: MessageType, body: &[u8]) -> Outgoing<'_> {
        Outgoing {
            message_type: t,
            protection: Protection::Aead,
            descriptor: None,
            ack_requested: false,
            payload: body,
        }
    }
    let mut body = [0u8; 64];
    let ack = Ack {
        largest: 7,
        bitmap: 0b1011,
    };
    let b = ack.encode(&mut body).unwrap();
    put("ack_body_7_6_5_3", &body[..b]);
    let n = he
        .protect(&p, &mut store, &control(ACK, &body[..b]), None, &mut buf)
        .unwrap();
    put("ack_head_end_seq_3", &buf[..n]);
    let challenge = EchoChallenge {
        echo: [0x33; 8],
        floor: 1 << 40,
    };
    let b = challenge.encode(&mut body).unwrap();
    put("echo_challenge_body", &body[..b]);
    let n = he
        .protect(
            &p,
            &mut store,
            &control(ECHO_CHALLENGE, &body[..b]),
            None,
            &mut buf,
        )
        .unwrap();
    put("echo_challenge_head_end_seq_4", &buf[..n]);
    let in_flight: Vec<u8> = [1u64 << 40, (1u64 << 40) | 7]
        .iter()
        .flat_map(|c| c.to_be_bytes())
        .collect();
    let response = EchoResponse {
        echo: [0x33; 8],
        in_flight: &in_flight,
    };
    let b = response.encode(&mut body).unwrap();
    put("echo_response_body", &body[..b]);
    let n = hub
        .protect(
            &p,
            &mut store,
            &control(ECHO_RESPONSE, &body[..b]),
            None,
            &mut buf,
        )
        .unwrap();
    put("echo_response_hub_epoch_1_seq_1", &buf[..n]);
    let request = TimeRequest { nonce: [0x44; 8] };
    let b = request.encode(&mut body).unwrap();
    put("time_request_body", &body[..b]);
    let n = hub
        .protect(
            &p,
            &mut store,
            &control(TIME_REQUEST, &body[..b]),
            None,
            &mut buf,
        )
        .unwrap();
    put("time_request_hub_epoch_1_seq_2", &buf[..n]);
    let response = TimeResponse {
        request: (1 << 40) | 2,
        nonce: [0x44; 8],
        utc_millis: 1_795_935_600_000,
    };
    let b = response.encode(&mut body).unwrap();
    put("time_response_body_2026_11_29t07_00_00z", &body[..b]);
    let n = he
        .protect(
            &p,
            &mut store,
            &control(TIME_RESPONSE, &body[..b]),
            None,
            &mut buf,
        )
        .unwrap();
    put("time_response_head_end_seq_5", &buf[..n]);
    v
}

fn render(v: &[(String, String)]) -> String {
    v.iter().map(|(k, h)| format!("{k} = {h}\n")).collect()
}

fn doc_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/digital-envelope.md")
}

const BEGIN: &str = "<!-- VECTORS:BEGIN -->\n";
const END: &str = "<!-- VECTORS:END -->";

fn doc_block(text: &str) -> String {
    format!("{BEGIN}```text\n{text}```\n{END}")
}

#[test]
fn code_produces_the_checked_in_vectors() {
    let text = render(&generate());
    if std::env::var_os("DPDE_WRITE_VECTORS").is_some() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("envelope.txt"), &text).unwrap();
        let doc = std::fs::read_to_string(doc_path()).unwrap();
        let (head, rest) = doc.split_once(BEGIN).unwrap();
        let (_, tail) = rest.split_once(END).unwrap();
        std::fs::write(doc_path(), format!("{head}{}{tail}", doc_block(&text))).unwrap();
        return;
    }
    for (want, got) in VECTORS.lines().zip(text.lines()) {
        assert_eq!(want, got);
    }
    assert_eq!(VECTORS, text);
}

/// The document prints exactly the vectors the code produces (skipped only
/// when the crate is built outside the repository, without `docs/`).
#[test]
fn document_prints_the_same_vectors() {
    let Ok(doc) = std::fs::read_to_string(doc_path()) else {
        return;
    };
    assert!(
        doc.contains(&doc_block(VECTORS)),
        "docs/digital-envelope.md section 12 differs from tests/vectors/envelope.txt"
    );
}

/// Every vector datagram opens with the other side's context.
#[test]
fn vector_datagrams_open() {
    let p = RustCrypto;
    let pki = pki();
    let (mut hub, mut he) = pki.contexts();
    let get = |name: &str| {
        let line = VECTORS
            .lines()
            .find(|l| l.starts_with(&format!("{name} = ")))
            .unwrap();
        unhex(line.split_once(" = ").unwrap().1)
    };
    let mut d = get("aead_hub_report_epoch_0_seq_0");
    let o = he.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.payload, METER_READ_40);
    assert_eq!(
        d.len() - METER_READ_40.len(),
        28,
        "overhead of docs section 9"
    );
    for name in ["signed_command_seq_0", "signed_aead_command_seq_1"] {
        let mut d = get(name);
        let o = hub.unprotect(&p, &mut d).unwrap();
        assert_eq!(o.payload, COMMAND);
        assert!(o.signature.is_some());
    }
    let mut d = get("key_update_signed_aead_seq_2");
    let o = hub.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.header.message_type, MessageType::KeyUpdate);
    assert_eq!(KeyUpdate::decode(o.payload).unwrap().random, [0x11; 16]);

    // The reliability messages open at the hub and decode to their bodies.
    let mut d = get("ack_head_end_seq_3");
    let total = d.len();
    let o = hub.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.header.message_type, ACK);
    assert_eq!(o.payload, get("ack_body_7_6_5_3"));
    let a = Ack::decode(o.payload).unwrap();
    assert_eq!(a.counters().collect::<Vec<_>>(), vec![7, 6, 5, 3]);
    assert_eq!(total - o.payload.len(), 27, "overhead of docs section 9");
    let mut d = get("echo_challenge_head_end_seq_4");
    let o = hub.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.header.message_type, ECHO_CHALLENGE);
    assert_eq!(EchoChallenge::decode(o.payload).unwrap().floor, 1 << 40);
    let mut d = get("time_response_head_end_seq_5");
    let o = hub.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.header.message_type, TIME_RESPONSE);
    let t = TimeResponse::decode(o.payload).unwrap();
    assert_eq!(t.request, (1 << 40) | 2);
    assert_eq!(
        dual_protocol_primitives::datetime::UtcDateTime::from_unix_seconds(
            (t.utc_millis / 1000) as i64
        )
        .unwrap()
        .to_string(),
        "2026-11-29T07:00:00Z"
    );
    // The hub's messages open at a head end that installed generation 1.
    let z = {
        let he_ka = p
            .p256_verifying_key(&pki.head_end.ka_cert.tbs.public_key)
            .unwrap();
        p.p256_ecdh(&pki.hub.ka, &he_ka)
    };
    let update = KeyUpdate::decode(&get("key_update_body")).unwrap();
    let ack = KeyUpdateAck::decode(&get("key_update_ack_body")).unwrap();
    he.install_generation(&p, &z, None, &update, &ack).unwrap();
    let mut d = get("echo_response_hub_epoch_1_seq_1");
    let o = he.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.header.message_type, ECHO_RESPONSE);
    let r = EchoResponse::decode(o.payload).unwrap();
    assert_eq!(
        r.counters().collect::<Vec<_>>(),
        vec![1 << 40, (1 << 40) | 7]
    );
    let mut d = get("time_request_hub_epoch_1_seq_2");
    let o = he.unprotect(&p, &mut d).unwrap();
    assert_eq!(o.header.message_type, TIME_REQUEST);
    assert_eq!(TimeRequest::decode(o.payload).unwrap().nonce, [0x44; 8]);
}
