//! The outbox: every local change appends the mutation sync will push, in
//! the same transaction as the change itself (sync brief, principle 2), and
//! bumps this device's hybrid logical clock.

use crate::clock::{millis, new_id, stamp};
use crate::{Store, StoreError};
use groundgame_domain::mutation::{MutationKind, MUTATION_VERSION};
use groundgame_domain::wire::Role;
use groundgame_domain::{Hlc, Mutation};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

/// One mutation waiting for (or done with) sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    pub seq: i64,
    pub mutation_id: String,
    pub hlc: Hlc,
    pub mutation: Mutation,
    pub state: String,
    pub reason: Option<String>,
}

/// This device's identity, made on first use.
pub(crate) fn device_id(tx: &Transaction<'_>) -> Result<String, StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO device (id, device_id, hlc) VALUES (1, ?1, ?2)",
        params![new_id(), Hlc::default().encode()],
    )?;
    Ok(
        tx.query_row("SELECT device_id FROM device WHERE id = 1", [], |row| {
            row.get(0)
        })?,
    )
}

/// Refuses a kind this laptop's role may not send (the registry would
/// refuse it too, so the two never disagree). A laptop not enrolled yet is
/// its own office and may do anything.
pub(crate) fn check_role(tx: &Transaction<'_>, kind: MutationKind) -> Result<(), StoreError> {
    let role: Option<String> = tx
        .query_row("SELECT role FROM enrolment WHERE id = 1", [], |row| {
            row.get(0)
        })
        .optional()?;
    if let Some(role) = role {
        if !Role::parse(&role).is_some_and(|role| kind.allowed(role)) {
            return Err(StoreError::Invalid(format!(
                "this laptop is enrolled as a {role}; only a coordinator's or an admin's laptop may {}",
                kind.action()
            )));
        }
    }
    Ok(())
}

/// Ticks the clock and appends `mutation`; returns the clock value stamped
/// on it, for the rows the change wrote.
pub(crate) fn append(
    tx: &Transaction<'_>,
    mutation: &Mutation,
    now: Timestamp,
) -> Result<Hlc, StoreError> {
    device_id(tx)?;
    let (clock, seq): (String, i64) =
        tx.query_row("SELECT hlc, next_seq FROM device WHERE id = 1", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    let hlc = Hlc::decode(&clock).unwrap_or_default().tick(millis(now));
    tx.execute(
        "UPDATE device SET hlc = ?1, next_seq = ?2 WHERE id = 1",
        params![hlc.encode(), seq + 1],
    )?;
    let payload = serde_json::to_string(mutation)
        .map_err(|error| StoreError::Corrupt(format!("cannot encode a mutation: {error}")))?;
    tx.execute(
        "INSERT INTO outbox (seq, mutation_id, kind, version, payload, hlc, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            seq,
            new_id(),
            mutation.kind(),
            MUTATION_VERSION,
            payload,
            hlc.encode(),
            stamp(now)
        ],
    )?;
    Ok(hlc)
}

/// A line in the local audit log.
pub(crate) fn audit(
    tx: &Transaction<'_>,
    now: Timestamp,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
        params![stamp(now), actor, action, detail],
    )?;
    Ok(())
}

impl Store {
    /// Changes made here that the registry has not acknowledged yet.
    pub fn pending_changes(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM outbox WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The oldest `limit` outbox entries still pending, in sequence order.
    pub fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        entries(
            &self.conn,
            "WHERE state = 'pending' ORDER BY seq LIMIT ?1",
            params![limit],
        )
    }

    /// This device's hybrid logical clock, as last persisted.
    pub fn clock(&self) -> Result<Hlc, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT hlc FROM device WHERE id = 1", [], |row| row.get(0))
            .optional()?;
        Ok(text.and_then(|t| Hlc::decode(&t)).unwrap_or_default())
    }
}

/// Outbox entries chosen by `tail` (a WHERE, ORDER and LIMIT over the
/// outbox's own columns), with their mutations read back.
pub(crate) fn entries(
    conn: &rusqlite::Connection,
    tail: &str,
    arguments: impl rusqlite::Params,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT seq, mutation_id, hlc, payload, state, reason FROM outbox {tail}"
    ))?;
    let rows = statement.query_map(arguments, |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
            row.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (seq, mutation_id, hlc, payload, state, reason) = row?;
        let mutation = serde_json::from_str(&payload)
            .map_err(|error| StoreError::Corrupt(format!("outbox entry {seq}: {error}")))?;
        found.push(OutboxEntry {
            seq,
            mutation_id,
            hlc: Hlc::decode(&hlc).unwrap_or_default(),
            mutation,
            state,
            reason,
        });
    }
    Ok(found)
}
