//! The wire format of the Dual Protocol Inter-PAN security extension
//! (`docs/stub-aps-security.md` §3): the secured payload that follows a
//! stub APS header whose security bit is set.
//!
//! ```text
//! octet 0     security control: level (bits 0-2), key id 0 (bits 3-4),
//!             extended nonce 0 (bit 5), marker 0b10 (bits 6-7)
//! octet 1     DP control: kind (bits 0-3), key version (bits 4-7)
//! octets 2-5  frame counter, little-endian
//! then, by kind:
//!   Data, PairRequest, PairResponse   ciphertext .. MIC(8)         level 6 (ENC-MIC-64)
//!   Broadcast                         epoch(2) interval(2) payload .. MAC(8)   level 2 (MIC-64)
//!   Disclosure                        epoch(2) interval(2) key(16)             level 0
//!   Announcement                      epoch(2) start(4) interval_ms(4) length(2)
//!                                     delay(1) anchor(16) signature(64)        level 0
//! ```
//!
//! Decoding refuses a level other than the kind's (a downgrade, §7), an
//! unknown kind and a wrong length. Hand cursor, no nom.

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};

/// Bits 6-7 of the security control byte: 0b10 marks this extension
/// (reserved bits in ZigBee R22 §4.5.1.1).
pub const MARKER: u8 = 0b1000_0000;
/// Mask of the marker bits.
pub const MARKER_MASK: u8 = 0b1100_0000;
/// MIC / MAC length of the authenticated kinds.
pub const MIC_LEN: usize = 8;
/// Fixed header: security control, DP control, frame counter.
pub const HEADER_LEN: usize = 6;
/// Announcement body length after the fixed header.
pub const ANNOUNCEMENT_LEN: usize = 2 + 4 + 4 + 2 + 1 + 16 + 64;

/// What a secured frame of the extension is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Kind {
    /// 0: unicast application data under the pairwise key (encrypted).
    Data,
    /// 1: a hub broadcast authenticated with a TESLA interval key.
    Broadcast,
    /// 2: disclosure of a TESLA chain key.
    Disclosure,
    /// 3: the hub's signed announcement of a key-chain anchor.
    Announcement,
    /// 4: a device's pairing request (pairwise key).
    PairRequest,
    /// 5: the hub's pairing response (pairwise key).
    PairResponse,
}

impl Kind {
    /// The 4-bit code.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Kind::Data => 0,
            Kind::Broadcast => 1,
            Kind::Disclosure => 2,
            Kind::Announcement => 3,
            Kind::PairRequest => 4,
            Kind::PairResponse => 5,
        }
    }

    const fn from_code(c: u8) -> Option<Self> {
        Some(match c {
            0 => Kind::Data,
            1 => Kind::Broadcast,
            2 => Kind::Disclosure,
            3 => Kind::Announcement,
            4 => Kind::PairRequest,
            5 => Kind::PairResponse,
            _ => return None,
        })
    }

    /// The security level this kind is sent (and only accepted) at.
    #[must_use]
    pub const fn level(self) -> u8 {
        match self {
            Kind::Data | Kind::PairRequest | Kind::PairResponse => 6,
            Kind::Broadcast => 2,
            Kind::Disclosure | Kind::Announcement => 0,
        }
    }
}

/// The hub's announcement of a key chain (signed with its P-256 key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Announcement {
    /// Chain epoch (strictly increasing).
    pub epoch: u16,
    /// Hub time at which interval 1 starts, seconds.
    pub start_s: u32,
    /// Interval length, milliseconds.
    pub interval_ms: u32,
    /// Number of intervals (the chain's last index).
    pub length: u16,
    /// Disclosure delay in intervals (key `i` is disclosed from interval `i + delay`).
    pub delay: u8,
    /// The anchor `K_0`.
    pub anchor: [u8; 16],
    /// ECDSA P-256 signature `r || s`.
    pub signature: [u8; 64],
}

/// The body of a secured frame of the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body<'a> {
    /// Data, PairRequest, PairResponse: ciphertext and MIC.
    Sealed {
        /// The encrypted content.
        ciphertext: &'a [u8],
        /// The MIC.
        mic: [u8; MIC_LEN],
    },
    /// Broadcast: chain position, clear payload, TESLA MAC.
    Broadcast {
        /// Chain epoch.
        epoch: u16,
        /// Interval whose key authenticates the frame.
        interval: u16,
        /// The ZCL frame (clear).
        payload: &'a [u8],
        /// The MAC.
        mac: [u8; MIC_LEN],
    },
    /// Disclosure of the chain key of `interval`.
    Disclosure {
        /// Chain epoch.
        epoch: u16,
        /// Interval of the key.
        interval: u16,
        /// The key `K_interval`.
        key: [u8; 16],
    },
    /// A signed announcement.
    Announcement(Announcement),
}

/// A decoded secured payload of the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpPayload<'a> {
    /// Kind.
    pub kind: Kind,
    /// Key version (pairwise re-keying; 0).
    pub key_version: u8,
    /// Frame counter.
    pub frame_counter: u32,
    /// Body.
    pub body: Body<'a>,
}

/// Whether a secured payload (the bytes after the stub APS header) carries
/// this extension's marker.
#[must_use]
pub fn is_extension(secured_payload: &[u8]) -> bool {
    secured_payload
        .first()
        .is_some_and(|sc| sc & MARKER_MASK == MARKER)
}

impl<'a> DpPayload<'a> {
    /// The security control byte as sent.
    #[must_use]
    pub const fn security_control(&self) -> u8 {
        MARKER | self.kind.level()
    }

