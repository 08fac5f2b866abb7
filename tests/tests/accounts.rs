//! Accounts and two-factor sign-in over real HTTP with real WebAuthn ceremonies
//! (software authenticator), on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::Duration;

use anyhow::Result;
use futures_util::StreamExt;
use kizuna_tests::accounts::{new_key, origin, token_of, Person, GOOD_PASSWORD};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::json;
use url::Url;
use webauthn_authenticator_rs::WebauthnAuthenticator;

/// A clinic with an administrator and a doctor.
struct Clinic {
    server: TestServer,
    clinic: String,
    facility_admin: Person,
    doctor: Person,
}

async fn clinic(kind: DbKind) -> Result<Clinic> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server
        .organisation(&admin, "みなみ診療所", "clinic", None)
        .await?;
    let facility_admin = server
        .staff(&admin, &clinic, "office.kimura", "facility_admin")
        .await?;
    let doctor = server
        .staff(&facility_admin, &clinic, "dr.tanaka", "doctor")
        .await?;
    Ok(Clinic {
        server,
        clinic,
        facility_admin,
        doctor,
    })
}

async fn invitation_registration_and_two_factor_sign_in(kind: DbKind) -> Result<()> {
    let Clinic {
        server, mut doctor, ..
    } = clinic(kind).await?;
    let (status, me) = server.get("/api/v1/me", Some(&doctor.token)).await?;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["login_id"], "dr.tanaka");
    assert_eq!(me["roles"][0]["role"], "doctor");

    let password = doctor.password.clone();
    let (status, grant) = server.sign_in(&mut doctor, &password).await?;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(server.get("/api/v1/me", Some(&doctor.token)).await?.0, 200);

    // The browser gets the session as a locked-down cookie too.
    let (ceremony, options) = server.sign_in_begin("dr.tanaka").await?;
    let assertion = doctor.key.do_authentication(origin(), options).unwrap();
    let response = server
        .http
        .post(server.at("/api/v1/auth/sign-in/finish"))
        .json(&json!({ "ceremony_id": ceremony, "password": password, "credential": assertion }))
        .send()
        .await?;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    for attribute in ["kizuna_session=", "HttpOnly", "Secure", "SameSite=Strict"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    Ok(())
}

async fn one_factor_alone_never_signs_in(kind: DbKind) -> Result<()> {
    let Clinic {
        server,
        mut doctor,
        facility_admin,
        ..
    } = clinic(kind).await?;
    let finish = |ceremony: &str, password: &str, assertion: &webauthn_rs_proto::PublicKeyCredential| json!({ "ceremony_id": ceremony, "password": password, "credential": assertion });
    let failed = |(status, body): (u16, serde_json::Value)| {
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("sign_in_failed")),
            "{body}"
        );
        assert!(body.get("token").is_none());
        // Wait out the growing delay before the next attempt.
        server.advance(Duration::from_secs(300));
    };

    // Right assertion, wrong password.
    let (ceremony, options) = server.sign_in_begin("dr.tanaka").await?;
    let assertion = doctor.key.do_authentication(origin(), options).unwrap();
    failed(
        server
            .post(
                "/api/v1/auth/sign-in/finish",
                None,
                finish(&ceremony, "Wrong#pass9", &assertion),
            )
            .await?,
    );

    // Right password, but the assertion answers another ceremony's challenge.
    let (first, options) = server.sign_in_begin("dr.tanaka").await?;
    let stale = doctor.key.do_authentication(origin(), options).unwrap();
    let (second, _) = server.sign_in_begin("dr.tanaka").await?;
    failed(
        server
            .post(
                "/api/v1/auth/sign-in/finish",
                None,
                finish(&second, GOOD_PASSWORD, &stale),
            )
            .await?,
    );

    // Another user's assertion (for their own challenge) against the doctor's ceremony.
    let (doctor_ceremony, _) = server.sign_in_begin("dr.tanaka").await?;
    let (_, admin_options) = server.sign_in_begin(&facility_admin.login_id).await?;
    let mut admin_key = facility_admin.key;
    let other = admin_key.do_authentication(origin(), admin_options).unwrap();
    failed(
        server
            .post(
                "/api/v1/auth/sign-in/finish",
                None,
                finish(&doctor_ceremony, GOOD_PASSWORD, &other),
            )
            .await?,
    );

    // The first ceremony has expired meanwhile (ten minutes), even though unused.
    let (status, body) = server
        .post(
            "/api/v1/auth/sign-in/finish",
            None,
            finish(&first, GOOD_PASSWORD, &stale),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("ceremony_invalid")),
        "{body}"
    );

    // A replayed request finds its ceremony gone.
    let (ceremony, options) = server.sign_in_begin("dr.tanaka").await?;
    let assertion = doctor.key.do_authentication(origin(), options).unwrap();
    let good = finish(&ceremony, GOOD_PASSWORD, &assertion);
    let (status, _) = server
        .post("/api/v1/auth/sign-in/finish", None, good.clone())
        .await?;
    assert_eq!(status, 200, "both factors, once");
    let (status, body) = server.post("/api/v1/auth/sign-in/finish", None, good).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("ceremony_invalid")),
        "{body}"
    );

    // An assertion signed for another origin.
    let (ceremony, options) = server.sign_in_begin("dr.tanaka").await?;
    let phished = doctor
        .key
        .do_authentication(Url::parse("http://localhost:9999")?, options)
        .unwrap();
    failed(
        server
            .post(
                "/api/v1/auth/sign-in/finish",
                None,
                finish(&ceremony, GOOD_PASSWORD, &phished),
            )
            .await?,
    );

    // The doctor can still sign in properly afterwards (below the lock threshold).
    let (status, body) = server.sign_in(&mut doctor, GOOD_PASSWORD).await?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

