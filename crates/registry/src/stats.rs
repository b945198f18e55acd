//! The campaign's figures by office (`GET /v1/stats`): the same measures as
//! every laptop's Office dashboard, computed by the same functions
//! (`groundgame_domain::results`) over tallies PostgreSQL groups from every
//! office's attempts. SQL here; the rules are the domain's.

use crate::error::ApiError;
use crate::identity::Device;
use axum::http::StatusCode;
use groundgame_domain::quality::{quarantined, Batch, BatchDecision};
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
    Option<Uuid>,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
);

/// Attempt tallies by office (an attempt counts for each office whose
/// precincts hold its voter) and, with no office, for the whole campaign.
async fn tallies(
    pool: &PgPool,
    campaign: Uuid,
    zone: &str,
) -> Result<Vec<(Option<Uuid>, Tally)>, ApiError> {
    let rows: Vec<TallyRow> = sqlx::query_as(
        "WITH attempts AS ( \
             SELECT to_char(a.recorded_at::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD') AS day, \
                    coalesce(a.volunteer, '') AS volunteer, a.channel, a.result, \
                    coalesce(a.precinct_code, '') AS precinct, a.recorded_at \
             FROM contact_attempts a WHERE a.campaign_id = $1) \
         SELECT op.office_id, day, volunteer, channel, result, precinct, count(*), min(recorded_at), max(recorded_at) \
         FROM attempts JOIN office_precincts op ON op.campaign_id = $1 AND op.precinct_code = attempts.precinct \
         GROUP BY 1, 2, 3, 4, 5, 6 \
         UNION ALL \
         SELECT NULL::uuid, day, volunteer, channel, result, precinct, count(*), min(recorded_at), max(recorded_at) \
         FROM attempts GROUP BY 1, 2, 3, 4, 5, 6",
    )
    .bind(campaign)
    .bind(zone)
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    rows.into_iter()
        .map(
            |(office, day, volunteer, channel, result, precinct, count, first_at, last_at)| {
                let channel = Channel::parse(&channel).ok_or_else(|| {
                    tracing::error!(%channel, "a stored attempt has a channel this build does not know");
                    ApiError::database(sqlx::Error::Protocol(format!(
                        "a stored attempt has the channel {channel:?}"
                    )))
                })?;
                Ok((
                    office,
                    Tally {
                        day,
                        volunteer: (!volunteer.is_empty()).then_some(volunteer),
                        channel,
                        result,
                        precinct: (!precinct.is_empty()).then_some(precinct),
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

type AnswerRow = (Option<Uuid>, String, String, String, String, String, i64);

/// Answer tallies by office and for the whole campaign (the campaign's
/// by precinct too, which is how a quarantine leaves them).
async fn answers(
    pool: &PgPool,
    campaign: Uuid,
    zone: &str,
) -> Result<Vec<(Option<Uuid>, String, AnswerTally)>, ApiError> {
    let rows: Vec<AnswerRow> = sqlx::query_as(
        "WITH answers AS ( \
             SELECT to_char(a.recorded_at::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD') AS day, \
                    coalesce(a.volunteer, '') AS volunteer, coalesce(a.precinct_code, '') AS precinct, \
                    s.value ->> 'question' AS question, s.value ->> 'answer' AS answer \
             FROM contact_attempts a CROSS JOIN LATERAL jsonb_array_elements(a.answers) s \
             WHERE a.campaign_id = $1 AND jsonb_typeof(a.answers) = 'array') \
         SELECT op.office_id, day, volunteer, '' AS precinct, question, answer, count(*) \
         FROM answers JOIN office_precincts op ON op.campaign_id = $1 AND op.precinct_code = answers.precinct \
         WHERE question IS NOT NULL AND answer IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6 \
         UNION ALL \
         SELECT NULL::uuid, day, volunteer, precinct, question, answer, count(*) FROM answers \
         WHERE question IS NOT NULL AND answer IS NOT NULL GROUP BY 1, 2, 3, 4, 5, 6",
    )
    .bind(campaign)
    .bind(zone)
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    Ok(rows
        .into_iter()
        .map(
            |(office, day, volunteer, precinct, question, answer, count)| {
                (
                    office,
                    precinct,
                    AnswerTally {
                        day,
                        volunteer: (!volunteer.is_empty()).then_some(volunteer),
                        question,
                        answer,
                        answers: u64::try_from(count).unwrap_or(0),
                    },
                )
            },
        )
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

/// The offices that hold each precinct.
async fn precinct_offices(
    pool: &PgPool,
    campaign: Uuid,
) -> Result<BTreeMap<String, Vec<Uuid>>, ApiError> {
    let rows: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT precinct_code, office_id FROM office_precincts WHERE campaign_id = $1",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    let mut offices: BTreeMap<String, Vec<Uuid>> = BTreeMap::new();
    for (precinct, office) in rows {
        offices.entry(precinct).or_default().push(office);
    }
    Ok(offices)
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
    let mut tallies_of: BTreeMap<Option<Uuid>, Vec<Tally>> = BTreeMap::new();
    for (office, tally) in tallies(pool, device.campaign, zone).await? {
        tallies_of.entry(office).or_default().push(tally);
    }
    let mut answers_of: BTreeMap<Option<Uuid>, Vec<(String, AnswerTally)>> = BTreeMap::new();
    for (office, precinct, answer) in answers(pool, device.campaign, zone).await? {
        answers_of
            .entry(office)
            .or_default()
            .push((precinct, answer));
    }
    // Quarantined batches are kept but not counted, as on the laptops: an
    // office's figures leave out its own; the campaign's leave out a batch
    // where an office holding the attempt's precinct quarantined it, and a
    // named volunteer's wherever it was quarantined (a volunteer is one
    // office's).
    let quarantined = quarantined_batches(pool, device.campaign).await?;
    if !quarantined.is_empty() {
        let offices_of = precinct_offices(pool, device.campaign).await?;
        let named: std::collections::BTreeSet<&Batch> = quarantined
            .values()
            .flatten()
            .filter(|batch| batch.volunteer.is_some())
            .collect();
        let counted = |office: &Option<Uuid>,
                       precinct: Option<&str>,
                       volunteer: &Option<String>,
                       day: &str| {
            let batch = Batch {
                volunteer: volunteer.clone(),
                day: day.to_owned(),
            };
            let out_in = |id: &Uuid| quarantined.get(id).is_some_and(|set| set.contains(&batch));
            match office {
                Some(id) => !out_in(id),
                None => {
                    !named.contains(&batch)
                        && !precinct
                            .and_then(|code| offices_of.get(code))
                            .is_some_and(|offices| offices.iter().any(out_in))
                }
            }
        };
        for (office, tallies) in tallies_of.iter_mut() {
            tallies.retain(|tally| {
                counted(
                    office,
                    tally.precinct.as_deref(),
                    &tally.volunteer,
                    &tally.day,
                )
            });
        }
        for (office, answers) in answers_of.iter_mut() {
            answers.retain(|(precinct, answer)| {
                counted(
                    office,
                    Some(precinct.as_str()),
                    &answer.volunteer,
                    &answer.day,
                )
            });
        }
    }
    let answers_of: BTreeMap<Option<Uuid>, Vec<AnswerTally>> = answers_of
        .into_iter()
        .map(|(office, answers)| (office, answers.into_iter().map(|(_, a)| a).collect()))
        .collect();
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
