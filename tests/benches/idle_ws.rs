//! Benchmark: idle WebSocket connections on one node, and the node's memory per
//! connection.
//!
//!     cargo build --release -p kizuna-server --bin kizuna-server
//!     cargo bench -p kizuna-tests --bench idle_ws
//!
//! (Rebuild the server binary first: the bench runs whatever is in target/release.)
//!
//! The real `kizuna-server` binary runs as a separate process (the test kit's
//! `ServerProcess`), so its resident memory (`VmRSS` in /proc/<pid>/status) holds
//! only the server's side of each connection. Each connection is authenticated,
//! receives its hello and follows its room's team channel, then stays idle (the
//! server pings and re-checks the session every 10 s; the client answers). RSS is
//! read after each step has settled; at the largest step the server's CPU time is
//! read over an idle window.
//!
//! Environment overrides: `IDLE_WS_STEPS` (`1000,2500,5000,10000`),
//! `IDLE_WS_DB` (`sqlite`, `postgres` or both), `IDLE_WS_IDLE_SECS` (30).
//! The process fd limit must allow the largest step (client and server are
//! separate processes, each needs one descriptor per connection).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failed run

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use kizuna_tests::accounts::Person;
use kizuna_tests::bench::{env_or, server_pid, status_field};
use kizuna_tests::mls::{group_id, TestDevice};
use kizuna_tests::process::ServerProcess;
use kizuna_tests::{DbKind, TestDb, TestServer};
use serde_json::json;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// People holding the connections (each may hold many: the per-person limit is
/// raised for the benchmark).
const PEOPLE: usize = 10;
/// Connections opened at once.
const OPENING: usize = 32;

/// utime + stime of a process, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0; // gone
    };
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0 // USER_HZ
}

/// CPU seconds of every `postgres` process (the database server).
fn postgres_cpu_secs() -> f64 {
    let mut secs = 0.0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if stat.contains(" (postgres) ") {
            secs += cpu_secs(pid);
        }
    }
    secs
}

fn threads(pid: u32) -> u64 {
    status_field(pid, "Threads").unwrap()
}

/// One idle connection, read by a task of its own (so that pings are answered).
struct Idle {
    task: JoinHandle<()>,
}

/// What the idle clients saw.
#[derive(Default)]
struct Seen {
    closed: AtomicUsize,
    /// `{"type":"error","code":"unsupported_frame"}`: what servers before the pong
    /// fix answered to the pong a client sends back for their ping (should be none).
    unsupported_frame: AtomicUsize,
    /// Any other text frame (there should be none).
    other: AtomicUsize,
}

async fn open(url: &str, token: &str, group: &str, seen: Arc<Seen>) -> Idle {
    let ws = format!("{}/api/v1/ws", url.replace("http://", "ws://"));
    let mut request =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws).unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let hello = socket.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("hello"), "{hello:?}");
    socket
        .send(Message::text(
            json!({ "type": "subscribe", "group_id": group, "after": 0 }).to_string(),
        ))
        .await
        .unwrap();
    let task = tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                if text.contains("unsupported_frame") {
                    seen.unsupported_frame.fetch_add(1, Ordering::Relaxed);
                } else {
                    eprintln!("an idle connection got {text}");
                    seen.other.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        seen.closed.fetch_add(1, Ordering::Relaxed);
    });
    Idle { task }
}

