//! Tunneling client and server (SE 1.4 annex D.6) over an in-memory link
//! with seeded loss, duplication and reordering; negative tests per error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zcl_se::cluster::tunneling::{
    ProtocolId, RequestTunnel, TransferData, TransferDataStatus, TunnelStatus,
};
use dual_protocol_zcl_se::tunnel::{Client, CloseReason, Config, Event, Server, TunnelError};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

const CLIENT: u16 = 0x1234;
const SERVER: u16 = 0x0000;
const PROTOCOLS: &[(u16, u8)] = &[(0xffff, 0), (0xffff, 6), (0x1234, 200)];

type C = Client<2, 4096>;
type S<'p> = Server<'p, 4, 4096>;

struct Link {
    rng: ChaCha8Rng,
    loss: u32,
    dup: u32,
    reorder: u32,
    /// (deliver_at_step, to_server, bytes)
    flight: Vec<(u64, bool, Vec<u8>)>,
}

impl Link {
    fn put(&mut self, step: u64, to_server: bool, frame: &[u8]) {
        let r = self.rng.next_u32() % 100;
        if r < self.loss {
            return;
        }
        let delay = if self.rng.next_u32() % 100 < self.reorder {
            1 + u64::from(self.rng.next_u32() % 5)
        } else {
            0
        };
        self.flight.push((step + delay, to_server, frame.to_vec()));
        if self.rng.next_u32() % 100 < self.dup {
            self.flight
                .push((step + delay + 2, to_server, frame.to_vec()));
        }
    }
}

fn profile(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

/// Opens a tunnel and carries `up` client→server and `down` server→client;
/// returns what each side received.
fn run(seed: u64, loss: u32, dup: u32, reorder: u32, flow: bool) -> (Vec<u8>, Vec<u8>, u64) {
    let cfg = Config {
        max_segment: 60,
        max_incoming: 200,
        retransmit_after: Duration::from_millis(200),
        max_retries: 60,
        ..Config::default()
    };
    let mut c = C::new(cfg, 7);
    let mut s = S::new(cfg, PROTOCOLS, true, 90);
    let mut link = Link {
        rng: ChaCha8Rng::seed_from_u64(seed),
        loss,
        dup,
        reorder,
        flight: Vec::new(),
    };
    let up = profile(3072, 0x5a);
    let down = profile(3072, 0xa5);
    let (mut got_up, mut got_down) = (Vec::new(), Vec::new());
    let mut now = Instant::from_millis(0);
    c.request_tunnel(now, SERVER, ProtocolId::DlmsCosem, 0xffff, flow)
        .unwrap();
    let (mut ctid, mut stid) = (None, None);
    let mut buf = [0u8; 128];
    let mut step = 0u64;
    while step < 200_000 {
        step += 1;
        now += Duration::from_millis(10);
        c.handle_timeout(now);
        s.handle_timeout(now);
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            assert_eq!(t.peer, SERVER);
            link.put(step, true, &buf[..t.len]);
        }
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            assert_eq!(t.peer, CLIENT);
            link.put(step, false, &buf[..t.len]);
        }
        let (due, rest): (Vec<_>, Vec<_>) = link.flight.drain(..).partition(|f| f.0 <= step);
        link.flight = rest;
        for (_, to_server, f) in due {
            if to_server {
                if let Some(r) = s.handle_input(now, CLIENT, &f).unwrap() {
                    got_up.extend_from_slice(r.data);
                    s.release(r.tunnel_id, r.data.len() as u16).unwrap();
                }
            } else if let Some(r) = c.handle_input(now, SERVER, &f).unwrap() {
                got_down.extend_from_slice(r.data);
                c.release(r.tunnel_id, r.data.len() as u16).unwrap();
            }
        }
        while let Some(e) = c.poll_event() {
            if let Event::Opened {
                tunnel_id,
                flow_control,
                ..
            } = e
            {
                assert_eq!(flow_control, flow);
                ctid = Some(tunnel_id);
                c.send(tunnel_id, &up).unwrap();
            }
        }
        while let Some(e) = s.poll_event() {
            if let Event::Opened {
                tunnel_id,
                protocol_id,
                ..
            } = e
            {
                assert_eq!(protocol_id, 0);
                stid = Some(tunnel_id);
                s.send(tunnel_id, &down).unwrap();
            }
        }
        if got_up.len() >= up.len() && got_down.len() >= down.len() && link.flight.is_empty() {
            break;
        }
    }
    assert_eq!(ctid, stid, "both sides name the same tunnel");
    assert_eq!(c.open_tunnels(), 1);
    assert_eq!(s.open_tunnels(), 1);
    assert_eq!(got_up, up, "seed {seed}");
    assert_eq!(got_down, down, "seed {seed}");
    (got_up, got_down, step)
}

