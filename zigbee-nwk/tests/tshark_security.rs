//! Interoperability of ZigBee security with a real dissector: frames whose
//! NWK and APS layers we secured (new frame counters, changed plaintext)
//! are written to a pcap and decrypted by Wireshark's `tshark` given the same
//! keys through its ZigBee key table (`-o uat:zigbee_pc_keys:...`): both
//! layers must decrypt with our keys and show the plaintext fields we put in.
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

use common::hex;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::fcs::crc16_kermit;
use dual_protocol_zigbee_nwk::mac::MacFrame;
use dual_protocol_zigbee_nwk::security::{
    IncomingCounters, Keys, LinkKeys, SecurityContext, ZigbeeKey, secure_aps, secure_nwk,
    unsecure_aps, unsecure_nwk,
};
use serde_json::Value;
use std::process::Command;

const NWK_KEY: &str = "01030507090b0d0f00020406080a0c0d";
const SE_LINK_KEY: &str = "66b6900981e1ee3ca4206b6b861c02bb";
const ZA09: &str = "5a6967426565416c6c69616e63653039";

fn k16(s: &str) -> [u8; 16] {
    hex(s).try_into().unwrap()
}

fn mac_payload_offset(frame: &[u8]) -> usize {
    let m = MacFrame::decode(frame).unwrap();
    frame.len() - m.data_payload().unwrap().len()
}

/// The constructed SE PublishPrice frame (shared vectors), unsecured with our
/// code, issuer event id changed to 0x77, counters bumped, secured again.
fn se_price() -> Vec<u8> {
    let captured = hex(
        "618879621a341200004802341200001e7828001000008877665544332211007cca07168cbf43cc51ac3a15408c028a90ed271416ea38f48a0e797889fae9c352d3f00176e911a88d09dc84d6fb2e17fd83a08893e3cca79dad4e8c465eb17fa2f36575c1984062",
    );
    let mut b = captured[..captured.len() - 2].to_vec();
    let off = mac_payload_offset(&b);
    let ctx = SecurityContext::default();
    let keys = Keys {
        network: Some((0, ZigbeeKey::new(&k16(NWK_KEY)).unwrap())),
        link: Some(LinkKeys::new(&k16(SE_LINK_KEY)).unwrap()),
    };
    let mut t = IncomingCounters::<4>::new();
    let n = unsecure_nwk(&mut b[off..], &ctx, &keys, &mut t).unwrap();
    let aps = off + n.payload.start..off + n.payload.end;
    let src = n.aux.source;
    let a = unsecure_aps(&mut b[aps.clone()], &ctx, &keys, &mut t, src).unwrap();
    // ZCL: fc, seq, cmd, provider id (4), label (5), issuer event id (4 LE).
    let zcl = aps.start + a.payload.start;
    b[zcl + 3 + 4 + 5] = 0x77;
    // New frame counters (APS aux at header end + 1, NWK aux at NWK header end + 1).
    let aps_fc = aps.start + a.header_len + 1;
    b[aps_fc..aps_fc + 4].copy_from_slice(&6u32.to_le_bytes());
    let nwk_fc = off + n.header_len + 1;
    b[nwk_fc..nwk_fc + 4].copy_from_slice(&4097u32.to_le_bytes());
    secure_aps(&mut b[aps], &ctx, &keys.link.as_ref().unwrap().data, src).unwrap();
    secure_nwk(&mut b[off..], &ctx, &keys.network.as_ref().unwrap().1).unwrap();
    assert_ne!(b, captured[..captured.len() - 2]);
    b.extend(crc16_kermit(&b).to_le_bytes());
    b
}

