//! The APS data service (ZigBee R22 §2.2.4.1, §2.2.8.4): a sans-IO state
//! machine over [`ApsFrame`]s.
//!
//! * Sending ([`ApsDataService::send`], APSDE-DATA.request): unicast with or
//!   without an APS acknowledgement, broadcast and group addressing; with an
//!   acknowledgement, the frame is sent again after apsAckWaitDuration up to
//!   apsMaxFrameRetries times, then a [`ApsEvent::Failed`] is given
//!   (APSDE-DATA.confirm NO_ACK). A payload longer than the fragment size is
//!   sent fragmented (unicast only, always acknowledged): a window of
//!   blocks at a time, the receiver's block acknowledgement releasing the next
//!   window, missing blocks resent at the retry timer. Indirect delivery
//!   through the binding table: [`ApsDataService::send_bound`].
//! * Receiving ([`ApsDataService::handle_input`]): duplicate rejection on
//!   `(source, APS counter)` ([`DuplicateTable`]; duplicates are acknowledged
//!   again, never delivered twice), group filtering ([`GroupTable`]),
//!   acknowledgements queued for transmission, reassembly of fragmented
//!   transmissions (see [`fragmentation`](super::fragmentation)) with a size
//!   limit, and a timeout on idle reassemblies.
//!
//! The service works at the APS layer: input is an unsecured APS frame and
//! the NWK source address it came from; output ([`Transmit`]) is an APS
//! frame and the NWK destination address. The NWK layer (and its security)
//! is the caller's.
//!
//! APS security for data (ZigBee R22 §4.4.1): [`ApsDataService::send_secured`]
//! queues a unicast frame to be secured with the destination's link key
//! (key identifier 0, extended nonce with this device's IEEE address, a
//! fresh outgoing frame counter from [`OutgoingFrameCounter`] for every
//! transmission, each block of a fragmented payload secured on its own),
//! written by [`ApsDataService::poll_transmit_secured`].
//! [`ApsDataService::handle_input_secured`] unsecures APS-secured frames in
//! place with the source's link key, refusing unknown keys, replayed frame
//! counters (per source, [`IncomingCounters`]) and MIC failures with a
//! typed [`ApsError`] and an [`ApsEvent::Rejected`]; delivered data carries
//! [`DataIndication::aps_secured`]. Acknowledgements of secured frames are
//! secured too (§4.4.1.1), and a secured transmission only accepts a
//! secured acknowledgement. The plain [`ApsDataService::handle_input`]
//! still refuses secured frames with [`ApsError::Secured`], and the plain
//! [`ApsDataService::poll_transmit`] leaves frames waiting for security queued.
//!
//! Memory: `TX` outgoing transmissions of up to `BUF` bytes each, `RX`
//! concurrent reassemblies of up to `BUF` bytes each, `DUP` duplicate-table
//! entries, [`ACK_QUEUE`] acknowledgements and [`EVENT_QUEUE`] events waiting.
//! Everything full is reported, never silently dropped.

use super::binding::{BindingDestination, BindingTable};
use super::duplicate::{DEFAULT_DUPLICATE_TIMEOUT, DuplicateTable};
use super::fragmentation::{BlockOutcome, Reassembly, window_mask};
use super::group::GroupTable;
use super::{
    ApsBody, ApsCommandFrame, ApsFrame, ApsFrameControl, ApsFrameType, ApsHeader, DeliveryMode,
    ExtendedHeader, Fragmentation,
};
use crate::error::{DecodeError, EncodeError};
use crate::security::frame::{KeyLookup, SecurityError, secure_aps, unsecure_aps};
use crate::security::frame_counter::{IncomingCounters, OutgoingFrameCounter, ReplayError};
use crate::security::{
    AuxHeader, KeyIdentifier, SecuredPayload, SecurityContext, ZigbeeKey, mic_len,
};
use crate::types::ShortAddr;
use core::time::Duration;
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use heapless::{Deque, Vec};

/// Acknowledgements that can wait for transmission.
pub const ACK_QUEUE: usize = 8;
/// Events that can wait for [`ApsDataService::poll_event`].
pub const EVENT_QUEUE: usize = 16;

/// APS constants and attributes (ZigBee R22 Table 2-24 / 2-25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ApsConfig {
    /// apsAckWaitDuration: 0.05 s × 2 × nwkcMaxDepth (15) plus the
    /// security processing allowance, 1.6 s by default. Raise it for sleepy
    /// destinations (their parent holds the frame until they poll).
    pub ack_wait: Duration,
    /// apsMaxFrameRetries (3).
    pub max_retries: u8,
    /// apsDuplicateRejectionTimeoutPeriod (3 s).
    pub duplicate_timeout: Duration,
    /// Bytes of payload per fragment (block); payloads longer than this are
    /// fragmented. 64 by default (fits a secured NWK frame with a source route).
    pub fragment_size: usize,
    /// apsMaxWindowSize (1-8; 8 by default). Both ends must agree.
    pub window_size: u8,
    /// A reassembly with no new block for this long is dropped (10 s).
    pub reassembly_timeout: Duration,
    /// Largest payload reassembled (capped at `BUF`); 1024 by default.
    pub max_reassembly: usize,
}

impl Default for ApsConfig {
    fn default() -> Self {
        ApsConfig {
            ack_wait: Duration::from_millis(1600),
            max_retries: 3,
            duplicate_timeout: DEFAULT_DUPLICATE_TIMEOUT,
            fragment_size: 64,
            window_size: 8,
            reassembly_timeout: Duration::from_secs(10),
            max_reassembly: 1024,
        }
    }
}

