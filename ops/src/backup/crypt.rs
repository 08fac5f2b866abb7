//! age encryption for backups: files are encrypted to the operator's X25519
//! recipients (`age1…`) and opened with their identity file (`AGE-SECRET-KEY-1…`).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

use age::x25519;

use super::{cannot, BackupError};

/// Who can open the backups: the public halves of the operator's keys.
#[derive(Clone)]
pub struct Recipients(Vec<x25519::Recipient>);

impl Recipients {
    /// Parses `age1…` recipients (at least one).
    pub fn parse(texts: &[String]) -> Result<Self, BackupError> {
        if texts.is_empty() {
            return Err(BackupError::CannotRun(
                "no recipient: give --recipient age1… (or KIZUNA_BACKUP_RECIPIENT), the public key \
                 printed by `kizuna-ops backup-key`. 暗号化先の公開鍵（age1…）を指定してください。"
                    .into(),
            ));
        }
        texts
            .iter()
            .map(|t| {
                t.trim().parse::<x25519::Recipient>().map_err(|e| {
                    BackupError::CannotRun(format!(
                        "{t:?} is not an age X25519 recipient ({e}): it starts with age1… 公開鍵の形式が正しくありません。"
                    ))
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Encrypts everything written to the returned writer into `file`; call
    /// `finish()` on it at the end.
    pub fn encrypt_into(
        &self,
        file: File,
    ) -> Result<age::stream::StreamWriter<BufWriter<File>>, BackupError> {
        let recipients = self.0.iter().map(|r| r as &dyn age::Recipient);
        let encryptor = age::Encryptor::with_recipients(recipients)
            .map_err(|e| BackupError::CannotRun(format!("age: {e}")))?;
        encryptor
            .wrap_output(BufWriter::new(file))
            .map_err(cannot("writing an encrypted file"))
    }
}

/// The operator's identity: the private keys that open backups.
pub struct Identities(Vec<Box<dyn age::Identity>>);

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identities(***)")
    }
}

impl Identities {
    /// Reads an age identity file.
    pub fn load(path: &Path) -> Result<Self, BackupError> {
        let missing = |e: String| {
            BackupError::CannotRun(format!(
                "cannot read the identity file {} ({e}): give --identity FILE, the file `kizuna-ops \
                 backup-key` wrote. 秘密鍵ファイルを --identity で指定してください。",
                path.display()
            ))
        };
        let file =
            age::IdentityFile::from_file(path.display().to_string()).map_err(|e| missing(e.to_string()))?;
        let identities = file.into_identities().map_err(|e| missing(e.to_string()))?;
        if identities.is_empty() {
            return Err(missing("it holds no AGE-SECRET-KEY-1… line".into()));
        }
        Ok(Self(identities))
    }

    /// Opens an encrypted stream. A key that does not fit is [`Opened::WrongKey`];
    /// anything else unreadable is damage.
    pub fn decrypt<R: Read>(&self, input: R) -> Opened<R> {
        let decryptor = match age::Decryptor::new(input) {
            Ok(d) => d,
            Err(e) => return Opened::Damaged(e.to_string()),
        };
        match decryptor.decrypt(self.0.iter().map(|i| i.as_ref() as &dyn age::Identity)) {
            Ok(reader) => Opened::Reader(reader),
            Err(age::DecryptError::NoMatchingKeys) => Opened::WrongKey,
            Err(e) => Opened::Damaged(e.to_string()),
        }
    }
}

/// What opening an encrypted file gave.
pub enum Opened<R: Read> {
    /// The plaintext, as it is read (each chunk is authenticated as it comes).
    Reader(age::stream::StreamReader<R>),
    /// The file was made for another key.
    WrongKey,
    /// The file is not a readable age file.
    Damaged(String),
}

/// The error for a file that another key encrypted.
pub fn wrong_key(what: &str) -> BackupError {
    BackupError::CannotRun(format!(
        "the identity does not open {what}: it was made for another key. Give the identity file whose \
         public key (age1…) the backups are made for. 鍵が違います。バックアップ作成時の公開鍵に対応する秘密鍵を指定してください。"
    ))
}

/// Writes a new identity file (mode 0600, never over an existing file) and returns
/// its public key.
pub fn generate_identity(path: &Path, now: &str) -> Result<String, BackupError> {
    use std::os::unix::fs::OpenOptionsExt;
    let identity = x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(cannot(format!(
            "cannot create {} (it must not exist yet)",
            path.display()
        )))?;
    let secret = age::secrecy::ExposeSecret::expose_secret(&identity.to_string()).to_owned();
    writeln!(file, "# created: {now}\n# public key: {public}\n{secret}")
        .and_then(|()| file.sync_all())
        .map_err(cannot(format!("writing {}", path.display())))?;
    Ok(public)
}
