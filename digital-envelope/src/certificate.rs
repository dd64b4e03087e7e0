//! The compact certificate profile (docs section 4): a fixed 164-byte
//! layout a heap-free hub verifies without ASN.1, its issuance, and chain
//! verification against a caller-supplied trust anchor, UTC time and
//! revocation list (docs 4.1).
//!
//! Codec: fixed offsets (the `field` ranges below), bounds-checked, no
//! panics.

use dual_protocol_primitives::crypto::{CryptoProvider, P256_PUBLIC_LEN};
use dual_protocol_primitives::datetime::UtcDateTime;
use dual_protocol_primitives::eui64::Eui64;

use crate::error::{CertificateError, DecodeError, EncodeError};

/// Length of a compact certificate.
pub const CERTIFICATE_LEN: usize = 164;
/// Length of the to-be-signed part.
pub const TBS_LEN: usize = 100;
/// The only format this crate knows.
pub const FORMAT: u8 = 0x01;
/// Intermediate CA certificates a chain may have (docs 4.1).
pub const MAX_INTERMEDIATES: usize = 3;
/// Context string in front of the to-be-signed bytes (docs 4).
pub const CERTIFICATE_CONTEXT: &[u8; 18] = b"DPDE/1 certificate";

pub(crate) mod field {
    use core::ops::Range;
    pub const FORMAT: usize = 0;
    pub const SERIAL: Range<usize> = 1..9;
    pub const ISSUER: Range<usize> = 9..17;
    pub const SUBJECT: Range<usize> = 17..25;
    pub const ROLE: usize = 25;
    pub const KEY_USAGE: usize = 26;
    pub const NOT_BEFORE: Range<usize> = 27..31;
    pub const NOT_AFTER: Range<usize> = 31..35;
    pub const PUBLIC_KEY: Range<usize> = 35..100;
    pub const SIGNATURE: Range<usize> = 100..164;
}

/// What the subject is (offset 25).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Role {
    /// `0x01`: a communications hub.
    Hub,
    /// `0x02`: a HAN device.
    HanDevice,
    /// `0x03`: a head end or other operator.
    HeadEnd,
    /// `0x04`: a certificate authority.
    CertificateAuthority,
    /// Any other code, kept.
    Unknown(u8),
}

impl Role {
    /// The code.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Role::Hub => 1,
            Role::HanDevice => 2,
            Role::HeadEnd => 3,
            Role::CertificateAuthority => 4,
            Role::Unknown(c) => c,
        }
    }
    /// The role for a code.
    #[must_use]
    pub const fn from_code(c: u8) -> Self {
        match c {
            1 => Role::Hub,
            2 => Role::HanDevice,
            3 => Role::HeadEnd,
            4 => Role::CertificateAuthority,
            c => Role::Unknown(c),
        }
    }
}

/// What the key may do (offset 26). Exactly one usage per certificate.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum KeyUsage {
    /// `0x01`: ECDH key agreement (docs 5.1).
    KeyAgreement,
    /// `0x02`: ECDSA signatures on envelopes (docs 6.2).
    DigitalSignature,
    /// `0x03`: signing certificates.
    CertificateSigning,
    /// Any other code, kept (and refused by verification).
    Unknown(u8),
}

impl KeyUsage {
    /// The code.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            KeyUsage::KeyAgreement => 1,
            KeyUsage::DigitalSignature => 2,
            KeyUsage::CertificateSigning => 3,
            KeyUsage::Unknown(c) => c,
        }
    }
    /// The usage for a code.
    #[must_use]
    pub const fn from_code(c: u8) -> Self {
        match c {
            1 => KeyUsage::KeyAgreement,
            2 => KeyUsage::DigitalSignature,
            3 => KeyUsage::CertificateSigning,
            c => KeyUsage::Unknown(c),
        }
    }
}

