//! The rows of the registry's change feed: what the registry decided, as a
//! device applies it (see `docs/sync-protocol.md`, "Pull").
//!
//! Every row is keyed by ids that mean the same on every device (voter ids
//! from the state's file, client-made UUIDs), never by a local row number.

use crate::contact::{DncChannel, Scope};
use crate::mutation::{CallbackRecord, ContactRecord};
use crate::quality::{AttemptFlag, BatchDecision};
use crate::results::GoalsRecord;
use crate::snapshot::{SnapshotHousehold, SnapshotPhone, SnapshotVote, SnapshotVoter};
use crate::survey::{QuestionRecord, ScriptRecord, VolunteerRecord, WorkSetupRecord};
use crate::work::{CallItemsRecord, CallListRecord, SegmentRecord, TurfRecord, WorkStateRecord};
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
    /// What a voter-file load changed in one precinct, in bulk.
    VoterFile(FeedVoterFile),
    /// A segment saved or edited by a coordinator of the office.
    Segment(SegmentRecord),
    /// A call list made by a coordinator of the office (its items follow).
    CallList(CallListRecord),
    /// Items of a call list, in order.
    CallItems(CallItemsRecord),
    /// A turf with its doors in walking order.
    Turf(TurfRecord),
    /// A list, turf or segment closed, reopened or deleted.
    WorkState(WorkStateRecord),
    /// A version of a survey question (new, retired or restored).
    Question(QuestionRecord),
    /// A script written or edited.
    Script(ScriptRecord),
    /// A volunteer of the office added, edited or retired.
    Volunteer(VolunteerRecord),
    /// A list's or turf's script, result codes and volunteers.
    WorkSetup(WorkSetupRecord),
    /// The office's daily goals as its coordinator last set them.
    Goals(GoalsRecord),
    BatchDecision(BatchDecision),
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
            Self::VoterFile(_) => "voter_file",
            Self::Segment(_) => "segment",
            Self::CallList(_) => "call_list",
            Self::CallItems(_) => "call_items",
            Self::Turf(_) => "turf",
            Self::WorkState(_) => "work_state",
            Self::Question(_) => "question",
            Self::Script(_) => "script",
            Self::Volunteer(_) => "volunteer",
            Self::WorkSetup(_) => "work_setup",
            Self::Goals(_) => "goals",
            Self::BatchDecision(_) => "batch_decision",
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
    /// What the registry noticed about it when it arrived (a lease that had
    /// passed on, a revoked laptop): quality control's evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<AttemptFlag>,
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

/// What a voter-file load on the registry changed in one precinct, in bulk
/// (one row carries up to [`VOTER_FILE_CHANGE_BYTES`] of records): the
/// whole record of every voter it added, changed, moved in or removed, as
/// the snapshot sends it, with the households they live in, and the phones
/// and votes a laptop lacks. A laptop applies a voter only when it is as
/// new as what it holds from the registry (`version`), so a replayed or
/// reordered change never sets a voter back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedVoterFile {
    /// The precinct these records are about.
    pub precinct: String,
    /// Voters who moved out of this precinct: an office that does not cover
    /// where they went takes them out of its slice. Sent before the
    /// precinct they moved to, so an office covering both ends with them in.
    #[serde(default)]
    pub moved_out: Vec<VoterMovedOut>,
    #[serde(default)]
    pub households: Vec<SnapshotHousehold>,
    #[serde(default)]
    pub voters: Vec<SnapshotVoter>,
    /// Every phone of a voter new to the precinct, and the numbers the file
    /// added for the others.
    #[serde(default)]
    pub phones: Vec<SnapshotPhone>,
    /// Every vote of a voter new to the precinct, and the votes the file
    /// added or changed for the others.
    #[serde(default)]
    pub votes: Vec<SnapshotVote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterMovedOut {
    pub voter_id: String,
    /// The voter's version after the move.
    pub version: i64,
}

/// About how many bytes of records one voter-file change carries: a few
/// hundred voters, well under a pull page.
pub const VOTER_FILE_CHANGE_BYTES: usize = 48 * 1024;

/// One record of a voter-file change, in the order a laptop must apply
/// them: moves out first, then households, the voters living in them, and
/// their phones and votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoterFileRecord {
    MovedOut(VoterMovedOut),
    Household(SnapshotHousehold),
    Voter(SnapshotVoter),
    Phone(SnapshotPhone),
    Vote(SnapshotVote),
}

impl FeedVoterFile {
    fn empty(precinct: &str) -> Self {
        Self {
            precinct: precinct.to_owned(),
            moved_out: Vec::new(),
            households: Vec::new(),
            voters: Vec::new(),
            phones: Vec::new(),
            votes: Vec::new(),
        }
    }

    fn is_empty(&self) -> bool {
        self.moved_out.is_empty()
            && self.households.is_empty()
            && self.voters.is_empty()
            && self.phones.is_empty()
            && self.votes.is_empty()
    }

