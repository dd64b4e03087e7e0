//! The pairwise context of one peer: the key schedule (docs 5), the
//! sending counter (docs 5.5), the receive epochs with their replay windows
//! and integrity-limit counts (docs 5.4, 8), and protect / unprotect for
//! every mode (docs 6, 8.1).
//!
//! Sans-IO and heap-free: the caller looks a context up by the sender id of
//! a decoded header, passes the provider, the counter store and buffers;
//! nothing here reads a clock or a global RNG.

use core::fmt;

use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};
use dual_protocol_primitives::crypto::{Aead, CryptoError, CryptoProvider, SecretBytes};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::PayloadDescriptor;
use dual_protocol_primitives::replay::ReplayWindow;

use crate::certificate::{KeyUsage, VerifiedKey};
use crate::envelope::Envelope;
use crate::error::{CertificateError, EncodeError, KeyError, ProtectError, UnprotectError};
use crate::header::{Header, MAX_DATAGRAM, MAX_EPOCH, MAX_SEQUENCE, MessageType, Protection};
use crate::kdf::{self, IV_LEN};
use crate::{SIGNATURE_CONTEXT, SIGNATURE_LEN, TAG_LEN};

/// Failed tag checks per receive key before it is retired (docs 8.2).
pub const INTEGRITY_LIMIT: u32 = 1 << 16;
/// Epochs above the current receive epoch that are accepted (docs 5.4).
pub const MAX_EPOCH_AHEAD: u32 = 4;
/// Default counter reservation block (docs 5.5).
pub const DEFAULT_COUNTER_BLOCK: u64 = 1024;

/// One key generation: the derivation key and the responder randomness
/// of the key update that made it (zeros for the initial one).
struct Generation {
    derivation_key: SecretBytes<16>,
    responder_random: [u8; 16],
    first_epoch: u32,
}

/// A direction's AEAD key and common IV for one epoch.
struct TrafficKey<P: CryptoProvider> {
    aead: P::Ccm,
    iv: [u8; IV_LEN],
}

impl<P: CryptoProvider> TrafficKey<P> {
    fn derive(
        provider: &P,
        generation: &Generation,
        sender: Eui64,
        recipient: Eui64,
        epoch: u32,
    ) -> Result<Self, CryptoError> {
        let (key, iv) = kdf::expand_traffic(
            provider,
            &generation.derivation_key,
            sender,
            recipient,
            epoch,
            &generation.responder_random,
        );
        Ok(TrafficKey {
            aead: provider.aes128_ccm(key.expose(), TAG_LEN, IV_LEN)?,
            iv,
        })
    }
}

/// Receive state of one epoch.
struct RxEpoch<P: CryptoProvider, const W: usize> {
    epoch: u32,
    key: TrafficKey<P>,
    window: ReplayWindow<W>,
    failures: u32,
}

/// The replay window of one receive epoch, with its failed tag checks
/// (docs 8.1, 8.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EpochWindow<const W: usize> {
    /// The receive epoch.
    pub epoch: u32,
    /// Sequence numbers seen in it.
    pub window: ReplayWindow<W>,
    /// Failed tag checks under its key.
    pub failures: u32,
}

/// The anti-replay state of a context's receive side: what a receiver
/// persists so that a restart accepts no replay (docs 10.4). Keys are not
/// part of it; they follow from the pairwise secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReplayState<const W: usize> {
    /// The current receive epoch.
    pub current: EpochWindow<W>,
    /// The previous receive epoch, while its grace period lasts.
    pub previous: Option<EpochWindow<W>>,
}

/// Settings of a new context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerConfig {
    /// The sending counter's persisted mark (0 for a new pair; after a
    /// restart, the last mark the counter store holds). Docs 5.5.
    pub tx_mark: u64,
    /// Counter values reserved per persisted mark.
    pub counter_block: u64,
    /// The receive epoch to start in.
    pub rx_epoch: u32,
    /// Failed tag checks per key before it is retired (docs 8.2).
    pub integrity_limit: u32,
}

