//! `dualp ota-image` on the OTA file checked in by zcl-se
//! (`zcl-se/tests/data/small.ota`, built by `zcl-se/tests/ota_machines.rs`
//! with a valid image integrity code): header, tags, integrity; a file
//! with one flipped octet exits 1. And `dualp decode zcl` showing the DLMS
//! APDU inside a Tunneling TransferData.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::process::{Command, Output};

const SMALL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../zcl-se/tests/data/small.ota"
);

fn dualp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dualp"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn small_ota_file_header_tags_and_integrity() {
    let o = dualp(&["ota-image", SMALL, "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["manufacturer_code"], "0x1234");
    assert_eq!(v["image_type"], "0x5678");
    assert_eq!(v["file_version"], "0x00000102");
    assert_eq!(v["header_length"], 60);
    assert_eq!(v["header_string"], "DualP OTA test image");
    assert_eq!(v["minimum_hardware_version"], "0x0001");
    assert_eq!(v["maximum_hardware_version"], "0x0005");
    assert_eq!(v["total_image_size"], 152);
    assert_eq!(v["file_size"], 152);
    let tags = v["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 2);
    assert_eq!(tags[0]["name"], "upgrade_image");
    assert_eq!(tags[0]["offset"], 60);
    assert_eq!(tags[0]["length"], 64);
    assert_eq!(tags[1]["name"], "image_integrity_code");
    assert_eq!(tags[1]["length"], 16);
    assert_eq!(tags[1]["data_hex"].as_str().unwrap().len(), 32);
    assert_eq!(v["integrity"]["verified"], true);

    // The tree for people says the same.
    let o = dualp(&["ota-image", SMALL]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("image_integrity_code"), "{text}");
    assert!(text.contains("verified"), "{text}");
}

#[test]
fn corrupted_or_truncated_ota_files_exit_1() {
    let mut f = std::fs::read(SMALL).unwrap();
    f[100] ^= 0x01;
    let dir = std::env::temp_dir().join(format!("dualp-ota-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ota");
    std::fs::write(&bad, &f).unwrap();
    let o = dualp(&["ota-image", bad.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["integrity"]["verified"], false);
    assert!(String::from_utf8_lossy(&o.stderr).contains("integrity"));

    let cut = dir.join("cut.ota");
    std::fs::write(&cut, &f[..40]).unwrap();
    let o = dualp(&["ota-image", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("byte"));

    let o = dualp(&["ota-image", dir.join("missing.ota").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

/// A Tunneling TransferData (client to server, tunnel 1) carrying the DLMS
/// get-request-normal for the clock's time (class 8, 0.0.1.0.0.255,
/// attribute 2): `decode zcl` shows the APDU beside the `data` field, and
/// `encode zcl` still rebuilds the frame from the fields.
#[test]
fn tunnel_transfer_data_shows_its_dlms_apdu() {
    let frame = "0105020100c001c1000800000100 00ff0200";
    let o = dualp(&["decode", "zcl", frame, "--cluster", "0x0704", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["command"], "transfer_data");
    let apdu = &v["payload"]["dlms_apdu"];
    assert!(apdu.is_object(), "{v}");
    let text = apdu.to_string();
    assert!(text.contains("get"), "{text}");

    // Round trip through encode.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dualp"))
        .args(["encode", "zcl", "-", "--cluster", "0x0704"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&o.stdout).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        frame.replace(' ', "")
    );

    // Data that is no APDU: no `dlms_apdu`.
    let o = dualp(&[
        "decode",
        "zcl",
        "01050201000102",
        "--cluster",
        "0x0704",
        "--json",
    ]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["payload"].get("dlms_apdu").is_none(), "{v}");
}
