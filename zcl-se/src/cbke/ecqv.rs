//! ECQV implicit certificates in the Smart Energy formats and public-key
//! reconstruction (SEC 4 v1.0 §2.5 / §3.6; SE 07-5356 Annex C.4.2.2.2 for
//! suite 1 and the crypto suite 2 certificate of SE 1.2+ Annex C.3).
//!
//! Suite 1 (48 octets): public-key reconstruction data (22, compressed
//! sect163k1 point) · subject (8, IEEE address) · issuer (8) · profile
//! attribute data (10).
//!
//! Suite 2 (74 octets): type (1, 0x00 = implicit) · serial (8) · curve
//! (1, 0x0D = sect283k1) · hash (1, 0x08 = AES-MMO) · issuer (8) · valid
//! from (5, seconds since 1970-01-01 UTC) · valid to (4, seconds after
//! "valid from", 0xFFFFFFFF = no expiry) · subject (8) · key usage (1, bit
//! 0x08 = key agreement) · public-key reconstruction data (37).
//!
//! Reconstruction: `e = H(Cert)` (AES-MMO over the whole certificate, the
//! 128-bit digest as an integer), `Q_U = e · P_U + Q_CA`.
//! Parsing is a hand cursor over fixed offsets; nothing is allocated.

use dual_protocol_zigbee_nwk::security::mmo::AesMmo;

use super::curve::{Point, PointError};
use super::gf2m::Params;
use super::scalar::{CurveParams, Scalar};

/// Per-suite certificate layout.
pub trait SuiteParams<const N: usize>: CurveParams<N> {
    /// The Key Establishment Suite bitmap value (0x0001 or 0x0002).
    const SUITE_ID: u16;
    /// Certificate length.
    const CERT_LEN: usize;
    /// Offset of the public-key reconstruction data.
    const RECONSTRUCTION_AT: usize;
    /// Offset of the subject (IEEE address).
    const SUBJECT_AT: usize;
    /// Offset of the issuer.
    const ISSUER_AT: usize;
}

impl SuiteParams<3> for Params<3> {
    const SUITE_ID: u16 = 0x0001;
    const CERT_LEN: usize = 48;
    const RECONSTRUCTION_AT: usize = 0;
    const SUBJECT_AT: usize = 22;
    const ISSUER_AT: usize = 30;
}

impl SuiteParams<5> for Params<5> {
    const SUITE_ID: u16 = 0x0002;
    const CERT_LEN: usize = 74;
    const RECONSTRUCTION_AT: usize = 37;
    const SUBJECT_AT: usize = 28;
    const ISSUER_AT: usize = 11;
}

/// Largest certificate (suite 2).
pub const MAX_CERT_LEN: usize = 74;

/// Suite 2 certificate type: implicit.
pub const CERT_TYPE_IMPLICIT: u8 = 0x00;
/// Suite 2 curve identifier: sect283k1.
pub const CURVE_SECT283K1: u8 = 0x0D;
/// Suite 2 hash identifier: AES-MMO.
pub const HASH_AES_MMO: u8 = 0x08;
/// Suite 2 key usage bit: key agreement.
pub const KEY_USAGE_KEY_AGREEMENT: u8 = 0x08;

/// Why a certificate was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// Wrong length for the suite.
    #[error("certificate must be {expected} octets, got {actual}")]
    Length {
        /// Expected length.
        expected: usize,
        /// Given length.
        actual: usize,
    },
    /// A suite 2 header field holds an unsupported value.
    #[error("certificate field at offset {offset} holds unsupported value 0x{value:02x}")]
    Field {
        /// Offset of the field.
        offset: usize,
        /// The value found.
        value: u8,
    },
    /// The key usage does not allow key agreement.
    #[error("certificate key usage 0x{0:02x} does not allow key agreement")]
    KeyUsage(u8),
    /// The reconstruction data is not a valid point.
    #[error("public-key reconstruction data (offset {offset}): {source}")]
    Reconstruction {
        /// Offset of the reconstruction data.
        offset: usize,
        /// What is wrong with the point.
        source: PointError,
    },
    /// The reconstructed public key is the point at infinity.
    #[error("reconstructed public key is the point at infinity")]
    InfiniteKey,
    /// Outside its validity period.
    #[error("certificate not valid at {now} (valid from {from}, for {duration} s)")]
    Expired {
        /// The time checked (Unix seconds).
        now: u64,
        /// Valid from (Unix seconds).
        from: u64,
        /// Validity length in seconds.
        duration: u32,
    },
}

/// A parsed certificate of the suite with `N` limbs (3: suite 1, 5: suite 2),
/// held by value (it outlives the frame it came in).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Certificate<const N: usize> {
    bytes: [u8; MAX_CERT_LEN],
    reconstruction: Point<N>,
}

impl<const N: usize> core::fmt::Debug for Certificate<N>
where
    Params<N>: SuiteParams<N>,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .finish_non_exhaustive()
    }
}

fn array8(bytes: &[u8], at: usize) -> [u8; 8] {
    let mut out = [0u8; 8];
    if let Some(src) = bytes.get(at..at + 8) {
        out.copy_from_slice(src);
    }
    out
}

