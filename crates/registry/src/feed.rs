//! The change feed: everything the registry decides, in commit order, read
//! by devices within their scope (see `docs/sync-protocol.md`, "Pull").

use crate::error::ApiError;
use crate::identity::Device;
use groundgame_domain::feed::FeedRow;
use groundgame_domain::wire::ErrorCode;
use groundgame_domain::wire::{Change, PullResponse, PULL_LIMIT};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A change a writing transaction has decided, waiting for its position.
#[derive(Debug, Clone)]
pub struct NewChange {
    /// `precinct:<code>` keys (or `campaign`) of every office that may see it.
    pub scope_keys: Vec<String>,
    pub key: String,
    pub version: i64,
    pub row: FeedRow,
}

impl NewChange {
    pub fn in_precinct(precinct: Option<&str>, key: impl Into<String>, row: FeedRow) -> Self {
        Self::in_precincts(precinct.into_iter().map(str::to_owned), key, row)
    }

    pub fn in_precincts(
        precincts: impl IntoIterator<Item = String>,
        key: impl Into<String>,
        row: FeedRow,
    ) -> Self {
        let mut scope_keys: Vec<String> = precincts
            .into_iter()
            .map(|code| precinct_key(&code))
            .collect();
        scope_keys.sort();
        scope_keys.dedup();
        Self {
            scope_keys,
            key: key.into(),
            version: 1,
            row,
        }
    }

    /// A change every device of one office sees (its coordinators' work).
    pub fn in_office(office: Uuid, key: impl Into<String>, row: FeedRow) -> Self {
        Self {
            scope_keys: vec![office_key(office)],
            key: key.into(),
            version: 1,
            row,
        }
    }

    pub fn with_version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }
}

/// About how many bytes of rows one pull page carries at most.
pub const PULL_BYTES: usize = 128 * 1024;

pub fn precinct_key(code: &str) -> String {
    format!("precinct:{code}")
}

/// The scope key of an office's own rows.
pub fn office_key(office: Uuid) -> String {
    format!("office:{office}")
}

