//! `dualp decode zcl` / `dualp encode zcl`: ZCL frames (crate
//! dual-protocol-zcl-se) with cluster, command and attribute names.
//!
//! JSON form of a frame: header fields (`frame_type`, `direction`,
//! `disable_default_response`, `reserved`, `manufacturer_code`, `tsn`,
//! `command_id`, plus `frame_control` and names for people), then `payload`:
//! a global command's records, a table-described cluster command's `fields`,
//! or `payload_hex` for a command no table describes. Values carry their
//! ZCL type name and raw fields (`bits` for floats, `hex` for strings) so
//! `encode` rebuilds them exactly. [`decode_zcl_payload`] serves the zigbee
//! layers' nested decode.

use crate::common::{CliError, parse_hex, parse_u16, to_hex};
use dual_protocol_zcl_se::cluster::se::SeCommand;
use dual_protocol_zcl_se::cluster::time::utc_to_datetime;
use dual_protocol_zcl_se::global::{
    GlobalCommand, ReadReportingRecord, ReportDirection, ReportingConfiguration, ReportingDetails,
    Selector, StatusList, command_name,
};
use dual_protocol_zcl_se::owned::OwnedValue;
use dual_protocol_zcl_se::{
    CollectionKind, Context, DataType, Date, Direction, FieldKind, FieldValue, Frame, FrameType,
    Header, Payload, Status, TimeOfDay, TypeKind, Value,
};
use serde_json::{Map, Value as Json, json};

/// Context options of the `zcl` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ZclCtx {
    /// Cluster identifier (from the APS frame), decimal or 0x hex.
    #[arg(long, value_parser = parse_u16)]
    pub cluster: u16,
    /// Profile identifier; Smart Energy (0x0109) unless given.
    #[arg(long, value_parser = parse_u16)]
    pub profile: Option<u16>,
    /// Manufacturer code: on encode, used when the JSON gives none; on
    /// decode, a frame with another manufacturer code is an error.
    #[arg(long, value_parser = parse_u16)]
    pub manufacturer: Option<u16>,
}

const PROFILE_SE: u16 = 0x0109;

/// Decodes `zcl` frames, one JSON object each.
pub fn decode_zcl(ctx: &ZclCtx, bytes: &[u8]) -> Result<Vec<Json>, CliError> {
    let profile = ctx.profile.unwrap_or(PROFILE_SE);
    let c = Context::new(ctx.cluster).with_profile(profile);
    let f = Frame::decode_with(bytes, &c).map_err(CliError::bad)?;
    if let (Some(want), Some(got)) = (ctx.manufacturer, f.header.manufacturer_code)
        && want != got
    {
        return Err(CliError::BadInput(format!(
            "manufacturer code 0x{got:04x} at byte 1, expected 0x{want:04x}"
        )));
    }
    Ok(vec![frame_json(&c, &f)])
}

/// Decodes a ZCL frame carried in an APS frame with `profile` and
/// `cluster`, for the zigbee layers' nested output. Never fails: a frame
/// that does not decode gives `{"error": ..., "offset": ..., "hex": ...}`.
pub fn decode_zcl_payload(profile: u16, cluster: u16, bytes: &[u8]) -> Json {
    let c = Context::new(cluster).with_profile(profile);
    match Frame::decode_with(bytes, &c) {
        Ok(f) => frame_json(&c, &f),
        Err(e) => json!({ "error": e.to_string(), "offset": e.offset(), "hex": to_hex(bytes) }),
    }
}

/// Encodes one `zcl` frame from its JSON form.
pub fn encode_zcl(ctx: &ZclCtx, j: &Json) -> Result<Vec<u8>, CliError> {
    let header = header_from_json(ctx, j)?;
    let payload = payload_bytes(ctx, &header, j)?;
    let mut out = Vec::with_capacity(5 + payload.len());
    out.push(header.frame_control());
    if let Some(m) = header.manufacturer_code {
        out.extend_from_slice(&m.to_le_bytes());
    }
    out.push(header.tsn);
    out.push(header.command_id);
    out.extend_from_slice(&payload);
    // What we emit must decode.
    let c = Context::new(ctx.cluster).with_profile(ctx.profile.unwrap_or(PROFILE_SE));
    Frame::decode_with(&out, &c)
        .map_err(|e| CliError::BadInput(format!("encoded frame does not decode: {e}")))?;
    Ok(out)
}

// ---------------------------------------------------------------- decode

