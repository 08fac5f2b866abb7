//! The daily retention job: erases each closed room whose facility's retention
//! period has passed and that is not on legal hold.
//!
//! Every node runs it (`retention_sweep_interval_secs`, daily by default). Each
//! room is claimed inside its erasing transaction by a conditional update of its
//! closure (`deleted_at IS NULL`), so of two nodes at the same room exactly one
//! erases it and writes the `room.deleted` audit record; the other finds nothing
//! to do. The attachments' bytes go after the transaction commits; if a node stops
//! midway, the next run (on any node) finishes them from their records.

use std::time::Duration;

use kizuna_proto::{BlobId, RoomId, Timestamp};
use kizuna_storage::audit::Outcome;
use kizuna_storage::retention::{self, Erased};
use kizuna_storage::{attachments, refusable_transaction, StorageError};

use crate::audit::{self, Entry};
use crate::error::ApiError;
use crate::state::AppState;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct JobReport {
    /// Rooms whose content was erased.
    pub rooms: usize,
    /// Attachments deleted from the blob store.
    pub blobs: usize,
}

/// The audit detail of an erased room: what went, in counts and sizes.
fn detail(erased: &Erased) -> String {
    serde_json::json!({
        "closed_at": erased.closed_at,
        "retention_years": erased.retention_years,
        "groups": erased.groups,
        "log_entries": erased.log_entries,
        "log_bytes": erased.log_bytes,
        "welcomes": erased.welcomes,
        "read_positions": erased.read_positions,
        "invitations": erased.invitations,
        "members": erased.members,
        "sealed_state": erased.sealed_state,
        "blobs": erased.blobs.len(),
        "blob_bytes": erased.blob_bytes,
    })
    .to_string()
}

/// Erases one room's database content (secure delete on SQLite) and records it.
/// `None`: another node did it first, or it is no longer due.
async fn erase(state: &AppState, room: RoomId, now: Timestamp) -> Result<Option<Erased>, ApiError> {
    let erased = state
        .db
        .run(move |conn| {
            Ok(retention::with_secure_delete(conn, |conn| {
                refusable_transaction(conn, |conn| -> Result<Option<Erased>, StorageError> {
                    let Some(erased) = retention::erase(conn, room, now)? else {
                        return Ok(None);
                    };
                    let entry = Entry {
                        actor: None,
                        action: "room.deleted",
                        target: Some(("room", room.to_string())),
                        ip: None,
                        outcome: Outcome::Success,
                        detail: Some(detail(&erased)),
                    };
                    audit::record(conn, now, entry)?;
                    Ok(Some(erased))
                })
            }))
        })
        .await?;
    Ok(erased?)
}

/// Deletes attachments' bytes, then their records.
async fn delete_blobs(state: &AppState, ids: Vec<BlobId>) -> Result<usize, ApiError> {
    let mut deleted = 0;
    for id in ids {
        state.blobs.delete(id).await?;
        state.db.run(move |conn| attachments::forget(conn, id)).await?;
        deleted += 1;
    }
    Ok(deleted)
}

/// One run: every due room, then any attachment an earlier run left behind.
pub async fn run(state: &AppState) -> Result<JobReport, ApiError> {
    let now = state.now();
    let due = state.db.run(move |conn| retention::due(conn, now)).await?;
    let mut report = JobReport::default();
    for room in due {
        let Some(erased) = erase(state, room, now).await? else {
            continue;
        };
        tracing::info!(
            room = %room,
            log_entries = erased.log_entries,
            blobs = erased.blobs.len(),
            "deleted a closed room's content after its retention period"
        );
        report.rooms += 1;
        report.blobs += delete_blobs(state, erased.blobs).await?;
    }
    let leftover = state.db.run(retention::leftover_blobs).await?;
    report.blobs += delete_blobs(state, leftover).await?;
    Ok(report)
}

/// Runs [`run`] every `retention_sweep_interval_secs` for as long as the server runs.
pub fn spawn(state: AppState) {
    let interval = Duration::from_secs(state.config.retention_sweep_interval_secs);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = run(&state).await {
                tracing::warn!(error = %e, "the retention job failed; will retry");
            }
        }
    });
}
