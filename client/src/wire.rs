//! The JSON the server speaks (see the delivery contract). Public types are what the
//! library hands back; the rest only carry requests and answers.

use kizuna_proto::{BlobId, Channel, DeviceId, OrganisationId, RoomId, RoomRole, Timestamp, Urgency, UserId};
use serde::{Deserialize, Serialize};

/// A room as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// The room.
    pub id: RoomId,
    /// The organisation it belongs to.
    pub organisation_id: OrganisationId,
    /// When it was created.
    pub created_at: Timestamp,
    /// Its state (the name) sealed by a member's device, base64; opened into `name`.
    #[serde(default)]
    pub sealed_state: Option<String>,
    /// The revision of `sealed_state` (0: none yet).
    #[serde(default)]
    pub state_revision: i64,
    /// The clear name of a room made before names were sealed, until a member seals it.
    #[serde(default)]
    pub legacy_name: Option<String>,
    /// Its name (often the client's name), as this device opened it from
    /// `sealed_state`; `None` while this device cannot open it yet.
    #[serde(default)]
    pub name: Option<String>,
    /// My role in it (absent right after creating: then I am the owner).
    #[serde(default)]
    pub role: Option<RoomRole>,
    /// Whether I may use the team channel.
    #[serde(default)]
    pub team_access: bool,
    /// Whether I may use the family channel.
    #[serde(default)]
    pub family_access: bool,
}

/// A member of a room, with their live devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The person.
    pub user_id: UserId,
    /// Their name as others see it.
    pub display_name: String,
    /// Their role in the room.
    pub role: RoomRole,
    /// Whether they may use the team channel.
    pub team_access: bool,
    /// Whether they may use the family channel.
    pub family_access: bool,
    /// Their live (not revoked) devices.
    #[serde(default)]
    pub devices: Vec<DeviceId>,
}

impl Member {
    /// Whether they may use `channel`.
    pub fn may_use(&self, channel: Channel) -> bool {
        match channel {
            Channel::Team => self.team_access,
            Channel::Family => self.family_access,
        }
    }
}

/// An invitation link just issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// Its ID (not secret).
    #[serde(default)]
    pub invitation_id: Option<kizuna_proto::InvitationId>,
    /// The link to hand to the invitee (`…/#/invite/TOKEN`).
    pub link: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// What accepting a room invitation with an existing account gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The room joined.
    pub room_id: RoomId,
    /// The role in it.
    pub role: RoomRole,
}

/// One entry of a channel's log, as the server stores and sends it. Public so that
/// entries fetched some other way (a relay, a backup) can be fed to
/// [`crate::Client::ingest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Its position in the log (1, 2, …).
    pub seq: i64,
    /// `commit`, `proposal`, `era_key` or `post`.
    pub kind: String,
    /// The device that sent it.
    #[serde(default)]
    pub sender_device: Option<DeviceId>,
    /// The MLS epoch it was made in (a commit: the epoch it moves from).
    pub epoch: i64,
    /// The opaque bytes, base64.
    pub body: String,
    /// When the server stored it.
    pub stored_at: Timestamp,
    /// For a post: the urgency its sender exposed in clear.
    #[serde(default)]
    pub urgency: Option<Urgency>,
}

#[derive(Deserialize)]
pub(crate) struct Grant {
    pub user_id: UserId,
    pub token: String,
}

#[derive(Deserialize)]
pub(crate) struct Ceremony<T> {
    pub ceremony_id: String,
    pub options: T,
}

#[derive(Deserialize)]
pub(crate) struct DeviceView {
    pub id: DeviceId,
}

#[derive(Serialize)]
pub(crate) struct KeyPackageUpload {
    pub id: String,
    pub body: String,
    pub last_resort: bool,
}

#[derive(Deserialize)]
pub(crate) struct KeyPackagesLeft {
    pub left: i64,
}

#[derive(Deserialize)]
pub(crate) struct Claimed {
    pub device_id: DeviceId,
    pub key_package: String,
}

#[derive(Deserialize)]
pub(crate) struct GroupView {
    pub group_id: String,
    #[serde(default)]
    pub epoch: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct Stored {
    pub seq: i64,
}

#[derive(Deserialize)]
pub(crate) struct WelcomeView {
    pub group_id: String,
    pub welcome: String,
}

#[derive(Serialize)]
pub(crate) struct NewMessage<'a> {
    pub kind: &'a str,
    pub sender_device: DeviceId,
    pub epoch: u64,
    pub body: String,
    pub idempotency_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<BlobId>,
}

#[derive(Serialize)]
pub(crate) struct NewCommit {
    pub sender_device: DeviceId,
    pub commit: String,
    pub welcome: Option<String>,
    pub idempotency_key: Option<String>,
}
