//! `dualp decode envelope` on the reliability layer's messages (docs
//! section 10): the head end's ACK, ECHO_CHALLENGE and TIME_RESPONSE
//! vectors of docs section 12 open with the pairwise secret and show their
//! decoded bodies; the JSON encodes back to the same octets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value as Json;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const VECTORS: &str = include_str!("../../digital-envelope/tests/vectors/envelope.txt");
const HUB: &str = "00:0d:6f:00:00:ab:cd:ef";

fn vector(name: &str) -> String {
    VECTORS
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} = ")))
        .unwrap()
        .to_string()
}

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

fn decode_at_hub(name: &str) -> Json {
    let z = vector("z");
    let o = dualp(
        &[
            "decode",
            "envelope",
            &vector(name),
            "--json",
            "--local",
            HUB,
            "--z",
            &z,
        ],
        "",
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Json = serde_json::from_slice(&o.stdout).unwrap();
    // And back: the JSON encodes to the same datagram.
    let e = dualp(&["encode", "envelope", "-"], &v.to_string());
    assert_eq!(e.status.code(), Some(0));
    assert_eq!(String::from_utf8(e.stdout).unwrap().trim(), vector(name));
    v
}

#[test]
fn ack_shows_every_counter_it_acknowledges() {
    let v = decode_at_hub("ack_head_end_seq_3");
    assert_eq!(v["header"]["message_type"]["name"], "ack");
    let counters: Vec<u64> = v["ack"]["acknowledged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["counter"].as_u64().unwrap())
        .collect();
    assert_eq!(counters, vec![7, 6, 5, 3]);
}

#[test]
fn echo_challenge_and_time_response() {
    let v = decode_at_hub("echo_challenge_head_end_seq_4");
    assert_eq!(v["header"]["message_type"]["name"], "echo_challenge");
    assert_eq!(v["echo_challenge"]["echo"], "3333333333333333");
    assert_eq!(v["echo_challenge"]["floor"]["epoch"], 1);
    let v = decode_at_hub("time_response_head_end_seq_5");
    assert_eq!(v["header"]["message_type"]["name"], "time_response");
    assert_eq!(v["time_response"]["utc"], "2026-11-29T07:00:00Z");
    assert_eq!(v["time_response"]["request"]["sequence"], 2);
    assert_eq!(v["time_response"]["request"]["epoch"], 1);
}

#[test]
fn without_keys_the_type_is_still_named() {
    let o = dualp(
        &[
            "decode",
            "envelope",
            &vector("echo_response_hub_epoch_1_seq_1"),
            "--json",
            "--no-verify",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(0));
    let v: Json = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["header"]["message_type"]["name"], "echo_response");
    assert_eq!(v["header"]["message_type"]["value"], 0x12);
}