    /// Packs one precinct's records, in the order given, into changes of
    /// about `budget` bytes of JSON each (a record larger than the budget
    /// is a change of its own). A laptop applies changes in feed order and
    /// each change's records in the order of [`VoterFileRecord`], so as
    /// long as `records` come in that order (all moves out, households,
    /// voters, phones, votes), no record is applied before what it needs.
    pub fn pack(
        precinct: &str,
        records: impl IntoIterator<Item = VoterFileRecord>,
        budget: usize,
    ) -> Vec<Self> {
        let mut changes = Vec::new();
        let mut current = Self::empty(precinct);
        let mut bytes = 0;
        for record in records {
            let size = record.json_len();
            if bytes > 0 && bytes + size > budget {
                changes.push(std::mem::replace(&mut current, Self::empty(precinct)));
                bytes = 0;
            }
            bytes += size;
            match record {
                VoterFileRecord::MovedOut(moved) => current.moved_out.push(moved),
                VoterFileRecord::Household(household) => current.households.push(household),
                VoterFileRecord::Voter(voter) => current.voters.push(voter),
                VoterFileRecord::Phone(phone) => current.phones.push(phone),
                VoterFileRecord::Vote(vote) => current.votes.push(vote),
            }
        }
        if !current.is_empty() {
            changes.push(current);
        }
        changes
    }

    /// How many records of each kind, for reports.
    pub fn records(&self) -> usize {
        self.moved_out.len()
            + self.households.len()
            + self.voters.len()
            + self.phones.len()
            + self.votes.len()
    }
}

impl VoterFileRecord {
    /// The bytes it takes in a change's JSON (and a comma).
    fn json_len(&self) -> usize {
        struct Count(usize);
        impl std::io::Write for Count {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0 += bytes.len();
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut count = Count(1);
        let written = match self {
            Self::MovedOut(moved) => serde_json::to_writer(&mut count, moved),
            Self::Household(household) => serde_json::to_writer(&mut count, household),
            Self::Voter(voter) => serde_json::to_writer(&mut count, voter),
            Self::Phone(phone) => serde_json::to_writer(&mut count, phone),
            Self::Vote(vote) => serde_json::to_writer(&mut count, vote),
        };
        // Plain structs of strings and numbers always serialise.
        written.map(|()| count.0).unwrap_or(0)
    }
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

    fn vote(voter: &str, year: i32) -> VoterFileRecord {
        VoterFileRecord::Vote(SnapshotVote {
            voter_id: voter.into(),
            election_date: format!("{year}-11-03"),
            election_type: "general".into(),
            election_desc: "GENERAL".into(),
            method: "in person".into(),
            party: String::new(),
        })
    }

    fn moved(voter: &str) -> VoterFileRecord {
        VoterFileRecord::MovedOut(VoterMovedOut {
            voter_id: voter.into(),
            version: 2,
        })
    }

    /// (records, budget, the kinds of each change as a string)
    #[test]
    fn voter_file_records_pack_in_order_within_the_budget() {
        let one_vote = vote("AA1", 2020).json_len();
        let cases: Vec<(Vec<VoterFileRecord>, usize, Vec<&str>)> = vec![
            (Vec::new(), 1000, vec![]),
            (vec![vote("AA1", 2020)], 1000, vec!["v"]),
            // Exactly two fit.
            (
                vec![vote("AA1", 2020), vote("AA1", 2022), vote("AA1", 2024)],
                one_vote * 2,
                vec!["vv", "v"],
            ),
            // A record over the budget is a change of its own.
            (
                vec![vote("AA1", 2020), vote("AA2", 2020)],
                1,
                vec!["v", "v"],
            ),
            // Moves out stay ahead of what follows, across changes.
            (
                vec![moved("AA1"), moved("AA2"), vote("AA3", 2020)],
                1000,
                vec!["mmv"],
            ),
            // Two small moves share a vote's budget; the vote does not fit.
            (
                vec![moved("AA1"), moved("AA2"), vote("AA3", 2020)],
                one_vote,
                vec!["mm", "v"],
            ),
        ];
        for (records, budget, expected) in cases {
            let packed = FeedVoterFile::pack("WAKE-01", records.clone(), budget);
            let shapes: Vec<String> = packed
                .iter()
                .map(|change| {
                    assert_eq!(change.precinct, "WAKE-01");
                    "m".repeat(change.moved_out.len())
                        + &"h".repeat(change.households.len())
                        + &"p".repeat(change.voters.len())
                        + &"n".repeat(change.phones.len())
                        + &"v".repeat(change.votes.len())
                })
                .collect();
            assert_eq!(shapes, expected, "{records:?} in {budget}");
            let total: usize = packed.iter().map(FeedVoterFile::records).sum();
            assert_eq!(total, records.len(), "nothing dropped");
        }
    }
}
