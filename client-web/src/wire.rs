//! How values cross the boundary: plain JS objects for everything structured
//! (through `serde-wasm-bindgen`), `Uint8Array`s for bytes. The spelling of bytes and
//! IDs is the engine's (`kizuna_engine::codec`).

use wasm_bindgen::{JsError, JsValue};

use std::str::FromStr;

use zeroize::Zeroizing;

pub(crate) use kizuna_engine::codec::b64;

use crate::error::{thrown, OrThrow, WebError};

/// A Rust value as a plain JS value: objects (not `Map`s), `null` for nothing,
/// `Uint8Array` for [`kizuna_engine::codec::Bytes`], numbers for timestamps and
/// sequence numbers.
pub(crate) fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false);
    value.serialize(&serializer).map_err(|e| {
        thrown(WebError::new(
            "internal",
            format!("cannot hand a value to the page: {e}"),
            format!("値を画面に渡せません：{e}"),
        ))
    })
}

/// A plain JS value (an array or object the UI built) as a Rust value.
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| thrown(WebError::invalid_input(what, e)))
}

/// A JSON string from the UI as a Rust value.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, JsError> {
    kizuna_engine::codec::from_json(what, json).or_throw()
}

/// A typed ID (`RoomId`, `DeviceId`, …) from its UUID string.
pub(crate) fn parse<T: FromStr>(what: &str, text: &str) -> Result<T, JsError>
where
    T::Err: std::fmt::Display,
{
    kizuna_engine::codec::parse(what, text).or_throw()
}

/// The 32-byte key the UI's vault derives.
pub(crate) fn vault_key(bytes: &[u8]) -> Result<Zeroizing<[u8; 32]>, JsError> {
    kizuna_engine::codec::vault_key(bytes).or_throw()
}
