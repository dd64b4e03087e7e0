//! The Tunneling client (SE 1.4 annex D.6.4): requests tunnels from a
//! server, sends and receives data on them, closes them.

use dual_protocol_primitives::time::Instant;

use super::channel::{Channel, Config, Core, Ctrl, Received, Side};
use super::{CloseReason, Event, Transmit, TunnelError};
use crate::cluster::tunneling::{
    Command, GetSupportedTunnelProtocols, ProtocolId, RequestTunnel, TunnelStatus,
};
use crate::frame::{Direction, FrameType, Header};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Request {
    peer: u16,
    tsn: u8,
    protocol_id: u8,
    manufacturer_code: u16,
    flow_control: bool,
    resend_at: Instant,
    retries: u8,
    due: bool,
}

/// A Tunneling client with at most `T` tunnels open and `TX` octets of
/// send buffer per tunnel. One RequestTunnel is outstanding at a time.
#[derive(Debug, Clone)]
#[must_use]
pub struct Client<const T: usize, const TX: usize> {
    core: Core<T, TX>,
    request: Option<Request>,
}

impl<const T: usize, const TX: usize> Client<T, TX> {
    /// A client; `first_tsn` seeds the ZCL transaction sequence numbers
    /// (take it from the caller's RNG or persisted state).
    pub fn new(cfg: Config, first_tsn: u8) -> Self {
        Client {
            core: Core::new(cfg, Side::Client, first_tsn),
            request: None,
        }
    }

    /// Sends RequestTunnel (D.6.3.3.1) to `peer`; resent until answered.
    pub fn request_tunnel(
        &mut self,
        now: Instant,
        peer: u16,
        protocol_id: ProtocolId,
        manufacturer_code: u16,
        flow_control: bool,
    ) -> Result<(), TunnelError> {
        if self.request.is_some() {
            return Err(TunnelError::RequestPending);
        }
        if self.core.open_count() >= T {
            return Err(TunnelError::TableFull);
        }
        let tsn = self.core.next_tsn();
        self.request = Some(Request {
            peer,
            tsn,
            protocol_id: protocol_id.into(),
            manufacturer_code,
            flow_control,
            resend_at: now,
            retries: 0,
            due: true,
        });
        Ok(())
    }

    /// Sends CloseTunnel (D.6.3.3.2) and forgets the tunnel.
    pub fn close(&mut self, tunnel_id: u16) -> Result<(), TunnelError> {
        let peer = self
            .core
            .find(tunnel_id)
            .map(|c| c.peer)
            .ok_or(TunnelError::NoSuchTunnel(tunnel_id))?;
        self.core.ctrl.push((peer, Ctrl::Close { tunnel_id }))?;
        self.core.remove(tunnel_id, CloseReason::Local);
        Ok(())
    }

    /// Sends GetSupportedTunnelProtocols (D.6.3.3.7, SE 1.2) to `peer`.
    pub fn get_supported_protocols(&mut self, peer: u16, offset: u8) -> Result<(), TunnelError> {
        self.core.ctrl.push((peer, Ctrl::GetSupported { offset }))
    }

    /// Queues `data` on the tunnel.
    pub fn send(&mut self, tunnel_id: u16, data: &[u8]) -> Result<(), TunnelError> {
        self.core.send(tunnel_id, data)
    }

    /// Octets not yet sent or acknowledged on the tunnel.
    #[must_use]
    pub fn pending(&self, tunnel_id: u16) -> Option<usize> {
        self.core.pending(tunnel_id)
    }

    /// The application consumed `n` received octets (flow control).
    pub fn release(&mut self, tunnel_id: u16, n: u16) -> Result<(), TunnelError> {
        self.core.release(tunnel_id, n)
    }

    /// Open tunnels.
    #[must_use]
    pub fn open_tunnels(&self) -> usize {
        self.core.open_count()
    }

