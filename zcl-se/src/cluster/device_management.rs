//! Device Management cluster, 0x0708 (ZigBee Smart Energy 1.4, 07-5356-21, annex D.10; added in
//! SE 1.2). Command layouts checked by dissecting every command with
//! Wireshark's tshark (tests/tshark.rs). Repeated sub-payloads are the
//! remaining octets.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0708;

/// Server attributes (D.10.2.2): supplier, tenancy, WAN status, consumption thresholds. Identifiers and names checked against the attribute name table of
/// Wireshark 4.0.17's Smart Energy dissector (`tshark -G values`); the
/// dissector takes types from the frame, so the types here are the SE 1.4
/// table's as we know them, not machine-checked.
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![
    0x0100 "ProviderID" UINT32 R,
    0x0101 "ProviderName" OCTET_STRING R,
    0x0102 "ProviderContactDetails" OCTET_STRING R,
    0x0110 "ProposedProviderID" UINT32 R,
    0x0111 "ProposedProviderName" OCTET_STRING R,
    0x0112 "ProposedProviderChangeDateTime" UTC R,
    0x0113 "ProposedProviderChangeControl" BITMAP32 R,
    0x0114 "ProposedProviderContactDetails" OCTET_STRING R,
    0x0120 "ReceivedProviderID" UINT32 R,
    0x0121 "ReceivedProviderName" OCTET_STRING R,
    0x0122 "ReceivedProviderContactDetails" OCTET_STRING R,
    0x0130 "ReceivedProposedProviderID" UINT32 R,
    0x0131 "ReceivedProposedProviderName" OCTET_STRING R,
    0x0132 "ReceivedProposedProviderChangeDateTime" UTC R,
    0x0133 "ReceivedProposedProviderChangeControl" BITMAP32 R,
    0x0134 "ReceivedProposedProviderContactDetails" OCTET_STRING R,
    0x0200 "ChangeOfTenancyUpdateDateTime" UTC R,
    0x0201 "ProposedTenancyChangeControl" BITMAP32 R,
    0x0300 "WANStatus" ENUM8 R,
    0x0400 "LowMediumThreshold" UINT32 R,
    0x0401 "MediumHighThreshold" UINT32 R,
];

super::typed::se_commands! {
    /// Since SE 1.2.
    0x00 ClientToServer "get_change_of_tenancy" GetChangeOfTenancy {
    }
    /// Since SE 1.2.
    0x01 ClientToServer "get_change_of_supplier" GetChangeOfSupplier {
    }
    /// Since SE 1.2.
    0x02 ClientToServer "request_new_password" RequestNewPassword {
        password_type: [ENUM8],
    }
    /// Since SE 1.2.
    0x03 ClientToServer "get_site_id" GetSiteId {
    }
    /// Since SE 1.2.
    0x04 ClientToServer "report_event_configuration" ReportEventConfiguration {
        command_index: [UINT8],
        total_commands: [UINT8],
        event_configuration_payload: [rest],
    }
    /// Since SE 1.2.
    0x05 ClientToServer "get_cin" GetCin {
    }
    /// Since SE 1.2.
    0x00 ServerToClient "publish_change_of_tenancy" PublishChangeOfTenancy {
        provider_id: [UINT32],
        issuer_event_id: [UINT32],
        tariff_type: [ENUM8],
        implementation_date_time: [UTC],
        proposed_tenancy_change_control: [BITMAP32],
    }
    /// Since SE 1.2.
    0x01 ServerToClient "publish_change_of_supplier" PublishChangeOfSupplier {
        current_provider_id: [UINT32],
        issuer_event_id: [UINT32],
        tariff_type: [ENUM8],
        proposed_provider_id: [UINT32],
        provider_change_implementation_time: [UTC],
        provider_change_control: [BITMAP32],
        proposed_provider_name: [OCTET_STRING],
        proposed_provider_contact_details: [OCTET_STRING],
    }
    /// Since SE 1.2.
    0x02 ServerToClient "request_new_password_response" RequestNewPasswordResponse {
        issuer_event_id: [UINT32],
        implementation_date_time: [UTC],
        duration_in_minutes: [UINT16],
        password_type: [ENUM8],
        password: [OCTET_STRING],
    }
    /// Since SE 1.2.
    0x03 ServerToClient "update_site_id" UpdateSiteId {
        issuer_event_id: [UINT32],
        site_id_time: [UTC],
        provider_id: [UINT32],
        site_id: [OCTET_STRING],
    }
    /// Since SE 1.2.
    0x04 ServerToClient "set_event_configuration" SetEventConfiguration {
        issuer_event_id: [UINT32],
        start_date_time: [UTC],
        event_configuration: [BITMAP8],
        configuration_control: [ENUM8],
        event_configuration_payload: [rest],
    }
    /// Since SE 1.2.
    0x05 ServerToClient "get_event_configuration" GetEventConfiguration {
        event_id: [UINT16],
    }
    /// Since SE 1.2.
    0x06 ServerToClient "update_cin" UpdateCin {
        issuer_event_id: [UINT32],
        implementation_time: [UTC],
        provider_id: [UINT32],
        customer_id_number: [OCTET_STRING],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Device Management",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};
