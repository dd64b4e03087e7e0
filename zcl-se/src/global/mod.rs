//! The global ("general") commands, valid on every cluster (ZCL rev 6 §2.5,
//! command identifiers in table 2-3).
//!
//! Record lists run to the end of the payload and are [`List`]s: validated
//! views over the received bytes, or caller slices when encoding.

pub mod list;
pub mod records;

pub use list::{List, Record};
pub use records::*;

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::status::Status;

/// Response that either lists failures or, when everything succeeded, is the
/// single octet SUCCESS (write attributes response §2.5.5.1, configure
/// reporting response §2.5.8.1, write attributes structured response §2.5.17.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StatusList<'a, T: Record<'a>> {
    /// The one-octet form: every record succeeded.
    AllSuccess,
    /// One record per attribute (normally the failures).
    Records(List<'a, T>),
}

impl<'a, T: Record<'a>> StatusList<'a, T> {
    fn read(r: &mut Reader<'a>, max_nesting: u8) -> Result<Self, DecodeError> {
        if r.remaining() == 1 {
            let offset = r.offset();
            return match r.u8("status")? {
                0 => Ok(StatusList::AllSuccess),
                _ => Err(DecodeError::Truncated {
                    offset: offset + 1,
                    what: "status record",
                    needed: 2,
                    available: 0,
                }),
            };
        }
        Ok(StatusList::Records(List::read(r, max_nesting)?))
    }
    fn len(&self) -> usize {
        match self {
            StatusList::AllSuccess => 1,
            StatusList::Records(l) => l.encoded_len(),
        }
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            StatusList::AllSuccess => w.u8(Status::Success.into()),
            StatusList::Records(l) => l.write(w),
        }
    }
}

/// The fields of discover attributes, discover commands and discover
/// attributes extended requests (§2.5.13, §2.5.18, §2.5.20, §2.5.22).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoverRequest<T> {
    /// The first identifier to report.
    pub start: T,
    /// The most identifiers to report.
    pub max_count: u8,
}

/// A discover response: the discovery-complete flag and the records
/// (§2.5.14, §2.5.19, §2.5.21, §2.5.23).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiscoverResponse<'a, T: Record<'a>> {
    /// Discovery complete field as sent (1: no more to discover).
    pub complete: u8,
    /// The records.
    pub records: List<'a, T>,
}

