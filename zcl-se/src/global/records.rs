//! Record types of the global commands (ZCL rev 6 §2.5.2 to §2.5.23).

use crate::cursor::{Reader, Writer, encode_with};
use crate::data_type::DataType;
use crate::error::{DecodeError, EncodeError};
use crate::global::list::Record;
use crate::macros::code_enum;
use crate::status::Status;
use crate::value::{Nesting, Value, fixed_value, read_type, skip};

/// Implements [`Record`] from a type's `read`, `len` and `write`.
macro_rules! record {
    ($t:ident $(<$l:lifetime>)?) => {
        impl<'a> Record<'a> for $t $(<$l>)? {
            fn decode_record(
                bytes: &'a [u8],
                base: usize,
                max_nesting: u8,
            ) -> Result<(Self, usize), DecodeError> {
                let mut r = Reader::new(bytes, base);
                let rec = Self::read(&mut r, Nesting::new(max_nesting))?;
                Ok((rec, r.offset() - base))
            }
            fn record_len(&self) -> usize {
                self.len()
            }
            fn encode_record(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
                encode_with(self.len(), buf, |w| self.write(w))
            }
        }
    };
}

/// A typed value: its type identifier then the value (used by write, report
/// and read-response records).
fn read_typed<'a>(r: &mut Reader<'a>, n: Nesting) -> Result<Value<'a>, DecodeError> {
    let ty = read_type(r, "attribute data type")?;
    Value::read(ty, r, n)
}

fn write_typed(v: &Value<'_>, w: &mut Writer<'_>) -> Result<(), EncodeError> {
    w.u8(v.data_type().0)?;
    v.write(w)
}

/// An attribute identifier (read attributes, ZCL rev 6 §2.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AttributeId(pub u16);

impl AttributeId {
    fn read(r: &mut Reader<'_>, _: Nesting) -> Result<Self, DecodeError> {
        Ok(AttributeId(r.u16("attribute identifier")?))
    }
    fn len(&self) -> usize {
        2
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(self.0)
    }
}
record!(AttributeId);

/// Read attribute status record (ZCL rev 6 §2.5.2.1): the value is present
/// exactly when the status is SUCCESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadAttributeStatus<'a> {
    /// Attribute identifier.
    pub id: u16,
    /// Status.
    pub status: Status,
    /// The value (with its type), when `status` is SUCCESS.
    pub value: Option<Value<'a>>,
}

impl<'a> ReadAttributeStatus<'a> {
    fn read(r: &mut Reader<'a>, n: Nesting) -> Result<Self, DecodeError> {
        let id = r.u16("attribute identifier")?;
        let status = Status::from(r.u8("attribute status")?);
        let value = if status == Status::Success {
            Some(read_typed(r, n)?)
        } else {
            None
        };
        Ok(ReadAttributeStatus { id, status, value })
    }
    fn len(&self) -> usize {
        3 + self.value.map_or(0, |v| 1 + v.encoded_len())
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if (self.status == Status::Success) != self.value.is_some() {
            return Err(EncodeError::InvalidValue {
                what: "read attribute status record: value present iff status is success",
            });
        }
        w.u16(self.id)?;
        w.u8(self.status.into())?;
        match &self.value {
            Some(v) => write_typed(v, w),
            None => Ok(()),
        }
    }
}
impl<'a> Record<'a> for ReadAttributeStatus<'a> {
    fn decode_record(
        bytes: &'a [u8],
        base: usize,
        max_nesting: u8,
    ) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes, base);
        let rec = Self::read(&mut r, Nesting::new(max_nesting))?;
        Ok((rec, r.offset() - base))
    }
    #[inline]
    fn skip_record(bytes: &'a [u8], base: usize, max_nesting: u8) -> Result<usize, DecodeError> {
        // Fast path: a failure record, or a fixed-length type that fits.
        match (bytes.get(2), bytes.get(3)) {
            (Some(&s), _) if s != 0 => return Ok(3),
            (Some(_), Some(&ty)) => {
                let code = DataType(ty).length_code();
                let end = 4 + usize::from(code);
                if code < crate::data_type::VARIABLE && end <= bytes.len() {
                    return Ok(end);
                }
            }
            _ => {}
        }
        let mut r = Reader::new(bytes, base);
        r.skip(2, "attribute identifier")?;
        if r.u8("attribute status")? == 0 {
            let ty = read_type(&mut r, "attribute data type")?;
            skip(ty, &mut r, Nesting::new(max_nesting))?;
        }
        Ok(r.offset() - base)
    }
    fn record_len(&self) -> usize {
        self.len()
    }
    fn encode_record(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        encode_with(self.len(), buf, |w| self.write(w))
    }
}

