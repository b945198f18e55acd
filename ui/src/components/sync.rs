//! The sync screen: enrol this laptop with the campaign's registry, see when
//! it last synced and what waits, sync now with a progress bar, read the
//! day-end report, and the changes that need attention.

use crate::format::{bind_text, group};
use crate::ipc;
use groundgame_domain::ipc::{
    EnrolDeviceRequest, IpcError, IpcErrorKind, SyncOverview, SyncReport, SyncStep,
};
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SyncViewProps {
    /// A sync changed the office's data (the header and lists refresh).
    pub on_changed: Callback<()>,
}

fn step_text(step: &SyncStep) -> (String, f64) {
    let percent = |done: u64, total: u64| {
        if total == 0 {
            0.0
        } else {
            done as f64 * 100.0 / total as f64
        }
    };
    match *step {
        SyncStep::Connecting => ("Connecting to the registry…".into(), 0.0),
        SyncStep::Pushing { done, total } => (
            format!("Sending changes: {} of {}", group(done), group(total)),
            percent(done, total),
        ),
        SyncStep::Downloading { rows, total } => (
            format!(
                "Downloading the office: {} of about {} rows",
                group(rows),
                group(total)
            ),
            percent(rows, total),
        ),
        SyncStep::Pulling { changes } => (
            format!("Receiving the office's changes: {}", group(changes)),
            100.0,
        ),
        SyncStep::Applying { changes } => (format!("Applying {} changes", group(changes)), 100.0),
        SyncStep::Leasing { targets } => (
            format!("Reserving {} numbers for the phone bank", group(targets)),
            100.0,
        ),
        SyncStep::Retrying { attempt } => (
            format!("The registry did not answer; trying again ({attempt})"),
            0.0,
        ),
    }
}

fn report_view(report: &SyncReport) -> Html {
    html! {
        <div class="report" id="sync-report">
            <h3>{ "Last sync" }</h3>
            <dl class="diff">
                <div><dt>{ "Sent" }</dt><dd id="sync-pushed">{ group(report.pushed) }</dd></div>
                <div><dt>{ "Accepted" }</dt><dd id="sync-accepted">{ group(report.accepted) }</dd></div>
                <div><dt>{ "Already there" }</dt><dd>{ group(report.duplicates) }</dd></div>
                <div><dt>{ "Rejected" }</dt><dd id="sync-rejected">{ group(report.rejected) }</dd></div>
                <div><dt>{ "For review" }</dt><dd>{ group(report.conflicts) }</dd></div>
                <div><dt>{ "Received" }</dt><dd id="sync-pulled">{ group(report.pulled + report.snapshot_rows) }</dd></div>
                <div><dt>{ "Numbers reserved" }</dt><dd>{ group(report.leases_held) }</dd></div>
            </dl>
            if !report.rejections.is_empty() {
                <ul class="plain">
                    { for report.rejections.iter().map(|r| html! {
                        <li>{ format!("#{} {} {}: {}", r.seq, r.kind, r.result, r.reason) }</li>
                    }) }
                </ul>
            }
        </div>
    }
}

