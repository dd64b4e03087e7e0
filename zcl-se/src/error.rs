//! Decode and encode errors.
//!
//! Every decode error names the absolute byte offset inside the ZCL frame
//! (or inside the bytes handed to a standalone value decoder) and what was
//! being read, so `dualp` can say where a frame went wrong.

/// Why a ZCL frame, command payload or attribute value could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ended inside a field.
    #[error("truncated at byte {offset}: {what} needs {needed} byte(s), {available} left")]
    Truncated {
        /// Byte offset of the field.
        offset: usize,
        /// The field being read.
        what: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A length-prefixed string (ZCL rev 6 §2.6.2.10 to §2.6.2.13) declares more
    /// octets than the frame holds.
    #[error("{what} at byte {offset} declares {declared} octet(s) but only {available} remain")]
    StringTooLong {
        /// Byte offset of the length prefix.
        offset: usize,
        /// The string type.
        what: &'static str,
        /// Declared length.
        declared: usize,
        /// Bytes left after the prefix.
        available: usize,
    },
    /// A data type identifier that ZCL rev 6 table 2-10 reserves, so the length
    /// of the value (and of everything after it) cannot be known.
    #[error("unknown data type 0x{data_type:02x} at byte {offset}")]
    UnknownDataType {
        /// Byte offset of the type identifier.
        offset: usize,
        /// The identifier.
        data_type: u8,
    },
    /// Arrays, structures, sets or bags nested deeper than the context allows.
    #[error("collection at byte {offset} nests deeper than the limit of {limit}")]
    NestingTooDeep {
        /// Byte offset of the collection that crossed the limit.
        offset: usize,
        /// The nesting limit in force.
        limit: u8,
    },
    /// A field holds a value the standard does not allow here.
    #[error("invalid {what} at byte {offset}")]
    InvalidValue {
        /// Byte offset of the field.
        offset: usize,
        /// The field.
        what: &'static str,
    },
    /// Bytes left over after a payload whose layout has no room for them.
    #[error("{count} trailing byte(s) after {what} at byte {offset}")]
    TrailingBytes {
        /// Byte offset of the first extra byte.
        offset: usize,
        /// The payload that ended.
        what: &'static str,
        /// How many bytes were left.
        count: usize,
    },
}

impl DecodeError {
    /// The byte offset the error refers to.
    #[must_use]
    pub const fn offset(&self) -> usize {
        match *self {
            DecodeError::Truncated { offset, .. }
            | DecodeError::StringTooLong { offset, .. }
            | DecodeError::UnknownDataType { offset, .. }
            | DecodeError::NestingTooDeep { offset, .. }
            | DecodeError::InvalidValue { offset, .. }
            | DecodeError::TrailingBytes { offset, .. } => offset,
        }
    }
}

/// Why a value could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; `needed` is the total length required.
    #[error("buffer too small: {needed} byte(s) needed")]
    BufferTooSmall {
        /// Total bytes the encoding needs.
        needed: usize,
    },
    /// A value that cannot be represented on the wire (an integer wider than
    /// its type, a string longer than its length prefix allows, an element
    /// whose type differs from its array's element type).
    #[error("cannot encode {what}")]
    InvalidValue {
        /// What was wrong.
        what: &'static str,
    },
}
