//! Following live: one WebSocket (`/api/v1/ws`, bearer token) subscribed to every
//! channel this device is in, from the last position processed. Entries are handled
//! exactly as [`Client::sync`] handles them; a gap (a frame further on than
//! expected) is filled over HTTP; `{"type":"welcome"}` joins the new group and
//! subscribes to it. When the connection drops, [`Follow::next`] reconnects and
//! resumes from the last position, so nothing is missed or repeated.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::channels::SyncReport;
use crate::error::{ClientError, Result};
use crate::post::ReceivedPost;
use crate::wire::LogEntry;
use crate::Client;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Close code: the session ended (signed out, expired, account disabled).
const SESSION_ENDED: u16 = 4401;
/// Save when no frame arrived for this long and something changed.
const IDLE_SAVE: Duration = Duration::from_millis(250);
/// Save at least every this many processed entries while busy.
const BUSY_SAVE: usize = 200;
/// Consecutive failed reconnects before [`Follow::next`] gives up (call it again to
/// keep trying).
const MAX_RECONNECTS: u32 = 8;

/// A frame from the server.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Frame {
    Hello {},
    Entry {
        group_id: String,
        #[serde(flatten)]
        entry: LogEntry,
    },
    Welcome {},
    Error {
        code: String,
    },
}

/// A live subscription to every channel of this device; see [`Client::follow`].
/// Dropping it closes the connection and saves the state.
pub struct Follow<'a> {
    client: &'a mut Client,
    socket: Option<Socket>,
    ready: VecDeque<ReceivedPost>,
    unsaved: usize,
    failures: u32,
    /// Problems met while following (undecryptable entries and the like).
    pub problems: Vec<String>,
}

impl Client {
    /// Opens the live connection, subscribed to every channel this device is in
    /// from where it last read (so posts that arrived while away come first).
    pub async fn follow(&mut self) -> Result<Follow<'_>> {
        self.require_session()?;
        let mut follow = Follow {
            client: self,
            socket: None,
            ready: VecDeque::new(),
            unsaved: 0,
            failures: 0,
            problems: Vec::new(),
        };
        follow.connect().await?;
        Ok(follow)
    }
}

