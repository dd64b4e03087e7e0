//! A hub endpoint with one installed device fed arbitrary frames: never a
//! panic, and no authenticated request or pairing comes out of frames the
//! fuzzer makes (it does not know the device's install code).
#![no_main]

use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::Instant;
use dual_protocol_stub_aps::endpoint::hub::{Hub, HubConfig, HubEvent};
use dual_protocol_zigbee_nwk::PanId;
use libfuzzer_sys::fuzz_target;

const IC: [u8; 18] = [
    0x83, 0xfe, 0xd3, 0x40, 0x7a, 0x93, 0x97, 0x23, 0xa5, 0xc6, 0x39, 0xb2, 0x69, 0x16, 0xd5, 0x05,
    0xc3, 0xb5,
];

fuzz_target!(|data: &[u8]| {
    let cfg = HubConfig {
        eui: Eui64([0x11; 8]),
        pan: PanId(0x1a62),
        interval_ms: 1000,
        chain_length: 50,
        delay: 1,
        plain_clusters: [Some(0x0700), None, None, None],
    };
    let mut hub = Hub::<2, 8>::new(
        cfg,
        &[7; 32],
        CounterReservation::resume(0, 64, u64::from(u32::MAX)),
        0,
    )
    .expect("scalar");
    hub.add_device(Eui64([0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]), &IC)
        .expect("install code");
    let mut store = VolatileStore::default();
    let _ = hub.reserve_counters(&mut store);
    let now = Instant::from_millis(10_000);
    let mut rest = data;
    while let [len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let _ = hub.handle_input(now, &tail[..n]);
        rest = &tail[n..];
    }
    let mut buf = [0u8; 127];
    while hub.poll_transmit(now, &mut buf).is_some() {}
    while let Some(e) = hub.poll_event() {
        assert!(
            !matches!(e, HubEvent::Request { .. } | HubEvent::Paired { .. }),
            "forged frame accepted: {e:?}"
        );
    }
});
