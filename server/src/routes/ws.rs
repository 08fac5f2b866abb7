//! `GET /api/v1/ws`: the real-time channel, authenticated by the session (cookie or
//! bearer token).
//!
//! Client → server: `{"type":"subscribe","group_id":"…","after":N}` (after = the last
//! seq it has). Server → client: `{"type":"hello","user_id":"…","log_generation":"…"}`
//! (a client whose stored generation differs re-reads every group from seq 0: the
//! server was restored from a backup), then for each subscribed group
//! the entries after N and, live, every new one:
//! `{"type":"entry","group_id":"…","seq":…,"kind":…,"epoch":…,"body":"base64",…}`,
//! in order, without gaps or duplicates, `{"type":"welcome"}` when a welcome
//! waits for one of the person's devices, and `{"type":"members"}` when someone in
//! one of their rooms joined or made a new device addable (reconcile the channels
//! with the room's members), `{"type":"broadcast","id":…}` when a regional
//! broadcast meant for the person arrived (fetch `GET /broadcasts`),
//! `{"type":"safety","broadcast":…}` when a safety check whose dashboard the person
//! follows changed. Problems are reported as
//! `{"type":"error","code":…}`. A new entry is handed to the socket with the frame
//! built once for every follower on the node (`crate::live::Push`); a socket reads
//! from the database only to catch up (after subscribing, or after a gap).
//! Ending the session, revoking the device or disabling
//! the account closes the socket at once (close code 4401); removal from a room
//! closes it with 4403 (reconnect to follow the remaining groups). A client that
//! does not read for [`SEND_TIMEOUT`] is disconnected (4408) rather than let the
//! server buffer for it without bound. Each person may hold at most
//! `max_connections_per_user` connections per node (else `429 too_many_connections`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{get, web, HttpRequest, HttpResponse};
use actix_ws::{CloseCode, CloseReason, Message, Session};
use kizuna_proto::{BroadcastId, UserId};
use kizuna_storage::groups;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::session::Authenticated;
use crate::error::ApiError;
use crate::live::{self, Pushed};
use crate::service::broadcasts;
use crate::service::delivery::{entry_frame, member_group};
use crate::state::AppState;
/// How often the server pings each socket, so proxies and NAT keep an idle
/// connection open (common idle limits are 60 s) and a dead peer is noticed. Sessions
/// are re-checked node-wide every 10 s (`crate::heartbeat`), not by this ping. At
/// 20,000 idle sockets a 10 s ping cost 13 % of a core; 30 s costs a third of it.
const PING_EVERY: Duration = Duration::from_secs(30);
/// How long one frame may wait for a slow reader before the connection is dropped.
/// (actix-ws buffers at most 32 frames; beyond that, sending waits.)
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Entries sent per database read when catching up.
const PAGE: i64 = 200;
/// Most groups one connection may follow.
const MAX_GROUPS: usize = 500;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientFrame {
    Subscribe { group_id: String, after: i64 },
}

/// Opens the WebSocket.
#[utoipa::path(
    tag = "realtime",
    responses(
        (status = 101, description = "Switching to WebSocket; the first message is {\"type\":\"hello\"}"),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
    )
)]
#[get("/ws")]
pub async fn ws(
    state: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let registration = state
        .live
        .register(
            auth.user.id,
            &auth.session_id,
            state.config.max_connections_per_user,
        )
        .map_err(|_| ApiError::TooManyConnections)?;
    let (response, out, incoming) = actix_ws::handle(&req, body)?;
    let notifications = state.live.group_notifications();
    state.metrics.websockets.inc();
    actix_web::rt::spawn(async move {
        let mut connection = Connection {
            state: state.clone(),
            user: auth.user.id,
            session_id: auth.session_id.clone(),
            id: registration.id(),
            out,
            followed: HashMap::new(),
            too_slow: false,
        };
        connection.run(registration, notifications, incoming).await;
        state.metrics.websockets.dec();
    });
    Ok(response)
}

struct Connection {
    state: web::Data<AppState>,
    user: UserId,
    /// The session (its device goes in the access record of each subscription).
    session_id: String,
    /// Its number in the node's registry of live connections.
    id: u64,
    out: Session,
    /// Followed groups and the last seq sent for each.
    followed: HashMap<String, i64>,
    /// Set when the client stopped reading.
    too_slow: bool,
}

