//! The ops commands behind `groundgame-registry admin`: they act on one
//! campaign, straight on the database (no server needed).

use crate::identity::{audit, IdentityError};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

/// The campaign named `name`, created on first use: a registry is set up by
/// running its first admin command.
pub async fn campaign(pool: &PgPool, name: &str) -> Result<Uuid, IdentityError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(IdentityError::Invalid(
            "a campaign name is 1 to 200 characters".into(),
        ));
    }
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO campaigns (id, name) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(name)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

/// Creates an office covering `precincts`; a precinct can belong to one
/// office only, so two offices never see the same voters.
pub async fn create_office(
    pool: &PgPool,
    campaign: Uuid,
    name: &str,
    precincts: &[String],
) -> Result<Uuid, IdentityError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(IdentityError::Invalid(
            "an office name is 1 to 200 characters".into(),
        ));
    }
    let precincts: Vec<String> = precincts
        .iter()
        .map(|code| code.trim().to_owned())
        .filter(|code| !code.is_empty())
        .collect();
    if precincts.is_empty() {
        return Err(IdentityError::Invalid(
            "an office needs at least one precinct: --precincts P1,P2,...".into(),
        ));
    }
    let known = voter_file_precincts(pool, campaign).await?;
    if known.is_empty() {
        return Err(IdentityError::Invalid(
            "the master voter file has no precincts yet; load it first (admin import), then create offices".into(),
        ));
    }
    let unknown: Vec<&String> = precincts
        .iter()
        .filter(|code| known.binary_search(code).is_err())
        .collect();
    if let Some(first) = unknown.first() {
        let listed: Vec<&str> = unknown.iter().take(5).map(|code| code.as_str()).collect();
        return Err(IdentityError::Invalid(format!(
            "{} of these precincts {} not in the master voter file ({}); nothing was created. \
             For {first}, the nearest known codes are {}. `groundgame-registry admin precincts` lists them all",
            unknown.len(),
            if unknown.len() == 1 { "is" } else { "are" },
            listed.join(", "),
            nearest(first, &known).join(", ")
        )));
    }
    let mut tx = pool.begin().await?;
    let taken: Option<(String, String)> = sqlx::query_as(
        "SELECT p.precinct_code, o.name FROM office_precincts p \
         JOIN offices o ON o.campaign_id = p.campaign_id AND o.id = p.office_id \
         WHERE p.campaign_id = $1 AND p.precinct_code = ANY($2) LIMIT 1",
    )
    .bind(campaign)
    .bind(&precincts)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((precinct, office)) = taken {
        return Err(IdentityError::Invalid(format!(
            "precinct {precinct} already belongs to office {office:?}; nothing was created"
        )));
    }
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO offices (campaign_id, id, name) VALUES ($1, $2, $3)")
        .bind(campaign)
        .bind(id)
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => IdentityError::Invalid(
                format!("there is already an office named {name:?}; nothing was created"),
            ),
            _ => error.into(),
        })?;
    sqlx::query(
        "INSERT INTO office_precincts (campaign_id, office_id, precinct_code) \
         SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(campaign)
    .bind(id)
    .bind(&precincts)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut *tx,
        campaign,
        "admin",
        "create office",
        &format!("{name} ({})", precincts.join(",")),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Every office with its precincts, by name.
pub async fn offices(
    pool: &PgPool,
    campaign: Uuid,
) -> Result<Vec<(String, Vec<String>)>, IdentityError> {
    let rows: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT o.name, coalesce(array_agg(p.precinct_code ORDER BY p.precinct_code) \
                FILTER (WHERE p.precinct_code IS NOT NULL), '{}') \
         FROM offices o LEFT JOIN office_precincts p \
              ON p.campaign_id = o.campaign_id AND p.office_id = o.id \
         WHERE o.campaign_id = $1 GROUP BY o.name ORDER BY o.name",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// One enrolled device, as `admin devices` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceRow {
    pub id: String,
    pub name: String,
    pub office: String,
    pub role: String,
    pub revoked: bool,
    /// A revoked device reported that it wiped its data.
    pub wiped: bool,
}

pub async fn devices(pool: &PgPool, campaign: Uuid) -> Result<Vec<DeviceRow>, IdentityError> {
    let rows: Vec<(Uuid, String, String, String, bool, bool)> = sqlx::query_as(
        "SELECT d.id, d.name, o.name, d.role, d.revoked_at IS NOT NULL, d.wiped_at IS NOT NULL FROM devices d \
         JOIN offices o ON o.campaign_id = d.campaign_id AND o.id = d.office_id \
         WHERE d.campaign_id = $1 ORDER BY d.enrolled_at",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, office, role, revoked, wiped)| DeviceRow {
            id: id.to_string(),
            name,
            office,
            role,
            revoked,
            wiped,
        })
        .collect())
}

