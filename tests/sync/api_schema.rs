//! schemathesis (from PyPI; `cargo xtask` installs it and names it in
//! `GROUNDGAME_SCHEMATHESIS`) against a running registry's own
//! `/openapi.json`, with a real coordinator's device token and the protocol
//! headers every laptop sends: no request it can make gets a 5xx, and every
//! refusal is a status the document lists, in the documented error shape.

use crate::fixture::Campaign;
use groundgame_domain::wire::{Role, APP_VERSION_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION};
use std::process::Command;

#[tokio::test]
async fn every_request_schemathesis_makes_is_answered_as_documented() {
    let Some(schemathesis) = std::env::var_os("GROUNDGAME_SCHEMATHESIS") else {
        eprintln!(
            "skipped: GROUNDGAME_SCHEMATHESIS names no schemathesis (`cargo xtask test` installs one and sets it)"
        );
        return;
    };
    // No rate limits here: they are tested on their own (attack.rs), and
    // with them schemathesis reaches little past a 429.
    let campaign = Campaign::unlimited(600).await;
    let mut laptop = campaign.device("North", Role::Coordinator).await;
    laptop.sync().await;
    let (_, token) = laptop.token().await.expect("a token");
    let base = campaign.registry.base_url.trim_end_matches('/').to_owned();
    let reports = tempfile::tempdir().expect("dir");
    let run = tokio::task::spawn_blocking({
        let reports = reports.path().to_owned();
        move || {
            Command::new(&schemathesis)
                // Its cache folder goes with the reports, not into the tree.
                .current_dir(&reports)
                .arg("run")
                .arg(format!("{base}/openapi.json"))
                .args(["--url", &base])
                .arg("--header")
                .arg(format!("Authorization: Bearer {token}"))
                .arg("--header")
                .arg(format!("{PROTOCOL_HEADER}: {PROTOCOL_VERSION}"))
                .arg("--header")
                .arg(format!("{APP_VERSION_HEADER}: schemathesis"))
                .args([
                    "--checks",
                    "not_a_server_error,status_code_conformance,content_type_conformance,\
                     response_schema_conformance",
                    "--phases",
                    "examples,coverage,fuzzing",
                    "--max-examples",
                    "50",
                    "--seed",
                    "2012",
                    "--workers",
                    "2",
                    "--request-timeout",
                    "30",
                    "--no-color",
                    "--report",
                    "junit",
                    "--report-dir",
                ])
                .arg(&reports)
                .output()
                .expect("schemathesis runs")
        }
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "schemathesis found requests answered outside the document:\n{stdout}\n{stderr}"
    );
    // It really ran: every operation of the document was tested.
    let junit = std::fs::read_dir(reports.path())
        .expect("reports")
        .filter_map(Result::ok)
        .find_map(|entry| std::fs::read_to_string(entry.path()).ok())
        .expect("a junit report");
    let operations = junit.matches("<testcase").count();
    assert!(operations >= 10, "{operations} operations tested:\n{junit}");
}
