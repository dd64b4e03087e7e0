//! A-XDR `Data` (IEC 62056-6-2 / Blue Book, clause 4.1.5 "Data"; the ASN.1
//! `Data ::= CHOICE` of IEC 62056-5-3, clause 9.5), including compact-array
//! (tag 19) and the delta types (tags 28-33).
//!
//! [`Data`] is the no-heap form: scalars are values, strings are borrowed
//! slices and arrays, structures and compact arrays are lazy, validated
//! views ([`Sequence`], [`CompactArray`]). [`Data::read`] walks the whole
//! value once, checking every tag, every length against the frame and the
//! nesting against [`NESTING_LIMIT`]; afterwards iteration cannot fail (and
//! recursion never goes deeper than the limit). With `alloc`,
//! [`DataOwned`] is an owned tree.
//!
//! Canonical form: booleans keep their raw byte, floats their bit pattern,
//! so every accepted value re-encodes byte for byte.

mod compact;
#[cfg(feature = "alloc")]
mod owned;

pub use compact::{CompactArray, CompactRows, TypeDesc, TypeDescKind};
#[cfg(feature = "alloc")]
pub use owned::DataOwned;

use core::fmt;

use crate::axdr::{Decode, Encode, NESTING_LIMIT, Reader, Writer, length_len, u8_enum};
use crate::datetime::{CosemDate, CosemDateTime, CosemTime};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::obis::Obis;

u8_enum! {
    /// The `Data` CHOICE tags (also the type codes of compact-array type
    /// descriptions and of `TypeDescription`).
    pub enum DataType {
        /// `null-data` \[0\].
        NullData = 0 => "null_data",
        /// `array` \[1\].
        Array = 1 => "array",
        /// `structure` \[2\].
        Structure = 2 => "structure",
        /// `boolean` \[3\].
        Boolean = 3 => "boolean",
        /// `bit-string` \[4\].
        BitString = 4 => "bit_string",
        /// `double-long` \[5\] (Integer32).
        DoubleLong = 5 => "double_long",
        /// `double-long-unsigned` \[6\] (Unsigned32).
        DoubleLongUnsigned = 6 => "double_long_unsigned",
        /// `octet-string` \[9\].
        OctetString = 9 => "octet_string",
        /// `visible-string` \[10\].
        VisibleString = 10 => "visible_string",
        /// `utf8-string` \[12\].
        Utf8String = 12 => "utf8_string",
        /// `bcd` \[13\] (Integer8).
        Bcd = 13 => "bcd",
        /// `integer` \[15\] (Integer8).
        Integer = 15 => "integer",
        /// `long` \[16\] (Integer16).
        Long = 16 => "long",
        /// `unsigned` \[17\] (Unsigned8).
        Unsigned = 17 => "unsigned",
        /// `long-unsigned` \[18\] (Unsigned16).
        LongUnsigned = 18 => "long_unsigned",
        /// `compact-array` \[19\].
        CompactArray = 19 => "compact_array",
        /// `long64` \[20\].
        Long64 = 20 => "long64",
        /// `long64-unsigned` \[21\].
        Long64Unsigned = 21 => "long64_unsigned",
        /// `enum` \[22\].
        Enum = 22 => "enum",
        /// `float32` \[23\].
        Float32 = 23 => "float32",
        /// `float64` \[24\].
        Float64 = 24 => "float64",
        /// `date-time` \[25\].
        DateTime = 25 => "date_time",
        /// `date` \[26\].
        Date = 26 => "date",
        /// `time` \[27\].
        Time = 27 => "time",
        /// `delta-integer` \[28\].
        DeltaInteger = 28 => "delta_integer",
        /// `delta-long` \[29\].
        DeltaLong = 29 => "delta_long",
        /// `delta-double-long` \[30\].
        DeltaDoubleLong = 30 => "delta_double_long",
        /// `delta-unsigned` \[31\].
        DeltaUnsigned = 31 => "delta_unsigned",
        /// `delta-long-unsigned` \[32\].
        DeltaLongUnsigned = 32 => "delta_long_unsigned",
        /// `delta-double-long-unsigned` \[33\].
        DeltaDoubleLongUnsigned = 33 => "delta_double_long_unsigned",
        /// `dont-care` \[255\].
        DontCare = 255 => "dont_care",
    }
}

