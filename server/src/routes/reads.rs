//! Read receipts (既読) over HTTP. The use cases are in [`crate::service::reads`].

use actix_web::{get, put, web, HttpResponse};

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::service::reads::{self, MemberRead, ReadPositionView, ReadUpTo};
use crate::state::AppState;

/// Records that I have read a channel up to a position.
#[utoipa::path(
    tag = "reads",
    params(("group_id" = String, Path, description = "The channel's MLS group")),
    request_body = ReadUpTo,
    responses(
        (status = 200, body = ReadPositionView),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, description = "No such position in the log", body = crate::error::ErrorBody),
    )
)]
#[put("/groups/{group_id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    body: web::Json<ReadUpTo>,
) -> Result<HttpResponse, ApiError> {
    let recorded = reads::mark_read(&state, auth.user.id, path.into_inner(), body.seq).await?;
    Ok(HttpResponse::Ok().json(recorded))
}

/// Everyone in the channel and how far they have read: a post at position N has
/// been read by the members whose `seq ≥ N`.
#[utoipa::path(
    tag = "reads",
    params(("group_id" = String, Path, description = "The channel's MLS group")),
    responses(
        (status = 200, body = [MemberRead]),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
    )
)]
#[get("/groups/{group_id}/reads")]
pub async fn positions(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(reads::positions(&state, auth.user.id, path.into_inner()).await?))
}

/// Who has not yet read the post at a position (its author excluded): for "who
/// has not read this urgent post yet".
#[utoipa::path(
    tag = "reads",
    params(
        ("group_id" = String, Path, description = "The channel's MLS group"),
        ("seq" = i64, Path, description = "The post's position"),
    ),
    responses(
        (status = 200, body = [MemberRead]),
        (status = 401, body = crate::error::ErrorBody),
        (status = 404, description = "No such group or post", body = crate::error::ErrorBody),
    )
)]
#[get("/groups/{group_id}/posts/{seq}/unread")]
pub async fn unread(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let (group, seq) = path.into_inner();
    Ok(HttpResponse::Ok().json(reads::unread(&state, auth.user.id, group, seq).await?))
}
