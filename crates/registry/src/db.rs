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

/// Connects to the registry's database and applies any migration it lacks.
pub async fn connect_and_migrate(database_url: &str) -> Result<PgPool, DbError> {
    let scheme = database_url.split_once("://").map(|(scheme, _)| scheme);
    if !matches!(scheme, Some("postgres" | "postgresql")) {
        return Err(DbError::BadUrl(format!(
            "{:?} is not a PostgreSQL URL",
            scheme.unwrap_or(database_url)
        )));
    }
    let options = PgConnectOptions::from_str(database_url)
        .map_err(|error| DbError::BadUrl(error.to_string()))?;
    let pool = PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(DbError::Connect)?;
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
