//! Leases on call targets: a target under a valid lease is never granted to
//! another device, however many registry instances answer (see
//! `docs/sync-protocol.md`, "Leases").

use crate::error::ApiError;
use crate::identity::Device;
use axum::http::StatusCode;
use groundgame_domain::lease::LeaseTarget;
use groundgame_domain::wire::ErrorCode;
use groundgame_domain::wire::{
    LeaseGrant, LeaseRefusal, LeaseRequest, LeaseResponse, LEASE_ALL_MAX, LEASE_BATCH,
    LEASE_TTL_MAX,
};
use sqlx::{PgConnection, PgPool};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Times as the wire carries them: RFC 3339 in UTC, to the second.
const RFC3339: &str = "to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

pub async fn lease(
    pool: &PgPool,
    device: &Device,
    request: LeaseRequest,
) -> Result<LeaseResponse, ApiError> {
    let most = if request.all_or_nothing {
        LEASE_ALL_MAX
    } else {
        LEASE_BATCH
    };
    if request.targets.is_empty() || request.targets.len() > most {
        return Err(ApiError::malformed(format!(
            "a lease request names 1 to {most} targets; this one names {}",
            request.targets.len()
        )));
    }
    if let Some(holder) = &request.holder {
        if !(1..=200).contains(&holder.chars().count())
            || holder.chars().any(char::is_control)
            || holder.trim().is_empty()
        {
            return Err(ApiError::malformed(
                "holder is the name of who holds the leases: 1 to 200 printable characters",
            ));
        }
    }
    if !(60..=LEASE_TTL_MAX).contains(&request.ttl_seconds) {
        return Err(ApiError::malformed(format!(
            "ttl_seconds is 60 to {LEASE_TTL_MAX} (12 hours); got {}",
            request.ttl_seconds
        )));
    }
    // Sorted, so concurrent grants lock rows in one order and never deadlock.
    let targets: BTreeSet<&LeaseTarget> = request.targets.iter().collect();
    let outside = outside_scope(pool, device, &targets).await?;
    if !outside.is_empty() {
        let named: Vec<&str> = outside.iter().take(3).map(String::as_str).collect();
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OutsideScope,
            format!(
                "{} of these targets are not in this device's office ({}{}); nothing was leased",
                outside.len(),
                named.join(", "),
                if outside.len() > 3 { ", ..." } else { "" }
            ),
        ));
    }
    let wanted: Vec<String> = targets.iter().map(|t| t.as_str().to_owned()).collect();
    // One transaction: an all-or-nothing request that cannot have every
    // target rolls back what it took, so nobody ever holds part of a turf.
    let mut tx = pool.begin().await.map_err(ApiError::database)?;
    let granted: Vec<(String, i64, String)> = sqlx::query_as(&format!(
        "INSERT INTO leases AS l (campaign_id, target, device_id, epoch, expires_at, holder) \
         SELECT $1, t, $2, 1, now() + make_interval(secs => $4), $5 FROM unnest($3::text[]) AS t \
         ON CONFLICT (campaign_id, target) DO UPDATE \
           SET epoch = CASE WHEN l.device_id = excluded.device_id THEN l.epoch ELSE l.epoch + 1 END, \
               device_id = excluded.device_id, expires_at = excluded.expires_at, granted_at = now(), \
               holder = excluded.holder \
           WHERE l.device_id = excluded.device_id OR l.expires_at <= now() \
         RETURNING target, epoch, {RFC3339}"
    ))
    .bind(device.campaign)
    .bind(device.id)
    .bind(&wanted)
    .bind(f64::from(request.ttl_seconds))
    .bind(&request.holder)
    .fetch_all(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    let granted = if request.all_or_nothing && granted.len() < wanted.len() {
        tx.rollback().await.map_err(ApiError::database)?;
        Vec::new()
    } else {
        tx.commit().await.map_err(ApiError::database)?;
        granted
    };
    let given: BTreeSet<&str> = granted.iter().map(|(target, ..)| target.as_str()).collect();
    let others: Vec<String> = wanted
        .iter()
        .filter(|target| !given.contains(target.as_str()))
        .cloned()
        .collect();
    // Held by another device (for an all-or-nothing request refused, only
    // those: the rest were free, just not taken).
    let refused: Vec<(String, String, Option<String>)> = if others.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(&format!(
            "SELECT l.target, {RFC3339}, \
                    CASE WHEN l.holder IS NULL THEN d.name ELSE l.holder || ' (' || d.name || ')' END \
             FROM leases l \
             LEFT JOIN devices d ON d.campaign_id = l.campaign_id AND d.id = l.device_id \
             WHERE l.campaign_id = $1 AND l.target = ANY($2) AND l.device_id <> $3 AND l.expires_at > now()"
        ))
        .bind(device.campaign)
        .bind(&others)
        .bind(device.id)
        .fetch_all(pool)
        .await
        .map_err(ApiError::database)?
    };
    let parse = |text: &str| {
        LeaseTarget::parse(text).map_err(|error| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Unavailable,
                error.to_string(),
            )
        })
    };
    Ok(LeaseResponse {
        granted: granted
            .iter()
            .map(|(target, epoch, expires_at)| {
                Ok(LeaseGrant {
                    target: parse(target)?,
                    epoch: *epoch,
                    expires_at: expires_at.clone(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        refused: refused
            .iter()
            .map(|(target, held_until, held_by)| {
                Ok(LeaseRefusal {
                    target: parse(target)?,
                    held_until: held_until.clone(),
                    held_by: held_by.clone(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
    })
}

/// The targets no voter of the device's office can be reached at.
async fn outside_scope(
    pool: &PgPool,
    device: &Device,
    targets: &BTreeSet<&LeaseTarget>,
) -> Result<Vec<String>, ApiError> {
    let phones: Vec<String> = targets
        .iter()
        .filter_map(|t| t.phone_digits())
        .map(str::to_owned)
        .collect();
    let households: Vec<String> = targets
        .iter()
        .filter_map(|t| t.address_key())
        .map(str::to_owned)
        .collect();
    let inside: Vec<String> = sqlx::query_scalar(
        "SELECT 'phone:' || p.number FROM phones p \
           JOIN voters v ON v.campaign_id = p.campaign_id AND v.voter_id = p.voter_id \
           JOIN office_precincts o ON o.campaign_id = v.campaign_id AND o.precinct_code = v.precinct_code \
          WHERE p.campaign_id = $1 AND o.office_id = $2 AND p.number = ANY($3) \
         UNION \
         SELECT 'household:' || h.address_key FROM households h \
           JOIN office_precincts o ON o.campaign_id = h.campaign_id AND o.precinct_code = h.precinct_code \
          WHERE h.campaign_id = $1 AND o.office_id = $2 AND h.address_key = ANY($4)",
    )
    .bind(device.campaign)
    .bind(device.office)
    .bind(&phones)
    .bind(&households)
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    let inside: BTreeSet<&str> = inside.iter().map(String::as_str).collect();
    Ok(targets
        .iter()
        .map(|t| t.as_str())
        .filter(|t| !inside.contains(t))
        .map(str::to_owned)
        .collect())
}

/// Whether `device` still holds `target` under `epoch`: then nobody else
/// can have been handed it since, however late the result arrives.
pub async fn holds(
    conn: &mut PgConnection,
    campaign: Uuid,
    device: Uuid,
    target: &str,
    epoch: i64,
) -> Result<bool, sqlx::Error> {
    let held: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM leases WHERE campaign_id = $1 AND target = $2 AND device_id = $3 AND epoch = $4",
    )
    .bind(campaign)
    .bind(target)
    .bind(device)
    .bind(epoch)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(held.is_some())
}

/// Whether another device holds a valid lease on `target` right now.
pub async fn held_by_another(
    conn: &mut PgConnection,
    campaign: Uuid,
    device: Uuid,
    target: &str,
) -> Result<bool, sqlx::Error> {
    let held: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM leases WHERE campaign_id = $1 AND target = $2 AND device_id <> $3 AND expires_at > now()",
    )
    .bind(campaign)
    .bind(target)
    .bind(device)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(held.is_some())
}

/// Ends the device's lease if its epoch still matches.
pub async fn release(
    conn: &mut PgConnection,
    campaign: Uuid,
    device: Uuid,
    target: &str,
    epoch: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE leases SET expires_at = least(expires_at, now()) \
         WHERE campaign_id = $1 AND target = $2 AND device_id = $3 AND epoch = $4",
    )
    .bind(campaign)
    .bind(target)
    .bind(device)
    .bind(epoch)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A new opt-out on calls ends every lease it touches: the epoch goes up so
/// a result still in flight under the old one is flagged.
pub async fn end_for_targets(
    conn: &mut PgConnection,
    campaign: Uuid,
    targets: &[String],
) -> Result<(), sqlx::Error> {
    end_where(conn, campaign, Ending::Targets(targets))
        .await
        .map(|_| ())
}

/// A revoked device's leases end at once, so its numbers go back to the
/// office's other callers; returns how many were still running.
pub async fn end_for_device(
    conn: &mut PgConnection,
    campaign: Uuid,
    device: Uuid,
) -> Result<u64, sqlx::Error> {
    end_where(conn, campaign, Ending::Device(device)).await
}

enum Ending<'a> {
    Targets(&'a [String]),
    Device(Uuid),
}

/// Ends leases, locking their rows in target order (bytewise, as a grant's
/// sorted targets are): a grant and an ending that touch the same targets
/// then wait for each other instead of deadlocking.
async fn end_where(
    conn: &mut PgConnection,
    campaign: Uuid,
    which: Ending<'_>,
) -> Result<u64, sqlx::Error> {
    let (targets, device) = match which {
        Ending::Targets(targets) => (targets, None),
        Ending::Device(device) => (&[][..], Some(device)),
    };
    sqlx::query(
        "WITH locked AS ( \
           SELECT target FROM leases \
           WHERE campaign_id = $1 AND (target = ANY($2) OR (device_id = $3 AND expires_at > now())) \
           ORDER BY target COLLATE \"C\" FOR UPDATE) \
         UPDATE leases l SET epoch = l.epoch + 1, expires_at = least(l.expires_at, now()) \
         FROM locked WHERE l.campaign_id = $1 AND l.target = locked.target",
    )
    .bind(campaign)
    .bind(targets)
    .bind(device)
    .execute(&mut *conn)
    .await
    .map(|done| done.rows_affected())
}
