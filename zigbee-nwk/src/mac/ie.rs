//! Header and payload information elements of IEEE 802.15.4-2015 frames
//! (§7.4), parsed generically: the element lists are validated once at
//! decode and kept as borrowed bytes; iterate them with [`HeaderIes::iter`]
//! and [`PayloadIes::iter`].

use crate::cursor::Reader;
use crate::error::DecodeError;

/// Header IE element id of Header Termination 1 (payload IEs follow).
pub const HT1: u8 = 0x7e;
/// Header IE element id of Header Termination 2 (payload follows).
pub const HT2: u8 = 0x7f;
/// Payload IE group id of the Payload Termination IE.
pub const PAYLOAD_TERMINATION: u8 = 0x0f;

/// One header IE (§7.4.2): 7-bit length, 8-bit element id, type bit 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HeaderIe<'a> {
    /// Element id.
    pub element_id: u8,
    /// Content.
    pub content: &'a [u8],
}

/// One payload IE (§7.4.3): 11-bit length, 4-bit group id, type bit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PayloadIe<'a> {
    /// Group id.
    pub group_id: u8,
    /// Content (nested IEs for MLME groups, not decoded further here).
    pub content: &'a [u8],
}

/// The header IE list, terminations included, as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HeaderIes<'a>(pub &'a [u8]);

/// The payload IE list, termination included, as on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PayloadIes<'a>(pub &'a [u8]);

impl<'a> HeaderIes<'a> {
    /// The elements (the list was validated at decode).
    pub fn iter(&self) -> impl Iterator<Item = HeaderIe<'a>> + 'a {
        let mut r = Reader::new(self.0);
        core::iter::from_fn(move || {
            let d = r.u16("").ok()?;
            let content = r.take(usize::from(d & 0x7f), "").ok()?;
            Some(HeaderIe {
                element_id: ((d >> 7) & 0xff) as u8,
                content,
            })
        })
    }

    /// Whether the last element is Header Termination 1 (payload IEs follow).
    #[must_use]
    pub fn ends_with_ht1(&self) -> bool {
        self.iter().last().is_some_and(|ie| ie.element_id == HT1)
    }
}

impl<'a> PayloadIes<'a> {
    /// The elements (the list was validated at decode).
    pub fn iter(&self) -> impl Iterator<Item = PayloadIe<'a>> + 'a {
        let mut r = Reader::new(self.0);
        core::iter::from_fn(move || {
            let d = r.u16("").ok()?;
            let content = r.take(usize::from(d & 0x7ff), "").ok()?;
            Some(PayloadIe {
                group_id: ((d >> 11) & 0xf) as u8,
                content,
            })
        })
    }
}

/// Reads header IEs from `r`, stopping after a termination IE or at
/// `limit` (the offset where the MIC starts). Returns the list and whether
/// payload IEs follow (HT1).
pub(crate) fn read_header_ies<'a>(
    r: &mut Reader<'a>,
    all: &'a [u8],
    limit: usize,
) -> Result<(HeaderIes<'a>, bool), DecodeError> {
    let start = r.offset();
    let mut payload_ies = false;
    while r.offset() < limit {
        let off = r.offset();
        let d = r.u16("header IE descriptor")?;
        if d & 0x8000 != 0 {
            return Err(DecodeError::InvalidValue {
                offset: off,
                what: "header IE type bit",
                value: u32::from(d),
            });
        }
        let len = usize::from(d & 0x7f);
        if r.offset() + len > limit {
            return Err(DecodeError::LengthMismatch {
                offset: off,
                what: "header IE length",
                declared: len,
                available: limit.saturating_sub(r.offset()),
            });
        }
        r.take(len, "header IE content")?;
        let id = ((d >> 7) & 0xff) as u8;
        if id == HT1 {
            payload_ies = true;
            break;
        }
        if id == HT2 {
            break;
        }
    }
    Ok((
        HeaderIes(all.get(start..r.offset()).unwrap_or(&[])),
        payload_ies,
    ))
}

/// Reads payload IEs until a Payload Termination IE or `limit`.
pub(crate) fn read_payload_ies<'a>(
    r: &mut Reader<'a>,
    all: &'a [u8],
    limit: usize,
) -> Result<PayloadIes<'a>, DecodeError> {
    let start = r.offset();
    while r.offset() < limit {
        let off = r.offset();
        let d = r.u16("payload IE descriptor")?;
        if d & 0x8000 == 0 {
            return Err(DecodeError::InvalidValue {
                offset: off,
                what: "payload IE type bit",
                value: u32::from(d),
            });
        }
        let len = usize::from(d & 0x7ff);
        if r.offset() + len > limit {
            return Err(DecodeError::LengthMismatch {
                offset: off,
                what: "payload IE length",
                declared: len,
                available: limit.saturating_sub(r.offset()),
            });
        }
        r.take(len, "payload IE content")?;
        if ((d >> 11) & 0xf) as u8 == PAYLOAD_TERMINATION {
            break;
        }
    }
    Ok(PayloadIes(all.get(start..r.offset()).unwrap_or(&[])))
}
