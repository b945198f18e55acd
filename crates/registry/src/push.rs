//! Push: a device's outbox applied exactly once, in its order, under the
//! merge rules of `field-office.md` (see `docs/sync-protocol.md`, "Push").
//!
//! One push is one PostgreSQL transaction that locks the device's row: a
//! retry of a push whose answer was lost finds every mutation already
//! applied and gets the results stored the first time.

use crate::error::ApiError;
use crate::feed;
use crate::identity::Device;
use crate::merge::{self, Decision};
use axum::http::StatusCode;
use groundgame_domain::wire::{
    PushMutation, PushOutcome, PushRequest, PushResponse, PushResult, PUSH_LIMIT,
};
use groundgame_domain::Hlc;
use sqlx::PgPool;
use std::collections::HashSet;

/// Applies a push and answers every mutation in it.
pub async fn push(
    pool: &PgPool,
    device: &Device,
    request: PushRequest,
) -> Result<PushResponse, ApiError> {
    check_shape(&request.mutations)?;
    // First without a savepoint per mutation (two round trips each fewer);
    // if the database refuses one, that attempt is rolled back whole and the
    // push is applied again with savepoints, so the one is rejected alone.
    match attempt(pool, device, &request, false).await {
        Err(Attempt::NeedsSavepoints) => match attempt(pool, device, &request, true).await {
            Ok(response) => Ok(response),
            Err(Attempt::Failed(error)) => Err(error),
            Err(Attempt::NeedsSavepoints) => Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "unavailable",
                "the registry could not apply this push; nothing was changed",
            )),
        },
        Err(Attempt::Failed(error)) => Err(error),
        Ok(response) => Ok(response),
    }
}

enum Attempt {
    /// A mutation hit a database error outside a savepoint.
    NeedsSavepoints,
    Failed(ApiError),
}

impl From<ApiError> for Attempt {
    fn from(error: ApiError) -> Self {
        Self::Failed(error)
    }
}

/// A result to store, gathered so they are written in one statement.
struct Stored {
    seq: i64,
    mutation_id: String,
    kind: String,
    version: i32,
    hlc: String,
    payload: String,
    result: &'static str,
    reason: Option<String>,
}

async fn attempt(
    pool: &PgPool,
    device: &Device,
    request: &PushRequest,
    savepoints: bool,
) -> Result<PushResponse, Attempt> {
    let mut tx = pool.begin().await.map_err(ApiError::database)?;
    let last_seq: i64 = sqlx::query_scalar(
        "SELECT last_seq FROM devices WHERE campaign_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(device.campaign)
    .bind(device.id)
    .fetch_one(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    let precincts: HashSet<String> = device
        .precincts(&mut *tx)
        .await
        .map_err(ApiError::database)?
        .into_iter()
        .collect();

    let mut results = Vec::with_capacity(request.mutations.len());
    let mut stored = Vec::with_capacity(request.mutations.len());
    let mut changes = Vec::new();
    let mut applied_through = last_seq;
    let mut clock = Hlc::default();
    for mutation in &request.mutations {
        if let Some(hlc) = Hlc::decode(&mutation.hlc) {
            clock = clock.max(hlc);
        }
        if mutation.seq <= last_seq {
            results.push(stored_result(&mut tx, device, mutation).await?);
            continue;
        }
        if mutation.seq != applied_through + 1 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "sequence_gap",
                format!(
                    "this device's mutation {} came before {}, the one the registry expects next; \
                     nothing in this push was applied. Push the outbox from {} in order",
                    mutation.seq,
                    applied_through + 1,
                    applied_through + 1
                ),
            )
            .into());
        }
        let context = merge::Context {
            device,
            precincts: &precincts,
            hlc: &mutation.hlc,
            mutation_id: &mutation.mutation_id,
        };
        let decision = if savepoints {
            // One the database refuses (a constraint) is rejected on its own
            // and the rest of the push still applies.
            let mut savepoint = sqlx::Connection::begin(&mut *tx)
                .await
                .map_err(ApiError::database)?;
            match merge::apply(&mut savepoint, &context, mutation).await {
                Ok(decision) => {
                    savepoint.commit().await.map_err(ApiError::database)?;
                    decision
                }
                Err(sqlx::Error::Database(error)) => {
                    savepoint.rollback().await.map_err(ApiError::database)?;
                    Decision::rejected(format!(
                        "the registry could not store this {}: {}",
                        mutation.kind,
                        error.message()
                    ))
                }
                Err(error) => return Err(ApiError::database(error).into()),
            }
        } else {
            match merge::apply(&mut tx, &context, mutation).await {
                Ok(decision) => decision,
                Err(sqlx::Error::Database(_)) => return Err(Attempt::NeedsSavepoints),
                Err(error) => return Err(ApiError::database(error).into()),
            }
        };
        stored.push(Stored {
            seq: mutation.seq,
            mutation_id: mutation.mutation_id.clone(),
            kind: mutation.kind.clone(),
            version: i32::try_from(mutation.version).unwrap_or(i32::MAX),
            hlc: mutation.hlc.clone(),
            // PostgreSQL's jsonb cannot hold a NUL character; the stored
            // copy shows it as U+FFFD, or the push could never be stored.
            payload: mutation.payload.to_string().replace("\\u0000", "\\ufffd"),
            result: decision.outcome.as_str(),
            reason: decision.reason.clone(),
        });
        changes.extend(decision.changes);
        results.push(PushResult {
            seq: mutation.seq,
            mutation_id: mutation.mutation_id.clone(),
            result: decision.outcome,
            first_result: None,
            reason: decision.reason,
        });
        applied_through = mutation.seq;
    }
    store_results(&mut tx, device, &stored).await?;
    sqlx::query(
        "UPDATE devices SET last_seq = $3, last_seen_at = now() WHERE campaign_id = $1 AND id = $2",
    )
    .bind(device.campaign)
    .bind(device.id)
    .bind(applied_through)
    .execute(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    feed::append(&mut tx, device.campaign, &changes)
        .await
        .map_err(ApiError::database)?;
    tx.commit().await.map_err(ApiError::database)?;
    Ok(PushResponse {
        results,
        last_applied_seq: applied_through,
        registry_hlc: clock.observe(clock, now_ms()).encode(),
    })
}

pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Refuses a push whose shape is wrong before anything is read.
fn check_shape(mutations: &[PushMutation]) -> Result<(), ApiError> {
    if mutations.len() > PUSH_LIMIT {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "a push carries at most {PUSH_LIMIT} mutations and this one has {}; send the outbox in batches",
                mutations.len()
            ),
        ));
    }
    for (index, mutation) in mutations.iter().enumerate() {
        if mutation.seq < 1 {
            return Err(ApiError::malformed(format!(
                "mutations[{index}].seq is {}; sequences start at 1",
                mutation.seq
            )));
        }
        if mutation.mutation_id.trim().is_empty() || mutation.mutation_id.len() > 64 {
            return Err(ApiError::malformed(format!(
                "mutations[{index}].mutation_id must be 1 to 64 characters (a UUID)"
            )));
        }
        if index > 0 && mutation.seq != mutations[index - 1].seq + 1 {
            return Err(ApiError::malformed(format!(
                "mutations[{index}].seq is {} after {}: a push is a run of consecutive sequences",
                mutation.seq,
                mutations[index - 1].seq
            )));
        }
    }
    Ok(())
}

/// A mutation the registry has applied before: the result it stored then.
async fn stored_result(
    tx: &mut sqlx::PgConnection,
    device: &Device,
    mutation: &PushMutation,
) -> Result<PushResult, ApiError> {
    let stored: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT mutation_id, result, reason FROM mutations \
         WHERE campaign_id = $1 AND device_id = $2 AND seq = $3",
    )
    .bind(device.campaign)
    .bind(device.id)
    .bind(mutation.seq)
    .fetch_optional(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    match stored {
        Some((mutation_id, result, reason)) if mutation_id == mutation.mutation_id => {
            Ok(PushResult {
                seq: mutation.seq,
                mutation_id,
                result: PushOutcome::Duplicate,
                first_result: PushOutcome::parse(&result),
                reason,
            })
        }
        Some((mutation_id, ..)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "sequence_mismatch",
            format!(
                "this device's mutation {} was applied before as {mutation_id}, and now arrives as {}; \
                 the device's outbox was reset or copied from another device. Nothing in this push was applied",
                mutation.seq, mutation.mutation_id
            ),
        )),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "sequence_mismatch",
            format!(
                "the registry has no record of this device's mutation {}; nothing in this push was applied",
                mutation.seq
            ),
        )),
    }
}

/// Every applied mutation's result, in one statement.
async fn store_results(
    tx: &mut sqlx::PgConnection,
    device: &Device,
    stored: &[Stored],
) -> Result<(), ApiError> {
    if stored.is_empty() {
        return Ok(());
    }
    let column = |pick: fn(&Stored) -> String| stored.iter().map(pick).collect::<Vec<_>>();
    sqlx::query(
        "INSERT INTO mutations (campaign_id, device_id, seq, mutation_id, kind, version, hlc, payload, result, reason) \
         SELECT $1, $2, s, m, k, v, h, p::jsonb, r, e \
         FROM unnest($3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[]) \
              AS t (s, m, k, v, h, p, r, e)",
    )
    .bind(device.campaign)
    .bind(device.id)
    .bind(stored.iter().map(|row| row.seq).collect::<Vec<_>>())
    .bind(column(|row| row.mutation_id.clone()))
    .bind(column(|row| row.kind.clone()))
    .bind(stored.iter().map(|row| row.version).collect::<Vec<_>>())
    .bind(column(|row| row.hlc.clone()))
    .bind(column(|row| row.payload.clone()))
    .bind(column(|row| row.result.to_owned()))
    .bind(stored.iter().map(|row| row.reason.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutation(seq: i64) -> PushMutation {
        PushMutation {
            seq,
            mutation_id: format!("m{seq}"),
            kind: "record_contact".into(),
            version: 1,
            hlc: String::new(),
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn a_push_is_a_run_of_consecutive_sequences() {
        assert!(check_shape(&[mutation(3), mutation(4), mutation(5)]).is_ok());
        let error = check_shape(&[mutation(3), mutation(5)]).expect_err("a hole");
        assert_eq!(error.code, "malformed");
        assert!(
            error.message.contains("mutations[1].seq is 5 after 3"),
            "{}",
            error.message
        );
        assert_eq!(
            check_shape(&[mutation(0)]).expect_err("zero").code,
            "malformed"
        );
        let many: Vec<_> = (1..=501).map(mutation).collect();
        assert_eq!(check_shape(&many).expect_err("too many").code, "too_large");
    }
}