impl Default for PeerConfig {
    fn default() -> Self {
        PeerConfig {
            tx_mark: 0,
            counter_block: DEFAULT_COUNTER_BLOCK,
            rx_epoch: 0,
            integrity_limit: INTEGRITY_LIMIT,
        }
    }
}

/// What to send (docs 3, 6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outgoing<'a> {
    /// Message type.
    pub message_type: MessageType,
    /// Protection mode.
    pub protection: Protection,
    /// Payload descriptor (required for DATA).
    pub descriptor: Option<PayloadDescriptor>,
    /// Flag A (reliability layer).
    pub ack_requested: bool,
    /// The payload.
    pub payload: &'a [u8],
}

impl<'a> Outgoing<'a> {
    /// A DATA message.
    #[must_use]
    pub const fn data(
        protection: Protection,
        descriptor: PayloadDescriptor,
        payload: &'a [u8],
    ) -> Self {
        Outgoing {
            message_type: MessageType::Data,
            protection,
            descriptor: Some(descriptor),
            ack_requested: false,
            payload,
        }
    }

    /// Length of the datagram this message becomes.
    #[must_use]
    pub const fn datagram_len(&self) -> usize {
        crate::header::FIXED_HEADER_LEN
            + match &self.descriptor {
                Some(d) => d.encoded_len(),
                None => 0,
            }
            + self.payload.len()
            + self.protection.overhead()
    }
}

/// An authenticated datagram: the header and the plaintext payload
/// (decrypted in place in the caller's buffer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened<'b> {
    /// The header.
    pub header: Header,
    /// The payload.
    pub payload: &'b [u8],
    /// The verified signature, for signed modes (kept for non-repudiation).
    pub signature: Option<[u8; SIGNATURE_LEN]>,
    /// This datagram moved the receive epoch up (docs 5.4).
    pub epoch_advanced: bool,
}

/// The pairwise context of this party (`local`) and one peer. See the
/// module docs.
pub struct PeerContext<P: CryptoProvider, const W: usize = 2> {
    local: Eui64,
    peer: Eui64,
    generation: Generation,
    previous_generation: Option<Generation>,
    counter: CounterReservation,
    counter_block: u64,
    tx_floor: u32,
    tx_key: Option<(u32, TrafficKey<P>)>,
    rx_prev: Option<RxEpoch<P, W>>,
    rx_cur: RxEpoch<P, W>,
    ahead_key: Option<(u32, TrafficKey<P>)>,
    ahead_failures: [u32; MAX_EPOCH_AHEAD as usize],
    integrity_limit: u32,
    peer_signing_key: Option<P::P256VerifyingKey>,
}

impl<P: CryptoProvider, const W: usize> fmt::Debug for PeerContext<P, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerContext")
            .field("local", &self.local)
            .field("peer", &self.peer)
            .field("tx_epoch", &self.tx_epoch())
            .field("rx_epoch", &self.rx_cur.epoch)
            .finish_non_exhaustive()
    }
}

const SEQ_BITS: u32 = 40;

impl<P: CryptoProvider, const W: usize> PeerContext<P, W> {
    /// A context from the pairwise secret `z` (docs 5.1), for the initial
    /// key generation (salt and responder randomness zero, docs 5.2).
    pub fn new(
        provider: &P,
        local: Eui64,
        peer: Eui64,
        z: &SecretBytes<32>,
        config: PeerConfig,
    ) -> Result<Self, KeyError> {
        if local == peer {
            return Err(KeyError::SameIdentity);
        }
        if config.rx_epoch > MAX_EPOCH {
            return Err(KeyError::EpochOutOfRange(config.rx_epoch));
        }
        let generation = Generation {
            derivation_key: kdf::extract(provider, &[0u8; 16], &[z.expose()]),
            responder_random: [0u8; 16],
            first_epoch: 0,
        };
        let rx_key = TrafficKey::derive(provider, &generation, peer, local, config.rx_epoch)
            .map_err(KeyError::Crypto)?;
        Ok(PeerContext {
            local,
            peer,
            generation,
            previous_generation: None,
            counter: CounterReservation::resume(config.tx_mark, config.counter_block, u64::MAX),
            counter_block: config.counter_block,
            tx_floor: 0,
            tx_key: None,
            rx_prev: None,
            rx_cur: RxEpoch {
                epoch: config.rx_epoch,
                key: rx_key,
                window: ReplayWindow::new(),
                failures: 0,
            },
            ahead_key: None,
            ahead_failures: [0; MAX_EPOCH_AHEAD as usize],
            integrity_limit: config.integrity_limit.max(1),
            peer_signing_key: None,
        })
    }

