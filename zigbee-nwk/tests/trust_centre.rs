//! Trust-centre commissioning against our own joining device: install-code
//! keys, refusal of devices not on the allow-list, the default-key opt-in,
//! decommissioning, restart from stored state, R21 link key update,
//! network key rotation under loss and duplication, and tamper/replay
//! negatives; plus a captured Transport Key (zigbee-on-host) taken by the joiner.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::hex;
use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::ShortAddr;
use dual_protocol_zigbee_nwk::security::joiner::{Joiner, JoinerEvent};
use dual_protocol_zigbee_nwk::security::key_store::{CommandError, DEFAULT_TC_LINK_KEY};
use dual_protocol_zigbee_nwk::security::trust_centre::{
    KeyState, RejectReason, TcEvent, TrustCentre,
};
use dual_protocol_zigbee_nwk::security::{
    IncomingCounters, Keys, LinkKeys, SecurityContext, SecurityError, link_key_from_install_code,
    unsecure_aps,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use std::collections::HashSet;

/// A counter store that records every mark (the "flash").
#[derive(Default)]
struct Flash {
    mark: u64,
    writes: usize,
}

impl CounterStore for Flash {
    type Error = ();
    fn persist(&mut self, mark: u64) -> Result<(), ()> {
        assert!(mark >= self.mark, "marks only grow");
        self.mark = mark;
        self.writes += 1;
        Ok(())
    }
}

/// The joining devices' own counter store.
struct DeviceFlash;

impl CounterStore for DeviceFlash {
    type Error = ();
    fn persist(&mut self, _mark: u64) -> Result<(), ()> {
        Ok(())
    }
}

const TC: Eui64 = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);
const NWK_KEY: [u8; 16] = [0x11; 16];

fn dev(i: u8) -> Eui64 {
    Eui64([0x70, 0xb3, 0xd5, 0x2b, 0x60, 0, 0, i])
}

/// Install code `i` with its CRC (16 bytes + CRC-16/X.25).
fn install_code(i: u8) -> Vec<u8> {
    let mut code: Vec<u8> = (0..16).map(|b| b ^ i.wrapping_mul(37)).collect();
    let crc = dual_protocol_zigbee_nwk::security::install_code::crc16_x25(&code);
    code.extend(crc.to_le_bytes());
    code
}

fn drain_tc(tc: &mut TrustCentre<8, 16>) -> Vec<TcEvent> {
    std::iter::from_fn(|| tc.poll_event()).collect()
}

fn drain_j(j: &mut Joiner) -> Vec<JoinerEvent> {
    std::iter::from_fn(|| j.poll_event()).collect()
}

/// Delivers every queued trust-centre frame to the matching joiner.
fn deliver(tc: &mut TrustCentre<8, 16>, joiners: &mut [Joiner]) -> usize {
    let mut n = 0;
    while let Some(o) = tc.poll_transmit() {
        let j = joiners
            .iter_mut()
            .find(|j| j.record().eui == o.dst)
            .unwrap();
        j.handle_aps(&o.frame).unwrap();
        n += 1;
    }
    n
}

fn commissioned(n: u8) -> (TrustCentre<8, 16>, Vec<Joiner>, Flash) {
    let mut tc = TrustCentre::<8, 16>::new(TC, NWK_KEY);
    let mut flash = Flash::default();
    let mut js = Vec::new();
    for i in 1..=n {
        tc.authorise_install_code(dev(i), &install_code(i)).unwrap();
        js.push(Joiner::from_install_code(dev(i), &install_code(i)).unwrap());
        assert!(
            tc.device_joined(dev(i), ShortAddr(0x1000 + u16::from(i)), &mut flash)
                .unwrap()
        );
    }
    assert_eq!(deliver(&mut tc, &mut js), usize::from(n));
    (tc, js, flash)
}

#[test]
fn allow_listed_devices_join_with_their_install_code_keys() {
    let (mut tc, mut js, _) = commissioned(3);
    let ev = drain_tc(&mut tc);
    for i in 1..=3 {
        assert!(ev.contains(&TcEvent::Joined { eui: dev(i) }));
    }
    for j in &mut js {
        assert_eq!(j.network_key(), Some((&NWK_KEY, 0)));
        assert_eq!(
            drain_j(j),
            [JoinerEvent::NetworkKey {
                sequence: 0,
                active: true
            }]
        );
        assert_eq!(j.record().trust_centre, Some(TC));
    }
    // Each joiner's link key is its own install-code key.
    assert_eq!(
        js[0].link_key(),
        &link_key_from_install_code(&install_code(1)).unwrap()
    );
}

