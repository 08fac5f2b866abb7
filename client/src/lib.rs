//! Kizuna's native client: the sans-I/O crypto core ([`kizuna_crypto`]) driven over
//! HTTP and WebSocket, with all local state in one owner-only file.
//!
//! It is what the `kizuna` CLI, the end-to-end tests and the benchmarks use to act as
//! a member of a care team: register from an invitation link or sign in (password and
//! a software authenticator kept in the state file), create rooms, invite, post,
//! read and follow live.
//!
//! ```no_run
//! # async fn demo() -> kizuna_client::Result<()> {
//! use kizuna_client::{Client, Channel, ContentType, PostEnvelope};
//! let mut me = Client::create("me.kizuna".as_ref(), "https://kizuna.example", "https://kizuna.example")?;
//! me.register("https://kizuna.example/#/invite/TOKEN", "nurse.sato", "Tq7#mVb2!pLx", None).await?;
//! me.sync().await?;
//! let room = me.rooms().await?[0].id;
//! me.post(room, Channel::Team, &PostEnvelope::new(ContentType::Note, "訪問完了")).await?;
//! for post in me.read(room, Channel::Team) {
//!     println!("{}: {}", post.author_user, post.envelope.body);
//! }
//! # Ok(()) }
//! ```
//!
//! Inside, one file per concern: `api` (HTTP and the server's error answers),
//! `store` (the state file and its key), `authenticator` (the software FIDO2 token),
//! `account` (registration, sign-in, the device and its key packages), `rooms`,
//! `channels` (groups, sync, post, read), `reconcile` (membership commits) and `follow` (WebSocket). [`cli`]
//! is the `kizuna` command line on top. The protocol itself (MLS, era keys, sealing
//! and checking posts) is all in `kizuna-crypto`; this crate only moves bytes, keeps
//! state and decides when to commit.

mod account;
mod api;
mod authenticator;
mod broadcasts;
mod care;
mod channels;
pub mod cli;
mod error;
mod export;
mod follow;
mod post;
mod random;
mod reconcile;
mod rooms;
mod safety;
mod store;
mod wire;

use std::collections::BTreeMap;
use std::path::Path;

use kizuna_crypto::channel::ChannelState;
use kizuna_crypto::{DeviceIdentity, DeviceSigningKey, MlsDevice};
use kizuna_proto::Redacted;
use url::Url;
use zeroize::Zeroizing;

pub use broadcasts::{BroadcastImage, NewBroadcast, Receipt, ReceiptState, ReceivedBroadcast};
pub use care::{MemberRead, NewPhoto};
pub use channels::SyncReport;
pub use error::{ClientError, Result};
pub use export::ExportPhoto;
pub use follow::Follow;
pub use kizuna_crypto::{ContentType, PostEnvelope};
pub use kizuna_engine::officer::{BroadcastView, RosterReport, Standing};
pub use kizuna_proto::Severity;
pub use kizuna_proto::{Channel, DeviceId, OrganisationId, PostId, RoomId, RoomRole, Timestamp, UserId};
pub use post::{ReceivedPost, RejectedEntry};
pub use random::OsRandom;
pub use reconcile::ReconcileReport;
pub use safety::{SafetyRoom, SafetyRooms};
pub use wire::{Accepted, Invitation, LogEntry, Member, Room};

use authenticator::Authenticator;
use store::{Public, Secrets, StateFile};

/// One person's device, signed in to one server, with its state in one file.
///
/// Every method that changes something saves the state before returning (and before
/// sending anything the saved state must know about, such as new key packages or a
/// new era key). `Debug` shows no secret.
pub struct Client {
    file: StateFile,
    public: Public,
    /// Posts, waiting entries and the key-package estimate; the other secret fields
    /// are filled from the live objects below when saving.
    secrets: Secrets,
    api: api::Api,
    origin: Url,
    authenticator: Option<Authenticator>,
    device: Option<MlsDevice>,
    channels: BTreeMap<String, ChannelState>,
    rng: OsRandom,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.file.path())
            .field("server", &self.public.server)
            .field("login_id", &self.public.login_id)
            .field("user_id", &self.public.user_id)
            .field("device_id", &self.public.device_id)
            .field("groups", &self.public.groups.len())
            .field("secrets", &"***")
            .finish()
    }
}

