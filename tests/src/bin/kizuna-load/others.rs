//! The runs that are not fan-out: idle sockets, catching up on a long log, and
//! PostgreSQL's own insert rate.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use diesel::{Connection, PgConnection, RunQueryDsl};
use futures_util::{stream, StreamExt, TryStreamExt};
use kizuna_tests::bench::status_field;
use kizuna_tests::{DbKind, TestDb};
use serde::Deserialize;

use crate::args::db_name;
use crate::measure::{account, heads_after, rss_mib, Usage};
use crate::posts::{fill, sample_post_len, Plan};
use crate::report::Row;
use crate::scenarios::{first_seqs, refusals};
use crate::setup::{raise_fd_limit, Cluster, World};
use crate::sockets::{follow, wait_for_heads, Follower, Shared, Target};

/// People holding the idle sockets (each holds many).
const IDLE_PEOPLE: usize = 20;
/// Descriptors kept free besides the sockets (database, log, HTTP, runtime).
const FD_SPARE: u64 = 1024;

/// How long after the last subscription the server's alert job has surely judged
/// their access records: its scan interval (the server's default, which kizuna-load
/// runs with), the time it lets records settle, and 10 s for the scan itself.
fn alert_scan_passed() -> Duration {
    let interval = kizuna_server::anomaly::config::AlertsConfig::default().scan_interval_secs;
    Duration::from_secs(interval + 10) + kizuna_server::anomaly::job::SETTLE
}

/// `sockets` idle authenticated sockets following one channel: memory per socket
/// and the server's CPU over an idle window of `idle_secs`.
pub async fn idle(db: DbKind, sockets: usize, idle_secs: u64) -> Result<Row> {
    let limit = raise_fd_limit(sockets as u64 + 4096);
    let fit = sockets.min(usize::try_from(limit.saturating_sub(FD_SPARE)).unwrap_or(usize::MAX));
    if fit < sockets {
        eprintln!("idle: the open-file limit is {limit} and cannot be raised; measuring {fit} sockets");
    }
    let cluster = Cluster::start(db, 1).await?;
    let world = World::build(&cluster.nodes[0], 1, IDLE_PEOPLE).await?;
    let pids = cluster.pids();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let base = rss_mib(&pids);
    let shared = Arc::new(Shared::default());
    let opening = Instant::now();
    let url = &cluster.nodes[0].server().url;
    let followers: Vec<Follower> = stream::iter(0..fit)
        .map(|i| {
            let target = Target {
                base: url,
                token: &world.people[i % IDLE_PEOPLE].token,
                group: &world.groups[0],
                room: 0,
                node: 0,
                after: 0,
                expected: 0,
            };
            follow(target, shared.clone())
        })
        .buffer_unordered(64)
        .try_collect()
        .await?;
    let opened = Instant::now();
    let open_secs = opened.duration_since(opening).as_secs_f64();
    // The server records each subscription (an access record) after the socket's
    // hello: wait until it has caught up (a 2 s window under 10 % of a core, at
    // most 5 minutes), then for allocations to settle and one heartbeat pass.
    let quiet_from = Instant::now();
    loop {
        let before = Usage::now(&pids);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (cpu, _) = before.since(&Usage::now(&pids));
        if cpu < 10.0 || quiet_from.elapsed() > Duration::from_secs(300) {
            break;
        }
    }
    let quiet_secs = quiet_from.elapsed().as_secs_f64();
    // The alert job judges those access records on its next scan (every 60 s, once
    // they are 10 s old): measured inside the window, that one-off pass made the
    // idle figure 7–11 % of a core. Wait it out, and at least 12 s.
    let scanned = opened + alert_scan_passed();
    tokio::time::sleep_until(scanned.max(Instant::now() + Duration::from_secs(12)).into()).await;
    let loaded = rss_mib(&pids);
    let from = opened.elapsed().as_secs_f64();
    let usage0 = Usage::now(&pids);
    let me0 = kizuna_tests::bench::cpu_secs(std::process::id());
    tokio::time::sleep(Duration::from_secs(idle_secs)).await;
    let usage1 = Usage::now(&pids);
    let me = (kizuna_tests::bench::cpu_secs(std::process::id()) - me0) / idle_secs as f64 * 100.0;
    let (server_cpu, pg_cpu) = usage0.since(&usage1);
    let closed = shared.closed.load(Ordering::Relaxed);
    let kib = (loaded - base) * 1024.0 / fit.max(1) as f64;
    let peak = status_field(pids[0], "VmHWM").unwrap_or(0) as f64 / 1024.0;
    let asked = if fit < sockets {
        format!(" (asked {sockets}; the fd limit {limit} fits {fit})")
    } else {
        String::new()
    };
    drop(followers);
    Ok(Row {
        run: format!("idle, {fit} sockets{asked}"),
        db: db_name(db).into(),
        // A closed socket is a lost one.
        faults: Some([closed, 0, 0]),
        socket_errors: shared.errors.load(Ordering::Relaxed),
        server_rss_mib: Some(loaded),
        server_cpu_pct: Some(server_cpu),
        postgres_cpu_pct: (db == DbKind::Postgres).then_some(pg_cpu),
        setup_secs: Some(world.setup_secs + open_secs),
        note: format!(
            "{kib:.1} KiB per socket (RSS {base:.1} → {loaded:.1} MiB, peak {peak:.1}); \
             CPU over {idle_secs} s idle, from {from:.0} s after the last socket opened (after the alert job's pass); \
             opened in {open_secs:.1} s, server busy {quiet_secs:.0} s more recording the subscriptions; {closed} closed by the server; \
             load generator {me:.1} % core"
        ),
        ..Row::default()
    })
}

