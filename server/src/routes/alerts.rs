//! A facility's security alerts over HTTP (issue 16). The rules are in
//! [`crate::anomaly`]; listing and closing in [`crate::service::alerts`].

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use kizuna_proto::OrganisationId;

use crate::auth::session::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::service::acting::Acting;
use crate::service::alerts::{self, AlertQuery, AlertView, CloseAlert};
use crate::state::AppState;

/// The facility's security alerts, newest first: open ones (`?state=open`, the
/// default) or closed ones with their notes. The facility's administrators and the
/// system administrator.
#[utoipa::path(
    tag = "alerts",
    params(("org_id" = OrganisationId, Path, description = "The facility"), AlertQuery),
    responses((status = 200, body = Vec<AlertView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/alerts")]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
    query: web::Query<AlertQuery>,
) -> Result<HttpResponse, ApiError> {
    let listed = alerts::list(&state, &auth.actor, path.into_inner(), query.state).await?;
    Ok(HttpResponse::Ok().json(listed))
}

/// Closes an alert with a note of what was checked and done (`{"note"}`, 1 to
/// 500 characters); who closed it and when are kept with it. Audited as
/// `alert.closed`.
#[utoipa::path(
    tag = "alerts",
    params(("org_id" = OrganisationId, Path, description = "The facility"), ("alert_id" = String, Path, description = "The alert")),
    request_body = CloseAlert,
    responses((status = 200, body = AlertView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/organisations/{org_id}/alerts/{alert_id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, uuid::Uuid)>,
    body: web::Json<CloseAlert>,
) -> Result<HttpResponse, ApiError> {
    let (org, id) = path.into_inner();
    let acting = Acting::of(&auth, &req);
    let closed = alerts::close(&state, &auth.actor, acting, org, id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(closed))
}
