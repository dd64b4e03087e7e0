//! general-ciphering with key-info (IEC 62056-5-3 ed. 3 clause 9.5 and the
//! Green Book, DLMS UA 1000-2 ed. 9, clause 9.2.3.4 on key transport and
//! key agreement, 9.2.7.2.4 on the general-ciphering APDU): the content
//! key of each APDU is named by its `key-info`:
//!
//! - **identified-key**: key-id 0 the global unicast encryption key, 1 the
//!   global broadcast encryption key;
//! - **wrapped-key**: kek-id 0 (the master key, KEK) and the content key
//!   wrapped with AES key wrap (RFC 3394) under it;
//! - **agreed-key**: key-parameters `0x01` = C(1e,1s) one-pass
//!   Diffie-Hellman (ECC CDH, NIST SP 800-56A rev. 2 clause 6.2.2.2), whose
//!   key-ciphered-data is the originator's ephemeral public key `x ‖ y`
//!   followed by its ECDSA signature `r ‖ s` made with the originator's
//!   static signing key; `0x02` = C(0e,2s) static unified model (clause
//!   6.3.2.2), whose key-ciphered-data is empty.
//!
//! An agreed key is derived with the single-step KDF ([`concat_kdf`]) of
//! the suite's hash (SHA-256 suite 1, SHA-384 suite 2) and
//! `OtherInfo = AlgorithmID ‖ PartyUInfo ‖ PartyVInfo`, where AlgorithmID
//! is the object identifier of the suite's AES-GCM
//! (`2.16.756.5.8.3.0` aes-gcm-128, `.1` aes-gcm-256; Green Book table of
//! cryptographic algorithm IDs), PartyUInfo is the originator's system
//! title and PartyVInfo the recipient's system title, preceded in
//! C(0e,2s) (where both keys are static) by the transaction-id as an
//! A-XDR octet string (length byte then value) so that each message gets
//! its own key; SuppPubInfo and SuppPrivInfo are empty. (GBCS fixes the
//! same layout for its C(0e,2s) messages, see [`crate::gbcs`].)
//!
//! The ciphered content is then protected as every other APDU
//! ([`seal_payload`](crate::security::gcm::seal_payload)): IV = originator system title ‖ invocation counter,
//! AAD = security control ‖ authentication key (the caller's `ak`, which
//! may be empty). Everything runs in caller buffers through the
//! [`CryptoProvider`]; nothing is allocated.

use crate::Apdu;
use crate::apdu::{GeneralCiphering, KeyInfo, SecurityControl};
use crate::axdr::{Decode, Encode, Writer, length_len};
use crate::security::gcm::{AadHead, open_payload, seal_with_head, work_len};
use crate::security::kdf::{KdfHash, concat_kdf};
use crate::security::signing::{SigningKey, VerifyingKey};
use crate::security::{SecurityError, SecurityKey, SecurityPolicy, SecuritySuite, TAG_LEN};
use dual_protocol_primitives::crypto::{Aead, CryptoError, CryptoProvider};

/// `key-parameters` of an agreed key (Green Book 9.2.3.4, key agreement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAgreementScheme {
    /// `0x01`: C(1e,1s) one-pass Diffie-Hellman, ephemeral-static ECDH.
    OnePassDiffieHellman,
    /// `0x02`: C(0e,2s) static unified model, static-static ECDH.
    StaticUnifiedModel,
}

impl KeyAgreementScheme {
    /// The key-parameters byte.
    #[must_use]
    pub const fn parameter(self) -> u8 {
        match self {
            Self::OnePassDiffieHellman => 0x01,
            Self::StaticUnifiedModel => 0x02,
        }
    }

    /// The scheme for a key-parameters octet string (one byte).
    #[must_use]
    pub fn from_parameters(p: &[u8]) -> Option<Self> {
        match p {
            [0x01] => Some(Self::OnePassDiffieHellman),
            [0x02] => Some(Self::StaticUnifiedModel),
            _ => None,
        }
    }
}

