//! The joining device's side of trust-centre commissioning (ZigBee R22
//! §4.6.3.2, §4.6.3.6 to §4.6.3.8; BDB 3.0 §10.1): it accepts the network
//! key in a Transport Key secured under the key-transport key of its own
//! preconfigured link key, requests and verifies a fresh trust centre link
//! key (R21: Request Key, Transport Key, Verify Key, Confirm Key), takes a
//! new network key and switches to it on Switch Key.
//!
//! Sans-IO like [`super::trust_centre`]: [`Joiner::handle_aps`] with the
//! APS frame and the NWK source IEEE address, [`Joiner::poll_transmit`],
//! [`Joiner::poll_event`]. Every frame from the trust centre must be
//! APS-secured with this device's link key (key-transport key for
//! Transport Key, the link key for the rest), come from the trust centre's
//! address, and carry a frame counter above the last one accepted.
//! [`Joiner::record`] / [`Joiner::restore`] keep it across restarts.

use super::IncomingCounters;
use super::KeyIdentifier;
use super::install_code::{InstallCodeError, link_key_from_install_code};
use super::key_store::{
    CommandError, MAX_COMMAND_FRAME, Opened, SecretKey, open_command, opened_command, peek_secured,
    plain_command, seal_command,
};
use super::mmo::verify_key_hash;
use crate::aps::{ApsCommand, ApsStatus, KeyDescriptor, KeyType, UpdateDeviceStatus};
use crate::types::ShortAddr;
use dual_protocol_primitives::counter::{CounterReservation, CounterStore};
use dual_protocol_primitives::eui64::Eui64;
use heapless::{Deque, Vec};

/// What the joining device stores.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct JoinerRecord {
    /// This device's address.
    pub eui: Eui64,
    /// Its trust centre link key.
    pub link_key: SecretKey,
    /// The trust centre's address, once known.
    pub trust_centre: Option<Eui64>,
    /// The active network key and its sequence number.
    pub network: Option<(SecretKey, u8)>,
    /// A network key received but not yet switched to.
    pub pending_network: Option<(SecretKey, u8)>,
    /// Last APS frame counter accepted from the trust centre.
    pub last_counter: Option<u32>,
    /// Whether the link key was verified with the trust centre.
    pub verified: bool,
    /// Application link keys received from the trust centre, by partner
    /// (ZigBee R22 §4.4.5).
    #[cfg_attr(feature = "serde", serde(default))]
    pub app_keys: [Option<(Eui64, SecretKey)>; APP_KEYS],
}

/// Application link keys a joining device keeps.
pub const APP_KEYS: usize = 4;

/// Joining-device events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinerEvent {
    /// The network key arrived (authenticated under this device's key).
    NetworkKey {
        /// Its sequence number.
        sequence: u8,
        /// Whether it is active now (first key) or pending a Switch Key.
        active: bool,
    },
    /// A new trust centre link key arrived; Verify Key was queued.
    LinkKeyReceived,
    /// The trust centre confirmed the new link key; it is now in use.
    LinkKeyVerified,
    /// The network key was switched.
    KeySwitched {
        /// The new sequence number.
        sequence: u8,
    },
    /// An application link key with `partner` arrived (the oldest one is
    /// replaced when [`APP_KEYS`] are kept).
    ApplicationKey {
        /// The partner device.
        partner: Eui64,
    },
    /// The trust centre asked (this router) to remove a child.
    RemoveChild {
        /// The child.
        target: Eui64,
    },
    /// A frame was refused.
    Rejected {
        /// Why.
        reason: CommandError,
    },
}

/// Joiner operation errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinerError {
    /// The transmit queue is full.
    #[error("transmit queue full")]
    QueueFull,
    /// The outgoing counter is exhausted or not persisted.
    #[error("outgoing frame counter: exhausted or not persisted")]
    Counter,
    /// The trust centre is not known yet (no network key received).
    #[error("not joined")]
    NotJoined,
    /// Building a frame failed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The install code is invalid.
    #[error(transparent)]
    InstallCode(#[from] InstallCodeError),
}

/// The joining device.
#[derive(Debug)]
pub struct Joiner<const Q: usize = 4> {
    rec: JoinerRecord,
    pending_link: Option<SecretKey>,
    rejoining: bool,
    counter: CounterReservation,
    aps_counter: u8,
    tx: Deque<Vec<u8, MAX_COMMAND_FRAME>, Q>,
    events: Deque<JoinerEvent, 8>,
}

