//! The Volunteers view: the office's roster (name, phone or email, roles,
//! languages, whether they sign in with a PIN), adding, editing and
//! retiring volunteers, and assigning call lists and turfs to them.

use crate::components::editor::{save, text_input, Editor};
use crate::ipc;
use groundgame_domain::ipc::{AssignRequest, IpcError, VolunteerRequest, WorkSetupView};
use groundgame_domain::survey::VolunteerView;
use groundgame_domain::wire::Role;
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct VolunteersProps {
    pub on_changed: Callback<()>,
}

const ROLES: [Role; 3] = [Role::Canvasser, Role::Caller, Role::Coordinator];

#[derive(Debug, Clone, Default, PartialEq)]
struct Roster {
    volunteers: Option<Vec<VolunteerView>>,
    work: Vec<WorkSetupView>,
    /// The volunteer being edited (their name now), or none for a new one.
    editing: Option<String>,
    name: String,
    contact: String,
    roles: Vec<Role>,
    languages: String,
    pin: String,
    /// Names typed per list or turf (by `kind:id`), before Assign.
    assign: BTreeMap<String, String>,
    message: String,
    error: String,
}

enum Step {
    Loaded(Vec<VolunteerView>, Vec<WorkSetupView>),
    Edit(VolunteerView),
    New,
    Name(String),
    Contact(String),
    Languages(String),
    Pin(String),
    Role(Role, bool),
    Assign(String, String),
    Done(String),
    Saved(String),
    Failed(String),
}

impl Roster {
    /// Back to adding a new volunteer.
    fn clear_form(&mut self) {
        self.editing = None;
        self.name.clear();
        self.contact.clear();
        self.roles = vec![Role::Caller];
        self.languages.clear();
        self.pin.clear();
    }
}

impl Reducible for Roster {
    type Action = Step;

    fn reduce(self: Rc<Self>, action: Step) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Step::Loaded(volunteers, work) => {
                next.volunteers = Some(volunteers);
                next.work = work;
            }
            Step::Edit(volunteer) => {
                next.editing = Some(volunteer.name.clone());
                next.name = volunteer.name;
                next.contact = volunteer.contact.unwrap_or_default();
                next.roles = volunteer.roles;
                next.languages = volunteer.languages.join(", ");
                next.pin.clear();
            }
            Step::New => next.clear_form(),
            Step::Name(text) => next.name = text,
            Step::Contact(text) => next.contact = text,
            Step::Languages(text) => next.languages = text,
            Step::Pin(text) => next.pin = text,
            Step::Role(role, on) => {
                next.roles.retain(|r| *r != role);
                if on {
                    next.roles.push(role);
                }
            }
            Step::Assign(key, names) => {
                next.assign.insert(key, names);
            }
            Step::Saved(message) => {
                next.clear_form();
                next.message = message;
                next.error.clear();
            }
            Step::Done(message) => {
                next.message = message;
                next.error.clear();
            }
            Step::Failed(error) => {
                next.error = error;
                next.message.clear();
            }
        }
        Rc::new(next)
    }
}

impl Editor for Roster {
    fn failed(message: String) -> Step {
        Step::Failed(message)
    }

