//! ZCL attribute values (ZCL rev 6 §2.6.2, table 2-10) as borrowed, zero-copy
//! views, with each type's invalid-value convention.
//!
//! Strings borrow their octets; arrays, structures, sets and bags are
//! [`Collection`] views that are validated once, including the nesting limit,
//! when the enclosing value is decoded, and are then iterated without error
//! and without a heap. Owned trees are in [`crate::owned`] (feature `alloc`).
//!
//! Hand cursor, no nom.

use dual_protocol_primitives::Eui64;

use crate::cursor::{Reader, Writer, encode_with};
use crate::data_type::{DataType, TypeKind};
use crate::error::{DecodeError, EncodeError};

/// Default limit on nested collections (an array inside a structure inside an
/// array ... counts one level per collection). ZCL sets no limit; we bound
/// the work a frame can cause.
pub const DEFAULT_MAX_NESTING: u8 = 8;

/// Time of day (ZCL rev 6 §2.6.2.19): each field 0xff means "not specified";
/// all four 0xff is the invalid value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeOfDay {
    /// Hours, 0-23.
    pub hours: u8,
    /// Minutes, 0-59.
    pub minutes: u8,
    /// Seconds, 0-59.
    pub seconds: u8,
    /// Hundredths of a second, 0-99.
    pub hundredths: u8,
}

/// Date (ZCL rev 6 §2.6.2.20): each field 0xff means "not specified"; all four
/// 0xff is the invalid value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Date {
    /// Year minus 1900.
    pub year_since_1900: u8,
    /// Month, 1-12.
    pub month: u8,
    /// Day of month, 1-31.
    pub day: u8,
    /// Day of week, 1 (Monday) to 7 (Sunday).
    pub weekday: u8,
}

/// Which kind of collection a [`Collection`] is (ZCL rev 6 §2.6.2.14-2.6.2.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CollectionKind {
    /// Array: element type, count, elements of that type.
    Array,
    /// Structure: count, then a type identifier before each element.
    Structure,
    /// Set: as an array; no duplicates (not checked here).
    Set,
    /// Bag: as an array; duplicates allowed.
    Bag,
}

impl CollectionKind {
    /// The data type identifier of this collection kind.
    #[must_use]
    pub const fn data_type(self) -> DataType {
        match self {
            CollectionKind::Array => DataType::ARRAY,
            CollectionKind::Structure => DataType::STRUCTURE,
            CollectionKind::Set => DataType::SET,
            CollectionKind::Bag => DataType::BAG,
        }
    }
}

/// A validated, lazy view of an array, structure, set or bag.
///
/// Validation (every element, every nested collection, the nesting limit)
/// happens once when the collection is decoded; [`Collection::elements`]
/// then re-reads the borrowed bytes without allocating and cannot fail.
#[derive(Debug, Clone, Copy)]
pub struct Collection<'a> {
    kind: CollectionKind,
    element_type: DataType,
    count: u16,
    elements: &'a [u8],
    nesting: Nesting,
}

/// How many more collection levels may open, and the limit for errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Nesting {
    left: u8,
    limit: u8,
}

impl Nesting {
    pub(crate) const fn new(limit: u8) -> Self {
        Nesting { left: limit, limit }
    }

    fn enter(self, offset: usize) -> Result<Nesting, DecodeError> {
        match self.left.checked_sub(1) {
            Some(left) => Ok(Nesting { left, ..self }),
            None => Err(DecodeError::NestingTooDeep {
                offset,
                limit: self.limit,
            }),
        }
    }
}

impl PartialEq for Collection<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.element_type == other.element_type
            && self.count == other.count
            && self.elements == other.elements
    }
}
impl Eq for Collection<'_> {}

impl<'a> Collection<'a> {
    /// The collection kind.
    #[must_use]
    pub const fn kind(&self) -> CollectionKind {
        self.kind
    }

    /// The element type of an array, set or bag; [`DataType::UNKNOWN`] for a
    /// structure, whose elements each carry their own type.
    #[must_use]
    pub const fn element_type(&self) -> DataType {
        self.element_type
    }

    /// Number of elements as sent; 0xffff marks an invalid collection
    /// (ZCL rev 6 table 2-10), which carries no elements.
    #[must_use]
    pub const fn count(&self) -> u16 {
        self.count
    }

