//! Backup to object storage: `admin backup`, `admin backup --list` and
//! `admin restore`.
//!
//! A backup is every table of the registry's database (but the rollups
//! triggers derive from them, [`DERIVED_TABLES`]) read in one
//! repeatable-read transaction (one snapshot), as PostgreSQL's COPY text,
//! compressed and sealed under the operator's passphrase ([`format`]) and
//! streamed to an S3-compatible store as a multipart upload, so a county's
//! campaign never sits whole in memory. Two objects per backup, under the
//! prefix: `NAME.ggbackup`, the sealed file, and `NAME.json`, its manifest
//! in clear (when, how big, its SHA-256, rows per table; no voter data),
//! written last: a backup without a manifest never finished.
//!
//! A restore goes into an empty database, in one transaction: the
//! migrations the backup was made at, every table's rows (the rollups
//! rebuilt by their triggers as the rows go in), the sequences, then any
//! later migration of this registry. It commits only after the
//! file's last sealed chunk has opened and its SHA-256 matches the
//! manifest, so a damaged, cut-off or wrongly keyed backup leaves the
//! database as empty as it was.

pub mod format;
#[cfg(test)]
mod format_tests;

use format::{Contents, Frame, MigrationStamp, Passphrase, SequenceValue, TableShape};
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload, WriteMultipart};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub const DATA_SUFFIX: &str = ".ggbackup";
pub const MANIFEST_SUFFIX: &str = ".json";
/// Parts in flight at once during an upload.
const UPLOADS_IN_FLIGHT: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Format(#[from] format::FormatError),
    #[error("{0:?} is not a backup location; use s3://BUCKET/PREFIX")]
    BadLocation(String),
    #[error("plain http is allowed only to a store on this machine (127.0.0.1, ::1 or localhost), not to {0}; use https")]
    PlainHttp(String),
    #[error("the endpoint {0:?} is not an http or https URL")]
    BadEndpoint(String),
    #[error("the object store: {0}")]
    Store(#[from] object_store::Error),
    #[error("the database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Db(#[from] crate::db::DbError),
    #[error(
        "this database has no registry in it (no _sqlx_migrations table); check --database-url"
    )]
    NotARegistry,
    #[error("the database to restore into is not empty: it has {0} tables. Restore only into a new, empty database (admin --create-database makes one)")]
    NotEmpty(i64),
    #[error("there is no complete backup named {name} under {prefix}: its manifest is missing, so it never finished or the name is wrong; `admin backup --list` shows the complete ones")]
    NoManifest { name: String, prefix: String },
    #[error("the manifest of {0} does not read: {1}")]
    BadManifest(String, String),
    #[error("the backup {name} is {found} bytes but its manifest says {expected}: it was cut off or replaced; it is refused")]
    WrongSize {
        name: String,
        found: u64,
        expected: u64,
    },
    #[error("the backup {0}'s SHA-256 does not match its manifest: it was altered or replaced; it is refused")]
    WrongChecksum(String),
    #[error("a backup named {0} is already there")]
    Exists(String),
    #[error("the backup was made at migration {found}, which this registry does not have (its newest is {newest}): restore it with a newer groundgame-registry")]
    NewerSchema { found: i64, newest: i64 },
    #[error("the backup's migration {0} differs from this registry's migration of that number: it was made by a different build; restore it with the registry release that made it")]
    MigrationChanged(i64),
    #[error("the backup's table {0} is not in the schema it was made at: {1}")]
    TableMismatch(String, String),
    #[error("the backup's contents are out of order: {0}")]
    OutOfOrder(String),
    #[error("the backup's table {table} held {expected} rows but {loaded} were loaded")]
    RowCount {
        table: String,
        expected: u64,
        loaded: u64,
    },
    #[error("the tables refer to each other in a cycle ({0}); they cannot be loaded in order")]
    Cycle(String),
    #[error("cannot seal the backup: {0}")]
    Io(#[from] std::io::Error),
}

