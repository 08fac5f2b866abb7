//! Server-wide settings shared by every node through the database.

use diesel::prelude::*;

use crate::schema::server_settings;
use crate::{DbConn, StorageError};

/// Sets `key` to `value`, replacing any earlier value.
pub fn set(conn: &mut DbConn, key: &str, value: &str) -> Result<(), StorageError> {
    crate::transaction(conn, |conn| {
        diesel::delete(server_settings::table.find(key)).execute(conn)?;
        diesel::insert_into(server_settings::table)
            .values((server_settings::key.eq(key), server_settings::value.eq(value)))
            .execute(conn)?;
        Ok(())
    })
}

/// The value of `key`, creating it with `make()` if it does not exist yet. When
/// several nodes race, the first insert wins and everyone reads the same value.
pub fn get_or_create(
    conn: &mut DbConn,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String, StorageError> {
    let existing = server_settings::table
        .find(key)
        .select(server_settings::value)
        .first::<String>(conn)
        .optional()?;
    if let Some(value) = existing {
        return Ok(value);
    }
    let inserted = diesel::insert_into(server_settings::table)
        .values((server_settings::key.eq(key), server_settings::value.eq(make())))
        .execute(conn);
    match inserted.map_err(StorageError::from) {
        Ok(_) | Err(StorageError::Conflict(_)) => {}
        Err(e) => return Err(e),
    }
    Ok(server_settings::table
        .find(key)
        .select(server_settings::value)
        .first::<String>(conn)?)
}
