//! Binary-field arithmetic in GF(2^m), polynomial basis (SEC 1 v2.0 §2.1.2,
//! SEC 2 v2.0 §3.1): GF(2^163) reduced by `x^163 + x^7 + x^6 + x^3 + 1`
//! (sect163k1) and GF(2^283) reduced by `x^283 + x^12 + x^7 + x^5 + 1`
//! (sect283k1).
//!
//! One generic element type [`Fe<N>`] over `N` 64-bit limbs (least
//! significant limb first); the field is picked by [`FieldParams`], which
//! is implemented for [`Params<3>`] (m = 163) and [`Params<5>`] (m = 283).
//!
//! Constant time: no branch and no table index depends on an element's
//! value. Carry-less multiplication uses integer multiplication with
//! "holes" (every fourth bit kept, so carries fall into bits that are masked
//! away), squaring spreads bits with fixed shifts and masks, and inversion is
//! Fermat's `a^(2^m - 2)` with a fixed public exponent. Loops run a count
//! fixed by `m` alone.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

/// Marker type carrying the parameters of the field (and curve) with `N` limbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<const N: usize>;

/// Parameters of one binary field GF(2^m).
pub trait FieldParams<const N: usize> {
    /// The extension degree m.
    const M: usize;
    /// Exponents of the reduction polynomial below m (`f(x) = x^m + sum x^k`).
    const TERMS: &'static [usize];
    /// Octets in the field-element-to-octet-string conversion (SEC 1 §2.3.5).
    const BYTES: usize;
}

impl FieldParams<3> for Params<3> {
    const M: usize = 163;
    const TERMS: &'static [usize] = &[7, 6, 3, 0];
    const BYTES: usize = 21;
}

impl FieldParams<5> for Params<5> {
    const M: usize = 283;
    const TERMS: &'static [usize] = &[12, 7, 5, 0];
    const BYTES: usize = 36;
}

/// Scratch width for a double-length product (2 × 5 limbs).
const WIDE: usize = 10;

/// An element of GF(2^m), `N` limbs, least significant first. Always reduced.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fe<const N: usize>(pub(crate) [u64; N]);

impl<const N: usize> core::fmt::Debug for Fe<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Fe(")?;
        for limb in self.0.iter().rev() {
            write!(f, "{limb:016x}")?;
        }
        f.write_str(")")
    }
}

impl<const N: usize> Default for Fe<N> {
    fn default() -> Self {
        Self([0; N])
    }
}

