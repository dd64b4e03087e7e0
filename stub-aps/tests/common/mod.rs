//! Helpers shared by the integration tests.
#![allow(dead_code)]

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::PanId;
use serde_json::Value;

pub const HUB: Eui64 = Eui64([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
pub const DEVICE: Eui64 = Eui64([0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
pub const PAN: PanId = PanId(0x1a62);
/// The install code of zigpy's `test_zigbee_util.py` (with its CRC), whose
/// link key is 66b6900981e1ee3ca4206b6b861c02bb.
pub const INSTALL_CODE: &str = "83fed3407a939723a5c639b26916d505c3b5";
pub const LINK_KEY: &str = "66b6900981e1ee3ca4206b6b861c02bb";
/// A fixed P-256 private scalar for the hub (test only).
pub const HUB_SCALAR: [u8; 32] = [
    0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16, 0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93,
    0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12, 0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21,
];

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn key16(s: &str) -> [u8; 16] {
    hex(s).try_into().unwrap()
}

pub fn records(text: &str, kind: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == kind)
        .collect()
}

pub fn num(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap(),
        Value::String(s) => {
            let s = s.trim_start_matches("0x");
            u64::from_str_radix(s, 16).unwrap()
        }
        _ => panic!("not a number: {v}"),
    }
}

/// The 802.15.4 FCS (CRC-16/KERMIT), recomputed after tampering.
pub fn refcs(frame: &mut [u8]) {
    let n = frame.len() - 2;
    let crc = dual_protocol_zigbee_nwk::fcs::crc16_kermit(&frame[..n]);
    frame[n..].copy_from_slice(&crc.to_le_bytes());
}
