//! The campaign's figures by office (`GET /v1/stats`): the same measures as
//! every laptop's Office dashboard, computed by the same functions
//! (`groundgame_domain::results`) over the rollups registry migration 0011
//! keeps as attempts arrive (`attempt_tallies`, `answer_tallies`: by the
//! offices holding the voter's precinct, UTC hour, volunteer and result,
//! with the deltas pushes appended since the last [`fold`]), put on the
//! asked zone's days. SQL here; the rules are the domain's.

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

/// The campaign's (`$1`) rows of rollup `table` and of its `deltas` not
/// yet folded in (`columns` of each), with each UTC hour on `zone`'s (`$2`)
/// calendar as `day`, each distinct hour worked out once (a few hundred a
/// month).
fn on_days(table: &str, deltas: &str, columns: &str) -> String {
    format!(
        "WITH t AS (SELECT {columns} FROM {table} WHERE campaign_id = $1 \
                    UNION ALL SELECT {columns} FROM {deltas} WHERE campaign_id = $1), \
              days AS (SELECT hour, to_char((hour || ':00:00+00')::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD') AS day \
                       FROM (SELECT DISTINCT hour FROM t) hours) \
         SELECT t.*, days.day FROM t JOIN days ON days.hour = t.hour"
    )
}

/// Moves every campaign's rollup deltas (what pushes appended) into the
/// keyed rollups; how many delta rows it moved. The registry's server
/// runs it every few seconds ([`FOLD_EVERY`]); the figures are the same
/// before and after, only quicker to read.
pub async fn fold(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT fold_tallies()")
        .fetch_one(pool)
        .await
}

