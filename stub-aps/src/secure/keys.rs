//! Key hierarchy of the extension (`docs/stub-aps-security.md` §4): the
//! pairwise key derived from a device's install code, the TESLA one-way
//! chain functions, the broadcast MAC and the announcement digest. Every
//! derivation is AES-128-CMAC in the NIST SP 800-108 counter-mode KDF
//! shape (one block: counter 0x01, label, 0x00, context, length 0x0080).

use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;
use dual_protocol_primitives::crypto::{CryptoProvider, SecretBytes};
use dual_protocol_primitives::eui64::Eui64;

/// Label of the pairwise-key derivation.
const LABEL_PAIRWISE: &[u8] = b"DP-IPAN pairwise";
/// Label of the chain step `F`.
const LABEL_CHAIN: &[u8] = b"DP-IPAN chain";
/// Label of the interval MAC key `F'`.
const LABEL_MAC: &[u8] = b"DP-IPAN mac";
/// Domain separation of the announcement signature.
pub const ANNOUNCEMENT_DOMAIN: &[u8] = b"DP-IPAN announcement v1";

fn kdf(key: &[u8; 16], label: &[u8], context: &[u8]) -> [u8; 16] {
    RustCrypto.aes128_cmac(key, &[&[0x01], label, &[0x00], context, &[0x00, 0x80]])
}

/// The pairwise key of `device`: KDF(install-code link key, "DP-IPAN
/// pairwise", device EUI-64 (on-air order) || key version). The install
/// code link key is ZigBee's (R22 §4.6.3.4: AES-MMO of the code with its
/// CRC), from `zigbee-nwk`.
#[must_use]
pub fn pairwise_key(install_code_key: &[u8; 16], device: Eui64, version: u8) -> SecretBytes<16> {
    let mut ctx = [0u8; 9];
    let (a, b) = ctx.split_at_mut(8);
    a.copy_from_slice(&device.to_le_bytes());
    if let Some(v) = b.first_mut() {
        *v = version;
    }
    SecretBytes::new(kdf(install_code_key, LABEL_PAIRWISE, &ctx))
}

/// The chain step `F` (RFC 4082 §3.2): `K_{i-1} = F(K_i)`.
#[must_use]
pub fn chain_step(key: &[u8; 16]) -> [u8; 16] {
    kdf(key, LABEL_CHAIN, &[])
}

/// The interval MAC key `F'(K_i)` (RFC 4082 §3.2), so the disclosed chain
/// key is never itself a MAC key.
#[must_use]
pub fn interval_mac_key(key: &[u8; 16]) -> SecretBytes<16> {
    SecretBytes::new(kdf(key, LABEL_MAC, &[]))
}

/// The broadcast MAC: AES-128-CMAC under `F'(K_i)` over the hub's EUI-64
/// (on-air order) and the covered bytes, truncated to 8 bytes.
#[must_use]
pub fn broadcast_mac(chain_key: &[u8; 16], hub: Eui64, covered: &[u8]) -> [u8; 8] {
    let k = interval_mac_key(chain_key);
    let full = RustCrypto.aes128_cmac(k.expose(), &[&hub.to_le_bytes(), covered]);
    let mut m = [0u8; 8];
    m.copy_from_slice(full.get(..8).unwrap_or(&[0; 8]));
    m
}

/// The announcement digest: SHA-256(domain || hub EUI-64 || signed bytes).
#[must_use]
pub fn announcement_digest(hub: Eui64, signed: &[u8]) -> [u8; 32] {
    RustCrypto.sha256(&[ANNOUNCEMENT_DOMAIN, &hub.to_le_bytes(), signed])
}

/// Compresses an uncompressed SEC1 P-256 point (0x04 || x || y) to 33 bytes.
#[must_use]
pub fn compress_p256(uncompressed: &[u8; 65]) -> [u8; 33] {
    let mut c = [0u8; 33];
    let y_odd = uncompressed.get(64).copied().unwrap_or(0) & 1;
    if let Some(b) = c.first_mut() {
        *b = 0x02 | y_odd;
    }
    if let (Some(dst), Some(x)) = (c.get_mut(1..), uncompressed.get(1..33)) {
        dst.copy_from_slice(x);
    }
    c
}