    /// Feeds a ZCL frame of the Tunneling cluster received from `peer`;
    /// returns the data it carried, if any.
    pub fn handle_input<'a>(
        &mut self,
        now: Instant,
        peer: u16,
        frame: &'a [u8],
    ) -> Result<Option<Received<'a>>, TunnelError> {
        let (h, at) = Header::decode(frame)?;
        if h.frame_type != FrameType::ClusterSpecific
            || h.direction != Direction::ServerToClient
            || h.manufacturer_code.is_some()
        {
            return Err(TunnelError::Unexpected(h.command_id));
        }
        let payload = frame.get(at..).unwrap_or_default();
        let cmd = Command::decode_at(Direction::ServerToClient, h.command_id, payload, at)?
            .ok_or(TunnelError::Unexpected(h.command_id))?;
        match cmd {
            Command::ServerTransferData(c) => {
                // Data that overtook the RequestTunnelResponse: drop it
                // (the server resends), rather than refuse the tunnel.
                if self.core.find(c.tunnel_id).is_none()
                    && self.request.is_some_and(|r| r.peer == peer)
                {
                    return Ok(None);
                }
                return self.core.on_transfer(now, peer, h.tsn, c.tunnel_id, c.data);
            }
            Command::ServerAckTransferData(c) => {
                self.core
                    .on_ack(now, peer, h.tsn, c.tunnel_id, c.number_of_bytes_left)?;
            }
            Command::ServerReadyData(c) => {
                self.core
                    .on_ready(now, peer, c.tunnel_id, c.number_of_octets_left)?;
            }
            Command::ServerTransferDataError(c) => {
                self.core
                    .on_error(peer, c.tunnel_id, c.transfer_data_status);
            }
            Command::TunnelClosureNotification(c) => {
                if self.core.find(c.tunnel_id).is_some_and(|t| t.peer == peer) {
                    self.core.remove(c.tunnel_id, CloseReason::Peer);
                }
            }
            Command::RequestTunnelResponse(c) => {
                let Some(req) = self.request.filter(|r| r.tsn == h.tsn && r.peer == peer) else {
                    return Ok(None); // unsolicited or a repeat
                };
                if self.core.events.free() == 0 {
                    return Err(TunnelError::QueueFull);
                }
                self.request = None;
                if c.tunnel_status == TunnelStatus::Success {
                    if self.core.find(c.tunnel_id).is_some() {
                        return Ok(None);
                    }
                    let tsn = self.core.next_tsn();
                    let ch = Channel::new(
                        now,
                        &self.core.cfg,
                        c.tunnel_id,
                        peer,
                        req.protocol_id,
                        req.manufacturer_code,
                        req.flow_control,
                        c.maximum_incoming_transfer_size,
                        tsn,
                    );
                    self.core.insert(ch)?;
                } else {
                    self.core.events.push(Event::Rejected {
                        peer,
                        status: c.tunnel_status,
                    })?;
                }
            }
            Command::SupportedTunnelProtocolsResponse(c) => {
                self.core.events.push(Event::SupportedProtocols {
                    peer,
                    count: c.protocol_count,
                    complete: c.protocol_list_complete != 0,
                })?;
            }
            _ => return Err(TunnelError::Unexpected(h.command_id)),
        }
        Ok(None)
    }

    /// Writes the next frame to send into `buf` (which must hold
    /// `max_segment + 5` octets; a frame that does not fit is dropped).
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        if let Some(r) = self.request.as_mut().filter(|r| r.due) {
            r.due = false;
            r.resend_at = now + self.core.cfg.retransmit_after;
            let len = RequestTunnel {
                protocol_id: r.protocol_id.into(),
                manufacturer_code: r.manufacturer_code,
                flow_control_support: u8::from(r.flow_control),
                maximum_incoming_transfer_size: self.core.cfg.max_incoming,
                trailing: &[],
            }
            .encode_frame(r.tsn, false, buf)
            .ok()?;
            return Some(Transmit { peer: r.peer, len });
        }
        while let Some((peer, c)) = self.core.ctrl.pop() {
            let len = match c {
                Ctrl::GetSupported { offset } => GetSupportedTunnelProtocols {
                    protocol_offset: offset,
                    trailing: &[],
                }
                .encode_frame(self.core.next_tsn(), false, buf),
                other => self.core.encode_common(other, buf),
            };
            if let Ok(len) = len {
                return Some(Transmit { peer, len });
            }
        }
        self.core.poll_data(now, buf)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop()
    }

    /// When [`Client::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let req = self.request.filter(|r| !r.due).map(|r| r.resend_at);
        match (req, self.core.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Drives resends.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(r) = self
            .request
            .as_mut()
            .filter(|r| !r.due && now >= r.resend_at)
        {
            if r.retries >= self.core.cfg.max_retries {
                let peer = r.peer;
                self.request = None;
                let _ = self.core.events.push(Event::RequestTimedOut { peer });
            } else {
                r.retries += 1;
                r.due = true;
            }
        }
        self.core.handle_timeout(now);
    }
}
