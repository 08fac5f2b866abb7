//! The JSON the server speaks (see the delivery contract). Public types are what the
//! library hands back; the rest only carry requests and answers. The delivery
//! endpoints' types are `kizuna_proto`'s, shared with the server and the browser.

use kizuna_proto::{DeviceId, OrganisationId, RoomId, RoomRole, Timestamp, UserId};
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

/// A member of a room, with their live devices (`kizuna_proto`'s wire type).
pub use kizuna_proto::RoomMember as Member;

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
pub use kizuna_proto::LogEntry;
pub(crate) use kizuna_proto::{
    ClaimedKeyPackage as Claimed, GroupView, KeyPackageUpload, KeyPackagesLeft, LogKind, NewCommit,
    NewMessage, Stored, WelcomeView,
};

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
