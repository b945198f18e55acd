//! The coordinator's review queue (`docs/sync-protocol.md`, "Review"): what
//! the merge rules would not decide alone, listed for the coordinators whose
//! office holds the voter, and decided by them in one transaction that puts
//! the outcome in the change feed like any push.
//!
//! A decision that changes campaign data goes through the same merge rule a
//! device's mutation would (a correction, a do-not-contact reversal, work
//! recorded outside an office), so the review path cannot drift from push.

use crate::error::ApiError;
use crate::feed::{self, NewChange};
use crate::identity::{self, Device};
use crate::merge::{self, Context, Decision};
use axum::http::StatusCode;
use groundgame_domain::feed::{FeedReviewDecision, FeedRow, FeedVoterStatus};
use groundgame_domain::mutation::{ContactRecord, DncReversal, VoterCorrection};
use groundgame_domain::mutation::{MutationKind, MUTATION_VERSION};
use groundgame_domain::review::{
    ReviewAction, ReviewDecision, ReviewItem, ReviewKind, ReviewList, ReviewResolution,
};
use groundgame_domain::wire::ErrorCode;
use groundgame_domain::wire::{PushOutcome, Role};
use groundgame_domain::{Hlc, Mutation};
use sqlx::{PgConnection, PgPool};
use std::collections::HashSet;
use uuid::Uuid;

/// Items per page at most.
pub const REVIEW_LIMIT: u32 = 200;

/// Whose items a device may see and decide.
enum Reviewer {
    /// A coordinator: items about voters in these precincts (their office).
    Office(HashSet<String>),
    /// An admin: every item in the campaign.
    Campaign,
}

impl Reviewer {
    async fn of(pool: &PgPool, device: &Device) -> Result<Self, ApiError> {
        match device.role {
            Role::Admin => Ok(Self::Campaign),
            Role::Coordinator => {
                let precincts = device.precincts(pool).await.map_err(ApiError::database)?;
                Ok(Self::Office(precincts.into_iter().collect()))
            }
            role => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::NotACoordinator,
                format!(
                    "this device is enrolled as a {}; only a coordinator's or an admin's device reviews the queue",
                    role.as_str()
                ),
            )),
        }
    }

    fn sees(&self, precinct: Option<&str>) -> bool {
        match self {
            Self::Campaign => true,
            Self::Office(precincts) => precinct.is_some_and(|code| precincts.contains(code)),
        }
    }

    /// The precincts a decision may touch: the office's, or for an admin the
    /// item's own.
    fn scope(&self, precinct: Option<&str>) -> HashSet<String> {
        match self {
            Self::Office(precincts) => precincts.clone(),
            Self::Campaign => precinct.map(str::to_owned).into_iter().collect(),
        }
    }

    fn precinct_filter(&self) -> Option<Vec<String>> {
        match self {
            Self::Campaign => None,
            Self::Office(precincts) => Some(precincts.iter().cloned().collect()),
        }
    }
}

type ItemRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    String,
    serde_json::Value,
    Option<String>,
    Option<String>,
);

/// Open items in the device's scope, oldest first, after `after` (an id).
pub async fn list(
    pool: &PgPool,
    device: &Device,
    after: i64,
    limit: u32,
) -> Result<ReviewList, ApiError> {
    if !(1..=REVIEW_LIMIT).contains(&limit) {
        return Err(ApiError::malformed(format!(
            "limit is {limit}; ask for 1 to {REVIEW_LIMIT} items at a time"
        )));
    }
    let reviewer = Reviewer::of(pool, device).await?;
    let filter = reviewer.precinct_filter();
    let rows: Vec<ItemRow> = sqlx::query_as(
        "SELECT r.id, r.kind, r.voter_id, r.precinct_code, d.name, o.name, \
                to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.reason, r.payload, \
                CASE WHEN v.voter_id IS NULL THEN NULL ELSE trim(v.first_name || ' ' || v.last_name) END, \
                r.mutation_kind \
         FROM review_queue r \
         JOIN devices d ON d.campaign_id = r.campaign_id AND d.id = r.device_id \
         JOIN offices o ON o.campaign_id = d.campaign_id AND o.id = d.office_id \
         LEFT JOIN voters v ON v.campaign_id = r.campaign_id AND v.voter_id = r.voter_id \
         WHERE r.campaign_id = $1 AND r.resolved_at IS NULL AND r.id > $2 \
           AND ($3::text[] IS NULL OR r.precinct_code = ANY($3)) \
         ORDER BY r.id LIMIT $4",
    )
    .bind(device.campaign)
    .bind(after)
    .bind(&filter)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(ApiError::database)?;
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM review_queue WHERE campaign_id = $1 AND resolved_at IS NULL \
           AND ($2::text[] IS NULL OR precinct_code = ANY($2))",
    )
    .bind(device.campaign)
    .bind(&filter)
    .fetch_one(pool)
    .await
    .map_err(ApiError::database)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.extend(item(pool, device.campaign, row).await?);
    }
    Ok(ReviewList {
        items,
        open: u64::try_from(open).unwrap_or_default(),
    })
}

