//! The per-tunnel engine shared by client and server: send buffer,
//! segmentation, flow control, acknowledgement and retransmission, and the
//! receive side's duplicate filter and octet budget (SE 1.4 annex D.6.3.3
//! and D.6.4.2).

use dual_protocol_primitives::time::{Duration, Instant};

use super::{CloseReason, Event, Fifo, QUEUE, Transmit, TunnelError};
use crate::cluster::tunneling::{
    AckTransferData, CloseTunnel, ReadyData, RequestTunnelResponse, ServerAckTransferData,
    ServerReadyData, ServerTransferDataError, TransferDataError, TransferDataStatus,
    TunnelClosureNotification, TunnelStatus,
};
use crate::error::EncodeError;
use crate::frame::Direction;

/// Tunnel machine settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Largest TransferData `data` this side puts in one frame (what the
    /// APS payload allows after the 5-octet ZCL header and tunnel id);
    /// segments are also no larger than the peer's maximum incoming transfer size.
    pub max_segment: u16,
    /// This side's maximum incoming transfer size (RequestTunnel /
    /// RequestTunnelResponse field); also the receive budget under flow control.
    pub max_incoming: u16,
    /// Delay before an unacknowledged TransferData or RequestTunnel is resent.
    pub retransmit_after: Duration,
    /// Resends before giving up.
    pub max_retries: u8,
    /// Server: CloseTunnelTimeout attribute (D.6.2.2.1), seconds without
    /// traffic before a tunnel is closed.
    pub close_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_segment: 64,
            max_incoming: 1500,
            retransmit_after: Duration::from_millis(1500),
            max_retries: 8,
            close_timeout: Duration::from_secs(0xffff),
        }
    }
}

/// Data received on a tunnel, borrowed from the input frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received<'a> {
    /// Tunnel identifier.
    pub tunnel_id: u16,
    /// The peer.
    pub peer: u16,
    /// The octets, in stream order.
    pub data: &'a [u8],
}

/// A control frame waiting to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctrl {
    Ack {
        tunnel_id: u16,
        tsn: u8,
        left: u16,
    },
    Ready {
        tunnel_id: u16,
        left: u16,
    },
    Error {
        tunnel_id: u16,
        tsn: u8,
        status: TransferDataStatus,
    },
    /// Client: CloseTunnel.
    Close {
        tunnel_id: u16,
    },
    /// Client: GetSupportedTunnelProtocols.
    GetSupported {
        offset: u8,
    },
    /// Server: RequestTunnelResponse.
    Response {
        tsn: u8,
        tunnel_id: u16,
        status: TunnelStatus,
    },
    /// Server: TunnelClosureNotification.
    Closure {
        tunnel_id: u16,
    },
    /// Server: SupportedTunnelProtocolsResponse.
    Supported {
        tsn: u8,
        offset: u8,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InFlight {
    tsn: u8,
    len: usize,
    resend_at: Instant,
    retries: u8,
    /// Due to be (re)sent at the next poll.
    due: bool,
}

/// One open tunnel.
#[derive(Debug, Clone)]
pub(crate) struct Channel<const TX: usize> {
    pub(crate) id: u16,
    pub(crate) peer: u16,
    pub(crate) protocol_id: u8,
    pub(crate) manufacturer_code: u16,
    pub(crate) flow_control: bool,
    /// Server: the RequestTunnel TSN, to answer a repeat with this tunnel.
    pub(crate) request_tsn: u8,
    seg_max: usize,
    tx: [u8; TX],
    tx_len: usize,
    next_tsn: u8,
    in_flight: Option<InFlight>,
    peer_left: u16,
    rx_space: u16,
    rx_last_tsn: Option<u8>,
    rx_blocked: bool,
    pub(crate) last_activity: Instant,
}

impl<const TX: usize> Channel<TX> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        now: Instant,
        cfg: &Config,
        id: u16,
        peer: u16,
        protocol_id: u8,
        manufacturer_code: u16,
        flow_control: bool,
        peer_max_incoming: u16,
        first_tsn: u8,
    ) -> Self {
        Channel {
            id,
            peer,
            protocol_id,
            manufacturer_code,
            flow_control,
            request_tsn: first_tsn,
            seg_max: usize::from(cfg.max_segment.min(peer_max_incoming).max(1)),
            tx: [0; TX],
            tx_len: 0,
            next_tsn: first_tsn,
            in_flight: None,
            peer_left: peer_max_incoming,
            rx_space: cfg.max_incoming,
            rx_last_tsn: None,
            rx_blocked: false,
            last_activity: now,
        }
    }

    fn opened_event(&self) -> Event {
        Event::Opened {
            tunnel_id: self.id,
            peer: self.peer,
            protocol_id: self.protocol_id,
            manufacturer_code: self.manufacturer_code,
            flow_control: self.flow_control,
        }
    }

    fn take_tsn(&mut self) -> u8 {
        let t = self.next_tsn;
        self.next_tsn = self.next_tsn.wrapping_add(1);
        t
    }

    /// Drops the first `n` octets of the send buffer.
    fn consume(&mut self, n: usize) {
        let n = n.min(self.tx_len);
        self.tx.copy_within(n..self.tx_len, 0);
        self.tx_len -= n;
    }

    fn timeout(&self) -> Option<Instant> {
        self.in_flight.filter(|f| !f.due).map(|f| f.resend_at)
    }
}

