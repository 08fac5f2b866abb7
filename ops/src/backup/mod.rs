//! `kizuna-ops backup`, `restore` and `drill`: the operator's own copies of a
//! deployment.
//!
//! A backup target (a directory, or an S3 bucket with Object Lock: [`s3`]; both
//! behind the [`target::BackupTarget`] trait) holds:
//!
//! ```text
//! blobs/<sha256 of the stored bytes>.age      each blob once, whatever the generation
//! generations/<UTC time>-<random>/
//!     database.age                            the database snapshot (SQLite file or pg_dump -Fc)
//!     manifest.age                            time, database kind, row counts, blob IDs → hashes
//!     blob-refs                               the blob file names the generation uses
//! ```
//!
//! Everything with content is age-encrypted to the operator's X25519 recipient;
//! the process that makes backups never holds the identity that opens them.
//! `blob-refs` is the one file in clear: a list of the SHA-256 names already
//! visible in `blobs/` (hashes of ciphertext the clients made), so that pruning
//! needs no key. The manifest is written last: a generation without one is
//! unfinished and never restored.

pub mod blobs;
pub mod catalog;
pub mod create;
pub mod crypt;
pub mod database;
pub mod drill;
pub mod manifest;
pub mod postgres;
pub mod progress;
pub mod restore;
pub mod s3;
mod s3_http;
pub mod s3_lock;
pub mod sqlite;
pub mod target;

use std::process::ExitCode;

/// Exit code of `drill` (and the other commands) when the backup itself is damaged.
pub const EXIT_DAMAGED: u8 = 65;
/// Exit code when the command cannot run: a missing tool, a wrong key, an
/// unreachable database, no backup at all.
pub const EXIT_CANNOT_RUN: u8 = 69;

/// Why a backup command failed, sorted by what the operator does next.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The backup is damaged: a file changed, is missing or does not decrypt.
    #[error("the backup is damaged / バックアップが破損しています: {0}")]
    Damaged(String),
    /// The command could not run (configuration, tools, keys, target).
    #[error("{0}")]
    CannotRun(String),
    /// The command refuses, to protect data (e.g. restoring over a deployment in use).
    #[error("{0}")]
    Refused(String),
}

impl BackupError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            BackupError::Damaged(_) => ExitCode::from(EXIT_DAMAGED),
            BackupError::CannotRun(_) => ExitCode::from(EXIT_CANNOT_RUN),
            BackupError::Refused(_) => ExitCode::FAILURE,
        }
    }
}

/// A [`BackupError::CannotRun`] with context.
pub(crate) fn cannot(context: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> BackupError {
    move |e| BackupError::CannotRun(format!("{context}: {e}"))
}

/// SHA-256 in lower-case hex.
pub(crate) fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
