//! `dualp` layers for DLMS/COSEM (crate dual-protocol-dlms-cosem).
//!
//! `dlms-apdu` and `dlms-data` decode to JSON and encode back from it byte
//! for byte: every field is kept (raw invoke-id bytes, enum values by name
//! or number, date-times as their raw fields with wildcards, deviation and
//! clock status, floats with their bit pattern, ciphertext as hex). OBIS
//! codes print in display form (`1-0:1.8.0.255`), date-times with an ISO
//! 8601 rendering beside the raw fields when fully specified.
//! `dlms-apdu` also decodes the ACSE APDUs (AARQ, AARE, RLRQ, RLRE) with
//! their user-information. `dlms-wrapper` and `hdlc` read a byte stream and
//! print one JSON object per frame found (the HDLC deframer skips noise and
//! checks HCS/FCS), each with its decoded APDU under `apdu`; `encode` rebuilds
//! each frame from its fields (HCS and FCS recomputed).
use crate::common::CliError;
use serde_json::Value;

use crate::common::{parse_hex, to_hex};
use dual_protocol_dlms_cosem::acse::BitString as AcseBitString;
use dual_protocol_dlms_cosem::acse::*;
use dual_protocol_dlms_cosem::apdu::*;
use dual_protocol_dlms_cosem::data::BitString;
use dual_protocol_dlms_cosem::descriptor::{AttributeWithSelection, SelectiveAccess};
use dual_protocol_dlms_cosem::hdlc::{
    Control, HdlcAddress, HdlcDeframer, HdlcFrame, HdlcParameters, Llc, Parameter,
};
use dual_protocol_dlms_cosem::wrapper::WrapperFrame;
use dual_protocol_dlms_cosem::{
    Apdu, AttributeDescriptor, CosemDate, CosemDateTime, CosemTime, Data, DataOwned, DataType,
    Decode, Encode, List, MethodDescriptor, Obis,
};
use serde_json::{Map, json};

type R<T> = Result<T, CliError>;

fn bad(msg: impl Into<String>) -> CliError {
    CliError::BadInput(msg.into())
}

/// Keeps a value alive for the rest of the (short-lived) process, so the
/// borrowed codec types can be built from JSON.
fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn field<'v>(v: &'v Value, k: &str) -> R<&'v Value> {
    v.get(k).ok_or_else(|| bad(format!("missing field `{k}`")))
}

/// JSON form of a codec value.
trait J {
    fn j(&self) -> Value;
}

/// A codec value rebuilt from its JSON form.
trait F: Sized {
    fn f(v: &Value) -> R<Self>;
}

macro_rules! num {
    ($($t:ty),*) => {$(
        impl J for $t {
            fn j(&self) -> Value {
                json!(self)
            }
        }
        impl F for $t {
            fn f(v: &Value) -> R<Self> {
                let n = match v {
                    Value::String(s) => crate::common::parse_number(s).map_err(bad)? as i128,
                    _ => v.as_i64().map(i128::from).or_else(|| v.as_u64().map(i128::from))
                        .ok_or_else(|| bad(format!("expected an integer, got {v}")))?,
                };
                <$t>::try_from(n).map_err(|_| bad(format!("{n} out of range")))
            }
        }
    )*};
}
num!(u8, u16, u32, u64, i8, i16, i32, i64);

impl J for bool {
    fn j(&self) -> Value {
        json!(self)
    }
}
impl F for bool {
    fn f(v: &Value) -> R<Self> {
        v.as_bool()
            .ok_or_else(|| bad(format!("expected a boolean, got {v}")))
    }
}

impl J for &[u8] {
    fn j(&self) -> Value {
        json!(to_hex(self))
    }
}
impl F for &'static [u8] {
    fn f(v: &Value) -> R<Self> {
        let s = v
            .as_str()
            .ok_or_else(|| bad(format!("expected a hex string, got {v}")))?;
        Ok(leak(parse_hex(s)?))
    }
}

impl<T: J> J for Option<T> {
    fn j(&self) -> Value {
        self.as_ref().map_or(Value::Null, J::j)
    }
}
impl<T: F> F for Option<T> {
    fn f(v: &Value) -> R<Self> {
        if v.is_null() {
            Ok(None)
        } else {
            T::f(v).map(Some)
        }
    }
}

impl<'a, T: J + Decode<'a> + Copy> J for List<'a, T> {
    fn j(&self) -> Value {
        Value::Array(self.iter().map(|t| t.j()).collect())
    }
}
impl<T: F + 'static> F for List<'static, T> {
    fn f(v: &Value) -> R<Self> {
        let a = v
            .as_array()
            .ok_or_else(|| bad(format!("expected an array, got {v}")))?;
        Ok(List::from_items(leak(
            a.iter().map(T::f).collect::<R<Vec<T>>>()?,
        )))
    }
}

impl J for Obis {
    fn j(&self) -> Value {
        json!(self.to_string())
    }
}
impl F for Obis {
    fn f(v: &Value) -> R<Self> {
        v.as_str()
            .ok_or_else(|| bad("expected an OBIS code"))?
            .parse()
            .map_err(CliError::bad)
    }
}

macro_rules! enums {
    ($($t:ty),*) => {$(
        impl J for $t {
            fn j(&self) -> Value {
                self.name().map_or_else(|| json!(self.to_u8()), |n| json!(n))
            }
        }
        impl F for $t {
            fn f(v: &Value) -> R<Self> {
                match v.as_str() {
                    Some(s) => <$t>::from_name(s).ok_or_else(|| bad(format!("unknown name `{s}`"))),
                    None => u8::f(v).map(<$t>::from_u8),
                }
            }
        }
    )*};
}
enums!(
    DataAccessResult,
    ActionResult,
    StateError,
    ConfirmedService,
    ServiceErrorKind
);

macro_rules! raw_newtype {
    ($t:ty, $inner:ty, |$x:ident| $extra:expr) => {
        impl J for $t {
            fn j(&self) -> Value {
                let $x = *self;
                let mut m = Map::new();
                m.insert("raw".into(), json!(self.0));
                if let Value::Object(e) = $extra {
                    m.extend(e);
                }
                Value::Object(m)
            }
        }
        impl F for $t {
            fn f(v: &Value) -> R<Self> {
                <$inner>::f(v.get("raw").unwrap_or(v)).map(Self)
            }
        }
    };
}
raw_newtype!(
    InvokeIdAndPriority,
    u8,
    |x| json!({"invoke_id": x.invoke_id(), "confirmed": x.confirmed(), "high_priority": x.high_priority()})
);
raw_newtype!(
    LongInvokeIdAndPriority,
    u32,
    |x| json!({"invoke_id": x.invoke_id(), "confirmed": x.confirmed(), "high_priority": x.high_priority(), "self_descriptive": x.self_descriptive(), "break_on_error": x.break_on_error()})
);
raw_newtype!(
    SecurityControl,
    u8,
    |x| json!({"suite_id": x.suite_id(), "authenticated": x.authenticated(), "encrypted": x.encrypted(), "broadcast_key": x.broadcast_key(), "compressed": x.compressed()})
);
raw_newtype!(
    BlockControl,
    u8,
    |x| json!({"last_block": x.last_block(), "streaming": x.streaming(), "window": x.window()})
);

