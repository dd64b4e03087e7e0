//! ACSE association PDUs (IEC 62056-5-3, clause 9.4.2 and Annex A, after
//! ISO/IEC 8650-1 / ITU-T X.227): AARQ, AARE, RLRQ and RLRE in BER, with
//! the xDLMS `InitiateRequest` / `InitiateResponse` / `ConfirmedServiceError`
//! or their ciphered forms in the user-information.
//!
//! Parsing uses the crate's hand cursor ([`crate::axdr::Reader`]) with the
//! BER rules of the private `ber` module: one-byte tags, definite lengths.
//! Fields must come in the standard's order (increasing context tag) and
//! use minimal lengths, so `encode(decode(b)) == b` for every accepted PDU.
//!
//! # Field deviations accepted on purpose
//!
//! - An AARE without user-information decodes (Landis+Gyr ZCXi/ZMXi send
//!   it when rejecting; the Green Book is ambiguous on whether it is
//!   optional): [`Aare::user_information`] is `None`.
//! - AP titles, AE qualifiers and invocation ids keep their inner TLV as
//!   received ([`BerValue`]), so a meter sending an INTEGER where the Green
//!   Book has an OCTET STRING still decodes and re-encodes.
//! - Application context and mechanism names outside the DLMS UA arc
//!   (2.16.756.5.8) are kept as raw OID content (`Other`).
//!
//! # Example
//!
//! ```
//! use dual_protocol_dlms_cosem::acse::{AcseApdu, ApplicationContextName, UserInformation};
//! use dual_protocol_dlms_cosem::{Decode, Encode};
//!
//! let aarq = [
//!     0x60, 0x1d, 0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xbe, 0x10,
//!     0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x00, 0x7e, 0x1f, 0x04,
//!     0xb0,
//! ];
//! let AcseApdu::Aarq(a) = AcseApdu::decode(&aarq)? else { unreachable!() };
//! assert_eq!(a.application_context_name, ApplicationContextName::LogicalName);
//! let Some(UserInformation::InitiateRequest(ir)) = a.user_information else { unreachable!() };
//! assert_eq!(ir.client_max_receive_pdu_size, 1200);
//! let mut out = [0u8; 31];
//! assert_eq!(AcseApdu::Aarq(a).encode(&mut out)?, 31);
//! assert_eq!(out, aarq);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ber;
mod initiate;

pub use initiate::{Conformance, InitiateRequest, InitiateResponse};

use crate::apdu::Apdu;
use crate::axdr::{Decode, Encode, Reader, Writer, u8_enum};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// The DLMS UA object identifier arc 2.16.756.5.8 (`60 85 74 05 08`).
const DLMS_UA_ARC: [u8; 5] = [0x60, 0x85, 0x74, 0x05, 0x08];

/// How an ACSE field's content (inside its context tag) is read and written.
trait Field<'a>: Sized {
    fn parse(tlv: &ber::Tlv<'a>) -> Result<Self, DecodeError>;
    fn content_len(&self) -> usize;
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;
}

/// A BER value kept as received: its tag and content (AP titles, AE
/// qualifiers and invocation ids, inside their EXPLICIT context tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BerValue<'a> {
    /// The inner tag (`0x04` OCTET STRING, `0x02` INTEGER, ...).
    pub tag: u8,
    /// The content bytes.
    pub content: &'a [u8],
}

impl<'a> BerValue<'a> {
    /// An OCTET STRING (the Green Book's form of AP titles and AE qualifiers).
    #[must_use]
    pub const fn octet_string(content: &'a [u8]) -> Self {
        Self { tag: 0x04, content }
    }

    /// The octets, when this is an OCTET STRING.
    #[must_use]
    pub fn as_octets(&self) -> Option<&'a [u8]> {
        (self.tag == 0x04).then_some(self.content)
    }
}

impl<'a> Field<'a> for BerValue<'a> {
    fn parse(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
        let mut r = t.reader();
        let inner = ber::tlv(&mut r)?;
        r.finish()?;
        Ok(Self {
            tag: inner.tag,
            content: inner.content,
        })
    }
    fn content_len(&self) -> usize {
        ber::tlv_len(self.content.len())
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        ber::write_header(w, self.tag, self.content.len())?;
        w.put(self.content)
    }
}

