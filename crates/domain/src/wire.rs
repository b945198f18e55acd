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

/// The stable codes of `ApiErrorBody::error`, shared by the registry that
/// sends them and the client that acts on them (docs/sync-protocol.md,
/// "Every request"). The wire carries the text, so a newer registry's code
/// reaches an older client as text it shows rather than a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Malformed,
    Unauthenticated,
    DeviceRevoked,
    DeviceWiped,
    OutsideScope,
    NotFound,
    NotACoordinator,
    Timeout,
    SequenceGap,
    SequenceMismatch,
    CheckpointAhead,
    AlreadyResolved,
    CannotApply,
    TooLarge,
    UnknownFormat,
    ProtocolUnsupported,
    RateLimited,
    Unavailable,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        Self::Malformed,
        Self::Unauthenticated,
        Self::DeviceRevoked,
        Self::DeviceWiped,
        Self::OutsideScope,
        Self::NotFound,
        Self::NotACoordinator,
        Self::Timeout,
        Self::SequenceGap,
        Self::SequenceMismatch,
        Self::CheckpointAhead,
        Self::AlreadyResolved,
        Self::CannotApply,
        Self::TooLarge,
        Self::UnknownFormat,
        Self::ProtocolUnsupported,
        Self::RateLimited,
        Self::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Unauthenticated => "unauthenticated",
            Self::DeviceRevoked => "device_revoked",
            Self::DeviceWiped => "device_wiped",
            Self::OutsideScope => "outside_scope",
            Self::NotFound => "not_found",
            Self::NotACoordinator => "not_a_coordinator",
            Self::Timeout => "timeout",
            Self::SequenceGap => "sequence_gap",
            Self::SequenceMismatch => "sequence_mismatch",
            Self::CheckpointAhead => "checkpoint_ahead",
            Self::AlreadyResolved => "already_resolved",
            Self::CannotApply => "cannot_apply",
            Self::TooLarge => "too_large",
            Self::UnknownFormat => "unknown_format",
            Self::ProtocolUnsupported => "protocol_unsupported",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }
}

/// The most mutations one push may carry.
pub const PUSH_LIMIT: usize = 500;
/// About the most payload bytes one push carries (a device cuts its batch
/// here; one mutation alone may be bigger, up to its kind's limit), well
/// under the registry's 4 MiB body limit.
pub const PUSH_BYTES: usize = 2 * 1024 * 1024;
/// The most changes one pull page may carry.
pub const PULL_LIMIT: u32 = 5_000;

/// `POST /v1/push`: the oldest pending part of the device's outbox, in
/// sequence order. The device is the one the access token names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub mutations: Vec<PushMutation>,
}

/// One outbox entry on the wire. The payload stays raw JSON here: the
/// registry reads it by `kind` and `version`, and one it cannot read is
/// rejected on its own rather than refusing the whole push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushMutation {
    /// The device's own sequence: 1, 2, 3, ... with no holes.
    pub seq: i64,
    /// A UUIDv7 made on the device.
    pub mutation_id: String,
    /// `record_contact`, `add_dnc`, `reverse_dnc`, `correct_voter_field`,
    /// `add_voter`, `schedule_callback`.
    pub kind: String,
    pub version: u32,
    /// The device's hybrid logical clock when it made the change.
    pub hlc: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PushOutcome {
    /// Applied to the campaign's data now.
    Applied,
    /// Applied by an earlier push; this is the result stored then.
    Duplicate,
    /// Not applied, with a reason a person can act on; it goes to the
    /// device's needs-attention list and never blocks what follows.
    Rejected,
    /// Applied to the coordinators' review queue instead of the record.
    Conflict,
}

impl PushOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Duplicate => "duplicate",
            Self::Rejected => "rejected",
            Self::Conflict => "conflict",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Applied,
            Self::Duplicate,
            Self::Rejected,
            Self::Conflict,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResult {
    pub seq: i64,
    pub mutation_id: String,
    pub result: PushOutcome,
    /// For `duplicate`, what the first push got: `applied`, `rejected` or
    /// `conflict`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_result: Option<PushOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// The highest sequence the registry has applied for this device.
    pub last_applied_seq: i64,
    /// The registry's hybrid logical clock, for the device to observe.
    pub registry_hlc: String,
}

/// One change of the feed, in commit order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub position: i64,
    /// The changed thing's key within its entity (an attempt id, a voter id).
    pub key: String,
    pub version: i64,
    /// The row, tagged with its `entity` (see `feed::FeedRow`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub row: crate::feed::FeedRow,
}

/// `GET /v1/pull`'s answer: the next changes in the device's scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// The position read up to, past changes outside the device's scope;
    /// the next pull asks for what comes after it.
    pub checkpoint: i64,
    /// The feed's head was reached: applying now gives the registry's view
    /// as of `checkpoint`.
    pub complete: bool,
}

/// The most targets one lease request may name.
pub const LEASE_BATCH: usize = 1_000;
/// The longest lease: a day's calling taken before going offline.
pub const LEASE_TTL_MAX: u32 = 12 * 60 * 60;

/// `POST /v1/leases`: lease (or renew) call targets for this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseRequest {
    /// `phone:<ten digits>` or `household:<address key>`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub targets: Vec<crate::lease::LeaseTarget>,
    /// 60 to 43,200 seconds.
    pub ttl_seconds: u32,
    /// Grant every target or none (a turf's doors: a canvasser takes the
    /// whole turf or it is someone else's); up to [`LEASE_ALL_MAX`] targets.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all_or_nothing: bool,
    /// Who at the device holds them (the volunteer signed in; 1 to 200
    /// printable characters), named to others the targets are refused to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
}

/// The most targets an all-or-nothing lease request names: a turf's doors.
pub const LEASE_ALL_MAX: usize = crate::work::TURF_DOORS_MAX;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseGrant {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub target: crate::lease::LeaseTarget,
    pub epoch: i64,
    /// RFC 3339.
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseRefusal {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub target: crate::lease::LeaseTarget,
    /// When the device holding it lets it go at the latest (RFC 3339).
    pub held_until: String,
    /// The name of the device holding it, as its office enrolled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<String>,
}

/// Every target asked for is either granted to this device or held by
/// another until a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaseResponse {
    pub granted: Vec<LeaseGrant>,
    pub refused: Vec<LeaseRefusal>,
}

#[cfg(test)]
mod error_code_tests {
    use super::ErrorCode;

    #[test]
    fn every_error_code_reads_back_and_is_its_wire_name() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert_eq!(
                serde_json::to_value(code).expect("serialises"),
                serde_json::Value::from(code.as_str())
            );
        }
        assert_eq!(ErrorCode::parse("made_up"), None);
    }
}
