//! A sans-IO HDLC link in normal response mode (IEC 62056-46, clause 6.4.4,
//! after ISO/IEC 13239): the client (primary station) connects with SNRM,
//! exchanges APDUs in I frames and disconnects with DISC; the server
//! (secondary station) answers every poll.
//!
//! # Scope and limits
//!
//! - Stop-and-wait: one I frame is outstanding at a time, every frame
//!   carries P/F = 1. The station proposes and accepts window sizes of 1
//!   only ([`HdlcLink::new`] clamps the configured windows to 1), so a peer
//!   never sends it several frames per poll. Windows above 1 are not
//!   implemented.
//! - APDUs longer than the negotiated maximum information field are sent
//!   in segments (segmentation bit) and reassembled on reception, each
//!   segment acknowledged by an RR poll, as the standard describes.
//! - The LLC header (`E6 E6 00` from the client, `E6 E7 00` from the
//!   server) is added on sending and removed on reception.
//! - Only the client runs a timer: a poll without an answer within
//!   [`LinkConfig::response_timeout`] is retransmitted up to
//!   [`LinkConfig::max_retries`] times, then [`LinkEvent::Timeout`] is
//!   raised and the link is down. The server resends its last reply when
//!   a poll shows that the reply was lost (the poll's N(R) or a duplicate
//!   N(S)), so every APDU is delivered once and in order.
//! - Memory: the APDU buffers are `APDU` bytes each (send and receive),
//!   the receive deframer `RX` bytes; [`LinkError`] reports what does not fit.
//!
//! # Driving it
//!
//! Feed received bytes with [`HdlcLink::handle_input`], then call
//! [`HdlcLink::poll_event`] until `None` and [`HdlcLink::poll_transmit`]
//! until `None`; call [`HdlcLink::handle_timeout`] when the instant of
//! [`HdlcLink::poll_timeout`] has passed. After [`HdlcLink::connect`],
//! [`HdlcLink::send`] or [`HdlcLink::disconnect`], call `poll_transmit`.

use dual_protocol_primitives::time::{Duration, Instant};

use super::Llc;
use super::address::HdlcAddress;
use super::control::Control;
use super::deframer::HdlcDeframer;
use super::frame::HdlcFrame;
use super::params::{HdlcParameters, LinkLimits};
use super::reassembly::Reassembler;
use crate::axdr::{Decode, Encode};

/// Which station this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Role {
    /// Primary station (the DLMS client).
    Client,
    /// Secondary station (the meter).
    Server,
}

/// Link configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkConfig {
    /// Client or server.
    pub role: Role,
    /// This station's address.
    pub local: HdlcAddress,
    /// The peer's address.
    pub remote: HdlcAddress,
    /// What this station supports (proposed in SNRM, or the server's bounds).
    pub limits: LinkLimits,
    /// Client: how long to wait for an answer to a poll.
    pub response_timeout: Duration,
    /// Client: retransmissions of one poll before giving up.
    pub max_retries: u8,
}

/// What the application must know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkEvent {
    /// The link is up with these limits (this station's view).
    Connected(LinkLimits),
    /// A whole APDU arrived: read it with [`HdlcLink::received_apdu`].
    ApduReceived(usize),
    /// The link is down (DISC, DM, FRMR or the answer to our DISC).
    Disconnected,
    /// The client's poll got no answer after every retransmission; the link is down.
    Timeout,
}

/// Why a call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The link is not connected.
    #[error("HDLC link not connected")]
    NotConnected,
    /// An APDU is still being sent.
    #[error("HDLC link busy sending an APDU")]
    Busy,
    /// The APDU (with its LLC header) does not fit the `APDU`-byte buffer.
    #[error("APDU of {len} bytes over the {limit}-byte buffer")]
    TooLong {
        /// The APDU's length with the LLC header.
        len: usize,
        /// The buffer.
        limit: usize,
    },
    /// Only the client connects and disconnects.
    #[error("only the client station may do this")]
    NotClient,
    /// The link is already connected or connecting.
    #[error("HDLC link already up")]
    AlreadyConnected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Disconnected,
    Connecting,
    Connected,
    Disconnecting,
}

