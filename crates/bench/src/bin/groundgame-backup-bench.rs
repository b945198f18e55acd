//! `groundgame-backup-bench`: `admin backup` and `admin restore` of a whole
//! campaign, as an operator runs them, against a real S3-compatible store
//! on this machine, next to PostgreSQL's own `pg_dump -Fc` and
//! `pg_restore --single-transaction` of the same database in the same run.
//!
//! Run with `cargo build --release -p groundgame-registry -p
//! groundgame-bench && target/release/groundgame-backup-bench --voters
//! 1000000 --moto-server PATH` (`cargo xtask test` installs moto's server
//! under the target folder, `tools/moto/bin/moto_server`). It loads a
//! generated county of `--voters` voters into a throwaway registry
//! database, adds `--attempts-per-voter` contact attempts each, then times
//! the four commands as whole processes, with each one's peak memory, and
//! checks the restored database holds every table as it was. Before the
//! backup it times the campaign's figures (`GET /v1/stats`'s computation,
//! as an admin sees them) against a plain count of the same attempts by
//! channel and result, in the same run.

use anyhow::{bail, Context};
use clap::Parser;
use groundgame_domain::wire::Role;
use groundgame_registry::identity::Device;
use groundgame_registry::testing::{table_digests, S3Server, TestDatabase, S3_KEYS};
use groundgame_registry::{admin, stats, voter_file};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use serde::Serialize;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Cli {
    #[arg(long, default_value_t = 100_000)]
    voters: u64,
    #[arg(long, default_value_t = 2)]
    attempts_per_voter: u64,
    /// moto's `moto_server` (default: GROUNDGAME_MOTO_SERVER).
    #[arg(long, env = "GROUNDGAME_MOTO_SERVER")]
    moto_server: PathBuf,
    /// Where pg_dump writes its file.
    #[arg(long, default_value = "/var/tmp")]
    dir: PathBuf,
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Serialize)]
struct Run {
    seconds: f64,
    peak_rss_mb: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    voters: u64,
    contact_attempts: i64,
    rows: u64,
    database_mb: f64,
    backup: Run,
    backup_mb: f64,
    pg_dump: Run,
    pg_dump_mb: f64,
    backup_over_pg_dump: f64,
    restore: Run,
    pg_restore: Run,
    restore_over_pg_restore: f64,
    restored_tables_equal: bool,
    /// `GET /v1/stats`' computation for an admin, median of five.
    stats_ms: f64,
    /// `SELECT channel, result, count(*) ... GROUP BY 1, 2` over the same
    /// attempts, median of five: the least any figure must read.
    group_by_ms: f64,
    stats_over_group_by: f64,
    /// Rows of the rollup `/v1/stats` reads (registry migration 0011).
    attempt_tallies: i64,
    /// The deltas of the one statement that added every attempt folded
    /// into the keyed rollup.
    fold_ms: f64,
    /// The rollups worked out again from every attempt, as when an
    /// office's precincts change: `SELECT retally(campaign)`.
    retally_ms: f64,
}

