//! Turfs and walk lists.
//!
//! A walk list is ordered the way canvassers walk (the domain's
//! `work::walk_cmp`: street, hundred-block, up the odd side and back down
//! the even side), with each household's voters together.

use crate::clock::{new_id, stamp};
use crate::search::format_address;
use crate::{Store, StoreError};
use groundgame_domain::mutation::MutationKind;
use groundgame_domain::office::{TurfSummary, WalkPage, WalkStop, WalkVoter};
use groundgame_domain::work::{TurfRecord, WorkKind, WorkState, TURF_DOORS_MAX};
use groundgame_domain::Mutation;
use rusqlite::params;

/// How a turf is cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurfSpec {
    Precinct(String),
    Zip(String),
    /// A street, in one city or every city.
    Street {
        street: String,
        city: Option<String>,
    },
    /// Households picked by hand, by id.
    Households(Vec<i64>),
}

impl TurfSpec {
    fn kind(&self) -> &'static str {
        match self {
            Self::Precinct(_) => "precinct",
            Self::Zip(_) => "zip",
            Self::Street { .. } => "street",
            Self::Households(_) => "hand-picked",
        }
    }

    fn criteria(&self) -> String {
        match self {
            Self::Precinct(code) => code.clone(),
            Self::Zip(zip) => zip.clone(),
            Self::Street { street, city } => format!("{street}|{}", city.as_deref().unwrap_or("")),
            Self::Households(ids) => format!("{} households", ids.len()),
        }
    }
}

impl Store {
    /// Makes a turf by hand (a precinct, a zip, a street, or households
    /// picked one by one), numbered in walking order, and sends it to the
    /// office's other laptops; returns its id and how many doors it holds.
    pub fn create_turf(&mut self, name: &str, spec: &TurfSpec) -> Result<(i64, u64), StoreError> {
        let now = jiff::Timestamp::now();
        let tx = self.conn.transaction()?;
        crate::outbox::check_role(&tx, MutationKind::CreateTurf)?;
        let select = "SELECT h.id FROM households h ";
        let ids: Vec<i64> = match spec {
            TurfSpec::Precinct(code) => tx
                .prepare(&format!("{select} WHERE h.precinct_code = ?1"))?
                .query_map(params![code], |row| row.get(0))?
                .collect::<Result<_, _>>()?,
            TurfSpec::Zip(zip) => tx
                .prepare(&format!("{select} WHERE h.zip = ?1"))?
                .query_map(params![zip], |row| row.get(0))?
                .collect::<Result<_, _>>()?,
            TurfSpec::Street { street, city } => tx
                .prepare(&format!(
                    "{select} WHERE h.street = upper(?1) AND (?2 IS NULL OR h.city = upper(?2))"
                ))?
                .query_map(params![street, city], |row| row.get(0))?
                .collect::<Result<_, _>>()?,
            TurfSpec::Households(ids) => {
                let mut unique = ids.clone();
                unique.sort_unstable();
                unique.dedup();
                unique
            }
        };
        let (households, keys) = crate::work::walking(&tx, &ids)?;
        if households.is_empty() {
            return Err(StoreError::Invalid(format!(
                "no households match {} {}; nothing was created",
                spec.kind(),
                spec.criteria()
            )));
        }
        if households.len() > TURF_DOORS_MAX {
            return Err(StoreError::Invalid(format!(
                "{} {} has {} doors; a turf holds at most {TURF_DOORS_MAX}: cut it into turfs from a segment instead",
                spec.kind(),
                spec.criteria(),
                households.len()
            )));
        }
        let precincts: std::collections::BTreeSet<Option<String>> = {
            let mut statement =
                tx.prepare_cached("SELECT precinct_code FROM households WHERE id = ?1")?;
            households
                .iter()
                .map(|id| statement.query_row(params![id], |row| row.get(0)))
                .collect::<Result<_, _>>()?
        };
        let record = TurfRecord {
            turf_id: new_id(),
            name: name.trim().to_owned(),
            precinct: match precincts.len() {
                1 => precincts.into_iter().next().flatten(),
                _ => None,
            },
            method: spec.kind().to_owned(),
            segment: None,
            doors: keys,
            recorded_at: stamp(now),
        };
        let turf = crate::work::insert_turf(&tx, &record, WorkState::Open, &households)?;
        let mutation = Mutation::CreateTurf(record);
        crate::work::check_size(&mutation)?;
        crate::outbox::append(&tx, &mutation, now)?;
        tx.commit()?;
        Ok((turf, households.len() as u64))
    }

