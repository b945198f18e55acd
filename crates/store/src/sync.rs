//! The local half of sync: reading the outbox for a push, recording what
//! the registry answered, and applying the change feed at complete
//! checkpoints (see `docs/sync-protocol.md`). No networking here: the sync
//! crate moves the bytes, this module keeps every step one transaction, so a
//! crash at any point leaves either the step done or not started.

use crate::clock::stamp;
use crate::person::insert_door_voter;
use crate::snapshot::{store_household, store_phone, store_vote, store_voter, Replace};
use crate::voter::{refresh_search_name, CORRECTABLE_FIELDS};
use crate::{dnc, Store, StoreError};
use groundgame_domain::feed::{
    FeedContact, FeedDnc, FeedPhoneStatus, FeedReviewDecision, FeedRow, FeedVoter, FeedVoterField,
    FeedVoterFile, FeedVoterStatus,
};
use groundgame_domain::mutation::CallbackRecord;
use groundgame_domain::wire::{PullResponse, PushMutation, PushOutcome, PushResult, PUSH_BYTES};
use groundgame_domain::{Hlc, VoterId};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

/// Where pull stands on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullState {
    /// The feed position this database's view is as of.
    pub checkpoint: i64,
    /// Read (and kept in staging) up to here; the next pull starts after it.
    pub staged_through: i64,
    /// Changes read and waiting for a complete checkpoint.
    pub staged: u64,
}

/// What applying the staged changes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub changes: u64,
    /// Changes about voters this laptop's slice does not hold (its voter
    /// file is older or smaller than the registry's); kept out, not lost:
    /// the registry still has them.
    pub outside_slice: u64,
    pub checkpoint: i64,
}

fn feed_error(context: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{context}: {error}"))
}

