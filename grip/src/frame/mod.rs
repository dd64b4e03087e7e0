//! GRIP frames (docs/grip.md §3): a 4-octet header (type, 24-bit body
//! length) and a body per type.
//!
//! # Contract
//!
//! Decoding uses a small hand cursor (`crate::cursor`, no nom), borrows
//! payloads from the input, allocates nothing and never panics: every
//! malformed input yields a [`DecodeError`] with the offset from the start
//! of the frame. [`Frame::encode`] needs a buffer of at least
//! [`Frame::encoded_len`] octets and otherwise returns
//! [`EncodeError::BufferTooSmall`]. Unknown frame types decode to
//! [`Frame::Unknown`] and unknown capability TLVs are kept, so
//! `encode(decode(b)) == b` for every frame that decodes.

mod control;
mod hello;
mod sequenced;

pub use control::{Close, CloseReason, GoAway, GoAwayCode};
pub use hello::{Capabilities, Features, Hello, Resume, SessionId, Welcome};
pub use sequenced::{Chunk, Credit, Message, Priority};

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};

/// Length of the frame header.
pub const HEADER_LEN: usize = 4;
/// Largest body a header can announce (2^24 − 1).
pub const MAX_BODY_LEN: usize = 0x00ff_ffff;
/// Largest possible frame (header plus the largest body).
pub const MAX_FRAME_LIMIT: usize = HEADER_LEN + MAX_BODY_LEN;
/// Smallest `MAX_FRAME` a peer may declare (§5.3).
pub const MIN_MAX_FRAME: usize = 64;
/// Default `MAX_FRAME` (§5.3): a 16 KiB body plus the header.
pub const DEFAULT_MAX_FRAME: usize = 16_388;

macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $c:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vm])* $v,)*
            /// A value this version does not define, kept for round trips.
            Unknown(u8),
        }
        impl From<u8> for $name {
            fn from(c: u8) -> Self {
                match c { $($c => $name::$v,)* other => $name::Unknown(other) }
            }
        }
        impl From<$name> for u8 {
            fn from(v: $name) -> u8 {
                match v { $($name::$v => $c,)* $name::Unknown(c) => c }
            }
        }
    };
}
pub(crate) use codes;

codes! {
    /// Frame type codes (§3).
    FrameType {
        /// HELLO (§5.1).
        Hello = 0x01,
        /// WELCOME (§5.2).
        Welcome = 0x02,
        /// ACK (§6.2).
        Ack = 0x03,
        /// PING (§10).
        Ping = 0x04,
        /// PONG (§10).
        Pong = 0x05,
        /// GOAWAY (§9).
        GoAway = 0x06,
        /// CLOSE (§10).
        Close = 0x07,
        /// MESSAGE (§4.1).
        Message = 0x10,
        /// CHUNK (§4.2).
        Chunk = 0x11,
        /// CREDIT (§7.2).
        Credit = 0x12,
    }
}

