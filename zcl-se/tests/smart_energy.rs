//! Smart Energy cluster commands (SE 1.4, 07-5356-21 annexes C and D)
//! through their tables: the shared vectors' values, the SE 1.1b
//! PublishPrice that stops before the SE 1.2 trailing fields, a round trip
//! for every command of every SE table, and truncation inside every
//! mandatory field.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::cluster::{SMART_ENERGY, standard_cluster};
use dual_protocol_zcl_se::{
    CommandDef, CommandFields, Context, DataType, DecodeError, Direction, FieldKind, FieldValue,
    Frame, Payload, Value,
};
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn fields<'a>(f: &Frame<'a>) -> CommandFields<'a> {
    match f.payload {
        Payload::Cluster(c) => c,
        ref other => panic!("not a table-decoded command: {other:?}"),
    }
}

fn uint(c: &CommandFields<'_>, name: &str) -> u64 {
    match c.field(name) {
        Some(FieldValue::Value(Value::Uint { value, .. } | Value::Bitmap { bits: value, .. })) => {
            value
        }
        Some(FieldValue::Value(Value::Enum8(v))) => u64::from(v),
        Some(FieldValue::Value(Value::Utc(v))) => u64::from(v),
        Some(FieldValue::Value(Value::Bool(v))) => u64::from(v),
        other => panic!("{name}: {other:?}"),
    }
}

fn reencode(f: &Frame<'_>, bytes: &[u8]) {
    let mut buf = [0u8; 512];
    let n = f.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], bytes);
}

/// PublishPrice as an SE 1.1b device sends it (shared/vectors/zigbee.jsonl
/// line 80, constructed and dissected by Wireshark 4.0.17): it ends after
/// PriceControl, before the SE 1.2 fields.
const PUBLISH_PRICE_1_1B: &str = "09100001000000044241534510000000804c1b2e003a03211100000000ffffdc050000ffffffffffffffffffffffff0000";

#[test]
fn publish_price_se_1_1b() {
    let b = hex(PUBLISH_PRICE_1_1B);
    let f = Frame::decode_with(&b, &Context::new(0x0700)).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "publish_price");
    assert_eq!(uint(&c, "provider_id"), 1);
    assert_eq!(
        c.field("rate_label"),
        Some(FieldValue::Value(Value::OctetString(Some(b"BASE"))))
    );
    assert_eq!(uint(&c, "issuer_event_id"), 0x10);
    assert_eq!(uint(&c, "current_time"), 0x2e1b_4c80);
    assert_eq!(uint(&c, "unit_of_measure"), 0);
    assert_eq!(uint(&c, "currency"), 826);
    assert_eq!(uint(&c, "price_trailing_digit_and_price_tier"), 0x21);
    assert_eq!(uint(&c, "number_of_price_tiers_and_register_tier"), 0x11);
    assert_eq!(uint(&c, "start_time"), 0);
    assert_eq!(uint(&c, "duration_in_minutes"), 0xffff);
    assert_eq!(uint(&c, "price"), 1500);
    assert_eq!(uint(&c, "price_ratio"), 0xff);
    assert_eq!(uint(&c, "generation_price"), 0xffff_ffff);
    assert_eq!(uint(&c, "number_of_block_thresholds"), 0);
    assert_eq!(uint(&c, "price_control"), 0);
    // SE 1.2 trailing fields absent.
    assert_eq!(c.field("number_of_generation_tiers"), None);
    assert_eq!(c.field("extended_register_tier"), None);
    assert!(c.trailing().is_empty());
    reencode(&f, &b);
}

/// The same PublishPrice with the five SE 1.2 trailing fields appended.
#[test]
fn publish_price_se_1_2_trailing_fields() {
    let mut b = hex(PUBLISH_PRICE_1_1B);
    b.extend_from_slice(&[0x02, 0x01, 0x10, 0x0d, 0x0e]);
    let f = Frame::decode_with(&b, &Context::new(0x0700)).unwrap();
    let c = fields(&f);
    assert_eq!(uint(&c, "number_of_generation_tiers"), 2);
    assert_eq!(uint(&c, "generation_tier"), 1);
    assert_eq!(uint(&c, "extended_number_of_price_tiers"), 0x10);
    assert_eq!(uint(&c, "extended_price_tier"), 0x0d);
    assert_eq!(uint(&c, "extended_register_tier"), 0x0e);
    reencode(&f, &b);
    // A field cut in half is an error, not an absent field.
    let short = &hex(PUBLISH_PRICE_1_1B)[..30];
    assert!(Frame::decode_with(short, &Context::new(0x0700)).is_err());
}

