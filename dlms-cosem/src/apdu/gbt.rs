//! General block transfer (IEC 62056-5-3 ed. 3, clause 9.5:
//! `General-Block-Transfer`, tag 224).

use crate::axdr::sequence;

/// `block-control` (Unsigned8): last block bit 7, streaming bit 6, window
/// size bits 0-5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BlockControl(pub u8);

impl BlockControl {
    /// From its fields (`window` masked to 6 bits).
    #[must_use]
    pub const fn new(last_block: bool, streaming: bool, window: u8) -> Self {
        Self(if last_block { 0x80 } else { 0 } | if streaming { 0x40 } else { 0 } | (window & 0x3f))
    }
    /// Last block.
    #[must_use]
    pub const fn last_block(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// Streaming.
    #[must_use]
    pub const fn streaming(self) -> bool {
        self.0 & 0x40 != 0
    }
    /// Window size 0..=63.
    #[must_use]
    pub const fn window(self) -> u8 {
        self.0 & 0x3f
    }
}
super::common::newtype_codec!(BlockControl, u8);

sequence! {
    /// `General-Block-Transfer`.
    pub struct GeneralBlockTransfer<'a> {
        /// Block control.
        pub block_control: BlockControl,
        /// Block number.
        pub block_number: u16,
        /// Block number acknowledged.
        pub block_number_ack: u16,
        /// The block's bytes (part of an APDU).
        pub block_data: &'a [u8],
    }
}
