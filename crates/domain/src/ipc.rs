//! Requests and responses between the Yew front end and the desktop shell.
//!
//! Every Tauri command takes and returns types from this module, so the two
//! sides are compiled against one definition.

use crate::contact::{Channel, DncChannel, Scope, SurveyAnswer};
use crate::voter::{Party, VoterId};
use serde::{Deserialize, Serialize};

/// The names of the Tauri commands, shared so a rename breaks the build of
/// both sides instead of failing at run time.
pub mod command {
    pub const LOCK_STATE: &str = "lock_state";
    pub const UNLOCK: &str = "unlock";
    pub const OFFICE_OVERVIEW: &str = "office_overview";
    pub const SEARCH_VOTERS: &str = "search_voters";
    pub const VOTER_DETAIL: &str = "voter_detail";
    pub const RECORD_CONTACT: &str = "record_contact";
    pub const ADD_DNC: &str = "add_dnc";
    pub const REVERSE_DNC: &str = "reverse_dnc";
    pub const CORRECT_VOTER: &str = "correct_voter";
    pub const TURFS: &str = "turfs";
    pub const WALK_LIST: &str = "walk_list";
    pub const CALL_LISTS: &str = "call_lists";
    pub const NEXT_CALL: &str = "next_call";
    pub const RELEASE_CALL: &str = "release_call";
    pub const IMPORT_FILE: &str = "import_file";
    pub const SYNC_STATUS: &str = "sync_status";
    pub const PERSON_MATCHES: &str = "person_matches";
    pub const ADD_PERSON: &str = "add_person";
    pub const SYNC_OVERVIEW: &str = "sync_overview";
    pub const ENROL_DEVICE: &str = "enrol_device";
    pub const SYNC_NOW: &str = "sync_now";
    pub const REVIEW_QUEUE: &str = "review_queue";
    pub const REVIEW_DECIDE: &str = "review_decide";
    pub const DISMISS_REMOVAL: &str = "dismiss_removal";
    pub const LOCK: &str = "lock";
    pub const CHANGE_PASSPHRASE: &str = "change_passphrase";
    pub const TARGETING_CHOICES: &str = "targeting_choices";
    pub const COUNT_SEGMENT: &str = "count_segment";
    pub const SEGMENTS: &str = "segments";
    pub const SAVE_SEGMENT: &str = "save_segment";
    pub const MAKE_CALL_LIST: &str = "make_call_list";
    pub const PREVIEW_TURFS: &str = "preview_turfs";
    pub const CUT_TURFS: &str = "cut_turfs";
    pub const SET_WORK_STATE: &str = "set_work_state";
    pub const TAKE_TURF: &str = "take_turf";
    pub const SCRIPTS: &str = "scripts";
    pub const SAVE_QUESTION: &str = "save_question";
    pub const RETIRE_QUESTION: &str = "retire_question";
    pub const SAVE_SCRIPT: &str = "save_script";
    pub const RETIRE_SCRIPT: &str = "retire_script";
    pub const ATTACH_SCRIPT: &str = "attach_script";
    pub const VOLUNTEERS: &str = "volunteers";
    pub const SAVE_VOLUNTEER: &str = "save_volunteer";
    pub const ASSIGN_WORK: &str = "assign_work";
    pub const SIGN_IN: &str = "sign_in";
    pub const SIGN_OUT: &str = "sign_out";
    pub const SIGNED_IN: &str = "signed_in";
    pub const DASHBOARD: &str = "dashboard";
    pub const SET_GOALS: &str = "set_goals";
    pub const CAMPAIGN_STATS: &str = "campaign_stats";
    pub const QUALITY: &str = "quality";
    pub const EXPORT_RESULTS: &str = "export_results";
    pub const DECIDE_BATCH: &str = "decide_batch";
    pub const AUDIT_LOG: &str = "audit_log";

