//! The HDLC link machine against itself over an in-memory serial line that
//! drops and corrupts frames (seeded): every APDU delivered once and in
//! order, or a clear timeout event.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::VecDeque;

use dual_protocol_dlms_cosem::hdlc::*;
use dual_protocol_dlms_cosem::{Decode, Encode};
use dual_protocol_primitives::time::{Duration, Instant};

/// A small seeded generator (xorshift64*), enough to pick losses.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

type Link = HdlcLink<1024, 2050>;

fn cfg(role: Role) -> LinkConfig {
    let client = HdlcAddress::One(0x10);
    let server = HdlcAddress::Two {
        upper: 1,
        lower: 17,
    };
    let (local, remote) = match role {
        Role::Client => (client, server),
        Role::Server => (server, client),
    };
    LinkConfig {
        role,
        local,
        remote,
        limits: LinkLimits::DEFAULT,
        response_timeout: Duration::from_millis(300),
        max_retries: 12,
    }
}

/// One direction of the serial line.
struct Line {
    frames: VecDeque<Vec<u8>>,
    drop: u64,
    corrupt: u64,
}

impl Line {
    fn send(&mut self, rng: &mut Rng, mut f: Vec<u8>) {
        if rng.chance(self.drop) {
            return;
        }
        if rng.chance(self.corrupt) {
            let i = (rng.next() as usize) % f.len();
            f[i] ^= 1 << (rng.next() % 8);
        }
        self.frames.push_back(f);
    }
}

fn request(i: usize) -> Vec<u8> {
    // Lengths from 1 to 400 bytes: the long ones go in several segments.
    (0..(1 + (i * 97) % 400)).map(|k| (k + i) as u8).collect()
}

fn response(req: &[u8]) -> Vec<u8> {
    let mut r: Vec<u8> = req.iter().rev().map(|b| b ^ 0x5a).collect();
    r.extend_from_slice(&[0xaa; 150]);
    r
}

struct Outcome {
    server_got: Vec<Vec<u8>>,
    client_got: Vec<Vec<u8>>,
    timeouts: usize,
}

