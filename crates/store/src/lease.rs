//! The registry's leases as this laptop holds them: which call targets it
//! may hand out (sync brief, "No double calls"), what to ask for next, and
//! the lease a result was recorded under.

use crate::clock::stamp;
use crate::{Store, StoreError};
use groundgame_domain::lease::{LeaseRef, LeaseTarget};
use groundgame_domain::wire::LeaseResponse;
use groundgame_domain::work::TurfHold;
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
                "INSERT INTO registry_leases (target, epoch, expires_at, mine, holder) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (target) DO UPDATE SET epoch = excluded.epoch, expires_at = excluded.expires_at, \
                 mine = excluded.mine, holder = excluded.holder",
            )?;
            for grant in &answer.granted {
                save.execute(params![
                    grant.target.as_str(),
                    grant.epoch,
                    grant.expires_at,
                    1,
                    None::<String>
                ])?;
            }
            for refusal in &answer.refused {
                save.execute(params![
                    refusal.target.as_str(),
                    0,
                    refusal.held_until,
                    0,
                    refusal.held_by
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The lease targets of a turf: its doors.
    pub fn turf_targets(&self, turf: i64) -> Result<Vec<LeaseTarget>, StoreError> {
        let keys: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT h.address_key FROM turf_households th JOIN households h ON h.id = th.household_id \
                 WHERE th.turf_id = ?1 ORDER BY th.walk_seq",
            )?
            .query_map(params![turf], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        if keys.is_empty() {
            return Err(StoreError::NotFound(format!("no turf {turf} with doors")));
        }
        Ok(keys.iter().map(|key| LeaseTarget::household(key)).collect())
    }

    /// Who has the turf out now, as this laptop last heard from the
    /// registry: none when nobody holds a door of it.
    pub fn turf_hold(&self, turf: i64, now: Timestamp) -> Result<Option<TurfHold>, StoreError> {
        let (doors, mine, others, holder, until): (i64, i64, i64, Option<String>, Option<String>) =
            self.conn.query_row(
                "SELECT count(*), count(CASE WHEN r.mine = 1 THEN 1 END), count(CASE WHEN r.mine = 0 THEN 1 END), \
                        max(CASE WHEN r.mine = 0 THEN r.holder END), min(r.expires_at) \
                 FROM turf_households th JOIN households h ON h.id = th.household_id \
                 LEFT JOIN registry_leases r ON r.target = 'household:' || h.address_key AND r.expires_at > ?2 \
                 WHERE th.turf_id = ?1",
                params![turf, stamp(now)],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)),
            )?;
        Ok(if others > 0 {
            Some(TurfHold {
                mine: false,
                holder: holder.or_else(|| Some("another laptop".into())),
                until,
            })
        } else if doors > 0 && mine == doors {
            Some(TurfHold {
                mine: true,
                holder: None,
                until,
            })
        } else {
            None
        })
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
