//! The office header: which office is open, what it holds, and whether work
//! is safe: every change is saved on this laptop at once, and the indicator
//! says how many wait for the registry.

use crate::components::sign_in::SignInBar;
use crate::format::group;
use crate::ipc;
use groundgame_domain::ipc::{IpcError, LockState, OfficeOverview, SyncStatus};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// Changes made so far in this session; a new value refreshes the counts.
    pub changes: u32,
    pub on_locked: Callback<LockState>,
    /// A volunteer signed in or out.
    pub on_changed: Callback<()>,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let overview = use_state(|| None::<Result<OfficeOverview, IpcError>>);
    let sync = use_state(|| None::<SyncStatus>);
    {
        let overview = overview.clone();
        let sync = sync.clone();
        use_effect_with(props.changes, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                overview.set(Some(ipc::office_overview().await));
                sync.set(ipc::sync_status().await.ok());
            });
        });
    }
    let lock = {
        let on_locked = props.on_locked.clone();
        Callback::from(move |_| {
            let on_locked = on_locked.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(state) = ipc::lock().await {
                    on_locked.emit(state);
                }
            });
        })
    };
    let pending = sync.as_ref().map_or(0, |s| s.pending_changes);
    let status = match &*sync {
        Some(status) if status.online && pending == 0 => "Online · up to date".to_owned(),
        Some(status) if status.online => format!("Online · {} to sync", group(pending)),
        _ if pending == 0 => "Offline · all saved here".to_owned(),
        _ => format!("Offline · {} saved here, waiting to sync", group(pending)),
    };
    let (title, stats) = match &*overview {
        None => ("Opening field office…".to_owned(), html! {}),
        Some(Err(error)) => (
            "Cannot open the field office".to_owned(),
            html! { <p class="error" role="alert">{ &error.message }</p> },
        ),
        Some(Ok(overview)) => (
            overview.office_name.clone(),
            html! {
                <dl class="stats">
                    <div><dt>{ "Voters" }</dt><dd id="stat-voters">{ group(overview.voters) }</dd></div>
                    <div><dt>{ "Households" }</dt><dd>{ group(overview.households) }</dd></div>
                    <div><dt>{ "Turfs" }</dt><dd>{ group(overview.turfs) }</dd></div>
                    <div><dt>{ "Call lists" }</dt><dd>{ group(overview.call_lists) }</dd></div>
                </dl>
            },
        ),
    };
    html! {
        <header class="office">
            <div class="brand">
                <img src="logo.svg" alt="" width="36" height="36" />
                <div>
                    <span class="product">{ "groundgame" }</span>
                    <h1 id="office-name">{ title }</h1>
                </div>
            </div>
            { stats }
            <div class="status" id="sync-status" title="Every change is saved on this laptop the moment it is made, and queued for the campaign's registry">
                <span class={classes!("dot", match (pending, sync.as_ref().is_some_and(|s| s.online)) {
                    (0, true) => "online",
                    (0, false) => "local",
                    _ => "pending",
                })}></span>
                <span id="sync-text">{ status }</span>
            </div>
            <SignInBar changes={props.changes} on_changed={props.on_changed.clone()} />
            <button id="lock" class="lock" onclick={lock} title="Close the office until the passphrase is typed again">{ "Lock" }</button>
        </header>
    }
}
