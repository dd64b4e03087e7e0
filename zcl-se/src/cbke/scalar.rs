//! Integers modulo the group order n (SEC 1 v2.0 §2.3.8 conversions; the
//! arithmetic behind ECQV private-key reconstruction, SEC 4 §3.5, and the
//! ECMQV implicit signature, SEC 1 §3.4).
//!
//! Constant time: every operation runs a loop count fixed by the bit length
//! of n and reduces with a masked conditional subtraction, never a branch
//! on the value. Scalars are zeroized on drop.

use rand_core::CryptoRng;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::gf2m::{FieldParams, Params};

/// Parameters of a Koblitz curve `y^2 + xy = x^3 + a x^2 + 1` over the field
/// with `N` limbs (SEC 2 v2.0 §3.1.1.1 sect163k1, §3.1.1.4... sect283k1).
pub trait CurveParams<const N: usize>: FieldParams<N> {
    /// The curve coefficient a (0 or 1); b is 1 for both curves.
    const A: u64;
    /// Base point G, x coordinate (limbs, least significant first).
    const GX: [u64; N];
    /// Base point G, y coordinate.
    const GY: [u64; N];
    /// Order n of G.
    const ORDER: [u64; N];
    /// Bit length of n (f in SEC 1 §3.4's associate value function).
    const ORDER_BITS: usize;
    /// Cofactor h.
    const COFACTOR: u32;
}

impl CurveParams<3> for Params<3> {
    const A: u64 = 1;
    const GX: [u64; 3] = [
        0xde4e_6d5e_5c94_eee8,
        0x7bbc_11ac_aa07_d793,
        0x0000_0002_fe13_c053,
    ];
    const GY: [u64; 3] = [
        0x0536_d538_ccda_a3d9,
        0x5d38_ff58_321f_2e80,
        0x0000_0002_8907_0fb0,
    ];
    const ORDER: [u64; 3] = [
        0xa2e0_cc0d_99f8_a5ef,
        0x0000_0000_0002_0108,
        0x0000_0004_0000_0000,
    ];
    const ORDER_BITS: usize = 163;
    const COFACTOR: u32 = 2;
}

impl CurveParams<5> for Params<5> {
    const A: u64 = 0;
    const GX: [u64; 5] = [
        0xb0c2_ac24_5849_2836,
        0x23c1_567a_1687_6913,
        0x62f1_88e5_53cd_265f,
        0x78ca_4488_3f1a_3b81,
        0x0000_0000_0503_213f,
    ];
    const GY: [u64; 5] = [
        0x4e34_1161_77dd_2259,
        0xe818_4698_e459_6236,
        0x07e5_426f_e87e_45c0,
        0x0f1c_9e31_8d90_f95d,
        0x0000_0000_01cc_da38,
    ];
    const ORDER: [u64; 5] = [
        0x9445_1e06_1e16_3c61,
        0x2ed0_7577_265d_ff7f,
        0xffff_ffff_ffff_e9ae,
        0xffff_ffff_ffff_ffff,
        0x0000_0000_01ff_ffff,
    ];
    const ORDER_BITS: usize = 281;
    const COFACTOR: u32 = 4;
}

/// An integer in `[0, n)`. Zeroized on drop; `Debug` prints nothing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Scalar<const N: usize>(pub(crate) [u64; N]);

impl<const N: usize> core::fmt::Debug for Scalar<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Scalar(..)")
    }
}

impl<const N: usize> Zeroize for Scalar<N> {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}

impl<const N: usize> Drop for Scalar<N> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<const N: usize> ZeroizeOnDrop for Scalar<N> {}

fn sub_borrow<const N: usize>(a: &[u64; N], b: &[u64; N]) -> ([u64; N], u64) {
    let mut out = [0u64; N];
    let mut borrow = 0u64;
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b.iter())) {
        let (d1, b1) = x.overflowing_sub(*y);
        let (d2, b2) = d1.overflowing_sub(borrow);
        *o = d2;
        borrow = u64::from(b1 | b2);
    }
    (out, borrow)
}

fn add_carry<const N: usize>(a: &[u64; N], b: &[u64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    let mut carry = 0u64;
    for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b.iter())) {
        let (s1, c1) = x.overflowing_add(*y);
        let (s2, c2) = s1.overflowing_add(carry);
        *o = s2;
        carry = u64::from(c1 | c2);
    }
    out
}

