//! The open office: the header, the search box and the voter list.

use crate::components::header::Header;
use crate::components::voter_table::VoterTable;
use crate::format::group;
use crate::ipc;
use crate::state::{Action, VoterList, PAGE_SIZE};
use groundgame_domain::ipc::{IpcError, OfficeOverview};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[function_component(Office)]
pub fn office() -> Html {
    let overview = use_state(|| None::<Result<OfficeOverview, IpcError>>);
    let list = use_reducer(VoterList::default);

    {
        let overview = overview.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                overview.set(Some(ipc::office_overview().await));
            });
        });
    }
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
                "{}–{} of {} {}",
                group(first),
                group(last),
                group(page.total),
                if list.text.trim().is_empty() {
                    "voters"
                } else {
                    "matching voters"
                }
            )
        }
        None => "Loading voters…".to_owned(),
    };

    html! {
        <div class="app">
            <Header overview={(*overview).clone()} />
            <main class="workspace">
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
                    if let Some(error) = &list.error {
                        <div class="error" role="alert">{ &error.message }</div>
                    }
                    <VoterTable
                        rows={list.page.as_ref().map(|page| page.rows.clone()).unwrap_or_default()}
                        loading={list.loading}
                    />
                </section>
            </main>
        </div>
    }
}