/// A SEQUENCE: one JSON member per field.
macro_rules! seq {
    ($t:ident<'a> { $($f:ident),* $(,)? }) => { seq!(@impl ($t<'_>) ($t<'static>) $t { $($f),* }); };
    ($t:ident { $($f:ident),* $(,)? }) => { seq!(@impl ($t) ($t) $t { $($f),* }); };
    (@impl ($jt:ty) ($ft:ty) $t:ident { $($f:ident),* }) => {
        impl J for $jt {
            fn j(&self) -> Value {
                let mut m = Map::new();
                $( m.insert(stringify!($f).into(), self.$f.j()); )*
                Value::Object(m)
            }
        }
        impl F for $ft {
            fn f(v: &Value) -> R<Self> {
                Ok($t { $( $f: F::f(field(v, stringify!($f))?)?, )* })
            }
        }
    };
}

/// A CHOICE: `"choice"` names the variant, then its fields.
macro_rules! choice {
    ($t:ident<'a> { $($body:tt)* }) => { choice!(@impl ($t<'_>) ($t<'static>) $t { $($body)* }); };
    ($t:ident { $($body:tt)* }) => { choice!(@impl ($t) ($t) $t { $($body)* }); };
    (@impl ($jt:ty) ($ft:ty) $t:ident { $($v:ident = $name:literal { $($f:ident),* }),* $(,)? }) => {
        impl J for $jt {
            fn j(&self) -> Value {
                let mut m = Map::new();
                match self {
                    $( $t::$v { $($f),* } => {
                        m.insert("choice".into(), json!($name));
                        $( m.insert(stringify!($f).into(), $f.j()); )*
                    } )*
                    #[allow(unreachable_patterns)]
                    _ => {
                        m.insert("choice".into(), json!("unsupported"));
                    }
                }
                Value::Object(m)
            }
        }
        impl F for $ft {
            fn f(v: &Value) -> R<Self> {
                match field(v, "choice")?.as_str().unwrap_or("") {
                    $( $name => Ok($t::$v { $( $f: F::f(field(v, stringify!($f))?)?, )* }), )*
                    other => Err(bad(format!("unknown {} choice `{other}`", stringify!($t)))),
                }
            }
        }
    };
}

seq!(AttributeDescriptor {
    class_id,
    instance_id,
    attribute_id
});
seq!(MethodDescriptor {
    class_id,
    instance_id,
    method_id
});
seq!(SelectiveAccess<'a> { selector, parameters });
seq!(AttributeWithSelection<'a> { attribute, access });
seq!(DataBlockG<'a> { last_block, block_number, result });
seq!(DataBlockSa<'a> { last_block, block_number, raw_data });
seq!(ActionResponseWithOptionalData<'a> { result, return_parameters });
seq!(AccessRequest<'a> { invoke_id, date_time, specification, data });
seq!(AccessResponse<'a> { invoke_id, date_time, specification, data, results });
seq!(EventNotificationRequest<'a> { time, attribute, value });
seq!(GeneralBlockTransfer<'a> { block_control, block_number, block_number_ack, block_data });
seq!(ExceptionResponse {
    state_error,
    service_error
});
seq!(ConfirmedServiceError {
    service,
    kind,
    value
});
seq!(ReadRequest<'a> { variables });
seq!(ReadResponse<'a> { results });
seq!(WriteRequest<'a> { variables, data });
seq!(WriteResponse<'a> { results });
seq!(InformationReportRequest<'a> { current_time, variables, data });
impl J for SecuredContent<'_> {
    fn j(&self) -> Value {
        let mut m = Map::new();
        m.insert("security_control".into(), self.security_control.j());
        m.insert("invocation_counter".into(), self.invocation_counter.j());
        m.insert("payload".into(), self.payload.j());
        // Not encrypted (authentication only, as GBCS uses it for signed
        // commands): the payload is the APDU itself, then a 12-byte tag.
        if !self.security_control.encrypted() {
            let tag = if self.security_control.authenticated() {
                12
            } else {
                0
            };
            if let Some(plain) = self.payload.get(..self.payload.len().saturating_sub(tag))
                && let Ok(inner) = Apdu::decode(plain)
            {
                m.insert("plaintext_apdu".into(), apdu_j(&inner));
                if let Some(t) = self.payload.get(plain.len()..).filter(|t| !t.is_empty()) {
                    m.insert("tag_hex".into(), json!(to_hex(t)));
                }
            }
        }
        Value::Object(m)
    }
}
impl F for SecuredContent<'static> {
    fn f(v: &Value) -> R<Self> {
        Ok(SecuredContent {
            security_control: F::f(field(v, "security_control")?)?,
            invocation_counter: F::f(field(v, "invocation_counter")?)?,
            payload: F::f(field(v, "payload")?)?,
        })
    }
}
seq!(GeneralGloDedCiphering<'a> { system_title, content });
seq!(GeneralCiphering<'a> {
    transaction_id, originator_system_title, recipient_system_title, date_time, other_information, key_info, content
});
impl J for GeneralSigning<'_> {
    fn j(&self) -> Value {
        let mut m = Map::new();
        m.insert("transaction_id".into(), self.transaction_id.j());
        m.insert(
            "originator_system_title".into(),
            self.originator_system_title.j(),
        );
        m.insert(
            "recipient_system_title".into(),
            self.recipient_system_title.j(),
        );
        m.insert("date_time".into(), self.date_time.j());
        if let Some(dt) = CosemDateTime::from_slice(self.date_time) {
            m.insert("date_time_fields".into(), date_time_j(&dt));
        }
        m.insert("other_information".into(), self.other_information.j());
        m.insert("content".into(), self.content.j());
        if let Ok(inner) = Apdu::decode(self.content) {
            m.insert("content_apdu".into(), apdu_j(&inner));
        }
        m.insert("signature".into(), self.signature.j());
        Value::Object(m)
    }
}
impl F for GeneralSigning<'static> {
    fn f(v: &Value) -> R<Self> {
        Ok(GeneralSigning {
            transaction_id: F::f(field(v, "transaction_id")?)?,
            originator_system_title: F::f(field(v, "originator_system_title")?)?,
            recipient_system_title: F::f(field(v, "recipient_system_title")?)?,
            date_time: F::f(field(v, "date_time")?)?,
            other_information: F::f(field(v, "other_information")?)?,
            content: F::f(field(v, "content")?)?,
            signature: F::f(field(v, "signature")?)?,
        })
    }
}

choice!(GetDataResult<'a> { Data = "data" { data }, DataAccessResult = "data_access_result" { result } });
choice!(DataBlockGResult<'a> { RawData = "raw_data" { raw_data }, DataAccessResult = "data_access_result" { result } });
choice!(GetRequest<'a> {
    Normal = "normal" { invoke_id, attribute, access },
    Next = "next" { invoke_id, block_number },
    WithList = "with_list" { invoke_id, attributes },
});
choice!(GetResponse<'a> {
    Normal = "normal" { invoke_id, result },
    WithDataBlock = "with_datablock" { invoke_id, result },
    WithList = "with_list" { invoke_id, results },
});
choice!(SetRequest<'a> {
    Normal = "normal" { invoke_id, attribute, access, value },
    WithFirstDataBlock = "with_first_datablock" { invoke_id, attribute, access, data_block },
    WithDataBlock = "with_datablock" { invoke_id, data_block },
    WithList = "with_list" { invoke_id, attributes, values },
    WithListAndFirstDataBlock = "with_list_and_first_datablock" { invoke_id, attributes, data_block },
});
choice!(SetResponse<'a> {
    Normal = "normal" { invoke_id, result },
    DataBlock = "datablock" { invoke_id, block_number },
    LastDataBlock = "last_datablock" { invoke_id, result, block_number },
    LastDataBlockWithList = "last_datablock_with_list" { invoke_id, results, block_number },
    WithList = "with_list" { invoke_id, results },
});
choice!(ActionRequest<'a> {
    Normal = "normal" { invoke_id, method, parameters },
    NextPBlock = "next_pblock" { invoke_id, block_number },
    WithList = "with_list" { invoke_id, methods, parameters },
    WithFirstPBlock = "with_first_pblock" { invoke_id, method, pblock },
    WithListAndFirstPBlock = "with_list_and_first_pblock" { invoke_id, methods, pblock },
    WithPBlock = "with_pblock" { invoke_id, pblock },
});
choice!(ActionResponse<'a> {
    Normal = "normal" { invoke_id, response },
    WithPBlock = "with_pblock" { invoke_id, pblock },
    WithList = "with_list" { invoke_id, responses },
    NextPBlock = "next_pblock" { invoke_id, block_number },
});
choice!(AccessRequestSpecification<'a> {
    Get = "get" { attribute },
    Set = "set" { attribute },
    Action = "action" { method },
    GetWithSelection = "get_with_selection" { attribute, access },
    SetWithSelection = "set_with_selection" { attribute, access },
});
choice!(AccessResponseSpecification {
    Get = "get" { result },
    Set = "set" { result },
    Action = "action" { result },
});
choice!(ServiceError {
    OperationNotPossible = "operation_not_possible" {},
    ServiceNotSupported = "service_not_supported" {},
    OtherReason = "other_reason" {},
    PduTooLong = "pdu_too_long" {},
    DecipheringError = "deciphering_error" {},
    InvocationCounterError = "invocation_counter_error" { counter },
});
choice!(VariableAccessSpecification<'a> {
    VariableName = "variable_name" { name },
    ParameterizedAccess = "parameterized_access" { name, selector, parameter },
    BlockNumberAccess = "block_number_access" { block_number },
    ReadDataBlockAccess = "read_data_block_access" { last_block, block_number, raw_data },
    WriteDataBlockAccess = "write_data_block_access" { last_block, block_number },
});
choice!(ReadResult<'a> {
    Data = "data" { data },
    DataAccessError = "data_access_error" { result },
    DataBlockResult = "data_block_result" { last_block, block_number, raw_data },
    BlockNumber = "block_number" { block_number },
});
choice!(KeyInfo<'a> {
    IdentifiedKey = "identified_key" { key_id },
    WrappedKey = "wrapped_key" { kek_id, key_ciphered_data },
    AgreedKey = "agreed_key" { key_parameters, key_ciphered_data },
});

impl J for WriteResult {
    fn j(&self) -> Value {
        match self {
            WriteResult::Success => json!({"choice": "success"}),
            WriteResult::DataAccessError(r) => {
                json!({"choice": "data_access_error", "result": r.j()})
            }
            WriteResult::BlockNumber(n) => json!({"choice": "block_number", "block_number": n}),
            _ => json!({"choice": "unsupported"}),
        }
    }
}
impl F for WriteResult {
    fn f(v: &Value) -> R<Self> {
        match field(v, "choice")?.as_str().unwrap_or("") {
            "success" => Ok(WriteResult::Success),
            "data_access_error" => F::f(field(v, "result")?).map(WriteResult::DataAccessError),
            "block_number" => F::f(field(v, "block_number")?).map(WriteResult::BlockNumber),
            other => Err(bad(format!("unknown WriteResponse choice `{other}`"))),
        }
    }
}

impl J for NotificationDateTime<'_> {
    fn j(&self) -> Value {
        let mut m = Map::new();
        m.insert("hex".into(), json!(to_hex(self.bytes)));
        if self.form == DateTimeForm::TaggedOctetString {
            m.insert("tagged".into(), json!(true));
        }
        if let Some(dt) = CosemDateTime::from_slice(self.bytes) {
            m.insert("date_time".into(), date_time_j(&dt));
        }
        Value::Object(m)
    }
}
impl F for NotificationDateTime<'static> {
    fn f(v: &Value) -> R<Self> {
        let bytes = match (v.get("hex"), v.get("date_time")) {
            (Some(h), _) => <&[u8]>::f(h)?,
            (None, Some(d)) => leak(date_time_f(d)?.to_bytes().to_vec()),
            _ => &[],
        };
        let tagged = v.get("tagged").and_then(Value::as_bool).unwrap_or(false);
        Ok(NotificationDateTime {
            bytes,
            form: if tagged {
                DateTimeForm::TaggedOctetString
            } else {
                DateTimeForm::OctetString
            },
        })
    }
}

seq!(DataNotification<'a> { invoke_id, date_time, body });

// ---- Data ----

fn date_j(d: &CosemDate) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("year".into(), json!(d.year));
    m.insert("month".into(), json!(d.month));
    m.insert("day_of_month".into(), json!(d.day_of_month));
    m.insert("day_of_week".into(), json!(d.day_of_week));
    m
}

fn time_j(t: &CosemTime) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("hour".into(), json!(t.hour));
    m.insert("minute".into(), json!(t.minute));
    m.insert("second".into(), json!(t.second));
    m.insert("hundredths".into(), json!(t.hundredths));
    m
}

/// Raw fields (0xFF / 0xFFFF: not specified; deviation -32768: not
/// specified) and `iso8601` when fully specified.
fn date_time_j(dt: &CosemDateTime) -> Value {
    let mut m = date_j(&dt.date);
    m.extend(time_j(&dt.time));
    m.insert("deviation".into(), json!(dt.deviation));
    m.insert("clock_status".into(), json!(dt.clock_status));
    if let Some(iso) = dt.iso8601() {
        m.insert("iso8601".into(), json!(iso.to_string()));
    }
    Value::Object(m)
}

fn date_f(v: &Value) -> R<CosemDate> {
    Ok(CosemDate {
        year: F::f(field(v, "year")?)?,
        month: F::f(field(v, "month")?)?,
        day_of_month: F::f(field(v, "day_of_month")?)?,
        day_of_week: F::f(field(v, "day_of_week")?)?,
    })
}

fn time_f(v: &Value) -> R<CosemTime> {
    Ok(CosemTime {
        hour: F::f(field(v, "hour")?)?,
        minute: F::f(field(v, "minute")?)?,
        second: F::f(field(v, "second")?)?,
        hundredths: F::f(field(v, "hundredths")?)?,
    })
}

fn date_time_f(v: &Value) -> R<CosemDateTime> {
    Ok(CosemDateTime {
        date: date_f(v)?,
        time: time_f(v)?,
        deviation: F::f(field(v, "deviation")?)?,
        clock_status: F::f(field(v, "clock_status")?)?,
    })
}

fn data_j(d: &Data<'_>) -> Value {
    let ty = d.data_type();
    let mut m = Map::new();
    m.insert("type".into(), json!(ty.name().unwrap_or("unknown")));
    let v = match *d {
        Data::NullData | Data::DontCare => None,
        Data::Array(s) | Data::Structure(s) => {
            Some(Value::Array(s.iter().map(|e| data_j(&e)).collect()))
        }
        Data::Boolean(b) => {
            m.insert("raw".into(), json!(b));
            Some(json!(b != 0))
        }
        Data::BitString(b) => {
            m.insert("bits".into(), json!(b.bits));
            Some(json!(to_hex(b.bytes)))
        }
        Data::OctetString(b) => {
            if let Some(o) = Obis::from_slice(b) {
                m.insert("obis".into(), json!(o.to_string()));
            }
            if let Some(dt) = CosemDateTime::from_slice(b) {
                m.insert("date_time".into(), date_time_j(&dt));
            }
            Some(json!(to_hex(b)))
        }
        Data::VisibleString(b) | Data::Utf8String(b) => {
            m.insert("text".into(), json!(String::from_utf8_lossy(b)));
            Some(json!(to_hex(b)))
        }
        Data::CompactArray(c) => {
            m.insert(
                "description".into(),
                json!(to_hex(c.description().as_bytes())),
            );
            m.insert(
                "rows".into(),
                Value::Array(c.rows().map(|r| data_j(&r)).collect()),
            );
            None
        }
        Data::Float32(bits) => {
            m.insert("bits".into(), json!(format!("{bits:08x}")));
            Some(json!(f64::from(f32::from_bits(bits))))
        }
        Data::Float64(bits) => {
            m.insert("bits".into(), json!(format!("{bits:016x}")));
            Some(json!(f64::from_bits(bits)))
        }
        Data::DateTime(dt) => Some(date_time_j(&dt)),
        Data::Date(x) => Some(Value::Object(date_j(&x))),
        Data::Time(x) => Some(Value::Object(time_j(&x))),
        other => other.as_integer().map(|i| {
            i64::try_from(i).map_or_else(|_| json!(u64::try_from(i).unwrap_or(0)), |v| json!(v))
        }),
    };
    if let Some(v) = v {
        m.insert("value".into(), v);
    }
    Value::Object(m)
}

fn hex_field(v: &Value, k: &str) -> R<Vec<u8>> {
    parse_hex(
        field(v, k)?
            .as_str()
            .ok_or_else(|| bad(format!("`{k}` must be a hex string")))?,
    )
}

fn data_f(v: &Value) -> R<DataOwned> {
    use DataOwned as D;
    let name = field(v, "type")?
        .as_str()
        .ok_or_else(|| bad("`type` must be a string"))?;
    let ty = DataType::from_name(name).ok_or_else(|| bad(format!("unknown data type `{name}`")))?;
    let val = || field(v, "value");
    let list = || -> R<Vec<DataOwned>> {
        val()?
            .as_array()
            .ok_or_else(|| bad("`value` must be an array"))?
            .iter()
            .map(data_f)
            .collect()
    };
    let text = |k: &str| -> R<Vec<u8>> {
        match v.get("value") {
            Some(_) => hex_field(v, "value"),
            None => Ok(field(v, k)?
                .as_str()
                .ok_or_else(|| bad("`text` must be a string"))?
                .as_bytes()
                .to_vec()),
        }
    };
    let bits_u = |k: &str| -> R<u64> {
        let s = field(v, k)?
            .as_str()
            .ok_or_else(|| bad("`bits` must be hex"))?;
        u64::from_str_radix(s, 16).map_err(|_| bad("`bits` must be hex"))
    };
    Ok(match ty {
        DataType::NullData => D::NullData,
        DataType::DontCare => D::DontCare,
        DataType::Array => D::Array(list()?),
        DataType::Structure => D::Structure(list()?),
        DataType::Boolean => match v.get("raw") {
            Some(r) => D::Boolean(F::f(r)?),
            None => D::Boolean(u8::from(bool::f(val()?)?)),
        },
        DataType::BitString => {
            let bytes = hex_field(v, "value")?;
            let bits = usize::try_from(u64::f(field(v, "bits")?)?).map_err(CliError::bad)?;
            BitString::new(bits, &bytes).ok_or_else(|| bad("bits and bytes disagree"))?;
            D::BitString { bits, bytes }
        }
        DataType::OctetString => D::OctetString(hex_field(v, "value")?),
        DataType::VisibleString => D::VisibleString(text("text")?),
        DataType::Utf8String => D::Utf8String(text("text")?),
        DataType::CompactArray => {
            let description = hex_field(v, "description")?;
            let rows = field(v, "rows")?
                .as_array()
                .ok_or_else(|| bad("`rows` must be an array"))?;
            D::CompactArray {
                description,
                rows: rows.iter().map(data_f).collect::<R<_>>()?,
            }
        }
        DataType::Float32 => D::Float32(u32::try_from(bits_u("bits")?).map_err(CliError::bad)?),
        DataType::Float64 => D::Float64(bits_u("bits")?),
        DataType::DateTime => D::DateTime(date_time_f(val()?)?),
        DataType::Date => D::Date(date_f(val()?)?),
        DataType::Time => D::Time(time_f(val()?)?),
        DataType::DoubleLong => D::DoubleLong(F::f(val()?)?),
        DataType::DoubleLongUnsigned => D::DoubleLongUnsigned(F::f(val()?)?),
        DataType::Bcd => D::Bcd(F::f(val()?)?),
        DataType::Integer => D::Integer(F::f(val()?)?),
        DataType::Long => D::Long(F::f(val()?)?),
        DataType::Unsigned => D::Unsigned(F::f(val()?)?),
        DataType::LongUnsigned => D::LongUnsigned(F::f(val()?)?),
        DataType::Long64 => D::Long64(F::f(val()?)?),
        DataType::Long64Unsigned => D::Long64Unsigned(F::f(val()?)?),
        DataType::Enum => D::Enum(F::f(val()?)?),
        DataType::DeltaInteger => D::DeltaInteger(F::f(val()?)?),
        DataType::DeltaLong => D::DeltaLong(F::f(val()?)?),
        DataType::DeltaDoubleLong => D::DeltaDoubleLong(F::f(val()?)?),
        DataType::DeltaUnsigned => D::DeltaUnsigned(F::f(val()?)?),
        DataType::DeltaLongUnsigned => D::DeltaLongUnsigned(F::f(val()?)?),
        DataType::DeltaDoubleLongUnsigned => D::DeltaDoubleLongUnsigned(F::f(val()?)?),
        _ => return Err(bad(format!("data type `{name}` cannot be encoded"))),
    })
}

impl J for Data<'_> {
    fn j(&self) -> Value {
        data_j(self)
    }
}
impl F for Data<'static> {
    fn f(v: &Value) -> R<Self> {
        let bytes = leak(data_f(v)?.encode_to_vec().map_err(CliError::bad)?);
        Data::decode(bytes).map_err(CliError::bad)
    }
}

