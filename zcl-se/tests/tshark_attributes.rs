//! The attribute tables of Prepayment, Energy Management, Calendar and
//! Device Management against the attribute name tables of Wireshark's Smart
//! Energy dissector (`tshark -G values`, fields `zbee_zcl_se.<c>.attr_id`):
//! the same identifiers, and the same names once spaces and punctuation are
//! dropped (a few names differ in wording only; listed). Skipped when tshark
//! is not installed, unless DP_REQUIRE_TSHARK=1.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use dual_protocol_zcl_se::cluster::{calendar, device_management, energy_management, prepayment};
use dual_protocol_zcl_se::{AttributeDef, cluster};
use std::collections::BTreeMap;
use std::process::Command;

fn values() -> Option<String> {
    match Command::new("tshark").args(["-G", "values"]).output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => {
            assert!(
                std::env::var("DP_REQUIRE_TSHARK").as_deref() != Ok("1"),
                "tshark is required (DP_REQUIRE_TSHARK=1) but not found"
            );
            eprintln!("tshark not found: skipped");
            None
        }
    }
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn parse(n: &str) -> Option<u32> {
    n.strip_prefix("0x")
        .map_or_else(|| n.parse().ok(), |h| u32::from_str_radix(h, 16).ok())
}

fn check(values: &str, field: &str, table: &[AttributeDef<'_>], wording: &[(u16, &str)]) {
    let theirs: BTreeMap<u32, String> = values
        .lines()
        .filter_map(|l| {
            let mut it = l.split('\t');
            (it.next() == Some("V") && it.next() == Some(field)).then_some(())?;
            Some((parse(it.next()?)?, it.next()?.to_owned()))
        })
        .filter(|(id, _)| *id < 0xfffe)
        .collect();
    assert!(!theirs.is_empty(), "{field}: no values");
    let ours: BTreeMap<u32, &str> = table.iter().map(|a| (u32::from(a.id), a.name)).collect();
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "{field}"
    );
    for (id, name) in &ours {
        let expected = wording
            .iter()
            .find(|(w, _)| u32::from(*w) == *id)
            .map_or_else(|| norm(&theirs[id]), |(_, n)| norm(n));
        assert_eq!(norm(name), expected, "{field} 0x{id:04x}");
    }
}

#[test]
fn attribute_tables_match_wireshark() {
    let Some(v) = values() else { return };
    check(
        &v,
        "zbee_zcl_se.pp.attr_id",
        prepayment::ATTRIBUTES,
        &[
            (0x0031, "Low Credit Warning Level"),
            (0x0032, "IHD Low Credit Warning Level"),
        ],
    );
    check(
        &v,
        "zbee_zcl_se.energy_management.attr_id",
        energy_management::ATTRIBUTES,
        &[],
    );
    check(
        &v,
        "zbee_zcl_se.calendar.attr_id",
        calendar::ATTRIBUTES,
        &[],
    );
    check(
        &v,
        "zbee_zcl_se.device_management.attr_id",
        device_management::ATTRIBUTES,
        &[],
    );
    // Every SE table is reachable by cluster id.
    for c in cluster::SMART_ENERGY {
        assert_eq!(
            cluster::standard_cluster(c.id).map(|d| d.name),
            Some(c.name)
        );
    }
}

/// The named bits of a bitmap against the bitmask fields under `prefix` in
/// `tshark -G fields` (column 7 is the mask), reserved masks left out.
fn check_bits(fields: &str, prefix: &str, named: &[(u64, &str)]) {
    let mut theirs: Vec<u64> = fields
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let abbrev = c.get(2)?;
            let rest = abbrev.strip_prefix(prefix)?.strip_prefix('.')?;
            (!rest.contains('.') && rest != "reserved").then_some(())?;
            u64::from_str_radix(c.get(6)?.trim_start_matches("0x"), 16).ok()
        })
        .collect();
    theirs.sort_unstable();
    theirs.dedup();
    let mut ours: Vec<u64> = named.iter().map(|&(m, _)| m).collect();
    ours.sort_unstable();
    assert_eq!(ours, theirs, "{prefix}");
}

fn widen<T: Copy + Into<u64>>(n: &[(T, &'static str)]) -> Vec<(u64, &'static str)> {
    n.iter().map(|&(m, s)| (m.into(), s)).collect()
}

#[test]
fn bitmaps_match_wireshark() {
    use dual_protocol_zcl_se::cluster::{drlc, messaging, metering};
    let Ok(o) = Command::new("tshark").args(["-G", "fields"]).output() else {
        eprintln!("tshark not found: skipped");
        return;
    };
    let f = String::from_utf8_lossy(&o.stdout);
    for (prefix, named) in [
        (
            "zbee_zcl_se.met.attr.func_noti_flag",
            metering::FunctionalNotificationFlags::NAMED,
        ),
        (
            "zbee_zcl_se.met.attr.noti_flag_2",
            metering::NotificationFlags2::NAMED,
        ),
        (
            "zbee_zcl_se.met.attr.noti_flag_3",
            metering::NotificationFlags3::NAMED,
        ),
        (
            "zbee_zcl_se.met.attr.noti_flag_4",
            metering::NotificationFlags4::NAMED,
        ),
        (
            "zbee_zcl_se.met.attr.noti_flag_5",
            metering::NotificationFlags5::NAMED,
        ),
    ] {
        check_bits(&f, prefix, &widen(named));
    }
    check_bits(
        &f,
        "zbee_zcl_se.drlc.device_class",
        &widen(drlc::DeviceClass::NAMED),
    );
    check_bits(
        &f,
        "zbee_zcl_se.msg.message.ctrl",
        &widen(messaging::MessageControl::NAMED),
    );
}
