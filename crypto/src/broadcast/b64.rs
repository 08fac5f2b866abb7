//! Standard base64 (RFC 4648 §4, with padding) for the byte fields of the signed wire
//! forms, as the server's JSON carries bytes everywhere else (`engine::codec`).
//!
//! Decoding is strict (the `base64` crate's standard engine: canonical padding, no
//! whitespace, the unused low bits of the last character zero), so each byte string
//! has exactly one spelling and a relay cannot re-encode a notice into "different"
//! text. The tests below hold the crate to that.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serializer};

/// `bytes` as standard base64 with padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The bytes `text` spells, refusing every spelling but the canonical one.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, &'static str> {
    STANDARD.decode(text).map_err(|_| "not canonical standard base64")
}

/// `#[serde(with = "b64")]`: writes bytes as a base64 string.
pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&encode(bytes))
}

/// `#[serde(with = "b64")]`: reads a base64 string strictly.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    decode(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors_round_trip() {
        let vectors: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (bytes, text) in vectors {
            assert_eq!(encode(bytes), text);
            assert_eq!(decode(text).as_deref(), Ok(bytes));
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&all)), Ok(all));
    }

    #[test]
    fn every_other_spelling_is_refused() {
        for bad in [
            "Zg", "Zg=", "Zh==", "Zm9v\n", "Zg==Zg==", "Z===", "Zm9*", "Zm 9v", "=Zm9",
        ] {
            assert!(decode(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
