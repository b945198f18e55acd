//! The initial snapshot written into the slice: the office's households,
//! voters, phones, vote history, opt-outs and contact history from the
//! registry, in batches, each one transaction that also records where a
//! broken download resumes (see `docs/sync-protocol.md`, "Initial sync").

use crate::clock::stamp;
use crate::search::phone_search_terms;
use crate::sync::{apply_contact, apply_dnc};
use crate::{Store, StoreError};
use groundgame_domain::snapshot::{
    SnapshotHousehold, SnapshotPhone, SnapshotRow, SnapshotVote, SnapshotVoter,
};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

/// How far this laptop's initial snapshot has come.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnapshotState {
    pub done: bool,
    /// The feed position the snapshot is as of, once its header arrived.
    pub position: Option<i64>,
    /// `entity:key` of the last row stored.
    pub resume: Option<String>,
    pub rows: u64,
}

impl Store {
    pub fn snapshot_state(&self) -> Result<SnapshotState, StoreError> {
        let found: Option<(bool, Option<i64>, Option<String>, i64)> = self
            .conn
            .query_row(
                "SELECT snapshot_done, snapshot_position, snapshot_resume, snapshot_rows FROM sync_state WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        Ok(match found {
            Some((done, position, resume, rows)) => SnapshotState {
                done,
                position,
                resume,
                rows: u64::try_from(rows).unwrap_or(0),
            },
            None => SnapshotState::default(),
        })
    }

    /// The snapshot's header: its feed position is kept from the first
    /// request only, so a resumed download replays everything since then.
    /// Into an empty slice, the secondary indexes and the search index are
    /// left out until the end and then built once, from all the rows.
    pub fn begin_snapshot(&mut self, position: i64) -> Result<(), StoreError> {
        self.base_changed();
        let tx = self.conn.transaction()?;
        let begun: Option<i64> = tx
            .query_row(
                "SELECT snapshot_position FROM sync_state WHERE id = 1",
                [],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        if begun.is_none() {
            let empty: bool =
                tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM voters)", [], |row| {
                    row.get(0)
                })?;
            tx.execute(
                "INSERT INTO sync_state (id, snapshot_position, snapshot_fresh) VALUES (1, ?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET snapshot_position = excluded.snapshot_position, \
                 snapshot_fresh = excluded.snapshot_fresh",
                params![position, empty],
            )?;
            if empty {
                let indexes: Vec<(String, String)> = tx
                    .prepare(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                         AND tbl_name IN ('voters', 'households', 'phones')",
                    )?
                    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                for (name, sql) in &indexes {
                    tx.execute(
                        "INSERT OR REPLACE INTO snapshot_deferred_indexes (name, sql) VALUES (?1, ?2)",
                        params![name, sql],
                    )?;
                    tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores a batch of rows and where the download now stands, in one
    /// transaction: a crash keeps the batch and its resume point or neither.
    pub fn store_snapshot_rows(
        &mut self,
        rows: &[(String, SnapshotRow)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let Some((last_key, last_row)) = rows.last() else {
            return Ok(());
        };
        let resume = format!("{}:{last_key}", last_row.entity());
        self.base_changed();
        let tx = self.conn.transaction()?;
        // Into an empty slice, search entries are built once at the end.
        let index_now: bool = tx.query_row(
            "SELECT coalesce((SELECT snapshot_fresh = 0 FROM sync_state WHERE id = 1), 1)",
            [],
            |row| row.get(0),
        )?;
        for (_, row) in rows {
            match row {
                SnapshotRow::DncEntry(entry) => {
                    apply_dnc(&tx, entry)?;
                }
                SnapshotRow::Household(household) => store_household(&tx, household)?,
                SnapshotRow::Voter(voter) => {
                    store_voter(&tx, voter, now, index_now, Replace::Always)?;
                }
                SnapshotRow::Phone(phone) => store_phone(&tx, phone, index_now)?,
                SnapshotRow::Vote(vote) => store_vote(&tx, vote)?,
                SnapshotRow::ContactAttempt(contact) => {
                    apply_contact(&tx, contact)?;
                }
                SnapshotRow::Segment(segment) => {
                    crate::work::store_segment(&tx, segment)?;
                }
                SnapshotRow::CallList(list) => {
                    crate::work::apply_call_list(&tx, &list.record, Some(list.state))?;
                }
                SnapshotRow::CallItems(items) => {
                    crate::work::apply_call_items(&tx, items)?;
                }
                SnapshotRow::Turf(turf) => {
                    crate::work::apply_turf(&tx, &turf.record, Some(turf.state))?;
                }
                SnapshotRow::Question(question) => {
                    crate::script::store_question(&tx, question)?;
                }
                SnapshotRow::Script(script) => {
                    crate::script::store_script(&tx, script)?;
                }
                SnapshotRow::Volunteer(volunteer) => {
                    crate::script::store_volunteer(&tx, volunteer)?;
                }
                SnapshotRow::WorkSetup(setup) => {
                    crate::script::store_setup(&tx, setup)?;
                }
                SnapshotRow::Goals(goals) => {
                    crate::results::store_goals(&tx, goals)?;
                }
                SnapshotRow::BatchDecision(decision) => {
                    crate::results::store_batch_decision(&tx, decision)?;
                }
            }
        }
        tx.execute(
            "INSERT INTO sync_state (id, snapshot_resume, snapshot_rows) VALUES (1, ?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET snapshot_resume = excluded.snapshot_resume, \
             snapshot_rows = snapshot_rows + excluded.snapshot_rows",
            params![resume, i64::try_from(rows.len()).unwrap_or(i64::MAX)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The end line arrived: the slice is the registry's as of the
    /// snapshot's position, and pull carries on from there.
    pub fn finish_snapshot(&mut self, office: &str) -> Result<i64, StoreError> {
        self.base_changed();
        let tx = self.conn.transaction()?;
        let position: Option<i64> = tx.query_row(
            "SELECT snapshot_position FROM sync_state WHERE id = 1",
            [],
            |row| row.get(0),
        )?;
        let position = position
            .ok_or_else(|| StoreError::Corrupt("the snapshot ended without its header".into()))?;
        let deferred: Vec<String> = tx
            .prepare("SELECT sql FROM snapshot_deferred_indexes")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        if !deferred.is_empty() {
            for sql in &deferred {
                tx.execute_batch(sql)?;
            }
            tx.execute("DELETE FROM snapshot_deferred_indexes", [])?;
            // Every voter's search entry, from all the rows at once.
            tx.execute_batch(&format!(
                "DELETE FROM voter_search; \
                 INSERT INTO voter_search (rowid, name, address, ids) \
                 SELECT v.id, {SEARCH_NAME}, {SEARCH_ADDRESS}, {SEARCH_IDS} \
                 FROM voters v LEFT JOIN households h ON h.id = v.household_id;"
            ))?;
        }
        crate::search::refresh_words(&tx)?;
        // Pages pulled before the snapshot are in it already; applied after
        // it they would put older values back.
        tx.execute(
            "DELETE FROM sync_staging WHERE position <= ?1",
            params![position],
        )?;
        tx.execute(
            "UPDATE sync_state SET snapshot_done = 1, checkpoint = max(checkpoint, ?1), \
             staged_through = max(staged_through, ?1) WHERE id = 1",
            params![position],
        )?;
        tx.execute(
            "INSERT INTO office (id, name) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
            params![office],
        )?;
        tx.commit()?;
        // Planner statistics for the new rows, from a sample (as imports do).
        self.conn
            .execute_batch("PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0;")?;
        Ok(position)
    }
}

pub(crate) fn store_household(
    tx: &Transaction<'_>,
    household: &SnapshotHousehold,
) -> Result<(), StoreError> {
    if let Some(code) = &household.precinct_code {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO precincts (code, name, county) VALUES (?1, ?1, '')",
        )?
        .execute(params![code])?;
    }
    tx.prepare_cached(
        "INSERT INTO households (address_key, house_number, street, unit, city, state, zip, precinct_code, time_zone) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (address_key) DO UPDATE SET house_number = excluded.house_number, street = excluded.street, \
         unit = excluded.unit, city = excluded.city, state = excluded.state, zip = excluded.zip, \
         precinct_code = excluded.precinct_code, time_zone = excluded.time_zone",
    )?
    .execute(params![
        household.address_key,
        household.house_number,
        household.street,
        household.unit,
        household.city,
        household.state,
        household.zip,
        household.precinct_code,
        household.time_zone
    ])?;
    Ok(())
}

/// A voter and their search entry (name, address and id; phones add their
/// numbers as they arrive).
/// A voter's name and address as search indexes them, for the rebuild at
/// the end of a fresh snapshot (the same forms as the importer writes).
const SEARCH_NAME: &str =
    "trim(replace(v.first_name || ' ' || v.middle_name || ' ' || v.last_name || ' ' || v.suffix, '  ', ' '))";
/// A voter's id and the forms of their phone numbers search finds.
const SEARCH_IDS: &str = "v.voter_id || coalesce(' ' || \
     (SELECT group_concat(p.number || ' ' || substr(p.number, -7) || ' ' || substr(p.number, -4), ' ') \
      FROM phones p WHERE p.voter_id = v.id AND length(p.number) = 10), '')";
const SEARCH_ADDRESS: &str = "CASE WHEN v.confidential = 1 OR h.id IS NULL THEN '' ELSE \
     trim(coalesce(h.house_number || ' ', '') || h.street || \
          CASE WHEN h.unit = '' THEN '' ELSE ' APT ' || h.unit END || ' ' || h.city || ' ' || h.zip) END";

/// Whether a stored voter may replace the one a laptop holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replace {
    /// A snapshot is the registry's word as it stands, even older than
    /// what the laptop held (a registry restored from a backup).
    Always,
    /// A change from the feed: only if at least as new as the registry's
    /// last word the laptop applied.
    IfNotOlder,
}

/// Stores a voter; false when a newer one was kept. A move or death this
/// laptop reported stays on it until the registry decides (the registry's
/// record is no newer than the laptop's); once the registry's version is
/// newer, its reviewed state is the voter's, as `apply_voter_status` would
/// have set it (a laptop that missed the decision in the feed, because a
/// snapshot came first, ends the same).
pub(crate) fn store_voter(
    tx: &Transaction<'_>,
    voter: &SnapshotVoter,
    now: Timestamp,
    index_now: bool,
    replace: Replace,
) -> Result<bool, StoreError> {
    let guard = match replace {
        Replace::Always => "",
        Replace::IfNotOlder => " WHERE voters.registry_version <= excluded.registry_version",
    };
    let stored = tx.prepare_cached(&format!(
        "INSERT INTO voters (voter_id, household_id, last_name, first_name, middle_name, suffix, birth_year, \
         gender, party, status, registered_on, confidential, source, county, content_hash, removed_at, version, \
         language, best_time, added_locally, deceased, moved, registry_version) \
         VALUES (?1, (SELECT id FROM households WHERE address_key = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, \
         ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?17) \
         ON CONFLICT (voter_id) DO UPDATE SET household_id = excluded.household_id, last_name = excluded.last_name, \
         first_name = excluded.first_name, middle_name = excluded.middle_name, suffix = excluded.suffix, \
         birth_year = excluded.birth_year, gender = excluded.gender, party = excluded.party, status = excluded.status, \
         registered_on = excluded.registered_on, confidential = excluded.confidential, source = excluded.source, \
         county = excluded.county, content_hash = excluded.content_hash, \
         removed_at = CASE WHEN excluded.removed_at IS NULL THEN NULL ELSE coalesce(voters.removed_at, excluded.removed_at) END, \
         version = excluded.version, registry_version = excluded.registry_version, \
         language = excluded.language, best_time = excluded.best_time, \
         deceased = CASE WHEN excluded.version > voters.version THEN excluded.deceased \
                    ELSE max(voters.deceased, excluded.deceased) END, \
         moved = CASE WHEN excluded.version > voters.version THEN excluded.moved \
                 ELSE max(voters.moved, excluded.moved) END{guard}",
    ))?
    .execute(params![
        voter.voter_id,
        voter.household_key,
        voter.last_name,
        voter.first_name,
        voter.middle_name,
        voter.suffix,
        voter.birth_year,
        voter.gender,
        voter.party,
        voter.status,
        voter.registered_on,
        voter.confidential,
        voter.source,
        voter.county,
        voter.content_hash,
        voter.removed.then(|| stamp(now)),
        voter.version,
        voter.language,
        voter.best_time,
        voter.added_at_door,
        voter.deceased,
        voter.moved
    ])?;
    if stored == 0 {
        return Ok(false);
    }
    if !index_now {
        return Ok(true);
    }
    let name = crate::search::search_name(
        &voter.first_name,
        &voter.middle_name,
        &voter.last_name,
        &voter.suffix,
    );
    // A voter sent again (a resumed download, a change from the feed)
    // replaces their entry, with the numbers they already have.
    tx.prepare_cached(
        "DELETE FROM voter_search WHERE rowid = (SELECT id FROM voters WHERE voter_id = ?1)",
    )?
    .execute(params![voter.voter_id])?;
    tx.prepare_cached(&format!(
        "INSERT INTO voter_search (rowid, name, address, ids) \
         SELECT v.id, ?2, {SEARCH_ADDRESS}, {SEARCH_IDS} \
         FROM voters v LEFT JOIN households h ON h.id = v.household_id WHERE v.voter_id = ?1"
    ))?
    .execute(params![voter.voter_id, name])?;
    Ok(true)
}

pub(crate) fn store_phone(
    tx: &Transaction<'_>,
    phone: &SnapshotPhone,
    index_now: bool,
) -> Result<(), StoreError> {
    let voter: Option<i64> = tx
        .prepare_cached("SELECT id FROM voters WHERE voter_id = ?1")?
        .query_row(params![phone.voter_id], |row| row.get(0))
        .optional()?;
    let Some(voter) = voter else {
        return Ok(());
    };
    let inserted = tx
        .prepare_cached(
            "INSERT INTO phones (voter_id, number, kind, status, source) VALUES (?1, ?2, 'unknown', ?3, ?4) \
             ON CONFLICT (voter_id, number) DO UPDATE SET status = excluded.status",
        )?
        .execute(params![voter, phone.number, phone.status, phone.source])?;
    if index_now && inserted > 0 && phone.number.len() == 10 {
        let terms = phone_search_terms(&phone.number).join(" ");
        tx.prepare_cached(
            "UPDATE voter_search SET ids = ids || ' ' || ?2 WHERE rowid = ?1 AND instr(ids, ?2) = 0",
        )?
        .execute(params![voter, terms])?;
    }
    Ok(())
}

pub(crate) fn store_vote(tx: &Transaction<'_>, vote: &SnapshotVote) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO vote_history (voter_id, election_date, election_type, election_desc, method, party) \
         SELECT id, ?2, ?3, ?4, ?5, ?6 FROM voters WHERE voter_id = ?1",
    )?
    .execute(params![
        vote.voter_id,
        vote.election_date,
        vote.election_type,
        vote.election_desc,
        vote.method,
        vote.party
    ])?;
    Ok(())
}
