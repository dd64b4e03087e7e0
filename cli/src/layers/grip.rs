//! `dualp` layers for GRIP (crate dual-protocol-grip).
//!
//! Placeholder: the layer answers "not built yet" (exit status 2) until its crate is built.

use crate::common::CliError;
use serde_json::Value;

/// Context options of the `grip` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GripCtx {}

/// Decodes `grip` frames, one JSON object each.
pub fn decode_grip(_ctx: &GripCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("grip"))
}

/// Encodes one `grip` frame from its JSON form.
pub fn encode_grip(_ctx: &GripCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("grip"))
}
