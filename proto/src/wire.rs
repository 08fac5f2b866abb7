//! The JSON of the delivery endpoints (devices' key packages, channel groups, their
//! logs, welcomes, room members), defined once for the server and both clients.
//!
//! Field names and serde attributes are the wire contract: the server emits and
//! accepts exactly these shapes, and clients of older and newer versions read them.
//! Request types refuse unknown fields (the server's check); answer types ignore them
//! (a newer server may add some).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::roles::UnknownName;
use crate::{BlobId, Channel, DeviceId, RoomId, RoomRole, Timestamp, Urgency, UserId};

/// The kind of a group-log entry.
///
/// Reading is lenient: a kind this build does not know (from a newer server) reads
/// as [`LogKind::Unknown`], so a client can skip that entry instead of failing the
/// whole page. Parsing with [`FromStr`] is strict (the server's check of what a
/// client sends).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// An MLS commit (public message), checked by the server.
    Commit,
    /// An MLS proposal (not used by Kizuna clients: skipped).
    Proposal,
    /// An era-key message (MLS application message).
    EraKey,
    /// A sealed post.
    Post,
    /// A kind newer than this build: skip the entry.
    #[serde(other)]
    Unknown,
}

impl LogKind {
    /// Every kind this build knows, in declaration order.
    pub const KNOWN: &'static [LogKind] = &[Self::Commit, Self::Proposal, Self::EraKey, Self::Post];

    /// The wire name (`unknown` for [`LogKind::Unknown`], which the server never sends).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Commit => "commit",
            Self::Proposal => "proposal",
            Self::EraKey => "era_key",
            Self::Post => "post",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for LogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with a wire name (`entry.kind == "commit"`), as code written when the
/// kind was a string does.
impl PartialEq<&str> for LogKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other && *self != Self::Unknown
    }
}

impl FromStr for LogKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::KNOWN
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName {
                vocabulary: "log kind",
                name: s.to_owned(),
            })
    }
}

/// One entry of a channel's log, as `GET /groups/{group_id}/messages` and the
/// WebSocket send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    /// Its position in the log (1, 2, … without gaps).
    pub seq: i64,
    /// `commit`, `proposal`, `era_key` or `post`.
    pub kind: LogKind,
    /// The sending device.
    #[serde(default)]
    pub sender_device: Option<DeviceId>,
    /// The MLS epoch it was made in (a commit: the epoch it moves from).
    #[serde(default)]
    pub epoch: i64,
    /// The opaque bytes, base64.
    pub body: String,
    /// When the server stored it.
    pub stored_at: Timestamp,
    /// For a post: the urgency its sender exposed in clear.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub urgency: Option<Urgency>,
}

/// A member of a room as `GET /rooms/{room_id}/members` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomMember {
    /// Their user ID.
    pub user_id: UserId,
    /// Their name as others see it.
    #[serde(default)]
    pub display_name: String,
    /// Their role in the room.
    pub role: RoomRole,
    /// Whether they use the team channel.
    #[serde(default)]
    pub team_access: bool,
    /// Whether they use the family channel.
    #[serde(default)]
    pub family_access: bool,
    /// Their live devices (each must be in the groups of the channels they use).
    #[serde(default)]
    pub devices: Vec<DeviceId>,
    /// A facility's break-glass (emergency) account, not a person: clients mark it
    /// wherever members are shown.
    #[serde(default)]
    pub emergency: bool,
}

impl RoomMember {
    /// Whether they may use `channel`.
    pub fn may_use(&self, channel: Channel) -> bool {
        match channel {
            Channel::Team => self.team_access,
            Channel::Family => self.family_access,
        }
    }
}

/// A welcome waiting for a device (`GET /devices/{device_id}/welcomes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WelcomeView {
    /// The group it lets the device join, `{room_id}/{channel}`.
    pub group_id: String,
    /// The MLS welcome, base64.
    pub welcome: String,
}

/// The clients' name for [`WelcomeView`].
pub type Welcome = WelcomeView;

/// A device's key package, handed out once (`POST /users/{user_id}/key-packages/claim`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimedKeyPackage {
    /// The device.
    pub device_id: DeviceId,
    /// The key package, base64.
    pub key_package: String,
}

/// One key package to upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyPackageUpload {
    /// Its ID (e.g. its hash reference), unique.
    pub id: String,
    /// The serialised MLS key package, base64.
    pub body: String,
    /// Keep it for when one-time packages run out.
    #[serde(default)]
    pub last_resort: bool,
}

/// A batch of key packages (`POST /devices/{device_id}/key-packages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyPackageBatch {
    /// The packages.
    pub packages: Vec<KeyPackageUpload>,
}

