//! SQLite snapshots with `VACUUM INTO`.
//!
//! `VACUUM INTO` runs inside one read transaction, so the copy is consistent while
//! the servers keep writing (WAL lets readers and the writer proceed together); it
//! includes what is still in the write-ahead log, and the result is one compact,
//! self-contained file. The online backup API would do as well, but diesel does not
//! expose it and the workspace forbids the `unsafe` FFI it would take.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

use super::database::{count_tables, log_generation, Snapshot};
use super::{cannot, BackupError};

const TABLES: &str =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";

fn connect(path: &Path) -> Result<SqliteConnection, BackupError> {
    let conn = SqliteConnection::establish(&path.to_string_lossy()).map_err(|e| {
        BackupError::CannotRun(format!("cannot open the SQLite database {}: {e}", path.display()))
    })?;
    Ok(conn)
}

/// Copies the live database at `live` into `out` and counts the copy's rows.
pub fn snapshot(live: &Path, out: &Path) -> Result<Snapshot, BackupError> {
    if !live.is_file() {
        return Err(BackupError::CannotRun(format!(
            "the SQLite database {} does not exist: check data_dir / database_url (run `kizuna-ops check`)",
            live.display()
        )));
    }
    let mut conn = connect(live)?;
    conn.batch_execute("PRAGMA busy_timeout = 10000")
        .and_then(|()| {
            let target = out.to_string_lossy().replace('\'', "''");
            conn.batch_execute(&format!("VACUUM INTO '{target}'"))
        })
        .map_err(|e| BackupError::CannotRun(format!("SQLite snapshot (VACUUM INTO) failed: {e}")))?;
    counts(out)
}

/// Rows per table and the log generation of the database file at `path`.
pub fn counts(path: &Path) -> Result<Snapshot, BackupError> {
    let mut conn = connect(path)?;
    let tables = count_tables(&mut conn, TABLES)?;
    Ok(Snapshot {
        tables,
        log_generation: log_generation(&mut conn),
    })
}

/// Refuses a database file that exists and is not empty.
pub fn ensure_empty(path: &Path) -> Result<(), BackupError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > 0 {
        return Err(BackupError::Refused(format!(
            "the database {} already exists: restore only into an empty deployment. Point data_dir \
             (KIZUNA_DATA_DIR) at a new, empty directory, or move the old database away first. \
             既存のデータベースがあります。空の配置先にのみ復元できます。",
            path.display()
        )));
    }
    Ok(())
}

/// Checks the decrypted snapshot at `plain` and moves it into place at `dest`.
pub fn restore(plain: &Path, dest: &Path) -> Result<(), BackupError> {
    let mut conn = connect(plain)?;
    conn.batch_execute("PRAGMA quick_check")
        .map_err(|e| BackupError::Damaged(format!("the database snapshot fails SQLite's check: {e}")))?;
    drop(conn);
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent).map_err(cannot(format!("creating {}", parent.display())))?;
    }
    let partial = dest.with_extension("restoring");
    std::fs::copy(plain, &partial)
        .and_then(|_| std::fs::File::open(&partial)?.sync_all())
        .and_then(|()| std::fs::rename(&partial, dest))
        .map_err(cannot(format!("writing {}", dest.display())))
}
