//! The hub's Inter-PAN endpoint (`docs/stub-aps-security.md` §6.1).

use super::{
    EndpointError, Queue, Reject, Rejections, TxFrame, Zcl, next_counter, reject_of, reserve,
};
use crate::frame::{Destination, InterPanFrame, InterPanMac, PROFILE_SMART_ENERGY};
use crate::secure::frames::{decode, secured_aps};
use crate::secure::keys::{compress_p256, pairwise_key};
use crate::secure::wire::{Announcement, Kind};
use crate::secure::{
    CLUSTER_DP_SECURITY, ChainParams, KeyChain, SigningKey, encode_disclosure, open_pairwise,
    seal_broadcast, seal_pairwise, sign_announcement,
};
use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_primitives::time::Instant;
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::security::ZigbeeKey;
use dual_protocol_zigbee_nwk::security::install_code::link_key_from_install_code;

/// Length of the PairRequest plaintext (the device's nonce).
pub const PAIR_REQUEST_LEN: usize = 8;
/// Length of the PairResponse plaintext: nonce echo, hub time (ms), the
/// hub's compressed P-256 public key.
pub const PAIR_RESPONSE_LEN: usize = 8 + 8 + 33;

/// Hub configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubConfig {
    /// The hub's EUI-64 (MAC source of everything it sends).
    pub eui: Eui64,
    /// The hub's PAN id.
    pub pan: PanId,
    /// TESLA interval length, ms.
    pub interval_ms: u32,
    /// Intervals per chain (at most [`crate::secure::tesla::MAX_CHAIN_LENGTH`]).
    pub chain_length: u16,
    /// Disclosure delay, intervals (at least 1).
    pub delay: u8,
    /// Clusters the hub accepts in the clear from devices that are not
    /// paired (standard SE 1.1b Inter-PAN clients), e.g. Price (0x0700).
    pub plain_clusters: [Option<u16>; 4],
}

/// What the hub's application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HubEvent {
    /// A device paired (its pairing request authenticated).
    Paired {
        /// The device.
        device: Eui64,
    },
    /// An authenticated (decrypted) request from a paired device.
    Request {
        /// The device.
        device: Eui64,
        /// Cluster.
        cluster: u16,
        /// Profile.
        profile: u16,
        /// The ZCL frame.
        zcl: Zcl,
    },
    /// A clear request on an allowed cluster (standard Inter-PAN client).
    PlainRequest {
        /// Sender.
        source: Eui64,
        /// Sender's PAN.
        pan: PanId,
        /// Cluster.
        cluster: u16,
        /// Profile.
        profile: u16,
        /// The ZCL frame.
        zcl: Zcl,
    },
    /// A frame was dropped (also counted in [`Hub::rejections`]).
    Rejected {
        /// Sender, if the frame decoded.
        source: Option<Eui64>,
        /// Why.
        reason: Reject,
    },
}

struct DeviceEntry {
    eui: Eui64,
    key: ZigbeeKey,
    window: ReplayWindow<2>,
    paired: bool,
}

impl core::fmt::Debug for DeviceEntry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DeviceEntry")
            .field("eui", &self.eui)
            .field("paired", &self.paired)
            .finish_non_exhaustive()
    }
}

struct Epoch {
    chain: KeyChain,
    announcement: Announcement,
    /// Highest interval a broadcast used.
    last_broadcast: Option<u16>,
    /// Highest interval whose key was disclosed.
    disclosed: u16,
    /// Lowest broadcast interval not yet covered by a disclosure.
    undisclosed_from: Option<u16>,
}

/// The hub's endpoint, with room for `D` devices and `Q` queued frames
/// and events.
pub struct Hub<const D: usize, const Q: usize> {
    cfg: HubConfig,
    signing: SigningKey,
    public: [u8; 33],
    devices: [Option<DeviceEntry>; D],
    counter: CounterReservation,
    epoch: Option<Epoch>,
    epoch_number: u16,
    tx: Queue<TxFrame, Q>,
    events: Queue<HubEvent, Q>,
    rejected: Rejections,
    seq: u8,
}

