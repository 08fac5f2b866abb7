//! Client rooms over HTTP: opening one, inviting family, volunteers and outside
//! professionals into it, listing rooms and members, removing a member. The use
//! cases are in [`crate::service::rooms`].

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use kizuna_proto::{OrganisationId, RoomId, RoomMember, UserId};

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::invites::IssuedLink;
use crate::service::acting::Acting;
use crate::service::rooms::{self, MyRoom, NewRoom, NewRoomInvitation, RoomView};
use crate::state::AppState;

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
    let acting = Acting::of(&auth, &req);
    let room = rooms::create_room(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(room))
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
    let acting = Acting::of(&auth, &req);
    let issued =
        rooms::invite_to_room(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(issued))
}

/// The rooms I am a member of.
#[utoipa::path(tag = "rooms", responses((status = 200, body = [MyRoom]), (status = 401, body = crate::error::ErrorBody)))]
#[get("/rooms")]
pub async fn my_rooms(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(rooms::my_rooms(&state, auth.user.id).await?))
}

/// The members of a room I am in, with their live devices.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room")),
    responses((status = 200, body = [RoomMember]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/rooms/{room_id}/members")]
pub async fn members(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<RoomId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(rooms::members(&state, auth.user.id, path.into_inner()).await?))
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
    rooms::remove_member(&state, Acting::of(&auth, &req), room, target).await?;
    Ok(HttpResponse::NoContent().finish())
}
