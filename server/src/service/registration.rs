//! Redeeming a one-time link: a new account (bootstrap administrator, staff, room
//! member) or a recovery after an identity-checked reset. The person chooses a
//! password and registers a WebAuthn authenticator; only then does the account
//! exist (or change).

use kizuna_proto::{InvitationId, OrgRole, RoomRole, Timestamp, UserId};
use kizuna_storage::audit::Outcome;
use kizuna_storage::credentials::{self, Credential};
use kizuna_storage::invitations::{self, Invitation, InvitationKind};
use kizuna_storage::orgs::{self, Membership};
use kizuna_storage::rooms::{self, RoomMember};
use kizuna_storage::users::{self, User, UserStatus};
use kizuna_storage::{sessions, throttle, DbConn, StorageError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};

use crate::audit::{self, Entry};
use crate::auth::password::{self, PasswordContext};
use crate::auth::session::{self, Client, NewSession};
use crate::auth::webauthn::credential_id;
use crate::auth::{self as authn, throttle as login_throttle};
use crate::error::{ApiError, Problem};
use crate::service::emergency;

use crate::state::AppState;
use crate::tokens::hash_token;

/// The first step of redeeming a link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBegin {
    /// The token from the link.
    pub token: String,
    /// The login ID to create (new accounts only): 3–64 of `a-z 0-9 . _ - @`.
    pub login_id: Option<String>,
    /// The name others see (new accounts; defaults to the invitation's name).
    pub display_name: Option<String>,
    /// The new password.
    pub password: String,
    /// Birth date `YYYY-MM-DD` (optional; only used to refuse passwords containing it).
    pub birth_date: Option<String>,
}

impl std::fmt::Debug for RegisterBegin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterBegin")
            .field("login_id", &self.login_id)
            .finish_non_exhaustive()
    }
}

/// The WebAuthn creation options to pass to `navigator.credentials.create`.
#[derive(Serialize, ToSchema)]
pub struct CeremonyStarted {
    /// Send back with the authenticator's response.
    pub ceremony_id: String,
    /// `CredentialCreationOptions` or `CredentialRequestOptions` as WebAuthn defines them.
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

/// The authenticator's response to the creation options.
#[derive(Deserialize, ToSchema)]
pub struct RegisterFinish {
    /// From the first step.
    pub ceremony_id: String,
    /// The `PublicKeyCredential` from `navigator.credentials.create`.
    #[schema(value_type = Object)]
    pub credential: RegisterPublicKeyCredential,
    /// A name for the authenticator ("iPhone", "blue key").
    pub credential_name: Option<String>,
}

/// What the ceremony remembers between the two steps.
#[derive(Serialize, Deserialize)]
struct Pending {
    invitation: InvitationId,
    user: UserId,
    login_id: String,
    display_name: String,
    birth_date: Option<String>,
    password_hash: String,
    registration: PasskeyRegistration,
}

/// A login ID as stored (trimmed, lower case), or `invalid_input`.
pub fn check_login_id(login_id: &str) -> Result<String, ApiError> {
    let id = login_id.trim().to_lowercase();
    let ok_chars = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_@".contains(c));
    if !(3..=64).contains(&id.chars().count()) || !ok_chars {
        return Err(ApiError::input("login_id", Problem::LoginIdShape));
    }
    Ok(id)
}

/// A birth date `YYYY-MM-DD` as (year, month, day); `None` when not given.
pub fn parse_birth_date(text: Option<&str>) -> Result<Option<(u16, u8, u8)>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad = || ApiError::input("birth_date", Problem::BirthDateShape);
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (y, m, d): (u16, u8, u8) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1900..=2100).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    Ok(Some((y, m, d)))
}

