//! Targeting: a segment is a saved filter over the office's slice, and
//! [`Targeting`] counts it (voters, doors, callable phones, by precinct) and
//! picks its voters for a call list or turfs.
//!
//! The rule of what a filter means lives here, once: the store loads the
//! slice into a [`Targeting`] (plain columns, no IO) and asks it; the UI,
//! the CLI and the registry share the [`SegmentFilter`] type. Voters who are
//! do-not-contact, removed, moved or deceased match a filter but are never
//! in what is made from it: they are counted as excluded.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The normalised registration statuses a voter file gives (see
/// `groundgame_voterfile::record::VoterRecord::status`).
pub const STATUSES: [(&str, &str); 6] = [
    ("A", "active"),
    ("I", "inactive"),
    ("R", "removed"),
    ("D", "denied"),
    ("S", "temporary"),
    ("P", "pre-registered"),
];

/// The party codes every state's file is normalised to (`Party::code`).
pub const PARTIES: [&str; 5] = ["DEM", "REP", "UNA", "LIB", "GRE"];

/// The standard survey's support answers on the 1-5 scale a segment
/// filters by: 1 is a strong yes, 5 a strong no.
pub const SUPPORT_SCALE: [&str; 5] = ["strong", "lean", "undecided", "lean-against", "against"];

/// The question slugs a segment reads answers from.
pub const SUPPORT_QUESTION: &str = "support";
pub const VOLUNTEER_QUESTION: &str = "volunteer";

/// The oldest and youngest ages a filter may name.
pub const AGE_LIMITS: (u16, u16) = (16, 120);

/// A saved (or unsaved) filter. Every criterion narrows: they combine with
/// AND; a list inside one criterion (precincts, parties) means any of them.
/// An empty filter is the whole slice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentFilter {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub precincts: Vec<String>,
    /// Normalised party codes (`DEM`, `UNA`, or a state's own kept verbatim).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
    /// This year minus the birth year, inclusive at both ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<AgeRange>,
    /// `M`, `F`, `U` as the file gives them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sexes: Vec<String>,
    /// Registration status codes (`A` is the state's active status).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<String>,
    /// Voted in every one of these elections.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub voted: Vec<ElectionRef>,
    /// Voted in none of these elections.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_voted: Vec<ElectionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generals: Option<GeneralsVoted>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneFilter>,
    /// Languages the voter speaks (`es`); empty means any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// The latest support answer is one of these (1 strong yes .. 5 strong no).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub support: Vec<u8>,
    /// The latest answer to "would you volunteer?" is yes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub volunteer: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacted: Option<ContactedFilter>,
    /// In a turf already (true), or in none (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_turf: Option<bool>,
    /// On an open call list already (true), or on none (false).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_call_list: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeRange {
    pub min: u16,
    pub max: u16,
}

/// An election by its date (ISO 8601), and its type when one is meant
/// (`GENERAL`, `PRIMARY`); without a type, any election on that date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElectionRef {
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Voted in at least `at_least` of the last `of_last` general elections in
/// the slice's vote history (a turnout score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralsVoted {
    pub of_last: u8,
    pub at_least: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneFilter {
    /// Has a number the phone bank may call.
    Any,
    /// Has a callable cell number (the list then takes only cells).
    Cell,
}

/// Contacted (or not, with `not`) on or after `since`, with one of
/// `results` (any result when empty), on any channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactedFilter {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<String>,
}

/// What is wrong with a filter, naming the criterion (as the CLI's flag).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{criterion}: {problem}")]
pub struct FilterError {
    pub criterion: &'static str,
    pub problem: String,
}

fn invalid(criterion: &'static str, problem: impl Into<String>) -> FilterError {
    FilterError {
        criterion,
        problem: problem.into(),
    }
}

/// Checks a `YYYY-MM-DD` date: digits in place, a real month and day.
pub fn check_date(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(format!("{text:?} is not a date; expected YYYY-MM-DD"));
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => {
            return Err(format!(
                "{text:?} has no month {month}; expected YYYY-MM-DD"
            ))
        }
    };
    if day == 0 || day > days {
        return Err(format!("{text:?} has no day {day} in that month"));
    }
    Ok(())
}

impl AgeRange {
    /// `MIN-MAX` (`18-29`), `MIN-` (`65-`) or one age.
    pub fn parse(text: &str) -> Result<Self, String> {
        let number = |part: &str| -> Result<u16, String> {
            part.trim()
                .parse::<u16>()
                .map_err(|_| format!("{part:?} is not an age; expected MIN-MAX, as 18-29"))
        };
        let range = match text.split_once('-') {
            Some((min, "")) => Self {
                min: number(min)?,
                max: AGE_LIMITS.1,
            },
            Some((min, max)) => Self {
                min: number(min)?,
                max: number(max)?,
            },
            None => {
                let age = number(text)?;
                Self { min: age, max: age }
            }
        };
        range.check().map(|()| range)
    }

    fn check(&self) -> Result<(), String> {
        if self.min > self.max {
            return Err(format!(
                "{}-{} runs backwards; the younger age comes first",
                self.min, self.max
            ));
        }
        if self.min < AGE_LIMITS.0 || self.max > AGE_LIMITS.1 {
            return Err(format!(
                "{}-{} is outside {}-{}",
                self.min, self.max, AGE_LIMITS.0, AGE_LIMITS.1
            ));
        }
        Ok(())
    }
}