async fn unknown_accounts_look_like_real_ones(kind: DbKind) -> Result<()> {
    let Clinic { server, .. } = clinic(kind).await?;
    let (_, real) = server.sign_in_begin("dr.tanaka").await?;
    let (ceremony, ghost) = server.sign_in_begin("dr.nobody").await?;
    let (_, ghost_again) = server.sign_in_begin("dr.nobody").await?;
    assert!(!real.public_key.allow_credentials.is_empty());
    assert!(
        !ghost.public_key.allow_credentials.is_empty(),
        "an unknown login must get decoy credentials"
    );
    let ids = |o: &webauthn_rs_proto::RequestChallengeResponse| {
        o.public_key
            .allow_credentials
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&ghost),
        ids(&ghost_again),
        "decoys must be stable, or they give themselves away"
    );
    assert_eq!(ghost.public_key.rp_id, real.public_key.rp_id);
    assert_eq!(
        ghost.public_key.user_verification,
        real.public_key.user_verification
    );

    // Finishing gives the same answer as a wrong password would. No key holds the
    // decoy credentials, so send a well-formed assertion from a key registered on
    // another server instead.
    let assertion = {
        let other = TestServer::start(kind, BlobKind::Local).await?;
        let mut person = other.bootstrap_admin().await?;
        let (_, options) = other.sign_in_begin(&person.login_id).await?;
        person.key.do_authentication(origin(), options).unwrap()
    };
    let (status, body) = server
        .post(
            "/api/v1/auth/sign-in/finish",
            None,
            json!({ "ceremony_id": ceremony, "password": GOOD_PASSWORD, "credential": assertion }),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("sign_in_failed")),
        "{body}"
    );
    Ok(())
}

async fn links_work_once_and_expire(kind: DbKind) -> Result<()> {
    let Clinic {
        server,
        facility_admin,
        clinic,
        ..
    } = clinic(kind).await?;
    let link = server
        .invite_staff(&facility_admin, &clinic, "Nurse Sato", "nurse")
        .await?;
    let mut nurse = server.register(&link, "nurse.sato").await?;
    let (status, body) = server
        .register_begin(&token_of(&link)?, "nurse.two", GOOD_PASSWORD)
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("invitation_invalid")),
        "used link: {body}"
    );

    let stale = server
        .invite_staff(&facility_admin, &clinic, "Helper Ito", "helper")
        .await?;
    server.advance(Duration::from_secs(73 * 3600));
    let (status, body) = server
        .register_begin(&token_of(&stale)?, "helper.ito", GOOD_PASSWORD)
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("invitation_invalid")),
        "expired link: {body}"
    );
    // Sessions are long gone too (idle and absolute expiry); sign in again.
    assert_eq!(server.get("/api/v1/me", Some(&nurse.token)).await?.0, 401);
    let (status, _) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
    assert_eq!(status, 200);
    Ok(())
}

