//! Codec errors: small, `Copy`, carrying the byte offset (from the start of
//! the MAC frame) and what was expected.

/// An Inter-PAN frame could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// The IEEE 802.15.4 MAC frame itself does not decode (offsets from the
    /// start of the frame).
    #[error("MAC frame: {0}")]
    Mac(#[from] dual_protocol_zigbee_nwk::DecodeError),
    /// The input ends inside a field.
    #[error("truncated {what} at byte {offset}: {needed} more byte(s) needed")]
    Truncated {
        /// Offset of the field that does not fit.
        offset: usize,
        /// The field.
        what: &'static str,
        /// How many more bytes the field needs.
        needed: usize,
    },
    /// A field that the Inter-PAN rules (SE 1.1b Annex B.3/B.4) fix has
    /// another value: the frame is not Inter-PAN.
    #[error("not an Inter-PAN frame: {what} {value:#x} at byte {offset}")]
    NotInterPan {
        /// Offset of the field.
        offset: usize,
        /// The field.
        what: &'static str,
        /// The raw value.
        value: u32,
    },
}

impl DecodeError {
    /// The byte offset the error refers to.
    #[must_use]
    pub const fn offset(&self) -> usize {
        match self {
            DecodeError::Mac(e) => e.offset(),
            DecodeError::Truncated { offset, .. } | DecodeError::NotInterPan { offset, .. } => {
                *offset
            }
        }
    }

    /// The same error with its offset moved by `base`.
    #[must_use]
    pub const fn shifted(self, base: usize) -> Self {
        match self {
            DecodeError::Mac(e) => DecodeError::Mac(e.shifted(base)),
            DecodeError::Truncated {
                offset,
                what,
                needed,
            } => DecodeError::Truncated {
                offset: offset + base,
                what,
                needed,
            },
            DecodeError::NotInterPan {
                offset,
                what,
                value,
            } => DecodeError::NotInterPan {
                offset: offset + base,
                what,
                value,
            },
        }
    }
}

/// An Inter-PAN frame could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small: `needed` bytes are required.
    #[error("buffer too small: {needed} bytes needed")]
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// Fields that disagree with each other or with the Inter-PAN rules.
    #[error("inconsistent frame: {what}")]
    Inconsistent {
        /// What disagrees.
        what: &'static str,
    },
    /// The frame would not fit in one IEEE 802.15.4 PHY payload (127 bytes
    /// with the FCS): Inter-PAN has no fragmentation (SE 1.1b Annex B).
    #[error("frame of {len} bytes exceeds the 127-byte PHY payload")]
    TooLong {
        /// Length including the FCS.
        len: usize,
    },
}

impl From<dual_protocol_zigbee_nwk::EncodeError> for EncodeError {
    fn from(e: dual_protocol_zigbee_nwk::EncodeError) -> Self {
        match e {
            dual_protocol_zigbee_nwk::EncodeError::BufferTooSmall { needed } => {
                EncodeError::BufferTooSmall { needed }
            }
            _ => EncodeError::Inconsistent { what: "MAC header" },
        }
    }
}