/// People in one room, and its team channel's group.
async fn room(server: &TestServer, bootstrap_link: &str) -> (Vec<Person>, String) {
    let admin = server.register(bootstrap_link, "admin").await.unwrap();
    let clinic = server
        .organisation(&admin, "Clinic", "clinic", None)
        .await
        .unwrap();
    let doctor = server
        .staff(&admin, &clinic, "dr.tanaka", "doctor")
        .await
        .unwrap();
    let (status, created) = server
        .post(
            &format!("/api/v1/organisations/{clinic}/rooms"),
            Some(&doctor.token),
            json!({}),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{created}");
    let room = created["id"].as_str().unwrap().to_owned();
    let device = TestDevice::register(server, &doctor, 1, 0).await.unwrap();
    let (_, (status, answer)) = device.create_group(server, &doctor, &room, "team").await.unwrap();
    assert_eq!(status, 200, "{answer}");
    let mut people = vec![doctor];
    for i in 1..PEOPLE {
        let name = format!("pro.{i:02}");
        let (status, issued) = server
            .post(
                &format!("/api/v1/rooms/{room}/invitations"),
                Some(&people[0].token),
                json!({ "role": "professional" }),
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{issued}");
        people.push(
            server
                .register(issued["link"].as_str().unwrap(), &name)
                .await
                .unwrap(),
        );
    }
    (people, group_id(&room, "team"))
}

async fn measure(database: &str, kind: DbKind, steps: &[usize], known: &mut Vec<u32>) {
    let db = match kind {
        DbKind::Sqlite => None,
        DbKind::Postgres => Some(TestDb::new(kind).unwrap()),
    };
    let process = ServerProcess::start(db.as_ref().map(|d| d.url.as_str()))
        .await
        .unwrap();
    let pid = server_pid(known).unwrap();
    known.push(pid);
    let server = &process.server;
    let (people, group) = room(server, process.bootstrap_link.as_deref().unwrap()).await;
    let tokens: Vec<String> = people.iter().map(|p| p.token.clone()).collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let base = status_field(pid, "VmRSS").unwrap();
    let base_threads = threads(pid);
    println!(
        "| {database} | 0 | {:.1} | – | – | {base_threads} |",
        base as f64 / 1024.0
    );
    let seen = Arc::new(Seen::default());
    let mut idle: Vec<Idle> = Vec::new();
    let (mut previous_n, mut previous_rss) = (0usize, base);
    for &target in steps {
        let started = Instant::now();
        let opened: Vec<Idle> = futures_util::stream::iter(idle.len()..target)
            .map(|i| {
                let (url, token, group, seen) = (
                    server.url.clone(),
                    tokens[i % PEOPLE].clone(),
                    group.clone(),
                    seen.clone(),
                );
                async move { open(&url, &token, &group, seen).await }
            })
            .buffer_unordered(OPENING)
            .collect()
            .await;
        let took = started.elapsed();
        idle.extend(opened);
        // Let the server's allocations settle (and one heartbeat pass over them).
        tokio::time::sleep(Duration::from_secs(12)).await;
        let rss = status_field(pid, "VmRSS").unwrap();
        let per = (rss - base) as f64 * 1024.0 / target as f64;
        let marginal = (rss as f64 - previous_rss as f64) * 1024.0 / (target - previous_n) as f64;
        println!(
            "| {database} | {target} | {:.1} | {:.1} | {:.1} | {} |",
            rss as f64 / 1024.0,
            per / 1024.0,
            marginal / 1024.0,
            threads(pid)
        );
        eprintln!(
            "{database}: {} connections opened in {:.1} s ({:.0}/s)",
            target - previous_n,
            took.as_secs_f64(),
            (target - previous_n) as f64 / took.as_secs_f64()
        );
        (previous_n, previous_rss) = (target, rss);
    }
    let idle_secs = env_or("IDLE_WS_IDLE_SECS", 30u64);
    let (cpu0, mine0, pg0) = (cpu_secs(pid), cpu_secs(std::process::id()), postgres_cpu_secs());
    let errors0 = seen.unsupported_frame.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(idle_secs)).await;
    let (cpu1, mine1, pg1) = (cpu_secs(pid), cpu_secs(std::process::id()), postgres_cpu_secs());
    let errors = seen.unsupported_frame.load(Ordering::Relaxed) - errors0;
    let still_open = idle.len() - seen.closed.load(Ordering::Relaxed);
    let postgres = match kind {
        DbKind::Postgres => format!(" and PostgreSQL {:.3}", (pg1 - pg0).max(0.0) / idle_secs as f64),
        DbKind::Sqlite => String::new(),
    };
    println!(
        "\n{database}: with {} idle connections the server used {:.3} cores{postgres} over \
         {idle_secs} s (heartbeats: a ping and a session check per connection every 10 s); \
         the client used {:.3}. {still_open} of {} still open. Peak RSS (VmHWM) {:.1} MiB. \
         In that window the clients received {errors} `unsupported_frame` errors and {} \
         other frames.\n",
        idle.len(),
        (cpu1 - cpu0) / idle_secs as f64,
        (mine1 - mine0) / idle_secs as f64,
        idle.len(),
        status_field(pid, "VmHWM").unwrap() as f64 / 1024.0,
        seen.other.load(Ordering::Relaxed),
    );
    assert_eq!(still_open, idle.len(), "the server closed idle connections");
    for connection in idle {
        connection.task.abort();
    }
    drop(process);
}

fn main() {
    let steps: Vec<usize> = std::env::var("IDLE_WS_STEPS")
        .unwrap_or_else(|_| "1000,2500,5000,10000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    // The server process inherits this: one person may hold many connections here.
    std::env::set_var("KIZUNA_MAX_CONNECTIONS_PER_USER", "1000000");
    let only = std::env::var("IDLE_WS_DB")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("| database | connections | server RSS MiB | KiB per connection (vs none) | KiB per connection (this step) | server threads |");
        println!("| --- | --- | --- | --- | --- | --- |");
        let mut known = Vec::new();
        for (name, kind) in [("SQLite", DbKind::Sqlite), ("PostgreSQL", DbKind::Postgres)] {
            if only.is_empty() || name.to_ascii_lowercase().starts_with(&only) {
                measure(name, kind, &steps, &mut known).await;
            }
        }
    });
}
