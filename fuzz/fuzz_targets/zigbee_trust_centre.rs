//! Arbitrary APS frames from arbitrary sources into a trust centre with two
//! allow-listed devices, interleaved with join reports and secured or
//! trust-centre rejoin reports for arbitrary addresses; and, into a hub
//! `Node` wired to its own trust centre, arbitrary MAC frames and unsecured
//! NWK Rejoin Requests from arbitrary devices: never a panic, never a
//! device admitted (sent a network key, reported joined or rejoined) unless
//! it is on the allow-list, and every frame the trust centre queues is an
//! APS-secured frame or a Tunnel of one that decodes.
#![no_main]

use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use dual_protocol_zigbee_nwk::aps::{ApsBody, ApsCommand, ApsFrame};
use dual_protocol_zigbee_nwk::nwk::commissioning::{CommissioningEvent, TrustCentreRole};
use dual_protocol_zigbee_nwk::nwk::node::{Node, NodeConfig, NodeEvent, Role};
use dual_protocol_zigbee_nwk::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_zigbee_nwk::security::trust_centre::{TcEvent, TrustCentre};
use dual_protocol_zigbee_nwk::security::{Keys, OutgoingFrameCounter, ZigbeeKey};
use dual_protocol_zigbee_nwk::{PanId, ShortAddr};
use libfuzzer_sys::fuzz_target;

struct Mem;
impl CounterStore for Mem {
    type Error = ();
    fn persist(&mut self, _: u64) -> Result<(), ()> {
        Ok(())
    }
}

struct Rng(u64);
impl TryRng for Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Ok(z ^ (z >> 31))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(8) {
            let v = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}
impl TryCryptoRng for Rng {}

const ALLOWED: [Eui64; 2] = [Eui64([1; 8]), Eui64([2; 8])];

type Hub = Node<Mem, 4, 4, 4, 8, TrustCentreRole<Mem, Rng, 4, 8>>;

fn trust_centre() -> TrustCentre<4, 8> {
    let mut tc = TrustCentre::<4, 8>::new(Eui64([0xaa; 8]), [0x11; 16]);
    tc.authorise(ALLOWED[0], [0x21; 16]).unwrap();
    tc.authorise(ALLOWED[1], [0x22; 16]).unwrap();
    tc
}

fn hub() -> Hub {
    let cfg = NodeConfig::new(
        Role::Coordinator,
        Eui64([0xaa; 8]),
        PanId(0x2b60),
        Eui64([5; 8]),
    );
    let keys = Keys {
        network: Some((0, ZigbeeKey::new(&[0x11; 16]).unwrap())),
        link: None,
    };
    let mut n = Node::with_commissioning(
        cfg,
        keys,
        OutgoingFrameCounter::resume(0, 64),
        Mem,
        1,
        TrustCentreRole::new(trust_centre(), Mem, Rng(3)),
    );
    n.permit_joining(Instant::from_millis(0), 0xff);
    n
}

/// An unsecured NWK Rejoin Request from `ieee` claiming `short` (MAC data
/// frame without FCS, R22 §3.4.6).
fn rejoin_request(ieee: Eui64, short: u16, cap: u8) -> Vec<u8> {
    let [s0, s1] = short.to_le_bytes();
    let mut f = vec![
        0x41, 0x88, 0x21, 0x60, 0x2b, 0x00, 0x00, s0, s1, 0x09, 0x10, 0x00, 0x00, s0, s1, 0x01,
        0x42,
    ];
    f.extend(ieee.to_le_bytes());
    f.extend([0x06, cap]);
    f
}

fn check_queued(frame: &[u8]) {
    let f = ApsFrame::decode(frame).expect("our frame decodes");
    match f.body {
        ApsBody::Secured(_) => {}
        ApsBody::Command(c) => {
            let ApsCommand::Tunnel { dst, .. } = c.command else {
                panic!("an unsecured command other than Tunnel");
            };
            assert!(ALLOWED.contains(&dst), "tunnel for {dst}");
            let inner = c.command.tunneled_frame().unwrap().expect("inner decodes");
            assert!(matches!(inner.body, ApsBody::Secured(_)));
        }
        _ => panic!("not a command"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut tc = trust_centre();
    let mut node = hub();
    let mut rng = Rng(7);
    let mut now = 0u64;
    // Records: [tag, source byte, len, frame...].
    let mut rest = data;
    while let [tag, src, len, tail @ ..] = rest {
        let n = (*len as usize).min(tail.len());
        let (frame, next) = tail.split_at(n);
        rest = next;
        let source = Eui64([*src & 3; 8]);
        let short = ShortAddr(u16::from(*src));
        match tag % 6 {
            0 => {
                let _ = tc.handle_aps(source, frame, &mut rng, &mut Mem);
            }
            1 => {
                let _ = tc.device_joined(source, short, &mut Mem);
            }
            2 | 3 => {
                let parent = (tag & 0x10 != 0).then_some(Eui64([*src >> 2 & 3; 8]));
                let _ = tc.device_rejoined(source, short, parent, tag % 6 == 3, &mut Mem);
            }
            4 => {
                let _ = node.handle_input(Instant::from_millis(now), frame, 200);
            }
            _ => {
                let f = rejoin_request(source, u16::from(*src) << 4 | u16::from(*len), *len);
                let _ = node.handle_input(Instant::from_millis(now), &f, 200);
            }
        }
        now += u64::from(*len);
        node.handle_timeout(Instant::from_millis(now));
        while let Some(o) = tc.poll_transmit() {
            assert!(ALLOWED.contains(&o.dst), "frame for {}", o.dst);
            check_queued(&o.frame);
        }
        while let Some(e) = tc.poll_event() {
            if let TcEvent::Joined { eui } | TcEvent::Authenticated { eui } = e {
                assert!(ALLOWED.contains(&eui), "admitted {eui}");
            }
        }
        let mut buf = [0u8; 127];
        while node
            .poll_transmit(Instant::from_millis(now), &mut buf)
            .is_some()
        {}
        while let Some(e) = node.poll_event() {
            match e {
                NodeEvent::ChildJoined { ieee, .. } | NodeEvent::ChildRejoined { ieee, .. } => {
                    assert!(ALLOWED.contains(&ieee), "node admitted {ieee}");
                }
                NodeEvent::Commissioning(CommissioningEvent::TrustCentre(
                    TcEvent::Joined { eui } | TcEvent::Authenticated { eui },
                )) => assert!(ALLOWED.contains(&eui), "hub admitted {eui}"),
                _ => {}
            }
        }
    }
    assert!(tc.devices().all(|d| ALLOWED.contains(&d.eui)));
    assert!(
        node.trust_centre()
            .devices()
            .all(|d| ALLOWED.contains(&d.eui))
    );
});
