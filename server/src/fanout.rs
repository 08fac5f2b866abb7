//! Waking the other nodes. On PostgreSQL every append also sends
//! `NOTIFY kizuna_log, '<group> <seq>'` inside its transaction (so it is delivered
//! only once the entry is visible); each node LISTENs on a connection of its own and
//! passes the IDs to its live connections, which read the entries from the database.
//! Only IDs travel, never content. On SQLite there is one node and the in-process
//! notification is enough.

use std::time::Duration;

use futures_util::stream::StreamExt;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::live::Live;

/// The channel name shared with the storage crate's `pg_notify`.
pub const CHANNEL: &str = kizuna_storage::groups::NOTIFY_CHANNEL;

/// Starts listening on PostgreSQL (a no-op for SQLite URLs). Reconnects with a
/// growing pause if the connection drops; after reconnecting it asks every live
/// connection to re-read its groups, since notifications may have been missed.
pub fn spawn_listener(database_url: String, live: Live) {
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return;
    }
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(200);
        loop {
            match listen(&database_url, &live).await {
                Ok(()) => tracing::warn!("fan-out listener connection closed; reconnecting"),
                Err(e) => tracing::warn!(error = %e, "fan-out listener failed; reconnecting"),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(10));
            live.resync();
        }
    });
}

async fn listen(url: &str, live: &Live) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    // The connection must be polled for the LISTEN below to complete.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let pump = tokio::spawn(async move {
        while let Some(message) = messages.next().await {
            if tx.send(message).is_err() {
                break;
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    tracing::info!("fan-out listener ready");
    while let Some(message) = rx.recv().await {
        match message {
            Ok(AsyncMessage::Notification(note)) => {
                if let Some((group, seq)) = note.payload().rsplit_once(' ') {
                    if let Ok(seq) = seq.parse::<i64>() {
                        live.notify_announced(group, seq);
                    }
                }
            }
            Ok(_) => {}
            Err(e) => {
                pump.abort();
                return Err(e);
            }
        }
    }
    pump.abort();
    Ok(())
}
