//! The OTA Upgrade server and client machines (095264r23 §6.10-6.11) over
//! an in-memory link with seeded loss, duplication and reordering: one
//! server and three clients transfer a 64 KiB image built here with a valid
//! integrity code; a block corrupted in transit is caught by the integrity
//! check and the image fetched again; a client restarted mid-transfer
//! resumes from its persisted offset; rate limiting and the download limit
//! produce WAIT_FOR_DATA and the transfers still complete. The simulated
//! transfer times are printed (`cargo test --test ota_machines -- --nocapture`).
//!
//! Also: the server's matching, paging, activation, expiry and error
//! answers, the client's jitter, refusals and give-up, and the small OTA
//! file checked in as `tests/data/small.ota`.
#![cfg(feature = "std")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

use std::convert::Infallible;

use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zcl_se::cluster::ota_upgrade::{
    BlockFieldControl, BlockResponseBody, Command, ImageBlockRequest, ImageId, ImageNotify,
    ImageNotifyPayloadType, ImagePageRequest, QueryDeviceSpecificFileRequest, QueryFieldControl,
    QueryNextImageRequest, UpgradeEndRequest,
};
use dual_protocol_zcl_se::ota::client::{Client, ClientConfig, ClientEvent, ImageSink, Persisted};
use dual_protocol_zcl_se::ota::integrity::{ImageStorage, append_integrity_code, verify_integrity};
use dual_protocol_zcl_se::ota::server::{Activation, Server, ServerConfig, ServerEvent};
use dual_protocol_zcl_se::ota::{
    Address, HeaderFieldControl, ImageHeader, OtaError, TagHeader, TagId,
};
use dual_protocol_zcl_se::{Direction, Status};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const MFR: u16 = 0x1234;
const TYPE: u16 = 0x5678;
const SERVER: u16 = 0x0000;
const CLIENTS: [u16; 3] = [0x1001, 0x1002, 0x1003];

/// An OTA file: header (with a hardware range if given), one upgrade image
/// sub-element of `body_len` pseudo-random octets, the integrity code.
fn build_image(version: u32, body_len: usize, hw: Option<(u16, u16)>, seed: u64) -> Vec<u8> {
    let total = 56 + if hw.is_some() { 4 } else { 0 } + 6 + body_len + 22;
    let mut hs = [0u8; 32];
    hs[..20].copy_from_slice(b"DualP OTA test image");
    let h = ImageHeader {
        header_version: 0x0100,
        field_control: HeaderFieldControl(if hw.is_some() { 4 } else { 0 }),
        manufacturer_code: MFR,
        image_type: TYPE,
        file_version: version,
        stack_version: 2,
        header_string: &hs,
        total_image_size: total as u32,
        security_credential_version: None,
        upgrade_file_destination: None,
        hardware_versions: hw,
        extra: &[],
    };
    let mut f = vec![0u8; h.encoded_len()];
    h.encode(&mut f).unwrap();
    f.extend(
        TagHeader {
            id: TagId::UpgradeImage,
            length: body_len as u32,
        }
        .to_bytes(),
    );
    let mut x = seed | 1;
    f.extend((0..body_len).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    }));
    append_integrity_code(&mut f);
    assert_eq!(f.len(), total);
    f
}

/// The 64 KiB image (65 536 octets in all).
fn image_64k() -> Vec<u8> {
    build_image(2, 65_536 - 84, None, 7)
}

/// A flash-like sink of fixed capacity: a write outside it fails the test.
#[derive(Debug, Clone)]
struct Flash {
    data: Vec<u8>,
    writes: usize,
}

impl Flash {
    fn new(cap: usize) -> Self {
        Flash {
            data: vec![0xff; cap],
            writes: 0,
        }
    }
}

impl ImageStorage for Flash {
    type Error = Infallible;
    fn read_at(&mut self, offset: u32, buf: &mut [u8]) -> Result<usize, Infallible> {
        let mut s: &[u8] = &self.data;
        s.read_at(offset, buf)
    }
}

impl ImageSink for Flash {
    fn write_at(&mut self, offset: u32, data: &[u8]) -> Result<(), Infallible> {
        let o = offset as usize;
        assert!(o + data.len() <= self.data.len(), "write outside the image");
        self.data[o..o + data.len()].copy_from_slice(data);
        self.writes += 1;
        Ok(())
    }
}

fn client_cfg() -> ClientConfig {
    let mut c = ClientConfig::new(
        ImageId {
            manufacturer_code: MFR,
            image_type: TYPE,
            file_version: 1,
        },
        SERVER,
    );
    c.response_timeout = Duration::from_millis(500);
    c.max_retries = 30;
    c.notify_delay_max = Duration::from_millis(200);
    c
}

/// The in-memory link: each frame is lost, duplicated and delayed by
/// seeded draws (different delays reorder frames).
struct Link {
    rng: ChaCha8Rng,
    loss_per_mille: u32,
    dup_per_mille: u32,
    latency_ms: (u64, u64),
    queue: Vec<(Instant, u64, u16, Address, Vec<u8>)>,
    seq: u64,
    /// Flip one octet of the Image Block Response to this client at this
    /// offset, once.
    corrupt: Option<(u16, u32)>,
    waits: usize,
    sent: usize,
}

