//! `admin backup` and `admin restore` at the terminal: the passphrase,
//! progress and what is printed (the work is `groundgame_registry::backup`).

use anyhow::Context;
use groundgame_registry::backup::{self, format::Passphrase, Location, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub const PASSPHRASE_VARIABLE: &str = "GROUNDGAME_BACKUP_PASSPHRASE";

/// The passphrase from the environment, or asked for at the terminal
/// (twice when sealing, so a typo cannot lock a backup away).
fn passphrase(sealing: bool) -> anyhow::Result<String> {
    if let Ok(text) = std::env::var(PASSPHRASE_VARIABLE) {
        return Ok(text);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "no backup passphrase: set {PASSPHRASE_VARIABLE}, or run this at a terminal to be asked"
        );
    }
    let first =
        rpassword::prompt_password("Backup passphrase: ").context("cannot read the passphrase")?;
    if sealing {
        let again = rpassword::prompt_password("The same passphrase again: ")
            .context("cannot read the passphrase")?;
        if again != first {
            anyhow::bail!("the two passphrases differ; nothing was backed up");
        }
    }
    Ok(first)
}

fn bar(length: Option<u64>) -> ProgressBar {
    let bar = match length {
        Some(length) => ProgressBar::new(length),
        None => ProgressBar::new_spinner(),
    };
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let template = if length.is_some() {
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
    } else {
        "{spinner} {msg} {bytes} sealed, {bytes_per_sec}"
    };
    bar.set_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

pub async fn run(database_url: &str, to: &str, list: bool, json: bool) -> anyhow::Result<()> {
    let target = Location::from_env(to)?;
    if list {
        let backups = backup::list(&target).await?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "backups": backups }))?
            );
        } else if backups.is_empty() {
            println!("no backups under {to}");
        } else {
            for listed in backups {
                match listed.manifest {
                    Some(manifest) => println!(
                        "{}  {:>10}  {:>11} rows  schema {}  made {}",
                        listed.name,
                        megabytes(listed.bytes),
                        manifest.rows,
                        manifest.schema_version,
                        manifest.created_at
                    ),
                    None => println!(
                        "{}  {:>10}  incomplete: no manifest, cannot be restored",
                        listed.name,
                        megabytes(listed.bytes)
                    ),
                }
            }
        }
        return Ok(());
    }
    let passphrase = Passphrase::new(passphrase(true)?)?;
    let pool = groundgame_registry::db::connect(database_url).await?;
    let shown = bar(None);
    let progress = {
        let shown = shown.clone();
        move |at: Progress<'_>| {
            shown.set_message(format!("{} ({} rows)", at.table, at.rows));
            shown.set_position(at.bytes);
        }
    };
    let manifest = backup::backup(&pool, &target, &passphrase, &progress).await?;
    shown.finish_and_clear();
    println!(
        "backed up {} rows of {} tables to {}{}: {} sealed, SHA-256 {}, in {:.1} s",
        manifest.rows,
        manifest.tables.len(),
        target.url_of(&manifest.name),
        backup::DATA_SUFFIX,
        megabytes(manifest.bytes),
        manifest.sha256,
        manifest.seconds
    );
    println!("{}", manifest.name);
    Ok(())
}

pub async fn restore(database_url: &str, from: &str) -> anyhow::Result<()> {
    let (source, name) = Location::of_backup(from)?;
    let passphrase = Passphrase::for_opening(passphrase(false)?);
    let shown = bar(Some(0));
    shown.set_message(format!("restoring {name}"));
    let progress = {
        let shown = shown.clone();
        move |at: Progress<'_>| {
            shown.set_length(at.total);
            shown.set_message(format!("{} ({} rows)", at.table, at.rows));
            shown.set_position(at.bytes);
        }
    };
    let restored = backup::restore(database_url, &source, &name, passphrase, &progress).await;
    shown.finish_and_clear();
    let restored = restored
        .with_context(|| format!("{name} was not restored; the database was left as it was"))?;
    println!(
        "restored {}: {} rows in {} tables, {} read, now at schema {}, in {:.1} s",
        restored.name,
        restored.rows,
        restored.tables,
        megabytes(restored.bytes),
        restored.schema_version,
        restored.seconds
    );
    Ok(())
}
