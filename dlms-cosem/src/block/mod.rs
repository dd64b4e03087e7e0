//! Service-specific block transfer (Green Book, DLMS UA 1000-2 ed. 10,
//! clause 9.3.5.3 "GET, SET and ACTION with block transfer"; IEC 62056-5-3
//! ed. 3 clause 6.4.4): a long value travels as numbered blocks of its
//! A-XDR encoding (`DataBlock-G` in GET responses, `DataBlock-SA` in SET and
//! ACTION requests and ACTION responses), numbered from 1, each
//! acknowledged by the peer with the number received.
//!
//! [`Blocks`] cuts an encoded value into blocks that fit the peer's
//! maximum PDU; [`Reassembly`] joins received blocks into a caller buffer
//! with explicit block-number state: the expected block appends, a repeat
//! of the last block is reported as a duplicate and changes nothing, any
//! other number is an error that leaves the transfer as it was, and the
//! total is bounded by a caller limit.
//!
//! [`gbt`] is the general block transfer (GBT) of any long APDU, with
//! windows and lost-block recovery.

pub mod gbt;

pub use gbt::{GbtConfig, GbtInput, GbtLink};

use core::ops::Range;

/// Why a block was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum BlockError {
    /// The block number is neither the expected one nor a repeat of the last.
    #[error("block number {received}, expected {expected}")]
    WrongNumber {
        /// The number expected next.
        expected: u32,
        /// The number received.
        received: u32,
    },
    /// The reassembled value would exceed the limit.
    #[error("reassembly over its limit of {limit} bytes")]
    Oversize {
        /// The limit (caller's and the buffer's).
        limit: usize,
    },
    /// No transfer is in progress.
    #[error("no block transfer in progress")]
    NotInProgress,
}

/// What [`Reassembly::accept`] did with a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// The expected block, appended.
    Appended,
    /// A repeat of the block last appended (a duplicate or a retry); nothing changed.
    Duplicate,
}

/// Block-number state and length of one reassembly into a caller buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Reassembly {
    last: u32,
    len: usize,
    limit: usize,
    complete: bool,
}

impl Reassembly {
    /// A transfer whose value may reach `limit` bytes (further bounded by
    /// the buffer given to [`Reassembly::accept`]).
    #[must_use]
    pub const fn new(limit: usize) -> Self {
        Self {
            last: 0,
            len: 0,
            limit,
            complete: false,
        }
    }

    /// The number of the last block appended (0 before the first).
    #[must_use]
    pub const fn last_block(&self) -> u32 {
        self.last
    }

    /// Bytes reassembled so far.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was reassembled yet.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the last block was appended.
    #[must_use]
    pub const fn is_complete(&self) -> bool {
        self.complete
    }

    /// Offers block `number` with `data` (`last` when it is the final one).
    ///
    /// # Errors
    /// [`BlockError::WrongNumber`] (state unchanged), [`BlockError::Oversize`]
    /// (state unchanged).
    pub fn accept(
        &mut self,
        buf: &mut [u8],
        number: u32,
        data: &[u8],
        last: bool,
    ) -> Result<Accepted, BlockError> {
        if number == self.last && number != 0 {
            return Ok(Accepted::Duplicate);
        }
        let expected = self.last.wrapping_add(1);
        if number != expected || self.complete {
            return Err(BlockError::WrongNumber {
                expected,
                received: number,
            });
        }
        let limit = self.limit.min(buf.len());
        let end = self
            .len
            .checked_add(data.len())
            .filter(|&e| e <= limit)
            .ok_or(BlockError::Oversize { limit })?;
        buf.get_mut(self.len..end)
            .ok_or(BlockError::Oversize { limit })?
            .copy_from_slice(data);
        self.len = end;
        self.last = number;
        self.complete = last;
        Ok(Accepted::Appended)
    }
}

/// An encoded value of `total` bytes cut into blocks of `size` bytes,
/// numbered from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Blocks {
    total: usize,
    size: usize,
}

impl Blocks {
    /// `total` bytes in blocks of `size` (at least 1) bytes.
    #[must_use]
    pub const fn new(total: usize, size: usize) -> Self {
        Self {
            total,
            size: if size == 0 { 1 } else { size },
        }
    }

    /// How many blocks (at least one, possibly empty).
    #[must_use]
    pub const fn count(&self) -> u32 {
        let n = self.total.div_ceil(self.size);
        if n == 0 {
            1
        } else if n > u32::MAX as usize {
            u32::MAX
        } else {
            n as u32
        }
    }

    /// The byte range of block `number` and whether it is the last, or
    /// `None` for a number out of range.
    #[must_use]
    pub fn block(&self, number: u32) -> Option<(Range<usize>, bool)> {
        if number == 0 || number > self.count() {
            return None;
        }
        let start = (number as usize - 1).checked_mul(self.size)?;
        let end = start.saturating_add(self.size).min(self.total);
        Some((start..end, number == self.count()))
    }
}

/// The raw-data bytes per block when each block APDU has `header` bytes
/// around its raw data (the A-XDR length of the raw data excluded) and
/// must fit `max_pdu` bytes including `overhead` for protection.
#[must_use]
pub const fn block_size(max_pdu: usize, header: usize, overhead: usize) -> usize {
    // Up to three bytes of A-XDR length in front of the raw data.
    let room = max_pdu.saturating_sub(header + overhead + 3);
    if room == 0 { 1 } else { room }
}
