//! The device and its channels, in plain Rust (the `#[wasm_bindgen]` classes in
//! `device.rs` and `channel.rs` only convert arguments and results). Natively tested.
//!
//! What lives here beyond `kizuna_crypto`: the order in which log entries are fed to
//! [`ChannelState::process`] (each once, without gaps, stopping at a commit that cannot
//! be applied), posts waiting for their era key, the history policy of a pending add,
//! and one sealed blob for the whole device, so MLS state and channel state are always
//! saved from the same moment (`ChannelState::import` refuses anything else).

use std::collections::BTreeMap;

use kizuna_crypto::channel::{ChannelEvent, ChannelState, HistoryPolicy, LogKind, PendingCommit};
use kizuna_crypto::content::Thresholds;
use kizuna_crypto::proto::{BlobId, Channel, DeviceId, PostId, RoomId, Timestamp, Urgency, UserId};
use kizuna_crypto::vault::{open_state, seal_state};
use kizuna_crypto::{CommitSummary, DeviceIdentity, DeviceSigningKey, MlsDevice, PostEnvelope, Random};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::error::WebError;
use crate::wire::{b64, hex, unb64, Policy};

/// What the sealed device state is bound to (`vault` label).
const STATE_LABEL: &[u8] = b"kizuna-web/device-state/v1";
/// Format of the JSON inside the sealed blob.
const STATE_FORMAT: u32 = 1;
/// Most posts kept waiting for their era key per channel (the oldest go first), as in
/// the native client.
const MAX_WAITING: usize = 10_000;
/// Most key packages one call makes (a batch the server accepts in one request).
const MAX_KEY_PACKAGES: u32 = 100;

/// One entry of a channel's log as the server sends it (`GET /groups/{g}/messages`,
/// WebSocket frames). Unknown fields are ignored: the server may add some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Position in the log: 1, 2, … without gaps.
    pub seq: i64,
    /// `commit`, `proposal`, `era_key` or `post`.
    pub kind: String,
    /// The device that sent it.
    #[serde(default)]
    pub sender_device: Option<DeviceId>,
    /// The MLS epoch it was made in.
    #[serde(default)]
    pub epoch: i64,
    /// The opaque bytes, base64.
    pub body: String,
    /// When the server stored it.
    pub stored_at: Timestamp,
    /// For a post: the urgency its sender exposed in clear.
    #[serde(default)]
    pub urgency: Option<Urgency>,
}

/// A welcome as `GET /devices/{d}/welcomes` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct Welcome {
    /// The group it lets this device join, `{room}/{channel}`.
    pub group_id: String,
    /// The MLS Welcome, base64.
    pub welcome: String,
}

/// A key package to upload (`POST /devices/{d}/key-packages` takes `{packages: [...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyPackageUpload {
    /// Its hash reference, hex.
    pub id: String,
    /// The key package, base64.
    pub body: String,
    /// Reusable when the one-time packages have run out.
    pub last_resort: bool,
}

/// A key package the server handed out (`POST /users/{u}/key-packages/claim`).
#[derive(Debug, Clone, Deserialize)]
pub struct Claimed {
    /// The device it belongs to.
    pub device_id: DeviceId,
    /// The key package, base64.
    pub key_package: String,
}

/// A person and one of their devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Who {
    /// The person.
    pub user: UserId,
    /// Their device.
    pub device: DeviceId,
}

fn who(list: &[(UserId, DeviceId)]) -> Vec<Who> {
    list.iter().map(|&(user, device)| Who { user, device }).collect()
}

/// A room channel as the device lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelRef {
    /// `{room}/{channel}`.
    pub group_id: String,
    /// The room.
    pub room: RoomId,
    /// `team` or `family`.
    pub channel: Channel,
}

/// A post this device opened and verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceivedPost {
    /// Its position in the channel's log.
    pub seq: i64,
    /// The post's ID.
    pub post_id: PostId,
    /// Who wrote it (authenticated).
    pub author_user: UserId,
    /// The device that signed it.
    pub author_device: DeviceId,
    /// When the author's device sent it.
    pub sent_at: Timestamp,
    /// When the server stored it.
    pub stored_at: Timestamp,
    /// The urgency its sender exposed to the server, if any (the envelope's own
    /// `urgency` is what the author chose).
    pub exposed_urgency: Option<Urgency>,
    /// What it says.
    pub envelope: PostEnvelope,
}

