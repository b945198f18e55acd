//! The merge rule of each kind of mutation (`field-office.md`; the table in
//! `docs/sync-protocol.md`). Each handler checks the mutation against the
//! device's scope, applies what the rule says, and names the feed changes
//! that tell the office's devices.

use crate::feed::NewChange;
use crate::identity::Device;
use groundgame_domain::contact::Effect;
use groundgame_domain::feed::{
    FeedContact, FeedDnc, FeedPhoneStatus, FeedRow, FeedVoter, FeedVoterField,
};
use groundgame_domain::lease::LeaseTarget;
use groundgame_domain::mutation::MutationKind;
use groundgame_domain::mutation::{
    AddedVoter, CallbackRecord, ContactRecord, DncRecord, DncReversal, LeaseRelease,
    VoterCorrection,
};
use groundgame_domain::quality::{attempt_flags, LeaseStanding};
use groundgame_domain::wire::PushOutcome;
use groundgame_domain::DncChannel;
use groundgame_domain::{Hlc, Mutation, Scope};
use sqlx::PgConnection;
use std::collections::HashSet;

/// Fields a device may correct, and which of them say who a voter is (a
/// concurrent edit of those goes to review; the rest take the later write).
const SOFT_FIELDS: &[&str] = &["language", "best_time"];
pub(crate) const IDENTITY_FIELDS: &[&str] = &["first_name", "middle_name", "last_name", "suffix"];

pub struct Context<'a> {
    pub device: &'a Device,
    pub precincts: &'a HashSet<String>,
    pub hlc: &'a str,
    pub mutation_id: &'a str,
}

/// What became of one mutation.
#[derive(Debug)]
pub struct Decision {
    pub outcome: PushOutcome,
    pub reason: Option<String>,
    pub changes: Vec<NewChange>,
}

impl Decision {
    pub(crate) fn applied(changes: Vec<NewChange>) -> Self {
        Self {
            outcome: PushOutcome::Applied,
            reason: None,
            changes,
        }
    }

    pub fn rejected(reason: impl Into<String>) -> Self {
        Self {
            outcome: PushOutcome::Rejected,
            reason: Some(reason.into()),
            changes: Vec::new(),
        }
    }

    fn conflict(reason: impl Into<String>, changes: Vec<NewChange>) -> Self {
        Self {
            outcome: PushOutcome::Conflict,
            reason: Some(reason.into()),
            changes,
        }
    }
}

/// A rule's early answer: the mutation is rejected for this reason.
pub(crate) type Checked<T> = Result<T, Decision>;

/// Applies a decoded mutation under its kind's rule. Every kind has its
/// arm: a new kind does not compile until it has a rule.
pub async fn apply(
    conn: &mut PgConnection,
    context: &Context<'_>,
    mutation: &Mutation,
) -> Result<Decision, sqlx::Error> {
    let outcome = match mutation.clone() {
        Mutation::RecordContact(record) => record_contact(conn, context, record).await?,
        Mutation::AddDnc(record) => add_dnc(conn, context, record).await?,
        Mutation::ReverseDnc(record) => reverse_dnc(conn, context, record).await?,
        Mutation::CorrectVoterField(record) => correct_voter_field(conn, context, record).await?,
        Mutation::AddVoter(record) => add_voter(conn, context, record).await?,
        Mutation::ScheduleCallback(record) => schedule_callback(conn, context, record).await?,
        Mutation::ReleaseLease(record) => release_lease(conn, context, record).await?,
        Mutation::SaveSegment(record) => crate::work::save_segment(conn, context, record).await?,
        Mutation::CreateCallList(record) => {
            crate::work::create_call_list(conn, context, record).await?
        }
        Mutation::AddCallItems(record) => {
            crate::work::add_call_items(conn, context, record).await?
        }
        Mutation::CreateTurf(record) => crate::work::create_turf(conn, context, record).await?,
        Mutation::SetWorkState(record) => {
            crate::work::set_work_state(conn, context, record).await?
        }
        Mutation::SaveQuestion(record) => {
            crate::survey::save_question(conn, context, record).await?
        }
        Mutation::SaveScript(record) => crate::survey::save_script(conn, context, record).await?,
        Mutation::SaveVolunteer(record) => {
            crate::survey::save_volunteer(conn, context, record).await?
        }
        Mutation::SetUpWork(record) => crate::survey::set_up_work(conn, context, record).await?,
        Mutation::SetGoals(record) => crate::survey::set_goals(conn, context, record).await?,
        Mutation::DecideBatch(record) => crate::survey::decide_batch(conn, context, record).await?,
    };
    Ok(outcome.unwrap_or_else(|decision| decision))
}