    /// Whether this is the invalid value (count 0xffff).
    #[must_use]
    pub const fn is_invalid(&self) -> bool {
        self.count == 0xffff
    }

    /// The encoded elements (after the element type and count).
    #[must_use]
    pub const fn element_bytes(&self) -> &'a [u8] {
        self.elements
    }

    /// Iterates the elements.
    #[must_use]
    pub fn elements(&self) -> Elements<'a> {
        Elements {
            reader: Reader::new(self.elements, 0),
            kind: self.kind,
            element_type: self.element_type,
            left: if self.is_invalid() { 0 } else { self.count },
            nesting: self.nesting,
        }
    }

    /// Encodes a collection of `elements` into `buf` (type and count header
    /// excluded: the returned view borrows the elements region of `buf`).
    /// Elements of an array, set or bag must all have `element_type`.
    pub fn build(
        kind: CollectionKind,
        element_type: DataType,
        elements: &[Value<'_>],
        buf: &'a mut [u8],
    ) -> Result<Collection<'a>, EncodeError> {
        let count = u16::try_from(elements.len())
            .ok()
            .filter(|&c| c != 0xffff)
            .ok_or(EncodeError::InvalidValue {
                what: "collection with 65535 or more elements",
            })?;
        let structure = kind == CollectionKind::Structure;
        let needed: usize = elements
            .iter()
            .map(|e| e.encoded_len() + usize::from(structure))
            .sum();
        let written = encode_with(needed, buf, |w| {
            for e in elements {
                if structure {
                    w.u8(e.data_type().0)?;
                } else if e.data_type() != element_type {
                    return Err(EncodeError::InvalidValue {
                        what: "array element of another type",
                    });
                }
                e.write(w)?;
            }
            Ok(())
        })?;
        let elements = buf.get(..written).unwrap_or_default();
        let element_type = if structure {
            DataType::UNKNOWN
        } else {
            element_type
        };
        // Validate what was written (nested collections carry their own limit).
        let mut r = Reader::new(elements, 0);
        for _ in 0..count {
            let ty = if structure {
                DataType(r.u8("structure element type").map_err(inv)?)
            } else {
                element_type
            };
            Value::read(ty, &mut r, Nesting::new(DEFAULT_MAX_NESTING - 1)).map_err(inv)?;
        }
        Ok(Collection {
            kind,
            element_type,
            count,
            elements,
            nesting: Nesting::new(DEFAULT_MAX_NESTING - 1),
        })
    }
}

fn inv(_: DecodeError) -> EncodeError {
    EncodeError::InvalidValue {
        what: "collection element",
    }
}

/// Iterator over a [`Collection`]'s elements.
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    reader: Reader<'a>,
    kind: CollectionKind,
    element_type: DataType,
    left: u16,
    nesting: Nesting,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let ty = if self.kind == CollectionKind::Structure {
            DataType(self.reader.u8("structure element type").ok()?)
        } else {
            self.element_type
        };
        // Validated at decode: an error here cannot happen; stop if it does.
        let v = Value::read(ty, &mut self.reader, self.nesting).ok();
        if v.is_none() {
            self.left = 0;
        }
        v
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(usize::from(self.left)))
    }
}

