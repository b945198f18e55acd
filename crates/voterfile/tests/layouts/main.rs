//! Every layout, read back from the generator's files, and the malformed
//! files an office will meet.

use groundgame_voterfile::generate::{self, Population};
use groundgame_voterfile::{Layout, ReadError, Row, VoterFile};
use std::path::Path;

fn read_all(name: &str, bytes: Vec<u8>, layout: &Layout) -> Result<Vec<(u64, Row)>, ReadError> {
    let total = bytes.len() as u64;
    let mut file =
        VoterFile::from_reader(Path::new(name), std::io::Cursor::new(bytes), total, layout)?;
    let mut rows = Vec::new();
    while let Some(row) = file.next_row() {
        rows.push(row?);
    }
    assert_eq!(file.progress(), (total, total), "progress reaches the end");
    Ok(rows)
}

fn voters(rows: &[(u64, Row)]) -> Vec<&groundgame_voterfile::VoterRecord> {
    rows.iter()
        .filter_map(|(_, row)| match row {
            Row::Voter(voter, _) => Some(voter.as_ref()),
            Row::Votes(_) => None,
        })
        .collect()
}

fn votes(rows: &[(u64, Row)]) -> usize {
    rows.iter()
        .map(|(_, row)| match row {
            Row::Voter(_, votes) | Row::Votes(votes) => votes.len(),
        })
        .sum()
}

fn generated(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<generate::Written>) -> Vec<u8> {
    let mut bytes = Vec::new();
    write(&mut bytes).expect("generate");
    bytes
}

#[test]
fn north_carolina_voters_read_back_as_generated() {
    let population = Population::new(500);
    let bytes = generated(|out| generate::write_nc_voter(&population, "WAKE", out));
    let rows = read_all("ncvoter92.txt", bytes, &Layout::NcVoter).expect("reads");
    let read = voters(&rows);
    let people: Vec<_> = population.people().collect();
    assert_eq!(read.len(), 500);
    for (voter, person) in read.iter().zip(&people) {
        assert_eq!(voter.voter_id.as_str(), generate::nc_id(person));
        assert_eq!(voter.last_name, person.last_name);
        assert_eq!(voter.county, "WAKE");
        assert_eq!(voter.confidential, person.confidential);
        if !person.confidential {
            assert_eq!(voter.address.street, person.street);
            assert_eq!(voter.address.house_number, Some(person.house_number));
            assert_eq!(voter.address.unit, person.unit);
        } else {
            assert!(
                voter.address.is_empty(),
                "a confidential address is never kept"
            );
        }
    }
    // The header is line 1, so the first voter is on line 2.
    assert_eq!(rows[0].0, 2);
    // Latin-1 accents survive.
    assert!(read
        .iter()
        .any(|v| v.last_name.contains('Í') || v.first_name.contains('É')));
}

#[test]
fn north_carolina_history_joins_by_ncid() {
    let population = Population::new(300);
    let expected: usize = population.people().map(|p| p.votes.len()).sum();
    let bytes = generated(|out| generate::write_nc_history(&population, "WAKE", out));
    let rows = read_all("ncvhis92.txt", bytes, &Layout::NcHistory).expect("reads");
    assert_eq!(votes(&rows), expected);
    let Row::Votes(first) = &rows[0].1 else {
        panic!("history rows are votes")
    };
    assert!(first[0].election_type == "GENERAL" || first[0].election_type == "PRIMARY");
    assert!(first[0].voter_id.as_str().starts_with("CW"));
}

#[test]
fn ohio_reads_wide_history() {
    let population = Population::new(2_000);
    let expected: usize = population.people().map(|p| p.votes.len()).sum();
    let bytes = generated(|out| generate::write_ohio(&population, out));
    let rows = read_all("SWVF_1_22.txt", bytes, &Layout::Ohio).expect("reads");
    assert_eq!(voters(&rows).len(), 2_000);
    assert_eq!(votes(&rows), expected);
    let with_units = voters(&rows)
        .iter()
        .filter(|v| !v.address.unit.is_empty())
        .count();
    assert!(
        with_units > 0,
        "apartment units come from the secondary address"
    );
}

