//! Requests and responses between the Yew front end and the desktop shell.
//!
//! Every Tauri command takes and returns types from this module, so the two
//! sides are compiled against one definition.

use crate::voter::{Party, VoterId};
use serde::{Deserialize, Serialize};

/// The names of the Tauri commands, shared so a rename breaks the build of
/// both sides instead of failing at run time.
pub mod command {
    pub const LOCK_STATE: &str = "lock_state";
    pub const UNLOCK: &str = "unlock";
    pub const OFFICE_OVERVIEW: &str = "office_overview";
    pub const SEARCH_VOTERS: &str = "search_voters";
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
    /// How many voters match in all, not just on this page.
    pub total: u64,
    pub offset: u32,
    pub rows: Vec<VoterRow>,
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
