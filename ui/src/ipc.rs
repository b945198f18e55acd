//! A typed wrapper around Tauri's `invoke`. Arguments and results are the
//! shared types from `groundgame_domain::ipc`; a command's `Err` arrives as an
//! `IpcError` value, never as an exception.

use groundgame_domain::export::Written;
use groundgame_domain::ipc::{
    command, ChangePassphraseRequest, ContactRequest, CorrectionRequest, DncRequest,
    EnrolDeviceRequest, ImportRequest, IpcError, IpcErrorKind, LockState, OfficeOverview,
    RegistryLink, SyncOverview, SyncReport, SyncStatus, SyncStep, VoterPage, VoterQuery,
};
use groundgame_domain::ipc::{
    AssignRequest, AttachScriptRequest, QuestionRequest, RetireQuestionRequest,
    RetireScriptRequest, ScriptRequest, ScriptsOverview, SignInRequest, SignedIn, VolunteerRequest,
};
use groundgame_domain::ipc::{
    DecideBatchRequest, Envelope, ExportRequest, GoalsRequest, TakeTurfRequest, WorkRequest,
    WorkStateRequest,
};
use groundgame_domain::office::AuditEntry;
use groundgame_domain::office::{
    CallAssignment, CallListSummary, ContactOutcome, ImportProgress, ImportReport, NewPerson,
    PersonMatch, TurfSummary, VoterDetail, WalkPage,
};
use groundgame_domain::quality::BatchReport;
use groundgame_domain::results::{CampaignStats, Dashboard};
use groundgame_domain::review::{ReviewDecision, ReviewList, ReviewResolution};
use groundgame_domain::segment::{SavedSegment, SegmentCounts, SegmentFilter, TargetingChoices};
use groundgame_domain::survey::{QuestionRecord, ScriptView, VolunteerView};
use groundgame_domain::work::{
    CallListRules, CutTurf, MadeCallList, TurfHold, WorkKind, WorkState,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// Tauri's ordered message channel from a command back to the page.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"])]
    type Channel;

    #[wasm_bindgen(constructor, js_namespace = ["window", "__TAURI__", "core"])]
    fn new() -> Channel;

    #[wasm_bindgen(method, setter)]
    fn set_onmessage(this: &Channel, handler: &Closure<dyn FnMut(JsValue)>);
}

fn encode<A: Serialize>(cmd: &str, args: &A) -> Result<JsValue, IpcError> {
    // Maps become plain objects, which is what `invoke` expects.
    args.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| IpcError {
            kind: IpcErrorKind::BadRequest,
            message: format!("cannot encode the request to {cmd}: {error}"),
        })
}

async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, IpcError> {
    invoke_encoded(cmd, encode(cmd, args)?).await
}

async fn invoke_encoded<R: DeserializeOwned>(cmd: &str, args: JsValue) -> Result<R, IpcError> {
    match invoke(cmd, args).await {
        Ok(value) => serde_wasm_bindgen::from_value(value).map_err(|error| IpcError {
            kind: IpcErrorKind::Storage,
            message: format!("unexpected answer from {cmd}: {error}"),
        }),
        Err(value) => Err(
            serde_wasm_bindgen::from_value(value.clone()).unwrap_or_else(|_| IpcError {
                kind: IpcErrorKind::Storage,
                message: value.as_string().unwrap_or_else(|| format!("{cmd} failed")),
            }),
        ),
    }
}

#[derive(Serialize)]
struct NoArgs {}

#[derive(Serialize)]
struct SearchArgs<'a> {
    query: &'a VoterQuery,
}

#[derive(Serialize)]
struct UnlockArgs<'a> {
    passphrase: &'a str,
}

pub async fn lock_state() -> Result<LockState, IpcError> {
    call(command::LOCK_STATE, &NoArgs {}).await
}

pub async fn lock() -> Result<LockState, IpcError> {
    call(command::LOCK, &NoArgs {}).await
}

#[derive(Serialize)]
struct ChangePassphraseArgs<'a> {
    request: &'a ChangePassphraseRequest,
}

