//! Typed Key Establishment commands (ZigBee Smart Energy 1.4, 07-5356-21,
//! annex C.3.1.3-C.3.1.4; all since SE 1.0).
//!
//! The Key Establishment table stays in [`super::key_establishment`] (the
//! CBKE work builds on its names); this module declares the same commands
//! through `se_commands!` to get typed structs, and `tests/typed.rs`
//! checks that the generated [`COMMANDS`] equals
//! [`super::key_establishment::COMMANDS`] entry for entry. The identity is
//! a [`Suite1Certificate`](super::key_establishment::Suite1Certificate) (48
//! octets) or a [`Suite2Certificate`](super::key_establishment::Suite2Certificate)
//! (74 octets) by the suite; ephemeral data and MAC are the remaining
//! octets.

use super::key_establishment::TerminateStatus;

super::typed::se_commands! {
    /// Since SE 1.0.
    0x00 ClientToServer "initiate_key_establishment_request" InitiateKeyEstablishmentRequest {
        key_establishment_suite: [BITMAP16],
        ephemeral_data_generate_time: [UINT8],
        confirm_key_generate_time: [UINT8],
        identity: [rest],
    }
    /// Since SE 1.0.
    0x01 ClientToServer "ephemeral_data_request" EphemeralDataRequest {
        ephemeral_data: [rest],
    }
    /// Since SE 1.0.
    0x02 ClientToServer "confirm_key_data_request" ConfirmKeyDataRequest {
        secure_message_authentication_code: [rest],
    }
    /// Since SE 1.0.
    0x03 ClientToServer "terminate_key_establishment" TerminateKeyEstablishment {
        status_code: [ENUM8 => TerminateStatus],
        wait_time: [UINT8],
        key_establishment_suite: [BITMAP16],
    }
    /// Since SE 1.0.
    0x00 ServerToClient "initiate_key_establishment_response" InitiateKeyEstablishmentResponse {
        key_establishment_suite: [BITMAP16],
        ephemeral_data_generate_time: [UINT8],
        confirm_key_generate_time: [UINT8],
        identity: [rest],
    }
    /// Since SE 1.0.
    0x01 ServerToClient "ephemeral_data_response" EphemeralDataResponse {
        ephemeral_data: [rest],
    }
    /// Since SE 1.0.
    0x02 ServerToClient "confirm_key_data_response" ConfirmKeyDataResponse {
        secure_message_authentication_code: [rest],
    }
    /// Since SE 1.0.
    0x03 ServerToClient "terminate_key_establishment" ServerTerminateKeyEstablishment {
        status_code: [ENUM8 => TerminateStatus],
        wait_time: [UINT8],
        key_establishment_suite: [BITMAP16],
    }
}