#[test]
fn dlms_profile_read_both_directions_clean_link() {
    let (_, _, steps) = run(1, 0, 0, 0, true);
    assert!(steps < 2000, "{steps}");
}

#[test]
fn dlms_profile_read_under_loss_duplication_reordering() {
    for seed in 0..12 {
        run(seed, 20, 10, 20, true);
    }
}

#[test]
fn without_flow_control_segments_go_back_to_back() {
    run(3, 0, 10, 0, false);
}

fn frame_c2s(cmd: u8, tsn: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0x11, tsn, cmd];
    v.extend_from_slice(payload);
    v
}

fn open(s: &mut S<'_>, now: Instant, peer: u16, tsn: u8) -> u16 {
    let mut b = [0u8; 64];
    let n = RequestTunnel {
        protocol_id: ProtocolId::GbHrgp,
        manufacturer_code: 0xffff,
        flow_control_support: 1,
        maximum_incoming_transfer_size: 100,
        trailing: &[],
    }
    .encode_frame(tsn, false, &mut b)
    .unwrap();
    s.handle_input(now, peer, &b[..n]).unwrap();
    let t = s.poll_transmit(now, &mut b).unwrap();
    assert_eq!(t.peer, peer);
    // RequestTunnelResponse: header 3, tunnel id, status, max.
    assert_eq!(b[2], 0x00);
    assert_eq!(b[1], tsn);
    u16::from_le_bytes([b[3], b[4]])
}

#[test]
fn request_statuses_and_caller_limit() {
    let cfg = Config::default();
    let mut s: Server<'_, 2, 64> = Server::new(cfg, PROTOCOLS, false, 0);
    let now = Instant::from_secs(1);
    let mut b = [0u8; 64];
    let mut ask = |s: &mut Server<'_, 2, 64>, tsn: u8, pid: u8, m: u16, fc: u8| {
        let n = RequestTunnel {
            protocol_id: pid.into(),
            manufacturer_code: m,
            flow_control_support: fc,
            maximum_incoming_transfer_size: 100,
            trailing: &[],
        }
        .encode_frame(tsn, false, &mut b)
        .unwrap();
        s.handle_input(now, 5, &b[..n]).unwrap();
        s.poll_transmit(now, &mut b).unwrap();
        TunnelStatus::from(b[5])
    };
    assert_eq!(
        ask(&mut s, 1, 4, 0xffff, 0),
        TunnelStatus::ProtocolNotSupported
    );
    assert_eq!(ask(&mut s, 2, 200, 0x1234, 0), TunnelStatus::Success);
    assert_eq!(
        ask(&mut s, 3, 0, 0xffff, 1),
        TunnelStatus::FlowControlNotSupported
    );
    assert_eq!(ask(&mut s, 4, 6, 0xffff, 0), TunnelStatus::Success);
    assert_eq!(ask(&mut s, 5, 6, 0xffff, 0), TunnelStatus::NoMoreTunnelIds);
    // A repeated request (lost response) gets the same tunnel, not a new one.
    assert_eq!(ask(&mut s, 4, 6, 0xffff, 0), TunnelStatus::Success);
    assert_eq!(s.open_tunnels(), 2);
}

