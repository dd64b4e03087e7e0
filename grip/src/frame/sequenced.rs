//! Sequenced frames (docs/grip.md §4, §7.2): MESSAGE, CHUNK and CREDIT.
//! Their bodies start with the 32-bit id and the flags octet.

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor};

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};

const PRIO_MASK: u8 = 0x03;
const DUP: u8 = 0x04;
const REPLY: u8 = 0x08;

/// Priority class of a MESSAGE or CHUNK (§4, §7.3); lower values go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Priority {
    /// 0: supply control, prepayment credit, alarms.
    Critical,
    /// 1: interactive commands.
    High,
    /// 2: everything else.
    #[default]
    Normal,
    /// 3: firmware images, bulk reads.
    Bulk,
}

impl Priority {
    /// All classes, most urgent first.
    pub const ALL: [Priority; 4] = [
        Priority::Critical,
        Priority::High,
        Priority::Normal,
        Priority::Bulk,
    ];

    /// The 2-bit code.
    #[must_use]
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// From the low two bits of `c`.
    #[must_use]
    pub const fn from_bits(c: u8) -> Self {
        match c & PRIO_MASK {
            0 => Priority::Critical,
            1 => Priority::High,
            2 => Priority::Normal,
            _ => Priority::Bulk,
        }
    }
}

/// The common id and flags prefix.
struct Prefix {
    id: u32,
    flags: u8,
}

impl Prefix {
    fn read(r: &mut Reader<'_>, allowed: u8) -> Result<Self, DecodeError> {
        let id = r.u32()?;
        let at = r.offset();
        let flags = r.u8()?;
        if flags & !allowed != 0 {
            return Err(DecodeError::ReservedBits {
                offset: at,
                value: flags & !allowed,
            });
        }
        Ok(Prefix { id, flags })
    }
}

fn read_descriptor(r: &mut Reader<'_>) -> Result<PayloadDescriptor, DecodeError> {
    let offset = r.offset();
    let rest = r.rest();
    let (d, used) = PayloadDescriptor::decode(rest)
        .map_err(|source| DecodeError::Descriptor { offset, source })?;
    // Re-read the remainder after the descriptor.
    *r = Reader::new(rest.get(used..).unwrap_or_default(), offset + used);
    Ok(d)
}

fn write_descriptor(d: &PayloadDescriptor, w: &mut Writer<'_>) -> Result<(), EncodeError> {
    let n = d
        .encode(w.tail())
        .map_err(|_| EncodeError::InvalidField("payload descriptor"))?;
    w.advance(n);
    Ok(())
}

/// MESSAGE (§4.1): one application message with its payload descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// Sequenced id.
    pub id: u32,
    /// Priority class.
    pub priority: Priority,
    /// Re-sent after a resumption.
    pub dup: bool,
    /// The id of the peer's message this one answers.
    pub reply_to: Option<u32>,
    /// What the payload is and which HAN device it concerns.
    pub descriptor: PayloadDescriptor,
    /// The payload, untouched.
    pub payload: &'a [u8],
}

impl<'a> Message<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let p = Prefix::read(r, PRIO_MASK | DUP | REPLY)?;
        let reply_to = if p.flags & REPLY != 0 {
            Some(r.u32()?)
        } else {
            None
        };
        let descriptor = read_descriptor(r)?;
        Ok(Message {
            id: p.id,
            priority: Priority::from_bits(p.flags),
            dup: p.flags & DUP != 0,
            reply_to,
            descriptor,
            payload: r.rest(),
        })
    }

    /// Octets of the body before the payload.
    #[must_use]
    pub fn overhead(reply: bool, descriptor: &PayloadDescriptor) -> usize {
        5 + if reply { 4 } else { 0 } + descriptor.encoded_len()
    }

    pub(crate) fn body_len(&self) -> usize {
        Self::overhead(self.reply_to.is_some(), &self.descriptor) + self.payload.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let mut flags = self.priority.code();
        if self.dup {
            flags |= DUP;
        }
        if self.reply_to.is_some() {
            flags |= REPLY;
        }
        w.put(&self.id.to_be_bytes());
        w.put(&[flags]);
        if let Some(r) = self.reply_to {
            w.put(&r.to_be_bytes());
        }
        write_descriptor(&self.descriptor, w)?;
        w.put(self.payload);
        Ok(())
    }
}

