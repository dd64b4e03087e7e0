//! The two published Inter-PAN security forms, as one parameterised codec
//! (research notes §8; ZigBee R22 §4.4.1 for APS security, §4.5.1 for the
//! auxiliary header, §4.5.2.2 for the CCM* nonce):
//!
//! * **Ember Inter-PAN security** (Silicon Labs EmberZNet `interpan`
//!   plugin, `ALLOW_APS_ENCRYPTED_MESSAGES`): the stub APS security bit
//!   (0x20), a 5-octet auxiliary header (security control and frame
//!   counter, no extended nonce), the payload encrypted and a 4-octet MIC
//!   (ENC-MIC-32). The nonce source is the MAC extended source; the key is
//!   the link key held for the peer.
//! * **SE 1.4a Enhanced Inter-PAN** (SE 1.4a Annex B.4/B.8, ZigBee R23.2
//!   Annex G.3.3): ordinary APS security on every cluster except Key
//!   Establishment (0x0800; the spec text's 0x0019 is treated as an
//!   erratum, as panweave ADR-0013 does), under the link key CBKE
//!   established. [`PublishedOptions::SE_1_4A`] sends the extended nonce.
//!
//! Neither document says whether the two stub NWK octets are CCM* a-data
//! nor (for SE 1.4a) whether the extended nonce is sent, so both are
//! options ([`PublishedOptions::nwk_in_aad`],
//! [`PublishedOptions::extended_nonce`]). The a-data is the stub APS header
//! and the auxiliary header with the security level patched to the level
//! used (5), preceded by the stub NWK frame control when `nwk_in_aad`. On
//! receipt the extended nonce is honoured when present (it must equal the
//! MAC source); otherwise the MAC extended source is the nonce source.
//!
//! Order of checks when opening: decode, level, key identifier, nonce
//! source, replay window check (nothing recorded), CCM* open in place, then
//! the replay window is updated. On any error the window is unchanged.

use crate::error::{DecodeError, EncodeError};
use crate::frame::{CLUSTER_KEY_ESTABLISHMENT, InterPanFrame, append_fcs};
use core::ops::Range;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::replay::{ReplayError, ReplayWindow};
use dual_protocol_zigbee_nwk::mac::MacContext;
use dual_protocol_zigbee_nwk::security::ccm_star::{ZigbeeKey, nonce};
use dual_protocol_zigbee_nwk::security::{AuxHeader, KeyIdentifier, mic_len};

/// The two open choices of the published forms, and the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PublishedOptions {
    /// The two stub NWK octets are part of the CCM* a-data.
    pub nwk_in_aad: bool,
    /// The auxiliary header carries the sender's address (extended nonce).
    pub extended_nonce: bool,
    /// Security level used for the MIC and encryption (5, ENC-MIC-32); the
    /// level on air is 0, as ZigBee PRO sends it.
    pub level: u8,
}

impl PublishedOptions {
    /// Ember: no stub NWK octets in the a-data, no extended nonce (5-octet
    /// auxiliary header).
    pub const EMBER: Self = PublishedOptions {
        nwk_in_aad: false,
        extended_nonce: false,
        level: 5,
    };
    /// SE 1.4a as panweave reads it: no stub NWK octets in the a-data,
    /// extended nonce sent (13-octet auxiliary header).
    pub const SE_1_4A: Self = PublishedOptions {
        nwk_in_aad: false,
        extended_nonce: true,
        level: 5,
    };
}

/// Why a secured Inter-PAN frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// The frame does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The frame could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The APS security bit is clear.
    #[error("frame is not secured")]
    NotSecured,
    /// SE 1.4a requires APS security on this cluster, and the frame is clear.
    #[error("cluster {cluster:#06x} must be secured (SE 1.4a Enhanced Inter-PAN)")]
    SecurityRequired {
        /// The cluster.
        cluster: u16,
    },
    /// The on-air level is neither 0 nor the configured level.
    #[error("security level {on_air} on air, {expected} expected")]
    LevelMismatch {
        /// Level in the frame.
        on_air: u8,
        /// Configured level.
        expected: u8,
    },
    /// The key identifier is not 0 (data / link key).
    #[error("key identifier {bits} is not a link key")]
    WrongKey {
        /// The 2-bit key identifier.
        bits: u8,
    },
    /// The extended nonce names another address than the MAC source.
    #[error("extended nonce source differs from the MAC source")]
    SourceMismatch,
    /// The frame counter was replayed or is too old.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The MIC did not verify (the payload bytes were zeroed).
    #[error("MIC mismatch (MIC at byte {offset})")]
    MicMismatch {
        /// Offset of the MIC.
        offset: usize,
    },
    /// The buffer does not hold the frame.
    #[error("buffer does not match the frame layout")]
    Layout,
}