#[test]
fn transport_key_is_under_the_key_transport_key_of_the_device_key() {
    let mut tc = TrustCentre::<8, 16>::new(TC, NWK_KEY);
    let mut flash = Flash::default();
    tc.authorise_install_code(dev(1), &install_code(1)).unwrap();
    tc.device_joined(dev(1), ShortAddr(1), &mut flash).unwrap();
    let mut f = tc.poll_transmit().unwrap().frame.to_vec();
    // The well-known key does not open it.
    let za09 = Keys {
        network: None,
        link: Some(LinkKeys::new(&DEFAULT_TC_LINK_KEY).unwrap()),
    };
    let mut t = IncomingCounters::<2>::new();
    let mut g = f.clone();
    assert!(matches!(
        unsecure_aps(&mut g, &SecurityContext::default(), &za09, &mut t, None),
        Err(SecurityError::MicMismatch { .. })
    ));
    // The install-code key does, with key identifier 2 and the TC as source.
    let keys = Keys {
        network: None,
        link: Some(LinkKeys::new(&link_key_from_install_code(&install_code(1)).unwrap()).unwrap()),
    };
    let u = unsecure_aps(&mut f, &SecurityContext::default(), &keys, &mut t, None).unwrap();
    assert_eq!(u.source, TC);
    assert_eq!(
        u.aux.key_id,
        dual_protocol_zigbee_nwk::security::KeyIdentifier::KeyTransport
    );
    // Command 0x05, key type 1, then the network key.
    assert_eq!(&f[u.payload.start..u.payload.start + 2], &[0x05, 0x01]);
    assert_eq!(&f[u.payload.start + 2..u.payload.start + 18], &NWK_KEY);
}

#[test]
fn device_not_on_the_list_is_refused_and_wrong_install_code_learns_nothing() {
    let mut tc = TrustCentre::<8, 16>::new(TC, NWK_KEY);
    let mut flash = Flash::default();
    assert!(!tc.device_joined(dev(9), ShortAddr(9), &mut flash).unwrap());
    assert_eq!(
        drain_tc(&mut tc),
        [TcEvent::Rejected {
            eui: dev(9),
            reason: RejectReason::NotAuthorised
        }]
    );
    assert!(tc.poll_transmit().is_none());
    // A device whose install code differs from the one on the list.
    tc.authorise_install_code(dev(2), &install_code(2)).unwrap();
    let mut wrong = Joiner::<4>::from_install_code(dev(2), &install_code(3)).unwrap();
    tc.device_joined(dev(2), ShortAddr(2), &mut flash).unwrap();
    wrong
        .handle_aps(&tc.poll_transmit().unwrap().frame)
        .unwrap();
    assert_eq!(wrong.network_key(), None);
    assert!(matches!(
        drain_j(&mut wrong)[..],
        [JoinerEvent::Rejected {
            reason: CommandError::Security(SecurityError::MicMismatch { .. })
        }]
    ));
    // A bad install code is refused when put on the list.
    let mut bad = install_code(4);
    bad[3] ^= 1;
    assert!(tc.authorise_install_code(dev(4), &bad).is_err());
}

#[test]
fn default_key_opt_in_is_reported() {
    let mut tc = TrustCentre::<8, 16>::new(TC, NWK_KEY);
    let mut flash = Flash::default();
    tc.allow_default_key(true);
    let mut j = Joiner::<4>::new(dev(5), DEFAULT_TC_LINK_KEY);
    assert!(tc.device_joined(dev(5), ShortAddr(5), &mut flash).unwrap());
    assert_eq!(
        drain_tc(&mut tc),
        [
            TcEvent::DefaultKeyUsed { eui: dev(5) },
            TcEvent::Joined { eui: dev(5) }
        ]
    );
    j.handle_aps(&tc.poll_transmit().unwrap().frame).unwrap();
    assert_eq!(j.network_key(), Some((&NWK_KEY, 0)));
    assert!(tc.device(dev(5)).unwrap().default_key);
}

