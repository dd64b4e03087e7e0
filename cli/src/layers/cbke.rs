//! `dualp cbke-cert`: shows a Smart Energy ECQV implicit certificate
//! (crate dual-protocol-zcl-se, module `cbke`) and, given the CA's public
//! key, reconstructs the device's public key (SEC 4 §3.5).
//!
//! The suite follows from the length: 48 octets is crypto suite 1
//! (sect163k1), 74 octets crypto suite 2 (sect283k1).

use crate::common::{CliError, parse_hex, to_hex};
use dual_protocol_primitives::datetime::UtcDateTime;
use dual_protocol_zcl_se::cbke::{Certificate, Params, Point, SUITE1, SUITE2, SuiteParams};
use serde_json::{Map, Value, json};

/// Arguments of `dualp cbke-cert`.
#[derive(clap::Args, Debug, Clone)]
pub struct CbkeCertArgs {
    /// The certificate as hex: 48 octets (suite 1) or 74 octets (suite 2).
    #[arg(value_name = "CERT")]
    pub cert: String,
    /// The CA's public key, compressed (22 octets for suite 1, 37 for suite 2):
    /// reconstructs the device's public key.
    #[arg(long, value_name = "HEX")]
    pub ca: Option<String>,
    /// Checks the suite 2 validity period at this Unix time (seconds).
    #[arg(long, value_name = "SECONDS")]
    pub at: Option<u64>,
}

/// Runs `dualp cbke-cert`, returning the certificate as one JSON object.
pub fn cbke_cert(args: &CbkeCertArgs) -> Result<Value, CliError> {
    let cert = parse_hex(&args.cert)?;
    match cert.len() {
        48 => show::<SUITE1>(1, &cert, args),
        74 => show::<SUITE2>(2, &cert, args),
        n => Err(CliError::BadInput(format!(
            "a certificate is 48 octets (suite 1) or 74 octets (suite 2), not {n}"
        ))),
    }
}

fn compressed<const N: usize>(p: &Point<N>) -> String
where
    Params<N>: SuiteParams<N>,
{
    let mut out = vec![0u8; Point::<N>::COMPRESSED_LEN];
    p.write_compressed(&mut out);
    to_hex(&out)
}

fn show<const N: usize>(suite: u8, bytes: &[u8], args: &CbkeCertArgs) -> Result<Value, CliError>
where
    Params<N>: SuiteParams<N>,
{
    let cert = Certificate::<N>::parse(bytes).map_err(CliError::bad)?;
    let mut out = Map::new();
    out.insert("suite".into(), json!(suite));
    out.insert("subject".into(), json!(to_hex(&cert.subject())));
    out.insert("issuer".into(), json!(to_hex(&cert.issuer())));
    out.insert(
        "reconstruction_point".into(),
        json!(compressed(&cert.reconstruction_point())),
    );
    if let Some((from, duration)) = cert.validity() {
        let from_text = i64::try_from(from)
            .ok()
            .and_then(|s| UtcDateTime::from_unix_seconds(s).ok())
            .map_or_else(|| from.to_string(), |d| d.to_string());
        out.insert("valid_from".into(), json!(from_text));
        out.insert(
            "valid_for_seconds".into(),
            if duration == u32::MAX {
                json!("unlimited")
            } else {
                json!(duration)
            },
        );
    }
    if let Some(now) = args.at {
        cert.check_validity(now).map_err(CliError::bad)?;
        out.insert("valid_at".into(), json!(now));
    }
    if let Some(ca_hex) = &args.ca {
        let ca = Point::<N>::from_compressed(&parse_hex(ca_hex)?)
            .map_err(|e| CliError::BadInput(format!("CA public key: {e}")))?;
        let public = cert.public_key(&ca).map_err(CliError::bad)?;
        out.insert("public_key".into(), json!(compressed(&public)));
    }
    Ok(Value::Object(out))
}