impl Link {
    fn new(seed: u64, loss: u32, dup: u32) -> Self {
        Link {
            rng: ChaCha8Rng::seed_from_u64(seed),
            loss_per_mille: loss,
            dup_per_mille: dup,
            latency_ms: (5, 40),
            queue: Vec::new(),
            seq: 0,
            corrupt: None,
            waits: 0,
            sent: 0,
        }
    }

    fn send(&mut self, now: Instant, from: u16, to: Address, mut bytes: Vec<u8>) {
        self.sent += 1;
        // Server-to-client Image Block Response frames.
        if bytes.len() > 3 && bytes[0] & 0x08 != 0 && bytes[2] == 0x05 {
            if bytes[3] == 0x97 {
                self.waits += 1;
            }
            if let (Some((dev, off)), Address::Device(d)) = (self.corrupt, to)
                && bytes[3] == 0x00
                && d == dev
                && u32::from_le_bytes(bytes[12..16].try_into().unwrap()) == off
            {
                // Undetected by ZCL: flip an octet of the data.
                bytes[20] ^= 0x5a;
                self.corrupt = None;
            }
        }
        let copies = if self.rng.next_u32() % 1000 < self.dup_per_mille {
            2
        } else {
            1
        };
        for _ in 0..copies {
            if self.rng.next_u32() % 1000 < self.loss_per_mille {
                continue;
            }
            let (lo, hi) = self.latency_ms;
            let d = lo + u64::from(self.rng.next_u32()) % (hi - lo + 1);
            self.seq += 1;
            self.queue.push((
                now + Duration::from_millis(d),
                self.seq,
                from,
                to,
                bytes.clone(),
            ));
        }
    }

    fn next_due(&self) -> Option<Instant> {
        self.queue.iter().map(|q| q.0).min()
    }

    fn take_due(&mut self, now: Instant) -> Vec<(u16, Address, Vec<u8>)> {
        let mut due: Vec<_> = self.queue.iter().filter(|q| q.0 <= now).cloned().collect();
        self.queue.retain(|q| q.0 > now);
        due.sort_by_key(|q| (q.0, q.1));
        due.into_iter().map(|q| (q.2, q.3, q.4)).collect()
    }
}

type TestServer<'a> = Server<&'a [u8], 2, 4, 32>;

struct Sim<'a> {
    now: Instant,
    server: TestServer<'a>,
    clients: Vec<Client<Flash>>,
    link: Link,
    rng: ChaCha8Rng,
    server_events: Vec<ServerEvent>,
    client_events: Vec<Vec<ClientEvent>>,
    /// Offsets of the Image Block Requests each client sent, in order.
    requested: Vec<Vec<u32>>,
}

impl<'a> Sim<'a> {
    fn new(cfg: ServerConfig, image: &'a [u8], link: Link, seed: u64) -> Self {
        let mut server = TestServer::new(cfg, 0x40);
        server.add_image(image).unwrap();
        let clients = (0..CLIENTS.len())
            .map(|i| Client::new(client_cfg(), Flash::new(image.len()), i as u8 * 50))
            .collect();
        Sim {
            now: Instant::from_secs(0),
            server,
            clients,
            link,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xabcdef),
            server_events: Vec::new(),
            client_events: vec![Vec::new(); CLIENTS.len()],
            requested: vec![Vec::new(); CLIENTS.len()],
        }
    }

    fn activated(&self, i: usize) -> bool {
        self.client_events[i]
            .iter()
            .any(|e| matches!(e, ClientEvent::ActivateAt(_)))
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 300];
        while let Some(t) = self.server.poll_transmit(self.now, &mut buf) {
            self.link
                .send(self.now, SERVER, t.destination, buf[..t.len].to_vec());
        }
        for (i, c) in self.clients.iter_mut().enumerate() {
            while let Some(t) = c.poll_transmit(self.now, &mut buf) {
                assert_eq!(t.destination, Address::Device(SERVER));
                let f = &buf[..t.len];
                if f[2] == 0x03
                    && let Ok(r) = ImageBlockRequest::decode(&f[3..])
                {
                    self.requested[i].push(r.file_offset);
                }
                self.link
                    .send(self.now, CLIENTS[i], Address::Device(SERVER), f.to_vec());
            }
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
        for (i, c) in self.clients.iter_mut().enumerate() {
            while let Some(e) = c.poll_event() {
                self.client_events[i].push(e);
            }
        }
    }

    /// Runs until `done` or `limit`; `hook` runs after every step.
    fn run(
        &mut self,
        limit: Duration,
        mut hook: impl FnMut(&mut Self),
        done: impl Fn(&Self) -> bool,
    ) {
        let end = Instant::from_secs(0) + limit;
        self.pump();
        while !done(self) {
            let next = self
                .clients
                .iter()
                .filter_map(Client::poll_timeout)
                .chain(self.server.poll_timeout())
                .chain(self.link.next_due())
                .min()
                .expect("stalled: nothing scheduled");
            self.now = next.max(self.now);
            assert!(self.now <= end, "not done after {limit:?}");
            for (from, to, bytes) in self.link.take_due(self.now) {
                if from == SERVER {
                    for (i, c) in self.clients.iter_mut().enumerate() {
                        let hit = match to {
                            Address::Device(d) => d == CLIENTS[i],
                            _ => true,
                        };
                        if hit {
                            let _ = c.handle_input(self.now, from, &bytes, &mut self.rng);
                        }
                    }
                } else {
                    let _ = self.server.handle_input(self.now, from, &bytes);
                }
            }
            self.server.handle_timeout(self.now);
            for c in &mut self.clients {
                c.handle_timeout(self.now);
            }
            self.pump();
            hook(self);
        }
    }

    fn check_all_done(&self, image: &[u8]) {
        for (i, c) in self.clients.iter().enumerate() {
            assert_eq!(c.sink().data, image, "client {i} image differs");
            let mut f = c.sink().clone();
            verify_integrity(&mut f).unwrap();
            assert!(
                self.client_events[i]
                    .iter()
                    .any(|e| matches!(e, ClientEvent::Verified { .. })),
                "client {i}"
            );
            assert!(
                self.server_events.iter().any(|e| matches!(
                    e,
                    ServerEvent::Completed { device, .. } if *device == CLIENTS[i]
                )),
                "client {i} not completed at the server"
            );
        }
    }
}

