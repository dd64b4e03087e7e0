//! `dualp cbke-cert`: the Certicom test-CA certificates for ZigBee Smart
//! Energy (suite 1 and suite 2, as published in zsmartsystems
//! com.zsmartsystems.zigbee `CerticomCbkeCertificateTest.java`; the same
//! data as `zcl-se/tests/cbke_vectors.rs`) show their fields and reconstruct
//! the published device public keys; bad input exits 1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use std::process::{Command, Output};

const S1_CA: &str = "0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8";
const S1_CERT: &str = "02020882b1d7df05538f37cdd09a4f6b15368998642b002208000000000154455354534543410109108301234567890a";
const S1_PUBLIC: &str = "0207d1ca014786b5e552cfd5f04339a2e856f00eaaef";
const S2_CA: &str = "0207a445022d9f39f49bdc38380026a27a9e0a1799313ab28c5c1a1c6b605154db1dff6752";
const S2_CERT: &str = "000b3ad5a312ab75d60d081112131415161718005b7ed230ffffffff0022080000000001080205bb3d1d1576197ff9ab6563915019a130437adb0ee7915432dc4a09c97dc595c5856800";
const S2_PUBLIC: &str =
    "02012f082ee7db1bd3f89f16eabbf5d6221a5dcd077fc0c9d37b329eee8e2cdaee03439de0";

fn dualp(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dualp"))
        .args(args)
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn suite1_certificate_reconstructs_the_published_key() {
    let v = json(&dualp(&["cbke-cert", S1_CERT, "--ca", S1_CA]));
    assert_eq!(v["suite"], 1);
    assert_eq!(v["subject"], "0022080000000001");
    assert_eq!(v["issuer"], "5445535453454341"); // "TESTSECA"
    assert_eq!(v["public_key"], S1_PUBLIC);
    assert!(v.get("valid_from").is_none(), "suite 1 carries no dates");
}

#[test]
fn suite2_certificate_shows_validity_and_reconstructs() {
    let v = json(&dualp(&["cbke-cert", S2_CERT, "--ca", S2_CA]));
    assert_eq!(v["suite"], 2);
    assert_eq!(v["subject"], "0022080000000001");
    assert_eq!(v["issuer"], "1112131415161718");
    assert_eq!(v["valid_from"], "2018-08-23T15:26:40Z"); // 0x5b7ed230
    assert_eq!(v["valid_for_seconds"], "unlimited");
    assert_eq!(v["public_key"], S2_PUBLIC);
    // Before its validity period the certificate is refused.
    let o = dualp(&["cbke-cert", S2_CERT, "--at", "1000"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not valid at 1000"));
}

#[test]
fn bad_input_exits_1_with_a_reason() {
    // Wrong length.
    let o = dualp(&["cbke-cert", "0011"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not 2"));
    // A CA key of the other suite.
    let o = dualp(&["cbke-cert", S1_CERT, "--ca", S2_CA]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("CA public key"));
    // A certificate whose reconstruction point is not on the curve.
    let mut broken = S1_CERT.to_string();
    broken.replace_range(0..2, "05");
    let o = dualp(&["cbke-cert", &broken]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
