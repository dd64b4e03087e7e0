//! ZigBee Device Objects: the ZDP messages carried in APS data frames with
//! profile 0x0000 (ZigBee specification R22 §2.4): device announce, NWK and
//! IEEE address request/response, node, power, simple and active-endpoint
//! descriptor request/response, match descriptor request/response,
//! bind/unbind, Mgmt_Lqi, Mgmt_Rtg, Mgmt_Leave, Mgmt_Permit_Joining and
//! parent announce, with the ZDP status codes (Table 2-138). The APS cluster
//! id selects the message ([`ZdoFrame::decode_with`]); other clusters are
//! kept raw, and bytes after a known message (R23 TLVs) are kept in
//! [`ZdoFrame::trailing`]. Optional response parts are decoded when present
//! (a failure response stops after its status), so every message re-encodes
//! byte for byte. Hand cursor, no nom.

mod descriptor;
pub mod responder;

pub use descriptor::{NeighborEntry, NodeDescriptor, RoutingEntry, SimpleDescriptor};

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::mac::CapabilityInformation;
use crate::macros::{code_enum, encode_to_vec};
use crate::types::{Eui64List, List, ShortAddr, U16List, read_list};
use dual_protocol_primitives::eui64::Eui64;

code_enum! {
    /// ZDP status (ZigBee R22 Table 2-138).
    pub enum ZdoStatus {
        /// Success.
        Success = 0x00,
        /// Invalid request type.
        InvalidRequestType = 0x80,
        /// Device not found.
        DeviceNotFound = 0x81,
        /// Invalid endpoint.
        InvalidEndpoint = 0x82,
        /// Endpoint not active.
        NotActive = 0x83,
        /// Not supported.
        NotSupported = 0x84,
        /// Timeout.
        Timeout = 0x85,
        /// No match.
        NoMatch = 0x86,
        /// No entry.
        NoEntry = 0x88,
        /// No descriptor.
        NoDescriptor = 0x89,
        /// Insufficient space.
        InsufficientSpace = 0x8a,
        /// Not permitted.
        NotPermitted = 0x8b,
        /// Table full.
        TableFull = 0x8c,
        /// Not authorized.
        NotAuthorized = 0x8d,
        /// Device binding table full.
        DeviceBindingTableFull = 0x8e,
        /// Invalid index.
        InvalidIndex = 0x8f,
    }
}

/// Cluster ids of the messages decoded here (ZigBee R22 Table 2-52 and following).
pub mod cluster {
    /// NWK_addr_req.
    pub const NWK_ADDR_REQ: u16 = 0x0000;
    /// IEEE_addr_req.
    pub const IEEE_ADDR_REQ: u16 = 0x0001;
    /// Node_Desc_req.
    pub const NODE_DESC_REQ: u16 = 0x0002;
    /// Power_Desc_req.
    pub const POWER_DESC_REQ: u16 = 0x0003;
    /// Simple_Desc_req.
    pub const SIMPLE_DESC_REQ: u16 = 0x0004;
    /// Active_EP_req.
    pub const ACTIVE_EP_REQ: u16 = 0x0005;
    /// Match_Desc_req.
    pub const MATCH_DESC_REQ: u16 = 0x0006;
    /// Device_annce.
    pub const DEVICE_ANNCE: u16 = 0x0013;
    /// Parent_annce.
    pub const PARENT_ANNCE: u16 = 0x001f;
    /// Bind_req.
    pub const BIND_REQ: u16 = 0x0021;
    /// Unbind_req.
    pub const UNBIND_REQ: u16 = 0x0022;
    /// Mgmt_Lqi_req.
    pub const MGMT_LQI_REQ: u16 = 0x0031;
    /// Mgmt_Rtg_req.
    pub const MGMT_RTG_REQ: u16 = 0x0032;
    /// Mgmt_Leave_req.
    pub const MGMT_LEAVE_REQ: u16 = 0x0034;
    /// Mgmt_Permit_Joining_req.
    pub const MGMT_PERMIT_JOINING_REQ: u16 = 0x0036;
    /// The response bit: a response's cluster id is its request's with bit 15 set.
    pub const RESPONSE: u16 = 0x8000;
}