#[test]
fn transfer_data_errors() {
    let cfg = Config {
        max_incoming: 10,
        ..Config::default()
    };
    let mut s: S<'_> = Server::new(cfg, PROTOCOLS, true, 0);
    let now = Instant::from_secs(1);
    let id = open(&mut s, now, 5, 1);
    let _ = s.poll_event();
    let mut b = [0u8; 64];
    let mut send = |s: &mut S<'_>, peer: u16, tunnel: u16, data: &[u8]| {
        let mut p = tunnel.to_le_bytes().to_vec();
        p.extend_from_slice(data);
        let f = frame_c2s(0x02, 9, &p);
        let got = s.handle_input(now, peer, &f).unwrap();
        assert!(got.is_none());
        let t = s.poll_transmit(now, &mut b).unwrap();
        assert_eq!(t.peer, peer);
        assert_eq!(b[2], 0x02, "TransferDataError");
        let status = TransferDataStatus::from(b[5]);
        assert_eq!(
            s.poll_event(),
            Some(Event::Refused {
                tunnel_id: tunnel,
                peer,
                status
            })
        );
        status
    };
    assert_eq!(
        send(&mut s, 5, id ^ 0x55, b"x"),
        TransferDataStatus::NoSuchTunnel
    );
    assert_eq!(send(&mut s, 6, id, b"x"), TransferDataStatus::WrongDevice);
    assert_eq!(
        send(&mut s, 5, id, &[0; 11]),
        TransferDataStatus::DataOverflow
    );
}

#[test]
fn peer_error_closes_the_tunnel() {
    let mut c: C = Client::new(Config::default(), 0);
    let now = Instant::from_secs(1);
    c.request_tunnel(now, SERVER, ProtocolId::DlmsCosem, 0xffff, true)
        .unwrap();
    let mut b = [0u8; 64];
    let t = c.poll_transmit(now, &mut b).unwrap();
    let tsn = b[1];
    assert_eq!(t.len, 9);
    // RequestTunnelResponse success, tunnel 7.
    c.handle_input(now, SERVER, &[0x19, tsn, 0x00, 7, 0, 0, 100, 0])
        .unwrap();
    assert!(matches!(
        c.poll_event(),
        Some(Event::Opened { tunnel_id: 7, .. })
    ));
    // TransferDataError (server to client 0x02): data overflow.
    c.handle_input(now, SERVER, &[0x19, 1, 0x02, 7, 0, 2])
        .unwrap();
    assert_eq!(
        c.poll_event(),
        Some(Event::Closed {
            tunnel_id: 7,
            reason: CloseReason::PeerError(TransferDataStatus::DataOverflow)
        })
    );
    assert_eq!(c.send(7, b"x"), Err(TunnelError::NoSuchTunnel(7)));
}

#[test]
fn rejected_request_and_request_timeout() {
    let cfg = Config {
        retransmit_after: Duration::from_secs(1),
        max_retries: 2,
        ..Config::default()
    };
    let mut c: C = Client::new(cfg, 0);
    let mut now = Instant::from_secs(1);
    c.request_tunnel(now, SERVER, ProtocolId::Sml, 0xffff, false)
        .unwrap();
    assert_eq!(
        c.request_tunnel(now, SERVER, ProtocolId::Sml, 0xffff, false),
        Err(TunnelError::RequestPending)
    );
    let mut b = [0u8; 64];
    c.poll_transmit(now, &mut b).unwrap();
    let tsn = b[1];
    c.handle_input(now, SERVER, &[0x19, tsn, 0x00, 0xff, 0xff, 3, 100, 0])
        .unwrap();
    assert_eq!(
        c.poll_event(),
        Some(Event::Rejected {
            peer: SERVER,
            status: TunnelStatus::ProtocolNotSupported
        })
    );
    c.request_tunnel(now, SERVER, ProtocolId::Sml, 0xffff, false)
        .unwrap();
    let mut sent = 0;
    for _ in 0..10 {
        while c.poll_transmit(now, &mut b).is_some() {
            sent += 1;
        }
        if let Some(t) = c.poll_timeout() {
            now = t;
            c.handle_timeout(now);
        }
    }
    assert_eq!(sent, 3, "first try and two resends");
    assert_eq!(
        c.poll_event(),
        Some(Event::RequestTimedOut { peer: SERVER })
    );
}

