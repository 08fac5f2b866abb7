//! Safety checks (安否確認, issue 14) over HTTP: the care team's coarse answer per
//! client room, the caller's rooms in a check, and the sending organisation's
//! dashboard, CSV and closing. The use cases are in [`crate::service::safety`].
//!
//! No request here carries free text: names, notes and where someone went are an
//! end-to-end encrypted post in the room's team channel.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use kizuna_proto::{BroadcastId, OrganisationId, RoomId};

use crate::auth::session::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::service::acting::Acting;
use crate::service::safety::{self, MySafetyRooms, SafetyAnswerBody, SafetyDashboard};
use crate::state::AppState;

/// Records the care team's answer for one client room: `{"status", "need"}` (a need
/// with `needs_support` only). A later answer replaces the earlier one. Only the
/// room's owner, delegates and professionals with team access, for a room of a
/// facility in the broadcast's scope, while the check is open. Unknown fields are
/// refused: write the client's details in the room's team channel. Audited (room
/// and status); the sending organisation's officers' sockets get
/// `{"type":"safety","broadcast"}`.
#[utoipa::path(
    tag = "safety",
    params(("broadcast_id" = BroadcastId, Path, description = "The broadcast that opened the check"), ("room_id" = RoomId, Path, description = "The client's room")),
    request_body = SafetyAnswerBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/broadcasts/{broadcast_id}/safety/rooms/{room_id}")]
pub async fn answer(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(BroadcastId, RoomId)>,
    body: web::Json<SafetyAnswerBody>,
) -> Result<HttpResponse, ApiError> {
    let (id, room) = path.into_inner();
    safety::answer(&state, Acting::of(&auth, &req), id, room, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My rooms in the check's scope where I am on the care team, each with its current
/// answer (none: still to answer). Room IDs only: names are sealed.
#[utoipa::path(
    tag = "safety",
    params(("broadcast_id" = BroadcastId, Path, description = "The broadcast that opened the check")),
    responses((status = 200, body = MySafetyRooms), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/broadcasts/{broadcast_id}/safety/rooms")]
pub async fn my_rooms(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<BroadcastId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(safety::my_rooms(&state, auth.user.id, path.into_inner()).await?))
}

/// The officer's dashboard of a check: totals per status overall and per facility,
/// unanswered rooms per facility, rooms needing support with the facility to call.
/// For the sending organisation's broadcast officers and administrators.
#[utoipa::path(
    tag = "safety",
    params(("org_id" = OrganisationId, Path, description = "The sending organisation"), ("broadcast_id" = BroadcastId, Path, description = "The broadcast")),
    responses((status = 200, body = SafetyDashboard), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/broadcasts/{broadcast_id}/safety")]
pub async fn dashboard(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(OrganisationId, BroadcastId)>,
) -> Result<HttpResponse, ApiError> {
    let (org, id) = path.into_inner();
    Ok(HttpResponse::Ok().json(safety::dashboard(&state, &auth.actor, org, id).await?))
}

/// The dashboard's totals per facility as CSV (`facility,safe,needs_support,
/// unreachable,evacuated,unanswered`); no room or person appears. Same access as the
/// dashboard.
#[utoipa::path(
    tag = "safety",
    params(("org_id" = OrganisationId, Path, description = "The sending organisation"), ("broadcast_id" = BroadcastId, Path, description = "The broadcast")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/broadcasts/{broadcast_id}/safety.csv")]
pub async fn dashboard_csv(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(OrganisationId, BroadcastId)>,
) -> Result<HttpResponse, ApiError> {
    let (org, id) = path.into_inner();
    let csv = safety::dashboard_csv(&state, &auth.actor, org, id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("content-disposition", "attachment; filename=\"safety.csv\""))
        .body(csv))
}

/// Closes the check: later answers get `safety_check_closed`. Audited; closing again
/// changes nothing. Same access as the dashboard.
#[utoipa::path(
    tag = "safety",
    params(("org_id" = OrganisationId, Path, description = "The sending organisation"), ("broadcast_id" = BroadcastId, Path, description = "The broadcast")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/organisations/{org_id}/broadcasts/{broadcast_id}/safety/close")]
pub async fn close(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, BroadcastId)>,
) -> Result<HttpResponse, ApiError> {
    let (org, id) = path.into_inner();
    let acting = Acting::of(&auth, &req);
    safety::close(&state, &auth.actor, acting, org, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
