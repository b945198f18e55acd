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
        file: VoterFile,
        layout: &Layout,
        options: ImportOptions,
        now: Timestamp,
        progress: impl FnMut(ImportProgress),
    ) -> Result<ImportReport, ImportError> {
        self.base_changed();
        let fresh: bool =
            self.conn
                .query_row("SELECT NOT EXISTS (SELECT 1 FROM voters)", [], |row| {
                    row.get(0)
                })?;
        // Settings for a bulk load, each undone below whatever the outcome.
        // A bigger page cache: index inserts stop thrashing (bounded, so
        // memory does not grow with the file). No foreign-key checks: the
        // loader only links rows it has just written or looked up, and a
        // test checks the result with `PRAGMA foreign_key_check`.
        self.conn.pragma_update(None, "cache_size", -131_072)?;
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        // Into an empty office, a rollback journal writes each new page
        // once, where the write-ahead log writes it twice (log, then
        // checkpoint); new pages need no journal. Another connection
        // keeps WAL in place, which is only slower.
        let journal_switched = fresh
            && self
                .conn
                .pragma_update_and_check(None, "journal_mode", "TRUNCATE", |row| {
                    row.get::<_, String>(0)
                })
                .is_ok_and(|mode| mode.eq_ignore_ascii_case("truncate"));
        let outcome = self.import_in_transaction(file, layout, options, now, fresh, progress);
        let restored = self
            .conn
            .pragma_update(None, "foreign_keys", "ON")
            .and_then(|()| {
                self.conn
                    .pragma_update(None, "cache_size", crate::PAGE_CACHE_KIB)
            })
            .and_then(|()| {
                if journal_switched {
                    self.conn.pragma_update(None, "journal_mode", "WAL")
                } else {
                    Ok(())
                }
            });
        let report = outcome?;
        restored?;
        Ok(report)
    }

    fn import_in_transaction(
        &mut self,
        file: VoterFile,
        layout: &Layout,
        options: ImportOptions,
        now: Timestamp,
        fresh: bool,
        mut progress: impl FnMut(ImportProgress),
    ) -> Result<ImportReport, ImportError> {
        let mut report = ImportReport {
            file: file.path().display().to_string(),
            layout: layout.slug().to_owned(),
            encoding: file.encoding().to_owned(),
            warnings: file.warnings().to_vec(),
            ..ImportReport::default()
        };
        let tx = self.conn.transaction()?;
        // Loading into an empty office: build the secondary indexes once at
        // the end, from sorted data, instead of updating them row by row.
        // The unique indexes stay, since the load looks rows up by them.
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
        let path = file.path().to_owned();
        let mut last_progress = file.progress();
        // The file is read and each row prepared (decoded, split, hashed,
        // its search entry written out) on a second thread, while this one
        // writes the database: the two cores of a field-office laptop each
        // do half the work. The channel is bounded, so memory stays flat.
        std::thread::scope(|scope| -> Result<(), ImportError> {
            let (sender, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
            scope.spawn(move || read_ahead(file, sender));
            for batch in batches {
                for prepared in batch.rows {
                    report.rows += 1;
                    loader.row(prepared, &path, options, &mut report, &mut counties)?;
                }
                last_progress = batch.progress;
                progress(ImportProgress {
                    bytes_read: last_progress.0,
                    bytes_total: last_progress.1,
                    rows: report.rows,
                });
            }
            Ok(())
        })?;
        for (_, sql) in &deferred {
            tx.execute_batch(sql)?;
        }
        crate::search::refresh_words(&tx)?;
        // A fresh load has nobody to mark removed.
        if layout.has_voters() && !fresh {
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
        if !deferred.is_empty() {
            // Statistics for the query planner on the new indexes, from a
            // sample of each: exact counts of a county cost seconds and
            // plan no better.
            self.conn.execute_batch(
                "PRAGMA analysis_limit = 1000; ANALYZE; PRAGMA analysis_limit = 0;",
            )?;
        }
        progress(ImportProgress {
            bytes_read: last_progress.0,
            bytes_total: last_progress.1,
            rows: report.rows,
        });
        Ok(report)
    }
}

/// Rows read ahead of the database, with how far into the file they reach.
struct Batch {
    rows: Vec<Prepared>,
    progress: (u64, u64),
}

/// One line of the file, read and made ready to write.
struct Prepared {
    next: Result<(u64, Row), ReadError>,
    /// For a voter's line.
    derived: Option<Derived>,
}

/// What the database needs of a voter beyond the record itself, computed
/// on the reading thread.
struct Derived {
    address_key: String,
    content_hash: i64,
    /// The phone as stored, and whether it is usable.
    phone: Option<(String, &'static str)>,
    search: SearchEntry,
}

/// A voter's search entry: name, address (never a withheld one), ids and
/// phone numbers.
struct SearchEntry {
    name: String,
    address: String,
    ids: String,
}

impl Derived {
    fn of(voter: &VoterRecord) -> Self {
        let parsed = PhoneNumber::parse(&voter.phone).ok();
        let phone = if voter.phone.trim().is_empty() {
            None
        } else {
            Some(match &parsed {
                Some(phone) => (phone.digits().to_owned(), "ok"),
                None => (
                    voter.phone.chars().filter(char::is_ascii_digit).collect(),
                    "invalid",
                ),
            })
        };
        let name = crate::search::search_name(
            &voter.first_name,
            &voter.middle_name,
            &voter.last_name,
            &voter.suffix,
        );
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
        if let Some(phone) = &parsed {
            for term in phone_search_terms(phone.digits()) {
                ids.push(' ');
                ids.push_str(&term);
            }
        }
        Self {
            address_key: voter.address.key(),
            content_hash: voter.content_hash(),
            phone,
            search: SearchEntry { name, address, ids },
        }
    }
}

/// Reads the file in batches until it ends or the database side hangs up.
fn read_ahead(mut file: VoterFile, sender: std::sync::mpsc::SyncSender<Batch>) {
    const BATCH: usize = 1024;
    loop {
        let mut rows = Vec::with_capacity(BATCH);
        while rows.len() < BATCH {
            let Some(next) = file.next_row() else {
                break;
            };
            let derived = match &next {
                Ok((_, Row::Voter(voter, _))) => Some(Derived::of(voter)),
                _ => None,
            };
            rows.push(Prepared { next, derived });
        }
        let done = rows.len() < BATCH;
        if sender
            .send(Batch {
                rows,
                progress: file.progress(),
            })
            .is_err()
            || done
        {
            return;
        }
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
    /// Writes one prepared line, or records why it was skipped.
    fn row(
        &self,
        prepared: Prepared,
        path: &std::path::Path,
        options: ImportOptions,
        report: &mut ImportReport,
        counties: &mut BTreeSet<String>,
    ) -> Result<(), ImportError> {
        match (prepared.next, prepared.derived) {
            (Ok((line, Row::Voter(voter, votes))), Some(derived)) => {
                if !counties.contains(&voter.county) {
                    counties.insert(voter.county.clone());
                }
                let Some(row_id) = self.voter(&voter, &derived, report)? else {
                    let error = ReadError::Field {
                        file: path.to_owned(),
                        line,
                        column: "voter id".into(),
                        expected: "each voter once; this voter id is on an earlier line too".into(),
                        found: voter.voter_id.to_string(),
                    };
                    if options.skip_bad {
                        report.skipped.push(SkippedLine {
                            line,
                            error: error.to_string(),
                        });
                        return Ok(());
                    }
                    return Err(ImportError::Row(error));
                };
                for vote in &votes {
                    self.vote(row_id, vote)?;
                }
                report.voters += 1;
                report.votes += votes.len() as u64;
            }
            (Ok((line, Row::Voter(..))), None) => {
                // `read_ahead` derives every voter line; reaching here is a bug.
                return Err(ImportError::Store(StoreError::Corrupt(format!(
                    "line {line} was not prepared for loading"
                ))));
            }
            (Ok((_, Row::Votes(votes))), _) => {
                for vote in &votes {
                    match self.voter_row(vote)? {
                        Some(row_id) => {
                            self.vote(row_id, vote)?;
                            report.votes += 1;
                        }
                        None => report.votes_unmatched += 1,
                    }
                }
            }
            (Err(error), _) if options.skip_bad && error.is_row_error() => {
                report.skipped.push(SkippedLine {
                    line: error.line().unwrap_or(0),
                    error: error.to_string(),
                });
            }
            (Err(error), _) if error.is_row_error() => return Err(ImportError::Row(error)),
            (Err(error), _) => return Err(ImportError::File(error)),
        }
        Ok(())
    }

    fn household(&self, voter: &VoterRecord, key: &str) -> Result<Option<i64>, StoreError> {
        let address = &voter.address;
        if voter.confidential || address.is_empty() {
            return Ok(None);
        }
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
        derived: &Derived,
        report: &mut ImportReport,
    ) -> Result<Option<i64>, StoreError> {
        let household_id = self.household(voter, &derived.address_key)?;
        let hash = derived.content_hash;
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
            self.phone(row_id, derived)?;
            self.index(row_id, &derived.search, false)?;
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
        self.phone(row_id, derived)?;
        self.index(row_id, &derived.search, true)?;
        if moved {
            report.moved += 1;
        } else {
            report.changed += 1;
        }
        Ok(Some(row_id))
    }

    fn phone(&self, voter_row: i64, derived: &Derived) -> Result<(), StoreError> {
        let Some((number, status)) = &derived.phone else {
            return Ok(());
        };
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO phones (voter_id, number, kind, status, source) \
                 VALUES (?1, ?2, 'unknown', ?3, 'file')",
            )?
            .execute(params![voter_row, number, status])?;
        Ok(())
    }

    fn index(&self, row_id: i64, entry: &SearchEntry, replace: bool) -> Result<(), StoreError> {
        if replace {
            self.tx
                .prepare_cached("DELETE FROM voter_search WHERE rowid = ?1")?
                .execute(params![row_id])?;
        }
        self.tx
            .prepare_cached(
                "INSERT INTO voter_search (rowid, name, address, ids) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![row_id, entry.name, entry.address, entry.ids])?;
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
    use crate::keyfile::test_support::{passphrase, FAST};
    use groundgame_voterfile::generate::{self, Population};

    fn indexes(store: &Store) -> Vec<(String, String)> {
        store
            .conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .and_then(|mut s| s.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect())
            .expect("index list")
    }

    fn nc_file(population: &Population) -> Vec<u8> {
        let mut bytes = Vec::new();
        generate::write_nc_voter(population, "WAKE", &mut bytes).expect("generate");
        bytes
    }

    fn load(store: &mut Store, population: &Population) -> Result<ImportReport, ImportError> {
        load_bytes(store, nc_file(population))
    }

    fn load_bytes(store: &mut Store, bytes: Vec<u8>) -> Result<ImportReport, ImportError> {
        let total = bytes.len() as u64;
        let layout = Layout::NcVoter;
        let file = VoterFile::from_reader(
            std::path::Path::new("f.txt"),
            std::io::Cursor::new(bytes),
            total,
            &layout,
        )
        .expect("open");
        store.import(
            file,
            &layout,
            ImportOptions::default(),
            Timestamp::UNIX_EPOCH,
            |_| {},
        )
    }

    fn setting(store: &Store, pragma: &str) -> String {
        store
            .conn
            .query_row(&format!("PRAGMA {pragma}"), [], |row| {
                Ok(match row.get_ref(0)? {
                    rusqlite::types::ValueRef::Text(text) => String::from_utf8_lossy(text).into(),
                    other => format!("{other:?}"),
                })
            })
            .expect("pragma")
    }

    /// An encrypted office on disk (journal settings need a real file).
    fn on_disk() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_with(
            &dir.path().join("office.db"),
            &passphrase("correct horse"),
            FAST,
        )
        .expect("store");
        (dir, store)
    }

    const SETTINGS: [&str; 3] = ["journal_mode", "foreign_keys", "cache_size"];

    #[test]
    fn a_fresh_load_rebuilds_every_index_and_restores_its_settings() {
        let (dir, mut store) = on_disk();
        let before = indexes(&store);
        let settings = SETTINGS.map(|pragma| setting(&store, pragma));
        let report = load(&mut store, &Population::new(300)).expect("import");
        assert_eq!(report.new, 300);
        assert_eq!(indexes(&store), before);
        assert_eq!(SETTINGS.map(|pragma| setting(&store, pragma)), settings);
        assert_eq!(settings[0], "wal");
        // The load ran without foreign-key checks; every link must hold.
        let broken: i64 = store
            .conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })
            .expect("check");
        assert_eq!(broken, 0);
        // A second load is a diff, not a fresh load, and keeps the settings too.
        load(&mut store, &Population::new(300)).expect("re-import");
        assert_eq!(SETTINGS.map(|pragma| setting(&store, pragma)), settings);
        drop(store);
        Store::open(&dir.path().join("office.db"), &passphrase("correct horse")).expect("reopens");
    }

    #[test]
    fn a_failed_load_restores_the_settings_too() {
        let (_dir, mut store) = on_disk();
        // A good file with a short line at its end: the load fails late.
        let mut bytes = nc_file(&Population::new(50));
        bytes.extend_from_slice(b"\"1\"\t\"WAKE\"\n");
        let outcome = load_bytes(&mut store, bytes);
        assert!(matches!(outcome, Err(ImportError::Row(_))), "{outcome:?}");
        assert_eq!(store.overview().expect("overview").voters, 0);
        assert_eq!(setting(&store, "journal_mode"), "wal");
        assert_eq!(setting(&store, "foreign_keys"), "Integer(1)");
    }
}