#[test]
fn close_timeout_and_close_tunnel() {
    let cfg = Config {
        close_timeout: Duration::from_secs(30),
        ..Config::default()
    };
    let mut s: S<'_> = Server::new(cfg, PROTOCOLS, true, 0);
    let t0 = Instant::from_secs(1);
    let a = open(&mut s, t0, 5, 1);
    let b_id = open(&mut s, t0, 6, 1);
    assert_ne!(a, b_id);
    assert_eq!(s.poll_timeout(), Some(Instant::from_secs(31)));
    // Traffic on `a` at 20 s keeps it open.
    let mut p = a.to_le_bytes().to_vec();
    p.extend_from_slice(b"hi");
    let f = frame_c2s(0x02, 2, &p);
    let got = s.handle_input(Instant::from_secs(20), 5, &f).unwrap();
    assert_eq!(got.unwrap().data, b"hi");
    s.handle_timeout(Instant::from_secs(31));
    assert_eq!(s.open_tunnels(), 1);
    let mut buf = [0u8; 64];
    let mut closure = false;
    while let Some(t) = s.poll_transmit(Instant::from_secs(31), &mut buf) {
        if buf[2] == 0x06 {
            assert_eq!(t.peer, 6);
            assert_eq!(u16::from_le_bytes([buf[3], buf[4]]), b_id);
            closure = true;
        }
    }
    assert!(closure, "TunnelClosureNotification sent");
    let mut closed = false;
    while let Some(e) = s.poll_event() {
        closed |= e
            == Event::Closed {
                tunnel_id: b_id,
                reason: CloseReason::Timeout,
            };
    }
    assert!(closed);
    // CloseTunnel from the wrong device is ignored; from the owner it closes.
    s.handle_input(t0, 9, &frame_c2s(0x01, 3, &a.to_le_bytes()))
        .unwrap();
    assert_eq!(s.open_tunnels(), 1);
    s.handle_input(t0, 5, &frame_c2s(0x01, 3, &a.to_le_bytes()))
        .unwrap();
    assert_eq!(s.open_tunnels(), 0);
}

#[test]
fn supported_protocols_listed_from_offset() {
    let mut s: S<'_> = Server::new(Config::default(), PROTOCOLS, true, 0);
    let now = Instant::from_secs(1);
    s.handle_input(now, 5, &frame_c2s(0x06, 4, &[1])).unwrap();
    let mut b = [0u8; 64];
    let t = s.poll_transmit(now, &mut b).unwrap();
    assert_eq!(
        &b[..t.len],
        &[0x19, 4, 0x05, 1, 2, 0xff, 0xff, 6, 0x34, 0x12, 200]
    );
    let mut c: C = Client::new(Config::default(), 0);
    c.handle_input(now, 0, &b[..t.len]).unwrap();
    assert_eq!(
        c.poll_event(),
        Some(Event::SupportedProtocols {
            peer: 0,
            count: 2,
            complete: true
        })
    );
}