/// Raw content of an IMPLICIT primitive field (implementation-information).
impl<'a> Field<'a> for &'a [u8] {
    fn parse(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
        Ok(t.content)
    }
    fn content_len(&self) -> usize {
        self.len()
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(self)
    }
}

/// A BER BIT STRING content: the unused-bits octet and the bits
/// (protocol-version, ACSE-requirements).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitString<'a> {
    /// Unused bits in the last octet.
    pub unused_bits: u8,
    /// The octets, first bit most significant.
    pub bits: &'a [u8],
}

impl BitString<'_> {
    /// `{version1}` of the protocol-version, and the ACSE-requirements with
    /// only `authentication` (bit 0) set: `07 80`.
    pub const BIT0: BitString<'static> = BitString {
        unused_bits: 7,
        bits: &[0x80],
    };

    /// Whether bit `n` (0 = most significant of the first octet) is set.
    #[must_use]
    pub fn bit(&self, n: usize) -> bool {
        self.bits
            .get(n / 8)
            .is_some_and(|b| b & (0x80 >> (n % 8)) != 0)
    }
}

impl<'a> Field<'a> for BitString<'a> {
    fn parse(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
        let mut r = t.reader();
        let unused_bits = r.u8()?;
        Ok(Self {
            unused_bits,
            bits: r.rest(),
        })
    }
    fn content_len(&self) -> usize {
        1 + self.bits.len()
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.unused_bits)?;
        w.put(self.bits)
    }
}

/// Reads an OID TLV (tag 6) and returns its content.
fn oid<'a>(t: &ber::Tlv<'a>) -> Result<&'a [u8], DecodeError> {
    let mut r = t.reader();
    Ok(ber::only_tlv(&mut r, 0x06, "object identifier")?.content)
}

/// The DLMS UA OID `2.16.756.5.8.{group}.{id}`, if `content` is one.
fn dlms_oid(content: &[u8], group: u8) -> Option<u8> {
    match content {
        [a, b, c, d, e, g, id] if [*a, *b, *c, *d, *e] == DLMS_UA_ARC && *g == group => Some(*id),
        _ => None,
    }
}

fn dlms_oid_bytes(group: u8, id: u8) -> [u8; 7] {
    let [a, b, c, d, e] = DLMS_UA_ARC;
    [a, b, c, d, e, group, id]
}

/// `application-context-name` (Green Book clause 9.4.2.2.2): the OID
/// 2.16.756.5.8.1.{1..4}.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApplicationContextName<'a> {
    /// Logical_Name_Referencing_No_Ciphering (1).
    LogicalName,
    /// Short_Name_Referencing_No_Ciphering (2).
    ShortName,
    /// Logical_Name_Referencing_With_Ciphering (3).
    LogicalNameCiphered,
    /// Short_Name_Referencing_With_Ciphering (4).
    ShortNameCiphered,
    /// Another context id in the DLMS UA arc.
    Dlms(u8),
    /// Any other OID, as its content bytes.
    Other(&'a [u8]),
}

impl ApplicationContextName<'_> {
    /// The context id in the DLMS UA arc, if it is one.
    #[must_use]
    pub const fn id(&self) -> Option<u8> {
        match self {
            Self::LogicalName => Some(1),
            Self::ShortName => Some(2),
            Self::LogicalNameCiphered => Some(3),
            Self::ShortNameCiphered => Some(4),
            Self::Dlms(id) => Some(*id),
            Self::Other(_) => None,
        }
    }

    /// The name for a context id of the DLMS UA arc.
    #[must_use]
    pub const fn from_id(id: u8) -> Self {
        match id {
            1 => Self::LogicalName,
            2 => Self::ShortName,
            3 => Self::LogicalNameCiphered,
            4 => Self::ShortNameCiphered,
            id => Self::Dlms(id),
        }
    }

    /// Whether the context uses ciphering.
    #[must_use]
    pub const fn ciphered(&self) -> bool {
        matches!(self, Self::LogicalNameCiphered | Self::ShortNameCiphered)
    }

    /// The snake_case name of a named context.
    #[must_use]
    pub const fn name(&self) -> Option<&'static str> {
        match self {
            Self::LogicalName => Some("logical_name"),
            Self::ShortName => Some("short_name"),
            Self::LogicalNameCiphered => Some("logical_name_ciphered"),
            Self::ShortNameCiphered => Some("short_name_ciphered"),
            _ => None,
        }
    }
}

