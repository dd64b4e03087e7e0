//! The RustCrypto provider (feature `rustcrypto`, default): `aes`, `ccm`,
//! `aes-gcm`, `cmac`, `aes-kw`, `sha2`, `p256`, `p384`. no_std, no heap.
//!
//! AEAD objects hold the expanded AES key schedule, so building one per key
//! (not per frame) keeps the per-message cost at the cipher itself. Head
//! ends should build with the AES CPU features enabled
//! (`-C target-feature=+aes,+sse4.1,+pclmulqdq`, see `benches/README.md`):
//! the `aes` crate's runtime detection otherwise costs the serial CCM and
//! CMAC modes dearly.

use super::{Aead, CryptoError, CryptoProvider, P256_PUBLIC_LEN, P384_PUBLIC_LEN, SecretBytes};
use aes::{Aes128, Aes256};
use aes_gcm::aead::{self, AeadInOut, KeyInit};
use ccm::consts::{U4, U8, U12, U13, U16};
use cmac::Mac;
use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use sha2::Digest;

/// The RustCrypto provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

type Ccm<T, N> = ccm::Ccm<Aes128, T, N>;

/// An AES-128-CCM key with its tag and nonce sizes (tags 4, 8 or 16 bytes,
/// nonces 12 or 13 bytes: the sizes ZigBee, DLMS-over-CCM users and the
/// Digital Envelope need).
#[allow(clippy::large_enum_variant)] // every variant holds one AES key schedule
pub enum RcCcm {
    /// 4-byte tag, 13-byte nonce (ZigBee MIC-32).
    T4N13(Ccm<U4, U13>),
    /// 8-byte tag, 13-byte nonce (ZigBee MIC-64, Digital Envelope).
    T8N13(Ccm<U8, U13>),
    /// 16-byte tag, 13-byte nonce (ZigBee MIC-128).
    T16N13(Ccm<U16, U13>),
    /// 4-byte tag, 12-byte nonce.
    T4N12(Ccm<U4, U12>),
    /// 8-byte tag, 12-byte nonce.
    T8N12(Ccm<U8, U12>),
    /// 16-byte tag, 12-byte nonce.
    T16N12(Ccm<U16, U12>),
}

/// An AES-GCM key with its tag size (12 bytes for DLMS, 16 for the rest).
pub enum RcGcm {
    /// AES-128-GCM, 12-byte tag (DLMS security suites 0 and 1).
    Aes128T12(aes_gcm::AesGcm<Aes128, U12, U12>),
    /// AES-128-GCM, 16-byte tag.
    Aes128T16(aes_gcm::AesGcm<Aes128, U12, U16>),
    /// AES-256-GCM, 12-byte tag (DLMS security suite 2).
    Aes256T12(aes_gcm::AesGcm<Aes256, U12, U12>),
    /// AES-256-GCM, 16-byte tag.
    Aes256T16(aes_gcm::AesGcm<Aes256, U12, U16>),
}

fn seal<A: AeadInOut>(
    a: &A,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag_out: &mut [u8],
) -> Result<(), CryptoError> {
    let nonce = aead::Nonce::<A>::try_from(nonce).map_err(|_| CryptoError::InvalidLength)?;
    let tag = a
        .encrypt_inout_detached(&nonce, aad, buf.into())
        .map_err(|_| CryptoError::InvalidLength)?;
    if tag_out.len() != tag.len() {
        return Err(CryptoError::InvalidLength);
    }
    tag_out.copy_from_slice(&tag);
    Ok(())
}

fn open<A: AeadInOut>(
    a: &A,
    nonce: &[u8],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> Result<(), CryptoError> {
    let nonce = aead::Nonce::<A>::try_from(nonce).map_err(|_| CryptoError::InvalidLength)?;
    let tag = aead::Tag::<A>::try_from(tag).map_err(|_| CryptoError::InvalidLength)?;
    a.decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
        .map_err(|_| CryptoError::TagMismatch)
        .inspect_err(|_| buf.fill(0))
}

macro_rules! dispatch_aead {
    ($ty:ident { $($var:ident => $tag:expr),* $(,)? }) => {
        impl Aead for $ty {
            fn tag_len(&self) -> usize {
                match self { $($ty::$var(_) => $tag,)* }
            }
            fn seal_in_place_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag: &mut [u8]) -> Result<(), CryptoError> {
                match self { $($ty::$var(a) => seal(a, nonce, aad, buf, tag),)* }
            }
            fn open_in_place_detached(&self, nonce: &[u8], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> Result<(), CryptoError> {
                match self { $($ty::$var(a) => open(a, nonce, aad, buf, tag),)* }
            }
        }
    };
}

dispatch_aead!(RcCcm { T4N13 => 4, T8N13 => 8, T16N13 => 16, T4N12 => 4, T8N12 => 8, T16N12 => 16 });
dispatch_aead!(RcGcm { Aes128T12 => 12, Aes128T16 => 16, Aes256T12 => 12, Aes256T16 => 16 });

impl core::fmt::Debug for RcCcm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "RcCcm(tag {}, ..)", self.tag_len())
    }
}

