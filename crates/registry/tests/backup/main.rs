//! `groundgame-registry admin backup`, `backup --list` and `restore` as an
//! operator runs them, against a real S3-compatible store (moto's server,
//! installed by `cargo xtask`): the backup's name alone on the last line,
//! the listing, a restore that gives back every table, and the refusals
//! (plain http to a store elsewhere, a database that is not empty, a
//! passphrase too short to seal with).

use groundgame_registry::testing::{table_digests, S3Server, TestDatabase, S3_KEYS};
use groundgame_registry::{admin, voter_file};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};

const PASSPHRASE: &str = "operator's long passphrase";

fn registry(database_url: &str, endpoint: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_groundgame-registry"));
    command
        .env("DATABASE_URL", database_url)
        .env("AWS_ACCESS_KEY_ID", S3_KEYS.0)
        .env("AWS_SECRET_ACCESS_KEY", S3_KEYS.1)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("GROUNDGAME_BACKUP_PASSPHRASE", PASSPHRASE)
        .env_remove("AWS_ENDPOINT")
        .env_remove("AWS_ALLOW_HTTP");
    command
}

fn run(command: &mut std::process::Command) -> (bool, String, String) {
    let output = command.output().expect("the registry binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A door result with a survey answer for every other voter, one push
/// statement each, as laptops send them.
async fn add_attempts(pool: &sqlx::PgPool, campaign: uuid::Uuid, batch: &str) {
    let voters: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT voter_id, precinct_code FROM voters WHERE campaign_id = $1 ORDER BY voter_id",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await
    .expect("voters");
    for (n, (voter, precinct)) in voters.iter().enumerate().step_by(2) {
        sqlx::query(
            "INSERT INTO contact_attempts (campaign_id, id, voter_id, precinct_code, channel, result, \
             volunteer, answers, recorded_at, hlc, device_id) \
             VALUES ($1, $2, $3, $4, 'door', $5, $6, $7, $8, '0000000001:0000:test', gen_random_uuid())",
        )
        .bind(campaign)
        .bind(format!("{batch}-{n}"))
        .bind(voter)
        .bind(precinct)
        .bind(if n % 3 == 0 { "canvassed" } else { "not-home" })
        .bind(format!("Volunteer {}", n % 4))
        .bind(serde_json::json!([{"question": "support", "answer": "lean"}]))
        .bind(format!("2026-11-0{}T{:02}:{:02}:00Z", 1 + n % 3, 14 + n % 8, n % 60))
        .execute(pool)
        .await
        .expect("attempt");
    }
}

async fn campaign_database() -> TestDatabase {
    let database = TestDatabase::create().await;
    let pool = groundgame_registry::db::connect_and_migrate(&database.url)
        .await
        .expect("migrated");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("ncvoter92.txt");
    let mut bytes = Vec::new();
    generate::write_nc_voter(&Population::new(300), "WAKE", &mut bytes).expect("generate");
    std::fs::write(&file, bytes).expect("write");
    let campaign = admin::campaign(&pool, "Backup test")
        .await
        .expect("campaign");
    let opened = VoterFile::open(&file, &Layout::NcVoter).expect("opens");
    voter_file::load(&pool, campaign, opened, &Layout::NcVoter, false, |_, _| {})
        .await
        .expect("loads");
    let precincts = admin::voter_file_precincts(&pool, campaign)
        .await
        .expect("precincts");
    // Results from before the office and after it, so the rollups the
    // registry derives (left out of a backup, rebuilt on restore) have
    // rows of both kinds to come back equal.
    add_attempts(&pool, campaign, "early").await;
    admin::create_office(&pool, campaign, "Whole county", &precincts)
        .await
        .expect("office");
    add_attempts(&pool, campaign, "late").await;
    groundgame_registry::identity::issue_code(
        &pool,
        campaign,
        "Whole county",
        groundgame_domain::wire::Role::Canvasser,
        24,
    )
    .await
    .expect("code");
    pool.close().await;
    database
}

#[tokio::test]
async fn an_operator_backs_up_lists_and_restores_from_the_command_line() {
    let Some(s3) = S3Server::start().await else {
        eprintln!(
            "skipped: GROUNDGAME_MOTO_SERVER names no S3 server (`cargo xtask test` sets it)"
        );
        return;
    };
    s3.create_bucket("registry-backups").await;
    let source = campaign_database().await;

    let (ok, stdout, stderr) = run(registry(&source.url, &s3.endpoint).args([
        "admin",
        "backup",
        "--to",
        "s3://registry-backups/campaign",
    ]));
    assert!(ok, "{stderr}");
    let name = stdout.lines().last().expect("a last line").to_owned();
    assert!(
        name.starts_with("groundgame-") && !name.contains(' '),
        "{stdout}"
    );
    assert!(stdout.contains("backed up"), "{stdout}");

    let (ok, listing, stderr) = run(registry(&source.url, &s3.endpoint).args([
        "admin",
        "backup",
        "--list",
        "--json",
        "--to",
        "s3://registry-backups/campaign",
    ]));
    assert!(ok, "{stderr}");
    let listing: serde_json::Value = serde_json::from_str(&listing).expect("json");
    assert_eq!(listing["backups"][0]["name"], name.as_str());
    assert!(listing["backups"][0]["manifest"]["rows"].as_u64() > Some(300));

    // Restored into a database the command creates: every table as it was.
    let target = TestDatabase::create().await;
    let fresh_url = groundgame_registry::testing::with_database(
        &target.url,
        &format!("{}_restored", target.url.rsplit('/').next().expect("name")),
    );
    let (ok, stdout, stderr) = run(registry(&fresh_url, &s3.endpoint).args([
        "admin",
        "restore",
        "--create-database",
        "--from",
        &format!("s3://registry-backups/campaign/{name}"),
    ]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains(&format!("restored {name}")), "{stdout}");
    let before = groundgame_registry::db::connect(&source.url)
        .await
        .expect("source");
    let after = groundgame_registry::db::connect(&fresh_url)
        .await
        .expect("restored");
    // The source's rollup deltas folded, as its server would have; the
    // restore folds its own.
    groundgame_registry::stats::fold(&before)
        .await
        .expect("folded");
    let digests = table_digests(&before).await;
    assert!(
        digests["attempt_tallies"].0 > 0
            && digests["answer_tallies"].0 > 0
            && digests["attempt_tally_deltas"].0 == 0,
        "{digests:?}"
    );
    assert_eq!(table_digests(&after).await, digests);
    after.close().await;
    let drop = groundgame_registry::db::connect(&target.url)
        .await
        .expect("admin");
    sqlx::query(&format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
        fresh_url.rsplit('/').next().expect("name")
    ))
    .execute(&drop)
    .await
    .expect("dropped");

    // Into a database that has a registry already: refused, named.
    let (ok, _, stderr) = run(registry(&source.url, &s3.endpoint).args([
        "admin",
        "restore",
        "--from",
        &format!("s3://registry-backups/campaign/{name}"),
    ]));
    assert!(!ok);
    assert!(stderr.contains("not empty"), "{stderr}");

    // Plain http to a store that is not on this machine: refused before
    // anything is read or sent.
    let (ok, _, stderr) = run(registry(&source.url, "http://192.0.2.10:9000").args([
        "admin",
        "backup",
        "--to",
        "s3://registry-backups/campaign",
    ]));
    assert!(!ok);
    assert!(stderr.contains("plain http is allowed only"), "{stderr}");

    // A passphrase too short to seal with.
    let (ok, _, stderr) = run(registry(&source.url, &s3.endpoint)
        .env("GROUNDGAME_BACKUP_PASSPHRASE", "short")
        .args(["admin", "backup", "--to", "s3://registry-backups/campaign"]));
    assert!(!ok);
    assert!(stderr.contains("at least 12 characters"), "{stderr}");

    // No passphrase and no terminal to ask at.
    let (ok, _, stderr) = run(registry(&source.url, &s3.endpoint)
        .env_remove("GROUNDGAME_BACKUP_PASSPHRASE")
        .stdin(std::process::Stdio::null())
        .args(["admin", "backup", "--to", "s3://registry-backups/campaign"]));
    assert!(!ok);
    assert!(stderr.contains("GROUNDGAME_BACKUP_PASSPHRASE"), "{stderr}");
}

#[test]
fn plain_http_is_for_this_machine_only() {
    use groundgame_registry::backup::allow_http;
    let cases: &[(Option<&str>, Option<bool>)] = &[
        (None, Some(false)),
        (Some("https://s3.eu-west-1.amazonaws.com"), Some(false)),
        (Some("https://minio.campaign.org:9000"), Some(false)),
        (Some("http://127.0.0.1:9000"), Some(true)),
        (Some("http://127.8.9.1"), Some(true)),
        (Some("http://localhost:9000/"), Some(true)),
        (Some("http://[::1]:9000"), Some(true)),
        (Some("HTTP://LOCALHOST"), Some(true)),
        (Some("http://192.0.2.10:9000"), None),
        (Some("http://localhost.attacker.example"), None),
        (Some("http://127.0.0.1.nip.io"), None),
        (Some("http://user@10.0.0.1"), None),
        (Some("http://[2001:db8::1]:9000"), None),
        (Some("ftp://127.0.0.1"), None),
        (Some("127.0.0.1:9000"), None),
    ];
    for (endpoint, expected) in cases {
        assert_eq!(allow_http(*endpoint).ok(), *expected, "{endpoint:?}");
    }
}

#[test]
fn a_backup_location_is_a_bucket_and_a_prefix() {
    use groundgame_registry::backup::parse_url;
    assert_eq!(
        parse_url("s3://campaign-backups/wake/nightly/").ok(),
        Some((
            "campaign-backups".into(),
            vec!["wake".into(), "nightly".into()]
        ))
    );
    assert_eq!(
        parse_url("s3://campaign-backups").ok(),
        Some(("campaign-backups".into(), vec![]))
    );
    for bad in [
        "campaign-backups/wake",
        "s3://",
        "s3:///wake",
        "s3://Campaign_Backups/wake",
        "s3://ab",
        "s3://bucket/../etc",
        "https://bucket.s3.amazonaws.com/x",
    ] {
        assert!(parse_url(bad).is_err(), "{bad}");
    }
}

#[test]
fn tables_load_after_the_tables_they_refer_to() {
    use groundgame_registry::backup::load_order;
    let tables: Vec<String> = ["attempts", "campaigns", "devices", "offices", "voters"]
        .map(String::from)
        .to_vec();
    let edge = |child: &str, parent: &str| (child.to_owned(), parent.to_owned());
    let order = load_order(
        &tables,
        &[
            edge("attempts", "devices"),
            edge("attempts", "voters"),
            edge("devices", "offices"),
            edge("offices", "campaigns"),
            edge("voters", "campaigns"),
            edge("voters", "voters"),
        ],
    )
    .expect("an order");
    let at = |table: &str| order.iter().position(|t| t == table).expect("listed");
    assert_eq!(order.len(), 5);
    assert!(at("campaigns") < at("offices") && at("offices") < at("devices"));
    assert!(at("devices") < at("attempts") && at("voters") < at("attempts"));
    assert!(load_order(
        &tables,
        &[edge("offices", "devices"), edge("devices", "offices")]
    )
    .is_err());
}
