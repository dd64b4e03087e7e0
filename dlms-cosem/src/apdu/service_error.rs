//! Error APDUs (IEC 62056-5-3, clause 9.5): `ExceptionResponse` (tag 216)
//! and `ConfirmedServiceError` (tag 14).

use crate::axdr::{choice, sequence, u8_enum};

u8_enum! {
    /// `state-error` of an `ExceptionResponse`.
    pub enum StateError {
        /// service-not-allowed (1)
        ServiceNotAllowed = 1 => "service_not_allowed",
        /// service-unknown (2)
        ServiceUnknown = 2 => "service_unknown",
    }
}

choice! {
    /// `service-error` of an `ExceptionResponse`.
    pub enum ServiceError: "ExceptionResponse service-error" {
        /// operation-not-possible (1)
        OperationNotPossible = 1 {},
        /// service-not-supported (2)
        ServiceNotSupported = 2 {},
        /// other-reason (3)
        OtherReason = 3 {},
        /// pdu-too-long (4)
        PduTooLong = 4 {},
        /// deciphering-error (5)
        DecipheringError = 5 {},
        /// invocation-counter-error (6), with the counter the server expects.
        InvocationCounterError = 6 {
            /// The server's expected invocation counter.
            counter: u32,
        },
    }
}

sequence! {
    /// `ExceptionResponse`.
    pub struct ExceptionResponse {
        /// The state error.
        pub state_error: StateError,
        /// The service error.
        pub service_error: ServiceError,
    }
}

u8_enum! {
    /// The service a `ConfirmedServiceError` is about.
    pub enum ConfirmedService {
        /// initiateError (1)
        Initiate = 1 => "initiate_error",
        /// getStatus (2)
        GetStatus = 2 => "get_status",
        /// getNameList (3)
        GetNameList = 3 => "get_name_list",
        /// getVariableAttribute (4)
        GetVariableAttribute = 4 => "get_variable_attribute",
        /// read (5)
        Read = 5 => "read",
        /// write (6)
        Write = 6 => "write",
        /// getDataSetAttribute (7)
        GetDataSetAttribute = 7 => "get_data_set_attribute",
        /// getTIAttribute (8)
        GetTiAttribute = 8 => "get_ti_attribute",
        /// changeScope (9)
        ChangeScope = 9 => "change_scope",
        /// start (10)
        Start = 10 => "start",
        /// stop (11)
        Stop = 11 => "stop",
        /// resume (12)
        Resume = 12 => "resume",
        /// makeUsable (13)
        MakeUsable = 13 => "make_usable",
        /// initiateLoad (14)
        InitiateLoad = 14 => "initiate_load",
        /// loadSegment (15)
        LoadSegment = 15 => "load_segment",
        /// terminateLoad (16)
        TerminateLoad = 16 => "terminate_load",
        /// initiateUpLoad (17)
        InitiateUpLoad = 17 => "initiate_up_load",
        /// upLoadSegment (18)
        UpLoadSegment = 18 => "up_load_segment",
        /// terminateUpLoad (19)
        TerminateUpLoad = 19 => "terminate_up_load",
    }
}

u8_enum! {
    /// The `ServiceError` CHOICE of a `ConfirmedServiceError`.
    pub enum ServiceErrorKind {
        /// application-reference (0)
        ApplicationReference = 0 => "application_reference",
        /// hardware-resource (1)
        HardwareResource = 1 => "hardware_resource",
        /// vde-state-error (2)
        VdeStateError = 2 => "vde_state_error",
        /// service (3)
        Service = 3 => "service",
        /// definition (4)
        Definition = 4 => "definition",
        /// access (5)
        Access = 5 => "access",
        /// initiate (6)
        Initiate = 6 => "initiate",
        /// load-data-set (7)
        LoadDataSet = 7 => "load_data_set",
        /// change-scope (8)
        ChangeScope = 8 => "change_scope",
        /// task (9)
        Task = 9 => "task",
        /// other (10)
        Other = 10 => "other",
    }
}

sequence! {
    /// `ConfirmedServiceError`: the service, the error kind and its
    /// ENUMERATED value (kept raw: each kind has its own list; for
    /// `initiate`, 1 is dlms-version-too-low, 2 incompatible-conformance,
    /// 3 pdu-size-too-short, 4 refused-by-the-VDE-handler).
    pub struct ConfirmedServiceError {
        /// The service.
        pub service: ConfirmedService,
        /// The error kind.
        pub kind: ServiceErrorKind,
        /// The error value.
        pub value: u8,
    }
}
