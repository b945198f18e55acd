//! Builds the Yew front end to wasm32 and lays out `ui/dist`, the folder the
//! desktop shell embeds.

use crate::cmd::{self, Cmd};
use crate::setup::{self, Toolchain};
use crate::Project;
use anyhow::Context;
use std::path::Path;

const WASM_TARGET: &str = "wasm32-unknown-unknown";

pub fn build(project: &Project, toolchain: &Toolchain) -> anyhow::Result<()> {
    // A target folder of its own: Debian's compiler must never share build
    // artefacts with rustup's.
    let wasm_target_dir = project.target_dir.join("ui-wasm");
    let common = [
        "build",
        "--locked",
        "--release",
        "--package",
        "groundgame-ui",
        "--lib",
        "--target",
        WASM_TARGET,
    ];
    match toolchain {
        Toolchain::Rustup => cmd::cargo(project)
            .args(common)
            .env("CARGO_TARGET_DIR", &wasm_target_dir)
            .run("build the UI (wasm32)")?,
        Toolchain::Debian => {
            let path = format!("/usr/bin:{}", std::env::var("PATH").unwrap_or_default());
            let mut debian = Cmd::new(setup::DEBIAN_CARGO)
                .args(common)
                .args(["-Z", "build-std=std,panic_abort"])
                .current_dir(&project.root)
                .env("PATH", path)
                .env("RUSTC_BOOTSTRAP", "1")
                .env("CARGO_TARGET_DIR", &wasm_target_dir);
            // rustup's proxies set these for us; they would point Debian's
            // cargo at rustup's compiler.
            for inherited in [
                "RUSTUP_TOOLCHAIN",
                "RUSTC",
                "RUSTDOC",
                "CARGO",
                "RUSTC_WRAPPER",
                "RUSTC_WORKSPACE_WRAPPER",
                "RUSTFLAGS",
                "CARGO_ENCODED_RUSTFLAGS",
            ] {
                debian = debian.env_remove(inherited);
            }
            debian.run("build the UI (wasm32, Debian's Rust with std from source)")?;
        }
    }

    let wasm = wasm_target_dir
        .join(WASM_TARGET)
        .join("release")
        .join("groundgame_ui.wasm");
    // Bindings are generated into a staging folder and copied over only
    // where they changed: the desktop shell's build script watches ui/dist,
    // and untouched files keep an incremental build incremental.
    let staging = project.target_dir.join("ui-staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    Cmd::new(setup::cargo_bin("wasm-bindgen"))
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&staging)
        .arg(&wasm)
        .run("generate the UI's JavaScript bindings")?;
    let static_dir = project.root.join("ui").join("static");
    for entry in std::fs::read_dir(&static_dir)
        .with_context(|| format!("cannot read {}", static_dir.display()))?
    {
        let entry = entry?;
        std::fs::copy(entry.path(), staging.join(entry.file_name()))
            .with_context(|| format!("cannot copy {} into the UI", entry.path().display()))?;
    }
    sync_dir(&staging, &project.ui_dist())
}

/// Makes `to` hold exactly the files of `from`, writing only what differs.
fn sync_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut wanted = std::collections::HashSet::new();
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let bytes = std::fs::read(entry.path())?;
        let destination = to.join(entry.file_name());
        if std::fs::read(&destination).ok().as_deref() != Some(bytes.as_slice()) {
            std::fs::write(&destination, &bytes)
                .with_context(|| format!("cannot write {}", destination.display()))?;
        }
        wanted.insert(entry.file_name());
    }
    for entry in std::fs::read_dir(to)? {
        let entry = entry?;
        if !wanted.contains(&entry.file_name()) {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove stale {}", entry.path().display()))?;
        }
    }
    Ok(())
}
