//! Property tests: every frame type round-trips (`decode(encode(x)) == x`
//! and `encode(decode(b)) == b`), arbitrary bytes never panic the decoder,
//! and the streaming deframer yields the same frames however the stream is
//! split.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_grip::frame::{Capabilities, Features, Resume, SessionId};
use dual_protocol_grip::{
    Chunk, Close, CloseReason, Credit, Deframer, Frame, GoAway, GoAwayCode, Hello, Message,
    Priority, Welcome,
};
use dual_protocol_primitives::eui64::Eui64;
use dual_protocol_primitives::payload::{HanDevice, PayloadDescriptor, PayloadKind, ZclAddressing};
use proptest::prelude::*;

/// Encodes through the no-heap API (so tests also run without `alloc`).
fn to_vec(f: &Frame<'_>) -> Result<Vec<u8>, dual_protocol_grip::EncodeError> {
    let mut v = vec![0u8; f.encoded_len()];
    let n = f.encode(&mut v)?;
    v.truncate(n);
    Ok(v)
}

fn arb_device() -> impl Strategy<Value = HanDevice> {
    prop_oneof![
        Just(HanDevice::Hub),
        any::<[u8; 8]>().prop_map(|b| HanDevice::Device(Eui64(b)))
    ]
}

fn arb_descriptor() -> impl Strategy<Value = PayloadDescriptor> {
    let kind = prop_oneof![
        Just(PayloadKind::DlmsApdu),
        Just(PayloadKind::HubManagement),
        Just(PayloadKind::EndToEndProtected),
        (any::<u16>(), any::<u16>(), any::<u8>(), any::<u8>()).prop_map(|(p, c, s, d)| {
            PayloadKind::ZclFrame(ZclAddressing {
                profile: p,
                cluster: c,
                src_endpoint: s,
                dst_endpoint: d,
            })
        }),
        prop_oneof![Just(0u8), 5u8..=63].prop_map(PayloadKind::Unknown),
    ];
    (kind, arb_device()).prop_map(|(kind, device)| PayloadDescriptor { kind, device })
}

fn arb_priority() -> impl Strategy<Value = Priority> {
    (0u8..4).prop_map(Priority::from_bits)
}

/// Unknown TLVs (types ≥ 7) in ascending order, as raw bytes.
fn arb_extensions() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::btree_map(
        7u8..=255,
        proptest::collection::vec(any::<u8>(), 0..6),
        0..3,
    )
    .prop_map(|m| {
        let mut v = Vec::new();
        for (t, val) in m {
            v.push(t);
            v.push(val.len() as u8);
            v.extend(val);
        }
        v
    })
}

#[derive(Debug, Clone)]
struct CapsOwned {
    max_frame: Option<u32>,
    keepalive: Option<u16>,
    window: Option<u16>,
    devices: Option<u16>,
    features: Option<u32>,
    resume: Option<([u8; 16], u32)>,
    ext: Vec<u8>,
}

impl CapsOwned {
    fn caps(&self) -> Capabilities<'_> {
        Capabilities {
            max_frame: self.max_frame,
            keepalive_secs: self.keepalive,
            initial_window: self.window,
            max_devices: self.devices,
            features: self.features.map(Features),
            resume: self.resume.map(|(s, l)| Resume {
                session: SessionId(s),
                last_received: l,
            }),
            extensions: &self.ext,
        }
    }
}

fn arb_caps() -> impl Strategy<Value = CapsOwned> {
    (
        proptest::option::of(64u32..=0x0100_0003),
        proptest::option::of(1u16..),
        proptest::option::of(1u16..),
        proptest::option::of(1u16..),
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<([u8; 16], u32)>()),
        arb_extensions(),
    )
        .prop_map(
            |(max_frame, keepalive, window, devices, features, resume, ext)| CapsOwned {
                max_frame,
                keepalive,
                window,
                devices,
                features,
                resume,
                ext,
            },
        )
}

/// An owned description from which a `Frame` can be borrowed.
#[derive(Debug, Clone)]
enum Owned {
    Hello(u8, u8, CapsOwned),
    Welcome(u8, bool, [u8; 16], u32, CapsOwned),
    Ack(u32),
    Ping([u8; 8]),
    Pong([u8; 8]),
    GoAway(u32, u8),
    Close(u8, u32),
    Message(u32, Priority, bool, Option<u32>, PayloadDescriptor, Vec<u8>),
    Chunk(
        u32,
        Priority,
        bool,
        u32,
        u32,
        u32,
        PayloadDescriptor,
        Vec<u8>,
    ),
    Credit(u32, bool, HanDevice, u32, i16),
    Unknown(u8, Vec<u8>),
}