async fn registration_refuses_weak_passwords_and_wrong_origins(kind: DbKind) -> Result<()> {
    let Clinic {
        server,
        facility_admin,
        clinic,
        ..
    } = clinic(kind).await?;
    let link = server
        .invite_staff(&facility_admin, &clinic, "Nurse Sato", "nurse")
        .await?;
    let token = token_of(&link)?;
    for (password, code) in [
        ("Ab1!", "password_too_short"),
        ("abcdefgh12", "password_missing_symbol"),
        ("Sakura2024!", "password_common"),
        ("x#9nurse.sato", "password_contains_login_id"),
    ] {
        let (status, body) = server.register_begin(&token, "nurse.sato", password).await?;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (422, Some(code)),
            "{password}: {body}"
        );
        assert!(body["error"]["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (status, body) = server.register_begin(&token, "dr.tanaka", GOOD_PASSWORD).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("login_id_taken")),
        "{body}"
    );

    let refused = server
        .register_with(
            &link,
            "nurse.sato",
            GOOD_PASSWORD,
            new_key(),
            Url::parse("http://localhost:9999")?,
        )
        .await?;
    let Err((status, body)) = refused else {
        panic!("registered from a foreign origin")
    };
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("webauthn_rejected")),
        "{body}"
    );
    // The link survives a failed attempt.
    server.register(&link, "nurse.sato").await?;
    Ok(())
}