// ---- APDU ----

fn snake(s: ProtectedService) -> String {
    let d = format!("{s:?}");
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

macro_rules! apdu_json {
    ($($v:ident = $name:literal),* $(,)?) => {
        fn apdu_j(a: &Apdu<'_>) -> Value {
            let (name, body) = match a {
                $( Apdu::$v(x) => ($name.to_string(), x.j()), )*
                Apdu::Ciphered(c) => {
                    let scope = if c.scope == KeyScope::Global { "glo" } else { "ded" };
                    (format!("{scope}_{}", snake(c.service)), json!({"content": c.content.j()}))
                }
                _ => ("unsupported".to_string(), json!({})),
            };
            let mut m = Map::new();
            m.insert("apdu".into(), json!(name));
            m.insert("tag".into(), json!(a.tag()));
            if let Value::Object(b) = body {
                m.extend(b);
            }
            Value::Object(m)
        }

        fn apdu_f(v: &Value) -> R<Apdu<'static>> {
            let name = field(v, "apdu")?.as_str().ok_or_else(|| bad("`apdu` must be a string"))?;
            Ok(match name {
                $( $name => Apdu::$v(F::f(v)?), )*
                other => {
                    // glo_/ded_ service: take the tag, which names both.
                    let tag = u8::f(field(v, "tag")?)?;
                    let (scope, service) = ProtectedService::from_tag(tag)
                        .ok_or_else(|| bad(format!("unknown APDU `{other}` (tag {tag})")))?;
                    Apdu::Ciphered(CipheredApdu { scope, service, content: F::f(field(v, "content")?)? })
                }
            })
        }
    };
}

