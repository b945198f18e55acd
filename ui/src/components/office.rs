//! The open office: the header, the views (voters, the dashboard, walk lists, phone bank,
//! the coordinator's targeting, import, sync, review) and the selected voter's detail.

use crate::components::dashboard::DashboardView;
use crate::components::header::Header;
use crate::components::import::ImportView;
use crate::components::phone_bank::PhoneBank;
use crate::components::review::ReviewView;
use crate::components::scripts::ScriptsView;
use crate::components::sync::SyncView;
use crate::components::targeting::TargetingView;
use crate::components::volunteers::VolunteersView;
use crate::components::voter_detail::VoterPanel;
use crate::components::voter_table::VoterTable;
use crate::components::walk::WalkView;
use crate::format::group;
use crate::ipc;
use crate::state::{Action, VoterList, PAGE_SIZE};
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The views of the open office, one at a time.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum View {
    Voters,
    Dashboard,
    Walk,
    Phone,
    Import,
    Sync,
    Review,
    Targeting,
    Scripts,
    Volunteers,
}

#[derive(Properties, PartialEq)]
pub struct OfficeProps {
    /// The office was locked (the Lock button); the unlock screen follows.
    pub on_locked: Callback<groundgame_domain::ipc::LockState>,
}

#[function_component(Office)]
pub fn office(props: &OfficeProps) -> Html {
    let view = use_state(|| View::Voters);
    let selected = use_state(|| None::<String>);
    // Bumped after every change, so the header and the lists refresh.
    let changes = use_state(|| 0_u32);
    let on_changed = {
        let changes = changes.clone();
        Callback::from(move |()| changes.set(*changes + 1))
    };
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |voter_id: String| selected.set(Some(voter_id)))
    };
    let on_close = {
        let selected = selected.clone();
        Callback::from(move |()| selected.set(None))
    };
    let tab = |target: View, label: &'static str, id: &'static str| {
        let view = view.clone();
        let active = *view == target;
        html! {
            <button id={id} role="tab" aria-selected={active.to_string()}
                class={classes!("tab", active.then_some("active"))}
                onclick={Callback::from(move |_| view.set(target))}>{ label }</button>
        }
    };
    let body = match *view {
        View::Voters => html! { <VotersView on_select={on_select.clone()} changes={*changes} /> },
        View::Dashboard => html! { <DashboardView changes={*changes} /> },
        View::Walk => {
            html! { <WalkView on_select={on_select.clone()} on_changed={on_changed.clone()} /> }
        }
        View::Phone => html! { <PhoneBank on_changed={on_changed.clone()} /> },
        View::Import => html! { <ImportView on_changed={on_changed.clone()} /> },
        View::Sync => html! { <SyncView on_changed={on_changed.clone()} /> },
        View::Review => html! { <ReviewView on_changed={on_changed.clone()} /> },
        View::Targeting => html! { <TargetingView on_changed={on_changed.clone()} /> },
        View::Scripts => html! { <ScriptsView on_changed={on_changed.clone()} /> },
        View::Volunteers => html! { <VolunteersView on_changed={on_changed.clone()} /> },
    };
    html! {
        <div class="app">
            <Header changes={*changes} on_locked={props.on_locked.clone()} on_changed={on_changed.clone()} />
            <nav class="tabs" role="tablist">
                { tab(View::Voters, "Voters", "tab-voters") }
                { tab(View::Dashboard, "Dashboard", "tab-dashboard") }
                { tab(View::Walk, "Walk lists", "tab-walk") }
                { tab(View::Phone, "Phone bank", "tab-phone") }
                { tab(View::Targeting, "Targeting", "tab-targeting") }
                { tab(View::Scripts, "Scripts", "tab-scripts") }
                { tab(View::Volunteers, "Volunteers", "tab-volunteers") }
                { tab(View::Import, "Import", "tab-import") }
                { tab(View::Sync, "Sync", "tab-sync") }
                { tab(View::Review, "Review", "tab-review") }
            </nav>
            <main class="workspace">
                { body }
                if let Some(voter_id) = (*selected).clone() {
                    <VoterPanel voter_id={voter_id} on_close={on_close} on_changed={on_changed} />
                }
            </main>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct VotersViewProps {
    pub on_select: Callback<String>,
    pub changes: u32,
}

#[function_component(VotersView)]
fn voters_view(props: &VotersViewProps) -> Html {
    let list = use_reducer(VoterList::default);
    {
        // First load: everyone, in name order.
        let list = list.clone();
        use_effect_with((), move |()| list.dispatch(Action::Search(String::new())));
    }
    {
        // Every new request (search text or page) fetches its page.
        let dispatcher = list.dispatcher();
        let request = list.request;
        let query = list.query();
        use_effect_with(request, move |request| {
            let request = *request;
            if request > 0 {
                wasm_bindgen_futures::spawn_local(async move {
                    let result = ipc::search_voters(&query).await;
                    dispatcher.dispatch(Action::Loaded { request, result });
                });
            }
        });
    }

    let on_input = {
        let list = list.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            list.dispatch(Action::Search(input.value()));
        })
    };
    let on_next = {
        let list = list.clone();
        Callback::from(move |_| list.dispatch(Action::NextPage))
    };
    let on_previous = {
        let list = list.clone();
        Callback::from(move |_| list.dispatch(Action::PreviousPage))
    };

    let count_line = match &list.page {
        Some(page) if page.total == 0 => "No voters match".to_owned(),
        Some(page) => {
            let first = u64::from(page.offset) + 1;
            let last = u64::from(page.offset) + page.rows.len() as u64;
            format!(
                "{}–{} of {}{} {}",
                group(first),
                group(last),
                group(page.total),
                if page.capped { "+" } else { "" },
                if list.text.trim().is_empty() {
                    "voters"
                } else {
                    "matching voters"
                }
            )
        }
        None => "Loading voters…".to_owned(),
    };

    let corrected = list.page.as_ref().and_then(|page| page.corrected.clone());
    html! {
                <section class="voters" aria-label="Voters">
                    <div class="toolbar">
                        <label class="search">
                            <span class="visually-hidden">{ "Search voters" }</span>
                            <input
                                id="voter-search"
                                type="search"
                                placeholder="Search by name, address, voter id or phone"
                                autofocus=true
                                autocomplete="off"
                                spellcheck="false"
                                value={list.text.clone()}
                                oninput={on_input}
                            />
                        </label>
                        <span id="result-count" class="count" aria-live="polite">{ count_line }</span>
                        <div class="pager">
                            <button id="previous-page" onclick={on_previous} disabled={!list.has_previous()}>{ "‹ Previous" }</button>
                            <button id="next-page" onclick={on_next} disabled={!list.has_next()}>{ format!("Next {PAGE_SIZE} ›") }</button>
                        </div>
                    </div>
                    if let Some(corrected) = corrected {
                        <div class="note" id="search-corrected">{ format!("No exact match; showing results for “{corrected}”") }</div>
                    }
                    if let Some(error) = &list.error {
                        <div class="error" role="alert">{ &error.message }</div>
                    }
                    <VoterTable
                        rows={list.page.as_ref().map(|page| page.rows.clone()).unwrap_or_default()}
                        loading={list.loading}
                        on_select={props.on_select.clone()}
                    />
                </section>
    }
}
