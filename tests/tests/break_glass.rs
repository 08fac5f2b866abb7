//! Break-glass (emergency) accounts and disaster declarations (issue 14), over
//! HTTP with real WebAuthn ceremonies, on SQLite and PostgreSQL.
//!
//! A clinic under a prefectural association prepares a sealed emergency account
//! (a password sheet and a security key in its safe). Outside a declared disaster
//! its sign-in is refused, audited and alerted; inside one it is admitted, audited
//! and every administrator of the clinic is alerted live; when the disaster ends its
//! session ends at once and it cannot sign in again until resealed with new
//! credentials. Two administrators' approval also admits it; one is not enough.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use anyhow::{Context, Result};
use kizuna_storage::audit::Outcome;
use kizuna_tests::accounts::{new_key, origin, token_of, Person, GOOD_PASSWORD};
use kizuna_tests::ws::{close_code, connect_after_hello, wait_for};
use kizuna_tests::{on_both_databases, BlobKind, DbKind, TestServer};
use serde_json::{json, Value};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::CreationChallengeResponse;

const SHEET_PASSWORD: &str = "Kz9!safe-sheet-A";

struct World {
    server: TestServer,
    association: String,
    clinic: String,
    officer: Person,
    admin: Person,
    second_admin: Person,
    nurse: Person,
    doctor: Person,
    room: String,
}

async fn world(kind: DbKind) -> Result<World> {
    let server = TestServer::start(kind, BlobKind::Local).await?;
    let system = server.bootstrap_admin().await?;
    let association = server
        .organisation(&system, "みなみ県医師会", "association", None)
        .await?;
    let clinic = server
        .organisation(&system, "みなみ診療所", "clinic", Some(&association))
        .await?;
    let officer = server
        .staff(&system, &association, "bo.suzuki", "broadcast_officer")
        .await?;
    let admin = server
        .staff(&system, &clinic, "office.minami", "facility_admin")
        .await?;
    let second_admin = server
        .staff(&system, &clinic, "office.kita", "facility_admin")
        .await?;
    let nurse = server.staff(&admin, &clinic, "nurse.sato", "nurse").await?;
    let doctor = server.staff(&admin, &clinic, "dr.mori", "doctor").await?;
    let room = server.room(&doctor, &clinic).await?;
    Ok(World {
        server,
        association,
        clinic,
        officer,
        admin,
        second_admin,
        nurse,
        doctor,
        room,
    })
}

fn accounts_path(w: &World) -> String {
    format!("/api/v1/organisations/{}/emergency-accounts", w.clinic)
}

/// Enrols the sheet's password and a new security key through `link`: the account
/// is sealed and no session is given.
async fn enrol(server: &TestServer, link: &str, login_id: &str, password: &str) -> Result<Person> {
    let token = token_of(link)?;
    let (status, begun) = server.register_begin(&token, login_id, password).await?;
    assert_eq!(status, 200, "{begun}");
    let options: CreationChallengeResponse = serde_json::from_value(begun["options"].clone())?;
    let mut key = new_key();
    let credential = key
        .do_registration(origin(), options)
        .map_err(|e| anyhow::anyhow!("authenticator: {e:?}"))?;
    let body = json!({ "ceremony_id": begun["ceremony_id"], "credential": credential });
    let (status, sealed) = server
        .post("/api/v1/invitations/register/finish", None, body)
        .await?;
    assert_eq!(status, 200, "{sealed}");
    assert_eq!(sealed["sealed"], true, "enrolling seals: {sealed}");
    assert!(
        sealed.get("token").is_none(),
        "no session for a sealed account: {sealed}"
    );
    Ok(Person {
        user_id: sealed["user_id"].as_str().context("user_id")?.to_owned(),
        login_id: login_id.to_owned(),
        password: password.to_owned(),
        key,
        token: String::new(),
    })
}

/// Prepares and enrols an emergency account acting as a nurse.
async fn sealed_account(w: &World, label: &str) -> Result<Person> {
    let (status, prepared) = w
        .server
        .post(
            &accounts_path(w),
            Some(&w.admin.token),
            json!({ "label": label, "role": "nurse" }),
        )
        .await?;
    assert_eq!(status, 201, "{prepared}");
    let login = prepared["login_id"].as_str().context("login_id")?.to_owned();
    let link = prepared["enrolment"]["link"].as_str().context("link")?.to_owned();
    enrol(&w.server, &link, &login, SHEET_PASSWORD).await
}

