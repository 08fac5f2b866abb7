//! Faults an operator meets: the database's disk fills up, the blob store or the
//! database stops answering. The server refuses clearly and quickly, says which part
//! is failing without saying how to anyone who asks, and recovers by itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use kizuna_client::{Channel, ClientError};
use kizuna_crypto::{ContentType, PostEnvelope};
use kizuna_proto::Redacted;
use kizuna_tests::care::Team;
use kizuna_tests::{BlobKind, DbKind, TestServer};
use serde_json::{json, Value};

fn note(text: &str) -> PostEnvelope {
    PostEnvelope::new(ContentType::Note, text)
}

async fn health(server: &TestServer) -> Result<(u16, Value, Duration)> {
    let started = Instant::now();
    let response = server.http.get(server.at("/healthz")).send().await?;
    let status = response.status().as_u16();
    let body: Value = response.json().await?;
    Ok((status, body, started.elapsed()))
}

fn assert_storage_full(outcome: Result<i64, ClientError>, what: &str) {
    match outcome {
        Err(ClientError::Server {
            status,
            code,
            message,
            message_ja,
            ..
        }) => {
            assert_eq!(
                (status, code.as_str()),
                (507, "storage_full"),
                "{what}: {message}"
            );
            assert!(
                message.contains("administrator") && !message_ja.is_empty(),
                "{what}: {message}"
            );
        }
        other => panic!("{what}: expected 507 storage_full, got {other:?}"),
    }
}

/// Fills the file system at `dir` to the last byte.
fn fill(dir: &std::path::Path) -> Result<std::path::PathBuf> {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path)?;
    let block = vec![0x5a; 4096];
    loop {
        match file.write_all(&block) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => return Err(e.into()),
        }
    }
    // Byte by byte into the last partial block.
    while file.write_all(&[0x5a]).is_ok() {}
    Ok(path)
}

/// The SQLite database on a small tmpfs (root, as ./ops/test.sh runs): when the disk
/// fills, a post and a read marker answer 507 storage_full with what to do,
/// /healthz says the database is not writable; once space is freed, writes work
/// again and every acknowledged post is still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_database_disk_refuses_writes_with_507_and_recovers() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mount = dir.path().join("tiny");
    std::fs::create_dir(&mount)?;
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=24m", "tmpfs"])
        .arg(&mount)
        .status()?;
    ensure!(
        status.success(),
        "cannot mount a tmpfs to fill (run as root, as ./ops/test.sh does)"
    );
    let url = format!("sqlite://{}", mount.join("kizuna.db").display());
    let outcome = async {
        let mut team = Team::start(DbKind::Sqlite, BlobKind::Local, |c| {
            c.database_url = Some(Redacted::new(url.clone()));
        })
        .await?;
        let (room, team_channel) = (team.room, Channel::Team);
        let first = team
            .doctor
            .post(room, team_channel, &note("before the disk filled"))
            .await?;
        let (status, body, _) = health(&team.server).await?;
        assert_eq!((status, &body["database"]), (200, &json!("ok")), "{body}");

        let filler = fill(&mount)?;
        assert_storage_full(
            team.doctor
                .post(room, team_channel, &note("while the disk is full"))
                .await,
            "a post",
        );
        assert_storage_full(
            team.nurse.mark_read(room, team_channel, first).await,
            "a read marker",
        );
        let (status, body, _) = health(&team.server).await?;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["status"], "degraded", "{body}");
        assert_eq!(body["database"], "not_writable", "{body}");

        std::fs::remove_file(&filler)?;
        let (status, body, _) = health(&team.server).await?;
        assert_eq!((status, &body["database"]), (200, &json!("ok")), "{body}");
        let second = team
            .doctor
            .post(room, team_channel, &note("after space was freed"))
            .await?;
        assert_eq!(team.nurse.mark_read(room, team_channel, first).await?, first);
        team.nurse.sync().await?;
        let seqs: Vec<i64> = team
            .nurse
            .read(room, team_channel)
            .iter()
            .map(|p| p.seq)
            .collect();
        assert!(
            seqs.contains(&first) && seqs.contains(&second),
            "acknowledged posts lost: {seqs:?} (expected {first} and {second})"
        );
        anyhow::Ok(())
    }
    .await;
    let _ = Command::new("umount").arg("-l").arg(&mount).status();
    outcome
}

