//! APS command frames (ZigBee R22 §4.4.10, command ids in Table 4-28):
//! transport key (every key type), update device, remove device, request
//! key, switch key, tunnel, verify key, confirm key. Other ids (the retired
//! SKKE and entity-authentication commands, R23 relay commands) are kept
//! raw; bytes after a known command (R23 TLVs) are kept in
//! [`ApsCommandFrame::tlvs`].

use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::macros::{code_enum, encode_to_vec};
use crate::types::ShortAddr;
use core::fmt;
use dual_protocol_primitives::eui64::Eui64;

code_enum! {
    /// Key types (ZigBee R22 Table 4-12; 0, 2 and 5 are retired but still decoded).
    pub enum KeyType {
        /// 0x00 Trust Center master key (retired).
        TrustCenterMasterKey = 0x00,
        /// 0x01 Standard network key.
        StandardNetworkKey = 0x01,
        /// 0x02 Application master key (retired; in Request Key, "application link key").
        ApplicationMasterKey = 0x02,
        /// 0x03 Application link key.
        ApplicationLinkKey = 0x03,
        /// 0x04 Trust Center link key.
        TrustCenterLinkKey = 0x04,
        /// 0x05 High-security network key (retired).
        HighSecurityNetworkKey = 0x05,
    }
}

code_enum! {
    /// Update device status (ZigBee R22 Table 4-17).
    pub enum UpdateDeviceStatus {
        /// Standard device secured rejoin.
        StandardSecuredRejoin = 0,
        /// Standard device unsecured join.
        StandardUnsecuredJoin = 1,
        /// Device left.
        DeviceLeft = 2,
        /// Standard device Trust Center rejoin.
        StandardTrustCenterRejoin = 3,
    }
}

code_enum! {
    /// APS status values (ZigBee R22 Table 2-27), as carried by Confirm Key.
    pub enum ApsStatus {
        /// Success.
        Success = 0x00,
        /// ASDU too long.
        AsduTooLong = 0xa0,
        /// Defragmentation deferred.
        DefragDeferred = 0xa1,
        /// Defragmentation unsupported.
        DefragUnsupported = 0xa2,
        /// Illegal request.
        IllegalRequest = 0xa3,
        /// Invalid binding.
        InvalidBinding = 0xa4,
        /// Invalid group.
        InvalidGroup = 0xa5,
        /// Invalid parameter.
        InvalidParameter = 0xa6,
        /// No acknowledgement.
        NoAck = 0xa7,
        /// No bound device.
        NoBoundDevice = 0xa8,
        /// No short address.
        NoShortAddress = 0xa9,
        /// Not supported.
        NotSupported = 0xaa,
        /// Secured with a link key.
        SecuredLinkKey = 0xab,
        /// Secured with the network key.
        SecuredNwkKey = 0xac,
        /// Security failure.
        SecurityFail = 0xad,
        /// Table full.
        TableFull = 0xae,
        /// Unsecured.
        Unsecured = 0xaf,
        /// Unsupported attribute.
        UnsupportedAttribute = 0xb0,
    }
}

/// 16 key bytes borrowed from a (decrypted) frame. `Debug` does not print
/// them; read `.0` deliberately.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct KeyBytes<'a>(pub &'a [u8; 16]);

impl fmt::Debug for KeyBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyBytes(<redacted>)")
    }
}

/// The key descriptor of a Transport Key command (ZigBee R22 §4.4.10.1, Tables 4-18 to 4-20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum KeyDescriptor<'a> {
    /// Trust Center link (or master) key: key, destination, source.
    TrustCenter {
        /// Key.
        key: KeyBytes<'a>,
        /// Destination address.
        dst: Eui64,
        /// Source address.
        src: Eui64,
    },
    /// Network key: key, key sequence number, destination, source.
    Network {
        /// Key.
        key: KeyBytes<'a>,
        /// Key sequence number.
        sequence: u8,
        /// Destination address.
        dst: Eui64,
        /// Source address.
        src: Eui64,
    },
    /// Application link (or master) key: key, partner, initiator flag.
    Application {
        /// Key.
        key: KeyBytes<'a>,
        /// Partner address.
        partner: Eui64,
        /// Initiator flag.
        initiator: u8,
    },
    /// Unknown key type: descriptor raw.
    Raw(&'a [u8]),
}

impl KeyDescriptor<'_> {
    const fn len(&self) -> usize {
        match self {
            KeyDescriptor::TrustCenter { .. } => 32,
            KeyDescriptor::Network { .. } => 33,
            KeyDescriptor::Application { .. } => 25,
            KeyDescriptor::Raw(b) => b.len(),
        }
    }

    const fn fits(&self, t: KeyType) -> bool {
        matches!(
            (self, t),
            (
                KeyDescriptor::TrustCenter { .. },
                KeyType::TrustCenterLinkKey | KeyType::TrustCenterMasterKey
            ) | (
                KeyDescriptor::Network { .. },
                KeyType::StandardNetworkKey | KeyType::HighSecurityNetworkKey
            ) | (
                KeyDescriptor::Application { .. },
                KeyType::ApplicationLinkKey | KeyType::ApplicationMasterKey
            ) | (KeyDescriptor::Raw(_), KeyType::Unknown(_))
        )
    }
}

