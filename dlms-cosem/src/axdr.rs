//! A-XDR (IEC 61334-6) primitives: the byte cursor, the length form, the
//! [`Decode`] / [`Encode`] traits and lazy [`List`] views for `SEQUENCE OF`.
//!
//! Parsing uses a small hand-written cursor ([`Reader`]), not nom: A-XDR is
//! a flat, tag-then-content format where a cursor keeps the code short and
//! lets every error carry the absolute byte offset.
//!
//! # No-panic contract
//!
//! Nothing here panics on any input. [`Decode::decode`] fails with a
//! [`DecodeError`] carrying the byte offset of the failing field;
//! [`Encode::encode`] checks the buffer against [`Encode::encoded_len`] first
//! and fails with [`EncodeError::BufferTooSmall`] otherwise.
//!
//! # Length form (IEC 61334-6, clause 5, "length of the contents")
//!
//! A length below 128 is one byte. Otherwise the first byte is `0x80 | n`
//! followed by `n` big-endian bytes. This crate accepts `n` up to 4 and
//! rejects a non-minimal form ([`DecodeErrorKind::NonMinimalLength`]) so
//! that every accepted frame re-encodes byte for byte.

use core::fmt;
use core::marker::PhantomData;

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// Deepest nesting of arrays, structures and compact-array type descriptions
/// that [`crate::data::Data`] accepts. A top-level array is depth 1; the
/// 100-row load profile (array of structures) is depth 2. Enforced once at
/// decode, so later iteration never recurses deeper than this.
pub const NESTING_LIMIT: usize = 16;

/// A read cursor over borrowed bytes that reports absolute offsets.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`; offsets count from 0.
    #[must_use]
    pub const fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            base: 0,
        }
    }

    /// A cursor over `buf` whose offsets start at `base` (for nested content).
    #[must_use]
    pub const fn with_base(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    #[must_use]
    #[inline]
    pub const fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Bytes left.
    #[must_use]
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The bytes not yet read.
    #[must_use]
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    /// The bytes between `start` (a value of [`Reader::position`]) and now.
    #[must_use]
    #[inline]
    pub fn since(&self, start: usize) -> &'a [u8] {
        self.buf.get(start..self.pos).unwrap_or(&[])
    }

    /// Position relative to this reader's buffer (for [`Reader::since`]).
    #[must_use]
    #[inline]
    pub const fn position(&self) -> usize {
        self.pos
    }

    /// An error of `kind` at the current offset.
    #[must_use]
    pub const fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::new(self.offset(), kind)
    }

    /// Fails with [`DecodeErrorKind::TrailingBytes`] unless all bytes were read.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(self.error(DecodeErrorKind::TrailingBytes { count })),
        }
    }

    /// Takes `n` bytes.
    #[inline]
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n);
        match end.and_then(|end| self.buf.get(self.pos..end)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.error(DecodeErrorKind::Truncated {
                needed: n.saturating_sub(self.remaining()),
            })),
        }
    }

    /// Moves `n` bytes on when the caller has checked that they are there
    /// (never past the end).
    #[inline]
    pub(crate) fn advance_checked(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    /// Skips `n` bytes.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Result<(), DecodeError> {
        self.bytes(n).map(|_| ())
    }

    /// Takes a fixed-size array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let s = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    /// Looks at the next byte without taking it.
    #[inline]
    pub fn peek_u8(&self) -> Result<u8, DecodeError> {
        self.buf
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.error(DecodeErrorKind::Truncated { needed: 1 }))
    }

    /// Takes one byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        let b = self.peek_u8()?;
        self.pos += 1;
        Ok(b)
    }

    /// Big-endian `u16`.
    #[inline]
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        self.array().map(u16::from_be_bytes)
    }

    /// Big-endian `u32`.
    #[inline]
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        self.array().map(u32::from_be_bytes)
    }

    /// Big-endian `u64`.
    #[inline]
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        self.array().map(u64::from_be_bytes)
    }

    /// An A-XDR length (see the module doc).
    #[inline]
    pub fn length(&mut self) -> Result<usize, DecodeError> {
        let at = self.offset();
        let first = self.u8()?;
        if first < 0x80 {
            return Ok(usize::from(first));
        }
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(DecodeError::new(at, DecodeErrorKind::LengthForm { first }));
        }
        let mut value: u32 = 0;
        for b in self.bytes(n)? {
            value = (value << 8) | u32::from(*b);
        }
        let value = value as usize;
        if length_len(value) != 1 + n {
            return Err(DecodeError::new(at, DecodeErrorKind::NonMinimalLength));
        }
        Ok(value)
    }

    /// An A-XDR length followed by that many bytes (an `OCTET STRING`).
    #[inline]
    pub fn octet_string(&mut self) -> Result<&'a [u8], DecodeError> {
        let at = self.offset();
        let length = self.length()?;
        let available = self.remaining();
        if length > available {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::LengthBeyondFrame { length, available },
            ));
        }
        self.bytes(length)
    }

    /// A BOOLEAN: `0x00` false, `0x01` true, anything else an error (so that
    /// the value re-encodes exactly).
    pub fn boolean(&mut self) -> Result<bool, DecodeError> {
        let at = self.offset();
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "boolean",
                    value: v.into(),
                },
            )),
        }
    }
}

