//! The coordinator's desk: filters over the whole slice with live counts
//! (voters, doors, callable phones) and the breakdown by precinct drawn as
//! bars; saved segments; a call list or turfs made from the segment (with
//! a preview of the cut); and the office's lists and turfs, to close,
//! reopen or delete. Everything made here reaches the office's other
//! laptops at the next sync.

use crate::format::group;
use crate::ipc;
use groundgame_domain::ipc::IpcError;
use groundgame_domain::office::{CallListSummary, TurfSummary};
use groundgame_domain::segment::{
    AgeRange, ContactedFilter, ElectionRef, GeneralsVoted, PhoneFilter, SavedSegment,
    SegmentCounts, SegmentFilter, TargetingChoices, SUPPORT_SCALE,
};
use groundgame_domain::work::{CallListRules, CutTurf, WorkKind, WorkState};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// One change to the filter, as a control makes it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Precinct(String, bool),
    Party(String, bool),
    AgeMin(Option<u16>),
    AgeMax(Option<u16>),
    ActiveOnly(bool),
    Voted(Option<String>),
    NotVoted(Option<String>),
    Phone(Option<PhoneFilter>),
    Support(u8, bool),
    Volunteer(bool),
    Sex(String, bool),
    /// A language code (`es`); empty for any.
    Language(String),
    /// At least K of the last N generals; N of 0 for none.
    Generals(u8, u8),
    /// A result slug the contact must have had; empty for any.
    ContactResult(String),
    /// None: either; Some(true): contacted; Some(false): not contacted.
    Contacted(Option<bool>),
    ContactedSince(Option<String>),
    InTurf(Option<bool>),
    InCallList(Option<bool>),
    Load(Box<SegmentFilter>),
    Clear,
}

/// Applies a control's change to a filter (pure, so the view's rule is in
/// one place).
pub fn apply(filter: &mut SegmentFilter, change: Change) {
    let toggle = |list: &mut Vec<String>, value: String, on: bool| {
        list.retain(|item| *item != value);
        if on {
            list.push(value);
            list.sort();
        }
    };
    let election = |date: String| ElectionRef { date, kind: None };
    match change {
        Change::Precinct(code, on) => toggle(&mut filter.precincts, code, on),
        Change::Party(code, on) => toggle(&mut filter.parties, code, on),
        Change::AgeMin(min) => {
            let max = filter.age.map_or(120, |age| age.max);
            filter.age = min.map(|min| AgeRange { min, max });
        }
        Change::AgeMax(max) => {
            let min = filter.age.map_or(18, |age| age.min);
            filter.age = max.map(|max| AgeRange { min, max });
        }
        Change::ActiveOnly(on) => {
            filter.statuses = if on { vec!["A".into()] } else { Vec::new() };
        }
        Change::Voted(date) => filter.voted = date.map(election).into_iter().collect(),
        Change::NotVoted(date) => filter.not_voted = date.map(election).into_iter().collect(),
        Change::Phone(phone) => filter.phone = phone,
        Change::Support(level, on) => {
            filter.support.retain(|l| *l != level);
            if on {
                filter.support.push(level);
                filter.support.sort_unstable();
            }
        }
        Change::Volunteer(on) => filter.volunteer = on,
        Change::Sex(code, on) => toggle(&mut filter.sexes, code, on),
        Change::Language(code) => {
            let code = code.trim().to_ascii_lowercase();
            filter.languages = if code.is_empty() {
                Vec::new()
            } else {
                vec![code]
            };
        }
        Change::Generals(at_least, of_last) => {
            filter.generals = (of_last > 0).then_some(GeneralsVoted {
                of_last,
                at_least: at_least.min(of_last),
                at_most: None,
            });
        }
        Change::ContactResult(slug) => {
            if let Some(contacted) = filter.contacted.as_mut() {
                contacted.results = if slug.is_empty() {
                    Vec::new()
                } else {
                    vec![slug]
                };
            }
        }
        Change::Contacted(contacted) => {
            let since = filter.contacted.take().and_then(|c| c.since);
            filter.contacted = contacted.map(|contacted| ContactedFilter {
                not: !contacted,
                since,
                results: Vec::new(),
            });
        }
        Change::ContactedSince(since) => {
            if let Some(contacted) = filter.contacted.as_mut() {
                contacted.since = since;
            }
        }
        Change::InTurf(value) => filter.in_turf = value,
        Change::InCallList(value) => filter.in_call_list = value,
        Change::Load(loaded) => *filter = *loaded,
        Change::Clear => *filter = SegmentFilter::default(),
    }
}