/// The to-be-signed part of a certificate (bytes 0..100).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TbsCertificate {
    /// Serial, unique in the trust domain.
    pub serial: u64,
    /// The issuing CA's subject id.
    pub issuer: Eui64,
    /// The subject's identifier (EUI-64 or operator id).
    pub subject: Eui64,
    /// What the subject is.
    pub role: Role,
    /// What the key may do.
    pub key_usage: KeyUsage,
    /// Seconds since 1970-01-01T00:00:00Z.
    pub not_before: u32,
    /// Seconds since 1970-01-01T00:00:00Z, inclusive.
    pub not_after: u32,
    /// SEC1 uncompressed P-256 public key.
    pub public_key: [u8; P256_PUBLIC_LEN],
}

impl TbsCertificate {
    /// The 100 bytes the issuer signs (after the context string).
    #[must_use]
    pub fn to_bytes(&self) -> [u8; TBS_LEN] {
        let mut b = [0u8; TBS_LEN];
        let s = self.serial.to_be_bytes();
        let nb = self.not_before.to_be_bytes();
        let na = self.not_after.to_be_bytes();
        let usage = [FORMAT];
        let rk = [self.role.code(), self.key_usage.code()];
        let parts: [&[u8]; 8] = [
            &usage,
            &s,
            &self.issuer.0,
            &self.subject.0,
            &rk,
            &nb,
            &na,
            &self.public_key,
        ];
        let mut at = 0;
        for p in parts {
            if let Some(dst) = b.get_mut(at..at + p.len()) {
                dst.copy_from_slice(p);
            }
            at += p.len();
        }
        b
    }

    /// Signs with the issuer's certificate-signing key (docs 4).
    pub fn sign<P: CryptoProvider>(
        self,
        provider: &P,
        issuer_key: &P::P256SigningKey,
    ) -> Result<Certificate, CertificateError> {
        let digest = provider.sha256(&[CERTIFICATE_CONTEXT, &self.to_bytes()]);
        let signature = provider
            .p256_sign_prehash(issuer_key, &digest)
            .map_err(CertificateError::Crypto)?;
        Ok(Certificate {
            tbs: self,
            signature,
        })
    }
}

/// A compact certificate (docs section 4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Certificate {
    /// The signed fields.
    pub tbs: TbsCertificate,
    /// The issuer's signature `r || s`.
    pub signature: [u8; 64],
}

fn array<const N: usize>(bytes: &[u8], range: core::ops::Range<usize>) -> [u8; N] {
    let mut a = [0u8; N];
    for (d, s) in a.iter_mut().zip(bytes.get(range).unwrap_or_default()) {
        *d = *s;
    }
    a
}

impl Certificate {
    /// Decodes exactly [`CERTIFICATE_LEN`] bytes. Only the layout is checked
    /// here (length, format byte, uncompressed point tag); the point itself,
    /// the usage and the signature are checked by [`verify_chain`].
    pub fn decode(bytes: &[u8]) -> Result<Self, CertificateError> {
        if bytes.len() < CERTIFICATE_LEN {
            return Err(DecodeError::Truncated {
                offset: bytes.len(),
                needed: CERTIFICATE_LEN,
            }
            .into());
        }
        if bytes.len() > CERTIFICATE_LEN {
            return Err(DecodeError::TrailingBytes {
                offset: CERTIFICATE_LEN,
                extra: bytes.len() - CERTIFICATE_LEN,
            }
            .into());
        }
        let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let format = byte(field::FORMAT);
        if format != FORMAT {
            return Err(CertificateError::UnsupportedFormat(format));
        }
        let key_tag = byte(field::PUBLIC_KEY.start);
        if key_tag != 0x04 {
            return Err(DecodeError::InvalidValue {
                offset: field::PUBLIC_KEY.start,
                value: key_tag,
            }
            .into());
        }
        Ok(Certificate {
            tbs: TbsCertificate {
                serial: u64::from_be_bytes(array(bytes, field::SERIAL)),
                issuer: Eui64(array(bytes, field::ISSUER)),
                subject: Eui64(array(bytes, field::SUBJECT)),
                role: Role::from_code(byte(field::ROLE)),
                key_usage: KeyUsage::from_code(byte(field::KEY_USAGE)),
                not_before: u32::from_be_bytes(array(bytes, field::NOT_BEFORE)),
                not_after: u32::from_be_bytes(array(bytes, field::NOT_AFTER)),
                public_key: array(bytes, field::PUBLIC_KEY),
            },
            signature: array(bytes, field::SIGNATURE),
        })
    }

