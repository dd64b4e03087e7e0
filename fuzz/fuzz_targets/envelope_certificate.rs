//! Arbitrary bytes as a compact certificate (docs 4): the decoder never
//! panics and re-encodes what it accepts; chain verification against a
//! fixed anchor never panics and never accepts a certificate it did not
//! sign.
#![no_main]

use std::sync::OnceLock;

use dual_protocol_digital_envelope::certificate::{
    Certificate, NoRevocation, TrustAnchor, verify_chain,
};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::datetime::UtcDateTime;
use dual_protocol_primitives::eui64::Eui64;
use libfuzzer_sys::fuzz_target;

fn anchor() -> &'static TrustAnchor<RustCrypto> {
    static A: OnceLock<TrustAnchor<RustCrypto>> = OnceLock::new();
    A.get_or_init(|| {
        let p = RustCrypto;
        let sk = p.p256_signing_key(&p.sha256(&[b"fuzz anchor"])).unwrap();
        TrustAnchor {
            id: Eui64([0x44, 0x50, 0x44, 0x45, 0, 0, 0xca, 0x01]),
            key: p.p256_verifying_key(&p.p256_public_key(&sk)).unwrap(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Certificate::decode(data) {
        assert_eq!(&c.to_bytes()[..], data);
        let now = UtcDateTime::from_unix_seconds(i64::from(c.tbs.not_before)).unwrap();
        // Nobody but the anchor's private key can make this verify.
        assert!(
            verify_chain(
                &RustCrypto,
                &c,
                &[],
                anchor(),
                now,
                &NoRevocation,
                c.tbs.key_usage
            )
            .is_err()
        );
    }
});
