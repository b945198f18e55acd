//! The initial snapshot: a device's whole scope, streamed as JSON lines,
//! gzip-compressed, in key order per entity so a broken download resumes
//! where it stopped (see `docs/sync-protocol.md`, "Initial sync").
//!
//! Rows are read a page at a time by key (no long-running transaction):
//! the snapshot is a later state of the same tables, and the device then
//! pulls the feed from the position the first page was read at, which
//! replays every change made meanwhile; applying is idempotent.

use crate::error::ApiError;
use crate::identity::Device;
use axum::body::{Body, Bytes};
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use flate2::write::GzEncoder;
use flate2::Compression;
use groundgame_domain::feed::{FeedContact, FeedDnc};
use groundgame_domain::mutation::ContactRecord;
use groundgame_domain::quality::AttemptFlag;
use groundgame_domain::snapshot::{
    ResumePoint, SnapshotHousehold, SnapshotLine, SnapshotPhone, SnapshotRow, SnapshotVote,
    SnapshotVoter, SnapshotWork, KEY_SEPARATOR, SNAPSHOT_ENTITIES,
};
use groundgame_domain::wire::ErrorCode;
use groundgame_domain::work::{
    CallItem, CallItemsRecord, CallListRecord, SegmentRecord, TurfRecord, WorkState,
    CALL_ITEMS_PER_RECORD,
};
use groundgame_domain::{DncChannel, Scope, SurveyAnswer, VoterId};
use sqlx::PgPool;
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

/// Rows per database page.
const PAGE: i64 = 5_000;
/// Bytes of JSON gathered before a chunk goes out.
const CHUNK: usize = 64 * 1024;

/// How many snapshots one instance streams at once, and which devices are
/// streaming one: a snapshot streams from a task of its own, outside the
/// in-flight limit, for as long as a whole office takes to download, so
/// both are bounded here (one per device at a time).
pub(crate) struct SnapshotSlots {
    permits: Arc<Semaphore>,
    devices: Arc<Mutex<HashSet<uuid::Uuid>>>,
}

/// A snapshot's place, held by its streaming task until the stream ends.
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
    device: uuid::Uuid,
    devices: Arc<Mutex<HashSet<uuid::Uuid>>>,
}

impl SnapshotSlots {
    pub(crate) fn new(at_once: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(at_once.max(1))),
            devices: Arc::default(),
        }
    }

    pub(crate) fn take(&self, device: uuid::Uuid) -> Result<Slot, ApiError> {
        let mut devices = self
            .devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if devices.contains(&device) {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "this device is already downloading its snapshot; try again when that download ends",
            )
            .retry_after(5));
        }
        let permit = self.permits.clone().try_acquire_owned().map_err(|_| {
            ApiError::unavailable(
                "the registry is sending as many snapshots as it can; nothing was changed, try again shortly",
            )
            .retry_after(5)
        })?;
        devices.insert(device);
        Ok(Slot {
            _permit: permit,
            device,
            devices: self.devices.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.devices
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.device);
    }
}