    /// Always [`CERTIFICATE_LEN`].
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        CERTIFICATE_LEN
    }

    /// Encodes into the start of `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let out = out
            .get_mut(..CERTIFICATE_LEN)
            .ok_or(EncodeError::BufferTooSmall {
                needed: CERTIFICATE_LEN,
            })?;
        let (tbs, sig) = out.split_at_mut(TBS_LEN);
        tbs.copy_from_slice(&self.tbs.to_bytes());
        sig.copy_from_slice(&self.signature);
        Ok(CERTIFICATE_LEN)
    }

    /// The encoded certificate.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; CERTIFICATE_LEN] {
        let mut b = [0u8; CERTIFICATE_LEN];
        // Cannot fail: the buffer has exactly the length needed.
        let _ = self.encode(&mut b);
        b
    }

    /// Validity at `now` (docs 4.1 step 1).
    pub fn check_validity(&self, now: UtcDateTime) -> Result<(), CertificateError> {
        let t = now.to_unix_seconds();
        let serial = self.tbs.serial;
        if t < i64::from(self.tbs.not_before) {
            return Err(CertificateError::NotYetValid {
                serial,
                not_before: self.tbs.not_before,
            });
        }
        if t > i64::from(self.tbs.not_after) {
            return Err(CertificateError::Expired {
                serial,
                not_after: self.tbs.not_after,
            });
        }
        Ok(())
    }

    /// Parses the subject public key with the provider.
    pub fn verifying_key<P: CryptoProvider>(
        &self,
        provider: &P,
    ) -> Result<P::P256VerifyingKey, CertificateError> {
        provider
            .p256_verifying_key(&self.tbs.public_key)
            .map_err(|_| CertificateError::InvalidPublicKey {
                serial: self.tbs.serial,
            })
    }

    /// Checks this certificate's signature under `issuer` (docs 4.1 step 4).
    pub fn verify_signature<P: CryptoProvider>(
        &self,
        provider: &P,
        issuer: &P::P256VerifyingKey,
    ) -> Result<(), CertificateError> {
        let digest = provider.sha256(&[CERTIFICATE_CONTEXT, &self.tbs.to_bytes()]);
        provider
            .p256_verify_prehash(issuer, &digest, &self.signature)
            .map_err(|_| CertificateError::BadSignature {
                serial: self.tbs.serial,
            })
    }
}

/// A caller-supplied revocation list (docs 4.1).
pub trait Revocation {
    /// True when the certificate with this issuer and serial is revoked.
    fn is_revoked(&self, issuer: Eui64, serial: u64) -> bool;
}

/// A list of revoked serials (unique in the trust domain), in any order.
impl Revocation for [u64] {
    fn is_revoked(&self, _issuer: Eui64, serial: u64) -> bool {
        self.contains(&serial)
    }
}

/// No revocation list.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRevocation;

impl Revocation for NoRevocation {
    fn is_revoked(&self, _issuer: Eui64, _serial: u64) -> bool {
        false
    }
}

/// A trusted CA: its identifier and certificate-signing key.
pub struct TrustAnchor<P: CryptoProvider> {
    /// The CA's subject id.
    pub id: Eui64,
    /// Its certificate-signing key.
    pub key: P::P256VerifyingKey,
}

impl<P: CryptoProvider> Clone for TrustAnchor<P> {
    fn clone(&self) -> Self {
        TrustAnchor {
            id: self.id,
            key: self.key.clone(),
        }
    }
}

impl<P: CryptoProvider> core::fmt::Debug for TrustAnchor<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TrustAnchor")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<P: CryptoProvider> TrustAnchor<P> {
    /// The anchor of a (root) CA certificate, which the caller trusts by
    /// configuration. Its usage must be certificate signing; its own
    /// signature is not needed and not checked.
    pub fn from_certificate(provider: &P, cert: &Certificate) -> Result<Self, CertificateError> {
        require_usage(cert, KeyUsage::CertificateSigning)?;
        Ok(TrustAnchor {
            id: cert.tbs.subject,
            key: cert.verifying_key(provider)?,
        })
    }
}

