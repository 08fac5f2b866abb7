//! Signing in with two factors, and signing out, over HTTP. How the two steps
//! reveal nothing about an account is told in [`crate::service::sign_in`].

use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::auth::session::{self, Authenticated, Client, SessionGrant};
use crate::error::ApiError;
use crate::service::registration::CeremonyStarted;
use crate::service::sign_in::{self, SignInBegin, SignInFinish};
use crate::state::AppState;

/// Starts a sign-in: a WebAuthn challenge for the login ID.
#[utoipa::path(
    tag = "accounts",
    request_body = SignInBegin,
    responses((status = 200, description = "Get an assertion with these options", body = CeremonyStarted))
)]
#[post("/auth/sign-in/begin")]
pub async fn sign_in_begin(
    state: web::Data<AppState>,
    body: web::Json<SignInBegin>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(sign_in::begin(&state, body.into_inner()).await?))
}

/// Finishes a sign-in: password and assertion together, or nothing.
#[utoipa::path(
    tag = "accounts",
    request_body = SignInFinish,
    responses(
        (status = 200, description = "Signed in (cookie set)", body = SessionGrant),
        (status = 400, description = "Ceremony unknown, used or expired", body = crate::error::ErrorBody),
        (status = 401, description = "Sign-in failed (deliberately unspecific)", body = crate::error::ErrorBody),
        (status = 423, description = "Locked after repeated failures: an administrator must unlock", body = crate::error::ErrorBody),
        (status = 429, description = "Too many attempts: wait (Retry-After)", body = crate::error::ErrorBody),
    )
)]
#[post("/auth/sign-in/finish")]
pub async fn sign_in_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SignInFinish>,
) -> Result<HttpResponse, ApiError> {
    let (user, new) = sign_in::finish(&state, Client::of(&req), body.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .cookie(session::cookie(&new))
        .json(session::grant(user, &new)))
}

/// Ends the current session.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 204, description = "Signed out; cookie cleared"),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
    )
)]
#[post("/auth/sign-out")]
pub async fn sign_out(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    sign_in::sign_out(&state, auth.user.id, auth.session_id, session::client_ip(&req)).await?;
    Ok(HttpResponse::NoContent()
        .cookie(session::clearing_cookie())
        .finish())
}