fn all_activated(s: &Sim<'_>) -> bool {
    (0..CLIENTS.len()).all(|i| s.activated(i))
}

#[test]
fn three_clients_64k_under_loss_duplication_reordering() {
    let image = image_64k();
    assert_eq!(image.len(), 65_536);
    for seed in [1u64, 2, 3, 4] {
        let cfg = ServerConfig {
            query_jitter: 100,
            ..ServerConfig::default()
        };
        let mut sim = Sim::new(cfg, &image, Link::new(seed, 100, 50), seed);
        sim.server
            .notify(
                Address::Broadcast(0xffff),
                0,
                ImageNotifyPayloadType::NewFileVersion,
            )
            .unwrap();
        sim.run(Duration::from_secs(3600), |_| {}, all_activated);
        sim.check_all_done(&image);
        assert!(
            sim.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::Progress { total: 65_536, .. }))
        );
        println!(
            "seed {seed}: 3 clients x 64 KiB, 10% loss, 5% duplication, 5-40 ms latency: {:.1} simulated s, {} frames sent",
            sim.now.as_micros() as f64 / 1e6,
            sim.link.sent
        );
    }
}

#[test]
fn corrupted_block_is_caught_by_the_integrity_code_and_refetched() {
    let image = image_64k();
    let mut link = Link::new(11, 20, 0);
    link.corrupt = Some((CLIENTS[0], 32_768));
    let mut sim = Sim::new(ServerConfig::default(), &image, link, 11);
    for c in &mut sim.clients {
        c.query(Instant::from_secs(0)).unwrap();
    }
    sim.run(Duration::from_secs(3600), |_| {}, all_activated);
    assert!(sim.link.corrupt.is_none(), "the corruption happened");
    sim.check_all_done(&image);
    assert!(sim.client_events[0].contains(&ClientEvent::Failed {
        status: Status::InvalidImage
    }));
    assert!(sim.server_events.contains(&ServerEvent::Failed {
        device: CLIENTS[0],
        status: Status::InvalidImage
    }));
    // Fetched twice from offset 0.
    assert_eq!(sim.requested[0].iter().filter(|&&o| o == 0).count(), 2);
    for i in 1..3 {
        assert!(!sim.client_events[i].contains(&ClientEvent::Failed {
            status: Status::InvalidImage
        }));
    }
    println!(
        "corrupted block re-fetched: {:.1} simulated s",
        sim.now.as_micros() as f64 / 1e6
    );
}

#[test]
fn client_restarted_mid_transfer_resumes_from_its_persisted_offset() {
    let image = image_64k();
    let mut sim = Sim::new(ServerConfig::default(), &image, Link::new(5, 50, 20), 5);
    for c in &mut sim.clients {
        c.query(Instant::from_secs(0)).unwrap();
    }
    let mut restarted: Option<Persisted> = None;
    let mut requests_before = 0;
    sim.run(
        Duration::from_secs(3600),
        |s| {
            let p = s.clients[1].persisted();
            if restarted.is_none() && p.offset >= 30_000 {
                // Power loss: the RAM state is gone, the flash and the
                // persisted record survive.
                let old = std::mem::replace(
                    &mut s.clients[1],
                    Client::new(client_cfg(), Flash::new(0), 0),
                );
                let flash = old.into_sink();
                s.clients[1] = Client::resume(client_cfg(), flash, p, 200);
                requests_before = s.requested[1].len();
                restarted = Some(p);
            }
        },
        all_activated,
    );
    let p = restarted.expect("restarted");
    assert!(p.offset >= 30_000);
    // The first request after the restart asks for the persisted offset,
    // and nothing before it is asked again.
    assert_eq!(sim.requested[1][requests_before], p.offset);
    assert!(
        sim.requested[1][requests_before..]
            .iter()
            .all(|&o| o >= p.offset)
    );
    assert!(sim.client_events[1].contains(&ClientEvent::Started {
        offer: p.offer.unwrap(),
        offset: p.offset
    }));
    sim.check_all_done(&image);
}

