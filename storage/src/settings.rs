//! Server-wide settings shared by every node through the database.

use diesel::prelude::*;

use crate::schema::server_settings;
use crate::{DbConn, StorageError};

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