apdu_json! {
    ReadRequest = "read_request",
    WriteRequest = "write_request",
    ReadResponse = "read_response",
    WriteResponse = "write_response",
    ConfirmedServiceError = "confirmed_service_error",
    DataNotification = "data_notification",
    UnconfirmedWriteRequest = "unconfirmed_write_request",
    InformationReportRequest = "information_report_request",
    GetRequest = "get_request",
    SetRequest = "set_request",
    EventNotificationRequest = "event_notification_request",
    ActionRequest = "action_request",
    GetResponse = "get_response",
    SetResponse = "set_response",
    ActionResponse = "action_response",
    ExceptionResponse = "exception_response",
    AccessRequest = "access_request",
    AccessResponse = "access_response",
    GeneralGloCiphering = "general_glo_ciphering",
    GeneralDedCiphering = "general_ded_ciphering",
    GeneralCiphering = "general_ciphering",
    GeneralSigning = "general_signing",
    GeneralBlockTransfer = "general_block_transfer",
}

const LLC: [[u8; 3]; 2] = [[0xe6, 0xe6, 0x00], [0xe6, 0xe7, 0x00]];

/// Context options of the `dlms-apdu` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ApduCtx {
    /// The bytes may start with an LLC header (E6 E6 00 or E6 E7 00, as HAN
    /// ports and HDLC frames carry it): decode shows it as `llc`, encode
    /// writes it back from there.
    #[arg(long)]
    pub llc: bool,
    /// Global encryption key (hex, 16 or 32 bytes): decipher glo-, ded-,
    /// general-glo- and general-ded-ciphering APDUs and show `plaintext_hex`
    /// and the decoded `plaintext`. A tag that does not verify is exit status 1.
    #[arg(long, value_name = "HEX")]
    pub ek: Option<String>,
    /// Authentication key (hex); needed for authenticated APDUs unless
    /// `--no-verify`.
    #[arg(long, value_name = "HEX")]
    pub ak: Option<String>,
    /// The originator's system title (hex, 8 bytes) for glo-/ded- APDUs; a
    /// general-* container's own title takes precedence.
    #[arg(long, value_name = "HEX")]
    pub system_title: Option<String>,
    /// Dedicated key (hex) for ded- APDUs.
    #[arg(long, value_name = "HEX")]
    pub dedicated_key: Option<String>,
    /// Decrypt without verifying the tag (HAN ports without the AK).
    #[arg(long)]
    pub no_verify: bool,
    /// Master key (KEK, hex) that unwraps a general-ciphering wrapped key
    /// (RFC 3394).
    #[arg(long, value_name = "HEX")]
    pub kek: Option<String>,
    /// Our static P-256 key-agreement private key (PEM file from `dualp key
    /// new`, or a file holding the hex scalar): opens general-ciphering
    /// agreed keys (C(1e,1s) and C(0e,2s), suite 1) and, with
    /// `--peer-public-key`, derives a GBCS message's key to check its MAC.
    #[arg(long, value_name = "FILE")]
    pub kdf_private_key: Option<std::path::PathBuf>,
    /// The other party's static P-256 key-agreement public key (SEC1 hex):
    /// for C(0e,2s) general-ciphering and GBCS MAC headers.
    #[arg(long, value_name = "HEX")]
    pub peer_public_key: Option<String>,
    /// The originator's P-256 signing public key (SEC1 hex): verifies a
    /// general-signing APDU (and a GBCS grouping header) and the ephemeral
    /// key of a C(1e,1s) general-ciphering. A signature that does not
    /// verify is exit status 1.
    #[arg(long, value_name = "HEX")]
    pub verify_key: Option<String>,
    /// Encode only: sign a `general_signing` APDU with this P-256 private
    /// key (PEM file from `dualp key new`, or a hex scalar file); its
    /// `signature` field is replaced.
    #[arg(long, value_name = "FILE")]
    pub sign_key: Option<std::path::PathBuf>,
}

type P256Sk = <dual_protocol_primitives::crypto::rustcrypto::RustCrypto as dual_protocol_primitives::crypto::CryptoProvider>::P256SigningKey;
type P256Vk = <dual_protocol_primitives::crypto::rustcrypto::RustCrypto as dual_protocol_primitives::crypto::CryptoProvider>::P256VerifyingKey;

fn p256_public(hex: &str, what: &str) -> R<P256Vk> {
    use dual_protocol_primitives::crypto::CryptoProvider;
    dual_protocol_primitives::crypto::rustcrypto::RustCrypto
        .p256_verifying_key(&parse_hex(hex)?)
        .map_err(|e| CliError::Usage(format!("{what}: {e}")))
}

fn p256_private(path: &std::path::Path) -> R<P256Sk> {
    crate::layers::envelope::read_private_key(path)
}

fn crypto_or_bad(e: dual_protocol_dlms_cosem::security::SecurityError) -> CliError {
    use dual_protocol_dlms_cosem::security::SecurityError as E;
    match e {
        E::TagMismatch | E::BadSignature => CliError::Crypto(e.to_string()),
        E::MissingKey { .. } => CliError::Usage(e.to_string()),
        e => bad(e.to_string()),
    }
}