/// zigbee-on-host NET2_TRANSPORT_KEY_NWK_FROM_COORD (APS Transport-Key
/// under the key-transport key of ZigBeeAlliance09), APS counter bumped.
fn transport_key() -> Vec<u8> {
    let captured = hex(
        "6188bd641a8fa1000008008fa100001ea1216a3006500100f99905feff504b80de473c64b569cac62c72ac2ffd682f57590baa2b6f1e0306f824a5a90358b26c8e68e6e8a75affffff",
    );
    let mut b = captured[..captured.len() - 2].to_vec();
    let off = mac_payload_offset(&b);
    let aps = off + 8..b.len();
    let ctx = SecurityContext::default();
    let keys = Keys {
        network: None,
        link: Some(LinkKeys::new(&k16(ZA09)).unwrap()),
    };
    let mut t = IncomingCounters::<4>::new();
    let a = unsecure_aps(&mut b[aps.clone()], &ctx, &keys, &mut t, None).unwrap();
    let fc = aps.start + a.header_len + 1;
    b[fc..fc + 4].copy_from_slice(&(a.aux.frame_counter + 1).to_le_bytes());
    secure_aps(
        &mut b[aps],
        &ctx,
        &keys.link.as_ref().unwrap().transport,
        None::<Eui64>,
    )
    .unwrap();
    b.extend(crc16_kermit(&b).to_le_bytes());
    b
}

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

fn find_all<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == key {
                    out.push(x);
                }
                find_all(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| find_all(x, key, out)),
        _ => {}
    }
}

fn all(v: &Value, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    find_all(v, key, &mut out);
    let mut v: Vec<String> = out
        .iter()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect();
    v.sort();
    v
}

#[test]
fn tshark_decrypts_frames_we_secured() {
    let required = std::env::var("DP_REQUIRE_TSHARK").is_ok_and(|v| v == "1");
    if Command::new("tshark").arg("--version").output().is_err() {
        assert!(!required, "DP_REQUIRE_TSHARK=1 but tshark is not installed");
        eprintln!("tshark not installed: skipping (set DP_REQUIRE_TSHARK=1 to fail instead)");
        return;
    }
    let frames = vec![se_price(), transport_key()];
    let path =
        std::env::temp_dir().join(format!("zigbee-nwk-tshark-sec-{}.pcap", std::process::id()));
    write_pcap(&path, &frames);
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .arg("-o")
        .arg(format!(
            "uat:zigbee_pc_keys:\"{NWK_KEY}\",\"Normal\",\"nwk\""
        ))
        .arg("-o")
        .arg(format!(
            "uat:zigbee_pc_keys:\"{SE_LINK_KEY}\",\"Normal\",\"se-link\""
        ))
        .arg("-o")
        .arg(format!("uat:zigbee_pc_keys:\"{ZA09}\",\"Normal\",\"za09\""))
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
    assert_eq!(packets.len(), 2);
    // Frame 1: NWK decrypted with the network key, APS with the SE link key,
    // and the ZCL field we changed shows our value.
    let p = &packets[0]["_source"]["layers"];
    assert_eq!(all(p, "zbee.sec.decryption_key"), ["nwk", "se-link"], "{p}");
    assert_eq!(all(p, "zbee_zcl_se.price.issuer_event_id"), ["119"], "{p}");
    assert_eq!(all(p, "zbee_zcl_se.price.rate_label"), ["BASE"]);
    assert_eq!(all(p, "wpan.fcs_ok"), ["1"]);
    // Frame 2: APS decrypted with the key-transport key derived from ZigBeeAlliance09.
    let p = &packets[1]["_source"]["layers"];
    assert_eq!(all(p, "zbee.sec.decryption_key"), ["za09"], "{p}");
    assert_eq!(
        all(p, "zbee_aps.cmd.key"),
        ["01:03:05:07:09:0b:0d:0f:00:02:04:06:08:0a:0c:0d"],
        "{p}"
    );
    for p in &packets {
        let text = p.to_string();
        assert!(!text.contains("_ws.malformed"), "{text}");
        assert!(
            !text.contains("\"_ws.expert.severity\":\"8388608\""),
            "{text}"
        );
    }
}
