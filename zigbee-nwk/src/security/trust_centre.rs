//! The trust centre (ZigBee R22 §4.6.2, §4.6.3; BDB 3.0 §10.2): admits only
//! devices on the caller's allow-list of (EUI-64, link key derived from the
//! install code), gives them the network key with an APS Transport Key
//! secured under the key-transport key of their own link key, runs the R21
//! link key update (Request Key, Transport Key, Verify Key, Confirm Key),
//! rotates the network key (Transport Key to every device, then Switch
//! Key), and decommissions devices (their entry and keys deleted).
//!
//! Sans-IO: frames in with [`TrustCentre::handle_aps`] (the APS frame as
//! received, with the NWK source IEEE address), joins reported with
//! [`TrustCentre::device_joined`], frames out with
//! [`TrustCentre::poll_transmit`], events with [`TrustCentre::poll_event`].
//!
//! **Frame counters.** One outgoing APS frame counter (over the
//! primitives' [`CounterReservation`]) serves every link key: the nonce is
//! (trust centre address, counter, security control), so a single
//! never-repeating counter never reuses a nonce under any key. A counter is
//! handed out only after a high-water mark covering it has been persisted
//! through the caller's [`CounterStore`]. Incoming counters are kept per
//! device in its [`DeviceRecord`]; a key change (new link key, decommission)
//! resets them.
//!
//! **Persistence rule.** The state to store is [`TrustCentre::network`]
//! (network key and sequence), every [`TrustCentre::devices`] record after
//! any event, and the counter mark each time the [`CounterStore`] is asked
//! to persist it. [`TrustCentre::restore`] resumes from them: no device is
//! re-commissioned, and the outgoing counter starts at the persisted mark,
//! beyond any counter used before the restart.
//! A record's `last_counter` changes with every accepted command: stored
//! less often, frames accepted since the last store could be replayed once
//! after a restart.

use super::IncomingCounters;
use super::KeyIdentifier;
use super::install_code::{InstallCodeError, link_key_from_install_code};
use super::key_store::{
    CommandError, DEFAULT_TC_LINK_KEY, MAX_COMMAND_FRAME, Opened, SecretKey, open_command,
    opened_command, peek_secured, plain_command, seal_command,
};
use super::mmo::verify_key_hash;
use crate::aps::UpdateDeviceStatus;
use crate::aps::{ApsBody, ApsCommand, ApsFrame, ApsStatus, KeyBytes, KeyDescriptor, KeyType};
use crate::types::ShortAddr;
use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};
use dual_protocol_primitives::eui64::Eui64;
use heapless::{Deque, Vec};
use rand_core::CryptoRng;

/// Where a device's link key stands (ZigBee R22 §4.4.11, apsDeviceKeyPairSet
/// KeyAttributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum KeyState {
    /// Preconfigured (install code or default key) and not yet updated.
    Provisional,
    /// A new key sent in a Transport Key, awaiting the device's Verify Key.
    Unverified,
    /// A key both sides proved with Verify Key / Confirm Key.
    Verified,
}

/// One device of the trust centre's table: what must be stored for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DeviceRecord {
    /// The device's IEEE address.
    pub eui: Eui64,
    /// Its current trust centre link key.
    pub link_key: SecretKey,
    /// A new key sent but not yet verified.
    pub pending_key: Option<SecretKey>,
    /// State of the link key.
    pub state: KeyState,
    /// Its short address when joined.
    pub short: Option<u16>,
    /// Whether it has been sent the network key (it is in the network).
    pub joined: bool,
    /// The last accepted APS frame counter from it under `link_key`.
    pub last_counter: Option<u32>,
    /// The key sequence number it last received.
    pub key_sequence: Option<u8>,
    /// Whether its key is the well-known default key (caller opted in).
    pub default_key: bool,
    /// The router it joined or rejoined through (`None`: a child of the
    /// trust centre's own node, or not known). Frames for it before it
    /// holds the network key are tunnelled through this parent.
    #[cfg_attr(feature = "serde", serde(default))]
    pub parent: Option<Eui64>,
}

/// The network key record to store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NetworkRecord {
    /// The active network key.
    pub key: SecretKey,
    /// Its key sequence number.
    pub sequence: u8,
    /// A new key being distributed, with its sequence number.
    pub pending: Option<(SecretKey, u8)>,
    /// Whether the well-known default link key may be used (opt-in).
    pub allow_default_key: bool,
}

