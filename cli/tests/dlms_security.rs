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
