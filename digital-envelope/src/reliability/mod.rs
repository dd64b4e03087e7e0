//! The reliability layer (docs section 10): confirmable and non-confirmable
//! messages, selective acknowledgements, retransmission with exponential
//! back-off, anti-replay across restarts with an echo re-synchronisation,
//! and time synchronisation.
//!
//! Two sans-IO machines, one per peer pair, each owning the pair's
//! [`PeerContext`](crate::PeerContext):
//!
//! * [`Sender`] (a hub pushing reports): confirmable and non-confirmable
//!   DATA, a caller-set window of messages in flight, retransmission of the
//!   identical datagram with exponential back-off and jitter, give-up after
//!   a bounded number of retransmissions, answers to echo challenges, and
//!   time requests.
//! * [`Receiver`] (a head end's state for one hub): delivers each DATA
//!   message once, acknowledges confirmable ones (several per ACK), answers
//!   duplicates from a small cache of recent acknowledgements, challenges
//!   the sender after a restart, and answers time requests. Its persistent
//!   part, [`ReceiverState`], is bounded and serde-serialisable.
//!
//! The message bodies are in [`ack`], [`resync`] and [`time_sync`]; every
//! one travels in an envelope of the protection layer, unchanged.
//!
//! A datagram is named by its **counter** `c = epoch << 40 | sequence`
//! (docs 5.5), unique per direction of a pair for the pair's lifetime.

pub mod ack;
pub mod receiver;
pub mod resync;
pub mod sender;
pub mod time_sync;

pub use ack::{Ack, AckCache};
pub use receiver::{
    Delivery, Received, Receiver, ReceiverConfig, ReceiverEvent, ReceiverState, ReceiverStats,
    TimeRequestEvent,
};
pub use resync::{EchoChallenge, EchoResponse};
pub use sender::{MessageId, SendOptions, Sender, SenderConfig, SenderEvent, SenderStats};
pub use time_sync::{TimeEstimate, TimeRequest, TimeResponse};

use crate::context::Outgoing;
use crate::header::{Header, MessageType, Protection};

/// ACK (docs 10.2).
pub const ACK: MessageType = MessageType::Reliability(0x10);
/// ECHO_CHALLENGE (docs 10.4).
pub const ECHO_CHALLENGE: MessageType = MessageType::Reliability(0x11);
/// ECHO_RESPONSE (docs 10.4).
pub const ECHO_RESPONSE: MessageType = MessageType::Reliability(0x12);
/// TIME_REQUEST (docs 10.5).
pub const TIME_REQUEST: MessageType = MessageType::Reliability(0x13);
/// TIME_RESPONSE (docs 10.5).
pub const TIME_RESPONSE: MessageType = MessageType::Reliability(0x14);

/// The counter `epoch << 40 | sequence` of a header (docs 5.5).
#[must_use]
pub const fn counter_of(header: &Header) -> u64 {
    ((header.epoch as u64) << 40) | header.sequence
}

/// A control message of the reliability layer: AEAD, no descriptor, not
/// confirmable (docs 10.1).
pub(crate) fn control_message(message_type: MessageType, payload: &[u8]) -> Outgoing<'_> {
    Outgoing {
        message_type,
        protection: Protection::Aead,
        descriptor: None,
        ack_requested: false,
        payload,
    }
}

/// Reads a big-endian integer from up to 8 bytes.
pub(crate) fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b))
}

/// A bounded FIFO of `Copy` items (no heap); `push` fails when full.
#[derive(Clone, Debug)]
pub(crate) struct Ring<T: Copy, const N: usize> {
    items: [Option<T>; N],
    head: usize,
    len: usize,
}

impl<T: Copy, const N: usize> Ring<T, N> {
    pub(crate) const fn new() -> Self {
        Ring {
            items: [None; N],
            head: 0,
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, item: T) -> Result<(), T> {
        if self.len >= N || N == 0 {
            return Err(item);
        }
        let at = (self.head + self.len) % N;
        match self.items.get_mut(at) {
            Some(slot) => {
                *slot = Some(item);
                self.len += 1;
                Ok(())
            }
            None => Err(item),
        }
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 || N == 0 {
            return None;
        }
        let item = self.items.get_mut(self.head).and_then(Option::take);
        self.head = (self.head + 1) % N;
        self.len -= 1;
        item
    }

    pub(crate) fn peek(&self) -> Option<&T> {
        if self.len == 0 {
            return None;
        }
        self.items.get(self.head).and_then(Option::as_ref)
    }
}