impl<'a> Field<'a> for ApplicationContextName<'a> {
    fn parse(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
        let c = oid(t)?;
        Ok(dlms_oid(c, 1).map_or(Self::Other(c), Self::from_id))
    }
    fn content_len(&self) -> usize {
        match self {
            Self::Other(c) => ber::tlv_len(c.len()),
            _ => ber::tlv_len(7),
        }
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match (self, self.id()) {
            (Self::Other(c), _) => {
                ber::write_header(w, 0x06, c.len())?;
                w.put(c)
            }
            (_, id) => {
                ber::write_header(w, 0x06, 7)?;
                w.put(&dlms_oid_bytes(1, id.unwrap_or(0)))
            }
        }
    }
}

u8_enum! {
    /// Authentication mechanism ids of the DLMS UA arc 2.16.756.5.8.2.{id}
    /// (Green Book clause 9.2.7.4.2).
    pub enum AuthenticationMechanism {
        /// COSEM_lowest_level_security_mechanism_name (0)
        Lowest = 0 => "lowest",
        /// COSEM_low_level_security_mechanism_name (1), a password
        Low = 1 => "low",
        /// COSEM_high_level_security_mechanism_name (2), manufacturer specific
        High = 2 => "high",
        /// HLS using MD5 (3)
        HighMd5 = 3 => "high_md5",
        /// HLS using SHA-1 (4)
        HighSha1 = 4 => "high_sha1",
        /// HLS using GMAC (5)
        HighGmac = 5 => "high_gmac",
        /// HLS using SHA-256 (6)
        HighSha256 = 6 => "high_sha256",
        /// HLS using ECDSA (7)
        HighEcdsa = 7 => "high_ecdsa",
    }
}

/// `mechanism-name` (IMPLICIT OBJECT IDENTIFIER).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MechanismName<'a> {
    /// A mechanism of the DLMS UA arc.
    Dlms(AuthenticationMechanism),
    /// Any other OID, as its content bytes.
    Other(&'a [u8]),
}

impl<'a> Field<'a> for MechanismName<'a> {
    fn parse(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
        Ok(dlms_oid(t.content, 2).map_or(Self::Other(t.content), |id| {
            Self::Dlms(AuthenticationMechanism::from_u8(id))
        }))
    }
    fn content_len(&self) -> usize {
        match self {
            Self::Dlms(_) => 7,
            Self::Other(c) => c.len(),
        }
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Self::Dlms(m) => w.put(&dlms_oid_bytes(2, m.to_u8())),
            Self::Other(c) => w.put(c),
        }
    }
}

/// `Authentication-value` (EXPLICIT CHOICE): a password (LLS) or a
/// challenge (HLS) as `charstring [0]`, or `bitstring [1]`; other
/// alternatives are kept with their tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthenticationValue<'a> {
    /// `charstring [0] IMPLICIT GraphicString` (tag 0x80).
    CharString(&'a [u8]),
    /// `bitstring [1] IMPLICIT BIT STRING` (tag 0x81): content with its
    /// unused-bits octet.
    BitString(&'a [u8]),
    /// `external [2]` / `other [3]` or anything else, kept raw.
    Other(BerValue<'a>),
}

impl<'a> AuthenticationValue<'a> {
    fn as_ber(&self) -> BerValue<'a> {
        match *self {
            Self::CharString(c) => BerValue {
                tag: 0x80,
                content: c,
            },
            Self::BitString(c) => BerValue {
                tag: 0x81,
                content: c,
            },
            Self::Other(v) => v,
        }
    }

    /// The password or challenge octets of the usual `charstring` form.
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.as_ber().content
    }
}

