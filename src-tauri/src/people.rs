//! The Scripts and Volunteers views' commands, and signing in: questions
//! (every edit a new version), scripts attached to lists and turfs, the
//! office's roster, assignments, and who is at the keyboard. Each takes
//! one `request` built from `groundgame_domain::ipc`'s envelopes.

use crate::commands::blocking;
use crate::error::Error;
use crate::state::AppState;
use groundgame_domain::ipc::{
    AssignRequest, AttachScriptRequest, QuestionRequest, RetireQuestionRequest,
    RetireScriptRequest, ScriptRequest, ScriptsOverview, SignInRequest, SignedIn, VolunteerRequest,
};
use groundgame_domain::survey::{QuestionEdit, QuestionRecord, ScriptView, VolunteerView};
use groundgame_store::VolunteerChange;
use jiff::Timestamp;
use tauri::State;

#[tauri::command]
pub async fn scripts(state: State<'_, AppState>) -> Result<ScriptsOverview, Error> {
    blocking(&state, |state| {
        state.with_store(|store| {
            Ok(ScriptsOverview {
                scripts: store.scripts()?,
                questions: store.questions()?,
                work: store.work_setups()?,
            })
        })
    })
    .await
}

#[tauri::command]
pub async fn save_question(
    state: State<'_, AppState>,
    request: QuestionRequest,
) -> Result<QuestionRecord, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            let now = Timestamp::now();
            if request.new {
                Ok(store.add_question(
                    &request.slug,
                    request.text.as_deref().unwrap_or_default(),
                    request.answers,
                    request.other.unwrap_or(false),
                    now,
                )?)
            } else {
                let edit = QuestionEdit {
                    text: request.text,
                    answers: request.answers,
                    drop: request.drop,
                    other: request.other,
                };
                Ok(store.edit_question(&request.slug, &edit, now)?)
            }
        })
    })
    .await
}

#[tauri::command]
pub async fn retire_question(
    state: State<'_, AppState>,
    request: RetireQuestionRequest,
) -> Result<QuestionRecord, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.retire_question(&request.slug, request.retired, Timestamp::now())?)
        })
    })
    .await
}

#[tauri::command]
pub async fn save_script(
    state: State<'_, AppState>,
    request: ScriptRequest,
) -> Result<ScriptView, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.save_script(
                &request.name,
                &request.text,
                &request.questions,
                Timestamp::now(),
            )?)
        })
    })
    .await
}

#[tauri::command]
pub async fn retire_script(
    state: State<'_, AppState>,
    request: RetireScriptRequest,
) -> Result<ScriptView, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.retire_script(&request.name, request.retired, Timestamp::now())?)
        })
    })
    .await
}

#[tauri::command]
pub async fn attach_script(
    state: State<'_, AppState>,
    request: AttachScriptRequest,
) -> Result<(), Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            store.attach_script(
                request.work,
                request.id,
                request.script.as_deref(),
                &request.results,
                Timestamp::now(),
            )?;
            Ok(())
        })
    })
    .await
}

#[tauri::command]
pub async fn volunteers(state: State<'_, AppState>) -> Result<Vec<VolunteerView>, Error> {
    blocking(&state, |state| {
        state.with_store(|store| Ok(store.volunteers()?))
    })
    .await
}

#[tauri::command]
pub async fn save_volunteer(
    state: State<'_, AppState>,
    request: VolunteerRequest,
) -> Result<VolunteerView, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            let now = Timestamp::now();
            let pin = request.pin.as_deref().filter(|p| !p.is_empty());
            match &request.editing {
                None => Ok(store.add_volunteer(
                    &request.name,
                    &request.roles,
                    &request.languages,
                    request.contact.as_deref(),
                    pin,
                    now,
                )?),
                Some(current) => {
                    let change = VolunteerChange {
                        name: Some(request.name.clone()),
                        contact: Some(request.contact.clone().unwrap_or_default()),
                        roles: Some(request.roles.clone()),
                        languages: Some(request.languages.clone()),
                        pin: if request.clear_pin {
                            Some(None)
                        } else {
                            pin.map(|p| Some(p.to_owned()))
                        },
                        retired: Some(request.retired),
                    };
                    Ok(store.edit_volunteer(current, &change, now)?)
                }
            }
        })
    })
    .await
}

#[tauri::command]
pub async fn assign_work(
    state: State<'_, AppState>,
    request: AssignRequest,
) -> Result<Vec<VolunteerView>, Error> {
    blocking(&state, move |state| {
        state.with_store_mut(|store| {
            Ok(store.assign(
                request.work,
                request.id,
                &request.volunteers,
                Timestamp::now(),
            )?)
        })
    })
    .await
}

fn signed_in_now(state: &AppState) -> Result<SignedIn, Error> {
    let roster = state.with_store(|store| Ok(store.volunteers()?))?;
    Ok(SignedIn {
        volunteer: state.signed_in()?,
        roster: roster.into_iter().filter(|v| !v.retired).collect(),
    })
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    request: SignInRequest,
) -> Result<SignedIn, Error> {
    blocking(&state, move |state| {
        let volunteer = state.with_store_mut(|store| {
            let volunteer = store.sign_in(&request.name, request.pin.as_deref())?;
            store.act_as(Some(&volunteer.id))?;
            Ok(volunteer)
        })?;
        state.set_signed_in(volunteer)?;
        signed_in_now(state)
    })
    .await
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<SignedIn, Error> {
    blocking(&state, |state| {
        state.sign_out()?;
        state.with_store_mut(|store| Ok(store.act_as(None)?))?;
        signed_in_now(state)
    })
    .await
}

#[tauri::command]
pub async fn signed_in(state: State<'_, AppState>) -> Result<SignedIn, Error> {
    blocking(&state, signed_in_now).await
}
