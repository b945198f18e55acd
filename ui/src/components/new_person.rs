//! "Someone new at this door": the canvasser types a name, sees who in the
//! slice it might be, and either opens that voter or adds a new person.

use crate::ipc;
use groundgame_domain::office::{NewPerson, PersonMatch};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NewPersonFormProps {
    /// A voter at the door; the new person joins their household.
    pub at_door_of: String,
    pub on_select: Callback<String>,
    pub on_added: Callback<String>,
}

#[function_component(NewPersonForm)]
pub fn new_person_form(props: &NewPersonFormProps) -> Html {
    let first = use_state(String::new);
    let last = use_state(String::new);
    let year = use_state(String::new);
    let matches = use_state(|| None::<Vec<PersonMatch>>);
    let error = use_state(String::new);
    let person = NewPerson {
        at_door_of: props.at_door_of.clone(),
        first_name: (*first).clone(),
        last_name: (*last).clone(),
        birth_year: year.trim().parse().ok(),
        phone: None,
    };
    let input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let field: HtmlInputElement = event.target_unchecked_into();
            state.set(field.value());
        })
    };
    let check = {
        let (person, matches, error) = (person.clone(), matches.clone(), error.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (person, matches, error) = (person.clone(), matches.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::person_matches(&person).await {
                    Ok(found) => {
                        error.set(String::new());
                        matches.set(Some(found));
                    }
                    Err(failure) => error.set(failure.message),
                }
            });
        })
    };
    let add = {
        let (person, matches, error) = (person.clone(), matches.clone(), error.clone());
        let on_added = props.on_added.clone();
        Callback::from(move |_| {
            let (person, matches, error, on_added) = (
                person.clone(),
                matches.clone(),
                error.clone(),
                on_added.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::add_person(&person).await {
                    Ok(voter_id) => {
                        matches.set(None);
                        on_added.emit(voter_id);
                    }
                    Err(failure) => error.set(failure.message),
                }
            });
        })
    };
    html! {
        <form class="new-person" onsubmit={check}>
            <h3>{ "Someone new at this door" }</h3>
            <div class="row">
                <input id="new-first" placeholder="First name" value={(*first).clone()} oninput={input(&first)} />
                <input id="new-last" placeholder="Last name" value={(*last).clone()} oninput={input(&last)} />
                <input id="new-year" placeholder="Born (year)" size="6" value={(*year).clone()} oninput={input(&year)} />
                <button type="submit" id="new-check" disabled={first.trim().is_empty() || last.trim().is_empty()}>{ "Check" }</button>
            </div>
            if !error.is_empty() { <div class="error">{ (*error).clone() }</div> }
            if let Some(found) = &*matches {
                if found.is_empty() {
                    <p class="muted">{ "No one like this in the voter file." }</p>
                } else {
                    <p>{ "Is it one of these voters?" }</p>
                    <ul class="plain" id="new-matches">
                        { for found.iter().map(|m| {
                            let on_select = props.on_select.clone();
                            let id = m.voter_id.clone();
                            html! {
                                <li key={m.voter_id.clone()}>
                                    <button type="button" class="link" onclick={Callback::from(move |_| on_select.emit(id.clone()))}>{ &m.name }</button>
                                    { format!(" · {} · {}", m.address, m.reasons.join(", ")) }
                                </li>
                            }
                        }) }
                    </ul>
                }
                <button type="button" id="new-add" onclick={add}>{ "None of them: add a new person" }</button>
            }
        </form>
    }
}