/// The AlgorithmID of the KDF's OtherInfo: the object identifier
/// `2.16.756.5.8.3.x` of the suite's AES-GCM in DER value form (x = 0
/// aes-gcm-128 for suites 0 and 1, 1 aes-gcm-256 for suite 2).
#[must_use]
pub const fn algorithm_id(suite: SecuritySuite) -> [u8; 7] {
    let x = match suite {
        SecuritySuite::Suite2 => 1,
        SecuritySuite::Suite0 | SecuritySuite::Suite1 => 0,
    };
    [0x60, 0x85, 0x74, 0x05, 0x08, 0x03, x]
}

/// The fields of a general-ciphering APDU chosen by its sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipheringHeader<'h> {
    /// transaction-id (GBCS: CRA flag and originator counter).
    pub transaction_id: &'h [u8],
    /// The sender's system title: the IV's first 8 bytes and PartyUInfo.
    pub originator_system_title: [u8; 8],
    /// The recipient's system title (8 bytes for an agreed key, else may
    /// be empty).
    pub recipient_system_title: &'h [u8],
    /// date-time (empty or 12 bytes).
    pub date_time: &'h [u8],
    /// other-information.
    pub other_information: &'h [u8],
    /// Security control (suite and protection).
    pub security_control: SecurityControl,
    /// Invocation counter (the IV's last 4 bytes).
    pub invocation_counter: u32,
}

/// The sender's content key and how the recipient finds it.
pub enum SendKey<'k, P: CryptoProvider> {
    /// identified-key: `key_id` 0 global unicast, 1 global broadcast key.
    Identified {
        /// 0 or 1.
        key_id: u8,
        /// The key it names.
        key: &'k SecurityKey,
    },
    /// wrapped-key: `key` wrapped under `kek` (kek-id 0, the master key).
    Wrapped {
        /// The key-encrypting key (16 or 32 bytes).
        kek: &'k SecurityKey,
        /// The content key sent.
        key: &'k SecurityKey,
    },
    /// agreed-key C(1e,1s): the ephemeral key pair of this message (fresh
    /// from the caller's RNG, used once), our static signing key that signs
    /// its public half, and the recipient's static key-agreement key.
    OnePass {
        /// Ephemeral private key (suite's curve).
        ephemeral: SigningKey<'k, P>,
        /// Our static signing key.
        signer: SigningKey<'k, P>,
        /// The recipient's static key-agreement public key.
        recipient: VerifyingKey<'k, P>,
    },
    /// agreed-key C(0e,2s): our and the recipient's static key-agreement
    /// keys; the transaction-id makes each message's key its own.
    StaticUnified {
        /// Our static key-agreement private key.
        own: SigningKey<'k, P>,
        /// The recipient's static key-agreement public key.
        recipient: VerifyingKey<'k, P>,
    },
}

/// The keys a recipient may use to find a general-ciphering content key;
/// each is optional, and a missing one is [`SecurityError::MissingKey`].
pub struct RecvKeys<'k, P: CryptoProvider> {
    /// identified-key 0.
    pub global_unicast: Option<&'k SecurityKey>,
    /// identified-key 1.
    pub global_broadcast: Option<&'k SecurityKey>,
    /// The master key (KEK) for wrapped keys.
    pub kek: Option<&'k SecurityKey>,
    /// Our static key-agreement private key (both schemes).
    pub own_agreement: Option<SigningKey<'k, P>>,
    /// The originator's static key-agreement public key (C(0e,2s)).
    pub peer_agreement: Option<VerifyingKey<'k, P>>,
    /// The originator's static signing public key, which signs the
    /// ephemeral key in C(1e,1s).
    pub peer_signing: Option<VerifyingKey<'k, P>>,
}