fn frame_json(c: &Context<'static>, f: &Frame<'_>) -> Json {
    let h = &f.header;
    let mut o = Map::new();
    o.insert("profile".into(), json!(format!("0x{:04x}", c.profile)));
    o.insert("cluster".into(), json!(format!("0x{:04x}", c.cluster)));
    if let Some(n) = c.cluster_name() {
        o.insert("cluster_name".into(), json!(n));
    }
    o.insert(
        "frame_control".into(),
        json!(format!("0x{:02x}", h.frame_control())),
    );
    o.insert(
        "frame_type".into(),
        match h.frame_type {
            FrameType::Global => json!("global"),
            FrameType::ClusterSpecific => json!("cluster_specific"),
            FrameType::Reserved(v) => json!(v),
        },
    );
    o.insert("direction".into(), json!(h.direction.name()));
    o.insert(
        "disable_default_response".into(),
        json!(h.disable_default_response),
    );
    o.insert("reserved".into(), json!(h.reserved));
    o.insert(
        "manufacturer_code".into(),
        h.manufacturer_code
            .map_or(Json::Null, |m| json!(format!("0x{m:04x}"))),
    );
    o.insert("tsn".into(), json!(h.tsn));
    o.insert(
        "command_id".into(),
        json!(format!("0x{:02x}", h.command_id)),
    );
    let name = match (&f.payload, h.frame_type) {
        (Payload::Cluster(cf), _) => Some(cf.def().name),
        (_, FrameType::Global) => command_name(h.command_id),
        _ => None,
    };
    if let Some(n) = name {
        o.insert("command".into(), json!(n));
    }
    let names = |id: u16| c.attribute(h.manufacturer_code, id).map(|a| a.name);
    let payload = match &f.payload {
        Payload::Global(g) => global_json(g, &names),
        Payload::Cluster(cf) => {
            let fields: Vec<Json> = cf
                .fields()
                .map(|fl| {
                    let mut m = Map::new();
                    m.insert("name".into(), json!(fl.def.name));
                    match fl.value {
                        FieldValue::Value(v) => {
                            m.insert("value".into(), value_json(&v));
                            // Named enumerations of the SE command structs.
                            let meaning = v.as_u64().and_then(|raw| {
                                SeCommand::value_name(
                                    c.cluster,
                                    h.direction,
                                    h.command_id,
                                    fl.def.name,
                                    raw,
                                )
                            });
                            if let (Some(n), None) = (meaning, h.manufacturer_code) {
                                m.insert("meaning".into(), json!(n));
                            }
                        }
                        FieldValue::Octets(b) => {
                            m.insert("hex".into(), json!(to_hex(b)));
                        }
                    }
                    Json::Object(m)
                })
                .collect();
            let mut m = Map::new();
            m.insert("fields".into(), Json::Array(fields));
            if !cf.trailing().is_empty() {
                m.insert("trailing_hex".into(), json!(to_hex(cf.trailing())));
            }
            if let Some(apdu) = tunnel_dlms(c.cluster, h, cf) {
                m.insert("dlms_apdu".into(), apdu);
            }
            Json::Object(m)
        }
        Payload::Raw(b) => json!({ "payload_hex": to_hex(b) }),
        _ => json!({}),
    };
    o.insert("payload".into(), payload);
    Json::Object(o)
}

/// A Tunneling (0x0704) TransferData, either direction, whose data decodes
/// as a DLMS APDU (DLMS/COSEM and GB-HRGP tunnels carry APDUs; the protocol
/// is agreed in RequestTunnel, not in this frame, so the data is tried and
/// the APDU shown only when it decodes): the APDU as `dualp decode
/// dlms-apdu` shows it. Encode ignores it and rebuilds from the `data` field.
fn tunnel_dlms(
    cluster: u16,
    h: &Header,
    cf: &dual_protocol_zcl_se::CommandFields<'_>,
) -> Option<Json> {
    use dual_protocol_zcl_se::cluster::tunneling;
    let transfer = match h.direction {
        Direction::ClientToServer => tunneling::TransferData::ID,
        Direction::ServerToClient => tunneling::ServerTransferData::ID,
    };
    if cluster != tunneling::ID || h.command_id != transfer || h.manufacturer_code.is_some() {
        return None;
    }
    let Some(FieldValue::Octets(data)) = cf.field("data") else {
        return None;
    };
    let ctx = crate::layers::dlms::ApduCtx::default();
    crate::layers::dlms::decode_apdu(&ctx, data)
        .ok()
        .and_then(|mut v| v.pop())
}

fn status_json(s: Status) -> Json {
    match s.name() {
        Some(n) => json!(n),
        None => json!(u8::from(s)),
    }
}

fn id_json(id: u16, names: &dyn Fn(u16) -> Option<&'static str>) -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("id".into(), json!(format!("0x{id:04x}")));
    if let Some(n) = names(id) {
        m.insert("name".into(), json!(n));
    }
    m
}

fn direction_json(d: ReportDirection) -> Json {
    match d.name() {
        Some(n) => json!(n),
        None => json!(u8::from(d)),
    }
}

fn reporting_json(
    c: &ReportingConfiguration<'_>,
    names: &dyn Fn(u16) -> Option<&'static str>,
) -> Map<String, Json> {
    let mut m = id_json(c.id, names);
    match c.details {
        ReportingDetails::Send {
            data_type,
            min_interval,
            max_interval,
            reportable_change,
        } => {
            m.insert("direction".into(), json!("reported"));
            m.insert("type".into(), json!(data_type.name()));
            m.insert("type_id".into(), json!(format!("0x{:02x}", data_type.0)));
            m.insert("min_interval".into(), json!(min_interval));
            m.insert("max_interval".into(), json!(max_interval));
            if let Some(v) = reportable_change {
                m.insert("reportable_change".into(), value_json(&v));
            }
        }
        ReportingDetails::Receive { timeout } => {
            m.insert("direction".into(), json!("received"));
            m.insert("timeout".into(), json!(timeout));
        }
    }
    m
}

