//! The RustCrypto provider's AEAD (AES-128-CCM, AES-GCM), CMAC and SHA-256
//! (`crypto-aead`), and P-256 ECDSA verify and ECDH (`crypto-p256`).

use dual_protocol_primitives::crypto::CryptoProvider;
use dual_protocol_primitives::crypto::rustcrypto::RustCrypto;

#[cfg(feature = "crypto-aead")]
pub fn probe_aead(input: &[u8]) -> u32 {
    use dual_protocol_primitives::crypto::Aead;
    let p = RustCrypto;
    let mut key = [0u8; 16];
    key.copy_from_slice(input.get(..16).unwrap_or(&[0; 16]));
    let mut acc = 0u32;
    let mut buf = [0u8; 64];
    buf.copy_from_slice(input.get(..64).unwrap_or(&[0; 64]));
    if let Ok(ccm) = p.aes128_ccm(&key, 4, 13) {
        let mut tag = [0u8; 4];
        let nonce = [0u8; 13];
        if ccm
            .seal_in_place_detached(&nonce, &[], &mut buf, &mut tag)
            .is_ok()
        {
            acc ^= u32::from_le_bytes(tag);
        }
        if ccm
            .open_in_place_detached(&nonce, &[], &mut buf, &tag)
            .is_ok()
        {
            acc ^= 1;
        }
    }
    if let Ok(gcm) = p.aes_gcm(&key, 12) {
        let mut tag = [0u8; 12];
        if gcm
            .seal_in_place_detached(&[0u8; 12], &[], &mut buf, &mut tag)
            .is_ok()
        {
            acc ^= u32::from(tag[0]);
        }
    }
    acc ^= u32::from(p.aes128_cmac(&key, &[input])[0]);
    acc ^= u32::from(p.sha256(&[input])[0]);
    acc
}

#[cfg(feature = "crypto-p256")]
pub fn probe_p256(input: &[u8]) -> u32 {
    let p = RustCrypto;
    let mut acc = 0u32;
    let mut sig = [0u8; 64];
    sig.copy_from_slice(input.get(..64).unwrap_or(&[0; 64]));
    let mut digest = [0u8; 32];
    digest.copy_from_slice(input.get(64..96).unwrap_or(&[0; 32]));
    if let Ok(vk) = p.p256_verifying_key(input.get(96..161).unwrap_or(&[])) {
        if p.p256_verify_prehash(&vk, &digest, &sig).is_ok() {
            acc ^= 1;
        }
        let mut scalar = [0u8; 32];
        scalar.copy_from_slice(input.get(161..193).unwrap_or(&[0; 32]));
        if let Ok(sk) = p.p256_signing_key(&scalar) {
            acc ^= u32::from(p.p256_ecdh(&sk, &vk).expose()[0]);
        }
    }
    acc
}
