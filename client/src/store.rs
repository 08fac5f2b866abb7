//! The local state: one file, readable only by its owner, plus a sibling key file.
//!
//! The file is JSON. What is needed to find things (server, origin, login ID, user and
//! device IDs, which groups and how far each was read) is in clear; everything secret
//! or patient-related (session token, authenticator, device key, MLS and channel
//! states, decrypted posts) is one blob sealed with
//! [`kizuna_crypto::channel::seal_state`] under a random key kept in `<state>.key`.
//! Both files are created with mode 0600 and refused if group or others may read
//! them. Writes are atomic (temporary file, fsync, rename), so a crash leaves the old
//! state or the new one, never half of each.
//!
//! Why a separate key file when both sit side by side: a copied or backed-up state
//! file alone gives nothing away, and the key can later move to the OS keyring
//! without changing the format.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use kizuna_crypto::vault::{open_state, seal_state};
use kizuna_crypto::Random;
use kizuna_engine::RosterBook;
use kizuna_proto::{Channel, DeviceId, RoomId, UserId};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::api::{b64, unb64};
use crate::error::{ClientError, Result};
use crate::post::{ReceivedPost, RejectedEntry};
use crate::wire::LogEntry;

/// The `format` field of every state file this code writes and reads.
const FORMAT: &str = "kizuna-client-state/1";
/// The label the sealed part is bound to, so it cannot be confused with other sealed
/// data under the same key.
const LABEL: &[u8] = b"kizuna-client/state/v1";

/// What is stored in clear.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Public {
    pub format: String,
    pub server: String,
    pub origin: String,
    pub login_id: Option<String>,
    pub user_id: Option<UserId>,
    pub device_id: Option<DeviceId>,
    #[serde(default)]
    pub groups: BTreeMap<String, GroupMeta>,
    /// The server's log generation when the logs were last read
    /// ([`kizuna_proto::log`]): another one means it was restored from a backup.
    #[serde(default)]
    pub log_generation: Option<String>,
}

/// One channel group this device is (or was) in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupMeta {
    pub room: RoomId,
    pub channel: Channel,
    /// The last log position processed.
    pub last_seq: i64,
    /// False once this device was removed from the group or lost access to it.
    pub active: bool,
}

/// What is sealed. Byte fields are base64 so the plaintext is plain JSON.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Secrets {
    pub token: Option<String>,
    /// The software authenticator, `SoftToken::to_cbor`.
    pub authenticator: Option<String>,
    /// The device's Ed25519 seed.
    pub signing_key: Option<String>,
    /// `MlsDevice::export_state`.
    pub mls_state: Option<String>,
    /// `ChannelState::export` per group ID.
    #[serde(default)]
    pub channels: BTreeMap<String, String>,
    /// Decrypted posts per group ID, in log order.
    #[serde(default)]
    pub posts: BTreeMap<String, Vec<ReceivedPost>>,
    /// Posts whose era key has not arrived yet, per group ID.
    #[serde(default)]
    pub waiting: BTreeMap<String, Vec<LogEntry>>,
    /// Entries refused as tampered or replayed, per group ID, in log order.
    #[serde(default)]
    pub rejected: BTreeMap<String, Vec<RejectedEntry>>,
    /// One-time key packages the server had left at the last upload, minus those used
    /// since.
    #[serde(default)]
    pub key_packages_left: i64,
    /// Whether this device's last-resort key package has been uploaded.
    #[serde(default)]
    pub last_resort_uploaded: bool,
    /// The officer rosters pinned for regional broadcasts (absent in older states).
    #[serde(default)]
    pub rosters: RosterBook,
}

impl Secrets {
    /// Decodes a base64 field.
    pub fn bytes(field: &str, value: Option<&String>) -> Result<Option<Zeroizing<Vec<u8>>>> {
        value
            .map(|text| unb64(field, text).map(Zeroizing::new))
            .transpose()
            .map_err(|_| ClientError::Protocol(format!("saved {field} is not base64")))
    }

    /// Encodes a byte field.
    pub fn text(bytes: &[u8]) -> String {
        b64(bytes)
    }
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    #[serde(flatten)]
    public: Public,
    sealed: String,
}

/// The state file and its key.
pub(crate) struct StateFile {
    path: PathBuf,
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for StateFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateFile")
            .field("path", &self.path)
            .field("key", &"***")
            .finish()
    }
}