fn selector_json(s: &Selector<'_>) -> Json {
    json!({ "indicator": s.indicator, "indexes": s.iter().collect::<Vec<_>>() })
}

fn global_json(g: &GlobalCommand<'_>, names: &dyn Fn(u16) -> Option<&'static str>) -> Json {
    let value_record = |id: u16, v: &Value<'_>| {
        let mut m = id_json(id, names);
        m.insert("value".into(), value_json(v));
        Json::Object(m)
    };
    match g {
        GlobalCommand::ReadAttributes(l) => {
            json!({ "attributes": l.iter().map(|a| Json::Object(id_json(a.0, names))).collect::<Vec<_>>() })
        }
        GlobalCommand::ReadAttributesResponse(l) => json!({ "records": l.iter().map(|r| {
            let mut m = id_json(r.id, names);
            m.insert("status".into(), status_json(r.status));
            if let Some(v) = r.value { m.insert("value".into(), value_json(&v)); }
            Json::Object(m)
        }).collect::<Vec<_>>() }),
        GlobalCommand::WriteAttributes(l)
        | GlobalCommand::WriteAttributesUndivided(l)
        | GlobalCommand::WriteAttributesNoResponse(l)
        | GlobalCommand::ReportAttributes(l) => {
            json!({ "records": l.iter().map(|r| value_record(r.id, &r.value)).collect::<Vec<_>>() })
        }
        GlobalCommand::WriteAttributesResponse(s) => match s {
            StatusList::AllSuccess => json!({ "all_success": true }),
            StatusList::Records(l) => json!({ "records": l.iter().map(|r| {
                let mut m = id_json(r.id, names);
                m.insert("status".into(), status_json(r.status));
                Json::Object(m)
            }).collect::<Vec<_>>() }),
        },
        GlobalCommand::ConfigureReporting(l) => {
            json!({ "records": l.iter().map(|r| Json::Object(reporting_json(&r, names))).collect::<Vec<_>>() })
        }
        GlobalCommand::ConfigureReportingResponse(s) => match s {
            StatusList::AllSuccess => json!({ "all_success": true }),
            StatusList::Records(l) => json!({ "records": l.iter().map(|r| {
                let mut m = id_json(r.id, names);
                m.insert("status".into(), status_json(r.status));
                m.insert("direction".into(), direction_json(r.direction));
                Json::Object(m)
            }).collect::<Vec<_>>() }),
        },
        GlobalCommand::ReadReportingConfiguration(l) => json!({ "records": l.iter().map(|r| {
            let mut m = id_json(r.id, names);
            m.insert("direction".into(), direction_json(r.direction));
            Json::Object(m)
        }).collect::<Vec<_>>() }),
        GlobalCommand::ReadReportingConfigurationResponse(l) => {
            json!({ "records": l.iter().map(|r| match r {
            ReadReportingRecord::Success(c) => {
                let mut m = reporting_json(&c, names);
                m.insert("status".into(), json!("success"));
                Json::Object(m)
            }
            ReadReportingRecord::Failure { status, direction, id } => {
                let mut m = id_json(id, names);
                m.insert("status".into(), status_json(status));
                m.insert("direction".into(), direction_json(direction));
                Json::Object(m)
            }
        }).collect::<Vec<_>>() })
        }
        GlobalCommand::DefaultResponse { command_id, status } => {
            json!({ "command_id": format!("0x{command_id:02x}"), "status": status_json(*status) })
        }
        GlobalCommand::DiscoverAttributes(d) | GlobalCommand::DiscoverAttributesExtended(d) => {
            json!({ "start": format!("0x{:04x}", d.start), "max_count": d.max_count })
        }
        GlobalCommand::DiscoverCommandsReceived(d)
        | GlobalCommand::DiscoverCommandsGenerated(d) => {
            json!({ "start": format!("0x{:02x}", d.start), "max_count": d.max_count })
        }
        GlobalCommand::DiscoverAttributesResponse(d) => json!({
            "complete": d.complete,
            "records": d.records.iter().map(|r| {
                let mut m = id_json(r.id, names);
                m.insert("type".into(), json!(r.data_type.name()));
                m.insert("type_id".into(), json!(format!("0x{:02x}", r.data_type.0)));
                Json::Object(m)
            }).collect::<Vec<_>>(),
        }),
        GlobalCommand::DiscoverAttributesExtendedResponse(d) => json!({
            "complete": d.complete,
            "records": d.records.iter().map(|r| {
                let mut m = id_json(r.id, names);
                m.insert("type".into(), json!(r.data_type.name()));
                m.insert("type_id".into(), json!(format!("0x{:02x}", r.data_type.0)));
                m.insert("access".into(), json!(r.access));
                Json::Object(m)
            }).collect::<Vec<_>>(),
        }),
        GlobalCommand::DiscoverCommandsReceivedResponse(d)
        | GlobalCommand::DiscoverCommandsGeneratedResponse(d) => json!({
            "complete": d.complete,
            "commands": d.records.iter().map(|c| format!("0x{:02x}", c.0)).collect::<Vec<_>>(),
        }),
        GlobalCommand::ReadAttributesStructured(l) => json!({ "records": l.iter().map(|r| {
            let mut m = id_json(r.id, names);
            m.insert("selector".into(), selector_json(&r.selector));
            Json::Object(m)
        }).collect::<Vec<_>>() }),
        GlobalCommand::WriteAttributesStructured(l) => json!({ "records": l.iter().map(|r| {
            let mut m = id_json(r.id, names);
            m.insert("selector".into(), selector_json(&r.selector));
            m.insert("value".into(), value_json(&r.value));
            Json::Object(m)
        }).collect::<Vec<_>>() }),
        GlobalCommand::WriteAttributesStructuredResponse(s) => match s {
            StatusList::AllSuccess => json!({ "all_success": true }),
            StatusList::Records(l) => json!({ "records": l.iter().map(|r| {
                let mut m = id_json(r.id, names);
                m.insert("status".into(), status_json(r.status));
                m.insert("selector".into(), selector_json(&r.selector));
                Json::Object(m)
            }).collect::<Vec<_>>() }),
        },
        _ => json!({}),
    }
}

