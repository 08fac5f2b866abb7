//! A room channel's MLS group over HTTP: creating it, reading it, committing to it
//! and taking the welcomes that let added devices join. The use cases are in
//! [`crate::service::groups`].

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use kizuna_proto::{Channel, CommitStored, DeviceId, GroupView, NewCommit, NewGroup, RoomId, WelcomeView};

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::service::acting::Acting;
use crate::service::groups;
use crate::state::AppState;

/// Registers the MLS group of a room channel (the room's owner, once per channel).
#[utoipa::path(
    tag = "delivery",
    params(("room_id" = RoomId, Path, description = "The room"), ("channel" = Channel, Path, description = "team or family")),
    request_body = NewGroup,
    responses((status = 200, body = GroupView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/rooms/{room_id}/channels/{channel}/group")]
pub async fn create_group(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, Channel)>,
    body: web::Json<NewGroup>,
) -> Result<HttpResponse, ApiError> {
    let (room, channel) = path.into_inner();
    let group = groups::create_group(&state, auth.user.id, room, channel, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(group))
}

/// The group of a room channel, for its members.
#[utoipa::path(
    tag = "delivery",
    params(("room_id" = RoomId, Path, description = "The room"), ("channel" = Channel, Path, description = "team or family")),
    responses((status = 200, body = GroupView), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/rooms/{room_id}/channels/{channel}/group")]
pub async fn get_group(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(RoomId, Channel)>,
) -> Result<HttpResponse, ApiError> {
    let (room, channel) = path.into_inner();
    Ok(HttpResponse::Ok().json(groups::get_group(&state, auth.user.id, room, channel).await?))
}

/// Appends a commit to a channel's group log after checking it: a public message of
/// this group for its current epoch (else `409 wrong_epoch`: fetch the missing
/// commits and retry), signed by the sending device, adding only live devices of
/// people who may use the channel and removing only devices of people who left it,
/// revoked devices or the sender's own. The welcome is queued for the added devices.
#[utoipa::path(
    tag = "delivery",
    params(("group_id" = String, Path, description = "The MLS group")),
    request_body = NewCommit,
    responses(
        (status = 200, body = CommitStored),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "commit_not_allowed", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "wrong_epoch", body = crate::error::ErrorBody),
        (status = 422, description = "invalid_mls or invalid_input", body = crate::error::ErrorBody),
    )
)]
#[post("/groups/{group_id}/commits")]
pub async fn append_commit(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<NewCommit>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let stored = groups::append_commit(&state, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(stored))
}

/// Hands one of my devices the welcomes waiting for it (each once).
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "My device")),
    responses((status = 200, body = [WelcomeView]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/devices/{device_id}/welcomes")]
pub async fn take_welcomes(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    let welcomes = groups::take_welcomes(&state, auth.user.id, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(welcomes))
}
