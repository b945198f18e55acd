//! The coordinator's desk: segments counted on the whole slice, and call
//! lists and turfs made from them, which reach every laptop of the office
//! through the outbox and come back to the others through the feed.
//!
//! Counting reads a [`Targeting`] index of the slice held in memory (the
//! rule of what a filter means is the domain's); it is built on the first
//! count and again after anything is written to the database, by this
//! connection (a commit hook) or another (`PRAGMA data_version`).

use crate::clock::{new_id, stamp};
use crate::outbox::{append, check_role};
use crate::{Store, StoreError};
use groundgame_domain::mutation::MutationKind;
use groundgame_domain::segment::{
    DoorFacts, Mark, SavedSegment, SegmentCounts, SegmentFilter, Targeting, VoterFacts,
    SUPPORT_QUESTION, VOLUNTEER_QUESTION,
};
use groundgame_domain::work::{
    cut_turfs, turf_name, walk_order, CallItem, CallItemsRecord, CallListRecord, CallListRules,
    CutTurf, Door, MadeCallList, SegmentRecord, TurfRecord, WorkKind, WorkState, WorkStateRecord,
    CALL_ITEMS_PER_RECORD, TURF_DOORS_MAX,
};
use groundgame_domain::{Mutation, VoterId};
use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The slice as the targeting index holds it, with the local row ids the
/// store needs to make lists from it.
#[derive(Debug)]
pub(crate) struct Slice {
    index: Targeting,
    /// Voters' row ids, by their place in the index.
    voters: Vec<i64>,
    /// Households' row ids, address keys and walking facts, by place.
    households: Vec<i64>,
    address_keys: Vec<String>,
    doors: Vec<Door>,
}

/// A turf of a cut before it is made, with its doors' places in the slice.
type Planned = (CutTurf, Vec<u32>);

/// When the index was built: this connection's commits and SQLite's data
/// version (which moves when another connection commits).
pub(crate) type SliceKey = (u64, i64);

/// Counts this connection's commits, for the index's freshness.
pub(crate) fn watch_commits(conn: &Connection) -> Arc<AtomicU64> {
    let commits = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&commits);
    conn.commit_hook(Some(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        // false: let the commit go ahead.
        false
    }));
    commits
}

fn this_year() -> i32 {
    i32::from(Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).year())
}

fn invalid(error: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(error.to_string())
}

fn check_name(what: &str, name: &str) -> Result<String, StoreError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "a {what} needs a name of 1 to 100 printable characters"
        )));
    }
    Ok(name.to_owned())
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(error.to_string()))
}

fn str_at<'r>(row: &'r rusqlite::Row<'_>, column: usize) -> rusqlite::Result<&'r str> {
    Ok(row.get_ref(column)?.as_str()?)
}

