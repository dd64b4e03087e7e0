//! OTA Upgrade cluster, 0x0019 (ZigBee OTA Upgrade Cluster Specification
//! 095264r23 §6.10; ZCL rev 7 chapter 11): the attribute table and every
//! command, typed, in both directions.
//!
//! Several payloads have fields whose presence a field control, a payload
//! type or a status selects, which the linear `se_commands!` form cannot
//! express, so this module decodes them by hand (bounds-checked cursor, no
//! nom) while giving each struct the same shape as the generated ones
//! (`ID`, `DIRECTION`, `NAME`, `decode`, `decode_at`, `encoded_len`,
//! `encode`, `encode_frame`, `encode_to_vec`) and the cluster the same
//! [`Command`] enum, so [`super::se::SeCommand`] dispatches to it.
//!
//! The [`COMMANDS`] table (for [`crate::Frame::decode_with`] and `dualp`)
//! names every field that is always at the same place; where the layout
//! depends on a field control or a status, the table ends with a
//! remaining-octets field (`optional_fields`, `response`) and the typed
//! struct is authoritative.
//!
//! Every decoder keeps octets after the last field it knows in `trailing`,
//! so `encode(decode(b)) == b`; every encoder refuses a struct whose
//! optional fields disagree with its field control, payload type or status.

use dual_protocol_primitives::Eui64;

use super::{ClusterDef, attributes, command};
use crate::cursor::{Reader, Writer};
use crate::error::{DecodeError, EncodeError};
use crate::frame::Direction;
use crate::status::Status;

/// Cluster identifier.
pub const ID: u16 = 0x0019;

/// `UpgradeEndResponse::upgrade_time` meaning "wait for an upgrade command"
/// (§6.10.9.6).
pub const WAIT_FOR_UPGRADE_COMMAND: u32 = 0xffff_ffff;

/// Attributes (§6.7, table 11).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0000 "UpgradeServerID" IEEE_ADDRESS R,
    0x0001 "FileOffset" UINT32 R,
    0x0002 "CurrentFileVersion" UINT32 R,
    0x0003 "CurrentZigBeeStackVersion" UINT16 R,
    0x0004 "DownloadedFileVersion" UINT32 R,
    0x0005 "DownloadedZigBeeStackVersion" UINT16 R,
    0x0006 "ImageUpgradeStatus" ENUM8 R,
    0x0007 "ManufacturerID" UINT16 R,
    0x0008 "ImageTypeID" UINT16 R,
    0x0009 "MinimumBlockPeriod" UINT16 R,
    0x000a "ImageStamp" UINT32 R,
    0x000b "UpgradeActivationPolicy" ENUM8 R,
    0x000c "UpgradeTimeoutPolicy" ENUM8 R,
];