impl SegmentFilter {
    /// Checks every criterion, naming the first that is wrong.
    pub fn validate(&self) -> Result<(), FilterError> {
        for party in &self.parties {
            let known = PARTIES.contains(&party.as_str())
                || (!party.is_empty()
                    && party.len() <= 8
                    && party.bytes().all(|b| b.is_ascii_uppercase()));
            if !known {
                return Err(invalid(
                    "party",
                    format!(
                        "{party:?} is not a party code; expected one of {}",
                        PARTIES.join(", ")
                    ),
                ));
            }
        }
        if let Some(age) = &self.age {
            age.check().map_err(|problem| invalid("age", problem))?;
        }
        for sex in &self.sexes {
            if !matches!(sex.as_str(), "M" | "F" | "U" | "X") {
                return Err(invalid(
                    "sex",
                    format!("{sex:?} is not a sex code; expected M, F, U or X"),
                ));
            }
        }
        for status in &self.statuses {
            if !STATUSES.iter().any(|(code, _)| code == status) {
                return Err(invalid(
                    "status",
                    format!(
                        "{status:?} is not a registration status; expected one of {}",
                        STATUSES.map(|(_, name)| name).join(", ")
                    ),
                ));
            }
        }
        for (criterion, elections) in [("voted", &self.voted), ("not-voted", &self.not_voted)] {
            for election in elections {
                check_date(&election.date).map_err(|problem| invalid(criterion, problem))?;
            }
        }
        if let Some(generals) = &self.generals {
            if generals.of_last == 0 || generals.at_least > generals.of_last {
                return Err(invalid(
                    "generals",
                    format!(
                        "at least {} of the last {} cannot be met; expected 1 <= at least <= last",
                        generals.at_least, generals.of_last
                    ),
                ));
            }
            if generals
                .at_most
                .is_some_and(|most| most < generals.at_least)
            {
                return Err(invalid("generals", "at most is below at least"));
            }
        }
        for support in &self.support {
            if !(1..=5).contains(support) {
                return Err(invalid(
                    "support",
                    format!("{support} is not on the support scale; expected 1 (strong yes) to 5 (strong no)"),
                ));
            }
        }
        if let Some(contacted) = &self.contacted {
            if let Some(since) = &contacted.since {
                check_date(since).map_err(|problem| invalid("contacted-since", problem))?;
            }
        }
        Ok(())
    }

    /// A party code as a person types it (`dem`, `D`, `NPA`), normalised
    /// the way the voter files are; an unknown code is an error.
    pub fn party_code(text: &str) -> Result<String, String> {
        let code = crate::Party::from_code(text).code().to_owned();
        if PARTIES.contains(&code.as_str()) && !text.trim().is_empty() {
            Ok(code)
        } else {
            Err(format!(
                "{text:?} is not a party code; expected one of {}",
                PARTIES.join(", ")
            ))
        }
    }

    /// A registration status by name (`active`) or code (`A`).
    pub fn status_code(text: &str) -> Result<String, String> {
        let wanted = text.trim();
        STATUSES
            .iter()
            .find(|(code, name)| {
                code.eq_ignore_ascii_case(wanted) || name.eq_ignore_ascii_case(wanted)
            })
            .map(|(code, _)| (*code).to_owned())
            .ok_or_else(|| {
                format!(
                    "{text:?} is not a registration status; expected one of {}",
                    STATUSES.map(|(_, name)| name).join(", ")
                )
            })
    }
}

/// A segment saved by name: the same filter on every laptop of the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSegment {
    pub id: String,
    pub name: String,
    pub filter: SegmentFilter,
}

/// What a filter can name in this slice, for the Targeting view's choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetingChoices {
    pub precincts: Vec<String>,
    pub parties: Vec<String>,
    /// Latest first.
    pub elections: Vec<ElectionRef>,
}

/// What a filter counts to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentCounts {
    /// Voters who match and may be contacted.
    pub voters: u64,
    /// Their doors (a door under a do-not-walk entry is not counted).
    pub households: u64,
    /// Distinct numbers the phone bank may call for them.
    pub phones: u64,
    /// Voters who match but are never in a list made from it.
    pub excluded: Excluded,
    /// By precinct, in precinct order.
    pub precincts: Vec<PrecinctCount>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    /// Under an active do-not-contact entry for the person, or for their
    /// address on every channel.
    pub do_not_contact: u64,
    /// Removed from the file, moved or deceased.
    pub gone: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecinctCount {
    pub precinct: String,
    pub voters: u64,
    pub households: u64,
    pub phones: u64,
}

/// A number as the index keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexedPhone {
    number: u32,
    /// A cell phone.
    pub cell: bool,
    /// May be called: a good number, no do-not-contact entry on it, not a
    /// wrong number for this voter (the work part; see [`Targeting::work`]).
    pub callable: bool,
}

/// One voter as the index takes it in: what the voter file says (the base
/// part, rebuilt only when the file changes). Phones and votes are added
/// with the builder's own calls; what the office's work says (opt-outs,
/// contacts, answers, turfs, lists, gone) with [`Targeting::work`].
#[derive(Debug, Clone, Default)]
pub struct VoterFacts {
    pub voter_id: String,
    /// The household's place in the doors given to the builder.
    pub household: Option<u32>,
    pub precinct: Option<String>,
    pub party: String,
    pub birth_year: Option<i32>,
    pub sex: String,
    pub status: String,
    pub language: String,
}

