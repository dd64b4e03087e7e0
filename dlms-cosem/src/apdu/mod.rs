//! xDLMS APDUs (IEC 62056-5-3, clause 9.5, the `XDLMS-APDU` CHOICE), every
//! variant decoded into typed, borrowed values with zero allocation and
//! re-encoded byte for byte.
//!
//! ACSE APDUs (AARQ 0x60, AARE 0x61, RLRQ 0x62, RLRE 0x63) and the
//! unprotected `InitiateRequest` / `InitiateResponse` (tags 1, 8) belong to
//! the ACSE module; [`Apdu::decode`] reports their tags as unknown here.
//!
//! # Example
//!
//! ```
//! use dual_protocol_dlms_cosem::{Apdu, Decode, Encode, Obis};
//! use dual_protocol_dlms_cosem::apdu::GetRequest;
//!
//! let bytes = [0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00];
//! let apdu = Apdu::decode(&bytes)?;
//! let Apdu::GetRequest(GetRequest::Normal { attribute, .. }) = apdu else { unreachable!() };
//! assert_eq!(attribute.instance_id, Obis::CLOCK);
//! let mut out = [0u8; 13];
//! assert_eq!(apdu.encode(&mut out)?, 13);
//! assert_eq!(out, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod access;
mod action;
mod common;
mod gbt;
mod get;
mod notification;
mod protected;
mod service_error;
mod set;
mod sn;

pub use access::{
    AccessRequest, AccessRequestSpecification, AccessResponse, AccessResponseSpecification,
};
pub use action::{ActionRequest, ActionResponse, ActionResponseWithOptionalData};
pub use common::{
    ActionResult, DataAccessResult, DataBlockG, DataBlockGResult, DataBlockSa, GetDataResult,
    InvokeIdAndPriority, LongInvokeIdAndPriority,
};
pub use gbt::{BlockControl, GeneralBlockTransfer};
pub use get::{GetRequest, GetResponse};
pub use notification::{
    DataNotification, DateTimeForm, EventNotificationRequest, NotificationDateTime,
};
pub use protected::{
    CipheredApdu, GeneralCiphering, GeneralGloDedCiphering, GeneralSigning, KeyInfo, KeyScope,
    ProtectedService, SecuredContent, SecurityControl,
};
pub use service_error::{
    ConfirmedService, ConfirmedServiceError, ExceptionResponse, ServiceError, ServiceErrorKind,
    StateError,
};
pub use set::{SetRequest, SetResponse};
pub use sn::{
    InformationReportRequest, ReadRequest, ReadResponse, ReadResult, VariableAccessSpecification,
    WriteRequest, WriteResponse, WriteResult,
};

use crate::axdr::{Decode, Encode, Reader, Writer};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

macro_rules! apdus {
    ($( $(#[$m:meta])* $variant:ident($ty:ty) = $tag:literal ),* $(,)?) => {
        /// An xDLMS APDU.
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Apdu<'a> {
            $( $(#[$m])* $variant($ty), )*
            /// A glo- or ded- service APDU (tags 33-56, 65-88, 200-215).
            Ciphered(CipheredApdu<'a>),
        }

        impl Apdu<'_> {
            /// The APDU tag (first byte).
            #[must_use]
            pub fn tag(&self) -> u8 {
                match self {
                    $( Self::$variant(_) => $tag, )*
                    Self::Ciphered(c) => c.tag(),
                }
            }
        }

        impl<'a> Decode<'a> for Apdu<'a> {
            fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
                let at = r.offset();
                let tag = r.u8()?;
                match tag {
                    $( $tag => <$ty>::read(r).map(Self::$variant), )*
                    tag => match ProtectedService::from_tag(tag) {
                        Some((scope, service)) => Ok(Self::Ciphered(CipheredApdu {
                            scope,
                            service,
                            content: SecuredContent::read(r)?,
                        })),
                        None => Err(DecodeError::new(at, DecodeErrorKind::UnknownTag { what: "xDLMS APDU", tag })),
                    },
                }
            }
        }

        impl Encode for Apdu<'_> {
            fn encoded_len(&self) -> usize {
                1 + match self {
                    $( Self::$variant(v) => v.encoded_len(), )*
                    Self::Ciphered(c) => c.content.encoded_len(),
                }
            }
            fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                w.u8(self.tag())?;
                match self {
                    $( Self::$variant(v) => v.write(w), )*
                    Self::Ciphered(c) => c.content.write(w),
                }
            }
        }
    };
}

apdus! {
    /// `readRequest` \[5\] (short names).
    ReadRequest(ReadRequest<'a>) = 5,
    /// `writeRequest` \[6\].
    WriteRequest(WriteRequest<'a>) = 6,
    /// `readResponse` \[12\].
    ReadResponse(ReadResponse<'a>) = 12,
    /// `writeResponse` \[13\].
    WriteResponse(WriteResponse<'a>) = 13,
    /// `confirmedServiceError` \[14\].
    ConfirmedServiceError(ConfirmedServiceError) = 14,
    /// `data-notification` \[15\].
    DataNotification(DataNotification<'a>) = 15,
    /// `unconfirmedWriteRequest` \[22\].
    UnconfirmedWriteRequest(WriteRequest<'a>) = 22,
    /// `informationReportRequest` \[24\].
    InformationReportRequest(InformationReportRequest<'a>) = 24,
    /// `get-request` \[192\].
    GetRequest(GetRequest<'a>) = 192,
    /// `set-request` \[193\].
    SetRequest(SetRequest<'a>) = 193,
    /// `event-notification-request` \[194\].
    EventNotificationRequest(EventNotificationRequest<'a>) = 194,
    /// `action-request` \[195\].
    ActionRequest(ActionRequest<'a>) = 195,
    /// `get-response` \[196\].
    GetResponse(GetResponse<'a>) = 196,
    /// `set-response` \[197\].
    SetResponse(SetResponse<'a>) = 197,
    /// `action-response` \[199\].
    ActionResponse(ActionResponse<'a>) = 199,
    /// `exception-response` \[216\].
    ExceptionResponse(ExceptionResponse) = 216,
    /// `access-request` \[217\].
    AccessRequest(AccessRequest<'a>) = 217,
    /// `access-response` \[218\].
    AccessResponse(AccessResponse<'a>) = 218,
    /// `general-glo-ciphering` \[219\].
    GeneralGloCiphering(GeneralGloDedCiphering<'a>) = 219,
    /// `general-ded-ciphering` \[220\].
    GeneralDedCiphering(GeneralGloDedCiphering<'a>) = 220,
    /// `general-ciphering` \[221\].
    GeneralCiphering(GeneralCiphering<'a>) = 221,
    /// `general-signing` \[223\].
    GeneralSigning(GeneralSigning<'a>) = 223,
    /// `general-block-transfer` \[224\].
    GeneralBlockTransfer(GeneralBlockTransfer<'a>) = 224,
}