impl Owned {
    fn frame(&self) -> Frame<'_> {
        match self {
            Owned::Hello(a, b, c) => Frame::Hello(Hello {
                min_version: *a,
                max_version: *b,
                caps: c.caps(),
            }),
            Owned::Welcome(v, r, s, l, c) => Frame::Welcome(Welcome {
                version: *v,
                resumed: *r,
                session: SessionId(*s),
                last_received: *l,
                caps: c.caps(),
            }),
            Owned::Ack(l) => Frame::Ack { last_received: *l },
            Owned::Ping(d) => Frame::Ping(*d),
            Owned::Pong(d) => Frame::Pong(*d),
            Owned::GoAway(l, c) => Frame::GoAway(GoAway {
                last_received: *l,
                code: GoAwayCode::from(*c),
            }),
            Owned::Close(r, d) => Frame::Close(Close {
                reason: CloseReason::from(*r),
                detail: *d,
            }),
            Owned::Message(id, p, dup, r, d, pl) => Frame::Message(Message {
                id: *id,
                priority: *p,
                dup: *dup,
                reply_to: *r,
                descriptor: *d,
                payload: pl,
            }),
            Owned::Chunk(id, p, dup, t, total, off, d, data) => Frame::Chunk(Chunk {
                id: *id,
                priority: *p,
                dup: *dup,
                transfer: *t,
                total: *total,
                offset: *off,
                descriptor: *d,
                data,
            }),
            Owned::Credit(id, dup, d, r, w) => Frame::Credit(Credit {
                id: *id,
                dup: *dup,
                device: *d,
                released: *r,
                window_change: *w,
            }),
            Owned::Unknown(t, b) => Frame::Unknown {
                frame_type: *t,
                body: b,
            },
        }
    }
}

fn arb_frame() -> impl Strategy<Value = Owned> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        (any::<u8>(), any::<u8>(), arb_caps()).prop_map(|(a, b, c)| Owned::Hello(a, b, c)),
        (
            any::<u8>(),
            any::<bool>(),
            any::<[u8; 16]>(),
            any::<u32>(),
            arb_caps()
        )
            .prop_map(|(v, r, s, l, c)| Owned::Welcome(v, r, s, l, c)),
        any::<u32>().prop_map(Owned::Ack),
        any::<[u8; 8]>().prop_map(Owned::Ping),
        any::<[u8; 8]>().prop_map(Owned::Pong),
        (any::<u32>(), any::<u8>()).prop_map(|(l, c)| Owned::GoAway(l, c)),
        (any::<u8>(), any::<u32>()).prop_map(|(r, d)| Owned::Close(r, d)),
        (
            any::<u32>(),
            arb_priority(),
            any::<bool>(),
            proptest::option::of(any::<u32>()),
            arb_descriptor(),
            bytes()
        )
            .prop_map(|(id, p, dup, r, d, pl)| Owned::Message(id, p, dup, r, d, pl)),
        (
            any::<u32>(),
            arb_priority(),
            any::<bool>(),
            any::<u32>(),
            1u32..,
            arb_descriptor(),
            proptest::collection::vec(any::<u8>(), 1..64),
            any::<u32>()
        )
            .prop_map(|(id, p, dup, t, total, d, data, off)| {
                let total = total.max(data.len() as u32);
                let off = off % (total - data.len() as u32 + 1);
                Owned::Chunk(id, p, dup, t, total, off, d, data)
            }),
        (
            any::<u32>(),
            any::<bool>(),
            arb_device(),
            any::<u32>(),
            any::<i16>()
        )
            .prop_map(|(id, dup, d, r, w)| Owned::Credit(id, dup, d, r, w)),
        (prop_oneof![0u8..1, 8u8..0x10, 0x13u8..=255], bytes())
            .prop_map(|(t, b)| Owned::Unknown(t, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_frame_round_trips(o in arb_frame()) {
        let f = o.frame();
        let bytes = to_vec(&f).unwrap();
        prop_assert_eq!(bytes.len(), f.encoded_len());
        let d = Frame::decode(&bytes).unwrap();
        prop_assert_eq!(d, f);
        prop_assert_eq!(to_vec(&d).unwrap(), bytes.clone());
        // Every proper prefix is incomplete, never a panic or a wrong frame.
        for cut in 0..bytes.len() {
            prop_assert_eq!(Frame::decode_prefix(&bytes[..cut], usize::MAX).unwrap(), None);
        }
        // A too-small output buffer is an error, not a panic.
        let mut small = vec![0u8; bytes.len() - 1];
        prop_assert!(f.encode(&mut small).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_reencode(bytes in proptest::collection::vec(any::<u8>(), 0..96)) {
        if let Ok(Some((f, used))) = Frame::decode_prefix(&bytes, usize::MAX) {
            prop_assert_eq!(to_vec(&f).unwrap(), bytes[..used].to_vec());
        }
    }

    #[test]
    fn deframer_handles_any_split(frames in proptest::collection::vec(arb_frame(), 1..8), cuts in proptest::collection::vec(1usize..50, 1..40)) {
        let mut stream = Vec::new();
        let encoded: Vec<Vec<u8>> = frames.iter().map(|o| to_vec(&o.frame()).unwrap()).collect();
        for e in &encoded {
            stream.extend_from_slice(e);
        }
        let mut d: Deframer<4096> = Deframer::new(4096);
        let mut got = Vec::new();
        let mut rest = &stream[..];
        let mut i = 0;
        while !rest.is_empty() || d.buffered() > 0 {
            let n = cuts[i % cuts.len()].min(rest.len());
            i += 1;
            let taken = d.push(&rest[..n]);
            rest = &rest[taken..];
            while let Some(f) = d.next_frame() {
                got.push(to_vec(&f.unwrap()).unwrap());
            }
            if n == 0 { break; }
        }
        prop_assert_eq!(got, encoded);
    }
}
