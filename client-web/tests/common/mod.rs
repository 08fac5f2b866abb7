//! What the wasm-bindgen-test suites share: JSON in and out of the core as the
//! TypeScript UI passes and reads it.

use js_sys::JSON;
use serde_json::Value;
use wasm_bindgen::JsValue;

/// A JSON value as the plain JS value the UI would pass.
pub fn js(value: &Value) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(value, &serializer).unwrap()
}

/// A plain JS value the core returned (no `Uint8Array`s inside), as JSON.
pub fn json_of(value: &JsValue) -> Value {
    serde_json::from_str(&String::from(JSON::stringify(value).unwrap())).unwrap()
}
