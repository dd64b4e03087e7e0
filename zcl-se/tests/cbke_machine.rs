//! Key Establishment machines: both sides agree on random certificates
//! from a test CA (both suites), on the Certicom test-CA devices, and end
//! with the right status on wrong issuers, tampered keys and MACs, bad
//! lengths, unsupported suites, loss (timeouts) and duplicated frames.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::time::Instant;
use dual_protocol_zcl_se::cbke::machine::{
    CMD_CONFIRM_KEY, CMD_EPHEMERAL_DATA, CMD_INITIATE, CMD_TERMINATE, Config, Event,
    KeyEstablishment, LocalIdentity, MAX_FRAME_LEN, MachineError, Message, Role, TerminateStatus,
};
use dual_protocol_zcl_se::cbke::{Certificate, Params, Point, SUITE1, SUITE2, Scalar, SuiteParams};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A certificate template for the suite: subject and issuer filled, the
/// rest fixed (suite 2: implicit, sect283k1, AES-MMO, key agreement, valid
/// from 2018-08-23 for ever).
fn template<const N: usize>(subject: [u8; 8], issuer: [u8; 8]) -> Vec<u8>
where
    Params<N>: SuiteParams<N>,
{
    let mut t = vec![0u8; Certificate::<N>::LEN];
    if N == SUITE1 {
        t[22..30].copy_from_slice(&subject);
        t[30..38].copy_from_slice(&issuer);
        t[38..48].copy_from_slice(&hex("0109108301234567890a"));
    } else {
        t[0] = 0x00;
        t[1..9].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        t[9] = 0x0d;
        t[10] = 0x08;
        t[11..19].copy_from_slice(&issuer);
        t[19..24].copy_from_slice(&hex("005b7ed230"));
        t[24..28].copy_from_slice(&[0xff; 4]);
        t[28..36].copy_from_slice(&subject);
        t[36] = 0x08;
    }
    t
}

struct Ca<const N: usize> {
    private: Scalar<N>,
    public: Point<N>,
    issuer: [u8; 8],
}

impl<const N: usize> Ca<N>
where
    Params<N>: SuiteParams<N>,
{
    fn new(rng: &mut ChaCha20Rng, issuer: [u8; 8]) -> Self {
        let private = Scalar::random(rng);
        let public = Point::generator().mul(&private);
        Self {
            private,
            public,
            issuer,
        }
    }

    fn identity(&self, rng: &mut ChaCha20Rng, subject: [u8; 8]) -> LocalIdentity<N> {
        let k = Scalar::random(rng);
        let (certificate, private_key) =
            Certificate::<N>::issue(&template::<N>(subject, self.issuer), &k, &self.private)
                .unwrap();
        LocalIdentity {
            certificate,
            private_key,
            ca_public: self.public,
        }
    }
}

const ALICE: [u8; 8] = [0x00, 0x0d, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x01];
const BOB: [u8; 8] = [0x00, 0x0d, 0x6f, 0x00, 0x00, 0x00, 0x00, 0x02];

/// Delivers every queued frame from `from` to `to`, optionally altered.
fn pump<const N: usize>(
    from: &mut KeyEstablishment<N>,
    to: &mut KeyEstablishment<N>,
    now: Instant,
    alter: &mut dyn FnMut(&mut Vec<u8>),
) -> Option<Result<(), MachineError>>
where
    Params<N>: SuiteParams<N>,
{
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = from.poll_transmit(now, &mut buf)?;
    let mut frame = buf[..n].to_vec();
    alter(&mut frame);
    Some(to.handle_input(now, &frame))
}

fn run<const N: usize>(
    a: &mut KeyEstablishment<N>,
    b: &mut KeyEstablishment<N>,
    alter: &mut dyn FnMut(&mut Vec<u8>),
) where
    Params<N>: SuiteParams<N>,
{
    let now = Instant::from_secs(100);
    a.start(now);
    for _ in 0..8 {
        let r1 = pump(a, b, now, alter);
        let r2 = pump(b, a, now, alter);
        if r1.is_none() && r2.is_none() {
            break;
        }
    }
}

fn established<const N: usize>(m: &mut KeyEstablishment<N>) -> ([u8; 8], [u8; 16])
where
    Params<N>: SuiteParams<N>,
{
    match m.poll_event() {
        Some(Event::Established { partner, link_key }) => (partner, *link_key.expose()),
        other => panic!("expected Established, got {other:?}"),
    }
}

