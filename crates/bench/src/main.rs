//! `groundgame-bench`: the field office's numbers on a generated county.
//!
//! Run with `cargo run --release -p groundgame-bench -- --voters 1000000`.
//! Speeds are reported next to a baseline measured in the same run (a plain
//! rusqlite insert of the same rows into an unindexed table of the same
//! encrypted database), because these machines are shared and noisy: the
//! ratio is the figure. Memory is each phase's peak resident set, measured
//! in a child process of its own so phases do not inherit each other's peak.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use groundgame_domain::ipc::VoterQuery;
use groundgame_store::{
    CallListRules, Caller, ImportOptions, KdfParams, Passphrase, SegmentFilter, Store, TurfSpec,
};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    phase: Option<Phase>,
    /// Voters in the generated NC file.
    #[arg(long, default_value_t = 1_000_000)]
    voters: u64,
    /// Where to keep the files (a temporary folder if not given).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Write the report as JSON here too.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Phase {
    /// Plain insert of the file's rows into an unindexed table (the baseline).
    Baseline { file: PathBuf, db: PathBuf },
    /// groundgame's import of the file.
    Import { file: PathBuf, db: PathBuf },
    /// Open the imported database and run the interactive queries.
    Queries { db: PathBuf },
    /// Import the vote history, then count segments, build a call list and
    /// cut the whole office into turfs.
    Targeting { history: PathBuf, db: PathBuf },
    /// Load a history of results (two attempts a voter) as a laptop pulls
    /// them, then draw the Office dashboard.
    Results { db: PathBuf },
}

const PASSPHRASE: &str = "benchmark passphrase";