impl StateFile {
    /// A new state at `path` with a fresh key. Refuses to replace an existing state.
    pub fn create(path: &Path, rng: &mut dyn Random) -> Result<Self> {
        if path.exists() {
            return Err(state_error(
                path,
                "already exists; open it instead of creating it",
            ));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill(key.as_mut());
        let key_path = key_path(path);
        // An orphaned key file (no state next to it) protects nothing: replace it.
        let _ = fs::remove_file(&key_path);
        let mut file = private_file(&key_path)?;
        file.write_all(key.as_ref())
            .and_then(|()| file.sync_all())
            .map_err(|e| state_error(&key_path, e))?;
        Ok(Self {
            path: path.to_owned(),
            key,
        })
    }

    /// Opens the state at `path`: checks both files' permissions, reads the key and
    /// unseals the secret part.
    pub fn open(path: &Path) -> Result<(Self, Public, Secrets)> {
        let key_path = key_path(path);
        let text = read_private(path)?;
        let raw_key = read_private(&key_path)?;
        let key: [u8; 32] = raw_key
            .as_slice()
            .try_into()
            .map_err(|_| state_error(&key_path, "the key file is not 32 bytes"))?;
        let key = Zeroizing::new(key);
        let disk: OnDisk = serde_json::from_slice(&text).map_err(|e| state_error(path, e))?;
        if disk.public.format != FORMAT {
            return Err(state_error(
                path,
                format!("unknown format {:?} (expected {FORMAT})", disk.public.format),
            ));
        }
        let sealed =
            unb64("sealed", &disk.sealed).map_err(|_| state_error(path, "sealed part is not base64"))?;
        let plain = open_state(&key, LABEL, &sealed)
            .map_err(|e| state_error(path, format!("cannot unseal with {}: {e}", key_path.display())))?;
        let secrets: Secrets = serde_json::from_slice(&plain).map_err(|e| state_error(path, e))?;
        Ok((
            Self {
                path: path.to_owned(),
                key,
            },
            disk.public,
            secrets,
        ))
    }

    /// The state file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the whole state atomically.
    pub fn save<S: Serialize>(&self, public: &Public, secrets: &S, rng: &mut dyn Random) -> Result<()> {
        let plain = Zeroizing::new(serde_json::to_vec(secrets).map_err(|e| state_error(&self.path, e))?);
        let sealed = seal_state(&self.key, LABEL, &plain, rng);
        let disk = OnDisk {
            public: public.clone(),
            sealed: b64(&sealed),
        };
        let text = serde_json::to_vec_pretty(&disk).map_err(|e| state_error(&self.path, e))?;
        let mut suffix = [0u8; 6];
        rng.fill(&mut suffix);
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "state".into());
        let temp = self
            .path
            .with_file_name(format!(".{name}.{}.tmp", crate::api::hex(&suffix)));
        let written = private_file(&temp).and_then(|mut file| {
            file.write_all(&text)
                .and_then(|()| file.sync_all())
                .map_err(|e| state_error(&temp, e))
        });
        if let Err(e) =
            written.and_then(|()| fs::rename(&temp, &self.path).map_err(|e| state_error(&self.path, e)))
        {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        // Make the rename itself durable (best effort: not every platform opens dirs).
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

impl Public {
    /// A fresh state for `server`, signing WebAuthn for `origin`.
    pub fn new(server: &str, origin: &str) -> Self {
        Self {
            format: FORMAT.into(),
            server: server.into(),
            origin: origin.into(),
            login_id: None,
            user_id: None,
            device_id: None,
            groups: BTreeMap::new(),
            log_generation: None,
        }
    }
}

/// `<state>.key`.
pub(crate) fn key_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn state_error(path: &Path, reason: impl std::fmt::Display) -> ClientError {
    ClientError::State {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Creates a file only its owner may read and write.
fn private_file(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| state_error(path, e))
}

/// Reads a file after checking that nobody but its owner may read it.
fn read_private(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let mut file = File::open(path).map_err(|e| state_error(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file
            .metadata()
            .map_err(|e| state_error(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(ClientError::InsecureState {
                path: path.to_owned(),
                mode: mode & 0o777,
            });
        }
    }
    let mut bytes = Zeroizing::new(Vec::new());
    file.read_to_end(&mut bytes).map_err(|e| state_error(path, e))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::OsRandom;

    fn sample() -> (Public, Secrets) {
        let mut public = Public::new("http://127.0.0.1:9", "http://localhost:8080");
        public.login_id = Some("nurse.sato".into());
        let secrets = Secrets {
            token: Some("session-token-secret".into()),
            key_packages_left: 7,
            ..Secrets::default()
        };
        (public, secrets)
    }

    #[test]
    fn saved_state_reads_back_and_hides_its_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let file = StateFile::create(&path, &mut OsRandom).unwrap();
        let (public, secrets) = sample();
        file.save(&public, &secrets, &mut OsRandom).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("nurse.sato"));
        assert!(!text.contains("session-token-secret"), "the token must be sealed");
        let (_, public2, secrets2) = StateFile::open(&path).unwrap();
        assert_eq!(public2.login_id.as_deref(), Some("nurse.sato"));
        assert_eq!(secrets2.token.as_deref(), Some("session-token-secret"));
        assert_eq!(secrets2.key_packages_left, 7);
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(!format!("{file:?}").contains(&format!("{:?}", file.key.as_ref())));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_readable_ones_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let file = StateFile::create(&path, &mut OsRandom).unwrap();
        let (public, secrets) = sample();
        file.save(&public, &secrets, &mut OsRandom).unwrap();
        for p in [&path, &key_path(&path)] {
            assert_eq!(fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            StateFile::open(&path),
            Err(ClientError::InsecureState { mode: 0o644, .. })
        ));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        fs::set_permissions(key_path(&path), fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            StateFile::open(&path),
            Err(ClientError::InsecureState { .. })
        ));
    }

    #[test]
    fn a_wrong_key_or_an_existing_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let file = StateFile::create(&path, &mut OsRandom).unwrap();
        let (public, secrets) = sample();
        file.save(&public, &secrets, &mut OsRandom).unwrap();
        assert!(StateFile::create(&path, &mut OsRandom).is_err());
        let mut other = [0u8; 32];
        OsRandom.fill(&mut other);
        fs::write(key_path(&path), other).unwrap();
        assert!(matches!(StateFile::open(&path), Err(ClientError::State { .. })));
    }
}