/// Messaging DisplayMessage (line 81): id 0x1234, control 0, start now,
/// 60 min, 'Hello' (SE 1.1b: no extended message control).
#[test]
fn messaging_display_message() {
    let b = hex("0911003412000000000000003c000548656c6c6f");
    let f = Frame::decode_with(&b, &Context::new(0x0703)).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "display_message");
    assert_eq!(uint(&c, "message_id"), 0x1234);
    assert_eq!(uint(&c, "message_control"), 0);
    assert_eq!(uint(&c, "start_time"), 0);
    assert_eq!(uint(&c, "duration_in_minutes"), 60);
    assert_eq!(
        c.field("message"),
        Some(FieldValue::Value(Value::CharString(Some(b"Hello"))))
    );
    assert_eq!(c.field("extended_message_control"), None);
    reencode(&f, &b);
}

/// Tunneling (lines 83-85): RequestTunnel, its response, TransferData.
#[test]
fn tunneling_commands() {
    let ctx = Context::new(0x0704);
    let b = hex("01130006ffff00dc05");
    let f = Frame::decode_with(&b, &ctx).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "request_tunnel");
    assert_eq!(uint(&c, "protocol_id"), 6);
    assert_eq!(uint(&c, "manufacturer_code"), 0xffff);
    assert_eq!(uint(&c, "flow_control_support"), 0);
    assert_eq!(uint(&c, "maximum_incoming_transfer_size"), 1500);
    reencode(&f, &b);

    let b = hex("091300010000dc05");
    let f = Frame::decode_with(&b, &ctx).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "request_tunnel_response");
    assert_eq!(uint(&c, "tunnel_id"), 1);
    assert_eq!(uint(&c, "tunnel_status"), 0);
    assert_eq!(uint(&c, "maximum_incoming_transfer_size"), 1500);
    reencode(&f, &b);

    let b = hex("0114020100dd000102030405060708");
    let f = Frame::decode_with(&b, &ctx).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "transfer_data");
    assert_eq!(uint(&c, "tunnel_id"), 1);
    assert_eq!(
        c.field("data"),
        Some(FieldValue::Octets(&hex("dd000102030405060708")[..]))
    );
    reencode(&f, &b);
}

/// Key Establishment InitiateKeyEstablishmentRequest (line 86): suite 1,
/// 16 s / 16 s, a 48-octet identity.
#[test]
fn key_establishment_initiate() {
    let mut b = hex("0115000100101010");
    b.truncate(7);
    b.extend(0u8..48);
    let f = Frame::decode_with(&b, &Context::new(0x0800)).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "initiate_key_establishment_request");
    assert_eq!(uint(&c, "key_establishment_suite"), 1);
    assert_eq!(uint(&c, "ephemeral_data_generate_time"), 16);
    assert_eq!(uint(&c, "confirm_key_generate_time"), 16);
    let Some(FieldValue::Octets(id)) = c.field("identity") else {
        panic!()
    };
    assert_eq!(id.len(), 48);
    reencode(&f, &b);
}

/// Inter-PAN GetCurrentPrice (line 89): options 0.
#[test]
fn price_get_current_price() {
    let b = hex("01200000");
    let f = Frame::decode_with(&b, &Context::new(0x0700)).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "get_current_price");
    assert_eq!(uint(&c, "command_options"), 0);
    reencode(&f, &b);
}

/// Names through the context, for `dualp`.
#[test]
fn names() {
    let m = Context::new(0x0702);
    assert_eq!(m.cluster_name(), Some("Metering"));
    assert_eq!(
        m.attribute(None, 0x0400).map(|a| a.data_type),
        Some(DataType::INT24)
    );
    assert_eq!(
        m.command(None, Direction::ServerToClient, 0x00)
            .map(|c| c.name),
        Some("get_profile_response")
    );
    assert_eq!(
        Context::new(0x0701).cluster_name(),
        Some("Demand Response and Load Control")
    );
    assert_eq!(
        standard_cluster(0x0800).map(|c| c.name),
        Some("Key Establishment")
    );
}