impl DataType {
    /// Size of the content of a fixed-size type (without tag); `None` for
    /// variable-size types, containers and unknown tags.
    #[must_use]
    pub const fn fixed_size(self) -> Option<usize> {
        use DataType as T;
        Some(match self {
            T::NullData | T::DontCare => 0,
            T::Boolean
            | T::Bcd
            | T::Integer
            | T::Unsigned
            | T::Enum
            | T::DeltaInteger
            | T::DeltaUnsigned => 1,
            T::Long | T::LongUnsigned | T::DeltaLong | T::DeltaLongUnsigned => 2,
            T::DoubleLong
            | T::DoubleLongUnsigned
            | T::Float32
            | T::DeltaDoubleLong
            | T::DeltaDoubleLongUnsigned
            | T::Time => 4,
            T::Date => 5,
            T::Long64 | T::Long64Unsigned | T::Float64 => 8,
            T::DateTime => 12,
            _ => return None,
        })
    }
}

/// A `bit-string`: its length in bits and the `ceil(bits / 8)` bytes that
/// hold them (first bit in the most significant bit; unused trailing bits kept as received).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BitString<'a> {
    /// Number of bits.
    pub bits: usize,
    /// The bytes.
    pub bytes: &'a [u8],
}

impl<'a> BitString<'a> {
    /// A bit string; `None` unless `bytes.len() == ceil(bits / 8)`.
    #[must_use]
    pub fn new(bits: usize, bytes: &'a [u8]) -> Option<Self> {
        (bits.div_ceil(8) == bytes.len()).then_some(Self { bits, bytes })
    }

    /// Bit `i` (0 = most significant bit of the first byte).
    #[must_use]
    pub fn bit(&self, i: usize) -> Option<bool> {
        if i >= self.bits {
            return None;
        }
        self.bytes.get(i / 8).map(|b| b & (0x80 >> (i % 8)) != 0)
    }
}