/// What ingesting log entries did, one event per noteworthy entry, in log order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Posts are the common case and are handed to JS at once; boxing them buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// A post passed every check (possibly one that waited for its era key).
    Post(ReceivedPost),
    /// Another member's commit was merged.
    Commit {
        /// Its log position.
        seq: i64,
        /// The epoch before.
        epoch_from: u64,
        /// The epoch now.
        epoch: u64,
        /// Who made it.
        committer: Option<Who>,
        /// Devices added.
        added: Vec<Who>,
        /// Devices removed.
        removed: Vec<Who>,
    },
    /// Era keys arrived.
    Eras {
        /// Its log position.
        seq: i64,
        /// The eras learned.
        eras: Vec<String>,
    },
    /// This device was removed from the channel: it reads nothing more.
    Removed {
        /// Its log position.
        seq: i64,
    },
    /// A post whose era key has not arrived: kept, and opened when the key comes.
    Waiting {
        /// Its log position.
        seq: i64,
    },
    /// An entry that could not be used and was skipped (a refused post, bad bytes).
    Problem {
        /// Its log position.
        seq: i64,
        /// Its kind.
        kind: String,
        /// Why.
        #[serde(flatten)]
        error: WebError,
    },
    /// A commit that cannot be applied: nothing after it was processed. Settle a
    /// pending commit of this device, or fetch from `last_seq` again.
    Stalled {
        /// Its log position.
        seq: i64,
        /// Why.
        #[serde(flatten)]
        error: WebError,
    },
    /// Entries are missing before `next`: fetch from `after` (= `last_seq`) again.
    Gap {
        /// The last position processed.
        after: i64,
        /// The first position given after it.
        next: i64,
    },
}

/// What to send for a commit: `POST /groups/{g}/commits` with
/// `{sender_device, commit, welcome, idempotency_key}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitRequest {
    /// The commit, base64.
    pub commit: String,
    /// The Welcome for the devices added, base64.
    pub welcome: Option<String>,
    /// The epoch the commit is made from.
    pub epoch: u64,
    /// Devices it adds.
    pub added: Vec<Who>,
    /// Devices it removes.
    pub removed: Vec<Who>,
}

/// What [`Slot::commit_accepted`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    /// The epoch now.
    pub epoch: u64,
    /// Devices added.
    pub added: Vec<Who>,
    /// Devices removed.
    pub removed: Vec<Who>,
    /// After an add: the era-key message for the newcomers (history as the policy
    /// allows), to send at once as log kind `era_key`.
    pub era_key: Option<String>,
    /// If the era-key message could not be made (the newcomers then read from the
    /// next post on).
    pub problem: Option<WebError>,
}

/// What to send for a post, in order: `era_key` (if any) as log kind `era_key`, then
/// `post` as log kind `post` with `urgency` and `blobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealedPost {
    /// The post's ID (use it as the idempotency key; `era-{post_id}` for the era key).
    pub post_id: PostId,
    /// The era-key message to send first, base64, if the post starts an era.
    pub era_key: Option<String>,
    /// The sealed post, base64.
    pub post: String,
    /// The MLS epoch to send both with.
    pub epoch: u64,
    /// The urgency to expose in clear (`null` for normal: expose nothing).
    pub urgency: Option<Urgency>,
    /// The blobs the post references (its files, a photo's image and thumbnail).
    pub blobs: Vec<BlobId>,
}

/// A channel member (device) as this device sees the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The person.
    pub user: UserId,
    /// The device.
    pub device: DeviceId,
    /// Its public signature key, base64 (compare with the registered one).
    pub signature_key: String,
}

/// One room channel of this device: the core's state plus how far the log was read.
pub struct Slot {
    pub(crate) state: ChannelState,
    /// The last log position processed.
    pub(crate) last_seq: i64,
    /// Posts waiting for their era key, in log order.
    waiting: Vec<LogEntry>,
    /// The history policy of the pending add, applied once the server accepts it.
    pending_policy: Option<HistoryPolicy>,
}

impl Slot {
    fn new(state: ChannelState) -> Self {
        Self {
            state,
            last_seq: 0,
            waiting: Vec::new(),
            pending_policy: None,
        }
    }

    /// Where this channel is.
    pub fn reference(&self) -> ChannelRef {
        ChannelRef {
            group_id: self.state.group_id(),
            room: self.state.room(),
            channel: self.state.channel(),
        }
    }

