//! Tunneling client and server machines (zcl-se `tunnel`): arbitrary frames
//! from arbitrary peers, interleaved with sends, releases, polls and timer
//! firings, never panic, and every transmitted frame fits the buffer and
//! decodes as a ZCL header.
#![no_main]

use dual_protocol_primitives::time::{Duration, Instant};
use dual_protocol_zcl_se::Header;
use dual_protocol_zcl_se::cluster::tunneling::ProtocolId;
use dual_protocol_zcl_se::tunnel::{Client, Config, Server};
use libfuzzer_sys::fuzz_target;

const PROTOCOLS: &[(u16, u8)] = &[(0xffff, 0), (0xffff, 6)];

fuzz_target!(|data: &[u8]| {
    let cfg = Config {
        max_segment: 40,
        max_incoming: 64,
        ..Config::default()
    };
    let mut s: Server<'_, 3, 256> = Server::new(cfg, PROTOCOLS, true, 0);
    let mut c: Client<2, 256> = Client::new(cfg, 0);
    let mut now = Instant::from_millis(0);
    let _ = c.request_tunnel(now, 0, ProtocolId::GbHrgp, 0xffff, true);
    let mut buf = [0u8; 64];
    // Records: [op, peer, len, bytes...].
    let mut rest = data;
    while let [op, who, len, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (frame, after) = tail.split_at(n);
        rest = after;
        let peer = u16::from(*who & 3);
        match op % 6 {
            0 => {
                let _ = s.handle_input(now, peer, frame);
            }
            1 => {
                let _ = c.handle_input(now, peer, frame);
            }
            2 => {
                let id = u16::from(*who);
                let _ = s.send(id, frame);
                let _ = c.send(id, frame);
                let _ = s.release(id, n as u16);
                let _ = c.release(id, n as u16);
            }
            3 => {
                now += Duration::from_millis(u64::from(*len) * 100);
                s.handle_timeout(now);
                c.handle_timeout(now);
            }
            _ => {
                // Deliver what each side sends to the other.
                while let Some(t) = s.poll_transmit(now, &mut buf) {
                    assert!(t.len <= buf.len());
                    assert!(Header::decode(&buf[..t.len]).is_ok());
                    let f = buf[..t.len].to_vec();
                    let _ = c.handle_input(now, 0, &f);
                }
                while let Some(t) = c.poll_transmit(now, &mut buf) {
                    assert!(Header::decode(&buf[..t.len]).is_ok());
                    let f = buf[..t.len].to_vec();
                    let _ = s.handle_input(now, 1, &f);
                }
            }
        }
        while s.poll_event().is_some() {}
        while c.poll_event().is_some() {}
        let _ = (s.poll_timeout(), c.poll_timeout());
    }
});
