//! general-ciphering with key-info: identified keys (through the
//! association's context and stateless), wrapped keys (RFC 3394, with the
//! RFC's own vector as copied in `tests/vectors/key_info.jsonl`), agreed
//! keys with C(1e,1s) and C(0e,2s) in suites 1 and 2, both directions, and
//! the single-step KDF checked against the formula of NIST SP 800-56A
//! rev. 2 clause 5.8.1.1 computed here independently.
//!
//! Suites 1 and 2 have no public general-ciphering vectors (see
//! `shared/research/dlms.md`); the ECDH primitive itself is checked
//! against the NIST CAVS ECC CDH vectors in the primitives crate's tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::apdu::{KeyInfo, SecurityControl};
use dual_protocol_dlms_cosem::security::general::{
    CipheringHeader, KeyAgreementScheme, RecvKeys, SendKey, agreed_key, algorithm_id,
    open_general_ciphering, seal_general_ciphering,
};
use dual_protocol_dlms_cosem::security::kdf::{KdfHash, concat_kdf};
use dual_protocol_dlms_cosem::security::signing::{SigningKey, VerifyingKey};
use dual_protocol_dlms_cosem::security::{
    SecurityContext, SecurityError, SecurityKey, SecurityPolicy, SecuritySuite, security_control,
};
use dual_protocol_dlms_cosem::{Apdu, Decode};
use dual_protocol_primitives::counter::{CounterReservation, VolatileStore};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;

const CLIENT: [u8; 8] = *b"HES00001";
const METER: [u8; 8] = *b"METER001";
const PLAIN: &[u8] = &[0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 0xff, 2, 0];

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn header<'h>(
    suite: SecuritySuite,
    from: [u8; 8],
    to: &'h [u8],
    tid: &'h [u8],
) -> CipheringHeader<'h> {
    CipheringHeader {
        transaction_id: tid,
        originator_system_title: from,
        recipient_system_title: to,
        date_time: &[],
        other_information: &[],
        security_control: security_control(suite, true, true),
        invocation_counter: 7,
    }
}

fn policy(suite: SecuritySuite) -> SecurityPolicy {
    SecurityPolicy::authenticated_encrypted(suite)
}

fn key(suite: SecuritySuite, b: u8) -> SecurityKey {
    SecurityKey::new(&vec![b; suite.key_len()]).unwrap()
}

const SUITES: [SecuritySuite; 3] = [
    SecuritySuite::Suite0,
    SecuritySuite::Suite1,
    SecuritySuite::Suite2,
];

#[test]
fn identified_key_through_the_context_shares_the_global_counter_and_window() {
    let ek = key(SecuritySuite::Suite0, 1);
    let ak = key(SecuritySuite::Suite0, 2);
    let p = policy(SecuritySuite::Suite0);
    let mut hes = SecurityContext::new(
        RustCrypto,
        p,
        CLIENT,
        &ek,
        ak.clone(),
        CounterReservation::resume(1, 100, u64::from(u32::MAX)),
    )
    .unwrap();
    let mut meter = SecurityContext::new(
        RustCrypto,
        p,
        METER,
        &ek,
        ak,
        CounterReservation::resume(1, 100, u64::from(u32::MAX)),
    )
    .unwrap();
    let mut store = VolatileStore::default();
    let mut wire = [0u8; 128];
    let n = hes
        .protect_general_ciphering(&mut store, &[1, 2], &METER, &[], &[], PLAIN, &mut wire)
        .unwrap();
    let Apdu::GeneralCiphering(g) = Apdu::decode(&wire[..n]).unwrap() else {
        panic!()
    };
    assert_eq!(g.key_info, Some(KeyInfo::IdentifiedKey { key_id: 0 }));
    assert_eq!(g.originator_system_title, CLIENT);
    let mut out = [0u8; 128];
    let r = meter.unprotect(&wire[..n], &mut out).unwrap();
    assert_eq!(r.plaintext, PLAIN);
    // The same counter again is a replay, in the window glo- APDUs share.
    assert!(matches!(
        meter.unprotect(&wire[..n], &mut out),
        Err(SecurityError::Replay(_))
    ));
    // The next glo- APDU from the same sender takes the next counter.
    meter.set_peer_system_title(CLIENT);
    let n = hes
        .protect(
            &mut store,
            dual_protocol_dlms_cosem::apdu::KeyScope::Global,
            PLAIN,
            &mut wire,
        )
        .unwrap();
    assert_eq!(
        meter.unprotect(&wire[..n], &mut out).unwrap().plaintext,
        PLAIN
    );
}

