//! Sessions: created after both factors, carried as an `HttpOnly; Secure;
//! SameSite=Strict` cookie for browsers or a bearer token for native clients,
//! checked on every request by the [`Authenticated`] extractor.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, FromRequest, HttpRequest};
use kizuna_proto::{Redacted, Timestamp, UserId};
use kizuna_storage::sessions::{self, Session, SessionKey, SessionOf};
use kizuna_storage::users::{self, User, UserStatus};
use kizuna_storage::{orgs, DbConn, StorageError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::authz::Actor;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::{hash_token, new_token};

/// The cookie that carries the session token in browsers.
pub const COOKIE: &str = "kizuna_session";

/// Activity is written back at most this often, to spare the database a write
/// per request.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// A freshly created session: the token goes to the client once.
pub struct NewSession {
    /// The session's ID (shown in the session list).
    pub id: String,
    /// The bearer token.
    pub token: Redacted<String>,
    /// When it ends at the latest.
    pub expires_at: Timestamp,
}

/// What a client learns about its new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionGrant {
    /// The signed-in person.
    pub user_id: UserId,
    /// The session's ID.
    pub session_id: String,
    /// Bearer token for native clients (`Authorization: Bearer …`). Browsers use the
    /// cookie set with the same response and can ignore it.
    pub token: String,
    /// When the session ends at the latest.
    pub expires_at: Timestamp,
}

/// Creates a session for `user` (both factors already checked by the caller).
pub fn create(
    conn: &mut DbConn,
    state: &AppState,
    user: UserId,
    ip: Option<String>,
    user_agent: Option<String>,
) -> Result<NewSession, StorageError> {
    let now = state.now();
    let token = new_token();
    let id = uuid::Uuid::new_v4().to_string();
    let expires_at = now.plus(Duration::from_secs(
        state.config.session_absolute_hours.saturating_mul(3600),
    ));
    sessions::create(
        conn,
        &Session {
            id: id.clone(),
            token_hash: hash_token(token.expose()),
            user,
            created_at: now,
            last_seen_at: now,
            expires_at,
            ip,
            user_agent,
            revoked_at: None,
            // Every session starts from a two-factor ceremony (sign-in, registration,
            // recovery): it is fresh until `reauth_max_age_secs` have passed.
            reauthenticated_at: Some(now),
        },
    )?;
    users::touch_sign_in(conn, user, now)?;
    Ok(NewSession {
        id,
        token,
        expires_at,
    })
}

/// The cookie for a new session.
pub fn cookie(session: &NewSession) -> Cookie<'static> {
    Cookie::build(COOKIE, session.token.expose().clone())
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path("/")
        .finish()
}

/// A cookie that clears the session cookie.
pub fn clearing_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, "")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path("/")
        .finish();
    cookie.make_removal();
    cookie
}

/// The grant body for a new session.
pub fn grant(user: UserId, session: &NewSession) -> SessionGrant {
    SessionGrant {
        user_id: user,
        session_id: session.id.clone(),
        token: session.token.expose().clone(),
        expires_at: session.expires_at,
    }
}

/// A request made with a live session of an active account.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The account.
    pub user: User,
    /// The session's ID.
    pub session_id: String,
    /// When the session last proved both factors.
    pub reauthenticated_at: Option<Timestamp>,
    /// Who they are for permission checks.
    pub actor: Actor,
}

