//! Known-answer tests of whole key establishments. Suite 1: between the two
//! Certicom test-CA devices (certificates and private keys from
//! zsmartsystems/com.zsmartsystems.zigbee, see tests/cbke_vectors.rs),
//! with fixed ephemeral keys `r_U = 0x3131..31 mod n`, `r_V = 0x3232..32 mod n`.
//!
//! The expected values come from `tests/vectors/cbke_reference.py`, an
//! independent Python big-integer implementation (no shared code). It
//! follows the same reading of SE 07-5356 Annex C (KDF, MAC message
//! layout), so it proves the arithmetic and encodings, not that reading:
//! the specification's own Annex C test data could not be sourced.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_primitives::time::Instant;
use dual_protocol_zcl_se::cbke::kdf;
use dual_protocol_zcl_se::cbke::machine::{
    CMD_CONFIRM_KEY, CMD_EPHEMERAL_DATA, Config, Event, KeyEstablishment, LocalIdentity,
    MAX_FRAME_LEN, Role,
};
use dual_protocol_zcl_se::cbke::{Certificate, Point, SUITE1, Scalar};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const QEU: &str = "02020efa351c3af1b8268857ce54751ae88d7ada431b";
const QEV: &str = "02059875c00b3380d784928cd8e6c3a9985012234d45";
const Z: &str = "058f09b925973296ffe797b2abedb1c74fa82dce87";
const MAC_KEY: &str = "a0de159091c797d740c73747d1c4136a";
const KEY_DATA: &str = "a6e9d3c5b46e9bdfc129039811095e3f";
const MACU: &str = "7696559fb3d388f68dd4096b368470db";
const MACV: &str = "04339592f596cef3c1a6df61521743d9";

#[test]
fn kdf_matches_reference() {
    let keys = kdf::derive_keys(&hex(Z));
    assert_eq!(keys.mac_key.to_vec(), hex(MAC_KEY));
    assert_eq!(keys.key_data.to_vec(), hex(KEY_DATA));
    let id_u = [0x00, 0x22, 0x08, 0, 0, 0, 0, 0x01];
    let id_v = [0x00, 0x22, 0xa3, 0x00, 0x00, 0x17, 0x31, 0xf3];
    let k: [u8; 16] = hex(MAC_KEY).try_into().unwrap();
    let macu = kdf::confirmation_mac(&k, kdf::MAC_U_PREFIX, &id_u, &id_v, &hex(QEU), &hex(QEV));
    let macv = kdf::confirmation_mac(&k, kdf::MAC_V_PREFIX, &id_v, &id_u, &hex(QEV), &hex(QEU));
    assert_eq!(macu.to_vec(), hex(MACU));
    assert_eq!(macv.to_vec(), hex(MACV));
}

