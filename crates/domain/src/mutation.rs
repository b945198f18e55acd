//! The named, versioned mutations a device records in its outbox and the
//! registry applies (sync brief, principle 1: devices send intent).
//!
//! Every mutation is self-contained: it names voters by their state voter id
//! and carries client-generated ids, so the registry can apply it exactly
//! once, whichever device or retry delivers it.

use crate::contact::{Channel, DncChannel, Scope, SurveyAnswer};
use crate::lease::{LeaseRef, LeaseTarget};
use crate::voter::VoterId;
use serde::{Deserialize, Serialize};

/// The version of the mutation formats below; the registry keeps handlers for
/// older ones so an old client can always push what it holds.
pub const MUTATION_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mutation {
    RecordContact(ContactRecord),
    AddDnc(DncRecord),
    ReverseDnc(DncReversal),
    CorrectVoterField(VoterCorrection),
    AddVoter(AddedVoter),
    ScheduleCallback(CallbackRecord),
    ReleaseLease(LeaseRelease),
}

impl Mutation {
    /// The name stored beside the payload, for queries and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RecordContact(_) => "record_contact",
            Self::AddDnc(_) => "add_dnc",
            Self::ReverseDnc(_) => "reverse_dnc",
            Self::CorrectVoterField(_) => "correct_voter_field",
            Self::AddVoter(_) => "add_voter",
            Self::ScheduleCallback(_) => "schedule_callback",
            Self::ReleaseLease(_) => "release_lease",
        }
    }

    /// What the change was, in a line a volunteer recognises (the
    /// needs-attention list shows it).
    pub fn summary(&self) -> String {
        match self {
            Self::RecordContact(contact) => format!(
                "{} ({}) for {} at {}",
                contact.result, contact.channel, contact.voter_id, contact.recorded_at
            ),
            Self::AddDnc(entry) => format!(
                "do not contact by {} at {} {}",
                entry.channel.slug(),
                entry.scope.slug(),
                entry.target
            ),
            Self::ReverseDnc(reversal) => {
                format!("lift do-not-contact entry {}", reversal.entry_id)
            }
            Self::CorrectVoterField(correction) => format!(
                "{} of {} corrected to {:?}",
                correction.field, correction.voter_id, correction.value
            ),
            Self::AddVoter(voter) => format!(
                "{} {} added at {}",
                voter.first_name, voter.last_name, voter.household_address_key
            ),
            Self::ScheduleCallback(callback) => {
                format!("call {} back at {}", callback.voter_id, callback.due_at)
            }
            Self::ReleaseLease(release) => format!("done with {}", release.target),
        }
    }
}

/// A contact attempt: an append-only fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub attempt_id: String,
    pub voter_id: VoterId,
    pub channel: Channel,
    /// A result code's slug (`not-home`, `refused`, ...).
    pub result: String,
    pub phone: Option<String>,
    pub call_list: Option<String>,
    pub turf: Option<String>,
    pub answers: Vec<SurveyAnswer>,
    pub note: Option<String>,
    pub volunteer: Option<String>,
    /// RFC 3339, the device's wall clock when the result was recorded.
    pub recorded_at: String,
    /// The registry lease the call was made under, if the laptop held one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<LeaseRef>,
}

/// A do-not-contact entry. `target` is a voter id, a phone's ten digits, an
/// address key or a household's address key, by `scope`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DncRecord {
    pub entry_id: String,
    pub scope: Scope,
    pub target: String,
    pub channel: DncChannel,
    /// Who or what asked: `voter request`, `result:hostile`, `state list`...
    pub source: String,
    pub recorded_at: String,
}

/// The explicit event that lifts a do-not-contact entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DncReversal {
    pub reversal_id: String,
    pub entry_id: String,
    pub source: String,
    pub recorded_at: String,
}

/// A field of a voter corrected on this device; `base_version` is the
/// voter's version the device last saw, so the registry can tell a
/// concurrent edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterCorrection {
    pub correction_id: String,
    pub voter_id: VoterId,
    pub field: String,
    pub value: String,
    pub base_version: i64,
    pub recorded_at: String,
}

/// A person met at the door and not found in the voter file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedVoter {
    pub voter_id: VoterId,
    pub household_address_key: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
    pub recorded_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRecord {
    pub callback_id: String,
    pub voter_id: VoterId,
    pub phone: String,
    pub call_list: String,
    /// RFC 3339: when the call should come back.
    pub due_at: String,
    pub recorded_at: String,
}

/// The device is done with a target (the call's result is recorded): the
/// registry ends its lease if the epoch still matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseRelease {
    pub target: LeaseTarget,
    pub epoch: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_carry_their_kind_on_the_wire() {
        let mutation = Mutation::ReverseDnc(DncReversal {
            reversal_id: "r1".into(),
            entry_id: "e1".into(),
            source: "voter asked".into(),
            recorded_at: "2026-11-26T12:00:00Z".into(),
        });
        let json = serde_json::to_value(&mutation).expect("serialises");
        assert_eq!(json["kind"], mutation.kind());
        assert_eq!(
            serde_json::from_value::<Mutation>(json).expect("parses"),
            mutation
        );
    }
}