#[test]
fn identified_keys_stateless_and_missing_key() {
    for suite in SUITES {
        let unicast = key(suite, 3);
        let broadcast = key(suite, 4);
        for (id, k) in [(0u8, &unicast), (1, &broadcast)] {
            let mut wire = [0u8; 160];
            let n = seal_general_ciphering::<RustCrypto>(
                &RustCrypto,
                &header(suite, CLIENT, &METER, &[9]),
                &SendKey::Identified { key_id: id, key: k },
                &[],
                PLAIN,
                &mut wire,
            )
            .unwrap();
            let keys = RecvKeys {
                global_unicast: Some(&unicast),
                global_broadcast: Some(&broadcast),
                ..RecvKeys::default()
            };
            let mut out = [0u8; 64];
            let o = open_general_ciphering(
                &RustCrypto,
                &policy(suite),
                &keys,
                &[],
                &wire[..n],
                &mut out,
            )
            .unwrap();
            assert_eq!(o.plaintext, PLAIN);
            let none = RecvKeys::<RustCrypto>::default();
            assert!(matches!(
                open_general_ciphering(
                    &RustCrypto,
                    &policy(suite),
                    &none,
                    &[],
                    &wire[..n],
                    &mut out
                ),
                Err(SecurityError::MissingKey { .. })
            ));
        }
        let mut wire = [0u8; 160];
        assert!(matches!(
            seal_general_ciphering::<RustCrypto>(
                &RustCrypto,
                &header(suite, CLIENT, &METER, &[]),
                &SendKey::Identified {
                    key_id: 2,
                    key: &unicast
                },
                &[],
                PLAIN,
                &mut wire
            ),
            Err(SecurityError::KeyInfo { .. })
        ));
    }
}

/// RFC 3394 clause 4.1 (128-bit key data, 128-bit KEK), as in
/// xdom/jdlms SecurityUtilsTest (tests/vectors/key_info.jsonl).
#[test]
fn wrapped_key_carries_the_rfc_3394_wrapping_and_round_trips() {
    let line = include_str!("vectors/key_info.jsonl")
        .lines()
        .next()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["kind"], "aes-key-wrap-rfc3394");
    let kek = SecurityKey::new(&hex(v["expect"]["kek"].as_str().unwrap())).unwrap();
    let content = SecurityKey::new(&hex(v["expect"]["key"].as_str().unwrap())).unwrap();
    let wrapped = hex(v["hex"].as_str().unwrap());
    let suite = SecuritySuite::Suite0;
    let mut wire = [0u8; 160];
    let n = seal_general_ciphering::<RustCrypto>(
        &RustCrypto,
        &header(suite, CLIENT, &METER, &[]),
        &SendKey::Wrapped {
            kek: &kek,
            key: &content,
        },
        &[0xd0; 16],
        PLAIN,
        &mut wire,
    )
    .unwrap();
    let Apdu::GeneralCiphering(g) = Apdu::decode(&wire[..n]).unwrap() else {
        panic!()
    };
    assert_eq!(
        g.key_info,
        Some(KeyInfo::WrappedKey {
            kek_id: 0,
            key_ciphered_data: &wrapped
        })
    );
    let keys = RecvKeys::<RustCrypto> {
        kek: Some(&kek),
        ..RecvKeys::default()
    };
    let mut out = [0u8; 64];
    let o = open_general_ciphering(
        &RustCrypto,
        &policy(suite),
        &keys,
        &[0xd0; 16],
        &wire[..n],
        &mut out,
    )
    .unwrap();
    assert_eq!(o.plaintext, PLAIN);
    // A wrong KEK fails the key wrap's integrity check.
    let other = key(suite, 0x77);
    let keys = RecvKeys::<RustCrypto> {
        kek: Some(&other),
        ..RecvKeys::default()
    };
    assert_eq!(
        open_general_ciphering(
            &RustCrypto,
            &policy(suite),
            &keys,
            &[0xd0; 16],
            &wire[..n],
            &mut out
        )
        .unwrap_err(),
        SecurityError::TagMismatch
    );
}

