//! Installs what the build and the tests need and a new machine lacks:
//! Debian packages (with apt when root, otherwise the one line to run), the
//! wasm32 toolchain, wasm-bindgen-cli at exactly the locked version,
//! tauri-driver, and the Python tools the tests drive (schemathesis, moto's
//! S3 server). Everything already present is skipped, so a second run only
//! checks.

use crate::cmd::{self, Cmd};
use crate::Project;
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the caller is about to do, which decides what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Build the UI only.
    Ui,
    /// Build and open the desktop app.
    Run,
    /// Everything `Run` needs, plus Xvfb, the WebDriver bridge and PostgreSQL.
    Test,
}

/// How the wasm32 UI is compiled on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Toolchain {
    /// rustup has the wasm32 target: build with it like any crate.
    Rustup,
    /// rustup cannot download the target here, so Debian's Rust (rustc-web)
    /// builds the UI, compiling the standard library from source.
    Debian,
}

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The API fuzzer the sync tests run against a live registry.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
const TAURI_DRIVER_VERSION: &str = "2.1.0";
/// The S3-compatible server the backup tests run against.
const MOTO_VERSION: &str = "5.2.5";

/// Tauri's WebKitGTK stack, and pkg-config for the -sys crates to find it.
const APP_PACKAGES: &[&str] = &[
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
];
/// A display with no screen, and WebKitGTK's WebDriver that tauri-driver drives.
const TEST_PACKAGES: &[&str] = &["xvfb", "xauth", "webkit2gtk-driver"];
/// Debian's Rust for wasm32 when rustup cannot fetch the target.
const DEBIAN_WASM_PACKAGES: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "libstd-rust-web-dev",
    "rust-web-src",
    "lld-22",
];

pub fn install(project: &Project, purpose: Purpose) -> anyhow::Result<Toolchain> {
    let mut packages: Vec<&str> = Vec::new();
    if purpose != Purpose::Ui {
        packages.extend(APP_PACKAGES);
    }
    if purpose == Purpose::Test {
        packages.extend(TEST_PACKAGES);
    }
    let toolchain = if rustup_has_wasm_target() {
        Toolchain::Rustup
    } else if debian_wasm_ready() || !try_rustup_wasm_target() {
        packages.extend(DEBIAN_WASM_PACKAGES);
        Toolchain::Debian
    } else {
        Toolchain::Rustup
    };
    apt_install(&packages)?;
    if toolchain == Toolchain::Debian && !debian_wasm_ready() {
        bail!("Debian's Rust for wasm32 is still incomplete after installing {DEBIAN_WASM_PACKAGES:?}");
    }

    let bindgen_version = locked_version(project, "wasm-bindgen")?;
    cargo_install_exact(
        project,
        "wasm-bindgen-cli",
        "wasm-bindgen",
        &bindgen_version,
    )?;
    if purpose == Purpose::Test {
        cargo_install_exact(
            project,
            "tauri-driver",
            "tauri-driver",
            TAURI_DRIVER_VERSION,
        )?;
    }
    Ok(toolchain)
}

/// schemathesis from PyPI, at exactly [`SCHEMATHESIS_VERSION`].
pub fn schemathesis(project: &Project) -> anyhow::Result<PathBuf> {
    python_tool(
        project,
        "schemathesis",
        &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
        "schemathesis",
    )
}

/// moto's S3-compatible server from PyPI, at exactly [`MOTO_VERSION`]: the
/// real store the backup tests write to and restore from.
pub fn moto_server(project: &Project) -> anyhow::Result<PathBuf> {
    python_tool(
        project,
        "moto",
        &format!("moto[server]=={MOTO_VERSION}"),
        "moto_server",
    )
}

