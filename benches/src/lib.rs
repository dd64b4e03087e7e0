//! Shared pieces of the criterion benchmarks: the **floors** every benchmark
//! reports its cost against, measured in the same run.
//!
//! A protocol's cost means little alone: the machine, the build flags (AES
//! CPU features or not) and the load all move it. So each benchmark file
//! calls the floor functions here for the same input sizes, and the report
//! states `protocol / floor` ratios. The floors are the bare primitives,
//! called directly on the RustCrypto crates or `copy_from_slice`, with keys
//! expanded once outside the loop.
#![allow(missing_docs)]

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::crypto::{Aead, CryptoProvider};
use std::hint::black_box;
use std::time::Duration;

/// Criterion settings that keep a full `cargo bench` on a 2-core machine short.
#[must_use]
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

/// A deterministic buffer of `n` bytes.
#[must_use]
pub fn data(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 + 7) as u8).collect()
}

/// Fixed keys for benchmarks (never used outside them).
pub const KEY16: [u8; 16] = *b"bench-key-16-byt";

/// `copy_from_slice` of `n` bytes: the cost of touching the data at all.
pub fn memcpy(g: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    let src = data(n);
    let mut dst = vec![0u8; n];
    g.throughput(Throughput::Bytes(n as u64));
    g.bench_function(format!("floor/memcpy/{n}"), |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&dst);
        })
    });
}

/// AES-128-CCM seal of `n` bytes with a `tag`-byte tag and 13-byte nonce,
/// through the provider seam (key schedule expanded once).
pub fn aes128_ccm_seal(g: &mut BenchmarkGroup<'_, WallTime>, n: usize, tag: usize) {
    let ccm = RustCrypto.aes128_ccm(&KEY16, tag, 13).expect("valid sizes");
    let mut buf = data(n);
    let mut t = vec![0u8; tag];
    g.throughput(Throughput::Bytes(n as u64));
    g.bench_function(format!("floor/aes128-ccm{tag}-seal/{n}"), |b| {
        b.iter(|| {
            ccm.seal_in_place_detached(&[7u8; 13], b"", black_box(&mut buf), &mut t)
                .expect("seal");
        })
    });
}

/// AES-128-CCM open (verify and decrypt) of `n` bytes.
pub fn aes128_ccm_open(g: &mut BenchmarkGroup<'_, WallTime>, n: usize, tag: usize) {
    let ccm = RustCrypto.aes128_ccm(&KEY16, tag, 13).expect("valid sizes");
    let plain = data(n);
    let mut sealed = plain.clone();
    let mut t = vec![0u8; tag];
    ccm.seal_in_place_detached(&[7u8; 13], b"", &mut sealed, &mut t)
        .expect("seal");
    let mut buf = sealed.clone();
    g.throughput(Throughput::Bytes(n as u64));
    g.bench_function(format!("floor/aes128-ccm{tag}-open/{n}"), |b| {
        b.iter(|| {
            buf.copy_from_slice(&sealed);
            ccm.open_in_place_detached(&[7u8; 13], b"", black_box(&mut buf), &t)
                .expect("open");
        })
    });
}

/// AES-128-GCM seal of `n` bytes with a `tag`-byte tag (12 for DLMS).
pub fn aes128_gcm_seal(g: &mut BenchmarkGroup<'_, WallTime>, n: usize, tag: usize) {
    let gcm = RustCrypto.aes_gcm(&KEY16, tag).expect("valid sizes");
    let mut buf = data(n);
    let mut t = vec![0u8; tag];
    g.throughput(Throughput::Bytes(n as u64));
    g.bench_function(format!("floor/aes128-gcm{tag}-seal/{n}"), |b| {
        b.iter(|| {
            gcm.seal_in_place_detached(&[7u8; 12], b"", black_box(&mut buf), &mut t)
                .expect("seal");
        })
    });
}

/// P-256 ECDSA verify of a SHA-256 digest with a pre-parsed key.
pub fn p256_verify(g: &mut BenchmarkGroup<'_, WallTime>) {
    let p = RustCrypto;
    let sk = p.p256_signing_key(&[0x42; 32]).expect("valid scalar");
    let vk = p
        .p256_verifying_key(&p.p256_public_key(&sk))
        .expect("valid point");
    let digest = p.sha256(&[b"floor"]);
    let sig = p.p256_sign_prehash(&sk, &digest).expect("sign");
    g.bench_function("floor/p256-verify", |b| {
        b.iter(|| {
            p.p256_verify_prehash(&vk, black_box(&digest), &sig)
                .expect("verify")
        })
    });
}
