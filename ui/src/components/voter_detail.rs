//! The voter detail panel: household, phones, vote history, contact history,
//! do-not-contact entries (add, reverse) and corrections.

use crate::ipc;
use groundgame_domain::ipc::{CorrectionRequest, DncRequest, IpcError};
use groundgame_domain::office::VoterDetail;
use groundgame_domain::{DncChannel, Scope, VoterId};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct VoterPanelProps {
    pub voter_id: String,
    pub on_close: Callback<()>,
    pub on_changed: Callback<()>,
}

#[function_component(VoterPanel)]
pub fn voter_panel(props: &VoterPanelProps) -> Html {
    let detail = use_state(|| None::<Result<VoterDetail, IpcError>>);
    let reload = use_state(|| 0_u32);
    let message = use_state(|| None::<Result<String, String>>);
    {
        let detail = detail.clone();
        let voter_id = props.voter_id.clone();
        use_effect_with((voter_id, *reload), move |(voter_id, _)| {
            let voter_id = voter_id.clone();
            wasm_bindgen_futures::spawn_local(async move {
                detail.set(Some(ipc::voter_detail(&voter_id).await));
            });
        });
    }
    let done = {
        let reload = reload.clone();
        let message = message.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |result: Result<String, IpcError>| {
            match result {
                Ok(text) => {
                    message.set(Some(Ok(text)));
                    on_changed.emit(());
                }
                Err(error) => message.set(Some(Err(error.message))),
            }
            reload.set(*reload + 1);
        })
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_| on_close.emit(()))
    };
    let on_key = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                on_close.emit(());
            }
        })
    };
    let body = match &*detail {
        None => html! { <p class="muted">{ "Loading…" }</p> },
        Some(Err(error)) => html! { <div class="error" role="alert">{ &error.message }</div> },
        Some(Ok(voter)) => render(voter, &done),
    };
    html! {
        <aside class="panel" id="voter-detail" aria-label="Voter detail" onkeydown={on_key}>
            <button class="close" id="close-detail" onclick={close} aria-label="Close">{ "×" }</button>
            if let Some(result) = &*message {
                <div class={match result { Ok(_) => "note", Err(_) => "error" }} role="status">
                    { match result { Ok(text) | Err(text) => text.clone() } }
                </div>
            }
            { body }
        </aside>
    }
}

