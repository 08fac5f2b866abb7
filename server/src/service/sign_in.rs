//! Signing in with two factors, and signing out: the use cases.
//!
//! 1. `begin` takes only a login ID and answers a WebAuthn challenge. For an
//!    unknown login ID (or an account without authenticators) the challenge lists
//!    decoy credentials, so the answer reveals neither whether the account exists
//!    nor what it has. A known account gets its real credentials *whatever its
//!    state* (active, suspended, disabled, locked): the answer never changes with
//!    the state, so nobody who knows a login ID can watch it. The refusal comes at
//!    `finish`, as the same `sign_in_failed` (or `account_locked`).
//! 2. `finish` takes the password *and* the authenticator's assertion. Both are
//!    checked every time; only both together give a session. Any failure gets the
//!    same `sign_in_failed`.

use kizuna_proto::UserId;
use kizuna_storage::credentials;
use kizuna_storage::sessions;
use kizuna_storage::users::{self, UserStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs::prelude::{AuthenticationResult, PasskeyAuthentication, PublicKeyCredential};

use crate::audit::{self, Entry};
use crate::auth::session::{self, Client, NewSession};
use crate::auth::webauthn::{credential_id, parse_passkey};
use crate::auth::{self as authn, throttle};
use crate::error::ApiError;
use crate::service::emergency::admission as emergency;
use crate::service::registration::CeremonyStarted;
use crate::state::AppState;

/// Who is signing in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInBegin {
    /// The login ID.
    pub login_id: String,
}

/// Both factors.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInFinish {
    /// From `begin`.
    pub ceremony_id: String,
    /// The password.
    pub password: String,
    /// The `PublicKeyCredential` from `navigator.credentials.get`.
    #[schema(value_type = Object)]
    pub credential: PublicKeyCredential,
}

impl std::fmt::Debug for SignInFinish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInFinish")
            .field("ceremony_id", &self.ceremony_id)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct Pending {
    login_id: String,
    /// `None` for a decoy: no usable account.
    account: Option<(UserId, PasskeyAuthentication)>,
}

/// Starts a sign-in: a WebAuthn challenge for the login ID (decoys when there is
/// no usable account).
pub async fn begin(state: &AppState, body: SignInBegin) -> Result<CeremonyStarted, ApiError> {
    let login_id = body.login_id.trim().to_lowercase();
    let lookup = login_id.clone();
    let found = state
        .db
        .run(move |conn| {
            let Some(user) = users::find_by_login(conn, &lookup)? else {
                return Ok(None);
            };
            // No look at the account's state here: see the module documentation.
            let passkeys: Vec<_> = credentials::for_user(conn, user.id)?
                .iter()
                .filter_map(|c| parse_passkey(&c.passkey))
                .collect();
            Ok(Some((user.id, passkeys)))
        })
        .await?;
    let (options, account) = match found {
        Some((user, passkeys)) if !passkeys.is_empty() => {
            let (options, auth) = state
                .relying
                .webauthn
                .start_passkey_authentication(&passkeys)
                .map_err(ApiError::internal)?;
            (options, Some((user, auth)))
        }
        _ => (state.relying.decoy_challenge(&login_id), None),
    };
    let ceremony_id = authn::start_ceremony(state, "sign_in", None, &Pending { login_id, account }).await?;
    let options = serde_json::to_value(options).map_err(ApiError::internal)?;
    Ok(CeremonyStarted { ceremony_id, options })
}

