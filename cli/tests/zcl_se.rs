//! `dualp decode zcl` on Smart Energy commands: command and field names from
//! the tables, named enumeration values ("meaning") from the typed command
//! structs, and the JSON encodes back to the same octets. Vectors: the SE
//! 1.1b PublishPrice of the shared ZigBee vectors (constructed, dissected by
//! Wireshark 4.0.17) and a GBZ component of the DCC RTDS 4.5.0 GCS01a
//! command (zcl-se/tests/vectors/gbcs.jsonl).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value as Json;
use std::io::Write;
use std::process::{Command, Output, Stdio};

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

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn field<'a>(j: &'a Json, name: &str) -> &'a Json {
    j["payload"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("{name}: {j}"))
}

const PUBLISH_PRICE: &str = "09100001000000044241534510000000804c1b2e003a03211100000000ffffdc050000ffffffffffffffffffffffff0000";

#[test]
fn publish_price_names_and_meanings_round_trip() {
    let out = ok(&dualp(
        &[
            "decode",
            "zcl",
            "--cluster",
            "0x0700",
            "--json",
            PUBLISH_PRICE,
        ],
        "",
    ));
    let j: Json = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(j["cluster_name"], "Price");
    assert_eq!(j["command"], "publish_price");
    assert_eq!(field(&j, "unit_of_measure")["meaning"], "kw_kwh");
    assert!(field(&j, "provider_id").get("meaning").is_none());
    let back = ok(&dualp(&["encode", "zcl", "--cluster", "0x0700"], &out));
    assert_eq!(back.trim(), PUBLISH_PRICE);
}

/// GCS01a (RTDS 4.5.0): the PublishCalendar component of the future-dated
/// block tariff command.
#[test]
fn gbcs_publish_calendar() {
    let zcl = "09000000000000804a371c804a371c90888138000000010101";
    let out = ok(&dualp(
        &["decode", "zcl", "--cluster", "0x0707", "--json", zcl],
        "",
    ));
    let j: Json = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(j["command"], "publish_calendar");
    assert_eq!(field(&j, "calendar_type")["meaning"], "delivered");
    assert_eq!(field(&j, "calendar_time_reference")["meaning"], "utc");
    let back = ok(&dualp(&["encode", "zcl", "--cluster", "0x0707"], &out));
    assert_eq!(back.trim(), zcl);
}