/// Where a data frame goes (APSDE-DATA.request DstAddrMode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Destination {
    /// One device's endpoint (mode 0x02).
    Unicast {
        /// NWK address.
        nwk: ShortAddr,
        /// Endpoint.
        endpoint: u8,
    },
    /// A group (mode 0x01): sent as a NWK broadcast to 0xfffd.
    Group(u16),
    /// A NWK broadcast address (0xffff, 0xfffd, 0xfffc) and endpoint (0xff: all).
    Broadcast {
        /// NWK broadcast address.
        nwk: ShortAddr,
        /// Endpoint.
        endpoint: u8,
    },
}

impl Destination {
    fn unicast_nwk(&self) -> Option<ShortAddr> {
        match self {
            Destination::Unicast { nwk, .. } => Some(*nwk),
            _ => None,
        }
    }
}

/// An APSDE-DATA.request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DataRequest {
    /// Destination.
    pub dst: Destination,
    /// Profile id.
    pub profile: u16,
    /// Cluster id.
    pub cluster: u16,
    /// Source endpoint.
    pub src_endpoint: u8,
    /// Request an APS acknowledgement (unicast only; forced for fragmented payloads).
    pub ack: bool,
}

/// Identifies a request in its confirmation event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestHandle(pub u16);

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SendError {
    /// `TX` transmissions are already in progress.
    #[error("APS transmit queue full")]
    QueueFull,
    /// The payload exceeds the buffer or 255 fragments.
    #[error("payload of {len} bytes exceeds {max}")]
    TooLarge {
        /// Payload length.
        len: usize,
        /// The largest accepted.
        max: usize,
    },
    /// Fragmentation is only for acknowledged unicast (§2.2.8.4.5).
    #[error("a fragmented payload must be sent unicast")]
    FragmentationNeedsUnicast,
    /// No binding for the source endpoint and cluster.
    #[error("no binding")]
    NoBinding,
    /// A bound device's NWK address is not known.
    #[error("no NWK address for bound device {0}")]
    UnknownAddress(Eui64),
    /// APS security with a link key needs a unicast destination.
    #[error("an APS-secured frame must be sent unicast")]
    SecurityNeedsUnicast,
}

/// Why a received frame was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ApsError {
    /// The frame does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// An APS-secured frame: unsecure it first.
    #[error("APS-secured frame given to the data service")]
    Secured,
    /// Delivery mode 0b01 (indirect, retired) or a reserved frame type.
    #[error("unsupported APS frame type or delivery mode")]
    Unsupported,
    /// The `(source, counter)` was accepted within the duplicate rejection
    /// period (the frame is acknowledged again if it asked for it).
    #[error("duplicate APS counter {counter} from {src}")]
    Duplicate {
        /// NWK source.
        src: ShortAddr,
        /// APS counter.
        counter: u8,
    },
    /// Group-addressed to a group with no local member.
    #[error("not a member of group {group:#06x}")]
    NotMember {
        /// The group.
        group: u16,
    },
    /// An acknowledgement that matches no transmission in progress.
    #[error("unexpected APS ack counter {counter} from {src}")]
    UnexpectedAck {
        /// NWK source.
        src: ShortAddr,
        /// APS counter.
        counter: u8,
    },
    /// A block beyond the current window (or the transmission).
    #[error("fragment {block} out of window from {src}")]
    OutOfWindow {
        /// NWK source.
        src: ShortAddr,
        /// Block number.
        block: u8,
    },
    /// A subsequent block of a transmission whose first block has not arrived.
    #[error("fragment {block} from {src} before the first block")]
    NoFirstBlock {
        /// NWK source.
        src: ShortAddr,
        /// Block number.
        block: u8,
    },
    /// A fragmented frame not sent as acknowledged unicast, a zero block
    /// count, or a block of the wrong length.
    #[error("malformed fragment from {src}")]
    BadFragment {
        /// NWK source.
        src: ShortAddr,
    },
    /// The announced size exceeds the reassembly limit.
    #[error("fragmented payload from {src} exceeds the {limit}-byte limit")]
    TooLarge {
        /// NWK source.
        src: ShortAddr,
        /// The limit.
        limit: usize,
    },
    /// `RX` reassemblies are in progress already.
    #[error("reassembly table full")]
    ReassemblyFull,
    /// An APS-secured frame from a device whose link key is not known (or
    /// secured with a key other than the link key, key identifier 0).
    #[error("no link key for the APS-secured frame from {src}")]
    UnknownKey {
        /// NWK source.
        src: ShortAddr,
    },
    /// The APS frame counter is not above the last one accepted from this
    /// source (ZigBee R22 §4.4.1.2), or the counter table is full.
    #[error("replayed APS frame counter {frame_counter} from {src}")]
    Replayed {
        /// NWK source.
        src: ShortAddr,
        /// The frame's counter.
        frame_counter: u32,
    },
    /// The MIC did not verify (tampered, or the wrong key).
    #[error("APS MIC mismatch from {src} (MIC at byte {offset})")]
    Tampered {
        /// NWK source.
        src: ShortAddr,
        /// Offset of the MIC.
        offset: usize,
    },
    /// Any other APS security failure: a security level other than 0 or
    /// nwkSecurityLevel, no nonce source, a bad layout.
    #[error("APS security processing failed for the frame from {src}")]
    BadSecurity {
        /// NWK source.
        src: ShortAddr,
    },
    /// A fragment whose security differs from the first block's.
    #[error("fragment from {src} secured differently from its first block")]
    MixedSecurity {
        /// NWK source.
        src: ShortAddr,
    },
}

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FailReason {
    /// No acknowledgement after apsMaxFrameRetries retries (APS status NO_ACK).
    NoAck,
    /// The frame could not be APS-secured: no link key or IEEE address for
    /// the destination, or the outgoing frame counter failed (APS status
    /// SECURITY_FAIL).
    SecurityFail,
}

