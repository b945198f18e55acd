//! The IPC surface: each command maps one request from the UI onto the store.
//! Work runs on a blocking thread so the window never waits on SQLite or on
//! the passphrase's key derivation.

use crate::error::Error;
use crate::state::AppState;
use groundgame_domain::ipc::{
    ContactRequest, CorrectionRequest, DncRequest, ImportRequest, LockState, OfficeOverview,
    VoterPage, VoterQuery,
};
use groundgame_domain::office::{
    CallAssignment, CallListSummary, ContactOutcome, ImportProgress, ImportReport, NewPerson,
    PersonMatch, TurfSummary, VoterDetail, WalkPage,
};
use groundgame_domain::{PhoneNumber, Scope, VoterId};
use groundgame_store::{Caller, ImportError, ImportOptions, NewContact};
use groundgame_voterfile::{Layout, VoterFile};
use jiff::{SignedDuration, Timestamp};
use tauri::ipc::Channel;
use tauri::State;

pub(crate) async fn blocking<T: Send + 'static>(
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
    // Moved, not copied, into a passphrase that wipes its memory on drop.
    let passphrase = groundgame_store::Passphrase::new(passphrase)?;
    blocking(&state, move |state| state.unlock(&passphrase)).await
}

#[tauri::command]
pub async fn lock(state: State<'_, AppState>) -> Result<LockState, Error> {
    blocking(&state, AppState::lock).await
}

#[tauri::command]
pub async fn change_passphrase(
    state: State<'_, AppState>,
    request: groundgame_domain::ipc::ChangePassphraseRequest,
) -> Result<(), Error> {
    let current = groundgame_store::Passphrase::new(request.current)?;
    let new = groundgame_store::Passphrase::new(request.new)?;
    blocking(&state, move |state| state.change_passphrase(&current, &new)).await
}

#[tauri::command]
pub async fn dismiss_removal(state: State<'_, AppState>) -> Result<LockState, Error> {
    blocking(&state, AppState::dismiss_removal).await
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

#[tauri::command]
pub async fn voter_detail(
    state: State<'_, AppState>,
    voter_id: VoterId,
) -> Result<VoterDetail, Error> {
    blocking(&state, move |state| {
        state.with_store(|store| Ok(store.voter_detail(&voter_id)?))
    })
    .await
}

#[tauri::command]
pub async fn record_contact(
    state: State<'_, AppState>,
    request: ContactRequest,
) -> Result<ContactOutcome, Error> {
    blocking(&state, move |state| {
        let now = Timestamp::now();
        let mut contact = NewContact::new(request.voter_id, request.channel, &request.result);
        contact.phone = request
            .phone
            .as_deref()
            .map(PhoneNumber::parse)
            .transpose()
            .map_err(|error| Error::BadRequest(error.to_string()))?;
        contact.call_item = request.call_item;
        contact.turf = request.turf;
        contact.answers = request.answers;
        contact.note = request.note;
        // The result is the signed-in volunteer's, whatever the window
        // sent; an office with a roster records nothing anonymously.
        contact.volunteer = state.signed_in()?.map(|v| v.id);
        if contact.volunteer.is_none()
            && state
                .with_store(|store| Ok(store.volunteers()?))?
                .iter()
                .any(|v| !v.retired)
        {
            return Err(Error::BadRequest(
                "sign in first (the header's Sign in): every result says who made it".into(),
            ));
        }
        contact.callback_at = request
            .callback_minutes
            .map(|minutes| now + SignedDuration::from_mins(i64::from(minutes)));
        state.with_store_mut(|store| Ok(store.record_contact(&contact, now)?))
    })
    .await
}

#[tauri::command]
pub async fn add_dnc(state: State<'_, AppState>, request: DncRequest) -> Result<String, Error> {
    blocking(&state, move |state| {
        let target = match (request.scope, &request.phone) {
            (Scope::Phone, Some(phone)) => phone.clone(),
            (Scope::Phone, None) => {
                return Err(Error::BadRequest(
                    "a phone entry needs the number it applies to".into(),
                ))
            }
            _ => request.voter_id.as_str().to_owned(),
        };
        state.with_store_mut(|store| {
            Ok(store.add_dnc(
                request.scope,
                &target,
                request.channel,
                &request.source,
                Timestamp::now(),
            )?)
        })
    })
    .await
}

#[tauri::command]
pub async fn reverse_dnc(state: State<'_, AppState>, entry_id: String) -> Result<String, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.reverse_dnc(&entry_id, "reversed in the app", Timestamp::now())?)
        })
    })
    .await
}

