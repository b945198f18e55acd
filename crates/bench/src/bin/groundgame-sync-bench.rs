//! `groundgame-sync-bench`: sync's numbers against a real registry on this
//! machine's PostgreSQL.
//!
//! Run with `cargo build --release -p groundgame-registry && cargo run
//! --release -p groundgame-bench --bin groundgame-sync-bench -- --voters
//! 100000 --devices 7000`. It loads a generated county into a throwaway
//! registry database and starts `groundgame-registry serve` as a child
//! process (so its peak memory is its own), then measures:
//!
//! - the initial sync of a laptop whose office is the whole county, in rows
//!   per second, next to a baseline taken in the same run (the same number
//!   of rows inserted plainly into an unindexed table of the same kind of
//!   encrypted database: the floor of writing that much locally);
//! - a sync pushing 10,000 contact attempts, next to a baseline of the same
//!   rows inserted plainly into PostgreSQL in one statement;
//! - the no-change sync round trip (p50, p99);
//! - a load run: `--devices` simulated laptops at once, each pushing results
//!   and pulling its office's changes, with latency percentiles, throughput,
//!   the registry's peak memory, and the count of results lost or doubled.

use anyhow::{bail, Context};
use clap::Parser;
use groundgame_domain::mutation::ContactRecord;
use groundgame_domain::wire::{PushMutation, Role};
use groundgame_domain::{Channel, Mutation, VoterId};
use groundgame_registry::testing::TestDatabase;
use groundgame_registry::{admin, identity, voter_file};
use groundgame_store::{KdfParams, NewContact, Passphrase, Store};
use groundgame_sync::retry::Backoff;
use groundgame_sync::{RegistryClient, SyncError, SyncOptions, SyncStep};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Cli {
    /// Voters in the generated county (the laptop's slice is all of it).
    #[arg(long, default_value_t = 100_000)]
    voters: u64,
    /// Simulated laptops in the load run.
    #[arg(long, default_value_t = 7_000)]
    devices: usize,
    /// Results each simulated laptop pushes.
    #[arg(long, default_value_t = 3)]
    results_per_device: usize,
    /// Contact attempts to ingest through push from `--ingest-devices`
    /// laptops at once (0 skips it).
    #[arg(long, default_value_t = 0)]
    ingest: u64,
    #[arg(long, default_value_t = 8)]
    ingest_devices: u64,
    /// Skip the many-laptops load run (for a large `--voters` run that
    /// measures the snapshot and the refresh).
    #[arg(long)]
    no_load_run: bool,
    /// Write the report as JSON here too.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Debug, Default, Serialize)]
struct Report {
    voters: u64,
    registry_load_seconds: f64,
    snapshot: Snapshot,
    push: Push,
    no_change_round_trip_ms: Latency,
    refresh: Refresh,
    work: Work,
    load: Load,
    ingest: Option<Ingest>,
}

/// The state's next file loaded on the registry, reaching the laptop that
/// holds the whole county through the feed.
#[derive(Debug, Default, Serialize)]
struct Refresh {
    new: u64,
    moved: u64,
    changed: u64,
    removed: u64,
    /// Records the load put in the feed, in how many changes, and their
    /// stored JSON.
    records_sent: u64,
    feed_changes: u64,
    feed_bytes: u64,
    /// The load on the registry, with the feed written.
    load_seconds: f64,
    /// The same load into a campaign without offices (nothing to send),
    /// in the same run: the cost of the feed is the ratio.
    baseline_load_seconds: f64,
    load_ratio_to_baseline: f64,
    /// The laptop's sync that pulls and applies the refresh, and its two
    /// parts: reading the feed (and staging it), applying it.
    pulled_changes: u64,
    sync_seconds: f64,
    pull_seconds: f64,
    apply_seconds: f64,
    /// Against the laptop's initial download of the whole county.
    ratio_to_snapshot_seconds: f64,
    records_ratio_to_snapshot_rows: f64,
}

/// A coordinator's call list of every callable phone in the county, made
/// on the first laptop and reaching a second one already in the field.
#[derive(Debug, Default, Serialize)]
struct Work {
    items: u64,
    /// Made on the coordinator's laptop (segment picked, items written,
    /// outbox filled).
    build_seconds: f64,
    /// The coordinator's sync that pushes it, and the mutations it took.
    push_seconds: f64,
    mutations: u64,
    /// The second laptop's sync that pulls and applies it.
    reach_seconds: f64,
    /// What it costs the registry: the items' table and index, the feed's
    /// rows and the pushed mutations kept, in bytes.
    registry_items_bytes: u64,
    registry_feed_bytes: u64,
    registry_mutations_bytes: u64,
    /// Against the second laptop's download of the whole county.
    reach_ratio_to_snapshot_seconds: f64,
}

#[derive(Debug, Default, Serialize)]
struct Ingest {
    results: u64,
    devices: u64,
    seconds: f64,
    results_per_second: f64,
    on_registry: u64,
}

#[derive(Debug, Default, Serialize)]
struct Snapshot {
    rows: u64,
    seconds: f64,
    rows_per_second: f64,
    baseline_rows_per_second: f64,
    ratio_to_baseline: f64,
    /// PowerSync's published desktop figure, 27,600 rows/s.
    ratio_to_powersync: f64,
    compressed_bytes: u64,
    /// Reading the whole compressed stream without storing it: the
    /// registry's share of the time.
    registry_stream_seconds: f64,
}

#[derive(Debug, Default, Serialize)]
struct Push {
    results: u64,
    seconds: f64,
    results_per_second: f64,
    baseline_rows_per_second: f64,
    ratio_to_baseline: f64,
}

#[derive(Debug, Default, Serialize)]
struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
}