impl<const N: usize> Scalar<N>
where
    Params<N>: CurveParams<N>,
{
    /// Bit length of n.
    pub const BITS: usize = <Params<N> as CurveParams<N>>::ORDER_BITS;
    /// Octets in a scalar's octet string, `ceil(BITS / 8)`.
    pub const BYTES: usize = Self::BITS.div_ceil(8);

    /// Zero.
    #[must_use]
    pub const fn zero() -> Self {
        Self([0; N])
    }

    /// `r mod n` for `r < 2n` (masked conditional subtraction).
    fn cond_sub_n(r: [u64; N]) -> [u64; N] {
        let (d, borrow) = sub_borrow(&r, &<Params<N> as CurveParams<N>>::ORDER);
        let keep_r = Choice::from(borrow as u8);
        let mut out = d;
        for (o, x) in out.iter_mut().zip(r.iter()) {
            *o = u64::conditional_select(o, x, keep_r);
        }
        out
    }

    fn double_mod(r: &[u64; N], bit: u64) -> [u64; N] {
        let mut out = [0u64; N];
        let mut carry = bit;
        for (o, x) in out.iter_mut().zip(r.iter()) {
            *o = (x << 1) | carry;
            carry = x >> 63;
        }
        Self::cond_sub_n(out)
    }

    /// Big-endian octets of any length, reduced modulo n (SEC 1 §2.3.8,
    /// then `mod n`). Constant time in the value.
    #[must_use]
    pub fn from_be_bytes_reduced(bytes: &[u8]) -> Self {
        let mut r = [0u64; N];
        for &b in bytes {
            for i in (0..8).rev() {
                r = Self::double_mod(&r, u64::from((b >> i) & 1));
            }
        }
        Self(r)
    }

    /// Big-endian octets of exactly [`Self::BYTES`] encoding an integer in
    /// `[1, n)`; `None` otherwise (a private key out of range).
    #[must_use]
    pub fn from_be_bytes_canonical(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != Self::BYTES {
            return None;
        }
        let mut l = [0u64; N];
        for (j, &b) in bytes.iter().rev().enumerate() {
            if let Some(x) = l.get_mut(j / 8) {
                *x |= u64::from(b) << (8 * (j % 8));
            }
        }
        let (_, borrow) = sub_borrow(&l, &<Params<N> as CurveParams<N>>::ORDER);
        let s = Self(l);
        (borrow == 1 && !bool::from(s.is_zero())).then_some(s)
    }

    /// Integer from limbs, reduced modulo n (for values below `2^BITS`).
    #[must_use]
    pub(crate) fn from_small_limbs(l: [u64; N]) -> Self {
        Self(Self::cond_sub_n(l))
    }

    /// Big-endian octets, [`Self::BYTES`] long (`out` shorter: truncated on the left).
    pub fn write_be_bytes(&self, out: &mut [u8]) {
        let len = out.len();
        for (j, o) in out.iter_mut().enumerate() {
            let k = len - 1 - j;
            *o = self.0.get(k / 8).map_or(0, |l| (l >> (8 * (k % 8))) as u8);
        }
    }

    /// Constant-time zero test.
    #[must_use]
    pub fn is_zero(&self) -> Choice {
        self.0.ct_eq(&[0u64; N])
    }

    /// Bit `i` (0 outside the range).
    #[must_use]
    pub fn bit(&self, i: usize) -> u8 {
        self.0
            .get(i / 64)
            .map_or(0, |l| ((l >> (i % 64)) & 1) as u8)
    }

    /// `self + other mod n`.
    #[must_use]
    pub fn add(&self, other: &Self) -> Self {
        Self(Self::cond_sub_n(add_carry(&self.0, &other.0)))
    }

    /// `self · other mod n` (left-to-right double-and-add over the fixed
    /// [`Self::BITS`] bits of `self`, the addend masked in).
    #[must_use]
    pub fn mul(&self, other: &Self) -> Self {
        let mut r = [0u64; N];
        for i in (0..Self::BITS).rev() {
            r = Self::double_mod(&r, 0);
            let take = Choice::from(self.bit(i));
            let mut addend = [0u64; N];
            for (a, o) in addend.iter_mut().zip(other.0.iter()) {
                *a = u64::conditional_select(&0, o, take);
            }
            r = Self::cond_sub_n(add_carry(&r, &addend));
        }
        Self(r)
    }

    /// A uniformly random scalar in `[1, n)` (rejection sampling: only the
    /// number of rejected draws is observable, never the accepted value).
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut buf = [0u8; 40];
        let top_bits = Self::BITS % 8;
        loop {
            let bytes = buf.get_mut(..Self::BYTES).unwrap_or_default();
            rng.fill_bytes(bytes);
            if top_bits != 0
                && let Some(b) = bytes.first_mut()
            {
                *b &= (1u8 << top_bits) - 1;
            }
            if let Some(s) = Self::from_be_bytes_canonical(bytes) {
                buf.zeroize();
                return s;
            }
        }
    }
}
