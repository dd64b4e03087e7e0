//! General block transfer (Green Book, DLMS UA 1000-2 ed. 10, clause
//! 9.3.5.4 "general block transfer mechanism"; IEC 62056-5-3 ed. 3 clause
//! 6.4.4.2 and the `General-Block-Transfer` APDU, tag 224): any APDU,
//! protected or not, longer than the peer's maximum PDU travels as
//! numbered GBT blocks.
//!
//! [`GbtLink`] is one party's GBT state, both directions, sans-IO:
//!
//! - **Sending**: blocks are numbered from 1 for each APDU. Up to the
//!   peer's window of blocks go out back to back (`streaming` set on all
//!   but the last block of a window); then the sender waits for an
//!   acknowledgement (until the peer has announced its window, it is
//!   taken to equal ours). The peer's `block-number-ack` is the highest block it
//!   received in order: everything up to it is done, and when it is lower
//!   than the last block sent, the blocks after it were lost and are sent
//!   again from there (lost-block recovery). A timer resends from the last
//!   acknowledged block; after [`GbtConfig::attempts`] silent timers the
//!   transfer is abandoned.
//! - **Receiving**: blocks are appended in order into a caller buffer
//!   (bounded by it and by [`GbtConfig::max_apdu`]); a repeated block is
//!   ignored, a block after a gap is dropped. An acknowledgement (an empty
//!   GBT with `block-number-ack`, our window and `block-number` = the
//!   number of blocks we sent in the current direction) answers the end of
//!   each window, the last block, any block after a gap, and a repeated
//!   window end. A receive timer sends the acknowledgement again when the
//!   peer falls silent mid-transfer. Block 1 after a completed APDU starts
//!   the next one.

use super::{BlockError, Blocks, Reassembly, block_size};
use crate::Apdu;
use crate::apdu::{BlockControl, GeneralBlockTransfer};
use crate::axdr::Encode;
use dual_protocol_primitives::time::{Duration, Instant};

/// GBT parameters of one party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GbtConfig {
    /// Our receive window (1..=63 blocks), announced in every GBT we send.
    pub window: u8,
    /// How long to wait for an acknowledgement or the next block.
    pub timeout: Duration,
    /// Timer expiries without progress before a transfer is abandoned.
    pub attempts: u8,
    /// Longest APDU reassembled (further bounded by the buffer).
    pub max_apdu: usize,
}

impl Default for GbtConfig {
    fn default() -> Self {
        Self {
            window: 8,
            timeout: Duration::from_millis(500),
            attempts: 4,
            max_apdu: usize::MAX,
        }
    }
}

/// What a received GBT APDU produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GbtInput {
    /// Nothing for the application (an acknowledgement, a block stored).
    Nothing,
    /// A whole APDU of this length is in the receive buffer.
    Complete(usize),
    /// A block was refused (over the limit); the reception is dropped.
    Refused(BlockError),
}

/// GBT header bytes around the block data (tag, block control, two
/// block numbers); the data's A-XDR length comes on top.
const HEADER: usize = 1 + 1 + 2 + 2;

/// One party's general-block-transfer state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GbtLink {
    config: GbtConfig,
    // Sending.
    out: Option<Blocks>,
    next: u16,
    acked: u16,
    peer_window: u8,
    send_deadline: Option<Instant>,
    send_attempts: u8,
    // Receiving.
    reasm: Reassembly,
    receiving: bool,
    rx_deadline: Option<Instant>,
    rx_attempts: u8,
    ack_pending: bool,
}

impl GbtLink {
    /// Idle, with `config`.
    #[must_use]
    pub const fn new(config: GbtConfig) -> Self {
        Self {
            config,
            out: None,
            next: 1,
            acked: 0,
            // Until the peer announces its window, assume it equals ours.
            peer_window: if config.window == 0 { 1 } else { config.window },
            send_deadline: None,
            send_attempts: 0,
            reasm: Reassembly::new(0),
            receiving: false,
            rx_deadline: None,
            rx_attempts: 0,
            ack_pending: false,
        }
    }

    /// Whether an outgoing APDU is still being sent or awaits its last
    /// acknowledgement.
    #[must_use]
    pub const fn is_sending(&self) -> bool {
        self.out.is_some()
    }

    /// Whether an incoming APDU is partly received.
    #[must_use]
    pub const fn is_receiving(&self) -> bool {
        self.receiving
    }

    /// Starts sending an APDU of `len` bytes in blocks that fit `max_pdu`
    /// (the caller keeps the APDU and passes it to [`GbtLink::poll_transmit`]).
    /// Fails when it would need more than 65535 blocks.
    ///
    /// # Errors
    /// [`BlockError::Oversize`].
    pub fn start_send(&mut self, len: usize, max_pdu: usize) -> Result<(), BlockError> {
        let blocks = Blocks::new(len, block_size(max_pdu, HEADER, 0));
        if blocks.count() > u32::from(u16::MAX) {
            return Err(BlockError::Oversize {
                limit: usize::from(u16::MAX) * block_size(max_pdu, HEADER, 0),
            });
        }
        self.out = Some(blocks);
        self.next = 1;
        self.acked = 0;
        self.peer_window = self.peer_window.max(1);
        self.send_deadline = None;
        self.send_attempts = 0;
        Ok(())
    }

    /// Forgets the outgoing APDU (the caller sends something else).
    pub fn stop_send(&mut self) {
        self.out = None;
        self.send_deadline = None;
    }