/// Reads the slice into a targeting index, in one read transaction.
fn build_slice(conn: &Connection) -> Result<Slice, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let keys = |sql: &str| -> Result<HashSet<String>, StoreError> {
        Ok(tx
            .prepare(sql)?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?)
    };
    let walk_blocked = keys(
        "SELECT target FROM dnc_active WHERE scope IN ('address', 'household') AND channel IN ('door', 'all')",
    )?;
    let address_dnc = keys(
        "SELECT target FROM dnc_active WHERE scope IN ('address', 'household') AND channel = 'all'",
    )?;
    let address_no_calls = keys(
        "SELECT target FROM dnc_active WHERE scope IN ('address', 'household') AND channel IN ('phone', 'all')",
    )?;
    let person_dnc = keys("SELECT target FROM dnc_active WHERE scope = 'person'")?;
    let person_no_calls = keys(
        "SELECT target FROM dnc_active WHERE scope = 'person' AND channel IN ('phone', 'all')",
    )?;
    let phone_dnc = keys(
        "SELECT target FROM dnc_active WHERE scope = 'phone' AND channel IN ('phone', 'all')",
    )?;
    let dead_numbers =
        keys("SELECT DISTINCT number FROM phones WHERE status IN ('invalid', 'disconnected')")?;

    let mut households = Vec::new();
    let mut address_keys = Vec::new();
    let mut doors = Vec::new();
    let mut door_facts = Vec::new();
    // Per household: (do-not-contact on every channel, no calls).
    let mut door_marks = Vec::new();
    let mut household_place: HashMap<i64, u32> = HashMap::new();
    {
        let mut statement = tx.prepare(
            "SELECT id, address_key, coalesce(precinct_code, ''), street, house_number, unit FROM households ORDER BY id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let key: String = row.get(1)?;
            household_place.insert(id, households.len() as u32);
            households.push(id);
            door_facts.push(DoorFacts {
                do_not_walk: walk_blocked.contains(&key),
            });
            door_marks.push((address_dnc.contains(&key), address_no_calls.contains(&key)));
            doors.push(Door {
                precinct: row.get(2)?,
                street: row.get(3)?,
                house_number: row.get(4)?,
                unit: row.get(5)?,
                voters: 0,
            });
            address_keys.push(key);
        }
    }
    let mut builder = Targeting::builder(&door_facts);
    let mut voters = Vec::new();
    // Row id to place; row ids are dense, so a vector.
    let mut place: Vec<u32> = Vec::new();
    {
        let mut statement = tx.prepare(
            "SELECT v.id, v.voter_id, v.household_id, h.precinct_code, v.party, v.birth_year, v.gender, \
                    v.status, v.language, (v.removed_at IS NOT NULL OR v.moved = 1 OR v.deceased = 1) \
             FROM voters v LEFT JOIN households h ON h.id = v.household_id ORDER BY v.id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let voter_id: String = row.get(1)?;
            let household = row
                .get::<_, Option<i64>>(2)?
                .and_then(|h| household_place.get(&h).copied());
            let text = |i: usize| -> rusqlite::Result<String> {
                Ok(row.get::<_, Option<String>>(i)?.unwrap_or_default())
            };
            let dnc = person_dnc.contains(&voter_id)
                || household.is_some_and(|h| door_marks[h as usize].0);
            let no_calls = person_no_calls.contains(&voter_id)
                || household.is_some_and(|h| door_marks[h as usize].1);
            let at = builder.voter(VoterFacts {
                voter_id,
                household,
                precinct: row.get(3)?,
                party: text(4)?,
                birth_year: row.get(5)?,
                sex: text(6)?,
                status: text(7)?,
                language: text(8)?,
                gone: row.get(9)?,
            });
            if dnc {
                builder.mark(at, Mark::DoNotContact);
            }
            if no_calls {
                builder.mark(at, Mark::NoCalls);
            }
            let slot = usize::try_from(id).unwrap_or(0);
            if place.len() <= slot {
                place.resize(slot + 1, u32::MAX);
            }
            place[slot] = at;
            voters.push(id);
        }
    }
    let place_of = |id: i64| -> Option<u32> {
        usize::try_from(id)
            .ok()
            .and_then(|slot| place.get(slot).copied())
            .filter(|&at| at != u32::MAX)
    };
    {
        let mut statement = tx.prepare("SELECT voter_id, number, kind, status FROM phones")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let Some(at) = place_of(row.get(0)?) else {
                continue;
            };
            let number = str_at(row, 1)?;
            let callable = str_at(row, 3)? == "ok"
                && !dead_numbers.contains(number)
                && !phone_dnc.contains(number);
            let cell = str_at(row, 2)? == "cell";
            builder.phone(at, number, cell, callable);
        }
    }
    {
        let mut statement =
            tx.prepare("SELECT voter_id, election_date, election_type FROM vote_history")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(at) = place_of(row.get(0)?) {
                builder.vote(at, str_at(row, 1)?, str_at(row, 2)?);
            }
        }
    }
    {
        let mut statement =
            tx.prepare("SELECT voter_id, recorded_at, result FROM contact_attempts")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(at) = place_of(row.get(0)?) {
                builder.contact(at, str_at(row, 1)?, str_at(row, 2)?);
            }
        }
    }
    {
        // The latest answer to each question, per voter.
        let mut statement = tx.prepare(
            "SELECT a.voter_id, s.question, s.answer, max(a.recorded_at || a.hlc) \
             FROM survey_answers s JOIN contact_attempts a ON a.id = s.attempt_id \
             WHERE s.question IN (?1, ?2) GROUP BY a.voter_id, s.question",
        )?;
        let mut rows = statement.query(params![SUPPORT_QUESTION, VOLUNTEER_QUESTION])?;
        while let Some(row) = rows.next()? {
            let Some(at) = place_of(row.get(0)?) else {
                continue;
            };
            let answer = str_at(row, 2)?;
            if str_at(row, 1)? == SUPPORT_QUESTION {
                builder.support(at, answer);
            } else if answer == "yes" {
                builder.mark(at, Mark::Volunteer);
            }
        }
    }
    for (sql, mark) in [
        (
            "SELECT DISTINCT v.id FROM turf_households th JOIN turfs t ON t.id = th.turf_id \
             JOIN voters v ON v.household_id = th.household_id WHERE t.state = 'open'",
            Mark::InTurf,
        ),
        (
            "SELECT DISTINCT i.voter_id FROM call_items i JOIN call_lists l ON l.id = i.call_list_id \
             WHERE l.state = 'open'",
            Mark::InCallList,
        ),
    ] {
        let mut statement = tx.prepare(sql)?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(at) = place_of(row.get(0)?) {
                builder.mark(at, mark);
            }
        }
    }
    Ok(Slice {
        index: builder.finish(),
        voters,
        households,
        address_keys,
        doors,
    })
}

