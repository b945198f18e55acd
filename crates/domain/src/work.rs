//! The work a coordinator makes from a segment: call lists and turfs, as
//! every laptop of the office receives them, and the rule that cuts turfs.
//!
//! Turfs are cut per precinct (no turf crosses one), whole streets together
//! where they fit, then whole blocks (both sides of the hundred-block), and
//! numbered in walking order: streets in order, then block by block, up the
//! odd side and back down the even side.

use crate::segment::SegmentFilter;
use crate::voter::VoterId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How a call list is worked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallListRules {
    /// Attempts before a number is given up.
    pub max_attempts: i64,
    /// No voter is called again sooner than this after any attempt.
    pub recycle_hours: i64,
    /// Local calling hours, in minutes after midnight in the voter's zone.
    pub calling_start: i64,
    pub calling_end: i64,
}

impl Default for CallListRules {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            recycle_hours: 4,
            calling_start: 9 * 60,
            calling_end: 21 * 60,
        }
    }
}

impl CallListRules {
    /// Checks the rules, naming what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=20).contains(&self.max_attempts) {
            return Err(format!(
                "attempts: {} is not 1 to 20 attempts",
                self.max_attempts
            ));
        }
        if !(0..=24 * 30).contains(&self.recycle_hours) {
            return Err(format!(
                "recycle: {} hours is not 0 to 720",
                self.recycle_hours
            ));
        }
        let minutes = 0..=24 * 60;
        if !minutes.contains(&self.calling_start)
            || !minutes.contains(&self.calling_end)
            || self.calling_start >= self.calling_end
        {
            return Err(format!(
                "hours: {} to {} is not a span of the day (minutes after midnight, start before end)",
                self.calling_start, self.calling_end
            ));
        }
        Ok(())
    }

    /// `HH:MM-HH:MM` as calling hours.
    pub fn parse_hours(text: &str) -> Result<(i64, i64), String> {
        let minutes = |part: &str| -> Option<i64> {
            let (hours, mins) = part.trim().split_once(':')?;
            let (hours, mins): (i64, i64) = (hours.parse().ok()?, mins.parse().ok()?);
            ((0..=24).contains(&hours) && (0..60).contains(&mins)).then_some(hours * 60 + mins)
        };
        let bad = || format!("{text:?} is not calling hours; expected HH:MM-HH:MM, as 09:00-21:00");
        let (start, end) = text.split_once('-').ok_or_else(bad)?;
        let (start, end) = (
            minutes(start).ok_or_else(bad)?,
            minutes(end).ok_or_else(bad)?,
        );
        if start >= end {
            return Err(format!("{text:?}: the calling hours end before they start"));
        }
        Ok((start, end))
    }
}

/// A list's or turf's life: open to work, closed (kept, not worked), or
/// deleted (gone from every laptop's lists; its results stay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    Open,
    Closed,
    Deleted,
}

impl WorkState {
    pub const ALL: [Self; 3] = [Self::Open, Self::Closed, Self::Deleted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// What a coordinator's work item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    Segment,
    CallList,
    Turf,
}

impl WorkKind {
    pub const ALL: [Self; 3] = [Self::Segment, Self::CallList, Self::Turf];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Segment => "segment",
            Self::CallList => "call_list",
            Self::Turf => "turf",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// As a person says it.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Segment => "segment",
            Self::CallList => "call list",
            Self::Turf => "turf",
        }
    }
}

/// A segment saved (or edited) by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRecord {
    pub segment_id: String,
    pub name: String,
    pub filter: SegmentFilter,
    pub recorded_at: String,
}

/// A call list made on a coordinator's laptop. Its items follow in
/// [`CallItemsRecord`]s (a 200,000-item list is too big for one mutation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallListRecord {
    pub list_id: String,
    pub name: String,
    pub rules: CallListRules,
    /// The script's name; none is the standard script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// The filter it was made from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<SegmentFilter>,
    /// How many items the list holds in all.
    pub items: u32,
    pub recorded_at: String,
}

/// One call: a voter and the number to dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallItem(pub VoterId, pub String);

/// Items of a call list, in order: `items[0]` is at position `first`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallItemsRecord {
    pub list_id: String,
    pub first: u32,
    pub items: Vec<CallItem>,
}

/// Items per [`CallItemsRecord`]: about 120 KB of JSON.
pub const CALL_ITEMS_PER_RECORD: usize = 4_000;

/// The most doors one turf holds: a precinct walked over weeks, about (a
/// canvasser walks 50 to 100 in a shift); it travels as one mutation.
pub const TURF_DOORS_MAX: usize = 5_000;

/// A turf, with its doors (address keys) in walking order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurfRecord {
    pub turf_id: String,
    pub name: String,
    /// The precinct it lies in (none for a hand-picked turf that crosses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precinct: Option<String>,
    /// How it was made: `cut` (from a segment), `hand-picked`, `precinct`,
    /// `zip`, `street`. (Not `kind`: that names the mutation on the wire.)
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<SegmentFilter>,
    pub doors: Vec<String>,
    pub recorded_at: String,
}

