//! The Matyas-Meyer-Oseas hash over AES-128 (ZigBee specification R22
//! Annex B.6, "block-cipher-based cryptographic hash function"), the keyed
//! hash HMAC-MMO (Annex B.1.4, FIPS 198 with the MMO hash and a 16-byte
//! block) and the key derivations built on it (§4.5.3: key-transport key,
//! key-load key, verify-key hash).
//!
//! Each block is hashed with the previous hash value as the AES key, so the
//! key schedule is expanded once per block: that is inherent to MMO, not a
//! caching opportunity. Streaming ([`AesMmo::update`]), no heap.

use aes::Aes128;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use zeroize::Zeroize;

/// Hash and block length (16 bytes).
pub const MMO_BLOCK: usize = 16;

/// Streaming AES-MMO hash (ZigBee R22 Annex B.6). Its state is zeroized on drop.
#[derive(Clone, Default)]
pub struct AesMmo {
    hash: [u8; MMO_BLOCK],
    block: [u8; MMO_BLOCK],
    filled: usize,
    len: u64,
}

impl core::fmt::Debug for AesMmo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AesMmo(..)")
    }
}

impl Drop for AesMmo {
    fn drop(&mut self) {
        self.hash.zeroize();
        self.block.zeroize();
    }
}

/// `H_j = E(H_{j-1}, M_j) xor M_j`.
fn compress(hash: &mut [u8; MMO_BLOCK], block: &[u8; MMO_BLOCK]) {
    let cipher = Aes128::new(&(*hash).into());
    let mut b = aes::Block::from(*block);
    cipher.encrypt_block(&mut b);
    for ((h, e), m) in hash.iter_mut().zip(b.iter()).zip(block.iter()) {
        *h = e ^ m;
    }
}

impl AesMmo {
    /// A fresh hash (`H_0` is all zeros).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        for &byte in data {
            if let Some(slot) = self.block.get_mut(self.filled) {
                *slot = byte;
            }
            self.filled += 1;
            if self.filled == MMO_BLOCK {
                compress(&mut self.hash, &self.block);
                self.filled = 0;
            }
        }
    }

    /// Pads and returns the hash. Padding (Annex B.6 step 1): a `1` bit,
    /// zeros, then the message length in bits as 16 bits big-endian; when
    /// the length is `2^16` bits (8 KiB) or more, as 32 bits followed by 16
    /// zero bits instead, so the trailer is 2 or 6 bytes.
    #[must_use]
    pub fn finalize(mut self) -> [u8; MMO_BLOCK] {
        let bits = self.len.wrapping_mul(8);
        // The trailer is the tail of `trailer_buf`: 2 bytes (16-bit length)
        // or 6 bytes (32-bit length and 16 zero bits).
        let short = bits < 1 << 16;
        let b = (bits as u32).to_be_bytes();
        let trailer_buf = if short {
            [0, 0, 0, 0, b[2], b[3]]
        } else {
            [b[0], b[1], b[2], b[3], 0, 0]
        };
        let trailer = if short {
            trailer_buf.get(4..).unwrap_or_default()
        } else {
            trailer_buf.as_slice()
        };
        let mut pad = [0u8; 2 * MMO_BLOCK];
        if let Some(first) = pad.first_mut() {
            *first = 0x80;
        }
        // Room for the 0x80 byte and the trailer in this block, else one more.
        let used = self.filled + 1 + trailer.len();
        let total = if used <= MMO_BLOCK {
            MMO_BLOCK
        } else {
            2 * MMO_BLOCK
        };
        let pad_len = total - self.filled;
        if let Some(dst) = pad.get_mut(pad_len - trailer.len()..pad_len) {
            dst.copy_from_slice(trailer);
        }
        let len = self.len;
        self.update(pad.get(..pad_len).unwrap_or_default());
        self.len = len;
        self.hash
    }

    /// One-shot hash of the concatenation of `parts`.
    #[must_use]
    pub fn digest(parts: &[&[u8]]) -> [u8; MMO_BLOCK] {
        let mut h = Self::new();
        for p in parts {
            h.update(p);
        }
        h.finalize()
    }
}

/// HMAC-MMO (ZigBee R22 Annex B.1.4): `H((K ^ opad) || H((K ^ ipad) || M))`
/// with a 16-byte key (the block size, so the key is used as is).
#[must_use]
pub fn hmac_mmo(key: &[u8; 16], message: &[u8]) -> [u8; MMO_BLOCK] {
    let mut ipad = [0x36u8; MMO_BLOCK];
    let mut opad = [0x5cu8; MMO_BLOCK];
    for ((i, o), k) in ipad.iter_mut().zip(opad.iter_mut()).zip(key) {
        *i ^= k;
        *o ^= k;
    }
    let mut inner = AesMmo::digest(&[&ipad, message]);
    let out = AesMmo::digest(&[&opad, &inner]);
    ipad.zeroize();
    opad.zeroize();
    inner.zeroize();
    out
}

/// Key-transport key: HMAC-MMO(link key, 0x00) (ZigBee R22 §4.5.3,
/// used for APS frames with key identifier 2).
#[must_use]
pub fn key_transport_key(link_key: &[u8; 16]) -> [u8; 16] {
    hmac_mmo(link_key, &[0x00])
}

/// Key-load key: HMAC-MMO(link key, 0x02) (ZigBee R22 §4.5.3, key identifier 3).
#[must_use]
pub fn key_load_key(link_key: &[u8; 16]) -> [u8; 16] {
    hmac_mmo(link_key, &[0x02])
}

/// Verify-key hash: HMAC-MMO(link key, 0x03), sent in APS Verify-Key
/// (ZigBee R22 §4.4.11.7).
#[must_use]
pub fn verify_key_hash(link_key: &[u8; 16]) -> [u8; 16] {
    hmac_mmo(link_key, &[0x03])
}
