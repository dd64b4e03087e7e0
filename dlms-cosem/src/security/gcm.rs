//! AES-GCM ciphering of DLMS APDUs (IEC 62056-5-3 ed. 3 clause 5.7.5,
//! Green Book ed. 9 clause 9.2.7.2.4): the initialization vector is the
//! sender's 8-byte system title followed by the 4-byte invocation counter;
//! the additional authenticated data starts with the security control
//! byte and the authentication key; tags are 12 bytes in every suite.
//!
//! | mode (bits 5,4) | AAD | GCM input | payload on the wire |
//! |---|---|---|---|
//! | authenticated only (01) | SC ‖ AK ‖ plaintext | empty | plaintext ‖ tag |
//! | encrypted only (10) | none | plaintext | ciphertext (no tag) |
//! | both (11) | SC ‖ AK | plaintext | ciphertext ‖ tag |
//!
//! The plain and ciphered forms live in caller buffers; nothing is
//! allocated. Decryption without tag verification is a separately named
//! call, [`decrypt_unverified`], that the verifying path never reaches.

use crate::apdu::SecurityControl;
use crate::security::{SecurityError, SecurityKey, SecuritySuite};
use dual_protocol_primitives::crypto::{Aead, CryptoProvider, SecretBytes};

/// Authentication tag length in bytes (all suites).
pub const TAG_LEN: usize = 12;

/// Longest HLS challenge (Green Book: 8 to 64 bytes).
pub const MAX_CHALLENGE_LEN: usize = 64;

/// The GCM initialization vector: system title ‖ invocation counter.
#[must_use]
pub fn iv(system_title: &[u8; 8], invocation_counter: u32) -> [u8; 12] {
    let mut iv = [0u8; 12];
    let (st, ic) = iv.split_at_mut(8);
    st.copy_from_slice(system_title);
    ic.copy_from_slice(&invocation_counter.to_be_bytes());
    iv
}

/// The suite a security control byte names, with the key length checked.
fn suite_of(sc: SecurityControl, ek: &SecurityKey) -> Result<SecuritySuite, SecurityError> {
    let suite = SecuritySuite::from_id(sc.suite_id())
        .ok_or(SecurityError::UnknownSuite { id: sc.suite_id() })?;
    if ek.len() != suite.key_len() {
        return Err(SecurityError::Crypto(
            dual_protocol_primitives::crypto::CryptoError::InvalidKey,
        ));
    }
    Ok(suite)
}

/// Bytes `out` must hold for [`encipher`] or [`decipher`] of a
/// `plain_len`-byte APDU: the payload, or for authenticated-only the AAD
/// `SC ‖ AK ‖ plaintext` built in place, whichever is larger.
#[must_use]
pub fn work_len(sc: SecurityControl, key_len: usize, plain_len: usize) -> usize {
    match (sc.authenticated(), sc.encrypted()) {
        (true, false) => (1 + key_len + plain_len).max(plain_len + TAG_LEN),
        (true, true) => plain_len + TAG_LEN,
        _ => plain_len,
    }
}

fn need(out: &[u8], needed: usize) -> Result<(), SecurityError> {
    if out.len() < needed {
        Err(SecurityError::BufferTooSmall { needed })
    } else {
        Ok(())
    }
}

/// `SC ‖ AK`, the start of the additional authenticated data of every
/// authenticated APDU. A [`SecurityContext`](crate::security::SecurityContext)
/// builds it once for its policy, not once per APDU. It holds the
/// authentication key: zeroized on drop, never printed.
#[derive(Clone)]
pub struct AadHead {
    bytes: SecretBytes<33>,
    len: usize,
}

impl core::fmt::Debug for AadHead {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AadHead(sc 0x{:02x}, ..)", self.security_control().0)
    }
}

