//! Client and server association machines against each other (Green Book,
//! DLMS UA 1000-2 ed. 10, clauses 9.2.2.2 and 9.2.7.4 for authentication,
//! 9.3.2-9.3.5 for the association and services), lossless and through a
//! link that drops, duplicates and reorders APDUs (seeded ChaCha20), plus
//! the negative cases: wrong LLS password, wrong HLS reply per mechanism,
//! replayed ciphered APDU, service outside the negotiated conformance,
//! timeouts.
//!
//! Public vector: HLS-GMAC `f(StoC)` from u9n/dlms-cosem
//! `tests/test_security.py` (copied in `tests/vectors/association.jsonl`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use dual_protocol_dlms_cosem::acse::Conformance;
use dual_protocol_dlms_cosem::acse::{AcseServiceUser, ResultSourceDiagnostic};
use dual_protocol_dlms_cosem::apdu::{ActionResult, DataAccessResult, ServiceError, StateError};
use dual_protocol_dlms_cosem::association::auth::{
    AuthError, Challenge, HlsExchange, hls_reply, hls_verify, lls_matches,
};
use dual_protocol_dlms_cosem::association::client::{ClientError, ResponseResult};
use dual_protocol_dlms_cosem::association::server::Refusal;
use dual_protocol_dlms_cosem::association::{
    Authentication, ClientEvent, HlsSecret, ServerEvent, Service,
};
use dual_protocol_dlms_cosem::security::{SecurityError, SecurityKey, SecuritySuite};
use dual_protocol_dlms_cosem::{Apdu, Data, Decode};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::replay::ReplayError;
use dual_protocol_primitives::time::Instant;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const MODES: [Mode; 6] = [
    Mode::Plain,
    Mode::Lls,
    Mode::Sha256,
    Mode::GmacSuite0,
    Mode::EcdsaSuite1,
    Mode::EcdsaSuite2,
];

fn assert_complete(run: &Run, mode: Mode) {
    let t = &run.transcript;
    assert_eq!(t.len(), 7, "{mode:?}: {t:#?}");
    assert!(t[0].starts_with("associated"), "{mode:?}: {}", t[0]);
    assert!(
        t[1].starts_with("Get Data 090c07ea0b1d070c"),
        "{mode:?}: {}",
        t[1]
    );
    // The profile: 120 rows, reassembled from blocks (well over 512 bytes).
    assert!(t[2].starts_with("Get Data 0178"), "{mode:?}");
    assert!(t[2].len() > 2 * 3000);
    assert_eq!(t[3], "Set Access(Success) ", "{mode:?}");
    // The script returns the length of its parameters' encoding: 1 + 3 + 1500.
    assert_eq!(
        t[4],
        format!(
            "Action Action {{ result: Success, data: true }} 0006{:08x}",
            1504
        )
    );
    assert!(
        t[5].starts_with("Get Data 098207d000070e"),
        "{mode:?}: {}",
        &t[5][..30]
    );
    assert_eq!(t[6], "released");
    assert_eq!(run.server_actions, 1);
}

#[test]
fn lossless_every_mode() {
    let keys = Keys::new();
    for mode in MODES {
        // 7 lines: associated, 2 GETs, SET, ACTION, GET, released.
        let run2 = scenario(&keys, mode, LinkModel::LOSSLESS, 0);
        assert_complete(&run2, mode);
        // Block transfer happened: the server served each request once.
        let served = run2
            .server_events
            .iter()
            .filter(|e| matches!(e, ServerEvent::Served { .. }))
            .count();
        assert_eq!(served, 5, "{mode:?}");
        assert!(
            run2.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::Associated { .. }))
        );
    }
}

#[test]
fn ciphered_runs_carry_no_plain_requests() {
    // In a ciphered association every xDLMS APDU on the link is glo-
    // protected: the scenario passes only if the server unprotected them,
    // and no Refused(Unprotected) event appears.
    let keys = Keys::new();
    for mode in [Mode::GmacSuite0, Mode::EcdsaSuite1] {
        let run = scenario(&keys, mode, LinkModel::LOSSLESS, 0);
        assert!(!run.server_events.iter().any(|e| matches!(
            e,
            ServerEvent::Refused {
                reason: Refusal::Unprotected,
                ..
            }
        )));
        assert!(
            !run.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::SecurityRejected(_)))
        );
    }
}

