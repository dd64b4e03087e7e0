//! The Tunneling server (SE 1.4 annex D.6.3): grants tunnels to clients,
//! sends and receives data on them, closes idle ones after
//! CloseTunnelTimeout.

use dual_protocol_primitives::time::Instant;

use super::channel::{Channel, Config, Core, Ctrl, Received, Side};
use super::{CloseReason, Event, Transmit, TunnelError};
use crate::cluster::tunneling::{Command, SupportedTunnelProtocolsResponse, TunnelStatus};
use crate::frame::{Direction, FrameType, Header};

/// Protocol entries per SupportedTunnelProtocolsResponse.
pub const PROTOCOLS_PER_RESPONSE: usize = 16;

/// A Tunneling server with at most `T` tunnels open (the caller-set limit)
/// and `TX` octets of send buffer per tunnel; `protocols` lists the
/// (manufacturer code, protocol id) pairs it accepts (0xffff for the
/// standard ones, D.6.3.3.1).
#[derive(Debug, Clone)]
#[must_use]
pub struct Server<'p, const T: usize, const TX: usize> {
    core: Core<T, TX>,
    protocols: &'p [(u16, u8)],
    flow_control: bool,
    next_id: u16,
}

impl<'p, const T: usize, const TX: usize> Server<'p, T, TX> {
    /// A server accepting `protocols`, with flow control support if
    /// `flow_control`; `first_tsn` seeds its transaction sequence numbers.
    pub fn new(cfg: Config, protocols: &'p [(u16, u8)], flow_control: bool, first_tsn: u8) -> Self {
        Server {
            core: Core::new(cfg, Side::Server, first_tsn),
            protocols,
            flow_control,
            next_id: u16::from(first_tsn),
        }
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

    /// Closes a tunnel, telling the client with TunnelClosureNotification.
    pub fn close(&mut self, tunnel_id: u16) -> Result<(), TunnelError> {
        let peer = self
            .core
            .find(tunnel_id)
            .map(|c| c.peer)
            .ok_or(TunnelError::NoSuchTunnel(tunnel_id))?;
        self.core.ctrl.push((peer, Ctrl::Closure { tunnel_id }))?;
        self.core.remove(tunnel_id, CloseReason::Local);
        Ok(())
    }

    fn allocate_id(&mut self) -> u16 {
        loop {
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            if self.core.find(id).is_none() {
                return id;
            }
        }
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
            || h.direction != Direction::ClientToServer
            || h.manufacturer_code.is_some()
        {
            return Err(TunnelError::Unexpected(h.command_id));
        }
        let payload = frame.get(at..).unwrap_or_default();
        let cmd = Command::decode_at(Direction::ClientToServer, h.command_id, payload, at)?
            .ok_or(TunnelError::Unexpected(h.command_id))?;
        match cmd {
            Command::TransferData(c) => {
                return self.core.on_transfer(now, peer, h.tsn, c.tunnel_id, c.data);
            }
            Command::AckTransferData(c) => {
                self.core
                    .on_ack(now, peer, h.tsn, c.tunnel_id, c.number_of_bytes_left)?;
            }
            Command::ReadyData(c) => {
                self.core
                    .on_ready(now, peer, c.tunnel_id, c.number_of_octets_left)?;
            }
            Command::TransferDataError(c) => {
                self.core
                    .on_error(peer, c.tunnel_id, c.transfer_data_status);
            }
            Command::CloseTunnel(c) => {
                if self.core.find(c.tunnel_id).is_some_and(|t| t.peer == peer) {
                    self.core.remove(c.tunnel_id, CloseReason::Peer);
                }
            }
            Command::GetSupportedTunnelProtocols(c) => {
                self.core.ctrl.push((
                    peer,
                    Ctrl::Supported {
                        tsn: h.tsn,
                        offset: c.protocol_offset,
                    },
                ))?;
            }
            Command::RequestTunnel(c) => {
                if self.core.ctrl.free() == 0 || self.core.events.free() == 0 {
                    return Err(TunnelError::QueueFull);
                }
                // A repeat whose response was lost: same tunnel again.
                let repeat = self
                    .core
                    .tunnels
                    .iter()
                    .flatten()
                    .find(|t| t.peer == peer && t.request_tsn == h.tsn)
                    .map(|t| t.id);
                let protocol_id: u8 = c.protocol_id.into();
                let (tunnel_id, status) = if let Some(id) = repeat {
                    (id, TunnelStatus::Success)
                } else if !self
                    .protocols
                    .iter()
                    .any(|&(m, p)| m == c.manufacturer_code && p == protocol_id)
                {
                    (0xffff, TunnelStatus::ProtocolNotSupported)
                } else if c.flow_control_support != 0 && !self.flow_control {
                    (0xffff, TunnelStatus::FlowControlNotSupported)
                } else if self.core.open_count() >= T {
                    (0xffff, TunnelStatus::NoMoreTunnelIds)
                } else {
                    let id = self.allocate_id();
                    let mut ch = Channel::new(
                        now,
                        &self.core.cfg,
                        id,
                        peer,
                        protocol_id,
                        c.manufacturer_code,
                        c.flow_control_support != 0,
                        c.maximum_incoming_transfer_size,
                        h.tsn,
                    );
                    ch.request_tsn = h.tsn;
                    self.core.insert(ch)?;
                    (id, TunnelStatus::Success)
                };
                self.core.ctrl.push((
                    peer,
                    Ctrl::Response {
                        tsn: h.tsn,
                        tunnel_id,
                        status,
                    },
                ))?;
            }
            _ => return Err(TunnelError::Unexpected(h.command_id)),
        }
        Ok(None)
    }

    /// Writes the next frame to send into `buf` (which must hold
    /// `max_segment + 5` octets; a frame that does not fit is dropped).
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<Transmit> {
        while let Some((peer, c)) = self.core.ctrl.pop() {
            let len = match c {
                Ctrl::Supported { tsn, offset } => self.encode_supported(tsn, offset, buf),
                other => self.core.encode_common(other, buf),
            };
            if let Ok(len) = len {
                return Some(Transmit { peer, len });
            }
        }
        self.core.poll_data(now, buf)
    }

    fn encode_supported(
        &self,
        tsn: u8,
        offset: u8,
        buf: &mut [u8],
    ) -> Result<usize, crate::error::EncodeError> {
        let list = self
            .protocols
            .get(usize::from(offset)..)
            .unwrap_or_default();
        let part = list.get(..PROTOCOLS_PER_RESPONSE).unwrap_or(list);
        let mut raw = [0u8; 3 * PROTOCOLS_PER_RESPONSE];
        for (chunk, &(m, p)) in raw.chunks_exact_mut(3).zip(part) {
            chunk.copy_from_slice(&[m.to_le_bytes()[0], m.to_le_bytes()[1], p]);
        }
        SupportedTunnelProtocolsResponse {
            protocol_list_complete: u8::from(part.len() == list.len()),
            protocol_count: u8::try_from(part.len()).unwrap_or(0),
            protocol_list: raw.get(..3 * part.len()).unwrap_or_default(),
            trailing: &[],
        }
        .encode_frame(tsn, true, buf)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.core.events.pop()
    }

    /// When [`Server::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.poll_timeout()
    }

    /// Drives resends and the close timeout.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.handle_timeout(now);
    }
}