/// Bytes an A-XDR length field takes for `len`.
#[must_use]
pub const fn length_len(len: usize) -> usize {
    if len < 0x80 {
        1
    } else if len <= 0xff {
        2
    } else if len <= 0xffff {
        3
    } else if len <= 0x00ff_ffff {
        4
    } else {
        5
    }
}

/// A write cursor over a caller buffer.
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl<'b> Writer<'b> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes written so far.
    #[must_use]
    pub const fn written(&self) -> usize {
        self.pos
    }

    /// The bytes written since position `start` (for check sequences).
    #[must_use]
    pub(crate) fn written_since(&self, start: usize) -> &[u8] {
        self.buf.get(start..self.pos).unwrap_or(&[])
    }

    /// Appends bytes.
    #[inline]
    pub fn put(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self.pos + bytes.len();
        let dst = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(EncodeError::BufferTooSmall { needed: end })?;
        dst.copy_from_slice(bytes);
        self.pos = end;
        Ok(())
    }

    /// Appends one byte.
    #[inline]
    pub fn u8(&mut self, b: u8) -> Result<(), EncodeError> {
        self.put(&[b])
    }

    /// Appends an A-XDR length.
    #[inline]
    pub fn length(&mut self, len: usize) -> Result<(), EncodeError> {
        let Ok(v) = u32::try_from(len) else {
            return Err(EncodeError::InvalidValue {
                what: "A-XDR length",
            });
        };
        let be = v.to_be_bytes();
        match length_len(len) {
            1 => self.u8(v as u8),
            n => {
                self.u8(0x80 | (n as u8 - 1))?;
                self.put(be.get(5 - n..).unwrap_or(&[]))
            }
        }
    }

    /// Appends a length-prefixed octet string.
    #[inline]
    pub fn octet_string(&mut self, s: &[u8]) -> Result<(), EncodeError> {
        self.length(s.len())?;
        self.put(s)
    }
}

/// Decoding from A-XDR.
pub trait Decode<'a>: Sized {
    /// Reads one value at the cursor.
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError>;

    /// Decodes a value that fills `bytes` exactly.
    fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        r.finish()?;
        Ok(v)
    }

    /// Decodes one value from the front of `bytes` and returns it with the
    /// number of bytes it took.
    fn decode_prefix(bytes: &'a [u8]) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes);
        let v = Self::read(&mut r)?;
        Ok((v, r.position()))
    }
}

/// Encoding to A-XDR.
pub trait Encode {
    /// Exact number of bytes [`Encode::encode`] writes.
    fn encoded_len(&self) -> usize;

    /// Writes the value at the cursor.
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;

    /// Encodes into `buf`, returning the bytes written.
    fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let needed = self.encoded_len();
        if buf.len() < needed {
            return Err(EncodeError::BufferTooSmall { needed });
        }
        let mut w = Writer::new(buf);
        self.write(&mut w)?;
        Ok(w.written())
    }

    /// Encodes into a new vector.
    #[cfg(feature = "alloc")]
    fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len()];
        let n = self.encode(&mut v)?;
        v.truncate(n);
        Ok(v)
    }

    /// Appends the encoding to a head-end buffer.
    #[cfg(feature = "alloc")]
    fn encode_to_buf(&self, buf: &mut impl bytes::BufMut) -> Result<usize, EncodeError> {
        let v = self.encode_to_vec()?;
        buf.put_slice(&v);
        Ok(v.len())
    }
}

macro_rules! int_codec {
    ($($t:ty),*) => {$(
        impl<'a> Decode<'a> for $t {
            fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                r.array().map(<$t>::from_be_bytes)
            }
        }
        impl Encode for $t {
            fn encoded_len(&self) -> usize {
                core::mem::size_of::<$t>()
            }
            fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                w.put(&self.to_be_bytes())
            }
        }
    )*};
}
int_codec!(u8, u16, u32, u64, i8, i16, i32, i64);