/// Appends `changes` to the campaign's feed. Call it last in the writing
/// transaction: the sequencer row it updates stays locked until commit, so
/// no reader ever sees a later position before an earlier one commits.
pub async fn append(
    conn: &mut PgConnection,
    campaign: Uuid,
    changes: &[NewChange],
) -> Result<(), sqlx::Error> {
    // A change no office can see (a voter without a precinct) is still
    // positioned, so the feed stays a complete record of what was decided.
    let count = i64::try_from(changes.len()).unwrap_or(i64::MAX);
    if count == 0 {
        return Ok(());
    }
    let head: i64 = sqlx::query_scalar(
        "INSERT INTO feed_heads (campaign_id, position) VALUES ($1, $2) \
         ON CONFLICT (campaign_id) DO UPDATE SET position = feed_heads.position + $2 \
         RETURNING position",
    )
    .bind(campaign)
    .bind(count)
    .fetch_one(&mut *conn)
    .await?;
    let first = head - count + 1;
    let mut positions = Vec::new();
    let mut scope_keys = Vec::new();
    let mut entities = Vec::new();
    let mut keys = Vec::new();
    let mut versions = Vec::new();
    let mut payloads = Vec::new();
    for (position, change) in (first..).zip(changes) {
        let payload = serde_json::to_string(&change.row)
            .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        let visible_to = if change.scope_keys.is_empty() {
            vec!["none".to_owned()]
        } else {
            change.scope_keys.clone()
        };
        for scope_key in visible_to {
            positions.push(position);
            scope_keys.push(scope_key);
            entities.push(change.row.entity());
            keys.push(change.key.clone());
            versions.push(change.version);
            payloads.push(payload.clone());
        }
    }
    sqlx::query(
        "INSERT INTO changes (campaign_id, position, scope_key, entity, key, op, version, payload) \
         SELECT $1, p, s, e, k, 'upsert', v, j::jsonb \
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) \
              AS t (p, s, e, k, v, j)",
    )
    .bind(campaign)
    .bind(&positions)
    .bind(&scope_keys)
    .bind(&entities)
    .bind(&keys)
    .bind(&versions)
    .bind(&payloads)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The scope keys a device reads: its office's precincts, its office's own
/// rows and the campaign's.
pub async fn scope_keys(pool: &PgPool, device: &Device) -> Result<Vec<String>, sqlx::Error> {
    let precincts = device.precincts(pool).await?;
    let mut keys: Vec<String> = precincts.iter().map(|code| precinct_key(code)).collect();
    keys.push(office_key(device.office));
    keys.push("campaign".to_owned());
    Ok(keys)
}

/// The next page of changes after `after` that the device may see.
pub async fn pull(
    pool: &PgPool,
    device: &Device,
    after: i64,
    limit: u32,
) -> Result<PullResponse, ApiError> {
    if after < 0 {
        return Err(ApiError::malformed(format!(
            "`after` is a feed position, 0 or more; got {after}"
        )));
    }
    if limit == 0 || limit > PULL_LIMIT {
        return Err(ApiError::malformed(format!(
            "`limit` is 1 to {PULL_LIMIT} changes; got {limit}"
        )));
    }
    // The head first: every position at or below it has committed (the
    // sequencer's lock is held to commit), so reading up to it skips nothing.
    let head: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(position), 0) FROM feed_heads WHERE campaign_id = $1",
    )
    .bind(device.campaign)
    .fetch_one(pool)
    .await
    .map_err(ApiError::database)?;
    if after > head {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            ErrorCode::CheckpointAhead,
            format!(
                "this device has read the feed up to {after} but the registry's feed ends at {head}; \
                 the registry was restored from an older backup: the device must take a new snapshot"
            ),
        ));
    }
    let keys = scope_keys(pool, device).await.map_err(ApiError::database)?;
    // The page is cut at about PULL_BYTES of stored rows before any is
    // turned into text: `pg_column_size` reads a large row's stored size
    // without decompressing it, so a page of bulk voter-file changes no
    // longer converts a thousand 48 KiB rows to send three (a 1M-voter
    // refresh's pull spent most of its time there).
    let rows: Vec<(i64, String, i64, String, i64)> = sqlx::query_as(
        "WITH page AS (\
             SELECT DISTINCT ON (position) position, key, version, payload FROM changes \
             WHERE campaign_id = $1 AND position > $2 AND position <= $3 AND scope_key = ANY($4) \
             ORDER BY position LIMIT $5), \
         sized AS (\
             SELECT position, key, version, payload, count(*) OVER () AS fetched, \
                    sum(pg_column_size(payload)) OVER (ORDER BY position) - pg_column_size(payload) AS before \
             FROM page) \
         SELECT position, key, version, payload::text, fetched FROM sized WHERE before < $6 \
         ORDER BY position",
    )
    .bind(device.campaign)
    .bind(after)
    .bind(head)
    .bind(&keys)
    .bind(i64::from(limit))
    .bind(i64::try_from(PULL_BYTES).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    let fetched = rows
        .first()
        .map_or(0, |row| usize::try_from(row.4).unwrap_or(usize::MAX));
    // A page also stops at about PULL_BYTES of rows: with thousands of
    // laptops pulling at once, what waits in the registry's memory for slow
    // connections is bounded by that, not by the page length.
    let mut changes = Vec::with_capacity(rows.len());
    let mut bytes = 0;
    let full = fetched == usize::try_from(limit).unwrap_or(usize::MAX);
    let mut cut = rows.len() < fetched;
    for (position, key, version, payload, _) in rows {
        if bytes >= PULL_BYTES {
            cut = true;
            break;
        }
        bytes += payload.len() + key.len();
        let row: FeedRow = serde_json::from_str(&payload).map_err(|error| {
            tracing::error!(%error, position, "a stored change cannot be read");
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Unavailable,
                format!(
                    "the registry cannot read its change {position}; tell the campaign's admin"
                ),
            )
        })?;
        changes.push(Change {
            position,
            key,
            version,
            row,
        });
    }
    let partial = full || cut;
    let checkpoint = match (partial, changes.last()) {
        (true, Some(change)) => change.position,
        _ => head,
    };
    Ok(PullResponse {
        changes,
        checkpoint,
        complete: !partial,
    })
}