fn agree<const N: usize>(seed: u64)
where
    Params<N>: SuiteParams<N>,
{
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let ca = Ca::<N>::new(&mut rng, *b"TESTCA01");
    let mut a = KeyEstablishment::new(
        Role::Initiator,
        ca.identity(&mut rng, ALICE),
        Config::default(),
        &mut rng,
    );
    let mut b = KeyEstablishment::new(
        Role::Responder,
        ca.identity(&mut rng, BOB),
        Config::default(),
        &mut rng,
    );
    run(&mut a, &mut b, &mut |_| {});
    let (pa, ka) = established(&mut a);
    let (pb, kb) = established(&mut b);
    assert_eq!(pa, BOB);
    assert_eq!(pb, ALICE);
    assert_eq!(ka, kb);
    assert!(a.is_finished() && b.is_finished());
}

#[test]
fn suite1_both_sides_agree_on_random_certificates() {
    for seed in 0..4 {
        agree::<SUITE1>(seed);
    }
}

#[test]
fn suite2_both_sides_agree_on_random_certificates() {
    for seed in 10..12 {
        agree::<SUITE2>(seed);
    }
}

/// The two suite 1 devices of the Certicom test CA (zsmartsystems test
/// data, see tests/cbke_vectors.rs) establish a key with each other.
#[test]
fn certicom_suite1_devices_establish_a_key() {
    let ca = Point::<SUITE1>::from_compressed(&hex("0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8"))
        .unwrap();
    let id = |cert: &str, key: &str| LocalIdentity {
        certificate: Certificate::<SUITE1>::parse(&hex(cert)).unwrap(),
        private_key: Scalar::from_be_bytes_canonical(&hex(key)).unwrap(),
        ca_public: ca,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let u = id(
        "02020882b1d7df05538f37cdd09a4f6b15368998642b002208000000000154455354534543410109108301234567890a",
        "0392ba4afc2453a49eebe9bca8de73210f02479a4a",
    );
    let v = id(
        "0200caa15b4beede65c3139a5c3bc40c9ad153854a270022a300001731f354455354534543410109108301234567890a",
        "019fcc486fc46980ab4a612725b36f005edff075fe",
    );
    let mut a = KeyEstablishment::new(Role::Initiator, u, Config::default(), &mut rng);
    let mut b = KeyEstablishment::new(Role::Responder, v, Config::default(), &mut rng);
    run(&mut a, &mut b, &mut |_| {});
    assert_eq!(established(&mut a).1, established(&mut b).1);
}

fn pair<const N: usize>(seed: u64, issuer_b: [u8; 8]) -> (KeyEstablishment<N>, KeyEstablishment<N>)
where
    Params<N>: SuiteParams<N>,
{
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let ca = Ca::<N>::new(&mut rng, *b"TESTCA01");
    let other = Ca::<N>::new(&mut rng, issuer_b);
    let a = KeyEstablishment::new(
        Role::Initiator,
        ca.identity(&mut rng, ALICE),
        Config::default(),
        &mut rng,
    );
    let b_ca = if issuer_b == ca.issuer { &ca } else { &other };
    let b = KeyEstablishment::new(
        Role::Responder,
        b_ca.identity(&mut rng, BOB),
        Config::default(),
        &mut rng,
    );
    (a, b)
}

fn failed_with<const N: usize>(m: &mut KeyEstablishment<N>, status: TerminateStatus)
where
    Params<N>: SuiteParams<N>,
{
    assert_eq!(m.poll_event(), Some(Event::Failed(status)));
}

#[test]
fn wrong_issuer_is_unknown_issuer() {
    let (mut a, mut b) = pair::<SUITE1>(1, *b"OTHERCA1");
    run(&mut a, &mut b, &mut |_| {});
    failed_with(&mut b, TerminateStatus::UnknownIssuer);
    assert_eq!(
        a.poll_event(),
        Some(Event::PeerTerminated {
            status: TerminateStatus::UnknownIssuer,
            wait_time: 10
        })
    );
}

/// A certificate naming the right issuer but signed by another CA key
/// reconstructs a wrong public key: key confirmation fails.
#[test]
fn forged_certificate_fails_key_confirmation() {
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let ca = Ca::<SUITE1>::new(&mut rng, *b"TESTCA01");
    let forger = Ca::<SUITE1>::new(&mut rng, *b"TESTCA01");
    let mut a = KeyEstablishment::new(
        Role::Initiator,
        ca.identity(&mut rng, ALICE),
        Config::default(),
        &mut rng,
    );
    let mut forged = forger.identity(&mut rng, BOB);
    forged.ca_public = ca.public;
    let mut b = KeyEstablishment::new(Role::Responder, forged, Config::default(), &mut rng);
    run(&mut a, &mut b, &mut |_| {});
    failed_with(&mut b, TerminateStatus::BadKeyConfirm);
}

#[test]
fn tampered_ephemeral_key_fails_key_confirmation() {
    let (mut a, mut b) = pair::<SUITE1>(2, *b"TESTCA01");
    // Replace the initiator's ephemeral key by another valid point (3·G).
    let mut three = vec![0u8; 22];
    let s3 = Scalar::<SUITE1>::from_be_bytes_reduced(&[3]);
    Point::<SUITE1>::generator()
        .mul(&s3)
        .write_compressed(&mut three);
    run(&mut a, &mut b, &mut |f| {
        if f[0] == CMD_EPHEMERAL_DATA && f.len() == 23 && f[1..] != three[..] {
            let first = f.clone();
            f[1..].copy_from_slice(&three);
            assert_ne!(&first, f);
        }
    });
    // Both ephemeral frames were replaced, so both sides computed a key;
    // the responder sees a wrong MACU.
    let ea = a.poll_event();
    let eb = b.poll_event();
    assert!(
        ea == Some(Event::Failed(TerminateStatus::BadKeyConfirm))
            || eb == Some(Event::Failed(TerminateStatus::BadKeyConfirm)),
        "{ea:?} {eb:?}"
    );
}

#[test]
fn tampered_mac_is_bad_key_confirm() {
    let (mut a, mut b) = pair::<SUITE2>(3, *b"TESTCA01");
    run(&mut a, &mut b, &mut |f| {
        if f[0] == CMD_CONFIRM_KEY {
            f[5] ^= 0x01;
        }
    });
    failed_with(&mut b, TerminateStatus::BadKeyConfirm);
}

#[test]
fn tampered_responder_mac_is_bad_key_confirm_at_initiator() {
    let (mut a, mut b) = pair::<SUITE1>(4, *b"TESTCA01");
    let now = Instant::from_secs(1);
    a.start(now);
    let mut buf = [0u8; MAX_FRAME_LEN];
    for step in 0..3 {
        let n = a.poll_transmit(now, &mut buf).unwrap();
        b.handle_input(now, &buf[..n]).unwrap();
        let n = b.poll_transmit(now, &mut buf).unwrap();
        if step == 2 {
            buf[16] ^= 0x80;
            assert_eq!(
                a.handle_input(now, &buf[..n]),
                Err(MachineError::Terminated(TerminateStatus::BadKeyConfirm))
            );
        } else {
            a.handle_input(now, &buf[..n]).unwrap();
        }
    }
    failed_with(&mut a, TerminateStatus::BadKeyConfirm);
    let n = a.poll_transmit(now, &mut buf).unwrap();
    assert_eq!(buf[..n], [CMD_TERMINATE, 0x02, 10, 0x01, 0x00]);
}

#[test]
fn bad_lengths_and_unknown_commands_are_bad_message() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let ca = Ca::<SUITE1>::new(&mut rng, *b"TESTCA01");
    let ident = ca.identity(&mut rng, BOB);
    let cert = ca.identity(&mut rng, ALICE).certificate;
    let mut good = vec![CMD_INITIATE, 0x01, 0x00, 10, 10];
    good.extend_from_slice(cert.as_bytes());
    for cut in 0..good.len() {
        let mut b =
            KeyEstablishment::new(Role::Responder, ident.clone(), Config::default(), &mut rng);
        let r = b.handle_input(Instant::from_secs(1), &good[..cut]);
        assert!(r.is_err(), "truncated at {cut}");
        failed_with(&mut b, TerminateStatus::BadMessage);
    }
    let mut long = good.clone();
    long.push(0);
    let mut b = KeyEstablishment::new(Role::Responder, ident.clone(), Config::default(), &mut rng);
    assert!(b.handle_input(Instant::from_secs(1), &long).is_err());
    let mut b = KeyEstablishment::new(Role::Responder, ident.clone(), Config::default(), &mut rng);
    assert!(matches!(
        b.handle_input(Instant::from_secs(1), &[0x07]),
        Err(MachineError::Frame(_))
    ));
    // Out of sequence: Confirm Key first.
    let mut b = KeyEstablishment::new(Role::Responder, ident.clone(), Config::default(), &mut rng);
    let mut confirm = vec![CMD_CONFIRM_KEY];
    confirm.extend_from_slice(&[0; 16]);
    assert_eq!(
        b.handle_input(Instant::from_secs(1), &confirm),
        Err(MachineError::Terminated(TerminateStatus::BadMessage))
    );
    // Unsupported suite (suite 2 only offered to a suite 1 responder).
    let mut b = KeyEstablishment::new(Role::Responder, ident, Config::default(), &mut rng);
    let mut s2 = good.clone();
    s2[1] = 0x02;
    assert_eq!(
        b.handle_input(Instant::from_secs(1), &s2),
        Err(MachineError::Terminated(TerminateStatus::UnsupportedSuite))
    );
    let mut buf = [0u8; 8];
    let n = b.poll_transmit(Instant::from_secs(1), &mut buf).unwrap();
    assert_eq!(buf[..n], [CMD_TERMINATE, 0x05, 10, 0x01, 0x00]);
}