    /// How many posts wait for an era key.
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    /// The group's members.
    pub fn members(&self) -> Vec<Member> {
        self.state
            .members()
            .into_iter()
            .map(|m| Member {
                user: m.user,
                device: m.device,
                signature_key: b64(&m.signature_key.to_bytes()),
            })
            .collect()
    }

    /// Forgets the log position, the waiting posts and where posts were seen, to read
    /// the log again from the start: the server was restored from a backup (a new
    /// log generation), so its seqs may now name other entries. What still verifies
    /// is opened again as the entries come back.
    pub fn restart_log(&mut self) {
        self.last_seq = 0;
        self.waiting.clear();
        self.state.restart_log();
    }

    /// Processes log entries in order, each once: entries at or before `last_seq` are
    /// skipped, a jump past `last_seq + 1` stops with [`Event::Gap`], and a commit that
    /// cannot be applied stops with [`Event::Stalled`] (later entries depend on it).
    pub fn ingest(&mut self, entries: &[LogEntry]) -> Vec<Event> {
        let mut events = Vec::new();
        let mut sorted: Vec<&LogEntry> = entries.iter().collect();
        sorted.sort_by_key(|e| e.seq);
        for entry in sorted {
            if entry.seq <= self.last_seq {
                continue;
            }
            if entry.seq != self.last_seq + 1 {
                events.push(Event::Gap {
                    after: self.last_seq,
                    next: entry.seq,
                });
                break;
            }
            if !self.state.is_active() {
                break;
            }
            if !self.ingest_one(entry, &mut events) {
                break;
            }
            self.last_seq = entry.seq;
        }
        events
    }

    /// One entry; false if the log cannot go past it.
    fn ingest_one(&mut self, entry: &LogEntry, events: &mut Vec<Event>) -> bool {
        let kind = match entry.kind.as_str() {
            "commit" => LogKind::Commit,
            "era_key" => LogKind::EraKey,
            "post" => LogKind::Post,
            // Proposals are not used by Kizuna clients; other kinds are newer than us.
            _ => return true,
        };
        let problem = |error: WebError| Event::Problem {
            seq: entry.seq,
            kind: entry.kind.clone(),
            error,
        };
        let body = match unb64("log entry body", &entry.body) {
            Ok(body) => body,
            Err(e) if kind == LogKind::Commit => {
                events.push(Event::Stalled {
                    seq: entry.seq,
                    error: e,
                });
                return false;
            }
            Err(e) => {
                events.push(problem(e));
                return true;
            }
        };
        match self.state.process_at(entry.seq, kind, entry.sender_device, &body) {
            Ok(ChannelEvent::Post(opened, header)) => events.push(Event::Post(ReceivedPost {
                seq: entry.seq,
                post_id: header.post,
                author_user: header.author_user,
                author_device: header.author_device,
                sent_at: header.sent_at,
                stored_at: entry.stored_at,
                exposed_urgency: entry.urgency,
                envelope: opened.envelope,
            })),
            Ok(ChannelEvent::Eras(eras)) => {
                events.push(Event::Eras {
                    seq: entry.seq,
                    eras: eras.iter().map(ToString::to_string).collect(),
                });
                self.retry_waiting(events);
            }
            Ok(ChannelEvent::Commit(summary)) => {
                events.push(commit_event(entry.seq, &summary));
                if summary.removed_self {
                    events.push(Event::Removed { seq: entry.seq });
                }
            }
            Ok(ChannelEvent::Removed) => events.push(Event::Removed { seq: entry.seq }),
            Ok(ChannelEvent::Ignored) => {}
            Err(e) if kind == LogKind::Post && e.is_unknown_era() => {
                self.waiting.push(entry.clone());
                if self.waiting.len() > MAX_WAITING {
                    self.waiting.remove(0);
                }
                events.push(Event::Waiting { seq: entry.seq });
            }
            Err(e) if kind == LogKind::Commit => {
                events.push(Event::Stalled {
                    seq: entry.seq,
                    error: e.into(),
                });
                return false;
            }
            Err(e) => events.push(problem(e.into())),
        }
        true
    }

