//! `cargo xtask registry`: a campaign registry on this machine, so a new user
//! can watch two laptops sync. It finds (or starts) PostgreSQL, builds the
//! registry and the command line, loads an invented county into a database
//! of its own, opens one office covering it, prints two one-time codes and
//! how to start two app windows, then serves until Ctrl-C.

use crate::cmd::{self, Cmd};
use crate::{postgres, Project};
use anyhow::Context;

const LISTEN: &str = "127.0.0.1:8080";
const CAMPAIGN: &str = "Local campaign";
const OFFICE: &str = "Local office";

/// The server's URL with another database name.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

pub fn run(project: &Project) -> anyhow::Result<()> {
    let server = postgres::Server::find_or_start(project)?;
    let url = with_database(server.url(), "groundgame_local");
    cmd::cargo(project)
        .args([
            "build",
            "--locked",
            "--package",
            "groundgame-registry",
            "--package",
            "groundgame-cli",
        ])
        .run("build the registry and the command line")?;
    let bin = project.target_dir.join("debug");
    let registry = bin.join("groundgame-registry");
    let folder = project.target_dir.join("local-registry");
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let file = folder.join("ncvoter-local.txt");
    if !file.exists() {
        Cmd::new(bin.join("groundgame"))
            .args([
                "generate", "--layout", "nc-voter", "--voters", "5000", "--out",
            ])
            .arg(&file)
            .run("invent a county's voter file")?;
    }
    let admin = |args: &[&str]| {
        Cmd::new(&registry)
            .args([
                "admin",
                "--create-database",
                "--database-url",
                &url,
                "--campaign",
                CAMPAIGN,
            ])
            .args(args)
    };
    admin(&["import", "--layout", "nc-voter"])
        .arg(&file)
        .run("load the county into the registry")?;
    let offices = admin(&["office", "list"])
        .output()
        .context("cannot list the local registry's offices")?;
    if !offices.contains(OFFICE) {
        admin(&["office", "create", OFFICE, "--all-precincts"]).run("open the office")?;
    }
    let mut codes = Vec::new();
    // The first laptop is the coordinator's, so the Review tab has a use.
    for role in ["coordinator", "canvasser"] {
        let printed = admin(&["enroll", "--office", OFFICE, "--role", role])
            .output()
            .context("cannot issue an enrolment code")?;
        codes.push(printed.lines().last().unwrap_or_default().trim().to_owned());
    }
    println!(
        "\nxtask: a registry for {CAMPAIGN:?} will listen on http://{LISTEN}.\n\
         In two more terminals, start two laptops with empty offices:\n\n  \
         cargo xtask run -- --no-demo --db {a}\n  \
         cargo xtask run -- --no-demo --db {b}\n\n\
         In each, choose a passphrase, open the Sync tab, and enrol with the registry address \
         http://{LISTEN} and one of these codes (valid 24 hours, one laptop each):\n\n  {c0}\n  {c1}\n\n\
         Sync now downloads the office. On one laptop open a voter (Voters tab) and add a do-not-contact \
         entry or correct their name, press Sync now, then Sync now on the other: it is there.\n\
         The first code is a coordinator's: record \"Moved\" at a door on the second laptop and sync it, \
         and the first laptop's Review tab asks the coordinator to confirm it.\n\
         More codes: target/.../groundgame-registry admin --database-url {url} --campaign {CAMPAIGN:?} enroll --office {OFFICE:?} --role caller\n",
        a = folder.join("laptop-a.db").display(),
        b = folder.join("laptop-b.db").display(),
        c0 = codes.first().map_or("", String::as_str),
        c1 = codes.get(1).map_or("", String::as_str),
    );
    Cmd::new(&registry)
        .args(["serve", "--database-url", &url, "--listen", LISTEN])
        .run("serve the local registry (Ctrl-C stops it)")?;
    drop(server);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_swapped() {
        assert_eq!(
            with_database(
                "postgres://postgres@127.0.0.1:5432/postgres",
                "groundgame_local"
            ),
            "postgres://postgres@127.0.0.1:5432/groundgame_local"
        );
        assert_eq!(
            with_database("postgres://h/x?sslmode=disable", "y"),
            "postgres://h/y?sslmode=disable"
        );
    }
}