impl Store {
    /// The targeting index, built now if anything changed since the last.
    pub(crate) fn slice(&mut self) -> Result<Arc<Slice>, StoreError> {
        let data_version: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |row| row.get(0))?;
        let key = (self.commits.load(Ordering::Relaxed), data_version);
        if let Some((built, slice)) = &self.targeting {
            if *built == key {
                return Ok(Arc::clone(slice));
            }
        }
        let started = std::time::Instant::now();
        let slice = Arc::new(build_slice(&self.conn)?);
        tracing::debug!(
            voters = slice.voters.len(),
            ms = started.elapsed().as_millis() as u64,
            "targeting index built"
        );
        // Reading commits nothing, so the key still holds.
        self.targeting = Some((key, Arc::clone(&slice)));
        Ok(slice)
    }

    /// Builds the targeting index now (the Targeting view opens it before
    /// the first keystroke).
    pub fn warm_targeting(&mut self) -> Result<u64, StoreError> {
        Ok(self.slice()?.voters.len() as u64)
    }

    /// The parties, precincts and elections a filter can name in this slice.
    pub fn targeting_choices(
        &mut self,
    ) -> Result<groundgame_domain::segment::TargetingChoices, StoreError> {
        let slice = self.slice()?;
        Ok(groundgame_domain::segment::TargetingChoices {
            precincts: slice.index.precinct_codes(),
            parties: slice.index.party_codes(),
            elections: slice
                .index
                .elections()
                .iter()
                .rev()
                .map(|(date, kind)| groundgame_domain::segment::ElectionRef {
                    date: date.clone(),
                    kind: Some(kind.clone()),
                })
                .collect(),
        })
    }

    /// Counts a filter over the whole slice.
    pub fn count_segment(&mut self, filter: &SegmentFilter) -> Result<SegmentCounts, StoreError> {
        filter.validate().map_err(invalid)?;
        let slice = self.slice()?;
        Ok(slice.index.count(filter, this_year()))
    }

    /// The saved segments, by name.
    pub fn segments(&self) -> Result<Vec<SavedSegment>, StoreError> {
        let rows: Vec<(String, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT uid, name, filter FROM segments WHERE state <> 'deleted' ORDER BY name",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(id, name, filter)| {
                Ok(SavedSegment {
                    filter: serde_json::from_str(&filter).map_err(|error| {
                        StoreError::Corrupt(format!("segment {name:?}: {error}"))
                    })?,
                    id,
                    name,
                })
            })
            .collect()
    }

    /// The saved segment called `name`.
    pub fn segment(&self, name: &str) -> Result<SavedSegment, StoreError> {
        self.segments()?
            .into_iter()
            .find(|segment| segment.name == name.trim())
            .ok_or_else(|| StoreError::NotFound(format!("no saved segment named {name:?}")))
    }

    /// Saves a filter by name; saving under a name that exists edits it.
    pub fn save_segment(
        &mut self,
        name: &str,
        filter: &SegmentFilter,
        now: Timestamp,
    ) -> Result<SavedSegment, StoreError> {
        let name = check_name("segment", name)?;
        filter.validate().map_err(invalid)?;
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SaveSegment)?;
        let existing: Option<String> = tx
            .query_row(
                "SELECT uid FROM segments WHERE name = ?1 AND state <> 'deleted'",
                params![name],
                |row| row.get(0),
            )
            .optional()?;
        let record = SegmentRecord {
            segment_id: existing.unwrap_or_else(new_id),
            name,
            filter: filter.clone(),
            recorded_at: stamp(now),
        };
        store_segment(&tx, &record)?;
        append(&tx, &Mutation::SaveSegment(record.clone()), now)?;
        tx.commit()?;
        Ok(SavedSegment {
            id: record.segment_id,
            name: record.name,
            filter: record.filter,
        })
    }

    /// Makes a call list of the segment's callable phones, one item per
    /// number (household members who share a landline get one call), in
    /// name order, and sends it to the office's other laptops.
    pub fn create_call_list(
        &mut self,
        name: &str,
        filter: &SegmentFilter,
        rules: &CallListRules,
        now: Timestamp,
    ) -> Result<MadeCallList, StoreError> {
        let name = check_name("call list", name)?;
        filter.validate().map_err(invalid)?;
        rules.validate().map_err(StoreError::Invalid)?;
        let slice = self.slice()?;
        let picked = slice.index.pick(filter, this_year());
        let mut seen = HashSet::new();
        let mut calls: Vec<(i64, &str)> = Vec::new();
        for &voter in &picked {
            for phone in slice.index.list_phones(voter, filter) {
                let number = slice.index.phone_number(phone);
                if seen.insert(number) {
                    calls.push((slice.voters[voter as usize], number));
                }
            }
        }
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::CreateCallList)?;
        let uid = new_id();
        let list = insert_call_list(&tx, &uid, &name, rules, Some(filter), calls.len())?;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS picked_calls (seq INTEGER PRIMARY KEY, voter INTEGER NOT NULL, phone TEXT NOT NULL); \
             DELETE FROM picked_calls;",
        )?;
        {
            let mut insert =
                tx.prepare_cached("INSERT INTO picked_calls (voter, phone) VALUES (?1, ?2)")?;
            for (voter, phone) in &calls {
                insert.execute(params![voter, phone])?;
            }
        }
        tx.execute(
            "INSERT INTO call_items (call_list_id, voter_id, phone, position) \
             SELECT ?1, p.voter, p.phone, row_number() OVER (ORDER BY v.last_name, v.first_name, v.id, p.seq) \
             FROM picked_calls p JOIN voters v ON v.id = p.voter",
            params![list],
        )?;
        tx.execute("DELETE FROM picked_calls", [])?;
        let items: Vec<(String, String)> = tx
            .prepare(
                "SELECT v.voter_id, i.phone FROM call_items i JOIN voters v ON v.id = i.voter_id \
                 WHERE i.call_list_id = ?1 ORDER BY i.position",
            )?
            .query_map(params![list], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let record = CallListRecord {
            list_id: uid.clone(),
            name: name.clone(),
            rules: rules.clone(),
            script: None,
            segment: Some(filter.clone()),
            items: u32::try_from(items.len()).unwrap_or(u32::MAX),
            recorded_at: stamp(now),
        };
        append(&tx, &Mutation::CreateCallList(record), now)?;
        for (chunk, first) in items
            .chunks(CALL_ITEMS_PER_RECORD)
            .zip((1..).step_by(CALL_ITEMS_PER_RECORD))
        {
            let items = chunk
                .iter()
                .map(|(voter, phone)| {
                    VoterId::parse(voter)
                        .map(|voter| CallItem(voter, phone.clone()))
                        .map_err(|error| StoreError::Corrupt(format!("voter {voter:?}: {error}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            append(
                &tx,
                &Mutation::AddCallItems(CallItemsRecord {
                    list_id: uid.clone(),
                    first,
                    items,
                }),
                now,
            )?;
        }
        tx.commit()?;
        tracing::info!(list = %uid, items = items.len(), "call list made");
        Ok(MadeCallList {
            id: list,
            uid,
            name,
            items: items.len() as u64,
        })
    }

    /// The turfs a cut of the segment into turfs of at most `doors` doors
    /// would make, without making them.
    pub fn preview_turfs(
        &mut self,
        name: &str,
        filter: &SegmentFilter,
        doors: u32,
    ) -> Result<Vec<CutTurf>, StoreError> {
        let (_, plan) = self.plan_turfs(name, filter, doors)?;
        Ok(plan.into_iter().map(|(turf, _)| turf).collect())
    }

    /// The plan of a cut: each turf and its doors' places in the slice.
    fn plan_turfs(
        &mut self,
        name: &str,
        filter: &SegmentFilter,
        doors: u32,
    ) -> Result<(Arc<Slice>, Vec<Planned>), StoreError> {
        let name = check_name("turf", name)?;
        filter.validate().map_err(invalid)?;
        let max = usize::try_from(doors).unwrap_or(usize::MAX);
        if !(1..=TURF_DOORS_MAX).contains(&max) {
            return Err(StoreError::Invalid(format!(
                "doors: {doors} is not 1 to {TURF_DOORS_MAX} doors a turf"
            )));
        }
        let slice = self.slice()?;
        let mut voters_at: HashMap<u32, u32> = HashMap::new();
        for voter in slice.index.pick(filter, this_year()) {
            if let Some(household) = slice.index.household_of(voter) {
                if slice.index.walkable(household) {
                    *voters_at.entry(household).or_default() += 1;
                }
            }
        }
        let mut places: Vec<u32> = voters_at.keys().copied().collect();
        places.sort_unstable();
        let doors_given: Vec<Door> = places
            .iter()
            .map(|&place| Door {
                voters: voters_at[&place],
                ..slice.doors[place as usize].clone()
            })
            .collect();
        let mut numbers: HashMap<String, usize> = HashMap::new();
        let plan = cut_turfs(&doors_given, max)
            .into_iter()
            .map(|turf| {
                let number = numbers.entry(turf.precinct.clone()).or_default();
                *number += 1;
                let cut = CutTurf {
                    id: None,
                    uid: None,
                    name: turf_name(&name, &turf.precinct, *number),
                    precinct: turf.precinct.clone(),
                    doors: turf.doors.len() as u32,
                    voters: turf.voters,
                };
                (cut, turf.doors.iter().map(|&i| places[i]).collect())
            })
            .collect();
        Ok((slice, plan))
    }

    /// Cuts the segment's doors into turfs of at most `doors` each (see
    /// `groundgame_domain::work`), named `NAME PRECINCT-NN`, and sends
    /// them to the office's other laptops.
    pub fn cut_turfs(
        &mut self,
        name: &str,
        filter: &SegmentFilter,
        doors: u32,
        now: Timestamp,
    ) -> Result<Vec<CutTurf>, StoreError> {
        let (slice, plan) = self.plan_turfs(name, filter, doors)?;
        if plan.is_empty() {
            return Err(StoreError::Invalid(
                "no doors match this segment; no turfs were cut".into(),
            ));
        }
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::CreateTurf)?;
        let mut made = Vec::with_capacity(plan.len());
        for (mut turf, places) in plan {
            let record = TurfRecord {
                turf_id: new_id(),
                name: turf.name.clone(),
                precinct: Some(turf.precinct.clone()),
                method: "cut".into(),
                segment: Some(filter.clone()),
                doors: places
                    .iter()
                    .map(|&place| slice.address_keys[place as usize].clone())
                    .collect(),
                recorded_at: stamp(now),
            };
            let households: Vec<i64> = places
                .iter()
                .map(|&place| slice.households[place as usize])
                .collect();
            let id = insert_turf(&tx, &record, WorkState::Open, &households)?;
            let mutation = Mutation::CreateTurf(record.clone());
            check_size(&mutation)?;
            append(&tx, &mutation, now)?;
            turf.id = Some(id);
            turf.uid = Some(record.turf_id);
            made.push(turf);
        }
        tx.commit()?;
        tracing::info!(turfs = made.len(), "turfs cut");
        Ok(made)
    }

    /// Closes, reopens or deletes a call list, turf or segment (by this
    /// laptop's id; a segment by its uid), on every laptop of the office.
    pub fn set_work_state(
        &mut self,
        kind: WorkKind,
        id: &str,
        state: WorkState,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SetWorkState)?;
        let table = table_of(kind);
        let found: Option<(Option<String>, String)> = tx
            .query_row(
                &format!(
                    "SELECT uid, state FROM {table} WHERE (CAST(id AS TEXT) = ?1 OR uid = ?1) AND state <> 'deleted'"
                ),
                params![id.trim()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((uid, _)) = found else {
            return Err(StoreError::NotFound(format!(
                "no {} {id:?} on this laptop (deleted ones are gone)",
                kind.noun()
            )));
        };
        let Some(uid) = uid else {
            return Err(StoreError::Invalid(format!(
                "{} {id} was made on this laptop before lists were shared; it cannot be closed for the office",
                kind.noun()
            )));
        };
        let record = WorkStateRecord {
            work: kind,
            id: uid,
            state,
            recorded_at: stamp(now),
        };
        store_work_state(&tx, &record)?;
        append(&tx, &Mutation::SetWorkState(record), now)?;
        tx.commit()?;
        Ok(())
    }
}

fn table_of(kind: WorkKind) -> &'static str {
    match kind {
        WorkKind::Segment => "segments",
        WorkKind::CallList => "call_lists",
        WorkKind::Turf => "turfs",
    }
}

/// A name not yet taken in `table`: the given one, else the given one with
/// the start of the uid (two coordinators named two lists alike offline).
fn free_name(
    tx: &Transaction<'_>,
    table: &str,
    name: &str,
    uid: &str,
) -> Result<String, StoreError> {
    let live = if table == "segments" {
        " AND state <> 'deleted'"
    } else {
        ""
    };
    let taken: Option<String> = tx
        .query_row(
            &format!("SELECT uid FROM {table} WHERE name = ?1{live}"),
            params![name],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    Ok(match taken {
        Some(other) if other != uid => format!("{name} ({})", &uid[..uid.len().min(13)]),
        _ => name.to_owned(),
    })
}

/// Saves (or replaces) a segment by its uid.
pub(crate) fn store_segment(
    tx: &Transaction<'_>,
    record: &SegmentRecord,
) -> Result<bool, StoreError> {
    let name = free_name(tx, "segments", &record.name, &record.segment_id)?;
    tx.execute(
        "INSERT INTO segments (uid, name, filter, saved_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (uid) DO UPDATE SET name = excluded.name, filter = excluded.filter, \
         saved_at = excluded.saved_at WHERE segments.state <> 'deleted'",
        params![
            record.segment_id,
            name,
            encode(&record.filter)?,
            record.recorded_at
        ],
    )?;
    Ok(true)
}

fn insert_call_list(
    tx: &Transaction<'_>,
    uid: &str,
    name: &str,
    rules: &CallListRules,
    segment: Option<&SegmentFilter>,
    items: usize,
) -> Result<i64, StoreError> {
    let script = crate::script::standard_script(tx)?;
    tx.execute(
        "INSERT INTO call_lists (name, uid, segment, expected_items, script_id, max_attempts, recycle_hours, \
                                 calling_start, calling_end) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            name,
            uid,
            segment.map(encode).transpose()?,
            i64::try_from(items).unwrap_or(i64::MAX),
            script,
            rules.max_attempts,
            rules.recycle_hours,
            rules.calling_start,
            rules.calling_end
        ],
    )
    .map_err(|error| match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => {
            StoreError::Invalid(format!("there is already a call list named {name:?}"))
        }
        _ => error.into(),
    })?;
    Ok(tx.last_insert_rowid())
}

/// Refuses a mutation the registry would refuse as too large.
pub(crate) fn check_size(mutation: &Mutation) -> Result<(), StoreError> {
    let kind = mutation.mutation_kind();
    let bytes = encode(mutation)?.len();
    if bytes > kind.max_bytes() {
        return Err(StoreError::Invalid(format!(
            "this {} is {bytes} bytes, more than the {} one change may carry; make it smaller",
            kind.action(),
            kind.max_bytes()
        )));
    }
    Ok(())
}

/// Makes a turf of `households` (row ids, in walking order).
pub(crate) fn insert_turf(
    tx: &Transaction<'_>,
    record: &TurfRecord,
    state: WorkState,
    households: &[i64],
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO turfs (name, uid, kind, criteria, state, precinct_code, segment) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            record.name,
            record.turf_id,
            record.method,
            record.precinct.clone().unwrap_or_default(),
            state.as_str(),
            record.precinct,
            record.segment.as_ref().map(encode).transpose()?
        ],
    )
    .map_err(|error| match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Invalid(format!(
            "there is already a turf named {:?}; choose another name",
            record.name
        )),
        _ => error.into(),
    })?;
    let turf = tx.last_insert_rowid();
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO turf_households (turf_id, household_id, walk_seq) VALUES (?1, ?2, ?3)",
    )?;
    for (seq, household) in (1i64..).zip(households) {
        insert.execute(params![turf, household, seq])?;
    }
    Ok(turf)
}

