//! The initial snapshot: a device's whole scope as it stands, streamed as
//! one JSON line per row (see `docs/sync-protocol.md`, "Initial sync").

use crate::feed::{FeedContact, FeedDnc};
use serde::{Deserialize, Serialize};

/// The entities of a snapshot, in the order they stream: do-not-contact
/// first (the priority data), then the voter file, then contact history.
pub const SNAPSHOT_ENTITIES: [&str; 6] = [
    "dnc_entry",
    "household",
    "voter",
    "phone",
    "vote",
    "contact_attempt",
];

/// Separates the parts of a composite key (`voter_id`, `number`).
pub const KEY_SEPARATOR: char = '\u{1f}';

// Lines are written and read one at a time, never held in bulk, so the
// size difference costs nothing and boxing every row would.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum SnapshotLine {
    /// First: the feed position the snapshot is as of (pull from there once
    /// it is done) and about how many rows follow.
    Header { position: i64, rows: u64 },
    /// One row; `key` is where a resumed snapshot picks up after it.
    Row { key: String, row: SnapshotRow },
    /// Last: everything was sent.
    End,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum SnapshotRow {
    DncEntry(FeedDnc),
    Household(SnapshotHousehold),
    Voter(SnapshotVoter),
    Phone(SnapshotPhone),
    Vote(SnapshotVote),
    ContactAttempt(FeedContact),
}

impl SnapshotRow {
    pub fn entity(&self) -> &'static str {
        match self {
            Self::DncEntry(_) => "dnc_entry",
            Self::Household(_) => "household",
            Self::Voter(_) => "voter",
            Self::Phone(_) => "phone",
            Self::Vote(_) => "vote",
            Self::ContactAttempt(_) => "contact_attempt",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHousehold {
    pub address_key: String,
    pub house_number: Option<i64>,
    pub street: String,
    pub unit: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub precinct_code: Option<String>,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotVoter {
    pub voter_id: String,
    /// The household's address key; none when the state withholds it.
    pub household_key: Option<String>,
    pub last_name: String,
    pub first_name: String,
    pub middle_name: String,
    pub suffix: String,
    pub birth_year: Option<i32>,
    pub gender: String,
    pub party: String,
    pub status: String,
    /// ISO 8601 date.
    pub registered_on: Option<String>,
    pub confidential: bool,
    pub county: String,
    pub source: String,
    pub content_hash: i64,
    pub version: i64,
    pub removed: bool,
    pub language: String,
    pub best_time: String,
    /// Added at a door, not from a state file.
    pub added_at_door: bool,
    /// Confirmed by a coordinator (a report alone stays on the laptop that
    /// made it); absent from registries before the review queue.
    #[serde(default)]
    pub deceased: bool,
    #[serde(default)]
    pub moved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPhone {
    pub voter_id: String,
    pub number: String,
    pub status: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotVote {
    pub voter_id: String,
    /// ISO 8601 date.
    pub election_date: String,
    pub election_type: String,
    pub election_desc: String,
    pub method: String,
    pub party: String,
}

/// Where a snapshot resumes: after `key` of `entity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumePoint {
    pub entity: String,
    pub key: String,
}

impl ResumePoint {
    /// `entity:key`, as the query parameter carries it.
    pub fn parse(text: &str) -> Option<Self> {
        let (entity, key) = text.split_once(':')?;
        SNAPSHOT_ENTITIES.contains(&entity).then(|| Self {
            entity: entity.to_owned(),
            key: key.to_owned(),
        })
    }

    pub fn encode(&self) -> String {
        format!("{}:{}", self.entity, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_resume_points_round_trip() {
        let line = SnapshotLine::Row {
            key: "AA1".into(),
            row: SnapshotRow::Phone(SnapshotPhone {
                voter_id: "AA1".into(),
                number: "9195550100".into(),
                status: "ok".into(),
                source: "file".into(),
            }),
        };
        let text = serde_json::to_string(&line).expect("serialises");
        assert_eq!(
            serde_json::from_str::<SnapshotLine>(&text).expect("parses"),
            line
        );
        let end = serde_json::to_string(&SnapshotLine::End).expect("serialises");
        assert_eq!(end, r#"{"line":"end"}"#);
        let point = ResumePoint::parse("voter:AA1").expect("a point");
        assert_eq!(point.encode(), "voter:AA1");
        assert!(ResumePoint::parse("turnips:1").is_none());
        assert!(ResumePoint::parse("voter").is_none());
    }
}
