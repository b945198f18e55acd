//! Types that cross the network between a device and the registry.
//!
//! Every request carries the protocol version and the app version (see
//! `docs/sync-protocol.md` once sync lands); the registry refuses versions it
//! has no handler for with a message saying which versions it speaks.

use serde::{Deserialize, Serialize};

/// The sync protocol this build speaks. Bumped when the wire format changes;
/// the registry keeps handlers for the previous versions.
pub const PROTOCOL_VERSION: u32 = 1;

/// The header a device sends its protocol version in.
pub const PROTOCOL_HEADER: &str = "x-groundgame-protocol";
/// The header a device sends its app version in.
pub const APP_VERSION_HEADER: &str = "x-groundgame-app-version";

/// The registry's answer to `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` when the registry can reach its database.
    pub status: HealthStatus,
    /// The registry's own version (its crate version).
    pub version: String,
    /// The oldest and newest protocol versions the registry accepts.
    pub protocol_min: u32,
    pub protocol_max: u32,
    /// The newest database migration applied.
    pub schema_version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    Ok,
    DatabaseUnavailable,
}

impl Health {
    pub fn accepts(&self, protocol: u32) -> bool {
        (self.protocol_min..=self.protocol_max).contains(&protocol)
    }
}