/// The blob store's endpoint does not answer: anyone calling /healthz learns that
/// the blob store is down, within a second, and nothing about the endpoint, the
/// bucket or the error; the details are in /metrics and the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_health_names_the_failing_part_and_nothing_more() -> Result<()> {
    let server = TestServer::start_with(DbKind::Sqlite, BlobKind::Local, |c| {
        c.blob_url = Some("s3://kizuna-secret-bucket".into());
        c.s3_endpoint = Some("http://127.0.0.1:9".into());
        c.s3_access_key_id = Some("AKIDSECRETID".into());
        c.s3_secret_access_key = Some(Redacted::new("s3cret".into()));
        c.s3_allow_http = true;
    })
    .await?;
    let (status, body, elapsed) = health(&server).await?;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body,
        json!({ "status": "degraded", "database": "ok", "blobs": "down" })
    );
    assert!(elapsed < Duration::from_millis(1500), "took {elapsed:?}");
    let text = body.to_string();
    for secret in [
        "127.0.0.1",
        ":9",
        "kizuna-secret-bucket",
        "AKID",
        "s3",
        "error",
        "retr",
    ] {
        assert!(!text.contains(secret), "{secret:?} in {text}");
    }
    let metrics = server
        .http
        .get(server.at("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    for line in [
        r#"kizuna_health_check_ok{check="blobs"} 0"#,
        r#"kizuna_health_check_ok{check="database_read"} 1"#,
        r#"kizuna_health_check_ok{check="database_write"} 1"#,
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "missing {line:?} in\n{metrics}"
        );
    }
    Ok(())
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore (the shared
/// PostgreSQL itself must keep running).
struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Proxy {
    async fn start(target: String) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let cut = Arc::new(AtomicBool::new(false));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(generation);
        let (cut_flag, cuts) = (cut.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if cut_flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let mut cut_seen = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                        _ = cut_seen.changed() => {}
                    }
                });
            }
        });
        Ok(Self {
            port,
            cut,
            generation,
        })
    }

    /// Drops every connection and refuses new ones.
    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// PostgreSQL unreachable: a request answers 503 within about the acquire timeout
/// (3 s by default, not 10), /healthz within a second saying the database is down,
/// and once it is back requests work again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_answered_quickly_and_survived() -> Result<()> {
    let admin_url = kizuna_tests::postgres_admin_url();
    let host_port = admin_url
        .split_once('@')
        .map_or(admin_url.as_str(), |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or("127.0.0.1:5432")
        .to_owned();
    let proxy = Proxy::start(host_port.clone()).await?;
    let proxied = format!("127.0.0.1:{}", proxy.port);
    let server = TestServer::start_with(DbKind::Postgres, BlobKind::Local, |c| {
        let url = c
            .database_url
            .as_ref()
            .unwrap()
            .expose()
            .replacen(&host_port, &proxied, 1);
        c.database_url = Some(Redacted::new(url));
    })
    .await?;
    let admin = server.bootstrap_admin().await?;
    assert_eq!(server.get("/api/v1/me", Some(&admin.token)).await?.0, 200);

    proxy.cut();
    let started = Instant::now();
    let (status, body) = server.get("/api/v1/me", Some(&admin.token)).await?;
    let waited = started.elapsed();
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &json!("unavailable")),
        "{body}"
    );
    assert!(
        waited < Duration::from_millis(4500),
        "a request waited {waited:?} for the database (acquire timeout 3 s)"
    );
    let (status, body, elapsed) = health(&server).await?;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "down", "{body}");
    assert!(elapsed < Duration::from_millis(1200), "/healthz took {elapsed:?}");

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (status, _) = server.get("/api/v1/me", Some(&admin.token)).await?;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {status} after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, body, _) = health(&server).await?;
    assert_eq!((status, &body["database"]), (200, &json!("ok")), "{body}");
    Ok(())
}