/// Runs `command` to the end, sampling its peak resident set.
fn timed(command: &mut Command) -> anyhow::Result<(Run, String)> {
    let started = Instant::now();
    let child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("cannot start the command")?;
    let pid = child.id();
    let sampler = std::thread::spawn(move || {
        let mut peak = 0.0_f64;
        while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(kib) = status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
            {
                peak = peak.max(kib / 1024.0);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        peak
    });
    let output = child.wait_with_output()?;
    let seconds = started.elapsed().as_secs_f64();
    let peak_rss_mb = sampler.join().unwrap_or(0.0);
    if !output.status.success() {
        bail!(
            "{:?} failed: {}",
            command.get_program(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok((
        Run {
            seconds,
            peak_rss_mb,
        },
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

fn registry_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let binary = exe.with_file_name("groundgame-registry");
    if !binary.exists() {
        bail!(
            "{} is missing; build it first with `cargo build --release -p groundgame-registry`",
            binary.display()
        );
    }
    Ok(binary)
}

async fn database_mb(pool: &sqlx::PgPool) -> anyhow::Result<f64> {
    let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
        .fetch_one(pool)
        .await?;
    Ok(bytes as f64 / 1e6)
}

async fn run(cli: &Cli) -> anyhow::Result<Report> {
    let source = TestDatabase::create().await;
    let pool = groundgame_registry::db::connect_and_migrate(&source.url).await?;
    let dir = tempfile::tempdir_in(&cli.dir)?;
    let file = dir.path().join("ncvoter.txt");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
        generate::write_nc_voter(&Population::new(cli.voters), "WAKE", &mut out)?;
    }
    let campaign = admin::campaign(&pool, "Benchmark campaign").await?;
    let opened = VoterFile::open(&file, &Layout::NcVoter)?;
    voter_file::load(&pool, campaign, opened, &Layout::NcVoter, false, |_, _| {}).await?;
    let precincts = admin::voter_file_precincts(&pool, campaign).await?;
    let office = admin::create_office(&pool, campaign, "County", &precincts).await?;
    eprintln!("loaded {} voters; adding attempts", cli.voters);
    // The attempts laptops would have pushed: doors and calls with a
    // survey answer, straight into the table (the push path has its own
    // benchmark), spread over 30 days and 40 volunteers as a month of
    // an office's work would be.
    sqlx::query(
        "INSERT INTO contact_attempts (campaign_id, id, voter_id, precinct_code, channel, result,
             volunteer, answers, recorded_at, hlc, device_id)
         SELECT v.campaign_id, gen_random_uuid()::text, v.voter_id, v.precinct_code,
                CASE WHEN n % 2 = 0 THEN 'door' ELSE 'phone' END,
                CASE WHEN n % 3 = 0 THEN 'canvassed' ELSE 'not-home' END,
                'Bench Volunteer ' || (h % 40),
                '[{\"question\": \"support\", \"answer\": \"lean\"}]'::jsonb,
                to_char(timestamp '2026-11-01 13:00:00' + (h % 30) * interval '1 day'
                        + (h % 28800) * interval '1 second', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                '0000000001:0000:bench', gen_random_uuid()
           FROM voters v, generate_series(1, $1) n,
                LATERAL (SELECT abs(hashtext(v.voter_id || ':' || n)) AS h) hashed
          WHERE v.campaign_id = $2",
    )
    .bind(cli.attempts_per_voter as i64)
    .bind(campaign)
    .execute(&pool)
    .await?;
    let started = Instant::now();
    groundgame_registry::stats::fold(&pool).await?;
    let fold_ms = started.elapsed().as_secs_f64() * 1e3;
    sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
    let contact_attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM contact_attempts")
        .fetch_one(&pool)
        .await?;
    let database_mb = database_mb(&pool).await?;
    let before = table_digests(&pool).await;
    let rows: u64 = before
        .iter()
        .filter(|(table, _)| {
            *table != "_sqlx_migrations"
                && !groundgame_registry::backup::DERIVED_TABLES.contains(&table.as_str())
        })
        .map(|(_, (rows, _))| *rows as u64)
        .sum();

    eprintln!("campaign figures");
    let admin_device = Device {
        campaign,
        id: uuid::Uuid::new_v4(),
        office,
        role: Role::Admin,
        revoked: false,
    };
    let mut stats_runs = Vec::new();
    let mut group_by_runs = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let figures = stats::campaign_stats(&pool, &admin_device, "America/New_York")
            .await
            .map_err(|error| anyhow::anyhow!("the campaign's figures failed: {error:?}"))?;
        stats_runs.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(
            figures.campaign.overall.attempts == contact_attempts as u64,
            "the campaign's figures count {} attempts of {contact_attempts}",
            figures.campaign.overall.attempts
        );
        let started = Instant::now();
        let groups: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT channel, result, count(*) FROM contact_attempts WHERE campaign_id = $1 GROUP BY 1, 2",
        )
        .bind(campaign)
        .fetch_all(&pool)
        .await?;
        group_by_runs.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(!groups.is_empty(), "the plain count found no attempts");
    }
    let attempt_tallies: i64 = sqlx::query_scalar("SELECT count(*) FROM attempt_tallies")
        .fetch_one(&pool)
        .await?;
    let started = Instant::now();
    sqlx::query("SELECT retally($1)")
        .bind(campaign)
        .execute(&pool)
        .await?;
    let retally_ms = started.elapsed().as_secs_f64() * 1e3;
    let stats_ms = median(&mut stats_runs);
    let group_by_ms = median(&mut group_by_runs);

    let s3 = S3Server::start_program(cli.moto_server.as_os_str()).await;
    s3.create_bucket("bench").await;
    let registry = registry_binary()?;
    let with_store = |command: &mut Command| {
        command
            .env("AWS_ACCESS_KEY_ID", S3_KEYS.0)
            .env("AWS_SECRET_ACCESS_KEY", S3_KEYS.1)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &s3.endpoint)
            .env("GROUNDGAME_BACKUP_PASSPHRASE", "benchmark passphrase");
    };

    eprintln!("pg_dump");
    let dump = dir.path().join("campaign.dump");
    let (pg_dump, _) = timed(
        Command::new("pg_dump")
            .args(["-Fc", "-f"])
            .arg(&dump)
            .arg(&source.url),
    )?;
    let pg_dump_mb = std::fs::metadata(&dump)?.len() as f64 / 1e6;

    eprintln!("admin backup");
    let mut command = Command::new(&registry);
    with_store(&mut command);
    let (backup, printed) = timed(command.args([
        "admin",
        "--database-url",
        &source.url,
        "backup",
        "--to",
        "s3://bench/campaign",
    ]))?;
    let name = printed
        .lines()
        .last()
        .context("backup printed no name")?
        .to_owned();
    let location = s3.location("bench", "campaign");
    let listed = groundgame_registry::backup::list(&location).await?;
    let backup_mb = listed
        .iter()
        .find(|listed| listed.name == name)
        .map_or(0.0, |listed| listed.bytes as f64 / 1e6);

    eprintln!("pg_restore");
    let restored_by_pg = TestDatabase::create().await;
    let (pg_restore, _) = timed(
        Command::new("pg_restore")
            .args([
                "--single-transaction",
                "--no-owner",
                "-d",
                &restored_by_pg.url,
            ])
            .arg(&dump),
    )?;

    eprintln!("admin restore");
    let target = TestDatabase::create().await;
    let mut command = Command::new(&registry);
    with_store(&mut command);
    let (restore, _) = timed(command.args([
        "admin",
        "--database-url",
        &target.url,
        "restore",
        "--from",
        &format!("s3://bench/campaign/{name}"),
    ]))?;
    let restored = groundgame_registry::db::connect(&target.url).await?;
    let restored_tables_equal = table_digests(&restored).await == before;

    Ok(Report {
        voters: cli.voters,
        contact_attempts,
        rows,
        database_mb,
        backup_over_pg_dump: backup.seconds / pg_dump.seconds,
        restore_over_pg_restore: restore.seconds / pg_restore.seconds,
        backup,
        backup_mb,
        pg_dump,
        pg_dump_mb,
        restore,
        pg_restore,
        restored_tables_equal,
        stats_over_group_by: stats_ms / group_by_ms,
        stats_ms,
        group_by_ms,
        attempt_tallies,
        fold_ms,
        retally_ms,
    })
}

fn median(runs: &mut [f64]) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(run(&cli))?;
    let json = serde_json::to_string_pretty(&report)?;
    println!("{json}");
    if let Some(path) = &cli.json {
        std::fs::write(path, &json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
