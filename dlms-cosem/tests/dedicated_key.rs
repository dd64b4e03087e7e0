//! The dedicated key in the association (Green Book, DLMS UA 1000-2 ed.
//! 10, 9.2.7.2.4.3 and 9.4.6.1: `dedicated-key` in the ciphered
//! xDLMS-Initiate.request): the client proposes a fresh key, the server
//! installs it, both then protect with ded- APDUs (tags 208.. / 212..),
//! a replayed ded- APDU is refused, and release forgets the key.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_dlms_cosem::association::{ClientEvent, ServerEvent};
use dual_protocol_dlms_cosem::security::SecurityError;
use dual_protocol_primitives::replay::ReplayError;
use dual_protocol_primitives::time::Instant;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// ded-get-request / ded-get-response (IEC 62056-5-3 Table 11); glo- are 200 / 204.
const DED_GET_REQUEST: u8 = 208;
const DED_GET_RESPONSE: u8 = 212;

fn pump(c: &mut TestClient<'_>, s: &mut TestServer<'_>, rng: &mut ChaCha20Rng) {
    let now = Instant::from_millis(1);
    let mut buf = vec![0u8; N];
    for _ in 0..100 {
        let mut moved = false;
        while let Some(n) = c.poll_transmit(now, &mut buf) {
            s.handle_input(now, rng, &buf[..n]);
            moved = true;
        }
        while let Some(n) = s.poll_transmit(now, &mut buf) {
            c.handle_input(now, &buf[..n]);
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

fn has_dedicated(debug: &str) -> bool {
    debug.contains("dedicated_key: true")
}

#[test]
fn dedicated_key_protects_the_association_and_replays_are_refused() {
    let keys = Keys::new();
    for mode in [Mode::GmacSuite0, Mode::EcdsaSuite1, Mode::EcdsaSuite2] {
        let mut cc = client_config(&keys, mode);
        cc.dedicated_key = true;
        let mut c = client(&keys, mode, cc);
        let mut s = server(&keys, mode, server_config(&keys, mode));
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        c.associate(Instant::from_millis(0), &mut rng).unwrap();
        pump(&mut c, &mut s, &mut rng);
        assert!(c.is_associated() && s.is_associated(), "{mode:?}");
        assert!(has_dedicated(&format!("{:?}", s.security().unwrap())));
        assert!(has_dedicated(&format!("{:?}", c.security().unwrap())));
        while c.poll_event().is_some() {}
        while s.poll_event().is_some() {}

        let now = Instant::from_millis(10);
        let mut buf = vec![0u8; N];
        c.get(now, CLOCK, None).unwrap();
        let n = c.poll_transmit(now, &mut buf).unwrap();
        let request = buf[..n].to_vec();
        assert_eq!(request[0], DED_GET_REQUEST, "{mode:?}");
        s.handle_input(now, &mut rng, &request);
        let n = s.poll_transmit(now, &mut buf).unwrap();
        assert_eq!(buf[0], DED_GET_RESPONSE, "{mode:?}");
        c.handle_input(now, &buf[..n]);
        let ce: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
        assert!(
            matches!(ce[..], [ClientEvent::Response { .. }]),
            "{mode:?}: {ce:?}"
        );
        assert!(c.response_data().starts_with(&[0x09, 0x0c, 0x07, 0xea]));

        // The ded- request replayed: dropped without an answer, counted.
        while s.poll_event().is_some() {}
        let rejected = s.security().unwrap().rejected();
        s.handle_input(now, &mut rng, &request);
        assert_eq!(s.poll_transmit(now, &mut buf), None);
        let se: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
        assert!(
            se.iter().any(|e| matches!(
                e,
                ServerEvent::SecurityRejected(SecurityError::Replay(ReplayError::Duplicate { .. }))
            )),
            "{mode:?}: {se:?}"
        );
        assert_eq!(s.security().unwrap().rejected(), rejected + 1);

        // Release forgets the key on both sides.
        c.release(now).unwrap();
        pump(&mut c, &mut s, &mut rng);
        assert!(!c.is_associated());
        assert!(!has_dedicated(&format!("{:?}", s.security().unwrap())));
        assert!(!has_dedicated(&format!("{:?}", c.security().unwrap())));
    }
}

/// The whole scenario's services (GET with blocks, SET and ACTION with
/// blocks) under the dedicated key, lossless: the same results as with the
/// global key.
#[test]
fn scenario_under_the_dedicated_key() {
    let keys = Keys::new();
    for mode in [Mode::GmacSuite0, Mode::EcdsaSuite2] {
        let base = scenario(&keys, mode, LinkModel::LOSSLESS, 0).transcript;
        let mut cc = client_config(&keys, mode);
        cc.dedicated_key = true;
        let sc = server_config(&keys, mode);
        let set_value: Vec<u8> = (0..2000u32).map(|i| (i * 7) as u8).collect();
        let action_param: Vec<u8> = (0..1500u32).map(|i| (i * 3) as u8).collect();
        use dual_protocol_dlms_cosem::Data;
        let run = run_script(
            &keys,
            mode,
            cc,
            sc,
            LinkModel::LOSSLESS,
            |step, now, c, rng| match step {
                0 => Some(c.associate(now, rng).map(|_| 0)),
                1 => Some(c.get(now, CLOCK, None)),
                2 => Some(c.get(now, PROFILE, None)),
                3 => Some(c.set(now, REGISTER, None, &Data::OctetString(&set_value))),
                4 => Some(c.action(now, SCRIPT, Some(&Data::OctetString(&action_param)))),
                5 => Some(c.get(now, REGISTER, None)),
                6 => Some(c.release(now).map(|_| 0)),
                _ => None,
            },
        );
        assert_eq!(run.transcript, base, "{mode:?}");
    }
}
