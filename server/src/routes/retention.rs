//! Closing rooms, retention and legal holds over HTTP. The use cases are in
//! [`crate::service::retention`].

use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use kizuna_proto::{OrganisationId, RoomId};

use crate::auth::session::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::service::acting::Acting;
use crate::service::retention::{self, CloseRoom, FacilityRetention, HoldBody, RetentionBody, RoomRetention};
use crate::state::AppState;

/// Closes a room because its client left the service (`moved`, `deceased`,
/// `other`): the room's owner or a delegate, or the facility's administrator. The
/// room becomes read-only (`409 room_closed` for every post, upload, invitation and
/// membership change) and its content is deleted after the facility's retention.
#[utoipa::path(
    tag = "retention",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = CloseRoom,
    responses((status = 200, body = RoomRetention), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[post("/rooms/{room_id}/close")]
pub async fn close_room(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
    body: web::Json<CloseRoom>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let closed = retention::close(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(closed))
}

/// Reopens a closed room whose content is still kept (the facility's administrator).
#[utoipa::path(
    tag = "retention",
    params(("room_id" = RoomId, Path, description = "The room")),
    responses((status = 200, body = RoomRetention), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/rooms/{room_id}/reopen")]
pub async fn reopen_room(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let reopened = retention::reopen(&state, &auth.actor, acting, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(reopened))
}

/// Places a legal hold on a room (the facility's administrator): its content is
/// kept past its retention until the hold is lifted.
#[utoipa::path(
    tag = "retention",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = HoldBody,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/rooms/{room_id}/hold")]
pub async fn place_hold(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
    body: web::Json<HoldBody>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    retention::place_hold(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Lifts the legal hold on a room (the facility's administrator).
#[utoipa::path(
    tag = "retention",
    params(("room_id" = RoomId, Path, description = "The room")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/rooms/{room_id}/hold")]
pub async fn lift_hold(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<RoomId>,
) -> Result<HttpResponse, ApiError> {
    retention::lift_hold(&state, &auth.actor, Acting::of(&auth, &req), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The facility's retention period and its rooms with their closure and hold (its
/// administrator).
#[utoipa::path(
    tag = "retention",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    responses((status = 200, body = FacilityRetention), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/retention")]
pub async fn get_retention(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(retention::facility(&state, &auth.actor, path.into_inner()).await?))
}

/// Sets how many whole years (2 to 5) the facility keeps a closed room's records
/// (its administrator; audited).
#[utoipa::path(
    tag = "retention",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    request_body = RetentionBody,
    responses((status = 200, body = FacilityRetention), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/organisations/{org_id}/retention")]
pub async fn put_retention(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<RetentionBody>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let set = retention::set_years(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(set))
}