impl<P: CryptoProvider> Default for RecvKeys<'_, P> {
    fn default() -> Self {
        Self {
            global_unicast: None,
            global_broadcast: None,
            kek: None,
            own_agreement: None,
            peer_agreement: None,
            peer_signing: None,
        }
    }
}

/// A verified, decrypted general-ciphering APDU.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OpenedCiphering<'a, 'o> {
    /// The APDU's fields (titles, key-info, security header, ciphertext).
    pub apdu: GeneralCiphering<'a>,
    /// The plain APDU.
    pub plaintext: &'o [u8],
}

/// Longest key-ciphered-data: a P-384 public key and signature.
const MAX_KEY_DATA: usize = 96 + 96;

fn suite_of(sc: SecurityControl) -> Result<SecuritySuite, SecurityError> {
    SecuritySuite::from_id(sc.suite_id()).ok_or(SecurityError::UnknownSuite { id: sc.suite_id() })
}

fn title8(t: &[u8]) -> Result<&[u8; 8], SecurityError> {
    t.try_into()
        .map_err(|_| SecurityError::SystemTitle { len: t.len() })
}

const fn key_info_err(what: &'static str) -> SecurityError {
    SecurityError::KeyInfo { what }
}

/// ECDH then the KDF into `out` (the suite's key length).
#[allow(clippy::too_many_arguments)] // The inputs of SP 800-56A's scheme, each needed.
fn agree<P: CryptoProvider>(
    provider: &P,
    suite: SecuritySuite,
    private: &SigningKey<'_, P>,
    public: &VerifyingKey<'_, P>,
    originator: &[u8; 8],
    party_v_prefix: &[u8],
    transaction_id: &[u8],
    recipient: &[u8; 8],
    out: &mut [u8],
) -> Result<(), SecurityError> {
    let alg = algorithm_id(suite);
    let other: [&[u8]; 5] = [&alg, originator, party_v_prefix, transaction_id, recipient];
    let hash = KdfHash::for_suite(suite);
    match (suite, private, public) {
        (SecuritySuite::Suite1, SigningKey::P256(sk), VerifyingKey::P256(pk)) => {
            let z = provider.p256_ecdh(sk, pk);
            concat_kdf(provider, hash, z.expose(), &other, out)
        }
        (SecuritySuite::Suite2, SigningKey::P384(sk), VerifyingKey::P384(pk)) => {
            let z = provider.p384_ecdh(sk, pk);
            concat_kdf(provider, hash, z.expose(), &other, out)
        }
        (SecuritySuite::Suite0, ..) => Err(key_info_err("key agreement needs suite 1 or 2")),
        _ => Err(key_info_err("key's curve is not the suite's")),
    }
}

/// Derives an agreed content key (see the module docs) from `z`'s inputs:
/// our `private` key and the peer's `public` key, for the message from
/// `originator` to `recipient` with `transaction_id`.
///
/// # Errors
/// [`SecurityError::KeyInfo`] for suite 0 or a key on the wrong curve.
#[allow(clippy::too_many_arguments)] // The inputs of SP 800-56A's scheme, each needed.
pub fn agreed_key<P: CryptoProvider>(
    provider: &P,
    suite: SecuritySuite,
    scheme: KeyAgreementScheme,
    private: &SigningKey<'_, P>,
    public: &VerifyingKey<'_, P>,
    originator: &[u8; 8],
    transaction_id: &[u8],
    recipient: &[u8; 8],
) -> Result<SecurityKey, SecurityError> {
    let mut k = [0u8; 32];
    let n = suite.key_len();
    let len_byte = [u8::try_from(transaction_id.len()).unwrap_or(u8::MAX)];
    let (prefix, tid): (&[u8], &[u8]) = match scheme {
        KeyAgreementScheme::OnePassDiffieHellman => (&[], &[]),
        KeyAgreementScheme::StaticUnifiedModel => (&len_byte, transaction_id),
    };
    let r = agree(
        provider,
        suite,
        private,
        public,
        originator,
        prefix,
        tid,
        recipient,
        k.get_mut(..n).unwrap_or(&mut []),
    )
    .and_then(|()| SecurityKey::new(k.get(..n).unwrap_or(&[])));
    k.fill(0);
    core::hint::black_box(&k);
    r
}