impl Client {
    /// A new state file at `path` for the server at `server` (e.g.
    /// `http://127.0.0.1:8080`), signing WebAuthn ceremonies for `origin` (the
    /// server's public URL, which may differ from the address connected to). Refuses
    /// to overwrite an existing state.
    pub fn create(path: &Path, server: &str, origin: &str) -> Result<Self> {
        let server = parse_url("server", server)?;
        let origin = parse_url("origin", origin)?;
        let mut rng = OsRandom;
        let file = StateFile::create(path, &mut rng)?;
        let public = Public::new(
            server.as_str().trim_end_matches('/'),
            origin.as_str().trim_end_matches('/'),
        );
        let client = Self {
            api: api::Api::new(&public.server)?,
            file,
            public,
            secrets: Secrets::default(),
            origin,
            authenticator: None,
            device: None,
            channels: BTreeMap::new(),
            rng,
        };
        client.save()?;
        Ok(client)
    }

    /// Opens the state at `path`. Refuses files that other users may read.
    pub fn open(path: &Path) -> Result<Self> {
        let (file, public, secrets) = StateFile::open(path)?;
        let origin = parse_url("origin", &public.origin)?;
        let mut api = api::Api::new(&public.server)?;
        api.set_token(secrets.token.clone().map(Redacted::new));
        let authenticator = Secrets::bytes("authenticator", secrets.authenticator.as_ref())?
            .map(|bytes| Authenticator::from_bytes(&bytes))
            .transpose()?;
        let mut client = Self {
            file,
            public,
            secrets,
            api,
            origin,
            authenticator,
            device: None,
            channels: BTreeMap::new(),
            rng: OsRandom,
        };
        client.restore_device()?;
        Ok(client)
    }

    /// Opens the state at `path` if it exists, else creates it (then `server` is
    /// required; `origin` defaults to `server`). A `server` or `origin` given for an
    /// existing state replaces the saved one (e.g. after the server moved).
    pub fn open_or_create(path: &Path, server: Option<&str>, origin: Option<&str>) -> Result<Self> {
        if !path.exists() {
            let server = server.ok_or_else(|| {
                ClientError::InvalidInput(format!(
                    "{} does not exist yet: give the server's URL to create it",
                    path.display()
                ))
            })?;
            return Self::create(path, server, origin.unwrap_or(server));
        }
        let mut client = Self::open(path)?;
        let mut changed = false;
        if let Some(server) = server {
            let server = parse_url("server", server)?;
            let server = server.as_str().trim_end_matches('/');
            if server != client.public.server {
                client.public.server = server.to_owned();
                let token = client.api.token().map(|t| Redacted::new(t.to_owned()));
                client.api = api::Api::new(server)?;
                client.api.set_token(token);
                changed = true;
            }
        }
        if let Some(origin) = origin {
            let origin = parse_url("origin", origin)?;
            if origin != client.origin {
                client.public.origin = origin.as_str().trim_end_matches('/').to_owned();
                client.origin = origin;
                changed = true;
            }
        }
        if changed {
            client.save()?;
        }
        Ok(client)
    }

    /// The server's URL.
    pub fn server(&self) -> &str {
        &self.public.server
    }

    /// The origin WebAuthn ceremonies are signed for.
    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// The login ID of the account, once registered or signed in.
    pub fn login_id(&self) -> Option<&str> {
        self.public.login_id.as_deref()
    }

    /// The account's user ID, once registered or signed in.
    pub fn user_id(&self) -> Option<UserId> {
        self.public.user_id
    }

    /// This device's ID, once set up.
    pub fn device_id(&self) -> Option<DeviceId> {
        self.public.device_id
    }