/// An A-XDR `Data` value, borrowed from the decoded bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Data<'a> {
    /// `null-data`.
    NullData,
    /// `array`: elements of one type.
    Array(Sequence<'a>),
    /// `structure`.
    Structure(Sequence<'a>),
    /// `boolean`, raw byte (0 false, anything else true).
    Boolean(u8),
    /// `bit-string`.
    BitString(BitString<'a>),
    /// `double-long`.
    DoubleLong(i32),
    /// `double-long-unsigned`.
    DoubleLongUnsigned(u32),
    /// `octet-string` (also OBIS codes and date-times in octet-string form).
    OctetString(&'a [u8]),
    /// `visible-string` (bytes as received; usually ASCII).
    VisibleString(&'a [u8]),
    /// `utf8-string` (bytes as received).
    Utf8String(&'a [u8]),
    /// `bcd` (Integer8).
    Bcd(i8),
    /// `integer`.
    Integer(i8),
    /// `long`.
    Long(i16),
    /// `unsigned`.
    Unsigned(u8),
    /// `long-unsigned`.
    LongUnsigned(u16),
    /// `compact-array`.
    CompactArray(CompactArray<'a>),
    /// `long64`.
    Long64(i64),
    /// `long64-unsigned`.
    Long64Unsigned(u64),
    /// `enum`.
    Enum(u8),
    /// `float32`, as its IEEE 754 bit pattern (`f32::from_bits`).
    Float32(u32),
    /// `float64`, as its IEEE 754 bit pattern (`f64::from_bits`).
    Float64(u64),
    /// `date-time`.
    DateTime(CosemDateTime),
    /// `date`.
    Date(CosemDate),
    /// `time`.
    Time(CosemTime),
    /// `delta-integer`: difference to the previous value of its column.
    DeltaInteger(i8),
    /// `delta-long`.
    DeltaLong(i16),
    /// `delta-double-long`.
    DeltaDoubleLong(i32),
    /// `delta-unsigned`.
    DeltaUnsigned(u8),
    /// `delta-long-unsigned`.
    DeltaLongUnsigned(u16),
    /// `delta-double-long-unsigned`.
    DeltaDoubleLongUnsigned(u32),
    /// `dont-care`.
    DontCare,
}

impl<'a> Data<'a> {
    /// The CHOICE tag.
    #[must_use]
    pub const fn data_type(&self) -> DataType {
        use DataType as T;
        match self {
            Self::NullData => T::NullData,
            Self::Array(_) => T::Array,
            Self::Structure(_) => T::Structure,
            Self::Boolean(_) => T::Boolean,
            Self::BitString(_) => T::BitString,
            Self::DoubleLong(_) => T::DoubleLong,
            Self::DoubleLongUnsigned(_) => T::DoubleLongUnsigned,
            Self::OctetString(_) => T::OctetString,
            Self::VisibleString(_) => T::VisibleString,
            Self::Utf8String(_) => T::Utf8String,
            Self::Bcd(_) => T::Bcd,
            Self::Integer(_) => T::Integer,
            Self::Long(_) => T::Long,
            Self::Unsigned(_) => T::Unsigned,
            Self::LongUnsigned(_) => T::LongUnsigned,
            Self::CompactArray(_) => T::CompactArray,
            Self::Long64(_) => T::Long64,
            Self::Long64Unsigned(_) => T::Long64Unsigned,
            Self::Enum(_) => T::Enum,
            Self::Float32(_) => T::Float32,
            Self::Float64(_) => T::Float64,
            Self::DateTime(_) => T::DateTime,
            Self::Date(_) => T::Date,
            Self::Time(_) => T::Time,
            Self::DeltaInteger(_) => T::DeltaInteger,
            Self::DeltaLong(_) => T::DeltaLong,
            Self::DeltaDoubleLong(_) => T::DeltaDoubleLong,
            Self::DeltaUnsigned(_) => T::DeltaUnsigned,
            Self::DeltaLongUnsigned(_) => T::DeltaLongUnsigned,
            Self::DeltaDoubleLongUnsigned(_) => T::DeltaDoubleLongUnsigned,
            Self::DontCare => T::DontCare,
        }
    }

    /// Any integer type (including delta, bcd and enum) as `i128`.
    #[must_use]
    pub fn as_integer(&self) -> Option<i128> {
        Some(match *self {
            Self::DoubleLong(v) | Self::DeltaDoubleLong(v) => v.into(),
            Self::DoubleLongUnsigned(v) | Self::DeltaDoubleLongUnsigned(v) => v.into(),
            Self::Bcd(v) | Self::Integer(v) | Self::DeltaInteger(v) => v.into(),
            Self::Long(v) | Self::DeltaLong(v) => v.into(),
            Self::Unsigned(v) | Self::Enum(v) | Self::DeltaUnsigned(v) => v.into(),
            Self::LongUnsigned(v) | Self::DeltaLongUnsigned(v) => v.into(),
            Self::Long64(v) => v.into(),
            Self::Long64Unsigned(v) => v.into(),
            _ => return None,
        })
    }

    /// An `octet-string` of six bytes read as an OBIS code.
    #[must_use]
    pub fn as_obis(&self) -> Option<Obis> {
        match self {
            Self::OctetString(b) => Obis::from_slice(b),
            _ => None,
        }
    }

    /// A `date-time`, or an `octet-string` of twelve bytes read as one (the
    /// form most meters use).
    #[must_use]
    pub fn as_date_time(&self) -> Option<CosemDateTime> {
        match self {
            Self::DateTime(dt) => Some(*dt),
            Self::OctetString(b) => CosemDateTime::from_slice(b),
            _ => None,
        }
    }

    /// The elements of an array or structure.
    #[must_use]
    pub fn as_sequence(&self) -> Option<Sequence<'a>> {
        match self {
            Self::Array(s) | Self::Structure(s) => Some(*s),
            _ => None,
        }
    }

    /// Decodes one `Data` with the nesting budget of an element at `depth`.
    pub(crate) fn read_at(r: &mut Reader<'a>, depth: usize) -> Result<Self, DecodeError> {
        let at = r.offset();
        let tag = r.u8()?;
        read_content(r, DataType::from_u8(tag), depth, at)
    }

    /// Bytes of the content after the tag.
    pub(crate) fn content_len(&self) -> usize {
        match self {
            Self::Array(s) | Self::Structure(s) => length_len(s.len()) + s.elements_len(),
            Self::BitString(b) => length_len(b.bits) + b.bytes.len(),
            Self::OctetString(b) | Self::VisibleString(b) | Self::Utf8String(b) => {
                length_len(b.len()) + b.len()
            }
            Self::CompactArray(c) => c.content_len(),
            other => other.data_type().fixed_size().unwrap_or(0),
        }
    }

    /// Writes the content after the tag.
    pub(crate) fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match *self {
            Self::NullData | Self::DontCare => Ok(()),
            Self::Array(s) | Self::Structure(s) => {
                w.length(s.len())?;
                s.write_elements(w)
            }
            Self::Boolean(v) | Self::Unsigned(v) | Self::Enum(v) | Self::DeltaUnsigned(v) => {
                w.u8(v)
            }
            Self::BitString(b) => {
                w.length(b.bits)?;
                w.put(b.bytes)
            }
            Self::DoubleLong(v) | Self::DeltaDoubleLong(v) => w.put(&v.to_be_bytes()),
            Self::DoubleLongUnsigned(v) | Self::DeltaDoubleLongUnsigned(v) | Self::Float32(v) => {
                w.put(&v.to_be_bytes())
            }
            Self::OctetString(b) | Self::VisibleString(b) | Self::Utf8String(b) => {
                w.octet_string(b)
            }
            Self::Bcd(v) | Self::Integer(v) | Self::DeltaInteger(v) => w.u8(v as u8),
            Self::Long(v) | Self::DeltaLong(v) => w.put(&v.to_be_bytes()),
            Self::LongUnsigned(v) | Self::DeltaLongUnsigned(v) => w.put(&v.to_be_bytes()),
            Self::CompactArray(c) => c.write_content(w),
            Self::Long64(v) => w.put(&v.to_be_bytes()),
            Self::Long64Unsigned(v) | Self::Float64(v) => w.put(&v.to_be_bytes()),
            Self::DateTime(v) => w.put(&v.to_bytes()),
            Self::Date(v) => w.put(&v.to_bytes()),
            Self::Time(v) => w.put(&v.to_bytes()),
        }
    }
}

fn nest(depth: usize, at: usize) -> Result<usize, DecodeError> {
    let d = depth + 1;
    if d > NESTING_LIMIT {
        Err(DecodeError::new(
            at,
            DecodeErrorKind::NestingTooDeep {
                limit: NESTING_LIMIT,
            },
        ))
    } else {
        Ok(d)
    }
}

/// Content size of each fixed-size tag; [`VARIABLE`] for the others.
// Evaluated at compile time: a bad index would fail the build, not run.
#[allow(clippy::indexing_slicing)]
const FIXED_SIZE: [u8; 256] = {
    let mut t = [VARIABLE; 256];
    let mut i = 0;
    while i < 256 {
        if let Some(n) = DataType::from_u8(i as u8).fixed_size() {
            t[i] = n as u8;
        }
        i += 1;
    }
    t
};
const VARIABLE: u8 = 0xff;

/// Validates `count` tagged values: fixed-size ones inline (tag, table,
/// advance), the others through [`skip_data`], which also builds the
/// precise error when a value does not fit.
fn skip_elements(r: &mut Reader<'_>, count: usize, depth: usize) -> Result<(), DecodeError> {
    for _ in 0..count {
        let rest = r.rest();
        if let Some(&tag) = rest.first() {
            let size = usize::from(
                FIXED_SIZE
                    .get(usize::from(tag))
                    .copied()
                    .unwrap_or(VARIABLE),
            );
            if size != usize::from(VARIABLE) && size < rest.len() {
                r.advance_checked(1 + size);
                continue;
            }
            // Arrays and structures with a one-byte count.
            if let (1 | 2, Some(&n)) = (tag, rest.get(1))
                && n < 0x80
            {
                let inner = nest(depth, r.offset())?;
                r.advance_checked(2);
                skip_elements(r, usize::from(n), inner)?;
                continue;
            }
            // Short strings (one-byte length): octet-, visible-, utf8-string.
            if let (9 | 10 | 12, Some(&len)) = (tag, rest.get(1))
                && len < 0x80
                && usize::from(len) + 2 <= rest.len()
            {
                r.advance_checked(usize::from(len) + 2);
                continue;
            }
        }
        skip_data(r, depth)?;
    }
    Ok(())
}

/// Validates one value and moves past it without building it (the hot
/// path of validation: one table look-up per fixed-size value).
fn skip_data(r: &mut Reader<'_>, depth: usize) -> Result<(), DecodeError> {
    let at = r.offset();
    let tag = r.u8()?;
    let size = FIXED_SIZE
        .get(usize::from(tag))
        .copied()
        .unwrap_or(VARIABLE);
    if size != VARIABLE {
        return r.skip(usize::from(size));
    }
    match DataType::from_u8(tag) {
        DataType::Array | DataType::Structure => {
            let inner = nest(depth, at)?;
            let count = r.length()?;
            skip_elements(r, count, inner)
        }
        DataType::OctetString | DataType::VisibleString | DataType::Utf8String => {
            r.octet_string().map(|_| ())
        }
        ty => read_content(r, ty, depth, at).map(|_| ()),
    }
}

/// Reads the content of a value of type `ty` (tag at offset `at` already read).
pub(crate) fn read_content<'a>(
    r: &mut Reader<'a>,
    ty: DataType,
    depth: usize,
    at: usize,
) -> Result<Data<'a>, DecodeError> {
    use DataType as T;
    Ok(match ty {
        T::NullData => Data::NullData,
        T::DontCare => Data::DontCare,
        T::Array | T::Structure => {
            let inner = nest(depth, at)?;
            let count = r.length()?;
            let start = r.position();
            skip_elements(r, count, inner)?;
            let s = Sequence::tagged(count, r.since(start));
            if ty == T::Array {
                Data::Array(s)
            } else {
                Data::Structure(s)
            }
        }
        T::CompactArray => Data::CompactArray(CompactArray::read_content(r, nest(depth, at)?)?),
        T::BitString => {
            let len_at = r.offset();
            let bits = r.length()?;
            let length = bits.div_ceil(8);
            let available = r.remaining();
            if length > available {
                return Err(DecodeError::new(
                    len_at,
                    DecodeErrorKind::LengthBeyondFrame { length, available },
                ));
            }
            Data::BitString(BitString {
                bits,
                bytes: r.bytes(length)?,
            })
        }
        T::OctetString => Data::OctetString(r.octet_string()?),
        T::VisibleString => Data::VisibleString(r.octet_string()?),
        T::Utf8String => Data::Utf8String(r.octet_string()?),
        other => read_fixed(r, other, at)?,
    })
}

/// Reads a fixed-size scalar's content.
pub(crate) fn read_fixed<'a>(
    r: &mut Reader<'a>,
    ty: DataType,
    at: usize,
) -> Result<Data<'a>, DecodeError> {
    use DataType as T;
    Ok(match ty {
        T::NullData => Data::NullData,
        T::DontCare => Data::DontCare,
        T::Boolean => Data::Boolean(r.u8()?),
        T::DoubleLong => Data::DoubleLong(i32::read(r)?),
        T::DoubleLongUnsigned => Data::DoubleLongUnsigned(r.u32()?),
        T::Bcd => Data::Bcd(i8::read(r)?),
        T::Integer => Data::Integer(i8::read(r)?),
        T::Long => Data::Long(i16::read(r)?),
        T::Unsigned => Data::Unsigned(r.u8()?),
        T::LongUnsigned => Data::LongUnsigned(r.u16()?),
        T::Long64 => Data::Long64(i64::read(r)?),
        T::Long64Unsigned => Data::Long64Unsigned(r.u64()?),
        T::Enum => Data::Enum(r.u8()?),
        T::Float32 => Data::Float32(r.u32()?),
        T::Float64 => Data::Float64(r.u64()?),
        T::DateTime => Data::DateTime(CosemDateTime::read(r)?),
        T::Date => Data::Date(CosemDate::read(r)?),
        T::Time => Data::Time(CosemTime::read(r)?),
        T::DeltaInteger => Data::DeltaInteger(i8::read(r)?),
        T::DeltaLong => Data::DeltaLong(i16::read(r)?),
        T::DeltaDoubleLong => Data::DeltaDoubleLong(i32::read(r)?),
        T::DeltaUnsigned => Data::DeltaUnsigned(r.u8()?),
        T::DeltaLongUnsigned => Data::DeltaLongUnsigned(r.u16()?),
        T::DeltaDoubleLongUnsigned => Data::DeltaDoubleLongUnsigned(r.u32()?),
        other => {
            return Err(DecodeError::new(
                at,
                DecodeErrorKind::UnknownTag {
                    what: "Data",
                    tag: other.to_u8(),
                },
            ));
        }
    })
}