/// Why a device was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Not on the allow-list (and the default key is not allowed).
    NotAuthorised,
    /// A frame that claims to be from it failed security (wrong key, tampered, replayed).
    Security(CommandError),
    /// Its Verify Key hash did not match the key sent.
    VerifyKeyMismatch,
    /// A command it may not send (for example Remove Device) or from an unauthenticated source.
    NotPermitted,
    /// A trust-centre rejoin from a device with no entry (never admitted,
    /// or decommissioned): a rejoin never creates an entry, not even with
    /// the default key opted in.
    UnknownRejoin,
}

/// Trust-centre events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcEvent {
    /// The network key was sent to an allow-listed device.
    Joined {
        /// The device.
        eui: Eui64,
    },
    /// The well-known default key was used for this device (the caller opted in).
    DefaultKeyUsed {
        /// The device.
        eui: Eui64,
    },
    /// The device proved a fresh unique link key (Verify Key checked).
    Authenticated {
        /// The device.
        eui: Eui64,
    },
    /// A device or frame was refused.
    Rejected {
        /// The claimed device.
        eui: Eui64,
        /// Why.
        reason: RejectReason,
    },
    /// A device left or was decommissioned; its keys are deleted.
    Left {
        /// The device.
        eui: Eui64,
    },
    /// The network key was switched to this sequence number.
    KeyRotated {
        /// The new key sequence number.
        sequence: u8,
    },
    /// An application link key was sent to `initiator` and `partner`.
    ApplicationKey {
        /// The device that asked.
        initiator: Eui64,
        /// Its partner.
        partner: Eui64,
    },
    /// The event queue overflowed; events were lost.
    EventsLost,
}

/// Errors of trust-centre operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TcError {
    /// The device table is full.
    #[error("device table full")]
    TableFull,
    /// The transmit queue is full.
    #[error("transmit queue full")]
    QueueFull,
    /// The device is not in the table.
    #[error("unknown device")]
    UnknownDevice,
    /// The install code is invalid.
    #[error(transparent)]
    InstallCode(#[from] InstallCodeError),
    /// The outgoing frame counter is exhausted or could not be persisted.
    #[error("outgoing frame counter: exhausted or not persisted")]
    Counter,
    /// No key rotation is under way.
    #[error("no pending network key")]
    NoPendingKey,
    /// Building a frame failed.
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// A frame to send: the APS frame for `dst`.
///
/// With `nwk_secured` set, NWK-secure it with the network key and route it
/// to `dst`. Without, `dst` has no network key yet and is a child of the
/// trust centre's own node: send it NWK-unsecured, held for `dst`'s MAC
/// address until it polls (ZigBee R22 §4.6.3.2). A device without the
/// network key that joined through a router gets its Transport Key inside
/// an APS Tunnel command sent NWK-secured to that router (`dst` is then the
/// router), which relays the tunnelled frame NWK-unsecured (§4.4.10.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The destination device (the parent router for a Tunnel command).
    pub dst: Eui64,
    /// The APS frame.
    pub frame: Vec<u8, MAX_COMMAND_FRAME>,
    /// Whether the frame goes NWK-secured.
    pub nwk_secured: bool,
}

/// How a queued frame leaves.
#[derive(Debug, Clone, Copy)]
enum Via {
    /// NWK-secured to the device.
    Secured,
    /// NWK-unsecured to a direct child without the network key.
    Unsecured,
    /// Tunnelled through this parent router.
    Tunnel(Eui64),
}

/// Outgoing counter block reserved per persisted write.
pub const COUNTER_BLOCK: u64 = 64;

/// The trust centre, with room for `N` devices and `Q` queued frames.
#[derive(Debug)]
pub struct TrustCentre<const N: usize, const Q: usize = 8> {
    eui: Eui64,
    network: NetworkRecord,
    devices: Vec<DeviceRecord, N>,
    counter: CounterReservation,
    aps_counter: u8,
    tx: Deque<Outgoing, Q>,
    events: Deque<TcEvent, 16>,
}

