//! Sign-in sessions. The token is random and held only by the client; the database
//! keeps its SHA-256 hash, so a copy of the database cannot be used to sign in.

use diesel::prelude::*;
use kizuna_proto::{Timestamp, UserId};

use crate::schema::{emergency_accounts, sessions, users};
use crate::users::{User, UserRow};
use crate::{DbConn, StorageError};

/// One session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its ID (not secret; shown in the session list).
    pub id: String,
    /// Hex SHA-256 of the token.
    pub token_hash: String,
    /// Whose it is.
    pub user: UserId,
    /// When it was created (sign-in).
    pub created_at: Timestamp,
    /// The last request made with it.
    pub last_seen_at: Timestamp,
    /// The absolute end, whatever the activity.
    pub expires_at: Timestamp,
    /// Where it was created from.
    pub ip: Option<String>,
    /// The browser or app that created it.
    pub user_agent: Option<String>,
    /// When it was ended, if it was.
    pub revoked_at: Option<Timestamp>,
    /// When it last proved both factors (sign-in or re-authentication).
    pub reauthenticated_at: Option<Timestamp>,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = sessions)]
struct SessionRow {
    id: String,
    token_hash: String,
    user_id: UserId,
    created_at: Timestamp,
    last_seen_at: Timestamp,
    expires_at: Timestamp,
    ip: Option<String>,
    user_agent: Option<String>,
    revoked_at: Option<Timestamp>,
    reauthenticated_at: Option<Timestamp>,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Session {
            id: row.id,
            token_hash: row.token_hash,
            user: row.user_id,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: row.expires_at,
            ip: row.ip,
            user_agent: row.user_agent,
            revoked_at: row.revoked_at,
            reauthenticated_at: row.reauthenticated_at,
        }
    }
}

/// Stores a new session.
pub fn create(conn: &mut DbConn, session: &Session) -> Result<(), StorageError> {
    let row = SessionRow {
        id: session.id.clone(),
        token_hash: session.token_hash.clone(),
        user_id: session.user,
        created_at: session.created_at,
        last_seen_at: session.last_seen_at,
        expires_at: session.expires_at,
        ip: session.ip.clone(),
        user_agent: session.user_agent.clone(),
        revoked_at: session.revoked_at,
        reauthenticated_at: session.reauthenticated_at,
    };
    diesel::insert_into(sessions::table).values(&row).execute(conn)?;
    Ok(())
}

/// How a session is looked up.
#[derive(Debug, Clone, Copy)]
pub enum SessionKey<'a> {
    /// By the hash of its token (a request).
    TokenHash(&'a str),
    /// By its ID (a live connection's heartbeat).
    Id(&'a str),
}

/// A session with its account, and whether the account is an emergency
/// (break-glass) one, whose admission must be checked too.
#[derive(Debug, Clone)]
pub struct SessionOf {
    /// The session, revoked or not.
    pub session: Session,
    /// Its account, whatever its status.
    pub user: User,
    /// Whether the account is an emergency account.
    pub emergency: bool,
}

/// The session `key` names, with its account: in one statement, as every signed-in
/// request needs them.
pub fn find_with_account(conn: &mut DbConn, key: SessionKey<'_>) -> Result<Option<SessionOf>, StorageError> {
    let query = sessions::table
        .inner_join(users::table.on(users::id.eq(sessions::user_id)))
        .left_join(emergency_accounts::table.on(emergency_accounts::user_id.eq(sessions::user_id)))
        .select((
            sessions::all_columns,
            UserRow::as_select(),
            emergency_accounts::user_id.nullable(),
        ))
        .into_boxed();
    let query = match key {
        SessionKey::TokenHash(hash) => query.filter(sessions::token_hash.eq(hash)),
        SessionKey::Id(id) => query.filter(sessions::id.eq(id)),
    };
    let Some((session, user, emergency)) = query
        .first::<(SessionRow, UserRow, Option<UserId>)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(Some(SessionOf {
        session: session.into(),
        user: user.try_into()?,
        emergency: emergency.is_some(),
    }))
}

/// Records activity on a session. In a transaction of its own although it is one
/// statement: on SQLite that gives it a turn among the process's writers
/// ([`crate::transaction`]), where a lone statement polls the lock and could wait
/// past the busy timeout while transactions follow one another (every request of
/// a signed-in person may touch its session).
pub fn touch(conn: &mut DbConn, id: &str, now: Timestamp) -> Result<(), StorageError> {
    crate::transaction(conn, |conn| {
        diesel::update(sessions::table.find(id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
        Ok(())
    })
}

/// Records that a session has just proved both factors again.
pub fn mark_reauthenticated(conn: &mut DbConn, id: &str, now: Timestamp) -> Result<(), StorageError> {
    diesel::update(sessions::table.find(id))
        .set(sessions::reauthenticated_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// A person's sessions that have not been ended, newest first.
pub fn live_for_user(conn: &mut DbConn, user: UserId, now: Timestamp) -> Result<Vec<Session>, StorageError> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .load::<SessionRow>(conn)?
        .into_iter()
        .map(Session::from)
        .collect())
}

/// Ends one of a person's sessions. Returns whether there was a live one to end.
pub fn revoke(conn: &mut DbConn, user: UserId, id: &str, now: Timestamp) -> Result<bool, StorageError> {
    let ended = diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(ended > 0)
}

/// Ends all of a person's sessions but one (e.g. all others after a password
/// change). Returns the IDs ended.
pub fn revoke_others(
    conn: &mut DbConn,
    user: UserId,
    keep: &str,
    now: Timestamp,
) -> Result<Vec<String>, StorageError> {
    let others = || {
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep.to_owned()))
    };
    let ids: Vec<String> = others().select(sessions::id).load(conn)?;
    diesel::update(others())
        .set(sessions::revoked_at.eq(Some(now)))
        .execute(conn)?;
    Ok(ids)
}

/// Ends all of a person's sessions. Returns the IDs ended.
pub fn revoke_all(conn: &mut DbConn, user: UserId, now: Timestamp) -> Result<Vec<String>, StorageError> {
    let live: Vec<String> = sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .select(sessions::id)
        .load(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(live)
}
