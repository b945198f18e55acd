//! What an export writes, as rows of text: one function per layout, shared
//! by the laptop's export and (later) the import that reads results back.
//! No IO: the store reads the rows, the CLI and the app write the file.

use crate::work::WorkKind;
use crate::Channel;
use serde::{Deserialize, Serialize};

/// One contact attempt as an export sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRow {
    pub attempt_id: String,
    pub voter_id: String,
    pub first_name: String,
    pub last_name: String,
    /// UTC, as recorded (`2026-11-30T17:04:00Z`).
    pub recorded_at: String,
    /// The office's calendar date and time of day of `recorded_at`.
    pub local_date: String,
    pub local_time: String,
    pub channel: Channel,
    /// The number dialled, for phone results.
    pub phone: Option<String>,
    pub result: String,
    /// The result code's label (`Not home`).
    pub result_label: String,
    /// Question slug and answer code, in question order.
    pub answers: Vec<(String, String)>,
    /// The volunteer's name (empty when none was signed in).
    pub volunteer: String,
    /// The turf or call list the attempt came from, by name.
    pub work: Option<(WorkKind, String)>,
    pub note: String,
}

/// The layouts `groundgame export results --format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultsFormat {
    /// One row per attempt, a column per survey question.
    Csv,
    /// The party CRM's bulk upload of canvass results: a row for each
    /// attempt's result and one for each survey response.
    Crm,
}

impl ResultsFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Self::Csv),
            "crm" => Some(Self::Crm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Crm => "crm",
        }
    }
}

/// What a results export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The file, once whole.
    pub path: String,
    pub attempts: u64,
    /// Rows under the header (the CRM shape has one per response too).
    pub rows: u64,
}

/// The fixed columns of the results CSV, before the question columns.
pub const RESULTS_COLUMNS: [&str; 11] = [
    "attempt_id",
    "voter_id",
    "first_name",
    "last_name",
    "date",
    "time",
    "recorded_at",
    "channel",
    "phone",
    "result",
    "volunteer",
];
/// After the question columns.
pub const RESULTS_TRAILING: [&str; 3] = ["work_kind", "work", "note"];
/// A question's column: `q:` and its slug (`q:support`).
pub const QUESTION_PREFIX: &str = "q:";

/// The header of the results CSV for these questions.
pub fn results_header(questions: &[String]) -> Vec<String> {
    RESULTS_COLUMNS
        .iter()
        .map(|column| (*column).to_owned())
        .chain(
            questions
                .iter()
                .map(|question| format!("{QUESTION_PREFIX}{question}")),
        )
        .chain(RESULTS_TRAILING.iter().map(|column| (*column).to_owned()))
        .collect()
}

/// One attempt as a row of the results CSV under [`results_header`].
pub fn results_record(row: &ResultRow, questions: &[String]) -> Vec<String> {
    let mut record = vec![
        row.attempt_id.clone(),
        row.voter_id.clone(),
        row.first_name.clone(),
        row.last_name.clone(),
        row.local_date.clone(),
        row.local_time.clone(),
        row.recorded_at.clone(),
        row.channel.slug().to_owned(),
        row.phone.clone().unwrap_or_default(),
        row.result.clone(),
        row.volunteer.clone(),
    ];
    for question in questions {
        record.push(
            row.answers
                .iter()
                .find(|(asked, _)| asked == question)
                .map(|(_, answer)| answer.clone())
                .unwrap_or_default(),
        );
    }
    let (kind, work) = row
        .work
        .as_ref()
        .map_or(("", ""), |(kind, name)| (kind.as_str(), name.as_str()));
    record.extend([kind.to_owned(), work.to_owned(), row.note.clone()]);
    record
}

/// The CRM bulk-upload columns.
pub const CRM_COLUMNS: [&str; 7] = [
    "PersonID",
    "ContactType",
    "Result",
    "SurveyQuestion",
    "SurveyResponse",
    "DateCanvassed",
    "CanvassedBy",
];

/// The CRM's name for a channel.
pub fn crm_contact_type(channel: Channel) -> &'static str {
    match channel {
        Channel::Door => "Walk",
        Channel::Phone => "Phone",
        Channel::Text => "SMS",
    }
}

/// `2026-11-30` as the CRM's `11/30/2026`; anything else as it is.
pub fn crm_date(date: &str) -> String {
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [year, month, day] if year.len() == 4 && month.len() == 2 && day.len() == 2 => {
            format!("{month}/{day}/{year}")
        }
        _ => date.to_owned(),
    }
}

/// The CRM rows of one attempt: its result, then a row per survey
/// response (a response is only ever recorded with a contact).
pub fn crm_records(row: &ResultRow) -> Vec<[String; 7]> {
    let base = |result: &str, question: &str, response: &str| {
        [
            row.voter_id.clone(),
            crm_contact_type(row.channel).to_owned(),
            result.to_owned(),
            question.to_owned(),
            response.to_owned(),
            crm_date(&row.local_date),
            row.volunteer.clone(),
        ]
    };
    std::iter::once(base(&row.result_label, "", ""))
        .chain(
            row.answers
                .iter()
                .map(|(question, answer)| base("", question, answer)),
        )
        .collect()
}

