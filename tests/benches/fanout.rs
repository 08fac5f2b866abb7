//! Benchmark: live fan-out. Rooms of 20 members, every member connected by
//! WebSocket and following the room's team channel; members post sealed notes over
//! HTTP and every post must reach all 20 sockets of its room, in order, once.
//!
//!     cargo bench -p kizuna-tests --bench fanout
//!
//! One in-process server (two actix workers, the default pool of 8 database
//! connections), run on SQLite and then on PostgreSQL (127.0.0.1:5432 through the
//! test kit). The load generator runs in the same process, on the same cores.
//! For each backend it measures:
//!
//! - `append only`: posting back to back with nobody connected (the cost of the
//!   append path alone);
//! - `closed loop`: the same with every member connected (the most the node
//!   sustains, latency included queueing);
//! - `paced N/s`: posts scheduled at a fixed rate spread over the rooms, latency
//!   counted from the scheduled send time, so a node that falls behind is charged
//!   for the wait.
//!
//! Latency is from the send of the POST to each socket's receipt of the entry
//! (the POST's answer gives the seq; receipts are matched to it afterwards).
//! Environment overrides for exploring: `FANOUT_ROOMS` (10), `FANOUT_SECS` (10),
//! `FANOUT_RATES` (posts/s, comma-separated; by default 5, 10, 25, 35, 50 and 75 %
//! of the closed-loop rate), `FANOUT_SENDERS` (closed-loop senders per room, 4),
//! `FANOUT_DB` (`sqlite`, `postgres` or both).
//! Results go to benchmarks/fanout.md (by hand: the file also says what limits
//! the figures).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failed run

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use kizuna_crypto::testing::TestRandom;
use kizuna_crypto::EraKey;
use kizuna_proto::Channel;
use kizuna_tests::accounts::{token_of, Person};
use kizuna_tests::bench::env_or;
use kizuna_tests::mls::{group_id, urlencode, TestDevice};
use kizuna_tests::{BlobKind, DbKind, TestServer};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Members per room: the owner (a doctor) and 19 professionals.
const MEMBERS: usize = 20;
/// Sealed notes prepared per member and room (posted in turn; the server neither
/// knows nor cares that a body repeats).
const BODIES: usize = 8;
/// Most POSTs in flight at once in paced runs (a client-side queue beyond that).
const IN_FLIGHT: usize = 64;
/// Paced runs, as fractions of the closed-loop rate.
const PACED: [f64; 6] = [0.05, 0.1, 0.25, 0.35, 0.5, 0.75];
/// Longest wait for the node to fall idle between runs.
const SETTLE: Duration = Duration::from_secs(300);
/// How long to wait for the last deliveries of a run.
const DRAIN: Duration = Duration::from_secs(120);

/// What every sender task needs, shared.
struct Plan {
    http: reqwest::Client,
    /// `…/api/v1/groups/{group}/messages` per room.
    logs: Vec<String>,
    tokens: Vec<String>,
    devices: Vec<String>,
    /// Base64 sealed notes per room, per member.
    bodies: Vec<Vec<Vec<String>>>,
    /// Posts sent per room so far (for idempotency keys and the sender's turn).
    sent: Vec<AtomicUsize>,
}

/// One accepted (or refused) post.
struct Sent {
    room: usize,
    seq: Option<i64>,
    /// Why it was refused.
    refusal: Option<String>,
    /// When it was sent (paced: when it was due).
    at: Instant,
    answered: Instant,
}

impl Plan {
    async fn post(&self, room: usize, at: Instant) -> Sent {
        let n = self.sent[room].fetch_add(1, Ordering::Relaxed);
        let member = n % MEMBERS;
        let body = json!({
            "kind": "post",
            "sender_device": self.devices[member],
            "epoch": 0,
            "body": self.bodies[room][member][(n / MEMBERS) % BODIES],
            "idempotency_key": format!("bench-{room}-{n}"),
        });
        let response = self
            .http
            .post(&self.logs[room])
            .bearer_auth(&self.tokens[member])
            .json(&body)
            .send()
            .await;
        let (seq, refusal) = match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.json::<serde_json::Value>().await.unwrap_or_default();
                match body["seq"].as_i64() {
                    Some(seq) if status == 200 => (Some(seq), None),
                    _ => (None, Some(format!("{status} {}", body["error"]["code"]))),
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
        };
        Sent {
            room,
            seq,
            refusal,
            at,
            answered: Instant::now(),
        }
    }
}

