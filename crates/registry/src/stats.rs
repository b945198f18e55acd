//! The campaign's figures by office (`GET /v1/stats`): the same measures as
//! every laptop's Office dashboard, computed by the same functions
//! (`groundgame_domain::results`) over tallies PostgreSQL groups from every
//! office's attempts. SQL here; the rules are the domain's.

use crate::error::ApiError;
use crate::identity::Device;
use axum::http::StatusCode;
use groundgame_domain::quality::{counts_for, quarantined, Batch, BatchDecision};
use groundgame_domain::results::{
    office_figures, AnswerTally, CampaignStats, GoalsRecord, OfficeFigures, Tally,
};
use groundgame_domain::survey::{standard_questions, QuestionRecord};
use groundgame_domain::wire::{ErrorCode, Role};
use groundgame_domain::Channel;
use sqlx::PgPool;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Who sees what: an admin every office, a coordinator their own (and the
/// campaign's totals, which name no voter), nobody else anything.
enum Viewer {
    Campaign,
    Office(Uuid),
}

impl Viewer {
    fn of(device: &Device) -> Result<Self, ApiError> {
        match device.role {
            Role::Admin => Ok(Self::Campaign),
            Role::Coordinator => Ok(Self::Office(device.office)),
            role => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::NotACoordinator,
                format!(
                    "this device is enrolled as a {}; only a coordinator's or an admin's device reads the campaign's figures",
                    role.as_str()
                ),
            )),
        }
    }

    fn sees(&self, office: Uuid) -> bool {
        match self {
            Self::Campaign => true,
            Self::Office(own) => *own == office,
        }
    }
}

/// A time zone PostgreSQL knows by that IANA name, or what was wrong.
async fn known_zone(pool: &PgPool, zone: &str) -> Result<(), ApiError> {
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
            .bind(zone)
            .fetch_one(pool)
            .await
            .map_err(ApiError::database)?;
    if known {
        Ok(())
    } else {
        Err(ApiError::malformed(format!(
            "zone {:?} is not a time zone this registry knows (an IANA name such as America/New_York)",
            zone.chars().take(64).collect::<String>()
        )))
    }
}

type TallyRow = (
    Vec<Uuid>,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
);

/// The offices whose precincts hold each precinct's voters, as an array
/// per precinct (most precincts are one office's; one in no office has
/// none): what each attempt is joined to, so the campaign's attempts are
/// read once and grouped by a handful of office sets, never by precinct.
const OFFICE_SETS: &str = "LEFT JOIN (SELECT precinct_code, array_agg(office_id ORDER BY office_id) AS offices \
     FROM office_precincts WHERE campaign_id = $1 GROUP BY 1) held ON held.precinct_code = a.precinct_code";

