//! The ZCL frame (ZCL rev 6 §2.4.1): frame control, optional manufacturer
//! code, transaction sequence number, command identifier, payload.
//!
//! ```text
//! octets: 1              0/2                 1     1           variable
//!        frame control | manufacturer code | TSN | command id | payload
//! frame control bits: 0-1 frame type, 2 manufacturer specific,
//!                     3 direction, 4 disable default response, 5-7 reserved
//! ```
//!
//! Hand cursor, no nom. Nothing here panics on input.

use crate::command::CommandFields;
use crate::context::Context;
use crate::cursor::{Reader, Writer, encode_with};
use crate::error::{DecodeError, EncodeError};
use crate::global::GlobalCommand;

/// Frame type (frame control bits 0-1, §2.4.1.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FrameType {
    /// 0b00: a global command, valid on every cluster.
    Global,
    /// 0b01: a command specific to the cluster.
    ClusterSpecific,
    /// 0b10 or 0b11: reserved, kept.
    Reserved(u8),
}

/// Direction (frame control bit 3, §2.4.1.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Direction {
    /// 0: sent from the client side of the cluster to the server side.
    ClientToServer,
    /// 1: sent from the server side to the client side.
    ServerToClient,
}

impl Direction {
    /// snake_case name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Direction::ClientToServer => "client_to_server",
            Direction::ServerToClient => "server_to_client",
        }
    }
}

/// The ZCL header (§2.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    /// Frame type.
    pub frame_type: FrameType,
    /// Direction.
    pub direction: Direction,
    /// Disable default response (bit 4).
    pub disable_default_response: bool,
    /// Frame control bits 5-7 (reserved), kept as sent, shifted down.
    pub reserved: u8,
    /// The manufacturer code; `Some` exactly when the manufacturer-specific
    /// bit (bit 2) is set.
    pub manufacturer_code: Option<u16>,
    /// Transaction sequence number.
    pub tsn: u8,
    /// Command identifier.
    pub command_id: u8,
}

impl Header {
    /// The frame control octet.
    #[must_use]
    pub const fn frame_control(&self) -> u8 {
        let ft = match self.frame_type {
            FrameType::Global => 0,
            FrameType::ClusterSpecific => 1,
            FrameType::Reserved(v) => v & 0x03,
        };
        ft | if self.manufacturer_code.is_some() {
            0x04
        } else {
            0
        } | match self.direction {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 0x08,
        } | if self.disable_default_response {
            0x10
        } else {
            0
        } | (self.reserved << 5)
    }

    /// Decodes the header; returns it and its length (3 or 5).
    #[inline]
    pub fn decode(bytes: &[u8]) -> Result<(Header, usize), DecodeError> {
        let mut r = Reader::new(bytes, 0);
        let fc = r.u8("frame control")?;
        let manufacturer_code = if fc & 0x04 != 0 {
            Some(r.u16("manufacturer code")?)
        } else {
            None
        };
        let tsn = r.u8("transaction sequence number")?;
        let command_id = r.u8("command identifier")?;
        let frame_type = match fc & 0x03 {
            0 => FrameType::Global,
            1 => FrameType::ClusterSpecific,
            v => FrameType::Reserved(v),
        };
        let direction = if fc & 0x08 != 0 {
            Direction::ServerToClient
        } else {
            Direction::ClientToServer
        };
        Ok((
            Header {
                frame_type,
                direction,
                disable_default_response: fc & 0x10 != 0,
                reserved: fc >> 5,
                manufacturer_code,
                tsn,
                command_id,
            },
            r.offset(),
        ))
    }

    /// Encoded length: 3, or 5 with a manufacturer code.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        if self.manufacturer_code.is_some() {
            5
        } else {
            3
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.reserved > 0x07 {
            return Err(EncodeError::InvalidValue {
                what: "reserved frame control bits",
            });
        }
        w.u8(self.frame_control())?;
        if let Some(m) = self.manufacturer_code {
            w.u16(m)?;
        }
        w.u8(self.tsn)?;
        w.u8(self.command_id)
    }
}

/// A ZCL frame payload, decoded by (cluster, direction, command).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Payload<'a> {
    /// A global command (frame type 0b00).
    Global(GlobalCommand<'a>),
    /// A cluster-specific command found in a table (built-in or extension).
    Cluster(CommandFields<'a>),
    /// A command this crate cannot decode (unknown cluster or command,
    /// reserved frame type), kept as sent.
    Raw(&'a [u8]),
}

impl Payload<'_> {
    /// Encoded length.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        match self {
            Payload::Global(g) => g.encoded_len(),
            Payload::Cluster(c) => c.encoded_len(),
            Payload::Raw(r) => r.len(),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Payload::Global(g) => g.write(w),
            Payload::Cluster(c) => c.write(w),
            Payload::Raw(r) => w.put(r),
        }
    }
}

/// A ZCL frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame<'a> {
    /// The header.
    pub header: Header,
    /// The payload.
    pub payload: Payload<'a>,
}

impl<'a> Frame<'a> {
    /// Decodes a frame. Global commands decode on any cluster; cluster-specific
    /// commands decode through the tables the context selects (extensions
    /// first) and stay [`Payload::Raw`] when no table defines them.
    pub fn decode_with(bytes: &'a [u8], ctx: &Context<'a>) -> Result<Frame<'a>, DecodeError> {
        let (header, used) = Header::decode(bytes)?;
        let body = bytes.get(used..).unwrap_or_default();
        let payload = match header.frame_type {
            FrameType::Global => {
                match GlobalCommand::decode(header.command_id, body, used, ctx.max_nesting)? {
                    Some(g) => Payload::Global(g),
                    None => Payload::Raw(body),
                }
            }
            FrameType::ClusterSpecific => {
                match ctx.command(
                    header.manufacturer_code,
                    header.direction,
                    header.command_id,
                ) {
                    Some(def) => {
                        Payload::Cluster(CommandFields::decode(def, body, used, ctx.max_nesting)?)
                    }
                    None => Payload::Raw(body),
                }
            }
            FrameType::Reserved(_) => Payload::Raw(body),
        };
        Ok(Frame { header, payload })
    }

    /// Encoded length.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.header.encoded_len() + self.payload.encoded_len()
    }

    /// Encodes the frame into `buf`; returns the bytes written. The header's
    /// command identifier is written as given (for a global payload it should
    /// equal [`GlobalCommand::command_id`]; [`Frame::global`] sets it).
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        encode_with(self.encoded_len(), buf, |w| {
            self.header.write(w)?;
            self.payload.write(w)
        })
    }

    /// Encodes into a new vector.
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, EncodeError> {
        let mut v = alloc::vec![0u8; self.encoded_len()];
        let n = self.encode(&mut v)?;
        v.truncate(n);
        Ok(v)
    }

    /// A global-command frame with the header fields filled in.
    #[must_use]
    pub fn global(
        direction: Direction,
        tsn: u8,
        disable_default_response: bool,
        command: GlobalCommand<'a>,
    ) -> Self {
        Frame {
            header: Header {
                frame_type: FrameType::Global,
                direction,
                disable_default_response,
                reserved: 0,
                manufacturer_code: None,
                tsn,
                command_id: command.command_id(),
            },
            payload: Payload::Global(command),
        }
    }
}