impl<const N: usize, const Q: usize> TrustCentre<N, Q> {
    /// A new trust centre with address `eui` and network key `network_key`
    /// (sequence 0). The default key is not allowed unless
    /// [`TrustCentre::allow_default_key`] is called.
    #[must_use]
    pub fn new(eui: Eui64, network_key: [u8; 16]) -> Self {
        TrustCentre {
            eui,
            network: NetworkRecord {
                key: SecretKey(network_key),
                sequence: 0,
                pending: None,
                allow_default_key: false,
            },
            devices: Vec::new(),
            counter: CounterReservation::resume(0, COUNTER_BLOCK, u64::from(u32::MAX)),
            aps_counter: 0,
            tx: Deque::new(),
            events: Deque::new(),
        }
    }

    /// Resumes from stored state (see the module docs' persistence rule):
    /// the network record, the device records and the last counter mark persisted.
    ///
    /// # Errors
    /// [`TcError::TableFull`] if more than `N` records are given.
    pub fn restore(
        eui: Eui64,
        network: NetworkRecord,
        devices: impl IntoIterator<Item = DeviceRecord>,
        counter_mark: u64,
    ) -> Result<Self, TcError> {
        let mut tc = Self::new(eui, [0; 16]);
        tc.network = network;
        for d in devices {
            tc.devices.push(d).map_err(|_| TcError::TableFull)?;
        }
        tc.counter = CounterReservation::resume(counter_mark, COUNTER_BLOCK, u64::from(u32::MAX));
        Ok(tc)
    }

    /// The network record to store.
    #[must_use]
    pub fn network(&self) -> &NetworkRecord {
        &self.network
    }

    /// The device records to store.
    pub fn devices(&self) -> impl Iterator<Item = &DeviceRecord> {
        self.devices.iter()
    }

    /// The record of one device.
    #[must_use]
    pub fn device(&self, eui: Eui64) -> Option<&DeviceRecord> {
        self.devices.iter().find(|d| d.eui == eui)
    }

    /// The trust centre's address.
    #[must_use]
    pub fn eui(&self) -> Eui64 {
        self.eui
    }

    /// Opts in (or out) to admitting devices not on the allow-list with the
    /// well-known default key; each such admission raises
    /// [`TcEvent::DefaultKeyUsed`].
    pub fn allow_default_key(&mut self, allow: bool) {
        self.network.allow_default_key = allow;
    }

    /// Puts a device on the allow-list with its preconfigured link key.
    ///
    /// # Errors
    /// [`TcError::TableFull`].
    pub fn authorise(&mut self, eui: Eui64, link_key: [u8; 16]) -> Result<(), TcError> {
        self.authorise_with(eui, link_key, false)
    }

    fn authorise_with(&mut self, eui: Eui64, key: [u8; 16], default: bool) -> Result<(), TcError> {
        let rec = DeviceRecord {
            eui,
            link_key: SecretKey(key),
            pending_key: None,
            state: KeyState::Provisional,
            short: None,
            joined: false,
            last_counter: None,
            key_sequence: None,
            default_key: default,
            parent: None,
        };
        if let Some(d) = self.devices.iter_mut().find(|d| d.eui == eui) {
            *d = rec;
            return Ok(());
        }
        self.devices.push(rec).map_err(|_| TcError::TableFull)
    }

    /// Puts a device on the allow-list with the link key derived from its
    /// install code (with CRC) (BDB §5.4.8.1).
    ///
    /// # Errors
    /// [`TcError::InstallCode`], [`TcError::TableFull`].
    pub fn authorise_install_code(&mut self, eui: Eui64, code: &[u8]) -> Result<(), TcError> {
        let key = link_key_from_install_code(code)?;
        self.authorise(eui, key)
    }

    fn event(&mut self, e: TcEvent) {
        if self.events.push_back(e).is_err() {
            self.events.pop_front();
            let _ = self.events.push_back(TcEvent::EventsLost);
        }
    }

    fn next_counter<S: CounterStore>(&mut self, store: &mut S) -> Result<u32, TcError> {
        let n = self
            .counter
            .next(store)
            .map_err(|_: CounterError<S::Error>| TcError::Counter)?;
        u32::try_from(n).map_err(|_| TcError::Counter)
    }

    fn queue_secured<S: CounterStore>(
        &mut self,
        dst: Eui64,
        key: &[u8; 16],
        key_id: KeyIdentifier,
        command: &ApsCommand<'_>,
        store: &mut S,
    ) -> Result<(), TcError> {
        self.queue_via(dst, key, key_id, command, Via::Secured, store)
    }

