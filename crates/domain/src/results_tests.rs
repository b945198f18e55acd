//! Each measure against a plain computation over the same attempts, and
//! the ranking rule as a case table.

use super::*;
use crate::survey::standard_questions;
use proptest::prelude::*;

/// One attempt as a plain row: what the measures are checked against.
#[derive(Debug, Clone)]
struct Attempt {
    day: u8,
    volunteer: Option<u8>,
    channel: Channel,
    result: &'static str,
    precinct: Option<u8>,
    turf: Option<i64>,
    list: Option<i64>,
    second: u32,
}

fn day_of(n: u8) -> String {
    format!("2026-10-{:02}", 20 + n)
}

fn stamp(day: u8, second: u32) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        day_of(day),
        10 + second / 3600,
        (second / 60) % 60,
        second % 60
    )
}

/// One tally per attempt.
fn single(attempt: &Attempt) -> Tally {
    Tally {
        day: day_of(attempt.day),
        volunteer: attempt.volunteer.map(|v| format!("v{v}")),
        channel: attempt.channel,
        result: attempt.result.into(),
        precinct: attempt.precinct.map(|p| format!("P{p}")),
        turf: attempt.turf,
        call_list: attempt.list,
        attempts: 1,
        first_at: stamp(attempt.day, attempt.second),
        last_at: stamp(attempt.day, attempt.second),
    }
}

/// What a rollup keeps of a tally: by day and volunteer, by precinct, or
/// by turf or list.
#[derive(Clone, Copy)]
enum By {
    Hour,
    Place,
    Work,
}

impl By {
    fn keep(self, mut tally: Tally) -> Tally {
        match self {
            Self::Hour => {
                tally.precinct = None;
                tally.turf = None;
                tally.call_list = None;
            }
            Self::Place => {
                tally.day = String::new();
                tally.volunteer = None;
                tally.turf = None;
                tally.call_list = None;
            }
            Self::Work => {
                tally.day = String::new();
                tally.volunteer = None;
                tally.precinct = None;
            }
        }
        tally
    }
}

/// The tallies grouped as one of the store's rollups groups them.
fn grouped_by(attempts: &[Attempt], by: By) -> Vec<Tally> {
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    for attempt in attempts {
        let one = by.keep(single(attempt));
        let key = format!(
            "{}|{:?}|{}|{}|{:?}|{:?}|{:?}",
            one.day, one.volunteer, one.channel, one.result, one.precinct, one.turf, one.call_list
        );
        groups
            .entry(key)
            .and_modify(|t| {
                t.attempts += 1;
                t.first_at = t.first_at.clone().min(one.first_at.clone());
                t.last_at = t.last_at.clone().max(one.last_at.clone());
            })
            .or_insert(one);
    }
    groups.into_values().collect()
}

const DOOR_RESULTS: &[&str] = &["canvassed", "not-home", "refused", "moved", "inaccessible"];
const PHONE_RESULTS: &[&str] = &["answered", "no-answer", "busy", "wrong-number", "refused"];

fn attempt() -> impl Strategy<Value = Attempt> {
    (
        0u8..5,
        proptest::option::of(0u8..4),
        any::<bool>(),
        0usize..5,
        proptest::option::of(0u8..3),
        proptest::option::of(1i64..4),
        0u32..20_000,
    )
        .prop_map(|(day, volunteer, door, result, precinct, work, second)| {
            let channel = if door { Channel::Door } else { Channel::Phone };
            Attempt {
                day,
                volunteer,
                channel,
                result: if door {
                    DOOR_RESULTS[result]
                } else {
                    PHONE_RESULTS[result]
                },
                precinct,
                turf: if door { work } else { None },
                list: if door { None } else { work },
                second,
            }
        })
}

fn plain_contact(result: &str) -> bool {
    matches!(result, "canvassed" | "answered" | "refused" | "hostile")
}