/// Starts streaming the device's scope after `after` (an `entity:key`).
pub(crate) async fn snapshot(
    pool: &PgPool,
    device: &Device,
    slot: Slot,
    after: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let resume = match after.filter(|text| !text.is_empty()) {
        Some(text) => Some(ResumePoint::parse(text).ok_or_else(|| {
            ApiError::malformed(format!(
                "`after` is <entity>:<key> with the entity one of {}; got {text:?}",
                SNAPSHOT_ENTITIES.join(", ")
            ))
        })?),
        None => None,
    };
    let position: i64 = sqlx::query_scalar(
        "SELECT coalesce(max(position), 0) FROM feed_heads WHERE campaign_id = $1",
    )
    .bind(device.campaign)
    .fetch_one(pool)
    .await
    .map_err(ApiError::database)?;
    let precincts = device.precincts(pool).await.map_err(ApiError::database)?;
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM households WHERE campaign_id = $1 AND precinct_code = ANY($2)) \
              + (SELECT count(*) FROM voters WHERE campaign_id = $1 AND precinct_code = ANY($2)) * 3",
    )
    .bind(device.campaign)
    .bind(&precincts)
    .fetch_one(pool)
    .await
    .map_err(ApiError::database)?;
    let gzip = headers
        .get(axum::http::header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("gzip"));
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let writer = Writer::new(sender, gzip);
    let job = Job {
        pool: pool.clone(),
        campaign: device.campaign,
        office: device.office,
        precincts,
        resume,
    };
    tokio::spawn(async move {
        let _slot = slot;
        let mut writer = writer;
        if let Err(error) = job
            .run(&mut writer, position, u64::try_from(rows).unwrap_or(0))
            .await
        {
            // The stream ends without its end line: the device resumes.
            tracing::warn!(%error, "snapshot stopped");
            writer.fail(error.to_string()).await;
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ));
    let mut response = ([(CONTENT_TYPE, "application/x-ndjson")], body).into_response();
    if gzip {
        response.headers_mut().insert(
            CONTENT_ENCODING,
            axum::http::HeaderValue::from_static("gzip"),
        );
    }
    Ok(response)
}

/// Gathers lines and sends them out in chunks, compressed if asked.
struct Writer {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    gzip: Option<GzEncoder<Vec<u8>>>,
    plain: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
enum SnapshotError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the device hung up")]
    HungUp,
    #[error("cannot write the stream: {0}")]
    Write(#[from] std::io::Error),
    #[error("a stored row cannot be sent: {0}")]
    Row(String),
}

impl Writer {
    fn new(sender: mpsc::Sender<Result<Bytes, std::io::Error>>, gzip: bool) -> Self {
        Self {
            sender,
            gzip: gzip.then(|| GzEncoder::new(Vec::new(), Compression::fast())),
            plain: Vec::new(),
        }
    }

    async fn line(&mut self, line: &SnapshotLine) -> Result<(), SnapshotError> {
        serde_json::to_writer(&mut self.plain, line)
            .map_err(|error| SnapshotError::Row(error.to_string()))?;
        self.plain.push(b'\n');
        if self.plain.len() >= CHUNK {
            self.flush(false).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, last: bool) -> Result<(), SnapshotError> {
        let bytes = match &mut self.gzip {
            Some(encoder) => {
                encoder.write_all(&self.plain)?;
                self.plain.clear();
                if last {
                    encoder.try_finish()?;
                } else {
                    encoder.flush()?;
                }
                std::mem::take(encoder.get_mut())
            }
            None => std::mem::take(&mut self.plain),
        };
        if !bytes.is_empty() {
            self.sender
                .send(Ok(Bytes::from(bytes)))
                .await
                .map_err(|_| SnapshotError::HungUp)?;
        }
        Ok(())
    }

    async fn fail(&mut self, message: String) {
        let _ = self.sender.send(Err(std::io::Error::other(message))).await;
    }
}

struct Job {
    pool: PgPool,
    campaign: uuid::Uuid,
    office: uuid::Uuid,
    precincts: Vec<String>,
    resume: Option<ResumePoint>,
}

/// A page of rows, and whether more may follow.
type Page = (Vec<(String, SnapshotRow)>, bool);

fn full(rows: Vec<(String, SnapshotRow)>) -> Page {
    let more = rows.len() == usize::try_from(PAGE).unwrap_or(usize::MAX);
    (rows, more)
}

fn split(key: &str) -> Vec<&str> {
    key.split(KEY_SEPARATOR).collect()
}

impl Job {
    async fn run(
        &self,
        writer: &mut Writer,
        position: i64,
        rows: u64,
    ) -> Result<(), SnapshotError> {
        writer
            .line(&SnapshotLine::Header { position, rows })
            .await?;
        let start = self
            .resume
            .as_ref()
            .and_then(|point| SNAPSHOT_ENTITIES.iter().position(|e| *e == point.entity))
            .unwrap_or(0);
        for (index, entity) in SNAPSHOT_ENTITIES.iter().enumerate().skip(start) {
            let mut after = match &self.resume {
                Some(point) if index == start => point.key.clone(),
                _ => String::new(),
            };
            loop {
                let (page, more) = self.page(entity, &after).await?;
                let Some((last, _)) = page.last() else { break };
                after = last.clone();
                for (key, row) in page {
                    writer.line(&SnapshotLine::Row { key, row }).await?;
                }
                if !more {
                    break;
                }
            }
        }
        writer.line(&SnapshotLine::End).await?;
        writer.flush(true).await
    }

