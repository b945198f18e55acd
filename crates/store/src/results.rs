//! The day's results as this laptop holds them: the tallies kept by the
//! triggers of migration 0015, put on the office's calendar, and the
//! office's goals. Every figure is computed by `groundgame_domain::results`;
//! this module only reads rows.

use crate::clock::stamp;
use crate::outbox::{append, check_role};
use crate::script::{self, RecordKind};
use crate::{Store, StoreError};
use groundgame_domain::ipc::GoalsRequest;
use groundgame_domain::mutation::MutationKind;
use groundgame_domain::office::AuditEntry;
use groundgame_domain::quality::{
    batches, crowded_households, quarantined, standing, AttemptFlag, Batch, BatchDecision,
    BatchReport, QualityRow, Verdict,
};
use groundgame_domain::results::{
    dashboard, subtract, AnswerTally, Dashboard, DashboardInput, GoalsRecord, Tally, Target,
    WorkItem,
};
use groundgame_domain::segment::SUPPORT_QUESTION;
use groundgame_domain::{Channel, Mutation};
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, Connection, Transaction};
use std::collections::{BTreeMap, HashMap};

/// Keeps goals that arrived (from the registry, or set here) when they are
/// the latest set (the domain's rule, as on the registry).
pub(crate) fn store_goals(tx: &Transaction<'_>, goals: &GoalsRecord) -> Result<bool, StoreError> {
    let current: Option<GoalsRecord> = script::one(tx, RecordKind::Goals, GoalsRecord::KEY)?;
    if current
        .as_ref()
        .is_some_and(|current| !goals.supersedes(current))
    {
        return Ok(true);
    }
    script::put(
        tx,
        RecordKind::Goals,
        GoalsRecord::KEY,
        GoalsRecord::KEY,
        false,
        goals,
    )?;
    Ok(true)
}

/// Keeps a coordinator's decision on a batch (each decision is kept, for
/// the audit trail; the latest for a batch stands, by the domain's rule).
pub(crate) fn store_batch_decision(
    tx: &Transaction<'_>,
    decision: &BatchDecision,
) -> Result<bool, StoreError> {
    script::put(
        tx,
        RecordKind::BatchDecision,
        &decision.id(),
        &decision.key(),
        false,
        decision,
    )?;
    Ok(true)
}

/// Every decision on a batch this laptop holds, oldest first.
pub(crate) fn batch_decisions(conn: &Connection) -> Result<Vec<BatchDecision>, StoreError> {
    let mut decisions: Vec<BatchDecision> = script::all(conn, RecordKind::BatchDecision, None)?;
    decisions.sort_by(|a, b| {
        a.recorded_at
            .cmp(&b.recorded_at)
            .then(a.key().cmp(&b.key()))
    });
    Ok(decisions)
}

/// The first UTC second of `day` in `zone`, and of the day after, as
/// stamps without their `Z`: every stamp of the day (fractions too) sorts
/// between them.
fn day_window(day: &str, zone: &TimeZone) -> Result<(String, String), StoreError> {
    let date: jiff::civil::Date = day
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("a decision names the day {day:?}")))?;
    let start = date
        .to_zoned(zone.clone())
        .map_err(|error| StoreError::Corrupt(format!("{day}: {error}")))?;
    let end = start
        .tomorrow()
        .map_err(|error| StoreError::Corrupt(format!("{day}: {error}")))?;
    let bare = |at: jiff::Timestamp| stamp(at).trim_end_matches('Z').to_owned();
    Ok((bare(start.timestamp()), bare(end.timestamp())))
}