    fn queue_via<S: CounterStore>(
        &mut self,
        dst: Eui64,
        key: &[u8; 16],
        key_id: KeyIdentifier,
        command: &ApsCommand<'_>,
        via: Via,
        store: &mut S,
    ) -> Result<(), TcError> {
        if self.tx.is_full() {
            return Err(TcError::QueueFull);
        }
        let fc = self.next_counter(store)?;
        let mut frame = Vec::new();
        frame
            .resize(MAX_COMMAND_FRAME, 0)
            .map_err(|_| TcError::QueueFull)?;
        self.aps_counter = self.aps_counter.wrapping_add(1);
        let n = seal_command(
            command,
            key_id,
            key,
            self.eui,
            fc,
            self.aps_counter,
            &mut frame,
        )?;
        frame.truncate(n);
        let out = match via {
            Via::Secured => Outgoing {
                dst,
                frame,
                nwk_secured: true,
            },
            Via::Unsecured => Outgoing {
                dst,
                frame,
                nwk_secured: false,
            },
            Via::Tunnel(parent) => {
                let mut t = Vec::new();
                t.resize(MAX_COMMAND_FRAME, 0)
                    .map_err(|_| TcError::QueueFull)?;
                self.aps_counter = self.aps_counter.wrapping_add(1);
                let m = plain_command(
                    &ApsCommand::Tunnel { dst, frame: &frame },
                    self.aps_counter,
                    &mut t,
                )?;
                t.truncate(m);
                Outgoing {
                    dst: parent,
                    frame: t,
                    nwk_secured: true,
                }
            }
        };
        self.tx.push_back(out).map_err(|_| TcError::QueueFull)
    }

    fn send_network_key<S: CounterStore>(
        &mut self,
        eui: Eui64,
        key: &SecretKey,
        sequence: u8,
        via: Via,
        store: &mut S,
    ) -> Result<(), TcError> {
        let link = self
            .device(eui)
            .ok_or(TcError::UnknownDevice)?
            .link_key
            .clone();
        let cmd = ApsCommand::TransportKey {
            key_type: KeyType::StandardNetworkKey,
            descriptor: KeyDescriptor::Network {
                key: KeyBytes(&key.0),
                sequence,
                dst: eui,
                src: self.eui,
            },
        };
        self.queue_via(eui, &link.0, KeyIdentifier::KeyTransport, &cmd, via, store)
    }

    /// A device associated with the trust centre's own node
    /// (NLME-JOIN.indication): as [`TrustCentre::device_joined_via`] with
    /// no parent router.
    ///
    /// # Errors
    /// [`TcError`] from the counter, the table or the queue.
    pub fn device_joined<S: CounterStore>(
        &mut self,
        eui: Eui64,
        short: ShortAddr,
        store: &mut S,
    ) -> Result<bool, TcError> {
        self.device_joined_via(eui, short, None, store)
    }

    /// A device associated directly (`parent: None`) or through the router
    /// `parent` (its Update Device): an allow-listed device is sent the
    /// network key under the key-transport key of its link key (ZigBee R22
    /// §4.6.3.2; NWK-unsecured to a direct child, tunnelled through the
    /// parent router otherwise) and [`TcEvent::Joined`] is raised; any other
    /// device is refused with [`TcEvent::Rejected`], unless the default key
    /// was opted in ([`TcEvent::DefaultKeyUsed`]). Returns whether it was
    /// admitted.
    ///
    /// # Errors
    /// [`TcError`] from the counter, the table or the queue.
    pub fn device_joined_via<S: CounterStore>(
        &mut self,
        eui: Eui64,
        short: ShortAddr,
        parent: Option<Eui64>,
        store: &mut S,
    ) -> Result<bool, TcError> {
        if !self.parent_ok(eui, parent) {
            return Ok(false);
        }
        if self.device(eui).is_none() {
            if !self.network.allow_default_key {
                self.event(TcEvent::Rejected {
                    eui,
                    reason: RejectReason::NotAuthorised,
                });
                return Ok(false);
            }
            self.authorise_with(eui, DEFAULT_TC_LINK_KEY, true)?;
            self.event(TcEvent::DefaultKeyUsed { eui });
        }
        self.admit(eui, short, parent, store)?;
        Ok(true)
    }

