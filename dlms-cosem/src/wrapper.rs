//! The IEC 62056-47 wrapper (COSEM transport over TCP and UDP, clause 5):
//! an 8-byte header (version, source wPort, destination wPort, length, all
//! big-endian `u16`) in front of one APDU, and [`WrapperStream`], a
//! streaming decoder for a TCP byte stream.
//!
//! Parsing uses the crate's hand cursor ([`crate::axdr::Reader`]).
//!
//! ```
//! use dual_protocol_dlms_cosem::wrapper::{WrapperFrame, WrapperStream};
//! use dual_protocol_dlms_cosem::Encode;
//!
//! let frame = WrapperFrame { version: 1, source_wport: 0x10, destination_wport: 1, apdu: &[0x62, 0x03, 0x80, 0x01, 0x00] };
//! let mut bytes = [0u8; 13];
//! frame.encode(&mut bytes)?;
//! let mut stream = WrapperStream::<64>::new(64);
//! // Split across two reads.
//! assert_eq!(stream.feed(&bytes[..5]), 5);
//! assert!(stream.poll_frame()?.is_none());
//! assert_eq!(stream.feed(&bytes[5..]), 8);
//! assert_eq!(stream.poll_frame()?, Some(frame));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::axdr::{Decode, Encode, Reader, Writer};
use crate::error::{DecodeError, EncodeError};

/// One wrapper frame: header fields and the borrowed APDU. The length field
/// is the APDU's length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrapperFrame<'a> {
    /// Protocol version (1).
    pub version: u16,
    /// Source wPort (the client SAP or server logical device).
    pub source_wport: u16,
    /// Destination wPort.
    pub destination_wport: u16,
    /// The APDU.
    pub apdu: &'a [u8],
}

impl WrapperFrame<'_> {
    /// Header length.
    pub const HEADER_LEN: usize = 8;
    /// The version this crate sends.
    pub const VERSION: u16 = 1;

    /// The length field of a header at the start of `bytes`, if 8 bytes are there.
    #[must_use]
    pub fn peek_length(bytes: &[u8]) -> Option<usize> {
        match bytes.get(6..8) {
            Some([a, b]) => Some(usize::from(u16::from_be_bytes([*a, *b]))),
            _ => None,
        }
    }
}

impl<'a> Decode<'a> for WrapperFrame<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let version = r.u16()?;
        let source_wport = r.u16()?;
        let destination_wport = r.u16()?;
        let length = usize::from(r.u16()?);
        Ok(Self {
            version,
            source_wport,
            destination_wport,
            apdu: r.bytes(length)?,
        })
    }
}

impl Encode for WrapperFrame<'_> {
    fn encoded_len(&self) -> usize {
        Self::HEADER_LEN + self.apdu.len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let length = u16::try_from(self.apdu.len()).map_err(|_| EncodeError::InvalidValue {
            what: "wrapper APDU (over 65535 bytes)",
        })?;
        for v in [
            self.version,
            self.source_wport,
            self.destination_wport,
            length,
        ] {
            w.put(&v.to_be_bytes())?;
        }
        w.put(self.apdu)
    }
}

/// Why [`WrapperStream`] gave up on the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WrapperStreamError {
    /// A header announces an APDU longer than the caller's maximum. A TCP
    /// stream cannot be resynchronised after this; the buffered bytes are
    /// dropped and the caller should close the connection.
    #[error("wrapper frame announces {length} bytes, over the maximum {max}")]
    FrameTooLong {
        /// The announced APDU length.
        length: usize,
        /// The maximum in force.
        max: usize,
    },
}

/// A streaming wrapper decoder for TCP: frames split across reads and
/// several frames in one read, with a caller-set maximum APDU length and a
/// fixed buffer of `N` bytes (no heap).
///
/// Drive it with [`WrapperStream::feed`] and then [`WrapperStream::poll_frame`]
/// until it returns `Ok(None)`; feed again what `feed` did not take.
#[derive(Clone, Debug)]
pub struct WrapperStream<const N: usize> {
    buf: [u8; N],
    len: usize,
    consumed: usize,
    max_apdu: usize,
}

impl<const N: usize> WrapperStream<N> {
    /// A decoder accepting APDUs up to `max_apdu` bytes (capped at `N - 8`).
    #[must_use]
    pub const fn new(max_apdu: usize) -> Self {
        let cap = N.saturating_sub(WrapperFrame::HEADER_LEN);
        Self {
            buf: [0; N],
            len: 0,
            consumed: 0,
            max_apdu: if max_apdu < cap { max_apdu } else { cap },
        }
    }

    /// The maximum APDU length in force.
    #[must_use]
    pub const fn max_apdu(&self) -> usize {
        self.max_apdu
    }

    /// Bytes buffered and not yet returned as a frame.
    #[must_use]
    pub const fn buffered(&self) -> usize {
        self.len - self.consumed
    }

    fn compact(&mut self) {
        if self.consumed > 0 {
            self.buf.copy_within(self.consumed..self.len, 0);
            self.len -= self.consumed;
            self.consumed = 0;
        }
    }

    /// Takes as many bytes of `input` as fit and returns how many it took.
    pub fn feed(&mut self, input: &[u8]) -> usize {
        self.compact();
        let free = self.buf.get_mut(self.len..).unwrap_or(&mut []);
        let n = free.len().min(input.len());
        if let (Some(dst), Some(src)) = (free.get_mut(..n), input.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.len += n;
        n
    }

    /// The next complete frame, `Ok(None)` when more bytes are needed.
    pub fn poll_frame(&mut self) -> Result<Option<WrapperFrame<'_>>, WrapperStreamError> {
        self.compact();
        let data = self.buf.get(..self.len).unwrap_or(&[]);
        let Some(length) = WrapperFrame::peek_length(data) else {
            return Ok(None);
        };
        if length > self.max_apdu {
            self.len = 0;
            return Err(WrapperStreamError::FrameTooLong {
                length,
                max: self.max_apdu,
            });
        }
        let total = WrapperFrame::HEADER_LEN + length;
        let Some(frame) = data.get(..total) else {
            return Ok(None);
        };
        self.consumed = total;
        Ok(WrapperFrame::decode(frame).ok())
    }
}