    /// Goes back to the first unacknowledged block (a caller's retry).
    pub fn rewind(&mut self) {
        self.next = self.acked.saturating_add(1);
    }

    /// Stops everything (association ended).
    pub fn reset(&mut self) {
        *self = Self::new(self.config);
    }

    fn count(&self) -> u16 {
        self.out
            .map_or(0, |b| u16::try_from(b.count()).unwrap_or(u16::MAX))
    }

    fn sent(&self) -> u16 {
        self.next.saturating_sub(1)
    }

    /// The next GBT APDU to send (an acknowledgement first, then the next
    /// block of `apdu` within the peer's window), written to `buf`.
    pub fn poll_transmit(&mut self, now: Instant, apdu: &[u8], buf: &mut [u8]) -> Option<usize> {
        if self.ack_pending {
            let ack = Apdu::GeneralBlockTransfer(GeneralBlockTransfer {
                block_control: BlockControl::new(false, false, self.config.window),
                block_number: self.sent(),
                block_number_ack: u16::try_from(self.reasm.last_block()).unwrap_or(u16::MAX),
                block_data: &[],
            });
            let n = ack.encode(buf).ok()?;
            self.ack_pending = false;
            return Some(n);
        }
        let blocks = self.out?;
        let count = self.count();
        let window = u16::from(self.peer_window.max(1));
        if self.next > count || self.next > self.acked.saturating_add(window) {
            return None;
        }
        let (range, last) = blocks.block(u32::from(self.next))?;
        let end_of_window = last || self.next == self.acked.saturating_add(window);
        let gbt = Apdu::GeneralBlockTransfer(GeneralBlockTransfer {
            block_control: BlockControl::new(last, !end_of_window, self.config.window),
            block_number: self.next,
            block_number_ack: u16::try_from(self.reasm.last_block()).unwrap_or(u16::MAX),
            block_data: apdu.get(range)?,
        });
        let n = gbt.encode(buf).ok()?;
        self.next += 1;
        if end_of_window {
            self.send_deadline = now.checked_add(self.config.timeout);
        }
        Some(n)
    }

    /// Takes one received GBT APDU; a data block goes into `buf`.
    pub fn handle_input(
        &mut self,
        now: Instant,
        gbt: &GeneralBlockTransfer<'_>,
        buf: &mut [u8],
    ) -> GbtInput {
        // The acknowledgement part: every GBT carries one.
        if self.out.is_some() {
            let ack = gbt.block_number_ack;
            if gbt.block_control.window() > 0 {
                self.peer_window = gbt.block_control.window();
            }
            if ack > self.acked && ack <= self.sent() {
                self.acked = ack;
                self.send_attempts = 0;
            }
            if self.acked >= self.count() {
                self.out = None;
                self.send_deadline = None;
            } else if gbt.block_data.is_empty() && !gbt.block_control.last_block() {
                // An acknowledgement short of what we sent: resend from it.
                self.next = self.acked + 1;
                self.send_deadline = None;
            }
        }
        if gbt.block_data.is_empty() && !gbt.block_control.last_block() {
            return GbtInput::Nothing;
        }
        // The data part.
        let number = u32::from(gbt.block_number);
        if number == 1 && (!self.receiving || self.reasm.last_block() == 0) {
            self.reasm = Reassembly::new(self.config.max_apdu);
            self.receiving = true;
        }
        if !self.receiving {
            // A late copy of a block of an APDU already delivered.
            self.ack_pending = !gbt.block_control.streaming();
            return GbtInput::Nothing;
        }
        let end_of_window = !gbt.block_control.streaming() || gbt.block_control.last_block();
        let expected = self.reasm.last_block() + 1;
        if number != expected {
            // A repeat or a block after a gap: acknowledge what we have.
            self.ack_pending = end_of_window || number > expected;
            return GbtInput::Nothing;
        }
        match self
            .reasm
            .accept(buf, number, gbt.block_data, gbt.block_control.last_block())
        {
            Ok(_) => {}
            Err(e) => {
                self.receiving = false;
                self.rx_deadline = None;
                return GbtInput::Refused(e);
            }
        }
        self.rx_attempts = 0;
        if end_of_window {
            self.ack_pending = true;
        }
        if self.reasm.is_complete() {
            self.receiving = false;
            self.rx_deadline = None;
            return GbtInput::Complete(self.reasm.len());
        }
        self.rx_deadline = now.checked_add(self.config.timeout);
        GbtInput::Nothing
    }

    /// When [`GbtLink::handle_timeout`] must be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.send_deadline, self.rx_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Resends or re-acknowledges after silence; abandons a transfer after
    /// [`GbtConfig::attempts`] expiries, returning
    /// [`BlockError::NotInProgress`].
    pub fn handle_timeout(&mut self, now: Instant) -> Option<BlockError> {
        let mut abandoned = None;
        if self.send_deadline.is_some_and(|t| now >= t) {
            self.send_deadline = None;
            self.send_attempts += 1;
            if self.send_attempts > self.config.attempts {
                self.out = None;
                abandoned = Some(BlockError::NotInProgress);
            } else {
                self.rewind();
            }
        }
        if self.rx_deadline.is_some_and(|t| now >= t) {
            self.rx_attempts += 1;
            if self.rx_attempts > self.config.attempts {
                self.receiving = false;
                self.rx_deadline = None;
                abandoned = Some(BlockError::NotInProgress);
            } else {
                self.ack_pending = true;
                self.rx_deadline = now.checked_add(self.config.timeout);
            }
        }
        abandoned
    }
}
