//! The coordinator's desk on the command line: count a segment, save it,
//! make a call list or cut turfs from it, list, close and delete them.

use crate::{open_existing, print_json};
use clap::{Args, Subcommand};
use groundgame_domain::segment::{
    check_date, AgeRange, ContactedFilter, ElectionRef, GeneralsVoted, PhoneFilter, SegmentCounts,
    SegmentFilter,
};
use groundgame_domain::text::for_terminal;
use groundgame_domain::work::{CallListRules, WorkKind, WorkState};
use groundgame_store::Store;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Which voters: every flag narrows (AND); a repeated `--precinct` or
/// `--party` means any of them.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// A precinct code; may be repeated.
    #[arg(long = "precinct", value_name = "CODE")]
    precincts: Vec<String>,
    /// A party code (DEM, REP, UNA, LIB, GRE; a state's own as NPA or D are normalised); may be repeated.
    #[arg(long = "party", value_name = "CODE", value_parser = party)]
    parties: Vec<String>,
    /// This year minus the birth year, inclusive: 18-29, 65- or 40.
    #[arg(long, value_name = "MIN-MAX", value_parser = AgeRange::parse)]
    age: Option<AgeRange>,
    /// M, F or U; may be repeated.
    #[arg(long = "sex", value_name = "M|F|U", value_parser = sex)]
    sexes: Vec<String>,
    /// A registration status (active is the state's active status only); may be repeated.
    #[arg(long = "status", value_name = "STATUS", value_parser = SegmentFilter::status_code)]
    statuses: Vec<String>,
    /// Voted in the election of this date (any type that day); may be repeated.
    #[arg(long = "voted", value_name = "YYYY-MM-DD", value_parser = date)]
    voted: Vec<String>,
    /// Did not vote in the election of this date; may be repeated.
    #[arg(long = "not-voted", value_name = "YYYY-MM-DD", value_parser = date)]
    not_voted: Vec<String>,
    /// Voted in at least K of the last N general elections: K/N, as 2/4.
    #[arg(long, value_name = "K/N", value_parser = generals)]
    generals: Option<GeneralsVoted>,
    /// Has a number the phone bank may call.
    #[arg(long)]
    has_phone: bool,
    /// Has a callable cell number (the list then calls cells only).
    #[arg(long)]
    cell: bool,
    /// Speaks this language (es); may be repeated.
    #[arg(long = "language", value_name = "CODE")]
    languages: Vec<String>,
    /// The latest support answer, 1 (strong yes) to 5 (strong no); may be repeated.
    #[arg(long = "support", value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
    support: Vec<u8>,
    /// The latest answer to "would you volunteer?" was yes.
    #[arg(long)]
    volunteer: bool,
    /// Contacted (on any channel), since --contacted-since, with a --contact-result if given.
    #[arg(long, conflicts_with = "not_contacted")]
    contacted: bool,
    /// Not contacted, since --contacted-since, with a --contact-result if given.
    #[arg(long)]
    not_contacted: bool,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
    contacted_since: Option<String>,
    /// A result code's slug (not-home, canvassed, ...); may be repeated.
    #[arg(long = "contact-result", value_name = "SLUG")]
    contact_results: Vec<String>,
    /// In an open turf already: yes or no.
    #[arg(long, value_name = "yes|no", value_parser = yes_no)]
    in_turf: Option<bool>,
    /// On an open call list already: yes or no.
    #[arg(long, value_name = "yes|no", value_parser = yes_no)]
    in_call_list: Option<bool>,
}

fn party(text: &str) -> Result<String, String> {
    SegmentFilter::party_code(text)
}

fn sex(text: &str) -> Result<String, String> {
    let code = text.trim().to_ascii_uppercase();
    if matches!(code.as_str(), "M" | "F" | "U" | "X") {
        Ok(code)
    } else {
        Err(format!("{text:?} is not a sex code; expected M, F, U or X"))
    }
}

fn date(text: &str) -> Result<String, String> {
    check_date(text.trim()).map(|()| text.trim().to_owned())
}

fn yes_no(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => Err(format!("{text:?}: expected yes or no")),
    }
}

fn generals(text: &str) -> Result<GeneralsVoted, String> {
    let bad = || format!("{text:?}: expected K/N, as 2/4 (at least 2 of the last 4 generals)");
    let (least, last) = text.split_once('/').ok_or_else(bad)?;
    let (at_least, of_last): (u8, u8) = (
        least.trim().parse().map_err(|_| bad())?,
        last.trim().parse().map_err(|_| bad())?,
    );
    if of_last == 0 || at_least > of_last {
        return Err(format!(
            "{text:?}: at least {at_least} of the last {of_last} cannot be met"
        ));
    }
    Ok(GeneralsVoted {
        of_last,
        at_least,
        at_most: None,
    })
}