#[tauri::command]
pub async fn correct_voter(
    state: State<'_, AppState>,
    request: CorrectionRequest,
) -> Result<(), Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.correct_voter_field(
                &request.voter_id,
                &request.field,
                &request.value,
                Timestamp::now(),
            )?)
        })
    })
    .await
}

#[tauri::command]
pub async fn turfs(state: State<'_, AppState>) -> Result<Vec<TurfSummary>, Error> {
    blocking(&state, |state| {
        let mut turfs = state.with_store(|store| Ok(store.turfs()?))?;
        let me = state.signed_in()?.map(|v| v.name);
        // The signed-in volunteer's own turfs first (the sort keeps the
        // rest in their order).
        turfs.sort_by_key(|t| !mine(&t.assigned, me.as_deref()));
        Ok(turfs)
    })
    .await
}

/// Whether a list or turf assigned to `assigned` is `me`'s.
fn mine(assigned: &[String], me: Option<&str>) -> bool {
    me.is_some_and(|me| assigned.iter().any(|name| name == me))
}

#[tauri::command]
pub async fn walk_list(
    state: State<'_, AppState>,
    turf: i64,
    from: u32,
    doors: u32,
) -> Result<WalkPage, Error> {
    blocking(&state, move |state| {
        let volunteer = state.signed_in()?.map(|v| v.name).unwrap_or_default();
        state.with_store(|store| {
            let mut page = store.walk_page(turf, from, doors)?;
            page.script = Some(store.turf_script(turf, &volunteer)?);
            Ok(page)
        })
    })
    .await
}

#[tauri::command]
pub async fn call_lists(state: State<'_, AppState>) -> Result<Vec<CallListSummary>, Error> {
    blocking(&state, |state| {
        let mut lists = state.with_store(|store| Ok(store.call_lists()?))?;
        let me = state.signed_in()?.map(|v| v.name);
        lists.sort_by_key(|l| !mine(&l.assigned, me.as_deref()));
        Ok(lists)
    })
    .await
}

#[tauri::command]
pub async fn next_call(
    state: State<'_, AppState>,
    list: i64,
    caller: String,
) -> Result<Option<CallAssignment>, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.next_call(list, &caller_of(state, &caller)?, Timestamp::now())?)
        })
    })
    .await
}

/// Who is calling: the signed-in volunteer (their name on the lease and
/// the script, their languages for calls marked for one), else the name
/// the window gave.
fn caller_of(state: &AppState, given: &str) -> Result<Caller, Error> {
    Ok(match state.signed_in()? {
        Some(volunteer) => Caller {
            name: volunteer.name,
            languages: volunteer.languages,
        },
        None => Caller::new(given),
    })
}

#[tauri::command]
pub async fn release_call(
    state: State<'_, AppState>,
    item: i64,
    caller: String,
) -> Result<(), Error> {
    blocking(&state, move |state| {
        let caller = caller_of(state, &caller)?;
        state.with_store_mut(|store| Ok(store.release_call(item, &caller)?))
    })
    .await
}

/// Imports a voter file, reporting progress through `on_progress` (a Tauri
/// channel: ordered, and cheap enough for a progress bar).
#[tauri::command]
pub async fn import_file(
    state: State<'_, AppState>,
    request: ImportRequest,
    on_progress: Channel<ImportProgress>,
) -> Result<ImportReport, Error> {
    blocking(&state, move |state| {
        let layout = Layout::from_slug(&request.layout).ok_or_else(|| {
            Error::BadRequest(format!(
                "unknown layout {:?}; use one of {}",
                request.layout,
                Layout::SLUGS.join(", ")
            ))
        })?;
        let file = VoterFile::open(std::path::Path::new(&request.path), &layout)
            .map_err(|error| Error::Import(ImportError::File(error)))?;
        state.with_store_mut(|store| {
            Ok(store.import(
                file,
                &layout,
                ImportOptions {
                    skip_bad: request.skip_bad,
                },
                Timestamp::now(),
                |progress| {
                    // A closed window stops listening; the import goes on.
                    let _ = on_progress.send(progress);
                },
            )?)
        })
    })
    .await
}

#[tauri::command]
pub async fn person_matches(
    state: State<'_, AppState>,
    person: NewPerson,
) -> Result<Vec<PersonMatch>, Error> {
    blocking(&state, move |state| {
        state.with_store(|store| Ok(store.person_matches(&person)?))
    })
    .await
}

#[tauri::command]
pub async fn add_person(state: State<'_, AppState>, person: NewPerson) -> Result<String, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| Ok(store.add_person(&person, Timestamp::now())?.to_string()))
    })
    .await
}