#[test]
fn negative_inputs_are_errors_not_panics() {
    let mut s: S<'_> = Server::new(Config::default(), PROTOCOLS, true, 0);
    let now = Instant::from_secs(1);
    assert!(matches!(
        s.handle_input(now, 1, &[]),
        Err(TunnelError::Decode(_))
    ));
    // Truncated TransferData (tunnel id cut).
    assert!(matches!(
        s.handle_input(now, 1, &[0x11, 0, 0x02, 1]),
        Err(TunnelError::Decode(_))
    ));
    // Wrong direction.
    assert_eq!(
        s.handle_input(now, 1, &[0x19, 0, 0x01, 1, 0]),
        Err(TunnelError::Unexpected(1))
    );
    // Global command.
    assert_eq!(
        s.handle_input(now, 1, &[0x10, 0, 0x0b]),
        Err(TunnelError::Unexpected(0x0b))
    );
    // Unknown command.
    assert_eq!(
        s.handle_input(now, 1, &[0x11, 0, 0x40]),
        Err(TunnelError::Unexpected(0x40))
    );
    // Send buffer limit.
    let id = open(&mut s, now, 5, 1);
    assert_eq!(
        s.send(id, &[0; 5000]),
        Err(TunnelError::SendBufferFull { free: 4096 })
    );
    assert_eq!(s.send(99, b"x"), Err(TunnelError::NoSuchTunnel(99)));
    // Every truncation of a well-formed TransferData.
    let f = frame_c2s(0x02, 1, &[1, 0, 9, 9]);
    for cut in 0..5 {
        assert!(s.handle_input(now, 5, &f[..cut]).is_err(), "cut {cut}");
    }
    let _ = TransferData::decode(&[1]).unwrap_err();
}

/// The client loses its state mid-transfer: the server's next TransferData
/// is refused (NoSuchTunnel), the server closes the tunnel, and the
/// restarted client opens a new one over which the transfer completes.
#[test]
fn client_restart_mid_transfer() {
    let cfg = Config {
        max_segment: 50,
        retransmit_after: Duration::from_millis(100),
        ..Config::default()
    };
    let mut s: S<'_> = Server::new(cfg, PROTOCOLS, true, 0);
    let mut c: C = Client::new(cfg, 0);
    let mut now = Instant::from_millis(0);
    let down = profile(3072, 1);
    let mut got = Vec::new();
    let mut buf = [0u8; 128];
    let mut restarted = false;
    let mut server_closed = false;
    let mut opened = 0;
    c.request_tunnel(now, SERVER, ProtocolId::DlmsCosem, 0xffff, true)
        .unwrap();
    for _ in 0..10_000 {
        now += Duration::from_millis(50);
        c.handle_timeout(now);
        s.handle_timeout(now);
        let mut to_s = Vec::new();
        while let Some(t) = c.poll_transmit(now, &mut buf) {
            to_s.push(buf[..t.len].to_vec());
        }
        for f in to_s {
            let _ = s.handle_input(now, CLIENT, &f).unwrap();
        }
        let mut to_c = Vec::new();
        while let Some(t) = s.poll_transmit(now, &mut buf) {
            to_c.push(buf[..t.len].to_vec());
        }
        for f in to_c {
            if let Some(r) = c.handle_input(now, SERVER, &f).unwrap() {
                got.extend_from_slice(r.data);
                c.release(r.tunnel_id, r.data.len() as u16).unwrap();
            }
        }
        if !restarted && got.len() > 1000 {
            restarted = true;
            c = Client::new(cfg, 77);
            got.clear();
        }
        while let Some(e) = s.poll_event() {
            match e {
                Event::Opened { tunnel_id, .. } => {
                    opened += 1;
                    s.send(tunnel_id, &down).unwrap();
                }
                Event::Closed {
                    reason: CloseReason::PeerError(TransferDataStatus::NoSuchTunnel),
                    ..
                } => {
                    server_closed = true;
                    c.request_tunnel(now, SERVER, ProtocolId::DlmsCosem, 0xffff, true)
                        .unwrap();
                }
                _ => {}
            }
        }
        while c.poll_event().is_some() {}
        if server_closed && got.len() == down.len() {
            break;
        }
    }
    assert!(server_closed);
    assert_eq!(opened, 2);
    assert_eq!(got, down);
}
