//! WebAuthn authenticators registered by people. Only public material is stored:
//! the credential ID and webauthn-rs's serialised passkey (public key, counter).

use diesel::prelude::*;
use kizuna_proto::{Timestamp, UserId};

use crate::error::parse_id;
use crate::schema::webauthn_credentials;
use crate::{DbConn, StorageError};

/// One registered authenticator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The credential ID, base64url as WebAuthn sends it.
    pub id: String,
    /// Whose it is.
    pub user: UserId,
    /// The name its owner gave it ("iPhone", "blue security key").
    pub name: String,
    /// webauthn-rs's `Passkey`, serialised as JSON.
    pub passkey: String,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it last signed a successful sign-in.
    pub last_used_at: Option<Timestamp>,
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = webauthn_credentials)]
struct CredentialRow {
    id: String,
    user_id: String,
    name: String,
    passkey: String,
    created_at: i64,
    last_used_at: Option<i64>,
}

impl TryFrom<CredentialRow> for Credential {
    type Error = StorageError;
    fn try_from(row: CredentialRow) -> Result<Self, StorageError> {
        Ok(Credential {
            id: row.id,
            user: parse_id("webauthn_credentials.user_id", &row.user_id)?,
            name: row.name,
            passkey: row.passkey,
            created_at: Timestamp(row.created_at),
            last_used_at: row.last_used_at.map(Timestamp),
        })
    }
}

/// Registers an authenticator. Fails with [`StorageError::Conflict`] if the
/// credential ID is already registered (to anyone).
pub fn add(conn: &mut DbConn, credential: &Credential) -> Result<(), StorageError> {
    let row = CredentialRow {
        id: credential.id.clone(),
        user_id: credential.user.to_string(),
        name: credential.name.clone(),
        passkey: credential.passkey.clone(),
        created_at: credential.created_at.millis(),
        last_used_at: credential.last_used_at.map(Timestamp::millis),
    };
    diesel::insert_into(webauthn_credentials::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// A person's authenticators, oldest first.
pub fn for_user(conn: &mut DbConn, user: UserId) -> Result<Vec<Credential>, StorageError> {
    webauthn_credentials::table
        .filter(webauthn_credentials::user_id.eq(user.to_string()))
        .order((
            webauthn_credentials::created_at.asc(),
            webauthn_credentials::id.asc(),
        ))
        .load::<CredentialRow>(conn)?
        .into_iter()
        .map(Credential::try_from)
        .collect()
}

/// Stores the updated passkey (signature counter, backup state) after a sign-in.
pub fn record_use(conn: &mut DbConn, id: &str, passkey: &str, now: Timestamp) -> Result<(), StorageError> {
    diesel::update(webauthn_credentials::table.find(id))
        .set((
            webauthn_credentials::passkey.eq(passkey),
            webauthn_credentials::last_used_at.eq(Some(now.millis())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes one of a person's authenticators. Returns whether it existed.
pub fn remove(conn: &mut DbConn, user: UserId, id: &str) -> Result<bool, StorageError> {
    let removed = diesel::delete(
        webauthn_credentials::table
            .filter(webauthn_credentials::id.eq(id))
            .filter(webauthn_credentials::user_id.eq(user.to_string())),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// Removes all of a person's authenticators (a leaver, or a reset after a lost key).
pub fn remove_all(conn: &mut DbConn, user: UserId) -> Result<usize, StorageError> {
    Ok(
        diesel::delete(
            webauthn_credentials::table.filter(webauthn_credentials::user_id.eq(user.to_string())),
        )
        .execute(conn)?,
    )
}
