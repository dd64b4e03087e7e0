//! The floors themselves: what the bare primitives cost on this machine and
//! build. Every other benchmark repeats the floors it compares against in
//! its own run (see `dual_protocol_benches`).

use aes::cipher::{BlockCipherEncrypt, KeyInit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dual_protocol_benches as floors;
use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use std::hint::black_box;

fn symmetric(c: &mut Criterion) {
    let mut g = c.benchmark_group("floors");
    for n in [64, 1024] {
        floors::memcpy(&mut g, n);
    }

    let aes = aes::Aes128::new(&floors::KEY16.into());
    let mut block = aes::Block::default();
    g.throughput(Throughput::Bytes(16));
    g.bench_function("floor/aes128-block", |b| {
        b.iter(|| aes.encrypt_block(black_box(&mut block)))
    });

    for n in [64, 1024] {
        for tag in [4, 8] {
            floors::aes128_ccm_seal(&mut g, n, tag);
            floors::aes128_ccm_open(&mut g, n, tag);
        }
        floors::aes128_gcm_seal(&mut g, n, 16);
        floors::aes128_gcm_seal(&mut g, n, 12);
    }

    let p = RustCrypto;
    let msg = floors::data(64);
    g.throughput(Throughput::Bytes(64));
    g.bench_function("floor/aes128-cmac/64", |b| {
        b.iter(|| p.aes128_cmac(&floors::KEY16, &[black_box(&msg)]))
    });
    let kib = floors::data(1024);
    g.throughput(Throughput::Bytes(1024));
    g.bench_function("floor/sha256/1024", |b| {
        b.iter(|| p.sha256(&[black_box(&kib)]))
    });
    g.finish();
}

fn asymmetric(c: &mut Criterion) {
    let mut g = c.benchmark_group("floors");
    let p = RustCrypto;
    let sk = p.p256_signing_key(&[0x42; 32]).expect("valid scalar");
    let digest = p.sha256(&[b"floor"]);
    g.bench_function("floor/p256-sign", |b| {
        b.iter(|| p.p256_sign_prehash(&sk, black_box(&digest)).expect("sign"))
    });
    floors::p256_verify(&mut g);
    let peer = p.p256_signing_key(&[0x24; 32]).expect("valid scalar");
    let peer_vk = p
        .p256_verifying_key(&p.p256_public_key(&peer))
        .expect("valid point");
    g.bench_function("floor/p256-ecdh", |b| {
        b.iter(|| p.p256_ecdh(&sk, black_box(&peer_vk)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = floors::config();
    targets = symmetric, asymmetric
}
criterion_main!(benches);