#[test]
fn invalid_ephemeral_point_is_bad_message() {
    let (mut a, mut b) = pair::<SUITE1>(6, *b"TESTCA01");
    run(&mut a, &mut b, &mut |f| {
        if f[0] == CMD_EPHEMERAL_DATA {
            f[1] = 0x04; // not a compressed-point prefix
        }
    });
    failed_with(&mut b, TerminateStatus::BadMessage);
}

#[test]
fn loss_times_out_and_duplicates_are_ignored() {
    let (mut a, mut b) = pair::<SUITE2>(8, *b"TESTCA01");
    let t0 = Instant::from_secs(50);
    a.start(t0);
    let mut buf = [0u8; MAX_FRAME_LEN];
    let n = a.poll_transmit(t0, &mut buf).unwrap();
    // Duplicated Initiate Request: the repeat is ignored.
    b.handle_input(t0, &buf[..n]).unwrap();
    b.handle_input(t0, &buf[..n]).unwrap();
    assert!(b.poll_event().is_none());
    // The response is lost: the initiator times out.
    let _ = b.poll_transmit(t0, &mut buf).unwrap();
    let deadline = a.poll_timeout().unwrap();
    a.handle_timeout(Instant::from_micros(deadline.as_micros() - 1));
    assert!(a.poll_event().is_none());
    a.handle_timeout(deadline);
    assert_eq!(a.poll_event(), Some(Event::TimedOut));
    assert_eq!(
        a.handle_input(deadline, &[CMD_TERMINATE, 3, 0, 2, 0]),
        Err(MachineError::Finished)
    );
    // The responder waits for its own deadline too.
    let d = b.poll_timeout().unwrap();
    b.handle_timeout(d);
    assert_eq!(b.poll_event(), Some(Event::TimedOut));
}

