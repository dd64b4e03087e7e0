//! general-signing (IEC 62056-5-3 ed. 3 clause 9.5, Green Book ed. 9
//! clause 9.2.7.2.4.9; GBCS uses it for critical commands): ECDSA over the
//! APDU's fields from the transaction-id through the content (the APDU
//! tag, the signature's length and the signature itself are not signed),
//! with the plain `r ‖ s` signature form: 64 bytes for P-256 with SHA-256
//! (suite 1), 96 bytes for P-384 with SHA-384 (suite 2). Signing and
//! verification go through the [`CryptoProvider`].

use crate::Apdu;
use crate::apdu::GeneralSigning;
use crate::axdr::{Decode, Encode};
use crate::security::SecurityError;
use dual_protocol_primitives::crypto::{CryptoError, CryptoProvider};

/// A signing key of suite 1 (P-256) or suite 2 (P-384); also the private
/// key of key agreement ([`crate::security::general`]).
pub enum SigningKey<'k, P: CryptoProvider> {
    /// Suite 1.
    P256(&'k P::P256SigningKey),
    /// Suite 2.
    P384(&'k P::P384SigningKey),
}

impl<P: CryptoProvider> Clone for SigningKey<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: CryptoProvider> Copy for SigningKey<'_, P> {}

impl<P: CryptoProvider> Clone for VerifyingKey<'_, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: CryptoProvider> Copy for VerifyingKey<'_, P> {}

/// A verifying key of suite 1 (P-256) or suite 2 (P-384).
pub enum VerifyingKey<'k, P: CryptoProvider> {
    /// Suite 1.
    P256(&'k P::P256VerifyingKey),
    /// Suite 2.
    P384(&'k P::P384VerifyingKey),
}

/// Encodes `fields` (its `signature` is ignored) as a general-signing APDU
/// into `out`, signed with `key`. Returns the length written.
///
/// # Errors
/// [`SecurityError::BufferTooSmall`] or a crypto error.
pub fn sign_general_signing<P: CryptoProvider>(
    provider: &P,
    key: &SigningKey<'_, P>,
    fields: &GeneralSigning<'_>,
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    let unsigned = Apdu::GeneralSigning(GeneralSigning {
        signature: &[],
        ..*fields
    });
    let n = unsigned.encoded_len();
    let sig_len = match key {
        SigningKey::P256(_) => 64,
        SigningKey::P384(_) => 96,
    };
    let total = n + sig_len;
    if out.len() < total {
        return Err(SecurityError::BufferTooSmall { needed: total });
    }
    unsigned
        .encode(out)
        .map_err(|_| SecurityError::BufferTooSmall { needed: total })?;
    // The signed part: after the tag, before the (empty) signature's length.
    let signed = out
        .get(1..n.saturating_sub(1))
        .ok_or(SecurityError::BufferTooSmall { needed: total })?;
    let mut sig = [0u8; 96];
    match key {
        SigningKey::P256(k) => sig
            .get_mut(..64)
            .unwrap_or(&mut [])
            .copy_from_slice(&provider.p256_sign(k, signed)?),
        SigningKey::P384(k) => sig.copy_from_slice(&provider.p384_sign(k, signed)?),
    }
    if let Some(b) = out.get_mut(n.saturating_sub(1)) {
        *b = sig_len as u8;
    }
    out.get_mut(n..total)
        .ok_or(SecurityError::BufferTooSmall { needed: total })?
        .copy_from_slice(sig.get(..sig_len).unwrap_or(&[]));
    Ok(total)
}

/// Decodes a general-signing APDU and verifies its signature with `key`;
/// returns its fields only if the signature verifies.
///
/// # Errors
/// [`SecurityError::Decode`], [`SecurityError::NotProtected`] for another
/// APDU, [`SecurityError::BadSignature`] for a signature that does not
/// verify or has the wrong length for the key.
pub fn verify_general_signing<'a, P: CryptoProvider>(
    provider: &P,
    key: &VerifyingKey<'_, P>,
    apdu: &'a [u8],
) -> Result<GeneralSigning<'a>, SecurityError> {
    let gs = match Apdu::decode(apdu)? {
        Apdu::GeneralSigning(gs) => gs,
        other => return Err(SecurityError::NotProtected { tag: other.tag() }),
    };
    // Signatures of 64 or 96 bytes have a one-byte A-XDR length.
    let end = apdu
        .len()
        .checked_sub(gs.signature.len() + 1)
        .ok_or(SecurityError::BadSignature)?;
    let signed = apdu.get(1..end).ok_or(SecurityError::BadSignature)?;
    let r = match key {
        VerifyingKey::P256(k) => {
            let sig: &[u8; 64] = gs
                .signature
                .try_into()
                .map_err(|_| SecurityError::BadSignature)?;
            provider.p256_verify(k, signed, sig)
        }
        VerifyingKey::P384(k) => {
            let sig: &[u8; 96] = gs
                .signature
                .try_into()
                .map_err(|_| SecurityError::BadSignature)?;
            provider.p384_verify(k, signed, sig)
        }
    };
    match r {
        Ok(()) => Ok(gs),
        Err(CryptoError::InvalidSignature) => Err(SecurityError::BadSignature),
        Err(e) => Err(SecurityError::Crypto(e)),
    }
}
