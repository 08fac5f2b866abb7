//! Sealed posts and the senders: closed loop (back to back), paced (a fixed rate,
//! each post charged from its due time) and a fixed count (to fill a log).
//!
//! Every post has its own post ID (the server refuses a repeated one), so each is
//! sealed anew. Posts are sealed before the clock starts (a pool per room); a run
//! that outgrows its pool seals the rest on the fly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use bytes::Bytes;
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::{seal, ContentType, EraKey, PostEnvelope, PostHeader};
use kizuna_proto::{Channel, PostId, RoomId, Timestamp};
use tokio::sync::Semaphore;

use crate::setup::{Author, World};

/// Most POSTs in flight at once in paced runs (a client-side queue beyond that).
const IN_FLIGHT: usize = 64;

/// One accepted (or refused) post.
pub struct Sent {
    pub room: usize,
    pub seq: Option<i64>,
    /// Why it was refused.
    pub refusal: Option<String>,
    /// When it was sent (paced: when it was due).
    pub at: Instant,
    pub answered: Instant,
}

/// What every sender shares.
pub struct Plan {
    http: reqwest::Client,
    /// `…/api/v1/groups/{group}/messages` per room.
    logs: Vec<String>,
    authors: Vec<Author>,
    rooms: Vec<RoomId>,
    era: EraKey,
    /// Request bodies sealed in advance, per room, by post number.
    pool: Vec<Vec<Bytes>>,
    /// Posts sent per room so far.
    sent: Vec<AtomicUsize>,
    /// Posts sealed during the run because the pool ran out.
    pub sealed_late: AtomicUsize,
}

impl Plan {
    /// Senders to `base` (node A) for the world's rooms, `per_room` posts sealed
    /// per room in advance.
    pub fn new(base: &str, world: World, per_room: usize) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(1024)
            .build()?;
        let logs = world
            .groups
            .iter()
            .map(|g| {
                format!(
                    "{base}/api/v1/groups/{}/messages",
                    kizuna_tests::mls::urlencode(g)
                )
            })
            .collect();
        let mut plan = Self {
            http,
            logs,
            authors: world.authors,
            rooms: world.rooms,
            era: EraKey::generate(&mut TestRandom::new(99)),
            pool: Vec::new(),
            sent: Vec::new(),
            sealed_late: AtomicUsize::new(0),
        };
        let started = Instant::now();
        plan.pool = (0..plan.rooms.len())
            .map(|room| (0..per_room).map(|n| plan.body(room, n)).collect())
            .collect::<Result<_>>()?;
        plan.sent = (0..plan.rooms.len()).map(|_| AtomicUsize::new(0)).collect();
        eprintln!(
            "sealed {} posts in advance in {:.1} s",
            per_room * plan.rooms.len(),
            started.elapsed().as_secs_f64()
        );
        Ok(plan)
    }

    /// Rooms.
    pub fn rooms(&self) -> usize {
        self.rooms.len()
    }

    /// The request body of post `n` of `room`: a note sealed by member `n % members`.
    fn body(&self, room: usize, n: usize) -> Result<Bytes> {
        let author = &self.authors[n % self.authors.len()];
        let header = PostHeader {
            room: self.rooms[room],
            channel: Channel::Team,
            era: self.era.id(),
            post: PostId::from_uuid(uuid::Uuid::new_v4()),
            author_user: author.user,
            author_device: author.device,
            sent_at: Timestamp(1_795_633_800_000),
        };
        let text = format!("Room {room}: note {n}. Vitals stable, next visit 14:00.");
        let note = PostEnvelope::new(ContentType::Note, &text);
        let mut rng = TestRandom::new(((room as u64) << 32) | n as u64);
        let sealed = seal(header, &note, &self.era, &author.key, &mut rng)?.to_bytes();
        Ok(Bytes::from(format!(
            r#"{{"kind":"post","sender_device":"{}","epoch":0,"body":"{}","idempotency_key":"load-{n}"}}"#,
            author.device,
            STANDARD.encode(sealed),
        )))
    }

    /// Sends the room's next post; `at` is when it counts from.
    pub async fn post(&self, room: usize, at: Instant) -> Sent {
        let n = self.sent[room].fetch_add(1, Ordering::Relaxed);
        let body = match self.pool[room].get(n) {
            Some(body) => Ok(body.clone()),
            None => {
                self.sealed_late.fetch_add(1, Ordering::Relaxed);
                self.body(room, n)
            }
        };
        let token = &self.authors[n % self.authors.len()].token;
        let (seq, refusal) = match body {
            Ok(body) => self.send(room, token, body).await,
            Err(e) => (None, Some(format!("sealing: {e}"))),
        };
        Sent {
            room,
            seq,
            refusal,
            at,
            answered: Instant::now(),
        }
    }

    async fn send(&self, room: usize, token: &str, body: Bytes) -> (Option<i64>, Option<String>) {
        let response = self
            .http
            .post(&self.logs[room])
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let text = r.bytes().await.unwrap_or_default();
                let text = String::from_utf8_lossy(&text);
                match seq_of(&text) {
                    Some(seq) if status == 200 => (Some(seq), None),
                    _ => (None, Some(format!("{status} {}", &text[..text.len().min(200)]))),
                }
            }
            Err(e) => {
                // The innermost cause (the outer ones repeat the URL).
                let mut cause: &dyn std::error::Error = &e;
                while let Some(next) = cause.source() {
                    cause = next;
                }
                (None, Some(format!("no answer: {cause}")))
            }
        }
    }
}