/// A frame to (re)send, rebuilt from state when transmitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Out {
    Snrm,
    Disc,
    Ua {
        params: bool,
    },
    Dm,
    Rr,
    /// The outstanding I frame.
    I,
}

const EVENTS: usize = 4;

#[derive(Clone, Debug)]
struct Core<const APDU: usize> {
    cfg: LinkConfig,
    state: State,
    limits: LinkLimits,
    vs: u8,
    vr: u8,
    tx: [u8; APDU],
    tx_len: usize,
    /// Bytes of `tx` acknowledged.
    tx_acked: usize,
    /// Bytes of the outstanding I frame (0: none outstanding).
    tx_outstanding: usize,
    rx: Reassembler<APDU>,
    out: Option<Out>,
    last: Option<Out>,
    deadline: Option<Instant>,
    retries: u8,
    /// Client: the last poll was answered (a timeout then means "poll again").
    answered: bool,
    events: [Option<LinkEvent>; EVENTS],
    dropped_frames: u64,
}

/// An HDLC link station; see the module doc.
#[derive(Clone, Debug)]
#[must_use]
pub struct HdlcLink<const APDU: usize, const RX: usize> {
    core: Core<APDU>,
    deframer: HdlcDeframer<RX>,
}

impl<const APDU: usize, const RX: usize> HdlcLink<APDU, RX> {
    /// A disconnected station (window sizes clamped to 1, see the module doc).
    pub const fn new(cfg: LinkConfig) -> Self {
        let mut cfg = cfg;
        cfg.limits.window_transmit = 1;
        cfg.limits.window_receive = 1;
        Self {
            core: Core {
                cfg,
                state: State::Disconnected,
                limits: LinkLimits::DEFAULT,
                vs: 0,
                vr: 0,
                tx: [0; APDU],
                tx_len: 0,
                tx_acked: 0,
                tx_outstanding: 0,
                rx: Reassembler::new(),
                out: None,
                last: None,
                deadline: None,
                retries: 0,
                answered: true,
                events: [None; EVENTS],
                dropped_frames: 0,
            },
            deframer: HdlcDeframer::new(),
        }
    }

    /// Whether the link is up.
    #[must_use]
    pub fn is_connected(&self) -> bool {
        self.core.state == State::Connected
    }

    /// The limits in force (this station's view).
    #[must_use]
    pub const fn limits(&self) -> LinkLimits {
        self.core.limits
    }

    /// Frames ignored: wrong addresses, unexpected in the current state, or
    /// events lost because the application did not poll them.
    #[must_use]
    pub const fn dropped_frames(&self) -> u64 {
        self.core.dropped_frames
    }

    /// Client: starts connecting (SNRM with this station's limits).
    pub fn connect(&mut self) -> Result<(), LinkError> {
        let c = &mut self.core;
        if c.cfg.role != Role::Client {
            return Err(LinkError::NotClient);
        }
        if c.state != State::Disconnected {
            return Err(LinkError::AlreadyConnected);
        }
        c.state = State::Connecting;
        c.retries = 0;
        c.out = Some(Out::Snrm);
        Ok(())
    }

    /// Client: starts disconnecting (DISC).
    pub fn disconnect(&mut self) -> Result<(), LinkError> {
        let c = &mut self.core;
        if c.cfg.role != Role::Client {
            return Err(LinkError::NotClient);
        }
        if c.state == State::Disconnected {
            return Err(LinkError::NotConnected);
        }
        c.state = State::Disconnecting;
        c.retries = 0;
        c.out = Some(Out::Disc);
        Ok(())
    }