    /// Static-static ECDH with the peer's verified key-agreement key (docs
    /// 5.1), then [`Self::new`]. A key whose certificate is not for key
    /// agreement is refused (`WrongKeyUsage`).
    pub fn from_key_agreement(
        provider: &P,
        local: Eui64,
        own_key_agreement: &P::P256SigningKey,
        peer: &VerifiedKey<P>,
        config: PeerConfig,
    ) -> Result<Self, KeyError> {
        if peer.usage != KeyUsage::KeyAgreement {
            return Err(KeyError::Certificate(CertificateError::WrongKeyUsage {
                expected: KeyUsage::KeyAgreement,
                found: peer.usage,
            }));
        }
        let z = provider.p256_ecdh(own_key_agreement, &peer.key);
        Self::new(provider, local, peer.subject, &z, config)
    }

    /// Sets the peer's verified signing key, used to verify signed modes.
    /// Its certificate must be for digital signature and name the peer.
    pub fn set_peer_signing_key(&mut self, key: &VerifiedKey<P>) -> Result<(), KeyError> {
        if key.usage != KeyUsage::DigitalSignature {
            return Err(KeyError::Certificate(CertificateError::WrongKeyUsage {
                expected: KeyUsage::DigitalSignature,
                found: key.usage,
            }));
        }
        if key.subject != self.peer {
            return Err(KeyError::Certificate(CertificateError::UnknownIssuer {
                serial: key.serial,
                issuer: key.subject,
            }));
        }
        self.peer_signing_key = Some(key.key.clone());
        Ok(())
    }

    /// This party's identifier.
    #[must_use]
    pub const fn local(&self) -> Eui64 {
        self.local
    }

    /// The peer's identifier.
    #[must_use]
    pub const fn peer(&self) -> Eui64 {
        self.peer
    }

    /// The epoch the next datagram will be sent in (docs 5.4).
    #[must_use]
    pub fn tx_epoch(&self) -> u32 {
        let counter_epoch = u32::try_from(self.counter.peek() >> SEQ_BITS).unwrap_or(u32::MAX);
        counter_epoch.max(self.tx_floor).max(self.rx_cur.epoch)
    }

    /// The current receive epoch.
    #[must_use]
    pub const fn rx_epoch(&self) -> u32 {
        self.rx_cur.epoch
    }

    /// The sending counter's mark covered by persisted reservations.
    #[must_use]
    pub const fn persisted_mark(&self) -> u64 {
        self.counter.persisted_mark()
    }

    /// Failed tag checks so far under the key of receive epoch `epoch`
    /// (`None` when that epoch is not tracked).
    #[must_use]
    pub fn failed_decryptions(&self, epoch: u32) -> Option<u32> {
        if epoch == self.rx_cur.epoch {
            return Some(self.rx_cur.failures);
        }
        if let Some(p) = self.rx_prev.as_ref().filter(|p| p.epoch == epoch) {
            return Some(p.failures);
        }
        let ahead = epoch.checked_sub(self.rx_cur.epoch)?.checked_sub(1)?;
        self.ahead_failures.get(ahead as usize).copied()
    }

