//! OTA Upgrade cluster commands (095264r23 §6.10, ZCL rev 7 chapter 11):
//! a public vector (zigpy), byte-exact frames laid out from the spec field
//! by field, proptest round trips of every command in both directions
//! through the typed structs, `SeCommand` and the generic table, arbitrary
//! payloads (`encode(decode(b)) == b`), truncation at every byte, and the
//! encoders' refusals.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::Eui64;
use dual_protocol_zcl_se::cluster::ota_upgrade::{
    self as ota, BlockFieldControl, BlockResponseBody, Command, ImageBlockRequest,
    ImageBlockResponse, ImageId, ImageNotify, ImageNotifyPayloadType, ImageOffer, ImagePageRequest,
    ImageUpgradeStatus, QueryDeviceSpecificFileRequest, QueryDeviceSpecificFileResponse,
    QueryFieldControl, QueryNextImageRequest, QueryNextImageResponse, UpgradeEndRequest,
    UpgradeEndResponse,
};
use dual_protocol_zcl_se::cluster::se::SeCommand;
use dual_protocol_zcl_se::{Context, DecodeError, Direction, EncodeError, Frame, Payload, Status};
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Decodes `frame` through the generic table and `SeCommand`, checks it
/// re-encodes byte for byte, and returns the typed command.
fn typed(frame: &[u8]) -> Command<'_> {
    let f = Frame::decode_with(frame, &Context::new(ota::ID)).unwrap();
    assert!(matches!(f.payload, Payload::Cluster(_)), "{:?}", f.payload);
    assert_eq!(f.encode_to_vec().unwrap(), frame);
    let Some(SeCommand::OtaUpgrade(c)) = SeCommand::from_frame(&f, ota::ID).unwrap() else {
        panic!("not an OTA command");
    };
    let mut out = vec![0u8; frame.len()];
    let n = c.encode_frame(f.header.tsn, f.header.disable_default_response, &mut out);
    if f.header.frame_control() == out[0] {
        assert_eq!(&out[..n.unwrap()], frame);
    }
    c
}

/// zigpy, tests/test_zcl_clusters.py, `test_ota_image_block_field_control`
/// (github.com/zigpy/zigpy): an Image Block Request whose field control
/// says only "minimum block period present" (0x02), so the period follows
/// the maximum data size directly with no request node address:
/// manufacturer 4107, image type 285, version 0x01001f00, offset 0,
/// maximum data size 64, minimum block period 0.
#[test]
fn zigpy_image_block_request_with_minimum_block_period_only() {
    let b = hex("01d403020b101d01001f000100000000400000");
    let Command::ImageBlockRequest(r) = typed(&b) else {
        panic!()
    };
    assert_eq!(r.field_control, BlockFieldControl::MINIMUM_BLOCK_PERIOD);
    assert_eq!(
        r.image,
        ImageId {
            manufacturer_code: 4107,
            image_type: 285,
            file_version: 0x0100_1f00
        }
    );
    assert_eq!(r.file_offset, 0);
    assert_eq!(r.maximum_data_size, 64);
    assert_eq!(r.request_node_address, None);
    assert_eq!(r.minimum_block_period, Some(0));
    assert!(r.trailing.is_empty());
}

/// Frames laid out field by field from 095264r23 §6.10 (no public capture
/// of these was found): (hex, cluster-specific header included).
const SPEC_FRAMES: &[(&str, &str)] = &[
    // Image Notify, payload type 3, jitter 100, mfr 0x1234, type 0x5678, version 0x01020304.
    ("image_notify", "19 01 00 03 64 3412 7856 04030201"),
    // Image Notify, payload type 0, jitter 50.
    ("image_notify", "19 02 00 00 32"),
    // Query Next Image Request with hardware version 0x0102.
    (
        "query_next_image_request",
        "01 03 01 01 3412 7856 01000000 0201",
    ),
    // Query Next Image Response SUCCESS: offer of 0x00010000 octets.
    (
        "query_next_image_response",
        "19 03 02 00 3412 7856 04030201 00000100",
    ),
    // Query Next Image Response NO_IMAGE_AVAILABLE: status only.
    ("query_next_image_response", "19 03 02 98"),
    // Image Block Request with request node address and minimum block period.
    (
        "image_block_request",
        "01 04 03 03 3412 7856 04030201 40000000 40 0807060504030201 e803",
    ),
    // Image Page Request: page 1024 octets, spacing 50 ms, no address.
    (
        "image_page_request",
        "01 05 04 00 3412 7856 04030201 00000000 40 0004 3200",
    ),
    // Image Block Response SUCCESS, 4 octets at 0x40.
    (
        "image_block_response",
        "19 04 05 00 3412 7856 04030201 40000000 04 deadbeef",
    ),
    // Image Block Response WAIT_FOR_DATA: now 1000, ask at 1010, period 250 ms.
    ("image_block_response", "19 04 05 97 e8030000 f2030000 fa00"),
    // The same from a server that omits the minimum block period.
    ("image_block_response", "19 04 05 97 e8030000 f2030000"),
    // Image Block Response ABORT.
    ("image_block_response", "19 04 05 95"),
    // Upgrade End Request INVALID_IMAGE.
    ("upgrade_end_request", "01 06 06 96 3412 7856 04030201"),
    // Upgrade End Response: wait for the upgrade command.
    (
        "upgrade_end_response",
        "19 06 07 3412 7856 04030201 00000000 ffffffff",
    ),
    // Query Device Specific File Request.
    (
        "query_device_specific_file_request",
        "01 07 08 0807060504030201 3412 c0ff 04030201 0200",
    ),
    // Query Device Specific File Response NOT_AUTHORIZED.
    ("query_device_specific_file_response", "19 07 09 7e"),
];