fn run(seed: u64, drop: u64, corrupt: u64, requests: usize) -> Outcome {
    let mut rng = Rng(seed | 1);
    let mut client = Link::new(cfg(Role::Client));
    let mut server = Link::new(cfg(Role::Server));
    let mut c2s = Line {
        frames: VecDeque::new(),
        drop,
        corrupt,
    };
    let mut s2c = Line {
        frames: VecDeque::new(),
        drop,
        corrupt,
    };
    let mut now = Instant::from_millis(0);
    let mut out = Outcome {
        server_got: vec![],
        client_got: vec![],
        timeouts: 0,
    };
    let mut next = 0;
    let mut buf = [0u8; 2100];
    client.connect().unwrap();
    for _ in 0..200_000 {
        if out.client_got.len() == requests || out.timeouts > 0 {
            break;
        }
        while let Some(n) = client.poll_transmit(now, &mut buf) {
            c2s.send(&mut rng, buf[..n].to_vec());
        }
        while let Some(n) = server.poll_transmit(now, &mut buf) {
            s2c.send(&mut rng, buf[..n].to_vec());
        }
        let idle = c2s.frames.is_empty() && s2c.frames.is_empty();
        if let Some(f) = c2s.frames.pop_front() {
            now += Duration::from_millis(5);
            // Deliver in two pieces, as a serial port would.
            let cut = f.len() / 2;
            server.handle_input(now, &f[..cut]);
            server.handle_input(now, &f[cut..]);
        }
        while let Some(e) = server.poll_event() {
            if let LinkEvent::ApduReceived(n) = e {
                let req = server.received_apdu().to_vec();
                assert_eq!(req.len(), n);
                server.send(&response(&req)).unwrap();
                out.server_got.push(req);
            }
        }
        if let Some(f) = s2c.frames.pop_front() {
            now += Duration::from_millis(5);
            client.handle_input(now, &f);
        }
        while let Some(e) = client.poll_event() {
            match e {
                LinkEvent::Connected(l) => {
                    assert_eq!(l, LinkLimits::DEFAULT);
                    client.send(&request(next)).unwrap();
                    next += 1;
                }
                LinkEvent::ApduReceived(_) => {
                    out.client_got.push(client.received_apdu().to_vec());
                    if next < requests {
                        client.send(&request(next)).unwrap();
                        next += 1;
                    }
                }
                LinkEvent::Timeout => out.timeouts += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        if idle && let Some(t) = client.poll_timeout() {
            now = now.max(t);
            client.handle_timeout(now);
        }
    }
    out
}

fn check(seed: u64, drop: u64, corrupt: u64) -> usize {
    let n = 30;
    let o = run(seed, drop, corrupt, n);
    // Every request reached the server once and in order, and every
    // response came back once and in order, or the client timed out.
    let expect_req: Vec<_> = (0..o.server_got.len()).map(request).collect();
    assert_eq!(o.server_got, expect_req, "seed {seed}");
    let expect_resp: Vec<_> = (0..o.client_got.len())
        .map(|i| response(&request(i)))
        .collect();
    assert_eq!(o.client_got, expect_resp, "seed {seed}");
    if o.timeouts == 0 {
        assert_eq!(o.client_got.len(), n, "seed {seed}: stalled");
    }
    o.timeouts
}

#[test]
fn clean_line_delivers_everything() {
    let o = run(1, 0, 0, 30);
    assert_eq!(o.client_got.len(), 30);
    assert_eq!(o.timeouts, 0);
}

#[test]
fn lossy_line_delivers_once_in_order() {
    let timeouts: usize = (1..=20).map(|seed| check(seed * 7919, 15, 5)).sum();
    // 12 retries at 20 % frame loss: a timeout is practically impossible.
    assert_eq!(timeouts, 0);
}

#[test]
fn very_lossy_line_delivers_once_in_order_or_times_out() {
    let timeouts: usize = (1..=10).map(|seed| check(seed * 104_729, 35, 10)).sum();
    assert!(timeouts < 10, "every run timed out");
}

#[test]
fn dead_line_times_out() {
    let o = run(5, 100, 0, 3);
    assert_eq!(o.timeouts, 1);
    assert!(o.server_got.is_empty());
}

#[test]
fn connect_exchange_disconnect_frames() {
    let mut client = Link::new(cfg(Role::Client));
    let mut server = Link::new(cfg(Role::Server));
    let now = Instant::from_millis(0);
    let mut buf = [0u8; 2100];
    assert_eq!(client.send(b"x"), Err(LinkError::NotConnected));
    assert_eq!(server.connect(), Err(LinkError::NotClient));
    client.connect().unwrap();
    assert_eq!(client.connect(), Err(LinkError::AlreadyConnected));
    let n = client.poll_transmit(now, &mut buf).unwrap();
    let snrm = HdlcFrame::decode(&buf[..n]).unwrap();
    assert_eq!(snrm.control, Control::Snrm { poll_final: true });
    assert_eq!(
        HdlcParameters::decode(snrm.information).unwrap().limits(),
        LinkLimits::DEFAULT
    );
    server.handle_input(now, &buf[..n]);
    assert!(matches!(server.poll_event(), Some(LinkEvent::Connected(_))));
    let n = server.poll_transmit(now, &mut buf).unwrap();
    assert!(matches!(
        HdlcFrame::decode(&buf[..n]).unwrap().control,
        Control::Ua { .. }
    ));
    client.handle_input(now, &buf[..n]);
    assert!(matches!(client.poll_event(), Some(LinkEvent::Connected(_))));
    assert!(client.is_connected() && server.is_connected());
    // An AARQ in one I frame with the LLC header.
    client.send(&[0x60, 0x00]).unwrap();
    assert_eq!(client.send(&[0x60]), Err(LinkError::Busy));
    let n = client.poll_transmit(now, &mut buf).unwrap();
    let i = HdlcFrame::decode(&buf[..n]).unwrap();
    assert_eq!(
        i.control,
        Control::I {
            ns: 0,
            nr: 0,
            poll_final: true
        }
    );
    assert_eq!(i.information, &[0xe6, 0xe6, 0x00, 0x60, 0x00]);
    server.handle_input(now, &buf[..n]);
    assert_eq!(server.poll_event(), Some(LinkEvent::ApduReceived(2)));
    assert_eq!(server.received_apdu(), &[0x60, 0x00]);
    // A frame for another address is ignored.
    let other = HdlcFrame {
        destination: HdlcAddress::One(0x7f),
        ..i
    };
    let mut ob = [0u8; 64];
    let on = other.encode(&mut ob).unwrap();
    let before = server.dropped_frames();
    server.handle_input(now, &ob[..on]);
    assert_eq!(server.dropped_frames(), before + 1);
    // Too long for the buffer.
    assert!(matches!(
        server.send(&[0; 1100]),
        Err(LinkError::TooLong { .. })
    ));
    server.send(&[0x61, 0x00]).unwrap();
    let n = server.poll_transmit(now, &mut buf).unwrap();
    let i = HdlcFrame::decode(&buf[..n]).unwrap();
    assert_eq!(
        i.control,
        Control::I {
            ns: 0,
            nr: 1,
            poll_final: true
        }
    );
    assert_eq!(i.information, &[0xe6, 0xe7, 0x00, 0x61, 0x00]);
    client.handle_input(now, &buf[..n]);
    assert_eq!(client.poll_event(), Some(LinkEvent::ApduReceived(2)));
    client.disconnect().unwrap();
    let n = client.poll_transmit(now, &mut buf).unwrap();
    assert!(matches!(
        HdlcFrame::decode(&buf[..n]).unwrap().control,
        Control::Disc { .. }
    ));
    server.handle_input(now, &buf[..n]);
    assert_eq!(server.poll_event(), Some(LinkEvent::Disconnected));
    let n = server.poll_transmit(now, &mut buf).unwrap();
    client.handle_input(now, &buf[..n]);
    assert_eq!(client.poll_event(), Some(LinkEvent::Disconnected));
    assert!(!client.is_connected() && !server.is_connected());
    // A disconnected server answers DM.
    server.handle_input(now, &buf[..0]);
    let rr = HdlcFrame {
        segmented: false,
        destination: HdlcAddress::Two {
            upper: 1,
            lower: 17,
        },
        source: HdlcAddress::One(0x10),
        control: Control::Rr {
            nr: 0,
            poll_final: true,
        },
        information: &[],
    };
    let n = rr.encode(&mut buf).unwrap();
    server.handle_input(now, &buf[..n]);
    let n = server.poll_transmit(now, &mut buf).unwrap();
    assert!(matches!(
        HdlcFrame::decode(&buf[..n]).unwrap().control,
        Control::Dm { .. }
    ));
}

#[test]
fn windows_are_negotiated_down_to_one() {
    let mut c = cfg(Role::Client);
    c.limits.window_transmit = 7;
    c.limits.window_receive = 7;
    let mut client = Link::new(c);
    let mut s = cfg(Role::Server);
    s.limits.window_receive = 7;
    let mut server = Link::new(s);
    let now = Instant::from_millis(0);
    let mut buf = [0u8; 256];
    client.connect().unwrap();
    let n = client.poll_transmit(now, &mut buf).unwrap();
    let snrm = HdlcFrame::decode(&buf[..n]).unwrap();
    let p = HdlcParameters::decode(snrm.information).unwrap().limits();
    assert_eq!((p.window_transmit, p.window_receive), (1, 1));
    server.handle_input(now, &buf[..n]);
    let n = server.poll_transmit(now, &mut buf).unwrap();
    client.handle_input(now, &buf[..n]);
    let Some(LinkEvent::Connected(l)) = client.poll_event() else {
        panic!()
    };
    assert_eq!((l.window_transmit, l.window_receive), (1, 1));
}
