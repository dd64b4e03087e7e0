//! A device's Inter-PAN endpoint (`docs/stub-aps-security.md` §6.2): it
//! pairs with a hub, sends requests under its pairwise key and accepts
//! only authentic frames: pairwise frames from its hub, announcements
//! signed by its hub, and TESLA broadcasts once their key is disclosed
//! and checked against the announced chain.

use super::hub::{PAIR_REQUEST_LEN, PAIR_RESPONSE_LEN};
use super::{
    EndpointError, Queue, Reject, Rejections, TxFrame, Zcl, next_counter, reject_of, reserve,
};
use crate::frame::{Destination, InterPanFrame, InterPanMac, PROFILE_SMART_ENERGY};
use crate::secure::frames::{decode, secured_aps};
use crate::secure::keys::pairwise_key;
use crate::secure::wire::{Body, Kind};
use crate::secure::{
    CLUSTER_DP_SECURITY, ChainParams, ChainVerifier, TimeSync, VerifyingKey, open_pairwise,
    seal_pairwise, verify_announcement, verify_broadcast,
};
use dual_protocol_primitives::counter::{CounterError, CounterReservation, CounterStore};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zigbee_nwk::PanId;
use dual_protocol_zigbee_nwk::security::ZigbeeKey;
use dual_protocol_zigbee_nwk::security::install_code::link_key_from_install_code;

/// Device configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceConfig {
    /// The device's EUI-64.
    pub eui: Eui64,
    /// The device's PAN id (0xffff when it has joined none).
    pub pan: PanId,
    /// Allowed relative drift between the device's and the hub's clocks, ppm.
    pub drift_ppm: u32,
    /// How long a pairing request waits for its answer.
    pub pairing_timeout: Duration,
}

/// What the device's application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceEvent {
    /// Paired with `hub`; its public key and clock are known.
    Paired {
        /// The hub.
        hub: Eui64,
    },
    /// A key chain announcement was verified.
    Announced {
        /// Its epoch.
        epoch: u16,
    },
    /// An authentic frame from the hub.
    Data {
        /// Cluster.
        cluster: u16,
        /// Profile.
        profile: u16,
        /// A TESLA broadcast (else a pairwise unicast).
        broadcast: bool,
        /// The ZCL frame.
        zcl: Zcl,
    },
    /// The pairing request got no valid answer in time.
    PairingTimedOut,
    /// A frame was dropped (also counted in [`Device::rejections`]).
    Rejected {
        /// Why.
        reason: Reject,
    },
}

struct HubInfo {
    eui: Eui64,
    pan: PanId,
    key: VerifyingKey,
    window: ReplayWindow<2>,
    sync: TimeSync,
}

struct Pending {
    nonce: [u8; 8],
    sent: Instant,
}

struct Buffered {
    frame: TxFrame,
    interval: u16,
    expires: Instant,
}

/// A device endpoint buffering up to `P` broadcasts and `Q` queued
/// frames and events.
pub struct Device<const P: usize, const Q: usize> {
    cfg: DeviceConfig,
    key: ZigbeeKey,
    counter: CounterReservation,
    hub: Option<HubInfo>,
    pending: Option<Pending>,
    chain: Option<ChainVerifier>,
    buffered: [Option<Buffered>; P],
    tx: Queue<TxFrame, Q>,
    events: Queue<DeviceEvent, Q>,
    rejected: Rejections,
    seq: u8,
}

impl<const P: usize, const Q: usize> core::fmt::Debug for Device<P, Q> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Device")
            .field("cfg", &self.cfg)
            .field("paired", &self.hub.as_ref().map(|h| h.eui))
            .field("chain", &self.chain)
            .field("rejected", &self.rejected)
            .finish_non_exhaustive()
    }
}

impl<const P: usize, const Q: usize> Device<P, Q> {
    /// A device from its install code (with CRC) and outgoing counter.
    ///
    /// # Errors
    /// [`EndpointError::InstallCode`].
    pub fn new(
        cfg: DeviceConfig,
        install_code: &[u8],
        counter: CounterReservation,
    ) -> Result<Self, EndpointError> {
        let ic =
            link_key_from_install_code(install_code).map_err(|_| EndpointError::InstallCode)?;
        let pk = pairwise_key(&ic, cfg.eui, 0);
        let key = ZigbeeKey::new(pk.expose()).map_err(|_| EndpointError::Key)?;
        Ok(Device {
            cfg,
            key,
            counter,
            hub: None,
            pending: None,
            chain: None,
            buffered: core::array::from_fn(|_| None),
            tx: Queue::new(),
            events: Queue::new(),
            rejected: Rejections::default(),
            seq: 0,
        })
    }

