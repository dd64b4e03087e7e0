//! `stub-aps`: Inter-PAN frames and their security, no heap: decode an
//! Inter-PAN frame (FCS checked when the first byte is odd), re-encode it
//! into a stack buffer, open it in a stack copy as an Ember-form secured
//! frame and as a Dual Protocol pairwise frame (fixed key, replay window of
//! 64), and feed it to a device endpoint (install-code key, 2 buffered
//! broadcasts, queues of 2).

use dual_protocol_primitives::counter::CounterReservation;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::replay::ReplayWindow;
use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_stub_aps::endpoint::device::{Device, DeviceConfig};
use dual_protocol_stub_aps::frame::InterPanFrame;
use dual_protocol_stub_aps::published::{self, PublishedOptions};
use dual_protocol_stub_aps::secure;
use dual_protocol_stub_aps::zigbee_nwk::PanId;
use dual_protocol_stub_aps::zigbee_nwk::mac::MacContext;
use dual_protocol_stub_aps::zigbee_nwk::security::ZigbeeKey;

const IC: [u8; 18] = [
    0x83, 0xfe, 0xd3, 0x40, 0x7a, 0x93, 0x97, 0x23, 0xa5, 0xc6, 0x39, 0xb2, 0x69, 0x16, 0xd5, 0x05,
    0xc3, 0xb5,
];

pub fn probe(input: &[u8]) -> u32 {
    let mut acc = 0u32;
    let mut out = [0u8; 127];
    let ctx = MacContext {
        fcs: input.first().is_some_and(|b| b & 1 == 1),
    };
    let Ok(f) = InterPanFrame::decode_with(input, &ctx) else {
        return acc;
    };
    acc ^= f.encode_with(&mut out, &ctx).unwrap_or(0) as u32;
    let end = f.layout().end;
    let Ok(key) = ZigbeeKey::new(&[0x5a; 16]) else {
        return acc;
    };
    let mut buf = [0u8; 127];
    if let (Some(dst), Some(src)) = (buf.get_mut(..end), input.get(..end)) {
        dst.copy_from_slice(src);
        let mut w = ReplayWindow::<2>::new();
        if let Ok(o) = published::open(dst, &key, &PublishedOptions::EMBER, &mut w) {
            acc ^= o.plaintext.len() as u32;
        }
        dst.copy_from_slice(src);
        if let Ok(o) = secure::open_pairwise(dst, &key, 0, &mut w) {
            acc ^= o.frame_counter;
        }
    }
    let cfg = DeviceConfig {
        eui: Eui64([0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]),
        pan: PanId::BROADCAST,
        drift_ppm: 100,
        pairing_timeout: Duration::from_secs(2),
    };
    if let Ok(mut d) = Device::<2, 2>::new(
        cfg,
        &IC,
        CounterReservation::resume(0, 16, u64::from(u32::MAX)),
    ) {
        d.handle_input(Instant::from_millis(1), input.get(..end).unwrap_or(&[]));
        acc ^= d.rejections().total();
        if d.poll_event().is_some() {
            acc = acc.wrapping_add(1);
        }
    }
    acc
}
