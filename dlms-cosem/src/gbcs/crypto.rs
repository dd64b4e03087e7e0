//! GBCS cryptography: the per-message key, the MAC header's MAC, and
//! signed critical commands.
//!
//! **Key.** Each message has its own key: static-unified C(0e,2s) ECDH
//! (NIST SP 800-56A rev. 2) between the originator's and the recipient's
//! P-256 key-agreement keys gives `Z`; the single-step KDF with SHA-256
//! (clause 5.8.1.1) and `OtherInfo = AlgorithmID ‖ originator ID ‖ 0x09 ‖
//! transaction-id (9 bytes) ‖ recipient ID`, AlgorithmID =
//! `0x60857406080300` as GBCS states it, gives the 16-byte AES-128 key
//! (GBCS "Calculating unique Shared Secret Keys for a Remote Party Message
//! Instance"; the transaction-id makes every message's key unique).
//!
//! **MAC.** The MAC header is DLMS authenticated-only protection (security
//! control `0x11`) of the whole grouping header with that key, AES-GCM as
//! GMAC: IV = originator ID ‖ invocation counter (0), AAD = security
//! control ‖ grouping header (no authentication key in GBCS), empty
//! plaintext, 12-byte tag.
//!
//! **Signature.** Critical commands carry an ECDSA P-256 (SHA-256)
//! signature of the grouping header from the transaction-id through the
//! content, in plain `r ‖ s` form ([`crate::security::signing`]).

use crate::apdu::{GeneralSigning, SecurityControl};
use crate::axdr::{Writer, length_len};
use crate::gbcs::{GbcsError, GbcsMessage};
use crate::security::gcm::{AadHead, seal_with_head, work_len};
use crate::security::kdf::{KdfHash, concat_kdf};
use crate::security::signing::{SigningKey, sign_general_signing};
use crate::security::{SecurityError, SecurityKey, TAG_LEN};
use dual_protocol_primitives::crypto::{Aead, CryptoError, CryptoProvider};

/// The KDF's AlgorithmID as GBCS states it.
pub const ALGORITHM_ID: [u8; 7] = [0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00];

/// The MAC header's security control: authenticated only, suite 1.
pub const MAC_SECURITY_CONTROL: SecurityControl = SecurityControl(0x11);

/// The message key from the shared secret `z` (see the module docs).
///
/// # Errors
/// None in practice (the KDF's inputs are fixed-size); a provider error
/// would be [`GbcsError::Security`].
pub fn derive_key<P: CryptoProvider>(
    provider: &P,
    z: &[u8],
    originator: &[u8; 8],
    transaction_id: &[u8; 9],
    recipient: &[u8; 8],
) -> Result<SecurityKey, GbcsError> {
    let mut k = [0u8; 16];
    concat_kdf(
        provider,
        KdfHash::Sha256,
        z,
        &[&ALGORITHM_ID, originator, &[9], transaction_id, recipient],
        &mut k,
    )?;
    let key = SecurityKey::new(&k);
    k.fill(0);
    core::hint::black_box(&k);
    Ok(key?)
}

/// ECDH between our static key-agreement key `own` and the other party's
/// `peer`, then [`derive_key`]. Both parties get the same key.
///
/// # Errors
/// As [`derive_key`].
pub fn agree_key<P: CryptoProvider>(
    provider: &P,
    own: &P::P256SigningKey,
    peer: &P::P256VerifyingKey,
    originator: &[u8; 8],
    transaction_id: &[u8; 9],
    recipient: &[u8; 8],
) -> Result<SecurityKey, GbcsError> {
    let z = provider.p256_ecdh(own, peer);
    derive_key(provider, z.expose(), originator, transaction_id, recipient)
}