/// The remote device part of NWK_addr_rsp and IEEE_addr_rsp (§2.4.4.2.1-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AddressResponse<'a> {
    /// Status.
    pub status: ZdoStatus,
    /// IEEE and network address of the remote device (absent in a bare failure).
    pub remote: Option<(Eui64, ShortAddr)>,
    /// Extended response: number of associated devices, start index, their addresses.
    pub associated: Option<AssociatedDevices<'a>>,
}

/// The associated device list of an extended address response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AssociatedDevices<'a> {
    /// NumAssocDev.
    pub total: u8,
    /// StartIndex.
    pub start_index: u8,
    /// NWKAddrAssocDevList.
    pub devices: U16List<'a>,
}

/// Bind/unbind destination (§2.4.3.2.2, DstAddrMode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum BindTarget<'a> {
    /// Mode 0x01: a group.
    Group(u16),
    /// Mode 0x03: a device endpoint.
    Device {
        /// Destination address.
        address: Eui64,
        /// Destination endpoint.
        endpoint: u8,
    },
    /// Another mode: the rest raw.
    Unknown {
        /// DstAddrMode.
        mode: u8,
        /// The rest.
        raw: &'a [u8],
    },
}

/// Bind_req / Unbind_req (§2.4.3.2.2-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BindRequest<'a> {
    /// Source address.
    pub src: Eui64,
    /// Source endpoint.
    pub src_endpoint: u8,
    /// Cluster id.
    pub cluster: u16,
    /// Destination.
    pub dst: BindTarget<'a>,
}

/// A table chunk of Mgmt_Lqi_rsp or Mgmt_Rtg_rsp: total entries, start
/// index, and the listed entries of `N` bytes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TableChunk<'a, const N: usize> {
    /// Total entries in the remote table.
    pub total: u8,
    /// Start index of this chunk.
    pub start_index: u8,
    /// The entries.
    pub entries: List<'a, N>,
}

