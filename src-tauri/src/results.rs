//! The Office dashboard's commands: the day's results computed from this
//! laptop's own slice (so they work offline), the goals a coordinator sets
//! for every laptop of the office, and, online, the campaign's figures by
//! office from the registry.

use crate::commands::blocking;
use crate::error::Error;
use crate::state::AppState;
use groundgame_domain::export::Written;
use groundgame_domain::ipc::{DecideBatchRequest, ExportRequest, GoalsRequest};
use groundgame_domain::office::AuditEntry;
use groundgame_domain::quality::BatchReport;
use groundgame_domain::results::{CampaignStats, Dashboard};
use groundgame_store::office_zone;
use jiff::Timestamp;
use tauri::State;

#[tauri::command]
pub async fn dashboard(state: State<'_, AppState>) -> Result<Dashboard, Error> {
    blocking(&state, |state| {
        state.with_store(|store| Ok(store.dashboard(Timestamp::now(), &office_zone())?))
    })
    .await
}

#[tauri::command]
pub async fn set_goals(
    state: State<'_, AppState>,
    request: GoalsRequest,
) -> Result<Dashboard, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            let now = Timestamp::now();
            store.set_goals(request, now)?;
            Ok(store.dashboard(now, &office_zone())?)
        })
    })
    .await
}

impl AppState {
    fn campaign_stats(&self) -> Result<CampaignStats, Error> {
        let zone = office_zone();
        let zone = zone.iana_name().unwrap_or("UTC").to_owned();
        crate::sync::one_request_runtime()?
            .block_on(groundgame_sync::stats::campaign(self, &zone))
            .map_err(Error::Sync)
    }
}

/// The campaign's figures by office (a coordinator's or admin's laptop,
/// online); offline or refused, the error says why and the dashboard keeps
/// its own figures.
#[tauri::command]
pub async fn campaign_stats(state: State<'_, AppState>) -> Result<CampaignStats, Error> {
    blocking(&state, AppState::campaign_stats).await
}

/// The days quality control looks back over in the app, today included.
const QUALITY_DAYS: u32 = 7;

/// Each volunteer's day of results this week, flagged ones first, with
/// the evidence (offline: from this laptop's own slice).
#[tauri::command]
pub async fn quality(state: State<'_, AppState>) -> Result<Vec<BatchReport>, Error> {
    blocking(&state, |state| {
        state.with_store(|store| {
            Ok(store.quality(Timestamp::now(), &office_zone(), QUALITY_DAYS)?)
        })
    })
    .await
}

/// Where the app writes exports: `--export-dir DIR`, else the user's
/// Downloads folder, else the folder of the office's database.
pub struct ExportDir(pub std::path::PathBuf);

/// Writes the office's results (this laptop's slice: every attempt of the
/// office) to a CSV file in the export folder and says where.
#[tauri::command]
pub async fn export_results(
    state: State<'_, AppState>,
    folder: State<'_, ExportDir>,
    request: ExportRequest,
) -> Result<Written, Error> {
    let folder = folder.0.clone();
    blocking(&state, move |state| {
        let since =
            match request.since.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(text.parse::<jiff::civil::Date>().map_err(|_| {
                    Error::BadRequest(format!("{text:?} is not a date; pick a day"))
                })?),
            };
        let zone = office_zone();
        let now = Timestamp::now();
        let name = format!(
            "groundgame-results-{}{}.csv",
            groundgame_store::office_day(now, &zone),
            match request.format {
                groundgame_domain::export::ResultsFormat::Csv => "",
                groundgame_domain::export::ResultsFormat::Crm => "-crm",
            }
        );
        std::fs::create_dir_all(&folder).map_err(|source| {
            Error::Store(groundgame_store::StoreError::Write {
                path: folder.clone(),
                source,
            })
        })?;
        let path = folder.join(name);
        state.with_store(|store| {
            Ok(store.write_results(
                &groundgame_store::ResultsQuery {
                    since,
                    ..Default::default()
                },
                &zone,
                request.format,
                &path,
                |_, _| {},
            )?)
        })
    })
    .await
}

/// Approves, quarantines or releases a batch; answers quality control as
/// it now stands.
#[tauri::command]
pub async fn decide_batch(
    state: State<'_, AppState>,
    request: DecideBatchRequest,
) -> Result<Vec<BatchReport>, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            let now = Timestamp::now();
            store.decide_batch(request.batch, request.verdict, &request.note, now)?;
            Ok(store.quality(now, &office_zone(), QUALITY_DAYS)?)
        })
    })
    .await
}

/// The audit log: who decided what, on this laptop and across the office.
#[tauri::command]
pub async fn audit_log(state: State<'_, AppState>) -> Result<Vec<AuditEntry>, Error> {
    blocking(&state, |state| {
        state.with_store(|store| Ok(store.audit_log()?))
    })
    .await
}
