//! The field office's local database.
//!
//! One SQLite file per laptop holds the office's slice of the voter file and
//! the work cut from it. Everything the app and the CLI show is read from
//! here, so every interactive action works offline.

mod demo;
mod demo_names;
mod error;
mod keyfile;
mod migrate;
mod search;

pub use demo::{DemoConfig, DemoSummary};
pub use error::StoreError;
pub use keyfile::{key_path, KdfParams, Passphrase};

use groundgame_domain::ipc::OfficeOverview;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// An open field-office database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
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
            .map_err(|source| StoreError::Open {
                path: path.clone().unwrap_or_else(|| PathBuf::from(":memory:")),
                source,
            })?;
        migrate::run(&mut conn)?;
        Ok(Self { conn, path })
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
}