/// Orders hand-picked households for walking, with their address keys.
pub(crate) fn walking(
    tx: &Transaction<'_>,
    households: &[i64],
) -> Result<(Vec<i64>, Vec<String>), StoreError> {
    let mut statement = tx.prepare_cached(
        "SELECT address_key, coalesce(precinct_code, ''), street, house_number, unit FROM households WHERE id = ?1",
    )?;
    let mut found: Vec<(i64, String, Door)> = Vec::new();
    for &id in households {
        if let Some((key, door)) = statement
            .query_row(params![id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    Door {
                        precinct: row.get(1)?,
                        street: row.get(2)?,
                        house_number: row.get(3)?,
                        unit: row.get(4)?,
                        voters: 0,
                    },
                ))
            })
            .optional()?
        {
            found.push((id, key, door));
        }
    }
    let doors: Vec<Door> = found.iter().map(|(.., door)| door.clone()).collect();
    let mut order: Vec<usize> = (0..doors.len()).collect();
    walk_order(&doors, &mut order);
    Ok((
        order.iter().map(|&i| found[i].0).collect(),
        order.iter().map(|&i| found[i].1.clone()).collect(),
    ))
}

/// A segment from the registry.
pub(crate) fn apply_segment(
    tx: &Transaction<'_>,
    record: &SegmentRecord,
) -> Result<bool, StoreError> {
    store_segment(tx, record)
}

