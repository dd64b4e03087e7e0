//! A streaming HDLC deframer (IEC 62056-46, clause 6.4): finds frames in a
//! serial or TCP byte stream, checks HCS and FCS, and resynchronises on
//! flags after garbage, line noise, corrupted frames or a leading M-Bus or
//! DSMR prefix (whatever precedes a valid `7E A...` frame is skipped and
//! counted).
//!
//! Consecutive frames may share one flag (the closing flag of a frame is
//! the opening flag of the next) or use two.
//!
//! A candidate frame whose length field announces more bytes than have
//! arrived is waited for; once the bytes are there and the closing flag or
//! a check sequence fails, the deframer moves one byte on and searches
//! again. Memory is the caller's `N`-byte buffer; `N` of 2050 holds the
//! longest frame (2047 bytes plus flags).

use super::frame::{FLAG, HdlcFrame, MAX_FRAME_LEN};

/// What the deframer has skipped so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeframerStats {
    /// Bytes discarded while searching for a frame.
    pub skipped_bytes: u64,
    /// Candidate frames rejected (bad HCS/FCS, length, closing flag).
    pub rejected_frames: u64,
    /// Frames delivered.
    pub frames: u64,
}

/// A fixed-buffer HDLC deframer; see the module doc.
#[derive(Clone, Debug)]
pub struct HdlcDeframer<const N: usize> {
    buf: [u8; N],
    len: usize,
    consumed: usize,
    stats: DeframerStats,
}

impl<const N: usize> Default for HdlcDeframer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> HdlcDeframer<N> {
    /// An empty deframer.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            buf: [0; N],
            len: 0,
            consumed: 0,
            stats: DeframerStats {
                skipped_bytes: 0,
                rejected_frames: 0,
                frames: 0,
            },
        }
    }

    /// What was skipped and delivered so far.
    #[must_use]
    pub const fn stats(&self) -> DeframerStats {
        self.stats
    }

    /// Bytes buffered.
    #[must_use]
    pub const fn buffered(&self) -> usize {
        self.len - self.consumed
    }

    fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
    }

    /// Takes as many bytes of `input` as fit and returns how many it took.
    /// When the buffer is full of an incomplete candidate that cannot be a
    /// frame, the oldest byte is dropped to make room.
    pub fn feed(&mut self, input: &[u8]) -> usize {
        let c = core::mem::take(&mut self.consumed);
        self.drop_front(c);
        if self.len == N && !input.is_empty() {
            self.stats.skipped_bytes += 1;
            self.drop_front(1);
        }
        let free = self.buf.get_mut(self.len..).unwrap_or(&mut []);
        let n = free.len().min(input.len());
        if let (Some(dst), Some(src)) = (free.get_mut(..n), input.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.len += n;
        n
    }

    /// The next valid frame, `None` when more bytes are needed.
    ///
    /// Skipped bytes are only marked here and dropped on the next call, so
    /// each call moves the buffer at most once.
    pub fn poll_frame(&mut self) -> Option<HdlcFrame<'_>> {
        let c = core::mem::take(&mut self.consumed);
        self.drop_front(c);
        let Self {
            buf,
            len,
            consumed,
            stats,
        } = self;
        let data = buf.get(..*len).unwrap_or(&[]);
        let mut start = 0usize;
        loop {
            let rest = data.get(start..).unwrap_or(&[]);
            let Some(p) = rest.iter().position(|b| *b == FLAG) else {
                stats.skipped_bytes += rest.len() as u64;
                *consumed = data.len();
                return None;
            };
            stats.skipped_bytes += p as u64;
            start += p;
            let cand = data.get(start..).unwrap_or(&[]);
            let (Some(f0), Some(f1)) = (cand.get(1), cand.get(2)) else {
                *consumed = start;
                return None;
            };
            let length = (usize::from(*f0 & 0x07) << 8) | usize::from(*f1);
            if *f0 & 0xf0 != 0xa0 || !(7..=MAX_FRAME_LEN).contains(&length) || length + 2 > N {
                // Not a frame start (or a flag shared with the next frame).
                stats.skipped_bytes += 1;
                start += 1;
                continue;
            }
            match cand.get(length + 1) {
                None => {
                    // Incomplete. If a complete, valid frame already follows
                    // at a later flag, this candidate was noise: move on.
                    if later_frame(cand).is_none() {
                        *consumed = start;
                        return None;
                    }
                }
                Some(&FLAG) => {
                    if let Some(Ok(f)) = cand
                        .get(1..=length)
                        .map(|body| HdlcFrame::decode_unflagged(body, 1))
                    {
                        // Keep the closing flag: it may open the next frame.
                        *consumed = start + length + 1;
                        stats.frames += 1;
                        return Some(f);
                    }
                }
                Some(_) => {}
            }
            stats.rejected_frames += 1;
            stats.skipped_bytes += 1;
            start += 1;
        }
    }
}

/// The offset of the first complete, valid frame that starts at a flag
/// after offset 0 of `data`.
fn later_frame(data: &[u8]) -> Option<usize> {
    data.iter()
        .enumerate()
        .skip(1)
        .filter(|(_, b)| **b == FLAG)
        .map(|(i, _)| i)
        .find(|&i| {
            let rest = data.get(i..).unwrap_or(&[]);
            match rest {
                [_, f0, f1, ..] if *f0 & 0xf0 == 0xa0 => {
                    let length = (usize::from(*f0 & 0x07) << 8) | usize::from(*f1);
                    rest.get(length + 1) == Some(&FLAG)
                        && rest
                            .get(1..=length)
                            .is_some_and(|b| HdlcFrame::decode_unflagged(b, 1).is_ok())
                }
                _ => false,
            }
        })
}