/// Runs the R21 link key update for joiner `idx`.
fn update_link_key(
    tc: &mut TrustCentre<8, 16>,
    j: &mut Joiner,
    rng: &mut ChaCha20Rng,
    flash: &mut Flash,
) {
    j.request_link_key(&mut DeviceFlash).unwrap();
    let req = j.poll_transmit().unwrap();
    tc.handle_aps(j.record().eui, &req, rng, flash).unwrap();
    let tk = tc.poll_transmit().unwrap();
    j.handle_aps(&tk.frame).unwrap();
    let verify = j.poll_transmit().unwrap();
    tc.handle_aps(j.record().eui, &verify, rng, flash).unwrap();
    let confirm = tc.poll_transmit().unwrap();
    j.handle_aps(&confirm.frame).unwrap();
}

#[test]
fn link_key_update_ends_with_a_fresh_unique_key_verified_by_both() {
    let (mut tc, mut js, mut flash) = commissioned(3);
    drain_tc(&mut tc);
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut keys = HashSet::new();
    for j in &mut js {
        drain_j(j);
        let before = *j.link_key();
        update_link_key(&mut tc, j, &mut rng, &mut flash);
        assert_eq!(
            drain_j(j),
            [JoinerEvent::LinkKeyReceived, JoinerEvent::LinkKeyVerified]
        );
        let rec = tc.device(j.record().eui).unwrap();
        assert_eq!(rec.state, KeyState::Verified);
        assert_eq!(&rec.link_key.0, j.link_key());
        assert_ne!(j.link_key(), &before);
        assert!(j.record().verified);
        keys.insert(*j.link_key());
    }
    assert_eq!(keys.len(), 3, "every device has its own key");
    assert!(
        drain_tc(&mut tc)
            .iter()
            .filter(|e| matches!(e, TcEvent::Authenticated { .. }))
            .count()
            == 3
    );
}

#[test]
fn wrong_verify_key_hash_is_refused() {
    let (mut tc, mut js, mut flash) = commissioned(1);
    drain_tc(&mut tc);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    js[0].request_link_key(&mut DeviceFlash).unwrap();
    let req = js[0].poll_transmit().unwrap();
    tc.handle_aps(dev(1), &req, &mut rng, &mut flash).unwrap();
    js[0]
        .handle_aps(&tc.poll_transmit().unwrap().frame)
        .unwrap();
    let mut verify = js[0].poll_transmit().unwrap().to_vec();
    let last = verify.len() - 1;
    verify[last] ^= 0x40;
    tc.handle_aps(dev(1), &verify, &mut rng, &mut flash)
        .unwrap();
    assert_eq!(
        drain_tc(&mut tc),
        [TcEvent::Rejected {
            eui: dev(1),
            reason: RejectReason::VerifyKeyMismatch
        }]
    );
    assert!(tc.poll_transmit().is_none());
    assert_eq!(tc.device(dev(1)).unwrap().state, KeyState::Unverified);
}

