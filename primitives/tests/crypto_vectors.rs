//! Known-answer tests for the RustCrypto provider, from the public standards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(feature = "rustcrypto")]

use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::crypto::{Aead, CryptoError, CryptoProvider};
use hex_literal::hex;

const P: RustCrypto = RustCrypto;

/// FIPS 180-2 Appendix B.1 ("abc") and B.2 (two-block message).
#[test]
fn sha256_fips180() {
    assert_eq!(
        P.sha256(&[b"abc"]),
        hex!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        P.sha256(&[
            b"abcdbcdecdefdefgefghfghighij",
            b"hijkijkljklmklmnlmnomnopnopq"
        ]),
        hex!("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    );
}

/// FIPS 180-2 Appendix D.1 ("abc").
#[test]
fn sha384_fips180() {
    assert_eq!(
        P.sha384(&[b"a", b"bc"]),
        hex!(
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7"
        )
    );
}

/// RFC 4493 section 4 (NIST SP 800-38B examples), AES-128 key 2b7e1516...
#[test]
fn cmac_rfc4493() {
    let key = hex!("2b7e151628aed2a6abf7158809cf4f3c");
    assert_eq!(
        P.aes128_cmac(&key, &[]),
        hex!("bb1d6929e95937287fa37d129b756746")
    );
    assert_eq!(
        P.aes128_cmac(&key, &[&hex!("6bc1bee22e409f96e93d7e117393172a")]),
        hex!("070a16b46b4d4144f79bdd9dd04a287c")
    );
    let m40 =
        hex!("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411");
    assert_eq!(
        P.aes128_cmac(&key, &[&m40[..7], &m40[7..]]),
        hex!("dfa66747de9ae63030ca32611497c827")
    );
}

/// RFC 3610 section 8, packet vector #1 (AES-128-CCM, M = 8, L = 2).
#[test]
fn ccm_rfc3610_packet_1() {
    let key = hex!("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
    let nonce = hex!("00000003020100a0a1a2a3a4a5");
    let aad = hex!("0001020304050607");
    let mut buf = hex!("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
    let ccm = P.aes128_ccm(&key, 8, 13).unwrap();
    let mut tag = [0u8; 8];
    ccm.seal_in_place_detached(&nonce, &aad, &mut buf, &mut tag)
        .unwrap();
    assert_eq!(buf, hex!("588c979a61c663d2f066d0c2c0f989806d5f6b61dac384"));
    assert_eq!(tag, hex!("17e8d12cfdf926e0"));
    ccm.open_in_place_detached(&nonce, &aad, &mut buf, &tag)
        .unwrap();
    assert_eq!(buf, hex!("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e"));
}

#[test]
fn ccm_rejects_tamper_and_zeroes_buffer() {
    let key = hex!("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
    let nonce = hex!("00000003020100a0a1a2a3a4a5");
    let ccm = P.aes128_ccm(&key, 4, 13).unwrap();
    let mut buf = *b"meter reading 42";
    let mut tag = [0u8; 4];
    ccm.seal_in_place_detached(&nonce, b"hdr", &mut buf, &mut tag)
        .unwrap();
    for bit in 0..(buf.len() * 8) {
        let mut b = buf;
        b[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            ccm.open_in_place_detached(&nonce, b"hdr", &mut b, &tag),
            Err(CryptoError::TagMismatch)
        );
        assert!(b.iter().all(|&x| x == 0));
    }
    let mut b = buf;
    assert_eq!(
        ccm.open_in_place_detached(&nonce, b"hdR", &mut b, &tag),
        Err(CryptoError::TagMismatch)
    );
    assert_eq!(
        P.aes128_ccm(&key, 5, 13).err(),
        Some(CryptoError::InvalidLength)
    );
    assert_eq!(
        ccm.seal_in_place_detached(&nonce[..12], b"", &mut [0u8; 4], &mut [0u8; 4]),
        Err(CryptoError::InvalidLength)
    );
}

/// The GCM specification (McGrew and Viega), test cases 2 and 4 (AES-128).
#[test]
fn gcm_test_cases() {
    let gcm = P.aes_gcm(&[0u8; 16], 16).unwrap();
    let mut buf = [0u8; 16];
    let mut tag = [0u8; 16];
    gcm.seal_in_place_detached(&[0u8; 12], &[], &mut buf, &mut tag)
        .unwrap();
    assert_eq!(buf, hex!("0388dace60b6a392f328c2b971b2fe78"));
    assert_eq!(tag, hex!("ab6e47d42cec13bdf53a67b21257bddf"));

    let key = hex!("feffe9928665731c6d6a8f9467308308");
    let iv = hex!("cafebabefacedbaddecaf888");
    let aad = hex!("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let mut buf = hex!(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    );
    let gcm = P.aes_gcm(&key, 16).unwrap();
    gcm.seal_in_place_detached(&iv, &aad, &mut buf, &mut tag)
        .unwrap();
    assert_eq!(
        buf,
        hex!(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
        )
    );
    assert_eq!(tag, hex!("5bc94fbc3221a5db94fae95ae7121a47"));

    // 12-byte tags (DLMS) are the truncation of the 16-byte tag.
    let gcm12 = P.aes_gcm(&key, 12).unwrap();
    let mut t12 = [0u8; 12];
    gcm12
        .open_in_place_detached(&iv, &aad, &mut buf, &tag[..12])
        .unwrap();
    gcm12
        .seal_in_place_detached(&iv, &aad, &mut buf, &mut t12)
        .unwrap();
    assert_eq!(t12, tag[..12]);
    assert_eq!(
        P.aes_gcm(&key[..15], 12).err(),
        Some(CryptoError::InvalidKey)
    );
}

/// RFC 6979 appendix A.2.5: P-256, SHA-256, message "sample".
#[test]
fn p256_rfc6979() {
    let x = hex!("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let sk = P.p256_signing_key(&x).unwrap();
    let public = P.p256_public_key(&sk);
    assert_eq!(
        public,
        hex!(
            "04"
            "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
            "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
        )
    );
    let sig = P.p256_sign(&sk, b"sample").unwrap();
    assert_eq!(
        sig,
        hex!(
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
        )
    );
    let vk = P.p256_verifying_key(&public).unwrap();
    P.p256_verify(&vk, b"sample", &sig).unwrap();
    assert_eq!(
        P.p256_verify(&vk, b"samplE", &sig),
        Err(CryptoError::InvalidSignature)
    );
    let mut bad = sig;
    bad[63] ^= 1;
    assert_eq!(
        P.p256_verify(&vk, b"sample", &bad),
        Err(CryptoError::InvalidSignature)
    );
    assert_eq!(P.p256_private_scalar(&sk).expose(), &x);
    assert_eq!(
        P.p256_verifying_key(&public[..64]).err(),
        Some(CryptoError::InvalidPublicKey)
    );
    assert_eq!(
        P.p256_signing_key(&[0u8; 32]).err(),
        Some(CryptoError::InvalidKey)
    );
}

/// RFC 6979 appendix A.2.6: P-384, SHA-384, message "sample".
#[test]
fn p384_rfc6979() {
    let x = hex!(
        "6b9d3dad2e1b8c1c05b19875b6659f4de23c3b667bf297ba9aa47740787137d8"
        "96d5724e4c70a825f872c9ea60d2edf5"
    );
    let sk = P.p384_signing_key(&x).unwrap();
    let sig = P.p384_sign(&sk, b"sample").unwrap();
    assert_eq!(
        sig,
        hex!(
            "94edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c"
            "81a648152e44acf96e36dd1e80fabe46"
            "99ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94f"
            "a329c145786e679e7b82c71a38628ac8"
        )
    );
    let vk = P.p384_verifying_key(&P.p384_public_key(&sk)).unwrap();
    P.p384_verify(&vk, b"sample", &sig).unwrap();
    assert_eq!(
        P.p384_verify(&vk, b"test", &sig),
        Err(CryptoError::InvalidSignature)
    );
}

/// NIST CAVS ECC CDH primitive test vectors (SP 800-56A), P-256 COUNT = 0.
#[test]
fn p256_ecdh_cavs() {
    let peer = hex!(
        "04"
        "700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287"
        "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac"
    );
    let d = hex!("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534");
    let sk = P.p256_signing_key(&d).unwrap();
    assert_eq!(
        P.p256_public_key(&sk),
        hex!(
            "04"
            "ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281d8a6b230"
            "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59edfce1405141"
        )
    );
    let vk = P.p256_verifying_key(&peer).unwrap();
    assert_eq!(
        P.p256_ecdh(&sk, &vk).expose(),
        &hex!("46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b")
    );
}

#[test]
fn ecdh_agrees_with_random_keys() {
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let a = P.p256_generate(&mut rng);
    let b = P.p256_generate(&mut rng);
    let va = P.p256_verifying_key(&P.p256_public_key(&a)).unwrap();
    let vb = P.p256_verifying_key(&P.p256_public_key(&b)).unwrap();
    assert_eq!(P.p256_ecdh(&a, &vb), P.p256_ecdh(&b, &va));
    let c = P.p384_generate(&mut rng);
    let d = P.p384_generate(&mut rng);
    let vc = P.p384_verifying_key(&P.p384_public_key(&c)).unwrap();
    let vd = P.p384_verifying_key(&P.p384_public_key(&d)).unwrap();
    assert_eq!(P.p384_ecdh(&c, &vd), P.p384_ecdh(&d, &vc));
    assert_eq!(format!("{:?}", P.p256_ecdh(&a, &vb)), "SecretBytes<32>(..)");
}

/// RFC 3394 section 4.1 (128-bit KEK, 128-bit key data) and 4.6 (256-bit
/// KEK, 256-bit key data); 4.1 is also the DLMS Security setup key-transfer
/// example (`../shared/vectors/dlms.jsonl`, source xdom/jdlms
/// SecurityUtilsTest).
#[test]
fn aes_key_wrap_rfc3394() {
    let cases: [(&[u8], &[u8], &[u8]); 2] = [
        (
            &hex!("000102030405060708090A0B0C0D0E0F"),
            &hex!("00112233445566778899AABBCCDDEEFF"),
            &hex!("1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5"),
        ),
        (
            &hex!("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"),
            &hex!("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F"),
            &hex!(
                "28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326"
                "CBC7F0E71A99F43B FB988B9B7A02DD21"
            ),
        ),
    ];
    for (kek, key, wrapped) in cases {
        let mut out = [0u8; 40];
        let n = P.aes_key_wrap(kek, key, &mut out).unwrap();
        assert_eq!(&out[..n], wrapped);
        let mut plain = [0u8; 32];
        let m = P.aes_key_unwrap(kek, wrapped, &mut plain).unwrap();
        assert_eq!(&plain[..m], key);

        // Any single-bit flip fails the RFC 3394 integrity check and leaves
        // the output zeroed.
        for bit in 0..wrapped.len() * 8 {
            let mut bad = wrapped.to_vec();
            bad[bit / 8] ^= 1 << (bit % 8);
            let mut plain = [0xAAu8; 32];
            assert_eq!(
                P.aes_key_unwrap(kek, &bad, &mut plain),
                Err(CryptoError::TagMismatch)
            );
            assert!(plain[..m].iter().all(|&b| b == 0));
        }
    }
}

#[test]
fn aes_key_wrap_rejects_bad_lengths() {
    let kek = [0u8; 16];
    let mut out = [0u8; 64];
    // Fewer than two 64-bit blocks, or not a multiple of 8.
    assert_eq!(
        P.aes_key_wrap(&kek, &[0; 8], &mut out),
        Err(CryptoError::InvalidLength)
    );
    assert_eq!(
        P.aes_key_wrap(&kek, &[0; 17], &mut out),
        Err(CryptoError::InvalidLength)
    );
    // Output too small.
    assert_eq!(
        P.aes_key_wrap(&kek, &[0; 16], &mut out[..23]),
        Err(CryptoError::InvalidLength)
    );
    // KEK neither 16 nor 32 bytes.
    assert_eq!(
        P.aes_key_wrap(&[0; 24], &[0; 16], &mut out),
        Err(CryptoError::InvalidKey)
    );
    assert_eq!(
        P.aes_key_unwrap(&[0; 15], &[0; 24], &mut out),
        Err(CryptoError::InvalidKey)
    );
    assert_eq!(
        P.aes_key_unwrap(&kek, &[0; 16], &mut out),
        Err(CryptoError::InvalidLength)
    );
    assert_eq!(
        P.aes_key_unwrap(&kek, &[0; 25], &mut out),
        Err(CryptoError::InvalidLength)
    );
    assert_eq!(
        P.aes_key_unwrap(&kek, &[0; 24], &mut out[..15]),
        Err(CryptoError::InvalidLength)
    );
}