/// How often `serve` folds the rollups' deltas.
pub const FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Attempt tallies by day, volunteer, channel and result, each with the
/// offices it counts for (an attempt counts for each office whose precincts
/// hold its voter, and for the whole campaign).
async fn tallies(
    tx: &mut sqlx::PgConnection,
    campaign: Uuid,
    zone: &str,
) -> Result<Vec<(Vec<Uuid>, Tally)>, ApiError> {
    let rows: Vec<TallyRow> = sqlx::query_as(&format!(
        "SELECT holders, day, volunteer, channel, result, sum(attempts)::bigint, min(first_at), max(last_at) \
         FROM ({}) t GROUP BY 1, 2, 3, 4, 5",
        on_days(
            "attempt_tallies",
            "attempt_tally_deltas",
            "holders, hour, volunteer, channel, result, attempts, first_at, last_at"
        )
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
        "SELECT holders, day, volunteer, question, answer, sum(answers)::bigint \
         FROM ({}) t GROUP BY 1, 2, 3, 4, 5",
        on_days(
            "answer_tallies",
            "answer_tally_deltas",
            "holders, hour, volunteer, question, answer, answers"
        )
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
    // Both reads at one snapshot, so answers and attempts agree; without
    // JIT compiling, which costs more than a read of the rollups takes.
    let mut tx = pool.begin().await.map_err(ApiError::database)?;
    for setting in [
        "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        "SET LOCAL jit = off",
    ] {
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

#[cfg(test)]
mod tests {
    use crate::testing::{seed_precincts, TestDatabase};
    use sqlx::PgPool;
    use uuid::Uuid;

    /// Adds `count` attempts, spread over the seeded voters, on `conn`.
    async fn add_attempts(conn: &mut sqlx::PgConnection, campaign: Uuid, batch: &str, count: i32) {
        sqlx::query(
            "INSERT INTO contact_attempts (campaign_id, id, voter_id, precinct_code, channel, result, \
             volunteer, answers, recorded_at, hlc, device_id) \
             SELECT v.campaign_id, $2 || '-' || n || '-' || v.voter_id, v.voter_id, v.precinct_code, \
                    CASE WHEN n % 2 = 0 THEN 'door' ELSE 'phone' END, \
                    CASE WHEN n % 3 = 0 THEN 'canvassed' ELSE 'not-home' END, \
                    CASE WHEN n % 5 = 0 THEN NULL ELSE 'Volunteer ' || (n % 4) END, \
                    jsonb_build_array(jsonb_build_object('question', 'support', 'answer', \
                        CASE WHEN n % 2 = 0 THEN 'lean' ELSE 'strong' END)), \
                    to_char(timestamp '2026-11-01 20:00:00' + n * interval '13 minutes', \
                            'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                    '0000000001:0000:test', gen_random_uuid() \
               FROM voters v, generate_series(1, $3) n WHERE v.campaign_id = $1 \
             ON CONFLICT (campaign_id, id) DO NOTHING",
        )
        .bind(campaign)
        .bind(batch)
        .bind(count)
        .execute(conn)
        .await
        .expect("attempts");
    }

    /// Rows of the attempt rollup, once its deltas are folded in, that a
    /// grouping of every attempt from scratch, by the offices holding its
    /// precinct now, does not give, and the other way round.
    async fn drift(pool: &PgPool) -> (i64, i64) {
        super::fold(pool).await.expect("folded");
        let fresh = "WITH held AS (SELECT campaign_id, precinct_code, \
                                    array_agg(office_id ORDER BY office_id) AS offices \
                                    FROM office_precincts GROUP BY 1, 2) \
             SELECT a.campaign_id, coalesce(held.offices, '{}'), substr(a.recorded_at, 1, 13), \
                    coalesce(a.volunteer, ''), a.channel, a.result, count(*), \
                    min(a.recorded_at COLLATE \"C\"), max(a.recorded_at COLLATE \"C\") \
               FROM contact_attempts a LEFT JOIN held USING (campaign_id, precinct_code) \
              GROUP BY 1, 2, 3, 4, 5, 6";
        let count = |sql: String| async move {
            sqlx::query_scalar::<_, i64>(&sql)
                .fetch_one(pool)
                .await
                .expect("compared")
        };
        (
            count(format!(
                "SELECT count(*) FROM (SELECT * FROM attempt_tallies EXCEPT ({fresh})) d"
            ))
            .await,
            count(format!(
                "SELECT count(*) FROM (({fresh}) EXCEPT SELECT * FROM attempt_tallies) d"
            ))
            .await,
        )
    }

    #[tokio::test]
    async fn the_rollups_stay_equal_to_a_grouping_of_every_attempt_while_an_office_is_made_mid_push(
    ) {
        let database = TestDatabase::create().await;
        let pool = crate::db::connect_and_migrate(&database.url)
            .await
            .expect("migrated");
        let campaign = crate::admin::campaign(&pool, "Rollups")
            .await
            .expect("campaign");
        seed_precincts(&pool, campaign, &["P1", "P2", "P3", "P4"]).await;
        let mut conn = pool.acquire().await.expect("connection");
        add_attempts(&mut conn, campaign, "before", 20).await;
        assert_eq!(drift(&pool).await, (0, 0), "pushed before any office");

        // A push under way (not committed) when an office is made over
        // two of the precincts: the office waits on the real lock.
        let mut push = pool.begin().await.expect("push");
        add_attempts(&mut push, campaign, "during", 30).await;
        let made = tokio::spawn({
            let pool = pool.clone();
            async move {
                crate::admin::create_office(&pool, campaign, "North", &["P1".into(), "P2".into()])
                    .await
                    .expect("office")
            }
        });
        let mut waited = false;
        for _ in 0..100 {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                 WHERE NOT l.granted AND c.relname = 'contact_attempts'",
            )
            .fetch_one(&pool)
            .await
            .expect("locks");
            if waiting > 0 {
                waited = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(waited, "the office never waited for the push under way");
        assert!(!made.is_finished());
        push.commit().await.expect("pushed");
        let north = made.await.expect("made");
        // A push after the office, and one of an attempt already there.
        add_attempts(&mut conn, campaign, "after", 10).await;
        add_attempts(&mut conn, campaign, "after", 10).await;
        assert_eq!(drift(&pool).await, (0, 0), "after the office was made");

        // And the figures read from them: every attempt in the campaign's,
        // North's precincts' in North's.
        let device = crate::identity::Device {
            campaign,
            id: Uuid::new_v4(),
            office: north,
            role: groundgame_domain::wire::Role::Admin,
            revoked: false,
        };
        add_attempts(&mut conn, campaign, "unfolded", 5).await;
        let unfolded: i64 = sqlx::query_scalar("SELECT count(*) FROM attempt_tally_deltas")
            .fetch_one(&pool)
            .await
            .expect("deltas");
        assert!(unfolded > 0);
        let stats = super::campaign_stats(&pool, &device, "America/New_York")
            .await
            .expect("stats");
        assert_eq!(stats.campaign.overall.attempts, 4 * (20 + 30 + 10 + 5));
        assert!(super::fold(&pool).await.expect("folded") > 0);
        let folded = super::campaign_stats(&pool, &device, "America/New_York")
            .await
            .expect("stats");
        assert_eq!(
            serde_json::to_value(&folded).expect("json"),
            serde_json::to_value(&stats).expect("json"),
            "the same figures before and after a fold"
        );
        assert_eq!(stats.offices[0].overall.attempts, 2 * (20 + 30 + 10 + 5));
        let answers: i64 = sqlx::query_scalar("SELECT sum(answers)::bigint FROM answer_tallies")
            .fetch_one(&pool)
            .await
            .expect("answers");
        assert_eq!(answers, 4 * (20 + 30 + 10 + 5));
    }
}
