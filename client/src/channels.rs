//! Channels: the MLS group of each room channel, driven through
//! [`kizuna_crypto::channel::ChannelState`].
//!
//! * [`Client::open_channel`] creates a channel's group (the room's owner, once).
//! * [`Client::sync`] joins groups from welcomes, then reads every group's log after
//!   the last position processed, in order: commits move the epoch, era-key messages
//!   bring keys, posts are decrypted and verified.
//! * [`Client::reconcile`] (in `reconcile.rs`) makes the group's devices match the
//!   room's members.
//! * [`Client::post`] seals and sends; [`Client::read`] lists what was decrypted.
//!
//! Reading a log is the engine's ([`kizuna_engine::Slot::ingest`]: order, gaps, the
//! stall rule, posts waiting for their era key), as in the browser; this file fetches
//! the pages, keeps what the events say and reports it. Posts whose era key has not
//! arrived yet wait and are retried whenever keys arrive (a new member reads the log
//! from the start and gets the keys after the commit that added it).

use std::time::Duration;

use kizuna_crypto::channel::ChannelState;
use kizuna_crypto::{MemberInfo, PostEnvelope};
use kizuna_engine::{outbox, Event, Slot};
use serde::Serialize;
use serde_json::json;

use crate::api::{b64, segment, unb64};
use crate::error::{ClientError, Result};
use crate::post::{ReceivedPost, RejectedEntry};
use crate::store::GroupMeta;
use crate::wire::{GroupView, LogEntry, LogKind, NewMessage, Stored, WelcomeView};
use crate::{now, Channel, Client, PostId, RoomId};
use kizuna_proto::{BlobId, Urgency};

/// Entries fetched per page of a log.
const PAGE: usize = 500;

/// What a sync brought.
#[derive(Debug, Default, Clone)]
pub struct SyncReport {
    /// Channels this device joined from welcomes.
    pub joined: Vec<(RoomId, Channel)>,
    /// Channels this device lost (removed from the room or the channel).
    pub lost: Vec<(RoomId, Channel)>,
    /// Posts decrypted, in log order per channel.
    pub posts: Vec<ReceivedPost>,
    /// What reconciling changed ([`Client::refresh`] only).
    pub reconciled: Vec<crate::ReconcileReport>,
    /// Entries that could not be used (bad bytes, undecryptable), in words.
    pub problems: Vec<String>,
    /// The server's logs were restored from a backup (a new log generation): every
    /// channel was read again from the start, and posts sent after that backup may
    /// be missing. Tell the person.
    pub restored: bool,
}

impl SyncReport {
    /// What to tell the person when [`SyncReport::restored`] is set, in Japanese and
    /// English.
    pub const RESTORED_NOTICE: &'static str =
        "サーバーがバックアップから復元されました。全チャンネルを最初から読み直しました。\
        復元前の最後の投稿が失われている可能性があります。必要なら投稿者に確認してください。 / \
        The server was restored from a backup: every channel was read again from the start. \
        The last posts before the restore may be lost; check with their authors if needed.";
}

/// A channel's group ID, by the client convention `"{room}/{channel}"`.
pub(crate) fn group_id(room: RoomId, channel: Channel) -> String {
    format!("{room}/{channel}")
}

/// What the engine's send rule ([`outbox::decide`]) says after `attempt` failures of
/// one request, the last one `e`; `None` for a failure that is not an answer or a
/// lost connection (a local error: report it).
pub(crate) fn send_decision(e: &ClientError, attempt: u32) -> Option<outbox::Decision> {
    Some(match e {
        ClientError::Network(_) => outbox::decide(None, None, attempt),
        other => outbox::decide(Some(other.status()?), Some(other.code()), attempt),
    })
}

/// How long to wait before sending the same request again, if the engine's send
/// rule says to retry at once; `None` to report the error.
fn quick_retry(e: &ClientError, attempt: u32) -> Option<Duration> {
    let decision = send_decision(e, attempt)?;
    decision
        .retry_now()
        .then(|| Duration::from_millis(decision.delay_ms.unwrap_or(0)))
}

impl Client {
    /// The channels this device has a group for: room, channel, and whether it is
    /// still a member.
    pub fn channels(&self) -> Vec<(RoomId, Channel, bool)> {
        self.public
            .groups
            .values()
            .map(|g| (g.room, g.channel, g.active))
            .collect()
    }

    /// The channel's current MLS epoch as this device sees it.
    pub fn epoch(&self, room: RoomId, channel: Channel) -> Option<u64> {
        self.channels
            .get(&group_id(room, channel))
            .map(ChannelState::epoch)
    }

