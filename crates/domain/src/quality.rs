//! Quality control: the flags a coordinator looks at before trusting a
//! volunteer's day of results, computed from the data itself. A batch is
//! one volunteer's results of one calendar day; each flag carries the
//! evidence that raised it. Pure rules over plain rows: the store and the
//! registry read the rows, this decides.

use crate::contact::Channel;
use crate::results::{is_contact, Rate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Voters on file at that household.
    pub household_voters: u32,
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

/// Every batch in `rows`, with its flags, flagged ones first; `names`
/// gives the roster's names by id.
pub fn batches(rows: &[QualityRow], names: &BTreeMap<String, String>) -> Vec<BatchReport> {
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
            report(batch, name, &rows, office)
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

fn report(batch: Batch, name: String, rows: &[&QualityRow], office: Rate) -> BatchReport {
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
    let mut at_household: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    for row in rows {
        if let Some(household) = row.household {
            let entry = at_household
                .entry(household)
                .or_insert((0, row.household_voters));
            entry.0 += 1;
        }
    }
    for (household, (results, voters)) in at_household {
        if results > voters + HOUSEHOLD_EXTRA {
            flags.push(Flag::ManyAtOneHousehold {
                household,
                results,
                voters,
            });
        }
    }
    BatchReport {
        batch,
        name,
        doors,
        calls,
        rate,
        flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(volunteer: &str, at: i64, household: i64, result: &str) -> QualityRow {
        QualityRow {
            day: "2026-11-03".into(),
            volunteer: Some(volunteer.into()),
            at,
            channel: Channel::Door,
            result: result.into(),
            household: Some(household),
            household_voters: 2,
        }
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
        let reports = batches(&rows, &BTreeMap::new());
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
                (0..5).map(move |voter| QualityRow {
                    household_voters: 5,
                    ..door("cy", house * 120 + voter * 4, house, "not-home")
                })
            })
            .collect();
        assert_eq!(flags_of(&batches(&rows, &BTreeMap::new()), "cy"), []);
    }

    #[test]
    fn many_results_at_one_household_are_flagged_past_its_voters() {
        // (results at a household of 2 voters, flagged)
        for (results, flagged) in [(2, false), (5, false), (6, true), (12, true)] {
            let rows: Vec<QualityRow> = (0..results)
                .map(|n| door("dee", n * 200, 7, "not-home"))
                .collect();
            let flags = flags_of(&batches(&rows, &BTreeMap::new()), "dee");
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
}
