//! A small hand-written byte cursor (no nom): bounds-checked reads that report
//! the absolute byte offset, and bounds-checked writes into a caller buffer.
//! All ZCL multi-octet integers are little-endian (ZCL rev 6 §2.6.1).

use crate::error::{DecodeError, EncodeError};

/// Reads fields from a borrowed slice, tracking the absolute offset.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader whose first byte is at absolute offset `base`.
    #[inline]
    pub(crate) fn new(bytes: &'a [u8], base: usize) -> Self {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    #[inline]
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        match rest.get(..n) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(DecodeError::Truncated {
                offset: self.offset(),
                what,
                needed: n,
                available: rest.len(),
            }),
        }
    }

    /// Advances over `n` bytes.
    #[inline]
    pub(crate) fn skip(&mut self, n: usize, what: &'static str) -> Result<(), DecodeError> {
        if n <= self.remaining() {
            self.pos += n;
            Ok(())
        } else {
            self.take(n, what).map(drop)
        }
    }

    #[inline]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        rest
    }

    #[inline]
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?.first().copied().unwrap_or_default())
    }

    #[inline]
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        // Width 2 always fits a u16.
        Ok(self.uint(2, what)? as u16)
    }

    #[inline]
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(self.uint(4, what)? as u32)
    }

    /// A little-endian unsigned integer of `width` octets (1..=8).
    #[inline]
    pub(crate) fn uint(&mut self, width: usize, what: &'static str) -> Result<u64, DecodeError> {
        let s = self.take(width, what)?;
        Ok(s.iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    #[inline]
    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let s = self.take(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }
}

/// Writes fields into a caller buffer, never past its end.
#[derive(Debug)]
pub(crate) struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    #[inline]
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self.pos + bytes.len();
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.pos = end;
                Ok(())
            }
            None => Err(EncodeError::BufferTooSmall { needed: end }),
        }
    }

    /// Hands out the next `n` bytes of the buffer for a nested encoder.
    #[inline]
    pub(crate) fn reserve(&mut self, n: usize) -> Result<&mut [u8], EncodeError> {
        let end = self.pos + n;
        match self.buf.get_mut(self.pos..end) {
            Some(dst) => {
                self.pos = end;
                Ok(dst)
            }
            None => Err(EncodeError::BufferTooSmall { needed: end }),
        }
    }

    #[inline]
    pub(crate) fn u8(&mut self, v: u8) -> Result<(), EncodeError> {
        self.put(&[v])
    }

    #[inline]
    pub(crate) fn u16(&mut self, v: u16) -> Result<(), EncodeError> {
        self.put(&v.to_le_bytes())
    }

    #[inline]
    pub(crate) fn u32(&mut self, v: u32) -> Result<(), EncodeError> {
        self.put(&v.to_le_bytes())
    }

    /// The low `width` octets of `v`, little-endian.
    #[inline]
    pub(crate) fn uint(&mut self, v: u64, width: usize) -> Result<(), EncodeError> {
        let bytes = v.to_le_bytes();
        match bytes.get(..width) {
            Some(s) => self.put(s),
            None => Err(EncodeError::InvalidValue {
                what: "integer width",
            }),
        }
    }
}

/// Runs an encoder after checking the buffer against the precomputed length,
/// so `BufferTooSmall` always reports the full length needed.
pub(crate) fn encode_with(
    needed: usize,
    buf: &mut [u8],
    f: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    if buf.len() < needed {
        return Err(EncodeError::BufferTooSmall { needed });
    }
    let mut w = Writer::new(buf);
    f(&mut w)?;
    Ok(w.position())
}