    /// Every command, for the shell's manifest and the capability check.
    pub const ALL: &[&str] = &[
        LOCK_STATE,
        UNLOCK,
        OFFICE_OVERVIEW,
        SEARCH_VOTERS,
        VOTER_DETAIL,
        RECORD_CONTACT,
        ADD_DNC,
        REVERSE_DNC,
        CORRECT_VOTER,
        TURFS,
        WALK_LIST,
        CALL_LISTS,
        NEXT_CALL,
        RELEASE_CALL,
        IMPORT_FILE,
        SYNC_STATUS,
        PERSON_MATCHES,
        ADD_PERSON,
        SYNC_OVERVIEW,
        ENROL_DEVICE,
        SYNC_NOW,
        REVIEW_QUEUE,
        REVIEW_DECIDE,
        DISMISS_REMOVAL,
        LOCK,
        CHANGE_PASSPHRASE,
        TARGETING_CHOICES,
        COUNT_SEGMENT,
        SEGMENTS,
        SAVE_SEGMENT,
        MAKE_CALL_LIST,
        PREVIEW_TURFS,
        CUT_TURFS,
        SET_WORK_STATE,
        TAKE_TURF,
        SCRIPTS,
        SAVE_QUESTION,
        RETIRE_QUESTION,
        SAVE_SCRIPT,
        RETIRE_SCRIPT,
        ATTACH_SCRIPT,
        VOLUNTEERS,
        SAVE_VOLUNTEER,
        ASSIGN_WORK,
        SIGN_IN,
        SIGN_OUT,
        SIGNED_IN,
        DASHBOARD,
        SET_GOALS,
        CAMPAIGN_STATS,
        QUALITY,
        EXPORT_RESULTS,
        DECIDE_BATCH,
        AUDIT_LOG,
    ];
}

/// The argument of the commands that take one request: the shell's command
/// takes a parameter named `request`, and both sides build it from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub request: T,
}

impl<T> Envelope<T> {
    pub fn of(request: T) -> Self {
        Self { request }
    }
}

/// A filter to count, or a name and a filter to save or make work from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkRequest {
    /// The segment's, list's or turfs' name (empty for a count).
    #[serde(default)]
    pub name: String,
    pub filter: crate::segment::SegmentFilter,
    /// For a call list: its rules (the defaults when absent).
    #[serde(default)]
    pub rules: Option<crate::work::CallListRules>,
    /// For turfs: the most doors each.
    #[serde(default)]
    pub doors: Option<u32>,
}

/// Close, reopen or delete a list, turf or segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkStateRequest {
    pub work: crate::work::WorkKind,
    /// This laptop's id (a segment: its uid).
    pub id: String,
    pub state: crate::work::WorkState,
}

/// Take a turf out for some hours (online: its doors are leased).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TakeTurfRequest {
    pub turf: i64,
    pub hours: f64,
}

/// The Scripts view: every script, every version of every question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptsOverview {
    pub scripts: Vec<crate::survey::ScriptView>,
    pub questions: Vec<crate::survey::QuestionRecord>,
    /// How each live list and turf is set up, for attaching.
    pub work: Vec<WorkSetupView>,
}

/// A list or turf with its script, shown result codes and volunteers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSetupView {
    pub work: crate::work::WorkKind,
    /// This laptop's id of the list or turf.
    pub id: i64,
    pub name: String,
    pub script: Option<String>,
    pub results: Vec<String>,
    pub volunteers: Vec<String>,
}

/// Write a question (`new`) or edit it (its next version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionRequest {
    pub slug: String,
    pub new: bool,
    #[serde(default)]
    pub text: Option<String>,
    /// Answers to add or relabel (all of them for a new question).
    #[serde(default)]
    pub answers: Vec<crate::survey::AnswerChoice>,
    #[serde(default)]
    pub drop: Vec<String>,
    #[serde(default)]
    pub other: Option<bool>,
}

/// Retire a question, or restore it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetireQuestionRequest {
    pub slug: String,
    pub retired: bool,
}

/// Write a script, or edit the one of that name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptRequest {
    pub name: String,
    pub text: String,
    pub questions: Vec<String>,
}

/// Retire a script (by name), or restore it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetireScriptRequest {
    pub name: String,
    pub retired: bool,
}

/// Attach a script (by name; none: the standard one) and the result codes
/// shown (none: every code) to a list or turf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachScriptRequest {
    pub work: crate::work::WorkKind,
    pub id: i64,
    pub script: Option<String>,
    #[serde(default)]
    pub results: Vec<String>,
}

/// Add a volunteer (`editing` none) or change one (by their name now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolunteerRequest {
    #[serde(default)]
    pub editing: Option<String>,
    pub name: String,
    pub roles: Vec<crate::wire::Role>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub contact: Option<String>,
    /// A new PIN; `clear_pin` takes it away.
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub clear_pin: bool,
    #[serde(default)]
    pub retired: bool,
}

/// Assign a list or turf to volunteers (by name; none: to nobody).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    pub work: crate::work::WorkKind,
    pub id: i64,
    pub volunteers: Vec<String>,
}

/// A volunteer signing in on this laptop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRequest {
    pub name: String,
    #[serde(default)]
    pub pin: Option<String>,
}

/// Who is working on this laptop, and who could sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub volunteer: Option<crate::survey::VolunteerView>,
    /// The names on the roster (live ones), for the sign-in screen.
    pub roster: Vec<crate::survey::VolunteerView>,
}

