//! Sync in the app: enrolment, "Sync now" with its progress, the sync
//! screen's overview, and the background sync that runs whenever the
//! laptop is enrolled, unlocked and the registry answers.
//!
//! A sync runs on a thread of its own with a small runtime: the engine holds
//! the store only for each local step, so the window keeps working while
//! it talks to the registry.

use crate::error::Error;
use crate::state::AppState;
use groundgame_domain::ipc::{
    AttentionItem, EnrolDeviceRequest, RegistryLink, SyncOverview, SyncReport, SyncStatus, SyncStep,
};
use groundgame_store::{EnrolmentRecord, Store, StoreError};
use groundgame_sync::retry::Backoff;
use groundgame_sync::{LocalStore, RegistryClient, SyncError, SyncOptions};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tauri::ipc::Channel;
use tauri::State;

/// How often the background sync runs (`GROUNDGAME_SYNC_SECONDS` changes
/// it, for training days and tests).
fn interval() -> Duration {
    std::env::var("GROUNDGAME_SYNC_SECONDS")
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .map_or(Duration::from_secs(120), |seconds| {
            Duration::from_secs(seconds.max(1))
        })
}

/// A runtime for one request to the registry while someone waits on the
/// screen (enrolment, the review queue).
pub(crate) fn one_request_runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::Interrupted(error.to_string()))
}

/// After a sync succeeds, the laptop counts as online this long.
const ONLINE_FOR: Duration = Duration::from_secs(10 * 60);

impl LocalStore for AppState {
    fn with<T>(
        &self,
        step: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, SyncError> {
        match self.with_store_mut(|store| Ok(step(store))) {
            Ok(result) => Ok(result?),
            Err(Error::Locked) => Err(SyncError::Locked),
            Err(error) => Err(SyncError::Store(StoreError::Corrupt(error.to_string()))),
        }
    }
}

fn link(record: EnrolmentRecord) -> RegistryLink {
    RegistryLink {
        registry_url: record.registry_url,
        device_name: record.device_name,
        campaign: record.campaign,
        office: record.office,
        role: record.role,
        enrolled_at: record.enrolled_at,
    }
}

impl AppState {
    /// Runs one sync now, unless one is running already.
    pub fn run_sync(
        &self,
        mut options: SyncOptions,
        progress: &mut (dyn FnMut(SyncStep) + Send),
    ) -> Result<SyncReport, Error> {
        if !self.calls_here()? {
            // Numbers leased to a laptop nobody calls from would sit idle
            // while the callers' laptops are refused them.
            options.lease_ahead = 0;
        }
        if self.sync.running.swap(true, Ordering::SeqCst) {
            return Err(Error::BadRequest(
                "a sync is already running; its result shows here when it ends".into(),
            ));
        }
        // Two threads: a snapshot is read and decoded on one while the other
        // writes it into the database.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|error| Error::Interrupted(error.to_string()));
        let outcome = runtime.and_then(|runtime| {
            runtime
                .block_on(groundgame_sync::sync(self, options, progress))
                .map_err(Error::Sync)
        });
        // Revoked, with everything pushed: this laptop holds nothing more.
        let outcome = match outcome {
            Ok(report) if report.revoked && report.pending == 0 => {
                self.wipe_after_revocation().map(|_| report)
            }
            other => other,
        };
        if let Ok(mut last) = self.sync.last.lock() {
            match &outcome {
                Ok(_) => {
                    last.error = None;
                    last.succeeded = Some(Instant::now());
                }
                Err(error) => last.error = Some(error.to_string()),
            }
        }
        self.sync.running.store(false, Ordering::SeqCst);
        outcome
    }

    pub fn sync_overview(&self) -> Result<SyncOverview, Error> {
        let last_error = self
            .sync
            .last
            .lock()
            .ok()
            .and_then(|last| last.error.clone());
        let syncing = self.sync.running.load(Ordering::SeqCst);
        self.with_store(|store| {
            let (last_sync_at, report) = store.last_sync()?;
            let needs_attention = store
                .needs_attention()?
                .into_iter()
                .map(|entry| AttentionItem {
                    seq: entry.seq,
                    summary: entry.mutation.summary(),
                    state: entry.state,
                    reason: entry.reason.unwrap_or_default(),
                })
                .collect();
            Ok(SyncOverview {
                enrolment: store.enrolment()?.map(link),
                pending_changes: store.pending_changes()?,
                last_sync_at,
                last_report: report.and_then(|json| serde_json::from_str(&json).ok()),
                last_error,
                syncing,
                needs_attention,
            })
        })
    }

