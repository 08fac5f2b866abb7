//! Redeeming a one-time link over HTTP: a new account (bootstrap administrator,
//! staff, room member) or a recovery after an identity-checked reset. The use
//! cases are in [`crate::service::registration`].

use actix_web::{post, web, HttpRequest, HttpResponse};

use crate::auth::session::{self, Client, SessionGrant};
use crate::error::ApiError;
use crate::service::registration::{self, CeremonyStarted, RegisterBegin, RegisterFinish};
use crate::state::AppState;

/// Chooses a password and asks for an authenticator. Nothing is created yet.
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterBegin,
    responses(
        (status = 200, description = "Create a credential with these options", body = CeremonyStarted),
        (status = 404, description = "Link unknown, used or expired", body = crate::error::ErrorBody),
        (status = 409, description = "Login ID taken", body = crate::error::ErrorBody),
        (status = 422, description = "Password or field refused; the code names the rule", body = crate::error::ErrorBody),
    )
)]
#[post("/invitations/register/begin")]
pub async fn register_begin(
    state: web::Data<AppState>,
    body: web::Json<RegisterBegin>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(registration::begin(&state, body.into_inner()).await?))
}

/// Verifies the new authenticator, redeems the link and signs the person in.
#[utoipa::path(
    tag = "accounts",
    request_body = RegisterFinish,
    responses(
        (status = 200, description = "Account ready and signed in (cookie set); for an emergency account `{\"user_id\",\"sealed\":true}` and no session", body = SessionGrant),
        (status = 400, description = "Ceremony invalid or authenticator response rejected", body = crate::error::ErrorBody),
        (status = 404, description = "Link used or expired meanwhile", body = crate::error::ErrorBody),
    )
)]
#[post("/invitations/register/finish")]
pub async fn register_finish(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<RegisterFinish>,
) -> Result<HttpResponse, ApiError> {
    match registration::finish(&state, Client::of(&req), body.into_inner()).await? {
        (user, Some(new)) => Ok(HttpResponse::Ok()
            .cookie(session::cookie(&new))
            .json(session::grant(user, &new))),
        // An emergency account: enrolling sealed it, and it stays signed out.
        (user, None) => Ok(HttpResponse::Ok().json(serde_json::json!({ "user_id": user, "sealed": true }))),
    }
}
