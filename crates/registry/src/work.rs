//! The merge rules of the coordinators' work: segments, call lists (and
//! their items), turfs, and closing or deleting them. Only coordinators and
//! admins may send these (`MutationKind::roles`, checked by the push);
//! everything is the sending device's office's, reaches every device of
//! that office (feed scope `office:<id>`) and no other.

use crate::feed::NewChange;
use crate::merge::{Checked, Context, Decision};
use groundgame_domain::feed::FeedRow;
use groundgame_domain::work::{
    CallItem, CallItemsRecord, CallListRecord, SegmentRecord, TurfRecord, WorkKind, WorkState,
    WorkStateRecord, TURF_DOORS_MAX,
};
use groundgame_domain::PhoneNumber;
use sqlx::PgConnection;
use std::collections::HashSet;

/// The most items one call list may hold.
pub const CALL_LIST_ITEMS_MAX: u32 = 2_000_000;

fn check_name(what: &str, name: &str) -> Result<(), Decision> {
    let name_ok = !name.trim().is_empty()
        && name.chars().count() <= 400
        && !name.chars().any(char::is_control);
    if name_ok {
        Ok(())
    } else {
        Err(Decision::rejected(format!(
            "a {what} needs a name of 1 to 400 printable characters"
        )))
    }
}

/// Whether another live item of the office already has this name.
async fn name_taken(
    conn: &mut PgConnection,
    context: &Context<'_>,
    table: &str,
    id: &str,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let taken: Option<i32> = sqlx::query_scalar(&format!(
        "SELECT 1 FROM {table} WHERE campaign_id = $1 AND office_id = $2 AND name = $3 \
         AND id <> $4 AND state <> 'deleted'"
    ))
    .bind(context.device.campaign)
    .bind(context.device.office)
    .bind(name)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(taken.is_some())
}

/// Applied: every device of the office hears of it.
pub(crate) fn to_office(context: &Context<'_>, key: String, row: FeedRow) -> Checked<Decision> {
    Ok(Decision::applied(vec![NewChange::in_office(
        context.device.office,
        key,
        row,
    )]))
}

/// A repeat of an id already made (by another push) changes nothing.
fn already_made(made: sqlx::postgres::PgQueryResult, noun: &str, id: &str) -> Option<Decision> {
    (made.rows_affected() == 0).then(|| {
        Decision::rejected(format!(
            "{noun} {id} is already on the registry from another push; this copy was not applied"
        ))
    })
}

pub(crate) fn json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

pub(crate) async fn save_segment(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: SegmentRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(decision) = check_name("segment", &record.name) {
        return Ok(Err(decision));
    }
    if let Err(error) = record.filter.validate() {
        return Ok(Err(Decision::rejected(format!(
            "segment {:?} cannot be kept: {error}",
            record.name
        ))));
    }
    if name_taken(conn, context, "segments", &record.segment_id, &record.name).await? {
        return Ok(Err(Decision::rejected(format!(
            "there is already a segment named {:?} in this office; this one was not saved",
            record.name
        ))));
    }
    let saved: Option<i32> = sqlx::query_scalar(
        "INSERT INTO segments (campaign_id, id, office_id, name, filter, recorded_at, device_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (campaign_id, id) DO UPDATE SET name = excluded.name, filter = excluded.filter, \
             recorded_at = excluded.recorded_at, device_id = excluded.device_id, saved_at = now() \
         WHERE segments.office_id = excluded.office_id AND segments.state <> 'deleted' \
         RETURNING 1",
    )
    .bind(context.device.campaign)
    .bind(&record.segment_id)
    .bind(context.device.office)
    .bind(&record.name)
    .bind(json(&record.filter))
    .bind(&record.recorded_at)
    .bind(context.device.id)
    .fetch_optional(&mut *conn)
    .await?;
    if saved.is_none() {
        return Ok(Err(Decision::rejected(format!(
            "segment {} belongs to another office or was deleted; it was not changed",
            record.segment_id
        ))));
    }
    Ok(to_office(
        context,
        record.segment_id.clone(),
        FeedRow::Segment(record),
    ))
}