impl<const N: usize> Zeroize for Fe<N> {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl<const N: usize> ConditionallySelectable for Fe<N> {
    fn conditional_select(a: &Self, b: &Self, choice: Choice) -> Self {
        let mut out = *a;
        for (o, (x, y)) in out.0.iter_mut().zip(a.0.iter().zip(b.0.iter())) {
            *o = u64::conditional_select(x, y, choice);
        }
        out
    }
}

impl<const N: usize> ConstantTimeEq for Fe<N> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

/// Carry-less 32 × 32 → 64-bit product without secret-dependent branches:
/// each operand is split into four classes of bits four apart; a column of
/// any partial product sums at most eight ones, which fits in the three
/// masked-off bits above it.
#[inline]
fn bmul32(x: u32, y: u32) -> u64 {
    const M0: u64 = 0x1111_1111_1111_1111;
    const M1: u64 = 0x2222_2222_2222_2222;
    const M2: u64 = 0x4444_4444_4444_4444;
    const M3: u64 = 0x8888_8888_8888_8888;
    let (x, y) = (u64::from(x), u64::from(y));
    let (x0, x1, x2, x3) = (x & M0, x & M1, x & M2, x & M3);
    let (y0, y1, y2, y3) = (y & M0, y & M1, y & M2, y & M3);
    let m = u64::wrapping_mul;
    let z0 = m(x0, y0) ^ m(x1, y3) ^ m(x2, y2) ^ m(x3, y1);
    let z1 = m(x0, y1) ^ m(x1, y0) ^ m(x2, y3) ^ m(x3, y2);
    let z2 = m(x0, y2) ^ m(x1, y1) ^ m(x2, y0) ^ m(x3, y3);
    let z3 = m(x0, y3) ^ m(x1, y2) ^ m(x2, y1) ^ m(x3, y0);
    (z0 & M0) | (z1 & M1) | (z2 & M2) | (z3 & M3)
}

/// Carry-less 64 × 64 → 128-bit product (Karatsuba over [`bmul32`]).
#[inline]
fn clmul64(a: u64, b: u64) -> (u64, u64) {
    let (a0, a1) = (a as u32, (a >> 32) as u32);
    let (b0, b1) = (b as u32, (b >> 32) as u32);
    let lo = bmul32(a0, b0);
    let hi = bmul32(a1, b1);
    let mid = bmul32(a0 ^ a1, b0 ^ b1) ^ lo ^ hi;
    (lo ^ (mid << 32), hi ^ (mid >> 32))
}

/// Spreads 32 bits over 64 (bit i to bit 2i): squaring in GF(2)[x].
#[inline]
fn spread32(x: u32) -> u64 {
    let mut x = u64::from(x);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// XORs `v << bit` into `c` (`bit` is a public position).
#[inline]
fn xor_at(c: &mut [u64; WIDE], v: u64, bit: usize) {
    let (w, s) = (bit / 64, bit % 64);
    if let Some(x) = c.get_mut(w) {
        *x ^= v << s;
    }
    if s != 0
        && let Some(x) = c.get_mut(w + 1)
    {
        *x ^= v >> (64 - s);
    }
}

impl<const N: usize> Fe<N>
where
    Params<N>: FieldParams<N>,
{
    /// Extension degree m.
    pub const M: usize = <Params<N> as FieldParams<N>>::M;
    /// Octet-string length of an element.
    pub const BYTES: usize = <Params<N> as FieldParams<N>>::BYTES;

    /// The zero element.
    #[must_use]
    pub const fn zero() -> Self {
        Self([0; N])
    }

    /// The one element.
    #[must_use]
    pub fn one() -> Self {
        let mut l = [0; N];
        if let Some(x) = l.first_mut() {
            *x = 1;
        }
        Self(l)
    }

    /// Element from limbs (least significant first); `None` if a bit at or
    /// above m is set.
    #[must_use]
    pub fn from_limbs(limbs: [u64; N]) -> Option<Self> {
        let e = Self(limbs);
        e.is_reduced().then_some(e)
    }

    fn is_reduced(&self) -> bool {
        let (w, s) = (Self::M / 64, Self::M % 64);
        self.0
            .iter()
            .enumerate()
            .all(|(i, &l)| i < w || (i == w && l >> s == 0) || (i > w && l == 0))
    }

    /// The limbs, least significant first.
    #[must_use]
    pub fn limbs(&self) -> [u64; N] {
        self.0
    }

    /// Octet string to field element (SEC 1 §2.3.6): exactly
    /// [`Self::BYTES`] big-endian octets, no bit at or above m.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::BYTES {
            return None;
        }
        let mut l = [0u64; N];
        for (j, &b) in bytes.iter().rev().enumerate() {
            if let Some(x) = l.get_mut(j / 8) {
                *x |= u64::from(b) << (8 * (j % 8));
            }
        }
        Self::from_limbs(l)
    }

    /// Field element to octet string (SEC 1 §2.3.5); `out` must be
    /// [`Self::BYTES`] long (shorter output is filled as far as it goes).
    pub fn write_bytes(&self, out: &mut [u8]) {
        let len = out.len();
        for (j, o) in out.iter_mut().enumerate() {
            let k = len - 1 - j;
            *o = self.0.get(k / 8).map_or(0, |l| (l >> (8 * (k % 8))) as u8);
        }
    }

    /// Bit `i` of the polynomial representation (0 when out of range).
    #[must_use]
    pub fn bit(&self, i: usize) -> u64 {
        self.0.get(i / 64).map_or(0, |l| (l >> (i % 64)) & 1)
    }

