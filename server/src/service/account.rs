//! The signed-in person's own account: who they are, their sessions, their
//! authenticators and their password. Adding or removing an authenticator and
//! changing the password need a fresh two-factor confirmation (`auth::reauth`).

use kizuna_proto::{OrgRole, OrganisationId, OrganisationKind, Timestamp, UserId};
use kizuna_storage::credentials::{self, Credential};
use kizuna_storage::{orgs, sessions, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs::prelude::{PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential};

use crate::audit::{self, Entry};
use crate::auth::password::{self, PasswordContext};
use crate::auth::reauth::{self, PendingReauth};
use crate::auth::session::Authenticated;
use crate::auth::webauthn::{credential_id, parse_passkey};
use crate::auth::{self as authn};
use crate::error::{ApiError, Problem};
use crate::service::acting::Acting;
use crate::service::registration::{parse_birth_date, CeremonyStarted};
use crate::state::AppState;

/// At most this many authenticators per person.
pub const MAX_CREDENTIALS: usize = 10;

/// A role in an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleView {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Its name, to show.
    pub organisation_name: String,
    /// What kind of body it is.
    #[schema(value_type = String)]
    pub organisation_kind: OrganisationKind,
    /// The role there.
    pub role: OrgRole,
}

/// The signed-in person.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// Their ID.
    pub user_id: UserId,
    /// Their login ID.
    pub login_id: String,
    /// Their name as others see it.
    pub display_name: String,
    /// Whether they run the whole service.
    pub is_system_admin: bool,
    /// Their roles in organisations.
    pub roles: Vec<RoleView>,
}

/// Who the signed-in person is, with their roles.
pub async fn me(state: &AppState, auth: Authenticated) -> Result<MeView, ApiError> {
    let memberships: Vec<(OrganisationId, OrgRole)> = auth
        .actor
        .memberships
        .iter()
        .map(|m| (m.organisation, m.role))
        .collect();
    let roles = state
        .db
        .run(move |conn| {
            memberships
                .into_iter()
                .map(|(id, role)| {
                    let org = orgs::get(conn, id)?;
                    Ok(RoleView {
                        organisation_id: id,
                        organisation_name: org.name,
                        organisation_kind: org.kind,
                        role,
                    })
                })
                .collect::<Result<Vec<_>, kizuna_storage::StorageError>>()
        })
        .await?;
    Ok(MeView {
        user_id: auth.user.id,
        login_id: auth.user.login_id,
        display_name: auth.user.display_name,
        is_system_admin: auth.user.is_system_admin,
        roles,
    })
}

/// One of my sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Its ID.
    pub id: String,
    /// Whether this is the session making the request.
    pub current: bool,
    /// When it was created.
    pub created_at: Timestamp,
    /// Its last activity.
    pub last_seen_at: Timestamp,
    /// When it ends at the latest.
    pub expires_at: Timestamp,
    /// Where it was created from.
    pub ip: Option<String>,
    /// Which browser or app.
    pub user_agent: Option<String>,
}

/// The person's live sessions, marking the one asking.
pub async fn sessions(state: &AppState, auth: &Authenticated) -> Result<Vec<SessionView>, ApiError> {
    let (user, now) = (auth.user.id, state.now());
    let list = state
        .db
        .run(move |conn| sessions::live_for_user(conn, user, now))
        .await?;
    Ok(list
        .into_iter()
        .map(|s| SessionView {
            current: s.id == auth.session_id,
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            ip: s.ip,
            user_agent: s.user_agent,
        })
        .collect())
}

/// Ends one of the acting person's sessions (e.g. a phone left behind). Its
/// connections close at once.
pub async fn revoke_session(state: &AppState, acting: Acting, id: String) -> Result<(), ApiError> {
    let (user, now, ip) = (acting.user, state.now(), acting.ip);
    let target = id.clone();
    let ended = state
        .write(move |conn| {
            let ended = sessions::revoke(conn, user, &target, now)?;
            if ended {
                let entry = Entry::success(user, "auth.session_revoked", ("session", target), ip.as_deref());
                audit::record(conn, now, entry)?;
            }
            Ok(ended)
        })
        .await?;
    if !ended {
        return Err(ApiError::NotFound);
    }
    state.live.close_session(&id);
    Ok(())
}