impl core::fmt::Debug for RcGcm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "RcGcm(tag {}, ..)", self.tag_len())
    }
}

fn key_init<K: KeyInit>(key: &[u8]) -> Result<K, CryptoError> {
    K::new_from_slice(key).map_err(|_| CryptoError::InvalidKey)
}

/// Generates the ECDSA/ECDH methods of one curve.
macro_rules! curve_methods {
    (
        $curve:ident, $scalar:literal, $sig:literal, $public:expr, $hash:ident,
        $signing_key:ident, $generate:ident, $private_scalar:ident, $public_key:ident,
        $verifying_key:ident, $sign_prehash:ident, $verify_prehash:ident, $ecdh:ident
    ) => {
        fn $signing_key(
            &self,
            scalar: &[u8; $scalar],
        ) -> Result<$curve::ecdsa::SigningKey, CryptoError> {
            $curve::ecdsa::SigningKey::from_slice(scalar).map_err(|_| CryptoError::InvalidKey)
        }

        fn $generate<R: rand_core::CryptoRng + ?Sized>(
            &self,
            rng: &mut R,
        ) -> $curve::ecdsa::SigningKey {
            <$curve::ecdsa::SigningKey as ecdsa::elliptic_curve::Generate>::generate_from_rng(rng)
        }

        fn $private_scalar(&self, key: &$curve::ecdsa::SigningKey) -> SecretBytes<$scalar> {
            let mut out = [0u8; $scalar];
            out.copy_from_slice(&key.to_bytes());
            SecretBytes::new(out)
        }

        fn $public_key(&self, key: &$curve::ecdsa::SigningKey) -> [u8; $public] {
            let point = key.verifying_key().to_sec1_point(false);
            let mut out = [0u8; $public];
            if let Some(dst) = out.get_mut(..point.as_bytes().len()) {
                dst.copy_from_slice(point.as_bytes());
            }
            out
        }

        fn $verifying_key(&self, sec1: &[u8]) -> Result<$curve::ecdsa::VerifyingKey, CryptoError> {
            $curve::ecdsa::VerifyingKey::from_sec1_bytes(sec1)
                .map_err(|_| CryptoError::InvalidPublicKey)
        }

        fn $sign_prehash(
            &self,
            key: &$curve::ecdsa::SigningKey,
            digest: &[u8; $scalar],
        ) -> Result<[u8; $sig], CryptoError> {
            let sig: $curve::ecdsa::Signature = key
                .sign_prehash(digest)
                .map_err(|_| CryptoError::InvalidKey)?;
            let mut out = [0u8; $sig];
            out.copy_from_slice(&sig.to_bytes());
            Ok(out)
        }

        fn $verify_prehash(
            &self,
            key: &$curve::ecdsa::VerifyingKey,
            digest: &[u8; $scalar],
            signature: &[u8; $sig],
        ) -> Result<(), CryptoError> {
            let sig = $curve::ecdsa::Signature::from_slice(signature)
                .map_err(|_| CryptoError::InvalidSignature)?;
            key.verify_prehash(digest, &sig)
                .map_err(|_| CryptoError::InvalidSignature)
        }

        fn $ecdh(
            &self,
            key: &$curve::ecdsa::SigningKey,
            peer: &$curve::ecdsa::VerifyingKey,
        ) -> SecretBytes<$scalar> {
            let shared = $curve::ecdh::diffie_hellman(key.as_nonzero_scalar(), peer.as_affine());
            let mut out = [0u8; $scalar];
            out.copy_from_slice(shared.raw_secret_bytes());
            SecretBytes::new(out)
        }
    };
}

