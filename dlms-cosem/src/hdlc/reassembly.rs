//! Reassembly of one APDU from segmented I or UI frames (IEC 62056-46,
//! clause 6.4.4.1, the segmentation bit): frames with the bit set are
//! collected in order; the first frame without it completes the APDU.
//! Iskra AM550 meters split one push over three frames this way.
//!
//! The buffer is the caller's `N` bytes: an APDU longer than that fails
//! with [`ReassemblyError::Overflow`] and the partial APDU is dropped.

use super::control::Control;
use super::frame::HdlcFrame;

/// Why reassembly failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReassemblyError {
    /// The APDU does not fit the buffer.
    #[error("reassembled APDU over the {limit}-byte buffer")]
    Overflow {
        /// The buffer size.
        limit: usize,
    },
    /// A frame that carries no APDU data (not I or UI).
    #[error("frame type {0} carries no APDU segment")]
    NotInformation(&'static str),
}

/// Collects segments into a fixed buffer.
#[derive(Clone, Debug)]
pub struct Reassembler<const N: usize> {
    buf: [u8; N],
    len: usize,
    complete: bool,
}

impl<const N: usize> Default for Reassembler<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Reassembler<N> {
    /// An empty reassembler.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
            complete: false,
        }
    }

    /// Whether segments of an unfinished APDU are held.
    #[must_use]
    pub const fn in_progress(&self) -> bool {
        !self.complete && self.len > 0
    }

    /// The APDU the last completed push returned (until the next push).
    #[must_use]
    pub fn completed(&self) -> Option<&[u8]> {
        if self.complete {
            self.buf.get(..self.len)
        } else {
            None
        }
    }

    /// Drops any partial APDU.
    pub fn reset(&mut self) {
        self.len = 0;
        self.complete = false;
    }

    /// Adds the information field of an I or UI frame; returns the whole
    /// APDU (LLC header included, as the first segment carried it) when the
    /// frame was the last segment.
    pub fn push(&mut self, frame: &HdlcFrame<'_>) -> Result<Option<&[u8]>, ReassemblyError> {
        match frame.control {
            Control::I { .. } | Control::Ui { .. } => {}
            other => return Err(ReassemblyError::NotInformation(other.name())),
        }
        self.push_segment(frame.information, frame.segmented)
    }

    /// Adds one segment; `more` is the frame's segmentation bit.
    pub fn push_segment(
        &mut self,
        data: &[u8],
        more: bool,
    ) -> Result<Option<&[u8]>, ReassemblyError> {
        if self.complete {
            self.reset();
        }
        let end = self.len + data.len();
        let Some(dst) = self.buf.get_mut(self.len..end) else {
            self.reset();
            return Err(ReassemblyError::Overflow { limit: N });
        };
        dst.copy_from_slice(data);
        self.len = end;
        if more {
            return Ok(None);
        }
        self.complete = true;
        Ok(self.buf.get(..end))
    }
}
