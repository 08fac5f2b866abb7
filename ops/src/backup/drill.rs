//! `kizuna-ops drill`: restores a backup into a scratch place and checks it all —
//! the database's row counts against the manifest and every blob's SHA-256 — then
//! reports. Exit codes: 0 good, [`EXIT_DAMAGED`](super::EXIT_DAMAGED) damaged,
//! [`EXIT_CANNOT_RUN`](super::EXIT_CANNOT_RUN) when the drill could not run.
//!
//! A SQLite backup goes into a scratch file; a PostgreSQL backup into a scratch
//! database created (and dropped afterwards) on the deployment's PostgreSQL server,
//! or on `--scratch-postgres`. Blobs go into a scratch directory.

use kizuna_storage::{BlobLocation, BlobStore};

use super::database::Database;
use super::manifest::DatabaseKind;
use super::postgres::Scratch;
use super::progress::Progress;
use super::restore::{restore_database, Source};
use super::{blobs, cannot, BackupError};

/// Runs the drill. `postgres` is the server to make a scratch database on, for a
/// PostgreSQL backup.
pub async fn run(source: &Source, postgres: Option<&str>) -> Result<(), BackupError> {
    let opened = source.open()?;
    let manifest = &opened.manifest;
    println!(
        "drill: {} (taken {}, {} database, {} blobs) from {}",
        manifest.generation,
        manifest.created_at,
        manifest.database.kind.name(),
        manifest.blobs.len(),
        opened.target.describe()
    );
    let scratch = tempfile::tempdir().map_err(cannot("creating a scratch directory"))?;
    let mut damage = Vec::new();

    let mut scratch_db: Option<Scratch> = None;
    let database = match manifest.database.kind {
        DatabaseKind::Sqlite => Database::Sqlite(scratch.path().join("kizuna.db")),
        DatabaseKind::Postgresql => {
            let server = postgres.ok_or_else(|| {
                BackupError::CannotRun(
                    "this is a PostgreSQL backup: the drill needs a PostgreSQL server to restore into. \
                     Give --scratch-postgres URL (or run it with the deployment's configuration)."
                        .into(),
                )
            })?;
            let created = Scratch::create(server)?;
            let database = Database::from_url(&created.url)?;
            scratch_db = Some(created);
            database
        }
    };
    match restore_database(&opened, &database) {
        Ok(()) => {
            let rows: i64 = manifest.tables.values().sum();
            println!(
                "database: ok ({} tables, {rows} rows, as in the manifest)",
                manifest.tables.len()
            );
        }
        Err(BackupError::Damaged(what)) => damage.push(what),
        Err(other) => return Err(other),
    }

    let store = BlobStore::open(&BlobLocation::Local(scratch.path().join("blobs")))
        .map_err(|e| BackupError::CannotRun(e.to_string()))?;
    let total = manifest.blobs.iter().map(|b| b.size).sum();
    let mut progress = Progress::start("blobs", total, manifest.blobs.len());
    let mut good = 0usize;
    for entry in &manifest.blobs {
        match blobs::restore(&store, opened.target.as_ref(), &opened.identities, entry).await {
            Ok(()) => good += 1,
            Err(BackupError::Damaged(what)) => damage.push(what),
            Err(other) => return Err(other),
        }
        progress.advance(entry.size);
    }
    progress.finish(&format!("{good} of {} match their SHA-256", manifest.blobs.len()));

    drop(scratch_db);
    if damage.is_empty() {
        println!(
            "drill passed: {} can be restored. 復元訓練に成功しました。",
            manifest.generation
        );
        return Ok(());
    }
    for what in &damage {
        println!("DAMAGED: {what}");
    }
    Err(BackupError::Damaged(format!(
        "{} problem(s) in {}: {}. Make a new backup now and keep this one for investigation. \
         新しいバックアップを作成してください。",
        damage.len(),
        manifest.generation,
        damage.join("; ")
    )))
}
