//! Property tests: `decode(encode(x)) == x` for generated values of every
//! `Data` type (nested up to the limit, compact arrays with typed rows) and
//! every APDU variant, and `encode(decode(b)) == b` on what we encode.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::apdu::*;
use dual_protocol_dlms_cosem::data::{CompactArray, TypeDesc};
use dual_protocol_dlms_cosem::descriptor::{AttributeWithSelection, SelectiveAccess};
use dual_protocol_dlms_cosem::{
    Apdu, AttributeDescriptor, CosemDate, CosemDateTime, CosemTime, Data, DataOwned, Decode,
    Encode, List, MethodDescriptor, NESTING_LIMIT, Obis, Sequence,
};
use proptest::prelude::*;

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn date_time() -> impl Strategy<Value = CosemDateTime> {
    any::<[u8; 12]>().prop_map(CosemDateTime::from_bytes)
}

const LEAF_TAGS: [u8; 28] = [
    0, 255, 3, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31, 32, 33,
];

/// Values of one leaf type.
fn leaf_of(tag: u8) -> BoxedStrategy<DataOwned> {
    use DataOwned as D;
    match tag {
        0 => Just(D::NullData).boxed(),
        3 => any::<u8>().prop_map(D::Boolean).boxed(),
        4 => (0usize..40)
            .prop_flat_map(|bits| {
                prop::collection::vec(any::<u8>(), bits.div_ceil(8))
                    .prop_map(move |bytes| D::BitString { bits, bytes })
            })
            .boxed(),
        5 => any::<i32>().prop_map(D::DoubleLong).boxed(),
        6 => any::<u32>().prop_map(D::DoubleLongUnsigned).boxed(),
        9 => bytes(300).prop_map(D::OctetString).boxed(),
        10 => bytes(20).prop_map(D::VisibleString).boxed(),
        12 => bytes(20).prop_map(D::Utf8String).boxed(),
        13 => any::<i8>().prop_map(D::Bcd).boxed(),
        15 => any::<i8>().prop_map(D::Integer).boxed(),
        16 => any::<i16>().prop_map(D::Long).boxed(),
        17 => any::<u8>().prop_map(D::Unsigned).boxed(),
        18 => any::<u16>().prop_map(D::LongUnsigned).boxed(),
        20 => any::<i64>().prop_map(D::Long64).boxed(),
        21 => any::<u64>().prop_map(D::Long64Unsigned).boxed(),
        22 => any::<u8>().prop_map(D::Enum).boxed(),
        23 => any::<u32>().prop_map(D::Float32).boxed(),
        24 => any::<u64>().prop_map(D::Float64).boxed(),
        25 => date_time().prop_map(D::DateTime).boxed(),
        26 => any::<[u8; 5]>()
            .prop_map(|b| D::Date(CosemDate::from_bytes(b)))
            .boxed(),
        27 => any::<[u8; 4]>()
            .prop_map(|b| D::Time(CosemTime::from_bytes(b)))
            .boxed(),
        28 => any::<i8>().prop_map(D::DeltaInteger).boxed(),
        29 => any::<i16>().prop_map(D::DeltaLong).boxed(),
        30 => any::<i32>().prop_map(D::DeltaDoubleLong).boxed(),
        31 => any::<u8>().prop_map(D::DeltaUnsigned).boxed(),
        32 => any::<u16>().prop_map(D::DeltaLongUnsigned).boxed(),
        33 => any::<u32>().prop_map(D::DeltaDoubleLongUnsigned).boxed(),
        _ => Just(D::DontCare).boxed(),
    }
}

/// Every leaf type of the `Data` CHOICE.
fn leaf() -> BoxedStrategy<DataOwned> {
    prop::sample::select(&LEAF_TAGS[..])
        .prop_flat_map(leaf_of)
        .boxed()
}

/// A compact-array type description (as owned test data).
#[derive(Clone, Debug)]
enum Td {
    Simple(u8),
    Array(u16, Box<Td>),
    Structure(Vec<Td>),
}

