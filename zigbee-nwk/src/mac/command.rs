//! MAC command frames, IEEE 802.15.4-2015 §7.5 (the subset ZigBee uses:
//! association, disassociation, data request, PAN id conflict, orphan,
//! beacon request, coordinator realignment, GTS request). Other command ids
//! are kept raw.

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::macros::code_enum;
use crate::types::{PanId, ShortAddr};

/// Capability information, IEEE 802.15.4-2015 §7.5.2 (Figure 7-51); also
/// the ZigBee MAC capability flags of NWK rejoin and ZDO Device_annce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CapabilityInformation(pub u8);

impl CapabilityInformation {
    /// Bit 0: alternate PAN coordinator.
    #[must_use]
    pub const fn alternate_pan_coordinator(self) -> bool {
        self.0 & 1 != 0
    }
    /// Bit 1: full-function device (ZigBee: router).
    #[must_use]
    pub const fn device_type_ffd(self) -> bool {
        self.0 & 2 != 0
    }
    /// Bit 2: mains powered.
    #[must_use]
    pub const fn mains_powered(self) -> bool {
        self.0 & 4 != 0
    }
    /// Bit 3: receiver on when idle.
    #[must_use]
    pub const fn rx_on_when_idle(self) -> bool {
        self.0 & 8 != 0
    }
    /// Bit 6: security capability.
    #[must_use]
    pub const fn security_capable(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Bit 7: allocate address.
    #[must_use]
    pub const fn allocate_address(self) -> bool {
        self.0 & 0x80 != 0
    }
}

code_enum! {
    /// Association status, IEEE 802.15.4-2015 Table 7-50.
    pub enum AssociationStatus {
        /// Association successful.
        Success = 0,
        /// PAN at capacity.
        PanAtCapacity = 1,
        /// PAN access denied.
        PanAccessDenied = 2,
    }
}

code_enum! {
    /// Disassociation reason, IEEE 802.15.4-2015 Table 7-51.
    pub enum DisassociationReason {
        /// The coordinator wishes the device to leave.
        CoordinatorWishesDeviceToLeave = 1,
        /// The device wishes to leave.
        DeviceWishesToLeave = 2,
    }
}

/// A MAC command (command identifier and content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum MacCommand<'a> {
    /// 0x01 Association request (§7.5.2).
    AssociationRequest(CapabilityInformation),
    /// 0x02 Association response (§7.5.3).
    AssociationResponse {
        /// Allocated short address.
        short_address: ShortAddr,
        /// Status.
        status: AssociationStatus,
    },
    /// 0x03 Disassociation notification (§7.5.4).
    DisassociationNotification(DisassociationReason),
    /// 0x04 Data request (§7.5.5).
    DataRequest,
    /// 0x05 PAN id conflict notification (§7.5.6).
    PanIdConflictNotification,
    /// 0x06 Orphan notification (§7.5.7).
    OrphanNotification,
    /// 0x07 Beacon request (§7.5.8).
    BeaconRequest,
    /// 0x08 Coordinator realignment (§7.5.10).
    CoordinatorRealignment {
        /// PAN identifier.
        pan_id: PanId,
        /// Coordinator short address.
        coordinator_short: ShortAddr,
        /// Channel number.
        channel: u8,
        /// Short address given to an orphan (0xffff otherwise).
        short_address: ShortAddr,
        /// Channel page (2006 and later; absent in 2003 frames).
        channel_page: Option<u8>,
    },
    /// 0x09 GTS request (§7.5.11).
    GtsRequest(u8),
    /// Any other command id, content raw.
    Unknown {
        /// Command identifier.
        id: u8,
        /// Content after the identifier.
        payload: &'a [u8],
    },
}