    /// A parent router must itself be a joined device of the table (frames
    /// are tunnelled through it); otherwise the report is refused with
    /// [`RejectReason::NotPermitted`].
    fn parent_ok(&mut self, eui: Eui64, parent: Option<Eui64>) -> bool {
        let ok = parent.is_none_or(|p| p != eui && self.device(p).is_some_and(|d| d.joined));
        if !ok {
            self.event(TcEvent::Rejected {
                eui,
                reason: RejectReason::NotPermitted,
            });
        }
        ok
    }

    fn admit<S: CounterStore>(
        &mut self,
        eui: Eui64,
        short: ShortAddr,
        parent: Option<Eui64>,
        store: &mut S,
    ) -> Result<(), TcError> {
        let key = self.network.key.clone();
        let seq = self.network.sequence;
        let via = match parent {
            Some(p) => Via::Tunnel(p),
            None => Via::Unsecured,
        };
        self.send_network_key(eui, &key, seq, via, store)?;
        if let Some(d) = self.devices.iter_mut().find(|d| d.eui == eui) {
            d.short = Some(short.0);
            d.joined = true;
            d.key_sequence = Some(seq);
            d.parent = parent;
        }
        self.event(TcEvent::Joined { eui });
        Ok(())
    }

    /// A device rejoined (ZigBee R22 §3.6.1.4.2, §4.6.3.3) at the trust
    /// centre's own node (`parent: None`) or through the router `parent`.
    ///
    /// * Secured rejoin (`secured`, the Rejoin Request passed NWK security
    ///   with the current network key): accepted for a device with an
    ///   entry that has joined; its address (and parent) are noted, no key
    ///   is sent.
    /// * Trust-centre rejoin (an unsecured Rejoin Request): only a device
    ///   with an entry (not decommissioned) is admitted, and it is sent the
    ///   current network key under its own link key's key-transport key,
    ///   never under the default key unless its entry holds the default key
    ///   (the caller opted in when it joined). A rejoin never creates an
    ///   entry: [`RejectReason::UnknownRejoin`].
    ///
    /// Returns whether the device may stay.
    ///
    /// # Errors
    /// [`TcError`] from the counter or the queue.
    pub fn device_rejoined<S: CounterStore>(
        &mut self,
        eui: Eui64,
        short: ShortAddr,
        parent: Option<Eui64>,
        secured: bool,
        store: &mut S,
    ) -> Result<bool, TcError> {
        if !self.parent_ok(eui, parent) {
            return Ok(false);
        }
        let Some(d) = self.devices.iter_mut().find(|d| d.eui == eui) else {
            self.event(TcEvent::Rejected {
                eui,
                reason: RejectReason::UnknownRejoin,
            });
            return Ok(false);
        };
        if secured {
            if !d.joined {
                self.event(TcEvent::Rejected {
                    eui,
                    reason: RejectReason::NotAuthorised,
                });
                return Ok(false);
            }
            d.short = Some(short.0);
            d.parent = parent;
            return Ok(true);
        }
        self.admit(eui, short, parent, store)?;
        Ok(true)
    }

    /// Decommissions a device: its entry, link keys and counters are
    /// deleted so its frames no longer pass, and [`TcEvent::Left`] is
    /// raised. When `parent` is given (a router the device is a child of),
    /// an APS Remove Device is queued to it (ZigBee R22 §4.4.10.3), secured
    /// with the parent's link key; for a child of the hub itself the caller
    /// sends the NWK Leave.
    ///
    /// # Errors
    /// [`TcError::UnknownDevice`], and counter or queue errors.
    pub fn decommission<S: CounterStore>(
        &mut self,
        eui: Eui64,
        parent: Option<Eui64>,
        store: &mut S,
    ) -> Result<(), TcError> {
        let i = self
            .devices
            .iter()
            .position(|d| d.eui == eui)
            .ok_or(TcError::UnknownDevice)?;
        if let Some(p) = parent {
            let pkey = self
                .device(p)
                .ok_or(TcError::UnknownDevice)?
                .link_key
                .clone();
            let cmd = ApsCommand::RemoveDevice { target: eui };
            self.queue_secured(p, &pkey.0, KeyIdentifier::Data, &cmd, store)?;
        }
        self.devices.swap_remove(i);
        self.event(TcEvent::Left { eui });
        Ok(())
    }