/// Encoded bytes of one field of type `ty` from `seed` octets (strings get
/// a length prefix).
fn field_bytes(kind: FieldKind, seed: &[u8]) -> Vec<u8> {
    match kind {
        FieldKind::Rest => seed.to_vec(),
        FieldKind::Value(ty) => match ty.fixed_len() {
            Some(n) => seed.iter().copied().cycle().take(n).collect(),
            None => {
                let s: Vec<u8> = seed.iter().copied().take(12).collect();
                let mut v = vec![u8::try_from(s.len()).unwrap()];
                v.extend(s);
                v
            }
        },
    }
}

fn all_commands() -> Vec<(u16, &'static CommandDef<'static>)> {
    SMART_ENERGY
        .iter()
        .flat_map(|c| c.commands.iter().map(move |d| (c.id, d)))
        .collect()
}

fn frame_for(def: &CommandDef<'_>, tsn: u8, payload: &[u8]) -> Vec<u8> {
    let fc = match def.direction {
        Direction::ClientToServer => 0x01,
        Direction::ServerToClient => 0x09,
    };
    let mut b = vec![fc, tsn, def.id];
    b.extend_from_slice(payload);
    b
}

proptest! {
    /// Every SE command, with any values and any number of trailing
    /// optional fields, decodes to its definition and re-encodes byte for
    /// byte.
    #[test]
    fn every_se_command_round_trips(
        index in 0usize..1000,
        seed in proptest::collection::vec(1u8..=0xfe, 1..40),
        tsn in any::<u8>(),
        keep in 0usize..32,
    ) {
        let cmds = all_commands();
        let (cluster, def) = cmds[index % cmds.len()];
        let mandatory = def.fields.iter().take_while(|f| !f.optional).count();
        let n = mandatory + keep % (def.fields.len() - mandatory + 1);
        let payload: Vec<u8> = def.fields[..n]
            .iter()
            .flat_map(|f| field_bytes(f.kind, &seed))
            .collect();
        let b = frame_for(def, tsn, &payload);
        let f = Frame::decode_with(&b, &Context::new(cluster)).unwrap();
        let c = fields(&f);
        prop_assert_eq!(c.def().name, def.name);
        prop_assert_eq!(c.fields().count(), if payload.is_empty() { 0 } else { n });
        prop_assert!(c.trailing().is_empty());
        let mut buf = [0u8; 256];
        let len = f.encode(&mut buf).unwrap();
        prop_assert_eq!(&buf[..len], &b[..]);
    }

    /// Arbitrary bytes on every SE cluster: never a panic; what decodes
    /// re-encodes byte for byte.
    #[test]
    fn arbitrary_se_payloads(
        cluster in 0usize..12,
        bytes in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let ctx = Context::new(SMART_ENERGY[cluster].id);
        if let Ok(f) = Frame::decode_with(&bytes, &ctx) {
            let mut buf = [0u8; 256];
            let len = f.encode(&mut buf).unwrap();
            prop_assert_eq!(&buf[..len], &bytes[..]);
        }
    }
}

/// Every SE command cut inside its mandatory fields is a typed error at an
/// offset within the frame.
#[test]
fn every_se_command_truncated_in_mandatory_fields_fails() {
    for (cluster, def) in all_commands() {
        let mandatory: Vec<u8> = def
            .fields
            .iter()
            .take_while(|f| !f.optional)
            .flat_map(|f| field_bytes(f.kind, &[0x01, 0x02, 0x03]))
            .collect();
        let b = frame_for(def, 1, &mandatory);
        Frame::decode_with(&b, &Context::new(cluster)).unwrap();
        for cut in 3..b.len() {
            let err: DecodeError =
                Frame::decode_with(&b[..cut], &Context::new(cluster)).expect_err(def.name);
            assert!(err.offset() <= cut, "{}: {err:?}", def.name);
        }
    }
}

/// Tables: unique (id, direction) per cluster, snake_case names.
#[test]
fn se_tables_are_consistent() {
    for c in SMART_ENERGY {
        for (i, x) in c.commands.iter().enumerate() {
            assert!(
                c.commands[i + 1..]
                    .iter()
                    .all(|y| (y.id, y.direction) != (x.id, x.direction)),
                "{}",
                x.name
            );
            assert!(
                x.name
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
            );
        }
    }
    assert_eq!(all_commands().len(), 146);
}