impl<const Q: usize> Joiner<Q> {
    /// A device with address `eui` and its preconfigured link key.
    #[must_use]
    pub fn new(eui: Eui64, link_key: [u8; 16]) -> Self {
        Self::restore(
            JoinerRecord {
                eui,
                link_key: SecretKey(link_key),
                trust_centre: None,
                network: None,
                pending_network: None,
                last_counter: None,
                verified: false,
                app_keys: Default::default(),
            },
            0,
        )
    }

    /// A device whose link key derives from its install code (with CRC).
    ///
    /// # Errors
    /// [`JoinerError::InstallCode`].
    pub fn from_install_code(eui: Eui64, code: &[u8]) -> Result<Self, JoinerError> {
        Ok(Self::new(eui, link_key_from_install_code(code)?))
    }

    /// Resumes from a stored record and the last counter mark persisted.
    #[must_use]
    pub fn restore(rec: JoinerRecord, counter_mark: u64) -> Self {
        Joiner {
            rec,
            pending_link: None,
            rejoining: false,
            counter: CounterReservation::resume(counter_mark, 16, u64::from(u32::MAX)),
            aps_counter: 0,
            tx: Deque::new(),
            events: Deque::new(),
        }
    }

    /// The record to store.
    #[must_use]
    pub fn record(&self) -> &JoinerRecord {
        &self.rec
    }

    /// The active network key and its sequence number.
    #[must_use]
    pub fn network_key(&self) -> Option<(&[u8; 16], u8)> {
        self.rec.network.as_ref().map(|(k, s)| (&k.0, *s))
    }

    /// The current trust centre link key.
    #[must_use]
    pub fn link_key(&self) -> &[u8; 16] {
        &self.rec.link_key.0
    }

    fn event(&mut self, e: JoinerEvent) {
        if self.events.is_full() {
            self.events.pop_front();
        }
        let _ = self.events.push_back(e);
    }

    /// Asks the trust centre for a fresh unique link key (R21 Request Key,
    /// ZigBee R22 §4.4.10.4), secured with the current link key.
    ///
    /// # Errors
    /// [`JoinerError`].
    pub fn request_link_key<S: CounterStore>(&mut self, store: &mut S) -> Result<(), JoinerError> {
        let cmd = ApsCommand::RequestKey {
            key_type: KeyType::TrustCenterLinkKey,
            partner: None,
        };
        self.send_secured(&cmd, store)
    }

    /// Takes up an unfinished link key update again (a frame of it was
    /// lost): with a new key received but not confirmed, Verify Key is sent
    /// again (the trust centre answers with Confirm Key again if it already
    /// took the key); otherwise a new Request Key.
    ///
    /// # Errors
    /// [`JoinerError`].
    pub fn retry_link_key_update<S: CounterStore>(
        &mut self,
        store: &mut S,
    ) -> Result<(), JoinerError> {
        let Some(p) = self.pending_link.clone() else {
            return self.request_link_key(store);
        };
        self.queue_verify_key(&p.0)
    }

    fn queue_verify_key(&mut self, key: &[u8; 16]) -> Result<(), JoinerError> {
        let hash = verify_key_hash(key);
        let cmd = ApsCommand::VerifyKey {
            key_type: KeyType::TrustCenterLinkKey,
            source: self.rec.eui,
            hash: &hash,
        };
        self.aps_counter = self.aps_counter.wrapping_add(1);
        let mut f = [0u8; MAX_COMMAND_FRAME];
        let n = plain_command(&cmd, self.aps_counter, &mut f)?;
        self.push(f.get(..n).unwrap_or_default())
    }

    /// Asks the trust centre for an application link key shared with
    /// `partner` (Request Key, key type 2, ZigBee R22 §4.4.10.4); both
    /// devices then receive it in a Transport Key.
    ///
    /// # Errors
    /// [`JoinerError`].
    pub fn request_application_key<S: CounterStore>(
        &mut self,
        partner: Eui64,
        store: &mut S,
    ) -> Result<(), JoinerError> {
        let cmd = ApsCommand::RequestKey {
            key_type: KeyType::ApplicationMasterKey,
            partner: Some(partner),
        };
        self.send_secured(&cmd, store)
    }

    /// A router reports a child's join, rejoin or departure to the trust
    /// centre (Update Device, ZigBee R22 §4.4.10.2), secured with this
    /// router's link key.
    ///
    /// # Errors
    /// [`JoinerError`].
    pub fn update_device<S: CounterStore>(
        &mut self,
        device: Eui64,
        short: ShortAddr,
        status: UpdateDeviceStatus,
        store: &mut S,
    ) -> Result<(), JoinerError> {
        let cmd = ApsCommand::UpdateDevice {
            device,
            short,
            status,
        };
        self.send_secured(&cmd, store)
    }

