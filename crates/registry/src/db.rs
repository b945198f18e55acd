//! The registry's connection to PostgreSQL and its migrations.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use std::str::FromStr;
use std::time::Duration;

/// The migrations in `migrations/registry`, compiled in.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/registry");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database URL is not valid ({0}); expected postgres://user@host:port/database")]
    BadUrl(String),
    #[error(
        "cannot connect to PostgreSQL: {0}. Check that the server is running and the URL is right"
    )]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply the registry's migrations: {0}. The database was left at the last complete migration")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// Creates the URL's database if the server does not have it yet (a new
/// registry, a training laptop), connecting to the server's `postgres`
/// database to do so. An existing database is left as it is.
pub async fn create_database_if_missing(database_url: &str) -> Result<bool, DbError> {
    let options = PgConnectOptions::from_str(database_url)
        .map_err(|error| DbError::BadUrl(error.to_string()))?;
    let name = options
        .get_database()
        .map(str::to_owned)
        .ok_or_else(|| DbError::BadUrl("the URL names no database".into()))?;
    let admin = PgConnectOptions::from_str(&with_database(database_url, "postgres"))
        .map_err(|error| DbError::BadUrl(error.to_string()))?;
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(admin)
        .await
        .map_err(DbError::Connect)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(&pool)
            .await
            .map_err(DbError::Connect)?;
    if !exists {
        // A name cannot be a bind parameter here; quote it as an identifier.
        sqlx::query(&format!(
            "CREATE DATABASE \"{}\"",
            name.replace('"', "\"\"")
        ))
        .execute(&pool)
        .await
        .map_err(DbError::Connect)?;
    }
    pool.close().await;
    Ok(!exists)
}

/// How long one statement of the server may run, and wait for a lock,
/// before PostgreSQL cancels it. A cancelled statement fails its request
/// with `503 unavailable` and nothing committed, so the device retries;
/// without a bound, one stuck lock would hold every request behind it (and
/// its pooled connection) for ever. The ops commands run without them: a
/// county's load has statements of many seconds by design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub statement_timeout: Duration,
    pub lock_timeout: Duration,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            statement_timeout: Duration::from_secs(30),
            lock_timeout: Duration::from_secs(5),
        }
    }
}

/// The server's pool: every connection carries the query limits.
pub async fn connect_for_serving(
    database_url: &str,
    limits: QueryLimits,
) -> Result<PgPool, DbError> {
    let pool = connect_and_migrate(database_url).await?;
    pool.close().await;
    let options = connect_options(database_url)?.options([
        (
            "statement_timeout",
            format!("{}ms", limits.statement_timeout.as_millis()),
        ),
        (
            "lock_timeout",
            format!("{}ms", limits.lock_timeout.as_millis()),
        ),
    ]);
    server_pool(options).await
}

fn connect_options(database_url: &str) -> Result<PgConnectOptions, DbError> {
    let scheme = database_url.split_once("://").map(|(scheme, _)| scheme);
    if !matches!(scheme, Some("postgres" | "postgresql")) {
        return Err(DbError::BadUrl(format!(
            "{:?} is not a PostgreSQL URL",
            scheme.unwrap_or(database_url)
        )));
    }
    PgConnectOptions::from_str(database_url).map_err(|error| DbError::BadUrl(error.to_string()))
}

async fn server_pool(options: PgConnectOptions) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(DbError::Connect)
}

/// Connects to a database as it is, migrating nothing (a backup reads the
/// schema it finds; a restore starts from none).
pub async fn connect(database_url: &str) -> Result<PgPool, DbError> {
    server_pool(connect_options(database_url)?).await
}

/// Connects to the registry's database and applies any migration it lacks.
pub async fn connect_and_migrate(database_url: &str) -> Result<PgPool, DbError> {
    let pool = server_pool(connect_options(database_url)?).await?;
    MIGRATOR.run(&pool).await.map_err(DbError::Migrate)?;
    Ok(pool)
}

/// The newest migration applied, or `None` if the database is unreachable.
pub async fn schema_version(pool: &PgPool) -> Option<i64> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .ok()
        .flatten()
}

/// Replaces the database name in a PostgreSQL URL, keeping any query string.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}