#[derive(Debug, Default, Serialize)]
struct Load {
    devices: usize,
    enrol_seconds: f64,
    seconds: f64,
    requests: u64,
    requests_per_second: f64,
    results_per_second: f64,
    push_ms: Latency,
    pull_ms: Latency,
    retries: u64,
    failed_devices: u64,
    registry_peak_rss_mb: f64,
    /// The registry's peak before the load run (snapshot, push, round trips).
    registry_peak_rss_before_mb: f64,
    results_expected: u64,
    results_on_registry: u64,
    results_lost: u64,
    results_doubled: u64,
    /// Laptops whose last applied sequence is their last result.
    devices_settled: u64,
}

fn latency(mut samples: Vec<f64>) -> Latency {
    if samples.is_empty() {
        return Latency::default();
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Latency {
        p50: at(0.50),
        p99: at(0.99),
        max: samples[samples.len() - 1],
    }
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

/// The registry as its own process, stopped when dropped.
struct RegistryProcess {
    child: std::process::Child,
    url: String,
}

impl RegistryProcess {
    async fn start(database_url: &str) -> anyhow::Result<Self> {
        let binary = std::env::current_exe()?
            .parent()
            .map(|dir| dir.join("groundgame-registry"))
            .context("no folder for the registry binary")?;
        if !binary.exists() {
            bail!(
                "{} is missing; build it first with `cargo build --release -p groundgame-registry`",
                binary.display()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = std::process::Command::new(&binary)
            // Thousands of laptops from one loopback address: no per-address
            // or per-device rate limits (the registry's other bounds stay).
            .args([
                "serve",
                "--no-rate-limits",
                "--database-url",
                database_url,
                "--listen",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let url = format!("http://127.0.0.1:{port}");
        let client = RegistryClient::new(&url)?;
        for _ in 0..100 {
            if client.health().await.is_ok() {
                return Ok(Self { child, url });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("the registry did not come up at {url}")
    }

    /// The process's peak resident set so far, in MB.
    fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0.0, |kib| kib / 1024.0)
    }
}

impl Drop for RegistryProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn run(cli: &Cli) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let database = TestDatabase::create().await;
    let pool = groundgame_registry::db::connect_and_migrate(&database.url).await?;
    let campaign = admin::campaign(&pool, "Benchmark campaign").await?;

    // The county, loaded into the registry.
    let file = dir.path().join("ncvoter.txt");
    let mut bytes = Vec::new();
    generate::write_nc_voter(&Population::new(cli.voters), "WAKE", &mut bytes)?;
    std::fs::write(&file, bytes)?;
    let started = Instant::now();
    voter_file::load(
        &pool,
        campaign,
        VoterFile::open(&file, &Layout::NcVoter)?,
        &Layout::NcVoter,
        false,
        |_, _| {},
    )
    .await?;
    let mut report = Report {
        voters: cli.voters,
        registry_load_seconds: started.elapsed().as_secs_f64(),
        ..Report::default()
    };
    let precincts: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT precinct_code FROM voters WHERE precinct_code IS NOT NULL ORDER BY 1",
    )
    .fetch_all(&pool)
    .await?;
    admin::create_office(&pool, campaign, "County", &precincts).await?;
    let registry = RegistryProcess::start(&database.url).await?;
    eprintln!(
        "registry loaded with {} voters in {:.1} s",
        cli.voters, report.registry_load_seconds
    );

    // 1. Initial sync of the whole county.
    let laptop = dir.path().join("laptop.db");
    let store = open_store(&laptop)?;
    // The coordinator's laptop: it makes the call list of stage 4b.
    let code = identity::issue_code(&pool, campaign, "County", Role::Coordinator, 24).await?;
    let client = RegistryClient::new(&registry.url)?;
    let enrolment = client.enrol(&code, "benchmark laptop").await?;
    let store = Mutex::new(store);
    store
        .lock()
        .map_err(|_| anyhow::anyhow!("store lock"))?
        .save_enrolment(
            &registry.url,
            "benchmark laptop",
            &enrolment,
            jiff::Timestamp::now(),
        )?;
    // The registry's side alone: the whole stream read and thrown away.
    let started = Instant::now();
    let compressed = compressed_size(&registry.url, &client, &enrolment).await?;
    let stream_seconds = started.elapsed().as_secs_f64();
    let options = SyncOptions {
        lease_ahead: 0,
        ..SyncOptions::default()
    };
    let started = Instant::now();
    let first = groundgame_sync::sync(&store, options, &mut |_| {}).await?;
    let seconds = started.elapsed().as_secs_f64();
    let baseline = plain_insert(&dir.path().join("baseline.db"), first.snapshot_rows)?;
    let rows_per_second = first.snapshot_rows as f64 / seconds;
    report.snapshot = Snapshot {
        rows: first.snapshot_rows,
        seconds,
        rows_per_second,
        baseline_rows_per_second: baseline,
        ratio_to_baseline: rows_per_second / baseline,
        ratio_to_powersync: rows_per_second / 27_600.0,
        compressed_bytes: compressed,
        registry_stream_seconds: stream_seconds,
    };
    eprintln!("snapshot: {:?}", report.snapshot);

    // 2. A sync pushing 10,000 results recorded offline.
    let voters: Vec<String> =
        sqlx::query_scalar("SELECT voter_id FROM voters ORDER BY voter_id LIMIT 10000")
            .fetch_all(&pool)
            .await?;
    {
        let mut local = store.lock().map_err(|_| anyhow::anyhow!("store lock"))?;
        for voter in &voters {
            local.record_contact(
                &NewContact::new(VoterId::parse(voter)?, Channel::Door, "not-home"),
                jiff::Timestamp::now(),
            )?;
        }
    }
    let pushed_at = Mutex::new(None);
    let started = Instant::now();
    let mut mark = |step: SyncStep| {
        if matches!(step, SyncStep::Pulling { .. }) {
            if let Ok(mut at) = pushed_at.lock() {
                at.get_or_insert_with(Instant::now);
            }
        }
    };
    let pushed = groundgame_sync::sync(&store, options, &mut mark).await?;
    let push_end = pushed_at
        .lock()
        .ok()
        .and_then(|at| *at)
        .unwrap_or_else(Instant::now);
    let push_seconds = push_end.duration_since(started).as_secs_f64();
    let pg_baseline = postgres_baseline(&pool, voters.len()).await?;
    report.push = Push {
        results: pushed.accepted,
        seconds: push_seconds,
        results_per_second: pushed.accepted as f64 / push_seconds,
        baseline_rows_per_second: pg_baseline,
        ratio_to_baseline: pushed.accepted as f64 / push_seconds / pg_baseline,
    };
    eprintln!("push: {:?}", report.push);

    // 3. The no-change round trip.
    let mut samples = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        groundgame_sync::sync(&store, options, &mut |_| {}).await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    report.no_change_round_trip_ms = latency(samples);
    eprintln!("no-change round trip: {:?}", report.no_change_round_trip_ms);

    // 4a. The state's next file: the registry loads it (and the same file
    //     into a campaign without offices, the baseline), and the laptop
    //     pulls what changed.
    report.refresh = refresh(&pool, campaign, &file, dir.path(), cli.voters, &store).await?;
    report.refresh.ratio_to_snapshot_seconds =
        report.refresh.sync_seconds / report.snapshot.seconds;
    report.refresh.records_ratio_to_snapshot_rows =
        report.refresh.records_sent as f64 / report.snapshot.rows as f64;
    eprintln!("refresh: {:?}", report.refresh);

    // 4b. A call list of the whole county's callable phones, from the
    //     coordinator's laptop to a caller's already in the field.
    report.work = work(&pool, campaign, &registry, dir.path(), &store).await?;
    eprintln!("work: {:?}", report.work);

    // 4. Ingest: many results from a few laptops, each pushing its outbox in
    //    batches of 500 as the engine does.
    if cli.ingest > 0 {
        report.ingest = Some(ingest(cli, &pool, campaign, &registry).await?);
        eprintln!("ingest: {:?}", report.ingest);
    }

    // 5. Many laptops at once, in a campaign of their own (same county) so
    //    its offices can be one per precinct.
    if cli.no_load_run {
        drop(registry);
        pool.close().await;
        drop(database);
        return Ok(report);
    }
    let load_campaign = admin::campaign(&pool, "Load campaign").await?;
    voter_file::load(
        &pool,
        load_campaign,
        VoterFile::open(&file, &Layout::NcVoter)?,
        &Layout::NcVoter,
        false,
        |_, _| {},
    )
    .await?;
    report.load = load(cli, &pool, load_campaign, &precincts, &registry).await?;
    eprintln!("load: {:?}", report.load);
    drop(registry);
    pool.close().await;
    drop(database);
    Ok(report)
}

async fn refresh(
    pool: &sqlx::PgPool,
    campaign: uuid::Uuid,
    first: &Path,
    dir: &Path,
    voters: u64,
    store: &Mutex<Store>,
) -> anyhow::Result<Refresh> {
    let next = dir.join("ncvoter-next.txt");
    let mut bytes = Vec::new();
    let population = Population {
        snapshot: 1,
        ..Population::new(voters)
    };
    generate::write_nc_voter(&population, "WAKE", &mut bytes)?;
    std::fs::write(&next, bytes)?;
    let load = |campaign, path: PathBuf| async move {
        let started = Instant::now();
        let report = voter_file::load(
            pool,
            campaign,
            VoterFile::open(&path, &Layout::NcVoter)?,
            &Layout::NcVoter,
            false,
            |_, _| {},
        )
        .await?;
        anyhow::Ok((report, started.elapsed().as_secs_f64()))
    };
    // The baseline: the same two files into a campaign no office covers.
    let bare = admin::campaign(pool, "Refresh baseline").await?;
    load(bare, first.to_path_buf()).await?;
    let (_, baseline_load_seconds) = load(bare, next.clone()).await?;
    let (loaded, load_seconds) = load(campaign, next).await?;
    let (feed_changes, feed_bytes): (i64, i64) = sqlx::query_as(
        "SELECT count(*), coalesce(sum(octet_length(payload::text)), 0)::bigint FROM changes \
         WHERE campaign_id = $1 AND entity = 'voter_file'",
    )
    .bind(campaign)
    .fetch_one(pool)
    .await?;
    let options = SyncOptions {
        lease_ahead: 0,
        ..SyncOptions::default()
    };
    let started = Instant::now();
    let mut applying = None;
    let synced = groundgame_sync::sync(store, options, &mut |step| {
        if matches!(step, SyncStep::Applying { .. }) {
            applying.get_or_insert_with(Instant::now);
        }
    })
    .await?;
    let sync_seconds = started.elapsed().as_secs_f64();
    let pull_seconds = applying.map_or(sync_seconds, |at| at.duration_since(started).as_secs_f64());
    Ok(Refresh {
        new: loaded.new,
        moved: loaded.moved,
        changed: loaded.changed,
        removed: loaded.removed,
        records_sent: loaded.sent_to_laptops,
        feed_changes: feed_changes as u64,
        feed_bytes: feed_bytes as u64,
        load_seconds,
        baseline_load_seconds,
        load_ratio_to_baseline: load_seconds / baseline_load_seconds,
        pulled_changes: synced.pulled,
        sync_seconds,
        pull_seconds,
        apply_seconds: sync_seconds - pull_seconds,
        ..Refresh::default()
    })
}

async fn work(
    pool: &sqlx::PgPool,
    campaign: uuid::Uuid,
    registry: &RegistryProcess,
    dir: &Path,
    coordinator: &Mutex<Store>,
) -> anyhow::Result<Work> {
    let options = SyncOptions {
        lease_ahead: 0,
        ..SyncOptions::default()
    };
    // The caller's laptop, in the field before the list is made.
    let caller = Mutex::new(open_store(&dir.join("caller.db"))?);
    let code = identity::issue_code(pool, campaign, "County", Role::Caller, 24).await?;
    let client = RegistryClient::new(&registry.url)?;
    let enrolment = client.enrol(&code, "caller laptop").await?;
    caller
        .lock()
        .map_err(|_| anyhow::anyhow!("store lock"))?
        .save_enrolment(
            &registry.url,
            "caller laptop",
            &enrolment,
            jiff::Timestamp::now(),
        )?;
    let started = Instant::now();
    groundgame_sync::sync(&caller, options, &mut |_| {}).await?;
    let caller_snapshot_seconds = started.elapsed().as_secs_f64();
    eprintln!("caller's laptop downloaded the county in {caller_snapshot_seconds:.1} s");

    let started = Instant::now();
    let made = coordinator
        .lock()
        .map_err(|_| anyhow::anyhow!("store lock"))?
        .create_call_list(
            "Every phone",
            &groundgame_store::SegmentFilter {
                phone: Some(groundgame_domain::segment::PhoneFilter::Any),
                ..groundgame_store::SegmentFilter::default()
            },
            &groundgame_store::CallListRules::default(),
            jiff::Timestamp::now(),
        )?;
    let build_seconds = started.elapsed().as_secs_f64();
    let mutations = coordinator
        .lock()
        .map_err(|_| anyhow::anyhow!("store lock"))?
        .pending_changes()?;
    let started = Instant::now();
    groundgame_sync::sync(coordinator, options, &mut |_| {}).await?;
    let push_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    groundgame_sync::sync(&caller, options, &mut |_| {}).await?;
    let reach_seconds = started.elapsed().as_secs_f64();
    let reached = caller
        .lock()
        .map_err(|_| anyhow::anyhow!("store lock"))?
        .call_lists()?
        .into_iter()
        .find(|list| list.uid.as_deref() == Some(made.uid.as_str()))
        .map_or(0, |list| list.items);
    if u64::try_from(reached).unwrap_or(0) != made.items {
        bail!(
            "the caller's laptop holds {reached} of the list's {} calls",
            made.items
        );
    }
    let bytes = |sql: &'static str| async move {
        let bytes: i64 = sqlx::query_scalar(sql)
            .bind(campaign)
            .fetch_one(pool)
            .await?;
        anyhow::Ok(u64::try_from(bytes).unwrap_or(0))
    };
    Ok(Work {
        items: made.items,
        build_seconds,
        push_seconds,
        mutations,
        reach_seconds,
        // The table holds this campaign's lists only (a database of its own).
        registry_items_bytes: u64::try_from(
            sqlx::query_scalar::<_, i64>("SELECT pg_total_relation_size('call_list_items')")
                .fetch_one(pool)
                .await?,
        )
        .unwrap_or(0),
        registry_feed_bytes: bytes(
            "SELECT coalesce(sum(pg_column_size(payload)), 0)::bigint FROM changes \
             WHERE campaign_id = $1 AND entity IN ('call_list', 'call_items')",
        )
        .await?,
        registry_mutations_bytes: bytes(
            "SELECT coalesce(sum(pg_column_size(payload)), 0)::bigint FROM mutations \
             WHERE campaign_id = $1 AND kind IN ('create_call_list', 'add_call_items')",
        )
        .await?,
        reach_ratio_to_snapshot_seconds: reach_seconds / caller_snapshot_seconds,
    })
}

fn open_store(path: &Path) -> anyhow::Result<Store> {
    Ok(Store::open_with(
        path,
        &Passphrase::new("benchmark passphrase".to_owned())?,
        KdfParams::default(),
    )?)
}

/// The snapshot's size on the wire, gzip-compressed.
async fn compressed_size(
    url: &str,
    client: &RegistryClient,
    enrolment: &groundgame_domain::wire::Enrolment,
) -> anyhow::Result<u64> {
    let token = client
        .token(&enrolment.device_id, &enrolment.device_secret)
        .await?;
    let response = reqwest::Client::builder()
        .no_gzip()
        .build()?
        .get(format!("{url}/v1/snapshot"))
        .bearer_auth(&token.access_token)
        .header("accept-encoding", "gzip")
        .header(groundgame_domain::wire::PROTOCOL_HEADER, "1")
        .send()
        .await?;
    Ok(response.bytes().await?.len() as u64)
}

/// Rows per second of the local write floor: the same number of rows, as
/// JSON text, inserted into an unindexed table of an encrypted database.
fn plain_insert(path: &Path, rows: u64) -> anyhow::Result<f64> {
    drop(open_store(path)?);
    let mut conn = groundgame_store::bench_support::connection(
        path,
        &Passphrase::new("benchmark passphrase".to_owned())?,
    )?;
    conn.execute_batch("CREATE TABLE baseline (key TEXT, row TEXT)")?;
    let row = r#"{"line":"row","key":"CW0000000042","row":{"entity":"voter","voter_id":"CW0000000042","last_name":"MARTINEZ","first_name":"MARIA","middle_name":"","suffix":"","party":"DEM","status":"A"}}"#;
    let started = Instant::now();
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare("INSERT INTO baseline (key, row) VALUES (?1, ?2)")?;
        for n in 0..rows {
            insert.execute(rusqlite::params![format!("CW{n:010}"), row])?;
        }
    }
    tx.commit()?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

/// Rows per second of a plain PostgreSQL insert of as many contact rows.
async fn postgres_baseline(pool: &sqlx::PgPool, rows: usize) -> anyhow::Result<f64> {
    // A plain table (the whole database is dropped afterwards): a temporary
    // one would live on one pooled connection only.
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_baseline (id text, voter_id text, result text, payload jsonb)",
    )
    .execute(pool)
    .await?;
    let ids: Vec<String> = (0..rows).map(|i| format!("{i:012}")).collect();
    let started = Instant::now();
    sqlx::query(
        "INSERT INTO bench_baseline SELECT id, id, 'not-home', jsonb_build_object('id', id) FROM unnest($1::text[]) AS id",
    )
    .bind(&ids)
    .execute(pool)
    .await?;
    Ok(rows as f64 / started.elapsed().as_secs_f64())
}

async fn ingest(
    cli: &Cli,
    pool: &sqlx::PgPool,
    campaign: uuid::Uuid,
    registry: &RegistryProcess,
) -> anyhow::Result<Ingest> {
    let voters: Vec<String> =
        sqlx::query_scalar("SELECT voter_id FROM voters WHERE campaign_id = $1 ORDER BY voter_id")
            .bind(campaign)
            .fetch_all(pool)
            .await?;
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM contact_attempts WHERE campaign_id = $1")
            .bind(campaign)
            .fetch_one(pool)
            .await?;
    let client = RegistryClient::new(&registry.url)?;
    let per_device = cli.ingest / cli.ingest_devices.max(1);
    let mut laptops = Vec::new();
    for index in 0..cli.ingest_devices.max(1) {
        let code = identity::issue_code(pool, campaign, "County", Role::Caller, 24).await?;
        let enrolment = client.enrol(&code, &format!("ingest {index}")).await?;
        laptops.push(enrolment);
    }
    let started = Instant::now();
    let mut pushes = tokio::task::JoinSet::new();
    for (index, enrolment) in laptops.into_iter().enumerate() {
        let client = client.clone();
        let voters = voters.clone();
        pushes.spawn(async move {
            let mut token = client
                .token(&enrolment.device_id, &enrolment.device_secret)
                .await?;
            let mut seq = 0_i64;
            while (seq as u64) < per_device {
                if seq % 50_000 == 0 && seq > 0 {
                    // Tokens last 15 minutes; a long backlog renews.
                    token = client
                        .token(&enrolment.device_id, &enrolment.device_secret)
                        .await?;
                }
                let batch: Vec<PushMutation> = (0..500_u64.min(per_device - seq as u64))
                    .map(|n| {
                        let number = seq + n as i64 + 1;
                        let voter = &voters[(index * 7_919 + number as usize) % voters.len()];
                        let mutation = Mutation::RecordContact(ContactRecord {
                            attempt_id: uuid::Uuid::now_v7().to_string(),
                            voter_id: VoterId::parse(voter)
                                .unwrap_or_else(|_| unreachable!("ids from the registry")),
                            channel: Channel::Door,
                            result: "not-home".into(),
                            phone: None,
                            call_list: None,
                            turf: None,
                            answers: Vec::new(),
                            note: None,
                            volunteer: None,
                            recorded_at: "2026-11-26T18:00:00Z".into(),
                            lease: None,
                        });
                        PushMutation {
                            seq: number,
                            mutation_id: uuid::Uuid::now_v7().to_string(),
                            kind: mutation.kind().to_owned(),
                            version: 1,
                            hlc: format!("{:015}-{:010}", 1_764_180_000_000_u64, number),
                            payload: serde_json::to_value(&mutation).unwrap_or_default(),
                        }
                    })
                    .collect();
                let size = batch.len() as i64;
                Backoff::default()
                    .run(
                        || client.push(&token.access_token, batch.clone()),
                        |_, _| {},
                    )
                    .await?;
                seq += size;
            }
            Ok::<_, SyncError>(())
        });
    }
    while let Some(done) = pushes.join_next().await {
        done??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM contact_attempts WHERE campaign_id = $1")
            .bind(campaign)
            .fetch_one(pool)
            .await?;
    let results = per_device * cli.ingest_devices.max(1);
    Ok(Ingest {
        results,
        devices: cli.ingest_devices.max(1),
        seconds,
        results_per_second: results as f64 / seconds,
        on_registry: u64::try_from(after - before).unwrap_or(0),
    })
}

struct SimulatedDevice {
    device_id: String,
    token: String,
    voters: Vec<String>,
}

async fn load(
    cli: &Cli,
    pool: &sqlx::PgPool,
    campaign: uuid::Uuid,
    precincts: &[String],
    registry: &RegistryProcess,
) -> anyhow::Result<Load> {
    let peak_before = registry.peak_rss_mb();
    // One office per precinct, devices spread over them, so each pulls its
    // own office's changes as real laptops do.
    let mut offices = Vec::new();
    for precinct in precincts {
        let name = format!("Office {precinct}");
        admin::create_office(pool, campaign, &name, std::slice::from_ref(precinct)).await?;
        let voters: Vec<String> = sqlx::query_scalar(
            "SELECT voter_id FROM voters WHERE campaign_id = $1 AND precinct_code = $2 ORDER BY voter_id LIMIT 200",
        )
        .bind(campaign)
        .bind(precinct)
        .fetch_all(pool)
        .await?;
        offices.push((name, voters));
    }
    let client = RegistryClient::new(&registry.url)?;
    let started = Instant::now();
    let mut devices = Vec::with_capacity(cli.devices);
    let mut setups = tokio::task::JoinSet::new();
    for index in 0..cli.devices {
        let (office, voters) = offices[index % offices.len()].clone();
        let code = identity::issue_code(pool, campaign, &office, Role::Caller, 24).await?;
        let client = client.clone();
        setups.spawn(async move {
            let enrolment = client.enrol(&code, &format!("simulated {index}")).await?;
            let token = client
                .token(&enrolment.device_id, &enrolment.device_secret)
                .await?;
            Ok::<_, SyncError>(SimulatedDevice {
                device_id: enrolment.device_id,
                token: token.access_token,
                voters,
            })
        });
        // Enrolment is set-up, not what is measured: keep it gentle.
        while setups.len() >= 64 {
            if let Some(done) = setups.join_next().await {
                devices.push(done??);
            }
        }
    }
    while let Some(done) = setups.join_next().await {
        devices.push(done??);
    }
    let enrol_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{} simulated laptops enrolled in {enrol_seconds:.1} s",
        devices.len()
    );

    // A laptop keeps trying (its next background sync would), so every
    // simulated laptop's results must arrive in the end.
    let backoff = Backoff {
        base: Duration::from_millis(500),
        cap: Duration::from_secs(20),
        attempts: 40,
    };
    let per_device = cli.results_per_device;
    let started = Instant::now();
    let mut runs = tokio::task::JoinSet::new();
    for (index, device) in devices.into_iter().enumerate() {
        let client = client.clone();
        runs.spawn(async move {
            let mut push_ms = Vec::new();
            let mut pull_ms = Vec::new();
            let mut retries = 0_u64;
            let mutations: Vec<PushMutation> = (0..per_device)
                .map(|n| {
                    let voter = &device.voters[(index + n) % device.voters.len().max(1)];
                    let record = ContactRecord {
                        attempt_id: uuid::Uuid::now_v7().to_string(),
                        voter_id: VoterId::parse(voter)
                            .unwrap_or_else(|_| unreachable!("ids from the registry")),
                        channel: Channel::Phone,
                        result: "no-answer".into(),
                        phone: None,
                        call_list: None,
                        turf: None,
                        answers: Vec::new(),
                        note: None,
                        // No roster on the bench's campaign: a named
                        // volunteer would be refused as not on it.
                        volunteer: None,
                        recorded_at: "2026-11-26T18:00:00Z".into(),
                        lease: None,
                    };
                    let mutation = Mutation::RecordContact(record);
                    PushMutation {
                        seq: n as i64 + 1,
                        mutation_id: uuid::Uuid::now_v7().to_string(),
                        kind: mutation.kind().to_owned(),
                        version: 1,
                        hlc: format!("{:015}-{:010}", 1_764_180_000_000_u64 + n as u64, 0),
                        payload: serde_json::to_value(&mutation).unwrap_or_default(),
                    }
                })
                .collect();
            let started = Instant::now();
            backoff
                .run(
                    || client.push(&device.token, mutations.clone()),
                    |_, _| retries += 1,
                )
                .await?;
            push_ms.push(started.elapsed().as_secs_f64() * 1000.0);
            let mut after = 0;
            loop {
                let started = Instant::now();
                let page = backoff
                    .run(
                        || client.pull(&device.token, after, 1_000),
                        |_, _| retries += 1,
                    )
                    .await?;
                pull_ms.push(started.elapsed().as_secs_f64() * 1000.0);
                after = page.checkpoint;
                if page.complete {
                    break;
                }
            }
            Ok::<_, SyncError>((device.device_id, push_ms, pull_ms, retries))
        });
    }
    let mut push_ms = Vec::new();
    let mut pull_ms = Vec::new();
    let mut retries = 0;
    let mut failed = 0;
    let mut requests = 0_u64;
    while let Some(done) = runs.join_next().await {
        match done? {
            Ok((_, push, pull, tries)) => {
                requests += (push.len() + pull.len()) as u64;
                push_ms.extend(push);
                pull_ms.extend(pull);
                retries += tries;
            }
            Err(error) => {
                failed += 1;
                eprintln!("a simulated laptop gave up: {error}");
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let expected = ((cli.devices - failed) * per_device) as u64;
    let on_registry: i64 =
        sqlx::query_scalar("SELECT count(*) FROM contact_attempts WHERE volunteer LIKE 'caller %'")
            .fetch_one(pool)
            .await?;
    // Every laptop's sequence ends at its last result: none skipped, none
    // applied twice (a second application would have needed a new sequence).
    let settled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM devices WHERE campaign_id = $1 AND last_seq = $2")
            .bind(campaign)
            .bind(i64::try_from(per_device).unwrap_or(i64::MAX))
            .fetch_one(pool)
            .await?;
    let on_registry = u64::try_from(on_registry).unwrap_or(0);
    Ok(Load {
        devices: cli.devices,
        enrol_seconds,
        seconds,
        requests,
        requests_per_second: requests as f64 / seconds,
        results_per_second: on_registry as f64 / seconds,
        push_ms: latency(push_ms),
        pull_ms: latency(pull_ms),
        retries,
        failed_devices: failed as u64,
        registry_peak_rss_mb: registry.peak_rss_mb(),
        registry_peak_rss_before_mb: peak_before,
        results_expected: expected,
        results_on_registry: on_registry,
        results_lost: expected.saturating_sub(on_registry),
        results_doubled: on_registry.saturating_sub(expected),
        devices_settled: u64::try_from(settled).unwrap_or(0),
    })
}