impl<'a> Decode<'a> for bool {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        r.boolean()
    }
}

impl Encode for bool {
    fn encoded_len(&self) -> usize {
        1
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(u8::from(*self))
    }
}

/// `OCTET STRING` with an A-XDR length.
impl<'a> Decode<'a> for &'a [u8] {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        r.octet_string()
    }
}

impl Encode for &[u8] {
    fn encoded_len(&self) -> usize {
        length_len(self.len()) + self.len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.octet_string(self)
    }
}

/// A-XDR `OPTIONAL`: `0x00` absent, `0x01` followed by the value.
impl<'a, T: Decode<'a>> Decode<'a> for Option<T> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let at = r.offset();
        match r.u8()? {
            0 => Ok(None),
            1 => T::read(r).map(Some),
            v => Err(DecodeError::new(
                at,
                DecodeErrorKind::InvalidValue {
                    what: "OPTIONAL flag",
                    value: v.into(),
                },
            )),
        }
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encoded_len(&self) -> usize {
        1 + self.as_ref().map_or(0, Encode::encoded_len)
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            None => w.u8(0),
            Some(v) => {
                w.u8(1)?;
                v.write(w)
            }
        }
    }
}

/// A `SEQUENCE OF T`: either validated encoded bytes (after decode; elements
/// are decoded again, cheaply, while iterating) or a caller's slice of
/// values (to encode without a heap).
pub struct List<'a, T> {
    repr: ListRepr<'a, T>,
}

enum ListRepr<'a, T> {
    Encoded { count: usize, bytes: &'a [u8] },
    Items(&'a [T]),
}

impl<T> Clone for List<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for List<'_, T> {}
impl<T> Clone for ListRepr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for ListRepr<'_, T> {}

impl<'a, T> List<'a, T> {
    /// A list of the given values.
    #[must_use]
    pub const fn from_items(items: &'a [T]) -> Self {
        Self {
            repr: ListRepr::Items(items),
        }
    }

    /// Number of elements.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.repr {
            ListRepr::Encoded { count, .. } => count,
            ListRepr::Items(items) => items.len(),
        }
    }

    /// Whether the list is empty.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<'a, T: Decode<'a> + Copy> List<'a, T> {
    /// The elements.
    #[must_use]
    pub fn iter(&self) -> ListIter<'a, T> {
        match self.repr {
            ListRepr::Encoded { count, bytes } => ListIter {
                repr: IterRepr::Encoded(Reader::new(bytes), count),
                _t: PhantomData,
            },
            ListRepr::Items(items) => ListIter {
                repr: IterRepr::Items(items.iter()),
                _t: PhantomData,
            },
        }
    }
}

impl<'a, T: Decode<'a> + Copy> IntoIterator for List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: Decode<'a> + Copy> IntoIterator for &List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`List`].
pub struct ListIter<'a, T> {
    repr: IterRepr<'a, T>,
    _t: PhantomData<T>,
}

enum IterRepr<'a, T> {
    Encoded(Reader<'a>, usize),
    Items(core::slice::Iter<'a, T>),
}

impl<'a, T: Decode<'a> + Copy> Iterator for ListIter<'a, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match &mut self.repr {
            IterRepr::Encoded(r, left) => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                // Validated at decode: cannot fail; stop quietly if it did.
                T::read(r).ok()
            }
            IterRepr::Items(it) => it.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.repr {
            IterRepr::Encoded(_, left) => *left,
            IterRepr::Items(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl<'a, T: Decode<'a> + Copy + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: Decode<'a> + Copy + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        if let (ListRepr::Encoded { count: a, bytes: x }, ListRepr::Encoded { count: b, bytes: y }) =
            (self.repr, other.repr)
            && a == b
            && x == y
        {
            return true;
        }
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl<'a, T: Decode<'a>> Decode<'a> for List<'a, T> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let count = r.length()?;
        let start = r.position();
        for _ in 0..count {
            // Every element takes at least one byte, so a huge count fails
            // fast at the end of the input.
            T::read(r)?;
        }
        Ok(Self {
            repr: ListRepr::Encoded {
                count,
                bytes: r.since(start),
            },
        })
    }
}

impl<'a, T: Decode<'a> + Encode + Copy> Encode for List<'a, T> {
    fn encoded_len(&self) -> usize {
        length_len(self.len())
            + match self.repr {
                ListRepr::Encoded { bytes, .. } => bytes.len(),
                ListRepr::Items(items) => items.iter().map(Encode::encoded_len).sum(),
            }
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.length(self.len())?;
        match self.repr {
            ListRepr::Encoded { bytes, .. } => w.put(bytes),
            ListRepr::Items(items) => items.iter().try_for_each(|i| i.write(w)),
        }
    }
}

