//! `dualp` layers for Digital Envelope (crate dual-protocol-digital-envelope).
//!
//! Placeholder: the layer answers "not built yet" (exit status 2) until its crate is built.

use crate::common::CliError;
use serde_json::Value;

/// Context options of the `envelope` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EnvelopeCtx {}

/// Decodes `envelope` frames, one JSON object each.
pub fn decode_envelope(_ctx: &EnvelopeCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("envelope"))
}

/// Encodes one `envelope` frame from its JSON form.
pub fn encode_envelope(_ctx: &EnvelopeCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("envelope"))
}
