//! The node's heartbeat for its live connections: every [`HEARTBEAT`] it checks
//! each session behind them once (not once per socket) and closes the connections
//! of sessions that ended, whichever node ended them. Sessions ended on this node
//! close their connections at once ([`crate::live::Live::close_session`]); this
//! covers the others within one beat. Sockets ping on their own clock (every
//! 30 s, `routes/ws.rs`), with no database read of their own.

use std::time::Duration;

use crate::auth::session;
use crate::state::AppState;

/// How often the sessions behind live sockets are re-checked.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// Starts the heartbeat.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut beat = tokio::time::interval(HEARTBEAT);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        beat.tick().await;
        loop {
            beat.tick().await;
            let ended = ended_sessions(&state).await;
            for id in ended {
                state.live.close_session(&id);
            }
        }
    });
}

/// The sessions behind this node's connections that are no longer live. If the
/// database cannot be asked, none is taken as ended (the next beat asks again).
async fn ended_sessions(state: &AppState) -> Vec<String> {
    let ids = state.live.sessions();
    if ids.is_empty() {
        return Vec::new();
    }
    let now = state.now();
    let idle = session::idle_limit(state);
    let checked = state
        .db
        .run(move |conn| {
            let mut ended = Vec::new();
            for id in ids {
                if session::resolve_id(conn, &id, now, idle)?.is_none() {
                    ended.push(id);
                }
            }
            Ok(ended)
        })
        .await;
    checked.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "checking live sessions failed; trying again at the next beat");
        Vec::new()
    })
}