/// A secured payload as received: the auxiliary header parsed, ciphertext
/// and MIC borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecuredPayload<'a> {
    /// The auxiliary header.
    pub aux: AuxHeader,
    /// Encrypted payload.
    pub ciphertext: &'a [u8],
    /// MIC.
    pub mic: &'a [u8],
}

impl<'a> SecuredPayload<'a> {
    /// Splits a secured payload (the bytes after the stub APS header) at
    /// the MIC length of `opts.level`. `base` is the payload's offset in
    /// the frame, for error offsets.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`].
    pub fn decode(
        payload: &'a [u8],
        opts: &PublishedOptions,
        base: usize,
    ) -> Result<Self, DecodeError> {
        let (aux, n) = AuxHeader::decode(payload).map_err(|e| DecodeError::Mac(e).shifted(base))?;
        let rest = payload.get(n..).unwrap_or(&[]);
        let m = mic_len(opts.level);
        let split = rest.len().checked_sub(m).ok_or(DecodeError::Truncated {
            offset: base + n,
            what: "MIC",
            needed: m.saturating_sub(rest.len()),
        })?;
        let (ciphertext, mic) = rest.split_at(split);
        Ok(SecuredPayload {
            aux,
            ciphertext,
            mic,
        })
    }
}

/// SE 1.4a Enhanced Inter-PAN: every cluster but Key Establishment must be
/// secured (SE 1.4a Annex B.4).
#[must_use]
pub const fn enhanced_requires_security(cluster: u16) -> bool {
    cluster != CLUSTER_KEY_ESTABLISHMENT
}

/// Applies the SE 1.4a rule to a decoded frame.
///
/// # Errors
/// [`SecurityError::SecurityRequired`].
pub fn check_enhanced_policy(frame: &InterPanFrame<'_>) -> Result<(), SecurityError> {
    if !frame.aps.frame_control.security && enhanced_requires_security(frame.aps.cluster) {
        return Err(SecurityError::SecurityRequired {
            cluster: frame.aps.cluster,
        });
    }
    Ok(())
}

/// The outcome of [`open`]: the plaintext sits in the caller's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The auxiliary header as received.
    pub aux: AuxHeader,
    /// The nonce source (the sender).
    pub source: Eui64,
    /// The plaintext ZCL frame in the buffer.
    pub plaintext: Range<usize>,
}

/// The offsets of a secured frame, relative to the frame start.
struct Parts {
    aad_start: usize,
    sc: usize,
    aad_end: usize,
    mic_start: usize,
    end: usize,
}

fn parts(frame: &InterPanFrame<'_>, aux_len: usize, mic: usize, opts: &PublishedOptions) -> Parts {
    let l = frame.layout();
    let aad_end = l.payload + aux_len;
    let mic_start = l.end - mic;
    Parts {
        aad_start: if opts.nwk_in_aad { l.nwk } else { l.aps },
        sc: l.payload,
        aad_end,
        mic_start,
        end: l.end,
    }
}

fn ccm(
    buf: &mut [u8],
    p: &Parts,
    key: &ZigbeeKey,
    level: u8,
    n: &[u8; 13],
    seal: bool,
) -> Result<(), SecurityError> {
    let frame = buf.get_mut(..p.end).ok_or(SecurityError::Layout)?;
    let (head, mic) = frame
        .split_at_mut_checked(p.mic_start)
        .ok_or(SecurityError::Layout)?;
    let (pre, payload) = head
        .split_at_mut_checked(p.aad_end)
        .ok_or(SecurityError::Layout)?;
    let aad = pre.get(p.aad_start..).ok_or(SecurityError::Layout)?;
    let r = if seal {
        key.seal(level, n, aad, payload, mic)
    } else {
        key.open(level, n, aad, payload, mic)
    };
    r.map_err(|e| match e {
        dual_protocol_primitives::crypto::CryptoError::TagMismatch => SecurityError::MicMismatch {
            offset: p.mic_start,
        },
        _ => SecurityError::Layout,
    })
}

