//! The owned `Data` tree (feature `alloc`), for head ends that keep values
//! beyond the frame's lifetime or build them dynamically.

use alloc::vec::Vec;

use super::{BitString, CompactArray, Data, DataType, Sequence, TypeDesc};
use crate::axdr::{Decode, Encode, Writer, length_len};
use crate::datetime::{CosemDate, CosemDateTime, CosemTime};
use crate::error::EncodeError;

/// An owned A-XDR `Data` value; variants mirror [`Data`].
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
#[allow(missing_docs)] // Each variant is the `Data` variant of the same name.
pub enum DataOwned {
    NullData,
    Array(Vec<DataOwned>),
    Structure(Vec<DataOwned>),
    Boolean(u8),
    BitString {
        bits: usize,
        bytes: Vec<u8>,
    },
    DoubleLong(i32),
    DoubleLongUnsigned(u32),
    OctetString(Vec<u8>),
    VisibleString(Vec<u8>),
    Utf8String(Vec<u8>),
    Bcd(i8),
    Integer(i8),
    Long(i16),
    Unsigned(u8),
    LongUnsigned(u16),
    /// A compact array: the raw type description and the typed rows.
    CompactArray {
        description: Vec<u8>,
        rows: Vec<DataOwned>,
    },
    Long64(i64),
    Long64Unsigned(u64),
    Enum(u8),
    Float32(u32),
    Float64(u64),
    DateTime(CosemDateTime),
    Date(CosemDate),
    Time(CosemTime),
    DeltaInteger(i8),
    DeltaLong(i16),
    DeltaDoubleLong(i32),
    DeltaUnsigned(u8),
    DeltaLongUnsigned(u16),
    DeltaDoubleLongUnsigned(u32),
    DontCare,
}

impl Data<'_> {
    /// Copies this value into an owned tree.
    #[must_use]
    pub fn to_owned(&self) -> DataOwned {
        use DataOwned as O;
        match *self {
            Self::NullData => O::NullData,
            Self::Array(s) => O::Array(s.iter().map(|d| d.to_owned()).collect()),
            Self::Structure(s) => O::Structure(s.iter().map(|d| d.to_owned()).collect()),
            Self::Boolean(v) => O::Boolean(v),
            Self::BitString(b) => O::BitString {
                bits: b.bits,
                bytes: b.bytes.to_vec(),
            },
            Self::DoubleLong(v) => O::DoubleLong(v),
            Self::DoubleLongUnsigned(v) => O::DoubleLongUnsigned(v),
            Self::OctetString(b) => O::OctetString(b.to_vec()),
            Self::VisibleString(b) => O::VisibleString(b.to_vec()),
            Self::Utf8String(b) => O::Utf8String(b.to_vec()),
            Self::Bcd(v) => O::Bcd(v),
            Self::Integer(v) => O::Integer(v),
            Self::Long(v) => O::Long(v),
            Self::Unsigned(v) => O::Unsigned(v),
            Self::LongUnsigned(v) => O::LongUnsigned(v),
            Self::CompactArray(c) => O::CompactArray {
                description: c.description().as_bytes().to_vec(),
                rows: c.rows().map(|d| d.to_owned()).collect(),
            },
            Self::Long64(v) => O::Long64(v),
            Self::Long64Unsigned(v) => O::Long64Unsigned(v),
            Self::Enum(v) => O::Enum(v),
            Self::Float32(v) => O::Float32(v),
            Self::Float64(v) => O::Float64(v),
            Self::DateTime(v) => O::DateTime(v),
            Self::Date(v) => O::Date(v),
            Self::Time(v) => O::Time(v),
            Self::DeltaInteger(v) => O::DeltaInteger(v),
            Self::DeltaLong(v) => O::DeltaLong(v),
            Self::DeltaDoubleLong(v) => O::DeltaDoubleLong(v),
            Self::DeltaUnsigned(v) => O::DeltaUnsigned(v),
            Self::DeltaLongUnsigned(v) => O::DeltaLongUnsigned(v),
            Self::DeltaDoubleLongUnsigned(v) => O::DeltaDoubleLongUnsigned(v),
            Self::DontCare => O::DontCare,
        }
    }
}