impl Store {
    /// The oldest pending outbox entries, as a push sends them: at most
    /// `limit`, and no more than about [`PUSH_BYTES`] of payload (always at
    /// least one).
    pub fn outbox_batch(&self, limit: usize) -> Result<Vec<PushMutation>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, mutation_id, kind, version, hlc, payload FROM outbox \
             WHERE state = 'pending' ORDER BY seq LIMIT ?1",
        )?;
        let rows =
            statement.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, u32>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                ))
            })?;
        let mut batch = Vec::new();
        let mut bytes = 0;
        for row in rows {
            let (seq, mutation_id, kind, version, hlc, payload) = row?;
            bytes += payload.len();
            if bytes > PUSH_BYTES && !batch.is_empty() {
                break;
            }
            let payload = serde_json::from_str(&payload)
                .map_err(|error| feed_error(&format!("outbox entry {seq}"), error))?;
            batch.push(PushMutation {
                seq,
                mutation_id,
                kind,
                version,
                hlc,
                payload,
            });
        }
        Ok(batch)
    }

    /// Records the registry's answer to a push, in one transaction, and
    /// moves this device's clock past the registry's.
    pub fn record_push_results(
        &mut self,
        results: &[PushResult],
        registry_hlc: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE outbox SET state = ?3, reason = ?4, answered_at = ?5 \
                 WHERE seq = ?1 AND mutation_id = ?2 AND state = 'pending'",
            )?;
            for result in results {
                // A duplicate's state is what its first push got, so the
                // needs-attention list shows a rejection however it arrived.
                let state = match (result.result, result.first_result) {
                    (PushOutcome::Duplicate, Some(first)) => first,
                    (outcome, _) => outcome,
                };
                update.execute(params![
                    result.seq,
                    result.mutation_id,
                    state.as_str(),
                    result.reason,
                    stamp(now)
                ])?;
            }
        }
        observe_clock(&tx, registry_hlc, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Where pull stands.
    pub fn pull_state(&self) -> Result<PullState, StoreError> {
        let (checkpoint, staged_through) = self
            .conn
            .query_row(
                "SELECT checkpoint, staged_through FROM sync_state WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .unwrap_or((0, 0));
        let staged: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sync_staging", [], |row| row.get(0))?;
        Ok(PullState {
            checkpoint,
            staged_through: staged_through.max(checkpoint),
            staged: u64::try_from(staged).unwrap_or(0),
        })
    }

    /// Keeps a pulled page until its checkpoint is complete. Re-reading a
    /// page after a crash replaces the same rows.
    pub fn stage_changes(&mut self, page: &PullResponse) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO sync_staging (position, key, version, row) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for change in &page.changes {
                let row = serde_json::to_string(&change.row)
                    .map_err(|error| feed_error("a pulled change", error))?;
                insert.execute(params![change.position, change.key, change.version, row])?;
            }
        }
        tx.execute(
            "INSERT INTO sync_state (id, staged_through) VALUES (1, ?1) \
             ON CONFLICT (id) DO UPDATE SET staged_through = max(staged_through, excluded.staged_through)",
            params![page.checkpoint],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Applies everything staged and moves the checkpoint to `checkpoint`,
    /// in one transaction. Refused while local changes wait to be pushed:
    /// the view is always the registry's as of a checkpoint plus this
    /// device's pending changes, and never a local merge.
    pub fn apply_staged(&mut self, checkpoint: i64, now: Timestamp) -> Result<Applied, StoreError> {
        if self.pending_changes()? > 0 {
            return Err(StoreError::Invalid(
                "changes made here are still waiting to be pushed; push them before applying pulled ones".into(),
            ));
        }
        self.base_changed();
        let tx = self.conn.transaction()?;
        let rows: Vec<(i64, String)> = tx
            .prepare("SELECT position, row FROM sync_staging ORDER BY position")?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut applied = Applied {
            checkpoint,
            ..Applied::default()
        };
        let mut names_changed = false;
        for (position, text) in rows {
            let row: FeedRow = serde_json::from_str(&text)
                .map_err(|error| feed_error(&format!("pulled change {position}"), error))?;
            names_changed |=
                matches!(&row, FeedRow::VoterFile(change) if !change.voters.is_empty());
            if apply_row(&tx, &row)? {
                applied.changes += 1;
            } else {
                applied.outside_slice += 1;
            }
        }
        if names_changed {
            // The words typo correction offers, once for the whole refresh.
            crate::search::refresh_words(&tx)?;
        }
        tx.execute("DELETE FROM sync_staging", [])?;
        tx.execute(
            "INSERT INTO sync_state (id, checkpoint, staged_through, last_sync_at) VALUES (1, ?1, ?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET checkpoint = excluded.checkpoint, \
             staged_through = max(staged_through, excluded.checkpoint), last_sync_at = excluded.last_sync_at",
            params![checkpoint, stamp(now)],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// When the last sync finished, and its report (JSON), if any.
    pub fn last_sync(&self) -> Result<(Option<String>, Option<String>), StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT last_sync_at, last_report FROM sync_state WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .unwrap_or((None, None)))
    }

    /// Keeps the last sync's report for the app's day-end view.
    pub fn save_sync_report(
        &mut self,
        report_json: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sync_state (id, last_sync_at, last_report) VALUES (1, ?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET last_sync_at = excluded.last_sync_at, last_report = excluded.last_report",
            params![stamp(now), report_json],
        )?;
        Ok(())
    }

    /// Outbox entries the registry refused or sent to review that no
    /// coordinator has decided yet: the needs-attention list, newest first.
    pub fn needs_attention(&self) -> Result<Vec<crate::OutboxEntry>, StoreError> {
        crate::outbox::entries(
            &self.conn,
            "WHERE state IN ('rejected', 'conflict') \
             AND mutation_id NOT IN (SELECT mutation_id FROM outbox_decisions) ORDER BY seq DESC",
            [],
        )
    }
}

/// The device's clock moves past one it has seen; it never moves back.
fn observe_clock(tx: &Transaction<'_>, seen: &str, now: Timestamp) -> Result<(), StoreError> {
    let Some(remote) = Hlc::decode(seen) else {
        return Ok(());
    };
    crate::outbox::device_id(tx)?;
    let current: String =
        tx.query_row("SELECT hlc FROM device WHERE id = 1", [], |row| row.get(0))?;
    let next = Hlc::decode(&current)
        .unwrap_or_default()
        .observe(remote, crate::clock::millis(now));
    tx.execute(
        "UPDATE device SET hlc = ?1 WHERE id = 1",
        params![next.encode()],
    )?;
    Ok(())
}

/// The local row of a voter, if this slice holds them.
fn voter_row(
    tx: &Transaction<'_>,
    voter_id: &str,
) -> Result<Option<(i64, Option<i64>)>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT id, household_id FROM voters WHERE voter_id = ?1",
            params![voter_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// Applies one change; false when it is about a voter this slice lacks.
/// Every branch is idempotent: facts are keyed by their ids and fields are
/// set to the registry's value, so applying a change twice changes nothing.
fn apply_row(tx: &Transaction<'_>, row: &FeedRow) -> Result<bool, StoreError> {
    match row {
        FeedRow::ContactAttempt(contact) => apply_contact(tx, contact),
        FeedRow::DncEntry(entry) => apply_dnc(tx, entry),
        FeedRow::PhoneStatus(phone) => apply_phone_status(tx, phone),
        FeedRow::VoterField(field) => apply_voter_field(tx, field),
        FeedRow::Voter(voter) => apply_voter(tx, voter),
        FeedRow::VoterStatus(status) => apply_voter_status(tx, status),
        FeedRow::ReviewDecision(decision) => apply_review_decision(tx, decision),
        FeedRow::Callback(callback) => apply_callback(tx, callback),
        FeedRow::VoterFile(change) => apply_voter_file(tx, change),
        FeedRow::Segment(segment) => crate::work::store_segment(tx, segment),
        FeedRow::CallList(list) => crate::work::apply_call_list(tx, list, None),
        FeedRow::CallItems(items) => crate::work::apply_call_items(tx, items),
        FeedRow::Turf(turf) => crate::work::apply_turf(tx, turf, None),
        // The office's own row: applied (a repeat changes nothing), never
        // "outside the slice".
        FeedRow::WorkState(state) => crate::work::store_work_state(tx, state).map(|_| true),
        FeedRow::Question(question) => crate::script::store_question(tx, question),
        FeedRow::Script(script) => crate::script::store_script(tx, script),
        FeedRow::Volunteer(volunteer) => crate::script::store_volunteer(tx, volunteer),
        FeedRow::WorkSetup(setup) => crate::script::store_setup(tx, setup),
        FeedRow::Goals(goals) => crate::results::store_goals(tx, goals),
        FeedRow::BatchDecision(decision) => crate::results::store_batch_decision(tx, decision),
    }
}

/// A voter-file load on the registry, for one precinct: voters who moved
/// out leave the slice, then households, voters, phones and votes are
/// stored as a snapshot stores them, except that a voter is replaced only
/// by one at least as new as the registry's last word this laptop applied.
/// A voter who moved to a precinct this office also covers comes back with
/// their record, later in the feed. Moves are recorded, not guessed: a
/// voter the laptop holds from its own import leaves only as the registry
/// says.
fn apply_voter_file(tx: &Transaction<'_>, change: &FeedVoterFile) -> Result<bool, StoreError> {
    let now = Timestamp::now();
    for moved in &change.moved_out {
        tx.prepare_cached(
            "UPDATE voters SET removed_at = coalesce(removed_at, ?2), version = ?3, registry_version = ?3 \
             WHERE voter_id = ?1 AND registry_version <= ?3",
        )?
        .execute(params![moved.voter_id, stamp(now), moved.version])?;
    }
    for household in &change.households {
        store_household(tx, household)?;
    }
    for voter in &change.voters {
        store_voter(tx, voter, now, true, Replace::IfNotOlder)?;
    }
    for phone in &change.phones {
        store_phone(tx, phone, true)?;
    }
    for vote in &change.votes {
        store_vote(tx, vote)?;
    }
    Ok(true)
}

pub(crate) fn apply_contact(
    tx: &Transaction<'_>,
    contact: &FeedContact,
) -> Result<bool, StoreError> {
    let record = &contact.record;
    let Some((voter, household)) = voter_row(tx, record.voter_id.as_str())? else {
        return Ok(false);
    };
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO contact_attempts (id, voter_id, household_id, channel, result, phone, \
         call_list_id, turf_id, volunteer, note, recorded_at, hlc, origin) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT id FROM call_lists WHERE name = ?7), \
         (SELECT id FROM turfs WHERE name = ?8), ?9, ?10, ?11, ?12, ?13)",
        params![
            record.attempt_id,
            voter,
            household,
            record.channel.slug(),
            record.result,
            record.phone,
            record.call_list,
            record.turf,
            record.volunteer,
            record.note.clone().unwrap_or_default(),
            record.recorded_at,
            contact.hlc,
            format!("device:{}", contact.device_id)
        ],
    )?;
    // The registry's flags come with the attempt, and with this laptop's
    // own attempt when the feed brings it back.
    if !contact.flags.is_empty() {
        let mut flag = tx.prepare_cached(
            "INSERT OR IGNORE INTO attempt_flags (attempt_id, flag) VALUES (?1, ?2)",
        )?;
        for each in &contact.flags {
            flag.execute(params![record.attempt_id, each.as_str()])?;
        }
    }
    if inserted > 0 {
        for answer in &record.answers {
            crate::contact::store_answer(tx, &record.attempt_id, answer)?;
        }
        // A call marked for a language on another laptop waits here too for
        // a volunteer who speaks it.
        if record.result == "language" {
            if let Some(list) = &record.call_list {
                tx.execute(
                    "UPDATE call_items SET needs_language = \
                         (SELECT CASE language WHEN '' THEN 'es' ELSE language END FROM voters WHERE id = ?1) \
                     WHERE voter_id = ?1 AND call_list_id = (SELECT id FROM call_lists WHERE name = ?2)",
                    params![voter, list],
                )?;
            }
        }
    }
    Ok(true)
}

