//! Helpers shared by the integration tests.
#![allow(dead_code)]

use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::PanId;
use serde_json::Value;

pub const HUB: Eui64 = Eui64([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
pub const DEVICE: Eui64 = Eui64([0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
pub const PAN: PanId = PanId(0x1a62);
/// The install code of zigpy's `test_zigbee_util.py` (with its CRC), whose
/// link key is 66b6900981e1ee3ca4206b6b861c02bb.
pub const INSTALL_CODE: &str = "83fed3407a939723a5c639b26916d505c3b5";
pub const LINK_KEY: &str = "66b6900981e1ee3ca4206b6b861c02bb";
/// A fixed P-256 private scalar for the hub (test only).
pub const HUB_SCALAR: [u8; 32] = [
    0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16, 0x6b, 0x5c, 0x21, 0x57, 0x67, 0xb1, 0xd6, 0x93,
    0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8, 0x9b, 0x12, 0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21,
];

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn key16(s: &str) -> [u8; 16] {
    hex(s).try_into().unwrap()
}

pub fn records(text: &str, kind: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["kind"] == kind)
        .collect()
}

pub fn num(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap(),
        Value::String(s) => {
            let s = s.trim_start_matches("0x");
            u64::from_str_radix(s, 16).unwrap()
        }
        _ => panic!("not a number: {v}"),
    }
}

/// The 802.15.4 FCS (CRC-16/KERMIT), recomputed after tampering.
pub fn refcs(frame: &mut [u8]) {
    let n = frame.len() - 2;
    let crc = dual_protocol_zigbee_nwk::fcs::crc16_kermit(&frame[..n]);
    frame[n..].copy_from_slice(&crc.to_le_bytes());
}

use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_stub_aps::endpoint::device::{Device, DeviceConfig, DeviceEvent};
use dual_protocol_stub_aps::endpoint::hub::{Hub, HubConfig, HubEvent};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

pub type TestHub = Hub<4, 16>;
pub type TestDevice = Device<8, 16>;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn hub_config() -> HubConfig {
    HubConfig {
        eui: HUB,
        pan: PAN,
        interval_ms: 1_000,
        chain_length: 100,
        delay: 1,
        plain_clusters: [Some(0x0700), None, None, None],
    }
}

pub fn new_hub(mark: u64, epoch: u16) -> (TestHub, VolatileStore) {
    let mut store = VolatileStore::default();
    let mut h = TestHub::new(
        hub_config(),
        &HUB_SCALAR,
        CounterReservation::resume(mark, 16, u64::from(u32::MAX)),
        epoch,
    )
    .unwrap();
    h.add_device(DEVICE, &hex(INSTALL_CODE)).unwrap();
    h.reserve_counters(&mut store).unwrap();
    (h, store)
}

pub fn new_device(mark: u64) -> (TestDevice, VolatileStore) {
    let mut store = VolatileStore::default();
    let mut d = TestDevice::new(
        DeviceConfig {
            eui: DEVICE,
            pan: PanId::BROADCAST,
            drift_ppm: 100,
            pairing_timeout: Duration::from_secs(2),
        },
        &hex(INSTALL_CODE),
        CounterReservation::resume(mark, 16, u64::from(u32::MAX)),
    )
    .unwrap();
    d.reserve_counters(&mut store).unwrap();
    (d, store)
}

pub fn drain_hub(h: &mut TestHub, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 127];
    while let Some(n) = h.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

pub fn drain_device(d: &mut TestDevice, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 127];
    while let Some(n) = d.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

pub fn hub_events(h: &mut TestHub) -> Vec<HubEvent> {
    std::iter::from_fn(|| h.poll_event()).collect()
}

pub fn device_events(d: &mut TestDevice) -> Vec<DeviceEvent> {
    std::iter::from_fn(|| d.poll_event()).collect()
}

/// Hub with an epoch started at `t0` and a device paired and holding the
/// announcement. Returns both and the time reached.
pub fn paired(seed: u64) -> (TestHub, TestDevice, Instant) {
    let mut r = rng(seed);
    let t0 = Instant::from_millis(10_000);
    let (mut h, _) = new_hub(0, 0);
    let (mut d, _) = new_device(0);
    h.start_epoch(t0, &mut r).unwrap();
    let _initial_announcement = drain_hub(&mut h, t0);
    d.pair(t0, &mut r).unwrap();
    for f in drain_device(&mut d, t0) {
        h.handle_input(t0, &f).unwrap();
    }
    assert!(matches!(
        hub_events(&mut h)[..],
        [HubEvent::Paired { device: DEVICE }]
    ));
    for f in drain_hub(&mut h, t0) {
        d.handle_input(t0, &f);
    }
    let ev = device_events(&mut d);
    assert!(
        matches!(
            ev[..],
            [
                DeviceEvent::Paired { hub: HUB },
                DeviceEvent::Announced { epoch: 1 }
            ]
        ),
        "{ev:?}"
    );
    (h, d, t0)
}
