//! Quality control: the flags a coordinator looks at before trusting a
//! volunteer's day of results, computed from the data itself. A batch is
//! one volunteer's results of one calendar day; each flag carries the
//! evidence that raised it. Pure rules over plain rows: the store and the
//! registry read the rows, this decides.

use crate::contact::Channel;
use crate::results::{is_contact, Rate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the registry noticed about an attempt when it arrived, carried to
/// every laptop of the office with the attempt itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptFlag {
    /// Sent by a laptop after it was revoked, and let in by a coordinator
    /// from the review queue.
    AfterRevocation,
    /// A call made under a lease the laptop no longer held: another caller
    /// may have had the number.
    StaleLease,
    /// A call, under no lease, to a number another laptop held.
    LeasedToAnother,
}

impl AttemptFlag {
    pub const ALL: [Self; 3] = [
        Self::AfterRevocation,
        Self::StaleLease,
        Self::LeasedToAnother,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AfterRevocation => "after_revocation",
            Self::StaleLease => "stale_lease",
            Self::LeasedToAnother => "leased_to_another",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flag| flag.as_str() == text)
    }
}

/// How a call stood with the leases when it reached the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseStanding {
    /// Not a call, or a call on a number nobody held.
    Free,
    /// Made under a lease the laptop still holds.
    Held,
    /// Made under a lease that has passed on or run out.
    Lapsed,
    /// Made under no lease, on a number another laptop holds.
    HeldByAnother,
}

/// The flags the registry puts on an attempt as it arrives (the result is
/// kept either way: the door was knocked, the call was made).
pub fn attempt_flags(from_revoked_laptop: bool, lease: LeaseStanding) -> Vec<AttemptFlag> {
    let mut flags = Vec::new();
    if from_revoked_laptop {
        flags.push(AttemptFlag::AfterRevocation);
    }
    match lease {
        LeaseStanding::Free | LeaseStanding::Held => {}
        LeaseStanding::Lapsed => flags.push(AttemptFlag::StaleLease),
        LeaseStanding::HeldByAnother => flags.push(AttemptFlag::LeasedToAnother),
    }
    flags
}

/// One attempt as quality control reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityRow {
    /// The office's calendar day.
    pub day: String,
    /// The volunteer's id; none when nobody was signed in.
    pub volunteer: Option<String>,
    /// Seconds since the epoch.
    pub at: i64,
    pub channel: Channel,
    pub result: String,
    pub household: Option<i64>,
    /// What the registry noticed about it when it arrived.
    pub flags: Vec<AttemptFlag>,
}

/// One volunteer's results of one day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Batch {
    pub volunteer: Option<String>,
    pub day: String,
}

/// Why a batch is worth a coordinator's look, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// Far more of the doors and calls reached someone than the office's
    /// did the same days: results typed in without the knocking.
    HighContactRate { batch: Rate, office: Rate },
    /// Doors at different households recorded seconds apart: nobody walks
    /// between houses that fast.
    DoorsSecondsApart {
        /// Door results recorded less than [`FAST_DOOR_SECONDS`] after the
        /// one before, at another household.
        fast: u32,
        /// Door-to-door gaps in the batch.
        gaps: u32,
        shortest_seconds: i64,
    },
    /// More results at one household than it has voters, and then some.
    ManyAtOneHousehold {
        household: i64,
        results: u32,
        voters: u32,
    },
    /// Calls made under a lease that had passed on, or on a number another
    /// laptop held: the voter may have been called twice.
    LeaseConflicts {
        stale: u32,
        leased_to_another: u32,
        calls: u64,
    },
    /// Results a revoked laptop sent, let in from the review queue.
    FromRevokedLaptop { results: u32 },
}

