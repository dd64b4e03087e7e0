//! `zigbee-nwk`: the 802.15.4 MAC, ZigBee NWK, APS and ZDO codecs, no heap:
//! decode a MAC frame (FCS checked) down through NWK, APS and ZDO (with the
//! NWK and APS commands), and re-encode each layer into stack buffers; a
//! secured NWK frame is unsecured in a stack copy (CCM* with a fixed key,
//! replay table of 4 entries) and secured again. The machines: one
//! coordinator step (the input as a received MAC frame, a timer run, the
//! frames it sends) and one APS data service step (the input as an APS
//! frame, an acknowledged send, its transmission), all in stack memory;
//! and a trust-centre step (a join report, the input as an APS command from
//! an allow-listed device, the secured Transport Key sent) with the joining
//! device taking that Transport Key; then the hub's node wired to that
//! trust centre (`nwk::commissioning`) taking the input as a MAC frame.

use dual_protocol_zigbee_nwk::aps::{ApsBody, ApsFrame};
use dual_protocol_zigbee_nwk::mac::{MacBody, MacContext, MacFrame};
use dual_protocol_zigbee_nwk::nwk::{BeaconPayload, NwkBody, NwkPdu};
use dual_protocol_zigbee_nwk::zdo::ZdoFrame;

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = machines(input) ^ trust_centre(input);
    let mut out = [0u8; 127];
    let ctx = MacContext {
        fcs: input.first().is_some_and(|b| b & 1 == 1),
    };
    let Ok(mac) = MacFrame::decode_with(input, &ctx) else {
        return acc;
    };
    acc ^= mac.encode_with(&mut out, &ctx).unwrap_or(0) as u32;
    if let MacBody::Beacon(b) = mac.body {
        if let Ok(p) = BeaconPayload::decode(b.payload) {
            acc ^= p.encode(&mut out).unwrap_or(0) as u32 ^ p.tx_offset;
        }
    }
    let Some(payload) = mac.data_payload() else {
        return acc;
    };
    let Ok(NwkPdu::Frame(nwk)) = NwkPdu::decode(payload) else {
        return acc;
    };
    acc ^= nwk.encode(&mut out).unwrap_or(0) as u32;
    if let Some(l) = nwk.secured_layout() {
        acc ^= l.aad_end as u32;
        acc ^= unsecure(payload);
    }
    let aps = match nwk.body {
        NwkBody::Data(p) => p,
        NwkBody::Command(c) => return acc ^ u32::from(c.command.id()),
        _ => return acc,
    };
    let Ok(aps) = ApsFrame::decode(aps) else {
        return acc;
    };
    acc ^= aps.encode(&mut out).unwrap_or(0) as u32;
    match aps.body {
        ApsBody::Payload(p) if aps.is_zdo() => {
            if let Ok(z) = ZdoFrame::decode_with(p, aps.header.cluster.unwrap_or(0)) {
                acc ^= z.encode(&mut out).unwrap_or(0) as u32 ^ u32::from(z.message.cluster());
            }
        }
        ApsBody::Command(c) => acc ^= u32::from(c.command.id()),
        _ => {}
    }
    acc
}

/// ZigBee security, heap-free: unsecure a copy of a secured NWK frame, then secure it again.
fn unsecure(nwk: &[u8]) -> u32 {
    use dual_protocol_zigbee_nwk::security::{
        IncomingCounters, Keys, SecurityContext, ZigbeeKey, secure_nwk, unsecure_nwk,
    };
    let mut buf = [0u8; 127];
    let Some(frame) = buf.get_mut(..nwk.len()) else {
        return 0;
    };
    frame.copy_from_slice(nwk);
    let Ok(key) = ZigbeeKey::new(&[0x5a; 16]) else {
        return 0;
    };
    let keys = Keys {
        network: Some((0, key)),
        link: None,
    };
    let mut table = IncomingCounters::<4>::new();
    let ctx = SecurityContext::default();
    match unsecure_nwk(frame, &ctx, &keys, &mut table) {
        Ok(u) => {
            let Some((_, key)) = &keys.network else {
                return 0;
            };
            u.payload.len() as u32 ^ u32::from(secure_nwk(frame, &ctx, key).is_ok())
        }
        Err(_) => 0xdead,
    }
}