/// The desk's state: the filter, the counts for it, and what was made.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Desk {
    pub filter: SegmentFilter,
    /// Bumped by every filter change; a count answers one request.
    pub request: u32,
    pub counts: Option<SegmentCounts>,
    pub counting: bool,
    pub choices: Option<TargetingChoices>,
    pub saved: Vec<SavedSegment>,
    pub lists: Vec<CallListSummary>,
    pub turfs: Vec<TurfSummary>,
    pub preview: Option<Vec<CutTurf>>,
    pub note: Option<String>,
    pub error: Option<String>,
}

pub enum Action {
    Filter(Change),
    Counted {
        request: u32,
        result: Result<SegmentCounts, IpcError>,
    },
    Choices(TargetingChoices),
    Office {
        saved: Vec<SavedSegment>,
        lists: Vec<CallListSummary>,
        turfs: Vec<TurfSummary>,
    },
    Preview(Vec<CutTurf>),
    Done(String),
    Failed(String),
}

impl Reducible for Desk {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Filter(change) => {
                apply(&mut next.filter, change);
                next.request += 1;
                next.counting = true;
                next.preview = None;
                next.error = None;
            }
            Action::Counted { request, result } if request == next.request => {
                next.counting = false;
                match result {
                    Ok(counts) => next.counts = Some(counts),
                    Err(error) => next.error = Some(error.message),
                }
            }
            Action::Counted { .. } => {}
            Action::Choices(choices) => next.choices = Some(choices),
            Action::Office {
                saved,
                lists,
                turfs,
            } => {
                next.saved = saved;
                next.lists = lists;
                next.turfs = turfs;
            }
            Action::Preview(turfs) => {
                next.preview = Some(turfs);
                next.error = None;
            }
            Action::Done(note) => {
                next.note = Some(note);
                next.error = None;
                next.preview = None;
                // What was made changes the counts ("in a turf", "on a list").
                next.request += 1;
                next.counting = true;
            }
            Action::Failed(error) => next.error = Some(error),
        }
        Rc::new(next)
    }
}

fn input_value(event: &Event) -> String {
    event.target_unchecked_into::<HtmlInputElement>().value()
}

fn select_value(event: &Event) -> String {
    event.target_unchecked_into::<HtmlSelectElement>().value()
}

