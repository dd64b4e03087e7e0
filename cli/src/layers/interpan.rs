//! `dualp decode interpan` / `dualp encode interpan`: Smart Energy Inter-PAN
//! frames (crate dual-protocol-stub-aps): MAC header with Inter-PAN
//! addressing, stub NWK frame control, stub APS header, and the ZCL frame
//! decoded by the `zcl` layer.
//!
//! JSON form: `mac` (frame control, sequence, PAN ids, addresses), `stub_nwk`,
//! `stub_aps` (frame control and its fields, group, cluster, profile),
//! `payload_hex` (the bytes after the stub APS header as on air), then for a
//! clear frame `zcl`; for a secured one `secured`: the Ember / SE 1.4a
//! auxiliary header, or the fields of the Dual Protocol extension
//! (`docs/stub-aps-security.md`), with `plaintext_hex` and `zcl` when
//! `--key` opens it (a broadcast's ZCL is clear and always shown). `fcs`
//! with `--fcs`. Encoding rebuilds the headers from their fields and the
//! ZCL frame from `zcl` (or, for secured frames and ZCL the zcl layer
//! cannot rebuild, from `payload_hex`, re-emitted as received).

use crate::common::{CliError, json_hex, parse_hex, parse_u16, to_hex};
use crate::layers::zcl::{ZclCtx, decode_zcl_payload, encode_zcl};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_stub_aps::frame::{
    DeliveryMode, Destination, InterPanFrame, InterPanMac, StubApsFrameControl, StubApsHeader,
    StubNwkFrameControl,
};
use dual_protocol_stub_aps::published::{self, PublishedOptions, SecuredPayload};
use dual_protocol_stub_aps::secure::wire::{Body, DpPayload, Kind, is_extension};
use dual_protocol_stub_aps::secure::{self as dp};
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::mac::{FrameControl, MacContext};
use dual_protocol_zigbee_nwk::security::ZigbeeKey;
use serde_json::{Map, Value, json};

/// Context options of the `interpan` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct InterpanCtx {
    /// The frame ends with its 2-byte FCS (CRC-16/KERMIT): decode checks it, encode appends it.
    #[arg(long)]
    pub fcs: bool,
    /// Key (16 bytes hex) that opens secured frames: the link key for the
    /// Ember / SE 1.4a forms, the pairwise key for the extension's unicasts.
    #[arg(long, value_name = "HEX")]
    pub key: Option<String>,
    /// Ember / SE 1.4a: the two stub NWK octets are part of the CCM* a-data.
    #[arg(long)]
    pub nwk_in_aad: bool,
    /// Report a failed MIC in the output instead of failing (exit 0).
    #[arg(long)]
    pub no_verify: bool,
}

fn bad(msg: impl Into<String>) -> CliError {
    CliError::BadInput(msg.into())
}

fn hex16(v: u16) -> Value {
    json!(format!("0x{v:04x}"))
}

fn eui_hex(e: Eui64) -> String {
    to_hex(&e.0)
}

fn delivery_name(d: DeliveryMode) -> &'static str {
    match d {
        DeliveryMode::Unicast => "unicast",
        DeliveryMode::Reserved => "reserved",
        DeliveryMode::Broadcast => "broadcast",
        DeliveryMode::Group => "group",
    }
}

fn key_of(ctx: &InterpanCtx) -> Result<Option<ZigbeeKey>, CliError> {
    let Some(k) = &ctx.key else {
        return Ok(None);
    };
    let b: [u8; 16] = parse_hex(k)?
        .try_into()
        .map_err(|_| CliError::Usage("--key must be 16 bytes of hex".into()))?;
    ZigbeeKey::new(&b)
        .map(Some)
        .map_err(|e| CliError::Crypto(e.to_string()))
}