/// A call list from the registry: made once (a repeat, or this laptop's
/// own list coming back, changes nothing); `state` from a snapshot.
pub(crate) fn apply_call_list(
    tx: &Transaction<'_>,
    record: &CallListRecord,
    state: Option<WorkState>,
) -> Result<bool, StoreError> {
    let exists: Option<i64> = tx
        .query_row(
            "SELECT id FROM call_lists WHERE uid = ?1",
            params![record.list_id],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        let name = free_name(tx, "call_lists", &record.name, &record.list_id)?;
        insert_call_list(
            tx,
            &record.list_id,
            &name,
            &record.rules,
            record.segment.as_ref(),
            record.items as usize,
        )?;
    }
    snapshot_state(tx, WorkKind::CallList, &record.list_id, state)
}

/// Items of a call list from the registry, at their positions. An item
/// whose voter this slice lacks is left out (false when all were).
pub(crate) fn apply_call_items(
    tx: &Transaction<'_>,
    chunk: &CallItemsRecord,
) -> Result<bool, StoreError> {
    let list: Option<i64> = tx
        .query_row(
            "SELECT id FROM call_lists WHERE uid = ?1",
            params![chunk.list_id],
            |row| row.get(0),
        )
        .optional()?;
    let Some(list) = list else {
        return Ok(false);
    };
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO call_items (call_list_id, voter_id, phone, position) \
         SELECT ?1, v.id, ?3, ?4 FROM voters v WHERE v.voter_id = ?2",
    )?;
    let mut stored = 0;
    for (position, CallItem(voter, phone)) in (i64::from(chunk.first)..).zip(&chunk.items) {
        stored += insert.execute(params![list, voter.as_str(), phone, position])?;
    }
    Ok(stored > 0 || chunk.items.is_empty())
}

