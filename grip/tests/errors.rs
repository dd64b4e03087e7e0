//! Negative tests: every decode error, every protocol error with its
//! specific error value and the CLOSE reason put on the wire (docs/grip.md
//! §11), and the caller errors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_grip::frame::{Capabilities, Features, Resume, SessionId};
use dual_protocol_grip::session::{
    CallerError, ConnState, Outgoing, PeerError, SessionError, UnsupportedError,
};
use dual_protocol_grip::{
    Chunk, Close, CloseReason, Credit, DecodeError, Deframer, EncodeError, Frame, GoAway,
    GoAwayCode, Hello, Message, Priority, Welcome,
};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor, PayloadKind};

/// Encodes through the no-heap API (so tests also run without `alloc`).
fn to_vec(f: &Frame<'_>) -> Result<Vec<u8>, dual_protocol_grip::EncodeError> {
    let mut v = vec![0u8; f.encoded_len()];
    let n = f.encode(&mut v)?;
    v.truncate(n);
    Ok(v)
}

const METER: Eui64 = Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 1]);

fn enc(f: Frame<'_>) -> Vec<u8> {
    to_vec(&f).unwrap()
}

fn msg(id: u32, device: Eui64, payload: &[u8]) -> Vec<u8> {
    enc(Frame::Message(Message {
        id,
        priority: Priority::Normal,
        dup: false,
        reply_to: None,
        descriptor: PayloadDescriptor::device(PayloadKind::DlmsApdu, device),
        payload,
    }))
}

fn hello(min: u8, max: u8, resume: Option<Resume>) -> Vec<u8> {
    enc(Frame::Hello(Hello {
        min_version: min,
        max_version: max,
        caps: Capabilities {
            features: Some(Features::CHUNKED),
            resume,
            ..Capabilities::default()
        },
    }))
}

/// A head end that has accepted a fresh HELLO.
fn hes_established() -> (Box<HeadEnd>, Vec<Ev>) {
    let mut r = rng(5);
    let mut hes = Box::new(HeadEnd::new(hes_config()));
    hes.connect(ms(0), HUB_ID, &mut r).unwrap();
    let mut ev = Vec::new();
    feed(&mut *hes, ms(0), &hello(1, 1, None), &mut ev).unwrap();
    assert!(ev.contains(&Ev::Connected { resumed: false }));
    let mut wire = std::collections::VecDeque::new();
    transmit(&mut *hes, ms(0), &mut wire, &mut ev);
    (hes, ev)
}

/// A hub that has received a WELCOME.
fn hub_established(features: Features) -> (Box<Hub>, Vec<Ev>) {
    let mut r = rng(6);
    let mut cfg = hub_config();
    cfg.features = features;
    let mut hub = Box::new(Hub::new(cfg));
    hub.connect(ms(0), HES_ID, &mut r).unwrap();
    let mut ev = Vec::new();
    let mut wire = std::collections::VecDeque::new();
    transmit(&mut *hub, ms(0), &mut wire, &mut ev);
    let w = enc(Frame::Welcome(Welcome {
        version: 1,
        resumed: false,
        session: SessionId([7; 16]),
        last_received: 0,
        caps: Capabilities {
            features: Some(Features::CHUNKED),
            ..Capabilities::default()
        },
    }));
    feed(&mut *hub, ms(0), &w, &mut ev).unwrap();
    assert!(ev.contains(&Ev::Connected { resumed: false }));
    (hub, ev)
}

/// Feeds `bytes`, expects `err`, and checks the CLOSE put on the wire.
fn expect_close<const A: usize, const B: usize, const C: usize, const D: usize, const E: usize>(
    s: &mut dual_protocol_grip::session::Session<A, B, C, D, E>,
    bytes: &[u8],
    err: SessionError,
    reason: CloseReason,
    detail: u32,
) {
    let mut ev = Vec::new();
    assert_eq!(feed(s, ms(1), bytes, &mut ev), Err(err));
    assert!(
        ev.contains(&Ev::Closed {
            reason: reason.into(),
            detail,
            by_peer: false
        }),
        "{ev:?}"
    );
    let mut buf = vec![0u8; 64];
    let n = s.poll_transmit(ms(1), &mut buf).unwrap();
    assert_eq!(
        Frame::decode(&buf[..n]).unwrap(),
        Frame::Close(Close { reason, detail })
    );
    assert_eq!(s.state(), ConnState::Disconnected);
    assert_eq!(
        s.handle_input(ms(2), &[0]),
        Err(SessionError::Caller(CallerError::NotConnected))
    );
}