/// Checks the link and the chosen password, and asks for an authenticator.
/// Nothing is created yet: the account exists only after [`finish`].
pub async fn begin(state: &AppState, body: RegisterBegin) -> Result<CeremonyStarted, ApiError> {
    let now = state.now();
    let hash = hash_token(body.token.trim());
    let invitation = state
        .db
        .run(move |conn| invitations::find_by_token_hash(conn, &hash))
        .await?
        .filter(|i| i.is_usable(now))
        .ok_or(ApiError::InvitationInvalid)?;

    let (user, login_id, display_name, birth_date, history) = account_for(state, &invitation, &body).await?;
    let context = PasswordContext {
        login_id: &login_id,
        display_name: &display_name,
        birth_date: parse_birth_date(birth_date.as_deref())?,
    };
    password::check_rules(&body.password, &context).map_err(authn::rejected)?;
    if password::reused(&body.password, &history) {
        return Err(authn::rejected(password::PasswordProblem::Reused));
    }
    let password_hash = authn::hash(state, body.password).await?;
    let (options, registration) = state
        .relying
        .webauthn
        .start_passkey_registration(*user.as_uuid(), &login_id, &display_name, None)
        .map_err(ApiError::internal)?;
    let pending = Pending {
        invitation: invitation.id,
        user,
        login_id,
        display_name,
        birth_date,
        password_hash,
        registration,
    };
    let ceremony_id = authn::start_ceremony(state, "register", Some(user), &pending).await?;
    let options = serde_json::to_value(options).map_err(ApiError::internal)?;
    Ok(CeremonyStarted { ceremony_id, options })
}

/// Who the link's account is: (ID, login ID, name, birth date, recent password
/// hashes). A recovery's existing person, or a new account from the chosen fields.
async fn account_for(
    state: &AppState,
    invitation: &Invitation,
    body: &RegisterBegin,
) -> Result<(UserId, String, String, Option<String>, Vec<String>), ApiError> {
    Ok(match invitation.target_user {
        Some(target) if invitation.kind == InvitationKind::Recovery => {
            let (user, history) = state
                .db
                .run(move |conn| {
                    Ok((
                        users::get(conn, target)?,
                        users::recent_password_hashes(conn, target, 5)?,
                    ))
                })
                .await?;
            if user.status == UserStatus::Disabled {
                return Err(ApiError::InvitationInvalid);
            }
            (
                user.id,
                user.login_id,
                user.display_name,
                user.birth_date,
                history,
            )
        }
        _ => {
            let login_id = check_login_id(body.login_id.as_deref().unwrap_or(""))?;
            let display_name = body
                .display_name
                .clone()
                .or_else(|| invitation.invitee_name.clone())
                .or_else(|| Some(login_id.clone()))
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty() && n.chars().count() <= 100)
                .ok_or_else(|| ApiError::input("display_name", Problem::NameLength { max: 100 }))?;
            // Only emergency accounts carry the mark, so a person cannot pass for one.
            if display_name.contains(emergency::NAME_MARK) {
                return Err(ApiError::input("display_name", Problem::ReservedName));
            }
            let lookup = login_id.clone();
            if state
                .db
                .run(move |conn| users::find_by_login(conn, &lookup))
                .await?
                .is_some()
            {
                return Err(ApiError::LoginIdTaken);
            }
            parse_birth_date(body.birth_date.as_deref())?;
            let birth = body
                .birth_date
                .as_deref()
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_owned);
            (
                UserId::from_uuid(uuid::Uuid::new_v4()),
                login_id,
                display_name,
                birth,
                Vec::new(),
            )
        }
    })
}

