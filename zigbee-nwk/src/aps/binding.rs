//! The APS binding table (ZigBee R22 §2.2.8.2, apsBindingTable): for a
//! local source endpoint and cluster, where indirectly addressed data goes
//! (a group, or a device's endpoint by IEEE address). Filled by
//! APSME-BIND/UNBIND or by the ZDO Bind_req/Unbind_req the caller accepts;
//! used by [`ApsDataService::send_bound`](super::ApsDataService::send_bound).

use super::group::TableFull;
use dual_protocol_primitives::eui64::Eui64;
use heapless::Vec;

/// Where a binding points (§2.2.4.3.1, DstAddrMode 0x01 or 0x03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum BindingDestination {
    /// A group.
    Group(u16),
    /// A device's endpoint.
    Device {
        /// IEEE address.
        ieee: Eui64,
        /// Endpoint.
        endpoint: u8,
    },
}

/// One binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Binding {
    /// Local source endpoint.
    pub src_endpoint: u8,
    /// Cluster id.
    pub cluster: u16,
    /// Destination.
    pub dst: BindingDestination,
}

/// The binding table, at most `N` bindings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BindingTable<const N: usize> {
    entries: Vec<Binding, N>,
}

impl<const N: usize> BindingTable<N> {
    /// An empty table.
    #[must_use]
    pub const fn new() -> Self {
        BindingTable {
            entries: Vec::new(),
        }
    }

    /// APSME-BIND (§2.2.4.3.1); binding twice is not an error.
    ///
    /// # Errors
    /// [`TableFull`] (the ZDO Bind_rsp status TABLE_FULL).
    pub fn bind(&mut self, b: Binding) -> Result<(), TableFull> {
        if self.entries.contains(&b) {
            return Ok(());
        }
        self.entries.push(b).map_err(|_| TableFull {
            table: "APS binding table",
            capacity: N,
        })
    }

    /// APSME-UNBIND (§2.2.4.3.3); returns whether the binding existed
    /// (Unbind_rsp NO_ENTRY otherwise).
    pub fn unbind(&mut self, b: &Binding) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e != b);
        before != self.entries.len()
    }

    /// Destinations bound to `(src_endpoint, cluster)`.
    pub fn lookup(
        &self,
        src_endpoint: u8,
        cluster: u16,
    ) -> impl Iterator<Item = BindingDestination> + '_ {
        self.entries
            .iter()
            .filter(move |b| b.src_endpoint == src_endpoint && b.cluster == cluster)
            .map(|b| b.dst)
    }

    /// All bindings.
    pub fn iter(&self) -> impl Iterator<Item = &Binding> + '_ {
        self.entries.iter()
    }

    /// Bindings held.
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