fn turf(id: i64, households: i64, knocked: i64, precinct: &str, state: WorkState) -> TurfSummary {
    TurfSummary {
        id,
        name: format!("Turf {id}"),
        kind: "precinct".into(),
        households,
        voters: households * 2,
        knocked,
        uid: None,
        precinct: Some(precinct.into()),
        state,
        hold: None,
        assigned: Vec::new(),
    }
}

fn list(id: i64, items: i64, done: i64, state: WorkState) -> CallListSummary {
    CallListSummary {
        id,
        name: format!("List {id}"),
        items,
        done,
        attempted: done,
        uid: None,
        state,
        assigned: Vec::new(),
    }
}

/// The three rollups of `attempts`.
fn grouped(attempts: &[Attempt]) -> [Vec<Tally>; 3] {
    [By::Hour, By::Place, By::Work].map(|by| grouped_by(attempts, by))
}

/// One tally per attempt, for every rollup.
fn singles(attempts: &[Attempt]) -> [Vec<Tally>; 3] {
    let singles: Vec<Tally> = attempts.iter().map(single).collect();
    [singles.clone(), singles.clone(), singles]
}

fn input([tallies, places, work_tallies]: [Vec<Tally>; 3]) -> DashboardInput {
    let turfs = [
        turf(1, 100, 10, "P0", WorkState::Open),
        turf(2, 50, 50, "P1", WorkState::Open),
        turf(3, 80, 0, "P1", WorkState::Closed),
    ];
    let lists = [
        list(1, 300, 20, WorkState::Open),
        list(2, 10, 0, WorkState::Open),
    ];
    DashboardInput {
        tallies,
        places,
        work_tallies,
        answers: Vec::new(),
        work: turfs
            .iter()
            .map(WorkItem::from)
            .chain(lists.iter().map(WorkItem::from))
            .collect(),
        goals: GoalsRecord {
            doors_per_day: 40,
            calls_per_day: 100,
            contacts_per_day: 30,
            supporters: 500,
            recorded_at: String::new(),
        },
        support: standard_questions().into_iter().next(),
        names: [("v0".to_owned(), "Ana".to_owned())].into_iter().collect(),
        today: day_of(4),
    }
}

proptest! {
    /// The rollup is an optimisation, never a different answer: grouped
    /// tallies and one tally per attempt give the same dashboard.
    #[test]
    fn grouping_does_not_change_any_figure(attempts in proptest::collection::vec(attempt(), 0..120)) {
        let from_singles = dashboard(&input(singles(&attempts)));
        let from_groups = dashboard(&input(grouped(&attempts)));
        prop_assert_eq!(from_singles, from_groups);
    }

    /// Every measure against a plain count over the attempts.
    #[test]
    fn measures_are_plain_counts(attempts in proptest::collection::vec(attempt(), 0..120)) {
        let board = dashboard(&input(grouped(&attempts)));
        let contacts = attempts.iter().filter(|a| plain_contact(a.result)).count() as u64;
        prop_assert_eq!(board.office.overall, Rate { contacts, attempts: attempts.len() as u64 });
        for day in &board.office.days {
            let of_day: Vec<&Attempt> = attempts.iter().filter(|a| day_of(a.day) == day.day).collect();
            prop_assert_eq!(day.doors, of_day.iter().filter(|a| a.channel == Channel::Door).count() as u64);
            prop_assert_eq!(day.calls, of_day.iter().filter(|a| a.channel == Channel::Phone).count() as u64);
            prop_assert_eq!(day.rate.contacts, of_day.iter().filter(|a| plain_contact(a.result)).count() as u64);
        }
        prop_assert_eq!(board.office.days.len(), DASHBOARD_DAYS);
        for precinct in &board.precincts {
            let there: Vec<&Attempt> = attempts
                .iter()
                .filter(|a| a.precinct.map(|p| format!("P{p}")) == precinct.precinct)
                .collect();
            prop_assert_eq!(precinct.doors + precinct.calls, there.len() as u64);
            prop_assert_eq!(precinct.rate.contacts, there.iter().filter(|a| plain_contact(a.result)).count() as u64);
        }
        let precinct_total: u64 = board.precincts.iter().map(|p| p.rate.attempts).sum();
        prop_assert_eq!(precinct_total, attempts.len() as u64);
        for volunteer in &board.volunteers {
            let theirs: Vec<&Attempt> = attempts
                .iter()
                .filter(|a| a.volunteer.map(|v| format!("v{v}")) == volunteer.volunteer)
                .collect();
            prop_assert_eq!(volunteer.doors + volunteer.calls, theirs.len() as u64);
            let mut minutes = 0;
            for day in 0..5u8 {
                let seconds: Vec<u32> = theirs.iter().filter(|a| a.day == day).map(|a| a.second).collect();
                if let (Some(first), Some(last)) = (seconds.iter().min(), seconds.iter().max()) {
                    minutes += (u64::from(last - first) / 60).max(MIN_SHIFT_MINUTES);
                }
            }
            prop_assert_eq!(volunteer.minutes, minutes);
        }
        for work in &board.work {
            let from: Vec<&Attempt> = attempts
                .iter()
                .filter(|a| match work.target {
                    Target::Turf => a.turf == Some(work.id),
                    _ => a.list == Some(work.id),
                })
                .collect();
            prop_assert_eq!(work.rate.attempts, from.len() as u64);
        }
    }
}

