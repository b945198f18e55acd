//! Turfs and walk lists, and door-by-door result entry.
//!
//! Doors come in walking order (street, side, number, unit), a hundred at a
//! time: more are read as the canvasser moves on, so a precinct-sized turf
//! opens at once. The current door's voters take a result each, by button
//! or by the code's key; the whole list prints as a paper walk list (see the
//! print stylesheet).

use crate::components::new_person::NewPersonForm;
use crate::components::survey::{given, with, Survey};
use crate::ipc;
use groundgame_domain::ipc::{ContactRequest, IpcError};
use groundgame_domain::office::CallScript;
use groundgame_domain::office::{TurfSummary, WalkPage, WalkStop};
use groundgame_domain::survey::{fill, ScriptFields};
use groundgame_domain::{Channel, ResultCode, SurveyAnswer, VoterId};
use std::collections::BTreeMap;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WalkViewProps {
    pub on_select: Callback<String>,
    pub on_changed: Callback<()>,
}

#[function_component(WalkView)]
pub fn walk_view(props: &WalkViewProps) -> Html {
    let turfs = use_state(|| None::<Result<Vec<TurfSummary>, IpcError>>);
    let turf = use_state(|| None::<i64>);
    let stops = use_state(|| None::<Result<WalkPage, IpcError>>);
    // Doors read so far: the first page, then more as the canvasser moves on.
    let shown = use_state(|| PAGE);
    // Printing waits for the whole list to be read.
    let print_pending = use_state(|| false);
    let door = use_state(|| 0_usize);
    let reload = use_state(|| 0_u32);
    let message = use_state(String::new);
    // Survey answers at the current door: question slug to answer code.
    let answers = use_state(BTreeMap::<String, String>::new);
    // "Other" notes with those answers, where a question takes one.
    let others = use_state(BTreeMap::<String, String>::new);
    // A note for the next result recorded at this door ("dog in yard").
    let note = use_state(String::new);
    {
        // Read again after a result or a turf taken (progress, who holds it).
        let turfs = turfs.clone();
        let turf = turf.clone();
        use_effect_with(*reload, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let loaded = ipc::turfs().await;
                if let Ok(list) = &loaded {
                    if turf.is_none() {
                        turf.set(list.first().map(|t| t.id));
                    }
                }
                turfs.set(Some(loaded));
            });
        });
    }
    {
        let stops = stops.clone();
        use_effect_with((*turf, *reload, *shown), move |(turf, _, shown)| {
            if let Some(turf) = *turf {
                let shown = *shown;
                wasm_bindgen_futures::spawn_local(async move {
                    stops.set(Some(ipc::walk_list(turf, 0, shown).await));
                });
            }
        });
    }
    {
        // Once the whole list is on the page, print it.
        let print_pending = print_pending.clone();
        let message = message.clone();
        let complete = matches!(&*stops, Some(Ok(page)) if page.next_from.is_none());
        use_effect_with((complete, *print_pending), move |(complete, pending)| {
            if *complete && *pending {
                print_pending.set(false);
                if web_sys::window().is_none_or(|window| window.print().is_err()) {
                    message.set("This window cannot print; use the system's print command".into());
                }
            }
        });
    }
    let record = {
        let turf = turf.clone();
        let reload = reload.clone();
        let message = message.clone();
        let answers = answers.clone();
        let others = others.clone();
        let note = note.clone();
        let on_changed = props.on_changed.clone();
        let script = match &*stops {
            Some(Ok(page)) => page.script.clone(),
            _ => None,
        };
        Callback::from(move |(voter_id, result): (String, &'static str)| {
            let Ok(voter) = VoterId::parse(&voter_id) else {
                return;
            };
            // Answers count only when someone was canvassed, each against
            // the version on screen.
            let given: Vec<SurveyAnswer> = if result == "canvassed" {
                let questions = script.as_ref().map_or(&[][..], |s| &s.questions[..]);
                given(questions, &answers, &others)
            } else {
                Vec::new()
            };
            let request = ContactRequest {
                voter_id: voter,
                channel: Channel::Door,
                result: result.to_owned(),
                phone: None,
                call_item: None,
                turf: *turf,
                answers: given,
                note: note.trim().to_owned(),
                volunteer: None,
                callback_minutes: None,
            };
            let reload = reload.clone();
            let message = message.clone();
            let on_changed = on_changed.clone();
            let answers = answers.clone();
            let others = others.clone();
            let note = note.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::record_contact(&request).await {
                    Ok(outcome) => {
                        let label = ResultCode::find(&outcome.result)
                            .map_or(outcome.result.clone(), |c| c.label.to_owned());
                        let mut text = format!("{label} saved for {voter_id}");
                        for consequence in &outcome.consequences {
                            text.push_str(" · ");
                            text.push_str(consequence);
                        }
                        message.set(text);
                        answers.set(BTreeMap::new());
                        others.set(BTreeMap::new());
                        note.set(String::new());
                        on_changed.emit(());
                        reload.set(*reload + 1);
                    }
                    Err(error) => message.set(error.message),
                }
            });
        })
    };
    let turf_select = {
        let turf = turf.clone();
        let door = door.clone();
        let shown = shown.clone();
        Callback::from(move |event: Event| {
            let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
            turf.set(select.value().parse().ok());
            door.set(0);
            shown.set(PAGE);
        })
    };
    let (list, total_doors, more): (&[WalkStop], u32, bool) = match &*stops {
        Some(Ok(page)) => (&page.stops, page.total_doors, page.next_from.is_some()),
        _ => (&[], 0, false),
    };
    let print = {
        let shown = shown.clone();
        let print_pending = print_pending.clone();
        Callback::from(move |_| {
            shown.set((*shown).max(total_doors));
            print_pending.set(true);
        })
    };
    let show_more = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(shown.saturating_add(PAGE)))
    };
    let current = (*door).min(list.len().saturating_sub(1));
    let script: Option<CallScript> = match &*stops {
        Some(Ok(page)) => page.script.clone(),
        _ => None,
    };
    let on_key = {
        let door = door.clone();
        let record = record.clone();
        let answers = answers.clone();
        // Which answer each key picks, for the turf's questions.
        let option_keys: Vec<(String, String, String)> = script
            .iter()
            .flat_map(|s| s.questions.iter())
            .flat_map(|q| {
                q.options
                    .iter()
                    .map(move |o| (o.key.clone(), q.slug.clone(), o.slug.clone()))
            })
            .collect();
        let offered: Vec<String> = script
            .as_ref()
            .map(|s| s.results.clone())
            .unwrap_or_default();
        let first_voter = list.get(current).and_then(|stop| {
            stop.voters
                .iter()
                .find(|v| v.last_result.is_none())
                .or(stop.voters.first())
                .map(|v| v.voter_id.clone())
        });
        let doors = list.len();
        let shown = shown.clone();
        Callback::from(move |event: KeyboardEvent| {
            if crate::format::typing_in_a_field(&event) {
                return;
            }
            let key = event.key();
            match key.as_str() {
                "ArrowDown" | "j" => {
                    let next = current + 1;
                    // Near the end of what is read: read the next page.
                    if more && next + 5 >= doors {
                        shown.set(shown.saturating_add(PAGE));
                    }
                    door.set(next.min(doors.saturating_sub(1)));
                }
                "ArrowUp" => door.set(current.saturating_sub(1)),
                _ => {
                    if let Some((_, question, option)) =
                        option_keys.iter().find(|(k, _, _)| *k == key)
                    {
                        let mut chosen = (*answers).clone();
                        chosen.insert(question.clone(), option.clone());
                        answers.set(chosen);
                    } else if let (Some(voter), Some(code)) =
                        (first_voter.clone(), door_code_for_key(&key, &offered))
                    {
                        record.emit((voter, code));
                    }
                }
            }
        })
    };
    let selected_turf = turfs
        .as_ref()
        .and_then(|t| t.as_ref().ok())
        .and_then(|list| list.iter().find(|t| Some(t.id) == *turf).cloned());
    let take = {
        let message = message.clone();
        let reload = reload.clone();
        let turf = *turf;
        Callback::from(move |_: MouseEvent| {
            let (message, reload) = (message.clone(), reload.clone());
            if let Some(turf) = turf {
                wasm_bindgen_futures::spawn_local(async move {
                    message.set(match ipc::take_turf(turf, 4.0).await {
                        Ok(Some(hold)) if hold.mine => format!(
                            "This turf is yours until {}; nobody else can take it",
                            hold.until.unwrap_or_default()
                        ),
                        Ok(Some(hold)) => format!(
                            "Taken: {} has this turf until {}",
                            hold.holder.unwrap_or_else(|| "another laptop".into()),
                            hold.until.unwrap_or_default()
                        ),
                        Ok(None) => "This turf could not be taken; try again".into(),
                        Err(error) => format!("Could not take the turf: {}", error.message),
                    });
                    reload.set(*reload + 1);
                });
            }
        })
    };
    let hold_note = selected_turf
        .as_ref()
        .and_then(|t| t.hold.as_ref())
        .map(|hold| {
            if hold.mine {
                "out on this laptop".to_owned()
            } else {
                format!("taken by {}", hold.holder.clone().unwrap_or_default())
            }
        });
    html! {
        <section class="walk" aria-label="Walk lists" tabindex="0" onkeydown={on_key}>
            <div class="toolbar no-print">
                <label>{ "Turf " }
                    <select id="turf-select" onchange={turf_select}>
                        { for turfs.as_ref().and_then(|t| t.as_ref().ok()).into_iter().flatten().map(|t| html! {
                            <option value={t.id.to_string()} selected={Some(t.id) == *turf}>
                                { format!("{} · {} doors · {} voters · {} knocked{}", t.name, t.households, t.voters, t.knocked,
                                    if t.assigned.is_empty() { String::new() } else { format!(" · for {}", t.assigned.join(", ")) }) }
                            </option>
                        }) }
                    </select>
                </label>
                <button id="take-turf" onclick={take}>{ "Take this turf out" }</button>
                if let Some(note) = hold_note { <span class="flag" id="turf-hold">{ note }</span> }
                <button id="print-walk" onclick={print}>{ "Print walk list" }</button>
                <span class="muted">{ "↑/↓ move between doors · a code's key records it for the first voter not yet done" }</span>
            </div>
            if !message.is_empty() { <div class="note no-print" id="walk-message" role="status">{ (*message).clone() }</div> }
            if let Some(Err(error)) = &*stops { <div class="error" role="alert">{ &error.message }</div> }
            <div class="walk-columns">
                <ol class="doors walk-print" id="walk-list">
                    { for list.iter().enumerate().map(|(index, stop)| {
                        let door = door.clone();
                        let street_header = index == 0 || list[index - 1].street != stop.street || list[index - 1].side != stop.side;
                        html! {
                            <>
                            if street_header { <li class="street">{ format!("{} · {} side", stop.street, stop.side) }</li> }
                            <li key={stop.household_id} class={classes!("door", (index == current).then_some("current"), stop.do_not_walk.then_some("dnw"))}
                                onclick={Callback::from(move |_| door.set(index))}>
                                <span class="door-address">{ &stop.address }</span>
                                if stop.do_not_walk { <span class="flag">{ "do not knock" }</span> }
                                if stop.inaccessible { <span class="flag">{ "inaccessible" }</span> }
                                <span class="door-voters">
                                    { for stop.voters.iter().map(|v| html! {
                                        <span class="door-voter">{ format!("{} ({}, {})", v.name, v.age.map(|a| a.to_string()).unwrap_or_default(), v.party) }
                                            if let Some(result) = &v.last_result { <em>{ format!(" {result}") }</em> }
                                            <span class="print-only boxes">{ "☐ home ☐ not home ☐ refused ☐ moved  support 1 2 3 4 5" }</span>
                                        </span>
                                    }) }
                                </span>
                            </li>
                            </>
                        }
                    }) }
                    if more {
                        <li class="no-print more">
                            <button id="more-doors" onclick={show_more}>
                                { format!("Show more doors ({} of {})", list.len(), total_doors) }
                            </button>
                        </li>
                    }
                </ol>
                if let Some(stop) = list.get(current) {
                    <div class="door-entry no-print" id="door-entry">
                        <h2>{ &stop.address }</h2>
                        if let Some(script) = &script {
                            <blockquote class="script" id="door-script">{
                                door_script(&script.body, stop)
                            }</blockquote>
                            <Survey questions={script.questions.clone()} answers={(*answers).clone()} when="(canvassed)"
                                on_pick={{
                                    let answers = answers.clone();
                                    Callback::from(move |picked| answers.set(with(&answers, picked)))
                                }}
                                others={Some((*others).clone())}
                                on_other={{
                                    let others = others.clone();
                                    Callback::from(move |typed| others.set(with(&others, typed)))
                                }} />
                        }
                        <label class="result-note">{ "Note " }
                            <input id="door-note" type="text" placeholder="optional, kept with the next result"
                                value={(*note).clone()}
                                oninput={crate::format::bind_text(&note)} />
                        </label>
                        { for stop.voters.iter().map(|voter| {
                            let on_select = props.on_select.clone();
                            let id = voter.voter_id.clone();
                            html! {
                                <div class="entry-voter" key={voter.voter_id.clone()}>
                                    <button class="link" onclick={Callback::from(move |_| on_select.emit(id.clone()))}>{ &voter.name }</button>
                                    if let Some(result) = &voter.last_result { <span class="muted">{ format!(" last: {result}") }</span> }
                                    <div class="codes">
                                        { for door_codes(script.as_ref().map_or(&[][..], |s| &s.results[..])).into_iter().map(|code| {
                                            let record = record.clone();
                                            let voter_id = voter.voter_id.clone();
                                            let slug = code.slug;
                                            html! {
                                                <button class="code" data-code={slug} onclick={Callback::from(move |_| record.emit((voter_id.clone(), slug)))}>
                                                    <kbd>{ code.key }</kbd>{ " " }{ code.label }
                                                </button>
                                            }
                                        }) }
                                    </div>
                                </div>
                            }
                        }) }
                        if let Some(first_voter) = stop.voters.first() {
                            <NewPersonForm
                                key={stop.household_id}
                                at_door_of={first_voter.voter_id.clone()}
                                on_select={props.on_select.clone()}
                                on_added={{
                                    let reload = reload.clone();
                                    let message = message.clone();
                                    let on_changed = props.on_changed.clone();
                                    Callback::from(move |voter_id: String| {
                                        message.set(format!("Added {voter_id} to this household"));
                                        on_changed.emit(());
                                        reload.set(*reload + 1);
                                    })
                                }}
                            />
                        }
                    </div>
                }
            </div>
        </section>
    }
}

