//! This device: its MLS state and its channels, and one sealed blob for the whole
//! device, so MLS state and channel state are always saved from the same moment
//! (`ChannelState::import` refuses anything else).

use std::collections::BTreeMap;

use kizuna_crypto::channel::ChannelState;
use kizuna_crypto::vault::{open_state, seal_state};
use kizuna_crypto::{DeviceIdentity, DeviceSigningKey, MlsDevice, Random};
use kizuna_proto::{Channel, DeviceId, KeyPackageUpload, LogEntry, RoomId, UserId, Welcome};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::broadcast::RosterBook;
use crate::codec::{b64, hex, unb64};
use crate::error::EngineError;
use crate::events::{ChannelRef, Joined, WelcomeProblem};
use crate::policy::Policy;
use crate::slot::Slot;

/// What the sealed device state is bound to (`vault` label). The browser's saved
/// devices carry it: never change it.
pub(crate) const STATE_LABEL: &[u8] = b"kizuna-web/device-state/v1";
/// Format of the JSON inside the sealed blob.
const STATE_FORMAT: u32 = 1;
/// Most key packages one call makes (a batch the server accepts in one request).
const MAX_KEY_PACKAGES: u32 = 100;

/// This device: its MLS state, its channels by group ID, and the officer rosters it
/// has pinned for regional broadcasts.
pub struct Core {
    pub(crate) mls: MlsDevice,
    /// The channels by group ID.
    pub(crate) channels: BTreeMap<String, Slot>,
    /// The pinned officer rosters, kept in the same sealed state as everything else:
    /// a roster the device forgot would be pinned afresh from whatever the server says.
    pub(crate) rosters: RosterBook,
}

impl Core {
    /// A device registered as `device` of `user` with `key`.
    pub fn new(key: DeviceSigningKey, user: UserId, device: DeviceId) -> Self {
        Self {
            mls: MlsDevice::new(DeviceIdentity::from_signing_key(user, device, key)),
            channels: BTreeMap::new(),
            rosters: RosterBook::new(),
        }
    }

    /// This device's identity (user, device, signature key).
    pub fn identity(&self) -> &DeviceIdentity {
        self.mls.identity()
    }

    /// The MLS device (to create or join channels outside [`Core`]).
    pub fn mls(&self) -> &MlsDevice {
        &self.mls
    }

    /// One channel by group ID.
    pub fn channel(&self, group: &str) -> Option<&Slot> {
        self.channels.get(group)
    }

    /// One channel by group ID, to change.
    pub fn channel_mut(&mut self, group: &str) -> Option<&mut Slot> {
        self.channels.get_mut(group)
    }

    /// Forgets a channel (e.g. after the server refused its creation); whether it
    /// was there.
    pub fn forget_channel(&mut self, group: &str) -> bool {
        self.channels.remove(group).is_some()
    }

    /// `count` one-time key packages, plus one last-resort package if asked.
    pub fn key_packages(&self, count: u32, last_resort: bool) -> Result<Vec<KeyPackageUpload>, EngineError> {
        if count > MAX_KEY_PACKAGES {
            return Err(EngineError::invalid_input(
                "key package count",
                format!("{count} > {MAX_KEY_PACKAGES}"),
            ));
        }
        let mut packages = self.mls.generate_key_packages(count as usize, false)?;
        if last_resort {
            packages.extend(self.mls.generate_key_packages(1, true)?);
        }
        Ok(packages
            .into_iter()
            .map(|p| KeyPackageUpload {
                id: hex(&p.id),
                body: b64(&p.bytes),
                last_resort: p.last_resort,
            })
            .collect())
    }

    /// Joins the channels the welcomes are for. Each welcome is handed out once, so
    /// save the state right after.
    pub fn join(&mut self, welcomes: &[Welcome]) -> Joined {
        let mut report = Joined {
            joined: Vec::new(),
            problems: Vec::new(),
        };
        for welcome in welcomes {
            match self.join_one(welcome) {
                Ok(reference) => report.joined.push(reference),
                Err(error) => report.problems.push(WelcomeProblem {
                    group_id: welcome.group_id.clone(),
                    error,
                }),
            }
        }
        report
    }

    fn join_one(&mut self, welcome: &Welcome) -> Result<ChannelRef, EngineError> {
        let (room, channel) = ChannelState::parse_group_id(welcome.group_id.as_bytes())
            .ok_or_else(|| EngineError::invalid_input("welcome group ID", &welcome.group_id))?;
        let bytes = unb64("welcome", &welcome.welcome)?;
        let state = ChannelState::join(&self.mls, room, channel, &bytes)?;
        let slot = Slot::new(state);
        let reference = slot.reference();
        self.channels.insert(reference.group_id.clone(), slot);
        Ok(reference)
    }