/// What the application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ApsEvent {
    /// APSDE-DATA.confirm SUCCESS: acknowledged, or sent when no ack was asked.
    Confirmed(RequestHandle),
    /// APSDE-DATA.confirm failure: the service gave up.
    Failed(RequestHandle, FailReason),
    /// A received frame was refused (also returned by `handle_input`).
    Rejected(ApsError),
    /// A reassembly timed out and was dropped.
    ReassemblyTimeout {
        /// NWK source.
        src: ShortAddr,
        /// APS counter.
        counter: u8,
    },
    /// An acknowledgement could not be queued (the sender will retry).
    AckDropped {
        /// Its destination.
        dst: ShortAddr,
    },
}

/// An APSDE-DATA.indication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataIndication<'a> {
    /// NWK source address.
    pub src: ShortAddr,
    /// Source endpoint.
    pub src_endpoint: u8,
    /// Destination endpoint (absent when group addressed).
    pub dst_endpoint: Option<u8>,
    /// Group (when group addressed).
    pub group: Option<u16>,
    /// Delivery mode.
    pub delivery: DeliveryMode,
    /// Cluster id.
    pub cluster: u16,
    /// Profile id.
    pub profile: u16,
    /// APS counter.
    pub counter: u8,
    /// Whether it arrived fragmented.
    pub fragmented: bool,
    /// Whether it arrived APS-secured with the source's link key (every
    /// block, when fragmented), so the application can insist on it for
    /// clusters that require it.
    pub aps_secured: bool,
    /// The payload (borrowed from the input, or from the reassembly buffer).
    pub payload: &'a [u8],
}

/// What a received frame was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received<'a> {
    /// Data for the application.
    Data(DataIndication<'a>),
    /// An APS command (for the security services).
    Command(ApsCommandFrame<'a>),
    /// An acknowledgement (its effect shows as events).
    Ack,
    /// A block of a fragmented transmission was stored.
    Fragment,
}

/// An APS frame to send: `len` bytes were written; give them to the NWK
/// layer for `dst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// NWK destination.
    pub dst: ShortAddr,
    /// Bytes written.
    pub len: usize,
}

#[derive(Debug, Clone, Copy)]
struct AckOut {
    dst: ShortAddr,
    dst_endpoint: u8,
    src_endpoint: u8,
    cluster: u16,
    profile: u16,
    counter: u8,
    /// Fragmented: (first block of the window, bitfield).
    block: Option<(u8, u8)>,
    /// Acknowledges an APS-secured frame: secured too.
    secured: bool,
}

#[derive(Debug, Clone)]
struct Outgoing<const BUF: usize> {
    handle: RequestHandle,
    req: DataRequest,
    counter: u8,
    payload: Vec<u8, BUF>,
    /// Number of blocks; 0 when not fragmented.
    blocks: u8,
    window_start: u8,
    acked: u8,
    to_send: u8,
    retries: u8,
    deadline: Option<Instant>,
    secured: bool,
}

impl<const BUF: usize> Outgoing<BUF> {
    fn window(&self, w: u8) -> u8 {
        if self.blocks == 0 {
            return 1;
        }
        window_mask(self.blocks.saturating_sub(self.window_start).min(w))
    }

    fn needs_ack(&self) -> bool {
        self.req.ack || self.blocks > 0
    }
}

/// The APS data service; see the module documentation.
#[derive(Debug)]
pub struct ApsDataService<const TX: usize, const RX: usize, const DUP: usize, const BUF: usize> {
    config: ApsConfig,
    counter: u8,
    next_handle: u16,
    outgoing: Vec<Outgoing<BUF>, TX>,
    reassembly: Vec<Reassembly<BUF>, RX>,
    duplicates: DuplicateTable<DUP>,
    acks: Deque<AckOut, ACK_QUEUE>,
    events: Deque<ApsEvent, EVENT_QUEUE>,
    events_lost: u32,
}

