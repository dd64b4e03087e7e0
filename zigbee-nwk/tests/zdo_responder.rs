#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The ZDO responder: every request it answers, the response decoded back,
//! the broadcast rules, Device_annce into the address map with conflicts.

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use dual_protocol_zigbee_nwk::ShortAddr;
use dual_protocol_zigbee_nwk::mac::CapabilityInformation;
use dual_protocol_zigbee_nwk::nwk::address_map::{AddressMap, AddressMapError, AddressUpdate};
use dual_protocol_zigbee_nwk::nwk::neighbour::{
    DeviceType, Neighbour, NeighbourTable, Relationship,
};
use dual_protocol_zigbee_nwk::types::List;
use dual_protocol_zigbee_nwk::zdo::responder::{LocalDevice, ZdoAction};
use dual_protocol_zigbee_nwk::zdo::{
    NodeDescriptor, SimpleDescriptor, ZdoFrame, ZdoMessage, ZdoStatus,
};

const HUB: Eui64 = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);
const METER: Eui64 = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 2]);
/// Price, Messaging, Time: the ESI's server clusters.
const ESI_IN: [u8; 6] = [0x00, 0x07, 0x03, 0x07, 0x0a, 0x00];

fn node_descriptor() -> NodeDescriptor {
    NodeDescriptor {
        flags: 0,
        band: 0x40,
        mac_capability: 0x8f,
        manufacturer_code: 0x1234,
        max_buffer_size: 82,
        max_incoming_transfer: 1024,
        server_mask: 0x2c41,
        max_outgoing_transfer: 1024,
        descriptor_capability: 0,
    }
}

fn with_device(f: impl FnOnce(&LocalDevice<'_>)) {
    let eps = [SimpleDescriptor {
        endpoint: 1,
        profile: 0x0109,
        device_id: 0x0500,
        device_version: 0,
        in_clusters: List::new(&ESI_IN).unwrap(),
        out_clusters: List::empty(),
    }];
    let dev = LocalDevice {
        ieee: HUB,
        short: ShortAddr(0),
        extended_pan_id: HUB,
        node_descriptor: node_descriptor(),
        endpoints: &eps,
        depth: 0,
        permit_joining: false,
    };
    f(&dev);
}

fn request(msg: ZdoMessage<'_>) -> (u16, Vec<u8>) {
    let f = ZdoFrame {
        sequence: 0x42,
        message: msg,
        trailing: &[],
    };
    let mut b = [0u8; 64];
    let n = f.encode(&mut b).unwrap();
    (msg.cluster(), b[..n].to_vec())
}

/// Handles `msg`; returns the decoded response cluster and bytes, and the action.
fn ask(
    dev: &LocalDevice<'_>,
    msg: ZdoMessage<'_>,
    unicast: bool,
) -> (Option<(u16, Vec<u8>)>, ZdoAction) {
    let mut nb = NeighbourTable::<4>::new();
    nb.upsert(Neighbour {
        short: ShortAddr(0x1234),
        ieee: Some(METER),
        device_type: DeviceType::EndDevice,
        relationship: Relationship::Child,
        rx_on_when_idle: false,
        lqi: 180,
        incoming_cost: 2,
        outgoing_cost: 0,
        age: 0,
        last_heard: Instant::from_millis(0),
        timeout: None,
    })
    .unwrap();
    let mut map = AddressMap::<4>::new();
    let (c, p) = request(msg);
    let mut out = [0u8; 100];
    let o = dev.handle(c, &p, unicast, &nb, &mut map, &mut out).unwrap();
    (o.response.map(|(c, n)| (c, out[..n].to_vec())), o.action)
}

fn decoded(r: &Option<(u16, Vec<u8>)>) -> ZdoMessage<'_> {
    let (c, b) = r.as_ref().unwrap();
    let f = ZdoFrame::decode_with(b, *c).unwrap();
    assert_eq!(f.sequence, 0x42);
    f.message
}

