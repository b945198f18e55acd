//! The Scripts view: the office's survey questions (every version; an edit
//! always makes the next one, so answers already given keep the words they
//! were given to), its scripts (text read aloud with the voter's and the
//! volunteer's names filled in, then the questions), and which script each
//! call list and turf reads, with the result codes its volunteers see.

use crate::components::editor::{save, text_input, Editor};
use crate::ipc;
use groundgame_domain::ipc::{
    AttachScriptRequest, QuestionRequest, ScriptRequest, ScriptsOverview,
};
use groundgame_domain::survey::{AnswerChoice, QuestionRecord, SCRIPT_FIELDS};
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScriptsProps {
    pub on_changed: Callback<()>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Desk {
    overview: Option<ScriptsOverview>,
    /// The question being edited (its slug), or none for a new one.
    editing: Option<String>,
    slug: String,
    text: String,
    /// One `CODE=LABEL` per line.
    answers: String,
    /// Whether volunteers may add an "other" note.
    other: bool,
    script_name: String,
    script_text: String,
    script_questions: Vec<String>,
    /// The script chosen for each list or turf (by `kind:id`), before Attach.
    chosen: BTreeMap<String, String>,
    /// Result codes shown, per list or turf, as typed (blank: all).
    results: BTreeMap<String, String>,
    message: String,
    error: String,
}

enum Step {
    Loaded(ScriptsOverview),
    Edit(QuestionRecord),
    NewQuestion,
    Slug(String),
    Text(String),
    Answers(String),
    Other(bool),
    ScriptName(String),
    ScriptText(String),
    Ask(String, bool),
    LoadScript(String),
    Choose(String, String),
    Results(String, String),
    Done(String),
    QuestionSaved(String),
    Failed(String),
}

impl Desk {
    /// Back to writing a new question.
    fn clear_question(&mut self) {
        self.editing = None;
        self.slug.clear();
        self.text.clear();
        self.answers.clear();
        self.other = false;
    }
}

impl Reducible for Desk {
    type Action = Step;

    fn reduce(self: Rc<Self>, action: Step) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Step::Loaded(overview) => next.overview = Some(overview),
            Step::Edit(question) => {
                next.editing = Some(question.slug.clone());
                next.slug = question.slug;
                next.text = question.text;
                next.other = question.other;
                next.answers = question
                    .answers
                    .iter()
                    .map(|a| format!("{}={}", a.code, a.label))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            Step::NewQuestion => next.clear_question(),
            Step::Slug(slug) => next.slug = slug,
            Step::Text(text) => next.text = text,
            Step::Answers(answers) => next.answers = answers,
            Step::Other(other) => next.other = other,
            Step::ScriptName(name) => next.script_name = name,
            Step::ScriptText(text) => next.script_text = text,
            Step::Ask(slug, on) => {
                next.script_questions.retain(|q| *q != slug);
                if on {
                    next.script_questions.push(slug);
                }
            }
            Step::LoadScript(name) => {
                if let Some(script) = next
                    .overview
                    .as_ref()
                    .and_then(|o| o.scripts.iter().find(|s| s.name == name))
                    .cloned()
                {
                    next.script_name = script.name;
                    next.script_text = script.text;
                    next.script_questions = script.questions;
                }
            }
            Step::Choose(key, script) => {
                next.chosen.insert(key, script);
            }
            Step::Results(key, text) => {
                next.results.insert(key, text);
            }
            Step::QuestionSaved(message) => {
                next.clear_question();
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

/// The newest version of each question, with how many versions it has.
fn latest(questions: &[QuestionRecord]) -> Vec<(&QuestionRecord, usize)> {
    let mut by_slug: BTreeMap<&str, Vec<&QuestionRecord>> = BTreeMap::new();
    for question in questions {
        by_slug.entry(&question.slug).or_default().push(question);
    }
    by_slug
        .into_values()
        .filter_map(|mut versions| {
            versions.sort_by_key(|q| q.version);
            let count = versions.len();
            versions.pop().map(|q| (q, count))
        })
        .collect()
}

/// The answers typed, one `CODE=LABEL` per line.
fn parse_answers(text: &str) -> Result<Vec<AnswerChoice>, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(AnswerChoice::parse)
        .collect()
}

impl Editor for Desk {
    fn failed(message: String) -> Step {
        Step::Failed(message)
    }

    fn reload(dispatcher: UseReducerDispatcher<Self>) {
        wasm_bindgen_futures::spawn_local(async move {
            match ipc::scripts().await {
                Ok(overview) => dispatcher.dispatch(Step::Loaded(overview)),
                Err(error) => dispatcher.dispatch(Step::Failed(error.message)),
            }
        });
    }
}

#[function_component(ScriptsView)]
pub fn scripts_view(props: &ScriptsProps) -> Html {
    let desk = use_reducer(Desk::default);
    {
        let dispatcher = desk.dispatcher();
        use_effect_with((), move |()| Desk::reload(dispatcher));
    }
    let dispatcher = desk.dispatcher();
    let save_question = {
        let desk = desk.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let answers = match parse_answers(&desk.answers) {
                Ok(answers) => answers,
                Err(error) => return desk.dispatch(Step::Failed(error)),
            };
            let request = match &desk.editing {
                None => QuestionRequest {
                    slug: desk.slug.trim().to_owned(),
                    new: true,
                    text: Some(desk.text.clone()),
                    answers,
                    drop: Vec::new(),
                    other: Some(desk.other),
                },
                Some(slug) => {
                    let current = desk
                        .overview
                        .as_ref()
                        .and_then(|o| {
                            latest(&o.questions)
                                .into_iter()
                                .find(|(q, _)| &q.slug == slug)
                        })
                        .map(|(q, _)| q.clone());
                    let drop = current
                        .iter()
                        .flat_map(|q| q.answers.iter())
                        .filter(|a| !answers.iter().any(|given| given.code == a.code))
                        .map(|a| a.code.clone())
                        .collect();
                    let text = current
                        .as_ref()
                        .is_none_or(|q| q.text != desk.text.trim())
                        .then(|| desk.text.clone());
                    let answers = answers
                        .into_iter()
                        .filter(|a| current.as_ref().is_none_or(|q| !q.answers.contains(a)))
                        .collect();
                    QuestionRequest {
                        slug: slug.clone(),
                        new: false,
                        text,
                        answers,
                        drop,
                        other: current
                            .as_ref()
                            .is_none_or(|q| q.other != desk.other)
                            .then_some(desk.other),
                    }
                }
            };
            save(
                desk.dispatcher(),
                on_changed.clone(),
                ipc::save_question(request),
                |q| {
                    Step::QuestionSaved(format!(
                        "Question {} saved as version {}",
                        q.slug, q.version
                    ))
                },
            );
        })
    };
    let save_script = {
        let desk = desk.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let request = ScriptRequest {
                name: desk.script_name.clone(),
                text: desk.script_text.clone(),
                questions: desk.script_questions.clone(),
            };
            save(
                desk.dispatcher(),
                on_changed.clone(),
                ipc::save_script(request),
                |s| Step::Done(format!("Script {:?} saved", s.name)),
            );
        })
    };
    let Some(overview) = &desk.overview else {
        return html! {
            <section class="scripts" aria-label="Scripts">
                if desk.error.is_empty() { <p class="muted">{ "Loading scripts…" }</p> }
                else { <p class="error" role="alert">{ &desk.error }</p> }
            </section>
        };
    };
    let newest = latest(&overview.questions);
    let question_rows = newest.iter().map(|(question, versions)| {
        let edit = {
            let dispatcher = dispatcher.clone();
            let question = (*question).clone();
            Callback::from(move |_| dispatcher.dispatch(Step::Edit(question.clone())))
        };
        let retire = {
            let dispatcher = dispatcher.clone();
            let on_changed = props.on_changed.clone();
            let (slug, retired) = (question.slug.clone(), !question.retired);
            Callback::from(move |_| {
                let slug = slug.clone();
                save(
                    dispatcher.clone(),
                    on_changed.clone(),
                    async move { ipc::retire_question(&slug, retired).await },
                    move |q| Step::Done(format!("Question {} {}", q.slug, if retired { "retired" } else { "restored" })),
                );
            })
        };
        html! {
            <tr key={question.slug.clone()} data-question={question.slug.clone()} class={classes!(question.retired.then_some("retired"))}>
                <td><code>{ &question.slug }</code></td>
                <td class="version">{ format!("v{}", question.version) }
                    if *versions > 1 { <span class="muted">{ format!(" ({versions} versions)") }</span> }</td>
                <td>{ &question.text }</td>
                <td>{ question.answers.iter().map(|a| a.label.clone()).collect::<Vec<_>>().join(" · ") }</td>
                <td class="actions">
                    if !question.retired { <button class="small" data-edit={question.slug.clone()} onclick={edit}>{ "Edit" }</button> }
                    <button class="small" onclick={retire}>{ if question.retired { "Restore" } else { "Retire" } }</button>
                </td>
            </tr>
        }
    });
    let live_slugs: Vec<&str> = newest
        .iter()
        .filter(|(q, _)| !q.retired)
        .map(|(q, _)| q.slug.as_str())
        .collect();
    let script_names: Vec<String> = overview
        .scripts
        .iter()
        .filter(|s| !s.retired)
        .map(|s| s.name.clone())
        .collect();
    let attach_rows = overview.work.iter().map(|work| {
        let key = format!("{}:{}", work.work.as_str(), work.id);
        let chosen = desk
            .chosen
            .get(&key)
            .cloned()
            .or_else(|| work.script.clone())
            .unwrap_or_default();
        let results = desk
            .results
            .get(&key)
            .cloned()
            .unwrap_or_else(|| work.results.join(", "));
        let on_choose = {
            let dispatcher = dispatcher.clone();
            let key = key.clone();
            Callback::from(move |event: Event| {
                let select: HtmlSelectElement = event.target_unchecked_into();
                dispatcher.dispatch(Step::Choose(key.clone(), select.value()));
            })
        };
        let on_results = {
            let dispatcher = dispatcher.clone();
            let key = key.clone();
            Callback::from(move |event: InputEvent| {
                let input: HtmlInputElement = event.target_unchecked_into();
                dispatcher.dispatch(Step::Results(key.clone(), input.value()));
            })
        };
        let attach = {
            let dispatcher = dispatcher.clone();
            let on_changed = props.on_changed.clone();
            let (kind, id, name) = (work.work, work.id, work.name.clone());
            let (chosen, results) = (chosen.clone(), results.clone());
            Callback::from(move |_| {
                let request = AttachScriptRequest {
                    work: kind,
                    id,
                    script: (!chosen.is_empty()).then(|| chosen.clone()),
                    results: results
                        .split([',', ' '])
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .map(str::to_owned)
                        .collect(),
                };
                let name = name.clone();
                save(dispatcher.clone(), on_changed.clone(), ipc::attach_script(request), move |()| {
                    Step::Done(format!("{name} set up"))
                });
            })
        };
        html! {
            <tr key={key.clone()} data-work={key.clone()}>
                <td>{ work.work.noun() }</td>
                <td>{ &work.name }</td>
                <td>
                    <select class="attach-script" onchange={on_choose} aria-label={format!("Script for {}", work.name)}>
                        <option value="" selected={chosen.is_empty()}>{ "Standard script" }</option>
                        { for script_names.iter().map(|name| html! {
                            <option value={name.clone()} selected={*name == chosen}>{ name }</option>
                        }) }
                    </select>
                </td>
                <td><input class="attach-results" type="text" placeholder="every code" value={results} oninput={on_results}
                    aria-label={format!("Result codes shown for {}", work.name)} /></td>
                <td class="muted">{ if work.volunteers.is_empty() { "—".to_owned() } else { work.volunteers.join(", ") } }</td>
                <td><button class="small primary attach" onclick={attach}>{ "Attach" }</button></td>
            </tr>
        }
    });
    let editing_label = match &desk.editing {
        Some(slug) => {
            let next = newest
                .iter()
                .find(|(q, _)| &q.slug == slug)
                .map_or(1, |(q, _)| q.version + 1);
            format!("Save as version {next}")
        }
        None => "Write question".to_owned(),
    };
    html! {
        <section class="scripts" aria-label="Scripts">
            if !desk.message.is_empty() { <div class="note" role="status" id="scripts-message">{ &desk.message }</div> }
            if !desk.error.is_empty() { <div class="error" role="alert" id="scripts-error">{ &desk.error }</div> }
            <div class="columns">
                <div class="sheet" id="questions">
                    <h2>{ "Survey questions" }</h2>
                    <table class="plain-table">
                        <thead><tr><th>{ "Slug" }</th><th>{ "Version" }</th><th>{ "Question" }</th><th>{ "Answers" }</th><th></th></tr></thead>
                        <tbody>{ for question_rows }</tbody>
                    </table>
                    <form class="stack" id="question-form" onsubmit={save_question}>
                        <h3>{ match &desk.editing { Some(slug) => format!("Edit {slug}"), None => "New question".to_owned() } }</h3>
                        <label>{ "Slug " }
                            <input id="question-slug" type="text" placeholder="sign" value={desk.slug.clone()}
                                disabled={desk.editing.is_some()} oninput={text_input(&dispatcher, Step::Slug)} />
                        </label>
                        <label>{ "Question " }
                            <input id="question-text" type="text" placeholder="May we put a sign in your yard?"
                                value={desk.text.clone()} oninput={text_input(&dispatcher, Step::Text)} />
                        </label>
                        <label>{ "Answers, one per line as code=label " }
                            <textarea id="question-answers" rows="4" placeholder={"yes=Yes\nno=No"}
                                value={desk.answers.clone()} oninput={text_input(&dispatcher, Step::Answers)} />
                        </label>
                        <label class="check">
                            <input type="checkbox" id="question-other" checked={desk.other}
                                onchange={{
                                    let dispatcher = dispatcher.clone();
                                    Callback::from(move |event: Event| {
                                        let input: HtmlInputElement = event.target_unchecked_into();
                                        dispatcher.dispatch(Step::Other(input.checked()));
                                    })
                                }} />
                            { " Volunteers may add an \"other\" note" }
                        </label>
                        <div class="row">
                            <button class="primary" id="save-question" type="submit">{ editing_label }</button>
                            if desk.editing.is_some() {
                                <button type="button" onclick={{
                                    let dispatcher = dispatcher.clone();
                                    Callback::from(move |_| dispatcher.dispatch(Step::NewQuestion))
                                }}>{ "Cancel" }</button>
                            }
                        </div>
                        <p class="muted">{ "Every edit makes the next version: answers already given keep the words they were given to." }</p>
                    </form>
                </div>
                <div class="sheet" id="scripts-panel">
                    <h2>{ "Scripts" }</h2>
                    <ul class="plain script-list">
                        { for overview.scripts.iter().map(|script| {
                            let retire = {
                                let dispatcher = dispatcher.clone();
                                let on_changed = props.on_changed.clone();
                                let (name, retired) = (script.name.clone(), !script.retired);
                                Callback::from(move |_| {
                                    let name = name.clone();
                                    save(
                                        dispatcher.clone(),
                                        on_changed.clone(),
                                        async move { ipc::retire_script(&name, retired).await },
                                        move |s| Step::Done(format!("Script {:?} {}", s.name, if retired { "retired" } else { "restored" })),
                                    );
                                })
                            };
                            let dispatcher = dispatcher.clone();
                            let name = script.name.clone();
                            html! {
                                <li key={script.id.clone()} data-script={script.name.clone()} class={classes!(script.retired.then_some("retired"))}>
                                    <button class="small" onclick={retire}>{ if script.retired { "Restore" } else { "Retire" } }</button>{ " " }
                                    <button class="link" onclick={Callback::from(move |_| dispatcher.dispatch(Step::LoadScript(name.clone())))}>
                                        <strong>{ &script.name }</strong>
                                    </button>
                                    <p class="script-text">{ &script.text }</p>
                                    <span class="muted">{ if script.questions.is_empty() { "asks nothing".to_owned() } else { format!("asks {}", script.questions.join(", ")) } }</span>
                                </li>
                            }
                        }) }
                    </ul>
                    <form class="stack" id="script-form" onsubmit={save_script}>
                        <h3>{ "Write or edit a script" }</h3>
                        <label>{ "Name " }
                            <input id="script-name" type="text" placeholder="Saturday calls" value={desk.script_name.clone()}
                                oninput={text_input(&dispatcher, Step::ScriptName)} />
                        </label>
                        <label>{ "Read aloud " }
                            <textarea id="script-text" rows="4" value={desk.script_text.clone()}
                                placeholder="Hi {first_name}, my name is {volunteer}…"
                                oninput={text_input(&dispatcher, Step::ScriptText)} />
                        </label>
                        <p class="muted">{ format!("Filled in: {}", SCRIPT_FIELDS.map(|f| format!("{{{f}}}")).join(" ")) }</p>
                        <fieldset>
                            <legend>{ "Then ask" }</legend>
                            { for live_slugs.iter().map(|slug| {
                                let dispatcher = dispatcher.clone();
                                let slug = (*slug).to_owned();
                                let label = format!(" {slug}");
                                let checked = desk.script_questions.contains(&slug);
                                html! {
                                    <label class="check">
                                        <input type="checkbox" data-ask={slug.clone()} checked={checked}
                                            onchange={Callback::from(move |event: Event| {
                                                let input: HtmlInputElement = event.target_unchecked_into();
                                                dispatcher.dispatch(Step::Ask(slug.clone(), input.checked()));
                                            })} />
                                        { label }
                                    </label>
                                }
                            }) }
                        </fieldset>
                        <button class="primary" id="save-script" type="submit">{ "Save script" }</button>
                    </form>
                </div>
            </div>
            <div class="sheet" id="attach">
                <h2>{ "What each list and turf reads" }</h2>
                <table class="plain-table">
                    <thead><tr><th></th><th>{ "Name" }</th><th>{ "Script" }</th><th>{ "Result codes shown (opt-outs always)" }</th><th>{ "Assigned to" }</th><th></th></tr></thead>
                    <tbody>{ for attach_rows }</tbody>
                </table>
            </div>
        </section>
    }
}
