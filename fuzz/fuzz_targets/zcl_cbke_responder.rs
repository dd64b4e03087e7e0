//! Key Establishment responder (suite 1) fed arbitrary frames: never
//! panics, never emits more than one frame per input, and every frame it
//! emits decodes as a Key Establishment command.
//!
//! Input: a sequence of frames, each prefixed by its length octet.
#![no_main]

use std::sync::OnceLock;

use dual_protocol_primitives::time::Instant;
use dual_protocol_zcl_se::cbke::machine::{
    Config, KeyEstablishment, LocalIdentity, MAX_FRAME_LEN, Message, Role,
};
use dual_protocol_zcl_se::cbke::{Certificate, Point, SUITE1, Scalar};
use libfuzzer_sys::fuzz_target;

fn identity() -> &'static LocalIdentity<SUITE1> {
    static ID: OnceLock<LocalIdentity<SUITE1>> = OnceLock::new();
    ID.get_or_init(|| {
        let ca = Scalar::<SUITE1>::from_be_bytes_reduced(&[0x42; 21]);
        let k = Scalar::<SUITE1>::from_be_bytes_reduced(&[0x17; 21]);
        let mut template = [0u8; 48];
        template[22..30].copy_from_slice(&[0, 0x0d, 0x6f, 0, 0, 0, 0, 2]);
        template[30..38].copy_from_slice(b"FUZZCA01");
        let (certificate, private_key) =
            Certificate::issue(&template, &k, &ca).unwrap_or_else(|_| unreachable!());
        LocalIdentity {
            certificate,
            private_key,
            ca_public: Point::generator().mul(&ca),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let eph = Scalar::<SUITE1>::from_be_bytes_reduced(&[0x23; 21]);
    let mut m = KeyEstablishment::with_ephemeral_key(
        Role::Responder,
        identity().clone(),
        Config::default(),
        eph,
    );
    let mut rest = data;
    let mut now = Instant::from_secs(1);
    let mut out = [0u8; MAX_FRAME_LEN];
    while let Some((&len, tail)) = rest.split_first() {
        let (frame, tail) = tail.split_at(usize::from(len).min(tail.len()));
        rest = tail;
        let _ = m.handle_input(now, frame);
        if let Some(n) = m.poll_transmit(now, &mut out) {
            assert!(Message::decode::<SUITE1>(&out[..n]).is_ok());
        }
        assert!(m.poll_transmit(now, &mut out).is_none());
        let _ = m.poll_event();
        now = now.saturating_add(core::time::Duration::from_secs(1));
        m.handle_timeout(now);
    }
});