impl Flag {
    /// The evidence, in a line a coordinator reads (the app and the CLI
    /// both show this).
    pub fn evidence(&self) -> String {
        match self {
            Self::HighContactRate { batch, office } => format!(
                "contact rate {} ({} of {}) against the office's {} the same day",
                batch.percent(),
                batch.contacts,
                batch.attempts,
                office.percent()
            ),
            Self::DoorsSecondsApart {
                fast,
                gaps,
                shortest_seconds,
            } => format!(
                "doors seconds apart: {fast} of {gaps} door-to-door gaps under {FAST_DOOR_SECONDS} s (shortest {shortest_seconds} s)"
            ),
            Self::ManyAtOneHousehold {
                household,
                results,
                voters,
            } => format!("{results} results at household {household}, which has {voters} voters"),
            Self::LeaseConflicts {
                stale,
                leased_to_another,
                calls,
            } => format!(
                "{} of {calls} calls not under this laptop's lease ({stale} after the lease passed on, \
                 {leased_to_another} on a number another caller held): the voter may have been called twice",
                stale + leased_to_another
            ),
            Self::FromRevokedLaptop { results } => format!(
                "{results} results sent by a revoked laptop (let in from the review queue)"
            ),
        }
    }
}

/// A batch with its flags (empty: nothing to look at) and its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchReport {
    pub batch: Batch,
    /// The volunteer's name (their id when not on the roster).
    pub name: String,
    pub doors: u64,
    pub calls: u64,
    pub rate: Rate,
    pub flags: Vec<Flag>,
    /// The batch's standing decision, if a coordinator made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<BatchDecision>,
}

/// Door results this close after the one before, at another household,
/// are too fast to have been knocked.
pub const FAST_DOOR_SECONDS: i64 = 15;
/// How many such gaps, and what share of a batch's gaps, flag it: one
/// slip of the thumb is not a pattern.
pub const FAST_DOORS_AT_LEAST: u32 = 5;
pub const FAST_DOORS_SHARE: f64 = 0.25;
/// Attempts a batch needs before its contact rate means anything.
pub const RATE_MIN_ATTEMPTS: u64 = 20;
/// How far above the office's rate is too far: this much, or three
/// standard errors of the batch's size, whichever is more.
pub const RATE_MARGIN: f64 = 0.25;
/// Results at one household past its voters that flag it.
pub const HOUSEHOLD_EXTRA: u32 = 3;

/// Whether a batch's rate is far above the office's.
pub fn rate_too_high(batch: Rate, office: Rate) -> bool {
    let (Some(seen), Some(expected)) = (batch.share(), office.share()) else {
        return false;
    };
    if batch.attempts < RATE_MIN_ATTEMPTS {
        return false;
    }
    let error = (expected * (1.0 - expected) / batch.attempts as f64).sqrt();
    seen > expected + RATE_MARGIN.max(3.0 * error)
}

/// The households whose voters on file [`batches`] needs: those with more
/// results in one batch than [`HOUSEHOLD_EXTRA`] (any fewer can flag no
/// household however few voters it has), so a week of results looks up a
/// handful of households, not every one it touched.
pub fn crowded_households(rows: &[QualityRow]) -> BTreeSet<i64> {
    let mut results: BTreeMap<(&Option<String>, &str, i64), u32> = BTreeMap::new();
    for row in rows {
        if let Some(household) = row.household {
            *results
                .entry((&row.volunteer, row.day.as_str(), household))
                .or_default() += 1;
        }
    }
    results
        .into_iter()
        .filter(|(_, results)| *results > HOUSEHOLD_EXTRA)
        .map(|((_, _, household), _)| household)
        .collect()
}

