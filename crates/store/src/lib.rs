//! The field office's local database.
//!
//! One SQLite file per laptop holds the office's slice of the voter file and
//! the work cut from it. Everything the app and the CLI show is read from
//! here, so every interactive action works offline.

mod clock;
mod contact;
mod demo;
mod dnc;
mod enrolment;
mod error;
mod export;
mod import;
mod keyfile;
mod lease;
mod migrate;
mod outbox;
mod person;
mod queue;
mod rank;
mod results;
mod script;
mod search;
mod snapshot;
mod sync;
mod turf;
mod volunteer;
mod voter;
mod work;

pub use contact::NewContact;
pub use demo::{DemoConfig, DemoSummary};
pub use enrolment::EnrolmentRecord;
pub use error::StoreError;
pub use export::{CsvFile, ResultsImport, ResultsQuery};
pub use groundgame_domain::office::{
    CallAssignment, CallListSummary, ContactHistoryEntry, ContactOutcome, DncEntry, ImportProgress,
    ImportReport, SkippedLine, TurfSummary, VoterDetail, WalkStop, WalkVoter,
};
pub use groundgame_domain::segment::{SavedSegment, SegmentCounts, SegmentFilter};
pub use groundgame_domain::survey::{ScriptView, VolunteerView};
pub use groundgame_domain::work::{CallListRules, CutTurf, MadeCallList, WorkKind, WorkState};
pub use import::{ImportError, ImportOptions};
pub use keyfile::{change_passphrase, key_path, wipe, KdfParams, Passphrase};
pub use outbox::OutboxEntry;
pub use queue::{within_calling_hours, Caller, LEASE_MINUTES};
pub use results::{office_day, office_zone};
pub use script::STANDARD_SCRIPT;
pub use snapshot::SnapshotState;
pub use sync::{Applied, PullState};
pub use turf::TurfSpec;
pub use volunteer::VolunteerChange;
pub use voter::CORRECTABLE_FIELDS;

use groundgame_domain::ipc::OfficeOverview;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The connection's page cache, in KiB (SQLite's negative `cache_size`).
pub(crate) const PAGE_CACHE_KIB: i64 = -32_768;

/// An open field-office database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// The targeting index and when its parts were read (`work.rs`).
    targeting: Option<work::Targeted>,
    commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Bumped by every writer of the voter file's tables (`base_changed`).
    base_generation: u64,
    /// The volunteer signed in at this laptop (roster id): opt-outs,
    /// corrections and people added at a door are recorded in their name.
    acting: Option<String>,
}

impl Store {
    /// Opens the encrypted database at `path` with the user's passphrase,
    /// bringing its schema up to date. A new database (no file yet) gets a
    /// fresh random key, wrapped by the passphrase in `<path>.key`.
    pub fn open(path: &Path, passphrase: &Passphrase) -> Result<Self, StoreError> {
        Self::open_with(path, passphrase, KdfParams::default())
    }

    /// As `open`, with the key-derivation cost for a new database chosen by
    /// the caller (an existing key file keeps the cost it was made with).
    pub fn open_with(
        path: &Path,
        passphrase: &Passphrase,
        kdf: KdfParams,
    ) -> Result<Self, StoreError> {
        let key_file = key_path(path);
        let (key, new_key) = match (path.exists(), key_file.exists()) {
            (_, true) => (keyfile::unlock(&key_file, passphrase)?, false),
            (false, false) => (keyfile::create(&key_file, passphrase, kdf)?, true),
            (true, false) => {
                return Err(StoreError::MissingKeyFile {
                    db: path.to_owned(),
                    key: key_file,
                })
            }
        };
        let opened = Self::open_keyed(path, &key);
        if opened.is_err() && new_key {
            // A key file with no database beside it would make the next
            // attempt, with whatever passphrase, look like a wrong one.
            let _ = std::fs::remove_file(&key_file);
        }
        opened
    }