/// An open item as a coordinator sees it; one of a kind this registry does
/// not know (written by a newer registry instance) is left out, and logged.
async fn item(pool: &PgPool, campaign: Uuid, row: ItemRow) -> Result<Option<ReviewItem>, ApiError> {
    let (
        id,
        stored,
        voter_id,
        precinct,
        device,
        office,
        created_at,
        reason,
        payload,
        voter_name,
        pushed,
    ) = row;
    let Some(kind) = ReviewKind::from_stored(&stored) else {
        tracing::warn!(
            id,
            stored,
            "a review item of a kind this registry does not know"
        );
        return Ok(None);
    };
    let summary = as_mutation(kind, &stored, pushed.as_deref(), &payload)
        .map(|mutation| mutation.summary())
        .unwrap_or_else(|| format!("{stored} (a payload this registry cannot read)"));
    let (mut field, mut current, mut proposed) = (None, None, None);
    if let (ReviewKind::Correction, Ok(correction)) = (
        kind,
        serde_json::from_value::<VoterCorrection>(payload.clone()),
    ) {
        current = current_value(pool, campaign, &correction).await?;
        field = Some(correction.field);
        proposed = Some(correction.value);
    }
    Ok(Some(ReviewItem {
        id,
        kind,
        voter_id,
        voter_name,
        precinct,
        device,
        office,
        created_at,
        reason,
        summary,
        field,
        current,
        proposed,
        actions: kind.actions().to_vec(),
    }))
}

/// The mutation an item holds, named by the kind the device pushed (kept
/// with the item since registry migration 0006; older items by their kind).
fn as_mutation(
    kind: ReviewKind,
    stored: &str,
    pushed: Option<&str>,
    payload: &serde_json::Value,
) -> Option<Mutation> {
    let pushed = match (pushed, kind) {
        (Some(pushed), _) => pushed,
        (None, ReviewKind::Correction) => MutationKind::CorrectVoterField.as_str(),
        (None, ReviewKind::Deceased | ReviewKind::Moved) => MutationKind::RecordContact.as_str(),
        (None, ReviewKind::AddedAtDoor) => MutationKind::AddVoter.as_str(),
        (None, ReviewKind::OutsideOffice) => stored,
        (None, ReviewKind::AfterRevocation) => return None,
    };
    Mutation::decode(pushed, MUTATION_VERSION, payload).ok()
}

async fn current_value(
    executor: impl sqlx::PgExecutor<'_>,
    campaign: Uuid,
    correction: &VoterCorrection,
) -> Result<Option<String>, ApiError> {
    // The column comes from the fixed list, never from the payload's text.
    let Some(column) = merge::IDENTITY_FIELDS
        .iter()
        .find(|name| **name == correction.field)
    else {
        return Ok(None);
    };
    sqlx::query_scalar(&format!(
        "SELECT {column} FROM voters WHERE campaign_id = $1 AND voter_id = $2"
    ))
    .bind(campaign)
    .bind(correction.voter_id.as_str())
    .fetch_optional(executor)
    .await
    .map_err(ApiError::database)
}

type Locked = (
    String,
    Option<String>,
    Option<String>,
    Uuid,
    String,
    serde_json::Value,
    Option<String>,
    Option<String>,
);

