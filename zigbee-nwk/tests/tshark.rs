//! Interoperability with a real dissector: frames built field by field and
//! encoded by this crate are written to a pcap (link type 195, FCS
//! appended by our encoder) and dissected by Wireshark's `tshark -T json`;
//! every packet must dissect without a malformed-packet marker or an
//! error-severity expert item, and with the field values we encoded.
//!
//! Skipped when `tshark` is not installed, unless `DP_REQUIRE_TSHARK=1`
//! (set by `.ci/run`), in which case a missing tshark fails the test.
// Built with the default features (the frames are assembled with `encode_to_vec`).
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::aps::{
    ApsBody, ApsCommand, ApsCommandFrame, ApsFrame, ApsFrameControl, ApsFrameType, ApsHeader,
    DeliveryMode, KeyBytes, KeyDescriptor, KeyType,
};
use dual_protocol_zigbee_nwk::mac::{
    AddressingMode, Beacon, CapabilityInformation, FrameControl, FrameType, FrameVersion,
    HeaderIes, MacAddress, MacBody, MacCommand, MacContext, MacFrame, PayloadIes, SuperframeSpec,
};
use dual_protocol_zigbee_nwk::nwk::{
    BeaconPayload, DiscoverRoute, NwkBody, NwkCommand, NwkCommandFrame, NwkFrame, NwkFrameControl,
    NwkFrameType, NwkHeader, SourceRoute,
};
use dual_protocol_zigbee_nwk::types::List;
use dual_protocol_zigbee_nwk::zdo::{ZdoFrame, ZdoMessage};
use dual_protocol_zigbee_nwk::{PanId, ShortAddr};
use serde_json::Value;
use std::process::Command;

const PAN: PanId = PanId(0x1a62);
const COORD: Eui64 = Eui64([0x00, 0x12, 0x4b, 0x00, 0x26, 0xd1, 0x5e, 0x0e]);
const DEVICE: Eui64 = Eui64([0xa4, 0xc1, 0x38, 0x6d, 0x9b, 0x28, 0x0f, 0xdf]);

fn mac_fc(
    frame_type: FrameType,
    dst: AddressingMode,
    src: AddressingMode,
    comp: bool,
    ack: bool,
) -> FrameControl {
    FrameControl {
        frame_type,
        security_enabled: false,
        frame_pending: false,
        ack_request: ack,
        pan_id_compression: comp,
        reserved: false,
        sequence_number_suppression: false,
        ie_present: false,
        dst_mode: dst,
        version: FrameVersion::Ieee2003,
        src_mode: src,
    }
}

fn with_fcs(f: &MacFrame<'_>) -> Vec<u8> {
    let mut b = vec![0u8; 256];
    let n = f.encode_with(&mut b, &MacContext { fcs: true }).unwrap();
    b.truncate(n);
    b
}

fn data_frame(seq: u8, dst: u16, src: u16, nwk: &[u8]) -> Vec<u8> {
    let f = MacFrame {
        frame_control: mac_fc(
            FrameType::Data,
            AddressingMode::Short,
            AddressingMode::Short,
            true,
            dst != 0xffff,
        ),
        sequence: Some(seq),
        dst_pan: Some(PAN),
        dst: Some(MacAddress::Short(ShortAddr(dst))),
        src_pan: None,
        src: Some(MacAddress::Short(ShortAddr(src))),
        security: None,
        header_ies: HeaderIes::default(),
        payload_ies: PayloadIes::default(),
        body: MacBody::Data(nwk),
    };
    with_fcs(&f)
}

fn nwk_fc(frame_type: NwkFrameType) -> NwkFrameControl {
    NwkFrameControl {
        frame_type,
        protocol_version: 2,
        discover_route: DiscoverRoute::Suppress,
        multicast: false,
        security: false,
        source_route: false,
        dst_ieee: false,
        src_ieee: false,
        end_device_initiator: false,
        reserved: 0,
    }
}

fn nwk(h: NwkHeader<'_>, body: NwkBody<'_>) -> Vec<u8> {
    NwkFrame { header: h, body }.encode_to_vec().unwrap()
}

fn header(fc: NwkFrameControl, dst: u16, src: u16, radius: u8, seq: u8) -> NwkHeader<'static> {
    NwkHeader {
        frame_control: fc,
        dst: ShortAddr(dst),
        src: ShortAddr(src),
        radius,
        sequence: seq,
        dst_ieee: None,
        src_ieee: None,
        multicast_control: None,
        source_route: None,
    }
}