/// Decodes `interpan` frames, one JSON object each.
pub fn decode_interpan(ctx: &InterpanCtx, bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let mctx = MacContext { fcs: ctx.fcs };
    let f = InterPanFrame::decode_with(bytes, &mctx)
        .map_err(|e| bad(format!("byte {}: {e}", e.offset())))?;
    let mut m = Map::new();
    m.insert(
        "mac".into(),
        json!({
            "frame_control": hex16(f.mac.frame_control.to_bits()),
            "ack_request": f.mac.frame_control.ack_request,
            "sequence": f.mac.sequence,
            "dst_pan": hex16(f.mac.dst_pan.0),
            "dst": match f.mac.dst {
                Destination::Broadcast => json!("0xffff"),
                Destination::Extended(e) => json!(eui_hex(e)),
            },
            "src_pan": hex16(f.mac.src_pan.0),
            "src": eui_hex(f.mac.src),
        }),
    );
    m.insert(
        "stub_nwk".into(),
        json!({
            "frame_control": hex16(f.nwk.to_bits()),
            "frame_type": "inter_pan",
            "protocol_version": f.nwk.protocol_version,
        }),
    );
    let fc = f.aps.frame_control;
    let mut aps = json!({
        "frame_control": format!("0x{:02x}", fc.to_bits()),
        "frame_type": "inter_pan",
        "delivery": delivery_name(fc.delivery),
        "security": fc.security,
        "ack_request": fc.ack_request,
        "extended_header": fc.extended_header,
        "cluster": hex16(f.aps.cluster),
        "profile": hex16(f.aps.profile),
    });
    if let (Some(g), Some(o)) = (f.aps.group, aps.as_object_mut()) {
        o.insert("group".into(), hex16(g));
    }
    m.insert("stub_aps".into(), aps);
    m.insert("payload_hex".into(), json!(to_hex(f.payload)));
    if fc.security {
        m.insert("secured".into(), secured_json(ctx, &f, bytes)?);
    } else {
        m.insert(
            "zcl".into(),
            decode_zcl_payload(f.aps.profile, f.aps.cluster, f.payload),
        );
    }
    if ctx.fcs {
        let n = bytes.len();
        let fcs = u16::from_le_bytes([
            bytes.get(n.wrapping_sub(2)).copied().unwrap_or(0),
            bytes.last().copied().unwrap_or(0),
        ]);
        m.insert("fcs".into(), hex16(fcs));
    }
    Ok(vec![Value::Object(m)])
}

fn secured_json(ctx: &InterpanCtx, f: &InterPanFrame<'_>, bytes: &[u8]) -> Result<Value, CliError> {
    let l = f.layout();
    let frame_len = l.end;
    let key = key_of(ctx)?;
    if is_extension(f.payload) {
        let d = DpPayload::decode(f.payload, l.payload)
            .map_err(|e| bad(format!("byte {}: {e}", e.offset())))?;
        let kind = match d.kind {
            Kind::Data => "data",
            Kind::Broadcast => "broadcast",
            Kind::Disclosure => "disclosure",
            Kind::Announcement => "announcement",
            Kind::PairRequest => "pair_request",
            Kind::PairResponse => "pair_response",
        };
        let mut m = Map::new();
        m.insert("form".into(), json!("dual_protocol"));
        m.insert("kind".into(), json!(kind));
        m.insert("security_level".into(), json!(d.kind.level()));
        m.insert("key_version".into(), json!(d.key_version));
        m.insert("frame_counter".into(), json!(d.frame_counter));
        match d.body {
            Body::Sealed { ciphertext, mic } => {
                m.insert("ciphertext_hex".into(), json!(to_hex(ciphertext)));
                m.insert("mic_hex".into(), json!(to_hex(&mic)));
                if let Some(k) = &key {
                    let mut buf = bytes.get(..frame_len).unwrap_or(&[]).to_vec();
                    match dp::open_pairwise(
                        &mut buf,
                        k,
                        d.key_version,
                        &mut ReplayWindow::<2>::new(),
                    ) {
                        Ok(o) => {
                            let pt = buf.get(o.plaintext).unwrap_or(&[]);
                            m.insert("plaintext_hex".into(), json!(to_hex(pt)));
                            if d.kind == Kind::Data {
                                m.insert(
                                    "zcl".into(),
                                    decode_zcl_payload(f.aps.profile, f.aps.cluster, pt),
                                );
                            }
                        }
                        Err(e) if ctx.no_verify => {
                            m.insert("verify_error".into(), json!(e.to_string()));
                        }
                        Err(e) => return Err(CliError::Crypto(e.to_string())),
                    }
                }
            }
            Body::Broadcast {
                epoch,
                interval,
                payload,
                mac,
            } => {
                m.insert("epoch".into(), json!(epoch));
                m.insert("interval".into(), json!(interval));
                m.insert("mac_hex".into(), json!(to_hex(&mac)));
                m.insert(
                    "zcl".into(),
                    decode_zcl_payload(f.aps.profile, f.aps.cluster, payload),
                );
                m.insert(
                    "note".into(),
                    json!("TESLA MAC: verifiable only with the key disclosed later"),
                );
            }
            Body::Disclosure {
                epoch,
                interval,
                key,
            } => {
                m.insert("epoch".into(), json!(epoch));
                m.insert("interval".into(), json!(interval));
                m.insert("key_hex".into(), json!(to_hex(&key)));
            }
            Body::Announcement(a) => {
                m.insert("epoch".into(), json!(a.epoch));
                m.insert("start_s".into(), json!(a.start_s));
                m.insert("interval_ms".into(), json!(a.interval_ms));
                m.insert("length".into(), json!(a.length));
                m.insert("delay".into(), json!(a.delay));
                m.insert("anchor_hex".into(), json!(to_hex(&a.anchor)));
                m.insert("signature_hex".into(), json!(to_hex(&a.signature)));
            }
        }
        return Ok(Value::Object(m));
    }
    let opts = PublishedOptions {
        nwk_in_aad: ctx.nwk_in_aad,
        ..PublishedOptions::EMBER
    };
    let sp = SecuredPayload::decode(f.payload, &opts, l.payload)
        .map_err(|e| bad(format!("byte {}: {e}", e.offset())))?;
    let mut m = Map::new();
    m.insert(
        "form".into(),
        json!(if sp.aux.source.is_some() {
            "zigbee_aux_extended_nonce"
        } else {
            "zigbee_aux"
        }),
    );
    m.insert(
        "security_control".into(),
        json!(format!("0x{:02x}", sp.aux.security_control())),
    );
    m.insert("frame_counter".into(), json!(sp.aux.frame_counter));
    if let Some(s) = sp.aux.source {
        m.insert("source".into(), json!(eui_hex(s)));
    }
    m.insert("ciphertext_hex".into(), json!(to_hex(sp.ciphertext)));
    m.insert("mic_hex".into(), json!(to_hex(sp.mic)));
    if let Some(k) = &key {
        let mut buf = bytes.get(..frame_len).unwrap_or(&[]).to_vec();
        match published::open(&mut buf, k, &opts, &mut ReplayWindow::<2>::new()) {
            Ok(o) => {
                let pt = buf.get(o.plaintext).unwrap_or(&[]);
                m.insert("plaintext_hex".into(), json!(to_hex(pt)));
                m.insert(
                    "zcl".into(),
                    decode_zcl_payload(f.aps.profile, f.aps.cluster, pt),
                );
            }
            Err(e) if ctx.no_verify => {
                m.insert("verify_error".into(), json!(e.to_string()));
            }
            Err(e) => return Err(CliError::Crypto(e.to_string())),
        }
    }
    Ok(Value::Object(m))
}

