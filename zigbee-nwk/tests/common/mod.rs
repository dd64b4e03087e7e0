//! Helpers shared by the integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

/// Decodes hex digits (panics on bad input: test data only).
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Lowercase hex.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The vectors copied into `tests/vectors/zigbee.jsonl`.
pub fn vectors() -> Vec<serde_json::Value> {
    include_str!("../vectors/zigbee.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Encodes through a closure into a scratch buffer (works without `alloc`).
pub fn enc(
    f: impl FnOnce(&mut [u8]) -> Result<usize, dual_protocol_zigbee_nwk::EncodeError>,
) -> Vec<u8> {
    let mut b = vec![0u8; 1024];
    let n = f(&mut b).unwrap();
    b.truncate(n);
    b
}