#[test]
fn wrapped_keys_in_every_suite() {
    for suite in SUITES {
        for kek_len in [16, 32] {
            let kek = SecurityKey::new(&vec![0x42; kek_len]).unwrap();
            let content = key(suite, 0x24);
            let mut wire = [0u8; 200];
            let n = seal_general_ciphering::<RustCrypto>(
                &RustCrypto,
                &header(suite, METER, &CLIENT, &[]),
                &SendKey::Wrapped {
                    kek: &kek,
                    key: &content,
                },
                &[],
                PLAIN,
                &mut wire,
            )
            .unwrap();
            let keys = RecvKeys::<RustCrypto> {
                kek: Some(&kek),
                ..RecvKeys::default()
            };
            let mut out = [0u8; 64];
            let o = open_general_ciphering(
                &RustCrypto,
                &policy(suite),
                &keys,
                &[],
                &wire[..n],
                &mut out,
            )
            .unwrap();
            assert_eq!(o.plaintext, PLAIN, "suite {suite:?} kek {kek_len}");
        }
    }
}

/// Static key pairs of one party: key agreement and signing (suite 1 on
/// P-256, suite 2 on P-384), from fixed scalars.
struct Party {
    ka256: <RustCrypto as CryptoProvider>::P256SigningKey,
    ds256: <RustCrypto as CryptoProvider>::P256SigningKey,
    ka384: <RustCrypto as CryptoProvider>::P384SigningKey,
    ds384: <RustCrypto as CryptoProvider>::P384SigningKey,
}

fn party(seed: u8) -> Party {
    let p = RustCrypto;
    Party {
        ka256: p.p256_signing_key(&[seed; 32]).unwrap(),
        ds256: p.p256_signing_key(&[seed ^ 0x0f; 32]).unwrap(),
        ka384: p.p384_signing_key(&[seed; 48]).unwrap(),
        ds384: p.p384_signing_key(&[seed ^ 0x0f; 48]).unwrap(),
    }
}

struct Public {
    ka256: <RustCrypto as CryptoProvider>::P256VerifyingKey,
    ds256: <RustCrypto as CryptoProvider>::P256VerifyingKey,
    ka384: <RustCrypto as CryptoProvider>::P384VerifyingKey,
    ds384: <RustCrypto as CryptoProvider>::P384VerifyingKey,
}

fn public(x: &Party) -> Public {
    let p = RustCrypto;
    Public {
        ka256: p.p256_verifying_key(&p.p256_public_key(&x.ka256)).unwrap(),
        ds256: p.p256_verifying_key(&p.p256_public_key(&x.ds256)).unwrap(),
        ka384: p.p384_verifying_key(&p.p384_public_key(&x.ka384)).unwrap(),
        ds384: p.p384_verifying_key(&p.p384_public_key(&x.ds384)).unwrap(),
    }
}