    /// Queues an APDU (without LLC header) for sending.
    pub fn send(&mut self, apdu: &[u8]) -> Result<(), LinkError> {
        let c = &mut self.core;
        if c.state != State::Connected {
            return Err(LinkError::NotConnected);
        }
        if c.tx_len > 0 {
            return Err(LinkError::Busy);
        }
        let llc = match c.cfg.role {
            Role::Client => Llc::Command,
            Role::Server => Llc::Response,
        };
        let len = apdu.len() + 3;
        let Some(dst) = c.tx.get_mut(..len) else {
            return Err(LinkError::TooLong { len, limit: APDU });
        };
        let (head, body) = dst.split_at_mut(3);
        head.copy_from_slice(&llc.bytes());
        body.copy_from_slice(apdu);
        c.tx_len = len;
        c.tx_acked = 0;
        c.tx_outstanding = 0;
        if c.cfg.role == Role::Client && c.out.is_none() && c.answered {
            c.out = Some(Out::I);
        }
        Ok(())
    }

    /// The last APDU received (LLC header removed).
    #[must_use]
    pub fn received_apdu(&self) -> &[u8] {
        let whole = self.core.rx.completed().unwrap_or(&[]);
        Llc::split(whole).map_or(whole, |(_, rest)| rest)
    }

    /// Feeds received bytes (any split of the serial stream).
    pub fn handle_input(&mut self, now: Instant, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = self.deframer.feed(bytes);
            bytes = bytes.get(n..).unwrap_or(&[]);
            while let Some(f) = self.deframer.poll_frame() {
                self.core.on_frame(now, &f);
            }
        }
    }

    /// The next frame to send, written into `buf` (flags included); `None`
    /// when there is nothing to send or `buf` is too small for it.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        self.core.poll_transmit(now, buf)
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<LinkEvent> {
        let e = self.core.events.first_mut().and_then(Option::take);
        self.core.events.rotate_left(1);
        e
    }

    /// When [`HdlcLink::handle_timeout`] must be called.
    #[must_use]
    pub const fn poll_timeout(&self) -> Option<Instant> {
        self.core.deadline
    }

    /// Fires the client's response timer if `now` has reached it.
    pub fn handle_timeout(&mut self, now: Instant) {
        let c = &mut self.core;
        match c.deadline {
            Some(d) if now >= d => {}
            _ => return,
        }
        c.deadline = None;
        if c.answered {
            // Answered with nothing: poll again for the response.
            c.out = Some(Out::Rr);
            return;
        }
        if c.retries >= c.cfg.max_retries {
            c.down(LinkEvent::Timeout);
            return;
        }
        c.retries += 1;
        c.out = c.last;
    }
}

impl<const APDU: usize> Core<APDU> {
    fn push_event(&mut self, e: LinkEvent) {
        match self.events.iter_mut().find(|s| s.is_none()) {
            Some(slot) => *slot = Some(e),
            None => self.dropped_frames += 1,
        }
    }

    fn down(&mut self, e: LinkEvent) {
        self.state = State::Disconnected;
        self.deadline = None;
        self.out = None;
        self.tx_len = 0;
        self.tx_outstanding = 0;
        self.rx.reset();
        self.push_event(e);
    }

    fn reset_sequence(&mut self) {
        self.vs = 0;
        self.vr = 0;
        self.tx_len = 0;
        self.tx_acked = 0;
        self.tx_outstanding = 0;
        self.rx.reset();
    }

    /// Processes the peer's N(R): acknowledges the outstanding I frame.
    fn ack(&mut self, nr: u8) {
        if self.tx_outstanding > 0 && nr == self.vs {
            self.tx_acked += self.tx_outstanding;
            self.tx_outstanding = 0;
            if self.tx_acked >= self.tx_len {
                self.tx_len = 0;
                self.tx_acked = 0;
            }
        }
    }

