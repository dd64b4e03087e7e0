//! NWK command frames (ZigBee R22 §3.4, command ids in Table 3-40): route
//! request and reply, network status, leave, route record, rejoin request
//! and response, link status, network report and update, end device
//! timeout request and response, link power delta. Other command ids are
//! kept raw; bytes after a known command (R23 TLVs) are kept in
//! [`NwkCommandFrame::tlvs`].

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::mac::{AssociationStatus, CapabilityInformation};
use crate::macros::{code_enum, encode_to_vec};
use crate::types::{List, ShortAddr, U16List, read_list};
use dual_protocol_primitives::eui64::Eui64;

code_enum! {
    /// Network status codes (ZigBee R22 Table 3-46).
    pub enum NetworkStatusCode {
        /// No route available.
        NoRouteAvailable = 0x00,
        /// Tree link failure.
        TreeLinkFailure = 0x01,
        /// Non-tree link failure.
        NonTreeLinkFailure = 0x02,
        /// Low battery level.
        LowBatteryLevel = 0x03,
        /// No routing capacity.
        NoRoutingCapacity = 0x04,
        /// No indirect capacity.
        NoIndirectCapacity = 0x05,
        /// Indirect transaction expiry.
        IndirectTransactionExpiry = 0x06,
        /// Target device unavailable.
        TargetDeviceUnavailable = 0x07,
        /// Target address unallocated.
        TargetAddressUnallocated = 0x08,
        /// Parent link failure.
        ParentLinkFailure = 0x09,
        /// Validate route.
        ValidateRoute = 0x0a,
        /// Source route failure.
        SourceRouteFailure = 0x0b,
        /// Many-to-one route failure.
        ManyToOneRouteFailure = 0x0c,
        /// Address conflict.
        AddressConflict = 0x0d,
        /// Verify addresses.
        VerifyAddresses = 0x0e,
        /// PAN identifier update.
        PanIdentifierUpdate = 0x0f,
        /// Network address update.
        NetworkAddressUpdate = 0x10,
        /// Bad frame counter.
        BadFrameCounter = 0x11,
        /// Bad key sequence number.
        BadKeySequenceNumber = 0x12,
        /// Unknown command.
        UnknownCommand = 0x13,
    }
}

code_enum! {
    /// End device timeout response status (ZigBee R22 Table 3-59).
    pub enum EndDeviceTimeoutStatus {
        /// Success.
        Success = 0,
        /// Incorrect value.
        IncorrectValue = 1,
    }
}

/// The report or update information of a network report (§3.4.9) or
/// network update (§3.4.10) command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum NetworkInfo<'a> {
    /// Type 0: PAN identifier conflict (report) or PAN identifier update (update): PAN ids.
    PanIds(U16List<'a>),
    /// Another type: its count and raw information.
    Unknown {
        /// Report/update command identifier (3 bits).
        kind: u8,
        /// Information count (5 bits).
        count: u8,
        /// The information, raw.
        data: &'a [u8],
    },
}

impl<'a> NetworkInfo<'a> {
    fn read(r: &mut Reader<'a>, options: u8) -> Result<Self, DecodeError> {
        let kind = options >> 5;
        let count = options & 0x1f;
        // The rest of the command is the information (the EPID and update id were read before).
        Ok(if kind == 0 {
            NetworkInfo::PanIds(read_list(r, usize::from(count), "PAN identifier list")?)
        } else {
            NetworkInfo::Unknown {
                kind,
                count,
                data: r.rest(),
            }
        })
    }

    fn options(&self) -> Result<u8, EncodeError> {
        let (kind, count) = match self {
            NetworkInfo::PanIds(l) => (0, l.len()),
            NetworkInfo::Unknown { kind, count, .. } => (*kind, usize::from(*count)),
        };
        if kind > 7 || count > 31 {
            return Err(EncodeError::TooLarge {
                what: "network report/update options",
            });
        }
        Ok(kind << 5 | count as u8)
    }

    const fn bytes(&self) -> &'a [u8] {
        match self {
            NetworkInfo::PanIds(l) => l.as_bytes(),
            NetworkInfo::Unknown { data, .. } => data,
        }
    }
}

