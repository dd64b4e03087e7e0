//! `dualp` layer for the Digital Envelope (crate
//! `dual-protocol-digital-envelope`, spec `docs/digital-envelope.md`), and
//! the test-CA tools the `dualp ca ...` subcommands call
//! ([`ca_new`], [`ca_issue`], [`ca_inspect`], [`key_new`]).
//!
//! Keys: private keys are PEM (PKCS#8, or SEC1 "EC PRIVATE KEY") or a hex
//! scalar; compact certificates are hex text or raw 164-byte files.

use std::path::{Path, PathBuf};

use dual_protocol_digital_envelope::certificate::{
    Certificate, KeyUsage, NoRevocation, Role, TbsCertificate, TrustAnchor, verify_chain,
};
use dual_protocol_digital_envelope::reliability;
use dual_protocol_digital_envelope::{
    Envelope, Header, MessageType, PeerConfig, PeerContext, Protection,
};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::datetime::UtcDateTime;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor, PayloadKind};
use serde_json::{Map, Value, json};

use crate::common::{CliError, json_hex, json_u64, parse_hex, to_hex};

type SigningKey = <RustCrypto as CryptoProvider>::P256SigningKey;

/// Context options of the `envelope` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EnvelopeCtx {
    /// Our own identifier (the recipient), e.g. 90:b1:1c:00:00:00:00:01.
    #[arg(long, value_name = "EUI64")]
    pub local: Option<String>,
    /// Our key-agreement private key (PEM, or a hex scalar), to open AEAD envelopes.
    #[arg(long, value_name = "FILE")]
    pub local_key: Option<PathBuf>,
    /// The sender's key-agreement certificate (compact, hex or raw).
    #[arg(long, value_name = "FILE")]
    pub peer_cert: Option<PathBuf>,
    /// The sender's signing certificate (compact), to verify signed envelopes.
    #[arg(long, value_name = "FILE")]
    pub peer_signing_cert: Option<PathBuf>,
    /// The pairwise secret Z as hex, instead of --local-key and --peer-cert.
    #[arg(long, value_name = "HEX")]
    pub z: Option<String>,
    /// CA certificate to verify the peer certificates against (trust anchor).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// UTC time for certificate validity (ISO 8601 or unix seconds; default: now).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Show the envelope without any cryptographic check.
    #[arg(long)]
    pub no_verify: bool,
}

fn eui(s: &str) -> Result<Eui64, CliError> {
    s.parse::<Eui64>()
        .map_err(|_| CliError::Usage(format!("`{s}` is not an EUI-64")))
}

/// Reads a hex-text or raw file.
fn read_bytes(path: &Path) -> Result<Vec<u8>, CliError> {
    let data = std::fs::read(path).map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&data);
    if !data.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c.is_ascii_whitespace() || c == ':' || c == 'x')
    {
        parse_hex(&text)
    } else {
        Ok(data)
    }
}

/// Reads a compact certificate file (hex text or raw bytes).
pub fn read_certificate(path: &Path) -> Result<Certificate, CliError> {
    Certificate::decode(&read_bytes(path)?)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut s = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = (n >> (18 - 6 * i)) & 63;
                s.push(char::from(B64.get(idx as usize).copied().unwrap_or(b'A')));
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn base64_decode(text: &str) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = B64.iter().position(|x| *x == c).ok_or_else(|| {
            CliError::BadInput(format!("invalid base64 character {:?}", c as char))
        })?;
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

/// PKCS#8 prefix for a P-256 key holding a minimal SEC1 ECPrivateKey
/// (RFC 5208, RFC 5915; id-ecPublicKey, prime256v1).
const PKCS8_P256_PREFIX: [u8; 36] = [
    0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01,
    0x01, 0x04, 0x20, 0x00,
];

/// A private key as PKCS#8 PEM.
pub fn private_key_pem(key: &SigningKey) -> String {
    let scalar = RustCrypto.p256_private_scalar(key);
    let mut der = PKCS8_P256_PREFIX[..35].to_vec();
    der.extend_from_slice(scalar.expose());
    let b64 = base64_encode(&der);
    let mut s = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(line));
        s.push('\n');
    }
    s.push_str("-----END PRIVATE KEY-----\n");
    s
}

