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
    Mark, SavedSegment, SegmentCounts, SegmentFilter, Targeting, VoterFacts, SUPPORT_QUESTION,
    VOLUNTEER_QUESTION,
};
use groundgame_domain::work::{
    cut_turfs, turf_name, walk_order, CallItem, CallItemsRecord, CallListRecord, CallListRules,
    CutTurf, Door, MadeCallList, SegmentRecord, TurfRecord, WorkKind, WorkState, WorkStateRecord,
    CALL_ITEMS_PER_RECORD, TURF_DOORS_MAX,
};
use groundgame_domain::DncChannel;
use groundgame_domain::{Mutation, VoterId};
use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The slice as the targeting index holds it, with the local row ids the
/// store needs to make lists from it.
#[derive(Debug, Clone)]
pub(crate) struct Slice {
    pub(crate) index: Targeting,
    /// Voters' row ids, by their place in the index.
    pub(crate) voters: Vec<i64>,
    /// Households' row ids, address keys and walking facts, by place.
    households: Vec<i64>,
    address_keys: Vec<String>,
    doors: Vec<Door>,
    /// Row id to place (row ids are dense), for voters and households.
    voter_place: Vec<u32>,
    door_place: Vec<u32>,
}

impl Slice {
    fn place(places: &[u32], id: i64) -> Option<u32> {
        usize::try_from(id)
            .ok()
            .and_then(|slot| places.get(slot).copied())
            .filter(|&at| at != u32::MAX)
    }
}

/// The index and when each part was read.
#[derive(Debug)]
pub(crate) struct Targeted {
    /// The voter file's part: the store's base generation and SQLite's data
    /// version (which moves when another connection commits).
    base: (u64, i64),
    /// The office's work: this connection's commits and the data version.
    work: (u64, i64),
    slice: Arc<Slice>,
}

/// A turf of a cut before it is made, with its doors' places in the slice.
type Planned = (CutTurf, Vec<u32>);

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

pub(crate) fn this_year() -> i32 {
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

fn dense(places: &mut Vec<u32>, id: i64, at: u32) {
    let slot = usize::try_from(id).unwrap_or(0);
    if places.len() <= slot {
        places.resize(slot + 1, u32::MAX);
    }
    places[slot] = at;
}

/// Reads the voter file's part of the slice: households, voters, phones
/// and votes (the work part follows in [`read_work`]).
fn read_base(tx: &Transaction<'_>) -> Result<Slice, StoreError> {
    let mut households = Vec::new();
    let mut address_keys = Vec::new();
    let mut doors = Vec::new();
    let mut door_place = Vec::new();
    {
        let mut statement = tx.prepare(
            "SELECT id, address_key, coalesce(precinct_code, ''), street, house_number, unit FROM households ORDER BY id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            dense(&mut door_place, id, households.len() as u32);
            households.push(id);
            address_keys.push(row.get(1)?);
            doors.push(Door {
                precinct: row.get(2)?,
                street: row.get(3)?,
                house_number: row.get(4)?,
                unit: row.get(5)?,
                voters: 0,
            });
        }
    }
    let mut builder = Targeting::builder(households.len());
    let mut voters = Vec::new();
    let mut voter_place = Vec::new();
    {
        let mut statement = tx.prepare(
            "SELECT id, voter_id, household_id, party, birth_year, gender, status, language FROM voters ORDER BY id",
        )?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let household = row
                .get::<_, Option<i64>>(2)?
                .and_then(|h| Slice::place(&door_place, h));
            let precinct = household
                .map(|h| doors[h as usize].precinct.clone())
                .filter(|code| !code.is_empty());
            let at = builder.voter(VoterFacts {
                voter_id: str_at(row, 1)?.to_owned(),
                household,
                precinct,
                party: str_at(row, 3)?.to_owned(),
                birth_year: row.get(4)?,
                sex: str_at(row, 5)?.to_owned(),
                status: str_at(row, 6)?.to_owned(),
                language: str_at(row, 7)?.to_owned(),
            });
            dense(&mut voter_place, id, at);
            voters.push(id);
        }
    }
    {
        let mut statement = tx.prepare("SELECT voter_id, number, kind FROM phones")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(at) = Slice::place(&voter_place, row.get(0)?) {
                builder.phone(at, str_at(row, 1)?, str_at(row, 2)? == "cell");
            }
        }
    }
    {
        let mut statement =
            tx.prepare("SELECT voter_id, election_date, election_type FROM vote_history")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(at) = Slice::place(&voter_place, row.get(0)?) {
                builder.vote(at, str_at(row, 1)?, str_at(row, 2)?);
            }
        }
    }
    Ok(Slice {
        index: builder.finish(),
        voters,
        households,
        address_keys,
        doors,
        voter_place,
        door_place,
    })
}

