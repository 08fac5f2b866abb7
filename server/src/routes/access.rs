//! A facility's access records for its administrators: as JSON pages, as CSV, and
//! the facility's rooms to choose from. The use cases are in
//! [`crate::service::access_history`].

use actix_web::{get, web, HttpRequest, HttpResponse};
use kizuna_proto::OrganisationId;

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::service::access_history::{self, AccessPage, AccessQuery, FacilityRoom};
use crate::service::acting::Acting;
use crate::state::AppState;

/// Who read which of the facility's rooms, downloaded which file or exported what,
/// when and from which device, newest first (`?person=` or `?room=`, `from`/`to`
/// as `YYYY-MM-DD` in Japan time). Facility administrators only.
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility"), AccessQuery),
    responses(
        (status = 200, body = AccessPage),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, description = "Not an administrator of this facility", body = crate::error::ErrorBody),
        (status = 404, description = "No such facility, or the room is not the facility's", body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody),
    )
)]
#[get("/organisations/{org_id}/access")]
pub async fn history(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    query: web::Query<AccessQuery>,
) -> Result<HttpResponse, ApiError> {
    let who = (&auth.actor, Acting::of(&auth, &req));
    let page = access_history::page(&state, who, path.into_inner(), query.into_inner()).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// The same records as CSV for Excel (UTF-8 with BOM, header row in Japanese and
/// English, times in Japan time).
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility"), AccessQuery),
    responses(
        (status = 200, content_type = "text/csv", description = "The records"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
    )
)]
#[get("/organisations/{org_id}/access.csv")]
pub async fn history_csv(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    query: web::Query<AccessQuery>,
) -> Result<HttpResponse, ApiError> {
    let who = (&auth.actor, Acting::of(&auth, &req));
    let csv = access_history::csv(&state, who, path.into_inner(), query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"access-records.csv\"",
        ))
        .body(csv))
}

/// The facility's rooms, to choose one in the access records screen.
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    responses(
        (status = 200, body = [FacilityRoom]),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
    )
)]
#[get("/organisations/{org_id}/access/rooms")]
pub async fn rooms(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(access_history::rooms_of(&state, &auth.actor, path.into_inner()).await?))
}
