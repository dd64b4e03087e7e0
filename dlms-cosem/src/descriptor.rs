//! COSEM attribute and method descriptors and selective access
//! (IEC 62056-5-3, clause 9.3: `Cosem-Attribute-Descriptor`,
//! `Cosem-Method-Descriptor`, `Selective-Access-Descriptor`; the range and
//! entry descriptors of the profile generic class, IEC 62056-6-2 4.3.6).

use crate::axdr::{Decode, Encode, Reader, Writer, sequence};
use crate::data::Data;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::obis::Obis;

sequence! {
    /// `Cosem-Attribute-Descriptor`: class, logical name, attribute (9 bytes).
    pub struct AttributeDescriptor {
        /// Interface class (`class-id`).
        pub class_id: u16,
        /// Logical name (`instance-id`).
        pub instance_id: Obis,
        /// Attribute index (`attribute-id`, Integer8; negative for manufacturer attributes).
        pub attribute_id: i8,
    }
}

sequence! {
    /// `Cosem-Method-Descriptor`: class, logical name, method (9 bytes).
    pub struct MethodDescriptor {
        /// Interface class.
        pub class_id: u16,
        /// Logical name.
        pub instance_id: Obis,
        /// Method index (Integer8).
        pub method_id: i8,
    }
}

sequence! {
    /// `Selective-Access-Descriptor`: an access selector and its parameters.
    /// For the profile generic class, selector 1 is [`RangeDescriptor`] and 2
    /// is [`EntryDescriptor`]; others are kept as plain [`Data`].
    pub struct SelectiveAccess<'a> {
        /// `access-selector`.
        pub selector: u8,
        /// `access-parameters`.
        pub parameters: Data<'a>,
    }
}

sequence! {
    /// `Cosem-Attribute-Descriptor-With-Selection`.
    pub struct AttributeWithSelection<'a> {
        /// The attribute.
        pub attribute: AttributeDescriptor,
        /// Optional selective access.
        pub access: Option<SelectiveAccess<'a>>,
    }
}

/// A capture object definition (`restricting_object` of a range
/// descriptor, an element of `selected_values`): structure {class_id
/// long-unsigned, logical_name octet-string(6), attribute_index integer,
/// data_index long-unsigned}.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptureObject {
    /// Interface class.
    pub class_id: u16,
    /// Logical name.
    pub logical_name: Obis,
    /// Attribute index.
    pub attribute_index: i8,
    /// Data index (0: the whole attribute).
    pub data_index: u16,
}

fn bad(what: &'static str) -> DecodeError {
    DecodeError::new(0, DecodeErrorKind::InvalidValue { what, value: 0 })
}

impl CaptureObject {
    /// Reads one from its structure form.
    pub fn from_data(d: &Data<'_>) -> Result<Self, DecodeError> {
        let Data::Structure(s) = d else {
            return Err(bad("capture object"));
        };
        let mut it = s.iter();
        match (it.next(), it.next(), it.next(), it.next(), it.next()) {
            (
                Some(Data::LongUnsigned(class_id)),
                Some(Data::OctetString(ln)),
                Some(Data::Integer(attribute_index)),
                Some(Data::LongUnsigned(data_index)),
                None,
            ) => Ok(Self {
                class_id,
                logical_name: Obis::from_slice(ln)
                    .ok_or_else(|| bad("capture object logical name"))?,
                attribute_index,
                data_index,
            }),
            _ => Err(bad("capture object")),
        }
    }

    /// Encoded size as a structure (18 bytes).
    pub const ENCODED_LEN: usize = 18;

    /// Writes its structure form.
    pub fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let c = self.class_id.to_be_bytes();
        let d = self.data_index.to_be_bytes();
        w.put(&[0x02, 0x04, 0x12, c[0], c[1], 0x09, 0x06])?;
        w.put(&self.logical_name.0)?;
        w.put(&[0x0f, self.attribute_index as u8, 0x12, d[0], d[1]])
    }
}