pub(crate) fn apply_dnc(tx: &Transaction<'_>, entry: &FeedDnc) -> Result<bool, StoreError> {
    if let Some(lifted) = &entry.reverses {
        let known: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM dnc_entries WHERE id = ?1",
                params![lifted],
                |row| row.get(0),
            )
            .optional()?;
        if known.is_none() {
            // The entry it lifts never reached this slice; nothing to lift.
            return Ok(false);
        }
    }
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO dnc_entries (id, scope, target, channel, source, recorded_at, hlc, reverses) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            entry.id,
            entry.scope.slug(),
            entry.target,
            entry.channel.slug(),
            entry.source,
            entry.recorded_at,
            entry.hlc,
            entry.reverses
        ],
    )?;
    if inserted > 0 && entry.reverses.is_none() {
        dnc::end_leases(tx, entry.scope, &entry.target, entry.channel)?;
    }
    Ok(true)
}

fn apply_phone_status(tx: &Transaction<'_>, phone: &FeedPhoneStatus) -> Result<bool, StoreError> {
    let Some((voter, _)) = voter_row(tx, &phone.voter_id)? else {
        return Ok(false);
    };
    tx.execute(
        "UPDATE phones SET status = ?3 WHERE voter_id = ?1 AND number = ?2",
        params![voter, phone.number, phone.status],
    )?;
    if phone.status == "disconnected" {
        tx.execute(
            "UPDATE call_items SET status = 'skipped', leased_to = NULL, lease_expires_at = NULL \
             WHERE phone = ?1 AND status IN ('available', 'leased', 'attempted')",
            params![phone.number],
        )?;
    }
    Ok(true)
}

