//! One peer's security state in an association (IEC 62056-5-3 ed. 3
//! clause 5.7, Green Book ed. 9 clause 9.2.7): the policy, both system
//! titles, the global and dedicated keys, an outgoing invocation counter
//! per key (each a [`CounterReservation`], so no IV is ever reused, even
//! across power loss) and a receive replay window per key.
//!
//! [`SecurityContext::protect`] turns a plain xDLMS APDU into its glo- or
//! ded- form, [`SecurityContext::protect_general`] into general-glo- or
//! general-ded-ciphering; [`SecurityContext::unprotect`] takes any of those
//! and checks, in order: the policy (suite and least protection), the
//! replay window, the tag; only then is the counter recorded and the
//! plaintext released. Every rejection is counted.

use crate::apdu::{
    Apdu, CipheredApdu, KeyInfo, KeyScope, ProtectedService, SecuredContent, SecurityControl,
};
use crate::axdr::{Decode, Reader, Writer, length_len};
use crate::security::gcm::{AadHead, open_with_head, seal_with_head, work_len};
use crate::security::general::{CipheringHeader, seal_with_key_info};
use crate::security::{SecurityError, SecurityKey, SecurityPolicy, TAG_LEN};
use core::fmt;
use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::replay::ReplayWindow;

/// Replay window size in 64-bit words (`64 * (WORDS - 1)` counters).
pub const REPLAY_WORDS: usize = 2;

/// A verified, decrypted APDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received<'o> {
    /// Which key protected it.
    pub scope: KeyScope,
    /// The security control byte received.
    pub security_control: SecurityControl,
    /// The sender's invocation counter.
    pub invocation_counter: u32,
    /// The plain xDLMS APDU.
    pub plaintext: &'o [u8],
}

/// One key's AES-GCM object (keyed once), outgoing counter and incoming
/// replay window.
struct KeyState<G> {
    gcm: G,
    send: CounterReservation,
    recv: ReplayWindow<REPLAY_WORDS>,
}

/// The security state for one peer, on the crypto provider `P`: the
/// encryption keys are held as `P`'s keyed AES-GCM objects (one key
/// schedule per key, not per APDU), the authentication key as a
/// [`SecurityKey`] (zeroized on drop). `Debug` prints no key material.
pub struct SecurityContext<P: CryptoProvider> {
    provider: P,
    policy: SecurityPolicy,
    own_title: [u8; 8],
    peer_title: Option<[u8; 8]>,
    ak: SecurityKey,
    /// `SC ‖ AK` for the policy's security control, built once.
    head: AadHead,
    global: KeyState<P::Gcm>,
    dedicated: Option<KeyState<P::Gcm>>,
    rejected: u32,
}

impl<P: CryptoProvider> fmt::Debug for SecurityContext<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityContext")
            .field("policy", &self.policy)
            .field("own_title", &self.own_title)
            .field("peer_title", &self.peer_title)
            .field("dedicated_key", &self.dedicated.is_some())
            .field("rejected", &self.rejected)
            .finish_non_exhaustive()
    }
}

fn keyed<P: CryptoProvider>(
    provider: &P,
    suite: crate::security::SecuritySuite,
    key: &SecurityKey,
) -> Result<P::Gcm, SecurityError> {
    if key.len() != suite.key_len() {
        return Err(SecurityError::Crypto(
            dual_protocol_primitives::crypto::CryptoError::InvalidKey,
        ));
    }
    Ok(provider.aes_gcm(key.expose(), TAG_LEN)?)
}

