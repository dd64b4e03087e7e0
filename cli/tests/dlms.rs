//! `dualp decode|encode dlms-apdu` on ACSE PDUs, `dlms-wrapper` and `hdlc`,
//! over the public vectors the dlms-cosem crate carries (with their sources
//! in `dlms-cosem/tests/vectors/acse_framing.jsonl`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

const VECTORS: &str = include_str!("../../dlms-cosem/tests/vectors/acse_framing.jsonl");

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

fn vectors() -> Vec<(String, String, u64)> {
    VECTORS
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["kind"].as_str().unwrap().to_string(),
                v["hex"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn layer(kind: &str, line: u64) -> Option<&'static str> {
    if kind.starts_with("aar") || kind.starts_with("rlr") || kind.starts_with("initiate") {
        Some("dlms-apdu")
    } else if kind == "wrapper-udp" {
        Some("dlms-wrapper")
    } else if kind.starts_with("hdlc") && line != 74 {
        Some("hdlc")
    } else {
        None
    }
}

#[test]
fn every_acse_wrapper_and_hdlc_vector_round_trips_through_json() {
    let mut n = 0;
    for (kind, hex, line) in vectors() {
        let Some(layer) = layer(&kind, line) else {
            continue;
        };
        let json = ok(&dualp(&["decode", layer, &hex, "--json"], ""));
        assert_eq!(json.lines().count(), 1, "line {line}");
        let back = ok(&dualp(&["encode", layer, "-"], &json));
        assert_eq!(back.trim(), hex, "line {line} ({kind})");
        n += 1;
    }
    assert_eq!(n, 40);
}

#[test]
fn acse_fields_in_the_json() {
    let aarq = "6066a109060760857405080103a60a04084d4d4d0000bc614e8a0207808b0760857405080201ac0a80083132333435363738be34043221303001234567801302ff8a7874133d414ced25b42534d28db0047720606b175bd52211be6841db204d39ee6fdb8e356855";
    let v: serde_json::Value =
        serde_json::from_str(&ok(&dualp(&["decode", "dlms-apdu", aarq, "--json"], ""))).unwrap();
    assert_eq!(v["apdu"], "aarq");
    assert_eq!(
        v["application_context_name"]["name"],
        "logical_name_ciphered"
    );
    assert_eq!(v["calling_ap_title"]["value"], "4d4d4d0000bc614e");
    assert_eq!(v["mechanism_name"]["name"], "low");
    assert_eq!(v["calling_authentication_value"]["ascii"], "12345678");
    assert_eq!(v["user_information"]["apdu"], "glo_initiate_request");
    let aare = "611fa109060760857405080101a203020101a305a103020101be0604040e010601";
    let v: serde_json::Value =
        serde_json::from_str(&ok(&dualp(&["decode", "dlms-apdu", aare, "--json"], ""))).unwrap();
    assert_eq!(v["result"], "rejected_permanent");
    assert_eq!(
        v["result_source_diagnostic"]["acse_service_user"],
        "no_reason_given"
    );
    assert_eq!(v["user_information"]["apdu"], "confirmed_service_error");
}

#[test]
fn hdlc_stream_with_noise_gives_one_object_per_frame() {
    let frames: Vec<String> = vectors()
        .into_iter()
        .filter(|(k, _, l)| k.starts_with("hdlc") && *l != 74)
        .map(|(_, h, _)| h)
        .collect();
    let stream = format!("6804046800ff{}", frames.join("7e00ff"));
    let out = ok(&dualp(&["decode", "hdlc", &stream, "--json"], ""));
    assert_eq!(out.lines().count(), frames.len());
    // Encoding the JSON lines gives the frames back, one per line.
    let back = ok(&dualp(&["encode", "hdlc", "-"], &out));
    assert_eq!(back.lines().collect::<Vec<_>>(), frames);
    // The UI push shows its data-notification.
    let ui = out.lines().find(|l| l.contains("\"type\":\"ui\"")).unwrap();
    assert!(ui.contains("data_notification"), "{ui}");
}

#[test]
fn bad_fcs_exits_1_with_the_offset() {
    let o = dualp(&["decode", "hdlc", "7ea00802232193bd657e"], "");
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("FCS") && e.contains("at byte 7"), "{e}");
    let o = dualp(&["decode", "dlms-wrapper", "000100010001004601"], "");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn segmented_frames_show_the_reassembled_apdu() {
    use dual_protocol_dlms_cosem::Encode;
    use dual_protocol_dlms_cosem::hdlc::{Control, HdlcAddress, HdlcFrame};
    // The Aidon UI push of u9n/dlms-cosem test_hdlc.py (line 60 of the
    // shared set), its information field split over three frames as Iskra
    // meters do.
    let (_, push, _) = vectors().into_iter().find(|(_, _, l)| *l == 60).unwrap();
    let push: Vec<u8> = (0..push.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&push[i..i + 2], 16).unwrap())
        .collect();
    let info = &push[9..push.len() - 3];
    let mut hex = String::new();
    let parts: Vec<&[u8]> = info.chunks(200).collect();
    for (i, p) in parts.iter().enumerate() {
        let f = HdlcFrame {
            segmented: i + 1 < parts.len(),
            destination: HdlcAddress::One(0x10),
            source: HdlcAddress::Two {
                upper: 1,
                lower: 17,
            },
            control: Control::Ui { poll_final: true },
            information: p,
        };
        for b in f.encode_to_vec().unwrap() {
            hex.push_str(&format!("{b:02x}"));
        }
    }
    let out = ok(&dualp(&["decode", "hdlc", &hex, "--json"], ""));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].contains("\"segment\":true"));
    let last: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(last["reassembled_from_frames"], 3);
    assert_eq!(last["apdu"]["apdu"], "data_notification");
}