/// Reads a P-256 private key: PEM (PKCS#8 or SEC1; the ECPrivateKey's
/// `version 1, OCTET STRING (32)` is located in the DER) or a hex scalar.
pub fn read_private_key(path: &Path) -> Result<SigningKey, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Io(format!("{}: {e}", path.display())))?;
    let scalar: Vec<u8> = if text.contains("-----BEGIN") {
        let body: String = text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .join("");
        let der = base64_decode(&body)?;
        let marker = [0x02, 0x01, 0x01, 0x04, 0x20];
        let at = der
            .windows(marker.len())
            .position(|w| w == marker)
            .ok_or_else(|| {
                CliError::BadInput(format!("{}: not a P-256 EC private key", path.display()))
            })?;
        der.get(at + 5..at + 37)
            .ok_or_else(|| {
                CliError::BadInput(format!("{}: truncated private key", path.display()))
            })?
            .to_vec()
    } else {
        parse_hex(&text)?
    };
    let scalar: [u8; 32] = scalar.try_into().map_err(|_| {
        CliError::BadInput(format!("{}: a P-256 scalar is 32 bytes", path.display()))
    })?;
    RustCrypto
        .p256_signing_key(&scalar)
        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))
}

/// Parses a UTC time: ISO 8601 `YYYY-MM-DDTHH:MM:SSZ` or unix seconds.
pub fn parse_time(s: &str) -> Result<UtcDateTime, CliError> {
    let bad = || CliError::Usage(format!("`{s}` is not YYYY-MM-DDTHH:MM:SSZ or unix seconds"));
    if let Ok(t) = s.parse::<i64>() {
        return UtcDateTime::from_unix_seconds(t).map_err(|_| bad());
    }
    let t = s.trim_end_matches('Z');
    let (date, time) = t.split_once('T').unwrap_or((t, "00:00:00"));
    let d: Vec<&str> = date.split('-').collect();
    let h: Vec<&str> = time.split(':').collect();
    let num = |v: Option<&&str>| v.and_then(|x| x.parse::<u16>().ok()).ok_or_else(bad);
    let byte =
        |v: Option<&&str>| -> Result<u8, CliError> { u8::try_from(num(v)?).map_err(|_| bad()) };
    UtcDateTime::new(
        num(d.first())?,
        byte(d.get(1))?,
        byte(d.get(2))?,
        byte(h.first())?,
        byte(h.get(1))?,
        byte(h.get(2))?,
    )
    .map_err(|_| bad())
}

fn now_or(s: Option<&String>) -> Result<UtcDateTime, CliError> {
    match s {
        Some(s) => parse_time(s),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| CliError::Io(e.to_string()))?
                .as_secs();
            UtcDateTime::from_unix_seconds(i64::try_from(secs).unwrap_or(i64::MAX))
                .map_err(|e| CliError::Io(format!("system time: {e}")))
        }
    }
}

fn role_name(r: Role) -> Value {
    let name = match r {
        Role::Hub => "hub",
        Role::HanDevice => "han_device",
        Role::HeadEnd => "head_end",
        Role::CertificateAuthority => "certificate_authority",
        _ => "unknown",
    };
    json!({ "name": name, "value": r.code() })
}

fn usage_name(u: KeyUsage) -> Value {
    let name = match u {
        KeyUsage::KeyAgreement => "key_agreement",
        KeyUsage::DigitalSignature => "digital_signature",
        KeyUsage::CertificateSigning => "certificate_signing",
        _ => "unknown",
    };
    json!({ "name": name, "value": u.code() })
}

fn time_json(t: u32) -> Value {
    let iso = UtcDateTime::from_unix_seconds(i64::from(t))
        .map(|d| d.to_string())
        .unwrap_or_default();
    json!({ "unix_seconds": t, "iso8601": iso })
}

/// A compact certificate as JSON.
pub fn certificate_json(c: &Certificate) -> Value {
    json!({
        "format": 1,
        "serial": c.tbs.serial,
        "issuer": c.tbs.issuer.to_string(),
        "subject": c.tbs.subject.to_string(),
        "role": role_name(c.tbs.role),
        "key_usage": usage_name(c.tbs.key_usage),
        "not_before": time_json(c.tbs.not_before),
        "not_after": time_json(c.tbs.not_after),
        "public_key": to_hex(&c.tbs.public_key),
        "signature": to_hex(&c.signature),
    })
}

fn type_json(t: MessageType) -> Value {
    let name = match t {
        MessageType::Data => "data",
        MessageType::KeyUpdate => "key_update",
        MessageType::KeyUpdateAck => "key_update_ack",
        t if t == reliability::ACK => "ack",
        t if t == reliability::ECHO_CHALLENGE => "echo_challenge",
        t if t == reliability::ECHO_RESPONSE => "echo_response",
        t if t == reliability::TIME_REQUEST => "time_request",
        t if t == reliability::TIME_RESPONSE => "time_response",
        MessageType::Reliability(_) => "reliability",
        _ => "unknown",
    };
    json!({ "name": name, "value": t.code() })
}