/// Declares a `u8` code point enum with named values and `Unknown(u8)`,
/// with A-XDR codec (one byte), snake_case names and `from_name`.
macro_rules! u8_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal => $text:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this crate has no name for, kept as received.
            Unknown(u8),
        }

        impl $name {
            /// The wire value.
            #[must_use]
            pub const fn to_u8(self) -> u8 {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Unknown(v) => v,
                }
            }

            /// The variant for a wire value.
            #[must_use]
            pub const fn from_u8(v: u8) -> Self {
                match v {
                    $( $value => Self::$variant, )*
                    v => Self::Unknown(v),
                }
            }

            /// The standard's name in snake_case, `None` for `Unknown`.
            #[must_use]
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $( Self::$variant => Some($text), )*
                    Self::Unknown(_) => None,
                }
            }

            /// The variant named `name` (as [`Self::name`] gives it).
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $text => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }

        impl<'a> $crate::axdr::Decode<'a> for $name {
            fn read(r: &mut $crate::axdr::Reader<'a>) -> Result<Self, $crate::error::DecodeError> {
                r.u8().map(Self::from_u8)
            }
        }

        impl $crate::axdr::Encode for $name {
            fn encoded_len(&self) -> usize {
                1
            }
            fn write(&self, w: &mut $crate::axdr::Writer<'_>) -> Result<(), $crate::error::EncodeError> {
                w.u8(self.to_u8())
            }
        }
    };
}
pub(crate) use u8_enum;

/// Declares a `SEQUENCE` struct whose fields are read and written in order.
macro_rules! sequence {
    (
        $(#[$meta:meta])*
        pub struct $name:ident $(<$lt:lifetime>)? {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name $(<$lt>)? {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl<'a> $crate::axdr::Decode<'a> for $name $(<$lt>)? {
            fn read(r: &mut $crate::axdr::Reader<'a>) -> Result<Self, $crate::error::DecodeError> {
                Ok(Self { $( $field: <$ty as $crate::axdr::Decode<'a>>::read(r)?, )* })
            }
        }

        impl $(<$lt>)? $crate::axdr::Encode for $name $(<$lt>)? {
            fn encoded_len(&self) -> usize {
                0 $( + $crate::axdr::Encode::encoded_len(&self.$field) )*
            }
            fn write(&self, w: &mut $crate::axdr::Writer<'_>) -> Result<(), $crate::error::EncodeError> {
                $( $crate::axdr::Encode::write(&self.$field, w)?; )*
                Ok(())
            }
        }
    };
}
pub(crate) use sequence;

/// Declares a CHOICE enum: a one-byte tag, then the variant's fields in order.
macro_rules! choice {
    (
        $(#[$meta:meta])*
        pub enum $name:ident $(<$lt:lifetime>)? : $what:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $tag:literal { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)? }
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum $name $(<$lt>)? {
            $( $(#[$vmeta])* $variant { $( $(#[$fmeta])* $field: $ty, )* }, )*
        }

        impl $(<$lt>)? $name $(<$lt>)? {
            /// The CHOICE tag of this variant.
            #[must_use]
            pub const fn tag(&self) -> u8 {
                match self {
                    $( Self::$variant { .. } => $tag, )*
                }
            }
        }

        impl<'a> $crate::axdr::Decode<'a> for $name $(<$lt>)? {
            fn read(r: &mut $crate::axdr::Reader<'a>) -> Result<Self, $crate::error::DecodeError> {
                let at = r.offset();
                match r.u8()? {
                    $( $tag => Ok(Self::$variant { $( $field: <$ty as $crate::axdr::Decode<'a>>::read(r)?, )* }), )*
                    tag => Err($crate::error::DecodeError::new(
                        at,
                        $crate::error::DecodeErrorKind::UnknownTag { what: $what, tag },
                    )),
                }
            }
        }

        impl $(<$lt>)? $crate::axdr::Encode for $name $(<$lt>)? {
            fn encoded_len(&self) -> usize {
                match self {
                    $( Self::$variant { $( $field, )* } => 1 $( + $crate::axdr::Encode::encoded_len($field) )*, )*
                }
            }
            fn write(&self, w: &mut $crate::axdr::Writer<'_>) -> Result<(), $crate::error::EncodeError> {
                match self {
                    $( Self::$variant { $( $field, )* } => {
                        w.u8($tag)?;
                        $( $crate::axdr::Encode::write($field, w)?; )*
                        Ok(())
                    } )*
                }
            }
        }
    };
}
pub(crate) use choice;
