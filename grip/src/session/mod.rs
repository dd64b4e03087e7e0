//! The GRIP session state machine for both roles (docs/grip.md §5–§10),
//! sans-IO: it never touches a socket, a clock or a global RNG.
//!
//! One [`Session`] is one logical session with one peer; it outlives TCP
//! connections (resumption, §8). The caller runs the TLS connection and:
//!
//! 1. calls [`Session::connect`] with the peer's TLS-authenticated EUI-64
//!    when a connection is up;
//! 2. feeds received bytes to [`Session::handle_input`], which returns how
//!    many it took (it stops early while an event must be polled first);
//! 3. drains [`Session::poll_event`] after every `handle_input`,
//!    `handle_timeout`, `poll_transmit` and API call;
//! 4. drains [`Session::poll_transmit`] into the connection after every
//!    call above (the buffer must hold a whole frame: at least the peer's
//!    `MAX_FRAME`, [`Session::min_transmit_buffer`]);
//! 5. calls [`Session::handle_timeout`] at [`Session::poll_timeout`];
//! 6. calls [`Session::disconnected`] when TCP drops.
//!
//! All storage is inline with const-generic capacities (`RX` receive
//! buffer = largest frame accepted, `ARENA` retained payload octets, `MSGS`
//! retained frames, `DEVICES` device-table rows, `EVENTS` queued events),
//! so the hub side needs no heap; a head end picks larger capacities (and
//! boxes the session). With feature `serde` the whole state serializes.
//!
//! Connection-level events (connected, reset, closed, GOAWAY, ended) wait
//! in a queue of `EVENTS` entries; `handle_input` stops reading while fewer
//! than three are free. An application that calls the lifecycle methods
//! (`connect`, `close`, `disconnected`, `handle_timeout`) more than
//! `EVENTS` times without polling loses the oldest of these events; message,
//! chunk and delivery reports are never queued there and never lost.

mod error;
mod outbox;

pub use error::{CallerError, PeerError, SessionError, UnsupportedError};
pub use outbox::Ticket;

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor};
use dual_protocol_primitives::time::{Duration, Instant};
use heapless::{Deque, Vec};

use crate::deframer::Deframer;
use crate::error::DecodeError;
use crate::frame::{
    Capabilities, Chunk, Close, CloseReason, Credit, DEFAULT_MAX_FRAME, Features, Frame, GoAway,
    GoAwayCode, HEADER_LEN, Hello, MAX_FRAME_LIMIT, MIN_MAX_FRAME, Message, Priority, Resume,
    SessionId, Welcome,
};
use outbox::{Devices, Entry, Kind, Outbox, State};

/// The protocol version this implementation speaks (docs/grip.md §5).
pub const VERSION: u8 = 1;
/// Default KEEPALIVE when absent (§5.3).
pub const DEFAULT_KEEPALIVE_SECS: u16 = 120;
/// Default INITIAL_WINDOW when absent (§5.3).
pub const DEFAULT_WINDOW: u16 = 4;
/// Default MAX_DEVICES when absent (§5.3).
pub const DEFAULT_MAX_DEVICES: u16 = 16;
/// Open transfers per session (sending side).
pub const MAX_TRANSFERS: usize = 4;

/// Which side of the connection this session is (§2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Role {
    /// Opens the connection and sends HELLO.
    Hub,
    /// Accepts the connection and answers WELCOME.
    HeadEnd,
}

/// Session configuration. Every limit here is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Config {
    /// Our role.
    pub role: Role,
    /// Largest frame we accept (clamped to the session's `RX`).
    pub max_frame: u32,
    /// Proposed keepalive interval in seconds (§10).
    pub keepalive_secs: u16,
    /// Per-device window we grant the peer (§7.1).
    pub initial_window: u16,
    /// Devices with unreleased messages we accept at once (MAX_DEVICES,
    /// clamped to `DEVICES`). Rows for devices whose window
    /// [`Session::set_window`] changed also take rows of the `DEVICES`
    /// table, so leave room for them.
    pub max_devices: u16,
    /// Features offered.
    pub features: Features,
    /// Send an ACK after this many unacknowledged frames (§6.2).
    pub ack_every: u16,
    /// ... or this long after the first.
    pub ack_delay: Duration,
    /// Release every delivered message at once when the application polls
    /// it (a head end); otherwise call [`Session::release`] (a hub).
    pub auto_release: bool,
    /// Lowest version offered or accepted.
    pub min_version: u8,
    /// Highest version offered or accepted.
    pub max_version: u8,
}

impl Config {
    /// Defaults for a role (§5.3 defaults, ACK every 16 or 100 ms).
    #[must_use]
    pub const fn new(role: Role) -> Self {
        Config {
            role,
            max_frame: DEFAULT_MAX_FRAME as u32,
            keepalive_secs: DEFAULT_KEEPALIVE_SECS,
            initial_window: DEFAULT_WINDOW,
            max_devices: 12,
            features: Features::SUPPORTED,
            ack_every: 16,
            ack_delay: Duration::from_millis(100),
            auto_release: matches!(role, Role::HeadEnd),
            min_version: VERSION,
            max_version: VERSION,
        }
    }
}

/// A message to submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outgoing<'a> {
    /// What the payload is and for which device.
    pub descriptor: PayloadDescriptor,
    /// Priority class.
    pub priority: Priority,
    /// The peer's message id this answers.
    pub reply_to: Option<u32>,
    /// The payload.
    pub payload: &'a [u8],
}

