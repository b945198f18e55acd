//! The IPC surface: each command maps one request from the UI onto the store.
//! Work runs on a blocking thread so the window never waits on SQLite or on
//! the passphrase's key derivation.

use crate::error::Error;
use crate::state::AppState;
use groundgame_domain::ipc::{LockState, OfficeOverview, VoterPage, VoterQuery};
use tauri::State;

async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&AppState) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let state = state.clone();
    tauri::async_runtime::spawn_blocking(move || work(&state))
        .await
        .map_err(|error| Error::Interrupted(error.to_string()))?
}

#[tauri::command]
pub async fn lock_state(state: State<'_, AppState>) -> Result<LockState, Error> {
    blocking(&state, AppState::lock_state).await
}

#[tauri::command]
pub async fn unlock(
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<OfficeOverview, Error> {
    blocking(&state, move |state| state.unlock(&passphrase)).await
}

#[tauri::command]
pub async fn office_overview(state: State<'_, AppState>) -> Result<OfficeOverview, Error> {
    blocking(&state, |state| {
        state.with_store(|store| Ok(store.overview()?))
    })
    .await
}

#[tauri::command]
pub async fn search_voters(
    state: State<'_, AppState>,
    query: VoterQuery,
) -> Result<VoterPage, Error> {
    blocking(&state, move |state| {
        state.with_store(|store| Ok(store.search_voters(&query)?))
    })
    .await
}
