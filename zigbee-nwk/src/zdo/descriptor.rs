//! ZDO descriptors and table entries: node descriptor (ZigBee R22
//! §2.3.2.3), simple descriptor (§2.3.2.5), neighbour table entry of
//! Mgmt_Lqi_rsp (Table 2-126) and routing table entry of Mgmt_Rtg_rsp
//! (Table 2-128).

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::types::{ShortAddr, U16List, read_list};
use dual_protocol_primitives::eui64::Eui64;

/// The node descriptor (§2.3.2.3), 13 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NodeDescriptor {
    /// Octet 0: bits 0-2 logical type, bit 3 complex descriptor, bit 4 user descriptor, 5-7 reserved.
    pub flags: u8,
    /// Octet 1: bits 0-2 APS flags, bits 3-7 frequency band.
    pub band: u8,
    /// MAC capability flags.
    pub mac_capability: u8,
    /// Manufacturer code.
    pub manufacturer_code: u16,
    /// Maximum buffer size.
    pub max_buffer_size: u8,
    /// Maximum incoming transfer size.
    pub max_incoming_transfer: u16,
    /// Server mask.
    pub server_mask: u16,
    /// Maximum outgoing transfer size.
    pub max_outgoing_transfer: u16,
    /// Descriptor capability field.
    pub descriptor_capability: u8,
}

impl NodeDescriptor {
    /// Encoded length.
    pub const LEN: usize = 13;

    /// Logical type (0 coordinator, 1 router, 2 end device).
    #[must_use]
    pub const fn logical_type(&self) -> u8 {
        self.flags & 7
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(NodeDescriptor {
            flags: r.u8("node descriptor flags")?,
            band: r.u8("frequency band")?,
            mac_capability: r.u8("MAC capability flags")?,
            manufacturer_code: r.u16("manufacturer code")?,
            max_buffer_size: r.u8("maximum buffer size")?,
            max_incoming_transfer: r.u16("maximum incoming transfer size")?,
            server_mask: r.u16("server mask")?,
            max_outgoing_transfer: r.u16("maximum outgoing transfer size")?,
            descriptor_capability: r.u8("descriptor capability")?,
        })
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.flags)?;
        w.u8(self.band)?;
        w.u8(self.mac_capability)?;
        w.u16(self.manufacturer_code)?;
        w.u8(self.max_buffer_size)?;
        w.u16(self.max_incoming_transfer)?;
        w.u16(self.server_mask)?;
        w.u16(self.max_outgoing_transfer)?;
        w.u8(self.descriptor_capability)
    }
}

/// The simple descriptor (§2.3.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SimpleDescriptor<'a> {
    /// Endpoint.
    pub endpoint: u8,
    /// Application profile id.
    pub profile: u16,
    /// Application device id.
    pub device_id: u16,
    /// Application device version (bits 0-3) and reserved bits 4-7.
    pub device_version: u8,
    /// Input clusters.
    pub in_clusters: U16List<'a>,
    /// Output clusters.
    pub out_clusters: U16List<'a>,
}

impl<'a> SimpleDescriptor<'a> {
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let endpoint = r.u8("endpoint")?;
        let profile = r.u16("profile id")?;
        let device_id = r.u16("device id")?;
        let device_version = r.u8("device version")?;
        let n = r.u8("input cluster count")?;
        let in_clusters = read_list(r, usize::from(n), "input cluster list")?;
        let n = r.u8("output cluster count")?;
        let out_clusters = read_list(r, usize::from(n), "output cluster list")?;
        Ok(SimpleDescriptor {
            endpoint,
            profile,
            device_id,
            device_version,
            in_clusters,
            out_clusters,
        })
    }

    /// Encoded length.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        8 + self.in_clusters.as_bytes().len() + self.out_clusters.as_bytes().len()
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let n = |l: U16List<'_>| {
            u8::try_from(l.len()).map_err(|_| EncodeError::TooLarge {
                what: "cluster list",
            })
        };
        w.u8(self.endpoint)?;
        w.u16(self.profile)?;
        w.u16(self.device_id)?;
        w.u8(self.device_version)?;
        w.u8(n(self.in_clusters)?)?;
        w.bytes(self.in_clusters.as_bytes())?;
        w.u8(n(self.out_clusters)?)?;
        w.bytes(self.out_clusters.as_bytes())
    }
}

/// A neighbour table entry of Mgmt_Lqi_rsp (Table 2-126), 22 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NeighborEntry {
    /// Extended PAN id.
    pub extended_pan_id: Eui64,
    /// Extended address.
    pub ieee: Eui64,
    /// Network address.
    pub nwk_addr: ShortAddr,
    /// Bits 0-1 device type, 2-3 receiver on when idle, 4-6 relationship, 7 reserved.
    pub flags: u8,
    /// Bits 0-1 permit joining, 2-7 reserved.
    pub permit_joining: u8,
    /// Depth.
    pub depth: u8,
    /// LQI.
    pub lqi: u8,
}

impl NeighborEntry {
    pub(crate) fn from_bytes(b: &[u8; 22]) -> Self {
        let mut r = Reader::new(b);
        // 22 bytes are always there: the reads cannot fail.
        NeighborEntry {
            extended_pan_id: r.eui64("").unwrap_or_default(),
            ieee: r.eui64("").unwrap_or_default(),
            nwk_addr: ShortAddr(r.u16("").unwrap_or_default()),
            flags: r.u8("").unwrap_or_default(),
            permit_joining: r.u8("").unwrap_or_default(),
            depth: r.u8("").unwrap_or_default(),
            lqi: r.u8("").unwrap_or_default(),
        }
    }
}

/// A routing table entry of Mgmt_Rtg_rsp (Table 2-128), 5 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RoutingEntry {
    /// Destination address.
    pub dst: ShortAddr,
    /// Bits 0-2 status, 3 memory constrained, 4 many-to-one, 5 route record required.
    pub flags: u8,
    /// Next hop.
    pub next_hop: ShortAddr,
}

impl RoutingEntry {
    pub(crate) fn from_bytes(&[a, b, c, d, e]: &[u8; 5]) -> Self {
        RoutingEntry {
            dst: ShortAddr(u16::from_le_bytes([a, b])),
            flags: c,
            next_hop: ShortAddr(u16::from_le_bytes([d, e])),
        }
    }
}
