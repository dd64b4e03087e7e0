//! One module per protocol family; each exposes, per layer, a clap context
//! struct and `decode_*` / `encode_*` functions working on JSON values.

pub mod cbke;
pub mod dlms;
pub mod envelope;
pub mod grip;
pub mod interpan;
pub mod ota;
pub mod zcl;
pub mod zigbee;
