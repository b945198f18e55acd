//! A typed wrapper around Tauri's `invoke`. Arguments and results are the
//! shared types from `groundgame_domain::ipc`; a command's `Err` arrives as an
//! `IpcError` value, never as an exception.

use groundgame_domain::ipc::{
    command, IpcError, IpcErrorKind, LockState, OfficeOverview, VoterPage, VoterQuery,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], catch)]
    async fn invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

async fn call<A: Serialize, R: DeserializeOwned>(cmd: &str, args: &A) -> Result<R, IpcError> {
    let args = serde_wasm_bindgen::to_value(args).map_err(|error| IpcError {
        kind: IpcErrorKind::BadRequest,
        message: format!("cannot encode the request to {cmd}: {error}"),
    })?;
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

pub async fn unlock(passphrase: &str) -> Result<OfficeOverview, IpcError> {
    call(command::UNLOCK, &UnlockArgs { passphrase }).await
}

pub async fn office_overview() -> Result<OfficeOverview, IpcError> {
    call(command::OFFICE_OVERVIEW, &NoArgs {}).await
}

pub async fn search_voters(query: &VoterQuery) -> Result<VoterPage, IpcError> {
    call(command::SEARCH_VOTERS, &SearchArgs { query }).await
}