/// Verifies the new authenticator, redeems the link and signs the person in from
/// `client`: returns the person and their new session (none for an emergency
/// account, which enrolling seals).
pub async fn finish(
    state: &AppState,
    client: Client,
    body: RegisterFinish,
) -> Result<(UserId, Option<NewSession>), ApiError> {
    let (_, pending): (_, Pending) = authn::take_ceremony(state, body.ceremony_id, "register").await?;
    let passkey = state
        .relying
        .webauthn
        .finish_passkey_registration(&body.credential, &pending.registration)
        .map_err(|e| ApiError::WebauthnRejected(e.to_string()))?;
    let passkey_json = serde_json::to_string(&passkey).map_err(ApiError::internal)?;
    let credential_name = body
        .credential_name
        .map(|n| n.trim().chars().take(60).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "security key / passkey".to_owned());
    let Client { ip, agent } = client;
    let now = state.now();
    let st = state.clone();
    // One transaction: a refusal (the link used meanwhile, the login ID taken by
    // someone faster) rolls back the link's consumption, so the link still works.
    state
        .write(move |conn| {
            if !invitations::consume(conn, pending.invitation, pending.user, now)? {
                return Err(ApiError::InvitationInvalid);
            }
            let invitation = invitations::get(conn, pending.invitation)?;
            let user = pending.user;
            let recovery = invitation.kind == InvitationKind::Recovery;
            if recovery {
                recover(conn, &pending, now)?;
            } else {
                match create_account(conn, &pending, &invitation, now) {
                    Err(StorageError::Conflict(_)) => return Err(ApiError::LoginIdTaken),
                    other => other?,
                }
            }
            users::set_password_hash(conn, user, &pending.password_hash, now)?;
            credentials::add(
                conn,
                &Credential {
                    id: credential_id(passkey.cred_id()),
                    user,
                    name: credential_name,
                    passkey: passkey_json,
                    created_at: now,
                    last_used_at: None,
                },
            )?;
            audit::record(
                conn,
                now,
                Entry {
                    actor: Some(user),
                    action: if recovery {
                        "account.recovered"
                    } else {
                        "account.registered"
                    },
                    target: Some(("invitation", invitation.id.to_string())),
                    ip: ip.as_deref(),
                    outcome: Outcome::Success,
                    detail: Some(format!("{{\"kind\":\"{}\"}}", invitation.kind.as_str())),
                },
            )?;
            // An emergency account is sealed by enrolling: no session.
            if recovery && emergency::sealed_on_enrolment(conn, user, now)? {
                return Ok((user, None));
            }
            let new = session::create(conn, &st, user, ip.clone(), agent)?;
            Ok((user, Some(new)))
        })
        .await
}

fn create_account(
    conn: &mut DbConn,
    pending: &Pending,
    invitation: &Invitation,
    now: Timestamp,
) -> Result<(), StorageError> {
    users::create(
        conn,
        &User {
            id: pending.user,
            login_id: pending.login_id.clone(),
            display_name: pending.display_name.clone(),
            is_system_admin: invitation.kind == InvitationKind::BootstrapAdmin,
            status: UserStatus::Active,
            created_at: now,
            last_sign_in_at: None,
            birth_date: pending.birth_date.clone(),
        },
    )?;
    match invitation.kind {
        InvitationKind::Staff => {
            let (Some(org), Some(role)) = (invitation.organisation, invitation.role.as_deref()) else {
                return Err(StorageError::Corrupt(
                    "staff invitation without organisation or role".into(),
                ));
            };
            let role: OrgRole = role
                .parse()
                .map_err(|_| StorageError::Corrupt(format!("invitation role {role:?}")))?;
            orgs::add_membership(
                conn,
                &Membership {
                    user: pending.user,
                    organisation: org,
                    role,
                    created_at: now,
                },
            )
        }
        InvitationKind::Room => rooms::add_member(conn, &room_membership(invitation, pending.user, now)?),
        InvitationKind::BootstrapAdmin | InvitationKind::Recovery => Ok(()),
    }
}

/// The room membership a room invitation grants `user`. Professionals, delegates and
/// owners use both channels; family members and volunteers only the family channel.
pub fn room_membership(
    invitation: &Invitation,
    user: UserId,
    now: Timestamp,
) -> Result<RoomMember, StorageError> {
    let (Some(room), Some(role)) = (invitation.room, invitation.role.as_deref()) else {
        return Err(StorageError::Corrupt(
            "room invitation without room or role".into(),
        ));
    };
    let role: RoomRole = role
        .parse()
        .map_err(|_| StorageError::Corrupt(format!("invitation role {role:?}")))?;
    let team = matches!(
        role,
        RoomRole::Professional | RoomRole::Delegate | RoomRole::Owner
    );
    Ok(RoomMember {
        room,
        user,
        role,
        team_access: team,
        family_access: true,
        added_by: invitation.created_by,
        added_at: now,
    })
}

/// A recovery replaces every authenticator (the old one may be in a stranger's
/// hands), ends every session and lifts a sign-in lock.
fn recover(conn: &mut DbConn, pending: &Pending, now: Timestamp) -> Result<(), StorageError> {
    let user = users::get(conn, pending.user)?;
    if user.status == UserStatus::Disabled {
        return Err(StorageError::Refused(
            "a disabled account cannot be recovered".into(),
        ));
    }
    credentials::remove_all(conn, user.id)?;
    sessions::revoke_all(conn, user.id, now)?;
    throttle::clear(conn, &login_throttle::login_key(&user.login_id))
}
