//! A GBCS message in parts (GBCS "Message structure": MAC header, grouping
//! header, payload, signature; the grouping header is a DLMS
//! general-signing APDU, the MAC header a general-ciphering APDU with
//! empty fields).

use crate::Apdu;
use crate::apdu::{GeneralCiphering, GeneralSigning, SecurityControl};
use crate::axdr::Decode;
use crate::gbcs::GbcsError;
use crate::security::TAG_LEN;

/// The CRA flag, the first byte of the transaction-id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CraFlag {
    /// 1: a command.
    Command,
    /// 2: a response.
    Response,
    /// 3: an alert.
    Alert,
    /// Any other value, kept.
    Unknown(u8),
}

impl CraFlag {
    /// The flag for a byte.
    #[must_use]
    pub const fn from_u8(b: u8) -> Self {
        match b {
            1 => Self::Command,
            2 => Self::Response,
            3 => Self::Alert,
            b => Self::Unknown(b),
        }
    }

    /// The byte.
    #[must_use]
    pub const fn to_u8(self) -> u8 {
        match self {
            Self::Command => 1,
            Self::Response => 2,
            Self::Alert => 3,
            Self::Unknown(b) => b,
        }
    }

    /// "command", "response", "alert" or "unknown".
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Response => "response",
            Self::Alert => "alert",
            Self::Unknown(_) => "unknown",
        }
    }
}

/// The 9-byte transaction-id: CRA flag ‖ originator counter (big-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TransactionId {
    /// Command, response or alert.
    pub cra: CraFlag,
    /// The originator's counter.
    pub originator_counter: u64,
}

impl TransactionId {
    /// Parses the 9 bytes.
    ///
    /// # Errors
    /// [`GbcsError::TransactionId`] for another length.
    pub fn from_bytes(b: &[u8]) -> Result<Self, GbcsError> {
        let (&cra, counter) = b
            .split_first()
            .ok_or(GbcsError::TransactionId { len: b.len() })?;
        let counter: [u8; 8] = counter
            .try_into()
            .map_err(|_| GbcsError::TransactionId { len: b.len() })?;
        Ok(Self {
            cra: CraFlag::from_u8(cra),
            originator_counter: u64::from_be_bytes(counter),
        })
    }

    /// The 9 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 9] {
        let mut b = [0u8; 9];
        let (c, n) = b.split_at_mut(1);
        c.fill(self.cra.to_u8());
        n.copy_from_slice(&self.originator_counter.to_be_bytes());
        b
    }
}

/// The MAC header around a grouping header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MacHeader<'a> {
    /// Security control (GBCS: `0x11`, authenticated only, suite 1).
    pub security_control: SecurityControl,
    /// Invocation counter (GBCS: 0; the key is the message's own).
    pub invocation_counter: u32,
    /// The authenticated bytes: the whole grouping header APDU.
    pub authenticated: &'a [u8],
    /// The 12-byte MAC.
    pub mac: &'a [u8],
}

/// What the content carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// A DLMS APDU (electricity meters): its tag.
    Dlms(u8),
    /// A GBZ (ZigBee) payload (gas meters and HAN devices): starts `01 09`.
    Gbz,
}

/// The grouping header (general-signing) and what it carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupingHeader<'a> {
    /// The general-signing fields as decoded.
    pub apdu: GeneralSigning<'a>,
    /// CRA flag and originator counter.
    pub transaction_id: TransactionId,
    /// Originator (business or device) ID.
    pub originator: [u8; 8],
    /// Recipient ID.
    pub recipient: [u8; 8],
    /// The message code: the first two bytes of other-information.
    pub message_code: Option<u16>,
    /// The signed bytes: from the transaction-id through the content.
    pub signed: &'a [u8],
}

impl GroupingHeader<'_> {
    /// DLMS or GBZ content.
    #[must_use]
    pub fn content_kind(&self) -> ContentKind {
        match self.apdu.content {
            [0x01, 0x09, ..] => ContentKind::Gbz,
            c => ContentKind::Dlms(c.first().copied().unwrap_or(0)),
        }
    }
}