fn protection_name(p: Protection) -> &'static str {
    match p {
        Protection::Aead => "aead",
        Protection::Signed => "signed",
        Protection::SignedAead => "signed_aead",
    }
}

fn descriptor_json(d: &PayloadDescriptor) -> Value {
    let mut m = Map::new();
    let kind = match d.kind {
        PayloadKind::DlmsApdu => "dlms_apdu",
        PayloadKind::ZclFrame(_) => "zcl_frame",
        PayloadKind::HubManagement => "hub_management",
        PayloadKind::EndToEndProtected => "end_to_end_protected",
        _ => "unknown",
    };
    m.insert(
        "kind".into(),
        json!({ "name": kind, "value": d.kind.code() }),
    );
    m.insert(
        "device".into(),
        match d.device {
            HanDevice::Hub => json!("hub"),
            HanDevice::Device(e) => json!(e.to_string()),
        },
    );
    if let PayloadKind::ZclFrame(z) = d.kind {
        m.insert(
            "zcl".into(),
            json!({
                "profile": z.profile, "cluster": z.cluster,
                "src_endpoint": z.src_endpoint, "dst_endpoint": z.dst_endpoint,
            }),
        );
    }
    Value::Object(m)
}

fn header_json(h: &Header) -> Value {
    let mut m = Map::new();
    m.insert("version".into(), json!(1));
    m.insert("message_type".into(), type_json(h.message_type));
    m.insert("flags".into(), json!(h.flags()));
    m.insert("protection".into(), json!(protection_name(h.protection)));
    m.insert("ack_requested".into(), json!(h.ack_requested));
    m.insert("reserved_flags".into(), json!(h.reserved_flags));
    m.insert("sender".into(), json!(h.sender.to_string()));
    m.insert("epoch".into(), json!(h.epoch));
    m.insert("sequence".into(), json!(h.sequence));
    if let Some(d) = &h.descriptor {
        m.insert("descriptor".into(), descriptor_json(d));
    }
    Value::Object(m)
}

/// Decodes one datagram; with keys, authenticates it and shows the
/// plaintext (exit status 1 when a check fails, unless --no-verify).
pub fn decode_envelope(ctx: &EnvelopeCtx, bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    let env = Envelope::decode(bytes).map_err(CliError::bad)?;
    let mut m = Map::new();
    m.insert("header".into(), header_json(&env.header));
    m.insert("header_len".into(), json!(env.header_bytes.len()));
    m.insert("body".into(), json!(to_hex(env.body)));
    m.insert("trailer".into(), json!(to_hex(env.trailer)));
    m.insert(
        "overhead".into(),
        json!(
            bytes.len() - env.body.len()
                + if env.header.protection == Protection::SignedAead {
                    64
                } else {
                    0
                }
        ),
    );
    if !ctx.no_verify
        && let Some(v) = verify(ctx, bytes, &env.header)?
    {
        m.insert("verified".into(), json!(true));
        m.extend(v);
    }
    Ok(vec![Value::Object(m)])
}