/// A leaf whose chain verified: who it is, what it may do, its parsed key.
pub struct VerifiedKey<P: CryptoProvider> {
    /// The subject id.
    pub subject: Eui64,
    /// The subject's role.
    pub role: Role,
    /// The key usage the chain was verified for.
    pub usage: KeyUsage,
    /// The leaf's serial.
    pub serial: u64,
    /// The parsed public key.
    pub key: P::P256VerifyingKey,
}

impl<P: CryptoProvider> Clone for VerifiedKey<P> {
    fn clone(&self) -> Self {
        VerifiedKey {
            subject: self.subject,
            role: self.role,
            usage: self.usage,
            serial: self.serial,
            key: self.key.clone(),
        }
    }
}

impl<P: CryptoProvider> core::fmt::Debug for VerifiedKey<P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifiedKey")
            .field("subject", &self.subject)
            .field("role", &self.role)
            .field("usage", &self.usage)
            .field("serial", &self.serial)
            .finish_non_exhaustive()
    }
}

fn require_usage(cert: &Certificate, expected: KeyUsage) -> Result<(), CertificateError> {
    if cert.tbs.key_usage == expected {
        Ok(())
    } else {
        Err(CertificateError::WrongKeyUsage {
            expected,
            found: cert.tbs.key_usage,
        })
    }
}

/// Verifies `leaf` through `intermediates` (leaf's issuer first) up to
/// `anchor` at UTC time `now`, refusing revoked serials, and requires the
/// leaf's usage to be `usage` (docs 4.1). The cheap checks (validity,
/// revocation, issuer names, usages) run over the whole chain before the
/// first signature is verified.
pub fn verify_chain<P: CryptoProvider, R: Revocation + ?Sized>(
    provider: &P,
    leaf: &Certificate,
    intermediates: &[Certificate],
    anchor: &TrustAnchor<P>,
    now: UtcDateTime,
    revoked: &R,
    usage: KeyUsage,
) -> Result<VerifiedKey<P>, CertificateError> {
    if intermediates.len() > MAX_INTERMEDIATES {
        return Err(CertificateError::ChainTooLong);
    }
    // Pass 1: cheap checks, leaf upward.
    let mut cert = leaf;
    let mut rest = intermediates.iter();
    loop {
        cert.check_validity(now)?;
        if revoked.is_revoked(cert.tbs.issuer, cert.tbs.serial) {
            return Err(CertificateError::Revoked {
                serial: cert.tbs.serial,
            });
        }
        match rest.next() {
            Some(issuer) => {
                if issuer.tbs.subject != cert.tbs.issuer {
                    return Err(CertificateError::UnknownIssuer {
                        serial: cert.tbs.serial,
                        issuer: cert.tbs.issuer,
                    });
                }
                if issuer.tbs.key_usage != KeyUsage::CertificateSigning {
                    return Err(CertificateError::IssuerNotCa {
                        serial: issuer.tbs.serial,
                    });
                }
                cert = issuer;
            }
            None => {
                if anchor.id != cert.tbs.issuer {
                    return Err(CertificateError::UnknownIssuer {
                        serial: cert.tbs.serial,
                        issuer: cert.tbs.issuer,
                    });
                }
                break;
            }
        }
    }
    require_usage(leaf, usage)?;
    // Pass 2: signatures, from the anchor down.
    let mut issuer_key = anchor.key.clone();
    for c in intermediates.iter().rev() {
        c.verify_signature(provider, &issuer_key)?;
        issuer_key = c.verifying_key(provider)?;
    }
    leaf.verify_signature(provider, &issuer_key)?;
    Ok(VerifiedKey {
        subject: leaf.tbs.subject,
        role: leaf.tbs.role,
        usage: leaf.tbs.key_usage,
        serial: leaf.tbs.serial,
        key: leaf.verifying_key(provider)?,
    })
}