/// Decides one item: the outcome, the feed changes and the queue row are
/// committed together, or nothing is.
pub async fn resolve(
    pool: &PgPool,
    device: &Device,
    id: i64,
    decision: ReviewDecision,
) -> Result<ReviewResolution, ApiError> {
    let reviewer = Reviewer::of(pool, device).await?;
    let mut tx = pool.begin().await.map_err(ApiError::database)?;
    let locked: Option<Locked> = sqlx::query_as(
        "SELECT kind, voter_id, precinct_code, device_id, mutation_id, payload, resolution, \
                to_char(resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI \"UTC\"') \
         FROM review_queue WHERE campaign_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(device.campaign)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    let Some((
        stored,
        voter_id,
        precinct,
        recorded_by,
        mutation_id,
        payload,
        resolution,
        resolved_at,
    )) = locked
    else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("there is no review item {id} in this campaign"),
        ));
    };
    if !reviewer.sees(precinct.as_deref()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OutsideScope,
            format!(
                "review item {id} is about a voter in precinct {}, outside this coordinator's office; nothing was changed",
                precinct.as_deref().unwrap_or("(none)")
            ),
        ));
    }
    if let Some(resolution) = resolution {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::AlreadyResolved,
            format!(
                "review item {id} was already decided ({resolution}) at {}; nothing was changed",
                resolved_at.unwrap_or_default()
            ),
        ));
    }
    let Some(kind) = ReviewKind::from_stored(&stored) else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::CannotApply,
            format!(
                "review item {id} is of a kind this registry does not know ({stored:?}); \
                 decide it from an up-to-date registry. Nothing was changed"
            ),
        ));
    };
    let item = Item {
        id,
        stored,
        voter_id: voter_id.unwrap_or_default(),
        precinct,
        recorded_by,
        mutation_id,
        payload,
    };
    let hlc = Hlc::default().tick(crate::push::now_ms()).encode();
    let scope = reviewer.scope(item.precinct.as_deref());
    let reviewing = Reviewing {
        device,
        scope: &scope,
        hlc: &hlc,
        item: &item,
    };
    let (outcome, mut changes) = decide(&mut tx, &reviewing, kind, decision.action).await?;
    let data_changes = changes.len();
    changes.push(notice(&mut tx, device.campaign, &item, decision.action, &outcome).await?);
    sqlx::query(
        "UPDATE review_queue SET resolved_at = now(), resolution = $3, resolved_by = $4, resolution_note = $5 \
         WHERE campaign_id = $1 AND id = $2",
    )
    .bind(device.campaign)
    .bind(id)
    .bind(decision.action.slug())
    .bind(device.id)
    .bind(decision.note.as_deref().map(str::trim).filter(|note| !note.is_empty()))
    .execute(&mut *tx)
    .await
    .map_err(ApiError::database)?;
    identity::audit(
        &mut *tx,
        device.campaign,
        &device.id.to_string(),
        "review.resolve",
        &format!(
            "item {id} ({}): {}: {outcome}",
            kind.label(),
            decision.action.slug()
        ),
    )
    .await
    .map_err(ApiError::database)?;
    // Last, so the sequencer's row is held only to commit.
    feed::append(&mut tx, device.campaign, &changes)
        .await
        .map_err(ApiError::database)?;
    tx.commit().await.map_err(ApiError::database)?;
    Ok(ReviewResolution {
        id,
        action: decision.action,
        outcome,
        changes: u32::try_from(data_changes).unwrap_or(u32::MAX),
    })
}

/// Tells the device that sent the change what became of it, in its own
/// office's part of the feed (an item outside its office is about a voter it
/// cannot see).
async fn notice(
    conn: &mut PgConnection,
    campaign: Uuid,
    item: &Item,
    action: ReviewAction,
    outcome: &str,
) -> Result<NewChange, ApiError> {
    let precincts: Vec<String> = sqlx::query_scalar(
        "SELECT p.precinct_code FROM devices d JOIN office_precincts p \
           ON p.campaign_id = d.campaign_id AND p.office_id = d.office_id \
         WHERE d.campaign_id = $1 AND d.id = $2",
    )
    .bind(campaign)
    .bind(item.recorded_by)
    .fetch_all(&mut *conn)
    .await
    .map_err(ApiError::database)?;
    Ok(NewChange::in_precincts(
        precincts,
        format!("review:{}", item.id),
        FeedRow::ReviewDecision(FeedReviewDecision {
            mutation_id: item.mutation_id.clone(),
            action: action.slug().to_owned(),
            outcome: outcome.to_owned(),
            decided_at: jiff::Timestamp::now().to_string(),
        }),
    ))
}