impl<'a> Field<'a> for AuthenticationValue<'a> {
    fn parse(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
        let v = BerValue::parse(t)?;
        Ok(match v.tag {
            0x80 => Self::CharString(v.content),
            0x81 => Self::BitString(v.content),
            _ => Self::Other(v),
        })
    }
    fn content_len(&self) -> usize {
        self.as_ber().content_len()
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.as_ber().write_content(w)
    }
}

/// The xDLMS APDU carried in `user-information` (`[30] EXPLICIT
/// Association-information`, an OCTET STRING).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum UserInformation<'a> {
    /// `InitiateRequest` (tag 1).
    InitiateRequest(InitiateRequest<'a>),
    /// `InitiateResponse` (tag 8).
    InitiateResponse(InitiateResponse),
    /// Any other xDLMS APDU: `ConfirmedServiceError` (14), the glo-/ded-
    /// initiate request and response (33, 40, 65, 72), general-glo-,
    /// general-ded- or general-ciphering.
    Apdu(Apdu<'a>),
}

impl<'a> UserInformation<'a> {
    /// The xDLMS bytes' length.
    #[must_use]
    pub fn apdu_len(&self) -> usize {
        match self {
            Self::InitiateRequest(i) => 1 + i.encoded_len(),
            Self::InitiateResponse(i) => 1 + i.encoded_len(),
            Self::Apdu(a) => a.encoded_len(),
        }
    }

    /// The `ConfirmedServiceError`, if that is what it carries.
    #[must_use]
    pub fn confirmed_service_error(&self) -> Option<crate::apdu::ConfirmedServiceError> {
        match self {
            Self::Apdu(Apdu::ConfirmedServiceError(e)) => Some(*e),
            _ => None,
        }
    }

    /// Decodes an xDLMS APDU as found in the user-information.
    pub fn decode_apdu(bytes: &'a [u8], base: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::with_base(bytes, base);
        let v = match r.peek_u8()? {
            InitiateRequest::TAG => {
                r.u8()?;
                Self::InitiateRequest(InitiateRequest::read(&mut r)?)
            }
            InitiateResponse::TAG => {
                r.u8()?;
                Self::InitiateResponse(InitiateResponse::read(&mut r)?)
            }
            _ => Self::Apdu(Apdu::read(&mut r)?),
        };
        r.finish()?;
        Ok(v)
    }

    fn write_apdu(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Self::InitiateRequest(i) => {
                w.u8(InitiateRequest::TAG)?;
                i.write(w)
            }
            Self::InitiateResponse(i) => {
                w.u8(InitiateResponse::TAG)?;
                i.write(w)
            }
            Self::Apdu(a) => a.write(w),
        }
    }
}

impl<'a> Field<'a> for UserInformation<'a> {
    fn parse(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
        let mut r = t.reader();
        let inner = ber::only_tlv(&mut r, 0x04, "user-information (OCTET STRING)")?;
        Self::decode_apdu(inner.content, inner.content_at)
    }
    fn content_len(&self) -> usize {
        ber::tlv_len(self.apdu_len())
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        ber::write_header(w, 0x04, self.apdu_len())?;
        self.write_apdu(w)
    }
}

/// Reads a one-byte INTEGER content.
fn small_integer(t: &ber::Tlv<'_>, what: &'static str) -> Result<u8, DecodeError> {
    match t.content {
        [v] => Ok(*v),
        c => Err(DecodeError::new(
            t.content_at,
            DecodeErrorKind::InvalidValue {
                what,
                value: c.len() as u32,
            },
        )),
    }
}

u8_enum! {
    /// `Association-result` (INTEGER).
    pub enum AssociationResult {
        /// accepted (0)
        Accepted = 0 => "accepted",
        /// rejected-permanent (1)
        RejectedPermanent = 1 => "rejected_permanent",
        /// rejected-transient (2)
        RejectedTransient = 2 => "rejected_transient",
    }
}

