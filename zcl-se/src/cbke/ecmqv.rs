//! The ECMQV primitive with cofactor multiplication (SEC 1 v2.0 §3.4), as
//! Smart Energy CBKE uses it (SE 07-5356 Annex C.4.2.2 step 4):
//!
//! `s = r_U + avf(QE_U) · d_U mod n`,
//! `P = h · s · (QE_V + avf(QE_V) · QS_V)`, `Z = x_P` (field-element octets),
//! with the associate value function `avf(Q) = (x mod 2^⌈f/2⌉) + 2^⌈f/2⌉`,
//! `f = ⌈log2 n⌉`.
//!
//! Secrets (`d_U`, `r_U`, `s`) only meet constant-time code: the scalar
//! arithmetic of [`super::scalar`] and the ladder of [`Point::mul`]. The
//! peer's points are public and combined with affine arithmetic first.

use zeroize::Zeroize;

use super::curve::Point;
use super::gf2m::Params;
use super::scalar::{CurveParams, Scalar};

/// The associate value `avf(Q)` of a point (SEC 1 §3.4 step 2).
#[must_use]
pub fn associate_value<const N: usize>(q: &Point<N>) -> Scalar<N>
where
    Params<N>: CurveParams<N>,
{
    let half = Scalar::<N>::BITS.div_ceil(2);
    let mut limbs = [0u64; N];
    for (i, l) in limbs.iter_mut().enumerate() {
        let lo = 64 * i;
        let x = q.x.0.get(i).copied().unwrap_or(0);
        *l = if lo + 64 <= half {
            x
        } else if lo < half {
            x & ((1u64 << (half - lo)) - 1)
        } else {
            0
        };
        if (lo..lo + 64).contains(&half) {
            *l |= 1u64 << (half - lo);
        }
    }
    Scalar::from_small_limbs(limbs)
}

/// Why the primitive failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MqvError {
    /// The shared point is the point at infinity (SEC 1 §3.4 step 5).
    #[error("ECMQV shared point is the point at infinity")]
    Infinity,
}

/// Computes the ECMQV shared secret field element `Z` into `z_out`
/// (`ceil(m/8)` octets).
///
/// `own_static` = d_U, `own_ephemeral` = r_U with public key `own_ephemeral_pub`
/// = QE_U; the peer's static key QS_V and ephemeral key QE_V.
pub fn shared_secret<const N: usize>(
    own_static: &Scalar<N>,
    own_ephemeral: &Scalar<N>,
    own_ephemeral_pub: &Point<N>,
    peer_static: &Point<N>,
    peer_ephemeral: &Point<N>,
    z_out: &mut [u8],
) -> Result<(), MqvError>
where
    Params<N>: CurveParams<N>,
{
    let s = own_ephemeral.add(&associate_value(own_ephemeral_pub).mul(own_static));
    let t = peer_ephemeral
        .add(&peer_static.mul(&associate_value(peer_ephemeral)))
        .mul_by_cofactor();
    let mut p = t.mul(&s);
    drop(s);
    if p.infinity {
        return Err(MqvError::Infinity);
    }
    p.x.write_bytes(z_out);
    p.zeroize();
    Ok(())
}