#[test]
fn a_day_reads_against_its_goals_and_days_without_work_are_drawn_as_zero() {
    let attempts = [
        Attempt {
            day: 4,
            volunteer: Some(0),
            channel: Channel::Door,
            result: "canvassed",
            precinct: Some(0),
            turf: Some(1),
            list: None,
            second: 0,
        },
        Attempt {
            day: 4,
            volunteer: Some(0),
            channel: Channel::Door,
            result: "not-home",
            precinct: Some(0),
            turf: Some(1),
            list: None,
            second: 600,
        },
        Attempt {
            day: 2,
            volunteer: Some(1),
            channel: Channel::Phone,
            result: "answered",
            precinct: Some(1),
            turf: None,
            list: Some(1),
            second: 0,
        },
    ];
    let board = dashboard(&input(grouped(&attempts)));
    let today = board.today().expect("today is on the dashboard");
    assert_eq!((today.doors, today.calls, today.rate.contacts), (2, 0, 1));
    assert_eq!(
        (today.doors_goal, today.calls_goal, today.contacts_goal),
        (40, 100, 30)
    );
    assert_eq!(today.rate.percent(), "50%");
    assert_eq!(
        board.office.days.first().map(|d| d.day.as_str()),
        Some("2026-10-11")
    );
    assert_eq!(
        board
            .office
            .days
            .iter()
            .filter(|d| d.rate.attempts == 0)
            .count(),
        DASHBOARD_DAYS - 2
    );
    assert_eq!(
        board.left,
        LeftToDo {
            doors: 90,
            calls: 290,
            open_turfs: 2,
            open_lists: 2
        }
    );
    let ana = &board.volunteers[0];
    assert_eq!((ana.name.as_str(), ana.doors, ana.minutes), ("Ana", 2, 15));
    assert_eq!(ana.per_hour, 8.0);
    assert_eq!(
        board.volunteers[1].name, "v1",
        "an id not on the roster shows as the id"
    );
}

#[test]
fn support_counts_by_level_in_the_questions_order() {
    let question = standard_questions().into_iter().next().expect("support");
    let answer = |answer: &str, answers| AnswerTally {
        day: day_of(1),
        volunteer: None,
        question: "support".into(),
        answer: answer.into(),
        answers,
    };
    let answers = [
        answer("lean", 3),
        answer("strong", 2),
        answer("strong", 1),
        answer("retired-code", 4),
    ];
    let levels = answers_by_level(&answers, &question);
    let shown: Vec<(&str, u64)> = levels
        .iter()
        .map(|l| (l.code.as_str(), l.answers))
        .collect();
    assert_eq!(
        shown,
        [
            ("strong", 3),
            ("lean", 3),
            ("undecided", 0),
            ("lean-against", 0),
            ("against", 0),
            ("retired-code", 4)
        ]
    );
    assert_eq!(supporters(&levels), 6);
}

