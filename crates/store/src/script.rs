//! Survey questions (every version), scripts and how each call list or
//! turf is set up, as this laptop holds them: made here on a coordinator's
//! laptop (and sent to the registry), or received from it. The rules are
//! `groundgame_domain::survey`'s; this module reads and writes the rows.
//!
//! Every record is a row of `office_records`, keyed as the registry keys it.

use crate::clock::{new_id, stamp};
use crate::outbox::{append, check_role};
use crate::{Store, StoreError};
use groundgame_domain::mutation::MutationKind;
use groundgame_domain::office::{CallScript, SurveyOption, SurveyQuestion};
use groundgame_domain::survey::{
    admit_version, check_answer, check_slug, standard_questions, AnswerChoice, QuestionEdit,
    QuestionRecord, ScriptFields, ScriptRecord, ScriptView, VolunteerRecord, WorkSetupRecord,
    STANDARD_SCRIPT_NAME, STANDARD_SCRIPT_TEXT,
};
use groundgame_domain::work::WorkKind;
use groundgame_domain::{Channel, Mutation, ResultCode, SurveyAnswer};
use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub const STANDARD_SCRIPT: &str = STANDARD_SCRIPT_NAME;

/// What `office_records.kind` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordKind {
    Question,
    Script,
    Volunteer,
    WorkSetup,
    Goals,
    BatchDecision,
}

impl RecordKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Script => "script",
            Self::Volunteer => "volunteer",
            Self::WorkSetup => "work_setup",
            Self::Goals => "goals",
            Self::BatchDecision => "batch_decision",
        }
    }
}

fn corrupt(kind: RecordKind, id: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{} {id} cannot be read: {error}", kind.as_str()))
}

/// Writes (or replaces) one record.
pub(crate) fn put(
    tx: &Transaction<'_>,
    kind: RecordKind,
    id: &str,
    name: &str,
    retired: bool,
    record: &impl Serialize,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(record).map_err(|e| corrupt(kind, id, e))?;
    tx.execute(
        "INSERT INTO office_records (kind, id, name, record, retired) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (kind, id) DO UPDATE SET name = excluded.name, record = excluded.record, \
             retired = excluded.retired",
        params![kind.as_str(), id, name, json, retired],
    )?;
    Ok(())
}

/// Every record of a kind (optionally of one name), in key order.
pub(crate) fn all<T: DeserializeOwned>(
    conn: &Connection,
    kind: RecordKind,
    name: Option<&str>,
) -> Result<Vec<T>, StoreError> {
    let rows: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT id, record FROM office_records WHERE kind = ?1 AND (?2 IS NULL OR name = ?2) \
             ORDER BY name, id",
        )?
        .query_map(params![kind.as_str(), name], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, json)| serde_json::from_str(&json).map_err(|e| corrupt(kind, &id, e)))
        .collect()
}

pub(crate) fn one<T: DeserializeOwned>(
    conn: &Connection,
    kind: RecordKind,
    id: &str,
) -> Result<Option<T>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached("SELECT record FROM office_records WHERE kind = ?1 AND id = ?2")?
        .query_row(params![kind.as_str(), id], |row| row.get(0))
        .optional()?;
    json.map(|json| serde_json::from_str(&json).map_err(|e| corrupt(kind, id, e)))
        .transpose()
}

fn question_key(slug: &str, version: u32) -> String {
    format!("{slug}:{version:05}")
}

/// Every version of a question: the standard version 1 where the office
/// has not stored its own, then the stored ones, oldest first.
pub(crate) fn versions(conn: &Connection, slug: &str) -> Result<Vec<QuestionRecord>, StoreError> {
    let stored: Vec<QuestionRecord> = all(conn, RecordKind::Question, Some(slug))?;
    let mut versions: Vec<QuestionRecord> = standard_questions()
        .into_iter()
        .filter(|q| q.slug == slug && !stored.iter().any(|s| s.version == q.version))
        .collect();
    versions.extend(stored);
    versions.sort_by_key(|q| q.version);
    Ok(versions)
}

