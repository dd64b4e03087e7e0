//! The APS data service's secured input path (ZigBee R22 §4.4.1.2):
//! a sender service secures real frames with a link key shared with the
//! receiver; the input interleaves those genuine frames with arbitrary
//! frames from arbitrary sources, genuine frames with one byte changed, and
//! genuine frames replayed, all through `handle_input_secured`. Never a
//! panic; a changed or replayed genuine frame is never delivered as
//! APS-secured data; every genuine frame is delivered at most once; and the
//! receiver still takes a fresh genuine frame at the end.
#![no_main]

use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zigbee_nwk::ShortAddr;
use dual_protocol_zigbee_nwk::aps::{
    ApsConfig, ApsDataService, ApsLinkKeys, ApsSecurity, DataRequest, Destination, GroupTable,
    Received,
};
use dual_protocol_zigbee_nwk::security::{
    IncomingCounters, OutgoingFrameCounter, SecurityContext, ZigbeeKey,
};
use libfuzzer_sys::fuzz_target;

type Svc = ApsDataService<2, 2, 4, 300>;

const A: (ShortAddr, Eui64) = (ShortAddr(0x0001), Eui64([1; 8]));
const B: (ShortAddr, Eui64) = (ShortAddr(0x0002), Eui64([2; 8]));

struct Keys(ZigbeeKey);
impl ApsLinkKeys for Keys {
    fn ieee(&self, nwk: ShortAddr) -> Option<Eui64> {
        [A, B].iter().find(|e| e.0 == nwk).map(|e| e.1)
    }
    fn link_key(&self, ieee: Eui64) -> Option<&ZigbeeKey> {
        [A.1, B.1].contains(&ieee).then_some(&self.0)
    }
}

struct Mem;
impl CounterStore for Mem {
    type Error = ();
    fn persist(&mut self, _: u64) -> Result<(), ()> {
        Ok(())
    }
}

fn req(payload_tag: u8) -> DataRequest {
    DataRequest {
        dst: Destination::Unicast {
            nwk: B.0,
            endpoint: 1,
        },
        profile: 0x0109,
        cluster: 0x0700 | u16::from(payload_tag & 0x0f),
        src_endpoint: 1,
        ack: false,
    }
}

fuzz_target!(|data: &[u8]| {
    let keys = Keys(ZigbeeKey::new(&[0x5a; 16]).unwrap());
    let cfg = ApsConfig {
        fragment_size: 40,
        ..ApsConfig::default()
    };
    let mut a = Svc::new(cfg, 0);
    let mut b = Svc::new(cfg, 0x80);
    let groups = GroupTable::<1>::new();
    let (mut a_out, mut b_out) = (
        OutgoingFrameCounter::resume(0, 16),
        OutgoingFrameCounter::resume(0, 16),
    );
    let (mut a_in, mut b_in) = (IncomingCounters::<4>::new(), IncomingCounters::<4>::new());
    let mut genuine: Vec<Vec<u8>> = Vec::new();
    let mut delivered = 0usize;
    let mut now = Instant::from_millis(0);
    let mut rest = data;
    while let [ctl, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (bytes, next) = tail.split_at(n);
        rest = next;
        now = now + Duration::from_millis(u64::from(*ctl >> 3) * 50);
        let mut frame: Vec<u8>;
        let tampered;
        match ctl & 7 {
            0 | 1 => {
                // A genuine frame from A.
                let _ = a.send_secured(req(*ctl), bytes);
                let mut sec = ApsSecurity {
                    ctx: SecurityContext::default(),
                    own_ieee: A.1,
                    keys: &keys,
                    outgoing: &mut a_out,
                    incoming: &mut a_in,
                };
                let mut buf = [0u8; 127];
                let Some(t) = a.poll_transmit_secured(now, &mut buf, &mut sec, &mut Mem) else {
                    continue;
                };
                frame = buf[..t.len].to_vec();
                genuine.push(frame.clone());
                tampered = false;
            }
            2 | 3 if !genuine.is_empty() => {
                // A genuine frame with one byte changed.
                let g = &genuine[usize::from(*len) % genuine.len()];
                frame = g.clone();
                let at = bytes.first().map_or(0, |x| usize::from(*x)) % frame.len();
                frame[at] ^= bytes.get(1).copied().filter(|x| *x != 0).unwrap_or(0x01);
                tampered = true;
            }
            4 if !genuine.is_empty() => {
                // A genuine frame replayed.
                frame = genuine[usize::from(*len) % genuine.len()].clone();
                tampered = true;
            }
            _ => {
                frame = bytes.to_vec();
                tampered = false;
            }
        }
        let src = if ctl & 0x40 == 0 {
            A.0
        } else {
            ShortAddr(u16::from(*len))
        };
        let mut sec = ApsSecurity {
            ctx: SecurityContext::default(),
            own_ieee: B.1,
            keys: &keys,
            outgoing: &mut b_out,
            incoming: &mut b_in,
        };
        match b.handle_input_secured(now, src, &mut frame, &groups, &mut sec) {
            Ok(Received::Data(d)) if d.aps_secured => {
                assert!(!tampered, "a changed or replayed frame was delivered");
                delivered += 1;
            }
            _ => {}
        }
        assert!(
            delivered <= genuine.len(),
            "a genuine frame delivered twice"
        );
        let mut buf = [0u8; 127];
        while b.poll_transmit(now, &mut buf).is_some() {}
        while b.poll_event().is_some() {}
        while a.poll_event().is_some() {}
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    // Still working: a fresh genuine frame is delivered.
    let now = now + Duration::from_secs(60);
    a.handle_timeout(now);
    b.handle_timeout(now);
    while a.poll_event().is_some() {}
    if a.send_secured(req(0), b"fresh").is_ok() {
        let mut sec = ApsSecurity {
            ctx: SecurityContext::default(),
            own_ieee: A.1,
            keys: &keys,
            outgoing: &mut a_out,
            incoming: &mut a_in,
        };
        let mut buf = [0u8; 127];
        let mut got = false;
        while let Some(t) = a.poll_transmit_secured(now, &mut buf, &mut sec, &mut Mem) {
            let mut frame = buf[..t.len].to_vec();
            let mut sb = ApsSecurity {
                ctx: SecurityContext::default(),
                own_ieee: B.1,
                keys: &keys,
                outgoing: &mut b_out,
                incoming: &mut b_in,
            };
            if let Ok(Received::Data(d)) =
                b.handle_input_secured(now, A.0, &mut frame, &groups, &mut sb)
            {
                got |= d.aps_secured && d.payload == b"fresh";
            }
        }
        assert!(got, "a fresh genuine frame is delivered");
    }
});
