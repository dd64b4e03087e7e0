//! A small hand-written reading cursor (no nom): every read is bounds
//! checked and reports the absolute offset of a truncation.

use crate::error::DecodeError;

/// Reads big-endian fields from a byte slice, tracking the offset.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Offset of `bytes[0]` within the frame (for error reports).
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], base: usize) -> Self {
        Reader {
            bytes,
            pos: 0,
            base,
        }
    }

    /// Absolute offset of the next octet.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated {
            offset: self.offset(),
            needed: n,
        })?;
        let s = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| DecodeError::Truncated {
                offset: self.offset(),
                needed: n.saturating_sub(self.remaining()),
            })?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        s
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn i16(&mut self) -> Result<i16, DecodeError> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
}

/// Writes fields into a buffer already checked to be large enough; each
/// write still goes through `get_mut` so nothing can panic.
pub(crate) struct Writer<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(out: &'a mut [u8]) -> Self {
        Writer { out, pos: 0 }
    }

    pub(crate) fn put(&mut self, bytes: &[u8]) {
        if let Some(d) = self.out.get_mut(self.pos..self.pos + bytes.len()) {
            d.copy_from_slice(bytes);
        }
        self.pos += bytes.len();
    }

    pub(crate) fn tail(&mut self) -> &mut [u8] {
        self.out.get_mut(self.pos..).unwrap_or_default()
    }

    pub(crate) fn advance(&mut self, n: usize) {
        self.pos += n;
    }
}
