//! GRIP costs beside memcpy, measured in the same run:
//! - encode + decode of one MESSAGE carrying a 100-byte DLMS APDU to a HAN
//!   device (messages/s and MB/s of payload), against memcpy of 100 bytes;
//! - the session's per-message cost: submit at the head end, transmit,
//!   deframe and deliver at the hub, and the hub's ACK/CREDIT traffic back;
//! - the framing overhead in bytes per message (in the benchmark ids:
//!   18 bytes for a DLMS APDU to a device, 24 for a ZCL frame, 10 for hub
//!   management to the hub itself).

use core::convert::Infallible;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dual_protocol_benches as floors;
use dual_protocol_grip::rand_core::{TryCryptoRng, TryRng};
use dual_protocol_grip::session::{Config, Outgoing, Role, Session};
use dual_protocol_grip::{Frame, Message, Priority};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind, ZclAddressing};
use dual_protocol_primitives::time::Instant;
use std::hint::black_box;

const METER: Eui64 = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);

/// A counter, not a random generator: benchmarks only.
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

fn overhead(d: PayloadDescriptor) -> usize {
    let m = Frame::Message(Message {
        id: 1,
        priority: Priority::Normal,
        dup: false,
        reply_to: None,
        descriptor: d,
        payload: &[0u8; 100],
    });
    m.encoded_len() - 100
}

fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("grip");
    floors::memcpy(&mut g, 100);
    let dlms = PayloadDescriptor::device(PayloadKind::DlmsApdu, METER);
    let zcl = PayloadDescriptor::device(
        PayloadKind::ZclFrame(ZclAddressing {
            profile: 0x0109,
            cluster: 0x0702,
            src_endpoint: 1,
            dst_endpoint: 1,
        }),
        METER,
    );
    let hub = PayloadDescriptor::hub(PayloadKind::HubManagement);
    let (o_dlms, o_zcl, o_hub) = (overhead(dlms), overhead(zcl), overhead(hub));
    assert_eq!((o_dlms, o_zcl, o_hub), (18, 24, 10));
    let payload = floors::data(100);
    let mut buf = [0u8; 256];
    g.throughput(Throughput::Bytes(100));
    g.bench_function(format!("grip/encode+decode/100B/overhead-{o_dlms}B"), |b| {
        b.iter(|| {
            let m = Frame::Message(Message {
                id: black_box(7),
                priority: Priority::High,
                dup: false,
                reply_to: None,
                descriptor: dlms,
                payload: black_box(&payload),
            });
            let n = m.encode(&mut buf).expect("fits");
            let f = Frame::decode(black_box(&buf[..n])).expect("decodes");
            black_box(f);
        })
    });
    g.bench_function(
        format!("grip/encode+decode/100B-zcl/overhead-{o_zcl}B"),
        |b| {
            b.iter(|| {
                let m = Frame::Message(Message {
                    id: black_box(7),
                    priority: Priority::High,
                    dup: false,
                    reply_to: None,
                    descriptor: zcl,
                    payload: black_box(&payload),
                });
                let n = m.encode(&mut buf).expect("fits");
                black_box(Frame::decode(black_box(&buf[..n])).expect("decodes"));
            })
        },
    );
    g.finish();
}

type Hes = Session<16_388, 65_536, 256, 64, 64>;
type Hub = Session<16_388, 32_768, 64, 16, 16>;

fn session(c: &mut Criterion) {
    let mut g = c.benchmark_group("grip");
    floors::memcpy(&mut g, 100);
    let mut rng = Counter(1);
    let mut hes = Box::new(Hes::new(Config::new(Role::HeadEnd)));
    let mut hub_cfg = Config::new(Role::Hub);
    hub_cfg.auto_release = true;
    let mut hub = Box::new(Hub::new(hub_cfg));
    let now = Instant::ZERO;
    hub.connect(now, Eui64([2; 8]), &mut rng).expect("connect");
    hes.connect(now, Eui64([1; 8]), &mut rng).expect("connect");
    let mut wire = vec![0u8; 16_388];
    let mut pump = |hes: &mut Hes, hub: &mut Hub| {
        let mut delivered = 0usize;
        while let Some(n) = hes.poll_transmit(now, &mut wire) {
            let mut rest = &wire[..n];
            while !rest.is_empty() {
                let k = hub.handle_input(now, rest).expect("hub input");
                rest = &rest[k..];
                while let Some(e) = hub.poll_event() {
                    delivered +=
                        usize::from(matches!(e, dual_protocol_grip::session::Event::Message(_)));
                }
            }
        }
        while let Some(e) = hub.poll_event() {
            black_box(e);
        }
        while let Some(n) = hub.poll_transmit(now, &mut wire) {
            let mut rest = &wire[..n];
            while !rest.is_empty() {
                let k = hes.handle_input(now, rest).expect("hes input");
                rest = &rest[k..];
                while let Some(e) = hes.poll_event() {
                    black_box(e);
                }
            }
        }
        while let Some(e) = hes.poll_event() {
            black_box(e);
        }
        delivered
    };
    pump(&mut hes, &mut hub);
    let payload = floors::data(100);
    let d = PayloadDescriptor::device(PayloadKind::DlmsApdu, METER);
    g.throughput(Throughput::Bytes(100));
    g.bench_function("grip/session/100B-message-end-to-end", |b| {
        b.iter(|| {
            hes.send(
                now,
                Outgoing {
                    descriptor: d,
                    priority: Priority::Normal,
                    reply_to: None,
                    payload: black_box(&payload),
                },
            )
            .expect("queue");
            let n = pump(&mut hes, &mut hub);
            debug_assert_eq!(n, 1);
            black_box(n);
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = floors::config();
    targets = codec, session
}
criterion_main!(benches);