/// Opens a general-ciphering APDU with the keys given (`--ek` for
/// identified key 0, `--kek`, `--kdf-private-key`, `--peer-public-key`,
/// `--verify-key`); `--no-verify` finds the key but skips the tag.
fn general_ciphering_into(
    ctx: &ApduCtx,
    apdu: &[u8],
    g: &GeneralCiphering<'_>,
    v: &mut Value,
) -> R<()> {
    use dual_protocol_dlms_cosem::security::gcm::decrypt_unverified;
    use dual_protocol_dlms_cosem::security::general::{
        RecvKeys, content_key, open_general_ciphering,
    };
    use dual_protocol_dlms_cosem::security::signing::{SigningKey, VerifyingKey};
    use dual_protocol_dlms_cosem::security::{SecurityKey, SecurityPolicy, SecuritySuite};
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    if ctx.ek.is_none() && ctx.kek.is_none() && ctx.kdf_private_key.is_none() {
        return Ok(());
    }
    let key = |h: &str, what: &str| {
        SecurityKey::new(&parse_hex(h)?)
            .map_err(|_| CliError::Usage(format!("{what} must be 16 or 32 bytes")))
    };
    let ek = ctx.ek.as_deref().map(|h| key(h, "--ek")).transpose()?;
    let kek = ctx.kek.as_deref().map(|h| key(h, "--kek")).transpose()?;
    let own = ctx
        .kdf_private_key
        .as_deref()
        .map(p256_private)
        .transpose()?;
    let peer = ctx
        .peer_public_key
        .as_deref()
        .map(|h| p256_public(h, "--peer-public-key"))
        .transpose()?;
    let signer = ctx
        .verify_key
        .as_deref()
        .map(|h| p256_public(h, "--verify-key"))
        .transpose()?;
    let keys = RecvKeys::<RustCrypto> {
        global_unicast: ek.as_ref(),
        global_broadcast: None,
        kek: kek.as_ref(),
        own_agreement: own.as_ref().map(SigningKey::P256),
        peer_agreement: peer.as_ref().map(VerifyingKey::P256),
        peer_signing: signer.as_ref().map(VerifyingKey::P256),
    };
    let sc = g.content.security_control;
    let suite = SecuritySuite::from_id(sc.suite_id())
        .ok_or_else(|| bad(format!("unknown security suite {}", sc.suite_id())))?;
    let ak = ctx
        .ak
        .as_deref()
        .map(parse_hex)
        .transpose()?
        .unwrap_or_default();
    let mut out = vec![0u8; apdu.len() + 64];
    let verified = !ctx.no_verify && sc.authenticated();
    let plain: &[u8] = if verified {
        let policy = SecurityPolicy {
            suite,
            authenticated: sc.authenticated(),
            encrypted: sc.encrypted(),
        };
        open_general_ciphering(&RustCrypto, &policy, &keys, &ak, apdu, &mut out)
            .map_err(crypto_or_bad)?
            .plaintext
    } else {
        let k = content_key(&RustCrypto, &keys, g).map_err(crypto_or_bad)?;
        let title: [u8; 8] = g
            .originator_system_title
            .try_into()
            .map_err(|_| bad("the originator system title is not 8 bytes"))?;
        if sc.encrypted() {
            decrypt_unverified(
                &RustCrypto,
                &k,
                sc,
                &title,
                g.content.invocation_counter,
                g.content.payload,
                &mut out,
            )
            .map_err(crypto_or_bad)?
        } else {
            g.content
                .payload
                .get(..g.content.payload.len().saturating_sub(12))
                .unwrap_or(&[])
        }
    };
    let decoded = decode_apdu(&ApduCtx::default(), plain).map_or_else(
        |e| json!({ "error": e.to_string() }),
        |mut v| v.pop().unwrap_or(Value::Null),
    );
    if let Value::Object(m) = v {
        m.insert("plaintext_hex".into(), json!(to_hex(plain)));
        m.insert("plaintext".into(), decoded);
        m.insert("verified".into(), json!(verified));
    }
    Ok(())
}

/// Adds the GBCS view of a GBCS message (MAC header, grouping header
/// parts) and checks its MAC (`--kdf-private-key` and
/// `--peer-public-key`) and signature (`--verify-key`) when given.
fn gbcs_into(ctx: &ApduCtx, apdu: &[u8], v: &mut Value) -> R<()> {
    use dual_protocol_dlms_cosem::gbcs::crypto::{agree_key, verify_mac, verify_signature};
    use dual_protocol_dlms_cosem::gbcs::{ContentKind, GbcsError, GbcsMessage};
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    let Ok(msg) = GbcsMessage::decode(apdu) else {
        return Ok(());
    };
    let g = &msg.grouping;
    let mut m = Map::new();
    if let Some(h) = &msg.mac_header {
        m.insert(
            "mac_header".into(),
            json!({
                "security_control": h.security_control.j(),
                "invocation_counter": h.invocation_counter,
                "mac": to_hex(h.mac),
            }),
        );
    }
    m.insert("cra_flag".into(), json!(g.transaction_id.cra.name()));
    m.insert(
        "originator_counter".into(),
        json!(g.transaction_id.originator_counter),
    );
    m.insert("originator".into(), json!(to_hex(&g.originator)));
    m.insert("recipient".into(), json!(to_hex(&g.recipient)));
    m.insert("date_time".into(), json!(to_hex(g.apdu.date_time)));
    m.insert(
        "other_information".into(),
        json!(to_hex(g.apdu.other_information)),
    );
    if let Some(c) = g.message_code {
        m.insert("message_code".into(), json!(format!("0x{c:04x}")));
    }
    m.insert(
        "content_kind".into(),
        json!(match g.content_kind() {
            ContentKind::Gbz => "gbz",
            ContentKind::Dlms(_) => "dlms",
        }),
    );
    m.insert("content_hex".into(), json!(to_hex(g.apdu.content)));
    m.insert("signature".into(), json!(to_hex(g.apdu.signature)));
    let fail = |e: GbcsError| match e {
        GbcsError::BadMac | GbcsError::BadSignature => CliError::Crypto(e.to_string()),
        e => bad(e.to_string()),
    };
    if let (Some(path), Some(peer), Some(_)) = (
        ctx.kdf_private_key.as_deref(),
        ctx.peer_public_key.as_deref(),
        msg.mac_header,
    ) {
        let own = p256_private(path)?;
        let peer = p256_public(peer, "--peer-public-key")?;
        let tid = g.transaction_id.to_bytes();
        let key =
            agree_key(&RustCrypto, &own, &peer, &g.originator, &tid, &g.recipient).map_err(fail)?;
        let mut work = vec![0u8; apdu.len()];
        verify_mac(&RustCrypto, &key, &msg, &mut work).map_err(fail)?;
        m.insert("mac_verified".into(), json!(true));
    }
    if let Some(vk) = ctx.verify_key.as_deref() {
        let vk = p256_public(vk, "--verify-key")?;
        verify_signature(&RustCrypto, &vk, &msg).map_err(fail)?;
        m.insert("signature_verified".into(), json!(true));
    }
    if let Value::Object(o) = v {
        o.insert("gbcs".into(), Value::Object(m));
    }
    Ok(())
}

/// Verifies a (non-GBCS) general-signing APDU with `--verify-key`.
fn signature_into(ctx: &ApduCtx, apdu: &[u8], v: &mut Value) -> R<()> {
    use dual_protocol_dlms_cosem::security::signing::{VerifyingKey, verify_general_signing};
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    let Some(vk) = ctx.verify_key.as_deref() else {
        return Ok(());
    };
    let vk = p256_public(vk, "--verify-key")?;
    verify_general_signing(&RustCrypto, &VerifyingKey::P256(&vk), apdu).map_err(crypto_or_bad)?;
    if let Value::Object(o) = v {
        o.insert("signature_verified".into(), json!(true));
    }
    Ok(())
}

/// Deciphers a protected APDU with the keys given on the command line
/// (suite from its security control byte), adding `plaintext_hex` and
/// `plaintext` to its JSON.
fn decipher_into(ctx: &ApduCtx, a: &Apdu<'_>, v: &mut Value) -> Result<(), CliError> {
    use dual_protocol_dlms_cosem::security::SecurityKey;
    use dual_protocol_dlms_cosem::security::gcm::{decipher, decrypt_unverified};
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    let Some(ek_hex) = &ctx.ek else { return Ok(()) };
    let (scope, title, content) = match a {
        Apdu::Ciphered(c) => (c.scope, &[][..], c.content),
        Apdu::GeneralGloCiphering(g) => (KeyScope::Global, g.system_title, g.content),
        Apdu::GeneralDedCiphering(g) => (KeyScope::Dedicated, g.system_title, g.content),
        _ => return Ok(()),
    };
    let key = |h: &str, what: &str| {
        SecurityKey::new(&parse_hex(h)?)
            .map_err(|_| CliError::Usage(format!("{what} must be 16 or 32 bytes")))
    };
    let ek = match scope {
        KeyScope::Global => key(ek_hex, "--ek")?,
        KeyScope::Dedicated => key(
            ctx.dedicated_key
                .as_deref()
                .ok_or_else(|| CliError::Usage("a ded- APDU needs --dedicated-key".into()))?,
            "--dedicated-key",
        )?,
    };
    let title: Vec<u8> = if title.is_empty() {
        parse_hex(ctx.system_title.as_deref().ok_or_else(|| {
            CliError::Usage("no system title in the APDU: give --system-title".into())
        })?)?
    } else {
        title.to_vec()
    };
    let title: [u8; 8] = title
        .try_into()
        .map_err(|_| CliError::Usage("the system title must be 8 bytes".into()))?;
    let sc = content.security_control;
    let mut out = vec![0u8; content.payload.len() + 64];
    let plain = if ctx.no_verify || !sc.authenticated() {
        if sc.encrypted() {
            decrypt_unverified(
                &RustCrypto,
                &ek,
                sc,
                &title,
                content.invocation_counter,
                content.payload,
                &mut out,
            )
        } else {
            // Authenticated only and not verified: the plaintext is the payload before the tag.
            Ok(content
                .payload
                .get(..content.payload.len().saturating_sub(12))
                .unwrap_or(&[]))
        }
    } else {
        let ak = key(
            ctx.ak.as_deref().ok_or_else(|| {
                CliError::Usage("an authenticated APDU needs --ak (or --no-verify)".into())
            })?,
            "--ak",
        )?;
        decipher(
            &RustCrypto,
            &ek,
            &ak,
            sc,
            &title,
            content.invocation_counter,
            content.payload,
            &mut out,
        )
    }
    .map_err(|e| match e {
        dual_protocol_dlms_cosem::security::SecurityError::TagMismatch => {
            CliError::Crypto(e.to_string())
        }
        e => bad(e.to_string()),
    })?;
    let decoded = decode_apdu(&ApduCtx::default(), plain).map_or_else(
        |e| json!({ "error": e.to_string() }),
        |mut v| v.pop().unwrap_or(Value::Null),
    );
    if let Value::Object(m) = v {
        m.insert("plaintext_hex".into(), json!(to_hex(plain)));
        m.insert("plaintext".into(), decoded);
        m.insert(
            "verified".into(),
            json!(sc.authenticated() && !ctx.no_verify),
        );
    }
    Ok(())
}