/// CHUNK (§4.2): a piece of a large transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// Sequenced id.
    pub id: u32,
    /// Priority class.
    pub priority: Priority,
    /// Re-sent after a resumption.
    pub dup: bool,
    /// Transfer number chosen by the sender.
    pub transfer: u32,
    /// Length of the whole object.
    pub total: u32,
    /// Where `data` starts in the object.
    pub offset: u32,
    /// What the object is and which HAN device it concerns.
    pub descriptor: PayloadDescriptor,
    /// The chunk's data (at least one octet).
    pub data: &'a [u8],
}

impl<'a> Chunk<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let p = Prefix::read(r, PRIO_MASK | DUP)?;
        let transfer = r.u32()?;
        let at_total = r.offset();
        let total = r.u32()?;
        if total == 0 {
            return Err(DecodeError::InvalidValue {
                offset: at_total,
                what: "chunk total",
            });
        }
        let at = r.offset();
        let offset = r.u32()?;
        let descriptor = read_descriptor(r)?;
        let data = r.rest();
        let end = u64::from(offset) + data.len() as u64;
        if data.is_empty() || end > u64::from(total) {
            return Err(DecodeError::ChunkRange { offset: at });
        }
        Ok(Chunk {
            id: p.id,
            priority: Priority::from_bits(p.flags),
            dup: p.flags & DUP != 0,
            transfer,
            total,
            offset,
            descriptor,
            data,
        })
    }

    /// Octets of the body before the data.
    #[must_use]
    pub fn overhead(descriptor: &PayloadDescriptor) -> usize {
        17 + descriptor.encoded_len()
    }

    /// Whether this chunk completes the transfer.
    #[must_use]
    pub fn is_last(&self) -> bool {
        u64::from(self.offset) + self.data.len() as u64 == u64::from(self.total)
    }

    pub(crate) fn body_len(&self) -> usize {
        Self::overhead(&self.descriptor) + self.data.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let end = u64::from(self.offset) + self.data.len() as u64;
        if self.total == 0 || self.data.is_empty() || end > u64::from(self.total) {
            return Err(EncodeError::InvalidField("chunk range"));
        }
        let mut flags = self.priority.code();
        if self.dup {
            flags |= DUP;
        }
        w.put(&self.id.to_be_bytes());
        w.put(&[flags]);
        w.put(&self.transfer.to_be_bytes());
        w.put(&self.total.to_be_bytes());
        w.put(&self.offset.to_be_bytes());
        write_descriptor(&self.descriptor, w)?;
        w.put(self.data);
        Ok(())
    }
}

/// CREDIT (§7.2): releases messages of one device and changes its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Credit {
    /// Sequenced id.
    pub id: u32,
    /// Re-sent after a resumption.
    pub dup: bool,
    /// The device (or the hub itself).
    pub device: HanDevice,
    /// Messages of that device the receiver has finished with.
    pub released: u32,
    /// Change of that device's window.
    pub window_change: i16,
}

/// Octets a device reference takes in CREDIT.
pub(crate) const fn device_len(d: &HanDevice) -> usize {
    match d {
        HanDevice::Hub => 1,
        HanDevice::Device(_) => 9,
    }
}

impl Credit {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let p = Prefix::read(r, DUP)?;
        let at = r.offset();
        let device = match r.u8()? {
            0 => HanDevice::Hub,
            1 => HanDevice::Device(Eui64(r.array()?)),
            _ => {
                return Err(DecodeError::InvalidValue {
                    offset: at,
                    what: "credit device tag",
                });
            }
        };
        Ok(Credit {
            id: p.id,
            dup: p.flags & DUP != 0,
            device,
            released: r.u32()?,
            window_change: r.i16()?,
        })
    }

    pub(crate) fn body_len(&self) -> usize {
        5 + device_len(&self.device) + 6
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        w.put(&self.id.to_be_bytes());
        w.put(&[if self.dup { DUP } else { 0 }]);
        match self.device {
            HanDevice::Hub => w.put(&[0]),
            HanDevice::Device(e) => {
                w.put(&[1]);
                w.put(&e.0);
            }
        }
        w.put(&self.released.to_be_bytes());
        w.put(&self.window_change.to_be_bytes());
    }
}