/// A voter's standing, from the office's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Removed from the file, moved or deceased.
    Gone,
    /// A person-scope do-not-contact entry on any channel, or one on the
    /// address for every channel.
    DoNotContact,
    /// A do-not-contact entry keeps the phone bank from this voter (person
    /// or address, on phones or every channel).
    NoCalls,
    InTurf,
    InCallList,
    /// The latest answer to "would you volunteer?" is yes.
    Volunteer,
}

const GONE: u8 = 1;
const DNC: u8 = 2;
const NO_CALLS: u8 = 4;
const IN_TURF: u8 = 8;
const IN_LIST: u8 = 16;
const VOLUNTEER: u8 = 32;

/// Interns strings to small numbers.
#[derive(Debug, Default, Clone)]
struct Interner {
    names: Vec<String>,
    index: HashMap<String, u16>,
}

impl Interner {
    fn get(&mut self, text: &str) -> u16 {
        if let Some(&id) = self.index.get(text) {
            return id;
        }
        let id = u16::try_from(self.names.len()).unwrap_or(u16::MAX);
        if id < u16::MAX {
            self.names.push(text.to_owned());
            self.index.insert(text.to_owned(), id);
        }
        id
    }

    fn find(&self, text: &str) -> Option<u16> {
        self.index.get(text).copied()
    }
}

/// The office's slice as columns, for counting segments in a few
/// milliseconds on a whole county. Built once from the store's rows; the
/// store builds a new one when the slice changes.
#[derive(Debug, Default, Clone)]
pub struct Targeting {
    voter_ids: Vec<String>,
    household: Vec<u32>,
    precinct: Vec<u16>,
    party: Vec<u16>,
    birth_year: Vec<i16>,
    sex: Vec<u16>,
    status: Vec<u16>,
    language: Vec<u16>,
    flags: Vec<u8>,
    support: Vec<u8>,
    /// Votes as bits over `elections`, `words` per voter.
    votes: Vec<u64>,
    words: usize,
    /// Per voter, its phones: `phone_start[v]..phone_start[v + 1]`.
    phone_start: Vec<u32>,
    phones: Vec<IndexedPhone>,
    /// Per voter, its contacts (day number, result), sorted.
    contact_start: Vec<u32>,
    contacts: Vec<(u32, u16)>,
    door_blocked: Vec<bool>,
    /// Per door, its voters: `door_start[d]..door_start[d + 1]`.
    door_start: Vec<u32>,
    door_voters: Vec<u32>,
    precincts: Interner,
    parties: Interner,
    sexes: Interner,
    statuses: Interner,
    languages: Interner,
    results: Interner,
    numbers: Interner32,
    /// (date, type) of every election in the history, by date.
    elections: Vec<(String, String)>,
    /// Indexes into `elections` of general elections, latest first.
    generals: Vec<usize>,
}

/// Interns phone numbers (too many for 16 bits).
#[derive(Debug, Default, Clone)]
struct Interner32 {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner32 {
    fn get(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.index.get(text) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(text.to_owned());
        self.index.insert(text.to_owned(), id);
        id
    }
}

/// A day as a number, for comparing dates (`YYYY-MM-DD` sorts as text; this
/// is only smaller).
fn day_number(date: &str) -> u32 {
    let digits: String = date.chars().filter(char::is_ascii_digit).take(8).collect();
    digits.parse().unwrap_or(0)
}

/// Fills a [`Targeting`]: voters first (each call returns the voter's
/// place), then their phones, votes, contacts, answers and marks in any
/// order.
#[derive(Debug)]
pub struct TargetingBuilder {
    index: Targeting,
    phones: Vec<(u32, IndexedPhone)>,
    votes: Vec<(u32, u32)>,
    /// Elections by date, then by type (few per date).
    election_index: HashMap<String, Vec<(String, u32)>>,
    elections: Vec<(String, String)>,
}

impl TargetingBuilder {
    pub fn voter(&mut self, voter: VoterFacts) -> u32 {
        let index = &mut self.index;
        let place = index.voter_ids.len() as u32;
        index.voter_ids.push(voter.voter_id);
        index.household.push(voter.household.unwrap_or(u32::MAX));
        index.precinct.push(
            voter
                .precinct
                .as_deref()
                .map_or(u16::MAX, |code| index.precincts.get(code)),
        );
        let party = crate::Party::from_code(&voter.party);
        index.party.push(index.parties.get(party.code()));
        index.birth_year.push(
            voter
                .birth_year
                .and_then(|year| i16::try_from(year).ok())
                .unwrap_or(0),
        );
        index
            .sex
            .push(index.sexes.get(&voter.sex.trim().to_ascii_uppercase()));
        index.status.push(index.statuses.get(voter.status.trim()));
        index.language.push(
            index
                .languages
                .get(&voter.language.trim().to_ascii_lowercase()),
        );
        index.flags.push(0);
        index.support.push(0);
        place
    }

