//! Interoperability with Wireshark's dissector: the public Inter-PAN
//! vectors and our generated secured frames are written to a pcap (link
//! type 195, with FCS) and dissected by `tshark`, with the test link key
//! in Wireshark's key table. Wireshark must: dissect the clear frames down
//! to their SE cluster; decrypt the SE 1.4a form (extended nonce, stub NWK
//! octets outside the a-data) and decode its PublishPrice; show the Ember
//! form and the stub-NWK-in-a-data form as encrypted payloads (it has no
//! nonce source or excludes those octets); and show every frame of our
//! extension as an encrypted payload, never as ZCL (a standard receiver
//! rejects them cleanly).
//!
//! Skipped when `tshark` is not installed, unless `DP_REQUIRE_TSHARK=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

mod common;
use common::*;
use serde_json::Value;
use std::process::Command;

const INTERPAN: &str = include_str!("vectors/interpan.jsonl");
const GENERATED: &str = include_str!("vectors/generated.jsonl");

fn write_pcap(path: &std::path::Path, frames: &[Vec<u8>]) {
    let mut b = Vec::new();
    b.extend(0xa1b2_c3d4u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(4u16.to_le_bytes());
    b.extend([0u8; 8]);
    b.extend(65535u32.to_le_bytes());
    b.extend(195u32.to_le_bytes());
    for f in frames {
        b.extend([0u8; 8]);
        b.extend((f.len() as u32).to_le_bytes());
        b.extend((f.len() as u32).to_le_bytes());
        b.extend(f);
    }
    std::fs::write(path, b).unwrap();
}

#[test]
fn tshark_agrees_on_interpan_frames() {
    let required = std::env::var("DP_REQUIRE_TSHARK").is_ok_and(|v| v == "1");
    if Command::new("tshark").arg("--version").output().is_err() {
        assert!(!required, "DP_REQUIRE_TSHARK=1 but tshark is not installed");
        eprintln!("tshark not installed: skipping (set DP_REQUIRE_TSHARK=1 to fail instead)");
        return;
    }
    let mut frames = Vec::new();
    let mut expect = Vec::new();
    for r in records(INTERPAN, "interpan_stub_frame") {
        frames.push(hex(r["hex"].as_str().unwrap()));
        expect.push("clear".to_string());
    }
    for l in GENERATED.lines().filter(|l| !l.is_empty()) {
        let r: Value = serde_json::from_str(l).unwrap();
        frames.push(hex(r["hex"].as_str().unwrap()));
        expect.push(r["kind"].as_str().unwrap().to_string());
    }
    let path = std::env::temp_dir().join(format!("stub-aps-tshark-{}.pcap", std::process::id()));
    write_pcap(&path, &frames);
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args([
            "-o",
            &format!("uat:zigbee_pc_keys:\"{LINK_KEY}\",\"Normal\",\"test\""),
        ])
        .args(["-T", "json"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let packets: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(packets.len(), frames.len());
    for (p, kind) in packets.iter().zip(&expect) {
        let layers = &p["_source"]["layers"];
        let text = layers.to_string();
        let protocols = layers["frame"]["frame.protocols"].as_str().unwrap();
        assert!(!text.contains("_ws.malformed"), "{kind}: malformed: {text}");
        assert!(protocols.contains("zbee_aps"), "{kind}: {protocols}");
        match kind.as_str() {
            "clear" => assert!(protocols.contains("zbee_zcl_se"), "{kind}: {protocols}"),
            "published_se14a" => {
                assert!(
                    protocols.ends_with("zbee_zcl_se.price"),
                    "{kind}: {protocols}"
                );
                assert!(
                    text.contains("\"zbee_zcl_se.price.attr.price\": \"1500\"")
                        || text.contains("1500"),
                    "{text}"
                );
            }
            _ => {
                assert!(
                    !protocols.contains("zbee_zcl"),
                    "{kind} was read as ZCL: {protocols}"
                );
                assert!(text.contains("Encrypted Payload"), "{kind}: {text}");
            }
        }
    }
}