/// One of my authenticators.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    /// Its credential ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it was last used to sign in.
    pub last_used_at: Option<Timestamp>,
}

/// The person's authenticators.
pub async fn credentials(state: &AppState, user: UserId) -> Result<Vec<CredentialView>, ApiError> {
    let list = state
        .db
        .run(move |conn| credentials::for_user(conn, user))
        .await?;
    Ok(list
        .into_iter()
        .map(|c| CredentialView {
            id: c.id,
            name: c.name,
            created_at: c.created_at,
            last_used_at: c.last_used_at,
        })
        .collect())
}

/// A name for a new authenticator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCredentialBegin {
    /// e.g. "spare security key".
    pub name: String,
}

#[derive(Serialize, Deserialize)]
struct PendingCredential {
    name: String,
    registration: PasskeyRegistration,
}

/// Starts registering another authenticator (recommended for staff: a spare).
/// Needs a fresh re-authentication; at most [`MAX_CREDENTIALS`].
pub async fn add_credential_begin(
    state: &AppState,
    auth: &Authenticated,
    body: AddCredentialBegin,
) -> Result<CeremonyStarted, ApiError> {
    auth.require_fresh(state)?;
    let name = body.name.trim().chars().take(60).collect::<String>();
    if name.is_empty() {
        return Err(ApiError::input("name", Problem::CredentialNameMissing));
    }
    let user = auth.user.id;
    let existing = state
        .db
        .run(move |conn| credentials::for_user(conn, user))
        .await?;
    if existing.len() >= MAX_CREDENTIALS {
        return Err(ApiError::input(
            "name",
            Problem::TooManyCredentials { max: MAX_CREDENTIALS },
        ));
    }
    let exclude = existing
        .iter()
        .filter_map(|c| parse_passkey(&c.passkey))
        .map(|p| p.cred_id().clone())
        .collect();
    let (options, registration) = state
        .relying
        .webauthn
        .start_passkey_registration(
            *user.as_uuid(),
            &auth.user.login_id,
            &auth.user.display_name,
            Some(exclude),
        )
        .map_err(ApiError::internal)?;
    let ceremony_id = authn::start_ceremony(
        state,
        "add_credential",
        Some(user),
        &PendingCredential { name, registration },
    )
    .await?;
    let options = serde_json::to_value(options).map_err(ApiError::internal)?;
    Ok(CeremonyStarted { ceremony_id, options })
}

/// The new authenticator's response.
#[derive(Deserialize, ToSchema)]
pub struct AddCredentialFinish {
    /// From `begin`.
    pub ceremony_id: String,
    /// From `navigator.credentials.create`.
    #[schema(value_type = Object)]
    pub credential: RegisterPublicKeyCredential,
}

/// Finishes registering another authenticator, with its audit record.
pub async fn add_credential_finish(
    state: &AppState,
    auth: &Authenticated,
    ip: Option<String>,
    body: AddCredentialFinish,
) -> Result<CredentialView, ApiError> {
    auth.require_fresh(state)?;
    let (ceremony, pending): (_, PendingCredential) =
        authn::take_ceremony(state, body.ceremony_id, "add_credential").await?;
    if ceremony.user != Some(auth.user.id) {
        return Err(ApiError::CeremonyInvalid);
    }
    let passkey = state
        .relying
        .webauthn
        .finish_passkey_registration(&body.credential, &pending.registration)
        .map_err(|e| ApiError::WebauthnRejected(e.to_string()))?;
    let now = state.now();
    let credential = Credential {
        id: credential_id(passkey.cred_id()),
        user: auth.user.id,
        name: pending.name,
        passkey: serde_json::to_string(&passkey).map_err(ApiError::internal)?,
        created_at: now,
        last_used_at: None,
    };
    let stored = credential.clone();
    state
        .write(move |conn| {
            credentials::add(conn, &stored)?;
            let entry = Entry::success(
                stored.user,
                "credential.added",
                ("credential", stored.id.clone()),
                ip.as_deref(),
            );
            Ok(audit::record(conn, now, entry)?)
        })
        .await?;
    Ok(CredentialView {
        id: credential.id,
        name: credential.name,
        created_at: credential.created_at,
        last_used_at: None,
    })
}