/// The command table (both directions, §6.10).
pub static COMMANDS: &[super::CommandDef<'static>] = &[
    command!(0x00, ServerToClient, "image_notify",
        "payload_type": ENUM8, "query_jitter": UINT8,
        "manufacturer_code" ? UINT16, "image_type" ? UINT16, "new_file_version" ? UINT32),
    command!(0x01, ClientToServer, "query_next_image_request",
        "field_control": BITMAP8, "manufacturer_code": UINT16, "image_type": UINT16,
        "current_file_version": UINT32, "hardware_version" ? UINT16),
    command!(0x02, ServerToClient, "query_next_image_response",
        "status": ENUM8, "manufacturer_code" ? UINT16, "image_type" ? UINT16,
        "file_version" ? UINT32, "image_size" ? UINT32),
    command!(0x03, ClientToServer, "image_block_request",
        "field_control": BITMAP8, "manufacturer_code": UINT16, "image_type": UINT16,
        "file_version": UINT32, "file_offset": UINT32, "maximum_data_size": UINT8,
        "optional_fields" ..),
    command!(0x04, ClientToServer, "image_page_request",
        "field_control": BITMAP8, "manufacturer_code": UINT16, "image_type": UINT16,
        "file_version": UINT32, "file_offset": UINT32, "maximum_data_size": UINT8,
        "page_size": UINT16, "response_spacing": UINT16,
        "request_node_address" ? IEEE_ADDRESS),
    command!(0x05, ServerToClient, "image_block_response", "status": ENUM8, "response" ..),
    command!(0x06, ClientToServer, "upgrade_end_request",
        "status": ENUM8, "manufacturer_code": UINT16, "image_type": UINT16,
        "file_version": UINT32),
    command!(0x07, ServerToClient, "upgrade_end_response",
        "manufacturer_code": UINT16, "image_type": UINT16, "file_version": UINT32,
        "current_time": UTC, "upgrade_time": UTC),
    command!(0x08, ClientToServer, "query_device_specific_file_request",
        "request_node_address": IEEE_ADDRESS, "manufacturer_code": UINT16,
        "image_type": UINT16, "file_version": UINT32, "zigbee_stack_version": UINT16),
    command!(0x09, ServerToClient, "query_device_specific_file_response",
        "status": ENUM8, "manufacturer_code" ? UINT16, "image_type" ? UINT16,
        "file_version" ? UINT32, "image_size" ? UINT32),
];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "OTA Upgrade",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::code_enum! {
    /// ImageUpgradeStatus attribute (§6.7.7, table 12).
    pub enum ImageUpgradeStatus: u8 {
        /// Normal.
        Normal = 0x00 => "normal",
        /// Download in progress.
        DownloadInProgress = 0x01 => "download_in_progress",
        /// Download complete.
        DownloadComplete = 0x02 => "download_complete",
        /// Waiting to upgrade.
        WaitingToUpgrade = 0x03 => "waiting_to_upgrade",
        /// Count down.
        CountDown = 0x04 => "count_down",
        /// Wait for more.
        WaitForMore = 0x05 => "wait_for_more",
        /// Waiting to upgrade via external event (ZCL rev 7).
        WaitingToUpgradeViaExternalEvent = 0x06 => "waiting_to_upgrade_via_external_event",
    }
}

crate::macros::code_enum! {
    /// UpgradeActivationPolicy attribute (ZCL rev 7 §11.10.12).
    pub enum UpgradeActivationPolicy: u8 {
        /// The OTA server may activate the upgrade.
        OtaServerActivationAllowed = 0x00 => "ota_server_activation_allowed",
        /// Out-of-band activation only.
        OutOfBandActivationOnly = 0x01 => "out_of_band_activation_only",
    }
}

crate::macros::code_enum! {
    /// UpgradeTimeoutPolicy attribute (ZCL rev 7 §11.10.13).
    pub enum UpgradeTimeoutPolicy: u8 {
        /// Apply the upgrade after the timeout.
        ApplyUpgradeAfterTimeout = 0x00 => "apply_upgrade_after_timeout",
        /// Do not apply the upgrade after the timeout.
        DoNotApplyUpgradeAfterTimeout = 0x01 => "do_not_apply_upgrade_after_timeout",
    }
}

crate::macros::code_enum! {
    /// Image Notify payload type (§6.10.3.2, table 17): which of the
    /// optional fields follow the query jitter.
    pub enum ImageNotifyPayloadType: u8 {
        /// Query jitter only.
        QueryJitter = 0x00 => "query_jitter",
        /// Query jitter and manufacturer code.
        ManufacturerCode = 0x01 => "query_jitter_and_manufacturer_code",
        /// Query jitter, manufacturer code and image type.
        ImageType = 0x02 => "query_jitter_manufacturer_code_and_image_type",
        /// Query jitter, manufacturer code, image type and new file version.
        NewFileVersion = 0x03 => "query_jitter_manufacturer_code_image_type_and_new_file_version",
    }
}

crate::macros::bitmap! {
    /// Query Next Image Request field control (§6.10.4.1.1).
    pub struct QueryFieldControl: u8 {
        /// The hardware version is present.
        const HARDWARE_VERSION = 0x01 => "hardware_version_present";
    }
}

