//! Importing a voter file from this laptop, with a progress bar.

use crate::format::group;
use crate::ipc;
use groundgame_domain::ipc::{ImportRequest, IpcError};
use groundgame_domain::office::{ImportProgress, ImportReport};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ImportViewProps {
    pub on_changed: Callback<()>,
}

#[function_component(ImportView)]
pub fn import_view(props: &ImportViewProps) -> Html {
    let path = use_state(String::new);
    let layout = use_state(|| "nc-voter".to_owned());
    let skip_bad = use_state(|| false);
    let progress = use_state(|| None::<ImportProgress>);
    let running = use_state(|| false);
    let result = use_state(|| None::<Result<ImportReport, IpcError>>);
    let start = {
        let (path, layout, skip_bad) = (path.clone(), layout.clone(), skip_bad.clone());
        let (progress, running, result) = (progress.clone(), running.clone(), result.clone());
        let on_changed = props.on_changed.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let request = ImportRequest {
                path: path.trim().to_owned(),
                layout: (*layout).clone(),
                skip_bad: *skip_bad,
            };
            let (progress, running, result, on_changed) = (
                progress.clone(),
                running.clone(),
                result.clone(),
                on_changed.clone(),
            );
            running.set(true);
            result.set(None);
            progress.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let shown = progress.clone();
                let outcome =
                    ipc::import_file(&request, move |update| shown.set(Some(update))).await;
                if outcome.is_ok() {
                    on_changed.emit(());
                }
                result.set(Some(outcome));
                running.set(false);
            });
        })
    };
    let percent = progress
        .as_ref()
        .filter(|p| p.bytes_total > 0)
        .map_or(0.0, |p| p.bytes_read as f64 * 100.0 / p.bytes_total as f64);
    html! {
        <section class="import" aria-label="Import a voter file">
            <h2>{ "Import a voter file" }</h2>
            <p class="muted">{ "A newer snapshot of a file you imported before is applied as a change list: new, moved, changed and removed voters. Contact history and do-not-contact entries are kept." }</p>
            <form class="import-form" onsubmit={start}>
                <label>{ "File on this laptop" }
                    <input id="import-path" placeholder="/home/you/ncvoter92.txt" value={(*path).clone()} oninput={crate::format::bind_text(&path)} />
                </label>
                <label>{ "Layout" }
                    <select id="import-layout" onchange={{
                        let layout = layout.clone();
                        Callback::from(move |event: Event| {
                            let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
                            layout.set(select.value());
                        })
                    }}>
                        <option value="nc-voter">{ "North Carolina voters (ncvoter)" }</option>
                        <option value="nc-history">{ "North Carolina vote history (ncvhis)" }</option>
                        <option value="oh">{ "Ohio statewide" }</option>
                        <option value="fl">{ "Florida voter extract" }</option>
                        <option value="fl-history">{ "Florida vote history" }</option>
                    </select>
                </label>
                <label class="check">
                    <input type="checkbox" id="import-skip-bad" checked={*skip_bad} onchange={{
                        let skip_bad = skip_bad.clone();
                        Callback::from(move |_| skip_bad.set(!*skip_bad))
                    }} />
                    { " Skip bad lines (and list them) instead of stopping" }
                </label>
                <button class="primary" id="import-start" type="submit" disabled={*running || path.trim().is_empty()}>{ "Import" }</button>
            </form>
            if *running || progress.is_some() {
                <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{percent:.0}")}>
                    <div class="bar" style={format!("width: {percent:.1}%")}></div>
                    <span>{ format!("{percent:.0}% · {} rows", group(progress.as_ref().map_or(0, |p| p.rows))) }</span>
                </div>
            }
            { match &*result {
                None => html! {},
                Some(Err(error)) => html! { <pre class="error" role="alert" id="import-error">{ &error.message }</pre> },
                Some(Ok(report)) => html! {
                    <div class="report" id="import-report">
                        <h3>{ format!("Imported {}", report.file) }</h3>
                        <dl class="diff">
                            <div><dt>{ "Rows" }</dt><dd>{ group(report.rows) }</dd></div>
                            <div><dt>{ "New" }</dt><dd id="import-new">{ group(report.new) }</dd></div>
                            <div><dt>{ "Moved" }</dt><dd>{ group(report.moved) }</dd></div>
                            <div><dt>{ "Changed" }</dt><dd>{ group(report.changed) }</dd></div>
                            <div><dt>{ "Removed" }</dt><dd>{ group(report.removed) }</dd></div>
                            <div><dt>{ "Unchanged" }</dt><dd>{ group(report.unchanged) }</dd></div>
                            <div><dt>{ "Votes" }</dt><dd>{ group(report.votes) }</dd></div>
                        </dl>
                        { for report.warnings.iter().map(|w| html! { <p class="muted">{ w }</p> }) }
                        if !report.skipped.is_empty() {
                            <h4>{ format!("{} lines skipped", report.skipped.len()) }</h4>
                            <ul class="plain">{ for report.skipped.iter().map(|s| html! { <li>{ &s.error }</li> }) }</ul>
                        }
                    </div>
                },
            } }
        </section>
    }
}
