//! Building and checking whole secured Inter-PAN frames of the extension
//! (`docs/stub-aps-security.md` §3 and §6): pairwise CCM* (Data,
//! PairRequest, PairResponse), TESLA broadcasts, key disclosures and signed
//! announcements. Every function works on a frame without FCS
//! ([`crate::frame::append_fcs`] adds it).

use super::keys::{announcement_digest, broadcast_mac};
use super::tesla::ChainError;
use super::wire::{ANNOUNCEMENT_LEN, Announcement, Body, DpPayload, HEADER_LEN, Kind, MIC_LEN};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{
    DeliveryMode, Destination, InterPanFrame, InterPanMac, MAX_PHY_PAYLOAD, StubApsFrameControl,
    StubApsHeader,
};
use core::ops::Range;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::crypto::{CryptoError, CryptoProvider};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::replay::{ReplayError, ReplayWindow};
use dual_protocol_zigbee_nwk::security::ccm_star::{ZigbeeKey, nonce};
use subtle::ConstantTimeEq;

/// The P-256 signing key type of the default provider.
pub type SigningKey = <RustCrypto as CryptoProvider>::P256SigningKey;
/// The P-256 verifying key type of the default provider.
pub type VerifyingKey = <RustCrypto as CryptoProvider>::P256VerifyingKey;

/// Why a frame of the extension was refused or could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecureError {
    /// The frame does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The frame could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The APS security bit is clear, or the payload lacks the marker.
    #[error("not a frame of the Dual Protocol Inter-PAN security extension")]
    NotExtension,
    /// The frame is of another kind than the operation expects.
    #[error("unexpected frame kind {kind:?}")]
    UnexpectedKind {
        /// The kind received.
        kind: Kind,
    },
    /// The key version is not the one held.
    #[error("key version {got}, {expected} held")]
    KeyVersion {
        /// In the frame.
        got: u8,
        /// Held.
        expected: u8,
    },
    /// The frame counter was replayed or is too old.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// The MIC or broadcast MAC did not verify.
    #[error("MIC mismatch (MIC at byte {offset})")]
    MicMismatch {
        /// Offset of the MIC.
        offset: usize,
    },
    /// The announcement signature did not verify.
    #[error("announcement signature invalid")]
    BadSignature,
    /// A disclosed key is not on the chain.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The buffer does not hold the frame.
    #[error("buffer does not match the frame layout")]
    Layout,
}

fn crypto(e: CryptoError, mic_offset: usize) -> SecureError {
    match e {
        CryptoError::TagMismatch => SecureError::MicMismatch { offset: mic_offset },
        _ => SecureError::Layout,
    }
}

/// The stub APS header of a secured frame to `dst`: unicast or broadcast
/// delivery, security bit set.
#[must_use]
pub fn secured_aps(dst: Destination, cluster: u16, profile: u16) -> StubApsHeader {
    let mut frame_control = StubApsFrameControl::new(match dst {
        Destination::Broadcast => DeliveryMode::Broadcast,
        Destination::Extended(_) => DeliveryMode::Unicast,
    });
    frame_control.security = true;
    StubApsHeader {
        frame_control,
        group: None,
        cluster,
        profile,
    }
}

/// Encodes `frame` around the encoded extension payload `dp` into `buf`;
/// returns the frame length and the payload offset.
fn emit(
    mac: InterPanMac,
    aps: StubApsHeader,
    dp: &DpPayload<'_>,
    buf: &mut [u8],
) -> Result<(usize, usize), SecureError> {
    if !aps.frame_control.security {
        return Err(SecureError::NotExtension);
    }
    let mut tmp = [0u8; MAX_PHY_PAYLOAD];
    let n = dp.encode(&mut tmp).map_err(|e| match e {
        EncodeError::BufferTooSmall { needed } => EncodeError::TooLong {
            len: needed + mac.encoded_len() + 2 + aps.encoded_len() + 2,
        },
        e => e,
    })?;
    let f = InterPanFrame::new(mac, aps, tmp.get(..n).ok_or(SecureError::Layout)?);
    let len = f.encode(buf)?;
    Ok((len, f.layout().payload))
}

