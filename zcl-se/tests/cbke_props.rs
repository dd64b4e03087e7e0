//! Property tests of the CBKE arithmetic: the field against a plain
//! polynomial-basis reference written here (bit by bit, no shared code),
//! field axioms, inversion, square roots and half-traces; the ladder
//! against double-and-add and against the group law; compression round
//! trips; ECQV issuance against reconstruction; both ECMQV sides agreeing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use dual_protocol_zcl_se::cbke::ecmqv;
use dual_protocol_zcl_se::cbke::{
    Certificate, CurveParams, Fe, FieldParams, Params, Point, SUITE1, SUITE2, Scalar, SuiteParams,
};
use proptest::prelude::*;

// ---- plain reference: polynomials over GF(2) as bit vectors ----

fn bits_of(limbs: &[u64]) -> Vec<bool> {
    (0..limbs.len() * 64)
        .map(|i| (limbs[i / 64] >> (i % 64)) & 1 == 1)
        .collect()
}

fn ref_mulmod(a: &[bool], b: &[bool], m: usize, terms: &[usize]) -> Vec<bool> {
    let mut prod = vec![false; a.len() + b.len()];
    for (i, &ai) in a.iter().enumerate() {
        if ai {
            for (j, &bj) in b.iter().enumerate() {
                prod[i + j] ^= bj;
            }
        }
    }
    for k in (m..prod.len()).rev() {
        if prod[k] {
            prod[k] = false;
            for &t in terms {
                prod[k - m + t] ^= true;
            }
        }
    }
    prod.truncate(m);
    prod
}

fn fe<const N: usize>(limbs: [u64; N]) -> Fe<N>
where
    Params<N>: FieldParams<N>,
{
    let m = <Params<N> as FieldParams<N>>::M;
    let mut l = limbs;
    l[N - 1] &= (1u64 << (m % 64)) - 1;
    Fe::from_limbs(l).unwrap()
}

fn check_field<const N: usize>(a: [u64; N], b: [u64; N], c: [u64; N])
where
    Params<N>: FieldParams<N>,
{
    let m = <Params<N> as FieldParams<N>>::M;
    let terms = <Params<N> as FieldParams<N>>::TERMS;
    let (a, b, c) = (fe(a), fe(b), fe(c));
    let r = ref_mulmod(&bits_of(&a.limbs()), &bits_of(&b.limbs()), m, terms);
    assert_eq!(bits_of(&a.mul(&b).limbs())[..m], r[..], "mul vs reference");
    assert_eq!(a.square(), a.mul(&a));
    assert_eq!(a.mul(&b), b.mul(&a));
    assert_eq!(a.mul(&b).mul(&c), a.mul(&b.mul(&c)));
    assert_eq!(a.mul(&b.add(&c)), a.mul(&b).add(&a.mul(&c)));
    assert_eq!(a.mul(&Fe::one()), a);
    if !bool::from(a.is_zero()) {
        assert_eq!(a.mul(&a.invert()), Fe::one());
    }
    assert_eq!(a.sqrt().square(), a);
    // Half-trace solves z^2 + z = c exactly when Tr(c) = 0.
    let z = c.half_trace();
    assert_eq!(z.square().add(&z) == c, c.trace() == 0);
    let mut bytes = vec![0u8; Fe::<N>::BYTES];
    a.write_bytes(&mut bytes);
    assert_eq!(Fe::<N>::from_bytes(&bytes), Some(a));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn gf2_163_matches_reference(a: [u64; 3], b: [u64; 3], c: [u64; 3]) {
        check_field::<SUITE1>(a, b, c);
    }

    #[test]
    fn gf2_283_matches_reference(a: [u64; 5], b: [u64; 5], c: [u64; 5]) {
        check_field::<SUITE2>(a, b, c);
    }
}

fn scalar<const N: usize>(bytes: &[u8]) -> Scalar<N>
where
    Params<N>: CurveParams<N>,
{
    Scalar::from_be_bytes_reduced(bytes)
}