impl Follow<'_> {
    /// The next post, in log order per channel, waiting as long as it takes.
    /// Reconnects by itself; fails when the session ended or the server stayed
    /// unreachable.
    pub async fn next(&mut self) -> Result<ReceivedPost> {
        loop {
            if let Some(post) = self.ready.pop_front() {
                return Ok(post);
            }
            let Some(socket) = self.socket.as_mut() else {
                self.reconnect().await?;
                continue;
            };
            let message = match tokio::time::timeout(IDLE_SAVE, socket.next()).await {
                Err(_idle) => {
                    self.save_if_dirty()?;
                    continue;
                }
                Ok(None | Some(Err(_))) => {
                    self.socket = None;
                    continue;
                }
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => self.handle(text.as_str()).await?,
                Message::Close(frame) => {
                    self.socket = None;
                    if frame.is_some_and(|f| f.code == CloseCode::from(SESSION_ENDED)) {
                        self.save_if_dirty()?;
                        return Err(ClientError::NotSignedIn);
                    }
                }
                _ => {}
            }
            if self.unsaved >= BUSY_SAVE {
                self.save_if_dirty()?;
            }
        }
    }

    /// The client behind the subscription (e.g. to read what has arrived).
    pub fn client(&self) -> &Client {
        self.client
    }

    fn save_if_dirty(&mut self) -> Result<()> {
        if self.unsaved > 0 {
            self.client.save()?;
            self.unsaved = 0;
        }
        Ok(())
    }

    async fn reconnect(&mut self) -> Result<()> {
        loop {
            match self.connect().await {
                Ok(()) => {
                    self.failures = 0;
                    return Ok(());
                }
                Err(e @ (ClientError::NotSignedIn | ClientError::Server { .. })) => return Err(e),
                Err(e) => {
                    self.failures += 1;
                    if self.failures >= MAX_RECONNECTS {
                        self.failures = 0;
                        return Err(e);
                    }
                    let wait = 200u64.saturating_mul(1 << self.failures.min(5));
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
            }
        }
    }

    /// Connects, waits for the hello, picks up waiting welcomes and subscribes to
    /// every active channel from its last position.
    async fn connect(&mut self) -> Result<()> {
        self.socket = None;
        let token = self.client.session_token().ok_or(ClientError::NotSignedIn)?;
        let base = self.client.server();
        let url = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}/api/v1/ws")
        } else {
            format!("ws://{}/api/v1/ws", base.trim_start_matches("http://"))
        };
        let mut request = url
            .into_client_request()
            .map_err(|e| ClientError::InvalidInput(format!("server URL: {e}")))?;
        let bearer = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::Protocol("session token is not a valid header".into()))?;
        request.headers_mut().insert("authorization", bearer);
        let (mut socket, _) = match tokio_tungstenite::connect_async(request).await {
            Ok(connected) => connected,
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                let status = response.status().as_u16();
                let body = response
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                return Err(if status == 401 {
                    ClientError::NotSignedIn
                } else {
                    ClientError::from_answer(status, &body)
                });
            }
            Err(e) => return Err(e.into()),
        };
        let hello = match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) if text.contains("hello") => text,
            _ => return Err(ClientError::Protocol("no hello on the WebSocket".into())),
        };
        let mut report = SyncReport::default();
        // A new log generation (the server was restored): every channel is
        // subscribed from 0 below, so everything is read again in order.
        let generation = serde_json::from_str::<serde_json::Value>(hello.as_str())
            .ok()
            .and_then(|v| v["log_generation"].as_str().map(str::to_owned));
        if self.client.observe_generation(generation.as_deref(), &mut report) {
            self.client.save()?;
        }
        // Welcomes queued while away: join before subscribing.
        self.client.fetch_welcomes(&mut report).await?;
        self.take(report);
        for (id, meta) in &self.client.public.groups {
            if meta.active {
                let frame = json!({ "type": "subscribe", "group_id": id, "after": meta.last_seq });
                socket.send(Message::text(frame.to_string())).await?;
            }
        }
        self.socket = Some(socket);
        Ok(())
    }

    async fn handle(&mut self, text: &str) -> Result<()> {
        let frame: Frame = match serde_json::from_str(text) {
            Ok(frame) => frame,
            // A frame type from a newer server: not ours to understand.
            Err(_) => return Ok(()),
        };
        match frame {
            Frame::Hello {} => {}
            Frame::Entry { group_id, entry } => {
                let Some(meta) = self.client.public.groups.get(&group_id) else {
                    return Ok(());
                };
                let mut report = SyncReport::default();
                if entry.seq > meta.last_seq + 1 {
                    // A gap: fetch what is missing (this entry included) over HTTP.
                    self.client.sync_group(&group_id, &mut report).await?;
                } else if entry.seq == meta.last_seq + 1 {
                    self.client.ingest_one(&group_id, &entry, &mut report);
                    self.unsaved += 1;
                }
                self.take(report);
            }
            Frame::Welcome {} => {
                let mut report = SyncReport::default();
                self.client.fetch_welcomes(&mut report).await?;
                let joined = report.joined.clone();
                self.take(report);
                if let Some(socket) = self.socket.as_mut() {
                    for (room, channel) in joined {
                        let id = crate::channels::group_id(room, channel);
                        let after = self.client.public.groups.get(&id).map_or(0, |g| g.last_seq);
                        let frame = json!({ "type": "subscribe", "group_id": id, "after": after });
                        socket.send(Message::text(frame.to_string())).await?;
                    }
                }
            }
            Frame::Error { code } if code == "group_not_found" => {
                // The frame does not say which group: find out over HTTP (the lost
                // ones answer 404 and are marked inactive).
                let mut report = SyncReport::default();
                let active: Vec<String> = self
                    .client
                    .public
                    .groups
                    .iter()
                    .filter(|(_, g)| g.active)
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in active {
                    self.client.sync_group(&id, &mut report).await?;
                }
                self.take(report);
            }
            Frame::Error { code } => self.problems.push(format!("server: {code}")),
        }
        Ok(())
    }

    fn take(&mut self, report: SyncReport) {
        self.ready.extend(report.posts);
        self.problems.extend(report.problems);
        if report.restored {
            self.problems.push(SyncReport::RESTORED_NOTICE.to_owned());
        }
    }
}

impl Drop for Follow<'_> {
    fn drop(&mut self) {
        if self.unsaved > 0 {
            let _ = self.client.save();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_frames_parse_and_unknown_ones_do_not() {
        let entry = r#"{"type":"entry","group_id":"r/team","seq":3,"kind":"post","sender_device":null,"epoch":1,"body":"AA==","stored_at":5}"#;
        let Ok(Frame::Entry { group_id, entry }) = serde_json::from_str::<Frame>(entry) else {
            panic!("entry frame not parsed");
        };
        assert_eq!(
            (group_id.as_str(), entry.seq, entry.kind.as_str()),
            ("r/team", 3, "post")
        );
        assert!(matches!(
            serde_json::from_str::<Frame>(r#"{"type":"welcome"}"#),
            Ok(Frame::Welcome {})
        ));
        assert!(matches!(
            serde_json::from_str::<Frame>(r#"{"type":"hello","user_id":"x"}"#),
            Ok(Frame::Hello {})
        ));
        assert!(serde_json::from_str::<Frame>(r#"{"type":"dance"}"#).is_err());
    }

    #[tokio::test]
    async fn wss_urls_speak_tls_and_fail_cleanly_against_a_plain_peer() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            if let Ok((socket, _)) = listener.accept().await {
                drop(socket);
            }
        });
        let result = tokio_tungstenite::connect_async(format!("wss://127.0.0.1:{port}/api/v1/ws")).await;
        assert!(result.is_err());
    }
}