/// Attempt tallies by day, volunteer, channel and result, each with the
/// offices it counts for (an attempt counts for each office whose precincts
/// hold its voter, and for the whole campaign).
async fn tallies(
    tx: &mut sqlx::PgConnection,
    campaign: Uuid,
    zone: &str,
) -> Result<Vec<(Vec<Uuid>, Tally)>, ApiError> {
    let rows: Vec<TallyRow> = sqlx::query_as(&format!(
        "SELECT coalesce(held.offices, '{{}}'::uuid[]), \
                to_char(a.recorded_at::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD'), \
                coalesce(a.volunteer, ''), a.channel, a.result, \
                count(*), min(a.recorded_at), max(a.recorded_at) \
         FROM contact_attempts a {OFFICE_SETS} \
         WHERE a.campaign_id = $1 GROUP BY 1, 2, 3, 4, 5"
    ))
    .bind(campaign)
    .bind(zone)
    .fetch_all(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    rows.into_iter()
        .map(
            |(offices, day, volunteer, channel, result, count, first_at, last_at)| {
                let channel = Channel::parse(&channel).ok_or_else(|| {
                    tracing::error!(%channel, "a stored attempt has a channel this build does not know");
                    ApiError::database(sqlx::Error::Protocol(format!(
                        "a stored attempt has the channel {channel:?}"
                    )))
                })?;
                Ok((
                    offices,
                    Tally {
                        day,
                        volunteer: (!volunteer.is_empty()).then_some(volunteer),
                        channel,
                        result,
                        precinct: None,
                        turf: None,
                        call_list: None,
                        attempts: u64::try_from(count).unwrap_or(0),
                        first_at,
                        last_at,
                    },
                ))
            },
        )
        .collect()
}

type AnswerRow = (Vec<Uuid>, String, String, String, String, i64);

/// Answer tallies by day, volunteer, question and answer, each with the
/// offices it counts for, as [`tallies`].
async fn answers(
    tx: &mut sqlx::PgConnection,
    campaign: Uuid,
    zone: &str,
) -> Result<Vec<(Vec<Uuid>, AnswerTally)>, ApiError> {
    let rows: Vec<AnswerRow> = sqlx::query_as(&format!(
        "SELECT coalesce(held.offices, '{{}}'::uuid[]), \
                to_char(a.recorded_at::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD'), \
                coalesce(a.volunteer, ''), s.value ->> 'question', s.value ->> 'answer', count(*) \
         FROM contact_attempts a CROSS JOIN LATERAL jsonb_array_elements(a.answers) s {OFFICE_SETS} \
         WHERE a.campaign_id = $1 AND jsonb_typeof(a.answers) = 'array' \
           AND s.value ->> 'question' IS NOT NULL AND s.value ->> 'answer' IS NOT NULL \
         GROUP BY 1, 2, 3, 4, 5"
    ))
    .bind(campaign)
    .bind(zone)
    .fetch_all(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    Ok(rows
        .into_iter()
        .map(|(offices, day, volunteer, question, answer, count)| {
            (
                offices,
                AnswerTally {
                    day,
                    volunteer: (!volunteer.is_empty()).then_some(volunteer),
                    question,
                    answer,
                    answers: u64::try_from(count).unwrap_or(0),
                },
            )
        })
        .collect())
}

/// Each office's quarantined batches, by the domain's rule over its
/// decisions.
async fn quarantined_batches(
    pool: &PgPool,
    campaign: Uuid,
) -> Result<BTreeMap<Uuid, std::collections::BTreeSet<Batch>>, ApiError> {
    let rows: Vec<(Uuid, serde_json::Value)> = sqlx::query_as(
        "SELECT office_id, record FROM office_records WHERE campaign_id = $1 AND kind = 'batch_decision'",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    let mut decisions: BTreeMap<Uuid, Vec<BatchDecision>> = BTreeMap::new();
    for (office, record) in rows {
        let decision = serde_json::from_value(record).map_err(|error| {
            tracing::error!(%office, %error, "a batch decision cannot be read");
            ApiError::database(sqlx::Error::Decode(Box::new(error)))
        })?;
        decisions.entry(office).or_default().push(decision);
    }
    Ok(decisions
        .into_iter()
        .map(|(office, decisions)| (office, quarantined(&decisions)))
        .filter(|(_, set)| !set.is_empty())
        .collect())
}

/// Each office's goals and its support question as it asks it now.
async fn office_records(
    pool: &PgPool,
    campaign: Uuid,
) -> Result<BTreeMap<Uuid, (GoalsRecord, Option<QuestionRecord>)>, ApiError> {
    let rows: Vec<(Uuid, String, serde_json::Value)> = sqlx::query_as(
        "SELECT office_id, kind, record FROM office_records \
         WHERE campaign_id = $1 AND (kind = 'goals' OR (kind = 'question' AND name = $2)) \
         ORDER BY office_id, kind, id",
    )
    .bind(campaign)
    .bind(groundgame_domain::segment::SUPPORT_QUESTION)
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    let mut records: BTreeMap<Uuid, (GoalsRecord, Option<QuestionRecord>)> = BTreeMap::new();
    for (office, kind, record) in rows {
        let entry = records.entry(office).or_default();
        let unreadable = |error: serde_json::Error| {
            tracing::error!(%office, kind, %error, "an office record cannot be read");
            ApiError::database(sqlx::Error::Decode(Box::new(error)))
        };
        match kind.as_str() {
            "goals" => entry.0 = serde_json::from_value(record).map_err(unreadable)?,
            // Keys sort by version: the last is the latest.
            "question" => entry.1 = Some(serde_json::from_value(record).map_err(unreadable)?),
            other => {
                tracing::error!(
                    kind = other,
                    "the stats query returned a record it did not ask for"
                );
            }
        }
    }
    Ok(records)
}

/// The campaign's figures by office, days counted in `zone`.
pub async fn campaign_stats(
    pool: &PgPool,
    device: &Device,
    zone: &str,
) -> Result<CampaignStats, ApiError> {
    let viewer = Viewer::of(device)?;
    known_zone(pool, zone).await?;
    let today: String = sqlx::query_scalar("SELECT to_char(now() AT TIME ZONE $1, 'YYYY-MM-DD')")
        .bind(zone)
        .fetch_one(pool)
        .await
        .map_err(ApiError::database)?;
    let offices: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM offices WHERE campaign_id = $1 ORDER BY name")
            .bind(device.campaign)
            .fetch_all(pool)
            .await
            .map_err(ApiError::database)?;
    // Both reads in one transaction, with the planner told what suits a
    // scan of every attempt grouped into a few thousand rows: a hash table
    // in memory rather than a sort spilled to disk, and no JIT compiling
    // (it cost more than it saved at 2,000,000 attempts).
    let mut tx = pool.begin().await.map_err(ApiError::database)?;
    for setting in ["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"] {
        sqlx::query(setting)
            .execute(&mut *tx)
            .await
            .map_err(ApiError::database)?;
    }
    let tally_rows = tallies(&mut tx, device.campaign, zone).await?;
    let answer_rows = answers(&mut tx, device.campaign, zone).await?;
    tx.commit().await.map_err(ApiError::database)?;
    // Quarantined batches are kept but not counted, as on the laptops.
    let quarantined = quarantined_batches(pool, device.campaign).await?;
    // Each row goes to every office holding it that counts it, and to the
    // campaign (`None`), by the domain's rule (`quality::counts_for` says
    // which).
    fn spread<T: Clone>(
        into: &mut BTreeMap<Option<Uuid>, Vec<T>>,
        (offices, row): (Vec<Uuid>, T),
        batch: Batch,
        quarantined: &BTreeMap<Uuid, std::collections::BTreeSet<Batch>>,
    ) {
        for office in &offices {
            if counts_for(Some(office), &offices, &batch, quarantined) {
                into.entry(Some(*office)).or_default().push(row.clone());
            }
        }
        if counts_for(None, &offices, &batch, quarantined) {
            into.entry(None).or_default().push(row);
        }
    }
    let batch = |volunteer: &Option<String>, day: &str| Batch {
        volunteer: volunteer.clone(),
        day: day.to_owned(),
    };
    let mut tallies_of: BTreeMap<Option<Uuid>, Vec<Tally>> = BTreeMap::new();
    for row in tally_rows {
        let of = batch(&row.1.volunteer, &row.1.day);
        spread(&mut tallies_of, row, of, &quarantined);
    }
    let mut answers_of: BTreeMap<Option<Uuid>, Vec<AnswerTally>> = BTreeMap::new();
    for row in answer_rows {
        let of = batch(&row.1.volunteer, &row.1.day);
        spread(&mut answers_of, row, of, &quarantined);
    }
    let records = office_records(pool, device.campaign).await?;
    let standard = standard_questions()
        .into_iter()
        .find(|q| q.slug == groundgame_domain::segment::SUPPORT_QUESTION);
    let none = GoalsRecord::default();
    let figures = |office: Option<Uuid>, name: String, goals: &GoalsRecord| -> OfficeFigures {
        let support = office
            .and_then(|id| records.get(&id))
            .and_then(|(_, support)| support.as_ref());
        office_figures(
            office.map(|id| id.to_string()),
            name,
            tallies_of.get(&office).map_or(&[][..], Vec::as_slice),
            answers_of.get(&office).map_or(&[][..], Vec::as_slice),
            goals,
            support.or(standard.as_ref()),
            &today,
        )
    };
    let campaign_goals = GoalsRecord::combined(records.values().map(|(goals, _)| goals));
    let campaign = figures(None, "The whole campaign".into(), &campaign_goals);
    Ok(CampaignStats {
        today: today.clone(),
        zone: zone.to_owned(),
        offices: offices
            .into_iter()
            .filter(|(id, _)| viewer.sees(*id))
            .map(|(id, name)| {
                let goals = records.get(&id).map_or(&none, |(goals, _)| goals);
                figures(Some(id), name, goals)
            })
            .collect(),
        campaign,
    })
}
