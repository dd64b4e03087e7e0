//! `dualp` layers for Inter-PAN (crate dual-protocol-stub-aps).
//!
//! Placeholder: the layer answers "not built yet" (exit status 2) until its crate is built.

use crate::common::CliError;
use serde_json::Value;

/// Context options of the `interpan` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct InterpanCtx {}

/// Decodes `interpan` frames, one JSON object each.
pub fn decode_interpan(_ctx: &InterpanCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("interpan"))
}

/// Encodes one `interpan` frame from its JSON form.
pub fn encode_interpan(_ctx: &InterpanCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("interpan"))
}
