//! The phone bank's call queue.
//!
//! `next_call` hands a caller the next call item of a list that may be
//! called now, and leases it to them. It never hands out a do-not-contact
//! target (person, phone or address, on the phone channel or all), an
//! invalid, wrong or disconnected number, a voter who moved, died or left
//! the voter file, a voter contacted within the list's recycle window or past
//! its attempt limit, a voter outside calling hours in their own time zone,
//! or an item leased to someone else. Due callbacks come first.

use crate::clock::stamp;
use crate::{Store, StoreError};
use groundgame_domain::office::{CallAssignment, CallListSummary};
use groundgame_domain::work::{CallListRules, WorkKind, WorkState};
use groundgame_domain::PhoneNumber;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, OptionalExtension};

/// How long a caller holds an item before it goes back to the queue.
pub const LEASE_MINUTES: i64 = 15;

/// Who is calling: their name (for leases and tallies) and the languages
/// they speak besides English (`es`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub languages: Vec<String>,
}

impl Caller {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            languages: Vec::new(),
        }
    }
}

/// A stored state, read strictly: a value the schema's CHECK allows and
/// this build does not know is corruption, not "open".
pub(crate) fn work_state(text: &str) -> rusqlite::Result<WorkState> {
    WorkState::parse(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{text:?} is not a list state").into(),
        )
    })
}

/// Every zone the importers assign (`groundgame_voterfile::record::time_zone`).
const US_TIME_ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
];

const CANDIDATE_COLUMNS: &str =
    "i.id, v.voter_id, trim(v.first_name || ' ' || v.last_name), i.phone, i.attempts";

const CANDIDATE_FROM: &str = "FROM call_items i \
     JOIN call_lists l ON l.id = i.call_list_id \
     JOIN voters v ON v.id = i.voter_id \
     LEFT JOIN households h ON h.id = v.household_id";

/// What every item handed out must satisfy (parameters: ?2 now, ?3 the
/// open time zones as JSON, ?4 the caller's languages, ?5 whether an unknown
/// zone is open, ?6 the caller). Once the laptop is enrolled, that includes
/// holding the registry's lease on the number, so no other device of the
/// campaign can be calling it.
const ELIGIBLE: &str = "(i.status IN ('available', 'attempted') \
        OR (i.status = 'leased' AND (i.lease_expires_at <= ?2 OR i.leased_to = ?6))) \
   AND (i.not_before IS NULL OR i.not_before <= ?2) \
   AND i.attempts < l.max_attempts \
   AND v.removed_at IS NULL AND v.deceased = 0 AND v.moved = 0 \
   AND (i.needs_language = '' OR instr(',' || ?4 || ',', ',' || i.needs_language || ',') > 0) \
   AND (h.time_zone IN (SELECT value FROM json_each(?3)) OR (h.time_zone IS NULL AND ?5)) \
   AND NOT EXISTS (SELECT 1 FROM phones p WHERE p.number = i.phone \
        AND (p.status IN ('invalid', 'disconnected') OR (p.voter_id = v.id AND p.status = 'wrong'))) \
   AND NOT EXISTS (SELECT 1 FROM dnc_active d WHERE d.scope = 'person' AND d.target = v.voter_id AND d.channel IN ('phone', 'all')) \
   AND NOT EXISTS (SELECT 1 FROM dnc_active d WHERE d.scope = 'phone' AND d.target = i.phone AND d.channel IN ('phone', 'all')) \
   AND NOT EXISTS (SELECT 1 FROM dnc_active d WHERE d.scope IN ('address', 'household') AND d.target = h.address_key AND d.channel IN ('phone', 'all')) \
   AND (NOT EXISTS (SELECT 1 FROM enrolment) OR EXISTS (SELECT 1 FROM registry_leases r \
        WHERE r.target = 'phone:' || i.phone AND r.mine = 1 AND r.expires_at > ?2))";

/// A call item that may be handed out, as the queue query reads it.
struct Candidate {
    item_id: i64,
    voter_id: String,
    name: String,
    phone: String,
    attempts: i64,
    callback_due: bool,
    zone: Option<String>,
    epoch: i64,
}

