//! Whether this node is able to serve: the database (a query, and a one-row write
//! committed in its own transaction, so a full disk shows) and the blob store (a
//! write, read and delete), each within a second. Failures are logged with their
//! details and counted in the metrics; the answer says only which part fails.

use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// The longest `/healthz` waits for the database (a connection included).
const DATABASE_WITHIN: Duration = Duration::from_millis(800);
/// The longest `/healthz` waits for the blob store; both run at once, so the answer
/// comes within a second even while both are unreachable.
const BLOBS_WITHIN: Duration = Duration::from_millis(900);

/// One part of the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartState {
    /// Working.
    Ok,
    /// Reads work but a write does not commit (a full disk, a read-only database).
    NotWritable,
    /// Not answering.
    Down,
}

/// The node's health, as anyone may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: &'static str,
    /// The database.
    pub database: PartState,
    /// The blob store.
    pub blobs: PartState,
}

/// Checks the database and the blob store at once.
pub async fn check(state: &AppState) -> Health {
    let now = state.now().millis();
    let blobs_check = tokio::time::timeout(BLOBS_WITHIN, state.blobs.health());
    let db_check = tokio::time::timeout(BLOBS_WITHIN, state.db.health(DATABASE_WITHIN, now));
    let (db, blobs) = tokio::join!(db_check, blobs_check);
    let (read_error, write_error) = match db {
        Ok(db) => (
            db.read.err().map(|e| e.to_string()),
            db.write.err().map(|e| e.to_string()),
        ),
        Err(_) => {
            let late = format!("no answer within {} ms", BLOBS_WITHIN.as_millis());
            (Some(late.clone()), Some(late))
        }
    };
    let metrics = &state.metrics;
    let backend = state.db.backend_name();
    let read = report(metrics, "database_read", backend, read_error);
    let write = report(metrics, "database_write", backend, write_error);
    let blobs_error = match blobs {
        Ok(checked) => checked.err().map(|e| e.to_string()),
        Err(_) => Some(format!("no answer within {} ms", BLOBS_WITHIN.as_millis())),
    };
    let blobs_ok = report(metrics, "blobs", state.blobs.description(), blobs_error);
    let database = match (read, write) {
        (true, true) => PartState::Ok,
        (true, false) => PartState::NotWritable,
        (false, _) => PartState::Down,
    };
    let blobs = if blobs_ok { PartState::Ok } else { PartState::Down };
    let healthy = database == PartState::Ok && blobs == PartState::Ok;
    Health {
        status: if healthy { "ok" } else { "degraded" },
        database,
        blobs,
    }
}

/// Records one check in the metrics, logs a failure with its details, and says
/// whether it passed.
fn report(metrics: &crate::metrics::Metrics, check: &str, backend: &str, error: Option<String>) -> bool {
    metrics.health_check(check, error.is_none());
    if let Some(error) = &error {
        tracing::warn!(check, backend, %error, "health check failed");
    }
    error.is_none()
}