impl Field<'_> for AssociationResult {
    fn parse(t: &ber::Tlv<'_>) -> Result<Self, DecodeError> {
        let mut r = t.reader();
        let i = ber::only_tlv(&mut r, 0x02, "result (INTEGER)")?;
        small_integer(&i, "result length").map(Self::from_u8)
    }
    fn content_len(&self) -> usize {
        3
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(&[0x02, 0x01, self.to_u8()])
    }
}

u8_enum! {
    /// `acse-service-user` diagnostics.
    pub enum AcseServiceUser {
        /// null (0)
        Null = 0 => "null",
        /// no-reason-given (1)
        NoReasonGiven = 1 => "no_reason_given",
        /// application-context-name-not-supported (2)
        ApplicationContextNameNotSupported = 2 => "application_context_name_not_supported",
        /// calling-AP-title-not-recognized (3)
        CallingApTitleNotRecognized = 3 => "calling_ap_title_not_recognized",
        /// calling-AP-invocation-identifier-not-recognized (4)
        CallingApInvocationIdNotRecognized = 4 => "calling_ap_invocation_identifier_not_recognized",
        /// calling-AE-qualifier-not-recognized (5)
        CallingAeQualifierNotRecognized = 5 => "calling_ae_qualifier_not_recognized",
        /// calling-AE-invocation-identifier-not-recognized (6)
        CallingAeInvocationIdNotRecognized = 6 => "calling_ae_invocation_identifier_not_recognized",
        /// called-AP-title-not-recognized (7)
        CalledApTitleNotRecognized = 7 => "called_ap_title_not_recognized",
        /// called-AP-invocation-identifier-not-recognized (8)
        CalledApInvocationIdNotRecognized = 8 => "called_ap_invocation_identifier_not_recognized",
        /// called-AE-qualifier-not-recognized (9)
        CalledAeQualifierNotRecognized = 9 => "called_ae_qualifier_not_recognized",
        /// called-AE-invocation-identifier-not-recognized (10)
        CalledAeInvocationIdNotRecognized = 10 => "called_ae_invocation_identifier_not_recognized",
        /// authentication-mechanism-name-not-recognised (11)
        AuthenticationMechanismNameNotRecognised = 11 => "authentication_mechanism_name_not_recognised",
        /// authentication-mechanism-name-required (12)
        AuthenticationMechanismNameRequired = 12 => "authentication_mechanism_name_required",
        /// authentication-failure (13)
        AuthenticationFailure = 13 => "authentication_failure",
        /// authentication-required (14)
        AuthenticationRequired = 14 => "authentication_required",
    }
}

u8_enum! {
    /// `acse-service-provider` diagnostics.
    pub enum AcseServiceProvider {
        /// null (0)
        Null = 0 => "null",
        /// no-reason-given (1)
        NoReasonGiven = 1 => "no_reason_given",
        /// no-common-acse-version (2)
        NoCommonAcseVersion = 2 => "no_common_acse_version",
    }
}

/// `Associate-source-diagnostic` (EXPLICIT CHOICE of two EXPLICIT INTEGERs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultSourceDiagnostic {
    /// `acse-service-user [1]`.
    ServiceUser(AcseServiceUser),
    /// `acse-service-provider [2]`.
    ServiceProvider(AcseServiceProvider),
}

impl Field<'_> for ResultSourceDiagnostic {
    fn parse(t: &ber::Tlv<'_>) -> Result<Self, DecodeError> {
        let mut r = t.reader();
        let choice = ber::tlv(&mut r)?;
        r.finish()?;
        let mut ir = choice.reader();
        let i = ber::only_tlv(&mut ir, 0x02, "diagnostic (INTEGER)")?;
        let v = small_integer(&i, "diagnostic length")?;
        match choice.tag {
            0xa1 => Ok(Self::ServiceUser(AcseServiceUser::from_u8(v))),
            0xa2 => Ok(Self::ServiceProvider(AcseServiceProvider::from_u8(v))),
            tag => Err(DecodeError::new(
                choice.at,
                DecodeErrorKind::UnknownTag {
                    what: "result-source-diagnostic",
                    tag,
                },
            )),
        }
    }
    fn content_len(&self) -> usize {
        5
    }
    fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let (tag, v) = match self {
            Self::ServiceUser(u) => (0xa1, u.to_u8()),
            Self::ServiceProvider(p) => (0xa2, p.to_u8()),
        };
        w.put(&[tag, 0x03, 0x02, 0x01, v])
    }
}

