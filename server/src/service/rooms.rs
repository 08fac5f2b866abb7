//! Client rooms: opening one, inviting family, volunteers and outside professionals
//! into it, listing one's rooms with what is unread, listing a room's members and
//! removing one. (Channels, MLS groups and posts build on these.)

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_proto::wire::RoomMember as MemberView;
use kizuna_proto::{Channel, OrganisationId, RoomId, RoomRole, Timestamp, UserId};
use kizuna_storage::invitations::InvitationKind;
use kizuna_storage::rooms::{self, Room, RoomMember};
use kizuna_storage::{devices, groups, orgs, reads, users, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::authz::{Actor, OrgAction};
use crate::error::ApiError;
use crate::invites::{self, IssuedLink};
use crate::service::acting::Acting;
use crate::service::invitations::{issue_and_audit, ttl_hours};
use crate::state::AppState;

/// A new room. Empty: what the room is called is sealed on the creator's device and
/// stored with `PUT /rooms/{room_id}/state` once its family channel has an era key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    /// Refused: a clear name, as clients before sealed room state sent it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub display_name: Option<serde::de::IgnoredAny>,
    /// Refused likewise.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Option<serde::de::IgnoredAny>,
}

/// A room. Its name is only in `sealed_state`, which members' devices open.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomView {
    /// Its ID.
    pub id: RoomId,
    /// The facility that owns it.
    pub organisation_id: OrganisationId,
    /// When it was opened.
    pub created_at: Timestamp,
    /// The room state sealed by a member's device (base64), once there is one.
    pub sealed_state: Option<String>,
    /// Its revision (0: none yet); the next one stored must be this plus one.
    pub state_revision: i64,
    /// The clear name of a room made before names were sealed, until a member's
    /// device seals it (then it is forgotten).
    pub legacy_name: Option<String>,
}

impl From<Room> for RoomView {
    fn from(room: Room) -> Self {
        Self {
            id: room.id,
            organisation_id: room.organisation,
            created_at: room.created_at,
            sealed_state: room.sealed_state.as_deref().map(|b| STANDARD.encode(b)),
            state_revision: room.state_revision,
            legacy_name: room.legacy_name,
        }
    }
}

/// Opens a client's room owned by the facility `org_id`; the opener becomes its
/// owner. A clear name is refused (`sealed_field_required`) and not stored.
pub async fn create_room(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    org_id: OrganisationId,
    new: NewRoom,
) -> Result<RoomView, ApiError> {
    if new.display_name.is_some() {
        return Err(ApiError::SealedFieldRequired {
            field: "display_name",
        });
    }
    if new.name.is_some() {
        return Err(ApiError::SealedFieldRequired { field: "name" });
    }
    let org = state.db.run(move |conn| orgs::get(conn, org_id)).await?;
    actor.require(&org, OrgAction::CreateRoom)?;
    let now = state.now();
    let room = Room::new(RoomId::from_uuid(uuid::Uuid::new_v4()), org.id, acting.user, now);
    let stored = room.clone();
    state
        .write(move |conn| {
            rooms::create(conn, &stored)?;
            let owner = RoomMember {
                room: stored.id,
                user: stored.created_by,
                role: RoomRole::Owner,
                team_access: true,
                family_access: true,
                added_by: None,
                added_at: now,
            };
            rooms::add_member(conn, &owner)?;
            let target = ("room", stored.id.to_string());
            let entry = Entry::success(stored.created_by, "room.created", target, acting.ip.as_deref());
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    Ok(RoomView::from(room))
}

/// An invitation into a room. Who it is for is not sent here: the inviter's device
/// seals the name under the new link's token and stores it with `PUT
/// /rooms/{room_id}/invitations/{invitation_id}/sealed-name`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoomInvitation {
    /// `family`, `volunteer`, `professional` or `delegate`.
    pub role: RoomRole,
    /// Refused: the invitee's name in clear, as older clients sent it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub invitee_name: Option<serde::de::IgnoredAny>,
}

/// Invites someone into a room with `role`: by the owner or a delegate only, who
/// may invite with that role; a non-member does not learn that the room exists. A
/// clear invitee name is refused (`sealed_field_required`) and not stored.
pub async fn invite_to_room(
    state: &AppState,
    actor: &Actor,
    acting: Acting,
    room_id: RoomId,
    new: NewRoomInvitation,
) -> Result<IssuedLink, ApiError> {
    if new.invitee_name.is_some() {
        return Err(ApiError::SealedFieldRequired {
            field: "invitee_name",
        });
    }
    let user = acting.user;
    let (room, own) = state
        .db
        .run(move |conn| Ok((rooms::get(conn, room_id)?, rooms::member(conn, room_id, user)?)))
        .await?;
    if own.is_none() {
        // Not a member: do not even confirm that the room exists.
        return Err(ApiError::NotFound);
    }
    if !actor.may_invite_to_room(own.as_ref(), new.role) {
        return Err(ApiError::Forbidden);
    }
    crate::service::retention::refuse_if_closed(state, room_id).await?;
    let request = invites::Request {
        kind: InvitationKind::Room,
        organisation: Some(room.organisation),
        room: Some(room.id),
        role: Some(new.role.as_str().to_owned()),
        invitee_name: None,
        created_by: Some(user),
        target_user: None,
        ttl: ttl_hours(state.config.invitation_ttl_hours),
    };
    issue_and_audit(state, &acting, request, "invitation.room_created").await
}

/// A room I am in, with my place in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyRoom {
    /// The room.
    #[serde(flatten)]
    pub room: RoomView,
    /// My role in it.
    pub role: RoomRole,
    /// Whether I use the team channel.
    pub team_access: bool,
    /// Whether I use the family channel.
    pub family_access: bool,
    /// For each channel I use: what I have not read yet (metadata only).
    pub channels: Vec<ChannelUnread>,
    /// Whether and when the room was closed (read-only), and its retention.
    #[serde(flatten)]
    pub retention: crate::service::retention::RoomRetention,
}