    async fn page(&self, entity: &str, after: &str) -> Result<Page, SnapshotError> {
        match entity {
            "dnc_entry" => self.dnc(after).await.map(full),
            "household" => self.households(after).await.map(full),
            "voter" => self.voters(after).await.map(full),
            "phone" => self.phones(after).await.map(full),
            "vote" => self.votes(after).await.map(full),
            "attempt" => self.contacts(after).await.map(full),
            "segment" => self.segments(after).await.map(full),
            "call_list" => self.call_lists(after).await.map(full),
            "call_items" => self.call_items(after).await,
            "turf" => self.turfs(after).await.map(full),
            "question" | "script" | "volunteer" | "work_setup" | "goals" | "batch_decision" => {
                self.office_records(entity, after).await.map(full)
            }
            // Every entity of SNAPSHOT_ENTITIES has its arm; one without is a
            // bug, answered as a broken stream (the device resumes), never
            // as another entity's rows.
            other => Err(SnapshotError::Row(format!(
                "the snapshot has no reader for {other:?}"
            ))),
        }
    }

    async fn dnc(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
        );
        let rows: Vec<Row> =
            sqlx::query_as(
                "SELECT d.id, d.scope, d.target, d.channel, d.source, d.recorded_at, d.hlc, d.reverses \
                 FROM dnc_entries d WHERE d.campaign_id = $1 AND d.id > $3 AND ( \
                   (d.scope = 'person' AND EXISTS (SELECT 1 FROM voters v WHERE v.campaign_id = d.campaign_id \
                        AND v.voter_id = d.target AND v.precinct_code = ANY($2))) \
                   OR (d.scope = 'phone' AND EXISTS (SELECT 1 FROM phones p JOIN voters v \
                        ON v.campaign_id = p.campaign_id AND v.voter_id = p.voter_id \
                        WHERE p.campaign_id = d.campaign_id AND p.number = d.target AND v.precinct_code = ANY($2))) \
                   OR (d.scope IN ('address', 'household') AND EXISTS (SELECT 1 FROM households h \
                        WHERE h.campaign_id = d.campaign_id AND h.address_key = d.target AND h.precinct_code = ANY($2)))) \
                 ORDER BY d.id LIMIT $4",
            )
            .bind(self.campaign)
            .bind(&self.precincts)
            .bind(after)
            .bind(PAGE)
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter()
            .map(
                |(id, scope, target, channel, source, recorded_at, hlc, reverses)| {
                    let (Some(scope), Some(channel)) =
                        (Scope::parse(&scope), DncChannel::parse(&channel))
                    else {
                        return Err(SnapshotError::Row(format!(
                            "do-not-contact entry {id} has an unknown scope or channel"
                        )));
                    };
                    Ok((
                        id.clone(),
                        SnapshotRow::DncEntry(FeedDnc {
                            id,
                            scope,
                            target,
                            channel,
                            source,
                            recorded_at,
                            hlc,
                            reverses,
                        }),
                    ))
                },
            )
            .collect()
    }