/// Seals a pairwise frame (Data, PairRequest or PairResponse): the
/// plaintext is encrypted under `key` (ENC-MIC-64); the a-data is the stub
/// NWK frame control, the stub APS header and the 6-byte extension header;
/// the nonce is the sender's EUI-64 (MAC source), the frame counter and the
/// security control byte.
///
/// # Errors
/// [`SecureError`].
#[allow(clippy::too_many_arguments)]
pub fn seal_pairwise(
    mac: InterPanMac,
    aps: StubApsHeader,
    kind: Kind,
    key_version: u8,
    frame_counter: u32,
    plaintext: &[u8],
    key: &ZigbeeKey,
    buf: &mut [u8],
) -> Result<usize, SecureError> {
    if !matches!(kind, Kind::Data | Kind::PairRequest | Kind::PairResponse) {
        return Err(SecureError::UnexpectedKind { kind });
    }
    let dp = DpPayload {
        kind,
        key_version,
        frame_counter,
        body: Body::Sealed {
            ciphertext: plaintext,
            mic: [0; MIC_LEN],
        },
    };
    let sc = dp.security_control();
    let (len, p) = emit(mac, aps, &dp, buf)?;
    let nwk = mac.encoded_len();
    let aad_end = p + HEADER_LEN;
    let mic_start = len - MIC_LEN;
    let n = nonce(mac.src, frame_counter, sc);
    let frame = buf.get_mut(..len).ok_or(SecureError::Layout)?;
    let (head, mic) = frame
        .split_at_mut_checked(mic_start)
        .ok_or(SecureError::Layout)?;
    let (pre, payload) = head
        .split_at_mut_checked(aad_end)
        .ok_or(SecureError::Layout)?;
    let aad = pre.get(nwk..).ok_or(SecureError::Layout)?;
    key.seal(kind.level(), &n, aad, payload, mic)
        .map_err(|e| crypto(e, mic_start))?;
    Ok(len)
}

/// A pairwise frame opened in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedPairwise {
    /// Kind.
    pub kind: Kind,
    /// Sender (MAC source, the nonce source).
    pub source: Eui64,
    /// Frame counter.
    pub frame_counter: u32,
    /// Cluster id.
    pub cluster: u16,
    /// Profile id.
    pub profile: u16,
    /// The plaintext in the buffer.
    pub plaintext: Range<usize>,
}

/// Opens a pairwise frame in place (`buf` is the frame without FCS):
/// decode, key version, replay check (nothing recorded), CCM* open, then
/// the window is updated. On a MIC failure the payload bytes are zeroed.
///
/// # Errors
/// [`SecureError`]; the window changes only on success.
pub fn open_pairwise<const W: usize>(
    buf: &mut [u8],
    key: &ZigbeeKey,
    key_version: u8,
    window: &mut ReplayWindow<W>,
) -> Result<OpenedPairwise, SecureError> {
    let f = InterPanFrame::decode(buf)?;
    if !f.aps.frame_control.security {
        return Err(SecureError::NotExtension);
    }
    let l = f.layout();
    let dp = DpPayload::decode(f.payload, l.payload)?;
    if !matches!(dp.body, Body::Sealed { .. }) {
        return Err(SecureError::UnexpectedKind { kind: dp.kind });
    }
    if dp.key_version != key_version {
        return Err(SecureError::KeyVersion {
            got: dp.key_version,
            expected: key_version,
        });
    }
    let counter = u64::from(dp.frame_counter);
    window.check(counter)?;
    let (source, cluster, profile) = (f.mac.src, f.aps.cluster, f.aps.profile);
    let (kind, frame_counter) = (dp.kind, dp.frame_counter);
    let n = nonce(source, frame_counter, dp.security_control());
    let aad_end = l.payload + HEADER_LEN;
    let mic_start = l.end - MIC_LEN;
    let frame = buf.get_mut(..l.end).ok_or(SecureError::Layout)?;
    let (head, mic) = frame
        .split_at_mut_checked(mic_start)
        .ok_or(SecureError::Layout)?;
    let (pre, payload) = head
        .split_at_mut_checked(aad_end)
        .ok_or(SecureError::Layout)?;
    let aad = pre.get(l.nwk..).ok_or(SecureError::Layout)?;
    key.open(kind.level(), &n, aad, payload, mic)
        .map_err(|e| crypto(e, mic_start))?;
    window.update(counter)?;
    Ok(OpenedPairwise {
        kind,
        source,
        frame_counter,
        cluster,
        profile,
        plaintext: aad_end..mic_start,
    })
}