    fn reload(dispatcher: UseReducerDispatcher<Self>) {
        wasm_bindgen_futures::spawn_local(async move {
            let loaded = async {
                let volunteers = ipc::volunteers().await?;
                let work = ipc::scripts().await?.work;
                Ok::<_, IpcError>((volunteers, work))
            };
            match loaded.await {
                Ok((volunteers, work)) => dispatcher.dispatch(Step::Loaded(volunteers, work)),
                Err(error) => dispatcher.dispatch(Step::Failed(error.message)),
            }
        });
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[function_component(VolunteersView)]
pub fn volunteers_view(props: &VolunteersProps) -> Html {
    let roster = use_reducer(|| Roster {
        roles: vec![Role::Caller],
        ..Roster::default()
    });
    {
        let dispatcher = roster.dispatcher();
        use_effect_with((), move |()| Roster::reload(dispatcher));
    }
    let dispatcher = roster.dispatcher();
    let submit = {
        let roster = roster.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let request = VolunteerRequest {
                editing: roster.editing.clone(),
                name: roster.name.clone(),
                roles: roster.roles.clone(),
                languages: words(&roster.languages),
                contact: Some(roster.contact.clone()).filter(|c| !c.trim().is_empty()),
                pin: Some(roster.pin.clone()).filter(|p| !p.is_empty()),
                clear_pin: false,
                retired: false,
            };
            save(
                roster.dispatcher(),
                on_changed.clone(),
                ipc::save_volunteer(request),
                |v| Step::Saved(format!("{} saved", v.name)),
            );
        })
    };
    let Some(volunteers) = &roster.volunteers else {
        return html! {
            <section class="volunteers" aria-label="Volunteers">
                if roster.error.is_empty() { <p class="muted">{ "Loading the roster…" }</p> }
                else { <p class="error" role="alert">{ &roster.error }</p> }
            </section>
        };
    };
    let rows = volunteers.iter().map(|volunteer| {
        let edit = {
            let dispatcher = dispatcher.clone();
            let volunteer = volunteer.clone();
            Callback::from(move |_| dispatcher.dispatch(Step::Edit(volunteer.clone())))
        };
        let retire = {
            let dispatcher = dispatcher.clone();
            let on_changed = props.on_changed.clone();
            let volunteer = volunteer.clone();
            Callback::from(move |_| {
                let retired = !volunteer.retired;
                let request = VolunteerRequest {
                    editing: Some(volunteer.name.clone()),
                    name: volunteer.name.clone(),
                    roles: volunteer.roles.clone(),
                    languages: volunteer.languages.clone(),
                    contact: volunteer.contact.clone(),
                    pin: None,
                    clear_pin: false,
                    retired,
                };
                save(dispatcher.clone(), on_changed.clone(), ipc::save_volunteer(request), move |v| {
                    Step::Done(format!("{} {}", v.name, if retired { "retired" } else { "restored" }))
                });
            })
        };
        html! {
            <tr key={volunteer.id.clone()} data-volunteer={volunteer.name.clone()} class={classes!(volunteer.retired.then_some("retired"))}>
                <td><strong>{ &volunteer.name }</strong></td>
                <td>{ volunteer.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ") }</td>
                <td>{ if volunteer.languages.is_empty() { "—".to_owned() } else { volunteer.languages.join(", ") } }</td>
                <td>{ volunteer.contact.clone().unwrap_or_default() }</td>
                <td>{ if volunteer.has_pin { "PIN" } else { "" } }</td>
                <td class="actions">
                    if !volunteer.retired { <button class="small" onclick={edit}>{ "Edit" }</button> }
                    <button class="small" onclick={retire}>{ if volunteer.retired { "Restore" } else { "Retire" } }</button>
                </td>
            </tr>
        }
    });
    let assign_rows = roster.work.iter().map(|work| {
        let key = format!("{}:{}", work.work.as_str(), work.id);
        let typed = roster
            .assign
            .get(&key)
            .cloned()
            .unwrap_or_else(|| work.volunteers.join(", "));
        let on_input = {
            let dispatcher = dispatcher.clone();
            let key = key.clone();
            Callback::from(move |event: InputEvent| {
                let input: HtmlInputElement = event.target_unchecked_into();
                dispatcher.dispatch(Step::Assign(key.clone(), input.value()));
            })
        };
        let assign = {
            let dispatcher = dispatcher.clone();
            let on_changed = props.on_changed.clone();
            let (kind, id, name, typed) = (work.work, work.id, work.name.clone(), typed.clone());
            Callback::from(move |_| {
                let request = AssignRequest {
                    work: kind,
                    id,
                    volunteers: words(&typed),
                };
                let name = name.clone();
                save(dispatcher.clone(), on_changed.clone(), ipc::assign_work(request), move |who| {
                    Step::Done(if who.is_empty() {
                        format!("{name} is assigned to nobody")
                    } else {
                        format!(
                            "{name} is assigned to {}",
                            who.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    })
                });
            })
        };
        html! {
            <tr key={key.clone()} data-assign={key.clone()}>
                <td>{ work.work.noun() }</td>
                <td>{ &work.name }</td>
                <td><input type="text" class="assign-names" list="roster-names" value={typed} oninput={on_input}
                    placeholder="names, separated by commas" aria-label={format!("Volunteers for {}", work.name)} /></td>
                <td><button class="small primary" onclick={assign}>{ "Assign" }</button></td>
            </tr>
        }
    });
    html! {
        <section class="volunteers" aria-label="Volunteers">
            if !roster.message.is_empty() { <div class="note" role="status" id="volunteers-message">{ &roster.message }</div> }
            if !roster.error.is_empty() { <div class="error" role="alert" id="volunteers-error">{ &roster.error }</div> }
            <div class="columns">
                <div class="sheet">
                    <h2>{ format!("Roster: {} volunteers", volunteers.iter().filter(|v| !v.retired).count()) }</h2>
                    <table class="plain-table" id="roster">
                        <thead><tr><th>{ "Name" }</th><th>{ "Roles" }</th><th>{ "Languages" }</th><th>{ "Phone or email" }</th><th></th><th></th></tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
                <form class="sheet stack" id="volunteer-form" onsubmit={submit}>
                    <h3>{ match &roster.editing { Some(name) => format!("Edit {name}"), None => "Add a volunteer".to_owned() } }</h3>
                    <label>{ "Name " }<input id="volunteer-name" type="text" value={roster.name.clone()} oninput={text_input(&dispatcher, Step::Name)} /></label>
                    <label>{ "Phone or email " }<input id="volunteer-contact" type="text" value={roster.contact.clone()} oninput={text_input(&dispatcher, Step::Contact)} /></label>
                    <fieldset>
                        <legend>{ "Roles" }</legend>
                        { for ROLES.iter().map(|role| {
                            let dispatcher = dispatcher.clone();
                            let role = *role;
                            html! {
                                <label class="check">
                                    <input type="checkbox" data-role={role.as_str()} checked={roster.roles.contains(&role)}
                                        onchange={Callback::from(move |event: Event| {
                                            let input: HtmlInputElement = event.target_unchecked_into();
                                            dispatcher.dispatch(Step::Role(role, input.checked()));
                                        })} />
                                    { format!(" {}", role.as_str()) }
                                </label>
                            }
                        }) }
                    </fieldset>
                    <label>{ "Languages besides English " }<input id="volunteer-languages" type="text" placeholder="es, vi" value={roster.languages.clone()} oninput={text_input(&dispatcher, Step::Languages)} /></label>
                    <label>{ "Sign-in PIN (4 to 8 digits, optional) " }<input id="volunteer-pin" type="password" inputmode="numeric" value={roster.pin.clone()} oninput={text_input(&dispatcher, Step::Pin)} /></label>
                    <div class="row">
                        <button class="primary" id="save-volunteer" type="submit">{ if roster.editing.is_some() { "Save" } else { "Add volunteer" } }</button>
                        if roster.editing.is_some() {
                            <button type="button" onclick={{
                                let dispatcher = dispatcher.clone();
                                Callback::from(move |_| dispatcher.dispatch(Step::New))
                            }}>{ "Cancel" }</button>
                        }
                    </div>
                </form>
            </div>
            <datalist id="roster-names">
                { for volunteers.iter().filter(|v| !v.retired).map(|v| html! { <option value={v.name.clone()} /> }) }
            </datalist>
            <div class="sheet" id="assignments">
                <h2>{ "Who works each list and turf" }</h2>
                <table class="plain-table">
                    <thead><tr><th></th><th>{ "Name" }</th><th>{ "Volunteers" }</th><th></th></tr></thead>
                    <tbody>{ for assign_rows }</tbody>
                </table>
            </div>
        </section>
    }
}
