//! `groundgame export`: results (plain CSV or the party CRM's bulk upload),
//! a walk list, a call list or a segment's voters as CSV. Rows stream from
//! the database to a file beside `--out`, renamed into place only when
//! whole, so a failed export never leaves half a file under its name.

use crate::open_existing;
use clap::Subcommand;
use groundgame_domain::export::{
    walk_list_records, ResultsFormat, CALL_LIST_COLUMNS, SEGMENT_COLUMNS, WALK_LIST_COLUMNS,
};
use groundgame_store::{CsvFile as Output, ResultsQuery};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Contact attempts: one row per attempt with a column per survey
    /// question (csv), or the party CRM's bulk upload of canvass results (crm).
    Results {
        #[arg(long)]
        db: PathBuf,
        /// csv or crm.
        #[arg(long, default_value = "csv", value_parser = format)]
        format: ResultsFormat,
        /// Only attempts from this day of the office on (YYYY-MM-DD).
        #[arg(long, value_parser = date)]
        since: Option<jiff::civil::Date>,
        /// Only the attempts of this turf (its id, from `groundgame lists`).
        #[arg(long, conflicts_with = "list")]
        turf: Option<i64>,
        /// Only the attempts of this call list (its id).
        #[arg(long)]
        list: Option<i64>,
        /// The office's time zone for dates and times (default: this laptop's).
        #[arg(long)]
        zone: Option<String>,
        /// Also the results of quarantined batches (left out by default).
        #[arg(long)]
        include_quarantined: bool,
        #[arg(long)]
        out: PathBuf,
    },
    /// A turf's walk list: a row per voter, doors in walking order.
    WalkList {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        turf: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// A call list's calls in order, with their status and latest result.
    CallList {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        list: i64,
        #[arg(long)]
        out: PathBuf,
    },
    /// A saved segment's voters with their address and first phone.
    Segment {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_name = "NAME")]
        segment: String,
        #[arg(long)]
        out: PathBuf,
    },
}

fn format(text: &str) -> Result<ResultsFormat, String> {
    ResultsFormat::parse(text).ok_or_else(|| format!("{text:?}: expected csv or crm"))
}

fn date(text: &str) -> Result<jiff::civil::Date, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a date; write it as YYYY-MM-DD"))
}

fn bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{what} [{{bar:30}}] {{pos}}/{{len}} {{per_sec}} {{eta}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

pub fn export(command: ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::Results {
            db,
            format,
            since,
            turf,
            list,
            zone,
            include_quarantined,
            out,
        } => {
            let store = open_existing(&db)?;
            let zone = crate::results::zone(zone.as_deref())?;
            let query = ResultsQuery {
                since,
                turf,
                call_list: list,
                include_quarantined,
            };
            let shown = bar(0, "results");
            let written = store.write_results(&query, &zone, format, &out, |done, total| {
                shown.set_length(total);
                shown.set_position(done);
            })?;
            shown.finish_and_clear();
            println!(
                "wrote {} attempts as {} rows to {}",
                written.attempts,
                written.rows,
                out.display()
            );
        }
        ExportCommand::WalkList { db, turf, out } => {
            let store = open_existing(&db)?;
            let stops = store.walk_list(turf)?;
            let mut output = Output::create(&out, &WALK_LIST_COLUMNS)?;
            let mut rows = 0;
            for (door, stop) in (1..).zip(&stops) {
                for record in walk_list_records(door, stop) {
                    output.row(&record)?;
                    rows += 1;
                }
            }
            output.finish()?;
            println!(
                "wrote {} doors, {rows} voters to {}",
                stops.len(),
                out.display()
            );
        }
        ExportCommand::CallList { db, list, out } => {
            let store = open_existing(&db)?;
            let mut output = Output::create(&out, &CALL_LIST_COLUMNS)?;
            let calls = store.export_call_list(list, |record| output.row(&record))?;
            output.finish()?;
            println!("wrote {calls} calls to {}", out.display());
        }
        ExportCommand::Segment { db, segment, out } => {
            let mut store = open_existing(&db)?;
            let mut output = Output::create(&out, &SEGMENT_COLUMNS)?;
            let shown = bar(0, "voters");
            let voters = store.export_segment(
                &segment,
                |record| output.row(&record),
                |done, total| {
                    shown.set_length(total);
                    shown.set_position(done);
                },
            )?;
            shown.finish_and_clear();
            output.finish()?;
            println!("wrote {voters} voters of {segment:?} to {}", out.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{date, format};
    use groundgame_domain::export::ResultsFormat;

    #[test]
    fn the_options_say_what_they_take() {
        assert_eq!(format("crm"), Ok(ResultsFormat::Crm));
        assert_eq!(format("xlsx"), Err("\"xlsx\": expected csv or crm".into()));
        assert!(date("2026-11-30").is_ok());
        assert_eq!(
            date("11/30/2026"),
            Err("\"11/30/2026\" is not a date; write it as YYYY-MM-DD".into())
        );
    }
}
