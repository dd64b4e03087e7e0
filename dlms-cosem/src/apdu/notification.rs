//! Unsolicited services (IEC 62056-5-3, clause 9.5): `Data-Notification`
//! (tag 15) and `EventNotificationRequest` (tag 194).

use super::common::LongInvokeIdAndPriority;
use crate::axdr::{Decode, Encode, Reader, Writer, sequence};
use crate::data::Data;
use crate::datetime::CosemDateTime;
use crate::descriptor::AttributeDescriptor;
use crate::error::{DecodeError, EncodeError};

sequence! {
    /// `Data-Notification` (the push service).
    pub struct DataNotification<'a> {
        /// Long invoke id and priority.
        pub invoke_id: LongInvokeIdAndPriority,
        /// Date-time: empty when absent, usually 12 bytes
        /// (see [`DataNotification::date_time`]).
        pub date_time: NotificationDateTime<'a>,
        /// `notification-body`: the pushed data.
        pub body: Data<'a>,
    }
}

impl DataNotification<'_> {
    /// The date-time when present as 12 bytes.
    #[must_use]
    pub fn date_time(&self) -> Option<CosemDateTime> {
        CosemDateTime::from_slice(self.date_time.bytes)
    }
}

/// How a data-notification's date-time was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DateTimeForm {
    /// As the standard says: an A-XDR `OCTET STRING` (length, bytes).
    OctetString,
    /// As a tagged `Data` octet-string (`09 0C` + 12 bytes), as Kaifa
    /// meters send it. Recognised when the length byte would be 9 and the
    /// next byte is 12: a 9-byte date-time does not exist, so the two
    /// forms cannot be confused.
    TaggedOctetString,
}

/// The date-time field of a [`DataNotification`], with its encoding kept so
/// it re-encodes byte for byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NotificationDateTime<'a> {
    /// The date-time bytes (empty when absent).
    pub bytes: &'a [u8],
    /// The encoding.
    pub form: DateTimeForm,
}

impl<'a> NotificationDateTime<'a> {
    /// An absent date-time.
    pub const ABSENT: Self = Self {
        bytes: &[],
        form: DateTimeForm::OctetString,
    };

    /// A date-time in the standard form.
    #[must_use]
    pub const fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            form: DateTimeForm::OctetString,
        }
    }
}

impl<'a> Decode<'a> for NotificationDateTime<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let rest = r.rest();
        if let [0x09, 0x0c, ..] = rest
            && rest.len() >= 14
        {
            r.skip(1)?;
            return Ok(Self {
                bytes: r.octet_string()?,
                form: DateTimeForm::TaggedOctetString,
            });
        }
        Ok(Self {
            bytes: r.octet_string()?,
            form: DateTimeForm::OctetString,
        })
    }
}

impl Encode for NotificationDateTime<'_> {
    fn encoded_len(&self) -> usize {
        self.bytes.encoded_len() + usize::from(self.form == DateTimeForm::TaggedOctetString)
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.form == DateTimeForm::TaggedOctetString {
            w.u8(0x09)?;
        }
        w.octet_string(self.bytes)
    }
}

sequence! {
    /// `EventNotificationRequest`.
    pub struct EventNotificationRequest<'a> {
        /// Optional time (an octet string, usually a 12-byte date-time).
        pub time: Option<&'a [u8]>,
        /// The attribute that changed.
        pub attribute: AttributeDescriptor,
        /// Its value.
        pub value: Data<'a>,
    }
}