fn aps_data(cluster: u16, profile: u16, counter: u8, payload: &[u8]) -> Vec<u8> {
    ApsFrame {
        header: ApsHeader {
            frame_control: ApsFrameControl {
                frame_type: ApsFrameType::Data,
                delivery: DeliveryMode::Unicast,
                ack_format: false,
                security: false,
                ack_request: false,
                extended_header: false,
            },
            dst_endpoint: Some(0),
            group: None,
            cluster: Some(cluster),
            profile: Some(profile),
            src_endpoint: Some(0),
            counter: Some(counter),
            extended: None,
        },
        body: ApsBody::Payload(payload),
    }
    .encode_to_vec()
    .unwrap()
}

/// A frame and the `(tshark field, expected value)` pairs it must show.
type Case = (Vec<u8>, Vec<(&'static str, String)>);

/// The frames.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();

    // 1. Beacon with the ZigBee beacon payload.
    let payload = BeaconPayload {
        protocol_id: 0,
        stack_profile: 2,
        protocol_version: 2,
        reserved: 0,
        router_capacity: true,
        device_depth: 0,
        end_device_capacity: true,
        extended_pan_id: COORD,
        tx_offset: 0xff_ffff,
        update_id: Some(3),
        trailing: &[],
    }
    .encode_to_vec()
    .unwrap();
    let beacon = MacFrame {
        frame_control: mac_fc(
            FrameType::Beacon,
            AddressingMode::None,
            AddressingMode::Short,
            false,
            false,
        ),
        sequence: Some(0x89),
        dst_pan: None,
        dst: None,
        src_pan: Some(PAN),
        src: Some(MacAddress::Short(ShortAddr(0))),
        security: None,
        header_ies: HeaderIes::default(),
        payload_ies: PayloadIes::default(),
        body: MacBody::Beacon(Beacon {
            superframe: SuperframeSpec(0xcfff),
            gts_permit: false,
            gts_reserved: 0,
            gts_directions: 0,
            gts_descriptors: List::empty(),
            pending_reserved: 0,
            pending_short: List::empty(),
            pending_extended: List::empty(),
            payload: &payload,
        }),
    };
    out.push((
        with_fcs(&beacon),
        vec![
            ("wpan.seq_no", "137".into()),
            ("wpan.src_pan", "0x1a62".into()),
            ("wpan.assoc_permit", "1".into()),
            ("zbee_beacon.depth", "0".into()),
            ("zbee_beacon.ext_panid", COORD.to_string()),
            ("zbee_beacon.update_id", "3".into()),
        ],
    ));

    // 2. Association request: extended source, no source PAN, broadcast PAN.
    let assoc = MacFrame {
        frame_control: mac_fc(
            FrameType::Command,
            AddressingMode::Short,
            AddressingMode::Extended,
            false,
            true,
        ),
        sequence: Some(116),
        dst_pan: Some(PAN),
        dst: Some(MacAddress::Short(ShortAddr(0))),
        src_pan: Some(PanId::BROADCAST),
        src: Some(MacAddress::Extended(DEVICE)),
        security: None,
        header_ies: HeaderIes::default(),
        payload_ies: PayloadIes::default(),
        body: MacBody::Command(MacCommand::AssociationRequest(CapabilityInformation(0x8e))),
    };
    out.push((
        with_fcs(&assoc),
        vec![
            ("wpan.cmd", "0x01".into()),
            ("wpan.src64", DEVICE.to_string()),
            ("wpan.cinfo.alloc_addr", "1".into()),
        ],
    ));

    // 3. NWK link status command (unsecured) to the routers broadcast.
    let entries = [0x34u8, 0x12, 0x71, 0xcd, 0xab, 0x33];
    let ls = NwkCommandFrame {
        command: NwkCommand::LinkStatus {
            first_frame: true,
            last_frame: true,
            reserved: false,
            entries: List::new(&entries).unwrap(),
        },
        tlvs: &[],
    };
    let n = nwk(
        header(nwk_fc(NwkFrameType::Command), 0xfffc, 0x1111, 1, 5),
        NwkBody::Command(ls),
    );
    out.push((
        data_frame(1, 0xffff, 0x1111, &n),
        vec![
            ("zbee_nwk.dst", "0xfffc".into()),
            ("zbee_nwk.src", "0x1111".into()),
            ("zbee_nwk.radius", "1".into()),
            ("zbee_nwk.seqno", "5".into()),
            ("zbee_nwk.cmd.id", "0x08".into()),
        ],
    ));

    // 4. Many-to-one route request with a destination IEEE address omitted.
    let rr = NwkCommandFrame {
        command: NwkCommand::RouteRequest {
            options: 0x08,
            id: 0xef,
            dst: ShortAddr(0xfffc),
            path_cost: 0,
            dst_ieee: None,
        },
        tlvs: &[],
    };
    let mut h = header(nwk_fc(NwkFrameType::Command), 0xfffc, 0x0000, 30, 6);
    h.frame_control.src_ieee = true;
    h.src_ieee = Some(COORD);
    let n = nwk(h, NwkBody::Command(rr));
    out.push((
        data_frame(2, 0xffff, 0x0000, &n),
        vec![
            ("zbee_nwk.cmd.id", "0x01".into()),
            ("zbee_nwk.cmd.route.id", "239".into()),
            ("zbee_nwk.src64", COORD.to_string()),
        ],
    ));

    // 5. Route record with two relays.
    let relays = [0xba, 0x96, 0xd2, 0x91];
    let rec = NwkCommandFrame {
        command: NwkCommand::RouteRecord {
            relays: List::new(&relays).unwrap(),
        },
        tlvs: &[],
    };
    let n = nwk(
        header(nwk_fc(NwkFrameType::Command), 0x0000, 0x6887, 30, 7),
        NwkBody::Command(rec),
    );
    out.push((
        data_frame(3, 0x0000, 0x96ba, &n),
        vec![
            ("zbee_nwk.cmd.id", "0x05".into()),
            ("zbee_nwk.cmd.relay_count", "2".into()),
        ],
    ));

    // 6. Device_annce in an APS data frame (ZDO), with a source route.
    let zdo = ZdoFrame {
        sequence: 0x81,
        message: ZdoMessage::DeviceAnnce {
            nwk_addr: ShortAddr(0xa18f),
            ieee: DEVICE,
            capability: CapabilityInformation(0x8e),
        },
        trailing: &[],
    }
    .encode_to_vec()
    .unwrap();
    let aps = aps_data(0x0013, 0x0000, 0x42, &zdo);
    let sr = [0x39u8, 0xf9];
    let mut h = header(nwk_fc(NwkFrameType::Data), 0x0000, 0xa18f, 30, 8);
    h.frame_control.source_route = true;
    h.source_route = Some(SourceRoute {
        relay_index: 0,
        relays: List::new(&sr).unwrap(),
    });
    let n = nwk(h, NwkBody::Data(&aps));
    out.push((
        data_frame(4, 0x0000, 0xf939, &n),
        vec![
            ("zbee_nwk.relay.count", "1".into()),
            ("zbee_nwk.relay", "63801".into()),
            ("zbee_zdp.cinfo.alloc", "1".into()),
            ("zbee_aps.zdp_cluster", "0x0013".into()),
            ("zbee_aps.profile", "0x0000".into()),
            ("zbee_aps.counter", "66".into()),
            ("zbee_zdp.seqno", "129".into()),
            ("zbee_zdp.nwk_addr", "0xa18f".into()),
            ("zbee_zdp.ext_addr", DEVICE.to_string()),
        ],
    ));

    // 7. Mgmt_Permit_Joining_req.
    let zdo = ZdoFrame {
        sequence: 1,
        message: ZdoMessage::MgmtPermitJoiningReq {
            duration: 0xfe,
            tc_significance: 1,
        },
        trailing: &[],
    }
    .encode_to_vec()
    .unwrap();
    let aps = aps_data(0x0036, 0x0000, 0x43, &zdo);
    let n = nwk(
        header(nwk_fc(NwkFrameType::Data), 0x1234, 0x0000, 30, 9),
        NwkBody::Data(&aps),
    );
    out.push((
        data_frame(5, 0x1234, 0x0000, &n),
        vec![
            ("zbee_aps.zdp_cluster", "0x0036".into()),
            ("zbee_zdp.duration", "254".into()),
        ],
    ));

    // 8. APS Transport Key (standard network key) in the clear.
    let key = [
        0x01u8, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c,
        0x0d,
    ];
    let cmd = ApsFrame {
        header: ApsHeader {
            frame_control: ApsFrameControl {
                frame_type: ApsFrameType::Command,
                delivery: DeliveryMode::Unicast,
                ack_format: false,
                security: false,
                ack_request: false,
                extended_header: false,
            },
            dst_endpoint: None,
            group: None,
            cluster: None,
            profile: None,
            src_endpoint: None,
            counter: Some(0xdc),
            extended: None,
        },
        body: ApsBody::Command(ApsCommandFrame {
            command: ApsCommand::TransportKey {
                key_type: KeyType::StandardNetworkKey,
                descriptor: KeyDescriptor::Network {
                    key: KeyBytes(&key),
                    sequence: 0,
                    dst: DEVICE,
                    src: COORD,
                },
            },
            tlvs: &[],
        }),
    }
    .encode_to_vec()
    .unwrap();
    let n = nwk(
        header(nwk_fc(NwkFrameType::Data), 0xa18f, 0x0000, 30, 10),
        NwkBody::Data(&cmd),
    );
    out.push((
        data_frame(6, 0xa18f, 0x0000, &n),
        vec![
            ("zbee_aps.cmd.id", "0x05".into()),
            ("zbee_aps.cmd.key_type", "0x01".into()),
            (
                "zbee_aps.cmd.key",
                "01:03:05:07:09:0b:0d:0f:00:02:04:06:08:0a:0c:0d".into(),
            ),
            ("zbee_aps.cmd.dst", DEVICE.to_string()),
            ("zbee_aps.cmd.src", COORD.to_string()),
        ],
    ));
    out
}

fn find<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(key).or_else(|| m.values().find_map(|x| find(x, key))),
        Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}

