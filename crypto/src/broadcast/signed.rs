//! The signed wire form of broadcasts, and the one way of signing and opening that
//! broadcasts and roster changes share.
//!
//! The signature is over the exact payload bytes, prefixed with a label naming what
//! they are. Opening verifies those bytes *before* parsing them, so nothing forged
//! reaches the JSON parser, and then requires the bytes to be the one canonical
//! encoding of what they parse to: one notice has one byte string, which is what the
//! signature covers, whatever JSON reader a client uses.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::signing::{DeviceSigningKey, DeviceVerifyingKey};

use super::b64;
use super::content::{Broadcast, Officer};
use super::error::BroadcastError;

/// Prefix of the message a broadcast's signature covers. The device key also signs
/// posts (`kizuna/post/v2/signature`) and MLS messages (MLS's own labels); distinct
/// labels mean no signature made for one can be passed off as another.
pub const BROADCAST_LABEL: &[u8] = b"kizuna/broadcast/v1/signature\0";
/// Largest payload of a broadcast, in bytes: the longest text with every character
/// escaped, plus the other fields, fits comfortably.
pub const MAX_BROADCAST_BYTES: usize = 64 * 1024;

/// A broadcast as it travels and is stored: the exact signed bytes, the signature and
/// the public key that made it, each standard base64 in JSON.
///
/// The key is carried so the signature can be checked before anything is parsed; it
/// proves nothing by itself: the reader must find it on the organisation's pinned
/// roster (`kizuna_engine::broadcast::RosterBook::verify`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct SignedBroadcast {
    /// The [`Broadcast`] as canonical JSON, exactly as signed.
    #[serde(with = "b64")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub payload: Vec<u8>,
    /// Ed25519 signature over [`BROADCAST_LABEL`] ‖ payload (64 bytes).
    #[serde(with = "b64")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub signature: Vec<u8>,
    /// The signing device's public key (32 bytes).
    #[serde(with = "b64")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub signer_key: Vec<u8>,
}

impl SignedBroadcast {
    /// The content the payload claims, parsed *without* checking the signature or the
    /// rules: only for showing a refused notice marked as unverified, never as official.
    pub fn claimed(&self) -> Option<Broadcast> {
        claimed(&self.payload, MAX_BROADCAST_BYTES)
    }
}

impl fmt::Debug for SignedBroadcast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_signed(f, "SignedBroadcast", &self.payload, &self.signer_key)
    }
}

/// Signs `content` with the officer device's key, after checking its rules and that
/// it names this key as its signer.
pub fn sign(content: &Broadcast, key: &DeviceSigningKey) -> Result<SignedBroadcast, BroadcastError> {
    content.validate()?;
    let (payload, signature) = sign_payload(BROADCAST_LABEL, content, &content.signed_by, key)?;
    Ok(SignedBroadcast {
        payload,
        signature: signature.to_vec(),
        signer_key: key.verifying_key().to_bytes().to_vec(),
    })
}

/// Opens a signed broadcast: checks the signature over the exact bytes, parses them
/// strictly (unknown fields, trailing data and any non-canonical spelling refused),
/// checks that the officer named inside is the key that signed, and checks the
/// content rules. Returns the content and the key that signed it.
///
/// This proves the notice is intact and signed by *that key*; whether the key belongs
/// to the organisation is the pinned roster's question, answered in the engine.
pub fn open(signed: &SignedBroadcast) -> Result<(Broadcast, DeviceVerifyingKey), BroadcastError> {
    let (content, key): (Broadcast, _) = open_payload(
        BROADCAST_LABEL,
        MAX_BROADCAST_BYTES,
        &signed.payload,
        &signed.signature,
        &signed.signer_key,
    )?;
    if content.signed_by.key != key {
        return Err(BroadcastError::SignerMismatch);
    }
    content.validate()?;
    Ok((content, key))
}

/// Encodes `content` canonically and signs it under `label`. Refuses to sign content
/// naming another key than `key` as its signer: the reader would refuse it anyway.
pub(super) fn sign_payload<T: Serialize>(
    label: &[u8],
    content: &T,
    named: &Officer,
    key: &DeviceSigningKey,
) -> Result<(Vec<u8>, [u8; 64]), BroadcastError> {
    if named.key != key.verifying_key() {
        return Err(BroadcastError::SignerMismatch);
    }
    let payload = serde_json::to_vec(content).map_err(|e| BroadcastError::Malformed(e.to_string()))?;
    let signature = key.sign(&message(label, &payload));
    Ok((payload, signature))
}

/// Checks size, key and signature over the exact bytes, then parses them canonically.
pub(super) fn open_payload<T: Serialize + DeserializeOwned>(
    label: &[u8],
    limit: usize,
    payload: &[u8],
    signature: &[u8],
    signer_key: &[u8],
) -> Result<(T, DeviceVerifyingKey), BroadcastError> {
    if payload.len() > limit {
        return Err(BroadcastError::TooLarge {
            actual: payload.len(),
            limit,
        });
    }
    let key_bytes: [u8; 32] = signer_key
        .try_into()
        .map_err(|_| BroadcastError::Malformed(format!("signer key of {} bytes", signer_key.len())))?;
    let key = DeviceVerifyingKey::from_bytes(&key_bytes)
        .map_err(|e| BroadcastError::Malformed(format!("signer key: {e}")))?;
    // A missing or truncated signature is no signature: the notice is unsigned.
    let signature: [u8; 64] = signature.try_into().map_err(|_| BroadcastError::BadSignature)?;
    if !key.verify(&message(label, payload), &signature) {
        return Err(BroadcastError::BadSignature);
    }
    let content = parse_canonical(payload)?;
    Ok((content, key))
}

/// The bytes a signature covers: the label, then the payload.
fn message(label: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(label.len() + payload.len());
    message.extend_from_slice(label);
    message.extend_from_slice(payload);
    message
}

/// Parses `payload` and requires it to be byte for byte what this code would write
/// for the parsed value. That refuses trailing data (even whitespace), duplicate or
/// reordered fields, and escapes spelt differently: there is nothing outside the
/// value that a reader could interpret differently from another reader.
fn parse_canonical<T: Serialize + DeserializeOwned>(payload: &[u8]) -> Result<T, BroadcastError> {
    let value: T = serde_json::from_slice(payload).map_err(|e| BroadcastError::Malformed(e.to_string()))?;
    let canonical = serde_json::to_vec(&value).map_err(|e| BroadcastError::Malformed(e.to_string()))?;
    if canonical != payload {
        return Err(BroadcastError::Malformed(
            "not the canonical encoding (extra spaces, reordered fields or trailing data)".into(),
        ));
    }
    Ok(value)
}

/// What the payload parses to, unchecked; `None` if it is not even that.
pub(super) fn claimed<T: DeserializeOwned>(payload: &[u8], limit: usize) -> Option<T> {
    if payload.len() > limit {
        return None;
    }
    serde_json::from_slice(payload).ok()
}

/// Public data, but long: the payload's size and the signer's key in hex.
pub(super) fn debug_signed(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    payload: &[u8],
    signer_key: &[u8],
) -> fmt::Result {
    let key: String = signer_key.iter().map(|b| format!("{b:02x}")).collect();
    write!(
        f,
        "{name} {{ payload: {} bytes, signer_key: {key} }}",
        payload.len()
    )
}
