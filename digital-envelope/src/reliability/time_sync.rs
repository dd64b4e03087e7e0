//! TIME_REQUEST and TIME_RESPONSE bodies (docs 10.5), and the clock
//! estimate a sender derives from a response.
//!
//! Codec: fixed offsets, bounds-checked, no panics; trailing bytes are an
//! error so that `encode(decode(b)) == b`.
//!
//! ```text
//! TIME_REQUEST (8 bytes)
//!  0  8  nonce        fresh random bytes of the requester
//!
//! TIME_RESPONSE (24 bytes)
//!  0  8  request      counter (epoch u24 ‖ sequence u40) of the TIME_REQUEST answered
//!  8  8  nonce        the request's nonce
//! 16  8  utc millis   u64 milliseconds since 1970-01-01T00:00:00Z when the response was made
//! ```

use dual_protocol_primitives::time::{Duration, Instant};

use crate::error::{DecodeError, EncodeError};

/// Length of a TIME_REQUEST body.
pub const TIME_REQUEST_LEN: usize = 8;
/// Length of a TIME_RESPONSE body.
pub const TIME_RESPONSE_LEN: usize = 24;

/// A TIME_REQUEST body.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeRequest {
    /// Fresh random bytes.
    pub nonce: [u8; 8],
}

/// A TIME_RESPONSE body.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeResponse {
    /// Counter of the request answered.
    pub request: u64,
    /// The request's nonce.
    pub nonce: [u8; 8],
    /// UTC in milliseconds since the Unix epoch, when the response was made.
    pub utc_millis: u64,
}

fn exact(bytes: &[u8], len: usize) -> Result<&[u8], DecodeError> {
    let body = bytes.get(..len).ok_or(DecodeError::Truncated {
        offset: bytes.len(),
        needed: len,
    })?;
    if bytes.len() > len {
        return Err(DecodeError::TrailingBytes {
            offset: len,
            extra: bytes.len() - len,
        });
    }
    Ok(body)
}

fn nonce(b: &[u8]) -> [u8; 8] {
    let mut n = [0u8; 8];
    for (d, s) in n.iter_mut().zip(b) {
        *d = *s;
    }
    n
}

impl TimeRequest {
    /// Decodes a body of exactly 8 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        Ok(TimeRequest {
            nonce: nonce(exact(bytes, TIME_REQUEST_LEN)?),
        })
    }

    /// Bytes [`Self::encode`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        TIME_REQUEST_LEN
    }

    /// Encodes into the start of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        out.get_mut(..TIME_REQUEST_LEN)
            .ok_or(EncodeError::BufferTooSmall {
                needed: TIME_REQUEST_LEN,
            })?
            .copy_from_slice(&self.nonce);
        Ok(TIME_REQUEST_LEN)
    }
}

impl TimeResponse {
    /// Decodes a body of exactly 24 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let b = exact(bytes, TIME_RESPONSE_LEN)?;
        let (r, rest) = b.split_at(8);
        let (n, t) = rest.split_at(8);
        Ok(TimeResponse {
            request: super::be(r),
            nonce: nonce(n),
            utc_millis: super::be(t),
        })
    }

    /// Bytes [`Self::encode`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        TIME_RESPONSE_LEN
    }

    /// Encodes into the start of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let out = out
            .get_mut(..TIME_RESPONSE_LEN)
            .ok_or(EncodeError::BufferTooSmall {
                needed: TIME_RESPONSE_LEN,
            })?;
        let (r, rest) = out.split_at_mut(8);
        let (n, t) = rest.split_at_mut(8);
        r.copy_from_slice(&self.request.to_be_bytes());
        n.copy_from_slice(&self.nonce);
        t.copy_from_slice(&self.utc_millis.to_be_bytes());
        Ok(TIME_RESPONSE_LEN)
    }
}

/// What a time response tells the requester (docs 10.5).
///
/// The responder stamped `utc_millis` after the request left (`sent_at`)
/// and before the response arrived (`at`), so UTC at `at` lies in
/// `[utc_millis, utc_millis + round_trip]`. The estimate is the middle of
/// that interval; its error is at most `uncertainty = round_trip / 2`,
/// whatever an attacker delays, as long as the responder's clock is right.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeEstimate {
    /// Estimated UTC at `at`, milliseconds since the Unix epoch.
    pub utc_millis: u64,
    /// The requester's monotonic time the estimate is for.
    pub at: Instant,
    /// From sending the request to receiving the response.
    pub round_trip: Duration,
    /// Largest error of the estimate (half the round trip, rounded up).
    pub uncertainty: Duration,
}

impl TimeEstimate {
    /// The estimate from a response stamped `utc_millis` and received at
    /// `at`, for a request sent at `sent_at`.
    #[must_use]
    pub fn new(utc_millis: u64, sent_at: Instant, at: Instant) -> Self {
        let round_trip = at.saturating_duration_since(sent_at);
        let half_us = round_trip.as_micros().div_ceil(2);
        let half = Duration::from_micros(u64::try_from(half_us).unwrap_or(u64::MAX));
        let half_ms = u64::try_from(round_trip.as_millis() / 2).unwrap_or(u64::MAX);
        TimeEstimate {
            utc_millis: utc_millis.saturating_add(half_ms),
            at,
            round_trip,
            uncertainty: half,
        }
    }
}
