//! Codec errors: what went wrong and where (byte offset within the frame).

use dual_protocol_primitives::payload::PayloadDescriptorError;

/// Why bytes do not decode as a GRIP frame (docs/grip.md §3–§10).
///
/// Offsets count from the first octet of the frame header.
// No `defmt::Format`: primitives' `PayloadDescriptorError` lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before the frame or field does.
    #[error("truncated at offset {offset}: {needed} more octets needed")]
    Truncated {
        /// Offset at which more input was needed.
        offset: usize,
        /// Octets missing.
        needed: usize,
    },
    /// The header announces a frame longer than the maximum (§3).
    #[error("frame of {length} octets exceeds the maximum of {max}")]
    FrameTooLarge {
        /// Announced frame length (header included).
        length: usize,
        /// The maximum in force.
        max: usize,
    },
    /// Input after the frame's body in a `decode` call.
    #[error("{extra} trailing octets after the frame at offset {offset}")]
    TrailingBytes {
        /// Offset of the first extra octet.
        offset: usize,
        /// How many.
        extra: usize,
    },
    /// Reserved bits set (§4, §5.2).
    #[error("reserved bits {value:#04x} set at offset {offset}")]
    ReservedBits {
        /// Offset of the octet.
        offset: usize,
        /// The offending bits.
        value: u8,
    },
    /// A field holds a value outside its range.
    #[error("invalid {what} at offset {offset}")]
    InvalidValue {
        /// Offset of the field.
        offset: usize,
        /// Which field.
        what: &'static str,
    },
    /// Capability TLVs out of ascending order or repeated (§5.3).
    #[error("capability TLV out of order or repeated at offset {offset}")]
    TlvOrder {
        /// Offset of the TLV.
        offset: usize,
    },
    /// A known capability TLV with the wrong length (§5.3).
    #[error("capability TLV {tlv_type} has length {length} at offset {offset}")]
    TlvLength {
        /// Offset of the TLV.
        offset: usize,
        /// Its type.
        tlv_type: u8,
        /// The length found.
        length: u8,
    },
    /// The payload descriptor does not decode.
    #[error("payload descriptor at offset {offset}: {source}")]
    Descriptor {
        /// Offset of the descriptor.
        offset: usize,
        /// The descriptor error.
        source: PayloadDescriptorError,
    },
    /// Chunk data empty or beyond the transfer's total (§4.2).
    #[error("chunk data outside the transfer at offset {offset}")]
    ChunkRange {
        /// Offset of the chunk's offset field.
        offset: usize,
    },
}

/// Why a frame does not encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small.
    #[error("buffer too small: {needed} octets needed")]
    BufferTooSmall {
        /// Octets needed.
        needed: usize,
    },
    /// The body would exceed 2^24 − 1 octets.
    #[error("frame body of {length} octets exceeds 2^24 - 1")]
    FrameTooLarge {
        /// Body length.
        length: usize,
    },
    /// A field holds a value the layout cannot carry.
    #[error("invalid {0}")]
    InvalidField(&'static str),
}