#[test]
fn rate_limit_and_download_limit_produce_wait_for_data_and_still_complete() {
    let image = image_64k();
    let cfg = ServerConfig {
        minimum_block_period: 100,
        max_downloads: 2,
        busy_delay_secs: 2,
        ..ServerConfig::default()
    };
    let mut sim = Sim::new(cfg, &image, Link::new(9, 30, 10), 9);
    for c in &mut sim.clients {
        c.query(Instant::from_secs(0)).unwrap();
    }
    let mut most = 0;
    sim.run(
        Duration::from_secs(7200),
        |s| most = most.max(s.server.active_downloads()),
        all_activated,
    );
    sim.check_all_done(&image);
    assert!(sim.link.waits > 0);
    assert!(most <= 2, "download limit held: {most}");
    for c in &sim.clients {
        assert_eq!(c.minimum_block_period(), 100);
    }
    println!(
        "rate limited (100 ms block period, 2 downloads at once): {:.1} simulated s, {} WAIT_FOR_DATA",
        sim.now.as_micros() as f64 / 1e6,
        sim.link.waits
    );
}

// --- Server in isolation -------------------------------------------------

fn frame(c: Command<'_>, tsn: u8) -> Vec<u8> {
    let mut b = vec![0u8; c.encoded_len() + 3];
    c.encode_frame(tsn, false, &mut b).unwrap();
    b
}

fn drain<'a>(s: &mut TestServer<'a>, now: Instant) -> Vec<(Address, Vec<u8>)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 300];
    while let Some(t) = s.poll_transmit(now, &mut buf) {
        out.push((t.destination, buf[..t.len].to_vec()));
    }
    out
}

fn decoded(f: &[u8]) -> Command<'_> {
    Command::decode(Direction::ServerToClient, f[2], &f[3..])
        .unwrap()
        .unwrap()
}

fn qni(version: u32, hw: Option<u16>) -> Vec<u8> {
    frame(
        QueryNextImageRequest {
            field_control: QueryFieldControl(u8::from(hw.is_some())),
            current: ImageId {
                manufacturer_code: MFR,
                image_type: TYPE,
                file_version: version,
            },
            hardware_version: hw,
            trailing: &[],
        }
        .into(),
        9,
    )
}

#[test]
fn server_offers_the_newest_matching_image() {
    let v2 = build_image(2, 100, Some((1, 3)), 1);
    let v3 = build_image(3, 100, Some((4, 9)), 2);
    let mut s = TestServer::new(ServerConfig::default(), 0);
    s.add_image(&v2).unwrap();
    s.add_image(&v3).unwrap();
    assert_eq!(s.add_image(&v3), Err(OtaError::TableFull));
    let now = Instant::from_secs(1);
    let offered = |s: &mut TestServer<'_>, req: Vec<u8>| {
        s.handle_input(now, 7, &req).unwrap();
        let out = drain(s, now);
        assert_eq!(out.len(), 1);
        let Command::QueryNextImageResponse(r) = decoded(&out[0].1) else {
            panic!()
        };
        assert_eq!(out[0].1[1], 9, "response repeats the request TSN");
        r.offer.map(|o| o.id.file_version)
    };
    assert_eq!(offered(&mut s, qni(1, Some(2))), Some(2));
    assert_eq!(offered(&mut s, qni(1, Some(5))), Some(3));
    assert_eq!(offered(&mut s, qni(1, None)), Some(3));
    assert_eq!(offered(&mut s, qni(1, Some(10))), None);
    assert_eq!(offered(&mut s, qni(3, None)), None);
}

#[test]
fn server_device_specific_file() {
    // A file destined to one device, built by hand (field control 0x0002).
    let mut f = build_image(5, 10, None, 3);
    let dest = dual_protocol_primitives::Eui64([1, 2, 3, 4, 5, 6, 7, 8]);
    let (h, _) = ImageHeader::decode(&f).unwrap();
    let mut hs = [0u8; 32];
    hs.copy_from_slice(h.header_string);
    let h2 = ImageHeader {
        field_control: HeaderFieldControl::DEVICE_SPECIFIC,
        upgrade_file_destination: Some(dest),
        total_image_size: h.total_image_size + 8,
        header_string: &hs,
        ..h
    };
    let mut g = vec![0u8; h2.encoded_len()];
    h2.encode(&mut g).unwrap();
    g.extend_from_slice(&f[56..f.len() - 22]);
    append_integrity_code(&mut g);
    f = g;
    let mut s = TestServer::new(ServerConfig::default(), 0);
    s.add_image(&f).unwrap();
    let now = Instant::from_secs(0);
    // Not offered to Query Next Image ...
    s.handle_input(now, 7, &qni(1, None)).unwrap();
    let fr = drain(&mut s, now).remove(0).1;
    let Command::QueryNextImageResponse(r) = decoded(&fr) else {
        panic!()
    };
    assert_eq!(r.status, Status::NoImageAvailable);
    // ... but to its device's Query Device Specific File.
    for (addr, want) in [
        (dest, Status::Success),
        (
            dual_protocol_primitives::Eui64([9; 8]),
            Status::NoImageAvailable,
        ),
    ] {
        let req = frame(
            QueryDeviceSpecificFileRequest {
                request_node_address: addr,
                file: ImageId {
                    manufacturer_code: MFR,
                    image_type: TYPE,
                    file_version: 5,
                },
                zigbee_stack_version: 2,
                trailing: &[],
            }
            .into(),
            3,
        );
        s.handle_input(now, 7, &req).unwrap();
        let fr = drain(&mut s, now).remove(0).1;
        let Command::QueryDeviceSpecificFileResponse(r) = decoded(&fr) else {
            panic!()
        };
        assert_eq!(r.status, want);
        if want == Status::Success {
            assert_eq!(r.offer.unwrap().image_size, f.len() as u32);
        }
    }
}

