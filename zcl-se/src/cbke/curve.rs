//! Points on the Koblitz curves sect163k1 and sect283k1
//! (`y^2 + xy = x^3 + a x^2 + 1`, SEC 2 v2.0 §3.1), in affine coordinates,
//! with the compressed encoding the Smart Energy certificates and ephemeral
//! keys use (SEC 1 v2.0 §2.3.3 / §2.3.4) and scalar multiplication by a
//! constant-time Montgomery ladder on x-only projective coordinates
//! (López–Dahab, with the y coordinate recovered at the end).
//!
//! The ladder runs the fixed number of iterations given by the bit length
//! of n, starting from the point at infinity, swapping with masks
//! ([`subtle`]); the recovery of y uses one Fermat inversion and
//! constant-time selection for the two degenerate results (∞ and −P).
//! Affine addition and doubling (used only on public points: certificate
//! reconstruction data, public keys) branch on their inputs.

use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::gf2m::{Fe, Params};
use super::scalar::{CurveParams, Scalar};

/// A point in affine coordinates, or the point at infinity.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Point<const N: usize> {
    /// x coordinate (zero for the point at infinity).
    pub x: Fe<N>,
    /// y coordinate (zero for the point at infinity).
    pub y: Fe<N>,
    /// Whether this is the point at infinity.
    pub infinity: bool,
}

impl<const N: usize> Zeroize for Point<N> {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
    }
}

/// Why an encoded point was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PointError {
    /// Not the compressed length `1 + ceil(m/8)`.
    #[error("compressed point must be {expected} octets, got {actual}")]
    Length {
        /// Expected octets.
        expected: usize,
        /// Octets given.
        actual: usize,
    },
    /// The first octet is not 0x02 or 0x03.
    #[error("compressed point prefix 0x{0:02x} is not 0x02 or 0x03")]
    Prefix(u8),
    /// The x coordinate has bits at or above m.
    #[error("x coordinate is not a field element")]
    NotFieldElement,
    /// No point with this x coordinate (trace condition fails), or the point
    /// is the order-2 point with x = 0, which no valid key can be.
    #[error("x coordinate is not on the curve")]
    NotOnCurve,
}