    /// A number of the voter's (`cell` when it is one).
    pub fn phone(&mut self, voter: u32, number: &str, cell: bool) {
        let number = self.index.numbers.get(number);
        self.phones.push((
            voter,
            IndexedPhone {
                number,
                cell,
                callable: true,
            },
        ));
    }

    /// A vote in the election of `date` (ISO 8601) and `kind`.
    pub fn vote(&mut self, voter: u32, date: &str, kind: &str) {
        let known = self
            .election_index
            .get(date)
            .and_then(|kinds| kinds.iter().find(|(known, _)| known == kind))
            .map(|(_, election)| *election);
        let election = match known {
            Some(election) => election,
            None => {
                let election = self.elections.len() as u32;
                self.elections.push((date.to_owned(), kind.to_owned()));
                self.election_index
                    .entry(date.to_owned())
                    .or_default()
                    .push((kind.to_owned(), election));
                election
            }
        };
        self.votes.push((voter, election));
    }

    pub fn finish(mut self) -> Targeting {
        let mut index = self.index;
        let count = index.voter_ids.len();
        // Elections by date, so "the last N generals" are the latest.
        let mut order: Vec<u32> = (0..self.elections.len() as u32).collect();
        order.sort_by(|&a, &b| self.elections[a as usize].cmp(&self.elections[b as usize]));
        let mut rank = vec![0usize; order.len()];
        for (position, &election) in order.iter().enumerate() {
            rank[election as usize] = position;
        }
        index.elections = order
            .iter()
            .map(|&election| self.elections[election as usize].clone())
            .collect();
        index.words = index.elections.len().div_ceil(64).max(1);
        index.generals = (0..index.elections.len())
            .rev()
            .filter(|&i| index.elections[i].1.to_ascii_uppercase().starts_with("GEN"))
            .collect();
        index.votes = vec![0; count * index.words];
        for (voter, election) in self.votes {
            let bit = rank[election as usize];
            index.votes[voter as usize * index.words + bit / 64] |= 1 << (bit % 64);
        }
        self.phones.sort_by_key(|(voter, _)| *voter);
        index.phone_start = starts(count, self.phones.iter().map(|(voter, _)| *voter));
        index.phones = self.phones.into_iter().map(|(_, phone)| phone).collect();
        index.contact_start = vec![0; count + 1];
        // Each door's voters, for marks that name a door.
        let mut by_door: Vec<(u32, u32)> = index
            .household
            .iter()
            .enumerate()
            .filter(|(_, &door)| door != u32::MAX)
            .map(|(voter, &door)| (door, voter as u32))
            .collect();
        by_door.sort_unstable();
        index.door_start = starts(
            index.door_blocked.len(),
            by_door.iter().map(|(door, _)| *door),
        );
        index.door_voters = by_door.into_iter().map(|(_, voter)| voter).collect();
        index
    }
}

/// The office's work, told to the index after the voter file: every call
/// replaces what the last one said (see [`Targeting::work`]).
#[derive(Debug)]
pub struct Work<'a> {
    index: &'a mut Targeting,
    contacts: Vec<(u32, u32, u16)>,
    blocked_numbers: std::collections::HashSet<u32>,
}

impl Work<'_> {
    pub fn mark(&mut self, voter: u32, mark: Mark) {
        let bit = match mark {
            Mark::Gone => GONE,
            Mark::DoNotContact => DNC,
            Mark::NoCalls => NO_CALLS,
            Mark::InTurf => IN_TURF,
            Mark::InCallList => IN_LIST,
            Mark::Volunteer => VOLUNTEER,
        };
        if let Some(flags) = self.index.flags.get_mut(voter as usize) {
            *flags |= bit;
        }
    }

    /// Marks every voter living at door `door`.
    pub fn mark_door(&mut self, door: u32, mark: Mark) {
        let range = match (
            self.index.door_start.get(door as usize),
            self.index.door_start.get(door as usize + 1),
        ) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => return,
        };
        for at in range {
            let voter = self.index.door_voters[at];
            self.mark(voter, mark);
        }
    }

    /// A do-not-walk entry covers door `door`.
    pub fn block_door(&mut self, door: u32) {
        if let Some(blocked) = self.index.door_blocked.get_mut(door as usize) {
            *blocked = true;
        }
    }

    /// Nobody may be called at `number` (dead, or under a do-not-contact
    /// entry).
    pub fn block_number(&mut self, number: &str) {
        if let Some(&id) = self.index.numbers.index.get(number) {
            self.blocked_numbers.insert(id);
        }
    }

    /// `voter` may not be called at `number` (a wrong number for them).
    pub fn block_phone(&mut self, voter: u32, number: &str) {
        let Some(&id) = self.index.numbers.index.get(number) else {
            return;
        };
        let v = voter as usize;
        if v + 1 >= self.index.phone_start.len() {
            return;
        }
        let range = self.index.phone_start[v] as usize..self.index.phone_start[v + 1] as usize;
        for phone in &mut self.index.phones[range] {
            if phone.number == id {
                phone.callable = false;
            }
        }
    }

    /// A contact attempt on `date` (`YYYY-MM-DD...`) with `result`.
    pub fn contact(&mut self, voter: u32, date: &str, result: &str) {
        let result = self.index.results.get(result);
        self.contacts.push((voter, day_number(date), result));
    }

    /// The voter's latest answer to the support question (its slug).
    pub fn support(&mut self, voter: u32, answer: &str) {
        if let Some(level) = SUPPORT_SCALE.iter().position(|slug| *slug == answer) {
            if let Some(support) = self.index.support.get_mut(voter as usize) {
                *support = level as u8 + 1;
            }
        }
    }

    pub fn finish(mut self) {
        let count = self.index.voter_ids.len();
        self.contacts
            .retain(|(voter, ..)| (*voter as usize) < count);
        self.contacts.sort_unstable();
        self.index.contact_start = starts(count, self.contacts.iter().map(|(voter, ..)| *voter));
        self.index.contacts = self
            .contacts
            .into_iter()
            .map(|(_, day, result)| (day, result))
            .collect();
        if !self.blocked_numbers.is_empty() {
            for phone in &mut self.index.phones {
                if self.blocked_numbers.contains(&phone.number) {
                    phone.callable = false;
                }
            }
        }
    }
}

