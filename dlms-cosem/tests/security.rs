//! Suite 0/1 ciphering, the policy, replay and HLS-GMAC against the public
//! vectors in `tests/vectors/security.jsonl` (copied from the project's
//! shared set; `line` is the line there, `source` the repository and file):
//! the Green Book example values (EK 000102..0F, AK D0D1..DF, system title
//! 4D4D4D0000BC614E, IC 01234567) as reproduced by u9n/dlms-cosem
//! `tests/test_security.py` and xdom/jdlms `CipheringTest.java`, the
//! general-glo-ciphering UDP push of u9n/dlms-cosem
//! `tests/test_general_global_cipher.py`, and the Austrian Kaifa M-Bus push
//! of reitermarkus/dlms-cosem-rs `src/lib.rs`. Plus tamper, downgrade,
//! replay and wrong-key tests, each with its specific error.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_dlms_cosem::apdu::{KeyScope, SecurityControl};
use dual_protocol_dlms_cosem::security::gcm::{decipher, decrypt_unverified, encipher};
use dual_protocol_dlms_cosem::security::{
    SecurityContext, SecurityError, SecurityKey, SecurityPolicy, SecuritySuite, hls_gmac,
    hls_gmac_verify,
};
use dual_protocol_primitives::counter::{CounterReservation, CounterStore, VolatileStore};
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::replay::ReplayError;
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/security.jsonl");

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn vector(line: u64) -> (Vec<u8>, Value) {
    let v = VECTORS
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["line"] == line)
        .unwrap_or_else(|| panic!("no vector at line {line}"));
    assert!(!v["source"].as_str().unwrap().is_empty());
    (hex(v["hex"].as_str().unwrap()), v)
}

fn key(v: &Value, name: &str) -> SecurityKey {
    SecurityKey::new(&hex(v["expect"][name].as_str().unwrap())).unwrap()
}

fn title(s: &str) -> [u8; 8] {
    hex(s).try_into().unwrap()
}

const GB_TITLE: &str = "4d4d4d0000bc614e";
const GB_EK: &str = "000102030405060708090a0b0c0d0e0f";
const GB_AK: &str = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";

fn gb_key(s: &str) -> SecurityKey {
    SecurityKey::new(&hex(s)).unwrap()
}

/// A context with the Green Book keys; `own` is its system title, the peer
/// is the Green Book client title.
fn gb_context(policy: SecurityPolicy, own: [u8; 8], next_ic: u64) -> SecurityContext<RustCrypto> {
    let mut c = SecurityContext::new(
        RustCrypto,
        policy,
        own,
        &gb_key(GB_EK),
        gb_key(GB_AK),
        CounterReservation::resume(next_ic, 16, u64::from(u32::MAX)),
    )
    .unwrap();
    c.set_peer_system_title(title(GB_TITLE));
    c
}

fn auth_enc() -> SecurityPolicy {
    SecurityPolicy::authenticated_encrypted(SecuritySuite::Suite0)
}

#[test]
fn green_book_gcm_auth_enc_suite0() {
    // line 1: ciphertext ‖ tag for SC 0x30.
    let (bytes, v) = vector(1);
    let e = &v["expect"];
    let plain = hex(e["plaintext"].as_str().unwrap());
    let st = title(e["system_title"].as_str().unwrap());
    let sc = SecurityControl(0x30);
    let mut out = [0u8; 64];
    let n = encipher(
        &RustCrypto,
        &key(&v, "ek"),
        &key(&v, "ak"),
        sc,
        &st,
        0x0123_4567,
        &plain,
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[..n], &bytes[..]);
    assert_eq!(
        &bytes[bytes.len() - 12..],
        &hex(e["tag"].as_str().unwrap())[..]
    );
    let mut back = [0u8; 64];
    let p = decipher(
        &RustCrypto,
        &key(&v, "ek"),
        &key(&v, "ak"),
        sc,
        &st,
        0x0123_4567,
        &bytes,
        &mut back,
    )
    .unwrap();
    assert_eq!(p, &plain[..]);
}