fn field<'a>(v: &'a Value, key: &str) -> Result<&'a Value, CliError> {
    v.get(key).ok_or_else(|| bad(format!("missing `{key}`")))
}

fn num16(v: &Value, key: &str) -> Result<u16, CliError> {
    match field(v, key)? {
        Value::String(s) => parse_u16(s).map_err(bad),
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .ok_or_else(|| bad(format!("`{key}` does not fit 16 bits"))),
        _ => Err(bad(format!("`{key}` must be a number"))),
    }
}

fn eui_of(v: &Value, key: &str) -> Result<Eui64, CliError> {
    let b: [u8; 8] = json_hex(v, key)?
        .try_into()
        .map_err(|_| bad(format!("`{key}` must be 8 bytes")))?;
    Ok(Eui64(b))
}

/// Encodes one `interpan` frame from its JSON form.
pub fn encode_interpan(ctx: &InterpanCtx, j: &Value) -> Result<Vec<u8>, CliError> {
    let mac = field(j, "mac")?;
    let frame_control =
        FrameControl::from_bits(num16(mac, "frame_control")?).map_err(|e| bad(e.to_string()))?;
    let dst = match field(mac, "dst")?.as_str() {
        Some("0xffff") => Destination::Broadcast,
        _ => Destination::Extended(eui_of(mac, "dst")?),
    };
    let sequence = u8::try_from(num16(mac, "sequence")?).map_err(|_| bad("`sequence` > 255"))?;
    let m = InterPanMac {
        frame_control,
        sequence,
        dst_pan: PanId(num16(mac, "dst_pan")?),
        dst,
        src_pan: PanId(num16(mac, "src_pan")?),
        src: eui_of(mac, "src")?,
    };
    let nwk = StubNwkFrameControl::from_bits(num16(field(j, "stub_nwk")?, "frame_control")?, 0)
        .map_err(|e| bad(e.to_string()))?;
    let a = field(j, "stub_aps")?;
    let afc =
        u8::try_from(num16(a, "frame_control")?).map_err(|_| bad("APS frame control > 0xff"))?;
    let frame_control = StubApsFrameControl::from_bits(afc, 0).map_err(|e| bad(e.to_string()))?;
    let group = match a.get("group") {
        Some(_) => Some(num16(a, "group")?),
        None => None,
    };
    let aps = StubApsHeader {
        frame_control,
        group,
        cluster: num16(a, "cluster")?,
        profile: num16(a, "profile")?,
    };
    let zcl_ok = j
        .get("zcl")
        .filter(|z| z.is_object() && z.get("error").is_none() && !frame_control.security);
    let payload = match zcl_ok {
        Some(z) => {
            let zctx = ZclCtx {
                cluster: aps.cluster,
                profile: Some(aps.profile),
                manufacturer: None,
            };
            encode_zcl(&zctx, z)?
        }
        None => json_hex(j, "payload_hex")?,
    };
    let f = InterPanFrame {
        mac: m,
        nwk,
        aps,
        payload: &payload,
    };
    f.encode_to_vec_with(&MacContext { fcs: ctx.fcs })
        .map_err(|e| bad(e.to_string()))
}
