//! `DeviceKey` and `Device`: the JS classes for this browser's device. Each method
//! converts its arguments, calls the engine's [`Core`], and converts the result.

use std::cell::RefCell;
use std::rc::Rc;

use kizuna_crypto::proto::{Channel as ChannelName, DeviceId, NewGroup, RoomId, UserId, Welcome};
use kizuna_crypto::DeviceSigningKey;
use kizuna_engine::{ChannelRef, Core};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::channel::Channel;
use crate::error::{thrown, OrThrow, WebError};
use crate::random::OsRandom;
use crate::wire::{b64, from_js, parse, to_js, vault_key};

/// A fresh device signature key, before the server has given the device its ID.
///
/// Send `signature_key` in `POST /devices`, then pass this object and the returned ID
/// to `Device.create` (which consumes it).
#[wasm_bindgen]
pub struct DeviceKey {
    key: DeviceSigningKey,
}

#[wasm_bindgen]
impl DeviceKey {
    /// A new random key.
    #[wasm_bindgen(constructor)]
    pub fn generate() -> Result<DeviceKey, JsError> {
        let mut rng = OsRandom::checked()?;
        Ok(Self {
            key: DeviceSigningKey::generate(&mut rng),
        })
    }

    /// The public key, standard base64, for `POST /devices` `{name, signature_key}`.
    #[wasm_bindgen(getter)]
    pub fn signature_key(&self) -> String {
        b64(&self.key.verifying_key().to_bytes())
    }
}

/// This browser's device: its identity, MLS state and channels. Save it with
/// `export_state` after every call that changes it (anything but the getters,
/// `channel`, `channels` and `export_state`).
#[wasm_bindgen]
pub struct Device {
    core: Rc<RefCell<Core>>,
}

/// A channel as `Device.channels()` lists it.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub(crate) struct ChannelListed {
    #[serde(flatten)]
    reference: ChannelRef,
    active: bool,
    last_seq: i64,
}

#[wasm_bindgen]
impl Device {
    /// The device registered as `device_id` (from `POST /devices`) of `user_id`.
    pub fn create(key: DeviceKey, user_id: &str, device_id: &str) -> Result<Device, JsError> {
        let user: UserId = parse("user ID", user_id)?;
        let device: DeviceId = parse("device ID", device_id)?;
        Ok(Self::wrap(Core::new(key.key, user, device)))
    }

    /// A device from what `export_state` gave, opened with the same 32-byte key.
    pub fn import_state(vault_key_bytes: &[u8], sealed: &[u8]) -> Result<Device, JsError> {
        let key = vault_key(vault_key_bytes)?;
        Ok(Self::wrap(Core::import(&key, sealed).or_throw()?))
    }

    /// Everything (signing key, MLS state, channels, log positions, posts waiting for
    /// keys) sealed under a 32-byte key from the UI's vault. Store the bytes as they
    /// are; the key must not be stored beside them.
    pub fn export_state(&self, vault_key_bytes: &[u8]) -> Result<Vec<u8>, JsError> {
        let key = vault_key(vault_key_bytes)?;
        let mut rng = OsRandom::checked()?;
        self.borrow()?.export(&key, &mut rng).or_throw()
    }

    /// The user this device belongs to.
    #[wasm_bindgen(getter)]
    pub fn user_id(&self) -> Result<String, JsError> {
        Ok(self.borrow()?.identity().user().to_string())
    }

    /// This device's ID.
    #[wasm_bindgen(getter)]
    pub fn device_id(&self) -> Result<String, JsError> {
        Ok(self.borrow()?.identity().device().to_string())
    }

    /// The public signature key, base64 (as registered).
    #[wasm_bindgen(getter)]
    pub fn signature_key(&self) -> Result<String, JsError> {
        Ok(b64(&self.borrow()?.identity().signature_public_key()))
    }