    /// Creates a channel's group with this device as its only member: the group ID
    /// and GroupInfo (base64) for `POST /rooms/{room}/channels/{channel}/group`.
    pub fn create_channel(
        &mut self,
        room: RoomId,
        channel: Channel,
    ) -> Result<(String, String), EngineError> {
        let group = format!("{room}/{}", channel.as_str());
        if self.channels.get(&group).is_some_and(|s| s.state.is_active()) {
            return Err(EngineError::new(
                "channel_exists",
                "This device is already in that channel.",
                "この端末はすでにそのチャンネルに参加しています。",
            ));
        }
        let (state, group_info) = ChannelState::create(&self.mls, room, channel)?;
        let slot = Slot::new(state);
        let group_id = slot.reference().group_id;
        self.channels.insert(group_id.clone(), slot);
        Ok((group_id, b64(&group_info)))
    }

    /// Every channel of this device.
    pub fn channel_list(&self) -> Vec<(ChannelRef, bool, i64)> {
        self.channels
            .values()
            .map(|s| (s.reference(), s.state.is_active(), s.last_seq))
            .collect()
    }

    /// The whole device (signing key, MLS state, every channel with its log position
    /// and waiting posts), sealed under `key` (32 bytes from the UI's vault).
    pub fn export(&self, key: &[u8; 32], rng: &mut dyn Random) -> Result<Vec<u8>, EngineError> {
        let mut channels = Vec::with_capacity(self.channels.len());
        for slot in self.channels.values() {
            channels.push(SavedChannel {
                state: b64(&slot.state.export()?),
                last_seq: slot.last_seq,
                waiting: slot.waiting.clone(),
                pending_policy: slot.pending_policy.map(Policy::from),
            });
        }
        let identity = self.mls.identity();
        let saved = Saved {
            format: STATE_FORMAT,
            user: identity.user(),
            device: identity.device(),
            signing_key: b64(identity.signing_key().to_bytes().as_ref()),
            mls_state: b64(&self.mls.export_state()?),
            channels,
            rosters: self.rosters.clone(),
        };
        let plain = Zeroizing::new(
            serde_json::to_vec(&saved).map_err(|e| EngineError::invalid_input("device state", e))?,
        );
        Ok(seal_state(key, STATE_LABEL, &plain, rng))
    }

    /// A device from [`Core::export`]'s blob and the same key.
    pub fn import(key: &[u8; 32], sealed: &[u8]) -> Result<Self, EngineError> {
        let plain = open_state(key, STATE_LABEL, sealed)?;
        let saved: Saved = serde_json::from_slice(&plain).map_err(|_| state_error("not a device state"))?;
        if saved.format != STATE_FORMAT {
            return Err(state_error("saved by a newer version of Kizuna"));
        }
        let seed = Zeroizing::new(unb64("signing key", &saved.signing_key)?);
        let seed: &[u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| state_error("signing key is not 32 bytes"))?;
        let identity =
            DeviceIdentity::from_signing_key(saved.user, saved.device, DeviceSigningKey::from_bytes(seed));
        let mls_state = Zeroizing::new(unb64("MLS state", &saved.mls_state)?);
        let mls = MlsDevice::import_state(identity, &mls_state)?;
        let mut channels = BTreeMap::new();
        for channel in &saved.channels {
            let bytes = Zeroizing::new(unb64("channel state", &channel.state)?);
            let state = ChannelState::import(&mls, &bytes)?;
            let mut slot = Slot::from_parts(state, channel.last_seq, channel.waiting.clone());
            slot.pending_policy = channel.pending_policy.map(Into::into);
            channels.insert(slot.reference().group_id, slot);
        }
        Ok(Self {
            mls,
            channels,
            rosters: saved.rosters.clone(),
        })
    }
}

fn state_error(why: &'static str) -> EngineError {
    kizuna_crypto::channel::ChannelError::State(why).into()
}

/// The JSON inside the sealed device state. Secrets are wiped when it is dropped.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    format: u32,
    user: UserId,
    device: DeviceId,
    signing_key: String,
    mls_state: String,
    channels: Vec<SavedChannel>,
    /// Absent in states saved before broadcasts existed: nothing pinned then.
    #[serde(default)]
    rosters: RosterBook,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedChannel {
    state: String,
    last_seq: i64,
    waiting: Vec<LogEntry>,
    pending_policy: Option<Policy>,
}

impl Drop for Saved {
    fn drop(&mut self) {
        self.signing_key.zeroize();
        self.mls_state.zeroize();
        for channel in &mut self.channels {
            channel.state.zeroize();
        }
    }
}