// ---------------------------------------------------------------- codec

#[test]
fn truncation_at_every_byte() {
    let frames = [
        msg(1, METER, b"abc"),
        hello(
            1,
            1,
            Some(Resume {
                session: SessionId([1; 16]),
                last_received: 3,
            }),
        ),
    ];
    for f in frames {
        for cut in 0..f.len() {
            assert!(
                matches!(Frame::decode(&f[..cut]), Err(DecodeError::Truncated { .. })),
                "cut {cut}"
            );
        }
        // A header claiming less body than the fields need: truncated field.
        let mut short = f.clone();
        short.truncate(7);
        short[1..4].copy_from_slice(&[0, 0, 3]);
        assert!(
            matches!(Frame::decode(&short), Err(DecodeError::Truncated { offset, .. }) if offset >= 4)
        );
    }
}

#[test]
fn oversize_frame() {
    let f = msg(1, METER, &[0u8; 100]);
    assert_eq!(
        Frame::decode_prefix(&f[..4], 64),
        Err(DecodeError::FrameTooLarge {
            length: f.len(),
            max: 64
        })
    );
    let mut d: Deframer<256> = Deframer::new(64);
    d.push(&f[..10]);
    assert_eq!(
        d.next_frame(),
        Some(Err(DecodeError::FrameTooLarge {
            length: f.len(),
            max: 64
        }))
    );
    // The stream stays failed.
    assert!(matches!(
        d.next_frame(),
        Some(Err(DecodeError::FrameTooLarge { .. }))
    ));
}

#[test]
fn field_errors() {
    // Reserved flag bits in a MESSAGE.
    let mut f = msg(1, METER, b"x");
    f[8] |= 0x40;
    assert_eq!(
        Frame::decode(&f),
        Err(DecodeError::ReservedBits {
            offset: 8,
            value: 0x40
        })
    );
    // REPLY set in a CHUNK is reserved there.
    let c = enc(Frame::Chunk(Chunk {
        id: 1,
        priority: Priority::Bulk,
        dup: false,
        transfer: 1,
        total: 10,
        offset: 8,
        descriptor: PayloadDescriptor::hub(PayloadKind::HubManagement),
        data: b"ab",
    }));
    let mut bad = c.clone();
    bad[8] |= 0x08;
    assert_eq!(
        Frame::decode(&bad),
        Err(DecodeError::ReservedBits {
            offset: 8,
            value: 0x08
        })
    );
    // Chunk data beyond the total, empty data, zero total.
    let mut beyond = c.clone();
    beyond[16] = 9; // total 9 < 8 + 2
    assert_eq!(
        Frame::decode(&beyond),
        Err(DecodeError::ChunkRange { offset: 17 })
    );
    let mut empty = c.clone();
    empty.truncate(c.len() - 2);
    empty[3] -= 2;
    assert_eq!(
        Frame::decode(&empty),
        Err(DecodeError::ChunkRange { offset: 17 })
    );
    let mut zero = c.clone();
    zero[13..17].copy_from_slice(&[0; 4]);
    assert_eq!(
        Frame::decode(&zero),
        Err(DecodeError::InvalidValue {
            offset: 13,
            what: "chunk total"
        })
    );
    // Payload descriptor with its reserved bit.
    let mut d = msg(1, METER, b"x");
    d[9] |= 0x02;
    assert!(matches!(
        Frame::decode(&d),
        Err(DecodeError::Descriptor { offset: 9, .. })
    ));
    // CREDIT with an unknown device tag.
    let mut cr = enc(Frame::Credit(Credit {
        id: 1,
        dup: false,
        device: HanDevice::Hub,
        released: 0,
        window_change: 0,
    }));
    cr[9] = 2;
    assert_eq!(
        Frame::decode(&cr),
        Err(DecodeError::InvalidValue {
            offset: 9,
            what: "credit device tag"
        })
    );
    // WELCOME reserved flags.
    let mut w = enc(Frame::Welcome(Welcome {
        version: 1,
        resumed: true,
        session: SessionId([0; 16]),
        last_received: 0,
        caps: Capabilities::default(),
    }));
    w[5] = 0x81;
    assert_eq!(
        Frame::decode(&w),
        Err(DecodeError::ReservedBits {
            offset: 5,
            value: 0x80
        })
    );
    // Trailing octets in a fixed-size body and after a frame.
    assert_eq!(
        Frame::decode(&[0x03, 0, 0, 5, 0, 0, 0, 1, 9]),
        Err(DecodeError::TrailingBytes {
            offset: 8,
            extra: 1
        })
    );
    assert_eq!(
        Frame::decode(&[0x03, 0, 0, 4, 0, 0, 0, 1, 9]),
        Err(DecodeError::TrailingBytes {
            offset: 8,
            extra: 1
        })
    );
}

