//! Errors of the A-XDR codec: what went wrong and at which byte offset.

use core::fmt;

/// Why a decode failed. Small and `Copy`, so a firmware can log it cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended while `needed` more bytes were expected.
    #[error("input ends {needed} byte(s) too early")]
    Truncated {
        /// Bytes missing to complete the field.
        needed: usize,
    },
    /// A length field announces more bytes than the frame holds.
    #[error("length {length} goes beyond the frame ({available} byte(s) left)")]
    LengthBeyondFrame {
        /// The announced length (bytes or, for bit strings, bits rounded up to bytes).
        length: usize,
        /// Bytes left after the length field.
        available: usize,
    },
    /// An A-XDR length of more than four bytes, or the indefinite form `0x80`.
    #[error("unsupported A-XDR length form 0x{first:02x}")]
    LengthForm {
        /// The first byte of the length field.
        first: u8,
    },
    /// A multi-byte A-XDR length that fits a shorter form. Rejected so that
    /// `encode(decode(b)) == b` holds for every accepted frame.
    #[error("non-minimal A-XDR length encoding")]
    NonMinimalLength,
    /// A CHOICE tag or APDU tag this crate does not know (the length of what
    /// follows is unknown, so decoding cannot go on).
    #[error("unknown {what} tag 0x{tag:02x}")]
    UnknownTag {
        /// What was being decoded.
        what: &'static str,
        /// The tag found.
        tag: u8,
    },
    /// Arrays, structures or type descriptions nested deeper than
    /// [`crate::axdr::NESTING_LIMIT`].
    #[error("nesting deeper than {limit}")]
    NestingTooDeep {
        /// The limit.
        limit: usize,
    },
    /// A field holds a value its type does not allow.
    #[error("invalid {what} value 0x{value:x}")]
    InvalidValue {
        /// Which field.
        what: &'static str,
        /// The raw value found.
        value: u32,
    },
    /// Bytes remain after a complete value.
    #[error("{count} trailing byte(s)")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A compact array whose rows have no bytes, or whose contents end inside a row.
    #[error("compact-array contents do not hold whole rows")]
    CompactArrayRows,
    /// A mandatory field is absent (ACSE, HDLC).
    #[error("missing {what}")]
    MissingField {
        /// Which field.
        what: &'static str,
    },
    /// A BER length in the indefinite form, longer than four bytes, or not
    /// minimal (rejected so that every accepted PDU re-encodes byte for byte).
    #[error("unsupported BER length form 0x{first:02x}")]
    BerLength {
        /// The first byte of the length field.
        first: u8,
    },
    /// A check sequence (HDLC HCS or FCS, CRC-16/X.25) does not match.
    #[error("{what} mismatch: computed 0x{computed:04x}, received 0x{received:04x}")]
    Checksum {
        /// `"HCS"` or `"FCS"`.
        what: &'static str,
        /// The value computed over the frame.
        computed: u16,
        /// The value in the frame (as sent, first byte least significant).
        received: u16,
    },
}

/// A decode failure: its cause and the byte offset (from the start of the
/// input given to `decode`) of the field that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the failing field in the decoded input.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error of `kind` at `offset`.
    #[must_use]
    pub const fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self { offset, kind }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.kind)
    }
}

impl core::error::Error for DecodeError {}

#[cfg(feature = "defmt")]
impl defmt::Format for DecodeError {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "DecodeError at {}", self.offset);
    }
}

/// Why an encode failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small; `needed` bytes would do.
    #[error("buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes the whole encoding needs.
        needed: usize,
    },
    /// A value does not fit the field (a length over `u32::MAX`, a compact
    /// array row that does not match its type description, a system title
    /// or date-time of the wrong size).
    #[error("{what} does not fit its field")]
    InvalidValue {
        /// Which field.
        what: &'static str,
    },
}
