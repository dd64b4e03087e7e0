//! MDU Pairing cluster, 0x070a (ZigBee Smart Energy 1.4, 07-5356-21, annex D.12; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x070a;

/// The MDU Pairing cluster defines no attributes (SE 1.4 D.12.2.2; Wireshark's dissector lists none either).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![];

super::typed::se_commands! {
    /// Since SE 1.2.
    0x00 ClientToServer "pairing_request" PairingRequest {
        local_pairing_information_version: [UINT32],
        eui64_of_requesting_device: [IEEE_ADDRESS],
    }
    /// Since SE 1.2.
    0x00 ServerToClient "pairing_response" PairingResponse {
        pairing_information_version: [UINT32],
        total_number_of_devices: [UINT8],
        command_index: [UINT8],
        total_number_of_commands: [UINT8],
        eui64s: [rest],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "MDU Pairing",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