fn local_minutes(zone: &str, now: Timestamp) -> Option<(i64, String)> {
    let tz = TimeZone::get(zone).ok()?;
    let local = now.to_zoned(tz);
    let minutes = i64::from(local.hour()) * 60 + i64::from(local.minute());
    Some((
        minutes,
        format!("{:02}:{:02}", local.hour(), local.minute()),
    ))
}

/// Whether `now` is within calling hours in `zone`; an unknown zone never is.
pub fn within_calling_hours(zone: &str, now: Timestamp, rules: &CallListRules) -> bool {
    local_minutes(zone, now)
        .is_some_and(|(minutes, _)| minutes >= rules.calling_start && minutes < rules.calling_end)
}

impl Store {
    /// The next call for `caller` on list `list`, leased to them, or `None`
    /// when nothing may be called now.
    pub fn next_call(
        &mut self,
        list: i64,
        caller: &Caller,
        now: Timestamp,
    ) -> Result<Option<CallAssignment>, StoreError> {
        let tx = self.conn.transaction()?;
        let (rules, state, list_name): (CallListRules, String, String) = tx
            .query_row(
                "SELECT max_attempts, recycle_hours, calling_start, calling_end, state, name FROM call_lists WHERE id = ?1",
                params![list],
                |row| {
                    Ok((
                        CallListRules {
                            max_attempts: row.get(0)?,
                            recycle_hours: row.get(1)?,
                            calling_start: row.get(2)?,
                            calling_end: row.get(3)?,
                        },
                        row.get(4)?,
                        row.get(5)?,
                    ))
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no call list {list}")))?;
        match WorkState::parse(&state) {
            Some(WorkState::Open) => {}
            Some(WorkState::Closed) => {
                return Err(StoreError::Invalid(format!(
                    "call list {list_name:?} is closed; a coordinator can reopen it"
                )))
            }
            Some(WorkState::Deleted) | None => {
                return Err(StoreError::NotFound(format!("no call list {list}")))
            }
        }
        // Calling hours per time zone, worked out here (SQLite knows no
        // time zones). A voter with no known address (a withheld one) is
        // called only when every zone the importers assign is within hours.
        let open: Vec<&str> = US_TIME_ZONES
            .iter()
            .copied()
            .filter(|zone| within_calling_hours(zone, now, &rules))
            .collect();
        let unknown_open = open.len() == US_TIME_ZONES.len();
        let open_json =
            serde_json::to_string(&open).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let languages = caller.languages.join(",");
        let now_text = stamp(now);
        let recent = stamp(
            now.saturating_sub(SignedDuration::from_hours(rules.recycle_hours))
                .unwrap_or(now),
        );
        let arguments = params![
            list,
            now_text,
            open_json,
            languages,
            unknown_open,
            caller.name,
            recent
        ];
        let callback_arguments = &arguments[..6];
        let read = |row: &rusqlite::Row<'_>| {
            Ok(Candidate {
                item_id: row.get(0)?,
                voter_id: row.get(1)?,
                name: row.get(2)?,
                phone: row.get(3)?,
                attempts: row.get(4)?,
                callback_due: row.get(5)?,
                zone: row.get(6)?,
                epoch: row.get(7)?,
            })
        };
        // Due callbacks first (few, by due time); then the list in order,
        // walking the (list, position) index until an item passes, so the
        // cost does not grow with the list.
        let mut candidate: Option<Candidate> = tx
            .prepare_cached(&format!(
                "SELECT {CANDIDATE_COLUMNS}, 1, h.time_zone, i.lease_epoch {CANDIDATE_FROM} \
                 JOIN callbacks c ON c.call_item_id = i.id AND c.done = 0 AND c.due_at <= ?2 \
                 WHERE i.call_list_id = ?1 AND {ELIGIBLE} ORDER BY c.due_at, i.id LIMIT 1"
            ))?
            .query_row(callback_arguments, read)
            .optional()?;
        if candidate.is_none() {
            candidate = tx
                .prepare_cached(&format!(
                    "SELECT {CANDIDATE_COLUMNS}, 0, h.time_zone, i.lease_epoch {CANDIDATE_FROM} \
                     WHERE i.call_list_id = ?1 AND {ELIGIBLE} \
                     AND NOT EXISTS (SELECT 1 FROM contact_attempts a WHERE a.voter_id = v.id AND a.recorded_at > ?7) \
                     AND NOT EXISTS (SELECT 1 FROM callbacks c WHERE c.call_item_id = i.id AND c.done = 0) \
                     ORDER BY i.position, i.id LIMIT 1"
                ))?
                .query_row(arguments, read)
                .optional()?;
        }
        let Some(Candidate {
            item_id,
            voter_id,
            name,
            phone,
            attempts,
            callback_due,
            zone,
            epoch,
        }) = candidate
        else {
            return Ok(None);
        };
        let expires = stamp(
            now.saturating_add(SignedDuration::from_mins(LEASE_MINUTES))
                .unwrap_or(now),
        );
        let epoch = epoch + 1;
        tx.execute(
            "UPDATE call_items SET status = 'leased', leased_to = ?2, lease_expires_at = ?3, lease_epoch = ?4 WHERE id = ?1",
            params![item_id, caller.name, expires, epoch],
        )?;
        if callback_due {
            tx.execute(
                "UPDATE callbacks SET done = 1 WHERE call_item_id = ?1 AND done = 0 AND due_at <= ?2",
                params![item_id, now_text],
            )?;
        }
        let voter_row: i64 = tx.query_row(
            "SELECT voter_id FROM call_items WHERE id = ?1",
            params![item_id],
            |row| row.get(0),
        )?;
        let script = crate::script::for_work(
            &tx,
            groundgame_domain::work::WorkKind::CallList,
            list,
            voter_row,
            &caller.name,
        )?;
        tx.commit()?;
        let parsed = PhoneNumber::parse(&phone).ok();
        Ok(Some(CallAssignment {
            item_id,
            voter_id,
            name,
            phone_display: parsed
                .as_ref()
                .map_or_else(|| phone.clone(), PhoneNumber::display),
            tel: parsed
                .as_ref()
                .map_or_else(String::new, PhoneNumber::tel_uri),
            phone,
            attempts,
            callback_due,
            lease_expires_at: expires,
            lease_epoch: epoch,
            local_time: zone
                .and_then(|z| local_minutes(&z, now))
                .map_or_else(String::new, |(_, text)| text),
            script,
        }))
    }

    /// Gives a leased item back to the queue without a result (the caller
    /// skipped it or ended their session).
    pub fn release_call(&mut self, item_id: i64, caller: &Caller) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE call_items SET status = CASE WHEN attempts > 0 THEN 'attempted' ELSE 'available' END, \
             leased_to = NULL, lease_expires_at = NULL WHERE id = ?1 AND status = 'leased' AND leased_to = ?2",
            params![item_id, caller.name],
        )?;
        Ok(())
    }

    /// A list's calls in order, as (position, voter id, number): what every
    /// laptop of the office holds alike.
    pub fn call_list_calls(&self, list: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
        let calls = self
            .conn
            .prepare_cached(
                "SELECT i.position, v.voter_id, i.phone FROM call_items i JOIN voters v ON v.id = i.voter_id \
                 WHERE i.call_list_id = ?1 ORDER BY i.position, i.id",
            )?
            .query_map(params![list], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        Ok(calls)
    }

    /// The call lists and how much of each is left.
    pub fn call_lists(&self) -> Result<Vec<CallListSummary>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT l.id, l.name, coalesce(p.items, 0), coalesce(p.done, 0), coalesce(p.attempted, 0), \
                    l.uid, l.state \
             FROM call_lists l LEFT JOIN call_list_progress p ON p.call_list_id = l.id \
             WHERE l.state <> 'deleted' ORDER BY l.name",
        )?;
        let lists = statement
            .query_map([], |row| {
                Ok(CallListSummary {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    items: row.get(2)?,
                    done: row.get(3)?,
                    attempted: row.get(4)?,
                    uid: row.get(5)?,
                    state: work_state(row.get_ref(6)?.as_str()?)?,
                    assigned: Vec::new(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let assigned = crate::script::assignments(&self.conn, WorkKind::CallList)?;
        let mut lists = lists;
        for list in &mut lists {
            let key = list
                .uid
                .clone()
                .unwrap_or_else(|| format!("local:{}", list.id));
            list.assigned = assigned.get(&key).cloned().unwrap_or_default();
        }
        Ok(lists)
    }
}