impl Connection {
    async fn run(
        &mut self,
        mut registration: crate::live::Registration,
        mut notifications: tokio::sync::broadcast::Receiver<(String, i64)>,
        mut incoming: actix_ws::MessageStream,
    ) {
        let Ok(generation) = self.state.db.run(groups::log_generation).await else {
            let _ = self.error("unavailable").await;
            let _ = self.out.clone().close(None).await;
            return;
        };
        let hello = serde_json::json!({
            "type": "hello",
            "user_id": self.user,
            "log_generation": generation,
        })
        .to_string();
        let mut open = self.send(hello).await;
        let mut beat = tokio::time::interval(PING_EVERY);
        beat.tick().await;
        let mut code = live::CLOSE_SESSION_ENDED;
        while open && !self.too_slow {
            // Closing first, then person-level notices (a membership change is
            // handled before the entries that follow it), then the client, then entries.
            tokio::select! {
                biased;
                _ = registration.closed.changed() => {
                    code = *registration.closed.borrow();
                    break;
                }
                note = notifications.recv() => {
                    // Boxed, like every rare branch's work: an idle socket's task holds
                    // only the hot path (an entry to send) inline.
                    open = Box::pin(self.on_notice(note)).await;
                }
                message = incoming.recv() => {
                    open = match message {
                        Some(Ok(Message::Text(text))) => Box::pin(self.handle(&text)).await,
                        Some(Ok(Message::Ping(bytes))) => self.out.pong(&bytes).await.is_ok(),
                        // The answer to our heartbeat ping: nothing to do.
                        Some(Ok(Message::Pong(_))) => true,
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => false,
                        Some(Ok(_)) => self.error("unsupported_frame").await,
                    };
                }
                push = registration.pushes.recv() => {
                    open = match push.as_deref() {
                        Some(Pushed::Entry { group, seq, frame }) => self.deliver(group, *seq, frame.clone()).await,
                        Some(Pushed::Stale(group)) => Box::pin(self.catch_up(group)).await,
                        None => false,
                    };
                }
                // Sessions are re-checked node-wide (crate::heartbeat); a socket only pings.
                _ = beat.tick() => {
                    open = self.out.ping(b"").await.is_ok();
                }
            }
        }
        if self.too_slow {
            code = live::CLOSE_TOO_SLOW;
        }
        let description = match code {
            live::CLOSE_REMOVED => "removed from a room; reconnect",
            live::CLOSE_TOO_SLOW => "too slow to read; reconnect and resume",
            live::CLOSE_GOING_AWAY => "server shutting down; reconnect",
            _ => "session ended",
        };
        let reason = CloseReason {
            code: CloseCode::Other(code),
            description: Some(description.into()),
        };
        let _ = self.out.clone().close(Some(reason)).await;
        drop(registration);
    }

    /// Sends a frame, giving a slow reader [`SEND_TIMEOUT`] before dropping it.
    async fn send(&mut self, frame: String) -> bool {
        self.send_frame(frame.into()).await
    }

    /// [`Connection::send`] for a frame shared with other sockets.
    async fn send_frame(&mut self, frame: bytestring::ByteString) -> bool {
        match tokio::time::timeout(SEND_TIMEOUT, self.out.text(frame)).await {
            Ok(sent) => sent.is_ok(),
            Err(_) => {
                self.too_slow = true;
                false
            }
        }
    }

