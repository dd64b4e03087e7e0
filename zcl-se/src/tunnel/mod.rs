//! Sans-IO Tunneling cluster machines (ZigBee Smart Energy 1.4, 07-5356-21,
//! annex D.6): a [`Client`] that requests tunnels and a [`Server`] that
//! grants them, each carrying bytes in both directions.
//!
//! Both sides share one per-tunnel [`channel`](self) engine: segmentation of
//! queued bytes into TransferData frames no larger than the peer's
//! `maximum_incoming_transfer_size` and the caller's frame allowance
//! ([`Config::max_segment`]), AckTransferData / ReadyData flow control
//! (D.6.3.3.4-5, D.6.4.2.4-5) and TransferDataError (D.6.3.3.3).
//!
//! Choices the standard leaves open, made here:
//!
//! * With flow control, the sender keeps one TransferData in flight and
//!   resends it (same ZCL transaction sequence number) after
//!   [`Config::retransmit_after`]; the receiver answers every TransferData
//!   with an AckTransferData carrying that TSN (ZCL rev 6 §2.4.1.3: a
//!   response repeats its command's TSN) and drops a repeat of the TSN it
//!   last delivered, so loss, duplication and reordering of frames keep the
//!   byte stream intact. When the peer reports 0 octets left, the sender
//!   probes with an empty TransferData after the same delay, in case the
//!   ReadyData was lost.
//! * Without flow control, segments go back to back and loss is left to
//!   APS acknowledgements, as the standard intends.
//! * A server keeps the request TSN of each tunnel so a repeated
//!   RequestTunnel (its response was lost) is answered with the same tunnel.
//!
//! Limits: `T` tunnels at once (the caller-set limit; a request beyond it is
//! answered `NoMoreTunnelIds`), `TX` octets of unsent data per tunnel
//! ([`TunnelError::SendBufferFull`]), [`QUEUE`] pending control frames and
//! events ([`TunnelError::QueueFull`]). Received data is handed out without a
//! copy, as a slice of the input frame.

mod channel;
mod client;
mod server;

pub use channel::{Config, Received};
pub use client::Client;
pub use server::Server;

use crate::cluster::tunneling::{TransferDataStatus, TunnelStatus};
use crate::error::{DecodeError, EncodeError};

/// Capacity of the control-frame and event queues.
pub const QUEUE: usize = 8;

/// A frame to send: its destination (the peer's network address as the
/// caller names it) and its length in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub peer: u16,
    /// Octets written.
    pub len: usize,
}

/// Why a tunnel ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// This side closed it.
    Local,
    /// The peer sent CloseTunnel or TunnelClosureNotification.
    Peer,
    /// No traffic for the server's CloseTunnelTimeout (D.6.2.2.1).
    Timeout,
    /// The peer answered with TransferDataError.
    PeerError(TransferDataStatus),
    /// A TransferData went unacknowledged [`Config::max_retries`] times.
    Unreachable,
}

/// What the application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A tunnel opened (client: the server accepted; server: a client opened it).
    Opened {
        /// Tunnel identifier.
        tunnel_id: u16,
        /// The peer.
        peer: u16,
        /// Protocol carried (RequestTunnel `protocol_id`).
        protocol_id: u8,
        /// Manufacturer code of the protocol.
        manufacturer_code: u16,
        /// Whether flow control is on.
        flow_control: bool,
    },
    /// The server refused a RequestTunnel (client only).
    Rejected {
        /// The peer.
        peer: u16,
        /// Its status.
        status: TunnelStatus,
    },
    /// A RequestTunnel went unanswered [`Config::max_retries`] times (client only).
    RequestTimedOut {
        /// The peer.
        peer: u16,
    },
    /// Every queued octet of the tunnel has been sent (and, with flow
    /// control, acknowledged).
    Drained {
        /// Tunnel identifier.
        tunnel_id: u16,
    },
    /// A tunnel ended.
    Closed {
        /// Tunnel identifier.
        tunnel_id: u16,
        /// Why.
        reason: CloseReason,
    },
    /// A TransferDataError this side sent (the peer's data was refused).
    Refused {
        /// Tunnel identifier in the refused frame.
        tunnel_id: u16,
        /// The peer.
        peer: u16,
        /// The status sent.
        status: TransferDataStatus,
    },
    /// SupportedTunnelProtocolsResponse received (client only); the list
    /// itself is in the frame (manufacturer code u16, protocol id u8, ...).
    SupportedProtocols {
        /// The peer.
        peer: u16,
        /// Entries in the response.
        count: u8,
        /// Whether the list is complete.
        complete: bool,
    },
}

/// Errors of the tunnel machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TunnelError {
    /// The input frame does not decode.
    #[error("tunneling frame: {0}")]
    Decode(#[from] DecodeError),
    /// A frame could not be encoded (the caller's buffer is too small).
    #[error("tunneling frame: {0}")]
    Encode(#[from] EncodeError),
    /// No open tunnel has this identifier.
    #[error("no tunnel {0}")]
    NoSuchTunnel(u16),
    /// The tunnel's send buffer has room for only `free` more octets.
    #[error("send buffer full: {free} octet(s) free")]
    SendBufferFull {
        /// Octets still free.
        free: usize,
    },
    /// The control-frame or event queue is full; poll first.
    #[error("queue full")]
    QueueFull,
    /// Every tunnel slot is in use.
    #[error("tunnel table full")]
    TableFull,
    /// The client already waits for a RequestTunnelResponse.
    #[error("a tunnel request is already pending")]
    RequestPending,
    /// The frame is not a cluster-specific Tunneling command in the
    /// direction this side receives.
    #[error("not a tunneling command for this side (command 0x{0:02x})")]
    Unexpected(u8),
}

/// A fixed-capacity FIFO (no heap).
#[derive(Debug, Clone)]
pub(crate) struct Fifo<T, const N: usize> {
    items: [Option<T>; N],
    head: usize,
    len: usize,
}

impl<T, const N: usize> Fifo<T, N> {
    pub(crate) fn new() -> Self {
        Fifo {
            items: core::array::from_fn(|_| None),
            head: 0,
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, item: T) -> Result<(), TunnelError> {
        if self.len >= N {
            return Err(TunnelError::QueueFull);
        }
        let at = (self.head + self.len) % N;
        if let Some(slot) = self.items.get_mut(at) {
            *slot = Some(item);
            self.len += 1;
        }
        Ok(())
    }

    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.items.get_mut(self.head).and_then(Option::take);
        self.head = (self.head + 1) % N;
        self.len -= 1;
        item
    }

    pub(crate) fn free(&self) -> usize {
        N - self.len
    }
}