/// One GRIP frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame<'a> {
    /// HELLO (§5.1).
    Hello(Hello<'a>),
    /// WELCOME (§5.2).
    Welcome(Welcome<'a>),
    /// ACK: the sender's cursor (§6.2).
    Ack {
        /// Last sequenced id received.
        last_received: u32,
    },
    /// PING with opaque data (§10).
    Ping([u8; 8]),
    /// PONG echoing a PING's data (§10).
    Pong([u8; 8]),
    /// GOAWAY (§9).
    GoAway(GoAway),
    /// CLOSE (§10).
    Close(Close),
    /// MESSAGE (§4.1).
    Message(Message<'a>),
    /// CHUNK (§4.2).
    Chunk(Chunk<'a>),
    /// CREDIT (§7.2).
    Credit(Credit),
    /// A frame type this version does not define, with its raw body.
    Unknown {
        /// The type code.
        frame_type: u8,
        /// The body.
        body: &'a [u8],
    },
}

/// Reads a frame header: the type code and the total frame length.
/// Returns `None` when fewer than [`HEADER_LEN`] octets are given.
#[must_use]
pub fn peek_header(bytes: &[u8]) -> Option<(u8, usize)> {
    match bytes {
        [t, a, b, c, ..] => Some((
            *t,
            HEADER_LEN + (usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)),
        )),
        _ => None,
    }
}

impl<'a> Frame<'a> {
    /// The frame's type code.
    #[must_use]
    pub fn frame_type(&self) -> FrameType {
        match self {
            Frame::Hello(_) => FrameType::Hello,
            Frame::Welcome(_) => FrameType::Welcome,
            Frame::Ack { .. } => FrameType::Ack,
            Frame::Ping(_) => FrameType::Ping,
            Frame::Pong(_) => FrameType::Pong,
            Frame::GoAway(_) => FrameType::GoAway,
            Frame::Close(_) => FrameType::Close,
            Frame::Message(_) => FrameType::Message,
            Frame::Chunk(_) => FrameType::Chunk,
            Frame::Credit(_) => FrameType::Credit,
            Frame::Unknown { frame_type, .. } => FrameType::from(*frame_type),
        }
    }

    /// Decodes exactly one frame occupying all of `bytes`.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let (frame, used) =
            Self::decode_prefix(bytes, MAX_FRAME_LIMIT)?.ok_or(DecodeError::Truncated {
                offset: bytes.len(),
                needed: match peek_header(bytes) {
                    Some((_, len)) => len.saturating_sub(bytes.len()),
                    None => HEADER_LEN.saturating_sub(bytes.len()),
                },
            })?;
        if used != bytes.len() {
            return Err(DecodeError::TrailingBytes {
                offset: used,
                extra: bytes.len() - used,
            });
        }
        Ok(frame)
    }

    /// Decodes the frame at the start of a stream buffer: `Ok(None)` when
    /// more octets are needed, else the frame and the octets it used.
    /// A header announcing more than `max_frame` octets is
    /// [`DecodeError::FrameTooLarge`] at once, before the body arrives.
    pub fn decode_prefix(
        bytes: &'a [u8],
        max_frame: usize,
    ) -> Result<Option<(Self, usize)>, DecodeError> {
        let Some((ty, len)) = peek_header(bytes) else {
            return Ok(None);
        };
        if len > max_frame {
            return Err(DecodeError::FrameTooLarge {
                length: len,
                max: max_frame,
            });
        }
        let Some(body) = bytes.get(HEADER_LEN..len) else {
            return Ok(None);
        };
        let frame = Self::decode_body(ty, body)?;
        Ok(Some((frame, len)))
    }

    fn decode_body(ty: u8, body: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body, HEADER_LEN);
        let frame = match FrameType::from(ty) {
            FrameType::Hello => Frame::Hello(Hello::read(&mut r)?),
            FrameType::Welcome => Frame::Welcome(Welcome::read(&mut r)?),
            FrameType::Ack => Frame::Ack {
                last_received: r.u32()?,
            },
            FrameType::Ping => Frame::Ping(r.array()?),
            FrameType::Pong => Frame::Pong(r.array()?),
            FrameType::GoAway => Frame::GoAway(GoAway::read(&mut r)?),
            FrameType::Close => Frame::Close(Close::read(&mut r)?),
            FrameType::Message => Frame::Message(Message::read(&mut r)?),
            FrameType::Chunk => Frame::Chunk(Chunk::read(&mut r)?),
            FrameType::Credit => Frame::Credit(Credit::read(&mut r)?),
            FrameType::Unknown(frame_type) => Frame::Unknown {
                frame_type,
                body: r.rest(),
            },
        };
        if r.remaining() != 0 {
            return Err(DecodeError::TrailingBytes {
                offset: r.offset(),
                extra: r.remaining(),
            });
        }
        Ok(frame)
    }

    /// Length of the body.
    #[must_use]
    pub fn body_len(&self) -> usize {
        match self {
            Frame::Hello(h) => h.body_len(),
            Frame::Welcome(w) => w.body_len(),
            Frame::Ack { .. } => 4,
            Frame::Ping(_) | Frame::Pong(_) => 8,
            Frame::GoAway(_) => GoAway::BODY_LEN,
            Frame::Close(_) => Close::BODY_LEN,
            Frame::Message(m) => m.body_len(),
            Frame::Chunk(c) => c.body_len(),
            Frame::Credit(c) => c.body_len(),
            Frame::Unknown { body, .. } => body.len(),
        }
    }

    /// Octets [`Self::encode`] writes (header plus body).
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + self.body_len()
    }

    /// Encodes the frame into the start of `out`; returns the octets written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let body_len = self.body_len();
        if body_len > MAX_BODY_LEN {
            return Err(EncodeError::FrameTooLarge { length: body_len });
        }
        let needed = HEADER_LEN + body_len;
        let out = out
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        let mut w = Writer::new(out);
        let len = (body_len as u32).to_be_bytes();
        w.put(&[u8::from(self.frame_type()), len[1], len[2], len[3]]);
        match self {
            Frame::Hello(h) => h.write(&mut w)?,
            Frame::Welcome(x) => x.write(&mut w)?,
            Frame::Ack { last_received } => w.put(&last_received.to_be_bytes()),
            Frame::Ping(d) | Frame::Pong(d) => w.put(d),
            Frame::GoAway(g) => g.write(&mut w),
            Frame::Close(c) => c.write(&mut w),
            Frame::Message(m) => m.write(&mut w)?,
            Frame::Chunk(c) => c.write(&mut w)?,
            Frame::Credit(c) => c.write(&mut w),
            Frame::Unknown { body, .. } => w.put(body),
        }
        Ok(needed)
    }

    /// Encodes into a new vector.
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len()];
        let n = self.encode(&mut v)?;
        v.truncate(n);
        Ok(v)
    }
}
