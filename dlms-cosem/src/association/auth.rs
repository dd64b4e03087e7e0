//! Authentication of an application association (Green Book, DLMS UA
//! 1000-2 ed. 10, clause 9.2.2.2 "authentication mechanisms" and clause
//! 9.2.7.4; IEC 62056-5-3 ed. 3 clause 5.3.3).
//!
//! - LLS (mechanism 1): the client's password travels in the AARQ's
//!   `calling-authentication-value`; the server compares it in constant
//!   time ([`lls_matches`]).
//! - HLS (mechanisms 5, 6, 7): four passes. Pass 1: the AARQ carries the
//!   client-to-server challenge CtoS; pass 2: the AARE carries StoC. Pass 3:
//!   the client sends `f(StoC)` as the parameter of `reply_to_HLS_authentication`
//!   (method 1) of the Association LN object (class 15, logical name
//!   configurable, usually `0.0.40.0.0.255`); pass 4: the server answers with
//!   `f(CtoS)` as the method's return data. Challenges are 8 to 64 bytes.
//!
//! | mech | client's `f(StoC)` | server's `f(CtoS)` |
//! |---|---|---|
//! | 5 GMAC | `SC ‖ IC ‖ GMAC(SC ‖ AK ‖ StoC)`, IV = ST-C ‖ IC | `SC ‖ IC ‖ GMAC(SC ‖ AK ‖ CtoS)`, IV = ST-S ‖ IC |
//! | 6 SHA-256 | `SHA-256(secret ‖ ST-C ‖ ST-S ‖ StoC ‖ CtoS)` | `SHA-256(secret ‖ ST-S ‖ ST-C ‖ CtoS ‖ StoC)` |
//! | 7 ECDSA | `ECDSA(ST-C ‖ ST-S ‖ StoC ‖ CtoS)` (client key) | `ECDSA(ST-S ‖ ST-C ‖ CtoS ‖ StoC)` (server key) |
//!
//! Both sides use one rule: the replier covers `own title ‖ peer title ‖
//! peer's challenge ‖ own challenge`. ECDSA uses P-256 with SHA-256 under
//! suite 1 and P-384 with SHA-384 under suite 2, signatures as plain `r ‖ s`.

use crate::Obis;
use crate::security::{SecurityError, SecurityKey, SecuritySuite, hls_gmac, hls_gmac_verify};
use dual_protocol_primitives::crypto::{CryptoError, CryptoProvider};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;

/// The Association LN object's usual logical name (Green Book 4.4.4).
pub const ASSOCIATION_LN: Obis = Obis::CURRENT_ASSOCIATION;
/// The Association LN interface class.
pub const ASSOCIATION_LN_CLASS: u16 = 15;
/// `reply_to_HLS_authentication` method of the Association LN class.
pub const REPLY_TO_HLS_METHOD: i8 = 1;
/// Shortest HLS challenge.
pub const MIN_CHALLENGE_LEN: usize = 8;
/// Longest HLS challenge.
pub const MAX_CHALLENGE_LEN: usize = 64;
/// Longest HLS reply (an ECDSA P-384 signature).
pub const MAX_REPLY_LEN: usize = 96;

/// Why an authentication step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The LLS password is wrong.
    #[error("wrong LLS password")]
    WrongPassword,
    /// The HLS reply does not verify.
    #[error("HLS reply does not verify")]
    WrongReply,
    /// A challenge is outside 8..=64 bytes.
    #[error("challenge of {len} byte(s) (8 to 64 allowed)")]
    ChallengeLength {
        /// The length found.
        len: usize,
    },
    /// The peer's system title (needed by mechanisms 5, 6, 7) is missing.
    #[error("peer system title missing")]
    NoPeerSystemTitle,
    /// The mechanism needs a security context (mechanism 5) or the suite
    /// does not fit the keys (mechanism 7).
    #[error("mechanism not usable with this configuration")]
    Configuration,
    /// The security layer failed (counter, key).
    #[error("security: {0}")]
    Security(SecurityError),
}