/// Decodes `dlms-apdu` frames, one JSON object each.
pub fn decode_apdu(ctx: &ApduCtx, bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let (llc, apdu) = match bytes.get(..3) {
        Some(h) if ctx.llc && LLC.iter().any(|l| l == h) => {
            (Some(h), bytes.get(3..).unwrap_or(&[]))
        }
        _ => (None, bytes),
    };
    if let Some(t @ (InitiateRequest::TAG | InitiateResponse::TAG)) = apdu.first().copied() {
        let u = UserInformation::decode_apdu(apdu, 0).map_err(|e| {
            let off = e.offset + llc.map_or(0, <[u8]>::len);
            bad(format!("at byte {off}: {}", e.kind))
        })?;
        let mut m = Map::new();
        let (name, body) = match u {
            UserInformation::InitiateRequest(i) => ("initiate_request", i.j()),
            UserInformation::InitiateResponse(i) => ("initiate_response", i.j()),
            _ => ("unsupported", json!({})),
        };
        m.insert("apdu".into(), json!(name));
        m.insert("tag".into(), json!(t));
        if let Value::Object(b) = body {
            m.extend(b);
        }
        if let Some(h) = llc {
            m.insert("llc".into(), json!(to_hex(h)));
        }
        return Ok(vec![Value::Object(m)]);
    }
    if apdu.first().is_some_and(|t| AcseApdu::is_acse_tag(*t)) {
        let a = AcseApdu::decode(apdu).map_err(|e| {
            let off = e.offset + llc.map_or(0, <[u8]>::len);
            bad(format!("at byte {off}: {}", e.kind))
        })?;
        let mut v = acse_j(&a);
        if let (Some(h), Value::Object(m)) = (llc, &mut v) {
            m.insert("llc".into(), json!(to_hex(h)));
        }
        return Ok(vec![v]);
    }
    let a = Apdu::decode(apdu).map_err(|e| {
        let off = e.offset + llc.map_or(0, <[u8]>::len);
        bad(format!("at byte {off}: {}", e.kind))
    })?;
    let mut v = apdu_j(&a);
    decipher_into(ctx, &a, &mut v)?;
    match &a {
        Apdu::GeneralCiphering(_) if is_gbcs(apdu) => gbcs_into(ctx, apdu, &mut v)?,
        Apdu::GeneralCiphering(g) => general_ciphering_into(ctx, apdu, g, &mut v)?,
        Apdu::GeneralSigning(_) if is_gbcs(apdu) => gbcs_into(ctx, apdu, &mut v)?,
        Apdu::GeneralSigning(_) => signature_into(ctx, apdu, &mut v)?,
        _ => {}
    }
    if let (Some(h), Value::Object(m)) = (llc, &mut v) {
        m.insert("llc".into(), json!(to_hex(h)));
    }
    Ok(vec![v])
}

/// Whether bytes are a GBCS message (MAC header or grouping header).
fn is_gbcs(apdu: &[u8]) -> bool {
    dual_protocol_dlms_cosem::gbcs::GbcsMessage::decode(apdu).is_ok()
}

/// Encodes one `dlms-apdu` frame from its JSON form (signing a
/// general-signing APDU with `--sign-key`).
pub fn encode_apdu(ctx: &ApduCtx, json: &Value) -> Result<Vec<u8>, CliError> {
    if let Some(path) = &ctx.sign_key {
        return sign_apdu(path, json);
    }
    encode_apdu_plain(json)
}

fn sign_apdu(path: &std::path::Path, json: &Value) -> R<Vec<u8>> {
    use dual_protocol_dlms_cosem::security::signing::{SigningKey, sign_general_signing};
    use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
    let Apdu::GeneralSigning(fields) = apdu_f(json)? else {
        return Err(CliError::Usage(
            "--sign-key signs general_signing APDUs only".into(),
        ));
    };
    let sk = p256_private(path)?;
    let mut out = vec![0u8; json.to_string().len() + 128];
    let n = sign_general_signing(&RustCrypto, &SigningKey::P256(&sk), &fields, &mut out)
        .map_err(crypto_or_bad)?;
    out.truncate(n);
    Ok(out)
}

fn encode_apdu_plain(json: &Value) -> Result<Vec<u8>, CliError> {
    let mut out = match json.get("llc") {
        Some(h) => <&[u8]>::f(h)?.to_vec(),
        None => Vec::new(),
    };
    let name = json.get("apdu").and_then(Value::as_str).unwrap_or("");
    if name == "initiate_request" {
        out.push(InitiateRequest::TAG);
        out.extend(
            InitiateRequest::f(json)?
                .encode_to_vec()
                .map_err(CliError::bad)?,
        );
    } else if name == "initiate_response" {
        out.push(InitiateResponse::TAG);
        out.extend(
            InitiateResponse::f(json)?
                .encode_to_vec()
                .map_err(CliError::bad)?,
        );
    } else if ["aarq", "aare", "rlrq", "rlre"].contains(&name) {
        out.extend(acse_f(json)?.encode_to_vec().map_err(CliError::bad)?);
    } else {
        out.extend(apdu_f(json)?.encode_to_vec().map_err(CliError::bad)?);
    }
    Ok(out)
}

/// Context options of the `dlms-data` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DataCtx {}

/// Decodes `dlms-data` frames (one A-XDR `Data` value), one JSON object each.
pub fn decode_data(_ctx: &DataCtx, bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let d = Data::decode(bytes).map_err(CliError::bad)?;
    Ok(vec![data_j(&d)])
}

/// Encodes one `dlms-data` value from its JSON form.
pub fn encode_data(_ctx: &DataCtx, json: &Value) -> Result<Vec<u8>, CliError> {
    data_f(json)?.encode_to_vec().map_err(CliError::bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(h: &str, llc: bool) {
        let b = parse_hex(h).unwrap();
        let ctx = ApduCtx {
            llc,
            ..Default::default()
        };
        let v = decode_apdu(&ctx, &b).unwrap();
        let text = v[0].to_string();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(encode_apdu(&ctx, &back).unwrap(), b, "{text}");
    }

    #[test]
    fn apdus_round_trip_through_json() {
        for (h, llc) in [
            (
                "c001c100070100630100ff0201010204020412000809060000010000ff0f02120000090c07e20601ff000300ffff8880090c07e50106ff000300ffffc4000100",
                false,
            ),
            (
                "c403c10200091049534b3130333037373737363433363600090c07e50603040e091700ffc400",
                false,
            ),
            ("c701c0000101fa", false),
            (
                "c81e3001234567411312ff935a47566827c467bc7d825c3be4a77c3fcc056b6b",
                false,
            ),
            (
                "db001e30800000d181ec9ec4bf53e9776ef0c453969fbdfe11be9b791aacc0ff8c",
                false,
            ),
            (
                "e6e7000f40000000090c07e3020401173416ff800000020106000016dc",
                true,
            ),
            (
                "0f000055390c07e0090804130d1900ffc4800207090c07e0090804130d190000008009060100010800ff060000000002020f00161e09060100030800ff060000000002020f001620",
                false,
            ),
            ("d80106000000ff", false),
            ("e0c100020003024142", false),
            (
                "1302031906211407ea010104000000000000000000138800000001",
                false,
            ),
        ] {
            if h.starts_with("13") {
                let b = parse_hex(h).unwrap();
                let v = decode_data(&DataCtx {}, &b).unwrap();
                assert_eq!(encode_data(&DataCtx {}, &v[0]).unwrap(), b);
            } else {
                round_trip(h, llc);
            }
        }
    }

    #[test]
    fn gbcs_signed_response_shows_its_access_response() {
        let h = "df090200000000000003ef0800db1234567890a00890b3d51f300100000c07df0101ff000000008000ff02001948da200003ef000015000000000000000000000000000000000000000000150200020002000200020002000200020002000200020002000200020002000200020002000200020002004012934946869128c98a6df5929aee6ac8e1fcadbd3d476bfbfedaf16f4b99b1df122cebff010be4d2352c18d3700bc3f812ddf7b3526d11be78d63bab463c44b8";
        round_trip(h, false);
        let v = decode_apdu(&ApduCtx::default(), &parse_hex(h).unwrap()).unwrap();
        assert_eq!(v[0]["content_apdu"]["apdu"], "access_response");
    }

    #[test]
    fn obis_and_iso_date_time_in_the_json() {
        let b = parse_hex("c101c100080000010000ff0200090c07e50118ff0e303950ffc400").unwrap();
        let v = decode_apdu(&ApduCtx::default(), &b).unwrap();
        assert_eq!(v[0]["attribute"]["instance_id"], "0-0:1.0.0.255");
        assert_eq!(
            v[0]["value"]["date_time"]["iso8601"],
            "2021-01-24T14:48:57.80+01:00"
        );
        assert_eq!(v[0]["value"]["date_time"]["day_of_week"], 255);
    }
}

// ---------------------------------------------------------------- ACSE --

enums!(
    AuthenticationMechanism,
    AssociationResult,
    AcseServiceUser,
    AcseServiceProvider,
    ReleaseRequestReason,
    ReleaseResponseReason
);

impl J for Conformance {
    fn j(&self) -> Value {
        json!({
            "raw": format!("{:06x}", self.bits),
            "unused_bits": self.unused_bits,
            "names": self.names().collect::<Vec<_>>(),
        })
    }
}
impl F for Conformance {
    fn f(v: &Value) -> R<Self> {
        let raw = field(v, "raw")?
            .as_str()
            .ok_or_else(|| bad("conformance `raw` must be 6 hex digits"))?;
        let bits = u32::from_str_radix(raw, 16).map_err(CliError::bad)?;
        let unused_bits = match v.get("unused_bits") {
            Some(u) => u8::f(u)?,
            None => 0,
        };
        Ok(Conformance {
            unused_bits,
            bits: bits & 0x00ff_ffff,
        })
    }
}

seq!(InitiateRequest<'a> {
    dedicated_key,
    response_allowed,
    proposed_quality_of_service,
    proposed_dlms_version_number,
    proposed_conformance,
    client_max_receive_pdu_size,
});
seq!(InitiateResponse {
    negotiated_quality_of_service,
    negotiated_dlms_version_number,
    negotiated_conformance,
    server_max_receive_pdu_size,
    vaa_name,
});

