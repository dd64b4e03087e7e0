//! The trust centre and the joining device wired into a [`Node`](super::node::Node)
//! (ZigBee R22 §4.6.3): the node calls its [`Commissioning`] role when a
//! device associates or rejoins at it, hands it the APS command frames
//! addressed to it, sends the frames the role queues and surfaces its
//! events as [`NodeEvent::Commissioning`](super::node::NodeEvent::Commissioning).
//!
//! | role | type | what the node does with it |
//! | --- | --- | --- |
//! | none | `()` | every association admitted, unsecured (trust-centre) rejoins refused |
//! | trust centre (the hub, coordinator) | [`TrustCentreRole`] | asks the [`TrustCentre`] before answering an association or a rejoin (a device it refuses gets PAN access denied); sends its Transport Keys (NWK-unsecured to a direct child without the network key, tunnelled to a parent router, else NWK-secured), its Switch Key, Confirm Key and Remove Device; feeds it Request Key, Verify Key and Update Device |
//! | joining device (router, end device) | [`JoinerRole`] | takes the network key from the [`Joiner`] into the NWK layer, asks for a unique link key at once, switches keys on Switch Key (or on the first frame under the pending key), relays Tunnel commands to its children, reports its children's joins and rejoins with Update Device, removes a child on Remove Device |
//!
//! The roles own what their machine needs beside the node: a counter store
//! for the APS frame counter (separate from the node's NWK counter store)
//! and, for the trust centre, the random number generator for fresh link
//! keys.

use crate::aps::UpdateDeviceStatus;
use crate::security::joiner::{Joiner, JoinerEvent};
use crate::security::key_store::MAX_COMMAND_FRAME;
use crate::security::trust_centre::{TcEvent, TrustCentre};
use crate::types::ShortAddr;
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use heapless::Vec;
use rand_core::CryptoRng;

/// How a device came to a parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum JoinKind {
    /// MAC association (§3.6.1.4.1).
    Association,
    /// A NWK-secured Rejoin Request (secured rejoin, §3.6.1.4.2).
    SecuredRejoin,
    /// An unsecured Rejoin Request (trust-centre rejoin, §4.6.3.3).
    TrustCentreRejoin,
}

/// Where a commissioning frame goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameDst {
    /// The trust centre (the coordinator, 0x0000), NWK-secured.
    TrustCentre,
    /// A device: NWK-secured and routed, or (without `nwk_secured`) a child
    /// of this node without the network key: NWK-unsecured, held until it
    /// polls.
    Device {
        /// The device.
        eui: Eui64,
        /// Whether the frame goes NWK-secured.
        nwk_secured: bool,
    },
}

/// An APS command frame a role asks the node to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissioningFrame {
    /// Where it goes.
    pub dst: FrameDst,
    /// The APS frame.
    pub frame: Vec<u8, MAX_COMMAND_FRAME>,
}

/// An event of the node's commissioning role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommissioningEvent {
    /// From the trust centre.
    TrustCentre(TcEvent),
    /// From the joining device.
    Joiner(JoinerEvent),
    /// A frame of the role could not be sent (no route, queue full): the
    /// exchange is to be started again.
    FrameLost {
        /// Its destination.
        dst: FrameDst,
    },
}

/// A node's commissioning role; see the module documentation. Every method
/// has a default for "no role" (`()`).
pub trait Commissioning {
    /// A device associated or rejoined at this node as parent; `false`
    /// refuses it (PAN access denied). Without a role, associations and
    /// secured rejoins are admitted and trust-centre rejoins refused.
    fn child_joined(&mut self, ieee: Eui64, short: ShortAddr, kind: JoinKind) -> bool {
        let _ = (ieee, short);
        kind != JoinKind::TrustCentreRejoin
    }

    /// An APS command frame for this node from `src` (its IEEE address when
    /// known), NWK-secured or not. Returns whether the role took it.
    fn handle_aps(&mut self, src: Option<Eui64>, nwk_secured: bool, frame: &[u8]) -> bool {
        let _ = (src, nwk_secured, frame);
        false
    }

    /// The next frame to send.
    fn poll_transmit(&mut self) -> Option<CommissioningFrame> {
        None
    }

    /// The next event.
    fn poll_event(&mut self) -> Option<CommissioningEvent> {
        None
    }

    /// The trust centre's address (a joining device once it has the network key).
    fn trust_centre(&self) -> Option<Eui64> {
        None
    }

    /// Whether this node takes its network key from a trust centre.
    fn joins(&self) -> bool {
        false
    }

    /// The joining device's active network key.
    fn network_key(&self) -> Option<([u8; 16], u8)> {
        None
    }

    /// Makes the pending network key with `sequence` active (see
    /// [`Joiner::switch_to_pending`]); returns its key when it did.
    fn switch_to_pending(&mut self, sequence: u8) -> Option<[u8; 16]> {
        let _ = sequence;
        None
    }

    /// A trust-centre rejoin starts (the next network key is active at once).
    fn begin_rejoin(&mut self) {}

    /// The network key was installed in the NWK layer (the joining device
    /// asks for a unique link key); also called again when the link key
    /// was not verified within the node's security timeout.
    fn network_key_installed(&mut self) {}

    /// Whether the joining device's link key is verified with the trust centre.
    fn link_key_verified(&self) -> bool {
        true
    }
}

impl Commissioning for () {}