    async fn households(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        let rows: Vec<HouseholdRow> = sqlx::query_as(&format!(
            "SELECT {HOUSEHOLD_COLUMNS} FROM households h \
             WHERE campaign_id = $1 AND precinct_code = ANY($2) AND address_key > $3 \
             ORDER BY address_key LIMIT $4"
        ))
        .bind(self.campaign)
        .bind(&self.precincts)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.address_key.clone(), SnapshotRow::Household(row.into())))
            .collect())
    }

    async fn voters(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        let rows: Vec<VoterRow> = sqlx::query_as(&format!(
            "SELECT {VOTER_COLUMNS} FROM voters v \
                 WHERE campaign_id = $1 AND precinct_code = ANY($2) AND voter_id > $3 \
                 ORDER BY voter_id LIMIT $4"
        ))
        .bind(self.campaign)
        .bind(&self.precincts)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (row.voter_id.clone(), SnapshotRow::Voter(row.into())))
            .collect())
    }

    async fn phones(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        let parts = split(after);
        let (voter, number) = (
            parts.first().copied().unwrap_or(""),
            parts.get(1).copied().unwrap_or(""),
        );
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            // Walks phones in key order and checks each voter's precinct, so
            // a page costs its own rows, not a sort of everything after it.
            "SELECT p.voter_id, p.number, p.status, p.source FROM phones p \
             WHERE p.campaign_id = $1 AND (p.voter_id, p.number) > ($3, $4) \
               AND EXISTS (SELECT 1 FROM voters v WHERE v.campaign_id = p.campaign_id \
                           AND v.voter_id = p.voter_id AND v.precinct_code = ANY($2)) \
             ORDER BY p.voter_id, p.number LIMIT $5",
        )
        .bind(self.campaign)
        .bind(&self.precincts)
        .bind(voter)
        .bind(number)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(voter_id, number, status, source)| {
                (
                    format!("{voter_id}{KEY_SEPARATOR}{number}"),
                    SnapshotRow::Phone(SnapshotPhone {
                        voter_id,
                        number,
                        status,
                        source,
                    }),
                )
            })
            .collect())
    }

    async fn votes(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        let parts = split(after);
        let part = |index: usize| parts.get(index).copied().unwrap_or("");
        // The first page starts before every date.
        let date = match part(1) {
            "" => "0001-01-01",
            date => date,
        };
        let rows: Vec<VoteTuple> = sqlx::query_as(
            "SELECT h.voter_id, h.election_date::text, h.election_type, h.election_desc, h.method, h.party \
             FROM vote_history h \
             WHERE h.campaign_id = $1 AND (h.voter_id, h.election_date, h.election_type) > ($3, $4::date, $5) \
               AND EXISTS (SELECT 1 FROM voters v WHERE v.campaign_id = h.campaign_id \
                           AND v.voter_id = h.voter_id AND v.precinct_code = ANY($2)) \
             ORDER BY h.voter_id, h.election_date, h.election_type LIMIT $6",
        )
        .bind(self.campaign)
        .bind(&self.precincts)
        .bind(part(0))
        .bind(date)
        .bind(part(2))
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let vote = vote_from(row);
                (
                    format!(
                        "{}{KEY_SEPARATOR}{}{KEY_SEPARATOR}{}",
                        vote.voter_id, vote.election_date, vote.election_type
                    ),
                    SnapshotRow::Vote(vote),
                )
            })
            .collect())
    }

    async fn contacts(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        let rows: Vec<ContactRow> = sqlx::query_as(
            "SELECT id, voter_id, channel, result, phone, call_list, turf, volunteer, note, answers, \
                    recorded_at, hlc, device_id::text AS device_id, flags \
             FROM contact_attempts WHERE campaign_id = $1 AND precinct_code = ANY($2) AND id > $3 \
             ORDER BY id LIMIT $4",
        )
        .bind(self.campaign)
        .bind(&self.precincts)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let key = row.id.clone();
                Ok((key, SnapshotRow::ContactAttempt(row.into_feed()?)))
            })
            .collect()
    }

    /// The office's questions (every version), scripts, volunteers and
    /// list and turf set-ups, each as the domain's record.
    async fn office_records(
        &self,
        kind: &str,
        after: &str,
    ) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        let rows: Vec<(String, serde_json::Value)> = sqlx::query_as(
            "SELECT id, record FROM office_records \
             WHERE campaign_id = $1 AND office_id = $2 AND kind = $3 AND id > $4 \
             ORDER BY id LIMIT $5",
        )
        .bind(self.campaign)
        .bind(self.office)
        .bind(kind)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, record)| {
                let bad = |e: serde_json::Error| SnapshotError::Row(format!("{kind} {id}: {e}"));
                let row = match kind {
                    "question" => {
                        SnapshotRow::Question(serde_json::from_value(record).map_err(bad)?)
                    }
                    "script" => SnapshotRow::Script(serde_json::from_value(record).map_err(bad)?),
                    "volunteer" => {
                        SnapshotRow::Volunteer(serde_json::from_value(record).map_err(bad)?)
                    }
                    "work_setup" => {
                        SnapshotRow::WorkSetup(serde_json::from_value(record).map_err(bad)?)
                    }
                    "goals" => SnapshotRow::Goals(serde_json::from_value(record).map_err(bad)?),
                    "batch_decision" => {
                        SnapshotRow::BatchDecision(serde_json::from_value(record).map_err(bad)?)
                    }
                    other => {
                        return Err(SnapshotError::Row(format!(
                            "the snapshot has no reader for {other:?}"
                        )))
                    }
                };
                Ok((id, row))
            })
            .collect()
    }

    async fn segments(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        let rows: Vec<(String, String, serde_json::Value, String)> = sqlx::query_as(
            "SELECT id, name, filter, recorded_at FROM segments \
             WHERE campaign_id = $1 AND office_id = $2 AND state <> 'deleted' AND id > $3 \
             ORDER BY id LIMIT $4",
        )
        .bind(self.campaign)
        .bind(self.office)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name, filter, recorded_at)| {
                let filter = serde_json::from_value(filter)
                    .map_err(|error| SnapshotError::Row(format!("segment {id}: {error}")))?;
                Ok((
                    id.clone(),
                    SnapshotRow::Segment(SegmentRecord {
                        segment_id: id,
                        name,
                        filter,
                        recorded_at,
                    }),
                ))
            })
            .collect()
    }

    async fn call_lists(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        type Row = (
            String,
            String,
            serde_json::Value,
            Option<String>,
            Option<serde_json::Value>,
            i32,
            String,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, rules, script, segment, items, recorded_at, state FROM call_lists \
             WHERE campaign_id = $1 AND office_id = $2 AND state <> 'deleted' AND id > $3 \
             ORDER BY id LIMIT $4",
        )
        .bind(self.campaign)
        .bind(self.office)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(id, name, rules, script, segment, items, recorded_at, state)| {
                    let rules = serde_json::from_value(rules)
                        .map_err(|e| SnapshotError::Row(format!("call list {id}: {e}")))?;
                    let work = work_row("call list", &id, segment, &state, |segment| {
                        CallListRecord {
                            list_id: id.clone(),
                            name,
                            rules,
                            script,
                            segment,
                            items: u32::try_from(items).unwrap_or(0),
                            recorded_at,
                        }
                    })?;
                    Ok((id, SnapshotRow::CallList(work)))
                },
            )
            .collect()
    }

    /// Items of the office's live lists, by list and position, cut into
    /// records of at most `CALL_ITEMS_PER_RECORD`; a record's key is its
    /// list and last position.
    async fn call_items(&self, after: &str) -> Result<Page, SnapshotError> {
        let (after_list, after_position) = match split(after).as_slice() {
            [list, position] => (list.to_string(), position.parse::<i32>().unwrap_or(0)),
            _ => (String::new(), 0),
        };
        let limit = i64::try_from(CALL_ITEMS_PER_RECORD).unwrap_or(PAGE);
        let rows: Vec<(String, i32, String, String)> = sqlx::query_as(
            "SELECT i.list_id, i.position, i.voter_id, i.phone FROM call_list_items i \
             JOIN call_lists l ON l.campaign_id = i.campaign_id AND l.id = i.list_id \
             WHERE i.campaign_id = $1 AND l.office_id = $2 AND l.state <> 'deleted' \
               AND (i.list_id, i.position) > ($3, $4) \
             ORDER BY i.list_id, i.position LIMIT $5",
        )
        .bind(self.campaign)
        .bind(self.office)
        .bind(&after_list)
        .bind(after_position)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let more = rows.len() == usize::try_from(limit).unwrap_or(usize::MAX);
        let mut records: Vec<(String, SnapshotRow)> = Vec::new();
        let mut current: Option<(CallItemsRecord, i32)> = None;
        let finish = |current: Option<(CallItemsRecord, i32)>,
                      records: &mut Vec<(String, SnapshotRow)>| {
            if let Some((record, last)) = current {
                records.push((
                    format!("{}{KEY_SEPARATOR}{last}", record.list_id),
                    SnapshotRow::CallItems(record),
                ));
            }
        };
        for (list, position, voter, phone) in rows {
            let voter = VoterId::parse(&voter)
                .map_err(|error| SnapshotError::Row(format!("call list {list}: {error}")))?;
            let follows = current
                .as_ref()
                .is_some_and(|(record, last)| record.list_id == list && *last + 1 == position);
            if !follows {
                finish(current.take(), &mut records);
                current = Some((
                    CallItemsRecord {
                        list_id: list.clone(),
                        first: u32::try_from(position).unwrap_or(0),
                        items: Vec::new(),
                    },
                    position,
                ));
            }
            if let Some((record, last)) = current.as_mut() {
                record.items.push(CallItem(voter, phone));
                *last = position;
            }
        }
        finish(current, &mut records);
        Ok((records, more))
    }

    async fn turfs(&self, after: &str) -> Result<Vec<(String, SnapshotRow)>, SnapshotError> {
        type Row = (
            String,
            String,
            Option<String>,
            String,
            Option<serde_json::Value>,
            Vec<String>,
            String,
            String,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, precinct_code, kind, segment, doors, recorded_at, state FROM turfs \
             WHERE campaign_id = $1 AND office_id = $2 AND state <> 'deleted' AND id > $3 \
             ORDER BY id LIMIT $4",
        )
        .bind(self.campaign)
        .bind(self.office)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(
                |(id, name, precinct, kind, segment, doors, recorded_at, state)| {
                    let work = work_row("turf", &id, segment, &state, |segment| TurfRecord {
                        turf_id: id.clone(),
                        name,
                        precinct,
                        method: kind,
                        segment,
                        doors,
                        recorded_at,
                    })?;
                    Ok((id, SnapshotRow::Turf(work)))
                },
            )
            .collect()
    }
}

