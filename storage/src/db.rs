//! The connection pool and the choice of backend.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
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
    /// How long a caller waits for a free connection before an error. While the
    /// database is unreachable every request waits this long before its 503, so it
    /// is short.
    pub acquire_timeout: Duration,
}

/// The default [`DbOptions::acquire_timeout`].
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

struct Manager {
    backend: Backend,
    backends: Backends,
    /// SQLite: the gate this pool's write transactions pass one at a time.
    gate: Option<WriteGate>,
}

/// The turn of a SQLite write transaction: a fair lock, handed to waiters in the
/// order they came ([`write_turn`]).
type WriteGate = Arc<parking_lot::FairMutex<()>>;

/// The PostgreSQL backend process IDs of this pool's open connections.
type Backends = Arc<Mutex<HashSet<i32>>>;

/// A pooled connection, and whether a failed call found it no longer answering.
struct Pooled {
    conn: DbConn,
    broken: bool,
    /// SQLite: the pool's write gate ([`write_turn`]).
    gate: Option<WriteGate>,
    /// Its PostgreSQL backend's process ID, listed in the pool's [`Backends`].
    backend: Option<(i32, Backends)>,
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some((pid, backends)) = &self.backend {
            if let Ok(mut set) = backends.lock() {
                set.remove(pid);
            }
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = StorageError;

    fn connect(&self) -> Result<Pooled, StorageError> {
        let mut conn = self.backend.open()?;
        let backend = match &mut conn {
            DbConn::Postgres(pg) => {
                let pid = backend_pid(pg)?;
                if let Ok(mut set) = self.backends.lock() {
                    set.insert(pid);
                }
                Some((pid, self.backends.clone()))
            }
            DbConn::Sqlite(_) => None,
        };
        Ok(Pooled {
            conn,
            broken: false,
            gate: self.gate.clone(),
            backend,
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), StorageError> {
        pooled.conn.batch_execute("SELECT 1").map_err(StorageError::from)
    }

    /// A connection found not answering, left inside a transaction, or whose
    /// transaction manager gave up (a failed commit whose rollback failed too, as on
    /// a full disk), is closed rather than handed to the next request.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        use diesel::connection::{AnsiTransactionManager, TransactionManager};
        if pooled.broken {
            return true;
        }
        let status = match &mut pooled.conn {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
            DbConn::Postgres(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
            }
        };
        !matches!(status, Ok(None))
    }
}

fn backend_pid(pg: &mut diesel::PgConnection) -> Result<i32, StorageError> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let row: Pid = diesel::sql_query("SELECT pg_backend_pid() AS pid").get_result(pg)?;
    Ok(row.pid)
}

/// Runs `f` on a pooled connection; if a query found the connection lost (the
/// database restarted, the network dropped), the pool closes it rather than hand
/// it to the next caller. (There is no test query on every checkout.)
fn on_pooled<T>(
    pooled: &mut Pooled,
    f: impl FnOnce(&mut DbConn) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    LOST.with(|lost| lost.set(false));
    let outer = GATE.with(|gate| gate.replace(pooled.gate.clone()));
    let result = f(&mut pooled.conn);
    GATE.with(|gate| gate.replace(outer));
    if LOST.with(std::cell::Cell::get) {
        pooled.broken = true;
    }
    result
}

/// Waits for this thread's SQLite connection's turn to write, at most
/// [`crate::conn::SQLITE_BUSY`]: the pool's write transactions then start one at a
/// time in the order they asked, instead of polling SQLite's lock. `None` when the
/// connection is not a pooled SQLite one.
pub(crate) fn write_turn() -> Result<Option<WriteTurn>, StorageError> {
    let Some(gate) = GATE.with(|gate| gate.borrow().clone()) else {
        return Ok(None);
    };
    match gate.try_lock_arc_for(crate::conn::SQLITE_BUSY) {
        Some(turn) => Ok(Some(turn)),
        None => Err(StorageError::Pool(
            "the database is busy: no turn to write within the busy timeout".into(),
        )),
    }
}

/// A turn to write, held until the transaction ends.
pub(crate) type WriteTurn = parking_lot::ArcMutexGuard<parking_lot::RawFairMutex, ()>;

thread_local! {
    /// The write gate of the pooled connection this thread is using ([`on_pooled`]).
    static GATE: std::cell::RefCell<Option<WriteGate>> = const { std::cell::RefCell::new(None) };
    /// Set when a query on this thread found its connection lost (see
    /// [`connection_lost`]); [`Db::run`] then closes that connection. A flag rather
    /// than the returned error, because callers may wrap the error in their own.
    static LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes that a query on this thread found its connection closed.
pub(crate) fn connection_lost() {
    LOST.with(|lost| lost.set(true));
}

/// What [`Db::health`] found.
#[derive(Debug)]
pub struct DbHealth {
    /// A query answered.
    pub read: Result<(), StorageError>,
    /// A one-row write committed (fails on a full disk or a read-only database).
    pub write: Result<(), StorageError>,
}

/// The `server_settings` row the write probe updates.
const HEALTH_PROBE_KEY: &str = "health_probe";

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
    backends: Backends,
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
        let backends = Backends::default();
        let pool = r2d2::Pool::builder()
            .max_size(options.max_connections.max(1))
            .min_idle(Some(1))
            // No test query on every checkout (it was a third of all statements
            // under load): a connection is checked only after a call on it failed
            // (see [`Db::run`]), and closed if it no longer answers.
            .test_on_check_out(false)
            .connection_timeout(options.acquire_timeout)
            .build(Manager {
                gate: matches!(backend, Backend::Sqlite { .. }).then(WriteGate::default),
                backend,
                backends: backends.clone(),
            })?;
        Ok(Self {
            pool,
            backends,
            backend_name,
            max: options.max_connections.max(1),
        })
    }