/// What the quarantined batches put into the precinct and work tallies,
/// read from their attempts (a batch is one volunteer's day: a few hundred
/// rows at most, found by time).
fn quarantined_tallies(
    conn: &Connection,
    quarantined: &std::collections::BTreeSet<Batch>,
    zone: &TimeZone,
) -> Result<(Vec<Tally>, Vec<Tally>), StoreError> {
    let mut places = Vec::new();
    let mut work = Vec::new();
    let mut statement = conn.prepare_cached(
        "SELECT coalesce(h.precinct_code, ''), coalesce(a.turf_id, 0), coalesce(a.call_list_id, 0), \
                a.channel, a.result, count(*) \
         FROM contact_attempts a \
         LEFT JOIN voters v ON v.id = a.voter_id \
         LEFT JOIN households h ON h.id = v.household_id \
         WHERE a.recorded_at >= ?2 AND a.recorded_at < ?3 AND coalesce(a.volunteer, '') = ?1 \
         GROUP BY 1, 2, 3, 4, 5",
    )?;
    in_each_batch(&mut statement, quarantined, zone, |row| {
        let tally = Tally {
            day: String::new(),
            volunteer: None,
            channel: channel(&row.get::<_, String>(3)?)?,
            result: row.get(4)?,
            precinct: some(row.get(0)?),
            turf: some_id(row.get(1)?),
            call_list: some_id(row.get(2)?),
            attempts: attempts(row.get(5)?),
            first_at: String::new(),
            last_at: String::new(),
        };
        if tally.turf.is_some() || tally.call_list.is_some() {
            work.push(Tally {
                precinct: None,
                ..tally.clone()
            });
        }
        places.push(Tally {
            turf: None,
            call_list: None,
            ..tally
        });
        Ok(())
    })?;
    Ok((places, work))
}

/// Runs `statement` (`?1` the volunteer's id, or '' for nobody signed in;
/// `?2` and `?3` the UTC bounds of the office's day) for each quarantined
/// batch, handing each row to `each`.
fn in_each_batch(
    statement: &mut rusqlite::CachedStatement<'_>,
    quarantined: &std::collections::BTreeSet<Batch>,
    zone: &TimeZone,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    for batch in quarantined {
        let (from, to) = day_window(&batch.day, zone)?;
        let mut rows =
            statement.query(params![batch.volunteer.as_deref().unwrap_or(""), from, to])?;
        while let Some(row) = rows.next()? {
            each(row)?;
        }
    }
    Ok(())
}

/// The doors of each turf that count as knocked only through a batch
/// quarantined now, on the calendar of `zone`: what the dashboard's turf
/// progress and the turf list both leave out.
pub(crate) fn knocks_left_out(
    conn: &Connection,
    zone: &TimeZone,
) -> Result<HashMap<i64, u64>, StoreError> {
    let quarantined = quarantined(&batch_decisions(conn)?);
    if quarantined.is_empty() {
        return Ok(HashMap::new());
    }
    quarantined_knocks(conn, &quarantined, zone)
}

/// The doors of each turf that count as knocked only through quarantined
/// batches (no counted door result at that household in that turf): they
/// are left to knock again.
fn quarantined_knocks(
    conn: &Connection,
    quarantined: &std::collections::BTreeSet<Batch>,
    zone: &TimeZone,
) -> Result<HashMap<i64, u64>, StoreError> {
    let mut left_out = std::collections::HashSet::new();
    let mut doors = std::collections::BTreeSet::new();
    let mut statement = conn.prepare_cached(
        "SELECT id, turf_id, household_id FROM contact_attempts \
         WHERE recorded_at >= ?2 AND recorded_at < ?3 AND coalesce(volunteer, '') = ?1 \
           AND channel = 'door' AND turf_id IS NOT NULL AND household_id IS NOT NULL",
    )?;
    in_each_batch(&mut statement, quarantined, zone, |row| {
        left_out.insert(row.get::<_, String>(0)?);
        doors.insert((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?));
        Ok(())
    })?;
    let mut knocked_at = conn.prepare_cached(
        "SELECT id FROM contact_attempts WHERE household_id = ?1 AND turf_id = ?2 AND channel = 'door'",
    )?;
    let mut knocks: HashMap<i64, u64> = HashMap::new();
    for (turf, household) in doors {
        let mut counted = false;
        let mut rows = knocked_at.query(params![household, turf])?;
        while let Some(row) = rows.next()? {
            if !left_out.contains(&row.get::<_, String>(0)?) {
                counted = true;
                break;
            }
        }
        if !counted {
            *knocks.entry(turf).or_default() += 1;
        }
    }
    Ok(knocks)
}

/// Puts UTC hours (`2026-11-03T18`) on the office's calendar, each hour
/// worked out once.
struct Calendar<'a> {
    zone: &'a TimeZone,
    days: HashMap<String, String>,
}