/// One link status entry (§3.4.8.3.2): neighbour address, incoming and outgoing cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LinkStatusEntry {
    /// Neighbour network address.
    pub address: ShortAddr,
    /// Incoming cost (bits 0-2).
    pub incoming_cost: u8,
    /// Outgoing cost (bits 4-6).
    pub outgoing_cost: u8,
    /// Reserved bits 3 and 7 as received.
    pub reserved: u8,
}

/// One link power delta entry (§3.4.13): device and power delta in dBm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PowerDeltaEntry {
    /// Device network address.
    pub address: ShortAddr,
    /// Power delta (signed dBm).
    pub delta: i8,
}

/// A NWK command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum NwkCommand<'a> {
    /// 0x01 Route request (§3.4.1).
    RouteRequest {
        /// Command options with bit 5 (destination IEEE present) cleared:
        /// bits 3-4 many-to-one, bit 6 multicast, others reserved.
        options: u8,
        /// Route request identifier.
        id: u8,
        /// Destination address.
        dst: ShortAddr,
        /// Path cost.
        path_cost: u8,
        /// Destination IEEE address (option bit 5).
        dst_ieee: Option<Eui64>,
    },
    /// 0x02 Route reply (§3.4.2).
    RouteReply {
        /// Command options with bits 4-5 (IEEE addresses present) cleared: bit 6 multicast.
        options: u8,
        /// Route request identifier.
        id: u8,
        /// Originator address.
        originator: ShortAddr,
        /// Responder address.
        responder: ShortAddr,
        /// Path cost.
        path_cost: u8,
        /// Originator IEEE address (option bit 4).
        originator_ieee: Option<Eui64>,
        /// Responder IEEE address (option bit 5).
        responder_ieee: Option<Eui64>,
    },
    /// 0x03 Network status (§3.4.3).
    NetworkStatus {
        /// Status code.
        status: NetworkStatusCode,
        /// Destination address the status concerns.
        dst: ShortAddr,
    },
    /// 0x04 Leave (§3.4.4): options bit 5 rejoin, bit 6 request, bit 7 remove children.
    Leave {
        /// Command options.
        options: u8,
    },
    /// 0x05 Route record (§3.4.5).
    RouteRecord {
        /// Relay list.
        relays: U16List<'a>,
    },
    /// 0x06 Rejoin request (§3.4.6).
    RejoinRequest(CapabilityInformation),
    /// 0x07 Rejoin response (§3.4.7).
    RejoinResponse {
        /// Network address.
        address: ShortAddr,
        /// Rejoin status (MAC association status values).
        status: AssociationStatus,
    },
    /// 0x08 Link status (§3.4.8).
    LinkStatus {
        /// First frame (option bit 5).
        first_frame: bool,
        /// Last frame (option bit 6).
        last_frame: bool,
        /// Reserved option bit 7.
        reserved: bool,
        /// Entries, 3 bytes each (iterate with [`NwkCommand::link_status_entries`]).
        entries: List<'a, 3>,
    },
    /// 0x09 Network report (§3.4.9).
    NetworkReport {
        /// Extended PAN id.
        extended_pan_id: Eui64,
        /// Report information.
        info: NetworkInfo<'a>,
    },
    /// 0x0a Network update (§3.4.10).
    NetworkUpdate {
        /// Extended PAN id.
        extended_pan_id: Eui64,
        /// Update id.
        update_id: u8,
        /// Update information.
        info: NetworkInfo<'a>,
    },
    /// 0x0b End device timeout request (§3.4.11).
    EndDeviceTimeoutRequest {
        /// Requested timeout enumeration (0 = 10 s, n = 2^n minutes).
        timeout: u8,
        /// End device configuration.
        configuration: u8,
    },
    /// 0x0c End device timeout response (§3.4.12).
    EndDeviceTimeoutResponse {
        /// Status.
        status: EndDeviceTimeoutStatus,
        /// Parent information: bit 0 MAC data poll keepalive, bit 1 end device timeout request keepalive, bit 2 power negotiation.
        parent_info: u8,
    },
    /// 0x0d Link power delta (§3.4.13).
    LinkPowerDelta {
        /// Command options (bits 0-1 type: notification, request, response).
        options: u8,
        /// Entries, 3 bytes each (iterate with [`NwkCommand::power_delta_entries`]).
        entries: List<'a, 3>,
    },
    /// Another command id, kept raw.
    Unknown {
        /// Command identifier.
        id: u8,
        /// Payload after the identifier.
        payload: &'a [u8],
    },
}