    /// What to answer a poll with, or (client) what to send next.
    fn next_out(&self) -> Option<Out> {
        if self.tx_len > 0 { Some(Out::I) } else { None }
    }

    fn on_frame(&mut self, now: Instant, f: &HdlcFrame<'_>) {
        if f.destination != self.cfg.local || f.source != self.cfg.remote {
            self.dropped_frames += 1;
            return;
        }
        match self.cfg.role {
            Role::Client => self.client_frame(now, f),
            Role::Server => self.server_frame(f),
        }
    }

    fn receive_i(&mut self, ns: u8, f: &HdlcFrame<'_>) -> bool {
        if ns != self.vr {
            return false; // a duplicate: already delivered
        }
        self.vr = (self.vr + 1) & 7;
        match self.rx.push(f) {
            Ok(Some(apdu)) => {
                let n = Llc::split(apdu).map_or(apdu.len(), |(_, r)| r.len());
                self.push_event(LinkEvent::ApduReceived(n));
            }
            Ok(None) => {}
            Err(_) => self.dropped_frames += 1,
        }
        true
    }

    fn client_frame(&mut self, now: Instant, f: &HdlcFrame<'_>) {
        if !f.control.poll_final() {
            // In NRM with window 1 every answer carries F.
            self.dropped_frames += 1;
            return;
        }
        match (self.state, f.control) {
            (State::Connecting, Control::Ua { .. }) => {
                let server = if f.information.is_empty() {
                    LinkLimits::DEFAULT
                } else {
                    match HdlcParameters::decode(f.information) {
                        Ok(p) => p.limits(),
                        Err(_) => {
                            self.dropped_frames += 1;
                            return;
                        }
                    }
                };
                let own = self.cfg.limits;
                let s = server.swapped();
                self.limits = LinkLimits {
                    max_info_transmit: own.max_info_transmit.min(s.max_info_transmit),
                    max_info_receive: own.max_info_receive.min(s.max_info_receive),
                    window_transmit: own.window_transmit.min(s.window_transmit),
                    window_receive: own.window_receive.min(s.window_receive),
                };
                self.state = State::Connected;
                self.reset_sequence();
                self.answered();
                self.push_event(LinkEvent::Connected(self.limits));
            }
            (State::Connecting | State::Connected, Control::Dm { .. } | Control::Frmr { .. })
            | (State::Disconnecting, Control::Ua { .. } | Control::Dm { .. }) => {
                self.down(LinkEvent::Disconnected);
            }
            (State::Connected, Control::I { ns, nr, .. }) => {
                self.ack(nr);
                self.receive_i(ns, f);
                self.answered();
                self.out = if f.segmented {
                    Some(Out::Rr)
                } else {
                    self.next_out()
                };
            }
            (State::Connected, Control::Rr { nr, .. } | Control::Rnr { nr, .. }) => {
                let lost = self.tx_outstanding > 0 && nr != self.vs;
                self.ack(nr);
                self.answered();
                self.out = if lost { Some(Out::I) } else { self.next_out() };
                if self.out.is_none() && !self.rx.in_progress() {
                    // Nothing to send: the answer may come later; poll again
                    // after the response timeout.
                    self.deadline = Some(later(now, self.cfg.response_timeout));
                }
            }
            _ => self.dropped_frames += 1,
        }
    }

    fn answered(&mut self) {
        self.deadline = None;
        self.retries = 0;
        self.answered = true;
    }