/// Command identifiers and encoders for one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

impl Side {
    fn direction(self) -> Direction {
        match self {
            Side::Client => Direction::ClientToServer,
            Side::Server => Direction::ServerToClient,
        }
    }

    /// TransferData command identifier this side sends.
    fn transfer_id(self) -> u8 {
        match self {
            Side::Client => 0x02,
            Side::Server => 0x01,
        }
    }
}

/// State shared by client and server: the tunnel table, queues, TSN.
#[derive(Debug, Clone)]
pub(crate) struct Core<const T: usize, const TX: usize> {
    pub(crate) cfg: Config,
    pub(crate) side: Side,
    pub(crate) tunnels: [Option<Channel<TX>>; T],
    pub(crate) ctrl: Fifo<(u16, Ctrl), QUEUE>,
    pub(crate) events: Fifo<Event, QUEUE>,
    pub(crate) tsn: u8,
    rr: usize,
}

impl<const T: usize, const TX: usize> Core<T, TX> {
    pub(crate) fn new(cfg: Config, side: Side, first_tsn: u8) -> Self {
        Core {
            cfg,
            side,
            tunnels: core::array::from_fn(|_| None),
            ctrl: Fifo::new(),
            events: Fifo::new(),
            tsn: first_tsn,
            rr: 0,
        }
    }

    pub(crate) fn next_tsn(&mut self) -> u8 {
        let t = self.tsn;
        self.tsn = self.tsn.wrapping_add(1);
        t
    }

    pub(crate) fn find(&self, tunnel_id: u16) -> Option<&Channel<TX>> {
        self.tunnels.iter().flatten().find(|c| c.id == tunnel_id)
    }

    pub(crate) fn find_mut(&mut self, tunnel_id: u16) -> Option<&mut Channel<TX>> {
        self.tunnels
            .iter_mut()
            .flatten()
            .find(|c| c.id == tunnel_id)
    }

    pub(crate) fn open_count(&self) -> usize {
        self.tunnels.iter().flatten().count()
    }

    /// Stores a new channel and queues its Opened event.
    pub(crate) fn insert(&mut self, ch: Channel<TX>) -> Result<(), TunnelError> {
        let ev = ch.opened_event();
        let slot = self
            .tunnels
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(TunnelError::TableFull)?;
        *slot = Some(ch);
        self.events.push(ev)
    }

    /// Forgets a tunnel and reports why.
    pub(crate) fn remove(&mut self, tunnel_id: u16, reason: CloseReason) -> bool {
        for slot in &mut self.tunnels {
            if slot.as_ref().is_some_and(|c| c.id == tunnel_id) {
                *slot = None;
                // A full event queue loses the Closed event, not the closing.
                let _ = self.events.push(Event::Closed { tunnel_id, reason });
                return true;
            }
        }
        false
    }