impl AadHead {
    /// `sc ‖ ak` (`ak` at most 32 bytes; may be empty).
    ///
    /// # Errors
    /// [`SecurityError::Crypto`] with `InvalidKey` for a longer `ak`.
    pub fn new(sc: SecurityControl, ak: &[u8]) -> Result<Self, SecurityError> {
        if ak.len() > 32 {
            return Err(SecurityError::Crypto(
                dual_protocol_primitives::crypto::CryptoError::InvalidKey,
            ));
        }
        let mut b = [0u8; 33];
        let (h, k) = b.split_at_mut(1);
        h.fill(sc.0);
        for (d, s) in k.iter_mut().zip(ak) {
            *d = *s;
        }
        let head = Self {
            bytes: SecretBytes::new(b),
            len: 1 + ak.len(),
        };
        b.fill(0);
        core::hint::black_box(&b);
        Ok(head)
    }

    /// The security control byte.
    #[must_use]
    pub fn security_control(&self) -> SecurityControl {
        SecurityControl(self.bytes.expose().first().copied().unwrap_or(0))
    }

    fn as_bytes(&self) -> &[u8] {
        self.bytes.expose().get(..self.len).unwrap_or(&[])
    }

    fn ak_len(&self) -> usize {
        self.len - 1
    }

    /// The authentication key's length (for [`work_len`]).
    pub(crate) fn security_control_ak_len(&self) -> usize {
        self.ak_len()
    }
}

/// Copies `head ‖ data` to the front of `out`, returning its length.
fn build_aad(out: &mut [u8], head: &AadHead, data: &[u8]) -> Result<usize, SecurityError> {
    let h = head.as_bytes();
    let n = h.len() + data.len();
    need(out, n)?;
    let (a, rest) = out.split_at_mut(h.len());
    a.copy_from_slice(h);
    rest.get_mut(..data.len())
        .ok_or(SecurityError::BufferTooSmall { needed: n })?
        .copy_from_slice(data);
    Ok(n)
}

/// Protects `plain` as the security control byte says and writes the
/// payload (ciphertext or plaintext, then the tag if authenticated) into
/// `out`, which must hold [`work_len`] bytes. Returns the payload length.
///
/// # Errors
/// [`SecurityError::BufferTooSmall`], [`SecurityError::UnknownSuite`],
/// [`SecurityError::Downgrade`] when neither bit is set, or a crypto error.
#[allow(clippy::too_many_arguments)] // The GCM inputs of clause 5.7.5, each needed.
pub fn encipher<P: CryptoProvider>(
    provider: &P,
    ek: &SecurityKey,
    ak: &SecurityKey,
    sc: SecurityControl,
    system_title: &[u8; 8],
    invocation_counter: u32,
    plain: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    suite_of(sc, ek)?;
    need(out, work_len(sc, ek.len(), plain.len()))?;
    let gcm = provider.aes_gcm(ek.expose(), TAG_LEN)?;
    encipher_with(&gcm, ak, sc, system_title, invocation_counter, plain, out)
}

/// [`encipher`] with an AES-GCM object keyed once (the context's hot path:
/// no key schedule per APDU). The caller has checked the suite.
///
/// # Errors
/// As [`encipher`].
pub fn encipher_with<A: Aead>(
    gcm: &A,
    ak: &SecurityKey,
    sc: SecurityControl,
    system_title: &[u8; 8],
    invocation_counter: u32,
    plain: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    seal_payload(
        gcm,
        ak.expose(),
        sc,
        system_title,
        invocation_counter,
        plain,
        out,
    )
}

/// [`encipher_with`] with the authentication key as bytes, which may be
/// empty (GBCS and general-ciphering with an agreed key put only the
/// security control byte in the additional data).
///
/// # Errors
/// As [`encipher`].
pub fn seal_payload<A: Aead>(
    gcm: &A,
    ak: &[u8],
    sc: SecurityControl,
    system_title: &[u8; 8],
    invocation_counter: u32,
    plain: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    let head = AadHead::new(sc, ak)?;
    seal_with_head(gcm, &head, system_title, invocation_counter, plain, out)
}