impl From<SecurityError> for AuthError {
    fn from(e: SecurityError) -> Self {
        match e {
            SecurityError::TagMismatch | SecurityError::Downgrade { .. } => Self::WrongReply,
            SecurityError::SuiteMismatch { .. } => Self::WrongReply,
            e => Self::Security(e),
        }
    }
}

/// An HLS challenge (8 to 64 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Challenge {
    bytes: [u8; MAX_CHALLENGE_LEN],
    len: u8,
}

impl core::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Challenge").field("len", &self.len).finish()
    }
}

impl Challenge {
    /// A fresh challenge of `len` bytes (clamped to 8..=64) from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> Self {
        let len = len.clamp(MIN_CHALLENGE_LEN, MAX_CHALLENGE_LEN);
        let mut bytes = [0u8; MAX_CHALLENGE_LEN];
        rng.fill_bytes(bytes.get_mut(..len).unwrap_or(&mut []));
        Self {
            bytes,
            len: len as u8,
        }
    }

    /// A received challenge.
    ///
    /// # Errors
    /// [`AuthError::ChallengeLength`] outside 8..=64 bytes.
    pub fn from_slice(c: &[u8]) -> Result<Self, AuthError> {
        if !(MIN_CHALLENGE_LEN..=MAX_CHALLENGE_LEN).contains(&c.len()) {
            return Err(AuthError::ChallengeLength { len: c.len() });
        }
        let mut bytes = [0u8; MAX_CHALLENGE_LEN];
        bytes
            .get_mut(..c.len())
            .ok_or(AuthError::ChallengeLength { len: c.len() })?
            .copy_from_slice(c);
        Ok(Self {
            bytes,
            len: c.len() as u8,
        })
    }

    /// The challenge bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// An HLS reply `f(challenge)` (up to 96 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HlsReply {
    bytes: [u8; MAX_REPLY_LEN],
    len: u8,
}

impl HlsReply {
    fn from_slice(b: &[u8]) -> Self {
        let mut bytes = [0u8; MAX_REPLY_LEN];
        let n = b.len().min(MAX_REPLY_LEN);
        for (d, s) in bytes.iter_mut().zip(b.iter().take(n)) {
            *d = *s;
        }
        Self {
            bytes,
            len: n as u8,
        }
    }

    /// The reply bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// The secret material of one side for an HLS mechanism.
pub enum HlsSecret<'k> {
    /// Mechanism 5 (GMAC) with the global unicast encryption key and the
    /// authentication key of `suite`. The invocation counter comes from the
    /// association's security context, so it never repeats.
    Gmac {
        /// The suite (key length).
        suite: SecuritySuite,
        /// Global unicast encryption key.
        ek: &'k SecurityKey,
        /// Authentication key.
        ak: &'k SecurityKey,
    },
    /// Mechanism 6 (SHA-256) with the shared HLS secret.
    Sha256 {
        /// The HLS secret.
        secret: &'k [u8],
    },
    /// Mechanism 7 (ECDSA): our signing key and the peer's verifying key
    /// (from its certificate, known beforehand) on P-256 ([`EcdsaP256`],
    /// suite 1) or P-384 ([`EcdsaP384`], suite 2). Behind a trait object so
    /// that a firmware without mechanism 7 links no elliptic-curve code.
    Ecdsa(&'k dyn EcdsaHls),
}

/// The signing and verifying half of HLS mechanism 7 for one curve.
pub trait EcdsaHls {
    /// Signs `message` with our key (plain `r ‖ s`).
    ///
    /// # Errors
    /// [`AuthError::Security`] when the provider refuses.
    fn sign(&self, message: &[u8]) -> Result<HlsReply, AuthError>;
    /// Verifies the peer's `r ‖ s` signature over `message`.
    ///
    /// # Errors
    /// [`AuthError::WrongReply`].
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), AuthError>;
}

