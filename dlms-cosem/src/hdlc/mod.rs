//! HDLC for DLMS/COSEM (IEC 62056-46): frame format type 3 with HCS and FCS
//! ([`HdlcFrame`]), addresses ([`HdlcAddress`]), the control field
//! ([`Control`]), SNRM/UA parameter negotiation ([`HdlcParameters`]), the
//! LLC header ([`Llc`]), reassembly of segmented APDUs ([`Reassembler`])
//! and a streaming deframer ([`HdlcDeframer`]).
//!
//! Parsing uses the crate's hand cursor ([`crate::axdr::Reader`]); nothing
//! here panics on any input or allocates.
//!
//! # Field deviations accepted on purpose
//!
//! - UI frames (pushing HAN meters) and I frames both carry APDUs.
//! - One APDU split over several frames with the segmentation bit
//!   (Iskra AM550) is reassembled.
//! - Bytes before the first frame (an M-Bus short frame, a DSMR header,
//!   noise) are skipped by the deframer; frames may share flags.
//! - A client-side SNRM without an information field uses the default
//!   parameters; parameter values are kept in the width the peer used
//!   (Kamstrup sends two bytes where others send one).
//!
//! # Example
//!
//! ```
//! use dual_protocol_dlms_cosem::hdlc::{Control, HdlcAddress, HdlcFrame};
//! use dual_protocol_dlms_cosem::{Decode, Encode};
//!
//! // An SNRM from client 16 to server (1, 17), FCS checked.
//! let bytes = [0x7e, 0xa0, 0x08, 0x02, 0x23, 0x21, 0x93, 0xbd, 0x64, 0x7e];
//! let f = HdlcFrame::decode(&bytes)?;
//! assert_eq!(f.destination, HdlcAddress::Two { upper: 1, lower: 17 });
//! assert_eq!(f.control, Control::Snrm { poll_final: true });
//! let mut out = [0u8; 10];
//! f.encode(&mut out)?;
//! assert_eq!(out, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod address;
mod control;
mod deframer;
mod fcs;
mod frame;
mod link;
mod params;
mod reassembly;

pub use address::HdlcAddress;
pub use control::Control;
pub use deframer::{DeframerStats, HdlcDeframer};
pub use fcs::fcs16;
pub use frame::{FLAG, HdlcFrame, MAX_FRAME_LEN};
pub use link::{HdlcLink, LinkConfig, LinkError, LinkEvent, Role};
pub use params::{HdlcParameters, LinkLimits, Parameter};
pub use reassembly::{Reassembler, ReassemblyError};

/// The LLC header that starts the information field of DLMS I and UI
/// frames (IEC 62056-46, clause 5.2 / IEC 62056-47 Annex): destination
/// LSAP `E6`, source LSAP `E6` (command) or `E7` (response), quality `00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Llc {
    /// `E6 E6 00`: client to server.
    Command,
    /// `E6 E7 00`: server to client.
    Response,
}

impl Llc {
    /// The three header bytes.
    #[must_use]
    pub const fn bytes(self) -> [u8; 3] {
        match self {
            Self::Command => [0xe6, 0xe6, 0x00],
            Self::Response => [0xe6, 0xe7, 0x00],
        }
    }

    /// Splits an LLC header off an information field, if one is there.
    #[must_use]
    pub fn split(information: &[u8]) -> Option<(Self, &[u8])> {
        match information {
            [0xe6, 0xe6, 0x00, rest @ ..] => Some((Self::Command, rest)),
            [0xe6, 0xe7, 0x00, rest @ ..] => Some((Self::Response, rest)),
            _ => None,
        }
    }
}