fn sk<'k>(s: SecuritySuite, x: &'k Party, signing: bool) -> SigningKey<'k, RustCrypto> {
    match (s, signing) {
        (SecuritySuite::Suite2, false) => SigningKey::P384(&x.ka384),
        (SecuritySuite::Suite2, true) => SigningKey::P384(&x.ds384),
        (_, false) => SigningKey::P256(&x.ka256),
        (_, true) => SigningKey::P256(&x.ds256),
    }
}

fn vk<'k>(s: SecuritySuite, x: &'k Public, signing: bool) -> VerifyingKey<'k, RustCrypto> {
    match (s, signing) {
        (SecuritySuite::Suite2, false) => VerifyingKey::P384(&x.ka384),
        (SecuritySuite::Suite2, true) => VerifyingKey::P384(&x.ds384),
        (_, false) => VerifyingKey::P256(&x.ka256),
        (_, true) => VerifyingKey::P256(&x.ds256),
    }
}

/// Seals from `a` to `b` with `scheme` and opens at `b`; returns the wire.
fn agree_round_trip(
    suite: SecuritySuite,
    scheme: KeyAgreementScheme,
    (a, a_title): (&Party, [u8; 8]),
    (b, b_title): (&Party, [u8; 8]),
    eph: &Party,
) -> Vec<u8> {
    let (pa, pb) = (public(a), public(b));
    let tid = [0x01, 0, 0, 0, 0, 0, 0, 0x12, 0x34];
    let send = match scheme {
        KeyAgreementScheme::OnePassDiffieHellman => SendKey::OnePass {
            ephemeral: sk(suite, eph, false),
            signer: sk(suite, a, true),
            recipient: vk(suite, &pb, false),
        },
        KeyAgreementScheme::StaticUnifiedModel => SendKey::StaticUnified {
            own: sk(suite, a, false),
            recipient: vk(suite, &pb, false),
        },
    };
    let mut wire = vec![0u8; 400];
    let n = seal_general_ciphering(
        &RustCrypto,
        &header(suite, a_title, &b_title, &tid),
        &send,
        &[],
        PLAIN,
        &mut wire,
    )
    .unwrap();
    wire.truncate(n);
    let Apdu::GeneralCiphering(g) = Apdu::decode(&wire).unwrap() else {
        panic!()
    };
    let Some(KeyInfo::AgreedKey {
        key_parameters,
        key_ciphered_data,
    }) = g.key_info
    else {
        panic!("agreed key")
    };
    assert_eq!(key_parameters, [scheme.parameter()]);
    let half = if suite == SecuritySuite::Suite2 {
        96
    } else {
        64
    };
    match scheme {
        KeyAgreementScheme::OnePassDiffieHellman => {
            assert_eq!(key_ciphered_data.len(), 2 * half, "public key ‖ signature");
        }
        KeyAgreementScheme::StaticUnifiedModel => assert!(key_ciphered_data.is_empty()),
    }
    let keys = RecvKeys {
        own_agreement: Some(sk(suite, b, false)),
        peer_agreement: Some(vk(suite, &pa, false)),
        peer_signing: Some(vk(suite, &pa, true)),
        ..RecvKeys::default()
    };
    let mut out = [0u8; 64];
    let o =
        open_general_ciphering(&RustCrypto, &policy(suite), &keys, &[], &wire, &mut out).unwrap();
    assert_eq!(o.plaintext, PLAIN);
    wire
}

#[test]
fn agreed_keys_both_schemes_both_suites_both_directions() {
    let (hes, meter, eph) = (party(0x11), party(0x22), party(0x33));
    for suite in [SecuritySuite::Suite1, SecuritySuite::Suite2] {
        for scheme in [
            KeyAgreementScheme::OnePassDiffieHellman,
            KeyAgreementScheme::StaticUnifiedModel,
        ] {
            agree_round_trip(suite, scheme, (&hes, CLIENT), (&meter, METER), &eph);
            agree_round_trip(suite, scheme, (&meter, METER), (&hes, CLIENT), &eph);
        }
    }
}

