//! `dualp decode dlms-apdu --ek/--ak/--system-title/--dedicated-key/--no-verify`
//! on the public suite-0 vectors the dlms-cosem crate carries (with their
//! sources in `dlms-cosem/tests/vectors/security.jsonl`): the Green Book
//! glo-get-request (xdom/jdlms CipheringTest) and the general-glo-ciphering
//! UDP push (u9n/dlms-cosem test_general_global_cipher.py).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const VECTORS: &str = include_str!("../../dlms-cosem/tests/vectors/security.jsonl");
const EK: &str = "000102030405060708090a0b0c0d0e0f";
const AK: &str = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
const ST: &str = "4d4d4d0000bc614e";

fn dualp(args: &[&str], stdin: &str) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dualp"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

fn vector(line: u64) -> Value {
    VECTORS
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["line"] == line)
        .unwrap()
}

fn json(o: &Output) -> Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn glo_get_request_deciphers_and_verifies() {
    let v = vector(2);
    let hex = v["hex"].as_str().unwrap();
    let o = dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--ek",
            EK,
            "--ak",
            AK,
            "--system-title",
            ST,
        ],
        hex,
    );
    let j = json(&o);
    assert_eq!(j["plaintext_hex"], v["expect"]["plaintext"]);
    assert_eq!(j["plaintext"]["apdu"], "get_request");
    assert_eq!(j["plaintext"]["attribute"]["instance_id"], "0-0:1.0.0.255");
    assert_eq!(j["verified"], true);
    // The decoded form still encodes back to the same bytes.
    let e = dualp(&["encode", "dlms-apdu"], &j.to_string());
    assert_eq!(
        e.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&e.stderr)
    );
    assert!(
        String::from_utf8_lossy(&e.stdout)
            .to_lowercase()
            .contains(hex)
    );
}

#[test]
fn a_bad_tag_is_exit_status_1_unless_no_verify() {
    let mut hex = vector(2)["hex"].as_str().unwrap().to_string();
    hex.replace_range(hex.len() - 1.., "c");
    let o = dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--ek",
            EK,
            "--ak",
            AK,
            "--system-title",
            ST,
        ],
        &hex,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("tag does not verify"));
    let o = dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--ek",
            EK,
            "--system-title",
            ST,
            "--no-verify",
        ],
        &hex,
    );
    let j = json(&o);
    assert_eq!(j["plaintext_hex"], "c0010000080000010000ff0200");
    assert_eq!(j["verified"], false);
    // A wrong key is a failed check too.
    let o = dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--ek",
            AK,
            "--ak",
            AK,
            "--system-title",
            ST,
        ],
        vector(2)["hex"].as_str().unwrap(),
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn missing_keys_and_titles_are_usage_errors() {
    let v2 = vector(2);
    let hex = v2["hex"].as_str().unwrap();
    let o = dualp(
        &["decode", "dlms-apdu", "--json", "--ek", EK, "--ak", AK],
        hex,
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--ek",
            EK,
            "--system-title",
            ST,
        ],
        hex,
    );
    assert_eq!(o.status.code(), Some(2));
    // Without --ek nothing is deciphered.
    let j = json(&dualp(&["decode", "dlms-apdu", "--json"], hex));
    assert!(j.get("plaintext_hex").is_none());
}

#[test]
fn encryption_only_and_general_glo_ciphering() {
    let v = vector(3);
    let j = json(&dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--ek",
            EK,
            "--system-title",
            ST,
        ],
        v["hex"].as_str().unwrap(),
    ));
    assert_eq!(j["plaintext_hex"], v["expect"]["plaintext"]);
    assert_eq!(j["verified"], false);
    let v = vector(47);
    let k = v["expect"]["ek"].as_str().unwrap();
    // The container's own system title is used (a wrong --system-title is ignored).
    let j = json(&dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--ek",
            k,
            "--ak",
            k,
            "--system-title",
            "0000000000000000",
        ],
        v["hex"].as_str().unwrap(),
    ));
    assert_eq!(j["plaintext_hex"], v["expect"]["plaintext"]);
    assert_eq!(j["plaintext"]["apdu"], "data_notification");
}

