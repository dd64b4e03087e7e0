//! `dualp` layer for GRIP (crate dual-protocol-grip, docs/grip.md): a
//! stream of frames, one JSON object per frame; `encode` rebuilds each frame
//! from its decoded fields.

use crate::common::{CliError, json_hex, json_u64, to_hex};
use dual_protocol_grip::frame::{
    Capabilities, Chunk, Close, CloseReason, Credit, Features, Frame, GoAway, GoAwayCode, Hello,
    MAX_FRAME_LIMIT, Message, Priority, Resume, SessionId, Welcome,
};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor, PayloadKind, ZclAddressing};
use serde_json::{Map, Value, json};

/// Context options of the `grip` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GripCtx {
    /// Largest frame accepted while decoding (default: the protocol maximum).
    #[arg(long, value_parser = crate::common::parse_number)]
    pub max_frame: Option<u64>,
}

fn priority_name(p: Priority) -> &'static str {
    match p {
        Priority::Critical => "critical",
        Priority::High => "high",
        Priority::Normal => "normal",
        Priority::Bulk => "bulk",
    }
}

fn device_json(d: &HanDevice) -> Value {
    match d {
        HanDevice::Hub => json!("hub"),
        HanDevice::Device(e) => json!(e.to_string()),
    }
}

fn descriptor_json(d: &PayloadDescriptor) -> Value {
    let (kind, zcl) = match d.kind {
        PayloadKind::DlmsApdu => ("dlms_apdu", None),
        PayloadKind::ZclFrame(z) => ("zcl_frame", Some(z)),
        PayloadKind::HubManagement => ("hub_management", None),
        PayloadKind::EndToEndProtected => ("end_to_end_protected", None),
        _ => ("unknown", None),
    };
    let mut m = Map::new();
    m.insert("kind".into(), json!(kind));
    m.insert("kind_code".into(), json!(d.kind.code()));
    m.insert("device".into(), device_json(&d.device));
    if let Some(z) = zcl {
        m.insert(
            "zcl".into(),
            json!({"profile": z.profile, "cluster": z.cluster, "src_endpoint": z.src_endpoint, "dst_endpoint": z.dst_endpoint}),
        );
    }
    Value::Object(m)
}

fn caps_json(c: &Capabilities<'_>) -> Value {
    json!({
        "max_frame": c.max_frame,
        "keepalive_secs": c.keepalive_secs,
        "initial_window": c.initial_window,
        "max_devices": c.max_devices,
        "features": c.features.map(|f| f.0),
        "resume": c.resume.map(|r| json!({"session": to_hex(&r.session.0), "last_received": r.last_received})),
        "extensions": to_hex(c.extensions),
    })
}

fn close_name(r: CloseReason) -> &'static str {
    match r {
        CloseReason::Normal => "normal",
        CloseReason::Malformed => "malformed",
        CloseReason::FrameTooLarge => "frame_too_large",
        CloseReason::UnknownFrameType => "unknown_frame_type",
        CloseReason::UnsupportedVersion => "unsupported_version",
        CloseReason::UnexpectedFrame => "unexpected_frame",
        CloseReason::SequenceGap => "sequence_gap",
        CloseReason::AckUnknown => "ack_unknown",
        CloseReason::CreditViolation => "credit_violation",
        CloseReason::IdentityMismatch => "identity_mismatch",
        CloseReason::IdleTimeout => "idle_timeout",
        CloseReason::ResourceExhausted => "resource_exhausted",
        CloseReason::NotNegotiated => "not_negotiated",
        CloseReason::ProtocolError => "protocol_error",
        _ => "unknown",
    }
}

fn frame_json(f: &Frame<'_>, offset: usize, len: usize) -> Value {
    let ty: u8 = f.frame_type().into();
    let mut v = match f {
        Frame::Hello(h) => {
            json!({"frame": "hello", "min_version": h.min_version, "max_version": h.max_version, "caps": caps_json(&h.caps)})
        }
        Frame::Welcome(w) => {
            json!({"frame": "welcome", "version": w.version, "resumed": w.resumed, "session": to_hex(&w.session.0), "last_received": w.last_received, "caps": caps_json(&w.caps)})
        }
        Frame::Ack { last_received } => json!({"frame": "ack", "last_received": last_received}),
        Frame::Ping(d) => json!({"frame": "ping", "data": to_hex(d)}),
        Frame::Pong(d) => json!({"frame": "pong", "data": to_hex(d)}),
        Frame::GoAway(g) => {
            let code: u8 = g.code.into();
            let name = match g.code {
                GoAwayCode::Shutdown => "shutdown",
                GoAwayCode::IdsExhausted => "ids_exhausted",
                _ => "unknown",
            };
            json!({"frame": "goaway", "last_received": g.last_received, "code": name, "code_value": code})
        }
        Frame::Close(c) => {
            let code: u8 = c.reason.into();
            json!({"frame": "close", "reason": close_name(c.reason), "reason_value": code, "detail": c.detail})
        }
        Frame::Message(m) => {
            json!({"frame": "message", "id": m.id, "priority": priority_name(m.priority), "dup": m.dup, "reply_to": m.reply_to, "descriptor": descriptor_json(&m.descriptor), "payload": to_hex(m.payload)})
        }
        Frame::Chunk(c) => {
            json!({"frame": "chunk", "id": c.id, "priority": priority_name(c.priority), "dup": c.dup, "transfer": c.transfer, "total": c.total, "offset": c.offset, "last": c.is_last(), "descriptor": descriptor_json(&c.descriptor), "data": to_hex(c.data)})
        }
        Frame::Credit(c) => {
            json!({"frame": "credit", "id": c.id, "dup": c.dup, "device": device_json(&c.device), "released": c.released, "window_change": c.window_change})
        }
        Frame::Unknown { body, .. } => json!({"frame": "unknown", "body": to_hex(body)}),
        _ => json!({"frame": "unknown"}),
    };
    if let Value::Object(m) = &mut v {
        m.insert("type".into(), json!(ty));
        m.insert("stream_offset".into(), json!(offset));
        m.insert("length".into(), json!(len));
    }
    v
}