pub async fn change_passphrase(request: &ChangePassphraseRequest) -> Result<(), IpcError> {
    call(
        command::CHANGE_PASSPHRASE,
        &ChangePassphraseArgs { request },
    )
    .await
}

pub async fn dismiss_removal() -> Result<LockState, IpcError> {
    call(command::DISMISS_REMOVAL, &NoArgs {}).await
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

pub async fn unlock(passphrase: &str) -> Result<OfficeOverview, IpcError> {
    call(command::UNLOCK, &UnlockArgs { passphrase }).await
}

pub async fn office_overview() -> Result<OfficeOverview, IpcError> {
    call(command::OFFICE_OVERVIEW, &NoArgs {}).await
}

pub async fn search_voters(query: &VoterQuery) -> Result<VoterPage, IpcError> {
    call(command::SEARCH_VOTERS, &SearchArgs { query }).await
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VoterArgs<'a> {
    voter_id: &'a str,
}

#[derive(Serialize)]
struct RequestArgs<'a, T: Serialize> {
    request: &'a T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryArgs<'a> {
    entry_id: &'a str,
}

#[derive(Serialize)]
struct WalkArgs {
    turf: i64,
    from: u32,
    doors: u32,
}

#[derive(Serialize)]
struct CallArgs<'a> {
    list: i64,
    caller: &'a str,
}

#[derive(Serialize)]
struct ReleaseArgs<'a> {
    item: i64,
    caller: &'a str,
}

pub async fn voter_detail(voter_id: &str) -> Result<VoterDetail, IpcError> {
    call(command::VOTER_DETAIL, &VoterArgs { voter_id }).await
}

pub async fn record_contact(request: &ContactRequest) -> Result<ContactOutcome, IpcError> {
    call(command::RECORD_CONTACT, &RequestArgs { request }).await
}

pub async fn add_dnc(request: &DncRequest) -> Result<String, IpcError> {
    call(command::ADD_DNC, &RequestArgs { request }).await
}

pub async fn reverse_dnc(entry_id: &str) -> Result<String, IpcError> {
    call(command::REVERSE_DNC, &EntryArgs { entry_id }).await
}

pub async fn correct_voter(request: &CorrectionRequest) -> Result<(), IpcError> {
    call(command::CORRECT_VOTER, &RequestArgs { request }).await
}

pub async fn turfs() -> Result<Vec<TurfSummary>, IpcError> {
    call(command::TURFS, &NoArgs {}).await
}

/// Doors `from + 1` to `from + doors` of the turf, in walking order.
pub async fn walk_list(turf: i64, from: u32, doors: u32) -> Result<WalkPage, IpcError> {
    call(command::WALK_LIST, &WalkArgs { turf, from, doors }).await
}

pub async fn call_lists() -> Result<Vec<CallListSummary>, IpcError> {
    call(command::CALL_LISTS, &NoArgs {}).await
}

pub async fn next_call(list: i64, caller: &str) -> Result<Option<CallAssignment>, IpcError> {
    call(command::NEXT_CALL, &CallArgs { list, caller }).await
}

pub async fn release_call(item: i64, caller: &str) -> Result<(), IpcError> {
    call(command::RELEASE_CALL, &ReleaseArgs { item, caller }).await
}

pub async fn sync_status() -> Result<SyncStatus, IpcError> {
    call(command::SYNC_STATUS, &NoArgs {}).await
}

/// Imports a file; `on_progress` is called as the import reads it.
pub async fn import_file(
    request: &ImportRequest,
    on_progress: impl FnMut(ImportProgress) + 'static,
) -> Result<ImportReport, IpcError> {
    let request = encode(command::IMPORT_FILE, request)?;
    with_progress(
        command::IMPORT_FILE,
        Some(("request", request)),
        on_progress,
    )
    .await
}