#[test]
fn glo_get_request_both_directions() {
    let (bytes, v) = vector(2);
    let plain = hex(v["expect"]["plaintext"].as_str().unwrap());
    // The meter opens the client's APDU.
    let mut meter = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    let mut out = [0u8; 64];
    let r = meter.unprotect(&bytes, &mut out).unwrap();
    assert_eq!(r.plaintext, &plain[..]);
    assert_eq!(r.invocation_counter, 0x0123_4567);
    assert_eq!(r.scope, KeyScope::Global);
    assert_eq!(r.security_control, SecurityControl(0x30));
    // The client, whose next counter is 01234567, produces the same bytes.
    let mut client = gb_context(auth_enc(), title(GB_TITLE), 0x0123_4567);
    let mut store = VolatileStore::default();
    let mut wire = [0u8; 64];
    let n = client
        .protect(&mut store, KeyScope::Global, &plain, &mut wire)
        .unwrap();
    assert_eq!(&wire[..n], &bytes[..]);
    assert!(
        store.mark > 0x0123_4567,
        "the reservation was persisted before use"
    );
    // The next APDU uses the next counter.
    let n2 = client
        .protect(&mut store, KeyScope::Global, &plain, &mut wire)
        .unwrap();
    assert_eq!(n2, n);
    assert_eq!(&wire[3..7], &0x0123_4568u32.to_be_bytes());
}

#[test]
fn glo_get_request_encryption_only() {
    let (bytes, v) = vector(3);
    let plain = hex(v["expect"]["plaintext"].as_str().unwrap());
    let policy = SecurityPolicy {
        suite: SecuritySuite::Suite0,
        authenticated: false,
        encrypted: true,
    };
    let mut meter = gb_context(policy, title("4d4d4d0000000099"), 0);
    let mut out = [0u8; 64];
    assert_eq!(
        meter.unprotect(&bytes, &mut out).unwrap().plaintext,
        &plain[..]
    );
    let mut client = gb_context(policy, title(GB_TITLE), 0x0123_4567);
    let n = client
        .protect(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &plain,
            &mut out,
        )
        .unwrap();
    assert_eq!(&out[..n], &bytes[..]);
    // The policy of the usual association refuses it: a downgrade.
    let mut strict = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    assert_eq!(
        strict.unprotect(&bytes, &mut out),
        Err(SecurityError::Downgrade {
            received: 0x20,
            required: 0x30
        })
    );
    assert_eq!(strict.rejected(), 1);
}

#[test]
fn glo_initiate_request_holds_the_dedicated_key() {
    let (bytes, _) = vector(4);
    let (initiate, v5) = vector(5);
    let mut meter = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    let mut out = [0u8; 64];
    let r = meter.unprotect(&bytes, &mut out).unwrap();
    assert_eq!(r.plaintext, &initiate[..]);
    let dk = hex(v5["expect"]["dedicated_key"].as_str().unwrap());
    assert_eq!(&r.plaintext[3..19], &dk[..]);
}