/// One member's socket, read by a task of its own.
struct Socket {
    room: usize,
    /// Every entry received: seq and when.
    got: Arc<Mutex<Vec<(i64, Instant)>>>,
    /// The highest seq received.
    last: Arc<AtomicI64>,
    /// Set when the server closed the socket.
    closed: Arc<AtomicBool>,
    /// Frames other than entries (errors), and close reasons.
    errors: Arc<Mutex<Vec<String>>>,
    /// `unsupported_frame` errors: the server's answer to each pong.
    pong_answers: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    seq: Option<i64>,
}

async fn follow(server_url: &str, token: &str, group: &str, room: usize, after: i64) -> Socket {
    let url = format!("{}/api/v1/ws", server_url.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url).unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let hello = socket.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("hello"), "{hello:?}");
    socket
        .send(Message::text(
            json!({ "type": "subscribe", "group_id": group, "after": after }).to_string(),
        ))
        .await
        .unwrap();
    let got = Arc::new(Mutex::new(Vec::with_capacity(1 << 16)));
    let last = Arc::new(AtomicI64::new(after));
    let closed = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let pong_answers = Arc::new(AtomicUsize::new(0));
    let (g, l, c, e, p) = (
        got.clone(),
        last.clone(),
        closed.clone(),
        errors.clone(),
        pong_answers.clone(),
    );
    let task = tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            let text = match message {
                Message::Text(text) => text,
                Message::Close(reason) => {
                    e.lock().unwrap().push(format!("closed: {reason:?}"));
                    break;
                }
                _ => continue,
            };
            let now = Instant::now();
            match serde_json::from_str::<Frame>(&text) {
                Ok(Frame { kind, seq: Some(seq) }) if kind == "entry" => {
                    g.lock().unwrap().push((seq, now));
                    l.fetch_max(seq, Ordering::Release);
                }
                // The server's answer to the pong that answers its heartbeat ping.
                _ if text.contains("unsupported_frame") => {
                    p.fetch_add(1, Ordering::Relaxed);
                }
                _ => e.lock().unwrap().push(text.to_string()),
            }
        }
        c.store(true, Ordering::Release);
    });
    Socket {
        room,
        got,
        last,
        closed,
        errors,
        pong_answers,
        task,
    }
}

struct Bench {
    server: TestServer,
    plan: Arc<Plan>,
    people: Vec<Person>,
    groups: Vec<String>,
    sockets: Vec<Socket>,
    /// The last seq of each room's log.
    heads: Vec<i64>,
}

