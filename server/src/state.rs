//! What every handler can reach: the database, the blob store, the configuration,
//! the metrics and the clock.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use kizuna_proto::Timestamp;
use kizuna_storage::{refusable_transaction, BlobStore, Db, DbConn};

use crate::auth::webauthn::Relying;
use crate::config::Config;
use crate::error::ApiError;
use crate::live::Live;
use crate::metrics::Metrics;
use crate::notify::Notifier;

/// The current time. A parameter, not a call to the system clock deep inside the
/// code, so tests can move time.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
    })
}

/// Shared by all workers of one server.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The blob store.
    pub blobs: BlobStore,
    /// The configuration in force.
    pub config: Arc<Config>,
    /// Request and resource metrics.
    pub metrics: Metrics,
    /// The current time.
    pub clock: Clock,
    /// The WebAuthn relying party.
    pub relying: Relying,
    /// This node's live connections.
    pub live: Live,
    /// This node's post writer (group commit).
    pub appender: crate::appender::Appender,
    /// Push and e-mail notifications.
    pub notifier: Notifier,
}

impl AppState {
    /// The current time.
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Runs `f` in one transaction on a pooled connection. Any `Err` it returns, a
    /// storage failure or a refusal such as [`ApiError::Forbidden`], rolls back
    /// everything it wrote: a refused request leaves nothing behind.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        self.db
            .run(move |conn| Ok(refusable_transaction(conn, f)))
            .await?
    }

    /// Runs `f` on a pooled connection, without a transaction of its own: for use
    /// cases that only read. `f` may refuse with any [`ApiError`], as in
    /// [`AppState::write`].
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
    {
        self.db.run(move |conn| Ok(f(conn))).await?
    }
}
