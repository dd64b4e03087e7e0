//! Securing and unsecuring whole NWK and APS frames in place (ZigBee R22
//! §4.3.1 for NWK, §4.4.1 for APS).
//!
//! Unsecuring is the second phase of a two-phase decode: the frame is
//! decoded ([`NwkFrame::decode_with`], [`ApsFrame::decode_with`]) to find
//! the auxiliary header and the [`SecuredLayout`]; then, in this order,
//! the key is looked up ([`KeyLookup`]), the frame counter is checked
//! against the [`IncomingCounters`] table (nothing is changed yet), the
//! security level is patched to the network's level (an on-air 0 becomes
//! nwkSecurityLevel, 5), the MIC is checked and the payload decrypted in the
//! caller's buffer, the on-air security control byte is put back, and only
//! then is the counter recorded. The a-data is the NWK (or APS) header and
//! the auxiliary header with the patched level; at the MIC-only levels the
//! payload is a-data too.
//!
//! Securing takes a buffer holding the encoded frame with the plaintext in
//! place of the ciphertext and room for the MIC (encode a
//! [`SecuredPayload`](super::SecuredPayload) whose `ciphertext` is the
//! plaintext) and encrypts it and writes the MIC.

use super::ccm_star::{CcmFailure, ZigbeeKey, open_in_place, seal_in_place};
use super::frame_counter::{IncomingCounters, ReplayError};
use super::mmo::{key_load_key, key_transport_key};
use super::{AuxHeader, KeyIdentifier, SecuredLayout, SecurityContext};
use crate::aps::ApsFrame;
use crate::error::DecodeError;
use crate::nwk::{NwkFrame, NwkHeader};
use crate::types::ShortAddr;
use core::ops::Range;
use dual_protocol_primitives::crypto::rustcrypto::RcCcm;
use dual_protocol_primitives::crypto::{Aead, CryptoError};
use dual_protocol_primitives::eui64::Eui64;

/// Why a secured frame was not unsecured (or could not be secured).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// The frame itself does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The frame's security bit is clear.
    #[error("frame is not secured")]
    NotSecured,
    /// The extended nonce bit is clear and no source address was known
    /// (APS: give the NWK source's IEEE address; NWK: the header's source IEEE).
    #[error("no source address for the nonce (extended nonce bit clear)")]
    NoNonceSource,
    /// A network key with this sequence number is not known.
    #[error("unknown network key sequence number {sequence}")]
    UnknownKeySequence {
        /// The key sequence number in the auxiliary header.
        sequence: u8,
    },
    /// No key of this kind (data, key-transport, key-load) is known.
    #[error("no {key:?} key")]
    NoKey {
        /// The key identifier.
        key: KeyIdentifier,
    },
    /// The frame counter was replayed, or the counter table is full.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The MIC did not verify; the payload bytes were zeroed.
    #[error("MIC mismatch (MIC at byte {offset})")]
    MicMismatch {
        /// Offset of the MIC in the buffer.
        offset: usize,
    },
    /// The frame's on-air security level is neither 0 nor the network's
    /// level. The receiver always processes frames at nwkSecurityLevel
    /// (ZigBee R22 §4.3.1.2 step 3), so a level changed on the way (say to
    /// 4, encryption without MIC) is refused, not obeyed.
    #[error("security level {on_air} on air, the network uses {expected}")]
    LevelMismatch {
        /// The level in the frame.
        on_air: u8,
        /// nwkSecurityLevel.
        expected: u8,
    },
    /// The buffer does not hold the frame the layout describes.
    #[error("buffer does not match the secured layout")]
    Layout,
}

/// Where a key comes from: the caller's key storage.
pub trait KeyLookup<A: Aead = RcCcm> {
    /// The key for frames secured with `key` by `source` (the nonce's
    /// source: link keys may differ per device).
    fn key(&self, key: KeyIdentifier, source: Eui64) -> Option<&ZigbeeKey<A>>;
}

/// A link key with the key-transport and key-load keys derived from it
/// (ZigBee R22 §4.5.3).
#[derive(Debug)]
pub struct LinkKeys<A: Aead = RcCcm> {
    /// The link key itself (key identifier 0, data key).
    pub data: ZigbeeKey<A>,
    /// HMAC-MMO(link key, 0x00) (key identifier 2).
    pub transport: ZigbeeKey<A>,
    /// HMAC-MMO(link key, 0x02) (key identifier 3).
    pub load: ZigbeeKey<A>,
}