    /// Rejected-frame counters.
    #[must_use]
    pub const fn rejections(&self) -> &Rejections {
        &self.rejected
    }

    /// The outgoing counter (persist its mark).
    #[must_use]
    pub const fn counter(&self) -> &CounterReservation {
        &self.counter
    }

    /// The paired hub.
    #[must_use]
    pub fn hub(&self) -> Option<Eui64> {
        self.hub.as_ref().map(|h| h.eui)
    }

    /// The verified chain, if any.
    #[must_use]
    pub const fn chain(&self) -> Option<&ChainVerifier> {
        self.chain.as_ref()
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

    fn mac(&mut self, dst: Destination, dst_pan: PanId) -> InterPanMac {
        self.seq = self.seq.wrapping_add(1);
        InterPanMac::new(self.seq, dst_pan, dst, self.cfg.pan, self.cfg.eui)
    }

    fn event(&mut self, e: DeviceEvent) {
        if let DeviceEvent::Rejected { reason } = e {
            self.rejected.count(reason);
        }
        if self.events.push(e).is_err() {
            self.rejected.count(Reject::QueueFull);
        }
    }

    fn reject(&mut self, reason: Reject) {
        self.event(DeviceEvent::Rejected { reason });
    }

    /// Broadcasts a pairing request (a fresh nonce from `rng`, sealed under
    /// the pairwise key).
    ///
    /// # Errors
    /// [`EndpointError`].
    pub fn pair<R: rand_core::CryptoRng + ?Sized>(
        &mut self,
        now: Instant,
        rng: &mut R,
    ) -> Result<(), EndpointError> {
        let mut nonce = [0u8; PAIR_REQUEST_LEN];
        rng.fill_bytes(&mut nonce);
        let c = next_counter(&mut self.counter)?;
        let mac = self.mac(Destination::Broadcast, PanId::BROADCAST);
        let aps = secured_aps(mac.dst, CLUSTER_DP_SECURITY, PROFILE_SMART_ENERGY);
        let mut f = TxFrame::empty();
        f.len = seal_pairwise(
            mac,
            aps,
            Kind::PairRequest,
            0,
            c,
            &nonce,
            &self.key,
            f.buf(),
        )?;
        self.tx.push(f).map_err(|_| EndpointError::QueueFull)?;
        self.pending = Some(Pending { nonce, sent: now });
        Ok(())
    }

    /// Sends a request (a ZCL frame) to the paired hub, encrypted.
    ///
    /// # Errors
    /// [`EndpointError::NotPaired`], and others.
    pub fn request(&mut self, cluster: u16, zcl: &[u8]) -> Result<(), EndpointError> {
        if zcl.len() > super::MAX_ZCL {
            return Err(EndpointError::TooLong);
        }
        let (hub, pan) = self
            .hub
            .as_ref()
            .map(|h| (h.eui, h.pan))
            .ok_or(EndpointError::NotPaired)?;
        let c = next_counter(&mut self.counter)?;
        let mac = self.mac(Destination::Extended(hub), pan);
        let aps = secured_aps(mac.dst, cluster, PROFILE_SMART_ENERGY);
        let mut f = TxFrame::empty();
        f.len = seal_pairwise(mac, aps, Kind::Data, 0, c, zcl, &self.key, f.buf())?;
        self.tx.push(f).map_err(|_| EndpointError::QueueFull)
    }

    /// The next frame to send (without FCS).
    pub fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<usize> {
        self.tx.pop()?.copy_out(buf)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<DeviceEvent> {
        self.events.pop()
    }

    /// The earliest deadline: pairing timeout or a buffered broadcast's expiry.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let pairing = self
            .pending
            .as_ref()
            .and_then(|p| p.sent.checked_add(self.cfg.pairing_timeout));
        let buffered = self.buffered.iter().flatten().map(|b| b.expires).min();
        match (pairing, buffered) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Expires the pairing attempt and buffered broadcasts whose key did not come.
    pub fn handle_timeout(&mut self, now: Instant) {
        let timed_out = self.pending.as_ref().is_some_and(|p| {
            p.sent
                .checked_add(self.cfg.pairing_timeout)
                .is_some_and(|t| t <= now)
        });
        if timed_out {
            self.pending = None;
            self.event(DeviceEvent::PairingTimedOut);
        }
        let mut expired = 0u32;
        for slot in &mut self.buffered {
            if slot.as_ref().is_some_and(|b| b.expires <= now) {
                *slot = None;
                expired += 1;
            }
        }
        for _ in 0..expired {
            self.reject(Reject::Expired);
        }
    }

    /// Feeds a received MAC frame (without FCS).
    pub fn handle_input(&mut self, now: Instant, frame: &[u8]) {
        let Ok(f) = InterPanFrame::decode(frame) else {
            return self.reject(Reject::Malformed);
        };
        if !f.aps.frame_control.security {
            return self.reject(Reject::Unsecured);
        }
        let source = f.mac.src;
        let (kind, counter) = match decode(frame) {
            Ok((_, dp)) => (dp.kind, dp.frame_counter),
            Err(e) => return self.reject(reject_of(&e)),
        };
        if kind == Kind::PairResponse {
            return self.pair_response(now, frame);
        }
        let Some(hub) = self.hub.as_ref() else {
            return self.reject(Reject::Unexpected);
        };
        if hub.eui != source {
            return self.reject(Reject::UnknownSource);
        }
        if let Err(_e) = hub.window.check(u64::from(counter)) {
            return self.reject(Reject::Replay);
        }
        match kind {
            Kind::Data => self.data(frame),
            Kind::Announcement => self.announcement(frame),
            Kind::Broadcast => self.broadcast(now, frame),
            Kind::Disclosure => self.disclosure(frame),
            Kind::PairRequest | Kind::PairResponse => self.reject(Reject::Unexpected),
        }
    }

    fn copy(frame: &[u8]) -> Option<TxFrame> {
        let mut t = TxFrame::empty();
        t.buf().get_mut(..frame.len())?.copy_from_slice(frame);
        t.len = frame.len();
        Some(t)
    }

    fn pair_response(&mut self, now: Instant, frame: &[u8]) {
        let Some(p) = self.pending.as_ref() else {
            return self.reject(Reject::Unexpected);
        };
        let (nonce, sent) = (p.nonce, p.sent);
        let Some(mut t) = Self::copy(frame) else {
            return self.reject(Reject::Malformed);
        };
        let mut window = ReplayWindow::<2>::new();
        let opened = match open_pairwise(
            t.buf().get_mut(..frame.len()).unwrap_or(&mut []),
            &self.key,
            0,
            &mut window,
        ) {
            Ok(o) => o,
            Err(e) => return self.reject(reject_of(&e)),
        };
        let pt = t.as_bytes().get(opened.plaintext.clone()).unwrap_or(&[]);
        if pt.len() != PAIR_RESPONSE_LEN {
            return self.reject(Reject::Malformed);
        }
        let (echo, rest) = pt.split_at(8);
        let (time, key) = rest.split_at(8);
        if echo != nonce {
            return self.reject(Reject::Authentication);
        }
        let mut hub_ms = [0u8; 8];
        hub_ms.copy_from_slice(time);
        let Ok(vk) = RustCrypto.p256_verifying_key(key) else {
            return self.reject(Reject::Malformed);
        };
        let _ = now;
        let pan = InterPanFrame::decode(frame).map_or(PanId::BROADCAST, |f| f.mac.src_pan);
        self.hub = Some(HubInfo {
            eui: opened.source,
            pan,
            key: vk,
            window,
            sync: TimeSync {
                local_ms: sent.as_millis(),
                hub_ms: u64::from_le_bytes(hub_ms),
                drift_ppm: self.cfg.drift_ppm,
            },
        });
        self.pending = None;
        self.chain = None;
        self.buffered = core::array::from_fn(|_| None);
        self.event(DeviceEvent::Paired { hub: opened.source });
    }

    fn data(&mut self, frame: &[u8]) {
        let Some(mut t) = Self::copy(frame) else {
            return self.reject(Reject::Malformed);
        };
        let Some(hub) = self.hub.as_mut() else {
            return self.reject(Reject::Unexpected);
        };
        let opened = match open_pairwise(
            t.buf().get_mut(..frame.len()).unwrap_or(&mut []),
            &self.key,
            0,
            &mut hub.window,
        ) {
            Ok(o) => o,
            Err(e) => return self.reject(reject_of(&e)),
        };
        match Zcl::new(t.as_bytes().get(opened.plaintext).unwrap_or(&[])) {
            Some(zcl) => self.event(DeviceEvent::Data {
                cluster: opened.cluster,
                profile: opened.profile,
                broadcast: false,
                zcl,
            }),
            None => self.reject(Reject::Malformed),
        }
    }

    fn announcement(&mut self, frame: &[u8]) {
        let Some(hub) = self.hub.as_mut() else {
            return self.reject(Reject::Unexpected);
        };
        let (counter, a) = match verify_announcement(frame, &hub.key) {
            Ok((_, a)) => (decode(frame).map_or(0, |(_, d)| d.frame_counter), a),
            Err(e) => return self.reject(reject_of(&e)),
        };
        let params = ChainParams::of(&a);
        if self
            .chain
            .as_ref()
            .is_some_and(|c| c.params.epoch >= a.epoch)
        {
            return self.reject(Reject::StaleEpoch);
        }
        if !params.is_valid() {
            return self.reject(Reject::BadChainKey);
        }
        if hub.window.update(u64::from(counter)).is_err() {
            return self.reject(Reject::Replay);
        }
        self.chain = Some(ChainVerifier::new(params, a.anchor));
        self.buffered = core::array::from_fn(|_| None);
        self.event(DeviceEvent::Announced { epoch: a.epoch });
    }

    fn broadcast(&mut self, now: Instant, frame: &[u8]) {
        let Ok((_, dp)) = decode(frame) else {
            return self.reject(Reject::Malformed);
        };
        let Body::Broadcast {
            epoch, interval, ..
        } = dp.body
        else {
            return self.reject(Reject::Unexpected);
        };
        let (Some(chain), Some(hub)) = (self.chain.as_ref(), self.hub.as_ref()) else {
            return self.reject(Reject::StaleEpoch);
        };
        if epoch != chain.params.epoch {
            return self.reject(Reject::StaleEpoch);
        }
        if interval == 0 || interval > chain.params.length {
            return self.reject(Reject::BadChainKey);
        }
        if interval <= chain.last_index()
            || !hub.sync.is_safe(&chain.params, interval, now.as_millis())
        {
            return self.reject(Reject::UnsafeInterval);
        }
        // Kept until one interval after its key is due.
        let p = chain.params;
        let due = p.interval_start(u64::from(interval) + u64::from(p.delay) + 1);
        let local_due = due
            .saturating_sub(hub.sync.hub_ms)
            .saturating_add(hub.sync.local_ms)
            .saturating_add(u64::from(p.interval_ms));
        let Some(copy) = Self::copy(frame) else {
            return self.reject(Reject::Malformed);
        };
        let Some(slot) = self.buffered.iter_mut().find(|b| b.is_none()) else {
            return self.reject(Reject::QueueFull);
        };
        *slot = Some(Buffered {
            frame: copy,
            interval,
            expires: Instant::from_millis(local_due.max(now.as_millis())),
        });
    }

    fn disclosure(&mut self, frame: &[u8]) {
        let Ok((_, dp)) = decode(frame) else {
            return self.reject(Reject::Malformed);
        };
        let Body::Disclosure {
            epoch,
            interval,
            key,
        } = dp.body
        else {
            return self.reject(Reject::Unexpected);
        };
        let Some(chain) = self.chain.as_mut() else {
            return self.reject(Reject::StaleEpoch);
        };
        if epoch != chain.params.epoch {
            return self.reject(Reject::StaleEpoch);
        }
        if chain.accept(interval, &key).is_err() {
            return self.reject(Reject::BadChainKey);
        }
        // Authenticate every buffered broadcast whose key is now known.
        for i in 0..P {
            let Some(b) = self.buffered.get(i).and_then(Option::as_ref) else {
                continue;
            };
            let Some(k) = self.chain.as_ref().and_then(|c| c.key(b.interval)) else {
                continue;
            };
            let Some(b) = self.buffered.get_mut(i).and_then(Option::take) else {
                continue;
            };
            let outcome = match verify_broadcast(b.frame.as_bytes(), &k) {
                Ok(pb) => {
                    let ok = self
                        .hub
                        .as_mut()
                        .is_some_and(|h| h.window.update(u64::from(pb.frame_counter)).is_ok());
                    if ok {
                        Zcl::new(pb.payload)
                            .map(|zcl| DeviceEvent::Data {
                                cluster: pb.frame.aps.cluster,
                                profile: pb.frame.aps.profile,
                                broadcast: true,
                                zcl,
                            })
                            .ok_or(Reject::Malformed)
                    } else {
                        Err(Reject::Replay)
                    }
                }
                Err(e) => Err(reject_of(&e)),
            };
            match outcome {
                Ok(ev) => self.event(ev),
                Err(r) => self.reject(r),
            }
        }
    }
}