#[test]
fn spec_frames_decode_and_reencode() {
    for (name, h) in SPEC_FRAMES {
        let b = hex(h);
        let c = typed(&b);
        assert_eq!(c.name(), *name, "{h}");
    }
}

#[test]
fn spec_frames_fields() {
    let b = hex(SPEC_FRAMES[0].1);
    let Command::ImageNotify(n) = typed(&b) else {
        panic!()
    };
    assert_eq!(n.payload_type, ImageNotifyPayloadType::NewFileVersion);
    assert_eq!(n.query_jitter, 100);
    assert_eq!(n.manufacturer_code, Some(0x1234));
    assert_eq!(n.image_type, Some(0x5678));
    assert_eq!(n.new_file_version, Some(0x0102_0304));

    let b = hex(SPEC_FRAMES[4].1);
    let Command::QueryNextImageResponse(r) = typed(&b) else {
        panic!()
    };
    assert_eq!(r.status, Status::NoImageAvailable);
    assert_eq!(r.offer, None);

    let b = hex(SPEC_FRAMES[5].1);
    let Command::ImageBlockRequest(r) = typed(&b) else {
        panic!()
    };
    assert_eq!(
        r.request_node_address,
        Some("01:02:03:04:05:06:07:08".parse::<Eui64>().unwrap())
    );
    assert_eq!(r.minimum_block_period, Some(1000));

    let b = hex(SPEC_FRAMES[8].1);
    let Command::ImageBlockResponse(r) = typed(&b) else {
        panic!()
    };
    assert_eq!(
        r.body,
        BlockResponseBody::WaitForData {
            current_time: 1000,
            request_time: 1010,
            minimum_block_period: Some(250)
        }
    );
    let b = hex(SPEC_FRAMES[12].1);
    let Command::UpgradeEndResponse(r) = typed(&b) else {
        panic!()
    };
    assert_eq!(r.upgrade_time, ota::WAIT_FOR_UPGRADE_COMMAND);
    assert_eq!(
        Command::value_name(Direction::ServerToClient, 0x05, "status", 0x97),
        Some("wait_for_data")
    );
    assert_eq!(
        Command::value_name(Direction::ServerToClient, 0x00, "payload_type", 1),
        Some("query_jitter_and_manufacturer_code")
    );
}

/// How many octets of each spec frame's payload are mandatory: every
/// shorter payload fails with a truncation at or before the cut.
#[test]
fn truncation_at_every_byte() {
    let mandatory = [10, 2, 11, 13, 1, 24, 18, 18, 9, 9, 1, 9, 16, 18, 1];
    for ((_, h), need) in SPEC_FRAMES.iter().zip(mandatory) {
        let b = hex(h);
        let payload = &b[3..];
        let id = b[2];
        let dir = if b[0] & 0x08 != 0 {
            Direction::ServerToClient
        } else {
            Direction::ClientToServer
        };
        assert!(
            Command::decode(dir, id, &payload[..need]).is_ok(),
            "{h} at {need}"
        );
        for cut in 0..need {
            let e = Command::decode_at(dir, id, &payload[..cut], 3).unwrap_err();
            assert!(
                matches!(
                    e,
                    DecodeError::Truncated { .. } | DecodeError::StringTooLong { .. }
                ),
                "{h} cut {cut}: {e:?}"
            );
            assert!(e.offset() <= 3 + cut, "{h} cut {cut}: {e:?}");
        }
    }
}

#[test]
fn block_data_longer_than_the_frame_is_refused() {
    // Data size 5 but only 4 octets follow.
    let b = hex("00 3412 7856 04030201 40000000 05 deadbeef");
    let e = ImageBlockResponse::decode(&b).unwrap_err();
    assert_eq!(
        e,
        DecodeError::StringTooLong {
            offset: 13,
            what: "image data",
            declared: 5,
            available: 4
        }
    );
}

