//! OTA Upgrade image files (ZCL rev 6 §11.4, "OTA Upgrade Image File
//! Format"; the OTA Upgrade cluster is 0x0019): the header, parsed from a
//! borrowed prefix of the file, and the sub-element (tag) headers that
//! follow it, so a device can read the image body block by block from its
//! own storage instead of holding the file in RAM.
//!
//! * [`ImageHeader::decode`] reads the fixed header and the optional fields
//!   that the header field control announces (security credential version,
//!   upgrade file destination, hardware versions), checks the file
//!   identifier 0x0beef11e and that the header length covers them; octets
//!   the header length declares beyond the known fields are kept
//!   (`extra`), so `encode(decode(b)) == b`.
//! * [`TagHeader::decode`] reads one sub-element header (tag identifier and
//!   length, 6 octets); [`Tags`] walks the sub-elements of an image held in
//!   memory and checks that they end exactly at the total image size.
//!
//! The image integrity code (tag 0x0003, AES-MMO over the image) is checked
//! by [`integrity::verify_integrity`], reading the image through a storage
//! trait. The SE signature tags (sect163k1/sect283k1 ECDSA) are parsed, not
//! verified (no well-kept Rust crate verifies those curves).
//!
//! The sans-IO machines of the OTA Upgrade cluster (ZigBee OTA Upgrade
//! cluster specification 095264r23 §6.10-6.11) are [`server::Server`] and
//! [`client::Client`]; their commands are typed in
//! [`crate::cluster::ota_upgrade`].
//!
//! Hand slicing with bounds-checked reads, no nom. All multi-octet fields
//! are little-endian.

pub mod client;
pub mod integrity;
pub mod server;

/// Where an OTA frame goes: one device, a group, or a broadcast address
/// (0xfffc-0xffff), as the caller's APS layer names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Address {
    /// A device's network address (unicast).
    Device(u16),
    /// A group address.
    Group(u16),
    /// A broadcast address.
    Broadcast(u16),
}

/// A frame to send: its destination and its length in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub destination: Address,
    /// Octets written.
    pub len: usize,
}

/// Errors of the OTA machines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtaError {
    /// The input frame does not decode.
    #[error("OTA frame: {0}")]
    Decode(#[from] DecodeError),
    /// The frame is not a cluster-specific OTA command in the direction
    /// this side receives (or not in this state).
    #[error("not an OTA command for this side (command 0x{0:02x})")]
    Unexpected(u8),
    /// The transmit or event queue is full; poll first (the request was
    /// dropped, and its sender retries).
    #[error("queue full")]
    QueueFull,
    /// The image or client table is full.
    #[error("table full")]
    TableFull,
    /// No registered image has this index.
    #[error("no such image")]
    NoSuchImage,
    /// The image storage failed.
    #[error("image storage error")]
    Storage,
    /// A registered image's header does not decode.
    #[error("OTA image header: {0}")]
    Image(DecodeError),
    /// The frame comes from another node than the configured OTA server.
    #[error("OTA frame from 0x{0:04x}, not the OTA server")]
    WrongSource(u16),
    /// The machine is busy with a download.
    #[error("busy")]
    Busy,
}

/// Pushes onto a bounded queue, mapping a full queue to [`OtaError::QueueFull`].
pub(crate) fn push<T, const N: usize>(
    q: &mut crate::tunnel::Fifo<T, N>,
    item: T,
) -> Result<(), OtaError> {
    q.push(item).map_err(|_| OtaError::QueueFull)
}

/// UTC seconds (or seconds since the machine's epoch) of `now`.
pub(crate) fn secs(now: dual_protocol_primitives::time::Instant) -> u64 {
    now.as_micros() / 1_000_000
}

use dual_protocol_primitives::Eui64;

use crate::cursor::{Reader, Writer, encode_with};
use crate::error::{DecodeError, EncodeError};

/// The OTA upgrade file identifier (§11.4.2.1).
pub const FILE_IDENTIFIER: u32 = 0x0bee_f11e;

/// Length of the header without optional fields (§11.4.2).
pub const MIN_HEADER_LEN: usize = 56;

/// Length of a sub-element header: tag identifier (2) and length (4).
pub const TAG_HEADER_LEN: usize = 6;

crate::macros::bitmap! {
    /// Header field control (§11.4.2.4).
    pub struct HeaderFieldControl: u16 {
        /// The security credential version field is present.
        const SECURITY_CREDENTIAL_VERSION = 0x0001 => "security_credential_version_present";
        /// The upgrade file destination (device specific file) is present.
        const DEVICE_SPECIFIC = 0x0002 => "device_specific_file";
        /// The minimum and maximum hardware versions are present.
        const HARDWARE_VERSIONS = 0x0004 => "hardware_versions_present";
    }
}

