//! `dualp ota-image FILE`: an OTA Upgrade image file (ZCL rev 6 §11.4,
//! OTA Upgrade cluster specification 095264r23 §6.3): its header, its
//! sub-elements (tag, name, offset, length; the data of small
//! non-image tags as hex) and whether its image integrity code (tag 0x0003,
//! AES-MMO) verifies. Exit status 1 when the file does not parse, has no
//! integrity code or the code does not match.

use crate::common::{CliError, render_tree, to_hex};
use dual_protocol_zcl_se::ota::integrity::{IntegrityError, verify_integrity};
use dual_protocol_zcl_se::ota::{ImageHeader, TagId, Tags};
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::PathBuf;

/// Tag data up to this length is shown as hex.
const SHOW_DATA: usize = 128;

/// Arguments of `dualp ota-image`.
#[derive(clap::Args, Debug)]
pub struct OtaImageArgs {
    /// The OTA file (its bytes).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print JSON (one object) instead of a tree.
    #[arg(long)]
    pub json: bool,
}

/// The file as one JSON object, and whether its integrity code verifies.
pub fn inspect(file: &[u8]) -> Result<(Value, bool), CliError> {
    let (h, header_len) = ImageHeader::decode(file).map_err(CliError::bad)?;
    let mut o = Map::new();
    o.insert("file_identifier".into(), json!("0x0beef11e"));
    o.insert(
        "header_version".into(),
        json!(format!("0x{:04x}", h.header_version)),
    );
    o.insert("header_length".into(), json!(header_len));
    let flags: Vec<&str> = h.field_control.flag_names().collect();
    o.insert(
        "header_field_control".into(),
        json!({ "value": format!("0x{:04x}", h.field_control.bits()), "flags": flags }),
    );
    o.insert(
        "manufacturer_code".into(),
        json!(format!("0x{:04x}", h.manufacturer_code)),
    );
    o.insert(
        "image_type".into(),
        json!(format!("0x{:04x}", h.image_type)),
    );
    o.insert(
        "file_version".into(),
        json!(format!("0x{:08x}", h.file_version)),
    );
    o.insert(
        "zigbee_stack_version".into(),
        json!(format!("0x{:04x}", h.stack_version)),
    );
    match h.header_str() {
        Some(s) => o.insert("header_string".into(), json!(s)),
        None => o.insert("header_string_hex".into(), json!(to_hex(h.header_string))),
    };
    o.insert("total_image_size".into(), json!(h.total_image_size));
    if let Some(v) = h.security_credential_version {
        o.insert("security_credential_version".into(), json!(v));
    }
    if let Some(d) = h.upgrade_file_destination {
        o.insert("upgrade_file_destination".into(), json!(d.to_string()));
    }
    if let Some((lo, hi)) = h.hardware_versions {
        o.insert(
            "minimum_hardware_version".into(),
            json!(format!("0x{lo:04x}")),
        );
        o.insert(
            "maximum_hardware_version".into(),
            json!(format!("0x{hi:04x}")),
        );
    }
    if !h.extra.is_empty() {
        o.insert("header_extra_hex".into(), json!(to_hex(h.extra)));
    }
    o.insert("file_size".into(), json!(file.len()));
    let mut tags = Vec::new();
    for t in Tags::new(file, &h, header_len) {
        match t {
            Ok(t) => {
                let mut m = Map::new();
                m.insert("offset".into(), json!(t.offset));
                m.insert("tag".into(), json!(format!("0x{:04x}", u16::from(t.id))));
                let name = t.id.name().unwrap_or(if t.id.is_manufacturer_specific() {
                    "manufacturer_specific"
                } else {
                    "reserved"
                });
                m.insert("name".into(), json!(name));
                m.insert("length".into(), json!(t.data.len()));
                if t.id != TagId::UpgradeImage && t.data.len() <= SHOW_DATA {
                    m.insert("data_hex".into(), json!(to_hex(t.data)));
                }
                tags.push(Value::Object(m));
            }
            Err(e) => {
                tags.push(json!({ "error": e.to_string(), "offset": e.offset() }));
            }
        }
    }
    o.insert("tags".into(), Value::Array(tags));
    let verdict = verify_integrity(&mut &file[..]);
    let verified = verdict.is_ok();
    let mut i = Map::new();
    i.insert("verified".into(), json!(verified));
    if let Err(e) = verdict {
        let why = match e {
            IntegrityError::Missing => "no image integrity code sub-element".to_string(),
            other => other.to_string(),
        };
        i.insert("error".into(), json!(why));
    }
    o.insert("integrity".into(), Value::Object(i));
    Ok((Value::Object(o), verified))
}

/// Runs `dualp ota-image`: prints the file (tree or JSON); exit status 1
/// if the integrity code is missing or does not verify.
pub fn ota_image(args: &OtaImageArgs) -> Result<(), CliError> {
    let file = std::fs::read(&args.file)
        .map_err(|e| CliError::Io(format!("{}: {e}", args.file.display())))?;
    let (v, verified) = inspect(&file)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{v}")?;
    } else {
        write!(out, "{}", render_tree(&v))?;
    }
    if verified {
        Ok(())
    } else {
        Err(CliError::Crypto(
            "the image integrity code does not verify".into(),
        ))
    }
}