fn verify(
    ctx: &EnvelopeCtx,
    bytes: &[u8],
    header: &Header,
) -> Result<Option<Map<String, Value>>, CliError> {
    let p = RustCrypto;
    let Some(local) = ctx.local.as_deref().map(eui).transpose()? else {
        return Ok(None);
    };
    let now = now_or(ctx.now.as_ref())?;
    let anchor = match &ctx.ca_cert {
        Some(path) => Some(
            TrustAnchor::<RustCrypto>::from_certificate(&p, &read_certificate(path)?)
                .map_err(|e| CliError::Crypto(format!("CA certificate: {e}")))?,
        ),
        None => None,
    };
    let check = |c: &Certificate, usage: KeyUsage| -> Result<(), CliError> {
        if let Some(a) = &anchor {
            verify_chain(&p, c, &[], a, now, &NoRevocation, usage)
                .map_err(|e| CliError::Crypto(format!("certificate {:#x}: {e}", c.tbs.serial)))?;
        }
        Ok(())
    };
    let z = match (&ctx.z, &ctx.local_key, &ctx.peer_cert) {
        (Some(z), _, _) => {
            let z: [u8; 32] = parse_hex(z)?
                .try_into()
                .map_err(|_| CliError::Usage("--z needs 32 bytes".into()))?;
            Some(dual_protocol_primitives::crypto::SecretBytes::new(z))
        }
        (None, Some(key), Some(cert)) => {
            let cert = read_certificate(cert)?;
            check(&cert, KeyUsage::KeyAgreement)?;
            if cert.tbs.key_usage != KeyUsage::KeyAgreement {
                return Err(CliError::Crypto(
                    "--peer-cert is not a key-agreement certificate".into(),
                ));
            }
            let vk = cert
                .verifying_key(&p)
                .map_err(|e| CliError::Crypto(e.to_string()))?;
            Some(p.p256_ecdh(&read_private_key(key)?, &vk))
        }
        _ => None,
    };
    let z = match z {
        Some(z) => z,
        None if header.protection == Protection::Signed => {
            // SIGNED needs no pairwise key; any stand-in opens the context.
            dual_protocol_primitives::crypto::SecretBytes::new([0; 32])
        }
        None => return Ok(None),
    };
    let config = PeerConfig {
        rx_epoch: header.epoch,
        ..PeerConfig::default()
    };
    let mut c = PeerContext::<RustCrypto>::new(&p, local, header.sender, &z, config)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(path) = &ctx.peer_signing_cert {
        let cert = read_certificate(path)?;
        check(&cert, KeyUsage::DigitalSignature)?;
        let vk = cert
            .verifying_key(&p)
            .map_err(|e| CliError::Crypto(e.to_string()))?;
        c.set_peer_signing_key(&dual_protocol_digital_envelope::VerifiedKey {
            subject: cert.tbs.subject,
            role: cert.tbs.role,
            usage: cert.tbs.key_usage,
            serial: cert.tbs.serial,
            key: vk,
        })
        .map_err(|e| CliError::Crypto(e.to_string()))?;
    } else if header.protection.is_signed() {
        return Err(CliError::Usage(
            "a signed envelope: give --peer-signing-cert (or --no-verify)".into(),
        ));
    }
    let mut buf = bytes.to_vec();
    let o = c
        .unprotect(&p, &mut buf)
        .map_err(|e| CliError::Crypto(e.to_string()))?;
    let mut m = Map::new();
    m.insert("plaintext_hex".into(), json!(to_hex(o.payload)));
    if let Some(s) = o.signature {
        m.insert("signature".into(), json!(to_hex(&s)));
    }
    match o.header.message_type {
        MessageType::KeyUpdate => {
            if let Ok(u) = dual_protocol_digital_envelope::KeyUpdate::decode(o.payload) {
                m.insert(
                    "key_update".into(),
                    json!({
                        "first_epoch": u.first_epoch,
                        "random": to_hex(&u.random),
                        "ephemeral": u.ephemeral.map(|e| to_hex(&e)),
                    }),
                );
            }
        }
        MessageType::KeyUpdateAck => {
            if let Ok(a) = dual_protocol_digital_envelope::KeyUpdateAck::decode(o.payload) {
                m.insert(
                    "key_update_ack".into(),
                    json!({
                        "first_epoch": a.first_epoch,
                        "initiator_random": to_hex(&a.initiator_random),
                        "responder_random": to_hex(&a.responder_random),
                        "ephemeral": a.ephemeral.map(|e| to_hex(&e)),
                    }),
                );
            }
        }
        t => {
            if let Some((name, body)) = reliability_json(t, o.payload) {
                m.insert(name.into(), body);
            }
        }
    }
    Ok(Some(m))
}

/// A counter `epoch << 40 | sequence` (docs 10) with its two parts.
fn counter_json(c: u64) -> Value {
    json!({ "counter": c, "epoch": c >> 40, "sequence": c & 0x00ff_ffff_ffff })
}