async fn a_disabled_leaver_is_out_at_once(kind: DbKind) -> Result<()> {
    let Clinic {
        server,
        facility_admin,
        clinic,
        mut doctor,
        ..
    } = clinic(kind).await?;
    // The doctor has an open WebSocket.
    let ws_url = format!("{}/api/v1/ws", server.url.replace("http://", "ws://"));
    let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url)?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {}", doctor.token).parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    let hello = socket.next().await.unwrap()?;
    assert!(hello.to_text()?.contains("hello"), "{hello:?}");

    let path = format!("/api/v1/organisations/{clinic}/staff/{}/actions", doctor.user_id);
    let (status, body) = server
        .post(&path, Some(&facility_admin.token), json!({ "action": "disable" }))
        .await?;
    assert_eq!(status, 204, "{body}");

    assert_eq!(
        server.get("/api/v1/me", Some(&doctor.token)).await?.0,
        401,
        "session outlived the leaver"
    );
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(message) = socket.next().await {
            match message {
                Ok(tokio_tungstenite::tungstenite::Message::Close(frame)) => {
                    return frame.map(|f| u16::from(f.code))
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await?;
    assert_eq!(
        closed,
        Some(4401),
        "the WebSocket was not closed with 'session ended'"
    );

    // The leaver's authenticator no longer gets in: sign-in refuses every account
    // that is not active (and begin answers as before, so nobody watching learns
    // that the person left).
    let attempt = server.sign_in(&mut doctor, GOOD_PASSWORD).await;
    assert!(
        attempt.as_ref().map_or(true, |(status, _)| *status == 401),
        "a leaver signed in: {attempt:?}"
    );
    let (status, body) = server
        .post(
            &path,
            Some(&facility_admin.token),
            json!({ "action": "reactivate" }),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{body}"
    );
    let (_, staff) = server
        .get(
            &format!("/api/v1/organisations/{clinic}/staff"),
            Some(&facility_admin.token),
        )
        .await?;
    let row = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login_id"] == "dr.tanaka")
        .unwrap()
        .clone();
    assert_eq!(row["status"], "disabled", "{row}");
    assert!(row["last_sign_in_at"].is_number(), "{row}");
    Ok(())
}

async fn identity_checked_reset_and_recovery(kind: DbKind) -> Result<()> {
    let Clinic {
        server,
        facility_admin,
        clinic,
        mut doctor,
        ..
    } = clinic(kind).await?;
    let old_token = doctor.token.clone();
    let path = format!("/api/v1/organisations/{clinic}/staff/{}/reset", doctor.user_id);
    let (status, body) = server
        .post(
            &path,
            Some(&facility_admin.token),
            json!({ "verification_method": "video_call", "verification_note": "" }),
        )
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "a reset needs the check recorded"
    );
    let check = json!({ "verification_method": "in_person_photo_id", "verification_note": "運転免許証で本人確認 / driving licence, photo matched" });
    let (status, issued) = server.post(&path, Some(&facility_admin.token), check).await?;
    assert_eq!(status, 200, "{issued}");
    let link = issued["link"].as_str().unwrap().to_owned();

    // Sessions end and the old authenticator no longer works: the server offers it
    // nothing to sign (only decoys), and would refuse it anyway.
    assert_eq!(server.get("/api/v1/me", Some(&old_token)).await?.0, 401);
    let attempt = server.sign_in(&mut doctor, GOOD_PASSWORD).await;
    assert!(
        attempt.as_ref().map_or(true, |(status, _)| *status == 401),
        "old key still works: {attempt:?}"
    );

    // The recovery link sets a new password (not a recent one) and a new authenticator.
    let token = token_of(&link)?;
    let (status, body) = server.register_begin(&token, "ignored", GOOD_PASSWORD).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("password_reused")),
        "{body}"
    );
    let new_password = "Wz4$kRt8@nQy";
    let recovered = server
        .register_with(&link, "ignored", new_password, new_key(), origin())
        .await?;
    let mut recovered = recovered.map_err(|(s, b)| anyhow::anyhow!("recovery refused: {s} {b}"))?;
    recovered.login_id = "dr.tanaka".into();
    assert_eq!(
        recovered.user_id, doctor.user_id,
        "recovery must keep the same account"
    );
    assert_eq!(
        server.register_begin(&token, "x", "Other#pass77").await?.0,
        404,
        "recovery link used twice"
    );
    let (status, body) = server.sign_in(&mut recovered, new_password).await?;
    assert_eq!(status, 200, "{body}");

    // The ledger records who checked what, and exports as CSV.
    let ledger_path = format!("/api/v1/organisations/{clinic}/reset-ledger");
    let (status, ledger) = server.get(&ledger_path, Some(&facility_admin.token)).await?;
    assert_eq!(status, 200);
    assert_eq!(ledger[0]["verification_method"], "in_person_photo_id");
    assert_eq!(ledger[0]["performed_by"], facility_admin.user_id.as_str());
    let csv = server
        .http
        .get(server.at(&format!("{ledger_path}?format=csv")))
        .bearer_auth(&facility_admin.token)
        .send()
        .await?
        .text()
        .await?;
    assert!(
        csv.starts_with("at,user_id,performed_by,verification_method"),
        "{csv}"
    );
    assert!(csv.contains("運転免許証で本人確認"), "{csv}");
    Ok(())
}