impl<P: CryptoProvider> SecurityContext<P> {
    /// A context with the global unicast encryption key `ek`, the
    /// authentication key `ak` and the outgoing counter `send` (resumed
    /// from its persisted mark; counters past `u32::MAX` are refused).
    ///
    /// # Errors
    /// [`SecurityError::Crypto`] when a key's length is not the suite's.
    pub fn new(
        provider: P,
        policy: SecurityPolicy,
        own_system_title: [u8; 8],
        ek: &SecurityKey,
        ak: SecurityKey,
        send: CounterReservation,
    ) -> Result<Self, SecurityError> {
        let gcm = keyed(&provider, policy.suite, ek)?;
        if ak.len() != policy.suite.key_len() {
            return Err(SecurityError::Crypto(
                dual_protocol_primitives::crypto::CryptoError::InvalidKey,
            ));
        }
        let head = AadHead::new(policy.security_control(), ak.expose())?;
        Ok(Self {
            provider,
            policy,
            own_title: own_system_title,
            peer_title: None,
            ak,
            head,
            global: KeyState {
                gcm,
                send,
                recv: ReplayWindow::default(),
            },
            dedicated: None,
            rejected: 0,
        })
    }

    /// Sets the peer's system title (learnt from the AARQ's calling-AP-title
    /// or the AARE's responding-AP-title).
    pub fn set_peer_system_title(&mut self, title: [u8; 8]) {
        self.peer_title = Some(title);
    }

    /// The peer's system title, once known.
    #[must_use]
    pub const fn peer_system_title(&self) -> Option<[u8; 8]> {
        self.peer_title
    }

