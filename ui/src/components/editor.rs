//! What the coordinator's editing views (Scripts, Volunteers) share: a
//! reducer that can show a failure and load itself again, a save that
//! reloads the view after it, and text fields bound to the reducer.

use groundgame_domain::ipc::IpcError;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// A view's reducer that saves through the shell.
pub trait Editor: Reducible + Sized + 'static {
    /// The step that shows why something failed.
    fn failed(message: String) -> Self::Action;
    /// Loads the view's data again (after a save).
    fn reload(dispatcher: UseReducerDispatcher<Self>);
}

/// Runs a save; on success dispatches what `done` makes of the answer, tells
/// the office something changed and reloads the view; on failure shows why.
pub fn save<E: Editor, T: 'static>(
    dispatcher: UseReducerDispatcher<E>,
    on_changed: Callback<()>,
    work: impl std::future::Future<Output = Result<T, IpcError>> + 'static,
    done: impl FnOnce(T) -> E::Action + 'static,
) {
    wasm_bindgen_futures::spawn_local(async move {
        match work.await {
            Ok(value) => {
                dispatcher.dispatch(done(value));
                on_changed.emit(());
                E::reload(dispatcher);
            }
            Err(error) => dispatcher.dispatch(E::failed(error.message)),
        }
    });
}

/// An `oninput` for a text field or area that dispatches `step(value)`.
pub fn text_input<E: Editor>(
    dispatcher: &UseReducerDispatcher<E>,
    step: fn(String) -> E::Action,
) -> Callback<InputEvent> {
    let dispatcher = dispatcher.clone();
    Callback::from(move |event: InputEvent| {
        let value = event
            .target_dyn_into::<HtmlTextAreaElement>()
            .map(|area| area.value())
            .or_else(|| {
                event
                    .target_dyn_into::<HtmlInputElement>()
                    .map(|input| input.value())
            })
            .unwrap_or_default();
        dispatcher.dispatch(step(value));
    })
}