    pub fn sync_status(&self) -> Result<SyncStatus, Error> {
        let online = self
            .sync
            .last
            .lock()
            .ok()
            .and_then(|last| last.succeeded)
            .is_some_and(|at| at.elapsed() < ONLINE_FOR);
        self.with_store(|store| {
            Ok(SyncStatus {
                pending_changes: store.pending_changes()?,
                registry: store.enrolment()?.map(|record| record.registry_url),
                online,
            })
        })
    }

    /// Enrols this laptop with a coordinator's one-time code.
    pub fn enrol(&self, request: &EnrolDeviceRequest) -> Result<RegistryLink, Error> {
        if self.with_store(|store| Ok(store.enrolment()?))?.is_some() {
            return Err(Error::BadRequest(
                "this laptop is already enrolled; a coordinator can revoke it to start again"
                    .into(),
            ));
        }
        let name = request.device_name.trim();
        if name.is_empty() {
            return Err(Error::BadRequest(
                "give this laptop a name coordinators will recognise (\"Front desk laptop\")"
                    .into(),
            ));
        }
        let client = RegistryClient::new(request.registry_url.trim()).map_err(Error::Sync)?;
        let enrolment = one_request_runtime()?
            .block_on(async {
                client.health().await?;
                client.enrol(request.code.trim(), name).await
            })
            .map_err(Error::Sync)?;
        self.with_store_mut(|store| {
            store.save_enrolment(
                request.registry_url.trim(),
                name,
                &enrolment,
                jiff::Timestamp::now(),
            )?;
            Ok(store.enrolment()?.map(link))
        })?
        .ok_or_else(|| Error::Interrupted("the enrolment was not saved".into()))
    }

    /// Whether this laptop calls: a volunteer who is a caller is signed in,
    /// or the office keeps no roster (anyone at the keyboard may call).
    fn calls_here(&self) -> Result<bool, Error> {
        if let Some(volunteer) = self.signed_in()? {
            return Ok(volunteer
                .roles
                .contains(&groundgame_domain::wire::Role::Caller));
        }
        let roster = self.with_store(|store| Ok(store.volunteers()?))?;
        Ok(!roster.iter().any(|v| !v.retired))
    }

    /// Syncs in the background, every `interval()`, whenever the office is
    /// unlocked and enrolled. A failure is kept for the sync screen and the
    /// next round tries again (each sync retries with backoff itself).
    pub fn start_background_sync(&self) {
        let state = self.clone();
        let spawned = std::thread::Builder::new()
            .name("background sync".into())
            .spawn(move || loop {
                std::thread::sleep(interval());
                let ready = state
                    .with_store(|store| Ok(store.enrolment()?.is_some()))
                    .unwrap_or(false);
                if ready && !state.sync.running.load(Ordering::SeqCst) {
                    let _ = state.run_sync(SyncOptions::default(), &mut |_| {});
                }
            });
        if let Err(error) = spawned {
            eprintln!("groundgame: background sync could not start: {error}");
        }
    }
}

/// Tells the registry a revoked laptop has wiped itself; whether it heard.
pub(crate) fn report_wipe(registry_url: &str, device_id: &str, secret: &str) -> bool {
    let told = one_request_runtime().ok().map(|runtime| {
        runtime.block_on(async {
            let client = groundgame_sync::RegistryClient::new(registry_url)?;
            let token = client.token(device_id, secret).await?;
            client.report_wiped(&token.access_token).await
        })
    });
    match told {
        Some(Ok(())) => true,
        Some(Err(error)) => {
            tracing::warn!(%error, "the registry could not be told of the wipe");
            false
        }
        None => false,
    }
}

#[tauri::command]
pub async fn sync_overview(state: State<'_, AppState>) -> Result<SyncOverview, Error> {
    crate::commands::blocking(&state, AppState::sync_overview).await
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, Error> {
    crate::commands::blocking(&state, AppState::sync_status).await
}

#[tauri::command]
pub async fn enrol_device(
    state: State<'_, AppState>,
    request: EnrolDeviceRequest,
) -> Result<RegistryLink, Error> {
    crate::commands::blocking(&state, move |state| state.enrol(&request)).await
}

#[tauri::command]
pub async fn sync_now(
    state: State<'_, AppState>,
    on_progress: Channel<SyncStep>,
) -> Result<SyncReport, Error> {
    // Someone is waiting on the button: a few quick retries, then say the
    // registry is unreachable (the background sync keeps trying).
    let options = SyncOptions {
        backoff: Backoff {
            attempts: 3,
            ..Backoff::default()
        },
        ..SyncOptions::default()
    };
    crate::commands::blocking(&state, move |state| {
        state.run_sync(options, &mut |step| {
            // The window may have gone; the sync carries on regardless.
            let _ = on_progress.send(step);
        })
    })
    .await
}