#[test]
fn capability_errors() {
    let h = |tlvs: &[u8]| {
        let mut v = vec![0x01, 0, 0, (2 + tlvs.len()) as u8, 1, 1];
        v.extend_from_slice(tlvs);
        Frame::decode(&v).map(|_| ())
    };
    assert_eq!(
        h(&[2, 2, 0, 60, 1, 4, 0, 0, 0x40, 0]),
        Err(DecodeError::TlvOrder { offset: 10 })
    );
    assert_eq!(
        h(&[2, 2, 0, 60, 2, 2, 0, 60]),
        Err(DecodeError::TlvOrder { offset: 10 })
    );
    assert_eq!(h(&[0, 0]), Err(DecodeError::TlvOrder { offset: 6 }));
    assert_eq!(
        h(&[2, 1, 60]),
        Err(DecodeError::TlvLength {
            offset: 6,
            tlv_type: 2,
            length: 1
        })
    );
    assert_eq!(
        h(&[1, 4, 0, 0, 0, 63]),
        Err(DecodeError::InvalidValue {
            offset: 8,
            what: "MAX_FRAME"
        })
    );
    assert_eq!(
        h(&[2, 2, 0, 0]),
        Err(DecodeError::InvalidValue {
            offset: 8,
            what: "KEEPALIVE"
        })
    );
    assert_eq!(
        h(&[3, 2, 0, 0]),
        Err(DecodeError::InvalidValue {
            offset: 8,
            what: "INITIAL_WINDOW"
        })
    );
    assert_eq!(
        h(&[4, 2, 0, 0]),
        Err(DecodeError::InvalidValue {
            offset: 8,
            what: "MAX_DEVICES"
        })
    );
    assert!(matches!(h(&[9, 5, 1]), Err(DecodeError::Truncated { .. })));
    // Unknown TLVs are kept and re-encoded.
    let mut v = vec![0x01, 0, 0, 8, 1, 1, 2, 2, 0, 60, 9, 0];
    assert!(Frame::decode(&v).is_ok());
    v[3] = 9;
    v.push(0);
    assert!(Frame::decode(&v).is_err());
}

#[test]
fn encode_errors() {
    let f = Frame::Ack { last_received: 1 };
    assert_eq!(
        f.encode(&mut [0u8; 7]),
        Err(EncodeError::BufferTooSmall { needed: 8 })
    );
    let c = Frame::Chunk(Chunk {
        id: 1,
        priority: Priority::Bulk,
        dup: false,
        transfer: 1,
        total: 1,
        offset: 0,
        descriptor: PayloadDescriptor::hub(PayloadKind::HubManagement),
        data: b"ab",
    });
    assert_eq!(
        c.encode(&mut [0u8; 64]),
        Err(EncodeError::InvalidField("chunk range"))
    );
    let h = Frame::Hello(Hello {
        min_version: 1,
        max_version: 1,
        caps: Capabilities {
            extensions: &[3, 0],
            ..Capabilities::default()
        },
    });
    assert_eq!(
        h.encode(&mut [0u8; 64]),
        Err(EncodeError::InvalidField("extensions"))
    );
    let h = Frame::Hello(Hello {
        min_version: 1,
        max_version: 1,
        caps: Capabilities {
            max_frame: Some(10),
            ..Capabilities::default()
        },
    });
    assert_eq!(
        h.encode(&mut [0u8; 64]),
        Err(EncodeError::InvalidField("MAX_FRAME"))
    );
    let m = Frame::Message(Message {
        id: 1,
        priority: Priority::Bulk,
        dup: false,
        reply_to: None,
        descriptor: PayloadDescriptor::hub(PayloadKind::Unknown(3)),
        payload: b"",
    });
    assert_eq!(
        m.encode(&mut [0u8; 64]),
        Err(EncodeError::InvalidField("payload descriptor"))
    );
}

// ---------------------------------------------------------------- session