fn render(voter: &VoterDetail, done: &Callback<Result<String, IpcError>>) -> Html {
    let voter_id = voter.voter_id.clone();
    let add_dnc = {
        let done = done.clone();
        let voter_id = voter_id.clone();
        let first_phone = voter
            .phones
            .iter()
            .find(|p| p.status == "ok")
            .map(|p| p.number.clone());
        Callback::from(move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let read = |id: &str| {
                document
                    .as_ref()
                    .and_then(|d| d.get_element_by_id(id))
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlSelectElement>(e).ok())
                    .map(|s| s.value())
                    .unwrap_or_default()
            };
            let scope = Scope::parse(&read("dnc-scope")).unwrap_or(Scope::Person);
            let channel = DncChannel::parse(&read("dnc-channel")).unwrap_or(DncChannel::All);
            let Ok(voter_id) = VoterId::parse(&voter_id) else {
                return;
            };
            let request = DncRequest {
                voter_id,
                scope,
                channel,
                phone: first_phone.clone(),
                source: "voter request (entered in the app)".into(),
            };
            let done = done.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = ipc::add_dnc(&request).await;
                done.emit(result.map(|_| "Do-not-contact entry added".to_owned()));
            });
        })
    };
    let correct = {
        let done = done.clone();
        let voter_id = voter_id.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let document = web_sys::window().and_then(|w| w.document());
            let field = document
                .as_ref()
                .and_then(|d| d.get_element_by_id("correct-field"))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlSelectElement>(e).ok())
                .map(|s| s.value())
                .unwrap_or_default();
            let value = document
                .as_ref()
                .and_then(|d| d.get_element_by_id("correct-value"))
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(e).ok())
                .map(|s| s.value())
                .unwrap_or_default();
            let Ok(voter_id) = VoterId::parse(&voter_id) else {
                return;
            };
            let request = CorrectionRequest {
                voter_id,
                field,
                value,
            };
            let done = done.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = ipc::correct_voter(&request).await;
                done.emit(result.map(|()| "Correction saved".to_owned()));
            });
        })
    };
    html! {
        <>
            <h2 id="detail-name">{ &voter.name }</h2>
            <p class="subtitle">
                <span class={classes!("party", voter.party.to_ascii_lowercase())}>{ &voter.party }</span>
                { format!(" {} · {}", voter.voter_id, voter.age.map(|a| format!("age {a}")).unwrap_or_default()) }
                if voter.removed { <span class="flag">{ "no longer in the voter file" }</span> }
                if voter.moved { <span class="flag">{ "reported moved" }</span> }
                if voter.deceased { <span class="flag">{ "reported deceased" }</span> }
            </p>
            <p class="address">
                if voter.confidential { <span class="withheld">{ "Address withheld by the state" }</span> }
                else { { format!("{}, {} {}", voter.address, voter.city, voter.zip) } }
            </p>
            <h3>{ "Household" }</h3>
            if voter.household.is_empty() { <p class="muted">{ "Lives alone, as far as the file knows" }</p> }
            <ul class="plain">
                { for voter.household.iter().map(|m| html! {
                    <li key={m.voter_id.clone()}>{ format!("{} ({}) ", m.name, m.age.map(|a| a.to_string()).unwrap_or_default()) }<span class="muted">{ &m.party }</span></li>
                }) }
            </ul>
            <h3>{ "Phones" }</h3>
            <ul class="plain" id="detail-phones">
                { for voter.phones.iter().map(|p| html! {
                    <li key={p.number.clone()}>
                        if p.tel.is_empty() || p.status != "ok" { { &p.display } } else { <a href={p.tel.clone()}>{ &p.display }</a> }
                        if p.status != "ok" { <span class="flag">{ &p.status }</span> }
                    </li>
                }) }
            </ul>
            <h3>{ "Contact history" }</h3>
            <ul class="plain" id="detail-contacts">
                if voter.contacts.is_empty() { <li class="muted">{ "Not contacted yet" }</li> }
                { for voter.contacts.iter().map(|c| html! {
                    <li key={c.attempt_id.clone()}>
                        <strong>{ &c.result_label }</strong>
                        { format!(" · {} · {}", c.channel, c.recorded_at.replace('T', " ").trim_end_matches('Z')) }
                        if let Some(volunteer) = &c.volunteer { <span class="by">{ format!(" · by {volunteer}") }</span> }
                        { for c.answers.iter().map(|a| html! {
                            <span class="answer" data-question={a.question.clone()} title={format!("{} (version {})", a.text, a.version.unwrap_or(0))}>
                                { format!("{} v{}: {}{}", a.question, a.version.unwrap_or(0), a.label,
                                    a.other.as_deref().map_or_else(String::new, |o| format!(" ({o})"))) }
                            </span>
                        }) }
                        if !c.note.is_empty() { <div class="muted">{ &c.note }</div> }
                    </li>
                }) }
            </ul>
            <h3>{ "Vote history" }</h3>
            <div class="votes">
                if voter.votes.is_empty() { <span class="muted">{ "No votes on file" }</span> }
                { for voter.votes.iter().map(|v| html! {
                    <span class="vote" title={v.method.clone()}>{ format!("{} {}{}", v.date.get(..4).unwrap_or(&v.date), v.kind.to_lowercase(), if v.party.is_empty() { String::new() } else { format!(" ({})", v.party) }) }</span>
                }) }
            </div>
            <h3>{ "Do not contact" }</h3>
            <ul class="plain" id="detail-dnc">
                if voter.dnc.is_empty() { <li class="muted">{ "No entries" }</li> }
                { for voter.dnc.iter().map(|entry| {
                    let done = done.clone();
                    let id = entry.id.clone();
                    let reverse = Callback::from(move |_| {
                        let done = done.clone();
                        let id = id.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            let result = ipc::reverse_dnc(&id).await;
                            done.emit(result.map(|_| "Entry reversed".to_owned()));
                        });
                    });
                    html! {
                        <li key={entry.id.clone()}>
                            { format!("{} · {} · {} ", entry.scope, entry.channel, entry.source) }
                            <button class="small" onclick={reverse}>{ "Reverse" }</button>
                        </li>
                    }
                }) }
            </ul>
            <div class="row">
                <select id="dnc-scope" aria-label="Applies to">
                    <option value="person">{ "This person" }</option>
                    <option value="phone">{ "Their phone" }</option>
                    <option value="address">{ "Their address" }</option>
                </select>
                <select id="dnc-channel" aria-label="Channel">
                    <option value="all">{ "Every channel" }</option>
                    <option value="phone">{ "Calls" }</option>
                    <option value="door">{ "Doors" }</option>
                    <option value="text">{ "Texts" }</option>
                </select>
                <button id="add-dnc" onclick={add_dnc}>{ "Add do-not-contact" }</button>
            </div>
            <h3>{ "Correct the record" }</h3>
            <form class="row" onsubmit={correct}>
                <select id="correct-field" aria-label="Field">
                    <option value="first_name">{ "First name" }</option>
                    <option value="middle_name">{ "Middle name" }</option>
                    <option value="last_name">{ "Last name" }</option>
                    <option value="suffix">{ "Suffix" }</option>
                    <option value="language">{ "Language" }</option>
                    <option value="best_time">{ "Best time to call" }</option>
                </select>
                <input id="correct-value" aria-label="New value" placeholder="New value" />
                <button type="submit">{ "Save" }</button>
            </form>
        </>
    }
}
