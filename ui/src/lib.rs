//! The groundgame front end: Yew components compiled to wasm32, talking to
//! the desktop shell through typed IPC (`ipc.rs`).

mod components;
mod format;
mod ipc;
mod state;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point, called by `main.js` once the module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<components::app::App>::new().render();
}