/// A NWK command and any bytes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NwkCommandFrame<'a> {
    /// The command.
    pub command: NwkCommand<'a>,
    /// Bytes after a known command (R23 TLVs), raw.
    pub tlvs: &'a [u8],
}

impl<'a> NwkCommand<'a> {
    /// The command identifier.
    #[must_use]
    pub const fn id(&self) -> u8 {
        match self {
            NwkCommand::RouteRequest { .. } => 0x01,
            NwkCommand::RouteReply { .. } => 0x02,
            NwkCommand::NetworkStatus { .. } => 0x03,
            NwkCommand::Leave { .. } => 0x04,
            NwkCommand::RouteRecord { .. } => 0x05,
            NwkCommand::RejoinRequest(_) => 0x06,
            NwkCommand::RejoinResponse { .. } => 0x07,
            NwkCommand::LinkStatus { .. } => 0x08,
            NwkCommand::NetworkReport { .. } => 0x09,
            NwkCommand::NetworkUpdate { .. } => 0x0a,
            NwkCommand::EndDeviceTimeoutRequest { .. } => 0x0b,
            NwkCommand::EndDeviceTimeoutResponse { .. } => 0x0c,
            NwkCommand::LinkPowerDelta { .. } => 0x0d,
            NwkCommand::Unknown { id, .. } => *id,
        }
    }

