//! Owned attribute values (feature `alloc`), for head ends that keep values
//! beyond the received buffer or build nested collections without arranging
//! buffers by hand.

use alloc::vec::Vec;

use crate::cursor::{Writer, encode_with};
use crate::data_type::DataType;
use crate::error::{DecodeError, EncodeError};
use crate::value::{CollectionKind, Value};

/// An owned ZCL value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OwnedValue {
    /// A value that borrows nothing (every type except strings and collections).
    Scalar(Value<'static>),
    /// Octet string; `None` is the invalid value.
    OctetString(Option<Vec<u8>>),
    /// Character string; `None` is the invalid value.
    CharString(Option<Vec<u8>>),
    /// Long octet string; `None` is the invalid value.
    LongOctetString(Option<Vec<u8>>),
    /// Long character string; `None` is the invalid value.
    LongCharString(Option<Vec<u8>>),
    /// Array, structure, set or bag; `elements` is `None` for the invalid
    /// value (count 0xffff).
    Collection {
        /// Kind.
        kind: CollectionKind,
        /// Element type ([`DataType::UNKNOWN`] for a structure).
        element_type: DataType,
        /// Elements.
        elements: Option<Vec<OwnedValue>>,
    },
}

impl OwnedValue {
    /// Copies a borrowed value (and all its nested elements).
    #[must_use]
    pub fn from_value(v: &Value<'_>) -> OwnedValue {
        match *v {
            Value::OctetString(s) => OwnedValue::OctetString(s.map(<[u8]>::to_vec)),
            Value::CharString(s) => OwnedValue::CharString(s.map(<[u8]>::to_vec)),
            Value::LongOctetString(s) => OwnedValue::LongOctetString(s.map(<[u8]>::to_vec)),
            Value::LongCharString(s) => OwnedValue::LongCharString(s.map(<[u8]>::to_vec)),
            Value::Collection(c) => OwnedValue::Collection {
                kind: c.kind(),
                element_type: c.element_type(),
                elements: if c.is_invalid() {
                    None
                } else {
                    Some(c.elements().map(|e| OwnedValue::from_value(&e)).collect())
                },
            },
            Value::NoData => OwnedValue::Scalar(Value::NoData),
            Value::Data { width, bits } => OwnedValue::Scalar(Value::Data { width, bits }),
            Value::Bool(b) => OwnedValue::Scalar(Value::Bool(b)),
            Value::Bitmap { width, bits } => OwnedValue::Scalar(Value::Bitmap { width, bits }),
            Value::Uint { width, value } => OwnedValue::Scalar(Value::Uint { width, value }),
            Value::Int { width, value } => OwnedValue::Scalar(Value::Int { width, value }),
            Value::Enum8(x) => OwnedValue::Scalar(Value::Enum8(x)),
            Value::Enum16(x) => OwnedValue::Scalar(Value::Enum16(x)),
            Value::Semi(x) => OwnedValue::Scalar(Value::Semi(x)),
            Value::Single(x) => OwnedValue::Scalar(Value::Single(x)),
            Value::Double(x) => OwnedValue::Scalar(Value::Double(x)),
            Value::TimeOfDay(x) => OwnedValue::Scalar(Value::TimeOfDay(x)),
            Value::Date(x) => OwnedValue::Scalar(Value::Date(x)),
            Value::Utc(x) => OwnedValue::Scalar(Value::Utc(x)),
            Value::ClusterId(x) => OwnedValue::Scalar(Value::ClusterId(x)),
            Value::AttributeId(x) => OwnedValue::Scalar(Value::AttributeId(x)),
            Value::BacnetOid(x) => OwnedValue::Scalar(Value::BacnetOid(x)),
            Value::Ieee(x) => OwnedValue::Scalar(Value::Ieee(x)),
            Value::SecurityKey(x) => OwnedValue::Scalar(Value::SecurityKey(x)),
            Value::Unknown => OwnedValue::Scalar(Value::Unknown),
        }
    }

    /// Decodes one value of `data_type` from the start of `bytes`.
    pub fn decode(data_type: DataType, bytes: &[u8]) -> Result<(OwnedValue, usize), DecodeError> {
        let (v, n) = Value::decode(data_type, bytes)?;
        Ok((OwnedValue::from_value(&v), n))
    }

    /// The data type.
    #[must_use]
    pub fn data_type(&self) -> DataType {
        match self {
            OwnedValue::Scalar(v) => v.data_type(),
            OwnedValue::OctetString(_) => DataType::OCTET_STRING,
            OwnedValue::CharString(_) => DataType::CHAR_STRING,
            OwnedValue::LongOctetString(_) => DataType::LONG_OCTET_STRING,
            OwnedValue::LongCharString(_) => DataType::LONG_CHAR_STRING,
            OwnedValue::Collection { kind, .. } => kind.data_type(),
        }
    }

    /// Encoded length (without the type identifier).
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        match self {
            OwnedValue::Scalar(v) => v.encoded_len(),
            OwnedValue::OctetString(s) | OwnedValue::CharString(s) => {
                1 + s.as_ref().map_or(0, Vec::len)
            }
            OwnedValue::LongOctetString(s) | OwnedValue::LongCharString(s) => {
                2 + s.as_ref().map_or(0, Vec::len)
            }
            OwnedValue::Collection { kind, elements, .. } => {
                let structure = *kind == CollectionKind::Structure;
                let header = if structure { 2 } else { 3 };
                header
                    + elements.as_ref().map_or(0, |es| {
                        es.iter()
                            .map(|e| e.encoded_len() + usize::from(structure))
                            .sum()
                    })
            }
        }
    }

    /// Encodes the value (without its type identifier).
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        encode_with(self.encoded_len(), buf, |w| self.write(w))
    }

    /// Encodes into a new vector.
    pub fn encode_to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len()];
        self.encode(&mut v)?;
        Ok(v)
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        fn borrowed(s: &Option<Vec<u8>>) -> Option<&[u8]> {
            s.as_deref()
        }
        match self {
            OwnedValue::Scalar(v) => v.write(w),
            OwnedValue::OctetString(s) => Value::OctetString(borrowed(s)).write(w),
            OwnedValue::CharString(s) => Value::CharString(borrowed(s)).write(w),
            OwnedValue::LongOctetString(s) => Value::LongOctetString(borrowed(s)).write(w),
            OwnedValue::LongCharString(s) => Value::LongCharString(borrowed(s)).write(w),
            OwnedValue::Collection {
                kind,
                element_type,
                elements,
            } => {
                let structure = *kind == CollectionKind::Structure;
                if !structure {
                    w.u8(element_type.0)?;
                }
                let Some(es) = elements else {
                    return w.u16(0xffff);
                };
                let count = u16::try_from(es.len())
                    .ok()
                    .filter(|&c| c != 0xffff)
                    .ok_or(EncodeError::InvalidValue {
                        what: "collection with 65535 or more elements",
                    })?;
                w.u16(count)?;
                for e in es {
                    if structure {
                        w.u8(e.data_type().0)?;
                    } else if e.data_type() != *element_type {
                        return Err(EncodeError::InvalidValue {
                            what: "array element of another type",
                        });
                    }
                    e.write(w)?;
                }
                Ok(())
            }
        }
    }
}