    fn open_keyed(path: &Path, key: &keyfile::DatabaseKey) -> Result<Self, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(open_error)?;
        // SQLCipher logs a failed key to stderr; the error below says it better.
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE");
        let pragma =
            zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\"", key.pragma_value().as_str()));
        conn.execute_batch(&pragma).map_err(open_error)?;
        // Before the first page is read.
        conn.pragma_update(
            None,
            "cipher_hmac_algorithm",
            key.page_hmac().pragma_value(),
        )
        .map_err(open_error)?;
        // The key is only checked when a page is read.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })
        .map_err(|error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => StoreError::KeyMismatch {
                db: path.to_owned(),
            },
            _ => open_error(error),
        })?;
        Self::prepare(conn, Some(path.to_owned()))
    }

    /// A database that lives only as long as the value; for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        Self::prepare(conn, None)
    }

    fn prepare(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, StoreError> {
        // WAL lets the CLI read while the app writes; NORMAL sync in WAL mode
        // still never corrupts the file, it only risks the last commit on a
        // power cut, which the outbox design accepts.
        conn.pragma_update(None, "journal_mode", "WAL")
            .and_then(|()| conn.pragma_update(None, "synchronous", "NORMAL"))
            .and_then(|()| conn.pragma_update(None, "foreign_keys", "ON"))
            // 32 MB of decrypted pages: every SQLCipher page read from disk
            // is decrypted, so repeated screens (a walk list, the next search
            // keystroke) should find their pages already in memory.
            .and_then(|()| conn.pragma_update(None, "cache_size", PAGE_CACHE_KIB))
            .map_err(|source| StoreError::Open {
                path: path.clone().unwrap_or_else(|| PathBuf::from(":memory:")),
                source,
            })?;
        migrate::run(&mut conn)?;
        seed_result_codes(&mut conn)?;
        let commits = work::watch_commits(&conn);
        Ok(Self {
            conn,
            path,
            targeting: None,
            commits,
            base_generation: 0,
            acting: None,
        })
    }

    /// Where the database lives, if on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version the database is at (the number of the newest
    /// migration applied).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        migrate::current_version(&self.conn)
    }

    /// True when no voter file has been loaded yet.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        let any: bool = self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM voters)", [], |row| row.get(0))?;
        Ok(!any)
    }

    /// The counts shown in the app's header and by `groundgame stats`.
    pub fn overview(&self) -> Result<OfficeOverview, StoreError> {
        let office_name: Option<String> = self
            .conn
            .query_row("SELECT name FROM office WHERE id = 1", [], |row| row.get(0))
            .map(Some)
            .or_else(|error| match error {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })?;
        let count = |table: &str| -> Result<u64, StoreError> {
            let n: i64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                        row.get(0)
                    })?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok(OfficeOverview {
            office_name: office_name.unwrap_or_else(|| "Unnamed field office".to_owned()),
            voters: count("voters")?,
            households: count("households")?,
            turfs: count("turfs")?,
            call_lists: count("call_lists")?,
        })
    }

    /// What `groundgame stats` reports.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let count = |sql: &str| -> Result<u64, StoreError> {
            let n: i64 = self.conn.query_row(sql, [], |row| row.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let overview = self.overview()?;
        // The overview counts every voter; the current ones are the rest.
        let voters_removed = count("SELECT count(*) FROM voters WHERE removed_at IS NOT NULL")?;
        Ok(Stats {
            office_name: overview.office_name,
            voters: overview.voters.saturating_sub(voters_removed),
            voters_removed,
            households: overview.households,
            phones: count("SELECT count(*) FROM phones")?,
            vote_history: count("SELECT count(*) FROM vote_history")?,
            contact_attempts: count("SELECT count(*) FROM contact_attempts")?,
            dnc_entries: count("SELECT count(*) FROM dnc_active")?,
            turfs: overview.turfs,
            call_lists: overview.call_lists,
            imports: count("SELECT count(*) FROM imports")?,
            pending_changes: self.pending_changes()?,
        })
    }
}