/// A ZDP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ZdoMessage<'a> {
    /// 0x0000 NWK_addr_req.
    NwkAddrReq {
        /// IEEEAddr.
        ieee: Eui64,
        /// RequestType (0 single, 1 extended).
        request_type: u8,
        /// StartIndex.
        start_index: u8,
    },
    /// 0x0001 IEEE_addr_req.
    IeeeAddrReq {
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// RequestType.
        request_type: u8,
        /// StartIndex.
        start_index: u8,
    },
    /// 0x0002 Node_Desc_req.
    NodeDescReq(ShortAddr),
    /// 0x0003 Power_Desc_req.
    PowerDescReq(ShortAddr),
    /// 0x0004 Simple_Desc_req.
    SimpleDescReq {
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// Endpoint.
        endpoint: u8,
    },
    /// 0x0005 Active_EP_req.
    ActiveEpReq(ShortAddr),
    /// 0x0006 Match_Desc_req.
    MatchDescReq {
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// ProfileID.
        profile: u16,
        /// InClusterList.
        in_clusters: U16List<'a>,
        /// OutClusterList.
        out_clusters: U16List<'a>,
    },
    /// 0x0013 Device_annce.
    DeviceAnnce {
        /// NWKAddr.
        nwk_addr: ShortAddr,
        /// IEEEAddr.
        ieee: Eui64,
        /// Capability.
        capability: CapabilityInformation,
    },
    /// 0x001f Parent_annce.
    ParentAnnce {
        /// ChildInfo.
        children: Eui64List<'a>,
    },
    /// 0x0021 Bind_req.
    BindReq(BindRequest<'a>),
    /// 0x0022 Unbind_req.
    UnbindReq(BindRequest<'a>),
    /// 0x0031 Mgmt_Lqi_req.
    MgmtLqiReq {
        /// StartIndex.
        start_index: u8,
    },
    /// 0x0032 Mgmt_Rtg_req.
    MgmtRtgReq {
        /// StartIndex.
        start_index: u8,
    },
    /// 0x0034 Mgmt_Leave_req.
    MgmtLeaveReq {
        /// DeviceAddress.
        device: Eui64,
        /// Bit 6 remove children, bit 7 rejoin.
        flags: u8,
    },
    /// 0x0036 Mgmt_Permit_Joining_req.
    MgmtPermitJoiningReq {
        /// PermitDuration (seconds; 0xff forever).
        duration: u8,
        /// TC_Significance.
        tc_significance: u8,
    },
    /// 0x8000 NWK_addr_rsp.
    NwkAddrRsp(AddressResponse<'a>),
    /// 0x8001 IEEE_addr_rsp.
    IeeeAddrRsp(AddressResponse<'a>),
    /// 0x8002 Node_Desc_rsp.
    NodeDescRsp {
        /// Status.
        status: ZdoStatus,
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// NodeDescriptor (absent on failure).
        descriptor: Option<NodeDescriptor>,
    },
    /// 0x8003 Power_Desc_rsp.
    PowerDescRsp {
        /// Status.
        status: ZdoStatus,
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// PowerDescriptor, 16 bits (absent on failure).
        descriptor: Option<u16>,
    },
    /// 0x8004 Simple_Desc_rsp.
    SimpleDescRsp {
        /// Status.
        status: ZdoStatus,
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// SimpleDescriptor (length 0 on failure).
        descriptor: Option<SimpleDescriptor<'a>>,
    },
    /// 0x8005 Active_EP_rsp.
    ActiveEpRsp {
        /// Status.
        status: ZdoStatus,
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// ActiveEPList.
        endpoints: &'a [u8],
    },
    /// 0x8006 Match_Desc_rsp.
    MatchDescRsp {
        /// Status.
        status: ZdoStatus,
        /// NWKAddrOfInterest.
        nwk_addr: ShortAddr,
        /// MatchList.
        endpoints: &'a [u8],
    },
    /// 0x801f Parent_annce_rsp.
    ParentAnnceRsp {
        /// Status.
        status: ZdoStatus,
        /// ChildInfo.
        children: Eui64List<'a>,
    },
    /// 0x8021 Bind_rsp.
    BindRsp(ZdoStatus),
    /// 0x8022 Unbind_rsp.
    UnbindRsp(ZdoStatus),
    /// 0x8031 Mgmt_Lqi_rsp (neighbour table entries of 22 bytes).
    MgmtLqiRsp {
        /// Status.
        status: ZdoStatus,
        /// The table chunk (absent on failure).
        table: Option<TableChunk<'a, 22>>,
    },
    /// 0x8032 Mgmt_Rtg_rsp (routing table entries of 5 bytes).
    MgmtRtgRsp {
        /// Status.
        status: ZdoStatus,
        /// The table chunk (absent on failure).
        table: Option<TableChunk<'a, 5>>,
    },
    /// 0x8034 Mgmt_Leave_rsp.
    MgmtLeaveRsp(ZdoStatus),
    /// 0x8036 Mgmt_Permit_Joining_rsp.
    MgmtPermitJoiningRsp(ZdoStatus),
    /// Another cluster: payload after the sequence number, raw.
    Unknown {
        /// Cluster id.
        cluster: u16,
        /// Payload.
        payload: &'a [u8],
    },
}

/// A ZDP frame: transaction sequence number and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ZdoFrame<'a> {
    /// Transaction sequence number.
    pub sequence: u8,
    /// The message.
    pub message: ZdoMessage<'a>,
    /// Bytes after a known message (R23 TLVs), raw.
    pub trailing: &'a [u8],
}

fn bind_request<'a>(r: &mut Reader<'a>) -> Result<BindRequest<'a>, DecodeError> {
    let src = r.eui64("source address")?;
    let src_endpoint = r.u8("source endpoint")?;
    let cluster = r.u16("cluster id")?;
    let mode = r.u8("destination address mode")?;
    let dst = match mode {
        0x01 => BindTarget::Group(r.u16("group address")?),
        0x03 => BindTarget::Device {
            address: r.eui64("destination address")?,
            endpoint: r.u8("destination endpoint")?,
        },
        mode => BindTarget::Unknown {
            mode,
            raw: r.rest(),
        },
    };
    Ok(BindRequest {
        src,
        src_endpoint,
        cluster,
        dst,
    })
}

fn address_response<'a>(r: &mut Reader<'a>) -> Result<AddressResponse<'a>, DecodeError> {
    let status = ZdoStatus::from(r.u8("status")?);
    let remote = if r.is_empty() {
        None
    } else {
        Some((
            r.eui64("IEEE address")?,
            ShortAddr(r.u16("network address")?),
        ))
    };
    let associated = if remote.is_none() || r.is_empty() {
        None
    } else {
        let total = r.u8("number of associated devices")?;
        let start_index = r.u8("start index")?;
        let off = r.offset();
        let rest = r.rest();
        let devices = U16List::new(rest).ok_or(DecodeError::LengthMismatch {
            offset: off,
            what: "associated device list",
            declared: rest.len() & !1,
            available: rest.len(),
        })?;
        Some(AssociatedDevices {
            total,
            start_index,
            devices,
        })
    };
    Ok(AddressResponse {
        status,
        remote,
        associated,
    })
}

