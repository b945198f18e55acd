//! Who is working on this shared laptop: the header shows the volunteer
//! signed in, and a volunteer signs in by picking their name (with their
//! PIN, if the coordinator set one) and out again. Every result is
//! recorded in the signed-in volunteer's name; locking the office (by hand
//! or when idle) signs them out.

use crate::ipc;
use groundgame_domain::ipc::SignedIn;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// A new value reloads who is signed in (after a sync brings the roster).
    pub changes: u32,
    /// Someone signed in or out.
    pub on_changed: Callback<()>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Bar {
    signed: Option<SignedIn>,
    open: bool,
    name: String,
    pin: String,
    error: String,
}

enum Step {
    Loaded(SignedIn),
    Open(bool),
    Name(String),
    Pin(String),
    Failed(String),
}

impl Reducible for Bar {
    type Action = Step;

    fn reduce(self: Rc<Self>, action: Step) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Step::Loaded(signed) => {
                if next.name.is_empty() {
                    next.name = signed
                        .roster
                        .first()
                        .map(|v| v.name.clone())
                        .unwrap_or_default();
                }
                next.open = next.open && signed.volunteer.is_none();
                if signed.volunteer.is_some() {
                    next.pin.clear();
                    next.error.clear();
                }
                next.signed = Some(signed);
            }
            Step::Open(open) => {
                next.open = open;
                next.error.clear();
            }
            Step::Name(name) => next.name = name,
            Step::Pin(pin) => next.pin = pin,
            Step::Failed(error) => next.error = error,
        }
        Rc::new(next)
    }
}

#[function_component(SignInBar)]
pub fn sign_in_bar(props: &SignInProps) -> Html {
    let bar = use_reducer(Bar::default);
    {
        let dispatcher = bar.dispatcher();
        use_effect_with(props.changes, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(signed) = ipc::signed_in().await {
                    dispatcher.dispatch(Step::Loaded(signed));
                }
            });
        });
    }
    let submit = {
        let bar = bar.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let dispatcher = bar.dispatcher();
            let (name, pin) = (bar.name.clone(), bar.pin.clone());
            let on_changed = on_changed.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let pin = (!pin.is_empty()).then_some(pin);
                match ipc::sign_in(&name, pin).await {
                    Ok(signed) => {
                        dispatcher.dispatch(Step::Loaded(signed));
                        on_changed.emit(());
                    }
                    Err(error) => dispatcher.dispatch(Step::Failed(error.message)),
                }
            });
        })
    };
    let sign_out = {
        let dispatcher = bar.dispatcher();
        let on_changed = props.on_changed.clone();
        Callback::from(move |_| {
            let dispatcher = dispatcher.clone();
            let on_changed = on_changed.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(signed) = ipc::sign_out().await {
                    dispatcher.dispatch(Step::Loaded(signed));
                    on_changed.emit(());
                }
            });
        })
    };
    let Some(signed) = &bar.signed else {
        return html! {};
    };
    if let Some(volunteer) = &signed.volunteer {
        return html! {
            <div class="who" id="who-is-working">
                <span class="muted">{ "Working: " }</span>
                <strong id="signed-in-name">{ &volunteer.name }</strong>
                <button class="small" id="sign-out" onclick={sign_out}>{ "Sign out" }</button>
            </div>
        };
    }
    if signed.roster.is_empty() {
        return html! {
            <div class="who muted" id="who-is-working" title="A coordinator adds volunteers in the Volunteers view">{ "No volunteers on the roster" }</div>
        };
    }
    if !bar.open {
        let dispatcher = bar.dispatcher();
        return html! {
            <div class="who" id="who-is-working">
                <span class="muted">{ "Nobody signed in" }</span>
                <button class="small primary" id="sign-in" onclick={Callback::from(move |_| dispatcher.dispatch(Step::Open(true)))}>{ "Sign in" }</button>
            </div>
        };
    }
    let on_name = {
        let dispatcher = bar.dispatcher();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            dispatcher.dispatch(Step::Name(select.value()));
        })
    };
    let on_pin = {
        let dispatcher = bar.dispatcher();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            dispatcher.dispatch(Step::Pin(input.value()));
        })
    };
    let needs_pin = signed
        .roster
        .iter()
        .any(|v| v.name == bar.name && v.has_pin);
    let cancel = {
        let dispatcher = bar.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(Step::Open(false)))
    };
    html! {
        <form class="who sign-in" id="sign-in-form" onsubmit={submit}>
            <label>{ "Who is working? " }
                <select id="sign-in-name" onchange={on_name} autofocus=true>
                    { for signed.roster.iter().map(|v| html! {
                        <option value={v.name.clone()} selected={v.name == bar.name}>{ &v.name }</option>
                    }) }
                </select>
            </label>
            if needs_pin {
                <label>{ "PIN " }
                    <input id="sign-in-pin" type="password" inputmode="numeric" autocomplete="off" size="6"
                        value={bar.pin.clone()} oninput={on_pin} />
                </label>
            }
            <button class="small primary" id="sign-in-submit" type="submit">{ "Sign in" }</button>
            <button class="small" type="button" onclick={cancel}>{ "Cancel" }</button>
            if !bar.error.is_empty() { <span class="error" role="alert" id="sign-in-error">{ &bar.error }</span> }
        </form>
    }
}
