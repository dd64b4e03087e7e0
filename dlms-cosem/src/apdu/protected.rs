//! Protected APDUs as structures with the ciphertext borrowed (IEC 62056-5-3
//! ed. 3, clause 9.5 and the security clause 5.7): the glo- and ded- forms
//! of every service, general-glo-ciphering (219), general-ded-ciphering
//! (220), general-ciphering (221) and general-signing (223). The
//! cryptography (suites, keys, tags) is the security module's; these types
//! only parse and encode the containers exactly.

use crate::axdr::{Decode, Encode, Reader, Writer, choice, sequence};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// The security control byte: suite id bits 0-3, authentication bit 4,
/// encryption bit 5, key set bit 6 (1 = broadcast), compression bit 7.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SecurityControl(pub u8);

impl SecurityControl {
    /// Security suite 0..=15.
    #[must_use]
    pub const fn suite_id(self) -> u8 {
        self.0 & 0x0f
    }
    /// Authenticated (a tag follows the ciphertext).
    #[must_use]
    pub const fn authenticated(self) -> bool {
        self.0 & 0x10 != 0
    }
    /// Encrypted.
    #[must_use]
    pub const fn encrypted(self) -> bool {
        self.0 & 0x20 != 0
    }
    /// Broadcast key set.
    #[must_use]
    pub const fn broadcast_key(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Compressed.
    #[must_use]
    pub const fn compressed(self) -> bool {
        self.0 & 0x80 != 0
    }
}

/// A ciphered content octet string: security header (security control and
/// invocation counter) then the ciphertext, with the authentication tag at
/// its end when [`SecurityControl::authenticated`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecuredContent<'a> {
    /// Security control.
    pub security_control: SecurityControl,
    /// Invocation counter.
    pub invocation_counter: u32,
    /// Ciphertext (or plaintext when not encrypted) followed by the tag, if any.
    pub payload: &'a [u8],
}

impl<'a> Decode<'a> for SecuredContent<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let len_at = r.offset();
        let content = r.octet_string()?;
        let base = r.offset() - content.len();
        if content.len() < 5 {
            return Err(DecodeError::new(
                len_at,
                DecodeErrorKind::InvalidValue {
                    what: "ciphered content length (under 5)",
                    value: content.len() as u32,
                },
            ));
        }
        let mut c = Reader::with_base(content, base);
        Ok(Self {
            security_control: SecurityControl(c.u8()?),
            invocation_counter: c.u32()?,
            payload: c.rest(),
        })
    }
}

impl Encode for SecuredContent<'_> {
    fn encoded_len(&self) -> usize {
        let n = 5 + self.payload.len();
        crate::axdr::length_len(n) + n
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.length(5 + self.payload.len())?;
        w.u8(self.security_control.0)?;
        w.put(&self.invocation_counter.to_be_bytes())?;
        w.put(self.payload)
    }
}

/// Which key protects a glo- or ded- APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyScope {
    /// A global key (glo-).
    Global,
    /// The dedicated key of the association (ded-).
    Dedicated,
}

/// The service inside a glo- or ded- APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[allow(missing_docs)] // Each is the xDLMS service of the same name.
pub enum ProtectedService {
    InitiateRequest,
    ReadRequest,
    WriteRequest,
    InitiateResponse,
    ReadResponse,
    WriteResponse,
    ConfirmedServiceError,
    UnconfirmedWriteRequest,
    InformationReportRequest,
    GetRequest,
    SetRequest,
    EventNotificationRequest,
    ActionRequest,
    GetResponse,
    SetResponse,
    ActionResponse,
}

/// (service, glo tag, ded tag, plain tag), from the xDLMS-APDU CHOICE.
const TABLE: [(ProtectedService, u8, u8, u8); 16] = {
    use ProtectedService as S;
    [
        (S::InitiateRequest, 33, 65, 1),
        (S::ReadRequest, 37, 69, 5),
        (S::WriteRequest, 38, 70, 6),
        (S::InitiateResponse, 40, 72, 8),
        (S::ReadResponse, 44, 76, 12),
        (S::WriteResponse, 45, 77, 13),
        (S::ConfirmedServiceError, 46, 78, 14),
        (S::UnconfirmedWriteRequest, 54, 86, 22),
        (S::InformationReportRequest, 56, 88, 24),
        (S::GetRequest, 200, 208, 192),
        (S::SetRequest, 201, 209, 193),
        (S::EventNotificationRequest, 202, 210, 194),
        (S::ActionRequest, 203, 211, 195),
        (S::GetResponse, 204, 212, 196),
        (S::SetResponse, 205, 213, 197),
        (S::ActionResponse, 207, 215, 199),
    ]
};

