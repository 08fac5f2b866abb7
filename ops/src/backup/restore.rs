//! `kizuna-ops restore`: a generation into an empty deployment, checked as it goes.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use kizuna_storage::BlobStore;
use sha2::{Digest, Sha256};

use super::catalog;
use super::crypt::{wrong_key, Identities, Opened};
use super::database::{count_differences, Database};
use super::manifest::{generation_key, Manifest, DATABASE};
use super::progress::Progress;
use super::s3::S3Args;
use super::target::{self, BackupTarget};
use super::{blobs, cannot, hex, BackupError};

/// What `restore` (and `drill`) read from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The target (a directory or `s3://bucket/prefix`).
    pub from: String,
    /// How an S3 target is reached.
    pub s3: S3Args,
    /// The operator's identity file.
    pub identity: PathBuf,
    /// A generation by name; the newest complete one if absent.
    pub generation: Option<String>,
}

/// An opened source: the target, the key and the chosen generation's manifest.
pub struct OpenedSource {
    /// The target.
    pub target: Box<dyn BackupTarget>,
    /// The key.
    pub identities: Identities,
    /// The manifest.
    pub manifest: Manifest,
}

impl Source {
    /// Opens the target, reads the key and the manifest.
    pub fn open(&self) -> Result<OpenedSource, BackupError> {
        let identities = Identities::load(&self.identity)?;
        let target = target::open(&self.from, &self.s3)?;
        let generation = catalog::choose(target.as_ref(), self.generation.as_deref())?;
        let manifest = catalog::manifest(target.as_ref(), &identities, &generation)?;
        Ok(OpenedSource {
            target,
            identities,
            manifest,
        })
    }
}

/// Decrypts the generation's database snapshot into `dest`, checking its hash.
fn decrypt_database(source: &OpenedSource, dest: &Path) -> Result<(), BackupError> {
    let manifest = &source.manifest;
    let key = generation_key(&manifest.generation, DATABASE);
    let damaged = |why: String| BackupError::Damaged(format!("the database dump {key}: {why}"));
    let file = source
        .target
        .open(&key)?
        .ok_or_else(|| damaged("missing".into()))?;
    let mut reader = match source.identities.decrypt(file) {
        Opened::Reader(reader) => reader,
        Opened::WrongKey => return Err(wrong_key(&key)),
        Opened::Damaged(why) => return Err(damaged(why)),
    };
    let mut out = File::create(dest).map_err(cannot(format!("writing {}", dest.display())))?;
    let mut progress = Progress::start("database", manifest.database.size, 1);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| damaged(format!("it does not decrypt ({e})")))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        out.write_all(chunk)
            .map_err(cannot(format!("writing {}", dest.display())))?;
        progress.advance(n as u64);
    }
    out.sync_all()
        .map_err(cannot(format!("writing {}", dest.display())))?;
    let found = hex(&hasher.finalize());
    if found != manifest.database.sha256 {
        return Err(damaged(format!(
            "SHA-256 {found}, the manifest says {}",
            manifest.database.sha256
        )));
    }
    progress.finish("decrypted, SHA-256 matches");
    Ok(())
}

/// Restores the generation's database into `database` (empty) and checks its row
/// counts against the manifest.
pub fn restore_database(source: &OpenedSource, database: &Database) -> Result<(), BackupError> {
    let private = tempfile::tempdir().map_err(cannot("creating a temporary directory"))?;
    let plain = private.path().join("snapshot");
    decrypt_database(source, &plain)?;
    database.restore_from(&plain)?;
    let differences = count_differences(&source.manifest.tables, &database.counts()?);
    if !differences.is_empty() {
        return Err(BackupError::Damaged(format!(
            "the restored database differs from the manifest: {}",
            differences.join("; ")
        )));
    }
    Ok(())
}

/// Refuses unless the database and the blob store are both empty.
async fn ensure_empty(database: &Database, store: &BlobStore) -> Result<(), BackupError> {
    database.ensure_empty()?;
    let held = store
        .ids()
        .await
        .map_err(|e| BackupError::CannotRun(format!("the blob store failed: {e}")))?;
    if !held.is_empty() {
        return Err(BackupError::Refused(format!(
            "the blob store {} already holds {} blob(s): restore only into an empty deployment. Point \
             blob_url (or data_dir) at an empty place. Blob ストアが空ではありません。",
            store.description(),
            held.len()
        )));
    }
    Ok(())
}

/// Restores a generation into the empty deployment (`database`, `store`). The
/// caller starts a new log generation afterwards.
pub async fn run(source: &Source, database: &Database, store: &BlobStore) -> Result<Manifest, BackupError> {
    let opened = source.open()?;
    let manifest = &opened.manifest;
    if manifest.database.kind != database.kind() {
        return Err(BackupError::Refused(format!(
            "this backup holds a {} database and the deployment uses {}: restore into a deployment of \
             the same kind",
            manifest.database.kind.name(),
            database.kind().name()
        )));
    }
    ensure_empty(database, store).await?;
    println!(
        "restoring {} (taken {}) from {}",
        manifest.generation,
        manifest.created_at,
        opened.target.describe()
    );
    restore_database(&opened, database)?;
    let total = manifest.blobs.iter().map(|b| b.size).sum();
    let mut progress = Progress::start("blobs", total, manifest.blobs.len());
    for entry in &manifest.blobs {
        blobs::restore(store, opened.target.as_ref(), &opened.identities, entry).await?;
        progress.advance(entry.size);
    }
    progress.finish("restored, every SHA-256 matches");
    Ok(opened.manifest)
}