#[test]
fn replayed_and_tampered_frames_are_refused_with_reasons() {
    let (mut tc, mut js, mut flash) = commissioned(2);
    drain_tc(&mut tc);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    // Replay of the transport key to the joiner.
    let mut tc2 = TrustCentre::<8, 16>::new(TC, NWK_KEY);
    tc2.authorise_install_code(dev(1), &install_code(1))
        .unwrap();
    tc2.device_joined(dev(1), ShortAddr(1), &mut flash).unwrap();
    let tk = tc2.poll_transmit().unwrap().frame;
    let mut j = Joiner::<4>::from_install_code(dev(1), &install_code(1)).unwrap();
    j.handle_aps(&tk).unwrap();
    drain_j(&mut j);
    j.handle_aps(&tk).unwrap();
    assert!(matches!(
        drain_j(&mut j)[..],
        [JoinerEvent::Rejected {
            reason: CommandError::Security(SecurityError::Replay(_))
        }]
    ));
    // Every single-bit flip of a Request Key is refused by the trust centre.
    js[0].request_link_key(&mut DeviceFlash).unwrap();
    let req = js[0].poll_transmit().unwrap();
    for i in 0..req.len() {
        let mut bad = req.to_vec();
        bad[i] ^= if i == 2 { 0x10 } else { 0x01 };
        tc.handle_aps(dev(1), &bad, &mut rng, &mut flash).unwrap();
        let ev = drain_tc(&mut tc);
        assert!(
            matches!(ev[..], [TcEvent::Rejected { .. }]),
            "byte {i}: {ev:?}"
        );
        assert!(tc.poll_transmit().is_none());
    }
    // Device 2 cannot pass off device 1's frame as its own.
    tc.handle_aps(dev(2), &req, &mut rng, &mut flash).unwrap();
    assert!(matches!(
        drain_tc(&mut tc)[..],
        [TcEvent::Rejected {
            reason: RejectReason::Security(_),
            ..
        }]
    ));
    // The genuine one passes once, its replay does not.
    tc.handle_aps(dev(1), &req, &mut rng, &mut flash).unwrap();
    assert!(tc.poll_transmit().is_some());
    tc.handle_aps(dev(1), &req, &mut rng, &mut flash).unwrap();
    assert!(matches!(
        drain_tc(&mut tc)[..],
        [TcEvent::Rejected {
            reason: RejectReason::Security(CommandError::Security(SecurityError::Replay(_))),
            ..
        }]
    ));
    // An unsecured Remove Device, and a command from an unknown source.
    let plain = [0x01, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    tc.handle_aps(dev(1), &plain, &mut rng, &mut flash).unwrap();
    tc.handle_aps(dev(7), &req, &mut rng, &mut flash).unwrap();
    assert_eq!(
        drain_tc(&mut tc),
        [
            TcEvent::Rejected {
                eui: dev(1),
                reason: RejectReason::Security(CommandError::Unsecured)
            },
            TcEvent::Rejected {
                eui: dev(7),
                reason: RejectReason::NotAuthorised
            }
        ]
    );
}

#[test]
fn decommissioning_deletes_keys_and_frames_no_longer_pass() {
    let (mut tc, mut js, mut flash) = commissioned(3);
    drain_tc(&mut tc);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    js[1].request_link_key(&mut DeviceFlash).unwrap();
    let req = js[1].poll_transmit().unwrap();
    tc.decommission(dev(2), Some(dev(1)), &mut flash).unwrap();
    assert!(tc.device(dev(2)).is_none());
    assert_eq!(tc.devices().count(), 2);
    // The parent router receives an authenticated Remove Device.
    let rm = tc.poll_transmit().unwrap();
    assert_eq!(rm.dst, dev(1));
    js[0].handle_aps(&rm.frame).unwrap();
    assert!(drain_j(&mut js[0]).contains(&JoinerEvent::RemoveChild { target: dev(2) }));
    // The removed device's frames are refused.
    tc.handle_aps(dev(2), &req, &mut rng, &mut flash).unwrap();
    assert_eq!(
        drain_tc(&mut tc),
        [
            TcEvent::Left { eui: dev(2) },
            TcEvent::Rejected {
                eui: dev(2),
                reason: RejectReason::NotAuthorised
            }
        ]
    );
    // And it cannot join again without being authorised again.
    assert!(!tc.device_joined(dev(2), ShortAddr(2), &mut flash).unwrap());
}

#[test]
fn key_rotation_reaches_every_device_under_loss_and_duplication() {
    let (mut tc, mut js, mut flash) = commissioned(5);
    drain_tc(&mut tc);
    for j in &mut js {
        drain_j(j);
    }
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let new_key = [0x22; 16];
    tc.rotate_network_key(new_key, &mut flash).unwrap();
    // Deliver with a loss and duplicates: a lost frame is resent by the
    // caller's retry (modelled by a second rotation call for that device).
    let mut lost = Vec::new();
    while let Some(o) = tc.poll_transmit() {
        let j = js.iter_mut().find(|j| j.record().eui == o.dst).unwrap();
        match rng.next_u32() % 4 {
            0 if lost.is_empty() => lost.push(o.dst),
            1 => {
                j.handle_aps(&o.frame).unwrap();
                j.handle_aps(&o.frame).unwrap();
            }
            _ => j.handle_aps(&o.frame).unwrap(),
        }
    }
    if !lost.is_empty() {
        tc.rotate_network_key(new_key, &mut flash).unwrap();
        while let Some(o) = tc.poll_transmit() {
            let j = js.iter_mut().find(|j| j.record().eui == o.dst).unwrap();
            j.handle_aps(&o.frame).unwrap();
        }
    }
    for j in &js {
        assert_eq!(j.network_key(), Some((&NWK_KEY, 0)), "old key still active");
        assert_eq!(j.record().pending_network.as_ref().unwrap().1, 1);
    }
    tc.switch_network_key(&mut flash).unwrap();
    assert_eq!(deliver(&mut tc, &mut js), 5);
    for j in &mut js {
        assert_eq!(j.network_key(), Some((&new_key, 1)));
        assert!(drain_j(j).contains(&JoinerEvent::KeySwitched { sequence: 1 }));
    }
    assert!(drain_tc(&mut tc).contains(&TcEvent::KeyRotated { sequence: 1 }));
    assert_eq!(tc.network().sequence, 1);
    assert_eq!(&tc.network().key.0, &new_key);
}

#[test]
fn restart_from_stored_state_keeps_the_network_and_reuses_no_counter() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let (mut tc, mut js, mut flash) = commissioned(4);
    drain_tc(&mut tc);
    let mut seen: HashSet<u32> = HashSet::new();
    for round in 0..6 {
        // Work: a link key update for one device, then a restart.
        let i = (rng.next_u32() % 4) as usize;
        js[i].request_link_key(&mut DeviceFlash).unwrap();
        let req = js[i].poll_transmit().unwrap();
        tc.handle_aps(dev(i as u8 + 1), &req, &mut rng, &mut flash)
            .unwrap();
        while let Some(o) = tc.poll_transmit() {
            let fc = u32::from_le_bytes(o.frame[3..7].try_into().unwrap());
            assert!(seen.insert(fc), "round {round}: counter {fc} reused");
            let j = js.iter_mut().find(|j| j.record().eui == o.dst).unwrap();
            j.handle_aps(&o.frame).unwrap();
            if let Some(v) = j.poll_transmit() {
                tc.handle_aps(j.record().eui, &v, &mut rng, &mut flash)
                    .unwrap();
            }
        }
        // Store and restore (only the persisted mark, not the live counter).
        let network = tc.network().clone();
        let devices: Vec<_> = tc.devices().cloned().collect();
        tc = TrustCentre::restore(TC, network, devices, flash.mark).unwrap();
    }
    for (i, j) in js.iter_mut().enumerate() {
        let rec = tc.device(dev(i as u8 + 1)).unwrap();
        assert_eq!(&rec.link_key.0, j.link_key());
        assert!(rec.joined);
    }
    // A device still talks to the restored hub without re-commissioning.
    update_link_key(&mut tc, &mut js[0], &mut rng, &mut flash);
    assert!(drain_j(&mut js[0]).contains(&JoinerEvent::LinkKeyVerified));
    assert!(flash.writes >= 6);
}