// ---- general-ciphering key-info, general-signing and GBCS (issue 5) ----

use dual_protocol_dlms_cosem::apdu::{GeneralSigning, SecurityControl};
use dual_protocol_dlms_cosem::gbcs::GbcsMessage;
use dual_protocol_dlms_cosem::gbcs::crypto::{agree_key, seal_mac_header, sign_grouping};
use dual_protocol_dlms_cosem::security::SecurityKey;
use dual_protocol_dlms_cosem::security::general::{
    CipheringHeader, SendKey, seal_general_ciphering,
};
use dual_protocol_dlms_cosem::security::signing::{SigningKey, VerifyingKey};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use std::path::PathBuf;

/// The DCC Reference Test Data Set (RTDS 4.5.0) messages, as bundled with
/// SmartDCCInnovation/gbcs-parser, in the dlms-cosem crate's vectors.
const DLMS_VECTORS: &str = include_str!("../../dlms-cosem/tests/vectors/dlms.jsonl");

fn rtds(suffix: &str) -> String {
    DLMS_VECTORS
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["source"].as_str().unwrap().ends_with(suffix))
        .unwrap()["hex"]
        .as_str()
        .unwrap()
        .to_string()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("dualp-dlms-security-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// A P-256 key from a fixed scalar, written as a hex-scalar key file.
fn key_file(name: &str, scalar: u8) -> (PathBuf, <RustCrypto as CryptoProvider>::P256SigningKey) {
    let path = tmp(name);
    std::fs::write(&path, hexs(&[scalar; 32])).unwrap();
    (path, RustCrypto.p256_signing_key(&[scalar; 32]).unwrap())
}

fn public_hex(k: &<RustCrypto as CryptoProvider>::P256SigningKey) -> String {
    hexs(&RustCrypto.p256_public_key(k))
}

#[test]
fn gbcs_command_decodes_into_its_parts() {
    let j = json(&dualp(
        &["decode", "dlms-apdu", "--json"],
        &rtds("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_COMMAND_GBCS.HEX"),
    ));
    let g = &j["gbcs"];
    assert_eq!(g["mac_header"]["mac"], "a0446d747fd168a160cc8944");
    assert_eq!(g["mac_header"]["security_control"]["raw"], 0x11);
    assert_eq!(g["cra_flag"], "command");
    assert_eq!(g["originator_counter"], 0x3ef);
    assert_eq!(g["originator"], "90b3d51f30010000");
    assert_eq!(g["recipient"], "00db1234567890a0");
    assert_eq!(g["message_code"], "0x0019");
    assert_eq!(g["content_kind"], "dlms");
    assert_eq!(g["signature"].as_str().unwrap().len(), 128);
    let r = json(&dualp(
        &["decode", "dlms-apdu", "--json"],
        &rtds("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_RESPONSE_GBCS.HEX"),
    ));
    assert_eq!(r["gbcs"]["cra_flag"], "response");
    assert!(r["gbcs"].get("mac_header").is_none());
}

#[test]
fn key_new_sign_and_verify_a_general_signing_apdu() {
    let pem = tmp("signer.pem");
    let k = json(&dualp(&["key", "new", "--out", pem.to_str().unwrap()], ""));
    let public = k["public_key"].as_str().unwrap().to_string();
    // A general-signing APDU (the RTDS response) re-signed with the new key.
    let unsigned = json(&dualp(
        &["decode", "dlms-apdu", "--json"],
        &rtds("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_RESPONSE_GBCS.HEX"),
    ));
    let o = dualp(
        &["encode", "dlms-apdu", "--sign-key", pem.to_str().unwrap()],
        &unsigned.to_string(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let signed = String::from_utf8(o.stdout).unwrap().trim().to_string();
    let j = json(&dualp(
        &["decode", "dlms-apdu", "--json", "--verify-key", &public],
        &signed,
    ));
    assert_eq!(j["gbcs"]["signature_verified"], true);
    // The reference signature does not verify under our key; neither does
    // a tampered one.
    let o = dualp(
        &["decode", "dlms-apdu", "--json", "--verify-key", &public],
        &rtds("ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_RESPONSE_GBCS.HEX"),
    );
    assert_eq!(o.status.code(), Some(1));
    let mut bad = signed.clone();
    let at = bad.len() - 3;
    bad.replace_range(at..at + 1, if &bad[at..at + 1] == "0" { "1" } else { "0" });
    let o = dualp(
        &["decode", "dlms-apdu", "--json", "--verify-key", &public],
        &bad,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("signature"));
    // A plain (non-GBCS) general-signing APDU verifies the same way.
    let plain_fields = GeneralSigning {
        transaction_id: &[1, 2, 3],
        originator_system_title: b"HES00001",
        recipient_system_title: b"METER001",
        date_time: &[],
        other_information: &[],
        content: &[0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 0xff, 2, 0],
        signature: &[],
    };
    let (path, sk) = key_file("plain-signer.hex", 0x61);
    let mut out = [0u8; 200];
    let n = dual_protocol_dlms_cosem::security::signing::sign_general_signing(
        &RustCrypto,
        &SigningKey::P256(&sk),
        &plain_fields,
        &mut out,
    )
    .unwrap();
    let j = json(&dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--verify-key",
            &public_hex(&sk),
        ],
        &hexs(&out[..n]),
    ));
    assert_eq!(j["signature_verified"], true);
    assert!(path.exists());
}

fn header<'h>(tid: &'h [u8]) -> CipheringHeader<'h> {
    CipheringHeader {
        transaction_id: tid,
        originator_system_title: *b"HES00001",
        recipient_system_title: b"METER001",
        date_time: &[],
        other_information: &[],
        security_control: SecurityControl(0x31),
        invocation_counter: 1,
    }
}

