//! Sealed room names and invitee names for the browser: what the server keeps about
//! a room or an invitee only as ciphertext (`kizuna_crypto::room_state`,
//! `kizuna_crypto::invitation_name`).

use kizuna_crypto::channel::HistoryPolicy;
use kizuna_crypto::invitation_name;
use kizuna_crypto::{RoomState, RoomStateError};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::channel::{timestamp, Channel};
use crate::error::{thrown, OrThrow, WebError};
use crate::random::OsRandom;
use crate::wire::{b64, to_js};

fn room_state_error(e: RoomStateError) -> WebError {
    match e {
        RoomStateError::InvalidName => WebError::new(
            "invalid_room_name",
            "Give the room a name of 1 to 100 characters.",
            "ルーム名は1〜100文字で入力してください。",
        ),
        RoomStateError::UnknownEra(_) => WebError::new(
            "room_name_unreadable",
            "This device cannot read the room's name yet. It appears once a member has added this device.",
            "この端末ではまだルーム名を読めません。メンバーがこの端末を追加すると表示されます。",
        ),
        other => WebError::new(
            "room_name_refused",
            format!("The room's name could not be verified ({other}); it is not shown."),
            format!("ルーム名を検証できなかったため表示しません（{other}）。"),
        ),
    }
}

/// `Channel.open_room_state()`.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "OpenedRoomName"))]
pub(crate) struct OpenedName {
    name: String,
    era: String,
    revision: u64,
    #[cfg_attr(feature = "ts", ts(as = "kizuna_crypto::proto::UserId"))]
    author_user: String,
}

/// `Channel.start_era()`.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct StartedEra {
    /// Base64, as the server's log takes it.
    era_key: Option<String>,
    epoch: u64,
}

#[wasm_bindgen]
impl Channel {
    /// Before sealing a room's name in a channel without an era yet: starts one.
    /// Returns `{era_key, epoch}`; send `era_key` (if not null) as log kind `era_key`
    /// at `epoch`, after saving the device.
    #[wasm_bindgen(unchecked_return_type = "StartedEra")]
    pub fn start_era(&self, now: f64) -> Result<JsValue, JsError> {
        let now = timestamp(now)?;
        let mut rng = OsRandom::checked()?;
        let started = self.with(|slot| {
            let epoch = slot.state_mut().epoch();
            if slot.state_mut().current_era().is_some() {
                return Ok(StartedEra { era_key: None, epoch });
            }
            let era_key = slot.state_mut().share_eras(HistoryPolicy::Full, now, &mut rng)?;
            Ok(StartedEra {
                era_key: Some(b64(&era_key)),
                epoch,
            })
        })?;
        to_js(&started)
    }

    /// Seals a room's `name` as `revision` (one more than the stored one) under this
    /// (family) channel's current era, for `PUT /rooms/{room}/state`.
    pub fn seal_room_state(&self, name: &str, revision: f64, now: f64) -> Result<Vec<u8>, JsError> {
        let state = RoomState::named(name).map_err(room_state_error).or_throw()?;
        if !(1.0..=9_007_199_254_740_991.0).contains(&revision) || revision.fract() != 0.0 {
            return Err(thrown(WebError::invalid_input("revision", revision)));
        }
        let now = timestamp(now)?;
        let mut rng = OsRandom::checked()?;
        self.with(|slot| {
            slot.state()
                .seal_room_state(&state, revision as u64, now, &mut rng)
                .map_err(room_state_error)
        })
    }

    /// Opens a room's sealed state (bytes from `GET /rooms`): `{name, era, revision,
    /// author_user}`, or an error if this device cannot read or verify it.
    #[wasm_bindgen(unchecked_return_type = "OpenedRoomName")]
    pub fn open_room_state(&self, sealed: &[u8]) -> Result<JsValue, JsError> {
        let opened = self.with(|slot| slot.state_mut().open_room_state(sealed).map_err(room_state_error))?;
        to_js(&OpenedName {
            name: opened.state.name,
            era: opened.header.era.to_string(),
            revision: opened.header.revision,
            author_user: opened.header.author_user.to_string(),
        })
    }

    /// Whether a state sealed under `era` (from `open_room_state`) should be sealed
    /// again: this channel has moved to a newer era.
    pub fn room_state_outdated(&self, era: &str) -> Result<bool, JsError> {
        let era: kizuna_crypto::EraId = kizuna_crypto::EraId(
            era.parse()
                .map_err(|e| thrown(WebError::invalid_input("era ID", e)))?,
        );
        self.with(|slot| Ok(slot.state().room_state_outdated(era)))
    }
}

/// Seals an invitee's `name` under the new link's `token` (the part after
/// `#/invite/`), for `PUT /rooms/{room}/invitations/{id}/sealed-name`.
#[wasm_bindgen]
pub fn seal_invitee_name(token: &str, name: &str) -> Result<Vec<u8>, JsError> {
    let mut rng = OsRandom::checked()?;
    invitation_name::seal_invitee_name(token, name, &mut rng).map_err(|_| {
        thrown(WebError::new(
            "invalid_name",
            "Give a name of 1 to 100 characters.",
            "名前は1〜100文字で入力してください。",
        ))
    })
}

/// Opens the invitee's name of the link whose token is `token`.
#[wasm_bindgen]
pub fn open_invitee_name(token: &str, sealed: &[u8]) -> Result<String, JsError> {
    invitation_name::open_invitee_name(token, sealed).map_err(|_| {
        thrown(WebError::new(
            "invitee_name_unreadable",
            "The name on this invitation cannot be read with this link.",
            "このリンクでは招待の名前を読めません。",
        ))
    })
}
