//! Adding a person met at the door. The slice is searched first so that a
//! voter already on file is offered instead of a duplicate being created.

use crate::clock::stamp;
use crate::outbox::append;
use crate::search::{format_address, phone_search_terms};
use crate::{Store, StoreError};
use groundgame_domain::mutation::AddedVoter;
use groundgame_domain::office::{NewPerson, PersonMatch};
use groundgame_domain::{Mutation, PhoneNumber, VoterId};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};

/// Household of the voter `at_door_of`: (household id, address key).
fn door(store: &Store, at_door_of: &str) -> Result<(i64, String), StoreError> {
    store
        .conn
        .query_row(
            "SELECT h.id, h.address_key FROM voters v JOIN households h ON h.id = v.household_id \
             WHERE v.voter_id = ?1",
            params![at_door_of.trim().to_ascii_uppercase()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "no door for voter {at_door_of}; pick a voter at the door first"
            ))
        })
}

fn similar(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_uppercase(), b.to_uppercase());
    a == b
        || (a.len() >= 3 && b.starts_with(&a))
        || (b.len() >= 3 && a.starts_with(&b))
        || strsim::osa_distance(&a, &b) <= 1
}

impl Store {
    /// Voters already in the slice who may be this person: anyone at the same
    /// door with a similar first or last name, and anyone in the slice with
    /// the same last name and a similar first name (and birth year, if
    /// known). Best matches first.
    pub fn person_matches(&self, person: &NewPerson) -> Result<Vec<PersonMatch>, StoreError> {
        let (household, _) = door(self, &person.at_door_of)?;
        let last = person.last_name.trim().to_uppercase();
        let first = person.first_name.trim().to_uppercase();
        let mut statement = self.conn.prepare_cached(
            "SELECT v.voter_id, v.first_name, v.last_name, v.birth_year, v.household_id, \
                    h.house_number, h.street, h.unit, v.confidential \
             FROM voters v LEFT JOIN households h ON h.id = v.household_id \
             WHERE (v.household_id = ?1 OR v.last_name = ?2) AND v.removed_at IS NULL LIMIT 500",
        )?;
        let year_now = i64::from(Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).year());
        let mut matches: Vec<(i32, PersonMatch)> = Vec::new();
        let rows = statement.query_map(params![household, last], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<i32>>(3)?,
                row.get::<_, Option<i64>>(4)?,
                format_address(
                    row.get(5)?,
                    row.get::<_, Option<String>>(6)?.as_deref(),
                    row.get::<_, Option<String>>(7)?.as_deref(),
                ),
                row.get::<_, bool>(8)?,
            ))
        })?;
        for row in rows {
            let (
                voter_id,
                their_first,
                their_last,
                birth_year,
                their_household,
                address,
                confidential,
            ) = row?;
            let same_household = their_household == Some(household);
            let first_alike = !first.is_empty() && similar(&first, &their_first);
            let last_alike = similar(&last, &their_last);
            let year_alike = match (person.birth_year, birth_year) {
                (Some(a), Some(b)) => (a - b).abs() <= 1,
                _ => true,
            };
            let offered = if same_household {
                first_alike || (last_alike && year_alike)
            } else {
                first_alike && last_alike && year_alike
            };
            if !offered {
                continue;
            }
            let mut reasons = Vec::new();
            let mut score = 0;
            if same_household {
                reasons.push("lives at this door".to_owned());
                score += 3;
            }
            if first_alike && last_alike {
                reasons.push("same name".to_owned());
                score += 2;
            }
            if let (Some(_), Some(year)) = (person.birth_year, birth_year) {
                reasons.push(format!("born {year}"));
                score += 1;
            }
            matches.push((
                score,
                PersonMatch {
                    voter_id,
                    name: format!("{their_first} {their_last}").trim().to_owned(),
                    address: if confidential { String::new() } else { address },
                    age: birth_year.map(|y| year_now - i64::from(y)),
                    same_household,
                    reasons,
                },
            ));
        }
        matches.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.voter_id.cmp(&b.1.voter_id)));
        Ok(matches.into_iter().map(|(_, m)| m).take(20).collect())
    }

    /// Adds the person to the door's household as a new, locally added
    /// voter, and queues them for the registry. Call `person_matches` first
    /// and offer what it finds.
    pub fn add_person(
        &mut self,
        person: &NewPerson,
        now: Timestamp,
    ) -> Result<VoterId, StoreError> {
        self.base_changed();
        let last = person.last_name.trim().to_uppercase();
        let first = person.first_name.trim().to_uppercase();
        if last.is_empty() || first.is_empty() {
            return Err(StoreError::Invalid(
                "a new person needs a first and a last name".into(),
            ));
        }
        if let Some(year) = person.birth_year {
            if !(1900..=2010).contains(&year) {
                return Err(StoreError::Invalid(format!(
                    "birth year {year} is not a voter's"
                )));
            }
        }
        let phone = person
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .map(PhoneNumber::parse)
            .transpose()
            .map_err(|error| StoreError::Invalid(error.to_string()))?;
        let (household, address_key) = door(self, &person.at_door_of)?;
        // No state's ids start with "NEW-"; a UUIDv7 keeps devices apart.
        let unique = uuid::Uuid::now_v7().simple().to_string();
        let voter_id = VoterId::parse(&format!("NEW-{}", &unique[..28]))
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        let tx = self.conn.transaction()?;
        let added = AddedVoter {
            voter_id: voter_id.clone(),
            household_address_key: address_key,
            first_name: first.clone(),
            last_name: last.clone(),
            birth_year: person.birth_year,
            phone: phone.as_ref().map(|p| p.digits().to_owned()),
            recorded_at: stamp(now),
            volunteer: self.acting.clone(),
        };
        append(&tx, &Mutation::AddVoter(added), now)?;
        insert_door_voter(
            &tx,
            &voter_id,
            household,
            &first,
            &last,
            person.birth_year,
            phone.as_ref().map(PhoneNumber::digits),
        )?;
        tx.commit()?;
        Ok(voter_id)
    }
}

/// Writes someone met at a door into the slice and its search index: here
/// when added on this laptop, and when another device's addition arrives.
pub(crate) fn insert_door_voter(
    tx: &Transaction<'_>,
    voter_id: &VoterId,
    household: i64,
    first: &str,
    last: &str,
    birth_year: Option<i32>,
    phone: Option<&str>,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO voters (voter_id, household_id, last_name, first_name, birth_year, party, status, \
         source, added_locally) VALUES (?1, ?2, ?3, ?4, ?5, '', 'A', 'door', 1)",
        params![voter_id.as_str(), household, last, first, birth_year],
    )?;
    let row_id = tx.last_insert_rowid();
    let mut ids = voter_id.as_str().to_owned();
    if let Some(phone) = phone {
        tx.execute(
            "INSERT INTO phones (voter_id, number, kind, status, source) VALUES (?1, ?2, 'unknown', 'ok', 'door')",
            params![row_id, phone],
        )?;
        for term in phone_search_terms(phone) {
            ids.push(' ');
            ids.push_str(&term);
        }
    }
    tx.execute(
        "INSERT INTO voter_search (rowid, name, address, ids) \
         SELECT ?1, ?2, coalesce((SELECT address FROM voter_search WHERE rowid = \
             (SELECT id FROM voters WHERE household_id = ?3 AND id != ?1 LIMIT 1)), ''), ?4",
        params![row_id, format!("{first} {last}"), household, ids],
    )?;
    Ok(row_id)
}