/// `"seq":N` in a JSON answer.
fn seq_of(text: &str) -> Option<i64> {
    let at = text.find(r#""seq":"#)? + 6;
    let digits = &text[at..];
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Posts back to back from `senders` tasks per room for `secs`.
pub async fn closed_loop(plan: &Arc<Plan>, senders: usize, secs: u64) -> Vec<Sent> {
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for room in 0..plan.rooms() {
        for _ in 0..senders {
            let plan = plan.clone();
            tasks.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                while Instant::now() < until {
                    sent.push(plan.post(room, Instant::now()).await);
                }
                sent
            }));
        }
    }
    gather(tasks).await
}

/// Posts at `rate` per second over all rooms for `secs`, each post due at a fixed
/// time and charged from then.
pub async fn paced(plan: &Arc<Plan>, rate: f64, secs: u64) -> Vec<Sent> {
    let rooms = plan.rooms();
    let per_room = rate / rooms as f64;
    let period = Duration::from_secs_f64(1.0 / per_room);
    let count = (per_room * secs as f64).round() as u32;
    let gate = Arc::new(Semaphore::new(IN_FLIGHT));
    let start = Instant::now() + Duration::from_millis(50);
    let mut schedulers = Vec::new();
    for room in 0..rooms {
        let (plan, gate) = (plan.clone(), gate.clone());
        // Rooms staggered across one period.
        let offset = period.mul_f64(room as f64 / rooms as f64);
        schedulers.push(tokio::spawn(async move {
            let mut posts = Vec::new();
            for i in 0..count {
                let due = start + offset + period * i;
                tokio::time::sleep_until(due.into()).await;
                let Ok(permit) = gate.clone().acquire_owned().await else {
                    break;
                };
                let plan = plan.clone();
                posts.push(tokio::spawn(async move {
                    let sent = plan.post(room, due).await;
                    drop(permit);
                    sent
                }));
            }
            let mut sent = Vec::new();
            for post in posts {
                sent.extend(post.await.ok());
            }
            sent
        }));
    }
    gather(schedulers).await
}

/// Posts `total` posts to room 0 from `senders` tasks, back to back.
pub async fn fill(plan: &Arc<Plan>, senders: usize, total: usize) -> Vec<Sent> {
    let left = Arc::new(AtomicUsize::new(total));
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (plan, left) = (plan.clone(), left.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            while left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok()
            {
                sent.push(plan.post(0, Instant::now()).await);
            }
            sent
        }));
    }
    gather(tasks).await
}

/// Every post the tasks sent, in task order (a task that panicked adds none).
async fn gather(tasks: Vec<tokio::task::JoinHandle<Vec<Sent>>>) -> Vec<Sent> {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    all
}

/// The size in bytes of a sealed note like the ones the runs post.
pub fn sample_post_len() -> Result<usize> {
    let mut rng = TestRandom::new(7);
    let era = EraKey::generate(&mut rng);
    let key = kizuna_crypto::DeviceSigningKey::generate(&mut rng);
    let id = |n: u128| uuid::Uuid::from_u128(n);
    let header = PostHeader {
        room: RoomId::from_uuid(id(1)),
        channel: Channel::Team,
        era: era.id(),
        post: PostId::from_uuid(id(2)),
        author_user: kizuna_proto::UserId::from_uuid(id(3)),
        author_device: kizuna_proto::DeviceId::from_uuid(id(4)),
        sent_at: Timestamp(1_795_633_800_000),
    };
    let note = PostEnvelope::new(
        ContentType::Note,
        "Room 0: note 0. Vitals stable, next visit 14:00.",
    );
    Ok(seal(header, &note, &era, &key, &mut rng)?.to_bytes().len())
}
