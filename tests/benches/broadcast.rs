//! Benchmark: one regional broadcast to many connected WebSockets on one node.
//!
//!     cargo build --release -p kizuna-server --bin kizuna-server
//!     ulimit -n 100000 && cargo bench -p kizuna-tests --bench broadcast
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
//! Environment: `BROADCAST_SOCKETS` (20000), `BROADCAST_PEOPLE` (20),
//! `BROADCAST_DB` (`sqlite` or `postgres`; both when unset).

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
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn measure(database: &str, kind: DbKind, sockets: usize, people: usize, known: &mut Vec<u32>) {
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
    let region = region(server, process.bootstrap_link.as_deref().unwrap(), people).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let base_rss = status_field(pid, "VmRSS").unwrap();

    let (arrived, mut arrivals) = mpsc::unbounded_channel::<Instant>();
    let opening = Instant::now();
    let readers: Vec<_> = futures_util::stream::iter(0..sockets)
        .map(|i| {
            let (url, token, arrived) = (
                server.url.clone(),
                region.nurses[i % people].token.clone(),
                arrived.clone(),
            );
            async move {
                let mut socket = connect_after_hello(&url, &token).await.unwrap();
                Reader(tokio::spawn(async move {
                    while let Some(Ok(message)) = socket.next().await {
                        if let Message::Text(text) = message {
                            if text.contains("\"broadcast\"") {
                                let _ = arrived.send(Instant::now());
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
    let rss = status_field(pid, "VmRSS").unwrap();

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
    let mut latencies = Vec::with_capacity(sockets);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while latencies.len() < sockets {
        match tokio::time::timeout_at(deadline, arrivals.recv()).await {
            Ok(Some(at)) => latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0),
            _ => break,
        }
    }
    latencies.sort_by(f64::total_cmp);
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
    println!(
        "| {database} | {sockets} | {} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {} |",
        latencies.len(),
        post_ms,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
        opened_in.as_secs_f64(),
        (rss.saturating_sub(base_rss)) as f64 / sockets as f64,
        totals,
    );
    for reader in readers {
        reader.0.abort();
    }
    drop(process);
}

fn main() {
    let sockets = env_or("BROADCAST_SOCKETS", 20_000usize);
    let people = env_or("BROADCAST_PEOPLE", 20usize);
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
        for (name, kind) in [("SQLite", DbKind::Sqlite), ("PostgreSQL", DbKind::Postgres)] {
            if only.is_empty() || name.to_ascii_lowercase().starts_with(&only) {
                measure(name, kind, sockets, people, &mut known).await;
            }
        }
    });
}
