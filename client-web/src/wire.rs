//! How values cross the boundary: base64 for the bytes the server's JSON carries,
//! typed IDs parsed from strings, `Uint8Array`s for files, and plain JS objects for
//! everything structured (through `serde-wasm-bindgen`).

use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kizuna_crypto::channel::HistoryPolicy;
use kizuna_crypto::proto::UserId;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsError, JsValue};
use zeroize::Zeroizing;

use crate::error::WebError;

/// Standard base64, as the server's JSON carries bytes.
pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64 from the server or the UI.
pub(crate) fn unb64(what: &str, text: &str) -> Result<Vec<u8>, WebError> {
    STANDARD
        .decode(text)
        .map_err(|e| WebError::invalid_input(what, format!("not standard base64: {e}")))
}

/// Lower-case hex (key package IDs, as the native client uploads them).
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A typed ID (`RoomId`, `DeviceId`, …) from its UUID string.
pub(crate) fn parse<T: FromStr>(what: &str, text: &str) -> Result<T, WebError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| WebError::invalid_input(what, format!("{text:?}: {e}")))
}

/// The 32-byte key the UI's vault derives (WebAuthn PRF or a WebCrypto key).
pub(crate) fn vault_key(bytes: &[u8]) -> Result<Zeroizing<[u8; 32]>, WebError> {
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| WebError::invalid_input("vault key", format!("{} bytes instead of 32", bytes.len())))?;
    Ok(Zeroizing::new(key))
}

/// Bytes that reach JavaScript as a `Uint8Array` (and as an array in JSON tests).
#[derive(Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes", self.0.len())
    }
}

/// A Rust value as a plain JS value: objects (not `Map`s), `null` for nothing,
/// `Uint8Array` for [`Bytes`], numbers for IDs' timestamps and sequence numbers.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false);
    value.serialize(&serializer).map_err(|e| {
        WebError::new(
            "internal",
            format!("cannot hand a value to the page: {e}"),
            format!("値を画面に渡せません：{e}"),
        )
        .into()
    })
}

/// A plain JS value (an array or object the UI built) as a Rust value.
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(what: &str, value: JsValue) -> Result<T, WebError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| WebError::invalid_input(what, e))
}

/// A JSON string from the UI as a Rust value.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, WebError> {
    serde_json::from_str(json).map_err(|e| WebError::invalid_input(what, e))
}

/// [`HistoryPolicy`] as the UI writes it: `"full"`, `"from_now"` or
/// `{"same_as_user": "<user id>"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Every era this device holds.
    Full,
    /// None: the newcomers read from now on.
    FromNow,
    /// What the user's other devices could read.
    SameAsUser(UserId),
}

impl From<Policy> for HistoryPolicy {
    fn from(p: Policy) -> Self {
        match p {
            Policy::Full => HistoryPolicy::Full,
            Policy::FromNow => HistoryPolicy::FromNow,
            Policy::SameAsUser(user) => HistoryPolicy::SameAsUser(user),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_read_as_the_ui_writes_them() {
        assert_eq!(from_json::<Policy>("p", r#""full""#).unwrap(), Policy::Full);
        assert_eq!(
            from_json::<Policy>("p", r#""from_now""#).unwrap(),
            Policy::FromNow
        );
        let user = "00000000-0000-0000-0000-000000000007";
        assert_eq!(
            from_json::<Policy>("p", &format!(r#"{{"same_as_user":"{user}"}}"#)).unwrap(),
            Policy::SameAsUser(user.parse().unwrap())
        );
        assert_eq!(
            from_json::<Policy>("p", r#""all""#).unwrap_err().code,
            "invalid_input"
        );
    }

    #[test]
    fn bytes_and_keys_are_checked() {
        assert_eq!(unb64("body", &b64(b"abc")).unwrap(), b"abc");
        assert!(unb64("body", "***").is_err());
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert!(vault_key(&[1; 31]).is_err());
        assert_eq!(*vault_key(&[1; 32]).unwrap(), [1; 32]);
    }
}
