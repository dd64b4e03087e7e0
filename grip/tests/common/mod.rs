//! Shared test harness.
//! A deterministic in-memory "TCP" between a hub and a head-end session.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::vec::Vec;

use dual_protocol_grip::session::{Config, Event, Role, Session};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::time::{Duration, Instant};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

pub type Hub = Session<4096, 32768, 64, 16, 16>;
pub type HeadEnd = Session<8192, 131072, 512, 256, 64>;

pub const HUB_ID: Eui64 = Eui64([0x00, 0x0d, 0x6f, 0xff, 0xfe, 0x00, 0x00, 0x01]);
pub const HES_ID: Eui64 = Eui64([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]);

/// An owned copy of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Connected {
        resumed: bool,
    },
    Reset,
    Message {
        id: u32,
        device: dual_protocol_primitives::payload::HanDevice,
        prio: u8,
        reply_to: Option<u32>,
        payload: Vec<u8>,
    },
    Chunk {
        id: u32,
        transfer: u32,
        total: u32,
        offset: u32,
        data: Vec<u8>,
    },
    Delivered {
        ticket: u64,
        id: u32,
    },
    Lost {
        ticket: u64,
    },
    NotProcessed {
        ticket: u64,
    },
    PeerGoingAway {
        last_received: u32,
    },
    Ended,
    Closed {
        reason: u8,
        detail: u32,
        by_peer: bool,
    },
    ConnectionLost,
}

pub fn own(e: Event<'_>) -> Ev {
    match e {
        Event::Connected { resumed, .. } => Ev::Connected { resumed },
        Event::SessionReset { .. } => Ev::Reset,
        Event::Message(m) => Ev::Message {
            id: m.id,
            device: m.descriptor.device,
            prio: m.priority.code(),
            reply_to: m.reply_to,
            payload: m.payload.to_vec(),
        },
        Event::Chunk(c) => Ev::Chunk {
            id: c.id,
            transfer: c.transfer,
            total: c.total,
            offset: c.offset,
            data: c.data.to_vec(),
        },
        Event::Delivered { ticket, id } => Ev::Delivered {
            ticket: ticket.0,
            id,
        },
        Event::Lost { ticket } => Ev::Lost { ticket: ticket.0 },
        Event::NotProcessed { ticket } => Ev::NotProcessed { ticket: ticket.0 },
        Event::PeerGoingAway { last_received, .. } => Ev::PeerGoingAway { last_received },
        Event::Ended => Ev::Ended,
        Event::Closed {
            reason,
            detail,
            by_peer,
        } => Ev::Closed {
            reason: reason.into(),
            detail,
            by_peer,
        },
        Event::ConnectionLost => Ev::ConnectionLost,
        _ => unreachable!(),
    }
}

/// Drives one side: drain events into `out`.
pub fn drain<const A: usize, const B: usize, const C: usize, const D: usize, const E: usize>(
    s: &mut Session<A, B, C, D, E>,
    out: &mut Vec<Ev>,
) {
    while let Some(e) = s.poll_event() {
        out.push(own(e));
    }
}

/// Feeds all of `bytes`, draining events as needed; returns the first error.
pub fn feed<const A: usize, const B: usize, const C: usize, const D: usize, const E: usize>(
    s: &mut Session<A, B, C, D, E>,
    now: Instant,
    mut bytes: &[u8],
    out: &mut Vec<Ev>,
) -> Result<(), dual_protocol_grip::session::SessionError> {
    loop {
        let n = match s.handle_input(now, bytes) {
            Ok(n) => n,
            Err(e) => {
                drain(s, out);
                return Err(e);
            }
        };
        bytes = &bytes[n..];
        let before = out.len();
        drain(s, out);
        if !matches!(
            s.state(),
            dual_protocol_grip::session::ConnState::Handshaking
                | dual_protocol_grip::session::ConnState::Established
        ) {
            return Ok(());
        }
        if bytes.is_empty() && out.len() == before {
            // Nothing taken and nothing to report: frames may still be buffered.
            let r = s.handle_input(now, &[]);
            drain(s, out);
            let n = r?;
            if n == 0 && out.len() == before {
                return Ok(());
            }
        }
    }
}

/// Everything a side wants to send right now.
pub fn transmit<const A: usize, const B: usize, const C: usize, const D: usize, const E: usize>(
    s: &mut Session<A, B, C, D, E>,
    now: Instant,
    wire: &mut VecDeque<u8>,
    events: &mut Vec<Ev>,
) {
    let mut buf = vec![0u8; s.min_transmit_buffer().max(A)];
    while let Some(n) = s.poll_transmit(now, &mut buf) {
        wire.extend(&buf[..n]);
        drain(s, events);
    }
    drain(s, events);
}

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn pick(rng: &mut ChaCha20Rng, n: u32) -> u32 {
    if n == 0 { 0 } else { rng.next_u32() % n }
}

pub fn hub_config() -> Config {
    Config::new(Role::Hub)
}

pub fn hes_config() -> Config {
    Config::new(Role::HeadEnd)
}

pub fn ms(t: u64) -> Instant {
    Instant::from_millis(t)
}

pub fn dur_ms(t: u64) -> Duration {
    Duration::from_millis(t)
}

/// A connected pair with both wires.
pub struct Pair {
    pub hub: Box<Hub>,
    pub hes: Box<HeadEnd>,
    pub to_hes: VecDeque<u8>,
    pub to_hub: VecDeque<u8>,
    pub hub_events: Vec<Ev>,
    pub hes_events: Vec<Ev>,
    pub now: Instant,
    pub rng: ChaCha20Rng,
}

impl Pair {
    pub fn new(seed: u64, hub: Config, hes: Config) -> Self {
        Pair {
            hub: Box::new(Hub::new(hub)),
            hes: Box::new(HeadEnd::new(hes)),
            to_hes: VecDeque::new(),
            to_hub: VecDeque::new(),
            hub_events: Vec::new(),
            hes_events: Vec::new(),
            now: Instant::from_secs(1),
            rng: rng(seed),
        }
    }

    pub fn connect(&mut self) {
        let now = self.now;
        self.hub.connect(now, HES_ID, &mut self.rng).unwrap();
        self.hes.connect(now, HUB_ID, &mut self.rng).unwrap();
        self.settle();
    }

    pub fn cut(&mut self) {
        self.to_hes.clear();
        self.to_hub.clear();
        self.hub.disconnected(self.now);
        self.hes.disconnected(self.now);
        drain(&mut *self.hub, &mut self.hub_events);
        drain(&mut *self.hes, &mut self.hes_events);
    }

    /// Moves bytes both ways until quiet, whole.
    pub fn settle(&mut self) {
        for _ in 0..10_000 {
            transmit(
                &mut *self.hub,
                self.now,
                &mut self.to_hes,
                &mut self.hub_events,
            );
            transmit(
                &mut *self.hes,
                self.now,
                &mut self.to_hub,
                &mut self.hes_events,
            );
            if self.to_hes.is_empty() && self.to_hub.is_empty() {
                return;
            }
            let a: Vec<u8> = self.to_hes.drain(..).collect();
            let _ = feed(&mut *self.hes, self.now, &a, &mut self.hes_events);
            let b: Vec<u8> = self.to_hub.drain(..).collect();
            let _ = feed(&mut *self.hub, self.now, &b, &mut self.hub_events);
        }
        panic!("did not settle");
    }
}
