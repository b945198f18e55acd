use std::path::PathBuf;

/// What can go wrong with the local database, worded for the person who has
/// to do something about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the field-office database at {path}: {source}. Check that the folder exists and is writable")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot upgrade the database to schema version {version}: {source}. The database was left at the version before; please report this")]
    Migration {
        version: u32,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the database is at schema version {found}, newer than this app knows ({known}); install the newer groundgame that wrote it")]
    TooNew { found: u32, known: u32 },
    #[error("the demo office can only be generated into an empty database; this one already holds {voters} voters")]
    NotEmpty { voters: u64 },
    #[error(
        "wrong passphrase for this field office; check it and try again (it is case-sensitive)"
    )]
    WrongPassphrase,
    #[error("a passphrase needs at least {min} characters; a short sentence is easy to remember and hard to guess")]
    WeakPassphrase { min: usize },
    #[error("the database's key file: {0}")]
    KeyFile(String),
    #[error("the database {db} has no key file beside it ({key}); restore the key file from where the database came from")]
    MissingKeyFile { db: PathBuf, key: PathBuf },
    #[error("{db} cannot be read with its key file; the two do not belong together, or the database is damaged")]
    KeyMismatch { db: PathBuf },
    #[error("{0}")]
    NotFound(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("local data cannot be read: {0}; please report this")]
    Corrupt(String),
    #[error("local database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