/// A list or turf as stored, with the segment it was made from and its
/// state read strictly (a state this build does not know stops the stream).
fn work_row<T>(
    noun: &str,
    id: &str,
    segment: Option<serde_json::Value>,
    state: &str,
    record: impl FnOnce(Option<groundgame_domain::segment::SegmentFilter>) -> T,
) -> Result<SnapshotWork<T>, SnapshotError> {
    let bad = |error: String| SnapshotError::Row(format!("{noun} {id}: {error}"));
    let segment = segment
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| bad(e.to_string()))?;
    let state = WorkState::parse(state).ok_or_else(|| bad(format!("unknown state {state:?}")))?;
    Ok(SnapshotWork {
        record: record(segment),
        state,
    })
}

/// A vote as read from `vote_history` (voter, date as text, type,
/// description, method, party), as the snapshot and a voter-file change
/// send it.
pub(crate) type VoteTuple = (String, String, String, String, String, String);

pub(crate) fn vote_from(
    (voter_id, election_date, election_type, election_desc, method, party): VoteTuple,
) -> SnapshotVote {
    SnapshotVote {
        voter_id,
        election_date,
        election_type,
        election_desc,
        method,
        party,
    }
}

/// A household as the snapshot (and a voter-file change) sends it, from
/// `households h`, read into [`HouseholdRow`].
pub(crate) const HOUSEHOLD_COLUMNS: &str =
    "h.address_key, h.house_number, h.street, h.unit, h.city, h.state, h.zip, h.precinct_code, \
     h.time_zone";

