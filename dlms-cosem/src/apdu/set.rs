//! SET service (IEC 62056-5-3, clause 9.5: `Set-Request`, `Set-Response`),
//! tags 193 and 197.

use super::common::{DataAccessResult, DataBlockSa, InvokeIdAndPriority};
use crate::axdr::{List, choice};
use crate::data::Data;
use crate::descriptor::{AttributeDescriptor, AttributeWithSelection, SelectiveAccess};

choice! {
    /// `Set-Request`.
    pub enum SetRequest<'a>: "Set-Request" {
        /// `set-request-normal`.
        Normal = 1 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The attribute.
            attribute: AttributeDescriptor,
            /// Selective access.
            access: Option<SelectiveAccess<'a>>,
            /// The new value.
            value: Data<'a>,
        },
        /// `set-request-with-first-datablock`.
        WithFirstDataBlock = 2 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The attribute.
            attribute: AttributeDescriptor,
            /// Selective access.
            access: Option<SelectiveAccess<'a>>,
            /// The first block of the value.
            data_block: DataBlockSa<'a>,
        },
        /// `set-request-with-datablock`.
        WithDataBlock = 3 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// A further block.
            data_block: DataBlockSa<'a>,
        },
        /// `set-request-with-list`.
        WithList = 4 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The attributes.
            attributes: List<'a, AttributeWithSelection<'a>>,
            /// One value per attribute.
            values: List<'a, Data<'a>>,
        },
        /// `set-request-with-list-and-first-datablock`.
        WithListAndFirstDataBlock = 5 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The attributes.
            attributes: List<'a, AttributeWithSelection<'a>>,
            /// The first block of the values.
            data_block: DataBlockSa<'a>,
        },
    }
}

choice! {
    /// `Set-Response`.
    pub enum SetResponse<'a>: "Set-Response" {
        /// `set-response-normal`.
        Normal = 1 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The result.
            result: DataAccessResult,
        },
        /// `set-response-datablock`: block received.
        DataBlock = 2 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The block received.
            block_number: u32,
        },
        /// `set-response-last-datablock`.
        LastDataBlock = 3 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// The result.
            result: DataAccessResult,
            /// The last block received.
            block_number: u32,
        },
        /// `set-response-last-datablock-with-list`.
        LastDataBlockWithList = 4 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// One result per attribute.
            results: List<'a, DataAccessResult>,
            /// The last block received.
            block_number: u32,
        },
        /// `set-response-with-list`.
        WithList = 5 {
            /// Invoke id and priority.
            invoke_id: InvokeIdAndPriority,
            /// One result per attribute.
            results: List<'a, DataAccessResult>,
        },
    }
}
