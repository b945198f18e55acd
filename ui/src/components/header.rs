//! The office header: which office is open, what it holds, and whether work
//! is safe (every change is saved on this laptop; sync arrives later).

use crate::format::group;
use groundgame_domain::ipc::{IpcError, OfficeOverview};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub overview: Option<Result<OfficeOverview, IpcError>>,
}

#[function_component(Header)]
pub fn header(props: &HeaderProps) -> Html {
    let (title, stats) = match &props.overview {
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
            <div class="status" id="sync-status" title="Every change is saved on this laptop first">
                <span class="dot local"></span>{ "Working on this laptop" }
            </div>
        </header>
    }
}