#[test]
fn bad_version() {
    let mut r = rng(1);
    let mut hes = Box::new(HeadEnd::new(hes_config()));
    hes.connect(ms(0), HUB_ID, &mut r).unwrap();
    expect_close(
        &mut *hes,
        &hello(2, 3, None),
        SessionError::Unsupported(UnsupportedError::Version { min: 2, max: 3 }),
        CloseReason::UnsupportedVersion,
        3,
    );
    // The hub refuses a WELCOME with a version it did not offer.
    let mut hub = Box::new(Hub::new(hub_config()));
    hub.connect(ms(0), HES_ID, &mut r).unwrap();
    let mut sink = std::collections::VecDeque::new();
    transmit(&mut *hub, ms(0), &mut sink, &mut Vec::new());
    let w = enc(Frame::Welcome(Welcome {
        version: 2,
        resumed: false,
        session: SessionId([1; 16]),
        last_received: 0,
        caps: Capabilities::default(),
    }));
    expect_close(
        &mut *hub,
        &w,
        SessionError::Unsupported(UnsupportedError::Version { min: 2, max: 2 }),
        CloseReason::UnsupportedVersion,
        2,
    );
}

#[test]
fn oversize_frame_closes() {
    let (mut hes, _) = hes_established();
    let max = hes.config().max_frame as usize;
    let header = [0x10, 0, 0x20, 0];
    let length = 4 + 0x2000;
    assert!(length > max);
    expect_close(
        &mut *hes,
        &header,
        SessionError::Malformed(DecodeError::FrameTooLarge { length, max }),
        CloseReason::FrameTooLarge,
        length as u32,
    );
}

#[test]
fn unknown_frame_type_closes() {
    let (mut hes, _) = hes_established();
    expect_close(
        &mut *hes,
        &[0x20, 0, 0, 1, 0xaa],
        SessionError::Unsupported(UnsupportedError::FrameType(0x20)),
        CloseReason::UnknownFrameType,
        0x20,
    );
}

#[test]
fn ack_for_unknown_id_closes() {
    let (mut hes, _) = hes_established();
    expect_close(
        &mut *hes,
        &enc(Frame::Ack { last_received: 5 }),
        SessionError::Peer(PeerError::AckUnknown {
            acked: 5,
            last_sent: 0,
        }),
        CloseReason::AckUnknown,
        5,
    );
    // reply_to above the last id sent is the same error.
    let (mut hub, _) = hub_established(Features::CHUNKED);
    let reply = enc(Frame::Message(Message {
        id: 1,
        priority: Priority::High,
        dup: false,
        reply_to: Some(9),
        descriptor: PayloadDescriptor::device(PayloadKind::DlmsApdu, METER),
        payload: b"",
    }));
    expect_close(
        &mut *hub,
        &reply,
        SessionError::Peer(PeerError::AckUnknown {
            acked: 9,
            last_sent: 0,
        }),
        CloseReason::AckUnknown,
        9,
    );
}

#[test]
fn sequence_gap_closes_and_duplicates_are_dropped() {
    let (mut hub, _) = hub_established(Features::CHUNKED);
    let mut ev = Vec::new();
    let one = msg(1, METER, b"one");
    feed(&mut *hub, ms(1), &one, &mut ev).unwrap();
    feed(&mut *hub, ms(1), &one, &mut ev).unwrap();
    let delivered = ev
        .iter()
        .filter(|e| matches!(e, Ev::Message { .. }))
        .count();
    assert_eq!(delivered, 1);
    assert_eq!(hub.stats().duplicates, 1);
    expect_close(
        &mut *hub,
        &msg(3, METER, b"three"),
        SessionError::Peer(PeerError::SequenceGap {
            expected: 2,
            got: 3,
        }),
        CloseReason::SequenceGap,
        3,
    );
}

