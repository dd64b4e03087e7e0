//! OTA Upgrade client machine (zcl-se `ota::client`): arbitrary frames from
//! arbitrary sources, interleaved with queries, polls and timer firings,
//! never panic, never write outside the offered image or past the sink,
//! and every transmitted frame fits the buffer and decodes as a ZCL header.
#![no_main]

use std::convert::Infallible;

use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zcl_se::Header;
use dual_protocol_zcl_se::cluster::ota_upgrade::ImageId;
use dual_protocol_zcl_se::ota::client::{Client, ClientConfig, ImageSink, Persisted};
use dual_protocol_zcl_se::ota::integrity::ImageStorage;
use dual_protocol_zcl_se::rand_core::{TryCryptoRng, TryRng};
use libfuzzer_sys::fuzz_target;

const CAP: usize = 4096;

/// A counter, not a random generator: fuzzing only.
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

struct Sink(Vec<u8>);

impl ImageStorage for Sink {
    type Error = Infallible;
    fn read_at(&mut self, offset: u32, buf: &mut [u8]) -> Result<usize, Infallible> {
        let mut s: &[u8] = &self.0;
        s.read_at(offset, buf)
    }
}

impl ImageSink for Sink {
    fn write_at(&mut self, offset: u32, data: &[u8]) -> Result<(), Infallible> {
        let o = offset as usize;
        assert!(o + data.len() <= CAP, "write outside the sink");
        self.0[o..o + data.len()].copy_from_slice(data);
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let mut cfg = ClientConfig::new(
        ImageId {
            manufacturer_code: 0x1234,
            image_type: 0x5678,
            file_version: 1,
        },
        0,
    );
    cfg.max_image_size = CAP as u32;
    let mut rng = Counter(data.len() as u64);
    let persisted = Persisted {
        offer: None,
        offset: 0,
    };
    let mut c = Client::resume(cfg, Sink(vec![0; CAP]), persisted, 0);
    let mut now = Instant::from_millis(0);
    let mut buf = [0u8; 40];
    // Records: [op, source, len, bytes...].
    let mut rest = data;
    while let [op, who, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (frame, after) = tail.split_at(n);
        rest = after;
        match op % 4 {
            0 | 1 => {
                let _ = c.handle_input(now, u16::from(*who & 1), frame, &mut rng);
            }
            2 => {
                let _ = c.query(now);
            }
            _ => {
                now += Duration::from_millis(u64::from(*len) * 20);
                c.handle_timeout(now);
            }
        }
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            assert!(t.len <= buf.len());
            assert!(Header::decode(&buf[..t.len]).is_ok());
        }
        while c.poll_event().is_some() {}
        let _ = c.poll_timeout();
        let p = c.persisted();
        if let Some(o) = p.offer {
            assert!(p.offset <= o.image_size && o.image_size as usize <= CAP);
        }
    }
});