/// A result being recorded, at the door or on the phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRequest {
    pub voter_id: VoterId,
    pub channel: Channel,
    /// A result code's slug.
    pub result: String,
    /// The number dialled (ten digits), if by phone.
    pub phone: Option<String>,
    /// The call item worked, if the call came from a queue.
    pub call_item: Option<i64>,
    pub turf: Option<i64>,
    pub answers: Vec<SurveyAnswer>,
    pub note: String,
    pub volunteer: Option<String>,
    /// For `call-back`: minutes from now.
    pub callback_minutes: Option<u32>,
}

/// A do-not-contact entry added from the voter detail screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DncRequest {
    pub voter_id: VoterId,
    pub scope: Scope,
    pub channel: DncChannel,
    /// For a phone entry: the number.
    pub phone: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionRequest {
    pub voter_id: VoterId,
    pub field: String,
    pub value: String,
}

/// A voter file to import, by path on this laptop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    pub path: String,
    /// `nc-voter`, `nc-history`, `oh`, `fl` or `fl-history`.
    pub layout: String,
    pub skip_bad: bool,
}

/// The always-visible sync indicator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// Changes saved here that the registry has not acknowledged.
    pub pending_changes: u64,
    /// The registry this laptop is enrolled with, if any.
    pub registry: Option<String>,
    pub online: bool,
}

/// The shortest passphrase the field-office database accepts.
pub const PASSPHRASE_MIN_CHARS: usize = 8;

/// Whether the office's database is open, and if not, whether this is the
/// very first start (the user chooses a passphrase) or a later one (the user
/// types it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    pub unlocked: bool,
    pub first_run: bool,
    /// Where the database lives, shown so a coordinator knows what to back up.
    pub database: String,
    /// The campaign removed this laptop and it wiped the office: the app
    /// says so instead of offering to unlock anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<RemovalNotice>,
    /// The open office locks itself after this many seconds without a key
    /// or a click (15 minutes unless the app was started otherwise).
    #[serde(default = "default_lock_after")]
    pub lock_after_seconds: u32,
}

/// Fifteen minutes: long enough for a call, short enough for a laptop left
/// on a table.
pub const DEFAULT_LOCK_AFTER_SECONDS: u32 = 15 * 60;

fn default_lock_after() -> u32 {
    DEFAULT_LOCK_AFTER_SECONDS
}

/// A new passphrase for the office (the key is rewrapped; the database is
/// not re-encrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePassphraseRequest {
    pub current: String,
    pub new: String,
}

/// What a laptop the campaign revoked did, shown on its last screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovalNotice {
    pub campaign: String,
    pub office: String,
    /// RFC 3339.
    pub wiped_at: String,
    /// The database, its key and journal files that were wiped.
    pub files_wiped: u32,
    /// Whether the registry heard of the wipe (it is told again never: the
    /// credential went with the database).
    pub registry_told: bool,
}

/// The office's results written to a file from the app (the Dashboard's
/// Export): every attempt, or those from a day of the office on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub format: crate::export::ResultsFormat,
    /// `YYYY-MM-DD`, or none for every attempt.
    pub since: Option<String>,
}

/// A coordinator's decision on a batch, from the Quality control table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecideBatchRequest {
    pub batch: crate::quality::Batch,
    pub verdict: crate::quality::Verdict,
    pub note: String,
}

/// The office's daily goals as a coordinator sets them (zero: no goal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalsRequest {
    pub doors_per_day: u32,
    pub calls_per_day: u32,
    pub contacts_per_day: u32,
    pub supporters: u32,
}

/// What the header of the app shows about the open field office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeOverview {
    pub office_name: String,
    pub voters: u64,
    pub households: u64,
    pub turfs: u64,
    pub call_lists: u64,
}

/// One page of the voter list: all voters, or those matching `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterQuery {
    /// What the user typed; blank means "everyone", in name order.
    pub text: String,
    pub offset: u32,
    pub limit: u32,
}

impl VoterQuery {
    /// A page is capped so one call never ships a whole county as JSON.
    pub const MAX_LIMIT: u32 = 500;

    pub fn first_page(text: impl Into<String>, limit: u32) -> Self {
        Self {
            text: text.into(),
            offset: 0,
            limit,
        }
    }

    pub fn clamped_limit(&self) -> u32 {
        self.limit.clamp(1, Self::MAX_LIMIT)
    }
}