/// [`seal_payload`] with `SC ‖ AK` built beforehand (the security control
/// is the head's).
///
/// # Errors
/// As [`encipher`].
pub fn seal_with_head<A: Aead>(
    gcm: &A,
    head: &AadHead,
    system_title: &[u8; 8],
    invocation_counter: u32,
    plain: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    let sc = head.security_control();
    need(out, work_len(sc, head.ak_len(), plain.len()))?;
    let iv = iv(system_title, invocation_counter);
    let mut tag = [0u8; TAG_LEN];
    let n = plain.len();
    match (sc.authenticated(), sc.encrypted()) {
        (true, true) => {
            let (body, rest) = out.split_at_mut(n);
            body.copy_from_slice(plain);
            gcm.seal_in_place_detached(&iv, head.as_bytes(), body, &mut tag)?;
            rest.get_mut(..TAG_LEN)
                .ok_or(SecurityError::BufferTooSmall {
                    needed: n + TAG_LEN,
                })?
                .copy_from_slice(&tag);
            Ok(n + TAG_LEN)
        }
        (false, true) => {
            let body = out
                .get_mut(..n)
                .ok_or(SecurityError::BufferTooSmall { needed: n })?;
            body.copy_from_slice(plain);
            gcm.seal_in_place_detached(&iv, &[], body, &mut tag)?;
            Ok(n)
        }
        (true, false) => {
            let a = build_aad(out, head, plain)?;
            gcm.seal_in_place_detached(&iv, out.get(..a).unwrap_or(&[]), &mut [], &mut tag)?;
            let (body, rest) = out.split_at_mut(n);
            body.copy_from_slice(plain);
            rest.get_mut(..TAG_LEN)
                .ok_or(SecurityError::BufferTooSmall {
                    needed: n + TAG_LEN,
                })?
                .copy_from_slice(&tag);
            Ok(n + TAG_LEN)
        }
        (false, false) => Err(SecurityError::Downgrade {
            received: sc.0,
            required: 0x10,
        }),
    }
}

/// Verifies (when authenticated) and decrypts (when encrypted) a payload
/// into `out`, returning the plaintext. No plaintext is released unless the
/// tag verifies (the tag is checked in constant time by the provider).
///
/// # Errors
/// [`SecurityError::TagMismatch`], [`SecurityError::Decode`]-free length
/// errors as [`SecurityError::BufferTooSmall`] or a truncated payload as
/// [`SecurityError::TagMismatch`], [`SecurityError::UnknownSuite`], and
/// [`SecurityError::Downgrade`] when neither bit is set.
#[allow(clippy::too_many_arguments)] // The GCM inputs of clause 5.7.5, each needed.
pub fn decipher<'o, P: CryptoProvider>(
    provider: &P,
    ek: &SecurityKey,
    ak: &SecurityKey,
    sc: SecurityControl,
    system_title: &[u8; 8],
    invocation_counter: u32,
    payload: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8], SecurityError> {
    suite_of(sc, ek)?;
    let gcm = provider.aes_gcm(ek.expose(), TAG_LEN)?;
    decipher_with(&gcm, ak, sc, system_title, invocation_counter, payload, out)
}

/// [`decipher`] with an AES-GCM object keyed once. The caller has checked
/// the suite.
///
/// # Errors
/// As [`decipher`].
pub fn decipher_with<'o, A: Aead>(
    gcm: &A,
    ak: &SecurityKey,
    sc: SecurityControl,
    system_title: &[u8; 8],
    invocation_counter: u32,
    payload: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8], SecurityError> {
    open_payload(
        gcm,
        ak.expose(),
        sc,
        system_title,
        invocation_counter,
        payload,
        out,
    )
}

