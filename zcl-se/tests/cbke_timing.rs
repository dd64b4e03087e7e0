//! Dudect-style timing check of the Montgomery ladder (Reparaz, Balasch,
//! Verbauwhede, "Dude, is my code constant time?", 2017): two classes of
//! scalars — a fixed low-weight scalar (k = 1) and fresh random scalars —
//! are multiplied in a random interleaving; Welch's t statistic over the
//! cropped timings must stay under 4.5 (dudect's threshold).
//!
//! Limits: wall-clock timing on a shared, non-isolated machine, one
//! compiler and CPU, optimisation level of the test profile; it detects
//! gross scalar-dependent timing (branches, early exits, secret-length
//! loops), not cache or micro-architectural leaks. Ignored by default
//! (slow, noisy under load): run with
//! `cargo test --release -p dual-protocol-zcl-se --test cbke_timing -- --ignored --nocapture`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stdout
)]

use dual_protocol_zcl_se::cbke::{Params, Point, SUITE1, SUITE2, Scalar, SuiteParams};
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::Instant;

fn welch_t(a: &[f64], b: &[f64]) -> f64 {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let var =
        |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0);
    let (ma, mb) = (mean(a), mean(b));
    (ma - mb) / (var(a, ma) / a.len() as f64 + var(b, mb) / b.len() as f64).sqrt()
}

fn measure<const N: usize>(samples: usize) -> f64
where
    Params<N>: SuiteParams<N>,
{
    let mut rng = ChaCha20Rng::seed_from_u64(0x0d0d_e000);
    let g = Point::<N>::generator();
    let fixed = Scalar::<N>::from_be_bytes_reduced(&[1]);
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..samples {
        let class = (rng.next_u32() & 1) as usize;
        let k = if class == 0 {
            fixed.clone()
        } else {
            Scalar::<N>::random(&mut rng)
        };
        let t = Instant::now();
        black_box(g.mul(black_box(&k)));
        times[class].push(t.elapsed().as_nanos() as f64);
    }
    // Crop the slowest 10 % (interrupts, other processes), as dudect does.
    let mut all: Vec<f64> = times.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    let cut = all[all.len() * 9 / 10];
    let [a, b] = times.map(|v| v.into_iter().filter(|&x| x <= cut).collect::<Vec<_>>());
    let t = welch_t(&a, &b);
    println!("N={N}: {} vs {} samples, t = {t:.2}", a.len(), b.len());
    t
}

#[test]
#[ignore = "timing statistics: run in release on a quiet machine"]
fn ladder_time_does_not_depend_on_the_scalar() {
    assert!(measure::<SUITE1>(4000).abs() < 4.5);
    assert!(measure::<SUITE2>(1000).abs() < 4.5);
}
