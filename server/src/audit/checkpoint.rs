//! Signed checkpoints of the audit chain.
//!
//! The chain alone shows an edited, deleted or inserted entry, but someone who can
//! write the database could rewrite every hash after their edit. So every
//! `audit_checkpoint_interval_secs` a node writes `{seq, hash, at}` of the chain's
//! head to the blob store (`audit/checkpoints/<seq>.json`), signed with an Ed25519 key
//! that is not in the database: a file (`audit_signing_key_file`, by default
//! `<data_dir>/audit-signing.key`, made on first start, mode 0600). Its public key is
//! written beside the checkpoints; keep a copy elsewhere too, since whoever holds the
//! bucket can replace it. A rewritten chain no longer matches a signed checkpoint.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use kizuna_proto::Timestamp;
use kizuna_storage::audit::{chain, checkpoints};
use kizuna_storage::{BlobError, BlobStore, Db, StorageError};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::state::AppState;

/// Domain label of the signed bytes.
const LABEL: &str = "kizuna-audit-checkpoint-v1";

/// Why a checkpoint could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The key file cannot be read, written or parsed.
    #[error("audit signing key {path}: {reason}. Check audit_signing_key_file and the file's permissions.")]
    Key {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The database could not be read.
    #[error("database: {0}")]
    Database(StorageError),
    /// The blob store could not be read or written.
    #[error("blob store: {0}")]
    Blobs(BlobError),
}

/// The signing key. `Debug` prints `***`.
pub struct AuditKey(SigningKey);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

impl AuditKey {
    /// The public key, hex.
    pub fn public_hex(&self) -> String {
        chain::hex(self.0.verifying_key().as_bytes())
    }
}

/// Where the signing key lives.
pub fn key_path(config: &Config) -> PathBuf {
    config
        .audit_signing_key_file
        .clone()
        .unwrap_or_else(|| config.data_dir.join("audit-signing.key"))
}

/// Reads the key file, or makes a new key there (mode 0600) if there is none.
pub fn load_or_create_key(path: &Path) -> Result<AuditKey, CheckpointError> {
    let fail = |reason: String| CheckpointError::Key {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let seed = parse_hex32(text.trim()).ok_or_else(|| fail("not 64 hex digits".into()))?;
            Ok(AuditKey(SigningKey::from_bytes(&seed)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            rand::rng().fill_bytes(&mut seed);
            write_secret(path, &format!("{}\n", chain::hex(&seed))).map_err(|e| fail(e.to_string()))?;
            tracing::info!(path = %path.display(), "made a new audit signing key");
            Ok(AuditKey(SigningKey::from_bytes(&seed)))
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

fn write_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// One signed checkpoint, as stored (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The chain's last seq at the time.
    pub seq: i64,
    /// Its hash (hex).
    pub hash: String,
    /// When (Unix milliseconds).
    pub at: Timestamp,
    /// The signer's public key (hex).
    pub public_key: String,
    /// Ed25519 signature (hex) over `kizuna-audit-checkpoint-v1\n{seq}\n{hash}\n{at}`.
    pub signature: String,
}

fn signed_bytes(seq: i64, hash: &str, at: Timestamp) -> Vec<u8> {
    format!("{LABEL}\n{seq}\n{hash}\n{}", at.0).into_bytes()
}

impl Checkpoint {
    /// Signs the link at `at`.
    pub fn sign(key: &AuditKey, link: &chain::Link, at: Timestamp) -> Self {
        let signature = key.0.sign(&signed_bytes(link.seq, &link.hash, at));
        Checkpoint {
            seq: link.seq,
            hash: link.hash.clone(),
            at,
            public_key: key.public_hex(),
            signature: chain::hex(&signature.to_bytes()),
        }
    }

    /// Whether the signature is by `public_key` (hex) over this checkpoint.
    pub fn signed_by(&self, public_key: &str) -> bool {
        let Some(key) = parse_hex32(public_key).and_then(|k| VerifyingKey::from_bytes(&k).ok()) else {
            return false;
        };
        let Some(sig) = parse_hex64(&self.signature) else {
            return false;
        };
        key.verify_strict(
            &signed_bytes(self.seq, &self.hash, self.at),
            &Signature::from_bytes(&sig),
        )
        .is_ok()
    }
}

fn parse_hex64(text: &str) -> Option<[u8; 64]> {
    if text.len() != 128 {
        return None;
    }
    let (a, b) = (parse_hex32(&text[..64])?, parse_hex32(&text[64..])?);
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&a);
    out[32..].copy_from_slice(&b);
    Some(out)
}

/// Writes a signed checkpoint of the chain's head at `now`, unless the chain is empty
/// or that seq already has one. Also writes the public key beside the checkpoints.
/// Returns the checkpoint written.
pub async fn write_now(
    db: &Db,
    blobs: &BlobStore,
    key: &AuditKey,
    now: Timestamp,
) -> Result<Option<Checkpoint>, CheckpointError> {
    let head = db.run(chain::head).await.map_err(CheckpointError::Database)?;
    if head.seq == 0 || head.hash.len() != 64 {
        return Ok(None);
    }
    let public = key.public_hex();
    let stored_key = checkpoints::get(blobs, checkpoints::PUBLIC_KEY)
        .await
        .map_err(CheckpointError::Blobs)?;
    if stored_key.as_deref() != Some(public.as_bytes()) {
        checkpoints::put(blobs, checkpoints::PUBLIC_KEY, public.clone().into_bytes())
            .await
            .map_err(CheckpointError::Blobs)?;
    }
    let name = checkpoints::key_for(head.seq);
    if checkpoints::get(blobs, &name)
        .await
        .map_err(CheckpointError::Blobs)?
        .is_some()
    {
        return Ok(None);
    }
    let checkpoint = Checkpoint::sign(key, &head, now);
    let json = serde_json::to_vec_pretty(&checkpoint).map_err(|e| CheckpointError::Key {
        path: name.clone(),
        reason: e.to_string(),
    })?;
    checkpoints::put(blobs, &name, json)
        .await
        .map_err(CheckpointError::Blobs)?;
    Ok(Some(checkpoint))
}

/// Every stored checkpoint in seq order; one that cannot be parsed is returned as
/// its object name.
pub async fn load_all(blobs: &BlobStore) -> Result<Vec<Result<Checkpoint, String>>, CheckpointError> {
    let mut found = Vec::new();
    for name in checkpoints::list(blobs).await.map_err(CheckpointError::Blobs)? {
        let bytes = checkpoints::get(blobs, &name)
            .await
            .map_err(CheckpointError::Blobs)?
            .unwrap_or_default();
        found.push(serde_json::from_slice::<Checkpoint>(&bytes).map_err(|_| name));
    }
    Ok(found)
}

/// Writes a checkpoint every `audit_checkpoint_interval_secs` (0: never) for as
/// long as the server runs, with the key made or read at start.
pub fn spawn(state: AppState) {
    let secs = state.config.audit_checkpoint_interval_secs;
    if secs == 0 {
        return;
    }
    let key = match load_or_create_key(&key_path(&state.config)) {
        Ok(key) => key,
        Err(e) => {
            tracing::error!(error = %e, "no audit checkpoints will be written");
            return;
        }
    };
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(secs));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match write_now(&state.db, &state.blobs, &key, state.now()).await {
                Ok(Some(c)) => tracing::info!(seq = c.seq, "wrote an audit checkpoint"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "writing an audit checkpoint failed; will retry"),
            }
        }
    });
}