#[derive(Deserialize)]
struct Seq {
    seq: i64,
}

/// A room with `posts` posts; one device reads them all, by WebSocket from seq 0
/// and by paging `GET /groups/{g}/messages`.
pub async fn catchup(db: DbKind, posts: usize) -> Result<Row> {
    let cluster = Cluster::start(db, 1).await?;
    let world = World::build(&cluster.nodes[0], 1, 20).await?;
    let setup_secs = world.setup_secs;
    let url = cluster.nodes[0].server().url.clone();
    let (token, group) = (world.people[0].token.clone(), world.groups[0].clone());
    let plan = Arc::new(Plan::new(&url, world, posts)?);
    let filling = Instant::now();
    let sent = fill(&plan, 16, posts).await;
    let fill_rate = sent.len() as f64 / filling.elapsed().as_secs_f64();
    let refused = refusals(&sent);
    let before = first_seqs(1, &sent);
    let heads = heads_after(&before, &sent)?;
    let pids = cluster.pids();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // By WebSocket, from the start of the log.
    let usage0 = Usage::now(&pids);
    let shared = Arc::new(Shared::default());
    let reading = Instant::now();
    let target = Target {
        base: &url,
        token: &token,
        group: &group,
        room: 0,
        node: 0,
        after: 0,
        expected: posts + 16,
    };
    let reader = follow(target, shared.clone()).await?;
    let drained = wait_for_heads(std::slice::from_ref(&reader), &heads, Duration::from_secs(600)).await;
    let ws_secs = reading.elapsed().as_secs_f64();
    // Latency is meaningless here (the posts were sent long before): faults only.
    let received = account([&reader], &before, &heads, &sent);
    // By HTTP pages.
    let http = reqwest::Client::new();
    let log = format!(
        "{url}/api/v1/groups/{}/messages",
        kizuna_tests::mls::urlencode(&group)
    );
    let paging = Instant::now();
    let (mut after, mut pages, mut entries) = (0i64, 0usize, 0usize);
    loop {
        let response = http
            .get(format!("{log}?after={after}&limit=500"))
            .bearer_auth(&token)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "page refused: {}",
            response.status()
        );
        let raw = response.bytes().await?;
        let page: Vec<Seq> = serde_json::from_slice(&raw)?;
        pages += 1;
        let Some(last) = page.last() else { break };
        for (i, entry) in page.iter().enumerate() {
            anyhow::ensure!(entry.seq == after + 1 + i as i64, "page after {after} has a gap");
        }
        entries += page.len();
        after = last.seq;
    }
    let page_secs = paging.elapsed().as_secs_f64();
    let usage1 = Usage::now(&pids);
    let (server_cpu, pg_cpu) = usage0.since(&usage1);
    let head = heads[0];
    let mut note = format!(
        "fill {fill_rate:.0} posts/s; WebSocket from seq 0: {head} entries in {ws_secs:.2} s; \
         GET pages of 500: {entries} entries in {pages} requests, {page_secs:.2} s"
    );
    if !drained {
        note.push_str("; the WebSocket did NOT catch up within 600 s");
    }
    if entries as i64 != head {
        bail!("paging read {entries} entries, the log holds {head}");
    }
    Ok(Row {
        run: format!("catch-up, {posts} posts"),
        db: db_name(db).into(),
        posts_per_s: Some(fill_rate),
        deliveries_per_s: Some(head as f64 / ws_secs),
        faults: Some([received.lost, received.duplicated, received.out_of_order]),
        refused,
        socket_errors: shared.errors.load(Ordering::Relaxed),
        server_rss_mib: Some(rss_mib(&pids)),
        server_cpu_pct: Some(server_cpu),
        postgres_cpu_pct: (db == DbKind::Postgres).then_some(pg_cpu),
        setup_secs: Some(setup_secs),
        note,
        ..Row::default()
    })
}

