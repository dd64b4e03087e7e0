//! General cluster commands decoded through their tables, and the extension
//! registry (manufacturer-specific and profile-extension definitions).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::global::List;
use dual_protocol_zcl_se::{
    Access, AttributeDef, ClusterDef, CommandDef, CommandFields, Context, DataType, Direction,
    FieldDef, FieldValue, Frame, GlobalCommand, Payload, Value,
};

fn fields<'a>(f: &Frame<'a>) -> CommandFields<'a> {
    match f.payload {
        Payload::Cluster(c) => c,
        ref other => panic!("not a table-decoded command: {other:?}"),
    }
}

/// ZCL rev 6 §3.5.2.3.1 Identify: identify time uint16 (here 10 s).
#[test]
fn identify_command() {
    let b = [0x01, 0x07, 0x00, 0x0a, 0x00];
    let f = Frame::decode_with(&b, &Context::new(0x0003)).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "identify");
    assert_eq!(
        c.field("identify_time"),
        Some(FieldValue::Value(Value::Uint {
            width: 2,
            value: 10
        }))
    );
    // The same identifier server to client is Identify Query Response.
    let b = [0x09, 0x07, 0x00, 0x05, 0x00];
    let f = Frame::decode_with(&b, &Context::new(0x0003)).unwrap();
    assert_eq!(fields(&f).def().name, "identify_query_response");
    // Trigger Effect (0x40): two enum8 fields.
    let b = [0x01, 0x08, 0x40, 0x01, 0x00];
    let f = Frame::decode_with(&b, &Context::new(0x0003)).unwrap();
    let names: Vec<_> = fields(&f).fields().map(|x| x.def.name).collect();
    assert_eq!(names, ["effect_identifier", "effect_variant"]);
}

/// ZCL rev 6 §3.11.2.5.2 Get Alarm Response: the alarm fields follow only a
/// SUCCESS status.
#[test]
fn alarms_get_alarm_response() {
    let ok = [
        0x09, 0x01, 0x01, 0x00, 0x02, 0x02, 0x07, 0x80, 0x4c, 0x1b, 0x2e,
    ];
    let f = Frame::decode_with(&ok, &Context::new(0x0009)).unwrap();
    let c = fields(&f);
    assert_eq!(c.fields().count(), 4);
    assert_eq!(
        c.field("cluster_identifier"),
        Some(FieldValue::Value(Value::ClusterId(0x0702)))
    );
    let not_found = [0x09, 0x01, 0x01, 0x8b];
    let f = Frame::decode_with(&not_found, &Context::new(0x0009)).unwrap();
    let c = fields(&f);
    assert_eq!(c.fields().count(), 1);
    assert_eq!(
        c.field("status"),
        Some(FieldValue::Value(Value::Enum8(0x8b)))
    );
    assert_eq!(f.encode_to_vec_checked(), not_found);
    // Alarm (server to client 0x00).
    let b = [0x09, 0x02, 0x00, 0x03, 0x06, 0x00];
    let f = Frame::decode_with(&b, &Context::new(0x0009)).unwrap();
    assert_eq!(fields(&f).def().name, "alarm");
}

/// Basic Reset to Factory Defaults has no payload; extra octets are kept.
#[test]
fn basic_reset_and_trailing_octets() {
    let b = [0x01, 0x03, 0x00, 0xaa];
    let f = Frame::decode_with(&b, &Context::new(0x0000)).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "reset_to_factory_defaults");
    assert_eq!(c.trailing(), &[0xaa]);
    assert_eq!(f.encode_to_vec_checked(), b);
}

/// An unknown command on a known cluster stays raw.
#[test]
fn unknown_cluster_command_is_raw() {
    let b = [0x01, 0x03, 0x7f, 0x01, 0x02];
    let f = Frame::decode_with(&b, &Context::new(0x0000)).unwrap();
    assert_eq!(f.payload, Payload::Raw(&[0x01, 0x02]));
}

// A manufacturer's additions to Metering (cluster 0x0702), manufacturer code
// 0x1234, and a profile extension (no manufacturer code) on the same cluster.
static MFR_ATTRS: &[AttributeDef<'static>] = &[AttributeDef::new(
    0x4000,
    "VendorCounter",
    DataType::UINT32,
    Access::RP,
)];
static MFR_CMDS: &[CommandDef<'static>] = &[CommandDef::new(
    0x80,
    "vendor_snapshot",
    Direction::ClientToServer,
    &[
        FieldDef::new("snapshot_id", DataType::UINT16),
        FieldDef::new("label", DataType::CHAR_STRING),
        FieldDef::rest("blob"),
    ],
)];
static EXT_ATTRS: &[AttributeDef<'static>] = &[AttributeDef::new(
    0x0000,
    "CurrentSummationDelivered",
    DataType::UINT48,
    Access::RP,
)];
static EXTENSIONS: &[ClusterDef<'static>] = &[
    ClusterDef {
        id: 0x0702,
        name: "Metering",
        manufacturer: Some(0x1234),
        attributes: MFR_ATTRS,
        commands: MFR_CMDS,
    },
    ClusterDef {
        id: 0x0702,
        name: "Metering",
        manufacturer: None,
        attributes: EXT_ATTRS,
        commands: &[],
    },
];