#[test]
fn agreed_key_tampering_is_refused() {
    let (hes, meter, eph) = (party(0x11), party(0x22), party(0x33));
    let pa = public(&hes);
    for suite in [SecuritySuite::Suite1, SecuritySuite::Suite2] {
        let keys = RecvKeys {
            own_agreement: Some(sk(suite, &meter, false)),
            peer_agreement: Some(vk(suite, &pa, false)),
            peer_signing: Some(vk(suite, &pa, true)),
            ..RecvKeys::default()
        };
        let mut out = [0u8; 64];
        // C(1e,1s): a flipped bit in the ephemeral key's signature.
        let wire = agree_round_trip(
            suite,
            KeyAgreementScheme::OnePassDiffieHellman,
            (&hes, CLIENT),
            (&meter, METER),
            &eph,
        );
        let sig_end = wire.len() - (5 + PLAIN.len() + 12) - 2;
        let mut bad = wire.clone();
        bad[sig_end - 1] ^= 1;
        assert_eq!(
            open_general_ciphering(&RustCrypto, &policy(suite), &keys, &[], &bad, &mut out)
                .unwrap_err(),
            SecurityError::BadSignature
        );
        // C(0e,2s): another transaction-id derives another key.
        let wire = agree_round_trip(
            suite,
            KeyAgreementScheme::StaticUnifiedModel,
            (&hes, CLIENT),
            (&meter, METER),
            &eph,
        );
        let mut bad = wire.clone();
        bad[3] ^= 1; // inside the transaction-id
        assert_eq!(
            open_general_ciphering(&RustCrypto, &policy(suite), &keys, &[], &bad, &mut out)
                .unwrap_err(),
            SecurityError::TagMismatch
        );
        // Missing keys are named.
        let none = RecvKeys::<RustCrypto>::default();
        assert!(matches!(
            open_general_ciphering(&RustCrypto, &policy(suite), &none, &[], &wire, &mut out),
            Err(SecurityError::MissingKey { .. })
        ));
    }
    // Suite 0 has no key agreement.
    let mut wire = [0u8; 300];
    let pm = public(&meter);
    assert!(matches!(
        seal_general_ciphering(
            &RustCrypto,
            &header(SecuritySuite::Suite0, CLIENT, &METER, &[]),
            &SendKey::StaticUnified {
                own: SigningKey::P256(&hes.ka256),
                recipient: VerifyingKey::P256(&pm.ka256),
            },
            &[],
            PLAIN,
            &mut wire,
        ),
        Err(SecurityError::KeyInfo { .. })
    ));
}

