//! A registry on a fresh PostgreSQL database and a free port, for tests.
//!
//! The server is found through `DATABASE_URL` (any database on it; the tests
//! create and drop their own), or else the local server on 127.0.0.1:5432.
//! `cargo xtask test` sets `DATABASE_URL`, starting a throwaway cluster when
//! no server answers.

use sqlx::{Connection, PgConnection, PgPool};
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database created for one test and dropped when the value is dropped.
pub struct TestDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let admin_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.into());
        let name = format!("groundgame_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|error| {
            panic!("cannot reach PostgreSQL at {admin_url} ({error}); set DATABASE_URL or run `cargo xtask test`, which starts one")
        });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("cannot create test database {name}: {error}"));
        let _ = admin.close().await;
        Self {
            url: with_database(&admin_url, &name),
            name,
            admin_url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs outside any async context we can rely on, so the cleanup
        // gets a thread and a small runtime of its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(&mut admin)
                                .await;
                    }
                });
            }
        });
        let _ = cleanup.join();
    }
}

pub use crate::db::with_database;

/// A registry database as an older registry left it: migrated up to
/// `version` only.
pub async fn database_at(version: i64) -> TestDatabase {
    let database = TestDatabase::create().await;
    let pool = crate::db::connect(&database.url)
        .await
        .unwrap_or_else(|error| panic!("cannot reach the test database: {error}"));
    crate::backup::migrate_up_to(&pool, version)
        .await
        .unwrap_or_else(|error| panic!("cannot migrate to {version}: {error}"));
    pool.close().await;
    database
}

/// A running registry; stopped and its database dropped when dropped.
pub struct TestRegistry {
    pub address: SocketAddr,
    pub base_url: String,
    pub pool: PgPool,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    // Declared last so it is dropped after the server has let go of it.
    _database: TestDatabase,
}

impl TestRegistry {
    pub async fn spawn() -> Self {
        Self::spawn_with(crate::db::QueryLimits::default()).await
    }

    /// A registry whose statements and lock waits are cut off sooner (or
    /// later) than a served registry's.
    pub async fn spawn_with(limits: crate::db::QueryLimits) -> Self {
        Self::spawn_configured(limits, crate::http::Config::default()).await
    }