impl<const N: usize> Point<N>
where
    Params<N>: CurveParams<N>,
{
    /// Length of a compressed point: 22 octets (sect163k1), 37 (sect283k1).
    pub const COMPRESSED_LEN: usize = 1 + Fe::<N>::BYTES;

    /// The point at infinity.
    #[must_use]
    pub const fn identity() -> Self {
        Self {
            x: Fe::zero(),
            y: Fe::zero(),
            infinity: true,
        }
    }

    /// The base point G.
    #[must_use]
    pub fn generator() -> Self {
        Self {
            x: Fe(<Params<N> as CurveParams<N>>::GX),
            y: Fe(<Params<N> as CurveParams<N>>::GY),
            infinity: false,
        }
    }

    fn a() -> Fe<N> {
        if <Params<N> as CurveParams<N>>::A == 1 {
            Fe::one()
        } else {
            Fe::zero()
        }
    }

    /// Whether the (finite) point satisfies the curve equation.
    #[must_use]
    pub fn is_on_curve(&self) -> bool {
        if self.infinity {
            return true;
        }
        let (x, y) = (self.x, self.y);
        let x2 = x.square();
        let lhs = y.square().add(&x.mul(&y));
        let rhs = x2.mul(&x).add(&Self::a().mul(&x2)).add(&Fe::one());
        bool::from(lhs.ct_eq(&rhs))
    }

    /// `-P = (x, x + y)`.
    #[must_use]
    pub fn neg(&self) -> Self {
        Self {
            x: self.x,
            y: self.x.add(&self.y),
            infinity: self.infinity,
        }
    }

    /// Affine doubling (public points only: branches on the input).
    #[must_use]
    pub fn double(&self) -> Self {
        if self.infinity || bool::from(self.x.is_zero()) {
            return Self::identity();
        }
        let (x1, y1) = (self.x, self.y);
        let lambda = x1.add(&y1.mul(&x1.invert()));
        let x3 = lambda.square().add(&lambda).add(&Self::a());
        let y3 = x1.square().add(&lambda.add(&Fe::one()).mul(&x3));
        Self {
            x: x3,
            y: y3,
            infinity: false,
        }
    }

    /// Affine addition (public points only: branches on the inputs).
    #[must_use]
    pub fn add(&self, other: &Self) -> Self {
        if self.infinity {
            return *other;
        }
        if other.infinity {
            return *self;
        }
        if self.x == other.x {
            return if self.y == other.y {
                self.double()
            } else {
                Self::identity()
            };
        }
        let sx = self.x.add(&other.x);
        let lambda = self.y.add(&other.y).mul(&sx.invert());
        let x3 = lambda.square().add(&lambda).add(&sx).add(&Self::a());
        let y3 = lambda.mul(&self.x.add(&x3)).add(&x3).add(&self.y);
        Self {
            x: x3,
            y: y3,
            infinity: false,
        }
    }

    /// Multiplication by the cofactor h (public points).
    #[must_use]
    pub fn mul_by_cofactor(&self) -> Self {
        let mut p = *self;
        let mut h = <Params<N> as CurveParams<N>>::COFACTOR;
        while h > 1 {
            p = p.double();
            h >>= 1;
        }
        p
    }

    /// Compressed encoding (SEC 1 §2.3.3): `02|03 || x`, the low bit of
    /// `y / x` selecting the prefix. The point at infinity encodes as a
    /// single 0x00 octet; `out` must hold [`Self::COMPRESSED_LEN`] octets.
    pub fn write_compressed(&self, out: &mut [u8]) {
        out.fill(0);
        if self.infinity {
            return;
        }
        let z = self.y.mul(&self.x.invert());
        let ybit = z.bit(0) as u8 & u8::from(!bool::from(self.x.is_zero()));
        if let Some((first, rest)) = out.split_first_mut() {
            *first = 0x02 | ybit;
            self.x.write_bytes(rest);
        }
    }

    /// Decodes a compressed point (SEC 1 §2.3.4), rejecting the point at
    /// infinity and the order-2 point `(0, 1)`.
    pub fn from_compressed(bytes: &[u8]) -> Result<Self, PointError> {
        if bytes.len() != Self::COMPRESSED_LEN {
            return Err(PointError::Length {
                expected: Self::COMPRESSED_LEN,
                actual: bytes.len(),
            });
        }
        let (&prefix, xb) = bytes.split_first().ok_or(PointError::Length {
            expected: Self::COMPRESSED_LEN,
            actual: 0,
        })?;
        if prefix != 0x02 && prefix != 0x03 {
            return Err(PointError::Prefix(prefix));
        }
        let x = Fe::<N>::from_bytes(xb).ok_or(PointError::NotFieldElement)?;
        if bool::from(x.is_zero()) {
            return Err(PointError::NotOnCurve);
        }
        // beta = x + a + b / x^2; solve z^2 + z = beta; y = x z.
        let beta = x.add(&Self::a()).add(&x.square().invert());
        if beta.trace() != 0 {
            return Err(PointError::NotOnCurve);
        }
        let mut z = beta.half_trace();
        if z.bit(0) != u64::from(prefix & 1) {
            z = z.add(&Fe::one());
        }
        let p = Self {
            x,
            y: x.mul(&z),
            infinity: false,
        };
        if p.is_on_curve() {
            Ok(p)
        } else {
            Err(PointError::NotOnCurve)
        }
    }

    /// `k · P` by a Montgomery ladder: constant time in `k` (fixed count of
    /// [`Scalar::BITS`] iterations, masked swaps). `P` must be finite with
    /// `x ≠ 0` (every decoded point is); otherwise the result is ∞.
    #[must_use]
    pub fn mul(&self, k: &Scalar<N>) -> Self {
        if self.infinity || bool::from(self.x.is_zero()) {
            return Self::identity();
        }
        let x = self.x;
        let one = Fe::<N>::one();
        // R0 = ∞ = (1 : 0), R1 = P = (x : 1); invariant R1 - R0 = P.
        let (mut x1, mut z1) = (one, Fe::<N>::zero());
        let (mut x2, mut z2) = (x, one);
        let mut swap = Choice::from(0);
        for i in (0..Scalar::<N>::BITS).rev() {
            let bit = Choice::from(k.bit(i));
            swap ^= bit;
            Fe::conditional_swap(&mut x1, &mut x2, swap);
            Fe::conditional_swap(&mut z1, &mut z2, swap);
            swap = bit;
            // R1 = R0 + R1 (differential addition, difference P).
            let t1 = x1.mul(&z2);
            let t2 = x2.mul(&z1);
            let nz2 = t1.add(&t2).square();
            let nx2 = x.mul(&nz2).add(&t1.mul(&t2));
            // R0 = 2 R0: X = X^4 + b Z^4 = (X^2 + Z^2)^2 (b = 1), Z = X^2 Z^2.
            let xs = x1.square();
            let zs = z1.square();
            x1 = xs.add(&zs).square();
            z1 = xs.mul(&zs);
            x2 = nx2;
            z2 = nz2;
        }
        Fe::conditional_swap(&mut x1, &mut x2, swap);
        Fe::conditional_swap(&mut z1, &mut z2, swap);
        self.recover_y(x1, z1, x2, z2)
    }

    /// y recovery (López–Dahab): from `kP = (X1:Z1)`, `(k+1)P = (X2:Z2)`
    /// and `P = (x, y)`:
    /// `x_k = X1/Z1`, `y_k = (x_k + x)[(X1 + xZ1)(X2 + xZ2) + (x^2 + y)Z1Z2] / (x Z1 Z2) + y`.
    fn recover_y(&self, x1: Fe<N>, z1: Fe<N>, x2: Fe<N>, z2: Fe<N>) -> Self {
        let (x, y) = (self.x, self.y);
        let z1z2 = z1.mul(&z2);
        let inv = x.mul(&z1z2).invert();
        let inv_z1 = inv.mul(&x).mul(&z2);
        let xk = x1.mul(&inv_z1);
        let t = x1
            .add(&x.mul(&z1))
            .mul(&x2.add(&x.mul(&z2)))
            .add(&x.square().add(&y).mul(&z1z2));
        let yk = xk.add(&x).mul(&t).mul(&inv).add(&y);
        let z1_zero = z1.is_zero();
        let z2_zero = z2.is_zero();
        // (k+1)P = ∞  =>  kP = -P.
        let rx = Fe::conditional_select(&xk, &x, z2_zero);
        let ry = Fe::conditional_select(&yk, &x.add(&y), z2_zero);
        let rx = Fe::conditional_select(&rx, &Fe::zero(), z1_zero);
        let ry = Fe::conditional_select(&ry, &Fe::zero(), z1_zero);
        Self {
            x: rx,
            y: ry,
            infinity: bool::from(z1_zero),
        }
    }

    /// Reference double-and-add over affine coordinates, variable time and
    /// slow (one inversion per step): the tests' independent check on
    /// [`Self::mul`]. Never use it with a secret scalar.
    #[must_use]
    pub fn mul_vartime(&self, k: &Scalar<N>) -> Self {
        let mut r = Self::identity();
        for i in (0..Scalar::<N>::BITS).rev() {
            r = r.double();
            if k.bit(i) == 1 {
                r = r.add(self);
            }
        }
        r
    }
}
