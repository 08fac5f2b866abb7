//! Posts as the client hands them out: decrypted, verified, with where and when.

use kizuna_crypto::PostEnvelope;
use kizuna_proto::{Channel, DeviceId, PostId, RoomId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// A post this device decrypted and verified. The envelope's `Debug` hides the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedPost {
    /// The room.
    pub room: RoomId,
    /// The channel.
    pub channel: Channel,
    /// Its position in the channel's log.
    pub seq: i64,
    /// The post's ID (chosen by its author's client).
    pub post: PostId,
    /// Who wrote it.
    pub author_user: UserId,
    /// The device that signed it.
    pub author_device: DeviceId,
    /// When the author's device sent it (the author's clock).
    pub sent_at: Timestamp,
    /// When the server stored it (the server's clock).
    pub stored_at: Timestamp,
    /// What it says.
    pub envelope: PostEnvelope,
}

/// A log entry this device refused to show: altered, replayed, forged or otherwise
/// not a genuine post of the channel. Kept so that reading the channel says so every
/// time, not only at the sync that met it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedEntry {
    /// Its position in the channel's log.
    pub seq: i64,
    /// The log's kind (`post`, `era_key`, …).
    pub kind: String,
    /// Why, in words (English, then Japanese where the client has it).
    pub reason: String,
}