impl Td {
    fn bytes(&self, out: &mut Vec<u8>) {
        match self {
            Td::Simple(t) => out.push(*t),
            Td::Array(n, e) => {
                out.push(1);
                out.extend(n.to_be_bytes());
                e.bytes(out);
            }
            Td::Structure(m) => {
                out.push(2);
                out.push(m.len() as u8);
                m.iter().for_each(|t| t.bytes(out));
            }
        }
    }

    fn value(&self) -> BoxedStrategy<DataOwned> {
        match self {
            Td::Simple(t) => {
                let t = *t;
                leaf()
                    .prop_filter("type", move |d| d.data_type().to_u8() == t)
                    .boxed()
            }
            Td::Array(n, e) => prop::collection::vec(e.value(), usize::from(*n))
                .prop_map(DataOwned::Array)
                .boxed(),
            Td::Structure(m) => {
                let parts: Vec<_> = m.iter().map(Td::value).collect();
                parts.prop_map(DataOwned::Structure).boxed()
            }
        }
    }
}

fn td() -> impl Strategy<Value = Td> {
    // No zero-size rows (null-data, dont-care): such a compact array has no row count.
    let simple = prop::sample::select(vec![
        3u8, 4, 5, 6, 9, 10, 12, 13, 15, 16, 17, 18, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
        31, 32, 33,
    ])
    .prop_map(Td::Simple);
    simple.prop_recursive(3, 12, 4, |inner| {
        prop_oneof![
            (1u16..3, inner.clone()).prop_map(|(n, e)| Td::Array(n, Box::new(e))),
            prop::collection::vec(inner, 1..4).prop_map(Td::Structure),
        ]
    })
}

fn compact() -> impl Strategy<Value = DataOwned> {
    td().prop_flat_map(|t| {
        let mut description = Vec::new();
        t.bytes(&mut description);
        prop::collection::vec(t.value(), 0..4).prop_map(move |rows| DataOwned::CompactArray {
            description: description.clone(),
            rows,
        })
    })
}

fn data() -> impl Strategy<Value = DataOwned> {
    prop_oneof![4 => leaf(), 1 => compact()].prop_recursive(6, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(DataOwned::Array),
            prop::collection::vec(inner, 0..5).prop_map(DataOwned::Structure),
        ]
    })
}

fn check_data(d: &DataOwned) {
    let b = d.encode_to_vec().unwrap();
    assert_eq!(b.len(), d.encoded_len());
    let view = Data::decode(&b).unwrap();
    assert_eq!(&view.to_owned(), d);
    let mut out = vec![0u8; view.encoded_len()];
    assert_eq!(view.encode(&mut out).unwrap(), b.len());
    assert_eq!(out, b);
}

proptest! {
    #[test]
    fn data_round_trips(d in data()) {
        check_data(&d);
    }

    #[test]
    fn compact_array_rows_are_typed(d in compact()) {
        check_data(&d);
        let b = d.encode_to_vec().unwrap();
        let Data::CompactArray(c) = Data::decode(&b).unwrap() else { panic!() };
        let DataOwned::CompactArray { rows, .. } = &d else { panic!() };
        prop_assert_eq!(c.len(), rows.len());
        // The rows also encode back through the no-heap builder.
        let mut out = vec![0u8; b.len()];
        let n = CompactArray::write_from_rows(c.description(), c.rows(), &mut out).unwrap();
        prop_assert_eq!(&out[..n], &b[..]);
    }

    #[test]
    fn nesting_up_to_the_limit(depth in 1usize..=NESTING_LIMIT, leaf in leaf(), structure in any::<bool>()) {
        let mut d = leaf;
        for _ in 0..depth {
            d = if structure { DataOwned::Structure(vec![d]) } else { DataOwned::Array(vec![d]) };
        }
        check_data(&d);
    }
}