#[test]
fn dedicated_key_apdus_use_their_own_counter() {
    let (_, v5) = vector(5);
    let dk = hex(v5["expect"]["dedicated_key"].as_str().unwrap());
    let plain = hex("c0010000080000010000ff0200");
    let mut client = gb_context(auth_enc(), title(GB_TITLE), 1000);
    let mut meter = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    let mut store = VolatileStore::default();
    let mut wire = [0u8; 64];
    let mut out = [0u8; 64];
    // No dedicated key yet: refused on both sides.
    assert_eq!(
        client.protect(&mut store, KeyScope::Dedicated, &plain, &mut wire),
        Err(SecurityError::NoDedicatedKey)
    );
    client
        .set_dedicated_key(
            &SecurityKey::new(&dk).unwrap(),
            CounterReservation::resume(0, 4, u64::from(u32::MAX)),
        )
        .unwrap();
    let n = client
        .protect(
            &mut VolatileStore::default(),
            KeyScope::Dedicated,
            &plain,
            &mut wire,
        )
        .unwrap();
    assert_eq!(wire[0], 0xd0, "ded-get-request");
    assert_eq!(
        &wire[3..7],
        &[0, 0, 0, 0],
        "the dedicated key's own counter"
    );
    assert_eq!(
        meter.unprotect(&wire[..n], &mut out),
        Err(SecurityError::NoDedicatedKey)
    );
    meter
        .set_dedicated_key(
            &SecurityKey::new(&dk).unwrap(),
            CounterReservation::resume(0, 4, u64::from(u32::MAX)),
        )
        .unwrap();
    let r = meter.unprotect(&wire[..n], &mut out).unwrap();
    assert_eq!((r.scope, r.plaintext), (KeyScope::Dedicated, &plain[..]));
    // A ded- APDU is not accepted under the global key and vice versa: the
    // same counter is still fresh for the global window, but the tag fails.
    let mut forged = wire[..n].to_vec();
    forged[0] = 0xc8;
    assert_eq!(
        meter.unprotect(&forged, &mut out),
        Err(SecurityError::TagMismatch)
    );
}

#[test]
fn hls5_gmac_green_book() {
    let (bytes, v) = vector(6);
    let e = &v["expect"];
    let client = title(e["client_system_title"].as_str().unwrap());
    let stoc = hex(e["stoc_challenge"].as_str().unwrap());
    let mut reply = [0u8; 17];
    hls_gmac(
        &RustCrypto,
        SecuritySuite::Suite0,
        &key(&v, "ek"),
        &key(&v, "ak"),
        &client,
        1,
        &stoc,
        &mut reply,
    )
    .unwrap();
    assert_eq!(&reply[..5], &hex("1000000001")[..]);
    assert_eq!(&reply[5..], &bytes[..]);
    let ic = hls_gmac_verify(
        &RustCrypto,
        SecuritySuite::Suite0,
        &key(&v, "ek"),
        &key(&v, "ak"),
        &client,
        &stoc,
        &reply,
    )
    .unwrap();
    assert_eq!(ic, 1);
    // The other challenge, another title, a flipped bit: all refused.
    let ctos = hex(e["ctos_challenge"].as_str().unwrap());
    let verify = |t: &[u8; 8], ch: &[u8], r: &[u8]| {
        hls_gmac_verify(
            &RustCrypto,
            SecuritySuite::Suite0,
            &key(&v, "ek"),
            &key(&v, "ak"),
            t,
            ch,
            r,
        )
    };
    assert_eq!(
        verify(&client, &ctos, &reply),
        Err(SecurityError::TagMismatch)
    );
    assert_eq!(
        verify(&title(GB_TITLE), &stoc, &reply),
        Err(SecurityError::TagMismatch)
    );
    for bit in 0..17 * 8 {
        let mut r = reply;
        r[bit / 8] ^= 1 << (bit % 8);
        assert!(verify(&client, &stoc, &r).is_err(), "bit {bit}");
    }
    let mut r = reply;
    r[0] = 0x30;
    assert_eq!(
        verify(&client, &stoc, &r),
        Err(SecurityError::Downgrade {
            received: 0x30,
            required: 0x10
        })
    );
    assert_eq!(
        verify(&client, &stoc, &reply[..16]),
        Err(SecurityError::TagMismatch)
    );
}