/// Where each voter's run starts in a list sorted by voter (one more entry
/// than voters: the end).
fn starts(count: usize, voters: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut starts = vec![0u32; count + 1];
    for voter in voters {
        starts[voter as usize + 1] += 1;
    }
    for i in 0..count {
        starts[i + 1] += starts[i];
    }
    starts
}

/// What a filter asks, in the index's numbers: built once per count.
struct Compiled {
    precincts: Option<Vec<bool>>,
    parties: Option<Vec<bool>>,
    sexes: Option<Vec<bool>>,
    statuses: Option<Vec<bool>>,
    languages: Option<Vec<bool>>,
    /// Birth years inclusive.
    born: Option<(i16, i16)>,
    /// Each entry: the election bits any of which count as "voted".
    voted: Vec<Vec<u64>>,
    not_voted: Vec<Vec<u64>>,
    generals: Option<(Vec<u64>, u32, u32)>,
    phone: Option<PhoneFilter>,
    support: Option<[bool; 6]>,
    volunteer: bool,
    contacted: Option<(bool, u32, Option<Vec<bool>>)>,
    in_turf: Option<bool>,
    in_list: Option<bool>,
    /// Something named only what the slice does not hold: nothing matches.
    impossible: bool,
}

impl Targeting {
    /// Starts an index of a slice with `doors` households (doors are
    /// numbered 0 to `doors - 1` by the caller).
    pub fn builder(doors: usize) -> TargetingBuilder {
        TargetingBuilder {
            index: Self {
                door_blocked: vec![false; doors],
                ..Self::default()
            },
            phones: Vec::new(),
            votes: Vec::new(),
            election_index: HashMap::new(),
            elections: Vec::new(),
        }
    }

