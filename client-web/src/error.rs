//! The one error type that crosses into JavaScript: the engine's [`WebError`]
//! (`kizuna_engine::EngineError`), thrown as a JS `Error` whose `message` is
//! `{code, en, ja, field?}` as JSON (see the README), so a `catch` anywhere in the UI
//! can show the right language without knowing which call failed.

use wasm_bindgen::JsError;

pub use kizuna_engine::EngineError as WebError;

/// The engine's error as the JS `Error` the UI catches.
pub(crate) fn thrown(e: WebError) -> JsError {
    JsError::new(&e.to_json())
}

/// `?` for engine results inside `#[wasm_bindgen]` functions (the orphan rule keeps
/// `From<EngineError> for JsError` out of reach).
pub(crate) trait OrThrow<T> {
    /// The value, or the error as a JS `Error`.
    fn or_throw(self) -> Result<T, JsError>;
}

impl<T> OrThrow<T> for Result<T, WebError> {
    fn or_throw(self) -> Result<T, JsError> {
        self.map_err(thrown)
    }
}