    /// Link status entries (empty for other commands).
    pub fn link_status_entries(&self) -> impl Iterator<Item = LinkStatusEntry> + 'a {
        let l = match self {
            NwkCommand::LinkStatus { entries, .. } => *entries,
            _ => List::empty(),
        };
        l.chunks().map(|&[a, b, c]| LinkStatusEntry {
            address: ShortAddr(u16::from_le_bytes([a, b])),
            incoming_cost: c & 7,
            outgoing_cost: (c >> 4) & 7,
            reserved: c & 0x88,
        })
    }

    /// Link power delta entries (empty for other commands).
    pub fn power_delta_entries(&self) -> impl Iterator<Item = PowerDeltaEntry> + 'a {
        let l = match self {
            NwkCommand::LinkPowerDelta { entries, .. } => *entries,
            _ => List::empty(),
        };
        l.chunks().map(|&[a, b, c]| PowerDeltaEntry {
            address: ShortAddr(u16::from_le_bytes([a, b])),
            delta: c as i8,
        })
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let id = r.u8("NWK command identifier")?;
        Ok(match id {
            0x01 => {
                let o = r.u8("route request options")?;
                NwkCommand::RouteRequest {
                    options: o & !0x20,
                    id: r.u8("route request id")?,
                    dst: ShortAddr(r.u16("destination address")?),
                    path_cost: r.u8("path cost")?,
                    dst_ieee: if o & 0x20 != 0 {
                        Some(r.eui64("destination IEEE address")?)
                    } else {
                        None
                    },
                }
            }
            0x02 => {
                let o = r.u8("route reply options")?;
                let id = r.u8("route request id")?;
                let originator = ShortAddr(r.u16("originator address")?);
                let responder = ShortAddr(r.u16("responder address")?);
                let path_cost = r.u8("path cost")?;
                let originator_ieee = if o & 0x10 != 0 {
                    Some(r.eui64("originator IEEE address")?)
                } else {
                    None
                };
                let responder_ieee = if o & 0x20 != 0 {
                    Some(r.eui64("responder IEEE address")?)
                } else {
                    None
                };
                NwkCommand::RouteReply {
                    options: o & !0x30,
                    id,
                    originator,
                    responder,
                    path_cost,
                    originator_ieee,
                    responder_ieee,
                }
            }
            0x03 => NwkCommand::NetworkStatus {
                status: NetworkStatusCode::from(r.u8("network status code")?),
                dst: ShortAddr(r.u16("destination address")?),
            },
            0x04 => NwkCommand::Leave {
                options: r.u8("leave options")?,
            },
            0x05 => {
                let n = r.u8("relay count")?;
                NwkCommand::RouteRecord {
                    relays: read_list(r, usize::from(n), "relay list")?,
                }
            }
            0x06 => {
                NwkCommand::RejoinRequest(CapabilityInformation(r.u8("capability information")?))
            }
            0x07 => NwkCommand::RejoinResponse {
                address: ShortAddr(r.u16("network address")?),
                status: AssociationStatus::from(r.u8("rejoin status")?),
            },
            0x08 => {
                let o = r.u8("link status options")?;
                NwkCommand::LinkStatus {
                    first_frame: o & 0x20 != 0,
                    last_frame: o & 0x40 != 0,
                    reserved: o & 0x80 != 0,
                    entries: read_list(r, usize::from(o & 0x1f), "link status list")?,
                }
            }
            0x09 => {
                let o = r.u8("network report options")?;
                let extended_pan_id = r.eui64("extended PAN id")?;
                NwkCommand::NetworkReport {
                    extended_pan_id,
                    info: NetworkInfo::read(r, o)?,
                }
            }
            0x0a => {
                let o = r.u8("network update options")?;
                let extended_pan_id = r.eui64("extended PAN id")?;
                let update_id = r.u8("update id")?;
                NwkCommand::NetworkUpdate {
                    extended_pan_id,
                    update_id,
                    info: NetworkInfo::read(r, o)?,
                }
            }
            0x0b => NwkCommand::EndDeviceTimeoutRequest {
                timeout: r.u8("requested timeout")?,
                configuration: r.u8("end device configuration")?,
            },
            0x0c => NwkCommand::EndDeviceTimeoutResponse {
                status: EndDeviceTimeoutStatus::from(r.u8("status")?),
                parent_info: r.u8("parent information")?,
            },
            0x0d => {
                let options = r.u8("link power delta options")?;
                let n = r.u8("power list count")?;
                NwkCommand::LinkPowerDelta {
                    options,
                    entries: read_list(r, usize::from(n), "power list")?,
                }
            }
            id => NwkCommand::Unknown {
                id,
                payload: r.rest(),
            },
        })
    }

    /// Encoded length (identifier included).
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        1 + match self {
            NwkCommand::RouteRequest { dst_ieee, .. } => 5 + if dst_ieee.is_some() { 8 } else { 0 },
            NwkCommand::RouteReply {
                originator_ieee,
                responder_ieee,
                ..
            } => {
                7 + if originator_ieee.is_some() { 8 } else { 0 }
                    + if responder_ieee.is_some() { 8 } else { 0 }
            }
            NwkCommand::NetworkStatus { .. } => 3,
            NwkCommand::Leave { .. } | NwkCommand::RejoinRequest(_) => 1,
            NwkCommand::RouteRecord { relays } => 1 + relays.as_bytes().len(),
            NwkCommand::RejoinResponse { .. } => 3,
            NwkCommand::LinkStatus { entries, .. } => 1 + entries.as_bytes().len(),
            NwkCommand::NetworkReport { info, .. } => 9 + info.bytes().len(),
            NwkCommand::NetworkUpdate { info, .. } => 10 + info.bytes().len(),
            NwkCommand::EndDeviceTimeoutRequest { .. }
            | NwkCommand::EndDeviceTimeoutResponse { .. } => 2,
            NwkCommand::LinkPowerDelta { entries, .. } => 2 + entries.as_bytes().len(),
            NwkCommand::Unknown { payload, .. } => payload.len(),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.id())?;
        match *self {
            NwkCommand::RouteRequest {
                options,
                id,
                dst,
                path_cost,
                dst_ieee,
            } => {
                w.u8(options & !0x20 | u8::from(dst_ieee.is_some()) << 5)?;
                w.u8(id)?;
                w.u16(dst.0)?;
                w.u8(path_cost)?;
                if let Some(e) = dst_ieee {
                    w.eui64(e)?;
                }
            }
            NwkCommand::RouteReply {
                options,
                id,
                originator,
                responder,
                path_cost,
                originator_ieee,
                responder_ieee,
            } => {
                w.u8(options & !0x30
                    | u8::from(originator_ieee.is_some()) << 4
                    | u8::from(responder_ieee.is_some()) << 5)?;
                w.u8(id)?;
                w.u16(originator.0)?;
                w.u16(responder.0)?;
                w.u8(path_cost)?;
                if let Some(e) = originator_ieee {
                    w.eui64(e)?;
                }
                if let Some(e) = responder_ieee {
                    w.eui64(e)?;
                }
            }
            NwkCommand::NetworkStatus { status, dst } => {
                w.u8(status.into())?;
                w.u16(dst.0)?;
            }
            NwkCommand::Leave { options } => w.u8(options)?,
            NwkCommand::RouteRecord { relays } => {
                let n = u8::try_from(relays.len())
                    .map_err(|_| EncodeError::TooLarge { what: "relay list" })?;
                w.u8(n)?;
                w.bytes(relays.as_bytes())?;
            }
            NwkCommand::RejoinRequest(c) => w.u8(c.0)?,
            NwkCommand::RejoinResponse { address, status } => {
                w.u16(address.0)?;
                w.u8(status.into())?;
            }
            NwkCommand::LinkStatus {
                first_frame,
                last_frame,
                reserved,
                entries,
            } => {
                if entries.len() > 31 {
                    return Err(EncodeError::TooLarge {
                        what: "link status list",
                    });
                }
                w.u8(entries.len() as u8
                    | u8::from(first_frame) << 5
                    | u8::from(last_frame) << 6
                    | u8::from(reserved) << 7)?;
                w.bytes(entries.as_bytes())?;
            }
            NwkCommand::NetworkReport {
                extended_pan_id,
                info,
            } => {
                w.u8(info.options()?)?;
                w.eui64(extended_pan_id)?;
                w.bytes(info.bytes())?;
            }
            NwkCommand::NetworkUpdate {
                extended_pan_id,
                update_id,
                info,
            } => {
                w.u8(info.options()?)?;
                w.eui64(extended_pan_id)?;
                w.u8(update_id)?;
                w.bytes(info.bytes())?;
            }
            NwkCommand::EndDeviceTimeoutRequest {
                timeout,
                configuration,
            } => {
                w.u8(timeout)?;
                w.u8(configuration)?;
            }
            NwkCommand::EndDeviceTimeoutResponse {
                status,
                parent_info,
            } => {
                w.u8(status.into())?;
                w.u8(parent_info)?;
            }
            NwkCommand::LinkPowerDelta { options, entries } => {
                let n = u8::try_from(entries.len())
                    .map_err(|_| EncodeError::TooLarge { what: "power list" })?;
                w.u8(options)?;
                w.u8(n)?;
                w.bytes(entries.as_bytes())?;
            }
            NwkCommand::Unknown { payload, .. } => w.bytes(payload)?,
        }
        Ok(())
    }
}

impl<'a> NwkCommandFrame<'a> {
    /// Decodes a command (identifier first) and keeps what follows it.
    ///
    /// # Errors
    /// Truncation of a field the command needs.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let command = NwkCommand::read(&mut r)?;
        Ok(NwkCommandFrame {
            command,
            tlvs: r.rest(),
        })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        self.command.encoded_len() + self.tlvs.len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if matches!(
            self.command,
            NwkCommand::Unknown { .. }
                | NwkCommand::NetworkReport {
                    info: NetworkInfo::Unknown { .. },
                    ..
                }
                | NwkCommand::NetworkUpdate {
                    info: NetworkInfo::Unknown { .. },
                    ..
                }
        ) && !self.tlvs.is_empty()
        {
            return Err(EncodeError::Inconsistent {
                what: "TLVs after a raw command payload",
            });
        }
        self.command.write(w)?;
        w.bytes(self.tlvs)
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = Writer::new(buf, self.encoded_len())?;
        self.write(&mut w)?;
        Ok(w.done())
    }
}

encode_to_vec!(NwkCommandFrame<'_>);