    fn send_secured<S: CounterStore>(
        &mut self,
        cmd: &ApsCommand<'_>,
        store: &mut S,
    ) -> Result<(), JoinerError> {
        self.rec.trust_centre.ok_or(JoinerError::NotJoined)?;
        if self.tx.is_full() {
            return Err(JoinerError::QueueFull);
        }
        let fc = self
            .counter
            .next(store)
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(JoinerError::Counter)?;
        let key = self.rec.link_key.clone();
        self.aps_counter = self.aps_counter.wrapping_add(1);
        let mut f = [0u8; MAX_COMMAND_FRAME];
        let n = seal_command(
            cmd,
            KeyIdentifier::Data,
            &key.0,
            self.rec.eui,
            fc,
            self.aps_counter,
            &mut f,
        )?;
        self.push(f.get(..n).unwrap_or_default())
    }

    /// The trust centre's address, once a network key came from it.
    #[must_use]
    pub fn trust_centre(&self) -> Option<Eui64> {
        self.rec.trust_centre
    }

    /// The network key received but not yet switched to, with its sequence number.
    #[must_use]
    pub fn pending_network_key(&self) -> Option<(&[u8; 16], u8)> {
        self.rec.pending_network.as_ref().map(|(k, s)| (&k.0, *s))
    }

    /// The application link key shared with `partner`.
    #[must_use]
    pub fn application_key(&self, partner: Eui64) -> Option<&[u8; 16]> {
        self.rec
            .app_keys
            .iter()
            .flatten()
            .find(|(p, _)| *p == partner)
            .map(|(_, k)| &k.0)
    }

    /// A trust-centre rejoin is under way (ZigBee R22 §4.6.3.3): the next
    /// network key transported becomes the active key at once (the device
    /// missed a key switch, or lost its network key).
    pub fn begin_rejoin(&mut self) {
        self.rejoining = true;
    }

    /// Makes the pending network key active if it has `sequence` (a frame
    /// under that key authenticated before Switch Key arrived, ZigBee R22
    /// §4.3.1.2). Returns whether it switched.
    pub fn switch_to_pending(&mut self, sequence: u8) -> bool {
        match self.rec.pending_network.take() {
            Some((k, s)) if s == sequence => {
                self.rec.network = Some((k, s));
                self.event(JoinerEvent::KeySwitched { sequence });
                true
            }
            other => {
                self.rec.pending_network = other;
                false
            }
        }
    }

    fn push(&mut self, f: &[u8]) -> Result<(), JoinerError> {
        let v = Vec::from_slice(f).map_err(|_| JoinerError::QueueFull)?;
        self.tx.push_back(v).map_err(|_| JoinerError::QueueFull)
    }

    /// Tries the current link key, then a pending one (Confirm Key comes
    /// under the new key).
    fn open(&mut self, frame: &[u8], buf: &mut [u8]) -> Result<(Opened, bool), CommandError> {
        let aux = peek_secured(frame)?;
        if let Some(tc) = self.rec.trust_centre
            && aux.source.is_some_and(|s| s != tc)
        {
            return Err(CommandError::SourceMismatch);
        }
        let mut attempt = |key: &SecretKey| -> Result<Opened, CommandError> {
            let b = buf.get_mut(..frame.len()).ok_or(CommandError::Internal)?;
            b.copy_from_slice(frame);
            let mut counters = IncomingCounters::<1>::new();
            let src = aux.source.ok_or(CommandError::Unsecured)?;
            if let Some(last) = self.rec.last_counter {
                let slot = counters
                    .check(src, aux.key_id, last)
                    .map_err(|e| CommandError::Security(e.into()))?;
                counters
                    .accept(slot)
                    .map_err(|e| CommandError::Security(e.into()))?;
            }
            open_command(b, &key.0, &mut counters, None)
        };
        let current = self.rec.link_key.clone();
        match attempt(&current) {
            Ok(o) => Ok((o, false)),
            Err(e) => match self.pending_link.clone() {
                Some(p) if aux.key_id == KeyIdentifier::Data => {
                    attempt(&p).map(|o| (o, true)).map_err(|_| e)
                }
                _ => Err(e),
            },
        }
    }