#[test]
fn encoders_refuse_inconsistent_structs() {
    let id = ImageId {
        manufacturer_code: 1,
        image_type: 2,
        file_version: 3,
    };
    let mut buf = [0u8; 64];
    let bad = |e: Result<usize, EncodeError>| {
        assert!(matches!(e, Err(EncodeError::InvalidValue { .. })), "{e:?}")
    };
    bad(ImageNotify {
        payload_type: ImageNotifyPayloadType::ImageType,
        query_jitter: 1,
        manufacturer_code: Some(1),
        image_type: None,
        new_file_version: None,
        trailing: &[],
    }
    .encode(&mut buf));
    bad(QueryNextImageRequest {
        field_control: QueryFieldControl::HARDWARE_VERSION,
        current: id,
        hardware_version: None,
        trailing: &[],
    }
    .encode(&mut buf));
    bad(QueryNextImageResponse {
        status: Status::NoImageAvailable,
        offer: Some(ImageOffer { id, image_size: 9 }),
        trailing: &[],
    }
    .encode(&mut buf));
    bad(QueryNextImageResponse {
        status: Status::Success,
        offer: None,
        trailing: &[],
    }
    .encode(&mut buf));
    bad(ImageBlockRequest {
        field_control: BlockFieldControl(0),
        image: id,
        file_offset: 0,
        maximum_data_size: 1,
        request_node_address: None,
        minimum_block_period: Some(1),
        trailing: &[],
    }
    .encode(&mut buf));
    bad(ImagePageRequest {
        field_control: BlockFieldControl::REQUEST_NODE_ADDRESS,
        image: id,
        file_offset: 0,
        maximum_data_size: 1,
        page_size: 1,
        response_spacing: 1,
        request_node_address: None,
        trailing: &[],
    }
    .encode(&mut buf));
    bad(ImageBlockResponse {
        status: Status::Abort,
        body: BlockResponseBody::Data {
            image: id,
            file_offset: 0,
            data: &[1],
        },
        trailing: &[],
    }
    .encode(&mut buf));
    bad(ImageBlockResponse {
        status: Status::Success,
        body: BlockResponseBody::Data {
            image: id,
            file_offset: 0,
            data: &[0; 256],
        },
        trailing: &[],
    }
    .encode(&mut [0u8; 300]));
    bad(QueryDeviceSpecificFileResponse {
        status: Status::Success,
        offer: None,
        trailing: &[],
    }
    .encode(&mut buf));
    // Too small a buffer says how much is needed.
    let r = UpgradeEndRequest {
        status: Status::Success,
        image: id,
        trailing: &[],
    };
    assert_eq!(
        r.encode(&mut [0u8; 8]),
        Err(EncodeError::BufferTooSmall { needed: 9 })
    );
}

#[test]
fn attribute_table_and_enums() {
    let ctx = Context::new(ota::ID);
    assert_eq!(ctx.cluster_name(), Some("OTA Upgrade"));
    let names: Vec<_> = ota::ATTRIBUTES.iter().map(|a| a.name).collect();
    assert_eq!(
        names,
        [
            "UpgradeServerID",
            "FileOffset",
            "CurrentFileVersion",
            "CurrentZigBeeStackVersion",
            "DownloadedFileVersion",
            "DownloadedZigBeeStackVersion",
            "ImageUpgradeStatus",
            "ManufacturerID",
            "ImageTypeID",
            "MinimumBlockPeriod",
            "ImageStamp",
            "UpgradeActivationPolicy",
            "UpgradeTimeoutPolicy"
        ]
    );
    assert_eq!(
        ImageUpgradeStatus::from(2),
        ImageUpgradeStatus::DownloadComplete
    );
    assert_eq!(
        ImageUpgradeStatus::from(6).name(),
        Some("waiting_to_upgrade_via_external_event")
    );
    assert_eq!(ImageUpgradeStatus::from(9), ImageUpgradeStatus::Unknown(9));
    assert_eq!(ota::COMMANDS.len(), 10);
}

fn id_s() -> impl Strategy<Value = ImageId> {
    (any::<u16>(), any::<u16>(), any::<u32>()).prop_map(|(m, t, v)| ImageId {
        manufacturer_code: m,
        image_type: t,
        file_version: v,
    })
}

fn offer_s() -> impl Strategy<Value = ImageOffer> {
    (id_s(), any::<u32>()).prop_map(|(id, image_size)| ImageOffer { id, image_size })
}

fn status_s() -> impl Strategy<Value = Status> {
    any::<u8>().prop_map(Status::from)
}

