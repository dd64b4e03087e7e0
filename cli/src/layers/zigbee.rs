//! `dualp` layers for IEEE 802.15.4 MAC, ZigBee NWK and APS (crate dual-protocol-zigbee-nwk).
//!
//! Placeholder: the layer answers "not built yet" (exit status 2) until its crate is built.

use crate::common::CliError;
use serde_json::Value;

/// Context options of the `mac` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MacCtx {}

/// Decodes `mac` frames, one JSON object each.
pub fn decode_mac(_ctx: &MacCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("mac"))
}

/// Encodes one `mac` frame from its JSON form.
pub fn encode_mac(_ctx: &MacCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("mac"))
}

/// Context options of the `nwk` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NwkCtx {}

/// Decodes `nwk` frames, one JSON object each.
pub fn decode_nwk(_ctx: &NwkCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("nwk"))
}

/// Encodes one `nwk` frame from its JSON form.
pub fn encode_nwk(_ctx: &NwkCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("nwk"))
}

/// Context options of the `aps` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ApsCtx {}

/// Decodes `aps` frames, one JSON object each.
pub fn decode_aps(_ctx: &ApsCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("aps"))
}

/// Encodes one `aps` frame from its JSON form.
pub fn encode_aps(_ctx: &ApsCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("aps"))
}