fn table<'a, const N: usize>(r: &mut Reader<'a>) -> Result<Option<TableChunk<'a, N>>, DecodeError> {
    if r.is_empty() {
        return Ok(None);
    }
    let total = r.u8("table entries")?;
    let start_index = r.u8("start index")?;
    let n = r.u8("list count")?;
    Ok(Some(TableChunk {
        total,
        start_index,
        entries: read_list(r, usize::from(n), "table list")?,
    }))
}

fn counted<'a>(r: &mut Reader<'a>, what: &'static str) -> Result<&'a [u8], DecodeError> {
    let n = r.u8(what)?;
    r.take(usize::from(n), what)
}

fn u16_list<'a>(r: &mut Reader<'a>, what: &'static str) -> Result<U16List<'a>, DecodeError> {
    let n = r.u8(what)?;
    read_list(r, usize::from(n), what)
}

impl<'a> ZdoMessage<'a> {
    /// The cluster id that carries this message.
    #[must_use]
    pub const fn cluster(&self) -> u16 {
        match self {
            ZdoMessage::NwkAddrReq { .. } => 0x0000,
            ZdoMessage::IeeeAddrReq { .. } => 0x0001,
            ZdoMessage::NodeDescReq(_) => 0x0002,
            ZdoMessage::PowerDescReq(_) => 0x0003,
            ZdoMessage::SimpleDescReq { .. } => 0x0004,
            ZdoMessage::ActiveEpReq(_) => 0x0005,
            ZdoMessage::MatchDescReq { .. } => 0x0006,
            ZdoMessage::DeviceAnnce { .. } => 0x0013,
            ZdoMessage::ParentAnnce { .. } => 0x001f,
            ZdoMessage::BindReq(_) => 0x0021,
            ZdoMessage::UnbindReq(_) => 0x0022,
            ZdoMessage::MgmtLqiReq { .. } => 0x0031,
            ZdoMessage::MgmtRtgReq { .. } => 0x0032,
            ZdoMessage::MgmtLeaveReq { .. } => 0x0034,
            ZdoMessage::MgmtPermitJoiningReq { .. } => 0x0036,
            ZdoMessage::NwkAddrRsp(_) => 0x8000,
            ZdoMessage::IeeeAddrRsp(_) => 0x8001,
            ZdoMessage::NodeDescRsp { .. } => 0x8002,
            ZdoMessage::PowerDescRsp { .. } => 0x8003,
            ZdoMessage::SimpleDescRsp { .. } => 0x8004,
            ZdoMessage::ActiveEpRsp { .. } => 0x8005,
            ZdoMessage::MatchDescRsp { .. } => 0x8006,
            ZdoMessage::ParentAnnceRsp { .. } => 0x801f,
            ZdoMessage::BindRsp(_) => 0x8021,
            ZdoMessage::UnbindRsp(_) => 0x8022,
            ZdoMessage::MgmtLqiRsp { .. } => 0x8031,
            ZdoMessage::MgmtRtgRsp { .. } => 0x8032,
            ZdoMessage::MgmtLeaveRsp(_) => 0x8034,
            ZdoMessage::MgmtPermitJoiningRsp(_) => 0x8036,
            ZdoMessage::Unknown { cluster, .. } => *cluster,
        }
    }