    /// The current session token, for callers that talk to the API directly (e.g.
    /// tests, other integrations). Treat it as a password.
    pub fn session_token(&self) -> Option<&str> {
        self.api.token()
    }

    /// The state file's path.
    pub fn state_path(&self) -> &Path {
        self.file.path()
    }

    /// Writes the whole state to its file, atomically.
    pub fn save(&self) -> Result<()> {
        let text = |bytes: &[u8]| SecretText(Zeroizing::new(Secrets::text(bytes)));
        let mut channels = BTreeMap::new();
        for (group, state) in &self.channels {
            channels.insert(group.as_str(), text(&state.export()?));
        }
        let secrets = SecretsOut {
            token: self.api.token(),
            authenticator: self
                .authenticator
                .as_ref()
                .map(|a| a.to_bytes().map(|b| text(&b)))
                .transpose()?,
            signing_key: self
                .device
                .as_ref()
                .map(|d| text(d.identity().signing_key().to_bytes().as_ref())),
            mls_state: self
                .device
                .as_ref()
                .map(|d| d.export_state().map(|s| text(&s)))
                .transpose()?,
            channels,
            posts: &self.secrets.posts,
            waiting: &self.secrets.waiting,
            rejected: &self.secrets.rejected,
            key_packages_left: self.secrets.key_packages_left,
            last_resort_uploaded: self.secrets.last_resort_uploaded,
        };
        self.file.save(&self.public, &secrets, &mut OsRandom)
    }

    /// Rebuilds the device, its MLS store and its channels from the saved state.
    fn restore_device(&mut self) -> Result<()> {
        let (Some(user), Some(device)) = (self.public.user_id, self.public.device_id) else {
            return Ok(());
        };
        let Some(seed) = Secrets::bytes("signing_key", self.secrets.signing_key.as_ref())? else {
            return Ok(());
        };
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| ClientError::Protocol("saved signing key is not 32 bytes".into()))?;
        let seed = Zeroizing::new(seed);
        let identity = DeviceIdentity::from_signing_key(user, device, DeviceSigningKey::from_bytes(&seed));
        let mls = match Secrets::bytes("mls_state", self.secrets.mls_state.as_ref())? {
            Some(state) => MlsDevice::import_state(identity, &state)?,
            None => MlsDevice::new(identity),
        };
        for (group, text) in std::mem::take(&mut self.secrets.channels) {
            let Some(bytes) = Secrets::bytes("channel", Some(&text))? else {
                continue;
            };
            self.channels.insert(group, ChannelState::import(&mls, &bytes)?);
        }
        self.device = Some(mls);
        Ok(())
    }
}

/// The secret part as it is saved: the same fields as [`Secrets`], borrowed or
/// freshly exported (and wiped after writing).
#[derive(serde::Serialize)]
struct SecretsOut<'a> {
    token: Option<&'a str>,
    authenticator: Option<SecretText>,
    signing_key: Option<SecretText>,
    mls_state: Option<SecretText>,
    channels: BTreeMap<&'a str, SecretText>,
    posts: &'a BTreeMap<String, Vec<ReceivedPost>>,
    waiting: &'a BTreeMap<String, Vec<LogEntry>>,
    rejected: &'a BTreeMap<String, Vec<crate::post::RejectedEntry>>,
    key_packages_left: i64,
    last_resort_uploaded: bool,
}

/// Base64 of secret bytes, wiped on drop.
struct SecretText(Zeroizing<String>);

impl serde::Serialize for SecretText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Parses an `http`/`https` URL given as a setting.
fn parse_url(what: &str, text: &str) -> Result<Url> {
    let url =
        Url::parse(text.trim()).map_err(|e| ClientError::InvalidInput(format!("{what} {text:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ClientError::InvalidInput(format!(
            "{what} {text:?} must be an http:// or https:// URL"
        )));
    }
    Ok(url)
}

/// The current time, for what the client seals and signs.
pub(crate) fn now() -> Timestamp {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
}
