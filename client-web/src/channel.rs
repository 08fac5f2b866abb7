//! `Channel`: the JS class for one room channel of the device. A handle: the state
//! lives in the `Device` (so one `export_state` saves everything at one moment);
//! handles of a forgotten channel answer `unknown_channel`.

use std::cell::RefCell;
use std::rc::Rc;

use kizuna_crypto::proto::{ClaimedKeyPackage, DeviceId, LogEntry, PostId, RoomMember, Timestamp};
use kizuna_crypto::PostEnvelope;
use kizuna_engine::care::parse_thresholds;
use kizuna_engine::{Core, Member, Policy, Slot};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::device::busy;
use crate::error::{thrown, OrThrow, WebError};
use crate::random::OsRandom;
use crate::wire::{from_js, from_json, parse, to_js};

/// One room channel of this device.
#[wasm_bindgen]
pub struct Channel {
    core: Rc<RefCell<Core>>,
    group: String,
}

/// `Channel.info()`.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ChannelInfo"))]
pub(crate) struct Info {
    group_id: String,
    #[cfg_attr(feature = "ts", ts(as = "kizuna_crypto::proto::RoomId"))]
    room: String,
    #[cfg_attr(feature = "ts", ts(as = "kizuna_crypto::proto::Channel"))]
    channel: &'static str,
    epoch: u64,
    active: bool,
    pending_commit: bool,
    last_seq: i64,
    waiting: usize,
    current_era: Option<String>,
    members: Vec<Member>,
}

#[wasm_bindgen]
impl Channel {
    /// `{room}/{channel}`, the group's ID in the server's paths.
    #[wasm_bindgen(getter)]
    pub fn group_id(&self) -> String {
        self.group.clone()
    }

    /// The last log position processed: fetch (or subscribe) after it.
    #[wasm_bindgen(getter)]
    pub fn last_seq(&self) -> Result<f64, JsError> {
        // Log positions stay far below 2^53.
        self.with(|slot| Ok(slot.last_seq() as f64))
    }

    /// `{group_id, room, channel, epoch, active, pending_commit, last_seq, waiting,
    /// current_era, members: [{user, device, signature_key}]}`.
    #[wasm_bindgen(unchecked_return_type = "ChannelInfo")]
    pub fn info(&self) -> Result<JsValue, JsError> {
        let info = self.with(|slot| {
            let reference = slot.reference();
            Ok(Info {
                group_id: reference.group_id,
                room: reference.room.to_string(),
                channel: reference.channel.as_str(),
                epoch: slot.state().epoch(),
                active: slot.state().is_active(),
                pending_commit: slot.state().has_pending_commit(),
                last_seq: slot.last_seq(),
                waiting: slot.waiting(),
                current_era: slot.state().current_era().map(|e| e.to_string()),
                members: slot.members(),
            })
        })?;
        to_js(&info)
    }

    /// Reads the log again from the start: call it for every channel when the server's
    /// log generation (the `Kizuna-Log-Generation` header of a page, `log_generation`
    /// of the WebSocket hello) differs from the one stored (the server was restored
    /// from a backup), drop the posts kept for the channel, then fetch from 0. Save
    /// the device afterwards.
    pub fn restart_log(&self) -> Result<(), JsError> {
        self.with(|slot| {
            slot.restart_log();
            Ok(())
        })
    }

    /// Processes log entries (`[{seq, kind, sender_device, epoch, body, stored_at,
    /// urgency?}]` as the server sends them), each once and in order. Returns the
    /// events (`post`, `commit`, `eras`, `removed`, `waiting`, `problem`, `stalled`,
    /// `gap`); see the README. Save the device afterwards.
    #[wasm_bindgen(unchecked_return_type = "ChannelEvent[]")]
    pub fn ingest(
        &self,
        #[wasm_bindgen(unchecked_param_type = "LogEntry[]")] entries: JsValue,
    ) -> Result<JsValue, JsError> {
        let entries: Vec<LogEntry> = from_js("log entries", entries)?;
        let events = self.with(|slot| Ok(slot.ingest(&entries)))?;
        to_js(&events)
    }

    /// Seals a post (`envelope_json` as `validate_envelope` accepts it) with the ID the
    /// UI chose (`post_id`, also the idempotency key) at `sent_at` (ms since the epoch).
    /// `thresholds_json`: the client's thresholds in force (vitals outside them go out
    /// as urgent). Returns `{post_id, era_key, post, epoch, urgency, blobs}`: send
    /// `era_key` (if not null) first, then `post`, in order, once each. Save first.
    #[wasm_bindgen(unchecked_return_type = "SealedPost")]
    pub fn seal_post(
        &self,
        envelope_json: &str,
        post_id: &str,
        sent_at: f64,
        thresholds_json: Option<String>,
    ) -> Result<JsValue, JsError> {
        let envelope: PostEnvelope = from_json("post", envelope_json)?;
        let post: PostId = parse("post ID", post_id)?;
        let sent_at = timestamp(sent_at)?;
        let thresholds = thresholds_json
            .as_deref()
            .map(parse_thresholds)
            .transpose()
            .or_throw()?;
        let mut rng = OsRandom::checked()?;
        let sealed =
            self.with(|slot| slot.seal_post(&envelope, post, sent_at, thresholds.as_ref(), &mut rng))?;
        to_js(&sealed)
    }