/// Calls a command that reports progress on a channel (`onProgress`), with
/// at most one other argument.
async fn with_progress<P: DeserializeOwned + 'static, R: DeserializeOwned>(
    cmd: &str,
    argument: Option<(&str, JsValue)>,
    mut on_progress: impl FnMut(P) + 'static,
) -> Result<R, IpcError> {
    let channel = Channel::new();
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        if let Ok(progress) = serde_wasm_bindgen::from_value::<P>(message) {
            on_progress(progress);
        }
    });
    channel.set_onmessage(&handler);
    let args = js_sys::Object::new();
    let set =
        |key: &str, value: &JsValue| js_sys::Reflect::set(&args, &JsValue::from_str(key), value);
    let built = match &argument {
        Some((key, value)) => set(key, value),
        None => Ok(true),
    };
    built
        .and_then(|_| set("onProgress", &channel))
        .map_err(|_| IpcError {
            kind: IpcErrorKind::BadRequest,
            message: format!("cannot build the request to {cmd}"),
        })?;
    let result = invoke_encoded(cmd, args.into()).await;
    // The channel's handler lives until the command is over.
    drop(handler);
    result
}

pub async fn sync_overview() -> Result<SyncOverview, IpcError> {
    call(command::SYNC_OVERVIEW, &NoArgs {}).await
}

#[derive(Serialize)]
struct EnrolArgs<'a> {
    request: &'a EnrolDeviceRequest,
}

pub async fn enrol_device(request: &EnrolDeviceRequest) -> Result<RegistryLink, IpcError> {
    call(command::ENROL_DEVICE, &EnrolArgs { request }).await
}

pub async fn sync_now(on_progress: impl FnMut(SyncStep) + 'static) -> Result<SyncReport, IpcError> {
    with_progress(command::SYNC_NOW, None, on_progress).await
}

#[derive(Serialize)]
struct PersonArgs<'a> {
    person: &'a NewPerson,
}

pub async fn person_matches(person: &NewPerson) -> Result<Vec<PersonMatch>, IpcError> {
    call(command::PERSON_MATCHES, &PersonArgs { person }).await
}

pub async fn add_person(person: &NewPerson) -> Result<String, IpcError> {
    call(command::ADD_PERSON, &PersonArgs { person }).await
}

pub async fn review_queue() -> Result<ReviewList, IpcError> {
    call(command::REVIEW_QUEUE, &NoArgs {}).await
}

#[derive(Serialize)]
struct DecideArgs<'a> {
    id: i64,
    decision: &'a ReviewDecision,
}

pub async fn review_decide(
    id: i64,
    decision: &ReviewDecision,
) -> Result<ReviewResolution, IpcError> {
    call(command::REVIEW_DECIDE, &DecideArgs { id, decision }).await
}

fn work_request(name: &str, filter: &SegmentFilter, doors: Option<u32>) -> Envelope<WorkRequest> {
    Envelope::of(WorkRequest {
        name: name.to_owned(),
        filter: filter.clone(),
        rules: None,
        doors,
    })
}

pub async fn targeting_choices() -> Result<TargetingChoices, IpcError> {
    call(command::TARGETING_CHOICES, &NoArgs {}).await
}

pub async fn count_segment(filter: &SegmentFilter) -> Result<SegmentCounts, IpcError> {
    call(command::COUNT_SEGMENT, &work_request("", filter, None)).await
}

pub async fn segments() -> Result<Vec<SavedSegment>, IpcError> {
    call(command::SEGMENTS, &NoArgs {}).await
}

pub async fn save_segment(name: &str, filter: &SegmentFilter) -> Result<SavedSegment, IpcError> {
    call(command::SAVE_SEGMENT, &work_request(name, filter, None)).await
}

pub async fn make_call_list(
    name: &str,
    filter: &SegmentFilter,
    rules: &CallListRules,
) -> Result<MadeCallList, IpcError> {
    let mut request = work_request(name, filter, None);
    request.request.rules = Some(rules.clone());
    call(command::MAKE_CALL_LIST, &request).await
}

pub async fn preview_turfs(
    name: &str,
    filter: &SegmentFilter,
    doors: u32,
) -> Result<Vec<CutTurf>, IpcError> {
    call(
        command::PREVIEW_TURFS,
        &work_request(name, filter, Some(doors)),
    )
    .await
}

