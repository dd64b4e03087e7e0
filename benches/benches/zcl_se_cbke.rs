//! CBKE cost (zcl-se `cbke`): one scalar multiplication (Montgomery ladder)
//! on sect163k1 and sect283k1, one ECMQV shared secret, and a full key
//! establishment (both sides: ephemeral keys, certificate reconstruction,
//! ECMQV, KDF, MACs, all six frames) per suite, beside the P-256 ECDH floor
//! measured in the same run (RustCrypto `p256`, through `primitives`).
//!
//! Run: `cargo bench -p dual-protocol-benches --bench zcl_se_cbke -- --quick`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use criterion::{BenchmarkGroup, criterion_group, criterion_main, measurement::WallTime};
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::time::Instant;
use dual_protocol_zcl_se::cbke::machine::{
    Config, Event, KeyEstablishment, LocalIdentity, MAX_FRAME_LEN, Role,
};
use dual_protocol_zcl_se::cbke::{Certificate, Params, Point, SUITE1, SUITE2, Scalar, SuiteParams};
use std::hint::black_box;

fn p256_ecdh_floor(g: &mut BenchmarkGroup<'_, WallTime>) {
    let p = RustCrypto;
    let sk = p.p256_signing_key(&[0x42; 32]).expect("scalar");
    let peer = p.p256_signing_key(&[0x24; 32]).expect("scalar");
    let vk = p
        .p256_verifying_key(&p.p256_public_key(&peer))
        .expect("point");
    g.bench_function("floor/p256-ecdh", |b| {
        b.iter(|| p.p256_ecdh(black_box(&sk), &vk))
    });
}

fn identity<const N: usize>(subject: u8, seed: u8) -> LocalIdentity<N>
where
    Params<N>: SuiteParams<N>,
{
    let ca = Scalar::<N>::from_be_bytes_reduced(&[0x42; 36]);
    let k = Scalar::<N>::from_be_bytes_reduced(&[seed; 36]);
    let mut t = vec![0u8; Certificate::<N>::LEN];
    if N == SUITE1 {
        t[29] = subject;
        t[30..38].copy_from_slice(b"BENCHCA1");
    } else {
        t[9] = 0x0d;
        t[10] = 0x08;
        t[11..19].copy_from_slice(b"BENCHCA1");
        t[24..28].copy_from_slice(&[0xff; 4]);
        t[35] = subject;
        t[36] = 0x08;
    }
    let (certificate, private_key) = Certificate::<N>::issue(&t, &k, &ca).unwrap();
    LocalIdentity {
        certificate,
        private_key,
        ca_public: Point::generator().mul(&ca),
    }
}

fn full_cbke<const N: usize>(u: &LocalIdentity<N>, v: &LocalIdentity<N>) -> [u8; 16]
where
    Params<N>: SuiteParams<N>,
{
    let now = Instant::from_secs(1);
    let mut a = KeyEstablishment::with_ephemeral_key(
        Role::Initiator,
        u.clone(),
        Config::default(),
        Scalar::from_be_bytes_reduced(&[0x31; 36]),
    );
    let mut b = KeyEstablishment::with_ephemeral_key(
        Role::Responder,
        v.clone(),
        Config::default(),
        Scalar::from_be_bytes_reduced(&[0x32; 36]),
    );
    a.start(now);
    let mut buf = [0u8; MAX_FRAME_LEN];
    for _ in 0..3 {
        let n = a.poll_transmit(now, &mut buf).unwrap();
        b.handle_input(now, &buf[..n]).unwrap();
        let n = b.poll_transmit(now, &mut buf).unwrap();
        a.handle_input(now, &buf[..n]).unwrap();
    }
    match a.poll_event() {
        Some(Event::Established { link_key, .. }) => *link_key.expose(),
        other => panic!("{other:?}"),
    }
}

fn suite<const N: usize>(g: &mut BenchmarkGroup<'_, WallTime>, name: &str)
where
    Params<N>: SuiteParams<N>,
{
    let k = Scalar::<N>::from_be_bytes_reduced(&[0x5a; 36]);
    let gen_ = Point::<N>::generator();
    g.bench_function(format!("{name}/ladder-k*G"), |b| {
        b.iter(|| gen_.mul(black_box(&k)))
    });
    let q = gen_.mul(&Scalar::from_be_bytes_reduced(&[7; 36]));
    g.bench_function(format!("{name}/ladder-k*Q"), |b| {
        b.iter(|| q.mul(black_box(&k)))
    });
    let mut enc = vec![0u8; Point::<N>::COMPRESSED_LEN];
    q.write_compressed(&mut enc);
    g.bench_function(format!("{name}/decompress"), |b| {
        b.iter(|| Point::<N>::from_compressed(black_box(&enc)).unwrap())
    });
    let u = identity::<N>(1, 0x11);
    let v = identity::<N>(2, 0x12);
    g.bench_function(format!("{name}/ecqv-reconstruct"), |b| {
        b.iter(|| u.certificate.public_key(black_box(&u.ca_public)).unwrap())
    });
    g.bench_function(format!("{name}/full-cbke-both-sides"), |b| {
        b.iter(|| full_cbke::<N>(&u, &v))
    });
}

fn benches(c: &mut criterion::Criterion) {
    let mut g = c.benchmark_group("zcl_se_cbke");
    p256_ecdh_floor(&mut g);
    suite::<SUITE1>(&mut g, "suite1-sect163k1");
    suite::<SUITE2>(&mut g, "suite2-sect283k1");
    g.finish();
}

criterion_group! { name = cbke; config = dual_protocol_benches::config(); targets = benches }
criterion_main!(cbke);