async fn managing_sessions_credentials_and_password(kind: DbKind) -> Result<()> {
    let Clinic {
        server, mut doctor, ..
    } = clinic(kind).await?;
    let first_token = doctor.token.clone();
    let (status, _) = server.sign_in(&mut doctor, GOOD_PASSWORD).await?;
    assert_eq!(status, 200);
    let (_, sessions) = server.get("/api/v1/me/sessions", Some(&doctor.token)).await?;
    let sessions = sessions.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        server
            .delete(&format!("/api/v1/me/sessions/{other}"), Some(&doctor.token))
            .await?
            .0,
        204
    );
    assert_eq!(
        server.get("/api/v1/me", Some(&first_token)).await?.0,
        401,
        "revoked session still works"
    );

    // The only authenticator cannot be removed; a second one can be added and used.
    let (_, creds) = server.get("/api/v1/me/credentials", Some(&doctor.token)).await?;
    let first_id = creds[0]["id"].as_str().unwrap().to_owned();
    let (status, body) = server
        .delete(&format!("/api/v1/me/credentials/{first_id}"), Some(&doctor.token))
        .await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("last_credential")),
        "{body}"
    );
    let (status, begun) = server
        .post(
            "/api/v1/me/credentials/begin",
            Some(&doctor.token),
            json!({ "name": "spare key" }),
        )
        .await?;
    assert_eq!(status, 200, "{begun}");
    let mut spare = new_key();
    let options = serde_json::from_value(begun["options"].clone())?;
    let credential = spare.do_registration(origin(), options).unwrap();
    let body = json!({ "ceremony_id": begun["ceremony_id"], "credential": credential });
    assert_eq!(
        server
            .post("/api/v1/me/credentials/finish", Some(&doctor.token), body)
            .await?
            .0,
        200
    );
    assert_eq!(
        server
            .delete(&format!("/api/v1/me/credentials/{first_id}"), Some(&doctor.token))
            .await?
            .0,
        204
    );
    doctor.key = spare;
    let (status, body) = server.sign_in(&mut doctor, GOOD_PASSWORD).await?;
    assert_eq!(status, 200, "sign-in with the spare key: {body}");

    // Changing the password takes the current one and a fresh assertion.
    let change = |current: &str,
                  ceremony: &serde_json::Value,
                  assertion: &webauthn_rs_proto::PublicKeyCredential| {
        json!({ "current_password": current, "new_password": "Wz4$kRt8@nQy", "ceremony_id": ceremony, "credential": assertion })
    };
    let (_, begun) = server
        .post("/api/v1/me/reauth/begin", Some(&doctor.token), json!({}))
        .await?;
    let assertion = doctor
        .key
        .do_authentication(origin(), serde_json::from_value(begun["options"].clone())?)
        .unwrap();
    let (status, _) = server
        .post(
            "/api/v1/me/password",
            Some(&doctor.token),
            change("Wrong#pass9", &begun["ceremony_id"], &assertion),
        )
        .await?;
    assert_eq!(status, 401, "changed with a wrong current password");
    let (_, begun) = server
        .post("/api/v1/me/reauth/begin", Some(&doctor.token), json!({}))
        .await?;
    let assertion = doctor
        .key
        .do_authentication(origin(), serde_json::from_value(begun["options"].clone())?)
        .unwrap();
    let (status, body) = server
        .post(
            "/api/v1/me/password",
            Some(&doctor.token),
            change(GOOD_PASSWORD, &begun["ceremony_id"], &assertion),
        )
        .await?;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        server.sign_in(&mut doctor, GOOD_PASSWORD).await?.0,
        401,
        "old password still works"
    );
    assert_eq!(server.sign_in(&mut doctor, "Wz4$kRt8@nQy").await?.0, 200);
    Ok(())
}