impl DataOwned {
    /// The value as a borrowed [`Data`] for leaves; `None` for arrays,
    /// structures and compact arrays (whose borrowed form needs a slice of
    /// children).
    #[must_use]
    pub fn as_leaf(&self) -> Option<Data<'_>> {
        use DataOwned as O;
        Some(match self {
            O::Array(_) | O::Structure(_) | O::CompactArray { .. } => return None,
            O::NullData => Data::NullData,
            O::Boolean(v) => Data::Boolean(*v),
            O::BitString { bits, bytes } => Data::BitString(BitString { bits: *bits, bytes }),
            O::DoubleLong(v) => Data::DoubleLong(*v),
            O::DoubleLongUnsigned(v) => Data::DoubleLongUnsigned(*v),
            O::OctetString(b) => Data::OctetString(b),
            O::VisibleString(b) => Data::VisibleString(b),
            O::Utf8String(b) => Data::Utf8String(b),
            O::Bcd(v) => Data::Bcd(*v),
            O::Integer(v) => Data::Integer(*v),
            O::Long(v) => Data::Long(*v),
            O::Unsigned(v) => Data::Unsigned(*v),
            O::LongUnsigned(v) => Data::LongUnsigned(*v),
            O::Long64(v) => Data::Long64(*v),
            O::Long64Unsigned(v) => Data::Long64Unsigned(*v),
            O::Enum(v) => Data::Enum(*v),
            O::Float32(v) => Data::Float32(*v),
            O::Float64(v) => Data::Float64(*v),
            O::DateTime(v) => Data::DateTime(*v),
            O::Date(v) => Data::Date(*v),
            O::Time(v) => Data::Time(*v),
            O::DeltaInteger(v) => Data::DeltaInteger(*v),
            O::DeltaLong(v) => Data::DeltaLong(*v),
            O::DeltaDoubleLong(v) => Data::DeltaDoubleLong(*v),
            O::DeltaUnsigned(v) => Data::DeltaUnsigned(*v),
            O::DeltaLongUnsigned(v) => Data::DeltaLongUnsigned(*v),
            O::DeltaDoubleLongUnsigned(v) => Data::DeltaDoubleLongUnsigned(*v),
            O::DontCare => Data::DontCare,
        })
    }

    /// The CHOICE tag.
    #[must_use]
    pub fn data_type(&self) -> DataType {
        match self {
            Self::Array(_) => DataType::Array,
            Self::Structure(_) => DataType::Structure,
            Self::CompactArray { .. } => DataType::CompactArray,
            leaf => leaf.as_leaf().map_or(DataType::NullData, |d| d.data_type()),
        }
    }

    /// Encodes a compact array's contents: `(description bytes, contents)`.
    fn compact_contents(description: &[u8], rows: &[DataOwned]) -> Result<Vec<u8>, EncodeError> {
        const BAD: EncodeError = EncodeError::InvalidValue {
            what: "compact-array type description",
        };
        let td = TypeDesc::new(description).map_err(|_| BAD)?;
        let mut tagged = Vec::new();
        for row in rows {
            tagged.extend(row.encode_to_vec()?);
        }
        // Re-read the rows as borrowed values, then write them untagged.
        let mut r = crate::axdr::Reader::new(&tagged);
        let mut borrowed = Vec::with_capacity(rows.len());
        for _ in rows {
            borrowed.push(Data::read(&mut r).map_err(|_| BAD)?);
        }
        let mut out = alloc::vec![0u8; 1 + description.len() + 5 + tagged.len()];
        let n = CompactArray::write_from_rows(td, borrowed.iter().copied(), &mut out)?;
        // Strip tag, description and length: keep the contents only.
        let mut r = crate::axdr::Reader::new(out.get(..n).unwrap_or(&[]));
        r.skip(1 + description.len()).map_err(|_| BAD)?;
        let contents = r.octet_string().map_err(|_| BAD)?;
        Ok(contents.to_vec())
    }
}

impl<'a> From<Sequence<'a>> for Vec<DataOwned> {
    fn from(s: Sequence<'a>) -> Self {
        s.iter().map(|d| d.to_owned()).collect()
    }
}

impl Encode for DataOwned {
    fn encoded_len(&self) -> usize {
        match self {
            Self::Array(v) | Self::Structure(v) => {
                1 + length_len(v.len()) + v.iter().map(Encode::encoded_len).sum::<usize>()
            }
            Self::CompactArray { description, rows } => {
                let n = Self::compact_contents(description, rows).map_or(0, |c| c.len());
                1 + description.len() + length_len(n) + n
            }
            leaf => leaf.as_leaf().map_or(0, |d| d.encoded_len()),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Self::Array(v) | Self::Structure(v) => {
                w.u8(self.data_type().to_u8())?;
                w.length(v.len())?;
                v.iter().try_for_each(|d| d.write(w))
            }
            Self::CompactArray { description, rows } => {
                let contents = Self::compact_contents(description, rows)?;
                w.u8(DataType::CompactArray.to_u8())?;
                w.put(description)?;
                w.octet_string(&contents)
            }
            leaf => leaf
                .as_leaf()
                .ok_or(EncodeError::InvalidValue { what: "Data" })?
                .write(w),
        }
    }
}