/// Through a lossy, duplicating, reordering link, with retries: the
/// transcript equals the lossless one, or is a prefix of it ended by a
/// timeout. Never a panic.
#[test]
fn lossy_link_equals_lossless_or_times_out() {
    let keys = Keys::new();
    for mode in [
        Mode::Plain,
        Mode::Sha256,
        Mode::GmacSuite0,
        Mode::EcdsaSuite1,
    ] {
        let base = scenario(&keys, mode, LinkModel::LOSSLESS, 0).transcript;
        let mut complete = 0;
        let (mut dropped, mut duplicated) = (0, 0);
        for seed in 1..=8u64 {
            let model = LinkModel {
                seed,
                drop: 80,
                duplicate: 150,
                latency: (2, 60),
            };
            let run = scenario(&keys, mode, model, 6);
            dropped += run.dropped;
            duplicated += run.duplicated;
            let t = &run.transcript;
            if t == &base {
                complete += 1;
                assert_eq!(run.register, keys_register_value());
            } else {
                let last = t.last().unwrap();
                assert!(last.starts_with("timeout"), "{mode:?} seed {seed}: {t:#?}");
                assert_eq!(
                    &base[..t.len() - 1],
                    &t[..t.len() - 1],
                    "{mode:?} seed {seed}"
                );
            }
        }
        assert!(
            complete >= 6,
            "{mode:?}: only {complete} of 8 runs completed"
        );
        // The link did its damage.
        assert!(
            dropped >= 8 && duplicated >= 16,
            "{mode:?}: {dropped} {duplicated}"
        );
    }
}

fn keys_register_value() -> Vec<u8> {
    let v: Vec<u8> = (0..2000u32).map(|i| (i * 7) as u8).collect();
    let mut e = vec![0x09, 0x82, 0x07, 0xd0];
    e.extend_from_slice(&v);
    e
}

#[test]
fn total_loss_gives_timeout_event() {
    let keys = Keys::new();
    let model = LinkModel {
        seed: 3,
        drop: 1000,
        duplicate: 0,
        latency: (1, 1),
    };
    let run = scenario(&keys, Mode::GmacSuite0, model, 2);
    assert_eq!(run.transcript, vec!["timeout Associate".to_string()]);
}

/// Drives one client/server pair by hand: returns both after association.
fn associated<'k>(keys: &'k Keys, mode: Mode) -> (TestClient<'k>, TestServer<'k>) {
    let mut c = client(keys, mode, client_config(keys, mode));
    let mut s = server(keys, mode, server_config(keys, mode));
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(c.is_associated() && s.is_associated(), "{mode:?}");
    while c.poll_event().is_some() {}
    while s.poll_event().is_some() {}
    (c, s)
}

/// Moves APDUs both ways until quiet.
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

fn client_events(c: &mut TestClient<'_>) -> Vec<ClientEvent> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn server_events(s: &mut TestServer<'_>) -> Vec<ServerEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

#[test]
fn wrong_lls_password_is_rejected() {
    let keys = Keys::new();
    let mut cc = client_config(&keys, Mode::Lls);
    cc.authentication = Authentication::Low {
        password: b"87654321",
    };
    let mut c = client(&keys, Mode::Lls, cc);
    let mut s = server(&keys, Mode::Lls, server_config(&keys, Mode::Lls));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(!c.is_associated() && !s.is_associated());
    let ce = client_events(&mut c);
    assert!(
        matches!(
            ce[..],
            [ClientEvent::AssociationRejected {
                diagnostic: ResultSourceDiagnostic::ServiceUser(
                    AcseServiceUser::AuthenticationFailure
                ),
                ..
            }]
        ),
        "{ce:?}"
    );
    let se = server_events(&mut s);
    assert!(se.contains(&ServerEvent::AuthenticationFailed(AuthError::WrongPassword)));
    assert!(se.contains(&ServerEvent::AssociationRejected {
        diagnostic: AcseServiceUser::AuthenticationFailure
    }));
    // The client may not send requests.
    assert_eq!(
        c.get(Instant::from_millis(2), CLOCK, None),
        Err(ClientError::State)
    );
}

#[test]
fn lls_constant_time_compare() {
    assert!(lls_matches(b"secret", b"secret"));
    assert!(!lls_matches(b"secret", b"secreT"));
    assert!(!lls_matches(b"secret", b"secret1"));
    assert!(!lls_matches(b"secret", b""));
}

#[test]
fn mechanism_mismatch_is_rejected() {
    let keys = Keys::new();
    // The server wants LLS; the client offers no authentication.
    let mut c = client(&keys, Mode::Plain, client_config(&keys, Mode::Plain));
    let mut s = server(&keys, Mode::Lls, server_config(&keys, Mode::Lls));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(client_events(&mut c).iter().any(|e| matches!(
        e,
        ClientEvent::AssociationRejected {
            diagnostic: ResultSourceDiagnostic::ServiceUser(
                AcseServiceUser::AuthenticationRequired
            ),
            ..
        }
    )));
}