#[cfg(feature = "serde")]
#[test]
fn stored_records_round_trip_through_serde() {
    use dual_protocol_zigbee_nwk::security::trust_centre::{DeviceRecord, NetworkRecord};
    let (tc, js, flash) = commissioned(2);
    let net = serde_json::to_string(tc.network()).unwrap();
    let devs = serde_json::to_string(&tc.devices().collect::<Vec<_>>()).unwrap();
    let net: NetworkRecord = serde_json::from_str(&net).unwrap();
    let devs: Vec<DeviceRecord> = serde_json::from_str(&devs).unwrap();
    let back = TrustCentre::<8, 16>::restore(TC, net, devs, flash.mark).unwrap();
    assert_eq!(
        back.devices().collect::<Vec<_>>(),
        tc.devices().collect::<Vec<_>>()
    );
    let jr = serde_json::to_string(js[0].record()).unwrap();
    let jr: dual_protocol_zigbee_nwk::security::joiner::JoinerRecord =
        serde_json::from_str(&jr).unwrap();
    assert_eq!(&jr, js[0].record());
}

/// zigbee-on-host NET2_TRANSPORT_KEY_NWK_FROM_COORD (shared vectors, also
/// used by `tshark_security.rs`): a real Transport Key under the
/// key-transport key of ZigBeeAlliance09, taken by our joiner.
#[test]
fn captured_transport_key_is_taken_by_the_joiner() {
    let captured = hex(
        "6188bd641a8fa1000008008fa100001ea1216a3006500100f99905feff504b80de473c64b569cac62c72ac2ffd682f57590baa2b6f1e0306f824a5a90358b26c8e68e6e8a75affffff",
    );
    let frame = &captured[..captured.len() - 2];
    let aps = &frame[9 + 8..];
    // Learn the destination (the joiner's address) and the key from the plaintext.
    let keys = Keys {
        network: None,
        link: Some(LinkKeys::new(&DEFAULT_TC_LINK_KEY).unwrap()),
    };
    let mut b = aps.to_vec();
    let mut t = IncomingCounters::<2>::new();
    let u = unsecure_aps(&mut b, &SecurityContext::default(), &keys, &mut t, None).unwrap();
    let p = &b[u.payload.clone()];
    assert_eq!(&p[..2], &[0x05, 0x01]);
    let key: [u8; 16] = p[2..18].try_into().unwrap();
    let dst = Eui64::from_le_bytes(p[19..27].try_into().unwrap());
    let mut j = Joiner::<4>::new(dst, DEFAULT_TC_LINK_KEY);
    j.handle_aps(aps).unwrap();
    assert_eq!(j.network_key(), Some((&key, p[18])));
    assert_eq!(j.record().trust_centre, Some(u.source));
    // The same frame for another device is refused.
    let mut other = Joiner::<4>::new(TC, DEFAULT_TC_LINK_KEY);
    other.handle_aps(aps).unwrap();
    assert_eq!(other.network_key(), None);
}

