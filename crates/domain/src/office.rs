//! What the field office's screens show: turfs and walk lists, calls,
//! contact history, do-not-contact entries, imports. The store returns these
//! and the app's commands pass them to the UI unchanged.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurfSummary {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub households: i64,
    pub voters: i64,
    /// Doors with a door result recorded on this turf, by any laptop.
    pub knocked: i64,
    /// The id every laptop of the office knows it by (none for a turf made
    /// before turfs were shared).
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub precinct: Option<String>,
    #[serde(default = "open")]
    pub state: crate::work::WorkState,
    /// Who has it out, if anyone (as this laptop last heard).
    #[serde(default)]
    pub hold: Option<crate::work::TurfHold>,
    /// The volunteers it is assigned to, by name.
    #[serde(default)]
    pub assigned: Vec<String>,
}

fn open() -> crate::work::WorkState {
    crate::work::WorkState::Open
}

/// One door on a walk list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkStop {
    pub household_id: i64,
    pub address: String,
    pub street: String,
    pub house_number: Option<i64>,
    pub unit: String,
    /// `odd` or `even`: canvassers work one side of the street at a time.
    pub side: String,
    pub inaccessible: bool,
    /// A do-not-walk entry covers this address: listed, but not to knock.
    pub do_not_walk: bool,
    pub voters: Vec<WalkVoter>,
}

/// Part of a turf's walk list: the doors numbered `from + 1` to
/// `from + doors` in walking order (fewer when some have nobody left to ask
/// for). A screen reads a turf a page at a time; printing reads it whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkPage {
    pub stops: Vec<WalkStop>,
    /// Doors in the whole turf.
    pub total_doors: u32,
    /// Where the next page starts, if there is one.
    pub next_from: Option<u32>,
    /// What the canvasser reads and asks at each door: the turf's script
    /// with the volunteer's name filled in (the window fills in the voter's
    /// fields at each door), its questions and the result codes shown.
    #[serde(default)]
    pub script: Option<CallScript>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkVoter {
    pub voter_id: String,
    pub name: String,
    pub age: Option<i64>,
    pub party: String,
    /// The latest door result, if any.
    pub last_result: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallListSummary {
    pub id: i64,
    pub name: String,
    pub items: i64,
    pub done: i64,
    pub attempted: i64,
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default = "open")]
    pub state: crate::work::WorkState,
    /// The volunteers it is assigned to, by name.
    #[serde(default)]
    pub assigned: Vec<String>,
}

/// A call handed to a caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallAssignment {
    pub item_id: i64,
    pub voter_id: String,
    pub name: String,
    pub phone: String,
    pub phone_display: String,
    pub tel: String,
    pub attempts: i64,
    pub callback_due: bool,
    pub lease_expires_at: String,
    pub lease_epoch: i64,
    /// The voter's local time when the call was handed out (`18:42`).
    pub local_time: String,
    /// What the caller reads and asks, with the voter's name filled in.
    pub script: CallScript,
}

/// A call list's script and its survey questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallScript {
    pub name: String,
    pub body: String,
    pub questions: Vec<SurveyQuestion>,
    /// The result codes the volunteer is offered, by slug, in order (the
    /// list's choice; every opt-out is always there).
    #[serde(default)]
    pub results: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyQuestion {
    pub slug: String,
    pub prompt: String,
    pub options: Vec<SurveyOption>,
    /// The version shown: the answer is recorded against it.
    #[serde(default)]
    pub version: u32,
    /// Whether an "other" note may go with the answer.
    #[serde(default)]
    pub other: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyOption {
    pub slug: String,
    pub label: String,
    /// The key that picks it in the app.
    pub key: String,
}

/// What recording did, for the volunteer's screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactOutcome {
    pub attempt_id: String,
    pub result: String,
    /// What else changed, in words: "phone 9195550101 marked disconnected".
    pub consequences: Vec<String>,
    pub needs_confirmation: bool,
}

/// One attempt in a voter's contact history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactHistoryEntry {
    pub attempt_id: String,
    pub channel: String,
    pub result: String,
    pub result_label: String,
    pub phone: Option<String>,
    /// Who made it: the volunteer's name as the roster has it.
    pub volunteer: Option<String>,
    /// Their id on the roster, when the attempt names one.
    #[serde(default)]
    pub volunteer_id: Option<String>,
    pub note: String,
    pub recorded_at: String,
    pub answers: Vec<GivenAnswer>,
}

