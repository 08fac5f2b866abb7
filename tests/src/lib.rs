//! The test kit for Kizuna's end-to-end suites: fresh databases on both backends,
//! a real S3-compatible bucket, and real servers on free ports.
//!
//! Backends are never skipped: if PostgreSQL or the S3 endpoint cannot be
//! reached, the test fails and says how to start it (`./ops/test.sh` does).

pub mod accounts;
pub mod backup;
pub mod bench;
pub mod care;
pub mod mls;
pub mod officer;
pub mod process;
pub mod push;
pub mod scan;
pub mod smtp;
pub mod ws;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use diesel::{Connection, PgConnection, RunQueryDsl};
use kizuna_proto::{Redacted, Timestamp};
use kizuna_server::{open_state, serve, system_clock, Clock, Config};
use kizuna_storage::{BlobLocation, BlobStore, Db, DbOptions, S3Location};
use tempfile::TempDir;

/// The origin test servers present to WebAuthn (`public_url`).
pub const ORIGIN: &str = "http://localhost:8080";

/// The PostgreSQL server the suites create their databases on.
///
/// Without TLS unless the URL asks for it: libpq's default (`prefer`) speaks TLS
/// to a server that offers it, and a test process ends while r2d2's threads may
/// still be reconnecting to its dropped database. OpenSSL's exit handler then
/// frees what such a handshake is using, and the process aborted ("double free
/// or corruption") after its test had passed, once in about 1,800.
pub fn postgres_admin_url() -> String {
    let url = std::env::var("KIZUNA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    if url.contains("sslmode=") {
        url
    } else {
        let joint = if url.contains('?') { '&' } else { '?' };
        format!("{url}{joint}sslmode=disable")
    }
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the test PostgreSQL server.
    Postgres,
}

/// A database of a test's own, removed when dropped.
pub struct TestDb {
    /// The URL to open it with.
    pub url: String,
    kind: DbKind,
    pg_name: Option<String>,
    _dir: TempDir,
}

impl TestDb {
    /// A new, empty database of the given kind.
    pub fn new(kind: DbKind) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        match kind {
            DbKind::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("kizuna.db").display());
                Ok(Self {
                    url,
                    kind,
                    pg_name: None,
                    _dir: dir,
                })
            }
            DbKind::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("kizuna_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin).with_context(|| {
                    format!(
                        "PostgreSQL is not reachable at KIZUNA_TEST_PG_URL={admin}: \
                         run the suite with ./ops/test.sh, which starts one if needed"
                    )
                })?;
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
                let (path, query) = admin.split_once('?').unwrap_or((admin.as_str(), ""));
                let base = path.rsplit_once('/').map_or(path, |(base, _)| base);
                let url = match query {
                    "" => format!("{base}/{name}"),
                    query => format!("{base}/{name}?{query}"),
                };
                Ok(Self {
                    url,
                    kind,
                    pg_name: Some(name),
                    _dir: dir,
                })
            }
        }
    }

    /// Which backend.
    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// Opens it (migrations applied).
    pub fn open(&self) -> Result<Db> {
        Ok(Db::open(&self.url, &DbOptions::default())?)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// Which blob store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    /// A temporary local directory.
    Local,
    /// A fresh bucket on the test S3-compatible endpoint.
    S3,
}

/// The S3-compatible endpoint for tests (moto_server started by `ops/test.sh`).
pub fn s3_endpoint() -> Result<String> {
    std::env::var("KIZUNA_TEST_S3_ENDPOINT").context(
        "KIZUNA_TEST_S3_ENDPOINT is not set: run the suite with ./ops/test.sh, which starts an S3 emulator",
    )
}

/// Creates a fresh bucket on the test endpoint and returns its location.
pub async fn new_s3_bucket() -> Result<S3Location> {
    let endpoint = s3_endpoint()?;
    let bucket = format!("kizuna-t-{}", uuid::Uuid::new_v4().simple());
    // The emulator accepts unsigned bucket creation; real S3 would be set up by the operator.
    let response = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .with_context(|| format!("S3 emulator not reachable at {endpoint}: run ./ops/test.sh"))?;
    if !response.status().is_success() {
        bail!("creating bucket {bucket} failed: {}", response.status());
    }
    Ok(S3Location {
        bucket,
        endpoint: Some(endpoint),
        region: "us-east-1".into(),
        access_key_id: "kizuna-test".into(),
        secret_access_key: Redacted::new("kizuna-test-secret".into()),
        allow_http: true,
    })
}

/// A blob store of a test's own.
pub struct TestBlobs {
    /// The store.
    pub store: BlobStore,
    /// Where it is.
    pub location: BlobLocation,
    _dir: TempDir,
}

impl TestBlobs {
    /// A new, empty store of the given kind.
    pub async fn new(kind: BlobKind) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let location = match kind {
            BlobKind::Local => BlobLocation::Local(dir.path().join("blobs")),
            BlobKind::S3 => BlobLocation::S3(new_s3_bucket().await?),
        };
        let store = BlobStore::open(&location)?;
        Ok(Self {
            store,
            location,
            _dir: dir,
        })
    }

    /// The local directory, for tests that look at the files.
    pub fn local_dir(&self) -> Option<PathBuf> {
        match &self.location {
            BlobLocation::Local(dir) => Some(dir.clone()),
            BlobLocation::S3(_) => None,
        }
    }
}

