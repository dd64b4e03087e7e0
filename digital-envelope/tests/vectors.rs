//! Public known-answer vectors for every primitive the Digital Envelope
//! uses, run through the crypto provider exactly as the crate calls it
//! (AES-128-CCM with a 13-byte nonce and an 8-byte tag, AES-128-CMAC,
//! ECDSA P-256 with SHA-256, ECDH P-256), plus the SP 800-108 counter-mode
//! structure of the KDF checked against a by-hand composition of CMAC.
//! Each vector cites its source; the data is copied here so the tests run
//! without anything outside this crate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_digital_envelope::kdf;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::crypto::{Aead, CryptoProvider, SecretBytes};
use dual_protocol_primitives::eui64::Eui64;
use hex_literal::hex;

/// RFC 3610 section 8, Packet Vector #1: AES-128-CCM, M = 8 (tag), L = 2
/// (13-byte nonce), 8 bytes of associated data, 23 bytes of payload.
#[test]
fn rfc3610_packet_vector_1_ccm_tag8_nonce13() {
    let p = RustCrypto;
    let key = hex!("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
    let nonce = hex!("00000003020100a0a1a2a3a4a5");
    let aad = hex!("0001020304050607");
    let plain = hex!("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
    let cipher = hex!("588c979a61c663d2f066d0c2c0f989806d5f6b61dac384");
    let tag = hex!("17e8d12cfdf926e0");
    let ccm = p.aes128_ccm(&key, 8, 13).unwrap();
    let mut buf = plain;
    let mut t = [0u8; 8];
    ccm.seal_in_place_detached(&nonce, &aad, &mut buf, &mut t)
        .unwrap();
    assert_eq!(buf, cipher);
    assert_eq!(t, tag);
    ccm.open_in_place_detached(&nonce, &aad, &mut buf, &t)
        .unwrap();
    assert_eq!(buf, plain);
    // A flipped tag bit releases nothing.
    let mut buf = cipher;
    let mut bad = tag;
    bad[0] ^= 1;
    assert!(
        ccm.open_in_place_detached(&nonce, &aad, &mut buf, &bad)
            .is_err()
    );
    assert_eq!(buf, [0u8; 23]);
}

/// RFC 4493 section 4, examples 1 and 2 (AES-128-CMAC).
#[test]
fn rfc4493_cmac_examples() {
    let p = RustCrypto;
    let key = hex!("2b7e151628aed2a6abf7158809cf4f3c");
    assert_eq!(
        p.aes128_cmac(&key, &[]),
        hex!("bb1d6929e95937287fa37d129b756746")
    );
    let m = hex!("6bc1bee22e409f96e93d7e117393172a");
    assert_eq!(
        p.aes128_cmac(&key, &[&m]),
        hex!("070a16b46b4d4144f79bdd9dd04a287c")
    );
    // The same message split into parts, as the KDF feeds it.
    assert_eq!(
        p.aes128_cmac(&key, &[&m[..3], &m[3..9], &m[9..]]),
        hex!("070a16b46b4d4144f79bdd9dd04a287c")
    );
}

/// RFC 6979 appendix A.2.5: ECDSA P-256, SHA-256, message "sample"
/// (deterministic k), and the public key of that private key.
#[test]
fn rfc6979_a25_p256_sha256_sample() {
    let p = RustCrypto;
    let x = hex!("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let ux = hex!("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6");
    let uy = hex!("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
    let sig = hex!(
        "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
        "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
    );
    let sk = p.p256_signing_key(&x).unwrap();
    let public = p.p256_public_key(&sk);
    assert_eq!(public[0], 0x04);
    assert_eq!(public[1..33], ux);
    assert_eq!(public[33..], uy);
    let digest = p.sha256(&[b"sample"]);
    assert_eq!(p.p256_sign_prehash(&sk, &digest).unwrap(), sig);
    let vk = p.p256_verifying_key(&public).unwrap();
    p.p256_verify_prehash(&vk, &digest, &sig).unwrap();
    let mut bad = sig;
    bad[63] ^= 1;
    assert!(p.p256_verify_prehash(&vk, &digest, &bad).is_err());
}

/// RFC 5903 section 8.1: ECDH on the 256-bit random ECP group (P-256).
#[test]
fn rfc5903_p256_ecdh() {
    let p = RustCrypto;
    let i = hex!("c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433");
    let gi = hex!(
        "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
        "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3"
    );
    let r = hex!("c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53");
    let gr = hex!(
        "04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
        "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab"
    );
    let girx = hex!("d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de");
    let ski = p.p256_signing_key(&i).unwrap();
    let skr = p.p256_signing_key(&r).unwrap();
    assert_eq!(p.p256_public_key(&ski), gi);
    assert_eq!(p.p256_public_key(&skr), gr);
    let z1 = p.p256_ecdh(&ski, &p.p256_verifying_key(&gr).unwrap());
    let z2 = p.p256_ecdh(&skr, &p.p256_verifying_key(&gi).unwrap());
    assert_eq!(z1.expose(), &girx);
    assert_eq!(z2.expose(), &girx);
}

/// The KDF is SP 800-56C Rev. 2 two-step (CMAC extraction) followed by the
/// SP 800-108 Rev. 1 counter-mode KDF with CMAC (docs 5.2). This checks the
/// fixed-input layout `[i]_8 ‖ Label ‖ 0x00 ‖ Context ‖ [L]_16` byte by
/// byte against a by-hand composition over the RFC 4493-checked CMAC.
#[test]
fn sp800_108_counter_mode_layout() {
    let p = RustCrypto;
    let z = [0x5a; 32];
    let salt = [0xa5; 16];
    let dk = kdf::extract(&p, &salt, &[&z]);
    assert_eq!(dk.expose(), &p.aes128_cmac(&salt, &[&z]));
    let s = Eui64([1, 2, 3, 4, 5, 6, 7, 8]);
    let r = Eui64([9, 10, 11, 12, 13, 14, 15, 16]);
    let rr = [0x33; 16];
    let (k, iv) = kdf::expand_traffic(&p, &dk, s, r, 0x0a0b0c, &rr);
    let mut input = Vec::new();
    input.push(1u8);
    input.extend_from_slice(b"DPDE/1 traffic");
    input.push(0);
    input.extend_from_slice(&s.0);
    input.extend_from_slice(&r.0);
    input.extend_from_slice(&[0x0a, 0x0b, 0x0c]);
    input.extend_from_slice(&rr);
    input.extend_from_slice(&[0x00, 0xe8]);
    assert_eq!(input.len(), 53);
    assert_eq!(k.expose(), &p.aes128_cmac(dk.expose(), &[&input]));
    input[0] = 2;
    assert_eq!(iv, p.aes128_cmac(dk.expose(), &[&input])[..13]);
    // Swapping sender and recipient gives the other direction's key.
    let (k2, _) = kdf::expand_traffic(&p, &dk, r, s, 0x0a0b0c, &rr);
    assert_ne!(k.expose(), k2.expose());
    let _unused: SecretBytes<16> = k2;
}

/// The nonce of docs 5.3 is IV xor (sender ‖ seq u40).
#[test]
fn nonce_layout() {
    let iv = [0xff; 13];
    let n = kdf::nonce(&iv, Eui64([0, 1, 2, 3, 4, 5, 6, 7]), 0x01_0203_0405);
    assert_eq!(n, hex!("fffefdfcfbfaf9f8fefdfcfbfa"));
}