/// Decodes a GRIP byte stream, one JSON object per frame.
pub fn decode_grip(ctx: &GripCtx, bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let max = ctx.max_frame.map_or(MAX_FRAME_LIMIT, |m| {
        usize::try_from(m).unwrap_or(usize::MAX)
    });
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = bytes.get(at..).unwrap_or_default();
        match Frame::decode_prefix(rest, max) {
            Ok(Some((f, used))) => {
                out.push(frame_json(&f, at, used));
                at += used;
            }
            Ok(None) => {
                return Err(CliError::BadInput(format!(
                    "frame at stream offset {at} truncated: {} octets present",
                    rest.len()
                )));
            }
            Err(e) => {
                return Err(CliError::BadInput(format!(
                    "frame at stream offset {at}: {e}"
                )));
            }
        }
    }
    Ok(out)
}

fn bad(msg: impl Into<String>) -> CliError {
    CliError::BadInput(msg.into())
}

fn num<T: TryFrom<u64>>(v: &Value, key: &str) -> Result<T, CliError> {
    T::try_from(json_u64(v, key)?).map_err(|_| bad(format!("field `{key}` out of range")))
}

fn opt_num<T: TryFrom<u64>>(v: &Value, key: &str) -> Result<Option<T>, CliError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => num(v, key).map(Some),
    }
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn priority(v: &Value) -> Result<Priority, CliError> {
    Ok(match v.get("priority").and_then(Value::as_str) {
        Some("critical") => Priority::Critical,
        Some("high") => Priority::High,
        Some("normal") | None => Priority::Normal,
        Some("bulk") => Priority::Bulk,
        Some(o) => return Err(bad(format!("unknown priority `{o}`"))),
    })
}

fn device(v: Option<&Value>) -> Result<HanDevice, CliError> {
    match v.and_then(Value::as_str) {
        Some("hub") | None => Ok(HanDevice::Hub),
        Some(s) => s
            .parse::<Eui64>()
            .map(HanDevice::Device)
            .map_err(|_| bad(format!("bad EUI-64 `{s}`"))),
    }
}

fn descriptor(v: &Value) -> Result<PayloadDescriptor, CliError> {
    let d = v
        .get("descriptor")
        .ok_or_else(|| bad("missing `descriptor`"))?;
    let code: u8 = num(d, "kind_code")?;
    let kind = match code {
        1 => PayloadKind::DlmsApdu,
        2 => {
            let z = d
                .get("zcl")
                .ok_or_else(|| bad("missing `descriptor.zcl`"))?;
            PayloadKind::ZclFrame(ZclAddressing {
                profile: num(z, "profile")?,
                cluster: num(z, "cluster")?,
                src_endpoint: num(z, "src_endpoint")?,
                dst_endpoint: num(z, "dst_endpoint")?,
            })
        }
        3 => PayloadKind::HubManagement,
        4 => PayloadKind::EndToEndProtected,
        c => PayloadKind::Unknown(c),
    };
    Ok(PayloadDescriptor {
        kind,
        device: device(d.get("device"))?,
    })
}

fn array<const N: usize>(v: &Value, key: &str) -> Result<[u8; N], CliError> {
    json_hex(v, key)?
        .try_into()
        .map_err(|_| bad(format!("field `{key}` must be {N} octets")))
}

struct CapsOwned {
    caps: Capabilities<'static>,
    ext: Vec<u8>,
}

fn caps(v: &Value) -> Result<CapsOwned, CliError> {
    let c = v.get("caps").cloned().unwrap_or(Value::Null);
    let resume = match c.get("resume") {
        None | Some(Value::Null) => None,
        Some(r) => Some(Resume {
            session: SessionId(array(r, "session")?),
            last_received: num(r, "last_received")?,
        }),
    };
    let ext = match c.get("extensions") {
        Some(Value::String(_)) => json_hex(&c, "extensions")?,
        _ => Vec::new(),
    };
    Ok(CapsOwned {
        caps: Capabilities {
            max_frame: opt_num(&c, "max_frame")?,
            keepalive_secs: opt_num(&c, "keepalive_secs")?,
            initial_window: opt_num(&c, "initial_window")?,
            max_devices: opt_num(&c, "max_devices")?,
            features: opt_num::<u32>(&c, "features")?.map(Features),
            resume,
            extensions: &[],
        },
        ext,
    })
}