    /// Moves the sending side to at least `epoch` (own policy: age,
    /// message count; docs 5.4). Never moves down.
    pub fn advance_tx_epoch(&mut self, epoch: u32) -> Result<(), KeyError> {
        if epoch > MAX_EPOCH {
            return Err(KeyError::EpochOutOfRange(epoch));
        }
        self.tx_floor = self.tx_floor.max(epoch);
        Ok(())
    }

    /// The receive side's anti-replay state, to persist (docs 10.4).
    #[must_use]
    pub fn replay_state(&self) -> ReplayState<W> {
        let snap = |r: &RxEpoch<P, W>| EpochWindow {
            epoch: r.epoch,
            window: r.window.clone(),
            failures: r.failures,
        };
        ReplayState {
            current: snap(&self.rx_cur),
            previous: self.rx_prev.as_ref().map(snap),
        }
    }

    /// Restores a persisted anti-replay state after a restart (docs 10.4):
    /// derives the keys of its epochs and forgets any epoch above the
    /// current one. The previous epoch must be below the current one.
    pub fn restore_replay_state(
        &mut self,
        provider: &P,
        state: &ReplayState<W>,
    ) -> Result<(), KeyError> {
        let cur = &state.current;
        if cur.epoch > MAX_EPOCH {
            return Err(KeyError::EpochOutOfRange(cur.epoch));
        }
        let rx = |e: &EpochWindow<W>| -> Result<RxEpoch<P, W>, KeyError> {
            Ok(RxEpoch {
                epoch: e.epoch,
                key: TrafficKey::derive(
                    provider,
                    self.generation_for(e.epoch),
                    self.peer,
                    self.local,
                    e.epoch,
                )
                .map_err(KeyError::Crypto)?,
                window: e.window.clone(),
                failures: e.failures,
            })
        };
        let prev = match &state.previous {
            Some(p) if p.epoch >= cur.epoch => return Err(KeyError::EpochOutOfRange(p.epoch)),
            Some(p) => Some(rx(p)?),
            None => None,
        };
        let current = rx(cur)?;
        self.rx_cur = current;
        self.rx_prev = prev;
        self.ahead_key = None;
        self.ahead_failures = [0; MAX_EPOCH_AHEAD as usize];
        Ok(())
    }

    /// Replaces the current receive epoch's window and forgets the previous
    /// epoch: the end of a re-synchronisation (docs 10.4).
    pub fn reset_receive_window(&mut self, window: ReplayWindow<W>) {
        self.rx_cur.window = window;
        self.rx_prev = None;
    }

    /// The highest counter `epoch << 40 | sequence` authenticated from the
    /// peer and recorded in a window, if any.
    #[must_use]
    pub fn highest_received(&self) -> Option<u64> {
        let of = |r: &RxEpoch<P, W>| {
            r.window
                .highest()
                .map(|s| (u64::from(r.epoch) << SEQ_BITS) | s)
        };
        of(&self.rx_cur).or_else(|| self.rx_prev.as_ref().and_then(of))
    }

    /// Never sends a counter below `floor` (`epoch << 40 | sequence`): for a
    /// peer that reports having seen counters up to `floor - 1` (docs 10.4).
    /// The counter never moves back; a floor beyond the persisted mark is
    /// persisted before use.
    pub fn advance_tx_counter(&mut self, floor: u64) {
        self.counter.advance_to(floor);
    }

    /// Forgets the previous receive epoch (end of its grace period, docs 5.4).
    pub fn retire_previous_epoch(&mut self) {
        self.rx_prev = None;
    }

    fn generation_for(&self, epoch: u32) -> &Generation {
        match &self.previous_generation {
            Some(prev) if epoch < self.generation.first_epoch => prev,
            _ => &self.generation,
        }
    }

    fn next_counter<S: CounterStore>(
        &mut self,
        store: &mut S,
    ) -> Result<u64, ProtectError<S::Error>> {
        let floor = u64::from(self.tx_floor.max(self.rx_cur.epoch)) << SEQ_BITS;
        if self.counter.peek() < floor {
            self.counter = CounterReservation::resume(floor, self.counter_block, u64::MAX);
        }
        self.counter.next(store).map_err(|e| match e {
            CounterError::Store(s) => ProtectError::Store(s),
            _ => ProtectError::EpochExhausted,
        })
    }

