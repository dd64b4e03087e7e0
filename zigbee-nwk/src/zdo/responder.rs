//! The ZDO server side (ZigBee R22 §2.4.3-2.4.4): answers the discovery
//! and management requests a hub or a meter receives, and handles
//! Device_annce.
//!
//! | request | response / action |
//! | --- | --- |
//! | NWK_addr_req, IEEE_addr_req | this device's addresses (extended: its children, up to [`MAX_LISTED`]) |
//! | Node_Desc_req, Active_EP_req, Simple_Desc_req | from [`LocalDevice`] |
//! | Match_Desc_req | the endpoints whose profile and a cluster match; a broadcast request with no match gets no response (§2.4.4.2.7) |
//! | Device_annce | address map updated, conflicts reported ([`ZdoAction::DeviceAnnounced`]) |
//! | Mgmt_Leave_req | response, then [`ZdoAction::Leave`] for the NWK layer |
//! | Mgmt_Permit_Joining_req | [`ZdoAction::PermitJoining`]; a response only to a unicast request |
//! | Mgmt_Lqi_req | the neighbour table from `start_index`, up to [`MAX_LISTED`] entries |
//!
//! Requests for another device's address answered only when unicast
//! (DEVICE_NOT_FOUND); others are ignored. Unknown requests to this device
//! get NOT_SUPPORTED when unicast (§2.4.2.1).

use super::{
    AddressResponse, AssociatedDevices, TableChunk, ZdoFrame, ZdoMessage, ZdoStatus, cluster,
};
use super::{BindTarget, NodeDescriptor, SimpleDescriptor};
use crate::aps::binding::{Binding, BindingDestination, BindingTable};
use crate::error::{DecodeError, EncodeError};
use crate::mac::CapabilityInformation;
use crate::nwk::address_map::{AddressMap, AddressMapError, AddressUpdate};
use crate::nwk::neighbour::{DeviceType, NeighbourTable, Relationship};
use crate::types::{List, ShortAddr};
use dual_protocol_primitives::eui64::Eui64;

/// Entries listed in one response (children of NWK_addr_rsp, neighbours
/// of Mgmt_Lqi_rsp): 3 keeps a Mgmt_Lqi_rsp inside one unfragmented frame.
pub const MAX_LISTED: usize = 3;

/// What this device is.
#[derive(Debug, Clone, Copy)]
pub struct LocalDevice<'a> {
    /// IEEE address.
    pub ieee: Eui64,
    /// NWK address.
    pub short: ShortAddr,
    /// Extended PAN id (for Mgmt_Lqi_rsp).
    pub extended_pan_id: Eui64,
    /// Node descriptor.
    pub node_descriptor: NodeDescriptor,
    /// One simple descriptor per active endpoint.
    pub endpoints: &'a [SimpleDescriptor<'a>],
    /// Depth in the network (0 for the coordinator).
    pub depth: u8,
    /// Whether joining is permitted now.
    pub permit_joining: bool,
}

/// What the caller must do besides sending the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZdoAction {
    /// Nothing.
    None,
    /// A device announced itself; the address map was updated.
    DeviceAnnounced {
        /// NWK address.
        short: ShortAddr,
        /// IEEE address.
        ieee: Eui64,
        /// Capability.
        capability: CapabilityInformation,
        /// What the address map did, or the conflict it found.
        update: Result<AddressUpdate, AddressMapError>,
    },
    /// Leave the network (NLME-LEAVE.request) after the response is sent.
    Leave {
        /// Rejoin afterwards.
        rejoin: bool,
        /// Ask children to leave too.
        remove_children: bool,
    },
    /// NLME-PERMIT-JOINING.request with this duration (seconds, 0xff: open).
    PermitJoining {
        /// Duration.
        duration: u8,
    },
}

/// The outcome of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZdoOutcome {
    /// A response was written: its cluster id and length.
    pub response: Option<(u16, usize)>,
    /// The action.
    pub action: ZdoAction,
}

/// Why a request was not handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZdoError {
    /// The request does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The response does not fit the buffer.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

fn encode(
    out: &mut [u8],
    sequence: u8,
    message: ZdoMessage<'_>,
) -> Result<Option<(u16, usize)>, ZdoError> {
    let c = message.cluster();
    let n = ZdoFrame {
        sequence,
        message,
        trailing: &[],
    }
    .encode(out)?;
    Ok(Some((c, n)))
}

