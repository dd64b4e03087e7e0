//! ZigBee wire codecs (zigbee-nwk), beside the memcpy floor measured in the
//! same run, on the 39-byte NWK frame of the zigbee-on-host capture
//! NETDEF_ZCL_FRAME_CMD_TO_COORD (48 bytes with its MAC header, radio
//! metadata stripped; NWK-secured) and on the 27 zigbee-on-host MAC frames (Green Power frames excluded).
//!
//! Goals (issue 6): NWK header decode < 11 ns; MAC+NWK decode < 30 ns.
//! Goals (issue 7, ZigBee security): NWK decode + CCM* verify/decrypt
//! < 200 ns, reported beside bare AES-128-CCM opening the same bytes (22
//! bytes of a-data, 13 of payload, a 4-byte MIC) with a key expanded once.
//! Issue 8 (the NWK roles and the APS data service): frames per second
//! through the coordinator's receive path (MAC/NWK decode, CCM* open,
//! frame counter and APS duplicate checks, delivery), beside bare CCM.
//! "decode" parses every header field (and, for a secured frame, the
//! auxiliary header) and borrows the payload; nothing is allocated (the same
//! API links in the heap-free `footprint` probe, which has no allocator).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dual_protocol_benches as floors;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::crypto::{Aead, CryptoProvider};
use dual_protocol_zigbee_nwk::aps::ApsFrame;
use dual_protocol_zigbee_nwk::mac::MacFrame;
use dual_protocol_zigbee_nwk::nwk::{NwkBody, NwkFrame, NwkHeader};
use dual_protocol_zigbee_nwk::security::{
    IncomingCounters, Keys, SecuredPayload, SecurityContext, ZigbeeKey, secure_nwk, unsecure_nwk,
};
use std::hint::black_box;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| {
            s.get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// NETDEF_ZCL_FRAME_CMD_TO_COORD without the 2 bytes of radio metadata.
const MAC_FRAME: &str = "6188e6621a000038aa4802000038aa1e80282e2f9a02584ad0feff08ac7000515287015210a74fb734f1d9c888ef5e6d";

/// The zigbee-on-host MAC frames of the shared vectors (metadata stripped).
fn corpus() -> Vec<Vec<u8>> {
    include_str!("../../zigbee-nwk/tests/vectors/zigbee.jsonl")
        .lines()
        .filter(|l| l.contains("zigbee-on-host") && l.contains("\"layer\": \"mac\""))
        .filter_map(|l| {
            let start = l.find("\"hex\": \"")? + 8;
            let end = start + l.get(start..)?.find('"')?;
            let mut b = hex(l.get(start..end)?);
            b.truncate(b.len().saturating_sub(2));
            Some(b)
        })
        .collect()
}

fn zigbee(c: &mut Criterion) {
    let mac = hex(MAC_FRAME);
    let frame = MacFrame::decode(&mac).expect("vector decodes");
    let nwk = frame.data_payload().expect("data frame").to_vec();
    assert_eq!(nwk.len(), 39);
    let corpus = corpus();
    assert_eq!(corpus.len(), 27);

    let mut g = c.benchmark_group("zigbee-nwk");
    floors::memcpy(&mut g, 39);
    floors::memcpy(&mut g, 48);

    g.throughput(Throughput::Elements(1));
    g.bench_function("nwk-header-decode/39", |b| {
        b.iter(|| NwkHeader::decode(black_box(&nwk)).expect("decodes"))
    });
    g.bench_function("nwk-frame-decode/39", |b| {
        b.iter(|| NwkFrame::decode(black_box(&nwk)).expect("decodes"))
    });
    g.bench_function("mac+nwk-decode/48", |b| {
        b.iter(|| {
            let m = MacFrame::decode(black_box(&mac)).expect("decodes");
            NwkFrame::decode(m.data_payload().unwrap_or_default()).expect("decodes")
        })
    });
    let n = NwkFrame::decode(&nwk).expect("decodes");
    let mut out = [0u8; 127];
    g.bench_function("mac+nwk-encode/48", |b| {
        b.iter(|| {
            let k = black_box(&frame).encode(&mut out).expect("encodes");
            let j = black_box(&n).encode(&mut out[9..]).expect("encodes");
            black_box(k + j)
        })
    });
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.bench_function("mac+nwk-decode/zoh-corpus-27", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for f in &corpus {
                if let Ok(m) = MacFrame::decode(black_box(f))
                    && let Some(p) = m.data_payload()
                {
                    acc += NwkFrame::decode(p).map(|n| n.encoded_len()).unwrap_or(0);
                }
            }
            acc
        })
    });
    security(&mut g, &nwk);
    coordinator_receive(&mut g);
    g.finish();
}

