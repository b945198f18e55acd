//! The do-not-contact ledger: one place for every opt-out, scoped (person,
//! phone, address, household) and per channel, with its source. Entries are
//! never changed or deleted; lifting one is its own entry.

use crate::clock::{new_id, stamp};
use crate::outbox::append;
use crate::{Store, StoreError};
use groundgame_domain::mutation::{DncRecord, DncReversal, MutationKind};
use groundgame_domain::office::DncEntry;
use groundgame_domain::{DncChannel, Mutation, Scope};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};

/// Writes an entry and its outbox mutation; the caller's transaction makes
/// both one change.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    scope: Scope,
    target: &str,
    channel: DncChannel,
    source: &str,
    volunteer: Option<&str>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let record = DncRecord {
        entry_id: new_id(),
        scope,
        target: target.to_owned(),
        channel,
        source: source.to_owned(),
        recorded_at: stamp(now),
        volunteer: volunteer.map(str::to_owned),
    };
    let hlc = append(tx, &Mutation::AddDnc(record.clone()), now)?;
    tx.execute(
        "INSERT INTO dnc_entries (id, scope, target, channel, source, recorded_at, hlc) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            record.entry_id,
            scope.slug(),
            target,
            channel.slug(),
            source,
            record.recorded_at,
            hlc.encode()
        ],
    )?;
    end_leases(tx, scope, target, channel)?;
    Ok(record.entry_id)
}

/// A new opt-out on calls ends the leases it touches (sync brief): a caller
/// holding that number, person or address must not dial it.
pub(crate) fn end_leases(
    tx: &Transaction<'_>,
    scope: Scope,
    target: &str,
    channel: DncChannel,
) -> Result<(), StoreError> {
    if matches!(channel, DncChannel::Phone | DncChannel::All) {
        let touched = match scope {
            Scope::Person => "voter_id IN (SELECT id FROM voters WHERE voter_id = ?1)",
            Scope::Phone => "phone = ?1",
            Scope::Address | Scope::Household => {
                "voter_id IN (SELECT v.id FROM voters v JOIN households h ON h.id = v.household_id \
                 WHERE h.address_key = ?1)"
            }
        };
        tx.execute(
            &format!(
                "UPDATE call_items SET status = CASE WHEN attempts > 0 THEN 'attempted' ELSE 'available' END, \
                 leased_to = NULL, lease_expires_at = NULL WHERE status = 'leased' AND {touched}"
            ),
            params![target],
        )?;
    }
    Ok(())
}

impl Store {
    /// Adds a do-not-contact entry. `target` is a voter id (person), ten
    /// digits (phone) or a voter id whose address is meant (address,
    /// household).
    pub fn add_dnc(
        &mut self,
        scope: Scope,
        target: &str,
        channel: DncChannel,
        source: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let tx = self.conn.transaction()?;
        let resolved = resolve_target(&tx, scope, target)?;
        let id = insert(
            &tx,
            scope,
            &resolved,
            channel,
            source,
            self.acting.as_deref(),
            now,
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Lifts an entry with an explicit reversal that names it.
    pub fn reverse_dnc(
        &mut self,
        entry_id: &str,
        source: &str,
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let tx = self.conn.transaction()?;
        // The registry refuses a reversal from a role that may not send one;
        // refusing it here too keeps this laptop from calling a voter the
        // registry still holds opted out.
        crate::outbox::check_role(&tx, MutationKind::ReverseDnc)?;
        let active: Option<i64> = tx
            .query_row(
                "SELECT 1 FROM dnc_active WHERE id = ?1",
                params![entry_id],
                |row| row.get(0),
            )
            .optional()?;
        active.ok_or_else(|| {
            StoreError::NotFound(format!(
                "no do-not-contact entry {entry_id} in force; it may already be reversed"
            ))
        })?;
        let reversal = DncReversal {
            reversal_id: new_id(),
            entry_id: entry_id.to_owned(),
            source: source.to_owned(),
            recorded_at: stamp(now),
        };
        let hlc = append(&tx, &Mutation::ReverseDnc(reversal.clone()), now)?;
        tx.execute(
            "INSERT INTO dnc_entries (id, scope, target, channel, source, recorded_at, hlc, reverses) \
             SELECT ?1, scope, target, channel, ?2, ?3, ?4, id FROM dnc_entries WHERE id = ?5",
            params![reversal.reversal_id, source, reversal.recorded_at, hlc.encode(), entry_id],
        )?;
        tx.commit()?;
        Ok(reversal.reversal_id)
    }

    /// The entries in force that touch a voter: on them, their phones, or
    /// their address.
    pub fn dnc_for_voter(&self, voter_id: &str) -> Result<Vec<DncEntry>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT d.id, d.scope, d.target, d.channel, d.source, d.recorded_at FROM dnc_active d \
             JOIN voters v ON v.voter_id = ?1 \
             LEFT JOIN households h ON h.id = v.household_id \
             WHERE (d.scope = 'person' AND d.target = v.voter_id) \
                OR (d.scope = 'phone' AND d.target IN (SELECT number FROM phones WHERE voter_id = v.id)) \
                OR (d.scope IN ('address', 'household') AND d.target = h.address_key) \
             ORDER BY d.recorded_at, d.id",
        )?;
        let entries = statement
            .query_map(params![voter_id], |row| {
                Ok(DncEntry {
                    id: row.get(0)?,
                    scope: row.get(1)?,
                    target: row.get(2)?,
                    channel: row.get(3)?,
                    source: row.get(4)?,
                    recorded_at: row.get(5)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(entries)
    }
}

/// Address and household entries are stored against the household's
/// address key, so they hold for whoever lives there.
fn resolve_target(tx: &Transaction<'_>, scope: Scope, target: &str) -> Result<String, StoreError> {
    match scope {
        Scope::Person => {
            let id = groundgame_domain::VoterId::parse(target)
                .map_err(|error| StoreError::Invalid(error.to_string()))?;
            Ok(id.as_str().to_owned())
        }
        Scope::Phone => groundgame_domain::PhoneNumber::parse(target)
            .map(|phone| phone.digits().to_owned())
            .map_err(|error| StoreError::Invalid(error.to_string())),
        Scope::Address | Scope::Household => tx
            .query_row(
                "SELECT h.address_key FROM voters v JOIN households h ON h.id = v.household_id \
                 WHERE v.voter_id = ?1",
                params![target.trim().to_ascii_uppercase()],
                |row| row.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "no voter {target} with a known address; an address entry is made through a voter who lives there"
                ))
            }),
    }
}