/// The decrypted body of a reliability message (docs 10), decoded.
fn reliability_json(t: MessageType, body: &[u8]) -> Option<(&'static str, Value)> {
    let err = |e: dual_protocol_digital_envelope::DecodeError| json!({ "error": e.to_string() });
    Some(if t == reliability::ACK {
        (
            "ack",
            match reliability::Ack::decode(body) {
                Ok(a) => json!({
                    "largest": a.largest,
                    "bitmap": format!("{:#018x}", a.bitmap),
                    "acknowledged": a.counters().map(counter_json).collect::<Vec<_>>(),
                }),
                Err(e) => err(e),
            },
        )
    } else if t == reliability::ECHO_CHALLENGE {
        (
            "echo_challenge",
            match reliability::EchoChallenge::decode(body) {
                Ok(c) => json!({ "echo": to_hex(&c.echo), "floor": counter_json(c.floor) }),
                Err(e) => err(e),
            },
        )
    } else if t == reliability::ECHO_RESPONSE {
        (
            "echo_response",
            match reliability::EchoResponse::decode(body) {
                Ok(r) => json!({
                    "echo": to_hex(&r.echo),
                    "in_flight": r.counters().map(counter_json).collect::<Vec<_>>(),
                }),
                Err(e) => err(e),
            },
        )
    } else if t == reliability::TIME_REQUEST {
        (
            "time_request",
            match reliability::TimeRequest::decode(body) {
                Ok(r) => json!({ "nonce": to_hex(&r.nonce) }),
                Err(e) => err(e),
            },
        )
    } else if t == reliability::TIME_RESPONSE {
        (
            "time_response",
            match reliability::TimeResponse::decode(body) {
                Ok(r) => {
                    let utc = i64::try_from(r.utc_millis / 1000)
                        .ok()
                        .and_then(|s| UtcDateTime::from_unix_seconds(s).ok())
                        .map(|t| t.to_string());
                    json!({
                        "request": counter_json(r.request),
                        "nonce": to_hex(&r.nonce),
                        "utc_millis": r.utc_millis,
                        "utc": utc,
                    })
                }
                Err(e) => err(e),
            },
        )
    } else {
        return None;
    })
}

fn header_from_json(v: &Value) -> Result<Header, CliError> {
    let h = v
        .get("header")
        .ok_or_else(|| CliError::BadInput("missing object `header`".into()))?;
    let small = |k: &str| -> Result<u64, CliError> { json_u64(h, k) };
    let code = |k: &str| -> Result<u8, CliError> {
        let f = h
            .get(k)
            .ok_or_else(|| CliError::BadInput(format!("missing `{k}`")))?;
        u8::try_from(json_u64(f, "value")?).map_err(|_| CliError::BadInput(format!("`{k}` value")))
    };
    let protection = match h.get("protection").and_then(Value::as_str) {
        Some("aead") => Protection::Aead,
        Some("signed") => Protection::Signed,
        Some("signed_aead") => Protection::SignedAead,
        _ => {
            return Err(CliError::BadInput(
                "`protection` must be aead, signed or signed_aead".into(),
            ));
        }
    };
    let sender = h
        .get("sender")
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::BadInput("missing `sender`".into()))?;
    let descriptor = match h.get("descriptor") {
        None | Some(Value::Null) => None,
        Some(d) => {
            let kind_code = {
                let k = d
                    .get("kind")
                    .ok_or_else(|| CliError::BadInput("missing descriptor `kind`".into()))?;
                u8::try_from(json_u64(k, "value")?)
                    .map_err(|_| CliError::BadInput("descriptor kind".into()))?
            };
            let device = match d.get("device").and_then(Value::as_str) {
                Some("hub") | None => HanDevice::Hub,
                Some(s) => HanDevice::Device(
                    eui(s).map_err(|_| CliError::BadInput(format!("device `{s}`")))?,
                ),
            };
            let kind = match kind_code {
                1 => PayloadKind::DlmsApdu,
                2 => {
                    let z = d
                        .get("zcl")
                        .ok_or_else(|| CliError::BadInput("missing descriptor `zcl`".into()))?;
                    let n = |k: &str| json_u64(z, k);
                    PayloadKind::ZclFrame(dual_protocol_primitives::payload::ZclAddressing {
                        profile: u16::try_from(n("profile")?).map_err(CliError::bad)?,
                        cluster: u16::try_from(n("cluster")?).map_err(CliError::bad)?,
                        src_endpoint: u8::try_from(n("src_endpoint")?).map_err(CliError::bad)?,
                        dst_endpoint: u8::try_from(n("dst_endpoint")?).map_err(CliError::bad)?,
                    })
                }
                3 => PayloadKind::HubManagement,
                4 => PayloadKind::EndToEndProtected,
                c => PayloadKind::Unknown(c),
            };
            Some(PayloadDescriptor { kind, device })
        }
    };
    Ok(Header {
        message_type: MessageType::from_code(code("message_type")?),
        protection,
        ack_requested: h
            .get("ack_requested")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        reserved_flags: u8::try_from(small("reserved_flags").unwrap_or(0))
            .map_err(CliError::bad)?,
        sender: eui(sender).map_err(|_| CliError::BadInput(format!("sender `{sender}`")))?,
        epoch: u32::try_from(small("epoch")?).map_err(CliError::bad)?,
        sequence: small("sequence")?,
        descriptor,
    })
}