fn opt_bytes(m: &mut Map<String, Json>, s: Option<&[u8]>, text: bool) {
    match s {
        None => {
            m.insert("invalid".into(), json!(true));
        }
        Some(b) => {
            m.insert("hex".into(), json!(to_hex(b)));
            if text {
                m.insert("value".into(), json!(String::from_utf8_lossy(b)));
            }
        }
    }
}

fn float_json(m: &mut Map<String, Json>, bits: String, v: f64) {
    m.insert("bits".into(), json!(bits));
    m.insert(
        "value".into(),
        if v.is_finite() { json!(v) } else { Json::Null },
    );
}

/// A value as JSON: `type`, `type_id` and the fields of that type.
fn value_json(v: &Value<'_>) -> Json {
    let t = v.data_type();
    let mut m = Map::new();
    m.insert("type".into(), json!(t.name()));
    m.insert("type_id".into(), json!(format!("0x{:02x}", t.0)));
    match *v {
        Value::Data { width, bits } | Value::Bitmap { width, bits } => {
            m.insert(
                "value".into(),
                json!(format!("0x{bits:0w$x}", w = 2 * usize::from(width))),
            );
        }
        Value::Bool(b) => {
            m.insert(
                "value".into(),
                match b {
                    0 => json!(false),
                    1 => json!(true),
                    other => json!(other),
                },
            );
        }
        Value::Uint { value, .. } => {
            m.insert("value".into(), json!(value));
        }
        Value::Int { value, .. } => {
            m.insert("value".into(), json!(value));
        }
        Value::Enum8(x) => {
            m.insert("value".into(), json!(x));
        }
        Value::Enum16(x) => {
            m.insert("value".into(), json!(x));
        }
        Value::Semi(b) => float_json(&mut m, format!("0x{b:04x}"), v.as_f64().unwrap_or(f64::NAN)),
        Value::Single(b) => {
            float_json(&mut m, format!("0x{b:08x}"), v.as_f64().unwrap_or(f64::NAN))
        }
        Value::Double(b) => float_json(
            &mut m,
            format!("0x{b:016x}"),
            v.as_f64().unwrap_or(f64::NAN),
        ),
        Value::OctetString(s) | Value::LongOctetString(s) => opt_bytes(&mut m, s, false),
        Value::CharString(s) | Value::LongCharString(s) => opt_bytes(&mut m, s, true),
        Value::Collection(c) => {
            if c.kind() != CollectionKind::Structure {
                m.insert("element_type".into(), json!(c.element_type().name()));
                m.insert(
                    "element_type_id".into(),
                    json!(format!("0x{:02x}", c.element_type().0)),
                );
            }
            if c.is_invalid() {
                m.insert("invalid".into(), json!(true));
            } else {
                m.insert(
                    "elements".into(),
                    Json::Array(c.elements().map(|e| value_json(&e)).collect()),
                );
            }
        }
        Value::TimeOfDay(t) => {
            m.insert("hours".into(), json!(t.hours));
            m.insert("minutes".into(), json!(t.minutes));
            m.insert("seconds".into(), json!(t.seconds));
            m.insert("hundredths".into(), json!(t.hundredths));
        }
        Value::Date(d) => {
            m.insert("year_since_1900".into(), json!(d.year_since_1900));
            m.insert("month".into(), json!(d.month));
            m.insert("day".into(), json!(d.day));
            m.insert("weekday".into(), json!(d.weekday));
            if d.year_since_1900 != 0xff && d.month != 0xff && d.day != 0xff {
                m.insert(
                    "iso".into(),
                    json!(format!(
                        "{:04}-{:02}-{:02}",
                        1900 + u32::from(d.year_since_1900),
                        d.month,
                        d.day
                    )),
                );
            }
        }
        Value::Utc(s) => {
            m.insert("value".into(), json!(s));
            if let Some(dt) = utc_to_datetime(s) {
                m.insert("iso".into(), json!(dt.to_string()));
            }
        }
        Value::ClusterId(x) | Value::AttributeId(x) => {
            m.insert("value".into(), json!(format!("0x{x:04x}")));
        }
        Value::BacnetOid(x) => {
            m.insert("value".into(), json!(x));
        }
        Value::Ieee(e) => {
            m.insert("value".into(), json!(e.to_string()));
        }
        Value::SecurityKey(k) => {
            m.insert("hex".into(), json!(to_hex(&k)));
        }
        _ => {}
    }
    if v.is_invalid() {
        m.insert("invalid".into(), json!(true));
    }
    Json::Object(m)
}

