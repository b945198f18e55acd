//! The fuzz targets in `fuzz/` (see its Cargo.toml): built by cargo-fuzz
//! with libFuzzer and no sanitizer, so the stable toolchain builds them; the
//! code they reach is safe Rust, where what a fuzzer finds is a panic, a
//! hang or a broken invariant, not a memory error.
//!
//! The build has a target folder of its own beside the project's (its
//! dependencies are compiled again with coverage instrumentation), and each
//! target's corpus is kept there too, so every run starts from what the last
//! one found. Seeds committed in `fuzz/seeds/` give each target the shapes
//! of real input to mutate from.

use crate::cmd;
use crate::setup;
use crate::Project;
use anyhow::Context;
use std::time::Instant;

const CARGO_FUZZ_VERSION: &str = "0.13.2";
pub const TARGETS: [&str; 3] = ["voter_file", "push_body", "snapshot_lines"];

/// Builds every target and runs each for `seconds`.
pub fn run(project: &Project, seconds: u64) -> anyhow::Result<()> {
    setup::cargo_install_exact(project, "cargo-fuzz", "cargo-fuzz", CARGO_FUZZ_VERSION)?;
    let fuzz_dir = project.root.join("fuzz");
    let target_dir = project.target_dir.join("fuzz");
    cmd::cargo(project)
        .args(["fuzz", "build", "--sanitizer", "none", "--fuzz-dir"])
        .arg(&fuzz_dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        .run("build the fuzz targets")?;
    for target in TARGETS {
        let corpus = target_dir.join("corpus").join(target);
        let artifacts = target_dir.join("artifacts").join(target);
        for dir in [&corpus, &artifacts] {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot make {}", dir.display()))?;
        }
        let started = Instant::now();
        // libFuzzer prints a line per new input: into a log beside the
        // corpus, with its final figures (or the failure) shown here.
        let log_path = target_dir.join(format!("{target}.log"));
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("cannot write {}", log_path.display()))?;
        let mut command = std::process::Command::new(cmd::cargo_program());
        command
            .args(["fuzz", "run", "--sanitizer", "none", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .arg(target)
            .arg(&corpus)
            .arg(fuzz_dir.join("seeds").join(target))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            // A hang is a finding too.
            .arg("-timeout=10")
            .arg("-rss_limit_mb=2048")
            .arg("-max_len=65536")
            .arg("-print_final_stats=1")
            .current_dir(&project.root)
            .env("CARGO_TARGET_DIR", &target_dir)
            .stdout(log.try_clone().context("cannot share the fuzz log")?)
            .stderr(log);
        println!("xtask: fuzz {target} for {seconds} s: {command:?}");
        let status = command
            .status()
            .with_context(|| format!("cannot run cargo fuzz for {target}"))?;
        let output = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = output.lines().collect();
        if !status.success() {
            let tail = lines[lines.len().saturating_sub(60)..].join("\n");
            anyhow::bail!(
                "fuzzing {target} found a failure ({status}); the input that caused it is in {}, the \
                 whole log in {}:\n{tail}",
                artifacts.display(),
                log_path.display()
            );
        }
        for line in lines
            .iter()
            .filter(|line| line.starts_with("Done ") || line.starts_with("stat::"))
        {
            println!("  {line}");
        }
        println!(
            "xtask: fuzzed {target} for {:.0?} with nothing found; its corpus is {}",
            started.elapsed(),
            corpus.display()
        );
    }
    Ok(())
}