#[derive(sqlx::FromRow)]
pub(crate) struct HouseholdRow {
    address_key: String,
    house_number: Option<i64>,
    street: String,
    unit: String,
    city: String,
    state: String,
    zip: String,
    precinct_code: Option<String>,
    time_zone: String,
}

impl From<HouseholdRow> for SnapshotHousehold {
    fn from(row: HouseholdRow) -> Self {
        Self {
            address_key: row.address_key,
            house_number: row.house_number,
            street: row.street,
            unit: row.unit,
            city: row.city,
            state: row.state,
            zip: row.zip,
            precinct_code: row.precinct_code,
            time_zone: row.time_zone,
        }
    }
}

/// A voter as the snapshot (and a voter-file change) sends them, from
/// `voters v`, read into [`VoterRow`].
pub(crate) const VOTER_COLUMNS: &str =
    "v.voter_id, v.household_key, v.last_name, v.first_name, v.middle_name, v.suffix, \
     v.birth_year, v.gender, v.party, v.status, v.registered_on::text AS registered_on, \
     v.confidential, v.county, v.source, v.content_hash, v.version, \
     v.removed_at IS NOT NULL AS removed, v.language, v.best_time, \
     v.added_by IS NOT NULL AS added_at_door, v.deceased, v.moved";

#[derive(sqlx::FromRow)]
pub(crate) struct VoterRow {
    voter_id: String,
    household_key: Option<String>,
    last_name: String,
    first_name: String,
    middle_name: String,
    suffix: String,
    birth_year: Option<i32>,
    gender: String,
    party: String,
    status: String,
    registered_on: Option<String>,
    confidential: bool,
    county: String,
    source: String,
    content_hash: i64,
    version: i64,
    removed: bool,
    language: String,
    best_time: String,
    added_at_door: bool,
    deceased: bool,
    moved: bool,
}

