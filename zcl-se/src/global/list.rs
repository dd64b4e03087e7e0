//! [`List`]: the record lists of the global commands (ZCL rev 6 §2.5), either
//! a validated view over the received bytes or a caller slice to encode.

use core::fmt;

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};

/// One record of a global command's record list (an attribute id, a
/// read-attribute status record, a report record, ...).
///
/// Implemented for every record type of §2.5; an application may implement it
/// for its own record lists too.
pub trait Record<'a>: Sized + Copy + PartialEq + fmt::Debug {
    /// Decodes one record from the start of `bytes`, whose first byte is at
    /// absolute offset `base` (for error offsets); returns it and its length.
    fn decode_record(
        bytes: &'a [u8],
        base: usize,
        max_nesting: u8,
    ) -> Result<(Self, usize), DecodeError>;

    /// Validates one record at the start of `bytes` and returns its length
    /// (what [`Record::decode_record`] checks, without building the record).
    fn skip_record(bytes: &'a [u8], base: usize, max_nesting: u8) -> Result<usize, DecodeError> {
        Self::decode_record(bytes, base, max_nesting).map(|(_, n)| n)
    }

    /// Encoded length of the record.
    fn record_len(&self) -> usize;

    /// Encodes the record into the start of `buf`; returns the bytes written.
    fn encode_record(&self, buf: &mut [u8]) -> Result<usize, EncodeError>;
}

/// A list of records that runs to the end of the command payload.
#[derive(Clone, Copy)]
pub enum List<'a, T> {
    /// Received bytes, validated when decoded: iterating cannot fail.
    Wire {
        /// The encoded records.
        bytes: &'a [u8],
        /// Number of records.
        count: usize,
        /// Collection nesting limit the records were validated with.
        max_nesting: u8,
    },
    /// Records supplied by the caller, to encode.
    Slice(&'a [T]),
}

impl<'a, T: Record<'a>> List<'a, T> {
    /// Number of records.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            List::Wire { count, .. } => *count,
            List::Slice(s) => s.len(),
        }
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterates the records.
    #[must_use]
    pub fn iter(&self) -> Iter<'a, T> {
        match *self {
            List::Wire {
                bytes, max_nesting, ..
            } => Iter::Wire { bytes, max_nesting },
            List::Slice(s) => Iter::Slice(s.iter()),
        }
    }

    /// Reads records until the reader is empty.
    #[inline(always)]
    pub(crate) fn read(r: &mut Reader<'a>, max_nesting: u8) -> Result<Self, DecodeError> {
        let base = r.offset();
        let bytes = r.rest();
        let mut pos = 0;
        let mut count = 0;
        while let Some(rest) = bytes.get(pos..).filter(|s| !s.is_empty()) {
            let used = T::skip_record(rest, base + pos, max_nesting)?;
            pos += used.max(1);
            count += 1;
        }
        Ok(List::Wire {
            bytes,
            count,
            max_nesting,
        })
    }

    /// Encoded length of all records.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        match self {
            List::Wire { bytes, .. } => bytes.len(),
            List::Slice(s) => s.iter().map(Record::record_len).sum(),
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            List::Wire { bytes, .. } => w.put(bytes),
            List::Slice(s) => {
                for rec in s.iter() {
                    let n = rec.record_len();
                    let dst = w.reserve(n)?;
                    if rec.encode_record(dst)? != n {
                        return Err(EncodeError::InvalidValue {
                            what: "record length mismatch",
                        });
                    }
                }
                Ok(())
            }
        }
    }
}

impl<'a, T: Record<'a>> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: Record<'a>> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Record<'a>> IntoIterator for List<'a, T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// Iterator over a [`List`].
#[derive(Debug, Clone)]
pub enum Iter<'a, T> {
    /// Over received bytes.
    #[doc(hidden)]
    Wire {
        /// Bytes left.
        bytes: &'a [u8],
        /// Nesting limit.
        max_nesting: u8,
    },
    /// Over a caller slice.
    #[doc(hidden)]
    Slice(core::slice::Iter<'a, T>),
}

impl<'a, T: Record<'a>> Iterator for Iter<'a, T> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            Iter::Wire { bytes, max_nesting } => {
                if bytes.is_empty() {
                    return None;
                }
                match T::decode_record(bytes, 0, *max_nesting) {
                    Ok((rec, used)) => {
                        *bytes = bytes.get(used.max(1)..).unwrap_or_default();
                        Some(rec)
                    }
                    // Validated at decode; cannot happen. Stop.
                    Err(_) => {
                        *bytes = &[];
                        None
                    }
                }
            }
            Iter::Slice(it) => it.next().copied(),
        }
    }
}
