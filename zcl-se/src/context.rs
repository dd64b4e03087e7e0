//! What decoding a ZCL frame needs from outside the frame: the cluster (from
//! the APS header), the profile, the application's extension tables and the
//! collection nesting limit.

use crate::cluster::{AttributeDef, ClusterDef, CommandDef, STANDARD_TABLES};
use crate::frame::Direction;
use crate::value::DEFAULT_MAX_NESTING;

/// The Smart Energy profile identifier.
pub const PROFILE_SMART_ENERGY: u16 = 0x0109;
/// The Home Automation profile identifier.
pub const PROFILE_HOME_AUTOMATION: u16 = 0x0104;

/// Decoding context for [`crate::Frame::decode_with`].
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Cluster identifier (from the APS frame).
    pub cluster: u16,
    /// Profile identifier (from the APS frame).
    pub profile: u16,
    /// Application-registered definitions (manufacturer-specific or profile
    /// extensions, such as the UK SSWG additions to Smart Energy), searched
    /// before the built-in tables.
    pub extensions: &'a [ClusterDef<'a>],
    /// Limit on nested arrays, structures, sets and bags.
    pub max_nesting: u8,
}

impl Context<'static> {
    /// A context for `cluster` in the Smart Energy profile, without extensions.
    #[must_use]
    pub const fn new(cluster: u16) -> Self {
        Context {
            cluster,
            profile: PROFILE_SMART_ENERGY,
            extensions: &[],
            max_nesting: DEFAULT_MAX_NESTING,
        }
    }
}

impl<'a> Context<'a> {
    /// The same context with a different profile.
    #[must_use]
    pub const fn with_profile(mut self, profile: u16) -> Self {
        self.profile = profile;
        self
    }

    /// The same context with extension tables.
    #[must_use]
    pub const fn with_extensions<'b>(self, extensions: &'b [ClusterDef<'b>]) -> Context<'b>
    where
        'a: 'b,
    {
        Context {
            cluster: self.cluster,
            profile: self.profile,
            extensions,
            max_nesting: self.max_nesting,
        }
    }

    /// The same context with another nesting limit.
    #[must_use]
    pub const fn with_max_nesting(mut self, max_nesting: u8) -> Self {
        self.max_nesting = max_nesting;
        self
    }

    /// Tables that apply to this cluster for a frame with `manufacturer`
    /// code (or none): extensions first, then the built-in tables (which
    /// apply only to frames that are not manufacturer specific).
    pub fn tables(&self, manufacturer: Option<u16>) -> impl Iterator<Item = &'a ClusterDef<'a>> {
        let cluster = self.cluster;
        let ext = self
            .extensions
            .iter()
            .filter(move |c| c.id == cluster && c.manufacturer == manufacturer);
        let std = STANDARD_TABLES
            .iter()
            .flat_map(|t| t.iter())
            .filter(move |c| c.id == cluster && manufacturer.is_none());
        ext.chain(std)
    }

    /// The cluster's name, from the extensions or the built-in tables.
    #[must_use]
    pub fn cluster_name(&self) -> Option<&'a str> {
        self.extensions
            .iter()
            .chain(STANDARD_TABLES.iter().flat_map(|t| t.iter()))
            .find(|c| c.id == self.cluster)
            .map(|c| c.name)
    }

    /// The definition of attribute `id`.
    #[must_use]
    pub fn attribute(&self, manufacturer: Option<u16>, id: u16) -> Option<&'a AttributeDef<'a>> {
        self.tables(manufacturer).find_map(|c| c.attribute(id))
    }

    /// The definition of cluster-specific command `id` travelling in `direction`.
    #[must_use]
    pub fn command(
        &self,
        manufacturer: Option<u16>,
        direction: Direction,
        id: u8,
    ) -> Option<&'a CommandDef<'a>> {
        self.tables(manufacturer)
            .find_map(|c| c.command(direction, id))
    }
}
