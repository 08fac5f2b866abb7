//! Client rooms: opening one, and inviting family, volunteers and outside
//! professionals into it. (Channels, MLS groups and posts build on these.)

use actix_web::{post, web, HttpRequest, HttpResponse};
use kizuna_proto::{OrganisationId, RoomId, RoomRole, Timestamp};
use kizuna_storage::invitations::InvitationKind;
use kizuna_storage::orgs;
use kizuna_storage::rooms::{self, Room, RoomMember};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::session::{self, Authenticated};
use crate::authz::OrgAction;
use crate::error::{required_name, ApiError};
use crate::invites::{self, IssuedLink};
use crate::routes::admin::issue_and_audit;
use crate::state::AppState;

/// A new room.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    /// What the team calls the room. Not the client's real name unless you choose so.
    pub display_name: String,
}

/// A room.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomView {
    /// Its ID.
    pub id: RoomId,
    /// The facility that owns it.
    pub organisation_id: OrganisationId,
    /// Its display name.
    pub display_name: String,
    /// When it was opened.
    pub created_at: Timestamp,
}

/// Opens a client's room owned by the facility; the opener becomes its owner.
#[utoipa::path(
    tag = "rooms",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    request_body = NewRoom,
    responses((status = 200, body = RoomView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody))
)]
#[post("/organisations/{org_id}/rooms")]
pub async fn create_room(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<NewRoom>,
) -> Result<HttpResponse, ApiError> {
    let org_id = path.into_inner();
    let org = state.db.run(move |conn| orgs::get(conn, org_id)).await?;
    auth.actor.require(&org, OrgAction::CreateRoom)?;
    let display_name = required_name("display_name", &body.into_inner().display_name, 100)?;
    let now = state.now();
    let room = Room {
        id: RoomId::from_uuid(uuid::Uuid::new_v4()),
        organisation: org.id,
        display_name,
        created_by: auth.user.id,
        created_at: now,
    };
    let (stored, ip) = (room.clone(), session::client_ip(&req));
    state
        .db
        .run(move |conn| {
            kizuna_storage::transaction(conn, |conn| {
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
                audit::record(conn, now, entry)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(RoomView {
        id: room.id,
        organisation_id: room.organisation,
        display_name: room.display_name,
        created_at: room.created_at,
    }))
}

/// An invitation into a room.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRoomInvitation {
    /// The person's name.
    pub invitee_name: String,
    /// `family`, `volunteer`, `professional` or `delegate`.
    pub role: RoomRole,
}

/// Invites a family member, volunteer or outside professional into a room (owner
/// or delegates only). Family and volunteers only ever see the family channel.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = NewRoomInvitation,
    responses((status = 200, body = IssuedLink), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[post("/rooms/{room_id}/invitations")]
pub async fn invite_to_room(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
    body: web::Json<NewRoomInvitation>,
) -> Result<HttpResponse, ApiError> {
    let room_id = path.into_inner();
    let user = auth.user.id;
    let (room, own) = state
        .db
        .run(move |conn| Ok((rooms::get(conn, room_id)?, rooms::member(conn, room_id, user)?)))
        .await?;
    let body = body.into_inner();
    if own.is_none() {
        // Not a member: do not even confirm that the room exists.
        return Err(ApiError::NotFound);
    }
    if !auth.actor.may_invite_to_room(own.as_ref(), body.role) {
        return Err(ApiError::Forbidden);
    }
    let name = required_name("invitee_name", &body.invitee_name, 100)?;
    let request = invites::Request {
        kind: InvitationKind::Room,
        organisation: Some(room.organisation),
        room: Some(room.id),
        role: Some(body.role.as_str().to_owned()),
        invitee_name: Some(name),
        created_by: Some(user),
        target_user: None,
        ttl: std::time::Duration::from_secs(state.config.invitation_ttl_hours.saturating_mul(3600)),
    };
    let issued: IssuedLink = issue_and_audit(&state, &auth, &req, request, "invitation.room_created").await?;
    Ok(HttpResponse::Ok().json(issued))
}