struct Item {
    id: i64,
    stored: String,
    voter_id: String,
    precinct: Option<String>,
    recorded_by: Uuid,
    mutation_id: String,
    payload: serde_json::Value,
}

struct Reviewing<'a> {
    device: &'a Device,
    scope: &'a HashSet<String>,
    hlc: &'a str,
    item: &'a Item,
}

impl Reviewing<'_> {
    /// The coordinator's device applying a rule of its own making.
    fn context<'c>(&'c self, mutation_id: &'c str) -> Context<'c> {
        Context {
            device: self.device,
            precincts: self.scope,
            hlc: self.hlc,
            mutation_id,
        }
    }
}

async fn decide(
    conn: &mut PgConnection,
    reviewing: &Reviewing<'_>,
    kind: ReviewKind,
    action: ReviewAction,
) -> Result<(String, Vec<NewChange>), ApiError> {
    let item = reviewing.item;
    let voter = &item.voter_id;
    let mutation_id = format!("review:{}", item.id);
    match (kind, action) {
        (ReviewKind::Correction, ReviewAction::Accept) => {
            let mut correction: VoterCorrection = read(item)?;
            let version: Option<i64> = sqlx::query_scalar(
                "SELECT version FROM voters WHERE campaign_id = $1 AND voter_id = $2",
            )
            .bind(reviewing.device.campaign)
            .bind(voter)
            .fetch_optional(&mut *conn)
            .await
            .map_err(ApiError::database)?;
            let version = version.ok_or_else(|| gone(item))?;
            // Made the coordinator's own edit of the voter as it is now.
            correction.correction_id = mutation_id.clone();
            correction.base_version = version;
            let (field, value) = (correction.field.clone(), correction.value.clone());
            let decision =
                merge::correct_voter_field(conn, &reviewing.context(&mutation_id), correction)
                    .await
                    .map_err(ApiError::database)?
                    .unwrap_or_else(|refused| refused);
            let changes = applied(decision, item)?;
            Ok((format!("{voter}'s {field} is now {value:?}"), changes))
        }
        (ReviewKind::Correction, ReviewAction::Keep) => {
            let correction: VoterCorrection = read(item)?;
            let current = current_value(&mut *conn, reviewing.device.campaign, &correction)
                .await?
                .unwrap_or_default();
            Ok((
                format!("{voter}'s {} stays {current:?}", correction.field),
                Vec::new(),
            ))
        }
        (
            ReviewKind::Deceased | ReviewKind::Moved,
            ReviewAction::Confirm | ReviewAction::Reject,
        ) => {
            let holds = action == ReviewAction::Confirm;
            let status = if kind == ReviewKind::Deceased {
                Status::Deceased
            } else {
                Status::Moved
            };
            let mut changes = vec![set_status(conn, reviewing, status, holds).await?];
            if kind == ReviewKind::Deceased && !holds {
                changes.extend(lift_deceased_opt_out(conn, reviewing).await?);
            }
            let outcome = match (kind, holds) {
                (ReviewKind::Deceased, true) => format!(
                    "{voter} is marked deceased on the registry and no laptop will list them"
                ),
                (ReviewKind::Deceased, false) => format!(
                    "{voter} is not deceased: listed again, and the opt-out the report made is lifted"
                ),
                (_, true) => format!("{voter} moved: marked so on the registry and every laptop"),
                (_, false) => format!("{voter} has not moved: listed again at their address"),
            };
            Ok((outcome, changes))
        }
        (ReviewKind::AddedAtDoor, ReviewAction::Confirm) => Ok((
            format!("{voter} stays in the voter file as added at the door"),
            Vec::new(),
        )),
        (ReviewKind::AddedAtDoor, ReviewAction::Remove) => Ok((
            format!(
                "{voter} is removed from every laptop; their contact history stays on the registry"
            ),
            vec![set_status(conn, reviewing, Status::Removed, true).await?],
        )),
        (ReviewKind::OutsideOffice | ReviewKind::AfterRevocation, ReviewAction::Apply) => {
            apply_held_work(conn, reviewing).await
        }
        (ReviewKind::OutsideOffice | ReviewKind::AfterRevocation, ReviewAction::Discard) => Ok((
            "left unapplied; the record stays on the registry".to_owned(),
            Vec::new(),
        )),
        // Before anything is read or written: a decision that does not fit.
        (kind, action) => Err(ApiError::malformed(format!(
            "{:?} does not apply to a \"{}\" item; its decisions are {}",
            action.slug(),
            kind.label(),
            kind.actions()
                .iter()
                .map(|action| action.slug())
                .collect::<Vec<_>>()
                .join(" and ")
        ))),
    }
}