/// Every batch in `rows`, with its flags, flagged ones first; `names`
/// gives the roster's names by id, `voters` the voters on file at the
/// [`crowded_households`] (a household not in it has none).
pub fn batches(
    rows: &[QualityRow],
    names: &BTreeMap<String, String>,
    voters: &BTreeMap<i64, u32>,
) -> Vec<BatchReport> {
    let mut by_batch: BTreeMap<Batch, Vec<&QualityRow>> = BTreeMap::new();
    let mut office_by_day: BTreeMap<&str, Rate> = BTreeMap::new();
    for row in rows {
        by_batch
            .entry(Batch {
                volunteer: row.volunteer.clone(),
                day: row.day.clone(),
            })
            .or_default()
            .push(row);
        let office = office_by_day.entry(row.day.as_str()).or_default();
        office.attempts += 1;
        office.contacts += u64::from(is_contact(&row.result));
    }
    let mut reports: Vec<BatchReport> = by_batch
        .into_iter()
        .map(|(batch, mut rows)| {
            rows.sort_by_key(|row| row.at);
            let office = office_by_day
                .get(batch.day.as_str())
                .copied()
                .unwrap_or_default();
            let name = match &batch.volunteer {
                Some(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
                None => "Nobody signed in".into(),
            };
            report(batch, name, &rows, office, voters)
        })
        .collect();
    reports.sort_by(|a, b| {
        a.flags
            .is_empty()
            .cmp(&b.flags.is_empty())
            .then_with(|| b.batch.day.cmp(&a.batch.day))
            .then_with(|| a.batch.volunteer.cmp(&b.batch.volunteer))
    });
    reports
}

fn report(
    batch: Batch,
    name: String,
    rows: &[&QualityRow],
    office: Rate,
    voters: &BTreeMap<i64, u32>,
) -> BatchReport {
    let mut rate = Rate::default();
    let (mut doors, mut calls) = (0, 0);
    for row in rows {
        rate.attempts += 1;
        rate.contacts += u64::from(is_contact(&row.result));
        match row.channel {
            Channel::Door => doors += 1,
            Channel::Phone | Channel::Text => calls += 1,
        }
    }
    let mut flags = Vec::new();
    if rate_too_high(rate, office) {
        flags.push(Flag::HighContactRate {
            batch: rate,
            office,
        });
    }
    // Door to door: consecutive door results at different households.
    let door_rows: Vec<&&QualityRow> = rows.iter().filter(|r| r.channel == Channel::Door).collect();
    let (mut gaps, mut fast, mut shortest) = (0_u32, 0_u32, i64::MAX);
    for pair in door_rows.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        if before.household.is_some() && before.household == after.household {
            continue;
        }
        let gap = after.at - before.at;
        gaps += 1;
        shortest = shortest.min(gap);
        if gap < FAST_DOOR_SECONDS {
            fast += 1;
        }
    }
    if fast >= FAST_DOORS_AT_LEAST && f64::from(fast) >= FAST_DOORS_SHARE * f64::from(gaps) {
        flags.push(Flag::DoorsSecondsApart {
            fast,
            gaps,
            shortest_seconds: shortest,
        });
    }
    let mut at_household: BTreeMap<i64, u32> = BTreeMap::new();
    for row in rows {
        if let Some(household) = row.household {
            *at_household.entry(household).or_default() += 1;
        }
    }
    for (household, results) in at_household {
        let on_file = voters.get(&household).copied().unwrap_or(0);
        if results > on_file + HOUSEHOLD_EXTRA {
            flags.push(Flag::ManyAtOneHousehold {
                household,
                results,
                voters: on_file,
            });
        }
    }
    let count = |wanted: AttemptFlag| {
        let found = rows
            .iter()
            .filter(|row| row.flags.contains(&wanted))
            .count();
        u32::try_from(found).unwrap_or(u32::MAX)
    };
    let (stale, leased_to_another) = (
        count(AttemptFlag::StaleLease),
        count(AttemptFlag::LeasedToAnother),
    );
    if stale + leased_to_another > 0 {
        flags.push(Flag::LeaseConflicts {
            stale,
            leased_to_another,
            calls,
        });
    }
    let revoked = count(AttemptFlag::AfterRevocation);
    if revoked > 0 {
        flags.push(Flag::FromRevokedLaptop { results: revoked });
    }
    BatchReport {
        batch,
        name,
        doors,
        calls,
        rate,
        flags,
        decision: None,
    }
}

/// What a coordinator decided about a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Looked at and kept: its flags are answered.
    Approved,
    /// Kept (never deleted), but left out of the dashboards and exports
    /// until released.
    Quarantined,
    /// Counted again after a quarantine.
    Released,
}

impl Verdict {
    pub const ALL: [Self; 3] = [Self::Approved, Self::Quarantined, Self::Released];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Quarantined => "quarantined",
            Self::Released => "released",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|verdict| verdict.as_str() == text)
    }
}

