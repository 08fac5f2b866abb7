//! Server-side WebAuthn ceremony state. Each ceremony is used at most once: it is
//! taken (read and deleted in one transaction) before its result is acted on, so a
//! replayed response finds nothing.

use diesel::prelude::*;
use kizuna_proto::{Timestamp, UserId};

use crate::schema::ceremonies;
use crate::{transaction, DbConn, StorageError};

/// A pending ceremony.
#[derive(Clone, PartialEq, Eq)]
pub struct Ceremony {
    /// Random ID handed to the client.
    pub id: String,
    /// What it is for (`register`, `sign_in`, `add_credential`, `reauth`).
    pub kind: String,
    /// The person it belongs to, when known.
    pub user: Option<UserId>,
    /// The serialised state (JSON). May hold a pending password hash.
    pub state: String,
    /// When it was started.
    pub created_at: Timestamp,
    /// After this it cannot be finished.
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for Ceremony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ceremony")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("user", &self.user)
            .field("state", &"***")
            .finish()
    }
}

#[derive(Queryable, Insertable)]
#[diesel(table_name = ceremonies)]
struct CeremonyRow {
    id: String,
    kind: String,
    user_id: Option<UserId>,
    state: String,
    created_at: Timestamp,
    expires_at: Timestamp,
}

/// Stores a new ceremony, and drops expired ones while at it.
pub fn start(conn: &mut DbConn, ceremony: &Ceremony) -> Result<(), StorageError> {
    diesel::delete(ceremonies::table.filter(ceremonies::expires_at.le(ceremony.created_at))).execute(conn)?;
    let row = CeremonyRow {
        id: ceremony.id.clone(),
        kind: ceremony.kind.clone(),
        user_id: ceremony.user,
        state: ceremony.state.clone(),
        created_at: ceremony.created_at,
        expires_at: ceremony.expires_at,
    };
    diesel::insert_into(ceremonies::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Takes a ceremony of the given kind: returns it and deletes it, or `None` if it
/// does not exist, was already taken, is of another kind or has expired at `now`.
pub fn take(
    conn: &mut DbConn,
    id: &str,
    kind: &str,
    now: Timestamp,
) -> Result<Option<Ceremony>, StorageError> {
    transaction(conn, |conn| {
        let row = ceremonies::table.find(id).first::<CeremonyRow>(conn).optional()?;
        let Some(row) = row else { return Ok(None) };
        let deleted = diesel::delete(ceremonies::table.find(id)).execute(conn)?;
        if deleted != 1 || row.kind != kind || row.expires_at <= now {
            return Ok(None);
        }
        Ok(Some(Ceremony {
            id: row.id,
            kind: row.kind,
            user: row.user_id,
            state: row.state,
            created_at: row.created_at,
            expires_at: row.expires_at,
        }))
    })
}