/// A GBCS message: an optional MAC header and the grouping header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GbcsMessage<'a> {
    /// The MAC header, when the message has one.
    pub mac_header: Option<MacHeader<'a>>,
    /// The grouping header.
    pub grouping: GroupingHeader<'a>,
}

fn id8(which: &'static str, b: &[u8]) -> Result<[u8; 8], GbcsError> {
    b.try_into().map_err(|_| GbcsError::EntityId {
        which,
        len: b.len(),
    })
}

impl<'a> GbcsMessage<'a> {
    /// Decodes a message: `0xDD` MAC header around a `0xDF` grouping
    /// header, or a bare grouping header.
    ///
    /// # Errors
    /// [`GbcsError::Decode`] (with the byte offset), [`GbcsError::NotGbcs`],
    /// [`GbcsError::MacHeader`], [`GbcsError::TransactionId`],
    /// [`GbcsError::EntityId`].
    pub fn decode(bytes: &'a [u8]) -> Result<Self, GbcsError> {
        match Apdu::decode(bytes)? {
            Apdu::GeneralCiphering(g) => {
                let mac_header = mac_header(&g)?;
                let grouping = grouping(mac_header.authenticated)?;
                Ok(Self {
                    mac_header: Some(mac_header),
                    grouping,
                })
            }
            Apdu::GeneralSigning(_) => Ok(Self {
                mac_header: None,
                grouping: grouping(bytes)?,
            }),
            other => Err(GbcsError::NotGbcs { tag: other.tag() }),
        }
    }
}

fn mac_header<'a>(g: &GeneralCiphering<'a>) -> Result<MacHeader<'a>, GbcsError> {
    let empty = g.transaction_id.is_empty()
        && g.originator_system_title.is_empty()
        && g.recipient_system_title.is_empty()
        && g.date_time.is_empty()
        && g.other_information.is_empty();
    if !empty {
        return Err(GbcsError::MacHeader {
            what: "general-ciphering fields are not empty",
        });
    }
    if g.key_info.is_some() {
        return Err(GbcsError::MacHeader {
            what: "key-info present",
        });
    }
    let sc = g.content.security_control;
    if !sc.authenticated() || sc.encrypted() {
        return Err(GbcsError::MacHeader {
            what: "not authenticated-only",
        });
    }
    let p = g.content.payload;
    let (authenticated, mac) = p
        .split_at_checked(p.len().saturating_sub(TAG_LEN))
        .filter(|(_, m)| m.len() == TAG_LEN)
        .ok_or(GbcsError::MacHeader {
            what: "shorter than its MAC",
        })?;
    Ok(MacHeader {
        security_control: sc,
        invocation_counter: g.content.invocation_counter,
        authenticated,
        mac,
    })
}

fn grouping(bytes: &[u8]) -> Result<GroupingHeader<'_>, GbcsError> {
    let apdu = match Apdu::decode(bytes)? {
        Apdu::GeneralSigning(s) => s,
        other => return Err(GbcsError::NotGbcs { tag: other.tag() }),
    };
    let transaction_id = TransactionId::from_bytes(apdu.transaction_id)?;
    let originator = id8("originator", apdu.originator_system_title)?;
    let recipient = id8("recipient", apdu.recipient_system_title)?;
    let message_code = match apdu.other_information {
        [a, b, ..] => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    };
    // The signature's A-XDR length and bytes end the APDU.
    let sig_field = crate::axdr::length_len(apdu.signature.len()) + apdu.signature.len();
    let signed = bytes
        .get(1..bytes.len().saturating_sub(sig_field))
        .unwrap_or(&[]);
    Ok(GroupingHeader {
        apdu,
        transaction_id,
        originator,
        recipient,
        message_code,
        signed,
    })
}