pub(crate) async fn create_call_list(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: CallListRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(decision) = check_name("call list", &record.name) {
        return Ok(Err(decision));
    }
    if let Err(problem) = record.rules.validate() {
        return Ok(Err(Decision::rejected(format!(
            "call list {:?}: {problem}",
            record.name
        ))));
    }
    if let Some(Err(error)) = record.segment.as_ref().map(|filter| filter.validate()) {
        return Ok(Err(Decision::rejected(format!(
            "call list {:?}: {error}",
            record.name
        ))));
    }
    if record.items > CALL_LIST_ITEMS_MAX {
        return Ok(Err(Decision::rejected(format!(
            "call list {:?} has {} items; a list holds at most {CALL_LIST_ITEMS_MAX}",
            record.name, record.items
        ))));
    }
    if name_taken(conn, context, "call_lists", &record.list_id, &record.name).await? {
        return Ok(Err(Decision::rejected(format!(
            "there is already a call list named {:?} in this office; this one was not made",
            record.name
        ))));
    }
    let made = sqlx::query(
        "INSERT INTO call_lists (campaign_id, id, office_id, name, rules, script, segment, items, \
                                 recorded_at, device_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (campaign_id, id) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&record.list_id)
    .bind(context.device.office)
    .bind(&record.name)
    .bind(json(&record.rules))
    .bind(&record.script)
    .bind(record.segment.as_ref().map(json))
    .bind(i32::try_from(record.items).unwrap_or(i32::MAX))
    .bind(&record.recorded_at)
    .bind(context.device.id)
    .execute(&mut *conn)
    .await?;
    if let Some(decision) = already_made(made, "call list", &record.list_id) {
        return Ok(Err(decision));
    }
    Ok(to_office(
        context,
        record.list_id.clone(),
        FeedRow::CallList(record),
    ))
}

/// The list a chunk or state change is about, if it is this office's.
async fn office_list(
    conn: &mut PgConnection,
    context: &Context<'_>,
    table: &str,
    id: &str,
    noun: &str,
) -> Result<Checked<(i64, WorkState)>, sqlx::Error> {
    let found: Option<(uuid::Uuid, i64, String)> = sqlx::query_as(&format!(
        "SELECT office_id, {}, state FROM {table} WHERE campaign_id = $1 AND id = $2",
        if table == "call_lists" {
            "items::bigint"
        } else {
            "0::bigint"
        }
    ))
    .bind(context.device.campaign)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((office, items, state)) = found else {
        return Ok(Err(Decision::rejected(format!(
            "{noun} {id} is not on the registry (was it refused?); nothing was applied"
        ))));
    };
    if office != context.device.office {
        return Ok(Err(Decision::rejected(format!(
            "{noun} {id} belongs to another office; nothing was applied"
        ))));
    }
    let Some(state) = WorkState::parse(&state) else {
        return Ok(Err(Decision::rejected(format!(
            "{noun} {id} has a state this registry does not know: {state:?}"
        ))));
    };
    Ok(Ok((items, state)))
}

/// The voters of `voters` that are not in the device's office.
async fn outside_office(
    conn: &mut PgConnection,
    context: &Context<'_>,
    voters: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let precincts: Vec<String> = context.precincts.iter().cloned().collect();
    sqlx::query_scalar(
        "SELECT w.voter_id FROM unnest($2::text[]) AS w (voter_id) \
         WHERE NOT EXISTS (SELECT 1 FROM voters v WHERE v.campaign_id = $1 AND v.voter_id = w.voter_id \
                           AND v.precinct_code = ANY($3)) \
         ORDER BY w.voter_id LIMIT 3",
    )
    .bind(context.device.campaign)
    .bind(voters)
    .bind(&precincts)
    .fetch_all(&mut *conn)
    .await
}

pub(crate) async fn add_call_items(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: CallItemsRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    let (items, state) =
        match office_list(conn, context, "call_lists", &record.list_id, "call list").await? {
            Ok(found) => found,
            Err(decision) => return Ok(Err(decision)),
        };
    if state == WorkState::Deleted {
        return Ok(Err(Decision::rejected(format!(
            "call list {} was deleted; its calls were not added",
            record.list_id
        ))));
    }
    let count = record.items.len() as i64;
    let first = i64::from(record.first);
    if first < 1 || first + count - 1 > items {
        return Ok(Err(Decision::rejected(format!(
            "calls {first} to {} do not fit call list {}, which holds {items}",
            first + count - 1,
            record.list_id
        ))));
    }
    let mut voters = Vec::with_capacity(record.items.len());
    let mut phones = Vec::with_capacity(record.items.len());
    let mut seen = HashSet::new();
    for CallItem(voter, phone) in &record.items {
        let Ok(number) = PhoneNumber::parse(phone) else {
            return Ok(Err(Decision::rejected(format!(
                "{phone:?} (for {voter}) is not a phone number; the calls were not added"
            ))));
        };
        if !seen.insert(number.digits().to_owned()) {
            return Ok(Err(Decision::rejected(format!(
                "{} is in these calls twice; a list calls each number once",
                number.digits()
            ))));
        }
        voters.push(voter.as_str().to_owned());
        phones.push(number.digits().to_owned());
    }
    let outside = outside_office(conn, context, &voters).await?;
    if !outside.is_empty() {
        return Ok(Err(Decision::rejected(format!(
            "voters {} are not in this office's precincts; a call list holds only the office's voters",
            outside.join(", ")
        ))));
    }
    let positions: Vec<i32> = (0..count)
        .map(|offset| i32::try_from(first + offset).unwrap_or(i32::MAX))
        .collect();
    sqlx::query(
        "INSERT INTO call_list_items (campaign_id, list_id, position, voter_id, phone) \
         SELECT $1, $2, p, v, n FROM unnest($3::integer[], $4::text[], $5::text[]) AS t (p, v, n) \
         ON CONFLICT (campaign_id, list_id, position) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&record.list_id)
    .bind(&positions)
    .bind(&voters)
    .bind(&phones)
    .execute(&mut *conn)
    .await?;
    Ok(to_office(
        context,
        format!("{}:{}", record.list_id, record.first),
        FeedRow::CallItems(record),
    ))
}

pub(crate) async fn create_turf(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: TurfRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    if let Err(decision) = check_name("turf", &record.name) {
        return Ok(Err(decision));
    }
    if record.doors.is_empty() || record.doors.len() > TURF_DOORS_MAX {
        return Ok(Err(Decision::rejected(format!(
            "turf {:?} has {} doors; a turf holds 1 to {TURF_DOORS_MAX}",
            record.name,
            record.doors.len()
        ))));
    }
    let unique: HashSet<&String> = record.doors.iter().collect();
    if unique.len() != record.doors.len() {
        return Ok(Err(Decision::rejected(format!(
            "turf {:?} lists a door twice",
            record.name
        ))));
    }
    if let Some(Err(error)) = record.segment.as_ref().map(|filter| filter.validate()) {
        return Ok(Err(Decision::rejected(format!(
            "turf {:?}: {error}",
            record.name
        ))));
    }
    let precincts: Vec<String> = context.precincts.iter().cloned().collect();
    let outside: Vec<String> = sqlx::query_scalar(
        "SELECT d.key FROM unnest($2::text[]) AS d (key) \
         WHERE NOT EXISTS (SELECT 1 FROM households h WHERE h.campaign_id = $1 AND h.address_key = d.key \
                           AND h.precinct_code = ANY($3)) \
         LIMIT 3",
    )
    .bind(context.device.campaign)
    .bind(&record.doors)
    .bind(&precincts)
    .fetch_all(&mut *conn)
    .await?;
    if !outside.is_empty() {
        return Ok(Err(Decision::rejected(format!(
            "doors {} are not in this office's precincts; a turf holds only the office's doors",
            outside.join(", ")
        ))));
    }
    if name_taken(conn, context, "turfs", &record.turf_id, &record.name).await? {
        return Ok(Err(Decision::rejected(format!(
            "there is already a turf named {:?} in this office; this one was not made",
            record.name
        ))));
    }
    let made = sqlx::query(
        "INSERT INTO turfs (campaign_id, id, office_id, name, precinct_code, kind, segment, doors, \
                            recorded_at, device_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (campaign_id, id) DO NOTHING",
    )
    .bind(context.device.campaign)
    .bind(&record.turf_id)
    .bind(context.device.office)
    .bind(&record.name)
    .bind(&record.precinct)
    .bind(&record.method)
    .bind(record.segment.as_ref().map(json))
    .bind(&record.doors)
    .bind(&record.recorded_at)
    .bind(context.device.id)
    .execute(&mut *conn)
    .await?;
    if let Some(decision) = already_made(made, "turf", &record.turf_id) {
        return Ok(Err(decision));
    }
    Ok(to_office(
        context,
        record.turf_id.clone(),
        FeedRow::Turf(record),
    ))
}

pub(crate) async fn set_work_state(
    conn: &mut PgConnection,
    context: &Context<'_>,
    record: WorkStateRecord,
) -> Result<Checked<Decision>, sqlx::Error> {
    let table = match record.work {
        WorkKind::Segment => "segments",
        WorkKind::CallList => "call_lists",
        WorkKind::Turf => "turfs",
    };
    let noun = record.work.noun();
    let state = match office_list(conn, context, table, &record.id, noun).await? {
        Ok((_, state)) => state,
        Err(decision) => return Ok(Err(decision)),
    };
    if state == WorkState::Deleted {
        return Ok(Err(Decision::rejected(format!(
            "{noun} {} was deleted already; a deleted {noun} does not come back",
            record.id
        ))));
    }
    sqlx::query(&format!(
        "UPDATE {table} SET state = $3 WHERE campaign_id = $1 AND id = $2"
    ))
    .bind(context.device.campaign)
    .bind(&record.id)
    .bind(record.state.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(to_office(
        context,
        record.id.clone(),
        FeedRow::WorkState(record),
    ))
}
