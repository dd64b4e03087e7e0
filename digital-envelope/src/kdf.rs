//! Key derivation (docs 5.2): the two-step method of NIST SP 800-56C
//! Rev. 2, section 5 — extraction with AES-128-CMAC, then expansion with
//! the NIST SP 800-108 Rev. 1 KDF in counter mode (section 4.1, `r = 8`)
//! with AES-128-CMAC as the PRF.

use dual_protocol_primitives::crypto::{CryptoProvider, SecretBytes};
use dual_protocol_primitives::eui64::Eui64;
use zeroize::Zeroize;

/// The SP 800-108 label of traffic keys (docs 5.2).
pub const TRAFFIC_LABEL: &[u8; 14] = b"DPDE/1 traffic";
/// Bits derived per traffic key: 16-byte key plus 13-byte IV.
pub const TRAFFIC_BITS: u16 = 232;
/// Common IV length = CCM nonce length.
pub const IV_LEN: usize = 13;

/// SP 800-56C Rev. 2 section 5.1 extraction: `K_DK = CMAC(salt, Z')`,
/// with `Z'` the concatenation of `z_parts` (Z, or Z ‖ Z_eph).
#[must_use]
pub fn extract<P: CryptoProvider>(
    provider: &P,
    salt: &[u8; 16],
    z_parts: &[&[u8]],
) -> SecretBytes<16> {
    SecretBytes::new(provider.aes128_cmac(salt, z_parts))
}

/// SP 800-108 Rev. 1 counter-mode context of a traffic key:
/// sender (8) ‖ recipient (8) ‖ epoch u24 (3) ‖ R_r (16).
fn context(sender: Eui64, recipient: Eui64, epoch: u32, responder_random: &[u8; 16]) -> [u8; 35] {
    let mut c = [0u8; 35];
    let e = epoch.to_be_bytes();
    let parts: [&[u8]; 4] = [&sender.0, &recipient.0, &e[1..], responder_random];
    let mut at = 0;
    for p in parts {
        if let Some(d) = c.get_mut(at..at + p.len()) {
            d.copy_from_slice(p);
        }
        at += p.len();
    }
    c
}

/// The key and common IV of one direction and epoch (docs 5.2):
/// `K(i) = CMAC(K_DK, [i]_8 ‖ Label ‖ 0x00 ‖ Context ‖ [L]_16)`, `i = 1, 2`;
/// key = bytes 0..16, IV = bytes 16..29.
#[must_use]
pub fn expand_traffic<P: CryptoProvider>(
    provider: &P,
    derivation_key: &SecretBytes<16>,
    sender: Eui64,
    recipient: Eui64,
    epoch: u32,
    responder_random: &[u8; 16],
) -> (SecretBytes<16>, [u8; IV_LEN]) {
    let ctx = context(sender, recipient, epoch, responder_random);
    let l = TRAFFIC_BITS.to_be_bytes();
    let k1 = provider.aes128_cmac(
        derivation_key.expose(),
        &[&[1u8], TRAFFIC_LABEL, &[0u8], &ctx, &l],
    );
    let mut k2 = provider.aes128_cmac(
        derivation_key.expose(),
        &[&[2u8], TRAFFIC_LABEL, &[0u8], &ctx, &l],
    );
    let mut iv = [0u8; IV_LEN];
    for (d, s) in iv.iter_mut().zip(k2.iter()) {
        *d = *s;
    }
    k2.zeroize();
    (SecretBytes::new(k1), iv)
}

/// The 13-byte CCM nonce (docs 5.3): `IV ⊕ (sender (8) ‖ sequence u40 (5))`.
#[must_use]
pub fn nonce(iv: &[u8; IV_LEN], sender: Eui64, sequence: u64) -> [u8; IV_LEN] {
    let s = sequence.to_be_bytes();
    let mut n = *iv;
    for (d, x) in n
        .iter_mut()
        .zip(sender.0.iter().chain(s.get(3..).unwrap_or_default()))
    {
        *d ^= *x;
    }
    n
}