    /// Constant-time zero test.
    #[must_use]
    pub fn is_zero(&self) -> Choice {
        self.ct_eq(&Self::zero())
    }

    /// Addition (XOR).
    #[must_use]
    pub fn add(&self, other: &Self) -> Self {
        let mut out = *self;
        for (o, b) in out.0.iter_mut().zip(other.0.iter()) {
            *o ^= b;
        }
        out
    }

    fn reduce(c: &mut [u64; WIDE]) -> Self {
        let m = Self::M;
        let terms = <Params<N> as FieldParams<N>>::TERMS;
        let (w, s) = (m / 64, m % 64);
        for i in (w + 1..2 * N).rev() {
            let t = c.get(i).copied().unwrap_or(0);
            if let Some(x) = c.get_mut(i) {
                *x = 0;
            }
            for &k in terms {
                xor_at(c, t, 64 * i - m + k);
            }
        }
        let t = c.get(w).copied().unwrap_or(0) >> s;
        if let Some(x) = c.get_mut(w) {
            *x &= (1u64 << s) - 1;
        }
        for &k in terms {
            xor_at(c, t, k);
        }
        let mut out = [0u64; N];
        for (o, x) in out.iter_mut().zip(c.iter()) {
            *o = *x;
        }
        c.zeroize();
        Self(out)
    }

    /// Multiplication modulo the reduction polynomial.
    #[must_use]
    pub fn mul(&self, other: &Self) -> Self {
        let mut c = [0u64; WIDE];
        for (i, &a) in self.0.iter().enumerate() {
            for (j, &b) in other.0.iter().enumerate() {
                let (lo, hi) = clmul64(a, b);
                if let Some(x) = c.get_mut(i + j) {
                    *x ^= lo;
                }
                if let Some(x) = c.get_mut(i + j + 1) {
                    *x ^= hi;
                }
            }
        }
        Self::reduce(&mut c)
    }

    /// Squaring (linear in GF(2^m): spread the bits, then reduce).
    #[must_use]
    pub fn square(&self) -> Self {
        let mut c = [0u64; WIDE];
        for (i, &a) in self.0.iter().enumerate() {
            if let Some(x) = c.get_mut(2 * i) {
                *x = spread32(a as u32);
            }
            if let Some(x) = c.get_mut(2 * i + 1) {
                *x = spread32((a >> 32) as u32);
            }
        }
        Self::reduce(&mut c)
    }

    /// `self^(2^k)`.
    #[must_use]
    pub fn square_n(&self, k: usize) -> Self {
        let mut r = *self;
        for _ in 0..k {
            r = r.square();
        }
        r
    }

    /// Multiplicative inverse `a^(2^m - 2)` (Fermat); the inverse of zero is zero.
    #[must_use]
    pub fn invert(&self) -> Self {
        // r = a^(2^k - 1) for k = 1 .. m-1, then one squaring.
        let mut r = *self;
        for _ in 1..Self::M - 1 {
            r = r.square().mul(self);
        }
        r.square()
    }

    /// Square root `a^(2^(m-1))` (every element of GF(2^m) has exactly one).
    #[must_use]
    pub fn sqrt(&self) -> Self {
        self.square_n(Self::M - 1)
    }

    /// Absolute trace `sum a^(2^i)`, i = 0..m-1 (0 or 1).
    #[must_use]
    pub fn trace(&self) -> u64 {
        let mut t = *self;
        let mut acc = *self;
        for _ in 1..Self::M {
            t = t.square();
            acc = acc.add(&t);
        }
        acc.bit(0)
    }

    /// Half-trace `sum a^(2^(2i))`, i = 0..(m-1)/2 (m odd): a solution z of
    /// `z^2 + z = a` whenever `Tr(a) = 0` (SEC 1 §2.3.4 step 2.4.3, via
    /// IEEE 1363 A.4.7).
    #[must_use]
    pub fn half_trace(&self) -> Self {
        let mut t = *self;
        let mut acc = *self;
        for _ in 0..(Self::M - 1) / 2 {
            t = t.square().square();
            acc = acc.add(&t);
        }
        acc
    }
}