/// The uncompressed public key `x ‖ y` of `key` into `out`; returns its
/// length (64 or 96).
fn public_xy<P: CryptoProvider>(provider: &P, key: &SigningKey<'_, P>, out: &mut [u8]) -> usize {
    match key {
        SigningKey::P256(k) => copy_tail(out, &provider.p256_public_key(k)),
        SigningKey::P384(k) => copy_tail(out, &provider.p384_public_key(k)),
    }
}

fn copy_tail(out: &mut [u8], sec1: &[u8]) -> usize {
    let xy = sec1.get(1..).unwrap_or(&[]);
    for (d, s) in out.iter_mut().zip(xy) {
        *d = *s;
    }
    xy.len()
}

/// `0x00 ‖ sig` so that [`copy_tail`] copies the 64 signature bytes.
fn prefixed(sig: &[u8; 64]) -> [u8; 65] {
    let mut p = [0u8; 65];
    for (d, s) in p.iter_mut().skip(1).zip(sig) {
        *d = *s;
    }
    p
}

fn sign_into<P: CryptoProvider>(
    provider: &P,
    key: &SigningKey<'_, P>,
    msg: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    let mut sig = [0u8; 96];
    let n = match key {
        SigningKey::P256(k) => copy_tail(&mut sig, &prefixed(&provider.p256_sign(k, msg)?)),
        SigningKey::P384(k) => {
            sig = provider.p384_sign(k, msg)?;
            96
        }
    };
    for (d, s) in out.iter_mut().zip(sig.get(..n).unwrap_or(&[])) {
        *d = *s;
    }
    Ok(n)
}

/// Protects `plain` as a general-ciphering APDU into `out` with the
/// content key and key-info `key` gives, and `header.security_control`
/// (whose suite must be the keys'). Returns the length written. The
/// invocation counter is the caller's: with an identified key it must come
/// from that key's counter (see
/// [`SecurityContext::protect_general_ciphering`](crate::security::SecurityContext::protect_general_ciphering)).
///
/// # Errors
/// [`SecurityError::BufferTooSmall`], [`SecurityError::UnknownSuite`],
/// [`SecurityError::KeyInfo`] (identified key-id other than 0/1, agreement
/// in suite 0, a key on the wrong curve), [`SecurityError::SystemTitle`]
/// (an agreed key needs an 8-byte recipient title), crypto errors.
pub fn seal_general_ciphering<P: CryptoProvider>(
    provider: &P,
    header: &CipheringHeader<'_>,
    key: &SendKey<'_, P>,
    ak: &[u8],
    plain: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    let sc = header.security_control;
    let suite = suite_of(sc)?;
    let mut key_data = [0u8; MAX_KEY_DATA];
    let mut params = [0u8; 1];
    let agreed;
    let (content_key, key_info): (&SecurityKey, KeyInfo<'_>) = match key {
        SendKey::Identified { key_id, key } => {
            if *key_id > 1 {
                return Err(key_info_err("identified key-id is not 0 or 1"));
            }
            (*key, KeyInfo::IdentifiedKey { key_id: *key_id })
        }
        SendKey::Wrapped { kek, key } => {
            let n = provider.aes_key_wrap(kek.expose(), key.expose(), &mut key_data)?;
            (
                *key,
                KeyInfo::WrappedKey {
                    kek_id: 0,
                    key_ciphered_data: key_data.get(..n).unwrap_or(&[]),
                },
            )
        }
        SendKey::OnePass {
            ephemeral,
            signer,
            recipient,
        } => {
            let recipient_title = title8(header.recipient_system_title)?;
            let (xy, sig) = key_data.split_at_mut(MAX_KEY_DATA / 2);
            let n = public_xy(provider, ephemeral, xy);
            let s = sign_into(provider, signer, xy.get(..n).unwrap_or(&[]), sig)?;
            // The ephemeral key and its signature, end to end.
            key_data.copy_within(MAX_KEY_DATA / 2..MAX_KEY_DATA / 2 + s, n);
            agreed = agreed_key(
                provider,
                suite,
                KeyAgreementScheme::OnePassDiffieHellman,
                ephemeral,
                recipient,
                &header.originator_system_title,
                header.transaction_id,
                recipient_title,
            )?;
            params[0] = KeyAgreementScheme::OnePassDiffieHellman.parameter();
            (
                &agreed,
                KeyInfo::AgreedKey {
                    key_parameters: &params,
                    key_ciphered_data: key_data.get(..n + s).unwrap_or(&[]),
                },
            )
        }
        SendKey::StaticUnified { own, recipient } => {
            let recipient_title = title8(header.recipient_system_title)?;
            agreed = agreed_key(
                provider,
                suite,
                KeyAgreementScheme::StaticUnifiedModel,
                own,
                recipient,
                &header.originator_system_title,
                header.transaction_id,
                recipient_title,
            )?;
            params[0] = KeyAgreementScheme::StaticUnifiedModel.parameter();
            (
                &agreed,
                KeyInfo::AgreedKey {
                    key_parameters: &params,
                    key_ciphered_data: &[],
                },
            )
        }
    };
    if content_key.len() != suite.key_len() {
        return Err(SecurityError::Crypto(CryptoError::InvalidKey));
    }
    let gcm = provider.aes_gcm(content_key.expose(), TAG_LEN)?;
    let head = AadHead::new(sc, ak)?;
    seal_with_key_info(&gcm, &head, header, &key_info, plain, out)
}