crate::macros::bitmap! {
    /// Image Block / Image Page Request field control (§6.10.6.1.1,
    /// §6.10.7.1.1).
    pub struct BlockFieldControl: u8 {
        /// The request node's IEEE address is present.
        const REQUEST_NODE_ADDRESS = 0x01 => "request_node_address_present";
        /// The minimum block period is present (Image Block Request only).
        const MINIMUM_BLOCK_PERIOD = 0x02 => "minimum_block_period_present";
    }
}

/// The image an OTA command names: manufacturer code, image type, file
/// version (§6.10.2 and the header fields of §6.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ImageId {
    /// Manufacturer code (0xffff: any, in Image Notify and Upgrade End Response).
    pub manufacturer_code: u16,
    /// Image type (0xffff: any).
    pub image_type: u16,
    /// File version (0xffffffff: any).
    pub file_version: u32,
}

impl ImageId {
    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ImageId {
            manufacturer_code: r.u16("manufacturer code")?,
            image_type: r.u16("image type")?,
            file_version: r.u32("file version")?,
        })
    }

    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u16(self.manufacturer_code)?;
        w.u16(self.image_type)?;
        w.u32(self.file_version)
    }
}

/// The image a server offers in a (device specific file) query response:
/// its identity and total size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ImageOffer {
    /// The image.
    pub id: ImageId,
    /// Total image size (the OTA file, header included).
    pub image_size: u32,
}

