//! Running other programs, echoing each command so a failing CI log shows
//! exactly what to run again by hand.

use crate::Project;
use anyhow::{bail, Context};
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;

pub struct Cmd {
    command: Command,
}

/// The cargo that is running us (rustup's), not whichever is first on PATH.
pub fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A cargo command in the workspace with the project's target folder.
pub fn cargo(project: &Project) -> Cmd {
    let mut cmd = Cmd::new(cargo_program());
    cmd.command
        .current_dir(&project.root)
        .env("CARGO_TARGET_DIR", &project.target_dir);
    cmd
}

impl Cmd {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Self {
            command: Command::new(program),
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(key);
        self
    }

    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.command.current_dir(dir.into());
        self
    }

    fn describe(&self) -> String {
        std::iter::once(self.command.get_program())
            .chain(self.command.get_args())
            .map(|part| part.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs to completion with inherited output; fails naming `what`.
    pub fn run(mut self, what: &str) -> anyhow::Result<()> {
        let line = self.describe();
        println!("xtask: {what}: {line}");
        let status = self
            .command
            .status()
            .with_context(|| format!("cannot start `{line}` ({what})"))?;
        if !status.success() {
            bail!("{what} failed ({status}): {line}");
        }
        Ok(())
    }

    /// Runs quietly and returns stdout, or `None` if it could not run or failed.
    pub fn output(mut self) -> Option<String> {
        let output = self.command.output().ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
    }
}