#[test]
fn unexpected_frames_close() {
    // A MESSAGE before HELLO.
    let mut r = rng(2);
    let mut hes = Box::new(HeadEnd::new(hes_config()));
    hes.connect(ms(0), HUB_ID, &mut r).unwrap();
    expect_close(
        &mut *hes,
        &msg(1, METER, b""),
        SessionError::Peer(PeerError::UnexpectedFrame { frame_type: 0x10 }),
        CloseReason::UnexpectedFrame,
        0x10,
    );
    // A second HELLO.
    let (mut hes, _) = hes_established();
    expect_close(
        &mut *hes,
        &hello(1, 1, None),
        SessionError::Peer(PeerError::UnexpectedFrame { frame_type: 0x01 }),
        CloseReason::UnexpectedFrame,
        1,
    );
    // A WELCOME claiming to resume a session the hub never had.
    let mut hub = Box::new(Hub::new(hub_config()));
    hub.connect(ms(0), HES_ID, &mut r).unwrap();
    transmit(
        &mut *hub,
        ms(0),
        &mut std::collections::VecDeque::new(),
        &mut Vec::new(),
    );
    let w = enc(Frame::Welcome(Welcome {
        version: 1,
        resumed: true,
        session: SessionId([1; 16]),
        last_received: 0,
        caps: Capabilities::default(),
    }));
    expect_close(
        &mut *hub,
        &w,
        SessionError::Peer(PeerError::BadResume),
        CloseReason::ProtocolError,
        0,
    );
}

#[test]
fn malformed_frame_closes_with_offset() {
    let (mut hes, _) = hes_established();
    let mut f = msg(1, METER, b"x");
    f[8] = 0x80;
    expect_close(
        &mut *hes,
        &f,
        SessionError::Malformed(DecodeError::ReservedBits {
            offset: 8,
            value: 0x80,
        }),
        CloseReason::Malformed,
        8,
    );
}

#[test]
fn credit_violations_close() {
    // Window 4 (the hub's default): the fifth unreleased message breaks it.
    let (mut hub, _) = hub_established(Features::CHUNKED);
    let mut ev = Vec::new();
    for id in 1..=4 {
        feed(&mut *hub, ms(1), &msg(id, METER, b""), &mut ev).unwrap();
    }
    assert_eq!(hub.outstanding(HanDevice::Device(METER)), 4);
    expect_close(
        &mut *hub,
        &msg(5, METER, b""),
        SessionError::Peer(PeerError::CreditViolation { id: 5 }),
        CloseReason::CreditViolation,
        5,
    );
    // A CREDIT releasing more than is in flight.
    let (mut hes, _) = hes_established();
    let c = enc(Frame::Credit(Credit {
        id: 1,
        dup: false,
        device: HanDevice::Device(METER),
        released: 1,
        window_change: 0,
    }));
    expect_close(
        &mut *hes,
        &c,
        SessionError::Peer(PeerError::CreditViolation { id: 1 }),
        CloseReason::CreditViolation,
        1,
    );
}

#[test]
fn too_many_devices_closes() {
    let (mut hub, _) = hub_established(Features::CHUNKED);
    let max = u32::from(hub.config().max_devices);
    let mut ev = Vec::new();
    for i in 0..max {
        feed(
            &mut *hub,
            ms(1),
            &msg(i + 1, Eui64([1, 0, 0, 0, 0, 0, 0, i as u8]), b""),
            &mut ev,
        )
        .unwrap();
    }
    let id = max + 1;
    expect_close(
        &mut *hub,
        &msg(id, Eui64([2; 8]), b""),
        SessionError::Peer(PeerError::ResourceExhausted { id }),
        CloseReason::ResourceExhausted,
        id,
    );
}

#[test]
fn chunk_without_negotiation_closes() {
    let (mut hub, _) = hub_established(Features(0));
    let c = enc(Frame::Chunk(Chunk {
        id: 1,
        priority: Priority::Bulk,
        dup: false,
        transfer: 1,
        total: 4,
        offset: 0,
        descriptor: PayloadDescriptor::device(PayloadKind::EndToEndProtected, METER),
        data: b"abcd",
    }));
    expect_close(
        &mut *hub,
        &c,
        SessionError::Peer(PeerError::NotNegotiated { id: 1 }),
        CloseReason::NotNegotiated,
        1,
    );
}

#[test]
fn peer_close_is_reported() {
    let (mut hub, _) = hub_established(Features::CHUNKED);
    let mut ev = Vec::new();
    feed(
        &mut *hub,
        ms(1),
        &enc(Frame::Close(Close {
            reason: CloseReason::Unknown(200),
            detail: 4,
        })),
        &mut ev,
    )
    .unwrap();
    assert!(ev.contains(&Ev::Closed {
        reason: 200,
        detail: 4,
        by_peer: true
    }));
    assert_eq!(hub.state(), ConnState::Disconnected);
}