    /// Queues `data` on the tunnel.
    pub(crate) fn send(&mut self, tunnel_id: u16, data: &[u8]) -> Result<(), TunnelError> {
        let ch = self
            .find_mut(tunnel_id)
            .ok_or(TunnelError::NoSuchTunnel(tunnel_id))?;
        let free = TX - ch.tx_len;
        if data.len() > free {
            return Err(TunnelError::SendBufferFull { free });
        }
        if let Some(dst) = ch.tx.get_mut(ch.tx_len..ch.tx_len + data.len()) {
            dst.copy_from_slice(data);
            ch.tx_len += data.len();
        }
        Ok(())
    }

    /// Octets still waiting in the tunnel's send buffer (unsent or unacknowledged).
    pub(crate) fn pending(&self, tunnel_id: u16) -> Option<usize> {
        self.find(tunnel_id).map(|c| c.tx_len)
    }

    /// The application consumed `n` received octets: the receive budget
    /// grows, and a ReadyData goes out if the sender was told 0 octets left.
    pub(crate) fn release(&mut self, tunnel_id: u16, n: u16) -> Result<(), TunnelError> {
        let max = self.cfg.max_incoming;
        let ch = self
            .find_mut(tunnel_id)
            .ok_or(TunnelError::NoSuchTunnel(tunnel_id))?;
        ch.rx_space = ch.rx_space.saturating_add(n).min(max);
        if ch.rx_blocked && ch.rx_space > 0 {
            let (peer, left) = (ch.peer, ch.rx_space);
            ch.rx_blocked = false;
            self.ctrl.push((peer, Ctrl::Ready { tunnel_id, left }))?;
        }
        Ok(())
    }

    fn refuse(
        &mut self,
        peer: u16,
        tunnel_id: u16,
        tsn: u8,
        status: TransferDataStatus,
    ) -> Result<(), TunnelError> {
        self.ctrl.push((
            peer,
            Ctrl::Error {
                tunnel_id,
                tsn,
                status,
            },
        ))?;
        self.events.push(Event::Refused {
            tunnel_id,
            peer,
            status,
        })
    }