/// What the application must know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The handshake completed.
    Connected {
        /// The session id.
        session: SessionId,
        /// An earlier session was resumed (§8.2).
        resumed: bool,
    },
    /// The previous session could not be resumed and a fresh one started
    /// (§8.3); its unacknowledged frames follow as [`Event::Lost`].
    SessionReset {
        /// The session that was lost.
        previous: SessionId,
    },
    /// A message from the peer, delivered exactly once.
    Message(Message<'a>),
    /// A chunk of a transfer from the peer, delivered exactly once.
    Chunk(Chunk<'a>),
    /// The peer acknowledged a submitted message or chunk.
    Delivered {
        /// The handle `send` returned.
        ticket: Ticket,
        /// Its id.
        id: u32,
    },
    /// Session reset while unacknowledged: the peer may or may not have it.
    Lost {
        /// The handle `send` returned.
        ticket: Ticket,
    },
    /// Certainly not processed by the peer (GOAWAY, too large for the
    /// peer's MAX_FRAME, or a chunk whose transfer the reset broke): safe
    /// to send again.
    NotProcessed {
        /// The handle `send` returned.
        ticket: Ticket,
    },
    /// The peer sent GOAWAY (§9).
    PeerGoingAway {
        /// The peer's cursor.
        last_received: u32,
        /// Its reason.
        code: GoAwayCode,
    },
    /// Both GOAWAYs were exchanged: the session is over; close TCP.
    Ended,
    /// The connection was closed (the session is kept, resumable).
    Closed {
        /// Why.
        reason: CloseReason,
        /// The detail value (§10).
        detail: u32,
        /// The peer sent the CLOSE.
        by_peer: bool,
    },
    /// [`Session::disconnected`] was called.
    ConnectionLost,
}

/// Queued events that borrow nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
enum Queued {
    Connected(SessionId, bool),
    SessionReset(SessionId),
    PeerGoingAway(u32, GoAwayCode),
    Ended,
    Closed(CloseReason, u32, bool),
    ConnectionLost,
}

/// Connection state (§8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConnState {
    /// No connection.
    Disconnected,
    /// Waiting for HELLO or WELCOME.
    Handshaking,
    /// Messages flow.
    Established,
    /// A CLOSE is queued; after it is transmitted: `Disconnected`.
    Closing,
}

/// Counters for monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stats {
    /// Frames received.
    pub frames_in: u64,
    /// Frames transmitted.
    pub frames_out: u64,
    /// Sequenced frames dropped as duplicates (§6.1).
    pub duplicates: u64,
    /// Sequenced frames re-sent after a resumption.
    pub resent: u64,
    /// Connections established.
    pub connections: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Transfer {
    id: u32,
    descriptor: PayloadDescriptor,
    priority: Priority,
    total: u32,
    next: u32,
}

/// Parameters agreed in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Agreed {
    peer_max_frame: usize,
    peer_window: u16,
    peer_max_devices: u16,
    features: Features,
    keepalive: Duration,
}

/// Control frames waiting for transmission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
struct Control {
    hello: bool,
    /// WELCOME to send: (version, resumed).
    welcome: Option<(u8, bool)>,
    close: Option<Close>,
    goaway: Option<GoAway>,
    pong: Option<[u8; 8]>,
    ping: Option<[u8; 8]>,
    ack: bool,
}