impl J for BerValue<'_> {
    fn j(&self) -> Value {
        json!({"tag": self.tag, "value": to_hex(self.content)})
    }
}
impl F for BerValue<'static> {
    fn f(v: &Value) -> R<Self> {
        Ok(BerValue {
            tag: u8::f(field(v, "tag")?)?,
            content: F::f(field(v, "value")?)?,
        })
    }
}

impl J for AcseBitString<'_> {
    fn j(&self) -> Value {
        json!({"unused_bits": self.unused_bits, "bits": to_hex(self.bits)})
    }
}
impl F for AcseBitString<'static> {
    fn f(v: &Value) -> R<Self> {
        Ok(AcseBitString {
            unused_bits: u8::f(field(v, "unused_bits")?)?,
            bits: F::f(field(v, "bits")?)?,
        })
    }
}

impl J for ApplicationContextName<'_> {
    fn j(&self) -> Value {
        match (self, self.id()) {
            (ApplicationContextName::Other(oid), _) => json!({"oid": to_hex(oid)}),
            (_, id) => json!({"name": self.name(), "id": id}),
        }
    }
}
impl F for ApplicationContextName<'static> {
    fn f(v: &Value) -> R<Self> {
        match v.get("oid") {
            Some(o) => Ok(ApplicationContextName::Other(F::f(o)?)),
            None => Ok(ApplicationContextName::from_id(u8::f(field(v, "id")?)?)),
        }
    }
}

impl J for MechanismName<'_> {
    fn j(&self) -> Value {
        match self {
            MechanismName::Dlms(m) => json!({"name": m.name(), "id": m.to_u8()}),
            MechanismName::Other(oid) => json!({"oid": to_hex(oid)}),
            _ => json!({}),
        }
    }
}
impl F for MechanismName<'static> {
    fn f(v: &Value) -> R<Self> {
        match v.get("oid") {
            Some(o) => Ok(MechanismName::Other(F::f(o)?)),
            None => Ok(MechanismName::Dlms(AuthenticationMechanism::from_u8(
                u8::f(field(v, "id")?)?,
            ))),
        }
    }
}

impl J for AuthenticationValue<'_> {
    fn j(&self) -> Value {
        let mut m = Map::new();
        match self {
            AuthenticationValue::CharString(c) => {
                m.insert("charstring".into(), json!(to_hex(c)));
                if c.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                    m.insert("ascii".into(), json!(String::from_utf8_lossy(c)));
                }
            }
            AuthenticationValue::BitString(c) => {
                m.insert("bitstring".into(), json!(to_hex(c)));
            }
            AuthenticationValue::Other(b) => {
                m.insert("other".into(), b.j());
            }
            _ => {}
        }
        Value::Object(m)
    }
}
impl F for AuthenticationValue<'static> {
    fn f(v: &Value) -> R<Self> {
        if let Some(c) = v.get("charstring") {
            Ok(AuthenticationValue::CharString(F::f(c)?))
        } else if let Some(c) = v.get("bitstring") {
            Ok(AuthenticationValue::BitString(F::f(c)?))
        } else {
            Ok(AuthenticationValue::Other(F::f(field(v, "other")?)?))
        }
    }
}

impl J for ResultSourceDiagnostic {
    fn j(&self) -> Value {
        match self {
            ResultSourceDiagnostic::ServiceUser(u) => json!({"acse_service_user": u.j()}),
            ResultSourceDiagnostic::ServiceProvider(p) => json!({"acse_service_provider": p.j()}),
        }
    }
}
impl F for ResultSourceDiagnostic {
    fn f(v: &Value) -> R<Self> {
        match v.get("acse_service_user") {
            Some(u) => Ok(ResultSourceDiagnostic::ServiceUser(F::f(u)?)),
            None => Ok(ResultSourceDiagnostic::ServiceProvider(F::f(field(
                v,
                "acse_service_provider",
            )?)?)),
        }
    }
}

impl J for UserInformation<'_> {
    fn j(&self) -> Value {
        match self {
            UserInformation::InitiateRequest(i) => json!({"initiate_request": i.j()}),
            UserInformation::InitiateResponse(i) => json!({"initiate_response": i.j()}),
            UserInformation::Apdu(a) => apdu_j(a),
            _ => json!({}),
        }
    }
}
impl F for UserInformation<'static> {
    fn f(v: &Value) -> R<Self> {
        if let Some(i) = v.get("initiate_request") {
            Ok(UserInformation::InitiateRequest(F::f(i)?))
        } else if let Some(i) = v.get("initiate_response") {
            Ok(UserInformation::InitiateResponse(F::f(i)?))
        } else {
            Ok(UserInformation::Apdu(apdu_f(v)?))
        }
    }
}

/// Optional fields: absent from the JSON (or null) when absent from the PDU.
macro_rules! acse_json {
    ($t:ident, $name:literal { $($f:ident),* $(,)? }) => {
        impl J for $t<'_> {
            fn j(&self) -> Value {
                let mut m = Map::new();
                m.insert("apdu".into(), json!($name));
                m.insert("tag".into(), json!($t::TAG));
                $(
                    let v = self.$f.j();
                    if !v.is_null() {
                        m.insert(stringify!($f).into(), v);
                    }
                )*
                Value::Object(m)
            }
        }
        impl F for $t<'static> {
            fn f(v: &Value) -> R<Self> {
                Ok($t { $( $f: F::f(v.get(stringify!($f)).unwrap_or(&Value::Null))?, )* })
            }
        }
    };
}

acse_json!(Aarq, "aarq" {
    protocol_version,
    application_context_name,
    called_ap_title,
    called_ae_qualifier,
    called_ap_invocation_id,
    called_ae_invocation_id,
    calling_ap_title,
    calling_ae_qualifier,
    calling_ap_invocation_id,
    calling_ae_invocation_id,
    sender_acse_requirements,
    mechanism_name,
    calling_authentication_value,
    implementation_information,
    user_information,
});
acse_json!(Aare, "aare" {
    protocol_version,
    application_context_name,
    result,
    result_source_diagnostic,
    responding_ap_title,
    responding_ae_qualifier,
    responding_ap_invocation_id,
    responding_ae_invocation_id,
    responder_acse_requirements,
    mechanism_name,
    responding_authentication_value,
    implementation_information,
    user_information,
});
acse_json!(Rlrq, "rlrq" { reason, user_information });
acse_json!(Rlre, "rlre" { reason, user_information });

fn acse_j(a: &AcseApdu<'_>) -> Value {
    match a {
        AcseApdu::Aarq(x) => x.j(),
        AcseApdu::Aare(x) => x.j(),
        AcseApdu::Rlrq(x) => x.j(),
        AcseApdu::Rlre(x) => x.j(),
        _ => json!({"apdu": "unsupported"}),
    }
}

