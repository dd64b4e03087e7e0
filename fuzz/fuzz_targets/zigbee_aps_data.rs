//! Arbitrary APS frames from arbitrary sources into the APS data service,
//! interleaved with sends, timer runs and transmissions: never a panic,
//! every frame it transmits decodes, it never holds more than its
//! capacities, and afterwards it still sends and delivers.
#![no_main]

use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zigbee_nwk::ShortAddr;
use dual_protocol_zigbee_nwk::aps::{
    ApsConfig, ApsDataService, ApsFrame, DataRequest, Destination, GroupTable, Received,
};
use libfuzzer_sys::fuzz_target;

type Svc = ApsDataService<2, 2, 4, 300>;

fn req() -> DataRequest {
    DataRequest {
        dst: Destination::Unicast {
            nwk: ShortAddr(1),
            endpoint: 1,
        },
        profile: 0x0109,
        cluster: 0x0702,
        src_endpoint: 1,
        ack: true,
    }
}

fn drain(s: &mut Svc, now: Instant) {
    let mut buf = [0u8; 127];
    while let Some(t) = s.poll_transmit(now, &mut buf) {
        ApsFrame::decode(&buf[..t.len]).expect("the service's frames decode");
    }
    while s.poll_event().is_some() {}
}

fuzz_target!(|data: &[u8]| {
    let cfg = ApsConfig {
        fragment_size: 16,
        window_size: 3,
        max_reassembly: 200,
        ..ApsConfig::default()
    };
    let mut s = Svc::new(cfg, 0);
    let mut groups = GroupTable::<2>::new();
    let _ = groups.add(0x0001, 1);
    let mut now = Instant::from_millis(0);
    let mut rest = data;
    while let [len, ctl, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (frame, next) = tail.split_at(n);
        rest = next;
        now = now + Duration::from_millis(u64::from(*ctl >> 2) * 100);
        match ctl & 3 {
            0 => {
                let _ = s.send(req(), frame);
            }
            _ => {
                let src = ShortAddr(u16::from(ctl & 3));
                if let Ok(Received::Data(d)) = s.handle_input(now, src, frame, &groups) {
                    assert!(d.payload.len() <= 300);
                }
            }
        }
        if s.poll_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        }
        drain(&mut s, now);
        assert!(s.in_flight() <= 2);
    }
    // Still works: a fresh peer exchange delivers.
    let mut peer = Svc::new(cfg, 100);
    now = now + Duration::from_secs(60);
    s.handle_timeout(now);
    drain(&mut s, now);
    peer.send(req(), b"still alive").expect("peer queue empty");
    let mut buf = [0u8; 127];
    let t = peer.poll_transmit(now, &mut buf).expect("a frame");
    match s.handle_input(now, ShortAddr(9), &buf[..t.len], &groups) {
        Ok(Received::Data(d)) => assert_eq!(d.payload, b"still alive"),
        r => panic!("not delivered: {r:?}"),
    }
});