/// [`decipher_with`] with the authentication key as bytes, which may be
/// empty (see [`seal_payload`]).
///
/// # Errors
/// As [`decipher`].
pub fn open_payload<'o, A: Aead>(
    gcm: &A,
    ak: &[u8],
    sc: SecurityControl,
    system_title: &[u8; 8],
    invocation_counter: u32,
    payload: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8], SecurityError> {
    let head = AadHead::new(sc, ak)?;
    open_with_head(gcm, &head, system_title, invocation_counter, payload, out)
}

/// [`open_payload`] with `SC ‖ AK` built beforehand (the security control
/// is the head's: the caller has checked that it is the APDU's).
///
/// # Errors
/// As [`decipher`].
pub fn open_with_head<'o, A: Aead>(
    gcm: &A,
    head: &AadHead,
    system_title: &[u8; 8],
    invocation_counter: u32,
    payload: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8], SecurityError> {
    let sc = head.security_control();
    let iv = iv(system_title, invocation_counter);
    match (sc.authenticated(), sc.encrypted()) {
        (true, enc) => {
            let n = payload
                .len()
                .checked_sub(TAG_LEN)
                .ok_or(SecurityError::TagMismatch)?;
            let (body_in, tag) = payload.split_at(n);
            if enc {
                need(out, n)?;
                let (body, _) = out.split_at_mut(n);
                body.copy_from_slice(body_in);
                gcm.open_in_place_detached(&iv, head.as_bytes(), body, tag)?;
                Ok(body)
            } else {
                let a = build_aad(out, head, body_in)?;
                let (aad, _) = out.split_at_mut(a);
                gcm.open_in_place_detached(&iv, aad, &mut [], tag)?;
                Ok(aad.get(1 + head.ak_len()..).unwrap_or(&[]))
            }
        }
        (false, true) => ctr(gcm, &iv, payload, out),
        (false, false) => Err(SecurityError::Downgrade {
            received: sc.0,
            required: 0x10,
        }),
    }
}

/// GCTR alone: GCM's keystream is independent of the AAD and the tag, so
/// sealing the ciphertext yields the plaintext; the tag is thrown away.
fn ctr<'o, A: Aead>(
    gcm: &A,
    iv: &[u8; 12],
    data: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8], SecurityError> {
    let body = out
        .get_mut(..data.len())
        .ok_or(SecurityError::BufferTooSmall { needed: data.len() })?;
    body.copy_from_slice(data);
    let mut tag = [0u8; TAG_LEN];
    gcm.seal_in_place_detached(iv, &[], body, &mut tag)?;
    Ok(body)
}

/// Decrypts an encrypted payload WITHOUT verifying its tag, for HAN ports
/// whose operator withholds the authentication key (the tag, if the
/// security control says there is one, is skipped). Nothing is
/// authenticated: the plaintext may be forged. Never reached from
/// [`decipher`] or [`SecurityContext::unprotect`](crate::security::SecurityContext::unprotect).
///
/// # Errors
/// [`SecurityError::Downgrade`] when the payload is not encrypted,
/// [`SecurityError::BufferTooSmall`], [`SecurityError::UnknownSuite`].
pub fn decrypt_unverified<'o, P: CryptoProvider>(
    provider: &P,
    ek: &SecurityKey,
    sc: SecurityControl,
    system_title: &[u8; 8],
    invocation_counter: u32,
    payload: &[u8],
    out: &'o mut [u8],
) -> Result<&'o [u8], SecurityError> {
    suite_of(sc, ek)?;
    if !sc.encrypted() {
        return Err(SecurityError::Downgrade {
            received: sc.0,
            required: 0x20,
        });
    }
    let body = if sc.authenticated() {
        payload
            .get(..payload.len().saturating_sub(TAG_LEN))
            .unwrap_or(&[])
    } else {
        payload
    };
    let gcm = provider.aes_gcm(ek.expose(), TAG_LEN)?;
    ctr(&gcm, &iv(system_title, invocation_counter), body, out)
}

