//! The app's frame: the unlock screen until the office's database is open,
//! then the office.

use crate::components::office::Office;
use crate::components::removed::Removed;
use crate::components::unlock::Unlock;
use crate::ipc;
use groundgame_domain::ipc::{IpcError, LockState};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The time of the last key, click or touch anywhere in the window, kept
/// current by listeners that live as long as the page.
fn watch_activity() -> Rc<Cell<f64>> {
    let last = Rc::new(Cell::new(js_sys::Date::now()));
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        let seen = last.clone();
        let on_activity = Closure::<dyn Fn()>::new(move || seen.set(js_sys::Date::now()));
        for event in ["keydown", "pointerdown", "wheel", "touchstart"] {
            let _ = document
                .add_event_listener_with_callback(event, on_activity.as_ref().unchecked_ref());
        }
        // The app's root never goes away; neither may its listener.
        on_activity.forget();
    }
    last
}

#[function_component(App)]
pub fn app() -> Html {
    let lock = use_state(|| None::<Result<LockState, IpcError>>);
    {
        let lock = lock.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                lock.set(Some(ipc::lock_state().await));
                let last_activity = watch_activity();
                // Now and then: a sync (the background one too) may have found
                // this laptop revoked and wiped it; an open office nobody
                // touched for the configured time locks itself.
                loop {
                    ipc::sleep(2_000).await;
                    let Ok(state) = ipc::lock_state().await else {
                        continue;
                    };
                    let idle_ms = js_sys::Date::now() - last_activity.get();
                    if state.removed.is_some() {
                        lock.set(Some(Ok(state)));
                    } else if state.unlocked
                        && idle_ms >= f64::from(state.lock_after_seconds) * 1_000.0
                    {
                        if let Ok(locked) = ipc::lock().await {
                            lock.set(Some(Ok(locked)));
                        }
                    }
                }
            });
        });
    }
    let on_locked = {
        let lock = lock.clone();
        Callback::from(move |state: LockState| lock.set(Some(Ok(state))))
    };
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
        Some(Ok(state)) if state.unlocked => html! { <Office {on_locked} /> },
        Some(Ok(state)) => html! {
            <Unlock first_run={state.first_run} database={state.database.clone()} {on_unlocked} />
        },
    }
}