// ---------------------------------------------------------------- encode

fn bad(msg: impl Into<String>) -> CliError {
    CliError::BadInput(msg.into())
}

fn num(j: &Json, what: &str) -> Result<u64, CliError> {
    match j {
        Json::Number(n) => n
            .as_u64()
            .ok_or_else(|| bad(format!("`{what}` is not an unsigned integer"))),
        Json::String(s) => crate::common::parse_number(s).map_err(CliError::BadInput),
        _ => Err(bad(format!("`{what}` missing or not a number"))),
    }
}

fn field<'a>(j: &'a Json, key: &str) -> Result<&'a Json, CliError> {
    j.get(key)
        .ok_or_else(|| bad(format!("missing field `{key}`")))
}

fn u8_of(j: &Json, key: &str) -> Result<u8, CliError> {
    u8::try_from(num(field(j, key)?, key)?).map_err(|_| bad(format!("`{key}` does not fit 8 bits")))
}

fn u16_of(j: &Json, key: &str) -> Result<u16, CliError> {
    u16::try_from(num(field(j, key)?, key)?)
        .map_err(|_| bad(format!("`{key}` does not fit 16 bits")))
}

fn header_from_json(ctx: &ZclCtx, j: &Json) -> Result<Header, CliError> {
    let frame_type = match field(j, "frame_type")? {
        Json::String(s) if s == "global" => FrameType::Global,
        Json::String(s) if s == "cluster_specific" => FrameType::ClusterSpecific,
        other => FrameType::Reserved(
            u8::try_from(num(other, "frame_type")?).map_err(|_| bad("frame_type"))?,
        ),
    };
    let direction = match field(j, "direction")?.as_str() {
        Some("client_to_server") => Direction::ClientToServer,
        Some("server_to_client") => Direction::ServerToClient,
        _ => return Err(bad("`direction` is client_to_server or server_to_client")),
    };
    let manufacturer_code = match j.get("manufacturer_code") {
        None | Some(Json::Null) => ctx.manufacturer,
        Some(m) => Some(
            u16::try_from(num(m, "manufacturer_code")?).map_err(|_| bad("manufacturer_code"))?,
        ),
    };
    Ok(Header {
        frame_type,
        direction,
        disable_default_response: j
            .get("disable_default_response")
            .and_then(Json::as_bool)
            .unwrap_or(false),
        reserved: j.get("reserved").map_or(Ok(0), |r| {
            num(r, "reserved").and_then(|v| {
                u8::try_from(v)
                    .ok()
                    .filter(|v| *v < 8)
                    .ok_or_else(|| bad("`reserved` is 0..7"))
            })
        })?,
        manufacturer_code,
        tsn: u8_of(j, "tsn")?,
        command_id: u8_of(j, "command_id")?,
    })
}

fn status_of(j: &Json, key: &str) -> Result<u8, CliError> {
    match field(j, key)? {
        Json::String(s) => match Status::from_name(s) {
            Some(st) => Ok(u8::from(st)),
            None => {
                u8::try_from(num(&Json::String(s.clone()), key)?).map_err(|_| bad(key.to_string()))
            }
        },
        other => {
            u8::try_from(num(other, key)?).map_err(|_| bad(format!("`{key}` does not fit 8 bits")))
        }
    }
}

fn direction_of(j: &Json) -> Result<u8, CliError> {
    match field(j, "direction")? {
        Json::String(s) => match ReportDirection::from_name(s) {
            Some(d) => Ok(u8::from(d)),
            None => u8::try_from(num(&Json::String(s.clone()), "direction")?)
                .map_err(|_| bad("direction")),
        },
        other => u8::try_from(num(other, "direction")?).map_err(|_| bad("direction")),
    }
}

