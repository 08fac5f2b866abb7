//! Client rooms: opening one, and inviting family, volunteers and outside
//! professionals into it. (Channels, MLS groups and posts build on these.)

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use kizuna_proto::{Channel, DeviceId, OrganisationId, RoomId, RoomRole, Timestamp, UserId};
use kizuna_storage::invitations::InvitationKind;
use kizuna_storage::rooms::{self, Room, RoomMember};
use kizuna_storage::{devices, groups, orgs, reads, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::session::{self, Authenticated};
use crate::authz::OrgAction;
use crate::error::ApiError;
use crate::invites::{self, IssuedLink};
use crate::routes::admin::issue_and_audit;
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

/// Opens a client's room owned by the facility; the opener becomes its owner. The
/// body is `{}`: a clear `display_name` or `name` is refused (`422
/// sealed_field_required`) and not stored.
#[utoipa::path(
    tag = "rooms",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    request_body = NewRoom,
    responses((status = 200, body = RoomView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/organisations/{org_id}/rooms")]
pub async fn create_room(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<NewRoom>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.display_name.is_some() {
        return Err(ApiError::SealedFieldRequired {
            field: "display_name",
        });
    }
    if body.name.is_some() {
        return Err(ApiError::SealedFieldRequired { field: "name" });
    }
    let org_id = path.into_inner();
    let org = state.db.run(move |conn| orgs::get(conn, org_id)).await?;
    auth.actor.require(&org, OrgAction::CreateRoom)?;
    let now = state.now();
    let room = Room::new(RoomId::from_uuid(uuid::Uuid::new_v4()), org.id, auth.user.id, now);
    let (stored, ip) = (room.clone(), session::client_ip(&req));
    state
        .write(move |conn| {
            rooms::create(conn, &stored)?;
            rooms::add_member(
                conn,
                &RoomMember {
                    room: stored.id,
                    user: stored.created_by,
                    role: RoomRole::Owner,
                    team_access: true,
                    family_access: true,
                    added_by: None,
                    added_at: now,
                },
            )?;
            let entry = Entry::success(
                stored.created_by,
                "room.created",
                ("room", stored.id.to_string()),
                ip.as_deref(),
            );
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RoomView::from(room)))
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

/// Invites a family member, volunteer or outside professional into a room (owner
/// or delegates only). Family and volunteers only ever see the family channel. A
/// clear `invitee_name` is refused (`422 sealed_field_required`) and not stored.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = NewRoomInvitation,
    responses((status = 200, body = IssuedLink), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/rooms/{room_id}/invitations")]
pub async fn invite_to_room(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
    body: web::Json<NewRoomInvitation>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.invitee_name.is_some() {
        return Err(ApiError::SealedFieldRequired {
            field: "invitee_name",
        });
    }
    let room_id = path.into_inner();
    let user = auth.user.id;
    let (room, own) = state
        .db
        .run(move |conn| Ok((rooms::get(conn, room_id)?, rooms::member(conn, room_id, user)?)))
        .await?;
    if own.is_none() {
        // Not a member: do not even confirm that the room exists.
        return Err(ApiError::NotFound);
    }
    if !auth.actor.may_invite_to_room(own.as_ref(), body.role) {
        return Err(ApiError::Forbidden);
    }
    let request = invites::Request {
        kind: InvitationKind::Room,
        organisation: Some(room.organisation),
        room: Some(room.id),
        role: Some(body.role.as_str().to_owned()),
        invitee_name: None,
        created_by: Some(user),
        target_user: None,
        ttl: std::time::Duration::from_secs(state.config.invitation_ttl_hours.saturating_mul(3600)),
    };
    let issued: IssuedLink = issue_and_audit(&state, &auth, &req, request, "invitation.room_created").await?;
    Ok(HttpResponse::Ok().json(issued))
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
    conn: &mut kizuna_storage::DbConn,
    room: RoomId,
    channel: Channel,
    user: UserId,
) -> Result<ChannelUnread, kizuna_storage::StorageError> {
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

/// The rooms I am a member of.
#[utoipa::path(tag = "rooms", responses((status = 200, body = [MyRoom]), (status = 401, body = crate::error::ErrorBody)))]
#[get("/rooms")]
pub async fn my_rooms(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let user = auth.user.id;
    let mine = state
        .db
        .run(move |conn| {
            let mut mine = Vec::new();
            for id in rooms::rooms_of_user(conn, user)? {
                let room = rooms::get(conn, id)?;
                if let Some(member) = rooms::member(conn, id, user)? {
                    let mut channels = Vec::new();
                    for (channel, access) in [
                        (Channel::Team, member.team_access),
                        (Channel::Family, member.family_access),
                    ] {
                        if access {
                            channels.push(channel_unread(conn, id, channel, user)?);
                        }
                    }
                    mine.push(MyRoom {
                        room: RoomView::from(room),
                        role: member.role,
                        team_access: member.team_access,
                        family_access: member.family_access,
                        channels,
                    });
                }
            }
            Ok(mine)
        })
        .await?;
    Ok(HttpResponse::Ok().json(mine))
}

/// A member of a room, as the other members see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    /// Their user ID.
    pub user_id: UserId,
    /// Their name.
    pub display_name: String,
    /// Their role in the room.
    pub role: RoomRole,
    /// Whether they use the team channel.
    pub team_access: bool,
    /// Whether they use the family channel.
    pub family_access: bool,
    /// Their live devices (each must be in the groups of the channels they use).
    pub devices: Vec<DeviceId>,
}

/// The members of a room I am in, with their live devices.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room")),
    responses((status = 200, body = [MemberView]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/rooms/{room_id}/members")]
pub async fn members(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<RoomId>,
) -> Result<HttpResponse, ApiError> {
    let (room, user) = (path.into_inner(), auth.user.id);
    let list = state
        .db
        .run(move |conn| {
            if rooms::member(conn, room, user)?.is_none() {
                return Ok(None);
            }
            let mut list = Vec::new();
            for member in rooms::members(conn, room)? {
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
                });
            }
            Ok(Some(list))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(list))
}

/// Removes someone from a room (owner or delegates; never the owner). They lose
/// access at once: their live connections close and the server refuses them every
/// later entry. Members' clients then remove their devices from the channel groups,
/// which starts a new era key.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room"), ("user_id" = UserId, Path, description = "The person")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[delete("/rooms/{room_id}/members/{user_id}")]
pub async fn remove_member(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(RoomId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (room, target) = path.into_inner();
    let (user, now, ip) = (auth.user.id, state.now(), session::client_ip(&req));
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
            rooms::remove_member(conn, room, target)?;
            let entry = Entry::success(
                user,
                "room.member_removed",
                ("user", target.to_string()),
                ip.as_deref(),
            );
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    state.live.close_removed(target);
    Ok(HttpResponse::NoContent().finish())
}
