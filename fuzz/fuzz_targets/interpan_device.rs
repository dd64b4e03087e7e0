//! A paired device endpoint (hub and device set up in process, chain
//! announced) fed arbitrary frames at fuzzer-chosen times: never a panic,
//! and nothing the fuzzer makes is accepted as a hub broadcast or unicast
//! (it does not know the pairwise key or the chain).
#![no_main]

use core::convert::Infallible;
use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_stub_aps::endpoint::device::{Device, DeviceConfig, DeviceEvent};
use dual_protocol_stub_aps::endpoint::hub::{Hub, HubConfig};
use dual_protocol_stub_aps::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_zigbee_nwk::PanId;
use libfuzzer_sys::fuzz_target;

struct Counter(u64);
impl TryRng for Counter {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.try_next_u64()? as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for b in dst {
            *b = self.try_next_u64()? as u8;
        }
        Ok(())
    }
}
impl TryCryptoRng for Counter {}

const IC: [u8; 18] = [
    0x83, 0xfe, 0xd3, 0x40, 0x7a, 0x93, 0x97, 0x23, 0xa5, 0xc6, 0x39, 0xb2, 0x69, 0x16, 0xd5, 0x05,
    0xc3, 0xb5,
];
const HUB: Eui64 = Eui64([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
const DEV: Eui64 = Eui64([0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);

fuzz_target!(|data: &[u8]| {
    let mut store = VolatileStore::default();
    let cfg = HubConfig {
        eui: HUB,
        pan: PanId(0x1a62),
        interval_ms: 1000,
        chain_length: 50,
        delay: 1,
        plain_clusters: [None; 4],
    };
    let mut hub = Hub::<2, 8>::new(
        cfg,
        &[7; 32],
        CounterReservation::resume(0, 64, u64::from(u32::MAX)),
        0,
    )
    .expect("scalar");
    hub.add_device(DEV, &IC).expect("install code");
    let _ = hub.reserve_counters(&mut store);
    let mut dev = Device::<4, 8>::new(
        DeviceConfig {
            eui: DEV,
            pan: PanId::BROADCAST,
            drift_ppm: 100,
            pairing_timeout: Duration::from_secs(2),
        },
        &IC,
        CounterReservation::resume(0, 64, u64::from(u32::MAX)),
    )
    .expect("install code");
    let _ = dev.reserve_counters(&mut store);
    let mut rng = Counter(1);
    let t0 = Instant::from_millis(10_000);
    hub.start_epoch(t0, &mut rng).expect("epoch");
    let mut buf = [0u8; 127];
    while hub.poll_transmit(t0, &mut buf).is_some() {}
    dev.pair(t0, &mut rng).expect("pair");
    while let Some(n) = dev.poll_transmit(t0, &mut buf) {
        let _ = hub.handle_input(t0, &buf[..n]);
    }
    while let Some(n) = hub.poll_transmit(t0, &mut buf) {
        dev.handle_input(t0, &buf[..n]);
    }
    while dev.poll_event().is_some() {}
    // The fuzzer's frames: [len, time step (100 ms units), bytes...]*.
    let mut now = t0;
    let mut rest = data;
    while let [len, step, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        now += Duration::from_millis(u64::from(*step) * 100);
        dev.handle_input(now, &tail[..n]);
        if dev.poll_timeout().is_some_and(|t| t <= now) {
            dev.handle_timeout(now);
        }
        rest = &tail[n..];
    }
    while let Some(e) = dev.poll_event() {
        assert!(
            !matches!(e, DeviceEvent::Data { .. }),
            "forged frame accepted: {e:?}"
        );
    }
});
