//! `groundgame`: the field office's database from the command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use groundgame_domain::ipc::VoterQuery;
use groundgame_domain::text::for_terminal;
use groundgame_store::{DemoConfig, Passphrase, Store};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod enroll;
mod export;
mod import;
mod people;
mod results;
mod review;
mod sync;
mod targeting;

#[derive(Parser)]
#[command(
    name = "groundgame",
    version,
    about = "groundgame's field-office database on the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a demo field office (invented voters, a turf, a call list) into a new database.
    Demo {
        #[arg(long)]
        db: PathBuf,
        /// How many voters to invent.
        #[arg(long, default_value_t = 3_000)]
        voters: u32,
        /// The same seed always makes the same office.
        #[arg(long, default_value_t = 2012)]
        seed: u64,
    },
    /// Import voter files (a newer snapshot of a file already imported is applied as a diff),
    /// or results (`--layout results`: the CSV `export results` writes, or a spreadsheet of
    /// voter_id, result and date), each exactly once.
    Import {
        #[arg(long)]
        db: PathBuf,
        /// nc-voter, nc-history, oh, fl, fl-history, csv (with --mapping), or results.
        #[arg(long)]
        layout: String,
        /// For --layout csv: a mapping file (JSON), saved in the database under its name, or the name of one saved before.
        #[arg(long)]
        mapping: Option<String>,
        /// Import the good rows and list the bad ones, instead of stopping at the first.
        #[arg(long)]
        skip_bad: bool,
        #[arg(long)]
        json: bool,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a realistic invented voter file in a state's layout (for trying groundgame out, tests and benchmarks).
    Generate {
        /// nc-voter, nc-history, oh, fl, fl-history or csv.
        #[arg(long)]
        layout: String,
        #[arg(long, default_value_t = 10_000)]
        voters: u64,
        #[arg(long, default_value_t = 2012)]
        seed: u64,
        /// 0 is the first snapshot; each later one has voters removed, moved, changed and added.
        #[arg(long, default_value_t = 0)]
        snapshot: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Record a contact attempt (a door or phone result) for a voter.
    Contact {
        #[arg(long)]
        db: PathBuf,
        /// The voter's id in the imported file (an NC ncid, say).
        #[arg(long)]
        voter: String,
        /// A result code's slug: not-home, canvassed, refused, moved, deceased, wrong-number, ...
        #[arg(long)]
        result: String,
        #[arg(long, default_value = "door")]
        channel: String,
        /// The number dialled, for phone results.
        #[arg(long)]
        phone: Option<String>,
        /// A survey answer, QUESTION=ANSWER (the question's slug and an answer code); may be repeated.
        #[arg(long = "answer")]
        answers: Vec<String>,
        /// An "other" note with a question's answer, QUESTION=TEXT (where the question takes one); may be repeated.
        #[arg(long = "other", value_name = "QUESTION=TEXT")]
        others: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// The volunteer who made the attempt, by name as on the roster.
        #[arg(long)]
        volunteer: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write, edit or retire survey questions.
    #[command(subcommand)]
    Question(people::QuestionCommand),
    /// Write scripts and attach them to call lists and turfs.
    #[command(subcommand)]
    Script(people::ScriptCommand),
    /// The scripts and questions (every version) this laptop holds.
    Scripts {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// The office's volunteers: add, edit, retire, list, assign to lists and turfs.
    #[command(subcommand)]
    Volunteer(people::VolunteerCommand),
    /// A voter's detail as the app shows it: contact history with answers and volunteers.
    Voter {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        voter: String,
        #[arg(long)]
        json: bool,
    },
    /// Enrol this office database with the campaign's registry, using a coordinator's one-time code.
    Enroll {
        #[arg(long)]
        db: PathBuf,
        /// The registry's address, e.g. https://registry.example.org
        #[arg(long)]
        registry: String,
        /// The one-time code from `groundgame-registry admin enroll`.
        #[arg(long)]
        code: String,
        /// How coordinators will see this laptop (default: the computer's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Push this laptop's changes to the registry and pull the office's.
    Sync {
        #[arg(long)]
        db: PathBuf,
        /// The report as JSON (pushed, accepted, duplicates, rejected, conflicts, pulled, ...).
        #[arg(long)]
        json: bool,
        /// Lease this many numbers ahead for the phone bank (a day's worth before going offline).
        #[arg(long, default_value_t = 50)]
        lease_ahead: usize,
        /// How long those leases last, in hours (at most 12).
        #[arg(long, default_value_t = 0.25)]
        lease_hours: f64,
    },
    /// The coordinator's review queue on the registry: list the open items, or decide one.
    Review {
        #[arg(long)]
        db: PathBuf,
        /// Decide this item (its id from the list) ...
        #[arg(long, requires = "action")]
        resolve: Option<i64>,
        /// ... this way: accept, keep, confirm, reject, remove, apply or discard (the list says which apply).
        #[arg(long, requires = "resolve")]
        action: Option<String>,
        /// Why, for the audit log.
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change the office's passphrase: the key is rewrapped, the database
    /// is not re-encrypted. The current one from GROUNDGAME_PASSPHRASE, the
    /// new one from GROUNDGAME_NEW_PASSPHRASE (or both asked on the terminal).
    Passphrase {
        #[arg(long)]
        db: PathBuf,
    },
    /// The Office dashboard: attempts and contacts by day against the goals,
    /// supporters identified, progress by turf and list, results by precinct
    /// and volunteer, and where to send people next (the app's figures).
    Dashboard {
        #[arg(long)]
        db: PathBuf,
        /// The office's time zone, for what "a day" is (default: this computer's).
        #[arg(long)]
        zone: Option<String>,
        /// The campaign's figures by office, from the registry (a coordinator's or admin's laptop; online).
        #[arg(long)]
        campaign: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set the office's daily goals (a coordinator's; every laptop of the office gets them). A goal left out keeps its value; 0 is no goal.
    Goals {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        doors: Option<u32>,
        #[arg(long)]
        calls: Option<u32>,
        #[arg(long)]
        contacts: Option<u32>,
        /// Supporters identified (strong or leaning yes) over the campaign.
        #[arg(long)]
        supporters: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Quality control: each volunteer's results of each of the last days, flagged where the data looks wrong
    /// (doors seconds apart, a contact rate far above the office's, many results at one household, calls under a lease
    /// that had passed on, results from a revoked laptop), with the evidence.
    Quality {
        #[arg(long)]
        db: PathBuf,
        /// How many days back, today included.
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long)]
        zone: Option<String>,
        /// Approve a batch, named VOLUNTEER@DAY (the volunteer's name or id; `@DAY` for results with nobody signed in).
        #[arg(long, value_name = "VOLUNTEER@DAY", group = "decision")]
        approve: Option<String>,
        /// Quarantine a batch: its results are kept but left out of the dashboards and exports.
        #[arg(long, value_name = "VOLUNTEER@DAY", group = "decision")]
        quarantine: Option<String>,
        /// Release a quarantined batch: its results count again.
        #[arg(long, value_name = "VOLUNTEER@DAY", group = "decision")]
        release: Option<String>,
        /// Why (kept with the decision in the audit log).
        #[arg(long, requires = "decision", default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
    },
    /// The audit log: who decided what on this laptop and what reached it
    /// (batch decisions, with their notes).
    Audit {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Count what the database holds.
    Stats {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Count a segment's voters, doors and callable phones, by precinct
    /// (filters combine with AND), and save it by name.
    Segment {
        #[arg(long)]
        db: PathBuf,
        #[command(flatten)]
        which: targeting::Which,
        /// Save the filter under this name (saving a name again edits it), for every laptop of the office.
        #[arg(long, value_name = "NAME", conflicts_with = "segment")]
        save: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Make, close or delete call lists.
    #[command(subcommand)]
    CallList(targeting::CallListCommand),
    /// Cut turfs from a segment; close or delete them.
    #[command(subcommand)]
    Turf(targeting::TurfCommand),
    /// Write results, a walk list, a call list or a segment's voters to a CSV file.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// The segments, call lists and turfs this laptop holds.
    Lists {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Find voters by name, address, voter id or phone.
    Search {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
        /// How many results to show.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Words to look for; every word must match, the last may be a prefix.
        #[arg(required = true)]
        query: Vec<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("groundgame: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The environment variable scripts pass the passphrase in.
const PASSPHRASE_VAR: &str = "GROUNDGAME_PASSPHRASE";
const NEW_PASSPHRASE_VAR: &str = "GROUNDGAME_NEW_PASSPHRASE";

/// The database passphrase: from `GROUNDGAME_PASSPHRASE`, else asked for on
/// the terminal (twice for a new database, so a typo cannot lock it).
pub(crate) fn passphrase(db: &Path, new: bool) -> anyhow::Result<Passphrase> {
    if let Ok(text) = std::env::var(PASSPHRASE_VAR) {
        return Ok(Passphrase::new(text)?);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "{} is encrypted with a passphrase; set {PASSPHRASE_VAR} or run groundgame in a terminal",
            db.display()
        );
    }
    let prompt = if new {
        format!("Choose a passphrase for {}: ", db.display())
    } else {
        format!("Passphrase for {}: ", db.display())
    };
    let first = Passphrase::new(rpassword::prompt_password(prompt)?)?;
    if new {
        let again = rpassword::prompt_password("Type it again: ")?;
        if Passphrase::new(again)?.matches(&first) {
            return Ok(first);
        }
        anyhow::bail!("the two passphrases differ; nothing was created");
    }
    Ok(first)
}

/// Opens an existing database; a typo in `--db` must not silently create a
/// new empty one.
pub(crate) fn open_existing(db: &Path) -> anyhow::Result<Store> {
    if !db.exists() {
        anyhow::bail!(
            "no field-office database at {}; create one with `groundgame demo --db {}` or import a voter file",
            db.display(),
            db.display()
        );
    }
    Ok(Store::open(db, &passphrase(db, false)?)?)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo { db, voters, seed } => {
            let mut store = Store::open(&db, &passphrase(&db, !db.exists())?)?;
            let summary = store
                .generate_demo(&DemoConfig {
                    voters,
                    seed,
                    ..DemoConfig::default()
                })
                .with_context(|| format!("cannot generate the demo office in {}", db.display()))?;
            println!(
                "demo office written to {}: {} voters in {} households, {} phones, a turf of {} households, a call list of {} phones",
                db.display(),
                summary.voters,
                summary.households,
                summary.phones,
                summary.turf_households,
                summary.call_items
            );
        }
        Command::Enroll {
            db,
            registry,
            code,
            name,
        } => enroll::run(&db, &registry, &code, name)?,
        Command::Sync {
            db,
            json,
            lease_ahead,
            lease_hours,
        } => sync::run(&db, json, lease_ahead, lease_hours)?,
        Command::Review {
            db,
            resolve,
            action,
            note,
            json,
        } => match (resolve, action) {
            (Some(id), Some(action)) => review::decide(&db, id, &action, note, json)?,
            _ => review::list(&db, json)?,
        },
        Command::Passphrase { db } => {
            if !db.exists() {
                anyhow::bail!("there is no database at {}", db.display());
            }
            let current = passphrase(&db, false)?;
            let new = match std::env::var(NEW_PASSPHRASE_VAR) {
                Ok(text) => Passphrase::new(text)?,
                Err(_) if std::io::stdin().is_terminal() => {
                    let first = Passphrase::new(rpassword::prompt_password("New passphrase: ")?)?;
                    let again = Passphrase::new(rpassword::prompt_password("Type it again: ")?)?;
                    if !again.matches(&first) {
                        anyhow::bail!("the two passphrases differ; nothing was changed");
                    }
                    first
                }
                Err(_) => anyhow::bail!(
                    "set {NEW_PASSPHRASE_VAR} to the new passphrase, or run groundgame in a terminal"
                ),
            };
            groundgame_store::change_passphrase(&db, &current, &new)?;
            println!(
                "the passphrase of {} is changed; its key file {} is rewrapped (back it up again)",
                db.display(),
                groundgame_store::key_path(&db).display()
            );
        }
        Command::Dashboard {
            db,
            zone,
            campaign,
            json,
        } => results::dashboard(&db, zone.as_deref(), campaign, json)?,
        Command::Goals {
            db,
            doors,
            calls,
            contacts,
            supporters,
            json,
        } => results::goals(&db, [doors, calls, contacts, supporters], json)?,
        Command::Quality {
            db,
            days,
            zone,
            approve,
            quarantine,
            release,
            note,
            json,
        } => {
            use groundgame_domain::quality::Verdict;
            let decision = [
                (approve, Verdict::Approved),
                (quarantine, Verdict::Quarantined),
                (release, Verdict::Released),
            ]
            .into_iter()
            .find_map(|(batch, verdict)| batch.map(|batch| (batch, verdict)));
            match decision {
                Some((batch, verdict)) => results::decide(&db, &batch, verdict, &note, json)?,
                None => results::quality(&db, days, zone.as_deref(), json)?,
            }
        }
        Command::Audit { db, json } => results::audit(&db, json)?,
        Command::Stats { db, json } => {
            let stats = open_existing(&db)?.stats()?;
            if json {
                print_json(&stats)?;
            } else {
                println!("{}", stats.office_name);
                println!(
                    "  voters            {} (and {} removed by newer files)",
                    stats.voters, stats.voters_removed
                );
                println!("  households        {}", stats.households);
                println!("  phones            {}", stats.phones);
                println!("  vote history      {}", stats.vote_history);
                println!("  contact attempts  {}", stats.contact_attempts);
                println!("  do-not-contact    {}", stats.dnc_entries);
                println!("  turfs             {}", stats.turfs);
                println!("  call lists        {}", stats.call_lists);
                println!("  pending changes   {}", stats.pending_changes);
            }
        }
        Command::Import {
            db,
            layout,
            mapping,
            skip_bad,
            json,
            files,
        } => {
            import::run(&db, &layout, mapping.as_deref(), skip_bad, json, &files)?;
        }
        Command::Generate {
            layout,
            voters,
            seed,
            snapshot,
            out,
        } => {
            import::generate(&layout, voters, seed, snapshot, &out)?;
        }
        Command::Contact {
            db,
            voter,
            result,
            channel,
            phone,
            answers,
            others,
            note,
            volunteer,
            json,
        } => {
            let mut store = open_existing(&db)?;
            let channel = groundgame_domain::Channel::parse(&channel)
                .with_context(|| format!("unknown channel {channel:?}; use door, phone or text"))?;
            let mut contact = groundgame_store::NewContact::new(
                groundgame_domain::VoterId::parse(&voter)?,
                channel,
                &result,
            );
            contact.phone = phone
                .as_deref()
                .map(groundgame_domain::PhoneNumber::parse)
                .transpose()?;
            contact.answers = answers
                .iter()
                .map(|a| groundgame_domain::SurveyAnswer::parse(a).map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<_>>()?;
            for other in &others {
                let (question, text) = other
                    .split_once('=')
                    .with_context(|| format!("--other {other:?} should look like QUESTION=TEXT"))?;
                let answer = contact
                    .answers
                    .iter_mut()
                    .find(|a| a.question == question.trim().to_ascii_lowercase())
                    .with_context(|| {
                        format!("--other {other:?} names no question answered with --answer")
                    })?;
                answer.other = Some(text.trim().to_owned());
            }
            contact.note = note;
            contact.volunteer = volunteer
                .as_deref()
                .map(|name| store.volunteer_named(name).map(|v| v.id))
                .transpose()?;
            let outcome = store.record_contact(&contact, jiff::Timestamp::now())?;
            if json {
                print_json(&outcome)?;
            } else {
                println!(
                    "recorded {} for {voter} ({})",
                    outcome.result, outcome.attempt_id
                );
                for consequence in &outcome.consequences {
                    println!("  {consequence}");
                }
            }
        }
        Command::Segment {
            db,
            which,
            save,
            json,
        } => targeting::segment(&db, &which, save.as_deref(), json)?,
        Command::CallList(command) => targeting::call_list(&command)?,
        Command::Turf(command) => targeting::turf(&command)?,
        Command::Lists { db, json } => targeting::lists(&db, json)?,
        Command::Export(command) => export::export(command)?,
        Command::Question(command) => people::question(command)?,
        Command::Script(command) => people::script(command)?,
        Command::Scripts { db, json } => people::scripts(&db, json)?,
        Command::Volunteer(command) => people::volunteer(command)?,
        Command::Voter { db, voter, json } => people::voter(&db, &voter, json)?,
        Command::Search {
            db,
            json,
            limit,
            query,
        } => {
            let store = open_existing(&db)?;
            let page = store.search_voters(&VoterQuery::first_page(query.join(" "), limit))?;
            if json {
                print_json(&page)?;
            } else {
                for row in &page.rows {
                    println!(
                        "{:<10} {:<32} {:<28} {:<10} {:<4} {}",
                        row.voter_id.as_str(),
                        for_terminal(&row.name),
                        for_terminal(&row.address),
                        for_terminal(&row.city),
                        row.party.code(),
                        row.precinct
                    );
                }
                println!("{} of {} matching voters", page.rows.len(), page.total);
            }
        }
    }
    Ok(())
}

/// Removes a database and everything beside it that holds its data: the
/// key file and SQLite's write-ahead log.
pub(crate) fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A runtime for a few requests to the registry, one after another.
pub(crate) fn network_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")
}
