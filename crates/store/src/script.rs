//! Scripts and survey questions: what a caller reads and asks. Every call
//! list has a script; one made without one gets the office's standard script,
//! created on first need so an office always has something to read.

use crate::StoreError;
use groundgame_domain::office::{CallScript, SurveyOption, SurveyQuestion};
use groundgame_domain::SurveyAnswer;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

pub const STANDARD_SCRIPT: &str = "Standard phone script";

const STANDARD_BODY: &str =
    "Hi, may I speak with {name}? My name is ___, a volunteer with the campaign, \
calling neighbours about the election on November 3rd. Can we count on your support?";

/// The standard survey: (question, prompt, options as (slug, label)). Keys
/// are numbered across questions in order.
/// A question's slug, its prompt, and its options as (slug, label).
type Question = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const STANDARD_SURVEY: &[Question] = &[
    (
        "support",
        "Can we count on your support?",
        &[
            ("strong", "Strong yes"),
            ("lean", "Leaning yes"),
            ("undecided", "Undecided"),
            ("lean-against", "Leaning no"),
            ("against", "Strong no"),
        ],
    ),
    (
        "volunteer",
        "Would you volunteer?",
        &[("yes", "Yes"), ("maybe", "Maybe")],
    ),
];

/// The standard script's id, made if missing.
pub(crate) fn standard_script(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM scripts WHERE name = ?1",
            params![STANDARD_SCRIPT],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO scripts (name, body) VALUES (?1, ?2)",
        params![STANDARD_SCRIPT, STANDARD_BODY],
    )?;
    let script = tx.last_insert_rowid();
    let mut key = 0;
    for (position, (slug, prompt, options)) in STANDARD_SURVEY.iter().enumerate() {
        tx.execute(
            "INSERT OR IGNORE INTO survey_questions (script_id, slug, prompt, position) VALUES (?1, ?2, ?3, ?4)",
            params![script, slug, prompt, position as i64],
        )?;
        let question: i64 = tx.query_row(
            "SELECT id FROM survey_questions WHERE slug = ?1",
            params![slug],
            |row| row.get(0),
        )?;
        for (order, (option, label)) in options.iter().enumerate() {
            key += 1;
            tx.execute(
                "INSERT OR IGNORE INTO survey_options (question_id, slug, label, key, position) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![question, option, label, key.to_string(), order as i64],
            )?;
        }
    }
    Ok(script)
}

/// The script of a call list, with `name` filled in; `None` if the list has
/// none.
pub(crate) fn for_list(
    conn: &Connection,
    list: i64,
    name: &str,
) -> Result<Option<CallScript>, StoreError> {
    let Some((script, title, body)): Option<(i64, String, String)> = conn
        .prepare_cached(
            "SELECT s.id, s.name, s.body FROM call_lists l JOIN scripts s ON s.id = l.script_id WHERE l.id = ?1",
        )?
        .query_row(params![list], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?
    else {
        return Ok(None);
    };
    let mut questions: Vec<SurveyQuestion> = conn
        .prepare_cached("SELECT id, slug, prompt FROM survey_questions WHERE script_id = ?1 ORDER BY position, id")?
        .query_map(params![script], |row| {
            Ok((row.get::<_, i64>(0)?, SurveyQuestion { slug: row.get(1)?, prompt: row.get(2)?, options: Vec::new() }))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(id, mut question)| {
            question.options = options(conn, id)?;
            Ok(question)
        })
        .collect::<Result<_, StoreError>>()?;
    questions.retain(|q| !q.options.is_empty());
    Ok(Some(CallScript {
        name: title,
        body: body.replace("{name}", name),
        questions,
    }))
}

fn options(conn: &Connection, question: i64) -> Result<Vec<SurveyOption>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT slug, label, key FROM survey_options WHERE question_id = ?1 ORDER BY position",
        )?
        .query_map(params![question], |row| {
            Ok(SurveyOption {
                slug: row.get(0)?,
                label: row.get(1)?,
                key: row.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Refuses an answer that is not one of a known question's options; free
/// questions (not in any script) are kept as given.
pub(crate) fn check_answers(
    tx: &Transaction<'_>,
    answers: &[SurveyAnswer],
) -> Result<(), StoreError> {
    for answer in answers {
        let question: Option<i64> = tx
            .query_row(
                "SELECT id FROM survey_questions WHERE slug = ?1",
                params![answer.question],
                |row| row.get(0),
            )
            .optional()?;
        let Some(question) = question else { continue };
        let allowed = options(tx, question)?;
        if !allowed.iter().any(|option| option.slug == answer.answer) {
            return Err(StoreError::Invalid(format!(
                "{:?} is not an answer to {}; the answers are {}",
                answer.answer,
                answer.question,
                allowed
                    .iter()
                    .map(|o| o.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(())
}
