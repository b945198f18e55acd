//! The dashboard from the rollup against the dashboard from the raw
//! attempts, on a demo office worked by several volunteers over days.

use super::*;
use crate::NewContact;
use groundgame_domain::feed::FeedContact;
use groundgame_domain::ipc::GoalsRequest;
use groundgame_domain::mutation::ContactRecord;
use groundgame_domain::results::Target;
use groundgame_domain::wire::Role;
use groundgame_domain::{SurveyAnswer, VoterId};

use crate::demo::office;

fn eastern() -> TimeZone {
    TimeZone::get("America/New_York").expect("zone")
}

fn at(text: &str) -> Timestamp {
    text.parse().expect("time")
}

fn voters(store: &Store, count: usize) -> Vec<(VoterId, i64)> {
    let rows: Vec<(String, i64)> = store
        .conn
        .prepare(
            "SELECT v.voter_id, th.turf_id FROM voters v JOIN turf_households th ON th.household_id = v.household_id \
             WHERE v.removed_at IS NULL ORDER BY v.id LIMIT ?1",
        )
        .expect("prepare")
        .query_map([count as i64], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows.into_iter()
        .map(|(id, turf)| (VoterId::parse(&id).expect("id"), turf))
        .collect()
}

/// One tally per attempt, straight from `contact_attempts`, each put on
/// the calendar from its own time (not from the rollup's hour).
fn raw_tallies(store: &Store, zone: &TimeZone) -> Vec<Tally> {
    let mut statement = store
        .conn
        .prepare(
            "SELECT a.recorded_at, a.volunteer, a.channel, a.result, h.precinct_code, a.turf_id, a.call_list_id \
             FROM contact_attempts a JOIN voters v ON v.id = a.voter_id \
             LEFT JOIN households h ON h.id = v.household_id",
        )
        .expect("prepare");
    let rows = statement
        .query_map([], |row| {
            let recorded_at: String = row.get(0)?;
            let channel: String = row.get(2)?;
            Ok(Tally {
                day: office_day(recorded_at.parse().expect("stamp"), zone),
                volunteer: row.get(1)?,
                channel: Channel::parse(&channel).expect("channel"),
                result: row.get(3)?,
                precinct: row.get(4)?,
                turf: row.get(5)?,
                call_list: row.get(6)?,
                attempts: 1,
                first_at: recorded_at.clone(),
                last_at: recorded_at,
            })
        })
        .expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

fn raw_answers(store: &Store, zone: &TimeZone) -> Vec<AnswerTally> {
    let mut statement = store
        .conn
        .prepare(
            "SELECT a.recorded_at, a.volunteer, s.question, s.answer FROM survey_answers s \
             JOIN contact_attempts a ON a.id = s.attempt_id",
        )
        .expect("prepare");
    let rows = statement
        .query_map([], |row| {
            let recorded_at: String = row.get(0)?;
            Ok(AnswerTally {
                day: office_day(recorded_at.parse().expect("stamp"), zone),
                volunteer: row.get(1)?,
                question: row.get(2)?,
                answer: row.get(3)?,
                answers: 1,
            })
        })
        .expect("query");
    rows.collect::<Result<_, _>>().expect("rows")
}

fn answer(code: &str) -> SurveyAnswer {
    SurveyAnswer {
        question: SUPPORT_QUESTION.into(),
        answer: code.into(),
        version: None,
        other: None,
    }
}

/// Three evenings of doors by two volunteers and some with nobody signed
/// in, including an evening past midnight UTC (still the same day in New
/// York).
fn worked_office() -> (Store, usize) {
    let mut store = office(400);
    let ana = store
        .add_volunteer(
            "Ana Ruiz",
            &[Role::Canvasser],
            &[],
            None,
            None,
            at("2026-10-30T12:00:00Z"),
        )
        .expect("ana");
    let ben = store
        .add_volunteer(
            "Ben Okafor",
            &[Role::Canvasser],
            &[],
            None,
            None,
            at("2026-10-30T12:00:00Z"),
        )
        .expect("ben");
    let doors = voters(&store, 60);
    assert!(
        doors.len() >= 30,
        "the demo turf has {} voters",
        doors.len()
    );
    let results = [
        "canvassed",
        "not-home",
        "not-home",
        "refused",
        "canvassed",
        "inaccessible",
    ];
    let supports = ["strong", "lean", "undecided", "against"];
    for (n, (voter, turf)) in doors.iter().enumerate() {
        let who = match n % 3 {
            0 => Some(ana.id.as_str()),
            1 => Some(ben.id.as_str()),
            _ => None,
        };
        store.act_as(who).expect("acts");
        let result = results[n % results.len()];
        let mut contact = NewContact::new(voter.clone(), Channel::Door, result);
        contact.turf = Some(*turf);
        if result == "canvassed" {
            contact.answers = vec![answer(supports[n % supports.len()])];
        }
        // Evenings of 1, 2 and 3 November, from 22:30 UTC to past 01:00.
        let evening = n % 3;
        let minute = (n * 3) % 160;
        let when = at(&format!("2026-11-0{}T22:30:00Z", 1 + evening))
            + jiff::SignedDuration::from_mins(minute as i64);
        store.record_contact(&contact, when).expect("records");
    }
    store.act_as(None).expect("nobody");
    let count = doors.len();
    (store, count)
}

#[test]
fn the_dashboard_from_the_rollup_is_the_dashboard_from_every_attempt() {
    let (store, count) = worked_office();
    let zone = eastern();
    let now = at("2026-11-04T15:00:00Z");
    let from_rollup = store.dashboard(now, &zone).expect("dashboard");
    let mut input = store.dashboard_input(now, &zone).expect("input");
    assert!(
        input.tallies.len() < count,
        "the rollup groups attempts ({} rows)",
        input.tallies.len()
    );
    input.tallies = raw_tallies(&store, &zone);
    input.places = input.tallies.clone();
    input.work_tallies = input.tallies.clone();
    input.answers = raw_answers(&store, &zone);
    assert_eq!(input.tallies.len(), count);
    assert_eq!(from_rollup, dashboard(&input));

    // And the figures are the plain ones: the turf's doors over three New York
    // evenings (the part past midnight UTC stays on its evening).
    assert_eq!(from_rollup.office.overall.attempts, count as u64);
    let by_day: Vec<(&str, u64)> = from_rollup
        .office
        .days
        .iter()
        .filter(|d| d.doors > 0)
        .map(|d| (d.day.as_str(), d.doors))
        .collect();
    let evening = |e: usize| (0..count).filter(|n| n % 3 == e).count() as u64;
    assert_eq!(
        by_day,
        [
            ("2026-11-01", evening(0)),
            ("2026-11-02", evening(1)),
            ("2026-11-03", evening(2))
        ]
    );
    let contacts = (0..count).filter(|n| matches!(n % 6, 0 | 3 | 4)).count() as u64;
    assert_eq!(from_rollup.office.overall.contacts, contacts);
    let canvassed = (0..count).filter(|n| matches!(n % 6, 0 | 4)).count() as u64;
    let answered: u64 = from_rollup.office.support.iter().map(|l| l.answers).sum();
    assert_eq!(answered, canvassed);
    let names: Vec<&str> = from_rollup
        .volunteers
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(names, ["Ana Ruiz", "Ben Okafor", "Nobody signed in"]);
    let turf = from_rollup
        .work
        .iter()
        .find(|w| w.target == Target::Turf)
        .expect("the demo turf");
    assert_eq!(turf.rate.attempts, count as u64);
    assert!(turf.done > 0 && turf.done <= turf.total);
    let recommended = from_rollup
        .recommendations
        .iter()
        .any(|r| r.target == Target::Turf && r.id == Some(turf.id));
    assert_eq!(recommended, turf.left() > 0, "{turf:?}");
}

#[test]
fn an_attempt_pulled_twice_is_tallied_once() {
    let mut store = office(50);
    let (voter, _) = voters(&store, 1).remove(0);
    let contact = FeedContact {
        record: ContactRecord {
            attempt_id: "0190a0b0-0000-7000-8000-000000000001".into(),
            voter_id: voter,
            channel: Channel::Door,
            result: "canvassed".into(),
            phone: None,
            call_list: None,
            turf: None,
            answers: vec![answer("lean")],
            note: None,
            volunteer: None,
            recorded_at: "2026-11-02T23:00:00Z".into(),
            lease: None,
        },
        hlc: groundgame_domain::Hlc {
            wall_ms: 1,
            counter: 0,
        }
        .encode(),
        device_id: "other".into(),
        flags: vec![groundgame_domain::quality::AttemptFlag::StaleLease],
    };
    for _ in 0..2 {
        let tx = store.conn.transaction().expect("tx");
        crate::sync::apply_contact(&tx, &contact).expect("applies");
        tx.commit().expect("commits");
    }
    let flags: i64 = store
        .conn
        .query_row("SELECT count(*) FROM attempt_flags", [], |row| row.get(0))
        .expect("flags");
    assert_eq!(flags, 1, "the registry's flag kept once");
    let board = store
        .dashboard(at("2026-11-03T12:00:00Z"), &eastern())
        .expect("dashboard");
    assert_eq!(board.office.overall.attempts, 1);
    assert_eq!(board.office.supporters, 1);

    // One whose time a device garbled is counted on no day; the dashboard
    // is still drawn.
    let mut garbled = contact;
    garbled.record.attempt_id = "0190a0b0-0000-7000-8000-000000000002".into();
    garbled.record.recorded_at = "last tuesday".into();
    let tx = store.conn.transaction().expect("tx");
    crate::sync::apply_contact(&tx, &garbled).expect("applies");
    tx.commit().expect("commits");
    let board = store
        .dashboard(at("2026-11-03T12:00:00Z"), &eastern())
        .expect("dashboard");
    assert_eq!(board.office.overall.attempts, 2);
    let on_days: u64 = board.office.days.iter().map(|d| d.rate.attempts).sum();
    assert_eq!(on_days, 1);
}

#[test]
fn goals_set_here_show_on_the_dashboard_and_older_ones_do_not_replace_them() {
    let mut store = office(50);
    assert_eq!(store.goals().expect("goals"), GoalsRecord::default());
    let set = store
        .set_goals(
            GoalsRequest {
                doors_per_day: 120,
                calls_per_day: 300,
                contacts_per_day: 60,
                supporters: 2_000,
            },
            at("2026-11-02T12:00:00Z"),
        )
        .expect("sets");
    let board = store
        .dashboard(at("2026-11-02T15:00:00Z"), &eastern())
        .expect("dashboard");
    let today = board.today().expect("today");
    assert_eq!(
        (today.doors_goal, today.calls_goal, today.contacts_goal),
        (120, 300, 60)
    );
    let older = GoalsRecord {
        doors_per_day: 5,
        recorded_at: "2026-11-01T12:00:00Z".into(),
        ..GoalsRecord::default()
    };
    let tx = store.conn.transaction().expect("tx");
    store_goals(&tx, &older).expect("applies");
    tx.commit().expect("commits");
    assert_eq!(store.goals().expect("goals"), set, "the later goals stand");
    let refused = store
        .set_goals(
            GoalsRequest {
                calls_per_day: GoalsRecord::MAX + 1,
                ..GoalsRequest::default()
            },
            at("2026-11-02T13:00:00Z"),
        )
        .expect_err("too many");
    assert!(refused.to_string().contains("calls a day"), "{refused}");
    assert_eq!(store.goals().expect("goals"), set, "nothing half-applied");
}

/// Doors and doors knocked per turf, calls and calls done per list, as a
/// plain count over the rows.
fn plain_progress(store: &Store) -> Vec<(Target, i64, u64, u64)> {
    let count = |sql: &str, id: i64| -> u64 {
        let n: i64 = store
            .conn
            .query_row(sql, [id], |row| row.get(0))
            .expect("count");
        n as u64
    };
    let mut plain = Vec::new();
    for turf in store.turfs().expect("turfs") {
        plain.push((
            Target::Turf,
            turf.id,
            count("SELECT count(DISTINCT household_id) FROM contact_attempts WHERE turf_id = ?1 AND channel = 'door'", turf.id),
            count("SELECT count(*) FROM turf_households WHERE turf_id = ?1", turf.id),
        ));
    }
    for list in store.call_lists().expect("lists") {
        plain.push((
            Target::CallList,
            list.id,
            count("SELECT count(*) FROM call_items WHERE call_list_id = ?1 AND status IN ('completed', 'skipped')", list.id),
            count("SELECT count(*) FROM call_items WHERE call_list_id = ?1", list.id),
        ));
    }
    plain
}

fn progress_shown(store: &Store) -> Vec<(Target, i64, u64, u64)> {
    store
        .dashboard(at("2026-11-04T15:00:00Z"), &eastern())
        .expect("dashboard")
        .work
        .iter()
        .map(|w| (w.target, w.id, w.done, w.total))
        .collect()
}

#[test]
fn progress_kept_by_the_triggers_is_a_plain_count() {
    let (mut store, _) = worked_office();
    let mut expected = plain_progress(&store);
    expected.sort();
    let mut shown = progress_shown(&store);
    shown.sort();
    assert_eq!(shown, expected);
    assert!(shown
        .iter()
        .any(|(t, _, done, _)| *t == Target::Turf && *done > 0));
    // Calls done, tried again and taken back change the list's progress as
    // the rows do.
    let items: Vec<i64> = store
        .conn
        .prepare("SELECT id FROM call_items ORDER BY id LIMIT 5")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("items")
        .collect::<Result<_, _>>()
        .expect("ids");
    for (n, item) in items.iter().enumerate() {
        let status = [
            "completed",
            "skipped",
            "attempted",
            "completed",
            "available",
        ][n];
        store
            .conn
            .execute(
                "UPDATE call_items SET status = ?2, attempts = attempts + 1 WHERE id = ?1",
                rusqlite::params![item, status],
            )
            .expect("update");
    }
    store
        .conn
        .execute(
            "UPDATE call_items SET status = 'available' WHERE id = ?1",
            [items[3]],
        )
        .expect("taken back");
    let mut expected = plain_progress(&store);
    expected.sort();
    let mut shown = progress_shown(&store);
    shown.sort();
    assert_eq!(shown, expected);
    let list = store.call_lists().expect("lists").remove(0);
    assert_eq!((list.done, list.attempted), (2, 5));
    // A door knocked twice is one door knocked.
    let knocked = |store: &Store| store.turfs().expect("turfs")[0].knocked;
    let before = knocked(&store);
    let (voter, turf) = voters(&store, 1).remove(0);
    for _ in 0..2 {
        let mut contact = NewContact::new(voter.clone(), Channel::Door, "not-home");
        contact.turf = Some(turf);
        store
            .record_contact(&contact, at("2026-11-04T22:00:00Z"))
            .expect("records");
    }
    assert!(knocked(&store) <= before + 1);
    let mut expected = plain_progress(&store);
    expected.sort();
    let mut shown = progress_shown(&store);
    shown.sort();
    assert_eq!(shown, expected);
}

/// One voter from each of `count` households.
fn one_a_household(store: &Store, count: usize) -> Vec<VoterId> {
    let ids: Vec<String> = store
        .conn
        .prepare(
            "SELECT min(voter_id) FROM voters WHERE household_id IS NOT NULL AND removed_at IS NULL \
             GROUP BY household_id ORDER BY household_id LIMIT ?1",
        )
        .expect("prepare")
        .query_map([count as i64], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("ids");
    ids.iter()
        .map(|id| VoterId::parse(id).expect("id"))
        .collect()
}

/// A demo office with two canvassers on its roster, Ana and Ben.
fn office_of_two_canvassers(
    now: Timestamp,
) -> (
    Store,
    groundgame_domain::survey::VolunteerView,
    groundgame_domain::survey::VolunteerView,
) {
    let mut store = office(600);
    let ana = store
        .add_volunteer("Ana Ruiz", &[Role::Canvasser], &[], None, None, now)
        .expect("ana");
    let ben = store
        .add_volunteer("Ben Okafor", &[Role::Canvasser], &[], None, None, now)
        .expect("ben");
    (store, ana, ben)
}

#[test]
fn a_volunteer_whose_doors_are_seconds_apart_is_flagged_and_an_ordinary_one_is_not() {
    use groundgame_domain::quality::Flag;
    let now = at("2026-11-03T23:30:00Z");
    let (mut store, ana, ben) = office_of_two_canvassers(now);
    let doors = one_a_household(&store, 60);
    assert_eq!(doors.len(), 60);
    let evening = at("2026-11-03T21:00:00Z");
    for (n, voter) in doors.iter().enumerate() {
        // Ana: a door every two minutes or so; Ben: every five seconds.
        let (who, when) = if n < 30 {
            (
                &ana,
                evening + jiff::SignedDuration::from_secs(n as i64 * 117),
            )
        } else {
            (
                &ben,
                evening + jiff::SignedDuration::from_secs(3_600 + (n as i64 - 30) * 5),
            )
        };
        store.act_as(Some(&who.id)).expect("acts");
        let result = if n % 4 == 0 { "canvassed" } else { "not-home" };
        store
            .record_contact(&NewContact::new(voter.clone(), Channel::Door, result), when)
            .expect("records");
    }
    let reports = store.quality(now, &eastern(), 1).expect("quality");
    let of = |id: &str| {
        reports
            .iter()
            .find(|r| r.batch.volunteer.as_deref() == Some(id))
            .expect("a batch")
    };
    assert_eq!(of(&ana.id).flags, []);
    assert_eq!(of(&ana.id).doors, 30);
    assert!(
        of(&ben.id).flags.iter().any(|f| matches!(
            f,
            Flag::DoorsSecondsApart {
                fast: 29,
                gaps: 29,
                shortest_seconds: 5
            }
        )),
        "{:?}",
        of(&ben.id).flags
    );
    assert_eq!(reports[0].batch.volunteer.as_deref(), Some(ben.id.as_str()));
    assert_eq!(reports[0].batch.day, "2026-11-03");
    // The days asked for, and no more.
    assert!(store
        .quality(at("2026-11-06T15:00:00Z"), &eastern(), 1)
        .expect("quality")
        .is_empty());
}

#[test]
fn a_quarantined_batch_is_kept_but_left_out_of_the_figures_until_released() {
    use groundgame_domain::quality::{Batch, Verdict};
    let now = at("2026-11-03T23:30:00Z");
    let (mut store, ana, ben) = office_of_two_canvassers(now);
    let doors = one_a_household(&store, 40);
    let evening = at("2026-11-03T21:00:00Z");
    for (n, voter) in doors.iter().enumerate() {
        let who = if n < 25 { &ana } else { &ben };
        store.act_as(Some(&who.id)).expect("acts");
        let result = if n % 2 == 0 { "canvassed" } else { "not-home" };
        store
            .record_contact(
                &NewContact::new(voter.clone(), Channel::Door, result),
                evening + jiff::SignedDuration::from_secs(n as i64 * 90),
            )
            .expect("records");
    }
    store.act_as(None).expect("nobody");
    let zone = eastern();
    let before = store.dashboard(now, &zone).expect("dashboard");
    assert_eq!(before.office.overall.attempts, 40);
    let precinct_attempts = |board: &Dashboard| {
        board
            .precincts
            .iter()
            .map(|p| p.doors + p.calls)
            .sum::<u64>()
    };
    assert_eq!(precinct_attempts(&before), 40);

    // Ben's evening quarantined: his 15 doors leave every figure, and the
    // attempts themselves stay.
    let bens = Batch {
        volunteer: Some(ben.id.clone()),
        day: "2026-11-03".into(),
    };
    store
        .decide_batch(bens.clone(), Verdict::Quarantined, "doors too fast", now)
        .expect("quarantined");
    let during = store.dashboard(now, &zone).expect("dashboard");
    assert_eq!(during.office.overall.attempts, 25);
    assert_eq!(precinct_attempts(&during), 25);
    assert!(during.volunteers.iter().all(|v| v.name != "Ben Okafor"));
    let kept: i64 = store
        .conn
        .query_row("SELECT count(*) FROM contact_attempts", [], |row| {
            row.get(0)
        })
        .expect("count");
    assert_eq!(kept, 40, "quarantined results are kept");
    let reports = store.quality(now, &zone, 1).expect("quality");
    let ben_report = reports
        .iter()
        .find(|r| r.batch == bens)
        .expect("ben's batch");
    assert_eq!(
        ben_report.decision.as_ref().map(|d| d.verdict),
        Some(Verdict::Quarantined)
    );
    // Left out of exports as well, unless asked for.
    let mut exported = 0;
    store
        .export_results(&crate::ResultsQuery::default(), &zone, |_| {
            exported += 1;
            Ok::<_, StoreError>(())
        })
        .expect("export");
    assert_eq!(exported, 25);
    let mut everything = 0;
    store
        .export_results(
            &crate::ResultsQuery {
                include_quarantined: true,
                ..Default::default()
            },
            &zone,
            |_| {
                everything += 1;
                Ok::<_, StoreError>(())
            },
        )
        .expect("export");
    assert_eq!(everything, 40);

    // Released: counted again; the audit log says who decided what.
    store
        .decide_batch(
            bens.clone(),
            Verdict::Released,
            "checked with Ben",
            now + jiff::SignedDuration::from_secs(60),
        )
        .expect("released");
    assert_eq!(store.dashboard(now, &zone).expect("dashboard"), before);
    let audit = store.audit_log().expect("audit");
    let decisions: Vec<&str> = audit
        .iter()
        .filter(|entry| entry.action == "decide_batch")
        .map(|entry| entry.detail.as_str())
        .collect();
    assert_eq!(decisions.len(), 2);
    assert_eq!(
        decisions,
        [
            "Ben Okafor on 2026-11-03: quarantined (doors too fast)",
            "Ben Okafor on 2026-11-03: released (checked with Ben)"
        ]
    );
    // Every decision is an outbox change, so it reaches the office.
    let queued: i64 = store
        .conn
        .query_row(
            "SELECT count(*) FROM outbox WHERE kind = 'decide_batch'",
            [],
            |row| row.get(0),
        )
        .expect("outbox");
    assert_eq!(queued, 2);
    // A day that is no day is refused.
    let bad_day = store.decide_batch(
        Batch {
            volunteer: None,
            day: "yesterday".into(),
        },
        Verdict::Approved,
        "",
        now,
    );
    assert!(
        matches!(bad_day, Err(StoreError::Invalid(_))),
        "{bad_day:?}"
    );
}

#[test]
fn a_quarantined_batchs_doors_are_left_to_knock_again_unless_someone_else_knocked_them() {
    use groundgame_domain::quality::{Batch, Verdict};
    let now = at("2026-11-03T23:30:00Z");
    let (mut store, ana, ben) = office_of_two_canvassers(now);
    let zone = eastern();
    // One voter at each of three households of one turf.
    let doors: Vec<(VoterId, i64)> = store
        .conn
        .prepare(
            "SELECT min(v.voter_id), th.turf_id FROM voters v \
             JOIN turf_households th ON th.household_id = v.household_id \
             WHERE v.removed_at IS NULL AND th.turf_id = (SELECT min(turf_id) FROM turf_households) \
             GROUP BY v.household_id ORDER BY v.household_id LIMIT 3",
        )
        .expect("prepare")
        .query_map([], |row| {
            Ok((
                VoterId::parse(&row.get::<_, String>(0)?).expect("id"),
                row.get(1)?,
            ))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("doors");
    assert_eq!(doors.len(), 3);
    let turf = doors[0].1;
    let evening = at("2026-11-03T21:00:00Z");
    // Ana knocks the first door; Ben all three, the first after her.
    let knock = |store: &mut Store, who: &str, voter: &VoterId, minutes: i64| {
        store.act_as(Some(who)).expect("acts");
        let mut contact = NewContact::new(voter.clone(), Channel::Door, "not-home");
        contact.turf = Some(turf);
        store
            .record_contact(&contact, evening + jiff::SignedDuration::from_mins(minutes))
            .expect("records");
    };
    knock(&mut store, &ana.id, &doors[0].0, 0);
    for (n, (voter, _)) in doors.iter().enumerate() {
        knock(&mut store, &ben.id, voter, 10 + n as i64 * 3);
    }
    store.act_as(None).expect("nobody");
    let knocked = |store: &Store| {
        store
            .dashboard(now, &zone)
            .expect("dashboard")
            .work
            .iter()
            .find(|work| work.target == Target::Turf && work.id == turf)
            .map(|work| work.done)
            .expect("the turf on the dashboard")
    };
    let before = knocked(&store);
    assert_eq!(before, 3);
    let bens = Batch {
        volunteer: Some(ben.id.clone()),
        day: "2026-11-03".into(),
    };
    store
        .decide_batch(bens.clone(), Verdict::Quarantined, "", now)
        .expect("quarantined");
    assert_eq!(
        knocked(&store),
        before - 2,
        "the two doors only Ben knocked are left to knock; Ana's stays knocked"
    );
    let listed = |store: &Store| {
        store
            .turfs_on(&zone)
            .expect("turfs")
            .into_iter()
            .find(|listed| listed.id == turf)
            .map(|listed| listed.knocked)
            .expect("the turf in the list")
    };
    assert_eq!(listed(&store), 1, "the turf list agrees with the dashboard");
    store
        .decide_batch(
            bens,
            Verdict::Released,
            "",
            now + jiff::SignedDuration::from_secs(1),
        )
        .expect("released");
    assert_eq!(knocked(&store), before);
    assert_eq!(listed(&store), 3);
}
