//! GET service (IEC 62056-5-3, clause 9.5: `Get-Request`, `Get-Response`),
//! tags 192 and 196.

use super::common::{DataBlockG, GetDataResult, InvokeIdAndPriority};
use crate::axdr::{List, choice};
use crate::descriptor::{AttributeDescriptor, AttributeWithSelection, SelectiveAccess};

choice! {
    /// `Get-Request`.
    pub enum GetRequest<'a>: "Get-Request" {
        /// `get-request-normal`: one attribute, optional selective access.
        Normal = 1 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The attribute.
            attribute: AttributeDescriptor,
            /// Selective access.
            access: Option<SelectiveAccess<'a>>,
        },
        /// `get-request-next`: asks for the next block.
        Next = 2 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// Number of the block last received.
            block_number: u32,
        },
        /// `get-request-with-list`.
        WithList = 3 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The attributes.
            attributes: List<'a, AttributeWithSelection<'a>>,
        },
    }
}

choice! {
    /// `Get-Response`.
    pub enum GetResponse<'a>: "Get-Response" {
        /// `get-response-normal`.
        Normal = 1 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The value or an error.
            result: GetDataResult<'a>,
        },
        /// `get-response-with-datablock`.
        WithDataBlock = 2 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The block.
            result: DataBlockG<'a>,
        },
        /// `get-response-with-list`.
        WithList = 3 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// One result per requested attribute.
            results: List<'a, GetDataResult<'a>>,
        },
    }
}
