//! One-time links over HTTP. The token comes in the request body (the link carries
//! it in the URL fragment), never in a path or query string, so it stays out of
//! logs. The use cases are in [`crate::service::invitations`].

use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::auth::session::{self, Authenticated};
use crate::error::ApiError;
use crate::service::invitations::{self, Accepted, InspectRequest, Inspected};
use crate::state::AppState;

/// Says whether a link can still be used, and for what. Unknown, used and expired
/// links get the same answer, so the endpoint tells a guesser nothing; only the
/// signed-in account that used a room invitation learns where it led.
#[utoipa::path(
    tag = "invitations",
    request_body = InspectRequest,
    responses(
        (status = 200, description = "The link is valid (`InvitationInfo`), or the signed-in caller used this room invitation themselves (`UsedByYou`: the room)", body = Inspected),
        (status = 404, description = "Unknown, expired, or used (by someone else, or asked signed out)", body = crate::error::ErrorBody),
        (status = 400, description = "Malformed body", body = crate::error::ErrorBody),
    )
)]
#[post("/invitations/inspect")]
pub async fn inspect(
    state: web::Data<AppState>,
    caller: Option<Authenticated>,
    body: web::Json<InspectRequest>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.map(|auth| auth.user.id);
    Ok(HttpResponse::Ok().json(invitations::inspect(&state, caller, &body.token).await?))
}

/// Joins a room with a room invitation, for someone who already has an account
/// (e.g. a nurse already caring for another client). The link is used up.
#[utoipa::path(
    tag = "invitations",
    request_body = InspectRequest,
    responses(
        (status = 200, body = Accepted),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "Unknown, used, expired or not a room invitation", body = crate::error::ErrorBody),
        (status = 409, description = "Already a member of the room", body = crate::error::ErrorBody),
    )
)]
#[post("/invitations/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<InspectRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = session::client_ip(&req);
    Ok(HttpResponse::Ok().json(invitations::accept(&state, auth.user.id, ip, &body.token).await?))
}
