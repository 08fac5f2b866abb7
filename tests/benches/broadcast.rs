//! Benchmark: one regional broadcast to many connected WebSockets, on one node or
//! on two nodes sharing one PostgreSQL database.
//!
//!     cargo build --release -p kizuna-server --bin kizuna-server
//!     ulimit -n 100000 && cargo bench -p kizuna-tests --bench broadcast
//!     BROADCAST_NODES=2 BROADCAST_SOCKETS=19000 cargo bench -p kizuna-tests --bench broadcast
//!
//! (Rebuild the server binary first: the bench runs whatever is in target/release.)
//!
//! The real `kizuna-server` runs as a separate process. An association has one
//! broadcast officer (roster version 1 published) and a clinic under it whose
//! `BROADCAST_PEOPLE` nurses hold `BROADCAST_SOCKETS` authenticated sockets between
//! them (the per-person limit is raised for the benchmark). The officer sends one
//! signed notice; each socket's task notes when the `{"type":"broadcast"}` notice
//! arrives. Latency: from just before the POST to each socket's receipt, so it
//! includes the POST itself and this process's own scheduling of every socket (both
//! on the same 2 cores as the server). Also printed: the server's RSS per socket, and
//! the officer's totals right after sending (recipients, and nobody delivered yet: the
//! notice is one stored row, receipts are made only when someone fetches it).
//!
//! With `BROADCAST_NODES=2`, two `kizuna-server` processes share one PostgreSQL
//! database (as in a multi-node deployment), the sockets alternate between them and
//! the officer's POST goes to node A: the sockets on node B hear of the notice only
//! through PostgreSQL `NOTIFY`. One row per node, each with its own latencies (still
//! from just before the POST to node A) and its own RSS per socket.
//!
//! Each socket's first arrival is its latency; a second copy on the same socket is
//! counted, not timed, and the copies per node are printed under the table.
//!
//! Environment: `BROADCAST_SOCKETS` (20000, over all nodes), `BROADCAST_PEOPLE` (20),
//! `BROADCAST_DB` (`sqlite` or `postgres`; both when unset; ignored with two nodes),
//! `BROADCAST_NODES` (1 or 2; 2 runs on PostgreSQL only), `KIZUNA_TEST_PG_URL` (the
//! PostgreSQL server the bench creates its database on).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failed run

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use kizuna_crypto::broadcast::{sign, sign_roster_change, Broadcast, Officer, RosterChange};
use kizuna_crypto::DeviceSigningKey;
use kizuna_proto::{BroadcastId, OrganisationId, Severity, Timestamp};
use kizuna_tests::accounts::Person;
use kizuna_tests::bench::{env_or, server_pid, status_field};
use kizuna_tests::officer::Signer;
use kizuna_tests::process::ServerProcess;
use kizuna_tests::ws::connect_after_hello;
use kizuna_tests::{DbKind, TestDb, TestServer};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// One socket's reading task (aborted at the end).
struct Reader(tokio::task::JoinHandle<()>);

/// Sockets opened at once.
const OPENING: usize = 64;

fn now() -> Timestamp {
    Timestamp(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64)
}

/// The association, its officer (with the device key that signs) and the nurses.
struct Region {
    association: String,
    officer: Person,
    signer: Officer,
    key: DeviceSigningKey,
    nurses: Vec<Person>,
}

