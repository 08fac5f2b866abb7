//! Notifications over HTTP: the VAPID key, my push subscriptions, my notification
//! settings and a room's escalation time. The use cases are in
//! [`crate::service::notifications`] and [`crate::service::notification_settings`].

use actix_web::{delete, get, post, put, web, HttpResponse};
use kizuna_proto::RoomId;

use crate::auth::session::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::service::notification_settings::{self, NotificationSettingsBody, NotificationSettingsView};
use crate::service::notifications::{
    self, EscalationBody, PushEndpoint, PushSubscriptionBody, PushSubscriptionView, VapidKeyView,
};
use crate::state::AppState;

/// The key browsers subscribe to push with (`applicationServerKey`).
#[utoipa::path(tag = "notifications", responses((status = 200, body = VapidKeyView), (status = 401, body = ErrorBody)))]
#[get("/push/key")]
pub async fn vapid_key(state: web::Data<AppState>, _auth: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(notifications::vapid_key(&state))
}

/// Stores this browser's push subscription (`PushSubscription.toJSON()`). Only an
/// https endpoint of a browser push service on the server's allow-list
/// (`push_endpoint_hosts`); the same endpoint again keeps its ID.
#[utoipa::path(
    tag = "notifications",
    request_body = PushSubscriptionBody,
    responses((status = 201, body = PushSubscriptionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/me/push-subscriptions")]
pub async fn subscribe(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<PushSubscriptionBody>,
) -> Result<HttpResponse, ApiError> {
    let stored = notifications::subscribe(&state, auth.user.id, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(stored))
}

/// Removes one of my push subscriptions, by its endpoint.
#[utoipa::path(
    tag = "notifications",
    request_body = PushEndpoint,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/me/push-subscriptions")]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<PushEndpoint>,
) -> Result<HttpResponse, ApiError> {
    notifications::unsubscribe(&state, auth.user.id, body.into_inner().endpoint).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My notification settings, and whether the server can send e-mail.
#[utoipa::path(tag = "notifications", responses((status = 200, body = NotificationSettingsView), (status = 401, body = ErrorBody)))]
#[get("/me/notifications")]
pub async fn get_settings(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(notification_settings::get(&state, auth.user.id).await?))
}

/// Replaces my notification settings.
#[utoipa::path(
    tag = "notifications",
    request_body = NotificationSettingsBody,
    responses((status = 200, body = NotificationSettingsView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/me/notifications")]
pub async fn put_settings(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<NotificationSettingsBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(notification_settings::put(&state, auth.user.id, body.into_inner()).await?))
}

/// The room's escalation time (default 30 minutes; null: off). For its members.
#[utoipa::path(
    tag = "notifications",
    params(("room_id" = RoomId, Path, description = "The room")),
    responses((status = 200, body = EscalationBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/rooms/{room_id}/escalation")]
pub async fn get_escalation(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<RoomId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(notifications::escalation(&state, auth.user.id, path.into_inner()).await?))
}

/// Sets the room's escalation time: 5 to 1440 minutes, or null for off. For the
/// room's owner and delegates.
#[utoipa::path(
    tag = "notifications",
    params(("room_id" = RoomId, Path, description = "The room")),
    request_body = EscalationBody,
    responses((status = 200, body = EscalationBody), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[put("/rooms/{room_id}/escalation")]
pub async fn put_escalation(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<RoomId>,
    body: web::Json<EscalationBody>,
) -> Result<HttpResponse, ApiError> {
    let set =
        notifications::set_escalation(&state, auth.user.id, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(set))
}
