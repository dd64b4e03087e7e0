//! The payload descriptor that both WAN transports (GRIP and the Digital
//! Envelope) carry with every payload, so the hub routes without
//! translating.
//!
//! A descriptor names what the payload is ([`PayloadKind`]) and which HAN
//! device it is for or from ([`HanDevice`]). Only the `dual-protocol` crate
//! interprets payloads; the transports carry bytes plus this descriptor.
//!
//! # Wire form
//!
//! One compact form, shared by both transports (all integers big-endian):
//!
//! ```text
//!  0   1   2   3   4   5   6   7     bit of octet 0
//! +---+---+---+---+---+---+---+---+
//! |        kind (6 bits)  | R | D |  R: reserved, must be 0
//! +---+---+---+---+---+---+---+---+  D: a device EUI-64 follows (else: the hub itself)
//! | device EUI-64, 8 octets, printed order (only if D)          |
//! | ZCL addressing, 6 octets (only if kind = ZCL frame):        |
//! |   profile id (2), cluster id (2), src endpoint (1), dst endpoint (1)
//! ```
//!
//! Bit 0 is the least significant bit: octet 0 = `kind << 2 | R << 1 | D`.
//!
//! | kind | meaning | extra octets |
//! |---|---|---|
//! | 1 | DLMS/COSEM APDU | none |
//! | 2 | ZCL frame | 6 (APS addressing) |
//! | 3 | hub management | none |
//! | 4 | end-to-end protected object (GBCS-style container) | none |
//! | 0, 5..=63 | unknown, kept as [`PayloadKind::Unknown`] | none |
//!
//! A descriptor is 1 octet for a hub-management message to the hub itself,
//! 9 for a DLMS APDU to a device and 15 for a ZCL frame to a device.

use crate::eui64::Eui64;

/// The APS addressing of a ZCL frame on the HAN.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ZclAddressing {
    /// Application profile (0x0109 Smart Energy, 0x0104 Home Automation).
    pub profile: u16,
    /// Cluster id.
    pub cluster: u16,
    /// Source endpoint.
    pub src_endpoint: u8,
    /// Destination endpoint.
    pub dst_endpoint: u8,
}

/// What a payload is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PayloadKind {
    /// A DLMS/COSEM APDU (xDLMS or ACSE), possibly ciphered by DLMS itself.
    DlmsApdu,
    /// A ZCL frame with the APS addressing it travels with on the HAN.
    ZclFrame(ZclAddressing),
    /// A hub-management message (the hub's own protocol).
    HubManagement,
    /// An end-to-end protected object (general-signing / general-ciphering
    /// container) the hub forwards byte for byte.
    EndToEndProtected,
    /// A kind this version does not know (0 or 5..=63), kept for round trips.
    Unknown(u8),
}

impl PayloadKind {
    /// The 6-bit kind code.
    #[must_use]
    pub const fn code(&self) -> u8 {
        match self {
            PayloadKind::DlmsApdu => 1,
            PayloadKind::ZclFrame(_) => 2,
            PayloadKind::HubManagement => 3,
            PayloadKind::EndToEndProtected => 4,
            PayloadKind::Unknown(c) => *c & 0x3f,
        }
    }
}

/// The HAN party a payload is for or from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HanDevice {
    /// The hub itself.
    Hub,
    /// A device on the HAN, by its EUI-64.
    Device(Eui64),
}

/// Payload kind plus HAN device.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PayloadDescriptor {
    /// What the payload is.
    pub kind: PayloadKind,
    /// Which device it is for or from.
    pub device: HanDevice,
}

/// Why a payload descriptor does not decode or encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PayloadDescriptorError {
    /// The input ends before the descriptor does.
    #[error("payload descriptor truncated at offset {offset}: {needed} octets needed")]
    Truncated {
        /// Offset at which more input was needed.
        offset: usize,
        /// Total descriptor length the first octet announces.
        needed: usize,
    },
    /// The reserved bit of octet 0 is set.
    #[error("reserved bit set in payload descriptor octet 0")]
    ReservedBit,
    /// The output buffer is too small.
    #[error("buffer too small: {needed} octets needed")]
    BufferTooSmall {
        /// Octets needed.
        needed: usize,
    },
    /// An `Unknown` kind whose code is a known one or does not fit 6 bits.
    #[error("payload kind code {0} cannot be encoded as unknown")]
    BadUnknownKind(u8),
}

