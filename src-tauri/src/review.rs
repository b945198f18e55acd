//! The coordinator's review queue in the app: read and decided on the
//! registry (the queue gathers every laptop's reports, so it lives there);
//! after a decision this laptop syncs in the background so its own lists
//! show the outcome without waiting for the next round.

use crate::error::Error;
use crate::state::AppState;
use crate::sync::one_request_runtime;
use groundgame_domain::review::{ReviewDecision, ReviewList, ReviewResolution};
use groundgame_sync::SyncOptions;
use tauri::State;

/// Items shown at once; a coordinator works the oldest first.
const PAGE: u32 = 100;

impl AppState {
    fn review_queue(&self) -> Result<ReviewList, Error> {
        one_request_runtime()?
            .block_on(groundgame_sync::review::open_items(self, 0, PAGE))
            .map_err(Error::Sync)
    }

    fn review_decide(&self, id: i64, decision: &ReviewDecision) -> Result<ReviewResolution, Error> {
        let resolution = one_request_runtime()?
            .block_on(groundgame_sync::review::decide(self, id, decision))
            .map_err(Error::Sync)?;
        if resolution.changes > 0 {
            let state = self.clone();
            // Best effort (a sync already running, or one that fails, leaves
            // it to the background sync).
            let _ = std::thread::Builder::new()
                .name("sync after review".into())
                .spawn(move || state.run_sync(SyncOptions::default(), &mut |_| {}));
        }
        Ok(resolution)
    }
}

#[tauri::command]
pub async fn review_queue(state: State<'_, AppState>) -> Result<ReviewList, Error> {
    crate::commands::blocking(&state, AppState::review_queue).await
}

#[tauri::command]
pub async fn review_decide(
    state: State<'_, AppState>,
    id: i64,
    decision: ReviewDecision,
) -> Result<ReviewResolution, Error> {
    crate::commands::blocking(&state, move |state| state.review_decide(id, &decision)).await
}