#[test]
fn ciphered_context_required_by_a_ciphering_server() {
    let keys = Keys::new();
    let mut c = client(&keys, Mode::Sha256, client_config(&keys, Mode::Sha256));
    // The server ciphers (suite 0) but the client proposes plain LN.
    let mut sc = server_config(&keys, Mode::GmacSuite0);
    sc.authentication = Authentication::High(HlsSecret::Sha256 { secret: HLS_SECRET });
    let mut s = server(&keys, Mode::GmacSuite0, sc);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(client_events(&mut c).iter().any(|e| matches!(
        e,
        ClientEvent::AssociationRejected {
            diagnostic: ResultSourceDiagnostic::ServiceUser(
                AcseServiceUser::ApplicationContextNameNotSupported
            ),
            ..
        }
    )));
}

/// A server whose HLS secret differs from the client's: pass 3 fails at
/// the server (WrongReply), the client learns it from the action result.
#[test]
fn wrong_hls_reply_each_mechanism_at_the_server() {
    let keys = Keys::new();
    let other = RustCrypto;
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let stranger = other.p256_generate(&mut rng);
    let stranger_pub = other
        .p256_verifying_key(&other.p256_public_key(&stranger))
        .unwrap();
    let stranger384 = other.p384_generate(&mut rng);
    let stranger384_pub = other
        .p384_verifying_key(&other.p384_public_key(&stranger384))
        .unwrap();
    let wrong256 = p256(&keys.server_p256, &stranger_pub);
    let wrong384 = p384(&keys.server_p384, &stranger384_pub);
    let cases: [(Mode, Authentication<'_>); 4] = [
        (
            Mode::GmacSuite0,
            Authentication::High(HlsSecret::Gmac {
                suite: SecuritySuite::Suite0,
                ek: &keys.ek,
                ak: &keys.wrong_ak,
            }),
        ),
        (
            Mode::Sha256,
            Authentication::High(HlsSecret::Sha256 {
                secret: b"another secret",
            }),
        ),
        (
            Mode::EcdsaSuite1,
            Authentication::High(HlsSecret::Ecdsa(&wrong256)),
        ),
        (
            Mode::EcdsaSuite2,
            Authentication::High(HlsSecret::Ecdsa(&wrong384)),
        ),
    ];
    for (mode, auth) in cases {
        let mut c = client(&keys, mode, client_config(&keys, mode));
        let mut sc = server_config(&keys, mode);
        sc.authentication = auth;
        let mut s = server(&keys, mode, sc);
        c.associate(Instant::from_millis(0), &mut rng).unwrap();
        pump(&mut c, &mut s, &mut rng);
        assert!(!c.is_associated() && !s.is_associated(), "{mode:?}");
        let se = server_events(&mut s);
        assert!(
            se.contains(&ServerEvent::AuthenticationFailed(AuthError::WrongReply)),
            "{mode:?}: {se:?}"
        );
        let ce = client_events(&mut c);
        assert!(
            ce.contains(&ClientEvent::AuthenticationFailed(AuthError::WrongReply)),
            "{mode:?}: {ce:?}"
        );
    }
}

/// The client holds the wrong server key: pass 3 succeeds at the server,
/// pass 4 fails at the client.
#[test]
fn wrong_hls_reply_at_the_client() {
    let keys = Keys::new();
    let mut rng = ChaCha20Rng::seed_from_u64(98);
    let p = RustCrypto;
    let stranger = p.p256_generate(&mut rng);
    let stranger_pub = p.p256_verifying_key(&p.p256_public_key(&stranger)).unwrap();
    let wrong = p256(&keys.client_p256, &stranger_pub);
    let mut cc = client_config(&keys, Mode::EcdsaSuite1);
    cc.authentication = Authentication::High(HlsSecret::Ecdsa(&wrong));
    let mut c = client(&keys, Mode::EcdsaSuite1, cc);
    let mut s = server(
        &keys,
        Mode::EcdsaSuite1,
        server_config(&keys, Mode::EcdsaSuite1),
    );
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(!c.is_associated());
    assert!(
        client_events(&mut c).contains(&ClientEvent::AuthenticationFailed(AuthError::WrongReply))
    );
}

/// Each mechanism's reply verifies, and a single flipped bit does not.
#[test]
fn hls_functions_reject_every_flipped_bit() {
    let keys = Keys::new();
    let p = RustCrypto;
    let ctos = [0x11u8; 16];
    let stoc = [0x22u8; 16];
    let pairs: [(HlsSecret<'_>, HlsSecret<'_>); 4] = [
        (
            HlsSecret::Gmac {
                suite: SecuritySuite::Suite0,
                ek: &keys.ek,
                ak: &keys.ak,
            },
            HlsSecret::Gmac {
                suite: SecuritySuite::Suite0,
                ek: &keys.ek,
                ak: &keys.ak,
            },
        ),
        (
            HlsSecret::Sha256 { secret: HLS_SECRET },
            HlsSecret::Sha256 { secret: HLS_SECRET },
        ),
        (
            HlsSecret::Ecdsa(&keys.client_hls256),
            HlsSecret::Ecdsa(&keys.server_hls256),
        ),
        (
            HlsSecret::Ecdsa(&keys.client_hls384),
            HlsSecret::Ecdsa(&keys.server_hls384),
        ),
    ];
    for (client_secret, server_secret) in pairs {
        let cx = HlsExchange {
            own_title: CLIENT_TITLE,
            peer_title: SERVER_TITLE,
            own_challenge: &ctos,
            peer_challenge: &stoc,
        };
        let sx = HlsExchange {
            own_title: SERVER_TITLE,
            peer_title: CLIENT_TITLE,
            own_challenge: &stoc,
            peer_challenge: &ctos,
        };
        let reply = hls_reply(&p, &client_secret, &cx, 7).unwrap();
        hls_verify(&p, &server_secret, &sx, reply.as_bytes()).unwrap();
        let back = hls_reply(&p, &server_secret, &sx, 9).unwrap();
        hls_verify(&p, &client_secret, &cx, back.as_bytes()).unwrap();
        // A reply to the other direction's transcript does not verify.
        assert_eq!(
            hls_verify(&p, &client_secret, &cx, reply.as_bytes()),
            Err(AuthError::WrongReply)
        );
        // Every bit of the 17/32-byte replies; every 5th bit of signatures
        // (P-384 verification is slow in debug builds).
        let stride = if reply.as_bytes().len() > 32 { 5 } else { 1 };
        for bit in (0..reply.as_bytes().len() * 8).step_by(stride) {
            let mut r = reply.as_bytes().to_vec();
            r[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                hls_verify(&p, &server_secret, &sx, &r),
                Err(AuthError::WrongReply),
                "{:?} bit {bit}",
                server_secret_name(&server_secret)
            );
        }
        assert_eq!(
            hls_verify(&p, &server_secret, &sx, &[]),
            Err(AuthError::WrongReply)
        );
    }
}

fn server_secret_name(
    s: &HlsSecret<'_>,
) -> dual_protocol_dlms_cosem::acse::AuthenticationMechanism {
    s.mechanism()
}

/// The public HLS-GMAC vector (u9n/dlms-cosem tests/test_security.py,
/// the Green Book keys): f(StoC) = 10 00000001 1A52FE7DD3E72748973C1E28.
#[test]
fn hls_gmac_public_vector() {
    let line = include_str!("vectors/association.jsonl")
        .lines()
        .find(|l| l.contains("\"hls5-gmac\""))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let e = &v["expect"];
    let ek = SecurityKey::new(&unhex(e["ek"].as_str().unwrap())).unwrap();
    let ak = SecurityKey::new(&unhex(e["ak"].as_str().unwrap())).unwrap();
    let client_title: [u8; 8] = unhex(e["client_system_title"].as_str().unwrap())
        .try_into()
        .unwrap();
    let server_title: [u8; 8] = unhex(e["server_system_title"].as_str().unwrap())
        .try_into()
        .unwrap();
    let stoc = unhex(e["stoc_challenge"].as_str().unwrap());
    let ctos = unhex(e["ctos_challenge"].as_str().unwrap());
    let secret: HlsSecret<'_> = HlsSecret::Gmac {
        suite: SecuritySuite::Suite0,
        ek: &ek,
        ak: &ak,
    };
    let x = HlsExchange {
        own_title: client_title,
        peer_title: server_title,
        own_challenge: &ctos,
        peer_challenge: &stoc,
    };
    let reply = hls_reply(&RustCrypto, &secret, &x, 1).unwrap();
    let want = format!("1000000001{}", v["hex"].as_str().unwrap());
    assert_eq!(hex(reply.as_bytes()), want);
    // The server verifies it against its StoC.
    let sx = HlsExchange {
        own_title: server_title,
        peer_title: client_title,
        own_challenge: &stoc,
        peer_challenge: &ctos,
    };
    hls_verify(&RustCrypto, &secret, &sx, &unhex(&want)).unwrap();
}