/// The open review items one device may have created; past it, what it
/// sends for review is refused, so one device (a stolen laptop, a broken
/// one) cannot bury an office's coordinators. An honest laptop's worth of
/// knocks in a re-cut office is a few hundred.
pub const REVIEW_OPEN_PER_DEVICE: i64 = 1_000;

/// A revoked device's work is kept but not applied: it waits in review for
/// a coordinator of the office to apply or discard (the laptop may have been
/// stolen). Its leases ended with the revocation, so a release has nothing
/// left to do.
pub async fn hold_after_revocation(
    conn: &mut PgConnection,
    context: &Context<'_>,
    mutation: &Mutation,
) -> Result<Decision, sqlx::Error> {
    if let Mutation::ReleaseLease(_) = mutation {
        return Ok(Decision {
            outcome: PushOutcome::Applied,
            reason: Some("this device was revoked; its leases ended with it".into()),
            changes: Vec::new(),
        });
    }
    let voter_id = mutation.voter_id().map(|id| id.as_str().to_owned());
    // The item is the office's: under the voter's precinct when that is the
    // office's, else under the office's first precinct.
    let voter_precinct: Option<String> = match &voter_id {
        Some(voter_id) => sqlx::query_scalar(
            "SELECT precinct_code FROM voters WHERE campaign_id = $1 AND voter_id = $2",
        )
        .bind(context.device.campaign)
        .bind(voter_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten(),
        None => None,
    };
    let precinct = voter_precinct
        .filter(|code| context.precincts.contains(code))
        .or_else(|| context.precincts.iter().min().cloned());
    let reason = format!(
        "this device was revoked: its {} waits for a coordinator to apply or discard",
        mutation.mutation_kind()
    );
    let queued = review(
        conn,
        context,
        REVIEW_AFTER_REVOCATION,
        mutation.mutation_kind(),
        voter_id.as_deref(),
        precinct.as_deref(),
        &payload_of(mutation),
        &reason,
    )
    .await?;
    Ok(match queued {
        Queued::Yes => Decision::conflict(reason, Vec::new()),
        Queued::Full => Decision::rejected(queue_full(mutation.kind())),
    })
}

/// The stored kind of a revoked device's held work.
pub const REVIEW_AFTER_REVOCATION: &str = "after_revocation";

/// The payload as the device sent it, without the kind tag (the review
/// queue stores payloads as pushed).
fn payload_of(mutation: &Mutation) -> serde_json::Value {
    let mut value = serde_json::to_value(mutation).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("kind");
    }
    value
}

fn queue_full(kind: &str) -> String {
    format!(
        "this {kind} needs a coordinator's review, but this device already has \
         {REVIEW_OPEN_PER_DEVICE} items waiting in the review queue; it was not kept. \
         Ask the office's coordinator to work through the queue"
    )
}

