//! ACCESS service (IEC 62056-5-3 ed. 3, clause 9.5: `Access-Request`,
//! `Access-Response`), tags 217 and 218. GBCS carries electricity-meter
//! commands in ACCESS.

use super::common::{ActionResult, DataAccessResult, LongInvokeIdAndPriority};
use crate::axdr::{List, choice, sequence};
use crate::data::Data;
use crate::descriptor::{AttributeDescriptor, MethodDescriptor, SelectiveAccess};

choice! {
    /// `Access-Request-Specification`.
    pub enum AccessRequestSpecification<'a>: "Access-Request-Specification" {
        /// `access-request-get`.
        Get = 1 {
            /// The attribute.
            attribute: AttributeDescriptor,
        },
        /// `access-request-set`.
        Set = 2 {
            /// The attribute.
            attribute: AttributeDescriptor,
        },
        /// `access-request-action`.
        Action = 3 {
            /// The method.
            method: MethodDescriptor,
        },
        /// `access-request-get-with-selection`.
        GetWithSelection = 4 {
            /// The attribute.
            attribute: AttributeDescriptor,
            /// Selective access.
            access: SelectiveAccess<'a>,
        },
        /// `access-request-set-with-selection`.
        SetWithSelection = 5 {
            /// The attribute.
            attribute: AttributeDescriptor,
            /// Selective access.
            access: SelectiveAccess<'a>,
        },
    }
}

choice! {
    /// `Access-Response-Specification`.
    pub enum AccessResponseSpecification: "Access-Response-Specification" {
        /// `access-response-get`.
        Get = 1 {
            /// The result.
            result: DataAccessResult,
        },
        /// `access-response-set`.
        Set = 2 {
            /// The result.
            result: DataAccessResult,
        },
        /// `access-response-action`.
        Action = 3 {
            /// The result.
            result: ActionResult,
        },
    }
}

sequence! {
    /// `Access-Request`.
    pub struct AccessRequest<'a> {
        /// Long invoke id and priority.
        pub invoke_id: LongInvokeIdAndPriority,
        /// Date-time (an octet string; empty when absent).
        pub date_time: &'a [u8],
        /// What to access.
        pub specification: List<'a, AccessRequestSpecification<'a>>,
        /// One datum per specification (null-data for GET).
        pub data: List<'a, Data<'a>>,
    }
}

sequence! {
    /// `Access-Response`.
    pub struct AccessResponse<'a> {
        /// Long invoke id and priority.
        pub invoke_id: LongInvokeIdAndPriority,
        /// Date-time (an octet string; empty when absent).
        pub date_time: &'a [u8],
        /// The request's specification, when echoed.
        pub specification: Option<List<'a, AccessRequestSpecification<'a>>>,
        /// One datum per request (the GET values, ACTION return data).
        pub data: List<'a, Data<'a>>,
        /// One result per request.
        pub results: List<'a, AccessResponseSpecification>,
    }
}