impl<'a> Calendar<'a> {
    fn new(zone: &'a TimeZone) -> Self {
        Self {
            zone,
            days: HashMap::new(),
        }
    }

    /// The day of an hour; an hour that is not one (an attempt whose time
    /// a device garbled) is on no day: it still counts in every total, and
    /// the dashboard is drawn.
    fn day(&mut self, hour: &str) -> String {
        if let Some(day) = self.days.get(hour) {
            return day.clone();
        }
        let day = format!("{hour}:00:00")
            .parse::<DateTime>()
            .and_then(|at| at.to_zoned(TimeZone::UTC))
            .map(|at| at.with_time_zone(self.zone.clone()).date().to_string())
            .unwrap_or_else(|error| {
                tracing::warn!(hour, %error, "a tally's hour is not a time; counted on no day");
                String::new()
            });
        self.days.insert(hour.to_owned(), day.clone());
        day
    }
}

/// The office's time zone: the laptop's own (it sits in the office), or
/// UTC where the system names none.
pub fn office_zone() -> TimeZone {
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// The office's calendar day at `now`.
pub fn office_day(now: Timestamp, zone: &TimeZone) -> String {
    now.to_zoned(zone.clone()).date().to_string()
}

fn some(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn some_id(id: i64) -> Option<i64> {
    (id != 0).then_some(id)
}

fn channel(text: &str) -> Result<Channel, StoreError> {
    Channel::parse(text).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "a tally has the channel {text:?}, which this build does not know"
        ))
    })
}

fn attempts(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Attempts by hour and volunteer, on the office's calendar.
pub(crate) fn tallies(conn: &Connection, zone: &TimeZone) -> Result<Vec<Tally>, StoreError> {
    let mut calendar = Calendar::new(zone);
    let mut statement = conn.prepare_cached(
        "SELECT hour, volunteer, channel, result, attempts, first_at, last_at FROM hour_tallies",
    )?;
    let mut rows = statement.query([])?;
    let mut tallies = Vec::new();
    while let Some(row) = rows.next()? {
        let hour: String = row.get(0)?;
        tallies.push(Tally {
            day: calendar.day(&hour),
            volunteer: some(row.get(1)?),
            channel: channel(&row.get::<_, String>(2)?)?,
            result: row.get(3)?,
            precinct: None,
            turf: None,
            call_list: None,
            attempts: attempts(row.get(4)?),
            first_at: row.get(5)?,
            last_at: row.get(6)?,
        });
    }
    Ok(tallies)
}

/// Attempts by precinct.
pub(crate) fn places(conn: &Connection) -> Result<Vec<Tally>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT precinct, channel, result, attempts FROM precinct_tallies")?;
    let mut rows = statement.query([])?;
    let mut tallies = Vec::new();
    while let Some(row) = rows.next()? {
        tallies.push(Tally {
            day: String::new(),
            volunteer: None,
            channel: channel(&row.get::<_, String>(1)?)?,
            result: row.get(2)?,
            precinct: some(row.get(0)?),
            turf: None,
            call_list: None,
            attempts: attempts(row.get(3)?),
            first_at: String::new(),
            last_at: String::new(),
        });
    }
    Ok(tallies)
}

/// Attempts by turf or call list.
pub(crate) fn work_tallies(conn: &Connection) -> Result<Vec<Tally>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT turf_id, call_list_id, channel, result, attempts FROM work_tallies",
    )?;
    let mut rows = statement.query([])?;
    let mut tallies = Vec::new();
    while let Some(row) = rows.next()? {
        tallies.push(Tally {
            day: String::new(),
            volunteer: None,
            channel: channel(&row.get::<_, String>(2)?)?,
            result: row.get(3)?,
            precinct: None,
            turf: some_id(row.get(0)?),
            call_list: some_id(row.get(1)?),
            attempts: attempts(row.get(4)?),
            first_at: String::new(),
            last_at: String::new(),
        });
    }
    Ok(tallies)
}