/// For the benchmark's baseline: a raw connection to an encrypted database,
/// keyed by the store's own key file. Not for application code, which goes
/// through `Store` so every change keeps its invariants.
#[cfg(feature = "bench-support")]
pub mod bench_support {
    use super::*;

    pub fn connection(path: &Path, passphrase: &Passphrase) -> Result<Connection, StoreError> {
        Ok(Store::open(path, passphrase)?.conn)
    }

    /// What a generated history of results is made of: every voter's id
    /// with the name of the turf their door is on (if any), and the names
    /// of the call lists.
    #[allow(clippy::type_complexity, reason = "a benchmark's fixture")]
    pub fn result_targets(
        store: &Store,
    ) -> Result<(Vec<(String, Option<String>)>, Vec<String>), StoreError> {
        let voters = store
            .conn
            .prepare(
                "SELECT v.voter_id, (SELECT t.name FROM turf_households th JOIN turfs t ON t.id = th.turf_id \
                 WHERE th.household_id = v.household_id AND t.state = 'open' LIMIT 1) \
                 FROM voters v WHERE v.removed_at IS NULL ORDER BY v.id",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let lists = store
            .conn
            .prepare("SELECT name FROM call_lists WHERE state = 'open' ORDER BY id")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok((voters, lists))
    }

    /// Applies attempts as a laptop applies those it pulls (the same code
    /// and the same triggers), in one transaction.
    pub fn apply_attempts(
        store: &mut Store,
        attempts: &[groundgame_domain::feed::FeedContact],
    ) -> Result<u64, StoreError> {
        let tx = store.conn.transaction()?;
        let mut applied = 0;
        for attempt in attempts {
            if crate::sync::apply_contact(&tx, attempt)? {
                applied += 1;
            }
        }
        tx.commit()?;
        Ok(applied)
    }
}

/// Counts of what the database holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    pub office_name: String,
    /// Voters in the current voter file (not removed by a newer snapshot).
    pub voters: u64,
    pub voters_removed: u64,
    pub households: u64,
    pub phones: u64,
    pub vote_history: u64,
    pub contact_attempts: u64,
    /// Do-not-contact entries in force.
    pub dnc_entries: u64,
    pub turfs: u64,
    pub call_lists: u64,
    pub imports: u64,
    /// Local changes not yet acknowledged by the registry.
    pub pending_changes: u64,
}

