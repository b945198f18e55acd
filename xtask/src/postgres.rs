//! Finds the PostgreSQL the registry tests run against: `DATABASE_URL` when
//! set, else the server on 127.0.0.1:5432 if one answers, else a throwaway
//! cluster started from the system's binaries (installed if missing) and
//! removed afterwards.

use crate::cmd::Cmd;
use crate::{setup, Project};
use anyhow::{bail, Context};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Server {
    url: String,
    throwaway: Option<Throwaway>,
}

struct Throwaway {
    pg_ctl: PathBuf,
    data_dir: PathBuf,
    run_as: Option<&'static str>,
}

const LOCAL_SERVER: &str = "127.0.0.1:5432";

impl Server {
    pub fn find_or_start(project: &Project) -> anyhow::Result<Self> {
        // XTASK_PG=throwaway forces the fallback, to test it on a machine
        // that has a server.
        let forced = std::env::var("XTASK_PG").is_ok_and(|value| value == "throwaway");
        if !forced {
            if let Ok(url) = std::env::var("DATABASE_URL") {
                println!("xtask: registry tests use DATABASE_URL");
                return Ok(Self {
                    url,
                    throwaway: None,
                });
            }
            let local: SocketAddr = LOCAL_SERVER.parse()?;
            if TcpStream::connect_timeout(&local, Duration::from_secs(1)).is_ok() {
                println!("xtask: registry tests use the PostgreSQL on {LOCAL_SERVER}");
                return Ok(Self {
                    url: format!("postgres://postgres@{LOCAL_SERVER}/postgres"),
                    throwaway: None,
                });
            }
        }
        Self::start_throwaway(project)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn start_throwaway(project: &Project) -> anyhow::Result<Self> {
        let bin_dir = match postgres_bin_dir() {
            Some(dir) => dir,
            None => {
                setup::apt_install(&["postgresql"])?;
                postgres_bin_dir().context(
                    "PostgreSQL is installed but initdb was not found under /usr/lib/postgresql",
                )?
            }
        };
        // initdb refuses to run as root; the postgres user the package
        // creates owns the throwaway cluster instead.
        let run_as = setup::is_root().then_some("postgres");
        let data_dir = project
            .target_dir
            .join(format!("pg-throwaway-{}", std::process::id()));
        if data_dir.exists() {
            std::fs::remove_dir_all(&data_dir)?;
        }
        std::fs::create_dir_all(&data_dir)?;
        if let Some(user) = run_as {
            Cmd::new("chown")
                .args([user, data_dir.to_str().context("non-UTF-8 target folder")?])
                .run("hand the throwaway cluster's folder to postgres")?;
        }
        let port = free_port()?;
        let data = data_dir.to_str().context("non-UTF-8 target folder")?;
        as_user(run_as, bin_dir.join("initdb"))
            .args(["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
            .run("create a throwaway PostgreSQL cluster")?;
        let options = format!("-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off");
        let log = format!("{data}/server.log");
        as_user(run_as, bin_dir.join("pg_ctl"))
            .args(["-D", data, "-o", &options, "-l", &log, "-w", "start"])
            .run("start the throwaway PostgreSQL")?;
        Ok(Self {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            throwaway: Some(Throwaway {
                pg_ctl: bin_dir.join("pg_ctl"),
                data_dir,
                run_as,
            }),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(throwaway) = self.throwaway.take() {
            let data = throwaway.data_dir.to_string_lossy().into_owned();
            let _ = as_user(throwaway.run_as, &throwaway.pg_ctl)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .run("stop the throwaway PostgreSQL");
            let _ = std::fs::remove_dir_all(&throwaway.data_dir);
        }
    }
}

fn as_user(user: Option<&str>, program: impl AsRef<Path>) -> Cmd {
    match user {
        Some(user) => Cmd::new("runuser")
            .args(["-u", user, "--"])
            .arg(program.as_ref()),
        None => Cmd::new(program.as_ref()),
    }
}

/// The newest `/usr/lib/postgresql/<major>/bin` that has initdb.
fn postgres_bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((major, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    if port == 0 {
        bail!("the OS gave no free port");
    }
    Ok(port)
}
