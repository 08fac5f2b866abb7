//! The signed-in person's own account over HTTP: who they are, their sessions,
//! their authenticators and their password. The use cases are in
//! [`crate::service::account`].

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};

use crate::auth::reauth;
use crate::auth::session::{self, Authenticated};
use crate::error::ApiError;
use crate::service::account::{
    self, AddCredentialBegin, AddCredentialFinish, ChangePassword, CredentialView, MeView, ReauthFinish,
    SessionView,
};
use crate::service::acting::Acting;
use crate::service::registration::CeremonyStarted;
use crate::state::AppState;

/// Who am I?
#[utoipa::path(tag = "me", responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody)))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(account::me(&state, auth).await?))
}

/// My live sessions.
#[utoipa::path(tag = "me", responses((status = 200, body = [SessionView]), (status = 401, body = crate::error::ErrorBody)))]
#[get("/me/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(account::sessions(&state, &auth).await?))
}

/// Ends one of my sessions (e.g. a phone left behind). Its connections close at once.
#[utoipa::path(
    tag = "me",
    params(("session_id" = String, Path, description = "The session to end")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody))
)]
#[delete("/me/sessions/{session_id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    account::revoke_session(&state, Acting::of(&auth, &req), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// My authenticators.
#[utoipa::path(tag = "me", responses((status = 200, body = [CredentialView]), (status = 401, body = crate::error::ErrorBody)))]
#[get("/me/credentials")]
pub async fn list_credentials(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(account::credentials(&state, auth.user.id).await?))
}

/// Starts registering another authenticator (recommended for staff: a spare).
#[utoipa::path(
    tag = "me",
    request_body = AddCredentialBegin,
    responses((status = 200, body = CeremonyStarted), (status = 401, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody))
)]
#[post("/me/credentials/begin")]
pub async fn add_credential_begin(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: web::Json<AddCredentialBegin>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(account::add_credential_begin(&state, &auth, body.into_inner()).await?))
}

/// Finishes registering another authenticator.
#[utoipa::path(
    tag = "me",
    request_body = AddCredentialFinish,
    responses((status = 200, body = CredentialView), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody))
)]
#[post("/me/credentials/finish")]
pub async fn add_credential_finish(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<AddCredentialFinish>,
) -> Result<HttpResponse, ApiError> {
    let ip = session::client_ip(&req);
    Ok(HttpResponse::Ok().json(account::add_credential_finish(&state, &auth, ip, body.into_inner()).await?))
}

/// Removes one of my authenticators; never the last one.
#[utoipa::path(
    tag = "me",
    params(("credential_id" = String, Path, description = "The credential ID")),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, description = "It is the last one", body = crate::error::ErrorBody))
)]
#[delete("/me/credentials/{credential_id}")]
pub async fn remove_credential(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    account::remove_credential(&state, &auth, session::client_ip(&req), path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Asks for a fresh assertion from one of my authenticators, for
/// `/me/reauth/finish` (or a password change).
#[utoipa::path(tag = "me", responses((status = 200, body = CeremonyStarted), (status = 401, body = crate::error::ErrorBody)))]
#[post("/me/reauth/begin")]
pub async fn reauth_begin(state: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(account::reauth_begin(&state, auth.user.id).await?))
}

/// Confirms it is me with my password and a fresh assertion, exactly as
/// `/me/password` checks them. For the next `reauth_max_age_secs` (default 300)
/// this session may then do what needs a fresh confirmation: add or remove an
/// authenticator, remove a device, and act on another person's account. A failure
/// counts toward my login ID's failed sign-ins.
#[utoipa::path(
    tag = "me",
    request_body = ReauthFinish,
    responses(
        (status = 204, description = "Confirmed; this session is freshly re-authenticated"),
        (status = 400, description = "Ceremony unknown, used or expired", body = crate::error::ErrorBody),
        (status = 401, description = "Password or assertion wrong", body = crate::error::ErrorBody),
        (status = 423, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody),
    )
)]
#[post("/me/reauth/finish")]
pub async fn reauth_finish(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<ReauthFinish>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let ip = session::client_ip(&req);
    reauth::verify_both_factors(
        &state,
        &auth,
        body.ceremony_id,
        body.password,
        &body.credential,
        ip,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes my password. Needs the current password and a fresh WebAuthn assertion;
/// ends my other sessions.
#[utoipa::path(
    tag = "me",
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; other sessions ended"),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, description = "Current password or assertion wrong", body = crate::error::ErrorBody),
        (status = 422, description = "New password breaks a rule", body = crate::error::ErrorBody),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Json<ChangePassword>,
) -> Result<HttpResponse, ApiError> {
    account::change_password(&state, &auth, session::client_ip(&req), body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