    /// Protects `msg` into `out` (docs 6); returns the datagram length.
    ///
    /// Checks everything that can fail for the caller's reasons (buffer,
    /// sizes, missing signing key) before taking a sequence number; then
    /// takes one from the persisted counter, so no nonce is ever reused.
    pub fn protect<S: CounterStore>(
        &mut self,
        provider: &P,
        store: &mut S,
        msg: &Outgoing<'_>,
        signer: Option<&P::P256SigningKey>,
        out: &mut [u8],
    ) -> Result<usize, ProtectError<S::Error>> {
        if msg.message_type == MessageType::Data && msg.descriptor.is_none() {
            return Err(ProtectError::MissingDescriptor);
        }
        if msg.message_type.must_be_signed() && !msg.protection.is_signed() {
            return Err(ProtectError::UnsignedKeyUpdate);
        }
        let signer = match (msg.protection.is_signed(), signer) {
            (true, None) => return Err(ProtectError::NoSigningKey),
            (true, Some(k)) => Some(k),
            (false, _) => None,
        };
        let len = msg.datagram_len();
        if len > MAX_DATAGRAM {
            return Err(EncodeError::TooLong { len }.into());
        }
        let out = out
            .get_mut(..len)
            .ok_or(EncodeError::BufferTooSmall { needed: len })?;
        if let Some(d) = &msg.descriptor {
            // Fail on an unencodable descriptor before consuming a counter.
            d.encode(&mut [0u8; 15]).map_err(EncodeError::Descriptor)?;
        }

        let c = self.next_counter(store)?;
        let epoch = u32::try_from(c >> SEQ_BITS).map_err(|_| ProtectError::EpochExhausted)?;
        let sequence = c & MAX_SEQUENCE;
        let header = Header {
            message_type: msg.message_type,
            protection: msg.protection,
            ack_requested: msg.ack_requested,
            reserved_flags: 0,
            sender: self.local,
            epoch,
            sequence,
            descriptor: msg.descriptor,
        };
        let hlen = header.encode(out)?;
        let (hdr, rest) = out.split_at_mut(hlen);
        let plen = msg.payload.len();
        let (payload, trailer) = rest.split_at_mut(plen.min(rest.len()));
        payload.copy_from_slice(msg.payload);
        if let Some(key) = signer {
            let digest = provider.sha256(&[SIGNATURE_CONTEXT, &self.peer.0, hdr, payload]);
            let sig = provider
                .p256_sign_prehash(key, &digest)
                .map_err(ProtectError::Crypto)?;
            trailer
                .get_mut(..SIGNATURE_LEN)
                .ok_or(EncodeError::BufferTooSmall { needed: len })?
                .copy_from_slice(&sig);
        }
        if msg.protection.is_aead() {
            if self.tx_key.as_ref().is_none_or(|(e, _)| *e != epoch) {
                let key = TrafficKey::derive(
                    provider,
                    self.generation_for(epoch),
                    self.local,
                    self.peer,
                    epoch,
                )
                .map_err(ProtectError::Crypto)?;
                self.tx_key = Some((epoch, key));
            }
            let Some((_, key)) = &self.tx_key else {
                return Err(ProtectError::Crypto(CryptoError::InvalidKey));
            };
            let nonce = kdf::nonce(&key.iv, self.local, sequence);
            let sealed_len = rest.len().saturating_sub(TAG_LEN);
            let (plain, tag) = rest.split_at_mut(sealed_len);
            key.aead
                .seal_in_place_detached(&nonce, hdr, plain, tag)
                .map_err(ProtectError::Crypto)?;
        }
        Ok(len)
    }

