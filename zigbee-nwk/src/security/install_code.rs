//! Install codes (ZigBee Base Device Behavior §5.4.8.1 / ZigBee SE 1.x
//! Annex: "installation code"): 6, 8, 12 or 16 bytes followed by their
//! CRC-16/X.25 stored little-endian; the preconfigured link key is the
//! AES-MMO hash of the code and its CRC.

use super::mmo::AesMmo;

/// Why an install code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum InstallCodeError {
    /// The code (with its CRC) is not 8, 10, 14 or 18 bytes long.
    #[error("install code of {len} bytes: expected 6, 8, 12 or 16 bytes plus a 2-byte CRC")]
    BadLength {
        /// The length given, CRC included.
        len: usize,
    },
    /// The CRC in the last two bytes is not the CRC-16/X.25 of the code.
    #[error(
        "install code CRC at byte {offset}: received {received:#06x}, computed {computed:#06x}"
    )]
    BadCrc {
        /// Offset of the CRC.
        offset: usize,
        /// The CRC as stored (read little-endian).
        received: u16,
        /// The CRC computed over the code.
        computed: u16,
    },
}

/// CRC-16/X.25 (reflected polynomial 0x1021, init and final XOR 0xFFFF).
#[must_use]
pub fn crc16_x25(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Checks an install code with its trailing CRC (`code || crc_le`).
///
/// # Errors
/// [`InstallCodeError`].
pub fn check_install_code(code_with_crc: &[u8]) -> Result<(), InstallCodeError> {
    let len = code_with_crc.len();
    if !matches!(len, 8 | 10 | 14 | 18) {
        return Err(InstallCodeError::BadLength { len });
    }
    let (code, crc) = code_with_crc
        .split_at_checked(len - 2)
        .ok_or(InstallCodeError::BadLength { len })?;
    let received = match crc {
        [lo, hi] => u16::from_le_bytes([*lo, *hi]),
        _ => return Err(InstallCodeError::BadLength { len }),
    };
    let computed = crc16_x25(code);
    if received != computed {
        return Err(InstallCodeError::BadCrc {
            offset: len - 2,
            received,
            computed,
        });
    }
    Ok(())
}

/// The link key derived from an install code with its CRC: the AES-MMO hash
/// of all its bytes, CRC included, after checking the CRC.
///
/// # Errors
/// [`InstallCodeError`].
pub fn link_key_from_install_code(code_with_crc: &[u8]) -> Result<[u8; 16], InstallCodeError> {
    check_install_code(code_with_crc)?;
    Ok(AesMmo::digest(&[code_with_crc]))
}
