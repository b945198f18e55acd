//! The words and the people of the work on the command line: survey
//! questions (in versions), scripts attached to lists and turfs, the
//! office's volunteers and who a list or turf is assigned to.

use crate::{open_existing, print_json};
use anyhow::Context;
use clap::{Args, Subcommand};
use groundgame_domain::survey::{AnswerChoice, QuestionEdit, QuestionRecord};
use groundgame_domain::text::for_terminal;
use groundgame_domain::wire::Role;
use groundgame_domain::work::WorkKind;
use groundgame_store::{Store, VolunteerChange, VolunteerView};
use jiff::Timestamp;
use serde::Serialize;
use std::path::{Path, PathBuf};

fn answer(text: &str) -> Result<AnswerChoice, String> {
    AnswerChoice::parse(text)
}

fn role(text: &str) -> Result<Role, String> {
    match Role::parse(text) {
        Some(Role::Admin) | None => Err(format!(
            "{text:?} is not a volunteer's role; use canvasser, caller or coordinator"
        )),
        Some(role) => Ok(role),
    }
}

#[derive(Subcommand)]
pub enum QuestionCommand {
    /// Write a new survey question (its version 1).
    Add {
        #[arg(long)]
        db: PathBuf,
        /// Its short name: what answers, scripts and exports call it (a-z, 0-9, -).
        #[arg(long)]
        slug: String,
        /// What the volunteer asks.
        #[arg(long)]
        text: String,
        /// An answer, CODE=LABEL (yes=Yes); repeat for each, in the order shown.
        #[arg(long = "answer", value_name = "CODE=LABEL", value_parser = answer, required = true)]
        answers: Vec<AnswerChoice>,
        /// Volunteers may add an "other" note to the answer.
        #[arg(long)]
        other: bool,
        #[arg(long)]
        json: bool,
    },
    /// Edit a question: makes its next version (answers already given keep theirs).
    Edit {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        text: Option<String>,
        /// An answer to add, or a new label for one (by code); may be repeated.
        #[arg(long = "answer", value_name = "CODE=LABEL", value_parser = answer)]
        answers: Vec<AnswerChoice>,
        /// An answer code no longer offered; may be repeated.
        #[arg(long = "drop", value_name = "CODE")]
        drop: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Retire a question (it is no longer asked; its answers stay), or restore it.
    Retire {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        restore: bool,
        #[arg(long)]
        json: bool,
    },
}

/// A list or turf, by its id in `groundgame lists`.
#[derive(Args, Debug, Clone, Default)]
#[group(required = false, multiple = false)]
pub struct WorkArg {
    /// A call list's id.
    #[arg(long)]
    list: Option<i64>,
    /// A turf's id.
    #[arg(long)]
    turf: Option<i64>,
}

impl WorkArg {
    fn get(&self) -> Option<(WorkKind, i64)> {
        match (self.list, self.turf) {
            (Some(list), _) => Some((WorkKind::CallList, list)),
            (None, Some(turf)) => Some((WorkKind::Turf, turf)),
            (None, None) => None,
        }
    }