impl From<VoterRow> for SnapshotVoter {
    fn from(row: VoterRow) -> Self {
        Self {
            voter_id: row.voter_id,
            household_key: row.household_key,
            last_name: row.last_name,
            first_name: row.first_name,
            middle_name: row.middle_name,
            suffix: row.suffix,
            birth_year: row.birth_year,
            gender: row.gender,
            party: row.party,
            status: row.status,
            registered_on: row.registered_on,
            confidential: row.confidential,
            county: row.county,
            source: row.source,
            content_hash: row.content_hash,
            version: row.version,
            removed: row.removed,
            language: row.language,
            best_time: row.best_time,
            added_at_door: row.added_at_door,
            deceased: row.deceased,
            moved: row.moved,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    voter_id: String,
    channel: String,
    result: String,
    phone: Option<String>,
    call_list: Option<String>,
    turf: Option<String>,
    volunteer: Option<String>,
    note: String,
    answers: sqlx::types::Json<Vec<SurveyAnswer>>,
    recorded_at: String,
    hlc: String,
    device_id: String,
    flags: Vec<String>,
}

impl ContactRow {
    fn into_feed(self) -> Result<FeedContact, SnapshotError> {
        let bad = |what: &str| SnapshotError::Row(format!("contact attempt {}: {what}", self.id));
        let voter_id = VoterId::parse(&self.voter_id).map_err(|_| bad("voter id"))?;
        let channel =
            groundgame_domain::Channel::parse(&self.channel).ok_or_else(|| bad("channel"))?;
        let flags = self
            .flags
            .iter()
            .map(|flag| {
                AttemptFlag::parse(flag)
                    .ok_or_else(|| bad(&format!("a flag this build does not know ({flag:?})")))
            })
            .collect::<Result<_, _>>()?;
        Ok(FeedContact {
            record: ContactRecord {
                attempt_id: self.id.clone(),
                voter_id,
                channel,
                result: self.result,
                phone: self.phone,
                call_list: self.call_list,
                turf: self.turf,
                answers: self.answers.0,
                note: (!self.note.is_empty()).then_some(self.note),
                volunteer: self.volunteer,
                recorded_at: self.recorded_at,
                lease: None,
            },
            hlc: self.hlc,
            device_id: self.device_id,
            flags,
        })
    }
}