    /// Offset, from the payload start, where the authenticated header ends
    /// (the a-data of Data/PairRequest/PairResponse ends here; the signed or
    /// MACed part of the others continues).
    #[must_use]
    pub const fn header_len(&self) -> usize {
        HEADER_LEN
            + match self.body {
                Body::Sealed { .. } | Body::Announcement(_) => 0,
                Body::Broadcast { .. } | Body::Disclosure { .. } => 4,
            }
    }

    /// Decodes; `base` is the payload's offset in the frame.
    ///
    /// # Errors
    /// [`DecodeError`]: truncation, a missing marker, an unknown kind, a
    /// level other than the kind's, a wrong length.
    pub fn decode(bytes: &'a [u8], base: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, base);
        let sc = r.u8("security control")?;
        if sc & MARKER_MASK != MARKER || sc & 0x38 != 0 {
            return Err(DecodeError::NotInterPan {
                offset: base,
                what: "DP security control (marker, key id, extended nonce)",
                value: u32::from(sc),
            });
        }
        let ctl = r.u8("DP control")?;
        let kind = Kind::from_code(ctl & 0xf).ok_or(DecodeError::NotInterPan {
            offset: base + 1,
            what: "DP frame kind",
            value: u32::from(ctl & 0xf),
        })?;
        if sc & 7 != kind.level() {
            return Err(DecodeError::NotInterPan {
                offset: base,
                what: "DP security level for this kind",
                value: u32::from(sc & 7),
            });
        }
        let frame_counter = r.u32("frame counter")?;
        let body = match kind {
            Kind::Data | Kind::PairRequest | Kind::PairResponse => {
                let rest = r.rest();
                let n = rest
                    .len()
                    .checked_sub(MIC_LEN)
                    .ok_or(DecodeError::Truncated {
                        offset: base + HEADER_LEN,
                        what: "MIC",
                        needed: MIC_LEN.saturating_sub(rest.len()),
                    })?;
                let (ciphertext, m) = rest.split_at(n);
                let mut mic = [0u8; MIC_LEN];
                mic.copy_from_slice(m);
                Body::Sealed { ciphertext, mic }
            }
            Kind::Broadcast => {
                let epoch = r.u16("epoch")?;
                let interval = r.u16("interval")?;
                let rest = r.rest();
                let n = rest
                    .len()
                    .checked_sub(MIC_LEN)
                    .ok_or(DecodeError::Truncated {
                        offset: base + HEADER_LEN + 4,
                        what: "MAC",
                        needed: MIC_LEN.saturating_sub(rest.len()),
                    })?;
                let (payload, m) = rest.split_at(n);
                let mut mac = [0u8; MIC_LEN];
                mac.copy_from_slice(m);
                Body::Broadcast {
                    epoch,
                    interval,
                    payload,
                    mac,
                }
            }
            Kind::Disclosure => {
                let b = Body::Disclosure {
                    epoch: r.u16("epoch")?,
                    interval: r.u16("interval")?,
                    key: r.array("disclosed key")?,
                };
                r.finish("bytes after the disclosed key")?;
                b
            }
            Kind::Announcement => {
                let a = Announcement {
                    epoch: r.u16("epoch")?,
                    start_s: r.u32("start time")?,
                    interval_ms: r.u32("interval length")?,
                    length: r.u16("chain length")?,
                    delay: r.u8("disclosure delay")?,
                    anchor: r.array("anchor")?,
                    signature: r.array("signature")?,
                };
                r.finish("bytes after the signature")?;
                Body::Announcement(a)
            }
        };
        Ok(DpPayload {
            kind,
            key_version: ctl >> 4,
            frame_counter,
            body,
        })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        HEADER_LEN
            + match &self.body {
                Body::Sealed { ciphertext, .. } => ciphertext.len() + MIC_LEN,
                Body::Broadcast { payload, .. } => 4 + payload.len() + MIC_LEN,
                Body::Disclosure { .. } => 4 + 16,
                Body::Announcement(_) => ANNOUNCEMENT_LEN,
            }
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`]; [`EncodeError::Inconsistent`] when
    /// the body does not match the kind or the key version exceeds 15.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let ok = matches!(
            (self.kind, &self.body),
            (
                Kind::Data | Kind::PairRequest | Kind::PairResponse,
                Body::Sealed { .. }
            ) | (Kind::Broadcast, Body::Broadcast { .. })
                | (Kind::Disclosure, Body::Disclosure { .. })
                | (Kind::Announcement, Body::Announcement(_))
        );
        if !ok || self.key_version > 15 {
            return Err(EncodeError::Inconsistent {
                what: "DP kind vs body, or key version",
            });
        }
        let mut w = Writer::new(buf, 0, self.encoded_len())?;
        w.u8(self.security_control())?;
        w.u8(self.kind.code() | self.key_version << 4)?;
        w.u32(self.frame_counter)?;
        match &self.body {
            Body::Sealed { ciphertext, mic } => {
                w.bytes(ciphertext)?;
                w.bytes(mic)?;
            }
            Body::Broadcast {
                epoch,
                interval,
                payload,
                mac,
            } => {
                w.u16(*epoch)?;
                w.u16(*interval)?;
                w.bytes(payload)?;
                w.bytes(mac)?;
            }
            Body::Disclosure {
                epoch,
                interval,
                key,
            } => {
                w.u16(*epoch)?;
                w.u16(*interval)?;
                w.bytes(key)?;
            }
            Body::Announcement(a) => {
                w.u16(a.epoch)?;
                w.u32(a.start_s)?;
                w.u32(a.interval_ms)?;
                w.u16(a.length)?;
                w.u8(a.delay)?;
                w.bytes(&a.anchor)?;
                w.bytes(&a.signature)?;
            }
        }
        Ok(w.done())
    }
}
