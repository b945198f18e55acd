//! The registry's leases as this laptop holds them: which call targets it
//! may hand out (sync brief, "No double calls"), what to ask for next, and
//! the lease a result was recorded under.

use crate::clock::stamp;
use crate::{Store, StoreError};
use groundgame_domain::lease::{LeaseRef, LeaseTarget};
use groundgame_domain::wire::LeaseResponse;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};

impl Store {
    /// Numbers the phone bank will want before `until` that this laptop
    /// holds no lease on: items callable by then, in list order, each number
    /// once. (One waiting out a retry delay past `until` is left for others.)
    pub fn lease_candidates(
        &self,
        limit: usize,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<LeaseTarget>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT i.phone FROM call_items i JOIN call_lists l ON l.id = i.call_list_id \
             WHERE i.status IN ('available', 'attempted', 'leased') AND i.attempts < l.max_attempts \
               AND (i.not_before IS NULL OR i.not_before < ?3) \
               AND NOT EXISTS (SELECT 1 FROM registry_leases r WHERE r.target = 'phone:' || i.phone \
                               AND r.expires_at > ?1) \
             GROUP BY i.phone ORDER BY min(i.call_list_id * 1000000000 + i.position) LIMIT ?2",
        )?;
        let phones = statement
            .query_map(
                params![
                    stamp(now),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                    stamp(until)
                ],
                |row| row.get::<_, String>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(phones
            .iter()
            .filter_map(|phone| LeaseTarget::parse(&format!("phone:{phone}")).ok())
            .collect())
    }

    /// Keeps what the registry granted and what it said others hold.
    pub fn save_leases(&mut self, answer: &LeaseResponse) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut save = tx.prepare_cached(
                "INSERT INTO registry_leases (target, epoch, expires_at, mine) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (target) DO UPDATE SET epoch = excluded.epoch, expires_at = excluded.expires_at, \
                 mine = excluded.mine",
            )?;
            for grant in &answer.granted {
                save.execute(params![
                    grant.target.as_str(),
                    grant.epoch,
                    grant.expires_at,
                    1
                ])?;
            }
            for refusal in &answer.refused {
                save.execute(params![refusal.target.as_str(), 0, refusal.held_until, 0])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many targets this laptop holds a valid lease on.
    pub fn leases_held(&self, now: Timestamp) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM registry_leases WHERE mine = 1 AND expires_at > ?1",
            params![stamp(now)],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// The lease this laptop holds on a phone, if any; it is given up (here and,
/// through the outbox, on the registry) once a result is recorded.
pub(crate) fn take_phone_lease(
    tx: &Transaction<'_>,
    phone: &str,
) -> Result<Option<LeaseRef>, StoreError> {
    let target = LeaseTarget::phone(phone);
    let epoch: Option<i64> = tx
        .query_row(
            "SELECT epoch FROM registry_leases WHERE target = ?1 AND mine = 1",
            params![target.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    let Some(epoch) = epoch else {
        return Ok(None);
    };
    tx.execute(
        "DELETE FROM registry_leases WHERE target = ?1",
        params![target.as_str()],
    )?;
    Ok(Some(LeaseRef { target, epoch }))
}
