//! `cargo xtask`: the project's own build steps, so a new machine needs only
//! Rust and these two commands.
//!
//! - `cargo xtask run [-- APP ARGS]`: install what is missing, build the UI and
//!   the desktop app, and open it on the demo field office.
//! - `cargo xtask test`: install what is missing, then formatting, clippy,
//!   every unit and integration test (the registry's on a real PostgreSQL)
//!   and the desktop end-to-end tests in a real window under Xvfb.
//! - `cargo xtask setup`, `ui`, `app`: the pieces of the above.

mod cmd;
mod fuzz;
mod postgres;
mod registry;
mod setup;
mod ui;

use anyhow::{bail, Context};
use std::path::PathBuf;

fn main() {
    if let Err(error) = run() {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let project = Project::locate()?;
    match task.as_str() {
        "setup" => setup::install(&project, setup::Purpose::Test).map(drop),
        "ui" => {
            let toolchain = setup::install(&project, setup::Purpose::Ui)?;
            ui::build(&project, &toolchain)
        }
        "app" => build_app(&project, setup::Purpose::Run).map(drop),
        "run" => run_app(&project, &rest),
        "registry" => registry::run(&project),
        "test" => test(&project),
        "fuzz" => {
            let seconds = match rest
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                [] => 600,
                ["--seconds", seconds] => seconds.parse().with_context(|| {
                    format!("--seconds takes a number of seconds, not {seconds:?}")
                })?,
                other => bail!("usage: cargo xtask fuzz [--seconds N]; got {other:?}"),
            };
            fuzz::run(&project, seconds)
        }
        "" | "help" | "--help" | "-h" => {
            println!("{}", HELP);
            Ok(())
        }
        other => bail!("unknown task {other:?}\n{HELP}"),
    }
}

const HELP: &str = "usage: cargo xtask <task>
  run [-- ARGS]  install what is missing, build, and open the desktop app on the demo office
  registry       serve a campaign registry on this machine (an invented county, one office, two codes)
  test           fmt, clippy, unit + integration tests (real PostgreSQL), end-to-end tests, and each fuzz target for a few seconds
  fuzz [--seconds N]  run each fuzz target for N seconds (default 600)
  setup          install what is missing (system packages, wasm32 toolchain, wasm-bindgen, tauri-driver)
  ui             build the Yew front end into ui/dist
  app            build the UI and the desktop app";

/// Where things are: the workspace, and the target folders outside it that
/// CI keeps between runs.
pub struct Project {
    pub root: PathBuf,
    pub target_dir: PathBuf,
}

impl Project {
    /// The workspace is found from where `cargo xtask` was run, not from
    /// where the xtask binary was compiled: with a shared target folder, a
    /// binary built in one checkout can be reused, fresh, by another (cargo
    /// compares the second checkout's older file times with the first's
    /// build), and it must still work on the checkout it was run in.
    fn locate() -> anyhow::Result<Self> {
        let start = std::env::current_dir().context("cannot read the current folder")?;
        let root = start
            .ancestors()
            .find(|dir| {
                std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|manifest| manifest.contains("[workspace]"))
                    && dir.join("xtask").is_dir()
            })
            .with_context(|| {
                format!(
                    "run cargo xtask inside the groundgame workspace ({} is not in one)",
                    start.display()
                )
            })?
            .to_path_buf();
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        Ok(Self { root, target_dir })
    }

    pub fn app_binary(&self) -> PathBuf {
        self.target_dir.join("debug").join("groundgame-app")
    }

    pub fn ui_dist(&self) -> PathBuf {
        self.root.join("ui").join("dist")
    }
}

fn build_app(project: &Project, purpose: setup::Purpose) -> anyhow::Result<setup::Toolchain> {
    let toolchain = setup::install(project, purpose)?;
    ui::build(project, &toolchain)?;
    cmd::cargo(project)
        .args(["build", "--locked", "--package", "groundgame-app"])
        .run("build the desktop app")?;
    Ok(toolchain)
}

fn run_app(project: &Project, app_args: &[String]) -> anyhow::Result<()> {
    build_app(project, setup::Purpose::Run)?;
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()));
    if !has_display {
        bail!(
            "the app is built ({}) but there is no display to open it on; run this from a desktop session, \
             or try it headless with `xvfb-run -a cargo xtask run`",
            project.app_binary().display()
        );
    }
    let args: Vec<&str> = app_args
        .iter()
        .map(String::as_str)
        .skip_while(|arg| *arg == "--")
        .collect();
    cmd::Cmd::new(project.app_binary())
        .args(args)
        .run("run the desktop app")
}

/// How long `test` runs each fuzz target: long enough to catch what a
/// change broke in the readers, short enough for CI; `cargo xtask fuzz`
/// runs longer.
const FUZZ_SECONDS_IN_TEST: u64 = 15;

fn test(project: &Project) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let toolchain = setup::install(project, setup::Purpose::Test)?;

    cmd::cargo(project)
        .args(["fmt", "--all", "--check"])
        .run("check formatting (run `cargo fmt --all` to fix)")?;

    // The desktop shell embeds the built UI at compile time, so the UI comes
    // before clippy and the tests.
    ui::build(project, &toolchain)?;
    cmd::cargo(project)
        .args([
            "clippy",
            "--locked",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .run("clippy")?;
    cmd::cargo(project)
        .args(["build", "--locked", "--package", "groundgame-app"])
        .run("build the desktop app for the end-to-end tests")?;

    let schemathesis = setup::schemathesis(project)?;
    let moto_server = setup::moto_server(project)?;
    let database = postgres::Server::find_or_start(project)?;
    let screenshots = project.target_dir.join("e2e-screenshots");
    cmd::Cmd::new("xvfb-run")
        .args(["--auto-servernum", "--server-args=-screen 0 1280x800x24"])
        .arg(cmd::cargo_program())
        .args(["test", "--locked", "--workspace"])
        .current_dir(&project.root)
        .env("CARGO_TARGET_DIR", &project.target_dir)
        .env("DATABASE_URL", database.url())
        .env("GROUNDGAME_APP_BIN", project.app_binary())
        .env("GROUNDGAME_SCREENSHOTS", &screenshots)
        .env("TAURI_DRIVER", setup::cargo_bin("tauri-driver"))
        .env("GROUNDGAME_SCHEMATHESIS", &schemathesis)
        .env("GROUNDGAME_MOTO_SERVER", &moto_server)
        .run("unit, integration and end-to-end tests")?;
    drop(database);
    fuzz::run(project, FUZZ_SECONDS_IN_TEST)?;

    println!(
        "xtask: all checks passed in {:.0?}; end-to-end screenshots are in {}",
        started.elapsed(),
        screenshots.display()
    );
    Ok(())
}
