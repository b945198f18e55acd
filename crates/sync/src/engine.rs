//! One sync: push the outbox, pull the change feed, apply at a complete
//! checkpoint (docs/sync-protocol.md). Every local step is one transaction
//! in the store, and the store is locked only for those steps, never while
//! waiting on the network, so the app stays usable during a sync.
//!
//! A sync can stop anywhere (a crash, a lost connection) and the next one
//! picks up: the registry answers re-sent mutations `duplicate`, and pulled
//! pages wait in staging until their checkpoint is complete.

use crate::retry::Backoff;
use crate::{RegistryClient, SyncError};
pub use groundgame_domain::ipc::{Rejection, SyncReport, SyncStep};
use groundgame_domain::wire::{PushOutcome, LEASE_BATCH, LEASE_TTL_MAX, PULL_LIMIT, PUSH_LIMIT};
use groundgame_store::Store;
use jiff::Timestamp;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    pub backoff: Backoff,
    /// Mutations per push (at most the protocol's 500).
    pub push_batch: usize,
    /// Changes per pull page (at most the protocol's 5,000).
    pub pull_page: u32,
    /// How many call targets to hold leases on ahead of the phone bank: a
    /// few online (renewed by each sync), a day's worth before going offline.
    pub lease_ahead: usize,
    /// How long those leases last (at most 12 hours).
    pub lease_seconds: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            backoff: Backoff::default(),
            push_batch: PUSH_LIMIT,
            pull_page: 1_000,
            lease_ahead: 50,
            lease_seconds: 15 * 60,
        }
    }
}

/// Where the engine finds the laptop's store. It is locked only for each
/// local step, never across the network, so the app stays usable.
pub trait LocalStore {
    fn with<T>(
        &self,
        step: impl FnOnce(&mut Store) -> Result<T, groundgame_store::StoreError>,
    ) -> Result<T, SyncError>;
}

impl LocalStore for Mutex<Store> {
    fn with<T>(
        &self,
        step: impl FnOnce(&mut Store) -> Result<T, groundgame_store::StoreError>,
    ) -> Result<T, SyncError> {
        // A panic elsewhere while holding the lock leaves SQLite consistent
        // (every step is a transaction), so a poisoned lock is still usable.
        let mut guard = self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(step(&mut guard)?)
    }
}

/// The registry the store is enrolled with, and the device's credential.
pub(crate) struct Link {
    pub client: RegistryClient,
    pub enrolment: groundgame_store::EnrolmentRecord,
    pub device_id: String,
    pub secret: String,
}

impl Link {
    pub(crate) fn of(store: &impl LocalStore) -> Result<Self, SyncError> {
        let enrolment = store
            .with(|store| store.enrolment())?
            .ok_or(SyncError::NotEnrolled)?;
        let (device_id, secret) = store
            .with(|store| store.device_credential())?
            .ok_or(SyncError::NotEnrolled)?;
        Ok(Self {
            client: RegistryClient::new(&enrolment.registry_url)?,
            enrolment,
            device_id,
            secret,
        })
    }
}