/// One ZCL attribute value of any type in table 2-10 (ZCL rev 6 §2.6.2).
///
/// Integer, data and bitmap variants carry their width in octets (1 to 8) so
/// that the 24-, 40-, 48- and 56-bit types keep their identity. Floats are
/// kept as bit patterns so that every NaN round-trips exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// No data (0x00).
    NoData,
    /// General data, `width` octets (0x08-0x0f).
    Data {
        /// Width in octets, 1 to 8.
        width: u8,
        /// The bits.
        bits: u64,
    },
    /// Boolean (0x10) as sent: 0 false, 1 true, 0xff invalid, others reserved.
    Bool(u8),
    /// Bitmap, `width` octets (0x18-0x1f).
    Bitmap {
        /// Width in octets, 1 to 8.
        width: u8,
        /// The bits.
        bits: u64,
    },
    /// Unsigned integer, `width` octets (0x20-0x27); all ones is invalid.
    Uint {
        /// Width in octets, 1 to 8.
        width: u8,
        /// The value.
        value: u64,
    },
    /// Signed integer, `width` octets (0x28-0x2f); the most negative value is invalid.
    Int {
        /// Width in octets, 1 to 8.
        width: u8,
        /// The value, sign-extended.
        value: i64,
    },
    /// 8-bit enumeration (0x30); 0xff is invalid.
    Enum8(u8),
    /// 16-bit enumeration (0x31); 0xffff is invalid.
    Enum16(u16),
    /// Semi-precision float bits (0x38); NaN is invalid.
    Semi(u16),
    /// Single-precision float bits (0x39); NaN is invalid.
    Single(u32),
    /// Double-precision float bits (0x3a); NaN is invalid.
    Double(u64),
    /// Octet string (0x41); `None` is the invalid value (length 0xff).
    OctetString(Option<&'a [u8]>),
    /// Character string (0x42); `None` is the invalid value (length 0xff).
    CharString(Option<&'a [u8]>),
    /// Long octet string (0x43); `None` is the invalid value (length 0xffff).
    LongOctetString(Option<&'a [u8]>),
    /// Long character string (0x44); `None` is the invalid value (length 0xffff).
    LongCharString(Option<&'a [u8]>),
    /// Array (0x48), set (0x50), bag (0x51) or structure (0x4c).
    Collection(Collection<'a>),
    /// Time of day (0xe0).
    TimeOfDay(TimeOfDay),
    /// Date (0xe1).
    Date(Date),
    /// UTC time (0xe2): seconds since 2000-01-01 00:00:00 UTC; 0xffffffff is invalid.
    Utc(u32),
    /// Cluster identifier (0xe8); 0xffff is invalid.
    ClusterId(u16),
    /// Attribute identifier (0xe9); 0xffff is invalid.
    AttributeId(u16),
    /// BACnet object identifier (0xea); 0xffffffff is invalid.
    BacnetOid(u32),
    /// IEEE address (0xf0), held most significant byte first; all ones is invalid.
    Ieee(Eui64),
    /// 128-bit security key (0xf1), octets as sent.
    SecurityKey([u8; 16]),
    /// The "unknown" type (0xff), which carries no data.
    Unknown,
}

const fn mask(width: u8) -> u64 {
    if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * width as u32)) - 1
    }
}

fn sign_extend(raw: u64, width: u8) -> i64 {
    let shift = 64 - 8 * u32::from(width.clamp(1, 8));
    ((raw << shift) as i64) >> shift
}

impl<'a> Value<'a> {
    /// Decodes one value of type `data_type` from the start of `bytes`, with the
    /// default nesting limit. Returns the value and the bytes it used.
    pub fn decode(data_type: DataType, bytes: &'a [u8]) -> Result<(Value<'a>, usize), DecodeError> {
        Value::decode_with_limit(data_type, bytes, DEFAULT_MAX_NESTING)
    }

    /// As [`Value::decode`] with an explicit collection nesting limit.
    pub fn decode_with_limit(
        data_type: DataType,
        bytes: &'a [u8],
        max_nesting: u8,
    ) -> Result<(Value<'a>, usize), DecodeError> {
        let mut r = Reader::new(bytes, 0);
        let v = Value::read(data_type, &mut r, Nesting::new(max_nesting))?;
        Ok((v, r.offset()))
    }

    /// Reads a value; `nesting` says how many more collection levels may open.
    pub(crate) fn read(
        ty: DataType,
        r: &mut Reader<'a>,
        nesting: Nesting,
    ) -> Result<Value<'a>, DecodeError> {
        let start = r.offset();
        let code = ty.length_code();
        if code <= 8 && usize::from(code) <= r.remaining() {
            let mut fast = r.clone();
            if let Some(v) = fast
                .take(usize::from(code), "value")
                .ok()
                .and_then(|s| fixed_value(ty, s))
            {
                *r = fast;
                return Ok(v);
            }
        }
        Ok(match ty.kind() {
            TypeKind::NoData => Value::NoData,
            TypeKind::Unknown => Value::Unknown,
            TypeKind::Data(w) => Value::Data {
                width: w,
                bits: r.uint(usize::from(w), "data value")?,
            },
            TypeKind::Bool => Value::Bool(r.u8("boolean value")?),
            TypeKind::Bitmap(w) => Value::Bitmap {
                width: w,
                bits: r.uint(usize::from(w), "bitmap value")?,
            },
            TypeKind::Uint(w) => Value::Uint {
                width: w,
                value: r.uint(usize::from(w), "unsigned integer value")?,
            },
            TypeKind::Int(w) => Value::Int {
                width: w,
                value: sign_extend(r.uint(usize::from(w), "signed integer value")?, w),
            },
            TypeKind::Enum8 => Value::Enum8(r.u8("enum8 value")?),
            TypeKind::Enum16 => Value::Enum16(r.u16("enum16 value")?),
            TypeKind::Semi => Value::Semi(r.u16("semi-precision value")?),
            TypeKind::Single => Value::Single(r.u32("single-precision value")?),
            TypeKind::Double => Value::Double(r.uint(8, "double-precision value")?),
            TypeKind::OctetString => Value::OctetString(read_string(r, false, "octet string")?),
            TypeKind::CharString => Value::CharString(read_string(r, false, "character string")?),
            TypeKind::LongOctetString => {
                Value::LongOctetString(read_string(r, true, "long octet string")?)
            }
            TypeKind::LongCharString => {
                Value::LongCharString(read_string(r, true, "long character string")?)
            }
            TypeKind::Array => {
                Value::Collection(read_collection(CollectionKind::Array, r, nesting)?)
            }
            TypeKind::Structure => {
                Value::Collection(read_collection(CollectionKind::Structure, r, nesting)?)
            }
            TypeKind::Set => Value::Collection(read_collection(CollectionKind::Set, r, nesting)?),
            TypeKind::Bag => Value::Collection(read_collection(CollectionKind::Bag, r, nesting)?),
            TypeKind::TimeOfDay => {
                let [hours, minutes, seconds, hundredths] = r.array("time of day")?;
                Value::TimeOfDay(TimeOfDay {
                    hours,
                    minutes,
                    seconds,
                    hundredths,
                })
            }
            TypeKind::Date => {
                let [year_since_1900, month, day, weekday] = r.array("date")?;
                Value::Date(Date {
                    year_since_1900,
                    month,
                    day,
                    weekday,
                })
            }
            TypeKind::Utc => Value::Utc(r.u32("UTC time")?),
            TypeKind::ClusterId => Value::ClusterId(r.u16("cluster id value")?),
            TypeKind::AttributeId => Value::AttributeId(r.u16("attribute id value")?),
            TypeKind::BacnetOid => Value::BacnetOid(r.u32("BACnet OID")?),
            TypeKind::Ieee => Value::Ieee(Eui64::from_le_bytes(r.array("IEEE address")?)),
            TypeKind::SecurityKey => Value::SecurityKey(r.array("128-bit security key")?),
            TypeKind::Reserved => {
                return Err(DecodeError::UnknownDataType {
                    offset: start,
                    data_type: ty.0,
                });
            }
        })
    }

    /// The data type identifier of this value.
    #[must_use]
    pub fn data_type(&self) -> DataType {
        match *self {
            Value::NoData => DataType::NO_DATA,
            Value::Data { width, .. } => DataType(0x07 + width.clamp(1, 8)),
            Value::Bool(_) => DataType::BOOL,
            Value::Bitmap { width, .. } => DataType(0x17 + width.clamp(1, 8)),
            Value::Uint { width, .. } => DataType(0x1f + width.clamp(1, 8)),
            Value::Int { width, .. } => DataType(0x27 + width.clamp(1, 8)),
            Value::Enum8(_) => DataType::ENUM8,
            Value::Enum16(_) => DataType::ENUM16,
            Value::Semi(_) => DataType::SEMI,
            Value::Single(_) => DataType::SINGLE,
            Value::Double(_) => DataType::DOUBLE,
            Value::OctetString(_) => DataType::OCTET_STRING,
            Value::CharString(_) => DataType::CHAR_STRING,
            Value::LongOctetString(_) => DataType::LONG_OCTET_STRING,
            Value::LongCharString(_) => DataType::LONG_CHAR_STRING,
            Value::Collection(c) => c.kind.data_type(),
            Value::TimeOfDay(_) => DataType::TIME_OF_DAY,
            Value::Date(_) => DataType::DATE,
            Value::Utc(_) => DataType::UTC,
            Value::ClusterId(_) => DataType::CLUSTER_ID,
            Value::AttributeId(_) => DataType::ATTRIBUTE_ID,
            Value::BacnetOid(_) => DataType::BACNET_OID,
            Value::Ieee(_) => DataType::IEEE_ADDRESS,
            Value::SecurityKey(_) => DataType::SECURITY_KEY,
            Value::Unknown => DataType::UNKNOWN,
        }
    }

    /// Whether this is the type's invalid value (ZCL rev 6 table 2-10).
    /// General data, bitmaps and keys have none.
    #[must_use]
    pub fn is_invalid(&self) -> bool {
        match *self {
            Value::Uint { width, value } => value == mask(width),
            Value::Int { width, value } => {
                value == sign_extend(1u64 << (8 * u32::from(width.clamp(1, 8)) - 1), width)
            }
            Value::Bool(b) | Value::Enum8(b) => b == 0xff,
            Value::Enum16(v) | Value::ClusterId(v) | Value::AttributeId(v) => v == 0xffff,
            Value::Semi(b) => b & 0x7c00 == 0x7c00 && b & 0x03ff != 0,
            Value::Single(b) => f32::from_bits(b).is_nan(),
            Value::Double(b) => f64::from_bits(b).is_nan(),
            Value::OctetString(s)
            | Value::CharString(s)
            | Value::LongOctetString(s)
            | Value::LongCharString(s) => s.is_none(),
            Value::Collection(c) => c.is_invalid(),
            Value::TimeOfDay(t) => [t.hours, t.minutes, t.seconds, t.hundredths] == [0xff; 4],
            Value::Date(d) => [d.year_since_1900, d.month, d.day, d.weekday] == [0xff; 4],
            Value::Utc(v) | Value::BacnetOid(v) => v == 0xffff_ffff,
            Value::Ieee(e) => e == Eui64::BROADCAST,
            Value::NoData
            | Value::Data { .. }
            | Value::Bitmap { .. }
            | Value::SecurityKey(_)
            | Value::Unknown => false,
        }
    }

    /// Bytes of the encoded value (without the type identifier).
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        match *self {
            Value::OctetString(s) | Value::CharString(s) => 1 + s.map_or(0, <[u8]>::len),
            Value::LongOctetString(s) | Value::LongCharString(s) => 2 + s.map_or(0, <[u8]>::len),
            Value::Collection(c) => {
                let header = if c.kind == CollectionKind::Structure {
                    2
                } else {
                    3
                };
                header + c.elements.len()
            }
            _ => self.data_type().fixed_len().unwrap_or(0),
        }
    }

    /// Encodes the value (without its type identifier) into `buf`.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        encode_with(self.encoded_len(), buf, |w| self.write(w))
    }

    /// Encodes into a new vector.
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len()];
        self.encode(&mut v)?;
        Ok(v)
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match *self {
            Value::NoData | Value::Unknown => Ok(()),
            Value::Data { width, bits: v }
            | Value::Bitmap { width, bits: v }
            | Value::Uint { width, value: v } => {
                check_width(width, v)?;
                w.uint(v, usize::from(width))
            }
            Value::Int { width, value } => {
                let w8 = width.clamp(1, 8);
                if width != w8 || sign_extend(value as u64, w8) != value {
                    return Err(EncodeError::InvalidValue {
                        what: "signed integer wider than its type",
                    });
                }
                w.uint(value as u64, usize::from(width))
            }
            Value::Bool(b) | Value::Enum8(b) => w.u8(b),
            Value::Enum16(v) | Value::Semi(v) | Value::ClusterId(v) | Value::AttributeId(v) => {
                w.u16(v)
            }
            Value::Single(v) | Value::Utc(v) | Value::BacnetOid(v) => w.u32(v),
            Value::Double(v) => w.uint(v, 8),
            Value::OctetString(s) | Value::CharString(s) => match s {
                None => w.u8(0xff),
                Some(s) => {
                    let len = u8::try_from(s.len()).ok().filter(|&l| l != 0xff).ok_or(
                        EncodeError::InvalidValue {
                            what: "string longer than 254 octets",
                        },
                    )?;
                    w.u8(len)?;
                    w.put(s)
                }
            },
            Value::LongOctetString(s) | Value::LongCharString(s) => match s {
                None => w.u16(0xffff),
                Some(s) => {
                    let len = u16::try_from(s.len()).ok().filter(|&l| l != 0xffff).ok_or(
                        EncodeError::InvalidValue {
                            what: "long string longer than 65534 octets",
                        },
                    )?;
                    w.u16(len)?;
                    w.put(s)
                }
            },
            Value::Collection(c) => {
                if c.kind != CollectionKind::Structure {
                    w.u8(c.element_type.0)?;
                }
                w.u16(c.count)?;
                w.put(c.elements)
            }
            Value::TimeOfDay(t) => w.put(&[t.hours, t.minutes, t.seconds, t.hundredths]),
            Value::Date(d) => w.put(&[d.year_since_1900, d.month, d.day, d.weekday]),
            Value::Ieee(e) => w.put(&e.to_le_bytes()),
            Value::SecurityKey(k) => w.put(&k),
        }
    }

    /// The characters of a character string, if they are UTF-8 (ZCL rev 6
    /// leaves the character set to the application; UTF-8 is what SE uses).
    #[must_use]
    pub fn as_str(&self) -> Option<&'a str> {
        match *self {
            Value::CharString(Some(s)) | Value::LongCharString(Some(s)) => {
                core::str::from_utf8(s).ok()
            }
            _ => None,
        }
    }

    /// The value as an unsigned integer, for every integer-like type.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Data { bits: v, .. }
            | Value::Bitmap { bits: v, .. }
            | Value::Uint { value: v, .. } => Some(v),
            Value::Bool(b) | Value::Enum8(b) => Some(u64::from(b)),
            Value::Enum16(v) | Value::ClusterId(v) | Value::AttributeId(v) => Some(u64::from(v)),
            Value::Utc(v) | Value::BacnetOid(v) => Some(u64::from(v)),
            Value::Int { value, .. } => u64::try_from(value).ok(),
            _ => None,
        }
    }

    /// The value of a float type as an `f64` (exact for all three widths).
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Semi(b) => Some(semi_to_f64(b)),
            Value::Single(b) => Some(f64::from(f32::from_bits(b))),
            Value::Double(b) => Some(f64::from_bits(b)),
            _ => None,
        }
    }
}