#[test]
fn resumption_with_a_wrong_session_starts_fresh_and_reports_losses() {
    let mut p = Pair::new(3, hub_config(), hes_config());
    p.connect();
    let first = p.hub.session_id().unwrap();
    // The hub sends a message whose ACK never arrives.
    let d = PayloadDescriptor::device(PayloadKind::DlmsApdu, METER);
    let t = p
        .hub
        .send(
            p.now,
            Outgoing {
                descriptor: d,
                priority: Priority::Normal,
                reply_to: None,
                payload: b"x",
            },
        )
        .unwrap();
    transmit(&mut *p.hub, p.now, &mut p.to_hes, &mut p.hub_events);
    p.cut();
    // The head end lost its state (a new session object): the resume names
    // a session it does not hold.
    *p.hes = HeadEnd::new(hes_config());
    p.hes_events.clear();
    p.hub_events.clear();
    p.connect();
    assert!(p.hub_events.contains(&Ev::Reset), "{:?}", p.hub_events);
    assert!(p.hub_events.contains(&Ev::Lost { ticket: t.0 }));
    assert!(p.hub_events.contains(&Ev::Connected { resumed: false }));
    assert!(p.hes_events.contains(&Ev::Connected { resumed: false }));
    assert_ne!(p.hub.session_id().unwrap(), first);
    // And a head end that holds a session but is offered another one.
    let mut hes = Box::new(HeadEnd::new(hes_config()));
    let mut r = rng(9);
    hes.connect(ms(0), HUB_ID, &mut r).unwrap();
    let mut ev = Vec::new();
    feed(&mut *hes, ms(0), &hello(1, 1, None), &mut ev).unwrap();
    let held = hes.session_id().unwrap();
    hes.disconnected(ms(1));
    hes.connect(ms(1), HUB_ID, &mut r).unwrap();
    ev.clear();
    feed(
        &mut *hes,
        ms(1),
        &hello(
            1,
            1,
            Some(Resume {
                session: SessionId([0xee; 16]),
                last_received: 0,
            }),
        ),
        &mut ev,
    )
    .unwrap();
    assert!(ev.contains(&Ev::Reset));
    assert!(ev.contains(&Ev::Connected { resumed: false }));
    assert_ne!(hes.session_id().unwrap(), held);
}

#[test]
fn resumption_from_a_different_identity_is_refused() {
    let mut p = Pair::new(4, hub_config(), hes_config());
    p.connect();
    let s = p.hes.session_id().unwrap();
    p.cut();
    let intruder = Eui64([0xde, 0xad, 0, 0, 0, 0, 0, 1]);
    let err = p.hes.connect(p.now, intruder, &mut p.rng);
    assert_eq!(err, Err(SessionError::Peer(PeerError::IdentityMismatch)));
    let mut buf = [0u8; 64];
    let n = p.hes.poll_transmit(p.now, &mut buf).unwrap();
    assert_eq!(
        Frame::decode(&buf[..n]).unwrap(),
        Frame::Close(Close {
            reason: CloseReason::IdentityMismatch,
            detail: 0
        })
    );
    assert_eq!(p.hes.session_id(), Some(s));
    assert_eq!(p.hes.bound_peer(), Some(HUB_ID));
    // The hub refuses a head end with another identity the same way.
    let err = p.hub.connect(p.now, intruder, &mut p.rng);
    assert_eq!(err, Err(SessionError::Peer(PeerError::IdentityMismatch)));
    let _ = p.hub.poll_transmit(p.now, &mut buf);
    // The genuine peers still resume.
    p.hes_events.clear();
    p.connect();
    assert!(
        p.hes_events.contains(&Ev::Connected { resumed: true }),
        "{:?}",
        p.hes_events
    );
}