/// A coordinator's decision on one batch. Every decision is kept (the
/// audit trail says who decided what, when); the latest for a batch stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchDecision {
    pub batch: Batch,
    pub verdict: Verdict,
    pub note: String,
    /// Who decided: the signed-in volunteer's name, else the laptop's.
    pub decided_by: String,
    pub recorded_at: String,
}

impl BatchDecision {
    pub const NOTE_MAX_CHARS: usize = 500;

    /// The batch's key: `VOLUNTEER@DAY` (nobody signed in: `@DAY`).
    pub fn key(&self) -> String {
        batch_key(&self.batch)
    }

    /// The audit log's line for this decision, `who` being the volunteer's
    /// name (as the reader's roster has it).
    pub fn audit_detail(&self, who: Option<&str>) -> String {
        format!(
            "{} on {}: {}{}",
            who.or(self.batch.volunteer.as_deref())
                .unwrap_or("nobody signed in"),
            self.batch.day,
            self.verdict.as_str(),
            if self.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.note)
            }
        )
    }

    /// This decision's own id among the batch's decisions.
    pub fn id(&self) -> String {
        format!("{}#{}", self.key(), self.recorded_at)
    }

    pub fn validate(&self) -> Result<(), String> {
        if crate::results::epoch_seconds(&format!("{}T00:00:00Z", self.batch.day)).is_none() {
            return Err(format!("{:?} is not a day (YYYY-MM-DD)", self.batch.day));
        }
        if self
            .batch
            .volunteer
            .as_ref()
            .is_some_and(|id| id.is_empty() || id.len() > 64 || id.contains(['@', '#']))
        {
            return Err("a batch's volunteer is a roster id".into());
        }
        if self.note.chars().count() > Self::NOTE_MAX_CHARS {
            return Err(format!(
                "a decision's note is at most {} characters",
                Self::NOTE_MAX_CHARS
            ));
        }
        if self.decided_by.chars().count() > 120 {
            return Err("who decided is a name, at most 120 characters".into());
        }
        if crate::results::epoch_seconds(&self.recorded_at).is_none() {
            return Err(format!("{:?} is not a UTC time", self.recorded_at));
        }
        Ok(())
    }
}

/// A batch's key, as decisions name it.
pub fn batch_key(batch: &Batch) -> String {
    format!("{}@{}", batch.volunteer.as_deref().unwrap_or(""), batch.day)
}

/// Reads `VOLUNTEER@DAY` back (the command line's way to name a batch).
pub fn parse_batch_key(text: &str) -> Option<Batch> {
    let (volunteer, day) = text.trim().rsplit_once('@')?;
    crate::results::epoch_seconds(&format!("{day}T00:00:00Z"))?;
    Some(Batch {
        volunteer: (!volunteer.is_empty()).then(|| volunteer.to_owned()),
        day: day.to_owned(),
    })
}

/// The fraction of a second of a UTC stamp, in nanoseconds.
fn nanos(stamp: &str) -> u32 {
    let Some((_, fraction)) = stamp.trim_end_matches('Z').split_once('.') else {
        return 0;
    };
    let digits: String = fraction
        .chars()
        .take_while(char::is_ascii_digit)
        .chain(std::iter::repeat('0'))
        .take(9)
        .collect();
    digits.parse().unwrap_or(0)
}

/// Each batch's standing decision: the latest recorded (ties broken by the
/// rest of the decision, so every laptop picks the same one).
pub fn standing(decisions: &[BatchDecision]) -> BTreeMap<Batch, &BatchDecision> {
    let mut latest: BTreeMap<Batch, &BatchDecision> = BTreeMap::new();
    for decision in decisions {
        let rank = |d: &BatchDecision| {
            (
                crate::results::epoch_seconds(&d.recorded_at).unwrap_or(i64::MIN),
                nanos(&d.recorded_at),
                d.verdict.as_str(),
                d.decided_by.clone(),
                d.note.clone(),
            )
        };
        match latest.get(&decision.batch) {
            Some(current) if rank(current) >= rank(decision) => {}
            _ => {
                latest.insert(decision.batch.clone(), decision);
            }
        }
    }
    latest
}

