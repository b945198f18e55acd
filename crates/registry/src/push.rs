//! Push: a device's outbox applied exactly once, in its order, under the
//! merge rules of `field-office.md` (see `docs/sync-protocol.md`, "Push").
//!
//! One push is one PostgreSQL transaction that locks the device's row: a
//! retry of a push whose answer was lost finds every mutation already
//! applied and gets the results stored the first time.

use crate::error::{is_data_error, ApiError};
use crate::feed;
use crate::identity::Device;
use crate::merge::{self, Decision};
use axum::http::StatusCode;
use groundgame_domain::mutation::DecodeError;
use groundgame_domain::wire::ErrorCode;
use groundgame_domain::wire::{
    PushMutation, PushOutcome, PushRequest, PushResponse, PushResult, PUSH_LIMIT,
};
use groundgame_domain::{Hlc, Mutation};
use sqlx::{PgConnection, PgPool};
use std::collections::HashSet;

/// How far ahead of the registry's clock a device's clock may run (the sync
/// brief allows laptops up to twelve hours off); a clock further ahead is
/// taken as this far ahead.
pub const ALLOWED_SKEW_MS: u64 = 12 * 60 * 60 * 1000;

/// One pushed mutation, read before anything runs: its clock as the
/// registry accepts it, and its typed form or why it cannot be read.
struct Prepared<'a> {
    wire: &'a PushMutation,
    hlc: String,
    mutation: Result<Mutation, DecodeError>,
}

/// Applies a push and answers every mutation in it.
pub async fn push(
    pool: &PgPool,
    device: &Device,
    request: PushRequest,
) -> Result<PushResponse, ApiError> {
    let prepared = prepare(&request.mutations, now_ms())?;
    // First without a savepoint per mutation (two round trips each fewer);
    // if the database refuses one's data, that attempt is rolled back whole
    // and the push is applied again with savepoints, so the one is rejected
    // alone. Any other database error fails the whole push with 503: the
    // device keeps its outbox and sends it again.
    match attempt(pool, device, &prepared, false).await {
        Err(Attempt::NeedsSavepoints) => match attempt(pool, device, &prepared, true).await {
            Ok(response) => Ok(response),
            Err(Attempt::Failed(error)) => Err(error),
            Err(Attempt::NeedsSavepoints) => Err(ApiError::unavailable(
                "the registry could not apply this push; nothing was changed, try again shortly",
            )),
        },
        Err(Attempt::Failed(error)) => Err(error),
        Ok(response) => Ok(response),
    }
}