/// Every precinct the campaign's master voter file names.
/// The known codes most like a typed one: those that end with it (a state
/// file's `01-01` for the registry's `WAKE-01-01`), then the closest by edit
/// distance; three at most.
pub fn nearest(typed: &str, known: &[String]) -> Vec<String> {
    let typed_upper = typed.to_uppercase();
    let mut ranked: Vec<(usize, &String)> = known
        .iter()
        .map(|code| {
            let upper = code.to_uppercase();
            let rank = if upper.ends_with(&typed_upper) || typed_upper.ends_with(&upper) {
                0
            } else {
                1 + strsim::levenshtein(&typed_upper, &upper)
            };
            (rank, code)
        })
        .collect();
    ranked.sort();
    ranked
        .into_iter()
        .take(3)
        .map(|(_, code)| code.clone())
        .collect()
}

/// One precinct of the master voter file and how many voters it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PrecinctCount {
    pub code: String,
    pub voters: i64,
}

/// Every precinct of the master voter file with its voters (not removed).
pub async fn precinct_counts(
    pool: &PgPool,
    campaign: Uuid,
) -> Result<Vec<PrecinctCount>, IdentityError> {
    Ok(sqlx::query_as(
        "SELECT precinct_code AS code, count(*) FILTER (WHERE removed_at IS NULL) AS voters \
         FROM voters WHERE campaign_id = $1 AND precinct_code IS NOT NULL \
         GROUP BY precinct_code ORDER BY precinct_code",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await?)
}

pub async fn voter_file_precincts(
    pool: &PgPool,
    campaign: Uuid,
) -> Result<Vec<String>, IdentityError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT precinct_code COLLATE \"C\" FROM voters WHERE campaign_id = $1 AND precinct_code IS NOT NULL ORDER BY 1",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await?)
}

/// What `admin stats --json` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Stats {
    pub campaign: String,
    /// In the current voter file (not removed by a newer snapshot).
    pub voters: i64,
    pub voters_removed: i64,
    pub households: i64,
    pub vote_history: i64,
    pub offices: i64,
    pub devices: i64,
    pub devices_revoked: i64,
    pub enrolment_codes_outstanding: i64,
    pub contact_attempts: i64,
    pub dnc_entries: i64,
    pub mutations: i64,
    /// Review-queue items no coordinator has resolved yet.
    pub review_open: i64,
    /// The change feed's head position.
    pub feed_position: i64,
}

