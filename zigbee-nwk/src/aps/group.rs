//! The APS group table (ZigBee R22 §2.2.8.3, apsGroupTable): which local
//! endpoints belong to which 16-bit group. Group-addressed data frames
//! (delivery mode 0b11) are delivered only for groups in the table.

use heapless::Vec;

/// A table is full; the entry was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[error("{table} full ({capacity} entries)")]
pub struct TableFull {
    /// Which table.
    pub table: &'static str,
    /// Its capacity.
    pub capacity: usize,
}

/// The group table: `(group, endpoint)` memberships, at most `N`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupTable<const N: usize> {
    entries: Vec<(u16, u8), N>,
}

impl<const N: usize> GroupTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        GroupTable {
            entries: Vec::new(),
        }
    }

    /// APSME-ADD-GROUP (§2.2.4.5.1): adds `endpoint` to `group` (no effect if already there).
    ///
    /// # Errors
    /// [`TableFull`].
    pub fn add(&mut self, group: u16, endpoint: u8) -> Result<(), TableFull> {
        if self.entries.contains(&(group, endpoint)) {
            return Ok(());
        }
        self.entries.push((group, endpoint)).map_err(|_| TableFull {
            table: "APS group table",
            capacity: N,
        })
    }

    /// APSME-REMOVE-GROUP (§2.2.4.5.3); returns whether it was there.
    pub fn remove(&mut self, group: u16, endpoint: u8) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| *e != (group, endpoint));
        before != self.entries.len()
    }

    /// APSME-REMOVE-ALL-GROUPS (§2.2.4.5.5) for one endpoint.
    pub fn remove_endpoint(&mut self, endpoint: u8) {
        self.entries.retain(|e| e.1 != endpoint);
    }

    /// Whether any local endpoint is a member of `group`.
    #[must_use]
    pub fn contains(&self, group: u16) -> bool {
        self.entries.iter().any(|e| e.0 == group)
    }

    /// The local endpoints in `group`.
    pub fn endpoints(&self, group: u16) -> impl Iterator<Item = u8> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.0 == group)
            .map(|e| e.1)
    }

    /// Memberships held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
