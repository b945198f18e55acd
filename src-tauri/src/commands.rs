//! The IPC surface: each command maps one request from the UI onto the store.
//! Queries run on a blocking thread so the window never waits on SQLite.

use crate::error::Error;
use crate::state::AppState;
use groundgame_domain::ipc::{OfficeOverview, VoterPage, VoterQuery};
use groundgame_store::Store;
use tauri::State;

async fn with_store<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&Store) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let store = state.store.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let store = store.lock().map_err(|_| Error::Poisoned)?;
        work(&store)
    })
    .await
    .map_err(|error| Error::Interrupted(error.to_string()))?
}

#[tauri::command]
pub async fn office_overview(state: State<'_, AppState>) -> Result<OfficeOverview, Error> {
    with_store(&state, |store| Ok(store.overview()?)).await
}

#[tauri::command]
pub async fn search_voters(
    state: State<'_, AppState>,
    query: VoterQuery,
) -> Result<VoterPage, Error> {
    with_store(&state, move |store| Ok(store.search_voters(&query)?)).await
}
