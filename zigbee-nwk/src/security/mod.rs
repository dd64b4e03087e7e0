//! The ZigBee auxiliary frame header shared by NWK and APS security (ZigBee
//! specification R22 §4.5.1), and the clear/secured split that in-place
//! unsecuring builds on.
//!
//! Decoding a secured NWK or APS frame is the first phase of a two-phase
//! decode (like quinn's `PartialDecode`): the clear header and the auxiliary
//! header are parsed into fields, and the encrypted payload and MIC stay
//! borrowed bytes ([`SecuredPayload`]) so the frame re-encodes byte for
//! byte. [`SecuredLayout`] locates the a-data, the payload, the MIC and the
//! security-control byte inside the original buffer so that the second
//! phase (key lookup, replay check, CCM* open in place, security level
//! patched to the network's level: [`frame`]) can work on that buffer
//! without copying.
//!
//! Submodules: [`ccm_star`] (nonce, keyed CCM*, all eight levels),
//! [`frame`] (secure/unsecure NWK and APS frames in place),
//! [`frame_counter`] (outgoing and incoming frame counters), [`mmo`]
//! (AES-MMO, HMAC-MMO, key derivations), [`install_code`].

pub mod ccm_star;
pub mod frame;
pub mod frame_counter;
pub mod install_code;
pub mod joiner;
pub mod key_store;
pub mod mmo;
pub mod trust_centre;

pub use ccm_star::ZigbeeKey;
pub use frame::{
    KeyLookup, Keys, LinkKeys, SecurityError, Unsecured, aps_nonce_source, secure_aps, secure_nwk,
    unsecure_aps, unsecure_nwk,
};
pub use frame_counter::{IncomingCounters, OutgoingFrameCounter, ReplayError};
pub use install_code::{InstallCodeError, link_key_from_install_code};
pub use mmo::{AesMmo, hmac_mmo};

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use core::ops::Range;
use dual_protocol_primitives::eui64::Eui64;

/// The key identifier sub-field (ZigBee R22 Table 4-23), with the key
/// sequence number that only a network key carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum KeyIdentifier {
    /// 0: a data (link) key.
    Data,
    /// 1: a network key, with its key sequence number.
    Network {
        /// Key sequence number.
        sequence: u8,
    },
    /// 2: the key-transport key.
    KeyTransport,
    /// 3: the key-load key.
    KeyLoad,
}

impl KeyIdentifier {
    /// The 2-bit value.
    #[must_use]
    pub const fn bits(&self) -> u8 {
        match self {
            KeyIdentifier::Data => 0,
            KeyIdentifier::Network { .. } => 1,
            KeyIdentifier::KeyTransport => 2,
            KeyIdentifier::KeyLoad => 3,
        }
    }
}

/// The auxiliary frame header (ZigBee R22 §4.5.1, Figure 4-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AuxHeader {
    /// Security level as sent (bits 0-2); ZigBee PRO sends 0 on air and
    /// the receiver substitutes nwkSecurityLevel (5).
    pub level: u8,
    /// Key identifier (bits 3-4) and, for a network key, the key sequence number.
    pub key_id: KeyIdentifier,
    /// Reserved bits 6-7, shifted down.
    pub reserved: u8,
    /// Frame counter.
    pub frame_counter: u32,
    /// Source address, present when the extended nonce bit (5) is set.
    pub source: Option<Eui64>,
}

impl AuxHeader {
    /// The security control byte as on the wire.
    #[must_use]
    pub const fn security_control(&self) -> u8 {
        (self.level & 7)
            | self.key_id.bits() << 3
            | (self.source.is_some() as u8) << 5
            | (self.reserved & 3) << 6
    }