/// Writes a general-ciphering APDU with `key_info` and the payload sealed
/// by `gcm` (the content key) into `out`; `head` is `SC ‖ AK` and gives the
/// security control. Returns the length written.
pub(crate) fn seal_with_key_info<A: Aead>(
    gcm: &A,
    head: &AadHead,
    header: &CipheringHeader<'_>,
    key_info: &KeyInfo<'_>,
    plain: &[u8],
    out: &mut [u8],
) -> Result<usize, SecurityError> {
    let sc = head.security_control();
    let payload_len = plain.len() + if sc.authenticated() { TAG_LEN } else { 0 };
    let content_len = 5 + payload_len;
    let fields = [
        header.transaction_id,
        &header.originator_system_title,
        header.recipient_system_title,
        header.date_time,
        header.other_information,
    ];
    let key_info = Some(*key_info);
    let head_len = 1
        + fields
            .iter()
            .map(|f| length_len(f.len()) + f.len())
            .sum::<usize>()
        + key_info.encoded_len()
        + length_len(content_len)
        + 5;
    let work = work_len(sc, head.security_control_ak_len(), plain.len()).max(payload_len);
    let needed = head_len + work;
    if out.len() < needed {
        return Err(SecurityError::BufferTooSmall { needed });
    }
    let (h, body) = out.split_at_mut(head_len);
    let mut w = Writer::new(h);
    let bts = |_| SecurityError::BufferTooSmall { needed };
    w.u8(221).map_err(bts)?;
    for f in fields {
        w.octet_string(f).map_err(bts)?;
    }
    key_info.write(&mut w).map_err(bts)?;
    w.length(content_len).map_err(bts)?;
    w.u8(sc.0).map_err(bts)?;
    w.put(&header.invocation_counter.to_be_bytes())
        .map_err(bts)?;
    let n = seal_with_head(
        gcm,
        head,
        &header.originator_system_title,
        header.invocation_counter,
        plain,
        body,
    )?;
    Ok(head_len + n)
}