/// An APS command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub enum ApsCommand<'a> {
    /// 0x05 Transport key (§4.4.10.1).
    TransportKey {
        /// Key type.
        key_type: KeyType,
        /// Descriptor (its shape follows the key type).
        descriptor: KeyDescriptor<'a>,
    },
    /// 0x06 Update device (§4.4.10.2).
    UpdateDevice {
        /// Device address.
        device: Eui64,
        /// Device short address.
        short: ShortAddr,
        /// Status.
        status: UpdateDeviceStatus,
    },
    /// 0x07 Remove device (§4.4.10.3).
    RemoveDevice {
        /// Target address.
        target: Eui64,
    },
    /// 0x08 Request key (§4.4.10.4).
    RequestKey {
        /// Requested key type (2 application link key, 4 Trust Center link key).
        key_type: KeyType,
        /// Partner address (only with key type 2).
        partner: Option<Eui64>,
    },
    /// 0x09 Switch key (§4.4.10.5).
    SwitchKey {
        /// Key sequence number.
        sequence: u8,
    },
    /// 0x0e Tunnel (§4.4.10.6): a secured APS command for an end device.
    Tunnel {
        /// Destination address.
        dst: Eui64,
        /// The tunnelled APS frame (header, auxiliary header, payload, MIC),
        /// decode it with [`ApsCommand::tunneled_frame`].
        frame: &'a [u8],
    },
    /// 0x0f Verify key (§4.4.10.7).
    VerifyKey {
        /// Key type.
        key_type: KeyType,
        /// Source address.
        source: Eui64,
        /// Initiator verify-key hash value.
        hash: &'a [u8; 16],
    },
    /// 0x10 Confirm key (§4.4.10.8).
    ConfirmKey {
        /// Status.
        status: ApsStatus,
        /// Key type.
        key_type: KeyType,
        /// Destination address.
        dst: Eui64,
    },
    /// Another command id, raw.
    Unknown {
        /// Command identifier.
        id: u8,
        /// Payload after the identifier.
        payload: &'a [u8],
    },
}

/// An APS command and any bytes after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ApsCommandFrame<'a> {
    /// The command.
    pub command: ApsCommand<'a>,
    /// Bytes after a known command (R23 TLVs), raw.
    pub tlvs: &'a [u8],
}

impl<'a> ApsCommand<'a> {
    /// The command identifier.
    #[must_use]
    pub const fn id(&self) -> u8 {
        match self {
            ApsCommand::TransportKey { .. } => 0x05,
            ApsCommand::UpdateDevice { .. } => 0x06,
            ApsCommand::RemoveDevice { .. } => 0x07,
            ApsCommand::RequestKey { .. } => 0x08,
            ApsCommand::SwitchKey { .. } => 0x09,
            ApsCommand::Tunnel { .. } => 0x0e,
            ApsCommand::VerifyKey { .. } => 0x0f,
            ApsCommand::ConfirmKey { .. } => 0x10,
            ApsCommand::Unknown { id, .. } => *id,
        }
    }

