//! The few BER (ISO/IEC 8825-1) rules the ACSE PDUs need: one-byte tags,
//! definite lengths, and the tag-length-value cursor.
//!
//! Lengths use the short form below 128 and the long form `0x81..=0x84`
//! above; the indefinite form (`0x80`) and non-minimal long forms are
//! rejected ([`DecodeErrorKind::BerLength`]) so that every accepted PDU
//! re-encodes byte for byte.

use crate::axdr::{Reader, Writer};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// Bytes a BER definite length field takes for `len`.
#[must_use]
pub(crate) const fn length_len(len: usize) -> usize {
    // Same thresholds as the A-XDR length form.
    crate::axdr::length_len(len)
}

/// Bytes a whole TLV with one-byte tag and `content` bytes takes.
#[must_use]
pub(crate) const fn tlv_len(content: usize) -> usize {
    1 + length_len(content) + content
}

/// Reads a BER definite length.
pub(crate) fn read_length(r: &mut Reader<'_>) -> Result<usize, DecodeError> {
    let at = r.offset();
    let first = r.u8()?;
    if first < 0x80 {
        return Ok(usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return Err(DecodeError::new(at, DecodeErrorKind::BerLength { first }));
    }
    let mut value: usize = 0;
    for b in r.bytes(n)? {
        value = (value << 8) | usize::from(*b);
    }
    if length_len(value) != 1 + n {
        return Err(DecodeError::new(at, DecodeErrorKind::BerLength { first }));
    }
    Ok(value)
}

/// Writes a BER definite length (the same bytes as the A-XDR form).
pub(crate) fn write_length(w: &mut Writer<'_>, len: usize) -> Result<(), EncodeError> {
    w.length(len)
}

/// One tag-length-value: the tag byte, the content and the content's
/// absolute offset (for nested readers).
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    pub(crate) at: usize,
    pub(crate) content_at: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over the content with absolute offsets.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader::with_base(self.content, self.content_at)
    }

    /// Fails unless the tag is `tag`.
    pub(crate) fn expect(&self, tag: u8, what: &'static str) -> Result<(), DecodeError> {
        if self.tag == tag {
            Ok(())
        } else {
            Err(DecodeError::new(
                self.at,
                DecodeErrorKind::UnknownTag {
                    what,
                    tag: self.tag,
                },
            ))
        }
    }
}

/// Reads one TLV with a one-byte tag.
pub(crate) fn tlv<'a>(r: &mut Reader<'a>) -> Result<Tlv<'a>, DecodeError> {
    let at = r.offset();
    let tag = r.u8()?;
    if tag & 0x1f == 0x1f {
        return Err(DecodeError::new(
            at,
            DecodeErrorKind::UnknownTag {
                what: "BER tag (multi-byte tags are not used by ACSE)",
                tag,
            },
        ));
    }
    let len_at = r.offset();
    let length = read_length(r)?;
    let available = r.remaining();
    if length > available {
        return Err(DecodeError::new(
            len_at,
            DecodeErrorKind::LengthBeyondFrame { length, available },
        ));
    }
    let content_at = r.offset();
    let content = r.bytes(length)?;
    Ok(Tlv {
        tag,
        content,
        at,
        content_at,
    })
}

/// Reads a TLV that must fill `r` exactly and carry `tag`.
pub(crate) fn only_tlv<'a>(
    r: &mut Reader<'a>,
    tag: u8,
    what: &'static str,
) -> Result<Tlv<'a>, DecodeError> {
    let t = tlv(r)?;
    t.expect(tag, what)?;
    r.finish()?;
    Ok(t)
}

/// Writes a tag and a length.
pub(crate) fn write_header(w: &mut Writer<'_>, tag: u8, len: usize) -> Result<(), EncodeError> {
    w.u8(tag)?;
    write_length(w, len)
}