fn apply_voter_field(tx: &Transaction<'_>, field: &FeedVoterField) -> Result<bool, StoreError> {
    // The column is one of the fixed list, never text from the wire.
    let Some(column) = CORRECTABLE_FIELDS.iter().find(|name| **name == field.field) else {
        return Err(StoreError::Corrupt(format!(
            "the registry sent a change to {:?}, which this version cannot hold; update groundgame",
            field.field
        )));
    };
    let Some((voter, _)) = voter_row(tx, &field.voter_id)? else {
        return Ok(false);
    };
    // A change older than what the registry last said of the voter (a replay
    // after the snapshot) is read past: it would move the voter back.
    let changed = tx.execute(
        &format!(
            "UPDATE voters SET {column} = ?2, version = ?3, registry_version = ?3 \
             WHERE id = ?1 AND registry_version <= ?3"
        ),
        params![voter, field.value, field.version],
    )?;
    if changed > 0 && (column.ends_with("name") || *column == "suffix") {
        refresh_search_name(tx, voter)?;
    }
    Ok(true)
}

fn apply_voter(tx: &Transaction<'_>, voter: &FeedVoter) -> Result<bool, StoreError> {
    if voter_row(tx, &voter.voter_id)?.is_some() {
        return Ok(true);
    }
    let household: Option<i64> = tx
        .query_row(
            "SELECT id FROM households WHERE address_key = ?1",
            params![voter.household_address_key],
            |row| row.get(0),
        )
        .optional()?;
    let Some(household) = household else {
        return Ok(false);
    };
    let voter_id = VoterId::parse(&voter.voter_id)
        .map_err(|error| feed_error("a voter added at a door", error))?;
    insert_door_voter(
        tx,
        &voter_id,
        household,
        &voter.first_name,
        &voter.last_name,
        voter.birth_year,
        voter.phone.as_deref(),
    )?;
    Ok(true)
}