fn matches(d: &SimpleDescriptor<'_>, profile: u16, inc: List<'_, 2>, outc: List<'_, 2>) -> bool {
    if profile != 0xffff && d.profile != profile {
        return false;
    }
    inc.iter().any(|c| d.in_clusters.iter().any(|x| x == c))
        || outc.iter().any(|c| d.out_clusters.iter().any(|x| x == c))
}

impl LocalDevice<'_> {
    /// Handles the ZDP request `payload` received on `cluster_id`;
    /// `unicast` says whether it was addressed to this device alone. The
    /// response (if any) is written to `out`; send it to the requester
    /// with the cluster id given.
    ///
    /// # Errors
    /// [`ZdoError`].
    pub fn handle<const NB: usize, const D: usize>(
        &self,
        cluster_id: u16,
        payload: &[u8],
        unicast: bool,
        neighbours: &NeighbourTable<NB>,
        address_map: &mut AddressMap<D>,
        out: &mut [u8],
    ) -> Result<ZdoOutcome, ZdoError> {
        let req = ZdoFrame::decode_with(payload, cluster_id)?;
        let seq = req.sequence;
        let mut action = ZdoAction::None;
        let mut children = [0u8; 2 * MAX_LISTED];
        let mut lqi = [0u8; 22 * MAX_LISTED];
        let response = match req.message {
            ZdoMessage::NwkAddrReq {
                ieee,
                request_type,
                start_index,
            } => {
                if ieee != self.ieee {
                    return Ok(ZdoOutcome {
                        response: None,
                        action,
                    });
                }
                let associated = (request_type == 1).then(|| {
                    let all = neighbours
                        .children()
                        .map(|c| c.short)
                        .skip(usize::from(start_index));
                    let mut n = 0;
                    for (chunk, s) in children.chunks_exact_mut(2).zip(all) {
                        chunk.copy_from_slice(&s.0.to_le_bytes());
                        n += 2;
                    }
                    AssociatedDevices {
                        total: u8::try_from(neighbours.children().count()).unwrap_or(u8::MAX),
                        start_index,
                        devices: List::new(children.get(..n).unwrap_or(&[]))
                            .unwrap_or(List::empty()),
                    }
                });
                encode(
                    out,
                    seq,
                    ZdoMessage::NwkAddrRsp(AddressResponse {
                        status: ZdoStatus::Success,
                        remote: Some((self.ieee, self.short)),
                        associated,
                    }),
                )?
            }
            ZdoMessage::IeeeAddrReq { nwk_addr, .. } => {
                if nwk_addr == self.short {
                    encode(
                        out,
                        seq,
                        ZdoMessage::IeeeAddrRsp(AddressResponse {
                            status: ZdoStatus::Success,
                            remote: Some((self.ieee, self.short)),
                            associated: None,
                        }),
                    )?
                } else if unicast {
                    encode(
                        out,
                        seq,
                        ZdoMessage::IeeeAddrRsp(AddressResponse {
                            status: ZdoStatus::DeviceNotFound,
                            remote: None,
                            associated: None,
                        }),
                    )?
                } else {
                    None
                }
            }
            ZdoMessage::NodeDescReq(a) => {
                let ours = a == self.short;
                if !ours && !unicast {
                    None
                } else {
                    encode(
                        out,
                        seq,
                        ZdoMessage::NodeDescRsp {
                            status: if ours {
                                ZdoStatus::Success
                            } else {
                                ZdoStatus::DeviceNotFound
                            },
                            nwk_addr: a,
                            descriptor: ours.then_some(self.node_descriptor),
                        },
                    )?
                }
            }
            ZdoMessage::ActiveEpReq(a) => {
                let ours = a == self.short;
                let mut eps = [0u8; 32];
                let n = self.endpoints.len().min(eps.len());
                for (e, d) in eps.iter_mut().zip(self.endpoints) {
                    *e = d.endpoint;
                }
                if !ours && !unicast {
                    None
                } else {
                    encode(
                        out,
                        seq,
                        ZdoMessage::ActiveEpRsp {
                            status: if ours {
                                ZdoStatus::Success
                            } else {
                                ZdoStatus::DeviceNotFound
                            },
                            nwk_addr: a,
                            endpoints: if ours {
                                eps.get(..n).unwrap_or(&[])
                            } else {
                                &[]
                            },
                        },
                    )?
                }
            }
            ZdoMessage::SimpleDescReq { nwk_addr, endpoint } => {
                let found = self
                    .endpoints
                    .iter()
                    .find(|d| d.endpoint == endpoint)
                    .copied();
                let status = if nwk_addr != self.short {
                    ZdoStatus::DeviceNotFound
                } else if endpoint == 0 || endpoint > 240 {
                    ZdoStatus::InvalidEndpoint
                } else if found.is_none() {
                    ZdoStatus::NotActive
                } else {
                    ZdoStatus::Success
                };
                if nwk_addr != self.short && !unicast {
                    None
                } else {
                    encode(
                        out,
                        seq,
                        ZdoMessage::SimpleDescRsp {
                            status,
                            nwk_addr,
                            descriptor: found.filter(|_| status == ZdoStatus::Success),
                        },
                    )?
                }
            }
            ZdoMessage::MatchDescReq {
                nwk_addr,
                profile,
                in_clusters,
                out_clusters,
            } => {
                let mut eps = [0u8; 32];
                let mut n = 0;
                for d in self
                    .endpoints
                    .iter()
                    .filter(|d| matches(d, profile, in_clusters, out_clusters))
                {
                    if let Some(e) = eps.get_mut(n) {
                        *e = d.endpoint;
                        n += 1;
                    }
                }
                let for_us = nwk_addr == self.short || nwk_addr.0 >= 0xfffc;
                if !for_us || (n == 0 && !unicast) {
                    None
                } else {
                    encode(
                        out,
                        seq,
                        ZdoMessage::MatchDescRsp {
                            status: if n == 0 {
                                ZdoStatus::NoMatch
                            } else {
                                ZdoStatus::Success
                            },
                            nwk_addr: self.short,
                            endpoints: eps.get(..n).unwrap_or(&[]),
                        },
                    )?
                }
            }
            ZdoMessage::DeviceAnnce {
                nwk_addr,
                ieee,
                capability,
            } => {
                action = ZdoAction::DeviceAnnounced {
                    short: nwk_addr,
                    ieee,
                    capability,
                    update: address_map.update(nwk_addr, ieee),
                };
                None
            }
            ZdoMessage::MgmtLeaveReq { device, flags } => {
                let ours = device == self.ieee || device == Eui64([0; 8]);
                if ours {
                    action = ZdoAction::Leave {
                        rejoin: flags & 0x80 != 0,
                        remove_children: flags & 0x40 != 0,
                    };
                }
                encode(
                    out,
                    seq,
                    ZdoMessage::MgmtLeaveRsp(if ours {
                        ZdoStatus::Success
                    } else {
                        ZdoStatus::DeviceNotFound
                    }),
                )?
            }
            ZdoMessage::MgmtPermitJoiningReq { duration, .. } => {
                action = ZdoAction::PermitJoining { duration };
                if unicast {
                    encode(
                        out,
                        seq,
                        ZdoMessage::MgmtPermitJoiningRsp(ZdoStatus::Success),
                    )?
                } else {
                    None
                }
            }
            ZdoMessage::MgmtLqiReq { start_index } => {
                let mut n = 0;
                let all = neighbours.iter().skip(usize::from(start_index));
                for (chunk, nb) in lqi.chunks_exact_mut(22).zip(all) {
                    let device_type = match nb.device_type {
                        DeviceType::Coordinator => 0,
                        DeviceType::Router => 1,
                        DeviceType::EndDevice => 2,
                    };
                    let relationship = match nb.relationship {
                        Relationship::Parent => 0,
                        Relationship::Child => 1,
                        Relationship::Sibling => 2,
                        Relationship::None => 3,
                        Relationship::PreviousChild => 4,
                    };
                    let flags = device_type | u8::from(nb.rx_on_when_idle) << 2 | relationship << 4;
                    let (head, tail) = chunk.split_at_mut(16);
                    let (ext, ieee) = head.split_at_mut(8);
                    ext.copy_from_slice(&self.extended_pan_id.to_le_bytes());
                    ieee.copy_from_slice(&nb.ieee.unwrap_or(Eui64([0xff; 8])).to_le_bytes());
                    let [a, b] = nb.short.0.to_le_bytes();
                    tail.copy_from_slice(&[
                        a,
                        b,
                        flags,
                        0x02,
                        self.depth.saturating_add(1),
                        nb.lqi,
                    ]);
                    n += 1;
                }
                encode(
                    out,
                    seq,
                    ZdoMessage::MgmtLqiRsp {
                        status: ZdoStatus::Success,
                        table: Some(TableChunk {
                            total: u8::try_from(neighbours.len()).unwrap_or(u8::MAX),
                            start_index,
                            entries: List::new(lqi.get(..22 * n).unwrap_or(&[]))
                                .unwrap_or(List::empty()),
                        }),
                    },
                )?
            }
            _ if unicast && cluster_id & cluster::RESPONSE == 0 => {
                // §2.4.2.1: an unsupported request gets NOT_SUPPORTED
                // (sequence number and status).
                let o = out
                    .get_mut(..2)
                    .ok_or(EncodeError::BufferTooSmall { needed: 2 })?;
                o.copy_from_slice(&[seq, u8::from(ZdoStatus::NotSupported)]);
                Some((cluster_id | cluster::RESPONSE, 2))
            }
            _ => None,
        };
        Ok(ZdoOutcome { response, action })
    }

    /// As [`handle`](Self::handle), and also Bind_req / Unbind_req
    /// (§2.4.3.2.2-3) over this device's binding table `bindings` (the
    /// table [`ApsDataService::send_bound`](crate::aps::ApsDataService::send_bound)
    /// uses): only bindings whose source is this device and one of its
    /// active endpoints are kept here (another source: NOT_SUPPORTED, this
    /// device keeps no binding cache; an unknown endpoint: INVALID_EP);
    /// a full table answers TABLE_FULL, an Unbind_req for a binding that
    /// does not exist NO_ENTRY, a destination address mode other than group
    /// or device NOT_SUPPORTED. Bind requests are unicast only: a broadcast
    /// one is ignored.
    ///
    /// # Errors
    /// [`ZdoError`].
    // The request (cluster, payload, addressing), the three tables it
    // reads or writes, and the output buffer: as `handle`, plus the table.
    #[allow(clippy::too_many_arguments)]
    pub fn handle_with_bindings<const NB: usize, const D: usize, const B: usize>(
        &self,
        cluster_id: u16,
        payload: &[u8],
        unicast: bool,
        neighbours: &NeighbourTable<NB>,
        address_map: &mut AddressMap<D>,
        bindings: &mut BindingTable<B>,
        out: &mut [u8],
    ) -> Result<ZdoOutcome, ZdoError> {
        if cluster_id != cluster::BIND_REQ && cluster_id != cluster::UNBIND_REQ {
            return self.handle(cluster_id, payload, unicast, neighbours, address_map, out);
        }
        let req = ZdoFrame::decode_with(payload, cluster_id)?;
        let none = ZdoOutcome {
            response: None,
            action: ZdoAction::None,
        };
        let (ZdoMessage::BindReq(b) | ZdoMessage::UnbindReq(b)) = req.message else {
            return Ok(none);
        };
        if !unicast {
            return Ok(none);
        }
        let bind = cluster_id == cluster::BIND_REQ;
        let dst = match b.dst {
            BindTarget::Group(g) => Some(BindingDestination::Group(g)),
            BindTarget::Device { address, endpoint } => Some(BindingDestination::Device {
                ieee: address,
                endpoint,
            }),
            BindTarget::Unknown { .. } => None,
        };
        let status = match dst {
            _ if b.src != self.ieee => ZdoStatus::NotSupported,
            None => ZdoStatus::NotSupported,
            _ if !self.endpoints.iter().any(|e| e.endpoint == b.src_endpoint) => {
                ZdoStatus::InvalidEndpoint
            }
            Some(dst) => {
                let binding = Binding {
                    src_endpoint: b.src_endpoint,
                    cluster: b.cluster,
                    dst,
                };
                match (bind, bind && bindings.bind(binding).is_err()) {
                    (true, true) => ZdoStatus::TableFull,
                    (true, false) => ZdoStatus::Success,
                    (false, _) if bindings.unbind(&binding) => ZdoStatus::Success,
                    (false, _) => ZdoStatus::NoEntry,
                }
            }
        };
        let message = if bind {
            ZdoMessage::BindRsp(status)
        } else {
            ZdoMessage::UnbindRsp(status)
        };
        Ok(ZdoOutcome {
            response: encode(out, req.sequence, message)?,
            action: ZdoAction::None,
        })
    }
}