/// An attribute identifier with a typed value: write attribute records
/// (§2.5.3.1) and attribute reports (§2.5.11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeValue<'a> {
    /// Attribute identifier.
    pub id: u16,
    /// The value; its data type is written before it.
    pub value: Value<'a>,
}

impl<'a> AttributeValue<'a> {
    fn read(r: &mut Reader<'a>, n: Nesting) -> Result<Self, DecodeError> {
        let id = r.u16("attribute identifier")?;
        Ok(AttributeValue {
            id,
            value: read_typed(r, n)?,
        })
    }
    fn len(&self) -> usize {
        3 + self.value.encoded_len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(self.id)?;
        write_typed(&self.value, w)
    }
}
impl<'a> Record<'a> for AttributeValue<'a> {
    #[inline(always)]
    fn decode_record(
        bytes: &'a [u8],
        base: usize,
        max_nesting: u8,
    ) -> Result<(Self, usize), DecodeError> {
        // Fast path: a fixed-length value that fits.
        if let (Some(&lo), Some(&hi), Some(&ty)) = (bytes.first(), bytes.get(1), bytes.get(2)) {
            let ty = DataType(ty);
            let n = usize::from(ty.length_code());
            if let Some(v) = bytes.get(3..3 + n).and_then(|s| fixed_value(ty, s)) {
                let id = u16::from_le_bytes([lo, hi]);
                return Ok((AttributeValue { id, value: v }, 3 + n));
            }
        }
        let mut r = Reader::new(bytes, base);
        let rec = Self::read(&mut r, Nesting::new(max_nesting))?;
        Ok((rec, r.offset() - base))
    }
    #[inline]
    fn skip_record(bytes: &'a [u8], base: usize, max_nesting: u8) -> Result<usize, DecodeError> {
        // Fast path: a fixed-length type that fits.
        if let Some(&ty) = bytes.get(2) {
            let code = DataType(ty).length_code();
            if code < crate::data_type::VARIABLE {
                let end = 3 + usize::from(code);
                if end <= bytes.len() {
                    return Ok(end);
                }
            }
        }
        let mut r = Reader::new(bytes, base);
        r.skip(2, "attribute identifier")?;
        let ty = read_type(&mut r, "attribute data type")?;
        skip(ty, &mut r, Nesting::new(max_nesting))?;
        Ok(r.offset() - base)
    }
    fn record_len(&self) -> usize {
        self.len()
    }
    fn encode_record(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        encode_with(self.len(), buf, |w| self.write(w))
    }
}

/// Write attribute status record (§2.5.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteAttributeStatus {
    /// Status.
    pub status: Status,
    /// Attribute identifier.
    pub id: u16,
}

impl WriteAttributeStatus {
    fn read(r: &mut Reader<'_>, _: Nesting) -> Result<Self, DecodeError> {
        let status = Status::from(r.u8("write status")?);
        Ok(WriteAttributeStatus {
            status,
            id: r.u16("attribute identifier")?,
        })
    }
    fn len(&self) -> usize {
        3
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.status.into())?;
        w.u16(self.id)
    }
}
record!(WriteAttributeStatus);

code_enum! {
    /// Direction field of reporting records (ZCL rev 6 §2.5.7.1.1).
    pub enum ReportDirection: u8 {
        /// The receiver of the command sends reports of the attribute.
        Send = 0x00 => "reported",
        /// The receiver of the command expects reports of the attribute.
        Receive = 0x01 => "received",
    }
}