/// A real server on a free port, with its own database and blob store.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// An HTTP client.
    pub http: reqwest::Client,
    /// The database it uses (for tests that look behind the API).
    pub db: Db,
    /// The blob store it uses (for tests that look behind the API).
    pub blobs: BlobStore,
    /// Milliseconds added to the real clock: tests move time forward with
    /// [`TestServer::advance`].
    pub clock_offset: Arc<AtomicI64>,
    handle: Option<actix_web::dev::ServerHandle>,
    database_url: String,
    _db: Option<TestDb>,
    _dir: TempDir,
}

impl TestServer {
    /// Starts a server on `db` and `blobs`, with `adjust` applied to its config.
    pub async fn start_with(
        db_kind: DbKind,
        blob_kind: BlobKind,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Self> {
        let test_db = TestDb::new(db_kind)?;
        let url = test_db.url.clone();
        Self::boot(url, Some(test_db), blob_kind, adjust).await
    }

    /// Another node on this server's database (its own data directory, blob
    /// directory and live connections), as in a multi-node deployment.
    pub async fn start_node(&self) -> Result<Self> {
        Self::boot(self.database_url.clone(), None, BlobKind::Local, |_| {}).await
    }

    async fn boot(
        database_url: String,
        test_db: Option<TestDb>,
        blob_kind: BlobKind,
        adjust: impl FnOnce(&mut Config),
    ) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let mut config = Config {
            listen: "127.0.0.1:0".parse()?,
            // The origin WebAuthn ceremonies use (the software authenticator signs for it).
            public_url: Some(ORIGIN.into()),
            data_dir: dir.path().join("data"),
            database_url: Some(Redacted::new(database_url.clone())),
            workers: Some(1),
            shutdown_timeout_secs: 5,
            ..Config::default()
        };
        if blob_kind == BlobKind::S3 {
            let s3 = new_s3_bucket().await?;
            config.blob_url = Some(format!("s3://{}", s3.bucket));
            config.s3_endpoint = s3.endpoint;
            config.s3_access_key_id = Some(s3.access_key_id);
            config.s3_secret_access_key = Some(s3.secret_access_key);
            config.s3_allow_http = true;
        }
        adjust(&mut config);
        let clock_offset = Arc::new(AtomicI64::new(0));
        let offset = clock_offset.clone();
        let real = system_clock();
        let clock: Clock = Arc::new(move || Timestamp(real().millis() + offset.load(Ordering::SeqCst)));
        let state = tokio::task::spawn_blocking(move || open_state(config, clock)).await??;
        let (db, blobs) = (state.db.clone(), state.blobs.clone());
        let running = serve(state)?;
        let handle = running.handle.clone();
        tokio::spawn(running.server);
        let url = format!("http://{}", running.addr);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            url,
            http,
            db,
            blobs,
            clock_offset,
            handle: Some(handle),
            database_url,
            _db: test_db,
            _dir: dir,
        })
    }

    /// Starts a server with the default test configuration.
    pub async fn start(db_kind: DbKind, blob_kind: BlobKind) -> Result<Self> {
        Self::start_with(db_kind, blob_kind, |_| {}).await
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock_offset.fetch_add(
            i64::try_from(by.as_millis()).unwrap_or(i64::MAX),
            Ordering::SeqCst,
        );
    }

    /// The server's current time.
    pub fn now(&self) -> Timestamp {
        let real = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Timestamp(i64::try_from(real).unwrap_or(i64::MAX) + self.clock_offset.load(Ordering::SeqCst))
    }

    /// Fails the test if any needle is stored in this server's database: a
    /// `pg_dump` on PostgreSQL; the SQLite file and its write-ahead log otherwise.
    pub fn assert_database_holds_none(&self, needles: &[Vec<u8>]) -> Result<()> {
        let url = &self.database_url;
        if url.starts_with("postgres") {
            let dump = std::process::Command::new("pg_dump").arg(url).output()?;
            anyhow::ensure!(
                dump.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&dump.stderr)
            );
            scan::scan("the PostgreSQL dump", &dump.stdout, needles);
            return Ok(());
        }
        let file = url.trim_start_matches("sqlite://");
        let main = std::fs::read(file)?;
        anyhow::ensure!(main.len() > 1000, "the SQLite file {file} holds the data");
        scan::scan("the SQLite file", &main, needles);
        if let Ok(wal) = std::fs::read(format!("{file}-wal")) {
            scan::scan("the SQLite write-ahead log", &wal, needles);
        }
        Ok(())
    }

    /// The full URL of a path.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Stops the server, letting in-flight requests finish.
    pub async fn stop(self) {
        if let Some(handle) = self.handle {
            handle.stop(true).await;
        }
    }
}

/// Generates one `#[tokio::test]` per backend for each listed async test function
/// taking a `DbKind`: the same conformance suite, run on SQLite and PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() -> anyhow::Result<()> {
                    super::$name($crate::DbKind::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() -> anyhow::Result<()> {
                    super::$name($crate::DbKind::Postgres).await
                }
            )+
        }
    };
}

/// Like [`on_both_databases`], for blob stores: local directory and S3.
#[macro_export]
macro_rules! on_both_blob_stores {
    ($($name:ident),+ $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() -> anyhow::Result<()> {
                    super::$name($crate::BlobKind::Local).await
                }
            )+
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() -> anyhow::Result<()> {
                    super::$name($crate::BlobKind::S3).await
                }
            )+
        }
    };
}
