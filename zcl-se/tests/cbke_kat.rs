//! Known-answer test of a whole suite 1 key establishment between the two
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