/// What a reporting configuration holds for each direction (§2.5.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportingDetails<'a> {
    /// Direction 0x00: how the receiver reports.
    Send {
        /// Attribute data type.
        data_type: DataType,
        /// Minimum reporting interval, seconds.
        min_interval: u16,
        /// Maximum reporting interval, seconds (0xffff: no periodic reports).
        max_interval: u16,
        /// Reportable change, present exactly for analog data types.
        reportable_change: Option<Value<'a>>,
    },
    /// Direction 0x01: how long the receiver waits for reports.
    Receive {
        /// Timeout period, seconds.
        timeout: u16,
    },
}

impl<'a> ReportingDetails<'a> {
    fn direction(&self) -> ReportDirection {
        match self {
            ReportingDetails::Send { .. } => ReportDirection::Send,
            ReportingDetails::Receive { .. } => ReportDirection::Receive,
        }
    }

    fn read(
        direction: ReportDirection,
        offset: usize,
        r: &mut Reader<'a>,
        n: Nesting,
    ) -> Result<Self, DecodeError> {
        match direction {
            ReportDirection::Send => {
                let type_offset = r.offset();
                let data_type = DataType(r.u8("attribute data type")?);
                if data_type.kind() == crate::data_type::TypeKind::Reserved {
                    return Err(DecodeError::UnknownDataType {
                        offset: type_offset,
                        data_type: data_type.0,
                    });
                }
                let min_interval = r.u16("minimum reporting interval")?;
                let max_interval = r.u16("maximum reporting interval")?;
                let reportable_change = if data_type.is_analog() {
                    Some(Value::read(data_type, r, n)?)
                } else {
                    None
                };
                Ok(ReportingDetails::Send {
                    data_type,
                    min_interval,
                    max_interval,
                    reportable_change,
                })
            }
            ReportDirection::Receive => Ok(ReportingDetails::Receive {
                timeout: r.u16("timeout period")?,
            }),
            ReportDirection::Unknown(_) => Err(DecodeError::InvalidValue {
                offset,
                what: "reporting direction",
            }),
        }
    }

    fn len(&self) -> usize {
        match self {
            ReportingDetails::Send {
                reportable_change, ..
            } => 5 + reportable_change.map_or(0, |v| v.encoded_len()),
            ReportingDetails::Receive { .. } => 2,
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            ReportingDetails::Send {
                data_type,
                min_interval,
                max_interval,
                reportable_change,
            } => {
                let consistent = match reportable_change {
                    Some(v) => data_type.is_analog() && v.data_type() == *data_type,
                    None => !data_type.is_analog(),
                };
                if !consistent {
                    return Err(EncodeError::InvalidValue {
                        what: "reportable change present iff the type is analog, of that type",
                    });
                }
                w.u8(data_type.0)?;
                w.u16(*min_interval)?;
                w.u16(*max_interval)?;
                match reportable_change {
                    Some(v) => v.write(w),
                    None => Ok(()),
                }
            }
            ReportingDetails::Receive { timeout } => w.u16(*timeout),
        }
    }
}

/// Attribute reporting configuration record (§2.5.7.1); the direction field
/// is implied by the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportingConfiguration<'a> {
    /// Attribute identifier.
    pub id: u16,
    /// Direction-specific fields.
    pub details: ReportingDetails<'a>,
}

impl<'a> ReportingConfiguration<'a> {
    fn read(r: &mut Reader<'a>, n: Nesting) -> Result<Self, DecodeError> {
        let offset = r.offset();
        let direction = ReportDirection::from(r.u8("reporting direction")?);
        let id = r.u16("attribute identifier")?;
        let details = ReportingDetails::read(direction, offset, r, n)?;
        Ok(ReportingConfiguration { id, details })
    }
    fn len(&self) -> usize {
        3 + self.details.len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.details.direction().into())?;
        w.u16(self.id)?;
        self.details.write(w)
    }
}
record!(ReportingConfiguration<'a>);

/// Attribute status record of configure reporting response (§2.5.8.1), and
/// attribute record of read reporting configuration (§2.5.9.1, status absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeStatusRecord {
    /// Status.
    pub status: Status,
    /// Direction.
    pub direction: ReportDirection,
    /// Attribute identifier.
    pub id: u16,
}