/// Reads the office's work into the slice's index: who is gone or opted
/// out, bad numbers, contacts and answers, what is in an open turf or list.
/// Each query reads a few rows per voter at most, so this is what a write
/// costs the next count.
fn read_work(tx: &Transaction<'_>, slice: &mut Slice) -> Result<(), StoreError> {
    let ids = |sql: &str| -> Result<Vec<i64>, StoreError> {
        Ok(tx
            .prepare(sql)?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?)
    };
    let pairs = |sql: &str| -> Result<Vec<(i64, String)>, StoreError> {
        Ok(tx
            .prepare(sql)?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?)
    };
    let gone =
        ids("SELECT id FROM voters WHERE removed_at IS NOT NULL OR moved = 1 OR deceased = 1")?;
    let person_dnc = pairs(
        "SELECT v.id, d.channel FROM dnc_active d JOIN voters v ON v.voter_id = d.target WHERE d.scope = 'person'",
    )?;
    let address_dnc = pairs(
        "SELECT h.id, d.channel FROM dnc_active d JOIN households h ON h.address_key = d.target \
         WHERE d.scope IN ('address', 'household')",
    )?;
    let phone_dnc: Vec<String> = tx
        .prepare(
            "SELECT target FROM dnc_active WHERE scope = 'phone' AND channel IN ('phone', 'all')",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let bad_phones: Vec<(i64, String, String)> = tx
        .prepare("SELECT voter_id, number, status FROM phones WHERE status <> 'ok'")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let in_turf = ids(
        "SELECT th.household_id FROM turf_households th JOIN turfs t ON t.id = th.turf_id WHERE t.state = 'open'",
    )?;
    let in_list = ids(
        "SELECT i.voter_id FROM call_items i JOIN call_lists l ON l.id = i.call_list_id WHERE l.state = 'open'",
    )?;
    let Slice {
        index,
        voter_place,
        door_place,
        ..
    } = slice;
    let voter = |id: i64| Slice::place(voter_place, id);
    let door = |id: i64| Slice::place(door_place, id);
    let mut work = index.work();
    for at in gone.into_iter().filter_map(voter) {
        work.mark(at, Mark::Gone);
    }
    for (id, channel) in person_dnc {
        if let Some(at) = voter(id) {
            work.mark(at, Mark::DoNotContact);
            if matches!(
                DncChannel::parse(&channel),
                Some(DncChannel::Phone | DncChannel::All)
            ) {
                work.mark(at, Mark::NoCalls);
            }
        }
    }
    for (id, channel) in address_dnc {
        let Some(at) = door(id) else { continue };
        match DncChannel::parse(&channel) {
            Some(DncChannel::All) => {
                work.block_door(at);
                work.mark_door(at, Mark::DoNotContact);
                work.mark_door(at, Mark::NoCalls);
            }
            Some(DncChannel::Door) => work.block_door(at),
            Some(DncChannel::Phone) => work.mark_door(at, Mark::NoCalls),
            Some(DncChannel::Text) => {}
            None => {
                return Err(StoreError::Corrupt(format!(
                    "a do-not-contact entry has the channel {channel:?}, which this build does not know"
                )))
            }
        }
    }
    for number in &phone_dnc {
        work.block_number(number);
    }
    for (id, number, status) in &bad_phones {
        match status.as_str() {
            "invalid" | "disconnected" => work.block_number(number),
            "wrong" => {
                if let Some(at) = voter(*id) {
                    work.block_phone(at, number);
                }
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "phone {number} has the status {other:?}, which this build does not know"
                )))
            }
        }
    }
    {
        let mut statement =
            tx.prepare("SELECT voter_id, recorded_at, result FROM contact_attempts")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(at) = voter(row.get(0)?) {
                work.contact(at, str_at(row, 1)?, str_at(row, 2)?);
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
            let Some(at) = voter(row.get(0)?) else {
                continue;
            };
            let answer = str_at(row, 2)?;
            if str_at(row, 1)? == SUPPORT_QUESTION {
                work.support(at, answer);
            } else if answer == "yes" {
                work.mark(at, Mark::Volunteer);
            }
        }
    }
    for at in in_turf.into_iter().filter_map(door) {
        work.mark_door(at, Mark::InTurf);
    }
    for at in in_list.into_iter().filter_map(voter) {
        work.mark(at, Mark::InCallList);
    }
    work.finish();
    Ok(())
}