/// What I have not read in one channel, from the log's metadata: positions and the
/// coarse urgency authors chose to expose. Nothing about the content.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelUnread {
    /// `team` or `family`.
    #[schema(value_type = String)]
    pub channel: Channel,
    /// The channel's MLS group, once someone created it.
    pub group_id: Option<String>,
    /// The last position in its log (0: nothing yet).
    pub last_seq: i64,
    /// My read position (0: never opened).
    pub read_seq: i64,
    /// Posts by others after my read position.
    pub unread: i64,
    /// Of those, marked urgent in clear.
    pub urgent: i64,
    /// Of those, marked soon in clear.
    pub soon: i64,
}

fn channel_unread(
    conn: &mut DbConn,
    room: RoomId,
    channel: Channel,
    user: UserId,
) -> Result<ChannelUnread, StorageError> {
    let Some(group) = groups::for_channel(conn, room, channel)? else {
        return Ok(ChannelUnread {
            channel,
            group_id: None,
            last_seq: 0,
            read_seq: 0,
            unread: 0,
            urgent: 0,
            soon: 0,
        });
    };
    let unread = reads::unread(conn, &group.id, user)?;
    Ok(ChannelUnread {
        channel,
        group_id: Some(group.id),
        last_seq: unread.last_seq,
        read_seq: unread.read_seq,
        unread: unread.posts,
        urgent: unread.urgent,
        soon: unread.soon,
    })
}

fn my_room(conn: &mut DbConn, id: RoomId, member: RoomMember, user: UserId) -> Result<MyRoom, StorageError> {
    let room = rooms::get(conn, id)?;
    let mut channels = Vec::new();
    for (channel, access) in [
        (Channel::Team, member.team_access),
        (Channel::Family, member.family_access),
    ] {
        if access {
            channels.push(channel_unread(conn, id, channel, user)?);
        }
    }
    let retention = crate::service::retention::retention_of(conn, id, room.organisation)?;
    Ok(MyRoom {
        retention,
        room: RoomView::from(room),
        role: member.role,
        team_access: member.team_access,
        family_access: member.family_access,
        channels,
    })
}

/// The rooms `user` is a member of, with what is unread in each channel they use.
pub async fn my_rooms(state: &AppState, user: UserId) -> Result<Vec<MyRoom>, ApiError> {
    let mine = state
        .db
        .run(move |conn| {
            let mut mine = Vec::new();
            for id in rooms::rooms_of_user(conn, user)? {
                if let Some(member) = rooms::member(conn, id, user)? {
                    mine.push(my_room(conn, id, member, user)?);
                }
            }
            Ok(mine)
        })
        .await?;
    Ok(mine)
}

/// The members of a room `user` is in, with their live devices.
pub async fn members(state: &AppState, user: UserId, room: RoomId) -> Result<Vec<MemberView>, ApiError> {
    state
        .read(move |conn| {
            if rooms::member(conn, room, user)?.is_none() {
                return Err(ApiError::NotFound);
            }
            let members = rooms::members(conn, room)?;
            let people: Vec<UserId> = members.iter().map(|m| m.user).collect();
            let emergency = kizuna_storage::emergency::among(conn, &people)?;
            let mut list = Vec::new();
            for member in members {
                let person = users::get(conn, member.user)?;
                let devices = devices::for_user(conn, member.user)?
                    .into_iter()
                    .filter(|d| d.revoked_at.is_none())
                    .map(|d| d.id)
                    .collect();
                list.push(MemberView {
                    user_id: member.user,
                    display_name: person.display_name,
                    role: member.role,
                    team_access: member.team_access,
                    family_access: member.family_access,
                    devices,
                    emergency: emergency.contains(&member.user),
                });
            }
            Ok(list)
        })
        .await
}

/// Removes `target` from a room (by the owner or a delegate; never the owner). Their
/// live connections close at once.
pub async fn remove_member(
    state: &AppState,
    acting: Acting,
    room: RoomId,
    target: UserId,
) -> Result<(), ApiError> {
    let (user, now) = (acting.user, state.now());
    state
        .write(move |conn| {
            let Some(own) = rooms::member(conn, room, user)? else {
                return Err(ApiError::NotFound);
            };
            let Some(theirs) = rooms::member(conn, room, target)? else {
                return Err(ApiError::NotFound);
            };
            let may =
                matches!(own.role, RoomRole::Owner | RoomRole::Delegate) && theirs.role != RoomRole::Owner;
            if !may {
                return Err(ApiError::Forbidden);
            }
            crate::service::retention::refuse_closed(conn, room)?;
            rooms::remove_member(conn, room, target)?;
            let target = ("user", target.to_string());
            let entry = Entry::success(user, "room.member_removed", target, acting.ip.as_deref());
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    state.live.close_removed(target);
    Ok(())
}