/// How many one-time packages are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyPackagesLeft {
    /// Unused one-time packages.
    pub left: i64,
}

/// A message for a group's log (`POST /groups/{group_id}/messages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// `era_key` or `post` (commits go to `/groups/{group_id}/commits`).
    pub kind: LogKind,
    /// The sending device (mine).
    pub sender_device: DeviceId,
    /// The MLS epoch it was made in.
    pub epoch: i64,
    /// The opaque MLS message, base64.
    pub body: String,
    /// A key chosen by the client so that a retried send is stored once.
    pub idempotency_key: Option<String>,
    /// For a post: the urgency the sender chooses to expose so members' devices can
    /// be told "urgent" without content. Omit to keep it private.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub urgency: Option<Urgency>,
    /// For a post: the attachments it references (uploaded to this channel by the
    /// sender and not yet posted). Only these stay; others are swept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<BlobId>,
}

/// A commit for a group (`POST /groups/{group_id}/commits`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewCommit {
    /// The committing device (mine).
    pub sender_device: DeviceId,
    /// The MLS commit (a public message), base64.
    pub commit: String,
    /// The MLS welcome for the devices it adds, base64 (required when it adds some).
    pub welcome: Option<String>,
    /// A key chosen by the client so that a retried send is stored once.
    pub idempotency_key: Option<String>,
}

/// Where a message landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageStored {
    /// Its position in the group's log.
    pub seq: i64,
    /// Whether an earlier send with the same idempotency key was found instead.
    pub duplicate: bool,
}

/// Where a commit landed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitStored {
    /// Its position in the group's log.
    pub seq: i64,
    /// The group's epoch after it.
    pub epoch: i64,
    /// Whether an earlier send with the same idempotency key was found instead.
    pub duplicate: bool,
}

/// What a client reads of [`MessageStored`] or [`CommitStored`]: the position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stored {
    /// Its position in the group's log.
    pub seq: i64,
}

/// A channel's group to create (`POST /rooms/{room_id}/channels/{channel}/group`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    /// The MLS group ID: must be `{room_id}/{channel}`.
    pub group_id: String,
    /// The GroupInfo (ratchet tree inside) of the new group, base64: epoch 0, the
    /// caller's device its only member.
    pub group_info: String,
}

/// A channel's group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupView {
    /// The MLS group ID.
    pub group_id: String,
    /// The room.
    pub room_id: RoomId,
    /// The channel.
    pub channel: Channel,
    /// The epoch the server has accepted commits up to.
    pub epoch: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_leniently_and_parse_strictly() {
        for kind in LogKind::KNOWN {
            let json = format!("\"{kind}\"");
            assert_eq!(serde_json::from_str::<LogKind>(&json).unwrap(), *kind);
            assert_eq!(serde_json::to_string(kind).unwrap(), json);
            assert_eq!(kind.as_str().parse::<LogKind>().unwrap(), *kind);
        }
        assert_eq!(
            serde_json::from_str::<LogKind>("\"reaction\"").unwrap(),
            LogKind::Unknown
        );
        assert!("reaction".parse::<LogKind>().is_err());
        assert!("unknown".parse::<LogKind>().is_err());
        assert!(LogKind::Commit == "commit" && LogKind::Post != "commit");
        assert!(LogKind::Unknown != "unknown");
    }

    #[test]
    fn log_entries_read_as_the_server_writes_them() {
        let json = r#"{"seq":3,"kind":"era_key","sender_device":null,"epoch":2,"body":"AA==","stored_at":5}"#;
        let entry: LogEntry = serde_json::from_str(json).unwrap();
        assert_eq!(entry.kind, LogKind::EraKey);
        assert_eq!(entry.urgency, None);
        assert_eq!(serde_json::to_string(&entry).unwrap(), json);
        let newer = r#"{"seq":4,"kind":"reaction","body":"","stored_at":5,"extra":1}"#;
        let entry: LogEntry = serde_json::from_str(newer).unwrap();
        assert_eq!((entry.kind, entry.epoch), (LogKind::Unknown, 0));
    }

    #[test]
    fn messages_leave_out_what_they_do_not_carry() {
        let message = NewMessage {
            kind: LogKind::Post,
            sender_device: DeviceId::from_uuid(uuid::Uuid::nil()),
            epoch: 1,
            body: "AA==".into(),
            idempotency_key: None,
            urgency: None,
            blobs: Vec::new(),
        };
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"post","sender_device":"00000000-0000-0000-0000-000000000000","epoch":1,"body":"AA==","idempotency_key":null}"#
        );
        assert_eq!(serde_json::from_str::<NewMessage>(&json).unwrap(), message);
        assert!(serde_json::from_str::<NewMessage>(&json.replace('}', r#","x":1}"#)).is_err());
    }
}
