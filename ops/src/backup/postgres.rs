//! PostgreSQL snapshots with the engine's own tools: `pg_dump -Fc` and `pg_restore`.
//!
//! The row counts are taken in the very snapshot `pg_dump` dumps: a repeatable-read
//! transaction exports its snapshot, counts, and `pg_dump --snapshot` reads the same
//! one while the transaction stays open. Passwords go to the tools in `PGPASSWORD`,
//! never on their command line.

use std::path::Path;
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use super::database::{count_tables, log_generation, Count, Name, Snapshot, TableCounts};
use super::BackupError;

const TABLES: &str =
    "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename";

fn connect(url: &str) -> Result<PgConnection, BackupError> {
    PgConnection::establish(url).map_err(|e| {
        BackupError::CannotRun(format!(
            "cannot open the PostgreSQL database {}: {e}",
            without_password(url).0
        ))
    })
}

/// The URL without its password, and the password.
fn without_password(url: &str) -> (String, Option<String>) {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let password = parsed.password().map(|p| {
                url::form_urlencoded::parse(format!("p={p}").as_bytes())
                    .next()
                    .map_or_else(|| p.to_owned(), |(_, v)| v.into_owned())
            });
            let _ = parsed.set_password(None);
            (parsed.to_string(), password)
        }
        Err(_) => ("(unparsable URL)".into(), None),
    }
}

/// A PostgreSQL client tool pointed at `url`.
fn tool(name: &str, url: &str) -> Result<Command, BackupError> {
    match Command::new(name).arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => {
            return Err(BackupError::CannotRun(format!(
                "{name} was not found: install the PostgreSQL client tools, the same major version \
                 as the server or newer (Debian: apt install postgresql-client). \
                 {name} が見つかりません。PostgreSQL クライアントツールをインストールしてください。"
            )))
        }
    }
    let (url, password) = without_password(url);
    let mut command = Command::new(name);
    command.arg(format!("--dbname={url}"));
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    Ok(command)
}

fn run(mut command: Command, what: &str) -> Result<(), BackupError> {
    let out = command
        .output()
        .map_err(|e| BackupError::CannotRun(format!("{what}: {e}")))?;
    if !out.status.success() {
        return Err(BackupError::CannotRun(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// Dumps the database at `url` into `out` (custom format) and counts its rows, both
/// from one snapshot.
pub fn snapshot(url: &str, out: &Path) -> Result<Snapshot, BackupError> {
    let mut dump = tool("pg_dump", url)?;
    let mut conn = connect(url)?;
    let failed = |e: diesel::result::Error| BackupError::CannotRun(format!("PostgreSQL snapshot: {e}"));
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .map_err(failed)?;
    let exported: Vec<Name> = diesel::sql_query("SELECT pg_export_snapshot() AS name")
        .load(&mut conn)
        .map_err(failed)?;
    let snapshot_id = exported
        .into_iter()
        .next()
        .map(|n| n.name)
        .ok_or_else(|| BackupError::CannotRun("PostgreSQL exported no snapshot".into()))?;
    let tables = count_tables(&mut conn, TABLES)?;
    let log_generation = log_generation(&mut conn);
    dump.args(["--format=custom", "--no-owner", "--no-privileges"])
        .arg(format!("--snapshot={snapshot_id}"))
        .arg(format!("--file={}", out.display()));
    run(dump, "pg_dump")?;
    conn.batch_execute("COMMIT").map_err(failed)?;
    Ok(Snapshot {
        tables,
        log_generation,
    })
}

/// Rows per table now.
pub fn counts(url: &str) -> Result<TableCounts, BackupError> {
    count_tables(&mut connect(url)?, TABLES)
}

/// Refuses a database that already has tables.
pub fn ensure_empty(url: &str) -> Result<(), BackupError> {
    let mut conn = connect(url)?;
    let rows: Vec<Count> =
        diesel::sql_query("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'")
            .load(&mut conn)
            .map_err(|e| BackupError::CannotRun(format!("PostgreSQL: {e}")))?;
    if rows.first().map_or(0, |c| c.n) > 0 {
        return Err(BackupError::Refused(format!(
            "the database {} already has tables: restore only into an empty database. Create a new one \
             (createdb kizuna_restored) and point database_url (KIZUNA_DATABASE_URL) at it. \
             データベースが空ではありません。新しい空のデータベースを作成して指定してください。",
            without_password(url).0
        )));
    }
    Ok(())
}

/// Loads the archive at `dump` into the empty database at `url`, in one transaction.
pub fn restore(url: &str, dump: &Path) -> Result<(), BackupError> {
    let mut restore = tool("pg_restore", url)?;
    restore
        .args([
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ])
        .arg(dump);
    run(restore, "pg_restore").map_err(|e| match e {
        BackupError::CannotRun(message) if message.contains("input file") => {
            BackupError::Damaged(format!("the database dump cannot be read: {message}"))
        }
        other => other,
    })
}

/// A scratch database on the same server, dropped when this is dropped.
pub struct Scratch {
    admin: String,
    name: String,
    /// Its URL.
    pub url: String,
}

impl Scratch {
    /// Creates `kizuna_drill_<random>` on the server `url` points at (the role needs
    /// CREATEDB).
    pub fn create(url: &str) -> Result<Self, BackupError> {
        let name = format!("kizuna_drill_{}", uuid::Uuid::new_v4().simple());
        connect(url)?
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| {
                BackupError::CannotRun(format!(
                    "cannot create a scratch database for the drill ({e}): the database role needs \
                     CREATEDB, or give --scratch-postgres URL"
                ))
            })?;
        let mut parsed = url::Url::parse(url).map_err(|e| BackupError::CannotRun(e.to_string()))?;
        parsed.set_path(&format!("/{name}"));
        Ok(Self {
            admin: url.to_owned(),
            name,
            url: parsed.to_string(),
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let dropped = connect(&self.admin).and_then(|mut conn| {
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .map_err(|e| BackupError::CannotRun(e.to_string()))
        });
        if let Err(e) = dropped {
            eprintln!("could not drop the scratch database {}: {e}", self.name);
        }
    }
}