impl<const D: usize, const Q: usize> core::fmt::Debug for Hub<D, Q> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hub")
            .field("cfg", &self.cfg)
            .field("epoch", &self.epoch_number)
            .field("rejected", &self.rejected)
            .finish_non_exhaustive()
    }
}

impl<const D: usize, const Q: usize> Hub<D, Q> {
    /// A hub with its P-256 private scalar and its outgoing counter
    /// (resume it from the persisted mark, max `u32::MAX`). `epoch` is the
    /// last epoch announced before a restart (0 at first start), persisted
    /// by the caller, so announcements keep increasing.
    ///
    /// # Errors
    /// [`EndpointError::Key`] for an invalid scalar.
    pub fn new(
        cfg: HubConfig,
        signing_scalar: &[u8; 32],
        counter: CounterReservation,
        epoch: u16,
    ) -> Result<Self, EndpointError> {
        let signing = RustCrypto
            .p256_signing_key(signing_scalar)
            .map_err(|_| EndpointError::Key)?;
        let public = compress_p256(&RustCrypto.p256_public_key(&signing));
        Ok(Hub {
            cfg,
            signing,
            public,
            devices: core::array::from_fn(|_| None),
            counter,
            epoch: None,
            epoch_number: epoch,
            tx: Queue::new(),
            events: Queue::new(),
            rejected: Rejections::default(),
            seq: 0,
        })
    }

    /// The hub's compressed public key (what a device learns when pairing).
    #[must_use]
    pub const fn public_key(&self) -> &[u8; 33] {
        &self.public
    }

    /// Rejected-frame counters.
    #[must_use]
    pub const fn rejections(&self) -> &Rejections {
        &self.rejected
    }

    /// The outgoing counter (persist [`CounterReservation::persisted_mark`]).
    #[must_use]
    pub const fn counter(&self) -> &CounterReservation {
        &self.counter
    }

    /// The current epoch number.
    #[must_use]
    pub const fn epoch(&self) -> u16 {
        self.epoch_number
    }

    /// Persists a new counter block through `store` if the reservation asks.
    ///
    /// # Errors
    /// The store's error.
    pub fn reserve_counters<S: CounterStore>(
        &mut self,
        store: &mut S,
    ) -> Result<(), CounterError<S::Error>> {
        reserve(&mut self.counter, store)
    }

    /// Installs a device from its install code (with CRC): its pairwise
    /// key is derived from the install-code link key.
    ///
    /// # Errors
    /// [`EndpointError::InstallCode`], [`EndpointError::TableFull`].
    pub fn add_device(&mut self, eui: Eui64, install_code: &[u8]) -> Result<(), EndpointError> {
        let ic =
            link_key_from_install_code(install_code).map_err(|_| EndpointError::InstallCode)?;
        let pk = pairwise_key(&ic, eui, 0);
        let key = ZigbeeKey::new(pk.expose()).map_err(|_| EndpointError::Key)?;
        let entry = DeviceEntry {
            eui,
            key,
            window: ReplayWindow::new(),
            paired: false,
        };
        if let Some(slot) = self
            .devices
            .iter_mut()
            .find(|d| d.as_ref().is_some_and(|d| d.eui == eui))
        {
            *slot = Some(entry);
            return Ok(());
        }
        let slot = self
            .devices
            .iter_mut()
            .find(|d| d.is_none())
            .ok_or(EndpointError::TableFull)?;
        *slot = Some(entry);
        Ok(())
    }

    fn device_mut(&mut self, eui: Eui64) -> Option<&mut DeviceEntry> {
        self.devices.iter_mut().flatten().find(|d| d.eui == eui)
    }

    fn mac(&mut self, dst: Destination, dst_pan: PanId) -> InterPanMac {
        self.seq = self.seq.wrapping_add(1);
        InterPanMac::new(self.seq, dst_pan, dst, self.cfg.pan, self.cfg.eui)
    }