impl<const TX: usize, const RX: usize, const DUP: usize, const BUF: usize>
    ApsDataService<TX, RX, DUP, BUF>
{
    /// A new service. `first_counter` is the first APS counter used: after a
    /// restart, start from a random value so that peers' duplicate tables do
    /// not reject the first frames.
    #[must_use]
    pub fn new(config: ApsConfig, first_counter: u8) -> Self {
        let mut config = config;
        config.window_size = config.window_size.clamp(1, 8);
        config.fragment_size = config.fragment_size.max(1);
        config.max_reassembly = config.max_reassembly.min(BUF);
        ApsDataService {
            config,
            counter: first_counter,
            next_handle: 0,
            outgoing: Vec::new(),
            reassembly: Vec::new(),
            duplicates: DuplicateTable::new(),
            acks: Deque::new(),
            events: Deque::new(),
            events_lost: 0,
        }
    }

    /// The configuration in force.
    #[must_use]
    pub const fn config(&self) -> &ApsConfig {
        &self.config
    }

    /// Events lost because the event queue was full.
    #[must_use]
    pub const fn events_lost(&self) -> u32 {
        self.events_lost
    }

    /// Transmissions in progress.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.outgoing.len()
    }

    fn push_event(&mut self, e: ApsEvent) {
        if self.events.push_back(e).is_err() {
            self.events_lost = self.events_lost.saturating_add(1);
        }
    }

    fn reject(&mut self, e: ApsError) -> ApsError {
        self.push_event(ApsEvent::Rejected(e));
        e
    }

    /// APSDE-DATA.request: queues `payload` for `req`.
    ///
    /// # Errors
    /// [`SendError`]; nothing is queued on error.
    pub fn send(&mut self, req: DataRequest, payload: &[u8]) -> Result<RequestHandle, SendError> {
        self.send_inner(req, payload, false)
    }

    /// APSDE-DATA.request with APS security (TxOptions bit 0, ZigBee R22
    /// §2.2.4.1.1): like [`send`](Self::send), but every transmission (each
    /// block when fragmented) is secured with the destination's link key by
    /// [`poll_transmit_secured`](Self::poll_transmit_secured).
    ///
    /// # Errors
    /// [`SendError::SecurityNeedsUnicast`] or any error of [`send`](Self::send).
    pub fn send_secured(
        &mut self,
        req: DataRequest,
        payload: &[u8],
    ) -> Result<RequestHandle, SendError> {
        if req.dst.unicast_nwk().is_none() {
            return Err(SendError::SecurityNeedsUnicast);
        }
        self.send_inner(req, payload, true)
    }

    fn send_inner(
        &mut self,
        req: DataRequest,
        payload: &[u8],
        secured: bool,
    ) -> Result<RequestHandle, SendError> {
        let fragmented = payload.len() > self.config.fragment_size;
        let max = BUF.min(self.config.fragment_size.saturating_mul(255));
        if payload.len() > max {
            return Err(SendError::TooLarge {
                len: payload.len(),
                max,
            });
        }
        if fragmented && req.dst.unicast_nwk().is_none() {
            return Err(SendError::FragmentationNeedsUnicast);
        }
        let blocks = if fragmented {
            u8::try_from(payload.len().div_ceil(self.config.fragment_size)).map_err(|_| {
                SendError::TooLarge {
                    len: payload.len(),
                    max,
                }
            })?
        } else {
            0
        };
        let mut req = req;
        req.ack = req.ack && req.dst.unicast_nwk().is_some();
        let handle = RequestHandle(self.next_handle);
        let payload = Vec::from_slice(payload).map_err(|_| SendError::TooLarge {
            len: payload.len(),
            max,
        })?;
        let mut o = Outgoing {
            handle,
            req,
            counter: self.counter,
            payload,
            blocks,
            window_start: 0,
            acked: 0,
            to_send: 0,
            retries: 0,
            deadline: None,
            secured,
        };
        o.to_send = o.window(self.config.window_size);
        self.outgoing.push(o).map_err(|_| SendError::QueueFull)?;
        self.counter = self.counter.wrapping_add(1);
        self.next_handle = self.next_handle.wrapping_add(1);
        Ok(handle)
    }

    /// Indirect delivery through the binding table (§2.2.4.1.1, DstAddrMode
    /// 0x00): one transmission per binding of `(req.src_endpoint,
    /// req.cluster)`; `req.dst` is ignored. `resolve` maps a bound IEEE
    /// address to its NWK address (the address map). All or nothing.
    ///
    /// # Errors
    /// [`SendError::NoBinding`], [`SendError::UnknownAddress`],
    /// [`SendError::QueueFull`] when fewer than one slot per binding is free,
    /// or any error of [`send`](Self::send).
    pub fn send_bound<const B: usize>(
        &mut self,
        req: DataRequest,
        payload: &[u8],
        bindings: &BindingTable<B>,
        resolve: impl Fn(Eui64) -> Option<ShortAddr>,
    ) -> Result<usize, SendError> {
        let mut dsts: Vec<Destination, B> = Vec::new();
        for b in bindings.lookup(req.src_endpoint, req.cluster) {
            let d = match b {
                BindingDestination::Group(g) => Destination::Group(g),
                BindingDestination::Device { ieee, endpoint } => Destination::Unicast {
                    nwk: resolve(ieee).ok_or(SendError::UnknownAddress(ieee))?,
                    endpoint,
                },
            };
            dsts.push(d).map_err(|_| SendError::QueueFull)?;
        }
        if dsts.is_empty() {
            return Err(SendError::NoBinding);
        }
        if TX - self.outgoing.len() < dsts.len() {
            return Err(SendError::QueueFull);
        }
        for dst in &dsts {
            self.send(DataRequest { dst: *dst, ..req }, payload)?;
        }
        Ok(dsts.len())
    }

    /// Feeds an unsecured APS frame received from NWK address `src`.
    /// Group-addressed frames are delivered only for groups in `groups`.
    ///
    /// # Errors
    /// [`ApsError`]: the frame was refused (also given as [`ApsEvent::Rejected`],
    /// except decode errors and unexpected acknowledgements).
    pub fn handle_input<'s, const G: usize>(
        &'s mut self,
        now: Instant,
        src: ShortAddr,
        bytes: &'s [u8],
        groups: &GroupTable<G>,
    ) -> Result<Received<'s>, ApsError> {
        self.reassembly.retain(|r| !r.done);
        let frame = ApsFrame::decode(bytes)?;
        let payload = match frame.body {
            ApsBody::Payload(p) => p,
            ApsBody::Command(c) => return Ok(Received::Command(c)),
            ApsBody::Secured(_) => return Err(ApsError::Secured),
        };
        let h = frame.header;
        self.dispatch(now, src, &h, payload, groups, false)
    }

    fn dispatch<'s, const G: usize>(
        &'s mut self,
        now: Instant,
        src: ShortAddr,
        h: &ApsHeader,
        payload: &'s [u8],
        groups: &GroupTable<G>,
        secured: bool,
    ) -> Result<Received<'s>, ApsError> {
        match h.frame_control.frame_type {
            ApsFrameType::Ack => self.on_ack(src, h, secured),
            ApsFrameType::Data => self.on_data(now, src, h, payload, groups, secured),
            _ => Err(ApsError::Unsupported),
        }
    }

    /// Feeds an APS frame received from NWK address `src` that may be
    /// APS-secured (ZigBee R22 §4.4.1.2): a secured frame is unsecured in
    /// place in `bytes` with the link key of the source (its IEEE address
    /// from the auxiliary header's extended nonce, else `sec.keys`'s address
    /// map), its frame counter checked against and then recorded in
    /// `sec.incoming`, and then handled as by
    /// [`handle_input`](Self::handle_input) with
    /// [`DataIndication::aps_secured`] set and any acknowledgement secured.
    /// Unsecured frames are handled as by `handle_input`; a secured APS
    /// command is left untouched and refused with [`ApsError::Secured`]
    /// (the trust centre and joiner machines take those).
    ///
    /// # Errors
    /// [`ApsError::UnknownKey`], [`ApsError::Replayed`],
    /// [`ApsError::Tampered`] (the payload bytes are zeroed),
    /// [`ApsError::BadSecurity`] (all also given as [`ApsEvent::Rejected`];
    /// the counter table is unchanged), or any error of `handle_input`.
    pub fn handle_input_secured<'s, const G: usize, K: ApsLinkKeys + ?Sized, const N: usize>(
        &'s mut self,
        now: Instant,
        src: ShortAddr,
        bytes: &'s mut [u8],
        groups: &GroupTable<G>,
        sec: &mut ApsSecurity<'_, K, N>,
    ) -> Result<Received<'s>, ApsError> {
        let fc = ApsFrame::decode_with(bytes, &sec.ctx)?.header.frame_control;
        if !fc.security {
            return self.handle_input(now, src, bytes, groups);
        }
        if fc.frame_type == ApsFrameType::Command {
            // Secured commands belong to the security services (open them
            // with `key_store::open_command`); nothing is changed here.
            return Err(ApsError::Secured);
        }
        self.reassembly.retain(|r| !r.done);
        let keys = DataKeys(sec.keys);
        let nonce_source = sec.keys.ieee(src);
        let u = match unsecure_aps(bytes, &sec.ctx, &keys, sec.incoming, nonce_source) {
            Ok(u) => u,
            Err(e) => {
                let err = match e {
                    SecurityError::Decode(d) => return Err(ApsError::Decode(d)),
                    SecurityError::NoKey { .. } | SecurityError::UnknownKeySequence { .. } => {
                        ApsError::UnknownKey { src }
                    }
                    SecurityError::Replay(ReplayError::Replayed { received, .. }) => {
                        ApsError::Replayed {
                            src,
                            frame_counter: received,
                        }
                    }
                    SecurityError::MicMismatch { offset } => ApsError::Tampered { src, offset },
                    _ => ApsError::BadSecurity { src },
                };
                return Err(self.reject(err));
            }
        };
        let bytes: &'s [u8] = bytes;
        let h = ApsFrame::decode_with(bytes, &sec.ctx)?.header;
        let payload = bytes.get(u.payload).unwrap_or(&[]);
        self.dispatch(now, src, &h, payload, groups, true)
    }

    fn on_ack(
        &mut self,
        src: ShortAddr,
        h: &ApsHeader,
        secured: bool,
    ) -> Result<Received<'static>, ApsError> {
        let counter = h.counter.unwrap_or(0);
        let window = self.config.window_size;
        let unexpected = ApsError::UnexpectedAck { src, counter };
        let idx = self
            .outgoing
            .iter()
            .position(|o| {
                o.counter == counter
                    && o.req.dst.unicast_nwk() == Some(src)
                    && (secured || !o.secured)
            })
            .ok_or(unexpected)?;
        let o = self.outgoing.get_mut(idx).ok_or(unexpected)?;
        let block = h.extended.and_then(|e| e.block_number.zip(e.ack_bitfield));
        let done = match (block, o.blocks) {
            (None, 0) => o.to_send == 0,
            (Some((first, bits)), b) if b > 0 => {
                if first != o.window_start {
                    return Ok(Received::Ack);
                }
                let mask = o.window(window);
                o.acked |= bits & mask;
                o.to_send &= !o.acked;
                if o.acked & mask == mask {
                    let next = u16::from(o.window_start) + u16::from(window);
                    if next >= u16::from(o.blocks) {
                        true
                    } else {
                        o.window_start = u8::try_from(next).unwrap_or(u8::MAX);
                        o.acked = 0;
                        o.retries = 0;
                        o.deadline = None;
                        o.to_send = o.window(window);
                        false
                    }
                } else {
                    false
                }
            }
            _ => return Err(unexpected),
        };
        if done {
            let handle = o.handle;
            self.outgoing.retain(|o| o.handle != handle);
            self.push_event(ApsEvent::Confirmed(handle));
        }
        Ok(Received::Ack)
    }

    fn queue_ack(&mut self, ack: AckOut) {
        if self.acks.push_back(ack).is_err() {
            self.push_event(ApsEvent::AckDropped { dst: ack.dst });
        }
    }

    fn on_data<'s, const G: usize>(
        &'s mut self,
        now: Instant,
        src: ShortAddr,
        h: &ApsHeader,
        payload: &'s [u8],
        groups: &GroupTable<G>,
        secured: bool,
    ) -> Result<Received<'s>, ApsError> {
        let delivery = h.frame_control.delivery;
        if !matches!(
            delivery,
            DeliveryMode::Unicast | DeliveryMode::Broadcast | DeliveryMode::Group
        ) {
            return Err(self.reject(ApsError::Unsupported));
        }
        if let Some(group) = h.group
            && !groups.contains(group)
        {
            return Err(self.reject(ApsError::NotMember { group }));
        }
        let counter = h.counter.unwrap_or(0);
        let ack_wanted = h.frame_control.ack_request && delivery == DeliveryMode::Unicast;
        let ack = AckOut {
            dst: src,
            dst_endpoint: h.src_endpoint.unwrap_or(0),
            src_endpoint: h.dst_endpoint.unwrap_or(0),
            cluster: h.cluster.unwrap_or(0),
            profile: h.profile.unwrap_or(0),
            counter,
            block: None,
            secured,
        };
        let fragment = match h.extended {
            Some(ExtendedHeader {
                fragmentation: Fragmentation::NotFragmented,
                ..
            })
            | None => None,
            Some(ExtendedHeader {
                fragmentation: f @ (Fragmentation::First | Fragmentation::Subsequent),
                block_number: Some(b),
                ..
            }) => Some((f == Fragmentation::First, b)),
            Some(_) => return Err(self.reject(ApsError::BadFragment { src })),
        };
        let Some((first, block)) = fragment else {
            if self.duplicates.is_duplicate(now, src, counter) {
                if ack_wanted {
                    self.queue_ack(ack);
                }
                return Err(self.reject(ApsError::Duplicate { src, counter }));
            }
            self.duplicates
                .record(now, src, counter, self.config.duplicate_timeout);
            if ack_wanted {
                self.queue_ack(ack);
            }
            return Ok(Received::Data(DataIndication {
                src,
                src_endpoint: h.src_endpoint.unwrap_or(0),
                dst_endpoint: h.dst_endpoint,
                group: h.group,
                delivery,
                cluster: h.cluster.unwrap_or(0),
                profile: h.profile.unwrap_or(0),
                counter,
                fragmented: false,
                aps_secured: secured,
                payload,
            }));
        };
        if !ack_wanted {
            return Err(self.reject(ApsError::BadFragment { src }));
        }
        self.on_fragment(now, ack, first, block, payload)
    }

    fn on_fragment(
        &mut self,
        now: Instant,
        ack: AckOut,
        first: bool,
        block: u8,
        data: &[u8],
    ) -> Result<Received<'_>, ApsError> {
        let (src, counter) = (ack.dst, ack.counter);
        let window = self.config.window_size;
        let idx = if first { 0 } else { block };
        if self.duplicates.is_duplicate(now, src, counter) {
            // Completed already: our last acknowledgement was lost.
            self.queue_ack(AckOut {
                block: Some((idx - idx % window, 0xff)),
                ..ack
            });
            return Err(self.reject(ApsError::Duplicate { src, counter }));
        }
        let slot = self
            .reassembly
            .iter()
            .position(|r| r.src == src && r.counter == counter);
        let slot = match slot {
            Some(s) => {
                if self
                    .reassembly
                    .get(s)
                    .is_some_and(|r| r.secured != ack.secured)
                {
                    return Err(self.reject(ApsError::MixedSecurity { src }));
                }
                s
            }
            None if first => {
                let limit = self.config.max_reassembly;
                if block == 0 || data.is_empty() && block > 1 {
                    return Err(self.reject(ApsError::BadFragment { src }));
                }
                if usize::from(block - 1) * data.len() >= limit && block > 1 || data.len() > limit {
                    return Err(self.reject(ApsError::TooLarge { src, limit }));
                }
                let r = Reassembly {
                    src,
                    counter,
                    dst_endpoint: ack.src_endpoint,
                    src_endpoint: ack.dst_endpoint,
                    cluster: ack.cluster,
                    profile: ack.profile,
                    total: block,
                    block_size: data.len(),
                    last_len: 0,
                    window_start: 0,
                    received: 0,
                    deadline: now + self.config.reassembly_timeout,
                    done: false,
                    secured: ack.secured,
                    buf: [0; BUF],
                };
                if self.reassembly.push(r).is_err() {
                    return Err(self.reject(ApsError::ReassemblyFull));
                }
                self.reassembly.len() - 1
            }
            None => return Err(self.reject(ApsError::NoFirstBlock { src, block })),
        };
        let limit = self.config.max_reassembly;
        let deadline = now + self.config.reassembly_timeout;
        let outcome = match self.reassembly.get_mut(slot) {
            Some(r) => r.store(idx, data, window, limit, deadline),
            None => return Err(ApsError::ReassemblyFull),
        };
        let block_ack = |ws: u8, bits: u8| AckOut {
            block: Some((ws, bits)),
            ..ack
        };
        match outcome {
            BlockOutcome::Stored => Ok(Received::Fragment),
            BlockOutcome::WindowDone(ws, bits) => {
                self.queue_ack(block_ack(ws, bits));
                Ok(Received::Fragment)
            }
            BlockOutcome::DuplicateInWindow(ws, bits) => {
                self.queue_ack(block_ack(ws, bits));
                Err(self.reject(ApsError::Duplicate { src, counter }))
            }
            BlockOutcome::EarlierWindow(ws) => {
                self.queue_ack(block_ack(ws, 0xff));
                Err(self.reject(ApsError::Duplicate { src, counter }))
            }
            BlockOutcome::OutOfWindow => {
                Err(self.reject(ApsError::OutOfWindow { src, block: idx }))
            }
            BlockOutcome::BadLength => {
                self.reassembly
                    .retain(|r| !(r.src == src && r.counter == counter));
                Err(self.reject(ApsError::BadFragment { src }))
            }
            BlockOutcome::Complete(ws, bits, len) => {
                self.queue_ack(block_ack(ws, bits));
                self.duplicates
                    .record(now, src, counter, self.config.duplicate_timeout);
                let Some(r) = self.reassembly.get_mut(slot) else {
                    return Err(ApsError::ReassemblyFull);
                };
                r.done = true;
                let r = &*r;
                Ok(Received::Data(DataIndication {
                    src,
                    src_endpoint: r.src_endpoint,
                    dst_endpoint: Some(r.dst_endpoint),
                    group: None,
                    delivery: DeliveryMode::Unicast,
                    cluster: r.cluster,
                    profile: r.profile,
                    counter,
                    fragmented: true,
                    aps_secured: r.secured,
                    payload: r.payload(len),
                }))
            }
        }
    }

    /// Writes the next APS frame to send into `buf` (acknowledgements first).
    /// Returns `None` when nothing is waiting, or when `buf` is too small
    /// (the frame stays queued).
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        self.poll_inner::<NoSecurity>(now, buf, None)
    }

    /// [`poll_transmit`](Self::poll_transmit) that also writes the frames
    /// to be APS-secured (ZigBee R22 §4.4.1.1): secured with the link key
    /// of the destination (looked up through `sec.keys`), key identifier 0,
    /// the extended nonce with `sec.own_ieee`, and the next frame counter
    /// of `sec.outgoing` (persisted through `sec.store` first when a new
    /// block is reserved). A transmission that cannot be secured fails with
    /// [`FailReason::SecurityFail`]; an acknowledgement that cannot be
    /// secured is dropped with [`ApsEvent::AckDropped`].
    pub fn poll_transmit_secured<K: ApsLinkKeys + ?Sized, S: CounterStore, const N: usize>(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        sec: &mut ApsSecurity<'_, K, N>,
        store: &mut S,
    ) -> Option<Transmit> {
        let mut sealer = Sealer { sec, store };
        self.poll_inner(now, buf, Some(&mut sealer))
    }

    fn poll_inner<Z: Seal>(
        &mut self,
        now: Instant,
        buf: &mut [u8],
        mut sealer: Option<&mut Z>,
    ) -> Option<Transmit> {
        while let Some(ack) = self.acks.front().copied() {
            let aux = match (&mut sealer, ack.secured) {
                (_, false) => None,
                (None, true) => return None,
                (Some(z), true) => match z.aux() {
                    Some(a) => Some(a),
                    None => {
                        let _ = self.acks.pop_front();
                        self.push_event(ApsEvent::AckDropped { dst: ack.dst });
                        continue;
                    }
                },
            };
            let len = encode_ack(&ack, aux, buf).ok()?;
            if let (Some(z), Some(_)) = (&mut sealer, aux)
                && !z.seal(ack.dst, buf.get_mut(..len)?)
            {
                let _ = self.acks.pop_front();
                self.push_event(ApsEvent::AckDropped { dst: ack.dst });
                continue;
            }
            let _ = self.acks.pop_front();
            return Some(Transmit { dst: ack.dst, len });
        }
        let frag = self.config.fragment_size;
        let ack_wait = self.config.ack_wait;
        let can_secure = sealer.is_some();
        let idx = self
            .outgoing
            .iter()
            .position(|o| o.to_send != 0 && (can_secure || !o.secured))?;
        let o = self.outgoing.get_mut(idx)?;
        let bit = o.to_send.trailing_zeros();
        let block = o
            .window_start
            .saturating_add(u8::try_from(bit).unwrap_or(0));
        let aux = match (&mut sealer, o.secured) {
            (Some(z), true) => match z.aux() {
                Some(a) => Some(a),
                None => return self.fail_security(idx),
            },
            _ => None,
        };
        let len = encode_data(o, block, frag, aux, buf).ok()?;
        if let (Some(z), Some(_)) = (&mut sealer, aux) {
            let dst = o.req.dst.unicast_nwk()?;
            if !z.seal(dst, buf.get_mut(..len)?) {
                return self.fail_security(idx);
            }
        }
        let o = self.outgoing.get_mut(idx)?;
        o.to_send &= !(1u8 << bit);
        let dst = match o.req.dst {
            Destination::Unicast { nwk, .. } | Destination::Broadcast { nwk, .. } => nwk,
            Destination::Group(_) => ShortAddr::RX_ON_WHEN_IDLE,
        };
        if o.to_send == 0 {
            if o.needs_ack() {
                o.deadline = Some(now + ack_wait);
            } else {
                let handle = o.handle;
                self.outgoing.retain(|o| o.handle != handle);
                self.push_event(ApsEvent::Confirmed(handle));
            }
        }
        Some(Transmit { dst, len })
    }

    fn fail_security(&mut self, idx: usize) -> Option<Transmit> {
        if idx < self.outgoing.len() {
            let o = self.outgoing.remove(idx);
            self.push_event(ApsEvent::Failed(o.handle, FailReason::SecurityFail));
        }
        None
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ApsEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tx = self.outgoing.iter().filter_map(|o| o.deadline);
        let rx = self
            .reassembly
            .iter()
            .filter(|r| !r.done)
            .map(|r| r.deadline);
        tx.chain(rx).min()
    }

    /// Retries unacknowledged transmissions, gives up after
    /// apsMaxFrameRetries, and drops idle reassemblies.
    pub fn handle_timeout(&mut self, now: Instant) {
        let window = self.config.window_size;
        let max_retries = self.config.max_retries;
        let mut failed: Vec<RequestHandle, TX> = Vec::new();
        for o in &mut self.outgoing {
            if o.deadline.is_some_and(|d| d <= now) {
                o.deadline = None;
                if o.retries < max_retries {
                    o.retries += 1;
                    o.to_send = o.window(window) & !o.acked;
                } else {
                    let _ = failed.push(o.handle);
                }
            }
        }
        for h in failed {
            self.outgoing.retain(|o| o.handle != h);
            self.push_event(ApsEvent::Failed(h, FailReason::NoAck));
        }
        let mut expired: Vec<(ShortAddr, u8), RX> = Vec::new();
        self.reassembly.retain(|r| {
            let keep = !r.done && r.deadline > now;
            if !keep && !r.done {
                let _ = expired.push((r.src, r.counter));
            }
            keep
        });
        for (src, counter) in expired {
            self.push_event(ApsEvent::ReassemblyTimeout { src, counter });
        }
    }

    /// Forgets all state but the configuration and the APS counter (a
    /// restart: pending transmissions are failed with no event, as RAM is lost).
    pub fn reset(&mut self) {
        self.outgoing.clear();
        self.reassembly.clear();
        self.duplicates.clear();
        self.acks.clear();
        self.events.clear();
    }
}

