//! WebSockets that follow a room's team channel, each read by a task of its own
//! that records the seq and arrival time of every entry (a cheap scan for `"seq":`,
//! no JSON parse).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Sockets opened at once.
pub const OPENING: usize = 32;

/// Counters all sockets share.
#[derive(Debug, Default)]
pub struct Shared {
    /// Frames that were neither entries nor the server's known answers.
    pub errors: AtomicUsize,
    /// Sockets the server closed.
    pub closed: AtomicUsize,
    /// The first few unexpected frames, for the log.
    pub samples: Mutex<Vec<String>>,
}

/// One following socket.
pub struct Follower {
    pub room: usize,
    /// Which server process it is connected to (0 = A).
    pub node: usize,
    /// Every entry received: seq and when.
    pub got: Arc<Mutex<Vec<(i64, Instant)>>>,
    /// The highest seq received.
    pub last: Arc<AtomicI64>,
    pub closed: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The seq of an entry frame, found without parsing the JSON (the body is base64,
/// so `"seq":` cannot occur inside it).
pub fn entry_seq(text: &str) -> Option<i64> {
    if !text.contains(r#""type":"entry""#) {
        return None;
    }
    let at = text.find(r#""seq":"#)? + 6;
    let digits = &text[at..];
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Where to connect and what to follow.
pub struct Target<'a> {
    pub base: &'a str,
    pub token: &'a str,
    pub group: &'a str,
    pub room: usize,
    pub node: usize,
    pub after: i64,
    /// Entries expected in the run (to size the receipt buffer).
    pub expected: usize,
}

/// Opens a socket, reads its hello, subscribes and starts its reader.
pub async fn follow(target: Target<'_>, shared: Arc<Shared>) -> Result<Follower> {
    let mut socket = kizuna_tests::ws::connect_after_hello(target.base, target.token).await?;
    let subscribe = format!(
        r#"{{"type":"subscribe","group_id":"{}","after":{}}}"#,
        target.group, target.after
    );
    socket.send(Message::text(subscribe)).await.context("subscribe")?;
    let got = Arc::new(Mutex::new(Vec::with_capacity(target.expected)));
    let last = Arc::new(AtomicI64::new(target.after));
    let closed = Arc::new(AtomicBool::new(false));
    let (g, l, c) = (got.clone(), last.clone(), closed.clone());
    let task = tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            let text = match message {
                Message::Text(text) => text,
                Message::Close(reason) => {
                    note(&shared, format!("closed: {reason:?}"));
                    break;
                }
                _ => continue,
            };
            let now = Instant::now();
            match entry_seq(&text) {
                Some(seq) => {
                    g.lock().unwrap_or_else(|p| p.into_inner()).push((seq, now));
                    l.fetch_max(seq, Ordering::Release);
                }
                None => note(&shared, text.to_string()),
            }
        }
        c.store(true, Ordering::Release);
        shared.closed.fetch_add(1, Ordering::Relaxed);
    });
    Ok(Follower {
        room: target.room,
        node: target.node,
        got,
        last,
        closed,
        task,
    })
}

fn note(shared: &Shared, what: String) {
    shared.errors.fetch_add(1, Ordering::Relaxed);
    let mut samples = shared.samples.lock().unwrap_or_else(|p| p.into_inner());
    if samples.len() < 5 {
        eprintln!("socket: unexpected {what}");
        samples.push(what);
    }
}

/// Waits until every open socket has its room's head (or `limit` passes): false on
/// timeout.
pub async fn wait_for_heads(followers: &[Follower], heads: &[i64], limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        let behind = followers
            .iter()
            .any(|f| f.last.load(Ordering::Acquire) < heads[f.room] && !f.closed.load(Ordering::Acquire));
        if !behind {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
