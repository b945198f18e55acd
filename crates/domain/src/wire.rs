//! Types that cross the network between a device and the registry.
//!
//! Every request carries the protocol version and the app version (see
//! `docs/sync-protocol.md`); the registry refuses versions it
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// What a person may do with a device, set when it is enrolled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Canvasser,
    Caller,
    Coordinator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Self::Canvasser,
        Self::Caller,
        Self::Coordinator,
        Self::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Canvasser => "canvasser",
            Self::Caller => "caller",
            Self::Coordinator => "coordinator",
            Self::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// `POST /v1/enrol`: a device's first contact, with a coordinator's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrolRequest {
    pub code: String,
    /// How the device is shown to coordinators ("Front desk laptop").
    pub device_name: String,
}

/// The registry's answer to an enrolment: the device's credential (shown
/// once) and what it was enrolled as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrolment {
    pub device_id: String,
    pub device_secret: String,
    pub campaign: String,
    pub office: String,
    pub role: Role,
}

/// `POST /v1/token`: a device trades its credential for an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRequest {
    pub device_id: String,
    pub device_secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessToken {
    pub access_token: String,
    /// Seconds until the token stops working.
    pub expires_in: u64,
    /// The device was revoked: it may only push what it holds, then wipe.
    pub revoked: bool,
}

/// `GET /v1/whoami`: the device as the registry sees it, with the scope the
/// registry computed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceIdentity {
    pub device_id: String,
    pub device_name: String,
    pub campaign: String,
    pub office: String,
    pub role: Role,
    /// The precincts the device's office covers.
    pub precincts: Vec<String>,
}

/// Every refused request's body: a stable code for programs and a sentence
/// for people (see `docs/sync-protocol.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
}
