//! The MAC auxiliary security header, IEEE 802.15.4-2015 §9.4. ZigBee does
//! not use MAC security (its security is at NWK and APS), so the header is
//! parsed and kept and the secured content is carried as borrowed bytes.

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};

/// The key identifier field, IEEE 802.15.4-2015 §9.4.4 (mode in Table 9-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MacKeyIdentifier {
    /// Mode 0: the key is implicit.
    Implicit,
    /// Mode 1: key index only.
    Index(u8),
    /// Mode 2: a 4-byte key source and a key index.
    Source4 {
        /// Key source, as on the wire.
        source: [u8; 4],
        /// Key index.
        index: u8,
    },
    /// Mode 3: an 8-byte key source and a key index.
    Source8 {
        /// Key source, as on the wire.
        source: [u8; 8],
        /// Key index.
        index: u8,
    },
}

impl MacKeyIdentifier {
    const fn mode(&self) -> u8 {
        match self {
            MacKeyIdentifier::Implicit => 0,
            MacKeyIdentifier::Index(_) => 1,
            MacKeyIdentifier::Source4 { .. } => 2,
            MacKeyIdentifier::Source8 { .. } => 3,
        }
    }

    const fn len(&self) -> usize {
        match self {
            MacKeyIdentifier::Implicit => 0,
            MacKeyIdentifier::Index(_) => 1,
            MacKeyIdentifier::Source4 { .. } => 5,
            MacKeyIdentifier::Source8 { .. } => 9,
        }
    }
}

/// The MAC auxiliary security header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct MacAuxHeader {
    /// Security level, bits 0-2 of the security control (Table 9-6).
    pub level: u8,
    /// Bit 6: ASN in nonce (2015).
    pub asn_in_nonce: bool,
    /// Bit 7 (reserved).
    pub reserved: bool,
    /// The frame counter; `None` when frame counter suppression (bit 5) is set.
    pub frame_counter: Option<u32>,
    /// The key identifier (its mode is bits 3-4).
    pub key_id: MacKeyIdentifier,
}

impl MacAuxHeader {
    /// MIC length for the security level (Table 9-6).
    #[must_use]
    pub const fn mic_len(&self) -> usize {
        match self.level & 3 {
            0 => 0,
            1 => 4,
            2 => 8,
            _ => 16,
        }
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        1 + if self.frame_counter.is_some() { 4 } else { 0 } + self.key_id.len()
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let off = r.offset();
        let sc = r.u8("MAC security control")?;
        let frame_counter = if sc & 0x20 != 0 {
            None
        } else {
            Some(r.u32("MAC frame counter")?)
        };
        let key_id = match (sc >> 3) & 3 {
            0 => MacKeyIdentifier::Implicit,
            1 => MacKeyIdentifier::Index(r.u8("MAC key index")?),
            2 => MacKeyIdentifier::Source4 {
                source: r.array("MAC key source")?,
                index: r.u8("MAC key index")?,
            },
            _ => MacKeyIdentifier::Source8 {
                source: r.array("MAC key source")?,
                index: r.u8("MAC key index")?,
            },
        };
        let _ = off;
        Ok(MacAuxHeader {
            level: sc & 7,
            asn_in_nonce: sc & 0x40 != 0,
            reserved: sc & 0x80 != 0,
            frame_counter,
            key_id,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.level > 7 {
            return Err(EncodeError::TooLarge {
                what: "MAC security level",
            });
        }
        let sc = self.level
            | self.key_id.mode() << 3
            | u8::from(self.frame_counter.is_none()) << 5
            | u8::from(self.asn_in_nonce) << 6
            | u8::from(self.reserved) << 7;
        w.u8(sc)?;
        if let Some(fc) = self.frame_counter {
            w.u32(fc)?;
        }
        match self.key_id {
            MacKeyIdentifier::Implicit => {}
            MacKeyIdentifier::Index(i) => w.u8(i)?,
            MacKeyIdentifier::Source4 { source, index } => {
                w.bytes(&source)?;
                w.u8(index)?;
            }
            MacKeyIdentifier::Source8 { source, index } => {
                w.bytes(&source)?;
                w.u8(index)?;
            }
        }
        Ok(())
    }
}
