//! The master voter file on a real PostgreSQL: loaded with COPY through the
//! same readers as the laptops, diffed against a newer snapshot exactly as a
//! laptop diffs it, and bad files refused whole.

use groundgame_registry::admin;
use groundgame_registry::testing::TestRegistry;
use groundgame_registry::voter_file::{load, LoadError, LoadReport};
use groundgame_store::{ImportOptions, Store};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, body: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = Vec::new();
    body(&mut bytes);
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

fn nc_voter(dir: &Path, name: &str, population: &Population) -> PathBuf {
    write(dir, name, |out| {
        generate::write_nc_voter(population, "WAKE", out).expect("generate");
    })
}

async fn registry_load(
    registry: &TestRegistry,
    path: &Path,
    layout: &Layout,
    skip_bad: bool,
) -> Result<LoadReport, LoadError> {
    let campaign = admin::campaign(&registry.pool, "Test")
        .await
        .expect("campaign");
    let file = VoterFile::open(path, layout).expect("opens");
    load(&registry.pool, campaign, file, layout, skip_bad, |_, _| {}).await
}

async fn count(registry: &TestRegistry, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&registry.pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_newer_snapshot_is_the_same_diff_the_laptop_sees() {
    let registry = TestRegistry::spawn().await;
    let dir = tempfile::tempdir().expect("dir");
    let first = nc_voter(dir.path(), "ncvoter92.txt", &Population::new(3_000));
    let second = nc_voter(
        dir.path(),
        "ncvoter92-later.txt",
        &Population {
            snapshot: 1,
            ..Population::new(3_000)
        },
    );
    let loaded = registry_load(&registry, &first, &Layout::NcVoter, false)
        .await
        .expect("loads");
    assert_eq!(
        (loaded.voters, loaded.new, loaded.removed),
        (3_000, 3_000, 0)
    );
    let diff = registry_load(&registry, &second, &Layout::NcVoter, false)
        .await
        .expect("loads");

    // The laptop's importer is the reference.
    let mut reference = Store::open_in_memory().expect("store");
    let mut reports = Vec::new();
    for path in [&first, &second] {
        reports.push(
            reference
                .import(
                    VoterFile::open(path, &Layout::NcVoter).expect("opens"),
                    &Layout::NcVoter,
                    ImportOptions::default(),
                    jiff::Timestamp::now(),
                    |_| {},
                )
                .expect("imports"),
        );
    }
    let expected = &reports[1];
    assert_eq!(
        (
            diff.new,
            diff.moved,
            diff.changed,
            diff.unchanged,
            diff.removed
        ),
        (
            expected.new,
            expected.moved,
            expected.changed,
            expected.unchanged,
            expected.removed
        )
    );
    assert!(diff.removed > 0 && diff.moved > 0 && diff.changed > 0 && diff.new > 0);
    // Removed voters are marked, never deleted; changed ones have a new version.
    assert_eq!(
        count(
            &registry,
            "SELECT count(*) FROM voters WHERE removed_at IS NOT NULL"
        )
        .await,
        diff.removed as i64
    );
    assert_eq!(
        count(&registry, "SELECT count(*) FROM voters WHERE version > 1").await,
        (diff.moved + diff.changed + diff.removed) as i64
    );
    // Loading the same snapshot again changes nothing.
    let again = registry_load(&registry, &second, &Layout::NcVoter, false)
        .await
        .expect("loads");
    assert_eq!(again.unchanged, again.voters);
}

#[tokio::test]
async fn history_ohio_and_bad_lines() {
    let registry = TestRegistry::spawn().await;
    let dir = tempfile::tempdir().expect("dir");
    let population = Population::new(500);
    let voters = nc_voter(dir.path(), "ncvoter.txt", &population);
    let history = write(dir.path(), "ncvhis.txt", |out| {
        generate::write_nc_history(&population, "WAKE", out).expect("generate");
    });
    registry_load(&registry, &voters, &Layout::NcVoter, false)
        .await
        .expect("voters");
    let votes = registry_load(&registry, &history, &Layout::NcHistory, false)
        .await
        .expect("history");
    assert!(votes.votes > 0 && votes.votes_unmatched == 0);
    assert_eq!(
        count(&registry, "SELECT count(*) FROM vote_history").await,
        votes.votes as i64
    );
    let ohio = write(dir.path(), "ohio.txt", |out| {
        generate::write_ohio(&Population::new(200), out).expect("generate");
    });
    let wide = registry_load(&registry, &ohio, &Layout::Ohio, false)
        .await
        .expect("ohio");
    assert_eq!(wide.new, 200);
    assert!(wide.votes > 0);

    // A short line at the end: the whole file is refused, then skipped.
    let mut bytes = std::fs::read(&voters).expect("read");
    bytes.extend_from_slice(b"\"1\"\t\"WAKE\"\n");
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, bytes).expect("write");
    let before = count(&registry, "SELECT count(*) FROM imports").await;
    let error = registry_load(&registry, &bad, &Layout::NcVoter, false)
        .await
        .expect_err("a bad line");
    let message = error.to_string();
    assert!(message.contains("line 502"), "{message}");
    assert!(
        message.contains("nothing from this file was loaded"),
        "{message}"
    );
    assert_eq!(
        count(&registry, "SELECT count(*) FROM imports").await,
        before
    );
    let skipped = registry_load(&registry, &bad, &Layout::NcVoter, true)
        .await
        .expect("skips");
    assert_eq!(skipped.skipped.len(), 1);
    assert_eq!(skipped.skipped[0].line, 502);
    assert_eq!(skipped.unchanged, 500);

    // A voter given twice.
    let text = std::fs::read_to_string(&voters).unwrap_or_else(|_| {
        String::from_utf8_lossy(&std::fs::read(&voters).expect("read")).into_owned()
    });
    let second_line = text.lines().nth(1).expect("a voter line").to_owned();
    let twice = dir.path().join("twice.txt");
    std::fs::write(&twice, format!("{text}{second_line}\n")).expect("write");
    let error = registry_load(&registry, &twice, &Layout::NcVoter, false)
        .await
        .expect_err("a voter twice");
    assert!(
        matches!(
            error,
            LoadError::Duplicate {
                first: 2,
                again: 502,
                ..
            }
        ),
        "{error}"
    );
    let skipped = registry_load(&registry, &twice, &Layout::NcVoter, true)
        .await
        .expect("skips");
    assert_eq!(skipped.skipped.len(), 1);
    assert_eq!(skipped.voters, 500);
}

#[test]
fn the_admin_cli_imports_and_counts() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let registry = runtime.block_on(TestRegistry::spawn());
    let dir = tempfile::tempdir().expect("dir");
    let file = nc_voter(dir.path(), "ncvoter.txt", &Population::new(300));
    let admin = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_groundgame-registry"))
            .arg("admin")
            .args(args)
            .env("DATABASE_URL", registry.database_url())
            .env("RUST_BACKTRACE", "0")
            .output()
            .expect("runs")
    };
    let path = file.to_str().expect("utf-8 path");
    let imported = admin(&["import", "--layout", "nc-voter", "--json", path]);
    assert!(imported.status.success(), "{imported:?}");
    let summary: serde_json::Value = serde_json::from_slice(&imported.stdout).expect("json");
    assert_eq!(summary["files"][0]["new"], 300);
    let stats = admin(&["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("json");
    assert_eq!(stats["voters"], 300);
    assert!(stats["households"].as_i64().is_some_and(|n| n > 100));
    let unknown = admin(&["import", "--layout", "texas", path]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown layout \"texas\""));
    let missing = admin(&["import", "--layout", "nc-voter", "/no/such/file.txt"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such/file.txt"));
    drop(registry);
}