    /// What to change so the group matches the room (`GET /rooms/{room}/members`):
    /// `{remove: [device], add: [{policy, users, devices}]}`. Do `remove` first (if
    /// any), else the first `add` class whose devices have key packages.
    #[wasm_bindgen(unchecked_return_type = "ReconcilePlan")]
    pub fn plan_reconcile(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RoomMember[]")] members: JsValue,
    ) -> Result<JsValue, JsError> {
        let members: Vec<RoomMember> = from_js("room members", members)?;
        let plan = {
            let core = self.core.try_borrow().map_err(|_| thrown(busy()))?;
            let identity = core.identity();
            let (me, my_user) = (identity.device(), identity.user());
            let slot = core
                .channel(&self.group)
                .ok_or_else(|| thrown(WebError::unknown_channel(&self.group)))?;
            slot.plan(&members, my_user, me)
        };
        to_js(&plan)
    }

    /// Adds devices from the key packages the server handed out (`[{device_id,
    /// key_package}]`, only those of the planned devices) with a history `policy`
    /// (`"full"`, `"from_now"` or `{same_as_user: id}`). Returns `{commit, welcome,
    /// epoch, added, removed}` for `POST /groups/{g}/commits`; then report the
    /// answer with `commit_accepted` or `commit_rejected`.
    #[wasm_bindgen(unchecked_return_type = "CommitRequest")]
    pub fn add_devices(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ClaimedKeyPackage[]")] claimed: JsValue,
        #[wasm_bindgen(unchecked_param_type = "HistoryPolicy")] policy: JsValue,
    ) -> Result<JsValue, JsError> {
        let claimed: Vec<ClaimedKeyPackage> = from_js("claimed key packages", claimed)?;
        let policy: Policy = from_js("history policy", policy)?;
        let request = self.with(|slot| slot.add_devices(&claimed, policy))?;
        to_js(&request)
    }

    /// Removes devices (IDs) in one commit; answer as for `add_devices`.
    #[wasm_bindgen(unchecked_return_type = "CommitRequest")]
    pub fn remove_devices(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] devices: JsValue,
    ) -> Result<JsValue, JsError> {
        let devices: Vec<DeviceId> = from_js("device IDs", devices)?;
        let request = self.with(|slot| slot.remove_devices(&devices))?;
        to_js(&request)
    }

    /// The server accepted the pending commit (`now`: ms since the epoch). Returns
    /// `{epoch, added, removed, era_key, problem}`: after an add, send `era_key` at
    /// once as log kind `era_key` (the newcomers' keys and history). Save first.
    #[wasm_bindgen(unchecked_return_type = "Accepted")]
    pub fn commit_accepted(&self, now: f64) -> Result<JsValue, JsError> {
        let now = timestamp(now)?;
        let mut rng = OsRandom::checked()?;
        let accepted = self.with(|slot| slot.commit_accepted(now, &mut rng))?;
        to_js(&accepted)
    }

    /// The server refused the pending commit (`409 wrong_epoch`): drops it. Ingest the
    /// log up to the server's epoch, then plan again.
    pub fn commit_rejected(&self) -> Result<(), JsError> {
        self.with(Slot::commit_rejected)
    }
}

impl Channel {
    pub(crate) fn new(core: Rc<RefCell<Core>>, group: String) -> Self {
        Self { core, group }
    }

    /// Runs `f` on this channel's slot; its error, or a missing channel, is thrown.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Slot) -> Result<T, WebError>) -> Result<T, JsError> {
        let mut core = self.core.try_borrow_mut().map_err(|_| thrown(busy()))?;
        let slot = core
            .channel_mut(&self.group)
            .ok_or_else(|| thrown(WebError::unknown_channel(&self.group)))?;
        f(slot).or_throw()
    }
}

/// Milliseconds since the Unix epoch from JS (`Date.now()`).
pub(crate) fn timestamp(ms: f64) -> Result<Timestamp, JsError> {
    if !(0.0..=9_007_199_254_740_991.0).contains(&ms) || ms.fract() != 0.0 {
        return Err(thrown(WebError::invalid_input(
            "time",
            format!("{ms} is not whole milliseconds since 1970"),
        )));
    }
    Ok(Timestamp(ms as i64))
}