impl LinkKeys<RcCcm> {
    /// Keys the link key and derives the key-transport and key-load keys.
    ///
    /// # Errors
    /// [`CryptoError`] from the provider.
    pub fn new(link_key: &[u8; 16]) -> Result<Self, CryptoError> {
        Ok(LinkKeys {
            data: ZigbeeKey::new(link_key)?,
            transport: ZigbeeKey::new(&key_transport_key(link_key))?,
            load: ZigbeeKey::new(&key_load_key(link_key))?,
        })
    }
}

/// The simplest key storage: one network key (with its sequence number)
/// and one link key for every device (a trust centre link key such as
/// ZigBeeAlliance09, or a single device's key).
#[derive(Debug)]
pub struct Keys<A: Aead = RcCcm> {
    /// The network key and its key sequence number.
    pub network: Option<(u8, ZigbeeKey<A>)>,
    /// The link key and its derived keys.
    pub link: Option<LinkKeys<A>>,
}

impl<A: Aead> Default for Keys<A> {
    fn default() -> Self {
        Keys {
            network: None,
            link: None,
        }
    }
}

impl<A: Aead> KeyLookup<A> for Keys<A> {
    fn key(&self, key: KeyIdentifier, _source: Eui64) -> Option<&ZigbeeKey<A>> {
        match key {
            KeyIdentifier::Network { sequence } => self
                .network
                .as_ref()
                .filter(|(s, _)| *s == sequence)
                .map(|(_, k)| k),
            KeyIdentifier::Data => self.link.as_ref().map(|l| &l.data),
            KeyIdentifier::KeyTransport => self.link.as_ref().map(|l| &l.transport),
            KeyIdentifier::KeyLoad => self.link.as_ref().map(|l| &l.load),
        }
    }
}

/// A frame unsecured in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsecured {
    /// The auxiliary header as received.
    pub aux: AuxHeader,
    /// The security level used (nwkSecurityLevel).
    pub level: u8,
    /// The nonce's source address.
    pub source: Eui64,
    /// Length of the clear NWK or APS header (the frame control's security
    /// bit is still set there).
    pub header_len: usize,
    /// The plaintext payload in the buffer.
    pub payload: Range<usize>,
    /// The MIC in the buffer.
    pub mic: Range<usize>,
}

/// The APS nonce source when the APS extended nonce bit is clear (ZigBee
/// R22 §4.4.1.2 step 3): the originator's IEEE address, from the NWK
/// header when it carries it, else from the caller's address map
/// (nwkAddressMap) keyed by the NWK source address.
pub fn aps_nonce_source(
    nwk: &NwkHeader<'_>,
    address_map: impl Fn(ShortAddr) -> Option<Eui64>,
) -> Option<Eui64> {
    nwk.src_ieee.or_else(|| address_map(nwk.src))
}

/// The level a frame is processed at: always the network's; the on-air
/// level must be 0 or that same level. Both spellings give the same nonce
/// and a-data (the level is patched before the MIC), so these three bits
/// are not authenticated between 0 and the network level, by design of the
/// specification; any other value is refused.
fn checked_level(aux: &AuxHeader, ctx: &SecurityContext) -> Result<u8, SecurityError> {
    if aux.level != 0 && aux.level != ctx.level {
        return Err(SecurityError::LevelMismatch {
            on_air: aux.level,
            expected: ctx.level,
        });
    }
    Ok(ctx.level)
}

fn unsecure<A: Aead, K: KeyLookup<A> + ?Sized, const N: usize>(
    buf: &mut [u8],
    layout: SecuredLayout,
    aux: AuxHeader,
    ctx: &SecurityContext,
    keys: &K,
    counters: &mut IncomingCounters<N>,
    source: Option<Eui64>,
) -> Result<Unsecured, SecurityError> {
    let level = checked_level(&aux, ctx)?;
    let source = aux.source.or(source).ok_or(SecurityError::NoNonceSource)?;
    let key = keys.key(aux.key_id, source).ok_or(match aux.key_id {
        KeyIdentifier::Network { sequence } => SecurityError::UnknownKeySequence { sequence },
        key => SecurityError::NoKey { key },
    })?;
    let slot = counters.check(source, aux.key_id, aux.frame_counter)?;
    open_in_place(key, buf, &layout, &aux, level, source).map_err(|e| match e {
        CcmFailure::Mic => SecurityError::MicMismatch {
            offset: layout.mic.start,
        },
        CcmFailure::Length => SecurityError::Layout,
    })?;
    counters.accept(slot)?;
    Ok(Unsecured {
        aux,
        level,
        source,
        header_len: layout.security_control,
        payload: layout.payload,
        mic: layout.mic,
    })
}