/// The Zigbee2MQTT default network key the capture was made with.
const NWK_KEY: [u8; 16] = [
    0x01, 0x03, 0x05, 0x07, 0x09, 0x0b, 0x0d, 0x0f, 0x00, 0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0d,
];

fn security(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, nwk: &[u8]) {
    let ctx = SecurityContext::default();
    let keys = Keys {
        network: Some((0, ZigbeeKey::new(&NWK_KEY).expect("key"))),
        link: None,
    };
    let key = ZigbeeKey::new(&NWK_KEY).expect("key");
    let mut buf = nwk.to_vec();
    g.throughput(Throughput::Elements(1));

    // Floor: bare AES-128-CCM (M = 4) opening the same 13 bytes with the same
    // 22 bytes of a-data and the same nonce, key expanded once.
    let ccm = RustCrypto.aes128_ccm(&NWK_KEY, 4, 13).expect("ccm");
    let mut patched = nwk.to_vec();
    patched[8] |= 5; // the security level as the MIC was computed
    let (aad, rest) = patched.split_at(22);
    let (ct, mic) = rest.split_at(13);
    let mut nonce = [0u8; 13];
    nonce[..8].copy_from_slice(&patched[13..21]);
    nonce[8..12].copy_from_slice(&patched[9..13]);
    nonce[12] = patched[8];
    let mut pt = ct.to_vec();
    ccm.open_in_place_detached(&nonce, aad, &mut pt, mic)
        .expect("the floor opens the captured frame");
    g.bench_function("floor/aes128-ccm4-open-same-bytes/22+13+4", |b| {
        b.iter(|| {
            pt.copy_from_slice(ct);
            ccm.open_in_place_detached(black_box(&nonce), aad, &mut pt, mic)
                .expect("opens")
        })
    });
    floors::aes128_ccm_open(g, 13, 4);
    // The AES work inside that CCM open: 4 CBC-MAC blocks (B0, 2 a-data
    // blocks, 1 payload block) and 2 CTR blocks (S0, S1), here as 6 serial
    // single-block calls on a schedule expanded once.
    {
        use aes::cipher::{BlockCipherEncrypt, KeyInit};
        let aes = aes::Aes128::new(&NWK_KEY.into());
        let mut block = aes::Block::default();
        g.bench_function("floor/aes128-6-serial-blocks", |b| {
            b.iter(|| {
                for _ in 0..6 {
                    aes.encrypt_block(black_box(&mut block));
                }
                block
            })
        });
    }

    g.throughput(Throughput::Elements(1));
    g.bench_function("nwk-decode+ccm-open/39", |b| {
        b.iter(|| {
            buf.copy_from_slice(nwk);
            let mut t = IncomingCounters::<4>::new();
            unsecure_nwk(black_box(&mut buf), &ctx, &keys, &mut t).expect("unsecures")
        })
    });
    g.bench_function("nwk-decode+ccm-open+aps-decode/39", |b| {
        b.iter(|| {
            buf.copy_from_slice(nwk);
            let mut t = IncomingCounters::<4>::new();
            let u = unsecure_nwk(black_box(&mut buf), &ctx, &keys, &mut t).expect("unsecures");
            ApsFrame::decode(&buf[u.payload])
                .expect("APS decodes")
                .encoded_len()
        })
    });

    // Re-encode from fields with the plaintext, then secure in place.
    let mut plain_buf = nwk.to_vec();
    let mut t = IncomingCounters::<4>::new();
    let u = unsecure_nwk(&mut plain_buf, &ctx, &keys, &mut t).expect("unsecures");
    let plaintext = plain_buf[u.payload.clone()].to_vec();
    let f = NwkFrame::decode(nwk).expect("decodes");
    let NwkBody::Secured(s) = f.body else {
        panic!("secured vector")
    };
    let mic = [0u8; 4];
    let fields = NwkFrame {
        header: f.header,
        body: NwkBody::Secured(SecuredPayload {
            aux: s.aux,
            ciphertext: &plaintext,
            mic: &mic,
        }),
    };
    let mut out = [0u8; 127];
    let n = fields.encode(&mut out).expect("encodes");
    secure_nwk(&mut out[..n], &ctx, &key).expect("secures");
    assert_eq!(&out[..n], nwk, "re-encryption reproduces the capture");
    g.bench_function("nwk-encode+ccm-seal/39", |b| {
        b.iter(|| {
            let n = black_box(&fields).encode(&mut out).expect("encodes");
            secure_nwk(&mut out[..n], &ctx, &key).expect("secures");
            n
        })
    });
}

