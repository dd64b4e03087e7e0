//! Streaming deframer (docs/grip.md §3): accumulates bytes read from the
//! TLS stream and yields whole frames, however the stream was split (a
//! frame over several reads, several frames in one read).
//!
//! The buffer is a fixed `N` octets (no heap); the caller sets the largest
//! frame it accepts (`max_frame ≤ N`). A header announcing a larger frame
//! is reported at once, before its body is read; the stream cannot be
//! resynchronised after any error, so the deframer then stays failed.

use heapless::Vec;

use crate::error::DecodeError;
use crate::frame::{Frame, MAX_FRAME_LIMIT, peek_header};

/// A fixed-capacity streaming deframer.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Deframer<const N: usize> {
    buf: Vec<u8, N>,
    start: usize,
    max_frame: usize,
    failed: Option<DecodeErrorRepr>,
}

/// `DecodeError` kept in the deframer (serde-friendly copy of the two
/// errors that can stop a stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct DecodeErrorRepr {
    length: usize,
    max: usize,
}

impl<const N: usize> Deframer<N> {
    /// A deframer accepting frames up to `max_frame` octets (clamped to
    /// `N` and to the protocol's absolute maximum).
    #[must_use]
    pub fn new(max_frame: usize) -> Self {
        Deframer {
            buf: Vec::new(),
            start: 0,
            max_frame: max_frame.min(N).min(MAX_FRAME_LIMIT),
            failed: None,
        }
    }

    /// The largest frame accepted.
    #[must_use]
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Octets buffered and not yet returned as frames.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len().saturating_sub(self.start)
    }

    /// Forgets everything buffered (a new connection) and clears a failure.
    pub fn reset(&mut self) {
        self.buf.clear();
        self.start = 0;
        self.failed = None;
    }

    /// Copies as much of `bytes` as fits; returns the octets taken. Call
    /// [`Self::next_frame`] until it returns `None`, then push the rest.
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        if self.start > 0 {
            let len = self.buf.len();
            self.buf.as_mut_slice().copy_within(self.start..len, 0);
            self.buf.truncate(len - self.start);
            self.start = 0;
        }
        let room = N - self.buf.len();
        let take = room.min(bytes.len());
        // Cannot fail: `take` fits the remaining capacity.
        let _ = self
            .buf
            .extend_from_slice(bytes.get(..take).unwrap_or_default());
        take
    }

    /// The range (within the internal buffer) of the next whole frame, if
    /// one is buffered; consumes it.
    pub(crate) fn next_raw(&mut self) -> Result<Option<(usize, usize)>, DecodeError> {
        if let Some(f) = self.failed {
            return Err(DecodeError::FrameTooLarge {
                length: f.length,
                max: f.max,
            });
        }
        let avail = self.buf.get(self.start..).unwrap_or_default();
        let Some((_, len)) = peek_header(avail) else {
            return Ok(None);
        };
        if len > self.max_frame {
            self.failed = Some(DecodeErrorRepr {
                length: len,
                max: self.max_frame,
            });
            return Err(DecodeError::FrameTooLarge {
                length: len,
                max: self.max_frame,
            });
        }
        if avail.len() < len {
            return Ok(None);
        }
        let range = (self.start, self.start + len);
        self.start += len;
        Ok(Some(range))
    }

    /// Bytes of a range returned by `next_raw` (valid until the next push).
    pub(crate) fn raw(&self, range: (usize, usize)) -> &[u8] {
        self.buf.get(range.0..range.1).unwrap_or_default()
    }

    /// The next whole frame, decoded; `None` when more bytes are needed.
    /// After an error the stream is unusable; the error repeats for an
    /// oversize header.
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, DecodeError>> {
        match self.next_raw() {
            Ok(None) => None,
            Err(e) => Some(Err(e)),
            Ok(Some(range)) => Some(Frame::decode(self.raw(range))),
        }
    }
}