#[test]
fn challenges_are_8_to_64_bytes() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    assert_eq!(Challenge::generate(&mut rng, 2).as_bytes().len(), 8);
    assert_eq!(Challenge::generate(&mut rng, 100).as_bytes().len(), 64);
    assert_eq!(Challenge::generate(&mut rng, 32).as_bytes().len(), 32);
    assert_eq!(
        Challenge::from_slice(&[0; 7]),
        Err(AuthError::ChallengeLength { len: 7 })
    );
    assert_eq!(
        Challenge::from_slice(&[0; 65]),
        Err(AuthError::ChallengeLength { len: 65 })
    );
    assert!(Challenge::from_slice(&[0; 8]).is_ok());
}

#[test]
fn configurable_association_ln() {
    let keys = Keys::new();
    let ln = dual_protocol_dlms_cosem::Obis::new(0, 0, 40, 0, 3, 255);
    let mut cc = client_config(&keys, Mode::Sha256);
    cc.association_ln = ln;
    let mut sc = server_config(&keys, Mode::Sha256);
    sc.association_ln = ln;
    let mut c = client(&keys, Mode::Sha256, cc);
    let mut s = server(&keys, Mode::Sha256, sc);
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(c.is_associated() && s.is_associated());

    // A server expecting 0.0.40.0.0.255 does not take the reply on another LN.
    let mut cc = client_config(&keys, Mode::Sha256);
    cc.association_ln = ln;
    let mut c = client(&keys, Mode::Sha256, cc);
    let mut s = server(&keys, Mode::Sha256, server_config(&keys, Mode::Sha256));
    c.associate(Instant::from_millis(0), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(!c.is_associated() && !s.is_associated());
    assert!(server_events(&mut s).iter().any(|e| matches!(
        e,
        ServerEvent::Refused {
            service: Some(Service::Action),
            reason: Refusal::NotAuthenticated
        }
    )));
}

#[test]
fn replayed_ciphered_apdu_is_rejected() {
    let keys = Keys::new();
    for mode in [Mode::GmacSuite0, Mode::EcdsaSuite1] {
        let (mut c, mut s) = associated(&keys, mode);
        let now = Instant::from_millis(10);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        c.get(now, CLOCK, None).unwrap();
        let mut buf = vec![0u8; N];
        let n = c.poll_transmit(now, &mut buf).unwrap();
        let request = buf[..n].to_vec();
        assert!(matches!(Apdu::decode(&request), Ok(Apdu::Ciphered(_))));
        s.handle_input(now, &mut rng, &request);
        let n = s.poll_transmit(now, &mut buf).unwrap();
        c.handle_input(now, &buf[..n]);
        // The same bytes again: dropped, no answer, counted.
        let rejected = s.security().unwrap().rejected();
        s.handle_input(now, &mut rng, &request);
        assert_eq!(s.poll_transmit(now, &mut buf), None);
        assert!(server_events(&mut s).iter().any(|e| matches!(
            e,
            ServerEvent::SecurityRejected(SecurityError::Replay(ReplayError::Duplicate { .. }))
        )));
        assert_eq!(s.security().unwrap().rejected(), rejected + 1);
        // The server's response replayed to the client: rejected too.
        c.handle_input(now, &buf[..n]);
        assert!(client_events(&mut c).iter().any(|e| matches!(
            e,
            ClientEvent::SecurityRejected(SecurityError::Replay(ReplayError::Duplicate { .. }))
        )));
        // A tampered request gets an exception (deciphering error).
        c.get(now, CLOCK, None).unwrap();
        let n = c.poll_transmit(now, &mut buf).unwrap();
        buf[n - 1] ^= 1;
        s.handle_input(now, &mut rng, &buf[..n]);
        assert!(
            server_events(&mut s)
                .contains(&ServerEvent::SecurityRejected(SecurityError::TagMismatch))
        );
        let n = s.poll_transmit(now, &mut buf).unwrap();
        c.handle_input(now, &buf[..n]);
        let ce = client_events(&mut c);
        assert!(
            matches!(
                ce[..],
                [ClientEvent::Exception {
                    service: Service::Get,
                    exception
                }] if exception.service_error == ServiceError::DecipheringError {}
            ),
            "{ce:?}"
        );
    }
}

#[test]
fn unprotected_request_in_ciphered_association_is_refused() {
    let keys = Keys::new();
    let (_c, mut s) = associated(&keys, Mode::GmacSuite0);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(1);
    // get-request-normal for the clock, in clear.
    let plain = [0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00];
    s.handle_input(now, &mut rng, &plain);
    assert!(server_events(&mut s).contains(&ServerEvent::Refused {
        service: None,
        reason: Refusal::Unprotected
    }));
    let mut buf = [0u8; 64];
    let n = s.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(buf[0], 216, "exception-response");
    assert!(n >= 3);
}

#[test]
fn service_outside_conformance_is_refused() {
    let keys = Keys::new();
    let mut sc = server_config(&keys, Mode::Plain);
    // A read-only server: no SET.
    sc.conformance = Conformance::GET.union(Conformance::ACTION);
    let mut c = client(&keys, Mode::Plain, client_config(&keys, Mode::Plain));
    let mut s = server(&keys, Mode::Plain, sc);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    c.associate(now, &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(c.is_associated());
    assert_eq!(c.conformance(), Conformance::GET.union(Conformance::ACTION));
    assert!(server_events(&mut s).iter().any(|e| matches!(
        e,
        ServerEvent::Associated { conformance, .. } if *conformance == Conformance::GET.union(Conformance::ACTION)
    )));
    // The client refuses to send it.
    assert_eq!(
        c.set(now, REGISTER, None, &Data::Unsigned(1)),
        Err(ClientError::NotNegotiated)
    );
    // Sent anyway (raw set-request-normal): exception, typed event.
    let raw = [
        0xc1, 0x01, 0xc1, 0x00, 0x01, 0, 0, 96, 1, 0, 255, 0x02, 0x00, 0x11, 0x01,
    ];
    s.handle_input(now, &mut rng, &raw);
    assert!(server_events(&mut s).contains(&ServerEvent::Refused {
        service: Some(Service::Set),
        reason: Refusal::OutsideConformance
    }));
    let mut buf = [0u8; 16];
    let n = s.poll_transmit(now, &mut buf).unwrap();
    let Ok(Apdu::ExceptionResponse(e)) = Apdu::decode(&buf[..n]) else {
        panic!("not an exception");
    };
    assert_eq!(e.state_error, StateError::ServiceNotAllowed);
    assert_eq!(e.service_error, ServiceError::ServiceNotSupported {});
    // The register is unchanged.
    assert_eq!(s.app().register, enc(&Data::OctetString(b"init")));
}

#[test]
fn requests_before_association_are_refused() {
    let keys = Keys::new();
    let mut s = server(&keys, Mode::Plain, server_config(&keys, Mode::Plain));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    let get = [0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00];
    s.handle_input(now, &mut rng, &get);
    assert!(server_events(&mut s).contains(&ServerEvent::Refused {
        service: Some(Service::Get),
        reason: Refusal::NotAssociated
    }));
    let mut buf = [0u8; 16];
    assert_eq!(s.poll_transmit(now, &mut buf).map(|_| buf[0]), Some(216));
}

#[test]
fn hls_server_serves_nothing_before_pass_3() {
    let keys = Keys::new();
    let mut c = client(&keys, Mode::Sha256, client_config(&keys, Mode::Sha256));
    let mut s = server(&keys, Mode::Sha256, server_config(&keys, Mode::Sha256));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    c.associate(now, &mut rng).unwrap();
    let mut buf = vec![0u8; 512];
    let n = c.poll_transmit(now, &mut buf).unwrap();
    s.handle_input(now, &mut rng, &buf[..n]);
    let _aare = s.poll_transmit(now, &mut buf).unwrap();
    // Instead of pass 3, a GET: read-write-denied.
    let get = [0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00];
    s.handle_input(now, &mut rng, &get);
    let n = s.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(&buf[..n], &[0xc4, 0x01, 0xc1, 0x01, 0x03]);
}

#[test]
fn invoke_ids_correlate_and_advance() {
    let keys = Keys::new();
    let mut cc = client_config(&keys, Mode::Plain);
    cc.invoke_id = 14;
    cc.high_priority = true;
    let mut c = client(&keys, Mode::Plain, cc);
    let mut s = server(&keys, Mode::Plain, server_config(&keys, Mode::Plain));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    c.associate(now, &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    client_events(&mut c);
    let mut buf = vec![0u8; N];
    for want in [14u8, 15, 0, 1] {
        let id = c.get(now, CLOCK, None).unwrap();
        assert_eq!(id, want);
        let n = c.poll_transmit(now, &mut buf).unwrap();
        // Invoke-id-and-priority: id, confirmed (bit 6), high priority (bit 7).
        assert_eq!(buf[2], 0xc0 | want);
        s.handle_input(now, &mut rng, &buf[..n]);
        let n = s.poll_transmit(now, &mut buf).unwrap();
        // A response with another invoke id is not ours.
        let mut other = buf[..n].to_vec();
        other[2] ^= 0x01;
        c.handle_input(now, &other);
        assert!(c.is_busy());
        c.handle_input(now, &buf[..n]);
        let ce = client_events(&mut c);
        assert_eq!(ce[0], ClientEvent::Unexpected { tag: 196 });
        assert!(matches!(
            ce[1],
            ClientEvent::Response { invoke_id, service: Service::Get, result: ResponseResult::Data } if invoke_id == want
        ));
    }
    assert_eq!(c.get(now, CLOCK, None).map(|_| ()), Ok(()));
    assert_eq!(c.get(now, CLOCK, None), Err(ClientError::Busy));
}

#[test]
fn with_list_services() {
    use dual_protocol_dlms_cosem::descriptor::AttributeWithSelection;
    let keys = Keys::new();
    let (mut c, mut s) = associated(&keys, Mode::Plain);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    let attrs = [
        AttributeWithSelection {
            attribute: CLOCK,
            access: None,
        },
        AttributeWithSelection {
            attribute: dual_protocol_dlms_cosem::AttributeDescriptor {
                class_id: 3,
                ..CLOCK
            },
            access: None,
        },
    ];
    c.get_with_list(now, &attrs).unwrap();
    pump(&mut c, &mut s, &mut rng);
    let ce = client_events(&mut c);
    assert!(matches!(
        ce[0],
        ClientEvent::Response {
            result: ResponseResult::DataList,
            ..
        }
    ));
    // Two results: the clock's value, then object-undefined (4).
    let d = c.response_data();
    assert_eq!(d[0], 2);
    assert_eq!(&d[d.len() - 2..], &[0x01, 0x04]);
    let attrs = [AttributeWithSelection {
        attribute: REGISTER,
        access: None,
    }];
    c.set_with_list(now, &attrs, &[Data::Unsigned(9)]).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(matches!(
        client_events(&mut c)[0],
        ClientEvent::Response {
            result: ResponseResult::AccessList,
            ..
        }
    ));
    assert_eq!(c.response_data(), &[0x01, 0x00]);
    assert_eq!(s.app().register, vec![0x11, 9]);
    let mut other = SCRIPT;
    other.method_id = 2;
    c.action_with_list(
        now,
        &[SCRIPT, other],
        &[Data::Unsigned(1), Data::Unsigned(2)],
    )
    .unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(matches!(
        client_events(&mut c)[0],
        ClientEvent::Response {
            service: Service::Action,
            result: ResponseResult::ActionList,
            ..
        }
    ));
    // Two results: success (no data), object-undefined (4).
    assert_eq!(c.response_data(), &[0x02, 0x00, 0x00, 0x04, 0x00]);
    assert_eq!(s.app().actions, 1);
}

#[test]
fn action_errors_and_get_errors_are_results() {
    let keys = Keys::new();
    let (mut c, mut s) = associated(&keys, Mode::Plain);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    let mut m = SCRIPT;
    m.method_id = 9;
    c.action(now, m, None).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(matches!(
        client_events(&mut c)[0],
        ClientEvent::Response {
            result: ResponseResult::Action {
                result: ActionResult::ObjectUndefined,
                data: false
            },
            ..
        }
    ));
    let mut a = CLOCK;
    a.attribute_id = 7;
    c.get(
        now,
        dual_protocol_dlms_cosem::AttributeDescriptor { class_id: 99, ..a },
        None,
    )
    .unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(matches!(
        client_events(&mut c)[0],
        ClientEvent::Response {
            result: ResponseResult::Access(DataAccessResult::ObjectUndefined),
            ..
        }
    ));
}

#[test]
fn notifications_are_events() {
    let keys = Keys::new();
    let (mut c, _s) = associated(&keys, Mode::Plain);
    let now = Instant::from_millis(0);
    // data-notification: long-invoke-id 1, no date-time, body unsigned 5.
    let dn = [0x0f, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x05];
    c.handle_input(now, &dn);
    assert_eq!(
        client_events(&mut c),
        vec![ClientEvent::Notification(
            dual_protocol_dlms_cosem::association::client::NotificationKind::Data
        )]
    );
    assert_eq!(c.notification(), &dn);
}

#[test]
fn release_and_timeouts() {
    let keys = Keys::new();
    let (mut c, mut s) = associated(&keys, Mode::GmacSuite0);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    // A GET whose response never comes: a timeout per request.
    c.get(now, CLOCK, None).unwrap();
    let mut buf = vec![0u8; N];
    let _lost = c.poll_transmit(now, &mut buf).unwrap();
    let deadline = c.poll_timeout().unwrap();
    c.handle_timeout(Instant::from_millis(1));
    assert!(c.is_busy());
    c.handle_timeout(deadline);
    assert_eq!(
        client_events(&mut c),
        // Invoke id 1 went to HLS pass 3.
        vec![ClientEvent::Timeout {
            service: Service::Get,
            invoke_id: 2
        }]
    );
    assert!(c.is_associated() && !c.is_busy());
    c.release(now).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert_eq!(client_events(&mut c), vec![ClientEvent::Released]);
    assert!(server_events(&mut s).contains(&ServerEvent::Released));
    assert!(!c.is_associated() && !s.is_associated());
}

#[test]
fn server_inactivity_timeout() {
    let keys = Keys::new();
    let mut sc = server_config(&keys, Mode::Plain);
    sc.inactivity_timeout = Some(dual_protocol_primitives::time::Duration::from_secs(60));
    let mut c = client(&keys, Mode::Plain, client_config(&keys, Mode::Plain));
    let mut s = server(&keys, Mode::Plain, sc);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    c.associate(Instant::from_millis(1), &mut rng).unwrap();
    pump(&mut c, &mut s, &mut rng);
    assert!(s.is_associated());
    let t = s.poll_timeout().unwrap();
    s.handle_timeout(Instant::from_secs(30));
    assert!(s.is_associated());
    s.handle_timeout(t);
    assert!(!s.is_associated());
    assert!(server_events(&mut s).contains(&ServerEvent::InactivityTimeout));
}

#[test]
fn repeated_aarq_gets_the_same_aare() {
    let keys = Keys::new();
    let mut c = client(
        &keys,
        Mode::GmacSuite0,
        client_config(&keys, Mode::GmacSuite0),
    );
    let mut s = server(
        &keys,
        Mode::GmacSuite0,
        server_config(&keys, Mode::GmacSuite0),
    );
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    c.associate(now, &mut rng).unwrap();
    let mut buf = vec![0u8; 512];
    let n = c.poll_transmit(now, &mut buf).unwrap();
    let aarq = buf[..n].to_vec();
    s.handle_input(now, &mut rng, &aarq);
    let n = s.poll_transmit(now, &mut buf).unwrap();
    let first = buf[..n].to_vec();
    s.handle_input(now, &mut rng, &aarq);
    let n = s.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(first, buf[..n].to_vec());
    c.handle_input(now, &first);
    pump(&mut c, &mut s, &mut rng);
    assert!(c.is_associated() && s.is_associated());
}

#[test]
fn malformed_input_is_an_event_never_a_panic() {
    let keys = Keys::new();
    for mode in MODES {
        let (mut c, mut s) = associated(&keys, mode);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let now = Instant::from_millis(0);
        for bad in [
            &[][..],
            &[0x60],
            &[0xc4, 0x01],
            &[0xcc, 0x05, 0x30],
            &[0xff; 9],
        ] {
            c.handle_input(now, bad);
            s.handle_input(now, &mut rng, bad);
            let mut buf = [0u8; 64];
            while s.poll_transmit(now, &mut buf).is_some() {}
        }
        assert!(!client_events(&mut c).is_empty());
        assert!(!server_events(&mut s).is_empty());
        assert!(c.is_associated() && s.is_associated(), "{mode:?}");
    }
}

/// The Green Book's AARQ (LN referencing, no authentication, conformance
/// 007E1F, client max PDU 1200; the crate's ACSE example) is accepted with
/// the intersection of the conformance blocks, and a GET is served. The
/// footprint probe drives the same two APDUs.
#[test]
fn green_book_aarq_then_get() {
    const AARQ: [u8; 31] = [
        0x60, 0x1d, 0xa1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xbe, 0x10,
        0x04, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5f, 0x1f, 0x04, 0x00, 0x00, 0x7e, 0x1f, 0x04,
        0xb0,
    ];
    let keys = Keys::new();
    let mut s = server(&keys, Mode::Plain, server_config(&keys, Mode::Plain));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now = Instant::from_millis(0);
    s.handle_input(now, &mut rng, &AARQ);
    let mut buf = vec![0u8; 256];
    let n = s.poll_transmit(now, &mut buf).unwrap();
    let Ok(dual_protocol_dlms_cosem::acse::AcseApdu::Aare(aare)) =
        dual_protocol_dlms_cosem::acse::AcseApdu::decode(&buf[..n])
    else {
        panic!("not an AARE");
    };
    assert!(aare.accepted());
    let Some(dual_protocol_dlms_cosem::acse::UserInformation::InitiateResponse(ir)) =
        aare.user_information
    else {
        panic!("no InitiateResponse");
    };
    let proposed = Conformance::from_bits(0x00_7e1f);
    assert_eq!(
        ir.negotiated_conformance,
        proposed.intersection(server_config(&keys, Mode::Plain).conformance)
    );
    assert_eq!(ir.server_max_receive_pdu_size, 512);
    assert_eq!(ir.vaa_name, 7);
    assert!(s.is_associated());
    let get = [0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00];
    s.handle_input(now, &mut rng, &get);
    let n = s.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(&buf[..6], &[0xc4, 0x01, 0xc1, 0x00, 0x09, 0x0c]);
    assert_eq!(n, 18);
}
