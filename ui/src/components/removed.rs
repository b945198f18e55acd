//! The last screen of a laptop the campaign removed: its office is wiped,
//! and it says by whom to ask for a way back.

use crate::ipc;
use groundgame_domain::ipc::{LockState, RemovalNotice};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RemovedProps {
    pub notice: RemovalNotice,
    /// The person chose to set the laptop up afresh.
    pub on_dismissed: Callback<LockState>,
}

#[function_component(Removed)]
pub fn removed(props: &RemovedProps) -> Html {
    let error = use_state(|| None::<String>);
    let start_over = {
        let (error, on_dismissed) = (error.clone(), props.on_dismissed.clone());
        Callback::from(move |_| {
            let (error, on_dismissed) = (error.clone(), on_dismissed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::dismiss_removal().await {
                    Ok(state) => on_dismissed.emit(state),
                    Err(failure) => error.set(Some(failure.message)),
                }
            });
        })
    };
    let notice = &props.notice;
    html! {
        <div class="unlock-screen">
            <section class="unlock removed" id="removed" role="alert">
                <img src="logo.svg" alt="" width="56" height="56" />
                <h1>{ "This laptop was removed from the campaign" }</h1>
                <p>
                    { format!("{} revoked this laptop. Everything it held for {} was sent to the registry first, then its database and key were wiped ({} files", notice.campaign, notice.office, notice.files_wiped) }
                    { match notice.wiped_at.get(..16) {
                        Some(minute) => format!(", {} UTC).", minute.replace('T', " ")),
                        None => String::from(")."),
                    } }
                </p>
                <p>
                    { format!("If this is a mistake, ask the coordinator of {} for a new enrolment code.", notice.office) }
                    if !notice.registry_told {
                        { " The registry could not be told of the wipe; tell the coordinator it happened." }
                    }
                </p>
                if let Some(message) = &*error {
                    <p class="error" role="alert">{ message }</p>
                }
                <button id="start-over" onclick={start_over}>{ "Set this laptop up afresh" }</button>
            </section>
        </div>
    }
}