impl AttributeStatusRecord {
    fn read(r: &mut Reader<'_>, _: Nesting) -> Result<Self, DecodeError> {
        let status = Status::from(r.u8("configure reporting status")?);
        let direction = ReportDirection::from(r.u8("reporting direction")?);
        Ok(AttributeStatusRecord {
            status,
            direction,
            id: r.u16("attribute identifier")?,
        })
    }
    fn len(&self) -> usize {
        4
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.status.into())?;
        w.u8(self.direction.into())?;
        w.u16(self.id)
    }
}
record!(AttributeStatusRecord);

/// Attribute record of read reporting configuration (§2.5.9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeRecord {
    /// Direction.
    pub direction: ReportDirection,
    /// Attribute identifier.
    pub id: u16,
}

impl AttributeRecord {
    fn read(r: &mut Reader<'_>, _: Nesting) -> Result<Self, DecodeError> {
        let direction = ReportDirection::from(r.u8("reporting direction")?);
        Ok(AttributeRecord {
            direction,
            id: r.u16("attribute identifier")?,
        })
    }
    fn len(&self) -> usize {
        3
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.direction.into())?;
        w.u16(self.id)
    }
}
record!(AttributeRecord);

/// Attribute reporting configuration record of read reporting configuration
/// response (§2.5.10.1): the configuration on success, else only status,
/// direction and identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadReportingRecord<'a> {
    /// Status SUCCESS with the configuration.
    Success(ReportingConfiguration<'a>),
    /// Any other status.
    Failure {
        /// Status (not SUCCESS).
        status: Status,
        /// Direction.
        direction: ReportDirection,
        /// Attribute identifier.
        id: u16,
    },
}

impl<'a> ReadReportingRecord<'a> {
    fn read(r: &mut Reader<'a>, n: Nesting) -> Result<Self, DecodeError> {
        let status = Status::from(r.u8("reporting configuration status")?);
        if status == Status::Success {
            return Ok(ReadReportingRecord::Success(ReportingConfiguration::read(
                r, n,
            )?));
        }
        let direction = ReportDirection::from(r.u8("reporting direction")?);
        Ok(ReadReportingRecord::Failure {
            status,
            direction,
            id: r.u16("attribute identifier")?,
        })
    }
    fn len(&self) -> usize {
        match self {
            ReadReportingRecord::Success(c) => 1 + c.len(),
            ReadReportingRecord::Failure { .. } => 4,
        }
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            ReadReportingRecord::Success(c) => {
                w.u8(Status::Success.into())?;
                c.write(w)
            }
            ReadReportingRecord::Failure {
                status,
                direction,
                id,
            } => {
                if *status == Status::Success {
                    return Err(EncodeError::InvalidValue {
                        what: "failure record with status success",
                    });
                }
                w.u8((*status).into())?;
                w.u8((*direction).into())?;
                w.u16(*id)
            }
        }
    }
}
record!(ReadReportingRecord<'a>);

/// Attribute information of discover attributes response (§2.5.14.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeInfo {
    /// Attribute identifier.
    pub id: u16,
    /// Its data type.
    pub data_type: DataType,
}

impl AttributeInfo {
    fn read(r: &mut Reader<'_>, _: Nesting) -> Result<Self, DecodeError> {
        let id = r.u16("attribute identifier")?;
        Ok(AttributeInfo {
            id,
            data_type: DataType(r.u8("attribute data type")?),
        })
    }
    fn len(&self) -> usize {
        3
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(self.id)?;
        w.u8(self.data_type.0)
    }
}
record!(AttributeInfo);

/// Extended attribute information (§2.5.23.1): identifier, type and the
/// access-control bitmap (bit 0 readable, bit 1 writeable, bit 2 reportable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedAttributeInfo {
    /// Attribute identifier.
    pub id: u16,
    /// Its data type.
    pub data_type: DataType,
    /// Attribute access control bitmap.
    pub access: u8,
}

