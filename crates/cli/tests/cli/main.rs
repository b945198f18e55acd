//! The `groundgame` binary as a coordinator's script would use it.

use std::path::Path;
use std::process::{Command, Output};

const PASSPHRASE: &str = "field office 2012";

fn groundgame(args: &[&str]) -> Output {
    groundgame_with(args, Some(PASSPHRASE))
}

fn groundgame_with(args: &[&str], passphrase: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_groundgame"));
    command.args(args).env_remove("GROUNDGAME_PASSPHRASE");
    if let Some(passphrase) = passphrase {
        command.env("GROUNDGAME_PASSPHRASE", passphrase);
    }
    command.output().expect("groundgame runs")
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "groundgame failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn demo_db(dir: &Path, voters: &str) -> String {
    let db = dir.join("office.db");
    let db = db.to_str().expect("utf-8 temp path").to_owned();
    let output = groundgame(&["demo", "--db", &db, "--voters", voters]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    db
}

/// Records door results at the demo's voters, each with its answer if any.
fn record_doors(db: &str, results: &[(&str, &str, Option<&str>)]) {
    for (voter, result, answer) in results {
        let mut args = vec!["contact", "--db", db, "--voter", voter, "--result", result];
        if let Some(answer) = answer {
            args.extend(["--answer", answer]);
        }
        let output = groundgame(&args);
        assert!(
            output.status.success(),
            "{voter} {result}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn demo_then_stats_counts_what_was_generated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "1200");
    let stats = stdout_json(&groundgame(&["stats", "--db", &db, "--json"]));
    assert_eq!(stats["voters"], 1200);
    assert!(stats["households"].as_u64().expect("households") > 200);
    assert_eq!(stats["turfs"], 1);
    assert_eq!(stats["call_lists"], 1);
}

#[test]
fn search_narrows_and_reports_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "1200");
    let page = stdout_json(&groundgame(&["search", "--db", &db, "--json", "DM000007"]));
    assert_eq!(page["total"], 1);
    assert_eq!(page["rows"][0]["voter_id"], "DM000007");
    let text = groundgame(&["search", "--db", &db, "main", "st"]);
    assert!(text.status.success());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("MAIN ST"), "{stdout}");
    assert!(stdout.contains("matching voters"), "{stdout}");
}

#[test]
fn a_missing_database_is_a_clear_error_not_a_new_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("typo.db");
    let output = groundgame(&["stats", "--db", db.to_str().expect("utf-8"), "--json"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no field-office database"), "{stderr}");
    assert!(!db.exists());
}

#[test]
fn demo_refuses_to_overwrite_an_office() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "50");
    let output = groundgame(&["demo", "--db", &db]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already holds 50 voters"), "{stderr}");
}

#[test]
fn a_wrong_or_missing_passphrase_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "50");
    let wrong = groundgame_with(&["stats", "--db", &db], Some("not the passphrase"));
    assert!(!wrong.status.success());
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    // No terminal and no variable: say how to give it, do not hang.
    let missing = groundgame_with(&["stats", "--db", &db], None);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("GROUNDGAME_PASSPHRASE"), "{stderr}");
}

#[test]
fn a_short_passphrase_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("office.db");
    let output = groundgame_with(
        &["demo", "--db", db.to_str().expect("utf-8")],
        Some("short"),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 8 characters"), "{stderr}");
    assert!(!db.exists());
}

#[test]
fn the_passphrase_changes_and_only_the_new_one_opens_the_office() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = path(dir.path(), "office.db");
    let demo = groundgame(&["demo", "--db", &db]);
    assert!(demo.status.success(), "{demo:?}");
    let change = |current: &str, new: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_groundgame"));
        command
            .args(["passphrase", "--db", &db])
            .env("GROUNDGAME_PASSPHRASE", current)
            .env_remove("GROUNDGAME_NEW_PASSPHRASE");
        if let Some(new) = new {
            command.env("GROUNDGAME_NEW_PASSPHRASE", new);
        }
        command.output().expect("runs")
    };
    let wrong = change("not the passphrase", Some("a new long passphrase"));
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"),
        "{wrong:?}"
    );
    let short = change(PASSPHRASE, Some("short"));
    assert!(!short.status.success());
    let changed = change(PASSPHRASE, Some("a new long passphrase"));
    assert!(changed.status.success(), "{changed:?}");
    let old = groundgame(&["stats", "--db", &db, "--json"]);
    assert!(
        !old.status.success(),
        "the old passphrase no longer opens it"
    );
    let stats = stdout_json(&groundgame_with(
        &["stats", "--db", &db, "--json"],
        Some("a new long passphrase"),
    ));
    assert_eq!(stats["voters"], 3_000, "the same office, not re-encrypted");
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().expect("utf-8 temp path").to_owned()
}

