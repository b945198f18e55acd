//! The unlock screen. The office's voter data is encrypted on disk with a key
//! only the passphrase opens; on the very first start the user chooses it.

use crate::ipc;
use groundgame_domain::ipc::{ChangePassphraseRequest, PASSPHRASE_MIN_CHARS};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct UnlockProps {
    pub first_run: bool,
    pub database: String,
    pub on_unlocked: Callback<()>,
}

/// What is wrong with the typed passphrases before anything is sent, if
/// anything.
pub fn check_new_passphrase(passphrase: &str, confirmation: &str) -> Option<String> {
    if passphrase.chars().count() < PASSPHRASE_MIN_CHARS {
        Some(format!(
            "Use at least {PASSPHRASE_MIN_CHARS} characters; a short sentence is easy to remember and hard to guess."
        ))
    } else if passphrase != confirmation {
        Some("The two passphrases differ; type the same one twice.".to_owned())
    } else {
        None
    }
}

#[function_component(Unlock)]
pub fn unlock(props: &UnlockProps) -> Html {
    let passphrase = use_node_ref();
    let confirmation = use_node_ref();
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let on_submit = {
        let (passphrase, confirmation) = (passphrase.clone(), confirmation.clone());
        let (error, busy) = (error.clone(), busy.clone());
        let first_run = props.first_run;
        let on_unlocked = props.on_unlocked.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if *busy {
                return;
            }
            let value = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .unwrap_or_default()
            };
            let typed = value(&passphrase);
            if first_run {
                if let Some(problem) = check_new_passphrase(&typed, &value(&confirmation)) {
                    error.set(Some(problem));
                    return;
                }
            }
            busy.set(true);
            let (error, busy, on_unlocked) = (error.clone(), busy.clone(), on_unlocked.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::unlock(&typed).await {
                    Ok(_) => on_unlocked.emit(()),
                    Err(failure) => {
                        error.set(Some(failure.message));
                        busy.set(false);
                    }
                }
            });
        })
    };

    let (title, action) = if props.first_run {
        (
            "Choose a passphrase for this field office",
            "Create the office",
        )
    } else {
        ("Unlock this field office", "Unlock")
    };
    html! {
        <div class="unlock-screen">
            <form class="unlock" onsubmit={on_submit}>
                <img src="logo.svg" alt="" width="56" height="56" />
                <h1>{ title }</h1>
                <p class="hint">
                    if props.first_run {
                        { "Voter data on this laptop is encrypted. The passphrase is the only way in: write it somewhere safe." }
                    } else {
                        { "Voter data on this laptop is encrypted with the office's passphrase." }
                    }
                </p>
                <label for="passphrase">{ "Passphrase" }</label>
                <input id="passphrase" ref={passphrase} type="password" autofocus=true autocomplete="current-password" />
                if props.first_run {
                    <label for="passphrase-confirm">{ "Type it again" }</label>
                    <input id="passphrase-confirm" ref={confirmation} type="password" autocomplete="new-password" />
                }
                if let Some(message) = &*error {
                    <p id="unlock-error" class="error" role="alert">{ message }</p>
                }
                <button id="unlock" class="primary" type="submit" disabled={*busy}>
                    { if *busy { "Opening…" } else { action } }
                </button>
                <p class="database" title="Back up this file and its .key file together">{ &props.database }</p>
            </form>
            if !props.first_run {
                <ChangePassphrase />
            }
        </div>
    }
}

/// A new passphrase for the office, while it is closed: the key file is
/// rewrapped (back it up again); the database is not re-encrypted.
#[function_component(ChangePassphrase)]
fn change_passphrase() -> Html {
    let open = use_state(|| false);
    let current = use_node_ref();
    let new = use_node_ref();
    let confirmation = use_node_ref();
    let message = use_state(|| None::<Result<String, String>>);
    let busy = use_state(|| false);
    let on_submit = {
        let (current, new, confirmation) = (current.clone(), new.clone(), confirmation.clone());
        let (message, busy) = (message.clone(), busy.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .unwrap_or_default()
            };
            let typed_new = value(&new);
            if let Some(problem) = check_new_passphrase(&typed_new, &value(&confirmation)) {
                message.set(Some(Err(problem)));
                return;
            }
            let request = ChangePassphraseRequest {
                current: value(&current),
                new: typed_new,
            };
            for node in [&current, &new, &confirmation] {
                if let Some(input) = node.cast::<HtmlInputElement>() {
                    input.set_value("");
                }
            }
            busy.set(true);
            let (message, busy) = (message.clone(), busy.clone());
            wasm_bindgen_futures::spawn_local(async move {
                message.set(Some(match ipc::change_passphrase(&request).await {
                    Ok(()) => Ok("The passphrase is changed: unlock with the new one, and back up the .key file again.".into()),
                    Err(failure) => Err(failure.message),
                }));
                busy.set(false);
            });
        })
    };
    if !*open {
        let open = open.clone();
        return html! {
            <button id="change-passphrase" class="link" onclick={Callback::from(move |_| open.set(true))}>
                { "Change the passphrase" }
            </button>
        };
    }
    html! {
        <form class="unlock change-passphrase" onsubmit={on_submit}>
            <h2>{ "Change the passphrase" }</h2>
            <label for="current-passphrase">{ "Current passphrase" }</label>
            <input id="current-passphrase" ref={current} type="password" autocomplete="current-password" />
            <label for="new-passphrase">{ "New passphrase" }</label>
            <input id="new-passphrase" ref={new} type="password" autocomplete="new-password" />
            <label for="new-passphrase-confirm">{ "Type it again" }</label>
            <input id="new-passphrase-confirm" ref={confirmation} type="password" autocomplete="new-password" />
            {
                match &*message {
                    Some(Ok(text)) => html! { <p id="passphrase-changed" class="ok">{ text }</p> },
                    Some(Err(text)) => html! { <p id="passphrase-error" class="error" role="alert">{ text }</p> },
                    None => html! {},
                }
            }
            <button id="change-passphrase-submit" class="primary" type="submit" disabled={*busy}>
                { if *busy { "Changing…" } else { "Change it" } }
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::check_new_passphrase;

    #[test]
    fn new_passphrases_are_checked_before_sending() {
        assert!(check_new_passphrase("short", "short").is_some());
        assert!(check_new_passphrase("long enough", "long enougH").is_some());
        assert_eq!(check_new_passphrase("long enough", "long enough"), None);
    }
}