/// Image Notify (0x00, server to client, §6.10.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageNotify<'a> {
    /// Which optional fields follow.
    pub payload_type: ImageNotifyPayloadType,
    /// Query jitter, 1-100: the percentage of notified clients that should
    /// query.
    pub query_jitter: u8,
    /// Manufacturer code (payload types 1-3).
    pub manufacturer_code: Option<u16>,
    /// Image type (payload types 2-3).
    pub image_type: Option<u16>,
    /// New file version (payload type 3).
    pub new_file_version: Option<u32>,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Query Next Image Request (0x01, client to server, §6.10.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryNextImageRequest<'a> {
    /// Field control.
    pub field_control: QueryFieldControl,
    /// The client's current image.
    pub current: ImageId,
    /// Hardware version (when the field control says so).
    pub hardware_version: Option<u16>,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Query Next Image Response (0x02, server to client, §6.10.5): the offer
/// only when the status is SUCCESS (otherwise NO_IMAGE_AVAILABLE or
/// NOT_AUTHORIZED, status only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryNextImageResponse<'a> {
    /// Status.
    pub status: Status,
    /// The offered image (present exactly when `status` is SUCCESS).
    pub offer: Option<ImageOffer>,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Image Block Request (0x03, client to server, §6.10.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageBlockRequest<'a> {
    /// Field control.
    pub field_control: BlockFieldControl,
    /// The image being downloaded.
    pub image: ImageId,
    /// Offset of the requested block in the file.
    pub file_offset: u32,
    /// Largest data size the client accepts.
    pub maximum_data_size: u8,
    /// The client's IEEE address (when the field control says so).
    pub request_node_address: Option<Eui64>,
    /// The client's current minimum block period, milliseconds (when the
    /// field control says so).
    pub minimum_block_period: Option<u16>,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Image Page Request (0x04, client to server, §6.10.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImagePageRequest<'a> {
    /// Field control.
    pub field_control: BlockFieldControl,
    /// The image being downloaded.
    pub image: ImageId,
    /// Offset of the page in the file.
    pub file_offset: u32,
    /// Largest data size per Image Block Response.
    pub maximum_data_size: u8,
    /// Octets the server should send for this page.
    pub page_size: u16,
    /// Milliseconds between the server's Image Block Responses.
    pub response_spacing: u16,
    /// The client's IEEE address (when the field control says so).
    pub request_node_address: Option<Eui64>,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// The status-dependent part of an Image Block Response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockResponseBody<'a> {
    /// SUCCESS: a block of the image.
    Data {
        /// The image.
        image: ImageId,
        /// Offset of the block in the file.
        file_offset: u32,
        /// The block (its length is the data size field).
        data: &'a [u8],
    },
    /// WAIT_FOR_DATA: ask again at `request_time` (UTC seconds, or
    /// `request_time - current_time` seconds from now when the server has
    /// no clock).
    WaitForData {
        /// The server's current time.
        current_time: u32,
        /// When to ask again.
        request_time: u32,
        /// The minimum block period the client must use from now on,
        /// milliseconds (absent in older servers' frames).
        minimum_block_period: Option<u16>,
    },
    /// ABORT or another status: no more fields.
    Empty,
}

/// Image Block Response (0x05, server to client, §6.10.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageBlockResponse<'a> {
    /// Status: SUCCESS, WAIT_FOR_DATA or ABORT.
    pub status: Status,
    /// The fields the status selects.
    pub body: BlockResponseBody<'a>,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Upgrade End Request (0x06, client to server, §6.10.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeEndRequest<'a> {
    /// SUCCESS, INVALID_IMAGE, REQUIRE_MORE_IMAGE or ABORT.
    pub status: Status,
    /// The downloaded image.
    pub image: ImageId,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Upgrade End Response (0x07, server to client, §6.10.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeEndResponse<'a> {
    /// The image to activate (wildcards 0xffff / 0xffffffff allowed).
    pub image: ImageId,
    /// The server's current time (UTC seconds, or 0 for relative times).
    pub current_time: u32,
    /// When to upgrade: equal to or before `current_time` means now;
    /// [`WAIT_FOR_UPGRADE_COMMAND`] means wait for another Upgrade End
    /// Response.
    pub upgrade_time: u32,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Query Device Specific File Request (0x08, client to server, §6.10.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryDeviceSpecificFileRequest<'a> {
    /// The requesting device's IEEE address.
    pub request_node_address: Eui64,
    /// The file asked for.
    pub file: ImageId,
    /// The device's ZigBee stack version.
    pub zigbee_stack_version: u16,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// Query Device Specific File Response (0x09, server to client,
/// §6.10.12): the file only when the status is SUCCESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryDeviceSpecificFileResponse<'a> {
    /// Status.
    pub status: Status,
    /// The file (present exactly when `status` is SUCCESS).
    pub offer: Option<ImageOffer>,
    /// Octets after the known fields, kept.
    pub trailing: &'a [u8],
}

/// One command payload's hand codec; the shared methods come from
/// `ota_commands!`.
trait Body<'a>: Sized {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError>;
    fn body_len(&self) -> usize;
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;
    fn trailing(&self) -> &'a [u8];
}

fn bad(what: &'static str) -> EncodeError {
    EncodeError::InvalidValue { what }
}

fn read_offer(r: &mut Reader<'_>, status: Status) -> Result<Option<ImageOffer>, DecodeError> {
    if status != Status::Success {
        return Ok(None);
    }
    Ok(Some(ImageOffer {
        id: ImageId::read(r)?,
        image_size: r.u32("image size")?,
    }))
}

fn write_offer(
    w: &mut Writer<'_>,
    status: Status,
    offer: &Option<ImageOffer>,
) -> Result<(), EncodeError> {
    w.u8(status.into())?;
    match (status == Status::Success, offer) {
        (true, Some(o)) => {
            o.id.write(w)?;
            w.u32(o.image_size)
        }
        (false, None) => Ok(()),
        _ => Err(bad("query response: offer present exactly when SUCCESS")),
    }
}

impl<'a> Body<'a> for ImageNotify<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let payload_type = ImageNotifyPayloadType::from(r.u8("payload type")?);
        let query_jitter = r.u8("query jitter")?;
        let level = match payload_type {
            ImageNotifyPayloadType::Unknown(_) => 0,
            t => u8::from(t),
        };
        let manufacturer_code = if level >= 1 {
            Some(r.u16("manufacturer code")?)
        } else {
            None
        };
        let image_type = if level >= 2 {
            Some(r.u16("image type")?)
        } else {
            None
        };
        let new_file_version = if level >= 3 {
            Some(r.u32("new file version")?)
        } else {
            None
        };
        Ok(ImageNotify {
            payload_type,
            query_jitter,
            manufacturer_code,
            image_type,
            new_file_version,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        2 + self.manufacturer_code.map_or(0, |_| 2)
            + self.image_type.map_or(0, |_| 2)
            + self.new_file_version.map_or(0, |_| 4)
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let level = match self.payload_type {
            ImageNotifyPayloadType::Unknown(_) => 0,
            t => u8::from(t),
        };
        if self.manufacturer_code.is_some() != (level >= 1)
            || self.image_type.is_some() != (level >= 2)
            || self.new_file_version.is_some() != (level >= 3)
        {
            return Err(bad("image notify: fields disagree with the payload type"));
        }
        w.u8(self.payload_type.into())?;
        w.u8(self.query_jitter)?;
        if let Some(m) = self.manufacturer_code {
            w.u16(m)?;
        }
        if let Some(t) = self.image_type {
            w.u16(t)?;
        }
        if let Some(v) = self.new_file_version {
            w.u32(v)?;
        }
        Ok(())
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

impl<'a> Body<'a> for QueryNextImageRequest<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let field_control = QueryFieldControl(r.u8("field control")?);
        let current = ImageId::read(r)?;
        let hardware_version = if field_control.contains(QueryFieldControl::HARDWARE_VERSION) {
            Some(r.u16("hardware version")?)
        } else {
            None
        };
        Ok(QueryNextImageRequest {
            field_control,
            current,
            hardware_version,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        9 + self.hardware_version.map_or(0, |_| 2)
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self
            .field_control
            .contains(QueryFieldControl::HARDWARE_VERSION)
            != self.hardware_version.is_some()
        {
            return Err(bad("query next image: hardware version vs field control"));
        }
        w.u8(self.field_control.0)?;
        self.current.write(w)?;
        if let Some(h) = self.hardware_version {
            w.u16(h)?;
        }
        Ok(())
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

/// The codec of the two "status, then an offer on SUCCESS" responses
/// (Query Next Image Response, Query Device Specific File Response).
macro_rules! offer_response_body {
    ($($t:ident),*) => {$(
    impl<'a> Body<'a> for $t<'a> {
        fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
            let status = Status::from(r.u8("status")?);
            let offer = read_offer(r, status)?;
            Ok($t {
                status,
                offer,
                trailing: r.rest(),
            })
        }
        fn body_len(&self) -> usize {
            1 + self.offer.map_or(0, |_| 12)
        }
        fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
            write_offer(w, self.status, &self.offer)
        }
        fn trailing(&self) -> &'a [u8] {
            self.trailing
        }
    }
    )*};
}

offer_response_body!(QueryNextImageResponse, QueryDeviceSpecificFileResponse);

impl<'a> Body<'a> for ImageBlockRequest<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let field_control = BlockFieldControl(r.u8("field control")?);
        let image = ImageId::read(r)?;
        let file_offset = r.u32("file offset")?;
        let maximum_data_size = r.u8("maximum data size")?;
        let request_node_address =
            if field_control.contains(BlockFieldControl::REQUEST_NODE_ADDRESS) {
                Some(Eui64::from_le_bytes(r.array("request node address")?))
            } else {
                None
            };
        let minimum_block_period =
            if field_control.contains(BlockFieldControl::MINIMUM_BLOCK_PERIOD) {
                Some(r.u16("minimum block period")?)
            } else {
                None
            };
        Ok(ImageBlockRequest {
            field_control,
            image,
            file_offset,
            maximum_data_size,
            request_node_address,
            minimum_block_period,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        14 + self.request_node_address.map_or(0, |_| 8) + self.minimum_block_period.map_or(0, |_| 2)
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let fc = self.field_control;
        if fc.contains(BlockFieldControl::REQUEST_NODE_ADDRESS)
            != self.request_node_address.is_some()
            || fc.contains(BlockFieldControl::MINIMUM_BLOCK_PERIOD)
                != self.minimum_block_period.is_some()
        {
            return Err(bad("image block request: optional fields vs field control"));
        }
        w.u8(fc.0)?;
        self.image.write(w)?;
        w.u32(self.file_offset)?;
        w.u8(self.maximum_data_size)?;
        if let Some(a) = self.request_node_address {
            w.put(&a.to_le_bytes())?;
        }
        if let Some(p) = self.minimum_block_period {
            w.u16(p)?;
        }
        Ok(())
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

impl<'a> Body<'a> for ImagePageRequest<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let field_control = BlockFieldControl(r.u8("field control")?);
        let image = ImageId::read(r)?;
        let file_offset = r.u32("file offset")?;
        let maximum_data_size = r.u8("maximum data size")?;
        let page_size = r.u16("page size")?;
        let response_spacing = r.u16("response spacing")?;
        let request_node_address =
            if field_control.contains(BlockFieldControl::REQUEST_NODE_ADDRESS) {
                Some(Eui64::from_le_bytes(r.array("request node address")?))
            } else {
                None
            };
        Ok(ImagePageRequest {
            field_control,
            image,
            file_offset,
            maximum_data_size,
            page_size,
            response_spacing,
            request_node_address,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        18 + self.request_node_address.map_or(0, |_| 8)
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self
            .field_control
            .contains(BlockFieldControl::REQUEST_NODE_ADDRESS)
            != self.request_node_address.is_some()
        {
            return Err(bad(
                "image page request: request node address vs field control",
            ));
        }
        w.u8(self.field_control.0)?;
        self.image.write(w)?;
        w.u32(self.file_offset)?;
        w.u8(self.maximum_data_size)?;
        w.u16(self.page_size)?;
        w.u16(self.response_spacing)?;
        if let Some(a) = self.request_node_address {
            w.put(&a.to_le_bytes())?;
        }
        Ok(())
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

impl<'a> Body<'a> for ImageBlockResponse<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let status = Status::from(r.u8("status")?);
        let body = match status {
            Status::Success => {
                let image = ImageId::read(r)?;
                let file_offset = r.u32("file offset")?;
                let size_at = r.offset();
                let n = usize::from(r.u8("data size")?);
                if n > r.remaining() {
                    return Err(DecodeError::StringTooLong {
                        offset: size_at,
                        what: "image data",
                        declared: n,
                        available: r.remaining(),
                    });
                }
                BlockResponseBody::Data {
                    image,
                    file_offset,
                    data: r.take(n, "image data")?,
                }
            }
            Status::WaitForData => {
                let current_time = r.u32("current time")?;
                let request_time = r.u32("request time")?;
                let minimum_block_period = if r.remaining() >= 2 {
                    Some(r.u16("minimum block period")?)
                } else {
                    None
                };
                BlockResponseBody::WaitForData {
                    current_time,
                    request_time,
                    minimum_block_period,
                }
            }
            _ => BlockResponseBody::Empty,
        };
        Ok(ImageBlockResponse {
            status,
            body,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        1 + match self.body {
            BlockResponseBody::Data { data, .. } => 13 + data.len(),
            BlockResponseBody::WaitForData {
                minimum_block_period,
                ..
            } => 8 + minimum_block_period.map_or(0, |_| 2),
            BlockResponseBody::Empty => 0,
        }
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.status.into())?;
        match (self.status, &self.body) {
            (
                Status::Success,
                BlockResponseBody::Data {
                    image,
                    file_offset,
                    data,
                },
            ) => {
                let n = u8::try_from(data.len())
                    .map_err(|_| bad("image block longer than 255 octets"))?;
                image.write(w)?;
                w.u32(*file_offset)?;
                w.u8(n)?;
                w.put(data)
            }
            (
                Status::WaitForData,
                BlockResponseBody::WaitForData {
                    current_time,
                    request_time,
                    minimum_block_period,
                },
            ) => {
                if minimum_block_period.is_none() && self.trailing.len() >= 2 {
                    return Err(bad("octets after an absent minimum block period"));
                }
                w.u32(*current_time)?;
                w.u32(*request_time)?;
                if let Some(p) = minimum_block_period {
                    w.u16(*p)?;
                }
                Ok(())
            }
            (s, BlockResponseBody::Empty) if s != Status::Success && s != Status::WaitForData => {
                Ok(())
            }
            _ => Err(bad("image block response: body disagrees with the status")),
        }
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

impl<'a> Body<'a> for UpgradeEndRequest<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(UpgradeEndRequest {
            status: Status::from(r.u8("status")?),
            image: ImageId::read(r)?,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        9
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(self.status.into())?;
        self.image.write(w)
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

impl<'a> Body<'a> for UpgradeEndResponse<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(UpgradeEndResponse {
            image: ImageId::read(r)?,
            current_time: r.u32("current time")?,
            upgrade_time: r.u32("upgrade time")?,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        16
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.image.write(w)?;
        w.u32(self.current_time)?;
        w.u32(self.upgrade_time)
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

impl<'a> Body<'a> for QueryDeviceSpecificFileRequest<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(QueryDeviceSpecificFileRequest {
            request_node_address: Eui64::from_le_bytes(r.array("request node address")?),
            file: ImageId::read(r)?,
            zigbee_stack_version: r.u16("ZigBee stack version")?,
            trailing: r.rest(),
        })
    }
    fn body_len(&self) -> usize {
        18
    }
    fn write_body(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.put(&self.request_node_address.to_le_bytes())?;
        self.file.write(w)?;
        w.u16(self.zigbee_stack_version)
    }
    fn trailing(&self) -> &'a [u8] {
        self.trailing
    }
}

/// The name of raw value `raw` of a named field of this cluster's commands.
fn field_value_name(field: &str, raw: u64) -> Option<&'static str> {
    let v = u8::try_from(raw).ok()?;
    match field {
        "status" => Status::from(v).name(),
        "payload_type" => ImageNotifyPayloadType::from(v).name(),
        _ => None,
    }
}

macro_rules! ota_commands {
    ($( $id:literal $dir:ident $name:literal $st:ident, )*) => {
        $(
            impl<'a> $st<'a> {
                /// Command identifier.
                pub const ID: u8 = $id;
                /// Direction the command travels.
                pub const DIRECTION: Direction = Direction::$dir;
                /// Name, as the cluster table and `dualp` spell it.
                pub const NAME: &'static str = $name;

                /// The name of raw value `raw` of field `field` when the
                /// field is a named enumeration (`status`, `payload_type`).
                #[must_use]
                pub fn value_name(field: &str, raw: u64) -> Option<&'static str> {
                    field_value_name(field, raw)
                }

                /// Decodes the command payload (after the ZCL header).
                pub fn decode(payload: &'a [u8]) -> Result<Self, DecodeError> {
                    Self::decode_at(payload, 0)
                }

                /// Decodes the payload whose first octet is at absolute
                /// offset `base` (errors report absolute offsets).
                pub fn decode_at(payload: &'a [u8], base: usize) -> Result<Self, DecodeError> {
                    let mut r = Reader::new(payload, base);
                    <Self as Body<'a>>::read(&mut r)
                }

                /// Length of the encoded payload.
                #[must_use]
                pub fn encoded_len(&self) -> usize {
                    self.body_len() + Body::trailing(self).len()
                }

                fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                    self.write_body(w)?;
                    w.put(Body::trailing(self))
                }

                /// Encodes the payload into `buf`; returns its length.
                pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
                    crate::cursor::encode_with(self.encoded_len(), buf, |w| self.write(w))
                }

                /// Encodes a whole ZCL frame (cluster-specific, not
                /// manufacturer specific) into `buf`; returns its length.
                pub fn encode_frame(
                    &self,
                    tsn: u8,
                    disable_default_response: bool,
                    buf: &mut [u8],
                ) -> Result<usize, EncodeError> {
                    super::typed::encode_frame(
                        Direction::$dir,
                        $id,
                        tsn,
                        disable_default_response,
                        self.encoded_len(),
                        buf,
                        |w| self.write(w),
                    )
                }

                /// Encodes the payload into a new vector.
                #[cfg(feature = "alloc")]
                pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, EncodeError> {
                    let mut v = alloc::vec![0u8; self.encoded_len()];
                    let n = self.encode(&mut v)?;
                    v.truncate(n);
                    Ok(v)
                }
            }

            impl<'a> From<$st<'a>> for Command<'a> {
                fn from(c: $st<'a>) -> Self {
                    Command::$st(c)
                }
            }
        )*

        /// Any OTA Upgrade command, typed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Command<'a> {
            $(
                #[doc = concat!("`", $name, "`.")]
                $st($st<'a>),
            )*
        }

        impl<'a> Command<'a> {
            /// Decodes command `id` travelling in `direction`; `Ok(None)` for
            /// an identifier this cluster does not define.
            pub fn decode(
                direction: Direction,
                id: u8,
                payload: &'a [u8],
            ) -> Result<Option<Self>, DecodeError> {
                Self::decode_at(direction, id, payload, 0)
            }

            /// As [`Command::decode`], with the payload's absolute offset.
            pub fn decode_at(
                direction: Direction,
                id: u8,
                payload: &'a [u8],
                base: usize,
            ) -> Result<Option<Self>, DecodeError> {
                $(
                    if id == $id && direction == Direction::$dir {
                        return $st::decode_at(payload, base).map(|c| Some(Command::$st(c)));
                    }
                )*
                Ok(None)
            }

            /// The name of raw value `raw` of field `field` of command `id`.
            #[must_use]
            pub fn value_name(
                direction: Direction,
                id: u8,
                field: &str,
                raw: u64,
            ) -> Option<&'static str> {
                $(
                    if id == $id && direction == Direction::$dir {
                        return $st::value_name(field, raw);
                    }
                )*
                None
            }

            /// Command identifier.
            #[must_use]
            pub const fn id(&self) -> u8 {
                match self { $( Command::$st(_) => $id, )* }
            }

            /// Direction.
            #[must_use]
            pub const fn direction(&self) -> Direction {
                match self { $( Command::$st(_) => Direction::$dir, )* }
            }

            /// Name.
            #[must_use]
            pub const fn name(&self) -> &'static str {
                match self { $( Command::$st(_) => $name, )* }
            }

            /// Length of the encoded payload.
            #[must_use]
            pub fn encoded_len(&self) -> usize {
                match self { $( Command::$st(c) => c.encoded_len(), )* }
            }

            /// Encodes the payload into `buf`; returns its length.
            pub fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
                match self { $( Command::$st(c) => c.encode(buf), )* }
            }

            /// Encodes a whole ZCL frame.
            pub fn encode_frame(
                &self,
                tsn: u8,
                disable_default_response: bool,
                buf: &mut [u8],
            ) -> Result<usize, EncodeError> {
                match self {
                    $( Command::$st(c) => c.encode_frame(tsn, disable_default_response, buf), )*
                }
            }

            /// Encodes the payload into a new vector.
            #[cfg(feature = "alloc")]
            pub fn encode_to_vec(&self) -> Result<alloc::vec::Vec<u8>, EncodeError> {
                match self { $( Command::$st(c) => c.encode_to_vec(), )* }
            }
        }
    };
}

ota_commands! {
    0x00 ServerToClient "image_notify" ImageNotify,
    0x01 ClientToServer "query_next_image_request" QueryNextImageRequest,
    0x02 ServerToClient "query_next_image_response" QueryNextImageResponse,
    0x03 ClientToServer "image_block_request" ImageBlockRequest,
    0x04 ClientToServer "image_page_request" ImagePageRequest,
    0x05 ServerToClient "image_block_response" ImageBlockResponse,
    0x06 ClientToServer "upgrade_end_request" UpgradeEndRequest,
    0x07 ServerToClient "upgrade_end_response" UpgradeEndResponse,
    0x08 ClientToServer "query_device_specific_file_request" QueryDeviceSpecificFileRequest,
    0x09 ServerToClient "query_device_specific_file_response" QueryDeviceSpecificFileResponse,
}