/// Every version of every question, by slug then version.
pub(crate) fn all_versions(conn: &Connection) -> Result<Vec<QuestionRecord>, StoreError> {
    let mut stored: Vec<QuestionRecord> = all(conn, RecordKind::Question, None)?;
    for standard in standard_questions() {
        if !stored
            .iter()
            .any(|s| s.slug == standard.slug && s.version == standard.version)
        {
            stored.push(standard);
        }
    }
    stored.sort_by(|a, b| a.slug.cmp(&b.slug).then(a.version.cmp(&b.version)));
    Ok(stored)
}

/// The question's newest version.
pub(crate) fn latest(conn: &Connection, slug: &str) -> Result<Option<QuestionRecord>, StoreError> {
    Ok(versions(conn, slug)?.pop())
}

/// Stores a version received from the registry or made here. The registry
/// decides between rival versions: its copy replaces this laptop's.
pub(crate) fn store_question(
    tx: &Transaction<'_>,
    record: &QuestionRecord,
) -> Result<bool, StoreError> {
    record.validate().map_err(|error| {
        StoreError::Corrupt(format!(
            "a question from the registry is not valid: {error}"
        ))
    })?;
    put(
        tx,
        RecordKind::Question,
        &question_key(&record.slug, record.version),
        &record.slug,
        record.retired,
        record,
    )?;
    Ok(true)
}

pub(crate) fn store_script(
    tx: &Transaction<'_>,
    record: &ScriptRecord,
) -> Result<bool, StoreError> {
    put(
        tx,
        RecordKind::Script,
        &record.script_id,
        &record.name,
        record.retired,
        record,
    )?;
    Ok(true)
}

pub(crate) fn store_volunteer(
    tx: &Transaction<'_>,
    record: &VolunteerRecord,
) -> Result<bool, StoreError> {
    put(
        tx,
        RecordKind::Volunteer,
        &record.volunteer_id,
        &record.name,
        record.retired,
        record,
    )?;
    Ok(true)
}

fn setup_key(work: WorkKind, id: &str) -> String {
    format!("{}:{id}", work.as_str())
}

pub(crate) fn store_setup(
    tx: &Transaction<'_>,
    record: &WorkSetupRecord,
) -> Result<bool, StoreError> {
    let key = setup_key(record.work, &record.id);
    put(tx, RecordKind::WorkSetup, &key, &key, false, record)?;
    Ok(true)
}

/// A list's or turf's synced id, or `local:<row>` for one made before this
/// laptop synced (its setup stays here, like the list).
fn work_key(conn: &Connection, work: WorkKind, row: i64) -> Result<(String, bool), StoreError> {
    let table = match work {
        WorkKind::CallList => "call_lists",
        WorkKind::Turf => "turfs",
        WorkKind::Segment => {
            return Err(StoreError::Invalid(
                "a segment is not worked; set up the call list or turf made from it".into(),
            ))
        }
    };
    let found: Option<Option<String>> = conn
        .query_row(
            &format!("SELECT uid FROM {table} WHERE id = ?1 AND state <> 'deleted'"),
            params![row],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        None => Err(StoreError::NotFound(format!(
            "no {} {row} on this laptop; `groundgame lists` shows them",
            work.noun()
        ))),
        Some(Some(uid)) => Ok((uid, true)),
        Some(None) => Ok((format!("local:{row}"), false)),
    }
}

/// Who each list or turf of a kind is assigned to, by the key of its
/// set-up (its uid, or `local:<id>`): the volunteers' names, in one read.
pub(crate) fn assignments(
    conn: &Connection,
    work: WorkKind,
) -> Result<std::collections::HashMap<String, Vec<String>>, StoreError> {
    let roster = crate::volunteer::roster(conn)?;
    Ok(all::<WorkSetupRecord>(conn, RecordKind::WorkSetup, None)?
        .into_iter()
        .filter(|setup| setup.work == work && !setup.volunteers.is_empty())
        .map(|setup| {
            let names = setup
                .volunteers
                .iter()
                .filter_map(|id| roster.iter().find(|v| &v.volunteer_id == id))
                .map(|v| v.name.clone())
                .collect();
            (setup.id, names)
        })
        .collect())
}