/// Encodes `c` as a frame, decodes it every way, and checks equality.
fn round_trip(c: Command<'_>, tsn: u8) {
    let mut buf = vec![0u8; c.encoded_len() + 3];
    let n = c.encode_frame(tsn, true, &mut buf).unwrap();
    assert_eq!(n, buf.len());
    let back = typed(&buf);
    assert_eq!(back, c);
    assert_eq!(
        Command::decode(c.direction(), c.id(), &buf[3..]).unwrap(),
        Some(c)
    );
    assert_eq!(c.encode_to_vec().unwrap(), buf[3..].to_vec());
}

proptest! {
    #[test]
    fn image_notify(pt in 0u8..6, jitter: u8, id in id_s(), tsn: u8) {
        let payload_type = ImageNotifyPayloadType::from(pt);
        let level = if pt <= 3 { pt } else { 0 };
        round_trip(ImageNotify {
            payload_type,
            query_jitter: jitter,
            manufacturer_code: (level >= 1).then_some(id.manufacturer_code),
            image_type: (level >= 2).then_some(id.image_type),
            new_file_version: (level >= 3).then_some(id.file_version),
            trailing: &[],
        }.into(), tsn);
    }

    #[test]
    fn query_next_image(id in id_s(), hw: Option<u16>, status in status_s(), offer in offer_s(), tsn: u8) {
        round_trip(QueryNextImageRequest {
            field_control: QueryFieldControl(u8::from(hw.is_some())),
            current: id,
            hardware_version: hw,
            trailing: &[],
        }.into(), tsn);
        round_trip(QueryNextImageResponse {
            status,
            offer: (status == Status::Success).then_some(offer),
            trailing: &[],
        }.into(), tsn);
        round_trip(QueryDeviceSpecificFileResponse {
            status,
            offer: (status == Status::Success).then_some(offer),
            trailing: &[],
        }.into(), tsn);
    }

    #[test]
    fn image_block_and_page_requests(
        id in id_s(), offset: u32, max: u8, addr: Option<[u8; 8]>, period: Option<u16>,
        page: u16, spacing: u16, tsn: u8,
    ) {
        let addr = addr.map(Eui64);
        let fc = u8::from(addr.is_some()) | (u8::from(period.is_some()) << 1);
        round_trip(ImageBlockRequest {
            field_control: BlockFieldControl(fc),
            image: id,
            file_offset: offset,
            maximum_data_size: max,
            request_node_address: addr,
            minimum_block_period: period,
            trailing: &[],
        }.into(), tsn);
        round_trip(ImagePageRequest {
            field_control: BlockFieldControl(u8::from(addr.is_some())),
            image: id,
            file_offset: offset,
            maximum_data_size: max,
            page_size: page,
            response_spacing: spacing,
            request_node_address: addr,
            trailing: &[],
        }.into(), tsn);
    }

    #[test]
    fn image_block_response(
        id in id_s(), offset: u32, data in proptest::collection::vec(any::<u8>(), 0..255),
        cur: u32, req: u32, period: Option<u16>, other in status_s(), tsn: u8,
    ) {
        round_trip(ImageBlockResponse {
            status: Status::Success,
            body: BlockResponseBody::Data { image: id, file_offset: offset, data: &data },
            trailing: &[],
        }.into(), tsn);
        round_trip(ImageBlockResponse {
            status: Status::WaitForData,
            body: BlockResponseBody::WaitForData {
                current_time: cur, request_time: req, minimum_block_period: period,
            },
            trailing: &[],
        }.into(), tsn);
        if other != Status::Success && other != Status::WaitForData {
            round_trip(ImageBlockResponse {
                status: other,
                body: BlockResponseBody::Empty,
                trailing: &[],
            }.into(), tsn);
        }
    }

    #[test]
    fn upgrade_end_and_device_specific(
        id in id_s(), status in status_s(), cur: u32, up: u32, addr: [u8; 8], stack: u16, tsn: u8,
    ) {
        round_trip(UpgradeEndRequest { status, image: id, trailing: &[] }.into(), tsn);
        round_trip(UpgradeEndResponse {
            image: id, current_time: cur, upgrade_time: up, trailing: &[],
        }.into(), tsn);
        round_trip(QueryDeviceSpecificFileRequest {
            request_node_address: Eui64(addr),
            file: id,
            zigbee_stack_version: stack,
            trailing: &[],
        }.into(), tsn);
    }

    /// Whatever payload decodes, for every command and direction,
    /// re-encodes to the same octets (trailing octets included).
    #[test]
    fn arbitrary_payloads_reencode(id in 0u8..12, s2c: bool, b in proptest::collection::vec(any::<u8>(), 0..80)) {
        let dir = if s2c { Direction::ServerToClient } else { Direction::ClientToServer };
        if let Ok(Some(c)) = Command::decode(dir, id, &b) {
            prop_assert_eq!(c.encode_to_vec().unwrap(), b);
        }
    }
}
