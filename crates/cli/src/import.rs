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
