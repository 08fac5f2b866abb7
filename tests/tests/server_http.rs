//! The server over real HTTP: a real server on a free port, on SQLite and
//! PostgreSQL, called the way a client would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use kizuna_proto::Timestamp;
use kizuna_server::bootstrap::{ensure_link, BootstrapState};
use kizuna_storage::invitations;
use kizuna_tests::accounts::token_of;
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get_json(server: &TestServer, path: &str) -> Result<(u16, Value)> {
    let response = server.http.get(server.at(path)).send().await?;
    let status = response.status().as_u16();
    Ok((
        status,
        response
            .json()
            .await
            .with_context(|| format!("{path} did not answer JSON"))?,
    ))
}

async fn post_raw(
    server: &TestServer,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(u16, Value)> {
    let response = server
        .http
        .post(server.at(path))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((
        status,
        response
            .json()
            .await
            .with_context(|| format!("{path} did not answer JSON"))?,
    ))
}

fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(ms as i64)
}

/// Issues a bootstrap link on the server's database and returns its token.
async fn bootstrap_token(server: &TestServer, at: Timestamp, ttl: Duration) -> Result<String> {
    let db = server.db.clone();
    let state =
        tokio::task::spawn_blocking(move || ensure_link(&db, "http://kizuna.test", ttl, at)).await??;
    let BootstrapState::LinkIssued { link, .. } = state else {
        anyhow::bail!("no link issued: {state:?}")
    };
    let token = link.expose().rsplit_once("#/invite/").map(|(_, t)| t.to_owned());
    token.context("link has no token")
}

async fn health_checks_database_and_blobs(kind: DbKind) -> Result<()> {
    for blobs in [BlobKind::Local, BlobKind::S3] {
        let server = TestServer::start(kind, blobs).await?;
        let (status, body) = get_json(&server, "/healthz").await?;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "ok");
        // Anyone may ask: the answer names parts and states, never backends.
        assert_eq!(body, json!({ "status": "ok", "database": "ok", "blobs": "ok" }));
        let metrics = server
            .http
            .get(server.at("/metrics"))
            .send()
            .await?
            .text()
            .await?;
        for check in ["database_read", "database_write", "blobs"] {
            let line = format!("kizuna_health_check_ok{{check=\"{check}\"}} 1");
            assert!(metrics.lines().any(|l| l == line), "missing {line:?}");
        }
        server.stop().await;
    }
    Ok(())
}

async fn metrics_count_requests_by_route_and_status(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    for _ in 0..3 {
        get_json(&server, "/healthz").await?;
    }
    let (status, _) = get_json(&server, "/no/such/page").await?;
    assert_eq!(status, 404);
    let text = server
        .http
        .get(server.at("/metrics"))
        .send()
        .await?
        .text()
        .await?;
    for line in [
        r#"kizuna_http_requests_total{method="GET",route="/healthz",status="200"} 3"#,
        r#"kizuna_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"kizuna_db_pool_connections{state="max"} 8"#,
        "kizuna_websockets_open 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    assert!(text.contains(r#"kizuna_http_request_duration_seconds_count{method="GET",route="/healthz"} 3"#));
    assert!(
        !text.contains("/no/such/page"),
        "raw paths must not become labels"
    );
    Ok(())
}

async fn openapi_documents_every_endpoint_and_each_answers(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let (status, doc) = get_json(&server, "/api/openapi.json").await?;
    assert_eq!(status, 200);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().context("no paths")?;
    for expected in [
        "/healthz",
        "/metrics",
        "/api/openapi.json",
        "/api/v1/invitations/inspect",
    ] {
        assert!(paths.contains_key(expected), "{expected} is not documented");
    }
    assert!(
        doc["components"]["schemas"]["ErrorBody"].is_object(),
        "error body schema missing"
    );
    // Every documented operation is really served (never 404 or 405 for its method).
    for (template, item) in paths {
        // Fill path parameters with a well-formed ID that exists nowhere.
        let path = template
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    "00000000-0000-4000-8000-000000000000"
                } else {
                    seg
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let path = path.as_str();
        for method in item.as_object().context("path item")?.keys() {
            let request = match method.as_str() {
                "get" => server.http.get(server.at(path)),
                "post" => server.http.post(server.at(path)).json(&json!({})),
                "delete" => server.http.delete(server.at(path)),
                "put" => server.http.put(server.at(path)).json(&json!({})),
                other => anyhow::bail!("undocumented method kind {other}"),
            };
            let status = request.send().await?.status().as_u16();
            ensure!(
                status != 404 && status != 405,
                "{method} {path} is documented but answers {status}"
            );
        }
    }
    Ok(())
}

async fn bad_requests_get_json_errors_with_codes(kind: DbKind) -> Result<()> {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| c.max_json_body_bytes = 2048).await?;
    let inspect = "/api/v1/invitations/inspect";
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("application/json", b"{\"token\":".to_vec(), 400, "malformed_json"),
        ("application/json", b"[1,2,3]".to_vec(), 400, "malformed_json"),
        (
            "application/json",
            b"{\"token\":\"x\",\"admin\":true}".to_vec(),
            400,
            "malformed_json",
        ),
        ("application/json", vec![0xff, 0xfe, 0x00], 400, "malformed_json"),
        ("text/plain", b"{\"token\":\"x\"}".to_vec(), 415, "expected_json"),
        (
            "application/json",
            format!("{{\"token\":\"{}\"}}", "a".repeat(4096)).into_bytes(),
            413,
            "payload_too_large",
        ),
    ];
    for (content_type, body, status, code) in cases {
        let (got, answer) = post_raw(&server, inspect, content_type, body).await?;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
        assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(answer["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (status, answer) = get_json(&server, "/api/v1/nothing-here").await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    // After all that the server still serves.
    assert_eq!(get_json(&server, "/healthz").await?.0, 200);
    Ok(())
}

async fn responses_carry_security_headers(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    for path in ["/healthz", "/api/v1/missing"] {
        let response = server.http.get(server.at(path)).send().await?;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..])
        );
        assert_eq!(
            headers.get("x-frame-options").map(|v| v.as_bytes()),
            Some(&b"DENY"[..])
        );
        assert!(
            headers.get("strict-transport-security").is_none(),
            "HSTS sent over plain http"
        );
    }
    server.stop().await;
    let tls = TestServer::start_with(kind, BlobKind::Local, |c| {
        c.public_url = Some("https://kizuna.example".into())
    })
    .await?;
    let response = tls.http.get(tls.at("/healthz")).send().await?;
    let hsts = response
        .headers()
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok());
    assert!(hsts.is_some_and(|v| v.contains("max-age=")), "{hsts:?}");
    Ok(())
}

