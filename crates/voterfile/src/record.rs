//! What every layout is read into: one shape for a voter and one for a vote
//! cast, whatever state published the file.

use crate::address::Address;
use groundgame_domain::VoterId;
use serde::{Deserialize, Serialize};

/// One voter, as the file describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterRecord {
    pub voter_id: VoterId,
    /// The county the voter is registered in (`WAKE`, `25`, `DAD`), which
    /// also scopes "removed" when a per-county file is imported again.
    pub county: String,
    /// A county-scoped registration number (NC `voter_reg_num`), if any.
    pub registration_number: String,
    pub last_name: String,
    pub first_name: String,
    pub middle_name: String,
    pub suffix: String,
    /// A normalised status: A active, I inactive, R removed, D denied,
    /// S temporary, P pre-registered.
    pub status: String,
    pub party: String,
    pub gender: String,
    pub birth_year: Option<i32>,
    /// ISO 8601 date.
    pub registered_on: Option<String>,
    /// Empty when the state withholds it.
    pub address: Address,
    /// The state withholds the address (NC `confidential_ind`, FL public
    /// records exemption): it is neither stored nor shown.
    pub confidential: bool,
    /// As the file wrote it; parsed when stored.
    pub phone: String,
    pub precinct_code: String,
    pub precinct_name: String,
    pub cong_district: String,
    pub senate_district: String,
    pub house_district: String,
    pub municipality: String,
    /// IANA time zone of the residence, for calling hours.
    pub time_zone: &'static str,
}

impl VoterRecord {
    /// A stable hash of everything but the address, so a re-import can tell
    /// "changed" from "unchanged" without keeping a copy of the old row.
    /// FNV-1a: stable across releases and platforms, unlike std's hasher.
    pub fn content_hash(&self) -> i64 {
        let fields: [&str; 17] = [
            &self.county,
            &self.registration_number,
            &self.last_name,
            &self.first_name,
            &self.middle_name,
            &self.suffix,
            &self.status,
            &self.party,
            &self.gender,
            &self.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            self.registered_on.as_deref().unwrap_or(""),
            &self.phone,
            &self.precinct_code,
            &self.cong_district,
            &self.senate_district,
            &self.house_district,
            &self.municipality,
        ];
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for field in fields {
            for byte in field.bytes().chain(std::iter::once(0x1f)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        i64::from_ne_bytes(hash.to_ne_bytes())
    }
}

/// One vote cast (or ballot recorded) in one election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteRecord {
    pub voter_id: VoterId,
    /// ISO 8601 date.
    pub election_date: String,
    /// GENERAL, PRIMARY, SPECIAL, RUNOFF, PRESIDENTIAL PRIMARY, ...
    pub election_type: String,
    pub election_desc: String,
    /// How the vote was cast (`IN-PERSON`, `ABSENTEE`, `EARLY`, ...), if the
    /// file says.
    pub method: String,
    /// The party ballot taken in a primary, if any.
    pub party: String,
}

/// What one line of a file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Voter(Box<VoterRecord>, Vec<VoteRecord>),
    Votes(Vec<VoteRecord>),
}

/// A precinct's code, qualified by its county: precinct codes repeat from one
/// county to the next. Empty when the file gives none.
pub fn precinct_code(county: &str, precinct: &str) -> String {
    if precinct.is_empty() {
        String::new()
    } else {
        format!("{county}-{precinct}")
    }
}

/// The time zone of a residence in one of the states we read. Florida's
/// western panhandle counties keep Central time.
pub fn time_zone(state: &str, county: &str) -> &'static str {
    const FLORIDA_CENTRAL: &[&str] = &[
        "BAY", "CAL", "ESC", "GUL", "HOL", "JAC", "OKA", "SAN", "WAL", "WAS",
    ];
    match state {
        "FL" if FLORIDA_CENTRAL.contains(&county) => "America/Chicago",
        "AL" | "AR" | "IA" | "IL" | "LA" | "MN" | "MO" | "MS" | "OK" | "WI" | "TX" | "KS"
        | "NE" | "ND" | "SD" => "America/Chicago",
        "AZ" => "America/Phoenix",
        "CO" | "MT" | "NM" | "UT" | "WY" | "ID" => "America/Denver",
        "CA" | "NV" | "OR" | "WA" => "America/Los_Angeles",
        "AK" => "America/Anchorage",
        "HI" => "Pacific/Honolulu",
        _ => "America/New_York",
    }
}
