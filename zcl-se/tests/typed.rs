//! Typed Smart Energy commands (issue 11): the struct of every command of
//! every SE cluster table decodes what the table describes and encodes it
//! back byte for byte; older-revision frames that stop before later
//! revisions' trailing fields decode with `None` there; truncation inside
//! any field is a typed error at the right offset; and each struct's table
//! entry is the cluster table's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::cluster::key_establishment;
use dual_protocol_zcl_se::cluster::key_establishment_commands;
use dual_protocol_zcl_se::cluster::metering::{
    GetProfileResponse, ProfileIntervalPeriod, ProfileStatus, SupplyStatus, UnitOfMeasure,
};
use dual_protocol_zcl_se::cluster::price::{
    self, PriceControl, PriceTiersAndRegisterTier, PriceTrailingDigitAndTier, PublishPrice,
};
use dual_protocol_zcl_se::cluster::se::SeCommand;
use dual_protocol_zcl_se::cluster::{SMART_ENERGY, drlc, messaging, tunneling};
use dual_protocol_zcl_se::{
    CommandDef, CommandFields, Context, DataType, DecodeError, Direction, EncodeError, FieldKind,
    Frame,
};
use proptest::prelude::*;

/// Encodes into a vector through the heap-free API (works without `alloc`).
macro_rules! enc {
    ($c:expr) => {{
        let mut v = vec![0u8; $c.encoded_len()];
        $c.encode(&mut v).map(|n| {
            v.truncate(n);
            v
        })
    }};
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Every (cluster, command) of the SE tables.
fn all_commands() -> Vec<(u16, &'static CommandDef<'static>)> {
    SMART_ENERGY
        .iter()
        .flat_map(|c| c.commands.iter().map(move |d| (c.id, d)))
        .collect()
}

/// A tiny deterministic generator (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A payload for `def`: every mandatory field, optional fields up to a
/// random cut (an older revision's frame), random trailing octets when
/// every field is present. Returns the payload and the field boundaries.
fn payload(def: &CommandDef<'_>, rng: &mut Rng) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::new();
    let mut bounds = vec![0];
    let cut = rng.below(def.fields.len() as u64 + 1) as usize;
    let mut complete = true;
    for (i, f) in def.fields.iter().enumerate() {
        if f.optional && i >= cut {
            complete = false;
            break;
        }
        match f.kind {
            FieldKind::Rest => {
                let n = rng.below(40) as usize;
                out.extend(rng.bytes(n));
            }
            FieldKind::Value(ty) => match ty.fixed_len() {
                Some(n) => out.extend(rng.bytes(n)),
                None => {
                    assert!(
                        ty == DataType::OCTET_STRING || ty == DataType::CHAR_STRING,
                        "{}",
                        def.name
                    );
                    if rng.below(8) == 0 {
                        out.push(0xff);
                    } else {
                        let n = rng.below(30) as usize;
                        out.push(n as u8);
                        out.extend(rng.bytes(n));
                    }
                }
            },
        }
        bounds.push(out.len());
    }
    let has_rest = def.fields.last().is_some_and(|f| f.kind == FieldKind::Rest);
    if complete && !has_rest && rng.below(4) == 0 {
        let n = 1 + rng.below(6) as usize;
        out.extend(rng.bytes(n));
    }
    (out, bounds)
}

fn roundtrip(cluster: u16, def: &CommandDef<'_>, bytes: &[u8]) {
    let cmd = SeCommand::decode(cluster, def.direction, def.id, bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", def.name))
        .unwrap_or_else(|| panic!("{} has no typed struct", def.name));
    assert_eq!(cmd.name(), def.name);
    assert_eq!(cmd.cluster(), cluster);
    assert_eq!(cmd.id(), def.id);
    assert_eq!(cmd.direction(), def.direction);
    assert_eq!(cmd.encoded_len(), bytes.len(), "{}", def.name);
    let mut buf = vec![0u8; bytes.len()];
    assert_eq!(cmd.encode(&mut buf).unwrap(), bytes.len());
    assert_eq!(buf, bytes, "{}", def.name);
    // One octet short of room is a typed error, never a panic.
    if !bytes.is_empty() {
        let mut small = vec![0u8; bytes.len() - 1];
        assert!(matches!(
            cmd.encode(&mut small),
            Err(EncodeError::BufferTooSmall { .. })
        ));
    }
    // The table view accepts what the struct accepts.
    CommandFields::decode(def, bytes, 0, 8).unwrap();
}

/// Every command of every SE cluster, 64 generated payloads each.
#[test]
fn every_command_round_trips_through_its_struct() {
    let mut rng = Rng(0x5e_1157);
    let all = all_commands();
    assert!(all.len() >= 146, "{}", all.len());
    for (cluster, def) in all {
        for _ in 0..64 {
            let (bytes, _) = payload(def, &mut rng);
            roundtrip(cluster, def, &bytes);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Any command, any generated payload: decode then encode is the identity.
    #[test]
    fn any_command_round_trips(index in any::<prop::sample::Index>(), seed in any::<u64>()) {
        let all = all_commands();
        let (cluster, def) = all[index.index(all.len())];
        let (bytes, _) = payload(def, &mut Rng(seed));
        roundtrip(cluster, def, &bytes);
    }

    /// Arbitrary octets never panic; whatever decodes re-encodes as sent.
    #[test]
    fn arbitrary_payloads(index in any::<prop::sample::Index>(), bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let all = all_commands();
        let (cluster, def) = all[index.index(all.len())];
        let typed = SeCommand::decode(cluster, def.direction, def.id, &bytes);
        let table = CommandFields::decode(def, &bytes, 0, 8);
        prop_assert_eq!(typed.is_ok(), table.is_ok(), "{}", def.name);
        if let Ok(Some(c)) = typed {
            let mut buf = vec![0u8; c.encoded_len()];
            c.encode(&mut buf).unwrap();
            prop_assert_eq!(buf, bytes);
        }
    }
}

/// Cutting a payload inside a field is an error that names the offset
/// (absolute: the payload sits after a 3-octet header here); cutting at a
/// field boundary before an optional field decodes (an older revision).
#[test]
fn truncation_inside_every_field_is_an_error() {
    let mut rng = Rng(11);
    for (cluster, def) in all_commands() {
        // Every field present, no trailing octets.
        let (bytes, bounds) = loop {
            let (b, bounds) = payload(def, &mut rng);
            if bounds.len() == def.fields.len() + 1 && *bounds.last().unwrap() == b.len() {
                break (b, bounds);
            }
        };
        for cut in 0..bytes.len() {
            let r = SeCommand::decode_at(cluster, def.direction, def.id, &bytes[..cut], 3);
            let at_optional_boundary = bounds
                .iter()
                .enumerate()
                .any(|(i, &b)| b == cut && def.fields.get(i).is_some_and(|f| f.optional));
            if at_optional_boundary {
                let c = r.unwrap().unwrap();
                assert_eq!(c.encoded_len(), cut, "{}", def.name);
            } else if let Err(e) = r {
                assert!(
                    matches!(
                        e,
                        DecodeError::Truncated { .. } | DecodeError::StringTooLong { .. }
                    ),
                    "{}: {e}",
                    def.name
                );
                assert!(
                    e.offset() >= 3 && e.offset() <= cut + 3,
                    "{}: {e}",
                    def.name
                );
            } else {
                // Only a cut inside a trailing rest field, or inside a
                // string that still parses shorter, may succeed: it must
                // then re-encode as the cut bytes.
                let c = r.unwrap().unwrap();
                let mut buf = vec![0u8; c.encoded_len()];
                c.encode(&mut buf).unwrap();
                assert_eq!(buf, &bytes[..cut], "{}", def.name);
            }
        }
    }
}

/// The generated table of each typed struct is the cluster's table, and the
/// Key Establishment structs match the Key Establishment table.
#[test]
fn struct_tables_are_the_cluster_tables() {
    assert_eq!(
        key_establishment_commands::COMMANDS,
        key_establishment::COMMANDS
    );
    assert_eq!(PublishPrice::DEF, price::COMMANDS[0]);
    assert_eq!(PublishPrice::ID, 0x00);
    assert_eq!(PublishPrice::DIRECTION, Direction::ServerToClient);
    assert_eq!(PublishPrice::NAME, "publish_price");
    for c in SMART_ENERGY {
        for d in c.commands {
            let found = SMART_ENERGY
                .iter()
                .find(|x| x.id == c.id)
                .and_then(|x| x.command(d.direction, d.id));
            assert_eq!(found, Some(d));
        }
    }
}

/// PublishPrice as an SE 1.1b device sends it (shared/vectors/zigbee.jsonl
/// line 80, constructed and dissected by Wireshark 4.0.17): it ends after
/// PriceControl; the SE 1.2 fields are `None`.
#[test]
fn publish_price_se_1_1b_typed() {
    let b = hex(
        "09100001000000044241534510000000804c1b2e003a03211100000000ffffdc050000ffffffffffffffffffffffff0000",
    );
    let f = Frame::decode_with(&b, &Context::new(0x0700)).unwrap();
    let SeCommand::Price(price::Command::PublishPrice(p)) =
        SeCommand::from_frame(&f, 0x0700).unwrap().unwrap()
    else {
        panic!("not PublishPrice");
    };
    assert_eq!(p, PublishPrice::decode(&b[3..]).unwrap());
    assert_eq!(p.provider_id, 1);
    assert_eq!(p.rate_label, Some(&b"BASE"[..]));
    assert_eq!(p.issuer_event_id, 0x10);
    assert_eq!(p.current_time, 0x2e1b_4c80);
    assert_eq!(p.unit_of_measure, UnitOfMeasure::KwKwh);
    assert_eq!(p.currency, 826);
    assert_eq!(p.price_trailing_digit_and_price_tier.trailing_digit(), 2);
    assert_eq!(p.price_trailing_digit_and_price_tier.price_tier(), 1);
    assert_eq!(
        p.number_of_price_tiers_and_register_tier
            .number_of_price_tiers(),
        1
    );
    assert_eq!(p.number_of_price_tiers_and_register_tier.register_tier(), 1);
    assert_eq!(p.start_time, 0);
    assert_eq!(p.duration_in_minutes, 0xffff);
    assert_eq!(p.price, 1500);
    assert_eq!(p.price_ratio, Some(0xff));
    assert_eq!(p.generation_price, Some(0xffff_ffff));
    assert_eq!(p.number_of_block_thresholds, Some(0));
    assert_eq!(p.price_control, Some(PriceControl(0)));
    assert_eq!(p.number_of_generation_tiers, None);
    assert_eq!(p.extended_register_tier, None);
    assert!(p.trailing.is_empty());
    assert_eq!(enc!(p).unwrap(), &b[3..]);

    // An SE 1.0 frame that stops right after Price.
    let short = &b[3..3 + 4 + 5 + 4 + 4 + 1 + 2 + 1 + 1 + 4 + 2 + 4];
    let p0 = PublishPrice::decode(short).unwrap();
    assert_eq!(p0.price, 1500);
    assert_eq!(p0.price_ratio, None);
    assert_eq!(p0.price_control, None);
    assert_eq!(enc!(p0).unwrap(), short);

    // SE 1.2: the extended fields, built from typed values.
    let p12 = PublishPrice {
        number_of_generation_tiers: Some(0),
        generation_tier: Some(0),
        extended_number_of_price_tiers: Some(0),
        extended_price_tier: Some(0),
        extended_register_tier: Some(0),
        price_trailing_digit_and_price_tier: PriceTrailingDigitAndTier::new(2, 1),
        number_of_price_tiers_and_register_tier: PriceTiersAndRegisterTier::new(1, 1),
        ..p
    };
    let v = enc!(p12).unwrap();
    assert_eq!(v.len(), b.len() - 3 + 5);
    assert_eq!(&v[..b.len() - 3], &b[3..]);
    assert_eq!(PublishPrice::decode(&v).unwrap(), p12);
}

/// Encoder errors: an optional field after an absent one, an integer wider
/// than its ZCL type, a string longer than 254 octets, a small buffer.
#[test]
fn encode_errors() {
    let b = hex("01000000044241534510000000804c1b2e003a03211100000000ffffdc050000");
    let mut p = PublishPrice::decode(&b).unwrap();
    p.generation_price = Some(1);
    assert_eq!(
        enc!(p),
        Err(EncodeError::InvalidValue {
            what: "field after an absent optional field"
        })
    );
    let mut gp = GetProfileResponse {
        end_time: 0,
        status: ProfileStatus::Success,
        profile_interval_period: ProfileIntervalPeriod::Minutes30,
        number_of_periods_delivered: 0,
        intervals: &[],
        trailing: &[],
    };
    assert_eq!(enc!(gp).unwrap(), [0, 0, 0, 0, 0, 2, 0]);
    gp.status = ProfileStatus::Unknown(0x42);
    assert_eq!(enc!(gp).unwrap(), [0, 0, 0, 0, 0x42, 2, 0]);
    let mut buf = [0u8; 6];
    assert_eq!(
        gp.encode(&mut buf),
        Err(EncodeError::BufferTooSmall { needed: 7 })
    );

    let bp = price::PublishBlockPeriod {
        provider_id: 1,
        issuer_event_id: 2,
        block_period_start_time: 3,
        block_period_duration: 0x0100_0000, // uint24
        block_period_control: 0,
        block_period_duration_type: None,
        tariff_type: None,
        tariff_resolution_period: None,
        trailing: &[],
    };
    assert_eq!(
        enc!(bp),
        Err(EncodeError::InvalidValue {
            what: "integer wider than its type"
        })
    );
    let long = [0u8; 255];
    let m = messaging::DisplayMessage {
        message_id: 1,
        message_control: messaging::MessageControl(0x80),
        start_time: 0,
        duration_in_minutes: 1,
        message: Some(&long),
        extended_message_control: None,
        trailing: &[],
    };
    assert!(enc!(m).is_err());
}

/// Named enums and bitmaps on the wire.
#[test]
fn named_fields() {
    // DRLC ReportEventStatus with an unnamed event status: kept.
    let mut b = vec![0x78, 0x56, 0x34, 0x12, 0x07, 0, 0, 0, 0, 0x07];
    b.extend([0x00, 0x08, 0x00, 0x08, 0x80, 0xff, 0x03, 0x00]);
    let r = drlc::ReportEventStatus::decode(&b).unwrap();
    assert_eq!(r.event_status, drlc::EventStatus::Superseded);
    assert_eq!(
        r.criticality_level_applied,
        drlc::CriticalityLevel::Emergency
    );
    assert_eq!(r.signature_type, drlc::SignatureType::None);
    assert_eq!(r.event_status.name(), Some("event_superseded"));
    b[4] = 0x42;
    let r = drlc::ReportEventStatus::decode(&b).unwrap();
    assert_eq!(r.event_status, drlc::EventStatus::Unknown(0x42));
    assert_eq!(enc!(r).unwrap(), b);

    let dc = drlc::DeviceClass(0x0005);
    assert!(dc.contains(drlc::DeviceClass::WATER_HEATER));
    assert_eq!(
        dc.flag_names().collect::<Vec<_>>(),
        ["hvac_compressor_or_furnace", "water_heater"]
    );
    let mc = messaging::MessageControl(0x80 | 0x08 | 0x01);
    assert_eq!(mc.transmission(), 1);
    assert_eq!(mc.importance(), 2);
    assert!(mc.contains(messaging::MessageControl::CONFIRMATION_REQUIRED));

    // Tunneling RequestTunnel: GB-HRGP.
    let t = tunneling::RequestTunnel::decode(&[0x06, 0xff, 0xff, 0x00, 0xdc, 0x05]).unwrap();
    assert_eq!(t.protocol_id, tunneling::ProtocolId::GbHrgp);
    assert_eq!(t.manufacturer_code, 0xffff);
    assert_eq!(t.flow_control_support, 0);
    assert_eq!(t.maximum_incoming_transfer_size, 1500);

    let s = dual_protocol_zcl_se::cluster::metering::LocalChangeSupply::decode(&[2]).unwrap();
    assert_eq!(s.proposed_supply_status, SupplyStatus::On);
    assert_eq!(UnitOfMeasure::from(0x81).name(), Some("cubic_meters_bcd"));
}

/// Unknown commands and clusters are `None`, not errors.
#[test]
fn unknown_commands() {
    assert_eq!(
        SeCommand::decode(0x0700, Direction::ServerToClient, 0x7f, &[]),
        Ok(None)
    );
    assert_eq!(
        SeCommand::decode(0x0006, Direction::ClientToServer, 0, &[]),
        Ok(None)
    );
    assert!(matches!(
        price::Command::decode(Direction::ClientToServer, 0x00, &[]),
        Err(DecodeError::Truncated { offset: 0, .. })
    ));
}

/// Names of enumerated field values, by (cluster, direction, command,
/// field), as `dualp` shows them.
#[test]
fn value_names() {
    let n = |c, d, id, f: &str, raw| SeCommand::value_name(c, d, id, f, raw);
    let s2c = Direction::ServerToClient;
    assert_eq!(
        n(0x0700, s2c, 0x00, "unit_of_measure", 1),
        Some("cubic_meters")
    );
    assert_eq!(n(0x0700, s2c, 0x00, "unit_of_measure", 0x42), None);
    assert_eq!(n(0x0700, s2c, 0x00, "unit_of_measure", 0x1_0000), None);
    assert_eq!(n(0x0700, s2c, 0x00, "provider_id", 1), None);
    assert_eq!(n(0x0700, s2c, 0x00, "price_control", 1), None);
    assert_eq!(
        n(0x0701, Direction::ClientToServer, 0x00, "event_status", 2),
        Some("event_started")
    );
    assert_eq!(
        n(0x0704, s2c, 0x00, "tunnel_status", 3),
        Some("protocol_not_supported")
    );
    assert_eq!(
        n(0x0702, s2c, 0x00, "status", 5),
        Some("no_intervals_available_for_the_requested_time")
    );
    assert_eq!(
        n(0x0800, s2c, 0x03, "status_code", 1),
        Some("unknown_issuer")
    );
    assert_eq!(n(0x0006, s2c, 0x00, "status", 0), None);
}

/// Metering notification flags (bit names as Wireshark dissects them).
#[test]
fn notification_flags() {
    use dual_protocol_zcl_se::cluster::metering::{
        FunctionalNotificationFlags, GetNotifiedMessage, notification_flag_names,
    };
    let g = GetNotifiedMessage::decode(&[0x01, 0x00, 0x00, 0x05, 0x00, 0x20, 0x00]).unwrap();
    assert_eq!(g.notification_flag_attribute_id, 0x0000);
    let names: Vec<_> =
        notification_flag_names(g.notification_flag_attribute_id, g.notification_flags)
            .unwrap()
            .collect();
    assert_eq!(
        names,
        ["new_ota_firmware", "time_sync", "tunnel_message_pending"]
    );
    assert!(
        FunctionalNotificationFlags(g.notification_flags)
            .contains(FunctionalNotificationFlags::TUNNEL_MESSAGE_PENDING)
    );
    let p: Vec<_> = notification_flag_names(0x0001, 0x0001).unwrap().collect();
    assert_eq!(p, ["publish_price"]);
    assert!(notification_flag_names(0x0005, 1).is_none());
}

/// A whole frame from a typed command: the SE 1.1b PublishPrice vector's
/// header (0x09: cluster specific, server to client, default response
/// enabled; TSN 0x10) and payload.
#[test]
fn encode_frame() {
    let b = hex(
        "09100001000000044241534510000000804c1b2e003a03211100000000ffffdc050000ffffffffffffffffffffffff0000",
    );
    let p = PublishPrice::decode(&b[3..]).unwrap();
    let mut buf = vec![0u8; b.len()];
    assert_eq!(p.encode_frame(0x10, false, &mut buf).unwrap(), b.len());
    assert_eq!(buf, b);
    let c = SeCommand::Price(price::Command::PublishPrice(p));
    let mut buf2 = vec![0u8; b.len()];
    c.encode_frame(0x10, false, &mut buf2).unwrap();
    assert_eq!(buf2, b);
    assert!(matches!(
        c.encode_frame(0x10, true, &mut buf2[..10]),
        Err(EncodeError::BufferTooSmall { .. })
    ));
    // It decodes as the frame it is.
    let f = Frame::decode_with(&buf, &Context::new(0x0700)).unwrap();
    assert_eq!(SeCommand::from_frame(&f, 0x0700).unwrap(), Some(c));
}