/// Every turf and call list that is not deleted, with its doors (or
/// calls) and those done, from the progress the triggers keep.
pub(crate) fn work_items(conn: &Connection) -> Result<Vec<WorkItem>, StoreError> {
    let mut items = Vec::new();
    let mut statement = conn.prepare_cached(
        "SELECT t.id, t.name, t.precinct_code, t.state, coalesce(p.doors, 0), coalesce(p.knocked, 0) \
         FROM turfs t LEFT JOIN turf_progress p ON p.turf_id = t.id \
         WHERE t.state <> 'deleted' ORDER BY t.name",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        items.push(WorkItem {
            target: Target::Turf,
            id: row.get(0)?,
            name: row.get(1)?,
            precinct: row.get(2)?,
            state: crate::queue::work_state(&row.get::<_, String>(3)?)?,
            total: attempts(row.get(4)?),
            done: attempts(row.get(5)?),
        });
    }
    let mut statement = conn.prepare_cached(
        "SELECT l.id, l.name, l.state, coalesce(p.items, 0), coalesce(p.done, 0) \
         FROM call_lists l LEFT JOIN call_list_progress p ON p.call_list_id = l.id \
         WHERE l.state <> 'deleted' ORDER BY l.name",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        items.push(WorkItem {
            target: Target::CallList,
            id: row.get(0)?,
            name: row.get(1)?,
            precinct: None,
            state: crate::queue::work_state(&row.get::<_, String>(2)?)?,
            total: attempts(row.get(3)?),
            done: attempts(row.get(4)?),
        });
    }
    Ok(items)
}

/// Every answer tally, on the office's calendar.
pub(crate) fn answer_tallies(
    conn: &Connection,
    zone: &TimeZone,
) -> Result<Vec<AnswerTally>, StoreError> {
    let mut calendar = Calendar::new(zone);
    let mut statement = conn
        .prepare_cached("SELECT hour, volunteer, question, answer, answers FROM answer_tallies")?;
    let mut rows = statement.query([])?;
    let mut tallies = Vec::new();
    while let Some(row) = rows.next()? {
        let hour: String = row.get(0)?;
        tallies.push(AnswerTally {
            day: calendar.day(&hour),
            volunteer: some(row.get(1)?),
            question: row.get(2)?,
            answer: row.get(3)?,
            answers: row.get::<_, i64>(4)?.try_into().unwrap_or(0),
        });
    }
    Ok(tallies)
}

impl Store {
    /// The office's goals (none set: all zero).
    pub fn goals(&self) -> Result<GoalsRecord, StoreError> {
        Ok(script::one(&self.conn, RecordKind::Goals, GoalsRecord::KEY)?.unwrap_or_default())
    }

