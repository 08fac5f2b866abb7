//! Cross-site requests: a page on another site must not use a signed-in person's
//! cookie to change anything or to open their WebSocket; the site itself and native
//! clients with a bearer token are unaffected.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::Result;
use kizuna_tests::accounts::{answer, Person};
use kizuna_tests::mls::TestDevice;
use kizuna_tests::{BlobKind, DbKind, TestServer, ORIGIN};
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const EVIL: &str = "https://evil.example";

fn cookie(person: &Person) -> String {
    format!("kizuna_session={}", person.token)
}

/// A request as a browser page at `origin` makes it, with the person's cookie.
async fn with_cookie(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    person: &Person,
    origin: Option<&str>,
) -> Result<(u16, Value)> {
    let mut request = server
        .http
        .request(method, server.at(path))
        .header("cookie", cookie(person));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    answer(request.send().await?).await
}

async fn still_signed_in(server: &TestServer, person: &Person) -> Result<bool> {
    Ok(server.get("/api/v1/me", Some(&person.token)).await?.0 == 200)
}

fn refused(status: u16, body: &Value) -> bool {
    status == 403
        && body["error"]["code"] == "cross_site_request"
        && body["error"]["message"].as_str().is_some_and(|m| !m.is_empty())
        && body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_requests_from_another_site_are_refused_and_change_nothing() -> Result<()> {
    let server = TestServer::start(DbKind::Sqlite, BlobKind::Local).await?;
    let mut admin = server.bootstrap_admin().await?;
    let device = TestDevice::register(&server, &admin, 7, 0).await?;
    let revoke = format!("/api/v1/me/devices/{}", device.id);

    // Sign-out and device revoke posted from evil.example with the cookie: refused.
    let (status, body) = with_cookie(
        &server,
        reqwest::Method::POST,
        "/api/v1/auth/sign-out",
        &admin,
        Some(EVIL),
    )
    .await?;
    assert!(refused(status, &body), "{status} {body}");
    let (status, body) = with_cookie(&server, reqwest::Method::DELETE, &revoke, &admin, Some(EVIL)).await?;
    assert!(refused(status, &body), "{status} {body}");
    // A sibling page of the same site (no Origin, Sec-Fetch-Site: same-site) too.
    let response = server
        .http
        .post(server.at("/api/v1/auth/sign-out"))
        .header("cookie", cookie(&admin))
        .header("sec-fetch-site", "same-site")
        .send()
        .await?;
    let (status, body) = answer(response).await?;
    assert!(refused(status, &body), "{status} {body}");

    // The session survived and the device is still there.
    assert!(still_signed_in(&server, &admin).await?);
    let (_, devices) = server.get("/api/v1/me/devices", Some(&admin.token)).await?;
    let listed = devices.to_string();
    assert!(listed.contains(&device.id.to_string()), "device gone: {listed}");

    // From the site itself the same requests work.
    let (status, body) = with_cookie(&server, reqwest::Method::DELETE, &revoke, &admin, Some(ORIGIN)).await?;
    assert_ne!(body["error"]["code"], "cross_site_request", "{status} {body}");
    // (Revoking a device may end the sessions bound to it: sign in afresh.)
    let password = admin.password.clone();
    let (status, body) = server.sign_in(&mut admin, &password).await?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = with_cookie(
        &server,
        reqwest::Method::POST,
        "/api/v1/auth/sign-out",
        &admin,
        Some(ORIGIN),
    )
    .await?;
    assert_eq!(status, 204, "{body}");
    assert!(
        !still_signed_in(&server, &admin).await?,
        "sign-out from the site did not work"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_handshake_from_another_site_is_refused() -> Result<()> {
    let server = TestServer::start(DbKind::Sqlite, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let url = format!("{}/api/v1/ws", server.url.replace("http://", "ws://"));
    let handshake = |origin: &str| -> Result<_> {
        let mut request = url.clone().into_client_request()?;
        request.headers_mut().insert("cookie", cookie(&admin).parse()?);
        request.headers_mut().insert("origin", origin.parse()?);
        Ok(request)
    };
    match tokio_tungstenite::connect_async(handshake(EVIL)?).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 403);
            let body: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default())?;
            assert!(refused(403, &body), "{body}");
        }
        Err(other) => panic!("expected a 403 answer, got {other}"),
        Ok(_) => panic!("a cross-site WebSocket was opened with the person's cookie"),
    }
    // From the site itself it opens.
    let (mut socket, _) = tokio_tungstenite::connect_async(handshake(ORIGIN)?).await?;
    use futures_util::StreamExt;
    let hello = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await?
        .unwrap()?;
    assert!(hello.to_text()?.contains("hello"), "{hello:?}");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_clients_with_a_bearer_token_are_unaffected() -> Result<()> {
    let server = TestServer::start(DbKind::Sqlite, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    // No Origin, no cookie: the native client. Devices, WebSocket, sign-out all work.
    let device = TestDevice::register(&server, &admin, 8, 0).await?;
    let mut request =
        format!("{}/api/v1/ws", server.url.replace("http://", "ws://")).into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {}", admin.token).parse()?);
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    drop(socket);
    let (status, body) = server
        .post("/api/v1/auth/sign-out", Some(&admin.token), Value::Null)
        .await?;
    assert_eq!(status, 204, "{body}");
    assert!(!device.id.to_string().is_empty());
    Ok(())
}