#[test]
fn florida_reads_without_a_header_and_withholds_exempt_voters() {
    let population = Population::new(2_000);
    let bytes = generated(|out| generate::write_florida(&population, "DAD", out));
    let rows = read_all("DAD_20261101.txt", bytes, &Layout::Florida).expect("reads");
    let read = voters(&rows);
    assert_eq!(read.len(), 2_000);
    assert_eq!(rows[0].0, 1, "no header: the first voter is line 1");
    let exempt: Vec<_> = read.iter().filter(|v| v.confidential).collect();
    assert!(!exempt.is_empty());
    assert!(exempt
        .iter()
        .all(|v| v.address.is_empty() && !v.address.city.contains('*')));
    assert_eq!(read[0].time_zone, "America/New_York");

    let history = generated(|out| generate::write_florida_history(&population, "ESC", out));
    let rows = read_all("ESC_H_20261101.txt", history, &Layout::FloridaHistory).expect("reads");
    let expected: usize = population.people().map(|p| p.votes.len()).sum();
    assert_eq!(
        votes(&rows),
        expected,
        "N (did not vote) rows are not votes"
    );
}

#[test]
fn a_mapped_csv_reads_through_its_mapping() {
    let population = Population::new(200);
    let bytes = generated(|out| generate::write_csv(&population, out));
    let layout = Layout::Mapped(Box::new(generate::csv_mapping()));
    let rows = read_all("export.csv", bytes, &layout).expect("reads");
    let read = voters(&rows);
    assert_eq!(read.len(), 200);
    assert!(read.iter().all(|v| v.birth_year.is_some()));
    assert_eq!(read[0].county, "COUNTY-EXPORT");
}

#[test]
fn a_later_snapshot_differs_in_known_proportions() {
    let first: Vec<_> = Population::new(5_000).people().collect();
    let later: Vec<_> = Population {
        snapshot: 1,
        ..Population::new(5_000)
    }
    .people()
    .collect();
    let removed = first
        .iter()
        .filter(|p| !later.iter().any(|q| q.number == p.number))
        .count();
    let new = later.iter().filter(|q| q.number > 5_000).count();
    assert!((20..=90).contains(&removed), "removed {removed}");
    assert!((60..=90).contains(&new), "new {new}");
}

fn nc_file(body: &str) -> Vec<u8> {
    let header = groundgame_voterfile_nc_header();
    format!("{header}\n{body}").into_bytes()
}

fn groundgame_voterfile_nc_header() -> String {
    // The generator's header is the published one.
    let bytes = generated(|out| generate::write_nc_voter(&Population::new(0), "WAKE", out));
    String::from_utf8(bytes)
        .expect("ascii")
        .trim_end()
        .to_owned()
}

fn nc_row(edit: impl FnOnce(&mut Vec<String>)) -> String {
    let bytes = generated(|out| generate::write_nc_voter(&Population::new(1), "WAKE", out));
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let line = text.lines().nth(1).expect("a voter line");
    let mut fields: Vec<String> = line
        .split('\t')
        .map(|f| f.trim_matches('"').to_owned())
        .collect();
    edit(&mut fields);
    fields.join("\t")
}

#[test]
fn a_bad_field_names_the_file_line_and_column() {
    let good = nc_row(|_| {});
    let bad_year = nc_row(|f| f[30] = "19x4".into());
    let bytes = nc_file(&format!("{good}\n{good}\n{bad_year}\n"));
    let error = read_all("ncvoter92.txt", bytes, &Layout::NcVoter).expect_err("a bad year");
    let message = error.to_string();
    assert!(error.is_row_error());
    assert!(
        message.contains("ncvoter92.txt, line 4, column birth_year"),
        "{message}"
    );
    assert!(
        message.contains("four-digit year") && message.contains("19x4"),
        "{message}"
    );
}