    /// A node-wide notice: entries to re-read, or one of this person's notices
    /// (`<prefix><user>` or `<prefix><user>:<detail>`), or a regional broadcast.
    async fn on_notice(&mut self, note: Result<(String, i64), RecvError>) -> bool {
        let group = match note {
            Ok((group, _)) => group,
            // Fell behind the node's notices: re-check and re-read every followed group.
            Err(RecvError::Lagged(_)) => return self.recheck_all().await,
            Err(RecvError::Closed) => return false,
        };
        let user = self.user.to_string();
        let mine = |prefix: &str| {
            group
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix(user.as_str()))
        };
        if group == live::RESYNC {
            self.recheck_all().await
        } else if mine(live::WELCOME_PREFIX) == Some("") {
            self.send(serde_json::json!({ "type": "welcome" }).to_string())
                .await
        } else if mine(live::MEMBERS_PREFIX) == Some("") {
            self.recheck_all().await
                && self
                    .send(serde_json::json!({ "type": "members" }).to_string())
                    .await
        } else if let Some(broadcast) = mine(live::SAFETY_PREFIX).and_then(|r| r.strip_prefix(':')) {
            let frame = serde_json::json!({ "type": "safety", "broadcast": broadcast });
            self.send(frame.to_string()).await
        } else if let Some(account) = mine(live::ALERT_PREFIX).and_then(|r| r.strip_prefix(':')) {
            let frame = serde_json::json!({ "type": "emergency_sign_in", "account": account });
            self.send(frame.to_string()).await
        } else if let Some(broadcast) = group.strip_prefix(live::BROADCAST_PREFIX) {
            self.broadcast(broadcast).await
        } else {
            true
        }
    }

    async fn error(&mut self, code: &str) -> bool {
        self.send(serde_json::json!({ "type": "error", "code": code }).to_string())
            .await
    }

    async fn handle(&mut self, text: &str) -> bool {
        let Ok(ClientFrame::Subscribe { group_id, after }) = serde_json::from_str::<ClientFrame>(text) else {
            return self.error("malformed_frame").await;
        };
        if self.followed.len() >= MAX_GROUPS && !self.followed.contains_key(&group_id) {
            return self.error("too_many_groups").await;
        }
        match self.admit(group_id.clone(), after.max(0)).await {
            Ok(()) => {
                // Entries stored from now on are handed over; the backlog is read below.
                self.state.live.follow(self.id, &group_id);
                self.followed.insert(group_id.clone(), after.max(0));
                self.catch_up(&group_id).await
            }
            Err(ApiError::NotFound) => self.error("group_not_found").await,
            Err(_) => self.error("unavailable").await,
        }
    }

    /// Sends an entry handed over by the node: the next one is sent as it is, one
    /// already sent is skipped, and after a gap (an entry this connection was not
    /// handed) the group is read from the database.
    async fn deliver(&mut self, group: &str, seq: i64, frame: bytestring::ByteString) -> bool {
        let Some(last) = self.followed.get_mut(group) else {
            return true;
        };
        if seq <= *last {
            return true;
        }
        if seq > *last + 1 {
            return Box::pin(self.catch_up(group)).await;
        }
        *last = seq;
        self.send_frame(frame).await
    }

    /// Sends every entry of `group` after the last one sent, from the database.
    /// (Membership was checked when the group was subscribed to, and is checked
    /// again whenever the person's rooms change: [`Connection::recheck_all`].)
    async fn catch_up(&mut self, group: &str) -> bool {
        let Some(&last) = self.followed.get(group) else {
            return true;
        };
        let mut last = last;
        loop {
            let id = group.to_owned();
            let Ok(entries) = self
                .state
                .db
                .run(move |conn| groups::entries_after(conn, &id, last, PAGE))
                .await
            else {
                return self.error("unavailable").await;
            };
            let done = entries.len() < PAGE as usize;
            for entry in entries {
                last = entry.seq;
                if !self.send_frame(entry_frame(entry)).await {
                    return false;
                }
            }
            self.followed.insert(group.to_owned(), last);
            if done {
                return true;
            }
        }
    }

    /// After a change to the person's rooms (or lost notices): stops following the
    /// groups they may no longer use (with `group_not_found` for each), then reads
    /// anything the others have that was not sent.
    async fn recheck_all(&mut self) -> bool {
        let followed: Vec<String> = self.followed.keys().cloned().collect();
        let user = self.user;
        let gone = self
            .state
            .read(move |conn| {
                let mut gone = Vec::new();
                for group in followed {
                    match member_group(conn, &group, user) {
                        Ok(_) => {}
                        Err(ApiError::NotFound) => gone.push(group),
                        Err(e) => return Err(e),
                    }
                }
                Ok(gone)
            })
            .await;
        let Ok(gone) = gone else {
            return self.error("unavailable").await;
        };
        for group in gone {
            self.followed.remove(&group);
            self.state.live.unfollow(self.id, &group);
            if !self.error("group_not_found").await {
                return false;
            }
        }
        self.catch_up_all().await
    }

    /// Checks that the person may read `group_id` and records the subscription as an
    /// access record (one per subscription, never per entry pushed), in one
    /// transaction.
    async fn admit(&self, group_id: String, after: i64) -> Result<(), ApiError> {
        let reader = crate::audit::access::Reader {
            user: self.user,
            session_id: self.session_id.clone(),
        };
        let now = self.state.now();
        self.state
            .write(move |conn| {
                let group = member_group(conn, &group_id, reader.user)?;
                let read = crate::audit::access::RoomRead {
                    room: group.room,
                    channel: group.channel,
                    group: group.id.clone(),
                    from: after + 1,
                    to: None,
                    via: crate::audit::access::Via::WebSocket,
                };
                Ok(crate::audit::access::room_read(conn, now, &reader, &read)?)
            })
            .await
    }

    async fn catch_up_all(&mut self) -> bool {
        let groups: Vec<String> = self.followed.keys().cloned().collect();
        for group in groups {
            if !self.catch_up(&group).await {
                return false;
            }
        }
        true
    }
}

impl Connection {
    /// Tells the person about broadcast `id` if it is meant for them. The recipient
    /// set is worked out once per node and shared by every connection; a failure
    /// to work it out is logged and skipped (the client lists broadcasts when it
    /// syncs anyway). Returns whether the connection is still open.
    async fn broadcast(&mut self, id: &str) -> bool {
        let Ok(id) = id.parse::<BroadcastId>() else {
            return true;
        };
        let set = self.state.live.broadcast_recipients(id);
        let state = self.state.clone();
        let recipients = set
            .get_or_try_init(|| async move { broadcasts::recipients_of(&state, id).await.map(Arc::new) })
            .await;
        match recipients {
            Ok(people) if people.contains(&self.user) => {
                self.send(serde_json::json!({ "type": "broadcast", "id": id }).to_string())
                    .await
            }
            Ok(_) => true,
            Err(e) => {
                tracing::warn!(error = %e, broadcast = %id, "could not work out a broadcast's recipients");
                true
            }
        }
    }
}
