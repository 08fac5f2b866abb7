//! Where backups are written: a directory ([`LocalDir`]) or an S3 bucket with
//! Object Lock ([`super::s3::S3Target`]), behind one trait.
//!
//! Keys are `/`-separated (`blobs/<hash>.age`, `generations/<g>/manifest.age`).
//! Files are prepared (encrypted) in a local staging directory first and then put
//! in place whole, so a target never shows a half-written file under its name.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::s3::{LockArgs, S3Args, S3Target};
use super::{cannot, BackupError};

/// What became of a file or generation that pruning asked to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// Deleted.
    Removed,
    /// Still under S3 Object Lock retention until this UTC time: left in place.
    LockedUntil(String),
    /// The target refused for another reason (said in words): left in place.
    Refused(String),
}

/// A place that holds backup files.
pub trait BackupTarget {
    /// Where it is, for messages.
    fn describe(&self) -> String;
    /// A fresh local directory to prepare files in before [`put_file`](Self::put_file).
    fn staging(&self) -> Result<TempDir, BackupError>;
    /// Checks the target can hold a new generation made at `generation_millis`
    /// (an S3 bucket: versioning and Object Lock on) and fixes how the files
    /// written from now on are locked (`lock`; a directory has no locks). Called
    /// once before a backup writes anything.
    fn prepare_backup(&mut self, generation_millis: i64, lock: &LockArgs) -> Result<(), BackupError> {
        let _ = (generation_millis, lock);
        Ok(())
    }
    /// Whether a file exists.
    fn exists(&self, key: &str) -> Result<bool, BackupError>;
    /// An existing file the new generation uses too (a blob copy it already held):
    /// keeps it at least as long as the files written now (S3: extends its lock).
    fn keep(&self, key: &str) -> Result<(), BackupError> {
        let _ = key;
        Ok(())
    }
    /// Puts a finished local file in place under `key` (it is moved or copied).
    fn put_file(&self, key: &str, file: &Path) -> Result<(), BackupError>;
    /// Opens a file for reading; `None` if it does not exist.
    fn open(&self, key: &str) -> Result<Option<Box<dyn Read>>, BackupError>;
    /// The names directly below `prefix` (files or directories), sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>, BackupError>;
    /// Deletes a file (a missing file is not an error).
    fn delete(&self, key: &str) -> Result<Removal, BackupError>;
    /// Deletes a generation: its manifest first (so that what may remain is an
    /// unfinished generation, never restored), its blob list last.
    fn remove_generation(&self, generation: &str) -> Result<Removal, BackupError>;
}

/// Opens the target `spec` names: `s3://bucket/prefix` (reached as `s3` says), or a
/// directory path (created if missing).
pub fn open(spec: &str, s3: &S3Args) -> Result<Box<dyn BackupTarget>, BackupError> {
    if let Some(rest) = spec.strip_prefix("s3://") {
        return Ok(Box::new(S3Target::open(rest, s3)?));
    }
    if spec.contains("://") && !spec.starts_with("file://") {
        return Err(BackupError::CannotRun(format!(
            "backup target {spec:?}: give a directory path or s3://BUCKET/PREFIX"
        )));
    }
    let root = PathBuf::from(spec.strip_prefix("file://").unwrap_or(spec));
    Ok(Box::new(LocalDir::open(root)?))
}

/// Refuses a key with an empty, `.` or `..` part.
pub(crate) fn check_key(key: &str) -> Result<(), BackupError> {
    let safe = key
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != "..");
    if safe {
        Ok(())
    } else {
        Err(BackupError::CannotRun(format!("invalid backup key {key:?}")))
    }
}

/// A directory on this machine (a second disk, a mounted share).
pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    /// Opens (creating) the directory.
    pub fn open(root: PathBuf) -> Result<Self, BackupError> {
        for dir in ["blobs", "generations", ".staging"] {
            std::fs::create_dir_all(root.join(dir)).map_err(cannot(format!(
                "cannot create the backup directory {} (check the path, permissions and free space)",
                root.display()
            )))?;
        }
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf, BackupError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

impl BackupTarget for LocalDir {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn staging(&self) -> Result<TempDir, BackupError> {
        // On the same file system, so put_file is a rename.
        tempfile::Builder::new()
            .prefix("run-")
            .tempdir_in(self.root.join(".staging"))
            .map_err(cannot(format!("cannot write in {}", self.root.display())))
    }

    fn exists(&self, key: &str) -> Result<bool, BackupError> {
        Ok(self.path(key)?.is_file())
    }

    fn put_file(&self, key: &str, file: &Path) -> Result<(), BackupError> {
        let dest = self.path(key)?;
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(cannot(format!("creating {}", parent.display())))?;
        }
        File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(cannot(format!("syncing {}", file.display())))?;
        if std::fs::rename(file, &dest).is_err() {
            std::fs::copy(file, &dest).map_err(cannot(format!("writing {}", dest.display())))?;
        }
        Ok(())
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read>>, BackupError> {
        match File::open(self.path(key)?) {
            Ok(f) => Ok(Some(Box::new(std::io::BufReader::new(f)))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(BackupError::CannotRun(format!("reading {key}: {e}"))),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BackupError> {
        let dir = self.path(prefix)?;
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(BackupError::CannotRun(format!("listing {}: {e}", dir.display()))),
        };
        let mut names = entries
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(cannot(format!("listing {}", dir.display())))?;
        names.sort();
        Ok(names)
    }

    fn delete(&self, key: &str) -> Result<Removal, BackupError> {
        match std::fs::remove_file(self.path(key)?) {
            Ok(()) => Ok(Removal::Removed),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Removal::Removed),
            Err(e) => Err(BackupError::CannotRun(format!("deleting {key}: {e}"))),
        }
    }

    fn remove_generation(&self, generation: &str) -> Result<Removal, BackupError> {
        let dir = self.path(&format!("generations/{generation}"))?;
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(Removal::Removed),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Removal::Removed),
            Err(e) => Err(BackupError::CannotRun(format!("deleting {}: {e}", dir.display()))),
        }
    }
}