    /// The channel's epoch as the server has it (commits accepted so far), or `None`
    /// if the channel has no group yet.
    pub async fn server_epoch(&self, room: RoomId, channel: Channel) -> Result<Option<u64>> {
        self.require_session()?;
        let path = format!("/rooms/{}/channels/{channel}/group", segment(&room.to_string()));
        match self.api.get::<GroupView>(&path).await {
            Ok(view) => Ok(u64::try_from(view.epoch).ok()),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The channel's MLS members (devices) as this device sees them.
    pub fn channel_members(&self, room: RoomId, channel: Channel) -> Vec<MemberInfo> {
        self.channels
            .get(&group_id(room, channel))
            .map(ChannelState::members)
            .unwrap_or_default()
    }

    /// The posts of a channel this device has decrypted so far, in log order (run
    /// [`Client::sync`] first for the latest).
    pub fn read(&self, room: RoomId, channel: Channel) -> &[ReceivedPost] {
        self.secrets
            .posts
            .get(&group_id(room, channel))
            .map_or(&[], Vec::as_slice)
    }

    /// The entries of a channel this device refused to show (altered, replayed,
    /// forged), in log order: what [`Client::read`] leaves out, to tell the person.
    pub fn rejected(&self, room: RoomId, channel: Channel) -> &[RejectedEntry] {
        self.secrets
            .rejected
            .get(&group_id(room, channel))
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn group_of(&self, room: RoomId, channel: Channel) -> Option<String> {
        let id = group_id(room, channel);
        self.channels.contains_key(&id).then_some(id)
    }

    /// Fails with [`ClientError::NoChannelAccess`] when the person may not use this
    /// channel of the room (or is not in the room), so that an empty channel is never
    /// confused with one they cannot see. A channel they may use but have not been
    /// added to yet is fine (a member adds this device at their next sync).
    pub async fn check_access(&self, room: RoomId, channel: Channel) -> Result<()> {
        if self.active_group(room, channel).is_ok() {
            return Ok(());
        }
        let rooms = self.rooms().await?;
        let allowed = rooms
            .iter()
            .find(|r| r.id == room)
            .is_some_and(|r| match channel {
                Channel::Team => r.team_access,
                Channel::Family => r.family_access,
            });
        if allowed {
            Ok(())
        } else {
            Err(ClientError::NoChannelAccess { room, channel })
        }
    }

    pub(crate) fn active_group(&self, room: RoomId, channel: Channel) -> Result<String> {
        self.group_of(room, channel)
            .filter(|id| self.public.groups.get(id).is_some_and(|g| g.active))
            .ok_or(ClientError::NotInChannel { room, channel })
    }

    /// Creates the channel's MLS group with this device as its only member and
    /// registers it with the server, if the server has none yet (only the room's
    /// owner may). Returns whether it created one; `false` when the group exists
    /// (this device then joins through a welcome once a member adds it).
    pub async fn open_channel(&mut self, room: RoomId, channel: Channel) -> Result<bool> {
        self.require_session()?;
        if self.group_of(room, channel).is_some() {
            return Ok(false);
        }
        let path = format!("/rooms/{}/channels/{channel}/group", segment(&room.to_string()));
        match self.api.get::<GroupView>(&path).await {
            Ok(_) => return Ok(false),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let (state, group_info) = ChannelState::create(self.device()?, room, channel)?;
        let id = state.group_id();
        let created: GroupView = self
            .api
            .post(&path, &json!({ "group_id": id, "group_info": b64(&group_info) }))
            .await?;
        if created.group_id != id {
            return Err(ClientError::Protocol(format!(
                "asked for group {id}, the server registered {}",
                created.group_id
            )));
        }
        self.public.groups.insert(
            id.clone(),
            GroupMeta {
                room,
                channel,
                last_seq: 0,
                active: true,
            },
        );
        self.channels.insert(id, state);
        self.save()?;
        Ok(true)
    }

    /// Joins the groups this device was added to, then reads every group's log after
    /// the last position processed. Saves after each step.
    pub async fn sync(&mut self) -> Result<SyncReport> {
        self.require_session()?;
        let mut report = SyncReport::default();
        self.fetch_welcomes(&mut report).await?;
        let groups: Vec<String> = self
            .public
            .groups
            .iter()
            .filter(|(_, g)| g.active)
            .map(|(id, _)| id.clone())
            .collect();
        for id in groups {
            self.sync_group(&id, &mut report).await?;
        }
        self.top_up_key_packages().await?;
        Ok(report)
    }

    /// [`Client::sync`], then [`Client::reconcile`] every channel this device is in,
    /// so members who joined since get in and those who left get out. A channel this
    /// device may not change is reported in `problems`, not as an error.
    pub async fn refresh(&mut self) -> Result<SyncReport> {
        let mut report = self.sync().await?;
        let active: Vec<(RoomId, Channel)> = self
            .public
            .groups
            .values()
            .filter(|g| g.active)
            .map(|g| (g.room, g.channel))
            .collect();
        for (room, channel) in active {
            match self.reconcile(room, channel).await {
                Ok(done) => report.reconciled.push(done),
                Err(e @ (ClientError::Server { .. } | ClientError::NotInChannel { .. })) => {
                    report.problems.push(format!("reconcile {room}/{channel}: {e}"));
                }
                Err(e) => return Err(e),
            }
        }
        // Members who joined since may hold only the family channel's newest era.
        if let Err(e) = self.reseal_room_states().await {
            report.problems.push(format!("room names: {e}"));
        }
        let more = self.sync().await?;
        report.posts.extend(more.posts);
        report.joined.extend(more.joined);
        report.lost.extend(more.lost);
        report.problems.extend(more.problems);
        report.restored |= more.restored;
        Ok(report)
    }

    /// Joins every group a welcome waits for (each is handed out once, so the state
    /// is saved right after).
    pub(crate) async fn fetch_welcomes(&mut self, report: &mut SyncReport) -> Result<()> {
        let device = self.device_id_or_err()?;
        let welcomes: Vec<WelcomeView> = self
            .api
            .get(&format!("/devices/{}/welcomes", segment(&device.to_string())))
            .await?;
        if welcomes.is_empty() {
            return Ok(());
        }
        for welcome in welcomes {
            match self.join(&welcome) {
                Ok((room, channel)) => report.joined.push((room, channel)),
                Err(e) => report
                    .problems
                    .push(format!("welcome for {}: {e}", welcome.group_id)),
            }
        }
        self.save()
    }

    fn join(&mut self, welcome: &WelcomeView) -> Result<(RoomId, Channel)> {
        let (room, channel) = ChannelState::parse_group_id(welcome.group_id.as_bytes()).ok_or_else(|| {
            ClientError::Protocol(format!("group ID {:?} names no room channel", welcome.group_id))
        })?;
        let bytes = unb64("welcome", &welcome.welcome)?;
        let state = ChannelState::join(self.device()?, room, channel, &bytes)?;
        let id = state.group_id();
        if id != welcome.group_id {
            return Err(ClientError::Protocol(format!(
                "welcome for {} joined group {id}",
                welcome.group_id
            )));
        }
        self.secrets.key_packages_left = self.secrets.key_packages_left.saturating_sub(1);
        // Read the whole log again: history posts become readable once the era keys
        // the adder shares arrive. Posts already decrypted are kept (and not repeated).
        self.public.groups.insert(
            id.clone(),
            GroupMeta {
                room,
                channel,
                last_seq: 0,
                active: true,
            },
        );
        self.channels.insert(id, state);
        Ok((room, channel))
    }

    /// Reads one group's log after the last position processed.
    pub(crate) async fn sync_group(&mut self, id: &str, report: &mut SyncReport) -> Result<()> {
        loop {
            let Some(meta) = self.public.groups.get(id).filter(|g| g.active) else {
                return Ok(());
            };
            let (after, room, channel) = (meta.last_seq, meta.room, meta.channel);
            let path = format!("/groups/{}/messages?after={after}&limit={PAGE}", segment(id));
            let page: Vec<LogEntry> = match self
                .api
                .get_with_header(&path, kizuna_proto::LOG_GENERATION_HEADER)
                .await
            {
                Ok((_, generation)) if self.observe_generation(generation.as_deref(), report) => {
                    // Positions of the old log mean nothing now: read again from 0.
                    continue;
                }
                Ok((page, _)) => page,
                Err(e) if e.is_not_found() => {
                    // Removed from the room or the channel: the log is gone for us.
                    if let Some(meta) = self.public.groups.get_mut(id) {
                        meta.active = false;
                    }
                    report.lost.push((room, channel));
                    return self.save();
                }
                Err(e) => return Err(e),
            };
            let full = page.len() >= PAGE;
            let stopped = self.process_entries(id, &page, report);
            self.save()?;
            if stopped || !full {
                return Ok(());
            }
        }
    }

    /// Compares the server's log generation with the stored one. A different one
    /// means the server's database was restored from a backup, and a seq this device
    /// saw may now be another entry: every channel is read again from the start
    /// (what still verifies is kept; decrypted copies, waiting and rejected entries
    /// are rebuilt from the log) and the report says so. Returns whether it changed.
    pub(crate) fn observe_generation(&mut self, generation: Option<&str>, report: &mut SyncReport) -> bool {
        let Some(generation) = generation else {
            return false;
        };
        let changed = match self.public.log_generation.as_deref() {
            Some(known) => known != generation,
            None => false,
        };
        self.public.log_generation = Some(generation.to_owned());
        if !changed {
            return false;
        }
        for (id, meta) in &mut self.public.groups {
            meta.last_seq = 0;
            if let Some(state) = self.channels.get_mut(id) {
                state.restart_log();
            }
            self.secrets.posts.remove(id);
            self.secrets.waiting.remove(id);
            self.secrets.rejected.remove(id);
        }
        report.restored = true;
        true
    }

    /// Processes log entries of a channel that were obtained some other way than
    /// from this client's own fetches (a relay, a backup, another member's copy),
    /// exactly as if they had come from the server: in order, each once.
    pub fn ingest(&mut self, room: RoomId, channel: Channel, entries: &[LogEntry]) -> Result<SyncReport> {
        let id = self
            .group_of(room, channel)
            .ok_or(ClientError::NotInChannel { room, channel })?;
        let mut report = SyncReport::default();
        self.process_entries(&id, entries, &mut report);
        self.save()?;
        Ok(report)
    }

    /// Processes one entry that arrived live.
    pub(crate) fn ingest_one(&mut self, id: &str, entry: &LogEntry, report: &mut SyncReport) {
        self.process_entries(id, std::slice::from_ref(entry), report);
    }

    /// Processes entries through the engine, each once and in order, advancing the
    /// group's position. Returns true if it had to stop: at a commit it could not
    /// apply (later entries depend on it) or at a gap (fetch again).
    fn process_entries(&mut self, id: &str, entries: &[LogEntry], report: &mut SyncReport) -> bool {
        let Some(meta) = self.public.groups.get(id).cloned() else {
            return true;
        };
        let Some(state) = self.channels.remove(id) else {
            return true;
        };
        let waiting = self.secrets.waiting.remove(id).unwrap_or_default();
        let mut slot = Slot::from_parts(state, meta.last_seq, waiting);
        let events = slot.ingest(entries);
        let (state, last_seq, waiting) = slot.into_parts();
        self.channels.insert(id.to_owned(), state);
        if !waiting.is_empty() {
            self.secrets.waiting.insert(id.to_owned(), waiting);
        }
        if let Some(meta) = self.public.groups.get_mut(id) {
            meta.last_seq = last_seq;
        }
        let mut stopped = false;
        for event in events {
            match event {
                Event::Post(p) => {
                    let post = ReceivedPost {
                        room: meta.room,
                        channel: meta.channel,
                        seq: p.seq,
                        post: p.post_id,
                        author_user: p.author_user,
                        author_device: p.author_device,
                        sent_at: p.sent_at,
                        stored_at: p.stored_at,
                        envelope: p.envelope,
                    };
                    self.remember(id, post, report);
                }
                Event::Removed { .. } => self.lose(id, report),
                // Bytes that are not even base64: reported, not kept as a refused post.
                Event::Problem {
                    seq, error, detail, ..
                } if error.code == "invalid_input" => {
                    report.problems.push(format!("{id} #{seq}: {detail}"));
                }
                Event::Problem {
                    seq, kind, detail, ..
                } => self.reject(id, seq, &kind, detail, report),
                Event::Stalled { seq, detail, .. } => {
                    report
                        .problems
                        .push(format!("{id} #{seq}: commit cannot be applied: {detail}"));
                    stopped = true;
                }
                Event::Gap { after, next } => {
                    report.problems.push(format!(
                        "{id}: entries after #{after} are missing (the next given is #{next}); sync again"
                    ));
                    stopped = true;
                }
                Event::Commit { .. } | Event::Eras { .. } | Event::Waiting { .. } => {}
            }
        }
        stopped
    }

    /// Reports an entry that cannot be shown (tampered, replayed, forged) and keeps
    /// the record, so reading the channel says so too.
    fn reject(&mut self, id: &str, seq: i64, kind: &str, reason: String, report: &mut SyncReport) {
        report.problems.push(format!("{id} #{seq} ({kind}): {reason}"));
        let rejected = self.secrets.rejected.entry(id.to_owned()).or_default();
        if let Err(at) = rejected.binary_search_by_key(&seq, |r| r.seq) {
            rejected.insert(
                at,
                RejectedEntry {
                    seq,
                    kind: kind.to_owned(),
                    reason,
                },
            );
        }
    }

    fn lose(&mut self, id: &str, report: &mut SyncReport) {
        if let Some(meta) = self.public.groups.get_mut(id) {
            if meta.active {
                meta.active = false;
                report.lost.push((meta.room, meta.channel));
            }
        }
    }

    /// Keeps a decrypted post (once per log position) and reports it as new.
    fn remember(&mut self, id: &str, post: ReceivedPost, report: &mut SyncReport) {
        let posts = self.secrets.posts.entry(id.to_owned()).or_default();
        if let Err(at) = posts.binary_search_by_key(&post.seq, |p| p.seq) {
            posts.insert(at, post.clone());
            report.posts.push(post);
        }
    }

    /// Appends one message to a group's log: its position.
    pub(crate) async fn send_message(
        &mut self,
        id: &str,
        kind: LogKind,
        epoch: u64,
        body: &[u8],
        idempotency_key: Option<String>,
    ) -> Result<i64> {
        let message = NewMessage {
            kind,
            sender_device: self.device_id_or_err()?,
            epoch: wire_epoch(epoch),
            body: b64(body),
            idempotency_key,
            urgency: None,
            blobs: Vec::new(),
        };
        let path = format!("/groups/{}/messages", segment(id));
        let stored: Stored = self.send_retrying(&path, &message).await?;
        Ok(stored.seq)
    }

    pub(crate) async fn send_retrying<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.api.post(path, body).await {
                Err(e) => match quick_retry(&e, attempt) {
                    Some(delay) => tokio::time::sleep(delay).await,
                    None => return Err(e),
                },
                ok => return ok,
            }
        }
    }

    /// Seals `envelope` as a new post in the channel and sends it: first the new era
    /// key if sealing started an era, then the post (with its post ID as idempotency
    /// key, so a retried send is stored once). Catches up with the channel first so
    /// the post goes under the current era. Returns the post's log position.
    pub async fn post(&mut self, room: RoomId, channel: Channel, envelope: &PostEnvelope) -> Result<i64> {
        self.post_with(room, channel, envelope, None, &[]).await
    }

    /// [`post`](Self::post), exposing `urgency` in clear (for notifications that say
    /// "urgent" and nothing else) and naming the uploaded `blobs` the post references
    /// (so the server keeps them and lets the channel fetch them).
    pub async fn post_with(
        &mut self,
        room: RoomId,
        channel: Channel,
        envelope: &PostEnvelope,
        urgency: Option<Urgency>,
        blobs: &[BlobId],
    ) -> Result<i64> {
        self.require_session()?;
        let id = self.active_group(room, channel)?;
        let mut synced = SyncReport::default();
        self.sync_group(&id, &mut synced).await?;
        let id = self.active_group(room, channel)?;
        let (me, my_device) = (
            self.public.user_id.ok_or(ClientError::NotSignedIn)?,
            self.device_id_or_err()?,
        );
        let post_id = PostId::from_uuid(uuid::Uuid::new_v4());
        let sent_at = now();
        let mut rng = self.rng;
        let Some(state) = self.channels.get_mut(&id) else {
            return Err(ClientError::NotInChannel { room, channel });
        };
        let outgoing = state.seal_post(envelope, post_id, sent_at, &mut rng)?;
        let epoch = state.epoch();
        self.save()?;
        if let Some(era_key) = &outgoing.era_key {
            self.send_message(
                &id,
                LogKind::EraKey,
                epoch,
                era_key,
                Some(format!("era-{post_id}")),
            )
            .await?;
        }
        let message = NewMessage {
            kind: LogKind::Post,
            sender_device: my_device,
            epoch: wire_epoch(epoch),
            body: b64(&outgoing.post),
            idempotency_key: Some(post_id.to_string()),
            urgency,
            blobs: blobs.to_vec(),
        };
        let path = format!("/groups/{}/messages", segment(&id));
        let stored: Stored = self.send_retrying(&path, &message).await?;
        let seq = stored.seq;
        let post = ReceivedPost {
            room,
            channel,
            seq,
            post: post_id,
            author_user: me,
            author_device: my_device,
            sent_at,
            stored_at: sent_at,
            envelope: envelope.clone(),
        };
        self.remember(&id, post, &mut synced);
        self.save()?;
        Ok(seq)
    }
}

/// An MLS epoch as the server's JSON carries it (a signed 64-bit number).
fn wire_epoch(epoch: u64) -> i64 {
    i64::try_from(epoch).unwrap_or(i64::MAX)
}

/// The engine's conformance suite through this shell (a child module, so it can set a
/// device up and join without a server).
#[cfg(test)]
#[path = "conformance_tests.rs"]
mod conformance_tests;