impl<'a> Decode<'a> for Data<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Self::read_at(r, 0)
    }
}

impl Encode for Data<'_> {
    fn encoded_len(&self) -> usize {
        1 + self.content_len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.data_type().to_u8())?;
        self.write_content(w)
    }
}

/// The elements of an array or structure: validated encoded bytes (tagged,
/// or untagged inside a compact array) or a caller's slice of values.
#[derive(Clone, Copy)]
pub struct Sequence<'a> {
    repr: SeqRepr<'a>,
}

#[derive(Clone, Copy)]
enum SeqRepr<'a> {
    Tagged {
        count: usize,
        bytes: &'a [u8],
    },
    Untagged {
        count: usize,
        types: &'a [u8],
        uniform: bool,
        bytes: &'a [u8],
    },
    Items(&'a [Data<'a>]),
}

impl<'a> Sequence<'a> {
    /// A sequence of the given values (to build a value for encoding).
    #[must_use]
    pub const fn from_items(items: &'a [Data<'a>]) -> Self {
        Self {
            repr: SeqRepr::Items(items),
        }
    }

    pub(crate) const fn tagged(count: usize, bytes: &'a [u8]) -> Self {
        Self {
            repr: SeqRepr::Tagged { count, bytes },
        }
    }

    pub(crate) const fn untagged(
        count: usize,
        types: &'a [u8],
        uniform: bool,
        bytes: &'a [u8],
    ) -> Self {
        Self {
            repr: SeqRepr::Untagged {
                count,
                types,
                uniform,
                bytes,
            },
        }
    }

    /// Number of elements.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.repr {
            SeqRepr::Tagged { count, .. } | SeqRepr::Untagged { count, .. } => count,
            SeqRepr::Items(items) => items.len(),
        }
    }

    /// Whether there are no elements.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The elements, in order.
    #[must_use]
    pub fn iter(&self) -> SequenceIter<'a> {
        SequenceIter {
            repr: match self.repr {
                SeqRepr::Tagged { count, bytes } => IterRepr::Tagged(Reader::new(bytes), count),
                SeqRepr::Untagged {
                    count,
                    types,
                    uniform,
                    bytes,
                } => IterRepr::Untagged {
                    r: Reader::new(bytes),
                    types: Reader::new(types),
                    uniform,
                    left: count,
                },
                SeqRepr::Items(items) => IterRepr::Items(items.iter()),
            },
        }
    }

    /// The `i`-th element.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<Data<'a>> {
        match self.repr {
            SeqRepr::Items(items) => items.get(i).copied(),
            _ => self.iter().nth(i),
        }
    }

    /// The encoded elements (tagged) when this sequence was decoded from
    /// tagged A-XDR.
    #[must_use]
    pub const fn raw_elements(&self) -> Option<&'a [u8]> {
        match self.repr {
            SeqRepr::Tagged { bytes, .. } => Some(bytes),
            _ => None,
        }
    }

    fn elements_len(&self) -> usize {
        match self.repr {
            SeqRepr::Tagged { bytes, .. } => bytes.len(),
            _ => self.iter().map(|d| d.encoded_len()).sum(),
        }
    }

    fn write_elements(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self.repr {
            SeqRepr::Tagged { bytes, .. } => w.put(bytes),
            _ => self.iter().try_for_each(|d| d.write(w)),
        }
    }
}

