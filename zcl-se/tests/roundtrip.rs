//! Proptest round trips: every data type (`decode(encode(x)) == x` and
//! `encode(decode(b)) == b`), every global command inside a frame, and
//! arbitrary bytes on arbitrary clusters (whatever decodes re-encodes exactly).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::Eui64;
use dual_protocol_zcl_se::global::{
    AttributeId, AttributeInfo, AttributeRecord, AttributeStatusRecord, AttributeValue, CommandId,
    DiscoverRequest, DiscoverResponse, ExtendedAttributeInfo, List, ReadAttributeStatus,
    ReadReportingRecord, ReportDirection, ReportingConfiguration, ReportingDetails, Selector,
    StatusList, StructuredRead, StructuredWrite, StructuredWriteStatus, WriteAttributeStatus,
};
use dual_protocol_zcl_se::owned::OwnedValue;
use dual_protocol_zcl_se::{
    CollectionKind, Context, DataType, Date, Direction, Frame, FrameType, GlobalCommand, Header,
    Payload, Status, TimeOfDay, Value,
};
use proptest::prelude::*;

fn mask(w: u8) -> u64 {
    if w == 8 {
        u64::MAX
    } else {
        (1u64 << (8 * w)) - 1
    }
}

fn sext(v: u64, w: u8) -> i64 {
    let s = 64 - 8 * u32::from(w);
    ((v << s) as i64) >> s
}

fn bytes(max: usize) -> impl Strategy<Value = Option<Vec<u8>>> {
    proptest::option::weighted(0.9, proptest::collection::vec(any::<u8>(), 0..max))
}

/// One value of every non-collection type in table 2-10.
fn arb_leaf() -> impl Strategy<Value = OwnedValue> {
    use OwnedValue::Scalar as S;
    prop_oneof![
        Just(S(Value::NoData)),
        Just(S(Value::Unknown)),
        (1u8..=8, any::<u64>()).prop_map(|(w, b)| S(Value::Data {
            width: w,
            bits: b & mask(w)
        })),
        any::<u8>().prop_map(|b| S(Value::Bool(b))),
        (1u8..=8, any::<u64>()).prop_map(|(w, b)| S(Value::Bitmap {
            width: w,
            bits: b & mask(w)
        })),
        (1u8..=8, any::<u64>()).prop_map(|(w, b)| S(Value::Uint {
            width: w,
            value: b & mask(w)
        })),
        (1u8..=8, any::<u64>()).prop_map(|(w, b)| S(Value::Int {
            width: w,
            value: sext(b, w)
        })),
        any::<u8>().prop_map(|v| S(Value::Enum8(v))),
        any::<u16>().prop_map(|v| S(Value::Enum16(v))),
        any::<u16>().prop_map(|v| S(Value::Semi(v))),
        any::<u32>().prop_map(|v| S(Value::Single(v))),
        any::<u64>().prop_map(|v| S(Value::Double(v))),
        bytes(40).prop_map(OwnedValue::OctetString),
        bytes(40).prop_map(OwnedValue::CharString),
        bytes(300).prop_map(OwnedValue::LongOctetString),
        bytes(300).prop_map(OwnedValue::LongCharString),
        any::<[u8; 4]>().prop_map(|[hours, minutes, seconds, hundredths]| S(Value::TimeOfDay(
            TimeOfDay {
                hours,
                minutes,
                seconds,
                hundredths
            }
        ))),
        any::<[u8; 4]>().prop_map(
            |[year_since_1900, month, day, weekday]| S(Value::Date(Date {
                year_since_1900,
                month,
                day,
                weekday
            }))
        ),
        any::<u32>().prop_map(|v| S(Value::Utc(v))),
        any::<u16>().prop_map(|v| S(Value::ClusterId(v))),
        any::<u16>().prop_map(|v| S(Value::AttributeId(v))),
        any::<u32>().prop_map(|v| S(Value::BacnetOid(v))),
        any::<[u8; 8]>().prop_map(|v| S(Value::Ieee(Eui64(v)))),
        any::<[u8; 16]>().prop_map(|v| S(Value::SecurityKey(v))),
    ]
}