/// The state machines, heap-free: a coordinator node (tables of 2-4
/// entries) and an APS data service (2 transmissions and 1 reassembly of
/// 128 bytes).
fn machines(input: &[u8]) -> u32 {
    use dual_protocol_primitives::counter::CounterStore;
    use dual_protocol_primitives::eui64::Eui64;
    use dual_protocol_primitives::time::Instant;
    use dual_protocol_zigbee_nwk::aps::{
        ApsConfig, ApsDataService, DataRequest, Destination, GroupTable, Received,
    };
    use dual_protocol_zigbee_nwk::nwk::node::{Node, NodeConfig, Role};
    use dual_protocol_zigbee_nwk::security::{Keys, OutgoingFrameCounter, ZigbeeKey};
    use dual_protocol_zigbee_nwk::{PanId, ShortAddr};

    struct Flash(u64);
    impl CounterStore for Flash {
        type Error = ();
        fn persist(&mut self, mark: u64) -> Result<(), ()> {
            self.0 = mark;
            Ok(())
        }
    }
    let Ok(key) = ZigbeeKey::new(&[0x5a; 16]) else {
        return 0;
    };
    let keys = Keys {
        network: Some((0, key)),
        link: None,
    };
    let cfg = NodeConfig::new(
        Role::Coordinator,
        Eui64([1; 8]),
        PanId(0x1a62),
        Eui64([2; 8]),
    );
    let mut hub: Node<Flash, 4, 4, 2, 4> =
        Node::with_seed(cfg, keys, OutgoingFrameCounter::resume(0, 64), Flash(0), 1);
    let now = Instant::from_millis(u64::from(input.first().copied().unwrap_or(0)));
    hub.permit_joining(now, 60);
    hub.start(now);
    let mut acc = match hub.handle_input(now, input, 200) {
        Ok(Some(ind)) => ind.payload.len() as u32,
        Ok(None) => 1,
        Err(_) => 2,
    };
    hub.handle_timeout(now);
    let mut out = [0u8; 127];
    while let Some(n) = hub.poll_transmit(now, &mut out) {
        acc ^= n as u32;
    }
    while hub.poll_event().is_some() {
        acc = acc.rotate_left(1);
    }

    let mut aps: ApsDataService<2, 1, 4, 128> = ApsDataService::new(ApsConfig::default(), 0);
    let groups = GroupTable::<2>::new();
    if let Ok(Received::Data(d)) = aps.handle_input(now, ShortAddr(1), input, &groups) {
        acc ^= d.payload.len() as u32;
    }
    let req = DataRequest {
        dst: Destination::Unicast {
            nwk: ShortAddr(1),
            endpoint: 1,
        },
        profile: 0x0109,
        cluster: 0x0702,
        src_endpoint: 1,
        ack: true,
    };
    if aps
        .send(req, input.get(..input.len().min(100)).unwrap_or(&[]))
        .is_ok()
    {
        while let Some(t) = aps.poll_transmit(now, &mut out) {
            acc ^= t.len as u32;
        }
    }
    aps.handle_timeout(now);
    acc ^ u32::from(aps.poll_timeout().is_some())
}