fn block_req(offset: u32, max: u8, version: u32) -> Vec<u8> {
    frame(
        ImageBlockRequest {
            field_control: BlockFieldControl(0),
            image: ImageId {
                manufacturer_code: MFR,
                image_type: TYPE,
                file_version: version,
            },
            file_offset: offset,
            maximum_data_size: max,
            request_node_address: None,
            minimum_block_period: None,
            trailing: &[],
        }
        .into(),
        offset as u8,
    )
}

#[test]
fn server_blocks_rate_limit_abort_and_expiry() {
    let img = build_image(2, 1000, None, 4);
    let cfg = ServerConfig {
        max_data_size: 48,
        minimum_block_period: 250,
        idle_timeout: Duration::from_secs(10),
        ..ServerConfig::default()
    };
    let mut s = TestServer::new(cfg, 0);
    s.add_image(&img).unwrap();
    let t0 = Instant::from_secs(100);
    s.handle_input(t0, 7, &block_req(0, 64, 2)).unwrap();
    let out = drain(&mut s, t0);
    let Command::ImageBlockResponse(r) = decoded(&out[0].1) else {
        panic!()
    };
    let BlockResponseBody::Data {
        file_offset, data, ..
    } = r.body
    else {
        panic!()
    };
    assert_eq!((file_offset, data), (0, &img[..48]), "capped at 48 octets");
    assert_eq!(
        s.poll_event(),
        Some(ServerEvent::Started {
            device: 7,
            image: ImageId {
                manufacturer_code: MFR,
                image_type: TYPE,
                file_version: 2
            }
        })
    );
    // Too soon: WAIT_FOR_DATA with the minimum block period.
    s.handle_input(t0 + Duration::from_millis(100), 7, &block_req(48, 64, 2))
        .unwrap();
    let fr = drain(&mut s, t0).remove(0).1;
    let Command::ImageBlockResponse(r) = decoded(&fr) else {
        panic!()
    };
    assert_eq!(
        r.body,
        BlockResponseBody::WaitForData {
            current_time: 0,
            request_time: 0,
            minimum_block_period: Some(250)
        }
    );
    assert_eq!(
        s.poll_event(),
        Some(ServerEvent::Progress {
            device: 7,
            offset: 48,
            total: img.len() as u32
        })
    );
    // In time: the block.
    let t1 = t0 + Duration::from_millis(300);
    s.handle_input(t1, 7, &block_req(48, 64, 2)).unwrap();
    assert_eq!(
        decoded(&drain(&mut s, t1)[0].1).name(),
        "image_block_response"
    );
    // Unknown version: ABORT and the download ends.
    s.handle_input(t1, 7, &block_req(0, 64, 9)).unwrap();
    let fr = drain(&mut s, t1).remove(0).1;
    let Command::ImageBlockResponse(r) = decoded(&fr) else {
        panic!()
    };
    assert_eq!(r.status, Status::Abort);
    assert_eq!(
        s.poll_event(),
        Some(ServerEvent::Failed {
            device: 7,
            status: Status::Abort
        })
    );
    // Offset past the end: ABORT.
    s.handle_input(t1, 8, &block_req(img.len() as u32, 64, 2))
        .unwrap();
    let fr = drain(&mut s, t1).remove(0).1;
    let Command::ImageBlockResponse(r) = decoded(&fr) else {
        panic!()
    };
    assert_eq!(r.status, Status::Abort);
    // Idle expiry.
    s.handle_input(t1, 9, &block_req(0, 64, 2)).unwrap();
    drain(&mut s, t1);
    assert_eq!(s.active_downloads(), 1);
    let due = s.poll_timeout().unwrap();
    assert_eq!(due, t1 + Duration::from_secs(10));
    s.handle_timeout(due);
    assert_eq!(s.active_downloads(), 0);
    let evs: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(evs.contains(&ServerEvent::Failed {
        device: 9,
        status: Status::Timeout
    }));
}

#[test]
fn server_paces_an_image_page() {
    let img = build_image(2, 500, None, 5);
    let mut s = TestServer::new(ServerConfig::default(), 0);
    s.add_image(&img).unwrap();
    let t0 = Instant::from_secs(1);
    let req = frame(
        ImagePageRequest {
            field_control: BlockFieldControl(0),
            image: ImageId {
                manufacturer_code: MFR,
                image_type: TYPE,
                file_version: 2,
            },
            file_offset: 100,
            maximum_data_size: 40,
            page_size: 150,
            response_spacing: 20,
            request_node_address: None,
            trailing: &[],
        }
        .into(),
        0x33,
    );
    s.handle_input(t0, 7, &req).unwrap();
    let mut got = Vec::new();
    let mut now = t0;
    let mut times = Vec::new();
    while let Some(at) = s
        .poll_timeout()
        .filter(|&t| t < t0 + Duration::from_secs(5))
    {
        now = at.max(now);
        let out = drain(&mut s, now);
        for (_, f) in &out {
            let Command::ImageBlockResponse(r) = decoded(f) else {
                panic!()
            };
            let BlockResponseBody::Data {
                file_offset, data, ..
            } = r.body
            else {
                panic!()
            };
            assert_eq!(f[1], 0x33);
            got.push((file_offset, data.to_vec()));
            times.push(now);
        }
        if out.is_empty() {
            break;
        }
    }
    let offsets: Vec<_> = got.iter().map(|g| g.0).collect();
    assert_eq!(offsets, [100, 140, 180, 220]);
    assert_eq!(got[3].1.len(), 30, "the page ends at 250");
    let joined: Vec<u8> = got.iter().flat_map(|g| g.1.clone()).collect();
    assert_eq!(joined, img[100..250]);
    for w in times.windows(2) {
        assert_eq!(
            w[1].saturating_duration_since(w[0]),
            Duration::from_millis(20)
        );
    }
}