#[test]
fn certicom_devices_full_exchange_matches_reference() {
    let ca = Point::<SUITE1>::from_compressed(&hex("0200fde8a7f3d1084224962a4e7c54e69ac3f04da6b8"))
        .unwrap();
    let id = |cert: &str, key: &str| LocalIdentity {
        certificate: Certificate::<SUITE1>::parse(&hex(cert)).unwrap(),
        private_key: Scalar::from_be_bytes_canonical(&hex(key)).unwrap(),
        ca_public: ca,
    };
    let u = id(
        "02020882b1d7df05538f37cdd09a4f6b15368998642b002208000000000154455354534543410109108301234567890a",
        "0392ba4afc2453a49eebe9bca8de73210f02479a4a",
    );
    let v = id(
        "0200caa15b4beede65c3139a5c3bc40c9ad153854a270022a300001731f354455354534543410109108301234567890a",
        "019fcc486fc46980ab4a612725b36f005edff075fe",
    );
    let r_u = Scalar::<SUITE1>::from_be_bytes_reduced(&[0x31; 21]);
    let r_v = Scalar::<SUITE1>::from_be_bytes_reduced(&[0x32; 21]);
    let mut a = KeyEstablishment::with_ephemeral_key(Role::Initiator, u, Config::default(), r_u);
    let mut b = KeyEstablishment::with_ephemeral_key(Role::Responder, v, Config::default(), r_v);
    let now = Instant::from_secs(1);
    a.start(now);
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut seen = Vec::new();
    for _ in 0..3 {
        let n = a.poll_transmit(now, &mut buf).unwrap();
        seen.push(buf[..n].to_vec());
        b.handle_input(now, &buf[..n]).unwrap();
        let n = b.poll_transmit(now, &mut buf).unwrap();
        seen.push(buf[..n].to_vec());
        a.handle_input(now, &buf[..n]).unwrap();
    }
    assert_eq!(seen[2][0], CMD_EPHEMERAL_DATA);
    assert_eq!(seen[2][1..], hex(QEU)[..]);
    assert_eq!(seen[3][1..], hex(QEV)[..]);
    assert_eq!(seen[4][0], CMD_CONFIRM_KEY);
    assert_eq!(seen[4][1..], hex(MACU)[..]);
    assert_eq!(seen[5][1..], hex(MACV)[..]);
    for m in [&mut a, &mut b] {
        match m.poll_event() {
            Some(Event::Established { link_key, .. }) => {
                assert_eq!(link_key.expose().to_vec(), hex(KEY_DATA))
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Suite 2: the one Certicom suite 2 device on both sides (same static key
/// pair for U and V), `r_U = 0x3131..31 mod n`, `r_V = 0x3232..32 mod n`
/// (36 octets); expected values from the same Python reference.
#[test]
fn certicom_suite2_device_full_exchange_matches_reference() {
    use dual_protocol_zcl_se::cbke::SUITE2;
    let ca = Point::<SUITE2>::from_compressed(&hex(
        "0207a445022d9f39f49bdc38380026a27a9e0a1799313ab28c5c1a1c6b605154db1dff6752",
    ))
    .unwrap();
    let ident = || {
        LocalIdentity {
        certificate: Certificate::<SUITE2>::parse(&hex("000b3ad5a312ab75d60d081112131415161718005b7ed230ffffffff0022080000000001080205bb3d1d1576197ff9ab6563915019a130437adb0ee7915432dc4a09c97dc595c5856800")).unwrap(),
        private_key: Scalar::from_be_bytes_canonical(&hex("00997097b87684f62f555173c47be89935fbf6440ae292492b54c5829a0d541f4d26e254")).unwrap(),
        ca_public: ca,
    }
    };
    let r_u = Scalar::<SUITE2>::from_be_bytes_reduced(&[0x31; 36]);
    let r_v = Scalar::<SUITE2>::from_be_bytes_reduced(&[0x32; 36]);
    let mut a =
        KeyEstablishment::with_ephemeral_key(Role::Initiator, ident(), Config::default(), r_u);
    let mut b =
        KeyEstablishment::with_ephemeral_key(Role::Responder, ident(), Config::default(), r_v);
    let now = Instant::from_secs(1);
    a.start(now);
    let mut buf = [0u8; MAX_FRAME_LEN];
    let mut seen = Vec::new();
    for _ in 0..3 {
        let n = a.poll_transmit(now, &mut buf).unwrap();
        seen.push(buf[..n].to_vec());
        b.handle_input(now, &buf[..n]).unwrap();
        let n = b.poll_transmit(now, &mut buf).unwrap();
        seen.push(buf[..n].to_vec());
        a.handle_input(now, &buf[..n]).unwrap();
    }
    assert_eq!(seen[2][1..], hex(S2_QEU)[..]);
    assert_eq!(seen[3][1..], hex(S2_QEV)[..]);
    assert_eq!(seen[4][1..], hex(S2_MACU)[..]);
    assert_eq!(seen[5][1..], hex(S2_MACV)[..]);
    let keys = kdf::derive_keys(&hex(S2_Z));
    assert_eq!(keys.mac_key.to_vec(), hex(S2_MAC_KEY));
    for m in [&mut a, &mut b] {
        match m.poll_event() {
            Some(Event::Established { link_key, .. }) => {
                assert_eq!(link_key.expose().to_vec(), hex(S2_KEY_DATA))
            }
            other => panic!("{other:?}"),
        }
    }
}

const S2_QEU: &str = "0306607b71aa1a12927c2d74344830f9531981471b86156731c825ba93998cbcebcac38228";
const S2_QEV: &str = "0204356f89ea6ac722a3ba5d0cd1dc89cf807f43cb40b6ead50f6179d6d92d66e45cf96676";
const S2_Z: &str = "046942918073d4d2d421fa6c6bfc86282dc7b7731491df2f5b28cc2ee6b70543e52f3f32";
const S2_MAC_KEY: &str = "10af00ae11b9e665d8245fcb335cfaee";
const S2_KEY_DATA: &str = "d542fcea5e28eee1aa68c9f8d3f63420";
const S2_MACU: &str = "1dc770da024ac4a988ace66e53b1ffc6";
const S2_MACV: &str = "0df0312395d048a00bc3b1a8a8312ac0";
