//! Loading a voter file into the office's database.
//!
//! One file is one transaction: a malformed row stops the import and nothing
//! from that file is kept, unless the caller asked to skip bad rows, in which
//! case every skipped line is reported. Importing a newer snapshot of a file
//! already imported is a diff (new, moved, changed, removed, unchanged);
//! voters are never deleted, so contact history, notes and do-not-contact
//! entries survive.

use crate::clock::stamp;
use crate::outbox::audit;
use crate::search::phone_search_terms;
use crate::{Store, StoreError};
use groundgame_domain::office::{ImportProgress, ImportReport, SkippedLine};
use groundgame_domain::PhoneNumber;
use groundgame_voterfile::{Layout, ReadError, Row, VoteRecord, VoterFile, VoterRecord};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import the good rows and report the bad ones, instead of stopping.
    pub skip_bad: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}\nnothing from this file was imported; fix the line, or run again with --skip-bad to import the other rows and list the bad ones")]
    Row(ReadError),
    #[error("{0}\nnothing from this file was imported")]
    File(ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for ImportError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Store(error.into())
    }
}

impl Store {
    /// Imports one opened voter file. `progress` is called every few
    /// thousand rows.
    pub fn import(
        &mut self,
        mut file: VoterFile,
        layout: &Layout,
        options: ImportOptions,
        now: Timestamp,
        mut progress: impl FnMut(ImportProgress),
    ) -> Result<ImportReport, ImportError> {
        let mut report = ImportReport {
            file: file.path().display().to_string(),
            layout: layout.slug().to_owned(),
            encoding: file.encoding().to_owned(),
            warnings: file.warnings().to_vec(),
            ..ImportReport::default()
        };
        // A bigger page cache while loading: index inserts stop thrashing.
        // Bounded, so memory does not grow with the file.
        self.conn.pragma_update(None, "cache_size", -131_072)?;
        let tx = self.conn.transaction()?;
        // Loading into an empty office: build the secondary indexes once at
        // the end, from sorted data, instead of updating them row by row.
        // The unique indexes stay, since the load looks rows up by them.
        let fresh: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM voters)", [], |row| {
            row.get(0)
        })?;
        let deferred: Vec<(String, String)> = if fresh && layout.has_voters() {
            let indexes = tx
                .prepare(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                     AND tbl_name IN ('voters', 'households', 'phones')",
                )?
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            for (name, _) in &indexes {
                tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
            }
            indexes
        } else {
            Vec::new()
        };
        tx.execute(
            "INSERT INTO imports (layout, file_name, started_at) VALUES (?1, ?2, ?3)",
            params![layout.slug(), report.file, stamp(now)],
        )?;
        let import_id = tx.last_insert_rowid();
        let mut counties = BTreeSet::new();
        let loader = Loader {
            tx: &tx,
            import_id,
            source: layout.slug(),
            fresh,
            precincts: Default::default(),
        };
        while let Some(next) = file.next_row() {
            report.rows += 1;
            match next {
                Ok((line, Row::Voter(voter, votes))) => {
                    counties.insert(voter.county.clone());
                    let Some(row_id) = loader.voter(&voter, &mut report)? else {
                        let error = ReadError::Field {
                            file: file.path().to_owned(),
                            line,
                            column: "voter id".into(),
                            expected: "each voter once; this voter id is on an earlier line too"
                                .into(),
                            found: voter.voter_id.to_string(),
                        };
                        if options.skip_bad {
                            report.skipped.push(SkippedLine {
                                line,
                                error: error.to_string(),
                            });
                            continue;
                        }
                        return Err(ImportError::Row(error));
                    };
                    for vote in &votes {
                        loader.vote(row_id, vote)?;
                    }
                    report.voters += 1;
                    report.votes += votes.len() as u64;
                }
                Ok((_, Row::Votes(votes))) => {
                    for vote in &votes {
                        match loader.voter_row(vote)? {
                            Some(row_id) => {
                                loader.vote(row_id, vote)?;
                                report.votes += 1;
                            }
                            None => report.votes_unmatched += 1,
                        }
                    }
                }
                Err(error) if options.skip_bad && error.is_row_error() => {
                    report.skipped.push(SkippedLine {
                        line: error.line().unwrap_or(0),
                        error: error.to_string(),
                    });
                }
                Err(error) if error.is_row_error() => return Err(ImportError::Row(error)),
                Err(error) => return Err(ImportError::File(error)),
            }
            if report.rows % 4096 == 0 {
                let (bytes_read, bytes_total) = file.progress();
                progress(ImportProgress {
                    bytes_read,
                    bytes_total,
                    rows: report.rows,
                });
            }
        }
        for (_, sql) in &deferred {
            tx.execute_batch(sql)?;
        }
        crate::search::refresh_words(&tx)?;
        if layout.has_voters() {
            for county in &counties {
                report.removed += tx.execute(
                    "UPDATE voters SET removed_at = ?1 WHERE source = ?2 AND county = ?3 \
                     AND last_import_id IS NOT ?4 AND removed_at IS NULL AND added_locally = 0",
                    params![stamp(now), layout.slug(), county, import_id],
                )? as u64;
            }
        }
        tx.execute(
            "UPDATE imports SET finished_at = ?2, rows = ?3, new = ?4, moved = ?5, changed = ?6, \
             removed = ?7, unchanged = ?8, skipped = ?9 WHERE id = ?1",
            params![
                import_id,
                stamp(now),
                report.rows,
                report.new,
                report.moved,
                report.changed,
                report.removed,
                report.unchanged,
                report.skipped.len() as u64
            ],
        )?;
        audit(
            &tx,
            now,
            "coordinator",
            "import",
            &format!(
                "{} ({}): {} rows, {} new, {} moved, {} changed, {} removed, {} skipped",
                report.file,
                report.layout,
                report.rows,
                report.new,
                report.moved,
                report.changed,
                report.removed,
                report.skipped.len()
            ),
        )?;
        tx.execute(
            "INSERT INTO office (id, name) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
            params![format!(
                "{} field office",
                counties.iter().next().map_or("New", String::as_str)
            )],
        )?;
        tx.commit()?;
        self.conn
            .pragma_update(None, "cache_size", crate::PAGE_CACHE_KIB)?;
        if !deferred.is_empty() {
            // Fresh statistics for the query planner on the new indexes.
            self.conn.execute_batch("ANALYZE")?;
        }
        let (bytes_read, bytes_total) = file.progress();
        progress(ImportProgress {
            bytes_read,
            bytes_total,
            rows: report.rows,
        });
        Ok(report)
    }
}

