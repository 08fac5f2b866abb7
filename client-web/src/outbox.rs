//! `outboxDecision`: the engine's send-retry rule for the UI's outbox.

use wasm_bindgen::prelude::*;

use crate::wire::to_js;

/// What to do after a failed send: `{action: "retry" | "resync" | "done" | "fail",
/// delay_ms?}`. `status`: the HTTP status (`null` or 0 when no answer came); `code`:
/// the server's error code, if any; `attempt`: this post's failures so far (1 for the
/// first). The rule is `kizuna_engine::outbox::decide`, the native client's too.
#[wasm_bindgen(js_name = outboxDecision, unchecked_return_type = "OutboxDecision")]
pub fn outbox_decision(status: Option<u16>, code: Option<String>, attempt: u32) -> Result<JsValue, JsError> {
    to_js(&kizuna_engine::outbox::decide(status, code.as_deref(), attempt))
}