u8_enum! {
    /// `Release-request-reason` (IMPLICIT INTEGER).
    pub enum ReleaseRequestReason {
        /// normal (0)
        Normal = 0 => "normal",
        /// urgent (1)
        Urgent = 1 => "urgent",
        /// user-defined (30)
        UserDefined = 30 => "user_defined",
    }
}

u8_enum! {
    /// `Release-response-reason` (IMPLICIT INTEGER).
    pub enum ReleaseResponseReason {
        /// normal (0)
        Normal = 0 => "normal",
        /// not-finished (1)
        NotFinished = 1 => "not_finished",
        /// user-defined (30)
        UserDefined = 30 => "user_defined",
    }
}

macro_rules! implicit_integer_field {
    ($($t:ty),*) => {$(
        impl Field<'_> for $t {
            fn parse(t: &ber::Tlv<'_>) -> Result<Self, DecodeError> {
                small_integer(t, "reason length").map(Self::from_u8)
            }
            fn content_len(&self) -> usize {
                1
            }
            fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                w.u8(self.to_u8())
            }
        }
    )*};
}
implicit_integer_field!(ReleaseRequestReason, ReleaseResponseReason);

/// The encoded length of an optional field's TLV.
fn opt_len<'a, T: Field<'a>>(f: Option<&T>) -> usize {
    f.map_or(0, |v| ber::tlv_len(v.content_len()))
}

fn write_opt<'a, T: Field<'a>>(
    w: &mut Writer<'_>,
    tag: u8,
    f: Option<&T>,
) -> Result<(), EncodeError> {
    match f {
        Some(v) => {
            ber::write_header(w, tag, v.content_len())?;
            v.write_content(w)
        }
        None => Ok(()),
    }
}

