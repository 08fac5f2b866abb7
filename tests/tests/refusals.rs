//! Every refusal is the documented JSON, the framework's own included, and a
//! request body that dribbles in is cut off: raw HTTP/1.1 over TCP, as a careless
//! or hostile client would send it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use kizuna_tests::{BlobKind, DbKind, TestServer};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn addr(server: &TestServer) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// Sends `request` as is and reads the whole answer (the server closes: every
/// request here says `Connection: close`, or is refused with a close).
async fn raw(server: &TestServer, request: &[u8]) -> Result<(u16, String, Value)> {
    let mut stream = TcpStream::connect(addr(server)).await?;
    stream.write_all(request).await?;
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut bytes))
        .await
        .context("no complete answer within 20 s")??;
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Result<(u16, String, Value)> {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").context("no header end")?;
    let status: u16 = head.split_whitespace().nth(1).context("no status")?.parse()?;
    let body: Value = serde_json::from_str(body).with_context(|| format!("not JSON: {text:?}"))?;
    Ok((status, head.to_owned(), body))
}

fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    for field in ["message", "message_ja"] {
        assert!(
            body["error"][field].as_str().is_some_and(|m| !m.is_empty()),
            "no {field}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_refusal_is_json() -> Result<()> {
    let server =
        TestServer::start_with(DbKind::Sqlite, BlobKind::Local, |c| c.max_json_body_bytes = 2048).await?;
    let admin = server.bootstrap_admin().await?;
    let host = addr(&server);
    let bearer = format!("Authorization: Bearer {}", admin.token);
    let get = |path: &str, extra: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n").into_bytes()
    };

    // Unknown route.
    let (status, _, body) = raw(&server, &get("/api/v1/no-such-thing", "")).await?;
    assert_error(status, &body, 404, "not_found");
    // A route that exists, with a method it does not serve (routes are guarded by
    // method, so this falls through to the JSON 404).
    let put =
        format!("PUT /healthz HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let (status, _, body) = raw(&server, put.as_bytes()).await?;
    assert_error(status, &body, 404, "not_found");
    // A path parameter that does not parse (not a blob ID; not a number).
    let (status, _, body) = raw(&server, &get("/api/v1/blobs/not-an-id", &format!("{bearer}\r\n"))).await?;
    assert_error(status, &body, 404, "not_found");
    let (status, _, body) = raw(
        &server,
        &get("/api/v1/groups/g/posts/seven/unread", &format!("{bearer}\r\n")),
    )
    .await?;
    assert_error(status, &body, 404, "not_found");
    // A query string that does not parse.
    let (status, _, body) = raw(
        &server,
        &get("/api/v1/groups/g/messages?after=soon", &format!("{bearer}\r\n")),
    )
    .await?;
    assert_error(status, &body, 400, "bad_request");
    // A body over the limit (announced, not sent).
    let big = format!(
        "POST /api/v1/invitations/inspect HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 999999\r\nConnection: close\r\n\r\n"
    );
    let (status, _, body) = raw(&server, big.as_bytes()).await?;
    assert_error(status, &body, 413, "payload_too_large");
    // Wrong content type.
    let text = format!(
        "POST /api/v1/invitations/inspect HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    );
    let (status, _, body) = raw(&server, text.as_bytes()).await?;
    assert_error(status, &body, 415, "expected_json");
    // Headers too large: one huge header, and too many headers.
    let huge = format!("X-Padding: {}\r\n", "a".repeat(40 * 1024));
    let (status, head, body) = raw(&server, &get("/healthz", &huge)).await?;
    assert_error(status, &body, 431, "headers_too_large");
    assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
    let many: String = (0..80).map(|i| format!("X-Header-{i}: {i}\r\n")).collect();
    let (status, _, body) = raw(&server, &get("/healthz", &many)).await?;
    assert_error(status, &body, 431, "headers_too_large");
    // And the server still answers normally.
    assert_eq!(server.get("/healthz", None).await?.0, 200);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dribbling_body_is_cut_off_and_a_normal_one_is_not() -> Result<()> {
    let server =
        TestServer::start_with(DbKind::Sqlite, BlobKind::Local, |c| c.body_read_timeout_secs = 4).await?;
    let host = addr(&server);
    let body = br#"{"token":"slowly-slowly-slowly-slowly"}"#;
    let head = format!(
        "POST /api/v1/invitations/inspect HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );

    // A body that pauses 1.5 s once (a phone between cells) arrives and is answered.
    let mut stream = TcpStream::connect(&host).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body[..10]).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(&body[10..]).await?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk)).await??;
    answer.extend_from_slice(&chunk[..n]);
    let (status, _, json) = parse(&answer)?;
    assert_error(status, &json, 404, "invitation_invalid");
    // One byte every 2 s: it never pauses 4 s, but it is far below the rate.
    let mut stream = TcpStream::connect(&host).await?;
    stream.write_all(head.as_bytes()).await?;
    let started = Instant::now();
    let mut answer = Vec::new();
    for byte in body.iter() {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        let mut chunk = [0u8; 4096];
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut chunk)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&chunk[..n]),
            Ok(Err(_)) => break,
            Err(_) => {}
        }
        if started.elapsed() > Duration::from_secs(30) {
            break;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut answer)).await;
    let elapsed = started.elapsed();
    let (status, head, json) = parse(&answer)?;
    assert_error(status, &json, 408, "request_timeout");
    assert!(head.to_ascii_lowercase().contains("connection: close"), "{head}");
    assert!(
        elapsed < Duration::from_secs(9),
        "cut off only after {elapsed:?} (bound 4 s)"
    );
    // The connection is closed: nothing more is read from it.
    let mut rest = [0u8; 16];
    let closed = matches!(
        tokio::time::timeout(Duration::from_secs(2), stream.read(&mut rest)).await,
        Ok(Ok(0)) | Ok(Err(_))
    );
    assert!(closed, "connection left open");

    Ok(())
}
