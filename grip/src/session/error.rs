//! Session errors, grouped by who is at fault (as rustls does): the bytes
//! were malformed, the peer broke a rule, the peer wants something this
//! implementation does not support, or the caller misused the API.

use crate::error::DecodeError;
use crate::frame::CloseReason;

/// A session error. Errors from the peer close the connection (a CLOSE
/// frame with the matching [`CloseReason`] is queued for transmission and
/// [`crate::session::Event::Closed`] is reported); caller errors change
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A frame does not decode (docs/grip.md §3–§10).
    #[error("malformed frame: {0}")]
    Malformed(DecodeError),
    /// The peer broke a rule of the protocol.
    #[error("peer misbehaved: {0}")]
    Peer(PeerError),
    /// The peer uses something this implementation does not support.
    #[error("unsupported: {0}")]
    Unsupported(UnsupportedError),
    /// The caller misused the API; nothing was sent.
    #[error("caller error: {0}")]
    Caller(CallerError),
}

/// A peer broke a rule (docs/grip.md §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PeerError {
    /// A frame larger than our MAX_FRAME.
    #[error("frame of {length} octets exceeds our maximum {max}")]
    FrameTooLarge {
        /// Announced length.
        length: usize,
        /// Our maximum.
        max: usize,
    },
    /// A frame not legal in the current state (§5).
    #[error("unexpected frame type {frame_type:#04x}")]
    UnexpectedFrame {
        /// Its type code.
        frame_type: u8,
    },
    /// A sequenced id above cursor + 1 (§6.1).
    #[error("sequence gap: expected id {expected}, got {got}")]
    SequenceGap {
        /// cursor + 1.
        expected: u32,
        /// The id received.
        got: u32,
    },
    /// An acknowledgement (ACK, resume cursor, GOAWAY, reply_to) of an id
    /// we never sent (§6.2).
    #[error("acknowledgement of id {acked}, but the last id sent is {last_sent}")]
    AckUnknown {
        /// The id acknowledged.
        acked: u32,
        /// Our last id sent.
        last_sent: u32,
    },
    /// A device window exceeded, or more released than in flight (§7).
    #[error("credit violation by frame id {id}")]
    CreditViolation {
        /// The offending frame's id.
        id: u32,
    },
    /// Messages for more devices than our MAX_DEVICES (§7.1).
    #[error("too many devices (frame id {id})")]
    ResourceExhausted {
        /// The offending frame's id.
        id: u32,
    },
    /// CHUNK without the CHUNKED feature (§4.2).
    #[error("chunk id {id} without the CHUNKED feature")]
    NotNegotiated {
        /// The offending frame's id.
        id: u32,
    },
    /// WELCOME says RESUMED for a session we did not ask to resume (§8.2).
    #[error("WELCOME resumed a session that was not requested")]
    BadResume,
    /// The peer's TLS identity differs from the one the session is bound to (§8.1).
    #[error("peer identity differs from the session's")]
    IdentityMismatch,
    /// The peer was silent for 1.5 × keepalive (§10).
    #[error("idle timeout")]
    IdleTimeout,
}

/// The peer uses something not supported (docs/grip.md §5, §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum UnsupportedError {
    /// No common version.
    #[error("no common version: peer offers {min}..={max}")]
    Version {
        /// Peer's lowest.
        min: u8,
        /// Peer's highest.
        max: u8,
    },
    /// An unknown frame type.
    #[error("unknown frame type {0:#04x}")]
    FrameType(u8),
}

/// The caller misused the API; the session is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CallerError {
    /// The retention store (octets or entries) is full (§6.3).
    #[error("retention store full")]
    QueueFull,
    /// The payload does not fit the peer's MAX_FRAME; use a transfer.
    #[error("payload of {len} octets exceeds the largest {max}")]
    PayloadTooLarge {
        /// Payload length.
        len: usize,
        /// The largest allowed.
        max: usize,
    },
    /// The device table is full.
    #[error("device table full")]
    DeviceTableFull,
    /// The transfer table is full.
    #[error("transfer table full")]
    TransferTableFull,
    /// No such open transfer.
    #[error("unknown transfer {0}")]
    UnknownTransfer(u32),
    /// Chunk data beyond the transfer's total.
    #[error("chunk beyond the transfer's total")]
    TransferOverrun,
    /// The peer did not negotiate CHUNKED.
    #[error("peer did not negotiate chunked transfers")]
    NotNegotiated,
    /// More released than received and not yet released.
    #[error("release of {requested} but only {outstanding} outstanding")]
    ReleaseExceedsOutstanding {
        /// Requested.
        requested: u32,
        /// Outstanding.
        outstanding: u32,
    },
    /// The session is going away: no new messages.
    #[error("the session is going away")]
    GoingAway,
    /// No connection: call `connect` first.
    #[error("not connected")]
    NotConnected,
    /// A connection is already in progress.
    #[error("already connected")]
    AlreadyConnected,
    /// A window outside 1..=65535 after the change.
    #[error("invalid window")]
    InvalidWindow,
}

impl SessionError {
    /// The CLOSE reason and detail the peer is told, for errors that close.
    #[must_use]
    pub fn close_reason(&self) -> Option<(CloseReason, u32)> {
        Some(match *self {
            SessionError::Malformed(DecodeError::FrameTooLarge { length, .. }) => {
                (CloseReason::FrameTooLarge, length as u32)
            }
            SessionError::Malformed(e) => (CloseReason::Malformed, decode_offset(&e) as u32),
            SessionError::Peer(p) => match p {
                PeerError::FrameTooLarge { length, .. } => {
                    (CloseReason::FrameTooLarge, length as u32)
                }
                PeerError::UnexpectedFrame { frame_type } => {
                    (CloseReason::UnexpectedFrame, u32::from(frame_type))
                }
                PeerError::SequenceGap { got, .. } => (CloseReason::SequenceGap, got),
                PeerError::AckUnknown { acked, .. } => (CloseReason::AckUnknown, acked),
                PeerError::CreditViolation { id } => (CloseReason::CreditViolation, id),
                PeerError::ResourceExhausted { id } => (CloseReason::ResourceExhausted, id),
                PeerError::NotNegotiated { id } => (CloseReason::NotNegotiated, id),
                PeerError::BadResume => (CloseReason::ProtocolError, 0),
                PeerError::IdentityMismatch => (CloseReason::IdentityMismatch, 0),
                PeerError::IdleTimeout => (CloseReason::IdleTimeout, 0),
            },
            SessionError::Unsupported(UnsupportedError::Version { max, .. }) => {
                (CloseReason::UnsupportedVersion, u32::from(max))
            }
            SessionError::Unsupported(UnsupportedError::FrameType(t)) => {
                (CloseReason::UnknownFrameType, u32::from(t))
            }
            SessionError::Caller(_) => return None,
        })
    }
}

fn decode_offset(e: &DecodeError) -> usize {
    match *e {
        DecodeError::Truncated { offset, .. }
        | DecodeError::TrailingBytes { offset, .. }
        | DecodeError::ReservedBits { offset, .. }
        | DecodeError::InvalidValue { offset, .. }
        | DecodeError::TlvOrder { offset }
        | DecodeError::TlvLength { offset, .. }
        | DecodeError::Descriptor { offset, .. }
        | DecodeError::ChunkRange { offset } => offset,
        _ => 0,
    }
}

impl From<CallerError> for SessionError {
    fn from(e: CallerError) -> Self {
        SessionError::Caller(e)
    }
}

impl From<PeerError> for SessionError {
    fn from(e: PeerError) -> Self {
        SessionError::Peer(e)
    }
}
