//! The delivery service over HTTP: devices and their key packages, and the ordered
//! log of each room channel's MLS group. The use cases are in
//! [`crate::service::devices`] and [`crate::service::delivery`].

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use kizuna_proto::{
    ClaimedKeyPackage, DeviceId, KeyPackageBatch, KeyPackagesLeft, LogEntry, MessageStored, NewMessage,
    UserId,
};
use serde::Deserialize;

use crate::auth::session::{Authenticated, SessionToken};
use crate::error::ApiError;
use crate::service::acting::Acting;
use crate::service::delivery as log;
use crate::service::devices::{self, DeviceView, NewDevice};
use crate::state::AppState;

/// Registers this browser, app or CLI as one of my devices.
#[utoipa::path(
    tag = "delivery",
    request_body = NewDevice,
    responses((status = 200, body = DeviceView), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/devices")]
pub async fn register_device(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<NewDevice>,
) -> Result<HttpResponse, ApiError> {
    let device = devices::register_device(&state, Acting::of(&auth, &req), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(device))
}

/// My devices, revoked ones included.
#[utoipa::path(tag = "delivery", responses((status = 200, body = [DeviceView]), (status = 401, body = crate::error::ErrorBody)))]
#[get("/me/devices")]
pub async fn list_devices(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(devices::list_devices(&state, auth.user.id).await?))
}

/// Revokes one of my devices (e.g. a lost phone): it gets nothing more, and the
/// sessions acting for it end at once.
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "The device")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[delete("/me/devices/{device_id}")]
pub async fn revoke_device(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    auth.require_fresh(&state)?;
    devices::revoke_device(&state, Acting::of(&auth, &req), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Says that this session acts for one of my devices (call after each sign-in), so
/// that revoking the device ends the session.
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "My device")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[post("/devices/{device_id}/session")]
pub async fn bind_session(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<DeviceId>,
) -> Result<HttpResponse, ApiError> {
    devices::bind_session(&state, auth.user.id, auth.session_id.clone(), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Uploads one-time key packages (and optionally a last-resort one) for my device.
#[utoipa::path(
    tag = "delivery",
    params(("device_id" = DeviceId, Path, description = "My device")),
    request_body = KeyPackageBatch,
    responses((status = 200, body = KeyPackagesLeft), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/devices/{device_id}/key-packages")]
pub async fn upload_key_packages(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<DeviceId>,
    body: web::Json<KeyPackageBatch>,
) -> Result<HttpResponse, ApiError> {
    let left =
        devices::upload_key_packages(&state, auth.user.id, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(left))
}

/// Claims one key package of each live device of a person I share a room with, to
/// add them to a channel's MLS group.
#[utoipa::path(
    tag = "delivery",
    params(("user_id" = UserId, Path, description = "The person to add")),
    responses((status = 200, body = [ClaimedKeyPackage]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[post("/users/{user_id}/key-packages/claim")]
pub async fn claim_key_packages(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let claimed = devices::claim_key_packages(&state, auth.user.id, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(claimed))
}

/// Appends an era-key message or a post to a channel's group log. A post whose post
/// ID the log already holds is refused (`409 duplicate_post`): a replay. A retry
/// with the same idempotency key answers the original's position instead.
#[utoipa::path(
    tag = "delivery",
    params(("group_id" = String, Path, description = "The MLS group")),
    request_body = NewMessage,
    responses(
        (status = 200, body = MessageStored),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such group for this person", body = crate::error::ErrorBody),
        (status = 409, description = "duplicate_post: the log already holds a post with this post ID", body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody),
    )
)]
#[post("/groups/{group_id}/messages")]
pub async fn append_message(
    state: web::Data<AppState>,
    session: SessionToken,
    path: web::Path<String>,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let stored = log::append_message(&state, session, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(stored))
}

/// Which part of a log to fetch.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LogQuery {
    /// Entries after this position (0 for the start).
    pub after: Option<i64>,
    /// At most this many (default and maximum 500).
    pub limit: Option<i64>,
}

/// Fetches a channel's log after a position (to catch up after a reconnect). Every
/// page carries the log generation in the `Kizuna-Log-Generation` header: when it
/// differs from the one the client stored, the server was restored from a backup and
/// the client re-reads from the start.
#[utoipa::path(
    tag = "delivery",
    params(("group_id" = String, Path, description = "The MLS group"), LogQuery),
    responses((status = 200, body = [LogEntry]), (status = 401, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody))
)]
#[get("/groups/{group_id}/messages")]
pub async fn fetch_messages(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let reader = crate::audit::access::Reader {
        user: auth.user.id,
        session_id: auth.session_id.clone(),
    };
    let page = log::fetch_messages(&state, reader, path.into_inner(), query.after, query.limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header((kizuna_proto::LOG_GENERATION_HEADER, page.generation))
        .json(page.entries))
}
