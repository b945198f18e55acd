//! The Office dashboard's commands: the day's results computed from this
//! laptop's own slice (so they work offline), the goals a coordinator sets
//! for every laptop of the office, and, online, the campaign's figures by
//! office from the registry.

use crate::commands::blocking;
use crate::error::Error;
use crate::state::AppState;
use groundgame_domain::ipc::GoalsRequest;
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