/// The result-code catalogue lives in `groundgame_domain`; the table mirrors
/// it so that SQL can join on a code's consequences.
fn seed_result_codes(conn: &mut Connection) -> Result<(), StoreError> {
    // One transaction: one commit at start-up, not one per code.
    let tx = conn.transaction()?;
    let mut statement = tx.prepare(
        // An upsert, never INSERT OR REPLACE: replacing deletes the row
        // first, and every attempt references its code, so each delete
        // would read every attempt the office holds to check the foreign
        // key (18 reads of 2,000,000 attempts took 20 s at every open).
        "INSERT INTO result_codes (slug, label, class, scope, effect, retry_after_hours, \
         needs_confirmation, door, phone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (slug) DO UPDATE SET label = excluded.label, class = excluded.class, \
             scope = excluded.scope, effect = excluded.effect, retry_after_hours = excluded.retry_after_hours, \
             needs_confirmation = excluded.needs_confirmation, door = excluded.door, phone = excluded.phone",
    )?;
    for code in groundgame_domain::contact::RESULT_CODES {
        let class =
            serde_json::to_value(code.class).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let effect =
            serde_json::to_string(&code.effect).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        statement.execute(rusqlite::params![
            code.slug,
            code.label,
            class.as_str().unwrap_or_default(),
            code.scope.slug(),
            effect,
            code.retry_after_hours,
            code.needs_confirmation,
            code.door,
            code.phone,
        ])?;
    }
    drop(statement);
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyfile::test_support::{passphrase, FAST};

    fn demo_on_disk(path: &Path, secret: &str) {
        let mut store = Store::open_with(path, &passphrase(secret), FAST).expect("create");
        store
            .generate_demo(&DemoConfig {
                voters: 300,
                ..DemoConfig::default()
            })
            .expect("demo");
    }

    #[test]
    fn the_database_file_shows_no_voter_data_in_clear() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db");
        demo_on_disk(&path, "correct horse");
        let mut bytes = std::fs::read(&path).expect("read db");
        // Anything still in the write-ahead log counts too.
        bytes.extend(std::fs::read(dir.path().join("office.db-wal")).unwrap_or_default());
        let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!contains(b"SQLite format 3"), "the file header is in clear");
        for needle in [&b"DM000001"[..], b"RIVERTON", b"MAIN ST", b"CREATE TABLE"] {
            assert!(
                !contains(needle),
                "{} is readable on disk",
                String::from_utf8_lossy(needle)
            );
        }
    }

    #[test]
    fn reopening_needs_the_same_passphrase() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db");
        demo_on_disk(&path, "correct horse");
        assert!(matches!(
            Store::open(&path, &passphrase("wrong horse")),
            Err(StoreError::WrongPassphrase)
        ));
        let store = Store::open(&path, &passphrase("correct horse")).expect("reopen");
        assert_eq!(store.overview().expect("overview").voters, 300);
    }

    #[test]
    fn a_database_without_its_key_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db");
        demo_on_disk(&path, "correct horse");
        std::fs::remove_file(key_path(&path)).expect("remove key");
        assert!(matches!(
            Store::open(&path, &passphrase("correct horse")),
            Err(StoreError::MissingKeyFile { .. })
        ));
    }

    #[test]
    fn another_databases_key_file_does_not_open_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = dir.path().join("first.db");
        let second = dir.path().join("second.db");
        demo_on_disk(&first, "correct horse");
        demo_on_disk(&second, "correct horse");
        std::fs::copy(key_path(&first), key_path(&second)).expect("swap key");
        assert!(matches!(
            Store::open(&second, &passphrase("correct horse")),
            Err(StoreError::KeyMismatch { .. })
        ));
    }

    /// Rewrites the key file's JSON: `format` and `page_hmac` as given.
    fn rewrite_key_file(path: &Path, format: u32, page_hmac: Option<&str>) {
        let key = key_path(path);
        let mut json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&key).expect("read key")).expect("json");
        json["format"] = format.into();
        match page_hmac {
            Some(name) => json["page_hmac"] = name.into(),
            None => {
                json.as_object_mut().expect("object").remove("page_hmac");
            }
        }
        std::fs::write(&key, serde_json::to_vec(&json).expect("json")).expect("write key");
    }

    #[test]
    fn a_format_1_key_file_keeps_its_sha512_pages() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("office.db");
        // A key file as the first release wrote it, then its database.
        drop(Store::open_with(
            &dir.path().join("scratch.db"),
            &passphrase("correct horse"),
            FAST,
        ));
        std::fs::copy(key_path(&dir.path().join("scratch.db")), key_path(&path)).expect("copy key");
        rewrite_key_file(&path, 1, None);
        demo_on_disk(&path, "correct horse");
        let store = Store::open(&path, &passphrase("correct horse")).expect("reopen");
        assert_eq!(store.overview().expect("overview").voters, 300);
        drop(store);
        // The page HMAC really is part of the key: the other one cannot read it.
        rewrite_key_file(&path, 2, Some("HMAC_SHA256"));
        assert!(matches!(
            Store::open(&path, &passphrase("correct horse")),
            Err(StoreError::KeyMismatch { .. })
        ));
        rewrite_key_file(&path, 2, Some("HMAC_SHA512"));
        Store::open(&path, &passphrase("correct horse")).expect("named explicitly");
        rewrite_key_file(&path, 2, Some("HMAC_MD5"));
        assert!(matches!(
            Store::open(&path, &passphrase("correct horse")),
            Err(StoreError::KeyFile(_))
        ));
    }
}