impl FilterArgs {
    fn is_empty(&self) -> bool {
        self.filter() == SegmentFilter::default()
    }

    pub fn filter(&self) -> SegmentFilter {
        let election = |date: &String| ElectionRef {
            date: date.clone(),
            kind: None,
        };
        SegmentFilter {
            precincts: self.precincts.iter().map(|p| p.trim().to_owned()).collect(),
            parties: self.parties.clone(),
            age: self.age,
            sexes: self.sexes.clone(),
            statuses: self.statuses.clone(),
            voted: self.voted.iter().map(election).collect(),
            not_voted: self.not_voted.iter().map(election).collect(),
            generals: self.generals,
            phone: if self.cell {
                Some(PhoneFilter::Cell)
            } else if self.has_phone {
                Some(PhoneFilter::Any)
            } else {
                None
            },
            languages: self.languages.clone(),
            support: self.support.clone(),
            volunteer: self.volunteer,
            contacted: (self.contacted || self.not_contacted).then(|| ContactedFilter {
                not: self.not_contacted,
                since: self.contacted_since.clone(),
                results: self.contact_results.clone(),
            }),
            in_turf: self.in_turf,
            in_call_list: self.in_call_list,
        }
    }
}

/// The filter flags or a saved segment, never both.
#[derive(Args, Debug, Clone)]
pub struct Which {
    #[command(flatten)]
    filters: FilterArgs,
    /// A segment saved before, instead of filter flags.
    #[arg(long, value_name = "NAME")]
    segment: Option<String>,
}

impl Which {
    fn resolve(&self, store: &Store) -> anyhow::Result<SegmentFilter> {
        match &self.segment {
            Some(name) if !self.filters.is_empty() => anyhow::bail!(
                "--segment {name:?} is a saved filter; give it or filter flags, not both"
            ),
            Some(name) => Ok(store.segment(name)?.filter),
            None => Ok(self.filters.filter()),
        }
    }
}

/// Which list or turf, and what becomes of it.
#[derive(Args, Debug)]
pub struct StateArgs {
    #[arg(long)]
    db: PathBuf,
    /// Its id (from `groundgame lists`) or uid.
    #[arg(long)]
    id: String,
    /// open, closed or deleted.
    #[arg(long, value_parser = state)]
    state: WorkState,
}

#[derive(Subcommand, Debug)]
pub enum CallListCommand {
    /// Make a call list of a segment's callable phones (one call per number), shared with every laptop of the office.
    Create {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        which: Box<Which>,
        /// Attempts before a number is given up.
        #[arg(long, default_value_t = 3)]
        attempts: i64,
        /// Hours before a voter is called again after any attempt.
        #[arg(long, default_value_t = 4)]
        recycle_hours: i64,
        /// Calling hours in the voter's own time zone.
        #[arg(long, default_value = "09:00-21:00", value_parser = CallListRules::parse_hours)]
        hours: (i64, i64),
        #[arg(long)]
        json: bool,
    },
    /// Close (keep, stop working), reopen or delete a call list, on every laptop of the office.
    Set(StateArgs),
}

#[derive(Subcommand, Debug)]
pub enum TurfCommand {
    /// Cut a segment's doors into turfs of at most --doors each, within precincts, in walking order.
    Cut {
        #[arg(long)]
        db: PathBuf,
        /// Turfs are named NAME PRECINCT-01, NAME PRECINCT-02, ...
        #[arg(long)]
        name: String,
        /// The most doors a turf holds.
        #[arg(long)]
        doors: u32,
        #[command(flatten)]
        which: Box<Which>,
        /// Show the turfs the cut would make, and make none.
        #[arg(long)]
        preview: bool,
        #[arg(long)]
        json: bool,
    },
    /// Make one turf by hand: a whole precinct, a zip, a street, or households picked by id.
    Create {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "CODE", group = "doors_of")]
        precinct: Option<String>,
        #[arg(long, group = "doors_of")]
        zip: Option<String>,
        /// A street, as on the voter file (MAIN ST), with --city if it runs through several.
        #[arg(long, group = "doors_of")]
        street: Option<String>,
        #[arg(long, requires = "street")]
        city: Option<String>,
        /// A household's id (from `groundgame search --json` or a walk list); may be repeated.
        #[arg(long = "household", value_name = "ID", group = "doors_of")]
        households: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Close, reopen or delete a turf, on every laptop of the office.
    Set(StateArgs),
    /// Take a turf out to walk it: this laptop leases its doors from the registry, all or none (online).
    Take {
        #[arg(long)]
        db: PathBuf,
        /// The turf's id (from `groundgame lists`).
        #[arg(long)]
        id: i64,
        /// How long to hold it (at most 12 hours).
        #[arg(long, default_value_t = 4.0)]
        hours: f64,
        #[arg(long)]
        json: bool,
    },
}