    fn server_frame(&mut self, f: &HdlcFrame<'_>) {
        match (self.state, f.control) {
            (_, Control::Snrm { .. }) => {
                let proposed = if f.information.is_empty() {
                    Ok(HdlcParameters::default())
                } else {
                    HdlcParameters::decode(f.information)
                };
                let Ok(proposed) = proposed else {
                    self.out = Some(Out::Dm);
                    return;
                };
                self.limits = HdlcParameters::negotiate(&proposed, self.cfg.limits);
                self.reset_sequence();
                if self.state != State::Connected {
                    self.state = State::Connected;
                    self.push_event(LinkEvent::Connected(self.limits));
                }
                self.out = Some(Out::Ua { params: true });
            }
            (State::Connected, Control::Disc { .. }) => {
                self.down(LinkEvent::Disconnected);
                self.out = Some(Out::Ua { params: false });
            }
            (_, Control::Disc { .. }) => self.out = Some(Out::Dm),
            (State::Connected, Control::I { ns, nr, .. }) => {
                let lost = self.tx_outstanding > 0 && nr != self.vs;
                self.ack(nr);
                self.receive_i(ns, f);
                self.out = Some(if lost || self.tx_len > 0 {
                    Out::I
                } else {
                    Out::Rr
                });
            }
            (State::Connected, Control::Rr { nr, .. } | Control::Rnr { nr, .. }) => {
                let lost = self.tx_outstanding > 0 && nr != self.vs;
                self.ack(nr);
                self.out = Some(if lost || self.tx_len > 0 {
                    Out::I
                } else {
                    Out::Rr
                });
            }
            (State::Connected, _) => self.dropped_frames += 1,
            _ => self.out = Some(Out::Dm),
        }
    }

    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        // A server answers RR when the application has queued nothing yet;
        // if it has queued since, send that instead.
        if self.cfg.role == Role::Server && self.out == Some(Out::Rr) && self.tx_len > 0 {
            self.out = Some(Out::I);
        }
        let out = self.out?;
        let mut params = [0u8; 32];
        let (control, segmented, information): (Control, bool, &[u8]) = match out {
            Out::Snrm => {
                let p = HdlcParameters::from_limits(self.cfg.limits);
                let n = p.encode(&mut params).ok()?;
                (Control::Snrm { poll_final: true }, false, params.get(..n)?)
            }
            Out::Ua { params: true } => {
                let p = HdlcParameters::from_limits(self.limits);
                let n = p.encode(&mut params).ok()?;
                (Control::Ua { poll_final: true }, false, params.get(..n)?)
            }
            Out::Ua { params: false } => (Control::Ua { poll_final: true }, false, &[]),
            Out::Disc => (Control::Disc { poll_final: true }, false, &[]),
            Out::Dm => (Control::Dm { poll_final: true }, false, &[]),
            Out::Rr => (
                Control::Rr {
                    nr: self.vr,
                    poll_final: true,
                },
                false,
                &[],
            ),
            Out::I => {
                if self.tx_len == 0 {
                    self.out = None;
                    return None;
                }
                let rest = self.tx.get(self.tx_acked..self.tx_len)?;
                let retransmit = self.tx_outstanding > 0;
                let seg = if retransmit {
                    self.tx_outstanding
                } else {
                    rest.len()
                        .min((self.limits.max_info_transmit as usize).max(1))
                };
                // N(S) of a new frame is `vs` (stepped once it is out); a
                // retransmission repeats the previous one.
                let ns = if retransmit {
                    (self.vs + 7) & 7
                } else {
                    self.vs
                };
                self.tx_outstanding = seg;
                (
                    Control::I {
                        ns,
                        nr: self.vr,
                        poll_final: true,
                    },
                    seg < rest.len(),
                    rest.get(..seg)?,
                )
            }
        };
        let frame = HdlcFrame {
            segmented,
            destination: self.cfg.remote,
            source: self.cfg.local,
            control,
            information,
        };
        let n = frame.encode(buf).ok()?;
        if let Control::I { ns, .. } = control
            && ns == self.vs
        {
            self.vs = (self.vs + 1) & 7;
        }
        self.out = None;
        self.last = Some(out);
        if self.cfg.role == Role::Client {
            self.answered = false;
            self.deadline = now.checked_add(self.cfg.response_timeout);
        }
        Some(n)
    }
}

fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(now)
}