#[test]
fn match_desc_finds_the_esi() {
    with_device(|dev| {
        let inc = 0x0700u16.to_le_bytes();
        let req = ZdoMessage::MatchDescReq {
            nwk_addr: ShortAddr(0xfffd),
            profile: 0x0109,
            in_clusters: List::new(&inc).unwrap(),
            out_clusters: List::empty(),
        };
        let (r, _) = ask(dev, req, false);
        assert_eq!(
            decoded(&r),
            ZdoMessage::MatchDescRsp {
                status: ZdoStatus::Success,
                nwk_addr: ShortAddr(0),
                endpoints: &[1]
            }
        );
        // No match: silence to a broadcast, NO_MATCH to a unicast.
        let other = 0x0702u16.to_le_bytes();
        let req = ZdoMessage::MatchDescReq {
            nwk_addr: ShortAddr(0xfffd),
            profile: 0x0109,
            in_clusters: List::new(&other).unwrap(),
            out_clusters: List::empty(),
        };
        assert_eq!(ask(dev, req, false).0, None);
        let r = ask(dev, req, true).0;
        assert!(matches!(
            decoded(&r),
            ZdoMessage::MatchDescRsp {
                status: ZdoStatus::NoMatch,
                ..
            }
        ));
    });
}

#[test]
fn descriptors_and_addresses() {
    with_device(|dev| {
        let r = ask(dev, ZdoMessage::NodeDescReq(ShortAddr(0)), true).0;
        assert_eq!(
            decoded(&r),
            ZdoMessage::NodeDescRsp {
                status: ZdoStatus::Success,
                nwk_addr: ShortAddr(0),
                descriptor: Some(node_descriptor())
            }
        );
        let r = ask(dev, ZdoMessage::ActiveEpReq(ShortAddr(0)), true).0;
        assert!(matches!(
            decoded(&r),
            ZdoMessage::ActiveEpRsp {
                endpoints: &[1],
                ..
            }
        ));
        let r = ask(
            dev,
            ZdoMessage::SimpleDescReq {
                nwk_addr: ShortAddr(0),
                endpoint: 1,
            },
            true,
        )
        .0;
        match decoded(&r) {
            ZdoMessage::SimpleDescRsp {
                status: ZdoStatus::Success,
                descriptor: Some(d),
                ..
            } => {
                assert_eq!(
                    d.in_clusters.iter().collect::<Vec<_>>(),
                    [0x0700, 0x0703, 0x000a]
                );
            }
            m => panic!("{m:?}"),
        }
        let r = ask(
            dev,
            ZdoMessage::SimpleDescReq {
                nwk_addr: ShortAddr(0),
                endpoint: 2,
            },
            true,
        )
        .0;
        assert!(matches!(
            decoded(&r),
            ZdoMessage::SimpleDescRsp {
                status: ZdoStatus::NotActive,
                ..
            }
        ));
        let r = ask(
            dev,
            ZdoMessage::SimpleDescReq {
                nwk_addr: ShortAddr(0),
                endpoint: 0,
            },
            true,
        )
        .0;
        assert!(matches!(
            decoded(&r),
            ZdoMessage::SimpleDescRsp {
                status: ZdoStatus::InvalidEndpoint,
                ..
            }
        ));
        // Another device's node descriptor: DEVICE_NOT_FOUND if unicast, silence if broadcast.
        let r = ask(dev, ZdoMessage::NodeDescReq(ShortAddr(5)), true).0;
        assert!(matches!(
            decoded(&r),
            ZdoMessage::NodeDescRsp {
                status: ZdoStatus::DeviceNotFound,
                descriptor: None,
                ..
            }
        ));
        assert_eq!(
            ask(dev, ZdoMessage::NodeDescReq(ShortAddr(5)), false).0,
            None
        );
        // NWK_addr_req extended: the child is listed.
        let r = ask(
            dev,
            ZdoMessage::NwkAddrReq {
                ieee: HUB,
                request_type: 1,
                start_index: 0,
            },
            false,
        )
        .0;
        match decoded(&r) {
            ZdoMessage::NwkAddrRsp(a) => {
                assert_eq!(a.remote, Some((HUB, ShortAddr(0))));
                let l = a.associated.unwrap();
                assert_eq!(
                    (l.total, l.devices.iter().collect::<Vec<_>>()),
                    (1, vec![0x1234])
                );
            }
            m => panic!("{m:?}"),
        }
        assert_eq!(
            ask(
                dev,
                ZdoMessage::NwkAddrReq {
                    ieee: METER,
                    request_type: 0,
                    start_index: 0
                },
                false
            )
            .0,
            None
        );
        let r = ask(
            dev,
            ZdoMessage::IeeeAddrReq {
                nwk_addr: ShortAddr(0),
                request_type: 0,
                start_index: 0,
            },
            true,
        )
        .0;
        assert!(
            matches!(decoded(&r), ZdoMessage::IeeeAddrRsp(a) if a.remote == Some((HUB, ShortAddr(0))))
        );
        let r = ask(
            dev,
            ZdoMessage::IeeeAddrReq {
                nwk_addr: ShortAddr(9),
                request_type: 0,
                start_index: 0,
            },
            true,
        )
        .0;
        assert!(
            matches!(decoded(&r), ZdoMessage::IeeeAddrRsp(a) if a.status == ZdoStatus::DeviceNotFound)
        );
    });
}