/// Link keys for APS security: the caller's key storage and address map.
pub trait ApsLinkKeys {
    /// The IEEE address of the device with NWK address `nwk` (nwkAddressMap).
    fn ieee(&self, nwk: ShortAddr) -> Option<Eui64>;
    /// The link key shared with `ieee` (apsDeviceKeyPairSet).
    fn link_key(&self, ieee: Eui64) -> Option<&ZigbeeKey>;
}

/// The security state [`ApsDataService::handle_input_secured`] and
/// [`ApsDataService::poll_transmit_secured`] work with: `N` incoming
/// counter entries (one per source).
#[derive(Debug)]
pub struct ApsSecurity<'a, K: ?Sized, const N: usize> {
    /// nwkSecurityLevel.
    pub ctx: SecurityContext,
    /// This device's IEEE address (the nonce source of what it secures).
    pub own_ieee: Eui64,
    /// Link keys and the address map.
    pub keys: &'a K,
    /// The outgoing APS frame counter.
    pub outgoing: &'a mut OutgoingFrameCounter,
    /// The last accepted frame counter per source.
    pub incoming: &'a mut IncomingCounters<N>,
}

/// Only the link key itself (key identifier 0) unsecures data frames.
struct DataKeys<'a, K: ?Sized>(&'a K);

