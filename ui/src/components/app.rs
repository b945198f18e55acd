//! The app's frame: the unlock screen until the office's database is open,
//! then the office.

use crate::components::office::Office;
use crate::components::removed::Removed;
use crate::components::unlock::Unlock;
use crate::ipc;
use groundgame_domain::ipc::{IpcError, LockState};
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    let lock = use_state(|| None::<Result<LockState, IpcError>>);
    {
        let lock = lock.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                lock.set(Some(ipc::lock_state().await));
                // A sync (the background one too) may find this laptop
                // revoked and wipe it: look again now and then.
                loop {
                    ipc::sleep(3_000).await;
                    if let Ok(state) = ipc::lock_state().await {
                        if state.removed.is_some() {
                            lock.set(Some(Ok(state)));
                            break;
                        }
                    }
                }
            });
        });
    }
    let on_dismissed = {
        let lock = lock.clone();
        Callback::from(move |state: LockState| lock.set(Some(Ok(state))))
    };
    let on_unlocked = {
        let lock = lock.clone();
        Callback::from(move |()| {
            if let Some(Ok(state)) = &*lock {
                lock.set(Some(Ok(LockState {
                    unlocked: true,
                    ..state.clone()
                })));
            }
        })
    };
    match &*lock {
        None => html! { <div class="splash">{ "Opening groundgame…" }</div> },
        Some(Err(error)) => {
            html! { <div class="splash error" role="alert">{ &error.message }</div> }
        }
        Some(Ok(LockState {
            removed: Some(notice),
            ..
        })) => html! { <Removed notice={notice.clone()} {on_dismissed} /> },
        Some(Ok(state)) if state.unlocked => html! { <Office /> },
        Some(Ok(state)) => html! {
            <Unlock first_run={state.first_run} database={state.database.clone()} {on_unlocked} />
        },
    }
}