const GET: [u8; 13] = [0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 0xff, 2, 0];

#[test]
fn general_ciphering_agreed_and_wrapped_keys() {
    let p = RustCrypto;
    let (_, hes_ka) = key_file("hes-ka.hex", 0x41);
    let (meter_path, meter_ka) = key_file("meter-ka.hex", 0x42);
    let (_, hes_ds) = key_file("hes-ds.hex", 0x43);
    let (_, eph) = key_file("eph.hex", 0x44);
    let meter_pub = p.p256_verifying_key(&p.p256_public_key(&meter_ka)).unwrap();
    let tid = [1, 0, 0, 0, 0, 0, 0, 0, 5];
    let mut wire = [0u8; 400];
    // C(0e,2s).
    let n = seal_general_ciphering(
        &p,
        &header(&tid),
        &SendKey::StaticUnified {
            own: SigningKey::P256(&hes_ka),
            recipient: VerifyingKey::P256(&meter_pub),
        },
        &[],
        &GET,
        &mut wire,
    )
    .unwrap();
    let args = [
        "decode",
        "dlms-apdu",
        "--json",
        "--kdf-private-key",
        meter_path.to_str().unwrap(),
        "--peer-public-key",
    ];
    let hes_pub = public_hex(&hes_ka);
    let mut a = args.to_vec();
    a.push(&hes_pub);
    let j = json(&dualp(&a, &hexs(&wire[..n])));
    assert_eq!(j["plaintext_hex"], hexs(&GET));
    assert_eq!(j["plaintext"]["apdu"], "get_request");
    assert_eq!(j["verified"], true);
    assert_eq!(j["key_info"]["choice"], "agreed_key");
    let mut bad = wire[..n].to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(dualp(&a, &hexs(&bad)).status.code(), Some(1));
    // C(1e,1s): the ephemeral key's signature is checked with --verify-key.
    let n = seal_general_ciphering(
        &p,
        &header(&tid),
        &SendKey::OnePass {
            ephemeral: SigningKey::P256(&eph),
            signer: SigningKey::P256(&hes_ds),
            recipient: VerifyingKey::P256(&meter_pub),
        },
        &[],
        &GET,
        &mut wire,
    )
    .unwrap();
    let ds_pub = public_hex(&hes_ds);
    let mut a = args[..5].to_vec();
    a.extend(["--verify-key", &ds_pub]);
    let j = json(&dualp(&a, &hexs(&wire[..n])));
    assert_eq!(j["plaintext_hex"], hexs(&GET));
    let wrong = public_hex(&hes_ka);
    let mut a = args[..5].to_vec();
    a.extend(["--verify-key", &wrong]);
    let o = dualp(&a, &hexs(&wire[..n]));
    assert_eq!(o.status.code(), Some(1), "wrong signer");
    // Without the key a usage error names it.
    let o = dualp(&args[..5], &hexs(&wire[..n]));
    assert_eq!(o.status.code(), Some(2));
    // Wrapped key: --kek.
    let kek = SecurityKey::new(&[0x0b; 16]).unwrap();
    let content = SecurityKey::new(&[0x0c; 16]).unwrap();
    let mut h = header(&tid);
    h.security_control = SecurityControl(0x30);
    let n = seal_general_ciphering::<RustCrypto>(
        &p,
        &h,
        &SendKey::Wrapped {
            kek: &kek,
            key: &content,
        },
        &[0xd0; 16],
        &GET,
        &mut wire,
    )
    .unwrap();
    let j = json(&dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--kek",
            &hexs(&[0x0b; 16]),
            "--ak",
            &hexs(&[0xd0; 16]),
        ],
        &hexs(&wire[..n]),
    ));
    assert_eq!(j["plaintext_hex"], hexs(&GET));
    let o = dualp(
        &[
            "decode",
            "dlms-apdu",
            "--json",
            "--kek",
            &hexs(&[0x0d; 16]),
            "--ak",
            &hexs(&[0xd0; 16]),
        ],
        &hexs(&wire[..n]),
    );
    assert_eq!(o.status.code(), Some(1), "wrong KEK");
}