    /// `"sqlite"` or `"postgresql"`.
    pub fn backend_name(&self) -> &'static str {
        self.backend_name
    }

    /// Whether a PostgreSQL notification with this sender process ID came from one
    /// of this pool's connections (this node's own NOTIFY).
    pub fn is_own_backend(&self, pid: i32) -> bool {
        self.backends.lock().is_ok_and(|set| set.contains(&pid))
    }

    /// Runs `f` with a pooled connection on tokio's blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, StorageError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut pooled = pool.get()?;
            on_pooled(&mut pooled, f)
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
        let mut pooled = self.pool.get()?;
        on_pooled(&mut pooled, f)
    }

    /// Checks that the database answers a query and that a write commits: one row
    /// of `server_settings` is updated in its own transaction, so a full disk or a
    /// read-only database shows here even while reads work. Waits at most `within`
    /// for a connection (not the pool's acquire timeout), so a health check answers
    /// quickly while the database is unreachable.
    pub async fn health(&self, within: Duration, now_millis: i64) -> DbHealth {
        let pool = self.pool.clone();
        let checked = tokio::task::spawn_blocking(move || {
            let mut conn = match pool.get_timeout(within) {
                Ok(conn) => conn,
                Err(e) => {
                    return DbHealth {
                        read: Err(e.into()),
                        write: Err(StorageError::Pool("not tried: no connection".into())),
                    }
                }
            };
            let read = conn.conn.batch_execute("SELECT 1").map_err(StorageError::from);
            if read.is_err() {
                conn.broken = true;
            }
            let write = match &read {
                // Through `on_pooled`, so on SQLite the probe waits its turn among
                // the writers ([`write_turn`]) as a request's write would.
                Ok(()) => on_pooled(&mut conn, |conn| write_probe(conn, now_millis)),
                Err(_) => Err(StorageError::Pool("not tried: the read failed".into())),
            };
            DbHealth { read, write }
        })
        .await;
        checked.unwrap_or_else(|e| DbHealth {
            read: Err(StorageError::Task(e.to_string())),
            write: Err(StorageError::Task(e.to_string())),
        })
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

fn write_probe(conn: &mut DbConn, now_millis: i64) -> Result<(), StorageError> {
    crate::settings::get_or_create(conn, HEALTH_PROBE_KEY, || "0".to_owned())?;
    crate::transaction(conn, |conn| {
        // Only numbers go into the statement: no input from outside.
        conn.batch_execute(&format!(
            "UPDATE server_settings SET value = '{now_millis}' WHERE key = '{HEALTH_PROBE_KEY}'"
        ))
        .map_err(StorageError::from)
    })
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

    /// SQLite's busy handler lets a late writer take the lock before one that has
    /// been waiting (its sleeps grow to 100 ms), so under a steady stream of writers
    /// one could wait past its timeout: the pool's write transactions take turns in
    /// the order they asked.
    #[test]
    fn sqlite_write_transactions_take_turns_in_arrival_order() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("turns.db").display().to_string();
        let db = Db::open(&url, &DbOptions::default()).unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let (release, released) = std::sync::mpsc::channel::<()>();
        let (started, is_started) = std::sync::mpsc::channel::<()>();
        let holder = {
            let db = db.clone();
            std::thread::spawn(move || {
                db.run_blocking(|conn| {
                    crate::transaction(conn, |_| {
                        started.send(()).unwrap();
                        released.recv().unwrap();
                        Ok(())
                    })
                })
                .unwrap();
            })
        };
        is_started.recv().unwrap();
        let mut writers = Vec::new();
        for n in 0..6 {
            let (db, order) = (db.clone(), order.clone());
            writers.push(std::thread::spawn(move || {
                db.run_blocking(|conn| {
                    crate::transaction(conn, |conn| {
                        conn.batch_execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")?;
                        order.lock().unwrap().push(n);
                        Ok(())
                    })
                })
                .unwrap();
            }));
            // Each asks well after the one before.
            std::thread::sleep(Duration::from_millis(150));
        }
        release.send(()).unwrap();
        holder.join().unwrap();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn postgres_urls_are_redacted_in_debug() {
        let backend = Backend::from_url("postgres://u:s3cret@h/db").unwrap();
        assert!(!format!("{backend:?}").contains("s3cret"));
    }
}