enum Attempt {
    /// A mutation's data was refused outside a savepoint.
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
    request: &[Prepared<'_>],
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

    let mut results = Vec::with_capacity(request.len());
    let mut stored = Vec::with_capacity(request.len());
    let mut changes = Vec::new();
    let mut applied_through = last_seq;
    let mut clock = Hlc::default();
    for prepared in request {
        let mutation = prepared.wire;
        if let Some(hlc) = Hlc::decode(&prepared.hlc) {
            clock = clock.max(hlc);
        }
        if mutation.seq <= last_seq {
            results.push(stored_result(&mut tx, device, mutation).await?);
            continue;
        }
        if mutation.seq != applied_through + 1 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::SequenceGap,
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
            hlc: &prepared.hlc,
            mutation_id: &mutation.mutation_id,
        };
        let decision = if savepoints {
            // One whose data the database refuses (a constraint) is
            // rejected on its own and the rest of the push still applies.
            let mut savepoint = sqlx::Connection::begin(&mut *tx)
                .await
                .map_err(ApiError::database)?;
            match decide(&mut savepoint, &context, &prepared.mutation).await {
                Ok(decision) => {
                    savepoint.commit().await.map_err(ApiError::database)?;
                    decision
                }
                Err(error) if is_data_error(&error) => {
                    savepoint.rollback().await.map_err(ApiError::database)?;
                    Decision::rejected(format!(
                        "the registry could not store this {}: {error}",
                        mutation.kind
                    ))
                }
                Err(error) => return Err(ApiError::database(error).into()),
            }
        } else {
            match decide(&mut tx, &context, &prepared.mutation).await {
                Ok(decision) => decision,
                Err(error) if is_data_error(&error) => return Err(Attempt::NeedsSavepoints),
                Err(error) => return Err(ApiError::database(error).into()),
            }
        };
        stored.push(Stored {
            seq: mutation.seq,
            mutation_id: mutation.mutation_id.clone(),
            kind: mutation.kind.clone(),
            version: i32::try_from(mutation.version).unwrap_or(i32::MAX),
            hlc: prepared.hlc.clone(),
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

/// What becomes of one new mutation: one that cannot be read, or that the
/// device's role may not send, is rejected; a revoked device's work is kept
/// for a coordinator instead of applied; the rest go to their merge rule.
async fn decide(
    conn: &mut PgConnection,
    context: &merge::Context<'_>,
    mutation: &Result<Mutation, DecodeError>,
) -> Result<Decision, sqlx::Error> {
    let mutation = match mutation {
        Ok(mutation) => mutation,
        Err(error) => return Ok(Decision::rejected(format!("{error}; it was not applied"))),
    };
    let kind = mutation.mutation_kind();
    let role = context.device.role;
    if !kind.allowed(role) {
        return Ok(Decision::rejected(format!(
            "a {} device may not {}; ask the office's coordinator to do it",
            role.as_str(),
            kind.action()
        )));
    }
    if context.device.revoked {
        return merge::hold_after_revocation(conn, context, mutation).await;
    }
    merge::apply(conn, context, mutation).await
}
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Reads a push before anything runs: its shape, every mutation's clock
/// (clamped to the allowed skew) and typed form. A push that is not a run
/// of consecutive sequences, or carries a clock that is not one, is refused
/// whole, naming the field; so is one with a format this registry does not
/// know (the device keeps it and pushes it again once the registry is
/// updated). A mutation that cannot be read is rejected on its own.
fn prepare(mutations: &[PushMutation], now_ms: u64) -> Result<Vec<Prepared<'_>>, ApiError> {
    if mutations.len() > PUSH_LIMIT {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::TooLarge,
            format!(
                "a push carries at most {PUSH_LIMIT} mutations and this one has {}; send the outbox in batches",
                mutations.len()
            ),
        ));
    }
    let mut prepared = Vec::with_capacity(mutations.len());
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
        let Some(hlc) = Hlc::decode(&mutation.hlc) else {
            return Err(ApiError::malformed(format!(
                "mutations[{index}].hlc is {:?}; a clock is 15 digits, a dash and 10 digits \
                 (milliseconds and a counter)",
                mutation.hlc.chars().take(40).collect::<String>()
            )));
        };
        let decoded = Mutation::decode(&mutation.kind, mutation.version, &mutation.payload);
        if let Err(error @ DecodeError::UnknownFormat { .. }) = &decoded {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::UnknownFormat,
                format!("mutations[{index}]: {error}; nothing in this push was applied"),
            ));
        }
        prepared.push(Prepared {
            wire: mutation,
            hlc: hlc.clamped(now_ms, ALLOWED_SKEW_MS).encode(),
            mutation: decoded,
        });
    }
    Ok(prepared)
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
            ErrorCode::SequenceMismatch,
            format!(
                "this device's mutation {} was applied before as {mutation_id}, and now arrives as {}; \
                 the device's outbox was reset or copied from another device. Nothing in this push was applied",
                mutation.seq, mutation.mutation_id
            ),
        )),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::SequenceMismatch,
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

    const NOW: u64 = 1_764_590_400_000;

    fn mutation(seq: i64) -> PushMutation {
        PushMutation {
            seq,
            mutation_id: format!("m{seq}"),
            kind: "release_lease".into(),
            version: 1,
            hlc: Hlc {
                wall_ms: NOW,
                counter: 0,
            }
            .encode(),
            payload: serde_json::json!({"target": "phone:9195550100", "epoch": 1}),
        }
    }

    fn refusal(mutations: &[PushMutation]) -> (StatusCode, ErrorCode, String) {
        match prepare(mutations, NOW) {
            Ok(_) => panic!("accepted {mutations:?}"),
            Err(error) => (error.status, error.code, error.message),
        }
    }

    #[test]
    fn a_push_is_a_run_of_consecutive_sequences() {
        assert!(prepare(&[mutation(3), mutation(4), mutation(5)], NOW).is_ok());
        let (_, code, message) = refusal(&[mutation(3), mutation(5)]);
        assert_eq!(code, ErrorCode::Malformed);
        assert!(
            message.contains("mutations[1].seq is 5 after 3"),
            "{message}"
        );
        assert_eq!(refusal(&[mutation(0)]).1, ErrorCode::Malformed);
        let many: Vec<_> = (1..=501).map(mutation).collect();
        assert_eq!(refusal(&many).1, ErrorCode::TooLarge);
    }

    #[test]
    fn a_clock_that_is_not_one_is_refused_and_one_far_ahead_is_clamped() {
        let mut bad = mutation(1);
        bad.hlc = "soon".into();
        let (status, code, message) = refusal(&[mutation(1), {
            let mut next = bad.clone();
            next.seq = 2;
            next
        }]);
        assert_eq!(
            (status, code),
            (StatusCode::BAD_REQUEST, ErrorCode::Malformed)
        );
        assert!(
            message.contains("mutations[1].hlc is \"soon\""),
            "{message}"
        );

        let mut ahead = mutation(1);
        ahead.hlc = Hlc {
            wall_ms: NOW + 30 * 24 * 60 * 60 * 1000,
            counter: 4,
        }
        .encode();
        let prepared = prepare(std::slice::from_ref(&ahead), NOW).expect("prepared");
        assert_eq!(
            prepared[0].hlc,
            Hlc {
                wall_ms: NOW + ALLOWED_SKEW_MS,
                counter: 4
            }
            .encode(),
            "a month ahead counts as twelve hours ahead"
        );
        let honest = [mutation(1)];
        let honest = prepare(&honest, NOW).expect("prepared");
        assert_eq!(honest[0].hlc, mutation(1).hlc);
    }

    #[test]
    fn an_unknown_format_refuses_the_push_and_a_malformed_one_is_rejected_alone() {
        let mut newer = mutation(2);
        newer.version = 9;
        let (status, code, message) = refusal(&[mutation(1), newer]);
        assert_eq!(
            (status, code),
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::UnknownFormat)
        );
        assert!(message.contains("mutations[1]"), "{message}");

        let mut broken = mutation(2);
        broken.payload = serde_json::json!({"target": "phone:9195550100"});
        let pushed = [mutation(1), broken];
        let prepared = prepare(&pushed, NOW).expect("read");
        assert!(prepared[0].mutation.is_ok());
        let error = prepared[1].mutation.as_ref().expect_err("malformed");
        assert!(
            error.to_string().contains("missing field `epoch`"),
            "{error}"
        );
    }
}