async fn setup(kind: DbKind, rooms: usize) -> Bench {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| {
        c.workers = Some(2);
        // One socket per member and room: the same 20 people are in every room.
        c.max_connections_per_user = 10_000;
    })
    .await
    .unwrap();
    let admin = server.bootstrap_admin().await.unwrap();
    let clinic = server
        .organisation(&admin, "Clinic", "clinic", None)
        .await
        .unwrap();
    let doctor = server
        .staff(&admin, &clinic, "dr.tanaka", "doctor")
        .await
        .unwrap();
    let mut room_ids = Vec::new();
    for _ in 0..rooms {
        let (status, created) = server
            .post(
                &format!("/api/v1/organisations/{clinic}/rooms"),
                Some(&doctor.token),
                json!({}),
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{created}");
        room_ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let mut people = vec![doctor];
    for i in 1..MEMBERS {
        let name = format!("pro.{i:02}");
        let mut person = None;
        for room in &room_ids {
            let (status, issued) = server
                .post(
                    &format!("/api/v1/rooms/{room}/invitations"),
                    Some(&people[0].token),
                    json!({ "role": "professional" }),
                )
                .await
                .unwrap();
            assert_eq!(status, 200, "{issued}");
            let link = issued["link"].as_str().unwrap();
            match &person {
                None => person = Some(server.register(link, &name).await.unwrap()),
                Some(p) => {
                    let p: &Person = p;
                    let (status, joined) = server
                        .post(
                            "/api/v1/invitations/accept",
                            Some(&p.token),
                            json!({ "token": token_of(link).unwrap() }),
                        )
                        .await
                        .unwrap();
                    assert_eq!(status, 200, "{joined}");
                }
            }
        }
        people.push(person.unwrap());
    }
    let mut devices = Vec::new();
    for (i, person) in people.iter().enumerate() {
        devices.push(
            TestDevice::register(&server, person, 1000 + i as u64, 0)
                .await
                .unwrap(),
        );
    }
    let era = EraKey::generate(&mut TestRandom::new(99));
    let mut bodies = Vec::new();
    let mut logs = Vec::new();
    let mut groups = Vec::new();
    for (r, room) in room_ids.iter().enumerate() {
        let (_, (status, answer)) = devices[0]
            .create_group(&server, &people[0], room, "team")
            .await
            .unwrap();
        assert_eq!(status, 200, "{answer}");
        let group = group_id(room, "team");
        logs.push(server.at(&format!("/api/v1/groups/{}/messages", urlencode(&group))));
        groups.push(group);
        bodies.push(
            devices
                .iter()
                .enumerate()
                .map(|(m, device)| {
                    (0..BODIES)
                        .map(|k| {
                            let text = format!(
                                "Room {r}: note {k} from member {m}. Vitals stable, next visit 14:00."
                            );
                            let seed = (r * MEMBERS * BODIES + m * BODIES + k) as u64;
                            STANDARD.encode(device.post(room, Channel::Team, &era, &text, seed).unwrap())
                        })
                        .collect()
                })
                .collect(),
        );
    }
    let plan = Plan {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .build()
            .unwrap(),
        logs,
        tokens: people.iter().map(|p| p.token.clone()).collect(),
        devices: devices.iter().map(|d| d.id.to_string()).collect(),
        bodies,
        sent: (0..rooms).map(|_| AtomicUsize::new(0)).collect(),
    };
    Bench {
        server,
        plan: Arc::new(plan),
        people,
        groups,
        sockets: Vec::new(),
        heads: vec![0; rooms],
    }
}

impl Bench {
    async fn connect_all(&mut self) {
        for (r, group) in self.groups.iter().enumerate() {
            for person in &self.people {
                let socket = follow(&self.server.url, &person.token, group, r, self.heads[r]).await;
                self.sockets.push(socket);
            }
        }
        assert!(self.wait_for_heads().await, "sockets did not settle");
    }

    async fn wait_for_heads(&self) -> bool {
        let deadline = Instant::now() + DRAIN;
        loop {
            let behind = self.sockets.iter().any(|s| {
                s.last.load(Ordering::Acquire) < self.heads[s.room] && !s.closed.load(Ordering::Acquire)
            });
            if !behind {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Posts one at a time (each after the previous one's answer), rooms in turn, for
/// `secs`: the latency of an unloaded node.
async fn one_at_a_time(plan: &Arc<Plan>, secs: u64) -> Vec<Sent> {
    let until = Instant::now() + Duration::from_secs(secs);
    let mut sent = Vec::new();
    let mut room = 0;
    while Instant::now() < until {
        sent.push(plan.post(room, Instant::now()).await);
        room = (room + 1) % plan.logs.len();
        // A quiet pause, so that each post's deliveries end before the next.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sent
}

/// Posts back to back from `senders` tasks per room for `secs`.
async fn closed_loop(plan: &Arc<Plan>, senders: usize, secs: u64) -> Vec<Sent> {
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for room in 0..plan.logs.len() {
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
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

/// Posts at `rate` per second over all rooms for `secs`, each post due at a fixed
/// time and charged from then.
async fn paced(plan: &Arc<Plan>, rate: f64, secs: u64) -> Vec<Sent> {
    let rooms = plan.logs.len();
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
                let permit = gate.clone().acquire_owned().await.unwrap();
                let plan = plan.clone();
                posts.push(tokio::spawn(async move {
                    let sent = plan.post(room, due).await;
                    drop(permit);
                    sent
                }));
            }
            let mut sent = Vec::new();
            for post in posts {
                sent.push(post.await.unwrap());
            }
            sent
        }));
    }
    let mut all = Vec::new();
    for scheduler in schedulers {
        all.extend(scheduler.await.unwrap());
    }
    all
}

/// CPU time so far, in clock ticks (USER_HZ, 100 per second on Linux).
#[derive(Clone, Copy)]
struct Cpu {
    /// This process: the node and the load generator.
    process: u64,
    /// Every `postgres` process (the database server, on the same cores).
    postgres: u64,
    /// The whole machine: busy and total.
    busy: u64,
    total: u64,
}

/// utime + stime of a process from its /proc stat line.
fn ticks_of(stat: &str) -> Option<u64> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15; after the ")" they are at 11 and 12.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn cpu_now() -> Cpu {
    let process = ticks_of(&std::fs::read_to_string("/proc/self/stat").unwrap()).unwrap();
    let mut postgres = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) {
            if stat.contains(" (postgres) ") {
                postgres += ticks_of(&stat).unwrap_or(0);
            }
        }
    }
    let machine = std::fs::read_to_string("/proc/stat").unwrap();
    let cpu: Vec<u64> = machine
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    let idle = cpu[3] + cpu[4];
    let total: u64 = cpu.iter().take(8).sum();
    Cpu {
        process,
        postgres,
        busy: total - idle,
        total,
    }
}

/// Cores used between two readings over `secs`: this process, PostgreSQL, and the
/// rest of the machine (other work on the same cores).
fn cores(a: Cpu, b: Cpu, secs: f64) -> (f64, f64, f64) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let process = (b.process - a.process) as f64 / 100.0 / secs;
    let postgres = b.postgres.saturating_sub(a.postgres) as f64 / 100.0 / secs;
    let machine = (b.busy - a.busy) as f64 / (b.total - a.total).max(1) as f64 * cores;
    (process, postgres, (machine - process - postgres).max(0.0))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// One run's figures.
struct Row {
    run: String,
    accepted_per_s: f64,
    deliveries_per_s: f64,
    latency: Vec<Duration>,
    post_p99: Duration,
    lost: usize,
    duplicated: usize,
    out_of_order: usize,
    refused: usize,
    socket_errors: usize,
    /// Cores used by this process, by PostgreSQL and by everything else.
    cpu: (f64, f64, f64),
    /// How long the process stayed busy after the last delivery.
    busy_after: Duration,
}

const HEADER: &str = "| database | run | posts/s accepted | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | POST p99 ms | lost / dup / out of order | refused / socket errors | CPU cores: node + load / PostgreSQL / other | busy after last delivery (s) |\n\
    | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";

impl Row {
    fn line(&self, database: &str) -> String {
        let at = |p: f64| {
            if self.latency.is_empty() {
                "–".to_owned()
            } else {
                ms(percentile(&self.latency, p))
            }
        };
        format!(
            "| {database} | {} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {} / {} / {} | {} / {} | {:.2} / {:.2} / {:.2} | {:.1} |",
            self.run,
            self.accepted_per_s,
            self.deliveries_per_s,
            at(0.5),
            at(0.95),
            at(0.99),
            at(1.0),
            ms(self.post_p99),
            self.lost,
            self.duplicated,
            self.out_of_order,
            self.refused,
            self.socket_errors,
            self.cpu.0,
            self.cpu.1,
            self.cpu.2,
            self.busy_after.as_secs_f64(),
        )
    }
}

fn socket_errors(bench: &Bench) -> usize {
    bench.sockets.iter().map(|s| s.errors.lock().unwrap().len()).sum()
}

/// Runs `load`, waits for every socket to have every post, and checks and measures.
async fn run<F, Fut>(bench: &mut Bench, name: String, load: F) -> Row
where
    F: FnOnce(Arc<Plan>) -> Fut,
    Fut: std::future::Future<Output = Vec<Sent>>,
{
    let before = bench.heads.clone();
    let errors_before = socket_errors(bench);
    let cpu0 = cpu_now();
    let started = Instant::now();
    let sent = load(bench.plan.clone()).await;
    let refused = sent.iter().filter(|s| s.seq.is_none()).count();
    let mut reasons: HashMap<&str, usize> = HashMap::new();
    for reason in sent.iter().filter_map(|s| s.refusal.as_deref()) {
        *reasons.entry(reason).or_default() += 1;
    }
    if !reasons.is_empty() {
        eprintln!("{name}: refused {reasons:?}");
    }
    let accepted: Vec<&Sent> = sent.iter().filter(|s| s.seq.is_some()).collect();
    let last_answer = accepted.iter().map(|s| s.answered).max().unwrap_or(started);
    let accepted_per_s = accepted.len() as f64 / (last_answer - started).as_secs_f64();
    let mut post_times: Vec<Duration> = accepted.iter().map(|s| s.answered - s.at).collect();
    post_times.sort();
    // Each room's accepted seqs must be exactly the next ones in its log.
    let mut sent_at: Vec<HashMap<i64, Instant>> = vec![HashMap::new(); bench.heads.len()];
    for s in &accepted {
        sent_at[s.room].insert(s.seq.unwrap(), s.at);
    }
    for (room, seqs) in sent_at.iter().enumerate() {
        let head = before[room] + seqs.len() as i64;
        assert!(
            (before[room] + 1..=head).all(|q| seqs.contains_key(&q)),
            "room {room}: accepted seqs are not contiguous"
        );
        bench.heads[room] = head;
    }
    bench.wait_for_heads().await;
    let cpu1 = cpu_now();
    let elapsed = started.elapsed().as_secs_f64();
    let mut latency = Vec::new();
    let (mut lost, mut duplicated, mut out_of_order) = (0, 0, 0);
    let mut last_receipt = started;
    for socket in &bench.sockets {
        let got = socket.got.lock().unwrap();
        let mut seen = HashSet::new();
        let mut previous = before[socket.room];
        for (seq, at) in got.iter().filter(|(q, _)| *q > before[socket.room]) {
            if !seen.insert(*seq) {
                duplicated += 1;
            }
            if *seq <= previous {
                out_of_order += 1;
            }
            previous = *seq;
            if let Some(sent) = sent_at[socket.room].get(seq) {
                latency.push(at.saturating_duration_since(*sent));
            }
            last_receipt = last_receipt.max(*at);
        }
        lost += usize::try_from(bench.heads[socket.room] - before[socket.room]).unwrap() - seen.len();
    }
    latency.sort();
    let deliveries_per_s = latency.len() as f64 / (last_receipt - started).as_secs_f64().max(1e-9);
    Row {
        run: name,
        accepted_per_s,
        deliveries_per_s,
        post_p99: percentile(&post_times, 0.99),
        latency,
        lost,
        duplicated,
        out_of_order,
        refused,
        socket_errors: socket_errors(bench) - errors_before,
        cpu: cores(cpu0, cpu1, elapsed),
        busy_after: settle().await,
    }
}

/// Waits until this process is idle (under 0.1 core for a second): the node may
/// go on working after the last delivery. Returns how long it stayed busy.
async fn settle() -> Duration {
    let started = Instant::now();
    loop {
        let a = cpu_now().process;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let b = cpu_now().process;
        if b - a <= 10 || started.elapsed() > SETTLE {
            return started.elapsed().saturating_sub(Duration::from_secs(1));
        }
    }
}

async fn measure(database: &str, kind: DbKind, rooms: usize, secs: u64) {
    let senders = env_or("FANOUT_SENDERS", 4usize);
    let rates: Vec<f64> = std::env::var("FANOUT_RATES")
        .unwrap_or_default()
        .split(',')
        .filter_map(|r| r.trim().parse().ok())
        .collect();
    let set_up = Instant::now();
    let mut bench = setup(kind, rooms).await;
    eprintln!(
        "{database}: {rooms} rooms × {MEMBERS} members set up in {:.1} s",
        set_up.elapsed().as_secs_f64()
    );
    let report = |row: Row| println!("{}", row.line(database));
    // The append path alone: nobody connected.
    let label = "one at a time (no sockets)".to_owned();
    report(
        run(&mut bench, label, |plan| async move {
            one_at_a_time(&plan, secs).await
        })
        .await,
    );
    let label = format!("append only (no sockets), {} senders", rooms * senders);
    report(
        run(&mut bench, label, |plan| async move {
            closed_loop(&plan, senders, secs).await
        })
        .await,
    );
    bench.connect_all().await;
    settle().await;
    eprintln!("{database}: {} sockets following", bench.sockets.len());
    let label = "one at a time".to_owned();
    report(
        run(&mut bench, label, |plan| async move {
            one_at_a_time(&plan, secs).await
        })
        .await,
    );
    let label = format!("closed loop, {} senders", rooms * senders);
    let most = run(&mut bench, label, |plan| async move {
        closed_loop(&plan, senders, secs).await
    })
    .await;
    // Unless told otherwise, paced runs at fractions of what the node just sustained.
    let rates = if rates.is_empty() {
        PACED
            .iter()
            .map(|f| ((most.accepted_per_s * f / 5.0).round() * 5.0).max(5.0))
            .collect()
    } else {
        rates
    };
    report(most);
    for rate in rates {
        let label = format!("paced {rate:.0} posts/s");
        report(
            run(
                &mut bench,
                label,
                |plan| async move { paced(&plan, rate, secs).await },
            )
            .await,
        );
    }
    let pongs: usize = bench
        .sockets
        .iter()
        .map(|s| s.pong_answers.load(Ordering::Relaxed))
        .sum();
    eprintln!(
        "{database}: the sockets got {pongs} `unsupported_frame` errors in all (the server's answer to a pong)"
    );
    for socket in &bench.sockets {
        let errors = socket.errors.lock().unwrap();
        if !errors.is_empty() {
            eprintln!(
                "socket errors (room {}): {:?}",
                socket.room,
                &errors[..errors.len().min(3)]
            );
        }
        socket.task.abort();
    }
    bench.server.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let only = std::env::var("FANOUT_DB")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let rooms = env_or("FANOUT_ROOMS", 10usize);
    let secs = env_or("FANOUT_SECS", 10u64);
    println!("fan-out: {rooms} rooms × {MEMBERS} members (one socket each), {secs} s per run\n");
    println!("{HEADER}");
    for (name, kind) in [("SQLite", DbKind::Sqlite), ("PostgreSQL", DbKind::Postgres)] {
        if only.is_empty() || name.to_ascii_lowercase().starts_with(&only) {
            measure(name, kind, rooms, secs).await;
        }
    }
}