fn write_pcap(path: &std::path::Path, frames: &[Vec<u8>]) {
    let mut b = Vec::new();
    b.extend(0xa1b2_c3d4u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(4u16.to_le_bytes());
    b.extend([0u8; 8]);
    b.extend(65535u32.to_le_bytes());
    b.extend(195u32.to_le_bytes());
    for f in frames {
        b.extend([0u8; 8]);
        b.extend((f.len() as u32).to_le_bytes());
        b.extend((f.len() as u32).to_le_bytes());
        b.extend(f);
    }
    std::fs::write(path, b).unwrap();
}

#[test]
fn tshark_dissects_our_frames() {
    let required = std::env::var("DP_REQUIRE_TSHARK").is_ok_and(|v| v == "1");
    if Command::new("tshark").arg("--version").output().is_err() {
        assert!(!required, "DP_REQUIRE_TSHARK=1 but tshark is not installed");
        eprintln!("tshark not installed: skipping (set DP_REQUIRE_TSHARK=1 to fail instead)");
        return;
    }
    let cases = cases();
    // Each frame decodes back to itself with our decoder too.
    for (f, _) in &cases {
        let m = MacFrame::decode_with(f, &MacContext { fcs: true }).unwrap();
        assert_eq!(m.encode_to_vec_with(&MacContext { fcs: true }).unwrap(), *f);
    }
    let frames: Vec<Vec<u8>> = cases.iter().map(|(f, _)| f.clone()).collect();
    let path = std::env::temp_dir().join(format!("zigbee-nwk-tshark-{}.pcap", std::process::id()));
    write_pcap(&path, &frames);
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-T", "json"])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let packets: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(packets.len(), cases.len());
    let mut compared = 0;
    for (i, (p, (_, fields))) in packets.iter().zip(&cases).enumerate() {
        let layers = &p["_source"]["layers"];
        let text = layers.to_string();
        assert!(
            !text.contains("_ws.malformed"),
            "packet {}: malformed: {text}",
            i + 1
        );
        // Expert severity "error" is 0x00800000.
        assert!(
            !text.contains("\"_ws.expert.severity\":\"8388608\""),
            "packet {}: expert error: {text}",
            i + 1
        );
        assert_eq!(
            find(layers, "wpan.fcs_ok").and_then(Value::as_str),
            Some("1"),
            "packet {}",
            i + 1
        );
        for (k, want) in fields {
            let got = find(layers, k)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("packet {}: no {k} in {text}", i + 1));
            assert_eq!(got, want, "packet {}: {k}", i + 1);
            compared += 1;
        }
    }
    assert!(compared >= 30, "{compared}");
}