/// Wraps the grouping header `grouping` (a general-signing APDU) in a MAC
/// header with `key` (invocation counter 0) into `out`. Returns the
/// length written.
///
/// # Errors
/// [`GbcsError::Decode`]/[`GbcsError::NotGbcs`] when `grouping` is not a
/// grouping header, [`GbcsError::Security`] with `BufferTooSmall`.
pub fn seal_mac_header<P: CryptoProvider>(
    provider: &P,
    key: &SecurityKey,
    grouping: &[u8],
    out: &mut [u8],
) -> Result<usize, GbcsError> {
    let g = GbcsMessage::decode(grouping)?;
    if g.mac_header.is_some() {
        return Err(GbcsError::MacHeader {
            what: "already inside a MAC header",
        });
    }
    let sc = MAC_SECURITY_CONTROL;
    let content_len = 5 + grouping.len() + TAG_LEN;
    let head_len = 7 + length_len(content_len) + 5;
    let needed = head_len + work_len(sc, 0, grouping.len()).max(grouping.len() + TAG_LEN);
    if out.len() < needed {
        return Err(SecurityError::BufferTooSmall { needed }.into());
    }
    let (h, body) = out.split_at_mut(head_len);
    let mut w = Writer::new(h);
    let bts = |_| SecurityError::BufferTooSmall { needed };
    // Tag, five empty octet strings, key-info absent.
    w.put(&[0xdd, 0, 0, 0, 0, 0, 0]).map_err(bts)?;
    w.length(content_len).map_err(bts)?;
    w.u8(sc.0).map_err(bts)?;
    w.put(&[0; 4]).map_err(bts)?;
    let gcm = provider.aes_gcm(key.expose(), TAG_LEN)?;
    let n = seal_with_head(
        &gcm,
        &AadHead::new(sc, &[])?,
        &g.grouping.originator,
        0,
        grouping,
        body,
    )?;
    Ok(head_len + n)
}

/// Verifies the MAC of a message's MAC header with `key`; `work` must
/// hold the grouping header plus one byte (the GMAC's additional data is
/// built there).
///
/// # Errors
/// [`GbcsError::MacHeader`] when the message has none or it is not suite
/// 1, [`GbcsError::BadMac`], [`GbcsError::Security`] with `BufferTooSmall`.
pub fn verify_mac<P: CryptoProvider>(
    provider: &P,
    key: &SecurityKey,
    message: &GbcsMessage<'_>,
    work: &mut [u8],
) -> Result<(), GbcsError> {
    let m = message
        .mac_header
        .ok_or(GbcsError::MacHeader { what: "absent" })?;
    if m.security_control != MAC_SECURITY_CONTROL {
        return Err(GbcsError::MacHeader {
            what: "security control is not 0x11",
        });
    }
    let needed = m.authenticated.len() + 1;
    let aad = work
        .get_mut(..needed)
        .ok_or(GbcsError::Security(SecurityError::BufferTooSmall {
            needed,
        }))?;
    let (s, rest) =
        aad.split_first_mut()
            .ok_or(GbcsError::Security(SecurityError::BufferTooSmall {
                needed,
            }))?;
    *s = m.security_control.0;
    rest.copy_from_slice(m.authenticated);
    let gcm = provider.aes_gcm(key.expose(), TAG_LEN)?;
    let iv = crate::security::iv(&message.grouping.originator, m.invocation_counter);
    gcm.open_in_place_detached(&iv, aad, &mut [], m.mac)
        .map_err(|e| match e {
            CryptoError::TagMismatch => GbcsError::BadMac,
            e => GbcsError::Security(SecurityError::Crypto(e)),
        })
}

/// Encodes `fields` as a grouping header signed with `key` (a critical
/// command) into `out`. Returns the length written.
///
/// # Errors
/// [`GbcsError::Security`] with `BufferTooSmall`, or a crypto error.
pub fn sign_grouping<P: CryptoProvider>(
    provider: &P,
    key: &P::P256SigningKey,
    fields: &GeneralSigning<'_>,
    out: &mut [u8],
) -> Result<usize, GbcsError> {
    Ok(sign_general_signing(
        provider,
        &SigningKey::P256(key),
        fields,
        out,
    )?)
}

/// Verifies the grouping header's signature with the originator's
/// signing key.
///
/// # Errors
/// [`GbcsError::BadSignature`] (also when there is no 64-byte signature).
pub fn verify_signature<P: CryptoProvider>(
    provider: &P,
    key: &P::P256VerifyingKey,
    message: &GbcsMessage<'_>,
) -> Result<(), GbcsError> {
    let g = &message.grouping;
    let sig: &[u8; 64] = g
        .apdu
        .signature
        .try_into()
        .map_err(|_| GbcsError::BadSignature)?;
    provider
        .p256_verify(key, g.signed, sig)
        .map_err(|_| GbcsError::BadSignature)
}