/// The columns of a walk list: a row per voter, doors in walking order.
pub const WALK_LIST_COLUMNS: [&str; 11] = [
    "door",
    "address",
    "unit",
    "side",
    "voter_id",
    "name",
    "age",
    "party",
    "last_result",
    "do_not_walk",
    "inaccessible",
];

/// The rows of one stop of a walk list (`door` is its place in the walk).
pub fn walk_list_records(door: usize, stop: &crate::office::WalkStop) -> Vec<Vec<String>> {
    let flag = |on: bool| if on { "yes" } else { "" }.to_owned();
    stop.voters
        .iter()
        .map(|voter| {
            vec![
                door.to_string(),
                stop.address.clone(),
                stop.unit.clone(),
                stop.side.clone(),
                voter.voter_id.clone(),
                voter.name.clone(),
                voter.age.map(|age| age.to_string()).unwrap_or_default(),
                voter.party.clone(),
                voter.last_result.clone().unwrap_or_default(),
                flag(stop.do_not_walk),
                flag(stop.inaccessible),
            ]
        })
        .collect()
}

/// The columns of a call list export.
pub const CALL_LIST_COLUMNS: [&str; 6] = [
    "position",
    "voter_id",
    "name",
    "phone",
    "status",
    "last_result",
];

/// The columns of a segment's voters.
pub const SEGMENT_COLUMNS: [&str; 12] = [
    "voter_id",
    "first_name",
    "last_name",
    "age",
    "party",
    "address",
    "unit",
    "city",
    "zip",
    "precinct",
    "phone",
    "last_result",
];

/// Where each column of a results file is, found by its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsLayout {
    attempt_id: Option<usize>,
    voter_id: usize,
    result: usize,
    channel: Option<usize>,
    phone: Option<usize>,
    recorded_at: Option<usize>,
    date: Option<usize>,
    time: Option<usize>,
    volunteer: Option<usize>,
    work_kind: Option<usize>,
    work: Option<usize>,
    note: Option<usize>,
    /// Each `q:` column and its question's slug.
    questions: Vec<(usize, String)>,
}

/// Reads a results file's header: ours ([`results_header`]), or a
/// spreadsheet's with at least `voter_id`, `result`, and `recorded_at` (UTC)
/// or `date` (with an optional `time`, in the office's zone). Other columns
/// (names, labels) are ignored.
pub fn results_layout(header: &[&str]) -> Result<ResultsLayout, String> {
    let names: Vec<String> = header
        .iter()
        .map(|name| crate::text::column_name(name))
        .collect();
    for (at, name) in names.iter().enumerate() {
        if !name.is_empty() && names[..at].contains(name) {
            return Err(format!("the column {name:?} comes twice in the header"));
        }
    }
    let find = |wanted: &str| names.iter().position(|name| name == wanted);
    let need = |wanted: &str| {
        find(wanted).ok_or_else(|| {
            format!(
                "the header has no {wanted:?} column; a results file needs voter_id, result, and recorded_at or date (found: {})",
                header.join(", ")
            )
        })
    };
    let layout = ResultsLayout {
        attempt_id: find("attempt_id"),
        voter_id: need("voter_id")?,
        result: need("result")?,
        channel: find("channel"),
        phone: find("phone"),
        recorded_at: find("recorded_at"),
        date: find("date"),
        time: find("time"),
        volunteer: find("volunteer"),
        work_kind: find("work_kind"),
        work: find("work"),
        note: find("note"),
        questions: names
            .iter()
            .enumerate()
            .filter_map(|(at, name)| {
                name.strip_prefix(QUESTION_PREFIX)
                    .filter(|slug| !slug.is_empty())
                    .map(|slug| (at, slug.to_owned()))
            })
            .collect(),
    };
    if layout.recorded_at.is_none() && layout.date.is_none() {
        return Err(format!(
            "the header has neither \"recorded_at\" nor \"date\"; say when each result was recorded (found: {})",
            header.join(", ")
        ));
    }
    Ok(layout)
}

/// When a result was recorded, as a file says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// A UTC stamp (`2026-11-30T22:04:00Z`).
    Utc(String),
    /// A calendar date and time of day in the office's zone.
    Local { date: String, time: String },
}

/// One result read from a file, checked as far as the file alone allows
/// (the voter, volunteer and turf are the office's to check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedResult {
    /// The file's, or one derived from the row's content, so the same row
    /// loaded twice is one attempt.
    pub attempt_id: String,
    pub voter_id: crate::VoterId,
    pub channel: Channel,
    pub result: String,
    pub phone: Option<String>,
    pub when: When,
    pub answers: Vec<(String, String)>,
    pub volunteer: Option<String>,
    pub turf: Option<String>,
    pub call_list: Option<String>,
    pub note: String,
}