fn secured_parts_nwk(
    buf: &[u8],
    ctx: &SecurityContext,
) -> Result<(SecuredLayout, AuxHeader, Option<Eui64>), SecurityError> {
    let f = NwkFrame::decode_with(buf, ctx)?;
    let layout = f.secured_layout().ok_or(SecurityError::NotSecured)?;
    let crate::nwk::NwkBody::Secured(s) = f.body else {
        return Err(SecurityError::NotSecured);
    };
    Ok((layout, s.aux, f.header.src_ieee))
}

fn secured_parts_aps(
    buf: &[u8],
    ctx: &SecurityContext,
) -> Result<(SecuredLayout, AuxHeader), SecurityError> {
    let f = ApsFrame::decode_with(buf, ctx)?;
    let layout = f.secured_layout().ok_or(SecurityError::NotSecured)?;
    let crate::aps::ApsBody::Secured(s) = f.body else {
        return Err(SecurityError::NotSecured);
    };
    Ok((layout, s.aux))
}

/// Unsecures a NWK frame (`buf` starts at the NWK frame control) in place
/// (ZigBee R22 §4.3.1.2). The nonce source is the auxiliary header's
/// source address (NWK frames always set the extended nonce bit), else the
/// NWK header's source IEEE address.
///
/// # Errors
/// [`SecurityError`]; on any error `counters` is unchanged. On a MIC
/// mismatch the payload bytes are zeroed.
pub fn unsecure_nwk<A: Aead, K: KeyLookup<A> + ?Sized, const N: usize>(
    buf: &mut [u8],
    ctx: &SecurityContext,
    keys: &K,
    counters: &mut IncomingCounters<N>,
) -> Result<Unsecured, SecurityError> {
    let (layout, aux, src_ieee) = secured_parts_nwk(buf, ctx)?;
    unsecure(buf, layout, aux, ctx, keys, counters, src_ieee)
}

/// Unsecures an APS frame (`buf` starts at the APS frame control) in place
/// (ZigBee R22 §4.4.1.2). `nonce_source` is used when the extended nonce
/// bit is clear (see [`aps_nonce_source`]).
///
/// # Errors
/// [`SecurityError`]; on any error `counters` is unchanged.
pub fn unsecure_aps<A: Aead, K: KeyLookup<A> + ?Sized, const N: usize>(
    buf: &mut [u8],
    ctx: &SecurityContext,
    keys: &K,
    counters: &mut IncomingCounters<N>,
    nonce_source: Option<Eui64>,
) -> Result<Unsecured, SecurityError> {
    let (layout, aux) = secured_parts_aps(buf, ctx)?;
    unsecure(buf, layout, aux, ctx, keys, counters, nonce_source)
}

fn secure<A: Aead>(
    buf: &mut [u8],
    layout: &SecuredLayout,
    aux: &AuxHeader,
    ctx: &SecurityContext,
    key: &ZigbeeKey<A>,
    source: Option<Eui64>,
) -> Result<(), SecurityError> {
    let level = checked_level(aux, ctx)?;
    let source = aux.source.or(source).ok_or(SecurityError::NoNonceSource)?;
    seal_in_place(key, buf, layout, aux, level, source).map_err(|_| SecurityError::Layout)
}

/// Secures an encoded NWK frame in place (ZigBee R22 §4.3.1.1): `buf`
/// holds the frame with the plaintext where the ciphertext goes and any
/// bytes where the MIC goes. The security level written in the auxiliary
/// header is kept on air (0 for ZigBee PRO); `ctx` gives the level used.
///
/// # Errors
/// [`SecurityError`].
pub fn secure_nwk<A: Aead>(
    buf: &mut [u8],
    ctx: &SecurityContext,
    key: &ZigbeeKey<A>,
) -> Result<(), SecurityError> {
    let (layout, aux, src_ieee) = secured_parts_nwk(buf, ctx)?;
    secure(buf, &layout, &aux, ctx, key, src_ieee)
}

/// Secures an encoded APS frame in place (ZigBee R22 §4.4.1.1); see
/// [`secure_nwk`]. `nonce_source` (this device's IEEE address) is used
/// when the extended nonce bit is clear.
///
/// # Errors
/// [`SecurityError`].
pub fn secure_aps<A: Aead>(
    buf: &mut [u8],
    ctx: &SecurityContext,
    key: &ZigbeeKey<A>,
    nonce_source: Option<Eui64>,
) -> Result<(), SecurityError> {
    let (layout, aux) = secured_parts_aps(buf, ctx)?;
    secure(buf, &layout, &aux, ctx, key, nonce_source)
}