/// Runs CCM* with the security control byte patched to `level`, restoring it after.
fn with_patched_level(
    buf: &mut [u8],
    p: &Parts,
    key: &ZigbeeKey,
    level: u8,
    source: Eui64,
    counter: u32,
    seal: bool,
) -> Result<(), SecurityError> {
    let sc = buf.get_mut(p.sc).ok_or(SecurityError::Layout)?;
    let on_air = *sc;
    let patched = (on_air & !7) | (level & 7);
    *sc = patched;
    let n = nonce(source, counter, patched);
    let r = ccm(buf, p, key, level, &n, seal);
    if let Some(b) = buf.get_mut(p.sc) {
        *b = on_air;
    }
    r
}

/// Secures `frame` (its `payload` is the plaintext ZCL frame; its APS
/// security bit must be set) under `key` with `frame_counter`, writing the
/// secured frame into `buf`, with the FCS when `ctx.fcs`. The frame
/// counter must come from the sender's counter reservation
/// ([`dual_protocol_primitives::counter::CounterReservation`]).
///
/// # Errors
/// [`SecurityError::NotSecured`] if the security bit is clear,
/// [`SecurityError::Encode`] if the buffer is short or the frame too long.
pub fn seal(
    frame: &InterPanFrame<'_>,
    frame_counter: u32,
    key: &ZigbeeKey,
    opts: &PublishedOptions,
    buf: &mut [u8],
    ctx: &MacContext,
) -> Result<usize, SecurityError> {
    if !frame.aps.frame_control.security {
        return Err(SecurityError::NotSecured);
    }
    let aux = AuxHeader {
        level: 0,
        key_id: KeyIdentifier::Data,
        reserved: 0,
        frame_counter,
        source: opts.extended_nonce.then_some(frame.mac.src),
    };
    let aux_len = aux.encoded_len();
    let mic = mic_len(opts.level);
    let body_len = aux_len + frame.payload.len() + mic;
    // Encode the headers with a placeholder payload of the right length,
    // then fill it in.
    let zeros = [0u8; crate::frame::MAX_PHY_PAYLOAD];
    let placeholder = zeros.get(..body_len).ok_or(EncodeError::TooLong {
        len: frame.layout().payload + body_len + 2,
    })?;
    let shell = InterPanFrame {
        payload: placeholder,
        ..*frame
    };
    let end = shell.encode(buf)?;
    let l = shell.layout();
    aux.encode(buf.get_mut(l.payload..).ok_or(SecurityError::Layout)?)
        .map_err(EncodeError::from)?;
    let pt = l.payload + aux_len;
    buf.get_mut(pt..pt + frame.payload.len())
        .ok_or(SecurityError::Layout)?
        .copy_from_slice(frame.payload);
    let p = parts(&shell, aux_len, mic, opts);
    with_patched_level(buf, &p, key, opts.level, frame.mac.src, frame_counter, true)?;
    if ctx.fcs {
        return Ok(append_fcs(buf, end)?);
    }
    Ok(end)
}

/// Opens a secured Inter-PAN frame in place (`buf` holds the frame without
/// FCS): checks the level and key identifier, the nonce source, the replay
/// window, then the MIC, and decrypts. The caller picks `key` for the
/// frame's MAC source (decode the frame first to learn it).
///
/// # Errors
/// [`SecurityError`]; `window` is updated only on success.
pub fn open<const W: usize>(
    buf: &mut [u8],
    key: &ZigbeeKey,
    opts: &PublishedOptions,
    window: &mut ReplayWindow<W>,
) -> Result<Opened, SecurityError> {
    let frame = InterPanFrame::decode(buf)?;
    if !frame.aps.frame_control.security {
        return Err(SecurityError::NotSecured);
    }
    let l = frame.layout();
    let sp = SecuredPayload::decode(frame.payload, opts, l.payload)?;
    let aux = sp.aux;
    if aux.level != 0 && aux.level != opts.level {
        return Err(SecurityError::LevelMismatch {
            on_air: aux.level,
            expected: opts.level,
        });
    }
    if aux.key_id != KeyIdentifier::Data {
        return Err(SecurityError::WrongKey {
            bits: aux.key_id.bits(),
        });
    }
    let source = match aux.source {
        Some(s) if s != frame.mac.src => return Err(SecurityError::SourceMismatch),
        _ => frame.mac.src,
    };
    let counter = u64::from(aux.frame_counter);
    window.check(counter)?;
    let aux_len = aux.encoded_len();
    let p = parts(&frame, aux_len, sp.mic.len(), opts);
    let plaintext = p.aad_end..p.mic_start;
    with_patched_level(buf, &p, key, opts.level, source, aux.frame_counter, false)?;
    window.update(counter)?;
    Ok(Opened {
        aux,
        source,
        plaintext,
    })
}
