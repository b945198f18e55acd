//! Importing voter files into the office's database: every layout, a
//! malformed file, --skip-bad, and a newer snapshot as a diff that keeps
//! local history.

use groundgame_domain::{Channel, VoterId};
use groundgame_store::{ImportError, ImportOptions, ImportReport, NewContact, Store};
use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, VoterFile};
use jiff::Timestamp;
use std::path::{Path, PathBuf};

fn now() -> Timestamp {
    "2026-11-26T15:00:00Z".parse().expect("a time")
}

fn write(
    dir: &Path,
    name: &str,
    make: impl FnOnce(&mut std::fs::File) -> std::io::Result<generate::Written>,
) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("create");
    make(&mut file).expect("generate");
    path
}

fn import(
    store: &mut Store,
    path: &Path,
    layout: &Layout,
    options: ImportOptions,
) -> Result<ImportReport, ImportError> {
    let file = VoterFile::open(path, layout).map_err(ImportError::File)?;
    let mut last = None;
    let report = store.import(file, layout, options, now(), |progress| {
        last = Some(progress)
    })?;
    let last = last.expect("progress was reported");
    assert_eq!(
        last.bytes_read, last.bytes_total,
        "the last progress report is the whole file"
    );
    Ok(report)
}

#[test]
fn north_carolina_voters_then_history() {
    let dir = tempfile::tempdir().expect("dir");
    let population = Population::new(3_000);
    let voters = write(dir.path(), "ncvoter92.txt", |f| {
        generate::write_nc_voter(&population, "WAKE", f)
    });
    let history = write(dir.path(), "ncvhis92.txt", |f| {
        generate::write_nc_history(&population, "WAKE", f)
    });
    let mut store = Store::open_in_memory().expect("store");
    let report = import(
        &mut store,
        &voters,
        &Layout::NcVoter,
        ImportOptions::default(),
    )
    .expect("imports");
    assert_eq!((report.rows, report.new, report.removed), (3_000, 3_000, 0));
    assert_eq!(report.encoding, "windows-1252");
    let report = import(
        &mut store,
        &history,
        &Layout::NcHistory,
        ImportOptions::default(),
    )
    .expect("imports");
    let expected: u64 = population.people().map(|p| p.votes.len() as u64).sum();
    assert_eq!(report.votes, expected);
    let stats = store.stats().expect("stats");
    assert_eq!(stats.voters, 3_000);
    assert_eq!(stats.vote_history, expected);
    assert!(
        stats.households > 1_000 && stats.households < 3_000,
        "{stats:?}"
    );
    // Accent-folded search finds an imported Latin-1 name.
    let page = store
        .search_voters(&groundgame_domain::ipc::VoterQuery::first_page(
            "rodriguez",
            10,
        ))
        .expect("search");
    assert!(
        page.total > 0 && page.rows[0].name.contains("RODRÍGUEZ"),
        "{page:?}"
    );
}

#[test]
fn ohio_florida_and_a_mapped_csv_import() {
    let dir = tempfile::tempdir().expect("dir");
    let population = Population::new(1_000);
    let cases = [
        (
            write(dir.path(), "oh.txt", |f| {
                generate::write_ohio(&population, f)
            }),
            Layout::Ohio,
        ),
        (
            write(dir.path(), "fl.txt", |f| {
                generate::write_florida(&population, "ESC", f)
            }),
            Layout::Florida,
        ),
        (
            write(dir.path(), "export.csv", |f| {
                generate::write_csv(&population, f)
            }),
            Layout::Mapped(Box::new(generate::csv_mapping())),
        ),
    ];
    for (path, layout) in cases {
        let mut store = Store::open_in_memory().expect("store");
        let report = import(&mut store, &path, &layout, ImportOptions::default()).expect("imports");
        assert_eq!(report.new, 1_000, "{layout}");
        if layout == Layout::Ohio {
            assert!(store.stats().expect("stats").vote_history > 500);
        }
        if layout == Layout::Florida {
            let history = write(dir.path(), "flh.txt", |f| {
                generate::write_florida_history(&population, "ESC", f)
            });
            let report = import(
                &mut store,
                &history,
                &Layout::FloridaHistory,
                ImportOptions::default(),
            )
            .expect("history");
            assert!(
                report.votes > 500 && report.votes_unmatched == 0,
                "{report:?}"
            );
        }
    }
}

fn corrupt_line(path: &Path, line: usize) {
    let bytes = std::fs::read(path).expect("read");
    let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    let text = String::from_utf8_lossy(&lines[line - 1]).replace("\"A\"", "\"Q\"");
    lines[line - 1] = text.into_bytes();
    std::fs::write(path, lines.join(&b'\n')).expect("write");
}

