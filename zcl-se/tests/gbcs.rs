//! GB Companion Specification vectors (tests/vectors/gbcs.jsonl, from the
//! DCC Remote Test Data Set 4.5.0 as stored in SmartDCCInnovation/gbcs-parser):
//! every ZCL frame inside their GBZ payloads decodes to a typed Smart Energy
//! command (or a global command) and re-encodes byte for byte; a few field
//! values are checked by hand against the layout.
//!
//! GBZ layout (GBCS §7.2, facts only): profile id 0x0109 (big-endian), the
//! number of components, then per component an extended header control
//! octet (bit 0: last component), the cluster id and the length of the ZCL
//! frame (both big-endian), and the ZCL frame.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::cluster::se::SeCommand;
use dual_protocol_zcl_se::cluster::{calendar, price};
use dual_protocol_zcl_se::global::GlobalCommand;
use dual_protocol_zcl_se::{Context, Frame, FrameType, Payload, Status};
use serde_json::Value as Json;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

struct Vector {
    source: String,
    bytes: Vec<u8>,
    gbz_offset: usize,
    gbz_len: usize,
    components: usize,
}

fn vectors() -> Vec<Vector> {
    include_str!("vectors/gbcs.jsonl")
        .lines()
        .map(|l| {
            let j: Json = serde_json::from_str(l).unwrap();
            let n = |k: &str| usize::try_from(j[k].as_u64().unwrap()).unwrap();
            Vector {
                source: j["source"].as_str().unwrap().to_owned(),
                bytes: hex(j["hex"].as_str().unwrap()),
                gbz_offset: n("gbz_offset"),
                gbz_len: n("gbz_len"),
                components: n("components"),
            }
        })
        .collect()
}

/// (cluster, ZCL frame) of each GBZ component.
fn components(v: &Vector) -> Vec<(u16, &[u8])> {
    let g = &v.bytes[v.gbz_offset..v.gbz_offset + v.gbz_len];
    assert_eq!(&g[..2], [0x01, 0x09], "{}", v.source);
    let n = usize::from(g[2]);
    assert_eq!(n, v.components);
    let mut p = 3;
    let mut out = Vec::new();
    for i in 0..n {
        let control = g[p];
        assert_eq!(control & 0x01 == 1, i == n - 1, "{}", v.source);
        assert_eq!(control & 0xfe, 0, "plain components only");
        let cluster = u16::from_be_bytes([g[p + 1], g[p + 2]]);
        let len = usize::from(u16::from_be_bytes([g[p + 3], g[p + 4]]));
        out.push((cluster, &g[p + 5..p + 5 + len]));
        p += 5 + len;
    }
    assert_eq!(p, g.len(), "{}", v.source);
    out
}