/// Values of every type including nested arrays, structures, sets and bags.
fn arb_value() -> impl Strategy<Value = OwnedValue> {
    arb_leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::option::weighted(0.9, proptest::collection::vec(inner.clone(), 0..6))
                .prop_map(|elements| OwnedValue::Collection {
                    kind: CollectionKind::Structure,
                    element_type: DataType::UNKNOWN,
                    elements,
                }),
            (
                prop_oneof![
                    Just(CollectionKind::Array),
                    Just(CollectionKind::Set),
                    Just(CollectionKind::Bag)
                ],
                proptest::collection::vec(inner, 0..6),
                any::<bool>(),
            )
                .prop_map(|(kind, es, invalid)| {
                    // Keep the elements that share the first element's type.
                    let element_type = es.first().map_or(DataType::UINT8, OwnedValue::data_type);
                    let elements: Vec<_> = es
                        .into_iter()
                        .filter(|e| e.data_type() == element_type)
                        .collect();
                    OwnedValue::Collection {
                        kind,
                        element_type,
                        elements: (!invalid).then_some(elements),
                    }
                }),
        ]
    })
}

/// Encodes owned values into an arena so borrowed [`Value`]s can point at it.
fn arena(values: &[OwnedValue]) -> Vec<(DataType, Vec<u8>)> {
    values
        .iter()
        .map(|v| (v.data_type(), v.encode_to_vec().unwrap()))
        .collect()
}

fn borrowed(arena: &[(DataType, Vec<u8>)]) -> Vec<Value<'_>> {
    arena
        .iter()
        .map(|(t, b)| Value::decode(*t, b).unwrap().0)
        .collect()
}

fn status_not_success() -> impl Strategy<Value = Status> {
    (1u8..=255).prop_map(Status::from)
}

fn roundtrip_frame(f: &Frame<'_>, cluster: u16) {
    let bytes = f.encode_to_vec().unwrap();
    assert_eq!(bytes.len(), f.encoded_len());
    let d = Frame::decode_with(&bytes, &Context::new(cluster)).unwrap();
    assert_eq!(&d, f);
    assert_eq!(d.encode_to_vec().unwrap(), bytes);
}

fn sel(ind: u8, idx: &[u8]) -> Selector<'_> {
    Selector {
        indicator: ind,
        indexes: &idx[..2 * usize::from(ind & 0x0f)],
    }
}

fn arb_header() -> impl Strategy<Value = (Direction, bool, u8, Option<u16>, u8)> {
    (
        prop_oneof![
            Just(Direction::ClientToServer),
            Just(Direction::ServerToClient)
        ],
        any::<bool>(),
        0u8..8,
        proptest::option::of(any::<u16>()),
        any::<u8>(),
    )
}