/// A list, turf or segment closed, reopened or deleted: an explicit act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkStateRecord {
    /// What it is. (Not `kind`: that names the mutation on the wire.)
    pub work: WorkKind,
    pub id: String,
    pub state: WorkState,
    pub recorded_at: String,
}

/// A turf a cut would make (the preview) or made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutTurf {
    /// This laptop's id of the turf; none in a preview.
    pub id: Option<i64>,
    /// The id every laptop of the office knows it by; none in a preview.
    pub uid: Option<String>,
    pub name: String,
    pub precinct: String,
    pub doors: u32,
    pub voters: u32,
}

/// Who has a turf out (its doors leased through the registry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurfHold {
    /// This laptop holds every door.
    pub mine: bool,
    /// Another laptop holds doors of it: its name, as enrolled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// Until when (RFC 3339): the earliest of the doors' leases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// A call list made from a segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MadeCallList {
    pub id: i64,
    pub uid: String,
    pub name: String,
    pub items: u64,
}

/// The name of the `number`th turf of a cut in `precinct`.
pub fn turf_name(prefix: &str, precinct: &str, number: usize) -> String {
    format!("{} {precinct}-{number:02}", prefix.trim())
}

/// A door as the turf cutter sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Door {
    pub precinct: String,
    pub street: String,
    pub house_number: Option<i64>,
    pub unit: String,
    /// Voters to ask for at this door.
    pub voters: u32,
}

/// One turf of a cut, before it is made: its doors (indexes into the
/// doors given) in walking order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedTurf {
    pub precinct: String,
    pub doors: Vec<usize>,
    pub voters: u32,
}

/// A door's hundred-block (doors without a number walk last).
fn block(door: &Door) -> i64 {
    door.house_number
        .map_or(i64::MAX, |number| number.div_euclid(100))
}

/// Walking order: street, block, the odd side up, then the even side back
/// down, unit; ties by input order.
pub fn walk_cmp(a: &Door, b: &Door) -> Ordering {
    let side = |door: &Door| door.house_number.unwrap_or(0).rem_euclid(2) == 0;
    let along = |door: &Door| {
        let number = door.house_number.unwrap_or(0);
        if side(door) {
            -number
        } else {
            number
        }
    };
    a.street
        .cmp(&b.street)
        .then_with(|| block(a).cmp(&block(b)))
        .then_with(|| side(a).cmp(&side(b)))
        .then_with(|| along(a).cmp(&along(b)))
        .then_with(|| {
            if side(a) {
                b.unit.cmp(&a.unit)
            } else {
                a.unit.cmp(&b.unit)
            }
        })
}

/// Puts `members` (indexes into `doors`) in walking order.
pub fn walk_order(doors: &[Door], members: &mut [usize]) {
    members.sort_by(|&a, &b| walk_cmp(&doors[a], &doors[b]).then(a.cmp(&b)));
}

/// Cuts `doors` into turfs of at most `max_doors` each (at least one).
pub fn cut_turfs(doors: &[Door], max_doors: usize) -> Vec<PlannedTurf> {
    let max_doors = max_doors.max(1);
    let mut order: Vec<usize> = (0..doors.len()).collect();
    order.sort_by(|&a, &b| {
        doors[a]
            .precinct
            .cmp(&doors[b].precinct)
            .then_with(|| walk_cmp(&doors[a], &doors[b]))
            .then(a.cmp(&b))
    });
    let mut turfs = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let precinct = &doors[order[start]].precinct;
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&i| doors[i].precinct == *precinct)
                .count();
        cut_precinct(doors, &order[start..end], max_doors, &mut turfs);
        start = end;
    }
    turfs
}

/// The pieces a precinct's doors come in: whole streets where they fit,
/// else whole blocks, else runs of a block in walking order.
fn pieces(doors: &[Door], order: &[usize], max_doors: usize) -> Vec<Vec<usize>> {
    let mut pieces = Vec::new();
    let runs = |items: &[usize], same: &dyn Fn(usize, usize) -> bool| -> Vec<Vec<usize>> {
        let mut runs: Vec<Vec<usize>> = Vec::new();
        for &i in items {
            match runs.last_mut() {
                Some(run) if same(run[0], i) => run.push(i),
                _ => runs.push(vec![i]),
            }
        }
        runs
    };
    for street in runs(order, &|a, b| doors[a].street == doors[b].street) {
        if street.len() <= max_doors {
            pieces.push(street);
            continue;
        }
        for block_run in runs(&street, &|a, b| block(&doors[a]) == block(&doors[b])) {
            if block_run.len() <= max_doors {
                pieces.push(block_run);
            } else {
                pieces.extend(block_run.chunks(max_doors).map(<[usize]>::to_vec));
            }
        }
    }
    pieces
}

