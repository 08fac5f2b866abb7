//! How values are spelt on the wire: base64 for the bytes the server's JSON carries,
//! hex for key package IDs, typed IDs parsed from strings, JSON from the UI.

use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::error::EngineError;

/// Standard base64, as the server's JSON carries bytes.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64 from the server or the UI.
pub fn unb64(what: &str, text: &str) -> Result<Vec<u8>, EngineError> {
    STANDARD
        .decode(text)
        .map_err(|e| EngineError::invalid_input(what, format!("not standard base64: {e}")))
}

/// Lower-case hex (key package IDs, as both clients upload them).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A typed ID (`RoomId`, `DeviceId`, …) from its UUID string.
pub fn parse<T: FromStr>(what: &str, text: &str) -> Result<T, EngineError>
where
    T::Err: std::fmt::Display,
{
    text.parse()
        .map_err(|e| EngineError::invalid_input(what, format!("{text:?}: {e}")))
}

/// A JSON string from the UI as a Rust value.
pub fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, EngineError> {
    serde_json::from_str(json).map_err(|e| EngineError::invalid_input(what, e))
}

/// The 32-byte key a vault derives (WebAuthn PRF or a WebCrypto key).
pub fn vault_key(bytes: &[u8]) -> Result<Zeroizing<[u8; 32]>, EngineError> {
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        EngineError::invalid_input("vault key", format!("{} bytes instead of 32", bytes.len()))
    })?;
    Ok(Zeroizing::new(key))
}

/// Bytes that reach JavaScript as a `Uint8Array` (and as an array in JSON tests).
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "Uint8Array"))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_keys_are_checked() {
        assert_eq!(unb64("body", &b64(b"abc")).unwrap(), b"abc");
        assert!(unb64("body", "***").is_err());
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
        assert!(vault_key(&[1; 31]).is_err());
        assert_eq!(*vault_key(&[1; 32]).unwrap(), [1; 32]);
    }
}