#[test]
fn a_malformed_row_keeps_nothing_and_skip_bad_keeps_the_rest() {
    let dir = tempfile::tempdir().expect("dir");
    let population = Population::new(400);
    let path = write(dir.path(), "ncvoter92.txt", |f| {
        generate::write_nc_voter(&population, "WAKE", f)
    });
    // Find an active voter's line and give it an impossible status.
    let text = String::from_utf8_lossy(&std::fs::read(&path).expect("read")).into_owned();
    let line = text
        .lines()
        .position(|l| l.contains("\"ACTIVE\""))
        .expect("an active voter")
        + 1;
    corrupt_line(&path, line);

    let mut store = Store::open_in_memory().expect("store");
    let error = import(
        &mut store,
        &path,
        &Layout::NcVoter,
        ImportOptions::default(),
    )
    .expect_err("stops");
    let message = error.to_string();
    assert!(
        message.contains(&format!("ncvoter92.txt, line {line}, column status_cd")),
        "{message}"
    );
    assert!(
        message.contains("\"Q\"") && message.contains("nothing from this file was imported"),
        "{message}"
    );
    assert_eq!(
        store.stats().expect("stats").voters,
        0,
        "nothing half-applied"
    );
    assert_eq!(store.stats().expect("stats").imports, 0);

    let report = import(
        &mut store,
        &path,
        &Layout::NcVoter,
        ImportOptions { skip_bad: true },
    )
    .expect("imports the rest");
    assert_eq!(report.new, 399);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].line, line as u64);
}

#[test]
fn a_newer_snapshot_is_a_diff_that_keeps_local_history() {
    let dir = tempfile::tempdir().expect("dir");
    let first = Population::new(4_000);
    let later = Population {
        snapshot: 1,
        ..first.clone()
    };
    let week1 = write(dir.path(), "week1.txt", |f| {
        generate::write_nc_voter(&first, "WAKE", f)
    });
    let week2 = write(dir.path(), "week2.txt", |f| {
        generate::write_nc_voter(&later, "WAKE", f)
    });
    let mut store = Store::open_in_memory().expect("store");
    import(
        &mut store,
        &week1,
        &Layout::NcVoter,
        ImportOptions::default(),
    )
    .expect("first");

    // Every voter of week 1 gets a door result, so we can see history survive.
    let people: Vec<_> = first.people().collect();
    let later_people: Vec<_> = later.people().collect();
    let removed_person = people
        .iter()
        .find(|p| !later_people.iter().any(|q| q.number == p.number))
        .expect("someone is removed");
    let removed_id = VoterId::parse(&generate::nc_id(removed_person)).expect("id");
    store
        .record_contact(
            &NewContact::new(removed_id.clone(), Channel::Door, "not-home"),
            now(),
        )
        .expect("contact");

    let report = import(
        &mut store,
        &week2,
        &Layout::NcVoter,
        ImportOptions::default(),
    )
    .expect("second");
    let total = later_people.len() as u64;
    assert_eq!(
        report.new + report.moved + report.changed + report.unchanged,
        total,
        "{report:?}"
    );
    let expected_new = later_people.iter().filter(|p| p.number > 4_000).count() as u64;
    let expected_removed = people.len() as u64 - (total - expected_new);
    assert_eq!(report.new, expected_new);
    assert_eq!(report.removed, expected_removed);
    assert!(
        report.moved > 40 && report.changed > 60 && report.unchanged > 3_500,
        "{report:?}"
    );
    // The removed voter is kept, with their history.
    assert_eq!(
        store.contact_history(&removed_id).expect("history").len(),
        1
    );
    let stats = store.stats().expect("stats");
    assert_eq!(stats.voters_removed, expected_removed);

    // The same snapshot again changes nothing.
    let again = import(
        &mut store,
        &week2,
        &Layout::NcVoter,
        ImportOptions::default(),
    )
    .expect("third");
    assert_eq!(
        (again.new, again.moved, again.changed, again.removed),
        (0, 0, 0, 0)
    );
    assert_eq!(again.unchanged, total);
}

#[test]
fn a_voter_given_twice_in_one_file_is_a_bad_line() {
    let dir = tempfile::tempdir().expect("dir");
    let path = write(dir.path(), "ncvoter92.txt", |f| {
        generate::write_nc_voter(&Population::new(50), "WAKE", f)
    });
    let text = std::fs::read(&path).expect("read");
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let mut doubled = text.clone();
    doubled.extend_from_slice(lines[5]);
    doubled.push(b'\n');
    std::fs::write(&path, &doubled).expect("write");
    for fresh in [true, false] {
        let mut store = Store::open_in_memory().expect("store");
        if !fresh {
            let other = write(dir.path(), "other.txt", |f| {
                generate::write_ohio(&Population::new(5), f)
            });
            import(&mut store, &other, &Layout::Ohio, ImportOptions::default())
                .expect("other file");
        }
        let error = import(
            &mut store,
            &path,
            &Layout::NcVoter,
            ImportOptions::default(),
        )
        .expect_err("twice");
        assert!(
            error.to_string().contains("line 52, column voter id"),
            "{error}"
        );
        let report = import(
            &mut store,
            &path,
            &Layout::NcVoter,
            ImportOptions { skip_bad: true },
        )
        .expect("skips");
        assert_eq!((report.new, report.skipped.len()), (50, 1));
    }
}