/// The KDF of NIST SP 800-56A rev. 2 clause 5.8.1.1, written out here:
/// `K = H(00000001 ‖ Z ‖ AlgorithmID ‖ PartyUInfo ‖ PartyVInfo)`, the key
/// its first `keydatalen` bytes; AlgorithmID 2.16.756.5.8.3.{0,1}.
#[test]
fn kdf_matches_the_standard_formula() {
    let p = RustCrypto;
    let (a, b) = (party(0x44), party(0x55));
    let (pa, pb) = (public(&a), public(&b));
    let tid = [0x01, 0, 0, 0, 0, 0, 0, 0, 0x2a];
    // Suite 1: SHA-256, 16-byte key.
    let z = p.p256_ecdh(&a.ka256, &pb.ka256);
    let z_other = p.p256_ecdh(&b.ka256, &pa.ka256);
    assert_eq!(z.expose(), z_other.expose(), "ECDH agrees");
    let alg = [0x60, 0x85, 0x74, 0x05, 0x08, 0x03, 0x00];
    assert_eq!(alg, algorithm_id(SecuritySuite::Suite1));
    let one_pass = p.sha256(&[&[0, 0, 0, 1], z.expose(), &alg, &CLIENT, &METER]);
    let static_unified = p.sha256(&[&[0, 0, 0, 1], z.expose(), &alg, &CLIENT, &[9], &tid, &METER]);
    for (scheme, want) in [
        (KeyAgreementScheme::OnePassDiffieHellman, &one_pass),
        (KeyAgreementScheme::StaticUnifiedModel, &static_unified),
    ] {
        let k = agreed_key(
            &p,
            SecuritySuite::Suite1,
            scheme,
            &SigningKey::P256(&a.ka256),
            &VerifyingKey::P256(&pb.ka256),
            &CLIENT,
            &tid,
            &METER,
        )
        .unwrap();
        assert_eq!(k.expose(), &want[..16], "{scheme:?}");
        // The recipient derives the same key from its side.
        let k2 = agreed_key(
            &p,
            SecuritySuite::Suite1,
            scheme,
            &SigningKey::P256(&b.ka256),
            &VerifyingKey::P256(&pa.ka256),
            &CLIENT,
            &tid,
            &METER,
        )
        .unwrap();
        assert_eq!(k, k2);
    }
    // Suite 2: SHA-384, 32-byte key, AlgorithmID ends in 1.
    let z = p.p384_ecdh(&a.ka384, &pb.ka384);
    let alg = [0x60, 0x85, 0x74, 0x05, 0x08, 0x03, 0x01];
    let want = p.sha384(&[&[0, 0, 0, 1], z.expose(), &alg, &CLIENT, &METER]);
    let k = agreed_key(
        &p,
        SecuritySuite::Suite2,
        KeyAgreementScheme::OnePassDiffieHellman,
        &SigningKey::P384(&a.ka384),
        &VerifyingKey::P384(&pb.ka384),
        &CLIENT,
        &[],
        &METER,
    )
    .unwrap();
    assert_eq!(k.expose(), &want[..32]);
    // Output longer than one hash: the counter runs 1, 2, ...
    let mut long = [0u8; 40];
    concat_kdf(&p, KdfHash::Sha256, b"zz", &[b"info"], &mut long).unwrap();
    let h1 = p.sha256(&[&[0, 0, 0, 1], b"zz", b"info"]);
    let h2 = p.sha256(&[&[0, 0, 0, 2], b"zz", b"info"]);
    assert_eq!(&long[..32], &h1);
    assert_eq!(&long[32..], &h2[..8]);
    assert!(concat_kdf(&p, KdfHash::Sha256, b"z", &[&b""[..]; 7], &mut long).is_err());
}

#[test]
fn general_ciphering_policy_and_tag_checks() {
    let suite = SecuritySuite::Suite0;
    let k = key(suite, 9);
    let mut h = header(suite, CLIENT, &METER, &[]);
    h.security_control = SecurityControl(0x20); // encryption only
    let mut wire = [0u8; 160];
    let n = seal_general_ciphering::<RustCrypto>(
        &RustCrypto,
        &h,
        &SendKey::Identified { key_id: 0, key: &k },
        &[],
        PLAIN,
        &mut wire,
    )
    .unwrap();
    let keys = RecvKeys::<RustCrypto> {
        global_unicast: Some(&k),
        ..RecvKeys::default()
    };
    let mut out = [0u8; 64];
    assert!(matches!(
        open_general_ciphering(
            &RustCrypto,
            &policy(suite),
            &keys,
            &[],
            &wire[..n],
            &mut out
        ),
        Err(SecurityError::Downgrade { .. })
    ));
    h.security_control = SecurityControl(0x30);
    let n = seal_general_ciphering::<RustCrypto>(
        &RustCrypto,
        &h,
        &SendKey::Identified { key_id: 0, key: &k },
        &[],
        PLAIN,
        &mut wire,
    )
    .unwrap();
    // The tag covers the originator title (in the IV), the security header
    // and the ciphertext; the recipient title, like the other header fields,
    // is outside the AAD (SC ‖ AK) of the Green Book's rule: general-signing
    // is what protects those. Bytes 12..20 hold the recipient title.
    for i in (0..n).filter(|i| !(12..20).contains(i)) {
        for bit in 0..8 {
            let mut bad = wire[..n].to_vec();
            bad[i] ^= 1 << bit;
            assert!(
                open_general_ciphering(&RustCrypto, &policy(suite), &keys, &[], &bad, &mut out)
                    .is_err(),
                "byte {i} bit {bit}"
            );
        }
    }
    // Too small an output buffer is named, never a panic.
    let mut small = [0u8; 20];
    assert!(matches!(
        seal_general_ciphering::<RustCrypto>(
            &RustCrypto,
            &h,
            &SendKey::Identified { key_id: 0, key: &k },
            &[],
            PLAIN,
            &mut small,
        ),
        Err(SecurityError::BufferTooSmall { .. })
    ));
}