crate::macros::code_enum! {
    /// Sub-element tag identifiers (§11.4.3, table 11-8; the Smart Energy
    /// signature tags per SE 1.x).
    pub enum TagId: u16 {
        /// The upgrade image.
        UpgradeImage = 0x0000 => "upgrade_image",
        /// ECDSA signature, crypto suite 1 (signer IEEE address and a
        /// 42-octet signature).
        EcdsaSignatureSuite1 = 0x0001 => "ecdsa_signature_suite_1",
        /// ECDSA signing certificate, crypto suite 1 (48 octets).
        EcdsaCertificateSuite1 = 0x0002 => "ecdsa_signing_certificate_suite_1",
        /// Image integrity code (16-octet AES-MMO hash).
        ImageIntegrityCode = 0x0003 => "image_integrity_code",
        /// Picture data.
        PictureData = 0x0004 => "picture_data",
        /// ECDSA signature, crypto suite 2 (signer IEEE address and a
        /// 72-octet signature).
        EcdsaSignatureSuite2 = 0x0005 => "ecdsa_signature_suite_2",
        /// ECDSA signing certificate, crypto suite 2 (74 octets).
        EcdsaCertificateSuite2 = 0x0006 => "ecdsa_signing_certificate_suite_2",
    }
}

impl TagId {
    /// Whether the identifier is in the manufacturer-specific range
    /// 0xf000-0xffff.
    #[must_use]
    pub fn is_manufacturer_specific(self) -> bool {
        u16::from(self) >= 0xf000
    }
}

/// The OTA image header (§11.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageHeader<'a> {
    /// OTA header version (0x0100 in ZCL rev 6).
    pub header_version: u16,
    /// Header field control.
    pub field_control: HeaderFieldControl,
    /// Manufacturer code.
    pub manufacturer_code: u16,
    /// Image type (manufacturer specific; 0xffc0-0xffff reserved for
    /// security credentials, configuration, logs ...).
    pub image_type: u16,
    /// File version.
    pub file_version: u32,
    /// ZigBee stack version.
    pub stack_version: u16,
    /// The 32-octet header string, as stored (not necessarily terminated).
    pub header_string: &'a [u8; 32],
    /// Total image size, header included.
    pub total_image_size: u32,
    /// Security credential version (present when the field control says so).
    pub security_credential_version: Option<u8>,
    /// Upgrade file destination (device specific files).
    pub upgrade_file_destination: Option<Eui64>,
    /// Minimum and maximum hardware versions.
    pub hardware_versions: Option<(u16, u16)>,
    /// Octets the header length declares after the known fields.
    pub extra: &'a [u8],
}

impl<'a> ImageHeader<'a> {
    /// Decodes the header from the start of an image file. `bytes` may hold
    /// the whole file or only its first `header_length` octets; returns the
    /// header and the header length (where the first sub-element starts).
    pub fn decode(bytes: &'a [u8]) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes, 0);
        let id = r.u32("OTA file identifier")?;
        if id != FILE_IDENTIFIER {
            return Err(DecodeError::InvalidValue {
                offset: 0,
                what: "OTA file identifier",
            });
        }
        let header_version = r.u16("OTA header version")?;
        let len_offset = r.offset();
        let header_len = usize::from(r.u16("OTA header length")?);
        let field_control = HeaderFieldControl(r.u16("OTA header field control")?);
        let manufacturer_code = r.u16("manufacturer code")?;
        let image_type = r.u16("image type")?;
        let file_version = r.u32("file version")?;
        let stack_version = r.u16("ZigBee stack version")?;
        let header_string: &'a [u8; 32] =
            r.take(32, "OTA header string")?
                .try_into()
                .map_err(|_| DecodeError::InvalidValue {
                    offset: 20,
                    what: "OTA header string",
                })?;
        let total_image_size = r.u32("total image size")?;
        let security_credential_version =
            if field_control.contains(HeaderFieldControl::SECURITY_CREDENTIAL_VERSION) {
                Some(r.u8("security credential version")?)
            } else {
                None
            };
        let upgrade_file_destination =
            if field_control.contains(HeaderFieldControl::DEVICE_SPECIFIC) {
                Some(Eui64::from_le_bytes(r.array("upgrade file destination")?))
            } else {
                None
            };
        let hardware_versions = if field_control.contains(HeaderFieldControl::HARDWARE_VERSIONS) {
            Some((
                r.u16("minimum hardware version")?,
                r.u16("maximum hardware version")?,
            ))
        } else {
            None
        };
        let known = r.offset();
        if header_len < known {
            return Err(DecodeError::InvalidValue {
                offset: len_offset,
                what: "OTA header length shorter than its fields",
            });
        }
        let extra = r.take(header_len - known, "OTA header (declared length)")?;
        if u64::from(total_image_size) < header_len as u64 {
            return Err(DecodeError::InvalidValue {
                offset: 52,
                what: "total image size smaller than the header",
            });
        }
        Ok((
            ImageHeader {
                header_version,
                field_control,
                manufacturer_code,
                image_type,
                file_version,
                stack_version,
                header_string,
                total_image_size,
                security_credential_version,
                upgrade_file_destination,
                hardware_versions,
                extra,
            },
            header_len,
        ))
    }