impl<K: ApsLinkKeys + ?Sized> KeyLookup for DataKeys<'_, K> {
    fn key(&self, key: KeyIdentifier, source: Eui64) -> Option<&ZigbeeKey> {
        match key {
            KeyIdentifier::Data => self.0.link_key(source),
            _ => None,
        }
    }
}

trait Seal {
    fn aux(&mut self) -> Option<(AuxHeader, usize)>;
    fn seal(&mut self, dst: ShortAddr, frame: &mut [u8]) -> bool;
}

enum NoSecurity {}

impl Seal for NoSecurity {
    fn aux(&mut self) -> Option<(AuxHeader, usize)> {
        None
    }
    fn seal(&mut self, _: ShortAddr, _: &mut [u8]) -> bool {
        false
    }
}

struct Sealer<'x, 'a, K: ?Sized, S, const N: usize> {
    sec: &'x mut ApsSecurity<'a, K, N>,
    store: &'x mut S,
}

impl<K: ApsLinkKeys + ?Sized, S: CounterStore, const N: usize> Seal for Sealer<'_, '_, K, S, N> {
    fn aux(&mut self) -> Option<(AuxHeader, usize)> {
        let frame_counter = self.sec.outgoing.next(self.store).ok()?;
        let aux = AuxHeader {
            level: 0,
            key_id: KeyIdentifier::Data,
            reserved: 0,
            frame_counter,
            source: Some(self.sec.own_ieee),
        };
        Some((aux, mic_len(self.sec.ctx.level)))
    }
    fn seal(&mut self, dst: ShortAddr, frame: &mut [u8]) -> bool {
        let keys = self.sec.keys;
        let Some(key) = keys.ieee(dst).and_then(|i| keys.link_key(i)) else {
            return false;
        };
        secure_aps(frame, &self.sec.ctx, key, Some(self.sec.own_ieee)).is_ok()
    }
}

