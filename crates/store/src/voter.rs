//! One voter in full (the detail screen), and corrections to their record.

use crate::clock::{new_id, stamp};
use crate::outbox::{append, audit};
use crate::search::format_address;
use crate::{Store, StoreError};
use groundgame_domain::mutation::VoterCorrection;
use groundgame_domain::office::{HouseholdMember, PhoneEntry, VoteEntry, VoterDetail};
use groundgame_domain::{Mutation, PhoneNumber, VoterId};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};

/// The fields a volunteer may correct, and the column each is kept in.
/// Identity fields go to the registry's review queue when they conflict.
pub const CORRECTABLE_FIELDS: &[&str] = &[
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "language",
    "best_time",
];

impl Store {
    pub fn voter_detail(&self, voter_id: &VoterId) -> Result<VoterDetail, StoreError> {
        let found = self
            .conn
            .query_row(
                "SELECT v.id, v.household_id, v.first_name, v.middle_name, v.last_name, v.suffix, v.confidential, \
                        h.house_number, h.street, h.unit, h.city, h.zip, v.party, v.status, \
                        CAST(strftime('%Y', 'now') AS INTEGER) - v.birth_year, v.registered_on, \
                        coalesce(h.precinct_code, ''), v.language, v.best_time, v.moved, v.deceased, \
                        v.removed_at IS NOT NULL, v.version \
                 FROM voters v LEFT JOIN households h ON h.id = v.household_id WHERE v.voter_id = ?1",
                params![voter_id.as_str()],
                |row| {
                    let confidential: bool = row.get(6)?;
                    let address = if confidential {
                        String::new()
                    } else {
                        format_address(row.get(7)?, row.get::<_, Option<String>>(8)?.as_deref(), row.get::<_, Option<String>>(9)?.as_deref())
                    };
                    let parts: [String; 4] = [row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?];
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, Option<i64>>(1)?,
                        VoterDetail {
                            voter_id: voter_id.as_str().to_owned(),
                            name: parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join(" "),
                            first_name: parts[0].clone(),
                            middle_name: parts[1].clone(),
                            last_name: parts[2].clone(),
                            suffix: parts[3].clone(),
                            address,
                            city: if confidential { String::new() } else { row.get::<_, Option<String>>(10)?.unwrap_or_default() },
                            zip: if confidential { String::new() } else { row.get::<_, Option<String>>(11)?.unwrap_or_default() },
                            confidential,
                            party: row.get(12)?,
                            status: row.get(13)?,
                            age: row.get(14)?,
                            registered_on: row.get(15)?,
                            precinct: row.get(16)?,
                            language: row.get(17)?,
                            best_time: row.get(18)?,
                            moved: row.get(19)?,
                            deceased: row.get(20)?,
                            removed: row.get(21)?,
                            version: row.get(22)?,
                            household: Vec::new(),
                            phones: Vec::new(),
                            votes: Vec::new(),
                            contacts: Vec::new(),
                            dnc: Vec::new(),
                        },
                    ))
                },
            )
            .optional()?;
        let (row_id, household, mut detail) = found.ok_or_else(|| {
            StoreError::NotFound(format!("no voter {voter_id} in this office's voter file"))
        })?;
        if let Some(household) = household {
            let mut members = self.conn.prepare_cached(
                "SELECT voter_id, trim(first_name || ' ' || last_name), \
                        CAST(strftime('%Y', 'now') AS INTEGER) - birth_year, party \
                 FROM voters WHERE household_id = ?1 AND id != ?2 AND removed_at IS NULL ORDER BY birth_year, id",
            )?;
            detail.household = members
                .query_map(params![household, row_id], |row| {
                    Ok(HouseholdMember {
                        voter_id: row.get(0)?,
                        name: row.get(1)?,
                        age: row.get(2)?,
                        party: row.get(3)?,
                    })
                })?
                .collect::<Result<_, _>>()?;
        }
        let mut phones = self.conn.prepare_cached(
            "SELECT number, status FROM phones WHERE voter_id = ?1 ORDER BY status != 'ok', id",
        )?;
        detail.phones = phones
            .query_map(params![row_id], |row| {
                let number: String = row.get(0)?;
                let parsed = PhoneNumber::parse(&number).ok();
                Ok(PhoneEntry {
                    display: parsed
                        .as_ref()
                        .map_or_else(|| number.clone(), PhoneNumber::display),
                    tel: parsed
                        .as_ref()
                        .map_or_else(String::new, PhoneNumber::tel_uri),
                    number,
                    status: row.get(1)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut votes = self.conn.prepare_cached(
            "SELECT election_date, election_type, method, party FROM vote_history WHERE voter_id = ?1 \
             ORDER BY election_date DESC",
        )?;
        detail.votes = votes
            .query_map(params![row_id], |row| {
                Ok(VoteEntry {
                    date: row.get(0)?,
                    kind: row.get(1)?,
                    method: row.get(2)?,
                    party: row.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        detail.contacts = self.contact_history(voter_id)?;
        detail.dnc = self.dnc_for_voter(voter_id.as_str())?;
        Ok(detail)
    }

    /// Corrects one field of a voter's record here and queues the correction
    /// for the registry, with the version it was made against.
    pub fn correct_voter_field(
        &mut self,
        voter_id: &VoterId,
        field: &str,
        value: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.base_changed();
        let Some(column) = CORRECTABLE_FIELDS.iter().find(|f| **f == field) else {
            return Err(StoreError::Invalid(format!(
                "{field:?} cannot be corrected here; the fields are {}",
                CORRECTABLE_FIELDS.join(", ")
            )));
        };
        let value = value.trim();
        let value = if matches!(*column, "language" | "best_time") {
            value.to_owned()
        } else {
            value.to_uppercase()
        };
        if *column == "last_name" && value.is_empty() {
            return Err(StoreError::Invalid("a last name cannot be blank".into()));
        }
        let tx = self.conn.transaction()?;
        let (row_id, version): (i64, i64) = tx
            .query_row(
                "SELECT id, version FROM voters WHERE voter_id = ?1",
                params![voter_id.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| {
                StoreError::NotFound(format!("no voter {voter_id} in this office's voter file"))
            })?;
        let correction = VoterCorrection {
            correction_id: new_id(),
            voter_id: voter_id.clone(),
            field: (*column).to_owned(),
            value: value.clone(),
            base_version: version,
            recorded_at: stamp(now),
            volunteer: self.acting.clone(),
        };
        append(&tx, &Mutation::CorrectVoterField(correction), now)?;
        // The column name comes from the fixed list above, never from input.
        tx.execute(
            &format!("UPDATE voters SET {column} = ?2, version = version + 1 WHERE id = ?1"),
            params![row_id, value],
        )?;
        if column.ends_with("name") || *column == "suffix" {
            refresh_search_name(&tx, row_id)?;
        }
        audit(
            &tx,
            now,
            "volunteer",
            "correct",
            &format!("{voter_id} {column} = {value:?}"),
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Search finds a voter by the name they have now.
pub(crate) fn refresh_search_name(tx: &Transaction<'_>, row_id: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE voter_search SET name = (SELECT trim(replace(first_name || ' ' || middle_name || ' ' || \
         last_name || ' ' || suffix, '  ', ' ')) FROM voters WHERE id = ?1) WHERE rowid = ?1",
        params![row_id],
    )?;
    Ok(())
}