    /// Forgets what the office's work said (marks, answers, contacts,
    /// blocked doors and numbers) and takes it anew, keeping the voter file:
    /// after a contact or a new list, this is all that is read again.
    pub fn work(&mut self) -> Work<'_> {
        self.flags.iter_mut().for_each(|flags| *flags = 0);
        self.support.iter_mut().for_each(|support| *support = 0);
        self.door_blocked
            .iter_mut()
            .for_each(|blocked| *blocked = false);
        self.phones
            .iter_mut()
            .for_each(|phone| phone.callable = true);
        self.contacts.clear();
        self.contact_start = vec![0; self.voter_ids.len() + 1];
        Work {
            index: self,
            contacts: Vec::new(),
            blocked_numbers: std::collections::HashSet::new(),
        }
    }

    pub fn voters(&self) -> usize {
        self.voter_ids.len()
    }

    pub fn voter_id(&self, voter: u32) -> &str {
        &self.voter_ids[voter as usize]
    }

    pub fn household_of(&self, voter: u32) -> Option<u32> {
        let household = self.household[voter as usize];
        (household != u32::MAX).then_some(household)
    }

    pub fn phone_number(&self, phone: &IndexedPhone) -> &str {
        &self.numbers.names[phone.number as usize]
    }

    /// The precinct codes present, in order.
    pub fn precinct_codes(&self) -> Vec<String> {
        let mut codes = self.precincts.names.clone();
        codes.sort();
        codes
    }

    /// The party codes present, in order.
    pub fn party_codes(&self) -> Vec<String> {
        let mut codes = self.parties.names.clone();
        codes.sort();
        codes
    }

    /// The elections in the vote history, by date.
    pub fn elections(&self) -> &[(String, String)] {
        &self.elections
    }

    fn set_of(
        interner: &Interner,
        wanted: &[String],
        normal: impl Fn(&str) -> String,
    ) -> Option<Vec<bool>> {
        if wanted.is_empty() {
            return None;
        }
        let mut set = vec![false; interner.names.len()];
        for text in wanted {
            if let Some(id) = interner.find(&normal(text)) {
                set[id as usize] = true;
            }
        }
        Some(set)
    }

    fn election_bits(&self, election: &ElectionRef) -> Vec<u64> {
        let mut bits = vec![0u64; self.words];
        for (i, (date, kind)) in self.elections.iter().enumerate() {
            let same_kind = election
                .kind
                .as_deref()
                .is_none_or(|wanted| wanted.eq_ignore_ascii_case(kind));
            if *date == election.date && same_kind {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        bits
    }

    fn compile(&self, filter: &SegmentFilter, year: i32) -> Compiled {
        let upper = |text: &str| text.trim().to_ascii_uppercase();
        let mut compiled = Compiled {
            precincts: Self::set_of(&self.precincts, &filter.precincts, |t| t.trim().to_owned()),
            parties: Self::set_of(&self.parties, &filter.parties, |t| {
                crate::Party::from_code(t).code().to_owned()
            }),
            sexes: Self::set_of(&self.sexes, &filter.sexes, upper),
            statuses: Self::set_of(&self.statuses, &filter.statuses, upper),
            languages: Self::set_of(&self.languages, &filter.languages, |t| {
                t.trim().to_ascii_lowercase()
            }),
            born: filter.age.map(|age| {
                let clamp = |y: i32| i16::try_from(y).unwrap_or(i16::MAX);
                (
                    clamp(year - i32::from(age.max)),
                    clamp(year - i32::from(age.min)),
                )
            }),
            voted: filter.voted.iter().map(|e| self.election_bits(e)).collect(),
            not_voted: filter
                .not_voted
                .iter()
                .map(|e| self.election_bits(e))
                .collect(),
            generals: None,
            phone: filter.phone,
            support: None,
            volunteer: filter.volunteer,
            contacted: filter.contacted.as_ref().map(|contacted| {
                let results = (!contacted.results.is_empty()).then(|| {
                    let mut set = vec![false; self.results.names.len()];
                    for result in &contacted.results {
                        if let Some(id) = self.results.find(result.trim()) {
                            set[id as usize] = true;
                        }
                    }
                    set
                });
                (
                    contacted.not,
                    contacted.since.as_deref().map_or(0, day_number),
                    results,
                )
            }),
            in_turf: filter.in_turf,
            in_list: filter.in_call_list,
            impossible: false,
        };
        if let Some(generals) = filter.generals {
            let mut bits = vec![0u64; self.words];
            for &i in self.generals.iter().take(usize::from(generals.of_last)) {
                bits[i / 64] |= 1 << (i % 64);
            }
            compiled.generals = Some((
                bits,
                u32::from(generals.at_least),
                u32::from(generals.at_most.unwrap_or(u8::MAX)),
            ));
        }
        if !filter.support.is_empty() {
            let mut set = [false; 6];
            for &level in &filter.support {
                if let Some(slot) = set.get_mut(usize::from(level)) {
                    *slot = true;
                }
            }
            compiled.support = Some(set);
        }
        // A "voted" election the history never held matches nobody.
        compiled.impossible = compiled
            .voted
            .iter()
            .any(|bits| bits.iter().all(|&w| w == 0));
        compiled
    }

    fn in_set(set: &Option<Vec<bool>>, id: u16) -> bool {
        set.as_ref()
            .is_none_or(|set| set.get(usize::from(id)).copied().unwrap_or(false))
    }

    /// Whether voter `v` matches, before exclusions.
    fn matches(&self, c: &Compiled, v: usize) -> bool {
        if !(Self::in_set(&c.precincts, self.precinct[v])
            && Self::in_set(&c.parties, self.party[v])
            && Self::in_set(&c.sexes, self.sex[v])
            && Self::in_set(&c.statuses, self.status[v])
            && Self::in_set(&c.languages, self.language[v]))
        {
            return false;
        }
        if let Some((earliest, latest)) = c.born {
            let born = self.birth_year[v];
            if born == 0 || born < earliest || born > latest {
                return false;
            }
        }
        let flags = self.flags[v];
        if let Some(wanted) = c.in_turf {
            if (flags & IN_TURF != 0) != wanted {
                return false;
            }
        }
        if let Some(wanted) = c.in_list {
            if (flags & IN_LIST != 0) != wanted {
                return false;
            }
        }
        if c.volunteer && flags & VOLUNTEER == 0 {
            return false;
        }
        if let Some(set) = &c.support {
            if !set[usize::from(self.support[v])] || self.support[v] == 0 {
                return false;
            }
        }
        let votes = &self.votes[v * self.words..(v + 1) * self.words];
        let any = |bits: &[u64]| votes.iter().zip(bits).any(|(a, b)| a & b != 0);
        if !c.voted.iter().all(|bits| any(bits)) || c.not_voted.iter().any(|bits| any(bits)) {
            return false;
        }
        if let Some((bits, least, most)) = &c.generals {
            let voted: u32 = votes
                .iter()
                .zip(bits)
                .map(|(a, b)| (a & b).count_ones())
                .sum();
            if voted < *least || voted > *most {
                return false;
            }
        }
        if let Some((not, since, results)) = &c.contacted {
            let range = self.contact_start[v] as usize..self.contact_start[v + 1] as usize;
            let hit = self.contacts[range].iter().any(|&(day, result)| {
                day >= *since
                    && results
                        .as_ref()
                        .is_none_or(|set| set.get(usize::from(result)).copied().unwrap_or(false))
            });
            if hit == *not {
                return false;
            }
        }
        if let Some(phone) = c.phone {
            if flags & NO_CALLS != 0 || self.callable_phones(v, phone).next().is_none() {
                return false;
            }
        }
        true
    }

    fn callable_phones(
        &self,
        v: usize,
        wanted: PhoneFilter,
    ) -> impl Iterator<Item = &IndexedPhone> {
        let range = self.phone_start[v] as usize..self.phone_start[v + 1] as usize;
        self.phones[range]
            .iter()
            .filter(move |phone| phone.callable && (wanted == PhoneFilter::Any || phone.cell))
    }

    /// The phones a call list takes for voter `voter` under `filter`: its
    /// callable numbers (cells only when the filter asks for cells).
    pub fn list_phones(&self, voter: u32, filter: &SegmentFilter) -> Vec<&IndexedPhone> {
        let v = voter as usize;
        if self.flags[v] & NO_CALLS != 0 {
            return Vec::new();
        }
        self.callable_phones(v, filter.phone.unwrap_or(PhoneFilter::Any))
            .collect()
    }

    /// Whether a household's door may be knocked (no do-not-walk entry).
    pub fn walkable(&self, household: u32) -> bool {
        !self
            .door_blocked
            .get(household as usize)
            .copied()
            .unwrap_or(true)
    }

    /// Counts a filter: `year` is this year, for ages.
    pub fn count(&self, filter: &SegmentFilter, year: i32) -> SegmentCounts {
        let compiled = self.compile(filter, year);
        let mut counts = SegmentCounts::default();
        if compiled.impossible {
            return counts;
        }
        let precincts = self.precincts.names.len() + 1;
        let mut by_precinct = vec![PrecinctCount::default(); precincts];
        let mut doors = vec![0u64; self.door_blocked.len().div_ceil(64)];
        let mut numbers = vec![0u64; self.numbers.names.len().div_ceil(64)];
        let wanted = filter.phone.unwrap_or(PhoneFilter::Any);
        for v in 0..self.voter_ids.len() {
            if !self.matches(&compiled, v) {
                continue;
            }
            let flags = self.flags[v];
            if flags & GONE != 0 {
                counts.excluded.gone += 1;
                continue;
            }
            if flags & DNC != 0 {
                counts.excluded.do_not_contact += 1;
                continue;
            }
            let slot = match self.precinct[v] {
                u16::MAX => precincts - 1,
                p => usize::from(p),
            };
            let here = &mut by_precinct[slot];
            here.voters += 1;
            let household = self.household[v];
            if household != u32::MAX && self.walkable(household) {
                let (word, bit) = (household as usize / 64, household % 64);
                if doors[word] & (1 << bit) == 0 {
                    doors[word] |= 1 << bit;
                    here.households += 1;
                }
            }
            if flags & NO_CALLS == 0 {
                for phone in self.callable_phones(v, wanted) {
                    let (word, bit) = (phone.number as usize / 64, phone.number % 64);
                    if numbers[word] & (1 << bit) == 0 {
                        numbers[word] |= 1 << bit;
                        here.phones += 1;
                    }
                }
            }
        }
        for (slot, mut count) in by_precinct.into_iter().enumerate() {
            if count.voters == 0 {
                continue;
            }
            counts.voters += count.voters;
            counts.households += count.households;
            counts.phones += count.phones;
            count.precinct = self.precincts.names.get(slot).cloned().unwrap_or_default();
            counts.precincts.push(count);
        }
        counts.precincts.sort_by(|a, b| a.precinct.cmp(&b.precinct));
        counts
    }

    /// The voters a list made from `filter` takes: matching, and neither
    /// gone nor do-not-contact.
    /// The voters' places, in the index's order.
    pub fn pick(&self, filter: &SegmentFilter, year: i32) -> Vec<u32> {
        let compiled = self.compile(filter, year);
        if compiled.impossible {
            return Vec::new();
        }
        (0..self.voter_ids.len())
            .filter(|&v| self.flags[v] & (GONE | DNC) == 0 && self.matches(&compiled, v))
            .map(|v| v as u32)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voter(id: &str, household: u32, precinct: &str, party: &str) -> VoterFacts {
        VoterFacts {
            voter_id: id.into(),
            household: Some(household),
            precinct: Some(precinct.into()),
            party: party.into(),
            birth_year: Some(1980),
            sex: "F".into(),
            status: "A".into(),
            ..VoterFacts::default()
        }
    }

    fn slice() -> Targeting {
        let mut voters = vec![
            voter("A1", 0, "P1", "DEM"),
            voter("A2", 0, "P1", "REP"),
            voter("B1", 1, "P1", "D"),
            voter("C1", 2, "P2", "DEM"),
            voter("C2", 2, "P2", "UNA"),
            voter("D1", 3, "P2", "DEM"),
        ];
        voters[3].birth_year = Some(2000);
        let mut builder = Targeting::builder(4);
        for voter in voters {
            builder.voter(voter);
        }
        builder.phone(0, "9195550100", true);
        // A shared landline: one call for the household.
        builder.phone(3, "9195550101", false);
        builder.phone(4, "9195550101", false);
        builder.phone(2, "9195550102", true);
        builder.vote(3, "2022-11-08", "GENERAL");
        builder.vote(0, "2024-11-05", "GENERAL");
        builder.vote(3, "2024-11-05", "GENERAL");
        let mut index = builder.finish();
        // Twice: the second telling replaces the first.
        for round in 0..2 {
            let mut work = index.work();
            if round == 0 {
                work.mark(0, Mark::Gone);
                work.block_number("9195550101");
            }
            work.mark(1, Mark::Gone);
            work.mark(5, Mark::DoNotContact);
            work.block_phone(2, "9195550102");
            work.contact(2, "2026-10-01T12:00:00Z", "not-home");
            work.support(4, "strong");
            work.finish();
        }
        index
    }

    fn filter(json: serde_json::Value) -> SegmentFilter {
        serde_json::from_value(json).expect("a filter")
    }

    #[test]
    fn filters_count_voters_doors_and_callable_phones() {
        let index = slice();
        // (filter, voters, households, phones, dnc, gone)
        let cases: Vec<(serde_json::Value, u64, u64, u64, u64, u64)> = vec![
            (serde_json::json!({}), 4, 3, 2, 1, 1),
            (serde_json::json!({"parties": ["DEM"]}), 3, 3, 2, 1, 0),
            (serde_json::json!({"precincts": ["P2"]}), 2, 1, 1, 1, 0),
            (serde_json::json!({"precincts": ["P9"]}), 0, 0, 0, 0, 0),
            (serde_json::json!({"phone": "any"}), 3, 2, 2, 0, 0),
            (serde_json::json!({"phone": "cell"}), 1, 1, 1, 0, 0),
            (
                serde_json::json!({"voted": [{"date": "2024-11-05"}]}),
                2,
                2,
                2,
                0,
                0,
            ),
            (
                serde_json::json!({"voted": [{"date": "2024-11-05", "kind": "PRIMARY"}]}),
                0,
                0,
                0,
                0,
                0,
            ),
            (
                serde_json::json!({"voted": [{"date": "2020-11-03"}]}),
                0,
                0,
                0,
                0,
                0,
            ),
            (
                serde_json::json!({"not_voted": [{"date": "2024-11-05"}]}),
                2,
                2,
                1,
                1,
                1,
            ),
            (
                serde_json::json!({"generals": {"of_last": 2, "at_least": 2}}),
                1,
                1,
                1,
                0,
                0,
            ),
            (
                serde_json::json!({"age": {"min": 18, "max": 30}}),
                1,
                1,
                1,
                0,
                0,
            ),
            (serde_json::json!({"contacted": {}}), 1, 1, 0, 0, 0),
            (
                serde_json::json!({"contacted": {"not": true, "since": "2026-11-01"}}),
                4,
                3,
                2,
                1,
                1,
            ),
            (serde_json::json!({"support": [1, 2]}), 1, 1, 1, 0, 0),
        ];
        for (json, voters, households, phones, dnc, gone) in cases {
            let counts = index.count(&filter(json.clone()), 2026);
            assert_eq!(
                (
                    counts.voters,
                    counts.households,
                    counts.phones,
                    counts.excluded.do_not_contact,
                    counts.excluded.gone
                ),
                (voters, households, phones, dnc, gone),
                "{json}"
            );
            let by_precinct: u64 = counts.precincts.iter().map(|p| p.voters).sum();
            assert_eq!(by_precinct, counts.voters, "{json}");
            assert_eq!(
                index.pick(&filter(json.clone()), 2026).len() as u64,
                voters,
                "{json}"
            );
        }
    }

    #[test]
    fn bad_filters_name_the_criterion_and_what_was_expected() {
        let cases: [(serde_json::Value, &str); 6] = [
            (
                serde_json::json!({"parties": ["dem!"]}),
                "party: \"dem!\" is not a party code",
            ),
            (
                serde_json::json!({"age": {"min": 40, "max": 30}}),
                "age: 40-30 runs backwards",
            ),
            (
                serde_json::json!({"statuses": ["Q"]}),
                "status: \"Q\" is not a registration status",
            ),
            (
                serde_json::json!({"voted": [{"date": "2024-13-01"}]}),
                "voted: \"2024-13-01\" has no month 13",
            ),
            (
                serde_json::json!({"not_voted": [{"date": "11/05/2024"}]}),
                "not-voted: \"11/05/2024\" is not a date",
            ),
            (
                serde_json::json!({"support": [6]}),
                "support: 6 is not on the support scale",
            ),
        ];
        for (json, expected) in cases {
            let error = filter(json.clone()).validate().expect_err("refused");
            assert!(error.to_string().contains(expected), "{json}: {error}");
        }
        assert!(
            serde_json::from_value::<SegmentFilter>(serde_json::json!({"colour": "red"})).is_err()
        );
    }

    #[test]
    fn flags_parse_as_people_type_them() {
        assert_eq!(AgeRange::parse("18-29"), Ok(AgeRange { min: 18, max: 29 }));
        assert_eq!(AgeRange::parse("65-"), Ok(AgeRange { min: 65, max: 120 }));
        assert!(AgeRange::parse("29-18")
            .expect_err("backwards")
            .contains("backwards"));
        assert!(AgeRange::parse("old").is_err());
        assert_eq!(SegmentFilter::party_code("dem"), Ok("DEM".into()));
        assert_eq!(SegmentFilter::party_code("NPA"), Ok("UNA".into()));
        assert!(SegmentFilter::party_code("XYZ").is_err());
        assert_eq!(SegmentFilter::status_code("active"), Ok("A".into()));
        assert!(SegmentFilter::status_code("asleep").is_err());
        assert!(check_date("2024-02-29").is_ok());
        assert!(check_date("2023-02-29").is_err());
    }
}