    /// `count` one-time key packages, plus one last-resort package if `last_resort`:
    /// `[{id, body, last_resort}]`, the `packages` of `POST /devices/{d}/key-packages`.
    /// Their private keys are in this device's state: save it before uploading.
    #[wasm_bindgen(unchecked_return_type = "KeyPackageUpload[]")]
    pub fn generate_key_packages(&self, count: u32, last_resort: bool) -> Result<JsValue, JsError> {
        OsRandom::checked()?;
        let packages = self.borrow()?.key_packages(count, last_resort).or_throw()?;
        to_js(&packages)
    }

    /// Joins the channels of the welcomes `GET /devices/{d}/welcomes` returned:
    /// `{joined: [{group_id, room, channel}], problems: [{group_id, code, en, ja}]}`.
    /// Welcomes are handed out once: save the state right after.
    #[wasm_bindgen(unchecked_return_type = "JoinReport")]
    pub fn process_welcomes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WelcomeView[]")] welcomes: JsValue,
    ) -> Result<JsValue, JsError> {
        let welcomes: Vec<Welcome> = from_js("welcomes", welcomes)?;
        let report = self.borrow_mut()?.join(&welcomes);
        to_js(&report)
    }

    /// Creates a channel's group with this device as its only member (the room's
    /// owner, once): `{group_id, group_info}`, the body of
    /// `POST /rooms/{room}/channels/{channel}/group`. If the server refuses it, call
    /// `forget_channel`.
    #[wasm_bindgen(unchecked_return_type = "NewGroup")]
    pub fn create_channel(
        &self,
        room_id: &str,
        #[wasm_bindgen(unchecked_param_type = "ChannelName")] channel: &str,
    ) -> Result<JsValue, JsError> {
        let room: RoomId = parse("room ID", room_id)?;
        let channel: ChannelName = parse("channel", channel)?;
        let (group_id, group_info) = self.borrow_mut()?.create_channel(room, channel).or_throw()?;
        to_js(&NewGroup { group_id, group_info })
    }

    /// The channel, if this device has joined or created it.
    pub fn channel(
        &self,
        room_id: &str,
        #[wasm_bindgen(unchecked_param_type = "ChannelName")] channel: &str,
    ) -> Result<Option<Channel>, JsError> {
        let room: RoomId = parse("room ID", room_id)?;
        let channel: ChannelName = parse("channel", channel)?;
        let group = format!("{room}/{}", channel.as_str());
        Ok(self
            .borrow()?
            .channel(&group)
            .is_some()
            .then(|| Channel::new(Rc::clone(&self.core), group)))
    }

    /// Every channel: `[{group_id, room, channel, active, last_seq}]`.
    #[wasm_bindgen(unchecked_return_type = "ChannelListed[]")]
    pub fn channels(&self) -> Result<JsValue, JsError> {
        let list: Vec<ChannelListed> = self
            .borrow()?
            .channel_list()
            .into_iter()
            .map(|(reference, active, last_seq)| ChannelListed {
                reference,
                active,
                last_seq,
            })
            .collect();
        to_js(&list)
    }

    /// Drops a channel this device holds (e.g. the server refused its creation).
    /// Returns whether there was one.
    pub fn forget_channel(
        &self,
        room_id: &str,
        #[wasm_bindgen(unchecked_param_type = "ChannelName")] channel: &str,
    ) -> Result<bool, JsError> {
        let room: RoomId = parse("room ID", room_id)?;
        let channel: ChannelName = parse("channel", channel)?;
        let group = format!("{room}/{}", channel.as_str());
        Ok(self.borrow_mut()?.forget_channel(&group))
    }
}

impl Device {
    fn wrap(core: Core) -> Self {
        Self {
            core: Rc::new(RefCell::new(core)),
        }
    }

    pub(crate) fn borrow(&self) -> Result<std::cell::Ref<'_, Core>, JsError> {
        self.core.try_borrow().map_err(|_| thrown(busy()))
    }

    pub(crate) fn borrow_mut(&self) -> Result<std::cell::RefMut<'_, Core>, JsError> {
        self.core.try_borrow_mut().map_err(|_| thrown(busy()))
    }
}

/// The device is in use by another call (only possible from a callback re-entering).
pub(crate) fn busy() -> WebError {
    WebError::new(
        "busy",
        "The device is busy with another operation: try again.",
        "端末は別の処理中です。もう一度お試しください。",
    )
}