/// Random ingredients from which every APDU variant is built.
#[derive(Debug, Clone)]
struct Parts {
    iid: u8,
    liid: u32,
    attr: (u16, [u8; 6], i8),
    meth: (u16, [u8; 6], i8),
    value: Vec<u8>,
    value2: Vec<u8>,
    selector: u8,
    raw: Vec<u8>,
    raw2: Vec<u8>,
    block: u32,
    block16: u16,
    last: bool,
    dar: u8,
    ar: u8,
    flag: bool,
    st: Vec<u8>,
    sc: u8,
    ic: u32,
    dt: [u8; 12],
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        (
            any::<u8>(),
            any::<u32>(),
            any::<(u16, [u8; 6], i8)>(),
            any::<(u16, [u8; 6], i8)>(),
        ),
        (data(), data(), any::<u8>(), bytes(40), bytes(300)),
        (
            any::<u32>(),
            any::<u16>(),
            any::<bool>(),
            any::<u8>(),
            any::<u8>(),
            any::<bool>(),
        ),
        (bytes(9), any::<u8>(), any::<u32>(), any::<[u8; 12]>()),
    )
        .prop_map(
            |(
                (iid, liid, attr, meth),
                (v, v2, selector, raw, raw2),
                (block, block16, last, dar, ar, flag),
                (st, sc, ic, dt),
            )| Parts {
                iid,
                liid,
                attr,
                meth,
                value: v.encode_to_vec().unwrap(),
                value2: v2.encode_to_vec().unwrap(),
                selector,
                raw,
                raw2,
                block,
                block16,
                last,
                dar,
                ar,
                flag,
                st,
                sc,
                ic,
                dt,
            },
        )
}

fn check_apdu(a: &Apdu<'_>) {
    let b = a.encode_to_vec().unwrap();
    assert_eq!(b.len(), a.encoded_len());
    let back = Apdu::decode(&b).unwrap_or_else(|e| panic!("{a:?}: {e}"));
    assert_eq!(&back, a);
    assert_eq!(back.encode_to_vec().unwrap(), b);
}