/// The states a coordinator's decision sets on a voter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Deceased,
    Moved,
    Removed,
}

/// Sets one of the voter's confirmed states and says so in the feed with
/// the voter's whole state, so every laptop ends as the registry is.
async fn set_status(
    conn: &mut PgConnection,
    reviewing: &Reviewing<'_>,
    status: Status,
    value: bool,
) -> Result<NewChange, ApiError> {
    let item = reviewing.item;
    let assignment = match status {
        Status::Deceased => "deceased = $3",
        Status::Moved => "moved = $3",
        Status::Removed => "removed_at = CASE WHEN $3 THEN coalesce(removed_at, now()) END",
    };
    // Scope is checked again as the decision applies: the voter may have
    // moved to another office's precinct since the item was listed, and only
    // a person added at a door is ever removed.
    let found: Option<(Option<String>, String)> = sqlx::query_as(
        "SELECT precinct_code, source FROM voters WHERE campaign_id = $1 AND voter_id = $2 FOR UPDATE",
    )
    .bind(reviewing.device.campaign)
    .bind(&item.voter_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(ApiError::database)?;
    let (now_in, source) = found.ok_or_else(|| gone(item))?;
    if !now_in
        .as_deref()
        .is_some_and(|code| reviewing.scope.contains(code))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::OutsideScope,
            format!(
                "voter {} of review item {} is now in precinct {}, outside this coordinator's office; nothing was changed",
                item.voter_id,
                item.id,
                now_in.as_deref().unwrap_or("(none)")
            ),
        ));
    }
    if status == Status::Removed && source != "door" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::CannotApply,
            format!(
                "voter {} of review item {} is in the state's voter file, not added at a door; only people added at a door are removed. Nothing was changed",
                item.voter_id, item.id
            ),
        ));
    }
    let row: Option<(i64, bool, bool, bool, Option<String>)> = sqlx::query_as(&format!(
        "UPDATE voters SET {assignment}, version = version + 1, updated_at = now() \
         WHERE campaign_id = $1 AND voter_id = $2 \
         RETURNING version, deceased, moved, removed_at IS NOT NULL, precinct_code"
    ))
    .bind(reviewing.device.campaign)
    .bind(&item.voter_id)
    .bind(value)
    .fetch_optional(&mut *conn)
    .await
    .map_err(ApiError::database)?;
    let (version, deceased, moved, removed, precinct) = row.ok_or_else(|| gone(item))?;
    Ok(NewChange::in_precinct(
        precinct.as_deref(),
        format!("{}:status", item.voter_id),
        FeedRow::VoterStatus(FeedVoterStatus {
            voter_id: item.voter_id.clone(),
            deceased,
            moved,
            removed,
            version,
        }),
    )
    .with_version(version))
}

