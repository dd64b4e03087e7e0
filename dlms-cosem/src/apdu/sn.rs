//! Short-name (SN) referencing services (IEC 62056-5-3, clause 10 and the
//! ASN.1 of clause 9.5): `ReadRequest` (5), `ReadResponse` (12),
//! `WriteRequest` (6), `WriteResponse` (13), `UnconfirmedWriteRequest` (22),
//! `InformationReportRequest` (24).
//!
//! Not supported: the `detailed-access` \[3\] choice of
//! `Variable-Access-Specification`, which DLMS/COSEM does not use (decoding
//! it fails with an unknown-tag error).

use super::common::DataAccessResult;
use crate::axdr::{Decode, Encode, List, Reader, Writer, choice, sequence};
use crate::data::Data;
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

choice! {
    /// `Variable-Access-Specification`.
    pub enum VariableAccessSpecification<'a>: "Variable-Access-Specification" {
        /// `variable-name`: a base name (ObjectName, 16 bits).
        VariableName = 2 {
            /// The short name.
            name: u16,
        },
        /// `parameterized-access`.
        ParameterizedAccess = 4 {
            /// The short name.
            name: u16,
            /// Selector.
            selector: u8,
            /// Parameter.
            parameter: Data<'a>,
        },
        /// `block-number-access`.
        BlockNumberAccess = 5 {
            /// Block number.
            block_number: u16,
        },
        /// `read-data-block-access`.
        ReadDataBlockAccess = 6 {
            /// Last block.
            last_block: bool,
            /// Block number.
            block_number: u16,
            /// Raw data.
            raw_data: &'a [u8],
        },
        /// `write-data-block-access`.
        WriteDataBlockAccess = 7 {
            /// Last block.
            last_block: bool,
            /// Block number.
            block_number: u16,
        },
    }
}

choice! {
    /// One element of a `ReadResponse`.
    pub enum ReadResult<'a>: "ReadResponse choice" {
        /// `data`.
        Data = 0 {
            /// The value.
            data: Data<'a>,
        },
        /// `data-access-error`.
        DataAccessError = 1 {
            /// The error.
            result: DataAccessResult,
        },
        /// `data-block-result`.
        DataBlockResult = 2 {
            /// Last block.
            last_block: bool,
            /// Block number.
            block_number: u16,
            /// Raw data.
            raw_data: &'a [u8],
        },
        /// `block-number`.
        BlockNumber = 3 {
            /// Block number.
            block_number: u16,
        },
    }
}

/// One element of a `WriteResponse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteResult {
    /// `success` \[0\].
    Success,
    /// `data-access-error` \[1\].
    DataAccessError(DataAccessResult),
    /// `block-number` \[2\].
    BlockNumber(u16),
}

impl<'a> Decode<'a> for WriteResult {
    fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let at = r.offset();
        match r.u8()? {
            0 => Ok(Self::Success),
            1 => DataAccessResult::read(r).map(Self::DataAccessError),
            2 => r.u16().map(Self::BlockNumber),
            tag => Err(DecodeError::new(
                at,
                DecodeErrorKind::UnknownTag {
                    what: "WriteResponse choice",
                    tag,
                },
            )),
        }
    }
}

impl Encode for WriteResult {
    fn encoded_len(&self) -> usize {
        match self {
            Self::Success => 1,
            Self::DataAccessError(_) => 2,
            Self::BlockNumber(_) => 3,
        }
    }
    fn write(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Self::Success => w.u8(0),
            Self::DataAccessError(r) => {
                w.u8(1)?;
                r.write(w)
            }
            Self::BlockNumber(n) => {
                w.u8(2)?;
                w.put(&n.to_be_bytes())
            }
        }
    }
}

sequence! {
    /// `ReadRequest`.
    pub struct ReadRequest<'a> {
        /// What to read.
        pub variables: List<'a, VariableAccessSpecification<'a>>,
    }
}

sequence! {
    /// `ReadResponse`.
    pub struct ReadResponse<'a> {
        /// One result per variable.
        pub results: List<'a, ReadResult<'a>>,
    }
}

sequence! {
    /// `WriteRequest` (also the body of `UnconfirmedWriteRequest`).
    pub struct WriteRequest<'a> {
        /// What to write.
        pub variables: List<'a, VariableAccessSpecification<'a>>,
        /// One value per variable.
        pub data: List<'a, Data<'a>>,
    }
}

sequence! {
    /// `WriteResponse`.
    pub struct WriteResponse<'a> {
        /// One result per variable.
        pub results: List<'a, WriteResult>,
    }
}

sequence! {
    /// `InformationReportRequest`.
    pub struct InformationReportRequest<'a> {
        /// `current-time` (GeneralizedTime, kept as its bytes).
        pub current_time: Option<&'a [u8]>,
        /// What is reported.
        pub variables: List<'a, VariableAccessSpecification<'a>>,
        /// One value per variable.
        pub data: List<'a, Data<'a>>,
    }
}