/// Summary of a received frame, copied out of the receive buffer.
enum In {
    Hello(u8, u8, Capabilities<'static>),
    Welcome(u8, bool, SessionId, u32, Capabilities<'static>),
    Ack(u32),
    Ping([u8; 8]),
    Pong,
    GoAway(GoAway),
    Close(Close),
    Message(u32, Option<u32>, HanDevice),
    Chunk(u32, HanDevice),
    Credit(Credit),
    Unknown(u8),
}

fn strip(c: Capabilities<'_>) -> Capabilities<'static> {
    Capabilities {
        max_frame: c.max_frame,
        keepalive_secs: c.keepalive_secs,
        initial_window: c.initial_window,
        max_devices: c.max_devices,
        features: c.features,
        resume: c.resume,
        extensions: &[],
    }
}

/// A GRIP session (either role); see the module documentation.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Session<
    const RX: usize,
    const ARENA: usize,
    const MSGS: usize,
    const DEVICES: usize,
    const EVENTS: usize,
> {
    config: Config,
    state: ConnState,
    conn_peer: Option<Eui64>,
    bound_peer: Option<Eui64>,
    session: Option<SessionId>,
    candidate: SessionId,
    agreed: Agreed,
    // sending side
    last_sent: u32,
    peer_acked: u32,
    resend_next: Option<u32>,
    next_ticket: u64,
    next_transfer: u32,
    transfers: Vec<Transfer, MAX_TRANSFERS>,
    outbox: Outbox<ARENA, MSGS>,
    // receiving side
    cursor: u32,
    acked_sent: u32,
    ack_due: Option<Instant>,
    deframer: Deframer<RX>,
    delivery: Option<(usize, usize)>,
    /// Flow control of what we receive (§7).
    rx_devices: Devices<DEVICES>,
    /// Flow control of what we send (§7).
    tx_devices: Devices<DEVICES>,
    // shutdown
    goaway_local: Option<u32>,
    goaway_sent: bool,
    goaway_peer: Option<u32>,
    // timers
    last_rx: Instant,
    last_tx: Instant,
    ping_seq: u64,
    control: Control,
    events: Deque<Queued, EVENTS>,
    stats: Stats,
}

/// A hub-sized session: 16 KiB frames, 32 KiB / 64 retained frames,
/// 16 devices, heap-free (about 50 KiB of RAM).
pub type HubSession = Session<16_388, 32_768, 64, 16, 16>;

/// A head-end-sized session: 64 KiB frames, 256 KiB / 1,024 retained
/// frames, 1,024 devices. Box it.
pub type HeadEndSession = Session<65_540, 262_144, 1024, 1024, 64>;

type R<T> = Result<T, SessionError>;

impl<
    const RX: usize,
    const ARENA: usize,
    const MSGS: usize,
    const DEVICES: usize,
    const EVENTS: usize,
> Session<RX, ARENA, MSGS, DEVICES, EVENTS>
{
    /// A session with no connection yet.
    #[must_use]
    pub fn new(mut config: Config) -> Self {
        let max = (config.max_frame as usize)
            .clamp(MIN_MAX_FRAME, MAX_FRAME_LIMIT)
            .min(RX.max(MIN_MAX_FRAME));
        config.max_frame = max as u32;
        config.max_devices = config
            .max_devices
            .clamp(1, u16::try_from(DEVICES.max(1)).unwrap_or(u16::MAX));
        config.keepalive_secs = config.keepalive_secs.max(1);
        config.initial_window = config.initial_window.max(1);
        config.ack_every = config.ack_every.max(1);
        Session {
            config,
            state: ConnState::Disconnected,
            conn_peer: None,
            bound_peer: None,
            session: None,
            candidate: SessionId::default(),
            agreed: Agreed {
                peer_max_frame: DEFAULT_MAX_FRAME,
                peer_window: DEFAULT_WINDOW,
                peer_max_devices: DEFAULT_MAX_DEVICES,
                features: Features(0),
                keepalive: Duration::from_secs(u64::from(config.keepalive_secs)),
            },
            last_sent: 0,
            peer_acked: 0,
            resend_next: None,
            next_ticket: 0,
            next_transfer: 0,
            transfers: Vec::new(),
            outbox: Outbox::new(),
            cursor: 0,
            acked_sent: 0,
            ack_due: None,
            deframer: Deframer::new(max),
            delivery: None,
            rx_devices: Devices::new(),
            tx_devices: Devices::new(),
            goaway_local: None,
            goaway_sent: false,
            goaway_peer: None,
            last_rx: Instant::ZERO,
            last_tx: Instant::ZERO,
            ping_seq: 0,
            control: Control::default(),
            events: Deque::new(),
            stats: Stats::default(),
        }
    }

    /// The configuration in force (after clamping).
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The connection state.
    #[must_use]
    pub fn state(&self) -> ConnState {
        self.state
    }

    /// The session id, once a handshake completed.
    #[must_use]
    pub fn session_id(&self) -> Option<SessionId> {
        self.session
    }

    /// The identity the session is bound to (§8.1).
    #[must_use]
    pub fn bound_peer(&self) -> Option<Eui64> {
        self.bound_peer
    }

    /// Monitoring counters.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Our cursor: the last id accepted from the peer (§6.1).
    #[must_use]
    pub fn cursor(&self) -> u32 {
        self.cursor
    }

    /// The id of the last frame we transmitted.
    #[must_use]
    pub fn last_sent(&self) -> u32 {
        self.last_sent
    }

    /// Retained frames and their payload octets.
    #[must_use]
    pub fn retained(&self) -> (usize, usize) {
        (self.outbox.len(), self.outbox.used_bytes())
    }

    /// The agreed keepalive interval (the proposal before a handshake).
    #[must_use]
    pub fn keepalive(&self) -> Duration {
        self.agreed.keepalive
    }

    /// The smallest `poll_transmit` buffer that always fits a frame.
    #[must_use]
    pub fn min_transmit_buffer(&self) -> usize {
        self.agreed.peer_max_frame.max(64)
    }

    /// The largest MESSAGE payload for this descriptor under the peer's
    /// MAX_FRAME (the default until a handshake).
    #[must_use]
    pub fn max_payload(&self, descriptor: &PayloadDescriptor, reply: bool) -> usize {
        self.agreed
            .peer_max_frame
            .saturating_sub(HEADER_LEN + Message::overhead(reply, descriptor))
    }

    /// The largest CHUNK data for this descriptor.
    #[must_use]
    pub fn max_chunk(&self, descriptor: &PayloadDescriptor) -> usize {
        self.agreed
            .peer_max_frame
            .saturating_sub(HEADER_LEN + Chunk::overhead(descriptor))
    }

    // ------------------------------------------------------------------
    // Connection lifecycle
    // ------------------------------------------------------------------

    /// A TLS connection is up with a peer whose certificate names `peer`.
    /// The hub queues HELLO; the head end draws a candidate session id
    /// from `rng` and waits for HELLO.
    ///
    /// If the session is bound to another identity (§8.1) it stays
    /// untouched, a CLOSE(IDENTITY_MISMATCH) is queued for this connection
    /// and `Peer(IdentityMismatch)` is returned.
    pub fn connect<G: rand_core::CryptoRng + ?Sized>(
        &mut self,
        now: Instant,
        peer: Eui64,
        rng: &mut G,
    ) -> R<()> {
        if matches!(self.state, ConnState::Handshaking | ConnState::Established) {
            return Err(CallerError::AlreadyConnected.into());
        }
        self.deframer.reset();
        self.delivery = None;
        self.control = Control::default();
        self.conn_peer = Some(peer);
        self.last_rx = now;
        self.last_tx = now;
        if self.bound_peer.is_some_and(|b| b != peer) {
            self.state = ConnState::Handshaking;
            return Err(self.fail(PeerError::IdentityMismatch.into()));
        }
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut id);
        self.candidate = SessionId(id);
        self.state = ConnState::Handshaking;
        self.agreed.keepalive = Duration::from_secs(u64::from(self.config.keepalive_secs));
        if self.config.role == Role::Hub {
            self.control.hello = true;
        }
        Ok(())
    }

    /// The TCP connection dropped (the session is kept for resumption).
    pub fn disconnected(&mut self, _now: Instant) {
        if self.state != ConnState::Disconnected {
            self.state = ConnState::Disconnected;
            self.push_event(Queued::ConnectionLost);
        }
        self.after_disconnect();
    }

    fn after_disconnect(&mut self) {
        self.deframer.reset();
        self.delivery = None;
        self.control = Control::default();
        self.ack_due = None;
        self.resend_next = None;
        self.conn_peer = None;
        // An unanswered GOAWAY is void when the connection goes.
        if self.goaway_peer.is_none() {
            self.goaway_local = None;
            self.goaway_sent = false;
        }
    }

    /// Closes the connection with NORMAL (the session stays resumable).
    pub fn close(&mut self, _now: Instant) {
        if matches!(self.state, ConnState::Handshaking | ConnState::Established) {
            self.queue_close(CloseReason::Normal, 0, false);
        }
    }

    /// Starts an orderly shutdown of the session (§9).
    pub fn go_away(&mut self, _now: Instant) -> R<()> {
        if self.state != ConnState::Established {
            return Err(CallerError::NotConnected.into());
        }
        self.start_goaway(GoAwayCode::Shutdown);
        Ok(())
    }

    fn start_goaway(&mut self, code: GoAwayCode) {
        if self.goaway_local.is_none() {
            self.goaway_local = Some(self.cursor);
            self.control.ack = true;
            self.control.goaway = Some(GoAway {
                last_received: self.cursor,
                code,
            });
        }
    }

    // ------------------------------------------------------------------
    // Submitting
    // ------------------------------------------------------------------

    fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        Ticket(self.next_ticket)
    }

    /// Queues a message; it is transmitted when its device has credit and
    /// its priority is the most urgent waiting (§7.3).
    pub fn send(&mut self, _now: Instant, msg: Outgoing<'_>) -> R<Ticket> {
        if self.goaway_local.is_some() || self.goaway_peer.is_some() {
            return Err(CallerError::GoingAway.into());
        }
        let max = self.max_payload(&msg.descriptor, msg.reply_to.is_some());
        if msg.payload.len() > max {
            return Err(CallerError::PayloadTooLarge {
                len: msg.payload.len(),
                max,
            }
            .into());
        }
        let ticket = self.ticket();
        let entry = Entry {
            ticket: ticket.0,
            state: State::Queued,
            kind: Kind::Message {
                reply_to: msg.reply_to,
            },
            descriptor: msg.descriptor,
            priority: msg.priority,
            off: 0,
            len: 0,
        };
        self.outbox
            .push(entry, msg.payload)
            .map_err(|()| CallerError::QueueFull)?;
        Ok(ticket)
    }

    /// Opens a transfer of `total` octets starting at `offset` (non-zero
    /// to continue an object after a lost session, §4.2). Returns its id.
    pub fn start_transfer(
        &mut self,
        descriptor: PayloadDescriptor,
        priority: Priority,
        total: u32,
        offset: u32,
    ) -> R<u32> {
        if self.goaway_local.is_some() || self.goaway_peer.is_some() {
            return Err(CallerError::GoingAway.into());
        }
        if self.state == ConnState::Established && !self.agreed.features.contains(Features::CHUNKED)
        {
            return Err(CallerError::NotNegotiated.into());
        }
        if total == 0 || offset >= total {
            return Err(CallerError::TransferOverrun.into());
        }
        self.next_transfer = self.next_transfer.wrapping_add(1);
        let id = self.next_transfer;
        self.transfers
            .push(Transfer {
                id,
                descriptor,
                priority,
                total,
                next: offset,
            })
            .map_err(|_| CallerError::TransferTableFull)?;
        Ok(id)
    }

    /// Queues the next piece of a transfer (at most [`Self::max_chunk`]
    /// octets, at least one). The transfer closes with its last octet.
    pub fn send_chunk(&mut self, _now: Instant, transfer: u32, data: &[u8]) -> R<Ticket> {
        let i = self
            .transfers
            .iter()
            .position(|t| t.id == transfer)
            .ok_or(CallerError::UnknownTransfer(transfer))?;
        let t = *self
            .transfers
            .get(i)
            .ok_or(CallerError::UnknownTransfer(transfer))?;
        let max = self.max_chunk(&t.descriptor);
        if data.len() > max {
            return Err(CallerError::PayloadTooLarge {
                len: data.len(),
                max,
            }
            .into());
        }
        let end = u64::from(t.next) + data.len() as u64;
        if data.is_empty() || end > u64::from(t.total) {
            return Err(CallerError::TransferOverrun.into());
        }
        let ticket = Ticket(self.next_ticket + 1);
        let entry = Entry {
            ticket: ticket.0,
            state: State::Queued,
            kind: Kind::Chunk {
                transfer,
                total: t.total,
                offset: t.next,
            },
            descriptor: t.descriptor,
            priority: t.priority,
            off: 0,
            len: 0,
        };
        self.outbox
            .push(entry, data)
            .map_err(|()| CallerError::QueueFull)?;
        self.next_ticket += 1;
        if end == u64::from(t.total) {
            self.transfers.remove(i);
        } else if let Some(t) = self.transfers.get_mut(i) {
            t.next = end as u32;
        }
        Ok(ticket)
    }

    /// Whether a payload of `len` octets would fit the retention store now.
    #[must_use]
    pub fn can_queue(&self, len: usize) -> bool {
        self.outbox.fits(len)
    }

    /// Messages of `device` delivered to the application and not released.
    #[must_use]
    pub fn outstanding(&self, device: HanDevice) -> u32 {
        self.rx_devices.get(&device).map_or(0, |d| d.rx_outstanding)
    }

    /// The application has finished with `n` messages of `device`: return
    /// their credit to the peer (§7.1). Not needed with `auto_release`.
    pub fn release(&mut self, device: HanDevice, n: u32) -> R<()> {
        let outstanding = self.rx_devices.get(&device).map_or(0, |d| d.rx_outstanding);
        if n > outstanding {
            return Err(CallerError::ReleaseExceedsOutstanding {
                requested: n,
                outstanding,
            }
            .into());
        }
        if let Some(d) = self.rx_devices.entry(&device) {
            d.rx_outstanding -= n;
            d.rx_release_pending += n;
        }
        Ok(())
    }

    /// Sets the window we grant the peer for `device` (§7.2), e.g. 1 for a
    /// sleepy gas meter.
    pub fn set_window(&mut self, device: HanDevice, window: u16) -> R<()> {
        if window == 0 {
            return Err(CallerError::InvalidWindow.into());
        }
        let target = i32::from(window) - i32::from(self.config.initial_window);
        let d = self
            .rx_devices
            .entry(&device)
            .ok_or(CallerError::DeviceTableFull)?;
        let delta = target - d.rx_target;
        d.rx_target = target;
        d.rx_window_pending += delta;
        if delta > 0 {
            d.rx_adjust += delta;
        }
        self.rx_devices.gc(&device);
        Ok(())
    }

    // ------------------------------------------------------------------
    // Input
    // ------------------------------------------------------------------

    /// Feeds bytes received on the connection; returns how many were
    /// taken. It stops early while a received message waits in
    /// [`Self::poll_event`] (or the event queue is nearly full): poll the
    /// events, then call again with the rest.
    ///
    /// On a protocol error the connection is closing (a CLOSE is queued:
    /// drain [`Self::poll_transmit`], then drop TCP) and the error says why.
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) -> R<usize> {
        if !matches!(self.state, ConnState::Handshaking | ConnState::Established) {
            return Err(CallerError::NotConnected.into());
        }
        let mut rest = input;
        let mut taken = 0usize;
        loop {
            if self.delivery.is_some()
                || self.events.len() + 3 > EVENTS
                || !matches!(self.state, ConnState::Handshaking | ConnState::Established)
            {
                break;
            }
            match self.deframer.next_raw() {
                Err(e) => return Err(self.fail(SessionError::Malformed(e))),
                Ok(Some(range)) => {
                    self.last_rx = now;
                    self.stats.frames_in += 1;
                    self.process(now, range)?;
                }
                Ok(None) => {
                    if rest.is_empty() {
                        break;
                    }
                    let n = self.deframer.push(rest);
                    if n == 0 {
                        break;
                    }
                    taken += n;
                    rest = rest.get(n..).unwrap_or_default();
                }
            }
        }
        Ok(taken)
    }