impl ProtectedService {
    /// The tag of the unprotected APDU.
    #[must_use]
    pub fn plain_tag(self) -> u8 {
        TABLE.iter().find(|e| e.0 == self).map_or(0, |e| e.3)
    }

    /// The service for a plain APDU tag.
    #[must_use]
    pub fn from_plain_tag(tag: u8) -> Option<Self> {
        TABLE.iter().find(|e| e.3 == tag).map(|e| e.0)
    }

    /// The glo- or ded- tag.
    #[must_use]
    pub fn tag(self, scope: KeyScope) -> u8 {
        TABLE
            .iter()
            .find(|e| e.0 == self)
            .map_or(0, |e| if scope == KeyScope::Global { e.1 } else { e.2 })
    }

    /// The scope and service of a glo- or ded- tag.
    #[must_use]
    pub fn from_tag(tag: u8) -> Option<(KeyScope, Self)> {
        TABLE.iter().find_map(|e| {
            if e.1 == tag {
                Some((KeyScope::Global, e.0))
            } else if e.2 == tag {
                Some((KeyScope::Dedicated, e.0))
            } else {
                None
            }
        })
    }
}

/// A glo- or ded- service APDU: `[tag] OCTET STRING` holding the security
/// header and the ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CipheredApdu<'a> {
    /// Global or dedicated key.
    pub scope: KeyScope,
    /// The protected service.
    pub service: ProtectedService,
    /// Security header and ciphertext.
    pub content: SecuredContent<'a>,
}

impl CipheredApdu<'_> {
    /// The APDU tag.
    #[must_use]
    pub fn tag(&self) -> u8 {
        self.service.tag(self.scope)
    }
}

sequence! {
    /// `general-glo-ciphering` and `general-ded-ciphering`.
    pub struct GeneralGloDedCiphering<'a> {
        /// The sender's system title (may be empty).
        pub system_title: &'a [u8],
        /// Security header and ciphertext.
        pub content: SecuredContent<'a>,
    }
}

choice! {
    /// `Key-Info` of general-ciphering.
    pub enum KeyInfo<'a>: "Key-Info" {
        /// `identified-key`: key-id 0 global unicast, 1 global broadcast.
        IdentifiedKey = 0 {
            /// Key id.
            key_id: u8,
        },
        /// `wrapped-key`: kek-id 0 master key, the wrapped key.
        WrappedKey = 1 {
            /// KEK id.
            kek_id: u8,
            /// The wrapped key.
            key_ciphered_data: &'a [u8],
        },
        /// `agreed-key`: key agreement parameters and data.
        AgreedKey = 2 {
            /// Key parameters (the scheme).
            key_parameters: &'a [u8],
            /// Ephemeral public key and signature, per the scheme.
            key_ciphered_data: &'a [u8],
        },
    }
}

sequence! {
    /// `general-ciphering`.
    pub struct GeneralCiphering<'a> {
        /// Transaction id (GBCS: CRA flag and originator counter).
        pub transaction_id: &'a [u8],
        /// Originator system title.
        pub originator_system_title: &'a [u8],
        /// Recipient system title.
        pub recipient_system_title: &'a [u8],
        /// Date-time (empty or 12 bytes).
        pub date_time: &'a [u8],
        /// Other information.
        pub other_information: &'a [u8],
        /// Key information.
        pub key_info: Option<KeyInfo<'a>>,
        /// Security header and ciphertext.
        pub content: SecuredContent<'a>,
    }
}

sequence! {
    /// `general-signing`.
    pub struct GeneralSigning<'a> {
        /// Transaction id.
        pub transaction_id: &'a [u8],
        /// Originator system title.
        pub originator_system_title: &'a [u8],
        /// Recipient system title.
        pub recipient_system_title: &'a [u8],
        /// Date-time (empty or 12 bytes).
        pub date_time: &'a [u8],
        /// Other information.
        pub other_information: &'a [u8],
        /// The signed content (an APDU).
        pub content: &'a [u8],
        /// The signature (P-256: 64 bytes r‖s; may be empty).
        pub signature: &'a [u8],
    }
}
