//! `groundgame import` and `groundgame generate`.

use crate::{passphrase, print_json};
use anyhow::{bail, Context};
use groundgame_store::{ImportOptions, ImportReport, Store};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, Mapping, VoterFile};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// The totals over every file, with each file's own report.
#[derive(Serialize, Default)]
struct Summary {
    rows: u64,
    voters: u64,
    votes: u64,
    new: u64,
    moved: u64,
    changed: u64,
    removed: u64,
    unchanged: u64,
    skipped: u64,
    files: Vec<ImportReport>,
}

fn layout(slug: &str, mapping: Option<&str>, store: &mut Store) -> anyhow::Result<Layout> {
    if slug != "csv" {
        if mapping.is_some() {
            bail!("--mapping is only for --layout csv");
        }
        return Layout::from_slug(slug).with_context(|| {
            format!(
                "unknown layout {slug:?}; use one of {}",
                Layout::SLUGS.join(", ")
            )
        });
    }
    let Some(mapping) = mapping else {
        bail!("--layout csv needs --mapping FILE (a JSON column mapping) or the name of a saved mapping");
    };
    let path = Path::new(mapping);
    let parsed = if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the mapping {}", path.display()))?;
        let parsed = Mapping::from_json(&text).with_context(|| format!("in {}", path.display()))?;
        store.save_mapping(&parsed, jiff::Timestamp::now())?;
        parsed
    } else {
        store.saved_mapping(mapping)?.with_context(|| {
            format!("{mapping:?} is neither a mapping file nor the name of a saved mapping")
        })?
    };
    Ok(Layout::Mapped(Box::new(parsed)))
}

pub(crate) fn run(
    db: &Path,
    slug: &str,
    mapping: Option<&str>,
    skip_bad: bool,
    json: bool,
    files: &[PathBuf],
) -> anyhow::Result<()> {
    if slug == "results" {
        if mapping.is_some() {
            bail!("--mapping is only for --layout csv");
        }
        return results(db, skip_bad, json, files);
    }
    let mut store = Store::open(db, &passphrase(db, !db.exists())?)?;
    let layout = layout(slug, mapping, &mut store)?;
    let mut summary = Summary::default();
    for path in files {
        let file = VoterFile::open(path, &layout)?;
        let bar =
            ProgressBar::with_draw_target(Some(file.progress().1), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(path.display().to_string());
        let report = store.import(
            file,
            &layout,
            ImportOptions { skip_bad },
            jiff::Timestamp::now(),
            |progress| {
                bar.set_position(progress.bytes_read);
            },
        );
        bar.finish_and_clear();
        let report = report?;
        summary.rows += report.rows;
        summary.voters += report.voters;
        summary.votes += report.votes;
        summary.new += report.new;
        summary.moved += report.moved;
        summary.changed += report.changed;
        summary.removed += report.removed;
        summary.unchanged += report.unchanged;
        summary.skipped += report.skipped.len() as u64;
        if !json {
            println!("{report}");
        }
        summary.files.push(report);
    }
    if json {
        print_json(&summary)?;
    }
    Ok(())
}

pub(crate) fn generate(
    slug: &str,
    voters: u64,
    seed: u64,
    snapshot: u32,
    out: &Path,
) -> anyhow::Result<()> {
    let population = Population {
        voters,
        seed,
        snapshot,
    };
    let file =
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 16, file);
    let out_writer = &mut writer;
    let written = match slug {
        "nc-voter" => generate::write_nc_voter(&population, "WAKE", out_writer),
        "nc-history" => generate::write_nc_history(&population, "WAKE", out_writer),
        "oh" => generate::write_ohio(&population, out_writer),
        "fl" => generate::write_florida(&population, "DAD", out_writer),
        "fl-history" => generate::write_florida_history(&population, "DAD", out_writer),
        "csv" => {
            let mapping = out.with_extension("mapping.json");
            std::fs::write(
                &mapping,
                serde_json::to_string_pretty(&generate::csv_mapping())?,
            )?;
            eprintln!("its column mapping: {}", mapping.display());
            generate::write_csv(&population, out_writer)
        }
        other => bail!(
            "unknown layout {other:?}; use one of {}",
            Layout::SLUGS.join(", ")
        ),
    }
    .and_then(|written| std::io::Write::flush(&mut writer).map(|()| written))
    .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!(
        "{}: {} lines, {} bytes",
        out.display(),
        written.rows,
        written.bytes
    );
    Ok(())
}

/// One results file's load.
#[derive(Serialize)]
struct ResultsFile {
    file: String,
    #[serde(flatten)]
    report: groundgame_store::ResultsImport,
    /// With --skip-bad: the rows left out, each with its line and reason.
    skipped: Vec<String>,
}

/// `import --layout results`: contact attempts from a results CSV (ours,
/// or a spreadsheet typed from paper walk lists), each file in one
/// transaction, exactly once however often it is loaded.
fn results(db: &Path, skip_bad: bool, json: bool, files: &[PathBuf]) -> anyhow::Result<()> {
    use groundgame_domain::export::{parse_result, results_layout};
    let mut store = crate::open_existing(db)?;
    let zone = groundgame_store::office_zone();
    let mut reports = Vec::new();
    for path in files {
        let shown = path.display();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .with_context(|| format!("cannot read {shown}"))?;
        let header = reader
            .headers()
            .with_context(|| format!("{shown}: cannot read its header"))?
            .clone();
        let names: Vec<&str> = header.iter().collect();
        let layout = results_layout(&names).map_err(|error| anyhow::anyhow!("{shown}: {error}"))?;
        let mut rows = Vec::new();
        let mut skipped = Vec::new();
        for record in reader.records() {
            let record = record.with_context(|| format!("{shown}: not a CSV row"))?;
            let line = record.position().map_or(0, |position| position.line());
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            let cells: Vec<&str> = record.iter().collect();
            match parse_result(&layout, &cells) {
                Ok(row) => rows.push((line, row)),
                Err(error) => {
                    let message = format!(
                        "{shown}: line {line}, column {}: {}",
                        error.column, error.message
                    );
                    if skip_bad {
                        skipped.push(message);
                    } else {
                        bail!("{message}; nothing from this file was loaded");
                    }
                }
            }
        }
        let report = store
            .import_results(&rows, &zone, jiff::Timestamp::now())
            .map_err(|error| {
                anyhow::anyhow!("{shown}: {error}; nothing from this file was loaded")
            })?;
        if !json {
            println!(
                "{shown}: {} results: {} added, {} already here{}{}",
                report.rows,
                report.added,
                report.already,
                if report.unlinked > 0 {
                    format!(
                        ", {} recorded without the turf or call list they name",
                        report.unlinked
                    )
                } else {
                    String::new()
                },
                if skipped.is_empty() {
                    String::new()
                } else {
                    format!("; {} bad rows skipped", skipped.len())
                }
            );
            for line in &skipped {
                println!("  skipped {line}");
            }
        }
        reports.push(ResultsFile {
            file: shown.to_string(),
            report,
            skipped,
        });
    }
    if json {
        print_json(&serde_json::json!({ "files": reports }))?;
    }
    Ok(())
}