/// How a list or turf (by its row here) is set up, if it is.
pub(crate) fn setup_of(
    conn: &Connection,
    work: WorkKind,
    row: i64,
) -> Result<Option<WorkSetupRecord>, StoreError> {
    let (key, _) = work_key(conn, work, row)?;
    one(conn, RecordKind::WorkSetup, &setup_key(work, &key))
}

/// A script as this laptop shows it: its questions' live versions, each
/// answer on a key (numbered across questions, 1 to 9).
fn shown(
    conn: &Connection,
    name: &str,
    text: String,
    slugs: &[String],
) -> Result<CallScript, StoreError> {
    let mut questions = Vec::new();
    let mut key = 0;
    for slug in slugs {
        let Some(question) = latest(conn, slug)?.filter(|q| !q.retired) else {
            continue;
        };
        let options = question
            .answers
            .iter()
            .map(|answer| {
                key += 1;
                SurveyOption {
                    slug: answer.code.clone(),
                    label: answer.label.clone(),
                    key: if key <= 9 {
                        key.to_string()
                    } else {
                        String::new()
                    },
                }
            })
            .collect();
        questions.push(SurveyQuestion {
            slug: question.slug,
            prompt: question.text,
            options,
            version: question.version,
            other: question.other,
        });
    }
    Ok(CallScript {
        name: name.to_owned(),
        body: text,
        questions,
        results: Vec::new(),
    })
}