pub async fn stats(pool: &PgPool, campaign: Uuid) -> Result<Stats, IdentityError> {
    Ok(sqlx::query_as(
        "SELECT c.name AS campaign, \
                (SELECT count(*) FROM voters WHERE campaign_id = c.id AND removed_at IS NULL) AS voters, \
                (SELECT count(*) FROM voters WHERE campaign_id = c.id AND removed_at IS NOT NULL) \
                    AS voters_removed, \
                (SELECT count(*) FROM households WHERE campaign_id = c.id) AS households, \
                (SELECT count(*) FROM vote_history WHERE campaign_id = c.id) AS vote_history, \
                (SELECT count(*) FROM offices WHERE campaign_id = c.id) AS offices, \
                (SELECT count(*) FROM devices WHERE campaign_id = c.id) AS devices, \
                (SELECT count(*) FROM devices WHERE campaign_id = c.id AND revoked_at IS NOT NULL) \
                    AS devices_revoked, \
                (SELECT count(*) FROM enrolment_codes WHERE campaign_id = c.id \
                 AND used_at IS NULL AND expires_at > now()) AS enrolment_codes_outstanding, \
                (SELECT count(*) FROM contact_attempts WHERE campaign_id = c.id) AS contact_attempts, \
                (SELECT count(*) FROM dnc_entries WHERE campaign_id = c.id) AS dnc_entries, \
                (SELECT count(*) FROM mutations WHERE campaign_id = c.id) AS mutations, \
                (SELECT count(*) FROM review_queue WHERE campaign_id = c.id AND resolved_at IS NULL) \
                    AS review_open, \
                coalesce((SELECT position FROM feed_heads WHERE campaign_id = c.id), 0) AS feed_position \
         FROM campaigns c WHERE c.id = $1",
    )
    .bind(campaign)
    .fetch_one(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn the_nearest_known_codes_are_suggested() {
        let known: Vec<String> = ["WAKE-01-01", "WAKE-01-02", "WAKE-02-01", "DURHAM-7"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        for (typed, expected) in [
            ("01-01", "WAKE-01-01"),
            ("wake-01-01", "WAKE-01-01"),
            ("WAKE-01-03", "WAKE-01-01"),
            ("DURHAM-07", "DURHAM-7"),
        ] {
            assert_eq!(nearest(typed, &known)[0], expected, "{typed}");
        }
        assert_eq!(nearest("X", &known).len(), 3);
    }
}

/// One line of the registry's audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The campaign's audit log, oldest first: the registry's own lines (codes
/// issued, devices enrolled, revoked and wiped) and every decision on a
/// batch of results an office sent, with the device that sent it.
pub async fn audit_log(pool: &PgPool, campaign: Uuid) -> Result<Vec<AuditRow>, IdentityError> {
    use groundgame_domain::quality::BatchDecision;
    use groundgame_domain::survey::VolunteerRecord;
    let mut rows: Vec<AuditRow> = sqlx::query_as::<_, (String, String, String, String)>(
        "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), actor, action, detail \
         FROM audit_log WHERE campaign_id = $1 ORDER BY id",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await?
    .into_iter()
    .map(|(at, actor, action, detail)| AuditRow {
        at,
        actor,
        action,
        detail,
    })
    .collect();
    let names: std::collections::HashMap<String, String> =
        sqlx::query_scalar::<_, serde_json::Value>(
            "SELECT record FROM office_records WHERE campaign_id = $1 AND kind = 'volunteer'",
        )
        .bind(campaign)
        .fetch_all(pool)
        .await?
        .into_iter()
        .filter_map(|record| serde_json::from_value::<VolunteerRecord>(record).ok())
        .map(|volunteer| (volunteer.volunteer_id, volunteer.name))
        .collect();
    let decisions: Vec<(serde_json::Value, Uuid, String, String)> = sqlx::query_as(
        "SELECT r.record, r.device_id, d.name, o.name FROM office_records r \
         JOIN devices d ON d.campaign_id = r.campaign_id AND d.id = r.device_id \
         JOIN offices o ON o.campaign_id = r.campaign_id AND o.id = r.office_id \
         WHERE r.campaign_id = $1 AND r.kind = 'batch_decision'",
    )
    .bind(campaign)
    .fetch_all(pool)
    .await?;
    for (record, device, device_name, office) in decisions {
        let decision: BatchDecision = serde_json::from_value(record).map_err(|error| {
            tracing::error!(%device, %error, "a batch decision cannot be read");
            IdentityError::Database(sqlx::Error::Decode(Box::new(error)))
        })?;
        let who = decision
            .batch
            .volunteer
            .as_ref()
            .and_then(|id| names.get(id))
            .map(String::as_str);
        rows.push(AuditRow {
            at: decision.recorded_at.clone(),
            actor: format!(
                "device:{device} ({device_name}, {office}; {})",
                decision.decided_by
            ),
            action: "decide_batch".into(),
            detail: decision.audit_detail(who),
        });
    }
    rows.sort_by(|a, b| a.at.cmp(&b.at));
    Ok(rows)
}