fn type_of(j: &Json, name_key: &str, id_key: &str) -> Result<DataType, CliError> {
    if let Some(id) = j.get(id_key) {
        return u8::try_from(num(id, id_key)?)
            .map(DataType)
            .map_err(|_| bad(id_key.to_string()));
    }
    let name = field(j, name_key)?
        .as_str()
        .ok_or_else(|| bad(format!("`{name_key}` is a type name")))?;
    DataType::from_name(name).ok_or_else(|| bad(format!("unknown ZCL type `{name}`")))
}

fn hex_of(j: &Json, key: &str) -> Result<Vec<u8>, CliError> {
    parse_hex(
        field(j, key)?
            .as_str()
            .ok_or_else(|| bad(format!("`{key}` is a hex string")))?,
    )
}

fn records(j: &Json, key: &str) -> Result<Vec<Json>, CliError> {
    Ok(field(j, key)?
        .as_array()
        .ok_or_else(|| bad(format!("`{key}` is an array")))?
        .clone())
}

/// Builds an owned value from its JSON form (as `value_json` writes it).
fn owned_from_json(j: &Json) -> Result<OwnedValue, CliError> {
    use OwnedValue::Scalar as S;
    let t = type_of(j, "type", "type_id")?;
    let invalid = j.get("invalid").and_then(Json::as_bool).unwrap_or(false);
    let int = |key: &str| num(field(j, key)?, key);
    let text_or_hex = |text: bool| -> Result<Option<Vec<u8>>, CliError> {
        if j.get("hex").is_none() && invalid {
            return Ok(None);
        }
        if j.get("hex").is_none() && text {
            return Ok(Some(
                field(j, "value")?
                    .as_str()
                    .ok_or_else(|| bad("string `value`"))?
                    .as_bytes()
                    .to_vec(),
            ));
        }
        hex_of(j, "hex").map(Some)
    };
    let fixed = |n: usize| -> Result<u64, CliError> {
        let v = int("value")?;
        if n < 8 && v >> (8 * n) != 0 {
            return Err(bad(format!("value {v} does not fit {n} octet(s)")));
        }
        Ok(v)
    };
    Ok(match t.kind() {
        TypeKind::NoData => S(Value::NoData),
        TypeKind::Unknown => S(Value::Unknown),
        TypeKind::Data(w) => S(Value::Data {
            width: w,
            bits: fixed(usize::from(w))?,
        }),
        TypeKind::Bitmap(w) => S(Value::Bitmap {
            width: w,
            bits: fixed(usize::from(w))?,
        }),
        TypeKind::Uint(w) => S(Value::Uint {
            width: w,
            value: fixed(usize::from(w))?,
        }),
        TypeKind::Int(w) => S(Value::Int {
            width: w,
            value: field(j, "value")?
                .as_i64()
                .ok_or_else(|| bad("signed `value`"))?,
        }),
        TypeKind::Bool => S(Value::Bool(match field(j, "value")? {
            Json::Bool(b) => u8::from(*b),
            other => u8::try_from(num(other, "value")?).map_err(|_| bad("bool value"))?,
        })),
        TypeKind::Enum8 => S(Value::Enum8(
            u8::try_from(int("value")?).map_err(|_| bad("enum8"))?,
        )),
        TypeKind::Enum16 => S(Value::Enum16(
            u16::try_from(int("value")?).map_err(|_| bad("enum16"))?,
        )),
        TypeKind::Semi => S(Value::Semi(
            u16::try_from(int("bits")?).map_err(|_| bad("semi bits"))?,
        )),
        TypeKind::Single => S(Value::Single(
            u32::try_from(int("bits")?).map_err(|_| bad("single bits"))?,
        )),
        TypeKind::Double => S(Value::Double(int("bits")?)),
        TypeKind::OctetString => OwnedValue::OctetString(text_or_hex(false)?),
        TypeKind::CharString => OwnedValue::CharString(text_or_hex(true)?),
        TypeKind::LongOctetString => OwnedValue::LongOctetString(text_or_hex(false)?),
        TypeKind::LongCharString => OwnedValue::LongCharString(text_or_hex(true)?),
        TypeKind::Array | TypeKind::Set | TypeKind::Bag | TypeKind::Structure => {
            let kind = match t.kind() {
                TypeKind::Array => CollectionKind::Array,
                TypeKind::Set => CollectionKind::Set,
                TypeKind::Bag => CollectionKind::Bag,
                _ => CollectionKind::Structure,
            };
            let element_type = if kind == CollectionKind::Structure {
                DataType::UNKNOWN
            } else {
                type_of(j, "element_type", "element_type_id")?
            };
            let elements = match j.get("elements") {
                None if invalid => None,
                _ => Some(
                    records(j, "elements")?
                        .iter()
                        .map(owned_from_json)
                        .collect::<Result<Vec<_>, _>>()?,
                ),
            };
            OwnedValue::Collection {
                kind,
                element_type,
                elements,
            }
        }
        TypeKind::TimeOfDay => S(Value::TimeOfDay(TimeOfDay {
            hours: u8_of(j, "hours")?,
            minutes: u8_of(j, "minutes")?,
            seconds: u8_of(j, "seconds")?,
            hundredths: u8_of(j, "hundredths")?,
        })),
        TypeKind::Date => S(Value::Date(Date {
            year_since_1900: u8_of(j, "year_since_1900")?,
            month: u8_of(j, "month")?,
            day: u8_of(j, "day")?,
            weekday: u8_of(j, "weekday")?,
        })),
        TypeKind::Utc => S(Value::Utc(
            u32::try_from(int("value")?).map_err(|_| bad("UTC"))?,
        )),
        TypeKind::ClusterId => S(Value::ClusterId(u16_of(j, "value")?)),
        TypeKind::AttributeId => S(Value::AttributeId(u16_of(j, "value")?)),
        TypeKind::BacnetOid => S(Value::BacnetOid(
            u32::try_from(int("value")?).map_err(|_| bad("bacOID"))?,
        )),
        TypeKind::Ieee => S(Value::Ieee(
            field(j, "value")?
                .as_str()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad("IEEE address `value`"))?,
        )),
        TypeKind::SecurityKey => S(Value::SecurityKey(
            hex_of(j, "hex")?
                .try_into()
                .map_err(|_| bad("key128 is 16 octets"))?,
        )),
        _ => return Err(bad(format!("type 0x{:02x} is reserved", t.0))),
    })
}