fn frame<'a>(h: (Direction, bool, u8, Option<u16>, u8), command: GlobalCommand<'a>) -> Frame<'a> {
    let mut f = Frame::global(h.0, h.4, h.1, command);
    f.header.reserved = h.2;
    f.header.manufacturer_code = h.3;
    f
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_data_type(v in arb_value()) {
        let bytes = v.encode_to_vec().unwrap();
        prop_assert_eq!(bytes.len(), v.encoded_len());
        let (d, used) = Value::decode(v.data_type(), &bytes).unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(d.data_type(), v.data_type());
        prop_assert_eq!(OwnedValue::from_value(&d), v.clone());
        let mut again = vec![0u8; d.encoded_len()];
        d.encode(&mut again).unwrap();
        prop_assert_eq!(again, bytes);
    }

    #[test]
    fn attribute_lists(
        h in arb_header(),
        ids in proptest::collection::vec(any::<u16>(), 0..12),
        vals in proptest::collection::vec((any::<u16>(), arb_value()), 0..6),
        which in 0u8..4,
    ) {
        let owned: Vec<_> = vals.iter().map(|(_, v)| v.clone()).collect();
        let ar = arena(&owned);
        let values = borrowed(&ar);
        let recs: Vec<_> = vals.iter().zip(&values).map(|((id, _), v)| AttributeValue { id: *id, value: *v }).collect();
        let ids: Vec<_> = ids.into_iter().map(AttributeId).collect();
        roundtrip_frame(&frame(h, GlobalCommand::ReadAttributes(List::Slice(&ids))), 0x0702);
        let cmd = match which {
            0 => GlobalCommand::WriteAttributes(List::Slice(&recs)),
            1 => GlobalCommand::WriteAttributesUndivided(List::Slice(&recs)),
            2 => GlobalCommand::WriteAttributesNoResponse(List::Slice(&recs)),
            _ => GlobalCommand::ReportAttributes(List::Slice(&recs)),
        };
        roundtrip_frame(&frame(h, cmd), 0x0702);
    }

    #[test]
    fn read_attributes_response(
        h in arb_header(),
        vals in proptest::collection::vec((any::<u16>(), arb_value(), proptest::option::of(status_not_success())), 0..6),
    ) {
        let owned: Vec<_> = vals.iter().map(|(_, v, _)| v.clone()).collect();
        let ar = arena(&owned);
        let values = borrowed(&ar);
        let recs: Vec<_> = vals.iter().zip(&values).map(|((id, _, fail), v)| match fail {
            Some(status) => ReadAttributeStatus { id: *id, status: *status, value: None },
            None => ReadAttributeStatus { id: *id, status: Status::Success, value: Some(*v) },
        }).collect();
        roundtrip_frame(&frame(h, GlobalCommand::ReadAttributesResponse(List::Slice(&recs))), 0x0000);
    }

    #[test]
    fn status_responses(
        h in arb_header(),
        all in any::<bool>(),
        w in proptest::collection::vec((status_not_success(), any::<u16>()), 1..6),
        c in proptest::collection::vec((status_not_success(), any::<u8>(), any::<u16>()), 1..6),
        s in proptest::collection::vec((status_not_success(), any::<u16>(), 0u8..4, proptest::collection::vec(any::<u8>(), 8)), 1..4),
    ) {
        let w: Vec<_> = w.into_iter().map(|(status, id)| WriteAttributeStatus { status, id }).collect();
        let c: Vec<_> = c.into_iter().map(|(status, d, id)| AttributeStatusRecord { status, direction: ReportDirection::from(d), id }).collect();
        let s: Vec<_> = s.iter().map(|(status, id, n, idx)| StructuredWriteStatus {
            status: *status, id: *id, selector: Selector { indicator: *n, indexes: &idx[..2 * usize::from(*n)] },
        }).collect();
        let (a, b, d) = if all {
            (StatusList::AllSuccess, StatusList::AllSuccess, StatusList::AllSuccess)
        } else {
            (StatusList::Records(List::Slice(&w)), StatusList::Records(List::Slice(&c)), StatusList::Records(List::Slice(&s)))
        };
        roundtrip_frame(&frame(h, GlobalCommand::WriteAttributesResponse(a)), 0x0000);
        roundtrip_frame(&frame(h, GlobalCommand::ConfigureReportingResponse(b)), 0x0000);
        roundtrip_frame(&frame(h, GlobalCommand::WriteAttributesStructuredResponse(d)), 0x0000);
    }

    #[test]
    fn reporting_configuration(
        h in arb_header(),
        cfgs in proptest::collection::vec((any::<u16>(), arb_leaf(), any::<u16>(), any::<u16>(), proptest::option::of(any::<u16>()), proptest::option::of(status_not_success()), any::<u8>()), 0..6),
    ) {
        let owned: Vec<_> = cfgs.iter().map(|c| c.1.clone()).collect();
        let ar = arena(&owned);
        let values = borrowed(&ar);
        let configs: Vec<_> = cfgs.iter().zip(&values).map(|((id, _, min, max, timeout, _, _), v)| {
            let details = match timeout {
                Some(t) => ReportingDetails::Receive { timeout: *t },
                None => ReportingDetails::Send {
                    data_type: v.data_type(),
                    min_interval: *min,
                    max_interval: *max,
                    reportable_change: v.data_type().is_analog().then_some(*v),
                },
            };
            ReportingConfiguration { id: *id, details }
        }).collect();
        let read: Vec<_> = cfgs.iter().zip(&configs).map(|((id, _, _, _, _, fail, dir), c)| match fail {
            Some(status) => ReadReportingRecord::Failure { status: *status, direction: ReportDirection::from(*dir), id: *id },
            None => ReadReportingRecord::Success(*c),
        }).collect();
        let req: Vec<_> = cfgs.iter().map(|c| AttributeRecord { direction: ReportDirection::from(c.6), id: c.0 }).collect();
        roundtrip_frame(&frame(h, GlobalCommand::ConfigureReporting(List::Slice(&configs))), 0x0702);
        roundtrip_frame(&frame(h, GlobalCommand::ReadReportingConfigurationResponse(List::Slice(&read))), 0x0702);
        roundtrip_frame(&frame(h, GlobalCommand::ReadReportingConfiguration(List::Slice(&req))), 0x0702);
    }

    #[test]
    fn discovery_and_default_response(
        h in arb_header(),
        start in any::<u16>(), max in any::<u8>(), complete in any::<u8>(),
        infos in proptest::collection::vec((any::<u16>(), any::<u8>(), any::<u8>()), 0..10),
        cmds in proptest::collection::vec(any::<u8>(), 0..10),
        status in any::<u8>(), cmd in any::<u8>(),
    ) {
        let a: Vec<_> = infos.iter().map(|(id, t, _)| AttributeInfo { id: *id, data_type: DataType(*t) }).collect();
        let e: Vec<_> = infos.iter().map(|(id, t, acc)| ExtendedAttributeInfo { id: *id, data_type: DataType(*t), access: *acc }).collect();
        let c: Vec<_> = cmds.iter().map(|c| CommandId(*c)).collect();
        let start8 = u8::try_from(start & 0xff).unwrap();
        for g in [
            GlobalCommand::DefaultResponse { command_id: cmd, status: Status::from(status) },
            GlobalCommand::DiscoverAttributes(DiscoverRequest { start, max_count: max }),
            GlobalCommand::DiscoverAttributesExtended(DiscoverRequest { start, max_count: max }),
            GlobalCommand::DiscoverCommandsReceived(DiscoverRequest { start: start8, max_count: max }),
            GlobalCommand::DiscoverCommandsGenerated(DiscoverRequest { start: start8, max_count: max }),
            GlobalCommand::DiscoverAttributesResponse(DiscoverResponse { complete, records: List::Slice(&a) }),
            GlobalCommand::DiscoverAttributesExtendedResponse(DiscoverResponse { complete, records: List::Slice(&e) }),
            GlobalCommand::DiscoverCommandsReceivedResponse(DiscoverResponse { complete, records: List::Slice(&c) }),
            GlobalCommand::DiscoverCommandsGeneratedResponse(DiscoverResponse { complete, records: List::Slice(&c) }),
        ] {
            roundtrip_frame(&frame(h, g), 0x0000);
        }
    }

    #[test]
    fn structured_access(
        h in arb_header(),
        recs in proptest::collection::vec((any::<u16>(), 0u8..=0x2f, proptest::collection::vec(any::<u8>(), 30), arb_value()), 0..5),
    ) {
        let owned: Vec<_> = recs.iter().map(|r| r.3.clone()).collect();
        let ar = arena(&owned);
        let values = borrowed(&ar);
        let reads: Vec<_> = recs.iter().map(|(id, ind, idx, _)| StructuredRead { id: *id, selector: sel(*ind, idx) }).collect();
        let writes: Vec<_> = recs.iter().zip(&values).map(|((id, ind, idx, _), v)| StructuredWrite { id: *id, selector: sel(*ind, idx), value: *v }).collect();
        roundtrip_frame(&frame(h, GlobalCommand::ReadAttributesStructured(List::Slice(&reads))), 0x0000);
        roundtrip_frame(&frame(h, GlobalCommand::WriteAttributesStructured(List::Slice(&writes))), 0x0000);
    }

    /// `encode(decode(b)) == b` for any bytes that decode, on any cluster,
    /// both directions (the frame control carries the direction).
    #[test]
    fn arbitrary_bytes(cluster in prop_oneof![Just(0x0000u16), Just(0x0003), Just(0x0009), Just(0x000a), any::<u16>()],
                       b in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(f) = Frame::decode_with(&b, &Context::new(cluster)) {
            prop_assert_eq!(f.encode_to_vec().unwrap(), b);
        }
    }

    /// Raw payloads on reserved frame types survive.
    #[test]
    fn reserved_frame_type(ft in 2u8..4, tsn in any::<u8>(), cmd in any::<u8>(), payload in proptest::collection::vec(any::<u8>(), 0..20)) {
        let f = Frame {
            header: Header { frame_type: FrameType::Reserved(ft), direction: Direction::ClientToServer, disable_default_response: false, reserved: 0, manufacturer_code: None, tsn, command_id: cmd },
            payload: Payload::Raw(&payload),
        };
        roundtrip_frame(&f, 0x0702);
    }
}
