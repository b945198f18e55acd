//! Kill tests (sync brief): `kill -9` of the registry in the middle of a
//! push and of the laptop's `groundgame sync` in the middle of a sync; after
//! a restart and another sync, every result is on the registry exactly once
//! and nothing waits on the laptop.

use groundgame_domain::wire::Role;
use groundgame_domain::{Channel, VoterId};
use groundgame_registry::identity;
use groundgame_registry::testing::TestDatabase;
use groundgame_store::{NewContact, Passphrase, Store};
use groundgame_voterfile::generate::{self, Population};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSPHRASE: &str = "kill test passphrase";
const RESULTS: usize = 3_000;

/// A binary of this workspace, built beside the test binaries by
/// `cargo test --workspace` (which `cargo xtask test` runs).
fn workspace_binary(name: &str) -> PathBuf {
    let path = std::env::current_exe()
        .ok()
        .and_then(|test| test.parent()?.parent().map(|dir| dir.join(name)))
        .unwrap_or_else(|| PathBuf::from(name));
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo xtask test` (or `cargo test --workspace`), which builds it",
        path.display()
    );
    path
}

struct Registry {
    child: Child,
    url: String,
    database_url: String,
    port: u16,
}

impl Registry {
    async fn start(database_url: &str, port: u16) -> Self {
        let child = Command::new(workspace_binary("groundgame-registry"))
            .args(["serve", "--database-url", database_url, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("the registry starts");
        let url = format!("http://127.0.0.1:{port}");
        let client = groundgame_sync::RegistryClient::new(&url).expect("client");
        let deadline = Instant::now() + Duration::from_secs(20);
        while client.health().await.is_err() {
            assert!(Instant::now() < deadline, "the registry did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Self {
            child,
            url,
            database_url: database_url.to_owned(),
            port,
        }
    }

    /// `kill -9`: no shutdown, no rollback but PostgreSQL's own.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    async fn restart(&mut self) {
        self.kill();
        *self = Self::start(&self.database_url, self.port).await;
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn count(pool: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// Waits until the registry has applied some but not all of the results.
async fn midway(pool: &sqlx::PgPool) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let applied = count(pool, "SELECT count(*) FROM mutations").await;
        if applied > 0 {
            return applied;
        }
        assert!(Instant::now() < deadline, "the push never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A county on a registry in its own process, and a laptop's database on
/// disk holding the same county, enrolled, with `RESULTS` results to push.
async fn setup(dir: &Path) -> (TestDatabase, sqlx::PgPool, Registry, PathBuf) {
    let file = dir.join("ncvoter.txt");
    let mut bytes = Vec::new();
    generate::write_nc_voter(&Population::new(4_000), "WAKE", &mut bytes).expect("generate");
    std::fs::write(&file, bytes).expect("write");
    let database = TestDatabase::create().await;
    let pool = groundgame_registry::db::connect_and_migrate(&database.url)
        .await
        .expect("migrated");
    let (campaign, _) =
        groundgame_tests::county::one_office_campaign(&pool, "Kill test", "County", &file).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let registry = Registry::start(&database.url, port).await;

    let db = dir.join("laptop.db");
    let passphrase = Passphrase::new(PASSPHRASE).expect("passphrase");
    let mut store = Store::open(&db, &passphrase).expect("laptop");
    let code = identity::issue_code(&pool, campaign, "County", Role::Canvasser, 24)
        .await
        .expect("code");
    let client = groundgame_sync::RegistryClient::new(&registry.url).expect("client");
    let enrolment = client.enrol(&code, "Laptop").await.expect("enrols");
    store
        .save_enrolment(&registry.url, "Laptop", &enrolment, jiff::Timestamp::now())
        .expect("saved");
    // The first sync downloads the office; then the day's work.
    {
        let shared = std::sync::Mutex::new(store);
        groundgame_sync::sync(&shared, crate::fixture::fast_sync(), &mut |_| {})
            .await
            .expect("first sync");
        store = shared.into_inner().expect("store");
    }
    let voters: Vec<String> = sqlx::query_scalar("SELECT voter_id FROM voters ORDER BY voter_id")
        .fetch_all(&pool)
        .await
        .expect("voters");
    for voter in voters.iter().cycle().take(RESULTS) {
        store
            .record_contact(
                &NewContact::new(
                    VoterId::parse(voter).expect("id"),
                    Channel::Door,
                    "not-home",
                ),
                jiff::Timestamp::now(),
            )
            .expect("recorded");
    }
    drop(store);
    (database, pool, registry, db)
}

fn sync_command(db: &Path) -> Command {
    let mut command = Command::new(workspace_binary("groundgame"));
    command
        .args(["sync", "--json", "--lease-ahead", "0", "--db"])
        .arg(db)
        .env("GROUNDGAME_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

async fn settled(pool: &sqlx::PgPool, db: &Path) {
    assert_eq!(
        count(pool, "SELECT count(*) FROM contact_attempts").await,
        RESULTS as i64,
        "every result exactly once"
    );
    assert_eq!(
        count(pool, "SELECT max(last_seq) FROM devices").await,
        RESULTS as i64
    );
    let store = Store::open(db, &Passphrase::new(PASSPHRASE).expect("passphrase")).expect("laptop");
    assert_eq!(store.pending_changes().expect("pending"), 0);
    assert_eq!(
        store.stats().expect("stats").contact_attempts,
        RESULTS as u64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_killed_mid_push_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let (_database, pool, mut registry, db) = setup(dir.path()).await;
    let sync = sync_command(&db).spawn().expect("groundgame sync starts");
    let applied = midway(&pool).await;
    registry.kill();
    let output = tokio::task::spawn_blocking(move || sync.wait_with_output())
        .await
        .expect("joined")
        .expect("waited");
    assert!(!output.status.success(), "the sync could not finish");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("everything done here is kept"), "{stderr}");
    let kept = count(&pool, "SELECT count(*) FROM mutations").await;
    assert!(
        kept >= applied && kept < RESULTS as i64,
        "{applied} then {kept}"
    );

    registry.restart().await;
    let output = sync_command(&db).output().expect("sync again");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    settled(&pool, &db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_laptop_killed_mid_sync_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let (_database, pool, _registry, db) = setup(dir.path()).await;
    let mut sync = sync_command(&db).spawn().expect("groundgame sync starts");
    midway(&pool).await;
    let _ = sync.kill();
    let _ = sync.wait();

    let output = sync_command(&db).output().expect("sync again");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("report");
    assert_eq!(report["rejected"], 0, "{report}");
    settled(&pool, &db).await;
}