    /// Neighbour table entries of a Mgmt_Lqi_rsp (empty otherwise).
    pub fn neighbors(&self) -> impl Iterator<Item = NeighborEntry> + 'a {
        let l = match self {
            ZdoMessage::MgmtLqiRsp { table: Some(t), .. } => t.entries,
            _ => List::empty(),
        };
        l.chunks().map(NeighborEntry::from_bytes)
    }

    /// Routing table entries of a Mgmt_Rtg_rsp (empty otherwise).
    pub fn routes(&self) -> impl Iterator<Item = RoutingEntry> + 'a {
        let l = match self {
            ZdoMessage::MgmtRtgRsp { table: Some(t), .. } => t.entries,
            _ => List::empty(),
        };
        l.chunks().map(RoutingEntry::from_bytes)
    }

    fn read(r: &mut Reader<'a>, cluster: u16) -> Result<Self, DecodeError> {
        let status = |r: &mut Reader<'a>| r.u8("status").map(ZdoStatus::from);
        let addr = |r: &mut Reader<'a>| r.u16("network address of interest").map(ShortAddr);
        Ok(match cluster {
            0x0000 => ZdoMessage::NwkAddrReq {
                ieee: r.eui64("IEEE address")?,
                request_type: r.u8("request type")?,
                start_index: r.u8("start index")?,
            },
            0x0001 => ZdoMessage::IeeeAddrReq {
                nwk_addr: addr(r)?,
                request_type: r.u8("request type")?,
                start_index: r.u8("start index")?,
            },
            0x0002 => ZdoMessage::NodeDescReq(addr(r)?),
            0x0003 => ZdoMessage::PowerDescReq(addr(r)?),
            0x0004 => ZdoMessage::SimpleDescReq {
                nwk_addr: addr(r)?,
                endpoint: r.u8("endpoint")?,
            },
            0x0005 => ZdoMessage::ActiveEpReq(addr(r)?),
            0x0006 => ZdoMessage::MatchDescReq {
                nwk_addr: addr(r)?,
                profile: r.u16("profile id")?,
                in_clusters: u16_list(r, "input cluster list")?,
                out_clusters: u16_list(r, "output cluster list")?,
            },
            0x0013 => ZdoMessage::DeviceAnnce {
                nwk_addr: ShortAddr(r.u16("network address")?),
                ieee: r.eui64("IEEE address")?,
                capability: CapabilityInformation(r.u8("capability")?),
            },
            0x001f => {
                let n = r.u8("number of children")?;
                ZdoMessage::ParentAnnce {
                    children: read_list(r, usize::from(n), "child list")?,
                }
            }
            0x0021 => ZdoMessage::BindReq(bind_request(r)?),
            0x0022 => ZdoMessage::UnbindReq(bind_request(r)?),
            0x0031 => ZdoMessage::MgmtLqiReq {
                start_index: r.u8("start index")?,
            },
            0x0032 => ZdoMessage::MgmtRtgReq {
                start_index: r.u8("start index")?,
            },
            0x0034 => ZdoMessage::MgmtLeaveReq {
                device: r.eui64("device address")?,
                flags: r.u8("leave flags")?,
            },
            0x0036 => ZdoMessage::MgmtPermitJoiningReq {
                duration: r.u8("permit duration")?,
                tc_significance: r.u8("TC significance")?,
            },
            0x8000 => ZdoMessage::NwkAddrRsp(address_response(r)?),
            0x8001 => ZdoMessage::IeeeAddrRsp(address_response(r)?),
            0x8002 => {
                let status = status(r)?;
                let nwk_addr = addr(r)?;
                let descriptor = if r.is_empty() {
                    None
                } else {
                    Some(NodeDescriptor::read(r)?)
                };
                ZdoMessage::NodeDescRsp {
                    status,
                    nwk_addr,
                    descriptor,
                }
            }
            0x8003 => {
                let status = status(r)?;
                let nwk_addr = addr(r)?;
                let descriptor = if r.is_empty() {
                    None
                } else {
                    Some(r.u16("power descriptor")?)
                };
                ZdoMessage::PowerDescRsp {
                    status,
                    nwk_addr,
                    descriptor,
                }
            }
            0x8004 => {
                let status = status(r)?;
                let nwk_addr = addr(r)?;
                let off = r.offset();
                let len = usize::from(r.u8("simple descriptor length")?);
                let descriptor = if len == 0 {
                    None
                } else {
                    let bytes = r.take(len, "simple descriptor")?;
                    let mut inner = Reader::new(bytes);
                    let d = SimpleDescriptor::read(&mut inner).map_err(|e| e.shifted(off + 1))?;
                    if !inner.is_empty() {
                        return Err(DecodeError::LengthMismatch {
                            offset: off,
                            what: "simple descriptor length",
                            declared: len,
                            available: inner.offset(),
                        });
                    }
                    Some(d)
                };
                ZdoMessage::SimpleDescRsp {
                    status,
                    nwk_addr,
                    descriptor,
                }
            }
            0x8005 => ZdoMessage::ActiveEpRsp {
                status: status(r)?,
                nwk_addr: addr(r)?,
                endpoints: counted(r, "active endpoint list")?,
            },
            0x8006 => ZdoMessage::MatchDescRsp {
                status: status(r)?,
                nwk_addr: addr(r)?,
                endpoints: counted(r, "match list")?,
            },
            0x801f => {
                let status = status(r)?;
                let n = r.u8("number of children")?;
                ZdoMessage::ParentAnnceRsp {
                    status,
                    children: read_list(r, usize::from(n), "child list")?,
                }
            }
            0x8021 => ZdoMessage::BindRsp(status(r)?),
            0x8022 => ZdoMessage::UnbindRsp(status(r)?),
            0x8031 => ZdoMessage::MgmtLqiRsp {
                status: status(r)?,
                table: table(r)?,
            },
            0x8032 => ZdoMessage::MgmtRtgRsp {
                status: status(r)?,
                table: table(r)?,
            },
            0x8034 => ZdoMessage::MgmtLeaveRsp(status(r)?),
            0x8036 => ZdoMessage::MgmtPermitJoiningRsp(status(r)?),
            cluster => ZdoMessage::Unknown {
                cluster,
                payload: r.rest(),
            },
        })
    }

    /// Encoded length (without the sequence number).
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        let bind = |b: &BindRequest<'_>| {
            11 + 1
                + match b.dst {
                    BindTarget::Group(_) => 2,
                    BindTarget::Device { .. } => 9,
                    BindTarget::Unknown { raw, .. } => raw.len(),
                }
        };
        let addr_rsp = |a: &AddressResponse<'_>| {
            1 + a.remote.map_or(0, |_| 10)
                + a.associated.map_or(0, |x| 2 + x.devices.as_bytes().len())
        };
        match self {
            ZdoMessage::NwkAddrReq { .. } => 10,
            ZdoMessage::IeeeAddrReq { .. } => 4,
            ZdoMessage::NodeDescReq(_)
            | ZdoMessage::PowerDescReq(_)
            | ZdoMessage::ActiveEpReq(_) => 2,
            ZdoMessage::SimpleDescReq { .. } => 3,
            ZdoMessage::MatchDescReq {
                in_clusters,
                out_clusters,
                ..
            } => 6 + in_clusters.as_bytes().len() + out_clusters.as_bytes().len(),
            ZdoMessage::DeviceAnnce { .. } => 11,
            ZdoMessage::ParentAnnce { children } => 1 + children.as_bytes().len(),
            ZdoMessage::BindReq(b) | ZdoMessage::UnbindReq(b) => bind(b),
            ZdoMessage::MgmtLqiReq { .. }
            | ZdoMessage::MgmtRtgReq { .. }
            | ZdoMessage::BindRsp(_)
            | ZdoMessage::UnbindRsp(_)
            | ZdoMessage::MgmtLeaveRsp(_)
            | ZdoMessage::MgmtPermitJoiningRsp(_) => 1,
            ZdoMessage::MgmtLeaveReq { .. } => 9,
            ZdoMessage::MgmtPermitJoiningReq { .. } => 2,
            ZdoMessage::NwkAddrRsp(a) | ZdoMessage::IeeeAddrRsp(a) => addr_rsp(a),
            ZdoMessage::NodeDescRsp { descriptor, .. } => {
                3 + descriptor.map_or(0, |_| NodeDescriptor::LEN)
            }
            ZdoMessage::PowerDescRsp { descriptor, .. } => 3 + descriptor.map_or(0, |_| 2),
            ZdoMessage::SimpleDescRsp { descriptor, .. } => {
                4 + descriptor.map_or(0, |d| d.encoded_len())
            }
            ZdoMessage::ActiveEpRsp { endpoints, .. }
            | ZdoMessage::MatchDescRsp { endpoints, .. } => 4 + endpoints.len(),
            ZdoMessage::ParentAnnceRsp { children, .. } => 2 + children.as_bytes().len(),
            ZdoMessage::MgmtLqiRsp { table, .. } => {
                1 + table.map_or(0, |t| 3 + t.entries.as_bytes().len())
            }
            ZdoMessage::MgmtRtgRsp { table, .. } => {
                1 + table.map_or(0, |t| 3 + t.entries.as_bytes().len())
            }
            ZdoMessage::Unknown { payload, .. } => payload.len(),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        fn count(n: usize, what: &'static str) -> Result<u8, EncodeError> {
            u8::try_from(n).map_err(|_| EncodeError::TooLarge { what })
        }
        fn bind(w: &mut Writer<'_>, b: &BindRequest<'_>) -> Result<(), EncodeError> {
            w.eui64(b.src)?;
            w.u8(b.src_endpoint)?;
            w.u16(b.cluster)?;
            match b.dst {
                BindTarget::Group(g) => {
                    w.u8(1)?;
                    w.u16(g)
                }
                BindTarget::Device { address, endpoint } => {
                    w.u8(3)?;
                    w.eui64(address)?;
                    w.u8(endpoint)
                }
                BindTarget::Unknown { mode, raw } => {
                    if mode == 1 || mode == 3 {
                        return Err(EncodeError::Inconsistent {
                            what: "bind destination mode",
                        });
                    }
                    w.u8(mode)?;
                    w.bytes(raw)
                }
            }
        }
        fn addr_rsp(w: &mut Writer<'_>, a: &AddressResponse<'_>) -> Result<(), EncodeError> {
            w.u8(a.status.into())?;
            if let Some((ieee, nwk)) = a.remote {
                w.eui64(ieee)?;
                w.u16(nwk.0)?;
            } else if a.associated.is_some() {
                return Err(EncodeError::Inconsistent {
                    what: "associated devices without remote address",
                });
            }
            if let Some(x) = a.associated {
                w.u8(x.total)?;
                w.u8(x.start_index)?;
                w.bytes(x.devices.as_bytes())?;
            }
            Ok(())
        }
        fn table<const N: usize>(
            w: &mut Writer<'_>,
            t: Option<TableChunk<'_, N>>,
        ) -> Result<(), EncodeError> {
            if let Some(t) = t {
                w.u8(t.total)?;
                w.u8(t.start_index)?;
                w.u8(count(t.entries.len(), "table list")?)?;
                w.bytes(t.entries.as_bytes())?;
            }
            Ok(())
        }
        match *self {
            ZdoMessage::NwkAddrReq {
                ieee,
                request_type,
                start_index,
            } => {
                w.eui64(ieee)?;
                w.u8(request_type)?;
                w.u8(start_index)
            }
            ZdoMessage::IeeeAddrReq {
                nwk_addr,
                request_type,
                start_index,
            } => {
                w.u16(nwk_addr.0)?;
                w.u8(request_type)?;
                w.u8(start_index)
            }
            ZdoMessage::NodeDescReq(a)
            | ZdoMessage::PowerDescReq(a)
            | ZdoMessage::ActiveEpReq(a) => w.u16(a.0),
            ZdoMessage::SimpleDescReq { nwk_addr, endpoint } => {
                w.u16(nwk_addr.0)?;
                w.u8(endpoint)
            }
            ZdoMessage::MatchDescReq {
                nwk_addr,
                profile,
                in_clusters,
                out_clusters,
            } => {
                w.u16(nwk_addr.0)?;
                w.u16(profile)?;
                w.u8(count(in_clusters.len(), "input cluster list")?)?;
                w.bytes(in_clusters.as_bytes())?;
                w.u8(count(out_clusters.len(), "output cluster list")?)?;
                w.bytes(out_clusters.as_bytes())
            }
            ZdoMessage::DeviceAnnce {
                nwk_addr,
                ieee,
                capability,
            } => {
                w.u16(nwk_addr.0)?;
                w.eui64(ieee)?;
                w.u8(capability.0)
            }
            ZdoMessage::ParentAnnce { children } => {
                w.u8(count(children.len(), "child list")?)?;
                w.bytes(children.as_bytes())
            }
            ZdoMessage::BindReq(ref b) | ZdoMessage::UnbindReq(ref b) => bind(w, b),
            ZdoMessage::MgmtLqiReq { start_index } | ZdoMessage::MgmtRtgReq { start_index } => {
                w.u8(start_index)
            }
            ZdoMessage::MgmtLeaveReq { device, flags } => {
                w.eui64(device)?;
                w.u8(flags)
            }
            ZdoMessage::MgmtPermitJoiningReq {
                duration,
                tc_significance,
            } => {
                w.u8(duration)?;
                w.u8(tc_significance)
            }
            ZdoMessage::NwkAddrRsp(ref a) | ZdoMessage::IeeeAddrRsp(ref a) => addr_rsp(w, a),
            ZdoMessage::NodeDescRsp {
                status,
                nwk_addr,
                descriptor,
            } => {
                w.u8(status.into())?;
                w.u16(nwk_addr.0)?;
                match descriptor {
                    Some(d) => d.write(w),
                    None => Ok(()),
                }
            }
            ZdoMessage::PowerDescRsp {
                status,
                nwk_addr,
                descriptor,
            } => {
                w.u8(status.into())?;
                w.u16(nwk_addr.0)?;
                match descriptor {
                    Some(d) => w.u16(d),
                    None => Ok(()),
                }
            }
            ZdoMessage::SimpleDescRsp {
                status,
                nwk_addr,
                descriptor,
            } => {
                w.u8(status.into())?;
                w.u16(nwk_addr.0)?;
                match descriptor {
                    Some(d) => {
                        w.u8(count(d.encoded_len(), "simple descriptor")?)?;
                        d.write(w)
                    }
                    None => w.u8(0),
                }
            }
            ZdoMessage::ActiveEpRsp {
                status,
                nwk_addr,
                endpoints,
            }
            | ZdoMessage::MatchDescRsp {
                status,
                nwk_addr,
                endpoints,
            } => {
                w.u8(status.into())?;
                w.u16(nwk_addr.0)?;
                w.u8(count(endpoints.len(), "endpoint list")?)?;
                w.bytes(endpoints)
            }
            ZdoMessage::ParentAnnceRsp { status, children } => {
                w.u8(status.into())?;
                w.u8(count(children.len(), "child list")?)?;
                w.bytes(children.as_bytes())
            }
            ZdoMessage::BindRsp(s)
            | ZdoMessage::UnbindRsp(s)
            | ZdoMessage::MgmtLeaveRsp(s)
            | ZdoMessage::MgmtPermitJoiningRsp(s) => w.u8(s.into()),
            ZdoMessage::MgmtLqiRsp { status, table: t } => {
                w.u8(status.into())?;
                table(w, t)
            }
            ZdoMessage::MgmtRtgRsp { status, table: t } => {
                w.u8(status.into())?;
                table(w, t)
            }
            ZdoMessage::Unknown { payload, .. } => w.bytes(payload),
        }
    }
}