/// A router (device 1, commissioned) reports a child's join with an APS
/// Update Device secured with its own link key: an allow-listed child gets
/// the network key, an unknown one is refused, a forged report is refused.
#[test]
fn update_device_from_a_router() {
    use dual_protocol_zigbee_nwk::aps::{ApsCommand, UpdateDeviceStatus};
    use dual_protocol_zigbee_nwk::security::KeyIdentifier;
    use dual_protocol_zigbee_nwk::security::key_store::seal_command;
    let (mut tc, js, mut flash) = commissioned(1);
    drain_tc(&mut tc);
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    tc.authorise_install_code(dev(6), &install_code(6)).unwrap();
    let router_key = *js[0].link_key();
    let report = |child: Eui64, status, fc: u32, key: &[u8; 16]| {
        let cmd = ApsCommand::UpdateDevice {
            device: child,
            short: ShortAddr(0x2222),
            status,
        };
        let mut f = [0u8; 80];
        let n = seal_command(&cmd, KeyIdentifier::Data, key, dev(1), fc, 1, &mut f).unwrap();
        f[..n].to_vec()
    };
    let join = UpdateDeviceStatus::StandardUnsecuredJoin;
    tc.handle_aps(
        dev(1),
        &report(dev(6), join, 100, &router_key),
        &mut rng,
        &mut flash,
    )
    .unwrap();
    // The child has no network key: its Transport Key goes to the router
    // inside an APS Tunnel command (NWK-secured), for the router to relay.
    let tk = tc.poll_transmit().unwrap();
    assert_eq!(tk.dst, dev(1));
    assert!(tk.nwk_secured);
    let inner = untunnel(&tk.frame, dev(6));
    let mut child = Joiner::<4>::from_install_code(dev(6), &install_code(6)).unwrap();
    child.handle_aps(&inner).unwrap();
    assert_eq!(child.network_key(), Some((&NWK_KEY, 0)));
    assert_eq!(tc.device(dev(6)).unwrap().short, Some(0x2222));
    // An unknown child through the same router.
    tc.handle_aps(
        dev(1),
        &report(dev(8), join, 101, &router_key),
        &mut rng,
        &mut flash,
    )
    .unwrap();
    assert!(tc.poll_transmit().is_none());
    // A report under a key the router does not hold.
    tc.handle_aps(
        dev(1),
        &report(dev(6), join, 102, &[9; 16]),
        &mut rng,
        &mut flash,
    )
    .unwrap();
    assert!(tc.poll_transmit().is_none());
    // Secured rejoin of a joined child: address noted, no key sent.
    let rejoin = UpdateDeviceStatus::StandardSecuredRejoin;
    tc.handle_aps(
        dev(1),
        &report(dev(6), rejoin, 103, &router_key),
        &mut rng,
        &mut flash,
    )
    .unwrap();
    assert!(tc.poll_transmit().is_none());
    // Device left.
    let left = UpdateDeviceStatus::DeviceLeft;
    tc.handle_aps(
        dev(1),
        &report(dev(6), left, 104, &router_key),
        &mut rng,
        &mut flash,
    )
    .unwrap();
    assert!(!tc.device(dev(6)).unwrap().joined);
    let ev = drain_tc(&mut tc);
    assert_eq!(
        ev,
        [
            TcEvent::Joined { eui: dev(6) },
            TcEvent::Rejected {
                eui: dev(8),
                reason: RejectReason::NotAuthorised
            },
            TcEvent::Rejected {
                eui: dev(1),
                reason: RejectReason::Security(CommandError::Security(
                    SecurityError::MicMismatch { offset: 27 }
                ))
            },
            TcEvent::Left { eui: dev(6) },
        ]
    );
    // Trust-centre rejoin of the child: the current network key again.
    let tcr = UpdateDeviceStatus::StandardTrustCenterRejoin;
    tc.handle_aps(
        dev(1),
        &report(dev(6), tcr, 105, &router_key),
        &mut rng,
        &mut flash,
    )
    .unwrap();
    let tk = tc.poll_transmit().unwrap();
    child.handle_aps(&untunnel(&tk.frame, dev(6))).unwrap();
    assert!(drain_tc(&mut tc).contains(&TcEvent::Joined { eui: dev(6) }));
    // A trust-centre rejoin of a device whose entry is gone is refused,
    // even with the default key opted in.
    tc.allow_default_key(true);
    tc.handle_aps(
        dev(1),
        &report(dev(8), tcr, 106, &router_key),
        &mut rng,
        &mut flash,
    )
    .unwrap();
    assert!(tc.poll_transmit().is_none());
    assert_eq!(
        drain_tc(&mut tc),
        [TcEvent::Rejected {
            eui: dev(8),
            reason: RejectReason::UnknownRejoin
        }]
    );
    assert_eq!(tc.device(dev(8)), None);
}