/// A coordinator's decision about a voter's state; the registry sends the
/// whole state, so a laptop that reported it and one that never heard of it
/// end the same.
fn apply_voter_status(tx: &Transaction<'_>, status: &FeedVoterStatus) -> Result<bool, StoreError> {
    let Some((voter, _)) = voter_row(tx, &status.voter_id)? else {
        return Ok(false);
    };
    // Never older than what the registry last said: a replayed status must
    // not clear a newer removal, death or move.
    tx.execute(
        "UPDATE voters SET deceased = ?2, moved = ?3, version = ?4, registry_version = ?4, \
         removed_at = CASE WHEN ?5 THEN coalesce(removed_at, ?6) END \
         WHERE id = ?1 AND registry_version <= ?4",
        params![
            voter,
            status.deceased,
            status.moved,
            status.version,
            status.removed,
            stamp(Timestamp::now())
        ],
    )?;
    Ok(true)
}

/// Kept only by the laptop that sent the change (mutation ids are unique);
/// the others of the office read past it.
fn apply_review_decision(
    tx: &Transaction<'_>,
    decision: &FeedReviewDecision,
) -> Result<bool, StoreError> {
    tx.execute(
        "INSERT OR REPLACE INTO outbox_decisions (mutation_id, action, outcome, decided_at) \
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM outbox WHERE mutation_id = ?1)",
        params![
            decision.mutation_id,
            decision.action,
            decision.outcome,
            decision.decided_at
        ],
    )?;
    // Handled either way: it is about no voter, so never "outside the slice".
    Ok(true)
}