    fn required(&self) -> anyhow::Result<(WorkKind, i64)> {
        self.get().context(
            "name the call list (--list ID) or turf (--turf ID); `groundgame lists` shows them",
        )
    }
}

#[derive(Subcommand)]
pub enum ScriptCommand {
    /// Write a script (or edit the one of that name) and attach it to a list or turf.
    Add {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        name: String,
        /// What is read aloud; {first_name}, {last_name}, {name}, {volunteer} and {precinct} are filled in.
        #[arg(long)]
        text: String,
        /// A question asked after it, by slug; may be repeated, in order.
        #[arg(long = "question", value_name = "SLUG")]
        questions: Vec<String>,
        #[command(flatten)]
        work: WorkArg,
        /// With --list or --turf: a result code its volunteers see (opt-outs are always shown); may be repeated.
        #[arg(long = "result", value_name = "CODE")]
        results: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Retire a script (lists and turfs reading it read the standard one), or restore it.
    Retire {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long)]
        restore: bool,
        #[arg(long)]
        json: bool,
    },
    /// Attach a script (by name, or the standard one) to a list or turf.
    Attach {
        #[arg(long)]
        db: PathBuf,
        /// The script's name; leave out for the standard script.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        work: WorkArg,
        /// A result code its volunteers see (opt-outs are always shown); may be repeated.
        #[arg(long = "result", value_name = "CODE")]
        results: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum VolunteerCommand {
    /// Add a volunteer to the office's roster.
    Add {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        name: String,
        /// canvasser, caller or coordinator; may be repeated.
        #[arg(long = "role", value_parser = role, required = true)]
        roles: Vec<Role>,
        /// A language spoken besides English (es, vi); may be repeated.
        #[arg(long = "language", value_name = "CODE")]
        languages: Vec<String>,
        /// A phone number or an email address.
        #[arg(long)]
        contact: Option<String>,
        /// A sign-in PIN of 4 to 8 digits.
        #[arg(long)]
        pin: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change a volunteer (by name): roles, languages, contact, PIN; retire or restore them.
    Edit {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long)]
        rename: Option<String>,
        /// Replaces their roles; may be repeated.
        #[arg(long = "role", value_parser = role)]
        roles: Vec<Role>,
        /// Replaces their languages; may be repeated.
        #[arg(long = "language", value_name = "CODE")]
        languages: Vec<String>,
        /// Speaks only English (takes their languages away).
        #[arg(long, conflicts_with = "languages")]
        no_languages: bool,
        #[arg(long)]
        contact: Option<String>,
        #[arg(long, conflicts_with = "no_pin")]
        pin: Option<String>,
        #[arg(long)]
        no_pin: bool,
        #[arg(long, conflicts_with = "restore")]
        retire: bool,
        #[arg(long)]
        restore: bool,
        #[arg(long)]
        json: bool,
    },
    /// The office's volunteers.
    List {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Assign a list or turf to volunteers (no --volunteer: to nobody).
    Assign {
        #[arg(long)]
        db: PathBuf,
        #[command(flatten)]
        work: WorkArg,
        #[arg(long = "volunteer", value_name = "NAME")]
        volunteers: Vec<String>,
        #[arg(long)]
        json: bool,
    },
}

fn print_question(question: &QuestionRecord, json: bool, what: &str) -> anyhow::Result<()> {
    if json {
        return print_json(question);
    }
    println!(
        "question {} version {} {what}: {}",
        question.slug,
        question.version,
        for_terminal(&question.text)
    );
    for answer in &question.answers {
        println!("  {:<14} {}", answer.code, for_terminal(&answer.label));
    }
    Ok(())
}

pub fn question(command: QuestionCommand) -> anyhow::Result<()> {
    let now = Timestamp::now();
    match command {
        QuestionCommand::Add {
            db,
            slug,
            text,
            answers,
            other,
            json,
        } => {
            let made = open_existing(&db)?.add_question(&slug, &text, answers, other, now)?;
            print_question(&made, json, "written")
        }
        QuestionCommand::Edit {
            db,
            slug,
            text,
            answers,
            drop,
            json,
        } => {
            let edit = QuestionEdit {
                text,
                answers,
                drop,
                other: None,
            };
            let made = open_existing(&db)?.edit_question(&slug, &edit, now)?;
            print_question(&made, json, "made (earlier answers keep their version)")
        }
        QuestionCommand::Retire {
            db,
            slug,
            restore,
            json,
        } => {
            let made = open_existing(&db)?.retire_question(&slug, !restore, now)?;
            print_question(&made, json, if restore { "restored" } else { "retired" })
        }
    }
}

/// What attaching a script answers, for `--json`.
#[derive(Serialize)]
struct Attached {
    work: WorkKind,
    id: i64,
    script: Option<String>,
    results: Vec<String>,
}

fn attach(
    store: &mut Store,
    (work, id): (WorkKind, i64),
    name: Option<&str>,
    results: &[String],
) -> anyhow::Result<Attached> {
    let setup = store.attach_script(work, id, name, results, Timestamp::now())?;
    Ok(Attached {
        work,
        id,
        script: name.map(str::to_owned),
        results: setup.results,
    })
}

pub fn script(command: ScriptCommand) -> anyhow::Result<()> {
    match command {
        ScriptCommand::Add {
            db,
            name,
            text,
            questions,
            work,
            results,
            json,
        } => {
            let mut store = open_existing(&db)?;
            if !results.is_empty() && work.get().is_none() {
                anyhow::bail!("--result needs the --list or --turf it is for");
            }
            let script = store.save_script(&name, &text, &questions, Timestamp::now())?;
            let attached = work
                .get()
                .map(|work| attach(&mut store, work, Some(&script.name), &results))
                .transpose()?;
            if json {
                #[derive(Serialize)]
                struct Saved {
                    #[serde(flatten)]
                    script: groundgame_store::ScriptView,
                    attached: Option<Attached>,
                }
                return print_json(&Saved { script, attached });
            }
            println!(
                "script {:?} saved, asking {}",
                for_terminal(&script.name),
                if script.questions.is_empty() {
                    "no questions".to_owned()
                } else {
                    script.questions.join(", ")
                }
            );
            if let Some(attached) = attached {
                println!("  attached to {} {}", attached.work.noun(), attached.id);
            }
            Ok(())
        }
        ScriptCommand::Retire {
            db,
            name,
            restore,
            json,
        } => {
            let script = open_existing(&db)?.retire_script(&name, !restore, Timestamp::now())?;
            if json {
                return print_json(&script);
            }
            println!(
                "script {:?} {}",
                for_terminal(&script.name),
                if restore { "restored" } else { "retired" }
            );
            Ok(())
        }
        ScriptCommand::Attach {
            db,
            name,
            work,
            results,
            json,
        } => {
            let mut store = open_existing(&db)?;
            let attached = attach(&mut store, work.required()?, name.as_deref(), &results)?;
            if json {
                return print_json(&attached);
            }
            println!(
                "{} {} reads {}",
                attached.work.noun(),
                attached.id,
                attached
                    .script
                    .as_deref()
                    .map_or_else(|| "the standard script".into(), for_terminal)
            );
            Ok(())
        }
    }
}

pub fn scripts(db: &Path, json: bool) -> anyhow::Result<()> {
    let store = open_existing(db)?;
    #[derive(Serialize)]
    struct Scripts {
        scripts: Vec<groundgame_store::ScriptView>,
        questions: Vec<QuestionRecord>,
    }
    let all = Scripts {
        scripts: store.scripts()?,
        questions: store.questions()?,
    };
    if json {
        return print_json(&all);
    }
    for script in &all.scripts {
        println!(
            "{}{}: {}",
            for_terminal(&script.name),
            if script.retired { " (retired)" } else { "" },
            for_terminal(&script.text)
        );
        if !script.questions.is_empty() {
            println!("  asks {}", script.questions.join(", "));
        }
    }
    for question in &all.questions {
        println!(
            "{} v{}{}: {} [{}]",
            question.slug,
            question.version,
            if question.retired { " (retired)" } else { "" },
            for_terminal(&question.text),
            question.codes()
        );
    }
    Ok(())
}

fn print_volunteer(volunteer: &VolunteerView, json: bool, what: &str) -> anyhow::Result<()> {
    if json {
        return print_json(volunteer);
    }
    println!(
        "{} {what}: {}{}",
        for_terminal(&volunteer.name),
        volunteer
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        if volunteer.languages.is_empty() {
            String::new()
        } else {
            format!("; speaks {}", volunteer.languages.join(", "))
        }
    );
    Ok(())
}

pub fn volunteer(command: VolunteerCommand) -> anyhow::Result<()> {
    let now = Timestamp::now();
    match command {
        VolunteerCommand::Add {
            db,
            name,
            roles,
            languages,
            contact,
            pin,
            json,
        } => {
            let added = open_existing(&db)?.add_volunteer(
                &name,
                &roles,
                &languages,
                contact.as_deref(),
                pin.as_deref(),
                now,
            )?;
            print_volunteer(&added, json, "added")
        }
        VolunteerCommand::Edit {
            db,
            name,
            rename,
            roles,
            languages,
            no_languages,
            contact,
            pin,
            no_pin,
            retire,
            restore,
            json,
        } => {
            let change = VolunteerChange {
                name: rename,
                contact,
                roles: (!roles.is_empty()).then_some(roles),
                languages: if no_languages {
                    Some(Vec::new())
                } else {
                    (!languages.is_empty()).then_some(languages)
                },
                pin: if no_pin { Some(None) } else { pin.map(Some) },
                retired: (retire || restore).then_some(retire),
            };
            let saved = open_existing(&db)?.edit_volunteer(&name, &change, now)?;
            print_volunteer(&saved, json, if retire { "retired" } else { "saved" })
        }
        VolunteerCommand::List { db, json } => {
            let store = open_existing(&db)?;
            #[derive(Serialize)]
            struct Roster {
                volunteers: Vec<VolunteerView>,
            }
            let roster = Roster {
                volunteers: store.volunteers()?,
            };
            if json {
                return print_json(&roster);
            }
            for volunteer in &roster.volunteers {
                print_volunteer(
                    volunteer,
                    false,
                    if volunteer.retired { "(retired)" } else { "" },
                )?;
            }
            Ok(())
        }
        VolunteerCommand::Assign {
            db,
            work,
            volunteers,
            json,
        } => {
            let (kind, id) = work.required()?;
            let assigned = open_existing(&db)?.assign(kind, id, &volunteers, now)?;
            if json {
                #[derive(Serialize)]
                struct Assigned {
                    work: WorkKind,
                    id: i64,
                    volunteers: Vec<VolunteerView>,
                }
                return print_json(&Assigned {
                    work: kind,
                    id,
                    volunteers: assigned,
                });
            }
            println!(
                "{} {id} is assigned to {}",
                kind.noun(),
                if assigned.is_empty() {
                    "nobody".to_owned()
                } else {
                    assigned
                        .iter()
                        .map(|v| for_terminal(&v.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
            Ok(())
        }
    }
}

/// `groundgame voter`: the voter's detail as the app shows it.
pub fn voter(db: &Path, voter: &str, json: bool) -> anyhow::Result<()> {
    let store = open_existing(db)?;
    let detail = store.voter_detail(&groundgame_domain::VoterId::parse(voter)?)?;
    if json {
        return print_json(&detail);
    }
    println!(
        "{} {} ({}, {}), {}",
        detail.voter_id,
        for_terminal(&detail.name),
        detail.party,
        detail.precinct,
        for_terminal(&detail.address)
    );
    for contact in &detail.contacts {
        println!(
            "  {} {} {}{}",
            contact.recorded_at,
            contact.channel,
            contact.result_label,
            contact
                .volunteer
                .as_deref()
                .map_or_else(String::new, |v| format!(" by {}", for_terminal(v)))
        );
        for answer in &contact.answers {
            println!(
                "    {} (v{}): {}",
                for_terminal(if answer.text.is_empty() {
                    &answer.question
                } else {
                    &answer.text
                }),
                answer.version.unwrap_or(0),
                for_terminal(&answer.label)
            );
        }
    }
    Ok(())
}