/// The APS frame inside a Tunnel command for `dst` (R22 §4.4.10.6).
fn untunnel(frame: &[u8], dst: Eui64) -> Vec<u8> {
    use dual_protocol_zigbee_nwk::aps::{ApsBody, ApsCommand, ApsFrame};
    let ApsFrame {
        body: ApsBody::Command(c),
        ..
    } = ApsFrame::decode(frame).unwrap()
    else {
        panic!("a plain APS command");
    };
    let ApsCommand::Tunnel { dst: d, frame } = c.command else {
        panic!("a Tunnel command");
    };
    assert_eq!(d, dst);
    frame.to_vec()
}

/// Commands a device may not send to the trust centre, and a full table
/// and queue: refused with their reasons, nothing else changes.
#[test]
fn not_permitted_commands_and_full_tables() {
    use dual_protocol_zigbee_nwk::aps::ApsCommand;
    use dual_protocol_zigbee_nwk::security::KeyIdentifier;
    use dual_protocol_zigbee_nwk::security::key_store::seal_command;
    use dual_protocol_zigbee_nwk::security::trust_centre::TcError;
    let (mut tc, js, mut flash) = commissioned(2);
    drain_tc(&mut tc);
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    // An authenticated Remove Device from a device (only the TC sends it).
    let cmd = ApsCommand::RemoveDevice { target: dev(2) };
    let mut f = [0u8; 80];
    let n = seal_command(
        &cmd,
        KeyIdentifier::Data,
        js[0].link_key(),
        dev(1),
        500,
        1,
        &mut f,
    )
    .unwrap();
    tc.handle_aps(dev(1), &f[..n], &mut rng, &mut flash)
        .unwrap();
    assert_eq!(
        drain_tc(&mut tc),
        [TcEvent::Rejected {
            eui: dev(1),
            reason: RejectReason::NotPermitted
        }]
    );
    assert!(tc.device(dev(2)).is_some());
    // A Verify Key from a device with no key update under way.
    let hash = [0u8; 16];
    let v = ApsCommand::VerifyKey {
        key_type: dual_protocol_zigbee_nwk::aps::KeyType::TrustCenterLinkKey,
        source: dev(2),
        hash: &hash,
    };
    let n = dual_protocol_zigbee_nwk::security::key_store::plain_command(&v, 2, &mut f).unwrap();
    tc.handle_aps(dev(2), &f[..n], &mut rng, &mut flash)
        .unwrap();
    assert_eq!(
        drain_tc(&mut tc),
        [TcEvent::Rejected {
            eui: dev(2),
            reason: RejectReason::NotPermitted
        }]
    );
    // A table of 2 is full; a queue of 2 is full.
    let mut small = TrustCentre::<2, 2>::new(TC, NWK_KEY);
    small.authorise(dev(1), [1; 16]).unwrap();
    small.authorise(dev(2), [2; 16]).unwrap();
    assert_eq!(small.authorise(dev(3), [3; 16]), Err(TcError::TableFull));
    small
        .device_joined(dev(1), ShortAddr(1), &mut flash)
        .unwrap();
    small
        .device_joined(dev(2), ShortAddr(2), &mut flash)
        .unwrap();
    assert_eq!(
        small.device_joined(dev(1), ShortAddr(1), &mut flash),
        Err(TcError::QueueFull)
    );
    assert_eq!(
        small.switch_network_key(&mut flash),
        Err(TcError::NoPendingKey)
    );
    assert_eq!(
        small.decommission(dev(9), None, &mut flash),
        Err(TcError::UnknownDevice)
    );
}