#[test]
fn a_short_row_is_a_width_error() {
    let short = nc_row(|f| f.truncate(40));
    let error = read_all(
        "ncvoter92.txt",
        nc_file(&format!("{short}\n")),
        &Layout::NcVoter,
    )
    .expect_err("short");
    assert!(
        matches!(
            error,
            ReadError::Width {
                line: 2,
                found: 40,
                expected: 67,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_missing_column_and_an_empty_file_are_named() {
    let error = read_all(
        "wrong.txt",
        b"ncid\tlast_name\nAA1\tSMITH\n".to_vec(),
        &Layout::NcVoter,
    )
    .expect_err("columns");
    assert!(
        error.to_string().contains("no column \"county_desc\""),
        "{error}"
    );
    let error = read_all("empty.txt", b"\n\n".to_vec(), &Layout::Ohio).expect_err("empty");
    assert!(matches!(error, ReadError::Empty { .. }), "{error}");
}

#[test]
fn unknown_columns_are_reported_not_fatal_and_aliases_are_known() {
    let header = groundgame_voterfile_nc_header()
        .replace("county_commiss_abbrv", "county_commis_abbrv")
        .replace("\"vtd_desc\"", "\"vtd_desc\"\t\"new_column\"");
    let row = nc_row(|f| f.push("x".into()));
    let bytes = format!("{header}\n{row}\n").into_bytes();
    let total = bytes.len() as u64;
    let mut file = VoterFile::from_reader(
        Path::new("ncvoter.txt"),
        std::io::Cursor::new(bytes),
        total,
        &Layout::NcVoter,
    )
    .expect("opens");
    assert_eq!(file.warnings(), ["unknown column \"new_column\" ignored"]);
    assert!(file.next_row().expect("a row").is_ok());
}

#[test]
fn mappings_are_checked_before_any_file_is_read() {
    use groundgame_voterfile::Mapping;
    let error =
        Mapping::from_json(r#"{"name": "x", "columns": {"voter_id": 1}}"#).expect_err("incomplete");
    assert!(error.to_string().contains("last_name"), "{error}");
    let error = Mapping::from_json(r#"{"name": "x", "columns": {"voter_id": 1, "last_name": 2, "street_line": 3, "shoe_size": 4}}"#)
        .expect_err("unknown field");
    assert!(error.to_string().contains("shoe_size"), "{error}");
    let error = Mapping::from_json(r#"{"name": "x", "header": false, "columns": {"voter_id": "ID", "last_name": 2, "street_line": 3}}"#)
        .expect_err("names without a header");
    assert!(error.to_string().contains("by position"), "{error}");
    let mapping = Mapping::from_json(
        r#"{"name": "wv", "delimiter": "|", "encoding": "latin1", "header": false, "state": "WV",
            "columns": {"voter_id": 1, "last_name": 2, "first_name": 3, "street_line": 4, "city": 5, "zip": 6}}"#,
    )
    .expect("valid");
    let rows = read_all(
        "wv.txt",
        b"WV1|DOE|JANE|12 HILL ST|ELKINS|26241\n".to_vec(),
        &Layout::Mapped(Box::new(mapping)),
    )
    .expect("reads");
    let read = voters(&rows);
    assert_eq!(read[0].address.street, "HILL ST");
    assert_eq!(read[0].time_zone, "America/New_York");
}

/// A row cut short is reported on the line a text editor shows it on, in
/// every layout, whether the file ends its lines as Unix does or as Windows
/// does (North Carolina publishes CRLF).
#[test]
fn a_bad_row_is_reported_on_the_line_an_editor_shows() {
    let population = Population::new(20);
    let files: [(&str, Vec<u8>, Layout, char); 6] = [
        (
            "ncvoter92.txt",
            generated(|out| generate::write_nc_voter(&population, "WAKE", out)),
            Layout::NcVoter,
            '\t',
        ),
        (
            "ncvhis92.txt",
            generated(|out| generate::write_nc_history(&population, "WAKE", out)),
            Layout::NcHistory,
            '\t',
        ),
        (
            "SWVF_1_22.txt",
            generated(|out| generate::write_ohio(&population, out)),
            Layout::Ohio,
            ',',
        ),
        (
            "ORA_20261201.txt",
            generated(|out| generate::write_florida(&population, "ORA", out)),
            Layout::Florida,
            '\t',
        ),
        (
            "ORA_H_20261201.txt",
            generated(|out| generate::write_florida_history(&population, "ORA", out)),
            Layout::FloridaHistory,
            '\t',
        ),
        (
            "export.csv",
            generated(|out| generate::write_csv(&population, out)),
            Layout::Mapped(Box::new(generate::csv_mapping())),
            ',',
        ),
    ];
    for (name, bytes, layout, delimiter) in files {
        let text = from_latin1(&bytes);
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        for cut in [1, 4, 12] {
            for ending in ["\n", "\r\n"] {
                let mut edited = lines.clone();
                let short: Vec<&str> = lines[cut].split(delimiter).take(2).collect();
                edited[cut] = short.join(&delimiter.to_string());
                let file = format!("{}{ending}", edited.join(ending));
                let error = read_all(name, latin1(&file), &layout).expect_err("a short row");
                let editor_line = cut as u64 + 1;
                let reported = match &error {
                    ReadError::Width { line, .. }
                    | ReadError::Field { line, .. }
                    | ReadError::Malformed { line, .. } => *line,
                    other => panic!("{name}: {other}"),
                };
                assert_eq!(
                    reported, editor_line,
                    "{name} with {:?} line endings: {error}",
                    ending
                );
            }
        }
    }
}

/// The generators write Latin-1; the test edits text and writes it back.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn from_latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
}