    fn summarize(&self, range: (usize, usize)) -> Result<In, DecodeError> {
        Ok(match Frame::decode(self.deframer.raw(range))? {
            Frame::Hello(h) => In::Hello(h.min_version, h.max_version, strip(h.caps)),
            Frame::Welcome(w) => In::Welcome(
                w.version,
                w.resumed,
                w.session,
                w.last_received,
                strip(w.caps),
            ),
            Frame::Ack { last_received } => In::Ack(last_received),
            Frame::Ping(d) => In::Ping(d),
            Frame::Pong(_) => In::Pong,
            Frame::GoAway(g) => In::GoAway(g),
            Frame::Close(c) => In::Close(c),
            Frame::Message(m) => In::Message(m.id, m.reply_to, m.descriptor.device),
            Frame::Chunk(c) => In::Chunk(c.id, c.descriptor.device),
            Frame::Credit(c) => In::Credit(c),
            Frame::Unknown { frame_type, .. } => In::Unknown(frame_type),
        })
    }

    fn process(&mut self, now: Instant, range: (usize, usize)) -> R<()> {
        let frame = match self.summarize(range) {
            Ok(f) => f,
            Err(e) => return Err(self.fail(SessionError::Malformed(e))),
        };
        let handshaking = self.state == ConnState::Handshaking;
        let result = match frame {
            In::Close(c) => {
                self.state = ConnState::Disconnected;
                self.push_event(Queued::Closed(c.reason, c.detail, true));
                self.after_disconnect();
                Ok(())
            }
            In::Unknown(t) => Err(SessionError::Unsupported(UnsupportedError::FrameType(t))),
            In::Hello(min, max, caps) if handshaking && self.config.role == Role::HeadEnd => {
                self.on_hello(now, min, max, &caps)
            }
            In::Welcome(v, resumed, session, lr, caps)
                if handshaking && self.config.role == Role::Hub =>
            {
                self.on_welcome(v, resumed, session, lr, &caps)
            }
            _ if handshaking => Err(self.unexpected(range)),
            In::Hello(..) | In::Welcome(..) => Err(self.unexpected(range)),
            In::Ack(lr) => self.on_ack(lr),
            In::Ping(d) => {
                self.control.pong = Some(d);
                Ok(())
            }
            In::Pong => Ok(()),
            In::GoAway(g) => self.on_goaway(g),
            In::Message(id, reply_to, device) => {
                self.on_sequenced(now, id, Some(device), range, reply_to)
            }
            In::Chunk(id, device) => {
                if self.agreed.features.contains(Features::CHUNKED) {
                    self.on_sequenced(now, id, Some(device), range, None)
                } else {
                    Err(PeerError::NotNegotiated { id }.into())
                }
            }
            In::Credit(c) => self.on_credit(now, c, range),
        };
        result.map_err(|e| self.fail(e))
    }