#[allow(clippy::too_many_lines)]
fn every_apdu(p: &Parts, f: &mut dyn FnMut(Apdu<'_>)) {
    let invoke_id = InvokeIdAndPriority(p.iid);
    let long = LongInvokeIdAndPriority(p.liid);
    let attribute = AttributeDescriptor {
        class_id: p.attr.0,
        instance_id: Obis(p.attr.1),
        attribute_id: p.attr.2,
    };
    let method = MethodDescriptor {
        class_id: p.meth.0,
        instance_id: Obis(p.meth.1),
        method_id: p.meth.2,
    };
    let value = Data::decode(&p.value).unwrap();
    let value2 = Data::decode(&p.value2).unwrap();
    let access = p.flag.then_some(SelectiveAccess {
        selector: p.selector,
        parameters: value2,
    });
    let with_sel = [
        AttributeWithSelection { attribute, access },
        AttributeWithSelection {
            attribute,
            access: None,
        },
    ];
    let attributes = List::from_items(&with_sel);
    let values_arr = [value, value2];
    let values = List::from_items(&values_arr);
    let block = DataBlockSa {
        last_block: p.last,
        block_number: p.block,
        raw_data: &p.raw,
    };
    let dar = DataAccessResult::from_u8(p.dar);
    let ar = ActionResult::from_u8(p.ar);
    let dars = [dar, DataAccessResult::Success, dar];
    let results = List::from_items(&dars);
    let gdr = [
        GetDataResult::Data { data: value },
        GetDataResult::DataAccessResult { result: dar },
    ];
    let methods_arr = [method, method];
    let resp = ActionResponseWithOptionalData {
        result: ar,
        return_parameters: p.flag.then_some(gdr[0]),
    };
    let resps = [
        resp,
        ActionResponseWithOptionalData {
            result: ar,
            return_parameters: Some(gdr[1]),
        },
    ];
    let specs = [
        AccessRequestSpecification::Get { attribute },
        AccessRequestSpecification::Set { attribute },
        AccessRequestSpecification::Action { method },
        AccessRequestSpecification::GetWithSelection {
            attribute,
            access: SelectiveAccess {
                selector: p.selector,
                parameters: value,
            },
        },
        AccessRequestSpecification::SetWithSelection {
            attribute,
            access: SelectiveAccess {
                selector: 2,
                parameters: value2,
            },
        },
    ];
    let rspecs = [
        AccessResponseSpecification::Get { result: dar },
        AccessResponseSpecification::Set { result: dar },
        AccessResponseSpecification::Action { result: ar },
    ];
    let vas = [
        VariableAccessSpecification::VariableName { name: p.block16 },
        VariableAccessSpecification::ParameterizedAccess {
            name: p.block16,
            selector: p.selector,
            parameter: value,
        },
        VariableAccessSpecification::BlockNumberAccess {
            block_number: p.block16,
        },
        VariableAccessSpecification::ReadDataBlockAccess {
            last_block: p.last,
            block_number: p.block16,
            raw_data: &p.raw,
        },
        VariableAccessSpecification::WriteDataBlockAccess {
            last_block: p.last,
            block_number: p.block16,
        },
    ];
    let read_results = [
        ReadResult::Data { data: value },
        ReadResult::DataAccessError { result: dar },
        ReadResult::DataBlockResult {
            last_block: p.last,
            block_number: p.block16,
            raw_data: &p.raw,
        },
        ReadResult::BlockNumber {
            block_number: p.block16,
        },
    ];
    let write_results = [
        WriteResult::Success,
        WriteResult::DataAccessError(dar),
        WriteResult::BlockNumber(p.block16),
    ];
    let content = SecuredContent {
        security_control: SecurityControl(p.sc),
        invocation_counter: p.ic,
        payload: &p.raw2,
    };
    let dt_or_empty: &[u8] = if p.flag { &p.dt } else { &[] };

    use Apdu as A;
    f(A::GetRequest(GetRequest::Normal {
        invoke_id,
        attribute,
        access,
    }));
    f(A::GetRequest(GetRequest::Next {
        invoke_id,
        block_number: p.block,
    }));
    f(A::GetRequest(GetRequest::WithList {
        invoke_id,
        attributes,
    }));
    f(A::GetResponse(GetResponse::Normal {
        invoke_id,
        result: gdr[0],
    }));
    f(A::GetResponse(GetResponse::Normal {
        invoke_id,
        result: gdr[1],
    }));
    for result in [
        DataBlockGResult::RawData { raw_data: &p.raw },
        DataBlockGResult::DataAccessResult { result: dar },
    ] {
        f(A::GetResponse(GetResponse::WithDataBlock {
            invoke_id,
            result: DataBlockG {
                last_block: p.last,
                block_number: p.block,
                result,
            },
        }));
    }
    f(A::GetResponse(GetResponse::WithList {
        invoke_id,
        results: List::from_items(&gdr),
    }));
    f(A::SetRequest(SetRequest::Normal {
        invoke_id,
        attribute,
        access,
        value,
    }));
    f(A::SetRequest(SetRequest::WithFirstDataBlock {
        invoke_id,
        attribute,
        access,
        data_block: block,
    }));
    f(A::SetRequest(SetRequest::WithDataBlock {
        invoke_id,
        data_block: block,
    }));
    f(A::SetRequest(SetRequest::WithList {
        invoke_id,
        attributes,
        values,
    }));
    f(A::SetRequest(SetRequest::WithListAndFirstDataBlock {
        invoke_id,
        attributes,
        data_block: block,
    }));
    f(A::SetResponse(SetResponse::Normal {
        invoke_id,
        result: dar,
    }));
    f(A::SetResponse(SetResponse::DataBlock {
        invoke_id,
        block_number: p.block,
    }));
    f(A::SetResponse(SetResponse::LastDataBlock {
        invoke_id,
        result: dar,
        block_number: p.block,
    }));
    f(A::SetResponse(SetResponse::LastDataBlockWithList {
        invoke_id,
        results,
        block_number: p.block,
    }));
    f(A::SetResponse(SetResponse::WithList { invoke_id, results }));
    f(A::ActionRequest(ActionRequest::Normal {
        invoke_id,
        method,
        parameters: p.flag.then_some(value),
    }));
    f(A::ActionRequest(ActionRequest::NextPBlock {
        invoke_id,
        block_number: p.block,
    }));
    f(A::ActionRequest(ActionRequest::WithList {
        invoke_id,
        methods: List::from_items(&methods_arr),
        parameters: values,
    }));
    f(A::ActionRequest(ActionRequest::WithFirstPBlock {
        invoke_id,
        method,
        pblock: block,
    }));
    f(A::ActionRequest(ActionRequest::WithListAndFirstPBlock {
        invoke_id,
        methods: List::from_items(&methods_arr),
        pblock: block,
    }));
    f(A::ActionRequest(ActionRequest::WithPBlock {
        invoke_id,
        pblock: block,
    }));
    f(A::ActionResponse(ActionResponse::Normal {
        invoke_id,
        response: resp,
    }));
    f(A::ActionResponse(ActionResponse::WithPBlock {
        invoke_id,
        pblock: block,
    }));
    f(A::ActionResponse(ActionResponse::WithList {
        invoke_id,
        responses: List::from_items(&resps),
    }));
    f(A::ActionResponse(ActionResponse::NextPBlock {
        invoke_id,
        block_number: p.block,
    }));
    f(A::AccessRequest(AccessRequest {
        invoke_id: long,
        date_time: dt_or_empty,
        specification: List::from_items(&specs),
        data: values,
    }));
    f(A::AccessResponse(AccessResponse {
        invoke_id: long,
        date_time: dt_or_empty,
        specification: p.flag.then_some(List::from_items(&specs)),
        data: values,
        results: List::from_items(&rspecs),
    }));
    f(A::DataNotification(DataNotification {
        invoke_id: long,
        date_time: NotificationDateTime::new(dt_or_empty),
        body: value,
    }));
    f(A::DataNotification(DataNotification {
        invoke_id: long,
        date_time: NotificationDateTime {
            bytes: &p.dt,
            form: DateTimeForm::TaggedOctetString,
        },
        body: value,
    }));
    f(A::EventNotificationRequest(EventNotificationRequest {
        time: p.flag.then_some(&p.dt[..]),
        attribute,
        value,
    }));
    for service_error in [
        ServiceError::OperationNotPossible {},
        ServiceError::ServiceNotSupported {},
        ServiceError::OtherReason {},
        ServiceError::PduTooLong {},
        ServiceError::DecipheringError {},
        ServiceError::InvocationCounterError { counter: p.ic },
    ] {
        f(A::ExceptionResponse(ExceptionResponse {
            state_error: StateError::from_u8(p.dar),
            service_error,
        }));
    }
    f(A::ConfirmedServiceError(ConfirmedServiceError {
        service: ConfirmedService::from_u8(p.dar),
        kind: ServiceErrorKind::from_u8(p.ar),
        value: p.selector,
    }));
    f(A::GeneralBlockTransfer(GeneralBlockTransfer {
        block_control: BlockControl(p.sc),
        block_number: p.block16,
        block_number_ack: p.block16 ^ 0x5a5a,
        block_data: &p.raw2,
    }));
    f(A::ReadRequest(ReadRequest {
        variables: List::from_items(&vas),
    }));
    f(A::ReadResponse(ReadResponse {
        results: List::from_items(&read_results),
    }));
    f(A::WriteRequest(WriteRequest {
        variables: List::from_items(&vas),
        data: values,
    }));
    f(A::UnconfirmedWriteRequest(WriteRequest {
        variables: List::from_items(&vas[..1]),
        data: List::from_items(&values_arr[..1]),
    }));
    f(A::WriteResponse(WriteResponse {
        results: List::from_items(&write_results),
    }));
    f(A::InformationReportRequest(InformationReportRequest {
        current_time: p.flag.then_some(&p.dt[..]),
        variables: List::from_items(&vas),
        data: values,
    }));
    for tag in (0u8..=255).filter(|t| ProtectedService::from_tag(*t).is_some()) {
        let (scope, service) = ProtectedService::from_tag(tag).unwrap();
        f(A::Ciphered(CipheredApdu {
            scope,
            service,
            content,
        }));
    }
    f(A::GeneralGloCiphering(GeneralGloDedCiphering {
        system_title: &p.st,
        content,
    }));
    f(A::GeneralDedCiphering(GeneralGloDedCiphering {
        system_title: &p.st,
        content,
    }));
    for key_info in [
        None,
        Some(KeyInfo::IdentifiedKey { key_id: p.selector }),
        Some(KeyInfo::WrappedKey {
            kek_id: p.selector,
            key_ciphered_data: &p.raw,
        }),
        Some(KeyInfo::AgreedKey {
            key_parameters: &p.st,
            key_ciphered_data: &p.raw,
        }),
    ] {
        f(A::GeneralCiphering(GeneralCiphering {
            transaction_id: &p.st,
            originator_system_title: &p.st,
            recipient_system_title: &p.st,
            date_time: dt_or_empty,
            other_information: &p.raw,
            key_info,
            content,
        }));
    }
    f(A::GeneralSigning(GeneralSigning {
        transaction_id: &p.st,
        originator_system_title: &p.st,
        recipient_system_title: &p.st,
        date_time: dt_or_empty,
        other_information: &p.raw,
        content: &p.raw2,
        signature: &p.raw,
    }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_apdu_round_trips(p in parts()) {
        let mut n = 0;
        every_apdu(&p, &mut |a| {
            check_apdu(&a);
            n += 1;
        });
        prop_assert!(n > 80);
    }
}

#[test]
fn sequence_from_items_encodes_like_a_decoded_one() {
    let items = [
        Data::Unsigned(1),
        Data::OctetString(b"ab"),
        Data::Structure(Sequence::from_items(&[Data::NullData])),
    ];
    let d = Data::Array(Sequence::from_items(&items));
    let b = d.encode_to_vec().unwrap();
    assert_eq!(
        b,
        [
            0x01, 0x03, 0x11, 0x01, 0x09, 0x02, b'a', b'b', 0x02, 0x01, 0x00
        ]
    );
    assert_eq!(Data::decode(&b).unwrap(), d);
}

#[test]
fn compact_array_profile_rows() {
    // compact-array: structure{date-time, double-long-unsigned, delta-double-long-unsigned}, 2 rows.
    let td = [0x02, 0x03, 0x19, 0x06, 0x21];
    let mut contents = Vec::new();
    for (i, v) in [(0u8, 1000u32), (1, 15)] {
        contents.extend([0x07, 0xea, 1, 1, 4, i, 0, 0, 0, 0, 0, 0]);
        contents.extend(5000u32.to_be_bytes());
        contents.extend(v.to_be_bytes());
    }
    let mut b = vec![0x13];
    b.extend(td);
    b.push(contents.len() as u8);
    b.extend(&contents);
    let Data::CompactArray(c) = Data::decode(&b).unwrap() else {
        panic!()
    };
    assert_eq!(c.len(), 2);
    assert_eq!(c.description(), TypeDesc::new(&td).unwrap());
    let rows: Vec<Vec<Data<'_>>> = c
        .rows()
        .map(|r| r.as_sequence().unwrap().iter().collect())
        .collect();
    assert_eq!(rows[1][0].as_date_time().unwrap().time.hour, 1);
    assert_eq!(rows[0][1], Data::DoubleLongUnsigned(5000));
    assert_eq!(rows[1][2], Data::DeltaDoubleLongUnsigned(15));
    assert_eq!(Data::CompactArray(c).encode_to_vec().unwrap(), b);
}