#[test]
fn server_upgrade_end_activation_and_errors() {
    let img = build_image(2, 100, None, 6);
    let cfg = ServerConfig {
        utc_at_zero: Some(1_000_000),
        ..ServerConfig::default()
    };
    let mut s = TestServer::new(cfg, 0);
    s.add_image(&img).unwrap();
    let now = Instant::from_secs(50);
    let id = ImageId {
        manufacturer_code: MFR,
        image_type: TYPE,
        file_version: 2,
    };
    let end = |status| {
        frame(
            UpgradeEndRequest {
                status,
                image: id,
                trailing: &[],
            }
            .into(),
            4,
        )
    };
    for (act, want) in [
        (Activation::Now, 1_000_050),
        (Activation::After(60), 1_000_110),
        (Activation::AtUtc(2_000_000), 2_000_000),
        (Activation::WaitForCommand, 0xffff_ffff),
    ] {
        s.set_activation(act);
        s.handle_input(now, 7, &end(Status::Success)).unwrap();
        let fr = drain(&mut s, now).remove(0).1;
        let Command::UpgradeEndResponse(r) = decoded(&fr) else {
            panic!()
        };
        assert_eq!(
            (r.image, r.current_time, r.upgrade_time),
            (id, 1_000_050, want)
        );
    }
    // Later: the upgrade command to a group.
    s.activate(Address::Group(0x0042), id).unwrap();
    let out = drain(&mut s, now);
    assert_eq!(out[0].0, Address::Group(0x0042));
    let Command::UpgradeEndResponse(r) = decoded(&out[0].1) else {
        panic!()
    };
    assert_eq!(r.upgrade_time, r.current_time);
    // INVALID_IMAGE: a Default Response SUCCESS.
    s.handle_input(now, 7, &end(Status::InvalidImage)).unwrap();
    assert_eq!(drain(&mut s, now)[0].1, [0x18, 4, 0x0b, 0x06, 0x00]);
    // Malformed and unknown commands.
    let mut bad = end(Status::Success);
    bad.truncate(6);
    assert!(matches!(
        s.handle_input(now, 7, &bad),
        Err(OtaError::Decode(_))
    ));
    assert_eq!(drain(&mut s, now)[0].1, [0x18, 4, 0x0b, 0x06, 0x80]);
    assert_eq!(
        s.handle_input(now, 7, &[0x01, 5, 0x0a]),
        Err(OtaError::Unexpected(0x0a))
    );
    assert_eq!(drain(&mut s, now)[0].1, [0x18, 5, 0x0b, 0x0a, 0x81]);
    // A server-to-client frame is not for the server.
    assert_eq!(
        s.handle_input(now, 7, &[0x19, 5, 0x00, 0, 1]),
        Err(OtaError::Unexpected(0))
    );
}

#[test]
fn server_notify_to_one_device_and_to_a_group() {
    let img = build_image(3, 10, None, 8);
    let cfg = ServerConfig {
        query_jitter: 25,
        ..ServerConfig::default()
    };
    let mut s = TestServer::new(cfg, 0x10);
    s.add_image(&img).unwrap();
    assert_eq!(
        s.notify(Address::Device(1), 5, ImageNotifyPayloadType::QueryJitter),
        Err(OtaError::NoSuchImage)
    );
    for (to, pt) in [
        (Address::Device(1), ImageNotifyPayloadType::QueryJitter),
        (Address::Group(2), ImageNotifyPayloadType::ManufacturerCode),
        (
            Address::Broadcast(0xfffd),
            ImageNotifyPayloadType::ImageType,
        ),
        (
            Address::Broadcast(0xffff),
            ImageNotifyPayloadType::NewFileVersion,
        ),
    ] {
        s.notify(to, 0, pt).unwrap();
        let out = drain(&mut s, Instant::from_secs(0));
        assert_eq!(out[0].0, to);
        let Command::ImageNotify(n) = decoded(&out[0].1) else {
            panic!()
        };
        assert_eq!(n.payload_type, pt);
        assert_eq!(
            n.query_jitter,
            if matches!(to, Address::Device(_)) {
                100
            } else {
                25
            }
        );
        let level = u8::from(pt);
        assert_eq!(n.manufacturer_code.is_some(), level >= 1);
        assert_eq!(n.new_file_version, (level >= 3).then_some(3));
    }
}

// --- Client in isolation -------------------------------------------------