fn cut_precinct(doors: &[Door], order: &[usize], max_doors: usize, turfs: &mut Vec<PlannedTurf>) {
    let Some(&first) = order.first() else {
        return;
    };
    let precinct = doors[first].precinct.clone();
    let mut current: Vec<usize> = Vec::new();
    let mut finish = |current: &mut Vec<usize>| {
        if !current.is_empty() {
            turfs.push(PlannedTurf {
                precinct: precinct.clone(),
                voters: current.iter().map(|&i| doors[i].voters).sum(),
                doors: std::mem::take(current),
            });
        }
    };
    for piece in pieces(doors, order, max_doors) {
        if current.len() + piece.len() > max_doors {
            finish(&mut current);
        }
        current.extend(piece);
    }
    finish(&mut current);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn door(precinct: &str, street: &str, number: i64) -> Door {
        Door {
            precinct: precinct.into(),
            street: street.into(),
            house_number: Some(number),
            unit: String::new(),
            voters: 1,
        }
    }

    fn street(precinct: &str, name: &str, numbers: impl IntoIterator<Item = i64>) -> Vec<Door> {
        numbers
            .into_iter()
            .map(|n| door(precinct, name, n))
            .collect()
    }

    /// Each turf as "street number" of its doors, in walking order.
    fn cut(doors: &[Door], max: usize) -> Vec<Vec<String>> {
        cut_turfs(doors, max)
            .into_iter()
            .map(|turf| {
                turf.doors
                    .iter()
                    .map(|&i| format!("{} {}", doors[i].street, doors[i].house_number.unwrap_or(0)))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn streets_stay_whole_where_they_fit_and_blocks_walk_up_one_side_and_back() {
        // Two short streets share a turf; a third that would overflow it
        // starts the next.
        let mut doors = street("P1", "ASH ST", [1, 2, 3]);
        doors.extend(street("P1", "BAY ST", [10, 11]));
        doors.extend(street("P1", "CEDAR ST", [5, 7, 9, 4]));
        assert_eq!(
            cut(&doors, 5),
            vec![
                vec!["ASH ST 1", "ASH ST 3", "ASH ST 2", "BAY ST 11", "BAY ST 10"],
                vec!["CEDAR ST 5", "CEDAR ST 7", "CEDAR ST 9", "CEDAR ST 4"],
            ]
        );
        // A street too long for one turf splits at its blocks, both sides
        // of a block together.
        let long = street("P1", "MAIN ST", [101, 103, 102, 104, 201, 202, 203, 204]);
        assert_eq!(
            cut(&long, 5),
            vec![
                vec!["MAIN ST 101", "MAIN ST 103", "MAIN ST 104", "MAIN ST 102"],
                vec!["MAIN ST 201", "MAIN ST 203", "MAIN ST 204", "MAIN ST 202"],
            ]
        );
        // A block too long for one turf is cut in walking order.
        let block = street("P1", "ELM ST", [1, 3, 5, 2, 4]);
        assert_eq!(
            cut(&block, 2),
            vec![
                vec!["ELM ST 1", "ELM ST 3"],
                vec!["ELM ST 5", "ELM ST 4"],
                vec!["ELM ST 2"]
            ]
        );
        // Precincts never share a turf.
        let mut two = street("P1", "OAK ST", [1]);
        two.extend(street("P2", "OAK ST", [3]));
        assert_eq!(cut(&two, 10).len(), 2);
    }

    fn arbitrary_doors() -> impl Strategy<Value = Vec<Door>> {
        prop::collection::vec(
            (0..3u8, 0..5u8, prop::option::of(1..450i64), 0..3u8, 0..4u32),
            0..200,
        )
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(precinct, street, number, unit, voters)| Door {
                    precinct: format!("P{precinct}"),
                    street: format!("STREET {street}"),
                    house_number: number,
                    unit: if unit == 0 {
                        String::new()
                    } else {
                        format!("{unit}")
                    },
                    voters,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn every_door_is_in_one_turf_of_one_precinct_in_walking_order(
            doors in arbitrary_doors(),
            max in 1..40usize,
        ) {
            let turfs = cut_turfs(&doors, max);
            let mut seen = vec![0u32; doors.len()];
            for turf in &turfs {
                prop_assert!(!turf.doors.is_empty());
                prop_assert!(turf.doors.len() <= max);
                for pair in turf.doors.windows(2) {
                    prop_assert_ne!(walk_cmp(&doors[pair[0]], &doors[pair[1]]), Ordering::Greater);
                }
                for &i in &turf.doors {
                    prop_assert_eq!(&doors[i].precinct, &turf.precinct);
                    seen[i] += 1;
                }
                prop_assert_eq!(turf.voters, turf.doors.iter().map(|&i| doors[i].voters).sum::<u32>());
            }
            prop_assert!(seen.iter().all(|&n| n == 1));
            // A street that fits a turf is never split.
            for turf in &turfs {
                for &i in &turf.doors {
                    let street: Vec<usize> = (0..doors.len())
                        .filter(|&j| doors[j].precinct == doors[i].precinct && doors[j].street == doors[i].street)
                        .collect();
                    if street.len() <= max {
                        prop_assert!(street.iter().all(|j| turf.doors.contains(j)));
                    }
                }
            }
        }
    }
}
