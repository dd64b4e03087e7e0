//! `dualp`'s own behaviour: usage errors, hex input, error output and exit
//! statuses. Layer decoding is tested with each layer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::{Command, Output, Stdio};

fn dualp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dualp"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn no_arguments_is_a_usage_error() {
    let o = dualp(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Usage"), "{}", stderr(&o));
}

#[test]
fn unknown_layer_is_a_usage_error() {
    let o = dualp(&["decode", "smtp", "00"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("smtp"));
}

#[test]
fn every_contract_layer_is_accepted_by_the_parser() {
    for layer in [
        "dlms-apdu",
        "dlms-data",
        "dlms-wrapper",
        "hdlc",
        "mac",
        "nwk",
        "aps",
        "interpan",
        "zcl",
        "grip",
        "envelope",
    ] {
        let o = dualp(&["decode", layer, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{layer}: {}", stderr(&o));
        let o = dualp(&["encode", layer, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{layer}: {}", stderr(&o));
    }
}

#[test]
fn bad_hex_exits_1_with_the_offset() {
    let o = dualp(&["decode", "interpan", "01 0g"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("offset 4"), "{}", stderr(&o));
    let o = dualp(&["decode", "interpan", "abc"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("odd number of hex digits"));
}

#[test]
fn missing_file_exits_1() {
    let o = dualp(&["decode", "interpan", "--file", "/nonexistent/frame.hex"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/frame.hex"));
}

#[test]
fn bad_json_for_encode_exits_1() {
    let dir = std::env::temp_dir().join(format!("dualp-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.json");
    std::fs::write(&f, "{ not json").unwrap();
    let o = dualp(&["encode", "interpan", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad JSON"), "{}", stderr(&o));
}

#[test]
fn version_prints() {
    let o = dualp(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("dualp "));
}

#[test]
fn test_ca_issues_and_checks_compact_certificates() {
    let dir = std::env::temp_dir().join(format!("dualp-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let o = dualp(&[
        "ca",
        "new",
        "--id",
        "00:00:00:00:00:00:ca:01",
        "--key-out",
        &p("ca.pem"),
        "--cert-out",
        &p("ca.hex"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = dualp(&["key", "new", "--out", &p("hub.pem")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = dualp(&[
        "ca",
        "issue",
        "--ca-key",
        &p("ca.pem"),
        "--ca-cert",
        &p("ca.hex"),
        "--subject",
        "00:0d:6f:00:00:00:00:01",
        "--role",
        "hub",
        "--usage",
        "key-agreement",
        "--subject-key",
        &p("hub.pem"),
        "--serial",
        "7",
        "--out",
        &p("hub.hex"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let now = "2030-01-01T00:00:00Z";
    let o = dualp(&[
        "ca",
        "inspect",
        &p("hub.hex"),
        "--ca-cert",
        &p("ca.hex"),
        "--now",
        now,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("00:0d:6f:00:00:00:00:01"));
    // Revoked: the check fails with exit status 1.
    let o = dualp(&[
        "ca",
        "inspect",
        &p("hub.hex"),
        "--ca-cert",
        &p("ca.hex"),
        "--now",
        now,
        "--revoked",
        "7",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Expired.
    let o = dualp(&[
        "ca",
        "inspect",
        &p("hub.hex"),
        "--ca-cert",
        &p("ca.hex"),
        "--now",
        "2040-01-01T00:00:00Z",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// Install-code vector from zigbee.jsonl (the ZigBee install-code example,
/// also in zigbee-nwk's tests): code with CRC, then its derived link key.
#[test]
fn install_code_derives_the_link_key_and_checks_the_crc() {
    let o = dualp(&["install-code", "83fed3407a939723a5c639b26916d505c3b5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "66b6900981e1ee3ca4206b6b861c02bb"
    );
    let o = dualp(&["install-code", "83fed3407a939723a5c639b26916d505c3b4"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("CRC"), "{}", stderr(&o));
}
