//! A stolen session cannot lock the owner out: adding or removing an
//! authenticator, removing a device, changing the password and acting on another
//! person's account need a fresh two-factor confirmation (`/me/reauth/finish`), at
//! most `reauth_max_age_secs` old. On SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use kizuna_tests::accounts::{new_key, origin, Person, GOOD_PASSWORD};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};
use webauthn_authenticator_rs::WebauthnAuthenticator;

/// Longer than the default `reauth_max_age_secs` (300), far shorter than the idle
/// timeout (60 min): the session is alive but no longer fresh.
const STALE: Duration = Duration::from_secs(301);

fn code(answer: &(u16, Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["error"]["code"].as_str())
}

const REAUTH_REQUIRED: (u16, Option<&str>) = (403, Some("reauth_required"));

async fn device(server: &TestServer, person: &Person) -> Result<String> {
    use base64::Engine as _;
    let key = base64::engine::general_purpose::STANDARD.encode(uuid::Uuid::new_v4().as_bytes().repeat(2));
    let (status, device) = server
        .post(
            "/api/v1/devices",
            Some(&person.token),
            json!({ "name": "phone", "signature_key": key }),
        )
        .await?;
    assert_eq!(status, 200, "{device}");
    Ok(device["id"].as_str().unwrap().to_owned())
}

async fn add_credential_begin(server: &TestServer, token: &str) -> Result<(u16, Value)> {
    server
        .post(
            "/api/v1/me/credentials/begin",
            Some(token),
            json!({ "name": "attacker's key" }),
        )
        .await
}

/// Adds a spare authenticator for `person` (needs a fresh session): its ID.
async fn add_spare(server: &TestServer, person: &Person) -> Result<String> {
    let (status, begun) = add_credential_begin(server, &person.token).await?;
    assert_eq!(status, 200, "{begun}");
    let mut spare = new_key();
    let credential = spare
        .do_registration(origin(), serde_json::from_value(begun["options"].clone())?)
        .unwrap();
    let body = json!({ "ceremony_id": begun["ceremony_id"], "credential": credential });
    let (status, added) = server
        .post("/api/v1/me/credentials/finish", Some(&person.token), body)
        .await?;
    assert_eq!(status, 200, "{added}");
    Ok(added["id"].as_str().unwrap().to_owned())
}

