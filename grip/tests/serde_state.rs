//! A head end may store or shard sessions: the whole session state
//! serializes with `serde`, and a restored session resumes as if nothing
//! happened (exactly-once delivery holds across the store/restore).
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::VecDeque;

use common::*;
use dual_protocol_grip::Priority;
use dual_protocol_grip::session::{Outgoing, Session};
use dual_protocol_primitives::payload::{PayloadDescriptor, PayloadKind};

type Small = Session<4096, 8192, 32, 16, 16>;

#[test]
fn stored_session_resumes() {
    let mut r = rng(11);
    let mut cfg = hub_config();
    cfg.auto_release = true;
    let mut hub = Box::new(Small::new(cfg));
    let mut hes = Box::new(Small::new(hes_config()));
    let (mut a, mut b) = (VecDeque::new(), VecDeque::new());
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    let now = ms(0);
    hub.connect(now, HES_ID, &mut r).unwrap();
    hes.connect(now, HUB_ID, &mut r).unwrap();
    let pump = |hub: &mut Small,
                hes: &mut Small,
                a: &mut VecDeque<u8>,
                b: &mut VecDeque<u8>,
                ea: &mut Vec<Ev>,
                eb: &mut Vec<Ev>| {
        for _ in 0..20 {
            transmit(hub, now, a, ea);
            transmit(hes, now, b, eb);
            let x: Vec<u8> = a.drain(..).collect();
            feed(hes, now, &x, eb).unwrap();
            let y: Vec<u8> = b.drain(..).collect();
            feed(hub, now, &y, ea).unwrap();
        }
    };
    pump(&mut hub, &mut hes, &mut a, &mut b, &mut ea, &mut eb);
    let d = PayloadDescriptor::hub(PayloadKind::HubManagement);
    for i in 0..5u8 {
        hes.send(
            now,
            Outgoing {
                descriptor: d,
                priority: Priority::Normal,
                reply_to: None,
                payload: &[i],
            },
        )
        .unwrap();
    }
    // Transmitted, then the connection drops before anything arrives.
    transmit(&mut *hes, now, &mut b, &mut eb);
    b.clear();
    hub.disconnected(now);
    hes.disconnected(now);
    // The head end stores the session and restores it later.
    let json = serde_json::to_string(&*hes).unwrap();
    let restored: Small = serde_json::from_str(&json).unwrap();
    *hes = restored;
    assert_eq!(hes.retained().0, 5);
    hub.connect(now, HES_ID, &mut r).unwrap();
    hes.connect(now, HUB_ID, &mut r).unwrap();
    ea.clear();
    pump(&mut hub, &mut hes, &mut a, &mut b, &mut ea, &mut eb);
    let got: Vec<Vec<u8>> = ea
        .iter()
        .filter_map(|e| match e {
            Ev::Message { payload, .. } => Some(payload.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(got, (0..5u8).map(|i| vec![i]).collect::<Vec<_>>());
    assert!(ea.contains(&Ev::Connected { resumed: true }));
}
