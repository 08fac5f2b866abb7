//! The generations a target holds: which are complete, which is newest, their
//! manifests, and pruning the old ones with the blob copies only they used.

use std::collections::BTreeSet;
use std::io::Read;

use super::crypt::{wrong_key, Identities, Opened};
use super::manifest::{generation_key, Manifest, BLOB_REFS, FORMAT_VERSION, MANIFEST};
use super::target::{BackupTarget, Removal};
use super::BackupError;

/// Complete generations (those with a manifest), oldest first.
pub fn complete(target: &dyn BackupTarget) -> Result<Vec<String>, BackupError> {
    let mut complete = Vec::new();
    for name in target.list("generations")? {
        if target.exists(&generation_key(&name, MANIFEST))? {
            complete.push(name);
        }
    }
    Ok(complete)
}

/// The generation to restore: `wanted`, or the newest complete one.
pub fn choose(target: &dyn BackupTarget, wanted: Option<&str>) -> Result<String, BackupError> {
    let complete = complete(target)?;
    match wanted {
        Some(name) if complete.iter().any(|g| g == name) => Ok(name.to_owned()),
        Some(name) => Err(BackupError::CannotRun(format!(
            "there is no complete backup generation {name:?} in {}: it has {}",
            target.describe(),
            if complete.is_empty() {
                "none".to_owned()
            } else {
                complete.join(", ")
            }
        ))),
        None => complete.last().cloned().ok_or_else(|| {
            BackupError::CannotRun(format!(
                "no complete backup in {}: run `kizuna-ops backup` first, or check --from. \
                 バックアップが見つかりません。",
                target.describe()
            ))
        }),
    }
}

/// Reads and decrypts a generation's manifest.
pub fn manifest(
    target: &dyn BackupTarget,
    identities: &Identities,
    generation: &str,
) -> Result<Manifest, BackupError> {
    let key = generation_key(generation, MANIFEST);
    let damaged = |why: String| BackupError::Damaged(format!("the manifest {key}: {why}"));
    let file = target.open(&key)?.ok_or_else(|| damaged("missing".into()))?;
    let mut json = Vec::new();
    match identities.decrypt(file) {
        Opened::Reader(mut reader) => reader
            .read_to_end(&mut json)
            .map_err(|e| damaged(e.to_string()))?,
        Opened::WrongKey => return Err(wrong_key("the backup's manifest")),
        Opened::Damaged(why) => return Err(damaged(why)),
    };
    let manifest: Manifest = serde_json::from_slice(&json).map_err(|e| damaged(e.to_string()))?;
    if manifest.format != FORMAT_VERSION {
        return Err(BackupError::CannotRun(format!(
            "the backup {generation} has format {}; this kizuna-ops reads format {FORMAT_VERSION}: \
             use the kizuna-ops version that made it",
            manifest.format
        )));
    }
    Ok(manifest)
}

/// What pruning removed, and what it had to leave.
#[derive(Debug, Default)]
pub struct Pruned {
    /// Generations deleted.
    pub generations: Vec<String>,
    /// Blob copies deleted.
    pub blobs: usize,
    /// Old generations the target would not delete yet (locked), and why.
    pub held: Vec<(String, Removal)>,
    /// Unused blob copies the target would not delete yet.
    pub held_blobs: usize,
}

/// Keeps the newest `keep` complete generations (and any unfinished one newer than
/// them); deletes the rest, then every blob copy no remaining generation uses.
/// What the target will not delete yet (an S3 Object Lock) stays, and is listed.
pub fn prune(target: &dyn BackupTarget, keep: usize) -> Result<Pruned, BackupError> {
    let complete = complete(target)?;
    let cut = complete.len().saturating_sub(keep.max(1));
    let oldest_kept = complete.get(cut).cloned();
    let mut pruned = Pruned::default();
    for name in target.list("generations")? {
        let old = oldest_kept.as_ref().is_some_and(|kept| name < *kept);
        if old {
            match target.remove_generation(&name)? {
                Removal::Removed => pruned.generations.push(name),
                held => pruned.held.push((name, held)),
            }
        }
    }
    let mut used = BTreeSet::new();
    for name in target.list("generations")? {
        if let Some(mut refs) = target.open(&generation_key(&name, BLOB_REFS))? {
            let mut text = String::new();
            refs.read_to_string(&mut text)
                .map_err(|e| BackupError::CannotRun(format!("reading {name}/{BLOB_REFS}: {e}")))?;
            used.extend(text.lines().map(str::to_owned));
        } else if !target.exists(&generation_key(&name, MANIFEST))? {
            // Unfinished and without its list: keep every copy this time.
            return Ok(pruned);
        }
    }
    for file in target.list("blobs")? {
        if !used.contains(&file) {
            match target.delete(&format!("blobs/{file}"))? {
                Removal::Removed => pruned.blobs += 1,
                _ => pruned.held_blobs += 1,
            }
        }
    }
    Ok(pruned)
}