impl ExtendedAttributeInfo {
    fn read(r: &mut Reader<'_>, _: Nesting) -> Result<Self, DecodeError> {
        let id = r.u16("attribute identifier")?;
        let data_type = DataType(r.u8("attribute data type")?);
        Ok(ExtendedAttributeInfo {
            id,
            data_type,
            access: r.u8("attribute access control")?,
        })
    }
    fn len(&self) -> usize {
        4
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(self.id)?;
        w.u8(self.data_type.0)?;
        w.u8(self.access)
    }
}
record!(ExtendedAttributeInfo);

/// Selector of a structured attribute access (§2.5.15.1.1): an indicator
/// whose low nibble counts the 16-bit indexes that follow (the high nibble,
/// in write structured, says "add" (1) or "remove" (2) an element of a set
/// or bag), and the indexes as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selector<'a> {
    /// Indicator octet.
    pub indicator: u8,
    /// The indexes, two octets each, little-endian, as sent.
    pub indexes: &'a [u8],
}

impl<'a> Selector<'a> {
    /// Iterates the indexes.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.indexes.chunks_exact(2).map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let indicator = r.u8("selector indicator")?;
        let indexes = r.take(2 * usize::from(indicator & 0x0f), "selector indexes")?;
        Ok(Selector { indicator, indexes })
    }
    fn len(&self) -> usize {
        1 + self.indexes.len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.indexes.len() != 2 * usize::from(self.indicator & 0x0f) {
            return Err(EncodeError::InvalidValue {
                what: "selector index count differs from its indicator",
            });
        }
        w.u8(self.indicator)?;
        w.put(self.indexes)
    }
}

/// Read attributes structured record (§2.5.15.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructuredRead<'a> {
    /// Attribute identifier.
    pub id: u16,
    /// Selector.
    pub selector: Selector<'a>,
}

impl<'a> StructuredRead<'a> {
    fn read(r: &mut Reader<'a>, _: Nesting) -> Result<Self, DecodeError> {
        let id = r.u16("attribute identifier")?;
        Ok(StructuredRead {
            id,
            selector: Selector::read(r)?,
        })
    }
    fn len(&self) -> usize {
        2 + self.selector.len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(self.id)?;
        self.selector.write(w)
    }
}
record!(StructuredRead<'a>);

/// Write attributes structured record (§2.5.16.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructuredWrite<'a> {
    /// Attribute identifier.
    pub id: u16,
    /// Selector.
    pub selector: Selector<'a>,
    /// Value with its type.
    pub value: Value<'a>,
}

impl<'a> StructuredWrite<'a> {
    fn read(r: &mut Reader<'a>, n: Nesting) -> Result<Self, DecodeError> {
        let id = r.u16("attribute identifier")?;
        let selector = Selector::read(r)?;
        Ok(StructuredWrite {
            id,
            selector,
            value: read_typed(r, n)?,
        })
    }
    fn len(&self) -> usize {
        3 + self.selector.len() + self.value.encoded_len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(self.id)?;
        self.selector.write(w)?;
        write_typed(&self.value, w)
    }
}
record!(StructuredWrite<'a>);

/// Write attribute structured status record (§2.5.17.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructuredWriteStatus<'a> {
    /// Status.
    pub status: Status,
    /// Attribute identifier.
    pub id: u16,
    /// Selector.
    pub selector: Selector<'a>,
}

impl<'a> StructuredWriteStatus<'a> {
    fn read(r: &mut Reader<'a>, _: Nesting) -> Result<Self, DecodeError> {
        let status = Status::from(r.u8("write status")?);
        let id = r.u16("attribute identifier")?;
        Ok(StructuredWriteStatus {
            status,
            id,
            selector: Selector::read(r)?,
        })
    }
    fn len(&self) -> usize {
        3 + self.selector.len()
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.status.into())?;
        w.u16(self.id)?;
        self.selector.write(w)
    }
}
record!(StructuredWriteStatus<'a>);

/// A command identifier (discover commands responses, §2.5.19 and §2.5.21).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CommandId(pub u8);

impl CommandId {
    fn read(r: &mut Reader<'_>, _: Nesting) -> Result<Self, DecodeError> {
        Ok(CommandId(r.u8("command identifier")?))
    }
    fn len(&self) -> usize {
        1
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.0)
    }
}
record!(CommandId);