/// Doors read at a time.
const PAGE: u32 = 100;

/// The door codes the turf shows its canvassers (all of them when it
/// names none), in the canonical order.
fn door_codes(results: &[String]) -> Vec<&'static ResultCode> {
    ResultCode::for_channel(Channel::Door)
        .filter(|code| results.is_empty() || results.iter().any(|slug| slug == code.slug))
        .collect()
}

/// The script as read at this door: to its first voter not yet done.
fn door_script(body: &str, stop: &WalkStop) -> String {
    let voter = stop
        .voters
        .iter()
        .find(|v| v.last_result.is_none())
        .or(stop.voters.first());
    let name = voter.map_or("", |v| v.name.as_str());
    let mut words = name.split_whitespace();
    let first = words.next().unwrap_or_default();
    let last = words.last().unwrap_or_default();
    fill(
        body,
        &ScriptFields {
            first_name: first,
            last_name: last,
            // The volunteer is filled in already; the precinct is the turf's.
            volunteer: "{volunteer}",
            precinct: "",
        },
    )
}

fn door_code_for_key(key: &str, offered: &[String]) -> Option<&'static str> {
    let key = key.chars().next()?;
    door_codes(offered)
        .into_iter()
        .find(|code| code.key == key)
        .map(|code| code.slug)
}
