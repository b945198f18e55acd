//! `groundgame`: the field office's database from the command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use groundgame_domain::ipc::VoterQuery;
use groundgame_store::{DemoConfig, Passphrase, Store};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    /// Count what the database holds.
    Stats {
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

/// The database passphrase: from `GROUNDGAME_PASSPHRASE`, else asked for on
/// the terminal (twice for a new database, so a typo cannot lock it).
fn passphrase(db: &Path, new: bool) -> anyhow::Result<Passphrase> {
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
fn open_existing(db: &Path) -> anyhow::Result<Store> {
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
        Command::Stats { db, json } => {
            let overview = open_existing(&db)?.overview()?;
            if json {
                print_json(&overview)?;
            } else {
                println!("{}", overview.office_name);
                println!("  voters      {}", overview.voters);
                println!("  households  {}", overview.households);
                println!("  turfs       {}", overview.turfs);
                println!("  call lists  {}", overview.call_lists);
            }
        }
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
                        row.name,
                        row.address,
                        row.city,
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

fn print_json(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