#[test]
fn general_glo_ciphering_udp_push() {
    let (bytes, v) = vector(47);
    let e = &v["expect"];
    let st = title(e["system_title"].as_str().unwrap());
    let plain = hex(e["plaintext"].as_str().unwrap());
    // The head end knows no peer title: the container's own is used.
    let mut head_end = SecurityContext::new(
        RustCrypto,
        auth_enc(),
        title("0000000000000001"),
        &key(&v, "ek"),
        key(&v, "ak"),
        CounterReservation::resume(0, 16, u64::from(u32::MAX)),
    )
    .unwrap();
    let mut out = [0u8; 128];
    let r = head_end.unprotect(&bytes, &mut out).unwrap();
    assert_eq!(r.plaintext, &plain[..]);
    assert_eq!(
        u64::from(r.invocation_counter),
        e["invocation_counter"].as_u64().unwrap()
    );
    // The meter side re-creates the exact push.
    let mut meter = SecurityContext::new(
        RustCrypto,
        auth_enc(),
        st,
        &key(&v, "ek"),
        key(&v, "ak"),
        CounterReservation::resume(485, 16, u64::from(u32::MAX)),
    )
    .unwrap();
    let mut wire = [0u8; 128];
    let n = meter
        .protect_general(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &plain,
            &mut wire,
        )
        .unwrap();
    assert_eq!(&wire[..n], &bytes[..]);
    // Replayed: refused as a duplicate, counted.
    assert_eq!(
        head_end.unprotect(&bytes, &mut out),
        Err(SecurityError::Replay(ReplayError::Duplicate { seq: 485 }))
    );
    assert_eq!(head_end.rejected(), 1);
}

#[test]
fn general_glo_ciphering_without_title_needs_a_known_peer() {
    let (bytes, _) = vector(48);
    let mut c = SecurityContext::new(
        RustCrypto,
        auth_enc(),
        title("0000000000000001"),
        &gb_key(GB_EK),
        gb_key(GB_AK),
        CounterReservation::resume(0, 16, u64::from(u32::MAX)),
    )
    .unwrap();
    let mut out = [0u8; 64];
    assert_eq!(
        c.unprotect(&bytes, &mut out),
        Err(SecurityError::SystemTitle { len: 0 })
    );
}

#[test]
fn kaifa_push_suite1_encryption_only() {
    let (bytes, v) = vector(50);
    let e = &v["expect"];
    let plain = hex(e["plaintext"].as_str().unwrap());
    let policy = SecurityPolicy {
        suite: SecuritySuite::Suite1,
        authenticated: false,
        encrypted: true,
    };
    let mut c = SecurityContext::new(
        RustCrypto,
        policy,
        title("0000000000000001"),
        &key(&v, "ek"),
        key(&v, "ek"),
        CounterReservation::resume(0, 16, u64::from(u32::MAX)),
    )
    .unwrap();
    let mut out = [0u8; 512];
    let r = c.unprotect(&bytes, &mut out).unwrap();
    assert_eq!(r.plaintext, &plain[..]);
    assert_eq!(
        u64::from(r.invocation_counter),
        e["invocation_counter"].as_u64().unwrap()
    );
    // Under a suite-0 policy the same push is a suite mismatch.
    let mut s0 = SecurityContext::new(
        RustCrypto,
        SecurityPolicy {
            suite: SecuritySuite::Suite0,
            authenticated: false,
            encrypted: true,
        },
        title("0000000000000001"),
        &key(&v, "ek"),
        key(&v, "ek"),
        CounterReservation::resume(0, 16, u64::from(u32::MAX)),
    )
    .unwrap();
    assert_eq!(
        s0.unprotect(&bytes, &mut out),
        Err(SecurityError::SuiteMismatch {
            expected: 0,
            received: 1
        })
    );
}

