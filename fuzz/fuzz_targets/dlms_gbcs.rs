//! Arbitrary bytes into the GBCS and general-ciphering receive paths, as a
//! meter or a head end runs them: `GbcsMessage::decode`, the originator
//! counter check (an accepted counter is refused when offered again), the
//! MAC under the per-message key and the signature; then
//! `open_general_ciphering` with every key kind available (identified,
//! wrapped under a KEK, agreed C(0e,2s) and C(1e,1s) on P-256). Never a
//! panic. (Tags are not asserted to fail: the tag checks are constant-time,
//! but a fuzzer's comparison tracing is not a forgery and must not read as
//! one.)
#![no_main]

use dual_protocol_dlms_cosem::gbcs::{self, AntiReplay, CounterTable, GbcsMessage};
use dual_protocol_dlms_cosem::security::general::{RecvKeys, open_general_ciphering};
use dual_protocol_dlms_cosem::security::signing::{SigningKey, VerifyingKey};
use dual_protocol_dlms_cosem::security::{SecurityKey, SecurityPolicy, SecuritySuite};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

const P: RustCrypto = RustCrypto;

type SigningKeyP256 = <RustCrypto as CryptoProvider>::P256SigningKey;
type VerifyingKeyP256 = <RustCrypto as CryptoProvider>::P256VerifyingKey;

/// Our static key and the peer's public key, built once (a scalar
/// multiplication per input would leave little time for fuzzing).
static KEYS: LazyLock<Option<(SigningKeyP256, VerifyingKeyP256)>> = LazyLock::new(|| {
    let own = P.p256_signing_key(&[0x11; 32]).ok()?;
    let peer = P.p256_signing_key(&[0x22; 32]).ok()?;
    let peer_pub = P.p256_verifying_key(&P.p256_public_key(&peer)).ok()?;
    Some((own, peer_pub))
});

fuzz_target!(|data: &[u8]| {
    let Some((&mode, apdu)) = data.split_first() else {
        return;
    };
    let Some((own, peer_pub)) = KEYS.as_ref() else {
        return;
    };

    if let Ok(m) = GbcsMessage::decode(apdu) {
        let g = &m.grouping;
        let mut replay = AntiReplay::new(CounterTable::<2>::default());
        let counter = g.transaction_id.originator_counter;
        if replay.accept(&g.originator, counter).is_ok() {
            assert!(replay.accept(&g.originator, counter).is_err());
        }
        let _ = gbcs::crypto::verify_signature(&P, peer_pub, &m);
        if let Ok(k) = gbcs::crypto::agree_key(
            &P,
            own,
            peer_pub,
            &g.originator,
            &g.transaction_id.to_bytes(),
            &g.recipient,
        ) {
            let mut work = vec![0u8; apdu.len() + 64];
            let _ = gbcs::crypto::verify_mac(&P, &k, &m, &mut work);
        }
    }

    let (Ok(ek), Ok(bk), Ok(kek)) = (
        SecurityKey::new(&[0x0e; 16]),
        SecurityKey::new(&[0x0b; 16]),
        SecurityKey::new(&[0x4b; 16]),
    ) else {
        return;
    };
    let keys = RecvKeys::<RustCrypto> {
        global_unicast: Some(&ek),
        global_broadcast: Some(&bk),
        kek: Some(&kek),
        own_agreement: Some(SigningKey::P256(own)),
        peer_agreement: Some(VerifyingKey::P256(peer_pub)),
        peer_signing: Some(VerifyingKey::P256(peer_pub)),
    };
    let policy = SecurityPolicy {
        suite: SecuritySuite::from_id(mode & 3).unwrap_or(SecuritySuite::Suite1),
        authenticated: mode & 0x10 != 0,
        encrypted: mode & 0x20 != 0,
    };
    let mut out = vec![0u8; apdu.len()];
    if let Ok(o) = open_general_ciphering(&P, &policy, &keys, &[], apdu, &mut out) {
        assert!(o.plaintext.len() <= apdu.len());
    }
});