/// Encodes one datagram from its JSON form (header fields, `body` and
/// `trailer` re-emitted as received).
pub fn encode_envelope(_ctx: &EnvelopeCtx, v: &Value) -> Result<Vec<u8>, CliError> {
    let header = header_from_json(v)?;
    let body = json_hex(v, "body")?;
    let trailer = json_hex(v, "trailer")?;
    let mut hb = vec![0u8; header.encoded_len()];
    header.encode(&mut hb).map_err(CliError::bad)?;
    let env = Envelope {
        header,
        header_bytes: &hb,
        body: &body,
        trailer: &trailer,
    };
    let out = env.encode_to_vec().map_err(CliError::bad)?;
    // The result must be a well-formed envelope (trailer length per mode).
    Envelope::decode(&out).map_err(CliError::bad)?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// Test-CA tools behind `dualp ca new | issue | inspect`
// and `dualp key new`.

fn random_key() -> Result<SigningKey, CliError> {
    use std::io::Read;
    let mut f = std::fs::File::open("/dev/urandom")
        .map_err(|e| CliError::Io(format!("/dev/urandom: {e}")))?;
    for _ in 0..8 {
        let mut s = [0u8; 32];
        f.read_exact(&mut s)?;
        if let Ok(k) = RustCrypto.p256_signing_key(&s) {
            return Ok(k);
        }
    }
    Err(CliError::Io(
        "no valid P-256 scalar from /dev/urandom".into(),
    ))
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|e| CliError::Io(format!("{}: {e}", path.display())))
}

fn u32_time(s: &str) -> Result<u32, CliError> {
    u32::try_from(parse_time(s)?.to_unix_seconds())
        .map_err(|_| CliError::Usage(format!("`{s}` is outside 1970..2106")))
}