/// Finishes a sign-in from `client`: password and assertion together give a
/// session, anything else the same `sign_in_failed` (counted by the throttle).
pub async fn finish(
    state: &AppState,
    client: Client,
    body: SignInFinish,
) -> Result<(UserId, NewSession), ApiError> {
    let (_, pending): (_, Pending) = authn::take_ceremony(state, body.ceremony_id, "sign_in").await?;
    let Client { ip, agent } = client;
    let now = state.now();
    let (login, ip_key) = (pending.login_id.clone(), ip.clone());
    state
        .db
        .run(move |conn| Ok(throttle::check(conn, &login, ip_key.as_deref(), now)))
        .await??;

    let user = pending.account.as_ref().map(|(user, _)| *user);
    let (factor, verified) = check_factors(state, &pending, body.password, &body.credential).await?;
    let login = pending.login_id.clone();
    let (Some(result), Some(user)) = (verified, user) else {
        // Counting the failure must survive the refusal: its own transaction.
        let failure = throttle::Failure {
            login_id: login,
            user,
            ip,
            action: "auth.sign_in",
            factor,
        };
        return Err(throttle::refuse(state, failure).await);
    };
    let st = state.clone();
    let refusal_ip = ip.clone();
    let outcome = state
        .write(move |conn| {
            // Suspended, disabled (or changed between begin and finish): the same
            // answer as any other failure.
            if users::get(conn, user)?.status != UserStatus::Active {
                return Err(ApiError::SignInFailed);
            }
            // Break-glass accounts sign in only while admitted (the one rule).
            let alert = emergency::on_sign_in(conn, user, ip.as_deref(), now)?;
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
            // Only this login ID's failures are forgotten; the address's count decays
            // with time, so one valid account cannot launder guesses at others.
            throttle::succeed(conn, &login)?;
            let new = session::create(conn, &st, user, ip.clone(), agent)?;
            audit::record(
                conn,
                now,
                Entry::success(user, "auth.sign_in", ("session", new.id.clone()), ip.as_deref()),
            )?;
            Ok((new, alert))
        })
        .await;
    let (new, alert) = match outcome {
        Err(ApiError::EmergencyAccountSealed) => {
            // The refusal rolled back; its record and the alert must survive it.
            let admins = state
                .write(move |conn| Ok(emergency::refused(conn, user, refusal_ip.as_deref(), now)?))
                .await?;
            alert_admins(state, &admins, user);
            return Err(ApiError::EmergencyAccountSealed);
        }
        other => other?,
    };
    if let Some(admins) = alert {
        alert_admins(state, &admins, user);
    }
    Ok((user, new))
}

/// Tells the facility administrators' connections on this node that emergency
/// account `account` signed in or tried to (the other nodes heard it by NOTIFY).
fn alert_admins(state: &AppState, admins: &[UserId], account: UserId) {
    for admin in admins {
        state.live.notify_alert(*admin, account);
    }
}

/// Checks both factors, always, so neither the answer nor its timing says which
/// failed: which factor failed (for the audit log) and the verified assertion.
async fn check_factors(
    state: &AppState,
    pending: &Pending,
    password: String,
    credential: &PublicKeyCredential,
) -> Result<(&'static str, Option<AuthenticationResult>), ApiError> {
    let stored = match pending.account.as_ref().map(|(user, _)| *user) {
        Some(id) => state.db.run(move |conn| users::password_hash(conn, id)).await?,
        None => None,
    };
    let password_ok = authn::verify(state, password, stored).await?;
    let assertion = pending.account.as_ref().map(|(_, auth)| {
        state
            .relying
            .webauthn
            .finish_passkey_authentication(credential, auth)
    });
    Ok(match (password_ok, assertion) {
        (true, Some(Ok(result))) => ("both", Some(result)),
        (false, Some(Ok(_))) => ("password", None),
        (true, Some(Err(_))) => ("webauthn", None),
        _ => ("password_and_webauthn", None),
    })
}

/// Ends the session `session_id` of `user`, with its audit record, and closes its
/// live connections.
pub async fn sign_out(
    state: &AppState,
    user: UserId,
    session_id: String,
    ip: Option<String>,
) -> Result<(), ApiError> {
    let now = state.now();
    let id = session_id.clone();
    state
        .write(move |conn| {
            sessions::revoke(conn, user, &id, now)?;
            let entry = Entry::success(user, "auth.sign_out", ("session", id), ip.as_deref());
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    state.live.close_session(&session_id);
    Ok(())
}