#[test]
fn generate_import_reimport_and_contact_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (week1, week2, history, db) = (
        path(dir.path(), "w1.txt"),
        path(dir.path(), "w2.txt"),
        path(dir.path(), "h.txt"),
        path(dir.path(), "office.db"),
    );
    for (layout, out, snapshot) in [
        ("nc-voter", &week1, "0"),
        ("nc-voter", &week2, "1"),
        ("nc-history", &history, "0"),
    ] {
        let output = groundgame(&[
            "generate",
            "--layout",
            layout,
            "--voters",
            "2000",
            "--snapshot",
            snapshot,
            "--out",
            out,
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let first = stdout_json(&groundgame(&[
        "import", "--db", &db, "--layout", "nc-voter", "--json", &week1,
    ]));
    assert_eq!(first["new"], 2000);
    let votes = stdout_json(&groundgame(&[
        "import",
        "--db",
        &db,
        "--layout",
        "nc-history",
        "--json",
        &history,
    ]));
    assert!(votes["votes"].as_u64().expect("votes") > 1000);
    let contact = stdout_json(&groundgame(&[
        "contact",
        "--db",
        &db,
        "--voter",
        "CW0000001",
        "--result",
        "canvassed",
        "--answer",
        "support=strong",
        "--json",
    ]));
    assert_eq!(contact["result"], "canvassed");
    let second = stdout_json(&groundgame(&[
        "import", "--db", &db, "--layout", "nc-voter", "--json", &week2,
    ]));
    for key in ["new", "moved", "changed", "removed", "unchanged"] {
        assert!(second[key].as_u64().expect(key) > 0, "{key} in {second}");
    }
    let stats = stdout_json(&groundgame(&["stats", "--db", &db, "--json"]));
    for key in ["voters", "households", "vote_history", "contact_attempts"] {
        assert!(stats[key].as_u64().expect(key) > 0, "{key} in {stats}");
    }
    assert_eq!(stats["contact_attempts"], 1);
}

#[test]
fn bad_imports_and_contacts_fail_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (file, db) = (path(dir.path(), "bad.txt"), path(dir.path(), "office.db"));
    std::fs::write(&file, "ncid\tlast_name\nAA1\tSMITH\n").expect("write");
    let output = groundgame(&["import", "--db", &db, "--layout", "nc-voter", &file]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.txt") && stderr.contains("no column"),
        "{stderr}"
    );
    let output = groundgame(&["import", "--db", &db, "--layout", "tx", &file]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown layout"));
    let output = groundgame(&["import", "--db", &db, "--layout", "csv", &file]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--mapping"));
    let output = groundgame(&[
        "contact", "--db", &db, "--voter", "NOPE1", "--result", "not-home",
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("NOPE1"));
}

#[test]
fn enroll_joins_a_registry_once_and_bad_codes_change_nothing() {
    use groundgame_domain::wire::Role;
    use groundgame_registry::testing::TestRegistry;
    use groundgame_registry::{admin, identity};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let registry = runtime.block_on(TestRegistry::spawn());
    let campaign = runtime.block_on(async {
        let campaign = admin::campaign(&registry.pool, "County party")
            .await
            .expect("campaign");
        groundgame_registry::testing::seed_precincts(&registry.pool, campaign, &["P01"]).await;
        admin::create_office(&registry.pool, campaign, "Downtown", &["P01".into()])
            .await
            .expect("office");
        campaign
    });
    let issue = |role| {
        runtime
            .block_on(identity::issue_code(
                &registry.pool,
                campaign,
                "Downtown",
                role,
                24,
            ))
            .expect("code")
    };
    let code = issue(Role::Canvasser);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "50");
    let enroll = |registry: &str, code: &str| {
        groundgame(&[
            "enroll",
            "--db",
            &db,
            "--registry",
            registry,
            "--code",
            code,
            "--name",
            "Laptop 3",
        ])
    };
    let url = registry.base_url.clone();

    let mistyped = enroll(&url, "7KQ2M-X94RD");
    assert!(!mistyped.status.success());
    let stderr = String::from_utf8_lossy(&mistyped.stderr);
    assert!(
        stderr.contains("Ask your coordinator for a new one"),
        "{stderr}"
    );

    let enrolled = enroll(&url, &code);
    assert!(
        enrolled.status.success(),
        "{}",
        String::from_utf8_lossy(&enrolled.stderr)
    );
    let stdout = String::from_utf8_lossy(&enrolled.stdout);
    assert!(
        stdout.contains("canvasser in Downtown (County party)"),
        "{stdout}"
    );

    // Once only: a second code is not spent on an enrolled laptop.
    let second = issue(Role::Caller);
    let again = enroll(&url, &second);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already enrolled"));
    let devices = runtime
        .block_on(admin::devices(&registry.pool, campaign))
        .expect("devices");
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, "Laptop 3");

    // No registry there at all.
    let nowhere = enroll("http://127.0.0.1:9", &second);
    assert!(!nowhere.status.success());
    drop(registry);
}

#[test]
fn sync_pushes_pulls_and_reports_what_happened() {
    use groundgame_domain::wire::Role;
    use groundgame_registry::{admin, identity};
    let dir = tempfile::tempdir().expect("temp dir");
    let county = County::new(
        dir.path(),
        &["a.db", "b.db"],
        &[Role::Canvasser, Role::Caller],
    );
    let County {
        runtime,
        registry,
        campaign,
        file,
        laptops,
        voters,
    } = &county;
    let code = runtime
        .block_on(identity::issue_code(
            &registry.pool,
            *campaign,
            "County",
            Role::Canvasser,
            24,
        ))
        .expect("code");

    let contact = |db: &str, voter: &str, result: &str| {
        let output = groundgame(&["contact", "--db", db, "--voter", voter, "--result", result]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    contact(&laptops[0], &voters[0], "not-home");
    contact(&laptops[0], &voters[1], "canvassed");
    contact(&laptops[1], &voters[0], "refused");

    let sync = |db: &str| stdout_json(&groundgame(&["sync", "--db", db, "--json"]));
    let a = sync(&laptops[0]);
    for (field, expected) in [
        ("pushed", 2),
        ("accepted", 2),
        ("duplicates", 0),
        ("rejected", 0),
        ("conflicts", 0),
    ] {
        assert_eq!(a[field], expected, "{field} in {a}");
    }
    // The first sync downloads the office (its own results included).
    assert!(a["snapshot_rows"].as_u64() > Some(1_000), "{a}");
    let b = sync(&laptops[1]);
    assert_eq!(
        (b["pushed"].as_u64(), b["accepted"].as_u64()),
        (Some(1), Some(1)),
        "{b}"
    );
    // A's next sync pulls what B pushed since.
    let again = sync(&laptops[0]);
    assert_eq!(
        (again["pulled"].as_u64(), again["applied"].as_u64()),
        (Some(1), Some(1)),
        "{again}"
    );
    for db in laptops {
        let stats = stdout_json(&groundgame(&["stats", "--db", db, "--json"]));
        assert_eq!(stats["contact_attempts"], 3, "{db}: {stats}");
        assert_eq!(stats["pending_changes"], 0, "{db}: {stats}");
    }

    // The text report says the same for a person.
    let text = groundgame(&["sync", "--db", &laptops[1]]);
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("pushed 0: 0 accepted"), "{text}");

    // A new laptop enrols into a new database and gets the whole office
    // from the registry: voters, phones, results, search.
    let fresh = path(dir.path(), "fresh.db");
    let mistyped = groundgame(&[
        "enroll",
        "--db",
        &fresh,
        "--registry",
        &registry.base_url,
        "--code",
        "7KQ2M-X94RD",
    ]);
    assert!(!mistyped.status.success());
    assert!(
        !Path::new(&fresh).exists(),
        "a failed enrolment leaves no database behind"
    );
    let enrolled = groundgame(&[
        "enroll",
        "--db",
        &fresh,
        "--registry",
        &registry.base_url,
        "--code",
        &code,
    ]);
    assert!(
        enrolled.status.success(),
        "{}",
        String::from_utf8_lossy(&enrolled.stderr)
    );
    let report = sync(&fresh);
    assert_eq!(report["pushed"], 0, "{report}");
    let stats = stdout_json(&groundgame(&["stats", "--db", &fresh, "--json"]));
    let imported = stdout_json(&groundgame(&["stats", "--db", &laptops[0], "--json"]));
    for field in ["voters", "households", "phones", "contact_attempts"] {
        assert_eq!(
            stats[field], imported[field],
            "{field}: {stats} against {imported}"
        );
    }
    let found = stdout_json(&groundgame(&[
        "search", "--db", &fresh, "--json", &voters[3],
    ]));
    assert_eq!(found["total"], 1, "{found}");

    // A revoked laptop pushes what it still holds (kept for a coordinator to
    // apply or discard), then wipes itself.
    let devices = runtime
        .block_on(admin::devices(&registry.pool, *campaign))
        .expect("devices");
    let enrolled_b = stdout_json(&groundgame(&["stats", "--db", &laptops[1], "--json"]));
    assert_eq!(enrolled_b["pending_changes"], 0);
    contact(&laptops[1], &voters[5], "not-home");
    let b_device = devices
        .iter()
        .find(|device| device.role == "caller")
        .expect("B is the caller");
    runtime
        .block_on(identity::revoke(&registry.pool, *campaign, &b_device.id))
        .expect("revoked");
    let last = groundgame(&["sync", "--db", &laptops[1], "--json"]);
    let report = stdout_json(&last);
    assert_eq!(
        (
            report["revoked"].as_bool(),
            report["accepted"].as_u64(),
            report["conflicts"].as_u64()
        ),
        (Some(true), Some(0), Some(1)),
        "{report}"
    );
    assert!(String::from_utf8_lossy(&last.stderr).contains("wiped"));
    assert!(!Path::new(&laptops[1]).exists(), "the database is gone");
    assert!(
        !Path::new(&format!("{}.key", laptops[1])).exists(),
        "and its key"
    );
    let after = runtime
        .block_on(admin::devices(&registry.pool, *campaign))
        .expect("devices");
    assert!(
        after
            .iter()
            .any(|device| device.id == b_device.id && device.revoked && device.wiped),
        "the registry heard of the wipe"
    );

    // A laptop never enrolled is told how to enrol, and keeps its work.
    let lone = path(dir.path(), "lone.db");
    assert!(
        groundgame(&["import", "--db", &lone, "--layout", "nc-voter", file])
            .status
            .success()
    );
    contact(&lone, &voters[2], "not-home");
    let refused = groundgame(&["sync", "--db", &lone]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("not enrolled") && stderr.contains("groundgame enroll"),
        "{stderr}"
    );
    let stats = stdout_json(&groundgame(&["stats", "--db", &lone, "--json"]));
    assert_eq!(stats["pending_changes"], 1);
}

/// A generated county file, laptops that imported it and enrolled, and a
/// registry holding the same county with one office ("County") over all of
/// it.
struct County {
    runtime: tokio::runtime::Runtime,
    registry: groundgame_registry::testing::TestRegistry,
    campaign: uuid::Uuid,
    file: String,
    laptops: Vec<String>,
    voters: Vec<String>,
}

impl County {
    fn new(dir: &Path, laptops: &[&str], roles: &[groundgame_domain::wire::Role]) -> Self {
        use groundgame_registry::testing::TestRegistry;
        use groundgame_registry::{admin, identity, voter_file};
        use groundgame_voterfile::{Layout, VoterFile};
        let file = path(dir, "ncvoter92.txt");
        let generated = groundgame(&[
            "generate", "--layout", "nc-voter", "--voters", "500", "--out", &file,
        ]);
        assert!(
            generated.status.success(),
            "{}",
            String::from_utf8_lossy(&generated.stderr)
        );
        let laptops: Vec<String> = laptops.iter().map(|name| path(dir, name)).collect();
        for db in &laptops {
            let imported = groundgame(&["import", "--db", db, "--layout", "nc-voter", &file]);
            assert!(
                imported.status.success(),
                "{}",
                String::from_utf8_lossy(&imported.stderr)
            );
        }
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let registry = runtime.block_on(TestRegistry::spawn());
        let (codes, voters, campaign) = runtime.block_on(async {
            let campaign = admin::campaign(&registry.pool, "County party")
                .await
                .expect("campaign");
            let opened = VoterFile::open(Path::new(&file), &Layout::NcVoter).expect("opens");
            voter_file::load(
                &registry.pool,
                campaign,
                opened,
                &Layout::NcVoter,
                false,
                |_, _| {},
            )
            .await
            .expect("loads");
            let precincts: Vec<String> = sqlx_precincts(&registry).await;
            admin::create_office(&registry.pool, campaign, "County", &precincts)
                .await
                .expect("office");
            let mut codes = Vec::new();
            for role in roles {
                codes.push(
                    identity::issue_code(&registry.pool, campaign, "County", *role, 24)
                        .await
                        .expect("code"),
                );
            }
            (codes, voter_ids(&registry).await, campaign)
        });
        for (db, code) in laptops.iter().zip(&codes) {
            let enrolled = groundgame(&[
                "enroll",
                "--db",
                db,
                "--registry",
                &registry.base_url,
                "--code",
                code,
            ]);
            assert!(
                enrolled.status.success(),
                "{}",
                String::from_utf8_lossy(&enrolled.stderr)
            );
        }
        Self {
            runtime,
            registry,
            campaign,
            file,
            laptops,
            voters,
        }
    }
}

async fn sqlx_precincts(registry: &groundgame_registry::testing::TestRegistry) -> Vec<String> {
    groundgame_registry::testing::query_strings(
        &registry.pool,
        "SELECT DISTINCT precinct_code FROM voters WHERE precinct_code IS NOT NULL ORDER BY 1",
    )
    .await
}

async fn voter_ids(registry: &groundgame_registry::testing::TestRegistry) -> Vec<String> {
    groundgame_registry::testing::query_strings(
        &registry.pool,
        "SELECT voter_id FROM voters ORDER BY 1 LIMIT 10",
    )
    .await
}

#[test]
fn review_lists_and_decides_from_a_coordinators_laptop() {
    use groundgame_domain::wire::Role;
    let dir = tempfile::tempdir().expect("temp dir");
    let county = County::new(
        dir.path(),
        &["door.db", "office.db"],
        &[Role::Canvasser, Role::Coordinator],
    );
    let [door, office] = [&county.laptops[0], &county.laptops[1]];
    let voter = &county.voters[0];
    let contacted = groundgame(&[
        "contact", "--db", door, "--voter", voter, "--result", "deceased",
    ]);
    assert!(
        contacted.status.success(),
        "{}",
        String::from_utf8_lossy(&contacted.stderr)
    );
    assert_eq!(
        stdout_json(&groundgame(&["sync", "--db", door, "--json"]))["accepted"],
        2
    );

    // The office laptop has its office already; the decision will be pulled.
    assert!(
        stdout_json(&groundgame(&["sync", "--db", office, "--json"]))["snapshot_rows"].as_u64()
            > Some(0)
    );

    // Refused with a reason, and nothing changes.
    let refused = |args: &[&str], says: &str| {
        let output = groundgame(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    // A canvasser's laptop does not review.
    refused(&["review", "--db", door], "only a coordinator");

    let list = stdout_json(&groundgame(&["review", "--db", office, "--json"]));
    assert_eq!(list["open"], 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(item["kind"], "deceased", "{item}");
    assert_eq!(item["voter_id"], voter.as_str());
    let id = item["id"].as_i64().expect("id").to_string();
    let text = groundgame(&["review", "--db", office]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Reported deceased")
            && text.contains(&format!("--resolve {id} --action confirm|reject")),
        "{text}"
    );

    let decide = |action: &'static str| {
        [
            "review",
            "--db",
            office,
            "--resolve",
            &id,
            "--action",
            action,
        ]
    };
    refused(&decide("maybe"), "is not a decision");
    refused(&decide("keep"), "confirm and reject");
    let mut confirm = decide("confirm").to_vec();
    confirm.extend(["--note", "obituary seen", "--json"]);
    let done = stdout_json(&groundgame(&confirm));
    assert_eq!(done["action"], "confirm", "{done}");
    assert_eq!(done["changes"], 1, "{done}");
    refused(&decide("reject"), "already decided");
    let empty = groundgame(&["review", "--db", office]);
    assert!(String::from_utf8_lossy(&empty.stdout).contains("nothing waits for review"));

    let deceased = county
        .runtime
        .block_on(groundgame_registry::testing::query_strings(
            &county.registry.pool,
            "SELECT voter_id FROM voters WHERE deceased",
        ));
    assert_eq!(deceased, std::slice::from_ref(voter));
    let pulled = stdout_json(&groundgame(&["sync", "--db", office, "--json"]));
    assert!(pulled["applied"].as_u64() >= Some(1), "{pulled}");
}

/// The output failed, and its message says `expected`.
fn fails_saying(output: &Output, expected: &str) {
    assert!(!output.status.success(), "should have failed");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains(expected), "expected {expected:?} in: {said}");
}

#[test]
fn questions_scripts_and_volunteers_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "600");
    let question = stdout_json(&groundgame(&[
        "question",
        "add",
        "--db",
        &db,
        "--slug",
        "sign",
        "--text",
        "May we put a sign in your yard?",
        "--answer",
        "yes=Yes",
        "--answer",
        "no=No",
        "--json",
    ]));
    assert_eq!(question["slug"], "sign");
    assert_eq!(question["version"], 1);
    assert_eq!(question["answers"][1]["code"], "no");
    assert_eq!(question["answers"][1]["label"], "No");
    fails_saying(
        &groundgame(&[
            "question", "add", "--db", &db, "--slug", "sign", "--text", "Again?", "--answer", "y=Y",
        ]),
        "there is already a question sign (version 1)",
    );
    fails_saying(
        &groundgame(&[
            "question", "add", "--db", &db, "--slug", "x", "--text", "X?", "--answer", "yes",
        ]),
        "should look like CODE=LABEL",
    );

    let sam = stdout_json(&groundgame(&[
        "volunteer",
        "add",
        "--db",
        &db,
        "--name",
        "Sam Rivera",
        "--role",
        "caller",
        "--language",
        "Spanish",
        "--json",
    ]));
    assert_eq!(sam["languages"], serde_json::json!(["es"]));
    fails_saying(
        &groundgame(&[
            "volunteer",
            "add",
            "--db",
            &db,
            "--name",
            "Root",
            "--role",
            "admin",
        ]),
        "not a volunteer's role",
    );
    let roster = stdout_json(&groundgame(&["volunteer", "list", "--db", &db, "--json"]));
    assert_eq!(roster["volunteers"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        roster["volunteers"][0]["roles"],
        serde_json::json!(["caller"])
    );

    let lists = stdout_json(&groundgame(&["lists", "--db", &db, "--json"]));
    let list = lists["call_lists"][0]["id"].to_string();
    let script = stdout_json(&groundgame(&[
        "script",
        "add",
        "--db",
        &db,
        "--name",
        "Evening",
        "--text",
        "Hi {first_name}, this is {volunteer}.",
        "--question",
        "sign",
        "--list",
        &list,
        "--result",
        "answered",
        "--json",
    ]));
    assert_eq!(script["name"], "Evening");
    assert_eq!(script["questions"], serde_json::json!(["sign"]));
    assert!(script["attached"]["results"]
        .as_array()
        .expect("results")
        .contains(&serde_json::json!("answered")));
    fails_saying(
        &groundgame(&[
            "script",
            "add",
            "--db",
            &db,
            "--name",
            "Bad",
            "--text",
            "Hi {firstname}",
        ]),
        "names the field {firstname}",
    );
    fails_saying(
        &groundgame(&[
            "volunteer",
            "assign",
            "--db",
            &db,
            "--list",
            &list,
            "--volunteer",
            "Nobody",
        ]),
        "the volunteers are: Sam Rivera",
    );
    stdout_json(&groundgame(&[
        "volunteer",
        "assign",
        "--db",
        &db,
        "--list",
        &list,
        "--volunteer",
        "sam rivera",
        "--json",
    ]));

    let contact = |voter: &str, answer: &str, volunteer: &str| {
        groundgame(&[
            "contact",
            "--db",
            &db,
            "--voter",
            voter,
            "--result",
            "canvassed",
            "--answer",
            answer,
            "--volunteer",
            volunteer,
            "--json",
        ])
    };
    stdout_json(&contact("DM000001", "sign=yes", "Sam Rivera"));
    fails_saying(
        &contact("DM000002", "sign=yes", "Nobody"),
        "the volunteers are: Sam Rivera",
    );
    fails_saying(
        &contact("DM000002", "sign=maybe", "Sam Rivera"),
        "its answers are yes, no",
    );
    fails_saying(
        &contact("DM000002", "colour=red", "Sam Rivera"),
        "there is no question colour",
    );

    fails_saying(
        &groundgame(&[
            "contact",
            "--db",
            &db,
            "--voter",
            "DM000003",
            "--result",
            "canvassed",
            "--answer",
            "sign=yes",
            "--other",
            "sign=corner lot",
        ]),
        "takes no \"other\" note",
    );
    let edited = stdout_json(&groundgame(&[
        "question",
        "edit",
        "--db",
        &db,
        "--slug",
        "sign",
        "--answer",
        "later=Ask me later",
        "--json",
    ]));
    assert_eq!(edited["version"], 2);
    stdout_json(&contact("DM000002", "sign=later", "sam rivera"));

    for (voter, version, label) in [("DM000001", 1, "Yes"), ("DM000002", 2, "Ask me later")] {
        let detail = stdout_json(&groundgame(&[
            "voter", "--db", &db, "--voter", voter, "--json",
        ]));
        let attempt = &detail["contacts"][0];
        assert_eq!(attempt["volunteer"], "Sam Rivera", "{detail}");
        assert_eq!(attempt["answers"][0]["question"], "sign");
        assert_eq!(attempt["answers"][0]["version"], version);
        assert_eq!(
            attempt["answers"][0]["answer"],
            if version == 1 { "yes" } else { "later" }
        );
        assert_eq!(attempt["answers"][0]["label"], label);
        assert!(attempt["recorded_at"].is_string() && attempt["channel"] == "door");
    }
    let retired = stdout_json(&groundgame(&[
        "script", "retire", "--db", &db, "--name", "Evening", "--json",
    ]));
    assert_eq!(retired["retired"], true);
    fails_saying(
        &groundgame(&["script", "retire", "--db", &db, "--name", "Evening"]),
        "there is no live script named \"Evening\"",
    );
    stdout_json(&groundgame(&[
        "script",
        "retire",
        "--db",
        &db,
        "--name",
        "Evening",
        "--restore",
        "--json",
    ]));
    let all = stdout_json(&groundgame(&["scripts", "--db", &db, "--json"]));
    assert_eq!(
        all["scripts"][0]["text"],
        "Hi {first_name}, this is {volunteer}."
    );
    let versions: Vec<(String, u64)> = all["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| {
            (
                q["slug"].as_str().unwrap_or_default().to_owned(),
                q["version"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    for expected in [("sign", 1), ("sign", 2), ("support", 1), ("volunteer", 1)] {
        assert!(
            versions.contains(&(expected.0.to_owned(), expected.1)),
            "{versions:?}"
        );
    }
}

/// The day's results on the command line: the dashboard's figures (the
/// app's, from the same functions) with bars, and goals that keep what
/// is not given.
#[test]
fn the_dashboard_and_goals_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "600");
    record_doors(
        &db,
        &[
            ("DM000001", "canvassed", Some("support=lean")),
            ("DM000002", "not-home", None),
            ("DM000003", "refused", None),
        ],
    );
    let goals = stdout_json(&groundgame(&[
        "goals",
        "--db",
        &db,
        "--doors",
        "40",
        "--contacts",
        "10",
        "--json",
    ]));
    assert_eq!(
        (
            goals["doors_per_day"].as_u64(),
            goals["contacts_per_day"].as_u64()
        ),
        (Some(40), Some(10))
    );
    let goals = stdout_json(&groundgame(&[
        "goals", "--db", &db, "--calls", "90", "--json",
    ]));
    assert_eq!(
        (
            goals["doors_per_day"].as_u64(),
            goals["calls_per_day"].as_u64()
        ),
        (Some(40), Some(90)),
        "a goal left out keeps its value"
    );
    let board = stdout_json(&groundgame(&["dashboard", "--db", &db, "--json"]));
    assert_eq!(board["overall"]["attempts"], 3);
    assert_eq!(board["overall"]["contacts"], 2);
    assert_eq!(board["supporters"], 1);
    let today = board["days"]
        .as_array()
        .and_then(|days| days.last())
        .expect("today");
    assert_eq!(
        (today["doors"].as_u64(), today["doors_goal"].as_u64()),
        (Some(3), Some(40))
    );
    let text = groundgame(&["dashboard", "--db", &db]);
    assert!(text.status.success());
    let printed = String::from_utf8_lossy(&text.stdout);
    assert!(printed.contains("today: 3 of 40 doors"), "{printed}");
    assert!(printed.contains("Leaning yes"), "{printed}");
    assert!(printed.contains('█'), "drawn: {printed}");
    fails_saying(
        &groundgame(&["dashboard", "--db", &db, "--zone", "Mars/Olympus_Mons"]),
        "is not a time zone",
    );
    fails_saying(
        &groundgame(&["goals", "--db", &db, "--doors", "2000000"]),
        "doors a day",
    );
    fails_saying(
        &groundgame(&["dashboard", "--db", &db, "--campaign"]),
        "enrol",
    );
    // Quality control: one batch (nobody signed in, today), nothing flagged.
    let batches = stdout_json(&groundgame(&[
        "quality", "--db", &db, "--days", "1", "--json",
    ]));
    let batches = batches.as_array().expect("batches");
    assert_eq!(batches.len(), 1, "{batches:?}");
    assert_eq!(batches[0]["doors"], 3);
    assert_eq!(batches[0]["flags"].as_array().map(Vec::len), Some(0));
    let text = groundgame(&["quality", "--db", &db]);
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("0 flagged"));
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("a CSV file");
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|record| record.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn results_lists_and_segments_export_as_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "600");
    record_doors(
        &db,
        &[
            ("DM000001", "canvassed", Some("support=lean")),
            ("DM000002", "not-home", None),
            ("DM000003", "canvassed", Some("support=lean")),
        ],
    );
    let out = dir.path().join("results.csv");
    let out_text = out.to_str().expect("utf-8");
    let written = groundgame(&["export", "results", "--db", &db, "--out", out_text]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(String::from_utf8_lossy(&written.stdout).contains("wrote 3 attempts"));
    let (header, rows) = read_csv(&out);
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert!(header.contains(&"q:support".to_owned()), "{header:?}");
    assert_eq!(rows.len(), 3);
    let first = rows
        .iter()
        .find(|row| row[column("voter_id")] == "DM000001")
        .expect("DM000001's attempt");
    assert_eq!(first[column("result")], "canvassed");
    assert_eq!(first[column("q:support")], "lean");
    assert_eq!(first[column("channel")], "door");
    let not_home = rows
        .iter()
        .find(|row| row[column("voter_id")] == "DM000002")
        .expect("DM000002's attempt");
    assert_eq!(not_home[column("q:support")], "");

    // The CRM's bulk upload: a row per result and one per survey response.
    let crm = dir.path().join("crm.csv");
    let crm_text = crm.to_str().expect("utf-8");
    assert!(
        groundgame(&["export", "results", "--db", &db, "--format", "crm", "--out", crm_text])
            .status
            .success()
    );
    let (header, rows) = read_csv(&crm);
    assert_eq!(header[0], "PersonID");
    assert_eq!(rows.len(), 3 + 2);
    assert!(rows.iter().any(|row| row[0] == "DM000001"
        && row[1] == "Walk"
        && row[3] == "support"
        && row[4] == "lean"));
    assert!(rows
        .iter()
        .any(|row| row[0] == "DM000002" && row[2] == "Not home" && row[3].is_empty()));

    // Nothing from tomorrow on; nothing of a turf that no attempt came from.
    let tomorrow = (jiff::Zoned::now().date() + jiff::Span::new().days(2)).to_string();
    assert!(groundgame(&[
        "export", "results", "--db", &db, "--since", &tomorrow, "--out", out_text
    ])
    .status
    .success());
    assert_eq!(read_csv(&out).1.len(), 0);

    // The walk list of the demo's turf, the call list, a saved segment.
    let walk = dir.path().join("walk.csv");
    let walk_text = walk.to_str().expect("utf-8");
    assert!(groundgame(&[
        "export",
        "walk-list",
        "--db",
        &db,
        "--turf",
        "1",
        "--out",
        walk_text
    ])
    .status
    .success());
    let (header, rows) = read_csv(&walk);
    assert_eq!(header[0], "door");
    assert_eq!(rows.len(), 53, "the demo turf's 53 voters");
    assert_eq!(
        rows.iter()
            .map(|row| &row[0])
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        30
    );
    let calls = dir.path().join("calls.csv");
    let calls_text = calls.to_str().expect("utf-8");
    assert!(groundgame(&[
        "export",
        "call-list",
        "--db",
        &db,
        "--list",
        "1",
        "--out",
        calls_text
    ])
    .status
    .success());
    assert_eq!(read_csv(&calls).1.len(), 176);
    assert!(groundgame(&[
        "segment",
        "--db",
        &db,
        "--party",
        "UNA",
        "--save",
        "Unaffiliated"
    ])
    .status
    .success());
    let voters = dir.path().join("voters.csv");
    let voters_text = voters.to_str().expect("utf-8");
    assert!(groundgame(&[
        "export",
        "segment",
        "--db",
        &db,
        "--segment",
        "Unaffiliated",
        "--out",
        voters_text
    ])
    .status
    .success());
    let (header, rows) = read_csv(&voters);
    let party = header.iter().position(|h| h == "party").expect("party");
    assert!(!rows.is_empty() && rows.iter().all(|row| row[party] == "UNA"));

    // Bad requests say what was wrong and leave no file behind.
    let nothing = dir.path().join("nothing.csv");
    let nothing_text = nothing.to_str().expect("utf-8");
    fails_saying(
        &groundgame(&[
            "export",
            "results",
            "--db",
            &db,
            "--turf",
            "99",
            "--out",
            nothing_text,
        ]),
        "no turf with id 99",
    );
    fails_saying(
        &groundgame(&[
            "export",
            "results",
            "--db",
            &db,
            "--format",
            "xlsx",
            "--out",
            nothing_text,
        ]),
        "expected csv or crm",
    );
    fails_saying(
        &groundgame(&[
            "export",
            "results",
            "--db",
            &db,
            "--since",
            "12/01/2026",
            "--out",
            nothing_text,
        ]),
        "YYYY-MM-DD",
    );
    fails_saying(
        &groundgame(&[
            "export",
            "segment",
            "--db",
            &db,
            "--segment",
            "Nobody",
            "--out",
            nothing_text,
        ]),
        "no saved segment named",
    );
    assert!(!nothing.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn results_exported_from_one_office_load_into_another_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    std::fs::create_dir_all(&first).expect("dir");
    std::fs::create_dir_all(&second).expect("dir");
    let one = demo_db(&first, "600");
    let two = demo_db(&second, "600");
    record_doors(
        &one,
        &[
            ("DM000001", "canvassed", Some("support=strong")),
            ("DM000002", "not-home", None),
            ("DM000004", "refused", None),
            ("DM000005", "canvassed", Some("support=lean")),
        ],
    );
    let exported = dir.path().join("results.csv");
    let exported_text = exported.to_str().expect("utf-8");
    assert!(
        groundgame(&["export", "results", "--db", &one, "--out", exported_text])
            .status
            .success()
    );

    let loaded = stdout_json(&groundgame(&[
        "import",
        "--db",
        &two,
        "--layout",
        "results",
        "--json",
        exported_text,
    ]));
    assert_eq!(loaded["files"][0]["added"], 4);
    let again = stdout_json(&groundgame(&[
        "import",
        "--db",
        &two,
        "--layout",
        "results",
        "--json",
        exported_text,
    ]));
    assert_eq!(
        (
            again["files"][0]["added"].as_u64(),
            again["files"][0]["already"].as_u64()
        ),
        (Some(0), Some(4)),
        "loaded twice, recorded once"
    );
    let round = dir.path().join("round.csv");
    let round_text = round.to_str().expect("utf-8");
    assert!(
        groundgame(&["export", "results", "--db", &two, "--out", round_text])
            .status
            .success()
    );
    assert_eq!(
        read_csv(&round),
        read_csv(&exported),
        "the second office's export is the first's"
    );
    let board = stdout_json(&groundgame(&["dashboard", "--db", &two, "--json"]));
    assert_eq!(board["overall"]["attempts"], 4);
    assert_eq!(board["supporters"], 2);
    let history = stdout_json(&groundgame(&[
        "voter", "--db", &two, "--voter", "DM000004", "--json",
    ]));
    assert!(history.to_string().contains("refused"), "{history}");

    // A spreadsheet typed from paper: a bad row is named by line and column
    // and nothing of the file is kept.
    let paper = dir.path().join("paper.csv");
    std::fs::write(
        &paper,
        "voter_id,result,date,time,q:support\nDM000010,canvassed,2026-11-29,14:30,strong\nDM000011,canvased,2026-11-29,,\n",
    )
    .expect("write");
    let paper_text = paper.to_str().expect("utf-8");
    fails_saying(
        &groundgame(&["import", "--db", &two, "--layout", "results", paper_text]),
        "line 3, column result: \"canvased\" is not a result code",
    );
    let board = stdout_json(&groundgame(&["dashboard", "--db", &two, "--json"]));
    assert_eq!(
        board["overall"]["attempts"], 4,
        "nothing of the bad file was kept"
    );
    std::fs::write(
        &paper,
        "voter_id,result,date,time,q:support\nDM000010,canvassed,2026-11-29,14:30,strong\nDM999999,not-home,2026-11-29,,\n",
    )
    .expect("write");
    fails_saying(
        &groundgame(&["import", "--db", &two, "--layout", "results", paper_text]),
        "line 3, column voter_id: no voter DM999999",
    );
}

#[test]
fn a_day_of_results_is_quarantined_and_released_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = demo_db(dir.path(), "600");
    record_doors(
        &db,
        &[
            ("DM000001", "canvassed", Some("support=lean")),
            ("DM000002", "not-home", None),
        ],
    );
    let board = stdout_json(&groundgame(&["dashboard", "--db", &db, "--json"]));
    assert_eq!(board["overall"]["attempts"], 2);
    let today = board["today"].as_str().expect("today").to_owned();
    let batch = format!("@{today}");
    let decided = stdout_json(&groundgame(&[
        "quality",
        "--db",
        &db,
        "--quarantine",
        &batch,
        "--note",
        "typed in twice",
        "--json",
    ]));
    assert_eq!(decided["verdict"], "quarantined");
    let board = stdout_json(&groundgame(&["dashboard", "--db", &db, "--json"]));
    assert_eq!(
        board["overall"]["attempts"], 0,
        "quarantined results are not counted"
    );
    let out = dir.path().join("results.csv");
    let out_text = out.to_str().expect("utf-8");
    assert!(
        groundgame(&["export", "results", "--db", &db, "--out", out_text])
            .status
            .success()
    );
    assert_eq!(read_csv(&out).1.len(), 0, "nor exported");
    assert!(groundgame(&[
        "export",
        "results",
        "--db",
        &db,
        "--include-quarantined",
        "--out",
        out_text
    ])
    .status
    .success());
    assert_eq!(read_csv(&out).1.len(), 2, "but kept");
    let quality = stdout_json(&groundgame(&["quality", "--db", &db, "--json"]));
    assert_eq!(quality[0]["decision"]["verdict"], "quarantined");
    let released = groundgame(&["quality", "--db", &db, "--release", &batch]);
    assert!(released.status.success());
    assert!(String::from_utf8_lossy(&released.stdout).contains("counted again"));
    let board = stdout_json(&groundgame(&["dashboard", "--db", &db, "--json"]));
    assert_eq!(board["overall"]["attempts"], 2);
    let audit = stdout_json(&groundgame(&["audit", "--db", &db, "--json"]));
    let details: Vec<&str> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|entry| entry["action"] == "decide_batch")
        .filter_map(|entry| entry["detail"].as_str())
        .collect();
    assert_eq!(details.len(), 2, "{audit}");
    assert!(
        details[0].contains("quarantined (typed in twice)"),
        "{details:?}"
    );
    fails_saying(
        &groundgame(&["quality", "--db", &db, "--approve", "Ana"]),
        "names no batch",
    );
    fails_saying(
        &groundgame(&[
            "quality",
            "--db",
            &db,
            "--approve",
            &batch,
            "--release",
            &batch,
        ]),
        "cannot be used with",
    );
}