/// Builds a TESLA broadcast: the clear `payload` (a ZCL frame) is MACed
/// under `F'(K_interval)` (`chain_key` is `K_interval`) over the hub's EUI-64
/// and every byte from the stub NWK frame control to the end of the
/// payload.
///
/// # Errors
/// [`SecureError`].
#[allow(clippy::too_many_arguments)]
pub fn seal_broadcast(
    mac: InterPanMac,
    aps: StubApsHeader,
    frame_counter: u32,
    epoch: u16,
    interval: u16,
    payload: &[u8],
    chain_key: &[u8; 16],
    buf: &mut [u8],
) -> Result<usize, SecureError> {
    let dp = DpPayload {
        kind: Kind::Broadcast,
        key_version: 0,
        frame_counter,
        body: Body::Broadcast {
            epoch,
            interval,
            payload,
            mac: [0; MIC_LEN],
        },
    };
    let (len, _) = emit(mac, aps, &dp, buf)?;
    let mic_start = len - MIC_LEN;
    let covered = buf
        .get(mac.encoded_len()..mic_start)
        .ok_or(SecureError::Layout)?;
    let m = broadcast_mac(chain_key, mac.src, covered);
    buf.get_mut(mic_start..len)
        .ok_or(SecureError::Layout)?
        .copy_from_slice(&m);
    Ok(len)
}

/// A decoded broadcast whose MAC is not yet checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingBroadcast<'a> {
    /// The frame.
    pub frame: InterPanFrame<'a>,
    /// Frame counter.
    pub frame_counter: u32,
    /// Epoch.
    pub epoch: u16,
    /// Interval.
    pub interval: u16,
    /// The clear ZCL payload.
    pub payload: &'a [u8],
}

/// Decodes a frame of the extension and returns its decoded payload.
///
/// # Errors
/// [`SecureError::NotExtension`], [`SecureError::Decode`].
pub fn decode(bytes: &[u8]) -> Result<(InterPanFrame<'_>, DpPayload<'_>), SecureError> {
    let f = InterPanFrame::decode(bytes)?;
    if !f.aps.frame_control.security || !super::wire::is_extension(f.payload) {
        return Err(SecureError::NotExtension);
    }
    let dp = DpPayload::decode(f.payload, f.layout().payload)?;
    Ok((f, dp))
}

/// Checks a broadcast's MAC with the now-disclosed `K_interval`
/// (constant-time comparison).
///
/// # Errors
/// [`SecureError::MicMismatch`], [`SecureError::UnexpectedKind`], decode errors.
pub fn verify_broadcast<'a>(
    bytes: &'a [u8],
    chain_key: &[u8; 16],
) -> Result<PendingBroadcast<'a>, SecureError> {
    let (f, dp) = decode(bytes)?;
    let Body::Broadcast {
        epoch,
        interval,
        payload,
        mac,
    } = dp.body
    else {
        return Err(SecureError::UnexpectedKind { kind: dp.kind });
    };
    let end = f.layout().end;
    let mic_start = end - MIC_LEN;
    let covered = bytes
        .get(f.mac.encoded_len()..mic_start)
        .ok_or(SecureError::Layout)?;
    let expected = broadcast_mac(chain_key, f.mac.src, covered);
    if !bool::from(expected.ct_eq(&mac)) {
        return Err(SecureError::MicMismatch { offset: mic_start });
    }
    Ok(PendingBroadcast {
        frame: f,
        frame_counter: dp.frame_counter,
        epoch,
        interval,
        payload,
    })
}