    /// The header string up to its first NUL, if UTF-8.
    #[must_use]
    pub fn header_str(&self) -> Option<&'a str> {
        let s: &'a [u8] = self.header_string;
        let end = s.iter().position(|&b| b == 0).unwrap_or(s.len());
        core::str::from_utf8(s.get(..end)?).ok()
    }

    /// The header length these fields encode to.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        MIN_HEADER_LEN
            + usize::from(self.security_credential_version.is_some())
            + if self.upgrade_file_destination.is_some() {
                8
            } else {
                0
            }
            + if self.hardware_versions.is_some() {
                4
            } else {
                0
            }
            + self.extra.len()
    }

    /// Encodes the header into `buf`. The field control must agree with the
    /// optional fields present.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        let fc = self.field_control;
        if fc.contains(HeaderFieldControl::SECURITY_CREDENTIAL_VERSION)
            != self.security_credential_version.is_some()
            || fc.contains(HeaderFieldControl::DEVICE_SPECIFIC)
                != self.upgrade_file_destination.is_some()
            || fc.contains(HeaderFieldControl::HARDWARE_VERSIONS)
                != self.hardware_versions.is_some()
        {
            return Err(EncodeError::InvalidValue {
                what: "OTA header field control disagrees with the optional fields",
            });
        }
        let len = self.encoded_len();
        let len16 = u16::try_from(len).map_err(|_| EncodeError::InvalidValue {
            what: "OTA header longer than 65535 octets",
        })?;
        encode_with(len, buf, |w: &mut Writer<'_>| {
            w.u32(FILE_IDENTIFIER)?;
            w.u16(self.header_version)?;
            w.u16(len16)?;
            w.u16(fc.0)?;
            w.u16(self.manufacturer_code)?;
            w.u16(self.image_type)?;
            w.u32(self.file_version)?;
            w.u16(self.stack_version)?;
            w.put(self.header_string)?;
            w.u32(self.total_image_size)?;
            if let Some(v) = self.security_credential_version {
                w.u8(v)?;
            }
            if let Some(e) = self.upgrade_file_destination {
                w.put(&e.to_le_bytes())?;
            }
            if let Some((min, max)) = self.hardware_versions {
                w.u16(min)?;
                w.u16(max)?;
            }
            w.put(self.extra)
        })
    }
}

/// A sub-element header (§11.4.3): what follows it is `length` octets of
/// data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagHeader {
    /// Tag identifier.
    pub id: TagId,
    /// Length of the data after this header.
    pub length: u32,
}

impl TagHeader {
    /// Decodes a sub-element header from its 6 octets (`offset` is its
    /// position in the file, for errors).
    pub fn decode(bytes: &[u8], offset: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes, offset);
        Ok(TagHeader {
            id: TagId::from(r.u16("OTA tag identifier")?),
            length: r.u32("OTA tag length")?,
        })
    }

    /// Encodes the 6 octets.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; TAG_HEADER_LEN] {
        let id = u16::from(self.id).to_le_bytes();
        let len = self.length.to_le_bytes();
        [id[0], id[1], len[0], len[1], len[2], len[3]]
    }
}

/// A sub-element of an image held in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag<'a> {
    /// Offset of the sub-element header in the file.
    pub offset: usize,
    /// Tag identifier.
    pub id: TagId,
    /// Its data.
    pub data: &'a [u8],
}

/// Iterates the sub-elements of a whole image file in memory; yields an
/// error (then stops) if a sub-element runs past the total image size or
/// the file ends early. Octets after the total image size are not read.
#[derive(Debug, Clone)]
pub struct Tags<'a> {
    file: &'a [u8],
    pos: usize,
    end: usize,
    failed: bool,
}

impl<'a> Tags<'a> {
    /// The sub-elements of `file`, whose header decodes as `header` with
    /// length `header_len`.
    #[must_use]
    pub fn new(file: &'a [u8], header: &ImageHeader<'_>, header_len: usize) -> Self {
        Tags {
            file,
            pos: header_len,
            end: usize::try_from(header.total_image_size).unwrap_or(usize::MAX),
            failed: false,
        }
    }
}

impl<'a> Iterator for Tags<'a> {
    type Item = Result<Tag<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.end {
            return None;
        }
        let at = self.pos;
        let step = (|| {
            if self.end - at < TAG_HEADER_LEN {
                return Err(DecodeError::InvalidValue {
                    offset: at,
                    what: "OTA tag header past the total image size",
                });
            }
            let h = TagHeader::decode(self.file.get(at..).unwrap_or_default(), at)?;
            let start = at + TAG_HEADER_LEN;
            let len = usize::try_from(h.length).unwrap_or(usize::MAX);
            if len > self.end - start {
                return Err(DecodeError::InvalidValue {
                    offset: at + 2,
                    what: "OTA tag length past the total image size",
                });
            }
            let data = self
                .file
                .get(start..start + len)
                .ok_or(DecodeError::Truncated {
                    offset: start,
                    what: "OTA tag data",
                    needed: len,
                    available: self.file.len().saturating_sub(start),
                })?;
            Ok((
                Tag {
                    offset: at,
                    id: h.id,
                    data,
                },
                start + len,
            ))
        })();
        match step {
            Ok((tag, next)) => {
                self.pos = next;
                Some(Ok(tag))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
