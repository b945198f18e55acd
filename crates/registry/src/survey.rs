//! The merge rules of the office's questions, scripts, volunteers and how
//! its lists and turfs are set up. The rules themselves are the domain's
//! (`groundgame_domain::survey`), executed here against what the registry
//! holds: a question version's words never change, versions follow one
//! another, an answer must fit the version it names, a result names a
//! volunteer of the office or none. Only coordinators and admins send these
//! (`MutationKind::roles`, checked by the push); everything is the sending
//! device's office's and reaches every device of it and no other.

use crate::merge::{Checked, Context, Decision};
use crate::work::{json, to_office};
use groundgame_domain::feed::FeedRow;
use groundgame_domain::mutation::ContactRecord;
use groundgame_domain::quality::BatchDecision;
use groundgame_domain::results::GoalsRecord;
use groundgame_domain::survey::{
    admit_version, check_answer, standard_questions, QuestionRecord, ScriptRecord, VolunteerRecord,
    WorkSetupRecord,
};
use groundgame_domain::work::WorkKind;
use serde::de::DeserializeOwned;
use sqlx::PgConnection;

/// The key a question version is kept under (versions sort in order).
pub fn question_key(slug: &str, version: u32) -> String {
    format!("{slug}:{version:05}")
}

fn setup_key(work: WorkKind, id: &str) -> String {
    format!("{}:{id}", work.as_str())
}

/// The records of a kind in the device's office, optionally of one name.
async fn records<T: DeserializeOwned>(
    conn: &mut PgConnection,
    context: &Context<'_>,
    kind: &str,
    name: Option<&str>,
) -> Result<Vec<T>, sqlx::Error> {
    let rows: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT record FROM office_records WHERE campaign_id = $1 AND office_id = $2 AND kind = $3 \
         AND ($4::text IS NULL OR name = $4) ORDER BY id",
    )
    .bind(context.device.campaign)
    .bind(context.device.office)
    .bind(kind)
    .bind(name)
    .fetch_all(&mut *conn)
    .await?;
    // A stored record is one this registry admitted; one it cannot read is
    // corruption, answered as a database failure (the push is retried and
    // the operator sees it), never taken for an empty roster.
    rows.into_iter()
        .map(|row| {
            serde_json::from_value(row).map_err(|error| {
                tracing::error!(kind, %error, "an office record cannot be read");
                sqlx::Error::Decode(Box::new(error))
            })
        })
        .collect()
}

/// Every version of a question the office has: the standard version 1
/// unless the office keeps its own copy of it, then the stored ones.
async fn versions(
    conn: &mut PgConnection,
    context: &Context<'_>,
    slug: &str,
) -> Result<Vec<QuestionRecord>, sqlx::Error> {
    let stored: Vec<QuestionRecord> = records(conn, context, "question", Some(slug)).await?;
    let mut all: Vec<QuestionRecord> = standard_questions()
        .into_iter()
        .filter(|q| q.slug == slug && !stored.iter().any(|s| s.version == q.version))
        .collect();
    all.extend(stored);
    all.sort_by_key(|q| q.version);
    Ok(all)
}

/// Keeps a record (replacing the one of its key) and tells every device of
/// the office: the feed row carries the record, as the table does.
async fn keep(
    conn: &mut PgConnection,
    context: &Context<'_>,
    (kind, id, name): (&str, &str, &str),
    retired: bool,
    recorded_at: &str,
    row: FeedRow,
) -> Result<Checked<Decision>, sqlx::Error> {
    let record = match &row {
        FeedRow::Question(record) => json(record),
        FeedRow::Script(record) => json(record),
        FeedRow::Volunteer(record) => json(record),
        FeedRow::WorkSetup(record) => json(record),
        FeedRow::Goals(record) => json(record),
        FeedRow::BatchDecision(record) => json(record),
        other => {
            return Ok(Err(Decision::rejected(format!(
                "{} is not one of the office's records",
                other.entity()
            ))))
        }
    };
    sqlx::query(
        "INSERT INTO office_records (campaign_id, office_id, kind, id, name, record, retired, recorded_at, device_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (campaign_id, office_id, kind, id) DO UPDATE SET name = excluded.name, \
             record = excluded.record, retired = excluded.retired, recorded_at = excluded.recorded_at, \
             device_id = excluded.device_id, saved_at = now()",
    )
    .bind(context.device.campaign)
    .bind(context.device.office)
    .bind(kind)
    .bind(id)
    .bind(name)
    .bind(record)
    .bind(retired)
    .bind(recorded_at)
    .bind(context.device.id)
    .execute(&mut *conn)
    .await?;
    Ok(to_office(context, id.to_owned(), row))
}

pub(crate) async fn save_question(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: QuestionRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    // Versions of one question are admitted one at a time: two coordinators
    // racing to make version 2 are told apart here, not by the key.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(format!(
            "{}:{}:{}",
            context.device.campaign, context.device.office, record.slug
        ))
        .execute(&mut *conn)
        .await?;
    let known = versions(conn, context, &record.slug).await?;
    if let Err(reason) = admit_version(&known, &record) {
        return Ok(Err(Decision::rejected(reason)));
    }
    let key = question_key(&record.slug, record.version);
    keep(
        conn,
        context,
        ("question", &key, &record.slug.clone()),
        record.retired,
        &record.recorded_at.clone(),
        FeedRow::Question(record),
    )
    .await
}