/// Where backups go: a bucket and a prefix in an S3-compatible store.
pub struct Location {
    pub store: Arc<dyn ObjectStore>,
    pub bucket: String,
    pub prefix: ObjectPath,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// Splits `s3://BUCKET/PREFIX` into the bucket and the prefix's parts.
pub fn parse_url(url: &str) -> Result<(String, Vec<String>), BackupError> {
    let bad = || BackupError::BadLocation(url.to_owned());
    let rest = url.strip_prefix("s3://").ok_or_else(bad)?;
    let mut parts = rest.split('/');
    let bucket = parts
        .next()
        .filter(|bucket| !bucket.is_empty())
        .ok_or_else(bad)?;
    let valid_bucket = bucket.len() >= 3
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !valid_bucket {
        return Err(bad());
    }
    let prefix: Vec<String> = parts
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect();
    if prefix.iter().any(|part| part == "." || part == "..") {
        return Err(bad());
    }
    Ok((bucket.to_owned(), prefix))
}

/// Whether a store at `endpoint` may be spoken to in plain http: only on
/// this machine (a test store, a local gateway). `None` is AWS itself.
pub fn allow_http(endpoint: Option<&str>) -> Result<bool, BackupError> {
    let Some(endpoint) = endpoint else {
        return Ok(false);
    };
    let (scheme, rest) = endpoint
        .split_once("://")
        .ok_or_else(|| BackupError::BadEndpoint(endpoint.to_owned()))?;
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(false),
        "http" => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let authority = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            let host = if let Some(bracketed) = authority.strip_prefix('[') {
                bracketed.split(']').next().unwrap_or_default()
            } else {
                authority.split(':').next().unwrap_or_default()
            };
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|address| address.is_loopback());
            if loopback {
                Ok(true)
            } else {
                Err(BackupError::PlainHttp(endpoint.to_owned()))
            }
        }
        _ => Err(BackupError::BadEndpoint(endpoint.to_owned())),
    }
}

/// The store's endpoint from the environment, as the AWS tools name it.
pub fn endpoint_from_env() -> Option<String> {
    ["AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
}

impl Location {
    /// `s3://BUCKET/PREFIX`, with credentials, region and endpoint from the
    /// usual `AWS_*` variables.
    pub fn from_env(url: &str) -> Result<Self, BackupError> {
        Self::new(url, endpoint_from_env().as_deref(), None)
    }

    /// `keys` (access key id, secret) override the environment's.
    pub fn new(
        url: &str,
        endpoint: Option<&str>,
        keys: Option<(&str, &str)>,
    ) -> Result<Self, BackupError> {
        let (bucket, prefix) = parse_url(url)?;
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&bucket)
            .with_allow_http(allow_http(endpoint)?);
        if let Some((id, secret)) = keys {
            builder = builder
                .with_access_key_id(id)
                .with_secret_access_key(secret)
                .with_region("us-east-1");
        }
        if let Some(endpoint) = endpoint {
            builder = builder.with_endpoint(endpoint.trim_end_matches('/'));
        }
        let store = builder.build()?;
        Ok(Self {
            store: Arc::new(store),
            bucket,
            prefix: ObjectPath::from_iter(prefix),
        })
    }

    /// The store URL for `NAME` under this prefix.
    pub fn url_of(&self, name: &str) -> String {
        if self.prefix.as_ref().is_empty() {
            format!("s3://{}/{name}", self.bucket)
        } else {
            format!("s3://{}/{}/{name}", self.bucket, self.prefix)
        }
    }

    fn object(&self, name: &str, suffix: &str) -> ObjectPath {
        self.prefix.child(format!("{name}{suffix}"))
    }

    /// `s3://BUCKET/PREFIX/NAME` (with or without a suffix): the location of
    /// the prefix and the backup's name.
    pub fn of_backup(url: &str) -> Result<(Self, String), BackupError> {
        let (_, mut parts) = parse_url(url)?;
        let name = parts
            .pop()
            .ok_or_else(|| BackupError::BadLocation(url.to_owned()))?;
        let name = name
            .strip_suffix(DATA_SUFFIX)
            .or_else(|| name.strip_suffix(MANIFEST_SUFFIX))
            .unwrap_or(&name)
            .to_owned();
        let prefix_url = url
            .trim_end_matches('/')
            .rsplit_once('/')
            .map(|(prefix, _)| prefix)
            .ok_or_else(|| BackupError::BadLocation(url.to_owned()))?;
        Ok((Self::from_env(prefix_url)?, name))
    }
}