fn acse_f(v: &Value) -> R<AcseApdu<'static>> {
    Ok(match field(v, "apdu")?.as_str().unwrap_or("") {
        "aarq" => AcseApdu::Aarq(F::f(v)?),
        "aare" => AcseApdu::Aare(F::f(v)?),
        "rlrq" => AcseApdu::Rlrq(F::f(v)?),
        _ => AcseApdu::Rlre(F::f(v)?),
    })
}

/// The decoded form of an APDU inside a frame: ACSE or xDLMS, with the LLC
/// header shown apart; an APDU that does not decode is shown as hex with
/// the error.
fn inner_apdu_j(bytes: &[u8]) -> Value {
    let (llc, apdu) = match Llc::split(bytes) {
        Some((_, rest)) => (bytes.get(..3), rest),
        None => (None, bytes),
    };
    let decoded = if apdu.first().is_some_and(|t| AcseApdu::is_acse_tag(*t)) {
        AcseApdu::decode(apdu).map(|a| acse_j(&a))
    } else {
        Apdu::decode(apdu).map(|a| apdu_j(&a))
    };
    let mut v =
        decoded.unwrap_or_else(|e| json!({"undecoded": to_hex(apdu), "error": e.to_string()}));
    if let (Some(h), Value::Object(m)) = (llc, &mut v) {
        m.insert("llc".into(), json!(to_hex(h)));
    }
    v
}

// ------------------------------------------------------------- wrapper --

/// Context options of the `dlms-wrapper` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct WrapperCtx {}

/// Decodes `dlms-wrapper` frames from a byte stream, one JSON object each.
pub fn decode_wrapper(_ctx: &WrapperCtx, bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut at = 0;
    while !rest.is_empty() {
        let (f, used) = WrapperFrame::decode_prefix(rest)
            .map_err(|e| bad(format!("at byte {}: {}", at + e.offset, e.kind)))?;
        out.push(json!({
            "version": f.version,
            "source_wport": f.source_wport,
            "destination_wport": f.destination_wport,
            "length": f.apdu.len(),
            "apdu_hex": to_hex(f.apdu),
            "apdu": inner_apdu_j(f.apdu),
        }));
        rest = rest.get(used..).unwrap_or(&[]);
        at += used;
    }
    Ok(out)
}

/// Encodes one `dlms-wrapper` frame from its JSON form (the APDU from
/// `apdu_hex`, or rebuilt from `apdu` when `apdu_hex` is absent).
pub fn encode_wrapper(_ctx: &WrapperCtx, json: &Value) -> Result<Vec<u8>, CliError> {
    let apdu = frame_payload(json, "apdu_hex", "apdu")?;
    WrapperFrame {
        version: u16::f(field(json, "version")?)?,
        source_wport: u16::f(field(json, "source_wport")?)?,
        destination_wport: u16::f(field(json, "destination_wport")?)?,
        apdu: &apdu,
    }
    .encode_to_vec()
    .map_err(CliError::bad)
}

/// A frame's payload: the hex field if given, else the decoded APDU re-encoded.
fn frame_payload(json: &Value, hex_key: &str, apdu_key: &str) -> R<Vec<u8>> {
    if let Some(h) = json.get(hex_key) {
        return Ok(<&[u8]>::f(h)?.to_vec());
    }
    let v = field(json, apdu_key)?;
    encode_apdu(
        &ApduCtx {
            llc: true,
            ..Default::default()
        },
        v,
    )
}

// ---------------------------------------------------------------- HDLC --

/// Context options of the `hdlc` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct HdlcCtx {}

impl J for HdlcAddress {
    fn j(&self) -> Value {
        match self {
            HdlcAddress::One(u) => json!({"upper": u}),
            HdlcAddress::Two { upper, lower } => json!({"upper": upper, "lower": lower, "size": 2}),
            HdlcAddress::Four { upper, lower } => {
                json!({"upper": upper, "lower": lower, "size": 4})
            }
        }
    }
}
impl F for HdlcAddress {
    fn f(v: &Value) -> R<Self> {
        let upper = u16::f(field(v, "upper")?)?;
        let size = v.get("size").map(u8::f).transpose()?;
        let small =
            |x: u16| u8::try_from(x).map_err(|_| bad(format!("address part {x} out of range")));
        Ok(match (size, v.get("lower")) {
            (None, None) => HdlcAddress::One(small(upper)?),
            (Some(4), Some(l)) => HdlcAddress::Four {
                upper,
                lower: u16::f(l)?,
            },
            (_, Some(l)) => HdlcAddress::Two {
                upper: small(upper)?,
                lower: small(u16::f(l)?)?,
            },
            (Some(_), None) => return Err(bad("address `size` needs `lower`")),
        })
    }
}

impl J for Control {
    fn j(&self) -> Value {
        let mut m = Map::new();
        m.insert("raw".into(), json!(self.to_u8()));
        m.insert("type".into(), json!(self.name()));
        m.insert("poll_final".into(), json!(self.poll_final()));
        match *self {
            Control::I { ns, nr, .. } => {
                m.insert("ns".into(), json!(ns));
                m.insert("nr".into(), json!(nr));
            }
            Control::Rr { nr, .. } | Control::Rnr { nr, .. } => {
                m.insert("nr".into(), json!(nr));
            }
            _ => {}
        }
        Value::Object(m)
    }
}
impl F for Control {
    fn f(v: &Value) -> R<Self> {
        Ok(Control::from_u8(u8::f(field(v, "raw")?)?))
    }
}

fn parameter_j(p: Option<Parameter>) -> Value {
    p.map_or(Value::Null, |p| json!({"value": p.value, "width": p.width}))
}

/// Decodes every HDLC frame found in a byte stream, one JSON object each.
pub fn decode_hdlc(_ctx: &HdlcCtx, bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let mut d = HdlcDeframer::<2050>::new();
    let mut out = Vec::new();
    let mut rest = bytes;
    // Segments of one APDU (segmentation bit), joined for the last frame.
    let mut segments: Vec<u8> = Vec::new();
    let mut count = 0usize;
    while !rest.is_empty() {
        let n = d.feed(rest);
        rest = rest.get(n..).unwrap_or(&[]);
        while let Some(f) = d.poll_frame() {
            let mut v = hdlc_j(&f);
            if matches!(f.control, Control::I { .. } | Control::Ui { .. }) {
                if f.segmented {
                    segments.extend_from_slice(f.information);
                    count += 1;
                } else if count > 0 {
                    segments.extend_from_slice(f.information);
                    if let Value::Object(m) = &mut v {
                        m.insert("reassembled_from_frames".into(), json!(count + 1));
                        m.insert("apdu".into(), inner_apdu_j(&segments));
                    }
                    segments.clear();
                    count = 0;
                }
            }
            out.push(v);
        }
    }
    if out.is_empty() {
        // Say why the single frame given did not decode.
        let e = HdlcFrame::decode(bytes).err();
        return Err(bad(match e {
            Some(e) => format!("no valid HDLC frame: at byte {}: {}", e.offset, e.kind),
            None => "no valid HDLC frame".to_string(),
        }));
    }
    Ok(out)
}

fn hdlc_j(f: &HdlcFrame<'_>) -> Value {
    let mut m = Map::new();
    m.insert("segmented".into(), json!(f.segmented));
    m.insert("length".into(), json!(f.frame_len()));
    m.insert("destination".into(), f.destination.j());
    m.insert("source".into(), f.source.j());
    m.insert("control".into(), f.control.j());
    m.insert("information_hex".into(), json!(to_hex(f.information)));
    match f.control {
        Control::Snrm { .. } | Control::Ua { .. } if !f.information.is_empty() => {
            if let Ok(p) = HdlcParameters::decode(f.information) {
                m.insert(
                    "parameters".into(),
                    json!({
                        "max_info_transmit": parameter_j(p.max_info_transmit),
                        "max_info_receive": parameter_j(p.max_info_receive),
                        "window_transmit": parameter_j(p.window_transmit),
                        "window_receive": parameter_j(p.window_receive),
                    }),
                );
            }
        }
        Control::I { .. } | Control::Ui { .. } if !f.information.is_empty() => {
            if f.segmented {
                m.insert("apdu".into(), json!({"segment": true}));
            } else {
                m.insert("apdu".into(), inner_apdu_j(f.information));
            }
        }
        _ => {}
    }
    Value::Object(m)
}

/// Encodes one HDLC frame from its JSON form (information field from
/// `information_hex`, or rebuilt from `apdu`); HCS and FCS are computed.
pub fn encode_hdlc(_ctx: &HdlcCtx, json: &Value) -> Result<Vec<u8>, CliError> {
    let information = match json.get("information_hex") {
        Some(_) => frame_payload(json, "information_hex", "apdu")?,
        None if json.get("apdu").is_some() => frame_payload(json, "information_hex", "apdu")?,
        None => Vec::new(),
    };
    HdlcFrame {
        segmented: json
            .get("segmented")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        destination: F::f(field(json, "destination")?)?,
        source: F::f(field(json, "source")?)?,
        control: F::f(field(json, "control")?)?,
        information: &information,
    }
    .encode_to_vec()
    .map_err(CliError::bad)
}
