//! Facility administration over HTTP: registering organisations, inviting staff,
//! the staff list with last sign-in, suspending, disabling leavers, unlocking,
//! roles, and identity-verified resets with their ledger. The use cases (and the
//! role checks they start with) are in [`crate::service::staff`].

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use kizuna_proto::{OrganisationId, UserId};

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::invites::IssuedLink;
use crate::service::acting::Acting;
use crate::service::resets::{self, LedgerFormat, LedgerLine, ResetRequest};
use crate::service::staff::{
    self, NewOrganisation, NewStaffInvitation, OrganisationView, RoleChange, StaffActionRequest, StaffView,
};
use crate::state::AppState;

/// Registers a facility (system administrator, or an officer under their association or city).
#[utoipa::path(
    tag = "administration",
    request_body = NewOrganisation,
    responses((status = 200, body = OrganisationView), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody))
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<NewOrganisation>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let org = staff::create_organisation(&state, &auth.actor, acting, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(org))
}

/// The organisations I may administer (see their staff): every one for the system
/// administrator, else the facilities I administer and those under the association
/// or city I am an officer of. Others get an empty list.
#[utoipa::path(
    tag = "administration",
    responses((status = 200, body = [OrganisationView]), (status = 401, body = crate::error::ErrorBody))
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff::list_organisations(&state, &auth.actor).await?))
}

/// Invites a named person to the facility's staff with a role. The link is
/// one-time and expires (72 h by default).
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    request_body = NewStaffInvitation,
    responses((status = 200, body = IssuedLink), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody))
)]
#[post("/organisations/{org_id}/invitations")]
pub async fn invite_staff(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<NewStaffInvitation>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let issued =
        staff::invite_staff(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(issued))
}

/// The facility's staff and the members of its rooms (families too), with last sign-in.
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    responses((status = 200, body = [StaffView]), (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody))
)]
#[get("/organisations/{org_id}/staff")]
pub async fn list_staff(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff::list_staff(&state, &auth.actor, path.into_inner()).await?))
}

/// Suspends, re-enables, disables (leaver) or unlocks a person.
#[utoipa::path(
    tag = "administration",
    params(
        ("org_id" = OrganisationId, Path, description = "The facility"),
        ("user_id" = UserId, Path, description = "The person"),
    ),
    request_body = StaffActionRequest,
    responses(
        (status = 204, description = "Done; for suspend and disable, the person's sessions and connections ended at once"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, description = "Not connected to this facility", body = crate::error::ErrorBody),
        (status = 422, description = "A disabled account cannot be re-enabled", body = crate::error::ErrorBody),
    )
)]
#[post("/organisations/{org_id}/staff/{user_id}/actions")]
pub async fn staff_action(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
    body: web::Json<StaffActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    staff::act_on(&state, &auth, acting, path.into_inner(), body.into_inner().action).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Gives a staff member a role in the facility, or takes one away (a person keeps
/// at least one role while on the staff; disable leavers instead).
#[utoipa::path(
    tag = "administration",
    params(
        ("org_id" = OrganisationId, Path, description = "The facility"),
        ("user_id" = UserId, Path, description = "The person"),
    ),
    request_body = RoleChange,
    responses(
        (status = 204),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody),
    )
)]
#[post("/organisations/{org_id}/staff/{user_id}/roles")]
pub async fn change_role(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
    body: web::Json<RoleChange>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    staff::change_role(&state, &auth, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Resets a person's sign-in after verifying their identity: records the check in
/// the reset ledger, ends their sessions, revokes their authenticators, and issues
/// a one-time recovery link that only lets them set a new password and register a
/// new authenticator.
#[utoipa::path(
    tag = "administration",
    params(
        ("org_id" = OrganisationId, Path, description = "The facility"),
        ("user_id" = UserId, Path, description = "The person"),
    ),
    request_body = ResetRequest,
    responses(
        (status = 200, description = "Give the link to the person only", body = IssuedLink),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody),
    )
)]
#[post("/organisations/{org_id}/staff/{user_id}/reset")]
pub async fn reset(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
    body: web::Json<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let issued = resets::reset(&state, &auth, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(issued))
}

/// Export format.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct LedgerQuery {
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// The facility's reset ledger (append-only), as JSON or CSV for inspections.
#[utoipa::path(
    tag = "administration",
    params(("org_id" = OrganisationId, Path, description = "The facility"), LedgerQuery),
    responses(
        (status = 200, body = [LedgerLine], description = "JSON, or text/csv with ?format=csv"),
        (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody),
    )
)]
#[get("/organisations/{org_id}/reset-ledger")]
pub async fn reset_ledger_export(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
    query: web::Query<LedgerQuery>,
) -> Result<HttpResponse, ApiError> {
    let lines = resets::reset_ledger(&state, &auth.actor, path.into_inner()).await?;
    match LedgerFormat::parse(query.format.as_deref())? {
        LedgerFormat::Json => Ok(HttpResponse::Ok().json(lines)),
        LedgerFormat::Csv => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(resets::ledger_csv(&lines))),
    }
}