fn notify(jitter: u8, version: Option<u32>) -> Vec<u8> {
    frame(
        ImageNotify {
            payload_type: if version.is_some() {
                ImageNotifyPayloadType::NewFileVersion
            } else {
                ImageNotifyPayloadType::QueryJitter
            },
            query_jitter: jitter,
            manufacturer_code: version.map(|_| MFR),
            image_type: version.map(|_| TYPE),
            new_file_version: version,
            trailing: &[],
        }
        .into(),
        1,
    )
}

#[test]
fn client_honours_jitter_and_the_notify_fields() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let now = Instant::from_secs(0);
    let mut buf = [0u8; 64];
    // Jitter 0: nobody queries.
    let mut c = Client::new(client_cfg(), Flash::new(100), 0);
    c.handle_input(now, SERVER, &notify(0, None), &mut rng)
        .unwrap();
    assert_eq!(c.poll_timeout(), None);
    // A notify for the version already running: ignored.
    c.handle_input(now, SERVER, &notify(100, Some(1)), &mut rng)
        .unwrap();
    assert_eq!(c.poll_timeout(), None);
    // From another node: refused.
    assert_eq!(
        c.handle_input(now, 0x4444, &notify(100, None), &mut rng),
        Err(OtaError::WrongSource(0x4444))
    );
    // Jitter 100: a query within notify_delay_max.
    c.handle_input(now, SERVER, &notify(100, Some(2)), &mut rng)
        .unwrap();
    let at = c.poll_timeout().unwrap();
    assert!(at <= now + Duration::from_millis(200));
    assert!(c.poll_transmit(now, &mut buf).is_none() || at == now);
    let t = c.poll_transmit(at, &mut buf).unwrap();
    assert_eq!(buf[2], 0x01, "query next image request");
    assert_eq!(t.destination, Address::Device(SERVER));
    // Jitter 50 over many clients: about half query.
    let queried = (0..400)
        .filter(|_| {
            let mut c = Client::new(client_cfg(), Flash::new(100), 0);
            c.handle_input(now, SERVER, &notify(50, None), &mut rng)
                .unwrap();
            c.poll_timeout().is_some()
        })
        .count();
    assert!((150..250).contains(&queried), "{queried}");
}

fn response(c: Command<'_>, tsn: u8) -> Vec<u8> {
    let mut b = vec![0u8; c.encoded_len() + 3];
    c.encode_frame(tsn, true, &mut b).unwrap();
    b
}

