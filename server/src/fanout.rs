//! Waking the other nodes. On PostgreSQL every append also sends
//! `NOTIFY kizuna_log, '<group> <seq>'` inside its transaction (so it is delivered
//! only once the entry is visible); each node LISTENs on a connection of its own.
//! A node ignores its own appends, known by the sending backend's process ID
//! (one of its pool's connections): its writer handed them over already. For another node's append to a group that some connection
//! here follows, the node reads the new entries once, batching the notices that
//! arrived together, and hands the same frames to every follower. Only IDs travel
//! through NOTIFY, never content. On SQLite there is one node and the in-process
//! hand-over is all there is.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::stream::StreamExt;
use kizuna_storage::{groups, Db};
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::live::Live;

/// The channel name shared with the storage crate's `pg_notify`.
pub const CHANNEL: &str = kizuna_storage::groups::NOTIFY_CHANNEL;

/// Most entries read for one group per notice batch; a larger gap is left to the
/// followers, who page through it themselves.
const FETCH_LIMIT: i64 = 500;

/// Starts listening on PostgreSQL (a no-op for SQLite URLs). Reconnects with a
/// growing pause if the connection drops; after reconnecting it asks every live
/// connection to re-read its groups, since notifications may have been missed.
pub fn spawn_listener(database_url: String, db: Db, live: Live) {
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return;
    }
    let fetches = spawn_fetcher(db.clone(), live.clone());
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(200);
        loop {
            match listen(&database_url, &db, &live, &fetches).await {
                Ok(()) => tracing::warn!("fan-out listener connection closed; reconnecting"),
                Err(e) => tracing::warn!(error = %e, "fan-out listener failed; reconnecting"),
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(10));
            live.resync();
        }
    });
}

/// What one NOTIFY payload says.
#[derive(Debug, PartialEq, Eq)]
enum Notice<'a> {
    /// Entry `seq` was appended to `group`.
    Entry { group: &'a str, seq: i64 },
    /// A person-level notice (welcome, members, broadcast, safety, alert).
    Topic(&'a str),
}

/// Topics (`<topic> 0`) name a person or a broadcast with a prefix and a colon;
/// group IDs never hold a colon.
fn parse(payload: &str) -> Option<Notice<'_>> {
    let (name, seq) = payload.rsplit_once(' ')?;
    if name.contains(':') {
        return Some(Notice::Topic(name));
    }
    Some(Notice::Entry {
        group: name,
        seq: seq.parse().ok()?,
    })
}

async fn listen(
    url: &str,
    db: &Db,
    live: &Live,
    fetches: &mpsc::UnboundedSender<(String, i64)>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    // The connection must be polled for the LISTEN below to complete.
    let (tx, mut rx) = mpsc::unbounded_channel();
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
            Ok(AsyncMessage::Notification(note)) => match parse(note.payload()) {
                // This node's own append: its writer handed it over already.
                Some(Notice::Entry { .. }) if db.is_own_backend(note.process_id()) => {}
                Some(Notice::Entry { group, seq }) if live.follows(group) => {
                    let _ = fetches.send((group.to_owned(), seq));
                }
                Some(Notice::Topic(topic)) => live.notify_announced(topic),
                _ => {}
            },
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

/// Reads other nodes' new entries once per node: every notice waiting is taken
/// together, each group's range is read in one query, and the frames go to the
/// group's followers in order. If the read fails, the followers read for themselves.
fn spawn_fetcher(db: Db, live: Live) -> mpsc::UnboundedSender<(String, i64)> {
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, i64)>();
    tokio::spawn(async move {
        while let Some((group, seq)) = rx.recv().await {
            // group → (lowest, highest) seq announced
            let mut ranges: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            ranges.insert(group, (seq, seq));
            while let Ok((group, seq)) = rx.try_recv() {
                let range = ranges.entry(group).or_insert((seq, seq));
                *range = (range.0.min(seq), range.1.max(seq));
            }
            let wanted: Vec<(String, i64, i64)> =
                ranges.into_iter().map(|(g, (lo, hi))| (g, lo, hi)).collect();
            let asked: Vec<String> = wanted.iter().map(|(g, _, _)| g.clone()).collect();
            let read = db
                .run(move |conn| {
                    let mut found = Vec::with_capacity(wanted.len());
                    for (group, lo, hi) in wanted {
                        let limit = (hi - lo + 1).clamp(1, FETCH_LIMIT);
                        found.push(groups::entries_after(conn, &group, lo - 1, limit)?);
                    }
                    Ok(found)
                })
                .await;
            match read {
                Ok(found) => {
                    for entry in found.into_iter().flatten() {
                        crate::service::delivery::publish(&live, entry);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reading announced entries failed; followers will read them");
                    for group in asked {
                        live.mark_stale(&group);
                    }
                }
            }
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_topics_are_told_apart() {
        assert_eq!(
            parse("room/team 7"),
            Some(Notice::Entry {
                group: "room/team",
                seq: 7
            })
        );
        assert_eq!(parse("members:u1 0"), Some(Notice::Topic("members:u1")));
        assert_eq!(parse("safety:u1:b2 0"), Some(Notice::Topic("safety:u1:b2")));
        assert_eq!(parse("room/team x"), None, "a seq must be a number");
        assert_eq!(parse("nothing"), None);
    }
}