/// Removes one of the person's authenticators; never the last one. Needs a fresh
/// re-authentication.
pub async fn remove_credential(
    state: &AppState,
    auth: &Authenticated,
    ip: Option<String>,
    id: String,
) -> Result<(), ApiError> {
    auth.require_fresh(state)?;
    let (user, now) = (auth.user.id, state.now());
    state
        .write(move |conn| {
            let all = credentials::for_user(conn, user)?;
            if !all.iter().any(|c| c.id == id) {
                return Err(ApiError::NotFound);
            }
            if all.len() <= 1 {
                return Err(ApiError::LastCredential);
            }
            credentials::remove(conn, user, &id)?;
            let entry = Entry::success(user, "credential.removed", ("credential", id), ip.as_deref());
            audit::record(conn, now, entry)?;
            Ok(())
        })
        .await
}

/// Asks for a fresh assertion from one of my authenticators, for
/// `/me/reauth/finish` (or a password change).
pub async fn reauth_begin(state: &AppState, user: UserId) -> Result<CeremonyStarted, ApiError> {
    let passkeys: Vec<_> = state
        .db
        .run(move |conn| credentials::for_user(conn, user))
        .await?
        .iter()
        .filter_map(|c| parse_passkey(&c.passkey))
        .collect();
    let (options, auth_state) = state
        .relying
        .webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(ApiError::internal)?;
    let ceremony_id = authn::start_ceremony(
        state,
        reauth::CEREMONY,
        Some(user),
        &PendingReauth { auth: auth_state },
    )
    .await?;
    let options = serde_json::to_value(options).map_err(ApiError::internal)?;
    Ok(CeremonyStarted { ceremony_id, options })
}

/// Both factors again, to confirm it is me.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthFinish {
    /// From `/me/reauth/begin`.
    pub ceremony_id: String,
    /// My password.
    pub password: String,
    /// The assertion from `navigator.credentials.get`.
    #[schema(value_type = Object)]
    pub credential: PublicKeyCredential,
}

impl std::fmt::Debug for ReauthFinish {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReauthFinish")
            .field("ceremony_id", &self.ceremony_id)
            .finish_non_exhaustive()
    }
}

/// A password change: the current password, a fresh assertion and the new password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
    /// From `/me/reauth/begin`.
    pub ceremony_id: String,
    /// The assertion from `navigator.credentials.get`.
    #[schema(value_type = Object)]
    pub credential: PublicKeyCredential,
}

/// Changes the person's password. Needs the current password and a fresh WebAuthn
/// assertion; ends their other sessions.
pub async fn change_password(
    state: &AppState,
    auth: &Authenticated,
    ip: Option<String>,
    body: ChangePassword,
) -> Result<(), ApiError> {
    let user = auth.user.id;
    // The same two-factor check as /me/reauth/finish (a failure counts toward the
    // throttle); it also stamps this session as freshly re-authenticated.
    reauth::verify_both_factors(
        state,
        auth,
        body.ceremony_id,
        body.current_password,
        &body.credential,
        ip.clone(),
    )
    .await?;
    let history = state
        .db
        .run(move |conn| users::recent_password_hashes(conn, user, 5))
        .await?;
    let context = PasswordContext {
        login_id: &auth.user.login_id,
        display_name: &auth.user.display_name,
        birth_date: parse_birth_date(auth.user.birth_date.as_deref()).unwrap_or(None),
    };
    password::check_rules(&body.new_password, &context).map_err(authn::rejected)?;
    if password::reused(&body.new_password, &history) {
        return Err(authn::rejected(password::PasswordProblem::Reused));
    }
    let hash = authn::hash(state, body.new_password).await?;
    let (now, current) = (state.now(), auth.session_id.clone());
    let ended = state
        .write(move |conn| {
            users::set_password_hash(conn, user, &hash, now)?;
            let ended = sessions::revoke_others(conn, user, &current, now)?;
            let entry = Entry::success(
                user,
                "credential.password_changed",
                ("user", user.to_string()),
                ip.as_deref(),
            );
            audit::record(conn, now, entry)?;
            Ok(ended)
        })
        .await?;
    for id in ended {
        state.live.close_session(&id);
    }
    Ok(())
}