impl<const N: usize> Certificate<N>
where
    Params<N>: SuiteParams<N>,
{
    /// Certificate length for this suite.
    pub const LEN: usize = <Params<N> as SuiteParams<N>>::CERT_LEN;

    /// Parses and checks a certificate: length, (suite 2) type, curve, hash
    /// and key usage, and that the reconstruction data is a curve point.
    pub fn parse(bytes: &[u8]) -> Result<Self, CertificateError> {
        if bytes.len() != Self::LEN {
            return Err(CertificateError::Length {
                expected: Self::LEN,
                actual: bytes.len(),
            });
        }
        if <Params<N> as SuiteParams<N>>::SUITE_ID == 0x0002 {
            for (offset, want) in [
                (0, CERT_TYPE_IMPLICIT),
                (9, CURVE_SECT283K1),
                (10, HASH_AES_MMO),
            ] {
                let value = bytes.get(offset).copied().unwrap_or(0xff);
                if value != want {
                    return Err(CertificateError::Field { offset, value });
                }
            }
            let usage = bytes.get(36).copied().unwrap_or(0);
            if usage & KEY_USAGE_KEY_AGREEMENT == 0 {
                return Err(CertificateError::KeyUsage(usage));
            }
        }
        let at = <Params<N> as SuiteParams<N>>::RECONSTRUCTION_AT;
        let point_bytes = bytes
            .get(at..at + Point::<N>::COMPRESSED_LEN)
            .unwrap_or_default();
        let reconstruction = Point::from_compressed(point_bytes)
            .map_err(|source| CertificateError::Reconstruction { offset: at, source })?;
        let mut buf = [0u8; MAX_CERT_LEN];
        if let Some(dst) = buf.get_mut(..Self::LEN) {
            dst.copy_from_slice(bytes);
        }
        Ok(Self {
            bytes: buf,
            reconstruction,
        })
    }

    /// The certificate octets.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..Self::LEN).unwrap_or_default()
    }

    /// The subject's IEEE address, most significant octet first.
    #[must_use]
    pub fn subject(&self) -> [u8; 8] {
        array8(&self.bytes, <Params<N> as SuiteParams<N>>::SUBJECT_AT)
    }

    /// The issuer identifier.
    #[must_use]
    pub fn issuer(&self) -> [u8; 8] {
        array8(&self.bytes, <Params<N> as SuiteParams<N>>::ISSUER_AT)
    }

    /// The public-key reconstruction point P_U.
    #[must_use]
    pub fn reconstruction_point(&self) -> Point<N> {
        self.reconstruction
    }

    /// Suite 2 validity: `(valid_from, duration)`; `None` for suite 1.
    #[must_use]
    pub fn validity(&self) -> Option<(u64, u32)> {
        if <Params<N> as SuiteParams<N>>::SUITE_ID != 0x0002 {
            return None;
        }
        let from = self
            .bytes
            .get(19..24)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let to = self
            .bytes
            .get(24..28)?
            .iter()
            .fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        Some((from, to))
    }

    /// Checks the suite 2 validity period against `now` (Unix seconds, UTC);
    /// always passes for suite 1, whose certificates carry no dates.
    pub fn check_validity(&self, now: u64) -> Result<(), CertificateError> {
        match self.validity() {
            Some((from, duration)) => {
                let ok = now >= from
                    && (duration == u32::MAX || now <= from.saturating_add(u64::from(duration)));
                if ok {
                    Ok(())
                } else {
                    Err(CertificateError::Expired {
                        now,
                        from,
                        duration,
                    })
                }
            }
            None => Ok(()),
        }
    }

    /// `e = H(Cert)` as a scalar (SEC 4 §2.3 `Hn`; the 128-bit digest is
    /// shorter than n, so it is used whole).
    #[must_use]
    pub fn hash_scalar(&self) -> Scalar<N> {
        Scalar::from_be_bytes_reduced(&AesMmo::digest(&[self.as_bytes()]))
    }

    /// Reconstructs the subject's public key `Q_U = e · P_U + Q_CA`
    /// (SEC 4 §3.6).
    pub fn public_key(&self, ca_public: &Point<N>) -> Result<Point<N>, CertificateError> {
        let q = self.reconstruction.mul(&self.hash_scalar()).add(ca_public);
        if q.infinity {
            Err(CertificateError::InfiniteKey)
        } else {
            Ok(q)
        }
    }

    /// Issues a certificate for a test CA (SEC 4 §3.4 with the requester's
    /// and the CA's nonces merged into one `k`): fills `template` with the
    /// reconstruction point `kG` at its place, and returns the certificate
    /// and the subject's private key `d_U = e·k + d_CA mod n`.
    pub fn issue(
        template: &[u8],
        k: &Scalar<N>,
        ca_private: &Scalar<N>,
    ) -> Result<(Self, Scalar<N>), CertificateError> {
        if template.len() != Self::LEN {
            return Err(CertificateError::Length {
                expected: Self::LEN,
                actual: template.len(),
            });
        }
        let mut buf = [0u8; MAX_CERT_LEN];
        if let Some(dst) = buf.get_mut(..Self::LEN) {
            dst.copy_from_slice(template);
        }
        let at = <Params<N> as SuiteParams<N>>::RECONSTRUCTION_AT;
        let p = Point::<N>::generator().mul(k);
        if let Some(dst) = buf.get_mut(at..at + Point::<N>::COMPRESSED_LEN) {
            p.write_compressed(dst);
        }
        let cert = Self::parse(buf.get(..Self::LEN).unwrap_or_default())?;
        let d = cert.hash_scalar().mul(k).add(ca_private);
        Ok((cert, d))
    }
}
