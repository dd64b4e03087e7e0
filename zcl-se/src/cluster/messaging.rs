//! Messaging cluster, 0x0703 (ZigBee Smart Energy 1.4, 07-5356-21, annex
//! D.5).
//!
//! Revisions: DisplayMessage, CancelMessage, GetLastMessage and
//! MessageConfirmation since SE 1.0. SE 1.2 added `extended_message_control`
//! to DisplayMessage, `message_confirmation_control` and `message_response`
//! to MessageConfirmation (optional trailing fields here), and the commands
//! DisplayProtectedMessage, CancelAllMessages and GetMessageCancellation.

use super::{ClusterDef, attributes};

/// Cluster identifier.
pub const ID: u16 = 0x0703;

/// The Messaging cluster defines no attributes (SE 1.4 D.5.2.2).
pub static ATTRIBUTES: &[super::AttributeDef<'static>] = attributes![];

super::typed::se_commands! {
    /// Since SE 1.0.
    0x00 ServerToClient "display_message" DisplayMessage {
        message_id: [UINT32],
        message_control: [BITMAP8 => MessageControl],
        start_time: [UTC],
        duration_in_minutes: [UINT16],
        message: [CHAR_STRING],
        /// Since SE 1.2; `None` when the frame ends before it.
        extended_message_control: [opt BITMAP8],
    }
    /// Since SE 1.0.
    0x01 ServerToClient "cancel_message" CancelMessage {
        message_id: [UINT32],
        message_control: [BITMAP8 => MessageControl],
    }
    /// Since SE 1.2.
    0x02 ServerToClient "display_protected_message" DisplayProtectedMessage {
        message_id: [UINT32],
        message_control: [BITMAP8 => MessageControl],
        start_time: [UTC],
        duration_in_minutes: [UINT16],
        message: [CHAR_STRING],
        /// Since SE 1.2; `None` when the frame ends before it.
        extended_message_control: [opt BITMAP8],
    }
    /// Since SE 1.2.
    0x03 ServerToClient "cancel_all_messages" CancelAllMessages {
        implementation_date_time: [UTC],
    }
    /// Since SE 1.0.
    0x00 ClientToServer "get_last_message" GetLastMessage {
    }
    /// Since SE 1.0.
    0x01 ClientToServer "message_confirmation" MessageConfirmation {
        message_id: [UINT32],
        confirmation_time: [UTC],
        /// Since SE 1.2; `None` when the frame ends before it.
        message_confirmation_control: [opt BITMAP8 => MessageConfirmationControl],
        /// Since SE 1.2; `None` when the frame ends before it.
        message_response: [opt OCTET_STRING],
    }
    /// Since SE 1.2.
    0x02 ClientToServer "get_message_cancellation" GetMessageCancellation {
        earliest_implementation_time: [UTC],
    }
}

/// The cluster table.
pub const CLUSTER: ClusterDef<'static> = ClusterDef {
    id: ID,
    name: "Messaging",
    manufacturer: None,
    attributes: ATTRIBUTES,
    commands: COMMANDS,
};

crate::macros::bitmap! {
    /// DisplayMessage message control (D.5.2.3.1): bits 0-1 transmission
    /// mode, bits 2-3 importance, bit 5 enhanced confirmation required
    /// (SE 1.2), bit 7 message confirmation required.
    pub struct MessageControl: u8 {
        /// Transmission mode (bits 0-1): 0 normal, 1 normal and anonymous
        /// inter-PAN, 2 anonymous inter-PAN only.
        const TRANSMISSION = 0x03 => "transmission";
        /// Importance (bits 2-3): 0 low, 1 medium, 2 high, 3 critical.
        const IMPORTANCE = 0x0c => "importance";
        /// Enhanced confirmation required (SE 1.2).
        const ENHANCED_CONFIRMATION_REQUIRED = 0x20 => "enhanced_confirmation_required";
        /// Message confirmation required.
        const CONFIRMATION_REQUIRED = 0x80 => "message_confirmation_required";
    }
}

impl MessageControl {
    /// Transmission mode (0 normal, 1 normal and anonymous inter-PAN,
    /// 2 anonymous inter-PAN only).
    #[must_use]
    pub const fn transmission(self) -> u8 {
        self.0 & 0x03
    }

    /// Importance (0 low, 1 medium, 2 high, 3 critical).
    #[must_use]
    pub const fn importance(self) -> u8 {
        (self.0 >> 2) & 0x03
    }
}

crate::macros::bitmap! {
    /// MessageConfirmation confirmation control (D.5.2.4.2, SE 1.2).
    pub struct MessageConfirmationControl: u8 {
        /// The user answered "no".
        const NO_RETURNED = 0x01 => "no_returned";
        /// The user answered "yes".
        const YES_RETURNED = 0x02 => "yes_returned";
    }
}