async fn a_stolen_session_cannot_lock_the_owner_out(kind: DbKind) -> Result<()> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let mut office = server
        .staff(&admin, &clinic, "office.kimura", "facility_admin")
        .await?;
    let mut nurse = server.staff(&office, &clinic, "nurse.sato", "nurse").await?;
    // While freshly signed in, the nurse adds a spare key and a device.
    let spare = add_spare(&server, &nurse).await?;
    let phone = device(&server, &nurse).await?;

    // Later, someone holding only the nurse's session token (and the office's).
    server.advance(STALE);
    let stolen = nurse.token.clone();
    assert_eq!(
        server.get("/api/v1/me", Some(&stolen)).await?.0,
        200,
        "the session is alive"
    );
    assert_eq!(
        code(&add_credential_begin(&server, &stolen).await?),
        REAUTH_REQUIRED
    );
    let finish = json!({ "ceremony_id": "x", "credential": {} });
    let answer = server
        .post("/api/v1/me/credentials/finish", Some(&stolen), finish)
        .await?;
    assert!(answer.0 >= 400, "{answer:?}");
    let (_, creds) = server.get("/api/v1/me/credentials", Some(&stolen)).await?;
    let original = creds
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .find(|id| *id != spare)
        .unwrap();
    for id in [&original, &spare] {
        let answer = server
            .delete(&format!("/api/v1/me/credentials/{id}"), Some(&stolen))
            .await?;
        assert_eq!(code(&answer), REAUTH_REQUIRED, "removing {id}");
    }
    let answer = server
        .delete(&format!("/api/v1/me/devices/{phone}"), Some(&stolen))
        .await?;
    assert_eq!(code(&answer), REAUTH_REQUIRED, "removing a device");
    // The password change checks both factors itself: a token is not enough.
    let (_, begun) = server
        .post("/api/v1/me/reauth/begin", Some(&stolen), json!({}))
        .await?;
    let answer = server
        .post(
            "/api/v1/me/password",
            Some(&stolen),
            json!({ "current_password": "Guess#word77", "new_password": "Wz4$kRt8@nQy", "ceremony_id": begun["ceremony_id"], "credential": {} }),
        )
        .await?;
    assert!(matches!(answer.0, 400 | 401), "{answer:?}");
    // Nor act on staff with a stale administrator's session.
    let base = format!("/api/v1/organisations/{clinic}/staff/{}", nurse.user_id);
    let admin_actions = [
        (format!("{base}/actions"), json!({ "action": "suspend" })),
        (format!("{base}/actions"), json!({ "action": "disable" })),
        (format!("{base}/actions"), json!({ "action": "unlock" })),
        (
            format!("{base}/roles"),
            json!({ "role": "care_manager", "granted": true }),
        ),
        (
            format!("{base}/reset"),
            json!({ "verification_method": "video_call", "verification_note": "face and voice matched" }),
        ),
        (format!("{base}/devices/{phone}/revoke"), json!({})),
    ];
    for (path, body) in &admin_actions {
        let answer = server.post(path, Some(&office.token), body.clone()).await?;
        assert_eq!(code(&answer), REAUTH_REQUIRED, "{path} {body}");
    }

    // Nothing changed: both keys still work, the device is live, no role was added.
    let (_, creds) = server.get("/api/v1/me/credentials", Some(&nurse.token)).await?;
    assert_eq!(creds.as_array().unwrap().len(), 2, "{creds}");
    let (status, body) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
    assert_eq!(status, 200, "the owner was locked out: {body}");
    let nurse_id = nurse.user_id.parse()?;
    let devices = server
        .db
        .run(move |conn| kizuna_storage::devices::for_user(conn, nurse_id))
        .await?;
    assert!(devices.iter().all(|d| d.revoked_at.is_none()));

    // A wrong password in the confirmation is refused (and counted).
    server.advance(STALE);
    let answer = server.reauth_with(&mut nurse, "Guess#word77").await?;
    assert_eq!(code(&answer), (401, Some("sign_in_failed")));
    assert_eq!(
        code(&add_credential_begin(&server, &nurse.token).await?),
        REAUTH_REQUIRED
    );
    let failures = server
        .db
        .run(|conn| kizuna_storage::throttle::get(conn, "login:nurse.sato"))
        .await?;
    assert_eq!(failures.count, 1, "a failed re-authentication must count");

    // After confirming with password + key, the owner may do all of it.
    server.reauth(&mut nurse).await?;
    let answer = server
        .delete(&format!("/api/v1/me/credentials/{spare}"), Some(&nurse.token))
        .await?;
    assert_eq!(answer.0, 204, "{answer:?}");
    let answer = server
        .delete(&format!("/api/v1/me/devices/{phone}"), Some(&nurse.token))
        .await?;
    assert_eq!(answer.0, 204, "{answer:?}");
    assert_eq!(add_credential_begin(&server, &nurse.token).await?.0, 200);
    server.reauth(&mut office).await?;
    let answer = server
        .post(
            &format!("{base}/roles"),
            Some(&office.token),
            json!({ "role": "care_manager", "granted": true }),
        )
        .await?;
    assert_eq!(answer.0, 204, "{answer:?}");
    let answer = server
        .post(
            &format!("{base}/actions"),
            Some(&office.token),
            json!({ "action": "suspend" }),
        )
        .await?;
    assert_eq!(answer.0, 204, "{answer:?}");
    // Freshness lasts only so long.
    server.advance(STALE);
    let answer = server
        .post(
            &format!("{base}/actions"),
            Some(&office.token),
            json!({ "action": "reactivate" }),
        )
        .await?;
    assert_eq!(code(&answer), REAUTH_REQUIRED);
    Ok(())
}

async fn failed_confirmations_lock_the_login_id(kind: DbKind) -> Result<()> {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| c.sign_in_lock_after = 3).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let mut nurse = server.staff(&admin, &clinic, "nurse.sato", "nurse").await?;
    for attempt in 1..=3 {
        let answer = server.reauth_with(&mut nurse, "Guess#word77").await?;
        let want = if attempt < 3 {
            "sign_in_failed"
        } else {
            "account_locked"
        };
        assert_eq!(answer.1["error"]["code"], want, "attempt {attempt}: {answer:?}");
        server.advance(Duration::from_secs(60));
    }
    // Locked like repeated failed sign-ins: the right factors no longer get in.
    let (status, body) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (423, Some("account_locked")),
        "{body}"
    );
    Ok(())
}

/// The window is a setting: with `reauth_max_age_secs = 5` a sign-in is fresh for
/// five seconds only.
async fn the_window_is_a_setting(kind: DbKind) -> Result<()> {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| c.reauth_max_age_secs = 5).await?;
    let admin = server.bootstrap_admin().await?;
    assert_eq!(add_credential_begin(&server, &admin.token).await?.0, 200);
    server.advance(Duration::from_secs(6));
    assert_eq!(
        code(&add_credential_begin(&server, &admin.token).await?),
        REAUTH_REQUIRED
    );
    Ok(())
}

on_both_databases!(
    a_stolen_session_cannot_lock_the_owner_out,
    failed_confirmations_lock_the_login_id,
    the_window_is_a_setting,
);