fn check_width(width: u8, v: u64) -> Result<(), EncodeError> {
    if (1..=8).contains(&width) && v & !mask(width) == 0 {
        Ok(())
    } else {
        Err(EncodeError::InvalidValue {
            what: "integer wider than its type",
        })
    }
}

/// Converts IEEE 754 binary16 bits (ZCL semi-precision, §2.6.2.8) to `f64`.
#[must_use]
pub fn semi_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = u64::from((bits >> 10) & 0x1f);
    let frac = u64::from(bits & 0x03ff);
    match exp {
        // Subnormal: frac * 2^-24, exact in f64.
        0 => sign * (frac as f64) / 16_777_216.0,
        0x1f if frac == 0 => sign * f64::INFINITY,
        0x1f => f64::NAN,
        _ => f64::from_bits(
            (u64::from(bits & 0x8000) << 48) | ((exp + 1023 - 15) << 52) | (frac << 42),
        ),
    }
}

/// Builds a fixed-length value of type `ty` from exactly its octets
/// (`s.len()` must be the type's fixed length; `None` otherwise or for a
/// variable-length or reserved type).
#[inline(always)]
pub(crate) fn fixed_value(ty: DataType, s: &[u8]) -> Option<Value<'_>> {
    if ty.length_code() as usize != s.len() {
        return None;
    }
    let mut le = [0u8; 8];
    if let Some(dst) = le.get_mut(..s.len().min(8)) {
        dst.copy_from_slice(s.get(..s.len().min(8))?);
    }
    let raw = u64::from_le_bytes(le);
    let [b0, b1, b2, b3, ..] = le;
    Some(match ty.kind() {
        TypeKind::NoData => Value::NoData,
        TypeKind::Unknown => Value::Unknown,
        TypeKind::Data(width) => Value::Data { width, bits: raw },
        TypeKind::Bool => Value::Bool(raw as u8),
        TypeKind::Bitmap(width) => Value::Bitmap { width, bits: raw },
        TypeKind::Uint(width) => Value::Uint { width, value: raw },
        TypeKind::Int(width) => Value::Int {
            width,
            value: sign_extend(raw, width),
        },
        TypeKind::Enum8 => Value::Enum8(raw as u8),
        TypeKind::Enum16 => Value::Enum16(raw as u16),
        TypeKind::Semi => Value::Semi(raw as u16),
        TypeKind::Single => Value::Single(raw as u32),
        TypeKind::Double => Value::Double(raw),
        TypeKind::Utc => Value::Utc(raw as u32),
        TypeKind::ClusterId => Value::ClusterId(raw as u16),
        TypeKind::AttributeId => Value::AttributeId(raw as u16),
        TypeKind::BacnetOid => Value::BacnetOid(raw as u32),
        TypeKind::Ieee => Value::Ieee(Eui64::from_le_bytes(le)),
        TypeKind::TimeOfDay => Value::TimeOfDay(TimeOfDay {
            hours: b0,
            minutes: b1,
            seconds: b2,
            hundredths: b3,
        }),
        TypeKind::Date => Value::Date(Date {
            year_since_1900: b0,
            month: b1,
            day: b2,
            weekday: b3,
        }),
        _ => return None,
    })
}

