//! ACTION service (IEC 62056-5-3, clause 9.5: `Action-Request`,
//! `Action-Response`), tags 195 and 199.

use super::common::{ActionResult, DataBlockSa, GetDataResult, InvokeIdAndPriority};
use crate::axdr::{List, choice, sequence};
use crate::data::Data;
use crate::descriptor::MethodDescriptor;

choice! {
    /// `Action-Request`.
    pub enum ActionRequest<'a>: "Action-Request" {
        /// `action-request-normal`.
        Normal = 1 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The method.
            method: MethodDescriptor,
            /// Invocation parameters.
            parameters: Option<Data<'a>>,
        },
        /// `action-request-next-pblock`.
        NextPBlock = 2 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The block received.
            block_number: u32,
        },
        /// `action-request-with-list`.
        WithList = 3 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The methods.
            methods: List<'a, MethodDescriptor>,
            /// One parameter per method.
            parameters: List<'a, Data<'a>>,
        },
        /// `action-request-with-first-pblock`.
        WithFirstPBlock = 4 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The method.
            method: MethodDescriptor,
            /// The first block of the parameters.
            pblock: DataBlockSa<'a>,
        },
        /// `action-request-with-list-and-first-pblock`.
        WithListAndFirstPBlock = 5 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The methods.
            methods: List<'a, MethodDescriptor>,
            /// The first block of the parameters.
            pblock: DataBlockSa<'a>,
        },
        /// `action-request-with-pblock`.
        WithPBlock = 6 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// A further block.
            pblock: DataBlockSa<'a>,
        },
    }
}

sequence! {
    /// `Action-Response-With-Optional-Data`.
    pub struct ActionResponseWithOptionalData<'a> {
        /// The result.
        pub result: ActionResult,
        /// Return parameters.
        pub return_parameters: Option<GetDataResult<'a>>,
    }
}

choice! {
    /// `Action-Response`.
    pub enum ActionResponse<'a>: "Action-Response" {
        /// `action-response-normal`.
        Normal = 1 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The response.
            response: ActionResponseWithOptionalData<'a>,
        },
        /// `action-response-with-pblock`.
        WithPBlock = 2 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// A block of the return parameters.
            pblock: DataBlockSa<'a>,
        },
        /// `action-response-with-list`.
        WithList = 3 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// One response per method.
            responses: List<'a, ActionResponseWithOptionalData<'a>>,
        },
        /// `action-response-next-pblock`.
        NextPBlock = 4 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The block received.
            block_number: u32,
        },
    }
}
