//! What the engine hands out: events from ingesting a log, requests to send, and
//! the results of membership changes. Every type serialises to the JSON the browser
//! UI reads (the TypeScript types in client-web name the same fields).

use kizuna_crypto::channel::PendingCommit;
use kizuna_crypto::proto::{BlobId, Channel, DeviceId, PostId, RoomId, Timestamp, Urgency, UserId};
use kizuna_crypto::{CommitSummary, PostEnvelope};
use serde::Serialize;

use crate::codec::b64;
use crate::error::EngineError;

/// A person and one of their devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Who {
    /// The person.
    pub user: UserId,
    /// Their device.
    pub device: DeviceId,
}

pub(crate) fn who(list: &[(UserId, DeviceId)]) -> Vec<Who> {
    list.iter().map(|&(user, device)| Who { user, device }).collect()
}

/// A room channel as the device lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
// In TypeScript `ReceivedPost` is the `post` event, these fields plus `type: "post"`
// (client-web/src/types.rs).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ReceivedPostFields"))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ChannelEvent"))]
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
        error: EngineError,
        /// The cause in the crypto core's words, as the native client reports it
        /// (not sent to the page, which shows `error`).
        #[serde(skip)]
        detail: String,
    },
    /// A commit that cannot be applied: nothing after it was processed. Settle a
    /// pending commit of this device, or fetch from `last_seq` again.
    Stalled {
        /// Its log position.
        seq: i64,
        /// Why.
        #[serde(flatten)]
        error: EngineError,
        /// The cause in the crypto core's words (not sent to the page).
        #[serde(skip)]
        detail: String,
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// What [`crate::Slot::commit_accepted`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    pub problem: Option<EngineError>,
}

/// What to send for a post, in order: `era_key` (if any) as log kind `era_key`, then
/// `post` as log kind `post` with `urgency` and `blobs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ChannelMember"))]
pub struct Member {
    /// The person.
    pub user: UserId,
    /// The device.
    pub device: DeviceId,
    /// Its public signature key, base64 (compare with the registered one).
    pub signature_key: String,
}

pub(crate) fn commit_event(seq: i64, summary: &CommitSummary) -> Event {
    Event::Commit {
        seq,
        epoch_from: summary.epoch_from,
        epoch: summary.epoch,
        committer: summary.committer.map(|(user, device)| Who { user, device }),
        added: who(&summary.added),
        removed: who(&summary.removed),
    }
}

pub(crate) fn commit_request(pending: &PendingCommit) -> CommitRequest {
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
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "JoinReport"))]
pub struct Joined {
    /// Channels joined (read their logs from the start: `last_seq` is 0).
    pub joined: Vec<ChannelRef>,
    /// Welcomes that could not be used.
    pub problems: Vec<WelcomeProblem>,
}

/// A welcome that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WelcomeProblem {
    /// The group it named.
    pub group_id: String,
    /// Why.
    #[serde(flatten)]
    pub error: EngineError,
}
