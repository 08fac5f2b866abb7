//! The server's configuration: one typed struct with defaults that run out of the
//! box, overridden by an optional TOML file and then by `KIZUNA_<KEY>` environment
//! variables. Passed in, never global, so tests can run several servers at once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use kizuna_proto::Redacted;
use kizuna_storage::{BlobLocation, S3Location};
use serde::{Deserialize, Serialize};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines (development).
    Text,
    /// One JSON object per line (production, for log shippers).
    Json,
}

/// Every setting of a Kizuna server. See `kizuna.example.toml` for each key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The URL people open (used in links). Defaults to `http://<listen>`.
    pub public_url: Option<String>,
    /// Where the embedded database and local blobs live.
    pub data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; a file path or `sqlite://PATH` for SQLite.
    /// Defaults to `<data_dir>/kizuna.db`.
    pub database_url: Option<Redacted<String>>,
    /// Most database connections this node keeps open.
    pub database_max_connections: u32,
    /// Seconds a request waits for a database connection before it is answered
    /// `503 unavailable` (while the database is unreachable, every request waits this
    /// long). `/healthz` never waits more than 1 s whatever this is.
    pub database_acquire_timeout_secs: u64,
    /// `s3://BUCKET` for an S3-compatible bucket (with the `s3_*` keys), or a
    /// directory. Defaults to `<data_dir>/blobs`.
    pub blob_url: Option<String>,
    /// S3 endpoint, e.g. `http://127.0.0.1:9000`; AWS when unset.
    pub s3_endpoint: Option<String>,
    /// S3 region.
    pub s3_region: String,
    /// S3 access key ID.
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key.
    pub s3_secret_access_key: Option<Redacted<String>>,
    /// Allow plain HTTP to the S3 endpoint (loopback and private networks only).
    pub s3_allow_http: bool,
    /// Largest JSON request body, in bytes.
    pub max_json_body_bytes: usize,
    /// Seconds a request body may pause without a byte arriving, and the grace
    /// before `body_min_bytes_per_sec` applies; a slower body is answered `408
    /// request_timeout` and its connection closed.
    pub body_read_timeout_secs: u64,
    /// Average bytes per second a request body must keep up after the first
    /// `body_read_timeout_secs` (a body of N bytes may take up to
    /// `body_read_timeout_secs + N / body_min_bytes_per_sec` seconds).
    pub body_min_bytes_per_sec: u64,
    /// Largest attachment upload, in bytes.
    pub max_blob_bytes: u64,
    /// Attachment storage each facility may use, in bytes (charged to the room's
    /// facility, whoever uploads).
    pub blob_quota_bytes_per_facility: u64,
    /// Seconds an uploaded attachment may wait for the post that references it
    /// before it is deleted (an abandoned upload).
    pub blob_unposted_secs: u64,
    /// Seconds between sweeps for abandoned uploads.
    pub blob_sweep_interval_secs: u64,
    /// `text` or `json`.
    pub log_format: LogFormat,
    /// Seconds to let in-flight requests finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Hours a bootstrap administrator link stays valid.
    pub bootstrap_link_ttl_hours: u64,
    /// HTTP worker threads; the number of cores when unset.
    pub workers: Option<usize>,
    /// WebAuthn relying-party ID (a domain). Defaults to the host of `public_url`.
    pub webauthn_rp_id: Option<String>,
    /// Origins allowed in WebAuthn ceremonies. Defaults to `public_url`.
    pub webauthn_origins: Vec<String>,
    /// Minutes without a request after which a session ends.
    pub session_idle_minutes: u64,
    /// Hours after sign-in at which a session ends whatever the activity.
    pub session_absolute_hours: u64,
    /// Hours an invitation link stays valid.
    pub invitation_ttl_hours: u64,
    /// Hours a recovery link (after an identity-checked reset) stays valid.
    pub recovery_link_ttl_hours: u64,
    /// Argon2id memory cost in KiB (OWASP: 19456).
    pub argon2_memory_kib: u32,
    /// Argon2id passes (OWASP: 2).
    pub argon2_iterations: u32,
    /// Consecutive failed sign-ins after which a login ID is locked until an
    /// administrator unlocks it.
    pub sign_in_lock_after: u32,
    /// Seconds a two-factor (re-)authentication stays fresh enough for sensitive
    /// actions: adding or removing an authenticator or device, changing the
    /// password, acting on another person's account.
    pub reauth_max_age_secs: u64,
    /// Most live WebSocket connections one person may hold on one node.
    pub max_connections_per_user: usize,
    /// The built browser client (`index.html` and `assets/`), served at `/`.
    /// Defaults to `client-web/web/dist` under the current directory when it exists.
    pub web_dir: Option<PathBuf>,
    /// The mail server for notification e-mail: `smtp://HOST:PORT` (plain, or
    /// STARTTLS with `?tls=required`) or `smtps://USER:PASSWORD@HOST` (TLS). No
    /// e-mail when unset. A secret (it may carry a password): prefer
    /// `KIZUNA_SMTP_URL`.
    pub smtp_url: Option<Redacted<String>>,
    /// The sender of notification e-mail, e.g. `Kizuna <kizuna@example.jp>`.
    /// Required with `smtp_url`.
    pub mail_from: Option<String>,
    /// Hosts a Web Push subscription's endpoint may name (`*.` matches any
    /// subdomain): the browsers' push services. The server sends requests there, so
    /// this list keeps it from being pointed at internal addresses.
    pub push_endpoint_hosts: Vec<String>,
    /// Accept `http://` push endpoints (loopback test endpoints only; never in
    /// production).
    pub push_allow_http: bool,
    /// The VAPID private key (base64url of the 32-byte P-256 scalar). When unset,
    /// one is generated once and kept in the database, shared by every node.
    pub vapid_private_key: Option<Redacted<String>>,
    /// The contact push services see in VAPID tokens (`mailto:` or `https:`).
    /// Defaults to `public_url`.
    pub vapid_subject: Option<String>,
    /// Seconds between runs of the notification job (e-mail digests, escalation of
    /// unread urgent posts).
    pub notification_sweep_interval_secs: u64,
    /// The security alerts' job and thresholds (the `[alerts]` section).
    pub alerts: crate::anomaly::config::AlertsConfig,
    /// The Ed25519 key that signs the audit log's checkpoints: a file outside the
    /// database, made on first start (mode 0600). Default `<data_dir>/audit-signing.key`.
    pub audit_signing_key_file: Option<PathBuf>,
    /// Seconds between signed audit checkpoints written to the blob store (0: never).
    pub audit_checkpoint_interval_secs: u64,
    /// Seconds between runs of the retention job (deleting closed rooms past their
    /// facility's retention period).
    pub retention_sweep_interval_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            data_dir: PathBuf::from("kizuna-data"),
            database_url: None,
            database_max_connections: 8,
            database_acquire_timeout_secs: 3,
            blob_url: None,
            s3_endpoint: None,
            s3_region: "us-east-1".to_owned(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
            max_json_body_bytes: 512 * 1024,
            body_read_timeout_secs: 15,
            body_min_bytes_per_sec: 1024,
            max_blob_bytes: 100 * 1024 * 1024,
            blob_quota_bytes_per_facility: 50 * 1024 * 1024 * 1024,
            blob_unposted_secs: 24 * 60 * 60,
            blob_sweep_interval_secs: 10 * 60,
            log_format: LogFormat::Text,
            shutdown_timeout_secs: 30,
            bootstrap_link_ttl_hours: 24,
            workers: None,
            webauthn_rp_id: None,
            webauthn_origins: Vec::new(),
            session_idle_minutes: 60,
            session_absolute_hours: 12,
            invitation_ttl_hours: 72,
            recovery_link_ttl_hours: 24,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            sign_in_lock_after: 10,
            reauth_max_age_secs: 300,
            max_connections_per_user: 10,
            web_dir: None,
            smtp_url: None,
            mail_from: None,
            push_endpoint_hosts: DEFAULT_PUSH_HOSTS.iter().map(|h| (*h).to_owned()).collect(),
            push_allow_http: false,
            vapid_private_key: None,
            vapid_subject: None,
            notification_sweep_interval_secs: 60,
            alerts: crate::anomaly::config::AlertsConfig::default(),
            audit_signing_key_file: None,
            audit_checkpoint_interval_secs: 3600,
            retention_sweep_interval_secs: 24 * 60 * 60,
        }
    }
}

