//! The Targeting view's commands: choices and live counts of a segment,
//! saved segments, and the call lists and turfs made from one; closing and
//! deleting them; and a canvasser taking a turf out (online: its doors are
//! leased from the registry). Each takes one `request` built from
//! `groundgame_domain::ipc`'s envelopes.

use crate::commands::blocking;
use crate::error::Error;
use crate::state::AppState;
use crate::sync::one_request_runtime;
use groundgame_domain::ipc::{TakeTurfRequest, WorkRequest, WorkStateRequest};
use groundgame_domain::segment::{SavedSegment, SegmentCounts, TargetingChoices};
use groundgame_domain::work::{CutTurf, MadeCallList, TurfHold};
use jiff::Timestamp;
use tauri::State;

/// The most doors a turf holds when the request names none.
const DEFAULT_DOORS: u32 = 60;

#[tauri::command]
pub async fn targeting_choices(state: State<'_, AppState>) -> Result<TargetingChoices, Error> {
    blocking(&state, |state| {
        state.with_store_mut(|store| Ok(store.targeting_choices()?))
    })
    .await
}

#[tauri::command]
pub async fn count_segment(
    state: State<'_, AppState>,
    request: WorkRequest,
) -> Result<SegmentCounts, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| Ok(store.count_segment(&request.filter)?))
    })
    .await
}

#[tauri::command]
pub async fn segments(state: State<'_, AppState>) -> Result<Vec<SavedSegment>, Error> {
    blocking(&state, |state| {
        state.with_store(|store| Ok(store.segments()?))
    })
    .await
}

#[tauri::command]
pub async fn save_segment(
    state: State<'_, AppState>,
    request: WorkRequest,
) -> Result<SavedSegment, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.save_segment(&request.name, &request.filter, Timestamp::now())?)
        })
    })
    .await
}

#[tauri::command]
pub async fn make_call_list(
    state: State<'_, AppState>,
    request: WorkRequest,
) -> Result<MadeCallList, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            let made = store.create_call_list(
                &request.name,
                &request.filter,
                &request.rules.unwrap_or_default(),
                Timestamp::now(),
            )?;
            tracing::info!(items = made.items, "call list made in the app");
            Ok(made)
        })
    })
    .await
}

#[tauri::command]
pub async fn preview_turfs(
    state: State<'_, AppState>,
    request: WorkRequest,
) -> Result<Vec<CutTurf>, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.preview_turfs(
                &request.name,
                &request.filter,
                request.doors.unwrap_or(DEFAULT_DOORS),
            )?)
        })
    })
    .await
}

#[tauri::command]
pub async fn cut_turfs(
    state: State<'_, AppState>,
    request: WorkRequest,
) -> Result<Vec<CutTurf>, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.cut_turfs(
                &request.name,
                &request.filter,
                request.doors.unwrap_or(DEFAULT_DOORS),
                Timestamp::now(),
            )?)
        })
    })
    .await
}

#[tauri::command]
pub async fn set_work_state(
    state: State<'_, AppState>,
    request: WorkStateRequest,
) -> Result<(), Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.set_work_state(request.work, &request.id, request.state, Timestamp::now())?)
        })
    })
    .await
}

#[tauri::command]
pub async fn take_turf(
    state: State<'_, AppState>,
    request: TakeTurfRequest,
) -> Result<Option<TurfHold>, Error> {
    blocking(&state, move |state| {
        one_request_runtime()?
            .block_on(groundgame_sync::turf::take(
                state,
                request.turf,
                request.hours,
            ))
            .map_err(Error::Sync)
    })
    .await
}