/// Advances over one value of type `ty`, validating it as [`Value::read`]
/// does (same errors) but without building it: fixed-length types cost one
/// table lookup.
#[inline]
pub(crate) fn skip(ty: DataType, r: &mut Reader<'_>, n: Nesting) -> Result<(), DecodeError> {
    let code = ty.length_code();
    if code < crate::data_type::VARIABLE && usize::from(code) <= r.remaining() {
        r.skip(usize::from(code), "value")
    } else {
        Value::read(ty, r, n).map(drop)
    }
}

/// Reads a data type identifier; reserved identifiers are an error at the
/// identifier's own offset, since the length of what follows is unknown.
pub(crate) fn read_type(r: &mut Reader<'_>, what: &'static str) -> Result<DataType, DecodeError> {
    let offset = r.offset();
    let t = DataType(r.u8(what)?);
    if t.is_reserved() {
        return Err(DecodeError::UnknownDataType {
            offset,
            data_type: t.0,
        });
    }
    Ok(t)
}

fn read_string<'a>(
    r: &mut Reader<'a>,
    long: bool,
    what: &'static str,
) -> Result<Option<&'a [u8]>, DecodeError> {
    let offset = r.offset();
    let (len, invalid) = if long {
        let l = r.u16(what)?;
        (usize::from(l), l == 0xffff)
    } else {
        let l = r.u8(what)?;
        (usize::from(l), l == 0xff)
    };
    if invalid {
        return Ok(None);
    }
    if len > r.remaining() {
        return Err(DecodeError::StringTooLong {
            offset,
            what,
            declared: len,
            available: r.remaining(),
        });
    }
    r.take(len, what).map(Some)
}

fn read_collection<'a>(
    kind: CollectionKind,
    r: &mut Reader<'a>,
    nesting: Nesting,
) -> Result<Collection<'a>, DecodeError> {
    let offset = r.offset();
    let inner = nesting.enter(offset)?;
    let structure = kind == CollectionKind::Structure;
    let element_type = if structure {
        DataType::UNKNOWN
    } else {
        let t = DataType(r.u8("collection element type")?);
        if t.kind() == TypeKind::Reserved {
            return Err(DecodeError::UnknownDataType {
                offset,
                data_type: t.0,
            });
        }
        t
    };
    let count = r.u16("collection element count")?;
    let start = r.clone();
    if count != 0xffff {
        for _ in 0..count {
            let ty = if structure {
                read_type(r, "structure element type")?
            } else {
                element_type
            };
            skip(ty, r, inner)?;
        }
    }
    let used = r.offset() - start.offset();
    let mut s = start;
    let elements = s.take(used, "collection elements")?;
    Ok(Collection {
        kind,
        element_type,
        count,
        elements,
        nesting: inner,
    })
}