fn state(text: &str) -> Result<WorkState, String> {
    WorkState::parse(text.trim())
        .ok_or_else(|| format!("{text:?}: expected open, closed or deleted"))
}

/// A bar `width` long at most for `value` of `max`.
fn bar(value: u64, max: u64, width: usize) -> String {
    let filled = if max == 0 {
        0
    } else {
        ((value as f64 / max as f64) * width as f64).round() as usize
    };
    "█".repeat(filled.min(width))
}

fn print_counts(counts: &SegmentCounts) {
    println!(
        "{} voters at {} doors, {} callable phones",
        counts.voters, counts.households, counts.phones
    );
    println!(
        "excluded: {} do not contact, {} removed, moved or deceased",
        counts.excluded.do_not_contact, counts.excluded.gone
    );
    let max = counts.precincts.iter().map(|p| p.voters).max().unwrap_or(0);
    for precinct in &counts.precincts {
        println!(
            "  {:<10} {:>8}  {}",
            for_terminal(&precinct.precinct),
            precinct.voters,
            bar(precinct.voters, max, 40)
        );
    }
}

pub fn segment(db: &Path, which: &Which, save: Option<&str>, json: bool) -> anyhow::Result<()> {
    let mut store = open_existing(db)?;
    let filter = which.resolve(&store)?;
    let counts = store.count_segment(&filter)?;
    if let Some(name) = save {
        store.save_segment(name, &filter, jiff::Timestamp::now())?;
    }
    if json {
        print_json(&counts)?;
    } else {
        print_counts(&counts);
        if let Some(name) = save {
            println!("saved as {:?}", for_terminal(name));
        }
    }
    Ok(())
}

pub fn call_list(command: &CallListCommand) -> anyhow::Result<()> {
    match command {
        CallListCommand::Create {
            db,
            name,
            which,
            attempts,
            recycle_hours,
            hours,
            json,
        } => {
            let mut store = open_existing(db)?;
            let filter = which.resolve(&store)?;
            let rules = CallListRules {
                max_attempts: *attempts,
                recycle_hours: *recycle_hours,
                calling_start: hours.0,
                calling_end: hours.1,
            };
            let made = store.create_call_list(name, &filter, &rules, jiff::Timestamp::now())?;
            if *json {
                print_json(&made)?;
            } else {
                println!(
                    "call list {} {:?} made with {} calls; it reaches the office's laptops at the next sync",
                    made.id,
                    for_terminal(&made.name),
                    made.items
                );
            }
        }
        CallListCommand::Set(args) => set_state(args, WorkKind::CallList)?,
    }
    Ok(())
}

