//! People. One ID per person, never shared; a leaver is disabled, never deleted, so
//! their past posts keep their authorship.

use diesel::prelude::*;
use kizuna_proto::{Timestamp, UserId};

use crate::schema::{password_history, users};
use crate::{DbConn, StorageError};

/// Whether a person may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// May sign in.
    Active,
    /// Temporarily barred by an administrator; can be re-enabled.
    Suspended,
    /// Left for good; can never sign in again.
    Disabled,
}

impl UserStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Suspended => "suspended",
            UserStatus::Disabled => "disabled",
        }
    }

    fn parse(value: &str) -> Result<Self, StorageError> {
        match value {
            "active" => Ok(UserStatus::Active),
            "suspended" => Ok(UserStatus::Suspended),
            "disabled" => Ok(UserStatus::Disabled),
            other => Err(StorageError::Corrupt(format!("users.status = {other:?}"))),
        }
    }
}

/// A person with an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Their ID.
    pub id: UserId,
    /// What they type to sign in. Unique.
    pub login_id: String,
    /// How others see them.
    pub display_name: String,
    /// Runs the whole service.
    pub is_system_admin: bool,
    /// Whether they may sign in.
    pub status: UserStatus,
    /// When the account was made.
    pub created_at: Timestamp,
    /// Their last successful sign-in.
    pub last_sign_in_at: Option<Timestamp>,
    /// Their birth date (`YYYY-MM-DD`), if they gave it; only used to refuse
    /// passwords that contain it.
    pub birth_date: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserRow {
    id: UserId,
    login_id: String,
    display_name: String,
    is_system_admin: bool,
    status: String,
    created_at: Timestamp,
    last_sign_in_at: Option<Timestamp>,
    birth_date: Option<String>,
}

impl TryFrom<UserRow> for User {
    type Error = StorageError;
    fn try_from(row: UserRow) -> Result<Self, StorageError> {
        Ok(User {
            id: row.id,
            login_id: row.login_id,
            display_name: row.display_name,
            is_system_admin: row.is_system_admin,
            status: UserStatus::parse(&row.status)?,
            created_at: row.created_at,
            last_sign_in_at: row.last_sign_in_at,
            birth_date: row.birth_date,
        })
    }
}

/// Creates an account. Fails with [`StorageError::Conflict`] if the login ID is taken.
pub fn create(conn: &mut DbConn, user: &User) -> Result<(), StorageError> {
    let row = UserRow {
        id: user.id,
        login_id: user.login_id.clone(),
        display_name: user.display_name.clone(),
        is_system_admin: user.is_system_admin,
        status: user.status.as_str().to_owned(),
        created_at: user.created_at,
        last_sign_in_at: user.last_sign_in_at,
        birth_date: user.birth_date.clone(),
    };
    diesel::insert_into(users::table).values(&row).execute(conn)?;
    Ok(())
}

/// One account by ID.
pub fn get(conn: &mut DbConn, id: UserId) -> Result<User, StorageError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)?
        .try_into()
}

/// One account by login ID, if it exists.
pub fn find_by_login(conn: &mut DbConn, login_id: &str) -> Result<Option<User>, StorageError> {
    users::table
        .filter(users::login_id.eq(login_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(User::try_from)
        .transpose()
}

/// Whether any system administrator exists who is not disabled.
pub fn system_admin_exists(conn: &mut DbConn) -> Result<bool, StorageError> {
    let count: i64 = users::table
        .filter(users::is_system_admin.eq(true))
        .filter(users::status.ne(UserStatus::Disabled.as_str()))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Changes whether a person may sign in. A disabled account stays disabled.
pub fn set_status(conn: &mut DbConn, id: UserId, status: UserStatus) -> Result<(), StorageError> {
    let updated = diesel::update(
        users::table
            .find(id)
            .filter(users::status.ne(UserStatus::Disabled.as_str())),
    )
    .set(users::status.eq(status.as_str()))
    .execute(conn)?;
    if updated == 0 {
        // Either no such user, or one who has left: neither can change.
        return match get(conn, id)?.status {
            UserStatus::Disabled => Err(StorageError::Refused("a disabled account stays disabled".into())),
            _ => Err(StorageError::NotFound),
        };
    }
    Ok(())
}

/// Several accounts by ID (missing IDs are skipped).
pub fn get_many(conn: &mut DbConn, ids: &[UserId]) -> Result<Vec<User>, StorageError> {
    users::table
        .filter(users::id.eq_any(ids))
        .order(users::display_name.asc())
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(User::try_from)
        .collect()
}

/// The stored Argon2id hash of a person's password, if they have set one. Kept
/// out of [`User`] so it cannot travel with the account by accident.
pub fn password_hash(conn: &mut DbConn, id: UserId) -> Result<Option<String>, StorageError> {
    Ok(users::table
        .find(id)
        .select(users::password_hash)
        .first::<Option<String>>(conn)?)
}

/// Sets a new password hash and remembers it in the history. Returns the hashes of
/// the passwords before it, newest first, at most `keep` of them (the new one
/// included), and forgets older ones.
pub fn set_password_hash(
    conn: &mut DbConn,
    id: UserId,
    hash: &str,
    now: Timestamp,
) -> Result<(), StorageError> {
    let updated = diesel::update(users::table.find(id))
        .set(users::password_hash.eq(Some(hash)))
        .execute(conn)?;
    if updated == 0 {
        return Err(StorageError::NotFound);
    }
    diesel::insert_into(password_history::table)
        .values((
            password_history::user_id.eq(id),
            password_history::password_hash.eq(hash),
            password_history::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The hashes of a person's last `limit` passwords, newest first.
pub fn recent_password_hashes(
    conn: &mut DbConn,
    id: UserId,
    limit: i64,
) -> Result<Vec<String>, StorageError> {
    Ok(password_history::table
        .filter(password_history::user_id.eq(id))
        .order(password_history::created_at.desc())
        .limit(limit)
        .select(password_history::password_hash)
        .load(conn)?)
}

/// Records a successful sign-in.
pub fn touch_sign_in(conn: &mut DbConn, id: UserId, now: Timestamp) -> Result<(), StorageError> {
    diesel::update(users::table.find(id))
        .set(users::last_sign_in_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}
