//! The connection enum and how each backend's connection is opened and tuned.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::StorageError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");

/// One database connection, SQLite or PostgreSQL. Queries are written once against
/// this type; only the few places where the SQL really differs match on it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL, for production and several nodes.
    Postgres(PgConnection),
    /// SQLite, the embedded default.
    Sqlite(SqliteConnection),
}

/// SQLite settings applied to every new connection: write-ahead logging so readers
/// never block the writer, foreign keys enforced, and a busy timeout so concurrent
/// writers wait instead of failing at once ([`SQLITE_BUSY`]).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
     PRAGMA synchronous = NORMAL;
     PRAGMA foreign_keys = ON;";

/// How long a SQLite writer waits for the write lock before the request is
/// answered `503 unavailable`: for its turn among this process's write
/// transactions ([`crate::db`]'s write gate), then SQLite's busy timeout for other
/// processes and for single-statement writes.
pub(crate) const SQLITE_BUSY: std::time::Duration = std::time::Duration::from_secs(5);

pub(crate) fn open_sqlite(path: &str) -> Result<DbConn, StorageError> {
    let mut conn = SqliteConnection::establish(path).map_err(|e| StorageError::Connect {
        backend: "SQLite",
        reason: format!("{e} (file {path:?}: check that the data directory exists and is writable)"),
    })?;
    let pragmas = format!(
        "{SQLITE_PRAGMAS} PRAGMA busy_timeout = {};",
        SQLITE_BUSY.as_millis()
    );
    conn.batch_execute(&pragmas).map_err(|e| StorageError::Connect {
        backend: "SQLite",
        reason: format!("{e} (file {path:?}: check that the data directory is writable)"),
    })?;
    Ok(DbConn::Sqlite(conn))
}

pub(crate) fn open_postgres(url: &str) -> Result<DbConn, StorageError> {
    let conn = PgConnection::establish(url).map_err(|e| StorageError::Connect {
        backend: "PostgreSQL",
        reason: e.to_string(),
    })?;
    Ok(DbConn::Postgres(conn))
}

impl DbConn {
    /// Applies every embedded migration not yet applied.
    pub(crate) fn migrate(&mut self) -> Result<usize, StorageError> {
        let applied = match self {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| StorageError::Migration(e.to_string()))?;
        Ok(applied.len())
    }

    /// The backend's name, for messages and metrics.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DbConn::Sqlite(_) => "sqlite",
            DbConn::Postgres(_) => "postgresql",
        }
    }
}

/// Runs `f` in one database transaction that the caller may refuse: when `f` returns
/// any `Err` (a storage failure *or* the caller's own refusal, e.g. an API error),
/// everything it wrote is rolled back and that error is returned unchanged.
///
/// This is the only way a request handler should open a transaction: returning
/// `Ok(Err(refusal))` from [`transaction`] would commit what was written before the
/// refusal (a registration that burns the invitation, then refuses the login ID).
pub fn refusable_transaction<T, E: From<StorageError>>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E> {
    let mut refusal = None;
    let outcome = transaction(conn, |conn| {
        f(conn).map_err(|e| {
            refusal = Some(e);
            StorageError::Refused("refused by the caller; rolled back".to_owned())
        })
    });
    match outcome {
        Ok(value) => Ok(value),
        Err(e) => Err(refusal.take().unwrap_or_else(|| e.into())),
    }
}

/// Runs `f` in one database transaction: all of it is committed, or none of it.
///
/// On SQLite the outermost transaction starts with `BEGIN IMMEDIATE`, taking the
/// write lock at once: a deferred transaction that reads and then writes cannot wait
/// for a concurrent writer and fails with "database is locked", whereas an immediate
/// one waits (busy timeout) before it reads anything. Nested calls use savepoints.
pub fn transaction<T>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    let DbConn::Sqlite(sqlite) = conn else {
        return conn.transaction(f);
    };
    let outermost = AnsiTransactionManager::transaction_manager_status_mut(sqlite)
        .transaction_depth()?
        .is_none();
    if !outermost {
        return conn.transaction(f);
    }
    // This process's write transactions take turns in arrival order: SQLite's
    // busy handler is not fair, and under a steady stream of writers one of them
    // could sleep past its timeout while others took the lock, though none held
    // it longer than 15 ms (a setup of 9,500 joins failed so).
    let _turn = crate::db::write_turn()?;
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let outcome = f(conn);
    let DbConn::Sqlite(sqlite) = conn else {
        unreachable!("the connection cannot change backend inside a transaction")
    };
    match outcome {
        Ok(value) => match AnsiTransactionManager::commit_transaction(sqlite) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = AnsiTransactionManager::rollback_transaction(sqlite);
                Err(e.into())
            }
        },
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(e)
        }
    }
}