/// The joining device restarted from its record keeps its keys and still
/// refuses the trust centre's old frames.
#[test]
fn joiner_restart_keeps_keys_and_replay_state() {
    let mut tc = TrustCentre::<8, 16>::new(TC, NWK_KEY);
    let mut flash = Flash::default();
    tc.authorise_install_code(dev(1), &install_code(1)).unwrap();
    tc.device_joined(dev(1), ShortAddr(1), &mut flash).unwrap();
    let tk = tc.poll_transmit().unwrap().frame;
    let mut j = Joiner::<4>::from_install_code(dev(1), &install_code(1)).unwrap();
    j.handle_aps(&tk).unwrap();
    let mut j = Joiner::<4>::restore(j.record().clone(), j.counter().persisted_mark());
    assert_eq!(j.network_key(), Some((&NWK_KEY, 0)));
    j.handle_aps(&tk).unwrap();
    assert!(matches!(
        drain_j(&mut j)[..],
        [JoinerEvent::Rejected {
            reason: CommandError::Security(SecurityError::Replay(_))
        }]
    ));
    // Key update after the restart still works.
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    update_link_key(&mut tc, &mut j, &mut rng, &mut flash);
    assert!(drain_j(&mut j).contains(&JoinerEvent::LinkKeyVerified));
}

/// A join or rejoin reported through a parent that is not a joined device
/// of the table is refused: nothing is tunnelled through it (found by the
/// `zigbee_trust_centre` fuzz target).
#[test]
fn report_through_an_unknown_parent_is_refused() {
    let (mut tc, _js, mut flash) = commissioned(1);
    drain_tc(&mut tc);
    let stranger = Eui64([0; 8]);
    assert_eq!(
        tc.device_rejoined(dev(1), ShortAddr(1), Some(stranger), false, &mut flash),
        Ok(false)
    );
    assert_eq!(
        tc.device_joined_via(dev(1), ShortAddr(1), Some(stranger), &mut flash),
        Ok(false)
    );
    // Nor through itself.
    assert_eq!(
        tc.device_rejoined(dev(1), ShortAddr(1), Some(dev(1)), false, &mut flash),
        Ok(false)
    );
    assert!(tc.poll_transmit().is_none());
    assert_eq!(
        drain_tc(&mut tc),
        [TcEvent::Rejected {
            eui: dev(1),
            reason: RejectReason::NotPermitted
        }; 3]
    );
}