    /// The tunnelled APS frame of a Tunnel command.
    ///
    /// # Errors
    /// As [`crate::aps::ApsFrame::decode`]; `None` for other commands.
    #[must_use]
    pub fn tunneled_frame(&self) -> Option<Result<crate::aps::ApsFrame<'a>, DecodeError>> {
        match self {
            ApsCommand::Tunnel { frame, .. } => Some(crate::aps::ApsFrame::decode(frame)),
            _ => None,
        }
    }

    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let id = r.u8("APS command identifier")?;
        Ok(match id {
            0x05 => {
                let key_type = KeyType::from(r.u8("key type")?);
                let descriptor = match key_type {
                    KeyType::TrustCenterLinkKey | KeyType::TrustCenterMasterKey => {
                        KeyDescriptor::TrustCenter {
                            key: KeyBytes(r.take_array("key")?),
                            dst: r.eui64("destination address")?,
                            src: r.eui64("source address")?,
                        }
                    }
                    KeyType::StandardNetworkKey | KeyType::HighSecurityNetworkKey => {
                        KeyDescriptor::Network {
                            key: KeyBytes(r.take_array("key")?),
                            sequence: r.u8("key sequence number")?,
                            dst: r.eui64("destination address")?,
                            src: r.eui64("source address")?,
                        }
                    }
                    KeyType::ApplicationLinkKey | KeyType::ApplicationMasterKey => {
                        KeyDescriptor::Application {
                            key: KeyBytes(r.take_array("key")?),
                            partner: r.eui64("partner address")?,
                            initiator: r.u8("initiator flag")?,
                        }
                    }
                    KeyType::Unknown(_) => KeyDescriptor::Raw(r.rest()),
                };
                ApsCommand::TransportKey {
                    key_type,
                    descriptor,
                }
            }
            0x06 => ApsCommand::UpdateDevice {
                device: r.eui64("device address")?,
                short: ShortAddr(r.u16("device short address")?),
                status: UpdateDeviceStatus::from(r.u8("status")?),
            },
            0x07 => ApsCommand::RemoveDevice {
                target: r.eui64("target address")?,
            },
            0x08 => {
                let key_type = KeyType::from(r.u8("key type")?);
                let partner = if key_type == KeyType::ApplicationMasterKey {
                    Some(r.eui64("partner address")?)
                } else {
                    None
                };
                ApsCommand::RequestKey { key_type, partner }
            }
            0x09 => ApsCommand::SwitchKey {
                sequence: r.u8("key sequence number")?,
            },
            0x0e => ApsCommand::Tunnel {
                dst: r.eui64("destination address")?,
                frame: r.rest(),
            },
            0x0f => ApsCommand::VerifyKey {
                key_type: KeyType::from(r.u8("key type")?),
                source: r.eui64("source address")?,
                hash: r.take_array("key hash")?,
            },
            0x10 => ApsCommand::ConfirmKey {
                status: ApsStatus::from(r.u8("status")?),
                key_type: KeyType::from(r.u8("key type")?),
                dst: r.eui64("destination address")?,
            },
            id => ApsCommand::Unknown {
                id,
                payload: r.rest(),
            },
        })
    }

    /// Encoded length (identifier included).
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        1 + match self {
            ApsCommand::TransportKey { descriptor, .. } => 1 + descriptor.len(),
            ApsCommand::UpdateDevice { .. } => 11,
            ApsCommand::RemoveDevice { .. } => 8,
            ApsCommand::RequestKey { partner, .. } => 1 + if partner.is_some() { 8 } else { 0 },
            ApsCommand::SwitchKey { .. } => 1,
            ApsCommand::Tunnel { frame, .. } => 8 + frame.len(),
            ApsCommand::VerifyKey { .. } => 25,
            ApsCommand::ConfirmKey { .. } => 10,
            ApsCommand::Unknown { payload, .. } => payload.len(),
        }
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.id())?;
        match *self {
            ApsCommand::TransportKey {
                key_type,
                descriptor,
            } => {
                if !descriptor.fits(key_type) {
                    return Err(EncodeError::Inconsistent {
                        what: "key type vs key descriptor",
                    });
                }
                w.u8(key_type.into())?;
                match descriptor {
                    KeyDescriptor::TrustCenter { key, dst, src } => {
                        w.bytes(key.0)?;
                        w.eui64(dst)?;
                        w.eui64(src)?;
                    }
                    KeyDescriptor::Network {
                        key,
                        sequence,
                        dst,
                        src,
                    } => {
                        w.bytes(key.0)?;
                        w.u8(sequence)?;
                        w.eui64(dst)?;
                        w.eui64(src)?;
                    }
                    KeyDescriptor::Application {
                        key,
                        partner,
                        initiator,
                    } => {
                        w.bytes(key.0)?;
                        w.eui64(partner)?;
                        w.u8(initiator)?;
                    }
                    KeyDescriptor::Raw(b) => w.bytes(b)?,
                }
            }
            ApsCommand::UpdateDevice {
                device,
                short,
                status,
            } => {
                w.eui64(device)?;
                w.u16(short.0)?;
                w.u8(status.into())?;
            }
            ApsCommand::RemoveDevice { target } => w.eui64(target)?,
            ApsCommand::RequestKey { key_type, partner } => {
                if partner.is_some() != (key_type == KeyType::ApplicationMasterKey) {
                    return Err(EncodeError::Inconsistent {
                        what: "request key type vs partner address",
                    });
                }
                w.u8(key_type.into())?;
                if let Some(p) = partner {
                    w.eui64(p)?;
                }
            }
            ApsCommand::SwitchKey { sequence } => w.u8(sequence)?,
            ApsCommand::Tunnel { dst, frame } => {
                w.eui64(dst)?;
                w.bytes(frame)?;
            }
            ApsCommand::VerifyKey {
                key_type,
                source,
                hash,
            } => {
                w.u8(key_type.into())?;
                w.eui64(source)?;
                w.bytes(hash)?;
            }
            ApsCommand::ConfirmKey {
                status,
                key_type,
                dst,
            } => {
                w.u8(status.into())?;
                w.u8(key_type.into())?;
                w.eui64(dst)?;
            }
            ApsCommand::Unknown { payload, .. } => w.bytes(payload)?,
        }
        Ok(())
    }
}

impl<'a> ApsCommandFrame<'a> {
    /// Decodes a command (identifier first), keeping what follows it.
    ///
    /// # Errors
    /// Truncation of a field the command needs.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let command = ApsCommand::read(&mut r)?;
        Ok(ApsCommandFrame {
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
        let raw_tail = matches!(
            self.command,
            ApsCommand::Unknown { .. }
                | ApsCommand::Tunnel { .. }
                | ApsCommand::TransportKey {
                    descriptor: KeyDescriptor::Raw(_),
                    ..
                }
        );
        if raw_tail && !self.tlvs.is_empty() {
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

encode_to_vec!(ApsCommandFrame<'_>);