const MIC_SPACE: [u8; 16] = [0; 16];

/// The body to encode: the plaintext where the ciphertext goes and room
/// for the MIC, secured in place afterwards.
fn body(payload: &[u8], aux: Option<(AuxHeader, usize)>) -> ApsBody<'_> {
    match aux {
        None => ApsBody::Payload(payload),
        Some((aux, mic)) => ApsBody::Secured(SecuredPayload {
            aux,
            ciphertext: payload,
            mic: MIC_SPACE.get(..mic).unwrap_or(&MIC_SPACE),
        }),
    }
}

fn encode_ack(
    a: &AckOut,
    aux: Option<(AuxHeader, usize)>,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    let header = ApsHeader {
        frame_control: ApsFrameControl {
            frame_type: ApsFrameType::Ack,
            delivery: DeliveryMode::Unicast,
            ack_format: false,
            security: aux.is_some(),
            ack_request: false,
            extended_header: a.block.is_some(),
        },
        dst_endpoint: Some(a.dst_endpoint),
        group: None,
        cluster: Some(a.cluster),
        profile: Some(a.profile),
        src_endpoint: Some(a.src_endpoint),
        counter: Some(a.counter),
        extended: a.block.map(|(first, bits)| ExtendedHeader {
            fragmentation: if first == 0 {
                Fragmentation::First
            } else {
                Fragmentation::Subsequent
            },
            reserved: 0,
            block_number: Some(first),
            ack_bitfield: Some(bits),
        }),
    };
    ApsFrame {
        header,
        body: body(&[], aux),
    }
    .encode(buf)
}