/// The voter's precinct, if the voter is in the campaign's file and in the
/// device's scope.
async fn voter_in_scope(
    conn: &mut PgConnection,
    context: &Context<'_>,
    voter_id: &str,
    payload: &impl serde::Serialize,
    kind: MutationKind,
) -> Result<Checked<Option<String>>, sqlx::Error> {
    let found: Option<(Option<String>,)> =
        sqlx::query_as("SELECT precinct_code FROM voters WHERE campaign_id = $1 AND voter_id = $2")
            .bind(context.device.campaign)
            .bind(voter_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((precinct,)) = found else {
        return Ok(Err(Decision::rejected(format!(
            "voter {voter_id} is not in the campaign's voter file; the registry's file may be older than this laptop's"
        ))));
    };
    if !precinct
        .as_deref()
        .is_some_and(|code| context.precincts.contains(code))
    {
        return out_of_scope(conn, context, voter_id, precinct, payload, kind)
            .await
            .map(Err);
    }
    Ok(Ok(precinct))
}

/// Nothing of an out-of-scope mutation touches campaign data; its payload
/// waits in the review queue for a coordinator (usually an office re-cut
/// while a canvasser was offline: the door was still knocked).
async fn out_of_scope(
    conn: &mut PgConnection,
    context: &Context<'_>,
    voter_id: &str,
    precinct: Option<String>,
    payload: &impl serde::Serialize,
    kind: MutationKind,
) -> Result<Decision, sqlx::Error> {
    let reason = format!(
        "voter {voter_id} is in precinct {}, outside this device's office; a coordinator will review it",
        precinct.as_deref().unwrap_or("(none)")
    );
    let queued = review(
        conn,
        context,
        kind.as_str(),
        kind,
        Some(voter_id),
        precinct.as_deref(),
        payload,
        &reason,
    )
    .await?;
    Ok(Decision::rejected(match queued {
        Queued::Yes => reason,
        Queued::Full => queue_full(kind.as_str()),
    }))
}

/// Whether an item went into the review queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
enum Queued {
    Yes,
    /// The device has `REVIEW_OPEN_PER_DEVICE` open items already.
    Full,
}

#[allow(clippy::too_many_arguments)]
async fn review(
    conn: &mut PgConnection,
    context: &Context<'_>,
    kind: &str,
    pushed: MutationKind,
    voter_id: Option<&str>,
    precinct: Option<&str>,
    payload: &impl serde::Serialize,
    reason: &str,
) -> Result<Queued, sqlx::Error> {
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM review_queue \
         WHERE campaign_id = $1 AND device_id = $2 AND resolved_at IS NULL",
    )
    .bind(context.device.campaign)
    .bind(context.device.id)
    .fetch_one(&mut *conn)
    .await?;
    if open >= REVIEW_OPEN_PER_DEVICE {
        tracing::warn!(device = %context.device.id, open, kind, "review queue full for this device");
        return Ok(Queued::Full);
    }
    sqlx::query(
        "INSERT INTO review_queue (campaign_id, kind, voter_id, precinct_code, device_id, mutation_id, payload, reason, mutation_kind) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(context.device.campaign)
    .bind(kind)
    .bind(voter_id)
    .bind(precinct)
    .bind(context.device.id)
    .bind(context.mutation_id)
    .bind(sqlx::types::Json(payload))
    .bind(reason)
    .bind(pushed.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(Queued::Yes)
}

/// A contact attempt is a fact: it never conflicts. Its consequences for
/// phones are applied here; moved and deceased wait for a coordinator.
async fn record_contact(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: ContactRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    let code = match record.check() {
        Ok(code) => code,
        Err(reason) => return Ok(Err(Decision::rejected(reason))),
    };
    let precinct = match voter_in_scope(
        conn,
        context,
        record.voter_id.as_str(),
        &record,
        MutationKind::RecordContact,
    )
    .await?
    {
        Ok(precinct) => precinct,
        Err(decision) => return Ok(Err(decision)),
    };
    if let Err(decision) = crate::survey::check_contact(conn, context, &record).await? {
        return Ok(Err(decision));
    }
    let voter_id = record.voter_id.as_str().to_owned();
    // The call happened, so the result is kept either way; a coordinator
    // sees the ones that may have doubled up with another caller.
    let campaign = context.device.campaign;
    let lease = match (&record.lease, record.phone.as_deref(), record.channel) {
        (Some(lease), ..) => {
            let held = crate::leases::holds(
                conn,
                campaign,
                context.device.id,
                lease.target.as_str(),
                lease.epoch,
            )
            .await?;
            if held {
                LeaseStanding::Held
            } else {
                LeaseStanding::Lapsed
            }
        }
        (None, Some(phone), groundgame_domain::Channel::Phone) => {
            let target = LeaseTarget::phone(phone);
            let taken =
                crate::leases::held_by_another(conn, campaign, context.device.id, target.as_str())
                    .await?;
            if taken {
                LeaseStanding::HeldByAnother
            } else {
                LeaseStanding::Free
            }
        }
        _ => LeaseStanding::Free,
    };
    let flags = attempt_flags(context.device.revoked, lease);
    let stored_flags: Vec<&str> = flags.iter().map(|flag| flag.as_str()).collect();
    let answers = serde_json::to_value(&record.answers).unwrap_or_default();
    let inserted = sqlx::query(
        "INSERT INTO contact_attempts (campaign_id, id, voter_id, precinct_code, channel, result, phone, \
         call_list, turf, volunteer, note, answers, recorded_at, hlc, device_id, flags) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (campaign_id, id) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&record.attempt_id)
    .bind(&voter_id)
    .bind(&precinct)
    .bind(record.channel.slug())
    .bind(code.slug)
    .bind(&record.phone)
    .bind(&record.call_list)
    .bind(&record.turf)
    .bind(&record.volunteer)
    .bind(record.note.clone().unwrap_or_default())
    .bind(sqlx::types::Json(&answers))
    .bind(&record.recorded_at)
    .bind(context.hlc)
    .bind(context.device.id)
    .bind(&stored_flags)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        // Another push carried this attempt id first: nothing of this one
        // is applied (its phone effects included) or announced again.
        return Ok(Err(Decision::rejected(format!(
            "contact attempt {} is already on the registry from another push; this copy was not applied",
            record.attempt_id
        ))));
    }
    let mut changes = Vec::new();
    let mut reason = None;
    let mut reason_full = None;
    // A number changes only when it is on this voter's record here: any
    // device could otherwise mark any number in the campaign dead, ending
    // phone banking for everyone who shares it.
    let on_record = match (code.effect, record.phone.as_deref()) {
        (Effect::PhoneWrongForPerson | Effect::PhoneDisconnected, Some(phone)) => {
            let listed: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM phones WHERE campaign_id = $1 AND voter_id = $2 AND number = $3",
            )
            .bind(context.device.campaign)
            .bind(&voter_id)
            .bind(phone)
            .fetch_optional(&mut *conn)
            .await?;
            if listed.is_none() {
                reason = Some(format!(
                    "{phone} is not on {voter_id}'s record here, so the result is kept and no number's status changed"
                ));
            }
            listed.is_some()
        }
        _ => false,
    };
    match (code.effect, record.phone.as_deref()) {
        (Effect::PhoneWrongForPerson, Some(phone)) if on_record => {
            sqlx::query(
                "UPDATE phones SET status = 'wrong' WHERE campaign_id = $1 AND voter_id = $2 AND number = $3",
            )
            .bind(context.device.campaign)
            .bind(&voter_id)
            .bind(phone)
            .execute(&mut *conn)
            .await?;
            changes.push(phone_change(precinct.as_deref(), &voter_id, phone, "wrong"));
        }
        (Effect::PhoneDisconnected, Some(phone)) if on_record => {
            // Dead for everyone who lists it, in every office.
            let holders: Vec<(String, Option<String>)> = sqlx::query_as(
                "UPDATE phones p SET status = 'disconnected' FROM voters v \
                 WHERE p.campaign_id = $1 AND p.number = $2 \
                   AND v.campaign_id = p.campaign_id AND v.voter_id = p.voter_id \
                 RETURNING p.voter_id, v.precinct_code",
            )
            .bind(context.device.campaign)
            .bind(phone)
            .fetch_all(&mut *conn)
            .await?;
            for (holder, holder_precinct) in holders {
                changes.push(phone_change(
                    holder_precinct.as_deref(),
                    &holder,
                    phone,
                    "disconnected",
                ));
            }
        }
        (Effect::Deceased | Effect::AddressBad, _) => {
            let reason = format!(
                "{} reported {} at {}; confirm before the voter's record changes",
                voter_id, code.slug, record.recorded_at
            );
            let queued = review(
                conn,
                context,
                code.slug,
                MutationKind::RecordContact,
                Some(&voter_id),
                precinct.as_deref(),
                &record,
                &reason,
            )
            .await?;
            if queued == Queued::Full {
                reason_full = Some(queue_full(code.slug));
            }
        }
        _ => {}
    }
    let key = record.attempt_id.clone();
    changes.insert(
        0,
        NewChange::in_precinct(
            precinct.as_deref(),
            key,
            FeedRow::ContactAttempt(FeedContact {
                record,
                hlc: context.hlc.to_owned(),
                device_id: context.device.id.to_string(),
                flags,
            }),
        ),
    );
    Ok(Ok(Decision {
        outcome: PushOutcome::Applied,
        reason: reason.or(reason_full),
        changes,
    }))
}

fn phone_change(precinct: Option<&str>, voter_id: &str, number: &str, status: &str) -> NewChange {
    NewChange::in_precinct(
        precinct,
        format!("{voter_id}:{number}"),
        FeedRow::PhoneStatus(FeedPhoneStatus {
            voter_id: voter_id.to_owned(),
            number: number.to_owned(),
            status: status.to_owned(),
        }),
    )
}

/// The precincts a do-not-contact target touches: a person's, the
/// precincts of every voter listing a phone, an address's.
async fn target_precincts(
    conn: &mut PgConnection,
    context: &Context<'_>,
    scope: Scope,
    target: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = match scope {
        Scope::Person => {
            "SELECT DISTINCT precinct_code FROM voters WHERE campaign_id = $1 AND voter_id = $2 \
             AND precinct_code IS NOT NULL"
        }
        Scope::Phone => {
            "SELECT DISTINCT v.precinct_code FROM phones p JOIN voters v \
             ON v.campaign_id = p.campaign_id AND v.voter_id = p.voter_id \
             WHERE p.campaign_id = $1 AND p.number = $2 AND v.precinct_code IS NOT NULL"
        }
        Scope::Address | Scope::Household => {
            "SELECT DISTINCT precinct_code FROM households WHERE campaign_id = $1 AND address_key = $2 \
             AND precinct_code IS NOT NULL"
        }
    };
    sqlx::query_scalar(sql)
        .bind(context.device.campaign)
        .bind(target)
        .fetch_all(&mut *conn)
        .await
}

/// The ledger is a union: an entry is added once, whoever sends it.
async fn add_dnc(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: DncRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    let what = format!("do-not-contact {} {}", record.scope.slug(), record.target);
    let precincts = match dnc_scope(
        conn,
        context,
        MutationKind::AddDnc,
        Coverage::Touches,
        record.scope,
        &record.target,
        &record,
        &what,
    )
    .await?
    {
        Ok(precincts) => precincts,
        Err(decision) => return Ok(Err(decision)),
    };
    let row = FeedDnc {
        id: record.entry_id.clone(),
        scope: record.scope,
        target: record.target.clone(),
        channel: record.channel,
        source: record.source.clone(),
        recorded_at: record.recorded_at.clone(),
        hlc: context.hlc.to_owned(),
        reverses: None,
    };
    let decision = match store_dnc(conn, context, precincts, row).await? {
        Ok(decision) => decision,
        Err(refused) => return Ok(Err(refused)),
    };
    if matches!(record.channel, DncChannel::Phone | DncChannel::All) {
        let targets = call_targets(conn, context, record.scope, &record.target).await?;
        crate::leases::end_for_targets(conn, context.device.campaign, &targets).await?;
    }
    Ok(Ok(decision))
}

/// The lease targets an opt-out touches: the number itself, or every number
/// of the person or of the people at the address, and the household.
async fn call_targets(
    conn: &mut PgConnection,
    context: &Context<'_>,
    scope: Scope,
    target: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let sql = match scope {
        Scope::Phone => return Ok(vec![LeaseTarget::phone(target).to_string()]),
        Scope::Person => {
            "SELECT 'phone:' || number FROM phones WHERE campaign_id = $1 AND voter_id = $2"
        }
        Scope::Address | Scope::Household => {
            "SELECT 'phone:' || p.number FROM phones p JOIN voters v \
               ON v.campaign_id = p.campaign_id AND v.voter_id = p.voter_id \
             WHERE p.campaign_id = $1 AND v.household_key = $2 \
             UNION SELECT 'household:' || $2"
        }
    };
    sqlx::query_scalar(sql)
        .bind(context.device.campaign)
        .bind(target)
        .fetch_all(&mut *conn)
        .await
}

/// Ends the device's lease on a target if the epoch still matches; one that
/// already passed on is no error (the result it followed was flagged).
async fn release_lease(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: LeaseRelease,
) -> Result<Checked<Decision>, sqlx::Error> {
    let released = crate::leases::release(
        conn,
        context.device.campaign,
        context.device.id,
        record.target.as_str(),
        record.epoch,
    )
    .await?;
    Ok(Ok(Decision {
        outcome: PushOutcome::Applied,
        reason: (!released).then(|| {
            format!(
                "the lease on {} had already passed to another device or ended",
                record.target
            )
        }),
        changes: Vec::new(),
    }))
}

/// How much of a do-not-contact target must lie in the device's office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coverage {
    /// Adding an opt-out: any voter it touches being the office's is
    /// enough (the voter asked; refusing would keep calling them).
    Touches,
    /// Lifting one: every precinct it touches must be the office's. A
    /// landline shared across offices is lifted by a coordinator of each,
    /// through review, never by one office for another's voters.
    Covers,
}