impl<'a> IntoIterator for Sequence<'a> {
    type Item = Data<'a>;
    type IntoIter = SequenceIter<'a>;
    fn into_iter(self) -> SequenceIter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &Sequence<'a> {
    type Item = Data<'a>;
    type IntoIter = SequenceIter<'a>;
    fn into_iter(self) -> SequenceIter<'a> {
        self.iter()
    }
}

impl PartialEq for Sequence<'_> {
    fn eq(&self, other: &Self) -> bool {
        if let (Some(a), Some(b)) = (self.raw_elements(), other.raw_elements())
            && a == b
        {
            return self.len() == other.len();
        }
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl fmt::Debug for Sequence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over a [`Sequence`].
pub struct SequenceIter<'a> {
    repr: IterRepr<'a>,
}

enum IterRepr<'a> {
    Tagged(Reader<'a>, usize),
    Untagged {
        r: Reader<'a>,
        types: Reader<'a>,
        uniform: bool,
        left: usize,
    },
    Items(core::slice::Iter<'a, Data<'a>>),
}

impl<'a> Iterator for SequenceIter<'a> {
    type Item = Data<'a>;

    fn next(&mut self) -> Option<Data<'a>> {
        // Everything here was validated at decode (or is the caller's own
        // values), so these reads cannot fail; if one did, iteration ends.
        match &mut self.repr {
            IterRepr::Tagged(r, left) => {
                *left = left.checked_sub(1)?;
                Data::read_at(r, 0).ok()
            }
            IterRepr::Untagged {
                r,
                types,
                uniform,
                left,
            } => {
                *left = left.checked_sub(1)?;
                let td = if *uniform {
                    TypeDesc::from_validated(types.rest())
                } else {
                    TypeDesc::read_at(types, 0).ok()?
                };
                compact::read_untagged(r, td).ok()
            }
            IterRepr::Items(it) => it.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.repr {
            IterRepr::Tagged(_, left) | IterRepr::Untagged { left, .. } => *left,
            IterRepr::Items(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for SequenceIter<'_> {}
