//! The groundgame desktop app: a thin Tauri shell. It opens the field-office
//! store, then maps IPC commands onto it; all logic lives in the crates.

// No console window behind the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod error;
mod people;
mod results;
mod review;
mod state;
mod sync;
mod targeting;

use std::path::PathBuf;
use tauri::Manager;

fn main() {
    // Warnings and errors to stderr unless RUST_LOG says otherwise.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let db_override = db_argument(std::env::args().skip(1));
    // `--no-demo`: a new database stays empty, for a laptop that enrols with
    // a registry and downloads its office.
    let demo = !std::env::args().skip(1).any(|arg| arg == "--no-demo");
    // `--lock-after-minutes M`: the open office locks itself after M idle
    // minutes (fractions allowed; 15 by default).
    let lock_after = lock_after_argument(std::env::args().skip(1));
    // `--export-dir DIR`: where the Dashboard's Export writes its files.
    let export_override = path_argument("--export-dir", std::env::args().skip(1));
    let result = tauri::Builder::default()
        .setup(move |app| {
            let db_path = match &db_override {
                Some(path) => path.clone(),
                None => app.path().app_data_dir()?.join("office.db"),
            };
            let export_dir = match &export_override {
                Some(path) => path.clone(),
                None => app
                    .path()
                    .download_dir()
                    .or_else(|_| app.path().document_dir())
                    .unwrap_or_else(|_| {
                        db_path
                            .parent()
                            .map(std::path::Path::to_path_buf)
                            .unwrap_or_default()
                    }),
            };
            app.manage(results::ExportDir(export_dir));
            let state = state::AppState::new(db_path, demo, lock_after);
            state.start_background_sync();
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::lock_state,
            commands::unlock,
            commands::office_overview,
            commands::search_voters,
            commands::voter_detail,
            commands::record_contact,
            commands::add_dnc,
            commands::reverse_dnc,
            commands::correct_voter,
            commands::turfs,
            commands::walk_list,
            commands::call_lists,
            commands::next_call,
            commands::release_call,
            commands::import_file,
            sync::sync_status,
            commands::person_matches,
            commands::add_person,
            sync::sync_overview,
            sync::enrol_device,
            sync::sync_now,
            review::review_queue,
            review::review_decide,
            commands::dismiss_removal,
            commands::lock,
            commands::change_passphrase,
            targeting::targeting_choices,
            targeting::count_segment,
            targeting::segments,
            targeting::save_segment,
            targeting::make_call_list,
            targeting::preview_turfs,
            targeting::cut_turfs,
            targeting::set_work_state,
            targeting::take_turf,
            people::scripts,
            people::save_question,
            people::retire_question,
            people::save_script,
            people::retire_script,
            people::attach_script,
            people::volunteers,
            people::save_volunteer,
            people::assign_work,
            people::sign_in,
            people::sign_out,
            people::signed_in,
            results::dashboard,
            results::set_goals,
            results::campaign_stats,
            results::quality,
            results::export_results,
            results::decide_batch,
            results::audit_log
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("groundgame: {error}");
        std::process::exit(1);
    }
}

fn lock_after_argument(args: impl Iterator<Item = String>) -> u32 {
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--lock-after-minutes" {
            if let Some(minutes) = args.next().and_then(|text| text.parse::<f64>().ok()) {
                if minutes.is_finite() && minutes > 0.0 {
                    return ((minutes * 60.0).round() as u32).max(1);
                }
            }
            eprintln!("groundgame: --lock-after-minutes takes a number of minutes; using 15");
        }
    }
    groundgame_domain::ipc::DEFAULT_LOCK_AFTER_SECONDS
}

/// `--db PATH` (or `--db=PATH`) opens that database instead of the one in the
/// user's data folder; the end-to-end tests use it.
fn db_argument(args: impl Iterator<Item = String>) -> Option<PathBuf> {
    path_argument("--db", args)
}

/// The path after `flag` (`--flag PATH` or `--flag=PATH`).
fn path_argument(flag: &str, args: impl Iterator<Item = String>) -> Option<PathBuf> {
    let joined = format!("{flag}=");
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == flag {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = arg.strip_prefix(&joined) {
            return Some(PathBuf::from(path));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(args: &[&str], expected: Option<&str>) {
        let parsed = db_argument(args.iter().map(|arg| (*arg).to_owned()));
        assert_eq!(parsed, expected.map(PathBuf::from), "{args:?}");
    }

    #[test]
    fn the_window_is_granted_exactly_the_app_commands() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).expect("json");
        let granted: Vec<&str> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p.as_str())
            .collect();
        let expected: Vec<String> = groundgame_domain::ipc::command::ALL
            .iter()
            .map(|name| format!("allow-{}", name.replace('_', "-")))
            .collect();
        assert_eq!(granted, expected);
    }

    #[test]
    fn db_argument_is_found_in_either_form() {
        check(&[], None);
        check(&["--db", "/tmp/a.db"], Some("/tmp/a.db"));
        check(&["--verbose", "--db=/tmp/b.db"], Some("/tmp/b.db"));
        check(&["--db"], None);
    }
}