/// The content key a received general-ciphering APDU names, found with
/// `keys`: an identified key, an unwrapped key, or an agreed key (after
/// checking, in C(1e,1s), the ephemeral key's signature).
///
/// # Errors
/// [`SecurityError::KeyInfo`] (no key-info, unknown key-id, kek-id or key
/// parameters, malformed key-ciphered-data), [`SecurityError::MissingKey`],
/// [`SecurityError::BadSignature`] (the ephemeral key's signature),
/// [`SecurityError::TagMismatch`] (a wrapped key that does not unwrap),
/// [`SecurityError::SystemTitle`], crypto errors.
pub fn content_key<P: CryptoProvider>(
    provider: &P,
    keys: &RecvKeys<'_, P>,
    apdu: &GeneralCiphering<'_>,
) -> Result<SecurityKey, SecurityError> {
    let suite = suite_of(apdu.content.security_control)?;
    let missing = |what| SecurityError::MissingKey { what };
    match apdu.key_info {
        None => Err(key_info_err("absent")),
        Some(KeyInfo::IdentifiedKey { key_id: 0 }) => keys
            .global_unicast
            .cloned()
            .ok_or(missing("global unicast encryption key")),
        Some(KeyInfo::IdentifiedKey { key_id: 1 }) => keys
            .global_broadcast
            .cloned()
            .ok_or(missing("global broadcast encryption key")),
        Some(KeyInfo::IdentifiedKey { .. }) => Err(key_info_err("unknown identified key-id")),
        Some(KeyInfo::WrappedKey {
            kek_id: 0,
            key_ciphered_data,
        }) => {
            let kek = keys.kek.ok_or(missing("master key (KEK)"))?;
            if key_ciphered_data.len() != suite.key_len() + 8 {
                return Err(key_info_err("wrapped key length is not the suite's"));
            }
            let mut k = [0u8; 32];
            let r = provider
                .aes_key_unwrap(kek.expose(), key_ciphered_data, &mut k)
                .map_err(SecurityError::from)
                .and_then(|n| SecurityKey::new(k.get(..n).unwrap_or(&[])));
            k.fill(0);
            core::hint::black_box(&k);
            r
        }
        Some(KeyInfo::WrappedKey { .. }) => Err(key_info_err("unknown kek-id")),
        Some(KeyInfo::AgreedKey {
            key_parameters,
            key_ciphered_data,
        }) => {
            let scheme = KeyAgreementScheme::from_parameters(key_parameters)
                .ok_or(key_info_err("unknown key-parameters"))?;
            let originator = title8(apdu.originator_system_title)?;
            let recipient = title8(apdu.recipient_system_title)?;
            let own = keys
                .own_agreement
                .as_ref()
                .ok_or(missing("own key-agreement private key"))?;
            match scheme {
                KeyAgreementScheme::StaticUnifiedModel => {
                    if !key_ciphered_data.is_empty() {
                        return Err(key_info_err("C(0e,2s) key-ciphered-data is not empty"));
                    }
                    let peer = keys
                        .peer_agreement
                        .as_ref()
                        .ok_or(missing("originator's key-agreement public key"))?;
                    agreed_key(
                        provider,
                        suite,
                        scheme,
                        own,
                        peer,
                        originator,
                        apdu.transaction_id,
                        recipient,
                    )
                }
                KeyAgreementScheme::OnePassDiffieHellman => {
                    let signer = keys
                        .peer_signing
                        .as_ref()
                        .ok_or(missing("originator's signing public key"))?;
                    one_pass_receive(
                        provider,
                        suite,
                        own,
                        signer,
                        key_ciphered_data,
                        originator,
                        recipient,
                    )
                }
            }
        }
    }
}