async fn bootstrap_links_work_once_and_expire(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let inspect = "/api/v1/invitations/inspect";
    let token = bootstrap_token(&server, now(), Duration::from_secs(3600)).await?;
    let (status, info) = post_raw(
        &server,
        inspect,
        "application/json",
        json!({ "token": token }).to_string().into(),
    )
    .await?;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["kind"], "bootstrap_admin");

    // A second start while the link is pending issues no new link.
    let db = server.db.clone();
    let again =
        tokio::task::spawn_blocking(move || ensure_link(&db, "http://x", Duration::from_secs(3600), now()))
            .await??;
    assert!(matches!(again, BootstrapState::LinkPending { .. }), "{again:?}");

    // Unknown, used and expired links all get the same answer.
    let unknown = json!({ "token": "not-a-real-token" }).to_string();
    let (status, answer) = post_raw(&server, inspect, "application/json", unknown.into()).await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("invitation_invalid"))
    );
    let hash = kizuna_server::tokens::hash_token(&token);
    let db = server.db.clone();
    server
        .db
        .run(move |conn| {
            let invitation = invitations::find_by_token_hash(conn, &hash)?
                .ok_or(kizuna_storage::StorageError::NotFound)?;
            invitations::consume(
                conn,
                invitation.id,
                kizuna_proto::UserId::from_uuid(uuid::Uuid::new_v4()),
                now(),
            )
        })
        .await?;
    drop(db);
    let used = json!({ "token": token }).to_string();
    let (status, answer) = post_raw(&server, inspect, "application/json", used.into()).await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("invitation_invalid"))
    );

    let server = TestServer::start(kind, BlobKind::Local).await?;
    let two_hours_ago = Timestamp(now().millis() - 2 * 3600 * 1000);
    let stale = bootstrap_token(&server, two_hours_ago, Duration::from_secs(3600)).await?;
    let body = json!({ "token": stale }).to_string();
    let (status, answer) = post_raw(&server, inspect, "application/json", body.into()).await?;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (404, Some("invitation_invalid"))
    );
    Ok(())
}