#[test]
fn keepalive_and_idle_timeout() {
    let mut p = Pair::new(5, hub_config(), hes_config());
    p.connect();
    let k = p.hub.keepalive();
    assert_eq!(k, dual_protocol_primitives::time::Duration::from_secs(120));
    let t0 = p.now;
    // At 1 × keepalive of silence each side sends PING; PONG answers it.
    p.now = t0 + k;
    assert!(p.hub.poll_timeout().unwrap() <= p.now);
    p.hub.handle_timeout(p.now);
    let mut buf = [0u8; 64];
    let n = p.hub.poll_transmit(p.now, &mut buf).unwrap();
    assert!(matches!(Frame::decode(&buf[..n]).unwrap(), Frame::Ping(_)));
    // The head end heard nothing for 1.5 × keepalive: the hub is dead.
    p.now = t0 + k + k / 2;
    assert!(p.hes.poll_timeout().unwrap() <= p.now);
    p.hes.handle_timeout(p.now);
    let mut ev = Vec::new();
    drain(&mut *p.hes, &mut ev);
    assert!(ev.contains(&Ev::Closed {
        reason: CloseReason::IdleTimeout.into(),
        detail: 0,
        by_peer: false
    }));
    let n = p.hes.poll_transmit(p.now, &mut buf).unwrap();
    assert_eq!(
        Frame::decode(&buf[..n]).unwrap(),
        Frame::Close(Close {
            reason: CloseReason::IdleTimeout,
            detail: 0
        })
    );
    // A PING is answered with the same data.
    let (mut hes, _) = hes_established();
    let mut ev = Vec::new();
    feed(&mut *hes, ms(1), &enc(Frame::Ping([9; 8])), &mut ev).unwrap();
    let n = hes.poll_transmit(ms(1), &mut buf).unwrap();
    assert_eq!(Frame::decode(&buf[..n]).unwrap(), Frame::Pong([9; 8]));
}

#[test]
fn goaway_says_what_was_processed() {
    let mut p = Pair::new(6, hub_config(), hes_config());
    p.connect();
    let d = PayloadDescriptor::device(PayloadKind::DlmsApdu, METER);
    let delivered = p
        .hes
        .send(
            p.now,
            Outgoing {
                descriptor: d,
                priority: Priority::Normal,
                reply_to: None,
                payload: b"a",
            },
        )
        .unwrap();
    p.settle();
    // The head end goes away while a second message is still on the wire:
    // the hub answers GOAWAY with its cursor, so the head end learns that
    // the second was not processed.
    let second = p
        .hes
        .send(
            p.now,
            Outgoing {
                descriptor: d,
                priority: Priority::Normal,
                reply_to: None,
                payload: b"b",
            },
        )
        .unwrap();
    p.hub.go_away(p.now).unwrap();
    p.settle();
    assert!(
        p.hes_events.contains(&Ev::Delivered {
            ticket: delivered.0,
            id: 1
        }),
        "{:?}",
        p.hes_events
    );
    assert!(
        p.hes_events
            .contains(&Ev::PeerGoingAway { last_received: 1 })
    );
    assert!(
        p.hes_events
            .contains(&Ev::NotProcessed { ticket: second.0 }),
        "{:?}",
        p.hes_events
    );
    assert!(p.hes_events.contains(&Ev::Ended));
    assert!(p.hub_events.contains(&Ev::Ended));
    assert_eq!(p.hub.session_id(), None);
    let got: Vec<_> = p
        .hub_events
        .iter()
        .filter(|e| matches!(e, Ev::Message { .. }))
        .collect();
    assert_eq!(got.len(), 1);
    assert_eq!(p.hes.retained(), (0, 0));
    // GOAWAY with a cursor we never reached is an unknown ack.
    let (mut hes, _) = hes_established();
    expect_close(
        &mut *hes,
        &enc(Frame::GoAway(GoAway {
            last_received: 3,
            code: GoAwayCode::Shutdown,
        })),
        SessionError::Peer(PeerError::AckUnknown {
            acked: 3,
            last_sent: 0,
        }),
        CloseReason::AckUnknown,
        3,
    );
}

