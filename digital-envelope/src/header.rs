//! The envelope header (docs section 3): version, message type, flags,
//! sender id, key epoch, sequence number and the optional payload
//! descriptor. All of it is authenticated by every protection mode.
//!
//! Codec: a small hand cursor over fixed offsets (the `field` ranges
//! below, read like the table in the document); nothing panics, every
//! read is bounds-checked with `get`. `encode` needs
//! [`Header::encoded_len`] bytes.

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadDescriptorError};

use crate::error::{DecodeError, EncodeError};

/// Protocol version 1, the only one this crate speaks.
pub const VERSION: u8 = 0x01;
/// Length of the header without the payload descriptor.
pub const FIXED_HEADER_LEN: usize = 19;
/// Largest datagram (IPv6 minimum MTU minus IPv6 and UDP headers; docs 2).
pub const MAX_DATAGRAM: usize = 1232;
/// Largest key epoch (`u24`).
pub const MAX_EPOCH: u32 = 0x00ff_ffff;
/// Largest sequence number (`u40`).
pub const MAX_SEQUENCE: u64 = 0x00ff_ffff_ffff;

/// Byte ranges of the fixed header (docs section 3).
pub(crate) mod field {
    use core::ops::Range;
    pub const VERSION: usize = 0;
    pub const TYPE: usize = 1;
    pub const FLAGS: usize = 2;
    pub const SENDER: Range<usize> = 3..11;
    pub const EPOCH: Range<usize> = 11..14;
    pub const SEQUENCE: Range<usize> = 14..19;
}

/// Message type (docs section 3.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum MessageType {
    /// `0x01`: an application payload described by the payload descriptor.
    Data,
    /// `0x02`: a key update (docs 6.3).
    KeyUpdate,
    /// `0x03`: the answer to a key update (docs 6.3).
    KeyUpdateAck,
    /// `0x10..=0x1F`: defined by the reliability layer (docs section 10).
    Reliability(u8),
    /// Any other code, kept for round trips.
    Unknown(u8),
}

impl MessageType {
    /// The type code.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            MessageType::Data => 0x01,
            MessageType::KeyUpdate => 0x02,
            MessageType::KeyUpdateAck => 0x03,
            MessageType::Reliability(c) | MessageType::Unknown(c) => c,
        }
    }

    /// The type for a code (every code maps to exactly one value).
    #[must_use]
    pub const fn from_code(code: u8) -> Self {
        match code {
            0x01 => MessageType::Data,
            0x02 => MessageType::KeyUpdate,
            0x03 => MessageType::KeyUpdateAck,
            0x10..=0x1f => MessageType::Reliability(code),
            c => MessageType::Unknown(c),
        }
    }

    /// True for the key-update types, which must be signed.
    #[must_use]
    pub const fn must_be_signed(self) -> bool {
        matches!(self, MessageType::KeyUpdate | MessageType::KeyUpdateAck)
    }
}

/// Protection mode, flag bits 1..0 (docs section 3.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Protection {
    /// `01`: AES-128-CCM, 8-byte tag.
    Aead,
    /// `10`: payload in clear, ECDSA P-256 signature.
    Signed,
    /// `11`: signed, then payload and signature sealed with AES-128-CCM.
    SignedAead,
}

impl Protection {
    /// The two flag bits.
    #[must_use]
    pub const fn bits(self) -> u8 {
        match self {
            Protection::Aead => 0b01,
            Protection::Signed => 0b10,
            Protection::SignedAead => 0b11,
        }
    }

    /// The mode for two flag bits, `None` for the invalid `00`.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Option<Self> {
        match bits & 0b11 {
            0b01 => Some(Protection::Aead),
            0b10 => Some(Protection::Signed),
            0b11 => Some(Protection::SignedAead),
            _ => None,
        }
    }

    /// Bytes after the payload: the tag (8), the signature (64) or both (72).
    #[must_use]
    pub const fn overhead(self) -> usize {
        match self {
            Protection::Aead => crate::TAG_LEN,
            Protection::Signed => crate::SIGNATURE_LEN,
            Protection::SignedAead => crate::TAG_LEN + crate::SIGNATURE_LEN,
        }
    }

    /// True when a signature is part of the body.
    #[must_use]
    pub const fn is_signed(self) -> bool {
        matches!(self, Protection::Signed | Protection::SignedAead)
    }

    /// True when the body is sealed with the pairwise AEAD key.
    #[must_use]
    pub const fn is_aead(self) -> bool {
        matches!(self, Protection::Aead | Protection::SignedAead)
    }
}

const FLAG_DESCRIPTOR: u8 = 0x04;
const FLAG_ACK_REQUESTED: u8 = 0x08;

/// The envelope header (docs section 3).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Header {
    /// Message type (offset 1).
    pub message_type: MessageType,
    /// Protection mode (flags bits 1..0).
    pub protection: Protection,
    /// Flag A, reserved for the reliability layer (flags bit 3).
    pub ack_requested: bool,
    /// Flag bits 7..4 as a 4-bit value (0..=15), reserved for the
    /// reliability layer; kept and authenticated.
    pub reserved_flags: u8,
    /// Sender id (offsets 3..11).
    pub sender: Eui64,
    /// Key epoch, `u24` (offsets 11..14).
    pub epoch: u32,
    /// Sequence number, `u40` (offsets 14..19).
    pub sequence: u64,
    /// Payload descriptor (offset 19; flag D says whether present).
    pub descriptor: Option<PayloadDescriptor>,
}

