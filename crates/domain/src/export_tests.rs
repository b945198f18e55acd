use super::*;
use crate::work::WorkKind;
use crate::Channel;

fn row(answers: &[(&str, &str)]) -> ResultRow {
    ResultRow {
        attempt_id: "01a2".into(),
        voter_id: "CW0000042".into(),
        first_name: "ZOË".into(),
        last_name: "NELSON, JR".into(),
        recorded_at: "2026-11-30T22:04:00Z".into(),
        local_date: "2026-11-30".into(),
        local_time: "17:04".into(),
        channel: Channel::Door,
        phone: None,
        result: "canvassed".into(),
        result_label: "Canvassed".into(),
        answers: answers
            .iter()
            .map(|(q, a)| ((*q).to_owned(), (*a).to_owned()))
            .collect(),
        volunteer: "Ada".into(),
        work: Some((WorkKind::Turf, "Precinct 12 north".into())),
        note: "dog in yard".into(),
    }
}

#[test]
fn every_results_row_lines_up_with_its_header() {
    let questions = vec!["support".to_owned(), "volunteer".to_owned()];
    let header = results_header(&questions);
    for answers in [
        vec![],
        vec![("support", "lean")],
        vec![("volunteer", "yes"), ("support", "strong")],
        vec![("unasked", "x")],
    ] {
        let record = results_record(&row(&answers), &questions);
        assert_eq!(record.len(), header.len(), "{answers:?}");
        let at =
            |column: &str| record[header.iter().position(|h| h == column).expect(column)].clone();
        for question in &questions {
            let expected = answers
                .iter()
                .find(|(q, _)| q == question)
                .map(|(_, a)| (*a).to_owned())
                .unwrap_or_default();
            assert_eq!(at(&format!("q:{question}")), expected, "{answers:?}");
        }
        assert_eq!(at("work_kind"), "turf");
        assert_eq!(at("work"), "Precinct 12 north");
        assert_eq!(at("channel"), "door");
        assert_eq!(at("last_name"), "NELSON, JR");
    }
}

#[test]
fn the_crm_gets_a_row_per_result_and_per_response() {
    assert_eq!(crm_records(&row(&[])).len(), 1);
    let rows = crm_records(&row(&[("support", "lean"), ("volunteer", "yes")]));
    assert_eq!(
        rows[0],
        [
            "CW0000042",
            "Walk",
            "Canvassed",
            "",
            "",
            "11/30/2026",
            "Ada"
        ]
        .map(String::from)
    );
    assert_eq!(
        rows[2],
        [
            "CW0000042",
            "Walk",
            "",
            "volunteer",
            "yes",
            "11/30/2026",
            "Ada"
        ]
        .map(String::from)
    );
    for (channel, expected) in [
        (Channel::Door, "Walk"),
        (Channel::Phone, "Phone"),
        (Channel::Text, "SMS"),
    ] {
        assert_eq!(crm_contact_type(channel), expected);
    }
    for (date, expected) in [
        ("2026-11-30", "11/30/2026"),
        ("2026-01-02", "01/02/2026"),
        ("", ""),
        ("30/11/2026", "30/11/2026"),
    ] {
        assert_eq!(crm_date(date), expected, "{date:?}");
    }
}

#[test]
fn a_walk_list_stop_is_a_row_per_voter() {
    use crate::office::{WalkStop, WalkVoter};
    let voter = |id: &str| WalkVoter {
        voter_id: id.into(),
        name: "A B".into(),
        age: Some(40),
        party: "DEM".into(),
        last_result: None,
    };
    let stop = WalkStop {
        household_id: 7,
        address: "12 MAIN ST".into(),
        street: "MAIN ST".into(),
        house_number: Some(12),
        unit: String::new(),
        side: "even".into(),
        inaccessible: false,
        do_not_walk: true,
        voters: vec![voter("V1"), voter("V2")],
    };
    let rows = walk_list_records(3, &stop);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|row| row.len() == WALK_LIST_COLUMNS.len()));
    assert_eq!(rows[1][0], "3");
    assert_eq!(rows[1][4], "V2");
    assert_eq!(rows[0][9], "yes", "do not walk");
    assert_eq!(rows[0][10], "", "accessible");
}