#[derive(Debug, Default, Serialize, Deserialize)]
struct PhaseReport {
    seconds: f64,
    rows: u64,
    peak_rss_mb: f64,
    #[serde(default)]
    latencies_ms: Vec<(String, Latency)>,
    #[serde(default)]
    open_ms: f64,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Latency {
    samples: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

fn latency(mut samples: Vec<Duration>) -> Latency {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let at = |q: f64| ms(samples[((samples.len() as f64 - 1.0) * q).round() as usize]);
    Latency {
        samples: samples.len(),
        p50: at(0.50),
        p99: at(0.99),
        max: ms(*samples.last().unwrap_or(&Duration::ZERO)),
    }
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn open(db: &Path) -> anyhow::Result<Store> {
    Ok(Store::open_with(
        db,
        &Passphrase::new(PASSPHRASE.to_owned())?,
        KdfParams::default(),
    )?)
}

/// The baseline: decode and split the same file the same way, and insert
/// every row's 67 fields as they are into an unindexed table, in one
/// transaction of the same encrypted database.
fn baseline(file: &Path, db: &Path) -> anyhow::Result<PhaseReport> {
    let store = open(db)?;
    drop(store);
    let started = Instant::now();
    let conn = raw_connection(db)?;
    let columns = groundgame_voterfile::NC_VOTER_COLUMNS;
    conn.execute_batch(&format!(
        "CREATE TABLE plain ({})",
        columns
            .iter()
            .map(|c| format!("{c} TEXT"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    let raw = std::fs::File::open(file)?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding_rs::WINDOWS_1252))
        .build(std::io::BufReader::with_capacity(1 << 16, raw));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(true)
        .flexible(true)
        .from_reader(decoded);
    let tx = conn.unchecked_transaction()?;
    let mut rows = 0_u64;
    {
        let placeholders = (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut insert = tx.prepare(&format!("INSERT INTO plain VALUES ({placeholders})"))?;
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record)? {
            insert.execute(rusqlite::params_from_iter(record.iter()))?;
            rows += 1;
        }
    }
    tx.commit()?;
    Ok(PhaseReport {
        seconds: started.elapsed().as_secs_f64(),
        rows,
        peak_rss_mb: peak_rss_mb(),
        ..PhaseReport::default()
    })
}

/// The same encrypted database, keyed through the store's own key file.
fn raw_connection(db: &Path) -> anyhow::Result<rusqlite::Connection> {
    // The store hands out no raw connection; its `bench-support` feature
    // does, for this comparison only.
    groundgame_store::bench_support::connection(db, &Passphrase::new(PASSPHRASE.to_owned())?)
        .map_err(Into::into)
}

fn import(file: &Path, db: &Path) -> anyhow::Result<PhaseReport> {
    let mut store = open(db)?;
    let started = Instant::now();
    let layout = Layout::NcVoter;
    let report = store.import(
        VoterFile::open(file, &layout)?,
        &layout,
        ImportOptions::default(),
        jiff::Timestamp::now(),
        |_| {},
    )?;
    Ok(PhaseReport {
        seconds: started.elapsed().as_secs_f64(),
        rows: report.rows,
        peak_rss_mb: peak_rss_mb(),
        notes: vec![format!(
            "{} new voters, {} skipped",
            report.new,
            report.skipped.len()
        )],
        ..PhaseReport::default()
    })
}

fn queries(db: &Path) -> anyhow::Result<PhaseReport> {
    let started = Instant::now();
    let mut store = open(db)?;
    let open_ms = started.elapsed().as_secs_f64() * 1_000.0;
    let mut report = PhaseReport {
        open_ms,
        ..PhaseReport::default()
    };

    // Search: what people type, from a name prefix to a full address.
    let terms = [
        "smi",
        "smith",
        "smith ja",
        "garcia",
        "rodriguez",
        "renee",
        "martinez maria",
        "oak",
        "100 main",
        "riverside dr",
        "glenwood",
        "cw0000042",
        "cw0500000",
        "919",
        "5550",
        "lee",
        "jo",
        "wade ave",
        "hillsborough st raleigh",
        "tobacco rd",
        "pere",
        "nguyen",
        "obrien",
        "saint marys",
    ];
    let mut samples = Vec::new();
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    for round in 0..10 {
        for term in terms {
            let query = VoterQuery {
                text: term.to_owned(),
                offset: (round % 3) * 100,
                limit: 100,
            };
            let began = Instant::now();
            let page = store.search_voters(&query)?;
            let took = began.elapsed();
            samples.push(took);
            slowest.push((took, term));
            std::hint::black_box(page);
        }
    }
    slowest.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    let mut named = Vec::new();
    for (took, term) in slowest {
        if named.len() < 6 && !named.iter().any(|(t, _): &(&str, f64)| *t == term) {
            named.push((term, took.as_secs_f64() * 1_000.0));
        }
    }
    report
        .notes
        .push(format!("slowest searches (ms): {named:?}"));
    report
        .latencies_ms
        .push(("search (100 a page)".into(), latency(samples)));

    // Names unique per run, so the phase can be run again on one database.
    let run = jiff::Timestamp::now().as_second();
    let began = Instant::now();
    let made = store.create_call_list(
        &format!("Unaffiliated {run}"),
        &SegmentFilter {
            parties: vec!["UNA".into()],
            ..SegmentFilter::default()
        },
        &CallListRules::default(),
        jiff::Timestamp::now(),
    )?;
    let (list, items) = (made.id, made.items);
    report.notes.push(format!(
        "call list of {items} phones built in {:.0} ms",
        began.elapsed().as_secs_f64() * 1_000.0
    ));
    // 18:00 in North Carolina, inside calling hours.
    let evening: jiff::Timestamp = "2026-10-20T22:00:00Z".parse()?;
    let mut samples = Vec::new();
    for n in 0..300 {
        let caller = Caller::new(&format!("caller{}", n % 20));
        let began = Instant::now();
        let call = store.next_call(list, &caller, evening)?;
        samples.push(began.elapsed());
        if call.is_none() {
            bail!("the queue ran dry after {n} calls");
        }
    }
    report
        .latencies_ms
        .push(("next call (lease)".into(), latency(samples)));

    // The same list reading a script of two questions, then answered calls
    // recorded in a volunteer's name with both answers (checked against
    // the versions asked).
    let sign = format!("sign-{run}");
    store.add_question(
        &sign,
        "May we put a sign in your yard?",
        vec![
            groundgame_domain::survey::AnswerChoice::parse("yes=Yes")
                .map_err(anyhow::Error::msg)?,
            groundgame_domain::survey::AnswerChoice::parse("no=No").map_err(anyhow::Error::msg)?,
        ],
        false,
        jiff::Timestamp::now(),
    )?;
    let script = format!("Bench script {run}");
    store.save_script(
        &script,
        "Hi {first_name}, this is {volunteer} with the campaign.",
        &["support".to_owned(), sign.clone()],
        jiff::Timestamp::now(),
    )?;
    store.attach_script(
        groundgame_store::WorkKind::CallList,
        list,
        Some(&script),
        &[],
        jiff::Timestamp::now(),
    )?;
    let volunteer = store.add_volunteer(
        &format!("Bench caller {run}"),
        &[groundgame_domain::wire::Role::Caller],
        &[],
        None,
        None,
        jiff::Timestamp::now(),
    )?;
    let caller = Caller::new(&volunteer.name);
    let (mut handed, mut recorded) = (Vec::new(), Vec::new());
    for n in 0..300 {
        let began = Instant::now();
        let call = store.next_call(list, &caller, evening)?;
        handed.push(began.elapsed());
        let Some(call) = call else {
            bail!("the queue ran dry after {n} scripted calls");
        };
        let mut answered = groundgame_store::NewContact::new(
            groundgame_domain::VoterId::parse(&call.voter_id)?,
            groundgame_domain::Channel::Phone,
            "answered",
        );
        answered.call_item = Some(call.item_id);
        answered.volunteer = Some(volunteer.id.clone());
        answered.answers = vec![
            groundgame_domain::SurveyAnswer::parse("support=lean").map_err(anyhow::Error::msg)?,
            groundgame_domain::SurveyAnswer::parse(&format!("{sign}=yes"))
                .map_err(anyhow::Error::msg)?,
        ];
        let began = Instant::now();
        store.record_contact(&answered, evening)?;
        recorded.push(began.elapsed());
    }
    report.latencies_ms.push((
        "next call (lease, a script of 2 questions)".into(),
        latency(handed),
    ));
    report.latencies_ms.push((
        "record an answered call (2 answers, a volunteer)".into(),
        latency(recorded),
    ));

    // A 5,000-voter turf, hand-picked from consecutive households.
    let mut households = 2_400_i64;
    let (turf, voters) = loop {
        let name = format!("Turf of {households} ({run})");
        let (turf, _) =
            store.create_turf(&name, &TurfSpec::Households((1..=households).collect()))?;
        let voters = store
            .turfs()?
            .into_iter()
            .find(|t| t.id == turf)
            .map_or(0, |t| t.voters);
        if voters >= 5_000 {
            break (turf, voters);
        }
        households += 200;
    };
    // What the walk screen reads: a page of 100 doors, first page first,
    // then pages further down the turf as a canvasser moves on.
    let mut samples = Vec::new();
    let mut from = 0;
    for _ in 0..60 {
        let began = Instant::now();
        let page = store.walk_page(turf, from, 100)?;
        samples.push(began.elapsed());
        from = page.next_from.unwrap_or(0);
    }
    report
        .latencies_ms
        .push(("walk list page (100 doors)".into(), latency(samples)));
    // The whole list at once, as printed.
    let mut samples = Vec::new();
    let mut stops = 0;
    for _ in 0..30 {
        let began = Instant::now();
        let list = store.walk_list(turf)?;
        samples.push(began.elapsed());
        stops = list.len();
    }
    report
        .notes
        .push(format!("walk list: {voters} voters at {stops} doors"));
    report.latencies_ms.push((
        "whole walk list (5,000 voters, print)".into(),
        latency(samples),
    ));
    report.peak_rss_mb = peak_rss_mb();
    Ok(report)
}

/// The Targeting view's work on the whole office: the index built once,
/// then a count per filter change (a mix of what coordinators ask), a call
/// list from a segment and the whole office cut into turfs.
fn targeting(history: &Path, db: &Path) -> anyhow::Result<PhaseReport> {
    use groundgame_domain::segment::{
        AgeRange, ContactedFilter, ElectionRef, GeneralsVoted, PhoneFilter,
    };
    let mut store = open(db)?;
    let mut report = PhaseReport::default();
    let started = Instant::now();
    let layout = Layout::NcHistory;
    let loaded = store.import(
        VoterFile::open(history, &layout)?,
        &layout,
        ImportOptions::default(),
        jiff::Timestamp::now(),
        |_| {},
    )?;
    report.notes.push(format!(
        "vote history: {} votes imported in {:.1} s",
        loaded.rows,
        started.elapsed().as_secs_f64()
    ));
    let started = Instant::now();
    let voters = store.warm_targeting()?;
    report.notes.push(format!(
        "targeting index of {voters} voters built in {:.0} ms",
        started.elapsed().as_secs_f64() * 1_000.0
    ));
    let choices = store.targeting_choices()?;
    let precinct = |i: usize| choices.precincts[i % choices.precincts.len().max(1)].clone();
    let election = |date: &str| ElectionRef {
        date: date.to_owned(),
        kind: None,
    };
    let filters: Vec<SegmentFilter> = vec![
        SegmentFilter::default(),
        SegmentFilter {
            parties: vec!["DEM".into()],
            ..SegmentFilter::default()
        },
        SegmentFilter {
            parties: vec!["DEM".into(), "UNA".into()],
            age: Some(AgeRange { min: 18, max: 35 }),
            ..SegmentFilter::default()
        },
        SegmentFilter {
            precincts: vec![precinct(0), precinct(3), precinct(7)],
            phone: Some(PhoneFilter::Any),
            ..SegmentFilter::default()
        },
        SegmentFilter {
            voted: vec![election("2024-11-05")],
            not_voted: vec![election("2022-11-08")],
            ..SegmentFilter::default()
        },
        SegmentFilter {
            generals: Some(GeneralsVoted {
                of_last: 4,
                at_least: 2,
                at_most: None,
            }),
            parties: vec!["UNA".into()],
            statuses: vec!["A".into()],
            ..SegmentFilter::default()
        },
        SegmentFilter {
            contacted: Some(ContactedFilter {
                not: true,
                ..ContactedFilter::default()
            }),
            in_turf: Some(false),
            sexes: vec!["F".into()],
            ..SegmentFilter::default()
        },
        SegmentFilter {
            support: vec![1, 2],
            ..SegmentFilter::default()
        },
    ];
    let mut samples = Vec::new();
    for _ in 0..25 {
        for filter in &filters {
            let began = Instant::now();
            std::hint::black_box(store.count_segment(filter)?);
            samples.push(began.elapsed());
        }
    }
    report
        .latencies_ms
        .push(("segment count (8 filters)".into(), latency(samples)));
    let run = jiff::Timestamp::now().as_second();
    let young = SegmentFilter {
        phone: Some(PhoneFilter::Any),
        age: Some(AgeRange { min: 18, max: 64 }),
        ..SegmentFilter::default()
    };
    let counts = store.count_segment(&young)?;
    let started = Instant::now();
    let made = store.create_call_list(
        &format!("Phones 18-64 {run}"),
        &young,
        &CallListRules::default(),
        jiff::Timestamp::now(),
    )?;
    report.notes.push(format!(
        "call list of {} phones (segment counted {}) built in {:.0} ms",
        made.items,
        counts.phones,
        started.elapsed().as_secs_f64() * 1_000.0
    ));
    let started = Instant::now();
    std::hint::black_box(store.count_segment(&young)?);
    report.notes.push(format!(
        "first count after a write (the index rebuilt): {:.0} ms",
        started.elapsed().as_secs_f64() * 1_000.0
    ));
    let everyone = SegmentFilter::default();
    let started = Instant::now();
    let preview = store.preview_turfs("Whole office", &everyone, 60)?;
    report.notes.push(format!(
        "turf preview of the whole office: {} turfs in {:.0} ms",
        preview.len(),
        started.elapsed().as_secs_f64() * 1_000.0
    ));
    let started = Instant::now();
    let cut = store.cut_turfs(&format!("Cut {run}"), &everyone, 60, jiff::Timestamp::now())?;
    let doors: u64 = cut.iter().map(|t| u64::from(t.doors)).sum();
    report.notes.push(format!(
        "turf cut of the whole office: {} turfs, {doors} doors, made in {:.1} s",
        cut.len(),
        started.elapsed().as_secs_f64()
    ));
    report.peak_rss_mb = peak_rss_mb();
    Ok(report)
}

/// Attempts in the results phase per voter of the office.
const ATTEMPTS_PER_VOTER: u64 = 2;

/// A deterministic stream of numbers (splitmix64), so every run loads the
/// same history.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The Office dashboard on the whole office: two attempts a voter over
/// the last 30 evenings by 40 volunteers (doors from the turfs cut in the
/// targeting phase, calls from its call list), loaded as a laptop applies
/// pulled results, then the dashboard drawn again and again. The baseline
/// is the plainest dashboard without the rollup: one GROUP BY over every
/// attempt by day, volunteer, channel and result, in the same database.
fn results(db: &Path) -> anyhow::Result<PhaseReport> {
    use groundgame_domain::feed::FeedContact;
    use groundgame_domain::mutation::ContactRecord;
    use groundgame_domain::wire::Role;
    use groundgame_domain::{Channel, Hlc, SurveyAnswer, VoterId};
    let mut store = open(db)?;
    let mut report = PhaseReport::default();
    let now = jiff::Timestamp::now();
    let zone = jiff::tz::TimeZone::get("America/New_York")?;
    let mut volunteers = Vec::new();
    let run = now.as_second();
    for n in 0..40 {
        volunteers.push(
            store
                .add_volunteer(
                    &format!("Volunteer {n} of run {run}"),
                    &[Role::Canvasser, Role::Caller],
                    &[],
                    None,
                    None,
                    now,
                )?
                .id,
        );
    }
    let (voters, lists) = groundgame_store::bench_support::result_targets(&store)?;
    let total = voters.len() as u64 * ATTEMPTS_PER_VOTER;
    let mut draw = Draw(run as u64);
    let door_results = [
        "not-home",
        "not-home",
        "not-home",
        "canvassed",
        "canvassed",
        "refused",
        "inaccessible",
        "moved",
    ];
    let phone_results = [
        "no-answer",
        "no-answer",
        "no-answer",
        "busy",
        "left-message",
        "answered",
        "answered",
        "refused",
        "wrong-number",
    ];
    let levels = ["strong", "lean", "undecided", "lean-against", "against"];
    let started = Instant::now();
    let mut loaded = 0_u64;
    let mut chunk = Vec::with_capacity(20_000);
    for n in 0..total {
        let (voter, turf) = &voters[draw.below(voters.len() as u64) as usize];
        let door = turf.is_some() && draw.below(10) < 6;
        let result = if door {
            door_results[draw.below(door_results.len() as u64) as usize]
        } else {
            phone_results[draw.below(phone_results.len() as u64) as usize]
        };
        let answers = if matches!(result, "canvassed" | "answered") {
            vec![SurveyAnswer {
                question: "support".into(),
                answer: levels[draw.below(5) as usize].into(),
                version: Some(1),
                other: None,
            }]
        } else {
            Vec::new()
        };
        // An evening 0-29 days ago, 17:00-21:00 in New York (21:00-01:00 UTC or so).
        let seconds_ago = draw.below(30) * 86_400 + draw.below(4 * 3600);
        let at = now - jiff::SignedDuration::from_secs(seconds_ago as i64);
        chunk.push(FeedContact {
            record: ContactRecord {
                attempt_id: format!("bench-{run}-{n}"),
                voter_id: VoterId::parse(voter)?,
                channel: if door { Channel::Door } else { Channel::Phone },
                result: result.into(),
                phone: None,
                call_list: if door { None } else { lists.first().cloned() },
                turf: if door { turf.clone() } else { None },
                answers,
                note: None,
                volunteer: Some(volunteers[draw.below(40) as usize].clone()),
                recorded_at: at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
                lease: None,
            },
            hlc: Hlc {
                wall_ms: at.as_millisecond() as u64,
                counter: 0,
            }
            .encode(),
            device_id: "bench".into(),
            // One call in 500 made under a lease that had passed on: quality
            // control reads the registry's flags too.
            flags: if !door && n % 500 == 7 {
                vec![groundgame_domain::quality::AttemptFlag::StaleLease]
            } else {
                Vec::new()
            },
        });
        if chunk.len() == chunk.capacity() {
            loaded += groundgame_store::bench_support::apply_attempts(&mut store, &chunk)?;
            chunk.clear();
        }
    }
    loaded += groundgame_store::bench_support::apply_attempts(&mut store, &chunk)?;
    let load_seconds = started.elapsed().as_secs_f64();
    report.rows = loaded;
    report.seconds = load_seconds;
    report.notes.push(format!(
        "{loaded} attempts loaded as pulled results (rollup kept by trigger) in {load_seconds:.1} s: {:.0} attempts/s",
        loaded as f64 / load_seconds
    ));
    drop(store);
    let raw = raw_connection(db)?;
    let mut baseline = Vec::new();
    for _ in 0..5 {
        let began = Instant::now();
        let groups: i64 = raw.query_row(
            "SELECT count(*) FROM (SELECT substr(recorded_at, 1, 10), volunteer, channel, result, count(*) \
             FROM contact_attempts GROUP BY 1, 2, 3, 4)",
            [],
            |row| row.get(0),
        )?;
        std::hint::black_box(groups);
        baseline.push(began.elapsed());
    }
    drop(raw);
    let store = open(db)?;
    let mut samples = Vec::new();
    let mut tallies = 0;
    for _ in 0..20 {
        let began = Instant::now();
        let board = store.dashboard(jiff::Timestamp::now(), &zone)?;
        samples.push(began.elapsed());
        tallies = board.office.overall.attempts;
    }
    let board = store.dashboard(jiff::Timestamp::now(), &zone)?;
    let input = store.dashboard_input(jiff::Timestamp::now(), &zone)?;
    let rows = format!(
        "{} hour, {} precinct, {} work and {} answer tally rows",
        input.tallies.len(),
        input.places.len(),
        input.work_tallies.len(),
        input.answers.len()
    );
    report.notes.push(format!(
        "dashboard over {tallies} attempts ({rows}; {} turfs and lists, {} precincts, {} volunteers, {} recommendations)",
        board.work.len(),
        board.precincts.len(),
        board.volunteers.len(),
        board.recommendations.len()
    ));
    let dashboard = latency(samples);
    let plain = latency(baseline);
    report.notes.push(format!(
        "dashboard p50 {:.1} ms against the baseline's one GROUP BY over every attempt {:.1} ms: {:.3} of it",
        dashboard.p50,
        plain.p50,
        dashboard.p50 / plain.p50
    ));
    report.latencies_ms.push(("dashboard".into(), dashboard));
    // Quality control over the last week, as `groundgame quality` and the
    // dashboard's panel ask for it.
    let mut samples = Vec::new();
    let mut reports = Vec::new();
    for _ in 0..5 {
        let began = Instant::now();
        reports = store.quality(jiff::Timestamp::now(), &zone, 7)?;
        samples.push(began.elapsed());
    }
    let quality = latency(samples);
    report.notes.push(format!(
        "quality control over 7 days: {} batches, {} flagged; p50 {:.1} ms, {:.3} of the baseline",
        reports.len(),
        reports.iter().filter(|r| !r.flags.is_empty()).count(),
        quality.p50,
        quality.p50 / plain.p50
    ));
    report
        .latencies_ms
        .push(("quality control, 7 days".into(), quality));
    report
        .latencies_ms
        .push(("baseline: GROUP BY over every attempt".into(), plain));
    report.peak_rss_mb = peak_rss_mb();
    Ok(report)
}

fn child(phase: &str, args: &[&Path]) -> anyhow::Result<PhaseReport> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe).arg(phase).args(args).output()?;
    if !output.status.success() {
        bail!(
            "{phase} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).with_context(|| format!("{phase} printed no report"))
}

fn size_mb(path: &Path) -> f64 {
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let bytes = [path.to_path_buf(), wal]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum::<u64>();
    bytes as f64 / 1_048_576.0
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(phase) = cli.phase {
        let report = match phase {
            Phase::Baseline { file, db } => baseline(&file, &db)?,
            Phase::Import { file, db } => import(&file, &db)?,
            Phase::Queries { db } => queries(&db)?,
            Phase::Targeting { history, db } => targeting(&history, &db)?,
            Phase::Results { db } => results(&db)?,
        };
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    let temp = tempfile::tempdir()?;
    let dir = cli.dir.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("ncvoter_bench.txt");
    let began = Instant::now();
    let written = generate::write_nc_voter(
        &Population::new(cli.voters),
        "WAKE",
        std::io::BufWriter::new(std::fs::File::create(&file)?),
    )?;
    eprintln!(
        "generated {} rows ({:.0} MB) in {:.1} s",
        written.rows - 1,
        written.bytes as f64 / 1_048_576.0,
        began.elapsed().as_secs_f64()
    );

    let baseline_db = dir.join("baseline.db");
    let office_db = dir.join("office.db");
    for db in [&baseline_db, &office_db] {
        for extra in ["", ".key", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{extra}", db.display()));
        }
    }
    let base = child("baseline", &[&file, &baseline_db])?;
    eprintln!("baseline done");
    let imported = child("import", &[&file, &office_db])?;
    eprintln!("import done");
    let queried = child("queries", &[&office_db])?;
    eprintln!("queries done");
    let history = dir.join("ncvhis_bench.txt");
    generate::write_nc_history(
        &Population::new(cli.voters),
        "WAKE",
        std::io::BufWriter::new(std::fs::File::create(&history)?),
    )?;
    let targeted = child("targeting", &[&history, &office_db])?;
    eprintln!("targeting done");
    let worked = child("results", &[&office_db])?;
    let base_rate = base.rows as f64 / base.seconds;
    let import_rate = imported.rows as f64 / imported.seconds;
    let mut summary = serde_json::json!({
        "voters": cli.voters,
        "file_mb": written.bytes as f64 / 1_048_576.0,
        "baseline_rows_per_s": base_rate,
        "import_rows_per_s": import_rate,
        "import_to_baseline_ratio": import_rate / base_rate,
        "import_peak_rss_mb": imported.peak_rss_mb,
        "baseline_peak_rss_mb": base.peak_rss_mb,
        "database_mb": size_mb(&office_db),
        "open_ms": queried.open_ms,
        "queries_peak_rss_mb": queried.peak_rss_mb,
        "latencies_ms": queried.latencies_ms,
        "notes": queried.notes,
        "targeting_latencies_ms": targeted.latencies_ms,
        "targeting_notes": targeted.notes,
        "targeting_peak_rss_mb": targeted.peak_rss_mb,
        "results_latencies_ms": worked.latencies_ms,
        "results_notes": worked.notes,
        "results_peak_rss_mb": worked.peak_rss_mb,
        "results_attempts_per_s": worked.rows as f64 / worked.seconds,
    });
    if let Some(notes) = summary["notes"].as_array_mut() {
        notes.extend(
            imported
                .notes
                .iter()
                .map(|note| serde_json::Value::from(note.as_str())),
        );
    }
    let text = serde_json::to_string_pretty(&summary)?;
    println!("{text}");
    if let Some(path) = cli.json {
        std::fs::write(path, &text)?;
    }
    Ok(())
}
