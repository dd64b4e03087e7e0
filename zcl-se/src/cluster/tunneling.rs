//! Tunneling cluster, 0x0704 (ZigBee Smart Energy 1.4, 07-5356-21, annex
//! D.6): DLMS crosses the HAN this way (GBCS GB-HRGP, protocol id 6).
//!
//! Revisions: every command since SE 1.1, except GetSupportedTunnelProtocols,
//! SupportedTunnelProtocolsResponse and TunnelClosureNotification (SE 1.2).
//! Transfer data carries the remaining octets, without a length prefix; the
//! protocol list of SupportedTunnelProtocolsResponse (manufacturer code
//! uint16, protocol id uint8, repeated) is kept as the remaining octets.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0704;

/// Attributes (D.6.2.2).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] =
    attributes![0x0000 "CloseTunnelTimeout" UINT16 R];

super::typed::se_commands! {
    /// Since SE 1.1.
    0x00 ClientToServer "request_tunnel" RequestTunnel {
        protocol_id: [ENUM8 => ProtocolId],
        manufacturer_code: [UINT16],
        flow_control_support: [BOOL],
        maximum_incoming_transfer_size: [UINT16],
    }
    /// Since SE 1.1.
    0x01 ClientToServer "close_tunnel" CloseTunnel {
        tunnel_id: [UINT16],
    }
    /// Since SE 1.1.
    0x02 ClientToServer "transfer_data" TransferData {
        tunnel_id: [UINT16],
        data: [rest],
    }
    /// Since SE 1.1.
    0x03 ClientToServer "transfer_data_error" TransferDataError {
        tunnel_id: [UINT16],
        transfer_data_status: [ENUM8 => TransferDataStatus],
    }
    /// Since SE 1.1.
    0x04 ClientToServer "ack_transfer_data" AckTransferData {
        tunnel_id: [UINT16],
        number_of_bytes_left: [UINT16],
    }
    /// Since SE 1.1.
    0x05 ClientToServer "ready_data" ReadyData {
        tunnel_id: [UINT16],
        number_of_octets_left: [UINT16],
    }
    /// Since SE 1.2.
    0x06 ClientToServer "get_supported_tunnel_protocols" GetSupportedTunnelProtocols {
        protocol_offset: [UINT8],
    }
    /// Since SE 1.1.
    0x00 ServerToClient "request_tunnel_response" RequestTunnelResponse {
        tunnel_id: [UINT16],
        tunnel_status: [ENUM8 => TunnelStatus],
        maximum_incoming_transfer_size: [UINT16],
    }
    /// Since SE 1.1.
    0x01 ServerToClient "transfer_data" ServerTransferData {
        tunnel_id: [UINT16],
        data: [rest],
    }
    /// Since SE 1.1.
    0x02 ServerToClient "transfer_data_error" ServerTransferDataError {
        tunnel_id: [UINT16],
        transfer_data_status: [ENUM8 => TransferDataStatus],
    }
    /// Since SE 1.1.
    0x03 ServerToClient "ack_transfer_data" ServerAckTransferData {
        tunnel_id: [UINT16],
        number_of_bytes_left: [UINT16],
    }
    /// Since SE 1.1.
    0x04 ServerToClient "ready_data" ServerReadyData {
        tunnel_id: [UINT16],
        number_of_octets_left: [UINT16],
    }
    /// Since SE 1.2.
    0x05 ServerToClient "supported_tunnel_protocols_response" SupportedTunnelProtocolsResponse {
        protocol_list_complete: [BOOL],
        protocol_count: [UINT8],
        protocol_list: [rest],
    }
    /// Since SE 1.2.
    0x06 ServerToClient "tunnel_closure_notification" TunnelClosureNotification {
        tunnel_id: [UINT16],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Tunneling",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::code_enum! {
    /// RequestTunnel `protocol_id` (SE 1.4 annex D.6, RequestTunnel payload).
    pub enum ProtocolId: u8 {
        /// DLMS/COSEM (IEC 62056).
        DlmsCosem = 0 => "dlms_cosem",
        /// IEC 61107.
        Iec61107 = 1 => "iec_61107",
        /// ANSI C12.
        AnsiC12 = 2 => "ansi_c12",
        /// M-Bus.
        MBus = 3 => "m_bus",
        /// SML.
        Sml = 4 => "sml",
        /// ClimateTalk.
        ClimateTalk = 5 => "climate_talk",
        /// GB-HRGP (GBCS).
        GbHrgp = 6 => "gb_hrgp",
        /// Test protocol.
        Test = 255 => "test",
    }
}

crate::macros::code_enum! {
    /// RequestTunnelResponse `tunnel_status` (SE 1.4 annex D.6, RequestTunnelResponse payload).
    pub enum TunnelStatus: u8 {
        /// Tunnel opened.
        Success = 0 => "success",
        /// The server is busy.
        Busy = 1 => "busy",
        /// No more tunnel identifiers.
        NoMoreTunnelIds = 2 => "no_more_tunnel_ids",
        /// Protocol not supported.
        ProtocolNotSupported = 3 => "protocol_not_supported",
        /// Flow control not supported.
        FlowControlNotSupported = 4 => "flow_control_not_supported",
    }
}

crate::macros::code_enum! {
    /// TransferDataError `transfer_data_status` (SE 1.4 annex D.6, TransferDataError payload).
    pub enum TransferDataStatus: u8 {
        /// No such tunnel.
        NoSuchTunnel = 0 => "no_such_tunnel",
        /// Wrong device.
        WrongDevice = 1 => "wrong_device",
        /// Data overflow.
        DataOverflow = 2 => "data_overflow",
    }
}