#[test]
fn every_gbz_component_decodes_typed_and_reencodes() {
    let vs = vectors();
    assert_eq!(vs.len(), 5);
    let mut typed = 0;
    let mut names = std::collections::BTreeSet::new();
    for v in &vs {
        for (cluster, zcl) in components(v) {
            let f = Frame::decode_with(zcl, &Context::new(cluster)).unwrap();
            let mut buf = vec![0u8; f.encoded_len()];
            f.encode(&mut buf).unwrap();
            assert_eq!(buf, zcl, "{}", v.source);
            match f.header.frame_type {
                FrameType::ClusterSpecific => {
                    let c = SeCommand::from_frame(&f, cluster).unwrap().unwrap();
                    let mut buf = vec![0u8; c.encoded_len()];
                    c.encode(&mut buf).unwrap();
                    assert_eq!(buf, &zcl[3..], "{}", c.name());
                    let Payload::Cluster(fields) = f.payload else {
                        panic!("table view")
                    };
                    assert!(fields.trailing().is_empty(), "{}", c.name());
                    names.insert(c.name());
                    typed += 1;
                }
                _ => {
                    if let Payload::Global(GlobalCommand::ReadAttributes(ids)) = f.payload {
                        // GCS13a: the Metering formatting attributes and the
                        // summation, named by the Metering table.
                        let ctx = Context::new(cluster);
                        let names: Vec<&str> = ids
                            .iter()
                            .map(|a| ctx.attribute(None, a.0).unwrap().name)
                            .collect();
                        assert_eq!(
                            names,
                            [
                                "Divisor",
                                "Multiplier",
                                "UnitOfMeasure",
                                "CurrentSummationDelivered"
                            ]
                        );
                        continue;
                    }
                    let Payload::Global(GlobalCommand::DefaultResponse { command_id, status }) =
                        f.payload
                    else {
                        panic!("{}: not a default response", v.source)
                    };
                    // Each answers the command with the same TSN (and cluster)
                    // of the future-dated command (the first vector).
                    let tsn = f.header.tsn;
                    let asked = components(&vs[0])
                        .into_iter()
                        .find(|(_, z)| z[1] == tsn)
                        .unwrap();
                    assert_eq!((asked.0, asked.1[2]), (cluster, command_id));
                    assert_eq!(status, Status::Success);
                }
            }
        }
    }
    assert_eq!(typed, 27);
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        [
            "publish_block_thresholds",
            "publish_calendar",
            "publish_day_profile",
            "publish_price_matrix",
            "publish_seasons",
            "publish_special_days",
            "publish_tariff_information",
            "publish_week_profile",
        ]
    );
}

#[test]
fn gcs01a_future_dated_block_values() {
    let v = &vectors()[0];
    let comps = components(v);
    let typed: Vec<SeCommand<'_>> = comps
        .iter()
        .map(|(c, z)| {
            let f = Frame::decode_with(z, &Context::new(*c)).unwrap();
            SeCommand::from_frame(&f, *c).unwrap().unwrap()
        })
        .collect();
    let SeCommand::Calendar(calendar::Command::PublishCalendar(cal)) = typed[0] else {
        panic!()
    };
    assert_eq!(cal.provider_id, 0);
    assert_eq!(cal.issuer_event_id, 0x1c37_4a80);
    assert_eq!(cal.issuer_calendar_id, 0x1c37_4a80);
    assert_eq!(cal.start_time, 0x3881_8890);
    assert_eq!(cal.calendar_type, calendar::CalendarType::Delivered);
    assert_eq!(
        cal.calendar_time_reference,
        calendar::CalendarTimeReference::Utc
    );
    assert_eq!(cal.calendar_name, Some(&[][..]));
    assert_eq!(
        (
            cal.number_of_seasons,
            cal.number_of_week_profiles,
            cal.number_of_day_profiles
        ),
        (1, 1, 1)
    );
    let SeCommand::Price(price::Command::PublishTariffInformation(t)) = typed[5] else {
        panic!()
    };
    assert_eq!(t.issuer_tariff_id, 1);
    assert_eq!(t.tariff_type_charging_scheme, 0x10);
    assert_eq!(t.number_of_block_thresholds_in_use, 3);
    assert_eq!(t.currency, 826); // GBP, ISO 4217
    assert_eq!(t.price_trailing_digit, 0x50);
    assert_eq!(t.standing_charge, 0xd60a);
    assert_eq!(t.block_threshold_multiplier, 1);
    assert_eq!(t.block_threshold_divisor, 1000);
    let SeCommand::Price(price::Command::PublishPriceMatrix(m)) = typed[7] else {
        panic!()
    };
    assert_eq!(m.issuer_tariff_id, 1);
    assert_eq!((m.command_index, m.total_number_of_commands), (0, 1));
    // Four (block id, uint32 price) entries.
    assert_eq!(m.price_matrix_sub_payload.len(), 20);
    assert_eq!(m.price_matrix_sub_payload[..5], [0x00, 0x80, 0x25, 0, 0]);
}
