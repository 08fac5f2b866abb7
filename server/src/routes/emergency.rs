//! Break-glass accounts and disaster declarations over HTTP (issue 14). The rules
//! are in [`crate::service::emergency`]: who may sign in when, what is audited, who
//! is alerted.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use kizuna_proto::{OrganisationId, UserId};

use crate::auth::session::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::invites::IssuedLink;
use crate::service::acting::Acting;
use crate::service::emergency::disaster::{self, DeclarationView};
use crate::service::emergency::{self, Approval, EmergencyAccounts, NewEmergencyAccount, PreparedAccount};
use crate::state::AppState;

/// Prepares a sealed emergency account for the facility (`{"label", "role"}`): the
/// account, its login ID and a one-time enrolment link for its password sheet and
/// security key. Enrolling seals it. Facility administrators; audited.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    request_body = NewEmergencyAccount,
    responses((status = 201, body = PreparedAccount), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/organisations/{org_id}/emergency-accounts")]
pub async fn prepare(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
    body: web::Json<NewEmergencyAccount>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let prepared =
        emergency::prepare(&state, &auth.actor, acting, path.into_inner(), body.into_inner()).await?;
    Ok(HttpResponse::Created().json(prepared))
}

/// The facility's emergency accounts: state, last sign-in, why one may sign in now,
/// pending approvals; and the disasters declared over the facility. Facility
/// administrators.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The facility")),
    responses((status = 200, body = EmergencyAccounts), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/emergency-accounts")]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(emergency::list(&state, &auth.actor, path.into_inner()).await?))
}

/// Approves the account's use; the second different administrator within an hour
/// opens it for eight hours. Audited.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The facility"), ("user_id" = UserId, Path, description = "The emergency account")),
    responses((status = 200, body = Approval), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody))
)]
#[post("/organisations/{org_id}/emergency-accounts/{user_id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (org, user) = path.into_inner();
    let approval = emergency::approve(&state, &auth.actor, Acting::of(&auth, &req), org, user).await?;
    Ok(HttpResponse::Ok().json(approval))
}

/// Ends the account's use now: sessions and connections end; if it was used it
/// must be resealed. Audited.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The facility"), ("user_id" = UserId, Path, description = "The emergency account")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/organisations/{org_id}/emergency-accounts/{user_id}/end")]
pub async fn end(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (org, user) = path.into_inner();
    emergency::end(&state, &auth.actor, Acting::of(&auth, &req), org, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reseals the account with new credentials: the old sheet and key stop working and
/// a new enrolment link is issued. Needs a fresh re-authentication. Audited.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The facility"), ("user_id" = UserId, Path, description = "The emergency account")),
    responses((status = 200, body = IssuedLink), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/organisations/{org_id}/emergency-accounts/{user_id}/reseal")]
pub async fn reseal(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<(OrganisationId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (org, user) = path.into_inner();
    let acting = Acting::of(&auth, &req);
    Ok(HttpResponse::Ok().json(emergency::reseal(&state, &auth, acting, org, user).await?))
}

/// Declares a disaster for the organisation and everything under it: their
/// facilities' emergency accounts may sign in while it lasts. Broadcast officers;
/// audited. 201 when declared now, 200 with the one already declared.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The association or city")),
    responses((status = 201, body = DeclarationView), (status = 200, body = DeclarationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[post("/organisations/{org_id}/disaster")]
pub async fn declare(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let acting = Acting::of(&auth, &req);
    let (declaration, new) = disaster::declare(&state, &auth.actor, acting, path.into_inner()).await?;
    Ok(if new {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
    .json(declaration))
}

/// The disaster declared for the organisation, or `null`. Broadcast officers.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The association or city")),
    responses((status = 200, body = Option<DeclarationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/organisations/{org_id}/disaster")]
pub async fn current(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(disaster::current(&state, &auth.actor, path.into_inner()).await?))
}

/// Ends the declared disaster: emergency accounts it admitted are signed out at once
/// and must be resealed. Broadcast officers; audited.
#[utoipa::path(
    tag = "emergency",
    params(("org_id" = OrganisationId, Path, description = "The association or city")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/organisations/{org_id}/disaster")]
pub async fn end_disaster(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    path: web::Path<OrganisationId>,
) -> Result<HttpResponse, ApiError> {
    disaster::end(&state, &auth.actor, Acting::of(&auth, &req), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