/// A voter already in the office: row id, household, content hash, when
/// removed, and the import that last saw them.
type Existing = (i64, Option<i64>, i64, Option<String>, Option<i64>);

struct Loader<'a> {
    tx: &'a Transaction<'a>,
    import_id: i64,
    source: &'static str,
    /// The office had no voters: nothing to diff against.
    fresh: bool,
    /// Precincts already written by this import (a county has hundreds).
    precincts: std::cell::RefCell<std::collections::HashSet<String>>,
}

impl Loader<'_> {
    fn household(&self, voter: &VoterRecord) -> Result<Option<i64>, StoreError> {
        let address = &voter.address;
        if voter.confidential || address.is_empty() {
            return Ok(None);
        }
        let key = address.key();
        let existing: Option<i64> = self
            .tx
            .prepare_cached("SELECT id FROM households WHERE address_key = ?1")?
            .query_row(params![key], |row| row.get(0))
            .optional()?;
        if let Some(id) = existing {
            return Ok(Some(id));
        }
        // Each precinct is written once per file, not once per household.
        if !voter.precinct_code.is_empty()
            && self
                .precincts
                .borrow_mut()
                .insert(voter.precinct_code.clone())
        {
            self.tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO precincts (code, name, county) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![
                    voter.precinct_code,
                    voter.precinct_name,
                    voter.county
                ])?;
        }
        let street = if address.number_suffix.is_empty() {
            address.street.clone()
        } else {
            // `1/2` and `B` belong to the number, but the walk order sorts
            // on the street and number; keep them visible on the street line.
            format!("{} {}", address.number_suffix, address.street)
        };
        self.tx
            .prepare_cached(
                "INSERT INTO households (address_key, house_number, street, unit, city, state, zip, \
                 precinct_code, time_zone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                key,
                address.house_number,
                street,
                address.unit,
                address.city,
                address.state,
                address.zip,
                (!voter.precinct_code.is_empty()).then_some(&voter.precinct_code),
                voter.time_zone,
            ])?;
        Ok(Some(self.tx.last_insert_rowid()))
    }

    /// Inserts or updates one voter and counts what kind of change it was;
    /// `None` when the file has already given this voter.
    fn voter(
        &self,
        voter: &VoterRecord,
        report: &mut ImportReport,
    ) -> Result<Option<i64>, StoreError> {
        let household_id = self.household(voter)?;
        let hash = voter.content_hash();
        // A fresh load has nothing to compare with; the unique index still
        // catches a voter given twice.
        let existing: Option<Existing> = if self.fresh {
            None
        } else {
            self.tx
                .prepare_cached(
                    "SELECT id, household_id, content_hash, removed_at, last_import_id FROM voters WHERE voter_id = ?1",
                )?
                .query_row(params![voter.voter_id.as_str()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
                })
                .optional()?
        };
        if existing
            .as_ref()
            .is_some_and(|e| e.4 == Some(self.import_id))
        {
            return Ok(None);
        }
        // One list of values for both the insert and the update, numbered
        // the same in both statements.
        let fields = params![
            voter.voter_id.as_str(),
            household_id,
            voter.last_name,
            voter.first_name,
            voter.middle_name,
            voter.suffix,
            voter.birth_year,
            voter.gender,
            voter.party,
            voter.status,
            voter.registered_on,
            voter.confidential,
            self.source,
            voter.county,
            hash,
            self.import_id,
            voter.cong_district,
            voter.senate_district,
            voter.house_district,
            voter.municipality,
        ];
        let Some((row_id, old_household, old_hash, removed_at, _)) = existing else {
            let inserted = self
                .tx
                .prepare_cached(
                    "INSERT INTO voters (voter_id, household_id, last_name, first_name, middle_name, \
                     suffix, birth_year, gender, party, status, registered_on, confidential, source, \
                     county, content_hash, last_import_id, cong_district, senate_district, \
                     house_district, municipality) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
                     ?17, ?18, ?19, ?20)",
                )?
                .execute(fields)
                .map(Some)
                .or_else(|error| match error.sqlite_error_code() {
                    // Given twice in a fresh load: the unique index says so.
                    Some(rusqlite::ErrorCode::ConstraintViolation) if self.fresh => Ok(None),
                    _ => Err(error),
                })?;
            if inserted.is_none() {
                return Ok(None);
            }
            let row_id = self.tx.last_insert_rowid();
            self.phone(row_id, &voter.phone)?;
            self.index(row_id, voter, false)?;
            report.new += 1;
            return Ok(Some(row_id));
        };
        let moved = old_household != household_id;
        let changed = old_hash != hash || removed_at.is_some();
        if !moved && !changed {
            self.tx
                .prepare_cached("UPDATE voters SET last_import_id = ?2 WHERE id = ?1")?
                .execute(params![row_id, self.import_id])?;
            report.unchanged += 1;
            return Ok(Some(row_id));
        }
        self.tx
            .prepare_cached(
                "UPDATE voters SET household_id = ?2, last_name = ?3, first_name = ?4, middle_name = ?5, \
                 suffix = ?6, birth_year = ?7, gender = ?8, party = ?9, status = ?10, registered_on = ?11, \
                 confidential = ?12, source = ?13, county = ?14, content_hash = ?15, last_import_id = ?16, \
                 cong_district = ?17, senate_district = ?18, house_district = ?19, municipality = ?20, \
                 removed_at = NULL, version = version + 1 WHERE voter_id = ?1",
            )?
            .execute(fields)?;
        self.phone(row_id, &voter.phone)?;
        self.index(row_id, voter, true)?;
        if moved {
            report.moved += 1;
        } else {
            report.changed += 1;
        }
        Ok(Some(row_id))
    }

    fn phone(&self, voter_row: i64, raw: &str) -> Result<(), StoreError> {
        if raw.trim().is_empty() {
            return Ok(());
        }
        let (number, status) = match PhoneNumber::parse(raw) {
            Ok(phone) => (phone.digits().to_owned(), "ok"),
            Err(_) => (
                raw.chars().filter(char::is_ascii_digit).collect(),
                "invalid",
            ),
        };
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO phones (voter_id, number, kind, status, source) \
                 VALUES (?1, ?2, 'unknown', ?3, 'file')",
            )?
            .execute(params![voter_row, number, status])?;
        Ok(())
    }

    /// The voter's search entry: name, address (never a withheld one), ids
    /// and phone numbers.
    fn index(&self, row_id: i64, voter: &VoterRecord, replace: bool) -> Result<(), StoreError> {
        if replace {
            self.tx
                .prepare_cached("DELETE FROM voter_search WHERE rowid = ?1")?
                .execute(params![row_id])?;
        }
        let name = [
            &voter.first_name,
            &voter.middle_name,
            &voter.last_name,
            &voter.suffix,
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ");
        let address = if voter.confidential {
            String::new()
        } else {
            format!(
                "{} {} {}",
                voter.address.street_line(),
                voter.address.city,
                voter.address.zip
            )
        };
        let mut ids = voter.voter_id.as_str().to_owned();
        if !voter.registration_number.is_empty() {
            ids.push(' ');
            ids.push_str(&voter.registration_number);
        }
        if let Ok(phone) = PhoneNumber::parse(&voter.phone) {
            for term in phone_search_terms(phone.digits()) {
                ids.push(' ');
                ids.push_str(&term);
            }
        }
        self.tx
            .prepare_cached(
                "INSERT INTO voter_search (rowid, name, address, ids) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![row_id, name, address, ids])?;
        Ok(())
    }

    fn voter_row(&self, vote: &VoteRecord) -> Result<Option<i64>, StoreError> {
        Ok(self
            .tx
            .prepare_cached("SELECT id FROM voters WHERE voter_id = ?1")?
            .query_row(params![vote.voter_id.as_str()], |row| row.get(0))
            .optional()?)
    }

    fn vote(&self, voter_row: i64, vote: &VoteRecord) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO vote_history (voter_id, election_date, election_type, \
                 election_desc, method, party) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                voter_row,
                vote.election_date,
                vote.election_type,
                vote.election_desc,
                vote.method,
                vote.party
            ])?;
        Ok(())
    }
}