async fn repeated_failures_slow_down_then_lock(kind: DbKind) -> Result<()> {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| c.sign_in_lock_after = 5).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let mut facility_admin = server
        .staff(&admin, &clinic, "office.kimura", "facility_admin")
        .await?;
    let mut nurse = server
        .staff(&facility_admin, &clinic, "nurse.sato", "nurse")
        .await?;
    for attempt in 1..=5 {
        let (status, body) = server.sign_in(&mut nurse, "Wrong#pass9").await?;
        let expected = if attempt < 5 {
            "sign_in_failed"
        } else {
            "account_locked"
        };
        assert_eq!(
            body["error"]["code"], expected,
            "attempt {attempt}: {status} {body}"
        );
        if attempt == 4 {
            // Past three failures, the next attempt must wait.
            let (status, body) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (429, Some("too_many_attempts")),
                "{body}"
            );
        }
        server.advance(Duration::from_secs(60));
    }
    // Locked: even the right factors do not get in, until an administrator unlocks.
    let (status, body) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (423, Some("account_locked")),
        "{body}"
    );
    let path = format!("/api/v1/organisations/{clinic}/staff/{}/actions", nurse.user_id);
    // Five minutes have passed: acting on someone needs a fresh confirmation.
    server.reauth(&mut facility_admin).await?;
    assert_eq!(
        server
            .post(&path, Some(&facility_admin.token), json!({ "action": "unlock" }))
            .await?
            .0,
        204
    );
    let (status, body) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
    assert_eq!(status, 200, "{body}");

    // An unknown login ID is throttled the same way, so locks reveal nothing.
    let mut ghost = Person {
        login_id: "ghost".into(),
        ..nurse
    };
    for _ in 0..5 {
        let (ceremony, _) = server.sign_in_begin("ghost").await?;
        let (_, options) = server.sign_in_begin("nurse.sato").await?;
        let assertion = ghost.key.do_authentication(origin(), options).unwrap();
        let body = json!({ "ceremony_id": ceremony, "password": GOOD_PASSWORD, "credential": assertion });
        server.post("/api/v1/auth/sign-in/finish", None, body).await?;
        server.advance(Duration::from_secs(60));
    }
    let (ceremony, _) = server.sign_in_begin("ghost").await?;
    let (_, options) = server.sign_in_begin("nurse.sato").await?;
    let assertion = ghost.key.do_authentication(origin(), options).unwrap();
    let body = json!({ "ceremony_id": ceremony, "password": GOOD_PASSWORD, "credential": assertion });
    let (status, body) = server.post("/api/v1/auth/sign-in/finish", None, body).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (423, Some("account_locked")),
        "{body}"
    );
    ghost.login_id.clear();
    Ok(())
}

/// The credential IDs `sign-in/begin` offers for a login ID.
async fn offered(server: &TestServer, login_id: &str) -> Result<Vec<String>> {
    let (_, options) = server.sign_in_begin(login_id).await?;
    let mut ids: Vec<String> = options
        .public_key
        .allow_credentials
        .iter()
        .map(|c| format!("{:?}", c.id))
        .collect();
    ids.sort();
    Ok(ids)
}

async fn sign_in_begin_does_not_reveal_the_accounts_state(kind: DbKind) -> Result<()> {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| c.sign_in_lock_after = 3).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let mut office = server
        .staff(&admin, &clinic, "office.kimura", "facility_admin")
        .await?;
    let mut nurse = server.staff(&office, &clinic, "nurse.sato", "nurse").await?;
    let active = offered(&server, "nurse.sato").await?;
    assert_eq!(active.len(), 1, "{active:?}");
    let actions = format!("/api/v1/organisations/{clinic}/staff/{}/actions", nurse.user_id);
    let act = |action: &str| json!({ "action": action });

    // Suspended: the same answer; the refusal comes at finish, as for a wrong password.
    let (status, _) = server.post(&actions, Some(&office.token), act("suspend")).await?;
    assert_eq!(status, 204);
    assert_eq!(
        offered(&server, "nurse.sato").await?,
        active,
        "suspension shows in begin"
    );
    let (status, body) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("sign_in_failed")),
        "{body}"
    );
    let (status, _) = server
        .post(&actions, Some(&office.token), act("reactivate"))
        .await?;
    assert_eq!(status, 204);

    // Locked: the same answer.
    for _ in 0..3 {
        server.sign_in(&mut nurse, "Wrong#pass9").await?;
        server.advance(Duration::from_secs(30));
    }
    assert_eq!(
        offered(&server, "nurse.sato").await?,
        active,
        "the lock shows in begin"
    );
    server.reauth(&mut office).await?;
    let (status, _) = server.post(&actions, Some(&office.token), act("unlock")).await?;
    assert_eq!(status, 204);

    // Disabled (a leaver): the same answer, and no way in.
    let (status, _) = server.post(&actions, Some(&office.token), act("disable")).await?;
    assert_eq!(status, 204);
    assert_eq!(
        offered(&server, "nurse.sato").await?,
        active,
        "leaving shows in begin"
    );
    let (status, body) = server.sign_in(&mut nurse, GOOD_PASSWORD).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("sign_in_failed")),
        "{body}"
    );
    Ok(())
}

