//! Key derivation and key confirmation of the Smart Energy key
//! establishment (SE specification 07-5356, Annex C.4.2.2, steps 5 to 8):
//!
//! * KDF: the ANSI X9.63 / SEC 1 §3.6.1 construction with the AES-MMO hash
//!   (ZigBee R22 Annex B.6) and no shared info:
//!   `MacKey = H(Z || 00000001)`, `KeyData = H(Z || 00000002)`; the second
//!   block becomes the APS link key.
//! * MACs: HMAC-MMO keyed with `MacKey` (SEC 1 §3.7, ZigBee Annex B.1.4):
//!   `MACU = MAC(02 || ID_U || ID_V || QEU || QEV)` sent by the initiator U,
//!   `MACV = MAC(03 || ID_V || ID_U || QEV || QEU)` sent by the responder V,
//!   IDs being the 64-bit IEEE addresses as the certificates carry them
//!   (most significant octet first) and QE the compressed ephemeral keys.

use dual_protocol_zigbee_nwk::security::mmo::{AesMmo, hmac_mmo};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The two 128-bit outputs of the KDF. Zeroized on drop, never printed.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct DerivedKeys {
    /// Key of the confirmation MACs.
    pub mac_key: [u8; 16],
    /// The resulting link key.
    pub key_data: [u8; 16],
}

impl core::fmt::Debug for DerivedKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DerivedKeys(..)")
    }
}

/// `KDF(Z)` (Annex C.4.2.2 step 6, SEC 1 §3.6.1 with the MMO hash).
#[must_use]
pub fn derive_keys(shared_secret: &[u8]) -> DerivedKeys {
    DerivedKeys {
        mac_key: AesMmo::digest(&[shared_secret, &1u32.to_be_bytes()]),
        key_data: AesMmo::digest(&[shared_secret, &2u32.to_be_bytes()]),
    }
}

/// Message prefix of the initiator's tag (MACU).
pub const MAC_U_PREFIX: u8 = 0x02;
/// Message prefix of the responder's tag (MACV).
pub const MAC_V_PREFIX: u8 = 0x03;

/// `MAC(prefix || id_a || id_b || qe_a || qe_b)` with HMAC-MMO. The
/// initiator's MACU is `mac(k, 0x02, ID_U, ID_V, QEU, QEV)`, the responder's
/// MACV is `mac(k, 0x03, ID_V, ID_U, QEV, QEU)`.
#[must_use]
pub fn confirmation_mac(
    mac_key: &[u8; 16],
    prefix: u8,
    id_a: &[u8; 8],
    id_b: &[u8; 8],
    qe_a: &[u8],
    qe_b: &[u8],
) -> [u8; 16] {
    let mut msg = [0u8; 1 + 8 + 8 + 37 + 37];
    let mut len = 0;
    for part in [&[prefix][..], id_a, id_b, qe_a, qe_b] {
        let end = len + part.len();
        if let Some(dst) = msg.get_mut(len..end) {
            dst.copy_from_slice(part);
            len = end;
        }
    }
    let tag = hmac_mmo(mac_key, msg.get(..len).unwrap_or_default());
    msg.zeroize();
    tag
}