fn rate(contacts: u64, attempts: u64) -> Rate {
    Rate { contacts, attempts }
}

#[test]
fn expected_rate_weighs_what_was_seen_against_the_office() {
    // (seen, office, expected)
    let cases = [
        (rate(0, 0), rate(30, 100), 0.30),
        (rate(0, 0), rate(0, 0), 0.0),
        (rate(3, 3), rate(30, 100), (3.0 + 6.0) / 23.0),
        (rate(50, 100), rate(30, 100), (50.0 + 6.0) / 120.0),
        (rate(0, 200), rate(30, 100), 6.0 / 220.0),
    ];
    for (seen, office, expected) in cases {
        let got = expected_rate(seen, office);
        assert!(
            (got - expected).abs() < 1e-12,
            "{seen:?} in {office:?}: {got} not {expected}"
        );
    }
}

#[test]
fn recommendations_rank_by_contacts_still_to_be_had() {
    // Turf 1 (P0): 90 doors left, 1 contact in 2 tries; turf 2 is done;
    // turf 3 is closed. List 1: 280 left, never tried; list 2: 10 left.
    let attempts = [
        Attempt {
            day: 4,
            volunteer: None,
            channel: Channel::Door,
            result: "canvassed",
            precinct: Some(0),
            turf: Some(1),
            list: None,
            second: 0,
        },
        Attempt {
            day: 4,
            volunteer: None,
            channel: Channel::Door,
            result: "not-home",
            precinct: Some(0),
            turf: Some(1),
            list: None,
            second: 9,
        },
        Attempt {
            day: 3,
            volunteer: None,
            channel: Channel::Phone,
            result: "no-answer",
            precinct: Some(1),
            turf: None,
            list: Some(2),
            second: 0,
        },
        Attempt {
            day: 3,
            volunteer: None,
            channel: Channel::Phone,
            result: "answered",
            precinct: Some(1),
            turf: None,
            list: Some(2),
            second: 5,
        },
    ];
    let board = dashboard(&input(grouped(&attempts)));
    let ranked: Vec<(Target, &str, u64)> = board
        .recommendations
        .iter()
        .map(|r| (r.target, r.name.as_str(), r.left))
        .collect();
    assert_eq!(
        ranked,
        [
            (Target::CallList, "List 1", 280),
            // A tie: the turf, the thing to hand someone, before its precinct.
            (Target::Turf, "Turf 1", 90),
            (Target::Precinct, "P0", 90),
            (Target::CallList, "List 2", 10),
        ],
        "a done turf, a closed turf and a precinct with nothing open are not sent anyone"
    );
    let first = &board.recommendations[0];
    assert_eq!((first.seen, first.office), (rate(0, 0), rate(1, 2)));
    assert!((first.expected_contacts - 140.0).abs() < 1e-9);
}