/// Syncs the store with the registry it is enrolled with.
pub async fn sync(
    store: &impl LocalStore,
    options: SyncOptions,
    progress: &mut (dyn FnMut(SyncStep) + Send),
) -> Result<SyncReport, SyncError> {
    let Link {
        client,
        enrolment,
        device_id,
        secret,
    } = Link::of(store)?;
    // Both the steps below and the retries report progress.
    let progress = std::cell::RefCell::new(progress);
    let step = |now: SyncStep| (progress.borrow_mut())(now);
    step(SyncStep::Connecting);
    let backoff = options.backoff;
    let retried = |attempt: u32, _: &SyncError| step(SyncStep::Retrying { attempt });
    let credential = backoff
        .run(|| client.token(&device_id, &secret), retried)
        .await?;
    let token = credential.access_token;
    let mut report = SyncReport {
        revoked: credential.revoked,
        ..SyncReport::default()
    };

    // Push, oldest first, until nothing is pending.
    let total = store.with(|store| store.pending_changes())?;
    loop {
        let batch =
            store.with(|store| store.outbox_batch(options.push_batch.clamp(1, PUSH_LIMIT)))?;
        if batch.is_empty() {
            break;
        }
        let kinds: Vec<(i64, String)> = batch.iter().map(|m| (m.seq, m.kind.clone())).collect();
        report.pushed += batch.len() as u64;
        let answer = backoff
            .run(|| client.push(&token, batch.clone()), retried)
            .await?;
        let before = store.with(|store| store.pending_changes())?;
        store.with(|store| {
            store.record_push_results(&answer.results, &answer.registry_hlc, Timestamp::now())
        })?;
        for result in &answer.results {
            let outcome = match (result.result, result.first_result) {
                (PushOutcome::Duplicate, first) => {
                    report.duplicates += 1;
                    first.unwrap_or(PushOutcome::Applied)
                }
                (outcome, _) => {
                    if outcome == PushOutcome::Applied {
                        report.accepted += 1;
                    }
                    outcome
                }
            };
            if matches!(outcome, PushOutcome::Rejected | PushOutcome::Conflict) {
                if outcome == PushOutcome::Rejected {
                    report.rejected += 1;
                } else {
                    report.conflicts += 1;
                }
                report.rejections.push(Rejection {
                    seq: result.seq,
                    kind: kinds
                        .iter()
                        .find(|(seq, _)| *seq == result.seq)
                        .map(|(_, kind)| kind.clone())
                        .unwrap_or_default(),
                    result: outcome.as_str().to_owned(),
                    reason: result.reason.clone().unwrap_or_default(),
                });
            }
        }
        let after = store.with(|store| store.pending_changes())?;
        step(SyncStep::Pushing {
            done: total.saturating_sub(after),
            total,
        });
        if after >= before {
            // The registry answered without settling anything: stop rather
            // than send the same batch forever.
            break;
        }
    }

    if report.revoked {
        report.pending = store.with(|store| store.pending_changes())?;
        return Ok(report);
    }

    // A laptop that has never synced takes its office's snapshot first,
    // resuming a download that broke off.
    let snapshot = store.with(|store| store.snapshot_state())?;
    let never_pulled = store.with(|store| store.pull_state())?.checkpoint == 0;
    if !snapshot.done && never_pulled {
        let before = snapshot.rows;
        let stored = backoff
            .run(|| download(store, &client, &token, &step), retried)
            .await?;
        report.snapshot_rows = stored.saturating_sub(before);
        store.with(|store| store.finish_snapshot(&enrolment.office))?;
    }

    // Pull to the head, staging every page.
    let state = store.with(|store| store.pull_state())?;
    let mut after = state.staged_through;
    let page_size = options.pull_page.clamp(1, PULL_LIMIT);
    loop {
        let page = backoff
            .run(|| client.pull(&token, after, page_size), retried)
            .await?;
        report.pulled += page.changes.len() as u64;
        store.with(|store| store.stage_changes(&page))?;
        after = page.checkpoint;
        step(SyncStep::Pulling {
            changes: report.pulled,
        });
        if page.complete {
            break;
        }
    }

    // Apply at the complete checkpoint, unless something new waits to be
    // pushed (then the next sync applies it, after pushing).
    report.pending = store.with(|store| store.pending_changes())?;
    if report.pending == 0 {
        let staged = store.with(|store| store.pull_state())?.staged;
        step(SyncStep::Applying { changes: staged });
        let applied = store.with(|store| store.apply_staged(after, Timestamp::now()))?;
        report.applied = applied.changes;
        report.outside_slice = applied.outside_slice;
        report.checkpoint = applied.checkpoint;
    } else {
        report.checkpoint = store.with(|store| store.pull_state())?.checkpoint;
    }
    // Lease ahead: the numbers the phone bank will want next.
    let mut wanted = options.lease_ahead;
    while wanted > 0 {
        let ttl = options.lease_seconds.clamp(60, LEASE_TTL_MAX);
        let now = Timestamp::now();
        let until = now
            .saturating_add(jiff::SignedDuration::from_secs(i64::from(ttl)))
            .unwrap_or(now);
        let targets =
            store.with(|store| store.lease_candidates(wanted.min(LEASE_BATCH), now, until))?;
        if targets.is_empty() {
            break;
        }
        step(SyncStep::Leasing {
            targets: targets.len() as u64,
        });
        let answer = match backoff
            .run(|| client.lease(&token, targets.clone(), ttl), retried)
            .await
        {
            Ok(answer) => answer,
            // Pushed and pulled work stands; the phone bank just has fewer
            // numbers to hand out until the next sync.
            Err(error) if !error.is_retryable() => {
                report.lease_error = Some(error.to_string());
                break;
            }
            Err(error) => return Err(error),
        };
        if answer.granted.is_empty() && answer.refused.is_empty() {
            break;
        }
        report.leased += answer.granted.len() as u64;
        report.lease_refused += answer.refused.len() as u64;
        // Refused targets are remembered as held elsewhere, so the next
        // round asks for the numbers after them.
        store.with(|store| store.save_leases(&answer))?;
        wanted = wanted.saturating_sub(answer.granted.len());
    }
    report.leases_held = store.with(|store| store.leases_held(Timestamp::now()))?;
    let json = serde_json::to_string(&report).unwrap_or_default();
    store.with(|store| store.save_sync_report(&json, Timestamp::now()))?;
    Ok(report)
}