    /// Sets the office's daily goals (a coordinator's act), for every
    /// laptop of the office.
    pub fn set_goals(
        &mut self,
        goals: GoalsRequest,
        now: Timestamp,
    ) -> Result<GoalsRecord, StoreError> {
        let record = GoalsRecord {
            doors_per_day: goals.doors_per_day,
            calls_per_day: goals.calls_per_day,
            contacts_per_day: goals.contacts_per_day,
            supporters: goals.supporters,
            recorded_at: stamp(now),
        };
        record.validate().map_err(StoreError::Invalid)?;
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SetGoals)?;
        script::put(
            &tx,
            RecordKind::Goals,
            GoalsRecord::KEY,
            GoalsRecord::KEY,
            false,
            &record,
        )?;
        append(&tx, &Mutation::SetGoals(record.clone()), now)?;
        tx.commit()?;
        tracing::info!(
            doors = record.doors_per_day,
            calls = record.calls_per_day,
            contacts = record.contacts_per_day,
            "goals set"
        );
        Ok(record)
    }

    /// Everything the Office dashboard is computed from, on the calendar
    /// of `zone`, as of `now`.
    pub fn dashboard_input(
        &self,
        now: Timestamp,
        zone: &TimeZone,
    ) -> Result<DashboardInput, StoreError> {
        let names = crate::volunteer::names(&self.conn)?;
        // Quarantined batches are kept but not counted: their hours and
        // answers are left out by volunteer and day, and what they put into
        // the precinct and work tallies is taken out again.
        let quarantined = quarantined(&batch_decisions(&self.conn)?);
        let mut tallies = tallies(&self.conn, zone)?;
        let mut answers = answer_tallies(&self.conn, zone)?;
        let mut places = places(&self.conn)?;
        let mut work = work_tallies(&self.conn)?;
        let mut items = work_items(&self.conn)?;
        if !quarantined.is_empty() {
            let counted = |volunteer: &Option<String>, day: &str| {
                !quarantined.contains(&Batch {
                    volunteer: volunteer.clone(),
                    day: day.to_owned(),
                })
            };
            tallies.retain(|tally| counted(&tally.volunteer, &tally.day));
            answers.retain(|tally| counted(&tally.volunteer, &tally.day));
            let (out_of_places, out_of_work) = quarantined_tallies(&self.conn, &quarantined, zone)?;
            subtract(&mut places, &out_of_places);
            subtract(&mut work, &out_of_work);
            let knocks = quarantined_knocks(&self.conn, &quarantined, zone)?;
            for item in &mut items {
                if item.target == Target::Turf {
                    let out = knocks.get(&item.id).copied().unwrap_or(0);
                    item.done = item.done.saturating_sub(out);
                }
            }
        }
        Ok(DashboardInput {
            tallies,
            places,
            work_tallies: work,
            answers,
            work: items,
            goals: self.goals()?,
            support: script::latest(&self.conn, SUPPORT_QUESTION)?,
            names,
            today: office_day(now, zone),
        })
    }

    /// The Office dashboard, from this laptop's own slice (it works
    /// offline: every attempt of the office reaches every laptop of it).
    pub fn dashboard(&self, now: Timestamp, zone: &TimeZone) -> Result<Dashboard, StoreError> {
        let started = std::time::Instant::now();
        let input = self.dashboard_input(now, zone)?;
        let board = dashboard(&input);
        tracing::debug!(
            tallies = input.tallies.len(),
            millis = started.elapsed().as_millis() as u64,
            "dashboard computed"
        );
        Ok(board)
    }
}