    /// Starts a network key rotation (ZigBee R22 §4.6.3.4): the new key
    /// (sequence + 1) is transported to every joined device under its
    /// key-transport key. Call [`TrustCentre::switch_network_key`] once the
    /// frames have gone out (sleepy devices pick theirs up on poll).
    ///
    /// # Errors
    /// Counter or queue errors (the rotation stays pending; call again).
    pub fn rotate_network_key<S: CounterStore>(
        &mut self,
        new_key: [u8; 16],
        store: &mut S,
    ) -> Result<(), TcError> {
        let seq = self.network.sequence.wrapping_add(1);
        let key = SecretKey(new_key);
        self.network.pending = Some((key.clone(), seq));
        let targets: Vec<Eui64, N> = self
            .devices
            .iter()
            .filter(|d| d.joined)
            .map(|d| d.eui)
            .collect();
        for eui in targets {
            self.send_network_key(eui, &key, seq, Via::Secured, store)?;
        }
        Ok(())
    }

    /// Sends Switch Key (ZigBee R22 §4.4.10.5) to every joined device,
    /// secured with its link key, and makes the pending key active: frames
    /// under the old sequence number then fail. The NWK outgoing frame
    /// counter restarts at 0 for the new key (ZigBee R22 §4.3.1.1: the
    /// counter is per key); incoming NWK counters for the old key are to be
    /// dropped by the caller.
    ///
    /// # Errors
    /// [`TcError::NoPendingKey`], counter or queue errors.
    pub fn switch_network_key<S: CounterStore>(&mut self, store: &mut S) -> Result<(), TcError> {
        let (key, seq) = self.network.pending.clone().ok_or(TcError::NoPendingKey)?;
        let targets: Vec<(Eui64, SecretKey), N> = self
            .devices
            .iter()
            .filter(|d| d.joined)
            .map(|d| (d.eui, d.link_key.clone()))
            .collect();
        for (eui, link) in targets {
            let cmd = ApsCommand::SwitchKey { sequence: seq };
            self.queue_secured(eui, &link.0, KeyIdentifier::Data, &cmd, store)?;
        }
        for d in self.devices.iter_mut().filter(|d| d.joined) {
            d.key_sequence = Some(seq);
        }
        self.network.key = key;
        self.network.sequence = seq;
        self.network.pending = None;
        self.event(TcEvent::KeyRotated { sequence: seq });
        Ok(())
    }