fn put_value(out: &mut Vec<u8>, j: &Json, with_type: bool) -> Result<DataType, CliError> {
    let v = owned_from_json(j)?;
    if with_type {
        out.push(v.data_type().0);
    }
    out.extend(v.encode_to_vec().map_err(CliError::bad)?);
    Ok(v.data_type())
}

fn put_id(out: &mut Vec<u8>, j: &Json, key: &str) -> Result<(), CliError> {
    out.extend_from_slice(&u16_of(j, key)?.to_le_bytes());
    Ok(())
}

fn put_selector(out: &mut Vec<u8>, j: &Json) -> Result<(), CliError> {
    let s = field(j, "selector")?;
    let indexes = records(s, "indexes")?;
    let indicator = u8_of(s, "indicator")?;
    if usize::from(indicator & 0x0f) != indexes.len() {
        return Err(bad("selector indicator differs from its index count"));
    }
    out.push(indicator);
    for i in &indexes {
        out.extend_from_slice(
            &u16::try_from(num(i, "index")?)
                .map_err(|_| bad("index"))?
                .to_le_bytes(),
        );
    }
    Ok(())
}

fn put_reporting(out: &mut Vec<u8>, r: &Json) -> Result<(), CliError> {
    let dir = direction_of(r)?;
    out.push(dir);
    put_id(out, r, "id")?;
    if dir == 0 {
        let t = type_of(r, "type", "type_id")?;
        out.push(t.0);
        out.extend_from_slice(&u16_of(r, "min_interval")?.to_le_bytes());
        out.extend_from_slice(&u16_of(r, "max_interval")?.to_le_bytes());
        if let Some(c) = r.get("reportable_change") {
            put_value(out, c, false)?;
        }
    } else {
        out.extend_from_slice(&u16_of(r, "timeout")?.to_le_bytes());
    }
    Ok(())
}

