//! Codec errors: small, `Copy`, and carrying the byte offset and what was expected.

/// A frame could not be decoded. Every variant names the byte offset (from the
/// start of the slice given to the decoder) and the field concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends inside a field that the frame control (or a count) says is present.
    #[error("truncated {what} at byte {offset}: {needed} more byte(s) needed")]
    Truncated {
        /// Offset of the field that does not fit.
        offset: usize,
        /// The field.
        what: &'static str,
        /// How many more bytes the field needs.
        needed: usize,
    },
    /// An IEEE 802.15.4 addressing mode of 0b01 (reserved, IEEE 802.15.4-2015 §7.2.2.9).
    #[error("reserved {which} addressing mode {mode} in the frame control at byte {offset}")]
    ReservedAddressingMode {
        /// Offset of the frame control.
        offset: usize,
        /// `"destination"` or `"source"`.
        which: &'static str,
        /// The raw mode.
        mode: u8,
    },
    /// A value the standard forbids in this position.
    #[error("invalid {what} {value:#x} at byte {offset}")]
    InvalidValue {
        /// Offset of the field.
        offset: usize,
        /// The field.
        what: &'static str,
        /// The raw value.
        value: u32,
    },
    /// The frame check sequence does not match the frame.
    #[error("FCS mismatch at byte {offset}: received {received:#06x}, computed {computed:#06x}")]
    FcsMismatch {
        /// Offset of the FCS.
        offset: usize,
        /// The FCS on the wire.
        received: u16,
        /// The FCS computed over the frame.
        computed: u16,
    },
    /// A length or count field disagrees with the bytes that follow it.
    #[error("{what} at byte {offset} declares {declared} byte(s) but {available} remain")]
    LengthMismatch {
        /// Offset of the length field.
        offset: usize,
        /// The field.
        what: &'static str,
        /// Bytes the field declares.
        declared: usize,
        /// Bytes available.
        available: usize,
    },
    /// Bytes follow a fixed-size message.
    #[error("{count} unexpected trailing byte(s) after {what} at byte {offset}")]
    TrailingBytes {
        /// Offset of the first unexpected byte.
        offset: usize,
        /// The message.
        what: &'static str,
        /// How many bytes.
        count: usize,
    },
    /// The frame is of a kind this decoder does not handle (e.g. Green Power or
    /// Inter-PAN given to the standard NWK decoder); use the decoder named.
    #[error("{what} at byte {offset} is not handled here")]
    NotHandled {
        /// Offset of the field that says so.
        offset: usize,
        /// What the frame is.
        what: &'static str,
    },
}

impl DecodeError {
    /// The byte offset the error refers to.
    #[must_use]
    pub const fn offset(&self) -> usize {
        match *self {
            DecodeError::Truncated { offset, .. }
            | DecodeError::ReservedAddressingMode { offset, .. }
            | DecodeError::InvalidValue { offset, .. }
            | DecodeError::FcsMismatch { offset, .. }
            | DecodeError::LengthMismatch { offset, .. }
            | DecodeError::TrailingBytes { offset, .. }
            | DecodeError::NotHandled { offset, .. } => offset,
        }
    }

    /// The same error with its offset moved by `base` (for nested decoders).
    #[must_use]
    pub const fn shifted(self, base: usize) -> Self {
        let mut e = self;
        match &mut e {
            DecodeError::Truncated { offset, .. }
            | DecodeError::ReservedAddressingMode { offset, .. }
            | DecodeError::InvalidValue { offset, .. }
            | DecodeError::FcsMismatch { offset, .. }
            | DecodeError::LengthMismatch { offset, .. }
            | DecodeError::TrailingBytes { offset, .. }
            | DecodeError::NotHandled { offset, .. } => *offset += base,
        }
        e
    }
}

/// A value could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; `needed` bytes are required.
    #[error("buffer too small: {needed} byte(s) needed")]
    BufferTooSmall {
        /// Bytes required for the whole encoding.
        needed: usize,
    },
    /// A field does not fit the bits the standard gives it (a list longer
    /// than its count field, a value wider than its bit field).
    #[error("{what} does not fit its field")]
    TooLarge {
        /// The field.
        what: &'static str,
    },
    /// The frame control disagrees with the fields present (an address
    /// present but its mode none, an extended nonce flag without a source...).
    #[error("frame control inconsistent with the fields: {what}")]
    Inconsistent {
        /// What disagrees.
        what: &'static str,
    },
}