/// The precincts a do-not-contact target touches, when the device's office
/// covers them as `coverage` asks; otherwise the payload waits in review and
/// the mutation is rejected, naming `what`.
#[allow(clippy::too_many_arguments)]
async fn dnc_scope(
    conn: &mut PgConnection,
    context: &Context<'_>,
    kind: MutationKind,
    coverage: Coverage,
    scope: Scope,
    target: &str,
    payload: &impl serde::Serialize,
    what: &str,
) -> Result<Checked<Vec<String>>, sqlx::Error> {
    let precincts = target_precincts(conn, context, scope, target).await?;
    let ours = |code: &String| context.precincts.contains(code);
    let covered = match coverage {
        Coverage::Touches => precincts.iter().any(ours),
        Coverage::Covers => !precincts.is_empty() && precincts.iter().all(ours),
    };
    if covered {
        return Ok(Ok(precincts));
    }
    let reason = match coverage {
        Coverage::Touches => format!("{what} is not in this device's office"),
        Coverage::Covers => format!(
            "{what} reaches voters outside this device's office ({}); a coordinator of each office reviews it",
            precincts
                .iter()
                .filter(|code| !ours(code))
                .take(3)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let queued = review(
        conn,
        context,
        kind.as_str(),
        kind,
        None,
        precincts.first().map(String::as_str),
        payload,
        &reason,
    )
    .await?;
    Ok(Err(Decision::rejected(match queued {
        Queued::Yes => reason,
        Queued::Full => queue_full(kind.as_str()),
    })))
}

/// Adds an entry (or a reversal) to the ledger once, and tells every office
/// whose precincts it touches. An id already in the ledger (another push
/// carried it) is refused: nothing is announced twice.
async fn store_dnc(
    conn: &mut PgConnection,
    context: &Context<'_>,
    precincts: Vec<String>,
    row: FeedDnc,
) -> Result<Checked<Decision>, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO dnc_entries (campaign_id, id, scope, target, channel, source, recorded_at, hlc, reverses, device_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (campaign_id, id) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&row.id)
    .bind(row.scope.slug())
    .bind(&row.target)
    .bind(row.channel.slug())
    .bind(&row.source)
    .bind(&row.recorded_at)
    .bind(&row.hlc)
    .bind(&row.reverses)
    .bind(context.device.id)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(Err(Decision::rejected(format!(
            "do-not-contact entry {} is already on the registry from another push; this copy was not applied",
            row.id
        ))));
    }
    Ok(Ok(Decision::applied(vec![NewChange::in_precincts(
        precincts,
        row.id.clone(),
        FeedRow::DncEntry(row),
    )])))
}