    /// TransferData from `peer`.
    pub(crate) fn on_transfer<'a>(
        &mut self,
        now: Instant,
        peer: u16,
        tsn: u8,
        tunnel_id: u16,
        data: &'a [u8],
    ) -> Result<Option<Received<'a>>, TunnelError> {
        if self.ctrl.free() == 0 || self.events.free() == 0 {
            return Err(TunnelError::QueueFull);
        }
        let max = self.cfg.max_incoming;
        let Some(ch) = self.find_mut(tunnel_id) else {
            self.refuse(peer, tunnel_id, tsn, TransferDataStatus::NoSuchTunnel)?;
            return Ok(None);
        };
        if ch.peer != peer {
            self.refuse(peer, tunnel_id, tsn, TransferDataStatus::WrongDevice)?;
            return Ok(None);
        }
        ch.last_activity = now;
        // Repeat of a frame already delivered (at most 127 behind).
        if ch
            .rx_last_tsn
            .is_some_and(|last| last.wrapping_sub(tsn) < 128)
        {
            if ch.flow_control {
                let left = ch.rx_space;
                self.ctrl.push((
                    peer,
                    Ctrl::Ack {
                        tunnel_id,
                        tsn,
                        left,
                    },
                ))?;
            }
            return Ok(None);
        }
        let budget = if ch.flow_control { ch.rx_space } else { max };
        if data.len() > usize::from(budget) {
            self.refuse(peer, tunnel_id, tsn, TransferDataStatus::DataOverflow)?;
            return Ok(None);
        }
        ch.rx_last_tsn = Some(tsn);
        if ch.flow_control {
            // Fits in u16: checked against the budget above.
            ch.rx_space -= u16::try_from(data.len()).unwrap_or(ch.rx_space);
            ch.rx_blocked = ch.rx_space == 0;
            let left = ch.rx_space;
            self.ctrl.push((
                peer,
                Ctrl::Ack {
                    tunnel_id,
                    tsn,
                    left,
                },
            ))?;
        }
        Ok((!data.is_empty()).then_some(Received {
            tunnel_id,
            peer,
            data,
        }))
    }

    /// AckTransferData from `peer`, carrying the TSN of the acknowledged TransferData.
    pub(crate) fn on_ack(
        &mut self,
        now: Instant,
        peer: u16,
        tsn: u8,
        tunnel_id: u16,
        left: u16,
    ) -> Result<(), TunnelError> {
        let Some(ch) = self.find_mut(tunnel_id).filter(|c| c.peer == peer) else {
            return Ok(());
        };
        ch.last_activity = now;
        let Some(f) = ch.in_flight.filter(|f| f.tsn == tsn) else {
            return Ok(()); // stale or duplicate
        };
        ch.in_flight = None;
        ch.consume(f.len);
        ch.peer_left = left;
        if ch.tx_len == 0 && f.len > 0 {
            self.events.push(Event::Drained { tunnel_id })?;
        }
        Ok(())
    }

    /// ReadyData from `peer`.
    pub(crate) fn on_ready(
        &mut self,
        now: Instant,
        peer: u16,
        tunnel_id: u16,
        left: u16,
    ) -> Result<(), TunnelError> {
        if let Some(ch) = self.find_mut(tunnel_id).filter(|c| c.peer == peer) {
            ch.last_activity = now;
            ch.peer_left = left;
            // A probe waiting for its timer goes now; its ack restarts the flow.
            if let Some(f) = ch.in_flight.as_mut().filter(|f| f.len == 0) {
                f.due = true;
            }
        }
        Ok(())
    }

    /// TransferDataError from `peer`: the tunnel is unusable.
    pub(crate) fn on_error(&mut self, peer: u16, tunnel_id: u16, status: TransferDataStatus) {
        if self.find(tunnel_id).is_some_and(|c| c.peer == peer) {
            self.remove(tunnel_id, CloseReason::PeerError(status));
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let close = (self.side == Side::Server).then_some(()).and_then(|()| {
            self.tunnels
                .iter()
                .flatten()
                .filter_map(|c| c.last_activity.checked_add(self.cfg.close_timeout))
                .min()
        });
        self.tunnels
            .iter()
            .flatten()
            .filter_map(Channel::timeout)
            .chain(close)
            .min()
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        let (max_retries, close_after) = (self.cfg.max_retries, self.cfg.close_timeout);
        let mut dead: Option<(u16, CloseReason)> = None;
        for ch in self.tunnels.iter_mut().flatten() {
            if self.side == Side::Server
                && now.saturating_duration_since(ch.last_activity) >= close_after
            {
                dead = Some((ch.id, CloseReason::Timeout));
                break;
            }
            if let Some(f) = ch
                .in_flight
                .as_mut()
                .filter(|f| !f.due && now >= f.resend_at)
            {
                if f.retries >= max_retries {
                    dead = Some((ch.id, CloseReason::Unreachable));
                    break;
                }
                f.retries += 1;
                f.due = true;
            }
        }
        if let Some((id, reason)) = dead {
            let peer = self.find(id).map(|c| c.peer);
            if let (CloseReason::Timeout, Some(peer)) = (reason, peer) {
                let _ = self.ctrl.push((peer, Ctrl::Closure { tunnel_id: id }));
            }
            self.remove(id, reason);
            // Others may be due too.
            self.handle_timeout(now);
        }
    }

    /// Writes the next data frame, if a tunnel has one to send.
    pub(crate) fn poll_data(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        let rto = self.cfg.retransmit_after;
        let (dir, cmd) = (self.side.direction(), self.side.transfer_id());
        let n = self.tunnels.len();
        for k in 0..n {
            let i = (self.rr + k) % n;
            let Some(Some(ch)) = self.tunnels.get_mut(i) else {
                continue;
            };
            let seg = if ch.flow_control {
                match ch.in_flight {
                    Some(f) if f.due => Some((f.tsn, f.len, f.retries)),
                    Some(_) => None,
                    None if ch.tx_len > 0 && ch.peer_left == 0 => {
                        // Probe after a delay in case ReadyData was lost.
                        let tsn = ch.take_tsn();
                        ch.in_flight = Some(InFlight {
                            tsn,
                            len: 0,
                            resend_at: now + rto,
                            retries: 0,
                            due: false,
                        });
                        None
                    }
                    None if ch.tx_len > 0 => {
                        let len = ch.tx_len.min(ch.seg_max).min(usize::from(ch.peer_left));
                        Some((ch.take_tsn(), len, 0))
                    }
                    None => None,
                }
            } else if ch.tx_len > 0 {
                Some((ch.take_tsn(), ch.tx_len.min(ch.seg_max), 0))
            } else {
                None
            };
            let Some((tsn, len, retries)) = seg else {
                continue;
            };
            let data = ch.tx.get(..len).unwrap_or_default();
            let written = encode_frame(dir, cmd, tsn, 2 + len, buf, |w| {
                w.u16(ch.id)?;
                w.put(data)
            })
            .ok()?;
            let (peer, id) = (ch.peer, ch.id);
            ch.last_activity = now;
            if ch.flow_control {
                ch.in_flight = Some(InFlight {
                    tsn,
                    len,
                    resend_at: now + rto,
                    retries,
                    due: false,
                });
            } else {
                ch.consume(len);
                if ch.tx_len == 0 {
                    let _ = self.events.push(Event::Drained { tunnel_id: id });
                }
            }
            self.rr = (i + 1) % n;
            return Some(Transmit { peer, len: written });
        }
        None
    }

    /// Writes a control frame common to both sides.
    pub(crate) fn encode_common(&mut self, c: Ctrl, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let client = self.side == Side::Client;
        match c {
            Ctrl::Ack {
                tunnel_id,
                tsn,
                left,
            } => {
                if client {
                    AckTransferData {
                        tunnel_id,
                        number_of_bytes_left: left,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                } else {
                    ServerAckTransferData {
                        tunnel_id,
                        number_of_bytes_left: left,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                }
            }
            Ctrl::Ready { tunnel_id, left } => {
                let tsn = self.next_tsn();
                if client {
                    ReadyData {
                        tunnel_id,
                        number_of_octets_left: left,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                } else {
                    ServerReadyData {
                        tunnel_id,
                        number_of_octets_left: left,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                }
            }
            Ctrl::Error {
                tunnel_id,
                tsn,
                status,
            } => {
                if client {
                    TransferDataError {
                        tunnel_id,
                        transfer_data_status: status,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                } else {
                    ServerTransferDataError {
                        tunnel_id,
                        transfer_data_status: status,
                        trailing: &[],
                    }
                    .encode_frame(tsn, true, buf)
                }
            }
            Ctrl::Close { tunnel_id } => CloseTunnel {
                tunnel_id,
                trailing: &[],
            }
            .encode_frame(self.next_tsn(), false, buf),
            Ctrl::Closure { tunnel_id } => TunnelClosureNotification {
                tunnel_id,
                trailing: &[],
            }
            .encode_frame(self.next_tsn(), true, buf),
            Ctrl::Response {
                tsn,
                tunnel_id,
                status,
            } => RequestTunnelResponse {
                tunnel_id,
                tunnel_status: status,
                maximum_incoming_transfer_size: self.cfg.max_incoming,
                trailing: &[],
            }
            .encode_frame(tsn, true, buf),
            Ctrl::GetSupported { .. } | Ctrl::Supported { .. } => Err(EncodeError::InvalidValue {
                what: "side-specific tunneling command",
            }),
        }
    }
}

/// Cluster-specific frame header then `payload_len` octets.
fn encode_frame(
    dir: Direction,
    cmd: u8,
    tsn: u8,
    payload_len: usize,
    buf: &mut [u8],
    body: impl FnOnce(&mut crate::cursor::Writer<'_>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    crate::cluster::typed::encode_frame(dir, cmd, tsn, true, payload_len, buf, body)
}
