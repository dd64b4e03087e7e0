//! Arbitrary bytes into the DLMS deciphering path: a security context with
//! the Green Book keys and a known peer title unprotects them (glo-, ded-,
//! general-glo/ded-ciphering). Never panics; whatever is accepted must be
//! refused when offered again (replay), and the unverified decryption
//! never panics either.
#![no_main]

use dual_protocol_dlms_cosem::apdu::SecurityControl;
use dual_protocol_dlms_cosem::security::gcm::decrypt_unverified;
use dual_protocol_dlms_cosem::security::{
    SecurityContext, SecurityKey, SecurityPolicy, SecuritySuite,
};
use dual_protocol_primitives::counter::CounterReservation;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use libfuzzer_sys::fuzz_target;

const EK: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const AK: [u8; 16] = [
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
];

fuzz_target!(|data: &[u8]| {
    let (Ok(ek), Ok(ak)) = (SecurityKey::new(&EK), SecurityKey::new(&AK)) else {
        return;
    };
    let Some((&mode, apdu)) = data.split_first() else {
        return;
    };
    let policy = SecurityPolicy {
        suite: SecuritySuite::from_id(mode & 3).unwrap_or(SecuritySuite::Suite0),
        authenticated: mode & 0x10 != 0,
        encrypted: mode & 0x20 != 0,
    };
    let Ok(mut c) = SecurityContext::new(
        RustCrypto,
        policy,
        *b"METER001",
        &ek,
        ak,
        CounterReservation::resume(0, 1, 1),
    ) else {
        return;
    };
    c.set_peer_system_title([0x4d, 0x4d, 0x4d, 0, 0, 0xbc, 0x61, 0x4e]);
    if c.set_dedicated_key(&ek, CounterReservation::resume(0, 1, 1))
        .is_err()
    {
        return;
    }
    let mut out = vec![0u8; apdu.len() + 64];
    if c.unprotect(apdu, &mut out).is_ok() {
        assert!(c.unprotect(apdu, &mut out).is_err(), "replay accepted");
    }
    if apdu.len() >= 5 {
        let _ = decrypt_unverified(
            &RustCrypto,
            &ek,
            SecurityControl(mode),
            b"METER001",
            7,
            apdu,
            &mut out,
        );
    }
});