mod roundtrip {
    use super::*;
    use proptest::prelude::*;

    fn suite() -> impl Strategy<Value = SecuritySuite> {
        prop_oneof![
            Just(SecuritySuite::Suite0),
            Just(SecuritySuite::Suite1),
            Just(SecuritySuite::Suite2)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Every key-info kind the suite allows, any plaintext, header
        /// fields and counter: open(seal(p)) == p, and the APDU re-encodes
        /// byte for byte.
        #[test]
        fn seal_then_open(
            suite in suite(),
            kind in 0u8..4,
            plain in proptest::collection::vec(any::<u8>(), 0..300),
            tid in proptest::collection::vec(any::<u8>(), 0..12),
            other in proptest::collection::vec(any::<u8>(), 0..6),
            ic in any::<u32>(),
            auth_only in any::<bool>(),
        ) {
            let kind = if suite == SecuritySuite::Suite0 { kind % 2 } else { kind };
            let (hes, meter, eph) = (party(0x11), party(0x22), party(0x33));
            let (ph, pm) = (public(&hes), public(&meter));
            let ek = key(suite, 0x5c);
            let kek = key(suite, 0x6d);
            let send = match kind {
                0 => SendKey::Identified { key_id: 0, key: &ek },
                1 => SendKey::Wrapped { kek: &kek, key: &ek },
                2 => SendKey::OnePass {
                    ephemeral: sk(suite, &eph, false),
                    signer: sk(suite, &hes, true),
                    recipient: vk(suite, &pm, false),
                },
                _ => SendKey::StaticUnified {
                    own: sk(suite, &hes, false),
                    recipient: vk(suite, &pm, false),
                },
            };
            let mut h = header(suite, CLIENT, &METER, &tid);
            h.other_information = &other;
            h.invocation_counter = ic;
            h.security_control = security_control(suite, true, !auth_only);
            let ak = [0xa5u8; 16];
            let mut wire = vec![0u8; plain.len() + 400];
            let n = seal_general_ciphering(&RustCrypto, &h, &send, &ak, &plain, &mut wire).unwrap();
            let apdu = Apdu::decode(&wire[..n]).unwrap();
            let mut re = vec![0u8; n];
            prop_assert_eq!(dual_protocol_dlms_cosem::Encode::encode(&apdu, &mut re).unwrap(), n);
            prop_assert_eq!(&re[..], &wire[..n]);
            let keys = RecvKeys {
                global_unicast: Some(&ek),
                kek: Some(&kek),
                own_agreement: Some(sk(suite, &meter, false)),
                peer_agreement: Some(vk(suite, &ph, false)),
                peer_signing: Some(vk(suite, &ph, true)),
                ..RecvKeys::default()
            };
            let p = SecurityPolicy { suite, authenticated: true, encrypted: !auth_only };
            let mut out = vec![0u8; plain.len() + 64];
            let o = open_general_ciphering(&RustCrypto, &p, &keys, &ak, &wire[..n], &mut out).unwrap();
            prop_assert_eq!(o.plaintext, &plain[..]);
            prop_assert_eq!(o.apdu.content.invocation_counter, ic);
        }
    }
}