#[test]
fn management_requests() {
    with_device(|dev| {
        let (r, a) = ask(
            dev,
            ZdoMessage::MgmtLeaveReq {
                device: HUB,
                flags: 0x80,
            },
            true,
        );
        assert_eq!(decoded(&r), ZdoMessage::MgmtLeaveRsp(ZdoStatus::Success));
        assert_eq!(
            a,
            ZdoAction::Leave {
                rejoin: true,
                remove_children: false
            }
        );
        let (r, a) = ask(
            dev,
            ZdoMessage::MgmtLeaveReq {
                device: METER,
                flags: 0,
            },
            true,
        );
        assert_eq!(
            decoded(&r),
            ZdoMessage::MgmtLeaveRsp(ZdoStatus::DeviceNotFound)
        );
        assert_eq!(a, ZdoAction::None);
        let (r, a) = ask(
            dev,
            ZdoMessage::MgmtPermitJoiningReq {
                duration: 60,
                tc_significance: 1,
            },
            true,
        );
        assert_eq!(
            decoded(&r),
            ZdoMessage::MgmtPermitJoiningRsp(ZdoStatus::Success)
        );
        assert_eq!(a, ZdoAction::PermitJoining { duration: 60 });
        let (r, a) = ask(
            dev,
            ZdoMessage::MgmtPermitJoiningReq {
                duration: 0,
                tc_significance: 1,
            },
            false,
        );
        assert_eq!(r, None, "no response to a broadcast");
        assert_eq!(a, ZdoAction::PermitJoining { duration: 0 });
        let (r, _) = ask(dev, ZdoMessage::MgmtLqiReq { start_index: 0 }, true);
        match decoded(&r) {
            ZdoMessage::MgmtLqiRsp {
                status: ZdoStatus::Success,
                table: Some(t),
            } => {
                assert_eq!(t.total, 1);
                let e = t.entries.chunks().next().unwrap();
                assert_eq!(&e[8..16], &METER.to_le_bytes());
                assert_eq!(&e[16..18], &[0x34, 0x12]);
                assert_eq!(e[18], 0x12, "end device, child");
                assert_eq!(e[21], 180);
            }
            m => panic!("{m:?}"),
        }
        // An unsupported request (Power_Desc_req) gets NOT_SUPPORTED when unicast.
        let (r, _) = ask(dev, ZdoMessage::PowerDescReq(ShortAddr(0)), true);
        let (c, b) = r.unwrap();
        assert_eq!((c, b), (0x8003, vec![0x42, 0x84]));
        assert_eq!(
            ask(dev, ZdoMessage::PowerDescReq(ShortAddr(0)), false).0,
            None
        );
    });
}

#[test]
fn device_annce_updates_the_address_map_and_reports_conflicts() {
    with_device(|dev| {
        let nb = NeighbourTable::<1>::new();
        let mut map = AddressMap::<2>::new();
        let mut out = [0u8; 64];
        let annce = |short, ieee| {
            request(ZdoMessage::DeviceAnnce {
                nwk_addr: ShortAddr(short),
                ieee,
                capability: CapabilityInformation(0x80),
            })
        };
        let (c, p) = annce(0x1234, METER);
        let o = dev.handle(c, &p, false, &nb, &mut map, &mut out).unwrap();
        assert!(matches!(
            o.action,
            ZdoAction::DeviceAnnounced {
                update: Ok(AddressUpdate::Added),
                ..
            }
        ));
        assert_eq!(o.response, None);
        let (c, p) = annce(0x5678, METER);
        let o = dev.handle(c, &p, false, &nb, &mut map, &mut out).unwrap();
        assert!(matches!(
            o.action,
            ZdoAction::DeviceAnnounced {
                update: Ok(AddressUpdate::Moved {
                    old: ShortAddr(0x1234)
                }),
                ..
            }
        ));
        let (c, p) = annce(0x5678, HUB);
        let o = dev.handle(c, &p, false, &nb, &mut map, &mut out).unwrap();
        assert!(matches!(
            o.action,
            ZdoAction::DeviceAnnounced {
                update: Err(AddressMapError::Conflict(_)),
                ..
            }
        ));
        assert_eq!(
            map.ieee(ShortAddr(0x5678)),
            Some(METER),
            "conflict leaves the map unchanged"
        );
        // Truncated request.
        assert!(
            dev.handle(0x0013, &[0x42, 1], false, &nb, &mut map, &mut out)
                .is_err()
        );
    });
}