/// A global command with its decoded payload (ZCL rev 6 table 2-3).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum GlobalCommand<'a> {
    /// 0x00 Read Attributes (§2.5.1).
    ReadAttributes(List<'a, AttributeId>),
    /// 0x01 Read Attributes Response (§2.5.2).
    ReadAttributesResponse(List<'a, ReadAttributeStatus<'a>>),
    /// 0x02 Write Attributes (§2.5.3).
    WriteAttributes(List<'a, AttributeValue<'a>>),
    /// 0x03 Write Attributes Undivided (§2.5.4).
    WriteAttributesUndivided(List<'a, AttributeValue<'a>>),
    /// 0x04 Write Attributes Response (§2.5.5).
    WriteAttributesResponse(StatusList<'a, WriteAttributeStatus>),
    /// 0x05 Write Attributes No Response (§2.5.6).
    WriteAttributesNoResponse(List<'a, AttributeValue<'a>>),
    /// 0x06 Configure Reporting (§2.5.7).
    ConfigureReporting(List<'a, ReportingConfiguration<'a>>),
    /// 0x07 Configure Reporting Response (§2.5.8).
    ConfigureReportingResponse(StatusList<'a, AttributeStatusRecord>),
    /// 0x08 Read Reporting Configuration (§2.5.9).
    ReadReportingConfiguration(List<'a, AttributeRecord>),
    /// 0x09 Read Reporting Configuration Response (§2.5.10).
    ReadReportingConfigurationResponse(List<'a, ReadReportingRecord<'a>>),
    /// 0x0a Report Attributes (§2.5.11).
    ReportAttributes(List<'a, AttributeValue<'a>>),
    /// 0x0b Default Response (§2.5.12).
    DefaultResponse {
        /// The command being answered.
        command_id: u8,
        /// Its status.
        status: Status,
    },
    /// 0x0c Discover Attributes (§2.5.13).
    DiscoverAttributes(DiscoverRequest<u16>),
    /// 0x0d Discover Attributes Response (§2.5.14).
    DiscoverAttributesResponse(DiscoverResponse<'a, AttributeInfo>),
    /// 0x0e Read Attributes Structured (§2.5.15).
    ReadAttributesStructured(List<'a, StructuredRead<'a>>),
    /// 0x0f Write Attributes Structured (§2.5.16).
    WriteAttributesStructured(List<'a, StructuredWrite<'a>>),
    /// 0x10 Write Attributes Structured Response (§2.5.17).
    WriteAttributesStructuredResponse(StatusList<'a, StructuredWriteStatus<'a>>),
    /// 0x11 Discover Commands Received (§2.5.18).
    DiscoverCommandsReceived(DiscoverRequest<u8>),
    /// 0x12 Discover Commands Received Response (§2.5.19).
    DiscoverCommandsReceivedResponse(DiscoverResponse<'a, CommandId>),
    /// 0x13 Discover Commands Generated (§2.5.20).
    DiscoverCommandsGenerated(DiscoverRequest<u8>),
    /// 0x14 Discover Commands Generated Response (§2.5.21).
    DiscoverCommandsGeneratedResponse(DiscoverResponse<'a, CommandId>),
    /// 0x15 Discover Attributes Extended (§2.5.22).
    DiscoverAttributesExtended(DiscoverRequest<u16>),
    /// 0x16 Discover Attributes Extended Response (§2.5.23).
    DiscoverAttributesExtendedResponse(DiscoverResponse<'a, ExtendedAttributeInfo>),
}

/// Names of the global commands by identifier (table 2-3), snake_case.
pub const COMMAND_NAMES: [&str; 0x17] = [
    "read_attributes",
    "read_attributes_response",
    "write_attributes",
    "write_attributes_undivided",
    "write_attributes_response",
    "write_attributes_no_response",
    "configure_reporting",
    "configure_reporting_response",
    "read_reporting_configuration",
    "read_reporting_configuration_response",
    "report_attributes",
    "default_response",
    "discover_attributes",
    "discover_attributes_response",
    "read_attributes_structured",
    "write_attributes_structured",
    "write_attributes_structured_response",
    "discover_commands_received",
    "discover_commands_received_response",
    "discover_commands_generated",
    "discover_commands_generated_response",
    "discover_attributes_extended",
    "discover_attributes_extended_response",
];

/// The name of global command `id`, if it is one of table 2-3.
#[must_use]
pub fn command_name(id: u8) -> Option<&'static str> {
    COMMAND_NAMES.get(usize::from(id)).copied()
}

impl<'a> GlobalCommand<'a> {
    /// Decodes the payload of global command `command_id`; `base` is the
    /// absolute offset of the payload for error offsets. `Ok(None)` for a
    /// command identifier table 2-3 does not define.
    #[inline]
    pub fn decode(
        command_id: u8,
        payload: &'a [u8],
        base: usize,
        max_nesting: u8,
    ) -> Result<Option<GlobalCommand<'a>>, DecodeError> {
        let mut r = Reader::new(payload, base);
        let r = &mut r;
        let n = max_nesting;
        let cmd = match command_id {
            0x00 => GlobalCommand::ReadAttributes(List::read(r, n)?),
            0x01 => GlobalCommand::ReadAttributesResponse(List::read(r, n)?),
            0x02 => GlobalCommand::WriteAttributes(List::read(r, n)?),
            0x03 => GlobalCommand::WriteAttributesUndivided(List::read(r, n)?),
            0x04 => GlobalCommand::WriteAttributesResponse(StatusList::read(r, n)?),
            0x05 => GlobalCommand::WriteAttributesNoResponse(List::read(r, n)?),
            0x06 => GlobalCommand::ConfigureReporting(List::read(r, n)?),
            0x07 => GlobalCommand::ConfigureReportingResponse(StatusList::read(r, n)?),
            0x08 => GlobalCommand::ReadReportingConfiguration(List::read(r, n)?),
            0x09 => GlobalCommand::ReadReportingConfigurationResponse(List::read(r, n)?),
            0x0a => GlobalCommand::ReportAttributes(List::read(r, n)?),
            0x0b => GlobalCommand::DefaultResponse {
                command_id: r.u8("command identifier")?,
                status: Status::from(r.u8("status code")?),
            },
            0x0c => GlobalCommand::DiscoverAttributes(DiscoverRequest {
                start: r.u16("start attribute identifier")?,
                max_count: r.u8("maximum attribute identifiers")?,
            }),
            0x0d => GlobalCommand::DiscoverAttributesResponse(DiscoverResponse {
                complete: r.u8("discovery complete")?,
                records: List::read(r, n)?,
            }),
            0x0e => GlobalCommand::ReadAttributesStructured(List::read(r, n)?),
            0x0f => GlobalCommand::WriteAttributesStructured(List::read(r, n)?),
            0x10 => GlobalCommand::WriteAttributesStructuredResponse(StatusList::read(r, n)?),
            0x11 | 0x13 => {
                let req = DiscoverRequest {
                    start: r.u8("start command identifier")?,
                    max_count: r.u8("maximum command identifiers")?,
                };
                if command_id == 0x11 {
                    GlobalCommand::DiscoverCommandsReceived(req)
                } else {
                    GlobalCommand::DiscoverCommandsGenerated(req)
                }
            }
            0x12 | 0x14 => {
                let rsp = DiscoverResponse {
                    complete: r.u8("discovery complete")?,
                    records: List::read(r, n)?,
                };
                if command_id == 0x12 {
                    GlobalCommand::DiscoverCommandsReceivedResponse(rsp)
                } else {
                    GlobalCommand::DiscoverCommandsGeneratedResponse(rsp)
                }
            }
            0x15 => GlobalCommand::DiscoverAttributesExtended(DiscoverRequest {
                start: r.u16("start attribute identifier")?,
                max_count: r.u8("maximum attribute identifiers")?,
            }),
            0x16 => GlobalCommand::DiscoverAttributesExtendedResponse(DiscoverResponse {
                complete: r.u8("discovery complete")?,
                records: List::read(r, n)?,
            }),
            _ => return Ok(None),
        };
        if !r.is_empty() {
            return Err(DecodeError::TrailingBytes {
                offset: r.offset(),
                what: command_name(command_id).unwrap_or("global command"),
                count: r.remaining(),
            });
        }
        Ok(Some(cmd))
    }

    /// The command identifier (table 2-3).
    #[must_use]
    pub const fn command_id(&self) -> u8 {
        match self {
            GlobalCommand::ReadAttributes(_) => 0x00,
            GlobalCommand::ReadAttributesResponse(_) => 0x01,
            GlobalCommand::WriteAttributes(_) => 0x02,
            GlobalCommand::WriteAttributesUndivided(_) => 0x03,
            GlobalCommand::WriteAttributesResponse(_) => 0x04,
            GlobalCommand::WriteAttributesNoResponse(_) => 0x05,
            GlobalCommand::ConfigureReporting(_) => 0x06,
            GlobalCommand::ConfigureReportingResponse(_) => 0x07,
            GlobalCommand::ReadReportingConfiguration(_) => 0x08,
            GlobalCommand::ReadReportingConfigurationResponse(_) => 0x09,
            GlobalCommand::ReportAttributes(_) => 0x0a,
            GlobalCommand::DefaultResponse { .. } => 0x0b,
            GlobalCommand::DiscoverAttributes(_) => 0x0c,
            GlobalCommand::DiscoverAttributesResponse(_) => 0x0d,
            GlobalCommand::ReadAttributesStructured(_) => 0x0e,
            GlobalCommand::WriteAttributesStructured(_) => 0x0f,
            GlobalCommand::WriteAttributesStructuredResponse(_) => 0x10,
            GlobalCommand::DiscoverCommandsReceived(_) => 0x11,
            GlobalCommand::DiscoverCommandsReceivedResponse(_) => 0x12,
            GlobalCommand::DiscoverCommandsGenerated(_) => 0x13,
            GlobalCommand::DiscoverCommandsGeneratedResponse(_) => 0x14,
            GlobalCommand::DiscoverAttributesExtended(_) => 0x15,
            GlobalCommand::DiscoverAttributesExtendedResponse(_) => 0x16,
        }
    }

    /// The snake_case name of the command.
    #[must_use]
    pub fn name(&self) -> &'static str {
        command_name(self.command_id()).unwrap_or("global_command")
    }

    /// Encoded length of the payload (after the ZCL header).
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        match self {
            GlobalCommand::ReadAttributes(l) => l.encoded_len(),
            GlobalCommand::ReadAttributesResponse(l) => l.encoded_len(),
            GlobalCommand::WriteAttributes(l)
            | GlobalCommand::WriteAttributesUndivided(l)
            | GlobalCommand::WriteAttributesNoResponse(l)
            | GlobalCommand::ReportAttributes(l) => l.encoded_len(),
            GlobalCommand::WriteAttributesResponse(s) => s.len(),
            GlobalCommand::ConfigureReporting(l) => l.encoded_len(),
            GlobalCommand::ConfigureReportingResponse(s) => s.len(),
            GlobalCommand::ReadReportingConfiguration(l) => l.encoded_len(),
            GlobalCommand::ReadReportingConfigurationResponse(l) => l.encoded_len(),
            GlobalCommand::DefaultResponse { .. } => 2,
            GlobalCommand::DiscoverAttributes(_) | GlobalCommand::DiscoverAttributesExtended(_) => {
                3
            }
            GlobalCommand::DiscoverAttributesResponse(d) => 1 + d.records.encoded_len(),
            GlobalCommand::ReadAttributesStructured(l) => l.encoded_len(),
            GlobalCommand::WriteAttributesStructured(l) => l.encoded_len(),
            GlobalCommand::WriteAttributesStructuredResponse(s) => s.len(),
            GlobalCommand::DiscoverCommandsReceived(_)
            | GlobalCommand::DiscoverCommandsGenerated(_) => 2,
            GlobalCommand::DiscoverCommandsReceivedResponse(d)
            | GlobalCommand::DiscoverCommandsGeneratedResponse(d) => 1 + d.records.encoded_len(),
            GlobalCommand::DiscoverAttributesExtendedResponse(d) => 1 + d.records.encoded_len(),
        }
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            GlobalCommand::ReadAttributes(l) => l.write(w),
            GlobalCommand::ReadAttributesResponse(l) => l.write(w),
            GlobalCommand::WriteAttributes(l)
            | GlobalCommand::WriteAttributesUndivided(l)
            | GlobalCommand::WriteAttributesNoResponse(l)
            | GlobalCommand::ReportAttributes(l) => l.write(w),
            GlobalCommand::WriteAttributesResponse(s) => s.write(w),
            GlobalCommand::ConfigureReporting(l) => l.write(w),
            GlobalCommand::ConfigureReportingResponse(s) => s.write(w),
            GlobalCommand::ReadReportingConfiguration(l) => l.write(w),
            GlobalCommand::ReadReportingConfigurationResponse(l) => l.write(w),
            GlobalCommand::DefaultResponse { command_id, status } => {
                w.u8(*command_id)?;
                w.u8((*status).into())
            }
            GlobalCommand::DiscoverAttributes(d) | GlobalCommand::DiscoverAttributesExtended(d) => {
                w.u16(d.start)?;
                w.u8(d.max_count)
            }
            GlobalCommand::DiscoverAttributesResponse(d) => {
                w.u8(d.complete)?;
                d.records.write(w)
            }
            GlobalCommand::ReadAttributesStructured(l) => l.write(w),
            GlobalCommand::WriteAttributesStructured(l) => l.write(w),
            GlobalCommand::WriteAttributesStructuredResponse(s) => s.write(w),
            GlobalCommand::DiscoverCommandsReceived(d)
            | GlobalCommand::DiscoverCommandsGenerated(d) => {
                w.u8(d.start)?;
                w.u8(d.max_count)
            }
            GlobalCommand::DiscoverCommandsReceivedResponse(d)
            | GlobalCommand::DiscoverCommandsGeneratedResponse(d) => {
                w.u8(d.complete)?;
                d.records.write(w)
            }
            GlobalCommand::DiscoverAttributesExtendedResponse(d) => {
                w.u8(d.complete)?;
                d.records.write(w)
            }
        }
    }
}
