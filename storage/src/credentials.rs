//! WebAuthn authenticators registered by people. Only public material is stored:
//! the credential ID and webauthn-rs's serialised passkey (public key, counter).

use diesel::prelude::*;
use kizuna_proto::{Timestamp, UserId};

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
    user_id: UserId,
    name: String,
    passkey: String,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
}

impl From<CredentialRow> for Credential {
    fn from(row: CredentialRow) -> Self {
        Credential {
            id: row.id,
            user: row.user_id,
            name: row.name,
            passkey: row.passkey,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// Registers an authenticator. Fails with [`StorageError::Conflict`] if the
/// credential ID is already registered (to anyone).
pub fn add(conn: &mut DbConn, credential: &Credential) -> Result<(), StorageError> {
    let row = CredentialRow {
        id: credential.id.clone(),
        user_id: credential.user,
        name: credential.name.clone(),
        passkey: credential.passkey.clone(),
        created_at: credential.created_at,
        last_used_at: credential.last_used_at,
    };
    diesel::insert_into(webauthn_credentials::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// A person's authenticators, oldest first.
pub fn for_user(conn: &mut DbConn, user: UserId) -> Result<Vec<Credential>, StorageError> {
    Ok(webauthn_credentials::table
        .filter(webauthn_credentials::user_id.eq(user))
        .order((
            webauthn_credentials::created_at.asc(),
            webauthn_credentials::id.asc(),
        ))
        .load::<CredentialRow>(conn)?
        .into_iter()
        .map(Credential::from)
        .collect())
}

/// Stores the updated passkey (signature counter, backup state) after a sign-in.
pub fn record_use(conn: &mut DbConn, id: &str, passkey: &str, now: Timestamp) -> Result<(), StorageError> {
    diesel::update(webauthn_credentials::table.find(id))
        .set((
            webauthn_credentials::passkey.eq(passkey),
            webauthn_credentials::last_used_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes one of a person's authenticators. Returns whether it existed.
pub fn remove(conn: &mut DbConn, user: UserId, id: &str) -> Result<bool, StorageError> {
    let removed = diesel::delete(
        webauthn_credentials::table
            .filter(webauthn_credentials::id.eq(id))
            .filter(webauthn_credentials::user_id.eq(user)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// Removes all of a person's authenticators (a leaver, or a reset after a lost key).
pub fn remove_all(conn: &mut DbConn, user: UserId) -> Result<usize, StorageError> {
    Ok(
        diesel::delete(webauthn_credentials::table.filter(webauthn_credentials::user_id.eq(user)))
            .execute(conn)?,
    )
}