    /// Tries the posts that waited for an era key again.
    fn retry_waiting(&mut self, events: &mut Vec<Event>) {
        let mut still = Vec::new();
        for entry in std::mem::take(&mut self.waiting) {
            let Ok(body) = unb64("log entry body", &entry.body) else {
                continue;
            };
            match self
                .state
                .process_at(entry.seq, LogKind::Post, entry.sender_device, &body)
            {
                Ok(ChannelEvent::Post(opened, header)) => events.push(Event::Post(ReceivedPost {
                    seq: entry.seq,
                    post_id: header.post,
                    author_user: header.author_user,
                    author_device: header.author_device,
                    sent_at: header.sent_at,
                    stored_at: entry.stored_at,
                    exposed_urgency: entry.urgency,
                    envelope: opened.envelope,
                })),
                Err(e) if e.is_unknown_era() => still.push(entry),
                Ok(_) => {}
                Err(e) => events.push(Event::Problem {
                    seq: entry.seq,
                    kind: entry.kind.clone(),
                    error: e.into(),
                }),
            }
        }
        self.waiting = still;
    }

    /// Seals a post; see [`SealedPost`]. `thresholds` are the client's thresholds in
    /// force (from the team channel's notebook): vitals outside them go out as urgent.
    pub fn seal_post(
        &mut self,
        envelope: &PostEnvelope,
        post: PostId,
        sent_at: Timestamp,
        thresholds: Option<&Thresholds>,
        rng: &mut dyn Random,
    ) -> Result<SealedPost, WebError> {
        let outgoing = self.state.seal_post(envelope, post, sent_at, rng)?;
        Ok(SealedPost {
            post_id: post,
            era_key: outgoing.era_key.as_deref().map(b64),
            post: b64(&outgoing.post),
            epoch: self.state.epoch(),
            urgency: envelope.exposed_urgency(thresholds),
            blobs: envelope.blobs(),
        })
    }

    /// Adds the devices whose key packages the server handed out, in one commit. Each
    /// package must be the claimed device's: a server that swaps packages is caught
    /// here, and nothing changes.
    pub fn add_devices(&mut self, claimed: &[Claimed], policy: Policy) -> Result<CommitRequest, WebError> {
        let packages = claimed
            .iter()
            .map(|c| unb64("key_package", &c.key_package))
            .collect::<Result<Vec<_>, _>>()?;
        let pending = self.state.add_devices(&packages)?;
        let mut named: Vec<DeviceId> = pending.summary.added.iter().map(|(_, d)| *d).collect();
        let mut claimed_devices: Vec<DeviceId> = claimed.iter().map(|c| c.device_id).collect();
        named.sort();
        claimed_devices.sort();
        if named != claimed_devices {
            self.state.commit_rejected()?;
            return Err(WebError::new(
                "key_package_mismatch",
                "A key package the server handed out belongs to another device than claimed: nothing was changed. Please report this.",
                "サーバーから受け取った鍵パッケージが別の端末のものでした。何も変更していません。報告してください。",
            ));
        }
        self.pending_policy = Some(policy.into());
        Ok(commit_request(&pending))
    }

    /// Removes devices in one commit (once accepted, the next post starts a new era).
    pub fn remove_devices(&mut self, devices: &[DeviceId]) -> Result<CommitRequest, WebError> {
        let pending = self.state.remove_devices(devices)?;
        self.pending_policy = None;
        Ok(commit_request(&pending))
    }

    /// The server accepted the pending commit: merges it and, after an add, makes the
    /// era-key message with the history the add's policy allows.
    pub fn commit_accepted(&mut self, now: Timestamp, rng: &mut dyn Random) -> Result<Accepted, WebError> {
        let summary = self.state.commit_accepted()?;
        let policy = self.pending_policy.take();
        let mut accepted = Accepted {
            epoch: summary.epoch,
            added: who(&summary.added),
            removed: who(&summary.removed),
            era_key: None,
            problem: None,
        };
        if let Some(policy) = policy.filter(|_| !summary.added.is_empty()) {
            match self.state.share_eras(policy, now, rng) {
                Ok(message) => accepted.era_key = Some(b64(&message)),
                Err(e) => accepted.problem = Some(e.into()),
            }
        }
        Ok(accepted)
    }

    /// The server refused the pending commit (another won the epoch): drops it. Ingest
    /// the log up to the server's epoch, then decide again.
    pub fn commit_rejected(&mut self) -> Result<(), WebError> {
        self.pending_policy = None;
        Ok(self.state.commit_rejected()?)
    }
}