/// A Python tool from PyPI in a virtualenv of its own under the target
/// folder (kept between CI runs), installed once per requirement.
fn python_tool(
    project: &Project,
    name: &str,
    requirement: &str,
    program: &str,
) -> anyhow::Result<PathBuf> {
    let venv = project.target_dir.join("tools").join(name);
    let program = venv.join("bin").join(program);
    let marker = venv.join(format!(
        "installed-{}",
        requirement.replace(['[', ']', '='], "_")
    ));
    if program.exists() && marker.exists() {
        return Ok(program);
    }
    Cmd::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .run(&format!(
            "make a virtualenv for {name} (needs Python 3 with venv)"
        ))?;
    Cmd::new(venv.join("bin").join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .arg(requirement)
        .run(&format!("install {requirement} from PyPI"))?;
    std::fs::write(&marker, requirement)
        .with_context(|| format!("cannot write {}", marker.display()))?;
    Ok(program)
}

fn rustup_has_wasm_target() -> bool {
    Cmd::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_some_and(|installed| installed.lines().any(|line| line.trim() == WASM_TARGET))
}

/// rustup's download hangs where the network is closed, so it gets a short
/// leash; on failure the Debian toolchain takes over.
fn try_rustup_wasm_target() -> bool {
    println!("xtask: trying `rustup target add {WASM_TARGET}` (20 s at most)");
    let child = std::process::Command::new("rustup")
        .args(["target", "add", WASM_TARGET])
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(200));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                println!(
                    "xtask: rustup could not fetch {WASM_TARGET}; using Debian's Rust for the UI"
                );
                return false;
            }
        }
    }
}

pub const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUST_SRC: &str = "/usr/lib/rustlib/src/rust/library/Cargo.lock";

fn debian_wasm_ready() -> bool {
    [
        DEBIAN_CARGO,
        "/usr/bin/rustc",
        "/usr/bin/rust-lld",
        DEBIAN_RUST_SRC,
    ]
    .iter()
    .all(|path| Path::new(path).exists())
        && Cmd::new("/usr/bin/rust-lld")
            .args(["-flavor", "wasm", "--version"])
            .output()
            .is_some()
}

fn package_installed(package: &str) -> bool {
    Cmd::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Abbrev}", package])
        .output()
        .is_some_and(|status| status.starts_with("ii"))
}

pub fn is_root() -> bool {
    Cmd::new("id")
        .arg("-u")
        .output()
        .is_some_and(|uid| uid.trim() == "0")
}

pub fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| !package_installed(package))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        bail!(
            "these system packages are missing; install them, then run this again:\n    sudo apt-get install -y {}",
            missing.join(" ")
        );
    }
    Cmd::new("apt-get")
        .args(["update", "-q"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run("refresh the package lists")?;
    Cmd::new("apt-get")
        .args(["install", "-y", "-q"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run("install system packages")
}

/// The version of `package` in Cargo.lock.
fn locked_version(project: &Project, package: &str) -> anyhow::Result<String> {
    let lock_path = project.root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .with_context(|| format!("cannot read {}", lock_path.display()))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .with_context(|| format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let version = lock[start..]
        .split('"')
        .next()
        .with_context(|| format!("Cargo.lock's entry for {package} has no version"))?;
    Ok(version.to_owned())
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin(binary: &str) -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    cargo_home.join("bin").join(binary)
}

pub fn cargo_install_exact(
    project: &Project,
    krate: &str,
    binary: &str,
    version: &str,
) -> anyhow::Result<()> {
    // `cargo install --list` names each installed crate as `name vX.Y.Z:`;
    // not every tool answers `--version`.
    let listed = format!("{krate} v{version}:");
    let installed = Cmd::new(cmd::cargo_program())
        .args(["install", "--list"])
        .output()
        .is_some_and(|list| list.lines().any(|line| line.trim() == listed));
    if installed && cargo_bin(binary).exists() {
        return Ok(());
    }
    cmd::cargo(project)
        .args(["install", "--locked", krate, "--version"])
        .arg(format!("={version}"))
        // Installed tools get their own target folder so they never evict the
        // project's build cache.
        .env(
            "CARGO_TARGET_DIR",
            project.target_dir.join("tools").join(krate),
        )
        .run(&format!("install {krate} {version}"))
}
