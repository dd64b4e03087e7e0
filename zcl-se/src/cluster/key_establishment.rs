//! Key Establishment cluster, 0x0800 (ZigBee Smart Energy 1.4, 07-5356-21,
//! annex C.3). The CBKE cryptography is not here; the identity field (the
//! implicit certificate: 48 octets for suite 1, 74 for suite 2), ephemeral
//! data (22 / 37 octets) and MAC (16 octets) are the remaining octets, whose
//! length the key establishment suite fixes.
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