#[test]
fn gbcs_mac_and_signature_checked_with_generated_keys() {
    let p = RustCrypto;
    let (_, dcc_ka) = key_file("dcc-ka.hex", 0x51);
    let (esme_path, esme_ka) = key_file("esme-ka.hex", 0x52);
    let (_, dcc_ds) = key_file("dcc-ds.hex", 0x53);
    let reference = unhex(&rtds(
        "ECS01a_1.1.1_IMMEDIATE_BLOCK_SUCCESS_COMMAND_GBCS.HEX",
    ));
    let m = GbcsMessage::decode(&reference).unwrap();
    let fields = GeneralSigning {
        signature: &[],
        ..m.grouping.apdu
    };
    let mut grouping = vec![0u8; 1400];
    let n = sign_grouping(&p, &dcc_ds, &fields, &mut grouping).unwrap();
    let esme_pub = p.p256_verifying_key(&p.p256_public_key(&esme_ka)).unwrap();
    let g = m.grouping;
    let key = agree_key(
        &p,
        &dcc_ka,
        &esme_pub,
        &g.originator,
        &g.transaction_id.to_bytes(),
        &g.recipient,
    )
    .unwrap();
    let mut msg = vec![0u8; 1500];
    let len = seal_mac_header(&p, &key, &grouping[..n], &mut msg).unwrap();
    msg.truncate(len);
    let dcc_pub = public_hex(&dcc_ka);
    let ds_pub = public_hex(&dcc_ds);
    let args = [
        "decode",
        "dlms-apdu",
        "--json",
        "--kdf-private-key",
        esme_path.to_str().unwrap(),
        "--peer-public-key",
        &dcc_pub,
        "--verify-key",
        &ds_pub,
    ];
    let j = json(&dualp(&args, &hexs(&msg)));
    assert_eq!(j["gbcs"]["mac_verified"], true);
    assert_eq!(j["gbcs"]["signature_verified"], true);
    let mut bad = msg.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let o = dualp(&args, &hexs(&bad));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("MAC"));
}