/// A death reported in error: the person-wide opt-out the report made on
/// the recording device is reversed (a reversal is its own entry).
async fn lift_deceased_opt_out(
    conn: &mut PgConnection,
    reviewing: &Reviewing<'_>,
) -> Result<Vec<NewChange>, ApiError> {
    let item = reviewing.item;
    let report: ContactRecord = read(item)?;
    let entries: Vec<String> = sqlx::query_scalar(
        "SELECT d.id FROM dnc_entries d WHERE d.campaign_id = $1 AND d.scope = 'person' AND d.target = $2 \
           AND d.source = 'result:deceased' AND d.device_id = $3 AND d.recorded_at = $4 AND d.reverses IS NULL \
           AND NOT EXISTS (SELECT 1 FROM dnc_entries r WHERE r.campaign_id = d.campaign_id AND r.reverses = d.id) \
         ORDER BY d.id",
    )
    .bind(reviewing.device.campaign)
    .bind(&item.voter_id)
    .bind(item.recorded_by)
    .bind(&report.recorded_at)
    .fetch_all(&mut *conn)
    .await
    .map_err(ApiError::database)?;
    let mut changes = Vec::new();
    for entry_id in entries {
        let reversal = DncReversal {
            reversal_id: Uuid::now_v7().to_string(),
            entry_id,
            source: format!("review:{}:not-deceased", item.id),
            recorded_at: jiff::Timestamp::now().to_string(),
        };
        let mutation_id = format!("review:{}", item.id);
        let decision = merge::reverse_dnc(conn, &reviewing.context(&mutation_id), reversal)
            .await
            .map_err(ApiError::database)?
            .unwrap_or_else(|refused| refused);
        changes.extend(applied(decision, item)?);
    }
    Ok(changes)
}

/// Work held for review (recorded on a voter outside the recording device's
/// office, or pushed after the device was revoked), applied now under the
/// rule it was pushed for, as that device, within the reviewer's office.
async fn apply_held_work(
    conn: &mut PgConnection,
    reviewing: &Reviewing<'_>,
) -> Result<(String, Vec<NewChange>), ApiError> {
    let item = reviewing.item;
    let recorded: Option<(Uuid, String, bool, String, String, i32)> = sqlx::query_as(
        "SELECT d.office_id, d.role, d.revoked_at IS NOT NULL, m.hlc, m.kind, m.version FROM devices d \
         JOIN mutations m ON m.campaign_id = d.campaign_id AND m.device_id = d.id AND m.mutation_id = $3 \
         WHERE d.campaign_id = $1 AND d.id = $2",
    )
    .bind(reviewing.device.campaign)
    .bind(item.recorded_by)
    .bind(&item.mutation_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(ApiError::database)?;
    let Some((office, role, revoked, hlc, pushed, version)) = recorded else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::CannotApply,
            format!(
                "review item {} no longer has the push it came from on the registry; discard it",
                item.id
            ),
        ));
    };
    let role = Role::parse(&role).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::CannotApply,
            format!(
                "the device that recorded review item {} has a role this registry does not know ({role:?})",
                item.id
            ),
        )
    })?;
    let recorder = Device {
        campaign: reviewing.device.campaign,
        id: item.recorded_by,
        office,
        role,
        revoked,
    };
    // The handler for the format it was pushed in.
    let version = u32::try_from(version).unwrap_or(0);
    let mutation = Mutation::decode(&pushed, version, &item.payload).map_err(|error| {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::CannotApply,
            format!(
                "review item {} cannot be applied: {error}; discard it",
                item.id
            ),
        )
    })?;
    let context = Context {
        device: &recorder,
        precincts: reviewing.scope,
        hlc: &hlc,
        mutation_id: &item.mutation_id,
    };
    let decision = merge::apply(conn, &context, &mutation)
        .await
        .map_err(ApiError::database)?;
    let changes = applied(decision, item)?;
    Ok((format!("applied: {}", mutation.summary()), changes))
}

/// The changes of a decision that took; anything else leaves the whole
/// review undone (the transaction is dropped) and says why.
fn applied(decision: Decision, item: &Item) -> Result<Vec<NewChange>, ApiError> {
    match decision.outcome {
        PushOutcome::Applied | PushOutcome::Duplicate => Ok(decision.changes),
        PushOutcome::Rejected | PushOutcome::Conflict => Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::CannotApply,
            format!(
                "review item {} cannot be applied: {}; nothing was changed",
                item.id,
                decision.reason.unwrap_or_default()
            ),
        )),
    }
}

fn read<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T, ApiError> {
    serde_json::from_value(item.payload.clone()).map_err(|error| {
        ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::CannotApply,
            format!(
                "review item {} holds a {} this registry cannot read ({error}); discard it",
                item.id, item.stored
            ),
        )
    })
}

fn gone(item: &Item) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::CannotApply,
        format!(
            "voter {} of review item {} is no longer in the campaign's voter file",
            item.voter_id, item.id
        ),
    )
}
