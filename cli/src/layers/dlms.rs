//! `dualp` layers for DLMS/COSEM (crate dual-protocol-dlms-cosem).
//!
//! Placeholder: the layer answers "not built yet" (exit status 2) until its crate is built.

use crate::common::CliError;
use serde_json::Value;

/// Context options of the `dlms-apdu` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ApduCtx {}

/// Decodes `dlms-apdu` frames, one JSON object each.
pub fn decode_apdu(_ctx: &ApduCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("dlms-apdu"))
}

/// Encodes one `dlms-apdu` frame from its JSON form.
pub fn encode_apdu(_ctx: &ApduCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("dlms-apdu"))
}

/// Context options of the `dlms-data` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DataCtx {}

/// Decodes `dlms-data` frames, one JSON object each.
pub fn decode_data(_ctx: &DataCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("dlms-data"))
}

/// Encodes one `dlms-data` frame from its JSON form.
pub fn encode_data(_ctx: &DataCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("dlms-data"))
}

/// Context options of the `dlms-wrapper` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct WrapperCtx {}

/// Decodes `dlms-wrapper` frames, one JSON object each.
pub fn decode_wrapper(_ctx: &WrapperCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("dlms-wrapper"))
}

/// Encodes one `dlms-wrapper` frame from its JSON form.
pub fn encode_wrapper(_ctx: &WrapperCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("dlms-wrapper"))
}

/// Context options of the `hdlc` layer.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct HdlcCtx {}

/// Decodes `hdlc` frames, one JSON object each.
pub fn decode_hdlc(_ctx: &HdlcCtx, _bytes: &[u8]) -> Result<Vec<Value>, CliError> {
    Err(CliError::NotBuilt("hdlc"))
}

/// Encodes one `hdlc` frame from its JSON form.
pub fn encode_hdlc(_ctx: &HdlcCtx, _json: &Value) -> Result<Vec<u8>, CliError> {
    Err(CliError::NotBuilt("hdlc"))
}
