//! Time cluster, 0x000a (ZCL rev 6 §3.12): the hub manages HAN devices'
//! clocks through it. It has attributes only, no commands.

use super::{Access, AttributeDef, ClusterDef};
use crate::data_type::DataType as T;

/// Cluster identifier.
pub const ID: u16 = 0x000a;

/// Attribute identifiers (§3.12.2.2).
pub mod attr {
    /// Time (UTC).
    pub const TIME: u16 = 0x0000;
    /// TimeStatus (bitmap8, [`super::TimeStatus`]).
    pub const TIME_STATUS: u16 = 0x0001;
    /// TimeZone (int32, seconds).
    pub const TIME_ZONE: u16 = 0x0002;
    /// DstStart (uint32).
    pub const DST_START: u16 = 0x0003;
    /// DstEnd (uint32).
    pub const DST_END: u16 = 0x0004;
    /// DstShift (int32, seconds).
    pub const DST_SHIFT: u16 = 0x0005;
    /// StandardTime (uint32).
    pub const STANDARD_TIME: u16 = 0x0006;
    /// LocalTime (uint32).
    pub const LOCAL_TIME: u16 = 0x0007;
    /// LastSetTime (UTC).
    pub const LAST_SET_TIME: u16 = 0x0008;
    /// ValidUntilTime (UTC).
    pub const VALID_UNTIL_TIME: u16 = 0x0009;
}

/// Attributes (§3.12.2.2, table 3-60).
pub static ATTRIBUTES: &[AttributeDef<'static>] = &[
    AttributeDef::new(attr::TIME, "Time", T::UTC, Access::RW),
    AttributeDef::new(attr::TIME_STATUS, "TimeStatus", T::BITMAP8, Access::RW),
    AttributeDef::new(attr::TIME_ZONE, "TimeZone", T::INT32, Access::RW),
    AttributeDef::new(attr::DST_START, "DstStart", T::UINT32, Access::RW),
    AttributeDef::new(attr::DST_END, "DstEnd", T::UINT32, Access::RW),
    AttributeDef::new(attr::DST_SHIFT, "DstShift", T::INT32, Access::RW),
    AttributeDef::new(attr::STANDARD_TIME, "StandardTime", T::UINT32, Access::R),
    AttributeDef::new(attr::LOCAL_TIME, "LocalTime", T::UINT32, Access::R),
    AttributeDef::new(attr::LAST_SET_TIME, "LastSetTime", T::UTC, Access::R),
    AttributeDef::new(attr::VALID_UNTIL_TIME, "ValidUntilTime", T::UTC, Access::RW),
];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Time",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: &[],
};

/// The TimeStatus bitmap (§3.12.2.2.2). Reserved bits are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TimeStatus(pub u8);

impl TimeStatus {
    /// Bit 0, Master: the Time attribute is set from a master clock that
    /// is not adjusted locally.
    pub const MASTER: u8 = 0x01;
    /// Bit 1, Synchronized: the time has been synchronized over the network.
    pub const SYNCHRONIZED: u8 = 0x02;
    /// Bit 2, MasterZoneDst: TimeZone, DstStart, DstEnd and DstShift come
    /// from a master source.
    pub const MASTER_ZONE_DST: u8 = 0x04;
    /// Bit 3, Superseding: this server's time supersedes others' (SE 1.x:
    /// the ESI / hub is the preferred time source).
    pub const SUPERSEDING: u8 = 0x08;

    /// Bit 0.
    #[must_use]
    pub const fn master(self) -> bool {
        self.0 & Self::MASTER != 0
    }
    /// Bit 1.
    #[must_use]
    pub const fn synchronized(self) -> bool {
        self.0 & Self::SYNCHRONIZED != 0
    }
    /// Bit 2.
    #[must_use]
    pub const fn master_zone_dst(self) -> bool {
        self.0 & Self::MASTER_ZONE_DST != 0
    }
    /// Bit 3.
    #[must_use]
    pub const fn superseding(self) -> bool {
        self.0 & Self::SUPERSEDING != 0
    }
    /// Bits 4 to 7, reserved.
    #[must_use]
    pub const fn reserved(self) -> u8 {
        self.0 & 0xf0
    }
}

/// Seconds from the Unix epoch to the ZCL epoch, 2000-01-01T00:00:00Z
/// (UTCTime, ZCL rev 6 §2.6.2.21).
pub const ZCL_EPOCH_UNIX_SECONDS: i64 = 946_684_800;

/// Converts a ZCL UTCTime to a calendar date-time; `None` for the invalid
/// value 0xffffffff.
#[must_use]
pub fn utc_to_datetime(utc: u32) -> Option<dual_protocol_primitives::UtcDateTime> {
    if utc == 0xffff_ffff {
        return None;
    }
    dual_protocol_primitives::UtcDateTime::from_unix_seconds(
        ZCL_EPOCH_UNIX_SECONDS + i64::from(utc),
    )
    .ok()
}
