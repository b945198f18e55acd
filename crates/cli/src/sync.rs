//! `groundgame sync`: pushes this laptop's changes to the registry, pulls
//! what the office's other devices and the registry decided, and prints the
//! day-end report.

use anyhow::Context;
use groundgame_sync::{SyncOptions, SyncReport, SyncStep};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::sync::Mutex;

pub(crate) fn run(
    db: &Path,
    json: bool,
    lease_ahead: usize,
    lease_hours: f64,
) -> anyhow::Result<()> {
    if !(0.0..=12.0).contains(&lease_hours) {
        anyhow::bail!("--lease-hours is 0 to 12; got {lease_hours}");
    }
    let store = Mutex::new(crate::open_existing(db)?);
    // Two threads: the snapshot is read and decoded on one while the other
    // writes it into the database.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    // The bar goes to stderr, so `--json` output stays clean on stdout.
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {msg} {bar:30} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut progress = |step: SyncStep| match step {
        SyncStep::Connecting => bar.set_message("connecting"),
        SyncStep::Pushing { done, total } => {
            bar.set_message("pushing");
            bar.set_length(total);
            bar.set_position(done);
        }
        SyncStep::Downloading { rows, total } => {
            bar.set_message("downloading the office");
            bar.set_length(total.max(rows));
            bar.set_position(rows);
        }
        SyncStep::Pulling { changes } => {
            bar.set_message(format!("pulling ({changes} changes)"));
        }
        SyncStep::Applying { changes } => {
            bar.set_message("applying");
            bar.set_length(changes);
            bar.set_position(changes);
        }
        SyncStep::Leasing { targets } => {
            bar.set_message(format!("leasing {targets} numbers"));
        }
        SyncStep::Retrying { attempt } => {
            bar.set_message(format!("registry unreachable; retry {attempt}"));
        }
    };
    let result = runtime.block_on(groundgame_sync::sync(
        &store,
        SyncOptions {
            lease_ahead,
            // At least the registry's minimum of a minute.
            lease_seconds: ((lease_hours * 3600.0) as u32).max(60),
            ..SyncOptions::default()
        },
        &mut progress,
    ));
    bar.finish_and_clear();
    let report = result.with_context(|| {
        format!(
            "sync of {} did not finish; everything done here is kept and the next sync carries on",
            db.display()
        )
    })?;
    if json {
        crate::print_json(&report)?;
    } else {
        print_report(&report);
    }
    if report.revoked && report.pending == 0 {
        wipe(db, store, &runtime)?;
    }
    Ok(())
}

/// A revoked laptop has pushed everything it held: its database and key go,
/// and the registry is told (protocol: "Revocation").
fn wipe(
    db: &Path,
    store: Mutex<groundgame_store::Store>,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    let store = store
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let enrolment = store.enrolment()?;
    let credential = store.device_credential()?;
    drop(store);
    groundgame_store::wipe(db)?;
    eprintln!(
        "this laptop was revoked by the campaign: everything it held was pushed, and {} and its key are now wiped",
        db.display()
    );
    if let (Some(enrolment), Some((device_id, secret))) = (enrolment, credential) {
        let client = groundgame_sync::RegistryClient::new(&enrolment.registry_url)?;
        // The wipe stands whether or not the registry hears of it.
        let told = runtime.block_on(async {
            let token = client.token(&device_id, &secret).await?;
            client.report_wiped(&token.access_token).await
        });
        if let Err(error) = told {
            eprintln!("(the registry could not be told: {error})");
        }
    }
    Ok(())
}

fn print_report(report: &SyncReport) {
    println!(
        "pushed {}: {} accepted, {} already there, {} rejected, {} for review",
        report.pushed, report.accepted, report.duplicates, report.rejected, report.conflicts
    );
    for rejection in &report.rejections {
        println!(
            "  #{} {} {}: {}",
            rejection.seq,
            rejection.kind,
            rejection.result,
            groundgame_domain::text::for_terminal(&rejection.reason)
        );
    }
    if report.revoked {
        println!("this device was revoked by the campaign: it pushed what it held and reads nothing more");
        return;
    }
    if report.snapshot_rows > 0 {
        println!(
            "downloaded the office from the registry: {} rows",
            report.snapshot_rows
        );
    }
    println!(
        "pulled {} changes, applied {} ({} about voters this laptop does not hold); up to date as of feed position {}",
        report.pulled, report.applied, report.outside_slice, report.checkpoint
    );
    if report.leased + report.lease_refused > 0 || report.leases_held > 0 {
        println!(
            "holding leases on {} numbers for the phone bank ({} new, {} held by other callers)",
            report.leases_held, report.leased, report.lease_refused
        );
    }
    if report.pending > 0 {
        println!(
            "{} changes made during the sync wait for the next one",
            report.pending
        );
    }
}
