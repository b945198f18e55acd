//! The rows of the registry's change feed: what the registry decided, as a
//! device applies it (see `docs/sync-protocol.md`, "Pull").
//!
//! Every row is keyed by ids that mean the same on every device (voter ids
//! from the state's file, client-made UUIDs), never by a local row number.

use crate::contact::{DncChannel, Scope};
use crate::mutation::{CallbackRecord, ContactRecord};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "entity", rename_all = "snake_case")]
pub enum FeedRow {
    /// A contact attempt from any device of the office (a fact).
    ContactAttempt(FeedContact),
    /// A do-not-contact entry or a reversal (a fact).
    DncEntry(FeedDnc),
    /// A phone's status as the registry now has it (a wrong number, a
    /// disconnected one).
    PhoneStatus(FeedPhoneStatus),
    /// A voter's field as the registry now has it, after a correction.
    VoterField(FeedVoterField),
    /// Someone added at a door, now in the office's slice.
    Voter(FeedVoter),
    /// A voter's confirmed states after a coordinator's review: deceased,
    /// moved, removed from the slice.
    VoterStatus(FeedVoterStatus),
    /// A coordinator decided a change a device of the office sent to review
    /// (the device takes it off its needs-attention list).
    ReviewDecision(FeedReviewDecision),
    /// A call to make again at a set time.
    Callback(CallbackRecord),
}

impl FeedRow {
    pub fn entity(&self) -> &'static str {
        match self {
            Self::ContactAttempt(_) => "contact_attempt",
            Self::DncEntry(_) => "dnc_entry",
            Self::PhoneStatus(_) => "phone_status",
            Self::VoterField(_) => "voter_field",
            Self::Voter(_) => "voter",
            Self::VoterStatus(_) => "voter_status",
            Self::ReviewDecision(_) => "review_decision",
            Self::Callback(_) => "callback",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedContact {
    #[serde(flatten)]
    pub record: ContactRecord,
    /// The hybrid logical clock the recording device stamped on it.
    pub hlc: String,
    /// The device that recorded it.
    pub device_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedDnc {
    pub id: String,
    pub scope: Scope,
    pub target: String,
    pub channel: DncChannel,
    pub source: String,
    pub recorded_at: String,
    pub hlc: String,
    /// Set on a reversal: the entry it lifts.
    pub reverses: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPhoneStatus {
    pub voter_id: String,
    pub number: String,
    /// `ok`, `wrong`, `disconnected` or `invalid`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedVoterField {
    pub voter_id: String,
    pub field: String,
    pub value: String,
    /// The voter's version after this change.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedReviewDecision {
    /// The mutation the device sent.
    pub mutation_id: String,
    /// The decision's slug (`accept`, `confirm`, ...).
    pub action: String,
    /// What it did, in a sentence.
    pub outcome: String,
    /// When (RFC 3339).
    pub decided_at: String,
}

/// The whole of a voter's reviewed state, not one flag, so a laptop that
/// applies it ends as the registry is whatever it held before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedVoterStatus {
    pub voter_id: String,
    pub deceased: bool,
    pub moved: bool,
    pub removed: bool,
    /// The voter's version after this change.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedVoter {
    pub voter_id: String,
    pub household_address_key: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_name_their_entity_on_the_wire() {
        let row = FeedRow::PhoneStatus(FeedPhoneStatus {
            voter_id: "AA1".into(),
            number: "9195550100".into(),
            status: "wrong".into(),
        });
        let json = serde_json::to_value(&row).expect("serialises");
        assert_eq!(json["entity"], row.entity());
        assert_eq!(
            serde_json::from_value::<FeedRow>(json).expect("parses"),
            row
        );
    }
}