/// The hub's role: its [`TrustCentre`], the store of the trust centre's APS
/// frame counter, and its random number generator.
#[derive(Debug)]
pub struct TrustCentreRole<S: CounterStore, R: CryptoRng, const N: usize, const Q: usize> {
    /// The trust centre.
    pub tc: TrustCentre<N, Q>,
    /// Its counter store.
    pub store: S,
    /// Its random number generator (fresh link keys).
    pub rng: R,
}

impl<S: CounterStore, R: CryptoRng, const N: usize, const Q: usize> TrustCentreRole<S, R, N, Q> {
    /// The role over a trust centre, its counter store and its RNG.
    pub const fn new(tc: TrustCentre<N, Q>, store: S, rng: R) -> Self {
        TrustCentreRole { tc, store, rng }
    }
}

impl<S: CounterStore, R: CryptoRng, const N: usize, const Q: usize> Commissioning
    for TrustCentreRole<S, R, N, Q>
{
    fn child_joined(&mut self, ieee: Eui64, short: ShortAddr, kind: JoinKind) -> bool {
        let r = match kind {
            JoinKind::Association => self.tc.device_joined(ieee, short, &mut self.store),
            JoinKind::SecuredRejoin => {
                self.tc
                    .device_rejoined(ieee, short, None, true, &mut self.store)
            }
            JoinKind::TrustCentreRejoin => {
                self.tc
                    .device_rejoined(ieee, short, None, false, &mut self.store)
            }
        };
        r.unwrap_or(false)
    }

    fn handle_aps(&mut self, src: Option<Eui64>, nwk_secured: bool, frame: &[u8]) -> bool {
        // Everything a device sends the trust centre is NWK-secured.
        let (Some(src), true) = (src, nwk_secured) else {
            return false;
        };
        let _ = self
            .tc
            .handle_aps(src, frame, &mut self.rng, &mut self.store);
        true
    }

    fn poll_transmit(&mut self) -> Option<CommissioningFrame> {
        let o = self.tc.poll_transmit()?;
        Some(CommissioningFrame {
            dst: FrameDst::Device {
                eui: o.dst,
                nwk_secured: o.nwk_secured,
            },
            frame: o.frame,
        })
    }

    fn poll_event(&mut self) -> Option<CommissioningEvent> {
        self.tc.poll_event().map(CommissioningEvent::TrustCentre)
    }

    fn trust_centre(&self) -> Option<Eui64> {
        Some(self.tc.eui())
    }
}

/// A joining device's role: its [`Joiner`] and the store of its APS frame counter.
#[derive(Debug)]
pub struct JoinerRole<S: CounterStore, const Q: usize = 4> {
    /// The joining device.
    pub joiner: Joiner<Q>,
    /// Its counter store.
    pub store: S,
}

impl<S: CounterStore, const Q: usize> JoinerRole<S, Q> {
    /// The role over a joiner and its counter store.
    pub const fn new(joiner: Joiner<Q>, store: S) -> Self {
        JoinerRole { joiner, store }
    }

    /// Asks the trust centre for an application link key shared with `partner`.
    ///
    /// # Errors
    /// [`crate::security::joiner::JoinerError`].
    pub fn request_application_key(
        &mut self,
        partner: Eui64,
    ) -> Result<(), crate::security::joiner::JoinerError> {
        self.joiner
            .request_application_key(partner, &mut self.store)
    }
}

impl<S: CounterStore, const Q: usize> Commissioning for JoinerRole<S, Q> {
    fn child_joined(&mut self, ieee: Eui64, short: ShortAddr, kind: JoinKind) -> bool {
        let status = match kind {
            JoinKind::Association => UpdateDeviceStatus::StandardUnsecuredJoin,
            JoinKind::SecuredRejoin => UpdateDeviceStatus::StandardSecuredRejoin,
            JoinKind::TrustCentreRejoin => UpdateDeviceStatus::StandardTrustCenterRejoin,
        };
        // The trust centre decides (it answers with a tunnelled key or a
        // Remove Device); without a report it cannot, so refuse.
        self.joiner
            .update_device(ieee, short, status, &mut self.store)
            .is_ok()
    }

    fn handle_aps(&mut self, _src: Option<Eui64>, _nwk_secured: bool, frame: &[u8]) -> bool {
        // The joiner checks APS security, the source and the counter itself.
        let _ = self.joiner.handle_aps(frame);
        true
    }

    fn poll_transmit(&mut self) -> Option<CommissioningFrame> {
        let frame = self.joiner.poll_transmit()?;
        Some(CommissioningFrame {
            dst: FrameDst::TrustCentre,
            frame,
        })
    }

    fn poll_event(&mut self) -> Option<CommissioningEvent> {
        self.joiner.poll_event().map(CommissioningEvent::Joiner)
    }

    fn trust_centre(&self) -> Option<Eui64> {
        self.joiner.trust_centre()
    }

    fn joins(&self) -> bool {
        true
    }

    fn network_key(&self) -> Option<([u8; 16], u8)> {
        self.joiner.network_key().map(|(k, s)| (*k, s))
    }

    fn switch_to_pending(&mut self, sequence: u8) -> Option<[u8; 16]> {
        let key = self
            .joiner
            .pending_network_key()
            .filter(|(_, s)| *s == sequence)
            .map(|(k, _)| *k)?;
        self.joiner.switch_to_pending(sequence).then_some(key)
    }

    fn begin_rejoin(&mut self) {
        self.joiner.begin_rejoin();
    }

    fn network_key_installed(&mut self) {
        if !self.joiner.record().verified {
            let _ = self.joiner.retry_link_key_update(&mut self.store);
        }
    }

    fn link_key_verified(&self) -> bool {
        self.joiner.record().verified
    }
}
