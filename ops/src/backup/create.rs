//! `kizuna-ops backup`: a consistent database snapshot and every blob, encrypted to
//! the operator, as a new generation; then old generations pruned.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use kizuna_storage::BlobStore;
use sha2::{Digest, Sha256};

use super::blobs::{self, BlobCopies};
use super::catalog;
use super::crypt::Recipients;
use super::database::Database;
use super::manifest::{
    generation_key, utc_times, DatabaseEntry, Manifest, BLOB_REFS, DATABASE, FORMAT_VERSION, MANIFEST,
};
use super::progress::Progress;
use super::s3::{LockArgs, S3Args};
use super::target::{self, Removal};
use super::{cannot, hex, BackupError};

/// What `backup` was asked to do.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// The target (a directory or `s3://bucket/prefix`).
    pub to: String,
    /// How an S3 target is reached.
    pub s3: S3Args,
    /// How an S3 target's new files are locked.
    pub lock: LockArgs,
    /// The operator's `age1…` recipients.
    pub recipients: Vec<String>,
    /// Generations to keep.
    pub keep: usize,
}

/// Encrypts the file at `plain` into `staged`; returns the plaintext's SHA-256 and size.
pub(crate) fn encrypt_file(
    plain: &Path,
    staged: &Path,
    recipients: &Recipients,
    progress: &mut Progress,
) -> Result<(String, u64), BackupError> {
    let mut input = File::open(plain).map_err(cannot(format!("reading {}", plain.display())))?;
    let out = File::create(staged).map_err(cannot("writing the staging directory"))?;
    let mut writer = recipients.encrypt_into(out)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = input
            .read(&mut buf)
            .map_err(cannot(format!("reading {}", plain.display())))?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        hasher.update(chunk);
        writer
            .write_all(chunk)
            .map_err(cannot("writing the staging directory"))?;
        size += n as u64;
        progress.advance(n as u64);
    }
    writer
        .finish()
        .and_then(|mut w| w.flush())
        .map_err(cannot("writing the staging directory"))?;
    Ok((hex(&hasher.finalize()), size))
}

/// Encrypts bytes held in memory into `staged`.
fn encrypt_bytes(bytes: &[u8], staged: &Path, recipients: &Recipients) -> Result<(), BackupError> {
    let out = File::create(staged).map_err(cannot("writing the staging directory"))?;
    let mut writer = recipients.encrypt_into(out)?;
    writer
        .write_all(bytes)
        .and_then(|()| writer.finish())
        .and_then(|mut w| w.flush())
        .map_err(cannot("writing the staging directory"))
}

/// Makes a new generation in the target and prunes old ones. `now_millis` names it.
pub async fn run(
    database: &Database,
    store: &BlobStore,
    options: &BackupOptions,
    now_millis: i64,
) -> Result<Manifest, BackupError> {
    let recipients = Recipients::parse(&options.recipients)?;
    let mut target = target::open(&options.to, &options.s3)?;
    target.prepare_backup(now_millis, &options.lock)?;
    let staging = target.staging()?;
    let (created_at, stamp) = utc_times(now_millis);
    let random = uuid::Uuid::new_v4().simple().to_string();
    let generation = format!("{stamp}-{}", random.get(..8).unwrap_or_default());
    println!(
        "backup {generation} of the {} database to {}",
        database.kind().name(),
        target.describe()
    );

    // The plaintext snapshot stays outside the target, in a private temporary directory.
    let private = tempfile::tempdir().map_err(cannot("creating a temporary directory"))?;
    let plain = private.path().join("snapshot");
    let snapshot = database.snapshot(&plain)?;
    let size = std::fs::metadata(&plain).map(|m| m.len()).unwrap_or(0);
    let mut progress = Progress::start("database", size, 1);
    let staged = staging.path().join(DATABASE);
    let (sha256, size) = encrypt_file(&plain, &staged, &recipients, &mut progress)?;
    drop(private);
    target.put_file(&generation_key(&generation, DATABASE), &staged)?;
    let rows: i64 = snapshot.tables.values().sum();
    progress.finish(&format!("{} tables, {rows} rows", snapshot.tables.len()));

    // Blobs after the snapshot: everything it refers to is in the store by now.
    let BlobCopies {
        entries,
        copied,
        copied_bytes,
        already_held,
    } = blobs::back_up(store, target.as_ref(), staging.path(), &recipients).await?;

    let manifest = Manifest {
        format: FORMAT_VERSION,
        generation: generation.clone(),
        created_at,
        kizuna_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: DatabaseEntry {
            kind: database.kind(),
            sha256,
            size,
            log_generation: snapshot.log_generation,
        },
        tables: snapshot.tables,
        blobs: entries,
    };
    let refs: String = manifest
        .blobs
        .iter()
        .map(|b| format!("{}.age\n", b.sha256))
        .collect();
    let refs_file = staging.path().join(BLOB_REFS);
    std::fs::write(&refs_file, refs).map_err(cannot("writing the staging directory"))?;
    target.put_file(&generation_key(&generation, BLOB_REFS), &refs_file)?;
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| BackupError::CannotRun(format!("manifest: {e}")))?;
    let staged = staging.path().join(MANIFEST);
    encrypt_bytes(&json, &staged, &recipients)?;
    target.put_file(&generation_key(&generation, MANIFEST), &staged)?;

    let pruned = catalog::prune(target.as_ref(), options.keep)?;
    for (name, why) in &pruned.held {
        match why {
            Removal::LockedUntil(until) => println!(
                "kept old generation {name}: locked until {until} (S3 Object Lock); a later backup prunes it. \
                 世代 {name} は {until} までロックされているため残しました。"
            ),
            Removal::Refused(why) => println!(
                "kept old generation {name}: {why}. 世代 {name} を削除できませんでした。"
            ),
            Removal::Removed => {}
        }
    }
    if pruned.held_blobs > 0 {
        println!(
            "kept {} unused blob copies still locked (S3 Object Lock); a later backup deletes them.",
            pruned.held_blobs
        );
    }
    println!(
        "backup {generation} complete: {} blobs ({copied} new, {copied_bytes} bytes copied; {already_held} already held). \
         Pruned {} old generation(s) and {} unused blob copies; keeping {}. \
         バックアップ完了。",
        manifest.blobs.len(),
        pruned.generations.len(),
        pruned.blobs,
        options.keep
    );
    Ok(manifest)
}
