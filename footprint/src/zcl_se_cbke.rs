//! `zcl-se` CBKE (suite 1): certificate parse and ECQV public-key
//! reconstruction, and one Key Establishment responder step (decode a
//! frame, answer into a stack buffer). Pulls in GF(2^163), the ladder, the
//! scalar arithmetic and AES-MMO; no heap.
//!
//! Input: a 48-octet certificate, then a Key Establishment frame.

use dual_protocol_primitives::time::Instant;
use dual_protocol_zcl_se::cbke::machine::{
    Config, KeyEstablishment, LocalIdentity, MAX_FRAME_LEN, Role,
};
use dual_protocol_zcl_se::cbke::{Certificate, Point, SUITE1, Scalar};

pub fn probe(input: &[u8]) -> u32 {
    let (cert_bytes, frame) = input.split_at(input.len().min(48));
    let ca = Scalar::<SUITE1>::from_be_bytes_reduced(&[0x42; 21]);
    let ca_public = Point::<SUITE1>::generator().mul(&ca);
    let mut acc = 0u32;
    let Ok(cert) = Certificate::<SUITE1>::parse(cert_bytes) else {
        return acc;
    };
    if let Ok(q) = cert.public_key(&ca_public) {
        acc ^= q.x.limbs().first().copied().unwrap_or(0) as u32;
    }
    let local = LocalIdentity {
        certificate: cert,
        private_key: Scalar::from_be_bytes_reduced(frame.get(..21).unwrap_or_default()),
        ca_public,
    };
    let eph = Scalar::<SUITE1>::from_be_bytes_reduced(&[0x23; 21]);
    let mut m =
        KeyEstablishment::with_ephemeral_key(Role::Responder, local, Config::default(), eph);
    let now = Instant::from_secs(1);
    let _ = m.handle_input(now, frame);
    let mut out = [0u8; MAX_FRAME_LEN];
    acc ^= m.poll_transmit(now, &mut out).unwrap_or(0) as u32;
    acc ^ u32::from(out.first().copied().unwrap_or(0))
}