/// A reversal is its own entry naming the one it lifts.
pub(crate) async fn reverse_dnc(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: DncReversal,
) -> Result<Checked<Decision>, sqlx::Error> {
    let entry: Option<(String, String, String)> = sqlx::query_as(
        "SELECT scope, target, channel FROM dnc_entries WHERE campaign_id = $1 AND id = $2 AND reverses IS NULL",
    )
    .bind(context.device.campaign)
    .bind(&record.entry_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((scope, target, channel)) = entry else {
        return Ok(Err(Decision::rejected(format!(
            "no do-not-contact entry {} on the registry to reverse",
            record.entry_id
        ))));
    };
    let (Some(scope), Some(channel)) = (
        Scope::parse(&scope),
        groundgame_domain::DncChannel::parse(&channel),
    ) else {
        return Ok(Err(Decision::rejected(format!(
            "do-not-contact entry {} has a scope or channel this registry does not know",
            record.entry_id
        ))));
    };
    let what = format!("do-not-contact entry {}", record.entry_id);
    let precincts = match dnc_scope(
        conn,
        context,
        MutationKind::ReverseDnc,
        Coverage::Covers,
        scope,
        &target,
        &record,
        &what,
    )
    .await?
    {
        Ok(precincts) => precincts,
        Err(decision) => return Ok(Err(decision)),
    };
    let row = FeedDnc {
        id: record.reversal_id.clone(),
        scope,
        target,
        channel,
        source: record.source.clone(),
        recorded_at: record.recorded_at.clone(),
        hlc: context.hlc.to_owned(),
        reverses: Some(record.entry_id.clone()),
    };
    store_dnc(conn, context, precincts, row).await
}

/// Applied when the voter is as the device saw it; otherwise a soft field
/// takes the later write by hybrid logical clock and an identity field goes
/// to review with the current value kept. Every outcome puts the value the
/// registry now holds in the feed, so the device that sent it converges.
pub(crate) async fn correct_voter_field(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: VoterCorrection,
) -> Result<Checked<Decision>, sqlx::Error> {
    let field = record.field.as_str();
    let soft = SOFT_FIELDS.contains(&field);
    if !soft && !IDENTITY_FIELDS.contains(&field) {
        return Ok(Err(Decision::rejected(format!(
            "{field:?} cannot be corrected from a device; the fields are {}, {}",
            IDENTITY_FIELDS.join(", "),
            SOFT_FIELDS.join(", ")
        ))));
    }
    let voter_id = record.voter_id.as_str().to_owned();
    let precinct = match voter_in_scope(
        conn,
        context,
        &voter_id,
        &record,
        MutationKind::CorrectVoterField,
    )
    .await?
    {
        Ok(precinct) => precinct,
        Err(decision) => return Ok(Err(decision)),
    };
    let seen: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM voter_corrections WHERE campaign_id = $1 AND id = $2")
            .bind(context.device.campaign)
            .bind(&record.correction_id)
            .fetch_optional(&mut *conn)
            .await?;
    if seen.is_some() {
        return Ok(Err(Decision::rejected(format!(
            "correction {} is already on the registry from another push; this copy was not applied",
            record.correction_id
        ))));
    }
    // The field name comes from the fixed lists above, never from input.
    let (version, current): (i64, String) = sqlx::query_as(&format!(
        "SELECT version, {field} FROM voters WHERE campaign_id = $1 AND voter_id = $2 FOR UPDATE"
    ))
    .bind(context.device.campaign)
    .bind(&voter_id)
    .fetch_one(&mut *conn)
    .await?;
    let field_clock: Option<String> = sqlx::query_scalar(
        "SELECT hlc FROM voter_field_clocks WHERE campaign_id = $1 AND voter_id = $2 AND field = $3",
    )
    .bind(context.device.campaign)
    .bind(&voter_id)
    .bind(field)
    .fetch_optional(&mut *conn)
    .await?;
    // The clock, then the device as a tie-break, in one string whose order
    // is that order (the clock's text form is fixed-width): two edits in the
    // same millisecond on two laptops still have one winner everywhere.
    let ours = format!(
        "{} {}",
        Hlc::decode(context.hlc).unwrap_or_default().encode(),
        context.device.id
    );
    let later = field_clock
        .as_deref()
        .is_none_or(|theirs| ours.as_str() > theirs);
    let (outcome, reason, value, new_version) = if record.base_version == version || (soft && later)
    {
        sqlx::query(&format!(
            "UPDATE voters SET {field} = $3, version = version + 1, updated_at = now() \
             WHERE campaign_id = $1 AND voter_id = $2"
        ))
        .bind(context.device.campaign)
        .bind(&voter_id)
        .bind(&record.value)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO voter_field_clocks (campaign_id, voter_id, field, hlc) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (campaign_id, voter_id, field) DO UPDATE SET hlc = excluded.hlc",
        )
        .bind(context.device.campaign)
        .bind(&voter_id)
        .bind(field)
        .bind(&ours)
        .execute(&mut *conn)
        .await?;
        ("applied", None, record.value.clone(), version + 1)
    } else if soft {
        (
            "superseded",
            Some(format!(
                "a later edit of {voter_id}'s {field} on another device stands"
            )),
            current,
            version,
        )
    } else {
        let reason = format!(
            "{voter_id}'s {field} changed on the registry since this device saw it (version {} now {version}); \
             {:?} waits for a coordinator and {current:?} stays",
            record.base_version, record.value
        );
        let queued = review(
            conn,
            context,
            "correction",
            MutationKind::CorrectVoterField,
            Some(&voter_id),
            precinct.as_deref(),
            &record,
            &reason,
        )
        .await?;
        let reason = match queued {
            Queued::Yes => reason,
            Queued::Full => queue_full("correction"),
        };
        ("review", Some(reason), current, version)
    };
    sqlx::query(
        "INSERT INTO voter_corrections (campaign_id, id, voter_id, field, value, base_version, hlc, device_id, outcome, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (campaign_id, id) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&record.correction_id)
    .bind(&voter_id)
    .bind(field)
    .bind(&record.value)
    .bind(record.base_version)
    .bind(context.hlc)
    .bind(context.device.id)
    .bind(outcome)
    .bind(&record.recorded_at)
    .execute(&mut *conn)
    .await?;
    let change = NewChange::in_precinct(
        precinct.as_deref(),
        format!("{voter_id}:{field}"),
        FeedRow::VoterField(FeedVoterField {
            voter_id: voter_id.clone(),
            field: field.to_owned(),
            value,
            version: new_version,
        }),
    )
    .with_version(new_version);
    Ok(Ok(match (outcome, reason) {
        ("review", Some(reason)) => Decision::conflict(reason, vec![change]),
        (_, reason) => Decision {
            outcome: PushOutcome::Applied,
            reason,
            changes: vec![change],
        },
    }))
}

/// Someone met at a door joins the office's slice at once, and waits in
/// review for a coordinator to merge them with a voter the state adds later.
async fn add_voter(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: AddedVoter,
) -> Result<Checked<Decision>, sqlx::Error> {
    let voter_id = record.voter_id.as_str().to_owned();
    if !voter_id.starts_with("NEW-") {
        return Ok(Err(Decision::rejected(format!(
            "{voter_id} is not an id made at a door (they start with NEW-)"
        ))));
    }
    let household: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT precinct_code FROM households WHERE campaign_id = $1 AND address_key = $2",
    )
    .bind(context.device.campaign)
    .bind(&record.household_address_key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((precinct,)) = household else {
        return Ok(Err(Decision::rejected(format!(
            "the address {} of {voter_id} is not in the campaign's voter file",
            record.household_address_key
        ))));
    };
    if !precinct
        .as_deref()
        .is_some_and(|code| context.precincts.contains(code))
    {
        return out_of_scope(
            conn,
            context,
            &voter_id,
            precinct,
            &record,
            MutationKind::AddVoter,
        )
        .await
        .map(Err);
    }
    let inserted = sqlx::query(
        "INSERT INTO voters (campaign_id, voter_id, household_key, last_name, first_name, birth_year, party, status, \
         county, precinct_code, source, content_hash, added_by) \
         VALUES ($1, $2, $3, $4, $5, $6, '', 'A', '', $7, 'door', 0, $8) ON CONFLICT (campaign_id, voter_id) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&voter_id)
    .bind(&record.household_address_key)
    .bind(&record.last_name)
    .bind(&record.first_name)
    .bind(record.birth_year)
    .bind(&precinct)
    .bind(context.device.id)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        // Never attach a phone (or a review item) to a voter someone else
        // added under this id, perhaps in another office.
        return Ok(Err(Decision::rejected(format!(
            "{voter_id} is already on the registry; a person met at a door gets a new id"
        ))));
    }
    if let Some(phone) = &record.phone {
        sqlx::query(
            "INSERT INTO phones (campaign_id, voter_id, number, status, source) VALUES ($1, $2, $3, 'ok', 'door') \
             ON CONFLICT DO NOTHING",
        )
        .bind(context.device.campaign)
        .bind(&voter_id)
        .bind(phone)
        .execute(&mut *conn)
        .await?;
    }
    let reason = format!(
        "{} {} added at {}; merge with a voter the state adds later, or confirm",
        record.first_name, record.last_name, record.household_address_key
    );
    let queued = review(
        conn,
        context,
        "added_at_door",
        MutationKind::AddVoter,
        Some(&voter_id),
        precinct.as_deref(),
        &record,
        &reason,
    )
    .await?;
    Ok(Ok(Decision {
        outcome: PushOutcome::Applied,
        reason: (queued == Queued::Full).then(|| queue_full("add_voter")),
        changes: vec![NewChange::in_precinct(
            precinct.as_deref(),
            voter_id.clone(),
            FeedRow::Voter(FeedVoter {
                voter_id,
                household_address_key: record.household_address_key,
                first_name: record.first_name,
                last_name: record.last_name,
                birth_year: record.birth_year,
                phone: record.phone,
            }),
        )],
    }))
}

async fn schedule_callback(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: CallbackRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    let precinct = match voter_in_scope(
        conn,
        context,
        record.voter_id.as_str(),
        &record,
        MutationKind::ScheduleCallback,
    )
    .await?
    {
        Ok(precinct) => precinct,
        Err(decision) => return Ok(Err(decision)),
    };
    let inserted = sqlx::query(
        "INSERT INTO callbacks (campaign_id, id, voter_id, phone, call_list, due_at, device_id, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (campaign_id, id) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&record.callback_id)
    .bind(record.voter_id.as_str())
    .bind(&record.phone)
    .bind(&record.call_list)
    .bind(&record.due_at)
    .bind(context.device.id)
    .bind(&record.recorded_at)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(Err(Decision::rejected(format!(
            "callback {} is already on the registry from another push; this copy was not applied",
            record.callback_id
        ))));
    }
    Ok(Ok(Decision::applied(vec![NewChange::in_precinct(
        precinct.as_deref(),
        record.callback_id.clone(),
        FeedRow::Callback(record),
    )])))
}
