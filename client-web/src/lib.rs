//! The browser client's Rust half: `kizuna_engine` and `kizuna_crypto` behind a small
//! wasm-bindgen API.
//!
//! The TypeScript UI (in `web/`) does every HTTP request, WebSocket frame and
//! IndexedDB write; it calls in here for every decision and every byte of
//! cryptography. The API (documented with TypeScript signatures in `README.md`):
//!
//! * [`version`].
//! * [`DeviceKey`] → `POST /devices` → [`Device`]: key packages, welcomes, channel
//!   creation, the whole state sealed under a key from the UI's vault.
//! * [`Channel`]: `ingest` log entries into events, `seal_post`, reconcile the group
//!   with the room (`plan_reconcile`, `add_devices`, `remove_devices`,
//!   `commit_accepted`, `commit_rejected`).
//! * Care: [`prepare_photo`], [`seal_attachment`], [`open_attachment`],
//!   [`validate_envelope`], [`notebook`].
//! * Regional broadcasts, on [`Device`]: `accept_rosters`, `verify_broadcast`,
//!   `officer`, `sign_broadcast`, `sign_roster_change`.
//! * [`outbox_decision`]: when a failed send goes again.
//! * [`export_room`]: a room's record as JSON, vitals CSV or FHIR R4, for download.
//!
//! Errors reach JS as `Error`s whose message is JSON `{code, en, ja, field?}`
//! ([`WebError`]); nothing here panics on input.
//!
//! Layers: every rule is in `kizuna_engine` (shared with the native client and
//! tested there); the `#[wasm_bindgen]` items here only convert arguments and results.

mod broadcast;
mod channel;
mod device;
pub mod error;
mod export;
mod outbox;
mod random;
mod room_state;
mod types;
mod wire;

use wasm_bindgen::prelude::*;

pub use channel::Channel;
pub use device::{Device, DeviceKey};
pub use error::WebError;
pub use export::export_room;
pub use kizuna_crypto as crypto;
pub use kizuna_engine as engine;
pub use kizuna_engine::codec::Bytes;
pub use kizuna_engine::{care, reconcile, Policy};
pub use outbox::outbox_decision;

use crate::error::OrThrow;
use crate::random::OsRandom;
use crate::wire::{from_js, to_js};

/// This build's version (the workspace version), to show and to report.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Prepares a photo on the device: decode (JPEG or PNG), turn upright, drop every
/// metadata segment, downscale, re-encode as JPEG, thumbnail. `options` (optional):
/// `{max_edge, thumb_edge, quality, thumb_quality, max_pixels}`. Returns `{image,
/// thumbnail, width, height, thumb_width, thumb_height}` (`Uint8Array`s for the JPEGs).
#[wasm_bindgen(unchecked_return_type = "PreparedPhoto")]
pub fn prepare_photo(
    bytes: &[u8],
    #[wasm_bindgen(unchecked_optional_param_type = "PhotoOptions")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options = if options.is_undefined() || options.is_null() {
        care::PhotoOptionsIn::default()
    } else {
        from_js("photo options", options)?
    };
    to_js(&care::prepare_photo(bytes, options).or_throw()?)
}

/// Seals a file under a fresh key: `{ciphertext, reference}`. Upload `ciphertext` to
/// `PUT /rooms/{room}/channels/{channel}/blobs/{reference.blob}`; put `reference`
/// (`{blob, key, sha256, mime, size}`) in the post.
#[wasm_bindgen(unchecked_return_type = "SealedFile")]
pub fn seal_attachment(bytes: &[u8], mime: &str) -> Result<JsValue, JsError> {
    let mut rng = OsRandom::checked()?;
    to_js(&care::seal_attachment(bytes, mime, &mut rng).or_throw()?)
}

/// Opens a downloaded file against the post's `reference` (the `{blob, key, sha256,
/// mime, size}` object from the envelope): the plaintext, or an error if the file is
/// damaged, cut short, altered or not the one the post names.
#[wasm_bindgen]
pub fn open_attachment(
    ciphertext: &[u8],
    #[wasm_bindgen(unchecked_param_type = "AttachmentRef")] reference: JsValue,
) -> Result<Vec<u8>, JsError> {
    let reference: crypto::AttachmentRef = from_js("attachment reference", reference)?;
    care::open_attachment(ciphertext, &reference).or_throw()
}

/// Checks a post (envelope JSON) before sending, as receivers will. Never throws:
/// `{ok: true, unusual, out_of_range, urgency}` or `{ok: false, code, field, en, ja}`.
/// `thresholds_json`: the client's thresholds in force, if any.
#[wasm_bindgen(unchecked_return_type = "Validation")]
pub fn validate_envelope(json: &str, thresholds_json: Option<String>) -> Result<JsValue, JsError> {
    to_js(&care::validate_envelope(json, thresholds_json.as_deref()))
}

/// A channel's posts (JSON array of `post` events from `Channel.ingest`, any order)
/// as the care notebook: `{entries, rejected, pending, thresholds, open_handovers}`.
#[wasm_bindgen(unchecked_return_type = "NotebookView")]
pub fn notebook(posts_json: &str) -> Result<JsValue, JsError> {
    to_js(&care::notebook(posts_json).or_throw()?)
}
