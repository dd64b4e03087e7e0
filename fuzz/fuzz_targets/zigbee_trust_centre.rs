//! Arbitrary APS frames from arbitrary sources into a trust centre with two
//! allow-listed devices, interleaved with join reports for arbitrary
//! addresses: never a panic, never a device admitted (sent a network key,
//! reported joined) unless it is on the allow-list, and every frame it
//! queues is an APS-secured frame that decodes.
#![no_main]

use dual_protocol_primitives::counter::CounterStore;
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_zigbee_nwk::ShortAddr;
use dual_protocol_zigbee_nwk::aps::{ApsBody, ApsFrame};
use dual_protocol_zigbee_nwk::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_zigbee_nwk::security::trust_centre::{TcEvent, TrustCentre};
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

fuzz_target!(|data: &[u8]| {
    let mut tc = TrustCentre::<4, 8>::new(Eui64([0xaa; 8]), [0x11; 16]);
    tc.authorise(ALLOWED[0], [0x21; 16]).unwrap();
    tc.authorise(ALLOWED[1], [0x22; 16]).unwrap();
    let mut rng = Rng(7);
    // Records: [tag, source byte, len, frame...].
    let mut rest = data;
    while let [tag, src, len, tail @ ..] = rest {
        let n = (*len as usize).min(tail.len());
        let (frame, next) = tail.split_at(n);
        rest = next;
        let source = Eui64([*src & 3; 8]);
        if tag & 1 == 0 {
            let _ = tc.handle_aps(source, frame, &mut rng, &mut Mem);
        } else {
            let _ = tc.device_joined(source, ShortAddr(u16::from(*src)), &mut Mem);
        }
        while let Some(o) = tc.poll_transmit() {
            assert!(ALLOWED.contains(&o.dst), "frame for {}", o.dst);
            let f = ApsFrame::decode(&o.frame).expect("our frame decodes");
            assert!(matches!(f.body, ApsBody::Secured(_)));
        }
        while let Some(e) = tc.poll_event() {
            if let TcEvent::Joined { eui } | TcEvent::Authenticated { eui } = e {
                assert!(ALLOWED.contains(&eui), "admitted {eui}");
            }
        }
    }
    assert!(tc.devices().all(|d| ALLOWED.contains(&d.eui)));
});