impl<'a> ZdoFrame<'a> {
    /// Decodes the payload of an APS data frame with profile 0 and the given cluster id.
    ///
    /// # Errors
    /// Truncation; a simple descriptor length that disagrees with its content.
    pub fn decode_with(bytes: &'a [u8], cluster: u16) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let sequence = r.u8("transaction sequence number")?;
        let message = ZdoMessage::read(&mut r, cluster)?;
        Ok(ZdoFrame {
            sequence,
            message,
            trailing: r.rest(),
        })
    }

    /// Encoded length.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        1 + self.message.encoded_len() + self.trailing.len()
    }

    /// Encodes into `buf` (the APS payload; the cluster id is [`ZdoMessage::cluster`]).
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let raw_tail = match &self.message {
            ZdoMessage::Unknown { .. } => true,
            ZdoMessage::BindReq(b) | ZdoMessage::UnbindReq(b) => {
                matches!(b.dst, BindTarget::Unknown { .. })
            }
            ZdoMessage::NwkAddrRsp(a) | ZdoMessage::IeeeAddrRsp(a) => {
                a.associated.is_some() || a.remote.is_none()
            }
            ZdoMessage::NodeDescRsp {
                descriptor: None, ..
            }
            | ZdoMessage::PowerDescRsp {
                descriptor: None, ..
            }
            | ZdoMessage::MgmtLqiRsp { table: None, .. }
            | ZdoMessage::MgmtRtgRsp { table: None, .. } => true,
            _ => false,
        };
        if raw_tail && !self.trailing.is_empty() {
            return Err(EncodeError::Inconsistent {
                what: "trailing bytes after a message that ends open",
            });
        }
        let mut w = Writer::new(buf, self.encoded_len())?;
        w.u8(self.sequence)?;
        self.message.write(&mut w)?;
        w.bytes(self.trailing)?;
        Ok(w.done())
    }
}

encode_to_vec!(ZdoFrame<'_>);