    /// Our system title.
    #[must_use]
    pub const fn own_system_title(&self) -> [u8; 8] {
        self.own_title
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> SecurityPolicy {
        self.policy
    }

    /// Installs the association's dedicated key (from the InitiateRequest)
    /// with its own outgoing counter and a fresh replay window.
    ///
    /// # Errors
    /// [`SecurityError::Crypto`] when the key's length is not the suite's.
    pub fn set_dedicated_key(
        &mut self,
        key: &SecurityKey,
        send: CounterReservation,
    ) -> Result<(), SecurityError> {
        let gcm = keyed(&self.provider, self.policy.suite, key)?;
        self.dedicated = Some(KeyState {
            gcm,
            send,
            recv: ReplayWindow::default(),
        });
        Ok(())
    }

    /// Forgets the dedicated key (at release).
    pub fn clear_dedicated_key(&mut self) {
        self.dedicated = None;
    }

    /// APDUs rejected so far (policy, replay, tag).
    #[must_use]
    pub const fn rejected(&self) -> u32 {
        self.rejected
    }

    fn state(&mut self, scope: KeyScope) -> Result<&mut KeyState<P::Gcm>, SecurityError> {
        match scope {
            KeyScope::Global => Ok(&mut self.global),
            KeyScope::Dedicated => self.dedicated.as_mut().ok_or(SecurityError::NoDedicatedKey),
        }
    }

    /// Takes the next outgoing invocation counter of the key `scope` for a
    /// use outside this context's own APDUs, such as the HLS-GMAC reply
    /// `f(StoC) = SC ‖ IC ‖ GMAC(...)` (Green Book 9.2.7.4): the counter is
    /// reserved through the store like any other and never handed out again.
    ///
    /// # Errors
    /// [`SecurityError::NoDedicatedKey`], [`SecurityError::CounterExhausted`],
    /// [`SecurityError::CounterPersist`].
    pub fn next_invocation_counter<S: CounterStore>(
        &mut self,
        scope: KeyScope,
        store: &mut S,
    ) -> Result<u32, SecurityError> {
        self.next_counter(scope, store)
    }

    fn next_counter<S: CounterStore>(
        &mut self,
        scope: KeyScope,
        store: &mut S,
    ) -> Result<u32, SecurityError> {
        let ic = self.state(scope)?.send.next(store).map_err(|e| match e {
            CounterError::Exhausted => SecurityError::CounterExhausted,
            _ => SecurityError::CounterPersist,
        })?;
        u32::try_from(ic).map_err(|_| SecurityError::CounterExhausted)
    }

    /// Protects the plain xDLMS APDU `plain` as its glo- (global key) or
    /// ded- (dedicated key) form under the policy's security control, with
    /// the next invocation counter. Returns the bytes written to `out`.
    ///
    /// # Errors
    /// [`SecurityError::NotProtected`] when the APDU has no glo-/ded- form,
    /// [`SecurityError::NoDedicatedKey`], counter errors,
    /// [`SecurityError::BufferTooSmall`].
    pub fn protect<S: CounterStore>(
        &mut self,
        store: &mut S,
        scope: KeyScope,
        plain: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SecurityError> {
        let first = plain.first().copied().unwrap_or(0);
        let service = ProtectedService::from_plain_tag(first)
            .ok_or(SecurityError::NotProtected { tag: first })?;
        self.protect_with_header(store, scope, service.tag(scope), None, plain, out)
    }

    /// Protects any plain APDU as general-glo-ciphering (global key, tag
    /// 219) or general-ded-ciphering (dedicated key, tag 220), carrying our
    /// system title.
    ///
    /// # Errors
    /// As [`SecurityContext::protect`].
    pub fn protect_general<S: CounterStore>(
        &mut self,
        store: &mut S,
        scope: KeyScope,
        plain: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SecurityError> {
        let tag = if scope == KeyScope::Global { 219 } else { 220 };
        let title = self.own_title;
        self.protect_with_header(store, scope, tag, Some(&title), plain, out)
    }

    /// Protects any plain APDU as general-ciphering (tag 221) under the
    /// global unicast key (key-info identified-key 0) with the next
    /// invocation counter of that key and our system title as originator.
    /// For wrapped and agreed keys use
    /// [`general::seal_general_ciphering`](crate::security::general::seal_general_ciphering).
    ///
    /// # Errors
    /// As [`SecurityContext::protect`].
    #[allow(clippy::too_many_arguments)] // The general-ciphering fields, each the caller's.
    pub fn protect_general_ciphering<S: CounterStore>(
        &mut self,
        store: &mut S,
        transaction_id: &[u8],
        recipient_system_title: &[u8],
        date_time: &[u8],
        other_information: &[u8],
        plain: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SecurityError> {
        let ic = self.next_counter(KeyScope::Global, store)?;
        let header = CipheringHeader {
            transaction_id,
            originator_system_title: self.own_title,
            recipient_system_title,
            date_time,
            other_information,
            security_control: self.head.security_control(),
            invocation_counter: ic,
        };
        seal_with_key_info(
            &self.global.gcm,
            &self.head,
            &header,
            &KeyInfo::IdentifiedKey { key_id: 0 },
            plain,
            out,
        )
    }

    #[allow(clippy::too_many_arguments)] // Private: the two public forms differ in tag and title.
    fn protect_with_header<S: CounterStore>(
        &mut self,
        store: &mut S,
        scope: KeyScope,
        tag: u8,
        title: Option<&[u8; 8]>,
        plain: &[u8],
        out: &mut [u8],
    ) -> Result<usize, SecurityError> {
        let sc = self.policy.security_control();
        let payload_len = plain.len() + if sc.authenticated() { TAG_LEN } else { 0 };
        let content_len = 5 + payload_len;
        let header = 1 + title.map_or(0, |t| 1 + t.len()) + length_len(content_len) + 5;
        let work = work_len(sc, self.ak.len(), plain.len());
        if out.len() < header + work.max(payload_len) {
            return Err(SecurityError::BufferTooSmall {
                needed: header + work.max(payload_len),
            });
        }
        let ic = self.next_counter(scope, store)?;
        let (head, body) = out.split_at_mut(header);
        let mut w = Writer::new(head);
        let bts = |_| SecurityError::BufferTooSmall { needed: header };
        w.u8(tag).map_err(bts)?;
        if let Some(t) = title {
            w.octet_string(t).map_err(bts)?;
        }
        w.length(content_len).map_err(bts)?;
        w.u8(sc.0).map_err(bts)?;
        w.put(&ic.to_be_bytes()).map_err(bts)?;
        let own = self.own_title;
        let gcm = match scope {
            KeyScope::Global => &self.global.gcm,
            KeyScope::Dedicated => {
                &self
                    .dedicated
                    .as_ref()
                    .ok_or(SecurityError::NoDedicatedKey)?
                    .gcm
            }
        };
        let n = seal_with_head(gcm, &self.head, &own, ic, plain, body)?;
        Ok(header + n)
    }

    /// Checks and opens a protected APDU (glo-, ded-, general-glo- or
    /// general-ded-ciphering, or general-ciphering under the global unicast
    /// key, identified-key 0) into `out` (which needs the payload length,
    /// plus 33 bytes for authenticated-only APDUs).
    ///
    /// # Errors
    /// [`SecurityError::Decode`], [`SecurityError::NotProtected`],
    /// [`SecurityError::SystemTitle`], the policy's errors
    /// ([`SecurityError::Downgrade`], [`SecurityError::SuiteMismatch`],
    /// [`SecurityError::Compressed`]), [`SecurityError::Replay`],
    /// [`SecurityError::TagMismatch`], [`SecurityError::ServiceMismatch`].
    pub fn unprotect<'o>(
        &mut self,
        apdu: &[u8],
        out: &'o mut [u8],
    ) -> Result<Received<'o>, SecurityError> {
        let r = self.unprotect_inner(apdu, out);
        if r.is_err() {
            self.rejected = self.rejected.saturating_add(1);
        }
        r
    }

    fn unprotect_inner<'o>(
        &mut self,
        apdu: &[u8],
        out: &'o mut [u8],
    ) -> Result<Received<'o>, SecurityError> {
        let decoded = match apdu.first().copied().and_then(ProtectedService::from_tag) {
            // The hot path: a glo- or ded- service APDU, read directly.
            Some((scope, service)) => {
                let mut r = Reader::new(apdu);
                r.skip(1)?;
                let content = SecuredContent::read(&mut r)?;
                r.finish()?;
                Apdu::Ciphered(CipheredApdu {
                    scope,
                    service,
                    content,
                })
            }
            None => Apdu::decode(apdu)?,
        };
        let (scope, title, content, service) = match decoded {
            Apdu::Ciphered(c) => (c.scope, &[][..], c.content, Some(c.service)),
            Apdu::GeneralGloCiphering(g) => (KeyScope::Global, g.system_title, g.content, None),
            Apdu::GeneralDedCiphering(g) => (KeyScope::Dedicated, g.system_title, g.content, None),
            // general-ciphering under the global unicast key shares its
            // counter space and replay window with glo- APDUs.
            Apdu::GeneralCiphering(g) => match g.key_info {
                Some(KeyInfo::IdentifiedKey { key_id: 0 }) => {
                    (KeyScope::Global, g.originator_system_title, g.content, None)
                }
                _ => {
                    return Err(SecurityError::KeyInfo {
                        what: "not the global unicast key (open it with security::general)",
                    });
                }
            },
            other => return Err(SecurityError::NotProtected { tag: other.tag() }),
        };
        let title: [u8; 8] = if title.is_empty() {
            self.peer_title
                .ok_or(SecurityError::SystemTitle { len: 0 })?
        } else {
            title
                .try_into()
                .map_err(|_| SecurityError::SystemTitle { len: title.len() })?
        };
        let sc = content.security_control;
        self.policy.check(sc)?;
        let ic = content.invocation_counter;
        let state = match scope {
            KeyScope::Global => &mut self.global,
            KeyScope::Dedicated => self
                .dedicated
                .as_mut()
                .ok_or(SecurityError::NoDedicatedKey)?,
        };
        state.recv.check(u64::from(ic))?;
        let built;
        let head = if sc == self.head.security_control() {
            &self.head
        } else {
            built = AadHead::new(sc, self.ak.expose())?;
            &built
        };
        let plaintext = open_with_head(&state.gcm, head, &title, ic, content.payload, out)?;
        if let Some(s) = service {
            let found = plaintext.first().copied().unwrap_or(0);
            if found != s.plain_tag() {
                return Err(SecurityError::ServiceMismatch {
                    expected: s.plain_tag(),
                    found,
                });
            }
        }
        state.recv.update(u64::from(ic))?;
        Ok(Received {
            scope,
            security_control: sc,
            invocation_counter: ic,
            plaintext,
        })
    }
}
