//! Any Smart Energy cluster command, typed: [`SeCommand`] dispatches on the
//! cluster identifier to each cluster's generated `Command` enum (ZigBee
//! Smart Energy 1.4, 07-5356-21, annexes C.3 and D).

use super::{
    calendar, device_management, drlc, energy_management, events, key_establishment_commands,
    mdu_pairing, messaging, metering, ota_upgrade, prepayment, price, tunneling,
};
use crate::error::{DecodeError, EncodeError};
use crate::frame::{Direction, Frame, FrameType, Payload};

macro_rules! se_clusters {
    ($( $(#[$m:meta])* $variant:ident => $module:ident, )*) => {
        /// A typed Smart Energy command of any cluster.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum SeCommand<'a> {
            $( $(#[$m])* $variant($module::Command<'a>), )*
        }

        impl<'a> SeCommand<'a> {
            /// Decodes command `id` of `cluster` travelling in `direction`
            /// (payload after the ZCL header, whose first octet is at
            /// absolute offset `base`); `Ok(None)` if the cluster or the
            /// command is not a standard Smart Energy one.
            pub fn decode_at(
                cluster: u16,
                direction: Direction,
                id: u8,
                payload: &'a [u8],
                base: usize,
            ) -> Result<Option<Self>, DecodeError> {
                $(
                    if cluster == cluster_id!($module) {
                        return Ok($module::Command::decode_at(direction, id, payload, base)?
                            .map(SeCommand::$variant));
                    }
                )*
                Ok(None)
            }

            /// The name of raw value `raw` of field `field` of command `id`
            /// of `cluster` travelling in `direction`, when the field is a
            /// named enumeration (`UnitOfMeasure`, `EventStatus` ...).
            #[must_use]
            pub fn value_name(
                cluster: u16,
                direction: Direction,
                id: u8,
                field: &str,
                raw: u64,
            ) -> Option<&'static str> {
                $(
                    if cluster == cluster_id!($module) {
                        return $module::Command::value_name(direction, id, field, raw);
                    }
                )*
                None
            }

            /// The cluster identifier.
            #[must_use]
            pub const fn cluster(&self) -> u16 {
                match self { $( SeCommand::$variant(_) => cluster_id!($module), )* }
            }

            /// Command identifier.
            #[must_use]
            pub const fn id(&self) -> u8 {
                match self { $( SeCommand::$variant(c) => c.id(), )* }
            }

            /// Direction.
            #[must_use]
            pub const fn direction(&self) -> Direction {
                match self { $( SeCommand::$variant(c) => c.direction(), )* }
            }

            /// Command name (as the cluster tables spell it).
            #[must_use]
            pub const fn name(&self) -> &'static str {
                match self { $( SeCommand::$variant(c) => c.name(), )* }
            }

            /// Length of the encoded payload.
            #[must_use]
            pub fn encoded_len(&self) -> usize {
                match self { $( SeCommand::$variant(c) => c.encoded_len(), )* }
            }

            /// Encodes the payload into `buf`.
            pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
                match self { $( SeCommand::$variant(c) => c.encode(buf), )* }
            }

            /// Encodes a whole ZCL frame: header (cluster-specific, not
            /// manufacturer specific) and payload.
            pub fn encode_frame(
                &self,
                tsn: u8,
                disable_default_response: bool,
                buf: &mut [u8],
            ) -> Result<usize, EncodeError> {
                match self {
                    $( SeCommand::$variant(c) => c.encode_frame(tsn, disable_default_response, buf), )*
                }
            }
        }
    };
}

macro_rules! cluster_id {
    (key_establishment_commands) => {
        super::key_establishment::ID
    };
    ($module:ident) => {
        $module::ID
    };
}

se_clusters! {
    /// Price (0x0700).
    Price => price,
    /// Demand Response and Load Control (0x0701).
    Drlc => drlc,
    /// Metering (0x0702).
    Metering => metering,
    /// Messaging (0x0703).
    Messaging => messaging,
    /// Tunneling (0x0704).
    Tunneling => tunneling,
    /// Prepayment (0x0705).
    Prepayment => prepayment,
    /// Energy Management (0x0706).
    EnergyManagement => energy_management,
    /// Calendar (0x0707).
    Calendar => calendar,
    /// Device Management (0x0708).
    DeviceManagement => device_management,
    /// Events (0x0709).
    Events => events,
    /// MDU Pairing (0x070a).
    MduPairing => mdu_pairing,
    /// Key Establishment (0x0800).
    KeyEstablishment => key_establishment_commands,
    /// OTA Upgrade (0x0019), which Smart Energy devices use for firmware.
    OtaUpgrade => ota_upgrade,
}

impl<'a> SeCommand<'a> {
    /// Decodes a payload that starts at offset 0.
    pub fn decode(
        cluster: u16,
        direction: Direction,
        id: u8,
        payload: &'a [u8],
    ) -> Result<Option<Self>, DecodeError> {
        Self::decode_at(cluster, direction, id, payload, 0)
    }

    /// The typed command of a decoded frame on `cluster`: `Ok(None)` for
    /// global and manufacturer-specific frames, reserved frame types and
    /// commands no Smart Energy cluster defines.
    pub fn from_frame(frame: &Frame<'a>, cluster: u16) -> Result<Option<Self>, DecodeError> {
        let h = &frame.header;
        if h.frame_type != FrameType::ClusterSpecific || h.manufacturer_code.is_some() {
            return Ok(None);
        }
        let payload = match frame.payload {
            Payload::Cluster(c) => c.bytes(),
            Payload::Raw(b) => b,
            Payload::Global(_) => return Ok(None),
        };
        let base = h.encoded_len();
        Self::decode_at(cluster, h.direction, h.command_id, payload, base)
    }
}