/// Bind_req / Unbind_req over the binding table (§2.4.3.2.2-3): each
/// status, and the table then drives `send_bound`.
#[test]
fn bind_and_unbind_requests_fill_the_binding_table() {
    use dual_protocol_zigbee_nwk::aps::binding::{Binding, BindingDestination, BindingTable};
    use dual_protocol_zigbee_nwk::zdo::{BindRequest, BindTarget};
    with_device(|dev| {
        let mut table = BindingTable::<1>::new();
        let run = |msg: ZdoMessage<'_>, unicast: bool, table: &mut BindingTable<1>| {
            let nb = NeighbourTable::<1>::new();
            let mut map = AddressMap::<1>::new();
            let (c, p) = request(msg);
            let mut out = [0u8; 16];
            let o = dev
                .handle_with_bindings(c, &p, unicast, &nb, &mut map, table, &mut out)
                .unwrap();
            o.response.map(|(c, n)| {
                let f = ZdoFrame::decode_with(&out[..n], c).unwrap();
                assert_eq!(f.sequence, 0x42);
                match f.message {
                    ZdoMessage::BindRsp(s) | ZdoMessage::UnbindRsp(s) => (c, s),
                    other => panic!("{other:?}"),
                }
            })
        };
        let to_meter = BindRequest {
            src: HUB,
            src_endpoint: 1,
            cluster: 0x0700,
            dst: BindTarget::Device {
                address: METER,
                endpoint: 1,
            },
        };
        assert_eq!(
            run(ZdoMessage::BindReq(to_meter), true, &mut table),
            Some((0x8021, ZdoStatus::Success))
        );
        let expected = Binding {
            src_endpoint: 1,
            cluster: 0x0700,
            dst: BindingDestination::Device {
                ieee: METER,
                endpoint: 1,
            },
        };
        assert_eq!(table.iter().copied().collect::<Vec<_>>(), [expected]);
        // Binding twice is not an error; a second binding does not fit.
        assert_eq!(
            run(ZdoMessage::BindReq(to_meter), true, &mut table),
            Some((0x8021, ZdoStatus::Success))
        );
        let group = BindRequest {
            dst: BindTarget::Group(0x0042),
            ..to_meter
        };
        assert_eq!(
            run(ZdoMessage::BindReq(group), true, &mut table),
            Some((0x8021, ZdoStatus::TableFull))
        );
        // Another source, an endpoint this device does not have, another
        // address mode, a broadcast request.
        let other = BindRequest {
            src: METER,
            ..to_meter
        };
        assert_eq!(
            run(ZdoMessage::BindReq(other), true, &mut table),
            Some((0x8021, ZdoStatus::NotSupported))
        );
        let bad_ep = BindRequest {
            src_endpoint: 9,
            ..to_meter
        };
        assert_eq!(
            run(ZdoMessage::BindReq(bad_ep), true, &mut table),
            Some((0x8021, ZdoStatus::InvalidEndpoint))
        );
        let odd = BindRequest {
            dst: BindTarget::Unknown {
                mode: 0x02,
                raw: &[0x34, 0x12],
            },
            ..to_meter
        };
        assert_eq!(
            run(ZdoMessage::BindReq(odd), true, &mut table),
            Some((0x8021, ZdoStatus::NotSupported))
        );
        assert_eq!(run(ZdoMessage::BindReq(group), false, &mut table), None);
        // Unbind: present, then absent.
        assert_eq!(
            run(ZdoMessage::UnbindReq(to_meter), true, &mut table),
            Some((0x8022, ZdoStatus::Success))
        );
        assert!(table.is_empty());
        assert_eq!(
            run(ZdoMessage::UnbindReq(to_meter), true, &mut table),
            Some((0x8022, ZdoStatus::NoEntry))
        );
        // Other requests go to `handle` as before.
        let (c, p) = request(ZdoMessage::ActiveEpReq(ShortAddr(0)));
        let nb = NeighbourTable::<1>::new();
        let mut map = AddressMap::<1>::new();
        let mut out = [0u8; 16];
        let o = dev
            .handle_with_bindings(c, &p, true, &nb, &mut map, &mut table, &mut out)
            .unwrap();
        assert_eq!(o.response.map(|(c, _)| c), Some(0x8005));
    });
}
