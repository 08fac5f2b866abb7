use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database URL is not one Kizuna understands.
    #[error("unsupported database URL {0:?}: use postgres://… for PostgreSQL or a file path / sqlite://… for SQLite")]
    UnsupportedUrl(String),
    /// The database could not be opened or reached.
    #[error("cannot open the {backend} database: {reason}")]
    Connect {
        /// Which backend was tried.
        backend: &'static str,
        /// What the driver said.
        reason: String,
    },
    /// The embedded migrations failed to apply.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// No connection became free in time, or the pool could not create one.
    #[error("database connection pool: {0}")]
    Pool(String),
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A unique key already exists (e.g. a login ID taken).
    #[error("already exists: {0}")]
    Conflict(String),
    /// A constraint of the schema refused the change (e.g. family given team access,
    /// or a change to the append-only audit log).
    #[error("refused by the database: {0}")]
    Refused(String),
    /// A stored value could not be read back (e.g. an unknown role name).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Query(DieselError),
    /// The blocking task running the query was cancelled or panicked.
    #[error("database task failed: {0}")]
    Task(String),
    /// The database's disk is full: nothing more can be written until space is
    /// freed (SQLite `SQLITE_FULL`; PostgreSQL SQLSTATE 53100 `disk_full`).
    #[error("the database's disk is full: {0}")]
    Full(String),
}

impl From<DieselError> for StorageError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StorageError::NotFound,
            // A stored value that does not read back as its type (an ID that is not a
            // UUID, an unknown vocabulary name): say so, as the hand-written parsing did.
            DieselError::DeserializationError(e) => StorageError::Corrupt(with_causes(e.as_ref())),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StorageError::Conflict(info.message().to_owned())
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::NotNullViolation,
                info,
            ) => StorageError::Refused(info.message().to_owned()),
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => {
                crate::db::connection_lost();
                StorageError::Pool(format!("the database connection was lost: {}", info.message()))
            }
            // SQLite's lock was held longer than the busy timeout: the database is
            // overloaded for the moment, not broken. The request may be retried.
            DieselError::DatabaseError(_, info) if info.message() == "database is locked" => {
                StorageError::Pool(format!("the database is busy: {}", info.message()))
            }
            DieselError::DatabaseError(_, info) if is_disk_full(info.message()) => {
                StorageError::Full(info.message().to_owned())
            }
            // SQLite reports RAISE(ABORT) and PostgreSQL reports RAISE EXCEPTION from our
            // append-only triggers as unclassified errors; name them for what they are.
            DieselError::DatabaseError(_, info) if info.message().contains("append-only") => {
                StorageError::Refused(info.message().to_owned())
            }
            other => StorageError::Query(other),
        }
    }
}

/// An error's message followed by its causes' (diesel names the column in one error
/// and says what was wrong with the value in its cause).
fn with_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// Whether a database error message says the disk is full.
///
/// SQLite's `SQLITE_FULL` always reads "database or disk is full". PostgreSQL's
/// SQLSTATE 53100 (`disk_full`) would be the better test, but diesel 2.3 keeps the
/// SQLSTATE private (only a few codes become a `DatabaseErrorKind`), so it is
/// recognised by the text every 53100 error carries: the operating system's
/// "No space left on device" (`ENOSPC`, written by PostgreSQL's `%m`), which needs
/// the server's `lc_messages` to be English (the default `C`). The other class-53
/// errors, 53200 "out of memory" and 53300 "too many connections", are not a full
/// disk and stay ordinary errors.
pub(crate) fn is_disk_full(message: &str) -> bool {
    message.contains("database or disk is full") || message.contains("No space left on device")
}

impl From<r2d2::Error> for StorageError {
    fn from(err: r2d2::Error) -> Self {
        StorageError::Pool(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(message: &str) -> StorageError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned())).into()
    }

    #[test]
    fn a_full_disk_is_recognised_on_both_backends_and_nothing_else_is() {
        // SQLite SQLITE_FULL.
        assert!(matches!(
            database_error("database or disk is full"),
            StorageError::Full(_)
        ));
        // PostgreSQL 53100 disk_full, as a table or index grows and as a temporary file is written.
        for message in [
            "could not extend file \"base/16384/16390\": No space left on device",
            "could not write to file \"base/pgsql_tmp/pgsql_tmp123.0\": No space left on device",
        ] {
            assert!(
                matches!(database_error(message), StorageError::Full(_)),
                "{message}"
            );
        }
        // PostgreSQL 53200 out_of_memory and 53300 too_many_connections are not a full disk.
        for message in ["out of memory", "sorry, too many clients already"] {
            assert!(
                matches!(database_error(message), StorageError::Query(_)),
                "{message}"
            );
        }
    }
}
