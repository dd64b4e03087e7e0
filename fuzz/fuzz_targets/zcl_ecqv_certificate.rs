//! Smart Energy ECQV certificates (suite 1, 48 octets; suite 2, 74
//! octets): parsing never panics; a parsed certificate re-serialises to its
//! input and reconstructs a public key (against G as the CA key) that is
//! on the curve, or reports an error.
//!
//! Input: the certificate octets (the length picks the suite).
#![no_main]

use dual_protocol_zcl_se::cbke::{Certificate, Params, Point, SUITE1, SUITE2, SuiteParams};
use libfuzzer_sys::fuzz_target;

fn check<const N: usize>(data: &[u8])
where
    Params<N>: SuiteParams<N>,
{
    if let Ok(cert) = Certificate::<N>::parse(data) {
        assert_eq!(cert.as_bytes(), data);
        let _ = cert.check_validity(1_700_000_000);
        if let Ok(q) = cert.public_key(&Point::<N>::generator()) {
            assert!(q.is_on_curve());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check::<SUITE1>(data);
    check::<SUITE2>(data);
    if let Ok(p) = Point::<SUITE1>::from_compressed(data) {
        assert!(p.is_on_curve());
    }
});