/// What `NAME.json` says of a backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u8,
    pub name: String,
    pub created_at: String,
    pub registry_version: String,
    pub schema_version: i64,
    /// The sealed file's size and SHA-256 (hex).
    pub bytes: u64,
    pub sha256: String,
    pub rows: u64,
    pub tables: BTreeMap<String, u64>,
    pub seconds: f64,
}

/// A backup as `--list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    pub name: String,
    pub bytes: u64,
    /// Absent when the backup never finished (no manifest).
    pub manifest: Option<Manifest>,
}

/// How far a backup or restore has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress<'a> {
    pub table: &'a str,
    pub rows: u64,
    pub bytes: u64,
    /// The bytes there will be, when known (a restore knows).
    pub total: u64,
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Orders tables so each comes after every table it refers to (a table
/// that refers to itself is fine: COPY checks its keys at the end).
pub fn load_order(
    tables: &[String],
    refers_to: &[(String, String)],
) -> Result<Vec<String>, BackupError> {
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|table| (table.as_str(), BTreeSet::new()))
        .collect();
    for (table, parent) in refers_to {
        if table != parent && needs.contains_key(parent.as_str()) {
            if let Some(set) = needs.get_mut(table.as_str()) {
                set.insert(parent.as_str());
            }
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !needs.is_empty() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(_, parents)| parents.is_empty())
            .map(|(table, _)| *table)
            .collect();
        if ready.is_empty() {
            return Err(BackupError::Cycle(
                needs.keys().copied().collect::<Vec<_>>().join(", "),
            ));
        }
        for table in ready {
            needs.remove(table);
            for parents in needs.values_mut() {
                parents.remove(table);
            }
            order.push(table.to_owned());
        }
    }
    Ok(order)
}

/// Tables worked out from others by triggers (registry migration 0011):
/// a backup leaves them out, and a restore's loading of the attempts and
/// the offices' precincts rebuilds them.
pub const DERIVED_TABLES: &[&str] = &[
    "answer_tallies",
    "answer_tally_deltas",
    "attempt_tallies",
    "attempt_tally_deltas",
];

/// (table, a table it loads after) beyond what foreign keys say: the
/// attempts' trigger reads which offices hold each precinct, so with the
/// precincts loaded first each attempt is tallied once under its offices,
/// rather than tallied under none and the campaign worked out again.
const LOADS_AFTER: &[(&str, &str)] = &[("contact_attempts", "office_precincts")];

/// The database's tables in load order, with their columns; derived
/// tables are not among them.
async fn table_shapes(conn: &mut PgConnection) -> Result<Vec<TableShape>, BackupError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> '_sqlx_migrations'
            AND c.relname <> ALL($1)
          ORDER BY 1",
    )
    .bind(DERIVED_TABLES)
    .fetch_all(&mut *conn)
    .await?;
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text
           FROM pg_constraint k
           JOIN pg_class child ON child.oid = k.conrelid
           JOIN pg_class parent ON parent.oid = k.confrelid
           JOIN pg_namespace n ON n.oid = child.relnamespace
          WHERE k.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let edges: Vec<(String, String)> = edges
        .into_iter()
        .chain(
            LOADS_AFTER
                .iter()
                .map(|(table, parent)| ((*table).to_owned(), (*parent).to_owned())),
        )
        .collect();
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, a.attname::text
           FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0
            AND NOT a.attisdropped AND a.attgenerated = ''
          ORDER BY c.relname, a.attnum",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (table, column) in rows {
        columns.entry(table).or_default().push(column);
    }
    load_order(&tables, &edges)?
        .into_iter()
        .map(|name| {
            let columns = columns.remove(&name).unwrap_or_default();
            Ok(TableShape { name, columns })
        })
        .collect()
}