    /// Authenticates (and decrypts in place) one datagram from the peer,
    /// running the checks of docs 8.1 in order. On success the replay
    /// window is updated and the payload is returned as a slice of
    /// `datagram`. On any failure the window is unchanged.
    pub fn unprotect<'b>(
        &mut self,
        provider: &P,
        datagram: &'b mut [u8],
    ) -> Result<Opened<'b>, UnprotectError> {
        self.open(provider, datagram, true)
    }

    /// Like [`Self::unprotect`], but leaves the replay window and the
    /// receive epoch unchanged on success: for a receiver that must prove
    /// freshness before it accepts anything (docs 10.4, re-synchronisation).
    /// Failed tag checks still count towards the integrity limit.
    pub fn authenticate<'b>(
        &mut self,
        provider: &P,
        datagram: &'b mut [u8],
    ) -> Result<Opened<'b>, UnprotectError> {
        self.open(provider, datagram, false)
    }

    fn open<'b>(
        &mut self,
        provider: &P,
        datagram: &'b mut [u8],
        commit: bool,
    ) -> Result<Opened<'b>, UnprotectError> {
        // Steps 1 to 3.
        let (header, hlen, body_len) = {
            let env = Envelope::decode(datagram)?;
            (env.header, env.header_bytes.len(), env.body.len())
        };
        // Step 4.
        if header.sender != self.peer {
            return Err(UnprotectError::SenderMismatch {
                expected: self.peer,
                found: header.sender,
            });
        }
        // Step 5.
        let epoch = header.epoch;
        let slot = self.slot_for(epoch)?;
        // Step 6.
        let window_check = match slot {
            Slot::Previous => self
                .rx_prev
                .as_ref()
                .map(|r| r.window.check(header.sequence)),
            Slot::Current => Some(self.rx_cur.window.check(header.sequence)),
            Slot::Ahead(_) => Some(Ok(())),
        };
        if let Some(Err(e)) = window_check {
            return Err(UnprotectError::Replay(e));
        }
        // Step 7.
        if header.message_type.must_be_signed() && !header.protection.is_signed() {
            return Err(UnprotectError::UnsignedKeyUpdate);
        }
        if header.protection.is_signed() && self.peer_signing_key.is_none() {
            return Err(UnprotectError::NoSigningKey);
        }
        if let Slot::Ahead(_) = slot {
            self.ensure_ahead_key(provider, epoch)?;
        }

        let (hdr, rest) = datagram.split_at_mut(hlen);
        let (body, trailer) = rest.split_at_mut(body_len);
        // Step 8.
        if header.protection.is_aead() {
            let key = match slot {
                Slot::Previous => self.rx_prev.as_ref().map(|r| &r.key),
                Slot::Current => Some(&self.rx_cur.key),
                Slot::Ahead(_) => self.ahead_key.as_ref().map(|(_, k)| k),
            };
            let Some(key) = key else {
                return Err(UnprotectError::EpochOutOfRange {
                    epoch,
                    current: self.rx_cur.epoch,
                });
            };
            let nonce = kdf::nonce(&key.iv, header.sender, header.sequence);
            if key
                .aead
                .open_in_place_detached(&nonce, hdr, body, trailer)
                .is_err()
            {
                let key_retired = self.count_failure(provider, slot);
                return Err(UnprotectError::AuthenticationFailed { epoch, key_retired });
            }
        }
        // Step 9.
        let (payload, signature) = match header.protection {
            Protection::Aead => (&*body, None),
            Protection::Signed => (&*body, Some(trailer_signature(trailer))),
            Protection::SignedAead => {
                let split = body.len().saturating_sub(SIGNATURE_LEN);
                let (p, s) = body.split_at(split);
                (p, Some(trailer_signature(s)))
            }
        };
        if let (Some(sig), Some(vk)) = (&signature, &self.peer_signing_key) {
            let digest = provider.sha256(&[SIGNATURE_CONTEXT, &self.local.0, hdr, payload]);
            if provider.p256_verify_prehash(vk, &digest, sig).is_err() {
                body.fill(0);
                return Err(UnprotectError::BadSignature);
            }
        }
        // Step 10.
        let epoch_advanced = commit && self.accept(provider, slot, header.sequence);
        let payload_len = payload.len();
        let body: &'b [u8] = body;
        Ok(Opened {
            header,
            payload: body.get(..payload_len).unwrap_or_default(),
            signature,
            epoch_advanced,
        })
    }

    fn slot_for(&self, epoch: u32) -> Result<Slot, UnprotectError> {
        let current = self.rx_cur.epoch;
        let retired = UnprotectError::KeyRetired { epoch };
        if epoch == current {
            return if self.rx_cur.failures >= self.integrity_limit {
                Err(retired)
            } else {
                Ok(Slot::Current)
            };
        }
        if let Some(p) = self.rx_prev.as_ref().filter(|p| p.epoch == epoch) {
            return if p.failures >= self.integrity_limit {
                Err(retired)
            } else {
                Ok(Slot::Previous)
            };
        }
        if epoch > current && epoch - current <= MAX_EPOCH_AHEAD && epoch <= MAX_EPOCH {
            let i = (epoch - current - 1) as usize;
            return match self.ahead_failures.get(i) {
                Some(f) if *f >= self.integrity_limit => Err(retired),
                Some(_) => Ok(Slot::Ahead(i)),
                None => Err(UnprotectError::EpochOutOfRange { epoch, current }),
            };
        }
        Err(UnprotectError::EpochOutOfRange { epoch, current })
    }

    fn ensure_ahead_key(&mut self, provider: &P, epoch: u32) -> Result<(), UnprotectError> {
        if self.ahead_key.as_ref().is_some_and(|(e, _)| *e == epoch) {
            return Ok(());
        }
        let key = TrafficKey::derive(
            provider,
            self.generation_for(epoch),
            self.peer,
            self.local,
            epoch,
        )
        .map_err(|_| UnprotectError::EpochOutOfRange {
            epoch,
            current: self.rx_cur.epoch,
        })?;
        self.ahead_key = Some((epoch, key));
        Ok(())
    }

    /// Counts a failed tag check; returns true when it retired the key.
    fn count_failure(&mut self, provider: &P, slot: Slot) -> bool {
        let limit = self.integrity_limit;
        let failures = match slot {
            Slot::Previous => self.rx_prev.as_mut().map(|r| &mut r.failures),
            Slot::Current => Some(&mut self.rx_cur.failures),
            Slot::Ahead(i) => self.ahead_failures.get_mut(i),
        };
        let Some(f) = failures else { return false };
        *f = f.saturating_add(1);
        if *f < limit {
            return false;
        }
        // Retired (docs 8.2): our sending side moves above it; a retired
        // current epoch moves the receive side to the next one at once.
        let retired_epoch = match slot {
            Slot::Previous => self.rx_prev.as_ref().map_or(0, |r| r.epoch),
            Slot::Current => self.rx_cur.epoch,
            Slot::Ahead(i) => self.rx_cur.epoch.saturating_add(1 + i as u32),
        };
        self.tx_floor = self
            .tx_floor
            .max(retired_epoch.saturating_add(1).min(MAX_EPOCH));
        if let Slot::Current = slot {
            let mut next = self.rx_cur.epoch.saturating_add(1);
            while next <= MAX_EPOCH
                && self
                    .ahead_failures
                    .get((next - self.rx_cur.epoch - 1) as usize)
                    .is_some_and(|f| *f >= limit)
            {
                next += 1;
            }
            if next <= MAX_EPOCH {
                // Derivation failing here would leave the old (retired) key
                // current, which only rejects: never accepts a forgery.
                let _ = self.promote(provider, next);
            }
        }
        true
    }

    /// Makes `epoch` (> current) the current receive epoch; the old current
    /// becomes the previous one.
    fn promote(&mut self, provider: &P, epoch: u32) -> Result<(), CryptoError> {
        let shift = epoch - self.rx_cur.epoch;
        let key = match self.ahead_key.take() {
            Some((e, k)) if e == epoch => k,
            _ => TrafficKey::derive(
                provider,
                self.generation_for(epoch),
                self.peer,
                self.local,
                epoch,
            )?,
        };
        let failures = self
            .ahead_failures
            .get((shift - 1) as usize)
            .copied()
            .unwrap_or(0);
        let mut shifted = [0u32; MAX_EPOCH_AHEAD as usize];
        for (i, s) in shifted.iter_mut().enumerate() {
            *s = self
                .ahead_failures
                .get(i + shift as usize)
                .copied()
                .unwrap_or(0);
        }
        self.ahead_failures = shifted;
        let old = core::mem::replace(
            &mut self.rx_cur,
            RxEpoch {
                epoch,
                key,
                window: ReplayWindow::new(),
                failures,
            },
        );
        self.rx_prev = Some(old);
        Ok(())
    }

    /// Step 10: update the window, adopt an ahead epoch. Returns whether
    /// the receive epoch moved.
    fn accept(&mut self, provider: &P, slot: Slot, sequence: u64) -> bool {
        match slot {
            Slot::Previous => {
                if let Some(r) = self.rx_prev.as_mut() {
                    let _ = r.window.update(sequence);
                }
                false
            }
            Slot::Current => {
                let _ = self.rx_cur.window.update(sequence);
                false
            }
            Slot::Ahead(i) => {
                let epoch = self.rx_cur.epoch.saturating_add(1 + i as u32);
                if self.promote(provider, epoch).is_err() {
                    return false;
                }
                let _ = self.rx_cur.window.update(sequence);
                true
            }
        }
    }

    /// Installs a new key generation from a completed key update (docs 6.3):
    /// `K_DK' = CMAC(R_i, Z ‖ Z_eph)`, `R_r` in the context, used from
    /// `update.first_epoch` on. `z` is the static pairwise secret; `z_eph`
    /// the ephemeral one when both sides sent ephemeral keys.
    pub fn install_generation(
        &mut self,
        provider: &P,
        z: &SecretBytes<32>,
        z_eph: Option<&SecretBytes<32>>,
        update: &crate::key_update::KeyUpdate,
        ack: &crate::key_update::KeyUpdateAck,
    ) -> Result<(), KeyError> {
        if ack.first_epoch != update.first_epoch || ack.initiator_random != update.random {
            return Err(KeyError::KeyUpdateMismatch);
        }
        if update.ephemeral.is_some() != ack.ephemeral.is_some()
            || update.ephemeral.is_some() != z_eph.is_some()
        {
            return Err(KeyError::KeyUpdateMismatch);
        }
        let first = update.first_epoch;
        if first > MAX_EPOCH {
            return Err(KeyError::EpochOutOfRange(first));
        }
        if first <= self.tx_epoch().max(self.rx_cur.epoch) && first != 0 {
            return Err(KeyError::StaleKeyUpdate { first_epoch: first });
        }
        if first == 0 {
            return Err(KeyError::StaleKeyUpdate { first_epoch: first });
        }
        let derivation_key = match z_eph {
            Some(e) => kdf::extract(provider, &update.random, &[z.expose(), e.expose()]),
            None => kdf::extract(provider, &update.random, &[z.expose()]),
        };
        let old = core::mem::replace(
            &mut self.generation,
            Generation {
                derivation_key,
                responder_random: ack.responder_random,
                first_epoch: first,
            },
        );
        self.previous_generation = Some(old);
        self.tx_floor = self.tx_floor.max(first);
        self.tx_key = None;
        self.ahead_key = None;
        Ok(())
    }
}

fn trailer_signature(bytes: &[u8]) -> [u8; SIGNATURE_LEN] {
    let mut s = [0u8; SIGNATURE_LEN];
    for (d, b) in s.iter_mut().zip(bytes) {
        *d = *b;
    }
    s
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Previous,
    Current,
    Ahead(usize),
}
