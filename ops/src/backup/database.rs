//! The deployment's database as backups see it: SQLite or PostgreSQL, each with its
//! own consistent snapshot, restore and row counts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use diesel::query_builder::SqlQuery;
use diesel::query_dsl::LoadQuery;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use kizuna_proto::Redacted;
use kizuna_storage::Backend;

use super::manifest::DatabaseKind;
use super::{postgres, sqlite, BackupError};

/// Rows per table.
pub type TableCounts = BTreeMap<String, i64>;

/// What a snapshot recorded besides its bytes.
#[derive(Debug)]
pub struct Snapshot {
    /// Rows per table, as of the snapshot.
    pub tables: TableCounts,
    /// The deployment's log generation as of the snapshot.
    pub log_generation: Option<String>,
}

/// The database a command works on.
#[derive(Debug, Clone)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (the URL may hold a password).
    Postgres(Redacted<String>),
}

impl Database {
    /// The database the deployment's URL names.
    pub fn from_url(url: &str) -> Result<Self, BackupError> {
        match Backend::from_url(url).map_err(|e| BackupError::CannotRun(e.to_string()))? {
            Backend::Sqlite { path } => Ok(Database::Sqlite(path)),
            Backend::Postgres { url } => Ok(Database::Postgres(url)),
        }
    }

    /// Which engine.
    pub fn kind(&self) -> DatabaseKind {
        match self {
            Database::Sqlite(_) => DatabaseKind::Sqlite,
            Database::Postgres(_) => DatabaseKind::Postgresql,
        }
    }

    /// Writes a consistent snapshot to `out` (a SQLite file or a `pg_dump -Fc`
    /// archive) and counts its rows.
    pub fn snapshot(&self, out: &Path) -> Result<Snapshot, BackupError> {
        match self {
            Database::Sqlite(path) => sqlite::snapshot(path, out),
            Database::Postgres(url) => postgres::snapshot(url.expose(), out),
        }
    }

    /// Refuses unless the database is empty (a missing or empty SQLite file; a
    /// PostgreSQL database without tables).
    pub fn ensure_empty(&self) -> Result<(), BackupError> {
        match self {
            Database::Sqlite(path) => sqlite::ensure_empty(path),
            Database::Postgres(url) => postgres::ensure_empty(url.expose()),
        }
    }

    /// Loads a snapshot (decrypted, at `plain`) into this empty database.
    pub fn restore_from(&self, plain: &Path) -> Result<(), BackupError> {
        match self {
            Database::Sqlite(path) => sqlite::restore(plain, path),
            Database::Postgres(url) => postgres::restore(url.expose(), plain),
        }
    }

    /// Rows per table now.
    pub fn counts(&self) -> Result<TableCounts, BackupError> {
        match self {
            Database::Sqlite(path) => sqlite::counts(path).map(|s| s.tables),
            Database::Postgres(url) => postgres::counts(url.expose()),
        }
    }
}

#[derive(QueryableByName)]
pub(crate) struct Name {
    #[diesel(sql_type = Text)]
    pub name: String,
}

#[derive(QueryableByName)]
pub(crate) struct Count {
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Counts the rows of every table `list_sql` names (a query returning `name`).
pub(crate) fn count_tables<C: Connection>(conn: &mut C, list_sql: &str) -> Result<TableCounts, BackupError>
where
    for<'a> SqlQuery: LoadQuery<'a, C, Name> + LoadQuery<'a, C, Count>,
{
    let failed = |e: diesel::result::Error| BackupError::CannotRun(format!("counting rows: {e}"));
    let names: Vec<Name> = diesel::sql_query(list_sql).load(conn).map_err(failed)?;
    let mut counts = TableCounts::new();
    for Name { name } in names {
        // Table names come from the catalogue; quoted as identifiers all the same.
        let quoted = name.replace('"', "\"\"");
        let rows: Vec<Count> = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{quoted}\""))
            .load(conn)
            .map_err(failed)?;
        counts.insert(name, rows.first().map_or(0, |c| c.n));
    }
    Ok(counts)
}

/// The deployment's log generation, if it has one yet.
pub(crate) fn log_generation<C: Connection>(conn: &mut C) -> Option<String>
where
    for<'a> SqlQuery: LoadQuery<'a, C, Name>,
{
    diesel::sql_query("SELECT value AS name FROM server_settings WHERE key = 'log_generation'")
        .load::<Name>(conn)
        .ok()
        .and_then(|rows| rows.into_iter().next())
        .map(|row| row.name)
}

/// Differences between two sets of counts, in words (empty when equal).
pub fn count_differences(expected: &TableCounts, found: &TableCounts) -> Vec<String> {
    let mut differences = Vec::new();
    for (table, want) in expected {
        match found.get(table) {
            Some(got) if got == want => {}
            Some(got) => differences.push(format!("table {table}: {got} rows, the manifest says {want}")),
            None => differences.push(format!("table {table} is missing")),
        }
    }
    for table in found.keys().filter(|t| !expected.contains_key(*t)) {
        differences.push(format!("table {table} is not in the manifest"));
    }
    differences
}