    /// Handles an APS command frame received from `src` (the NWK source
    /// IEEE address, already NWK-unsecured with the network key). Request
    /// Key, Update Device and Remove Device must be APS-secured with the
    /// sender's link key; Verify Key is NWK-secured only (§4.4.10.7). A
    /// frame that fails raises [`TcEvent::Rejected`] with its reason and
    /// changes nothing else.
    ///
    /// # Errors
    /// Counter or queue errors while answering.
    pub fn handle_aps<S: CounterStore, R: CryptoRng>(
        &mut self,
        src: Eui64,
        frame: &[u8],
        rng: &mut R,
        store: &mut S,
    ) -> Result<(), TcError> {
        // An unsecured command (the decoder gives `Command` only for the
        // command frame type): only Verify Key may come without APS security.
        if let Ok(ApsFrame {
            body: ApsBody::Command(c),
            ..
        }) = ApsFrame::decode(frame)
        {
            if let ApsCommand::VerifyKey {
                key_type: KeyType::TrustCenterLinkKey,
                source,
                hash,
            } = c.command
            {
                return self.verify_key(src, source, hash, store);
            }
            self.event(TcEvent::Rejected {
                eui: src,
                reason: RejectReason::Security(CommandError::Unsecured),
            });
            return Ok(());
        }
        let Some(i) = self.devices.iter().position(|d| d.eui == src) else {
            self.event(TcEvent::Rejected {
                eui: src,
                reason: RejectReason::NotAuthorised,
            });
            return Ok(());
        };
        let mut buf = [0u8; MAX_COMMAND_FRAME];
        let opened = match buf.get_mut(..frame.len()) {
            Some(b) => {
                b.copy_from_slice(frame);
                self.open_from(i, b)
            }
            None => Err(CommandError::TooLong { len: frame.len() }),
        };
        let o = match opened {
            Ok(x) => x,
            Err(e) => {
                self.event(TcEvent::Rejected {
                    eui: src,
                    reason: RejectReason::Security(e),
                });
                return Ok(());
            }
        };
        let command = match buf
            .get(..frame.len())
            .ok_or(CommandError::Internal)
            .and_then(|b| opened_command(b, &o))
        {
            Ok(c) => c,
            Err(e) => {
                self.event(TcEvent::Rejected {
                    eui: src,
                    reason: RejectReason::Security(e),
                });
                return Ok(());
            }
        };
        match command {
            ApsCommand::RequestKey {
                key_type: KeyType::TrustCenterLinkKey,
                ..
            } => self.request_key(src, rng, store),
            ApsCommand::RequestKey {
                key_type: KeyType::ApplicationMasterKey | KeyType::ApplicationLinkKey,
                partner: Some(partner),
            } => self.application_key(src, partner, rng, store),
            ApsCommand::UpdateDevice {
                device,
                short,
                status,
            } => match status {
                UpdateDeviceStatus::StandardUnsecuredJoin => self
                    .device_joined_via(device, short, Some(src), store)
                    .map(|_| ()),
                UpdateDeviceStatus::StandardTrustCenterRejoin => self
                    .device_rejoined(device, short, Some(src), false, store)
                    .map(|_| ()),
                UpdateDeviceStatus::DeviceLeft => {
                    if let Some(d) = self.devices.iter_mut().find(|d| d.eui == device) {
                        d.joined = false;
                        d.short = None;
                        self.event(TcEvent::Left { eui: device });
                    }
                    Ok(())
                }
                UpdateDeviceStatus::StandardSecuredRejoin => self
                    .device_rejoined(device, short, Some(src), true, store)
                    .map(|_| ()),
                UpdateDeviceStatus::Unknown(_) => {
                    self.event(TcEvent::Rejected {
                        eui: src,
                        reason: RejectReason::NotPermitted,
                    });
                    Ok(())
                }
            },
            _ => {
                self.event(TcEvent::Rejected {
                    eui: src,
                    reason: RejectReason::NotPermitted,
                });
                Ok(())
            }
        }
    }

    /// Opens with the device's current link key.
    /// Records the counter. The nonce source must be the device itself.
    fn open_from(&mut self, i: usize, buf: &mut [u8]) -> Result<Opened, CommandError> {
        let aux = peek_secured(buf)?;
        let d = self.devices.get(i).ok_or(CommandError::Internal)?;
        let mut counters = IncomingCounters::<1>::new();
        if let Some(last) = d.last_counter {
            // Seed the one-entry table with the stored counter.
            let slot = counters
                .check(d.eui, aux.key_id, last)
                .map_err(|e| CommandError::Security(e.into()))?;
            counters
                .accept(slot)
                .map_err(|e| CommandError::Security(e.into()))?;
        }
        let key = d.link_key.clone();
        let eui = d.eui;
        let o = open_command(buf, &key.0, &mut counters, Some(eui))?;
        if o.source != eui {
            return Err(CommandError::SourceMismatch);
        }
        if let Some(d) = self.devices.get_mut(i) {
            d.last_counter = Some(o.aux.frame_counter);
        }
        Ok(o)
    }

    fn request_key<S: CounterStore, R: CryptoRng>(
        &mut self,
        eui: Eui64,
        rng: &mut R,
        store: &mut S,
    ) -> Result<(), TcError> {
        let mut fresh = SecretKey([0; 16]);
        rng.fill_bytes(&mut fresh.0);
        let link = self
            .device(eui)
            .ok_or(TcError::UnknownDevice)?
            .link_key
            .clone();
        let cmd = ApsCommand::TransportKey {
            key_type: KeyType::TrustCenterLinkKey,
            descriptor: KeyDescriptor::TrustCenter {
                key: KeyBytes(&fresh.0),
                dst: eui,
                src: self.eui,
            },
        };
        self.queue_secured(eui, &link.0, KeyIdentifier::KeyTransport, &cmd, store)?;
        if let Some(d) = self.devices.iter_mut().find(|d| d.eui == eui) {
            d.pending_key = Some(fresh);
            d.state = KeyState::Unverified;
        }
        Ok(())
    }

