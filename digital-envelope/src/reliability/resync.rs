//! ECHO_CHALLENGE and ECHO_RESPONSE bodies (docs 10.4): how a receiver
//! that restarted proves the freshness of the sender's datagrams, as
//! OSCORE's Appendix B.1.2 does with the Echo option (RFC 9175).
//!
//! Codec: fixed offsets, bounds-checked, no panics; trailing bytes are an
//! error so that `encode(decode(b)) == b`.
//!
//! ```text
//! ECHO_CHALLENGE (16 bytes)
//!  0  8  echo      fresh random bytes of the receiver
//!  8  8  floor     lowest counter the sender may still use (receiver's highest seen + 1, or 0)
//!
//! ECHO_RESPONSE (9 + 8n bytes)
//!  0  8  echo      the challenge's echo
//!  8  1  n         counters that follow, 0..=64
//!  9 8n  in flight counters of the sender's datagrams still waiting (unacknowledged, or not yet sent), ascending
//! ```

use crate::error::{DecodeError, EncodeError};

/// Length of an ECHO_CHALLENGE body.
pub const ECHO_CHALLENGE_LEN: usize = 16;
/// Largest number of in-flight counters an ECHO_RESPONSE lists.
pub const MAX_LISTED: usize = 64;

/// An ECHO_CHALLENGE body.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EchoChallenge {
    /// Fresh random bytes.
    pub echo: [u8; 8],
    /// Lowest counter the sender may still use.
    pub floor: u64,
}

impl EchoChallenge {
    /// Decodes a body of exactly 16 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let body = bytes
            .get(..ECHO_CHALLENGE_LEN)
            .ok_or(DecodeError::Truncated {
                offset: bytes.len(),
                needed: ECHO_CHALLENGE_LEN,
            })?;
        if bytes.len() > ECHO_CHALLENGE_LEN {
            return Err(DecodeError::TrailingBytes {
                offset: ECHO_CHALLENGE_LEN,
                extra: bytes.len() - ECHO_CHALLENGE_LEN,
            });
        }
        let (e, f) = body.split_at(8);
        let mut echo = [0u8; 8];
        echo.copy_from_slice(e);
        Ok(EchoChallenge {
            echo,
            floor: super::be(f),
        })
    }

    /// Bytes [`Self::encode`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        ECHO_CHALLENGE_LEN
    }

    /// Encodes into the start of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let out = out
            .get_mut(..ECHO_CHALLENGE_LEN)
            .ok_or(EncodeError::BufferTooSmall {
                needed: ECHO_CHALLENGE_LEN,
            })?;
        let (e, f) = out.split_at_mut(8);
        e.copy_from_slice(&self.echo);
        f.copy_from_slice(&self.floor.to_be_bytes());
        Ok(ECHO_CHALLENGE_LEN)
    }
}

/// An ECHO_RESPONSE body, borrowing its list of counters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EchoResponse<'a> {
    /// The challenge's echo.
    pub echo: [u8; 8],
    /// The in-flight counters, 8 bytes each, big-endian.
    pub in_flight: &'a [u8],
}

impl<'a> EchoResponse<'a> {
    /// The listed counters.
    pub fn counters(&self) -> impl Iterator<Item = u64> + 'a {
        self.in_flight.chunks_exact(8).map(super::be)
    }

    /// Decodes a body; `n` must be at most 64 and match the length.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let head = bytes.get(..9).ok_or(DecodeError::Truncated {
            offset: bytes.len(),
            needed: 9,
        })?;
        let (e, n) = head.split_at(8);
        let n = n.first().copied().unwrap_or(0);
        if usize::from(n) > MAX_LISTED {
            return Err(DecodeError::InvalidValue {
                offset: 8,
                value: n,
            });
        }
        let needed = 9 + 8 * usize::from(n);
        let in_flight = bytes.get(9..needed).ok_or(DecodeError::Truncated {
            offset: bytes.len(),
            needed,
        })?;
        if bytes.len() > needed {
            return Err(DecodeError::TrailingBytes {
                offset: needed,
                extra: bytes.len() - needed,
            });
        }
        let mut echo = [0u8; 8];
        echo.copy_from_slice(e);
        Ok(EchoResponse { echo, in_flight })
    }

    /// Bytes [`Self::encode`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        9 + self.in_flight.len()
    }

    /// Encodes into the start of `out`; the list must hold whole counters,
    /// at most 64.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let n = self.in_flight.len() / 8;
        if !self.in_flight.len().is_multiple_of(8) || n > MAX_LISTED {
            return Err(EncodeError::OutOfRange { field: "in_flight" });
        }
        let needed = self.encoded_len();
        let out = out
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        let (e, rest) = out.split_at_mut(8);
        e.copy_from_slice(&self.echo);
        let (c, list) = rest.split_at_mut(1);
        c.fill(n as u8);
        list.copy_from_slice(self.in_flight);
        Ok(needed)
    }
}
