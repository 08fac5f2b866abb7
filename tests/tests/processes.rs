//! The real `kizuna-server` binary, as operators run it: two processes sharing one
//! PostgreSQL database fan out to each other's clients; and whatever a care team
//! posts, the server's database, files and logs never hold it in clear.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::{Duration, Instant};

use anyhow::Result;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use kizuna_crypto::{open, EraId, EraKey, Expected, Incoming, SealedPost};
use kizuna_proto::{Channel, RoomId};
use kizuna_tests::accounts::Person;
use kizuna_tests::mls::{claim, group_id, send_commit, urlencode, TestDevice};
use kizuna_tests::process::ServerProcess;
use kizuna_tests::scan::{assert_server_kept_none, needles};
use kizuna_tests::{DbKind, TestDb, TestServer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next frame, as JSON, within five seconds.
async fn next(socket: &mut Socket) -> Result<Value> {
    let message: Message = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await?
        .unwrap()?;
    Ok(serde_json::from_str::<Value>(message.to_text()?)?)
}

struct Team {
    doctor: Person,
    nurse: Person,
    room: String,
}

async fn team(server: &TestServer, bootstrap_link: &str) -> Result<Team> {
    let admin = server.register(bootstrap_link, "admin").await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let doctor = server.staff(&admin, &clinic, "dr.tanaka", "doctor").await?;
    let (_, created) = server
        .post(
            &format!("/api/v1/organisations/{clinic}/rooms"),
            Some(&doctor.token),
            json!({}),
        )
        .await?;
    let room = created["id"].as_str().unwrap().to_owned();
    let (_, issued) = server
        .post(
            &format!("/api/v1/rooms/{room}/invitations"),
            Some(&doctor.token),
            json!({ "role": "professional" }),
        )
        .await?;
    let nurse = server
        .register(issued["link"].as_str().unwrap(), "nurse.sato")
        .await?;
    Ok(Team { doctor, nurse, room })
}

fn message(kind: &str, device: &TestDevice, epoch: i64, body: &[u8]) -> Value {
    json!({ "kind": kind, "sender_device": device.id, "epoch": epoch, "body": STANDARD.encode(body) })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgresql_reach_each_others_clients() -> Result<()> {
    let db = TestDb::new(DbKind::Postgres)?;
    let mut a = ServerProcess::start(Some(&db.url)).await?;
    let mut b = ServerProcess::start(Some(&db.url)).await?;
    assert!(
        b.bootstrap_link.is_none(),
        "the second node issues no second bootstrap link"
    );
    let Team { doctor, nurse, room } = team(&a.server, a.bootstrap_link.as_deref().unwrap()).await?;
    let dd = TestDevice::register(&a.server, &doctor, 1, 0).await?;
    let (_, (status, _)) = dd.create_group(&a.server, &doctor, &room, "team").await?;
    assert_eq!(status, 200);
    let team_id = group_id(&room, "team");

    let url = format!("{}/api/v1/ws", b.server.url.replace("http://", "ws://"));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(url)?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {}", nurse.token).parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    assert_eq!(next(&mut socket).await?["type"], "hello");
    socket
        .send(Message::text(
            json!({ "type": "subscribe", "group_id": team_id, "after": 0 }).to_string(),
        ))
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let era = EraKey::generate(&mut kizuna_crypto::testing::TestRandom::new(5));
    let log = format!("/api/v1/groups/{}/messages", urlencode(&team_id));
    for n in 1..=5 {
        let post = dd.post(&room, Channel::Team, &era, &format!("via process A {n}"), n)?;
        let (status, body) = a
            .server
            .post(&log, Some(&doctor.token), message("post", &dd, 0, &post))
            .await?;
        assert_eq!(status, 200, "{body}");
    }
    for expected in 1..=5 {
        let entry = next(&mut socket).await?;
        assert_eq!(entry["seq"].as_i64(), Some(expected), "{entry}");
    }

    // She signs out through A: B hears nothing of it directly, but its heartbeat
    // (every 10 s) finds the session ended and closes her socket there too.
    let (status, body) = a
        .server
        .post("/api/v1/auth/sign-out", Some(&nurse.token), json!({}))
        .await?;
    assert_eq!(status, 204, "{body}");
    let started = std::time::Instant::now();
    assert_eq!(
        close_code(socket, Duration::from_secs(15)).await,
        Some(4401),
        "her socket on the other node closes within a heartbeat"
    );
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    a.kill().await?;
    b.kill().await?;
    Ok(())
}

async fn the_server_never_holds_a_post_in_clear(kind: DbKind) -> Result<()> {
    let db = match kind {
        DbKind::Postgres => Some(TestDb::new(kind)?),
        DbKind::Sqlite => None,
    };
    let mut process = ServerProcess::start(db.as_ref().map(|d| d.url.as_str())).await?;
    let server = &process.server;
    let Team { doctor, nurse, room } = team(server, process.bootstrap_link.as_deref().unwrap()).await?;
    let dd = TestDevice::register(server, &doctor, 1, 0).await?;
    let nd = TestDevice::register(server, &nurse, 2, 2).await?;
    let (mut team, _) = dd.create_group(server, &doctor, &room, "team").await?;
    let team_id = group_id(&room, "team");
    let out = team.add_devices(&claim(server, &doctor, &nurse).await?)?;
    let (status, _) = send_commit(
        server,
        &doctor,
        dd.id,
        &team_id,
        &out.commit,
        out.welcome.as_deref(),
    )
    .await?;
    assert_eq!(status, 200);
    team.merge_pending_commit()?;

    // The era key travels inside MLS; the post is sealed under it.
    let marker = format!("褥瘡 stage-2 on the sacrum, marker {}", uuid::Uuid::new_v4());
    let era_id = uuid::Uuid::new_v4();
    let era = EraKey::from_parts(EraId(era_id), [42u8; 32]);
    let mut era_message = era_id.as_bytes().to_vec();
    era_message.extend_from_slice(&[42u8; 32]);
    let sealed_era = team.encrypt_application(&era_message)?;
    let post = dd.post(&room, Channel::Team, &era, &marker, 9)?;
    let log = format!("/api/v1/groups/{}/messages", urlencode(&team_id));
    for (kind, body) in [("era_key", &sealed_era), ("post", &post)] {
        let (status, stored) = server
            .post(&log, Some(&doctor.token), message(kind, &dd, 1, body))
            .await?;
        assert_eq!(status, 200, "{stored}");
    }

    // The nurse really receives the marker: the test is not vacuous.
    let (_, waiting) = server
        .get(&format!("/api/v1/devices/{}/welcomes", nd.id), Some(&nurse.token))
        .await?;
    let welcome = STANDARD.decode(waiting[0]["welcome"].as_str().unwrap())?;
    let mut nurse_team = nd.mls.join_from_welcome(&welcome, None)?;
    let (_, entries) = server.get(&format!("{log}?after=1"), Some(&nurse.token)).await?;
    let bodies: Vec<Vec<u8>> = entries
        .as_array()
        .unwrap()
        .iter()
        .map(|e| STANDARD.decode(e["body"].as_str().unwrap()).unwrap())
        .collect();
    let Incoming::Application { plaintext, .. } = nurse_team.process_incoming(&bodies[0])? else {
        panic!("the era key did not arrive")
    };
    assert_eq!(plaintext, era_message);
    let expected = Expected {
        room: room.parse::<RoomId>().unwrap(),
        channel: Channel::Team,
    };
    let opened = open(
        &SealedPost::from_bytes(&bodies[1])?,
        &expected,
        &era,
        &dd.key.verifying_key(),
    )?;
    assert_eq!(opened.envelope.body, marker);

    let needles = needles(&marker);
    assert_server_kept_none(&mut process, db.as_ref(), &needles).await?;
    Ok(())
}

/// The scan itself finds the marker however it is encoded and wherever it starts.
#[test]
fn the_scan_finds_the_marker_in_every_form() {
    let marker = "褥瘡 marker 1234";
    let needles = needles(marker);
    let found = |haystack: &[u8]| {
        needles
            .iter()
            .any(|n| haystack.windows(n.len()).any(|w| w == n.as_slice()))
    };
    for prefix in ["", "a", "ab", "abc"] {
        let data = [prefix.as_bytes(), marker.as_bytes(), b"tail"].concat();
        assert!(found(&data));
        assert!(
            found(STANDARD.encode(&data).as_bytes()),
            "base64 after {prefix:?}"
        );
        assert!(found(URL_SAFE_NO_PAD.encode(&data).as_bytes()));
        let hex: String = data.iter().map(|b| format!("{b:02x}")).collect();
        assert!(found(hex.as_bytes()));
    }
    assert!(!found(b"nothing to see here"));
}

kizuna_tests::on_both_databases!(the_server_never_holds_a_post_in_clear);

/// Opens `n` WebSockets for `token` and reads each one's hello.
async fn open_sockets(url: &str, token: &str, n: usize) -> Result<Vec<Socket>> {
    let ws = format!("{}/api/v1/ws", url.replace("http://", "ws://"));
    let mut sockets = Vec::with_capacity(n);
    for _ in 0..n {
        let mut request =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws.as_str())?;
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse()?);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
        assert_eq!(next(&mut socket).await?["type"], "hello");
        sockets.push(socket);
    }
    Ok(sockets)
}

