//! APS fragmentation (ZigBee R22 §2.2.8.4.5): the receiver's reassembly
//! of one fragmented transmission.
//!
//! A transmission of `total` blocks shares one APS counter. The first
//! block (extended header "first", block number = `total`) fixes the block
//! size `S` (every block but the last is `S` bytes; the last is at most
//! `S`). Blocks are acknowledged a window at a time (apsMaxWindowSize
//! blocks, 1-8): the acknowledgement names the window's first block and
//! carries a bitfield of the blocks received in it. Blocks of the current
//! window may arrive in any order once the first block has arrived;
//! a subsequent block that arrives before the first block is not stored
//! (it is not acknowledged, so the sender sends it again). The whole
//! payload is reassembled into a caller-sized buffer (`BUF` bytes) and
//! refused above the configured size limit.

use crate::types::ShortAddr;
use dual_protocol_primitives::time::Instant;

/// The bit mask of a window of `n` blocks (n ≤ 8).
pub(crate) const fn window_mask(n: u8) -> u8 {
    if n >= 8 { 0xff } else { (1u8 << n) - 1 }
}

/// The receive state of one fragmented transmission.
#[derive(Debug, Clone)]
pub(crate) struct Reassembly<const BUF: usize> {
    pub(crate) src: ShortAddr,
    pub(crate) counter: u8,
    pub(crate) dst_endpoint: u8,
    pub(crate) src_endpoint: u8,
    pub(crate) cluster: u16,
    pub(crate) profile: u16,
    /// Number of blocks.
    pub(crate) total: u8,
    /// Block size (length of the first block).
    pub(crate) block_size: usize,
    /// Length of the last block once it has arrived.
    pub(crate) last_len: usize,
    /// First block of the window being received.
    pub(crate) window_start: u8,
    /// Blocks of the window received (bit i = block window_start + i).
    pub(crate) received: u8,
    /// Dropped when nothing arrives before this.
    pub(crate) deadline: Instant,
    /// Delivered; the slot is freed on the next call into the service.
    pub(crate) done: bool,
    /// The blocks arrived APS-secured (every block must match the first).
    pub(crate) secured: bool,
    pub(crate) buf: [u8; BUF],
}

/// What storing a block did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockOutcome {
    /// Stored; the window is not complete.
    Stored,
    /// Stored and the window is complete: acknowledge `(window_start, bits)`.
    WindowDone(u8, u8),
    /// Stored and the transmission is complete (acknowledge, deliver `len` bytes).
    Complete(u8, u8, usize),
    /// Already received in this window: acknowledge what is held again.
    DuplicateInWindow(u8, u8),
    /// Block of an earlier, completed window: acknowledge it whole again.
    EarlierWindow(u8),
    /// Beyond the current window or the transmission.
    OutOfWindow,
    /// Wrong length for its position, or beyond the size limit.
    BadLength,
}

impl<const BUF: usize> Reassembly<BUF> {
    /// Blocks in the current window.
    fn window_len(&self, window: u8) -> u8 {
        self.total.saturating_sub(self.window_start).min(window)
    }

    /// Stores block `idx` of `data`. `limit` is the caller's size limit (≤ BUF).
    pub(crate) fn store(
        &mut self,
        idx: u8,
        data: &[u8],
        window: u8,
        limit: usize,
        deadline: Instant,
    ) -> BlockOutcome {
        if idx < self.window_start {
            return BlockOutcome::EarlierWindow(idx - idx % window.max(1));
        }
        let bit = idx - self.window_start;
        if bit >= window || idx >= self.total {
            return BlockOutcome::OutOfWindow;
        }
        let flag = 1u8 << bit;
        if self.received & flag != 0 {
            return BlockOutcome::DuplicateInWindow(self.window_start, self.received);
        }
        let last = idx + 1 == self.total;
        if (!last && data.len() != self.block_size) || (last && data.len() > self.block_size) {
            return BlockOutcome::BadLength;
        }
        let off = usize::from(idx) * self.block_size;
        let end = off + data.len();
        if end > limit {
            return BlockOutcome::BadLength;
        }
        let Some(dst) = self.buf.get_mut(off..end) else {
            return BlockOutcome::BadLength;
        };
        dst.copy_from_slice(data);
        if last {
            self.last_len = data.len();
        }
        self.received |= flag;
        self.deadline = deadline;
        let n = self.window_len(window);
        let mask = window_mask(n);
        if self.received & mask != mask {
            return BlockOutcome::Stored;
        }
        let (ws, bits) = (self.window_start, self.received);
        if usize::from(self.window_start) + usize::from(n) >= usize::from(self.total) {
            let len = usize::from(self.total - 1) * self.block_size + self.last_len;
            return BlockOutcome::Complete(ws, bits, len);
        }
        self.window_start += n;
        self.received = 0;
        BlockOutcome::WindowDone(ws, bits)
    }

    /// The reassembled payload (valid once complete).
    pub(crate) fn payload(&self, len: usize) -> &[u8] {
        self.buf.get(..len).unwrap_or(&[])
    }
}