impl<'a> MacCommand<'a> {
    /// The command identifier.
    #[must_use]
    pub const fn id(&self) -> u8 {
        match self {
            MacCommand::AssociationRequest(_) => 0x01,
            MacCommand::AssociationResponse { .. } => 0x02,
            MacCommand::DisassociationNotification(_) => 0x03,
            MacCommand::DataRequest => 0x04,
            MacCommand::PanIdConflictNotification => 0x05,
            MacCommand::OrphanNotification => 0x06,
            MacCommand::BeaconRequest => 0x07,
            MacCommand::CoordinatorRealignment { .. } => 0x08,
            MacCommand::GtsRequest(_) => 0x09,
            MacCommand::Unknown { id, .. } => *id,
        }
    }

    /// Decodes a command (identifier first).
    ///
    /// # Errors
    /// Truncation, or trailing bytes after a fixed-size command.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let c = Self::read(&mut r)?;
        r.finish("MAC command")?;
        Ok(c)
    }

    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let id = r.u8("MAC command identifier")?;
        Ok(match id {
            0x01 => MacCommand::AssociationRequest(CapabilityInformation(
                r.u8("capability information")?,
            )),
            0x02 => MacCommand::AssociationResponse {
                short_address: ShortAddr(r.u16("short address")?),
                status: AssociationStatus::from(r.u8("association status")?),
            },
            0x03 => MacCommand::DisassociationNotification(DisassociationReason::from(
                r.u8("disassociation reason")?,
            )),
            0x04 => MacCommand::DataRequest,
            0x05 => MacCommand::PanIdConflictNotification,
            0x06 => MacCommand::OrphanNotification,
            0x07 => MacCommand::BeaconRequest,
            0x08 => MacCommand::CoordinatorRealignment {
                pan_id: PanId(r.u16("PAN identifier")?),
                coordinator_short: ShortAddr(r.u16("coordinator short address")?),
                channel: r.u8("channel number")?,
                short_address: ShortAddr(r.u16("short address")?),
                channel_page: if r.is_empty() {
                    None
                } else {
                    Some(r.u8("channel page")?)
                },
            },
            0x09 => MacCommand::GtsRequest(r.u8("GTS characteristics")?),
            id => MacCommand::Unknown {
                id,
                payload: r.rest(),
            },
        })
    }

    /// Encoded length (identifier included).
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        1 + match self {
            MacCommand::AssociationRequest(_)
            | MacCommand::DisassociationNotification(_)
            | MacCommand::GtsRequest(_) => 1,
            MacCommand::AssociationResponse { .. } => 3,
            MacCommand::DataRequest
            | MacCommand::PanIdConflictNotification
            | MacCommand::OrphanNotification
            | MacCommand::BeaconRequest => 0,
            MacCommand::CoordinatorRealignment { channel_page, .. } => {
                7 + if channel_page.is_some() { 1 } else { 0 }
            }
            MacCommand::Unknown { payload, .. } => payload.len(),
        }
    }

    /// Encodes into `buf`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`].
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let mut w = Writer::new(buf, self.encoded_len())?;
        self.write(&mut w)?;
        Ok(w.done())
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.id())?;
        match *self {
            MacCommand::AssociationRequest(c) => w.u8(c.0),
            MacCommand::AssociationResponse {
                short_address,
                status,
            } => {
                w.u16(short_address.0)?;
                w.u8(status.into())
            }
            MacCommand::DisassociationNotification(r) => w.u8(r.into()),
            MacCommand::DataRequest
            | MacCommand::PanIdConflictNotification
            | MacCommand::OrphanNotification
            | MacCommand::BeaconRequest => Ok(()),
            MacCommand::CoordinatorRealignment {
                pan_id,
                coordinator_short,
                channel,
                short_address,
                channel_page,
            } => {
                w.u16(pan_id.0)?;
                w.u16(coordinator_short.0)?;
                w.u8(channel)?;
                w.u16(short_address.0)?;
                if let Some(p) = channel_page {
                    w.u8(p)?;
                }
                Ok(())
            }
            MacCommand::GtsRequest(c) => w.u8(c),
            MacCommand::Unknown { payload, .. } => w.bytes(payload),
        }
    }
}

encode_to_vec!(MacCommand<'_>);
use crate::macros::encode_to_vec;