fn check_curve<const N: usize>(ka: &[u8], kb: &[u8])
where
    Params<N>: SuiteParams<N>,
{
    let g = Point::<N>::generator();
    let (a, b) = (scalar::<N>(ka), scalar::<N>(kb));
    let pa = g.mul(&a);
    assert_eq!(pa, g.mul_vartime(&a), "ladder = double-and-add");
    assert!(pa.is_on_curve());
    // (a + b)G = aG + bG; (ab)G = a(bG).
    let pb = g.mul(&b);
    assert_eq!(g.mul(&a.add(&b)), pa.add(&pb));
    assert_eq!(g.mul(&a.mul(&b)), pb.mul(&a));
    // Compression round trip.
    if !pa.infinity {
        let mut enc = vec![0u8; Point::<N>::COMPRESSED_LEN];
        pa.write_compressed(&mut enc);
        assert_eq!(Point::<N>::from_compressed(&enc).unwrap(), pa);
        let mut neg = enc.clone();
        neg[0] ^= 1;
        assert_eq!(Point::<N>::from_compressed(&neg).unwrap(), pa.neg());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn sect163k1_group_law(a in proptest::collection::vec(any::<u8>(), 21), b in proptest::collection::vec(any::<u8>(), 21)) {
        check_curve::<SUITE1>(&a, &b);
    }

    #[test]
    fn sect283k1_group_law(a in proptest::collection::vec(any::<u8>(), 36), b in proptest::collection::vec(any::<u8>(), 36)) {
        check_curve::<SUITE2>(&a, &b);
    }

    #[test]
    fn ecqv_issue_matches_reconstruction_and_ecmqv_agrees(seed in proptest::collection::vec(any::<u8>(), 36 * 5)) {
        ecqv_and_mqv::<SUITE1>(&seed);
    }
}

fn ecqv_and_mqv<const N: usize>(seed: &[u8])
where
    Params<N>: SuiteParams<N>,
{
    let s = |i: usize| {
        let x = scalar::<N>(&seed[i * 36..i * 36 + Scalar::<N>::BYTES]);
        if bool::from(x.is_zero()) {
            scalar::<N>(&[7])
        } else {
            x
        }
    };
    let g = Point::<N>::generator();
    let (ca, k1, k2, r1, r2) = (s(0), s(1), s(2), s(3), s(4));
    let ca_pub = g.mul(&ca);
    let mut t1 = vec![0u8; Certificate::<N>::LEN];
    let mut t2 = t1.clone();
    if N == SUITE1 {
        t1[22] = 1;
        t2[22] = 2;
    }
    let (c1, d1) = Certificate::<N>::issue(&t1, &k1, &ca).unwrap();
    let (c2, d2) = Certificate::<N>::issue(&t2, &k2, &ca).unwrap();
    let q1 = c1.public_key(&ca_pub).unwrap();
    let q2 = c2.public_key(&ca_pub).unwrap();
    assert_eq!(g.mul(&d1), q1, "ECQV: d·G = e·P + Q_CA");
    assert_eq!(g.mul(&d2), q2);
    let (e1, e2) = (g.mul(&r1), g.mul(&r2));
    let mut z1 = vec![0u8; Fe::<N>::BYTES];
    let mut z2 = z1.clone();
    ecmqv::shared_secret(&d1, &r1, &e1, &q2, &e2, &mut z1).unwrap();
    ecmqv::shared_secret(&d2, &r2, &e2, &q1, &e1, &mut z2).unwrap();
    assert_eq!(z1, z2, "ECMQV agreement");
}

#[test]
fn order_times_generator_is_infinity() {
    fn check<const N: usize>()
    where
        Params<N>: SuiteParams<N>,
    {
        let g = Point::<N>::generator();
        let order = <Params<N> as CurveParams<N>>::ORDER;
        let mut n_bytes = vec![0u8; Scalar::<N>::BYTES];
        for (j, b) in n_bytes.iter_mut().rev().enumerate() {
            *b = (order[j / 8] >> (8 * (j % 8))) as u8;
        }
        // n reduces to 0: 0·G = ∞.
        assert!(bool::from(scalar::<N>(&n_bytes).is_zero()));
        assert!(g.mul(&scalar::<N>(&n_bytes)).infinity);
        // (n - 1)·G = -G, and (n-1)·G + G = ∞ through the affine law.
        let mut nm1 = n_bytes.clone();
        *nm1.last_mut().unwrap() -= 1;
        let p = g.mul(&Scalar::from_be_bytes_canonical(&nm1).unwrap());
        assert_eq!(p, g.neg());
        assert!(p.add(&g).infinity);
        assert_eq!(
            g.mul_vartime(&Scalar::from_be_bytes_canonical(&nm1).unwrap()),
            g.neg()
        );
        // Canonical decoding refuses n and 0.
        assert!(Scalar::<N>::from_be_bytes_canonical(&n_bytes).is_none());
        assert!(Scalar::<N>::from_be_bytes_canonical(&vec![0u8; Scalar::<N>::BYTES]).is_none());
    }
    check::<SUITE1>();
    check::<SUITE2>();
}

#[test]
fn invalid_points_are_rejected() {
    use dual_protocol_zcl_se::cbke::PointError;
    // Wrong length, prefix, non-field x, x = 0.
    assert!(matches!(
        Point::<SUITE1>::from_compressed(&[2; 21]),
        Err(PointError::Length { .. })
    ));
    let mut p = vec![0u8; 22];
    p[0] = 0x04;
    assert_eq!(
        Point::<SUITE1>::from_compressed(&p),
        Err(PointError::Prefix(4))
    );
    p[0] = 0x02;
    assert_eq!(
        Point::<SUITE1>::from_compressed(&p),
        Err(PointError::NotOnCurve)
    );
    p[1] = 0xff;
    assert_eq!(
        Point::<SUITE1>::from_compressed(&p),
        Err(PointError::NotFieldElement)
    );
    // Some x have no point (trace 1): count both outcomes over small x.
    let (mut on, mut off) = (0, 0);
    for x in 1..64u8 {
        let mut q = vec![0u8; 22];
        q[0] = 2;
        q[21] = x;
        match Point::<SUITE1>::from_compressed(&q) {
            Ok(pt) => {
                assert!(pt.is_on_curve());
                on += 1;
            }
            Err(PointError::NotOnCurve) => off += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(on > 0 && off > 0);
}

#[test]
fn certificate_negative_cases() {
    use dual_protocol_zcl_se::cbke::CertificateError;
    assert!(matches!(
        Certificate::<SUITE1>::parse(&[0; 47]),
        Err(CertificateError::Length { .. })
    ));
    assert!(matches!(
        Certificate::<SUITE2>::parse(&[0; 48]),
        Err(CertificateError::Length { .. })
    ));
    // Suite 1 with an invalid reconstruction point.
    assert!(matches!(
        Certificate::<SUITE1>::parse(&[0; 48]),
        Err(CertificateError::Reconstruction { offset: 0, .. })
    ));
    // Suite 2 header fields.
    let mut c = vec![0u8; 74];
    c[9] = 0x0d;
    c[10] = 0x08;
    c[36] = 0x08;
    c[0] = 0x01;
    assert_eq!(
        Certificate::<SUITE2>::parse(&c),
        Err(CertificateError::Field {
            offset: 0,
            value: 1
        })
    );
    c[0] = 0;
    c[9] = 0x0c;
    assert_eq!(
        Certificate::<SUITE2>::parse(&c),
        Err(CertificateError::Field {
            offset: 9,
            value: 0x0c
        })
    );
    c[9] = 0x0d;
    c[36] = 0x80;
    assert_eq!(
        Certificate::<SUITE2>::parse(&c),
        Err(CertificateError::KeyUsage(0x80))
    );
    // Validity window of an issued suite 2 certificate.
    let k = scalar::<SUITE2>(&[9; 36]);
    let ca = scalar::<SUITE2>(&[5; 36]);
    let mut t = c.clone();
    t[36] = 0x08;
    t[19..24].copy_from_slice(&[0, 0x60, 0, 0, 0]);
    t[24..28].copy_from_slice(&[0, 0, 0x10, 0]);
    let (cert, _) = Certificate::<SUITE2>::issue(&t, &k, &ca).unwrap();
    assert_eq!(cert.validity(), Some((0x6000_0000, 0x1000)));
    assert!(cert.check_validity(0x6000_0000).is_ok());
    assert!(cert.check_validity(0x6000_1000).is_ok());
    assert!(matches!(
        cert.check_validity(0x5fff_ffff),
        Err(CertificateError::Expired { .. })
    ));
    assert!(matches!(
        cert.check_validity(0x6000_1001),
        Err(CertificateError::Expired { .. })
    ));
}
