//! The connection pool and the choice of backend.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use kizuna_proto::Redacted;

use crate::conn::{open_postgres, open_sqlite, DbConn};
use crate::StorageError;

/// Which database a URL names.
#[derive(Debug, Clone)]
pub enum Backend {
    /// A SQLite file.
    Sqlite {
        /// Path of the database file.
        path: PathBuf,
    },
    /// A PostgreSQL server. The URL may carry a password, so it is redacted in Debug.
    Postgres {
        /// `postgres://user:password@host:port/database`
        url: Redacted<String>,
    },
}

impl Backend {
    /// Reads a database URL: `postgres://…` / `postgresql://…` for PostgreSQL,
    /// `sqlite://PATH` or a plain file path for SQLite.
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres {
                url: Redacted::new(url.to_owned()),
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Ok(Backend::Sqlite {
                path: PathBuf::from(path),
            });
        }
        if url.is_empty() || url.contains("://") {
            return Err(StorageError::UnsupportedUrl(redact_url(url)));
        }
        Ok(Backend::Sqlite {
            path: PathBuf::from(url),
        })
    }

    /// `"sqlite"` or `"postgresql"`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres { .. } => "postgresql",
        }
    }

    fn open(&self) -> Result<DbConn, StorageError> {
        match self {
            Backend::Sqlite { path } => open_sqlite(&path.to_string_lossy()),
            Backend::Postgres { url } => open_postgres(url.expose()),
        }
    }
}

/// Keeps the scheme and host of a URL for an error message, never a password.
fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{host}")
        }
        None => url.to_owned(),
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections the pool keeps open.
    pub max_connections: u32,
    /// How long a caller waits for a free connection before an error.
    pub acquire_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

struct Manager {
    backend: Backend,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConn;
    type Error = StorageError;

    fn connect(&self) -> Result<DbConn, StorageError> {
        self.backend.open()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), StorageError> {
        conn.batch_execute("SELECT 1").map_err(StorageError::from)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// How busy the pool is, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Connections open.
    pub open: u32,
    /// Of those, how many are idle.
    pub idle: u32,
    /// The most the pool will open.
    pub max: u32,
}

/// The database: a pool of connections with the schema migrated.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    backend_name: &'static str,
    max: u32,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend_name)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Opens the database, applies pending migrations and builds the pool.
    ///
    /// Fails with a message an operator can act on if the database cannot be
    /// reached, opened or migrated. Blocking: call it at start-up, not from a handler.
    pub fn open(url: &str, options: &DbOptions) -> Result<Self, StorageError> {
        let backend = Backend::from_url(url)?;
        // One direct connection first: its error names the real cause, where a
        // pool time-out would only say that it gave up.
        let mut first = backend.open()?;
        let applied = first.migrate()?;
        drop(first);
        if applied > 0 {
            tracing::info!(backend = backend.name(), applied, "database migrations applied");
        }
        let backend_name = backend.name();
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(options.acquire_timeout)
            .build(Manager { backend })?;
        Ok(Self {
            pool,
            backend_name,
            max: options.max_connections.max(1),
        })
    }

    /// `"sqlite"` or `"postgresql"`.
    pub fn backend_name(&self) -> &'static str {
        self.backend_name
    }

    /// Runs `f` with a pooled connection on tokio's blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, StorageError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
    }

    /// Runs `f` with a pooled connection on the current thread. For start-up code
    /// and the operator CLI, never for request handlers.
    pub fn run_blocking<T>(
        &self,
        f: impl FnOnce(&mut DbConn) -> Result<T, StorageError>,
    ) -> Result<T, StorageError> {
        let mut conn = self.pool.get()?;
        f(&mut conn)
    }

    /// Checks that the database answers a trivial query.
    pub async fn health(&self) -> Result<(), StorageError> {
        self.run(|conn| conn.batch_execute("SELECT 1").map_err(StorageError::from))
            .await
    }

    /// How many connections are open and idle.
    pub fn pool_status(&self) -> PoolStatus {
        let state = self.pool.state();
        PoolStatus {
            open: state.connections,
            idle: state.idle_connections,
            max: self.max,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend() {
        assert!(matches!(
            Backend::from_url("postgres://u:p@h/db"),
            Ok(Backend::Postgres { .. })
        ));
        assert!(matches!(
            Backend::from_url("postgresql://h/db"),
            Ok(Backend::Postgres { .. })
        ));
        assert!(matches!(
            Backend::from_url("sqlite://x/k.db"),
            Ok(Backend::Sqlite { .. })
        ));
        assert!(matches!(
            Backend::from_url("./kizuna-data/k.db"),
            Ok(Backend::Sqlite { .. })
        ));
    }

    #[test]
    fn unsupported_urls_are_refused_without_echoing_passwords() {
        let err = Backend::from_url("mysql://root:s3cret@db/kizuna").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("mysql://db/kizuna"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn postgres_urls_are_redacted_in_debug() {
        let backend = Backend::from_url("postgres://u:s3cret@h/db").unwrap();
        assert!(!format!("{backend:?}").contains("s3cret"));
    }
}