/// Builds a key disclosure frame (broadcast, cluster
/// [`super::CLUSTER_DP_SECURITY`]).
///
/// # Errors
/// [`SecureError`].
pub fn encode_disclosure(
    mac: InterPanMac,
    frame_counter: u32,
    epoch: u16,
    interval: u16,
    key: &[u8; 16],
    buf: &mut [u8],
) -> Result<usize, SecureError> {
    let dp = DpPayload {
        kind: Kind::Disclosure,
        key_version: 0,
        frame_counter,
        body: Body::Disclosure {
            epoch,
            interval,
            key: *key,
        },
    };
    let aps = secured_aps(
        mac.dst,
        super::CLUSTER_DP_SECURITY,
        crate::frame::PROFILE_SMART_ENERGY,
    );
    Ok(emit(mac, aps, &dp, buf)?.0)
}

/// Builds and signs an announcement frame: ECDSA P-256 over
/// SHA-256(domain || hub EUI-64 || every byte from the stub NWK frame
/// control to the end of the anchor). `a.signature` is ignored.
///
/// # Errors
/// [`SecureError`].
pub fn sign_announcement(
    mac: InterPanMac,
    frame_counter: u32,
    a: &Announcement,
    key: &SigningKey,
    buf: &mut [u8],
) -> Result<usize, SecureError> {
    let dp = DpPayload {
        kind: Kind::Announcement,
        key_version: 0,
        frame_counter,
        body: Body::Announcement(*a),
    };
    let aps = secured_aps(
        mac.dst,
        super::CLUSTER_DP_SECURITY,
        crate::frame::PROFILE_SMART_ENERGY,
    );
    let (len, _) = emit(mac, aps, &dp, buf)?;
    let sig_start = len - 64;
    let signed = buf
        .get(mac.encoded_len()..sig_start)
        .ok_or(SecureError::Layout)?;
    let digest = announcement_digest(mac.src, signed);
    let sig = RustCrypto
        .p256_sign_prehash(key, &digest)
        .map_err(|_| SecureError::Layout)?;
    buf.get_mut(sig_start..len)
        .ok_or(SecureError::Layout)?
        .copy_from_slice(&sig);
    Ok(len)
}

/// Verifies an announcement frame with the hub's key; returns the
/// announcement and its frame.
///
/// # Errors
/// [`SecureError::BadSignature`], decode errors, [`SecureError::UnexpectedKind`].
pub fn verify_announcement<'a>(
    bytes: &'a [u8],
    hub_key: &VerifyingKey,
) -> Result<(InterPanFrame<'a>, Announcement), SecureError> {
    let (f, dp) = decode(bytes)?;
    let Body::Announcement(a) = dp.body else {
        return Err(SecureError::UnexpectedKind { kind: dp.kind });
    };
    let end = f.layout().end;
    let signed = bytes
        .get(f.mac.encoded_len()..end - 64)
        .ok_or(SecureError::Layout)?;
    let digest = announcement_digest(f.mac.src, signed);
    RustCrypto
        .p256_verify_prehash(hub_key, &digest, &a.signature)
        .map_err(|_| SecureError::BadSignature)?;
    Ok((f, a))
}

/// Bytes of extension overhead per kind (header, kind fields, MIC/MAC or
/// signature), for the budget in the document.
#[must_use]
pub const fn overhead(kind: Kind) -> usize {
    HEADER_LEN
        + match kind {
            Kind::Data | Kind::PairRequest | Kind::PairResponse => MIC_LEN,
            Kind::Broadcast => 4 + MIC_LEN,
            Kind::Disclosure => 4 + 16,
            Kind::Announcement => ANNOUNCEMENT_LEN,
        }
}
