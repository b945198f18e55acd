//! The phone bank: one call at a time from a call list. Preview the voter,
//! dial with the `tel:` link, read the script, then record the disposition
//! and the survey answer by key. Callbacks come back at their time; the
//! caller's tally for the session stays on screen.

use crate::components::survey::{given, with, Survey};
use crate::ipc;
use groundgame_domain::ipc::{ContactRequest, IpcError};
use groundgame_domain::office::{CallAssignment, CallListSummary};
use groundgame_domain::{Channel, ResultCode, SurveyAnswer, VoterId};
use std::collections::BTreeMap;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PhoneBankProps {
    pub on_changed: Callback<()>,
}

/// Where the caller is: choosing a list, on a call, or done.
#[derive(Clone, PartialEq)]
enum Desk {
    Idle,
    Loading,
    OnCall(Box<CallAssignment>),
    Empty,
}

const CALLBACK_MINUTES: u32 = 60;

/// The phone codes the list shows its callers (all of them when it names
/// none), in the canonical order.
fn offered_codes(results: &[String]) -> Vec<&'static ResultCode> {
    ResultCode::for_channel(Channel::Phone)
        .filter(|code| results.is_empty() || results.iter().any(|slug| slug == code.slug))
        .collect()
}

#[function_component(PhoneBank)]
pub fn phone_bank(props: &PhoneBankProps) -> Html {
    let lists = use_state(|| None::<Result<Vec<CallListSummary>, IpcError>>);
    let list = use_state(|| None::<i64>);
    let caller = use_state(|| "Caller".to_owned());
    let desk = use_state(|| Desk::Idle);
    let tally = use_state(BTreeMap::<&'static str, u32>::new);
    // Survey answers for the call on screen: question slug to option slug.
    let answers = use_state(BTreeMap::<String, String>::new);
    // "Other" notes, for questions that take one: question slug to text.
    let others = use_state(BTreeMap::<String, String>::new);
    // A note for this call's result ("call after 6", "prefers Spanish").
    let note = use_state(String::new);
    let message = use_state(String::new);
    {
        let lists = lists.clone();
        let list = list.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                let loaded = ipc::call_lists().await;
                if let Ok(found) = &loaded {
                    list.set(found.first().map(|l| l.id));
                }
                lists.set(Some(loaded));
            });
        });
    }
    let next = {
        let desk = desk.clone();
        let list = list.clone();
        let caller = caller.clone();
        let message = message.clone();
        Callback::from(move |()| {
            let Some(list) = *list else { return };
            let desk = desk.clone();
            let caller = (*caller).clone();
            let message = message.clone();
            desk.set(Desk::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::next_call(list, &caller).await {
                    Ok(Some(call)) => desk.set(Desk::OnCall(Box::new(call))),
                    Ok(None) => desk.set(Desk::Empty),
                    Err(error) => {
                        message.set(error.message);
                        desk.set(Desk::Idle);
                    }
                }
            });
        })
    };
    let record = {
        let desk = desk.clone();
        let tally = tally.clone();
        let answers = answers.clone();
        let others = others.clone();
        let message = message.clone();
        let next = next.clone();
        let on_changed = props.on_changed.clone();
        let note = note.clone();
        Callback::from(move |code: &'static ResultCode| {
            let Desk::OnCall(call) = &*desk else { return };
            let Ok(voter_id) = VoterId::parse(&call.voter_id) else {
                return;
            };
            // Answers count only when someone answered.
            let given: Vec<SurveyAnswer> = if code.slug == "answered" {
                given(&call.script.questions, &answers, &others)
            } else {
                Vec::new()
            };
            let request = ContactRequest {
                voter_id,
                channel: Channel::Phone,
                result: code.slug.to_owned(),
                phone: Some(call.phone.clone()),
                call_item: Some(call.item_id),
                turf: None,
                answers: given,
                note: note.trim().to_owned(),
                volunteer: None,
                callback_minutes: (code.slug == "call-back").then_some(CALLBACK_MINUTES),
            };
            let tally = tally.clone();
            let answers = answers.clone();
            let others = others.clone();
            let message = message.clone();
            let next = next.clone();
            let on_changed = on_changed.clone();
            let note = note.clone();
            let name = call.name.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::record_contact(&request).await {
                    Ok(_) => {
                        let mut counts = (*tally).clone();
                        *counts.entry(code.label).or_default() += 1;
                        tally.set(counts);
                        answers.set(BTreeMap::new());
                        others.set(BTreeMap::new());
                        note.set(String::new());
                        message.set(format!("{} — {}", name, code.label));
                        on_changed.emit(());
                        next.emit(());
                    }
                    Err(error) => message.set(error.message),
                }
            });
        })
    };
    let skip = {
        let desk = desk.clone();
        let caller = caller.clone();
        let next = next.clone();
        let message = message.clone();
        Callback::from(move |()| {
            let Desk::OnCall(call) = &*desk else { return };
            let (item, caller, next) = (call.item_id, (*caller).clone(), next.clone());
            let message = message.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::release_call(item, &caller).await {
                    Ok(()) => next.emit(()),
                    // The call stays on screen; the caller sees why.
                    Err(error) => message.set(error.message),
                }
            });
        })
    };
    let on_key = {
        let record = record.clone();
        let answers = answers.clone();
        let skip = skip.clone();
        let on_call = matches!(*desk, Desk::OnCall(_));
        let offered: Vec<String> = match &*desk {
            Desk::OnCall(call) => call.script.results.clone(),
            _ => Vec::new(),
        };
        // Which survey option each key picks, for the call on screen.
        let option_keys: Vec<(String, String, String)> = match &*desk {
            Desk::OnCall(call) => call
                .script
                .questions
                .iter()
                .flat_map(|q| {
                    q.options
                        .iter()
                        .map(move |o| (o.key.clone(), q.slug.clone(), o.slug.clone()))
                })
                .collect(),
            _ => Vec::new(),
        };
        Callback::from(move |event: KeyboardEvent| {
            if crate::format::typing_in_a_field(&event) {
                return;
            }
            if !on_call {
                return;
            }
            let key = event.key();
            if let Some((_, question, option)) = option_keys.iter().find(|(k, _, _)| *k == key) {
                let mut chosen = (*answers).clone();
                chosen.insert(question.clone(), option.clone());
                answers.set(chosen);
            } else if key == "s" {
                skip.emit(());
            } else if let Some(code) = key
                .chars()
                .next()
                .and_then(|k| offered_codes(&offered).into_iter().find(|c| c.key == k))
            {
                event.prevent_default();
                record.emit(code);
            }
        })
    };
    let start = {
        let next = next.clone();
        Callback::from(move |_| next.emit(()))
    };
    let total: u32 = tally.values().sum();
    let card = match &*desk {
        Desk::Idle => html! { <p class="muted">{ "Choose a call list and start calling." }</p> },
        Desk::Loading => html! { <p class="muted">{ "Finding the next voter…" }</p> },
        Desk::Empty => {
            html! { <p id="queue-empty">{ "No one on this list can be called right now (calling hours, retry times, or everyone is done)." }</p> }
        }
        Desk::OnCall(call) => html! {
            <div class="call-card" id="call-card">
                <div class="call-head">
                    <h2 id="call-name">{ &call.name }</h2>
                    if call.callback_due { <span class="flag">{ "callback due" }</span> }
                    <span class="muted">{ format!("{} · their time {} · attempt {}", call.voter_id, call.local_time, call.attempts + 1) }</span>
                </div>
                <a class="dial" id="dial" href={call.tel.clone()}>{ format!("Call {}", call.phone_display) }</a>
                <blockquote class="script" id="script">{ &call.script.body }</blockquote>
                <Survey questions={call.script.questions.clone()} answers={(*answers).clone()}
                    on_pick={{
                        let answers = answers.clone();
                        Callback::from(move |picked| answers.set(with(&answers, picked)))
                    }}
                    others={Some((*others).clone())}
                    on_other={{
                        let others = others.clone();
                        Callback::from(move |typed| others.set(with(&others, typed)))
                    }} />
                <label class="result-note">{ "Note " }
                    <input id="call-note" type="text" placeholder="optional, kept with this call's result"
                        value={(*note).clone()}
                        oninput={crate::format::bind_text(&note)} />
                </label>
                <div class="codes" id="dispositions">
                    { for offered_codes(&call.script.results).into_iter().map(|code| {
                        let record = record.clone();
                        html! { <button class="code" data-code={code.slug} onclick={Callback::from(move |_| record.emit(code))}><kbd>{ code.key }</kbd>{ " " }{ code.label }</button> }
                    }) }
                    <button class="code" onclick={Callback::from(move |_| skip.emit(()))}><kbd>{ "s" }</kbd>{ " Skip" }</button>
                </div>
            </div>
        },
    };
    html! {
        <section class="phone-bank" aria-label="Phone bank" tabindex="0" onkeydown={on_key} id="phone-bank">
            <div class="toolbar">
                <label>{ "Call list " }
                    <select id="call-list" onchange={{
                        let list = list.clone();
                        Callback::from(move |event: Event| {
                            let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
                            list.set(select.value().parse().ok());
                        })
                    }}>
                        { for lists.as_ref().and_then(|l| l.as_ref().ok()).into_iter().flatten().map(|l| html! {
                            <option value={l.id.to_string()} selected={Some(l.id) == *list}>
                                { format!("{} · {} of {} done{}", l.name, l.done, l.items,
                                    if l.assigned.is_empty() { String::new() } else { format!(" · for {}", l.assigned.join(", ")) }) }
                            </option>
                        }) }
                    </select>
                </label>
                <label>{ "Caller " }
                    <input id="caller-name" value={(*caller).clone()} oninput={crate::format::bind_text(&caller)} />
                </label>
                <button class="primary" id="start-calling" onclick={start}>{ "Next call" }</button>
            </div>
            if !message.is_empty() { <div class="note" id="call-message" role="status">{ (*message).clone() }</div> }
            <div class="desk">
                { card }
                <aside class="tally" id="tally">
                    <h3>{ format!("This session: {total} calls") }</h3>
                    <ul class="plain">
                        { for tally.iter().map(|(label, count)| html! { <li>{ format!("{label}: {count}") }</li> }) }
                    </ul>
                </aside>
            </div>
        </section>
    }
}
