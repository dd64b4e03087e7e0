//! The address map (ZigBee R22 §3.6.1.9, nwkAddressMap): IEEE address to
//! NWK address, with address conflict detection (§3.6.1.9.3): one short
//! address claimed by two IEEE addresses is a conflict, reported and never
//! silently overwritten. `N` entries.

use crate::aps::TableFull;
use crate::types::ShortAddr;
use dual_protocol_primitives::eui64::Eui64;
use heapless::Vec;

/// Two devices claim one short address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct AddressConflict {
    /// The short address.
    pub short: ShortAddr,
    /// The IEEE address the map holds for it.
    pub existing: Eui64,
    /// The IEEE address now claiming it.
    pub claimed: Eui64,
}

/// Why the map was not updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AddressMapError {
    /// See [`AddressConflict`].
    #[error("address conflict on {}", .0.short)]
    Conflict(AddressConflict),
    /// No room for a new device.
    #[error(transparent)]
    Full(#[from] TableFull),
}

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AddressUpdate {
    /// A new device.
    Added,
    /// Already known with this address.
    Unchanged,
    /// A known device now uses a new short address (it rejoined).
    Moved {
        /// Its previous short address.
        old: ShortAddr,
    },
}

/// The address map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressMap<const N: usize> {
    entries: Vec<(ShortAddr, Eui64), N>,
}

impl<const N: usize> AddressMap<N> {
    /// An empty map.
    #[must_use]
    pub const fn new() -> Self {
        AddressMap {
            entries: Vec::new(),
        }
    }

    /// Records that `ieee` uses `short` (from a Device_annce, an NWK header
    /// carrying both, an association).
    ///
    /// # Errors
    /// [`AddressMapError::Conflict`] when another device holds `short` (the
    /// map is unchanged: the caller resolves, ZigBee R22 §3.6.1.9.3);
    /// [`AddressMapError::Full`].
    pub fn update(
        &mut self,
        short: ShortAddr,
        ieee: Eui64,
    ) -> Result<AddressUpdate, AddressMapError> {
        if let Some(&(_, existing)) = self.entries.iter().find(|e| e.0 == short)
            && existing != ieee
        {
            return Err(AddressMapError::Conflict(AddressConflict {
                short,
                existing,
                claimed: ieee,
            }));
        }
        if let Some(e) = self.entries.iter_mut().find(|e| e.1 == ieee) {
            let old = e.0;
            e.0 = short;
            return Ok(if old == short {
                AddressUpdate::Unchanged
            } else {
                AddressUpdate::Moved { old }
            });
        }
        self.entries.push((short, ieee)).map_err(|_| TableFull {
            table: "address map",
            capacity: N,
        })?;
        Ok(AddressUpdate::Added)
    }

    /// Checks a claim without recording it.
    #[must_use]
    pub fn conflict(&self, short: ShortAddr, ieee: Eui64) -> Option<AddressConflict> {
        self.entries
            .iter()
            .find(|e| e.0 == short && e.1 != ieee)
            .map(|e| AddressConflict {
                short,
                existing: e.1,
                claimed: ieee,
            })
    }

    /// The IEEE address of `short`.
    #[must_use]
    pub fn ieee(&self, short: ShortAddr) -> Option<Eui64> {
        self.entries.iter().find(|e| e.0 == short).map(|e| e.1)
    }

    /// The short address of `ieee`.
    #[must_use]
    pub fn short(&self, ieee: Eui64) -> Option<ShortAddr> {
        self.entries.iter().find(|e| e.1 == ieee).map(|e| e.0)
    }

    /// Whether `short` is in use.
    #[must_use]
    pub fn contains_short(&self, short: ShortAddr) -> bool {
        self.entries.iter().any(|e| e.0 == short)
    }

    /// Forgets a device.
    pub fn remove(&mut self, ieee: Eui64) -> bool {
        let n = self.entries.len();
        self.entries.retain(|e| e.1 != ieee);
        n != self.entries.len()
    }

    /// All `(short, ieee)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (ShortAddr, Eui64)> + '_ {
        self.entries.iter().copied()
    }

    /// Entries held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