/// The attempts of the office's last `days` calendar days (today
/// included), as quality control reads them.
pub(crate) fn quality_rows(
    conn: &Connection,
    now: Timestamp,
    zone: &TimeZone,
    days: u32,
) -> Result<Vec<QualityRow>, StoreError> {
    let today = now.to_zoned(zone.clone()).date();
    let first = today
        .checked_sub(jiff::Span::new().days(i64::from(days.max(1)) - 1))
        .map_err(|e| StoreError::Invalid(format!("cannot go back {days} days: {e}")))?;
    let first_day = first.to_string();
    // A day starts at most 14 hours before it does in UTC (Kiribati): a
    // day's margin covers every zone.
    let since = stamp(now - jiff::SignedDuration::from_hours(24 * (i64::from(days) + 1)));
    // From the index on the attempts' time alone; the flags (few) are
    // looked up by key.
    let mut statement = conn.prepare_cached(
        "SELECT a.recorded_at, a.volunteer, a.channel, a.result, a.household_id, \
                (SELECT group_concat(f.flag) FROM attempt_flags f WHERE f.attempt_id = a.id) \
         FROM contact_attempts a WHERE a.recorded_at >= ?1",
    )?;
    let mut rows = statement.query([since])?;
    let mut found = Vec::new();
    while let Some(row) = rows.next()? {
        let recorded_at: String = row.get(0)?;
        let Some(at) = groundgame_domain::results::epoch_seconds(&recorded_at) else {
            // On no day (see `Calendar::day`): nothing to compare it with.
            continue;
        };
        let day = Timestamp::from_second(at)
            .map(|t| t.to_zoned(zone.clone()).date().to_string())
            .unwrap_or_default();
        if day < first_day {
            continue;
        }
        let flags = match row.get::<_, Option<String>>(5)? {
            None => Vec::new(),
            Some(stored) => stored
                .split(',')
                .map(|flag| {
                    AttemptFlag::parse(flag).ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "an attempt's flag {flag:?} is not one this build knows"
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        found.push(QualityRow {
            day,
            volunteer: row.get(1)?,
            at,
            channel: channel(&row.get::<_, String>(2)?)?,
            result: row.get(3)?,
            household: row.get(4)?,
            flags,
        });
    }
    Ok(found)
}

/// The voters on file at each of `households`.
fn household_voters(
    conn: &Connection,
    households: &std::collections::BTreeSet<i64>,
) -> Result<BTreeMap<i64, u32>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT count(*) FROM voters WHERE household_id = ?1 AND removed_at IS NULL",
    )?;
    households
        .iter()
        .map(|&household| {
            let voters: i64 = statement.query_row([household], |row| row.get(0))?;
            Ok((household, u32::try_from(voters).unwrap_or(0)))
        })
        .collect()
}

impl Store {
    /// Every volunteer's batch (their results of one day) of the office's
    /// last `days` days, with the flags the data raises, flagged first.
    pub fn quality(
        &self,
        now: Timestamp,
        zone: &TimeZone,
        days: u32,
    ) -> Result<Vec<BatchReport>, StoreError> {
        let names = crate::volunteer::names(&self.conn)?;
        let decisions = batch_decisions(&self.conn)?;
        let standing = standing(&decisions);
        let rows = quality_rows(&self.conn, now, zone, days)?;
        let voters = household_voters(&self.conn, &crowded_households(&rows))?;
        let mut reports = batches(&rows, &names, &voters);
        for report in &mut reports {
            report.decision = standing
                .get(&report.batch)
                .map(|decision| (*decision).clone());
        }
        Ok(reports)
    }

    /// A coordinator's decision on a volunteer's day of results: approved
    /// (its flags answered), quarantined (kept, but out of the dashboards
    /// and exports) or released (counted again). It reaches every laptop of
    /// the office and the registry like any other change.
    pub fn decide_batch(
        &mut self,
        batch: Batch,
        verdict: Verdict,
        note: &str,
        now: Timestamp,
    ) -> Result<BatchDecision, StoreError> {
        // Who decided: the volunteer signed in here, else the laptop as the
        // registry knows it.
        let decided_by = match &self.acting {
            Some(id) => crate::volunteer::by_id(&self.conn, id)?.name,
            None => self
                .enrolment()?
                .map_or_else(|| "this laptop".to_owned(), |e| e.device_name),
        };
        let decision = BatchDecision {
            batch,
            verdict,
            note: note.trim().to_owned(),
            decided_by,
            // To the nanosecond: a release a moment after a quarantine is
            // its own decision, later than it.
            recorded_at: now.to_string(),
        };
        decision.validate().map_err(StoreError::Invalid)?;
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::DecideBatch)?;
        store_batch_decision(&tx, &decision)?;
        append(&tx, &Mutation::DecideBatch(decision.clone()), now)?;
        tx.commit()?;
        tracing::info!(batch = %decision.key(), verdict = decision.verdict.as_str(), "batch decided");
        Ok(decision)
    }

    /// Every decision on a batch, oldest first: who decided what, when.
    pub fn batch_decisions(&self) -> Result<Vec<BatchDecision>, StoreError> {
        batch_decisions(&self.conn)
    }

    /// The audit log, oldest first: this laptop's own lines (enrolment,
    /// wipes) and every decision on a batch made anywhere in the office
    /// (each decision is kept, with who made it and when).
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries: Vec<AuditEntry> = self
            .conn
            .prepare_cached("SELECT at, actor, action, detail FROM audit_log ORDER BY id")?
            .query_map([], |row| {
                Ok(AuditEntry {
                    at: row.get(0)?,
                    actor: row.get(1)?,
                    action: row.get(2)?,
                    detail: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let names = crate::volunteer::names(&self.conn)?;
        entries.extend(batch_decisions(&self.conn)?.into_iter().map(|decision| {
            AuditEntry {
                at: decision.recorded_at.clone(),
                actor: decision.decided_by.clone(),
                action: "decide_batch".into(),
                detail: decision.audit_detail(
                    decision
                        .batch
                        .volunteer
                        .as_ref()
                        .and_then(|id| names.get(id))
                        .map(String::as_str),
                ),
            }
        }));
        entries.sort_by(|a, b| a.at.cmp(&b.at));
        Ok(entries)
    }
}

#[cfg(test)]
#[path = "results_tests.rs"]
mod tests;