/// Mechanism 7 keys on P-256 with SHA-256 (suite 1).
pub struct EcdsaP256<P: CryptoProvider> {
    /// The provider.
    pub provider: P,
    /// Our key.
    pub own: P::P256SigningKey,
    /// The peer's key.
    pub peer: P::P256VerifyingKey,
}

/// Mechanism 7 keys on P-384 with SHA-384 (suite 2).
pub struct EcdsaP384<P: CryptoProvider> {
    /// The provider.
    pub provider: P,
    /// Our key.
    pub own: P::P384SigningKey,
    /// The peer's key.
    pub peer: P::P384VerifyingKey,
}

impl<P: CryptoProvider> EcdsaHls for EcdsaP256<P> {
    fn sign(&self, message: &[u8]) -> Result<HlsReply, AuthError> {
        let sig = self
            .provider
            .p256_sign(&self.own, message)
            .map_err(|e| AuthError::Security(e.into()))?;
        Ok(HlsReply::from_slice(&sig))
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), AuthError> {
        let sig: &[u8; 64] = signature.try_into().map_err(|_| AuthError::WrongReply)?;
        self.provider
            .p256_verify(&self.peer, message, sig)
            .map_err(|_: CryptoError| AuthError::WrongReply)
    }
}

impl<P: CryptoProvider> EcdsaHls for EcdsaP384<P> {
    fn sign(&self, message: &[u8]) -> Result<HlsReply, AuthError> {
        let sig = self
            .provider
            .p384_sign(&self.own, message)
            .map_err(|e| AuthError::Security(e.into()))?;
        Ok(HlsReply::from_slice(&sig))
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), AuthError> {
        let sig: &[u8; 96] = signature.try_into().map_err(|_| AuthError::WrongReply)?;
        self.provider
            .p384_verify(&self.peer, message, sig)
            .map_err(|_: CryptoError| AuthError::WrongReply)
    }
}

impl HlsSecret<'_> {
    /// The mechanism id (5, 6 or 7).
    #[must_use]
    pub const fn mechanism(&self) -> crate::acse::AuthenticationMechanism {
        use crate::acse::AuthenticationMechanism as M;
        match self {
            Self::Gmac { .. } => M::HighGmac,
            Self::Sha256 { .. } => M::HighSha256,
            Self::Ecdsa(_) => M::HighEcdsa,
        }
    }
}

/// How one side authenticates an association.
pub enum Authentication<'k> {
    /// Lowest level: no authentication (mechanism 0).
    None,
    /// LLS (mechanism 1) with the password.
    Low {
        /// The password.
        password: &'k [u8],
    },
    /// HLS (mechanism 5, 6 or 7).
    High(HlsSecret<'k>),
}

impl Authentication<'_> {
    /// The mechanism id named in the AARQ.
    #[must_use]
    pub const fn mechanism(&self) -> crate::acse::AuthenticationMechanism {
        use crate::acse::AuthenticationMechanism as M;
        match self {
            Self::None => M::Lowest,
            Self::Low { .. } => M::Low,
            Self::High(h) => h.mechanism(),
        }
    }
}

impl core::fmt::Debug for Authentication<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Authentication({:?})", self.mechanism())
    }
}

/// Constant-time LLS password check (equal lengths compared in constant
/// time; the length itself is not secret).
#[must_use]
pub fn lls_matches(expected: &[u8], received: &[u8]) -> bool {
    expected.len() == received.len() && bool::from(expected.ct_eq(received))
}

/// The identities and challenges one HLS step needs.
#[derive(Clone, Copy, Debug)]
pub struct HlsExchange<'a> {
    /// Our system title.
    pub own_title: [u8; 8],
    /// The peer's system title.
    pub peer_title: [u8; 8],
    /// The challenge we sent.
    pub own_challenge: &'a [u8],
    /// The challenge the peer sent.
    pub peer_challenge: &'a [u8],
}