impl Authenticated {
    /// Refuses with [`ApiError::ReauthRequired`] unless this session proved both
    /// factors (sign-in or `/me/reauth/finish`) within `reauth_max_age_secs`. Every
    /// sensitive action calls it first, so a stolen session token alone cannot add
    /// an authenticator, remove one, remove a device, change the password or act
    /// on another person's account.
    pub fn require_fresh(&self, state: &AppState) -> Result<(), ApiError> {
        let max_ms = i64::try_from(state.config.reauth_max_age_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let fresh = self
            .reauthenticated_at
            .is_some_and(|at| state.now().millis().saturating_sub(at.millis()) <= max_ms);
        if fresh {
            Ok(())
        } else {
            Err(ApiError::ReauthRequired)
        }
    }
}

/// The session token a request carries: a bearer token, else the cookie.
pub fn token_of(req: &HttpRequest) -> Option<String> {
    if let Some(header) = req.headers().get("authorization").and_then(|v| v.to_str().ok()) {
        if let Some(token) = header.strip_prefix("Bearer ") {
            return Some(token.trim().to_owned());
        }
    }
    req.cookie(COOKIE).map(|c| c.value().to_owned())
}

/// Looks up a session token: the session and account if both are live at `now`.
pub fn resolve(
    conn: &mut DbConn,
    token: &str,
    now: Timestamp,
    idle: Duration,
) -> Result<Option<(Session, User)>, StorageError> {
    let hash = hash_token(token);
    still_live(conn, SessionKey::TokenHash(&hash), now, idle)
}

/// Looks up a session by its ID (a live connection's heartbeat): the session and
/// account if both are still live at `now`, by the same rule as [`resolve`].
pub fn resolve_id(
    conn: &mut DbConn,
    id: &str,
    now: Timestamp,
    idle: Duration,
) -> Result<Option<(Session, User)>, StorageError> {
    still_live(conn, SessionKey::Id(id), now, idle)
}

/// The session `key` names and its account, if both are live at `now` (not
/// revoked, expired or idle too long; the account active; a break-glass account
/// still admitted); if so, records the activity.
fn still_live(
    conn: &mut DbConn,
    key: SessionKey<'_>,
    now: Timestamp,
    idle: Duration,
) -> Result<Option<(Session, User)>, StorageError> {
    let Some(SessionOf {
        session,
        user,
        emergency,
    }) = sessions::find_with_account(conn, key)?
    else {
        return Ok(None);
    };
    let idle_ms = i64::try_from(idle.as_millis()).unwrap_or(i64::MAX);
    let live = session.revoked_at.is_none()
        && now < session.expires_at
        && now.millis().saturating_sub(session.last_seen_at.millis()) < idle_ms
        && user.status == UserStatus::Active;
    if !live {
        return Ok(None);
    }
    // A break-glass account's session lasts only while it is admitted.
    if emergency && !crate::service::emergency::admission::still_admitted(conn, user.id, now)? {
        return Ok(None);
    }
    let touch_ms = i64::try_from(TOUCH_EVERY.as_millis()).unwrap_or(i64::MAX);
    if now.millis().saturating_sub(session.last_seen_at.millis()) >= touch_ms {
        sessions::touch(conn, &session.id, now)?;
    }
    Ok(Some((session, user)))
}

/// How long a session may go unused.
pub fn idle_limit(state: &AppState) -> Duration {
    Duration::from_secs(state.config.session_idle_minutes.saturating_mul(60))
}

/// A request's session token, not yet checked: for the hottest route (a post), whose
/// own work checks it on the same connection in the same trip to the database
/// ([`SessionToken::signed_in`]) instead of one trip before it. Every other route
/// takes [`Authenticated`].
#[derive(Debug)]
pub struct SessionToken {
    token: Redacted<String>,
    now: Timestamp,
    idle: Duration,
}

impl SessionToken {
    /// The signed-in account, by the same rule as [`Authenticated`] (which also
    /// records the activity); [`ApiError::NotSignedIn`] if the session is not live.
    pub fn signed_in(&self, conn: &mut DbConn) -> Result<User, ApiError> {
        let found = resolve(conn, self.token.expose(), self.now, self.idle)?;
        found.map(|(_, user)| user).ok_or(ApiError::NotSignedIn)
    }
}

impl FromRequest for SessionToken {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = token_of(req);
        let state = req.app_data::<web::Data<AppState>>();
        std::future::ready(match (token, state) {
            (Some(token), Some(state)) => Ok(Self {
                token: Redacted::new(token),
                now: state.now(),
                idle: idle_limit(state),
            }),
            _ => Err(ApiError::NotSignedIn),
        })
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let token = token_of(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(ApiError::NotSignedIn);
            };
            let now = state.now();
            let idle = idle_limit(&state);
            let found = state
                .db
                .run(move |conn| {
                    let Some((session, user)) = resolve(conn, &token, now, idle)? else {
                        return Ok(None);
                    };
                    let memberships = orgs::memberships_of_user(conn, user.id)?;
                    Ok(Some((session, user, memberships)))
                })
                .await?;
            let (session, user, memberships) = found.ok_or(ApiError::NotSignedIn)?;
            let actor = Actor {
                user: user.id,
                is_system_admin: user.is_system_admin,
                memberships,
            };
            Ok(Authenticated {
                user,
                session_id: session.id,
                reauthenticated_at: session.reauthenticated_at,
                actor,
            })
        })
    }
}

/// The client's address as seen by this node (for audit and throttling).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// The client's User-Agent, shortened.
pub fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(200).collect())
}

/// Where a request comes from, as a use case records it: the address and the
/// browser, read once from the request so the use case needs no HTTP.
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// The client's address ([`client_ip`]).
    pub ip: Option<String>,
    /// The client's User-Agent, shortened ([`user_agent`]).
    pub agent: Option<String>,
}

impl Client {
    /// The client of `req`.
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            ip: client_ip(req),
            agent: user_agent(req),
        }
    }
}