fn apply_callback(tx: &Transaction<'_>, callback: &CallbackRecord) -> Result<bool, StoreError> {
    let item: Option<i64> = tx
        .query_row(
            "SELECT i.id FROM call_items i JOIN call_lists l ON l.id = i.call_list_id \
             WHERE l.name = ?1 AND i.phone = ?2",
            params![callback.call_list, callback.phone],
            |row| row.get(0),
        )
        .optional()?;
    let Some(item) = item else {
        return Ok(false);
    };
    tx.execute(
        "INSERT OR IGNORE INTO callbacks (id, call_item_id, due_at) VALUES (?1, ?2, ?3)",
        params![callback.callback_id, item, callback.due_at],
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use crate::{DemoConfig, Store};
    use groundgame_domain::feed::{
        FeedRow, FeedVoterField, FeedVoterFile, FeedVoterStatus, VoterMovedOut,
    };
    use groundgame_domain::ipc::VoterQuery;
    use groundgame_domain::snapshot::SnapshotVoter;
    use groundgame_domain::wire::{Change, PullResponse};
    use groundgame_domain::VoterId;
    use jiff::Timestamp;

    fn pulled(rows: Vec<FeedRow>) -> PullResponse {
        let changes: Vec<Change> = rows
            .into_iter()
            .enumerate()
            .map(|(index, row)| Change {
                position: i64::try_from(index).unwrap_or_default() + 1,
                key: format!("change-{index}"),
                version: 1,
                row,
            })
            .collect();
        PullResponse {
            checkpoint: i64::try_from(changes.len()).unwrap_or_default(),
            changes,
            complete: true,
        }
    }

    /// The feed from a snapshot's position replays changes the snapshot
    /// already holds, and a voter is never moved back by them: not a name,
    /// not a removal.
    #[test]
    fn a_replayed_older_change_never_moves_a_voter_back() {
        let mut store = Store::open_in_memory().expect("store");
        store
            .generate_demo(&DemoConfig {
                voters: 50,
                ..DemoConfig::default()
            })
            .expect("demo");
        let voter = store
            .search_voters(&VoterQuery::first_page(String::new(), 1))
            .expect("search")
            .rows[0]
            .voter_id
            .to_string();
        let field = |value: &str, version| {
            FeedRow::VoterField(FeedVoterField {
                voter_id: voter.clone(),
                field: "first_name".into(),
                value: value.into(),
                version,
            })
        };
        let status = |removed, version| {
            FeedRow::VoterStatus(FeedVoterStatus {
                voter_id: voter.clone(),
                deceased: false,
                moved: false,
                removed,
                version,
            })
        };
        let page = pulled(vec![
            field("Newer", 5),
            status(true, 6),
            field("Older", 3),
            status(false, 4),
        ]);
        store.stage_changes(&page).expect("staged");
        store
            .apply_staged(page.checkpoint, Timestamp::now())
            .expect("applied");
        let detail = store
            .voter_detail(&VoterId::parse(&voter).expect("id"))
            .expect("detail");
        assert_eq!(
            (detail.first_name.as_str(), detail.removed, detail.version),
            ("Newer", true, 6)
        );
        // The same version again changes nothing, and a newer one applies.
        let page = pulled(vec![status(true, 6), status(false, 7)]);
        store.stage_changes(&page).expect("staged");
        store
            .apply_staged(page.checkpoint + 10, Timestamp::now())
            .expect("applied");
        let detail = store
            .voter_detail(&VoterId::parse(&voter).expect("id"))
            .expect("detail");
        assert_eq!((detail.removed, detail.version), (false, 7));

        // A voter-file change older than that is read past; as new, it
        // applies, and a move out takes the voter out of the slice.
        let record = |first_name: &str, version| SnapshotVoter {
            voter_id: voter.clone(),
            household_key: None,
            last_name: detail.last_name.clone(),
            first_name: first_name.into(),
            middle_name: String::new(),
            suffix: String::new(),
            birth_year: Some(1970),
            gender: "F".into(),
            party: "UNA".into(),
            status: "A".into(),
            registered_on: None,
            confidential: false,
            county: "WAKE".into(),
            source: "ncvoter".into(),
            content_hash: 1,
            version,
            removed: false,
            language: String::new(),
            best_time: String::new(),
            added_at_door: false,
            deceased: false,
            moved: false,
        };
        let refresh = |voters, moved_out| {
            FeedRow::VoterFile(FeedVoterFile {
                precinct: detail.precinct.clone(),
                moved_out,
                households: Vec::new(),
                voters,
                phones: Vec::new(),
                votes: Vec::new(),
            })
        };
        let page = pulled(vec![
            refresh(vec![record("Stale", 6)], Vec::new()),
            refresh(vec![record("Fresh", 7)], Vec::new()),
            refresh(
                Vec::new(),
                vec![VoterMovedOut {
                    voter_id: voter.clone(),
                    version: 8,
                }],
            ),
            refresh(vec![record("Staler", 5)], Vec::new()),
        ]);
        store.stage_changes(&page).expect("staged");
        store
            .apply_staged(page.checkpoint + 20, Timestamp::now())
            .expect("applied");
        let after = store
            .voter_detail(&VoterId::parse(&voter).expect("id"))
            .expect("detail");
        assert_eq!(
            (after.first_name.as_str(), after.removed, after.version),
            ("Fresh", true, 8)
        );
    }
}
