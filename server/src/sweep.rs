//! Removing abandoned uploads: blobs whose upload never finished (the node or the
//! client died midway) and blobs no post referenced in time. Every node sweeps; the
//! work is idempotent (deleting a deleted blob is not an error), so nodes sweeping
//! at once only repeat each other.

use std::time::Duration;

use kizuna_storage::attachments;

use crate::state::AppState;

/// How long an upload may stay unfinished before it counts as abandoned. Longer
/// than any real upload (100 MiB at a slow 1 Mbit/s takes about 14 minutes).
const UNFINISHED_AFTER: Duration = Duration::from_secs(60 * 60);

/// Deletes the abandoned blobs (bytes first, then the record, so a failure leaves
/// the record for the next sweep). Returns how many went.
pub async fn sweep_blobs(state: &AppState) -> Result<usize, crate::error::ApiError> {
    let now = state.now();
    let unposted = Duration::from_secs(state.config.blob_unposted_secs);
    let (unfinished, unposted) = (now.minus(UNFINISHED_AFTER.min(unposted)), now.minus(unposted));
    let stale = state
        .db
        .run(move |conn| attachments::stale(conn, unfinished, unposted))
        .await?;
    let mut swept = 0;
    for id in stale {
        state.blobs.delete(id).await?;
        state.db.run(move |conn| attachments::forget(conn, id)).await?;
        tracing::info!(blob = %id, "deleted an abandoned upload");
        swept += 1;
    }
    state.metrics.blobs_swept.inc_by(swept as u64);
    Ok(swept)
}

/// Sweeps every `blob_sweep_interval_secs` for as long as the server runs.
pub fn spawn(state: AppState) {
    let interval = Duration::from_secs(state.config.blob_sweep_interval_secs);
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = sweep_blobs(&state).await {
                tracing::warn!(error = %e, "sweeping abandoned uploads failed; will retry");
            }
        }
    });
}