fn tri(text: &str) -> Option<bool> {
    match text {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Reads the office's saved segments, lists and turfs into the desk.
fn reload_office(desk: UseReducerDispatcher<Desk>) {
    wasm_bindgen_futures::spawn_local(async move {
        let result = async {
            Ok::<_, IpcError>((
                ipc::segments().await?,
                ipc::call_lists().await?,
                ipc::turfs().await?,
            ))
        }
        .await;
        match result {
            Ok((saved, lists, turfs)) => desk.dispatch(Action::Office {
                saved,
                lists,
                turfs,
            }),
            Err(error) => desk.dispatch(Action::Failed(error.message)),
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct TargetingViewProps {
    /// Something was made: the header's counts refresh.
    pub on_changed: Callback<()>,
}

#[function_component(TargetingView)]
pub fn targeting_view(props: &TargetingViewProps) -> Html {
    let desk = use_reducer(Desk::default);
    let name = use_state(String::new);
    let doors = use_state(|| 60_u32);
    // The call list's rules: attempts, hours between attempts, calling hours.
    let attempts = use_state(|| 3_i64);
    let recycle = use_state(|| 4_i64);
    let hours = use_state(|| "09:00-21:00".to_owned());
    {
        let dispatcher = desk.dispatcher();
        use_effect_with((), move |()| {
            let first = dispatcher.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::targeting_choices().await {
                    Ok(choices) => first.dispatch(Action::Choices(choices)),
                    Err(error) => first.dispatch(Action::Failed(error.message)),
                }
                // The first count, of the whole slice.
                first.dispatch(Action::Filter(Change::Clear));
            });
            reload_office(dispatcher);
        });
    }
    {
        // Every filter change counts again; a late answer to an older
        // request is dropped by the reducer.
        let dispatcher = desk.dispatcher();
        let filter = desk.filter.clone();
        use_effect_with(desk.request, move |request| {
            let request = *request;
            if request > 0 {
                wasm_bindgen_futures::spawn_local(async move {
                    let result = ipc::count_segment(&filter).await;
                    dispatcher.dispatch(Action::Counted { request, result });
                });
            }
        });
    }
    let change = |make: fn(&Event) -> Option<Change>| {
        let desk = desk.clone();
        Callback::from(move |event: Event| {
            if let Some(change) = make(&event) {
                desk.dispatch(Action::Filter(change));
            }
        })
    };
    let filter = &desk.filter;
    let choices = desk.choices.clone().unwrap_or_default();

    let checkbox = |id: String, label: String, checked: bool, on: Callback<bool>| {
        let onchange = Callback::from(move |event: Event| {
            on.emit(event.target_unchecked_into::<HtmlInputElement>().checked())
        });
        html! {
            <label class="check" for={id.clone()}>
                <input type="checkbox" id={id} checked={checked} {onchange} />{ label }
            </label>
        }
    };
    let precincts = choices.precincts.iter().map(|code| {
        let desk = desk.clone();
        let value = code.clone();
        checkbox(
            format!("filter-precinct-{code}"),
            code.clone(),
            filter.precincts.contains(code),
            Callback::from(move |on| {
                desk.dispatch(Action::Filter(Change::Precinct(value.clone(), on)))
            }),
        )
    });
    let parties = choices.parties.iter().map(|code| {
        let desk = desk.clone();
        let value = code.clone();
        checkbox(
            format!("filter-party-{code}"),
            code.clone(),
            filter.parties.contains(code),
            Callback::from(move |on| {
                desk.dispatch(Action::Filter(Change::Party(value.clone(), on)))
            }),
        )
    });
    let support = (1..=5u8).map(|level| {
        let desk = desk.clone();
        let label = format!("{level} {}", SUPPORT_SCALE[usize::from(level) - 1]);
        checkbox(
            format!("filter-support-{level}"),
            label,
            filter.support.contains(&level),
            Callback::from(move |on| desk.dispatch(Action::Filter(Change::Support(level, on)))),
        )
    });
    let election_options = |selected: Option<&String>| {
        html! {
            <>
                <option value="" selected={selected.is_none()}>{ "any election" }</option>
                { for choices.elections.iter().map(|election| html! {
                    <option value={election.date.clone()} selected={selected == Some(&election.date)}>
                        { format!("{} {}", election.date, election.kind.clone().unwrap_or_default().to_lowercase()) }
                    </option>
                }) }
            </>
        }
    };
    let voted = filter.voted.first().map(|e| &e.date);
    let not_voted = filter.not_voted.first().map(|e| &e.date);
    let contacted_value = match &filter.contacted {
        None => "",
        Some(c) if c.not => "no",
        Some(_) => "yes",
    };
    let tri_value = |value: Option<bool>| match value {
        None => "",
        Some(true) => "yes",
        Some(false) => "no",
    };

    // The counts and the chart.
    let counts_view = match &desk.counts {
        None => html! { <p class="muted">{ "Counting the office…" }</p> },
        Some(counts) => {
            let max = counts
                .precincts
                .iter()
                .map(|p| p.voters)
                .max()
                .unwrap_or(0)
                .max(1);
            html! {
                <>
                    <div class="diff target-counts" aria-live="polite">
                        <div><strong id="targeting-voters">{ group(counts.voters) }</strong><span>{ " voters" }</span></div>
                        <div><strong id="targeting-households">{ group(counts.households) }</strong><span>{ " doors" }</span></div>
                        <div><strong id="targeting-phones">{ group(counts.phones) }</strong><span>{ " phones to call" }</span></div>
                    </div>
                    <p class="muted" id="targeting-excluded">{ format!(
                        "Left out of anything made from it: {} do not contact, {} removed, moved or deceased",
                        group(counts.excluded.do_not_contact),
                        group(counts.excluded.gone)
                    ) }</p>
                    <ol class="precinct-chart" id="precinct-chart" aria-label="Voters by precinct">
                        { for counts.precincts.iter().map(|precinct| {
                            let width = precinct.voters as f64 * 100.0 / max as f64;
                            html! {
                                <li class="bar-row">
                                    <span class="bar-label">{ if precinct.precinct.is_empty() { "no address".to_owned() } else { precinct.precinct.clone() } }</span>
                                    <span class="bar" style={format!("width: {width:.1}%")}></span>
                                    <span class="bar-value">{ group(precinct.voters) }</span>
                                </li>
                            }
                        }) }
                    </ol>
                </>
            }
        }
    };

    let run = |work: &'static str| {
        let desk = desk.clone();
        let name = name.clone();
        let doors = doors.clone();
        let (attempts, recycle, hours) = (attempts.clone(), recycle.clone(), hours.clone());
        let on_changed = props.on_changed.clone();
        Callback::from(move |_: MouseEvent| {
            let desk = desk.clone();
            let name = (*name).clone();
            let doors = *doors;
            let filter = desk.filter.clone();
            let on_changed = on_changed.clone();
            let rules = CallListRules::parse_hours(&hours).map(|(calling_start, calling_end)| {
                CallListRules {
                    max_attempts: *attempts,
                    recycle_hours: *recycle,
                    calling_start,
                    calling_end,
                }
            });
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = match work {
                    "save" => ipc::save_segment(&name, &filter)
                        .await
                        .map(|saved| format!("Saved segment “{}”", saved.name)),
                    "list" => match rules {
                        Ok(rules) => {
                            ipc::make_call_list(&name, &filter, &rules)
                                .await
                                .map(|made| {
                                    format!(
                                        "Call list “{}” made with {} calls",
                                        made.name,
                                        group(made.items)
                                    )
                                })
                        }
                        Err(problem) => {
                            desk.dispatch(Action::Failed(problem));
                            return;
                        }
                    },
                    "preview" => match ipc::preview_turfs(&name, &filter, doors).await {
                        Ok(turfs) => {
                            desk.dispatch(Action::Preview(turfs));
                            return;
                        }
                        Err(error) => Err(error),
                    },
                    _ => ipc::cut_turfs(&name, &filter, doors).await.map(|turfs| {
                        let doors: u64 = turfs.iter().map(|t| u64::from(t.doors)).sum();
                        format!("Cut {} turfs, {} doors", turfs.len(), group(doors))
                    }),
                };
                match outcome {
                    Ok(note) => {
                        desk.dispatch(Action::Done(note));
                        reload_office(desk.dispatcher());
                        on_changed.emit(());
                    }
                    Err(error) => desk.dispatch(Action::Failed(error.message)),
                }
            });
        })
    };
    let set_state = |work: WorkKind, id: String, state: WorkState| {
        let desk = desk.clone();
        let on_changed = props.on_changed.clone();
        Callback::from(move |_: MouseEvent| {
            let desk = desk.clone();
            let id = id.clone();
            let on_changed = on_changed.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::set_work_state(work, &id, state).await {
                    Ok(()) => {
                        desk.dispatch(Action::Done(format!("{} {}", work.noun(), state.as_str())));
                        reload_office(desk.dispatcher());
                        on_changed.emit(());
                    }
                    Err(error) => desk.dispatch(Action::Failed(error.message)),
                }
            });
        })
    };
    let state_buttons = |work: WorkKind, id: String, state: WorkState, prefix: &str| {
        let toggle = if state == WorkState::Open {
            WorkState::Closed
        } else {
            WorkState::Open
        };
        html! {
            <span class="row">
                <button id={format!("{prefix}-{}-{id}", if toggle == WorkState::Closed { "close" } else { "reopen" })}
                    onclick={set_state(work, id.clone(), toggle)}>
                    { if toggle == WorkState::Closed { "Close" } else { "Reopen" } }
                </button>
                <button id={format!("{prefix}-delete-{id}")} class="danger"
                    onclick={set_state(work, id.clone(), WorkState::Deleted)}>{ "Delete" }</button>
            </span>
        }
    };

    html! {
        <section class="targeting" aria-label="Targeting">
            <form class="filters" aria-label="Filters" onsubmit={Callback::from(|event: SubmitEvent| event.prevent_default())}>
                <fieldset>
                    <legend>{ "Precincts" }</legend>
                    <div class="checks scroll">{ for precincts }</div>
                </fieldset>
                <fieldset>
                    <legend>{ "Party" }</legend>
                    <div class="checks">{ for parties }</div>
                </fieldset>
                <fieldset class="row">
                    <legend>{ "Age" }</legend>
                    <input id="filter-age-min" type="number" min="16" max="120" placeholder="from"
                        value={filter.age.map(|a| a.min.to_string()).unwrap_or_default()}
                        onchange={change(|e| Some(Change::AgeMin(input_value(e).trim().parse().ok())))} />
                    <input id="filter-age-max" type="number" min="16" max="120" placeholder="to"
                        value={filter.age.map(|a| a.max.to_string()).unwrap_or_default()}
                        onchange={change(|e| Some(Change::AgeMax(input_value(e).trim().parse().ok())))} />
                    { checkbox("filter-active".into(), "Active registrations only".into(), !filter.statuses.is_empty(), {
                        let desk = desk.clone();
                        Callback::from(move |on| desk.dispatch(Action::Filter(Change::ActiveOnly(on))))
                    }) }
                </fieldset>
                <fieldset class="row">
                    <legend>{ "Sex and language" }</legend>
                    { for ["F", "M", "U"].into_iter().map(|code| {
                        let desk = desk.clone();
                        checkbox(
                            format!("filter-sex-{code}"),
                            code.to_owned(),
                            filter.sexes.iter().any(|s| s == code),
                            Callback::from(move |on| desk.dispatch(Action::Filter(Change::Sex(code.to_owned(), on)))),
                        )
                    }) }
                    <label>{ " speaks " }
                        <input id="filter-language" size="4" placeholder="es"
                            value={filter.languages.first().cloned().unwrap_or_default()}
                            onchange={change(|e| Some(Change::Language(input_value(e))))} />
                    </label>
                </fieldset>
                <fieldset>
                    <legend>{ "Turnout" }</legend>
                    <label>{ "At least " }
                        <input id="filter-generals-least" type="number" min="0" max="12"
                            value={filter.generals.map(|g| g.at_least.to_string()).unwrap_or_default()}
                            onchange={{
                                let desk = desk.clone();
                                let of_last = filter.generals.map_or(4, |g| g.of_last);
                                Callback::from(move |event: Event| {
                                    let least = input_value(&event).trim().parse::<u8>().unwrap_or(0);
                                    desk.dispatch(Action::Filter(Change::Generals(least, if least == 0 { 0 } else { of_last })));
                                })
                            }} />
                        { " of the last " }
                        <input id="filter-generals-last" type="number" min="1" max="12"
                            value={filter.generals.map_or_else(|| "4".to_owned(), |g| g.of_last.to_string())}
                            onchange={{
                                let desk = desk.clone();
                                let least = filter.generals.map_or(0, |g| g.at_least);
                                Callback::from(move |event: Event| {
                                    let last = input_value(&event).trim().parse::<u8>().unwrap_or(0);
                                    desk.dispatch(Action::Filter(Change::Generals(least, if least == 0 { 0 } else { last })));
                                })
                            }} />
                        { " generals" }
                    </label>
                    <label>{ "Voted in " }
                        <select id="filter-voted" onchange={change(|e| { let v = select_value(e); Some(Change::Voted((!v.is_empty()).then_some(v))) })}>
                            { election_options(voted) }
                        </select>
                    </label>
                    <label>{ " Did not vote in " }
                        <select id="filter-not-voted" onchange={change(|e| { let v = select_value(e); Some(Change::NotVoted((!v.is_empty()).then_some(v))) })}>
                            { election_options(not_voted) }
                        </select>
                    </label>
                </fieldset>
                <fieldset>
                    <legend>{ "Phone" }</legend>
                    <select id="filter-phone" onchange={change(|e| Some(Change::Phone(match select_value(e).as_str() {
                        "any" => Some(PhoneFilter::Any),
                        "cell" => Some(PhoneFilter::Cell),
                        _ => None,
                    })))}>
                        <option value="" selected={filter.phone.is_none()}>{ "with or without" }</option>
                        <option value="any" selected={filter.phone == Some(PhoneFilter::Any)}>{ "has a phone to call" }</option>
                        <option value="cell" selected={filter.phone == Some(PhoneFilter::Cell)}>{ "has a cell" }</option>
                    </select>
                </fieldset>
                <fieldset>
                    <legend>{ "Latest survey answer" }</legend>
                    <div class="checks">{ for support }</div>
                    { checkbox("filter-volunteer".into(), "Would volunteer".into(), filter.volunteer, {
                        let desk = desk.clone();
                        Callback::from(move |on| desk.dispatch(Action::Filter(Change::Volunteer(on))))
                    }) }
                </fieldset>
                <fieldset class="row">
                    <legend>{ "Contact" }</legend>
                    <select id="filter-contacted" onchange={change(|e| Some(Change::Contacted(tri(&select_value(e)))))}>
                        <option value="" selected={contacted_value.is_empty()}>{ "contacted or not" }</option>
                        <option value="yes" selected={contacted_value == "yes"}>{ "contacted" }</option>
                        <option value="no" selected={contacted_value == "no"}>{ "not contacted" }</option>
                    </select>
                    <label>{ " since " }
                        <input id="filter-contacted-since" type="date" disabled={filter.contacted.is_none()}
                            value={filter.contacted.as_ref().and_then(|c| c.since.clone()).unwrap_or_default()}
                            onchange={change(|e| { let v = input_value(e); Some(Change::ContactedSince((!v.is_empty()).then_some(v))) })} />
                    </label>
                    <label>{ " with result " }
                        <input id="filter-contact-result" size="12" placeholder="any, or not-home" disabled={filter.contacted.is_none()}
                            value={filter.contacted.as_ref().and_then(|c| c.results.first().cloned()).unwrap_or_default()}
                            onchange={change(|e| Some(Change::ContactResult(input_value(e).trim().to_owned())))} />
                    </label>
                </fieldset>
                <fieldset class="row">
                    <legend>{ "Already in" }</legend>
                    <label>{ "a turf " }
                        <select id="filter-in-turf" onchange={change(|e| Some(Change::InTurf(tri(&select_value(e)))))}>
                            <option value="" selected={filter.in_turf.is_none()}>{ "either" }</option>
                            <option value="yes" selected={tri_value(filter.in_turf) == "yes"}>{ "yes" }</option>
                            <option value="no" selected={tri_value(filter.in_turf) == "no"}>{ "no" }</option>
                        </select>
                    </label>
                    <label>{ " a call list " }
                        <select id="filter-in-list" onchange={change(|e| Some(Change::InCallList(tri(&select_value(e)))))}>
                            <option value="" selected={filter.in_call_list.is_none()}>{ "either" }</option>
                            <option value="yes" selected={tri_value(filter.in_call_list) == "yes"}>{ "yes" }</option>
                            <option value="no" selected={tri_value(filter.in_call_list) == "no"}>{ "no" }</option>
                        </select>
                    </label>
                </fieldset>
                <button type="button" id="filter-clear" onclick={{
                    let desk = desk.clone();
                    Callback::from(move |_| desk.dispatch(Action::Filter(Change::Clear)))
                }}>{ "Clear filters" }</button>
            </form>
            <div class="target-results">
                { counts_view }
                if let Some(error) = &desk.error {
                    <div class="error" role="alert" id="targeting-error">{ error }</div>
                }
                if let Some(note) = &desk.note {
                    <div class="note" id="targeting-note">{ note }</div>
                }
                <div class="make row">
                    <label for="segment-name">{ "Name" }</label>
                    <input id="segment-name" value={(*name).clone()} placeholder="e.g. Young unaffiliated"
                        oninput={{
                            let name = name.clone();
                            Callback::from(move |event: InputEvent| name.set(event.target_unchecked_into::<HtmlInputElement>().value()))
                        }} />
                    <button id="save-segment" onclick={run("save")}>{ "Save segment" }</button>
                    <button id="make-call-list" onclick={run("list")}>{ "Make call list" }</button>
                    <label for="list-attempts">{ "attempts" }</label>
                    <input id="list-attempts" type="number" min="1" max="20" value={attempts.to_string()}
                        onchange={{
                            let attempts = attempts.clone();
                            Callback::from(move |event: Event| {
                                if let Ok(n) = input_value(&event).trim().parse::<i64>() { attempts.set(n) }
                            })
                        }} />
                    <label for="list-recycle">{ "hours apart" }</label>
                    <input id="list-recycle" type="number" min="0" max="720" value={recycle.to_string()}
                        onchange={{
                            let recycle = recycle.clone();
                            Callback::from(move |event: Event| {
                                if let Ok(n) = input_value(&event).trim().parse::<i64>() { recycle.set(n) }
                            })
                        }} />
                    <label for="list-hours">{ "calling hours" }</label>
                    <input id="list-hours" value={(*hours).clone()} size="11"
                        oninput={{
                            let hours = hours.clone();
                            Callback::from(move |event: InputEvent| hours.set(event.target_unchecked_into::<HtmlInputElement>().value()))
                        }} />
                    <label for="turf-doors">{ "Doors a turf" }</label>
                    <input id="turf-doors" type="number" min="1" max="5000" value={doors.to_string()}
                        onchange={{
                            let doors = doors.clone();
                            Callback::from(move |event: Event| {
                                if let Ok(n) = input_value(&event).trim().parse::<u32>() { doors.set(n) }
                            })
                        }} />
                    <button id="preview-turfs" onclick={run("preview")}>{ "Preview turfs" }</button>
                </div>
                if let Some(preview) = &desk.preview {
                    <div class="turf-preview" id="turf-preview">
                        <p>{ format!("{} turfs, {} doors, {} voters",
                            preview.len(),
                            group(preview.iter().map(|t| u64::from(t.doors)).sum()),
                            group(preview.iter().map(|t| u64::from(t.voters)).sum())) }</p>
                        <table class="voter-table">
                            <thead><tr><th>{ "Turf" }</th><th>{ "Doors" }</th><th>{ "Voters" }</th></tr></thead>
                            <tbody>
                                { for preview.iter().take(200).map(|turf| html! {
                                    <tr><td>{ &turf.name }</td><td>{ turf.doors }</td><td>{ turf.voters }</td></tr>
                                }) }
                            </tbody>
                        </table>
                        <button id="cut-turfs" onclick={run("cut")}>{ format!("Cut these {} turfs", preview.len()) }</button>
                    </div>
                }
                <h3>{ "Saved segments" }</h3>
                <ul class="saved" id="saved-segments">
                    { for desk.saved.iter().map(|segment| {
                        let desk = desk.clone();
                        let filter = segment.filter.clone();
                        html! {
                            <li>
                                <button class="link" onclick={Callback::from(move |_| desk.dispatch(Action::Filter(Change::Load(Box::new(filter.clone())))))}>
                                    { &segment.name }
                                </button>
                            </li>
                        }
                    }) }
                </ul>
                <h3>{ "Call lists" }</h3>
                <ul class="work-list" id="work-lists">
                    { for desk.lists.iter().map(|list| html! {
                        <li>
                            <span class="work-name">{ &list.name }</span>
                            <span class="muted">{ format!(" {} calls, {} done · {}", group(list.items.max(0) as u64), group(list.done.max(0) as u64), list.state.as_str()) }</span>
                            { state_buttons(WorkKind::CallList, list.id.to_string(), list.state, "list") }
                        </li>
                    }) }
                </ul>
                <h3>{ "Turfs" }</h3>
                <ul class="work-list" id="work-turfs">
                    { for desk.turfs.iter().take(300).map(|turf| html! {
                        <li>
                            <span class="work-name">{ &turf.name }</span>
                            <span class="progress-inline" aria-label="doors knocked">
                                <span style={format!("width: {:.0}%", if turf.households > 0 { turf.knocked as f64 * 100.0 / turf.households as f64 } else { 0.0 })}></span>
                            </span>
                            <span class="muted">{ format!(" {} of {} doors knocked · {}", turf.knocked, turf.households, turf.state.as_str()) }</span>
                            if let Some(hold) = &turf.hold {
                                <span class="flag">{ if hold.mine { "out on this laptop".to_owned() } else { format!("taken by {}", hold.holder.clone().unwrap_or_default()) } }</span>
                            }
                            { state_buttons(WorkKind::Turf, turf.id.to_string(), turf.state, "turf") }
                        </li>
                    }) }
                </ul>
            </div>
        </section>
    }
}
