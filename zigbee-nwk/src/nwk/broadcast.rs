//! The broadcast transaction table (ZigBee R22 §3.6.5, BTT): each
//! broadcast is relayed once. A `(source, sequence)` pair seen within
//! nwkBroadcastDeliveryTime is a duplicate; when the table is full of live
//! records a new broadcast is refused ([`BroadcastTable::record`] returns
//! [`TableFull`]) and must not be relayed, as the standard requires. `N` records.

use crate::aps::TableFull;
use crate::types::ShortAddr;
use dual_protocol_primitives::time::Instant;
use heapless::Vec;

/// nwkNetworkBroadcastDeliveryTime (ZigBee R22 Table 3-58: 9 s for the 2.4 GHz defaults).
pub const BROADCAST_DELIVERY_TIME: core::time::Duration = core::time::Duration::from_secs(9);

/// The BTT.
#[derive(Debug, Clone, Default)]
pub struct BroadcastTable<const N: usize> {
    records: Vec<(ShortAddr, u8, Instant), N>,
}

impl<const N: usize> BroadcastTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        BroadcastTable {
            records: Vec::new(),
        }
    }

    /// Records a broadcast: `Ok(true)` if it is new (deliver and relay),
    /// `Ok(false)` if it is a duplicate.
    ///
    /// # Errors
    /// [`TableFull`]: a new broadcast with no free record (drop it).
    pub fn record(
        &mut self,
        now: Instant,
        src: ShortAddr,
        sequence: u8,
        delivery_time: core::time::Duration,
    ) -> Result<bool, TableFull> {
        self.records.retain(|r| r.2 > now);
        if self.records.iter().any(|r| r.0 == src && r.1 == sequence) {
            return Ok(false);
        }
        self.records
            .push((src, sequence, now + delivery_time))
            .map_err(|_| TableFull {
                table: "broadcast transaction table",
                capacity: N,
            })?;
        Ok(true)
    }

    /// Live records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
