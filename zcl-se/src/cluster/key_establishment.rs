//! Key Establishment cluster, 0x0800 (ZigBee Smart Energy 1.4, 07-5356-21,
//! annex C.3). The CBKE cryptography is not here; the identity field (the
//! implicit certificate: 48 octets for suite 1, 74 for suite 2), ephemeral
//! data (22 / 37 octets) and MAC (16 octets) are the remaining octets, whose
//! length the key establishment suite fixes.
//!
//! The certificate layouts are typed: [`Suite1Certificate`] (48 octets) and
//! [`Suite2Certificate`] (74 octets), each decoded from and encoded to
//! exactly its length by hand slicing (no cursor needed).
//!
//! Revisions: all four commands each way since SE 1.0; suite 2
//! (CBKE-283k1) since SE 1.2.

use super::{ClusterDef, CommandDef, attributes, command};

/// Cluster identifier.
pub const ID: u16 = 0x0800;

/// Attributes (C.3.1.2: server KeyEstablishmentSuite; the client attribute
/// of the same identifier has the same type).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] =
    attributes![0x0000 "KeyEstablishmentSuite" ENUM16 R];

/// Commands received (C.3.1.3) and generated (C.3.1.4) by the server.
pub static COMMANDS: &[CommandDef<'static>] = &[
    command!(0x00, ClientToServer, "initiate_key_establishment_request",
        "key_establishment_suite": BITMAP16, "ephemeral_data_generate_time": UINT8,
        "confirm_key_generate_time": UINT8, "identity" ..),
    command!(
        0x01,
        ClientToServer,
        "ephemeral_data_request",
        "ephemeral_data"..
    ),
    command!(
        0x02,
        ClientToServer,
        "confirm_key_data_request",
        "secure_message_authentication_code"..
    ),
    command!(0x03, ClientToServer, "terminate_key_establishment",
        "status_code": ENUM8, "wait_time": UINT8, "key_establishment_suite": BITMAP16),
    command!(0x00, ServerToClient, "initiate_key_establishment_response",
        "key_establishment_suite": BITMAP16, "ephemeral_data_generate_time": UINT8,
        "confirm_key_generate_time": UINT8, "identity" ..),
    command!(
        0x01,
        ServerToClient,
        "ephemeral_data_response",
        "ephemeral_data"..
    ),
    command!(
        0x02,
        ServerToClient,
        "confirm_key_data_response",
        "secure_message_authentication_code"..
    ),
    command!(0x03, ServerToClient, "terminate_key_establishment",
        "status_code": ENUM8, "wait_time": UINT8, "key_establishment_suite": BITMAP16),
];

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Key Establishment",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

/// A fixed-length structure of octet-array fields, with `LEN`, `decode`
/// (exactly `LEN` octets, else a typed error) and `encode`.
macro_rules! fixed_layout {
    (
        $(#[$meta:meta])*
        pub struct $name:ident : $what:literal {
            $( $(#[$fmeta:meta])* $field:ident : $n:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: [u8; $n], )*
        }

        impl $name {
            /// Encoded length in octets.
            pub const LEN: usize = 0 $( + $n )*;

            /// Decodes exactly [`Self::LEN`] octets (an identity field or
            /// a certificate store entry).
            pub fn decode(bytes: &[u8]) -> Result<Self, crate::DecodeError> {
                if bytes.len() > Self::LEN {
                    return Err(crate::DecodeError::TrailingBytes {
                        offset: Self::LEN,
                        what: $what,
                        count: bytes.len() - Self::LEN,
                    });
                }
                let mut rest = bytes;
                let value = $name {
                    $( $field: {
                        let (head, tail) = rest.split_at_checked($n).ok_or(
                            crate::DecodeError::Truncated {
                                offset: bytes.len() - rest.len(),
                                what: concat!($what, " ", stringify!($field)),
                                needed: $n,
                                available: rest.len(),
                            },
                        )?;
                        rest = tail;
                        let mut a = [0u8; $n];
                        a.copy_from_slice(head);
                        a
                    }, )*
                };
                if rest.is_empty() {
                    Ok(value)
                } else {
                    Err(crate::DecodeError::TrailingBytes {
                        offset: Self::LEN,
                        what: $what,
                        count: rest.len(),
                    })
                }
            }

            /// Encodes into `buf`, returning [`Self::LEN`].
            pub fn encode(&self, buf: &mut [u8]) -> Result<usize, crate::EncodeError> {
                let out = buf
                    .get_mut(..Self::LEN)
                    .ok_or(crate::EncodeError::BufferTooSmall { needed: Self::LEN })?;
                let mut at = 0;
                $(
                    if let Some(d) = out.get_mut(at..at + $n) {
                        d.copy_from_slice(&self.$field);
                    }
                    at += $n;
                )*
                Ok(at)
            }
        }
    };
}

fixed_layout! {
    /// The suite 1 (CBKE with sect163k1) implicit certificate, 48 octets
    /// (SE 1.4 07-5356-21 §C.4.2.2.3, SEC 4 ECQV): carried as the identity
    /// field of Initiate Key Establishment with suite 0x0001. EUI-64s are
    /// as carried, most significant octet first.
    pub struct Suite1Certificate: "suite 1 certificate" {
        /// Public key reconstruction data (compressed sect163k1 point).
        public_reconstruction_key: 22,
        /// Subject: the device's EUI-64.
        subject: 8,
        /// Issuer: the certificate authority's identifier.
        issuer: 8,
        /// Profile attribute data.
        profile_attribute_data: 10,
    }
}

fixed_layout! {
    /// The suite 2 (CBKE with sect283k1, SE 1.2 and later) implicit
    /// certificate, 74 octets (SE 1.4 07-5356-21 §C.4.2.2.4): carried as the
    /// identity field of Initiate Key Establishment with suite 0x0002.
    pub struct Suite2Certificate: "suite 2 certificate" {
        /// Certificate type (0x00: implicit).
        certificate_type: 1,
        /// Serial number.
        serial_number: 8,
        /// Curve identifier (0x0d: sect283k1).
        curve: 1,
        /// Hash identifier (0x08: AES-MMO).
        hash: 1,
        /// Issuer identifier.
        issuer: 8,
        /// Valid from: uint40, seconds since 2000-01-01 UTC, MSB first.
        valid_from: 5,
        /// Valid to: uint32, seconds after `valid_from`, MSB first.
        valid_to: 4,
        /// Subject: the device's EUI-64.
        subject: 8,
        /// Key usage bits.
        key_usage: 1,
        /// Public key reconstruction data (compressed sect283k1 point).
        public_reconstruction_key: 37,
    }
}

crate::macros::code_enum! {
    /// TerminateKeyEstablishment `status_code` (SE 1.4 annex C.3, TerminateKeyEstablishment payload).
    pub enum TerminateStatus: u8 {
        /// The issuer of the certificate is unknown.
        UnknownIssuer = 0x01 => "unknown_issuer",
        /// The key confirmation failed.
        BadKeyConfirm = 0x02 => "bad_key_confirm",
        /// A message was malformed.
        BadMessage = 0x03 => "bad_message",
        /// No resources for key establishment.
        NoResources = 0x04 => "no_resources",
        /// The key establishment suite is not supported.
        UnsupportedSuite = 0x05 => "unsupported_suite",
        /// The certificate is invalid.
        InvalidCertificate = 0x06 => "invalid_certificate",
    }
}
