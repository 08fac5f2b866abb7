//! `kizuna-ops backup`, `restore` and `drill` as an operator runs them: the real
//! binary against a deployment (data directory, and a PostgreSQL database or the
//! embedded SQLite file) that a test server also runs on.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};
use kizuna_server::Config;
use tempfile::TempDir;

use crate::{DbKind, TestDb};

/// The `kizuna-ops` binary next to this test executable, built first if missing.
pub fn ops_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test binary has no target directory")?;
    let binary = profile_dir.join("kizuna-ops");
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "kizuna-ops", "--bin", "kizuna-ops"])
            .status()?;
        if !status.success() || !binary.exists() {
            bail!("could not build kizuna-ops at {}", binary.display());
        }
    }
    Ok(binary)
}

/// One deployment's places: a data directory (SQLite file and local blobs) and, on
/// PostgreSQL, a database of its own. Starts empty.
pub struct Deployment {
    /// The data directory.
    pub data_dir: PathBuf,
    /// The PostgreSQL database, if the deployment uses one.
    pub database: Option<TestDb>,
    _dir: TempDir,
}

impl Deployment {
    /// A new, empty deployment on `kind`.
    pub fn new(kind: DbKind) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let database = match kind {
            DbKind::Sqlite => None,
            DbKind::Postgres => Some(TestDb::new(kind)?),
        };
        Ok(Self {
            data_dir: dir.path().join("data"),
            database,
            _dir: dir,
        })
    }

    /// Points a test server's configuration at this deployment.
    pub fn configure(&self) -> impl FnOnce(&mut Config) {
        let data_dir = self.data_dir.clone();
        let url = self.database.as_ref().map(|db| db.url.clone());
        move |config: &mut Config| {
            config.data_dir = data_dir;
            config.database_url = url.map(kizuna_proto::Redacted::new);
        }
    }

    /// Runs `kizuna-ops` with this deployment's settings (and nothing else from the
    /// environment).
    pub fn ops(&self, args: &[&str]) -> Result<Output> {
        let mut command = Command::new(ops_binary()?);
        for (key, _) in std::env::vars() {
            if key.starts_with("KIZUNA_") {
                command.env_remove(key);
            }
        }
        command.env("KIZUNA_DATA_DIR", &self.data_dir).args(args);
        if let Some(db) = &self.database {
            command.env("KIZUNA_DATABASE_URL", &db.url);
        }
        Ok(command.output()?)
    }
}

/// The operator's backup key, made by `kizuna-ops backup-key`.
pub struct BackupKey {
    /// The identity file.
    pub identity: PathBuf,
    /// Its public key (`age1…`).
    pub recipient: String,
    _dir: TempDir,
}

impl BackupKey {
    /// Makes a key with `deployment`'s kizuna-ops.
    pub fn new(deployment: &Deployment) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let identity = dir.path().join("backup-key.txt");
        let out = deployment.ops(&["backup-key", "--out", &identity.display().to_string()])?;
        anyhow::ensure!(out.status.success(), "backup-key: {}", text(&out.stderr));
        let recipient = text(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("public key: "))
            .context("backup-key prints the public key")?
            .trim()
            .to_owned();
        Ok(Self {
            identity,
            recipient,
            _dir: dir,
        })
    }
}

/// Bytes as text, for messages.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// How many blobs a backup copied anew, from its summary line (`… (N new, …`).
pub fn new_blobs(stdout: &str) -> Option<usize> {
    let line = stdout.lines().find(|l| l.contains(" complete: "))?;
    let (_, rest) = line.split_once(" blobs (")?;
    rest.split_once(" new")?.0.parse().ok()
}

/// The names in `dir`, sorted (empty if it does not exist).
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Changes one byte in the middle of a file, returning a closure's worth of undo:
/// the offset and the original byte.
pub fn flip_byte(file: &Path) -> Result<(usize, u8)> {
    let mut bytes = std::fs::read(file)?;
    let at = bytes.len() / 2;
    let original = *bytes.get(at).context("empty file")?;
    bytes[at] = original ^ 0x5a;
    std::fs::write(file, &bytes)?;
    Ok((at, original))
}

/// Puts back a byte [`flip_byte`] changed.
pub fn unflip_byte(file: &Path, (at, original): (usize, u8)) -> Result<()> {
    let mut bytes = std::fs::read(file)?;
    bytes[at] = original;
    std::fs::write(file, &bytes)?;
    Ok(())
}

impl Deployment {
    /// Like [`Deployment::ops`], with `env` set and no `AWS_…` variable inherited
    /// (for `s3://` backup targets).
    pub fn ops_env(&self, args: &[&str], env: &[(&str, &str)]) -> Result<Output> {
        let mut command = Command::new(ops_binary()?);
        for (key, _) in std::env::vars() {
            if key.starts_with("KIZUNA_") || key.starts_with("AWS_") {
                command.env_remove(key);
            }
        }
        command.env("KIZUNA_DATA_DIR", &self.data_dir).args(args);
        if let Some(db) = &self.database {
            command.env("KIZUNA_DATABASE_URL", &db.url);
        }
        command.envs(env.iter().copied());
        Ok(command.output()?)
    }
}

/// Unix seconds of a UTC time written `2027-01-08T21:50:18Z` (fractions ignored) or
/// as a generation stamp `20270108T215018.123Z`.
pub fn unix_seconds(time: &str) -> Option<i64> {
    let digits: String = time.chars().filter(char::is_ascii_digit).take(14).collect();
    let field = |from: usize, to: usize| digits.get(from..to)?.parse::<i64>().ok();
    let (year, month, day) = (field(0, 4)?, field(4, 6)?, field(6, 8)?);
    let (h, m, s) = (field(8, 10)?, field(10, 12)?, field(12, 14)?);
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}