/// Encodes one GRIP frame from its JSON form (as `decode` prints it).
pub fn encode_grip(_ctx: &GripCtx, v: &Value) -> Result<Vec<u8>, CliError> {
    let kind = v
        .get("frame")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("missing `frame`"))?;
    let (payload, caps_owned);
    let frame = match kind {
        "hello" => {
            caps_owned = caps(v)?;
            Frame::Hello(Hello {
                min_version: num(v, "min_version")?,
                max_version: num(v, "max_version")?,
                caps: Capabilities {
                    extensions: &caps_owned.ext,
                    ..caps_owned.caps
                },
            })
        }
        "welcome" => {
            caps_owned = caps(v)?;
            Frame::Welcome(Welcome {
                version: num(v, "version")?,
                resumed: flag(v, "resumed"),
                session: SessionId(array(v, "session")?),
                last_received: num(v, "last_received")?,
                caps: Capabilities {
                    extensions: &caps_owned.ext,
                    ..caps_owned.caps
                },
            })
        }
        "ack" => Frame::Ack {
            last_received: num(v, "last_received")?,
        },
        "ping" => Frame::Ping(array(v, "data")?),
        "pong" => Frame::Pong(array(v, "data")?),
        "goaway" => Frame::GoAway(GoAway {
            last_received: num(v, "last_received")?,
            code: GoAwayCode::from(num::<u8>(v, "code_value")?),
        }),
        "close" => Frame::Close(Close {
            reason: CloseReason::from(num::<u8>(v, "reason_value")?),
            detail: num(v, "detail")?,
        }),
        "message" => {
            payload = json_hex(v, "payload")?;
            Frame::Message(Message {
                id: num(v, "id")?,
                priority: priority(v)?,
                dup: flag(v, "dup"),
                reply_to: opt_num(v, "reply_to")?,
                descriptor: descriptor(v)?,
                payload: &payload,
            })
        }
        "chunk" => {
            payload = json_hex(v, "data")?;
            Frame::Chunk(Chunk {
                id: num(v, "id")?,
                priority: priority(v)?,
                dup: flag(v, "dup"),
                transfer: num(v, "transfer")?,
                total: num(v, "total")?,
                offset: num(v, "offset")?,
                descriptor: descriptor(v)?,
                data: &payload,
            })
        }
        "credit" => {
            let w = v
                .get("window_change")
                .and_then(Value::as_i64)
                .and_then(|w| i16::try_from(w).ok())
                .ok_or_else(|| bad("field `window_change` must be a 16-bit signed integer"))?;
            Frame::Credit(Credit {
                id: num(v, "id")?,
                dup: flag(v, "dup"),
                device: device(v.get("device"))?,
                released: num(v, "released")?,
                window_change: w,
            })
        }
        "unknown" => {
            payload = json_hex(v, "body")?;
            Frame::Unknown {
                frame_type: num(v, "type")?,
                body: &payload,
            }
        }
        o => return Err(bad(format!("unknown frame `{o}`"))),
    };
    frame.encode_to_vec().map_err(CliError::bad)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    /// The examples of docs/grip.md §12, concatenated as one stream.
    const STREAM: &str = "0100001a010101040000400402020078030200040402000c050400000001\
        0200002e010000112233445566778899aabbccddeeff000000000104000100040202003c030200040402000c050400000001\
        1000001b000000010105000d6f0000000001c001c100030100010800ff0200\
        10000025000000070a0000000109000d6f000000000101090702010118010100000025102700000000\
        110000220000000c0700000001000400000000000011000d6f00000000020beef11e00010038\
        12000014000000030001000d6f000000000200000001fffd\
        0300000400000007040000080102030405060708050000080102030405060708\
        060000050000002a00070000050600000009";

    #[test]
    fn stream_round_trip() {
        let bytes = crate::common::parse_hex(STREAM).unwrap();
        let frames = decode_grip(&GripCtx::default(), &bytes).unwrap();
        assert_eq!(frames.len(), 11);
        let mut again = Vec::new();
        for f in &frames {
            again.extend(encode_grip(&GripCtx::default(), f).unwrap());
        }
        assert_eq!(again, bytes);
        assert_eq!(frames[2]["descriptor"]["device"], "00:0d:6f:00:00:00:00:01");
    }

    #[test]
    fn errors_name_the_offset() {
        let bytes = crate::common::parse_hex("0300000400000007 030000").unwrap();
        let e = decode_grip(&GripCtx::default(), &bytes).unwrap_err();
        assert!(e.to_string().contains("offset 8"), "{e}");
    }
}