#[test]
fn calendar_and_stamps() {
    assert_eq!(
        calendar("2026-02-27", "2026-03-02"),
        ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
    );
    assert_eq!(calendar("2028-02-28", "2028-03-01").len(), 3, "a leap year");
    assert!(calendar("2026-03-02", "2026-03-01").is_empty());
    assert!(calendar("not a day", "2026-03-01").is_empty());
    assert_eq!(window_start("2026-11-03"), "2026-10-21");
    assert_eq!(epoch_seconds("1970-01-02T00:00:01Z"), Some(86_401));
    assert_eq!(epoch_seconds("2026-11-03"), None);
    assert_eq!(epoch_seconds("2026-13-03T00:00:00Z"), None);
    // (stamp, seconds since the epoch or refused)
    let cases = [
        ("2026-11-03T18:02:11Z", Some(1_793_728_931)),
        ("2026-11-03T18:02:11.123456789Z", Some(1_793_728_931)),
        ("2028-02-29T00:00:00Z", Some(1_835_395_200)),
        ("2026-02-29T00:00:00Z", None),
        ("2026-04-31T00:00:00Z", None),
        ("2026-11-03T24:00:00Z", None),
        ("2026-11-03T18:02:11+02:00", None),
        ("2026-11-03 18:02:11Z", None),
        ("2026-11-03T18:02:11.Z", None),
        ("2026-11-03T18:02:11", None),
        ("2026-11-03T1a:02:11Z", None),
        ("garbage", None),
    ];
    for (stamp, expected) in cases {
        assert_eq!(epoch_seconds(stamp), expected, "{stamp}");
    }
}

#[test]
fn goals_past_reason_are_refused() {
    let mut goals = GoalsRecord {
        doors_per_day: 50,
        ..GoalsRecord::default()
    };
    assert!(goals.validate().is_ok());
    goals.calls_per_day = GoalsRecord::MAX + 1;
    let refused = goals.validate().expect_err("too many calls");
    assert!(refused.contains("calls a day"), "{refused}");
}

#[test]
fn an_offices_figures_are_the_dashboards_own() {
    let attempts = [
        Attempt {
            day: 4,
            volunteer: Some(0),
            channel: Channel::Door,
            result: "canvassed",
            precinct: Some(0),
            turf: Some(1),
            list: None,
            second: 0,
        },
        Attempt {
            day: 4,
            volunteer: Some(1),
            channel: Channel::Phone,
            result: "no-answer",
            precinct: Some(0),
            turf: None,
            list: Some(1),
            second: 5,
        },
        Attempt {
            day: 1,
            volunteer: Some(2),
            channel: Channel::Door,
            result: "not-home",
            precinct: Some(1),
            turf: Some(1),
            list: None,
            second: 9,
        },
    ];
    let input = input(grouped(&attempts));
    let board = dashboard(&input);
    let office = office_figures(
        Some("o1".into()),
        "Downtown".into(),
        &input.tallies,
        &input.answers,
        &input.goals,
        input.support.as_ref(),
        &input.today,
    );
    // The registry's figures for an office are the dashboard's, but for
    // the office's name.
    assert_eq!(
        OfficeFigures {
            office_id: None,
            name: String::new(),
            ..office.clone()
        },
        board.office
    );
    assert_eq!(board.office.overall.attempts, attempts.len() as u64);
    assert_eq!(
        office.today().map(|d| d.day.as_str()),
        Some(input.today.as_str())
    );
    assert_eq!(
        office.volunteers_today, 2,
        "v0 and v1 worked today; v2 three days ago"
    );
}

#[test]
fn a_county_of_turfs_is_counted_whole_and_shown_in_part() {
    let mut board_input = input(singles(&[]));
    board_input.work = (1..=100)
        .map(|id| {
            WorkItem::from(&turf(
                id,
                10,
                if id % 10 == 0 { 5 } else { 0 },
                "P0",
                WorkState::Open,
            ))
        })
        .collect();
    let board = dashboard(&board_input);
    assert_eq!(board.work.len(), WORK_SHOWN);
    assert_eq!(board.work_not_shown, 100 - WORK_SHOWN as u64);
    assert_eq!(
        board.left.doors,
        100 * 10 - 10 * 5,
        "what is left counts every turf"
    );
    assert_eq!(board.left.open_turfs, 100);
    assert_eq!(board.recommendations.len(), RECOMMENDATIONS_SHOWN);
    // The ten under way come first.
    assert!(
        board.work[..10].iter().all(|w| w.done == 5),
        "{:?}",
        board.work
    );
}