    /// Encoded length: 5, plus 8 with the extended nonce, plus 1 for a network key.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        5 + if self.source.is_some() { 8 } else { 0 }
            + if matches!(self.key_id, KeyIdentifier::Network { .. }) {
                1
            } else {
                0
            }
    }

    /// Decodes an auxiliary header from the start of `bytes`; returns it and its length.
    ///
    /// # Errors
    /// Truncation.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes);
        let a = Self::read(&mut r)?;
        Ok((a, r.offset()))
    }

    #[inline]
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let sc = r.u8("security control")?;
        let frame_counter = r.u32("frame counter")?;
        let source = if sc & 0x20 != 0 {
            Some(r.eui64("source address")?)
        } else {
            None
        };
        let key_id = match (sc >> 3) & 3 {
            0 => KeyIdentifier::Data,
            1 => KeyIdentifier::Network {
                sequence: r.u8("key sequence number")?,
            },
            2 => KeyIdentifier::KeyTransport,
            _ => KeyIdentifier::KeyLoad,
        };
        Ok(AuxHeader {
            level: sc & 7,
            key_id,
            reserved: sc >> 6,
            frame_counter,
            source,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.level > 7 || self.reserved > 3 {
            return Err(EncodeError::TooLarge {
                what: "security control",
            });
        }
        w.u8(self.security_control())?;
        w.u32(self.frame_counter)?;
        if let Some(s) = self.source {
            w.eui64(s)?;
        }
        if let KeyIdentifier::Network { sequence } = self.key_id {
            w.u8(sequence)?;
        }
        Ok(())
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`], [`EncodeError::TooLarge`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = Writer::new(buf, self.encoded_len())?;
        self.write(&mut w)?;
        Ok(w.done())
    }
}

/// MIC length for a security level (ZigBee R22 Table 4-22): 0, 4, 8 or 16.
#[must_use]
pub const fn mic_len(level: u8) -> usize {
    match level & 3 {
        0 => 0,
        1 => 4,
        2 => 8,
        _ => 16,
    }
}

/// What the receiver knows that the frame does not say: the network's
/// security level (nwkSecurityLevel), which sets the MIC length when the
/// level sent on air is 0 (as ZigBee PRO does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityContext {
    /// nwkSecurityLevel, 5 (ENC-MIC-32) in every ZigBee PRO network.
    pub level: u8,
}

impl Default for SecurityContext {
    fn default() -> Self {
        SecurityContext { level: 5 }
    }
}

impl SecurityContext {
    /// The level a frame with this auxiliary header is processed at.
    #[must_use]
    pub const fn effective_level(&self, aux: &AuxHeader) -> u8 {
        if aux.level == 0 {
            self.level
        } else {
            aux.level
        }
    }
}

/// A secured payload kept as received: the auxiliary header parsed, the
/// encrypted payload and the MIC borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SecuredPayload<'a> {
    /// The auxiliary header.
    pub aux: AuxHeader,
    /// The encrypted (or, at levels 1-3, clear but authenticated) payload.
    pub ciphertext: &'a [u8],
    /// The MIC.
    pub mic: &'a [u8],
}

impl<'a> SecuredPayload<'a> {
    /// Reads the auxiliary header, then splits the rest into payload and MIC.
    #[inline]
    pub(crate) fn read(r: &mut Reader<'a>, ctx: &SecurityContext) -> Result<Self, DecodeError> {
        let aux = AuxHeader::read(r)?;
        let m = mic_len(ctx.effective_level(&aux));
        let off = r.offset();
        let rest = r.rest();
        let n = rest
            .len()
            .checked_sub(m)
            .ok_or_else(|| DecodeError::Truncated {
                offset: off,
                what: "MIC",
                needed: m.saturating_sub(rest.len()),
            })?;
        let (ciphertext, mic) = rest.split_at(n);
        Ok(SecuredPayload {
            aux,
            ciphertext,
            mic,
        })
    }

    /// Encoded length (aux header, payload, MIC).
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        self.aux.encoded_len() + self.ciphertext.len() + self.mic.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.aux.write(w)?;
        w.bytes(self.ciphertext)?;
        w.bytes(self.mic)
    }

    /// Where the pieces sit in a buffer whose clear header is `header_len` bytes.
    #[must_use]
    pub const fn layout(&self, header_len: usize) -> SecuredLayout {
        let aad_end = header_len + self.aux.encoded_len();
        let payload_end = aad_end + self.ciphertext.len();
        SecuredLayout {
            security_control: header_len,
            aad_end,
            payload: aad_end..payload_end,
            mic: payload_end..payload_end + self.mic.len(),
        }
    }
}

/// Offsets of a secured frame's parts in its buffer, for in-place CCM*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuredLayout {
    /// Offset of the security control byte (the level is patched there
    /// before computing the MIC).
    pub security_control: usize,
    /// The a-data is `buf[..aad_end]` (clear header plus auxiliary header).
    pub aad_end: usize,
    /// The encrypted payload.
    pub payload: Range<usize>,
    /// The MIC.
    pub mic: Range<usize>,
}
