//! `dualp` layers for ZCL and Smart Energy (crate dual-protocol-zcl-se).
//!
//! Placeholder: the layer answers "not built yet" (exit status 2) until its crate is built.

use crate::common::CliError;
use serde_json::Value;

/// Context options of the `zcl` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ZclCtx {}

/// Decodes `zcl` frames, one JSON object each.
pub fn decode_zcl(_ctx: &ZclCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("zcl"))
}

/// Encodes one `zcl` frame from its JSON form.
pub fn encode_zcl(_ctx: &ZclCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("zcl"))
}