async fn region(server: &TestServer, bootstrap_link: &str, people: usize) -> Region {
    let admin = server.register(bootstrap_link, "admin").await.unwrap();
    let association = server
        .organisation(&admin, "みなみ県医師会", "association", None)
        .await
        .unwrap();
    let clinic = server
        .organisation(&admin, "みなみ診療所", "clinic", Some(&association))
        .await
        .unwrap();
    let officer = server
        .staff(&admin, &association, "bo.suzuki", "broadcast_officer")
        .await
        .unwrap();
    let Signer {
        person: officer,
        officer: signer,
        key,
    } = kizuna_tests::officer::signer(server, officer, 7).await.unwrap();
    let roster = RosterChange {
        organisation: association.parse::<OrganisationId>().unwrap(),
        version: 1,
        previous: None,
        issued_at: now(),
        signed_by: signer,
        officers: vec![signer],
    };
    let roster = sign_roster_change(&roster, &key).unwrap();
    let path = format!("/api/v1/organisations/{association}/roster");
    let (status, answer) = server
        .post(
            &path,
            Some(&officer.token),
            serde_json::to_value(&roster).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(status, 204, "{answer}");
    let mut nurses = Vec::with_capacity(people);
    for i in 0..people {
        let login = format!("nurse.{i:02}");
        nurses.push(server.staff(&admin, &clinic, &login, "nurse").await.unwrap());
    }
    Region {
        association,
        officer,
        signer,
        key,
        nurses,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// One running node: its process, its pid and its RSS before any socket.
struct Node {
    process: ServerProcess,
    pid: u32,
    base_rss: u64,
}

async fn start_node(database_url: Option<&str>, known: &mut Vec<u32>) -> Node {
    let process = ServerProcess::start(database_url).await.unwrap();
    let pid = server_pid(known).unwrap();
    known.push(pid);
    Node {
        process,
        pid,
        base_rss: 0,
    }
}

/// Sends one signed 緊急 notice through `server` as the region's officer: the answer
/// and the instant just before the POST.
async fn send_notice(server: &TestServer, region: &Region) -> (serde_json::Value, Instant, f64) {
    let issued_at = now();
    let notice = Broadcast {
        id: BroadcastId::from_uuid(uuid::Uuid::new_v4()),
        organisation: region.association.parse().unwrap(),
        signed_by: region.signer,
        severity: Severity::Emergency,
        title: "避難指示：みなみ川流域".into(),
        area: "みなみ市 みなみ川 流域".into(),
        body: "利用者の避難状況を確認し、安否を報告してください。".into(),
        issued_at,
        expires_at: Timestamp(issued_at.0 + 12 * 3_600_000),
        attachment: None,
        safety_check: false,
        include_families: false,
    };
    let signed = sign(&notice, &region.key).unwrap();
    let path = format!("/api/v1/organisations/{}/broadcasts", region.association);
    let sent = Instant::now();
    let (status, answer) = server
        .post(
            &path,
            Some(&region.officer.token),
            serde_json::to_value(&signed).unwrap(),
        )
        .await
        .unwrap();
    let post_ms = sent.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(status, 201, "{answer}");
    (answer, sent, post_ms)
}

/// Runs one measurement: `nodes` processes on one database (two only on
/// PostgreSQL), `sockets` spread over them in turn, the notice sent through the first.
async fn measure(
    database: &str,
    kind: DbKind,
    nodes: usize,
    sockets: usize,
    people: usize,
    known: &mut Vec<u32>,
) {
    let db = match kind {
        DbKind::Sqlite => None,
        DbKind::Postgres => Some(TestDb::new(kind).unwrap()),
    };
    let url = db.as_ref().map(|d| d.url.as_str());
    let mut running = vec![start_node(url, known).await];
    let first = &running[0].process;
    let region = region(&first.server, first.bootstrap_link.as_deref().unwrap(), people).await;
    for _ in 1..nodes {
        running.push(start_node(url, known).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for node in &mut running {
        node.base_rss = status_field(node.pid, "VmRSS").unwrap();
    }

    // Which socket heard the notice, and when.
    let (arrived, mut arrivals) = mpsc::unbounded_channel::<(usize, Instant)>();
    let urls: Vec<String> = running.iter().map(|n| n.process.server.url.clone()).collect();
    let opening = Instant::now();
    let readers: Vec<_> = futures_util::stream::iter(0..sockets)
        .map(|i| {
            let node = i % urls.len();
            let (url, token, arrived) = (
                urls[node].clone(),
                // Each nurse holds sockets on every node.
                region.nurses[(i / urls.len()) % people].token.clone(),
                arrived.clone(),
            );
            async move {
                let mut socket = connect_after_hello(&url, &token).await.unwrap();
                Reader(tokio::spawn(async move {
                    while let Some(Ok(message)) = socket.next().await {
                        if let Message::Text(text) = message {
                            if text.contains("\"broadcast\"") {
                                let _ = arrived.send((i, Instant::now()));
                            }
                        }
                    }
                }))
            }
        })
        .buffer_unordered(OPENING)
        .collect()
        .await;
    let opened_in = opening.elapsed();
    tokio::time::sleep(Duration::from_secs(12)).await;
    let rss: Vec<u64> = running
        .iter()
        .map(|n| status_field(n.pid, "VmRSS").unwrap())
        .collect();

    let server = &running[0].process.server;
    let (answer, sent, post_ms) = send_notice(server, &region).await;
    // The first arrival on each socket counts; a second one on the same socket would
    // be a duplicate delivery, counted and reported.
    let mut first: Vec<Option<Instant>> = vec![None; sockets];
    let mut received = 0;
    // Second copies, per node.
    let mut duplicates = vec![0usize; running.len()];
    let mut deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut settled = false;
    loop {
        match tokio::time::timeout_at(deadline, arrivals.recv()).await {
            Ok(Some((socket, at))) => {
                if first[socket].is_some() {
                    duplicates[socket % running.len()] += 1;
                } else {
                    first[socket] = Some(at);
                    received += 1;
                }
            }
            _ => break,
        }
        if received == sockets && !settled {
            // Everyone has it: listen two more seconds for copies.
            settled = true;
            deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        }
    }
    let mut latencies = vec![Vec::with_capacity(sockets); running.len()];
    for (socket, at) in first.iter().enumerate() {
        if let Some(at) = at {
            latencies[socket % running.len()].push(at.duration_since(sent).as_secs_f64() * 1000.0);
        }
    }
    let id = answer["id"].as_str().unwrap();
    let (status, totals) = server
        .get(
            &format!(
                "/api/v1/organisations/{}/broadcasts/{id}/receipts",
                region.association
            ),
            Some(&region.officer.token),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{totals}");
    for (index, node) in running.iter().enumerate() {
        let on_node = sockets / running.len() + usize::from(index < sockets % running.len());
        let latencies = &mut latencies[index];
        latencies.sort_by(f64::total_cmp);
        let name = match (running.len(), index) {
            (1, _) => database.to_owned(),
            (_, 0) => format!("{database}, node A (POST here)"),
            (_, n) => format!("{database}, node {}", char::from(b'A' + n as u8)),
        };
        println!(
            "| {name} | {on_node} | {} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {} |",
            latencies.len(),
            post_ms,
            percentile(latencies, 0.5),
            percentile(latencies, 0.99),
            latencies.last().copied().unwrap_or(f64::NAN),
            opened_in.as_secs_f64(),
            (rss[index].saturating_sub(node.base_rss)) as f64 / on_node as f64,
            if index == 0 {
                totals.to_string()
            } else {
                "(same)".into()
            },
        );
    }
    if running.len() > 1 {
        let mut all: Vec<f64> = latencies.concat();
        all.sort_by(f64::total_cmp);
        println!(
            "| {database}, all nodes | {sockets} | {} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | | |",
            all.len(),
            post_ms,
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            all.last().copied().unwrap_or(f64::NAN),
            opened_in.as_secs_f64(),
        );
    }
    if duplicates.iter().any(|d| *d > 0) {
        println!("(second copies of the notice on sockets that already had it, per node: {duplicates:?})");
    }
    for reader in readers {
        reader.0.abort();
    }
    drop(running);
}

fn main() {
    let sockets = env_or("BROADCAST_SOCKETS", 20_000usize);
    let people = env_or("BROADCAST_PEOPLE", 20usize);
    let nodes = env_or("BROADCAST_NODES", 1usize);
    assert!(
        (1..=2).contains(&nodes),
        "BROADCAST_NODES is 1 or 2 (two nodes share one PostgreSQL database)"
    );
    // The server process inherits this: one person may hold many connections here.
    std::env::set_var("KIZUNA_MAX_CONNECTIONS_PER_USER", "1000000");
    let only = std::env::var("BROADCAST_DB")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!("| database | sockets | received | POST ms | p50 ms | p99 ms | max ms | opening s | server KiB per socket | officer's totals right after |");
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        let mut known = Vec::new();
        if nodes == 2 {
            // Live delivery crosses nodes by PostgreSQL LISTEN/NOTIFY: SQLite has no
            // second node.
            measure("PostgreSQL", DbKind::Postgres, 2, sockets, people, &mut known).await;
            return;
        }
        for (name, kind) in [("SQLite", DbKind::Sqlite), ("PostgreSQL", DbKind::Postgres)] {
            if only.is_empty() || name.to_ascii_lowercase().starts_with(&only) {
                measure(name, kind, 1, sockets, people, &mut known).await;
            }
        }
    });
}