/// HLS mechanism 5 (GMAC), Green Book ed. 9 clause 9.2.7.4: the reply to
/// a challenge is `SC ‖ IC ‖ GMAC` with `SC = 0x10 | suite`, IV = the
/// replier's system title ‖ IC, AAD = `SC ‖ AK ‖ challenge` and an empty
/// plaintext. Writes the 17 bytes into `out`.
///
/// # Errors
/// Challenge over [`MAX_CHALLENGE_LEN`] bytes as
/// [`SecurityError::BufferTooSmall`], or a crypto error.
#[allow(clippy::too_many_arguments)] // The GMAC inputs of clause 9.2.7.4, each needed.
pub fn hls_gmac<P: CryptoProvider>(
    provider: &P,
    suite: SecuritySuite,
    ek: &SecurityKey,
    ak: &SecurityKey,
    system_title: &[u8; 8],
    invocation_counter: u32,
    challenge: &[u8],
    out: &mut [u8; 5 + TAG_LEN],
) -> Result<(), SecurityError> {
    let sc = crate::security::security_control(suite, true, false);
    suite_of(sc, ek)?;
    let mut aad = [0u8; 1 + 32 + MAX_CHALLENGE_LEN];
    let a = build_aad(&mut aad, &AadHead::new(sc, ak.expose())?, challenge)?;
    let gcm = provider.aes_gcm(ek.expose(), TAG_LEN)?;
    let mut tag = [0u8; TAG_LEN];
    gcm.seal_in_place_detached(
        &iv(system_title, invocation_counter),
        aad.get(..a).unwrap_or(&[]),
        &mut [],
        &mut tag,
    )?;
    let (h, t) = out.split_at_mut(5);
    let (s, ic) = h.split_at_mut(1);
    s.fill(sc.0);
    ic.copy_from_slice(&invocation_counter.to_be_bytes());
    t.copy_from_slice(&tag);
    Ok(())
}

/// Verifies an HLS-GMAC reply (see [`hls_gmac`]) to `challenge` from the
/// peer whose system title is `system_title`; returns its invocation
/// counter (for the caller's replay check).
///
/// # Errors
/// [`SecurityError::TagMismatch`] for a wrong or malformed reply,
/// [`SecurityError::SuiteMismatch`] or [`SecurityError::Downgrade`] for a
/// security control other than `0x10 | suite`.
pub fn hls_gmac_verify<P: CryptoProvider>(
    provider: &P,
    suite: SecuritySuite,
    ek: &SecurityKey,
    ak: &SecurityKey,
    system_title: &[u8; 8],
    challenge: &[u8],
    reply: &[u8],
) -> Result<u32, SecurityError> {
    let (&sc, rest) = reply.split_first().ok_or(SecurityError::TagMismatch)?;
    let (ic, tag) = rest.split_at_checked(4).ok_or(SecurityError::TagMismatch)?;
    let sc = SecurityControl(sc);
    let want = crate::security::security_control(suite, true, false);
    if sc.suite_id() != suite.id() {
        return Err(SecurityError::SuiteMismatch {
            expected: suite.id(),
            received: sc.suite_id(),
        });
    }
    if sc != want {
        return Err(SecurityError::Downgrade {
            received: sc.0,
            required: want.0 & 0x30,
        });
    }
    if tag.len() != TAG_LEN {
        return Err(SecurityError::TagMismatch);
    }
    let ic = u32::from_be_bytes([
        *ic.first().unwrap_or(&0),
        *ic.get(1).unwrap_or(&0),
        *ic.get(2).unwrap_or(&0),
        *ic.get(3).unwrap_or(&0),
    ]);
    suite_of(sc, ek)?;
    let mut aad = [0u8; 1 + 32 + MAX_CHALLENGE_LEN];
    let a = build_aad(&mut aad, &AadHead::new(sc, ak.expose())?, challenge)?;
    let gcm = provider.aes_gcm(ek.expose(), TAG_LEN)?;
    gcm.open_in_place_detached(
        &iv(system_title, ic),
        aad.get(..a).unwrap_or(&[]),
        &mut [],
        tag,
    )?;
    Ok(ic)
}