impl CryptoProvider for RustCrypto {
    type Ccm = RcCcm;
    type Gcm = RcGcm;
    type P256SigningKey = p256::ecdsa::SigningKey;
    type P256VerifyingKey = p256::ecdsa::VerifyingKey;
    type P384SigningKey = p384::ecdsa::SigningKey;
    type P384VerifyingKey = p384::ecdsa::VerifyingKey;

    fn aes128_ccm(
        &self,
        key: &[u8; 16],
        tag_len: usize,
        nonce_len: usize,
    ) -> Result<RcCcm, CryptoError> {
        Ok(match (tag_len, nonce_len) {
            (4, 13) => RcCcm::T4N13(key_init(key)?),
            (8, 13) => RcCcm::T8N13(key_init(key)?),
            (16, 13) => RcCcm::T16N13(key_init(key)?),
            (4, 12) => RcCcm::T4N12(key_init(key)?),
            (8, 12) => RcCcm::T8N12(key_init(key)?),
            (16, 12) => RcCcm::T16N12(key_init(key)?),
            _ => return Err(CryptoError::InvalidLength),
        })
    }

    fn aes_gcm(&self, key: &[u8], tag_len: usize) -> Result<RcGcm, CryptoError> {
        Ok(match (key.len(), tag_len) {
            (16, 12) => RcGcm::Aes128T12(key_init(key)?),
            (16, 16) => RcGcm::Aes128T16(key_init(key)?),
            (32, 12) => RcGcm::Aes256T12(key_init(key)?),
            (32, 16) => RcGcm::Aes256T16(key_init(key)?),
            (16 | 32, _) => return Err(CryptoError::InvalidLength),
            _ => return Err(CryptoError::InvalidKey),
        })
    }

    fn aes128_cmac(&self, key: &[u8; 16], parts: &[&[u8]]) -> [u8; 16] {
        let mut mac = <cmac::Cmac<Aes128> as KeyInit>::new(&(*key).into());
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    fn aes_key_wrap(&self, kek: &[u8], key: &[u8], out: &mut [u8]) -> Result<usize, CryptoError> {
        // RFC 3394 2.2.1: at least two 64-bit blocks of key data.
        if key.len() < 16 || !key.len().is_multiple_of(8) {
            return Err(CryptoError::InvalidLength);
        }
        let wrapped = match kek.len() {
            16 => key_init::<aes_kw::KwAes128>(kek)?.wrap_key(key, out),
            32 => key_init::<aes_kw::KwAes256>(kek)?.wrap_key(key, out),
            _ => return Err(CryptoError::InvalidKey),
        };
        wrapped
            .map(<[u8]>::len)
            .map_err(|_| CryptoError::InvalidLength)
    }

    fn aes_key_unwrap(
        &self,
        kek: &[u8],
        wrapped: &[u8],
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) || out.len() < wrapped.len() - 8 {
            return Err(CryptoError::InvalidLength);
        }
        let key = match kek.len() {
            16 => key_init::<aes_kw::KwAes128>(kek)?.unwrap_key(wrapped, out),
            32 => key_init::<aes_kw::KwAes256>(kek)?.unwrap_key(wrapped, out),
            _ => return Err(CryptoError::InvalidKey),
        };
        key.map(<[u8]>::len).map_err(|e| match e {
            aes_kw::Error::IntegrityCheckFailed => CryptoError::TagMismatch,
            _ => CryptoError::InvalidLength,
        })
    }

    fn sha256(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut h = sha2::Sha256::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }

    fn sha384(&self, parts: &[&[u8]]) -> [u8; 48] {
        let mut h = sha2::Sha384::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }

    curve_methods!(
        p256,
        32,
        64,
        P256_PUBLIC_LEN,
        sha256,
        p256_signing_key,
        p256_generate,
        p256_private_scalar,
        p256_public_key,
        p256_verifying_key,
        p256_sign_prehash,
        p256_verify_prehash,
        p256_ecdh
    );

    curve_methods!(
        p384,
        48,
        96,
        P384_PUBLIC_LEN,
        sha384,
        p384_signing_key,
        p384_generate,
        p384_private_scalar,
        p384_public_key,
        p384_verifying_key,
        p384_sign_prehash,
        p384_verify_prehash,
        p384_ecdh
    );
}