/// Range descriptor (access selector 1 of profile generic): entries whose
/// restricting object lies between `from` and `to`, projected on
/// `selected_values` (empty: all columns).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RangeDescriptor<'a> {
    /// Column compared (usually the clock).
    pub restricting_object: CaptureObject,
    /// Lower bound (inclusive).
    pub from_value: Data<'a>,
    /// Upper bound (inclusive).
    pub to_value: Data<'a>,
    /// Columns to return: a validated array of capture-object structures.
    pub selected_values: crate::data::Sequence<'a>,
}

impl<'a> RangeDescriptor<'a> {
    /// Interprets access parameters of selector 1.
    pub fn from_data(d: &Data<'a>) -> Result<Self, DecodeError> {
        let Data::Structure(s) = d else {
            return Err(bad("range descriptor"));
        };
        let mut it = s.iter();
        match (it.next(), it.next(), it.next(), it.next(), it.next()) {
            (Some(ro), Some(from_value), Some(to_value), Some(Data::Array(sel)), None) => {
                for c in sel.iter() {
                    CaptureObject::from_data(&c)?;
                }
                Ok(Self {
                    restricting_object: CaptureObject::from_data(&ro)?,
                    from_value,
                    to_value,
                    selected_values: sel,
                })
            }
            _ => Err(bad("range descriptor")),
        }
    }

    /// The selected columns.
    pub fn selected(&self) -> impl Iterator<Item = CaptureObject> + 'a {
        self.selected_values
            .iter()
            .filter_map(|d| CaptureObject::from_data(&d).ok())
    }
}

impl Encode for RangeDescriptor<'_> {
    fn encoded_len(&self) -> usize {
        2 + CaptureObject::ENCODED_LEN
            + self.from_value.encoded_len()
            + self.to_value.encoded_len()
            + Data::Array(self.selected_values).encoded_len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(&[0x02, 0x04])?;
        self.restricting_object.write(w)?;
        self.from_value.write(w)?;
        self.to_value.write(w)?;
        Data::Array(self.selected_values).write(w)
    }
}

/// Entry descriptor (access selector 2 of profile generic): rows
/// `from_entry..=to_entry` (1-based; `to_entry` 0 = last) and columns
/// `from_selected_value..=to_selected_value` (0 = last).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryDescriptor {
    /// First row.
    pub from_entry: u32,
    /// Last row (0: the newest).
    pub to_entry: u32,
    /// First column.
    pub from_selected_value: u16,
    /// Last column (0: the last).
    pub to_selected_value: u16,
}

impl EntryDescriptor {
    /// Interprets access parameters of selector 2.
    pub fn from_data(d: &Data<'_>) -> Result<Self, DecodeError> {
        let Data::Structure(s) = d else {
            return Err(bad("entry descriptor"));
        };
        let mut it = s.iter();
        match (it.next(), it.next(), it.next(), it.next(), it.next()) {
            (
                Some(Data::DoubleLongUnsigned(from_entry)),
                Some(Data::DoubleLongUnsigned(to_entry)),
                Some(Data::LongUnsigned(from_selected_value)),
                Some(Data::LongUnsigned(to_selected_value)),
                None,
            ) => Ok(Self {
                from_entry,
                to_entry,
                from_selected_value,
                to_selected_value,
            }),
            _ => Err(bad("entry descriptor")),
        }
    }
}

impl Encode for EntryDescriptor {
    fn encoded_len(&self) -> usize {
        18
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(&[0x02, 0x04, 0x06])?;
        w.put(&self.from_entry.to_be_bytes())?;
        w.u8(0x06)?;
        w.put(&self.to_entry.to_be_bytes())?;
        w.u8(0x12)?;
        w.put(&self.from_selected_value.to_be_bytes())?;
        w.u8(0x12)?;
        w.put(&self.to_selected_value.to_be_bytes())
    }
}

impl<'a> Decode<'a> for EntryDescriptor {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let at = r.offset();
        let d = Data::read(r)?;
        Self::from_data(&d).map_err(|e| DecodeError::new(at, e.kind))
    }
}