#[test]
fn client_refusals_abort_and_give_up() {
    use dual_protocol_zcl_se::cluster::ota_upgrade::{
        ImageBlockResponse, ImageOffer, QueryNextImageResponse,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut buf = [0u8; 64];
    let now = Instant::from_secs(0);
    let id = ImageId {
        manufacturer_code: MFR,
        image_type: TYPE,
        file_version: 2,
    };
    let offer = |size| {
        response(
            QueryNextImageResponse {
                status: Status::Success,
                offer: Some(ImageOffer {
                    id,
                    image_size: size,
                }),
                trailing: &[],
            }
            .into(),
            0,
        )
    };
    // Too large for the sink.
    let mut c = Client::new(client_cfg(), Flash::new(100), 0);
    c.query(now).unwrap();
    c.poll_transmit(now, &mut buf).unwrap();
    c.handle_input(now, SERVER, &offer(2 << 20), &mut rng)
        .unwrap();
    assert_eq!(
        c.poll_event(),
        Some(ClientEvent::Failed {
            status: Status::InsufficientSpace
        })
    );
    // No image.
    c.query(now).unwrap();
    c.poll_transmit(now, &mut buf).unwrap();
    let no = response(
        QueryNextImageResponse {
            status: Status::NoImageAvailable,
            offer: None,
            trailing: &[],
        }
        .into(),
        1,
    );
    c.handle_input(now, SERVER, &no, &mut rng).unwrap();
    assert_eq!(c.poll_event(), Some(ClientEvent::NoImageAvailable));
    // ABORT during the download.
    c.query(now).unwrap();
    c.poll_transmit(now, &mut buf).unwrap();
    let mut o = offer(100);
    o[1] = 2;
    c.handle_input(now, SERVER, &o, &mut rng).unwrap();
    assert!(matches!(c.poll_event(), Some(ClientEvent::Started { .. })));
    assert_eq!(c.query(now), Err(OtaError::Busy));
    c.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(buf[2], 0x03);
    let tsn = buf[1];
    // A block at another offset is ignored (never written).
    let stray = response(
        ImageBlockResponse {
            status: Status::Success,
            body: BlockResponseBody::Data {
                image: id,
                file_offset: 60,
                data: &[1; 50],
            },
            trailing: &[],
        }
        .into(),
        tsn,
    );
    c.handle_input(now, SERVER, &stray, &mut rng).unwrap();
    assert_eq!(c.stale_blocks(), 1);
    assert_eq!(c.sink().writes, 0);
    let abort = response(
        ImageBlockResponse {
            status: Status::Abort,
            body: BlockResponseBody::Empty,
            trailing: &[],
        }
        .into(),
        tsn,
    );
    c.handle_input(now, SERVER, &abort, &mut rng).unwrap();
    assert_eq!(
        c.poll_event(),
        Some(ClientEvent::Failed {
            status: Status::Abort
        })
    );
    assert_eq!(c.persisted(), Persisted::default());
    // No answer at all: retries, then TIMEOUT.
    let mut cfg = client_cfg();
    cfg.max_retries = 2;
    let mut c = Client::new(cfg, Flash::new(100), 0);
    c.query(now).unwrap();
    let mut t = now;
    let mut sent = 0;
    while let Some(at) = c.poll_timeout() {
        t = at;
        c.handle_timeout(t);
        if c.poll_transmit(t, &mut buf).is_some() {
            sent += 1;
        }
    }
    assert_eq!(sent, 3);
    assert_eq!(
        c.poll_event(),
        Some(ClientEvent::Failed {
            status: Status::Timeout
        })
    );
    assert_eq!(t, now + Duration::from_millis(1500));
}

// --- The checked-in OTA file ---------------------------------------------

/// `tests/data/small.ota`: built by `build_image(0x0000_0102, 64, Some((1,
/// 5)), 42)` (manufacturer 0x1234, image type 0x5678, hardware versions
/// 1-5, a 64-octet upgrade image and a valid integrity code).
#[test]
fn checked_in_small_ota_file() {
    let built = build_image(0x0000_0102, 64, Some((1, 5)), 42);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/small.ota");
    if std::env::var_os("DP_WRITE_VECTORS").is_some() {
        std::fs::write(path, &built).unwrap();
    }
    let file = std::fs::read(path).unwrap();
    assert_eq!(file, built);
    let (h, len) = ImageHeader::decode(&file).unwrap();
    assert_eq!(len, 60);
    assert_eq!(h.hardware_versions, Some((1, 5)));
    assert_eq!(h.total_image_size as usize, file.len());
    let mut s: &[u8] = &file;
    verify_integrity(&mut s).unwrap();
    let mut bad = file.clone();
    bad[70] ^= 1;
    let mut s: &[u8] = &bad;
    assert!(verify_integrity(&mut s).is_err());
}

#[test]
fn wait_for_upgrade_command_then_activate_by_broadcast() {
    let image = build_image(2, 4000, None, 12);
    let mut sim = Sim::new(ServerConfig::default(), &image, Link::new(3, 0, 0), 3);
    sim.server.set_activation(Activation::WaitForCommand);
    for c in &mut sim.clients {
        c.query(Instant::from_secs(0)).unwrap();
    }
    let waiting = |s: &Sim<'_>| {
        (0..CLIENTS.len()).all(|i| s.client_events[i].contains(&ClientEvent::WaitForUpgradeCommand))
    };
    sim.run(Duration::from_secs(600), |_| {}, waiting);
    sim.check_all_done(&image);
    assert!(!all_activated(&sim));
    let id = sim.server.image(0).unwrap().id;
    sim.server.activate(Address::Broadcast(0xffff), id).unwrap();
    let at = sim.now;
    sim.run(Duration::from_secs(600), |_| {}, all_activated);
    for i in 0..CLIENTS.len() {
        let when = sim.client_events[i]
            .iter()
            .find_map(|e| match e {
                ClientEvent::ActivateAt(t) => Some(*t),
                _ => None,
            })
            .unwrap();
        assert!(when >= at && when <= sim.now, "activate now");
    }
}

proptest::proptest! {
    /// Arbitrary frames from arbitrary sources into both machines never
    /// panic; whatever they send decodes, and the client never writes
    /// outside its sink (the `Flash` asserts it).
    #[test]
    fn arbitrary_frames_into_both_machines(
        frames in proptest::collection::vec(
            (0u16..3, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)),
            0..40,
        ),
    ) {
        let img = build_image(2, 200, None, 13);
        let mut s = TestServer::new(ServerConfig { minimum_block_period: 5, ..ServerConfig::default() }, 0);
        s.add_image(&img).unwrap();
        let mut c = Client::new(client_cfg(), Flash::new(img.len()), 0);
        c.query(Instant::from_secs(0)).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut buf = [0u8; 100];
        for (k, (src, mut f)) in frames.into_iter().enumerate() {
            let now = Instant::from_millis(k as u64 * 300);
            // Half of them look like OTA frames of the right direction.
            if f.len() >= 3 && k % 2 == 0 {
                f[0] = if src == 0 { 0x19 } else { 0x01 };
                f[2] %= 10;
            }
            let _ = s.handle_input(now, src, &f);
            let _ = c.handle_input(now, src, &f, &mut rng);
            s.handle_timeout(now);
            c.handle_timeout(now);
            while let Some(t) = s.poll_transmit(now, &mut buf) {
                let f = buf[..t.len].to_vec();
                let (h, at) = dual_protocol_zcl_se::Header::decode(&f).unwrap();
                if h.frame_type == dual_protocol_zcl_se::FrameType::ClusterSpecific {
                    Command::decode(Direction::ServerToClient, h.command_id, &f[at..]).unwrap();
                }
                let _ = c.handle_input(now, SERVER, &f, &mut rng);
            }
            while let Some(t) = c.poll_transmit(now, &mut buf) {
                let f = buf[..t.len].to_vec();
                Command::decode(Direction::ClientToServer, f[2], &f[3..]).unwrap().unwrap();
                let _ = s.handle_input(now, 1, &f);
            }
            while s.poll_event().is_some() {}
            while c.poll_event().is_some() {}
        }
    }
}