mod certificates {
    use super::*;
    use dual_protocol_zcl_se::EncodeError;
    use dual_protocol_zcl_se::cluster::key_establishment::{Suite1Certificate, Suite2Certificate};

    /// The 48-octet identity of the shared vector (line 86, synthetic
    /// 00..2f placeholder) splits 22 / 8 / 8 / 10.
    #[test]
    fn suite1_layout_from_vector_identity() {
        let id: Vec<u8> = (0u8..48).collect();
        let c = Suite1Certificate::decode(&id).unwrap();
        assert_eq!(c.public_reconstruction_key[0], 0x00);
        assert_eq!(c.public_reconstruction_key[21], 0x15);
        assert_eq!(c.subject, [0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d]);
        assert_eq!(c.issuer[0], 0x1e);
        assert_eq!(c.profile_attribute_data[9], 0x2f);
        let mut buf = [0u8; 48];
        assert_eq!(c.encode(&mut buf), Ok(48));
        assert_eq!(&buf[..], &id[..]);
        assert_eq!(
            c.encode(&mut [0u8; 47]),
            Err(EncodeError::BufferTooSmall { needed: 48 })
        );
    }

    #[test]
    fn certificates_reject_wrong_lengths() {
        let b = [0u8; 80];
        for n in 0..48 {
            assert!(matches!(
                Suite1Certificate::decode(&b[..n]),
                Err(DecodeError::Truncated { .. })
            ));
        }
        assert!(matches!(
            Suite1Certificate::decode(&b[..49]),
            Err(DecodeError::TrailingBytes { count: 1, .. })
        ));
        for n in 0..74 {
            let e = Suite2Certificate::decode(&b[..n]).unwrap_err();
            assert!(e.offset() <= n);
        }
        assert!(Suite2Certificate::decode(&b[..75]).is_err());
    }

    proptest! {
        #[test]
        fn suite2_round_trip(bytes in proptest::collection::vec(any::<u8>(), 74)) {
            let c = Suite2Certificate::decode(&bytes).unwrap();
            prop_assert_eq!(c.subject, <[u8; 8]>::try_from(&bytes[28..36]).unwrap());
            prop_assert_eq!(c.valid_from, <[u8; 5]>::try_from(&bytes[19..24]).unwrap());
            let mut buf = [0u8; Suite2Certificate::LEN];
            prop_assert_eq!(c.encode(&mut buf), Ok(74));
            prop_assert_eq!(&buf[..], &bytes[..]);
        }

        #[test]
        fn suite1_round_trip(bytes in proptest::collection::vec(any::<u8>(), 48)) {
            let c = Suite1Certificate::decode(&bytes).unwrap();
            let mut buf = [0u8; Suite1Certificate::LEN];
            prop_assert_eq!(c.encode(&mut buf), Ok(48));
            prop_assert_eq!(&buf[..], &bytes[..]);
        }
    }
}

/// Named code points round trip through their raw values; unknown values
/// are kept.
#[test]
fn se_enums() {
    use dual_protocol_zcl_se::cluster::key_establishment::TerminateStatus;
    use dual_protocol_zcl_se::cluster::tunneling::{ProtocolId, TransferDataStatus, TunnelStatus};
    assert_eq!(ProtocolId::from(6), ProtocolId::GbHrgp);
    assert_eq!(ProtocolId::GbHrgp.name(), Some("gb_hrgp"));
    assert_eq!(ProtocolId::from(200), ProtocolId::Unknown(200));
    assert_eq!(u8::from(ProtocolId::Unknown(200)), 200);
    assert_eq!(TunnelStatus::from(0), TunnelStatus::Success);
    assert_eq!(
        TransferDataStatus::from_name("data_overflow"),
        Some(TransferDataStatus::DataOverflow)
    );
    assert_eq!(u8::from(TerminateStatus::UnsupportedSuite), 0x05);
    for v in 0..=255u8 {
        assert_eq!(u8::from(TunnelStatus::from(v)), v);
        assert_eq!(u8::from(TerminateStatus::from(v)), v);
    }
}