/// Rows stored per transaction while a snapshot downloads.
const SNAPSHOT_BATCH: usize = 2_000;

/// Downloads the snapshot from where it stands to its end line; returns the
/// rows stored in all. Each batch is stored with its resume point, so a
/// broken download loses nothing and the retry picks up after it. The
/// stream is read, decompressed and parsed by a task of its own, so on a
/// runtime with two threads that work overlaps the writing.
async fn download(
    store: &impl LocalStore,
    client: &RegistryClient,
    token: &str,
    step: &impl Fn(SyncStep),
) -> Result<u64, SyncError> {
    let state = store.with(|store| store.snapshot_state())?;
    let mut stored = state.rows;
    let mut total = 0;
    let reader = client.snapshot(token, state.resume.as_deref()).await?;
    let (sender, mut pieces) = tokio::sync::mpsc::channel(4);
    let reading = AbortOnDrop(tokio::spawn(read_snapshot(reader, sender)));
    while let Some(piece) = pieces.recv().await {
        match piece {
            Piece::Header { position, rows } => {
                store.with(|store| store.begin_snapshot(position))?;
                total = rows;
            }
            Piece::Rows(batch) => {
                store.with(|store| store.store_snapshot_rows(&batch, Timestamp::now()))?;
                stored += batch.len() as u64;
                step(SyncStep::Downloading {
                    rows: stored,
                    total: total.max(stored),
                });
            }
            Piece::End => {
                step(SyncStep::Downloading {
                    rows: stored,
                    total: stored,
                });
                return Ok(stored);
            }
            Piece::Failed(error) => return Err(error),
        }
    }
    drop(reading);
    // The reader stopped without the end line: the connection closed.
    Err(SyncError::Interrupted {
        url: "the registry's snapshot".to_owned(),
    })
}

/// What the reading task hands the writer.
enum Piece {
    Header { position: i64, rows: u64 },
    Rows(Vec<(String, groundgame_domain::snapshot::SnapshotRow)>),
    End,
    Failed(SyncError),
}

/// Stops the reading task when the download ends, however it ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn read_snapshot(
    mut reader: crate::SnapshotReader,
    pieces: tokio::sync::mpsc::Sender<Piece>,
) {
    use groundgame_domain::snapshot::SnapshotLine;
    let mut batch = Vec::with_capacity(SNAPSHOT_BATCH);
    loop {
        let piece = match reader.next_line().await {
            Ok(Some(SnapshotLine::Header { position, rows })) => Piece::Header { position, rows },
            Ok(Some(SnapshotLine::Row { key, row })) => {
                batch.push((key, row));
                if batch.len() < SNAPSHOT_BATCH {
                    continue;
                }
                Piece::Rows(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(SNAPSHOT_BATCH),
                ))
            }
            // The last piece: the end line, a connection that closed, or a
            // line that could not be read. What arrived is handed over first,
            // so it is stored and a retry resumes after it.
            last => {
                let last = match last {
                    Ok(Some(SnapshotLine::End)) => Some(Piece::End),
                    Ok(_) => None,
                    Err(error) => Some(Piece::Failed(error)),
                };
                if !batch.is_empty()
                    && pieces
                        .send(Piece::Rows(std::mem::take(&mut batch)))
                        .await
                        .is_err()
                {
                    return;
                }
                if let Some(last) = last {
                    let _ = pieces.send(last).await;
                }
                return;
            }
        };
        if pieces.send(piece).await.is_err() {
            return;
        }
    }
}