#[test]
fn extension_registry_decodes_by_name_and_type() {
    let ctx = Context::new(0x0702).with_extensions(EXTENSIONS);
    assert_eq!(ctx.cluster_name(), Some("Metering"));
    // Manufacturer-specific command (frame control 0x05, code 0x1234).
    let b = [
        0x05, 0x34, 0x12, 0x09, 0x80, 0x07, 0x00, 0x02, b'h', b'i', 0xde, 0xad,
    ];
    let f = Frame::decode_with(&b, &ctx).unwrap();
    let c = fields(&f);
    assert_eq!(c.def().name, "vendor_snapshot");
    let got: Vec<_> = c.fields().map(|x| (x.def.name, x.value)).collect();
    assert_eq!(
        got,
        vec![
            (
                "snapshot_id",
                FieldValue::Value(Value::Uint { width: 2, value: 7 })
            ),
            ("label", FieldValue::Value(Value::CharString(Some(b"hi")))),
            ("blob", FieldValue::Octets(&[0xde, 0xad])),
        ]
    );
    assert_eq!(f.encode_to_vec_checked(), b);
    // Another manufacturer's code does not match: raw.
    let mut other = b;
    other[1] = 0x35;
    let f = Frame::decode_with(&other, &ctx).unwrap();
    assert!(matches!(f.payload, Payload::Raw(_)));
    // Attribute names by manufacturer.
    assert_eq!(
        ctx.attribute(Some(0x1234), 0x4000).unwrap().name,
        "VendorCounter"
    );
    assert!(ctx.attribute(None, 0x4000).is_none());
    assert_eq!(
        ctx.attribute(None, 0x0000).unwrap().name,
        "CurrentSummationDelivered"
    );
    // A manufacturer-specific Report Attributes decodes as a global command
    // and the attribute names come from the manufacturer's table.
    let b = [
        0x1c, 0x34, 0x12, 0x01, 0x0a, 0x00, 0x40, 0x23, 0x01, 0x00, 0x00, 0x00,
    ];
    let f = Frame::decode_with(&b, &ctx).unwrap();
    let Payload::Global(GlobalCommand::ReportAttributes(recs)) = f.payload else {
        panic!()
    };
    let r = recs.iter().next().unwrap();
    let def = ctx.attribute(f.header.manufacturer_code, r.id).unwrap();
    assert_eq!(def.name, "VendorCounter");
    assert_eq!(def.data_type, r.value.data_type());
}

#[test]
fn build_command_fields() {
    let def = &MFR_CMDS[0];
    let mut buf = [0u8; 32];
    let c = CommandFields::build(
        def,
        &[
            FieldValue::Value(Value::Uint { width: 2, value: 9 }),
            FieldValue::Value(Value::CharString(Some(b"x"))),
        ],
        &mut buf,
    )
    .unwrap();
    assert_eq!(c.bytes(), &[0x09, 0x00, 0x01, b'x']);
    // A missing mandatory field, or one of the wrong type, is refused.
    let mut buf = [0u8; 32];
    assert!(
        CommandFields::build(
            def,
            &[FieldValue::Value(Value::Uint { width: 2, value: 9 })],
            &mut buf
        )
        .is_err()
    );
    let mut buf = [0u8; 32];
    assert!(
        CommandFields::build(
            def,
            &[
                FieldValue::Value(Value::Uint { width: 1, value: 9 }),
                FieldValue::Value(Value::CharString(None))
            ],
            &mut buf
        )
        .is_err()
    );
}

#[test]
fn attribute_tables_have_unique_ids_and_names() {
    for c in dual_protocol_zcl_se::cluster::STANDARD_TABLES
        .iter()
        .flat_map(|t| t.iter())
    {
        for (i, a) in c.attributes.iter().enumerate() {
            assert!(
                c.attributes[i + 1..].iter().all(|b| b.id != a.id),
                "{}",
                a.name
            );
            assert!(!a.name.is_empty() && a.access.contains(Access::READ));
        }
        for (i, x) in c.commands.iter().enumerate() {
            assert!(
                c.commands[i + 1..]
                    .iter()
                    .all(|y| (y.id, y.direction) != (x.id, x.direction))
            );
        }
    }
    // Time cluster: ZCL rev 6 table 3-60.
    let t = Context::new(0x000a);
    assert_eq!(t.attribute(None, 0x0000).unwrap().data_type, DataType::UTC);
    assert_eq!(t.attribute(None, 0x0007).unwrap().access, Access::R);
    assert_eq!(t.attribute(None, 0x0009).unwrap().name, "ValidUntilTime");
    // Global commands still decode on every cluster, including unknown ones.
    let b = [0x00, 0x01, 0x00, 0x00, 0x00];
    let f = Frame::decode_with(&b, &Context::new(0xfc00)).unwrap();
    let Payload::Global(GlobalCommand::ReadAttributes(List::Wire { count: 1, .. })) = f.payload
    else {
        panic!()
    };
}

trait EncodeChecked {
    fn encode_to_vec_checked(&self) -> Vec<u8>;
}

impl EncodeChecked for Frame<'_> {
    fn encode_to_vec_checked(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.encoded_len()];
        let n = self.encode(&mut v).unwrap();
        assert_eq!(n, v.len());
        v
    }
}