    /// Request Key for an application link key with `partner` (ZigBee R22
    /// §4.4.5, §4.6.3.7): both devices must be joined; a fresh random key
    /// is transported to each under its own key-transport key (key type 3,
    /// the partner's address, the initiator flag set for the requester).
    fn application_key<S: CounterStore, R: CryptoRng>(
        &mut self,
        src: Eui64,
        partner: Eui64,
        rng: &mut R,
        store: &mut S,
    ) -> Result<(), TcError> {
        let joined = |e: Eui64| self.device(e).is_some_and(|d| d.joined);
        if partner == src || !joined(src) || !joined(partner) {
            self.event(TcEvent::Rejected {
                eui: src,
                reason: RejectReason::NotPermitted,
            });
            return Ok(());
        }
        if self.tx.capacity() - self.tx.len() < 2 {
            return Err(TcError::QueueFull);
        }
        let mut fresh = SecretKey([0; 16]);
        rng.fill_bytes(&mut fresh.0);
        for (dev, other, initiator) in [(src, partner, 1), (partner, src, 0)] {
            let link = self
                .device(dev)
                .ok_or(TcError::UnknownDevice)?
                .link_key
                .clone();
            let cmd = ApsCommand::TransportKey {
                key_type: KeyType::ApplicationLinkKey,
                descriptor: KeyDescriptor::Application {
                    key: KeyBytes(&fresh.0),
                    partner: other,
                    initiator,
                },
            };
            self.queue_secured(dev, &link.0, KeyIdentifier::KeyTransport, &cmd, store)?;
        }
        self.event(TcEvent::ApplicationKey {
            initiator: src,
            partner,
        });
        Ok(())
    }

    fn verify_key<S: CounterStore>(
        &mut self,
        src: Eui64,
        source: Eui64,
        hash: &[u8; 16],
        store: &mut S,
    ) -> Result<(), TcError> {
        let pending = self
            .devices
            .iter()
            .find(|d| d.eui == src && source == src)
            .and_then(|d| d.pending_key.clone());
        // A Verify Key again for the key already verified: the Confirm Key
        // was lost; it is sent again under that key (no state changes).
        if pending.is_none()
            && let Some(d) = self
                .devices
                .iter()
                .find(|d| d.eui == src && source == src && d.state == KeyState::Verified)
        {
            let current = d.link_key.clone();
            let expected = verify_key_hash(&current.0);
            let diff = expected.iter().zip(hash).fold(0u8, |a, (x, y)| a | (x ^ y));
            if diff == 0 {
                let cmd = ApsCommand::ConfirmKey {
                    status: ApsStatus::Success,
                    key_type: KeyType::TrustCenterLinkKey,
                    dst: src,
                };
                return self.queue_secured(src, &current.0, KeyIdentifier::Data, &cmd, store);
            }
        }
        let Some(new) = pending else {
            self.event(TcEvent::Rejected {
                eui: src,
                reason: RejectReason::NotPermitted,
            });
            return Ok(());
        };
        let expected = verify_key_hash(&new.0);
        // Constant-time comparison of the 16-byte hash.
        let diff = expected.iter().zip(hash).fold(0u8, |a, (x, y)| a | (x ^ y));
        if diff != 0 {
            self.event(TcEvent::Rejected {
                eui: src,
                reason: RejectReason::VerifyKeyMismatch,
            });
            return Ok(());
        }
        let cmd = ApsCommand::ConfirmKey {
            status: ApsStatus::Success,
            key_type: KeyType::TrustCenterLinkKey,
            dst: src,
        };
        self.queue_secured(src, &new.0, KeyIdentifier::Data, &cmd, store)?;
        if let Some(d) = self.devices.iter_mut().find(|d| d.eui == src) {
            d.link_key = new;
            d.pending_key = None;
            d.state = KeyState::Verified;
            d.last_counter = None;
            d.default_key = false;
        }
        self.event(TcEvent::Authenticated { eui: src });
        Ok(())
    }

    /// The next frame to send.
    pub fn poll_transmit(&mut self) -> Option<Outgoing> {
        self.tx.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<TcEvent> {
        self.events.pop_front()
    }

    /// The counter reservation (for its persisted mark).
    #[must_use]
    pub fn counter(&self) -> &CounterReservation {
        &self.counter
    }
}