#[test]
fn every_bit_flip_of_an_authenticated_apdu_is_rejected() {
    let (bytes, _) = vector(2);
    for bit in 0..bytes.len() * 8 {
        let mut t = bytes.clone();
        t[bit / 8] ^= 1 << (bit % 8);
        let mut meter = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
        let mut out = [0u8; 64];
        let r = meter.unprotect(&t, &mut out);
        assert!(r.is_err(), "bit {bit} accepted");
        // Flips in the counter, ciphertext or tag are tag failures.
        if bit / 8 >= 3 {
            assert_eq!(r, Err(SecurityError::TagMismatch), "bit {bit}");
            assert!(
                out.iter().all(|&b| b == 0),
                "no plaintext released (bit {bit})"
            );
        }
        assert_eq!(meter.rejected(), 1);
    }
    // Security control flips: each specific.
    let mut meter = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    let mut out = [0u8; 64];
    for (sc, err) in [
        (
            0x20,
            SecurityError::Downgrade {
                received: 0x20,
                required: 0x30,
            },
        ),
        (
            0x10,
            SecurityError::Downgrade {
                received: 0x10,
                required: 0x30,
            },
        ),
        (
            0x00,
            SecurityError::Downgrade {
                received: 0x00,
                required: 0x30,
            },
        ),
        (
            0x31,
            SecurityError::SuiteMismatch {
                expected: 0,
                received: 1,
            },
        ),
        (0xb0, SecurityError::Compressed),
        (0x70, SecurityError::TagMismatch),
    ] {
        let mut t = bytes.clone();
        t[2] = sc;
        assert_eq!(meter.unprotect(&t, &mut out), Err(err), "sc {sc:02x}");
    }
}

#[test]
fn wrong_keys_are_rejected() {
    let (bytes, _) = vector(2);
    let mut out = [0u8; 64];
    for (ek, ak) in [(GB_AK, GB_AK), (GB_EK, GB_EK)] {
        let mut m = SecurityContext::new(
            RustCrypto,
            auth_enc(),
            title("4d4d4d0000000099"),
            &gb_key(ek),
            gb_key(ak),
            CounterReservation::resume(0, 1, 10),
        )
        .unwrap();
        m.set_peer_system_title(title(GB_TITLE));
        assert_eq!(
            m.unprotect(&bytes, &mut out),
            Err(SecurityError::TagMismatch)
        );
    }
    // Keys are 16 or 32 bytes, and must be the suite's length.
    assert!(SecurityKey::new(&[0u8; 15]).is_err());
    let suite2 = SecurityPolicy::authenticated_encrypted(SecuritySuite::Suite2);
    let r = SecurityContext::new(
        RustCrypto,
        suite2,
        title(GB_TITLE),
        &gb_key(GB_EK),
        gb_key(GB_AK),
        CounterReservation::resume(0, 1, 10),
    );
    assert!(matches!(r, Err(SecurityError::Crypto(_))));
    let k32 = SecurityKey::new(&[7u8; 32]).unwrap();
    let mut c = gb_context(auth_enc(), title(GB_TITLE), 0);
    assert!(matches!(
        c.set_dedicated_key(&k32, CounterReservation::resume(0, 1, 10)),
        Err(SecurityError::Crypto(_))
    ));
}

#[test]
fn authenticated_only_is_verified_and_not_encrypted() {
    let plain = hex("c0010000080000010000ff0200");
    let policy = SecurityPolicy {
        suite: SecuritySuite::Suite0,
        authenticated: true,
        encrypted: false,
    };
    let mut client = gb_context(policy, title(GB_TITLE), 7);
    let mut wire = [0u8; 64];
    let n = client
        .protect(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &plain,
            &mut wire,
        )
        .unwrap();
    assert_eq!(&wire[..3], &[0xc8, 5 + 13 + 12, 0x10]);
    assert_eq!(&wire[7..7 + plain.len()], &plain[..], "plaintext visible");
    let mut meter = gb_context(policy, title("4d4d4d0000000099"), 0);
    let mut out = [0u8; 64];
    assert_eq!(
        meter.unprotect(&wire[..n], &mut out).unwrap().plaintext,
        &plain[..]
    );
    for bit in 24..n * 8 {
        let mut t = wire[..n].to_vec();
        t[bit / 8] ^= 1 << (bit % 8);
        let mut m = gb_context(policy, title("4d4d4d0000000099"), 0);
        assert_eq!(
            m.unprotect(&t, &mut out),
            Err(SecurityError::TagMismatch),
            "bit {bit}"
        );
    }
    // An auth+enc policy refuses authenticated-only.
    let mut strict = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    assert_eq!(
        strict.unprotect(&wire[..n], &mut out),
        Err(SecurityError::Downgrade {
            received: 0x10,
            required: 0x30
        })
    );
}