    fn push_tx(&mut self, f: TxFrame) -> Result<(), EndpointError> {
        self.tx.push(f).map_err(|_| EndpointError::QueueFull)
    }

    fn event(&mut self, e: HubEvent) {
        if let HubEvent::Rejected { reason, .. } = e {
            self.rejected.count(reason);
        }
        if self.events.push(e).is_err() {
            self.rejected.count(Reject::QueueFull);
        }
    }

    /// Starts a new key-chain epoch at `now` (interval 1 starts at the next
    /// whole second of hub time) with a seed from `rng`, and queues its
    /// signed announcement as a broadcast. The caller persists
    /// [`Self::epoch`].
    ///
    /// # Errors
    /// [`EndpointError`].
    pub fn start_epoch<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        now: Instant,
        rng: &mut R,
    ) -> Result<(), EndpointError> {
        let mut seed = [0u8; 16];
        rng.fill_bytes(&mut seed);
        let number = self
            .epoch_number
            .checked_add(1)
            .ok_or(EndpointError::NoChain)?;
        let params = ChainParams {
            epoch: number,
            start_s: u32::try_from(now.as_millis().div_ceil(1000))
                .map_err(|_| EndpointError::NoChain)?,
            interval_ms: self.cfg.interval_ms,
            length: self.cfg.chain_length,
            delay: self.cfg.delay,
        };
        let chain = KeyChain::new(params, seed).ok_or(EndpointError::NoChain)?;
        let announcement = Announcement {
            epoch: params.epoch,
            start_s: params.start_s,
            interval_ms: params.interval_ms,
            length: params.length,
            delay: params.delay,
            anchor: chain.anchor(),
            signature: [0; 64],
        };
        self.epoch = Some(Epoch {
            chain,
            announcement,
            last_broadcast: None,
            disclosed: 0,
            undisclosed_from: None,
        });
        self.epoch_number = number;
        self.announce(Destination::Broadcast, PanId::BROADCAST)
    }

    /// Queues the current announcement (signed afresh with a new counter) to
    /// `dst`. It fits only with broadcast addressing (17-byte MAC header):
    /// to an extended destination it is too long (§8 of the document).
    ///
    /// # Errors
    /// [`EndpointError`].
    pub fn announce(&mut self, dst: Destination, dst_pan: PanId) -> Result<(), EndpointError> {
        let a = self
            .epoch
            .as_ref()
            .ok_or(EndpointError::NoChain)?
            .announcement;
        let c = next_counter(&mut self.counter)?;
        let mac = self.mac(dst, dst_pan);
        let mut f = TxFrame::empty();
        f.len = sign_announcement(mac, c, &a, &self.signing, f.buf())?;
        self.push_tx(f)
    }

    /// Queues a secured unicast (encrypted, pairwise key) to a paired device.
    ///
    /// # Errors
    /// [`EndpointError`].
    pub fn send_unicast(
        &mut self,
        device: Eui64,
        dst_pan: PanId,
        cluster: u16,
        zcl: &[u8],
    ) -> Result<(), EndpointError> {
        if zcl.len() > super::MAX_ZCL {
            return Err(EndpointError::TooLong);
        }
        if !self.device_mut(device).is_some_and(|d| d.paired) {
            return Err(EndpointError::NotPaired);
        }
        let c = next_counter(&mut self.counter)?;
        let mac = self.mac(Destination::Extended(device), dst_pan);
        let d = self.device_mut(device).ok_or(EndpointError::NotPaired)?;
        let mut f = TxFrame::empty();
        let aps = secured_aps(mac.dst, cluster, PROFILE_SMART_ENERGY);
        f.len = seal_pairwise(mac, aps, Kind::Data, 0, c, zcl, &d.key, f.buf())?;
        self.push_tx(f)
    }

    /// Queues a TESLA-authenticated broadcast in the current interval; its
    /// key is disclosed `delay` intervals later ([`Self::poll_timeout`]).
    ///
    /// # Errors
    /// [`EndpointError::NoChain`] before interval 1 or after the chain's
    /// end (start a new epoch), and others.
    pub fn send_broadcast(
        &mut self,
        now: Instant,
        cluster: u16,
        zcl: &[u8],
    ) -> Result<(), EndpointError> {
        if zcl.len() > super::MAX_ZCL {
            return Err(EndpointError::TooLong);
        }
        let e = self.epoch.as_ref().ok_or(EndpointError::NoChain)?;
        let params = *e.chain.params();
        let i = params.interval_at(now.as_millis());
        let interval = u16::try_from(i)
            .ok()
            .filter(|i| (1..=params.length).contains(i))
            .ok_or(EndpointError::NoChain)?;
        let key = e.chain.key(interval).ok_or(EndpointError::NoChain)?;
        let c = next_counter(&mut self.counter)?;
        let mac = self.mac(Destination::Broadcast, PanId::BROADCAST);
        let aps = secured_aps(mac.dst, cluster, PROFILE_SMART_ENERGY);
        let mut f = TxFrame::empty();
        f.len = seal_broadcast(
            mac,
            aps,
            c,
            params.epoch,
            interval,
            zcl,
            key.expose(),
            f.buf(),
        )?;
        self.push_tx(f)?;
        if let Some(e) = self.epoch.as_mut() {
            e.last_broadcast = Some(e.last_broadcast.map_or(interval, |l| l.max(interval)));
            e.undisclosed_from = Some(e.undisclosed_from.map_or(interval, |u| u.min(interval)));
        }
        Ok(())
    }

    /// When the next key disclosure is due (may be in the past: call
    /// [`Self::handle_timeout`]).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let e = self.epoch.as_ref()?;
        let from = e.undisclosed_from?;
        let p = e.chain.params();
        Some(Instant::from_millis(
            p.interval_start(u64::from(from) + u64::from(p.delay)),
        ))
    }

    /// Queues the disclosure of the newest key that may be disclosed at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(e) = self.epoch.as_ref() else {
            return;
        };
        let Some(last) = e.last_broadcast else {
            return;
        };
        let p = *e.chain.params();
        let current = p.interval_at(now.as_millis());
        let may = current.saturating_sub(u64::from(p.delay));
        let target = u64::from(last).min(may);
        let Ok(target) = u16::try_from(target) else {
            return;
        };
        if target <= e.disclosed || target == 0 {
            return;
        }
        let Some(key) = e.chain.key(target) else {
            return;
        };
        let Ok(c) = next_counter(&mut self.counter) else {
            return;
        };
        let mac = self.mac(Destination::Broadcast, PanId::BROADCAST);
        let mut f = TxFrame::empty();
        if let Ok(n) = encode_disclosure(mac, c, p.epoch, target, key.expose(), f.buf()) {
            f.len = n;
            if self.push_tx(f).is_ok() {
                if let Some(e) = self.epoch.as_mut() {
                    e.disclosed = target;
                    e.undisclosed_from = (target < last).then_some(target + 1);
                }
            } else {
                self.rejected.count(Reject::QueueFull);
            }
        }
    }

    /// The next frame to send (without FCS).
    pub fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<usize> {
        let f = self.tx.pop()?;
        f.copy_out(buf)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<HubEvent> {
        self.events.pop()
    }

    /// Frames waiting to be sent.
    #[must_use]
    pub const fn queued(&self) -> usize {
        self.tx.len()
    }

    /// Feeds a received MAC frame (without FCS).
    ///
    /// # Errors
    /// Only local failures: [`EndpointError::Counter`] when an answer needs
    /// a counter and the reservation is used up (the request is then
    /// dropped, and counted as [`Reject::QueueFull`]).
    pub fn handle_input(&mut self, now: Instant, frame: &[u8]) -> Result<(), EndpointError> {
        let Ok(f) = InterPanFrame::decode(frame) else {
            self.event(HubEvent::Rejected {
                source: None,
                reason: Reject::Malformed,
            });
            return Ok(());
        };
        let source = f.mac.src;
        if !f.aps.frame_control.security {
            let allowed = self.cfg.plain_clusters.contains(&Some(f.aps.cluster));
            match (allowed, Zcl::new(f.payload)) {
                (true, Some(zcl)) => self.event(HubEvent::PlainRequest {
                    source,
                    pan: f.mac.src_pan,
                    cluster: f.aps.cluster,
                    profile: f.aps.profile,
                    zcl,
                }),
                _ => self.event(HubEvent::Rejected {
                    source: Some(source),
                    reason: Reject::Unsecured,
                }),
            }
            return Ok(());
        }
        let kind = match decode(frame) {
            Ok((_, dp)) => dp.kind,
            Err(e) => {
                self.event(HubEvent::Rejected {
                    source: Some(source),
                    reason: reject_of(&e),
                });
                return Ok(());
            }
        };
        if !matches!(kind, Kind::Data | Kind::PairRequest) {
            self.event(HubEvent::Rejected {
                source: Some(source),
                reason: Reject::Unexpected,
            });
            return Ok(());
        }
        let src_pan = f.mac.src_pan;
        let mut buf = [0u8; crate::frame::MAX_PHY_PAYLOAD];
        let Some(dst) = buf.get_mut(..frame.len()) else {
            self.event(HubEvent::Rejected {
                source: Some(source),
                reason: Reject::Malformed,
            });
            return Ok(());
        };
        dst.copy_from_slice(frame);
        let Some(d) = self.devices.iter_mut().flatten().find(|d| d.eui == source) else {
            self.event(HubEvent::Rejected {
                source: Some(source),
                reason: Reject::UnknownSource,
            });
            return Ok(());
        };
        let opened = match open_pairwise(dst, &d.key, 0, &mut d.window) {
            Ok(o) => o,
            Err(e) => {
                let reason = reject_of(&e);
                self.event(HubEvent::Rejected {
                    source: Some(source),
                    reason,
                });
                return Ok(());
            }
        };
        let plaintext = dst.get(opened.plaintext.clone()).unwrap_or(&[]);
        match opened.kind {
            Kind::PairRequest => {
                if plaintext.len() != PAIR_REQUEST_LEN {
                    self.event(HubEvent::Rejected {
                        source: Some(source),
                        reason: Reject::Malformed,
                    });
                    return Ok(());
                }
                let mut answer = [0u8; PAIR_RESPONSE_LEN];
                let (a, rest) = answer.split_at_mut(8);
                a.copy_from_slice(plaintext);
                let (t, k) = rest.split_at_mut(8);
                t.copy_from_slice(&now.as_millis().to_le_bytes());
                k.copy_from_slice(&self.public);
                d.paired = true;
                let c = next_counter(&mut self.counter)?;
                let mac = self.mac(Destination::Extended(source), src_pan);
                let aps = secured_aps(mac.dst, CLUSTER_DP_SECURITY, PROFILE_SMART_ENERGY);
                let Some(d) = self.devices.iter_mut().flatten().find(|d| d.eui == source) else {
                    return Ok(());
                };
                let mut f = TxFrame::empty();
                f.len =
                    seal_pairwise(mac, aps, Kind::PairResponse, 0, c, &answer, &d.key, f.buf())?;
                self.push_tx(f)?;
                if self.epoch.is_some() {
                    // Broadcast addressing: a unicast MAC header leaves
                    // too little room for the 98-byte announcement.
                    self.announce(Destination::Broadcast, src_pan)?;
                }
                self.event(HubEvent::Paired { device: source });
            }
            _ => {
                if !d.paired {
                    self.event(HubEvent::Rejected {
                        source: Some(source),
                        reason: Reject::Unexpected,
                    });
                    return Ok(());
                }
                match Zcl::new(plaintext) {
                    Some(zcl) => self.event(HubEvent::Request {
                        device: source,
                        cluster: opened.cluster,
                        profile: opened.profile,
                        zcl,
                    }),
                    None => self.event(HubEvent::Rejected {
                        source: Some(source),
                        reason: Reject::Malformed,
                    }),
                }
            }
        }
        Ok(())
    }
}