macro_rules! acse_pdu {
    (@ty req $t:ty) => { $t };
    (@ty opt $t:ty) => { Option<$t> };
    (@ref req $e:expr) => { Some(&$e) };
    (@ref opt $e:expr) => { $e.as_ref() };
    (@take req $v:ident, $what:expr, $at:expr) => {
        $v.ok_or(DecodeError::new($at, DecodeErrorKind::MissingField { what: $what }))?
    };
    (@take opt $v:ident, $what:expr, $at:expr) => { $v };
    (
        $(#[$m:meta])*
        pub struct $name:ident = $apptag:literal, $what:literal {
            $( $(#[$fm:meta])* $tag:literal $kind:ident $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name<'a> {
            $( $(#[$fm])* pub $field: acse_pdu!(@ty $kind $ty), )*
        }

        impl<'a> $name<'a> {
            /// The BER application tag.
            pub const TAG: u8 = $apptag;

            fn content_len(&self) -> usize {
                0 $( + opt_len(acse_pdu!(@ref $kind self.$field)) )*
            }

            fn read_content(t: &ber::Tlv<'a>) -> Result<Self, DecodeError> {
                let mut r = t.reader();
                $( let mut $field: Option<$ty> = None; )*
                let mut last: i16 = -1;
                while r.remaining() > 0 {
                    let f = ber::tlv(&mut r)?;
                    let number = i16::from(f.tag & 0x1f);
                    if number <= last {
                        return Err(DecodeError::new(f.at, DecodeErrorKind::InvalidValue {
                            what: concat!($what, " field order (tags must increase)"),
                            value: f.tag.into(),
                        }));
                    }
                    last = number;
                    match f.tag {
                        $( $tag => $field = Some(<$ty as Field<'a>>::parse(&f)?), )*
                        tag => return Err(DecodeError::new(f.at, DecodeErrorKind::UnknownTag {
                            what: concat!($what, " field"),
                            tag,
                        })),
                    }
                }
                #[allow(unused_variables)]
                let end = r.offset();
                Ok(Self { $( $field: acse_pdu!(@take $kind $field, stringify!($field), end), )* })
            }

            fn write_content(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                $( write_opt(w, $tag, acse_pdu!(@ref $kind self.$field))?; )*
                Ok(())
            }
        }

        impl<'a> Decode<'a> for $name<'a> {
            fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                let t = ber::tlv(r)?;
                t.expect($apptag, $what)?;
                Self::read_content(&t)
            }
        }

        impl Encode for $name<'_> {
            fn encoded_len(&self) -> usize {
                ber::tlv_len(self.content_len())
            }
            fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                ber::write_header(w, $apptag, self.content_len())?;
                self.write_content(w)
            }
        }
    };
}

acse_pdu! {
    /// `AARQ-apdu ::= [APPLICATION 0] IMPLICIT SEQUENCE` (Green Book
    /// clause 9.4.2 and Annex A): the client's association request.
    pub struct Aarq = 0x60, "AARQ" {
        /// `protocol-version [0] IMPLICIT BIT STRING DEFAULT {version1}`.
        0x80 opt protocol_version: BitString<'a>,
        /// `application-context-name [1]`.
        0xa1 req application_context_name: ApplicationContextName<'a>,
        /// `called-AP-title [2]`.
        0xa2 opt called_ap_title: BerValue<'a>,
        /// `called-AE-qualifier [3]`.
        0xa3 opt called_ae_qualifier: BerValue<'a>,
        /// `called-AP-invocation-id [4]`.
        0xa4 opt called_ap_invocation_id: BerValue<'a>,
        /// `called-AE-invocation-id [5]`.
        0xa5 opt called_ae_invocation_id: BerValue<'a>,
        /// `calling-AP-title [6]`: the client system title when ciphering.
        0xa6 opt calling_ap_title: BerValue<'a>,
        /// `calling-AE-qualifier [7]`: the client's certificate for HLS 7.
        0xa7 opt calling_ae_qualifier: BerValue<'a>,
        /// `calling-AP-invocation-id [8]`.
        0xa8 opt calling_ap_invocation_id: BerValue<'a>,
        /// `calling-AE-invocation-id [9]`.
        0xa9 opt calling_ae_invocation_id: BerValue<'a>,
        /// `sender-acse-requirements [10] IMPLICIT` (bit 0: authentication).
        0x8a opt sender_acse_requirements: BitString<'a>,
        /// `mechanism-name [11] IMPLICIT`.
        0x8b opt mechanism_name: MechanismName<'a>,
        /// `calling-authentication-value [12] EXPLICIT`: LLS password or HLS CtoS challenge.
        0xac opt calling_authentication_value: AuthenticationValue<'a>,
        /// `implementation-information [29] IMPLICIT`.
        0x9d opt implementation_information: &'a [u8],
        /// `user-information [30] EXPLICIT`: the (ciphered) InitiateRequest.
        0xbe opt user_information: UserInformation<'a>,
    }
}

acse_pdu! {
    /// `AARE-apdu ::= [APPLICATION 1] IMPLICIT SEQUENCE`: the server's
    /// association response. `user_information` is optional on purpose
    /// (see the module doc).
    pub struct Aare = 0x61, "AARE" {
        /// `protocol-version [0]`.
        0x80 opt protocol_version: BitString<'a>,
        /// `application-context-name [1]`.
        0xa1 req application_context_name: ApplicationContextName<'a>,
        /// `result [2]`.
        0xa2 req result: AssociationResult,
        /// `result-source-diagnostic [3]`.
        0xa3 req result_source_diagnostic: ResultSourceDiagnostic,
        /// `responding-AP-title [4]`: the server system title when ciphering.
        0xa4 opt responding_ap_title: BerValue<'a>,
        /// `responding-AE-qualifier [5]`.
        0xa5 opt responding_ae_qualifier: BerValue<'a>,
        /// `responding-AP-invocation-id [6]`.
        0xa6 opt responding_ap_invocation_id: BerValue<'a>,
        /// `responding-AE-invocation-id [7]`.
        0xa7 opt responding_ae_invocation_id: BerValue<'a>,
        /// `responder-acse-requirements [8] IMPLICIT`.
        0x88 opt responder_acse_requirements: BitString<'a>,
        /// `mechanism-name [9] IMPLICIT`.
        0x89 opt mechanism_name: MechanismName<'a>,
        /// `responding-authentication-value [10] EXPLICIT`: the HLS StoC challenge.
        0xaa opt responding_authentication_value: AuthenticationValue<'a>,
        /// `implementation-information [29] IMPLICIT`.
        0x9d opt implementation_information: &'a [u8],
        /// `user-information [30] EXPLICIT`: InitiateResponse, ConfirmedServiceError or ciphered.
        0xbe opt user_information: UserInformation<'a>,
    }
}

acse_pdu! {
    /// `RLRQ-apdu ::= [APPLICATION 2] IMPLICIT SEQUENCE`: release request.
    pub struct Rlrq = 0x62, "RLRQ" {
        /// `reason [0] IMPLICIT`.
        0x80 opt reason: ReleaseRequestReason,
        /// `user-information [30] EXPLICIT` (a ciphered InitiateRequest when ciphering).
        0xbe opt user_information: UserInformation<'a>,
    }
}

acse_pdu! {
    /// `RLRE-apdu ::= [APPLICATION 3] IMPLICIT SEQUENCE`: release response.
    pub struct Rlre = 0x63, "RLRE" {
        /// `reason [0] IMPLICIT`.
        0x80 opt reason: ReleaseResponseReason,
        /// `user-information [30] EXPLICIT` (InitiateResponse, possibly ciphered).
        0xbe opt user_information: UserInformation<'a>,
    }
}

impl Aarq<'_> {
    /// The authentication mechanism, if one of the DLMS UA arc is named.
    #[must_use]
    pub fn mechanism(&self) -> Option<AuthenticationMechanism> {
        match self.mechanism_name {
            Some(MechanismName::Dlms(m)) => Some(m),
            _ => None,
        }
    }
}

impl Aare<'_> {
    /// Whether the association was accepted.
    #[must_use]
    pub fn accepted(&self) -> bool {
        self.result == AssociationResult::Accepted
    }
}

/// One of the four ACSE APDUs.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum AcseApdu<'a> {
    /// AARQ (0x60).
    Aarq(Aarq<'a>),
    /// AARE (0x61).
    Aare(Aare<'a>),
    /// RLRQ (0x62).
    Rlrq(Rlrq<'a>),
    /// RLRE (0x63).
    Rlre(Rlre<'a>),
}

impl AcseApdu<'_> {
    /// Whether `tag` starts an ACSE APDU.
    #[must_use]
    pub const fn is_acse_tag(tag: u8) -> bool {
        matches!(tag, 0x60..=0x63)
    }

    /// The application tag.
    #[must_use]
    pub const fn tag(&self) -> u8 {
        match self {
            Self::Aarq(_) => Aarq::TAG,
            Self::Aare(_) => Aare::TAG,
            Self::Rlrq(_) => Rlrq::TAG,
            Self::Rlre(_) => Rlre::TAG,
        }
    }
}

impl<'a> Decode<'a> for AcseApdu<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let t = ber::tlv(r)?;
        match t.tag {
            0x60 => Aarq::read_content(&t).map(Self::Aarq),
            0x61 => Aare::read_content(&t).map(Self::Aare),
            0x62 => Rlrq::read_content(&t).map(Self::Rlrq),
            0x63 => Rlre::read_content(&t).map(Self::Rlre),
            tag => Err(DecodeError::new(
                t.at,
                DecodeErrorKind::UnknownTag {
                    what: "ACSE APDU",
                    tag,
                },
            )),
        }
    }
}

impl Encode for AcseApdu<'_> {
    fn encoded_len(&self) -> usize {
        match self {
            Self::Aarq(a) => a.encoded_len(),
            Self::Aare(a) => a.encoded_len(),
            Self::Rlrq(a) => a.encoded_len(),
            Self::Rlre(a) => a.encoded_len(),
        }
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Self::Aarq(a) => a.write(w),
            Self::Aare(a) => a.write(w),
            Self::Rlrq(a) => a.write(w),
            Self::Rlre(a) => a.write(w),
        }
    }
}