/// What is wrong with one cell of a results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: String,
    pub message: String,
}

/// 64-bit FNV-1a: a stable id for a row that brings none.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

fn valid_attempt_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
}

/// Reads one row of a results file under `layout`.
pub fn parse_result(layout: &ResultsLayout, record: &[&str]) -> Result<ImportedResult, CellError> {
    let cell = |at: Option<usize>| -> &str {
        at.and_then(|at| record.get(at))
            .map_or("", |text| text.trim())
    };
    let fail = |column: &str, message: String| CellError {
        column: column.to_owned(),
        message,
    };
    let voter_text = cell(Some(layout.voter_id));
    let voter_id = crate::VoterId::parse(voter_text).map_err(|error| {
        fail(
            "voter_id",
            format!("{voter_text:?} is not a voter id: {error}"),
        )
    })?;
    let channel = match cell(layout.channel) {
        "" => Channel::Door,
        text => Channel::parse(text).ok_or_else(|| {
            fail(
                "channel",
                format!("{text:?} is not a channel; use door, phone or text"),
            )
        })?,
    };
    let result = cell(Some(layout.result)).to_ascii_lowercase();
    let codes = || {
        crate::contact::RESULT_CODES
            .iter()
            .filter(|code| code.applies_to(channel))
            .map(|code| code.slug)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let code = crate::ResultCode::find(&result).ok_or_else(|| {
        fail(
            "result",
            format!(
                "{result:?} is not a result code; the {} codes are {}",
                channel.slug(),
                codes()
            ),
        )
    })?;
    if !code.applies_to(channel) {
        return Err(fail(
            "result",
            format!(
                "{result} is not a {0} result; the {0} codes are {1}",
                channel.slug(),
                codes()
            ),
        ));
    }
    let when = match cell(layout.recorded_at) {
        "" => {
            let date = cell(layout.date);
            if crate::results::epoch_seconds(&format!("{date}T00:00:00Z")).is_none() {
                return Err(fail(
                    if layout.date.is_some() {
                        "date"
                    } else {
                        "recorded_at"
                    },
                    format!("{date:?} is not a date; write it as YYYY-MM-DD"),
                ));
            }
            let time = match cell(layout.time) {
                "" => "12:00".to_owned(),
                time => time.to_owned(),
            };
            let valid_time = time.len() == 5
                && crate::results::epoch_seconds(&format!("{date}T{time}:00Z")).is_some();
            if !valid_time {
                return Err(fail(
                    "time",
                    format!("{time:?} is not a time of day; write it as HH:MM"),
                ));
            }
            When::Local {
                date: date.to_owned(),
                time,
            }
        }
        stamp if crate::results::epoch_seconds(stamp).is_some() => When::Utc(stamp.to_owned()),
        stamp => {
            return Err(fail(
                "recorded_at",
                format!("{stamp:?} is not a UTC time; write it as 2026-11-30T17:04:00Z"),
            ))
        }
    };
    let answers: Vec<(String, String)> = layout
        .questions
        .iter()
        .filter_map(|(at, question)| {
            let answer = cell(Some(*at));
            (!answer.is_empty()).then(|| (question.clone(), answer.to_owned()))
        })
        .collect();
    let (turf, call_list) = match (cell(layout.work_kind), cell(layout.work)) {
        (_, "") => (None, None),
        ("turf", name) => (Some(name.to_owned()), None),
        ("call_list", name) => (None, Some(name.to_owned())),
        (kind, _) => {
            return Err(fail(
                "work_kind",
                format!("{kind:?}: expected turf or call_list"),
            ))
        }
    };
    let phone = Some(cell(layout.phone))
        .filter(|phone| !phone.is_empty())
        .map(str::to_owned);
    let volunteer = Some(cell(layout.volunteer))
        .filter(|name| !name.is_empty())
        .map(str::to_owned);
    let note = cell(layout.note).to_owned();
    let attempt_id = match cell(layout.attempt_id) {
        "" => {
            let when_text = match &when {
                When::Utc(stamp) => stamp.clone(),
                When::Local { date, time } => format!("{date} {time}"),
            };
            let answers_text: Vec<String> =
                answers.iter().map(|(q, a)| format!("{q}={a}")).collect();
            format!(
                "import-{:016x}",
                fnv1a(&[
                    voter_id.as_str(),
                    &when_text,
                    channel.slug(),
                    &result,
                    phone.as_deref().unwrap_or(""),
                    &answers_text.join(";"),
                    volunteer.as_deref().unwrap_or(""),
                    &note,
                ])
            )
        }
        id if valid_attempt_id(id) => id.to_owned(),
        id => {
            return Err(fail(
                "attempt_id",
                format!("{id:?} is not an attempt id (letters, digits, - _ :, at most 64)"),
            ))
        }
    };
    Ok(ImportedResult {
        attempt_id,
        voter_id,
        channel,
        result,
        phone,
        when,
        answers,
        volunteer,
        turf,
        call_list,
        note,
    })
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod export_tests;