/// A turf from the registry, with its doors in the coordinator's walking
/// order; `state` from a snapshot.
pub(crate) fn apply_turf(
    tx: &Transaction<'_>,
    record: &TurfRecord,
    state: Option<WorkState>,
) -> Result<bool, StoreError> {
    let exists: Option<i64> = tx
        .query_row(
            "SELECT id FROM turfs WHERE uid = ?1",
            params![record.turf_id],
            |row| row.get(0),
        )
        .optional()?;
    if exists.is_none() {
        let mut lookup = tx.prepare_cached("SELECT id FROM households WHERE address_key = ?1")?;
        let mut households = Vec::with_capacity(record.doors.len());
        for key in &record.doors {
            if let Some(id) = lookup
                .query_row(params![key], |row| row.get::<_, i64>(0))
                .optional()?
            {
                households.push(id);
            }
        }
        let named = TurfRecord {
            name: free_name(tx, "turfs", &record.name, &record.turf_id)?,
            ..record.clone()
        };
        insert_turf(tx, &named, WorkState::Open, &households)?;
    }
    snapshot_state(tx, WorkKind::Turf, &record.turf_id, state)
}

/// The state a snapshot line gives a list or turf (none from the feed: a
/// list arrives open, and its state changes follow as their own rows).
fn snapshot_state(
    tx: &Transaction<'_>,
    work: WorkKind,
    id: &str,
    state: Option<WorkState>,
) -> Result<bool, StoreError> {
    if let Some(state) = state {
        store_work_state(
            tx,
            &WorkStateRecord {
                work,
                id: id.to_owned(),
                state,
                recorded_at: String::new(),
            },
        )?;
    }
    Ok(true)
}