#[test]
fn replay_window_rejects_old_and_duplicate_counters() {
    let plain = hex("c0010000080000010000ff0200");
    let mut client = gb_context(auth_enc(), title(GB_TITLE), 1000);
    let mut store = VolatileStore::default();
    let mut frames = Vec::new();
    for _ in 0..200 {
        let mut w = [0u8; 64];
        let n = client
            .protect(&mut store, KeyScope::Global, &plain, &mut w)
            .unwrap();
        frames.push(w[..n].to_vec());
    }
    let mut meter = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    let mut out = [0u8; 64];
    // Out of order within the window is fine.
    meter.unprotect(&frames[100], &mut out).unwrap();
    meter.unprotect(&frames[99], &mut out).unwrap();
    meter.unprotect(&frames[199], &mut out).unwrap();
    assert_eq!(
        meter.unprotect(&frames[199], &mut out),
        Err(SecurityError::Replay(ReplayError::Duplicate { seq: 1199 }))
    );
    assert!(matches!(
        meter.unprotect(&frames[0], &mut out),
        Err(SecurityError::Replay(ReplayError::TooOld { seq: 1000, .. }))
    ));
    // A forged frame with a fresh counter does not move the window.
    let mut forged = frames[150].clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(
        meter.unprotect(&forged, &mut out),
        Err(SecurityError::TagMismatch)
    );
    meter.unprotect(&frames[150], &mut out).unwrap();
    assert_eq!(meter.rejected(), 3);
}

#[test]
fn counters_exhaust_and_store_failures_stop_sending() {
    let plain = hex("c0010000080000010000ff0200");
    let mut w = [0u8; 64];
    let mut c = SecurityContext::new(
        RustCrypto,
        auth_enc(),
        title(GB_TITLE),
        &gb_key(GB_EK),
        gb_key(GB_AK),
        CounterReservation::resume(u64::from(u32::MAX), 1, u64::from(u32::MAX)),
    )
    .unwrap();
    c.protect(
        &mut VolatileStore::default(),
        KeyScope::Global,
        &plain,
        &mut w,
    )
    .unwrap();
    assert_eq!(
        c.protect(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &plain,
            &mut w
        ),
        Err(SecurityError::CounterExhausted)
    );
    // A reservation that goes past u32 is refused, never wrapped.
    let mut c2 = gb_context(auth_enc(), title(GB_TITLE), u64::from(u32::MAX) + 1);
    assert_eq!(
        c2.protect(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &plain,
            &mut w
        ),
        Err(SecurityError::CounterExhausted)
    );
    struct Failing;
    impl CounterStore for Failing {
        type Error = ();
        fn persist(&mut self, _: u64) -> Result<(), ()> {
            Err(())
        }
    }
    let mut c3 = gb_context(auth_enc(), title(GB_TITLE), 0);
    assert_eq!(
        c3.protect(&mut Failing, KeyScope::Global, &plain, &mut w),
        Err(SecurityError::CounterPersist)
    );
    // Too small an output buffer: no counter is spent.
    let mut c4 = gb_context(auth_enc(), title(GB_TITLE), 5);
    assert_eq!(
        c4.protect(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &plain,
            &mut w[..31]
        ),
        Err(SecurityError::BufferTooSmall { needed: 32 })
    );
    let n = c4
        .protect(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &plain,
            &mut w,
        )
        .unwrap();
    assert_eq!((n, &w[3..7]), (32, &5u32.to_be_bytes()[..]));
}

