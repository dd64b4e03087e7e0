//! The hand-written cursor every decoder here uses (no nom: the headers are
//! short fixed layouts, and a cursor keeps the NWK header decode in a few
//! nanoseconds). Reading never panics; every read returns a
//! [`DecodeError::Truncated`] naming the field and offset.

use crate::error::{DecodeError, EncodeError};
use dual_protocol_primitives::eui64::Eui64;

/// A bounds-checked reader over a borrowed slice.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    #[inline]
    pub(crate) const fn offset(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) const fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    #[inline]
    pub(crate) const fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    #[inline]
    fn short(&self, what: &'static str, n: usize) -> DecodeError {
        DecodeError::Truncated {
            offset: self.pos,
            what,
            needed: n.saturating_sub(self.remaining()),
        }
    }

    /// Takes `n` bytes.
    #[inline]
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.short(what, n))?;
        match self.buf.get(self.pos..end) {
            Some(s) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(self.short(what, n)),
        }
    }

    #[inline]
    pub(crate) fn array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<[u8; N], DecodeError> {
        let s = self.take(N, what)?;
        <[u8; N]>::try_from(s).map_err(|_| self.short(what, N))
    }

    /// Borrows `N` bytes as an array reference.
    #[inline]
    pub(crate) fn take_array<const N: usize>(
        &mut self,
        what: &'static str,
    ) -> Result<&'a [u8; N], DecodeError> {
        let s = self.take(N, what)?;
        <&[u8; N]>::try_from(s).map_err(|_| self.short(what, N))
    }

    #[inline]
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.short(what, 1)),
        }
    }

    #[inline]
    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array::<2>(what)?))
    }

    #[inline]
    pub(crate) fn u24(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let [a, b, c] = self.array::<3>(what)?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    #[inline]
    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array::<4>(what)?))
    }

    /// An EUI-64 in on-air (little-endian) order.
    #[inline]
    pub(crate) fn eui64(&mut self, what: &'static str) -> Result<Eui64, DecodeError> {
        // One 64-bit load and a byte swap (building the array byte by byte
        // costs a store-forwarding stall on x86).
        Ok(Eui64::from_u64(u64::from_le_bytes(self.array::<8>(what)?)))
    }

    /// All remaining bytes.
    #[inline]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        s
    }

    /// Errors if bytes remain.
    #[inline]
    pub(crate) fn finish(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                offset: self.pos,
                what,
                count: self.remaining(),
            })
        }
    }
}

/// A bounds-checked writer over a caller buffer.
#[derive(Debug)]
pub(crate) struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    /// A writer that first checks `needed` bytes fit.
    #[inline]
    pub(crate) fn new(buf: &'b mut [u8], needed: usize) -> Result<Self, EncodeError> {
        if buf.len() < needed {
            return Err(EncodeError::BufferTooSmall { needed });
        }
        Ok(Writer { buf, pos: 0 })
    }

    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<(), EncodeError> {
        let end = self.pos + b.len();
        let needed = end;
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        dst.copy_from_slice(b);
        self.pos = end;
        Ok(())
    }

    #[inline]
    pub(crate) fn u8(&mut self, v: u8) -> Result<(), EncodeError> {
        let needed = self.pos + 1;
        let d = self
            .buf
            .get_mut(self.pos)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        *d = v;
        self.pos += 1;
        Ok(())
    }

    #[inline]
    pub(crate) fn u16(&mut self, v: u16) -> Result<(), EncodeError> {
        self.bytes(&v.to_le_bytes())
    }

    #[inline]
    pub(crate) fn u24(&mut self, v: u32) -> Result<(), EncodeError> {
        let [a, b, c, _] = v.to_le_bytes();
        self.bytes(&[a, b, c])
    }

    #[inline]
    pub(crate) fn u32(&mut self, v: u32) -> Result<(), EncodeError> {
        self.bytes(&v.to_le_bytes())
    }

    #[inline]
    pub(crate) fn eui64(&mut self, v: Eui64) -> Result<(), EncodeError> {
        self.bytes(&v.to_le_bytes())
    }

    /// The written length.
    #[inline]
    pub(crate) const fn done(self) -> usize {
        self.pos
    }
}