impl Header {
    /// The flags byte this header encodes to.
    #[must_use]
    pub const fn flags(&self) -> u8 {
        (self.reserved_flags << 4)
            | if self.ack_requested {
                FLAG_ACK_REQUESTED
            } else {
                0
            }
            | if self.descriptor.is_some() {
                FLAG_DESCRIPTOR
            } else {
                0
            }
            | self.protection.bits()
    }

    /// Bytes [`Self::encode`] writes: 19 plus the descriptor.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        FIXED_HEADER_LEN
            + match &self.descriptor {
                Some(d) => d.encoded_len(),
                None => 0,
            }
    }

    /// Decodes the header at the start of `bytes`; returns it and its length.
    /// Checks, in this order: the fixed length, the version, the protection
    /// bits, the descriptor (docs 8.1 steps 1 to 3).
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let fixed = bytes
            .get(..FIXED_HEADER_LEN)
            .ok_or(DecodeError::Truncated {
                offset: bytes.len(),
                needed: FIXED_HEADER_LEN,
            })?;
        let byte = |i: usize| fixed.get(i).copied().unwrap_or(0);
        let version = byte(field::VERSION);
        if version != VERSION {
            return Err(DecodeError::UnsupportedVersion { version });
        }
        let flags = byte(field::FLAGS);
        let protection = Protection::from_bits(flags).ok_or(DecodeError::InvalidProtection)?;
        let mut sender = [0u8; 8];
        for (d, s) in sender
            .iter_mut()
            .zip(fixed.get(field::SENDER).unwrap_or_default())
        {
            *d = *s;
        }
        let epoch = fixed
            .get(field::EPOCH)
            .unwrap_or_default()
            .iter()
            .fold(0u32, |a, b| (a << 8) | u32::from(*b));
        let sequence = fixed
            .get(field::SEQUENCE)
            .unwrap_or_default()
            .iter()
            .fold(0u64, |a, b| (a << 8) | u64::from(*b));
        let (descriptor, used) = if flags & FLAG_DESCRIPTOR != 0 {
            let rest = bytes.get(FIXED_HEADER_LEN..).unwrap_or_default();
            let (d, n) = PayloadDescriptor::decode(rest).map_err(|e| match e {
                PayloadDescriptorError::Truncated { offset, needed } => DecodeError::Truncated {
                    offset: FIXED_HEADER_LEN + offset,
                    needed: FIXED_HEADER_LEN + needed,
                },
                e => DecodeError::Descriptor(e),
            })?;
            (Some(d), n)
        } else {
            (None, 0)
        };
        Ok((
            Header {
                message_type: MessageType::from_code(byte(field::TYPE)),
                protection,
                ack_requested: flags & FLAG_ACK_REQUESTED != 0,
                reserved_flags: flags >> 4,
                sender: Eui64(sender),
                epoch,
                sequence,
                descriptor,
            },
            FIXED_HEADER_LEN + used,
        ))
    }

    /// Encodes into the start of `out`; returns the bytes written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if self.epoch > MAX_EPOCH {
            return Err(EncodeError::OutOfRange { field: "epoch" });
        }
        if self.sequence > MAX_SEQUENCE {
            return Err(EncodeError::OutOfRange { field: "sequence" });
        }
        if self.reserved_flags > 0x0f {
            return Err(EncodeError::OutOfRange {
                field: "reserved_flags",
            });
        }
        let needed = self.encoded_len();
        let out = out
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        let (fixed, rest) = out.split_at_mut(FIXED_HEADER_LEN.min(needed));
        let e = self.epoch.to_be_bytes();
        let s = self.sequence.to_be_bytes();
        let head = [VERSION, self.message_type.code(), self.flags()];
        let parts: [&[u8]; 4] = [&head, &self.sender.0, &e[1..], &s[3..]];
        let mut at = 0;
        for p in parts {
            let dst = fixed
                .get_mut(at..at + p.len())
                .ok_or(EncodeError::BufferTooSmall { needed })?;
            dst.copy_from_slice(p);
            at += p.len();
        }
        if let Some(d) = &self.descriptor {
            d.encode(rest).map_err(EncodeError::Descriptor)?;
        }
        Ok(needed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use dual_protocol_primitives::payload::PayloadKind;

    #[test]
    fn layout_of_a_hub_report_header() {
        let h = Header {
            message_type: MessageType::Data,
            protection: Protection::Aead,
            ack_requested: true,
            reserved_flags: 0,
            sender: Eui64([0x00, 0x0d, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x01]),
            epoch: 0x010203,
            sequence: 0x04_0506_0708,
            descriptor: Some(PayloadDescriptor::hub(PayloadKind::DlmsApdu)),
        };
        let mut b = [0u8; 20];
        assert_eq!(h.encode(&mut b), Ok(20));
        assert_eq!(
            b,
            [
                0x01, 0x01, 0x0d, 0x00, 0x0d, 0x6f, 0, 0, 0, 0, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05,
                0x06, 0x07, 0x08, 0x04
            ]
        );
        assert_eq!(Header::decode(&b), Ok((h, 20)));
        assert_eq!(
            h.encode(&mut [0u8; 19]),
            Err(EncodeError::BufferTooSmall { needed: 20 })
        );
    }

    #[test]
    fn every_type_code_round_trips() {
        for c in 0..=255u8 {
            assert_eq!(MessageType::from_code(c).code(), c);
        }
    }
}