/// A voter as a row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterRow {
    pub voter_id: VoterId,
    pub name: String,
    /// Residential address; empty when the voter's address is confidential.
    pub address: String,
    pub city: String,
    pub precinct: String,
    pub party: Party,
    pub age: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterPage {
    /// How many voters match in all, not just on this page; a lower bound
    /// when `capped`.
    pub total: u64,
    /// More voters match than were counted (a very broad search): the list
    /// is in file order rather than by relevance, and the user narrows it.
    #[serde(default)]
    pub capped: bool,
    pub offset: u32,
    pub rows: Vec<VoterRow>,
    /// When nothing matched what was typed, the corrected words searched
    /// instead ("showing results for ..."), so a typo still finds people.
    #[serde(default)]
    pub corrected: Option<String>,
}

/// What a failed command sends to the UI: a kind the UI can branch on and a
/// sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub kind: IpcErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpcErrorKind {
    /// The request itself was wrong (a bad search, a page past the end).
    BadRequest,
    /// The local database failed; retrying may help, the message says how.
    Storage,
    /// The passphrase does not open this office's database.
    WrongPassphrase,
    /// The database is still locked: unlock it first.
    Locked,
    /// The registry could not be reached or is not answering; the work is
    /// kept here and sync tries again later.
    Offline,
}

/// The laptop's link to the campaign's registry, as the sync screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOverview {
    /// `None` until the laptop is enrolled.
    pub enrolment: Option<RegistryLink>,
    pub pending_changes: u64,
    /// When a sync last finished (RFC 3339), and what it did.
    pub last_sync_at: Option<String>,
    pub last_report: Option<SyncReport>,
    /// The last sync that failed, and why (cleared by one that succeeds).
    pub last_error: Option<String>,
    /// A sync (background or "Sync now") is running.
    pub syncing: bool,
    /// Changes the registry refused or sent to review, newest first.
    pub needs_attention: Vec<AttentionItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryLink {
    pub registry_url: String,
    pub device_name: String,
    pub campaign: String,
    pub office: String,
    pub role: String,
    pub enrolled_at: String,
}

/// A change the registry did not apply as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttentionItem {
    pub seq: i64,
    /// `rejected` or `conflict`.
    pub state: String,
    /// What the change was, for a person: "Not home for CW0000042".
    pub summary: String,
    pub reason: String,
}

/// `enrol_device`: join this laptop to the campaign's registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolDeviceRequest {
    pub registry_url: String,
    pub code: String,
    pub device_name: String,
}

/// What a sync did: the day-end report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Mutations sent (a re-sent one counts again).
    pub pushed: u64,
    /// Applied by the registry now.
    pub accepted: u64,
    /// Already applied by an earlier push whose answer was lost.
    pub duplicates: u64,
    /// Refused, each with a reason (also kept in the needs-attention list).
    pub rejected: u64,
    /// Sent to the coordinators' review queue instead of the record.
    pub conflicts: u64,
    /// Rows of the initial snapshot stored by this sync (0 once it is done).
    pub snapshot_rows: u64,
    /// Changes read from the feed.
    pub pulled: u64,
    /// Changes applied to this laptop's data.
    pub applied: u64,
    /// Changes about voters this laptop's slice does not hold.
    pub outside_slice: u64,
    /// The feed position this laptop's view is now as of.
    pub checkpoint: i64,
    /// Local changes still waiting (made during the sync, or left by an error).
    pub pending: u64,
    /// The campaign revoked this device: it pushed what it held, and reads
    /// nothing more.
    pub revoked: bool,
    /// Call targets newly leased to this laptop, and ones another device holds.
    pub leased: u64,
    pub lease_refused: u64,
    /// Targets this laptop now holds a lease on (its phone bank calls only these).
    pub leases_held: u64,
    /// Why leasing stopped short, if the registry refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_error: Option<String>,
    pub rejections: Vec<Rejection>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub seq: i64,
    pub kind: String,
    pub result: String,
    pub reason: String,
}

/// Where a sync is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum SyncStep {
    Connecting,
    Pushing {
        done: u64,
        total: u64,
    },
    /// The initial snapshot: rows stored so far of about `total`.
    Downloading {
        rows: u64,
        total: u64,
    },
    Pulling {
        changes: u64,
    },
    Applying {
        changes: u64,
    },
    Leasing {
        targets: u64,
    },
    Retrying {
        attempt: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_limits_are_clamped() {
        assert_eq!(VoterQuery::first_page("", 0).clamped_limit(), 1);
        assert_eq!(VoterQuery::first_page("", 50).clamped_limit(), 50);
        assert_eq!(VoterQuery::first_page("", 100_000).clamped_limit(), 500);
    }

    #[test]
    fn errors_travel_as_kind_and_message() {
        let error = IpcError {
            kind: IpcErrorKind::BadRequest,
            message: "nope".into(),
        };
        let json = serde_json::to_value(&error).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"kind": "bad_request", "message": "nope"})
        );
    }
}