pub fn turf(command: &TurfCommand) -> anyhow::Result<()> {
    match command {
        TurfCommand::Cut {
            db,
            name,
            doors,
            which,
            preview,
            json,
        } => {
            let mut store = open_existing(db)?;
            let filter = which.resolve(&store)?;
            let turfs = if *preview {
                store.preview_turfs(name, &filter, *doors)?
            } else {
                store.cut_turfs(name, &filter, *doors, jiff::Timestamp::now())?
            };
            if *json {
                #[derive(Serialize)]
                struct Cut<'a> {
                    preview: bool,
                    turfs: &'a [groundgame_store::CutTurf],
                }
                print_json(&Cut {
                    preview: *preview,
                    turfs: &turfs,
                })?;
            } else {
                let max = turfs.iter().map(|t| u64::from(t.doors)).max().unwrap_or(0);
                for turf in &turfs {
                    println!(
                        "{:>6}  {:<28} {:>4} doors {:>5} voters  {}",
                        turf.id.map_or_else(|| "-".to_owned(), |id| id.to_string()),
                        for_terminal(&turf.name),
                        turf.doors,
                        turf.voters,
                        bar(u64::from(turf.doors), max, 20)
                    );
                }
                let doors: u64 = turfs.iter().map(|t| u64::from(t.doors)).sum();
                println!(
                    "{} {} turfs, {doors} doors",
                    if *preview { "would cut" } else { "cut" },
                    turfs.len()
                );
            }
        }
        TurfCommand::Create {
            db,
            name,
            precinct,
            zip,
            street,
            city,
            households,
            json,
        } => {
            let spec = match (precinct, zip, street) {
                (Some(code), ..) => groundgame_store::TurfSpec::Precinct(code.clone()),
                (_, Some(zip), _) => groundgame_store::TurfSpec::Zip(zip.clone()),
                (.., Some(street)) => groundgame_store::TurfSpec::Street {
                    street: street.clone(),
                    city: city.clone(),
                },
                _ if !households.is_empty() => {
                    groundgame_store::TurfSpec::Households(households.clone())
                }
                _ => anyhow::bail!(
                    "say which doors: --precinct CODE, --zip ZIP, --street STREET or --household ID"
                ),
            };
            let mut store = open_existing(db)?;
            let (id, doors) = store.create_turf(name, &spec)?;
            if *json {
                print_json(&serde_json::json!({ "id": id, "name": name, "doors": doors }))?;
            } else {
                println!(
                    "turf {id} {:?} made with {doors} doors in walking order",
                    for_terminal(name)
                );
            }
        }
        TurfCommand::Set(args) => set_state(args, WorkKind::Turf)?,
        TurfCommand::Take {
            db,
            id,
            hours,
            json,
        } => {
            let store = std::sync::Mutex::new(open_existing(db)?);
            let hold = crate::network_runtime()?
                .block_on(groundgame_sync::turf::take(&store, *id, *hours))?;
            if *json {
                print_json(&hold)?;
            } else {
                match hold {
                    Some(hold) if hold.mine => println!(
                        "turf {id} is yours until {}",
                        hold.until.as_deref().unwrap_or("?")
                    ),
                    Some(hold) => anyhow::bail!(
                        "turf {id} is taken: {} has it until {}",
                        for_terminal(hold.holder.as_deref().unwrap_or("another laptop")),
                        hold.until.as_deref().unwrap_or("?")
                    ),
                    None => anyhow::bail!("turf {id} could not be taken; try again"),
                }
            }
        }
    }
    Ok(())
}

fn set_state(args: &StateArgs, kind: WorkKind) -> anyhow::Result<()> {
    let mut store = open_existing(&args.db)?;
    store.set_work_state(kind, &args.id, args.state, jiff::Timestamp::now())?;
    println!(
        "{} {} is {}; every laptop of the office sees it at its next sync",
        kind.noun(),
        args.id,
        args.state.as_str()
    );
    Ok(())
}

pub fn lists(db: &Path, json: bool) -> anyhow::Result<()> {
    let store = open_existing(db)?;
    #[derive(Serialize)]
    struct Lists {
        segments: Vec<groundgame_store::SavedSegment>,
        call_lists: Vec<groundgame_store::CallListSummary>,
        turfs: Vec<Turf>,
    }
    /// A turf as the coordinator reads it: doors, and how many are knocked.
    #[derive(Serialize)]
    struct Turf {
        id: i64,
        uid: Option<String>,
        name: String,
        precinct: Option<String>,
        doors: i64,
        voters: i64,
        knocked: i64,
        state: WorkState,
        hold: Option<groundgame_domain::work::TurfHold>,
    }
    let lists = Lists {
        segments: store.segments()?,
        call_lists: store.call_lists()?,
        turfs: store
            .turfs()?
            .into_iter()
            .map(|turf| Turf {
                id: turf.id,
                uid: turf.uid,
                name: turf.name,
                precinct: turf.precinct,
                doors: turf.households,
                voters: turf.voters,
                knocked: turf.knocked,
                state: turf.state,
                hold: turf.hold,
            })
            .collect(),
    };
    if json {
        return print_json(&lists);
    }
    println!("segments");
    for segment in &lists.segments {
        println!("  {}", for_terminal(&segment.name));
    }
    println!("call lists");
    for list in &lists.call_lists {
        println!(
            "  {:>5}  {:<32} {:>7} calls {:>7} done  {}",
            list.id,
            for_terminal(&list.name),
            list.items,
            list.done,
            list.state.as_str()
        );
    }
    println!("turfs");
    for turf in &lists.turfs {
        let hold = match &turf.hold {
            Some(hold) if hold.mine => "  out on this laptop".to_owned(),
            Some(hold) => format!(
                "  taken by {}",
                for_terminal(hold.holder.as_deref().unwrap_or("another laptop"))
            ),
            None => String::new(),
        };
        println!(
            "  {:>5}  {:<32} {:>4}/{:<4} doors knocked  {}{hold}",
            turf.id,
            for_terminal(&turf.name),
            turf.knocked,
            turf.doors,
            turf.state.as_str()
        );
    }
    Ok(())
}
