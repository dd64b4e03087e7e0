//! The HDLC check sequence (IEC 62056-46, clause 6.4.4.4.1 and ISO/IEC
//! 13239): CRC-16/X.25 (polynomial 0x1021 reflected, initial 0xFFFF,
//! final complement), sent least significant byte first. Table driven.

#[allow(clippy::indexing_slicing)] // const evaluation: i < 256 by the loop bound
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
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u16; 256] = table();

/// CRC-16/X.25 of `bytes` (the value to send, low byte first).
#[must_use]
pub fn fcs16(bytes: &[u8]) -> u16 {
    let mut crc = 0xffffu16;
    for b in bytes {
        let i = usize::from((crc ^ u16::from(*b)) & 0xff);
        crc = (crc >> 8) ^ TABLE.get(i).copied().unwrap_or(0);
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_value() {
        // The catalogue check value of CRC-16/X.25 for "123456789".
        assert_eq!(super::fcs16(b"123456789"), 0x906e);
    }
}