#[test]
fn small_output_buffer_keeps_the_frame_queued() {
    let (mut a, _) = pair::<SUITE1>(9, *b"TESTCA01");
    let now = Instant::from_secs(1);
    a.start(now);
    let mut small = [0u8; 10];
    assert_eq!(a.poll_transmit(now, &mut small), None);
    let mut buf = [0u8; MAX_FRAME_LEN];
    assert_eq!(a.poll_transmit(now, &mut buf), Some(1 + 4 + 48));
}

#[test]
fn messages_round_trip() {
    let cert = [0x5au8; 48];
    let q = [0x02u8; 22];
    let mac = [0x11u8; 16];
    let msgs = [
        Message::Initiate {
            suite: 1,
            ephemeral_time: 3,
            confirm_time: 4,
            identity: &cert,
        },
        Message::EphemeralData(&q),
        Message::ConfirmKey(&mac),
        Message::Terminate {
            status: TerminateStatus::Unknown(0x42),
            wait_time: 9,
            suite: 1,
        },
    ];
    for m in msgs {
        let mut buf = [0u8; MAX_FRAME_LEN];
        let n = m.encode(&mut buf).unwrap();
        assert_eq!(n, m.encoded_len());
        assert_eq!(Message::decode::<SUITE1>(&buf[..n]).unwrap(), m);
        assert!(m.encode(&mut buf[..n - 1]).is_none());
    }
}
