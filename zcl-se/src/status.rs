//! ZCL status codes (ZCL rev 6 §2.6.3, table 2-12).

use crate::macros::code_enum;

code_enum! {
    /// A ZCL status code (ZCL rev 6 table 2-12).
    pub enum Status: u8 {
        /// Operation successful.
        Success = 0x00 => "success",
        /// Operation was not successful.
        Failure = 0x01 => "failure",
        /// The sender is not authorized.
        NotAuthorized = 0x7e => "not_authorized",
        /// A reserved field was not zero.
        ReservedFieldNotZero = 0x7f => "reserved_field_not_zero",
        /// The command appears to contain the wrong fields.
        MalformedCommand = 0x80 => "malformed_command",
        /// Unsupported cluster-specific command.
        UnsupClusterCommand = 0x81 => "unsup_cluster_command",
        /// Unsupported general command.
        UnsupGeneralCommand = 0x82 => "unsup_general_command",
        /// Unsupported manufacturer-specific cluster command.
        UnsupManufClusterCommand = 0x83 => "unsup_manuf_cluster_command",
        /// Unsupported manufacturer-specific general command.
        UnsupManufGeneralCommand = 0x84 => "unsup_manuf_general_command",
        /// A field holds an invalid value.
        InvalidField = 0x85 => "invalid_field",
        /// The attribute is not supported.
        UnsupportedAttribute = 0x86 => "unsupported_attribute",
        /// Out-of-range value.
        InvalidValue = 0x87 => "invalid_value",
        /// Attempt to write a read-only attribute.
        ReadOnly = 0x88 => "read_only",
        /// Not enough space.
        InsufficientSpace = 0x89 => "insufficient_space",
        /// Duplicate entry.
        DuplicateExists = 0x8a => "duplicate_exists",
        /// Not found.
        NotFound = 0x8b => "not_found",
        /// The attribute cannot be reported.
        UnreportableAttribute = 0x8c => "unreportable_attribute",
        /// Wrong data type.
        InvalidDataType = 0x8d => "invalid_data_type",
        /// Wrong selector for a structured attribute.
        InvalidSelector = 0x8e => "invalid_selector",
        /// Attempt to read a write-only attribute.
        WriteOnly = 0x8f => "write_only",
        /// Inconsistent startup state.
        InconsistentStartupState = 0x90 => "inconsistent_startup_state",
        /// Defined out of band.
        DefinedOutOfBand = 0x91 => "defined_out_of_band",
        /// Inconsistent values.
        Inconsistent = 0x92 => "inconsistent",
        /// Action denied.
        ActionDenied = 0x93 => "action_denied",
        /// Timeout.
        Timeout = 0x94 => "timeout",
        /// Aborted (OTA).
        Abort = 0x95 => "abort",
        /// Invalid image (OTA).
        InvalidImage = 0x96 => "invalid_image",
        /// Wait for data (OTA).
        WaitForData = 0x97 => "wait_for_data",
        /// No image available (OTA).
        NoImageAvailable = 0x98 => "no_image_available",
        /// More image required (OTA).
        RequireMoreImage = 0x99 => "require_more_image",
        /// Notification pending.
        NotificationPending = 0x9a => "notification_pending",
        /// Hardware failure.
        HardwareFailure = 0xc0 => "hardware_failure",
        /// Software failure.
        SoftwareFailure = 0xc1 => "software_failure",
        /// Calibration error.
        CalibrationError = 0xc2 => "calibration_error",
        /// Unsupported cluster.
        UnsupportedCluster = 0xc3 => "unsupported_cluster",
    }
}
