//! Turfs and walk lists.
//!
//! A walk list is ordered the way canvassers walk: street, then side of the
//! street (odd, even), then house number, then unit, with each household's
//! voters together.

use crate::search::format_address;
use crate::{Store, StoreError};
use groundgame_domain::office::{TurfSummary, WalkStop, WalkVoter};
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
    /// Cuts a turf; returns its id and how many households it holds.
    pub fn create_turf(&mut self, name: &str, spec: &TurfSpec) -> Result<(i64, u64), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO turfs (name, kind, criteria) VALUES (?1, ?2, ?3)",
            params![name, spec.kind(), spec.criteria()],
        )
        .map_err(|error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                StoreError::Invalid(format!("there is already a turf named {name:?}"))
            }
            _ => error.into(),
        })?;
        let turf = tx.last_insert_rowid();
        let select = "INSERT OR IGNORE INTO turf_households (turf_id, household_id) SELECT ?1, h.id FROM households h ";
        let added = match spec {
            TurfSpec::Precinct(code) => tx.execute(
                &format!("{select} WHERE h.precinct_code = ?2"),
                params![turf, code],
            )?,
            TurfSpec::Zip(zip) => {
                tx.execute(&format!("{select} WHERE h.zip = ?2"), params![turf, zip])?
            }
            TurfSpec::Street { street, city } => tx.execute(
                &format!(
                    "{select} WHERE h.street = upper(?2) AND (?3 IS NULL OR h.city = upper(?3))"
                ),
                params![turf, street, city],
            )?,
            TurfSpec::Households(ids) => {
                let mut added = 0;
                for id in ids {
                    added += tx.execute(&format!("{select} WHERE h.id = ?2"), params![turf, id])?;
                }
                added
            }
        };
        if added == 0 {
            return Err(StoreError::Invalid(format!(
                "no households match {} {}; nothing was created",
                spec.kind(),
                spec.criteria()
            )));
        }
        tx.commit()?;
        Ok((turf, added as u64))
    }

    pub fn turfs(&self) -> Result<Vec<TurfSummary>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT t.id, t.name, t.kind, \
                    (SELECT count(*) FROM turf_households th WHERE th.turf_id = t.id), \
                    (SELECT count(*) FROM turf_households th JOIN voters v ON v.household_id = th.household_id \
                     WHERE th.turf_id = t.id AND v.removed_at IS NULL), \
                    (SELECT count(DISTINCT a.household_id) FROM contact_attempts a WHERE a.turf_id = t.id) \
             FROM turfs t ORDER BY t.name",
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
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(turfs)
    }

    /// The turf's doors in walking order, each with its voters.
    pub fn walk_list(&self, turf: i64) -> Result<Vec<WalkStop>, StoreError> {
        // Do-not-walk addresses and the latest door results, each read once
        // for the whole turf rather than once per voter.
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
                 WHERE th.turf_id = ?1 GROUP BY a.voter_id",
            )?
            .query_map(params![turf], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut statement = self.conn.prepare_cached(
            "SELECT h.id, h.house_number, h.street, h.unit, h.inaccessible, h.address_key, \
                    v.voter_id, v.first_name, v.middle_name, v.last_name, v.suffix, \
                    ?2 - v.birth_year, v.party \
             FROM turf_households th \
             JOIN households h ON h.id = th.household_id \
             JOIN voters v ON v.household_id = h.id AND v.removed_at IS NULL AND v.confidential = 0 \
             WHERE th.turf_id = ?1 \
             ORDER BY h.street, coalesce(h.house_number, 0) % 2 DESC, h.house_number, h.unit, h.id, \
                      v.last_name, v.first_name, v.id",
        )?;
        // The year once, not a clock read per row.
        let year = i64::from(
            jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .year(),
        );
        let mut rows = statement.query(params![turf, year])?;
        let mut stops: Vec<WalkStop> = Vec::new();
        while let Some(row) = rows.next()? {
            let household_id: i64 = row.get(0)?;
            if stops
                .last()
                .is_none_or(|stop| stop.household_id != household_id)
            {
                let house_number: Option<i64> = row.get(1)?;
                let street: String = row.get(2)?;
                let unit: String = row.get(3)?;
                stops.push(WalkStop {
                    household_id,
                    address: format_address(house_number, Some(&street), Some(&unit)),
                    side: if house_number.unwrap_or(0) % 2 == 1 {
                        "odd"
                    } else {
                        "even"
                    }
                    .to_owned(),
                    street,
                    house_number,
                    unit,
                    inaccessible: row.get(4)?,
                    do_not_walk: do_not_walk.contains(row.get_ref(5)?.as_str().unwrap_or_default()),
                    voters: Vec::new(),
                });
            }
            let mut name = String::with_capacity(32);
            for column in 7..=10 {
                let part = row.get_ref(column)?.as_str().unwrap_or_default();
                if !part.is_empty() {
                    if !name.is_empty() {
                        name.push(' ');
                    }
                    name.push_str(part);
                }
            }
            let voter_id: String = row.get(6)?;
            let voter = WalkVoter {
                last_result: latest.get(&voter_id).cloned(),
                voter_id,
                name,
                age: row.get(11)?,
                party: row.get(12)?,
            };
            if let Some(stop) = stops.last_mut() {
                stop.voters.push(voter);
            }
        }
        Ok(stops)
    }
}
