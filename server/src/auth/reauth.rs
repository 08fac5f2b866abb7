//! Fresh re-authentication: a signed-in person proves both factors again (password
//! and an assertion from one of their authenticators) before a sensitive action.
//!
//! A session records when it last did so (`sessions.reauthenticated_at`: set at
//! sign-in, and here). Sensitive handlers call [`Authenticated::require_fresh`],
//! which refuses with `reauth_required` once `reauth_max_age_secs` have passed; the
//! client then runs `/me/reauth/begin` + `/me/reauth/finish` and retries. A stolen
//! session token alone therefore cannot add or remove an authenticator, remove a
//! device, change the password or act on another person's account.
//!
//! Every failed re-authentication counts toward the login ID's (and the address's)
//! failure throttle, exactly as a failed sign-in does, so a stolen session cannot
//! be used to guess the password without locking the account.

use kizuna_storage::{credentials, sessions, users};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential};

use crate::audit::{self, Entry};
use crate::auth::session::Authenticated;
use crate::auth::webauthn::{credential_id, parse_passkey};
use crate::auth::{self as authn, throttle};
use crate::error::ApiError;
use crate::state::AppState;

/// The ceremony kind of a re-authentication (`/me/reauth/begin`).
pub const CEREMONY: &str = "reauth";

/// What `/me/reauth/begin` keeps until the assertion comes back.
#[derive(Serialize, Deserialize)]
pub struct PendingReauth {
    /// The WebAuthn state.
    pub auth: PasskeyAuthentication,
}

/// Checks the password and a fresh assertion for the signed-in person, counting a
/// failure toward the throttle (in its own transaction, so it survives the
/// refusal), and on success stamps the session as freshly re-authenticated and
/// forgets the login ID's failures.
pub async fn verify_both_factors(
    state: &AppState,
    auth: &Authenticated,
    ceremony_id: String,
    password: String,
    credential: &PublicKeyCredential,
    ip: Option<String>,
) -> Result<(), ApiError> {
    let (ceremony, pending): (_, PendingReauth) = authn::take_ceremony(state, ceremony_id, CEREMONY).await?;
    let user = auth.user.id;
    if ceremony.user != Some(user) {
        return Err(ApiError::CeremonyInvalid);
    }
    let now = state.now();
    let (login, ip_key) = (auth.user.login_id.clone(), ip.clone());
    state
        .db
        .run(move |conn| Ok(throttle::check(conn, &login, ip_key.as_deref(), now)))
        .await??;
    let stored = state.db.run(move |conn| users::password_hash(conn, user)).await?;
    let password_ok = authn::verify(state, password, stored).await?;
    let assertion = state
        .relying
        .webauthn
        .finish_passkey_authentication(credential, &pending.auth);
    let login = auth.user.login_id.clone();
    let result = match (password_ok, assertion) {
        (true, Ok(result)) => result,
        (password_ok, assertion) => {
            let factor = match (password_ok, assertion.is_ok()) {
                (false, true) => "password",
                (true, false) => "webauthn",
                _ => "password_and_webauthn",
            };
            let failure = throttle::Failure {
                login_id: login,
                user: Some(user),
                ip,
                action: "auth.reauth",
                factor,
            };
            return Err(throttle::refuse(state, failure).await);
        }
    };
    let session_id = auth.session_id.clone();
    state
        .write(move |conn| {
            let cred_id = credential_id(result.cred_id());
            if let Some(stored) = credentials::for_user(conn, user)?
                .into_iter()
                .find(|c| c.id == cred_id)
            {
                if let Some(mut passkey) = parse_passkey(&stored.passkey) {
                    passkey.update_credential(&result);
                    let json = serde_json::to_string(&passkey).unwrap_or(stored.passkey);
                    credentials::record_use(conn, &cred_id, &json, now)?;
                }
            }
            throttle::succeed(conn, &login)?;
            sessions::mark_reauthenticated(conn, &session_id, now)?;
            let entry = Entry::success(
                user,
                "auth.reauth",
                ("session", session_id.clone()),
                ip.as_deref(),
            );
            audit::record(conn, now, entry)?;
            Ok(())
        })
        .await
}
