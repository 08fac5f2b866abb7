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
}

impl From<DieselError> for StorageError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => StorageError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StorageError::Conflict(info.message().to_owned())
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::NotNullViolation,
                info,
            ) => StorageError::Refused(info.message().to_owned()),
            // SQLite reports RAISE(ABORT) and PostgreSQL reports RAISE EXCEPTION from our
            // append-only triggers as unclassified errors; name them for what they are.
            DieselError::DatabaseError(_, info) if info.message().contains("append-only") => {
                StorageError::Refused(info.message().to_owned())
            }
            other => StorageError::Query(other),
        }
    }
}

impl From<r2d2::Error> for StorageError {
    fn from(err: r2d2::Error) -> Self {
        StorageError::Pool(err.to_string())
    }
}

/// Reads a vocabulary name back from a column.
pub(crate) fn parse_stored<T: std::str::FromStr>(column: &str, value: &str) -> Result<T, StorageError> {
    value
        .parse()
        .map_err(|_| StorageError::Corrupt(format!("{column} = {value:?}")))
}

/// Reads a UUID-typed ID back from a column.
pub(crate) fn parse_id<T: std::str::FromStr>(column: &str, value: &str) -> Result<T, StorageError> {
    parse_stored(column, value)
}