/// C(1e,1s) on the recipient's side: check the ephemeral key's signature,
/// then agree with it.
fn one_pass_receive<P: CryptoProvider>(
    provider: &P,
    suite: SecuritySuite,
    own: &SigningKey<'_, P>,
    signer: &VerifyingKey<'_, P>,
    data: &[u8],
    originator: &[u8; 8],
    recipient: &[u8; 8],
) -> Result<SecurityKey, SecurityError> {
    let half = match suite {
        SecuritySuite::Suite1 => 64,
        SecuritySuite::Suite2 => 96,
        SecuritySuite::Suite0 => return Err(key_info_err("key agreement needs suite 1 or 2")),
    };
    if data.len() != 2 * half {
        return Err(key_info_err(
            "C(1e,1s) key-ciphered-data is not a public key and its signature",
        ));
    }
    let (xy, sig) = data.split_at(half);
    let mut sec1 = [0x04u8; 97];
    for (d, s) in sec1.iter_mut().skip(1).zip(xy) {
        *d = *s;
    }
    let sec1 = sec1.get(..1 + half).unwrap_or(&[]);
    let bad = |e: CryptoError| match e {
        CryptoError::InvalidSignature => SecurityError::BadSignature,
        e => SecurityError::Crypto(e),
    };
    let scheme = KeyAgreementScheme::OnePassDiffieHellman;
    match (signer, own) {
        (VerifyingKey::P256(s), SigningKey::P256(_)) => {
            let sig: &[u8; 64] = sig.try_into().map_err(|_| SecurityError::BadSignature)?;
            provider.p256_verify(s, xy, sig).map_err(bad)?;
            let eph = provider.p256_verifying_key(sec1)?;
            agreed_key(
                provider,
                suite,
                scheme,
                own,
                &VerifyingKey::P256(&eph),
                originator,
                &[],
                recipient,
            )
        }
        (VerifyingKey::P384(s), SigningKey::P384(_)) => {
            let sig: &[u8; 96] = sig.try_into().map_err(|_| SecurityError::BadSignature)?;
            provider.p384_verify(s, xy, sig).map_err(bad)?;
            let eph = provider.p384_verifying_key(sec1)?;
            agreed_key(
                provider,
                suite,
                scheme,
                own,
                &VerifyingKey::P384(&eph),
                originator,
                &[],
                recipient,
            )
        }
        _ => Err(key_info_err("key's curve is not the suite's")),
    }
}

/// Checks and opens a general-ciphering APDU: decode, the policy (suite and
/// least protection), the content key ([`content_key`]), then the tag; the
/// plaintext is released only if it verifies. `ak` is the authentication
/// key in the additional data (may be empty). Replay protection of the
/// transaction-id or invocation counter is the caller's (for GBCS,
/// [`crate::gbcs::AntiReplay`]).
///
/// # Errors
/// [`SecurityError::Decode`], [`SecurityError::NotProtected`] for another
/// APDU, the policy's errors, [`content_key`]'s errors,
/// [`SecurityError::TagMismatch`].
pub fn open_general_ciphering<'a, 'o, P: CryptoProvider>(
    provider: &P,
    policy: &SecurityPolicy,
    keys: &RecvKeys<'_, P>,
    ak: &[u8],
    apdu: &'a [u8],
    out: &'o mut [u8],
) -> Result<OpenedCiphering<'a, 'o>, SecurityError> {
    let g = match Apdu::decode(apdu)? {
        Apdu::GeneralCiphering(g) => g,
        other => return Err(SecurityError::NotProtected { tag: other.tag() }),
    };
    let sc = g.content.security_control;
    policy.check(sc)?;
    let title = *title8(g.originator_system_title)?;
    let key = content_key(provider, keys, &g)?;
    let gcm = provider.aes_gcm(key.expose(), TAG_LEN)?;
    let plaintext = open_payload(
        &gcm,
        ak,
        sc,
        &title,
        g.content.invocation_counter,
        g.content.payload,
        out,
    )?;
    Ok(OpenedCiphering { apdu: g, plaintext })
}