#[test]
fn unprotected_and_unknown_apdus_are_refused() {
    let mut meter = gb_context(auth_enc(), title("4d4d4d0000000099"), 0);
    let mut out = [0u8; 64];
    let plain = hex("c0010000080000010000ff0200");
    assert_eq!(
        meter.unprotect(&plain, &mut out),
        Err(SecurityError::NotProtected { tag: 0xc0 })
    );
    assert!(matches!(
        meter.unprotect(&[0xc8, 0x03, 0x30, 0, 0], &mut out),
        Err(SecurityError::Decode(_))
    ));
    assert!(matches!(
        meter.unprotect(&[], &mut out),
        Err(SecurityError::Decode(_))
    ));
    // A glo-get-request that holds a set-request.
    let mut client = gb_context(auth_enc(), title(GB_TITLE), 1);
    let mut w = [0u8; 64];
    let n = client
        .protect_general(
            &mut VolatileStore::default(),
            KeyScope::Global,
            &hex("c1010000"),
            &mut w,
        )
        .unwrap();
    assert_eq!(w[0], 0xdb);
    // Re-wrap the general container's content as a glo-get-request.
    let mut g = vec![0xc8];
    g.extend_from_slice(&w[10..n]);
    assert_eq!(
        meter.unprotect(&g, &mut out),
        Err(SecurityError::ServiceMismatch {
            expected: 0xc0,
            found: 0xc1
        })
    );
    // Unknown suites are refused by the ciphering itself.
    let sc = SecurityControl(0x33);
    assert_eq!(
        encipher(
            &RustCrypto,
            &gb_key(GB_EK),
            &gb_key(GB_AK),
            sc,
            &title(GB_TITLE),
            1,
            &plain,
            &mut out
        ),
        Err(SecurityError::UnknownSuite { id: 3 })
    );
}

#[test]
fn decryption_without_verification_is_separate() {
    let (bytes, v) = vector(2);
    let plain = hex(v["expect"]["plaintext"].as_str().unwrap());
    let payload = &bytes[7..];
    let mut out = [0u8; 64];
    let st = title(GB_TITLE);
    let p = decrypt_unverified(
        &RustCrypto,
        &gb_key(GB_EK),
        SecurityControl(0x30),
        &st,
        0x0123_4567,
        payload,
        &mut out,
    )
    .unwrap();
    assert_eq!(p, &plain[..]);
    // With a broken tag it still decrypts (that is its purpose) ...
    let mut t = payload.to_vec();
    let last = t.len() - 1;
    t[last] ^= 0xff;
    let p = decrypt_unverified(
        &RustCrypto,
        &gb_key(GB_EK),
        SecurityControl(0x30),
        &st,
        0x0123_4567,
        &t,
        &mut out,
    )
    .unwrap();
    assert_eq!(p, &plain[..]);
    // ... while the verifying call refuses it.
    assert_eq!(
        decipher(
            &RustCrypto,
            &gb_key(GB_EK),
            &gb_key(GB_AK),
            SecurityControl(0x30),
            &st,
            0x0123_4567,
            &t,
            &mut out
        ),
        Err(SecurityError::TagMismatch)
    );
    // Nothing to decrypt in an authenticated-only payload.
    assert_eq!(
        decrypt_unverified(
            &RustCrypto,
            &gb_key(GB_EK),
            SecurityControl(0x10),
            &st,
            1,
            payload,
            &mut out
        ),
        Err(SecurityError::Downgrade {
            received: 0x10,
            required: 0x20
        })
    );
}

#[test]
fn keys_are_never_printed() {
    let k = gb_key(GB_EK);
    let c = gb_context(auth_enc(), title(GB_TITLE), 0);
    for s in [format!("{k:?}"), format!("{c:?}")] {
        assert!(
            !s.contains("0102030405") && !s.contains("d0d1") && !s.contains("[0, 1, 2"),
            "{s}"
        );
    }
}