/// PostgreSQL's own durable single-row insert rate for rows shaped like log
/// entries (pgbench, 8 clients, `secs` seconds) in a throwaway database.
pub async fn pgbench(secs: u64) -> Result<Row> {
    let body = sample_post_len()?;
    let db = tokio::task::spawn_blocking(|| TestDb::new(DbKind::Postgres)).await??;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut conn = PgConnection::establish(&url)?;
        diesel::sql_query(
            "CREATE TABLE load_log (group_id TEXT NOT NULL, seq BIGINT NOT NULL, \
             kind SMALLINT NOT NULL, epoch SMALLINT NOT NULL, body BYTEA NOT NULL, \
             created_at BIGINT NOT NULL, stored_at BIGINT NOT NULL, PRIMARY KEY (group_id, seq))",
        )
        .execute(&mut conn)?;
        Ok(())
    })
    .await??;
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("insert.sql");
    let hex: String = (0..body)
        .map(|i| format!("{:02x}", (i * 37 + 11) % 256))
        .collect();
    std::fs::write(
        &script,
        format!(
            "\\set seq random(1, 9000000000000000000)\n\
             INSERT INTO load_log VALUES ('4f8e0c3a-1b2d-4c5e-8f70-9a1b2c3d4e5f/team-' || :client_id, :seq, 3, 0, \
             '\\x{hex}'::bytea, 1795633800000, 1795633800000);\n"
        ),
    )?;
    let usage0 = Usage::now(&[]);
    let output = tokio::process::Command::new("pgbench")
        .args(["-n", "-c", "8", "-j", "2", "-T", &secs.to_string(), "-f"])
        .arg(&script)
        .arg(&db.url)
        .output()
        .await
        .context("running pgbench (/usr/bin/pgbench)")?;
    let usage1 = Usage::now(&[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "pgbench failed: {}{}",
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let tps = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("tps = "))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .context("no `tps = ` in pgbench's output")?;
    let (_, pg_cpu) = usage0.since(&usage1);
    let synchronous = tokio::process::Command::new("psql")
        .args([&db.url, "-Atc", "SHOW synchronous_commit"])
        .output()
        .await
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    drop(db);
    Ok(Row {
        run: format!("pgbench, 8 clients, {secs} s, {body}-byte body"),
        db: "postgres".into(),
        posts_per_s: Some(tps),
        postgres_cpu_pct: Some(pg_cpu),
        note: format!("single-row INSERT per transaction, synchronous_commit={synchronous}"),
        ..Row::default()
    })
}