const DEVICE_BIT: u8 = 0x01;
const RESERVED_BIT: u8 = 0x02;

impl PayloadDescriptor {
    /// Descriptor for a payload for or from the hub itself.
    #[must_use]
    pub const fn hub(kind: PayloadKind) -> Self {
        PayloadDescriptor {
            kind,
            device: HanDevice::Hub,
        }
    }

    /// Descriptor for a payload for or from a HAN device.
    #[must_use]
    pub const fn device(kind: PayloadKind, device: Eui64) -> Self {
        PayloadDescriptor {
            kind,
            device: HanDevice::Device(device),
        }
    }

    /// Octets [`Self::encode`] writes.
    #[must_use]
    pub const fn encoded_len(&self) -> usize {
        1 + match self.device {
            HanDevice::Hub => 0,
            HanDevice::Device(_) => 8,
        } + match self.kind {
            PayloadKind::ZclFrame(_) => 6,
            _ => 0,
        }
    }

    /// Decodes a descriptor from the start of `bytes`; returns it and the
    /// number of octets it used.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), PayloadDescriptorError> {
        let first = *bytes.first().ok_or(PayloadDescriptorError::Truncated {
            offset: 0,
            needed: 1,
        })?;
        if first & RESERVED_BIT != 0 {
            return Err(PayloadDescriptorError::ReservedBit);
        }
        let code = first >> 2;
        let has_device = first & DEVICE_BIT != 0;
        let needed = 1 + if has_device { 8 } else { 0 } + if code == 2 { 6 } else { 0 };
        if bytes.len() < needed {
            return Err(PayloadDescriptorError::Truncated {
                offset: bytes.len(),
                needed,
            });
        }
        let mut at = 1;
        let device = if has_device {
            let e = Eui64::from_be_slice(bytes.get(at..).unwrap_or_default())
                .ok_or(PayloadDescriptorError::Truncated { offset: at, needed })?;
            at += 8;
            HanDevice::Device(e)
        } else {
            HanDevice::Hub
        };
        let kind = match code {
            1 => PayloadKind::DlmsApdu,
            2 => {
                let z = bytes
                    .get(at..at + 6)
                    .ok_or(PayloadDescriptorError::Truncated { offset: at, needed })?;
                let b = |i: usize| z.get(i).copied().unwrap_or(0);
                at += 6;
                PayloadKind::ZclFrame(ZclAddressing {
                    profile: u16::from_be_bytes([b(0), b(1)]),
                    cluster: u16::from_be_bytes([b(2), b(3)]),
                    src_endpoint: b(4),
                    dst_endpoint: b(5),
                })
            }
            3 => PayloadKind::HubManagement,
            4 => PayloadKind::EndToEndProtected,
            c => PayloadKind::Unknown(c),
        };
        Ok((PayloadDescriptor { kind, device }, at))
    }

    /// Encodes into the start of `out`; returns the octets written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, PayloadDescriptorError> {
        let needed = self.encoded_len();
        if let PayloadKind::Unknown(c) = self.kind
            && (c > 0x3f || (1..=4).contains(&c))
        {
            return Err(PayloadDescriptorError::BadUnknownKind(c));
        }
        let out = out
            .get_mut(..needed)
            .ok_or(PayloadDescriptorError::BufferTooSmall { needed })?;
        let (first, mut rest) = out
            .split_first_mut()
            .ok_or(PayloadDescriptorError::BufferTooSmall { needed })?;
        *first = self.kind.code() << 2;
        if let HanDevice::Device(e) = self.device {
            *first |= DEVICE_BIT;
            let (dev, tail) = rest.split_at_mut(8);
            dev.copy_from_slice(&e.0);
            rest = tail;
        }
        if let PayloadKind::ZclFrame(z) = self.kind {
            let p = z.profile.to_be_bytes();
            let c = z.cluster.to_be_bytes();
            rest.copy_from_slice(&[p[0], p[1], c[0], c[1], z.src_endpoint, z.dst_endpoint]);
        }
        Ok(needed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layouts() {
        let d = PayloadDescriptor::hub(PayloadKind::HubManagement);
        let mut b = [0u8; 16];
        assert_eq!(d.encode(&mut b), Ok(1));
        assert_eq!(b[0], 0x0c);
        let e = Eui64([0, 0x0d, 0x6f, 0, 1, 2, 3, 4]);
        let d = PayloadDescriptor::device(
            PayloadKind::ZclFrame(ZclAddressing {
                profile: 0x0109,
                cluster: 0x0700,
                src_endpoint: 1,
                dst_endpoint: 2,
            }),
            e,
        );
        assert_eq!(d.encode(&mut b), Ok(15));
        assert_eq!(
            b[..15],
            [
                0x09, 0, 0x0d, 0x6f, 0, 1, 2, 3, 4, 0x01, 0x09, 0x07, 0x00, 1, 2
            ]
        );
        assert_eq!(PayloadDescriptor::decode(&b[..15]), Ok((d, 15)));
    }

    #[test]
    fn errors() {
        assert_eq!(
            PayloadDescriptor::decode(&[]),
            Err(PayloadDescriptorError::Truncated {
                offset: 0,
                needed: 1
            })
        );
        assert_eq!(
            PayloadDescriptor::decode(&[0x06]),
            Err(PayloadDescriptorError::ReservedBit)
        );
        assert_eq!(
            PayloadDescriptor::decode(&[0x09, 1, 2, 3]),
            Err(PayloadDescriptorError::Truncated {
                offset: 4,
                needed: 15
            })
        );
        let d = PayloadDescriptor::hub(PayloadKind::Unknown(2));
        assert_eq!(
            d.encode(&mut [0u8; 4]),
            Err(PayloadDescriptorError::BadUnknownKind(2))
        );
        let d = PayloadDescriptor::device(PayloadKind::DlmsApdu, Eui64::BROADCAST);
        assert_eq!(
            d.encode(&mut [0u8; 8]),
            Err(PayloadDescriptorError::BufferTooSmall { needed: 9 })
        );
    }

    fn arb_descriptor() -> impl Strategy<Value = PayloadDescriptor> {
        let kind = prop_oneof![
            Just(PayloadKind::DlmsApdu),
            Just(PayloadKind::HubManagement),
            Just(PayloadKind::EndToEndProtected),
            (any::<u16>(), any::<u16>(), any::<u8>(), any::<u8>()).prop_map(|(p, c, s, d)| {
                PayloadKind::ZclFrame(ZclAddressing {
                    profile: p,
                    cluster: c,
                    src_endpoint: s,
                    dst_endpoint: d,
                })
            }),
            prop_oneof![Just(0u8), 5u8..=63].prop_map(PayloadKind::Unknown),
        ];
        let device = prop_oneof![
            Just(HanDevice::Hub),
            any::<[u8; 8]>().prop_map(|b| HanDevice::Device(Eui64(b)))
        ];
        (kind, device).prop_map(|(kind, device)| PayloadDescriptor { kind, device })
    }

    proptest! {
        #[test]
        fn round_trip(d in arb_descriptor()) {
            let mut b = [0u8; 15];
            let n = d.encode(&mut b).unwrap();
            prop_assert_eq!(n, d.encoded_len());
            prop_assert_eq!(PayloadDescriptor::decode(&b[..n]), Ok((d, n)));
        }

        #[test]
        fn decode_never_panics_and_reencodes(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            if let Ok((d, n)) = PayloadDescriptor::decode(&bytes) {
                let mut b = [0u8; 15];
                let m = d.encode(&mut b).unwrap();
                prop_assert_eq!(&b[..m], &bytes[..n]);
            }
        }
    }
}