async fn account_state(w: &World, user: &str) -> Result<Value> {
    let (status, list) = w.server.get(&accounts_path(w), Some(&w.admin.token)).await?;
    assert_eq!(status, 200, "{list}");
    list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["user_id"] == user)
        .cloned()
        .context("account listed")
}

async fn audit(w: &World, action: &str) -> Result<Vec<kizuna_storage::audit::AuditEvent>> {
    let events = w
        .server
        .db
        .run(|conn| kizuna_storage::audit::recent(conn, 300))
        .await?;
    Ok(events.into_iter().filter(|e| e.action == action).collect())
}

async fn sign_in_refused_outside_a_disaster_and_admitted_inside_one(kind: DbKind) -> Result<()> {
    let mut w = world(kind).await?;
    let mut account = sealed_account(&w, "緊急用1").await?;
    assert_eq!(account_state(&w, &account.user_id).await?["state"], "sealed");
    let mut admin_socket = connect_after_hello(&w.server.url, &w.admin.token).await?;
    let mut second_socket = connect_after_hello(&w.server.url, &w.second_admin.token).await?;

    // Outside a declared disaster: refused with a clear answer, audited, alerted.
    let (status, refused) = w.server.sign_in(&mut account, SHEET_PASSWORD).await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("emergency_account_sealed")),
        "{refused}"
    );
    assert!(
        refused["error"]["message_ja"]
            .as_str()
            .unwrap_or_default()
            .contains("封印"),
        "{refused}"
    );
    let alert = wait_for(&mut admin_socket, "emergency_sign_in")
        .await
        .context("admin alerted of the attempt")?;
    assert_eq!(alert["account"], account.user_id.as_str());
    let attempts = audit(&w, "emergency.sign_in").await?;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, Outcome::Failure);
    assert!(audit(&w, "auth.sign_in")
        .await?
        .iter()
        .all(|e| e.actor.map(|a| a.to_string()) != Some(account.user_id.clone())));
    // Wrong factors are the ordinary, silent refusal: nothing says it is an emergency account.
    let (status, wrong) = w.server.sign_in(&mut account, "not the sheet").await?;
    assert_eq!(
        (status, wrong["error"]["code"].as_str()),
        (401, Some("sign_in_failed")),
        "{wrong}"
    );

    // Declared: a nurse of the clinic may not declare; the association's officer may.
    let disaster = format!("/api/v1/organisations/{}/disaster", w.association);
    let (status, _) = w.server.post(&disaster, Some(&w.nurse.token), json!({})).await?;
    assert_eq!(status, 403);
    let clinic_disaster = format!("/api/v1/organisations/{}/disaster", w.clinic);
    let (status, _) = w
        .server
        .post(&clinic_disaster, Some(&w.admin.token), json!({}))
        .await?;
    assert_eq!(
        status, 403,
        "a facility administrator cannot open its own safe by declaring"
    );
    let (status, declared) = w
        .server
        .post(&disaster, Some(&w.officer.token), json!({}))
        .await?;
    assert_eq!(status, 201, "{declared}");
    let (status, again) = w
        .server
        .post(&disaster, Some(&w.officer.token), json!({}))
        .await?;
    assert_eq!(
        (status, &again["id"]),
        (200, &declared["id"]),
        "declaring twice keeps the first"
    );

    let (status, grant) = w.server.sign_in(&mut account, SHEET_PASSWORD).await?;
    assert_eq!(status, 200, "{grant}");
    for socket in [&mut admin_socket, &mut second_socket] {
        let alert = wait_for(socket, "emergency_sign_in")
            .await
            .context("every admin alerted")?;
        assert_eq!(alert["account"], account.user_id.as_str());
    }
    let used = audit(&w, "emergency.sign_in").await?;
    assert!(used
        .iter()
        .any(|e| e.outcome == Outcome::Success
            && e.detail.as_deref().unwrap_or_default().contains(&w.association)));
    let listed = account_state(&w, &account.user_id).await?;
    assert_eq!(listed["state"], "in_use");
    assert_eq!(listed["admission"]["by"], "disaster");
    let (status, me) = w.server.get("/api/v1/me", Some(&account.token)).await?;
    assert_eq!(status, 200, "{me}");
    assert!(
        me["display_name"].as_str().unwrap().starts_with("【緊急用】"),
        "{me}"
    );

    // In a room it is visible to every member as an emergency account.
    w.server
        .join_room(&w.doctor, &account, &w.room, "professional")
        .await?;
    let (_, members) = w
        .server
        .get(
            &format!("/api/v1/rooms/{}/members", w.room),
            Some(&w.doctor.token),
        )
        .await?;
    let flagged: Vec<_> = members
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["emergency"] == true)
        .map(|m| m["user_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(flagged, vec![account.user_id.clone()]);

    // The disaster ends: the session ends at once and the socket closes.
    let mut account_socket = connect_after_hello(&w.server.url, &account.token).await?;
    let (status, _) = w.server.delete(&disaster, Some(&w.officer.token)).await?;
    assert_eq!(status, 204);
    let (status, _) = w.server.get("/api/v1/me", Some(&account.token)).await?;
    assert_eq!(status, 401, "session ended with the disaster");
    assert_eq!(close_code(&mut account_socket).await, Some(4401), "socket closed");
    assert_eq!(
        account_state(&w, &account.user_id).await?["state"],
        "needs_reseal"
    );
    assert_eq!(audit(&w, "emergency.closed").await?.len(), 1);

    // Not again until resealed, even in the next disaster.
    let (status, _) = w
        .server
        .post(&disaster, Some(&w.officer.token), json!({}))
        .await?;
    assert_eq!(status, 201);
    let (status, refused) = w.server.sign_in(&mut account, SHEET_PASSWORD).await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("emergency_account_sealed")),
        "{refused}"
    );

    // Resealing needs a fresh re-authentication and replaces sheet and key.
    let reseal = format!("{}/{}/reseal", accounts_path(&w), account.user_id);
    w.server.advance(std::time::Duration::from_secs(15 * 60));
    let (status, stale) = w.server.post(&reseal, Some(&w.admin.token), json!({})).await?;
    assert_eq!(
        (status, stale["error"]["code"].as_str()),
        (403, Some("reauth_required")),
        "{stale}"
    );
    w.server.reauth(&mut w.admin).await?;
    let (status, link) = w.server.post(&reseal, Some(&w.admin.token), json!({})).await?;
    assert_eq!(status, 200, "{link}");
    // The old key is no longer asked for (the challenge names only decoys), so the
    // authenticator has nothing to answer with; a forced answer is refused.
    let old = w.server.sign_in(&mut account, SHEET_PASSWORD).await;
    assert!(
        old.is_err() || old.as_ref().is_ok_and(|(status, _)| *status == 401),
        "the old key no longer opens it: {old:?}"
    );
    let new_sheet = "Kz9!safe-sheet-B";
    let mut renewed = enrol(
        &w.server,
        link["link"].as_str().unwrap(),
        &account.login_id,
        new_sheet,
    )
    .await?;
    let (status, grant) = w.server.sign_in(&mut renewed, new_sheet).await?;
    assert_eq!(status, 200, "resealed, and the disaster lasts: {grant}");
    Ok(())
}