/// A configuration that cannot be used, with what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file or environment could not be read or has unknown or mistyped keys.
    #[error("configuration: {0}")]
    Invalid(String),
}

/// The browsers' push services: Chrome and Edge (FCM), Firefox, Windows (WNS) and
/// Safari (Apple).
pub const DEFAULT_PUSH_HOSTS: &[&str] = &[
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.notify.windows.com",
    "web.push.apple.com",
    "*.push.apple.com",
];

/// Where `ops/build-web.sh` puts the browser client, relative to the checkout.
pub const DEFAULT_WEB_DIR: &str = "client-web/web/dist";

/// Environment variables that belong to the test harness, not to the server.
const IGNORED_ENV_PREFIX: &str = "test_";

impl Config {
    /// Defaults, then `file` (if given), then `KIZUNA_<KEY>` variables from `env`.
    pub fn load_from(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::Invalid(format!(
                    "config file {} does not exist or is not a file",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        // Figment reads the process environment itself; pass only what we were given
        // so tests are not at the mercy of the process's variables.
        let vars: Vec<(String, String)> = env
            .into_iter()
            .filter_map(|(k, v)| {
                let key = k.strip_prefix("KIZUNA_")?.to_ascii_lowercase();
                (key != "config" && !key.starts_with(IGNORED_ENV_PREFIX)).then_some((key, v))
            })
            .collect();
        for (key, value) in vars {
            figment = figment.merge(Serialized::default(&key, env_value(&value)));
        }
        let config: Config = figment.extract().map_err(|e| {
            ConfigError::Invalid(
                e.into_iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Defaults, then the file named by `--config`/`KIZUNA_CONFIG`, then the
    /// process's `KIZUNA_<KEY>` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let from_env = std::env::var_os("KIZUNA_CONFIG").map(PathBuf::from);
        let file = file.map(Path::to_path_buf).or(from_env);
        Self::load_from(file.as_deref(), std::env::vars())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |msg: String| Err(ConfigError::Invalid(msg));
        if self.max_json_body_bytes < 1024 {
            return bad("max_json_body_bytes must be at least 1024".into());
        }
        if self.max_blob_bytes == 0 {
            return bad("max_blob_bytes must be more than 0".into());
        }
        if self.blob_unposted_secs == 0 || self.blob_sweep_interval_secs == 0 {
            return bad("blob_unposted_secs and blob_sweep_interval_secs must be more than 0".into());
        }
        if self.database_max_connections == 0 {
            return bad("database_max_connections must be at least 1".into());
        }
        if self.database_acquire_timeout_secs == 0 {
            return bad("database_acquire_timeout_secs must be at least 1".into());
        }
        if self.body_read_timeout_secs == 0 || self.body_min_bytes_per_sec == 0 {
            return bad("body_read_timeout_secs and body_min_bytes_per_sec must be more than 0".into());
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return bad(format!("public_url {url:?} must start with http:// or https://"));
            }
        }
        if self.argon2_memory_kib < 8 * 1024 || self.argon2_iterations == 0 {
            return bad("argon2_memory_kib must be at least 8192 and argon2_iterations at least 1".into());
        }
        if self.session_idle_minutes == 0 || self.session_absolute_hours == 0 {
            return bad("session_idle_minutes and session_absolute_hours must be more than 0".into());
        }
        if self.max_connections_per_user == 0 {
            return bad("max_connections_per_user must be at least 1".into());
        }
        if let Some(dir) = &self.web_dir {
            if !dir.join("index.html").is_file() {
                return bad(format!(
                    "web_dir {} has no index.html: build the client with ops/build-web.sh, or unset web_dir",
                    dir.display()
                ));
            }
        }
        if self.smtp_url.is_some() && self.mail_from.is_none() {
            return bad("smtp_url is set but mail_from is not: set mail_from to the sender address, e.g. \"Kizuna <kizuna@example.jp>\"".into());
        }
        if self.notification_sweep_interval_secs == 0 {
            return bad("notification_sweep_interval_secs must be more than 0".into());
        }
        if let Some(problem) = self.alerts.problem() {
            return bad(problem);
        }
        if self.retention_sweep_interval_secs == 0 {
            return bad("retention_sweep_interval_secs must be more than 0".into());
        }
        self.webauthn()?;
        self.blob_location().map(|_| ())
    }

    /// The built browser client to serve, if any: `web_dir`, else
    /// `client-web/web/dist` when the server runs from a checkout where it was built.
    pub fn web_dir(&self) -> Option<PathBuf> {
        match &self.web_dir {
            Some(dir) => Some(dir.clone()),
            None => {
                let default = PathBuf::from(DEFAULT_WEB_DIR);
                default.join("index.html").is_file().then_some(default)
            }
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().clone(),
            None => format!("sqlite://{}", self.data_dir.join("kizuna.db").display()),
        }
    }

    /// Where blobs go.
    pub fn blob_location(&self) -> Result<BlobLocation, ConfigError> {
        let Some(url) = &self.blob_url else {
            return Ok(BlobLocation::Local(self.data_dir.join("blobs")));
        };
        if let Some(bucket) = url.strip_prefix("s3://") {
            let bucket = bucket.trim_end_matches('/');
            let (Some(key), Some(secret)) = (&self.s3_access_key_id, &self.s3_secret_access_key) else {
                return Err(ConfigError::Invalid(
                    "blob_url is s3://… but s3_access_key_id or s3_secret_access_key is missing: set KIZUNA_S3_ACCESS_KEY_ID and KIZUNA_S3_SECRET_ACCESS_KEY".into(),
                ));
            };
            if bucket.is_empty() || bucket.contains('/') {
                return Err(ConfigError::Invalid(format!(
                    "blob_url {url:?}: write s3://BUCKET"
                )));
            }
            return Ok(BlobLocation::S3(S3Location {
                bucket: bucket.to_owned(),
                endpoint: self.s3_endpoint.clone(),
                region: self.s3_region.clone(),
                access_key_id: key.clone(),
                secret_access_key: secret.clone(),
                allow_http: self.s3_allow_http,
            }));
        }
        let path = url.strip_prefix("file://").unwrap_or(url);
        if path.contains("://") {
            return Err(ConfigError::Invalid(format!(
                "blob_url {url:?}: use s3://BUCKET or a directory path"
            )));
        }
        Ok(BlobLocation::Local(PathBuf::from(path)))
    }

    /// The URL people open, without a trailing slash. By default
    /// `http://localhost:<port>` for a loopback listen address (WebAuthn needs a
    /// domain, and browsers treat localhost as a secure context), else
    /// `http://<listen>`.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.listen.ip().is_loopback() => format!("http://localhost:{}", self.listen.port()),
            None => format!("http://{}", self.listen),
        }
    }

    /// The WebAuthn relying-party ID and allowed origins.
    pub fn webauthn(&self) -> Result<(String, Vec<url::Url>), ConfigError> {
        let public = url::Url::parse(&self.public_url())
            .map_err(|e| ConfigError::Invalid(format!("public_url {:?}: {e}", self.public_url())))?;
        let rp_id = match &self.webauthn_rp_id {
            Some(id) => id.clone(),
            None => public
                .host_str()
                .map(str::to_owned)
                .ok_or_else(|| ConfigError::Invalid("public_url has no host: set webauthn_rp_id".into()))?,
        };
        let origins = if self.webauthn_origins.is_empty() {
            vec![public]
        } else {
            self.webauthn_origins
                .iter()
                .map(|o| {
                    url::Url::parse(o)
                        .map_err(|e| ConfigError::Invalid(format!("webauthn_origins {o:?}: {e}")))
                })
                .collect::<Result<_, _>>()?
        };
        Ok((rp_id, origins))
    }

    /// The origins (`scheme://host[:port]`) allowed to make state-changing requests
    /// and open WebSockets: the origin of `public_url` and every `webauthn_origins`
    /// entry. The one list [`crate::origin`] checks `Origin` against.
    pub fn request_origins(&self) -> Result<Vec<String>, ConfigError> {
        let (_, webauthn) = self.webauthn()?;
        let public = url::Url::parse(&self.public_url())
            .map_err(|e| ConfigError::Invalid(format!("public_url {:?}: {e}", self.public_url())))?;
        let mut origins: Vec<String> = std::iter::once(public)
            .chain(webauthn)
            .map(|u| u.origin().ascii_serialization())
            .filter(|o| o != "null")
            .collect();
        origins.dedup();
        Ok(origins)
    }

    /// Whether people reach the server over TLS (so HSTS is sent).
    pub fn is_tls(&self) -> bool {
        self.public_url().starts_with("https://")
    }
}

/// Reads an environment value as TOML (numbers, booleans) and falls back to text.
fn env_value(raw: &str) -> figment::value::Value {
    raw.parse::<figment::value::Value>()
        .unwrap_or_else(|_| figment::value::Value::from(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_run_out_of_the_box() {
        let config = Config::load_from(None, env(&[])).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url(), "sqlite://kizuna-data/kizuna.db");
        assert_eq!(
            config.blob_location().unwrap(),
            BlobLocation::Local("kizuna-data/blobs".into())
        );
        assert_eq!(config.public_url(), "http://localhost:8080");
        let (rp_id, origins) = config.webauthn().unwrap();
        assert_eq!(rp_id, "localhost");
        assert_eq!(origins[0].as_str(), "http://localhost:8080/");
    }

    #[test]
    fn the_example_file_parses_and_shows_the_defaults() {
        let example = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../kizuna.example.toml"));
        let config = Config::load_from(Some(example), env(&[])).unwrap();
        assert_eq!(
            config,
            Config::default(),
            "kizuna.example.toml drifted from the defaults"
        );
    }

    #[test]
    fn environment_overrides_file_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kizuna.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:7000\"\nmax_blob_bytes = 1000\n").unwrap();
        let config = Config::load_from(
            Some(&file),
            env(&[
                ("KIZUNA_LISTEN", "127.0.0.1:9000"),
                ("KIZUNA_DATA_DIR", "/srv/kizuna"),
                ("KIZUNA_DATABASE_URL", "postgres://kizuna:pw@db/kizuna"),
                ("KIZUNA_S3_ALLOW_HTTP", "true"),
                ("KIZUNA_TEST_PG_URL", "ignored: belongs to the test harness"),
                ("PATH", "/usr/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(config.max_blob_bytes, 1000);
        assert_eq!(config.data_dir, PathBuf::from("/srv/kizuna"));
        assert_eq!(config.database_url(), "postgres://kizuna:pw@db/kizuna");
        assert!(config.s3_allow_http);
        assert!(
            !format!("{config:?}").contains(":pw@"),
            "database password leaked into Debug"
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let err = Config::load_from(None, env(&[("KIZUNA_LISTN", "127.0.0.1:1")])).unwrap_err();
        assert!(err.to_string().contains("listn"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kizuna.toml");
        std::fs::write(&file, "databse_url = \"x\"\n").unwrap();
        let err = Config::load_from(Some(&file), env(&[])).unwrap_err();
        assert!(err.to_string().contains("databse_url"), "{err}");
    }

    #[test]
    fn mistyped_values_and_missing_s3_credentials_are_refused() {
        let err = Config::load_from(None, env(&[("KIZUNA_LISTEN", "everywhere")])).unwrap_err();
        assert!(err.to_string().contains("listen"), "{err}");
        let err = Config::load_from(None, env(&[("KIZUNA_BLOB_URL", "s3://kizuna")])).unwrap_err();
        assert!(err.to_string().contains("KIZUNA_S3_ACCESS_KEY_ID"), "{err}");
        let err = Config::load_from(Some(Path::new("/nonexistent/kizuna.toml")), env(&[])).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn a_web_dir_without_a_built_client_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().display().to_string();
        let err = Config::load_from(None, env(&[("KIZUNA_WEB_DIR", &path)])).unwrap_err();
        assert!(err.to_string().contains("ops/build-web.sh"), "{err}");
        std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
        let config = Config::load_from(None, env(&[("KIZUNA_WEB_DIR", &path)])).unwrap();
        assert_eq!(config.web_dir(), Some(dir.path().to_path_buf()));
    }
}