    fn unexpected(&self, range: (usize, usize)) -> SessionError {
        let t = self.deframer.raw(range).first().copied().unwrap_or(0);
        PeerError::UnexpectedFrame { frame_type: t }.into()
    }

    fn negotiate(&mut self, caps: &Capabilities<'_>, keepalive: u16) {
        self.agreed = Agreed {
            peer_max_frame: caps.max_frame.map_or(DEFAULT_MAX_FRAME, |m| m as usize),
            peer_window: caps.initial_window.unwrap_or(DEFAULT_WINDOW),
            peer_max_devices: caps.max_devices.unwrap_or(DEFAULT_MAX_DEVICES),
            features: caps
                .features
                .unwrap_or(Features(0))
                .and(self.config.features),
            keepalive: Duration::from_secs(u64::from(keepalive.max(1))),
        };
    }

    fn own_caps(&self, keepalive: u16, resume: Option<Resume>) -> Capabilities<'static> {
        Capabilities {
            max_frame: Some(self.config.max_frame),
            keepalive_secs: Some(keepalive),
            initial_window: Some(self.config.initial_window),
            max_devices: Some(self.config.max_devices),
            features: Some(self.config.features),
            resume,
            extensions: &[],
        }
    }

    fn on_hello(&mut self, now: Instant, min: u8, max: u8, caps: &Capabilities<'_>) -> R<()> {
        let lo = min.max(self.config.min_version);
        let hi = max.min(self.config.max_version);
        if lo > hi {
            return Err(SessionError::Unsupported(UnsupportedError::Version {
                min,
                max,
            }));
        }
        let keepalive = caps
            .keepalive_secs
            .unwrap_or(DEFAULT_KEEPALIVE_SECS)
            .min(self.config.keepalive_secs);
        let resume = caps
            .resume
            .filter(|r| self.session == Some(r.session) && self.session.is_some());
        let resumed = if let Some(r) = resume {
            self.resume_from(r.last_received)?;
            true
        } else {
            if let Some(prev) = self.session {
                self.reset_session(prev);
            }
            self.session = Some(self.candidate);
            self.bound_peer = self.conn_peer;
            false
        };
        self.negotiate(caps, keepalive);
        self.control.welcome = Some((hi, resumed));
        self.established(now, resumed);
        Ok(())
    }

    fn on_welcome(
        &mut self,
        version: u8,
        resumed: bool,
        session: SessionId,
        last_received: u32,
        caps: &Capabilities<'_>,
    ) -> R<()> {
        if !(self.config.min_version..=self.config.max_version).contains(&version) {
            return Err(SessionError::Unsupported(UnsupportedError::Version {
                min: version,
                max: version,
            }));
        }
        if resumed {
            if self.session != Some(session) {
                return Err(PeerError::BadResume.into());
            }
            self.resume_from(last_received)?;
        } else {
            if let Some(prev) = self.session {
                self.reset_session(prev);
            }
            self.session = Some(session);
            self.bound_peer = self.conn_peer;
        }
        let keepalive = caps
            .keepalive_secs
            .unwrap_or(DEFAULT_KEEPALIVE_SECS)
            .min(self.config.keepalive_secs);
        self.negotiate(caps, keepalive);
        self.established(self.last_rx, resumed);
        Ok(())
    }

    fn established(&mut self, _now: Instant, resumed: bool) {
        self.state = ConnState::Established;
        self.stats.connections += 1;
        if let Some(s) = self.session {
            self.push_event(Queued::Connected(s, resumed));
        }
        // The peer may have lost our last ACK: tell it our cursor soon.
        if self.cursor > 0 {
            self.control.ack = true;
        }
        self.acked_sent = self.cursor;
    }

    /// Resumption with the peer's cursor `lr` (§8.2).
    fn resume_from(&mut self, lr: u32) -> R<()> {
        self.on_ack(lr)?;
        self.resend_next = (lr < self.last_sent).then_some(lr + 1);
        Ok(())
    }

    /// A fresh session replaces `prev` (§8.3).
    fn reset_session(&mut self, prev: SessionId) {
        self.push_event(Queued::SessionReset(prev));
        for i in 0..self.outbox.len() {
            let Some(e) = self.outbox.entries.get(i).copied() else {
                continue;
            };
            match (e.state, e.kind) {
                (State::Sent(_), Kind::Credit { .. }) | (State::Queued, Kind::Credit { .. }) => {
                    // Credits belong to the old session: forget them.
                    self.outbox.set_state(i, State::Acked(0));
                }
                (State::Sent(_), _) => self.outbox.set_state(i, State::Lost),
                (State::Queued, Kind::Chunk { .. }) => {
                    self.outbox.set_state(i, State::NotProcessed);
                }
                _ => {}
            }
        }
        self.drop_internal_acked();
        self.transfers.clear();
        self.rx_devices = Devices::new();
        self.tx_devices = Devices::new();
        self.last_sent = 0;
        self.peer_acked = 0;
        self.resend_next = None;
        self.cursor = 0;
        self.acked_sent = 0;
        self.ack_due = None;
        self.goaway_local = None;
        self.goaway_peer = None;
        self.goaway_sent = false;
    }

    /// Removes acknowledged CREDIT entries (nothing to report for them).
    fn drop_internal_acked(&mut self) {
        let mut i = 0;
        while i < self.outbox.len() {
            let drop = self.outbox.entries.get(i).is_some_and(|e| {
                matches!((e.state, e.kind), (State::Acked(_), Kind::Credit { .. }))
            });
            if drop {
                self.outbox.remove(i);
            } else {
                i += 1;
            }
        }
    }

    fn on_ack(&mut self, lr: u32) -> R<()> {
        if lr > self.last_sent {
            return Err(PeerError::AckUnknown {
                acked: lr,
                last_sent: self.last_sent,
            }
            .into());
        }
        if lr <= self.peer_acked {
            return Ok(());
        }
        self.peer_acked = lr;
        let mut credit_acked = false;
        for i in 0..self.outbox.len() {
            let Some(e) = self.outbox.entries.get(i).copied() else {
                continue;
            };
            if let State::Sent(id) = e.state
                && id <= lr
            {
                if let Kind::Credit {
                    device,
                    window_change,
                    ..
                } = e.kind
                {
                    credit_acked = true;
                    if window_change < 0
                        && let Some(d) = self.rx_devices.entry(&device)
                    {
                        d.rx_adjust += i32::from(window_change);
                    }
                    self.rx_devices.gc(&device);
                }
                self.outbox.set_state(i, State::Acked(id));
            }
        }
        if credit_acked {
            self.drop_internal_acked();
        }
        Ok(())
    }

    fn on_goaway(&mut self, g: GoAway) -> R<()> {
        self.on_ack(g.last_received)?;
        if self.goaway_peer.is_none() {
            self.goaway_peer = Some(g.last_received);
            self.push_event(Queued::PeerGoingAway(g.last_received, g.code));
            self.start_goaway(GoAwayCode::Shutdown);
            self.maybe_end();
        }
        Ok(())
    }

    /// Both GOAWAYs exchanged (ours transmitted): end the session (§9).
    fn maybe_end(&mut self) {
        let (Some(_), true, Some(peer_lr)) =
            (self.goaway_local, self.goaway_sent, self.goaway_peer)
        else {
            return;
        };
        for i in 0..self.outbox.len() {
            let Some(e) = self.outbox.entries.get(i).copied() else {
                continue;
            };
            match (e.state, e.kind) {
                (_, Kind::Credit { .. }) => self.outbox.set_state(i, State::Acked(0)),
                (State::Sent(id), _) if id > peer_lr => {
                    self.outbox.set_state(i, State::NotProcessed);
                }
                (State::Queued, _) => self.outbox.set_state(i, State::NotProcessed),
                _ => {}
            }
        }
        self.drop_internal_acked();
        self.push_event(Queued::Ended);
        self.session = None;
        self.bound_peer = None;
        self.transfers.clear();
        self.rx_devices = Devices::new();
        self.tx_devices = Devices::new();
        self.last_sent = 0;
        self.peer_acked = 0;
        self.resend_next = None;
        self.cursor = 0;
        self.acked_sent = 0;
        self.ack_due = None;
        self.goaway_local = None;
        self.goaway_peer = None;
        self.goaway_sent = false;
        self.state = ConnState::Disconnected;
        self.after_disconnect();
    }

    /// Sequence check shared by MESSAGE, CHUNK and CREDIT (§6.1); returns
    /// whether the frame is new.
    fn accept_id(&mut self, now: Instant, id: u32) -> R<bool> {
        if self.goaway_local.is_some_and(|g| id > g) {
            return Ok(false);
        }
        if id <= self.cursor {
            self.stats.duplicates += 1;
            self.control.ack = true;
            return Ok(false);
        }
        if Some(id) != self.cursor.checked_add(1) {
            return Err(PeerError::SequenceGap {
                expected: self.cursor.wrapping_add(1),
                got: id,
            }
            .into());
        }
        Ok(self.cursor_advance(now, id))
    }

    fn cursor_advance(&mut self, now: Instant, id: u32) -> bool {
        self.cursor = id;
        if self.ack_due.is_none() {
            self.ack_due = now.checked_add(self.config.ack_delay);
        }
        if self.cursor - self.acked_sent >= u32::from(self.config.ack_every) {
            self.control.ack = true;
        }
        true
    }

    fn on_sequenced(
        &mut self,
        now: Instant,
        id: u32,
        device: Option<HanDevice>,
        range: (usize, usize),
        reply_to: Option<u32>,
    ) -> R<()> {
        // Sequence first, without advancing: a duplicate costs no credit.
        if self.goaway_local.is_some_and(|g| id > g) {
            return Ok(());
        }
        if id <= self.cursor {
            self.stats.duplicates += 1;
            self.control.ack = true;
            return Ok(());
        }
        if Some(id) != self.cursor.checked_add(1) {
            return Err(PeerError::SequenceGap {
                expected: self.cursor.wrapping_add(1),
                got: id,
            }
            .into());
        }
        if let Some(r) = reply_to
            && r > self.last_sent
        {
            return Err(PeerError::AckUnknown {
                acked: r,
                last_sent: self.last_sent,
            }
            .into());
        }
        if let Some(dev) = device {
            let window = i64::from(self.config.initial_window);
            let known = self.rx_devices.get(&dev).copied();
            let (outstanding, adjust) = known.map_or((0, 0), |d| (d.rx_outstanding, d.rx_adjust));
            if i64::from(outstanding) + 1 > window + i64::from(adjust) {
                return Err(PeerError::CreditViolation { id }.into());
            }
            if outstanding == 0 {
                let active = self
                    .rx_devices
                    .list
                    .iter()
                    .filter(|d| d.rx_outstanding > 0)
                    .count();
                if active >= usize::from(self.config.max_devices) {
                    return Err(PeerError::ResourceExhausted { id }.into());
                }
            }
            let d = self
                .rx_devices
                .entry(&dev)
                .ok_or(PeerError::ResourceExhausted { id })?;
            d.rx_outstanding += 1;
        }
        self.cursor_advance(now, id);
        if let Some(r) = reply_to {
            self.on_ack(r)?;
        }
        self.delivery = Some(range);
        Ok(())
    }

    fn on_credit(&mut self, now: Instant, c: Credit, _range: (usize, usize)) -> R<()> {
        if !self.accept_id(now, c.id)? {
            return Ok(());
        }
        let d = self
            .tx_devices
            .entry(&c.device)
            .ok_or(PeerError::ResourceExhausted { id: c.id })?;
        if c.released > d.tx_in_flight {
            return Err(PeerError::CreditViolation { id: c.id }.into());
        }
        d.tx_in_flight -= c.released;
        d.tx_adjust += i32::from(c.window_change);
        self.tx_devices.gc(&c.device);
        Ok(())
    }

    /// Closes because of `e`: queues CLOSE, reports it, returns `e`.
    fn fail(&mut self, e: SessionError) -> SessionError {
        if let Some((reason, detail)) = e.close_reason() {
            self.queue_close(reason, detail, false);
        }
        e
    }

    fn queue_close(&mut self, reason: CloseReason, detail: u32, by_peer: bool) {
        self.control = Control {
            close: Some(Close { reason, detail }),
            ..Control::default()
        };
        self.state = ConnState::Closing;
        self.delivery = None;
        self.push_event(Queued::Closed(reason, detail, by_peer));
    }

    fn push_event(&mut self, q: Queued) {
        // `handle_input` keeps three slots free; beyond that the oldest
        // connection-level event gives way (never a message).
        if self.events.is_full() {
            let _ = self.events.pop_front();
        }
        let _ = self.events.push_back(q);
    }

    // ------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------

    /// The next event, if any. Poll until `None` after every other call.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        if let Some(q) = self.events.pop_front() {
            return Some(match q {
                Queued::Connected(session, resumed) => Event::Connected { session, resumed },
                Queued::SessionReset(previous) => Event::SessionReset { previous },
                Queued::PeerGoingAway(last_received, code) => Event::PeerGoingAway {
                    last_received,
                    code,
                },
                Queued::Ended => Event::Ended,
                Queued::Closed(reason, detail, by_peer) => Event::Closed {
                    reason,
                    detail,
                    by_peer,
                },
                Queued::ConnectionLost => Event::ConnectionLost,
            });
        }
        if self.outbox.reportable > 0
            && let Some(i) = self.outbox.entries.iter().position(Entry::is_reportable)
            && let Some(e) = self.outbox.remove(i)
        {
            let ticket = Ticket(e.ticket);
            return Some(match e.state {
                State::Acked(id) => Event::Delivered { ticket, id },
                State::Lost => Event::Lost { ticket },
                _ => Event::NotProcessed { ticket },
            });
        }
        let range = self.delivery.take()?;
        let frame = Frame::decode(self.deframer.raw(range)).ok()?;
        let device = match &frame {
            Frame::Message(m) => m.descriptor.device,
            Frame::Chunk(c) => c.descriptor.device,
            _ => return None,
        };
        if self.config.auto_release
            && let Some(d) = self.rx_devices.entry(&device)
            && d.rx_outstanding > 0
        {
            d.rx_outstanding -= 1;
            d.rx_release_pending += 1;
        }
        match frame {
            Frame::Message(m) => Some(Event::Message(m)),
            Frame::Chunk(c) => Some(Event::Chunk(c)),
            _ => None,
        }
    }

    // ------------------------------------------------------------------
    // Timers
    // ------------------------------------------------------------------

    fn idle_limit(&self) -> Duration {
        self.agreed.keepalive + self.agreed.keepalive / 2
    }

    /// When [`Self::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if !matches!(self.state, ConnState::Handshaking | ConnState::Established) {
            return None;
        }
        let idle = self.last_rx.checked_add(self.idle_limit());
        let mut t = idle;
        if self.state == ConnState::Established {
            let ping = self.last_tx.checked_add(self.agreed.keepalive);
            for x in [ping, self.ack_due] {
                t = match (t, x) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        t
    }

    /// Fires due timers: ACK delay, keepalive PING, idle timeout (§10).
    pub fn handle_timeout(&mut self, now: Instant) {
        if !matches!(self.state, ConnState::Handshaking | ConnState::Established) {
            return;
        }
        if self
            .last_rx
            .checked_add(self.idle_limit())
            .is_some_and(|t| now >= t)
        {
            let _ = self.fail(PeerError::IdleTimeout.into());
            return;
        }
        if self.state != ConnState::Established {
            return;
        }
        if self.ack_due.is_some_and(|t| now >= t) {
            self.control.ack = true;
        }
        if self
            .last_tx
            .checked_add(self.agreed.keepalive)
            .is_some_and(|t| now >= t)
            && self.control.ping.is_none()
        {
            self.ping_seq += 1;
            self.control.ping = Some(self.ping_seq.to_be_bytes());
        }
    }

    // ------------------------------------------------------------------
    // Output
    // ------------------------------------------------------------------

    /// Writes as many whole frames as fit into `buf`; `None` when there is
    /// nothing to send. Call until `None` after every other call.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        let mut n = 0usize;
        while let Some(w) = self.next_frame(now, buf.get_mut(n..).unwrap_or_default()) {
            n += w;
            self.stats.frames_out += 1;
            if !matches!(self.state, ConnState::Handshaking | ConnState::Established) {
                break;
            }
        }
        if n > 0 {
            self.last_tx = now;
            Some(n)
        } else {
            None
        }
    }

    fn put(frame: &Frame<'_>, out: &mut [u8]) -> Option<usize> {
        frame.encode(out).ok()
    }

    /// Writes one frame; `None` if nothing is due or it does not fit.
    fn next_frame(&mut self, _now: Instant, out: &mut [u8]) -> Option<usize> {
        match self.state {
            ConnState::Closing => {
                let close = self.control.close?;
                let n = Self::put(&Frame::Close(close), out)?;
                self.control.close = None;
                self.state = ConnState::Disconnected;
                self.after_disconnect();
                return Some(n);
            }
            ConnState::Disconnected => return None,
            ConnState::Handshaking => {
                if self.control.hello {
                    let resume = self.session.map(|s| Resume {
                        session: s,
                        last_received: self.cursor,
                    });
                    let hello = Hello {
                        min_version: self.config.min_version,
                        max_version: self.config.max_version,
                        caps: self.own_caps(self.config.keepalive_secs, resume),
                    };
                    let n = Self::put(&Frame::Hello(hello), out)?;
                    self.control.hello = false;
                    return Some(n);
                }
                return None;
            }
            ConnState::Established => {}
        }
        if let Some((version, resumed)) = self.control.welcome {
            let keepalive = u16::try_from(self.agreed.keepalive.as_secs()).unwrap_or(u16::MAX);
            let welcome = Welcome {
                version,
                resumed,
                session: self.session.unwrap_or_default(),
                last_received: self.cursor,
                caps: self.own_caps(keepalive, None),
            };
            let n = Self::put(&Frame::Welcome(welcome), out)?;
            self.control.welcome = None;
            return Some(n);
        }
        if let Some(d) = self.control.pong {
            let n = Self::put(&Frame::Pong(d), out)?;
            self.control.pong = None;
            return Some(n);
        }
        let ack_due = self.control.ack
            || self.cursor.saturating_sub(self.acked_sent) >= u32::from(self.config.ack_every);
        if ack_due && self.cursor > self.acked_sent || self.control.ack && self.cursor > 0 {
            let n = Self::put(
                &Frame::Ack {
                    last_received: self.cursor,
                },
                out,
            )?;
            self.control.ack = false;
            self.acked_sent = self.cursor;
            self.ack_due = None;
            return Some(n);
        }
        self.control.ack = false;
        if let Some(g) = self.control.goaway {
            let n = Self::put(&Frame::GoAway(g), out)?;
            self.control.goaway = None;
            self.goaway_sent = true;
            self.maybe_end();
            return Some(n);
        }
        if let Some(d) = self.control.ping {
            let n = Self::put(&Frame::Ping(d), out)?;
            self.control.ping = None;
            return Some(n);
        }
        if self.goaway_local.is_some() {
            return None;
        }
        if let Some(n) = self.resend(out) {
            return Some(n);
        }
        if self.resend_next.is_some() {
            return None;
        }
        if let Some(n) = self.send_credit(out) {
            return Some(n);
        }
        self.send_new(out)
    }

    fn encode_entry(&self, e: &Entry, id: u32, dup: bool, out: &mut [u8]) -> Option<usize> {
        let payload = self.outbox.payload(e);
        let frame = match e.kind {
            Kind::Message { reply_to } => Frame::Message(Message {
                id,
                priority: e.priority,
                dup,
                reply_to,
                descriptor: e.descriptor,
                payload,
            }),
            Kind::Chunk {
                transfer,
                total,
                offset,
            } => Frame::Chunk(Chunk {
                id,
                priority: e.priority,
                dup,
                transfer,
                total,
                offset,
                descriptor: e.descriptor,
                data: payload,
            }),
            Kind::Credit {
                device,
                released,
                window_change,
            } => Frame::Credit(Credit {
                id,
                dup,
                device,
                released,
                window_change,
            }),
        };
        Self::put(&frame, out)
    }

    fn resend(&mut self, out: &mut [u8]) -> Option<usize> {
        while let Some(id) = self.resend_next {
            if id > self.last_sent {
                self.resend_next = None;
                return None;
            }
            let Some(i) = self.outbox.find_sent(id) else {
                self.resend_next = id.checked_add(1);
                continue;
            };
            let e = *self.outbox.entries.get(i)?;
            let n = self.encode_entry(&e, id, true, out)?;
            self.resend_next = id.checked_add(1);
            self.stats.resent += 1;
            return Some(n);
        }
        None
    }

    fn next_id(&mut self) -> Option<u32> {
        if self.last_sent == u32::MAX {
            self.start_goaway(GoAwayCode::IdsExhausted);
            return None;
        }
        Some(self.last_sent + 1)
    }

    fn send_credit(&mut self, out: &mut [u8]) -> Option<usize> {
        let d = *self.rx_devices.list.iter().find(|d| d.credit_pending())?;
        if !self.outbox.fits(0) {
            return None;
        }
        let id = self.next_id()?;
        let window_change =
            i16::try_from(d.rx_window_pending).unwrap_or(if d.rx_window_pending < 0 {
                i16::MIN
            } else {
                i16::MAX
            });
        let entry = Entry {
            ticket: 0,
            state: State::Sent(id),
            kind: Kind::Credit {
                device: d.device,
                released: d.rx_release_pending,
                window_change,
            },
            descriptor: PayloadDescriptor::hub(
                dual_protocol_primitives::payload::PayloadKind::HubManagement,
            ),
            priority: Priority::Critical,
            off: 0,
            len: 0,
        };
        let n = self.encode_entry(&entry, id, false, out)?;
        self.outbox.push(entry, &[]).ok()?;
        self.last_sent = id;
        if let Some(x) = self.rx_devices.entry(&d.device) {
            x.rx_release_pending = 0;
            x.rx_window_pending -= i32::from(window_change);
        }
        self.rx_devices.gc(&d.device);
        Some(n)
    }

    fn can_send_to(&self, dev: &HanDevice, active: usize) -> bool {
        match self.tx_devices.get(dev) {
            Some(d) => {
                let window = i64::from(self.agreed.peer_window) + i64::from(d.tx_adjust);
                i64::from(d.tx_in_flight) < window
                    && (d.tx_active() || active < usize::from(self.agreed.peer_max_devices))
            }
            None => {
                !self.tx_devices.is_full() && active < usize::from(self.agreed.peer_max_devices)
            }
        }
    }

    fn send_new(&mut self, out: &mut [u8]) -> Option<usize> {
        let active = self
            .tx_devices
            .list
            .iter()
            .filter(|d| d.tx_active())
            .count();
        let mut best: Option<(usize, Priority)> = None;
        for (i, e) in self.outbox.entries.iter().enumerate() {
            if e.state != State::Queued || best.is_some_and(|(_, p)| e.priority >= p) {
                continue;
            }
            if self.can_send_to(&e.descriptor.device, active) {
                best = Some((i, e.priority));
                if e.priority == Priority::Critical {
                    break;
                }
            }
        }
        let (i, _) = best?;
        let e = *self.outbox.entries.get(i)?;
        let id = self.next_id()?;
        let len = match e.kind {
            Kind::Chunk { .. } => HEADER_LEN + Chunk::overhead(&e.descriptor),
            Kind::Message { reply_to } => {
                HEADER_LEN + Message::overhead(reply_to.is_some(), &e.descriptor)
            }
            Kind::Credit { .. } => 0,
        } + e.len as usize;
        if len > self.agreed.peer_max_frame {
            // The peer's MAX_FRAME is below what was assumed at `send`.
            self.outbox.set_state(i, State::NotProcessed);
            return self.send_new(out);
        }
        let n = self.encode_entry(&e, id, false, out)?;
        self.outbox.set_state(i, State::Sent(id));
        self.last_sent = id;
        if let Some(d) = self.tx_devices.entry(&e.descriptor.device) {
            d.tx_in_flight += 1;
        }
        Some(n)
    }
}
