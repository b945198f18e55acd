//! The coordinator's review queue: what the registry would not decide
//! alone (a name two laptops disagree on, a reported death or move, someone
//! added at a door, a knock on another office's voter), each with the
//! decisions that apply. The queue is the registry's, so this screen needs
//! it to be reachable; a decision reaches every laptop on its next sync.

use crate::format::{bind_text, group};
use crate::ipc;
use groundgame_domain::ipc::{IpcError, IpcErrorKind};
use groundgame_domain::review::{
    ReviewAction, ReviewDecision, ReviewItem, ReviewKind, ReviewList, ReviewResolution,
};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ReviewViewProps {
    /// A decision changed the office's data (lists refresh after the sync
    /// that brings it).
    pub on_changed: Callback<()>,
}

#[function_component(ReviewView)]
pub fn review_view(props: &ReviewViewProps) -> Html {
    let queue = use_state(|| None::<Result<ReviewList, IpcError>>);
    let loads = use_state(|| 0_u32);
    let decided = use_state(Vec::<ReviewResolution>::new);
    {
        let queue = queue.clone();
        use_effect_with(*loads, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                queue.set(Some(ipc::review_queue().await));
            });
        });
    }
    let reload = {
        let loads = loads.clone();
        Callback::from(move |_: MouseEvent| loads.set(*loads + 1))
    };
    let on_decided = {
        let (loads, decided) = (loads.clone(), decided.clone());
        let on_changed = props.on_changed.clone();
        Callback::from(move |resolution: ReviewResolution| {
            let mut shown = (*decided).clone();
            shown.insert(0, resolution);
            shown.truncate(5);
            decided.set(shown);
            loads.set(*loads + 1);
            on_changed.emit(());
        })
    };
    let body = match &*queue {
        None => html! { <p class="muted">{ "Reading the review queue from the registry…" }</p> },
        Some(Err(error)) => html! {
            <p class="error" role="alert" id="review-error">{
                if error.kind == IpcErrorKind::Offline {
                    format!("The review queue is on the registry, which cannot be reached now: {}", error.message)
                } else {
                    error.message.clone()
                }
            }</p>
        },
        Some(Ok(list)) if list.items.is_empty() => html! {
            <p class="muted" id="review-empty">{ "Nothing waits for review." }</p>
        },
        Some(Ok(list)) => html! {
            <>
                <p class="count" id="review-count">{ format!("{} open, oldest first", group(list.open)) }</p>
                <ol class="review-items">
                    { for list.items.iter().map(|item| html! {
                        <ReviewCard key={item.id} item={item.clone()} on_decided={on_decided.clone()} />
                    }) }
                </ol>
            </>
        },
    };
    html! {
        <section class="review" aria-label="Review queue">
            <div class="toolbar">
                <h2>{ "Review" }</h2>
                <button id="review-refresh" onclick={reload}>{ "Refresh" }</button>
            </div>
            <p class="muted">{ "Reports the registry will not act on alone. Your decision is kept with your name and reaches every laptop of the office on its next sync." }</p>
            { for decided.iter().map(|done| html! {
                <p class="note review-outcome">{ format!("#{} {}: {}", done.id, done.action.label(), done.outcome) }</p>
            }) }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ReviewCardProps {
    item: ReviewItem,
    on_decided: Callback<ReviewResolution>,
}

#[function_component(ReviewCard)]
fn review_card(props: &ReviewCardProps) -> Html {
    let item = &props.item;
    let note = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let decide = |action: ReviewAction| {
        let (note, busy, error) = (note.clone(), busy.clone(), error.clone());
        let on_decided = props.on_decided.clone();
        let id = item.id;
        Callback::from(move |_: MouseEvent| {
            let decision = ReviewDecision {
                action,
                note: Some(note.trim().to_owned()).filter(|text| !text.is_empty()),
            };
            let (busy, error, on_decided) = (busy.clone(), error.clone(), on_decided.clone());
            busy.set(true);
            error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::review_decide(id, &decision).await {
                    Ok(resolution) => on_decided.emit(resolution),
                    Err(failure) => {
                        error.set(Some(failure.message));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let voter = match (&item.voter_name, &item.voter_id) {
        (Some(name), Some(id)) => {
            html! { <><strong>{ name }</strong>{ " " }<span class="voter-id">{ id }</span></> }
        }
        (None, Some(id)) => html! { <span class="voter-id">{ id }</span> },
        _ => html! { <span class="muted">{ "no voter" }</span> },
    };
    html! {
        <li class="review-item" id={format!("review-{}", item.id)} data-kind={kind_slug(item.kind)}>
            <div class="review-head">
                <span class={classes!("badge", kind_slug(item.kind))}>{ item.kind.label() }</span>
                { voter }
                <span class="muted">{ format!(
                    " · precinct {} · from {} ({}) · {}",
                    item.precinct.as_deref().unwrap_or("none"),
                    item.device,
                    item.office,
                    item.created_at.replace('T', " ").trim_end_matches('Z')
                ) }</span>
            </div>
            if let (Some(field), Some(current), Some(proposed)) = (&item.field, &item.current, &item.proposed) {
                <table class="review-diff">
                    <tr><th>{ field.replace('_', " ") }</th><td class="current">{ current }</td><td class="arrow">{ "→" }</td><td class="proposed">{ proposed }</td></tr>
                    <tr><th></th><td class="muted">{ "on the registry" }</td><td></td><td class="muted">{ "sent by the laptop" }</td></tr>
                </table>
            } else {
                <p class="review-summary">{ &item.summary }</p>
            }
            <p class="muted review-reason">{ &item.reason }</p>
            <div class="review-actions">
                <input class="review-note" placeholder="Note (optional)" value={(*note).clone()} oninput={bind_text(&note)} disabled={*busy} />
                { for item.actions.iter().enumerate().map(|(index, action)| html! {
                    <button
                        class={classes!((index == 0).then_some("primary"), "review-action")}
                        data-action={action.slug()}
                        onclick={decide(*action)}
                        disabled={*busy}>{ action.label() }</button>
                }) }
            </div>
            if let Some(message) = &*error {
                <p class="error" role="alert">{ message }</p>
            }
        </li>
    }
}

fn kind_slug(kind: ReviewKind) -> &'static str {
    match kind {
        ReviewKind::Correction => "correction",
        ReviewKind::Deceased => "deceased",
        ReviewKind::Moved => "moved",
        ReviewKind::AddedAtDoor => "added-at-door",
        ReviewKind::OutsideOffice => "outside-office",
        ReviewKind::AfterRevocation => "after-revocation",
    }
}
