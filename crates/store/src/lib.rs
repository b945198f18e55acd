//! The field office's local database.
//!
//! One SQLite file per laptop holds the office's slice of the voter file and
//! the work cut from it. Everything the app and the CLI show is read from
//! here, so every interactive action works offline.

mod demo;
mod demo_names;
mod error;
mod migrate;
mod search;

pub use demo::{DemoConfig, DemoSummary};
pub use error::StoreError;

use groundgame_domain::ipc::OfficeOverview;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// An open field-office database.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens the database at `path`, creating it if it does not exist, and
    /// brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
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