fn commit_event(seq: i64, summary: &CommitSummary) -> Event {
    Event::Commit {
        seq,
        epoch_from: summary.epoch_from,
        epoch: summary.epoch,
        committer: summary.committer.map(|(user, device)| Who { user, device }),
        added: who(&summary.added),
        removed: who(&summary.removed),
    }
}

fn commit_request(pending: &PendingCommit) -> CommitRequest {
    CommitRequest {
        commit: b64(&pending.commit),
        welcome: pending.welcome.as_deref().map(b64),
        epoch: pending.summary.epoch_from,
        added: who(&pending.summary.added),
        removed: who(&pending.summary.removed),
    }
}

/// What processing welcomes did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Joined {
    /// Channels joined (read their logs from the start: `last_seq` is 0).
    pub joined: Vec<ChannelRef>,
    /// Welcomes that could not be used.
    pub problems: Vec<WelcomeProblem>,
}

/// A welcome that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WelcomeProblem {
    /// The group it named.
    pub group_id: String,
    /// Why.
    #[serde(flatten)]
    pub error: WebError,
}

/// This device: its MLS state and its channels by group ID.
pub struct Core {
    pub(crate) mls: MlsDevice,
    pub(crate) channels: BTreeMap<String, Slot>,
}

impl Core {
    /// A device registered as `device` of `user` with `key`.
    pub fn new(key: DeviceSigningKey, user: UserId, device: DeviceId) -> Self {
        Self {
            mls: MlsDevice::new(DeviceIdentity::from_signing_key(user, device, key)),
            channels: BTreeMap::new(),
        }
    }

    /// `count` one-time key packages, plus one last-resort package if asked.
    pub fn key_packages(&self, count: u32, last_resort: bool) -> Result<Vec<KeyPackageUpload>, WebError> {
        if count > MAX_KEY_PACKAGES {
            return Err(WebError::invalid_input(
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

    fn join_one(&mut self, welcome: &Welcome) -> Result<ChannelRef, WebError> {
        let (room, channel) = ChannelState::parse_group_id(welcome.group_id.as_bytes())
            .ok_or_else(|| WebError::invalid_input("welcome group ID", &welcome.group_id))?;
        let bytes = unb64("welcome", &welcome.welcome)?;
        let state = ChannelState::join(&self.mls, room, channel, &bytes)?;
        let slot = Slot::new(state);
        let reference = slot.reference();
        self.channels.insert(reference.group_id.clone(), slot);
        Ok(reference)
    }

    /// Creates a channel's group with this device as its only member: the group ID
    /// and GroupInfo (base64) for `POST /rooms/{room}/channels/{channel}/group`.
    pub fn create_channel(&mut self, room: RoomId, channel: Channel) -> Result<(String, String), WebError> {
        let group = format!("{room}/{}", channel.as_str());
        if self.channels.get(&group).is_some_and(|s| s.state.is_active()) {
            return Err(WebError::new(
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
    pub fn export(&self, key: &[u8; 32], rng: &mut dyn Random) -> Result<Vec<u8>, WebError> {
        let mut channels = Vec::with_capacity(self.channels.len());
        for slot in self.channels.values() {
            channels.push(SavedChannel {
                state: b64(&slot.state.export()?),
                last_seq: slot.last_seq,
                waiting: slot.waiting.clone(),
                pending_policy: slot.pending_policy.map(policy_of),
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
        };
        let plain = Zeroizing::new(
            serde_json::to_vec(&saved).map_err(|e| WebError::invalid_input("device state", e))?,
        );
        Ok(seal_state(key, STATE_LABEL, &plain, rng))
    }

    /// A device from [`Core::export`]'s blob and the same key.
    pub fn import(key: &[u8; 32], sealed: &[u8]) -> Result<Self, WebError> {
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
            let slot = Slot {
                state,
                last_seq: channel.last_seq,
                waiting: channel.waiting.clone(),
                pending_policy: channel.pending_policy.map(Into::into),
            };
            channels.insert(slot.reference().group_id, slot);
        }
        Ok(Self { mls, channels })
    }
}

fn state_error(why: &'static str) -> WebError {
    kizuna_crypto::channel::ChannelError::State(why).into()
}

fn policy_of(policy: HistoryPolicy) -> Policy {
    match policy {
        HistoryPolicy::Full => Policy::Full,
        HistoryPolicy::FromNow => Policy::FromNow,
        HistoryPolicy::SameAsUser(user) => Policy::SameAsUser(user),
    }
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

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