#[function_component(SyncView)]
pub fn sync_view(props: &SyncViewProps) -> Html {
    let overview = use_state(|| None::<Result<SyncOverview, IpcError>>);
    let refreshes = use_state(|| 0_u32);
    let step = use_state(|| None::<SyncStep>);
    let outcome = use_state(|| None::<Result<SyncReport, IpcError>>);
    // Read now, then every few seconds while the screen is open, so a
    // background sync shows up without a click.
    {
        let overview = overview.clone();
        use_effect_with(*refreshes, move |_| {
            let open = Rc::new(Cell::new(true));
            let still_open = open.clone();
            wasm_bindgen_futures::spawn_local(async move {
                while still_open.get() {
                    overview.set(Some(ipc::sync_overview().await));
                    ipc::sleep(3_000).await;
                }
            });
            move || open.set(false)
        });
    }
    let refresh = {
        let refreshes = refreshes.clone();
        Callback::from(move |()| refreshes.set(*refreshes + 1))
    };
    let sync_now = {
        let (step, outcome, refresh) = (step.clone(), outcome.clone(), refresh.clone());
        let on_changed = props.on_changed.clone();
        Callback::from(move |_: MouseEvent| {
            let (step, outcome, refresh, on_changed) = (
                step.clone(),
                outcome.clone(),
                refresh.clone(),
                on_changed.clone(),
            );
            outcome.set(None);
            step.set(Some(SyncStep::Connecting));
            wasm_bindgen_futures::spawn_local(async move {
                let shown = step.clone();
                let result = ipc::sync_now(move |now| shown.set(Some(now))).await;
                if result.is_ok() {
                    on_changed.emit(());
                }
                outcome.set(Some(result));
                step.set(None);
                refresh.emit(());
            });
        })
    };
    let body = match &*overview {
        None => html! { <p class="muted">{ "Reading the sync status…" }</p> },
        Some(Err(error)) => html! { <p class="error" role="alert">{ &error.message }</p> },
        Some(Ok(overview)) => match &overview.enrolment {
            None => html! { <EnrolForm on_enrolled={refresh.clone()} /> },
            Some(link) => {
                let running = step.is_some() || overview.syncing;
                html! {
                    <>
                        <dl class="stats sync-facts">
                            <div><dt>{ "Registry" }</dt><dd id="sync-registry">{ &link.registry_url }</dd></div>
                            <div><dt>{ "This laptop" }</dt><dd>{ format!("{} · {} in {}", link.device_name, link.role, link.office) }</dd></div>
                            <div><dt>{ "Last sync" }</dt><dd id="sync-last">{ overview.last_sync_at.as_deref().map_or_else(|| "never".to_owned(), |at| at.replace('T', " ").trim_end_matches('Z').to_owned()) }</dd></div>
                            <div><dt>{ "Waiting to sync" }</dt><dd id="sync-pending">{ group(overview.pending_changes) }</dd></div>
                        </dl>
                        <button class="primary" id="sync-now" onclick={sync_now.clone()} disabled={running}>
                            { if running { "Syncing…" } else { "Sync now" } }
                        </button>
                        if let Some(now) = &*step {
                            {{
                                let (text, percent) = step_text(now);
                                html! {
                                    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{percent:.0}")}>
                                        <div class="bar" style={format!("width: {percent:.1}%")}></div>
                                        <span>{ text }</span>
                                    </div>
                                }
                            }}
                        }
                        { match &*outcome {
                            Some(Err(error)) => html! {
                                <p class="error" role="alert" id="sync-error">{
                                    if error.kind == IpcErrorKind::Offline {
                                        format!("Offline: {} Everything is kept on this laptop.", error.message)
                                    } else {
                                        error.message.clone()
                                    }
                                }</p>
                            },
                            _ => match &overview.last_error {
                                Some(error) if step.is_none() => html! { <p class="muted" id="sync-last-error">{ format!("The last sync did not finish: {error}") }</p> },
                                _ => html! {},
                            },
                        } }
                        { match (&*outcome, &overview.last_report) {
                            (Some(Ok(report)), _) | (_, Some(report)) => report_view(report),
                            _ => html! {},
                        } }
                        <h3>{ "Needs attention" }</h3>
                        if overview.needs_attention.is_empty() {
                            <p class="muted" id="attention-empty">{ "Nothing: every change sent was accepted." }</p>
                        } else {
                            <table class="attention" id="attention">
                                <thead><tr><th>{ "Change" }</th><th>{ "What happened" }</th><th>{ "Why" }</th></tr></thead>
                                <tbody>
                                    { for overview.needs_attention.iter().map(|item| html! {
                                        <tr>
                                            <td>{ &item.summary }</td>
                                            <td>{ if item.state == "conflict" { "sent to a coordinator" } else { "not applied" } }</td>
                                            <td>{ &item.reason }</td>
                                        </tr>
                                    }) }
                                </tbody>
                            </table>
                        }
                    </>
                }
            }
        },
    };
    html! {
        <section class="sync" aria-label="Sync with the campaign's registry">
            <h2>{ "Sync" }</h2>
            <p class="muted">{ "Everything is saved on this laptop first. Sync sends it to the campaign's registry and brings back what the rest of your office recorded; it also runs by itself every few minutes when the registry can be reached." }</p>
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct EnrolFormProps {
    on_enrolled: Callback<()>,
}

/// Joining the campaign: the registry's address and a coordinator's
/// one-time code.
#[function_component(EnrolForm)]
fn enrol_form(props: &EnrolFormProps) -> Html {
    let registry = use_state(String::new);
    let code = use_state(String::new);
    let name = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let submit = {
        let (registry, code, name) = (registry.clone(), code.clone(), name.clone());
        let (busy, error) = (busy.clone(), error.clone());
        let on_enrolled = props.on_enrolled.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let request = EnrolDeviceRequest {
                registry_url: registry.trim().to_owned(),
                code: code.trim().to_owned(),
                device_name: name.trim().to_owned(),
            };
            let (busy, error, on_enrolled) = (busy.clone(), error.clone(), on_enrolled.clone());
            busy.set(true);
            error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::enrol_device(&request).await {
                    Ok(_) => on_enrolled.emit(()),
                    Err(failure) => error.set(Some(failure.message)),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form class="import-form" id="enrol-form" onsubmit={submit}>
            <p>{ "This laptop is not enrolled yet. Ask your coordinator for a one-time code." }</p>
            <label>{ "Registry address" }
                <input id="enrol-registry" placeholder="https://registry.example.org" value={(*registry).clone()} oninput={bind_text(&registry)} />
            </label>
            <label>{ "One-time code" }
                <input id="enrol-code" placeholder="7KQ2M-X94RD" value={(*code).clone()} oninput={bind_text(&code)} />
            </label>
            <label>{ "Name of this laptop" }
                <input id="enrol-name" placeholder="Front desk laptop" value={(*name).clone()} oninput={bind_text(&name)} />
            </label>
            <button class="primary" id="enrol-submit" type="submit"
                disabled={*busy || registry.trim().is_empty() || code.trim().is_empty() || name.trim().is_empty()}>
                { if *busy { "Enrolling…" } else { "Enrol" } }
            </button>
            if let Some(message) = &*error {
                <p class="error" role="alert" id="enrol-error">{ message }</p>
            }
        </form>
    }
}
