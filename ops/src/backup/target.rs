//! Where backups are written: a directory now; an S3 bucket with Object Lock is
//! the next implementation of the same trait.
//!
//! Keys are `/`-separated (`blobs/<hash>.age`, `generations/<g>/manifest.age`).
//! Files are prepared (encrypted) in a local staging directory first and then put
//! in place whole, so a target never shows a half-written file under its name.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::{cannot, BackupError};

/// A place that holds backup files.
pub trait BackupTarget {
    /// Where it is, for messages.
    fn describe(&self) -> String;
    /// A fresh local directory to prepare files in before [`put_file`](Self::put_file).
    fn staging(&self) -> Result<TempDir, BackupError>;
    /// Whether a file exists.
    fn exists(&self, key: &str) -> Result<bool, BackupError>;
    /// Puts a finished local file in place under `key` (it is moved or copied).
    fn put_file(&self, key: &str, file: &Path) -> Result<(), BackupError>;
    /// Opens a file for reading; `None` if it does not exist.
    fn open(&self, key: &str) -> Result<Option<Box<dyn Read>>, BackupError>;
    /// The names directly below `prefix` (files or directories), sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>, BackupError>;
    /// Deletes a file (a missing file is not an error).
    fn delete(&self, key: &str) -> Result<(), BackupError>;
    /// Deletes a generation's directory once its files are gone.
    fn remove_generation(&self, generation: &str) -> Result<(), BackupError>;
}

/// Opens the target `spec` names: a directory path (created if missing).
pub fn open(spec: &str) -> Result<Box<dyn BackupTarget>, BackupError> {
    if spec.starts_with("s3://") {
        return Err(BackupError::CannotRun(
            "S3 backup targets are not supported yet: give a directory (e.g. a second disk or a \
             network mount). S3 バックアップ先は未対応です。ディレクトリを指定してください。"
                .into(),
        ));
    }
    if spec.contains("://") && !spec.starts_with("file://") {
        return Err(BackupError::CannotRun(format!(
            "backup target {spec:?}: give a directory path"
        )));
    }
    let root = PathBuf::from(spec.strip_prefix("file://").unwrap_or(spec));
    Ok(Box::new(LocalDir::open(root)?))
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
        let safe = key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
        if !safe {
            return Err(BackupError::CannotRun(format!("invalid backup key {key:?}")));
        }
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

    fn delete(&self, key: &str) -> Result<(), BackupError> {
        match std::fs::remove_file(self.path(key)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BackupError::CannotRun(format!("deleting {key}: {e}"))),
        }
    }

    fn remove_generation(&self, generation: &str) -> Result<(), BackupError> {
        let dir = self.path(&format!("generations/{generation}"))?;
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BackupError::CannotRun(format!("deleting {}: {e}", dir.display()))),
        }
    }
}