/// `ST-a ‖ ST-b ‖ challenge-x ‖ challenge-y` into `buf`.
fn transcript<'b>(
    buf: &'b mut [u8; 16 + 2 * MAX_CHALLENGE_LEN],
    a: &[u8; 8],
    b: &[u8; 8],
    x: &[u8],
    y: &[u8],
) -> Result<&'b [u8], AuthError> {
    let mut n = 0;
    for part in [&a[..], &b[..], x, y] {
        let end = n + part.len();
        buf.get_mut(n..end)
            .ok_or(AuthError::ChallengeLength { len: part.len() })?
            .copy_from_slice(part);
        n = end;
    }
    Ok(buf.get(..n).unwrap_or(&[]))
}

/// Computes our reply to the peer's challenge: `f(StoC)` on a client,
/// `f(CtoS)` on a server. `invocation_counter` is used by mechanism 5 only
/// (take it from the security context so it is never reused).
///
/// # Errors
/// [`AuthError::ChallengeLength`], [`AuthError::Security`] (key or crypto).
pub fn hls_reply<P: CryptoProvider>(
    provider: &P,
    secret: &HlsSecret<'_>,
    x: &HlsExchange<'_>,
    invocation_counter: u32,
) -> Result<HlsReply, AuthError> {
    Challenge::from_slice(x.peer_challenge)?;
    let mut t = [0u8; 16 + 2 * MAX_CHALLENGE_LEN];
    match secret {
        HlsSecret::Gmac { suite, ek, ak } => {
            let mut out = [0u8; 17];
            hls_gmac(
                provider,
                *suite,
                ek,
                ak,
                &x.own_title,
                invocation_counter,
                x.peer_challenge,
                &mut out,
            )?;
            Ok(HlsReply::from_slice(&out))
        }
        HlsSecret::Sha256 { secret } => {
            let m = transcript(
                &mut t,
                &x.own_title,
                &x.peer_title,
                x.peer_challenge,
                x.own_challenge,
            )?;
            Ok(HlsReply::from_slice(&provider.sha256(&[secret, m])))
        }
        HlsSecret::Ecdsa(keys) => {
            let m = transcript(
                &mut t,
                &x.own_title,
                &x.peer_title,
                x.peer_challenge,
                x.own_challenge,
            )?;
            keys.sign(m)
        }
    }
}

/// Verifies the peer's reply to our challenge (`f(CtoS)` on a client,
/// `f(StoC)` on a server). Comparisons are constant time (the GMAC tag by
/// the provider, the SHA-256 digest with `subtle`).
///
/// # Errors
/// [`AuthError::WrongReply`] when it does not verify.
pub fn hls_verify<P: CryptoProvider>(
    provider: &P,
    secret: &HlsSecret<'_>,
    x: &HlsExchange<'_>,
    reply: &[u8],
) -> Result<(), AuthError> {
    let mut t = [0u8; 16 + 2 * MAX_CHALLENGE_LEN];
    match secret {
        HlsSecret::Gmac { suite, ek, ak } => {
            hls_gmac_verify(
                provider,
                *suite,
                ek,
                ak,
                &x.peer_title,
                x.own_challenge,
                reply,
            )?;
            Ok(())
        }
        HlsSecret::Sha256 { secret } => {
            let m = transcript(
                &mut t,
                &x.peer_title,
                &x.own_title,
                x.own_challenge,
                x.peer_challenge,
            )?;
            let want = provider.sha256(&[secret, m]);
            if lls_matches(&want, reply) {
                Ok(())
            } else {
                Err(AuthError::WrongReply)
            }
        }
        HlsSecret::Ecdsa(keys) => {
            let m = transcript(
                &mut t,
                &x.peer_title,
                &x.own_title,
                x.own_challenge,
                x.peer_challenge,
            )?;
            keys.verify(m, reply)
        }
    }
}