fn encode_data<const BUF: usize>(
    o: &Outgoing<BUF>,
    block: u8,
    frag: usize,
    aux: Option<(AuxHeader, usize)>,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    let (delivery, dst_endpoint, group) = match o.req.dst {
        Destination::Unicast { endpoint, .. } => (DeliveryMode::Unicast, Some(endpoint), None),
        Destination::Broadcast { endpoint, .. } => (DeliveryMode::Broadcast, Some(endpoint), None),
        Destination::Group(g) => (DeliveryMode::Group, None, Some(g)),
    };
    let (extended, chunk) = if o.blocks == 0 {
        (None, o.payload.as_slice())
    } else {
        let start = usize::from(block) * frag;
        let end = (start + frag).min(o.payload.len());
        let chunk = o.payload.get(start..end).unwrap_or(&[]);
        let ext = ExtendedHeader {
            fragmentation: if block == 0 {
                Fragmentation::First
            } else {
                Fragmentation::Subsequent
            },
            reserved: 0,
            block_number: Some(if block == 0 { o.blocks } else { block }),
            ack_bitfield: None,
        };
        (Some(ext), chunk)
    };
    ApsFrame {
        header: ApsHeader {
            frame_control: ApsFrameControl {
                frame_type: ApsFrameType::Data,
                delivery,
                ack_format: false,
                security: aux.is_some(),
                ack_request: o.needs_ack(),
                extended_header: extended.is_some(),
            },
            dst_endpoint,
            group,
            cluster: Some(o.req.cluster),
            profile: Some(o.req.profile),
            src_endpoint: Some(o.req.src_endpoint),
            counter: Some(o.counter),
            extended,
        },
        body: body(chunk, aux),
    }
    .encode(buf)
}