/// The script of a list or turf for one voter and volunteer, fields filled
/// in, with the result codes its volunteers see. A list with no script
/// attached reads the standard one.
pub(crate) fn for_work(
    conn: &Connection,
    work: WorkKind,
    row: i64,
    voter_row: i64,
    volunteer: &str,
) -> Result<CallScript, StoreError> {
    let (first, last, precinct): (String, String, String) = conn
        .prepare_cached(
            "SELECT v.first_name, v.last_name, coalesce(h.precinct_code, '') FROM voters v \
             LEFT JOIN households h ON h.id = v.household_id WHERE v.id = ?1",
        )?
        .query_row(params![voter_row], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?
        .unwrap_or_default();
    let fields = ScriptFields {
        first_name: &first,
        last_name: &last,
        volunteer,
        precinct: &precinct,
    };
    filled(conn, work, row, &fields)
}

/// The script of a list or turf with `fields` filled in.
fn filled(
    conn: &Connection,
    work: WorkKind,
    row: i64,
    fields: &ScriptFields<'_>,
) -> Result<CallScript, StoreError> {
    let setup = setup_of(conn, work, row)?;
    let script: Option<ScriptRecord> = match setup.as_ref().and_then(|s| s.script_id.as_deref()) {
        Some(id) => one::<ScriptRecord>(conn, RecordKind::Script, id)?.filter(|s| !s.retired),
        None => None,
    };
    let channel = match work {
        WorkKind::Turf => Channel::Door,
        WorkKind::CallList | WorkKind::Segment => Channel::Phone,
    };
    let mut shown = match script {
        Some(script) => shown(conn, &script.name, script.fill(fields), &script.questions)?,
        None => shown(
            conn,
            STANDARD_SCRIPT_NAME,
            groundgame_domain::survey::fill(STANDARD_SCRIPT_TEXT, fields),
            &standard_questions()
                .into_iter()
                .map(|q| q.slug)
                .collect::<Vec<_>>(),
        )?,
    };
    shown.results = match &setup {
        Some(setup) => setup.offered(channel),
        None => ResultCode::for_channel(channel).collect(),
    }
    .into_iter()
    .map(|code| code.slug.to_owned())
    .collect();
    Ok(shown)
}

/// Checks answers and fills in each one's version (the live version of its
/// question, when the volunteer's screen did not say): an answer to a
/// question this office does not have, or that is not one of the version's
/// answers, is refused with what would be accepted.
pub(crate) fn check_answers(
    conn: &Connection,
    answers: &[SurveyAnswer],
) -> Result<Vec<SurveyAnswer>, StoreError> {
    let mut checked = Vec::with_capacity(answers.len());
    for (index, answer) in answers.iter().enumerate() {
        if answers[..index]
            .iter()
            .any(|a| a.question == answer.question)
        {
            return Err(StoreError::Invalid(format!(
                "question {} is answered twice",
                answer.question
            )));
        }
        let versions = versions(conn, &answer.question)?;
        let Some(live) = versions.last() else {
            let known: Vec<String> = all_versions(conn)?
                .into_iter()
                .filter(|q| !q.retired)
                .map(|q| q.slug)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(StoreError::Invalid(format!(
                "there is no question {}; the office's questions are {}",
                answer.question,
                known.join(", ")
            )));
        };
        let mut answer = answer.clone();
        let version = *answer.version.get_or_insert(live.version);
        let asked = versions.iter().find(|q| q.version == version);
        if answer.version == Some(live.version) && live.retired {
            return Err(StoreError::Invalid(format!(
                "question {} is retired; it is no longer asked",
                answer.question
            )));
        }
        check_answer(asked, &answer).map_err(StoreError::Invalid)?;
        checked.push(answer);
    }
    Ok(checked)
}

impl Store {
    /// Every version of every question this laptop holds (the standard
    /// ones included), by slug then version.
    pub fn questions(&self) -> Result<Vec<QuestionRecord>, StoreError> {
        all_versions(&self.conn)
    }

    /// The scripts this laptop holds, by name.
    pub fn scripts(&self) -> Result<Vec<ScriptView>, StoreError> {
        Ok(all::<ScriptRecord>(&self.conn, RecordKind::Script, None)?
            .iter()
            .map(ScriptView::from)
            .collect())
    }

    fn save_question(
        tx: &Transaction<'_>,
        record: &QuestionRecord,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let known = versions(tx, &record.slug)?;
        admit_version(&known, record).map_err(StoreError::Invalid)?;
        store_question(tx, record)?;
        append(tx, &Mutation::SaveQuestion(record.clone()), now)?;
        Ok(())
    }

    /// Writes a new question (its version 1).
    pub fn add_question(
        &mut self,
        slug: &str,
        text: &str,
        answers: Vec<AnswerChoice>,
        other: bool,
        now: Timestamp,
    ) -> Result<QuestionRecord, StoreError> {
        let slug = slug.trim().to_ascii_lowercase();
        check_slug(&slug).map_err(StoreError::Invalid)?;
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SaveQuestion)?;
        if let Some(existing) = latest(&tx, &slug)? {
            return Err(StoreError::Invalid(format!(
                "there is already a question {slug} (version {}); edit it with `groundgame question edit --slug {slug}`",
                existing.version
            )));
        }
        let mut record =
            QuestionRecord::new(&slug, text, answers, &stamp(now)).map_err(StoreError::Invalid)?;
        record.other = other;
        Self::save_question(&tx, &record, now)?;
        tx.commit()?;
        tracing::info!(slug = %record.slug, "question written");
        Ok(record)
    }

    /// Edits a question: always its next version, so answers already given
    /// keep the words they were given to.
    pub fn edit_question(
        &mut self,
        slug: &str,
        edit: &QuestionEdit,
        now: Timestamp,
    ) -> Result<QuestionRecord, StoreError> {
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SaveQuestion)?;
        let current = latest(&tx, slug)?.ok_or_else(|| no_question(&tx, slug))?;
        let record = current
            .edited(edit, &stamp(now))
            .map_err(StoreError::Invalid)?;
        Self::save_question(&tx, &record, now)?;
        tx.commit()?;
        tracing::info!(slug, version = record.version, "question edited");
        Ok(record)
    }

    /// Retires a question (or restores it): it is no longer asked; its
    /// versions and answers stay.
    pub fn retire_question(
        &mut self,
        slug: &str,
        retired: bool,
        now: Timestamp,
    ) -> Result<QuestionRecord, StoreError> {
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SaveQuestion)?;
        let current = latest(&tx, slug)?.ok_or_else(|| no_question(&tx, slug))?;
        if current.retired == retired {
            return Err(StoreError::Invalid(format!(
                "question {slug} is {} already",
                if retired { "retired" } else { "asked" }
            )));
        }
        let record = current.retire(retired, &stamp(now));
        Self::save_question(&tx, &record, now)?;
        tx.commit()?;
        Ok(record)
    }

    /// Writes a script, or edits the one of that name.
    pub fn save_script(
        &mut self,
        name: &str,
        text: &str,
        questions: &[String],
        now: Timestamp,
    ) -> Result<ScriptView, StoreError> {
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SaveScript)?;
        let existing: Option<ScriptRecord> = all(&tx, RecordKind::Script, Some(name.trim()))?
            .into_iter()
            .next();
        let questions: Vec<String> = questions
            .iter()
            .map(|q| q.trim().to_ascii_lowercase())
            .collect();
        for slug in &questions {
            match latest(&tx, slug)? {
                Some(question) if !question.retired => {}
                Some(_) => {
                    return Err(StoreError::Invalid(format!(
                        "question {slug} is retired; a script cannot ask it"
                    )))
                }
                None => return Err(no_question(&tx, slug)),
            }
        }
        let record = ScriptRecord {
            script_id: existing.map_or_else(new_id, |s| s.script_id),
            name: name.trim().to_owned(),
            text: text.trim().to_owned(),
            questions,
            retired: false,
            recorded_at: stamp(now),
        };
        record.validate().map_err(StoreError::Invalid)?;
        store_script(&tx, &record)?;
        append(&tx, &Mutation::SaveScript(record.clone()), now)?;
        tx.commit()?;
        Ok(ScriptView::from(&record))
    }

    /// Retires a script (lists reading it read the standard one until
    /// another is attached; it is kept) or restores it.
    pub fn retire_script(
        &mut self,
        name: &str,
        retired: bool,
        now: Timestamp,
    ) -> Result<ScriptView, StoreError> {
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SaveScript)?;
        let mut record: ScriptRecord = all(&tx, RecordKind::Script, Some(name.trim()))?
            .into_iter()
            .find(|s: &ScriptRecord| s.retired != retired)
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "there is no {} script named {name:?}",
                    if retired { "live" } else { "retired" }
                ))
            })?;
        record.retired = retired;
        record.recorded_at = stamp(now);
        store_script(&tx, &record)?;
        append(&tx, &Mutation::SaveScript(record.clone()), now)?;
        tx.commit()?;
        Ok(ScriptView::from(&record))
    }

    /// Attaches a script (by name; `None` for the standard one) and the
    /// result codes its volunteers see (none: every code) to a list or
    /// turf, keeping who it is assigned to.
    pub fn attach_script(
        &mut self,
        work: WorkKind,
        row: i64,
        script: Option<&str>,
        results: &[String],
        now: Timestamp,
    ) -> Result<WorkSetupRecord, StoreError> {
        let script_id = match script {
            Some(name) => Some(
                all::<ScriptRecord>(&self.conn, RecordKind::Script, Some(name.trim()))?
                    .into_iter()
                    .find(|s| !s.retired)
                    .map(|s| s.script_id)
                    .ok_or_else(|| self.no_script(name))?,
            ),
            None => None,
        };
        let results = results
            .iter()
            .map(|slug| {
                ResultCode::find(slug)
                    .map(|code| code.slug.to_owned())
                    .ok_or_else(|| StoreError::Invalid(format!("unknown result code {slug:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.set_up(work, row, now, |setup| {
            setup.script_id = script_id;
            setup.results = results;
        })
    }

    /// Changes how a list or turf is set up, and sends it to the office.
    pub(crate) fn set_up(
        &mut self,
        work: WorkKind,
        row: i64,
        now: Timestamp,
        change: impl FnOnce(&mut WorkSetupRecord),
    ) -> Result<WorkSetupRecord, StoreError> {
        let tx = self.conn.transaction()?;
        check_role(&tx, MutationKind::SetUpWork)?;
        let (key, synced) = work_key(&tx, work, row)?;
        let mut setup =
            one(&tx, RecordKind::WorkSetup, &setup_key(work, &key))?.unwrap_or(WorkSetupRecord {
                work,
                id: key,
                script_id: None,
                results: Vec::new(),
                volunteers: Vec::new(),
                recorded_at: String::new(),
            });
        change(&mut setup);
        setup.recorded_at = stamp(now);
        setup.validate().map_err(StoreError::Invalid)?;
        store_setup(&tx, &setup)?;
        if synced {
            append(&tx, &Mutation::SetUpWork(setup.clone()), now)?;
        }
        tx.commit()?;
        Ok(setup)
    }

    /// How each live list and turf is set up: its script, the result codes
    /// shown and who it is assigned to (names), for the Scripts view.
    pub fn work_setups(&self) -> Result<Vec<groundgame_domain::ipc::WorkSetupView>, StoreError> {
        let roster = crate::volunteer::roster(&self.conn)?;
        let mut work: Vec<(WorkKind, i64, String)> = self
            .call_lists()?
            .into_iter()
            .filter(|l| l.state != groundgame_domain::work::WorkState::Deleted)
            .map(|l| (WorkKind::CallList, l.id, l.name))
            .collect();
        work.extend(
            self.turfs()?
                .into_iter()
                .map(|t| (WorkKind::Turf, t.id, t.name)),
        );
        work.into_iter()
            .map(|(kind, id, name)| {
                let setup = setup_of(&self.conn, kind, id)?;
                let script = self.work_script(kind, id)?;
                let (results, volunteers) = setup.map_or_else(
                    || (Vec::new(), Vec::new()),
                    |s| {
                        let names = s
                            .volunteers
                            .iter()
                            .filter_map(|v| roster.iter().find(|r| &r.volunteer_id == v))
                            .map(|v| v.name.clone())
                            .collect();
                        (s.results, names)
                    },
                );
                Ok(groundgame_domain::ipc::WorkSetupView {
                    work: kind,
                    id,
                    name,
                    script,
                    results,
                    volunteers,
                })
            })
            .collect()
    }

    /// A turf's script for `volunteer`: their name filled in, the voter's
    /// fields left for the window to fill at each door.
    pub fn turf_script(&self, turf: i64, volunteer: &str) -> Result<CallScript, StoreError> {
        let fields = ScriptFields {
            first_name: "{first_name}",
            last_name: "{last_name}",
            volunteer,
            precinct: "{precinct}",
        };
        filled(&self.conn, WorkKind::Turf, turf, &fields)
    }

    /// The name of the script attached to a list or turf, if one is.
    pub fn work_script(&self, work: WorkKind, row: i64) -> Result<Option<String>, StoreError> {
        let Some(id) = setup_of(&self.conn, work, row)?.and_then(|s| s.script_id) else {
            return Ok(None);
        };
        Ok(one::<ScriptRecord>(&self.conn, RecordKind::Script, &id)?.map(|s| s.name))
    }

    fn no_script(&self, name: &str) -> StoreError {
        let names: Vec<String> = self
            .scripts()
            .map(|s| {
                s.into_iter()
                    .filter(|s| !s.retired)
                    .map(|s| s.name)
                    .collect()
            })
            .unwrap_or_default();
        StoreError::NotFound(format!(
            "there is no script named {name:?}; the scripts are: {}",
            if names.is_empty() {
                "none yet (write one with `groundgame script add`)".to_owned()
            } else {
                names.join(", ")
            }
        ))
    }
}

fn no_question(conn: &Connection, slug: &str) -> StoreError {
    let known: Vec<String> = all_versions(conn)
        .map(|all| {
            all.into_iter()
                .map(|q| q.slug)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default();
    StoreError::NotFound(format!(
        "there is no question {slug}; the office's questions are {}",
        known.join(", ")
    ))
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;