/// A wrong-password guess at `login_id` from this test's address, with a
/// well-formed assertion from `key`'s own account (the guesser has no key of the
/// victim's): the answer.
async fn guess(
    server: &TestServer,
    guesser: &mut Person,
    login_id: &str,
) -> Result<(u16, serde_json::Value)> {
    let (ceremony, _) = server.sign_in_begin(login_id).await?;
    let (_, options) = server.sign_in_begin(&guesser.login_id).await?;
    let assertion = guesser.key.do_authentication(origin(), options).unwrap();
    let body = json!({ "ceremony_id": ceremony, "password": "Guess#word77", "credential": assertion });
    server.post("/api/v1/auth/sign-in/finish", None, body).await
}

async fn one_valid_account_does_not_launder_guesses(kind: DbKind) -> Result<()> {
    let server = TestServer::start_with(kind, BlobKind::Local, |c| c.sign_in_lock_after = 5).await?;
    let admin = server.bootstrap_admin().await?;
    let clinic = server.organisation(&admin, "Clinic", "clinic", None).await?;
    let mut attacker = server.staff(&admin, &clinic, "helper.ito", "helper").await?;
    let mut victim = server.staff(&admin, &clinic, "dr.tanaka", "doctor").await?;
    // The attacker alternates a successful sign-in of their own with a guess: five at
    // the victim, then at other login IDs. Time passes between rounds, enough for
    // each login ID's own delay, never enough for the address to be forgotten.
    for round in 0..12 {
        server.advance(Duration::from_secs(5));
        let (status, body) = server.sign_in(&mut attacker, GOOD_PASSWORD).await?;
        assert_eq!(status, 200, "round {round}: the attacker's own sign-in: {body}");
        let target = if round < 5 {
            "dr.tanaka".to_owned()
        } else {
            format!("nobody{round}")
        };
        let (status, body) = guess(&server, &mut attacker, &target).await?;
        assert!(matches!(status, 401 | 423), "round {round}: {status} {body}");
    }
    // The address has failed twelve times: a guess at a login ID never tried before
    // is held back, whatever the attacker's own successes in between.
    let (status, body) = guess(&server, &mut attacker, "never.tried").await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("too_many_attempts")),
        "the address was not throttled: {body}"
    );
    // The victim's login ID is locked after sign_in_lock_after (5) failures.
    server.advance(Duration::from_secs(600));
    let (status, body) = server.sign_in(&mut victim, GOOD_PASSWORD).await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (423, Some("account_locked")),
        "{body}"
    );
    // A quiet spell forgets the address (not the lock).
    server.advance(Duration::from_secs(15 * 60));
    let (status, body) = guess(&server, &mut attacker, "never.tried.either").await?;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("sign_in_failed")),
        "{body}"
    );
    Ok(())
}

async fn every_step_is_audited(kind: DbKind) -> Result<()> {
    let Clinic {
        server, mut doctor, ..
    } = clinic(kind).await?;
    let _ = server.sign_in(&mut doctor, "Wrong#pass9").await?;
    let events = server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 100))
        .await?;
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "bootstrap.link_issued",
        "account.registered",
        "organisation.created",
        "invitation.staff_created",
        "auth.sign_in",
    ] {
        assert!(actions.contains(&expected), "{expected} not audited: {actions:?}");
    }
    let failure = events
        .iter()
        .find(|e| e.action == "auth.sign_in" && e.outcome == kizuna_storage::audit::Outcome::Failure);
    let failure = failure.expect("failed sign-in audited");
    assert_eq!(failure.ip.as_deref(), Some("127.0.0.1"));
    assert!(failure.target_id.as_deref() == Some("dr.tanaka"));
    Ok(())
}

on_both_databases!(
    invitation_registration_and_two_factor_sign_in,
    one_factor_alone_never_signs_in,
    unknown_accounts_look_like_real_ones,
    links_work_once_and_expire,
    registration_refuses_weak_passwords_and_wrong_origins,
    a_disabled_leaver_is_out_at_once,
    identity_checked_reset_and_recovery,
    managing_sessions_credentials_and_password,
    repeated_failures_slow_down_then_lock,
    sign_in_begin_does_not_reveal_the_accounts_state,
    one_valid_account_does_not_launder_guesses,
    every_step_is_audited,
);