/// A list, turf or segment closed, reopened or deleted. A deleted one gives
/// up its name (so a new list may take it) and never comes back.
pub(crate) fn store_work_state(
    tx: &Transaction<'_>,
    record: &WorkStateRecord,
) -> Result<bool, StoreError> {
    let table = table_of(record.work);
    let changed = match record.state {
        WorkState::Deleted if record.work != WorkKind::Segment => tx.execute(
            &format!(
                "UPDATE {table} SET state = 'deleted', name = name || ' (deleted ' || uid || ')' \
                 WHERE uid = ?1 AND state <> 'deleted'"
            ),
            params![record.id],
        )?,
        state => tx.execute(
            &format!("UPDATE {table} SET state = ?2 WHERE uid = ?1 AND state <> 'deleted'"),
            params![record.id, state.as_str()],
        )?,
    };
    Ok(changed > 0)
}

/// Numbers a turf's doors in walking order (the demo's turf, made in SQL).
pub(crate) fn number_doors(tx: &Transaction<'_>, turf: i64) -> Result<(), StoreError> {
    let ids: Vec<i64> = tx
        .prepare("SELECT household_id FROM turf_households WHERE turf_id = ?1")?
        .query_map(params![turf], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let (ordered, _) = walking(tx, &ids)?;
    let mut update = tx.prepare_cached(
        "UPDATE turf_households SET walk_seq = ?3 WHERE turf_id = ?1 AND household_id = ?2",
    )?;
    for (seq, household) in (1i64..).zip(&ordered) {
        update.execute(params![turf, household, seq])?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "work_tests.rs"]
mod tests;