#[test]
fn caller_errors() {
    let (mut hub, _) = hub_established(Features::CHUNKED);
    let d = PayloadDescriptor::device(PayloadKind::DlmsApdu, METER);
    let max = hub.max_payload(&d, false);
    let big = vec![0u8; max + 1];
    assert_eq!(
        hub.send(
            ms(1),
            Outgoing {
                descriptor: d,
                priority: Priority::Normal,
                reply_to: None,
                payload: &big
            }
        ),
        Err(SessionError::Caller(CallerError::PayloadTooLarge {
            len: max + 1,
            max
        }))
    );
    // Fill the retention store (32 KiB arena).
    let chunk = vec![0u8; max];
    let mut n = 0;
    let err = loop {
        match hub.send(
            ms(1),
            Outgoing {
                descriptor: d,
                priority: Priority::Normal,
                reply_to: None,
                payload: &chunk,
            },
        ) {
            Ok(_) => n += 1,
            Err(e) => break e,
        }
    };
    assert_eq!(err, SessionError::Caller(CallerError::QueueFull));
    assert!(n >= 1);
    assert_eq!(
        hub.release(HanDevice::Device(METER), 1),
        Err(SessionError::Caller(
            CallerError::ReleaseExceedsOutstanding {
                requested: 1,
                outstanding: 0
            }
        ))
    );
    assert_eq!(
        hub.set_window(HanDevice::Hub, 0),
        Err(SessionError::Caller(CallerError::InvalidWindow))
    );
    let mut r = rng(1);
    assert_eq!(
        hub.connect(ms(1), HES_ID, &mut r),
        Err(SessionError::Caller(CallerError::AlreadyConnected))
    );
    assert_eq!(
        hub.send_chunk(ms(1), 42, b"x"),
        Err(SessionError::Caller(CallerError::UnknownTransfer(42)))
    );
    let t = hub.start_transfer(d, Priority::Bulk, 2, 0).unwrap();
    assert_eq!(
        hub.send_chunk(ms(1), t, b"abc"),
        Err(SessionError::Caller(CallerError::TransferOverrun))
    );
    for _ in 0..3 {
        let _ = hub.start_transfer(d, Priority::Bulk, 2, 0);
    }
    assert_eq!(
        hub.start_transfer(d, Priority::Bulk, 2, 0),
        Err(SessionError::Caller(CallerError::TransferTableFull))
    );
    hub.go_away(ms(1)).unwrap();
    assert_eq!(
        hub.send(
            ms(1),
            Outgoing {
                descriptor: d,
                priority: Priority::Normal,
                reply_to: None,
                payload: b""
            }
        ),
        Err(SessionError::Caller(CallerError::GoingAway))
    );
    let mut idle = Box::new(Hub::new(hub_config()));
    assert_eq!(
        idle.handle_input(ms(0), b"x"),
        Err(SessionError::Caller(CallerError::NotConnected))
    );
    assert_eq!(
        idle.go_away(ms(0)),
        Err(SessionError::Caller(CallerError::NotConnected))
    );
    let (mut nochunk, _) = hub_established(Features(0));
    assert_eq!(
        nochunk.start_transfer(d, Priority::Bulk, 2, 0),
        Err(SessionError::Caller(CallerError::NotNegotiated))
    );
}

#[test]
fn sleepy_window_and_priorities() {
    let mut p = Pair::new(8, hub_config(), hes_config());
    p.connect();
    let gas = HanDevice::Device(Eui64([0, 0x0d, 0x6f, 0, 0, 0, 0, 2]));
    p.hub.set_window(gas, 1).unwrap();
    p.settle();
    let gd = PayloadDescriptor {
        kind: PayloadKind::DlmsApdu,
        device: gas,
    };
    let ed = PayloadDescriptor::device(PayloadKind::DlmsApdu, METER);
    for i in 0..3u8 {
        p.hes
            .send(
                p.now,
                Outgoing {
                    descriptor: gd,
                    priority: Priority::Normal,
                    reply_to: None,
                    payload: &[i],
                },
            )
            .unwrap();
    }
    for i in 0..3u8 {
        p.hes
            .send(
                p.now,
                Outgoing {
                    descriptor: ed,
                    priority: Priority::Bulk,
                    reply_to: None,
                    payload: &[i],
                },
            )
            .unwrap();
    }
    p.hes
        .send(
            p.now,
            Outgoing {
                descriptor: ed,
                priority: Priority::Critical,
                reply_to: None,
                payload: b"credit",
            },
        )
        .unwrap();
    p.settle();
    let got: Vec<(HanDevice, Vec<u8>)> = p
        .hub_events
        .iter()
        .filter_map(|e| match e {
            Ev::Message {
                device, payload, ..
            } => Some((*device, payload.clone())),
            _ => None,
        })
        .collect();
    // One gas message (window 1); all meter messages, the critical first.
    assert_eq!(got.iter().filter(|(d, _)| *d == gas).count(), 1);
    let meter: Vec<&Vec<u8>> = got
        .iter()
        .filter(|(d, _)| *d == HanDevice::Device(METER))
        .map(|(_, p)| p)
        .collect();
    assert_eq!(meter.len(), 4);
    assert_eq!(meter[0], b"credit");
    // Releasing the gas message lets the next one through.
    p.hub.release(gas, 1).unwrap();
    p.settle();
    let gas_now = p
        .hub_events
        .iter()
        .filter(|e| matches!(e, Ev::Message { device, .. } if *device == gas))
        .count();
    assert_eq!(gas_now, 2);
}