/// Issue 8: frames per second through the coordinator's receive path: a
/// secured MAC data frame from a joined end device goes through
/// `Node::handle_input` (MAC and NWK decode, frame counter check, CCM*
/// open, address map) and `ApsDataService::handle_input` (APS decode,
/// duplicate check, indication). Beside it, the bare CCM open of the same
/// payload size. Each iteration feeds a distinct frame (fresh NWK frame
/// counter and APS counter), generated before timing.
fn coordinator_receive(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    use dual_protocol_primitives::counter::CounterStore;
    use dual_protocol_primitives::eui64::Eui64;
    use dual_protocol_primitives::time::Instant;
    use dual_protocol_zigbee_nwk::aps::{
        ApsConfig, ApsDataService, DataRequest, Destination, GroupTable, Received,
    };
    use dual_protocol_zigbee_nwk::nwk::node::{Node, NodeConfig, Role};
    use dual_protocol_zigbee_nwk::security::OutgoingFrameCounter;
    use dual_protocol_zigbee_nwk::{PanId, ShortAddr};

    struct Mem;
    impl CounterStore for Mem {
        type Error = ();
        fn persist(&mut self, _: u64) -> Result<(), ()> {
            Ok(())
        }
    }
    type N = Node<Mem, 8, 8, 8, 16>;
    let keys = || Keys {
        network: Some((0, ZigbeeKey::new(&NWK_KEY).expect("key"))),
        link: None,
    };
    let xpan = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);
    let node = |role, n: u8, seed| {
        let cfg = NodeConfig::new(
            role,
            Eui64([0, 0x0d, 0x6f, 0, 0, 0, 1, n]),
            PanId(0x1a62),
            xpan,
        );
        N::with_seed(
            cfg,
            keys(),
            OutgoingFrameCounter::resume(0, 1 << 20),
            Mem,
            seed,
        )
    };
    let t0 = Instant::from_millis(0);
    let mut hub = node(Role::Coordinator, 0, 1);
    let mut dev = node(
        Role::EndDevice {
            rx_on_when_idle: true,
        },
        1,
        2,
    );
    hub.permit_joining(t0, 0xff);
    hub.start(t0);
    dev.start(t0);
    let mut buf = [0u8; 127];
    // Beacon request, beacon, association request, (poll), association response.
    for _ in 0..3 {
        while let Some(n) = dev.poll_transmit(t0, &mut buf) {
            let _ = hub.handle_input(t0, &buf[..n], 255);
        }
        while let Some(n) = hub.poll_transmit(t0, &mut buf) {
            let _ = dev.handle_input(t0, &buf[..n], 255);
        }
        let _ = dev.send_data_request();
    }
    assert!(dev.is_joined(), "the end device joins");
    while dev.poll_transmit(t0, &mut buf).is_some() {}
    let mut dev_aps: ApsDataService<1, 1, 4, 64> = ApsDataService::new(ApsConfig::default(), 0);
    let req = DataRequest {
        dst: Destination::Unicast {
            nwk: ShortAddr(0),
            endpoint: 1,
        },
        profile: 0x0109,
        cluster: 0x0702,
        src_endpoint: 1,
        ack: false,
    };
    // A 20-byte ZCL report: 28 bytes of APS frame, 71 bytes on air.
    let report = [0x18u8; 20];
    let mut frame_for = |i: u64| -> Vec<u8> {
        let now = Instant::from_millis(20 * i);
        dev_aps.send(req, &report).expect("queued");
        let t = dev_aps.poll_transmit(now, &mut buf).expect("APS frame");
        let aps = buf[..t.len].to_vec();
        while dev_aps.poll_event().is_some() {}
        dev.send_data(now, t.dst, &aps)
            .expect("routed to the parent");
        let n = dev.poll_transmit(now, &mut buf).expect("MAC frame");
        buf[..n].to_vec()
    };
    let sample = frame_for(0);
    let aps_len = 28;
    assert_eq!(sample.len(), 71);
    let mut hub_aps: ApsDataService<1, 1, 16, 64> = ApsDataService::new(ApsConfig::default(), 0);
    let groups = GroupTable::<1>::new();
    let mut i = 1u64;
    floors::aes128_ccm_open(g, aps_len, 4);
    g.throughput(Throughput::Elements(1));
    g.bench_function("coordinator-receive/mac+nwk-ccm+aps-dup+deliver/71", |b| {
        b.iter_custom(|iters| {
            let frames: Vec<(Instant, Vec<u8>)> = (0..iters)
                .map(|_| {
                    i += 1;
                    (Instant::from_millis(20 * i), frame_for(i))
                })
                .collect();
            let start = std::time::Instant::now();
            for (now, f) in &frames {
                let ind = hub
                    .handle_input(*now, f, 200)
                    .expect("accepted")
                    .expect("data");
                match hub_aps.handle_input(*now, ind.src, ind.payload, &groups) {
                    Ok(Received::Data(d)) => {
                        black_box(d.payload.len());
                    }
                    r => panic!("not delivered: {r:?}"),
                }
            }
            start.elapsed()
        })
    });
}

criterion_group! {
    name = benches;
    config = floors::config();
    targets = zigbee
}
criterion_main!(benches);
