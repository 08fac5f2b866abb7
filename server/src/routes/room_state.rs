//! Sealed room state and sealed invitee names over HTTP. The use cases are in
//! [`crate::service::room_state`].

use actix_web::{put, web, HttpRequest, HttpResponse};
use kizuna_proto::{InvitationId, RoomId};

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::service::acting::Acting;
use crate::service::room_state::{self, NewRoomState, SealedInviteeName, StoredRoomState};
use crate::state::AppState;

/// Stores a new sealed room state (a rename, or the same name sealed again under the
/// family channel's current era so members who joined since can open it). Team
/// members only (owner, delegates, professionals); the record's header must name this
/// room, the family channel, the caller and one of their live devices, and the
/// revision after the stored one (`409 state_conflict` if another member was first).
/// The room's members get a `members` notice on their sockets.
#[utoipa::path(
    tag = "rooms",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = NewRoomState,
    responses((status = 200, body = StoredRoomState), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[put("/rooms/{room_id}/state")]
pub async fn put_room_state(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
    body: web::Json<NewRoomState>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let stored = room_state::put_room_state(&state, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(stored))
}

/// Stores who a room invitation is for, sealed on the inviter's device under a key
/// derived from the link's token (the database keeps only the token's hash). Only
/// the invitation's creator, while it is unused and unexpired.
#[utoipa::path(
    tag = "rooms",
    params(
        ("room_id" = RoomId, Path, description = "The room"),
        ("invitation_id" = InvitationId, Path, description = "The invitation"),
    ),
    request_body = SealedInviteeName,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[put("/rooms/{room_id}/invitations/{invitation_id}/sealed-name")]
pub async fn put_sealed_invitee_name(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, InvitationId)>,
    body: web::Json<SealedInviteeName>,
) -> Result<HttpResponse, ApiError> {
    let (room, id) = path.into_inner();
    room_state::put_sealed_invitee_name(&state, auth.user.id, room, id, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