fn payload_bytes(ctx: &ZclCtx, h: &Header, j: &Json) -> Result<Vec<u8>, CliError> {
    let p = j.get("payload").cloned().unwrap_or(Json::Null);
    if let Some(hex) = p.get("payload_hex") {
        return parse_hex(hex.as_str().ok_or_else(|| bad("`payload_hex` is hex"))?);
    }
    let mut out = Vec::new();
    if h.frame_type == FrameType::ClusterSpecific {
        let c = Context::new(ctx.cluster);
        let def = c
            .command(h.manufacturer_code, h.direction, h.command_id)
            .ok_or_else(|| bad("no table describes this command: give `payload_hex`"))?;
        let fields = records(&p, "fields")?;
        for (f, v) in def.fields.iter().zip(&fields) {
            match f.kind {
                FieldKind::Value(_) => {
                    put_value(&mut out, field(v, "value")?, false)?;
                }
                FieldKind::Rest => out.extend(hex_of(v, "hex")?),
            }
        }
        if let Some(t) = p.get("trailing_hex") {
            out.extend(parse_hex(t.as_str().unwrap_or_default())?);
        }
        return Ok(out);
    }
    if h.frame_type != FrameType::Global {
        return Err(bad("reserved frame type: give `payload_hex`"));
    }
    let all_success = p
        .get("all_success")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    match h.command_id {
        0x00 => {
            for a in records(&p, "attributes")? {
                put_id(&mut out, &a, "id")?;
            }
        }
        0x01 => {
            for r in records(&p, "records")? {
                put_id(&mut out, &r, "id")?;
                let s = status_of(&r, "status")?;
                out.push(s);
                if s == 0 {
                    put_value(&mut out, field(&r, "value")?, true)?;
                }
            }
        }
        0x02 | 0x03 | 0x05 | 0x0a => {
            for r in records(&p, "records")? {
                put_id(&mut out, &r, "id")?;
                put_value(&mut out, field(&r, "value")?, true)?;
            }
        }
        0x04 | 0x07 | 0x10 if all_success => out.push(0),
        0x04 => {
            for r in records(&p, "records")? {
                out.push(status_of(&r, "status")?);
                put_id(&mut out, &r, "id")?;
            }
        }
        0x06 => {
            for r in records(&p, "records")? {
                put_reporting(&mut out, &r)?;
            }
        }
        0x07 => {
            for r in records(&p, "records")? {
                out.push(status_of(&r, "status")?);
                out.push(direction_of(&r)?);
                put_id(&mut out, &r, "id")?;
            }
        }
        0x08 => {
            for r in records(&p, "records")? {
                out.push(direction_of(&r)?);
                put_id(&mut out, &r, "id")?;
            }
        }
        0x09 => {
            for r in records(&p, "records")? {
                let s = status_of(&r, "status")?;
                out.push(s);
                if s == 0 {
                    put_reporting(&mut out, &r)?;
                } else {
                    out.push(direction_of(&r)?);
                    put_id(&mut out, &r, "id")?;
                }
            }
        }
        0x0b => {
            out.push(u8_of(&p, "command_id")?);
            out.push(status_of(&p, "status")?);
        }
        0x0c | 0x15 => {
            put_id(&mut out, &p, "start")?;
            out.push(u8_of(&p, "max_count")?);
        }
        0x11 | 0x13 => {
            out.push(u8_of(&p, "start")?);
            out.push(u8_of(&p, "max_count")?);
        }
        0x0d | 0x16 => {
            out.push(u8_of(&p, "complete")?);
            for r in records(&p, "records")? {
                put_id(&mut out, &r, "id")?;
                out.push(type_of(&r, "type", "type_id")?.0);
                if h.command_id == 0x16 {
                    out.push(u8_of(&r, "access")?);
                }
            }
        }
        0x12 | 0x14 => {
            out.push(u8_of(&p, "complete")?);
            for c in records(&p, "commands")? {
                out.push(u8::try_from(num(&c, "command")?).map_err(|_| bad("command id"))?);
            }
        }
        0x0e => {
            for r in records(&p, "records")? {
                put_id(&mut out, &r, "id")?;
                put_selector(&mut out, &r)?;
            }
        }
        0x0f => {
            for r in records(&p, "records")? {
                put_id(&mut out, &r, "id")?;
                put_selector(&mut out, &r)?;
                put_value(&mut out, field(&r, "value")?, true)?;
            }
        }
        0x10 => {
            for r in records(&p, "records")? {
                out.push(status_of(&r, "status")?);
                put_id(&mut out, &r, "id")?;
                put_selector(&mut out, &r)?;
            }
        }
        _ => return Err(bad("unknown global command: give `payload_hex`")),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(cluster: u16) -> ZclCtx {
        ZclCtx {
            cluster,
            profile: None,
            manufacturer: None,
        }
    }

    /// Every ZCL vector of the zcl-se crate: decode to JSON, encode back to
    /// the same bytes.
    #[test]
    fn vectors_round_trip_through_json() {
        let text = include_str!("../../../zcl-se/tests/vectors/zcl.jsonl");
        for line in text.lines() {
            let v: Json = serde_json::from_str(line).unwrap();
            let bytes = parse_hex(v["zcl_hex"].as_str().unwrap()).unwrap();
            let c = ctx(u16::try_from(v["cluster"].as_u64().unwrap()).unwrap());
            let j = decode_zcl(&c, &bytes).unwrap().remove(0);
            let again = encode_zcl(&c, &j).unwrap();
            assert_eq!(again, bytes, "{j}");
        }
    }

    #[test]
    fn names_in_json() {
        let bytes = parse_hex("181601000000e2804c1b2e0100001803").unwrap();
        let j = decode_zcl(&ctx(0x000a), &bytes).unwrap().remove(0);
        assert_eq!(j["cluster_name"], "Time");
        assert_eq!(j["command"], "read_attributes_response");
        assert_eq!(j["payload"]["records"][0]["name"], "Time");
        assert_eq!(
            j["payload"]["records"][0]["value"]["iso"],
            "2024-07-06T00:29:52Z"
        );
        assert_eq!(j["payload"]["records"][1]["name"], "TimeStatus");
        let n = decode_zcl_payload(0x0109, 0x000a, &bytes[..5]);
        assert!(n["error"].as_str().unwrap().contains("byte 5"), "{n}");
    }

    #[test]
    fn every_type_through_json() {
        // A Write Attributes frame carrying a structure of many types.
        let hex = "00010200004c0f00100120ff292efb39000080bf42026869e2804c1b2ef0010203040506\
                   0708e00c1e0000e17c0c1d07482102000100020038003c1805e80207f10011223344556677\
                   8899aabbccddeeff4c0000";
        let bytes = parse_hex(hex).unwrap();
        let j = decode_zcl(&ctx(0x0000), &bytes).unwrap().remove(0);
        assert_eq!(encode_zcl(&ctx(0x0000), &j).unwrap(), bytes, "{j}");
    }
}