impl Store {
    /// The targeting index, read again where anything changed since: the
    /// voter file's part after an import, a snapshot, a pulled change, a
    /// person added or a correction (`base_changed`); the work's part after
    /// any commit. Another connection's commit reads both.
    pub(crate) fn slice(&mut self) -> Result<Arc<Slice>, StoreError> {
        let data_version: i64 = self
            .conn
            .pragma_query_value(None, "data_version", |row| row.get(0))?;
        let base = (self.base_generation, data_version);
        let work = (self.commits.load(Ordering::Relaxed), data_version);
        let started = std::time::Instant::now();
        match &mut self.targeting {
            Some(targeted) if targeted.base == base && targeted.work == work => {
                return Ok(Arc::clone(&targeted.slice));
            }
            Some(targeted) if targeted.base == base => {
                let tx = self.conn.unchecked_transaction()?;
                read_work(&tx, Arc::make_mut(&mut targeted.slice))?;
                drop(tx);
                targeted.work = work;
                tracing::debug!(
                    ms = started.elapsed().as_millis() as u64,
                    "targeting work read"
                );
                return Ok(Arc::clone(&targeted.slice));
            }
            _ => {}
        }
        let tx = self.conn.unchecked_transaction()?;
        let mut slice = read_base(&tx)?;
        read_work(&tx, &mut slice)?;
        drop(tx);
        tracing::debug!(
            voters = slice.voters.len(),
            ms = started.elapsed().as_millis() as u64,
            "targeting index built"
        );
        let slice = Arc::new(slice);
        // Reading commits nothing, so the keys still hold.
        self.targeting = Some(Targeted {
            base,
            work,
            slice: Arc::clone(&slice),
        });
        Ok(slice)
    }

    /// The voter file changed here: the next count reads it again.
    pub(crate) fn base_changed(&mut self) {
        self.base_generation += 1;
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
    /// the voter file's order, and sends it to the office's other laptops.
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
        // One call per number, the first voter reached on it standing for
        // the household, in the voter file's order.
        let mut seen = HashSet::new();
        let mut calls: Vec<(i64, &str, &str)> = Vec::new();
        for &voter in &picked {
            for phone in slice.index.list_phones(voter, filter) {
                let number = slice.index.phone_number(phone);
                if seen.insert(number) {
                    calls.push((
                        slice.voters[voter as usize],
                        slice.index.voter_id(voter),
                        number,
                    ));
                }
            }
        }
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::CreateCallList)?;
        let uid = new_id();
        let list = insert_call_list(&tx, &uid, &name, rules, Some(filter), calls.len())?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO call_items (call_list_id, voter_id, phone, position) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (position, (voter, _, phone)) in (1i64..).zip(&calls) {
                insert.execute(params![list, voter, phone, position])?;
            }
        }
        let items: Vec<(&str, &str)> = calls
            .iter()
            .map(|(_, voter, phone)| (*voter, *phone))
            .collect();
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
                        .map(|voter| CallItem(voter, (*phone).to_owned()))
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

/// Saves (or replaces) a segment by its uid: one made here, or one from
/// the registry.
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
    tx.execute(
        "INSERT INTO call_lists (name, uid, segment, expected_items, max_attempts, recycle_hours, \
                                 calling_start, calling_end) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            name,
            uid,
            segment.map(encode).transpose()?,
            i64::try_from(items).unwrap_or(i64::MAX),
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
    // This laptop's own list coming back (or a chunk applied before): the
    // positions are filled already.
    let held: i64 = tx
        .prepare_cached(
            "SELECT count(*) FROM call_items WHERE call_list_id = ?1 AND position BETWEEN ?2 AND ?3",
        )?
        .query_row(
            params![
                list,
                i64::from(chunk.first),
                i64::from(chunk.first) + chunk.items.len() as i64 - 1
            ],
            |row| row.get(0),
        )?;
    if held == chunk.items.len() as i64 {
        return Ok(true);
    }
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