    /// Handles an APS command frame from the trust centre (or relayed by
    /// the parent). Refused frames raise [`JoinerEvent::Rejected`].
    ///
    /// # Errors
    /// [`JoinerError::QueueFull`] when an answer cannot be queued.
    pub fn handle_aps(&mut self, frame: &[u8]) -> Result<(), JoinerError> {
        let mut buf = [0u8; MAX_COMMAND_FRAME];
        let (o, under_pending) = match self.open(frame, &mut buf) {
            Ok(x) => x,
            Err(reason) => {
                self.event(JoinerEvent::Rejected { reason });
                return Ok(());
            }
        };
        let command = match buf
            .get(..frame.len())
            .ok_or(CommandError::Internal)
            .and_then(|b| opened_command(b, &o))
        {
            Ok(c) => c,
            Err(reason) => {
                self.event(JoinerEvent::Rejected { reason });
                return Ok(());
            }
        };
        let key_id = o.aux.key_id;
        let tc = o.source;
        let accepted = match (key_id, command) {
            (
                KeyIdentifier::KeyTransport,
                ApsCommand::TransportKey {
                    descriptor:
                        KeyDescriptor::Network {
                            key,
                            sequence,
                            dst,
                            src,
                        },
                    ..
                },
            ) if dst == self.rec.eui && src == tc => {
                let active = self.rec.network.is_none() || self.rejoining;
                self.rejoining = false;
                if active {
                    self.rec.pending_network = None;
                    self.rec.network = Some((SecretKey(*key.0), sequence));
                } else {
                    self.rec.pending_network = Some((SecretKey(*key.0), sequence));
                }
                self.rec.trust_centre = Some(tc);
                self.event(JoinerEvent::NetworkKey { sequence, active });
                true
            }
            (
                KeyIdentifier::KeyTransport,
                ApsCommand::TransportKey {
                    descriptor: KeyDescriptor::TrustCenter { key, dst, src },
                    ..
                },
            ) if dst == self.rec.eui && Some(src) == self.rec.trust_centre => {
                self.pending_link = Some(SecretKey(*key.0));
                self.rec.last_counter = Some(o.aux.frame_counter);
                self.queue_verify_key(key.0)?;
                self.event(JoinerEvent::LinkKeyReceived);
                return Ok(());
            }
            (
                KeyIdentifier::KeyTransport,
                ApsCommand::TransportKey {
                    key_type: KeyType::ApplicationLinkKey | KeyType::ApplicationMasterKey,
                    descriptor: KeyDescriptor::Application { key, partner, .. },
                },
            ) if Some(tc) == self.rec.trust_centre && partner != self.rec.eui => {
                let keys = &mut self.rec.app_keys;
                let slot = match keys
                    .iter()
                    .position(|e| e.as_ref().is_none_or(|(p, _)| *p == partner))
                {
                    Some(i) => i,
                    None => {
                        keys.rotate_left(1);
                        APP_KEYS - 1
                    }
                };
                if let Some(e) = keys.get_mut(slot) {
                    *e = Some((partner, SecretKey(*key.0)));
                }
                self.event(JoinerEvent::ApplicationKey { partner });
                true
            }
            (
                KeyIdentifier::Data,
                ApsCommand::ConfirmKey {
                    status: ApsStatus::Success,
                    key_type: KeyType::TrustCenterLinkKey,
                    dst,
                },
            ) if under_pending && dst == self.rec.eui => {
                if let Some(p) = self.pending_link.take() {
                    self.rec.link_key = p;
                    self.rec.verified = true;
                }
                self.event(JoinerEvent::LinkKeyVerified);
                true
            }
            (KeyIdentifier::Data, ApsCommand::SwitchKey { sequence }) if !under_pending => {
                match self.rec.pending_network.take() {
                    Some((k, s)) if s == sequence => {
                        self.rec.network = Some((k, s));
                        self.event(JoinerEvent::KeySwitched { sequence });
                        true
                    }
                    other => {
                        self.rec.pending_network = other;
                        false
                    }
                }
            }
            (KeyIdentifier::Data, ApsCommand::RemoveDevice { target }) if !under_pending => {
                self.event(JoinerEvent::RemoveChild { target });
                true
            }
            _ => false,
        };
        if accepted {
            self.rec.last_counter = Some(o.aux.frame_counter);
        } else {
            self.event(JoinerEvent::Rejected {
                reason: CommandError::NotCommand,
            });
        }
        Ok(())
    }

    /// The next APS frame to send to the trust centre.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8, MAX_COMMAND_FRAME>> {
        self.tx.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<JoinerEvent> {
        self.events.pop_front()
    }

    /// The counter reservation (for its persisted mark).
    #[must_use]
    pub fn counter(&self) -> &CounterReservation {
        &self.counter
    }
}
