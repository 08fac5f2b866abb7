//! Blobs in backups: each stored blob copied once, named by the SHA-256 of its
//! stored bytes, encrypted to the operator; restored with that hash checked.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use bytes::Bytes;
use futures_util::StreamExt;
use kizuna_proto::BlobId;
use kizuna_storage::{BlobError, BlobStore};
use sha2::{Digest, Sha256};

use super::crypt::{wrong_key, Identities, Opened, Recipients};
use super::manifest::{blob_key, BlobEntry};
use super::progress::Progress;
use super::target::BackupTarget;
use super::{cannot, hex, BackupError};

/// What a blob backup did.
#[derive(Debug, Default)]
pub struct BlobCopies {
    /// Every blob of the generation.
    pub entries: Vec<BlobEntry>,
    /// How many were new and copied.
    pub copied: usize,
    /// Bytes of those.
    pub copied_bytes: u64,
    /// How many the target already held (same hash).
    pub already_held: usize,
}

fn unavailable(e: BlobError) -> BackupError {
    BackupError::CannotRun(format!(
        "the blob store failed ({e}): check it with `kizuna-ops check`"
    ))
}

/// Copies every blob in `store` that the target does not hold yet.
pub async fn back_up(
    store: &BlobStore,
    target: &dyn BackupTarget,
    staging: &Path,
    recipients: &Recipients,
) -> Result<BlobCopies, BackupError> {
    let ids = store.ids().await.map_err(unavailable)?;
    let mut sizes = Vec::with_capacity(ids.len());
    for id in ids {
        match store.size(id).await {
            Ok(size) => sizes.push((id, size)),
            Err(BlobError::NotFound) => {}
            Err(e) => return Err(unavailable(e)),
        }
    }
    let mut progress = Progress::start("blobs", sizes.iter().map(|(_, s)| s).sum(), sizes.len());
    let mut copies = BlobCopies::default();
    for (id, _) in sizes {
        let staged = staging.join("blob.age");
        let Some((sha256, size)) = encrypt_blob(store, id, &staged, recipients, &mut progress).await? else {
            continue; // deleted since it was listed (an abandoned upload swept)
        };
        let key = blob_key(&sha256);
        if target.exists(&key)? {
            target.keep(&key)?;
            copies.already_held += 1;
            std::fs::remove_file(&staged).map_err(cannot("cleaning the staging directory"))?;
        } else {
            target.put_file(&key, &staged)?;
            copies.copied += 1;
            copies.copied_bytes += size;
        }
        copies.entries.push(BlobEntry {
            id: id.to_string(),
            sha256,
            size,
        });
    }
    progress.finish(&format!(
        "{} copied, {} already in the backup",
        copies.copied, copies.already_held
    ));
    Ok(copies)
}

/// Streams one blob into an encrypted file while hashing it: its SHA-256 and size,
/// or `None` if it no longer exists.
async fn encrypt_blob(
    store: &BlobStore,
    id: BlobId,
    staged: &Path,
    recipients: &Recipients,
    progress: &mut Progress,
) -> Result<Option<(String, u64)>, BackupError> {
    let (_, mut stream) = match store.get_stream(id).await {
        Ok(opened) => opened,
        Err(BlobError::NotFound) => return Ok(None),
        Err(e) => return Err(unavailable(e)),
    };
    let file = File::create(staged).map_err(cannot("writing the staging directory"))?;
    let mut writer = recipients.encrypt_into(file)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unavailable)?;
        hasher.update(&chunk);
        size += chunk.len() as u64;
        progress.advance(chunk.len() as u64);
        writer
            .write_all(&chunk)
            .map_err(cannot("writing the staging directory"))?;
    }
    writer
        .finish()
        .and_then(|mut w| w.flush())
        .map_err(cannot("writing the staging directory"))?;
    Ok(Some((hex(&hasher.finalize()), size)))
}

/// Decrypted chunks of a blob copy, hashed as they pass.
struct Chunks<R: Read> {
    reader: R,
    hasher: Sha256,
    failed: Option<String>,
}

impl<R: Read> Iterator for Chunks<R> {
    type Item = Result<Bytes, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed.is_some() {
            return None;
        }
        let mut buf = vec![0u8; 256 * 1024];
        match self.reader.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                self.hasher.update(&buf);
                Some(Ok(Bytes::from(buf)))
            }
            Err(e) => {
                self.failed = Some(e.to_string());
                Some(Err(e.to_string()))
            }
        }
    }
}

/// Restores one blob from its copy into `store`, checking its size and hash. A
/// damaged copy leaves nothing behind in the store.
pub async fn restore(
    store: &BlobStore,
    target: &dyn BackupTarget,
    identities: &Identities,
    entry: &BlobEntry,
) -> Result<(), BackupError> {
    let damaged =
        |why: String| BackupError::Damaged(format!("blob {} (copy {}): {why}", entry.id, entry.key()));
    let id: BlobId = entry
        .id
        .parse()
        .map_err(|_| damaged("the manifest names an invalid blob ID".into()))?;
    let Some(file) = target.open(&entry.key())? else {
        return Err(damaged("the copy is missing".into()));
    };
    let reader = match identities.decrypt(file) {
        Opened::Reader(reader) => reader,
        Opened::WrongKey => return Err(wrong_key(&entry.key())),
        Opened::Damaged(why) => return Err(damaged(why)),
    };
    let mut chunks = Chunks {
        reader,
        hasher: Sha256::new(),
        failed: None,
    };
    let stored = store
        .put_stream_as(
            id,
            futures_util::stream::iter(&mut chunks),
            Some(entry.size),
            u64::MAX,
        )
        .await;
    match stored {
        Ok(_) => {}
        Err(BlobError::Body(why)) => return Err(damaged(format!("it does not decrypt ({why})"))),
        Err(BlobError::LengthMismatch { received, .. }) => {
            return Err(damaged(format!(
                "{received} bytes, the manifest says {}",
                entry.size
            )))
        }
        Err(e) => return Err(unavailable(e)),
    }
    let found = hex(&chunks.hasher.finalize());
    if found != entry.sha256 {
        store.delete(id).await.map_err(unavailable)?;
        return Err(damaged(format!(
            "SHA-256 {found}, the manifest says {}",
            entry.sha256
        )));
    }
    Ok(())
}