/// The close code a socket receives, reading past anything else (within `within`).
async fn close_code(mut socket: Socket, within: Duration) -> Option<u16> {
    tokio::time::timeout(within, async move {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Close(frame) = message {
                return frame.map(|f| u16::from(f.code));
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

/// SIGTERM with hundreds of WebSockets open: every one gets a close frame with
/// 1001 (going away) at once, an HTTP request in flight still completes, and the
/// process exits in under 2 s (not after SHUTDOWN_TIMEOUT_SECS = 30 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_every_websocket_with_going_away_and_exits_quickly() -> Result<()> {
    // A few hundred here; benchmarks/shutdown.md runs the same test with 3,000.
    let sockets_wanted: usize = std::env::var("KIZUNA_TEST_SHUTDOWN_SOCKETS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let mut process = ServerProcess::start_with(
        None,
        &[
            ("KIZUNA_MAX_CONNECTIONS_PER_USER", "100000"),
            ("KIZUNA_SHUTDOWN_TIMEOUT_SECS", "30"),
            ("RUST_LOG", "info"),
        ],
    )
    .await?;
    let link = process.bootstrap_link.clone().expect("first start prints a link");
    let admin = process.server.register(&link, "admin").await?;
    let sockets = open_sockets(&process.server.url, &admin.token, sockets_wanted).await?;

    // An HTTP request in flight: headers and half the body sent.
    let addr = process.server.url.trim_start_matches("http://").to_owned();
    let body = br#"{"token":"in-flight"}"#;
    let mut stream = tokio::net::TcpStream::connect(&addr).await?;
    let head = format!(
        "POST /api/v1/invitations/inspect HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body[..5]).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;

    let waiting: Vec<_> = sockets
        .into_iter()
        .map(|s| tokio::spawn(close_code(s, Duration::from_secs(5))))
        .collect();
    let signalled = Instant::now();
    process.terminate()?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(&body[5..]).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    assert!(
        answer.starts_with("HTTP/1.1 404"),
        "in-flight request cut off: {answer:?}"
    );
    assert!(answer.contains("invitation_invalid"), "{answer}");

    let status = tokio::time::timeout(Duration::from_secs(30), process.wait()).await??;
    let exited = signalled.elapsed();
    assert!(status.success(), "exited with {status}");
    let mut codes = std::collections::BTreeMap::new();
    for waiter in waiting {
        *codes.entry(waiter.await?).or_insert(0usize) += 1;
    }
    assert_eq!(
        codes,
        std::collections::BTreeMap::from([(Some(1001), sockets_wanted)]),
        "close codes received"
    );
    eprintln!("{sockets_wanted} WebSockets open: the process exited {exited:?} after SIGTERM");
    assert!(exited < Duration::from_secs(2), "exited {exited:?} after SIGTERM");
    Ok(())
}
