//! The IEEE 802.15.4 frame check sequence (IEEE 802.15.4-2015 §7.2.10): the
//! ITU-T CRC-16 (polynomial 0x1021) processed least significant bit first
//! with initial value 0 and no final XOR, i.e. CRC-16/KERMIT, sent little-endian.

const fn table() -> [u16; 256] {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u16;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0x8408
            } else {
                c >> 1
            };
            k += 1;
        }
        // `i < 256` by the loop condition.
        #[allow(clippy::indexing_slicing)]
        {
            t[i] = c;
        }
        i += 1;
    }
    t
}

static TABLE: [u16; 256] = table();

/// CRC-16/KERMIT over `bytes` (the MAC header and payload).
#[must_use]
pub fn crc16_kermit(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        let idx = usize::from((crc ^ u16::from(b)) & 0xff);
        (crc >> 8) ^ TABLE.get(idx).copied().unwrap_or(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        // The CRC catalogue's check value for CRC-16/KERMIT.
        assert_eq!(crc16_kermit(b"123456789"), 0x2189);
    }
}