async fn migrations(conn: &mut PgConnection) -> Result<Vec<MigrationStamp>, BackupError> {
    let present: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    if !present {
        return Err(BackupError::NotARegistry);
    }
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT version, encode(checksum, 'hex') FROM _sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, checksum)| MigrationStamp { version, checksum })
        .collect())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A backup's name: when it was made, to the second, in UTC.
pub fn backup_name(now: jiff::Timestamp) -> String {
    format!("groundgame-{}", now.strftime("%Y%m%dT%H%M%SZ"))
}

/// Backs up the whole database at one snapshot to `target`; returns the
/// manifest it wrote.
pub async fn backup(
    pool: &PgPool,
    target: &Location,
    passphrase: &Passphrase,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Manifest, BackupError> {
    let started = std::time::Instant::now();
    let now = jiff::Timestamp::now();
    let name = backup_name(now);
    let data_path = target.object(&name, DATA_SUFFIX);
    let manifest_path = target.object(&name, MANIFEST_SUFFIX);
    for path in [&data_path, &manifest_path] {
        match target.store.head(path).await {
            Ok(_) => return Err(BackupError::Exists(target.url_of(&name))),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
    }

    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let migrations = migrations(&mut tx).await?;
    let schema_version = migrations.last().map_or(0, |stamp| stamp.version);
    let tables = table_shapes(&mut tx).await?;
    let sequences: Vec<(String, i64)> = sqlx::query_as(
        "SELECT sequencename::text, last_value FROM pg_sequences
          WHERE schemaname = 'public' AND last_value IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&mut *tx)
    .await?;
    let contents = Contents {
        created_at: now.to_string(),
        registry_version: env!("CARGO_PKG_VERSION").to_owned(),
        migrations,
        tables: tables.clone(),
        sequences: sequences
            .into_iter()
            .map(|(name, last_value)| SequenceValue { name, last_value })
            .collect(),
    };

    let upload = target.store.put_multipart(&data_path).await?;
    let mut upload = WriteMultipart::new(upload);
    let mut sha = Sha256::new();
    let mut sent = 0_u64;
    let written = async {
        let mut writer = format::Writer::new(passphrase, format::Cost::default())?;
        writer.write_frame(&Frame::Begin(contents))?;
        let mut counts = BTreeMap::new();
        let mut total_rows = 0_u64;
        for table in &tables {
            writer.write_frame(&Frame::Table(table.name.clone()))?;
            let columns: Vec<String> = table.columns.iter().map(|column| quote(column)).collect();
            let statement = format!(
                "COPY {} ({}) TO STDOUT",
                quote(&table.name),
                columns.join(", ")
            );
            let mut rows = 0_u64;
            let mut pending: Vec<u8> = Vec::with_capacity(format::ROWS_FRAME * 2);
            let mut stream = tx.copy_out_raw(&statement).await?;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                rows += chunk.iter().filter(|&&byte| byte == b'\n').count() as u64;
                pending.extend_from_slice(&chunk);
                if pending.len() >= format::ROWS_FRAME {
                    writer.write_frame(&Frame::Rows(std::mem::take(&mut pending)))?;
                    let bytes = writer.take_output();
                    sha.update(&bytes);
                    sent += bytes.len() as u64;
                    upload.wait_for_capacity(UPLOADS_IN_FLIGHT).await?;
                    upload.write(&bytes);
                    progress(Progress {
                        table: &table.name,
                        rows: total_rows + rows,
                        bytes: sent,
                        total: 0,
                    });
                }
            }
            drop(stream);
            if !pending.is_empty() {
                writer.write_frame(&Frame::Rows(pending))?;
            }
            writer.write_frame(&Frame::TableEnd(rows))?;
            total_rows += rows;
            counts.insert(table.name.clone(), rows);
            tracing::debug!(table = %table.name, rows, "backed up");
        }
        writer.write_frame(&Frame::End)?;
        let mut bytes = writer.take_output();
        bytes.extend(writer.finish()?);
        sha.update(&bytes);
        sent += bytes.len() as u64;
        upload.write(&bytes);
        progress(Progress {
            table: "",
            rows: total_rows,
            bytes: sent,
            total: 0,
        });
        Ok::<_, BackupError>((counts, total_rows))
    }
    .await;
    let (tables, rows) = match written {
        Ok(done) => done,
        Err(error) => {
            if let Err(abort) = upload.abort().await {
                tracing::warn!(%abort, "the unfinished upload could not be aborted; the store keeps its parts until its lifecycle rules remove them");
            }
            return Err(error);
        }
    };
    upload.finish().await?;
    tx.rollback().await?;

    let manifest = Manifest {
        format: format::FORMAT,
        name: name.clone(),
        created_at: now.to_string(),
        registry_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version,
        bytes: sent,
        sha256: hex(&sha.finalize()),
        rows,
        tables,
        seconds: started.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|error| BackupError::BadManifest(name.clone(), error.to_string()))?;
    target
        .store
        .put(&manifest_path, PutPayload::from(json))
        .await?;
    tracing::info!(name = %name, bytes = sent, rows, "backup written");
    Ok(manifest)
}

/// The backups under `target`, oldest first.
pub async fn list(target: &Location) -> Result<Vec<Listed>, BackupError> {
    let listing = target
        .store
        .list_with_delimiter(Some(&target.prefix))
        .await?;
    let mut data = BTreeMap::new();
    let mut manifests = BTreeSet::new();
    for object in listing.objects {
        let Some(file) = object.location.filename() else {
            continue;
        };
        if let Some(name) = file.strip_suffix(DATA_SUFFIX) {
            data.insert(name.to_owned(), object.size);
        } else if let Some(name) = file.strip_suffix(MANIFEST_SUFFIX) {
            manifests.insert(name.to_owned());
        }
    }
    let mut listed = Vec::with_capacity(data.len());
    for (name, bytes) in data {
        let manifest = if manifests.contains(&name) {
            Some(read_manifest(target, &name).await?)
        } else {
            None
        };
        listed.push(Listed {
            name,
            bytes,
            manifest,
        });
    }
    Ok(listed)
}

async fn read_manifest(source: &Location, name: &str) -> Result<Manifest, BackupError> {
    let path = source.object(name, MANIFEST_SUFFIX);
    let bytes = match source.store.get(&path).await {
        Ok(result) => result.bytes().await?,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(BackupError::NoManifest {
                name: name.to_owned(),
                prefix: source.url_of(""),
            })
        }
        Err(error) => return Err(error.into()),
    };
    serde_json::from_slice(&bytes)
        .map_err(|error| BackupError::BadManifest(name.to_owned(), error.to_string()))
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Restored {
    pub name: String,
    pub rows: u64,
    pub tables: usize,
    pub bytes: u64,
    pub schema_version: i64,
    pub seconds: f64,
}

/// The migrations a backup was made at, checked against this registry's.
fn migrations_at(stamps: &[MigrationStamp]) -> Result<Vec<sqlx::migrate::Migration>, BackupError> {
    let known: BTreeMap<i64, &sqlx::migrate::Migration> = crate::db::MIGRATOR
        .iter()
        .map(|migration| (migration.version, migration))
        .collect();
    let newest = known.keys().next_back().copied().unwrap_or(0);
    let mut wanted = Vec::with_capacity(stamps.len());
    for stamp in stamps {
        let migration = known.get(&stamp.version).ok_or(BackupError::NewerSchema {
            found: stamp.version,
            newest,
        })?;
        if hex(&migration.checksum) != stamp.checksum {
            return Err(BackupError::MigrationChanged(stamp.version));
        }
        wanted.push((*migration).clone());
    }
    Ok(wanted)
}

/// sqlx runs a migrator from any source of migrations: this one is the
/// subset a backup was made at.
#[derive(Debug)]
struct Subset(Vec<sqlx::migrate::Migration>);

impl<'s> sqlx::migrate::MigrationSource<'s> for Subset {
    fn resolve(
        self,
    ) -> futures_util::future::BoxFuture<
        's,
        Result<Vec<sqlx::migrate::Migration>, sqlx::error::BoxDynError>,
    > {
        Box::pin(async move { Ok(self.0) })
    }
}

/// Applies this registry's migrations up to `version` only: a database as
/// an older registry left it (for the tests of restoring an older backup).
#[cfg(feature = "test-support")]
pub(crate) async fn migrate_up_to(pool: &PgPool, version: i64) -> Result<(), BackupError> {
    let subset: Vec<sqlx::migrate::Migration> = crate::db::MIGRATOR
        .iter()
        .filter(|migration| migration.version <= version)
        .cloned()
        .collect();
    sqlx::migrate::Migrator::new(Subset(subset))
        .await
        .map_err(crate::db::DbError::Migrate)?
        .run(pool)
        .await
        .map_err(crate::db::DbError::Migrate)?;
    Ok(())
}

/// Restores the backup `name` from `source` into the empty database at
/// `database_url`.
pub async fn restore(
    database_url: &str,
    source: &Location,
    name: &str,
    passphrase: Passphrase,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<Restored, BackupError> {
    let started = std::time::Instant::now();
    let manifest = read_manifest(source, name).await?;
    let pool = crate::db::connect(database_url).await?;
    let tables_there: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')",
    )
    .fetch_one(&pool)
    .await?;
    if tables_there > 0 {
        return Err(BackupError::NotEmpty(tables_there));
    }
    let result = source
        .store
        .get(&source.object(name, DATA_SUFFIX))
        .await
        .map_err(|error| match error {
            object_store::Error::NotFound { .. } => BackupError::WrongSize {
                name: name.to_owned(),
                found: 0,
                expected: manifest.bytes,
            },
            error => error.into(),
        })?;
    if result.meta.size != manifest.bytes {
        return Err(BackupError::WrongSize {
            name: name.to_owned(),
            found: result.meta.size,
            expected: manifest.bytes,
        });
    }
    let mut frames = Frames {
        download: result.into_stream(),
        reader: Some(format::Reader::new(passphrase)),
        sha: Sha256::new(),
        expected_sha: manifest.sha256.clone(),
        name: name.to_owned(),
        pending: std::collections::VecDeque::new(),
        received: 0,
    };
    let mut tx = pool.begin().await?;
    let Some(Frame::Begin(contents)) = frames.next().await? else {
        return Err(BackupError::OutOfOrder(
            "it does not begin with its table of contents".into(),
        ));
    };
    let restored_shapes = prepare(&mut tx, &contents).await?;
    let mut loaded = BTreeSet::new();
    let mut rows = 0_u64;
    loop {
        match frames.next().await? {
            Some(Frame::Table(table)) => {
                let Some(shape) = restored_shapes.get(&table) else {
                    return Err(BackupError::OutOfOrder(format!(
                        "rows for {table}, which its table of contents does not list"
                    )));
                };
                if !loaded.insert(table.clone()) {
                    return Err(BackupError::OutOfOrder(format!("{table} comes twice")));
                }
                let columns: Vec<String> =
                    shape.columns.iter().map(|column| quote(column)).collect();
                let statement =
                    format!("COPY {} ({}) FROM STDIN", quote(&table), columns.join(", "));
                let mut copy = tx.copy_in_raw(&statement).await?;
                let expected = loop {
                    let frame = match frames.next().await {
                        Ok(frame) => frame,
                        Err(error) => {
                            let _ = copy.abort("the backup does not read").await;
                            return Err(error);
                        }
                    };
                    match frame {
                        Some(Frame::Rows(bytes)) => {
                            copy.send(bytes).await?;
                            progress(Progress {
                                table: &table,
                                rows,
                                bytes: frames.received,
                                total: manifest.bytes,
                            });
                        }
                        Some(Frame::TableEnd(expected)) => break expected,
                        _ => {
                            let _ = copy.abort("the backup is out of order").await;
                            return Err(BackupError::OutOfOrder(format!(
                                "the rows of {table} do not end"
                            )));
                        }
                    }
                };
                let count = copy.finish().await?;
                if count != expected {
                    return Err(BackupError::RowCount {
                        table,
                        expected,
                        loaded: count,
                    });
                }
                rows += count;
            }
            Some(Frame::End) => break,
            Some(_) => {
                return Err(BackupError::OutOfOrder(
                    "something other than a table between tables".into(),
                ))
            }
            None => return Err(BackupError::OutOfOrder("it has no end mark".into())),
        }
    }
    // Nothing may follow the end mark, and the file must be whole and the
    // one its manifest describes, before anything is committed.
    if frames.next().await?.is_some() {
        return Err(BackupError::OutOfOrder(
            "there is data after its end".into(),
        ));
    }
    for sequence in &contents.sequences {
        sqlx::query("SELECT setval($1::regclass, $2)")
            .bind(quote(&sequence.name))
            .bind(sequence.last_value)
            .execute(&mut *tx)
            .await?;
    }
    // Then any migration this registry has that the backup's did not.
    crate::db::MIGRATOR
        .run(&mut *tx)
        .await
        .map_err(crate::db::DbError::Migrate)?;
    // The rollups' deltas the COPYs left, folded into keyed rows.
    sqlx::query("SELECT fold_tallies()")
        .execute(&mut *tx)
        .await?;
    let schema_version: i64 = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    pool.close().await;
    tracing::info!(name, rows, "backup restored");
    Ok(Restored {
        name: name.to_owned(),
        rows,
        tables: contents.tables.len(),
        bytes: frames.received,
        schema_version,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Applies the migrations the backup was made at, checks every table of
/// the backup is there with the same columns, and empties what the
/// migrations seeded.
async fn prepare(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    contents: &Contents,
) -> Result<BTreeMap<String, TableShape>, BackupError> {
    let at = migrations_at(&contents.migrations)?;
    sqlx::migrate::Migrator::new(Subset(at))
        .await
        .map_err(crate::db::DbError::Migrate)?
        .run(&mut **tx)
        .await
        .map_err(crate::db::DbError::Migrate)?;
    let restored: BTreeMap<String, Vec<String>> = table_shapes(tx)
        .await?
        .into_iter()
        .map(|shape| (shape.name, shape.columns))
        .collect();
    for shape in &contents.tables {
        match restored.get(&shape.name) {
            Some(columns) if *columns == shape.columns => {}
            Some(columns) => {
                return Err(BackupError::TableMismatch(
                    shape.name.clone(),
                    format!(
                        "its columns are {:?}, the schema's are {columns:?}",
                        shape.columns
                    ),
                ))
            }
            None => {
                return Err(BackupError::TableMismatch(
                    shape.name.clone(),
                    "there is no such table".into(),
                ))
            }
        }
    }
    if !restored.is_empty() {
        let all: Vec<String> = restored.keys().map(|table| quote(table)).collect();
        sqlx::query(&format!("TRUNCATE {} CASCADE", all.join(", ")))
            .execute(&mut **tx)
            .await?;
    }
    Ok(contents
        .tables
        .iter()
        .map(|shape| (shape.name.clone(), shape.clone()))
        .collect())
}

/// The backup's frames as its bytes arrive; at the file's end, the last
/// sealed chunk is opened and the SHA-256 checked before `next` says the
/// frames are over.
struct Frames {
    download: futures_util::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>,
    reader: Option<format::Reader>,
    sha: Sha256,
    expected_sha: String,
    name: String,
    pending: std::collections::VecDeque<Frame>,
    received: u64,
}

impl Frames {
    async fn next(&mut self) -> Result<Option<Frame>, BackupError> {
        loop {
            if let Some(frame) = self.pending.pop_front() {
                return Ok(Some(frame));
            }
            let Some(reader) = self.reader.as_mut() else {
                return Ok(None);
            };
            match self.download.next().await {
                Some(bytes) => {
                    let bytes = bytes?;
                    self.sha.update(&bytes);
                    self.received += bytes.len() as u64;
                    self.pending.extend(reader.feed(&bytes)?);
                }
                None => {
                    let reader = self.reader.take().ok_or_else(|| {
                        BackupError::OutOfOrder("the file was read past its end".into())
                    })?;
                    self.pending.extend(reader.finish()?);
                    let sha = hex(&std::mem::take(&mut self.sha).finalize());
                    if sha != self.expected_sha {
                        return Err(BackupError::WrongChecksum(self.name.clone()));
                    }
                }
            }
        }
    }
}