async fn two_administrators_approve_and_one_is_not_enough(kind: DbKind) -> Result<()> {
    let mut w = world(kind).await?;
    let mut account = sealed_account(&w, "緊急用2").await?;
    let approve = format!("{}/{}/approve", accounts_path(&w), account.user_id);

    // Wrong roles: a nurse, another facility's staff, the regional officer.
    for person in [&w.nurse, &w.officer] {
        let (status, _) = w.server.post(&approve, Some(&person.token), json!({})).await?;
        assert_eq!(status, 403);
    }
    let (status, _) = w.server.get(&accounts_path(&w), Some(&w.nurse.token)).await?;
    assert_eq!(status, 403);
    let (status, _) = w
        .server
        .post(
            &accounts_path(&w),
            Some(&w.doctor.token),
            json!({ "label": "x", "role": "nurse" }),
        )
        .await?;
    assert_eq!(status, 403);

    // Nobody else may carry the emergency accounts' mark in their name.
    let link = w
        .server
        .invite_staff(&w.admin, &w.clinic, "新人", "nurse")
        .await?;
    let impostor = json!({
        "token": token_of(&link)?, "login_id": "impostor", "password": GOOD_PASSWORD,
        "display_name": "【緊急用】緊急用1",
    });
    let (status, refused) = w
        .server
        .post("/api/v1/invitations/register/begin", None, impostor)
        .await?;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("invalid_input")),
        "{refused}"
    );
    assert!(
        refused["error"]["message_ja"]
            .as_str()
            .unwrap()
            .contains("緊急用アカウント"),
        "{refused}"
    );

    // An emergency account acts in a care role; the answer says so.
    let (status, refused) = w
        .server
        .post(
            &accounts_path(&w),
            Some(&w.admin.token),
            json!({ "label": "x", "role": "facility_admin" }),
        )
        .await?;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["error"]["message_ja"]
            .as_str()
            .unwrap()
            .contains("ケアの役割"),
        "{refused}"
    );

    let (status, first) = w.server.post(&approve, Some(&w.admin.token), json!({})).await?;
    assert_eq!(
        (status, &first["approvals"], &first["admitted_until"]),
        (200, &json!(1), &Value::Null),
        "{first}"
    );
    let (status, same) = w.server.post(&approve, Some(&w.admin.token), json!({})).await?;
    assert_eq!(
        (status, &same["approvals"]),
        (200, &json!(1)),
        "the same administrator twice counts once"
    );
    let (status, _) = w.server.sign_in(&mut account, SHEET_PASSWORD).await?;
    assert_eq!(status, 403, "one approval is not enough");

    let (status, second) = w
        .server
        .post(&approve, Some(&w.second_admin.token), json!({}))
        .await?;
    assert_eq!(status, 200, "{second}");
    assert!(second["admitted_until"].is_i64(), "{second}");
    let (status, grant) = w.server.sign_in(&mut account, SHEET_PASSWORD).await?;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(
        account_state(&w, &account.user_id).await?["admission"]["by"],
        "approved"
    );

    // The window runs out: the next request finds the session ended.
    w.server.advance(std::time::Duration::from_secs(9 * 3600));
    let (status, _) = w.server.get("/api/v1/me", Some(&account.token)).await?;
    assert_eq!(status, 401);
    w.server.sign_in(&mut w.admin, GOOD_PASSWORD).await?;
    w.server.sign_in(&mut w.second_admin, GOOD_PASSWORD).await?;
    w.server.sign_in(&mut w.nurse, GOOD_PASSWORD).await?;
    w.server.sign_in(&mut w.officer, GOOD_PASSWORD).await?;
    assert_eq!(
        account_state(&w, &account.user_id).await?["state"],
        "needs_reseal"
    );

    // An administrator may end a use early, too.
    let mut other = sealed_account(&w, "緊急用3").await?;
    let approve_other = format!("{}/{}/approve", accounts_path(&w), other.user_id);
    w.server
        .post(&approve_other, Some(&w.admin.token), json!({}))
        .await?;
    w.server
        .post(&approve_other, Some(&w.second_admin.token), json!({}))
        .await?;
    let (status, _) = w.server.sign_in(&mut other, SHEET_PASSWORD).await?;
    assert_eq!(status, 200);
    let end = format!("{}/{}/end", accounts_path(&w), other.user_id);
    let (status, _) = w.server.post(&end, Some(&w.nurse.token), json!({})).await?;
    assert_eq!(status, 403);
    let reseal = format!("{}/{}/reseal", accounts_path(&w), other.user_id);
    let (status, _) = w.server.post(&reseal, Some(&w.nurse.token), json!({})).await?;
    assert_eq!(status, 403, "only the facility's administrators reseal");
    let disaster = format!("/api/v1/organisations/{}/disaster", w.association);
    let (status, _) = w.server.get(&disaster, Some(&w.nurse.token)).await?;
    assert_eq!(
        status, 403,
        "only the region's broadcast officers read its declaration"
    );
    let (status, current) = w.server.get(&disaster, Some(&w.officer.token)).await?;
    assert_eq!((status, current), (200, Value::Null), "no disaster declared here");
    let (status, _) = w
        .server
        .post(&end, Some(&w.second_admin.token), json!({}))
        .await?;
    assert_eq!(status, 204);
    let (status, _) = w.server.get("/api/v1/me", Some(&other.token)).await?;
    assert_eq!(status, 401);
    assert_eq!(account_state(&w, &other.user_id).await?["state"], "needs_reseal");
    Ok(())
}

on_both_databases!(
    sign_in_refused_outside_a_disaster_and_admitted_inside_one,
    two_administrators_approve_and_one_is_not_enough,
);