/// The trust centre and the joining device, heap-free: 2 devices, 2 queued frames.
fn trust_centre(input: &[u8]) -> u32 {
    use dual_protocol_primitives::counter::CounterStore;
    use dual_protocol_primitives::eui64::Eui64;
    use dual_protocol_zigbee_nwk::ShortAddr;
    use dual_protocol_zigbee_nwk::rand_core::{TryCryptoRng, TryRng};
    use dual_protocol_zigbee_nwk::security::joiner::Joiner;
    use dual_protocol_zigbee_nwk::security::trust_centre::TrustCentre;

    struct Flash(u64);
    impl CounterStore for Flash {
        type Error = ();
        fn persist(&mut self, mark: u64) -> Result<(), ()> {
            self.0 = mark;
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
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1);
            Ok(self.0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for b in dst {
                *b = self.try_next_u64()? as u8;
            }
            Ok(())
        }
    }
    impl TryCryptoRng for Rng {}

    let dev = Eui64([7; 8]);
    let key = [input.first().copied().unwrap_or(0); 16];
    let mut flash = Flash(0);
    let mut tc = TrustCentre::<2, 2>::new(Eui64([1; 8]), [0x5a; 16]);
    let mut acc = u32::from(tc.authorise(dev, key).is_ok());
    let mut rng = Rng(input.len() as u64);
    let _ = tc.handle_aps(dev, input, &mut rng, &mut flash);
    acc ^= u32::from(tc.device_joined(dev, ShortAddr(7), &mut flash) == Ok(true)) << 1;
    let mut joiner = Joiner::<1>::new(dev, key);
    while let Some(o) = tc.poll_transmit() {
        acc ^= o.frame.len() as u32;
        let _ = joiner.handle_aps(&o.frame);
    }
    while tc.poll_event().is_some() {
        acc = acc.rotate_left(1);
    }
    acc ^= joiner.network_key().map_or(0, |(k, s)| u32::from(k[0] ^ s)) ^ flash.0 as u32;
    acc ^ wired_hub(input, tc, rng)
}

/// The hub's node wired to its trust centre (`nwk::commissioning`): the
/// input as a received MAC frame (an association or a rejoin request asks
/// the trust centre; an APS command goes to it), a timer run, the frames
/// and events out.
fn wired_hub<R: dual_protocol_zigbee_nwk::rand_core::CryptoRng>(
    input: &[u8],
    tc: dual_protocol_zigbee_nwk::security::trust_centre::TrustCentre<2, 2>,
    rng: R,
) -> u32 {
    use dual_protocol_primitives::counter::CounterStore;
    use dual_protocol_primitives::eui64::Eui64;
    use dual_protocol_primitives::time::Instant;
    use dual_protocol_zigbee_nwk::PanId;
    use dual_protocol_zigbee_nwk::nwk::commissioning::TrustCentreRole;
    use dual_protocol_zigbee_nwk::nwk::node::{Node, NodeConfig, Role};
    use dual_protocol_zigbee_nwk::security::{Keys, OutgoingFrameCounter, ZigbeeKey};

    struct Flash(u64);
    impl CounterStore for Flash {
        type Error = ();
        fn persist(&mut self, mark: u64) -> Result<(), ()> {
            self.0 = mark;
            Ok(())
        }
    }
    let Ok(key) = ZigbeeKey::new(&[0x5a; 16]) else {
        return 0;
    };
    let keys = Keys {
        network: Some((0, key)),
        link: None,
    };
    let cfg = NodeConfig::new(Role::Coordinator, tc.eui(), PanId(0x1a62), Eui64([2; 8]));
    let role = TrustCentreRole::new(tc, Flash(0), rng);
    let mut hub: Node<Flash, 2, 2, 2, 2, TrustCentreRole<Flash, R, 2, 2>> =
        Node::with_commissioning(
            cfg,
            keys,
            OutgoingFrameCounter::resume(0, 64),
            Flash(0),
            3,
            role,
        );
    let now = Instant::from_millis(u64::from(input.last().copied().unwrap_or(0)));
    hub.permit_joining(now, 60);
    let mut acc = u32::from(hub.handle_input(now, input, 200).is_ok());
    hub.handle_timeout(now);
    let mut out = [0u8; 127];
    while let Some(n) = hub.poll_transmit(now, &mut out) {
        acc ^= n as u32;
    }
    while hub.poll_event().is_some() {
        acc = acc.rotate_left(1);
    }
    acc ^ hub.trust_centre().devices().count() as u32
}