    /// Every turf with its progress, days counted on the office's calendar
    /// ([`crate::office_zone`]).
    pub fn turfs(&self) -> Result<Vec<TurfSummary>, StoreError> {
        self.turfs_on(&crate::office_zone())
    }

    /// Every turf with its progress: a door counts as knocked unless only a
    /// quarantined batch (a volunteer's day on the calendar of `zone`)
    /// knocked it, as on the dashboard.
    pub fn turfs_on(&self, zone: &jiff::tz::TimeZone) -> Result<Vec<TurfSummary>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT t.id, t.name, t.kind, coalesce(p.doors, 0), \
                    (SELECT count(*) FROM turf_households th JOIN voters v ON v.household_id = th.household_id \
                     WHERE th.turf_id = t.id AND v.removed_at IS NULL), \
                    coalesce(p.knocked, 0), t.uid, t.precinct_code, t.state \
             FROM turfs t LEFT JOIN turf_progress p ON p.turf_id = t.id \
             WHERE t.state <> 'deleted' ORDER BY t.name",
        )?;
        let turfs = statement
            .query_map([], |row| {
                Ok(TurfSummary {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    kind: row.get(2)?,
                    households: row.get(3)?,
                    voters: row.get(4)?,
                    knocked: row.get(5)?,
                    uid: row.get(6)?,
                    precinct: row.get(7)?,
                    state: crate::queue::work_state(row.get_ref(8)?.as_str()?)?,
                    hold: None,
                    assigned: Vec::new(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut turfs = turfs;
        let left_out = crate::results::knocks_left_out(&self.conn, zone)?;
        for turf in &mut turfs {
            let out = left_out.get(&turf.id).copied().unwrap_or(0);
            turf.knocked = turf
                .knocked
                .saturating_sub(i64::try_from(out).unwrap_or(i64::MAX));
        }
        let assigned = crate::script::assignments(&self.conn, WorkKind::Turf)?;
        for turf in &mut turfs {
            let key = turf
                .uid
                .clone()
                .unwrap_or_else(|| format!("local:{}", turf.id));
            turf.assigned = assigned.get(&key).cloned().unwrap_or_default();
        }
        let any_door_leases: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM registry_leases WHERE target >= 'household:' AND target < 'household;')",
            [],
            |row| row.get(0),
        )?;
        if any_door_leases {
            let now = jiff::Timestamp::now();
            for turf in &mut turfs {
                turf.hold = self.turf_hold(turf.id, now)?;
            }
        }
        Ok(turfs)
    }

    /// The turf's doors in walking order, each with its voters: the whole
    /// list, as printed.
    pub fn walk_list(&self, turf: i64) -> Result<Vec<WalkStop>, StoreError> {
        self.walk_doors(turf, 0, i64::MAX)
    }

    /// `doors` of the turf's doors in walking order, after the first `from`:
    /// what a screen shows, so opening a precinct-sized turf stays instant.
    pub fn walk_page(&self, turf: i64, from: u32, doors: u32) -> Result<WalkPage, StoreError> {
        let total_doors: u32 = self.conn.query_row(
            "SELECT count(*) FROM turf_households WHERE turf_id = ?1",
            params![turf],
            |row| row.get(0),
        )?;
        let until = from.saturating_add(doors);
        Ok(WalkPage {
            stops: self.walk_doors(turf, i64::from(from), i64::from(until))?,
            total_doors,
            next_from: (until < total_doors).then_some(until),
            script: None,
        })
    }

    /// The doors numbered after `after` up to `until`, in walking order.
    fn walk_doors(&self, turf: i64, after: i64, until: i64) -> Result<Vec<WalkStop>, StoreError> {
        // Do-not-walk addresses and the latest door results, each read once
        // for the whole page rather than once per voter.
        let do_not_walk: std::collections::HashSet<String> = self
            .conn
            .prepare_cached(
                "SELECT target FROM dnc_active WHERE scope IN ('address', 'household') \
                 AND channel IN ('door', 'all')",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let latest: std::collections::HashMap<String, String> = self
            .conn
            .prepare_cached(
                "SELECT v.voter_id, a.result, max(a.recorded_at || a.hlc) FROM turf_households th \
                 JOIN contact_attempts a ON a.household_id = th.household_id AND a.channel = 'door' \
                 JOIN voters v ON v.id = a.voter_id \
                 WHERE th.turf_id = ?1 AND th.walk_seq > ?2 AND th.walk_seq <= ?3 \
                 GROUP BY a.voter_id",
            )?
            .query_map(params![turf, after, until], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        // The year once, not a clock read per row.
        let year = i64::from(
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .year(),
        );
        // Doors come in walking order from the turf's own index (numbered
        // when it was cut); only each door's few voters are sorted here.
        let mut statement = self.conn.prepare_cached(
            "SELECT h.id, h.house_number, h.street, h.unit, h.inaccessible, h.address_key, \
                    v.id, v.last_name, v.first_name, v.voter_id, v.middle_name, v.suffix, \
                    ?2 - v.birth_year, v.party \
             FROM turf_households th \
             JOIN households h ON h.id = th.household_id \
             JOIN voters v ON v.household_id = h.id AND v.removed_at IS NULL AND v.confidential = 0 \
             WHERE th.turf_id = ?1 AND th.walk_seq > ?3 AND th.walk_seq <= ?4 \
             ORDER BY th.walk_seq",
        )?;
        let mut stops: Vec<WalkStop> = Vec::new();
        // The current door's voters with their sort keys (last name, first
        // name, row id).
        let mut door: Vec<(String, String, i64, WalkVoter)> = Vec::new();
        let mut rows = statement.query(params![turf, year, after, until])?;
        while let Some(row) = rows.next()? {
            let text = |column: usize| -> rusqlite::Result<&str> {
                Ok(row.get_ref(column)?.as_str().unwrap_or_default())
            };
            let household_id: i64 = row.get(0)?;
            if stops
                .last()
                .is_none_or(|stop| stop.household_id != household_id)
            {
                finish_door(stops.last_mut(), &mut door);
                let house_number: Option<i64> = row.get(1)?;
                let (street, unit) = (text(2)?, text(3)?);
                stops.push(WalkStop {
                    household_id,
                    address: format_address(house_number, Some(street), Some(unit)),
                    side: if house_number.unwrap_or(0) % 2 == 1 {
                        "odd"
                    } else {
                        "even"
                    }
                    .to_owned(),
                    street: street.to_owned(),
                    house_number,
                    unit: unit.to_owned(),
                    inaccessible: row.get(4)?,
                    do_not_walk: do_not_walk.contains(text(5)?),
                    voters: Vec::new(),
                });
            }
            let (last, first) = (text(7)?, text(8)?);
            let mut name = String::with_capacity(first.len() + last.len() + 16);
            for part in [first, text(10)?, last, text(11)?] {
                if !part.is_empty() {
                    if !name.is_empty() {
                        name.push(' ');
                    }
                    name.push_str(part);
                }
            }
            let voter_id = text(9)?;
            let voter = WalkVoter {
                last_result: latest.get(voter_id).cloned(),
                voter_id: voter_id.to_owned(),
                name,
                age: row.get(12)?,
                party: text(13)?.to_owned(),
            };
            door.push((last.to_owned(), first.to_owned(), row.get(6)?, voter));
        }
        finish_door(stops.last_mut(), &mut door);
        Ok(stops)
    }
}

/// Hands a door its voters, by last name, first name, then row id.
fn finish_door(stop: Option<&mut WalkStop>, door: &mut Vec<(String, String, i64, WalkVoter)>) {
    door.sort_unstable_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
    if let Some(stop) = stop {
        stop.voters = door.drain(..).map(|(.., voter)| voter).collect();
    }
    door.clear();
}