/// The batches left out of the figures: those whose standing decision is
/// a quarantine.
pub fn quarantined(decisions: &[BatchDecision]) -> std::collections::BTreeSet<Batch> {
    standing(decisions)
        .into_iter()
        .filter(|(_, decision)| decision.verdict == Verdict::Quarantined)
        .map(|(batch, _)| batch)
        .collect()
}

/// Whether figures of `batch` count for `office` (`None`: the whole
/// campaign) when the voters they are about are in precincts `holders`
/// hold, given each office's quarantined batches. An office leaves out
/// the batches it quarantined; the campaign leaves out a batch any office
/// holding the voter's precinct quarantined, and a named volunteer's batch
/// wherever it was quarantined (a volunteer is one office's).
pub fn counts_for<O: Ord>(
    office: Option<&O>,
    holders: &[O],
    batch: &Batch,
    quarantined: &BTreeMap<O, BTreeSet<Batch>>,
) -> bool {
    let out_in = |office: &O| {
        quarantined
            .get(office)
            .is_some_and(|set| set.contains(batch))
    };
    match office {
        Some(office) => !out_in(office),
        None => {
            let anywhere =
                batch.volunteer.is_some() && quarantined.values().any(|set| set.contains(batch));
            !anywhere && !holders.iter().any(out_in)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarantined_batch_leaves_the_figures_it_was_quarantined_from() {
        let ana = Batch {
            volunteer: Some("ana".into()),
            day: "2026-11-03".into(),
        };
        let nobody = Batch {
            volunteer: None,
            day: "2026-11-03".into(),
        };
        let other_day = Batch {
            volunteer: Some("ana".into()),
            day: "2026-11-04".into(),
        };
        // North quarantined Ana's day and the day of nobody signed in.
        let quarantined: BTreeMap<&str, BTreeSet<Batch>> =
            BTreeMap::from([("north", BTreeSet::from([ana.clone(), nobody.clone()]))]);
        // (for, the precincts' holders, the batch, counted)
        let cases: Vec<(Option<&str>, Vec<&str>, &Batch, bool)> = vec![
            (Some("north"), vec!["north"], &ana, false),
            (Some("south"), vec!["south"], &ana, true),
            (Some("north"), vec!["north"], &other_day, true),
            (None, vec!["north"], &ana, false),
            // A named volunteer's day leaves the campaign wherever it was
            // quarantined, even for voters no office of theirs holds.
            (None, vec!["south"], &ana, false),
            (None, vec![], &ana, false),
            // Nobody signed in: left out where the quarantining office
            // holds the voter's precinct, and only there.
            (None, vec!["north"], &nobody, false),
            (None, vec!["south", "north"], &nobody, false),
            (None, vec!["south"], &nobody, true),
            (None, vec![], &nobody, true),
            (Some("south"), vec!["south", "north"], &nobody, true),
            (None, vec!["north"], &other_day, true),
        ];
        for (office, holders, batch, counted) in cases {
            assert_eq!(
                counts_for(office.as_ref(), &holders, batch, &quarantined),
                counted,
                "{office:?} {holders:?} {batch:?}"
            );
        }
        assert!(counts_for(None, &["north"], &ana, &BTreeMap::new()));
    }

    fn door(volunteer: &str, at: i64, household: i64, result: &str) -> QualityRow {
        QualityRow {
            day: "2026-11-03".into(),
            volunteer: Some(volunteer.into()),
            at,
            channel: Channel::Door,
            result: result.into(),
            household: Some(household),
            flags: Vec::new(),
        }
    }

    /// Every household of these tests has two voters on file but those
    /// the test says.
    fn on_file(rows: &[QualityRow], voters: u32) -> BTreeMap<i64, u32> {
        crowded_households(rows)
            .into_iter()
            .map(|household| (household, voters))
            .collect()
    }

    /// A volunteer who walks: a door every 90-150 s, a third of them home.
    fn walker(name: &str, doors: i64, start_household: i64) -> Vec<QualityRow> {
        let mut at = 1_000;
        (0..doors)
            .map(|n| {
                at += 90 + (n * 37) % 60;
                let result = if n % 3 == 0 { "canvassed" } else { "not-home" };
                door(name, at, start_household + n, result)
            })
            .collect()
    }

    fn flags_of(reports: &[BatchReport], name: &str) -> Vec<Flag> {
        reports
            .iter()
            .find(|r| r.batch.volunteer.as_deref() == Some(name))
            .map(|r| r.flags.clone())
            .unwrap_or_default()
    }

    #[test]
    fn doors_five_seconds_apart_are_flagged_and_a_walker_is_not() {
        let mut rows = walker("ana", 40, 0);
        // Ben "knocks" 40 doors five seconds apart, all home.
        rows.extend((0..40).map(|n| door("ben", 5_000 + n * 5, 1_000 + n, "canvassed")));
        let reports = batches(&rows, &BTreeMap::new(), &on_file(&rows, 2));
        assert_eq!(flags_of(&reports, "ana"), []);
        let ben = flags_of(&reports, "ben");
        assert!(
            ben.contains(&Flag::DoorsSecondsApart {
                fast: 39,
                gaps: 39,
                shortest_seconds: 5
            }),
            "{ben:?}"
        );
        assert!(
            ben.iter()
                .any(|f| matches!(f, Flag::HighContactRate { .. })),
            "every door home, far above the office: {ben:?}"
        );
        assert_eq!(
            reports[0].batch.volunteer.as_deref(),
            Some("ben"),
            "flagged first"
        );
    }

    #[test]
    fn a_household_of_several_voters_recorded_together_is_not_fast_walking() {
        // Five voters at each of 10 households, recorded seconds apart at
        // the door, two minutes between houses.
        let rows: Vec<QualityRow> = (0..10)
            .flat_map(|house| {
                (0..5).map(move |voter| door("cy", house * 120 + voter * 4, house, "not-home"))
            })
            .collect();
        assert_eq!(
            flags_of(&batches(&rows, &BTreeMap::new(), &on_file(&rows, 5)), "cy"),
            []
        );
    }

    #[test]
    fn many_results_at_one_household_are_flagged_past_its_voters() {
        // (results at a household of 2 voters, flagged)
        for (results, flagged) in [(2, false), (5, false), (6, true), (12, true)] {
            let rows: Vec<QualityRow> = (0..results)
                .map(|n| door("dee", n * 200, 7, "not-home"))
                .collect();
            let flags = flags_of(&batches(&rows, &BTreeMap::new(), &on_file(&rows, 2)), "dee");
            assert_eq!(
                flags
                    .iter()
                    .any(|f| matches!(f, Flag::ManyAtOneHousehold { household: 7, .. })),
                flagged,
                "{results} results: {flags:?}"
            );
        }
    }

    #[test]
    fn the_rate_rule_wants_enough_attempts_and_a_real_margin() {
        let rate = |contacts, attempts| Rate { contacts, attempts };
        // (batch, office, too high)
        let cases = [
            (rate(19, 19), rate(30, 100), false), // too few to mean anything
            (rate(20, 20), rate(30, 100), true),
            (rate(11, 20), rate(30, 100), false), // 55% against 30%: within 3 standard errors
            (rate(40, 60), rate(300, 1000), true),
            (rate(35, 100), rate(300, 1000), false),
            (rate(0, 0), rate(0, 0), false),
        ];
        for (batch, office, high) in cases {
            assert_eq!(
                rate_too_high(batch, office),
                high,
                "{batch:?} against {office:?}"
            );
        }
    }
    #[test]
    fn only_households_that_could_be_flagged_are_looked_up() {
        // (results at household 7 in one batch, split over two batches,
        // looked up)
        for (results, split, looked_up) in [
            (3, false, false),
            (4, false, true),
            (8, true, true),
            (6, true, false),
        ] {
            let rows: Vec<QualityRow> = (0..results)
                .map(|n| {
                    let who = if split && n % 2 == 1 { "eve" } else { "dee" };
                    door(who, n * 200, 7, "not-home")
                })
                .collect();
            assert_eq!(
                crowded_households(&rows).contains(&7),
                looked_up,
                "{results} results, split {split}"
            );
        }
        // A household of no voters on file (all of them moved away) is
        // flagged from its fourth result.
        let rows: Vec<QualityRow> = (0..4)
            .map(|n| door("dee", n * 200, 9, "not-home"))
            .collect();
        let flags = flags_of(&batches(&rows, &BTreeMap::new(), &BTreeMap::new()), "dee");
        assert_eq!(
            flags,
            [Flag::ManyAtOneHousehold {
                household: 9,
                results: 4,
                voters: 0
            }]
        );
    }

    #[test]
    fn the_registrys_flags_on_attempts_flag_their_batch() {
        use AttemptFlag::*;
        let call = |who: &str, at: i64, flags: Vec<AttemptFlag>| QualityRow {
            channel: Channel::Phone,
            household: None,
            flags,
            ..door(who, at, 0, "answered")
        };
        // (the flags on a volunteer's calls, the batch's flags)
        let cases: Vec<(Vec<Vec<AttemptFlag>>, Vec<Flag>)> = vec![
            (vec![vec![], vec![]], vec![]),
            (
                vec![vec![StaleLease], vec![], vec![]],
                vec![Flag::LeaseConflicts {
                    stale: 1,
                    leased_to_another: 0,
                    calls: 3,
                }],
            ),
            (
                vec![
                    vec![StaleLease],
                    vec![LeasedToAnother],
                    vec![LeasedToAnother],
                ],
                vec![Flag::LeaseConflicts {
                    stale: 1,
                    leased_to_another: 2,
                    calls: 3,
                }],
            ),
            (
                vec![vec![AfterRevocation, StaleLease], vec![AfterRevocation]],
                vec![
                    Flag::LeaseConflicts {
                        stale: 1,
                        leased_to_another: 0,
                        calls: 2,
                    },
                    Flag::FromRevokedLaptop { results: 2 },
                ],
            ),
        ];
        for (flags, expected) in cases {
            let rows: Vec<QualityRow> = flags
                .iter()
                .enumerate()
                .map(|(n, flags)| call("fay", n as i64 * 300, flags.clone()))
                .collect();
            let reports = batches(&rows, &BTreeMap::new(), &BTreeMap::new());
            assert_eq!(flags_of(&reports, "fay"), expected, "{flags:?}");
        }
        let evidence = Flag::LeaseConflicts {
            stale: 1,
            leased_to_another: 2,
            calls: 30,
        }
        .evidence();
        assert!(evidence.starts_with("3 of 30 calls"), "{evidence}");
    }

    #[test]
    fn an_attempt_is_flagged_by_how_it_arrived() {
        use AttemptFlag::*;
        use LeaseStanding::*;
        // (from a revoked laptop, the lease, the flags)
        let cases = [
            (false, Free, vec![]),
            (false, Held, vec![]),
            (false, Lapsed, vec![StaleLease]),
            (false, HeldByAnother, vec![LeasedToAnother]),
            (true, Free, vec![AfterRevocation]),
            (true, Lapsed, vec![AfterRevocation, StaleLease]),
        ];
        for (revoked, lease, expected) in cases {
            assert_eq!(
                attempt_flags(revoked, lease),
                expected,
                "{revoked} {lease:?}"
            );
        }
        for flag in AttemptFlag::ALL {
            assert_eq!(AttemptFlag::parse(flag.as_str()), Some(flag));
            assert_eq!(
                serde_json::to_value(flag).ok(),
                Some(serde_json::Value::String(flag.as_str().into()))
            );
        }
        assert_eq!(AttemptFlag::parse("stale"), None);
    }
}

#[cfg(test)]
mod decision_tests {
    use super::*;

    fn decision(volunteer: Option<&str>, day: &str, verdict: Verdict, at: &str) -> BatchDecision {
        BatchDecision {
            batch: Batch {
                volunteer: volunteer.map(str::to_owned),
                day: day.into(),
            },
            verdict,
            note: String::new(),
            decided_by: "Coordinator".into(),
            recorded_at: at.into(),
        }
    }

    #[test]
    fn the_latest_decision_on_a_batch_stands() {
        use Verdict::*;
        let q = |v: Option<&str>, d: &str| Batch {
            volunteer: v.map(str::to_owned),
            day: d.into(),
        };
        // (decisions in the order they arrived, the batches quarantined)
        let cases: Vec<(Vec<BatchDecision>, Vec<Batch>)> = vec![
            (vec![], vec![]),
            (
                vec![decision(
                    Some("v1"),
                    "2026-11-03",
                    Quarantined,
                    "2026-11-04T10:00:00Z",
                )],
                vec![q(Some("v1"), "2026-11-03")],
            ),
            // Released later: counted again, whatever order they arrive in.
            (
                vec![
                    decision(Some("v1"), "2026-11-03", Released, "2026-11-04T11:00:00Z"),
                    decision(
                        Some("v1"),
                        "2026-11-03",
                        Quarantined,
                        "2026-11-04T10:00:00Z",
                    ),
                ],
                vec![],
            ),
            // Quarantined again after a release.
            (
                vec![
                    decision(
                        Some("v1"),
                        "2026-11-03",
                        Quarantined,
                        "2026-11-04T10:00:00Z",
                    ),
                    decision(Some("v1"), "2026-11-03", Released, "2026-11-04T11:00:00Z"),
                    decision(
                        Some("v1"),
                        "2026-11-03",
                        Quarantined,
                        "2026-11-04T12:00:00Z",
                    ),
                ],
                vec![q(Some("v1"), "2026-11-03")],
            ),
            // Approved is not quarantined; other batches are their own.
            (
                vec![
                    decision(Some("v1"), "2026-11-03", Approved, "2026-11-04T10:00:00Z"),
                    decision(
                        Some("v1"),
                        "2026-11-04",
                        Quarantined,
                        "2026-11-05T10:00:00Z",
                    ),
                    decision(None, "2026-11-03", Quarantined, "2026-11-04T09:00:00Z"),
                ],
                vec![q(None, "2026-11-03"), q(Some("v1"), "2026-11-04")],
            ),
            // A later stamp with a fraction is later.
            (
                vec![
                    decision(
                        Some("v1"),
                        "2026-11-03",
                        Quarantined,
                        "2026-11-04T10:00:00.5Z",
                    ),
                    decision(Some("v1"), "2026-11-03", Released, "2026-11-04T10:00:00Z"),
                ],
                vec![q(Some("v1"), "2026-11-03")],
            ),
        ];
        for (decisions, expected) in cases {
            let mut reversed = decisions.clone();
            reversed.reverse();
            let expected: std::collections::BTreeSet<Batch> = expected.into_iter().collect();
            assert_eq!(quarantined(&decisions), expected, "{decisions:?}");
            assert_eq!(quarantined(&reversed), expected, "reversed: {decisions:?}");
        }
    }

    #[test]
    fn a_batch_is_named_volunteer_at_day() {
        let named = decision(
            Some("v-7"),
            "2026-11-03",
            Verdict::Approved,
            "2026-11-04T10:00:00Z",
        );
        assert_eq!(named.key(), "v-7@2026-11-03");
        assert_eq!(parse_batch_key("v-7@2026-11-03"), Some(named.batch.clone()));
        assert_eq!(
            parse_batch_key("@2026-11-03").map(|b| b.volunteer),
            Some(None)
        );
        assert_eq!(
            parse_batch_key("Ana Ruiz@2026-11-03").and_then(|b| b.volunteer),
            Some("Ana Ruiz".into())
        );
        for bad in ["v-7", "v-7@03/11/2026", "v-7@", ""] {
            assert_eq!(parse_batch_key(bad), None, "{bad:?}");
        }
        assert!(named.validate().is_ok());
        for broken in [
            BatchDecision {
                note: "x".repeat(501),
                ..named.clone()
            },
            BatchDecision {
                recorded_at: "tuesday".into(),
                ..named.clone()
            },
            decision(
                Some("a@b"),
                "2026-11-03",
                Verdict::Approved,
                "2026-11-04T10:00:00Z",
            ),
            decision(
                Some("v"),
                "2026-13-03",
                Verdict::Approved,
                "2026-11-04T10:00:00Z",
            ),
        ] {
            assert!(broken.validate().is_err(), "{broken:?}");
        }
    }
}