impl Store {
    /// Saves a column mapping under its name, so an office can reuse it.
    pub fn save_mapping(
        &mut self,
        mapping: &groundgame_voterfile::Mapping,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let definition = serde_json::to_string_pretty(mapping)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO import_mappings (name, definition, saved_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, saved_at = excluded.saved_at",
            params![mapping.name, definition, stamp(now)],
        )?;
        Ok(())
    }

    /// A mapping saved earlier, by name.
    pub fn saved_mapping(
        &self,
        name: &str,
    ) -> Result<Option<groundgame_voterfile::Mapping>, StoreError> {
        let definition: Option<String> = self
            .conn
            .query_row(
                "SELECT definition FROM import_mappings WHERE name = ?1",
                params![name],
                |row| row.get(0),
            )
            .optional()?;
        definition
            .map(|text| {
                groundgame_voterfile::Mapping::from_json(&text)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use groundgame_voterfile::generate::{self, Population};

    fn indexes(store: &Store) -> Vec<(String, String)> {
        store
            .conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .and_then(|mut s| s.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect())
            .expect("index list")
    }

    #[test]
    fn a_fresh_load_rebuilds_every_index_it_set_aside() {
        let mut store = Store::open_in_memory().expect("store");
        let before = indexes(&store);
        let mut bytes = Vec::new();
        generate::write_nc_voter(&Population::new(100), "WAKE", &mut bytes).expect("generate");
        let total = bytes.len() as u64;
        let layout = Layout::NcVoter;
        let file = VoterFile::from_reader(
            std::path::Path::new("f.txt"),
            std::io::Cursor::new(bytes),
            total,
            &layout,
        )
        .expect("open");
        store
            .import(
                file,
                &layout,
                ImportOptions::default(),
                Timestamp::UNIX_EPOCH,
                |_| {},
            )
            .expect("import");
        assert_eq!(indexes(&store), before);
    }
}