async fn shutdown_lets_in_flight_requests_finish(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let addr = server.url.trim_start_matches("http://").to_owned();
    let body = br#"{"token":"in-flight"}"#;
    let mut stream = tokio::net::TcpStream::connect(&addr).await?;
    let head = format!(
        "POST /api/v1/invitations/inspect HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body[..5]).await?;
    // Let the server take the connection and start on the request (a connection
    // still in the kernel's accept queue is not in flight), then begin shutdown
    // while the body is only half-sent.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = server.url.clone();
    let stopping = tokio::spawn(server.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(&body[5..]).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    assert!(
        answer.starts_with("HTTP/1.1 404"),
        "in-flight request cut off: {answer:?}"
    );
    assert!(answer.contains("invitation_invalid"), "{answer}");
    tokio::time::timeout(Duration::from_secs(10), stopping).await??;
    let after = reqwest::Client::new().get(format!("{url}/healthz")).send().await;
    assert!(after.is_err(), "server still accepting after shutdown");
    Ok(())
}

/// `POST /invitations/inspect` for `token`, signed in with `session` if given: the
/// status and the body's bytes, exactly as sent.
async fn inspect_bytes(server: &TestServer, session: Option<&str>, token: &str) -> Result<(u16, Vec<u8>)> {
    let mut request = server
        .http
        .post(server.at("/api/v1/invitations/inspect"))
        .json(&json!({ "token": token }));
    if let Some(session) = session {
        request = request.bearer_auth(session);
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.bytes().await?.to_vec()))
}

async fn used_room_links_lead_only_their_user_to_the_room(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server
        .organisation(&admin, "みなみ診療所", "clinic", None)
        .await?;
    let doctor = server.staff(&admin, &clinic, "dr.tanaka", "doctor").await?;
    let nurse = server.staff(&admin, &clinic, "ns.sato", "nurse").await?;
    let helper = server.staff(&admin, &clinic, "helper.ito", "helper").await?;
    let room = server.room(&doctor, &clinic).await?;
    let (_, doctor_me) = server.get("/api/v1/me", Some(&doctor.token)).await?;
    let doctor_name = doctor_me["display_name"].as_str().context("display_name")?;

    // While usable, the card can say who invites.
    let link = server.invite_to_room(&doctor, &room, "professional").await?;
    let token = token_of(&link)?;
    let (status, info) = server
        .post("/api/v1/invitations/inspect", None, json!({ "token": token }))
        .await?;
    assert_eq!(status, 200, "{info}");
    assert_eq!(
        (info["kind"].as_str(), info["inviter_name"].as_str()),
        (Some("room"), Some(doctor_name))
    );
    assert!(info.get("used_by_you").is_none(), "{info}");
    // Staff links name no inviter.
    let staff_link = server.invite_staff(&admin, &clinic, "ns.kato", "nurse").await?;
    let (_, staff_info) = server
        .post(
            "/api/v1/invitations/inspect",
            None,
            json!({ "token": token_of(&staff_link)? }),
        )
        .await?;
    assert_eq!(staff_info["inviter_name"], Value::Null, "{staff_info}");

    let (status, joined) = server
        .post(
            "/api/v1/invitations/accept",
            Some(&nurse.token),
            json!({ "token": token }),
        )
        .await?;
    assert_eq!(status, 200, "{joined}");

    // The nurse, signed in on any device, is led to the room by her used link.
    let (status, answer) = server
        .post(
            "/api/v1/invitations/inspect",
            Some(&nurse.token),
            json!({ "token": token }),
        )
        .await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({ "used_by_you": true, "room_id": room, "channel": "team" })
    );

    // Anyone else learns nothing: the same bytes as for a link that never existed,
    // including the room's own doctor (a member, but not the one who used it).
    let (status, unknown) = inspect_bytes(&server, Some(&nurse.token), "no-such-link-token").await?;
    assert_eq!(status, 404);
    for session in [None, Some(doctor.token.as_str()), Some(helper.token.as_str())] {
        let (status, used) = inspect_bytes(&server, session, &token).await?;
        assert_eq!(
            (status, &used),
            (404, &unknown),
            "{}",
            String::from_utf8_lossy(&used)
        );
    }

    // A family member who registered with a room link is led to the family channel.
    let family_link = server.invite_to_room(&doctor, &room, "family").await?;
    let family = server.register(&family_link, "family.yamada").await?;
    let (status, answer) = server
        .post(
            "/api/v1/invitations/inspect",
            Some(&family.token),
            json!({ "token": token_of(&family_link)? }),
        )
        .await?;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({ "used_by_you": true, "room_id": room, "channel": "family" })
    );
    // …and not by the nurse's link, nor the nurse by hers.
    let (status, used) = inspect_bytes(&server, Some(&family.token), &token).await?;
    assert_eq!((status, &used), (404, &unknown));
    let (status, used) = inspect_bytes(&server, Some(&nurse.token), &token_of(&family_link)?).await?;
    assert_eq!((status, &used), (404, &unknown));

    // Once she has left the room, her link leads nowhere either.
    let path = format!("/api/v1/rooms/{room}/members/{}", nurse.user_id);
    let (status, removed) = server.delete(&path, Some(&doctor.token)).await?;
    assert!((200..300).contains(&status), "{status} {removed}");
    let (status, used) = inspect_bytes(&server, Some(&nurse.token), &token).await?;
    assert_eq!((status, &used), (404, &unknown));
    Ok(())
}

on_both_databases!(
    health_checks_database_and_blobs,
    metrics_count_requests_by_route_and_status,
    openapi_documents_every_endpoint_and_each_answers,
    bad_requests_get_json_errors_with_codes,
    responses_carry_security_headers,
    bootstrap_links_work_once_and_expire,
    shutdown_lets_in_flight_requests_finish,
    used_room_links_lead_only_their_user_to_the_room,
);