/// An answer as the voter's detail shows it: the question's version that
/// was asked, with that version's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GivenAnswer {
    pub question: String,
    pub version: Option<u32>,
    pub answer: String,
    /// The question as that version asked it (empty if this laptop does
    /// not hold the version).
    pub text: String,
    /// The answer's label in that version.
    pub label: String,
    #[serde(default)]
    pub other: Option<String>,
}

/// An entry in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DncEntry {
    pub id: String,
    pub scope: String,
    pub target: String,
    pub channel: String,
    pub source: String,
    pub recorded_at: String,
}

/// How far an import has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    pub bytes_read: u64,
    pub bytes_total: u64,
    pub rows: u64,
}

/// What an import did. For a re-import, `new + moved + changed + unchanged`
/// is the voters in the file and `removed` those no longer in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub file: String,
    pub layout: String,
    pub encoding: String,
    pub rows: u64,
    pub voters: u64,
    pub votes: u64,
    /// Votes for voters outside this office's slice (a statewide history
    /// file against a county's voters): not an error.
    pub votes_unmatched: u64,
    pub new: u64,
    pub moved: u64,
    pub changed: u64,
    pub removed: u64,
    pub unchanged: u64,
    pub skipped: Vec<SkippedLine>,
    pub warnings: Vec<String>,
    /// On the registry: records (voters, households, phones, votes, moves)
    /// the load sent to laptops already in the field through the change
    /// feed, for the precincts offices cover.
    #[serde(default)]
    pub sent_to_laptops: u64,
}

/// The summary a person reads after an import (the laptop's and the
/// registry's command lines print the same): a headline, then a line per
/// note about the file and per skipped line.
impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} rows; {} new, {} moved, {} changed, {} removed, {} unchanged voters; {} votes",
            self.file,
            self.rows,
            self.new,
            self.moved,
            self.changed,
            self.removed,
            self.unchanged,
            self.votes
        )?;
        if self.votes_unmatched > 0 {
            write!(f, " ({} for voters not on file here)", self.votes_unmatched)?;
        }
        if self.sent_to_laptops > 0 {
            write!(
                f,
                "; {} records sent to the offices' laptops",
                self.sent_to_laptops
            )?;
        }
        for warning in &self.warnings {
            write!(f, "\n  note: {warning}")?;
        }
        for skipped in &self.skipped {
            write!(f, "\n  skipped: {}", skipped.error)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedLine {
    pub line: u64,
    pub error: String,
}

/// Everything the voter detail screen shows about one voter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterDetail {
    pub voter_id: String,
    pub name: String,
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
    pub suffix: String,
    /// Empty when the state withholds it.
    pub address: String,
    pub city: String,
    pub zip: String,
    pub confidential: bool,
    pub party: String,
    pub status: String,
    pub age: Option<i64>,
    pub registered_on: Option<String>,
    pub precinct: String,
    pub language: String,
    pub best_time: String,
    pub moved: bool,
    pub deceased: bool,
    /// Absent from the newest voter file: kept, not worked.
    pub removed: bool,
    /// Sent with a correction, so the registry can tell a concurrent edit.
    pub version: i64,
    pub household: Vec<HouseholdMember>,
    pub phones: Vec<PhoneEntry>,
    pub votes: Vec<VoteEntry>,
    pub contacts: Vec<ContactHistoryEntry>,
    pub dnc: Vec<DncEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdMember {
    pub voter_id: String,
    pub name: String,
    pub age: Option<i64>,
    pub party: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneEntry {
    pub number: String,
    pub display: String,
    /// Empty when the number cannot be dialled.
    pub tel: String,
    /// ok, wrong, disconnected or invalid.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteEntry {
    pub date: String,
    pub kind: String,
    pub method: String,
    pub party: String,
}

/// Someone met at a door who may not be in the voter file yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPerson {
    /// A voter who lives at the door; the new person joins their household.
    pub at_door_of: String,
    pub first_name: String,
    pub last_name: String,
    pub birth_year: Option<i32>,
    pub phone: Option<String>,
}

/// A voter already in the slice who may be the person met at the door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonMatch {
    pub voter_id: String,
    pub name: String,
    pub address: String,
    pub age: Option<i64>,
    pub same_household: bool,
    /// Why it is offered: "same household", "same name", "born 1984"...
    pub reasons: Vec<String>,
}

/// One line of the audit log: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}