#[test]
fn what_the_results_csv_writes_it_reads_back() {
    let questions = vec!["support".to_owned(), "volunteer".to_owned()];
    let header = results_header(&questions);
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let layout = results_layout(&names).expect("our own header");
    let mut phoned = row(&[("support", "strong")]);
    phoned.channel = Channel::Phone;
    phoned.phone = Some("9195550001".into());
    phoned.result = "wrong-number".into();
    phoned.work = Some((WorkKind::CallList, "Unaffiliated".into()));
    for written in [
        row(&[]),
        row(&[("support", "lean"), ("volunteer", "yes")]),
        phoned,
    ] {
        let record = results_record(&written, &questions);
        let cells: Vec<&str> = record.iter().map(String::as_str).collect();
        let read = parse_result(&layout, &cells).expect("reads back");
        assert_eq!(read.attempt_id, written.attempt_id);
        assert_eq!(read.voter_id.as_str(), written.voter_id);
        assert_eq!(read.channel, written.channel);
        assert_eq!(read.result, written.result);
        assert_eq!(read.phone, written.phone);
        assert_eq!(read.when, When::Utc(written.recorded_at.clone()));
        assert_eq!(read.answers, written.answers);
        assert_eq!(read.volunteer.as_deref(), Some("Ada"));
        assert_eq!(read.note, written.note);
        match &written.work {
            Some((WorkKind::Turf, name)) => assert_eq!(read.turf.as_ref(), Some(name)),
            Some((_, name)) => assert_eq!(read.call_list.as_ref(), Some(name)),
            None => assert!(read.turf.is_none() && read.call_list.is_none()),
        }
    }
}

#[test]
fn a_spreadsheet_typed_from_paper_reads_with_the_fewest_columns() {
    let layout = results_layout(&[
        "\u{feff}Voter_ID",
        "Result",
        "Date",
        "Time",
        "q:support",
        "Notes",
    ])
    .expect("a minimal header");
    let read = parse_result(
        &layout,
        &["CW0000042", "Canvassed", "2026-11-29", "", "lean", "x"],
    )
    .expect("a paper row");
    assert_eq!(read.channel, Channel::Door);
    assert_eq!(
        read.when,
        When::Local {
            date: "2026-11-29".into(),
            time: "12:00".into()
        }
    );
    assert_eq!(read.answers, vec![("support".into(), "lean".into())]);
    assert!(read.attempt_id.starts_with("import-"));
    // The same row typed again is the same attempt; another answer is not.
    let again = parse_result(
        &layout,
        &["CW0000042", "canvassed", "2026-11-29", "", "lean", ""],
    )
    .expect("again");
    assert_eq!(again.attempt_id, read.attempt_id);
    let other = parse_result(
        &layout,
        &["CW0000042", "canvassed", "2026-11-29", "", "strong", ""],
    )
    .expect("other");
    assert_ne!(other.attempt_id, read.attempt_id);
}

#[test]
fn a_bad_results_file_names_the_column() {
    for (header, expected) in [
        (&["voter_id", "date"][..], "no \"result\" column"),
        (
            &["voter_id", "result"][..],
            "neither \"recorded_at\" nor \"date\"",
        ),
        (&["voter_id", "result", "date", "Result"][..], "comes twice"),
    ] {
        let error = results_layout(header).expect_err("refused");
        assert!(error.contains(expected), "{header:?}: {error}");
    }
    let layout = results_layout(&[
        "attempt_id",
        "voter_id",
        "channel",
        "result",
        "recorded_at",
        "date",
        "time",
        "work_kind",
        "work",
    ])
    .expect("header");
    let good = [
        "",
        "CW0000042",
        "door",
        "not-home",
        "",
        "2026-11-29",
        "09:15",
        "",
        "",
    ];
    assert!(parse_result(&layout, &good).is_ok());
    for (at, value, column, says) in [
        (1, "", "voter_id", "not a voter id"),
        (2, "fax", "channel", "not a channel"),
        (3, "canvased", "result", "the door codes are"),
        (3, "wrong-number", "result", "is not a door result"),
        (4, "2026-11-29 09:15", "recorded_at", "not a UTC time"),
        (5, "29/11/2026", "date", "YYYY-MM-DD"),
        (6, "9am", "time", "HH:MM"),
        (6, "25:00", "time", "HH:MM"),
        (7, "precinct", "work_kind", "expected turf or call_list"),
        (0, "id with spaces", "attempt_id", "not an attempt id"),
    ] {
        let mut row = good;
        row[at] = value;
        if at == 7 {
            row[8] = "North";
        }
        let error = parse_result(&layout, &row).expect_err(value);
        assert_eq!(error.column, column, "{value:?}: {error:?}");
        assert!(error.message.contains(says), "{value:?}: {}", error.message);
    }
}