    /// A registry with its own serving limits (timeouts, rate limits).
    pub async fn spawn_configured(
        limits: crate::db::QueryLimits,
        config: crate::http::Config,
    ) -> Self {
        let database = TestDatabase::create().await;
        let pool = crate::db::connect_for_serving(&database.url, limits)
            .await
            .unwrap_or_else(|error| panic!("cannot migrate the test database: {error}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("cannot bind a port for the test registry: {error}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("bound listener has no address: {error}"));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(crate::serve::serve_with(
            listener,
            pool.clone(),
            config,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            address,
            base_url: format!("http://{address}"),
            pool,
            shutdown: Some(shutdown),
            server: Some(server),
            _database: database,
        }
    }
}

impl TestRegistry {
    /// The URL of this registry's own database (for the admin CLI).
    pub fn database_url(&self) -> String {
        self._database.url.clone()
    }

    /// A second registry instance on this one's database and its own port,
    /// as a load balancer would spread devices over two (the registry keeps
    /// no state in its process). Stopped when dropped.
    pub async fn another_instance(&self) -> Instance {
        let pool = crate::db::connect_for_serving(&self._database.url, Default::default())
            .await
            .unwrap_or_else(|error| panic!("cannot connect a second instance: {error}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|error| panic!("cannot bind a port for the second instance: {error}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|error| panic!("bound listener has no address: {error}"));
        let server = tokio::spawn(crate::serve(listener, pool, std::future::pending()));
        Instance {
            base_url: format!("http://{address}"),
            server,
        }
    }
}

/// A further registry process's worth of server on a shared database.
pub struct Instance {
    pub base_url: String,
    server: JoinHandle<std::io::Result<()>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A voter in each of `precincts` of the campaign's master voter file, so
/// offices can be made over them without loading a whole county.
pub async fn seed_precincts(pool: &PgPool, campaign: uuid::Uuid, precincts: &[&str]) {
    for (index, precinct) in precincts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO voters (campaign_id, voter_id, last_name, first_name, party, status, county, \
             precinct_code, source, content_hash) \
             VALUES ($1, $2, 'Seed', 'Voter', 'UNA', 'A', 'TEST', $3, 'test', 0)",
        )
        .bind(campaign)
        .bind(format!("SEED{index:05}"))
        .bind(precinct)
        .execute(pool)
        .await
        .unwrap_or_else(|error| panic!("cannot seed precinct {precinct}: {error}"));
    }
}

/// One text column of a query's rows (for tests without sqlx of their own).
pub async fn query_strings(pool: &PgPool, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sql)
        .fetch_all(pool)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"))
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// A real S3-compatible store for the backup tests: moto's server, which
/// `cargo xtask` installs from PyPI and names in `GROUNDGAME_MOTO_SERVER`,
/// on a free port of this machine. Stopped when dropped.
pub struct S3Server {
    pub endpoint: String,
    child: std::process::Child,
}

/// The keys a test store takes (moto accepts any).
pub const S3_KEYS: (&str, &str) = ("groundgame-test", "groundgame-test-secret");

impl S3Server {
    /// `None` when no moto server is installed (outside `cargo xtask test`).
    pub async fn start() -> Option<Self> {
        let program = std::env::var_os("GROUNDGAME_MOTO_SERVER")?;
        Some(Self::start_program(&program).await)
    }

    /// moto's server at `program`.
    pub async fn start_program(program: &std::ffi::OsStr) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap_or_else(|error| panic!("no free port for the S3 server: {error}"));
        let child = std::process::Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {program:?}: {error}"));
        let server = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the S3 server did not listen on port {port} within a minute"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        server
    }

    /// Makes a bucket (moto takes an unsigned request).
    pub async fn create_bucket(&self, bucket: &str) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = self.endpoint.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .unwrap_or_else(|error| panic!("cannot reach the S3 server: {error}"));
        let request = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .await
            .unwrap_or_else(|error| panic!("cannot ask for a bucket: {error}"));
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .await
            .unwrap_or_else(|error| panic!("no answer to the bucket request: {error}"));
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "the S3 server refused the bucket {bucket}: {answer}"
        );
    }

    /// A backup location in `bucket` under `prefix` on this server.
    pub fn location(&self, bucket: &str, prefix: &str) -> crate::backup::Location {
        crate::backup::Location::new(
            &format!("s3://{bucket}/{prefix}"),
            Some(&self.endpoint),
            Some(S3_KEYS),
        )
        .unwrap_or_else(|error| panic!("cannot reach the test store: {error}"))
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every table of a database with its row count and a digest of its rows
/// in a fixed order: two databases with the same digests hold the same data.
pub async fn table_digests(pool: &PgPool) -> std::collections::BTreeMap<String, (i64, String)> {
    let tables = query_strings(
        pool,
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
    )
    .await;
    let mut digests = std::collections::BTreeMap::new();
    for table in tables {
        // Migrations' rows carry the time they were applied.
        let row = if table == "_sqlx_migrations" {
            "(t.version, t.checksum)::text"
        } else {
            "t::text"
        };
        let (rows, digest): (i64, Option<String>) = sqlx::query_as(&format!(
            "SELECT count(*), md5(string_agg({row}, E'\\n' ORDER BY {row})) FROM \"{table}\" t"
        ))
        .fetch_one(pool)
        .await
        .unwrap_or_else(|error| panic!("cannot read {table}: {error}"));
        digests.insert(table, (rows, digest.unwrap_or_default()));
    }
    digests
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_names_are_swapped_in_urls() {
        for (url, expected) in [
            (
                "postgres://postgres@127.0.0.1:5432/postgres",
                "postgres://postgres@127.0.0.1:5432/t1",
            ),
            (
                "postgres://u:p@h:5/db?sslmode=disable",
                "postgres://u:p@h:5/t1?sslmode=disable",
            ),
            ("postgres://u@h:5", "postgres://u@h:5/t1"),
            (
                "postgresql:///postgres?host=/tmp/pg",
                "postgresql:///t1?host=/tmp/pg",
            ),
        ] {
            assert_eq!(with_database(url, "t1"), expected, "{url}");
        }
    }
}