pub async fn cut_turfs(
    name: &str,
    filter: &SegmentFilter,
    doors: u32,
) -> Result<Vec<CutTurf>, IpcError> {
    call(command::CUT_TURFS, &work_request(name, filter, Some(doors))).await
}

pub async fn set_work_state(work: WorkKind, id: &str, state: WorkState) -> Result<(), IpcError> {
    call(
        command::SET_WORK_STATE,
        &Envelope::of(WorkStateRequest {
            work,
            id: id.to_owned(),
            state,
        }),
    )
    .await
}

pub async fn take_turf(turf: i64, hours: f64) -> Result<Option<TurfHold>, IpcError> {
    call(
        command::TAKE_TURF,
        &Envelope::of(TakeTurfRequest { turf, hours }),
    )
    .await
}

pub async fn scripts() -> Result<ScriptsOverview, IpcError> {
    call(command::SCRIPTS, &NoArgs {}).await
}

pub async fn save_question(request: QuestionRequest) -> Result<QuestionRecord, IpcError> {
    call(command::SAVE_QUESTION, &Envelope::of(request)).await
}

pub async fn retire_question(slug: &str, retired: bool) -> Result<QuestionRecord, IpcError> {
    call(
        command::RETIRE_QUESTION,
        &Envelope::of(RetireQuestionRequest {
            slug: slug.to_owned(),
            retired,
        }),
    )
    .await
}

pub async fn save_script(request: ScriptRequest) -> Result<ScriptView, IpcError> {
    call(command::SAVE_SCRIPT, &Envelope::of(request)).await
}

pub async fn retire_script(name: &str, retired: bool) -> Result<ScriptView, IpcError> {
    call(
        command::RETIRE_SCRIPT,
        &Envelope::of(RetireScriptRequest {
            name: name.to_owned(),
            retired,
        }),
    )
    .await
}

pub async fn attach_script(request: AttachScriptRequest) -> Result<(), IpcError> {
    call(command::ATTACH_SCRIPT, &Envelope::of(request)).await
}

pub async fn volunteers() -> Result<Vec<VolunteerView>, IpcError> {
    call(command::VOLUNTEERS, &NoArgs {}).await
}

pub async fn save_volunteer(request: VolunteerRequest) -> Result<VolunteerView, IpcError> {
    call(command::SAVE_VOLUNTEER, &Envelope::of(request)).await
}

pub async fn assign_work(request: AssignRequest) -> Result<Vec<VolunteerView>, IpcError> {
    call(command::ASSIGN_WORK, &Envelope::of(request)).await
}

pub async fn sign_in(name: &str, pin: Option<String>) -> Result<SignedIn, IpcError> {
    call(
        command::SIGN_IN,
        &Envelope::of(SignInRequest {
            name: name.to_owned(),
            pin,
        }),
    )
    .await
}

pub async fn sign_out() -> Result<SignedIn, IpcError> {
    call(command::SIGN_OUT, &NoArgs {}).await
}

pub async fn signed_in() -> Result<SignedIn, IpcError> {
    call(command::SIGNED_IN, &NoArgs {}).await
}

pub async fn dashboard() -> Result<Dashboard, IpcError> {
    call(command::DASHBOARD, &NoArgs {}).await
}

pub async fn set_goals(request: GoalsRequest) -> Result<Dashboard, IpcError> {
    call(command::SET_GOALS, &Envelope::of(request)).await
}

pub async fn campaign_stats() -> Result<CampaignStats, IpcError> {
    call(command::CAMPAIGN_STATS, &NoArgs {}).await
}

pub async fn quality() -> Result<Vec<BatchReport>, IpcError> {
    call(command::QUALITY, &NoArgs {}).await
}

pub async fn export_results(request: ExportRequest) -> Result<Written, IpcError> {
    call(command::EXPORT_RESULTS, &Envelope::of(request)).await
}

pub async fn decide_batch(request: DecideBatchRequest) -> Result<Vec<BatchReport>, IpcError> {
    call(command::DECIDE_BATCH, &Envelope::of(request)).await
}

pub async fn audit_log() -> Result<Vec<AuditEntry>, IpcError> {
    call(command::AUDIT_LOG, &NoArgs {}).await
}