pub(crate) async fn save_script(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: ScriptRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(reason) = record.validate() {
        return Ok(Err(Decision::rejected(reason)));
    }
    let same_name: Vec<ScriptRecord> = records(conn, context, "script", Some(&record.name)).await?;
    if same_name
        .iter()
        .any(|s| s.script_id != record.script_id && !s.retired)
        && !record.retired
    {
        return Ok(Err(Decision::rejected(format!(
            "there is already a script named {:?} in this office; this one was not saved",
            record.name
        ))));
    }
    for slug in &record.questions {
        if versions(conn, context, slug).await?.is_empty() {
            return Ok(Err(Decision::rejected(format!(
                "script {:?} asks question {slug}, which this office does not have; nothing was saved",
                record.name
            ))));
        }
    }
    keep(
        conn,
        context,
        ("script", &record.script_id.clone(), &record.name.clone()),
        record.retired,
        &record.recorded_at.clone(),
        FeedRow::Script(record),
    )
    .await
}

pub(crate) async fn save_volunteer(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: VolunteerRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(reason) = record.validate() {
        return Ok(Err(Decision::rejected(reason)));
    }
    let roster: Vec<VolunteerRecord> = records(conn, context, "volunteer", None).await?;
    let clash = roster.iter().any(|v| {
        v.volunteer_id != record.volunteer_id
            && !v.retired
            && v.name.to_lowercase() == record.name.to_lowercase()
    });
    if clash && !record.retired {
        return Ok(Err(Decision::rejected(format!(
            "there is already a volunteer named {:?} in this office; this one was not saved",
            record.name
        ))));
    }
    keep(
        conn,
        context,
        (
            "volunteer",
            &record.volunteer_id.clone(),
            &record.name.clone(),
        ),
        record.retired,
        &record.recorded_at.clone(),
        FeedRow::Volunteer(record),
    )
    .await
}

pub(crate) async fn set_up_work(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: WorkSetupRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(reason) = record.validate() {
        return Ok(Err(Decision::rejected(reason)));
    }
    let table = match record.work {
        WorkKind::CallList => "call_lists",
        WorkKind::Turf => "turfs",
        WorkKind::Segment => "segments",
    };
    let office: Option<uuid::Uuid> = sqlx::query_scalar(&format!(
        "SELECT office_id FROM {table} WHERE campaign_id = $1 AND id = $2 AND state <> 'deleted'"
    ))
    .bind(context.device.campaign)
    .bind(&record.id)
    .fetch_optional(&mut *conn)
    .await?;
    if office != Some(context.device.office) {
        return Ok(Err(Decision::rejected(format!(
            "{} {} is not one of this office's (was it refused, or deleted?); it was not set up",
            record.work.noun(),
            record.id
        ))));
    }
    if let Some(script) = &record.script_id {
        let scripts: Vec<ScriptRecord> = records(conn, context, "script", None).await?;
        if !scripts.iter().any(|s| &s.script_id == script) {
            return Ok(Err(Decision::rejected(format!(
                "script {script} is not this office's; the {} was not set up",
                record.work.noun()
            ))));
        }
    }
    let roster: Vec<VolunteerRecord> = records(conn, context, "volunteer", None).await?;
    if let Some(unknown) = record
        .volunteers
        .iter()
        .find(|id| !roster.iter().any(|v| &v.volunteer_id == *id))
    {
        return Ok(Err(Decision::rejected(format!(
            "volunteer {unknown} is not on this office's roster; the {} was not assigned",
            record.work.noun()
        ))));
    }
    let key = setup_key(record.work, &record.id);
    keep(
        conn,
        context,
        ("work_setup", &key, &key),
        false,
        &record.recorded_at.clone(),
        FeedRow::WorkSetup(record),
    )
    .await
}

/// The office's daily goals: the latest set stands (the domain's rule, as
/// on every laptop).
pub(crate) async fn set_goals(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: GoalsRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(reason) = record.validate() {
        return Ok(Err(Decision::rejected(reason)));
    }
    let current: Vec<GoalsRecord> = records(conn, context, "goals", None).await?;
    if let Some(current) = current.iter().find(|c| !record.supersedes(c)) {
        return Ok(Err(Decision::rejected(format!(
            "goals set later (at {}) stand; these were not applied",
            current.recorded_at
        ))));
    }
    keep(
        conn,
        context,
        ("goals", GoalsRecord::KEY, GoalsRecord::KEY),
        false,
        &record.recorded_at.clone(),
        FeedRow::Goals(record),
    )
    .await
}

/// A coordinator's decision on a batch: every decision is kept (its own
/// id, with the device that sent it: the audit trail); the latest for a
/// batch stands, by the domain's rule, as on every laptop.
pub(crate) async fn decide_batch(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: BatchDecision,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(reason) = record.validate() {
        return Ok(Err(Decision::rejected(reason)));
    }
    keep(
        conn,
        context,
        ("batch_decision", &record.id(), &record.key()),
        false,
        &record.recorded_at.clone(),
        FeedRow::BatchDecision(record),
    )
    .await
}

/// Checks what a contact attempt says about the office's questions and
/// volunteers: each answer must fit a version of its question this office
/// has (never guessed), and a named volunteer must be on the roster (a
/// retired one still counts: the attempt may have been made before).
pub(crate) async fn check_contact(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: &ContactRecord,
) -> Result<Checked<()>, sqlx::Error> {
    for answer in &record.answers {
        let known = versions(conn, context, &answer.question).await?;
        let asked = known.iter().find(|q| Some(q.version) == answer.version);
        if let Err(reason) = check_answer(asked, answer) {
            return Ok(Err(Decision::rejected(format!(
                "{reason}; the attempt was not kept"
            ))));
        }
    }
    if let Some(volunteer) = &record.volunteer {
        let roster: Vec<VolunteerRecord> = records(conn, context, "volunteer", None).await?;
        if !roster.iter().any(|v| &v.volunteer_id == volunteer) {
            return Ok(Err(Decision::rejected(format!(
                "volunteer {volunteer} is not on this office's roster; the attempt was not kept"
            ))));
        }
    }
    Ok(Ok(()))
}