/// `dualp key new`: a fresh P-256 private key.
#[derive(clap::Args, Debug, Clone)]
pub struct KeyNewArgs {
    /// Where to write the private key (PKCS#8 PEM).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// Writes a new private key; returns its public key as JSON.
pub fn key_new(a: &KeyNewArgs) -> Result<Value, CliError> {
    let k = random_key()?;
    write_file(&a.out, &private_key_pem(&k))?;
    Ok(
        json!({ "private_key": a.out.display().to_string(), "public_key": to_hex(&RustCrypto.p256_public_key(&k)) }),
    )
}

/// `dualp ca new`: a self-signed test CA (key and certificate).
#[derive(clap::Args, Debug, Clone)]
pub struct CaNewArgs {
    /// The CA's identifier.
    #[arg(long, value_name = "EUI64")]
    pub id: String,
    /// Where to write the CA private key (PKCS#8 PEM).
    #[arg(long, value_name = "FILE")]
    pub key_out: PathBuf,
    /// Where to write the CA certificate (compact, hex).
    #[arg(long, value_name = "FILE")]
    pub cert_out: PathBuf,
    /// Serial of the CA certificate.
    #[arg(long, default_value = "1", value_parser = crate::common::parse_number)]
    pub serial: u64,
    /// Start of validity (ISO 8601 or unix seconds).
    #[arg(long, default_value = "2026-01-01T00:00:00Z")]
    pub not_before: String,
    /// End of validity, inclusive.
    #[arg(long, default_value = "2046-01-01T00:00:00Z")]
    pub not_after: String,
}

/// Makes a test CA; returns its certificate as JSON.
pub fn ca_new(a: &CaNewArgs) -> Result<Value, CliError> {
    let p = RustCrypto;
    let id = eui(&a.id)?;
    let k = random_key()?;
    let cert = TbsCertificate {
        serial: a.serial,
        issuer: id,
        subject: id,
        role: Role::CertificateAuthority,
        key_usage: KeyUsage::CertificateSigning,
        not_before: u32_time(&a.not_before)?,
        not_after: u32_time(&a.not_after)?,
        public_key: p.p256_public_key(&k),
    }
    .sign(&p, &k)
    .map_err(|e| CliError::Crypto(e.to_string()))?;
    write_file(&a.key_out, &private_key_pem(&k))?;
    write_file(&a.cert_out, &format!("{}\n", to_hex(&cert.to_bytes())))?;
    Ok(certificate_json(&cert))
}

/// `dualp ca issue`: a compact certificate for a subject's public key.
#[derive(clap::Args, Debug, Clone)]
pub struct CaIssueArgs {
    /// The CA's private key (PEM or hex scalar).
    #[arg(long, value_name = "FILE")]
    pub ca_key: PathBuf,
    /// The CA's certificate (compact).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: PathBuf,
    /// The subject's identifier (EUI-64 or operator id).
    #[arg(long, value_name = "EUI64")]
    pub subject: String,
    /// hub, han-device, head-end or ca.
    #[arg(long)]
    pub role: String,
    /// key-agreement, signing or cert-signing.
    #[arg(long)]
    pub usage: String,
    /// The subject's private key (its public key is certified) ...
    #[arg(long, value_name = "FILE", conflicts_with = "public_key")]
    pub subject_key: Option<PathBuf>,
    /// ... or its SEC1 uncompressed public key as hex.
    #[arg(long, value_name = "HEX")]
    pub public_key: Option<String>,
    /// Serial (unique in the trust domain).
    #[arg(long, value_parser = crate::common::parse_number)]
    pub serial: u64,
    /// Start of validity (ISO 8601 or unix seconds).
    #[arg(long, default_value = "2026-01-01T00:00:00Z")]
    pub not_before: String,
    /// End of validity, inclusive.
    #[arg(long, default_value = "2036-01-01T00:00:00Z")]
    pub not_after: String,
    /// Where to write the certificate (compact, hex); stdout JSON only if absent.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Issues a certificate; returns it as JSON (with `hex`).
pub fn ca_issue(a: &CaIssueArgs) -> Result<Value, CliError> {
    let p = RustCrypto;
    let ca_key = read_private_key(&a.ca_key)?;
    let ca_cert = read_certificate(&a.ca_cert)?;
    if p.p256_public_key(&ca_key) != ca_cert.tbs.public_key {
        return Err(CliError::Usage("--ca-key does not match --ca-cert".into()));
    }
    let role = match a.role.as_str() {
        "hub" => Role::Hub,
        "han-device" => Role::HanDevice,
        "head-end" => Role::HeadEnd,
        "ca" => Role::CertificateAuthority,
        r => return Err(CliError::Usage(format!("unknown role `{r}`"))),
    };
    let usage = match a.usage.as_str() {
        "key-agreement" => KeyUsage::KeyAgreement,
        "signing" => KeyUsage::DigitalSignature,
        "cert-signing" => KeyUsage::CertificateSigning,
        u => return Err(CliError::Usage(format!("unknown usage `{u}`"))),
    };
    let public_key: [u8; 65] = match (&a.subject_key, &a.public_key) {
        (Some(k), None) => p.p256_public_key(&read_private_key(k)?),
        (None, Some(h)) => {
            let b = parse_hex(h)?;
            p.p256_verifying_key(&b)
                .map_err(|e| CliError::BadInput(format!("--public-key: {e}")))?;
            b.try_into().map_err(|_| {
                CliError::BadInput("--public-key must be 65 bytes (uncompressed)".into())
            })?
        }
        _ => return Err(CliError::Usage("give --subject-key or --public-key".into())),
    };
    let cert = TbsCertificate {
        serial: a.serial,
        issuer: ca_cert.tbs.subject,
        subject: eui(&a.subject)?,
        role,
        key_usage: usage,
        not_before: u32_time(&a.not_before)?,
        not_after: u32_time(&a.not_after)?,
        public_key,
    }
    .sign(&p, &ca_key)
    .map_err(|e| CliError::Crypto(e.to_string()))?;
    let hex = to_hex(&cert.to_bytes());
    if let Some(out) = &a.out {
        write_file(out, &format!("{hex}\n"))?;
    }
    let mut v = certificate_json(&cert);
    if let Value::Object(m) = &mut v {
        m.insert("hex".into(), json!(hex));
    }
    Ok(v)
}

/// `dualp ca inspect`: show a compact certificate, and verify it against
/// a CA certificate when one is given.
#[derive(clap::Args, Debug, Clone)]
pub struct CaInspectArgs {
    /// The certificate (compact, hex text or raw file).
    #[arg(value_name = "FILE")]
    pub cert: PathBuf,
    /// Verify against this CA certificate (trust anchor).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Revoked serials (decimal or 0x hex), comma separated.
    #[arg(long, value_delimiter = ',', value_parser = crate::common::parse_number)]
    pub revoked: Vec<u64>,
    /// UTC time for validity (ISO 8601 or unix seconds; default: now).
    #[arg(long)]
    pub now: Option<String>,
}

/// Inspects a certificate; with --ca-cert, a failed check is exit status 1.
pub fn ca_inspect(a: &CaInspectArgs) -> Result<Value, CliError> {
    let p = RustCrypto;
    let cert = read_certificate(&a.cert)?;
    let mut v = certificate_json(&cert);
    if let Some(ca) = &a.ca_cert {
        let anchor = TrustAnchor::<RustCrypto>::from_certificate(&p, &read_certificate(ca)?)
            .map_err(|e| CliError::Crypto(format!("CA certificate: {e}")))?;
        let now = now_or(a.now.as_ref())?;
        verify_chain(
            &p,
            &cert,
            &[],
            &anchor,
            now,
            a.revoked.as_slice(),
            cert.tbs.key_usage,
        )
        .map_err(|e| CliError::Crypto(e.to_string()))?;
        if let Value::Object(m) = &mut v {
            m.insert("verified".into(), json!(true));
            m.insert("verified_at".into(), json!(now.to_string()));
        }
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    /// The first AEAD vector of docs/digital-envelope.md section 12.
    const VECTOR: &str = include_str!("../../../digital-envelope/tests/vectors/envelope.txt");

    fn vector(name: &str) -> Vec<u8> {
        let line = VECTOR
            .lines()
            .find(|l| l.starts_with(&format!("{name} = ")))
            .unwrap();
        parse_hex(line.split_once(" = ").unwrap().1).unwrap()
    }

    #[test]
    fn decode_encode_round_trip_on_vectors() {
        for name in [
            "aead_hub_report_epoch_0_seq_0",
            "signed_command_seq_0",
            "signed_aead_command_seq_1",
            "key_update_signed_aead_seq_2",
        ] {
            let b = vector(name);
            let ctx = EnvelopeCtx::default();
            let v = decode_envelope(&ctx, &b).unwrap();
            assert_eq!(encode_envelope(&ctx, &v[0]).unwrap(), b, "{name}");
        }
    }

    #[test]
    fn decode_with_z_opens_the_report() {
        let b = vector("aead_hub_report_epoch_0_seq_0");
        let ctx = EnvelopeCtx {
            local: Some("90:b1:1c:00:00:00:00:01".into()),
            z: Some(to_hex(&vector("z"))),
            ..EnvelopeCtx::default()
        };
        let v = decode_envelope(&ctx, &b).unwrap();
        assert_eq!(
            v[0]["plaintext_hex"],
            json!(to_hex(&vector("meter_read_payload")))
        );
        assert_eq!(v[0]["overhead"], json!(28));
        let mut bad = b.clone();
        bad[25] ^= 1;
        assert_eq!(decode_envelope(&ctx, &bad).unwrap_err().exit_code(), 1);
    }

    #[test]
    fn pem_round_trip_and_ca_tools() {
        let dir = std::env::temp_dir().join(format!("dualp-envelope-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = ca_new(&CaNewArgs {
            id: "44:50:44:45:00:00:ca:01".into(),
            key_out: dir.join("ca.pem"),
            cert_out: dir.join("ca.cert"),
            serial: 1,
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2046-01-01T00:00:00Z".into(),
        })
        .unwrap();
        assert_eq!(ca["key_usage"]["name"], json!("certificate_signing"));
        key_new(&KeyNewArgs {
            out: dir.join("hub.pem"),
        })
        .unwrap();
        let issued = ca_issue(&CaIssueArgs {
            ca_key: dir.join("ca.pem"),
            ca_cert: dir.join("ca.cert"),
            subject: "00:0d:6f:00:00:ab:cd:ef".into(),
            role: "hub".into(),
            usage: "key-agreement".into(),
            subject_key: Some(dir.join("hub.pem")),
            public_key: None,
            serial: 0x100,
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2036-01-01T00:00:00Z".into(),
            out: Some(dir.join("hub.cert")),
        })
        .unwrap();
        assert_eq!(issued["subject"], json!("00:0d:6f:00:00:ab:cd:ef"));
        let mut inspect = CaInspectArgs {
            cert: dir.join("hub.cert"),
            ca_cert: Some(dir.join("ca.cert")),
            revoked: vec![],
            now: Some("2027-06-01T12:00:00Z".into()),
        };
        assert_eq!(ca_inspect(&inspect).unwrap()["verified"], json!(true));
        inspect.revoked = vec![0x100];
        assert_eq!(ca_inspect(&inspect).unwrap_err().exit_code(), 1);
        inspect.revoked = vec![];
        inspect.now = Some("2040-01-01T00:00:00Z".into());
        assert!(
            ca_inspect(&inspect)
                .unwrap_err()
                .to_string()
                .contains("expired")
        );
        // The PEM written is read back to the same key.
        let k = read_private_key(&dir.join("hub.pem")).unwrap();
        assert_eq!(
            to_hex(&RustCrypto.p256_public_key(&k)),
            issued["public_key"].as_str().unwrap()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn base64() {
        for n in 0..10 {
            let d: Vec<u8> = (0..n).map(|i: u8| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&d)).unwrap(), d);
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
    }
}
